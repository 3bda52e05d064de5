"""notifications: GET /notifications of every recorded user against Dendrite's
recorded answer: the same notifications (event IDs), in the server's order, each with the same
room_id, actions, profile_tag, read flag and event. Rules (docs/e2e-checks.md):
- `tokens`: next_token is a server-private position, never compared; one request with
  limit=500 (both servers' maximum or more) fetches everything the fixtures hold.
- `notifications-order`: Dendrite 0.13.8 lists oldest first (notifications_table.go selects by
  id ascending); Synapse newest first by stream ordering (event_push_actions.py
  get_push_actions_for_user: ORDER BY epa.stream_ordering DESC). Expected against Synapse: the
  recorded list sorted by the stream ordering the converter gives each event, descending: the
  event's Dendrite stream position for live events, below every live event for events Dendrite
  fetched as history (exclude_from_sync; Synapse numbers backfilled events negatively, the
  deepest nearest zero), in depth order; an invite received over federation into a room the
  server was not in (no room event in the dump) is above everything (the converter numbers
  carried out-of-band invites after all history, in event ID order).
- `read-from-receipts`: Dendrite lists only notifications its receipt handling has not marked
  read (selectNotificationSQL: "AND NOT read"), so every recorded `read` is false; Synapse
  computes `read` for each listed notification as "the user's latest m.read/m.read.private
  receipt in the room is at or after the event" by (topological, stream) ordering
  (rest/client/notifications.py). Expected against Synapse: that comparison made with the
  dump's receipts (syncapi_receipts) and the orderings above (depth = topological ordering).
- `notification-ts`: Dendrite answers with the time it created the notification (ts_ms);
  Synapse with the event's received_ts (rest/client/notifications.py: "ts": pa.received_ts),
  which the converter sets to the event's origin_server_ts raised so it never decreases along
  the stream (Dendrite keeps no receive time). Against Synapse: ts >= the event's
  origin_server_ts, and not after Dendrite's ts unless raised; checked as ts >= origin_server_ts.
- `duplicate-notifications`: Dendrite 0.13.8 can store and list one event several times for a
  user (basic: rows 57 and 58 of userapi_notifications, erin's invite; carol has events listed
  two and four times); Synapse holds one push action per (room, event, user, profile_tag)
  (unique index event_push_actions_room_id_event_id_user_id_profile_tag). Expected: the
  recorded list with repeated event IDs dropped, the first kept (the converter keeps the first
  row by id, and skips and counts the rest).
- `redacted-after-notifying`: Dendrite's notification keeps a copy of the event as it was when it
  notified; Synapse serves the event as it is now (rest/client/notifications.py serializes
  get_events()), redacted when a redaction arrived later. When Synapse's event carries
  unsigned.redacted_because, its content must be a part of the recorded content (a redaction
  only removes keys); the content is otherwise compared exactly.
- `day-old-pruning`: Synapse deletes non-highlight push actions whose event was received more
  than a day before its clock once they are rotated (event_push_actions.py
  _remove_old_push_actions_that_have_rotated, every 30 s); the converter marks everything
  imported as rotated. Dendrite does the same (notifications_table.go Clean: non-highlights
  older than a day by ts_ms). Such a recorded notification may be missing from either answer
  once the fixture is a day old (an hour's margin).

Unread counts, `/sync` `unread_notifications` of every joined room in the user's recorded
`sync_full_state.json` (filter: timeline limit 1, no state), compared per room:
- against Dendrite: its recorded numbers.
- against Synapse, rule `counts-since-receipt`: Synapse counts, per room, the push actions after
  the user's latest m.read/m.read.private receipt, or after the user's membership event when
  there is none (event_push_actions.py _get_unread_counts_by_receipt_txn, no
  event_push_summary rows); highlights by their actions. Dendrite counts every row not marked
  read, duplicates and invites before the join included, highlights by its own column, which
  0.13.8 leaves false for mentions (docs/userdata.md, "Unread counts": 14 of 46 rooms
  differ). Expected: the recorded notifications (rule `duplicate-notifications`) of the room
  after that receipt or membership event by the converter's stream order (rule
  `notifications-order`), those missing by `day-old-pruning` left out; highlight_count those
  of them whose actions highlight.
- `counts-cached-over-pruning`: Synapse caches those counts per room and user and its day-old
  pruning does not invalidate the cache, so once the recorded notifications are a day old a
  count may still include the pruned ones (if anything synced before the pruning ran, e.g. an
  earlier category): either count is accepted (`cached_counts`).
"""
from __future__ import annotations

import json
import time


NAME, GROUP = "notifications", "e2ee_userdata"
WRITES = False
DAY_MS = 24 * 60 * 60 * 1000
SLACK_MS = 60 * 60 * 1000   # an hour's margin either side of Synapse's day-old cutoff


