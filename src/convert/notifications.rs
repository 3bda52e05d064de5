//! Notification history: Dendrite's `userapi_notifications` → Synapse's
//! `event_push_actions` (docs/synapse-schema.md §A.3), the table Synapse's
//! `/notifications` reads (`get_push_actions_for_user`: `notif = 1`, newest
//! stream ordering first, `ts` = the event's `received_ts`).
//!
//! Per row: the event's stream and topological ordering as the plan assigns
//! them; `actions` in Synapse's stored form (`_serialize_action`: the empty
//! string for its two default action lists, else compact JSON); `thread_id`
//! as Synapse's push evaluator picks it (the root of an `m.thread` relation,
//! else the thread of the related event, else `main`).
//!
//! Traps: Dendrite lists only rows not marked read (its select says
//! `AND NOT read`), so rows marked read are left out: carrying them would
//! bring back notifications the user had already dismissed. Synapse stores
//! no read flag; `/notifications` derives `read` from the user's read
//! receipt, which is carried (receipts.rs). Only
//! events that became live or backfilled events, and carried out-of-band
//! invites (Synapse evaluates push rules for a federated invite too), carry
//! notifications; Synapse never notifies for other outliers, rejected or
//! soft-failed events.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value as Json};

use super::invites::InvitePosition;
use super::plan::{Kind, Plan, Planned};
use super::report::{Skip, Skipped};
use super::users::UserContext;
use crate::dendrite::notifications::Notification;
use crate::dendrite::Model;
use crate::synapse::tables as syn;
use crate::synapse::{Flag, Rows};

/// Where a notified event sits in Synapse.
struct Target<'a> {
    room_id: &'a str,
    depth: i64,
    stream_ordering: i64,
    /// `None`: `main`.
    thread_id: Option<Box<str>>,
    unread: bool,
}

/// A notification carried: its row is made while written (a big server has
/// a row per notified event per user; held rows took 430 bytes each).
struct Carried<'m> {
    n: &'m Notification,
    depth: i64,
    stream_ordering: i64,
    thread_id: Option<Box<str>>,
    unread: bool,
}

pub fn event_push_actions<'m, 'i>(
    model: &'m Model,
    ctx: &UserContext,
    plan: &Plan<'m>,
    invites: impl Iterator<Item = InvitePosition<'i>>,
    skipped: &mut Skipped,
) -> anyhow::Result<Rows<'m, syn::EventPushAction<'m>>> {
    // Carried out-of-band invites (few): an invite has no body and is not a
    // counted state type, so it does not count as unread.
    let invites: BTreeMap<&str, InvitePosition> = invites.map(|i| (i.event_id, i)).collect();
    let mut carried = Vec::new();
    let mut seen = BTreeSet::new();
    for n in &model.user.notifications.rows {
        if n.read {
            // Dendrite's /notifications selects `NOT read` rows only.
            skipped.add(Skip::NotificationRead);
            continue;
        }
        let Some(user) = user_id(n, ctx) else {
            skipped.add(Skip::NotificationWithoutUser);
            continue;
        };
        let target = match plan.by_event_id(model, &n.event_id) {
            Some(p) if matches!(p.kind, Kind::Live | Kind::Backfilled) => Target {
                room_id: &p.room.room_id,
                depth: p.event.depth,
                stream_ordering: p.stream_ordering,
                thread_id: thread_id(model, plan, p),
                unread: counts_as_unread(model, p)?,
            },
            Some(_) => {
                skipped.add(Skip::NotificationNotLive);
                continue;
            }
            None => match invites.get(&*n.event_id) {
                Some(i) => Target {
                    room_id: i.room_id,
                    depth: i.depth,
                    stream_ordering: i.stream_ordering,
                    thread_id: None,
                    unread: false,
                },
                None => {
                    skipped.add(Skip::NotificationEventSkipped);
                    continue;
                }
            },
        };
        if target.room_id != &*n.room_id {
            skipped.add(Skip::NotificationRoomMismatch);
            continue;
        }
        // Synapse's unique key is (room, event, user, profile_tag).
        if !seen.insert((&*n.event_id, user, &*n.profile_tag)) {
            skipped.add(Skip::NotificationDuplicate);
            continue;
        }
        let Target { depth, stream_ordering, thread_id, unread, .. } = target;
        carried.push(Carried { n, depth, stream_ordering, thread_id, unread });
    }
    let server_name = ctx.server_name().to_owned();
    let len = carried.len();
    Ok(Rows::produced(len, Box::new(move |sink| carried.iter().try_for_each(|c| sink(&row(c, &server_name))))))
}

fn row<'m>(c: &Carried<'m>, server_name: &str) -> syn::EventPushAction<'m> {
    let n = c.n;
    let highlight = has_highlight(&n.actions);
    let notif = n.actions.as_array().is_some_and(|a| a.iter().any(|x| x == "notify"));
    syn::EventPushAction {
        room_id: (&*n.room_id).into(),
        event_id: (&*n.event_id).into(),
        user_id: local_user(n, server_name).into(),
        profile_tag: (&*n.profile_tag).into(),
        actions: stored_actions(&n.actions, highlight).into(),
        topological_ordering: c.depth,
        stream_ordering: c.stream_ordering,
        notif: Flag(notif),
        highlight: Flag(highlight),
        unread: Flag(c.unread),
        thread_id: c.thread_id.as_deref().map_or(Cow::Borrowed("main"), |t| Cow::Owned(t.to_owned())),
    }
}

