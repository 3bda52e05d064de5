"""Hostile strings written everywhere a user can write, through the client-server API.

    python3 -m harness.hostile drive  --base-url URL --server-name NAME --out FILE
    python3 -m harness.hostile verify --base-url URL --expected FILE

`drive` runs against a live Dendrite v0.13.8. For each hostile string it registers a user
and writes the string as: the user's display name, a device display name, a room name,
topic, message body, a custom state event's state key and content, the user's own member
event display name in that room, a global and a room account data type and content, a
media upload's file name and a room alias localpart. Every write that Dendrite refuses is
recorded with its status and error, never retried differently. Then it reads every
accepted value back through Dendrite's API and records Dendrite's answers, with the
user's access token, into FILE (gzipped JSON).

`verify` reads the same places through another server's client API (Synapse after the
move) with the recorded tokens and compares each answer with Dendrite's, exactly: JSON
strings compare equal exactly when their UTF-8 bytes do. Prints one line per difference
and a count; exit 1 if any differs.

Only the standard library: plain HTTP requests, what a client sends.
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

# A 64 KB file name comes back in a Content-Disposition header longer than http.client's
# default line limit (64 KiB): read it rather than fail.
http.client._MAXLINE = 1 << 20  # type: ignore[attr-defined]

# name -> value. Each is what a stranger could type or send; several aim at the COPY text
# format (a line `\.` ends a block; tab, newline, backslash are its separators and escape),
# at SQL and psql (quotes, dollar quoting, the tool's own dollar tags, meta-commands), at
# JSON (escapes, NUL) and at people (RTL override, zero-width characters).
HOSTILE: dict[str, str] = {
    "copy_end": "first line\n\\.\nafter the end marker",
    "copy_end_crlf": "first line\r\n\\.\r\nafter",
    "tab": "col1\tcol2\t\\N\t",
    "cr_lf": "a\rb\nc\r\n",
    "backslashes": "\\ \\\\ \\\\\\ \\N \\t \\n \\x41 \\101 \\.",
    "null_marker": "\\N",
    "dollars": "$$; DROP TABLE d2s_canary; $$ $guard$ $count$ $defer$ $fn$ $rows$ $invariants$ $abort$",
    "quotes": "' '' \" \"\" ` ’ '); DROP TABLE d2s_canary; --",
    "sql_comment": "-- comment\n/* block */ COMMIT; BEGIN; ROLLBACK;",
    "psql_meta": "\\! touch /tmp/d2s-injection-pwned\n\\q\n\\set ON_ERROR_STOP off",
    "json_escape_text": "\\u0000 \\ud800 \\\" \\/",
    "nul_char": "before\u0000after",
    "control_chars": "".join(chr(c) for c in range(1, 32)) + "\u007f",
    "rtl_zero_width": "\u202egnp.exe\u202c \u200b\u200c\u200d\u2060\ufeff \u061c\u200f",
    "astral": "\U0001F525 \U0001D54F \U00010348 \U0001F468\u200d\U0001F469\u200d\U0001F467",
    "lone_surrogate": "\ud800",
    "big_64k": "B" * 65536,
    # Fits in one event (Dendrite refuses events over 65 536 bytes) though every character
    # needs escaping in JSON or in COPY text.
    "big_escaped": "\\\t\n\u00e9" * 7000,
}
# Deep nesting goes where a structured value goes (content, account data).
DEPTH = 100


def nested(depth: int, leaf: str) -> dict:
    v: object = leaf
    for i in range(depth):
        v = {f"k{i}": v}
    return v  # type: ignore[return-value]


class Api:
    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def call(self, method: str, path: str, token: str | None = None, body=None,
             raw: bytes | None = None, content_type: str | None = None):
        """(status, parsed JSON or raw bytes, headers). Never raises for HTTP errors."""
        if not path.startswith("/_matrix"):
            path = "/_matrix/client/v3" + path
        headers = {}
        data = None
        if token:
            headers["Authorization"] = "Bearer " + token
        if raw is not None:
            data, headers["Content-Type"] = raw, content_type or "application/octet-stream"
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, payload, hdrs = r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            status, payload, hdrs = e.code, e.read(), dict(e.headers)
        except (http.client.HTTPException, OSError) as e:
            # No HTTP answer at all (the server closed the connection): status 0.
            return 0, {"no_answer": type(e).__name__}, {}
        try:
            return status, json.loads(payload), hdrs
        except ValueError:
            return status, payload, hdrs


def q(s: str) -> str:
    """One path segment, percent-encoded (a lone surrogate as its UTF-8-style bytes)."""
    return urllib.parse.quote(s.encode("utf-8", "surrogatepass"), safe="")


def drive(api: Api, server_name: str) -> dict:
    out: dict = {"server_name": server_name, "strings": {}, "refused": []}

    def write(name: str, what: str, method: str, path: str, token=None, body=None, **kw):
        st, ans, hdrs = api.call(method, path, token, body, **kw)
        if st != 200:
            err = ans if isinstance(ans, dict) else {"body": ans[:200].decode("utf-8", "replace")}
            out["refused"].append({"string": name, "where": what, "status": st,
                                   "errcode": err.get("errcode"), "error": str(err.get("error", err))[:300]})
            return None
        return ans

    for i, (name, value) in enumerate(HOSTILE.items()):
        local = f"hostile{i:02d}"
        password = f"hostile-password-{i:02d}"
        st, r, _ = api.call("POST", "/register", body={"username": local, "password": password, "inhibit_login": True})
        if st == 401:
            st, r, _ = api.call("POST", "/register", body={"username": local, "password": password,
                                                           "inhibit_login": True,
                                                           "auth": {"type": "m.login.dummy", "session": r["session"]}})
        assert st == 200, (st, r)
        uid = r["user_id"]
        st, r, _ = api.call("POST", "/login", body={"type": "m.login.password", "password": password,
                                                    "identifier": {"type": "m.id.user", "user": local},
                                                    "device_id": "MAINDEV", "initial_device_display_name": "main"})
        assert st == 200, (st, r)
        tok = r["access_token"]
        s: dict = {"value": value, "user_id": uid, "password": password, "access_token": tok, "accepted": {}}
        out["strings"][name] = s
        acc = s["accepted"]
        # A second device whose display name is the string (set at login, as a client does).
        st, r, _ = api.call("POST", "/login", body={"type": "m.login.password", "password": password,
                                                    "identifier": {"type": "m.id.user", "user": local},
                                                    "device_id": "HOSTILEDEV", "initial_device_display_name": value})
        if st == 200:
            acc["device_display_name"] = {"device_id": "HOSTILEDEV"}
        else:
            out["refused"].append({"string": name, "where": "device_display_name", "status": st,
                                   "errcode": r.get("errcode"), "error": str(r.get("error"))[:300]})
        # The room first: a profile display name goes into every member event made after it,
        # and one too large for an event would make every later room refused.
        room = write(name, "room", "POST", "/createRoom", tok, {"preset": "private_chat"})
        if write(name, "profile_displayname", "PUT", f"/profile/{q(uid)}/displayname", tok, {"displayname": value}) is not None:
            acc["profile_displayname"] = True
        if room is None:
            continue
        rid = room["room_id"]
        s["room_id"] = rid
        for what, etype, content in [("room_name", "m.room.name", {"name": value}),
                                     ("room_topic", "m.room.topic", {"topic": value})]:
            if write(name, what, "PUT", f"/rooms/{q(rid)}/state/{etype}/", tok, content) is not None:
                acc[what] = {"type": etype, "state_key": ""}
        if write(name, "state_key", "PUT", f"/rooms/{q(rid)}/state/org.d2s.hostile/{q(value)}", tok,
                 {"v": value, "nested": nested(DEPTH, value[:100])}) is not None:
            acc["state_key"] = {"type": "org.d2s.hostile", "state_key": value}
        if write(name, "member_displayname", "PUT", f"/rooms/{q(rid)}/state/m.room.member/{q(uid)}", tok,
                 {"membership": "join", "displayname": value}) is not None:
            acc["member_displayname"] = {"type": "m.room.member", "state_key": uid}
        msg = write(name, "message_body", "PUT", f"/rooms/{q(rid)}/send/m.room.message/txn{i}", tok,
                    {"msgtype": "m.text", "body": value, "org.d2s.nested": nested(DEPTH, value[:100])})
        if msg is not None:
            acc["message_body"] = {"event_id": msg["event_id"]}
        for what, path in [("account_data_type", f"/user/{q(uid)}/account_data/{q('org.d2s.' + value)}"),
                           ("account_data_content", f"/user/{q(uid)}/account_data/org.d2s.content"),
                           ("room_account_data_type", f"/user/{q(uid)}/rooms/{q(rid)}/account_data/{q('org.d2s.' + value)}")]:
            if write(name, what, "PUT", path, tok, {"v": value, "nested": nested(DEPTH, value[:100])}) is not None:
                acc[what] = {"path": path}
        up = write(name, "media_file_name", "POST", f"/_matrix/media/v3/upload?filename={q(value)}", tok,
                   raw=f"media of {name}".encode(), content_type="text/plain")
        if up is not None:
            acc["media_file_name"] = {"mxc": up["content_uri"]}
        alias = f"#{value}:{server_name}"
        if write(name, "alias_localpart", "PUT", f"/directory/room/{q(alias)}", tok, {"room_id": rid}) is not None:
            acc["alias_localpart"] = {"alias": alias}
    return out


def read(api: Api, name: str, s: dict, what: str, where: dict):
    """The server's answer for one accepted write: (status, JSON), comparable across servers."""
    tok, uid, rid = s["access_token"], s["user_id"], s.get("room_id")
    if what == "device_display_name":
        st, r, _ = api.call("GET", f"/devices/{where['device_id']}", tok)
        return st, (r.get("display_name") if isinstance(r, dict) else r)
    if what == "profile_displayname":
        st, r, _ = api.call("GET", f"/profile/{q(uid)}/displayname", tok)
        return st, r
    if what in ("room_name", "room_topic", "state_key", "member_displayname"):
        st, r, _ = api.call("GET", f"/rooms/{q(rid)}/state/{where['type']}/{q(where['state_key'])}", tok)
        if what == "member_displayname" and isinstance(r, dict):
            r = r.get("displayname")
        return st, r
    if what == "message_body":
        st, r, _ = api.call("GET", f"/rooms/{q(rid)}/event/{q(where['event_id'])}", tok)
        return st, (r.get("content") if isinstance(r, dict) else r)
    if what.startswith("account_data") or what.startswith("room_account_data"):
        # Through /sync, not GET .../account_data/{type}: a 64 KiB type makes a URL longer
        # than Synapse's HTTP server reads (it closes the connection).
        st, r, _ = api.call("GET", "/sync", tok)
        if st != 200:
            return st, r
        events = r.get("account_data", {}).get("events", []) if what.startswith("account_data") else \
            r.get("rooms", {}).get("join", {}).get(rid, {}).get("account_data", {}).get("events", [])
        kind = "org.d2s.content" if what == "account_data_content" else "org.d2s." + s["value"]
        found = [e.get("content") for e in events if e.get("type") == kind]
        return (200, found[0]) if len(found) == 1 else (404, len(found))
    if what == "media_file_name":
        server, media_id = where["mxc"][len("mxc://"):].split("/", 1)
        st, body, hdrs = api.call("GET", f"/_matrix/client/v1/media/download/{server}/{media_id}", tok)
        disp = {k.lower(): v for k, v in hdrs.items()}.get("content-disposition", "")
        return st, {"body": body.decode("utf-8", "replace") if isinstance(body, bytes) else body,
                    "filename": filename_of(disp)}
    if what == "alias_localpart":
        # The room's alias list, not GET /directory/room/{alias}: same URL length limit.
        st, r, _ = api.call("GET", f"/rooms/{q(rid)}/aliases", tok)
        return st, (where["alias"] in r.get("aliases", []) if isinstance(r, dict) else r)
    raise ValueError(what)


