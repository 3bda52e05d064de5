"""One room's life as a script: created, joined, talked in, fought over, forked and merged.

How it works: `RoomScript.steps()` is a generator that stores exactly one event per step (through
`roomserver.Room.add`), so the dump's scheduler can interleave rooms the way a live server
receives their events. Every event is built against the room's current state, with auth events
chosen by the spec's selection and senders that the auth rules allow: only joined members
speak, the room admin (creator, power 100; in v12 a creator, above the power levels) changes
power levels, names, topics, bans and kicks, members leave on their own, invite-only rooms
invite before the join.

Side events that a live federated room produces are built at the points they occur:
  - fork: two events on the same prev (a message and a join from another server), then a merge;
  - rejected: a remote member without the power for it renames the room (a branch of its own,
    stored with `is_rejected`, never in state or the sync stream);
  - soft-failed: a member who has just been banned still sends a message on the pre-ban prev
    (stored with state, not sent to the sync stream, not an extremity);
  - redactions of messages and of state events (the redacted rows written redacted);
  - mentions: 4 % of plain messages name a joined member (body, pill, `m.mentions`);
  - knocks (rooms with join rule `knock`): a remote user knocks, is invited, joins (or waits).
Traps: v1 rooms put event IDs and reference hashes in prev/auth lists (the builder does it);
v11+ redactions carry `redacts` in content; v12 power levels never list the creators.
"""

from .events import VERSIONS, b64, redact
from .roomserver import Room

# Room upgrades a local creator makes (Dendrite 0.13.8 upgrades to 10 by default and knows 11).
UPGRADE_TO = {"1": "10", "5": "10", "6": "10", "9": "10", "10": "11"}
# State Dendrite's upgrade writes itself in the new room instead of copying it.
UPGRADE_OVERRIDES = {("m.room.create", ""), ("m.room.power_levels", ""), ("m.room.join_rules", "")}

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
         "quebec romeo sierra tango uniform victor whiskey xray yankee zulu ok yes no maybe later lunch "
         "deploy merge review build ship test coffee 👋 Grüße ✓").split()


