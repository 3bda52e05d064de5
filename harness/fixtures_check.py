"""Consistency checks of the committed Dendrite fixtures (stdlib only).

python3 harness/fixtures_check.py FIXTURE_DIR ROWCOUNTS_PLAIN ROWCOUNTS_CUSTOM

Checks that the pieces of one fixture come from one and the same run:
- every named event of scenario.json is in the dump (so expected answers and dump match);
- every media download recorded with status 200 has a file in media/ with that SHA-256;
- every device with a crypto store has it on disk;
- the plain and -Fc dumps restore to the same row counts per table (files given).
Prints one line per failure; exits 1 if any.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path


def main() -> int:
    fx, plain_counts, custom_counts = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    fails: list[str] = []
    sql = gzip.open(fx / "dendrite.sql.gz", "rt", encoding="utf-8").read()
    scenario = json.loads((fx / "scenario.json").read_text())
    # Rooms our server only knows by an invite: their events are not in our dump.
    peer_only = set(scenario["notes"].get("peer_only_rooms", []))
    for name, e in scenario["events"].items():
        if e["room"] not in peer_only and e["event_id"] not in sql:
            fails.append(f"{fx}: event {name} ({e['event_id']}) not in dendrite.sql.gz")
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (fx / "media").rglob("*") if p.is_file()}
    for name, m in json.loads((fx / "expected" / "media.json").read_text()).items():
        d = m["download"]
        if d["status"] == 200 and d["sha256"] not in hashes:
            fails.append(f"{fx}: media {name} ({m['mxc']}) has no file with sha256 {d['sha256']}")
    for key, c in json.loads((fx / "clients" / "credentials.json").read_text()).items():
        if c.get("crypto_store") and not any((fx / c["crypto_store"]).glob("*.db")):
            fails.append(f"{fx}: device {key}: crypto store {c['crypto_store']} missing")
    if plain_counts.read_text() != custom_counts.read_text():
        fails.append(f"{fx}: plain and -Fc dumps restore to different row counts")
    if len(plain_counts.read_text().splitlines()) < 50:
        fails.append(f"{fx}: fewer than 50 tables restored")
    for f in fails:
        print("FAIL:", f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
