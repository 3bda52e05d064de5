"""Two Dendrites federating over loopback: `localhost:18448` (the one that gets
migrated, users alice and bob) and its peer `localhost:18458` (zara and yuri).

Covers: a local room joined by a remote user (via alias), local uploads posted there (so
the move's test has pre-move media that the peer fetches from the migrated server), a remote room joined by a
local user (its earlier history and auth chain arrive through send_join), a pending
invite from local to remote and one from remote to local (an outlier on our side),
remote media fetched and cached (with thumbnails), remote profile changes, and an
encrypted room across both servers (device lists, key claims and room keys travel by
federation).
"""
from __future__ import annotations

import asyncio

from . import e2ee, media, users
from .client import ApiError, q
from .events import send, state, text
from .rooms import create, invite, join, leave
from .world import World


async def wait_event(w: World, who: str, room: str, event_name: str, timeout: float = 60) -> None:
    """Poll until the event is visible to `who` on their own server."""
    d = w.dev(who)
    eid = w.events[event_name]["event_id"]
    path = f"/rooms/{q(w.rooms[room])}/event/{q(eid)}"
    for _ in range(int(timeout * 4)):
        try:
            await d.api("GET", path)
            return
        except ApiError:
            await asyncio.sleep(0.25)
    raise RuntimeError(f"{event_name} never reached {who}")


async def wait_invite(w: World, who: str, room: str, timeout: float = 60) -> None:
    d = w.dev(who)
    for _ in range(int(timeout * 4)):
        r = await d.api("GET", "/sync", params={"timeout": "0"})
        if w.rooms[room] in r.get("rooms", {}).get("invite", {}):
            return
        await asyncio.sleep(0.25)
    raise RuntimeError(f"invite to {room} never reached {who}")


async def setup_users(w: World) -> None:
    await users.register(w, "admin", admin=True)
    for name in ("alice", "bob"):
        await users.register(w, name)
    for name in ("zara", "yuri"):
        await users.register(w, name, remote=True)
    await users.login(w, "admin", "ADMINDEV", "admin console")
    await users.login(w, "alice", "ALICEPHONE", "Alice's phone")
    await users.login(w, "bob", "BOBDEV", "bob's client")
    await users.login(w, "zara", "ZARADEV", "zara's client")
    await users.login(w, "yuri", "YURIDEV", "yuri's client")
    for d in w.devices.values():
        await d.sync()
    await users.set_profile(w, "zara", "Zara from afar", None)


async def local_room_remote_joiner(w: World) -> None:
    await create(w, "alice", "fed", preset="public_chat", room_alias_name="fed",
                 name="Federated lobby", topic="both servers", visibility="public")
    w.notes["fed_alias"] = f"#fed:{w.server.server_name}"
    await w.dev("zara").api("POST", f"/join/{q(w.notes['fed_alias'])}", {})
    await join(w, "bob", "fed")
    await send(w, "alice", "fed", text("Welcome, remote friends"), name="fed.welcome")
    await send(w, "zara", "fed", text("Hello from the other server 🌍"), name="fed.zara_hello")
    await wait_event(w, "alice", "fed", "fed.zara_hello")
    await send(w, "zara", "fed", {"m.relates_to": {"rel_type": "m.annotation", "key": "👋",
                                                   "event_id": w.events["fed.welcome"]["event_id"]}},
               typ="m.reaction", name="fed.zara_reaction")
    await send(w, "zara", "fed", text("spam from afar"), name="fed.zara_spam")
    await wait_event(w, "alice", "fed", "fed.zara_spam")
    # A local moderator redacts a remote user's event.
    d = w.dev("alice")
    e = w.events["fed.zara_spam"]
    r = await d.api("PUT", f"/rooms/{q(e['room_id'])}/redact/{q(e['event_id'])}/{d.next_txn()}",
                    {"reason": "spam"})
    w.event("fed.redaction", "fed", r["event_id"])
    # Remote profile change: a new m.room.member event arrives from the peer.
    await users.set_profile(w, "zara", "Zara (renamed)", None)
    # Remote media, posted in the room and fetched by our server.
    await media.upload(w, "zara", "remote_png", media.png_bytes(), "image/png", "remote.png")
    await send(w, "zara", "fed", media.image_content(w, "remote_png", "remote.png", 120, 90),
               name="fed.remote_image")
    await wait_event(w, "alice", "fed", "fed.remote_image")
    # alice's client shows the image: our server fetches it from the peer and caches it.
    server, media_id = w.media["remote_png"]["mxc"][len("mxc://"):].split("/", 1)
    a = w.dev("alice")
    for path in (f"/_matrix/client/v1/media/download/{server}/{media_id}",
                 f"/_matrix/client/v1/media/thumbnail/{server}/{media_id}?width=32&height=32&method=crop"):
        status, _, _ = await w.server.get_bytes(path, a.token)
        if status != 200:
            raise RuntimeError(f"remote media {path}: {status}")
    # Local media posted where the peer sees it: after the move, the peer downloads these
    # from Synapse over federation (scripts/tests: the federation move suite).
    await media.upload(w, "alice", "local_jpeg", media.jpeg_bytes(), "image/jpeg", "local photo.jpg")
    await send(w, "alice", "fed", media.image_content(w, "local_jpeg", "local photo.jpg", 160, 120),
               name="fed.local_image")
    await media.upload(w, "alice", "local_txt", media.TEXT_FILE, "text/plain", "notes.txt")
    await send(w, "alice", "fed", media.file_content(w, "local_txt"), name="fed.local_file")
    await send(w, "alice", "fed", text("nice picture"), name="fed.last")
    await wait_event(w, "zara", "fed", "fed.last")


