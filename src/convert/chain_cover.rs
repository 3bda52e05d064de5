//! The auth chain cover index: `event_auth_chains`, `event_auth_chain_links`,
//! `event_auth_chain_to_calculate` and `rooms.has_auth_chain_index`, as
//! Synapse 1.163.2's `chain_cover` background update computes them when it
//! runs over the whole database in one batch (docs/synapse-schema.md §M).
//!
//! How it works:
//! 1. The graph is what the update reads: every state event (the plan's and
//!    the carried out-of-band invites, the `state_events` rows) with its auth
//!    events (the `event_auth` rows: the same de-duplicated lists, in the same
//!    order, as dag.rs writes).
//! 2. The events are visited in Synapse's topological order: Kahn's
//!    algorithm, taking the smallest event ID (byte order, which is Python's
//!    code point order) among the events whose auth events are all visited.
//! 3. An event gets the chain of its first auth event of the same
//!    (type, state_key), one sequence number further, when that number is
//!    still free on the chain (the auth event is the chain's last); otherwise
//!    a new chain, sequence number 1.
//! 4. Links: from the event to each auth event on another chain that no
//!    other auth event of the same event reaches (through the chains and the
//!    links made so far).
//!
//! Traps:
//! - Chain IDs: Synapse numbers the new chains of a batch in the iteration
//!   order of a set of fresh Python objects (their addresses), so its IDs
//!   cannot be reproduced; ours are 1, 2, … in the order the chains start.
//!   The structure (which events share a chain, the sequence numbers, the
//!   links) is the same, up to that renaming (scripts/tests/43-chain-cover).
//! - Synapse's batches follow (room, depth, stream) and each batch is sorted
//!   topologically on its own, so where a fork (two events extending the
//!   same chain event) falls across batches, a smaller batch size can give
//!   the chain to the other branch. Either index answers the same auth
//!   chains; the one-batch order is the one that does not depend on timing.
//! - An `event_auth` row naming an event that is not a state event, or whose
//!   auth event was itself set aside, sets the event aside the same way:
//!   an `event_auth_chain_to_calculate` row, no chain. Events on an auth
//!   cycle (damaged data) are never ready: no row at all, as in Synapse.
//! - `has_auth_chain_index` is true for a room with at least one state event
//!   (the rooms the update walks), whatever it could index there.
//! - Memory: the graph is compact (indices, offsets) and dropped once the
//!   index is made; rows are produced while they are written.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::Rows;

use super::dag::distinct;
use super::invites::{self, OutOfBand};
use super::plan::Plan;

/// An auth event Synapse's update cannot find among the state events.
const NOT_STATE: u32 = u32::MAX;

/// A state event, as the update reads it from `events` ⋈ `state_events`.
struct Node<'a> {
    event_id: &'a str,
    room_id: &'a str,
    event_type: &'a str,
    state_key: &'a str,
}

/// The state events and their auth events (node indices, or [`NOT_STATE`]).
struct Graph<'a> {
    nodes: Vec<Node<'a>>,
    /// Node `i`'s auth events are `auth[auth_start[i]..auth_start[i + 1]]`.
    auth_start: Vec<u32>,
    auth: Vec<u32>,
}

