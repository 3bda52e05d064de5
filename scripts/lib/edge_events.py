"""Real events added to a loaded Synapse database, for the edge-case scripts
(scripts/lib/sliding-sync-edges.py, scripts/lib/stats-edges.py).

Each event is built on its room's create event, with the type, content and state key the case
gives, and its ID is what Synapse's own `make_event_from_dict` derives for the room's version,
so Synapse's event fetcher loads it (it refuses an event whose stored ID is not the one it
derives). Its rows are copies of the create event's `events` and `event_json` rows with the new
values put in.
"""

import json

from synapse.api.room_versions import KNOWN_ROOM_VERSIONS, EventFormatVersions
from synapse.events import make_event_from_dict


class EdgeEvents:
    """Adds events through `cur`. `id_prefix` names the v1/v2 event IDs (`$PREFIX-N:server`);
    `next_ordering` is the stream position after which new events go; `membership_column` fills
    `current_state_events.membership` for member events made current."""

    def __init__(self, cur, id_prefix, next_ordering, membership_column=False):
        self.cur = cur
        self.id_prefix = id_prefix
        self.next_ordering = next_ordering
        self.membership_column = membership_column
        self.serial = 0

    def add_event(self, room, version, etype, content, state_key="", sender=None, redacts=None, internal="{}",
                  outlier=False, unsigned=None, current=True):
        """A new event of `room`; returns its ID. `unsigned` is added after the ID is derived (it is
        not hashed); `current` False leaves current state alone."""
        cur = self.cur
        self.next_ordering += 1
        self.serial += 1
        serial, ordering = self.serial, self.next_ordering
        cur.execute(
            "SELECT c.event_id, j.json FROM current_state_events c JOIN event_json j USING (event_id)"
            " WHERE c.room_id = %s AND c.type = 'm.room.create' AND c.state_key = ''", (room,))
        template, js = cur.fetchone()
        d = json.loads(js)
        d.pop("unsigned", None)
        d.update(type=etype, content=content, origin_server_ts=d["origin_server_ts"] + serial, depth=d["depth"] + serial)
        d.pop("state_key", None)
        if state_key is not None:
            d["state_key"] = state_key
        if sender:
            d["sender"] = sender
        if redacts:
            d["redacts"] = redacts
        rv = KNOWN_ROOM_VERSIONS[version]
        if rv.event_format == EventFormatVersions.ROOM_V1_V2:
            d["event_id"] = "$%s-%d:%s" % (self.id_prefix, serial, d["sender"].split(":", 1)[1])
        event_id = make_event_from_dict(d, rv).event_id
        if unsigned is not None:
            d["unsigned"] = unsigned
        cur.execute(
            "INSERT INTO events SELECT (jsonb_populate_record(e, jsonb_build_object('event_id', %s, 'type', %s,"
            " 'state_key', %s, 'sender', %s, 'stream_ordering', %s, 'outlier', %s,"
            " 'topological_ordering', e.topological_ordering + %s, 'depth', e.depth + %s))).* FROM events e"
            " WHERE event_id = %s",
            (event_id, etype, state_key, d["sender"], ordering, outlier, serial, serial, template))
        cur.execute(
            "INSERT INTO event_json SELECT (jsonb_populate_record(j, jsonb_build_object('event_id', %s, 'json', %s,"
            " 'internal_metadata', %s))).* FROM event_json j WHERE event_id = %s",
            (event_id, json.dumps(d), internal, template))
        if state_key is not None and current:
            membership = content.get("membership") if self.membership_column and etype == "m.room.member" else None
            cur.execute(
                "DELETE FROM current_state_events WHERE room_id = %s AND type = %s AND state_key = %s",
                (room, etype, state_key))
            cur.execute(
                "INSERT INTO current_state_events (event_id, room_id, type, state_key, event_stream_ordering, membership)"
                " VALUES (%s, %s, %s, %s, %s, %s)", (event_id, room, etype, state_key, ordering, membership))
        return event_id

    def reject(self, event_id):
        """Marks the event rejected (Synapse's reason for failed authorisation); returns its ID."""
        self.cur.execute("INSERT INTO rejections (event_id, reason, last_check) VALUES (%s, 'auth_error', '0')",
                         (event_id,))
        return event_id

    def redact(self, room, version, target, recheck=False, **kw):
        """A redaction of `target`; `recheck` is the redactions row's flag. Returns its ID."""
        rid = self.add_event(room, version, "m.room.redaction", {"redacts": target}, state_key=None, redacts=target,
                             **kw)
        self.cur.execute("INSERT INTO redactions (event_id, redacts, have_censored, received_ts, recheck)"
                         " VALUES (%s, %s, false, 0, %s)", (rid, target, recheck))
        return rid
