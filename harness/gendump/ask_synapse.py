"""Ask a Synapse loaded with a converted generated dump what a sample of users sees, and compare
with the generator's truth read from the dump's own rows (never from the converter's output);
`scripts/check-gen-dump` runs it after convert, load, background updates and start.

The truth, per area (each from the generated tables, which suite 51 shows the real Dendrite
serves as they are):

  - accounts: every sampled user's old access token still names the user and device (`whoami`),
    `/joined_rooms` = the rooms whose current state (syncapi_current_room_state) has the user
    joined; at the end (it writes a device) three users log in with the generated password;
  - rooms (the biggest and a random sample, each as a joined local user): `/state` = the current
    state's event IDs; `/messages?dir=b` = the 40 newest events by (depth, stream position),
    equal depths compared as sets (ask_dendrite does the same against Dendrite);
  - state at events: `/_synapse/admin/v1/rooms/{id}/context/{event}?limit=0` returns the state
    after the event. Expected: derived here from the events alone, walking each room's sync
    stream in order: the state after an event is the state after its prev events (after a
    merge: their union, the newer event where one branch changed a key; the generator only merges
    branches that changed different keys) plus the event itself when it is a state event; the
    local server's first join of a room joined late (its prev events are history the server
    only fetched later) starts from the state its sync row adds (`add_state_ids`);
  - resumed /sync: a Dendrite token `s<P>_…` means "every live event up to stream position P
    received"; resuming with it must deliver no event at or below P and every live event above
    P of each room the user was joined to at P (the timeline, and when `limited` the gap filled
    through `/messages` from `prev_batch`), as the checker's `resume` category defines it;
  - keys: `/keys/query` of the sampled users: every device's keys, algorithms and self-signature
    as keyserver_device_keys holds them, the self-signing key's signature of each device and the
    master and self-signing keys of keyserver_cross_signing_*;
  - notifications: `/notifications` of the sampled users serves, newest first, only what Dendrite
    lists: rows of userapi_notifications not marked read (room, event, actions, and `read`
    false: each is after the user's read receipt; docs/userdata.md). Asked first; a row not
    served counts as pruned (Synapse deletes day-old non-highlight notifications within 30 s
    of starting, docs/e2e-checks.md `day-old-pruning`), so at scale this area checks little.
  - highlights (never pruned): `/notifications?only=highlight` = the unread rows whose actions
    highlight, newest first; `/sync`'s `highlight_count` per joined room = their number there;
  - account data: every item of userapi_account_datas but the push rules, global and per room,
    `m.tag` through `/tags`; untagged rooms answer no tags;
  - pushers: `/pushers` = the user's userapi_pushers rows;
  - directory: every local address (roomserver_room_aliases) resolves to its room; `/publicRooms`
    = the published rooms whose current join rule is public and that have joined members (what
    Synapse lists), each with its number of joined members;
  - upgrades: every room replaced by a room upgrade: the old room's tombstone, the new room's
    create event with `predecessor`, the old room's restricted power levels, as the current state
    holds them, and both rooms' `/state` and `/messages` as for `rooms`;
  - knocks: in rooms whose join rule is `knock`, `/members?membership=knock` = the users whose
    current membership is a knock (remote users: Dendrite 0.13.8 receives knocks over federation);
  - presence: the status message of the user's syncapi_presence row (not the state: Synapse's
    timeouts move stale states on).

usage: python -m harness.gendump.ask_synapse DIR BASE_URL [--users N] [--rooms N] [--state-events N]
Waits for BASE_URL to answer (the truth is read first; start Synapse meanwhile).
"""

import argparse
import json
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from .verify import unescape

WANT = {
    "userapi_accounts": ("localpart", "server_name", "is_deactivated", "account_type", "password_hash"),
    "roomserver_events": ("event_id", "event_type_nid", "event_state_key_nid", "room_nid", "sent_to_output",
                          "state_snapshot_nid"),
    "roomserver_rooms": ("room_nid", "room_id"),
    "roomserver_event_types": ("event_type_nid", "event_type"),
    "roomserver_event_state_keys": ("event_state_key_nid", "event_state_key"),
    "userapi_devices": ("access_token", "device_id", "localpart"),
    "syncapi_current_room_state": ("room_id", "event_id", "type", "state_key", "membership"),
    "syncapi_output_room_events": ("id", "event_id", "room_id", "headered_event_json", "add_state_ids",
                                   "exclude_from_sync"),
    "syncapi_output_room_events_topology": ("event_id", "topological_position", "stream_position"),
    "syncapi_receipts": ("room_id", "user_id", "event_id"),
    "keyserver_device_keys": ("user_id", "device_id", "key_json"),
    "keyserver_cross_signing_keys": ("user_id", "key_type", "key_data"),
    "keyserver_cross_signing_sigs": ("origin_user_id", "origin_key_id", "target_user_id", "target_key_id",
                                     "signature"),
    "userapi_notifications": ("localpart", "room_id", "event_id", "stream_pos", "notification_json", "read"),
    "userapi_account_datas": ("localpart", "room_id", "type", "content"),
    "userapi_pushers": ("localpart", "kind", "app_id", "app_display_name", "device_display_name", "pushkey",
                        "profile_tag", "lang", "data"),
    "syncapi_presence": ("user_id", "status_msg"),
    "roomserver_room_aliases": ("alias", "room_id"),
    "roomserver_published": ("room_id", "published"),
}
WHERE = {"syncapi_current_room_state": ("type", ("m.room.join_rules", "m.room.create", "m.room.tombstone",
                                                 "m.room.power_levels"), ("room_id", "headered_event_json"))}


