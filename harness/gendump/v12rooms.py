"""Room version 12 rooms as element-hq Dendrite 0.15 creates and stores them, added to a restored
fixture database by scripts/make-newer-fixtures (variant fixtures/dendrite-0.15/v12). The facts
followed are in docs/dendrite-versions.md ("Room version 12", "Room upgrades in 0.15").

    python -m harness.gendump.v12rooms FIXTURE_DIR OUT_DIR     (PG* variables name the database)

How it works: the server's NID registries, sequence positions and empty snapshot are read from
the database, and `roomserver.Server` goes on from them; every event is built and signed with the
fixture server's own key (`FIXTURE_DIR/matrix_key.pem`) by the one event builder (events.py) and
stored by `roomserver.Room` as the generator stores its rooms. Three scripts, in the order
Dendrite 0.15 sends the events:

  - public: alice creates a public v12 room (create, her join, the initial power levels with
    no user listed and the tombstone at 150, join rules, history visibility, name, topic); bob
    and carol join and talk; alice gives bob power 50; published in the room directory;
  - private: alice creates a trusted private chat for dave: `additional_creators: [dave]`,
    guest access `can_join`, the invite (`is_direct`), dave joins, they talk;
  - upgrade: bob's v11 room (erin invited and joined, a few messages) upgraded to v12 as
    0.15's upgrade does: the new create event names the predecessor room (no event ID: the
    tombstone is made after it), bob's join, the power levels without the creator, join rules,
    guest access `forbidden`, the rest of the state copied; then in the old room the tombstone,
    an empty canonical alias and power levels with `events_default` and `invite` at 50; erin
    is invited into the new room, joins, and they talk there.

Writes OUT_DIR/v12-rooms.sql (COPY blocks for `psql -1` into the database) and
OUT_DIR/v12_rooms.json: what a client must see, derived from the built events alone (the
histories are linear, so the current state is the last event of each (type, state key) and the
timeline is the events in depth order), never from the converter.

Traps: timestamps are fixed (from START_TS, one second apart) and no random source is used, so
the same fixture gives the same bytes; `Room.add` names a v12 room from its create event.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys

from .events import VERSIONS, Builder, ServerKey
from .roomserver import Room, Server
from .tables import Tables

START_TS = 1_795_800_000_000  # after every event of the 0.13.8 fixtures


def psql(sql):
    out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def last_value(seq):
    return int(psql(f"SELECT last_value FROM {seq}")[0][0])


def resume_point():
    """What `Server.resume` needs, from the database."""
    return {
        "types": {name: int(nid) for nid, name in psql("SELECT event_type_nid, event_type FROM roomserver_event_types")},
        "state_keys": {k: int(nid) for nid, k in psql(
            "SELECT event_state_key_nid, event_state_key FROM roomserver_event_state_keys")},
        "event_nid": last_value("roomserver_event_nid_seq"),
        "room_nid": last_value("roomserver_room_nid_seq"),
        "block_nid": last_value("roomserver_state_block_nid_seq"),
        "snap_nid": last_value("roomserver_state_snapshot_nid_seq"),
        "stream": last_value("syncapi_stream_id"),
        "empty_snap": int(psql("SELECT min(state_snapshot_nid) FROM roomserver_state_snapshots "
                               "WHERE state_block_nids = '{}'")[0][0]),
    }


def v12_power_levels(users=None):
    """Dendrite 0.15's initial power levels for a room with privileged creators: nobody listed
    (the creators are above the power levels), the tombstone at 150."""
    return {"ban": 50, "events": {"m.room.avatar": 50, "m.room.canonical_alias": 50, "m.room.encryption": 100,
                                  "m.room.history_visibility": 100, "m.room.name": 50, "m.room.power_levels": 100,
                                  "m.room.server_acl": 100, "m.room.tombstone": 150},
            "events_default": 0, "invite": 0, "kick": 50, "notifications": {"room": 50}, "redact": 50,
            "state_default": 50, "users": dict(users or {}), "users_default": 0}


class Script:
    """One room: emits events on the single chain of its history and remembers them in order."""

    def __init__(self, fx, name, version):
        self.fx, self.name, self.v = fx, name, VERSIONS[version]
        self.room = Room(fx.server, self.v)
        if not self.v.v12:  # `!` + 16 letters + `:server`, as Dendrite names them (fixed here)
            letters = "".join(c for c in base64.b64encode(hashlib.sha256(name.encode()).digest()).decode()
                              if c.isalpha())
            self.room.room_id = f"!{letters[:16]}:{fx.local}"
        self.events = []  # Ev, in the order stored

    def emit(self, etype, sender, content, state_key=None):
        room = self.room
        prev = list(room.latest)
        membership = content.get("membership") if etype == "m.room.member" else None
        auth = room.auth_for(etype, sender, state_key, membership)
        built = self.fx.builder.build(self.v, room.room_id, etype, sender, content, state_key=state_key,
                                      prev=[p.built for p in prev], auth=[a.built for a in auth],
                                      depth=max((p.depth for p in prev), default=0) + 1, ts=self.fx.clock())
        ev = room.add(built, prev, auth)
        self.events.append(ev)
        return ev

    def state(self, etype, sender, content, state_key=""):
        return self.emit(etype, sender, content, state_key)

    def join(self, user):
        return self.state("m.room.member", user, self.fx.member_content(user, "join"), user)

    def invite(self, sender, user, **extra):
        ev = self.state("m.room.member", sender, dict(self.fx.member_content(user, "invite"), **extra), user)
        self.room.invited(ev, True)
        return ev

    def say(self, sender, body):
        return self.emit("m.room.message", sender, {"body": body, "msgtype": "m.text"})

    def current(self, key):
        return self.room.state[key].built.event["content"]


class Fixture:
    def __init__(self, fixture_dir, spool):
        self.local = psql("SELECT DISTINCT server_name FROM userapi_accounts")[0][0]
        with open(os.path.join(fixture_dir, "matrix_key.pem")) as f:
            key = ServerKey.from_pem(self.local, f.read())
        self.t = Tables(spool)
        self.server = Server(self.t, self.local, resume=resume_point())
        self.builder = Builder({self.local: key}, None)
        self.profiles = {f"@{lp}:{self.local}": (name, avatar) for lp, name, avatar in psql(
            "SELECT localpart, display_name, avatar_url FROM userapi_profiles")}
        self.ts = START_TS
        self.scripts = []

    def clock(self):
        self.ts += 1000
        return self.ts

    def user(self, localpart):
        return f"@{localpart}:{self.local}"

    def member_content(self, user, membership):
        """What Dendrite puts in a membership event: the profile's name and avatar, if set."""
        name, avatar = self.profiles.get(user, ("", ""))
        content = {"membership": membership}
        if name:
            content["displayname"] = name
        if avatar:
            content["avatar_url"] = avatar
        return content

    def script(self, name, version):
        s = Script(self, name, version)
        self.scripts.append(s)
        return s

    # --- the rooms ------------------------------------------------------------------------
    def public_room(self):
        alice, bob, carol = self.user("alice"), self.user("bob"), self.user("carol")
        r = self.script("public", "12")
        r.state("m.room.create", alice, {"room_version": "12"})
        r.join(alice)
        r.state("m.room.power_levels", alice, v12_power_levels())
        r.state("m.room.join_rules", alice, {"join_rule": "public"})
        r.state("m.room.history_visibility", alice, {"history_visibility": "shared"})
        r.state("m.room.name", alice, {"name": "Version 12 lobby"})
        r.state("m.room.topic", alice, {"topic": "A public room of version 12, made by Dendrite 0.15"})
        r.join(bob)
        r.say(alice, "welcome to a room whose ID is its create event's hash")
        r.join(carol)
        r.say(bob, "no server name in the room ID, then")
        r.say(carol, "and alice is not in the power levels at all")
        r.state("m.room.power_levels", alice, v12_power_levels({bob: 50}))
        r.say(alice, "bob may now rename the room; only creators change the power levels")
        r.say(bob, "thanks ✓")
        r.say(carol, "Grüße from carol")
        self.t.row("roomserver_published", r.room.room_id, "", "", True)
        return r

    def private_chat(self):
        alice, dave = self.user("alice"), self.user("dave")
        r = self.script("private", "12")
        r.state("m.room.create", alice, {"additional_creators": [dave], "room_version": "12"})
        r.join(alice)
        r.state("m.room.power_levels", alice, v12_power_levels())
        r.state("m.room.join_rules", alice, {"join_rule": "invite"})
        r.state("m.room.history_visibility", alice, {"history_visibility": "shared"})
        r.state("m.room.guest_access", alice, {"guest_access": "can_join"})
        r.invite(alice, dave, is_direct=True)
        r.join(dave)
        r.say(alice, "dave, you are a creator of this chat too")
        r.say(dave, "so neither of us is in the power levels")
        r.say(alice, "see you on Synapse")
        return r

    def upgraded_rooms(self):
        bob, erin = self.user("bob"), self.user("erin")
        old = self.script("upgrade_old", "11")
        old.state("m.room.create", bob, {"room_version": "11"})
        old.join(bob)
        pl = v12_power_levels({bob: 100})
        pl["events"]["m.room.tombstone"] = 100  # Dendrite's initial levels for versions before 12
        old.state("m.room.power_levels", bob, pl)
        old.state("m.room.join_rules", bob, {"join_rule": "invite"})
        old.state("m.room.history_visibility", bob, {"history_visibility": "shared"})
        old.state("m.room.name", bob, {"name": "Room about to be upgraded"})
        old.invite(bob, erin)
        old.join(erin)
        old.say(bob, "this room is of version 11")
        old.say(erin, "upgrade it to 12, please")
        # The upgrade (bob, no additional creators): the new room first.
        new = self.script("upgrade_new", "12")
        new.state("m.room.create", bob, {"predecessor": {"room_id": old.room.room_id}, "room_version": "12"})
        bob_member = dict(old.current(("m.room.member", bob)), membership="join")
        new.state("m.room.member", bob, bob_member, bob)
        old_pl = old.current(("m.room.power_levels", ""))
        new.state("m.room.power_levels", bob, dict(old_pl, users={u: p for u, p in old_pl["users"].items()
                                                                  if u != bob}))
        new.state("m.room.join_rules", bob, old.current(("m.room.join_rules", "")))
        new.state("m.room.guest_access", bob, {"guest_access": "forbidden"})
        for key in sorted(old.room.state):  # the rest of the state, members other than bob's left out
            if key[0] not in ("m.room.create", "m.room.member", "m.room.power_levels", "m.room.join_rules"):
                new.state(key[0], bob, old.current(key), key[1])
        # Then the old room: tombstone, an empty canonical alias, restricted power levels.
        old.state("m.room.tombstone", bob, {"body": "This room has been replaced",
                                            "replacement_room": new.room.room_id})
        old.state("m.room.canonical_alias", bob, {})
        old.state("m.room.power_levels", bob, dict(old_pl, events_default=50, invite=50))
        new.invite(bob, erin)
        new.join(erin)
        new.say(bob, "welcome to version 12")
        new.say(erin, "the old room points here now")
        return old, new

    def finish(self, out):
        for s in self.scripts:
            s.room.finish(self.local)
        self.server.finish()
        with open(os.path.join(out, "v12-rooms.sql"), "w") as f:
            self.t.write_additions(f)
        with open(os.path.join(out, "v12_rooms.json"), "w") as f:
            json.dump(expectations(self), f, indent=1, ensure_ascii=False)
            f.write("\n")


