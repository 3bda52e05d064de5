"""encrypted_history: encrypted history with real crypto clients — matrix-nio (on
vodozemac) opening each device's crypto store as the fixture saved it on Dendrite, talking to
the migrated server. Needs matrix-nio[e2e] 0.26 and vodozemac 0.10 in the checker's Python
(scripts/tests/45-userdata-e2e installs them); without them the category fails, it never passes.

1. same_devices: every device, with its old access token, resumes /sync with its old since
   token and decrypts every message it decrypted on Dendrite (expected/decrypted.json).
2. offline_device: a device that never synced after the room keys were sent to it resumes with
   its OLD since token, receives the queued to-device messages (migrated device_inbox) and then
   decrypts every message of the room.
3. backup_restore: a brand-new device of the backup's owner logs in, reads the migrated
   server-side backup, decrypts it with the backup key and decrypts every message.
4. new_message: a migrated device sends a new encrypted message; another migrated device of
   another user decrypts it.

Each device store is copied first: the fixture stays as it is.
"""
from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path

try:   # the checker runs without them for other groups; this category then fails
    import vodozemac
    from nio import (AsyncClient, AsyncClientConfig, MegolmEvent, RoomGetEventResponse,
                     UnknownToDeviceEvent)
    from nio.crypto.sessions import InboundGroupSession
    MISSING = None
except ImportError as e:
    MISSING = str(e)

NAME, GROUP = "encrypted_history", "e2ee_userdata"
WRITES = True
CAT = NAME


class Fx:
    """The fixture as these checks need it: credentials with crypto stores and secrets."""

    def __init__(self, fixture):
        self.dir = fixture.path
        self.scenario = fixture.scenario
        self.server_name = fixture.server_name
        self.rooms = fixture.rooms
        self.credentials = json.loads((self.dir / "clients" / "credentials.json").read_text())

    def decrypted(self):
        p = self.dir / "expected" / "decrypted.json"
        return json.loads(p.read_text()) if p.exists() else None


def run(ctx) -> None:
    fx = Fx(ctx.fixture)
    if not fx.decrypted():
        return
    if MISSING:
        ctx.tally.differ(NAME, f"needs matrix-nio[e2e] and vodozemac in this Python: {MISSING}")
        return
    asyncio.run(run_all(fx, ctx.client.base, ctx.client, ctx.tally))


class Devices:
    """nio clients over copies of the fixture's stores, closed together."""

    def __init__(self, fx: Fx, url: str):
        self.fx, self.url = fx, url
        self.tmp = Path(tempfile.mkdtemp(prefix="d2s-nio-"))
        self.clients: list[AsyncClient] = []

    def open(self, key: str) -> AsyncClient:
        cred = self.fx.credentials[key]
        store = self.tmp / f"{len(self.clients)}_{key.replace('/', '_')}"
        shutil.copytree(self.fx.dir / cred["crypto_store"], store)
        cfg = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
        c = AsyncClient(self.url, cred["user_id"], device_id=cred["device_id"], store_path=str(store), config=cfg)
        c.restore_login(cred["user_id"], cred["device_id"], cred["access_token"])
        self.clients.append(c)
        return c

    def fresh(self, name: str) -> AsyncClient:
        uid = self.fx.scenario["users"][name]["user_id"]
        store = self.tmp / f"{name}_new"
        store.mkdir()
        c = AsyncClient(self.url, uid, store_path=str(store),
                        config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False))
        self.clients.append(c)
        return c

    async def close(self) -> None:
        for c in self.clients:
            await c.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


async def sync(c: AsyncClient, since: str | None = None, full_state: bool = False):
    """One /sync, then the key housekeeping a client does (upload, query, claim, to-device)."""
    r = await c.sync(timeout=0, since=since, full_state=full_state)
    if not hasattr(r, "next_batch"):
        raise RuntimeError(f"/sync for {c.user_id}/{c.device_id}: {r}")
    if c.should_upload_keys:
        await c.keys_upload()
    if c.should_query_keys:
        await c.keys_query()
    if c.should_claim_keys:
        await c.keys_claim(c.get_users_for_key_claiming())
    await c.send_to_device_messages()
    return r


async def decrypt(c: AsyncClient, room_id: str, event_id: str) -> dict:
    """The event as this client sees it: decrypted content, or why not."""
    r = await c.room_get_event(room_id, event_id)
    if not isinstance(r, RoomGetEventResponse):
        return {"error": str(r)}
    d = r.event
    if isinstance(d, MegolmEvent):   # nio decrypts on fetch when it has the session
        try:
            d = c.decrypt_event(d)
        except Exception as e:  # noqa: BLE001 - undecryptable is the finding
            return {"decrypted": False, "error": f"{type(e).__name__}: {e}", "session_id": d.session_id}
    if not getattr(d, "decrypted", False):
        return {"error": f"not an encrypted event: {type(d).__name__}"}
    return {"decrypted": True, "sender": d.sender, "type": d.source.get("type"), "content": d.source.get("content")}


def seen_as_recorded(exp: dict) -> dict:
    return {"decrypted": True, "sender": exp["sender"], "type": exp["type"], "content": exp["content"]}


async def same_devices(fx: Fx, dev: Devices, t) -> None:
    dec = fx.decrypted()
    for key in local_devices(fx, dec["seen_by_device"]):
        seen, cred = dec["seen_by_device"][key], fx.credentials[key]
        c = dev.open(key)
        await sync(c, since=cred["next_batch"])
        for event_id, exp in sorted(seen.items()):
            if not exp.get("decrypted"):
                continue
            room = fx.rooms[dec["sent"][event_id]["room"]]
            t.compare(CAT, f"{key} decrypts {event_id}", seen_as_recorded(exp), await decrypt(c, room, event_id))


