"""A minimal Matrix client-API caller (standard library only, so the checker runs with any
python3 and needs no virtualenv for all but encrypted_history and keys_claim).

Every answer is (status, body); errors are answers too, exactly as the fixture recorder stored
them. Nothing here retries: a slow or failing server must show up as a difference.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


def q(s: str) -> str:
    """Percent-encode one path segment (room IDs, user IDs, event IDs contain ! @ $ :)."""
    return urllib.parse.quote(s, safe="")


class Client:
    def __init__(self, base_url: str, timeout: float = 60.0):
        self.base = base_url.rstrip("/")
        self.timeout = timeout

    def call(self, method: str, path: str, token: str | None = None, body: Any = None,
             params: dict | None = None) -> tuple[int, Any]:
        if not path.startswith("/_matrix") and not path.startswith("/_synapse"):
            path = "/_matrix/client/v3" + path
        url = self.base + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, method=method, data=data)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, _json(r.read())
        except urllib.error.HTTPError as e:
            return e.code, _json(e.read())

    def get_bytes(self, path: str, token: str | None = None) -> tuple[int, str | None, bytes]:
        req = urllib.request.Request(self.base + path)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, r.headers.get("Content-Type"), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read()


# The only requests other than GET that read-only categories make: queries that change nothing.
READ_ONLY_POSTS = {"/keys/query", "/user_directory/search"}


class WriteInReadPhase(RuntimeError):
    """A read-only category asked for something that could change the server."""


class ReadOnly:
    """The client a read-only category gets (categories/__init__.py, phases): GETs and the
    queries in READ_ONLY_POSTS pass through; anything else raises, so a category that starts
    writing without declaring WRITES fails loudly instead of changing what others see."""

    def __init__(self, client: Client):
        self._client = client
        self.base = client.base

    def call(self, method: str, path: str, token: str | None = None, body: Any = None,
             params: dict | None = None) -> tuple[int, Any]:
        short = path.removeprefix("/_matrix/client/v3")
        if method != "GET" and not (method == "POST" and short in READ_ONLY_POSTS):
            raise WriteInReadPhase(f"{method} {path} from a read-only category")
        return self._client.call(method, path, token=token, body=body, params=params)

    def get_bytes(self, path: str, token: str | None = None) -> tuple[int, str | None, bytes]:
        return self._client.get_bytes(path, token=token)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {"non_json_bytes": len(raw)}
