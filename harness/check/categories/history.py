"""history: for every user and room, /messages backwards from the end of the room to its
creation returns the same event IDs in the same order as Dendrite's recorded pagination, and
each event is the same (content, sender, timestamps, redactions, unsigned as normalised).

Rules (docs/e2e-checks.md):
- `pages`: pages are concatenated and compared as one sequence; where a server cuts pages is
  its choice. `tokens`: start/end are not compared. "The end" is the next_batch of a fresh
  /sync, taken before any live check wrote new events.
- `pagination-duplicates`: an event ID seen again later in a pagination is dropped (clients key
  their timeline by event ID, so nobody sees a repeat). Dendrite 0.13.8 returns the create
  event again as a last page of its own, and loops on some tokens.
- `truncated-pagination`: when Dendrite's recorded pagination ended because its `end` token
  equalled the `from` it was given (it looped), the recording is a prefix of the history: it
  must be the beginning of the answer, and more may follow.
- `never-member`: Dendrite answers 200 with no events for a room the user was never in;
  Synapse 403 M_FORBIDDEN. Either way no event is shown: both count as "nothing visible".
- `departed-history`: for a user not joined to the room, Dendrite 0.13.8's visibility is its
  own (it stops at the first event a peeker may not see, and hides some redactions); what
  the spec gives is derived from Dendrite's recorded history (derived.visible_events): a user
  who left reads up to their leave, as a member would have; anyone else reads a world_readable
  room as a peeker; otherwise 403. Against Dendrite itself (self-check): its recording.
- `same-depth-order`: against Synapse, concurrent events (equal depth) are expected in
  descending stream position, where Dendrite's backward pages list them the other way round
  (derived.same_depth_order).
- `ignored-users`: non-state events from senders on the user's m.ignored_user_list are left out
  on both sides: Dendrite 0.13.8 still shows them in /messages, Synapse hides them, and whether
  the list itself was carried is the account_data category's check.
"""
from __future__ import annotations

import json

from ..http import q
from ..normalise import pair

NAME, GROUP = "history", "accounts_rooms"
WRITES = False
SYNC_FILTER = json.dumps({"room": {"timeline": {"limit": 1}}, "presence": {"not_types": ["*"]}})


def end_token(ctx, token: str) -> str | None:
    status, body = ctx.client.call("GET", "/sync", token=token,
                                   params={"timeout": "0", "filter": SYNC_FILTER})
    return body.get("next_batch") if status == 200 else None


def dedupe(events: list) -> list:
    seen, out = set(), []
    for e in events:
        if e.get("event_id") not in seen:
            seen.add(e.get("event_id"))
            out.append(e)
    return out


def paginate(ctx, token: str, room_id: str, start: str) -> tuple[int, dict | None, list]:
    """All events from `start` backwards; (status of the first failing page or 200, its body, events)."""
    events, frm = [], start
    for _ in range(1000):
        status, body = ctx.client.call("GET", f"/rooms/{q(room_id)}/messages", token=token,
                                       params={"dir": "b", "limit": "10", "from": frm})
        if status != 200:
            return status, body, dedupe(events)
        events += body.get("chunk") or []
        if not body.get("chunk") or not body.get("end") or body["end"] == frm:
            break
        frm = body["end"]
    return 200, None, dedupe(events)


def recorded_events(rec: dict) -> tuple[int, dict | None, list]:
    events = []
    for p in rec["pages"]:
        if p["status"] != 200:
            return p["status"], p["body"], dedupe(events)
        events += p["body"].get("chunk") or []
    return 200, None, dedupe(events)


def truncated(rec: dict) -> bool:
    """Dendrite's pagination looped: the last page's end is the token it was asked from."""
    last = rec["pages"][-1] if rec["pages"] else None
    return bool(last and last["status"] == 200 and last["body"].get("chunk")
                and last["body"].get("end") == last.get("params", {}).get("from"))


def fullest_history(f, room: str) -> list:
    """The longest recorded history of a room (newest first), over all recorded users, with
    the events Dendrite's pagination skipped put back (rule page-boundary-skip)."""
    from .. import derived
    views = [derived.page_boundary_skips(f, r) for _, r in f.expected_glob(f"*/rooms/{room}/messages.json")]
    return max(views, key=len) if views else []


