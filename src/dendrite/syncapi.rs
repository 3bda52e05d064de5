//! What the sync API holds that the roomserver does not: stream positions
//! (`syncapi_output_room_events.id`, which clients hold in their `since`
//! tokens and which become Synapse stream orderings), client transaction IDs,
//! read receipts and undelivered to-device messages.
//!
//! The sync API's copy of the event JSON (`headered_event_json`) is not kept:
//! the roomserver's copy is authoritative. `syncapi_output_room_events_topology`
//! is not read: its topological position is the event's `depth`, which
//! `roomserver_events` has, and its stream position is the `id` read here.

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{columns, Fields};
use crate::dump::Row;

pub struct StreamEvent {
    /// Stream position (`syncapi_output_room_events.id`).
    pub position: i64,
    pub session_id: Option<i64>,
    pub transaction_id: Option<String>,
}

pub struct Receipt {
    pub id: i64,
    pub room_id: String,
    pub receipt_type: String,
    pub user_id: String,
    pub event_id: String,
    pub ts: i64,
}

pub struct ToDevice {
    pub id: i64,
    pub user_id: String,
    pub device_id: String,
    /// JSON `{"sender", "type", "content"}` as stored.
    pub content: String,
}

#[derive(Default)]
pub struct SyncApi {
    /// event ID → its place in the stream. One entry per timeline event, so
    /// kept small: the room is the roomserver's, the JSON the roomserver's.
    pub stream: BTreeMap<Box<str>, StreamEvent>,
    pub receipts: Vec<Receipt>,
    pub to_device: Vec<ToDevice>,
}

impl SyncApi {
    pub(super) fn finish(&mut self) {
        self.receipts.sort_by_key(|r| r.id);
        self.to_device.sort_by_key(|t| t.id);
    }
}

columns! {
    pub struct StreamCols {
        id: required("id"),
        event_id: required("event_id"),
        session: optional("session_id"),
        txn: optional("transaction_id"),
    }
}

impl StreamCols {
    pub fn load(&self, sync: &mut SyncApi, row: &Row) -> Result<()> {
        let f = Fields(row);
        let ev = StreamEvent {
            position: f.i64(self.id)?,
            session_id: f.opt_i64(self.session)?,
            transaction_id: f.opt_string(self.txn)?,
        };
        sync.stream.insert(f.str(self.event_id)?.into(), ev);
        Ok(())
    }
}

columns! {
    pub struct ReceiptCols {
        id: required("id"),
        room: required("room_id"),
        kind: required("receipt_type"),
        user: required("user_id"),
        event: required("event_id"),
        ts: required("receipt_ts"),
    }
}

impl ReceiptCols {
    pub fn load(&self, sync: &mut SyncApi, row: &Row) -> Result<()> {
        let f = Fields(row);
        sync.receipts.push(Receipt {
            id: f.i64(self.id)?,
            room_id: f.string(self.room)?,
            receipt_type: f.string(self.kind)?,
            user_id: f.string(self.user)?,
            event_id: f.string(self.event)?,
            ts: f.i64(self.ts)?,
        });
        Ok(())
    }
}

columns! {
    pub struct ToDeviceCols {
        id: required("id"),
        user: required("user_id"),
        device: required("device_id"),
        content: required("content"),
    }
}

impl ToDeviceCols {
    pub fn load(&self, sync: &mut SyncApi, row: &Row) -> Result<()> {
        let f = Fields(row);
        sync.to_device.push(ToDevice {
            id: f.i64(self.id)?,
            user_id: f.string(self.user)?,
            device_id: f.string(self.device)?,
            content: f.string(self.content)?,
        });
        Ok(())
    }
}
