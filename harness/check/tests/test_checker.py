"""The checker's own logic, fed recorded Dendrite answers and deliberately altered copies:
what must match matches, and each kind of alteration is reported at the right path.

Run: python3 -m unittest discover -s harness/check/tests -t .
"""
from __future__ import annotations

import copy
import unittest
from pathlib import Path

from harness.check.categories import history, live, profile, resume, rooms, state
from harness.check.compare import Exclusion, Tally, first_difference
from harness.check.fixture import Fixture, token_position
from harness.check.normalise import current_state, pair

ROOT = Path(__file__).resolve().parents[3]
BASIC = ROOT / "fixtures" / "dendrite-0.13.8" / "basic"
FULL = ROOT / "fixtures" / "dendrite-0.13.8" / "full"


def lobby_history(fx: Fixture, user: str = "alice") -> list:
    return history.recorded_events(fx.expected(f"{user}/rooms/lobby/messages.json"))[2]


class Compare(unittest.TestCase):
    def test_paths_and_values(self):
        d = first_difference({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "y"}]})
        self.assertEqual((d.path, d.expected, d.actual), (".a[1].b", "x", "y"))
        self.assertIsNone(first_difference({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}))
        self.assertEqual(first_difference([1, 2], [1]).path, "[1]")
        self.assertIsNotNone(first_difference(True, 1), "a bool is not an int")
        self.assertIsNotNone(first_difference({"a": None}, {}), "null is not absent")

    def test_exclusion_drops_only_the_damaged_rooms_and_users(self):
        ex = Exclusion({"v1": "!one:x", "lobby": "!lobby:x"}, ["frank"])
        t = Tally(ex)
        # A damaged room's own answer and a renamed user's event: excluded, never matched.
        t.compare("c", "alice/v1 $e", {"body": "a"}, {"body": "b"})
        t.compare("c", "alice/dm $e", {"sender": "@frank:x"}, {"sender": "@Frank:x"})
        # The damaged room inside a list of a sound answer: pruned on both sides, the rest compared.
        t.compare("c", "alice joined", {"joined_rooms": ["!one:x", "!dm:x"]}, {"joined_rooms": ["!dm:x"]})
        # Negative control: a difference in a sound room is still one, even next to an excluded room.
        t.compare("c", "alice/v11 $e", {"rooms": ["!one:x", "!a:x"]}, {"rooms": ["!b:x"]})
        c = t.cats["c"]
        self.assertEqual((c.matched, c.differed, c.excluded), (1, 1, 2))
        self.assertIn("alice/v11", c.first)
        self.assertFalse(ex.labels("alice/v11 $e"), "v1 must not exclude v11")
        self.assertTrue(ex.labels("alice /sync join lobby current state: room missing"))
        self.assertTrue(ex.labels("frank/FRANKDEV whoami .body.device_id: expected 1, got 2"))
        self.assertFalse(ex.labels("franky/DEV whoami"))
        self.assertFalse(ex.labels("alice/dm $e .content.body: expected \"lobby\", got \"x\""),
                         "a room's name inside a compared value does not exclude")

    def test_tally_counts_and_first(self):
        t = Tally()
        t.compare("c", "one", 1, 1)
        t.compare("c", "two", {"x": 1}, {"x": 2})
        t.compare("c", "three", 3, 4)
        c = t.cats["c"]
        self.assertEqual((c.matched, c.differed), (1, 2))
        self.assertEqual(c.line(), "c: 1 matched, 2 differed; first: two .x: expected 1, got 2")
        self.assertTrue(t.failed)


