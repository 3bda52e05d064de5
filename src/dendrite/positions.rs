//! The highest stream positions of the Dendrite streams that the model's
//! other areas do not read: account data, invites and peeks (which share
//! `syncapi_stream_id` with the PDU stream), notification data and the
//! device-list change stream (`keyserver_key_changes`). Presence is read by
//! the user-data area (dendrite/presence.rs), which keeps its largest id.
//!
//! And the values of the sequences behind the positions of Dendrite's sync
//! token, as pg_dump saved them: rows show only what is left, but delivered
//! to-device messages are deleted, and upserts (receipts, account data,
//! presence, notification data, key changes) move a row to a new id, so a
//! token can hold positions no row has any more. Which sequence backs which
//! token position was read in Dendrite v0.13.8: `syncapi/storage/postgres/
//! *_table.go` and `userapi/storage/postgres/key_changes_table.go` (the
//! `nextval` each insert or upsert takes), `syncapi/consumers/*.go` (the
//! position the notifier is advanced to is that id). Typing is the only
//! token position without a sequence (an in-memory counter). Other sequences
//! (`syncapi_relation_id`, the roomserver NIDs …) never reach a token.
//!
//! Why: clients keep their Dendrite `since` token after the migration, and
//! Synapse reads its parts shifted into other streams (docs/synapse-schema.md
//! §D.4). Every stream id the converter assigns must therefore lie above
//! every position a token can hold; `convert::streams` takes the maximum of
//! these and of the positions the model already has (PDUs, receipts,
//! to-device).
//!
//! Only the id column is read; a table without it is reported, not fatal
//! (it cannot hold positions then).

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, SequenceValue, TableHeader};

/// (table, its stream position column).
const TABLES: &[(&str, &str)] = &[
    ("syncapi_account_data_type", "id"),
    ("syncapi_invite_events", "id"),
    ("syncapi_peeks", "id"),
    ("syncapi_notification_data", "id"),
    ("keyserver_key_changes", "change_id"),
];

/// (sequence, the sync-token positions it backs).
pub const STREAM_SEQUENCES: &[(&str, &str)] = &[
    ("syncapi_stream_id", "PDU, invite and account-data positions (also peeks)"),
    ("syncapi_receipt_id", "receipt position"),
    ("syncapi_send_to_device_id", "send-to-device position"),
    ("keyserver_key_changes_seq", "device-list position"),
    ("syncapi_notification_data_id_seq", "notification-data position"),
    ("syncapi_presence_id", "presence position"),
];

/// The token positions a sequence backs, if it is one of Dendrite's stream
/// sequences.
pub fn stream_sequence(name: &str) -> Option<&'static str> {
    STREAM_SEQUENCES.iter().find(|(n, _)| *n == name).map(|(_, what)| *what)
}

#[derive(Default, Debug)]
pub struct Positions {
    /// table → highest position seen (absent: no rows or no table).
    pub max: BTreeMap<&'static str, i64>,
    /// stream sequence → the last value it handed out (absent: not in the
    /// dump, or never used).
    pub sequences: BTreeMap<&'static str, i64>,
}

impl Positions {
    /// The column to read if `t` is one of the position tables.
    pub fn bind(t: &TableHeader) -> Result<Option<PositionCols>> {
        let Some(&(table, column)) = TABLES.iter().find(|(name, _)| *name == t.name) else {
            return Ok(None);
        };
        Ok(Some(PositionCols { table, id: Header(t).required(column)? }))
    }

    /// Keeps the value of a stream sequence. A sequence with
    /// `is_called = false` has handed out nothing, whatever its value.
    pub fn sequence(&mut self, seq: &SequenceValue) {
        let Some(&(name, _)) = STREAM_SEQUENCES.iter().find(|(n, _)| *n == seq.name) else { return };
        if seq.is_called {
            let slot = self.sequences.entry(name).or_insert(seq.value);
            *slot = (*slot).max(seq.value);
        }
    }

    /// The highest position over all these tables and sequences (0 when none).
    pub fn highest(&self) -> i64 {
        self.max.values().chain(self.sequences.values()).copied().max().unwrap_or(0)
    }
}

pub struct PositionCols {
    table: &'static str,
    id: Col,
}

impl PositionCols {
    pub fn load(&self, p: &mut Positions, row: &Row) -> Result<()> {
        let id = Fields(row).i64(self.id)?;
        let slot = p.max.entry(self.table).or_insert(id);
        *slot = (*slot).max(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dendrite::columns::test_header as header;
    use std::borrow::Cow;

    #[test]
    fn keeps_the_highest_position_per_table() {
        let mut p = Positions::default();
        let h = header("keyserver_key_changes", &["user_id", "change_id"]);
        let cols = Positions::bind(&h).unwrap().unwrap();
        for v in ["7", "42", "3"] {
            let fields = [Some(Cow::Borrowed("@u:s")), Some(Cow::Borrowed(v))];
            cols.load(&mut p, &Row { number: 1, fields: &fields }).unwrap();
        }
        assert_eq!(p.max.get("keyserver_key_changes"), Some(&42));
        assert_eq!(p.highest(), 42);
        assert!(Positions::bind(&header("roomserver_rooms", &["id"])).unwrap().is_none());
        assert!(Positions::bind(&header("syncapi_peeks", &["user_id"])).is_err());
    }

    fn seq(name: &str, value: i64, is_called: bool) -> SequenceValue {
        SequenceValue { schema: "public".into(), name: name.into(), value, is_called, source: "d.dump".into() }
    }

    #[test]
    fn stream_sequences_count_once_called() {
        let mut p = Positions::default();
        p.max.insert("keyserver_key_changes", 42);
        // never used: its value is where it will start, not a position
        p.sequence(&seq("syncapi_send_to_device_id", 9000, false));
        assert_eq!(p.highest(), 42);
        // not a sync-token stream
        p.sequence(&seq("syncapi_relation_id", 5000, true));
        p.sequence(&seq("roomserver_event_nid_seq", 6000, true));
        assert_eq!(p.highest(), 42);
        // every delivered to-device message deleted: only the sequence knows
        p.sequence(&seq("syncapi_send_to_device_id", 700, true));
        p.sequence(&seq("syncapi_send_to_device_id", 600, true));
        assert_eq!(p.sequences.get("syncapi_send_to_device_id"), Some(&700));
        assert_eq!(p.highest(), 700);
        assert_eq!(stream_sequence("keyserver_key_changes_seq"), Some("device-list position"));
        assert_eq!(stream_sequence("syncapi_filter_id_seq"), None);
    }
}
