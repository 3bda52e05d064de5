"""Matrix events built and signed the way a homeserver does it, for room versions 1, 5, 6, 9,
10, 11 and 12 (12 as Dendrite 0.15 stores it). One builder for every generated dump and fixture.

How it works: `Builder.build(room, fields)` takes the event's fields (type, sender, content,
prev/auth events as `Built` objects...), fills in the version's forms and returns a `Built` with
the event ID and the JSON string Dendrite stores (canonical JSON, `unsigned` left out):

  1. `prev_events`/`auth_events` are ID lists (v3+) or `[id, {"sha256": ref}]` pairs (v1, v2).
  2. Content hash: SHA-256 of the canonical JSON of the event without `unsigned`, `signatures`
     and `hashes`; stored as `hashes.sha256` (standard unpadded base64).
  3. Redact the event by the version's rules (`redact`), drop `signatures`/`unsigned`: these
     canonical bytes are both what every server signs and what the reference hash covers.
  4. Event ID: `$` + URL-safe unpadded base64 of the reference hash (v4+), or `$local:server`
     chosen by the sender's server and part of the JSON itself (v1, v2).
  5. Room version 12: the create event has no `room_id` (the room ID is `!` + its reference
     hash) and every other event's `auth_events` leaves the create event out; creators (the
     create event's sender and `content.additional_creators`) are not in the power-levels map.

Traps: JSON must be canonical (sorted keys, no spaces, UTF-8 not `\\u` escapes); Python's
encoder with `ensure_ascii=False` is, for the values generated here (no floats). The v11
redaction rules drop top-level `origin`, `membership` and `prev_state`, so those are covered by
the content hash only. Signatures of several servers (a send_join countersigned by the resident
server) all sign the same redacted bytes.
"""

import base64
import hashlib
import json

import nacl.signing


def canonical(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def b64(raw):
    return base64.b64encode(raw).rstrip(b"=").decode()


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class RoomVersion:
    """The rules of one room version that the builder and the auth model need."""

    def __init__(self, ident, *, event_id_in_json, updated_redaction, restricted, creator_in_content, v12=False):
        self.ident = ident
        self.event_id_in_json = event_id_in_json  # v1, v2: `$local:server`, pairs in prev/auth
        self.updated_redaction = updated_redaction  # v11+: MSC2176/MSC3821/MSC3989 rules
        self.restricted = restricted  # v8+: join_rules.allow kept; v9+: join_authorised_via_users_server
        self.creator_in_content = creator_in_content  # v1-v10: create content has `creator`
        self.aliases_special = ident in ("1", "2", "3", "4", "5")
        self.redacts_in_content = updated_redaction
        self.v12 = v12  # room ID from create, create not in auth_events, creators above PLs


VERSIONS = {
    v.ident: v
    for v in [
        RoomVersion("1", event_id_in_json=True, updated_redaction=False, restricted=False, creator_in_content=True),
        RoomVersion("5", event_id_in_json=False, updated_redaction=False, restricted=False, creator_in_content=True),
        RoomVersion("6", event_id_in_json=False, updated_redaction=False, restricted=False, creator_in_content=True),
        RoomVersion("9", event_id_in_json=False, updated_redaction=False, restricted=True, creator_in_content=True),
        RoomVersion("10", event_id_in_json=False, updated_redaction=False, restricted=True, creator_in_content=True),
        RoomVersion("11", event_id_in_json=False, updated_redaction=True, restricted=True, creator_in_content=False),
        RoomVersion(
            "12", event_id_in_json=False, updated_redaction=True, restricted=True, creator_in_content=False, v12=True
        ),
    ]
}

_TOP_KEYS = {
    "event_id", "sender", "room_id", "hashes", "signatures", "content", "type", "state_key", "depth",
    "prev_events", "auth_events", "origin_server_ts",
}
_TOP_KEYS_OLD = _TOP_KEYS | {"prev_state", "membership", "origin"}
_PL_KEYS = {"ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"}


def redact(version, event):
    """The event as the version's redaction algorithm leaves it (a new dict)."""
    keep = _TOP_KEYS if version.updated_redaction else _TOP_KEYS_OLD
    out = {k: v for k, v in event.items() if k in keep}
    content, etype, kept = event.get("content", {}), event.get("type"), {}
    if etype == "m.room.member":
        names = {"membership"}
        if version.restricted and version.ident != "8":
            names.add("join_authorised_via_users_server")
        kept = {k: content[k] for k in names if k in content}
        if version.updated_redaction and isinstance(content.get("third_party_invite"), dict):
            if "signed" in content["third_party_invite"]:
                kept["third_party_invite"] = {"signed": content["third_party_invite"]["signed"]}
    elif etype == "m.room.create":
        kept = dict(content) if version.updated_redaction else {k: content[k] for k in ("creator",) if k in content}
    elif etype == "m.room.join_rules":
        names = ("join_rule", "allow") if version.restricted else ("join_rule",)
        kept = {k: content[k] for k in names if k in content}
    elif etype == "m.room.power_levels":
        names = _PL_KEYS | {"invite"} if version.updated_redaction else _PL_KEYS
        kept = {k: content[k] for k in names if k in content}
    elif etype == "m.room.aliases" and version.aliases_special:
        kept = {k: content[k] for k in ("aliases",) if k in content}
    elif etype == "m.room.history_visibility":
        kept = {k: content[k] for k in ("history_visibility",) if k in content}
    elif etype == "m.room.redaction" and version.redacts_in_content:
        kept = {k: content[k] for k in ("redacts",) if k in content}
    out["content"] = kept
    return out


class ServerKey:
    """An ed25519 signing key of one server, derived from a seed string (deterministic)."""

    def __init__(self, server, seed):
        raw = hashlib.sha256(f"{seed}/signing-key/{server}".encode()).digest()
        self.server = server
        self.signing = nacl.signing.SigningKey(raw)
        self.key_id = "ed25519:" + b64url(hashlib.sha256(raw).digest()[:4]).replace("-", "a").replace("_", "b")
        self.seed = raw

    @classmethod
    def from_pem(cls, server, text):
        """The key in a Dendrite key file (`matrix_key.pem`: a `Key-ID` header, the base64 seed)."""
        key = cls.__new__(cls)
        lines = [line.strip() for line in text.strip().splitlines()]
        key.server = server
        key.key_id = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("Key-ID:"))
        key.seed = base64.b64decode("".join(line for line in lines[1:-1] if line and ":" not in line))
        key.signing = nacl.signing.SigningKey(key.seed)
        return key

    def sign(self, data):
        return b64(self.signing.sign(data).signature)

    def verify_key_b64(self):
        return b64(bytes(self.signing.verify_key))

    def pem(self):
        """The key file as Dendrite reads it (`global.private_key`)."""
        body = base64.b64encode(self.seed).decode()
        return f"-----BEGIN MATRIX PRIVATE KEY-----\nKey-ID: {self.key_id}\n\n{body}\n-----END MATRIX PRIVATE KEY-----\n"


