//! Synapse state groups from Dendrite's state snapshots and blocks.
//!
//! Dendrite stores the state *before* each event as a snapshot: a sorted list
//! of block NIDs, each block a set of state events, later blocks overriding
//! earlier ones. A new snapshot is usually an old one plus one block, so the
//! block lists of a room form a prefix tree. Each tree node becomes one
//! Synapse state group stored as a delta on the group of its nearest ancestor
//! that has one; ids are given in depth-first pre-order, so a parent always has
//! a smaller id than its children (Synapse's reader relies on that).
//!
//! Synapse's `event_to_state_groups` holds the state *after* an event (before
//! it, for rejected events). For a state event that is the before-snapshot plus
//! the event: a tree edge labelled with the event itself, which resolves to the
//! existing child when Dendrite already stored that as a one-event block, the
//! way Dendrite builds the next event's snapshot (`AddState`, v0.13.8). Like
//! `AddState`, an event already present in one of the snapshot's blocks adds
//! nothing.
//!
//! Which nodes get a group: those some event or a room's current state maps
//! to, and branch points (so siblings share their common part). Others are
//! folded into the next group below them.
//!
//! Chain length: Dendrite starts a fresh full block after 64 deltas, so chains
//! would stay near 65 hops. Synapse reads any length but stores a full
//! snapshot once a chain reaches 100 hops, and every hop costs a join on read.
//! A group whose chain would exceed [`MAX_HOPS`] is instead stored as a delta
//! on the nearest ancestor group at most [`MAX_HOPS`]/2 deep: a few more rows
//! (the changes over the skipped stretch), never a full copy of a big room.
//!
//! Traps: the empty snapshot (create events) is shared by every room, and a
//! snapshot row's `room_nid` names only its last inserter, so rooms come from
//! the events; block entries whose event is missing are dropped, as
//! Dendrite's own query drops them; within a block, equal keys resolve to the
//! highest event NID (Dendrite's SQL leaves that order undefined).

use std::collections::BTreeMap;

// foldhash, not SipHash: the walk hashes every entry of every block it
// enters, and nothing here depends on a map's iteration order.
use hashbrown::HashMap;

use crate::dendrite::block_nids::BlockNids;
use crate::dendrite::events::Event;
use crate::dendrite::nids::TYPE_CREATE;
use crate::dendrite::state::StateEntry;
use crate::dendrite::Model;

use super::state_keys::StateKeys;

/// Longest delta chain written (hops from a group to its full snapshot).
pub const MAX_HOPS: u32 = 50;

/// One Synapse state group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: i64,
    pub room_nid: i64,
    /// `state_groups.event_id`: an event the group was made for (informational).
    pub event_nid: i64,
    /// `state_group_edges.prev_state_group`; `None` = stored in full.
    pub prev: Option<i64>,
    /// `state_groups_state` rows, sorted by (type, state key).
    pub delta: Vec<StateEntry>,
}

/// Why an event gets no state group although it is not an outlier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    /// Its snapshot NID has no `roomserver_state_snapshots` row.
    MissingSnapshot,
    /// Its snapshot names a block that `roomserver_state_block` lacks.
    MissingBlock,
    /// Its room NID has no `roomserver_rooms` row.
    UnknownRoom,
}

#[derive(Debug, Default)]
pub struct StateGroups {
    /// Sorted by id; ids start at 1.
    pub groups: Vec<Group>,
    /// event NID → group (`event_to_state_groups`), for every non-outlier event.
    pub by_event: BTreeMap<i64, i64>,
    /// room NID → group of the room's current state.
    pub by_room: BTreeMap<i64, i64>,
    /// Events left without a group, with the reason.
    pub skipped: BTreeMap<i64, Skip>,
    /// Block entries naming an event NID that `roomserver_events` lacks.
    pub missing_block_events: u64,
}

/// A tree edge: a Dendrite block, or the one state event an after-state adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Label {
    Block(i64),
    Event(i64),
}

/// What some event (or a room's current state) maps to.
#[derive(Clone, Debug)]
pub struct Target<'a> {
    pub room_nid: i64,
    pub who: Who,
    /// Block NIDs of the snapshot (empty = the empty state).
    pub blocks: &'a [i64],
    /// For a state event's after-state: the event added on top.
    pub add_event: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Event(i64),
    Room(i64),
}

/// Where the state of an event is known from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Before {
    /// An outlier: no state.
    Unknown,
    Empty,
    Snapshot(i64),
}

