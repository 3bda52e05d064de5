"""login: every device's old access token still works and whoami names the same user and
device; deactivated users' and logged-out devices' tokens do not; password login works (that
part runs in `live`, because it creates a device)."""
from __future__ import annotations

NAME, GROUP = "login", "accounts_rooms"
WRITES = False


def run(ctx) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    for d in f.devices:
        u = f.user(d.user)
        if not d.token or u.get("remote"):   # the peer's users belong to the peer
            continue
        # An appservice acts for its users with its as_token and ?user_id= (no device).
        params = {"user_id": d.user_id} if u.get("appservice") else None
        status, body = c.call("GET", "/account/whoami", token=d.token, params=params)
        dead = u.get("deactivated") or d.key in f.scenario["notes"].get("logged_out_devices", [])
        label = f"{d.key} whoami"
        if dead:
            # First principles (spec): deactivation and logout invalidate the token.
            t.compare(NAME, label, {"status": 401, "errcode": "M_UNKNOWN_TOKEN"},
                      {"status": status, "errcode": body.get("errcode")})
            continue
        recorded = f.expected(f"{d.user}/whoami.json")
        if recorded and recorded["body"].get("device_id") == d.device_id:
            exp = {"status": recorded["status"], "body": recorded["body"]}
        else:   # a second device: same answer with its own device ID (from credentials.json)
            exp = {"status": 200, "body": {"user_id": d.user_id, "device_id": d.device_id,
                                           "is_guest": bool(u.get("guest"))}}
        if u.get("appservice"):
            exp = {"status": 200, "user_id": d.user_id}
            t.compare(NAME, label, exp, {"status": status, "user_id": body.get("user_id")})
            continue
        t.compare(NAME, label, exp, {"status": status, "body": body})
