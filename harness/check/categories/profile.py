"""profile: each user's own profile and device list, and every user's profile as alice sees it.

Rule `sets`: devices compared by device_id. Rule `device-owner`: Synapse's entries repeat the
caller's user_id (dropped when it is the caller's). Rule `last-seen`: the checker's own requests move a
device's last_seen_ts forward, so it must be at or after Dendrite's value (never earlier).
Rule `empty-profile`: a profile with neither displayname nor avatar_url is 200 `{}` on
Dendrite and 404 M_NOT_FOUND on Synapse (handlers/profile.py: "Profile was not found", the
same answer as for a user without a profile row); Synapse's 404 is accepted for such a
profile only when /profile/{user}/displayname answers 200 `{}`, which Synapse gives only for
a profile row that exists with no name (no row: 404 there too)."""
from __future__ import annotations

from ..http import q

NAME, GROUP = "profile", "accounts_rooms"
WRITES = False


def answer(ctx, token, path):
    status, body = ctx.client.call("GET", path, token=token)
    return {"status": status, "body": body}


def empty_profile(ctx, token, user_id: str, rec: dict, ans: dict) -> dict:
    """Rule `empty-profile` (module docstring): Synapse's answer as Dendrite's when it is the
    404 for an existing, empty profile row; otherwise the answer unchanged."""
    if ctx.server == "dendrite" or rec != {"status": 200, "body": {}} or ans["status"] != 404 \
            or (ans["body"] or {}).get("errcode") != "M_NOT_FOUND":
        return ans
    field = answer(ctx, token, f"/profile/{q(user_id)}/displayname")
    return rec if field == {"status": 200, "body": {}} else ans


def recorded(rec):
    return {"status": rec["status"], "body": rec["body"]}


def devices_view(ans: dict, floor: dict, owner: str | None = None) -> dict:
    if ans["status"] != 200:
        return ans
    out = {}
    for d in ans["body"].get("devices", []):
        d = dict(d)
        if owner is not None and d.get("user_id") == owner:
            del d["user_id"]   # rule device-owner: Synapse repeats the caller's own user ID
        seen, prev = d.get("last_seen_ts"), floor.get(d["device_id"])
        if isinstance(seen, int) and isinstance(prev, int) and seen >= prev:
            d["last_seen_ts"] = prev
        out[d["device_id"]] = d
    return {"status": 200, "devices": out}


def run(ctx) -> None:
    f, t = ctx.fixture, ctx.tally
    for name in f.recorded_users():
        d = f.main_device(name)
        rec = f.expected(f"{name}/profile.json")
        ans = answer(ctx, d.token, f"/profile/{q(d.user_id)}")
        t.compare(NAME, f"{name} own profile", recorded(rec),
                  empty_profile(ctx, d.token, d.user_id, recorded(rec), ans))
        rec = f.expected(f"{name}/devices.json")
        floor = {x["device_id"]: x.get("last_seen_ts") for x in rec["body"].get("devices", [])}
        t.compare(NAME, f"{name} /devices", devices_view(recorded(rec), {}),
                  devices_view(answer(ctx, d.token, "/devices"), floor, d.user_id))
    alice = f.main_device("alice").token
    for rel, rec in f.expected_glob("profiles/*.json"):
        name = rel.split("/")[1][: -len(".json")]
        if f.user(name).get("remote"):
            continue   # fetched live from the peer over federation; no peer runs (rule remote-live)
        uid = f.user(name)["user_id"]
        ans = answer(ctx, alice, f"/profile/{q(uid)}")
        t.compare(NAME, f"profile of {name} seen by alice", recorded(rec),
                  empty_profile(ctx, alice, uid, recorded(rec), ans))