def read_columns(path, want, where=None):
    """table -> list of tuples of the wanted columns (by the COPY header's names). `where`:
    {table: (column, values, columns)} adds `table:value` for each value, those columns of only
    the rows whose column holds it (a few rows of a big table, without keeping the rest)."""
    where = where or {}
    out = {t: [] for t in want} | {f"{t}:{v}": [] for t, w in where.items() for v in w[1]}
    cur, idx, cond = None, None, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if cur is None:
                if line.startswith("COPY public."):
                    name = line.split()[1].split(".", 1)[1]
                    cols = [c.strip() for c in line[line.index("(") + 1:line.index(")")].split(",")]
                    cur, idx, cond = False, None, None
                    if name in want:
                        cur, idx = name, [cols.index(c) for c in want[name]]
                    if name in where:
                        col, value, wcols = where[name]
                        cur, cond = name, (cols.index(col), value, name, [cols.index(c) for c in wcols])
                continue
            if line == "\\.\n":
                cur = None
            elif cur:
                fs = line.rstrip("\n").split("\t")
                if idx is not None:
                    out[cur].append(tuple(None if fs[i] == "\\N" else unescape(fs[i]) for i in idx))
                if cond is not None and fs[cond[0]] in cond[1]:
                    out[f"{cond[2]}:{fs[cond[0]]}"].append(tuple(None if fs[i] == "\\N" else unescape(fs[i]) for i in cond[3]))
    return out


TIMELINE = 20  # the resumed /sync's timeline limit
# Rooms with more hidden events (rejected, soft-failed) than the timeline limit are checked as
# their own category, `resume-many-hidden`: that is where the converter once lost events. It
# placed hidden events above every Dendrite position; Synapse's incremental /sync takes a room's
# newest rows by stream ordering and drops hidden ones only afterwards, so such a room came back
# with an empty, not `limited` timeline (docs/synapse-schema.md §B.4). 52-gen-dump-synapse
# requires this category to have been checked, so the case cannot silently vanish.
KNOWN: set = set()


def pg_array(text):
    """A PostgreSQL text[] of event IDs (`{a,b}`; IDs need no quoting)."""
    if not text or text == "{}":
        return []
    return [x.strip('"') for x in text[1:-1].split(",")]


