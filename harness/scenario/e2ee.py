"""End-to-end encryption, with real Olm/Megolm (matrix-nio on vodozemac).

- device keys and one-time keys: uploaded by nio on each device's first sync;
- fallback keys: nio does not make them, so a Curve25519 key is generated here and
  signed with the device's own Ed25519 key (real signature, key unusable by nio);
- cross-signing: master/self-signing/user-signing keys are Ed25519 keys held by
  vodozemac Accounts (used only as signers); they sign the user's devices and, for
  alice, bob's master key;
- key backup: m.megolm_backup.v1.curve25519-aes-sha2 with vodozemac's PkEncryption;
  sessions come from alice's real inbound group sessions;
- encrypted room messages, decrypted by each device and recorded as it saw them;
- undelivered to-device: BOBTABLET syncs once, then never again, so the room keys
  (and one plain to-device message) for it stay queued in Dendrite.
"""
from __future__ import annotations

import base64
import json

import vodozemac
from nio import MegolmEvent, RoomMessage

from .client import Device
from .events import text
from .rooms import create, join
from .world import World, dump_json


def canonical(obj: dict) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def unpadded(b: bytes) -> str:
    return base64.b64encode(b).decode().rstrip("=")


def sign(obj: dict, signer_uid: str, key_id: str, sign_fn) -> dict:
    """Add a signature of `obj` (without signatures/unsigned) under signer/key_id."""
    bare = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    sig = sign_fn(canonical(bare))
    out = dict(obj)
    out.pop("unsigned", None)
    out["signatures"] = {signer_uid: {key_id: sig}}
    return out


def device_signer(d: Device):
    return lambda msg: d.nio.olm.account.sign(msg.decode())


def account_signer(acc: vodozemac.Account):
    return lambda msg: acc.sign(msg).to_base64()


def watch_decryptions(w: World, d: Device, room: str = "secret") -> None:
    """Keep every room message this device sees in an encrypted room, as it saw it."""
    seen = w.notes.setdefault("decrypted", {}).setdefault(f"{d.name}/{d.device_id}", {})

    def cb(r, event) -> None:
        if r.room_id != w.rooms.get(room):
            return
        if isinstance(event, MegolmEvent):
            seen[event.event_id] = {"sender": event.sender, "decrypted": False,
                                    "session_id": event.session_id}
        else:
            seen[event.event_id] = {"sender": event.sender, "decrypted": event.decrypted,
                                    "type": event.source.get("type"),
                                    "content": event.source.get("content")}
    d.nio.add_event_callback(cb, (RoomMessage, MegolmEvent))


async def fallback_key(w: World, d: Device) -> None:
    secret = vodozemac.Curve25519SecretKey()
    key = {"key": secret.public_key().to_base64(), "fallback": True}
    signed = sign(key, d.user_id, f"ed25519:{d.device_id}", device_signer(d))
    await d.api("POST", "/keys/upload", {"fallback_keys": {"signed_curve25519:AAAAFB": signed}})
    d.extra["fallback_key_secret"] = secret.to_base64()


async def uia(d: Device, method: str, path: str, body: dict) -> dict:
    r = await d.api(method, path, body, ok=(200, 401))
    if "session" in r and "flows" in r:
        body = {**body, "auth": {"type": "m.login.password", "session": r["session"],
                                 "identifier": {"type": "m.id.user", "user": d.name},
                                 "password": d.password}}
        r = await d.api(method, path, body)
    return r


async def cross_signing(w: World, d: Device) -> dict[str, vodozemac.Account]:
    """Upload master/self/user-signing keys for d's user; sign d's user's devices."""
    keys = {u: vodozemac.Account() for u in ("master", "self_signing", "user_signing")}
    pub = {u: a.ed25519_key.to_base64() for u, a in keys.items()}
    uid = d.user_id

    def key_obj(usage: str) -> dict:
        return {"user_id": uid, "usage": [usage], "keys": {f"ed25519:{pub[usage]}": pub[usage]}}
    master = key_obj("master")
    ssk = sign(key_obj("self_signing"), uid, f"ed25519:{pub['master']}", account_signer(keys["master"]))
    usk = sign(key_obj("user_signing"), uid, f"ed25519:{pub['master']}", account_signer(keys["master"]))
    await uia(d, "POST", "/keys/device_signing/upload",
              {"master_key": master, "self_signing_key": ssk, "user_signing_key": usk})
    # Self-signing key signs every device of the user; the device signs the master key.
    mine = (await d.api("POST", "/keys/query", {"device_keys": {uid: []}}))["device_keys"][uid]
    sigs = {uid: {}}
    for dev_id, dk in sorted(mine.items()):
        sigs[uid][dev_id] = sign(dk, uid, f"ed25519:{pub['self_signing']}",
                                 account_signer(keys["self_signing"]))
    sigs[uid][pub["master"]] = sign(master, uid, f"ed25519:{d.device_id}", device_signer(d))
    r = await d.api("POST", "/keys/signatures/upload", sigs)
    w.notes.setdefault("cross_signing", {})[d.name] = {"public": pub, "upload_failures": r.get("failures", {})}
    d.extra["cross_signing_pickles"] = {u: a.pickle(b"\x00" * 32) for u, a in keys.items()}
    return keys


