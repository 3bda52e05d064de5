"""What the scenario has made so far, under stable names.

Matrix IDs (rooms, events, media) change from run to run; the names here do not,
so tests can say "the edit in room `lobby`" and look the ID up in scenario.json.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .client import Device, Server


def dump_json(path: Path, data: Any) -> None:
    """Pretty, key-sorted JSON so re-generated fixtures diff cleanly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


@dataclass
class World:
    server: Server
    out: Path                     # fixture folder being written
    peer: Server | None = None    # second homeserver in the federation scenario
    devices: dict[str, Device] = field(default_factory=dict)   # "alice/ALICEPHONE"
    users: dict[str, dict] = field(default_factory=dict)       # name -> facts
    rooms: dict[str, str] = field(default_factory=dict)        # name -> room ID
    events: dict[str, dict] = field(default_factory=dict)      # name -> {room, event_id}
    media: dict[str, dict] = field(default_factory=dict)       # name -> {mxc, ...}
    filters: dict[str, dict] = field(default_factory=dict)     # name -> {user, filter_id}
    # user name -> account data types set globally / per room name
    account_data: dict[str, set] = field(default_factory=dict)
    room_account_data: dict[str, dict[str, set]] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)        # anything else worth keeping

    def dev(self, name: str) -> Device:
        """The main device of a user ("alice") or a given one ("alice/ALICELAPTOP")."""
        if "/" in name:
            return self.devices[name]
        return self.devices[self.users[name]["main_device"]]

    def server_of(self, name: str) -> Server:
        return self.peer if self.users.get(name, {}).get("remote") else self.server

    def local_users(self) -> list[str]:
        return sorted(n for n, u in self.users.items() if not u.get("remote"))

    def uid(self, name: str) -> str:
        return self.users[name]["user_id"]

    def event(self, name: str, room: str, event_id: str) -> str:
        self.events[name] = {"room": room, "room_id": self.rooms[room], "event_id": event_id}
        return event_id

    def mark_account_data(self, user: str, typ: str, room: str | None = None) -> None:
        if room is None:
            self.account_data.setdefault(user, set()).add(typ)
        else:
            self.room_account_data.setdefault(user, {}).setdefault(room, set()).add(typ)

    def index(self) -> dict:
        return {
            "server_name": self.server.server_name,
            "peer_server_name": self.peer.server_name if self.peer else None,
            # Users and media of the peer homeserver are listed apart: they are not
            # accounts or uploads of the dumped server.
            "users": {n: u for n, u in self.users.items() if not u.get("remote")},
            "remote_users": {n: u for n, u in self.users.items() if u.get("remote")},
            "rooms": self.rooms,
            "events": self.events,
            "media": {n: m for n, m in self.media.items() if not m.get("remote")},
            "remote_media": {n: m for n, m in self.media.items() if m.get("remote")},
            "filters": self.filters,
            "account_data": {u: sorted(t) for u, t in self.account_data.items()},
            "room_account_data": {u: {r: sorted(t) for r, t in rs.items()}
                                  for u, rs in self.room_account_data.items()},
            "notes": self.notes,
        }
