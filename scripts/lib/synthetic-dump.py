#!/usr/bin/env python3
"""A synthetic Dendrite-shaped dump for the benchmarks (scripts/bench-convert, scripts/bench-move).

    synthetic-dump.py OUT.sql EVENTS ROOMS

Writes a plain pg_dump-style file holding only COPY blocks for the v0.13.8 tables convert
reads: rooms whose state grows the way Dendrite stores it (one single-event block per state
event on top of the previous snapshot, a fresh full block after 64 deltas), members joining
every 50 events, messages, the sync stream, accounts and devices. Event IDs, hashes and
signatures are made up: Synapse's stats update refuses these events, so the dump serves
for convert, load and event_search, not for starting Synapse on the result.
"""
import json, sys
out, n_events, n_rooms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
S = "bench.test"
types = {"m.room.create": 1, "m.room.power_levels": 2, "m.room.join_rules": 3, "m.room.member": 5,
         "m.room.history_visibility": 7, "m.room.message": 65536}
keys = {"": 1}
def key_nid(k):
    if k not in keys:
        keys[k] = 65536 + len(keys)
    return keys[k]
tables = {t: [] for t in ["events", "json", "blocks", "snapshots", "stream", "rooms"]}
nid = snap_nid = block_nid = stream_id = 0
blocks_by_list = {}
def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
def snapshot(blocks):
    global snap_nid
    key = tuple(blocks)
    if key not in blocks_by_list:
        snap_nid += 1
        blocks_by_list[key] = snap_nid
        tables["snapshots"].append(f"{snap_nid}\t\\N\t1\t{{{','.join(map(str, blocks))}}}")
    return blocks_by_list[key]
def block(events):
    global block_nid
    block_nid += 1
    tables["blocks"].append(f"{block_nid}\t\\N\t{{{','.join(map(str, sorted(events)))}}}")
    return block_nid
users = set()
per_room = n_events // n_rooms
ts = 1_700_000_000_000
for r in range(1, n_rooms + 1):
    room = f"!room{r}:{S}"
    state, blocks, prev, depth = {}, [], None, 0
    def add(etype, skey, content, sender):
        global nid, stream_id, ts, prev, depth, blocks
        nid += 1; depth += 1; stream_id += 1; ts += 10
        eid = f"$ev{nid}"
        before = snapshot(blocks)
        auth = [state[k] for k in (("m.room.create", ""), ("m.room.power_levels", ""), ("m.room.member", sender)) if k in state]
        ev = {"auth_events": [f"$ev{a}" for a in auth], "content": content, "depth": depth,
              "hashes": {"sha256": "x"}, "origin_server_ts": ts, "prev_events": [f"$ev{prev}"] if prev else [],
              "room_id": room, "sender": sender, "signatures": {}, "type": etype}
        if skey is not None:
            ev["state_key"] = skey
        body = json.dumps(ev, separators=(",", ":"), sort_keys=True)
        sk = key_nid(skey) if skey is not None else 0
        tables["events"].append(f"{nid}\t{r}\t{types[etype]}\t{sk}\tt\t{before}\t{depth}\t{eid}\t{{{','.join(map(str, auth))}}}\tf")
        tables["json"].append(f"{nid}\t{esc(body)}")
        tables["stream"].append(f"{stream_id}\t{eid}\t{room}\t{{}}\t{etype}\t{sender}\tf\t\\N\t\\N\t\\N\t\\N\tf\t2")
        if skey is not None:
            state[(etype, skey)] = nid
            blocks = blocks + [block([nid])]
            if len(blocks) > 64:
                blocks = [block(list(state.values()))]
        prev = nid
    owner = f"@owner{r}:{S}"; users.add(owner)
    add("m.room.create", "", {"creator": owner, "room_version": "10"}, owner)
    add("m.room.member", owner, {"membership": "join", "displayname": f"owner {r}"}, owner)
    add("m.room.power_levels", "", {"users": {owner: 100}}, owner)
    add("m.room.join_rules", "", {"join_rule": "public"}, owner)
    add("m.room.history_visibility", "", {"history_visibility": "shared"}, owner)
    for i in range(per_room - 5):
        if i % 50 == 0:
            u = f"@user{r}_{i}:{S}"; users.add(u)
            add("m.room.member", u, {"membership": "join", "displayname": f"user {i}\twith a tab"}, u)
        else:
            add("m.room.message", None, {"body": f"message {i} in room {r}\nline two \\. end", "msgtype": "m.text"}, owner)
    tables["rooms"].append(f"{r}\t{room}\t{{{prev}}}\t{prev}\t{snapshot(blocks)}\t10")
with open(out, "w") as f:
    f.write("--\n-- PostgreSQL database dump\n--\n\n")
    def copy(name, cols, rows):
        f.write(f"COPY public.{name} ({', '.join(cols)}) FROM stdin;\n")
        for row in rows:
            f.write(row + "\n")
        f.write("\\.\n\n")
    copy("roomserver_event_types", ["event_type_nid", "event_type"], [f"{v}\t{k}" for k, v in types.items()])
    copy("roomserver_event_state_keys", ["event_state_key_nid", "event_state_key"], [f"{v}\t{k}" for k, v in keys.items()])
    copy("roomserver_rooms", ["room_nid", "room_id", "latest_event_nids", "last_event_sent_nid", "state_snapshot_nid", "room_version"], tables["rooms"])
    copy("roomserver_events", ["event_nid", "room_nid", "event_type_nid", "event_state_key_nid", "sent_to_output", "state_snapshot_nid", "depth", "event_id", "auth_event_nids", "is_rejected"], tables["events"])
    copy("roomserver_event_json", ["event_nid", "event_json"], tables["json"])
    copy("roomserver_state_block", ["state_block_nid", "state_block_hash", "event_nids"], tables["blocks"])
    copy("roomserver_state_snapshots", ["state_snapshot_nid", "state_snapshot_hash", "room_nid", "state_block_nids"], tables["snapshots"])
    copy("syncapi_output_room_events", ["id", "event_id", "room_id", "headered_event_json", "type", "sender", "contains_url", "add_state_ids", "remove_state_ids", "session_id", "transaction_id", "exclude_from_sync", "history_visibility"], tables["stream"])
    local = sorted(users)
    copy("userapi_accounts", ["localpart", "server_name", "created_ts", "password_hash", "appservice_id", "is_deactivated", "account_type"],
         [f"{u[1:].split(':')[0]}\t{S}\t1700000000000\t$2a$04$abcdefghijklmnopqrstuu5G2ZXrSLdYRQUs0xh4b7G4EL9a0vNLi\t\\N\tf\t1" for u in local])
    copy("userapi_profiles", ["localpart", "server_name", "display_name", "avatar_url"], [f"{u[1:].split(':')[0]}\t{S}\t{u}\t\\N" for u in local])
    copy("userapi_devices", ["access_token", "session_id", "device_id", "localpart", "server_name", "created_ts", "display_name", "last_seen_ts", "ip", "user_agent"],
         [f"token{i}\t{i}\tDEV{i}\t{u[1:].split(':')[0]}\t{S}\t1700000000000\t\\N\t1700000000000\t127.0.0.1:1\tbench" for i, u in enumerate(local, 1)])
    f.write("--\n-- PostgreSQL database dump complete\n--\n\n")
print(f"synthetic dump: {nid} events in {n_rooms} rooms, {len(users)} users, {block_nid} state blocks, {snap_nid} snapshots")
