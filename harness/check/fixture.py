"""A fixture folder as the checker sees it: who the users and devices are, what Dendrite
answered (expected/), and Dendrite's own stream position of every event (from the dump).

Stream positions are read with `pg_restore --data-only -t syncapi_output_room_events` from
FIXTURE/dendrite.dump (no database needed): the id column is the position a Dendrite /sync
token counts in, so "the events a device already had" are exactly those at or below the first
number of its recorded next_batch (s<N>_...).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Device:
    user: str            # fixture name (alice)
    device_id: str
    user_id: str
    token: str | None
    password: str | None
    next_batch: str | None

    @property
    def key(self) -> str:
        return f"{self.user}/{self.device_id}"


class Fixture:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.scenario = json.loads((self.path / "scenario.json").read_text())
        creds = json.loads((self.path / "clients" / "credentials.json").read_text())
        self.devices = [Device(k.split("/", 1)[0], v.get("device_id") or k.split("/", 1)[1],
                               v["user_id"], v.get("access_token"), v.get("password"),
                               v.get("next_batch"))
                        for k, v in sorted(creds.items())]
        self.server_name = self.scenario["server_name"]
        self.rooms: dict[str, str] = self.scenario["rooms"]
        self._positions: dict[str, tuple[int, str, bool]] | None = None
        self._topology: dict[str, tuple[int, int]] | None = None
        self._tables: dict[str, list[dict[str, str]]] = {}

    # --- who -----------------------------------------------------------------------------
    def user(self, name: str) -> dict:
        """Local users, then the peer's users (federation fixture; marked remote)."""
        u = self.scenario["users"].get(name) or self.scenario.get("remote_users", {}).get(name)
        if u is None:
            raise KeyError(f"{name} is in no users list of {self.path}/scenario.json")
        return u

    def recorded_users(self) -> list[str]:
        """Users Dendrite's answers were recorded for (local, active, not appservice)."""
        return sorted(n for n in self.scenario["users"]
                      if (self.path / "expected" / n / "whoami.json").exists())

    def main_device(self, name: str) -> Device:
        key = self.user(name)["main_device"]
        return next(d for d in self.devices if d.key == key)

    def live_devices(self) -> list[Device]:
        """Devices whose token should still work: not deactivated, not logged out."""
        out = []
        for d in self.devices:
            u = self.user(d.user)
            if d.token and not u.get("deactivated") and not u.get("remote") \
                    and d.key not in self.scenario["notes"].get("logged_out_devices", []):
                out.append(d)
        return out

    # --- what Dendrite answered ----------------------------------------------------------
    def expected(self, rel: str) -> Any:
        p = self.path / "expected" / rel
        return json.loads(p.read_text()) if p.exists() else None

    def expected_glob(self, pattern: str) -> list[tuple[str, Any]]:
        base = self.path / "expected"
        return [(str(p.relative_to(base)), json.loads(p.read_text()))
                for p in sorted(base.glob(pattern))]

    def room_name(self, room_id: str) -> str:
        return next((n for n, r in self.rooms.items() if r == room_id), room_id)

    # --- Dendrite's stream positions -----------------------------------------------------
    def positions(self) -> dict[str, tuple[int, str, bool]]:
        """event_id -> (Dendrite stream position, room_id, exclude_from_sync).

        exclude_from_sync marks events Dendrite fetched as history (backfill, send_join's
        earlier events): they get a high position when fetched but are never live-stream news."""
        if self._positions is None:
            self._positions = read_positions(self.path / "dendrite.dump")
        return self._positions

    def table(self, name: str) -> list[dict[str, str]]:
        """The rows of one table of the fixture's dump (read_table), read once per fixture."""
        if name not in self._tables:
            self._tables[name] = read_table(self.path / "dendrite.dump", name)
        return self._tables[name]

    def topology(self) -> dict[str, tuple[int, int]]:
        """event_id -> (depth, stream position): Dendrite's syncapi_output_room_events_topology,
        the (topological_position, stream_position) its /messages pages by."""
        if self._topology is None:
            rows = self.table("syncapi_output_room_events_topology")
            self._topology = {r["event_id"]: (int(r["topological_position"]), int(r["stream_position"]))
                              for r in rows}
        return self._topology


def _pg_restore() -> str:
    found = shutil.which("pg_restore")
    if found:
        return found
    root = Path(__file__).resolve().parents[2]
    bindir = subprocess.run([str(root / "scripts" / "pg"), "bin"], check=True,
                            capture_output=True, text=True).stdout.strip()
    return str(Path(bindir) / "pg_restore")


def read_table(dump: Path, table: str) -> list[dict[str, str]]:
    """The rows of one table of the dump, as column -> text (pg_restore's COPY text; none of
    the columns read here can hold an escaped character)."""
    out = subprocess.run([_pg_restore(), "--data-only", "-t", table, "-f", "-", str(dump)],
                         check=True, capture_output=True, text=True).stdout
    cols, rows = None, []
    for line in out.splitlines():
        if line.startswith(f"COPY public.{table} "):
            cols = [c.strip() for c in line[line.index("(") + 1: line.index(")")].split(",")]
            continue
        if cols is None:
            continue
        if line == "\\.":
            break
        rows.append(dict(zip(cols, line.split("\t"))))
    if cols is None:
        raise RuntimeError(f"{dump}: no {table} data found by pg_restore")
    return rows


def read_positions(dump: Path) -> dict[str, tuple[int, str, bool]]:
    return {r["event_id"]: (int(r["id"]), r["room_id"], r.get("exclude_from_sync") == "t")
            for r in read_table(dump, "syncapi_output_room_events")}


def token_position(token: str | None) -> int | None:
    """The PDU position of a Dendrite /sync token `s<N>_...` (None for anything else)."""
    if token and token.startswith("s"):
        head = token[1:].split("_", 1)[0]
        if head.isdigit():
            return int(head)
    return None
