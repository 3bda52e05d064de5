"""resume: a client that resumes /sync with the next_batch Dendrite last gave it receives no
timeline event it already had and misses none.

"Already had" is defined by Dendrite itself: a Dendrite token s<P>_... means the client has
received every room event up to stream position P (Dendrite's syncapi_output_room_events.id,
read from the fixture's dump), except events Dendrite marked exclude_from_sync (history it
fetched from other servers: backfill, a join's earlier events), which are never news whatever
their position. So, for each device:
  - every timeline event in the answer must be above P (or be new: unknown to the dump);
  - every event above P that the user can see (it is in Dendrite's recorded /messages for that
    user) must arrive, in the timeline or, when the timeline is `limited`, through /messages
    from its prev_batch back to the first event at or below P (what a client does to fill a gap).
The device's token is never advanced: to-device messages queued for it stay queued.
"""
from __future__ import annotations

import json

from ..fixture import token_position
from ..http import q
from .history import recorded_events

NAME, GROUP = "resume", "accounts_rooms"
WRITES = False


def resumed(ctx, token: str, since: str, limit: int = 100) -> tuple[int, dict]:
    # Synapse answers a repeated identical /sync from its response cache for a while
    # (sync_response_cache_duration), so a second resume with the same token (the live phase)
    # uses a different timeline limit to be a different request.
    flt = json.dumps({"room": {"timeline": {"limit": limit}}, "presence": {"not_types": ["*"]}})
    return ctx.client.call("GET", "/sync", token=token,
                           params={"since": since, "timeout": "0", "filter": flt})


def received_events(ctx, token: str, body: dict, P: int) -> dict[str, list[str]]:
    """room_id -> event IDs received (timeline, plus the gap filled through prev_batch)."""
    pos = ctx.fixture.positions()
    out: dict[str, list[str]] = {}
    for section in ("join", "leave"):
        for rid, r in ((body.get("rooms") or {}).get(section) or {}).items():
            tl = r.get("timeline") or {}
            ids = [e["event_id"] for e in tl.get("events", [])]
            if tl.get("limited") and tl.get("prev_batch"):
                ids = fill_gap(ctx, token, rid, tl["prev_batch"], P, pos) + ids
            out.setdefault(rid, []).extend(ids)
    return out


def fill_gap(ctx, token, rid, frm, P, pos) -> list[str]:
    got: list[str] = []
    for _ in range(100):
        status, b = ctx.client.call("GET", f"/rooms/{q(rid)}/messages", token=token,
                                    params={"dir": "b", "limit": "20", "from": frm})
        if status != 200 or not b.get("chunk"):
            break
        for e in b["chunk"]:
            if e["event_id"] in pos and not is_news(pos[e["event_id"]], P):
                return list(reversed(got))
            got.append(e["event_id"])
        if not b.get("end") or b["end"] == frm:
            break
        frm = b["end"]
    return list(reversed(got))


def is_news(p, P: int) -> bool:
    return p is not None and p[0] > P and not p[2]


def expected_new(ctx, user: str, P: int) -> dict[str, list[str]]:
    f, pos = ctx.fixture, ctx.fixture.positions()
    out = {}
    for rel, rec in f.expected_glob(f"{user}/rooms/*/messages.json"):
        status, _, evs = recorded_events(rec)
        rid = f.rooms[rel.split("/")[2]]
        new = [e["event_id"] for e in reversed(evs) if is_news(pos.get(e["event_id"]), P)]
        if new:
            out[rid] = new
    return out


def check_device(ctx, d, since: str, limit: int = 100) -> dict[str, list[str]] | None:
    """Runs the check for one device; returns what it received (for the live phase)."""
    f, t = ctx.fixture, ctx.tally
    P = token_position(since)
    status, body = resumed(ctx, d.token, since, limit)
    if not t.check(NAME, f"{d.key} /sync since {since} status", status == 200, 200, status):
        return None
    got = received_events(ctx, d.token, body, P)
    pos = f.positions()
    for rid, ids in sorted(got.items()):
        for eid in ids:
            p = pos.get(eid)
            t.check(NAME, f"{d.key} since s{P}: {f.room_name(rid)} {eid} (Dendrite position "
                          f"{p and p[0]}{', fetched history' if p and p[2] else ''}) delivered again",
                    p is None or is_news(p, P), f"position > {P}, live", p and p[0])
    for rid, ids in sorted(expected_new(ctx, d.user, P).items()):
        have = set(got.get(rid, []))
        for eid in ids:
            t.check(NAME, f"{d.key} since s{P}: {f.room_name(rid)} {eid} (position {pos[eid][0]})",
                    eid in have, "received", "missing")
    return got


def run(ctx) -> None:
    f = ctx.fixture
    for d in f.live_devices():
        u = f.user(d.user)
        if u.get("appservice") or token_position(d.next_batch) is None:
            continue
        check_device(ctx, d, d.next_batch)
