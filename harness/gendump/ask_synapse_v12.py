"""Room version 12 after the move (issue 14): ask a Synapse loaded with a converted generated
dump about every v12 room, and compare with the generator's truth read from the dump's own rows
(never from the converter). Rooms are built as Dendrite 0.15 stores them (harness/gendump/events.py).

For each v12 room, as a joined local user:
  - the create event is served under `$` + the room ID's hash, of room version 12, no `creator`;
  - `/rooms/{id}/state`: the event IDs of the current state (syncapi_current_room_state);
  - `/rooms/{id}/messages?dir=b` (following `end` while pages are short): the newest 40 events
    in topological order (depth, then stream position; equal depths compared as sets), as in
    ask_dendrite;
  - `/rooms/{id}/context/{event}` of the middle event: the event itself and the 5 before it;
  - after the move, by Synapse's auth rules: a joined local creator (create sender or
    `additional_creators`: above the power levels) sends a message, sets the topic and raises
    another member to power 50, all accepted; a joined local member without the power to change
    power levels is refused (403) — the negative control of the auth rules.

usage: python -m harness.gendump.ask_synapse_v12 DIR BASE_URL
Users log in with the access tokens the dump holds (userapi_devices).
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from .verify import read_tables


def call(base, method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + "/_matrix/client/v3" + path, data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


class Room:
    def __init__(self, room_id):
        self.id, self.q = room_id, urllib.parse.quote(room_id)
        self.state, self.joined, self.timeline, self.create, self.pl = set(), [], [], None, None


def truth(path):
    t = read_tables(path, ["syncapi_current_room_state", "syncapi_output_room_events",
                           "syncapi_output_room_events_topology", "userapi_devices", "userapi_accounts",
                           "roomserver_rooms"])
    server = t["userapi_accounts"][0][1]
    deact = {r[0] for r in t["userapi_accounts"] if r[5] == "t"}
    token = {}
    for tok, _s, _d, lp, *_ in t["userapi_devices"]:
        if lp not in deact:
            token.setdefault(f"@{lp}:{server}", tok)
    rooms = {r[1]: Room(r[1]) for r in t["roomserver_rooms"] if r[5] == "12"}
    for room_id, ev, typ, _snd, _url, sk, js, membership, *_ in t["syncapi_current_room_state"]:
        room = rooms.get(room_id)
        if room is None:
            continue
        room.state.add(ev)
        if typ == "m.room.member" and membership == "join" and sk in token:
            room.joined.append(sk)
        if typ == "m.room.create":
            room.create = (ev, json.loads(js))
        if typ == "m.room.power_levels":
            room.pl = json.loads(js)["content"]
    topo = {r[0]: (int(r[1]), int(r[2])) for r in t["syncapi_output_room_events_topology"]}
    for r in t["syncapi_output_room_events"]:
        if r[2] in rooms:
            rooms[r[2]].timeline.append(r[1])
    return rooms, token, topo


def runs(seq, topo):
    out = []
    for e in seq:
        if out and e in topo and topo[e][0] == out[-1][0]:
            out[-1][1].add(e)
        else:
            out.append((topo.get(e, (None,))[0], {e}))
    return out


def check_room(base, room, token, topo, diff):
    user = sorted(room.joined)[0]
    tok = token[user]
    create_id = "$" + room.id[1:]
    st, ev = call(base, "GET", f"/rooms/{room.q}/event/{urllib.parse.quote(create_id)}", tok)
    diff(st == 200 and ev.get("type") == "m.room.create" and ev["content"].get("room_version") == "12"
         and "creator" not in ev["content"] and room.create and room.create[0] == create_id,
         f"create event {create_id}: {st} {str(ev)[:200]}")
    st, got = call(base, "GET", f"/rooms/{room.q}/state", tok)
    diff(st == 200 and {e["event_id"] for e in got} == room.state, f"state {room.id}: {st}")
    order = sorted(room.timeline, key=lambda e: topo[e], reverse=True)
    got_ids, frm = [], ""
    for _ in range(10):  # a page may be shorter than asked for: follow `end` until 40 events
        st, resp = call(base, "GET", f"/rooms/{room.q}/messages?dir=b&limit={40 - len(got_ids)}{frm}", tok)
        got_ids += [e.get("event_id") for e in resp.get("chunk", [])]
        if len(got_ids) >= 40 or "end" not in resp or not resp.get("chunk"):
            break
        frm = "&from=" + urllib.parse.quote(resp["end"])
    want = order[:40]
    k = next((i for i, (x, y) in enumerate(zip(got_ids, want)) if x != y), min(len(got_ids), len(want)))
    diff(runs(got_ids, topo) == runs(want, topo),
         f"messages {room.id}: {len(got_ids)} events, first difference at {k}: {got_ids[k:k + 2]} want {want[k:k + 2]}")
    mid = order[len(order) // 2]
    st, ctx = call(base, "GET", f"/rooms/{room.q}/context/{urllib.parse.quote(mid)}?limit=10", tok)
    before = [e["event_id"] for e in ctx.get("events_before", [])]
    i = order.index(mid)
    diff(st == 200 and ctx["event"]["event_id"] == mid and runs(before, topo) == runs(order[i + 1:i + 6], topo),
         f"context {room.id} {mid}: {st} before {before[:3]}")


def after_move(base, room, token, diff):
    create = room.create[1]
    creators = {create["sender"], *create["content"].get("additional_creators", [])}
    extra = set(create["content"].get("additional_creators", []))
    # An additional creator first: its power comes from the create event alone.
    local_creators = sorted((u for u in room.joined if u in creators), key=lambda u: (u not in extra, u))
    if not local_creators:
        return 0, 0
    c, tok = local_creators[0], token[local_creators[0]]
    st, ans = call(base, "PUT", f"/rooms/{room.q}/send/m.room.message/after-move", tok,
                   {"msgtype": "m.text", "body": "after the move"})
    diff(st == 200, f"{room.id}: creator {c} message refused: {st} {ans}")
    st, ans = call(base, "PUT", f"/rooms/{room.q}/state/m.room.topic", tok, {"topic": "moved to Synapse"})
    diff(st == 200, f"{room.id}: creator {c} topic refused: {st} {ans}")
    pl = room.pl or {}
    need = pl.get("events", {}).get("m.room.power_levels", pl.get("state_default", 50))
    weak = sorted(u for u in room.joined if u not in creators and pl.get("users", {}).get(u, pl.get("users_default", 0)) < need)
    others = sorted(u for u in room.joined if u not in creators)
    if others:
        raised = dict(pl, users={**pl.get("users", {}), others[-1]: 50})
        st, ans = call(base, "PUT", f"/rooms/{room.q}/state/m.room.power_levels", tok, raised)
        diff(st == 200, f"{room.id}: creator {c} power-levels change refused: {st} {ans}")
        if st == 200:
            pl = raised
            weak = [u for u in weak if u != others[-1]]
    if weak:
        st, ans = call(base, "PUT", f"/rooms/{room.q}/state/m.room.power_levels", token[weak[0]],
                       dict(pl, users={**pl.get("users", {}), weak[0]: 100}))
        diff(st == 403, f"{room.id}: {weak[0]} without power changed the power levels: {st} {ans}")
    return 1, len(weak[:1])


def main():
    path, base = sys.argv[1], sys.argv[2].rstrip("/")
    rooms, token, topo = truth(path)
    checked, bad, moved = 0, 0, 0

    def diff(ok, text):
        nonlocal checked, bad
        checked += 1
        if not ok:
            bad += 1
            print("DIFF " + text)

    for room in sorted((r for r in rooms.values() if r.joined and r.create), key=lambda r: r.id):
        check_room(base, room, token, topo, diff)
    refused = 0
    for room in sorted((r for r in rooms.values() if r.joined and r.create), key=lambda r: r.id):
        m, n = after_move(base, room, token, diff)
        moved, refused = moved + m, refused + n
    extra = sum(1 for r in rooms.values() if r.create and r.create[1]["content"].get("additional_creators"))
    print(f"ask-synapse-v12: {len(rooms)} v12 rooms ({extra} with additional_creators, "
          f"{sum(1 for r in rooms.values() if r.joined)} with a joined local user, {moved} with a joined local "
          f"creator, {refused} with a member refused a power-levels change), {checked} answers compared, {bad} differ")
    sys.exit(1 if bad or not rooms or not moved or not refused or not extra else 0)


if __name__ == "__main__":
    main()
