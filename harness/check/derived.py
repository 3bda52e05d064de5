"""Answers derived from Dendrite's own recorded history where Dendrite's recorded answer is not
what the spec asks for (docs/e2e-checks.md, "Where Dendrite's answer is not the spec's").

The fullest recorded /messages of a room (all recorded users; duplicates dropped) is the
room's history when it reaches back to m.room.create. Replaying its state events in order
gives the state after any event: what the spec's "state at the time they left" (/state,
/members of a departed user) and "state at the last event" (/context) mean.
"""
from __future__ import annotations


def history(f, room: str) -> list | None:
    """Oldest first, or None when the recording does not reach back to the room's creation."""
    from .categories.history import fullest_history   # (categories import this module)
    evs = list(reversed(fullest_history(f, room)))
    return evs if evs and evs[0]["type"] == "m.room.create" else None


def state_after(evs: list, event_id: str) -> dict | None:
    """(type|state_key) -> event: the state after `event_id`; None if it is not in `evs`."""
    cur: dict = {}
    for e in evs:
        if "state_key" in e:
            cur[f"{e['type']}|{e['state_key']}"] = e
        if e["event_id"] == event_id:
            return dict(sorted(cur.items()))
    return None


def last_membership(evs: list, user_id: str) -> tuple[str | None, str | None]:
    m = (None, None)
    for e in evs:
        if e["type"] == "m.room.member" and e.get("state_key") == user_id:
            m = (e["content"].get("membership"), e["event_id"])
    return m


def current_answer(f, room: str, what: str) -> dict | None:
    """A joined member's recorded answer (current state) for this room, if any."""
    for name in f.recorded_users():
        joined = f.expected(f"{name}/joined_rooms.json")
        if joined and f.rooms[room] in joined["body"].get("joined_rooms", []):
            rec = f.expected(f"{name}/rooms/{room}/{what}.json")
            if rec and rec["status"] == 200:
                return rec
    return None


def world_readable(f, room: str) -> bool:
    st = current_answer(f, room, "state")
    return bool(st) and any(e["type"] == "m.room.history_visibility" and e.get("state_key") == ""
                            and e["content"].get("history_visibility") == "world_readable"
                            for e in st["body"])
