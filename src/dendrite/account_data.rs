//! Account data (`userapi_account_datas`): one row per (user, room or `''`,
//! type) with the content JSON exactly as the client sent it, including the
//! user's complete push-rule set (`m.push_rules`), tags (`m.tag`), the ignore
//! list and read markers.
//!
//! Traps: `room_id` is `''` for global data but nullable in the schema (NULL
//! is read as global too); `server_name` is absent before Dendrite v0.10.8.
//! The unique index over (localpart, server_name, room_id, type) treats NULLs
//! as distinct, so a NULL row can sit next to the `''` row of the same type:
//! both read as the same global entry. [`AccountData::finish`] keeps the `''`
//! row (the one Dendrite's by-type lookup, `room_id = ''`, reads) and counts
//! the other in `duplicates`.

use anyhow::Result;

use super::columns::{columns, Fields};
use crate::dump::Row;

pub struct AccountDataRow {
    pub localpart: String,
    /// `None` on databases older than the virtual-hosting columns.
    pub server_name: Option<String>,
    /// `None` for global account data.
    pub room_id: Option<String>,
    pub data_type: String,
    pub content: String,
    /// The row's `room_id` was NULL (not `''`): read as global.
    pub room_was_null: bool,
}

#[derive(Default)]
pub struct AccountData {
    pub rows: Vec<AccountDataRow>,
    /// Rows left out as a second row for the same (user, room, type): see the module comment.
    pub duplicates: Vec<AccountDataRow>,
}

impl AccountData {
    pub fn finish(&mut self) {
        // Same key together, the `''` row (room_was_null = false) first.
        self.rows.sort_by(|a, b| {
            (&a.localpart, &a.server_name, &a.room_id, &a.data_type, a.room_was_null).cmp(&(
                &b.localpart,
                &b.server_name,
                &b.room_id,
                &b.data_type,
                b.room_was_null,
            ))
        });
        let same = |a: &AccountDataRow, b: &AccountDataRow| {
            (&a.localpart, &a.server_name, &a.room_id, &a.data_type)
                == (&b.localpart, &b.server_name, &b.room_id, &b.data_type)
        };
        let mut kept: Vec<AccountDataRow> = Vec::with_capacity(self.rows.len());
        for r in std::mem::take(&mut self.rows) {
            match kept.last() {
                Some(k) if same(k, &r) => self.duplicates.push(r),
                _ => kept.push(r),
            }
        }
        self.rows = kept;
    }
}

columns! {
    pub struct AccountDataCols {
        localpart: required("localpart"),
        server: optional("server_name"),
        room: optional("room_id"),
        kind: required("type"),
        content: required("content"),
    }
}

impl AccountDataCols {
    pub fn load(&self, a: &mut AccountData, row: &Row) -> Result<()> {
        let f = Fields(row);
        a.rows.push(AccountDataRow {
            localpart: f.string(self.localpart)?,
            server_name: f.opt_string(self.server)?,
            room_id: f.opt_str(self.room)?.filter(|r| !r.is_empty()).map(str::to_owned),
            data_type: f.string(self.kind)?,
            content: f.string(self.content)?,
            room_was_null: f.opt_str(self.room)?.is_none() && self.room.is_some(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(room: Option<&str>, null: bool, content: &str) -> AccountDataRow {
        AccountDataRow {
            localpart: "alice".into(),
            server_name: Some("example.org".into()),
            room_id: room.map(str::to_owned),
            data_type: "m.direct".into(),
            content: content.into(),
            room_was_null: null,
        }
    }

    #[test]
    fn a_null_room_row_next_to_the_empty_one_is_a_duplicate_and_the_empty_one_wins() {
        // Loaded NULL first: the order in the dump must not decide.
        let mut a =
            AccountData { rows: vec![row(None, true, "null"), row(None, false, "empty")], ..Default::default() };
        a.finish();
        assert_eq!(a.rows.iter().map(|r| r.content.as_str()).collect::<Vec<_>>(), ["empty"]);
        assert_eq!(a.duplicates.iter().map(|r| r.content.as_str()).collect::<Vec<_>>(), ["null"]);
    }

    #[test]
    fn distinct_rooms_and_types_are_all_kept() {
        let mut a =
            AccountData { rows: vec![row(None, false, "g"), row(Some("!r:x"), false, "r")], ..Default::default() };
        a.finish();
        assert_eq!(a.rows.len(), 2);
        assert!(a.duplicates.is_empty());
    }
}
