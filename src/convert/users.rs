//! What the user-data areas (e2ee, account data, push, filters, presence,
//! notifications) know about the rest of the conversion: the accounts
//! decision ([`accounts::Accounts`](super::accounts::Accounts): which users
//! and devices are carried, which are deactivated) and the rooms each local
//! user is joined to (from current state). It is built from those typed
//! decisions, never from other areas' output rows, so keys, pushers and
//! account data follow the same choices (virtual hosts, the appservice's
//! `as_token` device …).

use std::collections::{BTreeMap, BTreeSet};

use super::accounts::Accounts;
use super::streams::Streams;
use super::Context;

pub struct UserContext {
    /// Server name and stream positions; [`Context::is_local`] is the one rule
    /// for "a user of this server".
    pub ctx: Context,
    /// MXIDs of the local accounts that are carried (deactivated ones included).
    pub users: BTreeSet<String>,
    /// (MXID, device ID) of every carried device.
    pub devices: BTreeSet<(String, String)>,
    /// Dendrite `session_id` → (MXID, device ID), carried devices only.
    pub session_devices: BTreeMap<i64, (String, String)>,
    /// MXID → rooms the user is joined to (current state).
    pub joined_rooms: BTreeMap<String, BTreeSet<String>>,
    /// Deactivated accounts: Synapse purges their account data, push rules,
    /// pushers and key backups on deactivation, so none are carried.
    pub deactivated: BTreeSet<String>,
    /// Rooms of `roomserver_rooms` that are not carried (damaged, `--skip-room`, …):
    /// users' data about them goes too, as Synapse's own purge of a room deletes it.
    pub left_out_rooms: BTreeSet<String>,
}

impl UserContext {
    pub fn new(
        ctx: &Context,
        accounts: &Accounts<'_>,
        joined_rooms: BTreeMap<String, BTreeSet<String>>,
        left_out_rooms: BTreeSet<String>,
    ) -> Self {
        let carried = &accounts.carried;
        let kept = &accounts.devices;
        UserContext {
            ctx: ctx.clone(),
            users: carried.iter().map(|c| c.user_id.clone()).collect(),
            devices: kept.iter().map(|d| (d.user_id.clone(), d.device_id.to_owned())).collect(),
            session_devices: kept
                .iter()
                .map(|d| (d.device.session_id, (d.user_id.clone(), d.device_id.to_owned())))
                .collect(),
            joined_rooms,
            deactivated: carried.iter().filter(|c| c.account.deactivated).map(|c| c.user_id.clone()).collect(),
            left_out_rooms,
        }
    }

    pub fn server_name(&self) -> &str {
        &self.ctx.server_name
    }

    /// Every stream id this area assigns lies above `streams.base` (the
    /// largest position of any Dendrite stream: a client's old since token
    /// then sees them as new); pushers start at `streams.live_max`, the end
    /// of imported history.
    pub fn streams(&self) -> &Streams {
        &self.ctx.streams
    }

    pub fn is_local(&self, user_id: &str) -> bool {
        self.ctx.is_local(user_id)
    }

    pub fn has_device(&self, user_id: &str, device_id: &str) -> bool {
        self.devices.contains(&(user_id.to_owned(), device_id.to_owned()))
    }
}
