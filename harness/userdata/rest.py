"""Issue 5's REST comparisons: every recorded user's keys, backups, push rules, pushers,
account data, tags, filters, presence status; /keys/claim of a migrated one-time key; the
ignore list acting on history."""
from __future__ import annotations

import base64
import json

from . import normalise as n
from .api import q
from .fixture import Fixture


def _json(rec):
    return rec["status"], rec["body"]


def keys(fx: Fixture, api, t) -> None:
    cat = "keys"
    for name in fx.recorded_users():
        d = fx.main_device(name)
        if d is None:
            continue
        rec = fx.expected(f"{name}/keys_query.json")
        if rec:
            local = sorted(u for u in rec["body"].get("device_keys", {}) if u.endswith(":" + fx.server_name))
            st, ans = api.call("POST", "/keys/query", d["access_token"], {"device_keys": {u: [] for u in local}})
            t.compare(cat, f"{name} /keys/query", {"status": rec["status"], **n.keys_query(rec["body"], fx.server_name, d["user_id"])},
                      {"status": st, **n.keys_query(ans, fx.server_name, d["user_id"])})
        rec = fx.expected(f"{name}/room_keys_version.json")
        if rec:
            st, ans = api.call("GET", "/room_keys/version", d["access_token"])
            t.compare(cat, f"{name} /room_keys/version", n.error(*_json(rec)), n.error(st, ans))
        rec = fx.expected(f"{name}/room_keys_keys.json")
        if rec:
            st, ans = api.call("GET", "/room_keys/keys", d["access_token"], params=rec.get("params"))
            t.compare(cat, f"{name} /room_keys/keys", n.error(*_json(rec)), n.error(st, ans))


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def claim(fx: Fixture, api, t) -> None:
    """Claim a signed_curve25519 key of every local device Dendrite listed: the key must be signed
    by that device's Ed25519 key as Dendrite served it (so it is one the device uploaded), and a
    second claim must hand out another key (claimed keys are used up)."""
    import vodozemac
    cat = "keys_claim"
    rec = fx.expected("alice/keys_query.json") or fx.expected(f"{fx.recorded_users()[0]}/keys_query.json")
    requester = fx.main_device("alice") or fx.main_device(fx.recorded_users()[0])
    for user, devices in sorted(rec["body"].get("device_keys", {}).items()):
        if not user.endswith(":" + fx.server_name):
            continue
        for dev, keys in sorted(devices.items()):
            got = []
            for _ in range(2):
                st, ans = api.call("POST", "/keys/claim", requester["access_token"],
                                   {"one_time_keys": {user: {dev: "signed_curve25519"}}})
                got.append(ans.get("one_time_keys", {}).get(user, {}).get(dev, {}))
            label = f"claim {user}/{dev}"
            if not got[0]:
                t.differ(cat, f"{label}: no one-time key handed out ({st})")
                continue
            (kid, key), = got[0].items()
            ed = keys["keys"][f"ed25519:{dev}"]
            sig = key.get("signatures", {}).get(user, {}).get(f"ed25519:{dev}")
            bare = {k: v for k, v in key.items() if k not in ("signatures", "unsigned")}
            try:
                vodozemac.Ed25519PublicKey.from_base64(ed).verify_signature(
                    canonical(bare), vodozemac.Ed25519Signature.from_base64(sig))
                signed = True
            except Exception as e:  # noqa: BLE001 - a bad signature is the difference
                signed = f"{type(e).__name__}: {e}"
            t.check(cat, label, signed is True and kid.startswith("signed_curve25519:"),
                    f"{kid} not signed by the device key: {signed}")
            t.check(cat, label + " twice", bool(got[1]) and got[1] != got[0], f"second claim gave {got[1]}")


