//! Accounts and sessions: `userapi_accounts`, `userapi_profiles`,
//! `userapi_devices` (one row per device *and* access token) and
//! `userapi_threepids`.
//!
//! `server_name` columns exist since Dendrite v0.10.8; rows of older databases
//! read as `None` (= the server's own name). Keys are (localpart, server name)
//! as Dendrite's unique indexes are.

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{columns, Col, Fields};
use crate::dump::Row;

/// `userapi_accounts.account_type` (`userapi/api/api.go`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountType {
    User,
    Guest,
    Admin,
    AppService,
    Other(i64),
}

impl AccountType {
    fn from_i64(n: i64) -> AccountType {
        match n {
            1 => AccountType::User,
            2 => AccountType::Guest,
            3 => AccountType::Admin,
            4 => AccountType::AppService,
            other => AccountType::Other(other),
        }
    }
}

/// (localpart, server name); the server name is `None` on databases older
/// than the virtual-hosting columns.
pub type UserKey = (String, Option<String>);

pub struct Account {
    pub created_ts: i64,
    /// bcrypt hash; `None` for password-less accounts (Dendrite writes `''`).
    pub password_hash: Option<String>,
    pub appservice_id: Option<String>,
    pub deactivated: bool,
    pub account_type: AccountType,
}

pub struct Profile {
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
}

pub struct Device {
    pub access_token: String,
    pub session_id: i64,
    pub display_name: Option<String>,
    pub last_seen_ts: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub struct Threepid {
    pub medium: String,
    pub address: String,
}

#[derive(Default)]
pub struct Accounts {
    pub accounts: BTreeMap<UserKey, Account>,
    pub profiles: BTreeMap<UserKey, Profile>,
    /// (user, device ID) → device.
    pub devices: BTreeMap<(UserKey, String), Device>,
    pub threepids: BTreeMap<UserKey, Vec<Threepid>>,
}

columns! {
    pub struct AccountCols {
        localpart: required("localpart"),
        server: optional("server_name"),
        created: required("created_ts"),
        hash: optional("password_hash"),
        appservice: optional("appservice_id"),
        deactivated: optional("is_deactivated"),
        kind: optional("account_type"),
    }
}

impl AccountCols {
    pub fn load(&self, a: &mut Accounts, row: &Row) -> Result<()> {
        let f = Fields(row);
        let appservice_id = f.opt_string(self.appservice)?;
        // account_type arrived in v0.6.4; before that appservice users were
        // the ones with an appservice_id.
        let default_kind = if appservice_id.is_some() { 4 } else { 1 };
        let account = Account {
            created_ts: f.i64(self.created)?,
            password_hash: f.opt_string(self.hash)?.filter(|h| !h.is_empty()),
            appservice_id,
            deactivated: f.bool_or(self.deactivated, false)?,
            account_type: AccountType::from_i64(f.opt_i64(self.kind)?.unwrap_or(default_kind)),
        };
        a.accounts.insert(user_key(&f, self.localpart, self.server)?, account);
        Ok(())
    }
}

fn user_key(f: &Fields, localpart: Col, server: Option<Col>) -> Result<UserKey> {
    Ok((f.string(localpart)?, f.opt_string(server)?))
}

columns! {
    pub struct ProfileCols {
        localpart: required("localpart"),
        server: optional("server_name"),
        name: optional("display_name"),
        avatar: optional("avatar_url"),
    }
}

impl ProfileCols {
    pub fn load(&self, a: &mut Accounts, row: &Row) -> Result<()> {
        let f = Fields(row);
        let p = Profile { display_name: f.opt_string(self.name)?, avatar_url: f.opt_string(self.avatar)? };
        a.profiles.insert(user_key(&f, self.localpart, self.server)?, p);
        Ok(())
    }
}

columns! {
    pub struct DeviceCols {
        token: required("access_token"),
        session: required("session_id"),
        device: required("device_id"),
        localpart: required("localpart"),
        server: optional("server_name"),
        created: required("created_ts"),
        name: optional("display_name"),
        last_seen: optional("last_seen_ts"),
        ip: optional("ip"),
        agent: optional("user_agent"),
    }
}

impl DeviceCols {
    pub fn load(&self, a: &mut Accounts, row: &Row) -> Result<()> {
        let f = Fields(row);
        let created_ts = f.i64(self.created)?;
        let d = Device {
            access_token: f.string(self.token)?,
            session_id: f.i64(self.session)?,
            display_name: f.opt_string(self.name)?,
            last_seen_ts: f.opt_i64(self.last_seen)?.unwrap_or(created_ts),
            ip: f.opt_string(self.ip)?,
            user_agent: f.opt_string(self.agent)?,
        };
        let user = user_key(&f, self.localpart, self.server)?;
        a.devices.insert((user, f.string(self.device)?), d);
        Ok(())
    }
}

columns! {
    pub struct ThreepidCols {
        address: required("threepid"),
        medium: optional("medium"),
        localpart: required("localpart"),
        server: optional("server_name"),
    }
}

impl ThreepidCols {
    pub fn load(&self, a: &mut Accounts, row: &Row) -> Result<()> {
        let f = Fields(row);
        let t = Threepid {
            medium: f.opt_string(self.medium)?.unwrap_or_else(|| "email".into()),
            address: f.string(self.address)?,
        };
        a.threepids.entry(user_key(&f, self.localpart, self.server)?).or_default().push(t);
        Ok(())
    }
}
