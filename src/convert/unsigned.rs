//! What `unsigned` gains in Synapse's copy of an event (see
//! [`super::events::AddUnsigned`]):
//!
//! * `replaces_state`: for a state event with known state before it, the
//!   event that held its (type, state key) in that state. Synapse serves
//!   `prev_content` and `prev_sender` from it, as Dendrite did.
//! * `invite_room_state`: an invite's stripped room state, which Dendrite
//!   keeps only in `roomserver_invites`.
//!
//! The state before an event is its snapshot: blocks in order, a later block
//! overriding an earlier one, and within a block the highest event NID
//! winning (as `dendrite::state::expand`). Only the one key is looked up:
//! each block used is indexed once by (type, state key), so a room's many
//! state events never expand its full state each.

use std::collections::{BTreeMap, HashMap};

use serde_json::value::RawValue;

use crate::dendrite::event_json::unsigned_value_readable;
use crate::dendrite::Model;

use super::events::AddUnsigned;
use super::plan::{Kind, Plan, Planned};
use super::state_keys::StateKeys;

pub struct Extras<'m> {
    replaces: HashMap<i64, &'m str>,
    invite_state: BTreeMap<&'m str, Box<RawValue>>,
}

impl<'m> Extras<'m> {
    pub fn new(model: &'m Model, plan: &Plan<'m>) -> Extras<'m> {
        Extras { replaces: replaced_state(model, plan), invite_state: invite_states(model) }
    }

    pub fn for_event(&self, p: &Planned<'_>) -> AddUnsigned<'_> {
        AddUnsigned {
            replaces_state: self.replaces.get(&p.event.nid).copied(),
            invite_room_state: self.invite_state.get(&*p.event.event_id).map(|b| &**b),
        }
    }
}

/// A block's entries as (type, state key) → event NID, sorted by key.
type BlockIndex = Vec<((i64, i64), i64)>;

/// Block indexes kept at most (entries in all): a room's big blocks are
/// used by its next few dozen snapshots, then rarely again, so the cache is
/// emptied when it grows past this rather than holding every block's index.
/// At 24 bytes an entry, 1M entries are 24 MB; 4M (96 MB) made the peak of
/// a whole 300k-event run (docs/performance.md).
const INDEX_CACHE_ENTRIES: usize = 1 << 20;

fn replaced_state<'m>(model: &'m Model, plan: &Plan<'m>) -> HashMap<i64, &'m str> {
    let mut index: HashMap<i64, BlockIndex> = HashMap::new();
    let mut cached = 0;
    let mut out = HashMap::new();
    let keys = StateKeys::new(&model.events);
    for p in plan.events.iter().filter(|p| p.state_key.is_some() && !matches!(p.kind, Kind::Outlier | Kind::Rejected)) {
        let Some(blocks) = model.state.snapshots.get(&p.event.snapshot_nid) else { continue };
        let key = (p.event.type_nid, p.event.state_key_nid);
        if cached > INDEX_CACHE_ENTRIES {
            index.clear();
            cached = 0;
        }
        let found = blocks.iter().rev().find_map(|b| {
            let idx = index.entry(*b).or_insert_with(|| {
                let idx = index_block(model, &keys, *b);
                cached += idx.len();
                idx
            });
            idx.binary_search_by_key(&key, |&(k, _)| k).ok().map(|i| idx[i].1)
        });
        if let Some(prev) = found.filter(|&n| n != p.event.nid).and_then(|n| model.events.get(n)) {
            out.insert(p.event.nid, &*prev.event_id);
        }
    }
    out
}

fn index_block(model: &Model, keys: &StateKeys, block: i64) -> BlockIndex {
    let Some(nids) = model.state.blocks.get(&block) else { return BlockIndex::new() };
    let mut sorted: Vec<i64> = nids.iter().collect();
    sorted.sort_unstable(); // the highest NID per key ends up last, and wins
    let mut idx: BlockIndex = sorted.iter().filter_map(|&nid| keys.get(nid).map(|k| (k, nid))).collect();
    idx.sort_by_key(|&(k, _)| k); // stable: equal keys stay in NID order
    idx.dedup_by(|later, earlier| {
        if later.0 == earlier.0 {
            earlier.1 = later.1; // keep the later (higher) NID
        }
        later.0 == earlier.0
    });
    idx
}

/// The invites whose `roomserver_invites` copy holds an `invite_room_state`
/// Synapse cannot read: it is not added to their event (convert reports them).
pub fn unreadable_invite_states(model: &Model) -> Vec<&str> {
    invite_states(model)
        .into_iter()
        .filter(|(_, v)| !unsigned_value_readable("invite_room_state", v))
        .map(|(id, _)| id)
        .collect()
}

/// invite event ID → its `unsigned.invite_room_state`, from `roomserver_invites`.
fn invite_states(model: &Model) -> BTreeMap<&str, Box<RawValue>> {
    #[derive(serde::Deserialize)]
    struct Top {
        #[serde(default)]
        unsigned: Option<Unsigned>,
    }
    #[derive(serde::Deserialize)]
    struct Unsigned {
        #[serde(default)]
        invite_room_state: Option<Box<RawValue>>,
    }
    model
        .rooms
        .invites
        .iter()
        .filter_map(|(id, inv)| {
            let top: Top = serde_json::from_str(&inv.json).ok()?;
            Some((id.as_str(), top.unsigned?.invite_room_state?))
        })
        .collect()
}
