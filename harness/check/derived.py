"""Answers derived from Dendrite's own recorded history where Dendrite's recorded answer is not
what the spec asks for (docs/e2e-checks.md, "Where Dendrite's answer is not the spec's").

The fullest recorded /messages of a room (all recorded users; duplicates dropped) is the
room's history when it reaches back to m.room.create. Replaying its state events in order
gives the state after any event: what the spec's "state at the time they left" (/state,
/members of a departed user) and "state at the last event" (/context) mean.
"""
from __future__ import annotations

import json
from itertools import groupby


def history(f, room: str) -> list | None:
    """Oldest first, in the spec's order (rule `same-depth-order`), or None when the recording
    does not reach back to the room's creation."""
    from .categories.history import fullest_history   # (categories import this module)
    evs = list(reversed(same_depth_order(f, fullest_history(f, room))))
    return evs if evs and evs[0]["type"] == "m.room.create" else None


def page_boundary_skips(f, rec: dict) -> list:
    """Rule `page-boundary-skip`. Dendrite 0.13.8 ends a backward /messages page with an `end`
    token one depth BELOW the page's oldest event (syncapi/routing/messages.go: end.Decrement();
    TopologyToken.Decrement takes depth-1 and, per its own TODO, guesses the stream position),
    so the next page starts at the depth below: the other events of the oldest event's depth,
    those with a lower stream position, are never listed. That happens only where concurrent
    events (equal depth, a federation fork) straddle a page boundary. Expected: the recording
    (newest first) with those events put back after the page that skipped them (their order
    within the depth is same_depth_order's); each as another recorded answer shows it (state,
    members, context...), else as the dump's sync stream holds it. Events the user may not see
    are not filtered out here: no fixture has a fork hidden by history visibility."""
    from .categories.history import dedupe   # (categories import this module)
    out: list = []
    for p in rec["pages"]:
        if p["status"] != 200:
            break
        chunk = p["body"].get("chunk") or []
        out += chunk
        known = [_topo_row(f, e["event_id"]) for e in chunk if _topo_row(f, e["event_id"])]
        if not known:
            continue
        room, depth, stream = min(known, key=lambda r: (r[1], r[2]))
        listed = {e["event_id"] for q in rec["pages"] for e in (q.get("body") or {}).get("chunk") or []}
        out += [_any_recorded_event(f, eid) for eid, d, st in sorted(_room_topology(f, room), key=lambda r: -r[2])
                if d == depth and st < stream and eid not in listed]
    return dedupe([e for e in out if e is not None])


def _memo(f, name: str, build):
    """A value derived from fixture `f`, built once and kept on `f` itself. Not a dict keyed by
    id(f): ids are reused once a fixture is freed, and a later fixture then got the earlier
    one's index (a unit test passed or failed depending on the allocator)."""
    cache = f.__dict__.setdefault("_derived_memo", {})
    if name not in cache:
        cache[name] = build()
    return cache[name]


def _topology_rows(f) -> tuple[dict, dict]:
    """room_id -> [(event_id, depth, stream position)] and event_id -> (room_id, depth, stream
    position), from the dump's topology table (what Dendrite's /messages pages over)."""
    def build():
        by_room: dict = {}
        by_event: dict = {}
        for r in f.table("syncapi_output_room_events_topology"):
            d, st = int(r["topological_position"]), int(r["stream_position"])
            by_room.setdefault(r["room_id"], []).append((r["event_id"], d, st))
            by_event[r["event_id"]] = (r["room_id"], d, st)
        return by_room, by_event
    return _memo(f, "topology_rows", build)


def _room_topology(f, room_id: str) -> list[tuple[str, int, int]]:
    return _topology_rows(f)[0].get(room_id, [])


def _topo_row(f, event_id: str) -> tuple[str, int, int] | None:
    return _topology_rows(f)[1].get(event_id)


