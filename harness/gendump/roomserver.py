"""Rooms stored the way Dendrite v0.13.8's roomserver and sync API store them.

How it works: a `Room` holds the room's current state ((type, state_key) -> `Ev`), its forward
extremities and its members; `Room.add(built, ...)` gives the event its NIDs and before-state
snapshot, writes its rows (roomserver events/JSON/previous events, sync stream and topology) and
moves the room on. The state layout follows Dendrite's `CalculateAndStoreStateAfterEvents`
(docs/gen-dump.md has the sources):

  - no prev events (create): the shared empty snapshot (block list `{}`, hash of `null`);
  - one prev event that is a non-rejected state event: the prev's before-snapshot's block list
    plus a new one-event block, as long as that list has fewer than 64 blocks;
  - one prev event that is not a state event, or rejected: the prev's own before-snapshot;
  - several prev events (a merge), or a list at the 64-block cap: the resolved state written as
    one full block, alone in its snapshot.
  Blocks and snapshots are de-duplicated by hash (BLAKE2b-256 of the JSON array of NIDs), as
  Dendrite's upserts do, so the snapshot the room moves to after a state event is the one its
  next event is stored with.

Traps: a block list is sorted by NID and later blocks override earlier ones, so a full block
must be written after the deltas it replaces (it always is: NIDs only grow). Rejected and
soft-failed events get a before-snapshot but never enter the state, the extremities or the
sync stream (`sent_to_output` false). Merges here only join branches that changed different
state keys, so the resolved state is the union, whatever the state-resolution algorithm.
"""

import collections
import hashlib
import zlib

from .events import canonical, redact

MAX_BLOCKS = 64
MEMBERSHIP_NID = {"leave": 1, "ban": 1, "invite": 2, "join": 3, "knock": 4}
HISTORY_VIS = {"world_readable": 1, "shared": 2, "invited": 3, "joined": 4}
BASE_TYPES = {
    "m.room.create": 1, "m.room.power_levels": 2, "m.room.join_rules": 3, "m.room.third_party_invite": 4,
    "m.room.member": 5, "m.room.redaction": 6, "m.room.history_visibility": 7,
}


def nid_hash(nids):
    text = "[" + ",".join(map(str, nids)) + "]" if nids else "null"
    return hashlib.blake2b(text.encode(), digest_size=32).digest()


class Ev:
    __slots__ = ("built", "nid", "snap", "key", "rejected", "stream", "depth", "after", "headered", "auth", "prev",
                 "before")

    def __init__(self, built, nid, snap, key, rejected):
        self.built, self.nid, self.snap, self.key, self.rejected = built, nid, snap, key, rejected
        self.stream, self.depth, self.after, self.headered = None, built.depth, None, None
        self.auth = self.prev = self.before = None  # kept for events the server has not seen yet

    @property
    def event_id(self):
        return self.built.event_id

    @property
    def is_state(self):
        return self.key is not None


