"""Edge cases for sliding_sync_joined_rooms and sliding_sync_membership_snapshots, added to a
loaded Synapse database.

    .venv/bin/python scripts/lib/sliding-sync-edges.py DBNAME [trap]     (PG* environment as psql)

Each case gives one joined room (taken in room ID order) a new current state event, a
redaction, a rejection or a newest event the table must not count, or a new local membership
(invites and knocks with stripped state of every shape, a rejected invite, a leave whose state
differs from the current one, a forgotten room) — shapes the fixtures and the generator do not
hold. With `trap`, only the last joined room gets the case Synapse's snapshots update fails on. The events are real events of the room's version: their IDs are
what Synapse's own `make_event_from_dict` derives, so Synapse's event fetcher loads them
(it refuses an event whose stored ID is not the one it derives). Prints one line per case.
Used by scripts/tests/44-sliding-sync.
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
cur.execute("SELECT max(stream_ordering) FROM events")
next_ordering = cur.fetchone()[0]


edges = EdgeEvents(cur, 'd2s-edge', next_ordering)
add_event, reject, redact = edges.add_event, edges.reject, edges.redact


RECHECK = json.dumps({"recheck_redaction": True})
cur.execute("SELECT min(user_id) FROM local_current_membership")
SERVER = cur.fetchone()[0].split(":", 1)[1]


def member(r, v, membership, stripped=None, outlier=True, user=None):
    """A new local membership of a new user (unless `user`): event, room_memberships and
    local_current_membership rows; `stripped` goes to unsigned.<membership>_room_state."""
    user = user or "@edge-%d:%s" % (edges.serial + 1, SERVER)
    unsigned = None if stripped is None else {membership + "_room_state": stripped}
    eid = add_event(r, v, "m.room.member", {"membership": membership}, state_key=user, outlier=outlier,
                    unsigned=unsigned, current=False)
    cur.execute("SELECT stream_ordering, sender FROM events WHERE event_id = %s", (eid,))
    so, sender = cur.fetchone()
    cur.execute("INSERT INTO room_memberships (event_id, user_id, sender, room_id, membership, event_stream_ordering)"
                " VALUES (%s, %s, %s, %s, %s, %s)", (eid, user, sender, r, membership, so))
    cur.execute("DELETE FROM local_current_membership WHERE room_id = %s AND user_id = %s", (r, user))
    cur.execute("INSERT INTO local_current_membership (room_id, user_id, event_id, membership, event_stream_ordering)"
                " VALUES (%s, %s, %s, %s, %s)", (r, user, eid, membership, so))
    return eid, user


def stripped(etype, content, state_key="", sender="@someone:elsewhere.example"):
    return {"type": etype, "state_key": state_key, "sender": sender, "content": content}


CREATE_SPACE = stripped("m.room.create", {"type": "m.space"})


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
    # A name too: with no other value, Synapse's snapshots update fails (44 checks that case apart).
    add_event(r, v, "m.room.create", {"room_version": v, "type": 7, "creator": "@x:elsewhere.example"})
    add_event(r, v, "m.room.name", {"name": "typed 7"})


def case_ms_invite_stripped(r, v):
    member(r, v, "invite", [CREATE_SPACE, stripped("m.room.name", {"name": "invited"}),
                            stripped("m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"}),
                            stripped("m.room.tombstone", {"replacement_room": "!next:elsewhere.example"})])


def case_ms_invite_without_create(r, v):
    member(r, v, "invite", [stripped("m.room.name", {"name": "no create"})])


def case_ms_invite_without_stripped_state(r, v):
    member(r, v, "invite")


def case_ms_invite_stripped_odd_entries(r, v):
    member(r, v, "invite", [
        stripped("m.room.create", {}), stripped("m.room.name", {"name": "first"}), stripped("m.room.name", {"name": "last"}),
        {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "x"}},  # no sender: ignored
        stripped("m.room.tombstone", {"replacement_room": "!other:elsewhere.example"}, state_key="x"),
        stripped("m.room.encryption", {"algorithm": None}), 5, "text",
    ])


def case_ms_invite_stripped_nul(r, v):
    member(r, v, "invite", [stripped("m.room.create", {"type": "nul\u0000type"}), stripped("m.room.name", {"name": "nul\u0000name"})])


def case_ms_invite_redacted(r, v):
    eid, _ = member(r, v, "invite", [CREATE_SPACE, stripped("m.room.name", {"name": "redacted invite"})])
    redact(r, v, eid, False)


def case_ms_knock(r, v):
    member(r, v, "knock", [CREATE_SPACE, stripped("m.room.name", {"name": "knocked"})])


def case_ms_leave_outlier_after_invite(r, v):
    _, user = member(r, v, "invite", [stripped("m.room.create", {}), stripped("m.room.name", {"name": "declined"})])
    member(r, v, "leave", user=user)


def case_ms_leave_outlier_after_knock(r, v):
    _, user = member(r, v, "knock", [stripped("m.room.create", {}), stripped("m.room.name", {"name": "knock retracted"})])
    member(r, v, "ban", user=user)


def case_ms_leave_outlier_alone(r, v):
    member(r, v, "leave")


def case_newest_outlier(r, v):
    add_event(r, v, "m.room.message", {"body": "outlier"}, state_key=None, outlier=True)


def case_newest_rejected(r, v):
    reject(add_event(r, v, "m.room.message", {"body": "rejected"}, state_key=None))


def case_newest_not_a_bump(r, v):
    add_event(r, v, "m.reaction", {"key": "x"}, state_key=None)


def case_bump_sticker(r, v):
    add_event(r, v, "m.sticker", {"body": "sticker"}, state_key=None)


def left_room_cases():
    """Rooms a local user left or was banned from (a non-outlier event): one is renamed (the
    snapshot keeps the name at the leave), one forgotten."""
    cur.execute(
        "SELECT l.room_id, r.room_version, l.event_id FROM local_current_membership l JOIN rooms r USING (room_id)"
        " JOIN events e USING (event_id) WHERE l.membership IN ('leave', 'ban') AND NOT e.outlier AND r.room_version <> '12'"
        " AND l.room_id IN (SELECT room_id FROM local_current_membership WHERE membership = 'join') ORDER BY 1, 3")
    left = cur.fetchall()
    if len(left) < 2:
        sys.exit("sliding-sync-edges: %d rooms with a local leave" % len(left))
    (renamed, version, _), (_, _, forgotten) = left[0], left[-1]
    add_event(renamed, version, "m.room.name", {"name": "renamed after a leave"})
    print("ms_leave_keeps_state_at_event: %s" % renamed)
    cur.execute("UPDATE room_memberships SET forgotten = 1 WHERE event_id = %s", (forgotten,))
    print("ms_forgotten: %s" % forgotten)


def assert_trap(r, v):
    """The last joined room: a create whose type is a number and no other relevant state. Synapse's
    snapshots update asserts on it (docs/synapse-schema.md §E.3)."""
    add_event(r, v, "m.room.create", {"room_version": v, "type": 7, "creator": "@x:elsewhere.example"})
    cur.execute("DELETE FROM current_state_events WHERE room_id = %s AND state_key = ''"
                " AND type IN ('m.room.encryption', 'm.room.name', 'm.room.tombstone')", (r,))
    print(r)


if sys.argv[2:] == ["trap"]:
    assert_trap(*rooms[-1])
    conn.commit()
    sys.exit(0)
CASES = [f for n, f in sorted(globals().items()) if n.startswith("case_")]
if len(rooms) <= len(CASES):
    sys.exit("sliding-sync-edges: %d joined rooms (not v12), %d cases" % (len(rooms), len(CASES)))
left_room_cases()
# A create event with a non-string room type leaves a room without a name or encryption event
# nothing for Synapse's membership-snapshots update to record, and that update asserts on it
# (an empty map: a room Synapse itself could not have); that case takes a named room.
cur.execute("SELECT room_id FROM current_state_events WHERE type = 'm.room.name' AND state_key = ''")
named = {r for (r,) in cur.fetchall()}
NEEDS_NAME = {case_room_type_number}
left = list(rooms)
for case in CASES:
    room, version = next((x for x in left if x[0] in named), left[0]) if case in NEEDS_NAME else left[0]
    left.remove((room, version))
    case(room, version)
    print("%s: %s (v%s)" % (case.__name__[5:], room, version))
conn.commit()
