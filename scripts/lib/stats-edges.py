"""Edge cases for the room and user stats, added to a loaded Synapse database.

    .venv/bin/python scripts/lib/stats-edges.py DBNAME      (PG* environment as psql)

Each case takes one joined room (room ID order, not version 12) and gives it new current state
events, redactions, rejections or unreadable JSON of shapes the fixtures and the generator do
not hold: topics with `m.topic` of every shape, values that are not strings or hold NUL, redacted
events of every type the stats read, create events with `m.federate` and `type` variants,
members of every membership and none local, deactivated and roomless users. The events are real
events of the room's version (their IDs are what Synapse's `make_event_from_dict` derives, so
Synapse's event fetcher loads them).

Prints one line per case: `case room column=expected ...`, the values Synapse's updates must
give that room by docs/synapse-schema.md §E.4 (`-` is NULL, `skipped` means no
room_stats_current row), or `user NAME joined_rooms=N` for the user cases.
Used by scripts/tests/49-stats.
"""

import json
import sys

import psycopg2
from edge_events import EdgeEvents

conn = psycopg2.connect(dbname=sys.argv[1])
cur = conn.cursor()
cur.execute(
    "SELECT DISTINCT l.room_id, r.room_version FROM local_current_membership l JOIN rooms r USING (room_id)"
    " WHERE l.membership = 'join' AND r.room_version <> '12' ORDER BY 1"
)
rooms = cur.fetchall()
cur.execute("SELECT greatest(max(stream_ordering), (SELECT max(stream_id) FROM current_state_delta_stream)) FROM events")
next_ordering = cur.fetchone()[0]
cur.execute("SELECT min(user_id) FROM local_current_membership")
SERVER = cur.fetchone()[0].split(":", 1)[1]
RECHECK = json.dumps({"recheck_redaction": True})


edges = EdgeEvents(cur, 'd2s-stats', next_ordering, membership_column=True)
add_event, reject, redact = edges.add_event, edges.reject, edges.redact


def unreadable(event_id, text):
    cur.execute("UPDATE event_json SET json = %s WHERE event_id = %s", (text, event_id))


# Each case returns the expectations for its room: {column: value}, None for NULL.
def case_topic_redacted(r, v):
    redact(r, v, add_event(r, v, "m.room.topic", {"topic": "secret"}))
    return {"topic": None}


def case_topic_m_topic_plain_after_html(r, v):
    add_event(r, v, "m.room.topic", {"topic": "fallback", "m.topic": {"m.text": [
        {"mimetype": "text/html", "body": "<b>html</b>"}, {"body": "plain second"}]}})
    return {"topic": "plain second"}


def case_topic_m_topic_no_plain(r, v):
    add_event(r, v, "m.room.topic", {"topic": "fallback only", "m.topic": {"m.text": [{"mimetype": "text/html", "body": "h"}]}})
    return {"topic": "fallback only"}


def case_topic_m_topic_not_an_object(r, v):
    add_event(r, v, "m.room.topic", {"topic": "plain topic", "m.topic": "text"})
    return {"topic": "plain topic"}


def case_topic_not_a_string(r, v):
    add_event(r, v, "m.room.topic", {"topic": 5, "m.topic": {"m.text": [{"body": "unused"}]}})
    return {"topic": None}


def case_topic_invalid_representations_skipped(r, v):
    add_event(r, v, "m.room.topic", {"topic": "t", "m.topic": {"m.text": [
        {"body": 5}, {"mimetype": 7, "body": "bad mimetype"}, "x", {"mimetype": "", "body": "empty mimetype"}]}})
    return {"topic": "empty mimetype"}


def case_topic_explicit_text_plain(r, v):
    add_event(r, v, "m.room.topic", {"topic": "t", "m.topic": {"m.text": [{"mimetype": "text/plain", "body": "explicit"}]}})
    return {"topic": "explicit"}


def case_topic_body_nul(r, v):
    add_event(r, v, "m.room.topic", {"topic": "t", "m.topic": {"m.text": [{"body": "a\u0000b"}]}})
    return {"topic": None}


def case_topic_missing(r, v):
    add_event(r, v, "m.room.topic", {"m.topic": {"m.text": [{"body": "no topic key"}]}})
    return {"topic": None}


def case_name_number(r, v):
    add_event(r, v, "m.room.name", {"name": 42})
    return {"name": None}


def case_name_nul(r, v):
    add_event(r, v, "m.room.name", {"name": "nul\u0000inside"})
    return {"name": None}


def case_name_escaped_backslash(r, v):
    add_event(r, v, "m.room.name", {"name": "back\\u0000slash"})
    return {"name": "back\\u0000slash"}


def case_name_rejected(r, v):
    reject(add_event(r, v, "m.room.name", {"name": "rejected name"}))
    return {"name": None}


def case_name_redaction_other_domain(r, v):
    redact(r, v, add_event(r, v, "m.room.name", {"name": "kept: other domain"}), True, internal=RECHECK,
           sender="@mallory:elsewhere.example")
    return {"name": "kept: other domain"}


def case_join_rules_redacted(r, v):
    redact(r, v, add_event(r, v, "m.room.join_rules", {"join_rule": "knock"}))
    return {"join_rules": "knock"}


def case_join_rules_number(r, v):
    add_event(r, v, "m.room.join_rules", {"join_rule": 1})
    return {"join_rules": None}


def case_history_visibility_redacted(r, v):
    redact(r, v, add_event(r, v, "m.room.history_visibility", {"history_visibility": "world_readable"}))
    return {"history_visibility": "world_readable"}