class Normalise(unittest.TestCase):
    EV = {"event_id": "$e", "type": "m.room.message", "sender": "@a:x",
          "content": {"body": "hi"}, "origin_server_ts": 5}

    def test_age_transaction_id_empty_unsigned(self):
        exp = dict(self.EV, unsigned={})
        act = dict(self.EV, unsigned={"age": 1234, "transaction_id": "t1"})
        self.assertIsNone(first_difference(*pair(exp, act)))

    def test_server_additions_only_when_dendrite_had_none(self):
        exp = dict(self.EV)
        act = dict(self.EV, unsigned={"m.relations": {"m.replace": {"event_id": "$x"}},
                                      "membership": "join"})
        self.assertIsNone(first_difference(*pair(exp, act)))
        exp2 = dict(self.EV, unsigned={"membership": "leave"})
        d = first_difference(*pair(exp2, act))
        self.assertEqual((d.path, d.expected, d.actual), (".unsigned.membership", "leave", "join"))

    def test_stripped_room_state_is_not_compared_on_events(self):
        inv = dict(self.EV, type="m.room.member", state_key="@e:x",
                   unsigned={"invite_room_state": [{"type": "m.room.create"}]})
        self.assertIsNone(first_difference(*pair(inv, dict(inv, unsigned={}))))
        self.assertIsNotNone(first_difference(*pair(inv, dict(inv, unsigned={"replaces_state": "$x"}))))

    def test_other_unsigned_keys_are_compared(self):
        exp = dict(self.EV, unsigned={"prev_content": {"a": 1}})
        act = dict(self.EV, unsigned={"prev_content": {"a": 2}})
        self.assertEqual(first_difference(*pair(exp, act)).path, ".unsigned.prev_content.a")
        self.assertEqual(first_difference(*pair(self.EV, dict(self.EV, unsigned={"extra": 1}))).path,
                         ".unsigned")

    def test_content_and_timestamps_are_never_normalised(self):
        self.assertIsNotNone(first_difference(*pair(self.EV, dict(self.EV, origin_server_ts=6))))
        self.assertIsNotNone(first_difference(*pair(self.EV, dict(self.EV, content={"body": "hi "}))))

    def synapse_shape(self, e: dict) -> dict:
        """What Synapse 1.163's client format makes of the same event (shape observed by
        running the fixture scenario against it): top-level copies, ages, membership, and the
        nested redaction event with room_id, user_id and age."""
        s = copy.deepcopy(e)
        u = s.setdefault("unsigned", {})
        u["age"] = 7102
        u["membership"] = "join"
        s["age"], s["user_id"] = 7102, s["sender"]
        for k in ("prev_content", "replaces_state"):
            if k in u:
                s[k] = u[k]
        rb = u.get("redacted_because")
        if rb:
            rb.update(room_id=s["room_id"], user_id=rb["sender"], age=7045, unsigned={"age": 7045})
            s["redacted_because"] = copy.deepcopy(rb)
        return s

    def test_synapse_shape_of_recorded_events_matches(self):
        evs = lobby_history(Fixture(BASIC))
        red = next(e for e in evs if "redacted_because" in (e.get("unsigned") or {}))
        mem = next(e for e in evs if "prev_content" in (e.get("unsigned") or {}))
        for e in (red, mem):
            self.assertIsNone(first_difference(*pair(e, self.synapse_shape(e))))

    def test_legacy_copy_that_disagrees_is_reported(self):
        evs = lobby_history(Fixture(BASIC))
        mem = next(e for e in evs if "prev_content" in (e.get("unsigned") or {}))
        s = self.synapse_shape(mem)
        s["prev_content"] = {"membership": "ban"}
        self.assertEqual(first_difference(*pair(mem, s)).path, ".prev_content")
        s = self.synapse_shape(mem)
        s["user_id"] = "@mallory:x"
        self.assertEqual(first_difference(*pair(mem, s)).path, ".user_id")

    def test_nested_redaction_from_another_room_is_reported(self):
        evs = lobby_history(Fixture(BASIC))
        red = next(e for e in evs if "redacted_because" in (e.get("unsigned") or {}))
        s = self.synapse_shape(red)
        s["unsigned"]["redacted_because"]["room_id"] = "!other:x"
        del s["redacted_because"]
        self.assertEqual(first_difference(*pair(red, s)).path, ".unsigned.redacted_because.room_id")

    def test_current_state_applies_timeline(self):
        s = [{"type": "m.room.topic", "state_key": "", "event_id": "$1"}]
        tl = [{"type": "m.room.topic", "state_key": "", "event_id": "$2"},
              {"type": "m.room.message", "event_id": "$3"}]
        self.assertEqual(list(current_state(s, tl).values())[0]["event_id"], "$2")


class History(unittest.TestCase):
    """history.compare_sequences on Dendrite's recorded lobby history (basic fixture)."""

    @classmethod
    def setUpClass(cls):
        cls.fx = Fixture(BASIC)
        cls.evs = lobby_history(cls.fx)

    def run_cmp(self, act):
        t = Tally()
        history.compare_sequences(t, "alice/lobby", self.evs, act)
        return t.cats["history"]

    def test_identical_history_matches(self):
        c = self.run_cmp(copy.deepcopy(self.evs))
        self.assertEqual((c.matched, c.differed), (len(self.evs) + 1, 0))

    def test_changed_body_is_reported(self):
        act = copy.deepcopy(self.evs)
        i = next(i for i, e in enumerate(act) if e["type"] == "m.room.message" and "body" in e["content"])
        act[i]["content"]["body"] += "!"
        c = self.run_cmp(act)
        self.assertEqual(c.differed, 1)
        self.assertIn(f"{act[i]['event_id']} .content.body", c.first)

    def test_swapped_order_is_reported(self):
        act = copy.deepcopy(self.evs)
        act[3], act[4] = act[4], act[3]
        c = self.run_cmp(act)
        self.assertEqual(c.differed, 1)
        self.assertIn("event IDs in order [3]", c.first)

    def test_missing_event_is_reported(self):
        act = copy.deepcopy(self.evs)
        del act[-1]
        self.assertIn("event IDs in order", self.run_cmp(act).first)

    def test_unredacted_event_is_reported(self):
        act = copy.deepcopy(self.evs)
        e = next(e for e in act if "redacted_because" in (e.get("unsigned") or {}))
        e["content"] = {"body": "posted by mistake", "msgtype": "m.text"}
        del e["unsigned"]["redacted_because"]
        c = self.run_cmp(act)
        self.assertEqual(c.differed, 1)
        self.assertIn(".content.body", c.first)


