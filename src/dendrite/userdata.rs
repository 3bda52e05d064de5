//! Smaller per-user data: sync filters (`syncapi_filter`, keyed by
//! **localpart** only, ids per user as the client got them) and presence
//! (`syncapi_presence`: 0 unknown, 1 unavailable, 2 online, 3 offline).

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

pub struct Presence {
    pub presence: i64,
    pub status_msg: Option<String>,
    pub last_active_ts: i64,
}

#[derive(Default)]
pub struct UserData {
    /// (localpart, filter id) → filter JSON as stored.
    pub filters: BTreeMap<(String, i64), String>,
    /// user ID → presence.
    pub presence: BTreeMap<String, Presence>,
}

pub struct FilterCols {
    filter: Col,
    id: Col,
    localpart: Col,
}

impl FilterCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(FilterCols { filter: h.required("filter")?, id: h.required("id")?, localpart: h.required("localpart")? })
    }

    pub fn load(&self, u: &mut UserData, row: &Row) -> Result<()> {
        let f = Fields(row);
        u.filters.insert((f.string(self.localpart)?, f.i64(self.id)?), f.string(self.filter)?);
        Ok(())
    }
}

pub struct PresenceCols {
    user: Col,
    presence: Col,
    status: Option<Col>,
    active: Option<Col>,
}

impl PresenceCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(PresenceCols {
            user: h.required("user_id")?,
            presence: h.required("presence")?,
            status: h.optional("status_msg"),
            active: h.optional("last_active_ts"),
        })
    }

    pub fn load(&self, u: &mut UserData, row: &Row) -> Result<()> {
        let f = Fields(row);
        let p = Presence {
            presence: f.i64(self.presence)?,
            status_msg: f.opt_string(self.status)?,
            last_active_ts: f.opt_i64(self.active)?.unwrap_or(0),
        };
        u.presence.insert(f.string(self.user)?, p);
        Ok(())
    }
}
