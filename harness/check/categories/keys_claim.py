"""keys_claim: /keys/claim hands out migrated one-time keys. For every local device in
Dendrite's /keys/query answer, a claimed signed_curve25519 key must carry a valid signature by
that device's Ed25519 key as Dendrite served it (so it is a key the device uploaded, not one
the server made), and a second claim must give another key (claimed keys are used up) — or,
for a device with no one-time key left (fixtures/dendrite-0.15/), its fallback key both times. Runs
after encrypted_history, which must find the sessions' keys as the devices left them. Needs
vodozemac (signature check)."""
from __future__ import annotations

import json

NAME, GROUP = "keys_claim", "e2ee_userdata"
WRITES = True


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def run(ctx) -> None:
    fx, api, t, cat = ctx.fixture, ctx.client, ctx.tally, NAME
    try:
        import vodozemac
    except ImportError as e:
        t.differ(cat, f"needs vodozemac in this Python to verify signatures: {e}")
        return
    requester = fx.recorded_users()[0]
    rec = fx.expected(f"{requester}/keys_query.json")
    requester = fx.main_device(requester)
    if not rec:
        return
    for user, devices in sorted(rec["body"].get("device_keys", {}).items()):
        if not user.endswith(":" + fx.server_name):
            continue
        for dev, keys in sorted(devices.items()):
            got = []
            for _ in range(2):
                st, ans = api.call("POST", "/keys/claim", token=requester.token,
                                   body={"one_time_keys": {user: {dev: "signed_curve25519"}}})
                got.append(ans.get("one_time_keys", {}).get(user, {}).get(dev, {}))
            label = f"claim {user}/{dev}"
            if not got[0]:
                t.differ(cat, f"{label}: no one-time key handed out ({st})")
                continue
            (kid, key), = got[0].items()
            ed = keys["keys"][f"ed25519:{dev}"]
            sig = key.get("signatures", {}).get(user, {}).get(f"ed25519:{dev}")
            bare = {k: v for k, v in key.items() if k not in ("signatures", "unsigned")}
            try:
                vodozemac.Ed25519PublicKey.from_base64(ed).verify_signature(
                    canonical(bare), vodozemac.Ed25519Signature.from_base64(sig))
                signed = True
            except Exception as e:  # noqa: BLE001 - a bad signature is the difference
                signed = f"{type(e).__name__}: {e}"
            t.check(cat, label, signed is True and kid.startswith("signed_curve25519:"),
                    "a signed_curve25519 key signed by the device", f"{kid}: {signed}")
            if key.get("fallback") is True:  # no one-time key left: the fallback key is never used up
                t.check(cat, label + " twice", got[1] == got[0], "the same fallback key", got[1])
            else:
                t.check(cat, label + " twice", bool(got[1]) and got[1] != got[0], "another key", got[1])
