//! Account data: `userapi_account_datas` (the content: push rules, m.direct,
//! ignore lists, tags, read markers …) and `syncapi_account_data_type` (the
//! stream position of each entry's last change, by full user ID).
//! Global entries have room `''` (older rows may hold NULL).

use std::collections::BTreeMap;

use anyhow::Result;

use super::accounts::UserKey;
use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

#[derive(Default)]
pub struct AccountData {
    /// (user, room ID or `''`, type) → JSON content as stored.
    pub entries: BTreeMap<(UserKey, String, String), String>,
    /// (full user ID, room ID or `''`, type) → sync stream position.
    pub positions: BTreeMap<(String, String, String), i64>,
}

pub struct DataCols {
    localpart: Col,
    server: Option<Col>,
    room: Option<Col>,
    kind: Col,
    content: Col,
}

impl DataCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(DataCols {
            localpart: h.required("localpart")?,
            server: h.optional("server_name"),
            room: h.optional("room_id"),
            kind: h.required("type")?,
            content: h.required("content")?,
        })
    }

    pub fn load(&self, a: &mut AccountData, row: &Row) -> Result<()> {
        let f = Fields(row);
        let user = (f.string(self.localpart)?, f.opt_string(self.server)?);
        let room = f.opt_string(self.room)?.unwrap_or_default();
        a.entries.insert((user, room, f.string(self.kind)?), f.string(self.content)?);
        Ok(())
    }
}

pub struct PositionCols {
    id: Col,
    user: Col,
    room: Col,
    kind: Col,
}

impl PositionCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(PositionCols {
            id: h.required("id")?,
            user: h.required("user_id")?,
            room: h.required("room_id")?,
            kind: h.required("type")?,
        })
    }

    pub fn load(&self, a: &mut AccountData, row: &Row) -> Result<()> {
        let f = Fields(row);
        let key = (f.string(self.user)?, f.string(self.room)?, f.string(self.kind)?);
        a.positions.insert(key, f.i64(self.id)?);
        Ok(())
    }
}
