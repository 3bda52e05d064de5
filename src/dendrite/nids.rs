//! The roomserver's NID dictionaries: `roomserver_event_types` and
//! `roomserver_event_state_keys`.
//!
//! Every roomserver table names event types and state keys (which double as
//! user IDs in the membership and invite tables) by these numbers, so they
//! are needed to turn anything else into Matrix strings. State-key NID 0 is
//! not a row: it means "not a state event".

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{columns, Fields};
use crate::dump::Row;

/// Pre-assigned event type NIDs (`roomserver/types/types.go`).
pub const TYPE_CREATE: i64 = 1;
pub const TYPE_MEMBER: i64 = 5;

#[derive(Default)]
pub struct Nids {
    pub event_types: BTreeMap<i64, Box<str>>,
    pub state_keys: BTreeMap<i64, Box<str>>,
}

impl Nids {
    pub fn event_type(&self, nid: i64) -> Option<&str> {
        self.event_types.get(&nid).map(|s| &**s)
    }

    /// The state key of a NID; `None` for 0 (not a state event) and unknown NIDs.
    pub fn state_key(&self, nid: i64) -> Option<&str> {
        self.state_keys.get(&nid).map(|s| &**s)
    }
}

columns! {
    pub struct TypeCols {
        nid: required("event_type_nid"),
        name: required("event_type"),
    }
}

impl TypeCols {
    pub fn load(&self, nids: &mut Nids, row: &Row) -> Result<()> {
        let f = Fields(row);
        nids.event_types.insert(f.i64(self.nid)?, f.str(self.name)?.into());
        Ok(())
    }
}

columns! {
    pub struct StateKeyCols {
        nid: required("event_state_key_nid"),
        key: required("event_state_key"),
    }
}

impl StateKeyCols {
    pub fn load(&self, nids: &mut Nids, row: &Row) -> Result<()> {
        let f = Fields(row);
        nids.state_keys.insert(f.i64(self.nid)?, f.str(self.key)?.into());
        Ok(())
    }
}