/// Synapse's `_action_has_highlight`: the first `highlight` tweak decides,
/// its `value` defaulting to true. Dendrite's own `highlight` column is not
/// used: 0.13.8 leaves it false for actions that do highlight (full fixture,
/// bob's mention in a DM), and Synapse's counts and clean-up read this one.
pub fn has_highlight(actions: &Json) -> bool {
    let tweak = actions.as_array().into_iter().flatten().find(|a| a.get("set_tweak").is_some_and(|t| t == "highlight"));
    tweak.is_some_and(|t| t.get("value").map_or(true, |v| v.as_bool().unwrap_or(true)))
}

/// Synapse's `_should_count_as_unread` (bulk_push_rule_evaluator.py), for
/// the `unread` column: not a notice, not an edit; then a non-empty string
/// body, a topic/name/avatar/tombstone state event, or an encrypted message.
fn counts_as_unread(model: &Model, p: &Planned<'_>) -> anyhow::Result<bool> {
    let json = model.events.json(p.event)?.unwrap_or_default();
    let event: Json = serde_json::from_str(&json).unwrap_or(Json::Null);
    let content = &event["content"];
    let is_state = p.state_key.is_some();
    if !is_state && p.event_type == "m.room.message" && content["msgtype"] == "m.notice" {
        return Ok(false);
    }
    if p.fields.relation().is_some_and(|r| r.rel_type == "m.replace") {
        return Ok(false);
    }
    if content["body"].as_str().is_some_and(|b| !b.is_empty()) {
        return Ok(true);
    }
    if is_state {
        return Ok(matches!(p.event_type, "m.room.topic" | "m.room.name" | "m.room.avatar" | "m.room.tombstone"));
    }
    Ok(p.event_type == "m.room.encrypted")
}

fn user_id(n: &Notification, ctx: &UserContext) -> Option<String> {
    if n.server_name.as_deref().is_some_and(|s| s != ctx.server_name()) {
        return None;
    }
    let user = local_user(n, ctx.server_name());
    ctx.users.contains(&user).then_some(user)
}

/// The notified user's ID (Dendrite's rows name a localpart of this server).
fn local_user(n: &Notification, server_name: &str) -> String {
    format!("@{}:{}", n.localpart, server_name)
}

/// Synapse's stored form of a notification's actions: `""` when they equal
/// the default list for its highlight flag (the column is NOT NULL; the
/// empty string is not JSON, so it cannot clash), else compact JSON.
pub fn stored_actions(actions: &Json, highlight: bool) -> String {
    let default = if highlight {
        json!(["notify", {"set_tweak": "sound", "value": "default"}, {"set_tweak": "highlight"}])
    } else {
        json!(["notify", {"set_tweak": "highlight", "value": false}])
    };
    if *actions == default {
        String::new()
    } else {
        actions.to_string()
    }
}

/// The thread Synapse files a notification under (its push evaluator): the
/// root of an `m.thread` relation; for any other relation the thread of the
/// related event, looked up like `get_thread_id` over `event_relations`
/// (non-rejected events): up to four hops from the parent, the farthest
/// `m.thread` wins; else `main` (`None`).
fn thread_id(model: &Model, plan: &Plan<'_>, p: &Planned<'_>) -> Option<Box<str>> {
    let rel = p.fields.relation()?;
    if rel.rel_type == "m.thread" {
        return Some(rel.event_id.as_str().into());
    }
    let mut found = None;
    let mut at = rel.event_id.to_string();
    for _ in 0..4 {
        let Some(up) = plan.by_event_id(model, &at).filter(|q| !q.is_rejected()).and_then(|q| q.fields.relation())
        else {
            break;
        };
        if up.rel_type == "m.thread" {
            found = Some(up.event_id.to_string());
        }
        at = up.event_id.to_string();
    }
    found.map(String::into_boxed_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_action_lists_are_stored_as_the_empty_string() {
        // Synapse 1.163.2 event_push_actions.py: DEFAULT_NOTIF_ACTION and
        // DEFAULT_HIGHLIGHT_ACTION, each compressed to "" only under its own
        // highlight flag.
        let notif: Json = serde_json::from_str(r#"["notify",{"value":false,"set_tweak":"highlight"}]"#).unwrap();
        let high: Json =
            serde_json::from_str(r#"["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"highlight"}]"#)
                .unwrap();
        assert_eq!(stored_actions(&notif, false), "");
        assert_eq!(stored_actions(&high, true), "");
        assert_eq!(stored_actions(&notif, true), r#"["notify",{"set_tweak":"highlight","value":false}]"#);
        assert_eq!(
            stored_actions(&high, false),
            r#"["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"highlight"}]"#
        );
    }

    #[test]
    fn highlight_is_the_first_highlight_tweak_defaulting_to_true() {
        let j = |s: &str| serde_json::from_str::<Json>(s).unwrap();
        assert!(has_highlight(&j(r#"["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"highlight"}]"#)));
        assert!(!has_highlight(&j(r#"["notify",{"set_tweak":"highlight","value":false}]"#)));
        assert!(!has_highlight(&j(r#"["notify",{"set_tweak":"sound","value":"default"}]"#)));
        assert!(!has_highlight(&j(r#"["notify",{"set_tweak":"highlight","value":false},{"set_tweak":"highlight"}]"#)));
    }

    #[test]
    fn other_action_lists_are_compact_json() {
        // What Dendrite's default rules produce for a room message: no
        // highlight tweak at all, so not Synapse's default list.
        let plain: Json = serde_json::from_str(r#"[ "notify" ]"#).unwrap();
        assert_eq!(stored_actions(&plain, false), r#"["notify"]"#);
        let sound: Json = serde_json::from_str(r#"["notify", {"set_tweak": "sound", "value": "default"}]"#).unwrap();
        assert_eq!(stored_actions(&sound, false), r#"["notify",{"set_tweak":"sound","value":"default"}]"#);
    }
}
