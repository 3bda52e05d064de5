"""A whole Dendrite v0.13.8 server, deterministic from (seed, events): users, servers, rooms, the
interleaved event stream and the user/key/sync tables. The shape is stated in docs/gen-dump.md.

How it works: `plan()` fixes the population (local accounts of every kind, remote servers with
their users and keys) and the rooms (a few big federated rooms, medium group rooms, a long tail
of small rooms and DMs) with an event budget each. `run()` then interleaves the rooms' scripts in
a seeded shuffled order, one event per step, with a clock that only moves forward, and finally
writes the per-user tables. Everything random comes from one `random.Random(seed)`, with no
dict or set order that depends on hashing, so a seed and a size give the same bytes.

Traps: an event's sender must exist before it speaks (pools are drawn from the plan), access
tokens are derived from the seed so tests can log in as any generated device, and password
hashes use bcrypt cost 4 (one hash per account; Dendrite's `$2a$` form).
"""

import base64
import hashlib
import json
import os
import random

import bcrypt
import nacl.signing

from . import rooms as rooms_mod
from . import userdata
from .events import VERSIONS, Builder, ServerKey, b64, canonical
from .roomserver import Server
from .tables import SCHEMA_DIR, Tables

START_TS = 1_700_000_000_000
FIRST_VERSIONS = ["12", "1", "5", "6", "9", "11"]  # every supported version in even the smallest dump


def clamp(x, lo, hi):
    return max(lo, min(hi, x))


def password_for(localpart, seed):
    return f"pw-{seed}-{localpart[:48]}"  # bcrypt reads 72 bytes at most


def access_token(localpart, device, seed):
    return "syt_" + hashlib.sha256(f"{seed}/{localpart}/{device}".encode()).hexdigest()[:40]


