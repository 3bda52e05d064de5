//! Server-side key backups: `userapi_key_backup_versions` and
//! `userapi_key_backups`. A version's `deleted = 1` is a soft delete whose
//! sessions stay behind; convert skips those sessions. Sessions name their
//! version as a decimal string.

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

pub struct BackupVersion {
    pub algorithm: String,
    pub auth_data: String,
    pub etag: String,
    pub deleted: bool,
}

pub struct BackupSession {
    pub first_message_index: i64,
    pub forwarded_count: i64,
    pub is_verified: bool,
    pub session_data: String,
}

#[derive(Default)]
pub struct Backups {
    /// (user ID, version) → version.
    pub versions: BTreeMap<(String, i64), BackupVersion>,
    /// (user ID, version as stored, room ID, session ID) → session.
    pub sessions: BTreeMap<(String, String, String, String), BackupSession>,
}

pub struct VersionCols {
    user: Col,
    version: Col,
    algorithm: Col,
    auth_data: Col,
    etag: Option<Col>,
    deleted: Option<Col>,
}

impl VersionCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(VersionCols {
            user: h.required("user_id")?,
            version: h.required("version")?,
            algorithm: h.required("algorithm")?,
            auth_data: h.required("auth_data")?,
            etag: h.optional("etag"),
            deleted: h.optional("deleted"),
        })
    }

    pub fn load(&self, b: &mut Backups, row: &Row) -> Result<()> {
        let f = Fields(row);
        let v = BackupVersion {
            algorithm: f.string(self.algorithm)?,
            auth_data: f.string(self.auth_data)?,
            etag: f.opt_string(self.etag)?.unwrap_or_else(|| "0".into()),
            deleted: f.opt_i64(self.deleted)?.unwrap_or(0) != 0,
        };
        b.versions.insert((f.string(self.user)?, f.i64(self.version)?), v);
        Ok(())
    }
}

pub struct SessionCols {
    user: Col,
    room: Col,
    session: Col,
    version: Col,
    first: Col,
    forwarded: Col,
    verified: Col,
    data: Col,
}

impl SessionCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(SessionCols {
            user: h.required("user_id")?,
            room: h.required("room_id")?,
            session: h.required("session_id")?,
            version: h.required("version")?,
            first: h.required("first_message_index")?,
            forwarded: h.required("forwarded_count")?,
            verified: h.required("is_verified")?,
            data: h.required("session_data")?,
        })
    }

    pub fn load(&self, b: &mut Backups, row: &Row) -> Result<()> {
        let f = Fields(row);
        let s = BackupSession {
            first_message_index: f.i64(self.first)?,
            forwarded_count: f.i64(self.forwarded)?,
            is_verified: f.bool(self.verified)?,
            session_data: f.string(self.data)?,
        };
        let id = (f.string(self.user)?, f.string(self.version)?, f.string(self.room)?, f.string(self.session)?);
        b.sessions.insert(id, s);
        Ok(())
    }
}
