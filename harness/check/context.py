"""What every category gets: the fixture, a client for the server under test, the tally."""
from __future__ import annotations

from dataclasses import dataclass, field

from .compare import Tally
from .fixture import Fixture
from .http import Client


@dataclass
class Context:
    fixture: Fixture
    client: Client
    tally: Tally
    server: str = "synapse"                   # "synapse" or "dendrite" (self-check)
    registration_secret: str | None = None    # shared secret for /_synapse/admin/v1/register
    notes: list[str] = field(default_factory=list)
