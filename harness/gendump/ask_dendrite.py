"""Ask a running Dendrite, loaded with a generated dump, what a sample of users sees, and compare
with the generator's truth read from the dump's own rows (not from Dendrite):

  - `/rooms/{id}/state`: the event IDs of the room's current state (syncapi_current_room_state);
  - `/rooms/{id}/messages?dir=b`: the newest events in topological order (depth, then stream
    position, both descending), as the sync stream and topology tables hold them;
  - for a sample of users (`--users`): every account-data item but the push rules (`m.tag`
    through `/tags`), `/pushers`, a set status message (`/presence/{id}/status`); every local
    address through `/directory/room/{alias}`;
  - rooms replaced by an upgrade (tombstone in the current state), their replacements and the
    rooms whose join rule is `knock` (knocks in their state) are always in the sample;
  - `/rooms/{id}/context/{event}`: the event itself, the events before it in that order, the
    events after it by stream position (Dendrite's reading), for the middle of the history and
    for the newest backfilled event.

usage: python -m harness.gendump.ask_dendrite DIR BASE_URL [--rooms N]
Users log in with the access tokens the dump holds (userapi_devices).
"""

import argparse
import json
import random
import sys
import urllib.error
import urllib.parse
import urllib.request

from .verify import read_tables


def get(base, path, token):
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def get_or_status(base, path, token):
    """The answer, or {"status": code} for an HTTP error (a difference, not a crash)."""
    try:
        return get(base, path, token)
    except urllib.error.HTTPError as e:
        return {"status": e.code}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("base")
    ap.add_argument("--rooms", type=int, default=30)
    ap.add_argument("--users", type=int, default=20, help="users whose account data, pushers, presence are asked")
    ap.add_argument("--negative", action="store_true", help="negative control: drop one state event and one "
                    "timeline event of the biggest room and change one account-data item in the truth; the run "
                    "must then report 3 differences")
    a = ap.parse_args()
    t = read_tables(f"{a.dir}/dendrite.sql", ["syncapi_current_room_state", "syncapi_output_room_events",
                                               "syncapi_output_room_events_topology", "userapi_devices",
                                               "userapi_accounts", "roomserver_redactions", "roomserver_rooms",
                                               "userapi_account_datas", "userapi_pushers", "syncapi_presence",
                                               "roomserver_room_aliases"])
    v1 = {r[1] for r in t["roomserver_rooms"] if r[5] == "1"}
    v12 = {r[1] for r in t["roomserver_rooms"] if r[5] == "12"}  # Dendrite 0.13.8 cannot serve v12 rooms
    redacted = {r[1] for r in t["roomserver_redactions"]}

    def ids(events, want):
        """Event IDs as answered; Dendrite serves its redacted sync copies without an event ID
        (their stored `_event_id` is empty), so such a slot matches a redacted event."""
        out = []
        for i, e in enumerate(events):
            eid = e.get("event_id")
            if eid is None and i < len(want) and want[i] in redacted:
                eid = want[i]
            out.append(eid)
        return out

    server = t["userapi_accounts"][0][1]
    deact = {r[0] for r in t["userapi_accounts"] if r[5] == "t"}
    token = {}
    for tok, _s, _d, lp, *_ in t["userapi_devices"]:
        if lp not in deact:
            token.setdefault(f"@{lp}:{server}", tok)
    state, joined = {}, {}
    for room, ev, typ, _snd, _url, sk, _j, membership, *_ in t["syncapi_current_room_state"]:
        state.setdefault(room, set()).add(ev)
        if typ == "m.room.member" and membership == "join" and sk in token:
            joined.setdefault(room, []).append(sk)
    topo = {r[0]: (int(r[1]), int(r[2])) for r in t["syncapi_output_room_events_topology"]}
    timeline, backfilled = {}, {}
    for r in t["syncapi_output_room_events"]:
        timeline.setdefault(r[2], []).append(r[1])
        if r[11] == "t":
            backfilled.setdefault(r[2], []).append(r[1])
    rng = random.Random(1)
    rooms = sorted((r for r in joined if r not in v12), key=lambda r: -len(timeline.get(r, [])))
    sample = rooms[:5] + rng.sample(rooms[5:], min(len(rooms) - 5, a.rooms - 5)) if len(rooms) > 5 else rooms
    upgraded, knock = set(), set()  # rooms of an upgrade, rooms with join rule knock: always asked
    for room, _ev, typ, _snd, _url, _sk, js, *_ in t["syncapi_current_room_state"]:
        if typ == "m.room.tombstone":
            upgraded |= {room, json.loads(js)["content"]["replacement_room"]}
        if typ == "m.room.join_rules" and json.loads(js)["content"].get("join_rule") == "knock":
            knock.add(room)
    sample += sorted(r for r in upgraded | knock if r in joined and r not in v12 and r not in sample)
    if a.negative:
        state[sample[0]].discard(sorted(state[sample[0]])[0])
        timeline[sample[0]].remove(max(timeline[sample[0]], key=lambda e: topo[e]))
    checked = bad = quirks = n_ctx = 0

    def runs(seq):
        """Events of equal depth as sets: Dendrite's order among them is not defined."""
        out = []
        for e in seq:
            if out and topo[e][0] == out[-1][0]:
                out[-1][1].add(e)
            else:
                out.append((topo[e][0], {e}))
        return out

    for room in sample:
        user = sorted(joined[room])[0]
        tok = token[user]
        q = urllib.parse.quote(room)
        got = {e["event_id"] for e in get(a.base, f"/_matrix/client/v3/rooms/{q}/state", tok)}
        checked += 1
        if got != state[room]:
            bad += 1
            print(f"DIFF state {room} as {user}: {len(got ^ state[room])} events differ")
        order = sorted(timeline[room], key=lambda e: topo[e], reverse=True)
        resp = get(a.base, f"/_matrix/client/v3/rooms/{q}/messages?dir=b&limit=40", tok)
        got_ids = ids(resp["chunk"], order[:40])
        want = order[:40]
        if room in v1:  # Dendrite leaves out redacted events of v1 rooms (see docs/gen-dump.md)
            dropped = [e for e in want if e in redacted and e not in got_ids]
            quirks += len(dropped)
            want = [e for e in order if e not in dropped][:len(got_ids)]
        checked += 1
        if runs(got_ids) != runs(want):
            bad += 1
            k = next((i for i, (x, y) in enumerate(zip(got_ids, order)) if x != y), min(len(got_ids), 40))
            print(f"DIFF messages {room} as {user}: {len(got_ids)} events, first difference at {k}: "
                  f"got {got_ids[k:k + 2]} want {order[k:k + 2]} {[topo[e] for e in order[k:k + 2]]}")
        probes = [order[len(order) // 2]] if len(order) > 20 else []
        if room in backfilled:  # history fetched after the join: the newest backfilled event
            probes.append(max(backfilled[room], key=lambda e: topo[e]))
        for mid in probes:
            ctx = get(a.base, f"/_matrix/client/v3/rooms/{q}/context/{urllib.parse.quote(mid)}?limit=10", tok)
            n_ctx += 1
            i = order.index(mid)
            want_before = order[i + 1:i + 6]
            got_before = ids(ctx.get("events_before", []), want_before)
            # Dendrite takes the events after by stream position (so none after the newest
            # backfilled event, which got the newest positions), the events before by topology.
            want_after = sorted((e for e in order if topo[e][1] > topo[mid][1]), key=lambda e: topo[e][1])[:5]
            got_after = ids(ctx.get("events_after", []), want_after)
            checked += 1
            if ctx["event"]["event_id"] != mid or runs(got_before) != runs(want_before) or got_after != want_after:
                bad += 1
                print(f"DIFF context {room} {mid}: before {got_before[:3]} want {want_before[:3]}; "
                      f"after {got_after[:3]} want {want_after[:3]}")
    n_user, bad_user = user_data(a, t, token, server, rng)
    checked += n_user
    bad += bad_user
    print(f"ask-dendrite: {n_user} account-data, pusher, presence and address answers compared, {bad_user} differ")
    print(f"ask-dendrite: {len(sample)} rooms ({len(upgraded)} of an upgrade, {len(knock)} with knocks), {checked} answers compared ({n_ctx} /context, "
          f"{sum(1 for r in sample if r in backfilled)} rooms with backfilled history), {bad} differ; "
          f"{quirks} redacted events of v1 rooms left out by Dendrite")
    sys.exit(1 if bad else 0)


def user_data(a, t, token, server, rng):
    """What the sampled users keep besides rooms, as Dendrite serves it: every account-data item
    but the push rules (`m.tag` through `/tags`), `/pushers`, a set status message, and every
    local address through `/directory/room`. Returns (answers compared, differences)."""
    items, pushers, status = {}, {}, {}
    for lp, _s, room, typ, content in t["userapi_account_datas"]:
        if typ != "m.push_rules":
            items.setdefault(f"@{lp}:{server}", {})[(room, typ)] = json.loads(content)
    for _id, lp, _s, _sess, tag, kind, app, app_name, dev_name, key, _ts, lang, data in t["userapi_pushers"]:
        pushers.setdefault(f"@{lp}:{server}", []).append((kind, app, app_name, dev_name, key, tag or "", lang,
                                                           json.loads(data)))
    for _id, user, _p, msg, _ts in t["syncapi_presence"]:
        if msg:
            status[user] = msg
    users = sorted(u for u in token if u in items)
    users = rng.sample(users, min(len(users), a.users))
    if a.negative and users:
        key = sorted(items[users[0]])[0]
        items[users[0]][key] = {"changed": True}
    n = bad = 0
    fields = ("kind", "app_id", "app_display_name", "device_display_name", "pushkey", "profile_tag", "lang", "data")

    def check(ok, text):
        nonlocal n, bad
        n += 1
        if not ok:
            bad += 1
            print(f"DIFF {text}")

    for user in users:
        tok, uq = token[user], urllib.parse.quote(user)
        for (room, typ), want in sorted(items[user].items()):
            rq, tq = urllib.parse.quote(room), urllib.parse.quote(typ)
            path = (f"/_matrix/client/v3/user/{uq}/rooms/{rq}/tags" if typ == "m.tag" else
                    f"/_matrix/client/v3/user/{uq}/rooms/{rq}/account_data/{tq}" if room else
                    f"/_matrix/client/v3/user/{uq}/account_data/{tq}")
            got = get_or_status(a.base, path, tok)
            check(got == want, f"account data {user} {room or 'global'} {typ}: {got} want {want}")
        got = sorted((tuple(p.get(f) for f in fields) for p in get_or_status(a.base, "/_matrix/client/v3/pushers", tok)
                      .get("pushers", [])), key=repr)
        check(got == sorted(pushers.get(user, []), key=repr), f"pushers {user}: {got} want {pushers.get(user)}")
        if user in status:  # Dendrite answers "" without one
            got = get_or_status(a.base, f"/_matrix/client/v3/presence/{uq}/status", tok).get("status_msg")
            check(got == status[user], f"presence {user}: {got!r} want {status[user]!r}")
    asker = token[users[0]] if users else None
    for alias, room, _creator in sorted(t["roomserver_room_aliases"]) if asker else ():
        got = get_or_status(a.base, f"/_matrix/client/v3/directory/room/{urllib.parse.quote(alias)}", asker)
        check(got.get("room_id") == room and server in got.get("servers", []), f"address {alias}: {got} want {room}")
    return n, bad


if __name__ == "__main__":
    main()
