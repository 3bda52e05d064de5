"""`python -m harness.gendump --events N --seed S -o DIR`: see scripts/gen-dump."""

import argparse
import json
import os
import shutil
import sys
import time

from .gen import Dump


def main():
    ap = argparse.ArgumentParser(prog="gen-dump", description="Generate a valid Dendrite v0.13.8 dump.")
    ap.add_argument("--events", type=int, default=10000, help="about this many room events (default 10000)")
    ap.add_argument("--seed", default="1", help="seed (default 1); same seed and size give the same bytes")
    ap.add_argument("--server-name", default="dendrite.test", help="the local server's name")
    ap.add_argument("--odd-user-ids", action="store_true",
                    help="user1 and user2 get IDs Synapse would not register today (upper case; over 255 bytes)")
    ap.add_argument("--pad-bodies", type=int, default=0, metavar="N",
                    help="append N characters to every plain message body (bigger events, same shape)")
    ap.add_argument("-o", "--out", required=True, help="output directory")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    spool = os.path.join(a.out, ".spool")
    t0 = time.monotonic()
    d = Dump(a.events, a.seed, a.server_name, spool, a.odd_user_ids)
    d.pad_bodies = a.pad_bodies
    d.plan()

    def progress(k, total):
        print(f"gen-dump: {k}/{total} events, {time.monotonic() - t0:.0f} s", file=sys.stderr)

    d.run(progress)
    d.t.write_dump(os.path.join(a.out, "dendrite.sql"))
    shutil.rmtree(spool)
    pem = os.path.join(a.out, "matrix_key.pem")
    with open(os.open(pem, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:  # a private key
        f.write(d.keys[a.server_name].pem())
    os.chmod(pem, 0o600)
    os.chmod(os.path.join(a.out, "dendrite.sql"), 0o600)
    with open(os.path.join(a.out, "server_keys.json"), "w") as f:  # what each server publishes
        json.dump({s: {k.key_id: k.verify_key_b64()} for s, k in sorted(d.keys.items())}, f, indent=1)
    n = d.t.counts["roomserver_events"]  # not the NID sequence: it has gaps
    dt = time.monotonic() - t0
    print(f"gen-dump: {n} events in {len(d.scripts)} rooms, {len(d.accounts)} accounts, "
          f"{len(d.remote_servers)} remote servers; {dt:.1f} s ({n / dt:.0f} events/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