def is_highlight(actions: list) -> bool:
    """Synapse's _action_has_highlight: the first `highlight` tweak's value, default true."""
    tweak = next((a for a in actions if isinstance(a, dict) and a.get("set_tweak") == "highlight"), None)
    return tweak is not None and tweak.get("value", True) is not False


def prunable(n: dict, now_ms: int) -> bool:
    """Rule `day-old-pruning`."""
    return not is_highlight(n.get("actions") or []) and \
        (n.get("event") or {}).get("origin_server_ts", now_ms) < now_ms - DAY_MS + SLACK_MS


def first_of_each(notifs: list) -> list:
    """Rule `duplicate-notifications`."""
    seen, out = set(), []
    for n in notifs:
        if n["event"]["event_id"] not in seen:
            seen.add(n["event"]["event_id"])
            out.append(n)
    return out


def redacted_part(exp_content: dict, act_event: dict) -> dict:
    """Rule `redacted-after-notifying`: the recorded content cut down to the keys Synapse's
    redacted event kept, when those keep their recorded values (else unchanged, so it differs)."""
    act_content = act_event.get("content") or {}
    if "redacted_because" not in (act_event.get("unsigned") or {}):
        return exp_content
    if all(k in exp_content and exp_content[k] == v for k, v in act_content.items()):
        return {k: exp_content[k] for k in act_content}
    return exp_content


def shape(n: dict, ts_ok: bool | None, content: dict | None = None) -> dict:
    """What is compared of one notification; `ts` replaced by the rule's verdict when given."""
    out = {k: n.get(k) for k in ("room_id", "actions", "profile_tag", "read")}
    ev = dict(n.get("event") or {})
    if content is not None:
        ev["content"] = content
    out["event"] = {k: ev.get(k) for k in ("event_id", "type", "sender", "origin_server_ts", "content",
                                           "state_key") if k in ev}
    out["ts"] = n.get("ts") if ts_ok is None else ts_ok
    return out


def synapse_order(f):
    """Rule `notifications-order`: event_id -> a key ordered like Synapse's stream ordering."""
    topo, pos = f.topology(), f.positions()

    def key(event_id: str) -> tuple:
        if event_id not in topo:   # an invite over federation: above all history, by event ID
            return (2, event_id)
        depth, stream = topo[event_id]
        backfilled = pos.get(event_id, (0, "", False))[2]
        return (0, depth) if backfilled else (1, stream)
    return key


def read_flags(f, user_id: str, key) -> dict[str, tuple]:
    """Rule `read-from-receipts`: room -> (topological, stream key) of the user's latest receipt."""
    topo, out = f.topology(), {}
    for r in f.table("syncapi_receipts"):
        if r["user_id"] != user_id or r["receipt_type"] not in ("m.read", "m.read.private"):
            continue
        at = (topo.get(r["event_id"], (0, 0))[0], key(r["event_id"]))
        if r["room_id"] not in out or out[r["room_id"]][1] < at[1]:
            out[r["room_id"]] = at
    return out


def synapse_expectation(f, name: str, exp: list, act: list, now_ms: int) -> list:
    key = synapse_order(f)
    exp = sorted(first_of_each(exp), key=lambda n: key(n["event"]["event_id"]), reverse=True)
    have = {n["event"]["event_id"] for n in act}
    exp = [dict(n) for n in exp if n["event"]["event_id"] in have or not prunable(n, now_ms)]
    receipts, topo = read_flags(f, f.user(name)["user_id"], key), f.topology()
    for n in exp:
        ev = n["event"]["event_id"]
        r = receipts.get(n["room_id"])
        n["read"] = r is not None and r >= (topo.get(ev, (0, 0))[0], key(ev))
    return exp


def pairs(exp: list, act: list):
    """The k-th occurrence of an event ID in one list with its k-th in the other."""
    seen: dict[str, int] = {}
    index: dict[tuple, dict] = {}
    for n in act:
        k = (n["event"]["event_id"], seen.get(n["event"]["event_id"], 0))
        seen[k[0]] = k[1] + 1
        index[k] = n
    seen = {}
    for n in exp:
        k = (n["event"]["event_id"], seen.get(n["event"]["event_id"], 0))
        seen[k[0]] = k[1] + 1
        if k in index:
            yield n, index[k]