class Sets(unittest.TestCase):
    def test_room_sets(self):
        fx = Fixture(BASIC)
        body = fx.expected("alice/sync_full_state.json")["body"]
        self.assertEqual(rooms.room_sets(body), rooms.room_sets(copy.deepcopy(body)))
        other = copy.deepcopy(body)
        rid = sorted(other["rooms"]["join"])[0]
        other["rooms"].setdefault("leave", {})[rid] = other["rooms"]["join"].pop(rid)
        self.assertIsNotNone(first_difference(rooms.room_sets(body), rooms.room_sets(other)))

    def test_state_is_a_set_but_each_event_counts(self):
        fx = Fixture(BASIC)
        st = fx.expected("alice/rooms/lobby/state.json")["body"]
        t = Tally()
        state.compare_sets(t, "lobby", state.keyed(st), state.keyed(list(reversed(st))))
        self.assertEqual((t.cats["state"].matched, t.cats["state"].differed), (len(st), 0))
        changed = copy.deepcopy(st)
        topic = next(e for e in changed if e["type"] == "m.room.topic")
        topic["content"]["topic"] = "something else"
        t = Tally()
        state.compare_sets(t, "lobby", state.keyed(st), state.keyed(changed))
        self.assertEqual(t.cats["state"].differed, 1)
        self.assertIn("[m.room.topic|] .content.topic", t.cats["state"].first)

    def test_state_snapshot_unsigned(self):
        e = {"type": "m.room.topic", "state_key": "", "event_id": "$t", "sender": "@a:x", "content": {},
             "unsigned": {}}
        a = dict(e, unsigned={"prev_content": {"topic": "old"}, "replaces_state": "$o", "age": 5},
                 prev_content={"topic": "old"})
        t = Tally()
        state.compare_sets(t, "s", {"k": e}, {"k": a}, snapshot=True)
        self.assertFalse(t.failed, "Dendrite's /state has no unsigned at all")
        bare = dict(e, unsigned={"prev_content": {"topic": "old"}})
        state.compare_sets(t, "s", {"k": e}, {"k": bare}, snapshot=True)
        self.assertFalse(t.failed, "nothing left of unsigned")
        e2 = dict(e, unsigned={"prev_content": {"topic": "older"}})
        state.compare_sets(t, "s", {"k": e2}, {"k": a}, snapshot=True)
        self.assertTrue(t.failed, "when Dendrite served unsigned, it is compared")

    def test_context_state_subset(self):
        a = {"type": "m.room.member", "state_key": "@a:x", "event_id": "$a", "sender": "@a:x"}
        b = {"type": "m.room.member", "state_key": "@b:x", "event_id": "$b", "sender": "@b:x"}
        t = Tally()
        state.compare_sets(t, "ctx", state.keyed([a]), state.keyed([a, b]), subset=True)
        self.assertFalse(t.failed, "extra state in the answer is allowed")
        state.compare_sets(t, "ctx", state.keyed([a, b]), state.keyed([a]), subset=True)
        self.assertTrue(t.failed, "a recorded state event missing is not")


class Derived(unittest.TestCase):
    """The state replayed from Dendrite's recorded history, after the room's last event, is the
    current state Dendrite itself answered to a joined member: the derivation used for
    /context and departed users is checked against reality on every room of every fixture."""

    def test_replayed_state_is_dendrites_current_state(self):
        from harness.check import derived
        checked = 0
        for path in (BASIC, FULL, ROOT / "fixtures" / "dendrite-0.13.8" / "federation"):
            fx = Fixture(path)
            for room in fx.rooms:
                evs = derived.history(fx, room)
                cur = derived.current_answer(fx, room, "state")
                if not evs or not cur:
                    continue
                got = derived.state_after(evs, evs[-1]["event_id"])
                want = {f"{e['type']}|{e['state_key']}": e["event_id"] for e in cur["body"]}
                self.assertEqual({k: e["event_id"] for k, e in got.items()}, want, f"{path.name}/{room}")
                checked += 1
        self.assertGreater(checked, 15)

    def test_departed_user_state_is_at_the_leave(self):
        from harness.check import derived
        fx = Fixture(BASIC)
        evs = derived.history(fx, "lobby")
        m, ev = derived.last_membership(evs, fx.user("dave")["user_id"])
        self.assertEqual(m, "leave")
        at = derived.state_after(evs, ev)
        self.assertEqual(at[f"m.room.member|{fx.user('dave')['user_id']}"]["event_id"], ev)
        self.assertNotIn(f"m.room.member|{fx.user('erin')['user_id']}", at,
                         "erin was invited after dave left")


