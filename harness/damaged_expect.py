"""damaged_expect.py DUMP EXPECT REPORT: checks a loaded conversion of a damaged-corpus case
(fixtures/damaged) against what its damage must lead to, and that nothing was lost silently.

The Synapse database is the one psql reaches through PG* variables. Prints `ok: ...` or
`FAIL: ...` per check; exit 1 if any failed.

EXPECT (written by scripts/make-damaged-corpus from the damaged database itself) holds
kind<TAB>ID[<TAB>value] lines:

  event-left-out ID        not in Synapse's events; listed in --report under roomserver_events
  event-kept ID            in events, not an outlier
  event-json-changed ID    in events; its JSON has no lone surrogate escape any more; listed
  event-unsigned-readable ID   in events; every value its JSON's `unsigned` holds has the JSON
                           type Synapse's event class reads (age_ts a number, replaces_state a
                           string, invite_room_state/knock_room_state a list, or null); listed
                           under "event JSON changed"
  room-left-out ID         no Synapse row names the room (ROOM_TABLES); listed under roomserver_rooms
  room-absent ID           no Synapse row names the room (it was never in roomserver_rooms)
  room-kept ID             in rooms, with events that are not outliers
  room-account-data-left-out ID N   no room_account_data, room_tags or room_tags_revisions row
                           names the room; the report counts N rows left out for that reason
  user-kept ID             in users
  user-warned ID           the report warns that the user cannot send in Synapse (ID over 255
                           characters); no other user is warned about
  device-kept "USER DEV"   in devices
  device-absent "USER DEV" not in devices
  token-absent TOKEN       no access_tokens row holds it
  pusher-absent PUSHKEY    no pushers row holds it
  receipt-kept "ROOM USER TYPE" EVENT     receipts_linearized holds that receipt for that event
  global-account-data "USER TYPE" JSON   account_data holds that content (compared as JSON)
  current-membership "ROOM USER" M       current_state_events gives that membership

Always, whatever EXPECT says (everything of the dump accounted for): every event of
roomserver_events is in Synapse's events or listed in the report under roomserver_events, and
every room of roomserver_rooms is in rooms or listed under roomserver_rooms; a listed one is
really absent.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.check.fixture import read_table  # noqa: E402

# Synapse tables where a row for a left-out room would be a half-carried room.
ROOM_TABLES = ["rooms", "events", "current_state_events", "local_current_membership", "room_memberships",
               "receipts_linearized", "event_push_actions", "room_aliases", "state_groups", "event_forward_extremities",
               "room_stats_state", "room_stats_current", "room_account_data", "room_tags", "room_tags_revisions"]
ACCOUNT_DATA_TABLES = ["room_account_data", "room_tags", "room_tags_revisions"]
LEFT_OUT_ROOM_DATA = "room account data or tags of a room that is left out"
LONE = re.compile(r"\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}", re.I)

failures = 0
# The JSON type Synapse's event class reads each kept `unsigned` key as (None: null).
UNSIGNED_TYPES = {"age_ts": (int, float), "replaces_state": str, "invite_room_state": list, "knock_room_state": list}


def unsigned_readable(event: dict) -> bool:
    unsigned = event.get("unsigned", {})
    return isinstance(unsigned, dict) and all(
        v is None or (isinstance(v, t) and not isinstance(v, bool))
        for k, v in unsigned.items() for t in [UNSIGNED_TYPES.get(k, object)])


def check(cond: bool, what: str) -> None:
    global failures
    print(("ok: " if cond else "FAIL: ") + what)
    failures += 0 if cond else 1


def sql(query: str, *args: str) -> list[list[str]]:
    cmd = ["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    for i, a in enumerate(args):
        cmd += ["-v", f"a{i}={a}"]
    out = subprocess.run(cmd, input=query, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def one(query: str, *args: str) -> str:
    rows = sql(query, *args)
    return rows[0][0] if rows else ""


def room_rows(room_id: str) -> list[str]:
    """The ROOM_TABLES that still hold a row for the room."""
    return [t for t in ROOM_TABLES if one(f"SELECT count(*) FROM {t} WHERE room_id = :'a0'", room_id) != "0"]


def main(dump: str, expect: str, report_path: str) -> int:
    report = json.loads(Path(report_path).read_text())
    listed = report.get("left_out_ids", {})
    listed_events = {i for ids in listed.get("roomserver_events", {}).values() for i in ids}
    listed_rooms = {i for ids in listed.get("roomserver_rooms", {}).values() for i in ids}
    listed_any = {i for by_reason in listed.values() for ids in by_reason.values() for i in ids}
    events = {r[0]: r[1] == "t" for r in sql("SELECT event_id, outlier FROM events")}
    rooms = {r[0] for r in sql("SELECT room_id FROM rooms")}

    warned = {c["user_id"] for c in report.get("caveats", []) if c["kind"] == "user_id_too_long_to_send"}
    expected_warned = set()
    for line in Path(expect).read_text().splitlines():
        kind, ident, *value = line.split("\t")
        what = f"{kind} {ident[:80]}"
        if kind == "user-warned":
            expected_warned.add(ident)
        elif kind == "event-left-out":
            check(ident not in events and ident in listed_events, what + ": not in events, listed in the report")
        elif kind == "event-kept":
            check(events.get(ident) is False, what + ": in events, not an outlier")
        elif kind == "event-json-changed":
            js = one("SELECT json FROM event_json WHERE event_id = :'a0'", ident)
            check(ident in events and js != "" and not LONE.search(js) and ident in listed_any,
                  what + ": in events, no lone surrogate left in its JSON, listed in the report")
        elif kind == "event-unsigned-readable":
            js = one("SELECT json FROM event_json WHERE event_id = :'a0'", ident)
            changed = {i for ids in listed.get("event JSON changed", {}).values() for i in ids}
            check(ident in events and js != "" and unsigned_readable(json.loads(js)) and ident in changed,
                  what + ": in events, its unsigned readable by Synapse, listed under event JSON changed")
        elif kind in ("room-left-out", "room-absent"):
            left = room_rows(ident)
            check(not left, what + f": no Synapse row names it{' (found in ' + ', '.join(left) + ')' if left else ''}")
            if kind == "room-left-out":
                check(ident in listed_rooms, what + ": listed in the report under roomserver_rooms")
        elif kind == "room-account-data-left-out":
            left = [t for t in ACCOUNT_DATA_TABLES if one(f"SELECT count(*) FROM {t} WHERE room_id = :'a0'", ident) != "0"]
            counted = sum(n for reason, n in report["skipped"].get("account data", {}).items()
                          if reason.startswith(LEFT_OUT_ROOM_DATA))
            check(not left and counted == int(value[0]),
                  what + f": no row in Synapse{' (found in ' + ', '.join(left) + ')' if left else ''}, "
                  f"{counted} counted in the report (expected {value[0]})")
        elif kind == "room-kept":
            check(ident in rooms and one("SELECT count(*) FROM events WHERE room_id = :'a0' AND NOT outlier", ident) != "0",
                  what + ": in rooms, with events that are not outliers")
        elif kind == "user-kept":
            check(one("SELECT count(*) FROM users WHERE name = :'a0'", ident) == "1", what + ": in users")
        elif kind in ("device-kept", "device-absent"):
            user, dev = ident.split(" ")
            n = one("SELECT count(*) FROM devices WHERE user_id = :'a0' AND device_id = :'a1'", user, dev)
            check(n == ("1" if kind == "device-kept" else "0"), what + f": {n} devices rows")
        elif kind == "token-absent":
            check(one("SELECT count(*) FROM access_tokens WHERE token = :'a0'", ident) == "0",
                  f"{kind}: no access_tokens row holds the token")
        elif kind == "pusher-absent":
            check(one("SELECT count(*) FROM pushers WHERE pushkey = :'a0'", ident) == "0", what + ": no pushers row")
        elif kind == "receipt-kept":
            room, user, rtype = ident.split(" ")
            got = one("SELECT event_id FROM receipts_linearized WHERE room_id = :'a0' AND user_id = :'a1' "
                      "AND receipt_type = :'a2'", room, user, rtype)
            check(got == value[0], what + f": receipt for {value[0]} (got {got or 'none'})")
        elif kind == "global-account-data":
            user, dtype = ident.split(" ")
            got = one("SELECT content FROM account_data WHERE user_id = :'a0' AND account_data_type = :'a1'", user, dtype)
            check(got != "" and json.loads(got) == json.loads(value[0]), what + f": content {got[:80]}")
        elif kind == "current-membership":
            room, user = ident.split(" ")
            got = one("SELECT membership FROM current_state_events WHERE room_id = :'a0' AND type = 'm.room.member' "
                      "AND state_key = :'a1'", room, user)
            check(got == value[0], what + f": {value[0]} (got {got or 'none'})")
        else:
            check(False, f"unknown expectation kind {kind!r} in {expect}")

    check(warned == expected_warned, f"the report warns about {len(warned)} users whose IDs Synapse refuses as "
          f"senders (expected {len(expected_warned)})")

    # Everything accounted for.
    dump_events = {r["event_id"] for r in read_table(Path(dump), "roomserver_events")}
    lost = sorted(e for e in dump_events if e not in events and e not in listed_events)
    check(not lost, f"all {len(dump_events)} events of the dump are in Synapse or listed in the report"
          + (f" (not: {', '.join(lost[:3])})" if lost else ""))
    dump_rooms = {r["room_id"] for r in read_table(Path(dump), "roomserver_rooms")}
    lost = sorted(r for r in dump_rooms if r not in rooms and r not in listed_rooms)
    check(not lost, f"all {len(dump_rooms)} rooms of the dump are in Synapse or listed in the report"
          + (f" (not: {', '.join(lost[:3])})" if lost else ""))
    both = sorted((listed_events & set(events)) | (listed_rooms & rooms))
    check(not both, "nothing the report lists as left out is in Synapse" + (f" (is: {both[:3]})" if both else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
