"""keys (issue 5): /keys/query for the local users, /room_keys/version and /room_keys/keys, for
every recorded user, compared with Dendrite's answers. Signatures and key JSON are compared
exactly (they are signed data). Two rules (userdata_rules.py): a user-signing key is served
only to its owner (the spec; Dendrite served everyone's), and an error is its status and
errcode (the English text is each server's own)."""
from __future__ import annotations

from .. import userdata_rules as r

NAME, GROUP = "keys", "issue5"


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