def _any_recorded_event(f, event_id: str) -> dict | None:
    """The event as a recorded answer of Dendrite shows it, else from the dump's sync stream."""
    def build():
        index: dict = {}

        def walk(x):
            if isinstance(x, dict):
                if {"event_id", "type", "sender", "content"} <= x.keys():
                    index.setdefault(x["event_id"], x)
                for v in x.values():
                    walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)
        for _, answer in f.expected_glob("**/*.json"):
            walk(answer)
        return index
    found = _memo(f, "recorded_events", build).get(event_id)
    if found is not None:   # a /sync answer leaves room_id out; /messages has it
        row = _topo_row(f, event_id)
        return found if "room_id" in found or row is None else {**found, "room_id": row[0]}
    row = next((r for r in f.table("syncapi_output_room_events") if r["event_id"] == event_id), None)
    if row is None:
        return None
    pdu = json.loads(row["headered_event_json"])
    keep = ("content", "origin_server_ts", "room_id", "sender", "type", "state_key", "unsigned")
    return {"event_id": event_id, **{k: pdu[k] for k in keep if k in pdu}}


def same_depth_order(f, newest_first: list) -> list:
    """Rule `same-depth-order`. Events of equal depth are concurrent (neither is an ancestor of
    the other). Dendrite 0.13.8 selects a /messages page by (depth, stream position)
    descending, then sorts the page by depth alone and reverses it, so within one depth a
    backward page lists them oldest *stream position* first: the reverse of its own forward
    order. Synapse (like Dendrite's SQL) orders by (depth, stream ordering) both ways. Expected:
    the recording with each run of consecutive equal-depth events put in descending stream
    position, both read from the dump's syncapi_output_room_events_topology. A no-op wherever
    no two events share a depth (every single-server room)."""
    topo = f.topology()
    out: list = []
    for depth, run in groupby(newest_first, key=lambda e: topo.get(e["event_id"], (None,))[0]):
        run = list(run)   # events unknown to the dump (depth None) keep their order
        out += run if depth is None else sorted(run, key=lambda e: -topo[e["event_id"]][1])
    return out


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


# --- who may see which event (spec "history visibility"; Synapse's reading of it) ---------
VISIBILITY = ["world_readable", "shared", "invited", "joined"]   # most permissive first
MEMBERSHIP = ["join", "invite", "knock", "leave", "ban"]        # most joined first


def _hv(state: dict) -> str:
    e = state.get("m.room.history_visibility|")
    v = e["content"].get("history_visibility") if e else "shared"
    return v if v in VISIBILITY else "shared"


def _membership(state: dict, user_id: str) -> str:
    e = state.get(f"m.room.member|{user_id}")
    m = e["content"].get("membership") if e else "leave"
    return m if m in MEMBERSHIP else "leave"


def visible_events(evs: list, user_id: str, peeking: bool) -> list[str]:
    """Event IDs (oldest first) of `evs` the user may see. Per event: the visibility in force
    (after the event; for a history_visibility event the more permissive of old and new); the
    user's membership after the event (for their own membership event the more joined of old
    and new, and their own leave after a join or invite is always shown). Visible when joined,
    or invited under `invited`, or under `world_readable`, or under `shared` unless peeking
    (a non-member reading a world_readable room)."""
    before: dict = {}
    out = []
    for e in evs:
        after = dict(before)
        if "state_key" in e:
            after[f"{e['type']}|{e['state_key']}"] = e
        vis = _hv(after)
        if e["type"] == "m.room.history_visibility" and e.get("state_key") == "":
            vis = min(vis, _hv(before), key=VISIBILITY.index)
        ok = vis == "world_readable" or (vis == "shared" and not peeking)
        if not ok:
            if e["type"] == "m.room.member" and e.get("state_key") == user_id:
                m, pm = _membership(after, user_id), _membership(before, user_id)
                ok = m == "leave" and pm in ("join", "invite")
                m = min(m, pm, key=MEMBERSHIP.index)
            else:
                m = _membership(after, user_id)
            ok = ok or m == "join" or (vis == "invited" and m == "invite")
        if ok:
            out.append(e["event_id"])
        before = after
    return out


def ignored_senders(f, name: str) -> set[str]:
    rec = f.expected(f"{name}/account_data/m.ignored_user_list.json")
    return set(((rec or {}).get("body") or {}).get("ignored_users", {}) or {})


def context_neighbours(evs: list, event_id: str, limit: int) -> tuple[list, list] | None:
    """(events_before newest first, events_after oldest first) around `event_id` in the room's
    chronological history, limit split as floor/ceil halves; None if the event is not in it."""
    ids = [e["event_id"] for e in evs]
    if event_id not in ids:
        return None
    i, before_n = ids.index(event_id), limit // 2
    after_n = limit - before_n
    return list(reversed(evs[max(0, i - before_n): i])), evs[i + 1: i + 1 + after_n]