class Truth:
    def __init__(self, path):
        t = read_columns(path, WANT, WHERE)
        self.server = t["userapi_accounts"][0][1]
        deact = {lp for lp, _s, d, _k, _h in t["userapi_accounts"] if d == "t"}
        self.admin_lp = next(lp for lp, _s, _d, k, _h in t["userapi_accounts"] if k == "3")  # Dendrite's admin type
        self.no_password = {lp for lp, _s, _d, _k, h in t["userapi_accounts"] if not h}  # appservice users
        types, keys = dict(t["roomserver_event_types"]), dict(t["roomserver_event_state_keys"])
        self.rs_key = {e: (types[ty], keys[k]) for e, ty, k, *_ in t["roomserver_events"] if k != "0"}
        self.devices = {}  # user -> [(token, device)]
        for tok, dev, lp in t["userapi_devices"]:
            if lp not in deact:
                self.devices.setdefault(lp, []).append((tok, dev))
        self.state, self.joined, self.rooms_of, self.knocked = {}, {}, {}, {}
        for room, ev, typ, sk, m in t["syncapi_current_room_state"]:
            self.state.setdefault(room, set()).add(ev)
            if typ == "m.room.member" and m == "knock":
                self.knocked.setdefault(room, set()).add(sk)
            if typ == "m.room.member" and m == "join":
                self.joined.setdefault(room, set()).add(sk)
                self.rooms_of.setdefault(sk, set()).add(room)
        self.topo = {e: (int(d), int(s)) for e, d, s in t["syncapi_output_room_events_topology"]}
        self.events = {}  # event_id -> (stream, room, prevs, key, add_state_ids or None, excluded, content)
        self.timeline = {}
        for sid, eid, room, js, add, excl in t["syncapi_output_room_events"]:
            ev = json.loads(js)
            prevs = tuple(p[0] if isinstance(p, list) else p for p in ev.get("prev_events", []))
            key = (ev["type"], ev["state_key"]) if "state_key" in ev else None
            adds = pg_array(add)
            self.events[eid] = (int(sid), room, prevs, key, adds if len(adds) > 1 else None, excl == "t",
                                ev.get("content", {}).get("membership"))
            self.timeline.setdefault(room, []).append(eid)
        # Events no client is ever served (rejected, soft-failed: a snapshot, never sent to the
        # sync stream), per room: see TIMELINE above.
        room_of = dict(t["roomserver_rooms"])
        self.unserved = {}
        for e, _ty, _k, rnid, sent, snap in t["roomserver_events"]:
            if sent == "f" and snap != "0" and e not in self.events:
                self.unserved[room_of[rnid]] = self.unserved.get(room_of[rnid], 0) + 1
        self.receipts = {(room, user): eid for room, user, eid in t["syncapi_receipts"]}
        self.device_keys = {}
        for user, dev, kj in t["keyserver_device_keys"]:
            self.device_keys.setdefault(user, {})[dev] = json.loads(kj)
        self.xsign = {(u, int(k)): pub for u, k, pub in t["keyserver_cross_signing_keys"]}
        self.xsigs = {}
        for ou, okey, tu, tkey, sig in t["keyserver_cross_signing_sigs"]:
            self.xsigs.setdefault((tu, tkey), {}).setdefault(ou, {})[okey] = sig
        self.account_data = {}  # localpart -> {(room_id or '', type): content}
        for lp, room, typ, content in t["userapi_account_datas"]:
            if typ != "m.push_rules":
                self.account_data.setdefault(lp, {})[(room, typ)] = json.loads(content)
        self.pushers = {}
        for lp, *fields in t["userapi_pushers"]:
            self.pushers.setdefault(lp, []).append(tuple(fields[:-1]) + (json.loads(fields[-1]),))
        self.status_msg = {u: m for u, m in t["syncapi_presence"]}
        self.aliases = dict(t["roomserver_room_aliases"])
        # Upgraded rooms: old room -> its replacement, and the contents of the state events an
        # upgrade writes (tombstone, create with predecessor, power levels), from the current state.
        self.upgrade_state = {}
        for typ in ("m.room.create", "m.room.tombstone", "m.room.power_levels"):
            for room, js in t[f"syncapi_current_room_state:{typ}"]:
                ev = json.loads(js)
                self.upgrade_state[(room, typ)] = (ev.get("_event_id") or ev.get("event_id"), ev["content"])
        self.upgrades = {}
        for (room, typ), (_eid, content) in self.upgrade_state.items():
            if typ == "m.room.create" and "predecessor" in content:
                self.upgrades[content["predecessor"]["room_id"]] = room
        # The public room list: published rooms whose join rule is public and that have members
        # (Synapse lists no other; docs/gen-dump.md).
        rule = {room: json.loads(js).get("content", {}).get("join_rule")
                for room, js in t["syncapi_current_room_state:m.room.join_rules"]}
        public_rule = {room for room, jr in rule.items() if jr == "public"}
        self.knock_rooms = sorted(room for room, jr in rule.items() if jr == "knock")
        self.public = {room for room, p in t["roomserver_published"] if p == "t" and room in public_rule
                       and self.joined.get(room)}
        self.notifs = {}
        for lp, room, eid, pos, js, read in t["userapi_notifications"]:
            self.notifs.setdefault(lp, []).append((int(pos), room, eid, json.loads(js)["actions"], read == "t"))

    def user(self, lp):
        return f"@{lp}:{self.server}"

    def pos(self, eid):
        """Stream position; 0 for outliers (state fetched with a late join, older than the join)."""
        ev = self.events.get(eid)
        return ev[0] if ev else 0

    def state_after(self, room, wanted):
        """event_id -> set of state event IDs after it, for the `wanted` events of `room`,
        derived from the events alone (see the module comment); None where not derivable."""
        evs = [e for e in self.timeline[room] if not self.events[e][5]]
        evs.sort(key=lambda e: self.events[e][0])
        refs = {}
        for e in evs:
            for p in self.events[e][2]:
                refs[p] = refs.get(p, 0) + 1
        after, out = {}, {}
        for e in evs:
            stream, _room, prevs, key, adds, _x, _m = self.events[e]
            if adds is not None:
                st = {self.rs_key[a]: a for a in adds if a in self.rs_key}
                st = st if len(st) == len(adds) else None
            elif not prevs or any(p not in after for p in prevs):
                st = {} if not prevs else None
            elif len(prevs) == 1:
                p = prevs[0]
                refs[p] -= 1
                st = after[p] if refs[p] == 0 or after[p] is None else dict(after[p])
                if refs[p] == 0:
                    del after[p]
            else:
                st = {}
                for p in prevs:
                    refs[p] -= 1
                    if after[p] is None:
                        st = None
                        break
                    for k, v in after[p].items():
                        if k not in st or self.pos(v) > self.pos(st[k]):
                            st[k] = v
                for p in prevs:
                    if refs.get(p) == 0:
                        after.pop(p, None)
            if st is not None and key is not None and adds is None:
                st[key] = e
            if refs.get(e, 0) > 0:
                after[e] = st
            if e in wanted:
                out[e] = set(st.values()) if st is not None else None
        return out


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.requests = 0

    def call(self, method, path, token, body=None, params=None):
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        self.requests += 1
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            try:
                return e.code, json.loads(e.read() or b"{}")
            except ValueError:
                return e.code, {}

    def wait(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                with urllib.request.urlopen(self.base + "/_matrix/client/versions", timeout=5):
                    return True
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        return False


class Tally:
    def __init__(self, all_diffs):
        self.n, self.bad, self.all = {}, {}, all_diffs

    def check(self, cat, ok, text):
        self.n[cat] = self.n.get(cat, 0) + 1
        if not ok:
            self.bad[cat] = self.bad.get(cat, 0) + 1
            if self.all or self.bad[cat] <= 5:
                print(f"DIFF {cat}: {text}", flush=True)


def q(s):
    return urllib.parse.quote(s, safe="")


def runs(seq, topo):
    out = []
    for e in seq:
        d = topo.get(e, (None,))[0]
        if out and d is not None and d == out[-1][0]:
            out[-1][1].add(e)
        else:
            out.append((d, {e}))
    return out


def check_notifications(c, tr, users, tally):
    """Every notification served must be one the dump has (room, actions, `read` false), newest
    first. One not served counts as pruned: Synapse deletes non-highlight push actions older
    than a day within 30 s of any of its processes starting, `update_synapse_database`
    included (docs/e2e-checks.md, `day-old-pruning`), and generated events are years old."""
    pruned = total = 0
    for lp in users:
        tok = tr.devices[lp][0][0]
        want = sorted((n for n in tr.notifs.get(lp, []) if not n[4]), reverse=True)
        st, body = c.call("GET", "/_matrix/client/v3/notifications", tok, params={"limit": "1000"})
        got = body.get("notifications", []) if st == 200 else None
        tally.check("notifications", got is not None, f"{lp}: status {st}")
        if got is None:
            continue
        got_ids = [n["event"]["event_id"] for n in got]
        by_id = {w[2]: w for w in want}
        for n in got:
            w = by_id.get(n["event"]["event_id"])
            tally.check("notifications", w is not None and n["room_id"] == w[1] and n["actions"] == w[3]
                        and n["read"] is False, f"{lp}: {n['event']['event_id']} got {n['room_id']} {n['actions']} "
                        f"read={n['read']}, want {w and (w[1], w[3], False)}")
        order = [w[2] for w in want if w[2] in set(got_ids)]
        tally.check("notifications", got_ids == order, f"{lp}: order {got_ids[:3]} want {order[:3]}")
        total += len(want)
        pruned += len(want) - len(order)
        check_highlights(c, tr, lp, tok, [w for w in want if highlights(w[3])], tally)
    return pruned, total


def highlights(actions):
    """Synapse's reading of push actions: the first `highlight` tweak decides, true without a
    value (Dendrite 0.13.8 stores these rows with its own `highlight` column false)."""
    tweak = next((a for a in actions if isinstance(a, dict) and a.get("set_tweak") == "highlight"), None)
    return tweak is not None and tweak.get("value", True) is not False


def check_highlights(c, tr, lp, tok, want, tally):
    """Highlights are never pruned: `/notifications?only=highlight` serves exactly the unread
    ones, and a `/sync` counts them per room (`unread_notifications.highlight_count`: those
    after the user's read receipt, which here are the unread rows)."""
    st, body = c.call("GET", "/_matrix/client/v3/notifications", tok, params={"limit": "1000", "only": "highlight"})
    got = [n["event"]["event_id"] for n in body.get("notifications", [])] if st == 200 else None
    tally.check("highlights", got == [w[2] for w in want], f"{lp} only=highlight: {st} {got and got[:3]} "
                f"want {[w[2] for w in want][:3]} ({len(got or [])} served, {len(want)} expected)")
    flt = json.dumps({"room": {"timeline": {"limit": 1}, "state": {"types": []}, "ephemeral": {"types": []},
                               "account_data": {"types": []}},
                      "presence": {"not_types": ["*"]}, "account_data": {"not_types": ["*"]}})
    st, body = c.call("GET", "/_matrix/client/v3/sync", tok, params={"timeout": "0", "filter": flt})
    joined = (body.get("rooms") or {}).get("join") or {} if st == 200 else {}
    count = {}
    for w in want:
        count[w[1]] = count.get(w[1], 0) + 1
    for rid in sorted(set(joined) | set(count)):
        n = (joined.get(rid) or {}).get("unread_notifications", {}).get("highlight_count", 0)
        tally.check("highlights", st == 200 and n == count.get(rid, 0),
                    f"{lp} /sync {rid}: {st} highlight_count {n} want {count.get(rid, 0)}")


def check_user(c, tr, lp, tally):
    user = tr.user(lp)
    for tok, dev in tr.devices[lp][:2]:
        st, b = c.call("GET", "/_matrix/client/v3/account/whoami", tok)
        tally.check("accounts", st == 200 and b.get("user_id") == user and b.get("device_id") == dev,
                    f"{lp}/{dev} whoami: {st} {b}")
    st, b = c.call("GET", "/_matrix/client/v3/joined_rooms", tr.devices[lp][0][0])
    got = set(b.get("joined_rooms", [])) if st == 200 else None
    want = tr.rooms_of.get(user, set())
    tally.check("accounts", got == want, f"{lp} joined_rooms: {st}, {len(got or ())} rooms, want {len(want)}; "
                f"{len((got or set()) ^ want)} differ")


def check_room(c, tr, room, tally, cat="rooms"):
    locals_ = sorted(u for u in tr.joined.get(room, ()) if u.endswith(":" + tr.server)
                     and u[1:].split(":")[0] in tr.devices)
    tok = tr.devices[locals_[0][1:].split(":")[0]][0][0]
    st, got = c.call("GET", f"/_matrix/client/v3/rooms/{q(room)}/state", tok)
    got_ids = {e["event_id"] for e in got} if st == 200 else set()
    tally.check(cat, got_ids == tr.state[room], f"/state {room}: {st}, {len(got_ids ^ tr.state[room])} differ")
    live = [e for e in tr.timeline[room] if not tr.events[e][5]] + [e for e in tr.timeline[room] if tr.events[e][5]]
    order = sorted(live, key=lambda e: tr.topo[e], reverse=True)[:40]
    got_ids, frm = [], {}
    for _ in range(10):
        st, resp = c.call("GET", f"/_matrix/client/v3/rooms/{q(room)}/messages", tok,
                          params={"dir": "b", "limit": str(40 - len(got_ids)), **frm})
        got_ids += [e.get("event_id") for e in resp.get("chunk", [])]
        if len(got_ids) >= 40 or not resp.get("end") or not resp.get("chunk"):
            break
        frm = {"from": resp["end"]}
    tally.check(cat, runs(got_ids, tr.topo) == runs(order, tr.topo),
                f"/messages {room}: {len(got_ids)} events, got {got_ids[:2]} want {order[:2]}")


def check_state_at(c, tr, admin_tok, room, events, tally):
    want = tr.state_after(room, set(events))
    for e in events:
        if want.get(e) is None:
            continue
        st, b = c.call("GET", f"/_synapse/admin/v1/rooms/{q(room)}/context/{q(e)}", admin_tok, params={"limit": "0"})
        got = {s["event_id"] for s in b.get("state", [])} if st == 200 else None
        tally.check("state-at-event", got == want[e], f"{room} {e}: {st}, "
                    f"{'no answer' if got is None else str(len(got ^ want[e])) + ' differ'} of {len(want[e])}")


def check_resume(c, tr, lp, P, tally):
    user = tr.user(lp)
    tok = tr.devices[lp][0][0]
    since = f"s{P}_0_0_{P}_0_0_{P}_0_0"
    flt = json.dumps({"room": {"timeline": {"limit": TIMELINE}, "state": {"types": []}}, "presence": {"not_types": ["*"]}})
    st, body = c.call("GET", "/_matrix/client/v3/sync", tok, params={"since": since, "timeout": "0", "filter": flt})
    tally.check("resume", st == 200, f"{lp} /sync since {since}: {st} {str(body)[:200]}")
    if st != 200:
        return
    got = {}
    for section in ("join", "leave"):
        for rid, r in (body.get("rooms", {}).get(section) or {}).items():
            tl = r.get("timeline") or {}
            ids = [e["event_id"] for e in tl.get("events", [])]
            if tl.get("limited") and tl.get("prev_batch"):
                ids = fill_gap(c, tok, rid, tl["prev_batch"], P, tr) + ids
            got[rid] = ids
    for rid in sorted(tr.rooms_of.get(user, ())):
        mine = [e for e in tr.timeline[rid] if tr.events[e][3] == ("m.room.member", user)]
        since_join = [e for e in mine if tr.events[e][0] <= P]
        if not since_join or tr.events[max(since_join, key=lambda e: tr.events[e][0])][6] != "join":
            continue  # joined after P: Synapse sends the room as newly joined
        if any(tr.events[e][0] > P for e in mine):
            continue  # membership changed after P: not a plain resume
        for e in got.get(rid, []):
            ev = tr.events.get(e)
            tally.check("resume", ev is None or (ev[0] > P and not ev[5]),
                        f"{lp} since s{P}: {e} (position {ev and ev[0]}) delivered again")
        new = [e for e in tr.timeline[rid] if tr.events[e][0] > P and not tr.events[e][5]]
        have = set(got.get(rid, []))
        cat = "resume-many-hidden" if tr.unserved.get(rid, 0) > TIMELINE else "resume"
        for e in new:
            tally.check(cat, e in have, f"{lp} since s{P}: {rid} {e} (position {tr.events[e][0]}) missing")


def fill_gap(c, tok, rid, frm, P, tr):
    out = []
    for _ in range(500):
        st, b = c.call("GET", f"/_matrix/client/v3/rooms/{q(rid)}/messages", tok,
                       params={"dir": "b", "limit": "100", "from": frm})
        if st != 200 or not b.get("chunk"):
            break
        for e in b["chunk"]:
            ev = tr.events.get(e["event_id"])
            if ev is not None and ev[0] <= P and not ev[5]:
                return list(reversed(out))
            out.append(e["event_id"])
        if not b.get("end") or b["end"] == frm:
            break
        frm = b["end"]
    return list(reversed(out))


def check_keys(c, tr, users, tally):
    asker = tr.devices[users[0]][0][0]
    for i in range(0, len(users), 20):
        batch = [tr.user(lp) for lp in users[i:i + 20]]
        st, b = c.call("POST", "/_matrix/client/v3/keys/query", asker, {"device_keys": {u: [] for u in batch}})
        tally.check("keys", st == 200, f"/keys/query: {st}")
        if st != 200:
            continue
        for u in batch:
            want = tr.device_keys.get(u, {})
            got = b.get("device_keys", {}).get(u, {})
            tally.check("keys", set(got) == set(want), f"{u}: devices {sorted(got)} want {sorted(want)}")
            for dev, w in want.items():
                g = got.get(dev, {})
                sigs = {u: dict(w["signatures"][u])}
                for ou, s in tr.xsigs.get((u, dev), {}).items():
                    sigs.setdefault(ou, {}).update(s)
                tally.check("keys", g.get("keys") == w["keys"] and g.get("algorithms") == w["algorithms"]
                            and g.get("signatures") == sigs, f"{u}/{dev}: got {str(g)[:160]}")
            for kind, field in ((1, "master_keys"), (2, "self_signing_keys")):
                pub = tr.xsign.get((u, kind))
                g = b.get(field, {}).get(u)
                tally.check("keys", (g is None) if pub is None else (g is not None and g.get("keys") == {
                    f"ed25519:{pub}": pub}), f"{u} {field}: got {g} want {pub}")


def check_account_data(c, tr, users, tally):
    """Every account-data item of the sampled users as the dump holds it: global and per-room
    through `/account_data`, `m.tag` through `/tags` (Synapse serves tags only there and in
    /sync); a room without tags answers `{"tags": {}}`."""
    for lp in users:
        user, tok = tr.user(lp), tr.devices[lp][0][0]
        items = tr.account_data.get(lp, {})
        for (room, typ), want in sorted(items.items()):
            if typ == "m.tag":
                st, got = c.call("GET", f"/_matrix/client/v3/user/{q(user)}/rooms/{q(room)}/tags", tok)
            elif room:
                st, got = c.call("GET", f"/_matrix/client/v3/user/{q(user)}/rooms/{q(room)}/account_data/{q(typ)}", tok)
            else:
                st, got = c.call("GET", f"/_matrix/client/v3/user/{q(user)}/account_data/{q(typ)}", tok)
            tally.check("account-data", st == 200 and got == want, f"{lp} {room or 'global'} {typ}: {st} {got} want {want}")
        untagged = sorted(r for r in tr.rooms_of.get(user, ()) if (r, "m.tag") not in items)[:2]
        for room in untagged:
            st, got = c.call("GET", f"/_matrix/client/v3/user/{q(user)}/rooms/{q(room)}/tags", tok)
            tally.check("account-data", st == 200 and got == {"tags": {}}, f"{lp} {room} no tags: {st} {got}")


def check_pushers(c, tr, users, tally):
    """`/pushers` of each sampled user: exactly the dump's pushers (kind, app, names, pushkey,
    profile tag, language, data)."""
    fields = ("kind", "app_id", "app_display_name", "device_display_name", "pushkey", "profile_tag", "lang", "data")
    for lp in users:
        st, b = c.call("GET", "/_matrix/client/v3/pushers", tr.devices[lp][0][0])
        got = sorted((tuple(p.get(f) for f in fields) for p in b.get("pushers", [])), key=repr) if st == 200 else None
        want = sorted(tr.pushers.get(lp, []), key=repr)
        tally.check("pushers", got == want, f"{lp} /pushers: {st} {got} want {want}")


def check_presence(c, tr, users, tally):
    """The status message each sampled user set (Synapse's own timeouts may move a stale
    `online` to `offline`, so the state itself is not compared)."""
    for lp in users:
        user = tr.user(lp)
        st, b = c.call("GET", f"/_matrix/client/v3/presence/{q(user)}/status", tr.devices[lp][0][0])
        want = tr.status_msg.get(user)
        tally.check("presence", st == 200 and b.get("status_msg") == want,
                    f"{lp} presence: {st} status_msg {b.get('status_msg')!r} want {want!r}")


def check_directory(c, tr, tok, tally):
    """Every local address resolves to its room with this server among the servers;
    `/publicRooms`, paged through, lists exactly the public rooms, with their joined members."""
    for alias, room in sorted(tr.aliases.items()):
        st, b = c.call("GET", f"/_matrix/client/v3/directory/room/{q(alias)}", tok)
        tally.check("directory", st == 200 and b.get("room_id") == room and tr.server in b.get("servers", []),
                    f"{alias}: {st} {b} want {room}")
    got, since = {}, None
    for _ in range(1000):
        st, b = c.call("GET", "/_matrix/client/v3/publicRooms", tok, params={"limit": "500", **(
            {"since": since} if since else {})})
        if st != 200:
            break
        got.update({r["room_id"]: r.get("num_joined_members") for r in b.get("chunk", [])})
        since = b.get("next_batch")
        if not since:
            break
    tally.check("directory", st == 200 and set(got) == tr.public, f"/publicRooms: {st}, {len(got)} rooms, want "
                f"{len(tr.public)}; {sorted(set(got) ^ tr.public)[:3]} differ")
    for room in sorted(tr.public & set(got)):
        tally.check("directory", got[room] == len(tr.joined[room]),
                    f"/publicRooms {room}: {got[room]} members, want {len(tr.joined[room])}")


def check_upgrades(c, tr, tally):
    """Every upgraded room, asked as a local member of both rooms: the old room's tombstone
    names the new room, the new room's create event names the old room and the tombstone as
    `predecessor`, the old room's power levels are the restricted ones, each as the dump's
    current state holds it; then both rooms' `/state` and `/messages` as in `rooms`."""
    for old, new in sorted(tr.upgrades.items()):
        both = sorted(u for u in tr.joined.get(old, set()) & tr.joined.get(new, set())
                      if u.endswith(":" + tr.server) and u[1:].split(":")[0] in tr.devices)
        tally.check("upgrades", bool(both), f"{old} -> {new}: no local member in both")
        if not both:
            continue
        tok = tr.devices[both[0][1:].split(":")[0]][0][0]
        tomb_id, tomb = tr.upgrade_state[(old, "m.room.tombstone")]
        want_pred = {"event_id": tomb_id, "room_id": old}
        tally.check("upgrades", tomb.get("replacement_room") == new
                    and tr.upgrade_state[(new, "m.room.create")][1].get("predecessor") == want_pred,
                    f"{old} -> {new}: the dump's tombstone and predecessor disagree")
        for room, typ in ((old, "m.room.tombstone"), (new, "m.room.create"), (old, "m.room.power_levels")):
            st, got = c.call("GET", f"/_matrix/client/v3/rooms/{q(room)}/state/{q(typ)}/", tok)
            want = tr.upgrade_state[(room, typ)][1]
            tally.check("upgrades", st == 200 and got == want, f"{room} {typ}: {st} {str(got)[:200]} want {want}")
        for room in (old, new):
            check_room(c, tr, room, tally, "upgrades")


def check_knocks(c, tr, limit, tally):
    """Rooms whose join rule is `knock` (up to `limit`), asked as a local member:
    `/members?membership=knock` = the users whose current membership there is a knock."""
    for room in tr.knock_rooms[:limit]:
        local = sorted(u for u in tr.joined.get(room, ()) if u.endswith(":" + tr.server)
                       and u[1:].split(":")[0] in tr.devices)
        if not local:
            continue
        st, b = c.call("GET", f"/_matrix/client/v3/rooms/{q(room)}/members", tr.devices[local[0][1:].split(":")[0]][0][0],
                       params={"membership": "knock"})
        got = {e["state_key"] for e in b.get("chunk", [])} if st == 200 else None
        want = tr.knocked.get(room, set())
        tally.check("knocks", got == want, f"{room} knocks: {st} {sorted(got or [])[:3]} want {sorted(want)[:3]}")


def check_login(c, tr, users, seed, tally):
    """Last (it writes: a new device): the generated password logs the first sampled users in."""
    for lp in [u for u in users if u not in tr.no_password][:3]:
        st, b = c.call("POST", "/_matrix/client/v3/login", "", {
            "type": "m.login.password", "identifier": {"type": "m.id.user", "user": lp}, "password": f"pw-{seed}-{lp}"})
        tally.check("accounts", st == 200 and b.get("user_id") == tr.user(lp), f"{lp} password login: {st} {b}")


def dump_seed(d):
    """The seed scripts/gen-dump recorded in DIR/gen-params (passwords are pw-SEED-LOCALPART)."""
    try:
        words = open(f"{d}/gen-params").read().split()
        return words[words.index("--seed") + 1]
    except (OSError, ValueError, IndexError):
        return "1"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("base")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--rooms", type=int, default=100)
    ap.add_argument("--state-events", type=int, default=1000)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--wait", type=float, default=3600, help="seconds to wait for the server")
    ap.add_argument("--all-differences", action="store_true")
    a = ap.parse_args()
    t0 = time.monotonic()
    tr = Truth(f"{a.dir}/dendrite.sql")
    print(f"ask-synapse: truth read in {time.monotonic() - t0:.0f} s ({len(tr.events)} events, "
          f"{len(tr.state)} rooms, {len(tr.devices)} users with devices)", flush=True)
    rng = random.Random(a.seed)
    c, tally = Client(a.base), Tally(a.all_differences)
    if not c.wait(a.wait):
        sys.exit("ask-synapse: the server never answered")
    users = sorted(lp for lp in tr.devices if tr.user(lp) in tr.rooms_of)
    heavy = sorted(users, key=lambda lp: -len(tr.rooms_of[tr.user(lp)]))[:5]
    sample_users = sorted(set(heavy) | set(rng.sample(users, min(len(users), a.users))))
    pruned = check_notifications(c, tr, sample_users, tally)
    for lp in sample_users:
        check_user(c, tr, lp, tally)
    rooms = sorted((r for r in tr.joined if any(u.endswith(":" + tr.server) and u[1:].split(":")[0] in tr.devices
                                                  for u in tr.joined[r])),
                   key=lambda r: (-len(tr.timeline.get(r, [])), r))
    sample_rooms = rooms[:5] + rng.sample(rooms[5:], min(len(rooms) - 5, max(0, a.rooms - 5)))
    for room in sample_rooms:
        check_room(c, tr, room, tally)
    admin_tok = tr.devices[tr.admin_lp][0][0]
    # State at events: 20 in each of the biggest rooms (their state is thousands of members),
    # the rest spread over the other sampled rooms (a small room gives what it has).
    left = a.state_events
    for i, room in enumerate(sample_rooms):
        live = sorted(e for e in tr.timeline[room] if not tr.events[e][5])
        k = min(len(live), 20 if i < 5 else -(-left // max(1, len(sample_rooms) - i)))
        left -= k
        check_state_at(c, tr, admin_tok, room, rng.sample(live, k), tally)
    top = max(ev[0] for ev in tr.events.values())
    P = max(1, top - 3000)
    for lp in sample_users[:a.users]:
        check_resume(c, tr, lp, P, tally)
    check_keys(c, tr, sample_users, tally)
    check_account_data(c, tr, sample_users, tally)
    check_pushers(c, tr, sample_users, tally)
    check_presence(c, tr, sample_users, tally)
    check_directory(c, tr, tr.devices[sample_users[0]][0][0], tally)
    check_upgrades(c, tr, tally)
    check_knocks(c, tr, a.rooms, tally)
    check_login(c, tr, sample_users, dump_seed(a.dir), tally)
    print(f"ask-synapse: {len(sample_users)} users, {len(sample_rooms)} rooms, {c.requests} requests, "
          f"{time.monotonic() - t0:.0f} s; notifications not served (pruned by Synapse): {pruned[0]} of {pruned[1]}")
    for cat in sorted(tally.n):
        known = " (known bug, not failed on)" if cat in KNOWN else ""
        print(f"ask-synapse: {cat}: {tally.n[cat] - tally.bad.get(cat, 0)} matched, {tally.bad.get(cat, 0)} differ{known}")
    sys.exit(1 if set(tally.bad) - KNOWN else 0)


if __name__ == "__main__":
    main()
