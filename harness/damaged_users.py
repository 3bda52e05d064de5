"""damaged_users.py URL EXPECT SEED: the local users of a damaged-corpus case whose IDs Synapse
would not register today, as a running Synapse serves them after the move.

The case's dump comes from scripts/gen-dump (`-- base: gen-dump ... --seed SEED`), so every
account's password is the generator's (`harness.gendump.gen.password_for`). EXPECT is the case's
expect file (scripts/make-damaged-corpus, read from the damaged database): its `user-kept` lines
name the users, its `current-membership` lines what Dendrite's sync API held for them. Per user:

  - password login with the localpart as Dendrite had it gives exactly that user ID, and
    /account/whoami says the same (no case folding, no truncation);
  - /joined_rooms is exactly the rooms Dendrite's sync API had them joined to, and in each their
    member event reads `join` and /messages holds events they sent;
  - a new message: accepted for an ID of at most 255 bytes; refused with 413 M_TOO_LARGE for a
    longer one, which is Synapse's size rule for every event's sender (event_auth's size limits),
    not something the move lost.

Prints `ok: ...` or `FAIL: ...` per check; exit 1 if any failed.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.check.http import Client, q  # noqa: E402
from harness.gendump.gen import password_for  # noqa: E402

failures = 0


def check(cond: bool, what: str) -> None:
    global failures
    print(("ok: " if cond else "FAIL: ") + what)
    failures += 0 if cond else 1


def read_expect(path: str) -> tuple[list[str], dict[str, set[str]]]:
    users, joined = [], defaultdict(set)
    for line in Path(path).read_text().splitlines():
        kind, ident, *value = line.split("\t")
        if kind == "user-kept":
            users.append(ident)
        elif kind == "current-membership" and value == ["join"]:
            room, user = ident.split(" ")
            joined[user].add(room)
    return users, joined


def probe(c: Client, user: str, rooms: set[str], seed: str) -> None:
    localpart = user[1:].split(":")[0]
    name = f"{user[:24]}… ({len(user.encode())} bytes)"
    status, body = c.call("POST", "/login", body={"type": "m.login.password", "password": password_for(localpart, seed),
                                                  "identifier": {"type": "m.id.user", "user": localpart}})
    check(status == 200 and body.get("user_id") == user, f"{name}: login gives the same ID ({status})")
    if status != 200:
        return
    token = body["access_token"]
    _, who = c.call("GET", "/account/whoami", token)
    check(who.get("user_id") == user, f"{name}: whoami")
    _, jr = c.call("GET", "/joined_rooms", token)
    got = set(jr.get("joined_rooms", []))
    check(got == rooms, f"{name}: joined rooms as in Dendrite's sync API ({len(got)}; expected {len(rooms)})")
    for room in sorted(rooms & got):
        _, member = c.call("GET", f"/rooms/{q(room)}/state/m.room.member/{q(user)}", token)
        _, msgs = c.call("GET", f"/rooms/{q(room)}/messages", token, params={"dir": "b", "limit": "1000"})
        own = sum(1 for e in msgs.get("chunk", []) if e.get("sender") == user)
        check(member.get("membership") == "join" and own > 0, f"{name}: {room}: member event join, {own} own events")
    if not rooms:
        return
    room = sorted(rooms)[0]
    status, body = c.call("PUT", f"/rooms/{q(room)}/send/m.room.message/d2s-probe", token,
                          body={"msgtype": "m.text", "body": "after the move"})
    if len(user.encode()) <= 255:
        check(status == 200 and "event_id" in body, f"{name}: a new message is accepted ({status})")
    else:
        check(status == 413 and body.get("errcode") == "M_TOO_LARGE",
              f"{name}: a new message is refused as Synapse refuses every sender over 255 bytes ({status} {body})")


def main(url: str, expect: str, seed: str) -> int:
    users, joined = read_expect(expect)
    check(bool(users), f"{len(users)} users to probe")
    c = Client(url)
    for user in users:
        probe(c, user, joined[user], seed)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
