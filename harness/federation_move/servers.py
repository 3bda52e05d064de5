"""The two homeservers as the federation-move suite drives them: server A (the migrated one,
now Synapse) and server B (its peer, the real Dendrite restored from the fixture's `peer/`
dump). Each side has a client-API caller, the fixture's users with their old access tokens,
and read access to its database through `psql` (the suite reads what each server decided
about an event: Synapse's `rejections` and soft-fail flag, Dendrite's `is_rejected`).

Nothing here retries silently: `wait` polls a condition for a bounded time and says so.
"""
from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from harness.check.http import Client, q


def wait(cond: Callable[[], Any], timeout: float = 30.0, step: float = 0.25) -> Any:
    """The first truthy answer of cond() within timeout seconds, else None."""
    end = time.monotonic() + timeout
    while True:
        r = cond()
        if r or time.monotonic() > end:
            return r
        time.sleep(step)


@dataclass
class User:
    side: "Side"
    user_id: str
    device_id: str
    token: str
    password: str = ""
    _txn: int = 0

    def call(self, method: str, path: str, body: Any = None, params: dict | None = None):
        return self.side.http.call(method, path, self.token, body, params)

    def ok(self, method: str, path: str, body: Any = None, params: dict | None = None) -> dict:
        status, r = self.call(method, path, body, params)
        if status != 200:
            raise RuntimeError(f"{self.user_id} {method} {path}: {status} {r}")
        return r

    def txn(self) -> str:
        self._txn += 1
        return f"fedmove{int(time.time() * 1000)}.{self._txn}"

    def send(self, room_id: str, typ: str, content: dict) -> str:
        return self.ok("PUT", f"/rooms/{q(room_id)}/send/{q(typ)}/{self.txn()}", content)["event_id"]

    def state(self, room_id: str, typ: str, key: str, content: dict) -> str:
        return self.ok("PUT", f"/rooms/{q(room_id)}/state/{q(typ)}/{q(key)}", content)["event_id"]

    def event(self, room_id: str, event_id: str) -> dict | None:
        status, r = self.call("GET", f"/rooms/{q(room_id)}/event/{q(event_id)}")
        return r if status == 200 else None


@dataclass
class Side:
    name: str           # "A (Synapse)" / "B (Dendrite)"
    server_name: str
    http: Client
    dsn: str            # libpq connection string of its database
    engine: str         # "synapse" | "dendrite"
    users: dict[str, User] = field(default_factory=dict)

    def sql(self, query: str, **params: str) -> list[list[str]]:
        """Rows of a query; :'name' placeholders are psql variables (quoted by psql)."""
        args = ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", self.dsn]
        for k, v in params.items():
            args += ["-v", f"{k}={v}"]
        r = subprocess.run(args, input=query, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"{self.name}: SQL failed: {r.stderr.strip()}")
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def depths(self) -> dict[str, int]:
        """Every event's depth (Synapse's events.depth / Dendrite's roomserver_events.depth)."""
        table = "events" if self.engine == "synapse" else "roomserver_events"
        return {e: int(d) for e, d in self.sql(f"SELECT event_id, depth FROM {table}")}

    def verdict(self, event_id: str) -> str:
        """'accepted', or why not: what this server's database says about the event."""
        if self.engine == "synapse":
            rows = self.sql("SELECT e.outlier, j.internal_metadata, (SELECT reason FROM rejections r "
                            "WHERE r.event_id = e.event_id) FROM events e JOIN event_json j USING (event_id) "
                            "WHERE e.event_id = :'e'", e=event_id)
            if not rows:
                return "not stored"
            outlier, meta, rejected = rows[0]
            if rejected:
                return f"rejected ({rejected})"
            if json.loads(meta or "{}").get("soft_failed"):
                return "soft-failed"
            return "outlier" if outlier == "t" else "accepted"
        rows = self.sql("SELECT e.is_rejected, (SELECT count(*) FROM syncapi_output_room_events s "
                        "WHERE s.event_id = e.event_id) FROM roomserver_events e WHERE e.event_id = :'e'",
                        e=event_id)
        if not rows:
            return "not stored"
        rejected, in_timeline = rows[0]
        if rejected == "t":
            return "rejected (is_rejected)"
        return "accepted" if in_timeline != "0" else "stored, not in the sync timeline"


def load_sides(fixture: Path, a_url: str, b_url: str, a_dsn: str, b_dsn: str) -> tuple[Side, Side, dict]:
    scenario = json.loads((fixture / "scenario.json").read_text())
    creds = json.loads((fixture / "clients" / "credentials.json").read_text())
    a = Side("A (Synapse)", scenario["server_name"], Client(a_url), a_dsn, "synapse")
    b = Side("B (Dendrite)", scenario["peer_server_name"], Client(b_url), b_dsn, "dendrite")
    for key, c in creds.items():
        side = a if c["user_id"].endswith(":" + a.server_name) else b
        side.users[key.split("/")[0]] = User(side, c["user_id"], c["device_id"], c["access_token"],
                                             c.get("password", ""))
    return a, b, scenario
