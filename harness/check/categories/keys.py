"""keys (issue 5): /keys/query for all local users, /room_keys/version and /room_keys/keys,
for every recorded user. Plain comparison with Dendrite's answers; signatures and key JSON are
compared exactly (they are signed data). Decryption with the saved nio stores is not here yet
(it needs matrix-nio from .venv-fixtures; see docs/e2e-checks.md, "left to issue 5")."""
from __future__ import annotations

NAME, GROUP = "keys", "issue5"


def run(ctx) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    for name in f.recorded_users():
        d = f.main_device(name)
        rec = f.expected(f"{name}/keys_query.json")
        if rec:
            body = {"device_keys": {u["user_id"]: [] for u in f.scenario["users"].values()
                                    if not u.get("appservice") and not u.get("remote")}}
            # The recorder asked for every user of the scenario it knew; ask for the same.
            body = {"device_keys": {k: [] for k in rec["body"].get("device_keys", {})} or body["device_keys"]}
            st, ans = c.call("POST", "/keys/query", token=d.token, body=body)
            t.compare(NAME, f"{name} /keys/query", {"status": rec["status"], "body": rec["body"]},
                      {"status": st, "body": ans})
        for rel, path in (("room_keys_version", "/room_keys/version"),):
            rec = f.expected(f"{name}/{rel}.json")
            if rec:
                st, ans = c.call("GET", path, token=d.token)
                t.compare(NAME, f"{name} {path}", {"status": rec["status"], "body": rec["body"]},
                          {"status": st, "body": ans})
        rec = f.expected(f"{name}/room_keys_keys.json")
        if rec:
            st, ans = c.call("GET", "/room_keys/keys", token=d.token, params=rec.get("params"))
            t.compare(NAME, f"{name} /room_keys/keys", {"status": rec["status"], "body": rec["body"]},
                      {"status": st, "body": ans})
