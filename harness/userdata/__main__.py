"""python -m harness.userdata FIXTURE --url URL [--no-crypto]: one line per category, exit 1 if
anything differed (a crashing check counts as a difference)."""
from __future__ import annotations

import argparse
import asyncio
import sys
import traceback

from . import rest
from .api import Api
from .fixture import Fixture
from .tally import Tally


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m harness.userdata", description=__doc__)
    ap.add_argument("fixture")
    ap.add_argument("--url", required=True)
    ap.add_argument("--no-crypto", action="store_true", help="skip the nio decryption checks")
    ap.add_argument("--all-differences", action="store_true")
    args = ap.parse_args(argv)
    fx, api, t = Fixture(args.fixture), Api(args.url), Tally()
    steps = [("keys", lambda: rest.keys(fx, api, t)),
             ("account_data", lambda: rest.account_data(fx, api, t))]
    if not args.no_crypto:
        from . import e2ee
        steps.append(("encrypted_history", lambda: asyncio.run(e2ee.run(fx, args.url, api, t))))
        # after the decryption checks: claiming first could take keys they rely on
        steps.append(("keys_claim", lambda: rest.claim(fx, api, t)))
    for name, step in steps:
        try:
            step()
        except Exception as e:  # noqa: BLE001 - reported, never swallowed
            t.differ(name, f"check crashed: {type(e).__name__}: {e}")
            traceback.print_exc(file=sys.stderr)
    for c in t.cats.values():
        print(c.line(), flush=True)
        if args.all_differences:
            for d in c.differences[1:]:
                print(f"    {d}")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