async def sign_other_user(w: World, d: Device, usk: vodozemac.Account, usk_pub: str, other: str) -> None:
    ouid = w.uid(other)
    r = await d.api("POST", "/keys/query", {"device_keys": {ouid: []}})
    master = r["master_keys"][ouid]
    mpub = next(iter(master["keys"].values()))
    signed = sign(master, d.user_id, f"ed25519:{usk_pub}", account_signer(usk))
    r = await d.api("POST", "/keys/signatures/upload", {ouid: {mpub: signed}})
    w.notes["cross_signing"][d.name]["signed_" + other] = {"failures": r.get("failures", {})}


async def key_backup(w: World, d: Device) -> None:
    """Create a backup version and put alice's inbound group sessions in it."""
    secret = vodozemac.Curve25519SecretKey()
    pub = secret.public_key().to_base64()
    auth = sign({"public_key": pub}, d.user_id, f"ed25519:{d.device_id}", device_signer(d))
    r = await d.api("POST", "/room_keys/version",
                    {"algorithm": "m.megolm_backup.v1.curve25519-aes-sha2", "auth_data": auth})
    version = r["version"]
    enc = vodozemac.PkEncryption.from_key(secret.public_key())
    rooms: dict = {}
    olm = d.nio.olm
    for s in olm.inbound_group_store:
        payload = {"algorithm": "m.megolm.v1.aes-sha2", "sender_key": s.sender_key,
                   "session_key": s._session.export_at(s.first_known_index).to_base64(),
                   "sender_claimed_keys": {"ed25519": s.ed25519},
                   "forwarding_curve25519_key_chain": s.forwarding_chain}
        m = enc.encrypt(canonical(payload))
        # Round trip through the private key: the backup must be readable.
        assert json.loads(vodozemac.PkDecryption.from_key(secret).decrypt(m)) == payload
        rooms.setdefault(s.room_id, {"sessions": {}})["sessions"][s.id] = {
            "first_message_index": s.first_known_index, "forwarded_count": 0,
            "is_verified": True,
            "session_data": {"ephemeral": unpadded(m.ephemeral_key), "ciphertext": unpadded(m.ciphertext),
                             "mac": unpadded(m.mac)}}
    await d.api("PUT", "/room_keys/keys", {"rooms": rooms}, params={"version": version})
    d.extra["key_backup"] = {"version": version, "private_key": secret.to_base64(),
                             "sessions": sum(len(r["sessions"]) for r in rooms.values())}


async def encrypted_room(w: World) -> None:
    # bob's tablet: logs in, syncs once (keys uploaded), then goes offline for good.
    from .users import login
    tablet = await login(w, "bob", "BOBTABLET", "Bob's tablet (offline)")
    await tablet.sync()
    w.notes.setdefault("offline_devices", []).append("bob/BOBTABLET")

    for key in ("alice/ALICEPHONE", "alice/ALICELAPTOP", "bob/BOBDEV", "carol/CAROLDEV"):
        watch_decryptions(w, w.devices[key])
    await create(w, "alice", "secret", preset="private_chat", name="Secret plans",
                 invite=[w.uid("bob"), w.uid("carol")],
                 initial_state=[{"type": "m.room.encryption", "state_key": "",
                                 "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
    await join(w, "bob", "secret")
    await join(w, "carol", "secret")
    live = [w.devices[k] for k in ("alice/ALICEPHONE", "alice/ALICELAPTOP", "bob/BOBDEV", "carol/CAROLDEV")]
    for d in live:
        await d.sync()
    msgs = [("alice/ALICEPHONE", "The launch code is 0000 🤫"),
            ("bob/BOBDEV", "Noted, encrypted reply from bob"),
            ("carol/CAROLDEV", "Carol here, 🔒 ünïcødé inside"),
            ("alice/ALICELAPTOP", "Sent from alice's laptop")]
    for i, (key, body) in enumerate(msgs):
        await send_encrypted(w, key, "secret", body, f"secret.msg{i + 1}")
    for _ in range(2):
        for d in live:
            await d.sync()
    # A plain to-device message queued for the offline tablet as well.
    a = w.dev("alice")
    await a.api("PUT", f"/sendToDevice/org.example.ping/{a.next_txn()}",
                {"messages": {w.uid("bob"): {"BOBTABLET": {"hello": "are you there?"}}}})


async def send_encrypted(w: World, key: str, room: str, body: str, name: str) -> str:
    """Megolm-encrypted m.text from device `key`; nio shares the room key first."""
    d = w.devices[key]
    await d.sync()
    r = await d.nio.room_send(w.rooms[room], "m.room.message", text(body),
                              ignore_unverified_devices=True)
    if not hasattr(r, "event_id"):
        raise RuntimeError(f"encrypted send from {key}: {r}")
    w.event(name, room, r.event_id)
    w.notes.setdefault("plaintexts", {})[r.event_id] = {"sender_device": key, "room": room,
                                                        "body": body}
    return r.event_id


async def run(w: World) -> None:
    await encrypted_room(w)
    for key in ("alice/ALICEPHONE", "bob/BOBDEV"):
        await fallback_key(w, w.devices[key])
    alice_keys = await cross_signing(w, w.dev("alice"))
    await cross_signing(w, w.dev("bob"))
    await sign_other_user(w, w.dev("alice"), alice_keys["user_signing"],
                          alice_keys["user_signing"].ed25519_key.to_base64(), "bob")
    await key_backup(w, w.dev("alice"))


def save_decryptions(w: World) -> None:
    dump_json(w.out / "expected" / "decrypted.json", {
        "sent": w.notes.pop("plaintexts", {}), "seen_by_device": w.notes.pop("decrypted", {})})