class SpecVisibility(unittest.TestCase):
    """derived.visible_events (the spec's history visibility, as Synapse reads it) against every
    recorded /messages of every fixture whose history reaches back to the room's creation."""

    def test_agrees_with_dendrite_except_its_peeker_redaction_quirk(self):
        from harness.check import derived
        compared, quirks = 0, []
        for path in (BASIC, FULL, ROOT / "fixtures" / "dendrite-0.13.8" / "federation"):
            fx = Fixture(path)
            for name in fx.recorded_users():
                joined = fx.expected(f"{name}/joined_rooms.json")["body"]["joined_rooms"]
                uid = fx.user(name)["user_id"]
                for rel, rec in fx.expected_glob(f"{name}/rooms/*/messages.json"):
                    room = rel.split("/")[2]
                    evs = derived.history(fx, room)
                    status, _, got = history.recorded_events(rec)
                    if not evs or status != 200 or history.truncated(rec):
                        continue
                    peek = fx.rooms[room] not in joined
                    m, ev = derived.last_membership(evs, uid)
                    if peek and m == "leave":
                        evs = evs[: [e["event_id"] for e in evs].index(ev) + 1]
                        peek = False
                    want = derived.visible_events(evs, uid, peek)
                    # Dendrite's listing with what its own paging skipped put back (page-boundary-skip)
                    got = derived.page_boundary_skips(fx, rec)
                    have = [e["event_id"] for e in reversed(derived.same_depth_order(fx, got))]
                    compared += 1
                    if want != have:
                        quirks.append((path.name, name, room, set(want) - set(have), set(have) - set(want)))
        self.assertGreater(compared, 100)
        # Dendrite hides from peekers (non-members of the world-readable lobby) the redaction
        # of the lobby's old name; the spec shows it (it was sent under world_readable).
        lobby = {e["event_id"]: e for e in derived.history(Fixture(FULL), "lobby")}
        self.assertEqual(sorted((q[0], q[1], q[2]) for q in quirks),
                         [("full", "admin", "lobby"), ("full", "erin", "lobby"), ("full", "frank", "lobby")])
        for _, _, _, only_spec, only_dendrite in quirks:
            self.assertEqual(len(only_spec), 1)
            self.assertEqual(only_dendrite, set())
            red = lobby[next(iter(only_spec))]
            self.assertEqual((red["type"], lobby[red["redacts"]]["type"]), ("m.room.redaction", "m.room.name"))


class PageBoundarySkip(unittest.TestCase):
    def test_puts_back_only_what_dendrites_paging_skipped(self):
        """Rule page-boundary-skip: nothing is put back in basic and full (no forks); in the
        federation fixture exactly the events of a fork depth that a page boundary cut, each
        with a lower stream position than the page's oldest event at that depth. That the
        completed history is right is test_replayed_state_is_dendrites_current_state: its
        replay gives Dendrite's own current state, which the recording alone does not."""
        from harness.check import derived
        added = []
        for path in (BASIC, FULL, ROOT / "fixtures" / "dendrite-0.13.8" / "federation"):
            fx = Fixture(path)
            topo = fx.topology()
            for rel, rec in fx.expected_glob("*/rooms/*/messages.json"):
                got = history.recorded_events(rec)[2]
                fixed = derived.page_boundary_skips(fx, rec)
                self.assertEqual([e for e in fixed if e in got], got, rel)
                for e in fixed:
                    if e not in got:
                        added.append((path.name, rel.split("/")[2], e["event_id"]))
                        same = [topo[x["event_id"]] for x in got if topo[x["event_id"]][0] == topo[e["event_id"]][0]]
                        self.assertTrue(same and all(st > topo[e["event_id"]][1] for _, st in same), rel)
        self.assertEqual({a[:2] for a in added}, {("federation", "fed")})
        self.assertEqual(len({a[2] for a in added}), 1)


class ContextToken(unittest.TestCase):
    def test_synapse_token_changes_only_neighbours_of_a_fork(self):
        """Rule context-token: Synapse's (depth-1, stream) token gives the chronological
        neighbours everywhere except around the federation fork in fed: fed.welcome (alice's
        message at depth 11; zara's depth-10 message reached the stream after it) and
        fed.zara_hello (that message: bob's concurrent join, same depth, lower stream position,
        is neither before nor after it for Synapse)."""
        from harness.check import derived
        differ = set()
        for path in (BASIC, FULL, ROOT / "fixtures" / "dendrite-0.13.8" / "federation"):
            fx = Fixture(path)
            for name, ev in fx.scenario["events"].items():
                evs = derived.history(fx, ev["room"])
                if not evs:
                    continue
                for limit in (4, 10):
                    a = derived.context_neighbours(evs, ev["event_id"], limit)
                    b = derived.synapse_context_neighbours(fx, evs, ev["event_id"], limit)
                    if a != b:
                        differ.add((path.name, name))
        self.assertEqual(differ, {("federation", "fed.welcome"), ("federation", "fed.zara_hello")})


