"""The v12 fixture's rooms after the move (issue 14): ask a Synapse loaded with the converted
fixtures/dendrite-0.15/v12 about the rooms harness/gendump/v12rooms.py built, and compare with
`v12_rooms.json`, the answers derived from the built events alone (never from the converter).

For every room, as each joined user (tokens from the fixture's clients/credentials.json):
  - `/rooms/{id}/state`: exactly the expected (type, state key, event ID) rows;
  - `/rooms/{id}/state/m.room.power_levels`: the expected content (in v12 rooms no creator is
    listed: their power comes from the create event);
and as the first joined user:
  - the create event, served under its ID (for v12: `$` + the room ID without its `!`);
  - `/messages?dir=b`: the whole history, newest first;
  - `/context/{event}` of the middle event: the 5 events before and the 5 after it;
  - the upgrade: the new room's create event names the old room as predecessor, the old
    room's tombstone names the new room;
  - each member's initial `/sync` has each of its rooms joined with the newest event last; the
    public room is in the room directory (its name and member count), the private chat is not.
Then, unless --negative-control, writes checked against Synapse's auth rules:
  - public room: alice (the creator, listed nowhere) sends a message, sets the topic and
    changes the power levels; bob (power 50, not a creator) renames the room — all accepted;
    bob changing the power levels (needs 100) and carol (power 0) setting the topic are refused;
  - private chat: dave (an additional creator) sends a message, renames it, changes the power
    levels — accepted;
  - upgraded room: bob (its creator) sends a message — accepted; erin (power 0) setting the
    topic is refused; in the old room erin's message is refused (events_default raised to 50 by
    the upgrade) while bob's is accepted.

--negative-control: the public room's expected state has its topic event replaced by the name
event, and the private chat's newest event is dropped from its expected history (altered
expectations); the run must then fail (and writes nothing).

usage: python -m harness.gendump.ask_fixture_v12 FIXTURE_DIR BASE_URL [--negative-control]
"""

import json
import sys
import urllib.parse

from .ask_synapse_v12 import call


class Asker:
    def __init__(self, base):
        self.base, self.checked, self.bad = base, 0, 0

    def diff(self, ok, text):
        self.checked += 1
        if not ok:
            self.bad += 1
            print("DIFF " + text)

    def get(self, path, token):
        return call(self.base, "GET", path, token)

    def put(self, path, token, body):
        return call(self.base, "PUT", path, token, body)


def tokens(fixture):
    with open(f"{fixture}/clients/credentials.json") as f:
        creds = json.load(f)
    out = {}
    for _name, c in sorted(creds.items()):
        out.setdefault(c["user_id"], c["access_token"])
    return out


def read_checks(a, room, token):
    q, exp = urllib.parse.quote(room["room_id"]), room["events"]
    want_state = sorted(tuple(r) for r in room["state"])
    for user in room["joined"]:
        st, got = a.get(f"/rooms/{q}/state", token[user])
        rows = sorted((e["type"], e["state_key"], e["event_id"]) for e in got) if st == 200 else []
        a.diff(st == 200 and rows == want_state, f"{room['name']} state as {user}: {st}, "
               f"missing {sorted(set(want_state) - set(rows))[:3]}, unexpected {sorted(set(rows) - set(want_state))[:3]}")
        st, pl = a.get(f"/rooms/{q}/state/m.room.power_levels", token[user])
        a.diff(st == 200 and pl == room["power_levels"], f"{room['name']} power levels as {user}: {st} {pl}")
    tok = token[room["joined"][0]]
    create = room["create_event_id"]
    st, ev = a.get(f"/rooms/{q}/event/{urllib.parse.quote(create)}", tok)
    a.diff(st == 200 and ev.get("type") == "m.room.create" and ev.get("content") == exp[create]["content"],
           f"{room['name']} create event {create}: {st} {str(ev)[:200]}")
    if room["room_version"] == "12":
        a.diff(create == "$" + room["room_id"][1:], f"{room['name']}: room ID is not the create event's hash")
    st, resp = a.get(f"/rooms/{q}/messages?dir=b&limit=100", tok)
    got = [e["event_id"] for e in resp.get("chunk", [])]
    a.diff(st == 200 and got == room["timeline"][::-1], f"{room['name']} messages: {st}, {len(got)} events, "
           f"expected {len(room['timeline'])}")
    i = len(room["timeline"]) // 2
    mid = room["timeline"][i]
    st, ctx = a.get(f"/rooms/{q}/context/{urllib.parse.quote(mid)}?limit=10", tok)
    before = [e["event_id"] for e in ctx.get("events_before", [])]
    after = [e["event_id"] for e in ctx.get("events_after", [])]
    a.diff(st == 200 and ctx["event"]["event_id"] == mid and before == room["timeline"][i - 5:i][::-1]
           and after == room["timeline"][i + 1:i + 6], f"{room['name']} context {mid}: {st}")


