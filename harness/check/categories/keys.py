"""keys: /keys/query for the local users, /room_keys/version and /room_keys/keys, for
every recorded user, compared with Dendrite's answers. Signatures and key JSON are compared
exactly (they are signed data). Two rules (userdata_rules.py): a user-signing key is served
only to its owner (the spec; Dendrite served everyone's), and an error is its status and
errcode (the English text is each server's own). Then every live device resuming /sync with its
old Dendrite since token is told, once, that its own user and every recorded room-mate with
keys changed devices (`device_lists.changed`), so clients re-fetch device lists."""
from __future__ import annotations

import json

from .. import userdata_rules as r

NAME, GROUP = "keys", "e2ee_userdata"
WRITES = False


def run(ctx) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    for name in f.recorded_users():
        d = f.main_device(name)
        rec = f.expected(f"{name}/keys_query.json")
        if rec:
            # Local users only: remote users' keys are a cache the server re-fetches from
            # their homeserver, and no peer runs during the check.
            local = sorted(u for u in rec["body"].get("device_keys", {}) if u.endswith(":" + f.server_name))
            st, ans = c.call("POST", "/keys/query", token=d.token, body={"device_keys": {u: [] for u in local}})
            t.compare(NAME, f"{name} /keys/query",
                      {"status": rec["status"], **r.keys_query(rec["body"], f.server_name, d.user_id)},
                      {"status": st, **r.keys_query(ans, f.server_name, d.user_id)})
        rec = f.expected(f"{name}/room_keys_version.json")
        if rec:
            st, ans = c.call("GET", "/room_keys/version", token=d.token)
            t.compare(NAME, f"{name} /room_keys/version", r.error(rec["status"], rec["body"]), r.error(st, ans))
        rec = f.expected(f"{name}/room_keys_keys.json")
        if rec:
            st, ans = c.call("GET", "/room_keys/keys", token=d.token, params=rec.get("params"))
            t.compare(NAME, f"{name} /room_keys/keys", r.error(rec["status"], rec["body"]), r.error(st, ans))
    device_lists(ctx)


def device_lists(ctx) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    offline = f.scenario.get("notes", {}).get("offline_devices", [])
    uid = {n: f.main_device(n).user_id for n in f.recorded_users()}
    joined = {n: set((f.expected(f"{n}/joined_rooms.json") or {"body": {}})["body"].get("joined_rooms", []))
              for n in f.recorded_users()}
    with_keys = set()
    for n in f.recorded_users():
        rec = f.expected(f"{n}/keys_query.json")
        if rec:
            with_keys |= {u for u, devs in rec["body"].get("device_keys", {}).items() if devs}
    for d in f.live_devices():
        # The offline device's queue is left to encrypted_history.
        if d.key in offline or not d.next_batch or d.user not in joined or d.user_id not in with_keys:
            continue
        mates = {n for n in joined if joined[n] & joined[d.user]}
        expected = sorted({uid[n] for n in mates if uid[n] in with_keys} | {d.user_id})
        st, ans = c.call("GET", "/sync", token=d.token, params={
            "since": d.next_batch, "timeout": "0", "filter": json.dumps({"room": {"timeline": {"limit": 1}}})})
        changed = set(ans.get("device_lists", {}).get("changed", [])) if st == 200 else {f"status {st}"}
        t.compare(NAME, f"{d.key} resumed /sync device_lists.changed", expected,
                  sorted(changed & (set(uid.values()) | {f"status {st}"})))
