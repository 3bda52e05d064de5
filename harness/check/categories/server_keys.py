"""server_keys: /_matrix/key/v2/server publishes the same server name, key IDs and
public keys (current and old) as Dendrite did. valid_until_ts and the signature bytes are
made at request time (fixtures/README.md); the signing key IDs are compared."""
from __future__ import annotations

NAME, GROUP = "server_keys", "media_identity"
WRITES = False


def view(st, b):
    if st != 200:
        return {"status": st}
    return {"status": 200, "server_name": b.get("server_name"), "verify_keys": b.get("verify_keys"),
            "old_verify_keys": {k: {"key": v.get("key")} for k, v in (b.get("old_verify_keys") or {}).items()},
            "signed_by": {s: sorted(v) for s, v in (b.get("signatures") or {}).items()}}


def run(ctx) -> None:
    rec = ctx.fixture.expected("server_keys.json")
    if rec:
        ctx.tally.compare(NAME, "/_matrix/key/v2/server", view(rec["status"], rec["body"]),
                          view(*ctx.client.call("GET", "/_matrix/key/v2/server")))
