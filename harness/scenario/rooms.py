"""Rooms: versions 1 to 11, public/aliased/published, private, DM, state that
changes over time, membership churn (join, leave, kick, ban, invite, knock),
an upgrade with a tombstone, a space, and a room every local user left."""
from __future__ import annotations

from .client import ApiError, q
from .events import send, state, text
from .world import World


async def create(w: World, who: str, key: str, **body) -> str:
    d = w.dev(who)
    r = await d.api("POST", "/createRoom", body)
    w.rooms[key] = r["room_id"]
    return r["room_id"]


async def join(w: World, who: str, room: str) -> None:
    d = w.dev(who)
    await d.api("POST", f"/join/{q(w.rooms[room])}", {})


async def leave(w: World, who: str, room: str) -> None:
    await w.dev(who).api("POST", f"/rooms/{q(w.rooms[room])}/leave", {})


async def invite(w: World, who: str, room: str, target: str) -> None:
    await w.dev(who).api("POST", f"/rooms/{q(w.rooms[room])}/invite",
                         {"user_id": w.uid(target)})


async def lobby(w: World) -> None:
    """Public room with alias, in the directory, whose state keeps changing."""
    await create(w, "alice", "lobby", preset="public_chat", visibility="public",
                 room_alias_name="lobby", name="Lobby", topic="Welcome!")
    for who in ("bob", "carol", "dave", "frank"):
        await join(w, who, "lobby")
    w.notes["lobby_alias"] = f"#lobby:{w.server.server_name}"


async def lobby_state_changes(w: World, avatar_mxc: str) -> None:
    """Name, topic, avatar, join rules, history visibility, power levels over time."""
    await state(w, "alice", "lobby", "m.room.name", {"name": "Lobby (renamed)"}, name="lobby.name2")
    await state(w, "alice", "lobby", "m.room.topic", {"topic": "Rules: be nice"}, name="lobby.topic2")
    await state(w, "alice", "lobby", "m.room.avatar", {"url": avatar_mxc}, name="lobby.avatar")
    await state(w, "alice", "lobby", "m.room.history_visibility",
                {"history_visibility": "joined"}, name="lobby.hv_joined")
    await state(w, "alice", "lobby", "m.room.history_visibility",
                {"history_visibility": "world_readable"}, name="lobby.hv_world")
    d = w.dev("alice")
    pl = await d.api("GET", f"/rooms/{q(w.rooms['lobby'])}/state/m.room.power_levels/")
    pl["users"][w.uid("bob")] = 50
    pl.setdefault("events", {})["m.room.topic"] = 50
    await state(w, "alice", "lobby", "m.room.power_levels", pl, name="lobby.pl_bob50")
    await state(w, "bob", "lobby", "m.room.topic", {"topic": "Topic set by moderator bob"},
                name="lobby.topic3")
    await state(w, "alice", "lobby", "m.room.join_rules", {"join_rule": "invite"},
                name="lobby.jr_invite")
    await state(w, "alice", "lobby", "m.room.join_rules", {"join_rule": "public"},
                name="lobby.jr_public")
    await state(w, "alice", "lobby", "m.room.name", {"name": "The Lobby"}, name="lobby.name3")


async def aliases(w: World) -> None:
    """A second alias for the lobby, advertised as alt_alias in m.room.canonical_alias."""
    alt = f"#hall:{w.server.server_name}"
    a = w.dev("alice")
    await a.api("PUT", f"/directory/room/{q(alt)}", {"room_id": w.rooms["lobby"]})
    await state(w, "alice", "lobby", "m.room.canonical_alias",
                {"alias": w.notes["lobby_alias"], "alt_aliases": [alt]}, name="lobby.canonical_alias")
    w.notes["lobby_alt_alias"] = alt


async def membership_churn(w: World) -> None:
    """Kick, rejoin, ban, leave, pending invite."""
    rid = w.rooms["lobby"]
    a = w.dev("alice")
    await a.api("POST", f"/rooms/{q(rid)}/kick", {"user_id": w.uid("frank"), "reason": "spam"})
    await join(w, "frank", "lobby")
    await send(w, "frank", "lobby", text("I am back"), name="lobby.frank_back")
    await a.api("POST", f"/rooms/{q(rid)}/ban", {"user_id": w.uid("frank"), "reason": "spam again"})
    await leave(w, "dave", "lobby")
    await invite(w, "alice", "lobby", "erin")   # erin never answers: pending invite