class Server:
    """Server-wide NID registries, the state store and the stream positions."""

    def __init__(self, tables, local, resume=None):
        self.t, self.local = tables, local
        self.types = dict(BASE_TYPES)
        self.state_keys = {"": 1}
        self.next_type = self.next_key = 65536  # Dendrite's sequences for both start there
        self.event_nid = self.room_nid = self.block_nid = self.snap_nid = 0
        self.stream = 0  # syncapi_stream_id: PDUs, account data, invites
        self.blocks, self.snaps, self.snap_blocks = {}, {}, {}
        self.stored_types, self.stored_keys = set(), set()  # already in the database (`resume`)
        if resume is None:
            self.empty_snap = self.snapshot(0, ())
        else:
            self.resume(**resume)

    def resume(self, *, types, state_keys, event_nid, room_nid, block_nid, snap_nid, stream, empty_snap):
        """Go on from an existing database (its registries, sequence positions and empty snapshot):
        new rows then extend it, and `finish` writes only the types and state keys it lacked."""
        self.types, self.state_keys = dict(types), dict(state_keys)
        self.stored_types, self.stored_keys = set(types), set(state_keys)
        self.next_type = max(65536, max(types.values()) + 1)
        self.next_key = max(65536, max(state_keys.values()) + 1)
        self.event_nid, self.room_nid, self.block_nid, self.snap_nid = event_nid, room_nid, block_nid, snap_nid
        self.stream, self.empty_snap = stream, empty_snap
        self.snaps[()], self.snap_blocks[empty_snap] = empty_snap, ()

    def type_nid(self, t):
        n = self.types.get(t)
        if n is None:
            n = self.types[t] = self.next_type
            self.next_type += 1
        return n

    def key_nid(self, k):
        n = self.state_keys.get(k)
        if n is None:
            n = self.state_keys[k] = self.next_key
            self.next_key += 1
        return n

    def block(self, nids):
        nids = tuple(sorted(nids))
        n = self.blocks.get(nids)
        if n is None:
            self.block_nid += 1
            n = self.blocks[nids] = self.block_nid
            self.t.row("roomserver_state_block", n, nid_hash(nids), nids)
        return n

    def snapshot(self, room_nid, block_nids):
        block_nids = tuple(sorted(set(block_nids)))
        n = self.snaps.get(block_nids)
        if n is None:
            self.snap_nid += 1
            n = self.snaps[block_nids] = self.snap_nid
            self.snap_blocks[n] = block_nids
            self.t.row("roomserver_state_snapshots", n, nid_hash(block_nids), room_nid, block_nids)
        return n

    def next_stream(self):
        self.stream += 1
        return self.stream

    def finish(self):
        t = self.t
        for name, nid in sorted(self.types.items(), key=lambda x: x[1]):
            if name not in self.stored_types:
                t.row("roomserver_event_types", nid, name)
        for key, nid in sorted(self.state_keys.items(), key=lambda x: x[1]):
            if key not in self.stored_keys:
                t.row("roomserver_event_state_keys", nid, key)
        t.sequences.update({
            "roomserver_event_nid_seq": self.event_nid,
            "roomserver_room_nid_seq": self.room_nid,
            "roomserver_state_block_nid_seq": self.block_nid,
            "roomserver_state_snapshot_nid_seq": self.snap_nid,
            "roomserver_event_type_nid_seq": max(self.types.values()),
            "roomserver_event_state_key_nid_seq": max(self.state_keys.values()),
            "syncapi_stream_id": self.stream,
        })


