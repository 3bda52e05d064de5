//! E2EE material of the key server and the user API: device keys, one-time
//! and fallback keys, cross-signing keys and their signatures, server-side
//! key backups (versions and sessions).
//!
//! Traps:
//! * The key tables hold local users (source) *and* remote users (a cache
//!   of what other servers told us). The loader keeps both; convert splits
//!   them by the user's server part and reports the cache it leaves behind.
//! * `keyserver_device_keys.key_json` is `''` for a device that has uploaded
//!   nothing yet (Dendrite writes a placeholder on device creation); it is
//!   kept as `None`, never as an empty JSON text.
//! * Key JSON is signed: it is kept as the exact text of the dump.
//! * `keyserver_cross_signing_keys.key_data` is only the public key; the key
//!   object is rebuilt in convert. A cross-signing *target* in
//!   `keyserver_cross_signing_sigs` is `ed25519:<pubkey>`; a device target is
//!   the bare device ID.
//! * `userapi_key_backups.version` is TEXT while the versions table's
//!   `version` is BIGINT; a non-numeric text is an error naming the row.
//! * `keyserver_fallback_keys` exists only in element-hq Dendrite ≥ 0.14.

use anyhow::{anyhow, Result};

use super::columns::{columns, Fields};
use crate::dump::Row;

pub struct DeviceKey {
    pub user_id: String,
    pub device_id: String,
    pub ts_added_secs: i64,
    /// The uploaded `device_keys` object, exactly as stored; `None` for the
    /// empty placeholder.
    pub key_json: Option<String>,
}

pub struct OneTimeKey {
    pub user_id: String,
    pub device_id: String,
    pub key_id: String,
    pub algorithm: String,
    pub ts_added_secs: i64,
    pub key_json: String,
}

pub struct FallbackKey {
    pub user_id: String,
    pub device_id: String,
    pub key_id: String,
    pub algorithm: String,
    pub key_json: String,
    pub used: bool,
}

/// `keyserver_cross_signing_keys.key_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CrossSigningKind {
    Master,
    SelfSigning,
    UserSigning,
}

impl CrossSigningKind {
    fn from_i64(n: i64) -> Result<Self> {
        match n {
            1 => Ok(CrossSigningKind::Master),
            2 => Ok(CrossSigningKind::SelfSigning),
            3 => Ok(CrossSigningKind::UserSigning),
            other => {
                Err(anyhow!("column \"key_type\": {other} is not 1 (master), 2 (self-signing) or 3 (user-signing)"))
            }
        }
    }

    /// Synapse's `keytype` and the `usage` of the key object.
    pub fn name(self) -> &'static str {
        match self {
            CrossSigningKind::Master => "master",
            CrossSigningKind::SelfSigning => "self_signing",
            CrossSigningKind::UserSigning => "user_signing",
        }
    }
}

pub struct CrossSigningKey {
    pub user_id: String,
    pub kind: CrossSigningKind,
    /// Unpadded base64 Ed25519 public key.
    pub public_key: String,
}

pub struct CrossSigningSig {
    pub origin_user_id: String,
    pub origin_key_id: String,
    pub target_user_id: String,
    /// `ed25519:<pubkey>` for a cross-signing key, the bare device ID for a device.
    pub target_key_id: String,
    pub signature: String,
}

pub struct BackupVersion {
    pub user_id: String,
    pub version: i64,
    pub algorithm: String,
    pub auth_data: String,
    pub etag: String,
    pub deleted: bool,
}

pub struct BackupSession {
    pub user_id: String,
    pub room_id: String,
    pub session_id: String,
    pub version: i64,
    pub first_message_index: i64,
    pub forwarded_count: i64,
    pub is_verified: bool,
    pub session_data: String,
}

#[derive(Default)]
pub struct Keys {
    pub device_keys: Vec<DeviceKey>,
    pub one_time_keys: Vec<OneTimeKey>,
    pub fallback_keys: Vec<FallbackKey>,
    /// Whether the dump has `keyserver_fallback_keys` at all (Dendrite ≥ 0.14).
    pub fallback_table_present: bool,
    pub cross_signing_keys: Vec<CrossSigningKey>,
    pub cross_signing_sigs: Vec<CrossSigningSig>,
    pub backup_versions: Vec<BackupVersion>,
    pub backup_sessions: Vec<BackupSession>,
}

