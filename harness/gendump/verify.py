"""Check every event of a generated dump with Synapse's own functions (the pinned Synapse in
.venv), never with the generator's code:

  - `make_event_from_dict` with the room's version: the event ID Synapse derives (reference
    hash for v3+, the JSON's own for v1) equals `roomserver_events.event_id`; its room ID equals
    the room's (for v12 create events: derived from the create event's hash); and, spelled out,
    `compute_event_reference_hash` is the event ID (v3+) and, for a v12 create event, the room ID;
  - with the local server's private key (`matrix_key.pem` in DIR, or --signing-key): Synapse's
    `compute_event_signature` of each event the key signed gives exactly the stored signature;
  - `check_event_content_hash`: the content hash (events Dendrite stored redacted must instead be
    exactly what Synapse's `redact_event_dict` leaves);
  - signatures: every signature verifies on `redact_event`'s output (what Synapse's keyring checks) with the server's
    published key (`server_keys.json`), and the sender's server has signed
    (`validate_event_for_room_version`);
  - v1 rooms: each `[id, {"sha256": h}]` in prev/auth lists equals Synapse's
    `compute_event_reference_hash` of that event;
  - auth: `check_state_dependent_auth_rules` with the events `auth_event_nids` names accepts
    every event not marked rejected, and refuses every rejected one.

usage: python -m harness.gendump.verify DIR [--tamper N] [--tamper-signature N] [--tamper-key]
  --tamper N changes one byte of the N-th event's content before checking, --tamper-signature N
  one character of its signature (negative controls: the run must then fail).

       python -m harness.gendump.verify --sql DUMP.sql.gz --keys ANSWER.json --rooms ROOMS.json
  checks only the rooms ROOMS.json lists (a fixture's built rooms, harness/gendump/v12rooms.py)
  in a plain dump, with the server key Dendrite published (its recorded /key/v2/server answer).
"""

import argparse
import base64
import gzip
import json
import os
import sys

from signedjson.key import decode_signing_key_base64, decode_verify_key_bytes, get_verify_key
from signedjson.sign import SignatureVerifyException, verify_signed_json
from synapse.api.errors import AuthError
from synapse.api.room_versions import KNOWN_ROOM_VERSIONS
from synapse.crypto.event_signing import (check_event_content_hash, compute_event_reference_hash,
                                          compute_event_signature)
from synapse.event_auth import check_state_dependent_auth_rules, validate_event_for_room_version
from synapse.events import make_event_from_dict
from synapse.synapse_rust.events import redact_event, redact_event_dict
from unpaddedbase64 import decode_base64, encode_base64

UNESCAPE = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def unescape(f):
    if "\\" not in f:
        return f
    out, i = [], 0
    while i < len(f):
        if f[i] == "\\" and i + 1 < len(f):
            out.append(UNESCAPE.get(f[i:i + 2], f[i + 1]))
            i += 2
        else:
            out.append(f[i])
            i += 1
    return "".join(out)


def read_tables(path, wanted):
    opener = gzip.open if path.endswith(".gz") else open
    tables, current = {t: [] for t in wanted}, None
    with opener(path, "rt") as f:
        for line in f:
            if current is None:
                if line.startswith("COPY public."):
                    name = line.split()[1].split(".", 1)[1]
                    current = name if name in wanted else False
                continue
            if line == "\\.\n":
                current = None
            elif current:
                tables[current].append([None if x == "\\N" else unescape(x) for x in line.rstrip("\n").split("\t")])
    return tables


class Failures:
    def __init__(self):
        self.items, self.counts = [], {}

    def fail(self, event_id, what):
        self.counts[what] = self.counts.get(what, 0) + 1
        if len(self.items) < 20:
            self.items.append(f"{event_id}: {what}")


def check_keys(d, fails, tamper=False):
    """Device keys and one-time keys are signed by the device's ed25519 key; each cross-signing
    signature verifies on the key object (or device keys) it signs."""
    t = read_tables(f"{d}/dendrite.sql", ["keyserver_device_keys", "keyserver_one_time_keys",
                                           "keyserver_cross_signing_keys", "keyserver_cross_signing_sigs"])
    device_keys, n = {}, 0
    for user, device, _ts, key_json, *_ in t["keyserver_device_keys"]:
        obj = json.loads(key_json)
        if tamper and not device_keys:
            obj["keys"][f"curve25519:{device}"] = "A" + obj["keys"][f"curve25519:{device}"][1:]
        vk = decode_verify_key_bytes(f"ed25519:{device}", decode_base64(obj["keys"][f"ed25519:{device}"]))
        device_keys[(user, device)] = (obj, vk)
        n += 1
        try:
            verify_signed_json(obj, user, vk)
        except SignatureVerifyException:
            fails.fail(f"{user}/{device}", "device keys signature")
    for user, device, key_id, _alg, _ts, key_json in t["keyserver_one_time_keys"]:
        n += 1
        try:
            verify_signed_json(json.loads(key_json), user, device_keys[(user, device)][1])
        except (SignatureVerifyException, KeyError):
            fails.fail(f"{user}/{device}/{key_id}", "one-time key signature")
    usage = {"1": "master", "2": "self_signing", "3": "user_signing"}
    objs = {}
    for user, kind, pub in t["keyserver_cross_signing_keys"]:
        objs[(user, f"ed25519:{pub}")] = {"keys": {f"ed25519:{pub}": pub}, "usage": [usage[kind]], "user_id": user}
    for o_user, o_key, t_user, t_key, sig in t["keyserver_cross_signing_sigs"]:
        n += 1
        target = objs.get((t_user, t_key))
        if target is None and (t_user, t_key) in device_keys:
            target = {k: v for k, v in device_keys[(t_user, t_key)][0].items() if k != "signatures"}
        vk = decode_verify_key_bytes(o_key, decode_base64(o_key.split(":", 1)[1]))
        try:
            verify_signed_json(dict(target or {}, signatures={o_user: {o_key: sig}}), o_user, vk)
        except SignatureVerifyException:
            fails.fail(f"{o_user} -> {t_user}/{t_key}", "cross-signing signature")
    return n


