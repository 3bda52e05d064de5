"""python -m harness.federation_move PHASE ...: the checks of scripts/tests/55-federation-move.

Phase `checks` runs on the moved server A (Synapse from convert + media + signing-key + the
`config` fragment, federation over the fragment's TLS listener) and its peer B (the real
Dendrite restored from the fixture's peer dump). Phase `controls` runs after the suite has
restarted A with a different signing key (same key id) and the federation stream position
lowered below the imported maximum: the checks that must then fail are run again.
Exit 0 only when every check passed and every control failed as it should.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.request
from pathlib import Path

from harness.check.http import q

from . import predicates as P
from .results import Results
from .servers import Side, User, load_sides, wait


def text(body: str) -> dict:
    return {"msgtype": "m.text", "body": body}


def exchange(a: Side, b: Side, rooms: dict, R: Results) -> dict:
    """Messages, reactions, edits and state changes both ways, in a room hosted on A (fed)
    and one hosted on B (zara_room). Returns the event ids later checks refer to."""
    alice, zara = a.users["alice"], b.users["zara"]
    fed, zroom = rooms["fed"], rooms["zara_room"]
    ids = {}

    def one(label: str, sender: User, reader: User, origin: Side, room: str, typ: str, content: dict,
            state_key: str | None = None) -> str:
        eid = sender.state(room, typ, state_key, content) if state_key is not None else sender.send(room, typ, content)
        R.check(f"exchange.{label}", *P.seen_and_accepted(reader, origin, room, eid,
                                                          {"type": typ, "sender": sender.user_id, "content": content}))
        ids[label] = eid
        return eid

    m_a = one("a_to_b.message", alice, zara, a, fed, "m.room.message", text("from A, now Synapse, after the move"))
    m_b = one("b_to_a.message", zara, alice, b, fed, "m.room.message", text("from B, still Dendrite, after the move"))
    one("b_to_a.reaction", zara, alice, b, fed, "m.reaction",
        {"m.relates_to": {"rel_type": "m.annotation", "event_id": m_a, "key": "👍"}})
    one("a_to_b.reaction", alice, zara, a, fed, "m.reaction",
        {"m.relates_to": {"rel_type": "m.annotation", "event_id": m_b, "key": "🎉"}})
    for label, who, reader, origin, orig in (("a_to_b.edit", alice, zara, a, m_a), ("b_to_a.edit", zara, alice, b, m_b)):
        one(label, who, reader, origin, fed, "m.room.message",
            {**text("* edited after the move"), "m.new_content": text("edited after the move"),
             "m.relates_to": {"rel_type": "m.replace", "event_id": orig}})
    one("a_to_b.state_topic", alice, zara, a, fed, "m.room.topic", {"topic": "moved to Synapse"}, "")
    member = zara.ok("GET", f"/rooms/{q(fed)}/state/m.room.member/{q(zara.user_id)}")
    one("b_to_a.state_displayname", zara, alice, b, fed, "m.room.member",
        {**member, "displayname": "Zara after the move"}, zara.user_id)
    one("a_to_b.message_in_b_room", alice, zara, a, zroom, "m.room.message", text("to B's room, from Synapse"))
    one("b_to_a.message_in_b_room", zara, alice, b, zroom, "m.room.message", text("B's room answers"))
    return ids


def ephemeral(a: Side, b: Side, rooms: dict, ids: dict, R: Results) -> None:
    """Typing notifications and read receipts both ways (EDUs over federation)."""
    fed = rooms["fed"]
    pairs = (("a_to_b", a.users["alice"], b.users["zara"], ids["b_to_a.message"]),
             ("b_to_a", b.users["zara"], a.users["alice"], ids["a_to_b.message"]))
    for label, s, r, read in pairs:
        s.ok("PUT", f"/rooms/{q(fed)}/typing/{q(s.user_id)}", {"typing": True, "timeout": 30000})
        R.check(f"typing.{label}", *P.ephemeral_seen(r, fed, "m.typing", lambda c, u=s.user_id: u in c.get("user_ids", [])))
        s.ok("POST", f"/rooms/{q(fed)}/receipt/m.read/{q(read)}", {})
        R.check(f"receipt.{label}", *P.ephemeral_seen(
            r, fed, "m.receipt", lambda c, u=s.user_id, e=read: u in c.get(e, {}).get("m.read", {})))
    bob = a.users["bob"]
    R.control("typing.a_to_b", P.ephemeral_seen(b.users["zara"], fed, "m.typing",
                                                 lambda c: bob.user_id in c.get("user_ids", []), 3)[0],
              "a user of A who is not typing")


def register_on_b(b: Side, name: str) -> User:
    body = {"username": name, "password": "fed-move-newbie-pw", "inhibit_login": False}
    status, r = b.http.call("POST", "/register", body=body)
    if status == 401:
        status, r = b.http.call("POST", "/register", body={**body, "auth": {"type": "m.login.dummy",
                                                                          "session": r.get("session")}})
    if status != 200:
        raise RuntimeError(f"register {name} on B: {status} {r}")
    return User(b, r["user_id"], r["device_id"], r["access_token"])


def join_b_to_a_by_invite(a: Side, b: Side, rooms: dict, R: Results) -> None:
    """B -> A through the invite A sent before the move, into a room B was never in: B
    backfills the room's history from Synapse."""
    alice, yuri = a.users["alice"], b.users["yuri"]
    room = rooms["invite_out"]
    alice.send(room, "m.room.message", text("said on A after the move, before yuri joined"))
    yuri.ok("POST", f"/join/{q(room)}", {})
    R.check("join.b_to_a.pending_invite", *P.member_is(alice, room, yuri.user_id, "join"))
    jid = P.member_event_id(alice, room, yuri.user_id)
    R.check("join.b_to_a.pending_invite.accepted", *P.seen_and_accepted(
        alice, b, room, jid, {"type": "m.room.member", "sender": yuri.user_id,
                              "content": alice.event(room, jid)["content"]}))
    a_view = P.page_back(alice, room)
    depth = a.depths()
    R.check("backfill.room_b_was_never_in", *P.same_history(P.page_back(yuri, room), a_view, depth))
    R.control("backfill.room_b_was_never_in", P.same_history(P.page_back(yuri, room, 2, 1), a_view, depth)[0],
              "B's user stops after one page of 2 events (creation not reached)")