impl Keys {
    /// Sorts every list by its natural key so convert iterates deterministically
    /// whatever order the dump had.
    pub fn finish(&mut self) {
        self.device_keys.sort_by(|a, b| (&a.user_id, &a.device_id).cmp(&(&b.user_id, &b.device_id)));
        self.one_time_keys.sort_by(|a, b| {
            (&a.user_id, &a.device_id, &a.algorithm, &a.key_id).cmp(&(
                &b.user_id,
                &b.device_id,
                &b.algorithm,
                &b.key_id,
            ))
        });
        self.fallback_keys.sort_by(|a, b| {
            (&a.user_id, &a.device_id, &a.algorithm, &a.key_id).cmp(&(
                &b.user_id,
                &b.device_id,
                &b.algorithm,
                &b.key_id,
            ))
        });
        self.cross_signing_keys.sort_by(|a, b| (&a.user_id, a.kind).cmp(&(&b.user_id, b.kind)));
        self.cross_signing_sigs.sort_by(|a, b| {
            (&a.origin_user_id, &a.origin_key_id, &a.target_user_id, &a.target_key_id).cmp(&(
                &b.origin_user_id,
                &b.origin_key_id,
                &b.target_user_id,
                &b.target_key_id,
            ))
        });
        self.backup_versions.sort_by(|a, b| (&a.user_id, a.version).cmp(&(&b.user_id, b.version)));
        self.backup_sessions.sort_by(|a, b| {
            (&a.user_id, a.version, &a.room_id, &a.session_id).cmp(&(&b.user_id, b.version, &b.room_id, &b.session_id))
        });
    }
}

columns! {
    pub struct DeviceKeyCols {
        user: required("user_id"),
        device: required("device_id"),
        ts: required("ts_added_secs"),
        json: required("key_json"),
    }
}

impl DeviceKeyCols {
    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        k.device_keys.push(DeviceKey {
            user_id: f.string(self.user)?,
            device_id: f.string(self.device)?,
            ts_added_secs: f.i64(self.ts)?,
            key_json: f.raw(self.json)?.filter(|s| !s.is_empty()).map(str::to_owned),
        });
        Ok(())
    }
}

columns! {
    pub struct OneTimeKeyCols {
        user: required("user_id"),
        device: required("device_id"),
        key_id: required("key_id"),
        algorithm: required("algorithm"),
        ts: required("ts_added_secs"),
        json: required("key_json"),
    }
}

impl OneTimeKeyCols {
    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        k.one_time_keys.push(OneTimeKey {
            user_id: f.string(self.user)?,
            device_id: f.string(self.device)?,
            key_id: f.string(self.key_id)?,
            algorithm: f.string(self.algorithm)?,
            ts_added_secs: f.i64(self.ts)?,
            key_json: f.string(self.json)?,
        });
        Ok(())
    }
}

columns! {
    pub struct FallbackKeyCols {
        user: required("user_id"),
        device: required("device_id"),
        key_id: required("key_id"),
        algorithm: required("algorithm"),
        json: required("key_json"),
        used: optional("used"),
    }
}

impl FallbackKeyCols {
    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        k.fallback_keys.push(FallbackKey {
            user_id: f.string(self.user)?,
            device_id: f.string(self.device)?,
            key_id: f.string(self.key_id)?,
            algorithm: f.string(self.algorithm)?,
            key_json: f.string(self.json)?,
            used: f.bool_or(self.used, false)?,
        });
        Ok(())
    }
}

columns! {
    pub struct CrossSigningKeyCols {
        user: required("user_id"),
        kind: required("key_type"),
        data: required("key_data"),
    }
}

impl CrossSigningKeyCols {
    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        k.cross_signing_keys.push(CrossSigningKey {
            user_id: f.string(self.user)?,
            kind: CrossSigningKind::from_i64(f.i64(self.kind)?)?,
            public_key: f.string(self.data)?,
        });
        Ok(())
    }
}

columns! {
    pub struct CrossSigningSigCols {
        origin_user: required("origin_user_id"),
        origin_key: required("origin_key_id"),
        target_user: required("target_user_id"),
        target_key: required("target_key_id"),
        signature: required("signature"),
    }
}

impl CrossSigningSigCols {
    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        k.cross_signing_sigs.push(CrossSigningSig {
            origin_user_id: f.string(self.origin_user)?,
            origin_key_id: f.string(self.origin_key)?,
            target_user_id: f.string(self.target_user)?,
            target_key_id: f.string(self.target_key)?,
            signature: f.string(self.signature)?,
        });
        Ok(())
    }
}