async def remote_room_local_joiner(w: World) -> None:
    """zara's room on the peer, with history before alice joins."""
    await create(w, "zara", "zara_room", preset="public_chat", room_version="11",
                 name="Zara's room")
    await join(w, "yuri", "zara_room")
    await send(w, "zara", "zara_room", text("history before alice came"), name="zara_room.early")
    await state(w, "zara", "zara_room", "m.room.topic", {"topic": "peer topic"}, name="zara_room.topic")
    await send(w, "yuri", "zara_room", text("yuri says hi"), name="zara_room.yuri")
    await w.dev("alice").api("POST", f"/join/{q(w.rooms['zara_room'])}", {},
                             params={"server_name": w.peer.server_name})
    await send(w, "alice", "zara_room", text("alice joined a remote room"), name="zara_room.alice")
    await leave(w, "yuri", "zara_room")
    await send(w, "zara", "zara_room", text("yuri left"), name="zara_room.last")
    await wait_event(w, "alice", "zara_room", "zara_room.last")


async def pending_invites(w: World) -> None:
    # Local room, remote invitee who never answers.
    await create(w, "alice", "invite_out", preset="private_chat", name="Invite to yuri")
    await invite(w, "alice", "invite_out", "yuri")
    await wait_invite(w, "yuri", "invite_out")
    # Remote room, local invitee who never answers: the invite is an outlier here.
    await create(w, "zara", "invite_in", preset="private_chat", name="Zara invites bob")
    await send(w, "zara", "invite_in", text("secret-ish room on the peer"), name="invite_in.msg")
    await invite(w, "zara", "invite_in", "bob")
    await wait_invite(w, "bob", "invite_in")
    w.notes["peer_only_rooms"] = ["invite_in"]


async def encrypted_federated(w: World) -> None:
    for key in ("alice/ALICEPHONE", "zara/ZARADEV"):
        e2ee.watch_decryptions(w, w.devices[key], room="fed_secret")
    await create(w, "zara", "fed_secret", preset="private_chat", name="Encrypted across servers",
                 invite=[w.uid("alice")],
                 initial_state=[{"type": "m.room.encryption", "state_key": "",
                                 "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
    await wait_invite(w, "alice", "fed_secret")
    await join(w, "alice", "fed_secret")
    for i, (key, body) in enumerate((("zara/ZARADEV", "encrypted hello across servers"),
                                     ("alice/ALICEPHONE", "encrypted answer from the migrated server"))):
        await e2ee.send_encrypted(w, key, "fed_secret", body, f"fed_secret.msg{i + 1}")
        other = "alice" if key.startswith("zara") else "zara"
        await wait_event(w, other, "fed_secret", f"fed_secret.msg{i + 1}")
    for _ in range(3):
        for key in ("alice/ALICEPHONE", "zara/ZARADEV"):
            await w.devices[key].sync()
        await asyncio.sleep(0.5)


async def run(w: World) -> None:
    await setup_users(w)
    await local_room_remote_joiner(w)
    await remote_room_local_joiner(w)
    await pending_invites(w)
    await encrypted_federated(w)
