"""history: for every user and room, /messages backwards from the end of the room to its
creation returns the same event IDs in the same order as Dendrite's recorded pagination, and
each event is the same (content, sender, timestamps, redactions, unsigned as normalised).

Rule `pages`: Dendrite's pages are concatenated and compared as one sequence; where a server
cuts pages is its choice. Rule `tokens`: the start/end tokens are not compared. "The end" is
the next_batch of a fresh /sync, taken before any live check wrote new events.
"""
from __future__ import annotations

import json

from ..http import q
from ..normalise import pair

NAME, GROUP = "history", "issue4"
SYNC_FILTER = json.dumps({"room": {"timeline": {"limit": 1}}, "presence": {"not_types": ["*"]}})


def end_token(ctx, token: str) -> str | None:
    status, body = ctx.client.call("GET", "/sync", token=token,
                                   params={"timeout": "0", "filter": SYNC_FILTER})
    return body.get("next_batch") if status == 200 else None


def paginate(ctx, token: str, room_id: str, start: str) -> tuple[int, dict | None, list]:
    """All events from `start` backwards; (status of the first failing page or 200, its body, events)."""
    events, frm = [], start
    for _ in range(1000):
        status, body = ctx.client.call("GET", f"/rooms/{q(room_id)}/messages", token=token,
                                       params={"dir": "b", "limit": "10", "from": frm})
        if status != 200:
            return status, body, events
        events += body.get("chunk") or []
        if not body.get("chunk") or not body.get("end") or body["end"] == frm:
            break
        frm = body["end"]
    return 200, None, events


def recorded_events(rec: dict) -> tuple[int, dict | None, list]:
    events = []
    for p in rec["pages"]:
        if p["status"] != 200:
            return p["status"], p["body"], events
        events += p["body"].get("chunk") or []
    return 200, None, events


def compare_sequences(t, label: str, exp: list, act: list) -> None:
    ids_e, ids_a = [e["event_id"] for e in exp], [e["event_id"] for e in act]
    t.compare(NAME, f"{label} event IDs in order", ids_e, ids_a)
    by_id = {e["event_id"]: e for e in act}
    for e in exp:
        a = by_id.get(e["event_id"])
        if a is None:
            continue   # already reported by the sequence comparison
        pe, pa = pair(e, a)
        t.compare(NAME, f"{label} {e['event_id']}", pe, pa)


def run(ctx) -> None:
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
            st_e, body_e, exp = recorded_events(rec)
            st_a, body_a, act = paginate(ctx, d.token, rid, start)
            if st_e != 200 or st_a != 200:
                t.compare(NAME, f"{label} /messages status",
                          {"status": st_e, "errcode": (body_e or {}).get("errcode")},
                          {"status": st_a, "errcode": (body_a or {}).get("errcode")})
                if st_e != 200 and st_a != 200:
                    continue
            compare_sequences(t, label, exp, act)