def filename_of(disposition: str) -> str | None:
    """The file name of a Content-Disposition header (RFC 6266: filename* wins)."""
    plain = None
    for part in disposition.split(";"):
        k, _, v = part.strip().partition("=")
        if k.lower() == "filename*" and v.lower().startswith("utf-8''"):
            # Bytes that are not UTF-8 (a lone surrogate's) stay comparable as surrogate escapes.
            return urllib.parse.unquote_to_bytes(v[7:]).decode("utf-8", "surrogateescape")
        if k.lower() == "filename":
            plain = v.strip('"')
    return plain


def record(api: Api, out: dict) -> None:
    for name, s in out["strings"].items():
        s["answers"] = {what: read(api, name, s, what, where) for what, where in s["accepted"].items()}


# Differences that are decided, with the reason (docs/safety.md). Each must still occur:
# one that no longer does is reported, so this list cannot go stale.
KNOWN_DIFFERENCES = {
    ("nul_char", "media_file_name"):
        "Dendrite stores the name percent-encoded and serves it decoded, with its NUL; PostgreSQL "
        "text cannot hold NUL, so convert keeps the stored form (before%00after)",
    ("lone_surrogate", "account_data_content"):
        "convert leaves out account data whose JSON holds a lone surrogate escape (serde_json "
        "refuses it) and reports it ('content is not JSON'), as the damaged-database rules decide",
    ("lone_surrogate", "media_file_name"):
        "Dendrite stores the name percent-encoded (%ED%A0%80, not UTF-8) and serves those bytes; "
        "Synapse's column is text, so convert keeps the stored form",
}


