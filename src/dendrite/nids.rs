//! The roomserver's NID dictionaries: `roomserver_event_types` and
//! `roomserver_event_state_keys`.
//!
//! Every roomserver table names event types and state keys (which double as
//! user IDs in the membership and invite tables) by these numbers, so they
//! are needed to turn anything else into Matrix strings. State-key NID 0 is
//! not a row: it means "not a state event".

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

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

pub struct TypeCols {
    nid: Col,
    name: Col,
}

impl TypeCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(TypeCols { nid: h.required("event_type_nid")?, name: h.required("event_type")? })
    }

    pub fn load(&self, nids: &mut Nids, row: &Row) -> Result<()> {
        let f = Fields(row);
        nids.event_types.insert(f.i64(self.nid)?, f.str(self.name)?.into());
        Ok(())
    }
}

pub struct StateKeyCols {
    nid: Col,
    key: Col,
}

impl StateKeyCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(StateKeyCols {
            nid: h.required("event_state_key_nid")?,
            key: h.required("event_state_key")?,
        })
    }

    pub fn load(&self, nids: &mut Nids, row: &Row) -> Result<()> {
        let f = Fields(row);
        nids.state_keys.insert(f.i64(self.nid)?, f.str(self.key)?.into());
        Ok(())
    }
}