class Room:
    def __init__(self, server, version, room_id=None):
        self.s, self.version, self.room_id = server, version, room_id
        server.room_nid += 1
        self.nid = server.room_nid
        self.state = {}  # (type, state_key) -> Ev
        self.latest = []  # forward extremities (Ev)
        self.members = {}  # user -> membership
        self.joined = []  # joined users, for picking senders
        self.depth = 0
        self.hist_vis = "shared"
        self.last_sent = 0
        self.memberships = {}  # (user, membership) -> (event_id, stream, depth), syncapi_memberships
        self.rs_membership = {}  # target -> (sender_nid, membership_nid, event_nid)
        self.count = 0
        self.deferred = {}  # event NID -> (replaced, txn) of events awaiting their redaction
        self.unseen = False  # True while no local user has joined (a remote room's early history)
        self.keep_before = False  # keep each unseen event's state (backfill candidates)
        self.unseen_events, self.backfill_events = [], []
        self.invites = []  # (invite Ev, sync invite stream position or None)
        self.tail = collections.deque(maxlen=30)  # the last messages (receipts, notifications)
        self.redacted_ids = set()  # events stored redacted
        self.tombstone = None  # the Ev of m.room.tombstone once the room is upgraded

    # --- state --------------------------------------------------------------------------
    def after_snapshot(self, ev):
        """The snapshot of the state after `ev` (Dendrite's single-prev cases). First asked
        while `ev` is the room's only extremity (so the room's state is its after-state), then
        remembered for branches that start at `ev` later."""
        if ev.after is None:
            if not ev.is_state or ev.rejected:
                ev.after = ev.snap
            else:
                blocks = self.s.snap_blocks[ev.snap]
                if len(blocks) < MAX_BLOCKS:
                    ev.after = self.s.snapshot(self.nid, blocks + (self.s.block((ev.nid,)),))
                else:
                    ev.after = self.full_snapshot([e.nid for e in self.state.values()])
        return ev.after

    def full_snapshot(self, nids):
        return self.s.snapshot(self.nid, (self.s.block(nids),))

    def before_snapshot(self, prev):
        if not prev:
            return self.s.empty_snap
        if len(prev) == 1:
            return self.after_snapshot(prev[0])
        return self.full_snapshot([e.nid for e in self.state.values()])

    def auth_for(self, etype, sender, state_key=None, membership=None):
        """Auth events by the spec's selection: create, power levels, sender's member, and for
        member events the target's member and (join/invite/knock) the join rules."""
        want = [("m.room.create", ""), ("m.room.power_levels", "")]
        if etype == "m.room.member":
            if membership in ("join", "invite", "knock"):
                want.append(("m.room.join_rules", ""))
            want.append(("m.room.member", sender))
            if state_key != sender:
                want.append(("m.room.member", state_key))
        else:
            want.append(("m.room.member", sender))
        return [self.state[k] for k in want if k in self.state]

    # --- storing ------------------------------------------------------------------------
    def add(self, built, prev, auth, *, rejected=False, soft_failed=False, txn=None, record_prev=True, defer=False,
            join_state=False):
        """Store one event whose prev events are `prev` (Ev list, built against the same).
        `join_state`: the local server's first join (send_join), stored with the room's state
        as one full block, its sync row adding every state event."""
        s, t = self.s, self.s.t
        if self.room_id is None:
            self.room_id = built.room_id or "!" + built.event_id[1:]
        key = (built.type, built.state_key) if built.state_key is not None else None
        if self.unseen:
            return self._unseen(built, prev, auth, key)
        s.event_nid += 1
        snap = self.full_snapshot([e.nid for e in self.state.values()]) if join_state else self.before_snapshot(prev)
        ev = Ev(built, s.event_nid, snap, key, rejected)
        # A remote event delivered twice (1 in 32, by its ID): Dendrite processes it again and
        # the upsert of its event row draws a NID from the sequence anyway, leaving a gap.
        crc = zlib.crc32(built.event_id.encode())
        s.event_nid += not built.sender.endswith(":" + s.local) and crc % 32 == 0
        type_nid = s.type_nid(built.type)
        key_nid = s.key_nid(built.state_key) if key else 0
        to_output = not (rejected or soft_failed)
        t.row("roomserver_events", ev.nid, self.nid, type_nid, key_nid, to_output, ev.snap, built.depth,
              built.event_id, [a.nid for a in auth], rejected)
        if record_prev:
            for p in prev:
                t.row("roomserver_previous_events", p.event_id, [ev.nid])
        self.count += 1
        if not to_output:
            self._write_json(ev)
            return ev
        replaced = self.state.get(key) if key else None
        if key:
            self.state[key] = ev
        self.latest = [e for e in self.latest if e not in prev] + [ev]
        self.last_sent = ev.nid
        ev.stream = s.next_stream()
        # A third of local messages: the sender's client moves its read marker (`m.fully_read`);
        # Dendrite's upsert moves that account-data row to a new stream position, and its last
        # move (written with the account data, at the end) leaves this one unused.
        s.stream += txn is not None and crc % 3 == 0
        if built.type == "m.room.history_visibility":
            self.hist_vis = built.event["content"].get("history_visibility", "shared")
        if built.type == "m.room.member":
            self._membership(ev, replaced)
        if built.type in ("m.room.message", "m.room.encrypted") and not defer:
            self.tail.append(ev)
        if defer:  # to be redacted: rows are written by `redacted`
            self.deferred[ev.nid] = (replaced, txn)
            return ev
        self._write_json(ev)
        if join_state:
            for e in self.state.values():
                if e.stream is None:
                    e.stream = ev.stream
            self._sync_row(ev, None, txn, add=[e.event_id for e in self.state.values()])
        else:
            self._sync_row(ev, replaced, txn)
        return ev

    # --- events from before the local server joined ---------------------------------------
    def _unseen(self, built, prev, auth, key):
        """An event of a remote room before any local user joined: kept in memory only; the
        join decides which of them become outliers, which get backfilled, which stay unknown."""
        ev = Ev(built, None, None, key, False)
        ev.auth, ev.prev = auth, prev
        if self.keep_before:
            ev.before = dict(self.state)
        self.unseen_events.append(ev)
        self.count += 1
        if key:
            self.state[key] = ev
        self.latest = [ev]
        if built.type == "m.room.history_visibility":
            self.hist_vis = built.event["content"].get("history_visibility", "shared")
        if built.type == "m.room.member":
            self._membership(ev, None)
        return ev

    def see(self, backfill):
        """The local server joins now (send_join): the room's state and the auth chains, plus the
        state the later backfill needs, arrive as outliers (NIDs now, no snapshot, not sent to
        the sync stream); `backfill` (events of the pre-join history that a client will page
        back to) is stored by `backfill` at the end with the state it had."""
        self.unseen = False
        need, seen = list(self.state.values()), set()
        for ev in backfill:
            need += ev.before.values()
            need += ev.auth
        while need:
            ev = need.pop()
            if id(ev) not in seen:
                seen.add(id(ev))
                need += ev.auth
        order = {id(e): i for i, e in enumerate(self.unseen_events)}
        outliers = sorted((e for e in self.unseen_events if id(e) in seen), key=lambda e: order[id(e)])
        later = {id(e) for e in backfill}
        for ev in outliers:
            self.s.event_nid += 1
            ev.nid = self.s.event_nid
            if id(ev) not in later:
                self._stored_row(ev, 0)
        self.backfill_events = backfill

    def _stored_row(self, ev, snap):
        b, s = ev.built, self.s
        key_nid = s.key_nid(b.state_key) if ev.key else 0
        s.t.row("roomserver_events", ev.nid, self.nid, s.type_nid(b.type), key_nid, False, snap, b.depth,
                b.event_id, [a.nid for a in ev.auth], False)
        self._write_json(ev)

    def backfill(self):
        """A client paged back past the join: the pre-join tail stored with the state before
        each event (a full block, as Dendrite stores events that come with their state), sync
        rows at today's stream positions, excluded from /sync, with empty state deltas."""
        events = self.backfill_events
        inside = {id(e) for e in events}
        for ev in events:
            if ev.nid is None:
                self.s.event_nid += 1
                ev.nid = self.s.event_nid
            before = [e.nid for e in ev.before.values()]
            snap = self.full_snapshot(before) if before else self.s.empty_snap
            self._stored_row(ev, snap)
            for p in ev.prev:
                self.s.t.row("roomserver_previous_events", p.event_id, [ev.nid])
            b = ev.built
            stream = self.s.next_stream()
            self.s.t.row("syncapi_output_room_events", stream, b.event_id, self.room_id, self.headered(ev), b.type,
                         b.sender, "url" in b.event["content"], [], [], None, None, True, HISTORY_VIS["shared"])
            self.s.t.row("syncapi_output_room_events_topology", b.event_id, b.depth, stream, self.room_id)
        if events:
            for p in events[0].prev:
                if id(p) not in inside:
                    self.s.t.row("syncapi_backward_extremities", self.room_id, events[0].event_id, p.event_id)
        self.backfill_events = []

    def redacted(self, ev, red):
        """Write the rows of deferred `ev` as Dendrite leaves them once redaction `red` is
        validated: redacted JSON with `unsigned.redacted_because` (the roomserver copy holds
        the redaction's NID and PDU, the sync copy its client form and an empty `_event_id`)."""
        replaced, txn = self.deferred.pop(ev.nid)
        rb = red.built
        base = canonical(redact(self.version, ev.built.event)).decode()[:-1]
        rs = f',"unsigned":{{"redacted_because":{{"EventNID":{red.nid},"PDU":{rb.json}}},"redacted_by":"{rb.event_id}"}}}}'
        client = {k: rb.event[k] for k in ("content", "origin_server_ts", "redacts", "sender", "type") if k in rb.event}
        client["event_id"] = rb.event_id
        sync = (f',"unsigned":{{"redacted_because":{canonical(client).decode()},"redacted_by":"{rb.event_id}"}}'
                f',"_room_version":"{self.version.ident}","_event_id":""}}')
        self.s.t.row("roomserver_event_json", ev.nid, base + rs)
        ev.headered = base + sync
        self._sync_row(ev, replaced, txn)
        self.s.t.row("roomserver_redactions", rb.event_id, ev.event_id, True)
        self.redacted_ids.add(ev.event_id)

    def invited(self, ev, local):
        """An invite: a roomserver_invites row (retired once the target's membership moves on)
        and, for a local target, a sync API invite row at the next stream position."""
        self.invites.append((ev, self.s.next_stream() if local and ev.stream is not None else None))

    def _membership(self, ev, replaced):
        b = ev.built
        m = b.event["content"]["membership"]
        target = b.state_key
        self.members[target] = m
        if m == "join":
            if target not in self.joined:
                self.joined.append(target)
        elif target in self.joined:
            self.joined.remove(target)
        self.memberships[(target, m)] = ev
        self.rs_membership[target] = (self.s.key_nid(b.sender), MEMBERSHIP_NID[m], ev)

    def headered(self, ev):
        if ev.headered is not None:
            return ev.headered
        b = ev.built
        return b.json[:-1] + f',"_room_version":"{self.version.ident}","_event_id":"{b.event_id}"}}'

    def _write_json(self, ev):
        self.s.t.row("roomserver_event_json", ev.nid, ev.built.json)

    def _sync_row(self, ev, replaced, txn, add=None):
        b, t = ev.built, self.s.t
        content = b.event["content"]
        contains_url = isinstance(content, dict) and "url" in content
        add = add or ([b.event_id] if ev.key else None)
        remove = [replaced.event_id] if replaced is not None else None
        session, txn_id = txn if txn else (None, None)
        t.row("syncapi_output_room_events", ev.stream, b.event_id, self.room_id, self.headered(ev),
              b.type, b.sender, contains_url, add, remove, session, txn_id, False, HISTORY_VIS[self.hist_vis])
        t.row("syncapi_output_room_events_topology", b.event_id, b.depth, ev.stream, self.room_id)

    def finish(self, local_server):
        s, t = self.s, self.s.t
        self.backfill()
        t.row("roomserver_rooms", self.nid, self.room_id, [e.nid for e in self.latest], self.last_sent,
              self.current_snapshot(), self.version.ident)
        for (_type, _sk), ev in sorted(self.state.items()):
            b = ev.built
            content = b.event["content"]
            membership = content.get("membership") if b.type == "m.room.member" else None
            if membership == "join":  # the federation API's record of who to send the room's events to
                t.row("federationsender_joined_hosts", self.room_id, b.event_id, b.state_key.split(":", 1)[1])
            t.row("syncapi_current_room_state", self.room_id, b.event_id, b.type, b.sender, "url" in content,
                  b.state_key, self.headered(ev), membership, ev.stream, HISTORY_VIS[self.hist_vis])
        for ev, stream in self.invites:
            if ev.nid is None:
                continue
            target = ev.built.state_key
            retired = self.rs_membership[target][2] is not ev
            t.row("roomserver_invites", ev.event_id, self.nid, s.key_nid(target), s.key_nid(ev.built.sender), retired,
                  ev.built.json)
            if stream is not None:
                t.row("syncapi_invite_events", stream, ev.event_id, self.room_id, target, self.headered(ev), retired)
        for (user, m), ev in sorted(self.memberships.items()):
            if ev.stream is not None:
                t.row("syncapi_memberships", self.room_id, user, m, ev.event_id, ev.stream, ev.depth)
        for target, (sender_nid, m_nid, ev) in sorted(self.rs_membership.items()):
            if ev.nid is not None:
                local = target.endswith(":" + local_server)
                t.row("roomserver_membership", self.nid, s.key_nid(target), sender_nid, m_nid, ev.nid, local, False)

    def current_snapshot(self):
        if len(self.latest) == 1:
            return self.after_snapshot(self.latest[0])
        return self.full_snapshot([e.nid for e in self.state.values()])
