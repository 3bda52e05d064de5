"""Accounts: registration (open, shared-secret admin, guest, appservice), logins
with fixed device IDs, profiles, deactivation.

Registration uses `inhibit_login` and a separate /login carrying a fixed
`device_id`, so device IDs are the same on every run.
"""
from __future__ import annotations

import hashlib
import hmac

from .client import Device, q
from .world import World

SHARED_SECRET = "fixture-shared-secret"   # matches scripts/dendrite config

# name -> (password, devices); passwords are fixed so tests can log in again.
PASSWORDS = {
    "admin": "admin-password-1",
    "alice": "alice-password-1",
    "bob": "bob-password-1",
    "carol": "cärol-pässwörd-日本語-🔑",  # non-ASCII password
    "dave": "dave-password-1",
    "erin": "erin-password-1",
    "frank": "frank-password-1",
    # users of the second homeserver (federation scenario)
    "zara": "zara-password-1",
    "yuri": "yuri-password-1",
}


async def register(w: World, name: str, admin: bool = False, remote: bool = False) -> None:
    """Create the account `name` (localpart = name) without logging in.

    remote=True: on the peer homeserver (federation scenario)."""
    pw = PASSWORDS[name]
    srv = w.peer if remote else w.server
    if admin:
        nonce = (await srv.call("GET", "/_synapse/admin/v1/register"))["nonce"]
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), name.encode(), pw.encode(), b"admin"]))
        r = await srv.call("POST", "/_synapse/admin/v1/register", body={
            "nonce": nonce, "username": name, "password": pw, "admin": True,
            "mac": mac.hexdigest()})
        user_id = r["user_id"]
    else:
        body = {"username": name, "password": pw, "inhibit_login": True}
        r = await srv.call("POST", "/_matrix/client/v3/register", body=body, ok=(200, 401))
        if "session" in r and "user_id" not in r:
            body["auth"] = {"type": "m.login.dummy", "session": r["session"]}
            r = await srv.call("POST", "/_matrix/client/v3/register", body=body)
        user_id = r["user_id"]
    w.users[name] = {"user_id": user_id, "password": pw, "admin": admin, "devices": []}
    if remote:
        w.users[name]["remote"] = True


async def login(w: World, name: str, device_id: str, display: str) -> Device:
    u = w.users[name]
    srv = w.server_of(name)
    r = await srv.call("POST", "/_matrix/client/v3/login", body={
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": name},
        "password": u["password"], "device_id": device_id,
        "initial_device_display_name": display})
    assert r["device_id"] == device_id, r
    d = Device(srv, name, r["user_id"], device_id, u["password"], r["access_token"],
               w.out / "clients" / f"{name}_{device_id}")
    key = f"{name}/{device_id}"
    w.devices[key] = d
    u["devices"].append(device_id)
    u.setdefault("main_device", key)
    return d


async def register_guest(w: World) -> Device:
    """Dendrite picks a guest's device ID itself (a device_id in the request is ignored)."""
    r = await w.server.call("POST", "/_matrix/client/v3/register", params={"kind": "guest"},
                            body={"initial_device_display_name": "guest browser"})
    d = Device(w.server, "guest", r["user_id"], r["device_id"], "", r["access_token"],
               w.out / "clients" / f"guest_{r['device_id']}", crypto=False)
    w.users["guest"] = {"user_id": r["user_id"], "password": None, "admin": False,
                        "guest": True, "devices": [r["device_id"]],
                        "main_device": f"guest/{r['device_id']}"}
    w.devices[f"guest/{r['device_id']}"] = d
    return d


async def set_profile(w: World, name: str, displayname: str, avatar_mxc: str | None) -> None:
    d = w.dev(name)
    await d.api("PUT", f"/profile/{q(d.user_id)}/displayname", {"displayname": displayname})
    if avatar_mxc:
        await d.api("PUT", f"/profile/{q(d.user_id)}/avatar_url", {"avatar_url": avatar_mxc})


async def deactivate(w: World, name: str) -> None:
    """Deactivate through the client API with password UIA, as a user would."""
    d = w.dev(name)
    body: dict = {}
    r = await d.api("POST", "/account/deactivate", body, ok=(200, 401))
    if "session" in r:
        body["auth"] = {"type": "m.login.password", "session": r["session"],
                        "identifier": {"type": "m.id.user", "user": name},
                        "password": d.password}
        await d.api("POST", "/account/deactivate", body)
    w.users[name]["deactivated"] = True


AS_TOKEN = "fixture-as-token"   # matches harness/scenario/appservice.yaml


async def register_appservice_user(w: World, localpart: str) -> Device:
    """A user in the appservice's exclusive namespace, acting via ?user_id=."""
    r = await w.server.call("POST", "/_matrix/client/v3/register", token=AS_TOKEN, body={
        "type": "m.login.application_service", "username": localpart, "inhibit_login": True})
    uid = r["user_id"]
    d = Device(w.server, localpart, uid, "", "", AS_TOKEN, w.out / "clients" / localpart,
               crypto=False)
    d.extra["appservice"] = "fixture-bridge"
    w.users[localpart] = {"user_id": uid, "password": None, "admin": False, "appservice": True,
                          "devices": [], "main_device": f"{localpart}/AS"}
    w.devices[f"{localpart}/AS"] = d
    return d


async def device_churn(w: World) -> None:
    """A renamed device, and a device that logged out (must not come back)."""
    a = w.dev("alice/ALICELAPTOP")
    await a.api("PUT", f"/devices/{a.device_id}", {"display_name": "Alice's laptop (renamed)"})
    old = await login(w, "frank", "FRANKOLD", "frank's old phone")
    await old.api("POST", "/logout", {})
    del w.devices["frank/FRANKOLD"]
    w.users["frank"]["devices"].remove("FRANKOLD")
    w.notes["logged_out_devices"] = ["frank/FRANKOLD"]
