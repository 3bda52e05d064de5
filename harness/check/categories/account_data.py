"""account_data: push rules, pushers, global and per-room account data, tags, filters,
presence status messages, and the ignore list acting on history, for every recorded user,
compared with Dendrite's answers under the rules of userdata_rules.py (docs/e2e-checks.md):
push rules by the user's rules exactly and the server defaults by meaning (Synapse's own
extra defaults left out); `pushkey_ts` (Synapse keeps no such field); `m.tag` read through
`/tags` (Synapse serves tags only there and in /sync); `{"tags": null}` ≡ `{}`; a filter as
uploaded ⊆ Synapse's answer ⊆ Dendrite's (Dendrite fills in defaults)."""
from __future__ import annotations

from .. import userdata_rules as r
from ..http import q

NAME, GROUP = "account_data", "e2ee_userdata"
WRITES = False


def run(ctx) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    for name in f.recorded_users():
        d = f.main_device(name)
        tok, uid = d.token, d.user_id
        rec = f.expected(f"{name}/pushrules.json")
        if rec:
            st, ans = c.call("GET", "/pushrules/", token=tok)
            t.compare(NAME, f"{name} /pushrules/", {"status": rec["status"], **r.pushrules(rec["body"], True)},
                      {"status": st, **r.pushrules(ans, False)})
        rec = f.expected(f"{name}/pushers.json")
        if rec:
            st, ans = c.call("GET", "/pushers", token=tok)
            t.compare(NAME, f"{name} /pushers", {"status": rec["status"], **r.pushers(rec["body"])},
                      {"status": st, **r.pushers(ans)})
        for rel, rec in f.expected_glob(f"{name}/account_data/*.json"):
            typ = rel.rsplit("/", 1)[1][: -len(".json")]
            st, ans = c.call("GET", f"/user/{q(uid)}/account_data/{q(typ)}", token=tok)
            if typ == "m.push_rules":
                t.compare(NAME, f"{name} account data {typ}", {"status": rec["status"], **r.pushrules(rec["body"], True)},
                          {"status": st, **r.pushrules(ans, False)})
            else:
                t.compare(NAME, f"{name} account data {typ}", r.error(rec["status"], rec["body"]), r.error(st, ans))
        for rel, rec in f.expected_glob(f"{name}/rooms/*/account_data/*.json"):
            room, typ = rel.split("/")[2], rel.rsplit("/", 1)[1][: -len(".json")]
            rid = f.rooms[room]
            if typ == "m.tag":
                st, ans = c.call("GET", f"/user/{q(uid)}/rooms/{q(rid)}/tags", token=tok)
                t.compare(NAME, f"{name} {room} m.tag (via /tags)", r.tags(rec["body"]), r.tags(ans))
                continue
            st, ans = c.call("GET", f"/user/{q(uid)}/rooms/{q(rid)}/account_data/{q(typ)}", token=tok)
            t.compare(NAME, f"{name} {room} account data {typ}", r.error(rec["status"], rec["body"]), r.error(st, ans))
        for rel, rec in f.expected_glob(f"{name}/rooms/*/tags.json"):
            room = rel.split("/")[2]
            st, ans = c.call("GET", f"/user/{q(uid)}/rooms/{q(f.rooms[room])}/tags", token=tok)
            t.compare(NAME, f"{name} {room} tags", {"status": rec["status"], **r.tags(rec["body"])},
                      {"status": st, **r.tags(ans)})
        rec = f.expected(f"{name}/presence.json")
        if rec and rec["body"].get("status_msg"):   # Dendrite answers "" for none, Synapse omits it
            st, ans = c.call("GET", f"/presence/{q(uid)}/status", token=tok)
            t.compare(NAME, f"{name} presence status message", rec["body"]["status_msg"], ans.get("status_msg"))
    filters(ctx)
    ignored(ctx)


def filters(ctx) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    for fname, spec in sorted(f.scenario.get("filters", {}).items()):
        d = f.main_device(spec["user"])
        rec = f.expected(f"{spec['user']}/filters/{fname}.json")
        st, ans = c.call("GET", f"/user/{q(d.user_id)}/filter/{q(spec['filter_id'])}", token=d.token)
        if st != 200:
            t.differ(NAME, f"filter {fname}: status {st} {ans}")
            continue
        diff = r.contained(spec["body"], ans) or (rec and r.contained(ans, rec["body"]))
        t.check(NAME, f"filter {fname} (uploaded ⊆ answer ⊆ Dendrite's)", diff is None, "contained", diff)


def ignored(ctx) -> None:
    """Messages of an ignored user are hidden from the ignorer's history (Synapse reads its
    ignored_users table for this) and still shown to another member."""
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    for name in f.recorded_users():
        rec = f.expected(f"{name}/account_data/m.ignored_user_list.json")
        if not rec:
            continue
        me = f.main_device(name)
        other = f.main_device(next(u for u in f.recorded_users() if u != name))
        for target in sorted(rec["body"].get("ignored_users", {})):
            for room, rid in sorted(f.rooms.items()):
                seen = []
                for dev in (me, other):
                    st, ans = c.call("GET", f"/rooms/{q(rid)}/messages", token=dev.token,
                                     params={"dir": "b", "limit": "1000"})
                    seen.append([e for e in ans.get("chunk", []) if e.get("sender") == target
                                 and "state_key" not in e] if st == 200 else None)
                if seen[0] is not None and seen[1]:
                    t.check(NAME, f"{name} ignores {target} in {room}", not seen[0], [], [e["event_id"] for e in seen[0]])
