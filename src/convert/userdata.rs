//! Everything users keep besides rooms and accounts, in one call for the
//! orchestrator: E2EE material (e2ee.rs), account data (account_data.rs),
//! push rules and pushers (push.rs), filters, presence and registration
//! tokens (user_extras.rs).
//!
//! The tables come back in an order the writer can load as they are (the
//! hidden cross-signing devices go into `devices`, which accounts conversion
//! fills first).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use super::e2ee::{self, QueuedMessage};
use super::report::Skipped;
use super::streams::Streams;
use super::table::Table;
use super::{account_data, push, user_extras, Context};
use crate::dendrite::Model;
use crate::synapse::Value;

/// What this area needs to know about the rest of the conversion.
pub struct UserContext {
    pub server_name: String,
    /// Every stream id this area assigns lies above `streams.base` (the
    /// largest position of any Dendrite stream; design.md, old since tokens);
    /// pushers start at `streams.live_max`, the end of imported history.
    pub streams: Streams,
    /// MXIDs of the local accounts that are carried.
    pub users: BTreeSet<String>,
    /// (MXID, device ID) of every carried device.
    pub devices: BTreeSet<(String, String)>,
    /// Dendrite `session_id` → (MXID, device ID), carried devices only.
    pub session_devices: BTreeMap<i64, (String, String)>,
    /// MXID → rooms the user is joined to (from `local_current_membership`).
    pub joined_rooms: BTreeMap<String, BTreeSet<String>>,
    /// Deactivated accounts: Synapse purges their account data, push rules,
    /// pushers and key backups on deactivation, so none are carried.
    pub deactivated: BTreeSet<String>,
}

impl UserContext {
    /// The accounts and devices that accounts conversion wrote (its `users`
    /// and `devices` tables), so keys, pushers and account data follow the
    /// same choices (virtual hosts, the appservice's `as_token` device …).
    pub fn new(model: &Model, ctx: &Context, written: &[Table<'_>]) -> UserContext {
        let text = |v: &Value| match v {
            Value::Text(s) => s.to_string(),
            _ => String::new(),
        };
        let column = |t: &Table, name: &str| t.columns.iter().position(|c| *c == name);
        let mut users = BTreeSet::new();
        let mut devices = BTreeSet::new();
        let mut joined_rooms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut deactivated = BTreeSet::new();
        for t in written {
            match (t.name, column(t, "name"), column(t, "user_id"), column(t, "device_id")) {
                ("users", Some(n), _, _) => {
                    users.extend(t.rows.iter().map(|r| text(&r[n])));
                    if let Some(d) = column(t, "deactivated") {
                        deactivated.extend(t.rows.iter().filter(|r| r[d] == Value::Int(1)).map(|r| text(&r[n])));
                    }
                }
                ("devices", _, Some(u), Some(d)) => devices.extend(t.rows.iter().map(|r| (text(&r[u]), text(&r[d])))),
                ("local_current_membership", _, Some(u), _) => {
                    let (Some(room), Some(m)) = (column(t, "room_id"), column(t, "membership")) else { continue };
                    for r in t.rows.iter().filter(|r| text(&r[m]) == "join") {
                        joined_rooms.entry(text(&r[u])).or_default().insert(text(&r[room]));
                    }
                }
                _ => {}
            }
        }
        let mut session_devices = BTreeMap::new();
        for ((key, device_id), d) in &model.accounts.devices {
            if let Some(user) = ctx.user_id(key) {
                let k = (user, device_id.clone());
                if devices.contains(&k) {
                    session_devices.insert(d.session_id, k);
                }
            }
        }
        UserContext {
            server_name: ctx.server_name.clone(),
            streams: ctx.streams,
            users,
            devices,
            session_devices,
            joined_rooms,
            deactivated,
        }
    }

    pub fn is_local(&self, user_id: &str) -> bool {
        user_id.split_once(':').is_some_and(|(_, server)| server == self.server_name)
    }

    pub fn has_device(&self, user_id: &str, device_id: &str) -> bool {
        self.devices.contains(&(user_id.to_owned(), device_id.to_owned()))
    }
}

pub fn convert<'a>(model: &'a Model, ctx: &UserContext, skipped: &mut Skipped) -> Result<Vec<Table<'a>>> {
    let u = &model.user;
    let queue = queue(model);
    let mut tables = e2ee::convert(&u.keys, &queue, ctx, skipped)?.tables;
    tables.extend(account_data::convert(&u.account_data, ctx, skipped).into_tables());
    let rules = push::convert_rules(&u.account_data, ctx, skipped)?;
    tables.extend([rules.push_rules, rules.push_rules_enable, rules.push_rules_stream]);
    tables.push(push::convert_pushers(&u.pushers, ctx, skipped));
    tables.push(user_extras::filters(&u.filters, ctx, skipped));
    tables.push(user_extras::presence(&u.presence, ctx, skipped));
    tables.push(user_extras::registration_tokens(&u.tokens));
    Ok(tables)
}

/// The model's undelivered to-device messages, as e2ee.rs takes them.
pub fn queue(m: &Model) -> Vec<QueuedMessage<'_>> {
    m.sync
        .to_device
        .iter()
        .map(|t| QueuedMessage { id: t.id, user_id: &t.user_id, device_id: &t.device_id, content: &t.content })
        .collect()
}

#[cfg(test)]
#[path = "userdata_tests.rs"]
mod tests;
