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

use anyhow::{Context as _, Result};

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

pub struct Notification {
    pub id: i64,
    pub localpart: String,
    pub server_name: Option<String>,
    pub room_id: String,
    pub event_id: String,
    /// Marked read by a receipt: Dendrite's `/notifications` no longer lists it.
    pub read: bool,
    /// The push actions (a JSON array), as Dendrite stored them.
    pub actions: serde_json::Value,
    pub profile_tag: String,
}

#[derive(Default)]
pub struct Notifications {
    pub rows: Vec<Notification>,
}

impl Notifications {
    pub fn finish(&mut self) {
        self.rows.sort_by_key(|n| n.id);
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
struct Stored {
    actions: serde_json::Value,
    #[serde(default)]
    profile_tag: String,
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
        let stored: Stored = serde_json::from_str(f.str(self.json)?)
            .with_context(|| format!("userapi_notifications: row id {id}: notification_json is not a notification"))?;
        anyhow::ensure!(stored.actions.is_array(), "userapi_notifications: row id {id}: actions is not a JSON array");
        n.rows.push(Notification {
            id,
            localpart: f.string(self.localpart)?,
            server_name: f.opt_string(self.server)?,
            room_id: f.string(self.room_id)?,
            event_id: f.string(self.event_id)?,
            read: f.bool_or(self.read, false)?,
            actions: stored.actions,
            profile_tag: stored.profile_tag,
        });
        Ok(())
    }
}
