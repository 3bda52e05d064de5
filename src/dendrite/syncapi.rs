//! What the sync API holds that the roomserver does not: stream positions
//! (`syncapi_output_room_events.id`, which clients hold in their `since`
//! tokens and which become Synapse stream orderings), client transaction IDs,
//! read receipts and undelivered to-device messages.
//!
//! The sync API's copy of the event JSON (`headered_event_json`) is not kept:
//! the roomserver's copy is authoritative. `syncapi_output_room_events_topology`
//! is not read: its topological position is the event's `depth`, which
//! `roomserver_events` has, and its stream position is the `id` read here.

use anyhow::Result;

use super::columns::{columns, Fields};
use super::events::Events;
use crate::dump::Row;

/// An event's place in the sync stream, and the local send that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamEvent<'a> {
    /// Stream position (`syncapi_output_room_events.id`).
    pub position: i64,
    pub session_id: Option<i64>,
    pub transaction_id: Option<&'a str>,
}

/// One `syncapi_output_room_events` row, while loading.
struct StreamRow {
    position: i64,
    send: Send,
}

/// The client's session and transaction of a local send (both `None` for
/// every other event).
#[derive(Default)]
struct Send {
    session_id: Option<i64>,
    transaction_id: Option<Box<str>>,
}

impl Send {
    fn is_none(&self) -> bool {
        self.session_id.is_none() && self.transaction_id.is_none()
    }
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
    /// (event ID, its row) in dump order, while loading (the events table
    /// may come later); [`SyncApi::finish`] moves it into `stream` and
    /// `sends`. A list, not a map: one block the allocator gives back.
    loading: Vec<(Box<str>, StreamRow)>,
    /// (event NID, stream position), sorted by NID, for the events
    /// `roomserver_events` has. One entry per timeline event, so kept small
    /// (16 bytes): keyed by NID rather than by a second copy of the event
    /// ID; the room is the roomserver's, the JSON the roomserver's.
    stream: Vec<(i64, i64)>,
    /// (event NID, session and transaction), sorted by NID, for the events
    /// whose row names either: local sends only.
    sends: Vec<(i64, Send)>,
    /// The highest stream position, events the roomserver lacks included.
    pub max_position: i64,
    pub receipts: Vec<Receipt>,
    pub to_device: Vec<ToDevice>,
}

/// Of each run of equal keys in `sorted`, only the last item (a repeated
/// event ID's last row wins, swapped into the kept slot).
fn keep_last<T>(sorted: &mut Vec<T>, same: impl Fn(&T, &T) -> bool) {
    sorted.dedup_by(|later, kept| {
        same(later, kept) && {
            std::mem::swap(later, kept);
            true
        }
    });
}

impl SyncApi {
    pub(super) fn finish(&mut self, events: &Events) {
        // Rows are put in order by event NID (one hash lookup per row), not
        // by event ID: sorting a million IDs as strings cost more than all
        // the rest. The same ID is the same NID, so the rows to keep are the
        // same; IDs the roomserver lacks are few and still count for the
        // highest position.
        let mut rows: Vec<(i64, StreamRow)> = Vec::with_capacity(self.loading.len());
        let mut lacking: Vec<(Box<str>, i64)> = Vec::new();
        for (id, s) in std::mem::take(&mut self.loading) {
            match events.by_event_id(&id) {
                Some(e) => rows.push((e.nid, s)),
                None => lacking.push((id, s.position)),
            }
        }
        rows.sort_by_key(|(nid, _)| *nid); // stable: an event's rows stay in dump order
        keep_last(&mut rows, |a, b| a.0 == b.0);
        lacking.sort_by(|a, b| a.0.cmp(&b.0));
        keep_last(&mut lacking, |a, b| a.0 == b.0);
        let positions = rows.iter().map(|(_, s)| s.position).chain(lacking.iter().map(|(_, p)| *p));
        self.max_position = positions.max().unwrap_or(0);
        // Fresh lists, not collected in place: those would keep the larger rows' allocation.
        self.stream = Vec::with_capacity(rows.len());
        for (nid, row) in rows {
            self.stream.push((nid, row.position));
            if !row.send.is_none() {
                self.sends.push((nid, row.send));
            }
        }
        self.sends.shrink_to_fit();
        self.receipts.sort_by_key(|r| r.id);
        self.to_device.sort_by_key(|t| t.id);
    }

    /// The place in the stream of the event with this NID, if it has one.
    pub fn by_nid(&self, nid: i64) -> Option<StreamEvent<'_>> {
        let position = self.stream[self.stream.binary_search_by_key(&nid, |(n, _)| *n).ok()?].1;
        let send = self.sends.binary_search_by_key(&nid, |(n, _)| *n).ok().map(|i| &self.sends[i].1);
        Some(StreamEvent {
            position,
            session_id: send.and_then(|s| s.session_id),
            transaction_id: send.and_then(|s| s.transaction_id.as_deref()),
        })
    }

    /// Puts an event in the stream (for tests; loading sorts, this inserts).
    #[cfg(test)]
    pub fn insert(&mut self, nid: i64, position: i64) {
        let at = self.stream.partition_point(|(n, _)| *n < nid);
        self.stream.insert(at, (nid, position));
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
        let send =
            Send { session_id: f.opt_i64(self.session)?, transaction_id: f.opt_string(self.txn)?.map(Into::into) };
        let row = StreamRow { position: f.i64(self.id)?, send };
        sync.loading.push((f.str(self.event_id)?.into(), row));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dendrite::events::Event;

    fn event(nid: i64, id: &str) -> Event {
        Event { event_id: id.into(), ..Event::test(nid) }
    }

    #[test]
    fn stream_is_keyed_by_nid_and_the_maximum_counts_every_row() {
        let events = Events::of(vec![event(2, "$a"), event(1, "$b")]);
        let mut sync = SyncApi::default();
        for (id, position, txn) in [("$a", 9, Some("t1")), ("$gone", 300, None), ("$b", 7, None), ("$a", 5, Some("t2"))]
        {
            let send = Send { session_id: txn.map(|_| 4), transaction_id: txn.map(Into::into) };
            sync.loading.push((id.into(), StreamRow { position, send }));
        }
        sync.finish(&events);
        assert_eq!(sync.stream, vec![(1, 7), (2, 5)], "one entry per event, its last row");
        let a = StreamEvent { position: 5, session_id: Some(4), transaction_id: Some("t2") };
        assert_eq!(sync.by_nid(2), Some(a));
        assert_eq!(sync.by_nid(1), Some(StreamEvent { position: 7, session_id: None, transaction_id: None }));
        assert!(sync.by_nid(3).is_none());
        // An event the roomserver lacks still holds a stream position clients may have seen.
        assert_eq!(sync.max_position, 300);
    }
}