/// The state before an event, as Dendrite recorded it. A create event with
/// snapshot 0 that went through the timeline (databases migrated by Dendrite
/// v0.4 lost it) has the empty state before it; any other 0 is an outlier.
pub fn before(model: &Model, e: &Event) -> Before {
    if e.snapshot_nid != 0 {
        return Before::Snapshot(e.snapshot_nid);
    }
    let is_create = e.type_nid == TYPE_CREATE && model.nids.state_key(e.state_key_nid) == Some("");
    if is_create && (e.sent_to_output || model.sync.by_nid(e.nid).is_some()) {
        Before::Empty
    } else {
        Before::Unknown
    }
}

/// Builds the state groups of every room in the model.
pub fn build(model: &Model) -> StateGroups {
    let mut out = StateGroups::default();
    let mut targets = Vec::new();
    for e in &model.events.all {
        if !model.rooms.by_nid.contains_key(&e.room_nid) {
            out.skipped.insert(e.nid, Skip::UnknownRoom);
            continue;
        }
        let blocks = match before(model, e) {
            Before::Unknown => continue,
            Before::Empty => &[][..],
            Before::Snapshot(s) => match model.state.snapshots.get(&s) {
                Some(b) => &b[..],
                None => {
                    out.skipped.insert(e.nid, Skip::MissingSnapshot);
                    continue;
                }
            },
        };
        let add_event = (e.is_state() && !e.is_rejected).then_some(e.nid);
        targets.push(Target { room_nid: e.room_nid, who: Who::Event(e.nid), blocks, add_event });
    }
    for room in model.rooms.by_nid.values().filter(|r| r.state_snapshot_nid != 0) {
        if let Some(b) = model.state.snapshots.get(&room.state_snapshot_nid) {
            targets.push(Target { room_nid: room.nid, who: Who::Room(room.nid), blocks: b, add_event: None });
        }
    }
    let keys = StateKeys::new(&model.events);
    let key_of = |nid: i64| keys.get(nid);
    build_from(&model.state.blocks, key_of, targets, &mut out);
    out
}

/// The algorithm, on plain inputs: block contents, the (type, state key) of
/// an event NID, and the targets. Fills `out`.
pub fn build_from(
    blocks: &BTreeMap<i64, BlockNids>,
    key_of: impl Fn(i64) -> Option<(i64, i64)>,
    targets: Vec<Target<'_>>,
    out: &mut StateGroups,
) {
    let mut by_room: BTreeMap<i64, Vec<Target>> = BTreeMap::new();
    // Many targets share a snapshot (the same slice): check each one once.
    let mut complete: HashMap<(usize, usize), bool> = HashMap::new();
    for t in targets {
        let snapshot = (t.blocks.as_ptr() as usize, t.blocks.len());
        if !*complete.entry(snapshot).or_insert_with(|| t.blocks.iter().all(|b| blocks.contains_key(b))) {
            if let Who::Event(e) = t.who {
                out.skipped.insert(e, Skip::MissingBlock);
            }
            continue;
        }
        by_room.entry(t.room_nid).or_default().push(t);
    }
    let singles: HashMap<i64, i64> = blocks.iter().filter_map(|(&b, v)| Some((v.single()?, b))).collect();
    for (room, targets) in by_room {
        let mut trie = Trie::new();
        // Many events share a snapshot: walk each distinct block list once.
        let mut seen: HashMap<(usize, usize, Option<i64>), usize> = HashMap::new();
        for t in &targets {
            let key = (t.blocks.as_ptr() as usize, t.blocks.len(), t.add_event);
            let node = *seen.entry(key).or_insert_with(|| trie.insert(blocks, &singles, t));
            trie.nodes[node].targets.push(t.who);
        }
        trie.assign(room, blocks, &key_of, out);
    }
}

struct Node {
    label: Option<Label>,
    children: BTreeMap<Label, usize>,
    targets: Vec<Who>,
    /// Has targets, or is a branch point of needed subtrees.
    needed: bool,
}

struct Trie {
    nodes: Vec<Node>,
}

/// An ancestor group on the depth-first path.
#[derive(Clone, Copy)]
struct Anchor {
    group: i64,
    hops: u32,
    /// Undo-log length when the group's node was entered.
    undo_at: usize,
}

impl Trie {
    fn new() -> Trie {
        let root = Node { label: None, children: BTreeMap::new(), targets: Vec::new(), needed: false };
        Trie { nodes: vec![root] }
    }

