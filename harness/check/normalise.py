"""The normalisation rules: everything the checker does NOT compare literally, in one place.

Each rule has a name used in docs/e2e-checks.md (which gives the full reasoning). A rule may
only remove what depends on the moment or the server's own bookkeeping, never what a user sees
differently. Keep this list short; a new entry needs a reason a user would accept.

Applied to events (any object with event_id, type and sender), pairwise so that "absent on
Dendrite" can be told apart from "different":
  age               unsigned.age (and a top-level age): milliseconds since the event, at the
                    moment of the request.
  transaction-id    unsigned.transaction_id: the sending device's echo token for requests still
                    in flight; none can be in flight across a migration.
  server-additions  unsigned keys Dendrite 0.13.8 never serves but Synapse computes from the
                    same data (SERVER_ADDED): compared when Dendrite had them, ignored when it
                    did not.
  empty-unsigned    "unsigned": {} is the same as no unsigned at all.
  legacy-copies     Synapse's client format still repeats some fields at the top level
                    (LEGACY_COPIES: user_id = sender, prev_content/replaces_state/
                    redacted_because = the same keys of unsigned); a copy equal to its source
                    is dropped, a copy that differs from it is kept (and so reported).
  stripped-room-state  unsigned.invite_room_state / knock_room_state on events: Synapse 1.163
                    serves that stripped state only to the invitee, as the `invite_state` of the
                    /sync invite section (compared there), and strips it from events everywhere
                    else (include_stripped_room_state is set for that section alone).
  redaction-room    the redaction event nested in unsigned.redacted_because: Dendrite leaves
                    out its room_id; Synapse's, when equal to the outer event's room, is dropped.
The other rules (tokens, unordered sets, page boundaries, last-seen, context-state, ...) are
applied where the answer is read, in the category modules, and cite their name.
"""
from __future__ import annotations

import copy
from typing import Any

RULES = {
    "age": "unsigned.age is the time since the event at the moment of the request",
    "transaction-id": "unsigned.transaction_id only echoes a device's in-flight send",
    "server-additions": "unsigned keys Synapse computes that Dendrite 0.13.8 never serves",
    "empty-unsigned": "an empty unsigned object carries nothing",
    "legacy-copies": "Synapse repeats sender/unsigned fields at the top level (legacy format)",
    "stripped-room-state": "Synapse serves invite/knock_room_state only as /sync invite_state",
    "redaction-room": "Dendrite omits the room_id of the nested redacted_because event",
    "dendrite-internal": "Dendrite's /state leaks its internal struct as redacted_because",
    "device-owner": "Synapse's /devices entries repeat the caller's user_id",
    "tokens": "sync/pagination tokens are server-chosen opaque strings",
    "sets": "unordered sets (joined rooms, room state, members, devices, directory) are sorted",
    "pages": "/messages is compared as the concatenated event sequence, not page by page",
    "timeline-window": "a full-state /sync is compared by room sets and resulting current state",
    "last-seen": "a device's last_seen_ts moves forward when the checker uses its token",
    "context-state": "Dendrite's /context state is a subset (senders' members); each must match",
}

# unsigned keys Synapse adds from data it holds and Dendrite 0.13.8 does not serve at all:
# bundled aggregations (MSC2675/MSC3440: edits, threads, references) and the caller's own
# membership at the event (MSC4115).
SERVER_ADDED = ("m.relations", "membership")

# Top-level copies Synapse 1.163's client event format still writes (observed on /context,
# /state, /members: seen by running the fixture scenario against Synapse), with their source.
LEGACY_COPIES = {"user_id": ("sender",), "prev_content": ("unsigned", "prev_content"),
                 "replaces_state": ("unsigned", "replaces_state"),
                 "redacted_because": ("unsigned", "redacted_because")}


def is_event(x: Any) -> bool:
    return isinstance(x, dict) and "event_id" in x and "type" in x and "sender" in x


def _source(e: dict, path: tuple):
    for k in path:
        e = e.get(k) if isinstance(e, dict) else None
    return e


def _drop_legacy_copies(e: dict, exp: dict) -> dict:
    e = dict(e)
    for k, src in LEGACY_COPIES.items():
        if k in e and k not in exp and e[k] == _source(e, src):
            del e[k]
    return e


