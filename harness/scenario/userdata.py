"""Per-user data: tags, global and room account data, push rules (added, disabled,
actions changed), an HTTP pusher, filters, ignored users, presence, server notices."""
from __future__ import annotations

from .client import q
from .world import World

# Nothing listens there (a port of the fixture range); Dendrite only accepts https
# push gateways. Its pushes just fail.
PUSH_URL = "https://127.0.0.1:18099/_matrix/push/v1/notify"


async def tags(w: World) -> None:
    a = w.dev("alice")
    for room, tag, order in (("lobby", "m.favourite", 0.25), ("dm", "u.work", 0.5),
                             ("lobby", "u.social", None)):
        body = {} if order is None else {"order": order}
        await a.api("PUT", f"/user/{q(a.user_id)}/rooms/{q(w.rooms[room])}/tags/{q(tag)}", body)
        w.mark_account_data("alice", "m.tag", room)
    b = w.dev("bob")
    await b.api("PUT", f"/user/{q(b.user_id)}/rooms/{q(w.rooms['dm'])}/tags/m.lowpriority", {})
    w.mark_account_data("bob", "m.tag", "dm")


async def account_data(w: World) -> None:
    a = w.dev("alice")
    await a.api("PUT", f"/user/{q(a.user_id)}/account_data/org.example.settings",
                {"theme": "dark", "languages": ["en", "de"], "nested": {"ß": "ü", "n": 3}})
    w.mark_account_data("alice", "org.example.settings")
    await a.api("PUT", f"/user/{q(a.user_id)}/rooms/{q(w.rooms['lobby'])}/account_data/org.example.room_note",
                {"note": "remember to welcome newcomers"})
    w.mark_account_data("alice", "org.example.room_note", "lobby")
    # Overwritten value: only the last one must survive.
    c = w.dev("carol")
    for v in (1, 2):
        await c.api("PUT", f"/user/{q(c.user_id)}/account_data/org.example.counter", {"value": v})
    w.mark_account_data("carol", "org.example.counter")


async def ignored_users(w: World) -> None:
    a = w.dev("alice")
    await a.api("PUT", f"/user/{q(a.user_id)}/account_data/m.ignored_user_list",
                {"ignored_users": {w.uid("frank"): {}}})
    w.mark_account_data("alice", "m.ignored_user_list")


async def push_rules(w: World) -> None:
    a = w.dev("alice")
    base = "/pushrules/global"
    await a.api("PUT", f"{base}/content/coffee", {
        "pattern": "coffee", "actions": ["notify", {"set_tweak": "sound", "value": "default"}]})
    await a.api("PUT", f"{base}/override/org.example.mute_bots", {
        "conditions": [{"kind": "event_match", "key": "sender", "pattern": "@_bridge_*"}],
        "actions": []})
    await a.api("PUT", f"{base}/room/{q(w.rooms['dm'])}", {"actions": ["notify"]})
    await a.api("PUT", f"{base}/sender/{q(w.uid('bob'))}",
                {"actions": ["notify", {"set_tweak": "highlight"}]})
    await a.api("PUT", f"{base}/override/.m.rule.suppress_notices/enabled", {"enabled": False})
    await a.api("PUT", f"{base}/content/coffee/enabled", {"enabled": False})
    await a.api("PUT", f"{base}/underride/.m.rule.message/actions",
                {"actions": ["notify", {"set_tweak": "sound", "value": "ping"}]})
    w.mark_account_data("alice", "m.push_rules")


async def pusher(w: World) -> None:
    a = w.dev("alice")
    await a.api("POST", "/pushers/set", {
        "kind": "http", "app_id": "org.example.app", "pushkey": "alice-pushkey-ALICEPHONE",
        "app_display_name": "Example App", "device_display_name": "Alice's phone",
        "profile_tag": "tag1", "lang": "en",
        "data": {"url": PUSH_URL, "format": "event_id_only"}})


async def filters(w: World) -> None:
    for who, fname, body in (
        ("alice", "alice_timeline", {"room": {"timeline": {"limit": 20}, "state": {"lazy_load_members": True}},
                                     "presence": {"not_types": ["*"]}}),
        ("bob", "bob_minimal", {"event_fields": ["type", "content.body"],
                                "room": {"rooms": [w.rooms["lobby"]], "timeline": {"types": ["m.room.message"]}}}),
    ):
        d = w.dev(who)
        r = await d.api("POST", f"/user/{q(d.user_id)}/filter", body)
        w.filters[fname] = {"user": who, "filter_id": r["filter_id"], "body": body}


async def presence(w: World) -> None:
    for who, state, msg in (("alice", "unavailable", "In a meeting 📅"), ("bob", "online", "Working")):
        d = w.dev(who)
        await d.api("PUT", f"/presence/{q(d.user_id)}/status", {"presence": state, "status_msg": msg})


async def server_notice(w: World) -> None:
    admin = w.dev("admin")
    r = await admin.api("POST", "/_synapse/admin/v1/send_server_notice", {
        "user_id": w.uid("carol"),
        "content": {"msgtype": "m.text", "body": "Scheduled downtime on Sunday"}})
    w.notes["server_notice_event"] = r.get("event_id")


async def run(w: World) -> None:
    await tags(w)
    await account_data(w)
    await ignored_users(w)
    await push_rules(w)
    await pusher(w)
    await filters(w)
    await server_notice(w)
    await presence(w)