def join_b_to_a_by_alias(a: Side, b: Side, rooms: dict, scenario: dict, R: Results) -> None:
    """B -> A through the room alias (directory query over federation), a brand-new B user
    who then sees the history A's users see."""
    alice = a.users["alice"]
    newbie = register_on_b(b, "newbie")
    status, r = newbie.call("POST", f"/join/{q(scenario['notes']['fed_alias'])}", {})
    R.check("join.b_to_a.alias_new_user", status == 200 and r.get("room_id") == rooms["fed"],
            f"newbie joined {scenario['notes']['fed_alias']}: {status} {r}")
    # Also waits until B has put the join in its sync stream (Dendrite does that asynchronously;
    # paging before it would miss the join itself).
    fed = rooms["fed"]
    jid = wait(lambda: P.member_event_id(newbie, fed, newbie.user_id), 60)
    content = newbie.ok("GET", f"/rooms/{q(fed)}/state/m.room.member/{q(newbie.user_id)}")
    R.check("join.b_to_a.alias_new_user.accepted", *P.seen_and_accepted(
        alice, b, fed, jid, {"type": "m.room.member", "sender": newbie.user_id, "content": content}))
    b_view, a_view = P.page_back(newbie, rooms["fed"]), P.page_back(alice, rooms["fed"])
    R.check("history.new_b_user_equals_a_view", *P.same_history(b_view, a_view, a.depths()))
    trimmed = (a_view[0][:1] + a_view[0][2:], True)
    R.control("history.new_b_user_equals_a_view", P.same_history(b_view, trimmed, a.depths())[0],
              "A's view without its second-newest event")


