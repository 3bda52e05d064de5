//! The highest stream positions of the Dendrite streams that the model's
//! other areas do not read: account data, invites and peeks (which share
//! `syncapi_stream_id` with the PDU stream), notification data and the
//! device-list change stream (`keyserver_key_changes`). Presence is read by
//! the user-data area (dendrite/presence.rs), which keeps its largest id.
//!
//! Why: clients keep their Dendrite `since` token after the migration, and
//! Synapse reads its parts shifted into other streams (design.md). Every
//! stream id the converter assigns must therefore lie above every position a
//! token can hold; `convert::streams` takes the maximum of these and of the
//! positions the model already has (PDUs, receipts, to-device).
//!
//! Only the id column is read; a table without it is reported, not fatal
//! (it cannot hold positions then).

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

/// (table, its stream position column).
const TABLES: &[(&str, &str)] = &[
    ("syncapi_account_data_type", "id"),
    ("syncapi_invite_events", "id"),
    ("syncapi_peeks", "id"),
    ("syncapi_notification_data", "id"),
    ("keyserver_key_changes", "change_id"),
];

#[derive(Default, Debug)]
pub struct Positions {
    /// table → highest position seen (absent: no rows or no table).
    pub max: BTreeMap<&'static str, i64>,
}

impl Positions {
    /// The column to read if `t` is one of the position tables.
    pub fn bind(t: &TableHeader) -> Result<Option<PositionCols>> {
        let Some(&(table, column)) = TABLES.iter().find(|(name, _)| *name == t.name) else {
            return Ok(None);
        };
        Ok(Some(PositionCols { table, id: Header(t).required(column)? }))
    }

    /// The highest position over all these tables (0 when none).
    pub fn highest(&self) -> i64 {
        self.max.values().copied().max().unwrap_or(0)
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
    use std::borrow::Cow;
    use std::path::PathBuf;

    fn header(name: &str, cols: &[&str]) -> TableHeader {
        TableHeader {
            schema: "public".into(),
            name: name.into(),
            columns: cols.iter().map(|c| c.to_string()).collect(),
            source: PathBuf::from("d.sql"),
        }
    }

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
}
