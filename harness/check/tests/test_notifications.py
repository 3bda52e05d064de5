"""The notifications category's rules, fed Dendrite's recorded answers (basic fixture) and altered
copies: each rule keeps what the servers legitimately differ on equal and still reports a
change to carried data."""
from __future__ import annotations

import copy
import json
import unittest
from pathlib import Path

from harness.check.categories import notifications as n

BASIC = Path(__file__).resolve().parents[3] / "fixtures" / "dendrite-0.13.8" / "basic"


def recorded(user: str) -> list:
    return json.loads((BASIC / "expected" / user / "notifications.json").read_text())["body"]["notifications"]


class Rules(unittest.TestCase):
    def test_duplicates_keep_the_first_of_each_event(self):
        erin = recorded("erin")   # her invite, stored and listed twice by Dendrite
        self.assertEqual(len(erin), 2)
        kept = n.first_of_each(erin)
        self.assertEqual([x["ts"] for x in kept], [erin[0]["ts"]])

    def test_redacted_content_must_be_part_of_the_recorded_content(self):
        ev = next(x["event"] for x in recorded("alice") if "hunter2" in json.dumps(x["event"]))
        redacted = {"content": {}, "unsigned": {"redacted_because": {"type": "m.room.redaction"}}}
        self.assertEqual(n.redacted_part(ev["content"], redacted), {})
        # Not redacted: the recorded content stands, so a missing body is reported.
        self.assertEqual(n.redacted_part(ev["content"], {"content": {}}), ev["content"])
        # "Redacted" but holding a value Dendrite never had: the recorded content stands.
        changed = {"content": {"body": "other"}, "unsigned": redacted["unsigned"]}
        self.assertEqual(n.redacted_part(ev["content"], changed), ev["content"])

    def test_highlight_is_the_first_highlight_tweak(self):
        self.assertTrue(n.is_highlight(["notify", {"set_tweak": "highlight"}]))
        self.assertFalse(n.is_highlight(["notify", {"set_tweak": "highlight", "value": False}]))
        self.assertFalse(n.is_highlight(["notify", {"set_tweak": "sound", "value": "default"}]))

    def test_only_day_old_non_highlights_may_be_missing(self):
        x = recorded("alice")[0]
        ts = x["event"]["origin_server_ts"]
        self.assertFalse(n.prunable(x, ts + 60_000))
        self.assertTrue(n.prunable(x, ts + n.DAY_MS))
        high = copy.deepcopy(x)
        high["actions"] = ["notify", {"set_tweak": "highlight"}]
        self.assertFalse(n.prunable(high, ts + n.DAY_MS))

    def test_shape_reports_a_changed_action_or_room(self):
        x = recorded("alice")[0]
        y = copy.deepcopy(x)
        y["actions"] = ["notify", {"set_tweak": "sound", "value": "ping"}]
        self.assertNotEqual(n.shape(x, True), n.shape(y, True))
        y = copy.deepcopy(x)
        y["room_id"] = "!other:localhost"
        self.assertNotEqual(n.shape(x, True), n.shape(y, True))
        self.assertEqual(n.shape(x, True), n.shape(copy.deepcopy(x), True))


if __name__ == "__main__":
    unittest.main()


class CachedCounts(unittest.TestCase):
    """Rule counts-cached-over-pruning: before the pruning one count; after it, the count without
    the pruned notifications or the cached one with all of them, and nothing else."""

    def test_two_counts_once_pruned(self):
        from harness.check.fixture import Fixture
        f = Fixture(BASIC)
        later = 10**15   # far after the fixture: every non-highlight is a day old
        found = 0
        for name in f.recorded_users():
            rec, sync = f.expected(f"{name}/notifications.json"), f.expected(f"{name}/sync_full_state.json")
            if not rec or not sync or sync["status"] != 200:
                continue
            listed = rec["body"]["notifications"]
            every = {x["event"]["event_id"] for x in listed}
            kept = {x["event"]["event_id"] for x in listed if not n.prunable(x, later)}
            for room_id, room in sorted((sync["body"].get("rooms") or {}).get("join", {}).items()):
                before = n.cached_counts(f, name, room_id, room, listed, every, later)
                self.assertEqual(len(before), 1, "nothing pruned: one count")
                after = n.cached_counts(f, name, room_id, room, listed, kept, later)
                self.assertEqual(after[0], n.synapse_counts(f, name, room_id, room, listed, kept))
                if len(after) == 2:
                    self.assertEqual(after[1], before[0], "the cached count is the one before the pruning")
                    found += after[0] != after[1]
        self.assertGreater(found, 0, "basic has rooms whose count the pruning changes")