def upgrade_checks(a, rooms, token):
    old, new = rooms["upgrade_old"], rooms["upgrade_new"]
    tok = token[new["joined"][0]]
    st, create = a.get(f"/rooms/{urllib.parse.quote(new['room_id'])}/state/m.room.create", tok)
    a.diff(st == 200 and create.get("predecessor", {}).get("room_id") == old["room_id"],
           f"upgrade: new room's create content {st} {create}")
    st, tomb = a.get(f"/rooms/{urllib.parse.quote(old['room_id'])}/state/m.room.tombstone", tok)
    a.diff(st == 200 and tomb.get("replacement_room") == new["room_id"], f"upgrade: old room's tombstone {st} {tomb}")


def sync_and_directory_checks(a, spec, token):
    """Each member's initial /sync has the room joined, its newest event last in the timeline;
    the public room is in the room directory (published), the private chat is not."""
    newest, members = {}, {}
    for room in spec["rooms"]:
        newest[room["room_id"]] = room["timeline"][-1]
        for user in room["joined"]:
            members.setdefault(user, []).append(room)
    flt = urllib.parse.quote(json.dumps({"room": {"timeline": {"limit": 1}}}))
    for user, rooms in sorted(members.items()):
        st, resp = a.get(f"/sync?timeout=0&filter={flt}", token[user])
        joined = resp.get("rooms", {}).get("join", {}) if st == 200 else {}
        for room in rooms:
            events = joined.get(room["room_id"], {}).get("timeline", {}).get("events", [])
            last = events[-1]["event_id"] if events else None
            a.diff(last == newest[room["room_id"]], f"{room['name']} /sync as {user}: {st}, newest {last}")
    by_name = {r["name"]: r for r in spec["rooms"]}
    st, resp = a.get("/publicRooms?limit=100", token[by_name["public"]["joined"][0]])
    listed = {r["room_id"]: r for r in resp.get("chunk", [])}
    want = by_name["public"]
    name_id = next(r[2] for r in want["state"] if r[0] == "m.room.name")
    pub = listed.get(want["room_id"], {})
    a.diff(st == 200 and pub.get("name") == want["events"][name_id]["content"]["name"]
           and pub.get("num_joined_members") == len(want["joined"]) and by_name["private"]["room_id"] not in listed,
           f"room directory: {st} {pub}")


def expect(a, what, st, ans, ok_status):
    a.diff(st == ok_status, f"{what}: {st} {str(ans)[:200]}, expected {ok_status}")


