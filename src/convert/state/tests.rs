//! The prefix-tree algorithm on hand-made NID lists. Expected groups are
//! worked out by hand in the comments; the randomised test checks every
//! target against a plain left-to-right fold of its blocks.

use std::collections::BTreeMap;

use super::*;

// Event type NIDs used below.
const CREATE: i64 = 1;
const POWER: i64 = 2;
const MEMBER: i64 = 5;
const TOPIC: i64 = 70000;
const MESSAGE: i64 = 70001;

struct Fx {
    blocks: BTreeMap<i64, BlockNids>,
    keys: BTreeMap<i64, (i64, i64)>,
    targets: Vec<(i64, Who, Vec<i64>, Option<i64>)>,
}

impl Fx {
    fn new() -> Fx {
        Fx { blocks: BTreeMap::new(), keys: BTreeMap::new(), targets: Vec::new() }
    }
    fn event(&mut self, nid: i64, type_nid: i64, key_nid: i64) -> &mut Self {
        self.keys.insert(nid, (type_nid, key_nid));
        self
    }
    fn block(&mut self, nid: i64, events: &[i64]) -> &mut Self {
        self.blocks.insert(nid, events.into());
        self
    }
    /// An event in room 1 whose before-state is `blocks`; state events add themselves.
    fn at(&mut self, event: i64, blocks: &[i64]) -> &mut Self {
        let state = self.keys.get(&event).is_some_and(|k| k.1 != 0);
        self.targets.push((1, Who::Event(event), blocks.to_vec(), state.then_some(event)));
        self
    }
    fn rejected_at(&mut self, event: i64, blocks: &[i64]) -> &mut Self {
        self.targets.push((1, Who::Event(event), blocks.to_vec(), None));
        self
    }
    fn room_at(&mut self, room: i64, blocks: &[i64]) -> &mut Self {
        self.targets.push((room, Who::Room(room), blocks.to_vec(), None));
        self
    }
    fn run(&self) -> StateGroups {
        let targets = self
            .targets
            .iter()
            .map(|(room, who, blocks, add)| Target { room_nid: *room, who: *who, blocks, add_event: *add })
            .collect();
        let mut out = StateGroups::default();
        build_from(&self.blocks, |e| self.keys.get(&e).copied(), targets, &mut out);
        out
    }
    /// The state a target should have: fold the blocks left to right, then
    /// add the event unless a block already holds it.
    fn expected(&self, blocks: &[i64], add: Option<i64>) -> Vec<StateEntry> {
        let mut state = BTreeMap::new();
        for b in blocks {
            for e in self.blocks[b].iter() {
                if let Some(&k) = self.keys.get(&e) {
                    state.insert(k, e);
                }
            }
        }
        if let Some(e) = add {
            if !blocks.iter().any(|b| self.blocks[b].iter().any(|n| n == e)) {
                state.insert(self.keys[&e], e);
            }
        }
        state.into_iter().map(|(k, e)| entry(k, e)).collect()
    }
}

fn s(type_nid: i64, key_nid: i64, event_nid: i64) -> StateEntry {
    StateEntry { type_nid, key_nid, event_nid }
}

/// Checks what every group must satisfy whatever the input.
fn check_invariants(out: &StateGroups) {
    for (i, g) in out.groups.iter().enumerate() {
        assert_eq!(g.id, i as i64 + 1, "ids are dense from 1");
        if let Some(p) = g.prev {
            assert!(p < g.id, "prev {p} < group {}", g.id);
            assert_eq!(out.groups[(p - 1) as usize].room_nid, g.room_nid, "a chain stays in its room");
        }
        let mut hops = 0;
        let mut at = g.prev;
        while let Some(p) = at {
            hops += 1;
            at = out.groups[(p - 1) as usize].prev;
        }
        assert!(hops <= MAX_HOPS, "group {} is {hops} hops deep", g.id);
        assert!(g.delta.windows(2).all(|w| (w[0].type_nid, w[0].key_nid) < (w[1].type_nid, w[1].key_nid)));
    }
}

/// create(10) → power levels(11) → join(12) → message(13), one delta block each.
fn linear() -> Fx {
    let mut fx = Fx::new();
    fx.event(10, CREATE, 1).event(11, POWER, 1).event(12, MEMBER, 65536).event(13, MESSAGE, 0);
    fx.block(1, &[10]).block(2, &[11]).block(3, &[12]);
    fx.at(10, &[]).at(11, &[1]).at(12, &[1, 2]).at(13, &[1, 2, 3]).room_at(1, &[1, 2, 3]);
    fx
}