impl<'a> Graph<'a> {
    fn build(plan: &'a Plan<'a>, invites: &'a [OutOfBand<'a>]) -> Graph<'a> {
        let mut index = vec![NOT_STATE; plan.events.len()];
        let mut nodes = Vec::new();
        for (i, p) in plan.events.iter().enumerate() {
            if let Some(state_key) = p.state_key {
                index[i] = nodes.len() as u32;
                let (event_id, room_id) = (&*p.event.event_id, p.room.room_id.as_str());
                nodes.push(Node { event_id, room_id, event_type: p.event_type, state_key });
            }
        }
        let (mut auth_start, mut auth) = (vec![0], Vec::new());
        for p in plan.events.iter().filter(|p| p.state_key.is_some()) {
            // dag.rs writes an event_auth row exactly for the auth events in the plan.
            auth.extend(distinct(&p.event.auth_event_nids).filter_map(|&nid| plan.position(nid)).map(|i| index[i]));
            auth_start.push(auth.len() as u32);
        }
        for (event_id, room_id, state_key) in invites::state_events(invites) {
            nodes.push(Node { event_id, room_id, event_type: "m.room.member", state_key });
            auth_start.push(auth.len() as u32);
        }
        Graph { nodes, auth_start, auth }
    }

    fn auth_of(&self, node: u32) -> &[u32] {
        &self.auth[self.auth_start[node as usize] as usize..self.auth_start[node as usize + 1] as usize]
    }

    /// Synapse's topological order: Kahn's algorithm, smallest event ID first.
    /// Nodes on (or above) an auth cycle never become ready and are left out.
    fn topological(&self) -> Vec<u32> {
        let n = self.nodes.len();
        let mut waiting = vec![0u32; n];
        let mut dependants_start = vec![0u32; n + 1];
        for node in 0..n as u32 {
            for &a in self.auth_of(node).iter().filter(|&&a| a != NOT_STATE) {
                waiting[node as usize] += 1;
                dependants_start[a as usize + 1] += 1;
            }
        }
        for i in 0..n {
            dependants_start[i + 1] += dependants_start[i];
        }
        let mut fill = dependants_start.clone();
        let mut dependants = vec![0u32; self.auth.len()];
        for node in 0..n as u32 {
            for &a in self.auth_of(node).iter().filter(|&&a| a != NOT_STATE) {
                dependants[fill[a as usize] as usize] = node;
                fill[a as usize] += 1;
            }
        }
        let id = |i: u32| self.nodes[i as usize].event_id;
        let mut ready: BinaryHeap<Reverse<(&str, u32)>> =
            (0..n as u32).filter(|&i| waiting[i as usize] == 0).map(|i| Reverse((id(i), i))).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse((_, node))) = ready.pop() {
            order.push(node);
            let (from, to) = (dependants_start[node as usize] as usize, dependants_start[node as usize + 1] as usize);
            for &d in &dependants[from..to] {
                waiting[d as usize] -= 1;
                if waiting[d as usize] == 0 {
                    ready.push(Reverse((id(d), d)));
                }
            }
        }
        order
    }
}

/// A place on the index: (chain ID, sequence number); chain 0 is "none".
type Place = (u32, u32);

/// The index as it grows: each node's place, each chain's last sequence
/// number and its links (ordered by origin sequence number, as events on a
/// chain are visited in sequence order).
#[derive(Default)]
struct Index {
    place: Vec<Place>,
    last_seq: Vec<u32>,
    links_from: Vec<Vec<(u32, Place)>>,
    /// Scratch for [`Index::reaches`]: the highest sequence number visited per chain.
    visited: Vec<u32>,
    touched: Vec<u32>,
}

impl Index {
    fn new(nodes: usize) -> Index {
        Index {
            place: vec![(0, 0); nodes],
            last_seq: vec![0],
            links_from: vec![Vec::new()],
            visited: vec![0],
            touched: Vec::new(),
        }
    }

    /// The chain of `parent`, one further, if that place is free; else a new chain.
    fn allocate(&mut self, parent: Option<u32>) -> Place {
        if let Some((chain, seq)) = parent.map(|p| self.place[p as usize]) {
            if self.last_seq[chain as usize] < seq + 1 {
                self.last_seq[chain as usize] = seq + 1;
                return (chain, seq + 1);
            }
        }
        self.last_seq.push(1);
        self.links_from.push(Vec::new());
        self.visited.push(0);
        ((self.last_seq.len() - 1) as u32, 1)
    }

    /// Whether `to` is in the auth chain of the event at `from`: lower on the
    /// same chain, or reached through links (each link leaves its origin
    /// chain at or below the sequence number reached there).
    fn reaches(&mut self, from: Place, to: Place) -> bool {
        if from.0 == to.0 {
            return to.1 <= from.1;
        }
        let mut stack = vec![from];
        let mut found = false;
        while let Some((chain, seq)) = stack.pop() {
            if self.visited[chain as usize] == 0 {
                self.touched.push(chain);
            }
            self.visited[chain as usize] = self.visited[chain as usize].max(seq);
            for &(_, target) in self.links_from[chain as usize].iter().take_while(|(s, _)| *s <= seq) {
                if target.0 == to.0 {
                    found |= to.1 <= target.1;
                } else if target.1 > self.visited[target.0 as usize] {
                    stack.push(target);
                }
            }
            if found {
                break;
            }
        }
        for c in self.touched.drain(..) {
            self.visited[c as usize] = 0;
        }
        found
    }