    fn child(&mut self, at: usize, label: Label) -> usize {
        if let Some(&c) = self.nodes[at].children.get(&label) {
            return c;
        }
        let c = self.nodes.len();
        self.nodes.push(Node { label: Some(label), children: BTreeMap::new(), targets: Vec::new(), needed: false });
        self.nodes[at].children.insert(label, c);
        c
    }

    fn insert(&mut self, blocks: &BTreeMap<i64, BlockNids>, singles: &HashMap<i64, i64>, t: &Target) -> usize {
        let mut at = 0;
        for &b in t.blocks {
            at = self.child(at, Label::Block(b));
        }
        let Some(e) = t.add_event else { return at };
        let present = t.blocks.iter().any(|b| blocks[b].contains(e));
        if present {
            return at;
        }
        // Dendrite's next snapshot is this one plus the one-event block {e}
        // (when that sorts last, as a block made after the snapshot does).
        match singles.get(&e) {
            Some(&b) if t.blocks.last().map_or(true, |&last| b > last) => self.child(at, Label::Block(b)),
            _ => self.child(at, Label::Event(e)),
        }
    }

    /// Marks needed nodes; returns whether `at`'s subtree holds one.
    fn mark(&mut self) {
        // Children always have larger indices than their parent, so a reverse
        // sweep sees every child before its parent.
        let mut has_needed = vec![false; self.nodes.len()];
        for at in (0..self.nodes.len()).rev() {
            let below = self.nodes[at].children.values().filter(|&&c| has_needed[c]).count();
            let node = &mut self.nodes[at];
            node.needed = !node.targets.is_empty() || (at != 0 && below >= 2);
            has_needed[at] = node.needed || below > 0;
        }
    }

    fn assign(
        &mut self,
        room: i64,
        blocks: &BTreeMap<i64, BlockNids>,
        key_of: &impl Fn(i64) -> Option<(i64, i64)>,
        out: &mut StateGroups,
    ) {
        self.mark();
        let mut walk = Walk { state: HashMap::new(), undo: Vec::new(), anchors: Vec::new(), last_top: None };
        // Explicit stack: (node, undo length and anchor count to restore on exit).
        enum Step {
            Enter(usize),
            Leave { undo: usize, anchors: usize },
        }
        let mut stack = vec![Step::Enter(0)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Leave { undo, anchors } => {
                    walk.rewind(undo);
                    walk.anchors.truncate(anchors);
                }
                Step::Enter(at) => {
                    stack.push(Step::Leave { undo: walk.undo.len(), anchors: walk.anchors.len() });
                    let label = self.nodes[at].label;
                    match label {
                        Some(Label::Block(b)) => {
                            for e in blocks[&b].iter() {
                                match key_of(e) {
                                    Some(k) => walk.set(k, e),
                                    None => out.missing_block_events += 1,
                                }
                            }
                        }
                        Some(Label::Event(e)) => {
                            if let Some(k) = key_of(e) {
                                walk.set(k, e);
                            }
                        }
                        None => {}
                    }
                    if self.nodes[at].needed {
                        let fallback = label_event(label, blocks);
                        let group = walk.group_for(room, &self.nodes[at].targets, fallback, out);
                        for who in &self.nodes[at].targets {
                            match *who {
                                Who::Event(e) => out.by_event.insert(e, group),
                                Who::Room(r) => out.by_room.insert(r, group),
                            };
                        }
                    }
                    // Reverse so that the smallest label is visited first.
                    for &c in self.nodes[at].children.values().rev() {
                        stack.push(Step::Enter(c));
                    }
                }
            }
        }
    }
}

/// The highest event NID an edge label adds (for `state_groups.event_id`).
fn label_event(label: Option<Label>, blocks: &BTreeMap<i64, BlockNids>) -> Option<i64> {
    match label? {
        Label::Block(b) => blocks[&b].last(),
        Label::Event(e) => Some(e),
    }
}

/// (type nid, state key nid) → event nid.
type StateMap = HashMap<(i64, i64), i64>;

/// The state along the depth-first path, with an undo log.
struct Walk {
    state: StateMap,
    /// (key, value before the change).
    undo: Vec<((i64, i64), Option<i64>)>,
    anchors: Vec<Anchor>,
    /// The last group made with no group above it on the path, and its state.
    last_top: Option<(i64, u32, StateMap)>,
}

impl Walk {
    fn set(&mut self, key: (i64, i64), event: i64) {
        let old = self.state.insert(key, event);
        self.undo.push((key, old));
    }

    fn rewind(&mut self, to: usize) {
        while self.undo.len() > to {
            let (key, old) = self.undo.pop().unwrap();
            match old {
                Some(v) => self.state.insert(key, v),
                None => self.state.remove(&key),
            };
        }
    }