columns! {
    pub struct BackupVersionCols {
        user: required("user_id"),
        version: required("version"),
        algorithm: required("algorithm"),
        auth_data: required("auth_data"),
        etag: required("etag"),
        deleted: optional("deleted"),
    }
}

impl BackupVersionCols {
    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        k.backup_versions.push(BackupVersion {
            user_id: f.string(self.user)?,
            version: f.i64(self.version)?,
            algorithm: f.string(self.algorithm)?,
            auth_data: f.string(self.auth_data)?,
            etag: f.string(self.etag)?,
            // SMALLINT 0/1 in Dendrite's schema.
            deleted: f.opt_i64(self.deleted)?.unwrap_or(0) != 0,
        });
        Ok(())
    }
}

columns! {
    pub struct BackupSessionCols {
        user: required("user_id"),
        room: required("room_id"),
        session: required("session_id"),
        version: required("version"),
        first_index: required("first_message_index"),
        forwarded: required("forwarded_count"),
        verified: required("is_verified"),
        data: required("session_data"),
    }
}

impl BackupSessionCols {
    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        k.backup_sessions.push(BackupSession {
            user_id: f.string(self.user)?,
            room_id: f.string(self.room)?,
            session_id: f.string(self.session)?,
            // TEXT in Dendrite; the same number as the versions table's BIGINT.
            version: f.i64(self.version)?,
            first_message_index: f.i64(self.first_index)?,
            forwarded_count: f.i64(self.forwarded)?,
            is_verified: f.bool(self.verified)?,
            session_data: f.string(self.data)?,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dendrite::columns::test_header as header;
    use std::borrow::Cow;

    fn row<'a>(fields: &'a [Option<Cow<'a, str>>]) -> Row<'a> {
        Row { number: 1, fields }
    }

    fn s(v: &str) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(v))
    }

    #[test]
    fn empty_device_key_json_is_a_placeholder_and_columns_go_by_name() {
        // Columns in another order than a fresh schema's.
        let t = header(
            "keyserver_device_keys",
            &["display_name", "key_json", "stream_id", "ts_added_secs", "device_id", "user_id"],
        );
        let c = DeviceKeyCols::bind(&t).unwrap();
        let mut k = Keys::default();
        c.load(&mut k, &row(&[None, s(""), s("1"), s("17"), s("DEV"), s("@a:s")])).unwrap();
        c.load(&mut k, &row(&[s("phone"), s("{\"a\": 1}"), s("2"), s("18"), s("D2"), s("@a:s")])).unwrap();
        assert_eq!(k.device_keys[0].key_json, None);
        assert_eq!(k.device_keys[0].ts_added_secs, 17);
        assert_eq!(k.device_keys[1].key_json.as_deref(), Some("{\"a\": 1}"));
    }

    #[test]
    fn cross_signing_key_type_outside_1_to_3_is_an_error() {
        let t = header("keyserver_cross_signing_keys", &["user_id", "key_type", "key_data"]);
        let c = CrossSigningKeyCols::bind(&t).unwrap();
        let mut k = Keys::default();
        let err = c.load(&mut k, &row(&[s("@a:s"), s("4"), s("K")])).unwrap_err().to_string();
        assert!(err.contains("key_type") && err.contains('4'), "{err}");
        c.load(&mut k, &row(&[s("@a:s"), s("3"), s("K")])).unwrap();
        assert_eq!(k.cross_signing_keys[0].kind, CrossSigningKind::UserSigning);
    }

    #[test]
    fn backup_session_version_is_text_holding_a_number() {
        let t = header(
            "userapi_key_backups",
            &[
                "user_id",
                "room_id",
                "session_id",
                "version",
                "first_message_index",
                "forwarded_count",
                "is_verified",
                "session_data",
            ],
        );
        let c = BackupSessionCols::bind(&t).unwrap();
        let mut k = Keys::default();
        c.load(&mut k, &row(&[s("@a:s"), s("!r"), s("S"), s("12"), s("0"), s("1"), s("t"), s("{}")])).unwrap();
        assert_eq!(k.backup_sessions[0].version, 12);
        assert!(k.backup_sessions[0].is_verified);
        let err =
            c.load(&mut k, &row(&[s("@a:s"), s("!r"), s("S"), s("v1"), s("0"), s("1"), s("t"), s("{}")])).unwrap_err();
        assert!(err.to_string().contains("\"version\""), "{err}");
    }
}
