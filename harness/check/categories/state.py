"""state: /rooms/{id}/state, /members, /joined_members and /context at the recorded points for
every user and room, and the current state of every room in a full-state /sync.

Rule `sets`: state and member lists are sets keyed by (type, state_key); each key is one item.
Rule `context-state`: Dendrite 0.13.8 lazy-loads the member events of /context's `state` and
remembers per device which members it already sent (its lazy-loading cache), so its recorded
`state` depends on what the recorder's device asked before. The spec (and Synapse) give the
full state at the last event. So: a state event present in both answers must be identical;
against Synapse, every state event Dendrite returned must also be present (Synapse has no such
cache); against Dendrite itself (the self-check), absence is its cache at work.
Rule `world-readable-members`: see insider_answer().
Rule `timeline-window`: a full-state /sync is compared by the state it leaves the client with.
"""
from __future__ import annotations

from ..http import q
from ..normalise import current_state, pair
from .rooms import full_sync

NAME, GROUP = "state", "issue4"


def keyed(evs) -> dict:
    return {f"{e.get('type')}|{e.get('state_key')}": e for e in evs or []}


def compare_sets(t, label: str, exp: dict, act: dict, subset: bool = False) -> None:
    for k in sorted(set(exp) | (set() if subset else set(act))):
        e, a = exp.get(k), act.get(k)
        if e is not None and a is not None:
            e, a = pair(e, a)
        t.compare(NAME, f"{label} [{k}]", e, a)


def status_differs(t, label: str, rec: dict, status: int, body) -> bool:
    """Compare status (and errcode when an error); True when there is no body to compare."""
    if rec["status"] == 200 and status == 200:
        return False
    t.compare(NAME, f"{label} status", {"status": rec["status"], "errcode": rec["body"].get("errcode")},
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


def check_room(ctx, name: str, token: str, room: str) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    rid = f.rooms[room]
    base = f"{name}/rooms/{room}"
    rec = f.expected(f"{base}/state.json")
    if rec:
        status, body = c.call("GET", f"/rooms/{q(rid)}/state", token=token)
        if not status_differs(t, f"{base}/state", rec, status, body):
            compare_sets(t, f"{base}/state", keyed(rec["body"]), keyed(body))
    rec = f.expected(f"{base}/members.json")
    if rec:
        status, body = c.call("GET", f"/rooms/{q(rid)}/members", token=token)
        rec = with_outsider_rule(f, name, room, "members", rec, status)
        if not status_differs(t, f"{base}/members", rec, status, body):
            compare_sets(t, f"{base}/members", keyed(rec["body"].get("chunk")), keyed(body.get("chunk")))
    rec = f.expected(f"{base}/joined_members.json")
    if rec:
        status, body = c.call("GET", f"/rooms/{q(rid)}/joined_members", token=token)
        rec = with_outsider_rule(f, name, room, "joined_members", rec, status)
        if not status_differs(t, f"{base}/joined_members", rec, status, body):
            t.compare(NAME, f"{base}/joined_members", rec["body"], body)
    for rel, rec in f.expected_glob(f"{base}/context/*.json"):
        ev = rel.rsplit("/", 1)[1][: -len(".json")]
        event_id = f.scenario["events"][ev]["event_id"]
        status, body = c.call("GET", f"/rooms/{q(rid)}/context/{q(event_id)}", token=token,
                              params=rec.get("params"))
        label = f"{base}/context/{ev}"
        if status_differs(t, label, rec, status, body):
            continue
        r = rec["body"]
        for part in ("event", "events_before", "events_after"):
            pe, pa = pair(r.get(part, [] if part != "event" else None),
                          body.get(part, [] if part != "event" else None))
            t.compare(NAME, f"{label}.{part}", pe, pa)
        exp_state, act_state = keyed(r.get("state")), keyed(body.get("state"))
        if ctx.server == "dendrite":
            exp_state = {k: v for k, v in exp_state.items() if k in act_state}
        compare_sets(t, f"{label}.state", exp_state, act_state, subset=True)


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
        compare_sets(t, label, exp, act)
    for rid, r in sorted((rec["body"].get("rooms") or {}).get("invite", {}).items()):
        a = ((body.get("rooms") or {}).get("invite") or {}).get(rid)
        label = f"{name} /sync invite {f.room_name(rid)} stripped state"
        if a is None:
            t.differ(NAME, f"{label}: room missing from the answer")
            continue
        compare_sets(t, label, keyed((r.get("invite_state") or {}).get("events")), keyed((a.get("invite_state") or {}).get("events")))


def run(ctx) -> None:
    f = ctx.fixture
    for name in f.recorded_users():
        token = f.main_device(name).token
        for room in sorted(f.rooms):
            check_room(ctx, name, token, room)
        check_sync_state(ctx, name, token)
