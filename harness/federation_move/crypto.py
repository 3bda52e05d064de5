"""Real crypto clients across the move (matrix-nio on vodozemac, as the encrypted-history
check drives them): the fixture's device stores saved on Dendrite, talking to server A (now
Synapse) and server B (Dendrite) with their old access tokens.

- a device added on A after the move (password login, keys uploaded by nio) must appear in
  B's /keys/query: B learns of it through a device-list update over federation (and resyncs
  the list, since Synapse's stream ids are not Dendrite's);
- a Megolm message sent from B must decrypt on A's device that existed before the move: B's
  client claims A's migrated one-time keys over federation and sends the room key as an
  Olm to-device message to A.
"""
from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path

from nio import AsyncClient, AsyncClientConfig, LoginResponse, MegolmEvent, RoomGetEventResponse

from .servers import User, wait


class Devices:
    """nio clients over copies of the fixture's stores (the fixture stays as it is)."""

    def __init__(self, fixture: Path):
        self.fixture = fixture
        self.creds = json.loads((fixture / "clients" / "credentials.json").read_text())
        self.tmp = Path(tempfile.mkdtemp(prefix="d2s-fedmove-nio-"))
        self.clients: list[AsyncClient] = []

    def _cfg(self) -> AsyncClientConfig:
        return AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)

    def open(self, key: str, url: str) -> AsyncClient:
        c = self.creds[key]
        store = self.tmp / key.replace("/", "_")
        shutil.copytree(self.fixture / c["crypto_store"], store)
        cl = AsyncClient(url, c["user_id"], device_id=c["device_id"], store_path=str(store), config=self._cfg())
        cl.restore_login(c["user_id"], c["device_id"], c["access_token"])
        self.clients.append(cl)
        return cl

    async def login(self, key: str, url: str, device_id: str) -> AsyncClient:
        c = self.creds[key]
        store = self.tmp / f"new_{device_id}"
        store.mkdir()
        cl = AsyncClient(url, c["user_id"], device_id=device_id, store_path=str(store), config=self._cfg())
        r = await cl.login(c["password"], device_name=f"added after the move ({device_id})")
        if not isinstance(r, LoginResponse):
            raise RuntimeError(f"login {c['user_id']}/{device_id}: {r}")
        self.clients.append(cl)
        return cl

    async def close(self) -> None:
        for c in self.clients:
            await c.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


async def housekeeping(c: AsyncClient, since: str | None = None) -> None:
    """One /sync and the key work a client does after it (upload, query, claim, to-device)."""
    r = await c.sync(timeout=0, since=since)
    if not hasattr(r, "next_batch"):
        raise RuntimeError(f"/sync {c.user_id}/{c.device_id}: {r}")
    if c.should_upload_keys:
        await c.keys_upload()
    if c.should_query_keys:
        await c.keys_query()
    if c.should_claim_keys:
        await c.keys_claim(c.get_users_for_key_claiming())
    await c.send_to_device_messages()


def ed25519_of(c: AsyncClient) -> str:
    return c.olm.account.identity_keys["ed25519"]


def listed_in_keys_query(reader: User, user_id: str, device_id: str, ed25519: str,
                         timeout: float = 60.0) -> tuple[bool, str]:
    """The reader's server lists the device with this Ed25519 key in /keys/query."""
    def now():
        r = reader.ok("POST", "/keys/query", {"device_keys": {user_id: []}, "timeout": 10000})
        d = r.get("device_keys", {}).get(user_id, {}).get(device_id)
        return d and d.get("keys", {}).get(f"ed25519:{device_id}") == ed25519 and d
    got = wait(now, timeout, 1.0)
    r = reader.ok("POST", "/keys/query", {"device_keys": {user_id: []}})
    listed = sorted(r.get("device_keys", {}).get(user_id, {}))
    return bool(got), f"{reader.side.name} lists {user_id}'s devices {listed} (looking for {device_id})"


async def decrypts(c: AsyncClient, room_id: str, event_id: str, body: str, rounds: int = 20) -> tuple[bool, str]:
    """The device decrypts the event to this body (syncing until the room key arrives)."""
    last = "not fetched"
    for _ in range(rounds):
        await housekeeping(c, c.next_batch)
        r = await c.room_get_event(room_id, event_id)
        if not isinstance(r, RoomGetEventResponse):
            last = str(r)
        else:
            ev = r.event
            if isinstance(ev, MegolmEvent):
                try:
                    ev = c.decrypt_event(ev)
                except Exception as e:  # noqa: BLE001 - undecryptable is the finding
                    last = f"{type(e).__name__}: {e}"
                    await asyncio.sleep(0.5)
                    continue
            got = ev.source.get("content", {}).get("body")
            if getattr(ev, "decrypted", False) and got == body:
                return True, f"{c.user_id}/{c.device_id} decrypted {event_id}"
            last = f"decrypted={getattr(ev, 'decrypted', False)} body={got!r}"
        await asyncio.sleep(0.5)
    return False, f"{c.user_id}/{c.device_id} could not decrypt {event_id}: {last}"


async def megolm_and_devices(fixture: Path, a_url: str, b_url: str, zara: User, room_id: str, R) -> None:
    dev = Devices(fixture)
    try:
        alice_old = dev.open("alice/ALICEPHONE", a_url)
        await housekeeping(alice_old)   # an initial sync: nio learns the rooms
        await housekeeping(alice_old, alice_old.next_batch)
        alice_new = await dev.login("alice/ALICEPHONE", a_url, "ALICEMOVED")
        await housekeeping(alice_new)
        await housekeeping(alice_new, alice_new.next_batch)
        ok, detail = listed_in_keys_query(zara, alice_new.user_id, "ALICEMOVED", ed25519_of(alice_new))
        # How B got there (information, not a criterion): a resync marks the list stale first.
        stale = zara.side.sql("SELECT is_stale, ts_added_secs FROM keyserver_stale_device_lists "
                              "WHERE user_id = :'u'", u=alice_new.user_id)
        R.check("device_list.new_device_on_a_in_b_keys_query",
                ok, f"{detail}; B's stale-list row for alice: {stale or 'none'}")
        R.control("device_list.new_device_on_a_in_b_keys_query",
                  listed_in_keys_query(zara, alice_new.user_id, "NEVERLOGGEDIN", ed25519_of(alice_new), 3)[0],
                  "a device id never logged in on A")

        zara_c = dev.open("zara/ZARADEV", b_url)
        await housekeeping(zara_c)
        await housekeeping(zara_c, zara_c.next_batch)
        body = "Megolm from B after the move"
        r = await zara_c.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body},
                                   ignore_unverified_devices=True)
        if not hasattr(r, "event_id"):
            R.check("megolm.b_to_a_pre_move_device", False, f"zara could not send: {r}")
            return
        R.check("megolm.b_to_a_pre_move_device", *await decrypts(alice_old, room_id, r.event_id, body))
        R.check("megolm.b_to_a_device_added_after_move", *await decrypts(alice_new, room_id, r.event_id, body))
        late = await dev.login("alice/ALICEPHONE", a_url, "ALICELATE")
        await housekeeping(late)
        R.control("megolm.b_to_a_pre_move_device", (await decrypts(late, room_id, r.event_id, body, 4))[0],
                  "a device of alice logged in after the message was sent (never given the room key)")
    finally:
        await dev.close()


def run(fixture: Path, a_url: str, b_url: str, zara: User, room_id: str, R) -> None:
    asyncio.run(megolm_and_devices(fixture, a_url, b_url, zara, room_id, R))