def read_keys(path):
    """server -> key ID -> verify key, from `{server: {key_id: b64}}` or a recorded key answer."""
    with open(path) as f:
        data = json.load(f)
    if "body" in data:  # Dendrite's own /_matrix/key/v2/server answer
        body = data["body"]
        data = {body["server_name"]: {k: v["key"] for k, v in body["verify_keys"].items()}}
    return {s: {k: decode_verify_key_bytes(k, base64.b64decode(v + "==")) for k, v in ks.items()}
            for s, ks in data.items()}


def read_signing_key(path, keys):
    """(server, key ID, signing key) of a Dendrite key file, the server found by the published
    key it matches."""
    with open(path) as f:
        lines = [line.strip() for line in f.read().strip().splitlines()]
    key_id = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("Key-ID:"))
    seed = "".join(line for line in lines[1:-1] if line and ":" not in line).rstrip("=")
    key = decode_signing_key_base64("ed25519", key_id.split(":", 1)[1], seed)
    public = get_verify_key(key).encode()
    server = next(s for s, ks in keys.items() if key_id in ks and ks[key_id].encode() == public)
    return server, key_id, key


def check_ids(ev, event_id, room_id, fails):
    """The reference hash, by Synapse's function, is the event ID (v3+) and a v12 create's room ID."""
    if ev.format_version == 1:
        return
    ref = encode_base64(compute_event_reference_hash(ev)[1], urlsafe=True)
    if "$" + ref != event_id:
        fails.fail(event_id, "reference hash is not the event ID")
    if ev.type == "m.room.create" and ev.room_version.msc4291_room_ids_as_hashes and "!" + ref != room_id:
        fails.fail(event_id, "create event's reference hash is not the room ID")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?")
    ap.add_argument("--sql", help="the dump (default DIR/dendrite.sql)")
    ap.add_argument("--keys", help="a server's recorded /_matrix/key/v2/server answer (default DIR/server_keys.json)")
    ap.add_argument("--rooms", help="check only the rooms this file lists (no device keys)")
    ap.add_argument("--signing-key", help="the local server's key file (default DIR/matrix_key.pem if present)")
    ap.add_argument("--tamper", type=int)
    ap.add_argument("--tamper-signature", type=int, help="negative control: change the N-th event's signature")
    ap.add_argument("--tamper-key", action="store_true", help="negative control: change one device's curve key")
    a = ap.parse_args()
    keys = read_keys(a.keys or f"{a.dir}/server_keys.json")
    pem = a.signing_key or (f"{a.dir}/matrix_key.pem" if a.dir and os.path.exists(f"{a.dir}/matrix_key.pem") else None)
    signer = read_signing_key(pem, keys) if pem else None
    n_resigned = 0
    sql = a.sql or f"{a.dir}/dendrite.sql"
    t = read_tables(sql, ["roomserver_rooms", "roomserver_events", "roomserver_event_json"])
    only = None
    if a.rooms:
        with open(a.rooms) as f:
            only = {r["room_id"] for r in json.load(f)["rooms"]}
    rooms = {r[0]: (r[1], r[5]) for r in t["roomserver_rooms"] if only is None or r[1] in only}
    if only is not None and {r[0] for r in rooms.values()} != only:
        sys.exit(f"verify: rooms missing from {sql}: {sorted(only - {r[0] for r in rooms.values()})}")
    t["roomserver_events"] = [r for r in t["roomserver_events"] if r[1] in rooms]
    checked = {r[0] for r in t["roomserver_events"]}
    js = {r[0]: r[1] for r in t["roomserver_event_json"] if r[0] in checked}
    if a.tamper is not None:
        nid = sorted(js, key=int)[a.tamper]
        d = json.loads(js[nid])
        d["content"]["tampered"] = True
        js[nid] = json.dumps(d)
    if a.tamper_signature is not None:
        nid = sorted(js, key=int)[a.tamper_signature]
        d = json.loads(js[nid])
        sigs = next(iter(d["signatures"].values()))
        key_id = next(iter(sigs))
        sigs[key_id] = ("B" if sigs[key_id][0] == "A" else "A") + sigs[key_id][1:]
        js[nid] = json.dumps(d)
    rows = sorted(t["roomserver_events"], key=lambda r: int(r[0]))
    events, ref_of, fails = {}, {}, Failures()
    per_version = {}
    n_sigs = 0
    for nid, room_nid, _tn, _kn, _out, _snap, _depth, event_id, _auth, _rej in rows:
        room_id, version = rooms[room_nid]
        rv = KNOWN_ROOM_VERSIONS[version]
        per_version[version] = per_version.get(version, 0) + 1
        d = json.loads(js[nid])
        redacted = "redacted_because" in d.get("unsigned", {})
        d.pop("unsigned", None)
        ev = make_event_from_dict(d, rv)
        events[nid] = ev
        ref_of[event_id] = encode_base64(compute_event_reference_hash(ev)[1])
        if ev.event_id != event_id:
            fails.fail(event_id, "event ID is not what Synapse derives")
        check_ids(ev, event_id, room_id, fails)
        if signer and signer[1] in d["signatures"].get(signer[0], {}) and not redacted:
            n_resigned += 1
            unsigned = {k: v for k, v in d.items() if k != "signatures"}
            again = compute_event_signature(rv, unsigned, signer[0], signer[2])[signer[0]][signer[1]]
            if again != d["signatures"][signer[0]][signer[1]]:
                fails.fail(event_id, "compute_event_signature differs from the stored signature")
        if ev.room_id != room_id:
            fails.fail(event_id, "room ID is not the room's")
        if redacted:
            if redact_event_dict(rv, d) != d:
                fails.fail(event_id, "stored redacted but not pruned")
        elif not check_event_content_hash(ev):
            fails.fail(event_id, "content hash")
        try:
            validate_event_for_room_version(ev)
        except Exception as e:  # noqa: BLE001 - any refusal is a failure to report
            fails.fail(event_id, f"validate_event_for_room_version: {e}")
        pruned = redact_event(ev).get_pdu_json()
        pruned.pop("unsigned", None)
        pruned.pop("age_ts", None)
        for server, sigs in d["signatures"].items():
            for key_id in sigs:
                n_sigs += 1
                try:
                    verify_signed_json(pruned, server, keys[server][key_id])
                except (SignatureVerifyException, KeyError):
                    fails.fail(event_id, "signature")
    n_auth_ok = n_rejected = n_pairs = n_unknown = 0
    for nid, room_nid, _tn, _kn, _out, _snap, _depth, event_id, auth, rejected in rows:
        ev = events[nid]
        rv = ev.room_version
        if ev.format_version == 1:
            for pair in list(ev.get_dict()["prev_events"]) + list(ev.get_dict()["auth_events"]):
                if pair[0] not in ref_of:
                    n_unknown += 1  # history before the local server joined, never fetched
                    continue
                n_pairs += 1
                if ref_of[pair[0]] != pair[1]["sha256"]:
                    fails.fail(event_id, "v1 reference hash pair")
        auth_events = [events[n] for n in auth.strip("{}").split(",") if n]
        listed = {a if isinstance(a, str) else a[0] for a in ev.get_dict()["auth_events"]}
        if {e.event_id for e in auth_events if not (rv.msc4291_room_ids_as_hashes and e.type == "m.room.create")} != listed:
            fails.fail(event_id, "auth_event_nids do not match the JSON's auth_events")
        if ev.type == "m.room.create":
            continue
        try:
            check_state_dependent_auth_rules(ev, auth_events)
            ok = True
        except AuthError:
            ok = False
        if rejected == "t":
            n_rejected += 1
            if ok:
                fails.fail(event_id, "rejected event passes the auth rules")
        elif ok:
            n_auth_ok += 1
        else:
            fails.fail(event_id, "auth rules refuse it")
    n_keys = check_keys(a.dir, fails, a.tamper_key) if only is None else 0
    print(f"verify: {n_keys} device-key, one-time-key and cross-signing signatures checked (signedjson)")
    print(f"verify: {n_resigned} signatures recomputed with the server's own key by Synapse's compute_event_signature")
    print(f"verify: {len(rows)} events in {len(rooms)} rooms: IDs, content hashes and {n_sigs} signatures "
          f"checked; {n_auth_ok} pass the auth rules, {n_rejected} rejected ones refused; {n_pairs} v1 hash pairs ({n_unknown} name events not in the dump)")
    print("verify: events per room version: " + " ".join(f"v{v}={n}" for v, n in sorted(
        per_version.items(), key=lambda x: int(x[0]))))
    for line in fails.items:
        print("FAIL:", line)
    if fails.counts:
        print("verify: FAILED:", ", ".join(f"{k}: {v}" for k, v in sorted(fails.counts.items())))
        sys.exit(1)


if __name__ == "__main__":
    main()
