"""state: /rooms/{id}/state, /members, /joined_members and /context at the recorded points for
every user and room, and the current state of every room in a full-state /sync.

Rule `sets`: state and member lists are sets keyed by (type, state_key); each key is one item.
Rule `context-state`: Dendrite 0.13.8 answers /context's `state` with the CURRENT membership
events of the returned events' senders (lobby.hello's context holds dave's later leave and
erin's later invite), lazy-loaded and remembered per device (its lazy-loading cache), so its
recorded `state` is neither the spec's nor stable. The spec (and Synapse) give the full state
at the last returned event: that is derived from Dendrite's recorded history (derived.py) and
compared as a set. Against Dendrite itself (the self-check) the state events present in both
its recording and its answer must be identical.
Rule `departed-state`: see departed_expectation(). Rule `context-order`: see
chronological_context().
Rule `world-readable-members`: see insider_answer(). Rule `state-unsigned`: see
snapshot_unsigned().
Rule `timeline-window`: a full-state /sync is compared by the state it leaves the client with.
"""
from __future__ import annotations

from ..http import q
from .. import derived
from ..normalise import current_state, pair
from .history import expected_fix
from .rooms import full_sync

NAME, GROUP = "state", "accounts_rooms"
WRITES = False


def keyed(evs) -> dict:
    return {f"{e.get('type')}|{e.get('state_key')}": e for e in evs or []}


SNAPSHOT_UNSIGNED = ("prev_content", "prev_sender", "replaces_state")


def snapshot_unsigned(e: dict, a: dict) -> dict:
    """Rule `state-unsigned`: Dendrite 0.13.8 serves /state and /members events with an empty
    (or no) `unsigned`; Synapse with the event's prev_content, prev_sender and replaces_state.
    Those are compared for the same event IDs in `history`, where Dendrite serves them."""
    if e.get("unsigned") or not isinstance(a.get("unsigned"), dict):
        return a
    u = {k: v for k, v in a["unsigned"].items() if k not in SNAPSHOT_UNSIGNED}
    a = {k: v for k, v in a.items() if k not in SNAPSHOT_UNSIGNED + ("unsigned",)}  # + legacy copies
    return dict(a, unsigned=u) if u else a


def compare_sets(t, label: str, exp: dict, act: dict, subset: bool = False,
                 snapshot: bool = False, fix=lambda e: e) -> None:
    for k in sorted(set(exp) | (set() if subset else set(act))):
        e, a = exp.get(k), act.get(k)
        if e is not None and a is not None:
            if snapshot:
                a = snapshot_unsigned(e, a)
            e, a = pair(fix(e), a)
        t.compare(NAME, f"{label} [{k}]", e, a)


def no_avatar(body: dict) -> dict:
    """Rule `no-avatar`: in /joined_members, "" and null both mean "not set" (Dendrite answers
    "" where the member event has no avatar_url; Synapse null)."""
    return {"joined": {u: {k: (v if v != "" else None) for k, v in m.items()}
                       for u, m in (body.get("joined") or {}).items()}}


def stripped(evs) -> dict:
    """Rule `stripped-state`: invite_state events are the spec's StrippedStateEvent (type,
    state_key, content, sender); Dendrite adds event_id and timestamps, Synapse does not."""
    return {k: {f: e.get(f) for f in ("type", "state_key", "content", "sender")}
            for k, e in keyed(evs).items()}


def status_differs(t, label: str, rec: dict, status: int, body) -> bool:
    """Compare status (and errcode when an error); True when there is no body to compare."""
    if rec["status"] == 200 and status == 200:
        return False
    rec_err = rec["body"].get("errcode") if isinstance(rec["body"], dict) else None  # a 200 /state is a list
    t.compare(NAME, f"{label} status", {"status": rec["status"], "errcode": rec_err},
              {"status": status, "errcode": body.get("errcode") if isinstance(body, dict) else None})
    return True