def case_avatar_number(r, v):
    add_event(r, v, "m.room.avatar", {"url": 3})
    return {"avatar": None}


def case_avatar_redacted(r, v):
    redact(r, v, add_event(r, v, "m.room.avatar", {"url": "mxc://x/redacted"}))
    return {"avatar": None}


def case_avatar(r, v):
    add_event(r, v, "m.room.avatar", {"url": "mxc://x/avatar"})
    return {"avatar": "mxc://x/avatar"}


def case_canonical_alias_nul(r, v):
    add_event(r, v, "m.room.canonical_alias", {"alias": "#a\u0000:x"})
    return {"canonical_alias": None}


def case_canonical_alias_redaction_rejected(r, v):
    reject(redact(r, v, add_event(r, v, "m.room.canonical_alias", {"alias": "#kept:x"}), True))
    return {"canonical_alias": "#kept:x"}


def case_encryption_redacted(r, v):
    redact(r, v, add_event(r, v, "m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"}))
    return {"encryption": None}


def case_encryption_null(r, v):
    add_event(r, v, "m.room.encryption", {"algorithm": None})
    return {"encryption": None}


def create(r, v, **content):
    return add_event(r, v, "m.room.create", dict(room_version=v, creator="@x:elsewhere.example", **content))


def case_create_not_federatable(r, v):
    create(r, v, **{"m.federate": False, "type": "m.space"})
    return {"is_federatable": "false", "room_type": "m.space"}


def case_create_federate_string(r, v):
    create(r, v, **{"m.federate": "false"})
    return {"is_federatable": "false", "room_type": None}


def case_create_federate_true(r, v):
    create(r, v, **{"m.federate": True, "type": 7})
    # A name too: a create with a non-string type and nothing else makes Synapse's sliding-sync
    # updates assert (docs/synapse-schema.md §E.3).
    add_event(r, v, "m.room.name", {"name": "typed 7"})
    return {"is_federatable": "true", "room_type": None, "name": "typed_7"}


def case_create_redacted(r, v):
    redact(r, v, create(r, v, **{"m.federate": False, "type": "m.space"}))
    return {"is_federatable": "false", "room_type": "m.space"}


def case_create_rejected(r, v):
    reject(create(r, v, **{"m.federate": False, "type": "m.space"}))
    return {"is_federatable": "true", "room_type": None}


def case_create_absent(r, v):
    add_event(r, v, "m.room.name", {"name": "no create"})
    cur.execute("DELETE FROM current_state_events WHERE room_id = %s AND type = 'm.room.create'", (r,))
    return {"is_federatable": "true", "room_type": None, "name": "no create"}


def case_unreadable_json(r, v):
    unreadable(add_event(r, v, "m.room.name", {"name": "unreadable"}), '{"type": "m.room.name", "content": ')
    return {"current": "skipped"}


def case_unreadable_not_an_object(r, v):
    unreadable(add_event(r, v, "m.room.avatar", {"url": "mxc://x/y"}), "[1, 2]")
    return {"current": "skipped"}


def case_unreadable_rejected(r, v):
    unreadable(reject(add_event(r, v, "m.room.topic", {"topic": "x"})), "null")
    return {"current": "skipped"}


def case_unreadable_other_state_key(r, v):
    # Not one of the events the stats read: the room is not skipped.
    unreadable(add_event(r, v, "m.room.name", {"name": "other key"}, state_key="x"), "[]")
    return {"current": "counted"}


def case_members_none_local(r, v):
    for i, membership in enumerate(["join", "join", "invite", "knock", "ban", "leave", "custom"]):
        add_event(r, v, "m.room.member", {"membership": membership}, state_key="@remote%d:elsewhere.example" % i,
                  sender="@remote%d:elsewhere.example" % i)
    cur.execute("SELECT state_key FROM current_state_events WHERE room_id = %s AND type = 'm.room.member'"
                " AND membership = 'join' AND state_key LIKE %s", (r, "%:" + SERVER))
    for (user,) in cur.fetchall():
        add_event(r, v, "m.room.member", {"membership": "leave"}, state_key=user, sender=user)
    return {"local_users_in_room": "0"}


def user_cases(r, v):
    """A deactivated local user joined to a room, a local user in no room, a remote user with a users row."""
    out = []
    for name, deactivated, joins in [("@edge-deactivated:" + SERVER, 1, True), ("@edge-roomless:" + SERVER, 0, False),
                                     ("@edge-remote:elsewhere.example", 0, True)]:
        cur.execute("INSERT INTO users (name, creation_ts, deactivated) VALUES (%s, 0, %s)", (name, deactivated))
        if joins:
            add_event(r, v, "m.room.member", {"membership": "join"}, state_key=name, sender=name)
        out.append("user %s joined_rooms=%d" % (name, 1 if joins else 0))
    return out


CASES = [f for n, f in sorted(globals().items()) if n.startswith("case_")]
if len(rooms) <= len(CASES):
    sys.exit("stats-edges: %d joined rooms (not v12), %d cases" % (len(rooms), len(CASES)))
for case, (room, version) in zip(CASES, rooms):
    want = case(room, version)
    print("%s %s %s" % (case.__name__[5:], room, " ".join(
        "%s=%s" % (k, "-" if w is None else w.replace(" ", "_")) for k, w in sorted(want.items()))))
for line in user_cases(*rooms[len(CASES)]):
    print(line)
cur.execute("SELECT setval('events_stream_seq', greatest(last_value, %s)) FROM events_stream_seq", (edges.next_ordering,))
conn.commit()