def run(ctx) -> None:
    f, t = ctx.fixture, ctx.tally
    now_ms = int(time.time() * 1000)
    for name in f.recorded_users():
        rec = f.expected(f"{name}/notifications.json")
        if rec is None:
            continue
        tok = f.main_device(name).token
        st, body = ctx.client.call("GET", "/notifications", token=tok, params={"limit": "500"})
        if rec["status"] != 200 or st != 200:
            t.compare(NAME, f"{name} /notifications status", rec["status"], st)
            continue
        exp = list(rec["body"].get("notifications") or [])
        act = list((body or {}).get("notifications") or [])
        if ctx.server != "dendrite":
            exp = synapse_expectation(f, name, exp, act, now_ms)
        else:   # rule day-old-pruning (Dendrite's own clean-up, notifications_table.go Clean)
            have = {n["event"]["event_id"] for n in act}
            exp = [n for n in exp if n["event"]["event_id"] in have or not prunable(n, now_ms)]
        check_counts(ctx, name, tok, list(rec["body"].get("notifications") or []),
                     {n["event"]["event_id"] for n in act}, now_ms)
        t.compare(NAME, f"{name} /notifications event IDs in order",
                  [n["event"]["event_id"] for n in exp], [n["event"]["event_id"] for n in act])
        for e, a in pairs(exp, act):   # a missing one is reported by the sequence comparison
            if ctx.server == "dendrite":
                pe, pa = shape(e, None), shape(a, None)
            else:   # rule notification-ts
                content = redacted_part(e["event"].get("content") or {}, a["event"])
                pe = shape(e, True, content)
                pa = shape(a, a.get("ts", 0) >= e["event"]["origin_server_ts"])
            t.compare(NAME, f"{name} /notifications {e['event']['event_id']}", pe, pa)


SYNC_FILTER = json.dumps({"room": {"timeline": {"limit": 1}, "state": {"types": []}},
                          "presence": {"not_types": ["*"]}})


def own_membership(room: dict, user_id: str) -> str | None:
    """The user's membership event in a recorded full-state /sync room (state, then timeline)."""
    found = None
    for sec in ("state", "timeline"):
        for e in (room.get(sec) or {}).get("events") or []:
            if e.get("type") == "m.room.member" and e.get("state_key") == user_id:
                found = e["event_id"]
    return found


def synapse_counts(f, name: str, room_id: str, room: dict, listed: list, served: set) -> dict:
    """Rule `counts-since-receipt`."""
    key, uid = synapse_order(f), f.user(name)["user_id"]
    receipt = read_flags(f, uid, key).get(room_id)
    member = own_membership(room, uid)
    since = receipt[1] if receipt else (key(member) if member else None)
    counted = [x for x in first_of_each(listed) if x["room_id"] == room_id
               and (since is None or key(x["event"]["event_id"]) > since)
               and x["event"]["event_id"] in served]
    return {"notification_count": len(counted),
            "highlight_count": sum(1 for x in counted if is_highlight(x.get("actions") or []))}


def cached_counts(f, name: str, room_id: str, room: dict, listed: list, served: set, now_ms: int) -> list[dict]:
    """Rule `counts-cached-over-pruning`: the counts Synapse may serve, the current ones first.
    /sync's unread counts are cached per room and user (get_unread_event_push_actions_by_room_for_user,
    @cached) and invalidated by receipts and new events in the room, but not by the day-old
    pruning (_remove_old_push_actions_that_have_rotated deletes rows only). A /sync before the
    pruning (another category's) leaves the count with the pruned notifications in it; the
    pruning takes all of them at once (every imported action is rotated and a day old), so the
    count is one of two: without the pruned ones, or with all of them."""
    now = synapse_counts(f, name, room_id, room, listed, served)
    pruned = {x["event"]["event_id"] for x in listed if x["event"]["event_id"] not in served and prunable(x, now_ms)}
    if not pruned:
        return [now]
    return [now, synapse_counts(f, name, room_id, room, listed, served | pruned)]


def check_counts(ctx, name: str, tok: str, listed: list, served: set, now_ms: int = 0) -> None:
    f, t = ctx.fixture, ctx.tally
    rec = f.expected(f"{name}/sync_full_state.json")
    if rec is None or rec["status"] != 200:
        return
    st, body = ctx.client.call("GET", "/sync", token=tok, params={"filter": SYNC_FILTER})
    got = ((body or {}).get("rooms") or {}).get("join") or {} if st == 200 else {}
    for room_id, room in sorted(((rec["body"].get("rooms") or {}).get("join") or {}).items()):
        a = (got.get(room_id) or {}).get("unread_notifications") or {}
        a = {k: a.get(k, 0) for k in ("notification_count", "highlight_count")}
        if ctx.server == "dendrite":
            e = room.get("unread_notifications") or {}
            e = {k: e.get(k, 0) for k in ("notification_count", "highlight_count")}
        else:
            may = cached_counts(f, name, room_id, room, listed, served, now_ms)
            e = a if a in may else may[0]
        t.compare(NAME, f"{name} {f.room_name(room_id)} unread_notifications", e, a)