    /// Entries that differ now from when the undo log had `at` records.
    fn changes_since(&self, at: usize) -> Vec<StateEntry> {
        let mut then: BTreeMap<(i64, i64), Option<i64>> = BTreeMap::new();
        for (key, old) in &self.undo[at..] {
            then.entry(*key).or_insert(*old);
        }
        then.into_iter()
            .filter_map(|(key, old)| {
                // Keys are only ever set along the path, so `now` exists.
                let now = self.state.get(&key).copied()?;
                (Some(now) != old).then(|| entry(key, now))
            })
            .collect()
    }

    fn full(&self) -> Vec<StateEntry> {
        let mut all: Vec<StateEntry> = self.state.iter().map(|(&k, &e)| entry(k, e)).collect();
        all.sort_unstable();
        all
    }

    /// The group of the state at the current node: a new delta group, or the
    /// base's when nothing changed.
    fn group_for(&mut self, room: i64, targets: &[Who], fallback: Option<i64>, out: &mut StateGroups) -> i64 {
        let base = self.anchors.last().copied();
        let base = match base {
            Some(a) if a.hops + 1 > MAX_HOPS => self.anchors.iter().rev().find(|a| a.hops <= MAX_HOPS / 2).copied(),
            other => other,
        };
        let (prev, hops, delta) = match base {
            Some(a) => (Some((a.group, a.hops)), a.hops + 1, self.changes_since(a.undo_at)),
            None => match self.delta_on_last_top() {
                Some((group, hops, delta)) => (Some((group, hops)), hops + 1, delta),
                None => (None, 0, self.full()),
            },
        };
        if let (Some((group, hops)), true) = (prev, delta.is_empty()) {
            self.anchors.push(Anchor { group, hops, undo_at: self.undo.len() });
            return group;
        }
        let id = out.groups.len() as i64 + 1;
        let event_nid = targets
            .iter()
            .filter_map(|w| match w {
                Who::Event(e) => Some(*e),
                Who::Room(_) => None,
            })
            .min()
            .or(fallback)
            .unwrap_or(0);
        out.groups.push(Group { id, room_nid: room, event_nid, prev: prev.map(|p| p.0), delta });
        if base.is_none() {
            self.last_top = Some((id, hops, self.state.clone()));
        }
        self.anchors.push(Anchor { group: id, hops, undo_at: self.undo.len() });
        id
    }

    /// A node with no group above it on the path starts from a full Dendrite
    /// block (a fork merge, a join with full state). Its state is usually the
    /// previous such node's plus what happened in between, so store it as a
    /// delta on that one when the delta is small and loses no key. These
    /// chains stay within MAX_HOPS/2, so the cut rule always finds a base.
    fn delta_on_last_top(&self) -> Option<(i64, u32, Vec<StateEntry>)> {
        let (group, hops, then) = self.last_top.as_ref()?;
        if hops + 1 > MAX_HOPS / 2 || then.keys().any(|k| !self.state.contains_key(k)) {
            return None;
        }
        let mut delta: Vec<StateEntry> =
            self.state.iter().filter(|(k, v)| then.get(*k) != Some(v)).map(|(&k, &v)| entry(k, v)).collect();
        if delta.len() * 2 > self.state.len() {
            return None;
        }
        delta.sort_unstable();
        Some((*group, *hops, delta))
    }
}

fn entry((type_nid, key_nid): (i64, i64), event_nid: i64) -> StateEntry {
    StateEntry { type_nid, key_nid, event_nid }
}

/// The full state of a group, by walking its parents the way Synapse reads
/// it: for each key, the row of the highest group id in the chain. Only the
/// tests read groups back; the converter only writes them.
#[cfg(test)]
pub fn resolve(groups: &StateGroups, id: i64) -> Vec<StateEntry> {
    let mut chain = Vec::new();
    let mut at = Some(id);
    while let Some(g) = at {
        let group = &groups.groups[(g - 1) as usize];
        chain.push(group);
        at = group.prev;
    }
    let mut state: BTreeMap<(i64, i64), (i64, i64)> = BTreeMap::new();
    for g in chain {
        for e in &g.delta {
            let slot = state.entry((e.type_nid, e.key_nid)).or_insert((g.id, e.event_nid));
            if g.id > slot.0 {
                *slot = (g.id, e.event_nid);
            }
        }
    }
    state.into_iter().map(|(k, (_, e))| entry(k, e)).collect()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fixture_tests;