class Dump:
    pad_bodies = 0  # characters appended to every plain message body (--pad-bodies)

    def __init__(self, events, seed, server_name, spool, odd_user_ids=False):
        self.n, self.seed, self.local = events, seed, server_name
        self.odd_user_ids = odd_user_ids
        self.rng = random.Random(f"{seed}/{events}")
        self.t = Tables(spool)
        self.server = Server(self.t, server_name)
        self.ts = START_TS
        self.keys = {}
        self.devices = {}  # user -> [(device_id, session_id)]
        self.session = 0
        self.txn = 0
        self.names = {}
        self.media = {}  # user -> [(media_id, upload name, content type, size)]
        self.relation_id = 0
        self.read_receipts = {}  # (user, room_id) -> event ID of the user's read receipt
        self.cross_signed = set()  # users with cross-signing keys
        self.alias_rng = random.Random(f"{seed}/{events}/aliases")

    # --- services for room scripts ------------------------------------------------------
    def clock(self):
        self.ts += self.rng.randint(1, 4000)
        return self.ts

    def display_name(self, user):
        return self.names.get(user) or user[1:].split(":")[0].capitalize()

    def txn_for(self, sender):
        devs = self.devices.get(sender)
        if not devs:
            return None
        self.txn += 1
        device, session = devs[0]
        return (session, f"m{self.txn}.{device}")

    def relation(self, room_id, parent, child, child_type, rel_type):
        self.relation_id += 1
        self.t.row("syncapi_relations", self.relation_id, room_id, parent, child, child_type, rel_type)

    # --- the plan -----------------------------------------------------------------------
    def key(self, server):
        k = self.keys.get(server)
        if k is None:
            k = self.keys[server] = ServerKey(server, self.seed)
        return k

    def localpart(self, i):
        """`user{i}`; with `odd_user_ids`, user1 and user2 get IDs Synapse would not register
        today but Dendrite did (upper case before December 2017; a localpart of 245 characters,
        whose user ID is over 255 bytes, before v0.11), so their events are signed as them."""
        if self.odd_user_ids and i == 1:
            return "User1.Upper"
        if self.odd_user_ids and i == 2:
            return "user2" + "l" * 240
        return f"user{i}"

    def plan(self):
        r, n = self.rng, self.n
        self.key(self.local)
        n_local = clamp(n // 250, 12, 20000)
        n_servers = clamp(n // 4000, 3, 300)
        self.remote_servers = [f"srv{i}.example.org" for i in range(n_servers)]
        for s in self.remote_servers:
            self.key(s)
        self.local_users = [f"@{self.localpart(i)}:{self.local}" for i in range(n_local)]
        self.remote_users = [f"@u{j}:{s}" for s in self.remote_servers for j in range(r.randint(3, 30))]
        self.builder = Builder(self.keys, r)
        # Accounts: an admin, guests, deactivated users, appservice users; everyone else plain.
        self.accounts = []
        for i, u in enumerate(self.local_users):
            lp = u[1:].split(":")[0]
            kind = 3 if i == 0 else 1
            deactivated = i > 5 and r.random() < 0.05
            self.accounts.append((lp, kind, deactivated, None))
        for i in range(max(2, n_local // 40)):
            self.accounts.append((str(i + 1), 2, False, None))  # guests
        self.accounts.append(("_bridge_bot", 4, False, "gen-bridge"))
        for i in range(max(2, n_local // 100)):
            self.accounts.append((f"_bridge_u{i}", 4, False, "gen-bridge"))
        self.active_local = [u for u, a in zip(self.local_users, self.accounts) if not a[2]]
        self.rooms = self.plan_rooms()

    def plan_rooms(self):
        r, n = self.rng, self.n
        out = []
        n_big = clamp(n // 300_000, 1, 5) if n >= 20_000 else 0
        n_medium = clamp(n // 20_000, 1, 200)
        big_share, medium_share = (0.45 if n_big else 0.0), 0.25
        big_versions = ["10", "9", "5", "12", "6"]
        for i in range(n_big):
            members = clamp(n // 200, 50, 6000)
            pool = r.sample(self.remote_users, min(len(self.remote_users), members * 3 // 4))
            pool += r.sample(self.active_local, min(len(self.active_local), members // 4))
            r.shuffle(pool)
            creator = r.choice(self.remote_users) if i % 2 == 0 else self.active_local[0]
            pool = [u for u in pool if u != creator]
            v = big_versions[i % len(big_versions)]
            out.append(("big", v, creator, int(n * big_share / n_big), True, False, pool, ()))
        for i in range(n_medium):
            members = r.randint(10, 200)
            pool = r.sample(self.active_local, min(len(self.active_local), members // 2))
            pool += r.sample(self.remote_users, min(len(self.remote_users), members // 2))
            r.shuffle(pool)
            if r.random() < 0.3:  # a bridged room: appservice users are members too
                bridged = [f"@{a[0]}:{self.local}" for a in self.accounts if a[1] == 4]
                pool += r.sample(bridged, min(len(bridged), r.randint(1, 5)))
            remote = r.random() < 0.3  # a remote room that local users joined later
            creator = r.choice(self.remote_users) if remote else r.choice(self.active_local)
            pool = [u for u in pool if u != creator]
            v = r.choice(["10", "10", "9", "11", "6", "5", "1"])
            out.append(("medium", v, creator, int(n * medium_share / n_medium), remote or r.random() < 0.5,
                        r.random() < 0.3, pool, ()))
        rest = n - sum(x[3] for x in out)
        n_small = max(8, rest // 120)
        budgets = [10] * n_small
        extra = rest - sum(budgets)
        for _ in range(max(0, extra)):
            budgets[min(int(r.paretovariate(1.2)) - 1, n_small - 1) if r.random() < 0.5 else r.randrange(n_small)] += 1
        versions = ["10"] * 10 + ["9"] * 3 + ["6"] * 2 + ["5", "1", "11", "11", "12", "12"]
        for i in range(n_small):
            creator = r.choice(self.active_local)
            dm = r.random() < 0.6 and i > 1  # the first two: a v12 group with two creators, a v1 room
            v = FIRST_VERSIONS[i] if i < len(FIRST_VERSIONS) else r.choice(versions)
            if dm:
                other = r.choice(self.active_local + self.remote_users[:50])
                if other == creator:
                    other = self.local_users[(self.local_users.index(creator) + 1) % len(self.local_users)]
                pool = [other]
            else:
                pool = r.sample(self.active_local + self.remote_users, r.randint(2, 9))
                pool = [u for u in pool if u != creator]
            extra_creators = ()
            if v == "12" and not dm and pool and (i == 0 or r.random() < 0.5):
                extra_creators = (pool.pop(),)
            out.append(("dm" if dm else "small", v, creator, budgets[i], False, r.random() < 0.4, pool,
                        extra_creators))
        return out

    # --- running ------------------------------------------------------------------------
    def run(self, progress=None):
        r = self.rng
        self.accounts_rows()
        scripts = []
        upgrades, knocks = self.upgrades(), self.knock_rooms()
        for i, (kind, v, creator, budget, public, encrypted, pool, extra) in enumerate(self.rooms):
            s = rooms_mod.RoomScript(self, VERSIONS[v], creator, kind, budget, random.Random(r.random()),
                                     encrypted=encrypted, public=public, pool=pool, additional_creators=extra,
                                     upgrade_to=upgrades.get(i), knock=i in knocks)
            scripts.append(s)
        order = []
        for i, s in enumerate(scripts):
            order += [i] * s.budget
        r.shuffle(order)
        gens = [s.steps() for s in scripts]
        done = [False] * len(gens)
        for k, i in enumerate(order):
            if not done[i]:
                done[i] = next(gens[i], StopIteration) is StopIteration
            if progress and k % 50000 == 0:
                progress(k, len(order))
        for i, g in enumerate(gens):  # finish every script's last step
            while not done[i]:
                done[i] = next(g, StopIteration) is StopIteration
        for s in scripts:
            for room in s.rooms:
                room.finish(self.local)
                self.room_extras(s, room)
        self.server.finish()
        self.scripts = scripts
        self.user_rows()

    def upgrades(self):
        """Which rooms their local creator upgrades (plan index -> new version): the first small
        v1 room always (so every dump has an upgrade), 30 % of the other group rooms of versions
        1, 5, 6 and 9 and 3 % of those of version 10 with at least 15 events; from a random
        stream of their own."""
        r, out, first = random.Random(f"{self.seed}/{self.n}/upgrades"), {}, True
        for i, (kind, v, creator, budget, *_rest) in enumerate(self.rooms):
            if kind not in ("small", "medium") or v not in rooms_mod.UPGRADE_TO or creator not in self.devices:
                continue
            if (kind == "small" and v == "1" and first) or (budget >= 15 and r.random() < (0.03 if v == "10" else 0.3)):
                out[i] = rooms_mod.UPGRADE_TO[v]
            first = first and not (kind == "small" and v == "1")
        return out

    def knock_rooms(self):
        """Invite-only group rooms of version 7 or later whose join rule is `knock` instead: the
        first such small room (every dump has knocks) and a third of the others; from a random
        stream of their own."""
        r, out = random.Random(f"{self.seed}/{self.n}/knocks"), set()
        for i, (kind, v, _creator, _budget, public, *_rest) in enumerate(self.rooms):
            if kind in ("small", "medium") and not public and v in ("9", "10", "11"):
                if not out or r.random() < 0.33:
                    out.add(i)
        return out

    def room_extras(self, s, room):
        """Receipts and notifications of local members over the room's last messages (and the
        tombstone of an upgraded room), the published flag of public rooms (a replaced room's
        turned off, as Dendrite's upgrade does) and the addresses of the newest room."""
        t, r = self.t, self.rng
        tail = list(room.tail)
        two = len(room.joined) == 2
        for user in sorted(room.joined):
            if not user.endswith(":" + self.local) or user not in self.devices or not tail:
                continue
            joined_at = room.memberships[(user, "join")].stream or 0
            seen = r.randrange(-1, len(tail)) if r.random() < 0.7 else -1  # index of the read receipt
            if seen >= 0:
                self.receipt_id = getattr(self, "receipt_id", 0) + 1
                t.row("syncapi_receipts", self.receipt_id, room.room_id, "m.read", user, tail[seen].event_id,
                      tail[seen].built.event["origin_server_ts"] + 5000)
                self.read_receipts[(user, room.room_id)] = tail[seen].event_id
            unread = 0
            for i, ev in enumerate(tail):
                if ev.built.sender == user or ev.stream <= joined_at:
                    continue
                self.notification(user, room, ev, two, read=i <= seen)
                unread += i > seen
            tomb = room.tombstone
            if tomb is not None and tomb.built.sender != user:  # Dendrite's `.m.rule.tombstone`
                self.notification(user, room, tomb, two, read=False, actions=["notify", {"set_tweak": "highlight"}])
                unread += 1
            self.notification_data_id = getattr(self, "notification_data_id", 0) + 1
            t.row("syncapi_notification_data", self.notification_data_id, user, room.room_id, unread, 0)
        if s.public and s.kind != "dm":
            t.row("roomserver_published", room.room_id, "", "", room is s.room)
        if room is s.room:
            self.aliases(s)

    def aliases(self, s):
        """Local addresses (`roomserver_room_aliases`): every published room has one, some a
        second, a fifth of the unpublished group rooms one; made by the room's creator when local,
        else by its first local member (only local users make local addresses)."""
        r, room = self.alias_rng, s.room
        published = s.public and s.kind != "dm"
        if s.kind == "dm" or not (published or r.random() < 0.2):
            return
        local = sorted(u for u in room.joined if u.endswith(":" + self.local) and u in self.devices)
        maker = s.creator if s.creator in self.devices else (local[0] if local else None)
        name = room.state.get(("m.room.name", ""))
        if maker is None or name is None:
            return
        slug = "-".join(w for w in name.built.event["content"]["name"].split() if w.isascii() and w.isalnum())
        for i in range(2 if published and r.random() < 0.3 else 1):
            alias = f"#{slug or 'room'}-{room.nid}{'-' + str(i + 1) if i else ''}:{self.local}"
            self.t.row("roomserver_room_aliases", alias, room.room_id, maker)

    def notification(self, user, room, ev, one_to_one, read, actions=None):
        """A push notification as Dendrite stores it (default rules: messages notify, with a
        sound in one-to-one rooms; the stored JSON's room_id is empty and ts 0, as Dendrite's).
        A body that contains the user's display name or localpart highlights: Dendrite 0.13.8's
        `contains_display_name` and `contains_user_name` rules match any substring, case
        sensitive (so `User1` is highlighted by a mention of `User12`), and it stores such rows
        with `highlight` false (it reads the tweak's missing value as false)."""
        b = ev.built
        body = b.event["content"].get("body")
        lp = user[1:].split(":")[0]
        if actions is None:
            if isinstance(body, str) and (self.display_name(user) in body or lp in body):
                actions = ["notify", {"set_tweak": "sound", "value": "default"}, {"set_tweak": "highlight"}]
            elif one_to_one:
                actions = ["notify", {"set_tweak": "sound", "value": "default"}]
            else:
                actions = ["notify"]
        event = {"content": b.event["content"], "event_id": b.event_id, "origin_server_ts": b.event["origin_server_ts"],
                 "sender": b.sender, "type": b.type}
        if b.state_key is not None:
            event["state_key"] = b.state_key
        body = {"actions": actions, "event": event, "profile_tag": "", "read": False, "room_id": "", "ts": 0}
        self.notification_id = getattr(self, "notification_id", 0) + 1
        self.t.row("userapi_notifications", self.notification_id, user[1:].split(":")[0], self.local, room.room_id,
                   b.event_id, ev.stream, b.event["origin_server_ts"] + 30, False, canonical(body).decode(), read)

    def accounts_rows(self):
        t, seed = self.t, self.seed
        salt_rng = random.Random(f"{seed}/salts")
        for lp, kind, deactivated, appservice in self.accounts:
            created = START_TS - 86_400_000 + len(lp)
            if kind in (1, 3):
                alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                salt = "".join(salt_rng.choice(alphabet) for _ in range(21)) + salt_rng.choice(".Oeu")
                salt = ("$2b$04$" + salt).encode()
                pw = bcrypt.hashpw(password_for(lp, seed).encode(), salt).decode().replace("$2b$", "$2a$", 1)
            else:
                pw = ""
            t.row("userapi_accounts", lp, self.local, created, pw, appservice, deactivated, kind)
            if deactivated:
                t.row("userapi_profiles", lp, self.local, "", "")
                continue
            user = f"@{lp}:{self.local}"
            name = lp.capitalize() if kind != 2 else lp
            self.names[user] = name
            t.row("userapi_profiles", lp, self.local, name, "")
            n_dev = 1 if kind in (2, 4) else 1 + (hash_int(seed, lp) % 3)
            for d in range(n_dev):
                device = f"DEV{d}{lp.upper()}"[:16]
                self.session += 1
                self.devices.setdefault(user, []).append((device, self.session))
                t.row("userapi_devices", access_token(lp, device, seed), self.session, device, lp, self.local,
                      created, f"{name}'s device {d}", created + 1000, "127.0.0.1", "gen-dump")
        t.sequences["userapi_device_session_id_seq"] = self.session
        self.media_rows()

    def media_rows(self):
        """Uploads of a fifth of the users (rows only: the files are not generated)."""
        r, t = self.rng, self.t
        for user in self.active_local:
            if r.random() < 0.2:
                for i in range(r.randint(1, 3)):
                    digest = hashlib.sha256(f"{self.seed}/{user}/{i}".encode()).digest()
                    media_id = digest.hex()
                    name, ctype = r.choice([("photo.jpg", "image/jpeg"), ("screenshot.png", "image/png"),
                                            ("holiday%20photo.jpg", "image/jpeg")])
                    size = r.randint(2_000, 4_000_000)
                    t.row("mediaapi_media_repository", media_id, self.local, ctype, size, START_TS - 1000 * i, name,
                          base64.urlsafe_b64encode(digest).decode().rstrip("="), user)
                    self.media.setdefault(user, []).append((media_id, name, ctype, size))

    def cross_signing(self, user):
        """Master, self-signing and user-signing keys; the master signs the other two, the
        self-signing key signs every device (signatures over the objects as clients upload them)."""
        t = self.t
        self.cross_signed.add(user)
        master, mpub, _ = cross_signing_key(user, self.seed, "master")
        for kind, usage in ((1, "master"), (2, "self_signing"), (3, "user_signing")):
            sk, pub, obj = cross_signing_key(user, self.seed, usage)
            t.row("keyserver_cross_signing_keys", user, kind, pub)
            if kind != 1:
                t.row("keyserver_cross_signing_sigs", user, f"ed25519:{mpub}", user, f"ed25519:{pub}",
                      b64(master.sign(canonical(obj)).signature))
            if kind == 2:
                for device, _session in self.devices[user]:
                    obj = json.loads(DeviceKeys(user, device, self.seed).device_keys_json())
                    obj.pop("signatures")
                    t.row("keyserver_cross_signing_sigs", user, f"ed25519:{pub}", user, device,
                          b64(sk.sign(canonical(obj)).signature))

    def key_backups(self):
        """Server-side key backups (version 1) of a fifth of the users who are in encrypted
        rooms: auth data signed by the user's first device, a few sessions per room."""
        r, t = self.rng, self.t
        encrypted = {}
        for s in self.scripts:
            if s.encrypted:
                for u in s.room.joined:
                    encrypted.setdefault(u, []).append(s.room.room_id)
        n = 0
        for user in sorted(encrypted):
            if user not in self.devices or r.random() >= 0.2:
                continue
            n += 1
            device = self.devices[user][0][0]
            dk = DeviceKeys(user, device, self.seed)
            auth = {"public_key": b64(hashlib.sha256(f"{self.seed}/backup/{user}".encode()).digest())}
            auth = dk.signed(auth)
            t.row("userapi_key_backup_versions", user, n, "m.megolm_backup.v1.curve25519-aes-sha2",
                  json.dumps(auth), "1", 0)
            for room_id in encrypted[user][:5]:
                for _ in range(r.randint(1, 3)):
                    data = {"ephemeral": b64(r.randbytes(32)), "ciphertext": b64(r.randbytes(r.randint(200, 400))),
                            "mac": b64(r.randbytes(8))}
                    t.row("userapi_key_backups", user, room_id, b64(r.randbytes(32)), n, r.randint(0, 30), 0,
                          r.random() < 0.8, json.dumps(data))
        t.sequences["userapi_key_backup_versions_seq"] = n

    def user_rows(self):
        """Push rules and account data, device keys and one-time keys for every device."""
        t, seed = self.t, self.seed
        with open(os.path.join(SCHEMA_DIR, "push_rules.json")) as f:
            rules = f.read().strip()
        s = self.server
        key_change = 0
        for lp, kind, deactivated, _as in self.accounts:
            if deactivated:
                continue
            user = f"@{lp}:{self.local}"
            t.row("userapi_account_datas", lp, self.local, "", "m.push_rules",
                  rules.replace("@@USER@@", user).replace("@@LOCAL@@", lp))
            t.row("syncapi_account_data_type", s.next_stream(), user, "", "m.push_rules")
            for device, _session in self.devices.get(user, []):
                dk = DeviceKeys(user, device, seed)
                key_change += 1
                t.row("keyserver_device_keys", user, device, START_TS // 1000, dk.device_keys_json(), key_change,
                      None)
                if self.rng.random() < 0.1:  # pending to-device messages (an olm-encrypted key share)
                    for _ in range(self.rng.randint(1, 3)):
                        self.to_device_id = getattr(self, "to_device_id", 0) + 1
                        sender = self.rng.choice(self.active_local)
                        msg = {"sender": sender, "type": "m.room.encrypted", "content": {
                            "algorithm": "m.olm.v1.curve25519-aes-sha2", "sender_key": dk.curve,
                            "ciphertext": {dk.curve: {"type": 0, "body": b64(self.rng.randbytes(180))}}}}
                        t.row("syncapi_send_to_device", self.to_device_id, user, device,
                              json.dumps(msg, separators=(",", ":"), ensure_ascii=False))
                for i in range(3):
                    kid, kjson = dk.one_time_key(i)
                    t.row("keyserver_one_time_keys", user, device, kid, "signed_curve25519", START_TS // 1000, kjson)
            if user in self.devices and self.rng.random() < 0.5:
                self.cross_signing(user)
            if user in self.devices:
                t.row("keyserver_key_changes", key_change, user)  # one row per user: the latest change
        t.sequences["keyserver_key_changes_seq"] = key_change
        self.key_backups()
        userdata.write(self)
        t.sequences["syncapi_stream_id"] = s.stream
        t.sequences["syncapi_receipt_id"] = getattr(self, "receipt_id", 0)
        t.sequences["syncapi_relation_id"] = self.relation_id
        t.sequences["userapi_notifications_id_seq"] = getattr(self, "notification_id", 0)
        t.sequences["syncapi_notification_data_id_seq"] = getattr(self, "notification_data_id", 0)
        t.sequences["syncapi_send_to_device_id"] = getattr(self, "to_device_id", 0)
        with open(os.path.join(SCHEMA_DIR, "migrations.txt")) as f:
            for line in f:
                t.row("db_migrations", line.rstrip("\n"), "2024-09-13T12:00:00Z", "0.13.8")
        for name in ("federationsender_notary_server_keys_json_pkey", "federationsender_queue_json_json_nid_seq",
                     "roomserver_reported_events_id_seq", "syncapi_filter_id_seq",
                     "syncapi_notification_data_id_seq", "syncapi_presence_id", "syncapi_relation_id",
                     "syncapi_send_to_device_id", "userapi_key_backup_versions_seq", "userapi_notifications_id_seq",
                     "userapi_pushers_id_seq"):
            t.sequences.setdefault(name, 0)


def cross_signing_key(user, seed, usage):
    sk = nacl.signing.SigningKey(hashlib.sha256(f"{seed}/xsign/{user}/{usage}".encode()).digest())
    pub = b64(bytes(sk.verify_key))
    return sk, pub, {"keys": {f"ed25519:{pub}": pub}, "usage": [usage], "user_id": user}


def hash_int(*parts):
    return int.from_bytes(hashlib.sha256("/".join(map(str, parts)).encode()).digest()[:4], "big")


class DeviceKeys:
    """A device's identity keys, signed by its own ed25519 key (as a client uploads them)."""

    def __init__(self, user, device, seed):
        raw = hashlib.sha256(f"{seed}/device/{user}/{device}".encode()).digest()
        self.sk = nacl.signing.SigningKey(raw)
        self.user, self.device = user, device
        self.curve = b64(hashlib.sha256(raw + b"curve").digest())

    def signed(self, obj):
        sig = b64(self.sk.sign(canonical(obj)).signature)
        return dict(obj, signatures={self.user: {f"ed25519:{self.device}": sig}})

    def device_keys_json(self):
        obj = {"algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"], "device_id": self.device,
               "user_id": self.user,
               "keys": {f"curve25519:{self.device}": self.curve,
                        f"ed25519:{self.device}": b64(bytes(self.sk.verify_key))}}
        return json.dumps(self.signed(obj), separators=(",", ":"))

    def one_time_key(self, i):
        key = b64(hashlib.sha256(f"{self.user}/{self.device}/otk{i}".encode()).digest())
        return f"AAAAAAAAAA{i}", json.dumps(self.signed({"key": key}), separators=(",", ":"))
