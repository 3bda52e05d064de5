"""account_data (issue 5): push rules, pushers, global and per-room account data, tags and
filters, for every recorded user, compared with Dendrite's answers as they are. Issue 5 adds
the one documented rule it needs (server-default push rules Synapse has and Dendrite lacks)."""
from __future__ import annotations

from ..http import q

NAME, GROUP = "account_data", "issue5"


def same(ctx, label, rec, method, path, token, params=None):
    st, ans = ctx.client.call(method, path, token=token, params=params)
    ctx.tally.compare(NAME, label, {"status": rec["status"], "body": rec["body"]},
                      {"status": st, "body": ans})


def run(ctx) -> None:
    f = ctx.fixture
    for name in f.recorded_users():
        d = f.main_device(name)
        uid = d.user_id
        for rel, path in (("pushrules", "/pushrules/"), ("pushers", "/pushers")):
            rec = f.expected(f"{name}/{rel}.json")
            if rec:
                same(ctx, f"{name} {path}", rec, "GET", path, d.token)
        for rel, rec in f.expected_glob(f"{name}/account_data/*.json"):
            typ = rel.split("/", 2)[2][: -len(".json")]
            same(ctx, f"{name} account data {typ}", rec, "GET",
                 f"/user/{q(uid)}/account_data/{q(typ)}", d.token)
        for rel, rec in f.expected_glob(f"{name}/rooms/*/account_data/*.json"):
            _, _, room, _, typ = rel.split("/", 4)
            typ = typ[: -len(".json")]
            same(ctx, f"{name} {room} account data {typ}", rec, "GET",
                 f"/user/{q(uid)}/rooms/{q(f.rooms[room])}/account_data/{q(typ)}", d.token)
        for rel, rec in f.expected_glob(f"{name}/rooms/*/tags.json"):
            room = rel.split("/")[2]
            same(ctx, f"{name} {room} tags", rec, "GET",
                 f"/user/{q(uid)}/rooms/{q(f.rooms[room])}/tags", d.token)
        for rel, rec in f.expected_glob(f"{name}/filters/*.json"):
            fname = rel.split("/")[2][: -len(".json")]
            fid = f.scenario["filters"][fname]["filter_id"]
            same(ctx, f"{name} filter {fname}", rec, "GET", f"/user/{q(uid)}/filter/{q(fid)}", d.token)