async def versioned_rooms(w: World) -> None:
    """One small private room per room version; v1 has server-named event IDs."""
    for ver in ("1", "5", "6", "9", "11"):
        name = f"v{ver}"
        await create(w, "bob", name, preset="private_chat", room_version=ver,
                     name=f"Room version {ver}", invite=[w.uid("carol")])
        await join(w, "carol", name)
        await send(w, "bob", name, text(f"first message in a v{ver} room"), name=f"{name}.msg1")
        await send(w, "carol", name, text(f"answer in v{ver}"), name=f"{name}.msg2")
        await state(w, "bob", name, "m.room.topic", {"topic": f"v{ver} topic"},
                    name=f"{name}.topic")


async def dm(w: World) -> None:
    """Alice–bob direct chat, recorded in both users' m.direct account data."""
    await create(w, "alice", "dm", preset="trusted_private_chat", is_direct=True,
                 invite=[w.uid("bob")])
    await join(w, "bob", "dm")
    for me, other in (("alice", "bob"), ("bob", "alice")):
        d = w.dev(me)
        await d.api("PUT", f"/user/{q(d.user_id)}/account_data/m.direct",
                    {w.uid(other): [w.rooms["dm"]]})
        w.mark_account_data(me, "m.direct")
    await send(w, "alice", "dm", text("psst, bob"), name="dm.msg1")
    await send(w, "bob", "dm", text("yes?"), name="dm.msg2")


async def abandoned(w: World) -> None:
    """A room that every local user has left."""
    await create(w, "carol", "abandoned", preset="public_chat", name="Abandoned")
    await join(w, "bob", "abandoned")
    await send(w, "carol", "abandoned", text("anyone here?"), name="abandoned.msg")
    await leave(w, "bob", "abandoned")
    await leave(w, "carol", "abandoned")


async def upgrade(w: World) -> None:
    """A v9 room upgraded to v10: tombstone in the old, predecessor in the new."""
    await create(w, "alice", "old", preset="public_chat", room_version="9", name="Old room")
    await join(w, "bob", "old")
    await send(w, "bob", "old", text("before the upgrade"), name="old.msg")
    r = await w.dev("alice").api("POST", f"/rooms/{q(w.rooms['old'])}/upgrade",
                                 {"new_version": "10"})
    w.rooms["upgraded"] = r["replacement_room"]
    await join(w, "bob", "upgraded")
    await send(w, "alice", "upgraded", text("after the upgrade"), name="upgraded.msg")


async def knock(w: World) -> None:
    """A knock-joinable room (v7+); erin tries to knock and is left waiting.

    Dendrite v0.13.8 has no /knock client endpoint (404 M_UNRECOGNIZED): the room
    with join_rule "knock" exists, the knock itself cannot be produced."""
    await create(w, "alice", "knockable", preset="private_chat", room_version="10",
                 name="Knock to enter",
                 initial_state=[{"type": "m.room.join_rules", "state_key": "",
                                 "content": {"join_rule": "knock"}}])
    try:
        await w.dev("erin").api("POST", f"/knock/{q(w.rooms['knockable'])}",
                                {"reason": "let me in please"})
        w.notes["knock"] = "erin knocked on knockable"
    except ApiError as e:
        w.notes["knock"] = f"not produced: {e}"


async def space(w: World) -> None:
    """A space listing lobby and the v11 room as children."""
    await create(w, "alice", "space", preset="public_chat", name="Our space",
                 creation_content={"type": "m.space"})
    via = [w.server.server_name]
    for child in ("lobby", "v11", "upgraded"):
        await state(w, "alice", "space", "m.space.child", {"via": via, "suggested": child == "lobby"},
                    key=w.rooms[child], name=f"space.child.{child}")
    await state(w, "alice", "lobby", "m.space.parent", {"via": via, "canonical": True},
                key=w.rooms["space"], name="lobby.space_parent")
    await join(w, "bob", "space")