def synapse_context_neighbours(f, evs: list, event_id: str, limit: int) -> tuple[list, list] | None:
    """Rule `context-token`: Synapse's /context (storage/databases/main/stream.py,
    _get_events_around_txn) pages backwards from the token (depth-1, stream) and forwards from
    (depth, stream) of the event, in (depth, stream ordering) order. So events_before stops
    short of a concurrent event one depth below with a HIGHER stream ordering (and of one at
    the same depth with a lower), events_after takes those instead. Stream orderings as the
    converter writes them (docs/e2e-checks.md `notifications-order`): Dendrite's positions for
    live events, backfilled ones below every live one by depth. Without forks around the event
    this is context_neighbours."""
    topo, pos = f.topology(), f.positions()
    if event_id not in {e["event_id"] for e in evs} or any(e["event_id"] not in topo for e in evs):
        return context_neighbours(evs, event_id, limit)

    def key(eid: str) -> tuple[int, int]:
        depth = topo[eid][0]
        p = pos.get(eid)
        return (depth, p[0] if p and not p[2] else -(10**12) + depth)
    d, st = key(event_id)
    before = sorted((e for e in evs if key(e["event_id"]) <= (d - 1, st)), key=lambda e: key(e["event_id"]))
    after = sorted((e for e in evs if key(e["event_id"]) > (d, st)), key=lambda e: key(e["event_id"]))
    before_n = limit // 2
    return list(reversed(before))[:before_n], after[: limit - before_n]


# --- prev_content as Synapse serves it ---------------------------------------------------
def _prev_index(f) -> dict:
    """event_id -> the state event it replaced (None for the first at its key), all rooms."""
    def build():
        out: dict = {}
        for room in f.rooms:
            cur: dict = {}
            for e in history(f, room) or []:
                if "state_key" in e:
                    k = f"{e['type']}|{e['state_key']}"
                    out[e["event_id"]] = cur.get(k)
                    cur[k] = e
        return out
    return _memo(f, "prev_index", build)


def invented_is_direct(e: dict, prev: dict) -> bool:
    """Rule `invite-prev-content`: joining a room after an invite from another server, Dendrite
    0.13.8 writes the join's prev_content itself as {"is_direct": <the invite's is_direct or
    false>, "membership": ...} (perform_join.go), so an invite without is_direct gains a
    `false` the invite never had. The spec's prev_content is the replaced event's content,
    which Synapse reads: expected is the recorded invite's content. True only for exactly
    that invented shape."""
    pc = (e.get("unsigned") or {}).get("prev_content")
    c = prev.get("content") or {}
    return (isinstance(pc, dict) and pc.get("is_direct") is False and "is_direct" not in c
            and {k: v for k, v in pc.items() if k != "is_direct"} == c)


def prev_content_at_read(f, e):
    """Rule `prev-content-at-read`: Synapse does not store an event's prev_content; it reads it
    when serving, from the event named by unsigned.replaces_state *as that event is now*
    (events_worker: get_prev_content). So after a redaction the next state event at that key
    shows the redacted content ({} for a name) and the redacted event itself still shows what
    it replaced; Dendrite serves the content as it was (the redacted name, through the next
    event) and nothing on the redacted event. Expected, for a state event Dendrite served with
    an unsigned: prev_content/prev_sender/replaces_state of the replaced event as recorded now.
    A no-op wherever nothing was redacted (unit-tested)."""
    if not (isinstance(e, dict) and "state_key" in e and "event_id" in e and e.get("unsigned")):
        return e
    idx = _prev_index(f)
    prev = idx.get(e["event_id"])
    redacted = lambda x: "redacted_because" in (x.get("unsigned") or {})  # noqa: E731
    if prev is None or not (redacted(e) or redacted(prev) or invented_is_direct(e, prev)):
        return e   # only a redaction makes "as it is now" differ from "as it was"
    u = dict(e["unsigned"])
    for k in ("prev_content", "prev_sender", "replaces_state"):
        u.pop(k, None)
    u.update(prev_content=prev["content"], prev_sender=prev["sender"], replaces_state=prev["event_id"])
    return dict(e, unsigned=u)
