"""Edge cases for sliding_sync_joined_rooms, added to a loaded Synapse database.

    .venv/bin/python scripts/lib/sliding-sync-edges.py DBNAME     (PG* environment as psql)

Each case gives one joined room (taken in room ID order) a new current state event, a
redaction, a rejection or a newest event the table must not count — shapes the fixtures and
the generator do not hold. The events are real events of the room's version: their IDs are
what Synapse's own `make_event_from_dict` derives, so Synapse's event fetcher loads them
(it refuses an event whose stored ID is not the one it derives). Prints one line per case.
Used by scripts/tests/44-sliding-sync.
"""

import json
import sys

import psycopg2
from synapse.api.room_versions import KNOWN_ROOM_VERSIONS, EventFormatVersions
from synapse.events import make_event_from_dict

conn = psycopg2.connect(dbname=sys.argv[1])
cur = conn.cursor()
cur.execute(
    "SELECT DISTINCT l.room_id, r.room_version FROM local_current_membership l JOIN rooms r USING (room_id)"
    " WHERE l.membership = 'join' AND r.room_version <> '12' ORDER BY 1"
)
rooms = cur.fetchall()
cur.execute("SELECT max(stream_ordering) FROM events")
next_ordering = cur.fetchone()[0]
serial = 0


def add_event(room, version, etype, content, state_key="", sender=None, redacts=None, internal="{}",
              outlier=False):
    """A new event of `room` built on its create event; returns its ID."""
    global next_ordering, serial
    next_ordering += 1
    serial += 1
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
        d["event_id"] = "$d2s-edge-%d:%s" % (serial, d["sender"].split(":", 1)[1])
    event_id = make_event_from_dict(d, rv).event_id
    cur.execute(
        "INSERT INTO events SELECT (jsonb_populate_record(e, jsonb_build_object('event_id', %s, 'type', %s,"
        " 'state_key', %s, 'sender', %s, 'stream_ordering', %s, 'outlier', %s,"
        " 'topological_ordering', e.topological_ordering + %s, 'depth', e.depth + %s))).* FROM events e WHERE event_id = %s",
        (event_id, etype, state_key, d["sender"], next_ordering, outlier, serial, serial, template))
    cur.execute(
        "INSERT INTO event_json SELECT (jsonb_populate_record(j, jsonb_build_object('event_id', %s, 'json', %s,"
        " 'internal_metadata', %s))).* FROM event_json j WHERE event_id = %s",
        (event_id, json.dumps(d), internal, template))
    if state_key is not None:
        cur.execute(
            "DELETE FROM current_state_events WHERE room_id = %s AND type = %s AND state_key = %s",
            (room, etype, state_key))
        cur.execute(
            "INSERT INTO current_state_events (event_id, room_id, type, state_key, event_stream_ordering)"
            " VALUES (%s, %s, %s, %s, %s)", (event_id, room, etype, state_key, next_ordering))
    return event_id


def reject(event_id):
    cur.execute("INSERT INTO rejections (event_id, reason, last_check) VALUES (%s, 'auth_error', '0')", (event_id,))


def redact(room, version, target, recheck, **kw):
    """A redaction of `target`; `recheck` is the redactions row's flag. Returns its ID."""
    rid = add_event(room, version, "m.room.redaction", {"redacts": target}, state_key=None, redacts=target, **kw)
    cur.execute("INSERT INTO redactions (event_id, redacts, have_censored, received_ts, recheck)"
                " VALUES (%s, %s, false, 0, %s)", (rid, target, recheck))
    return rid


RECHECK = json.dumps({"recheck_redaction": True})


def case_name_number(r, v):
    add_event(r, v, "m.room.name", {"name": 42})


def case_name_nul(r, v):
    add_event(r, v, "m.room.name", {"name": "nul\u0000inside"})


def case_name_escaped_backslash(r, v):
    add_event(r, v, "m.room.name", {"name": "back\\u0000slash"})


def case_name_null(r, v):
    add_event(r, v, "m.room.name", {"name": None})


def case_name_redacted(r, v):
    redact(r, v, add_event(r, v, "m.room.name", {"name": "redacted, confirmed"}), False)


def case_name_redacted_after_recheck(r, v):
    redact(r, v, add_event(r, v, "m.room.name", {"name": "redacted, same domain"}), True, internal=RECHECK)


def case_name_redaction_other_domain(r, v):
    redact(r, v, add_event(r, v, "m.room.name", {"name": "kept: other domain"}), True, internal=RECHECK,
           sender="@mallory:elsewhere.example")


def case_name_redaction_other_domain_no_recheck_flag(r, v):
    redact(r, v, add_event(r, v, "m.room.name", {"name": "redacted: no recheck flag"}), True,
           sender="@mallory:elsewhere.example")


def case_name_redaction_rejected(r, v):
    reject(redact(r, v, add_event(r, v, "m.room.name", {"name": "kept: redaction rejected"}), True))


def case_name_rejected(r, v):
    reject(add_event(r, v, "m.room.name", {"name": "rejected name"}))


def case_encryption_null(r, v):
    add_event(r, v, "m.room.encryption", {"algorithm": None})


def case_encryption_number(r, v):
    add_event(r, v, "m.room.encryption", {"algorithm": 1})


def case_encryption_missing(r, v):
    add_event(r, v, "m.room.encryption", {"rotation_period_ms": 1})


def case_encryption_rejected(r, v):
    reject(add_event(r, v, "m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"}))


def case_encryption_redacted(r, v):
    redact(r, v, add_event(r, v, "m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"}), False)


def case_tombstone(r, v):
    add_event(r, v, "m.room.tombstone", {"replacement_room": "!new:elsewhere.example", "body": "moved"})


def case_tombstone_number(r, v):
    add_event(r, v, "m.room.tombstone", {"replacement_room": 5})


def case_room_type(r, v):
    add_event(r, v, "m.room.create", {"room_version": v, "type": "m.space", "creator": "@x:elsewhere.example"})


def case_room_type_number(r, v):
    add_event(r, v, "m.room.create", {"room_version": v, "type": 7, "creator": "@x:elsewhere.example"})


def case_newest_outlier(r, v):
    add_event(r, v, "m.room.message", {"body": "outlier"}, state_key=None, outlier=True)


def case_newest_rejected(r, v):
    reject(add_event(r, v, "m.room.message", {"body": "rejected"}, state_key=None))


def case_newest_not_a_bump(r, v):
    add_event(r, v, "m.reaction", {"key": "x"}, state_key=None)


def case_bump_sticker(r, v):
    add_event(r, v, "m.sticker", {"body": "sticker"}, state_key=None)


CASES = [f for n, f in sorted(globals().items()) if n.startswith("case_")]
if len(rooms) < len(CASES):
    sys.exit("sliding-sync-edges: %d joined rooms (not v12), %d cases" % (len(rooms), len(CASES)))
for (room, version), case in zip(rooms, CASES):
    case(room, version)
    print("%s: %s (v%s)" % (case.__name__[5:], room, version))
conn.commit()