class ContextOrder(unittest.TestCase):
    def test_chronological_neighbours_are_dendrites_outside_federated_rooms(self):
        """derived.context_neighbours (the room's /messages order) gives exactly Dendrite's
        events_before/after for every recorded /context of a joined user in basic and full;
        in the federation fixture Dendrite's stream order differs, in federated rooms only."""
        from harness.check import derived
        compared, differing = 0, set()
        for path in (BASIC, FULL, ROOT / "fixtures" / "dendrite-0.13.8" / "federation"):
            fx = Fixture(path)
            for name in fx.recorded_users():
                joined = fx.expected(f"{name}/joined_rooms.json")["body"]["joined_rooms"]
                for rel, rec in fx.expected_glob(f"{name}/rooms/*/context/*.json"):
                    room, ev = rel.split("/")[2], rel.rsplit("/", 1)[1][: -len(".json")]
                    evs = derived.history(fx, room)
                    if rec["status"] != 200 or fx.rooms[room] not in joined or not evs:
                        continue
                    before, after = derived.context_neighbours(
                        evs, fx.scenario["events"][ev]["event_id"], int(rec["params"]["limit"]))
                    got = ([e["event_id"] for e in before], [e["event_id"] for e in after])
                    want = ([e["event_id"] for e in rec["body"].get("events_before", [])],
                            [e["event_id"] for e in rec["body"].get("events_after", [])])
                    compared += 1
                    if got != want:
                        differing.add((path.name, room))
        self.assertGreater(compared, 100)
        # Dendrite's /context uses stream order. In fed, zara's message of depth 10 reached the
        # stream after alice's message of depth 11 (a fork: zara spoke before bob's join reached
        # her server), so the stream order is not the depth order there either.
        self.assertEqual(sorted(differing),
                         [("federation", "fed"), ("federation", "fed_secret"), ("federation", "zara_room")])


class PrevContentAtRead(unittest.TestCase):
    def test_changes_only_the_events_around_a_redacted_state_event(self):
        from harness.check import derived
        changed = {}
        for path in (BASIC, FULL, ROOT / "fixtures" / "dendrite-0.13.8" / "federation"):
            fx = Fixture(path)
            for _, rec in fx.expected_glob("*/rooms/*/messages.json"):
                for e in history.recorded_events(rec)[2]:
                    fixed = derived.prev_content_at_read(fx, e)
                    if fixed != e:
                        changed[e["event_id"]] = (e, fixed)
        # federation's fed_secret: alice's join after zara's remote invite (rule
        # invite-prev-content): prev_content becomes the invite's recorded content.
        joins = [p for p in changed.values() if p[0]["type"] == "m.room.member"]
        self.assertEqual(len(joins), 1)
        join, join_fixed = joins[0]
        self.assertEqual(join["unsigned"]["prev_content"], {"is_direct": False, "membership": "invite"})
        self.assertEqual(join_fixed["unsigned"]["prev_content"], {"membership": "invite"})
        invite = next(e for e in derived.history(Fixture(ROOT / "fixtures" / "dendrite-0.13.8" / "federation"),
                                                 "fed_secret")
                      if e["event_id"] == join_fixed["unsigned"]["replaces_state"])
        self.assertEqual((invite["sender"], invite["content"]), (join["unsigned"]["prev_sender"], {"membership": "invite"}))
        # full's lobby: the old name, redacted, and the name that replaced it.
        names = [p for p in changed.values() if p[0]["type"] == "m.room.name"]
        self.assertEqual(len(changed), 3)
        (red, red_fixed), (nxt, nxt_fixed) = sorted(
            names, key=lambda p: "redacted_because" not in p[0]["unsigned"])
        self.assertEqual(red_fixed["unsigned"]["prev_content"], {"name": "Lobby"})
        self.assertEqual(nxt["unsigned"]["prev_content"], {"name": "Lobby (renamed)"})
        self.assertEqual(nxt_fixed["unsigned"]["prev_content"], {}, "the redacted content, as Synapse reads it")


class SameDepthOrder(unittest.TestCase):
    def test_is_dendrites_own_sql_order_and_touches_only_concurrent_events(self):
        """Rule same-depth-order against first principles: the reordered recording equals the
        dump's topology table sorted by (depth, stream position) descending, the ORDER BY of
        Dendrite's own pagination query; it moves events only in the federation fixture, and
        only events that share a depth."""
        from harness.check import derived
        moved = []
        for path in (BASIC, FULL, ROOT / "fixtures" / "dendrite-0.13.8" / "federation"):
            fx = Fixture(path)
            topo = fx.topology()
            for rel, rec in fx.expected_glob("*/rooms/*/messages.json"):
                got = history.recorded_events(rec)[2]
                ids = [e["event_id"] for e in got]
                fixed = [e["event_id"] for e in derived.same_depth_order(fx, got)]
                self.assertEqual(sorted(ids), sorted(fixed))
                known = [i for i in fixed if i in topo]
                self.assertEqual(known, sorted(known, key=lambda i: topo[i], reverse=True), rel)
                moved += [(path.name, rel.split("/")[2], i) for i, j in zip(ids, fixed) if i != j]
        self.assertEqual(sorted({m[:2] for m in moved}), [("federation", "fed"), ("federation", "zara_room")])
        fx = Fixture(ROOT / "fixtures" / "dendrite-0.13.8" / "federation")
        depths = {}
        for _, room, i in moved:
            depths.setdefault(room, set()).add(fx.topology()[i][0])
        self.assertEqual({r: len(d) for r, d in depths.items()}, {"fed": 1, "zara_room": 1})

    def test_a_swap_across_depths_is_still_reported(self):
        from harness.check import derived
        fx = Fixture(BASIC)
        evs = lobby_history(fx)
        swapped = [evs[1], evs[0]] + evs[2:]
        self.assertEqual([e["event_id"] for e in derived.same_depth_order(fx, swapped)],
                         [e["event_id"] for e in swapped])


