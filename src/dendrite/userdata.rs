//! What users keep besides rooms and accounts: E2EE material, account data,
//! pushers, filters, presence and registration tokens. One area of the model,
//! fed by the top-level loader through [`Bound`].

use anyhow::Result;

use super::{account_data, filters, keys, notifications, presence, push, tokens};
use crate::dump::{Row, TableHeader};

#[derive(Default)]
pub struct UserData {
    pub keys: keys::Keys,
    pub account_data: account_data::AccountData,
    pub pushers: push::Pushers,
    pub filters: filters::Filters,
    pub presence: presence::PresenceData,
    pub tokens: tokens::RegistrationTokens,
    pub notifications: notifications::Notifications,
}

impl UserData {
    /// Sorts what the loaders gathered (dump order is not a stable order).
    pub fn finish(&mut self) {
        self.keys.finish();
        self.account_data.finish();
        self.pushers.finish();
        self.filters.finish();
        self.presence.finish();
        self.tokens.finish();
        self.notifications.finish();
    }
}

/// A table of this area, with its columns bound.
pub enum Bound {
    DeviceKeys(keys::DeviceKeyCols),
    OneTimeKeys(keys::OneTimeKeyCols),
    FallbackKeys(keys::FallbackKeyCols),
    CrossSigningKeys(keys::CrossSigningKeyCols),
    CrossSigningSigs(keys::CrossSigningSigCols),
    BackupVersions(keys::BackupVersionCols),
    BackupSessions(keys::BackupSessionCols),
    AccountData(account_data::AccountDataCols),
    Pushers(push::PusherCols),
    Filters(filters::FilterCols),
    Presence(presence::PresenceCols),
    Tokens(tokens::TokenCols),
    Notifications(notifications::NotificationCols),
}

impl Bound {
    /// `None` for a table this area does not read.
    pub fn bind(t: &TableHeader) -> Result<Option<Bound>> {
        Ok(Some(match t.name.as_str() {
            "keyserver_device_keys" => Bound::DeviceKeys(keys::DeviceKeyCols::bind(t)?),
            "keyserver_one_time_keys" => Bound::OneTimeKeys(keys::OneTimeKeyCols::bind(t)?),
            "keyserver_fallback_keys" => Bound::FallbackKeys(keys::FallbackKeyCols::bind(t)?),
            "keyserver_cross_signing_keys" => Bound::CrossSigningKeys(keys::CrossSigningKeyCols::bind(t)?),
            "keyserver_cross_signing_sigs" => Bound::CrossSigningSigs(keys::CrossSigningSigCols::bind(t)?),
            "userapi_key_backup_versions" => Bound::BackupVersions(keys::BackupVersionCols::bind(t)?),
            "userapi_key_backups" => Bound::BackupSessions(keys::BackupSessionCols::bind(t)?),
            "userapi_account_datas" => Bound::AccountData(account_data::AccountDataCols::bind(t)?),
            "userapi_pushers" => Bound::Pushers(push::PusherCols::bind(t)?),
            "syncapi_filter" => Bound::Filters(filters::FilterCols::bind(t)?),
            "syncapi_presence" => Bound::Presence(presence::PresenceCols::bind(t)?),
            "userapi_registration_tokens" => Bound::Tokens(tokens::TokenCols::bind(t)?),
            "userapi_notifications" => Bound::Notifications(notifications::NotificationCols::bind(t)?),
            _ => return Ok(None),
        }))
    }

    /// Called once per bound table, before its rows.
    pub fn start(&self, u: &mut UserData) {
        if let Bound::FallbackKeys(_) = self {
            u.keys.fallback_table_present = true;
        }
    }

    pub fn load(&self, u: &mut UserData, row: &Row) -> Result<()> {
        match self {
            Bound::DeviceKeys(c) => c.load(&mut u.keys, row),
            Bound::OneTimeKeys(c) => c.load(&mut u.keys, row),
            Bound::FallbackKeys(c) => c.load(&mut u.keys, row),
            Bound::CrossSigningKeys(c) => c.load(&mut u.keys, row),
            Bound::CrossSigningSigs(c) => c.load(&mut u.keys, row),
            Bound::BackupVersions(c) => c.load(&mut u.keys, row),
            Bound::BackupSessions(c) => c.load(&mut u.keys, row),
            Bound::AccountData(c) => c.load(&mut u.account_data, row),
            Bound::Pushers(c) => c.load(&mut u.pushers, row),
            Bound::Filters(c) => c.load(&mut u.filters, row),
            Bound::Presence(c) => c.load(&mut u.presence, row),
            Bound::Tokens(c) => c.load(&mut u.tokens, row),
            Bound::Notifications(c) => c.load(&mut u.notifications, row),
        }
    }
}

impl UserData {
    /// The largest position of `syncapi_presence` (a stream clients hold in
    /// their since tokens; the other position tables are read by
    /// dendrite/positions.rs).
    pub fn max_presence_position(&self) -> i64 {
        self.presence.max_presence_position
    }
}