#[test]
fn linear_room_is_a_chain_of_one_row_deltas() {
    let out = linear().run();
    // The create event's after-state is Dendrite's block {10}: a full group of
    // one row; each later state event adds one row on its predecessor.
    assert_eq!(
        out.groups,
        vec![
            Group { id: 1, room_nid: 1, event_nid: 10, prev: None, delta: vec![s(CREATE, 1, 10)] },
            Group { id: 2, room_nid: 1, event_nid: 11, prev: Some(1), delta: vec![s(POWER, 1, 11)] },
            Group { id: 3, room_nid: 1, event_nid: 12, prev: Some(2), delta: vec![s(MEMBER, 65536, 12)] },
        ]
    );
    // After-state: a state event maps to the group holding it, the message to
    // the state it saw; the room's current state is the last group.
    let by_event: Vec<_> = out.by_event.iter().map(|(&e, &g)| (e, g)).collect();
    assert_eq!(by_event, vec![(10, 1), (11, 2), (12, 3), (13, 3)]);
    assert_eq!(out.by_room.get(&1), Some(&3));
    check_invariants(&out);
}

#[test]
fn rejected_state_event_maps_to_the_state_before_it() {
    let mut fx = linear();
    // 14 is a rejected power-levels event seen after the join: state before it is [1,2,3].
    fx.event(14, POWER, 1).rejected_at(14, &[1, 2, 3]);
    let out = fx.run();
    assert_eq!(out.by_event[&14], 3);
    assert_eq!(out.groups.len(), 3, "no group holds the rejected event");
}

#[test]
fn later_blocks_override_earlier_ones() {
    let mut fx = Fx::new();
    fx.event(10, CREATE, 1).event(20, TOPIC, 1).event(21, TOPIC, 1).event(30, MESSAGE, 0);
    fx.block(1, &[10, 20]).block(2, &[21]);
    fx.at(30, &[1, 2]);
    let out = fx.run();
    // Only [1,2] is a target and [1] is no branch point: one full group, topic 21.
    assert_eq!(out.groups.len(), 1);
    assert_eq!(out.groups[0].delta, vec![s(CREATE, 1, 10), s(TOPIC, 1, 21)]);
    assert_eq!(out.groups[0].prev, None);
    assert_eq!(out.groups[0].event_nid, 30);
}

#[test]
fn branch_points_get_a_group_that_siblings_share() {
    let mut fx = Fx::new();
    fx.event(10, CREATE, 1).event(11, POWER, 1).event(12, MEMBER, 65536).event(13, MEMBER, 65537);
    fx.event(40, MESSAGE, 0).event(41, MESSAGE, 0);
    fx.block(1, &[10]).block(2, &[11]).block(3, &[12]).block(4, &[13]);
    // Two forks on top of [1,2]; nothing maps to [1] or [1,2] themselves.
    fx.at(40, &[1, 2, 3]).at(41, &[1, 2, 4]);
    let out = fx.run();
    // Pre-order: [1,2] (branch point, full: create + power levels), then the
    // smaller label first: [1,2,3] then [1,2,4], each one row on group 1.
    assert_eq!(
        out.groups,
        vec![
            Group { id: 1, room_nid: 1, event_nid: 11, prev: None, delta: vec![s(CREATE, 1, 10), s(POWER, 1, 11)] },
            Group { id: 2, room_nid: 1, event_nid: 40, prev: Some(1), delta: vec![s(MEMBER, 65536, 12)] },
            Group { id: 3, room_nid: 1, event_nid: 41, prev: Some(1), delta: vec![s(MEMBER, 65537, 13)] },
        ]
    );
}

#[test]
fn after_state_without_a_dendrite_block_gets_its_own_group() {
    let mut fx = Fx::new();
    fx.event(10, CREATE, 1).event(11, TOPIC, 1);
    fx.block(1, &[10]);
    // The topic is the last event: Dendrite never stored a block {11}.
    fx.at(10, &[]).at(11, &[1]);
    let out = fx.run();
    assert_eq!(out.groups.len(), 2);
    assert_eq!(out.groups[1], Group { id: 2, room_nid: 1, event_nid: 11, prev: Some(1), delta: vec![s(TOPIC, 1, 11)] });
    assert_eq!(out.by_event[&11], 2);
}

#[test]
fn an_event_already_in_its_before_state_adds_nothing() {
    let mut fx = Fx::new();
    // Dendrite's AddState skips an event some block of the snapshot already
    // holds, even one a later block overrides: 20 is in block 1, 21 overrides it.
    fx.event(10, CREATE, 1).event(20, TOPIC, 1).event(21, TOPIC, 1);
    fx.block(1, &[10, 20]).block(2, &[21]);
    fx.at(20, &[1, 2]);
    let out = fx.run();
    assert_eq!(out.groups.len(), 1);
    assert_eq!(out.groups[0].delta, vec![s(CREATE, 1, 10), s(TOPIC, 1, 21)]);
}

