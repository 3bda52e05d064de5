"""CLI: run the chosen categories against a server and print one line per category.

Exit status: 0 when nothing differed, 1 when something differed, 2 on a usage error.
An exception inside a category is counted as a difference of that category (with the error),
so a crashing check can never look like a pass.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import traceback

from .categories import ALL, GROUPS
from .compare import Exclusion, Tally
from .context import Context
from .fixture import Fixture
from .http import Client, ReadOnly


def pick(spec: str):
    """The categories a spec names, in run order (read phase, then write phase): the order of
    the spec does not matter (categories/__init__.py)."""
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    names = {m.NAME for m in ALL}
    bad = [w for w in wanted if w not in names and w not in GROUPS and w != "all"]
    if bad:
        sys.exit(f"harness.check: unknown category or group: {', '.join(bad)} "
                 f"(categories: {', '.join(m.NAME for m in ALL)}; groups: {', '.join(GROUPS)}, all)")
    return [m for m in ALL if "all" in wanted or m.NAME in wanted or m.GROUP in wanted]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m harness.check", description=__doc__)
    ap.add_argument("fixture", help="fixture folder, e.g. fixtures/dendrite-0.13.8/full")
    ap.add_argument("--url", required=True, help="client API base URL of the server under test")
    ap.add_argument("--categories", default="accounts_rooms",
                    help="comma-separated categories or groups (accounts_rooms, e2ee_userdata, media_identity, "
                         "all), in any order: read-only categories always run first; default accounts_rooms")
    ap.add_argument("--registration-secret", help="shared secret for /_synapse/admin/v1/register (live)")
    ap.add_argument("--server", default="synapse", choices=["synapse", "dendrite"])
    ap.add_argument("--all-differences", action="store_true", help="print every difference, not just the first")
    ap.add_argument("--exclude-rooms", default="", metavar="NAMES",
                    help="comma-separated scenario room names left out of every comparison (damaged corpus)")
    ap.add_argument("--exclude-users", default="", metavar="NAMES",
                    help="comma-separated scenario user names left out of every comparison (damaged corpus)")
    args = ap.parse_args(argv)

    fixture = Fixture(args.fixture)
    secret = args.registration_secret
    if secret is None and args.server == "dendrite":
        secret = "fixture-shared-secret"   # what scripts/make-fixtures configured
    names = lambda spec: [n for n in spec.split(",") if n]  # noqa: E731
    exclusion = Exclusion({r: fixture.rooms[r] for r in names(args.exclude_rooms)}, names(args.exclude_users))
    ctx = Context(fixture, Client(args.url), Tally(exclusion), args.server, secret)
    reading = dataclasses.replace(ctx, client=ReadOnly(ctx.client))   # same tally and notes
    for mod in pick(args.categories):
        ctx.tally.cat(mod.NAME)
        try:
            mod.run(ctx if mod.WRITES else reading)
        except Exception as e:  # noqa: BLE001 - reported, never swallowed
            ctx.tally.differ(mod.NAME, f"check crashed: {type(e).__name__}: {e}")
            traceback.print_exc(file=sys.stderr)
    for c in ctx.tally.cats.values():
        print(c.line(), flush=True)
        if args.all_differences:
            for d in c.differences[1:]:
                print(f"    {d}")
    return 1 if ctx.tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
