"""A fixture folder: scenario names, device credentials, Dendrite's recorded answers."""
from __future__ import annotations

import json
from pathlib import Path


class Fixture:
    def __init__(self, folder: str):
        self.dir = Path(folder)
        self.scenario = json.loads((self.dir / "scenario.json").read_text())
        self.credentials = json.loads((self.dir / "clients" / "credentials.json").read_text())
        self.server_name = self.scenario["server_name"]
        self.rooms = self.scenario.get("rooms", {})
        if self.rooms and isinstance(next(iter(self.rooms.values())), dict):
            self.rooms = {k: v["room_id"] for k, v in self.rooms.items()}

    def expected(self, rel: str):
        p = self.dir / "expected" / rel
        return json.loads(p.read_text()) if p.exists() else None

    def expected_glob(self, pattern: str):
        base = self.dir / "expected"
        for p in sorted(base.glob(pattern)):
            yield str(p.relative_to(base)), json.loads(p.read_text())

    def recorded_users(self) -> list[str]:
        users = self.scenario["users"]
        return sorted(u for u in users if (self.dir / "expected" / u).is_dir())

    def main_device(self, name: str):
        """Credentials of a user's main device (None for users without a device of their own)."""
        u = self.scenario["users"].get(name)
        c = self.credentials.get(u["main_device"]) if u else None
        return c if c and c.get("device_id") else None

    def decrypted(self):
        return self.expected("decrypted.json")