#[test]
fn a_block_that_changes_nothing_reuses_the_parent_group() {
    let mut fx = Fx::new();
    fx.event(10, CREATE, 1).event(11, POWER, 1).event(40, MESSAGE, 0).event(41, MESSAGE, 0);
    // Block 2 repeats the power levels already in block 1.
    fx.block(1, &[10, 11]).block(2, &[11]);
    fx.at(40, &[1]).at(41, &[1, 2]);
    let out = fx.run();
    assert_eq!(out.groups.len(), 1);
    assert_eq!((out.by_event[&40], out.by_event[&41]), (1, 1));
}

#[test]
fn equal_keys_within_a_block_resolve_to_the_highest_event_nid() {
    let mut fx = Fx::new();
    fx.event(10, CREATE, 1).event(20, TOPIC, 1).event(25, TOPIC, 1).event(40, MESSAGE, 0);
    fx.block(1, &[10, 20, 25]);
    fx.at(40, &[1]);
    let out = fx.run();
    assert_eq!(out.groups[0].delta, vec![s(CREATE, 1, 10), s(TOPIC, 1, 25)]);
}

#[test]
fn missing_blocks_and_events_are_reported_not_fatal() {
    let mut fx = Fx::new();
    fx.event(10, CREATE, 1).event(40, MESSAGE, 0).event(41, MESSAGE, 0);
    fx.block(1, &[10, 99]); // 99: no such event
    fx.at(40, &[1]).at(41, &[1, 7]); // 7: no such block
    let out = fx.run();
    assert_eq!(out.skipped.get(&41), Some(&Skip::MissingBlock));
    assert_eq!(out.missing_block_events, 1);
    assert_eq!(out.groups[0].delta, vec![s(CREATE, 1, 10)]);
}

#[test]
fn rooms_sharing_the_empty_snapshot_get_their_own_groups() {
    let mut fx = Fx::new();
    fx.event(10, CREATE, 1).event(50, CREATE, 1);
    fx.block(1, &[10]).block(5, &[50]);
    fx.at(10, &[]);
    fx.targets.push((2, Who::Event(50), vec![], Some(50)));
    let out = fx.run();
    assert_eq!(out.groups.len(), 2);
    assert_eq!((out.groups[0].room_nid, out.groups[1].room_nid), (1, 2));
    assert_eq!(out.groups[1].delta, vec![s(CREATE, 1, 50)]);
}

#[test]
fn long_chains_are_cut_below_the_hop_limit() {
    // 150 member joins, each a one-event block on the previous snapshot.
    let mut fx = Fx::new();
    fx.event(1, CREATE, 1).block(1, &[1]).at(1, &[]);
    let mut list = vec![1];
    for i in 2..=150 {
        fx.event(i, MEMBER, 65536 + i).block(i, &[i]).at(i, &list);
        list.push(i);
    }
    let out = fx.run();
    check_invariants(&out);
    // Group i holds events 1..=i. Cutting back to an ancestor group instead of
    // writing a full copy: no group but the first is full, and a group's rows
    // are exactly the joins since its base group.
    for g in &out.groups[1..] {
        let base = g.prev.expect("only the first group is full");
        assert_eq!(g.delta.len() as i64, g.id - base, "group {}", g.id);
    }
    assert!(out.groups.iter().any(|g| g.prev.is_some_and(|p| p < g.id - 1)), "some chain was cut");
    for (i, target) in fx.targets.iter().enumerate() {
        let want = fx.expected(&target.2, target.3);
        assert_eq!(resolve(&out, out.by_event[&(i as i64 + 1)]), want, "event {}", i + 1);
    }
}

/// A small deterministic generator, so the random test needs no crate.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn random_snapshots_resolve_to_the_plain_fold() {
    for seed in 0..40 {
        let mut rng = Lcg(seed);
        let mut fx = Fx::new();
        let events = 60;
        for e in 1..=events {
            // Few keys, so blocks override each other often; some non-state.
            let key = rng.next(8) as i64;
            let kind = if key == 0 { (MESSAGE, 0) } else { (TOPIC + key, 1) };
            fx.event(e, kind.0, kind.1);
        }
        let state_events: Vec<i64> = (1..=events).filter(|e| fx.keys[e].1 != 0).collect();
        for b in 1..=30 {
            let mut block: Vec<i64> =
                (0..1 + rng.next(4)).map(|_| state_events[rng.next(state_events.len() as u64) as usize]).collect();
            block.sort_unstable();
            block.dedup();
            fx.block(b, &block);
        }
        for e in 1..=events {
            // Snapshots share prefixes: extend one of a few stems.
            let stem = rng.next(3) as i64 * 10;
            let len = rng.next(12);
            let mut list: Vec<i64> = (1..=len as i64).map(|i| 1 + (stem + i) % 30).collect();
            list.sort_unstable();
            list.dedup();
            if rng.next(5) == 0 {
                fx.rejected_at(e, &list);
            } else {
                fx.at(e, &list);
            }
        }
        let out = fx.run();
        check_invariants(&out);
        for (_, who, blocks, add) in &fx.targets {
            let Who::Event(e) = who else { continue };
            assert_eq!(resolve(&out, out.by_event[e]), fx.expected(blocks, *add), "seed {seed} event {e}");
        }
    }
}

