//! Pushers (`userapi_pushers`). The push *rules* are account data
//! (`m.push_rules`, see account_data.rs).
//!
//! Traps: `pushkey_ts_ms` holds Unix **seconds** when Dendrite filled it
//! itself (the client omitted it); `session_id` links the pusher to the
//! device (`userapi_devices.session_id`) that created it and may be NULL.

use anyhow::Result;

use super::columns::{columns, Fields};
use crate::dump::Row;

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

columns! {
    pub struct PusherCols {
        id: required("id"),
        localpart: required("localpart"),
        server: optional("server_name"),
        session: optional("session_id"),
        profile_tag: optional("profile_tag"),
        kind: required("kind"),
        app_id: required("app_id"),
        app_name: required("app_display_name"),
        device_name: required("device_display_name"),
        pushkey: required("pushkey"),
        ts: optional("pushkey_ts_ms"),
        lang: required("lang"),
        data: required("data"),
    }
}

impl PusherCols {
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