def join_a_to_b(a: Side, b: Side, rooms: dict, scenario: dict, R: Results) -> None:
    """A -> B: bob accepts zara's invite, which A holds only as an out-of-band membership;
    alice joins a room made on B after the move."""
    alice, bob, zara = a.users["alice"], a.users["bob"], b.users["zara"]
    inv = rooms["invite_in"]
    status, r = bob.call("POST", f"/join/{q(inv)}", {})
    R.check("join.a_to_b.pending_invite_out_of_band", status == 200, f"bob POST /join: {status} {r}")
    R.check("join.a_to_b.pending_invite_seen_on_b", *P.member_is(zara, inv, bob.user_id, "join"))
    # The message zara sent before inviting bob: A backfills it from B when bob pages back.
    msg = scenario["events"]["invite_in.msg"]["event_id"]
    events, done = P.page_back(bob, inv)
    R.check("join.a_to_b.backfill_to_creation", done and any(e["event_id"] == msg for e in events),
            f"bob paged back {len(events)} events on A (creation reached: {done})")
    R.check("join.a_to_b.history_before_the_invite", *P.seen_and_accepted(
        bob, b, inv, msg, {"type": "m.room.message", "sender": zara.user_id,
                           "content": text("secret-ish room on the peer")}))
    # A -> B into a room created on B after the move.
    new_room = zara.ok("POST", "/createRoom", {"preset": "public_chat", "name": "made on B after the move"})["room_id"]
    status, r = alice.call("POST", f"/join/{q(new_room)}", {}, params={"server_name": b.server_name})
    R.check("join.a_to_b.new_room", status == 200, f"alice POST /join: {status} {r}")
    R.check("join.a_to_b.new_room_seen_on_b", *P.member_is(zara, new_room, alice.user_id, "join"))


def to_device(a: Side, b: Side, R: Results) -> None:
    bob, yuri = a.users["bob"], b.users["yuri"]
    for label, s, r in (("a_to_b", bob, yuri), ("b_to_a", yuri, bob)):
        nonce = f"{label}-{s.txn()}"
        s.ok("PUT", f"/sendToDevice/org.example.ping/{s.txn()}",
             {"messages": {r.user_id: {r.device_id: {"nonce": nonce}}}})
        R.check(f"to_device.{label}", *P.to_device_received(r, s.user_id, nonce))
    R.control("to_device.a_to_b", P.to_device_received(yuri, bob.user_id, "never-sent", 3)[0],
              "a nonce that was never sent")


def media(a: Side, b: Side, fixture: Path, scenario: dict, R: Results) -> None:
    """B's user downloads A's media through B (B fetches it from Synapse over federation)."""
    zara, alice = b.users["zara"], a.users["alice"]
    recorded = json.loads((fixture / "expected" / "media.json").read_text())
    pre = sorted(name for name, m in scenario["media"].items() if not m.get("remote"))
    R.check("media.pre_move.present", len(pre) >= 2, f"local uploads made on A before the dump: {pre}")
    for name in pre:
        sha = recorded[name]["download"]["sha256"]   # what Dendrite served before the move
        R.check(f"media.pre_move.{name}", *P.media_equal(zara, scenario["media"][name]["mxc"], sha))
    data = hashlib.sha256(b"post-move").digest() * 2000
    mxc = upload(alice, data)
    R.check("media.post_move", *P.media_equal(zara, mxc, hashlib.sha256(data).hexdigest()))
    R.control("media.pre_move", P.media_equal(zara, f"mxc://{a.server_name}/neverUploadedOnA", "0" * 64)[0],
              "a media id A never had")
    if len(pre) >= 2:
        R.control("media.pre_move.bytes",
                  P.media_equal(zara, scenario["media"][pre[0]]["mxc"], recorded[pre[1]]["download"]["sha256"])[0],
                  f"{pre[0]} compared with {pre[1]}'s recorded sha256")


