"""Timeline events: messages of every kind, edits, reactions, threads, replies,
redactions, receipts and read markers. Everything goes through the client API."""
from __future__ import annotations

from .client import q
from .world import World


async def send(w: World, who: str, room: str, content: dict, name: str | None = None,
               typ: str = "m.room.message") -> str:
    d = w.dev(who)
    r = await d.api("PUT", f"/rooms/{q(w.rooms[room])}/send/{q(typ)}/{d.next_txn()}", content)
    if name:
        w.event(name, room, r["event_id"])
    return r["event_id"]


async def state(w: World, who: str, room: str, typ: str, content: dict, key: str = "",
                name: str | None = None) -> str:
    d = w.dev(who)
    r = await d.api("PUT", f"/rooms/{q(w.rooms[room])}/state/{q(typ)}/{q(key)}", content)
    if name:
        w.event(name, room, r["event_id"])
    return r["event_id"]


def text(body: str, msgtype: str = "m.text") -> dict:
    return {"msgtype": msgtype, "body": body}


async def redact(w: World, who: str, event: str, reason: str, name: str | None = None) -> str:
    d = w.dev(who)
    e = w.events[event]
    r = await d.api("PUT", f"/rooms/{q(e['room_id'])}/redact/{q(e['event_id'])}/{d.next_txn()}",
                    {"reason": reason})
    if name:
        w.event(name, e["room"], r["event_id"])
    return r["event_id"]


async def conversation(w: World, room: str) -> None:
    """The message zoo in one room: each kind the spec defines that clients show."""
    ev = lambda n: w.events[n]["event_id"]  # noqa: E731
    await send(w, "alice", room, text("Hello everyone! 👋 Grüße"), name=f"{room}.hello")
    await send(w, "bob", room, text("Hi Alice"), name=f"{room}.hi")
    await send(w, "bob", room, {"msgtype": "m.text", "body": "**bold** reply",
                                "format": "org.matrix.custom.html",
                                "formatted_body": "<strong>bold</strong> reply"},
               name=f"{room}.html")
    await send(w, "alice", room, text("Server maintenance at 10:00", "m.notice"),
               name=f"{room}.notice")
    await send(w, "carol", room, text("waves", "m.emote"), name=f"{room}.emote")
    # An edit (m.replace) of alice's greeting.
    await send(w, "alice", room, {
        "msgtype": "m.text", "body": "* Hello everyone! (edited)",
        "m.new_content": {"msgtype": "m.text", "body": "Hello everyone! (edited)"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": ev(f"{room}.hello")}},
        name=f"{room}.edit")
    # Reactions.
    for who, key in (("bob", "👍"), ("carol", "👍"), ("carol", "🎉")):
        await send(w, who, room, {"m.relates_to": {
            "rel_type": "m.annotation", "event_id": ev(f"{room}.hello"), "key": key}},
            typ="m.reaction", name=f"{room}.reaction.{who}.{key}")
    # A reply.
    await send(w, "carol", room, {
        "msgtype": "m.text", "body": "> <@bob> Hi Alice\n\nreplying to bob",
        "m.relates_to": {"m.in_reply_to": {"event_id": ev(f"{room}.hi")}}},
        name=f"{room}.reply")
    # A thread: root plus two replies.
    await send(w, "bob", room, text("Thread root: lunch?"), name=f"{room}.thread_root")
    for i, who in enumerate(("alice", "carol")):
        await send(w, who, room, {
            "msgtype": "m.text", "body": f"thread reply {i + 1}",
            "m.relates_to": {"rel_type": "m.thread", "event_id": ev(f"{room}.thread_root"),
                             "is_falling_back": True,
                             "m.in_reply_to": {"event_id": ev(f"{room}.thread_root")}}},
            name=f"{room}.thread_reply{i + 1}")
    # A message that is then redacted.
    await send(w, "bob", room, text("oops, my password is hunter2"), name=f"{room}.secret")
    await redact(w, "bob", f"{room}.secret", "posted by mistake", name=f"{room}.redaction")
    await send(w, "alice", room, text("last words for now"), name=f"{room}.last")


async def redact_state(w: World) -> None:
    """Redact a room's current topic (state event) and an older name event."""
    await redact(w, "bob", "v5.topic", "topic was wrong", name="v5.topic_redaction")
    await redact(w, "alice", "lobby.name2", "old name, redacted", name="lobby.name2_redaction")


async def private_receipt(w: World, who: str, room: str, event: str) -> None:
    d = w.dev(who)
    await d.api("POST", f"/rooms/{q(w.rooms[room])}/receipt/m.read.private/"
                f"{q(w.events[event]['event_id'])}", {})


async def receipts(w: World, who: str, room: str, event: str, fully_read: str) -> None:
    """Public read receipt + fully-read marker, as a client sets them together."""
    d = w.dev(who)
    rid = w.rooms[room]
    await d.api("POST", f"/rooms/{q(rid)}/read_markers", {
        "m.fully_read": w.events[fully_read]["event_id"],
        "m.read": w.events[event]["event_id"]})
    w.mark_account_data(who, "m.fully_read", room)