def _drop_redaction_room(e: dict, exp: dict) -> dict:
    u, ue = e.get("unsigned") or {}, exp.get("unsigned") or {}
    rb, rbe = u.get("redacted_because"), ue.get("redacted_because")
    if isinstance(rb, dict) and isinstance(rbe, dict) and "room_id" not in rbe \
            and rb.get("room_id") is not None and rb.get("room_id") == e.get("room_id", exp.get("room_id")):
        rb = {k: v for k, v in rb.items() if k != "room_id"}
        e = dict(e, unsigned=dict(u, redacted_because=rb))
    return e


def _internal_redacted_because(exp: dict, act: dict) -> tuple[dict, dict]:
    """Rule `dendrite-internal`: Dendrite 0.13.8's /state leaks its internal event struct as
    unsigned.redacted_because ({"EventNID": .., "PDU": {..}}). What a client can use of it is
    the redaction's type, sender, content, redacts and timestamp: those are compared."""
    rb = (exp.get("unsigned") or {}).get("redacted_because")
    if not (isinstance(rb, dict) and "PDU" in rb and "EventNID" in rb):
        return exp, act
    keys = ("type", "sender", "content", "redacts", "origin_server_ts")
    view = lambda d: {k: d.get(k) for k in keys} if isinstance(d, dict) else d  # noqa: E731
    exp = dict(exp, unsigned=dict(exp["unsigned"], redacted_because=view(rb["PDU"])))
    arb = (act.get("unsigned") or {}).get("redacted_because")
    if isinstance(arb, dict) and "PDU" in arb:   # Dendrite itself (the self-check)
        arb = arb["PDU"]
    if arb is not None:
        act = dict(act, unsigned=dict(act["unsigned"], redacted_because=view(arb)))
    return exp, act


STRIPPED_ROOM_STATE = ("invite_room_state", "knock_room_state")


def _clean_unsigned(e: dict, keep_added: set[str], strip_added: bool) -> dict:
    e = dict(e)
    e.pop("age", None)
    u = dict(e.get("unsigned") or {})
    u.pop("age", None)
    u.pop("transaction_id", None)
    for k in STRIPPED_ROOM_STATE:
        u.pop(k, None)
    if strip_added:
        for k in SERVER_ADDED:
            if k not in keep_added:
                u.pop(k, None)
    if u:
        e["unsigned"] = u
    else:
        e.pop("unsigned", None)
    return e


def pair(exp: Any, act: Any) -> tuple[Any, Any]:
    """Normalise an expected and an actual answer together (they may be any JSON)."""
    if isinstance(exp, dict) and isinstance(act, dict):
        if is_event(exp) or is_event(act):
            keep = set((exp.get("unsigned") or {}).keys())
            act = _drop_redaction_room(_drop_legacy_copies(act, exp), exp)
            exp, act = _internal_redacted_because(exp, act)
            exp = _clean_unsigned(exp, keep, strip_added=False)
            act = _clean_unsigned(act, keep, strip_added=True)
        e2, a2 = dict(exp), dict(act)
        for k in set(exp) & set(act):
            e2[k], a2[k] = pair(exp[k], act[k])
        return e2, a2
    if isinstance(exp, list) and isinstance(act, list):
        n = min(len(exp), len(act))
        pe, pa = zip(*(pair(exp[i], act[i]) for i in range(n))) if n else ((), ())
        return list(pe) + copy.deepcopy(exp[n:]), list(pa) + copy.deepcopy(act[n:])
    return exp, act


def state_key(e: dict) -> tuple:
    return (e.get("type", ""), e.get("state_key", ""), e.get("event_id", ""))


def sorted_events(evs: list | None) -> list:
    """Rule `sets`: room state and member lists are sets keyed by (type, state_key)."""
    return sorted(evs or [], key=state_key)


def current_state(section_state: list, timeline: list) -> dict:
    """Rule `timeline-window`: state at the end of a /sync room = its state section with the
    timeline's state events applied in order. Independent of how many events the server put in
    the timeline."""
    cur = {}
    for e in list(section_state) + list(timeline):
        if "state_key" in e:
            cur[(e["type"], e["state_key"])] = e
    return {f"{t}|{k}": v for (t, k), v in sorted(cur.items())}
