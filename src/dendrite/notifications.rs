//! Notification history (`userapi_notifications`): one row per notified
//! event per local user, what `/notifications` lists.
//!
//! Traps: `stream_pos` is not a sync stream position but a timestamp (the
//! receipt consumer compares it with receipt times), so it is not read;
//! `notification_json.room_id` and `.ts` are written empty/zero (Dendrite
//! fills them from the columns when it answers), so only `actions` and
//! `profile_tag` come from the JSON. `ts_ms` (when Dendrite notified) has no
//! Synapse column: Synapse answers with the event's `received_ts`. `server_name` is missing before v0.10.8. The `highlight` column is not
//! read: it can be false for actions that highlight (convert/notifications.rs).
//!
//! A big server holds a row per notified event per user: the users, rooms,
//! profile tags and action lists repeat, so each is stored once and shared
//! (an action list parsed into a `serde_json::Value` per row was most of the
//! 680 bytes a row took: docs/performance.md).

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use serde_json::value::RawValue;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

pub struct Notification {
    pub id: i64,
    pub localpart: Arc<str>,
    pub server_name: Option<Arc<str>>,
    pub room_id: Arc<str>,
    pub event_id: Box<str>,
    /// Marked read by a receipt: Dendrite's `/notifications` no longer lists it.
    pub read: bool,
    /// The push actions (a JSON array), as Dendrite stored them.
    pub actions: Arc<serde_json::Value>,
    pub profile_tag: Arc<str>,
}

#[derive(Default)]
pub struct Notifications {
    pub rows: Vec<Notification>,
    /// Strings and action lists seen so far, each stored once (until finished).
    strings: HashMap<Box<str>, Arc<str>>,
    actions: HashMap<Box<str>, Arc<serde_json::Value>>,
}

impl Notifications {
    pub fn finish(&mut self) {
        self.rows.sort_by_key(|n| n.id);
        self.rows.shrink_to_fit();
        self.strings = HashMap::new();
        self.actions = HashMap::new();
    }

    fn share(&mut self, s: &str) -> Arc<str> {
        if let Some(shared) = self.strings.get(s) {
            return shared.clone();
        }
        let shared: Arc<str> = s.into();
        self.strings.insert(s.into(), shared.clone());
        shared
    }

    /// The action list of this text, parsed once per distinct text.
    fn actions(&mut self, raw: &RawValue) -> serde_json::Result<Arc<serde_json::Value>> {
        if let Some(shared) = self.actions.get(raw.get()) {
            return Ok(shared.clone());
        }
        let parsed: Arc<serde_json::Value> = Arc::new(serde_json::from_str(raw.get())?);
        self.actions.insert(raw.get().into(), parsed.clone());
        Ok(parsed)
    }
}

pub struct NotificationCols {
    id: Col,
    localpart: Col,
    server: Option<Col>,
    room_id: Col,
    event_id: Col,
    read: Option<Col>,
    json: Col,
}

#[derive(serde::Deserialize)]
struct Stored<'a> {
    #[serde(borrow)]
    actions: &'a RawValue,
    #[serde(default, borrow)]
    profile_tag: std::borrow::Cow<'a, str>,
}

impl NotificationCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(NotificationCols {
            id: h.required("id")?,
            localpart: h.required("localpart")?,
            server: h.optional("server_name"),
            room_id: h.required("room_id")?,
            event_id: h.required("event_id")?,
            read: h.optional("read"),
            json: h.required("notification_json")?,
        })
    }

    pub fn load(&self, n: &mut Notifications, row: &Row) -> Result<()> {
        let f = Fields(row);
        let id = f.i64(self.id)?;
        let not_one = || format!("userapi_notifications: row id {id}: notification_json is not a notification");
        let stored: Stored = serde_json::from_str(f.str(self.json)?).with_context(not_one)?;
        let actions = n.actions(stored.actions).with_context(not_one)?;
        anyhow::ensure!(actions.is_array(), "userapi_notifications: row id {id}: actions is not a JSON array");
        let localpart = n.share(f.str(self.localpart)?);
        let server_name = f.opt_str(self.server)?.map(|s| n.share(s));
        let row = Notification {
            id,
            localpart,
            server_name,
            room_id: n.share(f.str(self.room_id)?),
            event_id: f.str(self.event_id)?.into(),
            read: f.bool_or(self.read, false)?,
            actions,
            profile_tag: n.share(&stored.profile_tag),
        };
        n.rows.push(row);
        Ok(())
    }
}
