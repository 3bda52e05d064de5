"""fallback_keys: element-hq Dendrite 0.14/0.15's fallback keys after the move, for
fixtures whose dump has keyserver_fallback_keys (fixtures/dendrite-0.15/; a 0.13.8 dump has
none and nothing is checked). Expected values come from the dump's rows and from what the fork
does with them (docs/dendrite-versions.md), never from the converter:

1. unused: each carried device's /sync lists signed_curve25519 in
   device_unused_fallback_key_types exactly when its row says used = false (the fork answers
   from `used = false`).
2. claim: a device whose one-time keys are all gone in the dump gets its fallback key from
   /keys/claim — the row's key ID and key object, with a valid signature by the device's
   Ed25519 key as Dendrite served it in /keys/query — and the same key again on a second
   claim (a fallback key is never used up).
3. deleted device: a row whose device no longer exists (the fork leaves them behind) is not
   served: /keys/claim for it gives nothing.

Writes (claims keys): first in the write phase, before encrypted_history and keys_claim, whose
claims could fall back and mark the fallback key used. Needs vodozemac (signature check)."""
from __future__ import annotations

import json

from .keys_claim import canonical

NAME, GROUP = "fallback_keys", "e2ee_userdata"
WRITES = True
ALGORITHM = "signed_curve25519"


def rows(fx) -> list[dict[str, str]] | None:
    try:
        return fx.table("keyserver_fallback_keys")
    except RuntimeError:  # no such table: a dump older than element-hq 0.14
        return None


def run(ctx) -> None:
    fx, api, t = ctx.fixture, ctx.client, ctx.tally
    found = rows(fx)
    if found is None:
        return
    try:
        import vodozemac
    except ImportError as e:
        t.differ(NAME, f"needs vodozemac in this Python to verify signatures: {e}")
        return
    devices = {(d.user_id, d.device_id): d for d in fx.devices if d.token}
    requester = fx.main_device(fx.recorded_users()[0])
    queried = fx.expected(f"{fx.recorded_users()[0]}/keys_query.json")["body"]["device_keys"]
    otk_left = {(r["user_id"], r["device_id"]) for r in fx.table("keyserver_one_time_keys")}
    if not found:
        t.differ(NAME, "the dump's keyserver_fallback_keys is empty: nothing to check")
    for row in found:
        who = (row["user_id"], row["device_id"])
        label = f"{row['user_id']}/{row['device_id']}"
        served = queried.get(row["user_id"], {}).get(row["device_id"])
        if served is None:
            deleted_device(api, t, requester, who, label)
            continue
        if who in devices:
            unused(api, t, devices[who], row, label)
        if who not in otk_left:
            claim(api, t, vodozemac, requester, served, row, label)


def unused(api, t, device, row, label) -> None:
    st, ans = api.call("GET", "/sync", token=device.token,
                       params={"timeout": "0", "filter": json.dumps({"room": {"rooms": []}})})
    want = [] if row["used"] == "t" else [ALGORITHM]
    got = ans.get("device_unused_fallback_key_types") if st == 200 else f"status {st}"
    t.check(NAME, f"{label} unused types (used = {row['used']})", got == want, want, got)


def claim(api, t, vodozemac, requester, served, row, label) -> None:
    user, dev = row["user_id"], row["device_id"]
    got = []
    for _ in range(2):
        st, ans = api.call("POST", "/keys/claim", token=requester.token,
                           body={"one_time_keys": {user: {dev: ALGORITHM}}})
        got.append(ans.get("one_time_keys", {}).get(user, {}).get(dev, {}))
    want = {f"{ALGORITHM}:{row['key_id']}": json.loads(row["key_json"])}
    t.check(NAME, f"{label} claim with no one-time key left", got[0] == want, want, got[0])
    t.check(NAME, f"{label} claimed again", got[1] == got[0], "the same fallback key", got[1])
    if not got[0]:
        return
    (_, key), = got[0].items()
    ed = served["keys"][f"ed25519:{dev}"]
    sig = key.get("signatures", {}).get(user, {}).get(f"ed25519:{dev}", "")
    bare = {k: v for k, v in key.items() if k not in ("signatures", "unsigned")}
    try:
        vodozemac.Ed25519PublicKey.from_base64(ed).verify_signature(
            canonical(bare), vodozemac.Ed25519Signature.from_base64(sig))
        signed = True
    except Exception as e:  # noqa: BLE001 - a bad signature is the difference
        signed = f"{type(e).__name__}: {e}"
    t.check(NAME, f"{label} fallback key signed by the device", signed is True and key.get("fallback") is True,
            "a fallback key signed by the device's ed25519 key", signed)


def deleted_device(api, t, requester, who, label) -> None:
    user, dev = who
    st, ans = api.call("POST", "/keys/claim", token=requester.token,
                       body={"one_time_keys": {user: {dev: ALGORITHM}}})
    got = ans.get("one_time_keys", {}).get(user, {}).get(dev)
    t.check(NAME, f"{label} (device deleted on Dendrite) not served", st == 200 and not got, "no key", (st, got))