class EmptyProfile(unittest.TestCase):
    class Ctx:
        server = "synapse"

        def __init__(self, field_answer):
            self.asked, self.field = [], field_answer

    def run_rule(self, rec, ans, field):
        ctx = self.Ctx(field)
        orig = profile.answer
        profile.answer = lambda c, tok, path: (c.asked.append(path), c.field)[1]
        try:
            return profile.empty_profile(ctx, "tok", "@guest:hs", rec, ans), ctx.asked
        finally:
            profile.answer = orig

    def test_404_for_an_existing_empty_profile_is_dendrites_empty_answer(self):
        rec = {"status": 200, "body": {}}
        nf = {"status": 404, "body": {"errcode": "M_NOT_FOUND"}}
        got, asked = self.run_rule(rec, nf, {"status": 200, "body": {}})
        self.assertEqual(got, rec)
        self.assertEqual(asked, ["/profile/%40guest%3Ahs/displayname"])

    def test_missing_row_or_a_named_profile_stays_a_difference(self):
        nf = {"status": 404, "body": {"errcode": "M_NOT_FOUND"}}
        got, _ = self.run_rule({"status": 200, "body": {}}, nf, nf)
        self.assertEqual(got, nf, "no profile row: the field endpoint is 404 too")
        named = {"status": 200, "body": {"displayname": "Guest"}}
        got, asked = self.run_rule(named, nf, {"status": 200, "body": {}})
        self.assertEqual((got, asked), (nf, []), "a recorded name is never excused")


class WorldReadableMembers(unittest.TestCase):
    def test_outsider_gets_what_a_member_saw_only_in_world_readable_rooms(self):
        fx = Fixture(BASIC)
        rec = fx.expected("admin/rooms/lobby/joined_members.json")
        self.assertEqual(rec["status"], 403, "admin is outside the lobby in this fixture")
        got = state.with_outsider_rule(fx, "admin", "lobby", "joined_members", rec, 200)
        self.assertEqual(got["status"], 200)
        self.assertEqual(got["body"], fx.expected("alice/rooms/lobby/joined_members.json")["body"])
        self.assertIs(state.with_outsider_rule(fx, "admin", "lobby", "joined_members", rec, 403), rec)
        v1 = fx.expected("admin/rooms/v1/joined_members.json")
        self.assertEqual(v1["status"], 403)
        self.assertIs(state.with_outsider_rule(fx, "admin", "v1", "joined_members", v1, 200), v1,
                      "v1 is not world_readable: a 200 there stays a difference")


class LastSeen(unittest.TestCase):
    def test_forward_only(self):
        rec = {"status": 200, "body": {"devices": [{"device_id": "D", "last_seen_ts": 100}]}}
        later = {"status": 200, "body": {"devices": [{"device_id": "D", "last_seen_ts": 150}]}}
        earlier = {"status": 200, "body": {"devices": [{"device_id": "D", "last_seen_ts": 50}]}}
        floor = {"D": 100}
        exp = profile.devices_view(rec, {})
        self.assertIsNone(first_difference(exp, profile.devices_view(later, floor)))
        owned = copy.deepcopy(later)
        owned["body"]["devices"][0]["user_id"] = "@a:x"
        self.assertIsNone(first_difference(exp, profile.devices_view(owned, floor, "@a:x")))
        self.assertIsNotNone(first_difference(exp, profile.devices_view(owned, floor, "@b:x")))
        self.assertIsNotNone(first_difference(exp, profile.devices_view(earlier, floor)))


class Resume(unittest.TestCase):
    def test_token_position(self):
        self.assertEqual(token_position("s199_0_4_0_135_137_35_180_8"), 199)
        self.assertIsNone(token_position("t12_34"))
        self.assertIsNone(token_position(None))

    def test_is_news(self):
        self.assertTrue(resume.is_news((200, "!r", False), 199))
        self.assertFalse(resume.is_news((199, "!r", False), 199))
        self.assertFalse(resume.is_news((250, "!r", True), 199), "fetched history is never news")

    def test_positions_come_from_the_dump(self):
        fx = Fixture(FULL)
        pos = fx.positions()
        ev = fx.scenario["events"]["lobby.hello"]
        self.assertEqual(pos[ev["event_id"]][1], ev["room_id"])
        tablet = next(d for d in fx.devices if d.key == "bob/BOBTABLET")
        P = token_position(tablet.next_batch)
        self.assertTrue(any(p[0] > P for p in pos.values()),
                        "the offline tablet has events to catch up on")


class Visibility(unittest.TestCase):
    def hv(self, eid, v):
        return {"event_id": eid, "type": "m.room.history_visibility", "state_key": "",
                "content": {"history_visibility": v}}

    def msg(self, eid):
        return {"event_id": eid, "type": "m.room.message", "content": {}}

    def test_first_principles(self):
        evs = [self.msg("$1"), self.hv("$2", "joined"), self.msg("$3"),
               self.hv("$4", "world_readable"), self.msg("$5"), self.hv("$6", "invited"), self.msg("$7")]
        # $2: boundary, more permissive of shared/joined -> shared; $4: joined->world -> world;
        # $6: world->invited -> world; $7 under invited: hidden.
        self.assertEqual(live.visible_history(evs), ["$1", "$2", "$4", "$5", "$6"])