class Built:
    """A built event: its ID, the dict and JSON string as stored, and what later events need."""

    __slots__ = ("event_id", "event", "json", "ref_b64", "type", "state_key", "sender", "depth", "room_id")

    def __init__(self, event_id, event, js, ref_b64):
        self.event_id, self.event, self.json, self.ref_b64 = event_id, event, js, ref_b64
        self.type, self.state_key = event["type"], event.get("state_key")
        self.sender, self.depth, self.room_id = event["sender"], event["depth"], event.get("room_id")


class Builder:
    """Builds signed events; `keys` maps server name -> ServerKey."""

    def __init__(self, keys, id_rng):
        self.keys = keys
        self.id_rng = id_rng  # random.Random for `$local:server` IDs of v1/v2 rooms

    def refs(self, version, events):
        if version.event_id_in_json:
            return [[e.event_id, {"sha256": e.ref_b64}] for e in events]
        return [e.event_id for e in events]

    def build(self, version, room_id, etype, sender, content, *, state_key=None, prev=(), auth=(), depth, ts,
              redacts=None, extra_signers=()):
        """One event. `auth` holds the create event too; v12 leaves it out of the JSON."""
        origin = sender.split(":", 1)[1]
        ev = {
            "auth_events": self.refs(version, [a for a in auth if not (version.v12 and a.type == "m.room.create")]),
            "content": content,
            "depth": depth,
            "origin": origin,
            "origin_server_ts": ts,
            "prev_events": self.refs(version, prev),
            "sender": sender,
            "type": etype,
        }
        if room_id is not None:
            ev["room_id"] = room_id
        if state_key is not None:
            ev["state_key"] = state_key
            ev["prev_state"] = []
        if redacts is not None:
            ev["redacts"] = redacts  # v11+ also carry it in content (the caller puts it there)
        if version.event_id_in_json:
            local = "".join(self.id_rng.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", k=18))
            ev["event_id"] = f"${local}:{origin}"
        ev["hashes"] = {"sha256": b64(hashlib.sha256(canonical(ev)).digest())}
        signed_bytes = canonical(redact(version, ev))
        ref = hashlib.sha256(signed_bytes).digest()
        sigs = {}
        for server in (origin, *extra_signers):
            key = self.keys[server]
            sigs[server] = {key.key_id: key.sign(signed_bytes)}
        ev["signatures"] = sigs
        event_id = ev["event_id"] if version.event_id_in_json else "$" + b64url(ref)
        return Built(event_id, ev, canonical(ev).decode(), b64(ref))
