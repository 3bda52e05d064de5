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

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

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

pub struct StreamCols {
    id: Col,
    event_id: Col,
    session: Option<Col>,
    txn: Option<Col>,
}

impl StreamCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(StreamCols {
            id: h.required("id")?,
            event_id: h.required("event_id")?,
            session: h.optional("session_id"),
            txn: h.optional("transaction_id"),
        })
    }

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

pub struct ReceiptCols {
    id: Col,
    room: Col,
    kind: Col,
    user: Col,
    event: Col,
    ts: Col,
}

impl ReceiptCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(ReceiptCols {
            id: h.required("id")?,
            room: h.required("room_id")?,
            kind: h.required("receipt_type")?,
            user: h.required("user_id")?,
            event: h.required("event_id")?,
            ts: h.required("receipt_ts")?,
        })
    }

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

pub struct ToDeviceCols {
    id: Col,
    user: Col,
    device: Col,
    content: Col,
}

impl ToDeviceCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(ToDeviceCols {
            id: h.required("id")?,
            user: h.required("user_id")?,
            device: h.required("device_id")?,
            content: h.required("content")?,
        })
    }

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
