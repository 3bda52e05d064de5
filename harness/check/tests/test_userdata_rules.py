"""Issue 5's comparison rules: fed Dendrite's recorded answers and altered copies, each rule
must keep equal data equal and report every change to carried data."""
from __future__ import annotations

import copy
import json
import unittest
from pathlib import Path

from harness.check import userdata_rules as r
from harness.check.compare import first_difference

FULL = Path(__file__).resolve().parents[3] / "fixtures" / "dendrite-0.13.8" / "full"


def rec(rel: str):
    return json.loads((FULL / "expected" / rel).read_text())["body"]


class PushRules(unittest.TestCase):
    def setUp(self):
        self.dendrite = rec("alice/pushrules.json")

    def test_same_rules_spelled_and_ordered_like_synapse_match(self):
        syn = copy.deepcopy(self.dendrite)
        g = syn["global"]
        # Synapse: master first, its own spelling of default actions, its extra defaults.
        g["override"].sort(key=lambda x: x["rule_id"] != ".m.rule.master")
        for x in g["underride"]:
            if x["rule_id"] == ".m.rule.encrypted":
                x["actions"] = ["notify", {"set_tweak": "highlight", "value": False}]
        g["override"].append({"rule_id": ".m.rule.is_user_mention", "default": True, "enabled": True,
                              "conditions": [], "actions": ["notify"]})
        g["postcontent"] = []
        self.assertIsNone(first_difference(r.pushrules(self.dendrite, True), r.pushrules(syn, False)))

    def test_changes_to_the_users_rules_are_reported(self):
        for change in ("user-action", "user-order", "default-enabled", "default-action"):
            syn = copy.deepcopy(self.dendrite)
            g = syn["global"]
            if change == "user-action":
                g["sender"][0]["actions"] = ["notify"]
            elif change == "user-order":
                g["override"].insert(0, {"rule_id": "extra", "default": False, "enabled": True,
                                         "conditions": [], "actions": []})
            elif change == "default-enabled":
                next(x for x in g["override"] if x["rule_id"] == ".m.rule.suppress_notices")["enabled"] = True
            else:
                next(x for x in g["underride"] if x["rule_id"] == ".m.rule.message")["actions"] = ["notify"]
            self.assertIsNotNone(first_difference(r.pushrules(self.dendrite, True), r.pushrules(syn, False)), change)

    def test_an_extra_default_only_synapse_has_is_not_hidden_on_dendrites_side(self):
        den = copy.deepcopy(self.dendrite)
        den["global"]["override"].append({"rule_id": ".m.rule.is_user_mention", "default": True,
                                          "enabled": True, "actions": ["notify"]})
        self.assertIsNotNone(first_difference(r.pushrules(den, True), r.pushrules(self.dendrite, False)))


class Keys(unittest.TestCase):
    def test_user_signing_keys_only_for_their_owner(self):
        body = rec("alice/keys_query.json")
        got = r.keys_query(body, "localhost:18448", "@alice:localhost:18448")
        self.assertEqual(sorted(got["user_signing_keys"]), ["@alice:localhost:18448"])
        self.assertEqual(sorted(got["master_keys"]), ["@alice:localhost:18448", "@bob:localhost:18448"])
        changed = copy.deepcopy(body)
        changed["master_keys"]["@bob:localhost:18448"]["signatures"] = {}
        self.assertIsNotNone(first_difference(got, r.keys_query(changed, "localhost:18448", "@alice:localhost:18448")))

    def test_errors_compare_by_errcode(self):
        self.assertEqual(r.error(404, {"errcode": "M_NOT_FOUND", "error": "version not found"}),
                         r.error(404, {"errcode": "M_NOT_FOUND", "error": "No backup found"}))
        self.assertNotEqual(r.error(404, {"errcode": "M_NOT_FOUND"}), r.error(403, {"errcode": "M_FORBIDDEN"}))


class Filters(unittest.TestCase):
    def test_containment(self):
        dendrite = rec("alice/filters/alice_timeline.json")
        stored = {"presence": {"not_types": ["*"]}, "room": {"state": {"lazy_load_members": True},
                                                            "timeline": {"limit": 20}}}
        self.assertIsNone(r.contained(stored, dendrite))
        self.assertIsNotNone(r.contained({"room": {"timeline": {"limit": 21}}}, dendrite))
        self.assertIsNotNone(r.contained({"room": {"rooms": ["!x"]}}, dendrite))


if __name__ == "__main__":
    unittest.main()