def upload(user: User, data: bytes) -> str:
    req = urllib.request.Request(user.side.http.base + "/_matrix/media/v3/upload?filename=after.bin", data=data,
                                 method="POST", headers={"Authorization": f"Bearer {user.token}",
                                                         "Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())["content_uri"]


DOWNTIME_TEXT = "sent by B while A was down for the move"


def phase_downtime(args, b: Side, scenario: dict) -> None:
    """While A is down (moved, not started yet): B's user speaks in A's room; B queues the
    transaction and retries with backoff."""
    eid = b.users["zara"].send(scenario["rooms"]["fed"], "m.room.message", text(DOWNTIME_TEXT))
    Path(args.downtime).write_text(json.dumps({"event_id": eid}))
    print(f"downtime: B sent {eid} while A was down", flush=True)


def phase_checks(args, a: Side, b: Side, scenario: dict, R: Results) -> None:
    fixture = Path(args.fixture)
    expected_keys = json.loads((fixture / "expected" / "server_keys.json").read_text())["body"]
    R.check("tls_listener.serves_the_migrated_key", *P.tls_serves_key(args.a_tls_port, expected_keys))
    if args.downtime:
        eid = json.loads(Path(args.downtime).read_text())["event_id"]
        zara = b.users["zara"]
        R.check("downtime.b_queued_then_delivered", *P.seen_and_accepted(
            a.users["alice"], b, scenario["rooms"]["fed"], eid,
            {"type": "m.room.message", "sender": zara.user_id, "content": text(DOWNTIME_TEXT)}, timeout=90))
    rooms = scenario["rooms"]
    ids: dict = {}
    R.guarded("exchange", lambda: ids.update(exchange(a, b, rooms, R)))
    R.guarded("ephemeral", lambda: ephemeral(a, b, rooms, ids, R))
    R.guarded("join.b_to_a.pending_invite", lambda: join_b_to_a_by_invite(a, b, rooms, R))
    R.guarded("join.b_to_a.alias_new_user", lambda: join_b_to_a_by_alias(a, b, rooms, scenario, R))
    R.guarded("join.a_to_b", lambda: join_a_to_b(a, b, rooms, scenario, R))
    R.guarded("to_device", lambda: to_device(a, b, R))
    from . import crypto   # needs matrix-nio[e2e]
    R.guarded("megolm", lambda: crypto.run(fixture, a.http.base, b.http.base, b.users["zara"], rooms["fed_secret"], R))
    R.guarded("media", lambda: media(a, b, fixture, scenario, R))


def phase_controls(args, a: Side, b: Side, scenario: dict, R: Results) -> None:
    fixture = Path(args.fixture)
    expected_keys = json.loads((fixture / "expected" / "server_keys.json").read_text())["body"]
    R.control("tls_listener.serves_the_migrated_key", P.tls_serves_key(args.a_tls_port, expected_keys)[0],
              "A restarted with a different signing key under the same key id")
    alice, zara, fed = a.users["alice"], b.users["zara"], scenario["rooms"]["fed"]
    content = text("signed with a key B does not know")
    eid = alice.send(fed, "m.room.message", content)
    R.control("exchange.a_to_b.message",
              P.seen_and_accepted(zara, a, fed, eid, {"type": "m.room.message", "sender": alice.user_id,
                                                      "content": content}, timeout=20)[0],
              "a message from A signed with the different key")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m harness.federation_move", description=__doc__)
    ap.add_argument("phase", choices=["downtime", "checks", "controls", "replay"])
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--a-url", required=True)
    ap.add_argument("--b-url", required=True)
    ap.add_argument("--a-dsn", required=True)
    ap.add_argument("--b-dsn", required=True)
    ap.add_argument("--a-tls-port", type=int, required=True)
    ap.add_argument("--imported", help="file of the event ids loaded from the dump (replay)")
    ap.add_argument("--log", help="Synapse's homeserver.log (replay)")
    ap.add_argument("--control", action="store_true", help="replay: this log must show replays")
    ap.add_argument("--downtime", help="file of the event B sent while A was down")
    ap.add_argument("--results", required=True)
    args = ap.parse_args(argv)
    a, b, scenario = load_sides(Path(args.fixture), args.a_url, args.b_url, args.a_dsn, args.b_dsn)
    R = Results()
    if args.phase == "downtime":
        phase_downtime(args, b, scenario)
        return 0
    if args.phase == "checks":
        phase_checks(args, a, b, scenario, R)
    elif args.phase == "controls":
        phase_controls(args, a, b, scenario, R)
    else:
        imported = set(Path(args.imported).read_text().split())
        ok, detail = P.only_post_move(Path(args.log), b.server_name, imported)
        if args.control:
            R.control("nothing_replayed", ok, f"federation stream position lowered below the imported maximum: {detail}")
        else:
            R.check("nothing_replayed", ok, detail)
    R.save(args.results)
    print(R.summary(args.phase), flush=True)
    return 1 if R.failed else 0


if __name__ == "__main__":
    sys.exit(main())
