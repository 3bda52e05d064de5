//! Admin data: registration tokens (`userapi_registration_tokens`, v0.13.0+)
//! and moderation reports (`roomserver_reported_events`, v0.13.7+; users as
//! state-key NIDs).

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

pub struct RegistrationToken {
    pub pending: Option<i64>,
    pub completed: Option<i64>,
    /// `None` = unlimited.
    pub uses_allowed: Option<i64>,
    /// ms; `None` = never.
    pub expiry_time: Option<i64>,
}

pub struct Report {
    pub id: i64,
    pub room_nid: i64,
    pub event_nid: i64,
    pub reporting_user_nid: i64,
    pub event_sender_nid: i64,
    pub reason: Option<String>,
    pub score: Option<i64>,
    pub received_ts: i64,
}

#[derive(Default)]
pub struct Admin {
    pub registration_tokens: BTreeMap<String, RegistrationToken>,
    /// Sorted by id after loading.
    pub reports: Vec<Report>,
}

pub struct TokenCols {
    token: Col,
    pending: Option<Col>,
    completed: Option<Col>,
    uses: Option<Col>,
    expiry: Option<Col>,
}

impl TokenCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(TokenCols {
            token: h.required("token")?,
            pending: h.optional("pending"),
            completed: h.optional("completed"),
            uses: h.optional("uses_allowed"),
            expiry: h.optional("expiry_time"),
        })
    }

    pub fn load(&self, a: &mut Admin, row: &Row) -> Result<()> {
        let f = Fields(row);
        let t = RegistrationToken {
            pending: f.opt_i64(self.pending)?,
            completed: f.opt_i64(self.completed)?,
            uses_allowed: f.opt_i64(self.uses)?,
            expiry_time: f.opt_i64(self.expiry)?,
        };
        a.registration_tokens.insert(f.string(self.token)?, t);
        Ok(())
    }
}

pub struct ReportCols {
    id: Col,
    room: Col,
    event: Col,
    reporter: Col,
    sender: Col,
    reason: Option<Col>,
    score: Option<Col>,
    ts: Col,
}

impl ReportCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(ReportCols {
            id: h.required("id")?,
            room: h.required("room_nid")?,
            event: h.required("event_nid")?,
            reporter: h.required("reporting_user_nid")?,
            sender: h.required("event_sender_nid")?,
            reason: h.optional("reason"),
            score: h.optional("score"),
            ts: h.required("received_ts")?,
        })
    }

    pub fn load(&self, a: &mut Admin, row: &Row) -> Result<()> {
        let f = Fields(row);
        a.reports.push(Report {
            id: f.i64(self.id)?,
            room_nid: f.i64(self.room)?,
            event_nid: f.i64(self.event)?,
            reporting_user_nid: f.i64(self.reporter)?,
            event_sender_nid: f.i64(self.sender)?,
            reason: f.opt_string(self.reason)?,
            score: f.opt_i64(self.score)?,
            received_ts: f.i64(self.ts)?,
        });
        Ok(())
    }
}