if __name__ == "__main__":
    unittest.main()


class RelationsOrder(unittest.TestCase):
    """Rule `relations-order`: Dendrite concatenates relation types in Go map order."""

    def test_recordings_differ_only_across_types_and_spec_order_is_topological(self):
        from harness.check.categories import relations
        fx = Fixture(FULL)
        alice = fx.expected("alice/rooms/lobby/relations/lobby.hello.json")["body"]["chunk"]
        guest = fx.expected("guest/rooms/lobby/relations/lobby.hello.json")["body"]["chunk"]
        ids = lambda evs: [e["event_id"] for e in evs]  # noqa: E731
        self.assertNotEqual(ids(alice), ids(guest), "the two recordings really differ in order")
        self.assertEqual(sorted(ids(alice)), sorted(ids(guest)))
        a, g = relations.spec_order(fx, alice), relations.spec_order(fx, guest)
        self.assertEqual(ids(a), ids(g))
        topo = fx.topology()
        self.assertEqual([topo[i] for i in ids(a)], sorted((topo[i] for i in ids(a)), reverse=True))
        self.assertEqual(a[-1]["content"]["m.relates_to"]["rel_type"], "m.replace",
                         "the edit came first, so it is last newest-first")
        # Within one type Dendrite's order is already the spec's (reactions, id descending).
        reactions = [e for e in alice if e["type"] == "m.reaction"]
        self.assertEqual(ids(reactions), [i for i in ids(a) if i in ids(reactions)])

    def test_a_swapped_or_altered_answer_is_reported(self):
        from harness.check.categories import relations
        fx = Fixture(FULL)
        exp = relations.spec_order(fx, fx.expected("alice/rooms/lobby/relations/lobby.hello.json")["body"]["chunk"])
        t = Tally()
        history.compare_sequences(t, "x", exp, list(exp), cat="relations")
        self.assertEqual(t.cats["relations"].differed, 0)
        swapped = [exp[1], exp[0]] + exp[2:]
        history.compare_sequences(t, "x", exp, swapped, cat="relations")
        altered = copy.deepcopy(exp)
        altered[0]["content"]["m.relates_to"]["key"] = "👎"
        history.compare_sequences(t, "x", exp, altered, cat="relations")
        self.assertEqual(t.cats["relations"].differed, 2)

    def test_departed_users_see_nothing_the_spec_hides(self):
        from types import SimpleNamespace
        from harness.check.categories import relations
        fx = Fixture(BASIC)
        ctx = SimpleNamespace(fixture=fx, server="synapse")
        rec = fx.expected("dave/rooms/lobby/relations/lobby.hello.json")
        st, _, exp = relations.expectation(ctx, "dave", "lobby", "lobby.hello", rec)
        self.assertEqual((st, len(exp)), (200, 4), "dave left after the reactions: he saw them")
        rec = fx.expected("erin/rooms/lobby/relations/lobby.hello.json")
        st, body, exp = relations.expectation(ctx, "erin", "lobby", "lobby.hello", rec)
        self.assertEqual((st, body["errcode"], exp), (403, "M_FORBIDDEN", []))
        self.assertEqual(relations.expectation(SimpleNamespace(fixture=fx, server="dendrite"),
                                               "erin", "lobby", "lobby.hello", rec)[0], 200)


class Hierarchy(unittest.TestCase):
    def setUp(self):
        from types import SimpleNamespace
        from harness.check.categories import hierarchy
        self.h, self.fx = hierarchy, Fixture(FULL)
        self.ctx = SimpleNamespace(fixture=self.fx, server="synapse")

    def rec(self, name):
        return self.fx.expected(f"{name}/rooms/space/hierarchy.json")

    def test_access_rule_gives_dendrites_answer_to_members(self):
        for name in ("alice", "bob"):
            rec = self.rec(name)
            st, body = self.h.expectation(self.ctx, name, "space", rec)
            exp, got = self.h.view(st, body), self.h.view(rec["status"], rec["body"])
            self.assertEqual(exp["order"], got["order"], name)
            for rid, r in got["rooms"].items():
                if rid == self.fx.rooms["v11"]:   # rule guest-can-join: the one change
                    self.assertEqual((r["guest_can_join"], exp["rooms"][rid]["guest_can_join"]),
                                     (False, True))
                    r = dict(r, guest_can_join=True)
                self.assertEqual(exp["rooms"][rid], r, f"{name} {rid}")

    def test_non_members_see_the_public_rooms_of_a_public_space(self):
        rec = self.rec("carol")
        self.assertEqual(rec["status"], 403)
        st, body = self.h.expectation(self.ctx, "carol", "space", rec)
        rooms = [r["room_id"] for r in body["rooms"]]
        carol_in = self.fx.expected("carol/sync_full_state.json")["body"]["rooms"]["join"]
        v11 = self.fx.rooms["v11"]   # the one invite-only child
        want = [r["room_id"] for r in self.rec("bob")["body"]["rooms"]
                if r["room_id"] != v11 or v11 in carol_in]
        self.assertEqual(rooms, want)
        self.assertIn(self.fx.rooms["lobby"], rooms)
        self.assertEqual(self.h.expectation(SimpleNS(self.fx), "carol", "space", rec)[0], 403)

    def test_shapes_match_and_a_wrong_summary_is_reported(self):
        rec = self.rec("bob")
        st, body = self.h.expectation(self.ctx, "bob", "space", rec)
        synapse = copy.deepcopy(body)
        for r in synapse["rooms"]:
            if r.get("room_type") == "":
                del r["room_type"]   # Synapse leaves an unset type out
            r["room_version"] = "10"
        self.assertIsNone(first_difference(self.h.view(st, body), self.h.view(200, synapse)))
        synapse["rooms"][1]["num_joined_members"] += 1
        self.assertIsNotNone(first_difference(self.h.view(st, body), self.h.view(200, synapse)))
        adds = self.h.additions(self.fx, body["rooms"][0])
        self.assertEqual(adds["room_version"],
                         next(e for e in self.fx.expected("bob/rooms/space/state.json")["body"]
                              if e["type"] == "m.room.create")["content"].get("room_version", "1"))


