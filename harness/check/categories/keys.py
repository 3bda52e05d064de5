"""keys (issue 5): /keys/query for all local users, /room_keys/version and /room_keys/keys,
for every recorded user. Plain comparison with Dendrite's answers; signatures and key JSON are
compared exactly (they are signed data). Decryption with the saved nio stores is not here yet
(it needs matrix-nio from .venv-fixtures; see docs/e2e-checks.md, "left to issue 5")."""
from __future__ import annotations

NAME, GROUP = "keys", "issue5"


def local_only(body: dict, server: str) -> dict:
    """The parts of a /keys/query answer about local users (failures are about remote servers)."""
    out = {}
    for k, v in body.items():
        if isinstance(v, dict) and k != "failures":
            out[k] = {u: x for u, x in v.items() if u.endswith(":" + server)}
        elif k != "failures":
            out[k] = v
    return out


def run(ctx) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    for name in f.recorded_users():
        d = f.main_device(name)
        rec = f.expected(f"{name}/keys_query.json")
        if rec:
            # Local users only: remote users' keys are a cache the server re-fetches from
            # their homeserver (issue 5), and no peer runs during the check.
            local = sorted(u for u in rec["body"].get("device_keys", {})
                           if u.endswith(":" + f.server_name))
            st, ans = c.call("POST", "/keys/query", token=d.token,
                             body={"device_keys": {u: [] for u in local}})
            t.compare(NAME, f"{name} /keys/query", {"status": rec["status"], "body": local_only(rec["body"], f.server_name)},
                      {"status": st, "body": local_only(ans, f.server_name)})
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
