"""The suite's predicates: each answers (ok, detail) about one thing a remote server or its
users would notice. The checks call them on what happened after the move; the negative
controls call the same functions on inputs that must fail (results.py).
"""
from __future__ import annotations

import hashlib
import re
import ssl
import json
import urllib.request
from pathlib import Path

from harness.check.http import q

from .servers import Side, User, wait


def seen_and_accepted(reader: User, origin: Side, room_id: str, event_id: str, sent: dict,
                      timeout: float = 60.0) -> tuple[bool, str]:
    """The other side's user sees the event as sent, and both servers accepted it
    (Synapse: no `rejections` row, not soft-failed, not an outlier; Dendrite: not
    `is_rejected`, in the sync timeline)."""
    ev = wait(lambda: reader.event(room_id, event_id), timeout)
    if ev is None:
        return False, f"{reader.user_id} on {reader.side.name} never saw {event_id} within {timeout:.0f} s"
    got = {k: ev.get(k) for k in ("type", "sender", "content")}
    if got != sent:
        return False, f"{reader.user_id} sees {json.dumps(got)[:200]}, sent {json.dumps(sent)[:200]}"
    verdicts = {}
    for side in (origin, reader.side):
        verdicts[side.name] = wait(lambda s=side: (v := s.verdict(event_id)) == "accepted" and v, 15) \
            or side.verdict(event_id)
    bad = {k: v for k, v in verdicts.items() if v != "accepted"}
    if bad:
        return False, f"{event_id}: {bad}"
    return True, f"{event_id} seen by {reader.user_id}, accepted on both"


def page_back(user: User, room_id: str, limit: int = 50, max_pages: int = 40) -> tuple[list[dict], bool]:
    """Every event of /messages backwards from the end; True when the creation was reached."""
    events, params = [], {"dir": "b", "limit": str(limit)}
    for _ in range(max_pages):
        r = user.ok("GET", f"/rooms/{q(room_id)}/messages", params=params)
        events += r.get("chunk", [])
        if any(e.get("type") == "m.room.create" for e in r.get("chunk", [])):
            return events, True
        if not r.get("chunk") or not r.get("end") or max_pages == 1:
            break
        params = {**params, "from": r["end"]}
    return events, False


def _shape(e: dict) -> tuple:
    return (e.get("event_id"), e.get("type"), e.get("sender"), e.get("state_key"),
            json.dumps(e.get("content"), sort_keys=True))


def depth_runs(events: list[dict], depth: dict[str, int]) -> list[tuple[int, frozenset]]:
    """The listing as runs of equal depth (a set of event ids per run)."""
    runs: list[tuple[int, set]] = []
    for e in events:
        d = depth.get(e["event_id"], -1)
        if runs and runs[-1][0] == d:
            runs[-1][1].add(_shape(e))
        else:
            runs.append((d, {_shape(e)}))
    return [(d, frozenset(s)) for d, s in runs]


def same_history(b_view: tuple[list[dict], bool], a_view: tuple[list[dict], bool],
                 depth: dict[str, int]) -> tuple[bool, str]:
    """B's user paged back to the creation and saw the events A's user sees, as A's user
    sees them, in the same order. Concurrent events (equal depth) may come in either order:
    Dendrite and Synapse break those ties differently (docs/federation.md)."""
    (b_events, b_done), (a_events, a_done) = b_view, a_view
    if not b_done or not a_done:
        return False, f"creation reached: B {b_done}, A {a_done} ({len(b_events)} events on B)"
    b, a = [_shape(e) for e in b_events], [_shape(e) for e in a_events]
    if depth_runs(b_events, depth) == depth_runs(a_events, depth):
        ties = "" if b == a else " (concurrent events in another order)"
        return True, f"{len(b)} events back to m.room.create, equal to A's view{ties}"
    missing = [x[0] for x in a if x not in b][:3]
    extra = [x[0] for x in b if x not in a][:3]
    return False, f"{len(b)} events on B, {len(a)} on A; missing on B {missing}, only on B {extra}, or out of order"


def member_is(user: User, room_id: str, who: str, membership: str, timeout: float = 60.0) -> tuple[bool, str]:
    def now():
        status, r = user.call("GET", f"/rooms/{q(room_id)}/state/m.room.member/{q(who)}")
        return r.get("membership") == membership and r
    got = wait(now, timeout)
    status, r = user.call("GET", f"/rooms/{q(room_id)}/state/m.room.member/{q(who)}")
    return bool(got), f"{user.user_id} on {user.side.name} sees {who} as {r.get('membership', r)}"


