//! State storage: `roomserver_state_block` and `roomserver_state_snapshots`,
//! and Dendrite's own way of expanding a snapshot into full state.
//!
//! A block is a sorted set of state-event NIDs; a snapshot is a sorted list of
//! block NIDs. Dendrite expands a snapshot (`StateResolution.LoadStateAtSnapshot`
//! in v0.13.8) by concatenating its blocks' entries in list order, each block's
//! entries ordered by (type NID, state-key NID), then stable-sorting by
//! (type, state key) and keeping the **last** entry per key: a later block
//! overrides an earlier one. Event NIDs a block names but `roomserver_events`
//! lacks are dropped silently by Dendrite's query; [`expand`] reports them.
//!
//! [`expand`] follows that procedure literally. It is the reference the state
//! groups of `convert::state` are checked against, so it must stay an
//! independent, simple implementation (no sharing with the prefix-tree code).

use std::collections::BTreeMap;

use anyhow::Result;

use super::block_nids::BlockNids;
use super::columns::{columns, Fields};
use super::events::Events;
use crate::dump::Row;

#[derive(Default)]
pub struct State {
    /// Block NID → its event NIDs, compact ([`BlockNids`]).
    pub blocks: BTreeMap<i64, BlockNids>,
    pub snapshots: BTreeMap<i64, Box<[i64]>>,
}

/// One entry of a room's state: (type NID, state-key NID) → event NID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StateEntry {
    pub type_nid: i64,
    pub key_nid: i64,
    pub event_nid: i64,
}

/// Why a snapshot could not be expanded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExpandError {
    #[error("state snapshot {0} is not in roomserver_state_snapshots")]
    NoSnapshot(i64),
    #[error("state snapshot {snapshot} names state block {block}, which is not in roomserver_state_block")]
    NoBlock { snapshot: i64, block: i64 },
}

/// A snapshot's full state, sorted by (type, state key), plus the event NIDs
/// its blocks named that have no `roomserver_events` row.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Expanded {
    pub entries: Vec<StateEntry>,
    pub missing_events: Vec<i64>,
}

impl State {
    /// The full state of a snapshot, the way Dendrite computes it.
    pub fn expand(&self, events: &Events, snapshot: i64) -> Result<Expanded, ExpandError> {
        let blocks = self.snapshots.get(&snapshot).ok_or(ExpandError::NoSnapshot(snapshot))?;
        let mut out = Expanded::default();
        let mut all = Vec::new();
        for &block in blocks.iter() {
            let nids = self.blocks.get(&block).ok_or(ExpandError::NoBlock { snapshot, block })?;
            let mut entries = Vec::new();
            for nid in nids.iter() {
                match events.get(nid) {
                    Some(e) => {
                        entries.push(StateEntry { type_nid: e.type_nid, key_nid: e.state_key_nid, event_nid: nid })
                    }
                    None => out.missing_events.push(nid),
                }
            }
            // The SQL orders a block by (type, state key) only; among equal keys
            // we keep event NID order, so the highest NID ends up last.
            entries.sort_by_key(|e| (e.type_nid, e.key_nid));
            all.extend(entries);
        }
        all.sort_by_key(|e| (e.type_nid, e.key_nid)); // stable: later blocks stay later
        for (i, e) in all.iter().enumerate() {
            let last_of_key = all.get(i + 1).map_or(true, |n| (n.type_nid, n.key_nid) != (e.type_nid, e.key_nid));
            if last_of_key {
                out.entries.push(*e);
            }
        }
        Ok(out)
    }
}

columns! {
    pub struct BlockCols {
        nid: required("state_block_nid"),
        events: required("event_nids"),
    }
}

impl BlockCols {
    pub fn load(&self, state: &mut State, row: &Row) -> Result<()> {
        let f = Fields(row);
        state.blocks.insert(f.i64(self.nid)?, BlockNids::new(&f.i64_array(self.events)?));
        Ok(())
    }
}

columns! {
    pub struct SnapshotCols {
        // room_nid is not read: snapshots with equal block lists are shared
        // between rooms (the empty one by all), so it names only the last
        // inserter. The room comes from the events using a snapshot.
        nid: required("state_snapshot_nid"),
        blocks: required("state_block_nids"),
    }
}

impl SnapshotCols {
    pub fn load(&self, state: &mut State, row: &Row) -> Result<()> {
        let f = Fields(row);
        state.snapshots.insert(f.i64(self.nid)?, f.i64_array(self.blocks)?);
        Ok(())
    }
}
