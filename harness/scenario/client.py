"""A logged-in device: raw client-API calls plus, when wanted, a matrix-nio client.

Raw calls (aiohttp) are used for everything that is plain JSON so the recorded
answers are Dendrite's bytes, not a library's model of them. The nio client is
there for what must be real cryptography: Olm/Megolm sessions, encrypted sends,
decryption. Both share the same access token and device ID.
"""
from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from nio import AsyncClient, AsyncClientConfig


class ApiError(RuntimeError):
    pass


def q(s: str) -> str:
    """Percent-encode one path segment (room IDs, user IDs, event IDs)."""
    return urllib.parse.quote(s, safe="")


@dataclass
class Server:
    base_url: str
    server_name: str
    session: aiohttp.ClientSession

    async def call(self, method: str, path: str, token: str | None = None,
                   body: Any = None, params: dict | None = None,
                   ok: tuple[int, ...] = (200,), raw: bytes | None = None,
                   content_type: str | None = None) -> Any:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"headers": headers, "params": params}
        if raw is not None:
            headers["Content-Type"] = content_type or "application/octet-stream"
            kwargs["data"] = raw
        elif body is not None:
            kwargs["json"] = body
        async with self.session.request(method, self.base_url + path, **kwargs) as r:
            data = await r.read()
            if r.status not in ok:
                raise ApiError(f"{method} {path} -> {r.status}: {data[:500]!r}")
            if r.content_type == "application/json":
                return json.loads(data) if data else {}
            return data

    async def get_bytes(self, path: str, token: str | None = None) -> tuple[int, str, bytes]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.get(self.base_url + path, headers=headers) as r:
            return r.status, r.headers.get("Content-Type", ""), await r.read()


@dataclass
class Device:
    """One logged-in device of one user (key: "<name>/<device_id>")."""
    server: Server
    name: str            # scenario name of the user, e.g. "alice"
    user_id: str
    device_id: str
    password: str
    token: str
    store_dir: Path
    nio: AsyncClient | None = None
    next_batch: str | None = None
    txn: int = 0
    crypto: bool = True   # False: plain /sync, no nio client (guests, appservice users)
    extra: dict = field(default_factory=dict)

    async def api(self, method: str, path: str, body: Any = None, **kw) -> Any:
        if not path.startswith("/_matrix") and not path.startswith("/_dendrite") \
                and not path.startswith("/_synapse"):
            path = "/_matrix/client/v3" + path
        if "appservice" in self.extra:   # act as the appservice user
            kw["params"] = {**(kw.get("params") or {}), "user_id": self.user_id}
        return await self.server.call(method, path, self.token, body, **kw)

    def next_txn(self) -> str:
        self.txn += 1
        return f"{self.device_id}-{self.txn}"

    async def start_nio(self) -> AsyncClient:
        """Attach a matrix-nio client with an on-disk crypto store for this device."""
        if self.nio is None:
            self.store_dir.mkdir(parents=True, exist_ok=True)
            cfg = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True)
            c = AsyncClient(self.server.base_url, self.user_id, device_id=self.device_id,
                            store_path=str(self.store_dir), config=cfg)
            c.restore_login(self.user_id, self.device_id, self.token)
            self.nio = c
        return self.nio

    async def sync(self) -> Any:
        """One incremental /sync through nio, doing the key housekeeping a client does."""
        if not self.crypto:
            params = {"timeout": "0", **({"since": self.next_batch} if self.next_batch else {})}
            r = await self.api("GET", "/sync", params=params)
            self.next_batch = r["next_batch"]
            return r
        c = await self.start_nio()
        resp = await c.sync(timeout=0, full_state=self.next_batch is None)
        if not hasattr(resp, "next_batch"):
            raise ApiError(f"sync for {self.user_id}/{self.device_id}: {resp}")
        self.next_batch = resp.next_batch
        if c.should_upload_keys:
            r = await c.keys_upload()
            if not hasattr(r, "signed_curve25519_count"):
                raise ApiError(f"keys_upload: {r}")
        if c.should_query_keys:
            await c.keys_query()
        if c.should_claim_keys:
            await c.keys_claim(c.get_users_for_key_claiming())
        await c.send_to_device_messages()
        return resp

    async def close(self) -> None:
        if self.nio is not None:
            await self.nio.close()