def account_data(fx: Fixture, api, t) -> None:
    cat = "account_data"
    for name in fx.recorded_users():
        d = fx.main_device(name)
        if d is None:
            continue
        tok, uid = d["access_token"], d["user_id"]
        rec = fx.expected(f"{name}/pushrules.json")
        if rec:
            st, ans = api.call("GET", "/pushrules/", tok)
            t.compare("push_rules", f"{name} /pushrules/", {"status": rec["status"], **n.pushrules(rec["body"], True)},
                      {"status": st, **n.pushrules(ans, False)})
        rec = fx.expected(f"{name}/pushers.json")
        if rec:
            st, ans = api.call("GET", "/pushers", tok)
            t.compare("pushers", f"{name} /pushers", {"status": rec["status"], **n.pushers(rec["body"])},
                      {"status": st, **n.pushers(ans)})
        for rel, rec in fx.expected_glob(f"{name}/account_data/*.json"):
            typ = rel.rsplit("/", 1)[1][:-len(".json")]
            st, ans = api.call("GET", f"/user/{q(uid)}/account_data/{q(typ)}", tok)
            if typ == "m.push_rules":
                t.compare("push_rules", f"{name} account data m.push_rules",
                          {"status": rec["status"], **n.pushrules(rec["body"], True)}, {"status": st, **n.pushrules(ans, False)})
            else:
                t.compare(cat, f"{name} account data {typ}", n.error(*_json(rec)), n.error(st, ans))
        for rel, rec in fx.expected_glob(f"{name}/rooms/*/account_data/*.json"):
            room, typ = rel.split("/")[2], rel.rsplit("/", 1)[1][:-len(".json")]
            rid = fx.rooms[room]
            if typ == "m.tag":
                # Synapse serves tags only through /tags and sync (docs/userdata.md).
                st, ans = api.call("GET", f"/user/{q(uid)}/rooms/{q(rid)}/tags", tok)
                t.compare("tags", f"{name} {room} m.tag via /tags", n.tags(rec["body"]), n.tags(ans))
                continue
            st, ans = api.call("GET", f"/user/{q(uid)}/rooms/{q(rid)}/account_data/{q(typ)}", tok)
            t.compare(cat, f"{name} {room} account data {typ}", n.error(*_json(rec)), n.error(st, ans))
        for rel, rec in fx.expected_glob(f"{name}/rooms/*/tags.json"):
            room = rel.split("/")[2]
            st, ans = api.call("GET", f"/user/{q(uid)}/rooms/{q(fx.rooms[room])}/tags", tok)
            t.compare("tags", f"{name} {room} tags", {"status": rec["status"], **n.tags(rec["body"])},
                      {"status": st, **n.tags(ans)})
        presence(fx, api, t, name, tok, uid)
    filters(fx, api, t)
    ignored(fx, api, t)


def presence(fx, api, t, name, tok, uid) -> None:
    rec = fx.expected(f"{name}/presence.json")
    if not rec or not rec["body"].get("status_msg"):
        return   # no status message (Dendrite answers "", Synapse leaves it out)
    st, ans = api.call("GET", f"/presence/{q(uid)}/status", tok)
    t.compare("presence", f"{name} status message", rec["body"]["status_msg"], ans.get("status_msg"))


def filters(fx: Fixture, api, t) -> None:
    """Synapse returns the filter as stored; Dendrite answered with its defaults filled in. So:
    what the client uploaded ⊆ Synapse's answer ⊆ Dendrite's answer, same filter id."""
    for fname, f in sorted(fx.scenario.get("filters", {}).items()):
        d = fx.main_device(f["user"])
        rec = fx.expected(f"{f['user']}/filters/{fname}.json")
        st, ans = api.call("GET", f"/user/{q(d['user_id'])}/filter/{q(f['filter_id'])}", d["access_token"])
        if st != 200:
            t.differ("filters", f"{fname}: status {st} {ans}")
            continue
        diff = n.contained(f["body"], ans) or (rec and n.contained(ans, rec["body"]))
        t.check("filters", fname, diff is None, diff or "")


def ignored(fx: Fixture, api, t) -> None:
    """The ignore list acts: messages of an ignored user are hidden from the ignorer's history
    (Synapse reads its ignored_users table for this), and still shown to others."""
    for name in fx.recorded_users():
        rec = fx.expected(f"{name}/account_data/m.ignored_user_list.json")
        if not rec:
            continue
        me, other_name = fx.main_device(name), next(u for u in fx.recorded_users() if u != name)
        other = fx.main_device(other_name)
        for ignored_user in sorted(rec["body"].get("ignored_users", {})):
            for room, rid in sorted(fx.rooms.items()):
                seen = {}
                for who, dev in ((name, me), (other_name, other)):
                    st, ans = api.call("GET", f"/rooms/{q(rid)}/messages", dev["access_token"],
                                       params={"dir": "b", "limit": "1000"})
                    if st != 200:
                        break
                    seen[who] = [e for e in ans.get("chunk", [])
                                 if e.get("sender") == ignored_user and "state_key" not in e]
                if len(seen) == 2 and seen[other_name]:
                    t.check("ignored_users", f"{name} ignores {ignored_user} in {room}", not seen[name],
                            f"{len(seen[name])} of their messages still shown")