def member_event_id(user: User, room_id: str, who: str) -> str | None:
    for e in user.ok("GET", f"/rooms/{q(room_id)}/state"):
        if e["type"] == "m.room.member" and e.get("state_key") == who:
            return e["event_id"]
    return None


def to_device_received(user: User, sender: str, nonce: str, timeout: float = 60.0) -> tuple[bool, str]:
    """/sync of the receiving device returns the to-device message with this nonce."""
    since: list[str | None] = [None]
    flt = json.dumps({"room": {"rooms": []}, "presence": {"not_types": ["*"]}})

    def poll():
        params = {"timeout": "0", "filter": flt, **({"since": since[0]} if since[0] else {})}
        r = user.ok("GET", "/sync", params=params)
        since[0] = r.get("next_batch")
        return next((e for e in r.get("to_device", {}).get("events", [])
                     if e.get("sender") == sender and e.get("content", {}).get("nonce") == nonce), None)
    ev = wait(poll, timeout, 0.5)
    if not ev:
        return False, f"{user.user_id}/{user.device_id} never received nonce {nonce} from {sender}"
    return True, f"{user.user_id}/{user.device_id} received {ev['type']} from {sender}"


def ephemeral_seen(user: User, room_id: str, typ: str, match, timeout: float = 60.0) -> tuple[bool, str]:
    """The user's /sync shows an ephemeral event of this type in the room matching `match`."""
    since: list[str | None] = [None]
    flt = json.dumps({"room": {"rooms": [room_id], "timeline": {"limit": 1}, "state": {"types": []}},
                      "presence": {"not_types": ["*"]}})

    def poll():
        params = {"timeout": "0", "filter": flt, **({"since": since[0]} if since[0] else {})}
        r = user.ok("GET", "/sync", params=params)
        since[0] = r.get("next_batch")
        evs = r.get("rooms", {}).get("join", {}).get(room_id, {}).get("ephemeral", {}).get("events", [])
        return next((e for e in evs if e.get("type") == typ and match(e.get("content", {}))), None)
    ev = wait(poll, timeout, 0.5)
    if not ev:
        return False, f"{user.user_id} on {user.side.name} saw no matching {typ} within {timeout:.0f} s"
    return True, f"{user.user_id} on {user.side.name} sees {typ} {json.dumps(ev['content'])[:160]}"


def media_equal(user: User, mxc: str, sha256: str) -> tuple[bool, str]:
    """The user's server returns the media (fetched over federation when remote), bytes equal."""
    server, media_id = mxc[len("mxc://"):].split("/", 1)
    status, ctype, body = user.side.http.get_bytes(
        f"/_matrix/client/v1/media/download/{q(server)}/{q(media_id)}", user.token)
    if status != 200:
        return False, f"{mxc} via {user.side.name}: HTTP {status} {body[:120]!r}"
    got = hashlib.sha256(body).hexdigest()
    if got != sha256:
        return False, f"{mxc} via {user.side.name}: sha256 {got[:16]}…, expected {sha256[:16]}…"
    return True, f"{mxc} via {user.side.name}: {len(body)} bytes, sha256 equal ({ctype})"


SENDING = re.compile(r"Sending <Event event_id=(\S+?), type=([^>]+)> to (\{[^}]*\}|set\(\))")


def only_post_move(log: Path, destination: str, imported: set[str]) -> tuple[bool, str]:
    """Synapse's federation sender queued for `destination` only events made after the move
    (its DEBUG line per event; the imported event ids are the dump's)."""
    sent = [(m.group(1), m.group(2)) for m in SENDING.finditer(log.read_text(errors="replace"))
            if f"'{destination}'" in m.group(3)]
    old = [e for e, _ in sent if e in imported]
    if not sent:
        return False, f"no event sent to {destination} at all (the check would be empty)"
    if old:
        return False, f"{len(old)} of {len(sent)} events sent to {destination} are pre-move: {old[:3]}"
    return True, f"{len(sent)} events sent to {destination}, all post-move"


def tls_serves_key(port: int, expected: dict) -> tuple[bool, str]:
    """/_matrix/key/v2/server over TLS on the fragment's listener: the migrated key."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE   # self-signed, like Dendrite's was
    try:
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/_matrix/key/v2/server", context=ctx, timeout=10) as r:
            body = json.loads(r.read())
    except OSError as e:
        return False, f"https://127.0.0.1:{port}: {e}"
    got = {k: v["key"] for k, v in body.get("verify_keys", {}).items()}
    want = {k: v["key"] for k, v in expected.get("verify_keys", {}).items()}
    return got == want, f"TLS :{port} serves {body.get('server_name')} keys {got}, Dendrite served {want}"
