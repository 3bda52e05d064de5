"""Expected answers: Dendrite's own responses, recorded before it is stopped.

For every local user (through their main device) the client-API calls whose
answers a migration must preserve; per device the full-state /sync. Errors are
answers too (a 403 for a room a user never joined must stay a 403), so each file
holds {"status": ..., "body": ...}. Files are key-sorted, pretty JSON.
"""
from __future__ import annotations

import hashlib
from typing import Any

from .client import Device, q
from .world import World, dump_json

THUMBNAILS = [(32, 32, "crop"), (96, 96, "crop"), (640, 480, "scale"), (50, 50, "scale")]


async def answer(d: Device | None, w: World, method: str, path: str, body: Any = None,
                 params: dict | None = None) -> dict:
    if not path.startswith("/_matrix"):
        path = "/_matrix/client/v3" + path
    token = d.token if d else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with w.server.session.request(method, w.server.base_url + path, headers=headers,
                                        json=body, params=params) as r:
        try:
            data = await r.json(content_type=None)
        except ValueError:
            data = {"non_json_bytes": len(await r.read())}
        return {"status": r.status, "request": f"{method} {path}",
                **({"params": params} if params else {}), "body": data}


async def save(w: World, rel: str, d: Device | None, method: str, path: str, **kw) -> dict:
    a = await answer(d, w, method, path, **kw)
    dump_json(w.out / "expected" / rel, a)
    return a


async def paginate(w: World, d: Device, room_id: str, start: str) -> dict:
    """/messages backwards from `start` to the beginning of the room."""
    pages, token = [], start
    for _ in range(200):
        a = await answer(d, w, "GET", f"/rooms/{q(room_id)}/messages",
                         params={"dir": "b", "limit": "10", "from": token})
        pages.append(a)
        b = a["body"]
        if a["status"] != 200 or not b.get("chunk") or not b.get("end") or b["end"] == token:
            break
        token = b["end"]
    return {"from": start, "pages": pages}


