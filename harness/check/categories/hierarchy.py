"""hierarchy: /_matrix/client/v1/rooms/{space}/hierarchy of every recorded space, as each
recorded user sees it: the same rooms in the same order, each room's summary (name, topic,
alias, avatar, member count, join rule, world_readable, guest_can_join, room type) and the
space's m.space.child events.

Rules (docs/e2e-checks.md):
- `hierarchy-access`: Dendrite 0.13.8 answers the *root* room only to its members (or for a
  world_readable room): 403 to everyone else, even for a public space. Synapse shows a room to
  anyone who is joined or invited, or may join it (join rule public, or knock where the room
  version has it), or may peek it (world_readable) — the same test for the root and the
  children (room_summary.py, _is_local_room_accessible; Dendrite applies it to children only).
  Expected against Synapse: the space's fullest recorded hierarchy, keeping the rooms that
  test admits for this user (membership from the user's recorded full-state /sync); 403
  M_FORBIDDEN when the root is not admitted. Against Dendrite (self-check): its recording.
- `empty-room-type`: Dendrite writes "room_type": "" for a room without a type; Synapse leaves
  the key out. Both mean "no type".
- `summary-additions`: Synapse adds room_version and encryption to each entry (room stats);
  Dendrite 0.13.8 serves neither. Each is compared with the room's recorded state
  (m.room.create's room_version, default "1"; m.room.encryption's algorithm) when present.
- `guest-can-join`: Dendrite 0.13.8 says guest_can_join only when the join rule is public *and*
  m.room.guest_access is can_join (roomserver/api/wrapper.go PopulatePublicRooms); Synapse
  says it when guest_access is can_join (room_summary.py _build_room_entry, from room stats),
  which is what the spec's field means ("whether guest users may join the room"). Expected
  against Synapse: the room's recorded m.room.guest_access is can_join. It changes only
  full's invite-only v11 room (guest_access can_join, join rule invite).
- `sets`: children_state compared by state_key (the spec orders rooms, not this list).
"""
from __future__ import annotations

from ..http import q

NAME, GROUP = "hierarchy", "accounts_rooms"
WRITES = False
ADDED = ("room_version", "encryption")
ADMITTING_RULES = ("public", "knock", "knock_restricted")


def entry_view(r: dict) -> dict:
    v = {k: x for k, x in r.items() if k not in ADDED and k != "children_state"}
    if v.get("room_type") == "":
        del v["room_type"]   # rule empty-room-type
    v["children_state"] = sorted(r.get("children_state") or [], key=lambda e: e.get("state_key", ""))
    return v


def view(status: int, body: dict) -> dict:
    if status != 200:
        return {"status": status, "errcode": (body or {}).get("errcode")}
    rooms = body.get("rooms") or []
    return {"status": 200, "order": [r["room_id"] for r in rooms],
            "rooms": {r["room_id"]: entry_view(r) for r in rooms}}


def fullest(f, room: str) -> list:
    views = [r["body"].get("rooms") or [] for _, r in f.expected_glob(f"*/rooms/{room}/hierarchy.json")
             if r["status"] == 200]
    return max(views, key=len) if views else []


def admitted(f, name: str, entry: dict) -> bool:
    """Synapse's _is_local_room_accessible for a local user, on the recorded data."""
    if entry.get("join_rule") in ADMITTING_RULES or entry.get("world_readable"):
        return True
    rooms = ((f.expected(f"{name}/sync_full_state.json") or {}).get("body") or {}).get("rooms") or {}
    return entry["room_id"] in (rooms.get("join") or {}) or entry["room_id"] in (rooms.get("invite") or {})


def expectation(ctx, name: str, room: str, rec: dict) -> tuple[int, dict]:
    """Rule `hierarchy-access` (module docstring)."""
    if ctx.server == "dendrite":
        return rec["status"], rec["body"]
    full = fullest(ctx.fixture, room)
    if not full:
        return rec["status"], rec["body"]
    if not admitted(ctx.fixture, name, full[0]):
        return 403, {"errcode": "M_FORBIDDEN"}
    return 200, {"rooms": [guest_can_join(ctx.fixture, r) for r in full
                           if admitted(ctx.fixture, name, r)]}


def guest_can_join(f, r: dict) -> dict:
    """Rule `guest-can-join` (module docstring): from the room's recorded state."""
    st = recorded_state(f, r["room_id"])
    if st is None:
        return r
    ga = next((e for e in st if e["type"] == "m.room.guest_access" and e.get("state_key") == ""), None)
    return dict(r, guest_can_join=bool(ga) and ga["content"].get("guest_access") == "can_join")


def recorded_state(f, room_id: str) -> list | None:
    from .. import derived
    st = derived.current_answer(f, f.room_name(room_id), "state") if room_id in f.rooms.values() else None
    return st["body"] if st else None


def additions(f, r: dict) -> dict:
    """Rule `summary-additions`: what room_version/encryption must be, from the recorded state."""
    st = recorded_state(f, r["room_id"])
    if st is None:
        return {}
    out = {}
    create = next((e for e in st if e["type"] == "m.room.create"), None)
    if create:
        out["room_version"] = create["content"].get("room_version", "1")
    enc = next((e for e in st if e["type"] == "m.room.encryption" and e.get("state_key") == ""), None)
    out["encryption"] = enc["content"].get("algorithm") if enc else None
    return out


def run(ctx) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    for name in f.recorded_users():
        token = f.main_device(name).token
        for rel, rec in f.expected_glob(f"{name}/rooms/*/hierarchy.json"):
            room = rel.split("/")[2]
            label = f"{name}/{room}"
            st_e, body_e = expectation(ctx, name, room, rec)
            st_a, body_a = c.call("GET", f"/_matrix/client/v1/rooms/{q(f.rooms[room])}/hierarchy",
                                  token=token)
            t.compare(NAME, f"{label} /hierarchy", view(st_e, body_e), view(st_a, body_a))
            for r in (body_a.get("rooms") or []) if st_a == 200 else []:
                got = {k: r.get(k) for k in ADDED if k in r}
                if got:
                    want = {k: v for k, v in additions(f, r).items() if k in got or v is not None}
                    t.compare(NAME, f"{label} {r['room_id']} summary-additions", want, got)