def first_difference(want, got, at="") -> str:
    """Where two JSON values first differ, with both sides there."""
    if isinstance(want, dict) and isinstance(got, dict):
        for k in sorted(set(want) | set(got)):
            if want.get(k, KeyError) != got.get(k, KeyError):
                return first_difference(want.get(k, "(absent)"), got.get(k, "(absent)"), f"{at}.{k}")
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (a, b) in enumerate(zip(want, got)):
            if a != b:
                return first_difference(a, b, f"{at}[{i}]")
    return f"at {at or 'top'}: expected {ascii(want)[:150]} / got {ascii(got)[:150]}"


def verify(api: Api, expected: dict) -> int:
    bad = same = known = 0
    for name, s in expected["strings"].items():
        for what, where in s["accepted"].items():
            want = tuple(s["answers"][what])
            got = read(api, name, s, what, where)
            if what == "state_key" and want[0] != 200:
                # Dendrite accepted the write but fails reading it back (the lone surrogate):
                # compare with what was written, as Dendrite stored it (Go's JSON decoder
                # turns a lone surrogate escape into U+FFFD).
                v = re.sub("[\ud800-\udfff]", "\ufffd", s["value"])
                want = (200, {"v": v, "nested": nested(DEPTH, v[:100])})
            if what == "media_file_name" and got[0] == 200:
                # Dendrite's Content-Disposition does not encode the name as RFC 6266 says
                # (spaces as '+', backslashes doubled): compare with the name the client sent.
                want = (200, {"body": want[1]["body"], "filename": s["value"]})
            reason = KNOWN_DIFFERENCES.get((name, what))
            if list(got) == list(want) and reason is None:
                same += 1
            elif list(got) != list(want) and reason is not None:
                known += 1
                print(f"KNOWN DIFFERENCE: {name} as {what}: {reason}: {first_difference(list(want), list(got))}")
            else:
                bad += 1
                kind = "DIFFERS" if reason is None else "DIFFERS (a known difference no longer occurs)"
                print(f"{kind}: {name} as {what}: {first_difference(list(want), list(got))}")
    print(f"hostile strings: {len(expected['strings'])}, places compared: {same + known + bad}, "
          f"equal: {same}, known differences: {known}, differ: {bad}")
    return 1 if bad else 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cmd", choices=["drive", "verify"])
    p.add_argument("--base-url", required=True)
    p.add_argument("--server-name")
    p.add_argument("--out")
    p.add_argument("--expected")
    a = p.parse_args()
    api = Api(a.base_url)
    if a.cmd == "drive":
        out = drive(api, a.server_name)
        record(api, out)
        with gzip.open(a.out, "wt", encoding="ascii") as f:
            json.dump(out, f, indent=1, ensure_ascii=True, sort_keys=True)
            f.write("\n")
        n = sum(len(s["accepted"]) for s in out["strings"].values())
        print(f"hostile: {len(out['strings'])} strings, {n} writes accepted, {len(out['refused'])} refused")
    else:
        with gzip.open(a.expected, "rt", encoding="ascii") as f:
            sys.exit(verify(api, json.load(f)))


if __name__ == "__main__":
    main()
