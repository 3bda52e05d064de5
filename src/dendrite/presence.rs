//! Presence (`syncapi_presence`, one row per local or remote user). Presence
//! itself is transient; what is worth keeping is a user's status message.
//! Its ids are a stream clients hold in their since tokens, so the largest is
//! kept too.

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

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

pub struct PresenceCols {
    id: Col,
    user: Col,
    presence: Col,
    status: Option<Col>,
    active: Option<Col>,
}

impl PresenceCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(PresenceCols {
            id: h.required("id")?,
            user: h.required("user_id")?,
            presence: h.required("presence")?,
            status: h.optional("status_msg"),
            active: h.optional("last_active_ts"),
        })
    }

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
