//! Account data → Synapse.
//!
//! Dendrite keeps every kind of account data in one table; Synapse splits it:
//! * global data → `account_data`, per-room data → `room_account_data`,
//!   content copied as Dendrite stored it;
//! * `m.tag` → one `room_tags` row per tag plus a `room_tags_revisions` row
//!   per (user, room) — Synapse builds the `m.tag` event from those and never
//!   reads `room_account_data` for it;
//! * `m.ignored_user_list` → `account_data` *and* `ignored_users` (Synapse's
//!   derived copy, read when filtering events);
//! * `m.push_rules` → the push-rule tables (push.rs), never account data.
//!
//! All three account-data tables share one stream; ids start above every
//! Dendrite stream position, so a client resuming with an old since token
//! receives its account data once more rather than never.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::e2ee::INSTANCE;
use super::report::Skipped;
use super::streams::Counter;
use super::table::Table;
use super::userdata::UserContext;
use crate::dendrite::account_data::{AccountData, AccountDataRow};
use crate::synapse::Value;

pub const PUSH_RULES: &str = "m.push_rules";

pub struct Converted<'a> {
    pub account_data: Table<'a>,
    pub room_account_data: Table<'a>,
    pub room_tags: Table<'a>,
    pub room_tags_revisions: Table<'a>,
    pub ignored_users: Table<'a>,
}

impl<'a> Converted<'a> {
    pub fn into_tables(self) -> Vec<Table<'a>> {
        vec![self.account_data, self.room_account_data, self.room_tags, self.room_tags_revisions, self.ignored_users]
    }
}

/// The rows that belong to a carried, active local user, with that user's MXID.
pub fn local_rows<'m>(
    data: &'m AccountData,
    ctx: &'m UserContext,
) -> impl Iterator<Item = (String, &'m AccountDataRow)> + 'm {
    data.rows.iter().filter_map(move |r| {
        if r.server_name.as_deref().is_some_and(|s| s != ctx.server_name) {
            return None;
        }
        let user = format!("@{}:{}", r.localpart, ctx.server_name);
        (ctx.users.contains(&user) && !ctx.deactivated.contains(&user)).then_some((user, r))
    })
}

pub fn convert<'a>(data: &'a AccountData, ctx: &UserContext, skips: &mut Skipped) -> Converted<'a> {
    let mut out = Converted {
        account_data: Table::new(
            "account_data",
            &["user_id", "account_data_type", "stream_id", "content", "instance_name"],
        ),
        room_account_data: Table::new(
            "room_account_data",
            &["user_id", "room_id", "account_data_type", "stream_id", "content", "instance_name"],
        ),
        room_tags: Table::new("room_tags", &["user_id", "room_id", "tag", "content"]),
        room_tags_revisions: Table::new("room_tags_revisions", &["user_id", "room_id", "stream_id", "instance_name"]),
        ignored_users: Table::new("ignored_users", &["ignorer_user_id", "ignored_user_id"]),
    };
    let mut stream = ctx.streams.counter();
    skips.add_n(
        "account data",
        "second row for the same user, room and type (room_id NULL next to ''; the '' row is kept)",
        data.duplicates.len() as u64,
    );
    for r in &data.rows {
        let local = r.server_name.as_deref().map_or(true, |s| s == ctx.server_name);
        let user = format!("@{}:{}", r.localpart, ctx.server_name);
        if !local || !ctx.users.contains(&user) {
            skips.add("account data", "owner is not a carried local account");
            continue;
        }
        if ctx.deactivated.contains(&user) {
            skips.add("account data", "deactivated account (Synapse purges account data on deactivation)");
            continue;
        }
        if r.data_type == PUSH_RULES && r.room_id.is_none() {
            continue; // push.rs
        }
        let Ok(content) = serde_json::from_str::<Json>(&r.content) else {
            skips.add("account data", &format!("{}: content is not JSON", r.data_type));
            continue;
        };
        if !content.is_object() {
            skips.add("account data", &format!("{}: content is not a JSON object", r.data_type));
            continue;
        }
        match &r.room_id {
            None => {
                if r.data_type == "m.ignored_user_list" {
                    ignored(&user, &content, &mut out.ignored_users, skips);
                }
                out.account_data.push(vec![
                    user.into(),
                    r.data_type.as_str().into(),
                    Value::Int(stream.next()),
                    r.content.as_str().into(),
                    INSTANCE.into(),
                ]);
            }
            Some(room) if r.data_type == "m.tag" => tags(user, room, &content, &mut out, &mut stream, skips),
            Some(room) => out.room_account_data.push(vec![
                user.into(),
                room.as_str().into(),
                r.data_type.as_str().into(),
                Value::Int(stream.next()),
                r.content.as_str().into(),
                INSTANCE.into(),
            ]),
        }
    }
    out
}

fn ignored(user: &str, content: &Json, out: &mut Table, skips: &mut Skipped) {
    let Some(map) = content.get("ignored_users").and_then(Json::as_object) else {
        skips.add("ignored users", "m.ignored_user_list without an ignored_users object");
        return;
    };
    // Synapse refuses to store a user ignoring themselves; keep its rule.
    let ignored: BTreeSet<&String> = map.keys().filter(|u| u.as_str() != user).collect();
    for target in ignored {
        out.push(vec![Value::from(user.to_owned()), Value::from(target.clone())]);
    }
}

fn tags<'a>(
    user: String,
    room: &'a str,
    content: &Json,
    out: &mut Converted<'a>,
    stream: &mut Counter,
    skips: &mut Skipped,
) {
    let Some(map) = content.get("tags").and_then(Json::as_object) else {
        skips.add("room tags", "m.tag without a tags object");
        return;
    };
    for (tag, value) in map {
        if !value.is_object() {
            skips.add("room tags", "tag content is not a JSON object");
            continue;
        }
        out.room_tags.push(vec![
            Value::from(user.clone()),
            room.into(),
            Value::from(tag.clone()),
            Value::from(value.to_string()),
        ]);
    }
    out.room_tags_revisions.push(vec![user.into(), room.into(), Value::Int(stream.next()), INSTANCE.into()]);
}
