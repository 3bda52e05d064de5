"""Adds element-hq Dendrite 0.14/0.15's fallback keys to a restored 0.13.8 fixture database
(scripts/make-newer-fixtures runs it; docs/dendrite-versions.md holds the facts it follows).

    add-fallback-keys.py SOURCE_FIXTURE VARIANT_DIR     (PG* variables name the database)

* Creates keyserver_fallback_keys with the DDL the fork runs at start (written from the facts).
* For every device with a crypto store in SOURCE_FIXTURE/clients/: copies the store into
  VARIANT_DIR/clients/, lets the device's own Olm account (vodozemac, through matrix-nio's
  store) generate a fallback key, signs it as a client does before /keys/upload, marks it
  published and saves the account back, then stores the row as the fork's upload does
  (key ID without the algorithm prefix, used = false).
* One device's row gets used = true (what a Dendrite without the bind-order bug would store
  after a claim); one device's one-time keys are all gone (claimed: the fork deletes a claimed
  one-time key), so /keys/claim must fall back.
* A device whose store exists but whose userapi_devices row does not (an account deactivated on
  Dendrite) keeps its row too, marked device_deleted in fallback_keys.json.
* A device logged out on Dendrite (its row deleted from userapi_devices; the fork leaves its
  fallback key behind) gets a row signed by a fresh account: its own store was never kept.

Writes VARIANT_DIR/fallback_keys.json: what was added, for the reader of the fixture.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import vodozemac
from nio.store import DefaultStore

ALGORITHM = "signed_curve25519"
PICKLE_KEY = "DEFAULT_KEY"  # matrix-nio's AsyncClientConfig default (fixtures/README.md)

DDL = """
CREATE TABLE IF NOT EXISTS keyserver_fallback_keys (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    ts_added_secs BIGINT NOT NULL,
    key_json TEXT NOT NULL,
    used BOOLEAN NOT NULL,
    CONSTRAINT keyserver_fallback_keys_unique UNIQUE (user_id, device_id, algorithm)
);
CREATE INDEX IF NOT EXISTS keyserver_fallback_keys_idx ON keyserver_fallback_keys (user_id, device_id);
"""


def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def psql(sql: str, *args: str) -> str:
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"]
    for i, a in enumerate(args):
        cmd += ["-v", f"a{i}={a}"]
    return subprocess.run(cmd, input=sql, check=True, capture_output=True, text=True).stdout


def signed_fallback_key(account: vodozemac.Account, user_id: str, device_id: str) -> tuple[str, str]:
    """(key ID, key JSON) of a fresh fallback key, signed by the account as for /keys/upload."""
    account.generate_fallback_key()
    (key_id, key), = account.fallback_key.items()
    obj = {"key": key.to_base64(), "fallback": True}
    sig = account.sign(canonical(obj).encode())
    obj["signatures"] = {user_id: {f"ed25519:{device_id}": sig.to_base64()}}
    account.mark_keys_as_published()
    return key_id, json.dumps(obj, separators=(",", ":"))


def device_exists(device_id: str) -> bool:
    return psql("SELECT count(*) FROM userapi_devices WHERE device_id = :'a0';", device_id).strip() != "0"


def insert(user_id: str, device_id: str, key_id: str, key_json: str, used: bool) -> None:
    psql("INSERT INTO keyserver_fallback_keys VALUES (:'a0', :'a1', :'a2', :'a3', :'a4', :'a5', :'a6');",
         user_id, device_id, key_id, ALGORITHM, str(int(time.time())), key_json, "true" if used else "false")


def main(source: Path, variant: Path, used_device: str, exhausted_device: str, deleted: str) -> None:
    psql(DDL)
    creds = json.loads((source / "clients" / "credentials.json").read_text())
    added = {"used": used_device, "one_time_keys_exhausted": exhausted_device, "rows": []}
    for name, c in sorted(creds.items()):
        if not c.get("crypto_store"):
            continue
        src = source / c["crypto_store"]
        dst = variant / c["crypto_store"]
        shutil.copytree(src, dst, dirs_exist_ok=True)
        store = DefaultStore(c["user_id"], c["device_id"], str(dst), PICKLE_KEY)
        nio_account = store.load_account()
        key_id, key_json = signed_fallback_key(nio_account._account, c["user_id"], c["device_id"])
        store.save_account(nio_account)
        used = name == used_device
        insert(c["user_id"], c["device_id"], key_id, key_json, used)
        row = {"device": name, "key_id": key_id, "used": used}
        if not device_exists(c["device_id"]):  # e.g. an account deactivated on Dendrite
            row["device_deleted"] = True
        added["rows"].append(row)
    user, device_id = exhausted_device.split("/")
    user_id = creds[exhausted_device]["user_id"]
    psql("DELETE FROM keyserver_one_time_keys WHERE user_id = :'a0' AND device_id = :'a1';", user_id, device_id)
    user, device_id = deleted.split("/")
    user_id = next(c["user_id"] for c in creds.values() if c["user_id"].startswith(f"@{user}:"))
    assert not device_exists(device_id), f"{deleted} still has a userapi_devices row"
    key_id, key_json = signed_fallback_key(vodozemac.Account(), user_id, device_id)
    insert(user_id, device_id, key_id, key_json, False)
    added["rows"].append({"device": deleted, "key_id": key_id, "used": False, "device_deleted": True})
    shutil.copy(source / "clients" / "credentials.json", variant / "clients" / "credentials.json")
    (variant / "fallback_keys.json").write_text(json.dumps(added, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