class RoomScript:
    def __init__(self, dump, version, creator, kind, budget, rng, *, encrypted=False, public=False,
                 pool=(), additional_creators=(), upgrade_to=None, knock=False):
        self.d, self.v, self.rng = dump, version, rng
        self.creator, self.kind, self.budget = creator, kind, budget
        self.encrypted, self.public, self.pool = encrypted, public, list(pool)
        self.additional_creators = list(additional_creators)
        self.dm_other = pool[0] if kind == "dm" and pool else None
        self.upgrade_to = upgrade_to  # a version: the creator upgrades the room at 70 % of its budget
        self.old_rooms = []  # rooms this script's room replaced (tombstoned), oldest first
        self.knock = knock  # join rule `knock`: remote users knock before they are invited
        self.spent = 0  # events stored in old_rooms
        self.room = Room(dump.server, version)
        self.power = {}
        self.recent = []  # recent message Evs (reply/reaction/redaction targets)
        # A remote big or medium room: its first part happens before any local user joins.
        self.local = dump.local
        self.prejoin = int(budget * 0.2) if kind in ("big", "medium") and not self.is_local(creator) else 0
        self.room.unseen = self.prejoin > 0

    @property
    def rooms(self):
        return self.old_rooms + [self.room]

    def used(self):
        return self.spent + self.room.count

    def is_local(self, user):
        return user.endswith(":" + self.local)

    # --- building -----------------------------------------------------------------------
    def ts(self):
        return self.d.clock()

    def emit(self, etype, sender, content, state_key=None, *, prev=None, depth=None, membership=None,
             rejected=False, soft_failed=False, defer=False, redacts=None, record_prev=True, join_state=False,
             ts=None):
        built = self.build(etype, sender, content, state_key, prev=prev, depth=depth, membership=membership,
                           redacts=redacts, ts=ts)
        return self.store(built, rejected=rejected, soft_failed=soft_failed, defer=defer, record_prev=record_prev,
                          join_state=join_state)

    def build(self, etype, sender, content, state_key=None, *, prev=None, depth=None, membership=None,
              redacts=None, ts=None):
        """An event built against the room's current state and extremities (not stored yet):
        (built, prev Evs, auth Evs)."""
        room = self.room
        prev = room.latest if prev is None else prev
        if depth is None:
            depth = max((p.depth for p in prev), default=0) + 1
        auth = room.auth_for(etype, sender, state_key, membership)
        signers = ()
        if etype == "m.room.member" and membership == "join":
            origin, resident = sender.split(":", 1)[1], self.creator.split(":", 1)[1]
            if origin != resident:
                signers = (resident,)  # send_join: the resident server countersigns
        built = self.d.builder.build(room.version, room.room_id, etype, sender, content, state_key=state_key,
                                     prev=[p.built for p in prev], auth=[a.built for a in auth], depth=depth,
                                     ts=ts or self.ts(), redacts=redacts, extra_signers=signers)
        return built, prev, auth

    def store(self, event, **kw):
        built, prev, auth = event
        txn = self.d.txn_for(built.sender) if built.type != "m.room.member" and built.state_key is None else None
        return self.room.add(built, prev, auth, txn=txn, **kw)

    def member(self, user, membership, sender=None, **kw):
        content = {"membership": membership}
        if membership == "join":
            content["displayname"] = self.d.display_name(user)
        return self.emit("m.room.member", sender or user, content, user, membership=membership, **kw)

    def pl_content(self):
        users = {u: p for u, p in sorted(self.power.items()) if not (self.v.v12 and self.is_creator(u))}
        return {"ban": 50, "events": {"m.room.avatar": 50, "m.room.canonical_alias": 50, "m.room.encryption": 100,
                                      "m.room.history_visibility": 100, "m.room.name": 50,
                                      "m.room.power_levels": 100, "m.room.server_acl": 100,
                                      "m.room.tombstone": 100},
                "events_default": 0, "invite": 0, "kick": 50, "notifications": {"room": 50}, "redact": 50,
                "state_default": 50, "users": users, "users_default": 0}

    def is_creator(self, user):
        return user == self.creator or user in self.additional_creators

    def message(self, sender, **kw):
        r = self.rng
        if self.encrypted:
            content = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": b64(r.randbytes(r.randint(45, 300))),
                       "device_id": "D" + sender[1:4].upper(), "sender_key": "k" * 43,
                       "session_id": "s" + str(self.room.nid) * 3}
            return self.emit("m.room.encrypted", sender, content, **kw)
        body = " ".join(r.choices(WORDS, k=r.randint(1, 24)))
        if self.d.pad_bodies:  # no random draws: the same events, only bigger bodies
            pad = " " + " ".join(WORDS)
            body += (pad * (self.d.pad_bodies // len(pad) + 1))[:self.d.pad_bodies]
        content = {"body": body, "msgtype": "m.text"}
        others = [u for u in self.room.joined if u != sender] if r.random() < 0.04 else None
        if others:  # a mention, as Element writes it: the name in the body, a pill, m.mentions
            target = r.choice(others)
            name = self.d.display_name(target)
            content = {"body": f"{name}: {body}", "format": "org.matrix.custom.html",
                       "formatted_body": f'<a href="https://matrix.to/#/{target}">{name}</a>: {body}',
                       "m.mentions": {"user_ids": [target]}, "msgtype": "m.text"}
        if self.recent and r.random() < 0.08:
            target = r.choice(self.recent)
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": target.event_id}}
        return self.emit("m.room.message", sender, content, **kw)

    # --- the script ---------------------------------------------------------------------
    def steps(self):
        r, c = self.rng, self.creator
        create = {"room_version": self.v.ident}
        if self.v.creator_in_content:
            create["creator"] = c
        if self.additional_creators:
            create["additional_creators"] = self.additional_creators
        if self.room.room_id is None and not self.v.v12:
            self.room.room_id = "!" + "".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
                                              for _ in range(16)) + ":" + c.split(":", 1)[1]
        self.emit("m.room.create", c, create, "")
        yield
        self.power[c] = 100
        self.member(c, "join")
        yield
        self.emit("m.room.power_levels", c, self.pl_content(), "")
        yield
        rule = "public" if self.public else "knock" if self.knock else "invite"
        self.emit("m.room.join_rules", c, {"join_rule": rule}, "")
        yield
        self.emit("m.room.history_visibility", c, {"history_visibility": "shared"}, "")
        yield
        if self.kind != "dm":
            self.emit("m.room.name", c, {"name": " ".join(r.choice(WORDS) for _ in range(3))}, "")
            yield
        if self.encrypted:
            self.emit("m.room.encryption", c, {"algorithm": "m.megolm.v1.aes-sha2"}, "")
            yield
        for user in self.additional_creators:
            yield from self.join(user)
        while self.used() < self.budget:
            if self.upgrade_to and not self.room.unseen and self.used() >= self.budget * 0.7:
                yield from self.upgrade()
                continue
            if self.room.unseen:
                self.room.keep_before = self.room.count >= self.prejoin - 60
                if self.room.count >= self.prejoin:
                    yield from self.local_join()
                    continue
            yield from self.act()

    def upgrade(self):
        """The creator upgrades the room as Dendrite's upgrade does it: the tombstone is built
        first (the new room's create event names it as `predecessor`), the new room gets its
        create (old content, `creator` set to the upgrader before v11, removed from v11),
        the upgrader's join, the power levels, the join rules, `m.room.guest_access` forbidden,
        then copies of the other state and the bans (redacted events copied as stored); then the
        tombstone is stored in the old room and its power levels restricted (`events_default`
        and `invite` 50). Every event has the same timestamp. Then the members follow, one join
        a step (invited first in invite-only rooms)."""
        old, me, version = self.room, self.creator, VERSIONS[self.upgrade_to]
        r = self.rng
        ts = self.ts()
        new_id = "!" + "".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(16))
        tomb = self.build("m.room.tombstone", me, {"body": "This room has been replaced",
                                                  "replacement_room": f"{new_id}:{self.local}"}, "", ts=ts)
        state = dict(old.state)

        def content(key):
            ev = state[key]
            if ev.event_id in old.redacted_ids:
                return redact(old.version, ev.built.event)["content"]
            return ev.built.event["content"]

        create = dict(content(("m.room.create", "")), room_version=version.ident,
                      predecessor={"event_id": tomb[0].event_id, "room_id": old.room_id})
        if version.creator_in_content:
            create["creator"] = me
        else:
            create.pop("creator", None)
        self.old_rooms.append(old)
        self.spent += old.count
        self.room = Room(self.d.server, version, f"{new_id}:{self.local}")
        self.emit("m.room.create", me, create, "", ts=ts)
        yield
        self.emit("m.room.member", me, dict(content(("m.room.member", me)), membership="join"), me, membership="join",
                  ts=ts)
        yield
        for key in (("m.room.power_levels", ""), ("m.room.join_rules", "")):
            self.emit(key[0], me, content(key), "", ts=ts)
            yield
        self.emit("m.room.guest_access", me, {"guest_access": "forbidden"}, "", ts=ts)
        yield
        for key in sorted(k for k in state if k[0] != "m.room.member" and k not in UPGRADE_OVERRIDES):
            self.emit(key[0], me, content(key), key[1], ts=ts)
            yield
        for key in sorted(k for k in state if k[0] == "m.room.member" and old.members.get(k[1]) == "ban"):
            self.emit("m.room.member", me, content(key), key[1], membership="ban", ts=ts)
            yield
        new, self.room = self.room, old
        old.tombstone = self.store(tomb)
        yield
        pl = content(("m.room.power_levels", ""))
        level = max(50, pl.get("users_default", 0) + 1)
        self.emit("m.room.power_levels", me, dict(pl, events_default=level, invite=level), "", ts=ts)
        yield
        self.room, self.v, self.recent, self.upgrade_to = new, version, [], None
        for user in [u for u in old.joined if u != me]:
            yield from self.join(user)

    def local_join(self):
        """The first local user joins over federation: outliers, the join with full state, and
        (stored at the end) the backfilled tail of the earlier history."""
        room = self.room
        local = [u for u in self.pool if self.is_local(u)]
        if not local:
            room.unseen, self.prejoin = False, 0  # nobody local to join: the room stays unknown
            return
        user = local[-1]
        self.pool.remove(user)
        tail = room.unseen_events[-self.rng.randint(10, 60):]
        room.see([e for e in tail if e.before is not None])
        self.member(user, "join", join_state=True)
        yield

    def join(self, user):
        if self.knock and not self.is_local(user):
            # A remote user knocks (Dendrite 0.13.8 has no knock endpoint of its own: knocks
            # reach it over federation); a fifth are never answered and stay pending.
            self.member(user, "knock")
            yield
            if self.rng.random() < 0.2:
                return
        if not self.public:
            ev = self.member(user, "invite", sender=self.creator)
            self.room.invited(ev, self.is_local(user))
            yield
        self.member(user, "join")
        yield

    def act(self):
        r, room = self.rng, self.room
        x = r.random()
        left = self.budget - self.used()
        joined = room.joined
        unseen = room.unseen
        if self.pool and (x < 0.10 or len(joined) < 2) and left >= 2:
            user = self.pool.pop()
            if unseen and self.is_local(user):  # nobody local joins before the server does
                self.pool.insert(0, user)
                user = next((u for u in reversed(self.pool) if not self.is_local(u)), None)
                if user is None:
                    ev = self.message(self.creator)
                    yield
                    return
                self.pool.remove(user)
            yield from self.join(user)
        elif x < 0.12 and len(joined) > 2 and left >= 1:
            user = r.choice(joined)
            if not self.is_creator(user):
                self.member(user, "leave")
                self.pool.insert(0, user)
                yield
        elif x < 0.125 and not unseen and len(joined) > 3 and left >= 2:
            yield from self.ban_and_soft_fail()
        elif x < 0.135 and len(joined) > 2:
            user = r.choice(joined)
            if not self.is_creator(user):
                self.power[user] = 50 if self.power.get(user, 0) == 0 else 0
                self.emit("m.room.power_levels", self.creator, self.pl_content(), "")
                yield
        elif x < 0.145:
            self.emit("m.room.topic", self.creator, {"topic": " ".join(r.choice(WORDS) for _ in range(6))}, "")
            yield
        elif unseen and x < 0.2:
            self.message(r.choice(joined))
            yield
        elif x < 0.16 and left >= 2 and joined:
            yield from self.redaction()
        elif x < 0.18 and len(joined) > 2 and left >= 3 and self.kind != "dm":
            yield from self.fork()
        elif x < 0.185 and self.kind == "big" and left >= 2:
            yield from self.rejected()
        elif joined and self.recent and x > 0.96:
            yield from self.relation(r.choice(joined))
        elif joined:
            sender = r.choice(joined)
            media = self.d.media.get(sender) if not self.encrypted and r.random() < 0.03 else None
            if media:
                media_id, name, ctype, size = r.choice(media)
                ev = self.emit("m.room.message", sender, {"body": name, "info": {"mimetype": ctype, "size": size},
                                                          "msgtype": "m.image",
                                                          "url": f"mxc://{self.local}/{media_id}"})
            else:
                ev = self.message(sender)
            self.recent = (self.recent + [ev])[-20:]
            yield

    def relation(self, sender):
        """A reaction to a recent event, or an edit of one's own recent message."""
        r = self.rng
        target = r.choice(self.recent)
        own = target.built.sender == sender and target.built.type == "m.room.message"
        if own and r.random() < 0.3:
            new = {"body": "edited: " + " ".join(r.choices(WORDS, k=5)), "msgtype": "m.text"}
            content = dict(new, body="* " + new["body"], **{"m.new_content": new, "m.relates_to": {
                "event_id": target.event_id, "rel_type": "m.replace"}})
            ev = self.emit("m.room.message", sender, content)
            rel = "m.replace"
        else:
            content = {"m.relates_to": {"event_id": target.event_id, "key": r.choice("👍❤️😂🎉"),
                                        "rel_type": "m.annotation"}}
            ev = self.emit("m.reaction", sender, content)
            rel = "m.annotation"
        self.d.relation(self.room.room_id, target.event_id, ev.event_id, ev.built.type, rel)
        yield

    def redaction(self):
        r = self.rng
        state = r.random() < 0.15
        if state:  # a state event redacted: the topic
            target = self.emit("m.room.topic", self.creator, {"topic": "oops " + r.choice(WORDS)}, "", defer=True)
            sender = self.creator
        else:
            sender = r.choice(self.room.joined)
            target = self.message(sender, defer=True)
        yield
        content = {"reason": r.choice(["posted by mistake", "spam", "wrong room"])}
        if self.v.redacts_in_content:
            content["redacts"] = target.event_id
            red = self.emit("m.room.redaction", sender, content)
        else:
            red = self.emit("m.room.redaction", sender, content, redacts=target.event_id)
        self.room.redacted(target, red)
        yield

    def fork(self):
        """Two events on one prev (a message here, a join or message from elsewhere), merged."""
        r, room = self.rng, self.room
        base = room.latest[0] if len(room.latest) == 1 else None
        if base is None:
            return
        a = self.message(r.choice(room.joined), prev=[base], record_prev=False)
        yield
        if self.pool:
            user = self.pool.pop()
            if not self.public:  # invite-only: a message instead (an invite would need two steps)
                self.pool.append(user)
                b = self.message(r.choice(room.joined), prev=[base], depth=a.depth, record_prev=False)
            else:
                b = self.member(user, "join", prev=[base], depth=a.depth, record_prev=False)
        else:
            b = self.message(r.choice(room.joined), prev=[base], depth=a.depth, record_prev=False)
        self.d.server.t.row("roomserver_previous_events", base.event_id, [a.nid, b.nid])
        yield
        self.message(r.choice(room.joined), prev=[a, b])
        yield

    def rejected(self):
        """A member with no power renames the room: rejected by the auth rules."""
        r, room = self.rng, self.room
        weak = [u for u in room.joined if self.power.get(u, 0) < 50 and not self.is_creator(u)]
        base = room.latest[0] if len(room.latest) == 1 else None
        if not weak or base is None:
            return
        a = self.message(r.choice(room.joined), prev=[base], record_prev=False)
        yield
        bad = self.emit("m.room.name", r.choice(weak), {"name": "pwned"}, "", prev=[base], rejected=True,
                        record_prev=False)
        self.d.server.t.row("roomserver_previous_events", base.event_id, [a.nid, bad.nid])
        yield

    def ban_and_soft_fail(self):
        """A ban, and the banned member's message on the pre-ban prev: soft-failed."""
        r, room = self.rng, self.room
        victims = [u for u in room.joined if not self.is_creator(u) and self.power.get(u, 0) < 100]
        base = room.latest[0] if len(room.latest) == 1 else None
        if not victims or base is None:
            return
        victim = r.choice(victims)
        self.prev_member = room.state[("m.room.member", victim)]
        ban = self.member(victim, "ban", sender=self.creator, record_prev=False)
        yield
        body = {"body": "why was I banned", "msgtype": "m.text"}
        etype = "m.room.message"
        if self.encrypted:
            etype, body = "m.room.encrypted", {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "c" * 64,
                                               "device_id": "X", "sender_key": "k" * 43, "session_id": "s"}
        # Built against the pre-ban state: the victim is still joined there.
        saved = room.state[("m.room.member", victim)]
        room.state[("m.room.member", victim)] = self.prev_member
        sf = self.emit(etype, victim, body, prev=[base], depth=ban.depth, soft_failed=True, record_prev=False)
        room.state[("m.room.member", victim)] = saved
        self.d.server.t.row("roomserver_previous_events", base.event_id, [ban.nid, sf.nid])
        yield
