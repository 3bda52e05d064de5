//! Account data (`userapi_account_datas`): one row per (user, room or `''`,
//! type) with the content JSON exactly as the client sent it, including the
//! user's complete push-rule set (`m.push_rules`), tags (`m.tag`), the ignore
//! list and read markers.
//!
//! Traps: `room_id` is `''` for global data but nullable in the schema (NULL
//! is read as global too); `server_name` is absent before Dendrite v0.10.8.

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
}

#[derive(Default)]
pub struct AccountData {
    pub rows: Vec<AccountDataRow>,
}

impl AccountData {
    pub fn finish(&mut self) {
        self.rows.sort_by(|a, b| {
            (&a.localpart, &a.server_name, &a.room_id, &a.data_type).cmp(&(
                &b.localpart,
                &b.server_name,
                &b.room_id,
                &b.data_type,
            ))
        });
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
        });
        Ok(())
    }
}
