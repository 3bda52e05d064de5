"""relations: /relations of every event Dendrite's answer was recorded for (edits, reactions,
thread replies; the fixtures hold no m.reference), as each recorded user sees them: the same
related events in the same order, each the same event (normalised like `history`).

The checker pages with a small limit (PAGE) and follows next_batch, so the servers' relation
pagination is exercised too. Rules (docs/e2e-checks.md):
- `pages`, `tokens`, `pagination-duplicates`: pages are concatenated, next_batch is used, never
  compared; an event ID repeated later is dropped.
- `departed-relations`: for a user not joined to the room, Dendrite 0.13.8 answers 200 with no
  events; Synapse applies history visibility as for /messages (it checks the user is in the room
  or the room is world_readable, that the parent event is visible, then filters the related
  events for the user, handlers/relations.py). Expected against Synapse: the room's fullest
  recorded relations of that event, kept where the event is in the user's derived visible
  history (`departed-history`); 403 M_FORBIDDEN when the parent is not visible or the history
  is 403. Against Dendrite (self-check): its recording.
- `never-member`: 200 with no events ≡ 403 M_FORBIDDEN (nothing visible either way).
- `relations-order`: without a rel_type, Dendrite 0.13.8 groups the page's relations by type in
  a Go map and concatenates the groups in map iteration order (storage_sync.go RelationsFor), so
  the order *across* types changes from run to run (the recorded answers of one event differ
  between users); its next_batch, the position of the concatenation's last event, can then
  repeat or skip events (not in the fixtures: each edit is older than every reaction). The
  spec's order is topological, newest first for dir=b, as Synapse serves
  it. Expected: the recorded events sorted by (depth, stream position) descending, both read
  from the dump's syncapi_output_room_events_topology (this includes `same-depth-order`).
  Against Dendrite (self-check) its answer is put in that order too before comparing; against
  Synapse the answer is compared as served.
- `ignored-users`: as in `history`.
"""
from __future__ import annotations

from ..http import q
from .history import (compare_listing, dedupe, departed_expectation,
                      recorded_events, without_ignored)

NAME, GROUP = "relations", "accounts_rooms"
WRITES = False
PAGE = "2"   # a limit below the largest recorded answer (4), so paging is exercised


def fetch(ctx, token: str, room_id: str, event_id: str) -> tuple[int, dict | None, list]:
    events, frm = [], None
    path = f"/_matrix/client/v1/rooms/{q(room_id)}/relations/{q(event_id)}"
    for _ in range(200):
        params = {"limit": PAGE, **({"from": frm} if frm else {})}
        status, body = ctx.client.call("GET", path, token=token, params=params)
        if status != 200:
            return status, body, dedupe(events)
        events += body.get("chunk") or []
        nxt = body.get("next_batch")
        if not body.get("chunk") or not nxt or nxt == frm:
            break
        frm = nxt
    return 200, None, dedupe(events)


def spec_order(f, events: list) -> list:
    """Newest first by (depth, stream position) from the dump; events it lacks keep their place
    at the end (a server answer with an event unknown to the dump is reported anyway)."""
    topo = f.topology()
    known = [e for e in events if e.get("event_id") in topo]
    rest = [e for e in events if e.get("event_id") not in topo]
    return sorted(known, key=lambda e: topo[e["event_id"]], reverse=True) + rest


def fullest(f, room: str, ev: str) -> list:
    views = [r["body"].get("chunk") or [] for _, r in
             f.expected_glob(f"*/rooms/{room}/relations/{ev}.json") if r["status"] == 200]
    return dedupe(max(views, key=len)) if views else []


def expectation(ctx, name: str, room: str, ev: str, rec: dict) -> tuple[int, dict | None, list]:
    """Rule `departed-relations` (module docstring)."""
    f = ctx.fixture
    recorded = (rec["status"], rec["body"] if rec["status"] != 200 else None,
                (rec["body"].get("chunk") or []) if rec["status"] == 200 else [])
    joined = f.expected(f"{name}/joined_rooms.json")["body"].get("joined_rooms", [])
    msgs = f.expected(f"{name}/rooms/{room}/messages.json")
    if ctx.server == "dendrite" or f.rooms[room] in joined or msgs is None:
        return recorded
    st, body, visible = departed_expectation(ctx, name, room, *recorded_events(msgs))
    if st != 200:
        return st, body, []
    ids = {e["event_id"] for e in visible}
    parent = f.scenario["events"][ev]["event_id"]
    if parent not in ids:
        return 403, {"errcode": "M_FORBIDDEN"}, []
    return 200, None, [e for e in fullest(f, room, ev) if e["event_id"] in ids]


def run(ctx) -> None:
    from .. import derived
    f, t = ctx.fixture, ctx.tally
    for name in f.recorded_users():
        token = f.main_device(name).token
        ignored = derived.ignored_senders(f, name)
        for rel, rec in f.expected_glob(f"{name}/rooms/*/relations/*.json"):
            room, ev = rel.split("/")[2], rel.split("/")[4][: -len(".json")]
            label = f"{name}/{room}/{ev}"
            st_e, body_e, exp = expectation(ctx, name, room, ev, rec)
            exp = spec_order(f, exp)   # rule relations-order
            parent = f.scenario["events"][ev]["event_id"]
            st_a, body_a, act = fetch(ctx, token, f.rooms[room], parent)
            if ctx.server == "dendrite":
                act = spec_order(f, act)
            exp, act = without_ignored(exp, ignored), without_ignored(act, ignored)
            compare_listing(t, label, (st_e, body_e, exp), (st_a, body_a, act), cat=NAME)