def context_points(w: World, room: str) -> list[str]:
    """First, middle and last named event of a room."""
    names = [n for n, e in w.events.items() if e["room"] == room]
    if not names:
        return []
    picks = {names[0], names[len(names) // 2], names[-1]}
    return [n for n in names if n in picks]


async def record_user(w: World, name: str) -> None:
    d = w.dev(name)
    uid = d.user_id
    base = name
    sync = await save(w, f"{base}/sync_full_state.json", d, "GET", "/sync",
                      params={"full_state": "true", "timeout": "0"})
    since = sync["body"].get("next_batch", "")
    for rel, path in [("whoami", "/account/whoami"), ("joined_rooms", "/joined_rooms"),
                      ("profile", f"/profile/{q(uid)}"), ("devices", "/devices"),
                      ("pushrules", "/pushrules/"), ("pushers", "/pushers"),
                      ("presence", f"/presence/{q(uid)}/status"),
                      ("room_keys_version", "/room_keys/version"),
                      ("threepids", "/account/3pid")]:
        await save(w, f"{base}/{rel}.json", d, "GET", path)
    all_users = {u["user_id"]: [] for u in w.users.values() if not u.get("appservice")}
    await save(w, f"{base}/keys_query.json", d, "POST", "/keys/query",
               body={"device_keys": all_users})
    v = await answer(d, w, "GET", "/room_keys/version")
    if v["status"] == 200:
        await save(w, f"{base}/room_keys_keys.json", d, "GET", "/room_keys/keys",
                   params={"version": v["body"]["version"]})
    for typ in sorted(w.account_data.get(name, ())):
        await save(w, f"{base}/account_data/{typ}.json", d, "GET",
                   f"/user/{q(uid)}/account_data/{q(typ)}")
    for room, types in sorted(w.room_account_data.get(name, {}).items()):
        rid = w.rooms[room]
        for typ in sorted(types):
            await save(w, f"{base}/rooms/{room}/account_data/{typ}.json", d, "GET",
                       f"/user/{q(uid)}/rooms/{q(rid)}/account_data/{q(typ)}")
        await save(w, f"{base}/rooms/{room}/tags.json", d, "GET",
                   f"/user/{q(uid)}/rooms/{q(rid)}/tags")
    for fname, f in sorted(w.filters.items()):
        if f["user"] == name:
            await save(w, f"{base}/filters/{fname}.json", d, "GET",
                       f"/user/{q(uid)}/filter/{q(f['filter_id'])}")
    await save(w, f"{base}/notifications.json", d, "GET", "/notifications")
    await save(w, f"{base}/user_directory_search.json", d, "POST", "/user_directory/search",
               body={"search_term": "o", "limit": 50})
    for room, rid in sorted(w.rooms.items()):
        await save(w, f"{base}/rooms/{room}/state.json", d, "GET", f"/rooms/{q(rid)}/state")
        await save(w, f"{base}/rooms/{room}/members.json", d, "GET", f"/rooms/{q(rid)}/members")
        await save(w, f"{base}/rooms/{room}/joined_members.json", d, "GET",
                   f"/rooms/{q(rid)}/joined_members")
        for ev, e in sorted(w.events.items()):
            # Relations of the events that have some (edits, reactions, thread replies).
            if e["room"] == room and ev.split(".", 1)[1] in ("hello", "thread_root", "welcome"):
                await save(w, f"{base}/rooms/{room}/relations/{ev}.json", d, "GET",
                           f"/_matrix/client/v1/rooms/{q(rid)}/relations/{q(e['event_id'])}")
        if room == "space":
            await save(w, f"{base}/rooms/{room}/hierarchy.json", d, "GET",
                       f"/_matrix/client/v1/rooms/{q(rid)}/hierarchy")
        msgs = await paginate(w, d, rid, since)
        dump_json(w.out / "expected" / base / "rooms" / room / "messages.json", msgs)
        for ev in context_points(w, room):
            await save(w, f"{base}/rooms/{room}/context/{ev}.json", d, "GET",
                       f"/rooms/{q(rid)}/context/{q(w.events[ev]['event_id'])}",
                       params={"limit": "4"})


async def record_device_syncs(w: World, skip: set[str]) -> None:
    for key, d in sorted(w.devices.items()):
        u = w.users[d.name]
        if key in skip or u.get("deactivated") or u.get("appservice") or u.get("remote"):
            continue
        await save(w, f"{d.name}/devices/{d.device_id}/sync_full_state.json", d, "GET", "/sync",
                   params={"full_state": "true", "timeout": "0"})


async def record_media(w: World) -> None:
    """Downloads and thumbnails with their SHA-256 (bytes live in the media folder)."""
    d = w.dev("alice")
    out: dict[str, Any] = {}
    for name, m in sorted(w.media.items()):
        server, media_id = m["mxc"][len("mxc://"):].split("/", 1)
        entry: dict[str, Any] = {"mxc": m["mxc"]}
        paths = {"download": f"/_matrix/media/v3/download/{server}/{media_id}",
                 "download_authenticated": f"/_matrix/client/v1/media/download/{server}/{media_id}"}
        for wd, ht, method in THUMBNAILS:
            paths[f"thumbnail_{wd}x{ht}_{method}"] = (
                f"/_matrix/media/v3/thumbnail/{server}/{media_id}"
                f"?width={wd}&height={ht}&method={method}")
        for label, path in paths.items():
            status, ctype, data = await w.server.get_bytes(path, d.token)
            entry[label] = {"status": status, "content_type": ctype, "length": len(data),
                            "sha256": hashlib.sha256(data).hexdigest() if status == 200 else None}
        out[name] = entry
    dump_json(w.out / "expected" / "media.json", out)


async def record_all(w: World, skip_sync: set[str]) -> None:
    for name in w.local_users():
        u = w.users[name]
        if u.get("deactivated") or u.get("appservice"):
            continue
        await record_user(w, name)
    await record_device_syncs(w, skip_sync)
    await record_media(w)
    await save(w, "server_keys.json", None, "GET", "/_matrix/key/v2/server")
    # Profiles of every user as seen by alice (incl. deactivated ones).
    for name, u in sorted(w.users.items()):
        await save(w, f"profiles/{name}.json", w.dev("alice"), "GET",
                   f"/profile/{q(u['user_id'])}")
    await save(w, "public_rooms.json", w.dev("alice"), "GET", "/publicRooms")
    for key, fname in (("lobby_alias", "directory_lobby"), ("lobby_alt_alias", "directory_hall"),
                       ("fed_alias", "directory_fed")):
        if key in w.notes:
            await save(w, f"{fname}.json", w.dev("alice"), "GET",
                       f"/directory/room/{q(w.notes[key])}")