def local_devices(fx: Fx, keys) -> list[str]:
    """Devices of this server's users with a saved crypto store (a peer's devices are not
    migrated), except the offline one."""
    return [k for k in sorted(keys) if fx.credentials.get(k, {}).get("crypto_store")
            and fx.credentials[k]["user_id"].endswith(":" + fx.server_name) and k not in offline(fx)]


def offline(fx: Fx) -> list[str]:
    return fx.scenario.get("notes", {}).get("offline_devices", [])


async def offline_device(fx: Fx, dev: Devices, t) -> None:
    dec = fx.decrypted()
    for key in offline(fx):
        cred = fx.credentials[key]
        c = dev.open(key)
        r = await sync(c, since=cred["next_batch"])
        types = sorted({type(e).__name__ for e in r.to_device_events})
        pings = [e for e in r.to_device_events if isinstance(e, UnknownToDeviceEvent)]
        t.check(CAT, f"{key} resumes with its old since token and gets the queued to-device messages",
                len(r.to_device_events) >= len(dec["sent"]) + 1 and len(pings) == 1,
                f">= {len(dec['sent']) + 1} to-device events, one of them the plain ping",
                f"{len(r.to_device_events)} ({types})")
        for event_id, sent in sorted(dec["sent"].items()):
            exp = {"decrypted": True, "sender": fx.credentials[sent["sender_device"]]["user_id"],
                   "type": "m.room.message", "content": {"body": sent["body"], "msgtype": "m.text"}}
            t.compare(CAT, f"{key} (offline on Dendrite) decrypts {event_id}", exp,
                      await decrypt(c, fx.rooms[sent["room"]], event_id))


async def backup_restore(fx: Fx, dev: Devices, api, t) -> None:
    dec = fx.decrypted()
    for key, cred in sorted(fx.credentials.items()):
        backup = cred.get("key_backup")
        if not backup:
            continue
        name = key.split("/")[0]
        c = dev.fresh(name)
        r = await c.login(cred["password"], device_name="new device after the migration")
        if not hasattr(r, "access_token"):
            t.differ(CAT, f"{name}: password login of a new device failed: {r}")
            continue
        await sync(c)
        st, ver = api.call("GET", "/room_keys/version", token=c.access_token)
        st2, keys = api.call("GET", "/room_keys/keys", token=c.access_token, params={"version": ver.get("version", "")})
        if st != 200 or st2 != 200:
            t.differ(CAT, f"{name}: backup not readable ({st} {ver}, {st2})")
            continue
        secret = vodozemac.PkDecryption.from_key(vodozemac.Curve25519SecretKey.from_base64(backup["private_key"]))
        imported = 0
        for room_id, room in sorted(keys.get("rooms", {}).items()):
            for session_id, s in sorted(room["sessions"].items()):
                sd = s["session_data"]
                msg = vodozemac.Message.from_base64(sd["ciphertext"], sd["mac"], sd["ephemeral"])
                p = json.loads(secret.decrypt(msg))
                sess = InboundGroupSession.import_session(p["session_key"], p["sender_claimed_keys"]["ed25519"],
                                                          p["sender_key"], room_id, p.get("forwarding_curve25519_key_chain"))
                if c.olm.inbound_group_store.add(sess):
                    c.olm.save_inbound_group_session(sess)
                imported += sess.id == session_id
        t.check(CAT, f"{name}: new device restores the migrated backup", imported == backup["sessions"],
                backup["sessions"], imported)
        for event_id, sent in sorted(dec["sent"].items()):
            exp = {"decrypted": True, "sender": fx.credentials[sent["sender_device"]]["user_id"],
                   "type": "m.room.message", "content": {"body": sent["body"], "msgtype": "m.text"}}
            t.compare(CAT, f"{name}'s new device decrypts {event_id} from the backup", exp,
                      await decrypt(c, fx.rooms[sent["room"]], event_id))
        await c.logout()   # the device and its keys go again (Synapse deletes both)


async def new_message(fx: Fx, dev: Devices, t) -> None:
    """First device of the decryption record sends; a device of another user decrypts."""
    dec = fx.decrypted()
    mine = local_devices(fx, dec["seen_by_device"])
    if len(mine) < 2:
        return
    sender_key = mine[0]
    receiver_key = next((k for k in mine if k.split("/")[0] != sender_key.split("/")[0]), None)
    if receiver_key is None:
        return
    room = fx.rooms[next(iter(dec["sent"].values()))["room"]]
    sender, receiver = dev.open(sender_key), dev.open(receiver_key)
    await sync(sender, full_state=True)
    await sync(receiver, full_state=True)
    await sync(sender)
    body = f"written after the migration by {sender_key}"
    r = await sender.room_send(room, "m.room.message", {"msgtype": "m.text", "body": body},
                               ignore_unverified_devices=True)
    if not hasattr(r, "event_id"):
        t.differ(CAT, f"{sender_key} could not send an encrypted message: {r}")
        return
    await sync(receiver)
    exp = {"decrypted": True, "sender": sender.user_id, "type": "m.room.message",
           "content": {"body": body, "msgtype": "m.text"}}
    t.compare(CAT, f"{receiver_key} decrypts a new message from {sender_key}", exp,
              await decrypt(receiver, room, r.event_id))


async def run_all(fx: Fx, url: str, api, t) -> None:
    dev = Devices(fx, url)
    try:
        await offline_device(fx, dev, t)   # first: nothing else may touch its queue
        await same_devices(fx, dev, t)
        await backup_restore(fx, dev, api, t)
        await new_message(fx, dev, t)
    finally:
        await dev.close()