    /// The event's links: its auth events on other chains that none of its
    /// other auth events reaches.
    fn link(&mut self, at: Place, auth: &[u32]) -> Vec<Place> {
        let places: Vec<Place> = auth.iter().map(|&a| self.place[a as usize]).collect();
        let mut kept: Vec<bool> = places.iter().map(|p| p.0 != at.0).collect();
        for (j, &to) in places.iter().enumerate() {
            if kept[j] && places.iter().enumerate().any(|(i, &from)| i != j && self.reaches(from, to)) {
                kept[j] = false;
            }
        }
        let targets: Vec<Place> = places.into_iter().zip(kept).filter(|(_, k)| *k).map(|(p, _)| p).collect();
        self.links_from[at.0 as usize].extend(targets.iter().map(|&t| (at.1, t)));
        targets
    }
}

/// What the index holds once made.
struct Cover<'a> {
    /// (event ID, chain, sequence number), in node order.
    chains: Vec<(&'a str, Place)>,
    /// (origin, target), in the order made.
    links: Vec<(Place, Place)>,
    /// Nodes set aside (an auth event the update cannot place).
    to_calculate: Vec<u32>,
}

fn compute<'a>(g: &Graph<'a>) -> Cover<'a> {
    let mut index = Index::new(g.nodes.len());
    let mut set_aside = vec![false; g.nodes.len()];
    let mut links = Vec::new();
    let mut to_calculate = Vec::new();
    for node in g.topological() {
        let auth = g.auth_of(node);
        if auth.iter().any(|&a| a == NOT_STATE || set_aside[a as usize]) {
            set_aside[node as usize] = true;
            to_calculate.push(node);
            continue;
        }
        let n = &g.nodes[node as usize];
        let same_key = |a: &&u32| {
            let m = &g.nodes[**a as usize];
            m.event_type == n.event_type && m.state_key == n.state_key
        };
        let at = index.allocate(auth.iter().find(same_key).copied());
        index.place[node as usize] = at;
        links.extend(index.link(at, auth).into_iter().map(|t| (at, t)));
    }
    let chains = g.nodes.iter().zip(&index.place).filter(|(_, p)| p.0 != 0).map(|(n, &p)| (n.event_id, p)).collect();
    to_calculate.sort_unstable();
    Cover { chains, links, to_calculate }
}

/// The index tables, and `has_auth_chain_index` on the `rooms` rows.
pub fn tables<'a>(plan: &'a Plan<'a>, invites: &'a [OutOfBand<'a>], out: &mut Tables<'a>) {
    let graph = Graph::build(plan, invites);
    let cover = compute(&graph);
    let indexed: BTreeSet<&str> = graph.nodes.iter().map(|n| n.room_id).collect();
    for room in &mut out.rooms.rows {
        room.has_auth_chain_index = indexed.contains(&*room.room_id);
    }
    for &node in &cover.to_calculate {
        let n = &graph.nodes[node as usize];
        out.event_auth_chain_to_calculate.push(syn::EventAuthChainToCalculate {
            event_id: n.event_id.into(),
            room_id: n.room_id.into(),
            event_type: n.event_type.into(),
            state_key: n.state_key.into(),
        });
    }
    let Cover { chains, links, .. } = cover;
    out.event_auth_chains = Rows::produced(
        chains.len(),
        Box::new(move |sink| {
            chains.iter().try_for_each(|&(event_id, (chain, seq))| {
                sink(&syn::EventAuthChain {
                    event_id: Cow::Borrowed(event_id),
                    chain_id: chain.into(),
                    sequence_number: seq.into(),
                })
            })
        }),
    );
    out.event_auth_chain_links = Rows::produced(
        links.len(),
        Box::new(move |sink| {
            links.iter().try_for_each(|&(origin, target)| {
                sink(&syn::EventAuthChainLink {
                    origin_chain_id: origin.0.into(),
                    origin_sequence_number: origin.1.into(),
                    target_chain_id: target.0.into(),
                    target_sequence_number: target.1.into(),
                })
            })
        }),
    );
}

#[cfg(test)]
mod tests;