def expectations(fx):
    """What a client must see in each room, from the built events alone."""
    rooms = []
    for s in fx.scripts:
        events = [e.built for e in s.events]
        assert [b.depth for b in events] == list(range(1, len(events) + 1)), "a single chain of events"
        state = {}
        for b in events:
            if b.state_key is not None:
                state[(b.type, b.state_key)] = b
        create = events[0].event
        creators = [create["sender"]] + (create["content"].get("additional_creators", []) if s.v.v12 else [])
        joined = sorted(k[1] for k, b in state.items() if k[0] == "m.room.member"
                        and b.event["content"]["membership"] == "join")
        rooms.append({
            "name": s.name, "room_id": s.room.room_id, "room_version": s.v.ident,
            "create_event_id": events[0].event_id, "creators": creators, "joined": joined,
            "timeline": [b.event_id for b in events],
            "state": sorted([k[0], k[1], b.event_id] for k, b in state.items()),
            "power_levels": state[("m.room.power_levels", "")].event["content"],
            "events": {b.event_id: {k: b.event[k] for k in ("type", "sender", "content", "state_key")
                                    if k in b.event} for b in events},
        })
    return {"server_name": fx.local, "rooms": rooms}


def main():
    fixture_dir, out = sys.argv[1], sys.argv[2]
    spool = os.path.join(out, ".v12-spool")
    fx = Fixture(fixture_dir, spool)
    fx.public_room()
    fx.private_chat()
    fx.upgraded_rooms()
    fx.finish(out)
    for name in os.listdir(spool):
        os.remove(os.path.join(spool, name))
    os.rmdir(spool)
    n = sum(len(s.events) for s in fx.scripts)
    print(f"v12rooms: {n} events in {len(fx.scripts)} rooms ({', '.join(s.name for s in fx.scripts)})")


if __name__ == "__main__":
    main()
