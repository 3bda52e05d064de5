//! Pushers (`userapi_pushers`). The push *rules* are account data
//! (`m.push_rules`, see account_data.rs).
//!
//! Traps: `pushkey_ts_ms` holds Unix **seconds** when Dendrite filled it
//! itself (the client omitted it); `session_id` links the pusher to the
//! device (`userapi_devices.session_id`) that created it and may be NULL.

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

pub struct Pusher {
    pub id: i64,
    pub localpart: String,
    pub server_name: Option<String>,
    pub session_id: Option<i64>,
    pub profile_tag: Option<String>,
    pub kind: String,
    pub app_id: String,
    pub app_display_name: String,
    pub device_display_name: String,
    pub pushkey: String,
    pub pushkey_ts: i64,
    pub lang: String,
    pub data: String,
}

#[derive(Default)]
pub struct Pushers {
    pub pushers: Vec<Pusher>,
}

impl Pushers {
    pub fn finish(&mut self) {
        self.pushers.sort_by_key(|p| p.id);
    }
}

pub struct PusherCols {
    id: Col,
    localpart: Col,
    server: Option<Col>,
    session: Option<Col>,
    profile_tag: Option<Col>,
    kind: Col,
    app_id: Col,
    app_name: Col,
    device_name: Col,
    pushkey: Col,
    ts: Option<Col>,
    lang: Col,
    data: Col,
}

impl PusherCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(PusherCols {
            id: h.required("id")?,
            localpart: h.required("localpart")?,
            server: h.optional("server_name"),
            session: h.optional("session_id"),
            profile_tag: h.optional("profile_tag"),
            kind: h.required("kind")?,
            app_id: h.required("app_id")?,
            app_name: h.required("app_display_name")?,
            device_name: h.required("device_display_name")?,
            pushkey: h.required("pushkey")?,
            ts: h.optional("pushkey_ts_ms"),
            lang: h.required("lang")?,
            data: h.required("data")?,
        })
    }

    pub fn load(&self, p: &mut Pushers, row: &Row) -> Result<()> {
        let f = Fields(row);
        p.pushers.push(Pusher {
            id: f.i64(self.id)?,
            localpart: f.string(self.localpart)?,
            server_name: f.opt_string(self.server)?,
            session_id: f.opt_i64(self.session)?,
            profile_tag: f.opt_string(self.profile_tag)?,
            kind: f.string(self.kind)?,
            app_id: f.string(self.app_id)?,
            app_display_name: f.string(self.app_name)?,
            device_display_name: f.string(self.device_name)?,
            pushkey: f.string(self.pushkey)?,
            pushkey_ts: f.opt_i64(self.ts)?.unwrap_or(0),
            lang: f.string(self.lang)?,
            data: f.string(self.data)?,
        });
        Ok(())
    }
}