def compare_sequences(t, label: str, exp: list, act: list, prefix: bool = False,
                      fix=lambda e: e, cat: str = NAME) -> None:
    ids_e, ids_a = [e["event_id"] for e in exp], [e["event_id"] for e in act]
    t.compare(cat, f"{label} event IDs in order{' (recorded prefix)' if prefix else ''}",
              ids_e, ids_a[: len(ids_e)] if prefix else ids_a)
    by_id = {e["event_id"]: e for e in act}
    for e in exp:
        a = by_id.get(e["event_id"])
        if a is None:
            continue   # already reported by the sequence comparison
        pe, pa = pair(fix(e), a)
        t.compare(cat, f"{label} {e['event_id']}", pe, pa)


def nothing_visible(status: int, body, events: list) -> bool:
    return (status == 200 and not events) or \
        (status == 403 and isinstance(body, dict) and body.get("errcode") == "M_FORBIDDEN")


def compare_listing(t, label: str, expected: tuple, actual: tuple, cat: str = NAME,
                    endpoint: str = "", **seq) -> None:
    """Two (status, error body, events) answers: nothing visible on both sides counts as a
    match (rule never-member); otherwise the statuses (with errcode), then, where both
    answered, the event sequences (compare_sequences with `seq`)."""
    (st_e, body_e, exp), (st_a, body_a, act) = expected, actual
    if nothing_visible(st_e, body_e, exp) and nothing_visible(st_a, body_a, act):
        t.ok(cat)
        return
    if st_e != 200 or st_a != 200:
        t.compare(cat, f"{label}{endpoint} status",
                  {"status": st_e, "errcode": (body_e or {}).get("errcode")},
                  {"status": st_a, "errcode": (body_a or {}).get("errcode")})
        if st_e != 200 and st_a != 200:
            return
    compare_sequences(t, label, exp, act, cat=cat, **seq)


def departed_expectation(ctx, name: str, room: str, st_e, body_e, exp):
    """(status, body, events newest first) a spec-following server gives a non-joined user."""
    from .. import derived   # (derived imports this module)
    f = ctx.fixture
    joined = f.expected(f"{name}/joined_rooms.json")["body"].get("joined_rooms", [])
    evs = derived.history(f, room)
    if ctx.server == "dendrite" or f.rooms[room] in joined or evs is None:
        return st_e, body_e, exp
    uid = f.user(name)["user_id"]
    membership, ev = derived.last_membership(evs, uid)
    if membership == "leave":
        upto = next(i for i, e in enumerate(evs) if e["event_id"] == ev)
        ids = set(derived.visible_events(evs[: upto + 1], uid, peeking=False))
    elif derived.world_readable(f, room):
        ids = set(derived.visible_events(evs, uid, peeking=True))
    else:
        return 403, {"errcode": "M_FORBIDDEN"}, []
    return 200, None, [e for e in reversed(evs) if e["event_id"] in ids]


def expected_fix(ctx):
    """Rule `prev-content-at-read` (derived.prev_content_at_read) against Synapse."""
    from .. import derived
    if ctx.server == "dendrite":
        return lambda e: e
    return lambda e: derived.prev_content_at_read(ctx.fixture, e)


def without_ignored(events: list, ignored: set) -> list:
    return [e for e in events if "state_key" in e or e.get("sender") not in ignored]


def run(ctx) -> None:
    from .. import derived
    f, t = ctx.fixture, ctx.tally
    for name in f.recorded_users():
        d = f.main_device(name)
        start = end_token(ctx, d.token)
        if start is None:
            t.differ(NAME, f"{name}: /sync for an end token failed")
            continue
        for rel, rec in f.expected_glob(f"{name}/rooms/*/messages.json"):
            room = rel.split("/")[2]
            rid = f.rooms[room]
            label = f"{name}/{room}"
            recorded = recorded_events(rec)
            st_e, body_e, exp = departed_expectation(ctx, name, room, *recorded)
            # A derived expectation is complete; Dendrite's recording may be a looped prefix.
            prefix = truncated(rec) and exp is recorded[2]
            if ctx.server != "dendrite":
                if exp is recorded[2] and recorded[0] == 200:
                    exp = derived.page_boundary_skips(f, rec)   # rule page-boundary-skip
                exp = derived.same_depth_order(f, exp)   # rule same-depth-order
            st_a, body_a, act = paginate(ctx, d.token, rid, start)
            ignored = derived.ignored_senders(f, name)
            exp, act = without_ignored(exp, ignored), without_ignored(act, ignored)
            compare_listing(t, label, (st_e, body_e, exp), (st_a, body_a, act), endpoint=" /messages",
                            prefix=prefix, fix=expected_fix(ctx))
