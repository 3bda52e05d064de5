//! End-to-end encryption keys: `keyserver_device_keys`,
//! `keyserver_one_time_keys`, `keyserver_fallback_keys` (element-hq ≥ v0.14
//! only), `keyserver_cross_signing_keys`, `keyserver_cross_signing_sigs` and
//! `keyserver_key_changes`.
//!
//! These tables hold local users' keys (to carry) and remote users' keys
//! (a cache); convert tells them apart by the user ID's server. JSON is kept
//! as stored. Traps: `key_json = ''` means a device that uploaded no keys yet;
//! a cross-signing key row holds only the bare public key; a signature whose
//! target is a device names the bare device ID, one whose target is a
//! cross-signing key names `ed25519:<key>` (Synapse wants the bare key).

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

pub struct DeviceKeys {
    pub ts_added_secs: i64,
    /// The uploaded `device_keys` object; `None` when Dendrite stored `''`.
    pub key_json: Option<String>,
    pub stream_id: i64,
    pub display_name: Option<String>,
}

pub struct OneTimeKey {
    pub ts_added_secs: i64,
    pub key_json: String,
}

pub struct FallbackKey {
    pub ts_added_secs: i64,
    pub key_json: String,
    pub used: bool,
}

/// `keyserver_cross_signing_keys.key_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CrossSigningType {
    Master,
    SelfSigning,
    UserSigning,
    Other(i64),
}

impl CrossSigningType {
    fn from_i64(n: i64) -> Self {
        match n {
            1 => CrossSigningType::Master,
            2 => CrossSigningType::SelfSigning,
            3 => CrossSigningType::UserSigning,
            other => CrossSigningType::Other(other),
        }
    }
}

/// (user ID, device ID).
pub type DeviceKey = (String, String);

#[derive(Default)]
pub struct Keys {
    pub device_keys: BTreeMap<DeviceKey, DeviceKeys>,
    /// (user, device, algorithm, key ID) → key.
    pub one_time_keys: BTreeMap<(String, String, String, String), OneTimeKey>,
    /// (user, device, algorithm, key ID) → key.
    pub fallback_keys: BTreeMap<(String, String, String, String), FallbackKey>,
    /// (user, type) → unpadded base64 public key.
    pub cross_signing_keys: BTreeMap<(String, CrossSigningType), String>,
    /// (origin user, origin key ID, target user, target key ID) → signature.
    pub cross_signing_sigs: BTreeMap<(String, String, String, String), String>,
    /// user → device-list change position.
    pub key_changes: BTreeMap<String, i64>,
}

pub struct DeviceKeyCols {
    user: Col,
    device: Col,
    ts: Col,
    json: Col,
    stream: Option<Col>,
    name: Option<Col>,
}

impl DeviceKeyCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(DeviceKeyCols {
            user: h.required("user_id")?,
            device: h.required("device_id")?,
            ts: h.required("ts_added_secs")?,
            json: h.required("key_json")?,
            stream: h.optional("stream_id"),
            name: h.optional("display_name"),
        })
    }

    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        let keys = DeviceKeys {
            ts_added_secs: f.i64(self.ts)?,
            key_json: Some(f.string(self.json)?).filter(|j| !j.is_empty()),
            stream_id: f.opt_i64(self.stream)?.unwrap_or(0),
            display_name: f.opt_string(self.name)?,
        };
        k.device_keys.insert((f.string(self.user)?, f.string(self.device)?), keys);
        Ok(())
    }
}

/// One-time and fallback keys share their key columns.
pub struct OneTimeCols {
    user: Col,
    device: Col,
    key_id: Col,
    algorithm: Col,
    ts: Col,
    json: Col,
    used: Option<Col>,
    fallback: bool,
}

impl OneTimeCols {
    pub fn bind(t: &TableHeader, fallback: bool) -> Result<Self> {
        let h = Header(t);
        Ok(OneTimeCols {
            user: h.required("user_id")?,
            device: h.required("device_id")?,
            key_id: h.required("key_id")?,
            algorithm: h.required("algorithm")?,
            ts: h.required("ts_added_secs")?,
            json: h.required("key_json")?,
            used: h.optional("used"),
            fallback,
        })
    }

    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        let id = (f.string(self.user)?, f.string(self.device)?, f.string(self.algorithm)?, f.string(self.key_id)?);
        let (ts_added_secs, key_json) = (f.i64(self.ts)?, f.string(self.json)?);
        if self.fallback {
            let used = f.bool_or(self.used, false)?;
            k.fallback_keys.insert(id, FallbackKey { ts_added_secs, key_json, used });
        } else {
            k.one_time_keys.insert(id, OneTimeKey { ts_added_secs, key_json });
        }
        Ok(())
    }
}

pub struct CrossSigningKeyCols {
    user: Col,
    kind: Col,
    data: Col,
}

impl CrossSigningKeyCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(CrossSigningKeyCols { user: h.required("user_id")?, kind: h.required("key_type")?, data: h.required("key_data")? })
    }

    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        let kind = CrossSigningType::from_i64(f.i64(self.kind)?);
        k.cross_signing_keys.insert((f.string(self.user)?, kind), f.string(self.data)?);
        Ok(())
    }
}

pub struct CrossSigningSigCols {
    origin_user: Col,
    origin_key: Col,
    target_user: Col,
    target_key: Col,
    signature: Col,
}

impl CrossSigningSigCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(CrossSigningSigCols {
            origin_user: h.required("origin_user_id")?,
            origin_key: h.required("origin_key_id")?,
            target_user: h.required("target_user_id")?,
            target_key: h.required("target_key_id")?,
            signature: h.required("signature")?,
        })
    }

    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        let id = (
            f.string(self.origin_user)?,
            f.string(self.origin_key)?,
            f.string(self.target_user)?,
            f.string(self.target_key)?,
        );
        k.cross_signing_sigs.insert(id, f.string(self.signature)?);
        Ok(())
    }
}

pub struct KeyChangeCols {
    id: Col,
    user: Col,
}

impl KeyChangeCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(KeyChangeCols { id: h.required("change_id")?, user: h.required("user_id")? })
    }

    pub fn load(&self, k: &mut Keys, row: &Row) -> Result<()> {
        let f = Fields(row);
        k.key_changes.insert(f.string(self.user)?, f.i64(self.id)?);
        Ok(())
    }
}
