"""python -m harness.scenario --base-url URL --server-name NAME --scenario basic|full --out DIR

Runs the scenario against a live Dendrite, records expected answers into
DIR/expected/, the name->ID index into DIR/scenario.json and each device's
credentials, crypto store and last next_batch into DIR/clients/.
"""
from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import aiohttp

from . import e2ee, events, federation, media, record, rooms, userdata, users
from .client import Server
from .world import World, dump_json


async def basic(w: World) -> None:
    await users.register(w, "admin", admin=True)
    for name in ("alice", "bob", "carol", "dave", "erin", "frank"):
        await users.register(w, name)
    await users.login(w, "admin", "ADMINDEV", "admin console")
    await users.login(w, "alice", "ALICEPHONE", "Alice's phone")
    await users.login(w, "alice", "ALICELAPTOP", "Alice's laptop")
    for name in ("bob", "carol", "dave", "erin", "frank"):
        await users.login(w, name, f"{name.upper()}DEV", f"{name}'s client")
    for d in w.devices.values():
        await d.sync()
    await media.upload_all(w)
    await users.set_profile(w, "bob", "Bob the Builder 🔨", w.media["avatar_png"]["mxc"])
    await users.set_profile(w, "carol", "Carol Ç", None)
    await rooms.lobby(w)
    await events.conversation(w, "lobby")
    await events.send(w, "alice", "lobby", media.image_content(w, "photo_jpeg", "holiday.jpg", 160, 120),
                      name="lobby.image")
    await events.send(w, "carol", "lobby", media.file_content(w, "minutes_txt"), name="lobby.file")
    await rooms.lobby_state_changes(w, w.media["avatar_png"]["mxc"])
    await rooms.membership_churn(w)
    await rooms.versioned_rooms(w)
    await rooms.dm(w)
    await events.receipts(w, "bob", "lobby", "lobby.last", "lobby.thread_root")
    await events.receipts(w, "carol", "lobby", "lobby.file", "lobby.file")
    await events.receipts(w, "bob", "dm", "dm.msg1", "dm.msg1")


async def full(w: World) -> None:
    await basic(w)
    await rooms.abandoned(w)
    await rooms.upgrade(w)
    await rooms.knock(w)
    await rooms.space(w)
    await rooms.aliases(w)
    await events.redact_state(w)
    await events.private_receipt(w, "carol", "v11", "v11.msg1")
    await users.device_churn(w)
    await guest_and_bridge(w)
    await e2ee.run(w)
    await userdata.run(w)
    await events.receipts(w, "alice", "secret", "secret.msg4", "secret.msg3")
    await users.deactivate(w, "dave")


async def guest_and_bridge(w: World) -> None:
    """A guest and an appservice user, both speaking in the lobby."""
    await events.state(w, "alice", "lobby", "m.room.guest_access", {"guest_access": "can_join"},
                       name="lobby.guest_access")
    g = await users.register_guest(w)
    await g.sync()
    await rooms.join(w, "guest", "lobby")
    await events.send(w, "guest", "lobby", events.text("hello from a guest"), name="lobby.guest_msg")
    await users.register_appservice_user(w, "_bridge_alice")
    await rooms.join(w, "_bridge_alice", "lobby")
    await events.send(w, "_bridge_alice", "lobby", events.text("[irc] alice_irc: hi from IRC"),
                      name="lobby.bridge_msg")


async def run(args: argparse.Namespace) -> None:
    out = Path(args.out)
    async with aiohttp.ClientSession() as session:
        w = World(Server(args.base_url, args.server_name, session), out)
        if args.peer_base_url:
            w.peer = Server(args.peer_base_url, args.peer_server_name, session)
        await {"basic": basic, "full": full, "federation": federation.run}[args.scenario](w)
        skip = set(w.notes.get("offline_devices", []))
        for key, d in sorted(w.devices.items()):
            u = w.users[d.name]
            if key not in skip and not u.get("deactivated") and not u.get("appservice"):
                await d.sync()   # each device's last next_batch, as its client keeps it
        await record.record_all(w, skip)
        e2ee.save_decryptions(w)
        creds = {key: {"user_id": d.user_id, "device_id": d.device_id, "password": d.password,
                       "homeserver": d.server.server_name,
                       "access_token": d.token, "next_batch": d.next_batch,
                       "crypto_store": str(d.store_dir.relative_to(out)) if d.nio else None,
                       **d.extra}
                 for key, d in w.devices.items()}
        dump_json(out / "clients" / "credentials.json", creds)
        dump_json(out / "scenario.json", w.index())
        for d in w.devices.values():
            await d.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base-url", required=True)
    p.add_argument("--server-name", required=True)
    p.add_argument("--scenario", choices=["basic", "full", "federation"], default="basic")
    p.add_argument("--peer-base-url", help="second Dendrite (federation scenario)")
    p.add_argument("--peer-server-name")
    p.add_argument("--out", required=True)
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