def write_checks(a, rooms, token, user):
    pub = rooms["public"]
    q = urllib.parse.quote(pub["room_id"])
    alice, bob, carol, dave, erin = (user(x) for x in ("alice", "bob", "carol", "dave", "erin"))
    expect(a, "public: creator alice's message", *a.put(f"/rooms/{q}/send/m.room.message/v12-1", token[alice],
                                                         {"msgtype": "m.text", "body": "after the move"}), 200)
    expect(a, "public: creator alice sets the topic",
           *a.put(f"/rooms/{q}/state/m.room.topic", token[alice], {"topic": "moved to Synapse"}), 200)
    pl = dict(pub["power_levels"], users={**pub["power_levels"]["users"], carol: 10})
    expect(a, "public: creator alice changes the power levels",
           *a.put(f"/rooms/{q}/state/m.room.power_levels", token[alice], pl), 200)
    expect(a, "public: bob (power 50) renames the room",
           *a.put(f"/rooms/{q}/state/m.room.name", token[bob], {"name": "renamed by bob"}), 200)
    expect(a, "public: bob (power 50) changes the power levels",
           *a.put(f"/rooms/{q}/state/m.room.power_levels", token[bob], dict(pl, users={**pl["users"], bob: 100})), 403)
    expect(a, "public: carol (power 10) sets the topic",
           *a.put(f"/rooms/{q}/state/m.room.topic", token[carol], {"topic": "carol's"}), 403)
    priv = rooms["private"]
    q = urllib.parse.quote(priv["room_id"])
    expect(a, "private: additional creator dave's message", *a.put(
        f"/rooms/{q}/send/m.room.message/v12-2", token[dave], {"msgtype": "m.text", "body": "dave here"}), 200)
    expect(a, "private: additional creator dave renames it",
           *a.put(f"/rooms/{q}/state/m.room.name", token[dave], {"name": "alice and dave"}), 200)
    pl = dict(priv["power_levels"], events={**priv["power_levels"]["events"], "m.room.name": 0})
    expect(a, "private: additional creator dave changes the power levels",
           *a.put(f"/rooms/{q}/state/m.room.power_levels", token[dave], pl), 200)
    new, old = rooms["upgrade_new"], rooms["upgrade_old"]
    q = urllib.parse.quote(new["room_id"])
    expect(a, "upgraded: creator bob's message", *a.put(
        f"/rooms/{q}/send/m.room.message/v12-3", token[bob], {"msgtype": "m.text", "body": "moved"}), 200)
    expect(a, "upgraded: erin (power 0) sets the topic",
           *a.put(f"/rooms/{q}/state/m.room.topic", token[erin], {"topic": "erin's"}), 403)
    q = urllib.parse.quote(old["room_id"])
    expect(a, "old room: erin's message (events_default 50 after the upgrade)", *a.put(
        f"/rooms/{q}/send/m.room.message/v12-4", token[erin], {"msgtype": "m.text", "body": "still here?"}), 403)
    expect(a, "old room: bob's message (power 100)", *a.put(
        f"/rooms/{q}/send/m.room.message/v12-5", token[bob], {"msgtype": "m.text", "body": "go to the new room"}), 200)


def main():
    fixture, base = sys.argv[1], sys.argv[2].rstrip("/")
    negative = "--negative-control" in sys.argv[3:]
    with open(f"{fixture}/v12_rooms.json") as f:
        spec = json.load(f)
    rooms = {r["name"]: r for r in spec["rooms"]}
    if negative:
        pub = rooms["public"]
        name_id = next(r[2] for r in pub["state"] if r[0] == "m.room.name")
        pub["state"] = [r if r[0] != "m.room.topic" else [r[0], r[1], name_id] for r in pub["state"]]
        rooms["private"]["timeline"].pop()  # as if the newest event had not been carried
    token = tokens(fixture)
    a = Asker(base)
    for room in spec["rooms"]:
        read_checks(a, room, token)
    upgrade_checks(a, rooms, token)
    sync_and_directory_checks(a, spec, token)
    if not negative:
        write_checks(a, rooms, token, lambda lp: f"@{lp}:{spec['server_name']}")
    print(f"ask-fixture-v12: {len(spec['rooms'])} rooms "
          f"({', '.join(r['name'] + ' v' + r['room_version'] for r in spec['rooms'])}), "
          f"{a.checked} answers compared, {a.bad} differ{' (negative control)' if negative else ''}")
    sys.exit(1 if a.bad else 0)


if __name__ == "__main__":
    main()
