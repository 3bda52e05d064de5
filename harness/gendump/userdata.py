"""What a server's users keep besides their rooms: account data (global and per room), pushers
and presence, written the way Dendrite v0.13.8 stores them (the full fixture has each kind).

How it works: `write(dump)` runs after every room is finished, so it knows each user's rooms,
DMs and read receipts. Everything random comes from its own `random.Random` (seed, size), so the
rooms and events stay the same bytes whether or not this module changes.

  - `userapi_account_datas`: one row per (user, room or '', type), content as the client sent
    it: `m.direct` (every DM the user created or joined, keyed by the other member), Element's
    `im.vector.setting.breadcrumbs` and `im.vector.analytics`, secret-storage key descriptions
    for users with cross-signing keys, an ignore list for a few (of a spammer who is in no room:
    Synapse hides an ignored user's events, which would change every other answer), per room
    `m.fully_read` at the user's read receipt and `m.tag` (Dendrite marshals tags itself:
    `{"tags":{...}}`, `order` left out when unset).
  - `syncapi_account_data_type`: one row per account-data row, at a position of the shared sync
    stream (Dendrite's upsert moves the row to the newest position at each change; here each is
    written once, after the rooms).
  - `userapi_pushers`: an HTTP pusher for the first device of a third of the users (`session_id`
    links the device; `pushkey_ts_ms` holds Unix seconds, as Dendrite fills it in).
  - `syncapi_presence`: users who synced, one row each (ids from `syncapi_presence_id`; online,
    unavailable or offline; a status message for some), `last_active_ts` before the dump ends.

Traps: `m.tag`'s `order` is a number; account data of deactivated users is never written (their
accounts were emptied); the ignored user must not be anyone who speaks in a room.
"""

import json
import random

from .events import b64

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SPAMMER = "@spammer:spam.example.net"
TAGS = (("m.favourite", True), ("m.lowpriority", False), ("u.work", True), ("u.family", False))


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def write(d):
    """Every user's account data, pushers and presence; returns the truth kept for docs/tests."""
    r = random.Random(f"{d.seed}/{d.n}/userdata")
    t, s = d.t, d.server
    users = [(lp, kind) for lp, kind, deactivated, _as in d.accounts if not deactivated and kind in (1, 3)]
    rooms_of, dms = {}, {}
    for sc in d.scripts:
        for room in sc.rooms:
            for u, m in sorted(room.members.items()):
                if m == "join" and u.endswith(":" + d.local):
                    rooms_of.setdefault(u, []).append(room.room_id)
        room = sc.room
        if sc.kind == "dm" and sc.dm_other:
            a, b = sc.creator, sc.dm_other
            if a in room.members:
                dms.setdefault(a, {}).setdefault(b, []).append(room.room_id)
            if b in room.members and b.endswith(":" + d.local):
                dms.setdefault(b, {}).setdefault(a, []).append(room.room_id)

    def put(lp, user, room_id, typ, content):
        t.row("userapi_account_datas", lp, d.local, room_id, typ, content)
        t.row("syncapi_account_data_type", s.next_stream(), user, room_id, typ)

    for lp, _kind in users:
        user = f"@{lp}:{d.local}"
        if user in dms:
            put(lp, user, "", "m.direct", compact(dms[user]))
        mine = rooms_of.get(user, [])
        if mine and r.random() < 0.6:
            put(lp, user, "", "im.vector.setting.breadcrumbs", compact({"recent_rooms": r.sample(mine, min(8, len(mine)))}))
        if r.random() < 0.5:
            put(lp, user, "", "im.vector.analytics", compact({"id": b64(r.randbytes(12)),
                                                                "pseudonymousAnalyticsOptIn": r.random() < 0.3}))
        if user in d.cross_signed:
            key_id = "".join(r.choice(ALNUM) for _ in range(32))
            put(lp, user, "", f"m.secret_storage.key.{key_id}", compact({
                "algorithm": "m.secret_storage.v1.aes-hmac-sha2", "iv": b64(r.randbytes(16)),
                "mac": b64(r.randbytes(32)), "name": "Security Key"}))
            put(lp, user, "", "m.secret_storage.default_key", compact({"key": key_id}))
        if r.random() < 0.03:
            put(lp, user, "", "m.ignored_user_list", compact({"ignored_users": {SPAMMER: {}}}))
        for room_id in mine:
            event_id = d.read_receipts.get((user, room_id))
            if event_id and r.random() < 0.8:
                put(lp, user, room_id, "m.fully_read", compact({"event_id": event_id}))
            if r.random() < 0.12:
                tags = {}
                for name, ordered in r.sample(TAGS, r.randint(1, 2)):
                    tags[name] = {"order": round(r.random(), 3)} if ordered else {}
                put(lp, user, room_id, "m.tag", compact({"tags": tags}))
    pushers(d, r, users)
    presence(d, r, users)


def pushers(d, r, users):
    n = 0
    for lp, _kind in users:
        user = f"@{lp}:{d.local}"
        if user not in d.devices or r.random() >= 0.33:
            continue
        device, session = d.devices[user][0]
        n += 1
        android = r.random() < 0.6
        app = ("im.vector.app.android", "Element Android") if android else ("im.vector.app.ios.prod", "Element")
        data = {"url": "https://push.example.net/_matrix/push/v1/notify"}
        if not android:
            data["format"] = "event_id_only"
        d.t.row("userapi_pushers", n, lp, d.local, session, "", "http", app[0], app[1],
                f"{d.display_name(user)}'s device 0", b64(r.randbytes(48)), d.ts // 1000 - r.randint(0, 86400 * 30),
                r.choice(["en", "de", "en-GB", "fr"]), compact(data))
    d.t.sequences["userapi_pushers_id_seq"] = n


def presence(d, r, users):
    n = 0
    for lp, _kind in users:
        if r.random() >= 0.8:
            continue
        n += r.randint(1, 5)  # upserts take a new id at each change: ids with gaps
        state = r.choice((2, 2, 1, 3))
        msg = r.choice(["In a meeting 📅", "on holiday", "Working", "🏠 remote"]) if r.random() < 0.2 else None
        d.t.row("syncapi_presence", n, f"@{lp}:{d.local}", state, msg, d.ts - r.randint(0, 86_400_000 * 20))
    d.t.sequences["syncapi_presence_id"] = n