def insider_answer(f, room: str, what: str, outsider: str) -> dict | None:
    """Rule `world-readable-members`: Synapse lets anyone read /members and /joined_members of
    a world_readable room (its check_user_in_room_or_world_readable), where Dendrite answered
    403 to a non-member. Then the answer must be exactly what a member was shown: returns a
    member's recorded answer when the room was world_readable, else None."""
    for name in f.recorded_users():
        if name == outsider:
            continue
        rec = f.expected(f"{name}/rooms/{room}/{what}.json")
        st = f.expected(f"{name}/rooms/{room}/state.json")
        if rec and rec["status"] == 200 and st and st["status"] == 200:
            hv = next((e["content"].get("history_visibility") for e in st["body"]
                       if e["type"] == "m.room.history_visibility"), None)
            return rec if hv == "world_readable" else None
    return None


def with_outsider_rule(f, name, room, what, rec, status):
    if rec["status"] == 403 and status == 200:
        return insider_answer(f, room, what, name) or rec
    return rec


def departed_expectation(ctx, name: str, room: str, what: str, rec: dict) -> dict:
    """Rule `departed-state` (spec: a user who left sees the state when they left; Synapse also
    shows the current state of a world_readable room to anyone else): what the server under
    test must answer for /state or /members to a user who is not joined. Against Dendrite (the
    self-check) its own recording; Dendrite answers departed users with the current state."""
    f = ctx.fixture
    joined = f.expected(f"{name}/joined_rooms.json")["body"].get("joined_rooms", [])
    if ctx.server == "dendrite" or f.rooms[room] in joined:
        return rec
    evs = derived.history(f, room)
    if evs is None:
        return rec
    membership, ev = derived.last_membership(evs, f.user(name)["user_id"])
    if membership == "leave":
        st = derived.state_after(evs, ev)
        evs_at = list(st.values())
        if what == "members":
            return {"status": 200, "body": {"chunk": [e for e in evs_at if e["type"] == "m.room.member"]}}
        return {"status": 200, "body": evs_at}
    if derived.world_readable(f, room):
        return derived.current_answer(f, room, what) or rec
    return {"status": 403, "body": {"errcode": "M_FORBIDDEN"}}


def chronological_context(ctx, name: str, room: str, event_id: str, rec: dict) -> dict:
    """Rule `context-order`: Dendrite 0.13.8 picks /context's events_before/after by its stream
    positions, where history it fetched from other servers (a remote join's earlier events)
    sits after everything live: zara_room's last message gets the room's create event "after"
    it. The spec asks for the events just before and after in chronological order: taken from
    the room's recorded /messages history (the same order `history` checks), then filtered by
    what the user may see. Returns {} when that history is not complete."""
    f = ctx.fixture
    evs = derived.history(f, room)
    limit = int((rec.get("params") or {}).get("limit", 10))
    around = derived.synapse_context_neighbours(f, evs, event_id, limit) if evs else None   # rule context-token
    if around is None:
        return {}
    joined = f.rooms[room] in f.expected(f"{name}/joined_rooms.json")["body"].get("joined_rooms", [])
    uid = f.user(name)["user_id"]
    if joined:
        visible = {e["event_id"] for e in evs}
    else:
        m, ev = derived.last_membership(evs, uid)
        visible = set(derived.visible_events(evs, uid, peeking=m != "leave"))
    return {"events_before": [e for e in around[0] if e["event_id"] in visible],
            "events_after": [e for e in around[1] if e["event_id"] in visible]}


