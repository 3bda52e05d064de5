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
//! * `m.push_rules` → the push-rule tables (push.rs), never account data;
//! * per-room data (tags included) of a room that is not carried is left out
//!   and counted: Synapse's own purge of a room deletes every user's
//!   `room_account_data` and `room_tags` of it (docs/safety.md).
//!
//! All three account-data tables share one stream; ids start above every
//! Dendrite stream position, so a client resuming with an old since token
//! receives its account data once more rather than never.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::report::{Skip, Skipped};
use super::streams::Counter;
use super::users::UserContext;
use crate::dendrite::account_data::{AccountData, AccountDataRow};
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::Instance;

pub const PUSH_RULES: &str = "m.push_rules";

/// The rows that belong to a carried, active local user, with that user's MXID.
pub fn local_rows<'m>(
    data: &'m AccountData,
    ctx: &'m UserContext,
) -> impl Iterator<Item = (String, &'m AccountDataRow)> + 'm {
    data.rows.iter().filter_map(move |r| {
        if r.server_name.as_deref().is_some_and(|s| s != ctx.server_name()) {
            return None;
        }
        let user = format!("@{}:{}", r.localpart, ctx.server_name());
        (ctx.users.contains(&user) && !ctx.deactivated.contains(&user)).then_some((user, r))
    })
}

/// `account_data`, `room_account_data`, `room_tags`, `room_tags_revisions`, `ignored_users`.
pub fn convert<'a>(data: &'a AccountData, ctx: &UserContext, out: &mut Tables<'a>, skips: &mut Skipped) {
    let mut stream = ctx.streams().counter();
    skips.add_n(Skip::AccountDataDuplicate, data.duplicates.len() as u64);
    for r in &data.rows {
        let local = r.server_name.as_deref().map_or(true, |s| s == ctx.server_name());
        let user = format!("@{}:{}", r.localpart, ctx.server_name());
        if !local || !ctx.users.contains(&user) {
            skips.add(Skip::AccountDataWithoutUser);
            continue;
        }
        if ctx.deactivated.contains(&user) {
            skips.add(Skip::AccountDataOfDeactivated);
            continue;
        }
        if r.room_id.as_ref().is_some_and(|room| ctx.left_out_rooms.contains(room)) {
            skips.add(Skip::RoomAccountDataOfLeftOutRoom);
            continue;
        }
        if r.data_type == PUSH_RULES && r.room_id.is_none() {
            continue; // push.rs
        }
        let Ok(content) = serde_json::from_str::<Json>(&r.content) else {
            skips.add(Skip::AccountDataNotJson(r.data_type.clone()));
            continue;
        };
        if !content.is_object() {
            skips.add(Skip::AccountDataNotObject(r.data_type.clone()));
            continue;
        }
        match &r.room_id {
            None => {
                if r.data_type == "m.ignored_user_list" {
                    ignored(&user, &content, out, skips);
                }
                out.account_data.push(syn::AccountData {
                    user_id: user.into(),
                    account_data_type: r.data_type.as_str().into(),
                    stream_id: stream.next(),
                    content: r.content.as_str().into(),
                    instance_name: Instance,
                });
            }
            Some(room) if r.data_type == "m.tag" => tags(user, room, &content, out, &mut stream, skips),
            Some(room) => out.room_account_data.push(syn::RoomAccountData {
                user_id: user.into(),
                room_id: room.as_str().into(),
                account_data_type: r.data_type.as_str().into(),
                stream_id: stream.next(),
                content: r.content.as_str().into(),
                instance_name: Instance,
            }),
        }
    }
}

fn ignored(user: &str, content: &Json, out: &mut Tables<'_>, skips: &mut Skipped) {
    let Some(map) = content.get("ignored_users").and_then(Json::as_object) else {
        skips.add(Skip::IgnoredUsersMissing);
        return;
    };
    // Synapse refuses to store a user ignoring themselves; keep its rule.
    let ignored: BTreeSet<&String> = map.keys().filter(|u| u.as_str() != user).collect();
    for target in ignored {
        out.ignored_users
            .push(syn::IgnoredUser { ignorer_user_id: user.to_owned().into(), ignored_user_id: target.clone().into() });
    }
}

fn tags<'a>(
    user: String,
    room: &'a str,
    content: &Json,
    out: &mut Tables<'a>,
    stream: &mut Counter,
    skips: &mut Skipped,
) {
    let Some(map) = content.get("tags").and_then(Json::as_object) else {
        skips.add(Skip::TagsMissing);
        return;
    };
    for (tag, value) in map {
        if !value.is_object() {
            skips.add(Skip::TagNotObject);
            continue;
        }
        out.room_tags.push(syn::RoomTag {
            user_id: user.clone().into(),
            room_id: room.into(),
            tag: tag.clone().into(),
            content: value.to_string().into(),
        });
    }
    out.room_tags_revisions.push(syn::RoomTagsRevision {
        user_id: user.into(),
        room_id: room.into(),
        stream_id: stream.next(),
        instance_name: Instance,
    });
}
