"""directory: the public room list and the room aliases, as alice sees them.

Rule `sets`: public rooms compared by room_id, alias servers as a set."""
from __future__ import annotations

from ..http import q

NAME, GROUP = "directory", "accounts_rooms"
WRITES = False
ALIAS_FILES = {"directory_lobby": "lobby_alias", "directory_hall": "lobby_alt_alias",
               "directory_fed": "fed_alias"}


def public_view(status, body):
    if status != 200:
        return {"status": status, "errcode": body.get("errcode")}
    return {"status": 200, "total_room_count_estimate": body.get("total_room_count_estimate"),
            "rooms": {r["room_id"]: r for r in body.get("chunk", [])}}


def run(ctx) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    alice = f.main_device("alice").token
    rec = f.expected("public_rooms.json")
    if rec:
        t.compare(NAME, "/publicRooms", public_view(rec["status"], rec["body"]),
                  public_view(*c.call("GET", "/publicRooms", token=alice)))
    for rel, rec in f.expected_glob("directory_*.json"):
        alias = f.scenario["notes"][ALIAS_FILES[rel[: -len(".json")]]]
        status, body = c.call("GET", f"/directory/room/{q(alias)}", token=alice)

        def view(st, b):
            return {"status": st, "room_id": b.get("room_id"), "servers": sorted(b.get("servers") or [])}
        t.compare(NAME, f"alias {alias}", view(rec["status"], rec["body"]), view(status, body))