#[test]
fn full_blocks_become_deltas_on_the_previous_full_one_when_small() {
    let mut fx = Fx::new();
    fx.event(10, CREATE, 1).event(11, POWER, 1).event(12, MEMBER, 65536).event(13, MEMBER, 65537);
    fx.event(14, POWER, 1).event(15, MEMBER, 65536).event(16, MEMBER, 65537);
    for e in 40..44 {
        fx.event(e, MESSAGE, 0);
    }
    // Four full blocks, as Dendrite writes after resolving several prev events.
    fx.block(1, &[10, 11, 12]).block(2, &[10, 11, 12, 13]).block(3, &[10, 11, 13]).block(4, &[10, 14, 15, 16]);
    fx.at(40, &[1]).at(41, &[2]).at(42, &[3]).at(43, &[4]);
    let out = fx.run();
    check_invariants(&out);
    // [2] = [1] plus member 13: one row on group 1. [3] lost member 12, which a
    // delta cannot say: full. [4] changes 3 of 4 keys against [3]: full.
    assert_eq!(
        out.groups[1],
        Group { id: 2, room_nid: 1, event_nid: 41, prev: Some(1), delta: vec![s(MEMBER, 65537, 13)] }
    );
    assert_eq!(out.groups[2].prev, None);
    assert_eq!(out.groups[3].prev, None);
    for (_, who, blocks, add) in &fx.targets {
        let Who::Event(e) = who else { continue };
        assert_eq!(resolve(&out, out.by_event[e]), fx.expected(blocks, *add), "event {e}");
    }
}

/// Figures, not assertions: `cargo test --release -- --ignored bench_state_groups --nocapture`.
/// One room shaped the way Dendrite writes it: members join one by one (a
/// one-event block on the previous snapshot), messages in between, and after
/// 63 deltas a full block of the whole state (Dendrite's 64-block limit).
#[test]
#[ignore]
fn bench_state_groups() {
    let members: i64 = 20_000;
    let messages_per_join = 20;
    let mut fx = Fx::new();
    let mut next_event = 1;
    let mut list: Vec<i64> = Vec::new();
    let mut state: Vec<i64> = Vec::new();
    for m in 0..members {
        let block = m + 1;
        let e = next_event;
        next_event += 1;
        fx.event(e, MEMBER, 65536 + m);
        fx.at(e, &list.clone());
        state.push(e);
        if list.len() >= 63 {
            fx.block(block, &state);
            list = vec![block];
        } else {
            fx.block(block, &[e]);
            list.push(block);
        }
        for _ in 0..messages_per_join {
            fx.event(next_event, MESSAGE, 0);
            fx.at(next_event, &list.clone());
            next_event += 1;
        }
    }
    let block_entries: usize = fx.blocks.values().map(|b| b.len()).sum();
    let start = std::time::Instant::now();
    let out = fx.run();
    let took = start.elapsed();
    let rows: usize = out.groups.iter().map(|g| g.delta.len()).sum();
    let full = out.groups.iter().filter(|g| g.prev.is_none()).count();
    println!(
        "{} events, {} blocks ({block_entries} entries) → {} groups ({full} full), {rows} state rows in {took:?}",
        next_event - 1,
        fx.blocks.len(),
        out.groups.len()
    );
}

#[test]
fn snapshot_zero_is_an_outlier_except_for_a_create_event_in_the_timeline() {
    use crate::dendrite::events::Event;
    let mut m = Model::default();
    m.nids.state_keys.insert(1, "".into());
    let ev = |nid, type_nid, key, snapshot, sent| Event {
        type_nid,
        state_key_nid: key,
        sent_to_output: sent,
        snapshot_nid: snapshot,
        depth: 1,
        ..Event::test(nid)
    };
    m.sync.insert(2, 3);
    // A create event after Dendrite's v0.4 migration: snapshot 0, but in the timeline.
    assert_eq!(before(&m, &ev(1, CREATE, 1, 0, true)), Before::Empty);
    assert_eq!(before(&m, &ev(2, CREATE, 1, 0, false)), Before::Empty, "found in the sync stream");
    // A create event that came with a send_join: an outlier.
    assert_eq!(before(&m, &ev(3, CREATE, 1, 0, false)), Before::Unknown);
    assert_eq!(before(&m, &ev(4, MESSAGE, 0, 0, true)), Before::Unknown);
    assert_eq!(before(&m, &ev(5, MESSAGE, 0, 9, true)), Before::Snapshot(9));
}
