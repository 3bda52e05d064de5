"""same-rows.py EXPECTED GOT: exit 0 when both JSON-lines files hold the same
multiset of rows (["schema.table", [values]]), else print the differences."""
import collections
import json
import sys


def rows(path):
    with open(path, encoding="utf-8") as f:
        return collections.Counter(json.dumps(json.loads(line)) for line in f if line.strip())


expected, got = rows(sys.argv[1]), rows(sys.argv[2])
if expected == got:
    sys.exit(0)
for label, diff in (("missing", expected - got), ("unexpected", got - expected)):
    for row, n in list(diff.items())[:5]:
        print(f"  {label} x{n}: {row[:300]}")
sys.exit(1)