def check_room(ctx, name: str, token: str, room: str) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    rid = f.rooms[room]
    base = f"{name}/rooms/{room}"
    rec = f.expected(f"{base}/state.json")
    if rec:
        rec = departed_expectation(ctx, name, room, "state", rec)
        status, body = c.call("GET", f"/rooms/{q(rid)}/state", token=token)
        if not status_differs(t, f"{base}/state", rec, status, body):
            compare_sets(t, f"{base}/state", keyed(rec["body"]), keyed(body), snapshot=True,
                         fix=expected_fix(ctx))
    rec = f.expected(f"{base}/members.json")
    if rec:
        rec = departed_expectation(ctx, name, room, "members", rec)
        status, body = c.call("GET", f"/rooms/{q(rid)}/members", token=token)
        if not status_differs(t, f"{base}/members", rec, status, body):
            compare_sets(t, f"{base}/members", keyed(rec["body"].get("chunk")), keyed(body.get("chunk")),
                         snapshot=True, fix=expected_fix(ctx))
    rec = f.expected(f"{base}/joined_members.json")
    if rec:
        status, body = c.call("GET", f"/rooms/{q(rid)}/joined_members", token=token)
        rec = with_outsider_rule(f, name, room, "joined_members", rec, status)
        if not status_differs(t, f"{base}/joined_members", rec, status, body):
            t.compare(NAME, f"{base}/joined_members", no_avatar(rec["body"]), no_avatar(body))
    for rel, rec in f.expected_glob(f"{base}/context/*.json"):
        ev = rel.rsplit("/", 1)[1][: -len(".json")]
        event_id = f.scenario["events"][ev]["event_id"]
        status, body = c.call("GET", f"/rooms/{q(rid)}/context/{q(event_id)}", token=token,
                              params=rec.get("params"))
        label = f"{base}/context/{ev}"
        if status_differs(t, label, rec, status, body):
            continue
        r = rec["body"]
        exp_parts = {p: r.get(p, [] if p != "event" else None) for p in ("event", "events_before", "events_after")}
        if ctx.server != "dendrite":
            exp_parts.update(chronological_context(ctx, name, room, event_id, rec))
        fix = expected_fix(ctx)
        for part, exp_part in exp_parts.items():
            exp_part = [fix(e) for e in exp_part] if isinstance(exp_part, list) else fix(exp_part)
            pe, pa = pair(exp_part, body.get(part, [] if part != "event" else None))
            t.compare(NAME, f"{label}.{part}", pe, pa)
        exp_state, act_state = keyed(r.get("state")), keyed(body.get("state"))
        if ctx.server == "dendrite":   # its lazy-loading cache: see the module docstring
            compare_sets(t, f"{label}.state", {k: v for k, v in exp_state.items() if k in act_state},
                         act_state, subset=True)
            continue
        evs = derived.history(f, room)
        # The state at the last event the server returned (events_after are compared above).
        last = (body.get("events_after") or [body.get("event") or r["event"]])[-1]["event_id"]
        at = derived.state_after(evs, last) if evs else None
        if at is None:
            # No recorded history back to the room's creation to derive it from, and Dendrite's
            # entries are its current state: only that those (type, state_key) are present.
            t.compare(NAME, f"{label}.state keys", sorted(exp_state), sorted(set(exp_state) & set(act_state)))
        else:
            compare_sets(t, f"{label}.state (state after {last})", at, act_state, fix=fix)


def check_sync_state(ctx, name: str, token: str) -> None:
    f, t = ctx.fixture, ctx.tally
    rec = f.expected(f"{name}/sync_full_state.json")
    status, body = full_sync(ctx, token)
    if status_differs(t, f"{name} /sync", rec, status, body):
        return
    for rid, r in sorted((rec["body"].get("rooms") or {}).get("join", {}).items()):
        a = ((body.get("rooms") or {}).get("join") or {}).get(rid)
        label = f"{name} /sync join {f.room_name(rid)} current state"
        if a is None:
            t.differ(NAME, f"{label}: room missing from the answer")
            continue
        exp = current_state((r.get("state") or {}).get("events", []), (r.get("timeline") or {}).get("events", []))
        act = current_state((a.get("state") or {}).get("events", []), (a.get("timeline") or {}).get("events", []))
        compare_sets(t, label, exp, act, fix=expected_fix(ctx))
    for rid, r in sorted((rec["body"].get("rooms") or {}).get("invite", {}).items()):
        a = ((body.get("rooms") or {}).get("invite") or {}).get(rid)
        label = f"{name} /sync invite {f.room_name(rid)} stripped state"
        if a is None:
            t.differ(NAME, f"{label}: room missing from the answer")
            continue
        compare_sets(t, label, stripped((r.get("invite_state") or {}).get("events")),
                     stripped((a.get("invite_state") or {}).get("events")))


def run(ctx) -> None:
    f = ctx.fixture
    for name in f.recorded_users():
        token = f.main_device(name).token
        for room in sorted(f.rooms):
            check_room(ctx, name, token, room)
        check_sync_state(ctx, name, token)
