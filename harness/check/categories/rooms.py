"""rooms: /joined_rooms, and the joined/invited/left room sets of a full-state /sync, for every
user (main device) and every device Dendrite recorded a /sync for."""
from __future__ import annotations

from .. import derived

NAME, GROUP = "rooms", "accounts_rooms"
WRITES = False


def room_sets(sync_body: dict, drop_leave: set = frozenset()) -> dict:
    rooms = sync_body.get("rooms") or {}
    out = {s: sorted((rooms.get(s) or {}).keys()) for s in ("join", "invite", "leave", "knock")}
    out["leave"] = [r for r in out["leave"] if r not in drop_leave]
    return out


def banned_rooms(f, user_id: str, recorded_leave: list) -> set:
    """Rule `banned-rooms`: an initial /sync may list rooms the user is banned from under
    `leave` (Synapse does; Dendrite does not; the spec's include_leave speaks of rooms the user
    left). Rooms where the user's last recorded membership is ban, unless Dendrite listed them."""
    out = set()
    for room, rid in f.rooms.items():
        evs = derived.history(f, room)
        if evs and derived.last_membership(evs, user_id)[0] == "ban" and rid not in recorded_leave:
            out.add(rid)
    return out


def full_sync(ctx, token: str) -> tuple[int, dict]:
    return ctx.client.call("GET", "/sync", token=token,
                           params={"full_state": "true", "timeout": "0"})


def run(ctx) -> None:
    f, t = ctx.fixture, ctx.tally
    for name in f.recorded_users():
        d = f.main_device(name)
        rec = f.expected(f"{name}/joined_rooms.json")
        status, body = ctx.client.call("GET", "/joined_rooms", token=d.token)
        # rule `sets`: joined_rooms is a set.
        t.compare(NAME, f"{name} /joined_rooms",
                  {"status": rec["status"], "rooms": sorted(rec["body"].get("joined_rooms", []))},
                  {"status": status, "rooms": sorted(body.get("joined_rooms", []))})
    for rel, rec in f.expected_glob("*/devices/*/sync_full_state.json"):
        name, _, device_id, _ = rel.split("/")
        d = next(x for x in f.devices if x.user == name and x.device_id == device_id)
        status, body = full_sync(ctx, d.token)
        exp = room_sets(rec["body"])
        t.compare(NAME, f"{d.key} /sync rooms", {"status": rec["status"], **exp},
                  {"status": status, **room_sets(body, banned_rooms(f, d.user_id, exp["leave"]))})