def SimpleNS(fx):
    from types import SimpleNamespace
    return SimpleNamespace(fixture=fx, server="dendrite")


class UserDirectory(unittest.TestCase):
    def test_no_avatar_and_differences(self):
        from harness.check.categories import user_directory as ud
        rec = Fixture(BASIC).expected("alice/user_directory_search.json")["body"]["results"]
        carol = next(r for r in rec if r["user_id"].startswith("@carol"))
        self.assertEqual(carol["avatar_url"], "")
        self.assertEqual(ud.profile(carol), ud.profile(dict(carol, avatar_url=None)))
        self.assertNotEqual(ud.profile(carol), ud.profile(dict(carol, avatar_url="mxc://x/y")))
        self.assertNotEqual(ud.profile(carol), ud.profile(dict(carol, display_name="Carol")))
        self.assertIsNone(ud.profile(None))
        self.assertEqual(ud.terms(carol), ["carol", "Carol"])
        bob = next(r for r in rec if r["user_id"].startswith("@bob"))
        self.assertEqual(ud.terms(bob), ["bob", "Bob"])


class Phases(unittest.TestCase):
    """Writers run after every reader whatever the order asked for, and readers cannot write."""

    def test_every_category_declares_area_and_writes(self):
        from harness.check.categories import ALL, GROUPS, READ_PHASE, WRITE_PHASE
        self.assertEqual(GROUPS, ["accounts_rooms", "e2ee_userdata", "media_identity"])
        names = {m.NAME for m in ALL}
        self.assertFalse(names & set(GROUPS), "a group named like a category would make --categories ambiguous")
        self.assertEqual(len(names), len(ALL))
        for m in ALL:
            self.assertIn(m.GROUP, GROUPS, m.NAME)
            self.assertIsInstance(m.WRITES, bool, m.NAME)
        self.assertTrue(all(not m.WRITES for m in READ_PHASE))
        self.assertTrue(all(m.WRITES for m in WRITE_PHASE))

    def test_run_order_does_not_follow_the_request(self):
        import itertools
        from harness.check.__main__ import pick
        asked = ["live", "history", "keys_claim", "notifications", "encrypted_history", "media"]
        runs = {tuple(m.NAME for m in pick(",".join(p))) for p in itertools.permutations(asked)}
        self.assertEqual(runs, {("history", "notifications", "media", "encrypted_history", "keys_claim", "live")})
        order = [m.NAME for m in pick("all")]
        self.assertEqual(order[-4:], ["fallback_keys", "encrypted_history", "keys_claim", "live"])
        self.assertEqual([m.NAME for m in pick("live")], ["live"])

    def test_read_only_client_refuses_writes(self):
        from harness.check.http import ReadOnly, WriteInReadPhase

        class Recorder:
            base = "http://127.0.0.1:1"

            def __init__(self):
                self.calls = []

            def call(self, method, path, token=None, body=None, params=None):
                self.calls.append((method, path))
                return 200, {}

            def get_bytes(self, path, token=None):
                self.calls.append(("GET", path))
                return 200, None, b""

        inner = Recorder()
        ro = ReadOnly(inner)
        ro.call("GET", "/sync")
        ro.call("POST", "/keys/query", body={})
        ro.call("POST", "/_matrix/client/v3/user_directory/search", body={})
        ro.get_bytes("/_matrix/media/v3/download/x/y")
        for method, path in [("PUT", "/rooms/!r/send/m.room.message/1"), ("POST", "/keys/claim"),
                             ("POST", "/login"), ("POST", "/join/#a:b"), ("DELETE", "/devices/D"),
                             ("POST", "/_synapse/admin/v1/register")]:
            with self.assertRaises(WriteInReadPhase, msg=f"{method} {path}"):
                ro.call(method, path, body={})
        self.assertEqual(len(inner.calls), 4, "a refused request never reaches the server")
