"""notifications (issue 5): GET /notifications of every recorded user against Dendrite's
recorded answer: the same notifications (event IDs), in the server's order, each with the same
room_id, actions, profile_tag, read flag and event. Rules (docs/e2e-checks.md):
- `tokens`: next_token is a server-private position, never compared; one request with
  limit=500 (both servers' maximum or more) fetches everything the fixtures hold.
- `notifications-order`: Dendrite 0.13.8 lists oldest first (notifications_table.go selects by
  id ascending); Synapse newest first by stream ordering (event_push_actions.py
  get_push_actions_for_user: ORDER BY epa.stream_ordering DESC). Expected against Synapse: the
  recorded list sorted by the event's stream position in the dump (syncapi topology table, the
  converter's stream ordering for live events), descending.
- `notification-ts`: Dendrite answers with the time it created the notification (ts_ms);
  Synapse with the event's received_ts (rest/client/notifications.py: "ts": pa.received_ts),
  which the converter sets to the event's origin_server_ts raised so it never decreases along
  the stream (Dendrite keeps no receive time). Against Synapse: ts >= the event's
  origin_server_ts, and not after Dendrite's ts unless raised; checked as ts >= origin_server_ts.
- `day-old-pruning`: Synapse deletes non-highlight push actions whose event was received more
  than a day before its clock once they are rotated (event_push_actions.py
  _remove_old_push_actions_that_have_rotated, every 30 s); the converter marks everything
  imported as rotated. Such a recorded notification may be missing from Synapse's answer.
"""
from __future__ import annotations

import time

NAME, GROUP = "notifications", "issue5"
DAY_MS = 24 * 60 * 60 * 1000
SLACK_MS = 60 * 60 * 1000   # an hour's margin either side of Synapse's day-old cutoff


def is_highlight(actions: list) -> bool:
    """The push rule evaluator's highlight: a `highlight` tweak whose value is not false."""
    return any(isinstance(a, dict) and a.get("set_tweak") == "highlight" and a.get("value", True) is not False
               for a in actions)


def prunable(n: dict, now_ms: int) -> bool:
    """Rule `day-old-pruning`."""
    return not is_highlight(n.get("actions") or []) and \
        (n.get("event") or {}).get("origin_server_ts", now_ms) < now_ms - DAY_MS + SLACK_MS


def shape(n: dict, ts_ok: bool | None) -> dict:
    """What is compared of one notification; `ts` replaced by the rule's verdict when given."""
    out = {k: n.get(k) for k in ("room_id", "actions", "profile_tag", "read")}
    ev = n.get("event") or {}
    out["event"] = {k: ev.get(k) for k in ("event_id", "type", "sender", "origin_server_ts", "content",
                                           "state_key") if k in ev}
    out["ts"] = n.get("ts") if ts_ok is None else ts_ok
    return out


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
            topo = f.topology()
            exp.sort(key=lambda n: topo.get(n["event"]["event_id"], (0, 0))[1], reverse=True)
            have = {n["event"]["event_id"] for n in act}
            exp = [n for n in exp if n["event"]["event_id"] in have or not prunable(n, now_ms)]
        t.compare(NAME, f"{name} /notifications event IDs in order",
                  [n["event"]["event_id"] for n in exp], [n["event"]["event_id"] for n in act])
        by_id = {n["event"]["event_id"]: n for n in act}
        for e in exp:
            a = by_id.get(e["event"]["event_id"])
            if a is None:
                continue   # reported by the sequence comparison
            if ctx.server == "dendrite":
                pe, pa = shape(e, None), shape(a, None)
            else:   # rule notification-ts
                pe, pa = shape(e, True), shape(a, a.get("ts", 0) >= e["event"]["origin_server_ts"])
            t.compare(NAME, f"{name} /notifications {e['event']['event_id']}", pe, pa)
