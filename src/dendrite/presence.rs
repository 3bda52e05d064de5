//! Presence (`syncapi_presence`, one row per local or remote user). Presence
//! itself is transient; what is worth keeping is a user's status message.
//! Its ids are a stream clients hold in their since tokens, so the largest is
//! kept too.

use anyhow::Result;

use super::columns::{columns, Fields};
use crate::dump::Row;

pub struct Presence {
    pub user_id: String,
    /// 0 unknown, 1 unavailable, 2 online, 3 offline (`syncapi/types/presence.go`).
    pub presence: i64,
    pub status_msg: Option<String>,
    pub last_active_ts: i64,
}

#[derive(Default)]
pub struct PresenceData {
    pub presence: Vec<Presence>,
    pub max_presence_position: i64,
}

impl PresenceData {
    pub fn finish(&mut self) {
        self.presence.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    }
}

columns! {
    pub struct PresenceCols {
        id: required("id"),
        user: required("user_id"),
        presence: required("presence"),
        status: optional("status_msg"),
        active: optional("last_active_ts"),
    }
}

impl PresenceCols {
    pub fn load(&self, p: &mut PresenceData, row: &Row) -> Result<()> {
        let f = Fields(row);
        p.max_presence_position = p.max_presence_position.max(f.i64(self.id)?);
        p.presence.push(Presence {
            user_id: f.string(self.user)?,
            presence: f.i64(self.presence)?,
            status_msg: f.opt_string(self.status)?,
            last_active_ts: f.opt_i64(self.active)?.unwrap_or(0),
        });
        Ok(())
    }
}
