//! Membership and current state: `room_memberships`, `current_state_events`,
//! `local_current_membership` (synapse-storage.md §A.7).
//!
//! * `room_memberships`: every non-rejected `m.room.member` event, outliers
//!   included (Synapse joins this table with current state for member lists
//!   and the user directory). Display name and avatar only when they are
//!   strings; `forgotten` from `roomserver_membership` applies to all the
//!   user's rows in the room, as Synapse's `/forget` marks them.
//! * Current state comes from `roomserver_rooms.state_snapshot_nid` (the
//!   state after the forward extremities), expanded the way Dendrite does.
//!   `current_state_events` only for rooms where a local user is joined
//!   (Synapse deletes a room's rows when the last local user leaves);
//!   `local_current_membership` for every local member entry of every room's
//!   current state (left and banned too: /sync lists them as archived).

use std::collections::{BTreeMap, BTreeSet};

use crate::dendrite::nids::TYPE_MEMBER;
use crate::dendrite::rooms::Room;
use crate::dendrite::state::StateEntry;
use crate::dendrite::Model;
use crate::synapse::Value;

use super::plan::{Plan, Planned};
use super::report::Skipped;
use super::table::Table;
use super::Context;

pub fn room_memberships<'m>(model: &'m Model, plan: &Plan<'m>, skipped: &mut Skipped) -> Table<'m> {
    let mut t = Table::new(
        "room_memberships",
        &[
            "event_id",
            "user_id",
            "sender",
            "room_id",
            "membership",
            "forgotten",
            "display_name",
            "avatar_url",
            "event_stream_ordering",
            "participant",
        ],
    );
    for p in plan.events.iter().filter(|p| p.event.type_nid == TYPE_MEMBER && !p.is_rejected()) {
        let (Some(user), Some(sender), Some(membership)) =
            (p.state_key, p.fields.sender.as_deref(), p.fields.membership())
        else {
            skipped.add("room_memberships", "member event without a string sender or content.membership (event kept)");
            continue;
        };
        let forgotten =
            model.rooms.members.get(&(p.event.room_nid, p.event.state_key_nid)).is_some_and(|m| m.forgotten);
        t.push(vec![
            Value::from(&*p.event.event_id),
            Value::from(user),
            Value::from(sender.to_string()),
            Value::from(p.room.room_id.as_str()),
            Value::from(membership.to_string()),
            Value::Int(forgotten.into()),
            Value::from(p.fields.displayname().filter(|s| !s.contains('\0')).map(str::to_owned)),
            Value::from(p.fields.avatar_url().filter(|s| !s.contains('\0')).map(str::to_owned)),
            Value::Int(p.stream_ordering),
            Value::Bool(false),
        ]);
    }
    t
}

/// The current state of each carried-over room with events: (room, planned
/// state events sorted by (type, state key)).
pub fn current_state<'m, 'p>(
    model: &'m Model,
    plan: &'p Plan<'m>,
    skipped: &mut Skipped,
) -> Vec<(&'m Room, Vec<&'p Planned<'m>>)> {
    let with_events: BTreeSet<i64> = plan.events.iter().map(|p| p.event.room_nid).collect();
    let mut out = Vec::new();
    for room in model.rooms.by_nid.values().filter(|r| !r.is_stub() && r.state_snapshot_nid != 0) {
        if !with_events.contains(&room.nid) {
            continue; // not carried over
        }
        let expanded = match model.state.expand(&model.events, room.state_snapshot_nid) {
            Ok(x) => x,
            Err(e) => {
                skipped.add("current state", &format!("room's state cannot be expanded: {e}"));
                continue;
            }
        };
        skipped.add_n(
            "current state",
            "state block names an event not in roomserver_events",
            expanded.missing_events.len() as u64,
        );
        let events = resolve(plan, &expanded.entries, skipped);
        out.push((room, events));
    }
    out
}

fn resolve<'m, 'p>(plan: &'p Plan<'m>, entries: &[StateEntry], skipped: &mut Skipped) -> Vec<&'p Planned<'m>> {
    let mut by_key: BTreeMap<(&str, &str), &'p Planned<'m>> = BTreeMap::new();
    for e in entries {
        match plan.get(e.event_nid) {
            Some(p) if p.state_key.is_some() && !p.is_rejected() => {
                by_key.insert((p.event_type, p.state_key.unwrap_or_default()), p);
            }
            _ => skipped.add("current state", "state event not carried over"),
        }
    }
    by_key.into_values().collect()
}

fn local_join(ctx: &Context, state: &[&Planned<'_>]) -> bool {
    state.iter().any(|p| {
        p.event_type == "m.room.member"
            && p.fields.membership() == Some("join")
            && p.state_key.is_some_and(|u| ctx.is_local(u))
    })
}

/// `current_state_events` and `local_current_membership`.
pub fn current_tables<'m>(ctx: &Context, state: &[(&'m Room, Vec<&Planned<'m>>)]) -> [Table<'m>; 2] {
    let mut current = Table::new(
        "current_state_events",
        &["event_id", "room_id", "type", "state_key", "membership", "event_stream_ordering"],
    );
    let mut local = Table::new(
        "local_current_membership",
        &["room_id", "user_id", "event_id", "membership", "event_stream_ordering"],
    );
    for (room, events) in state {
        let joined = local_join(ctx, events);
        for p in events {
            let membership =
                if p.event_type == "m.room.member" { p.fields.membership().map(str::to_owned) } else { None };
            if joined {
                current.push(vec![
                    Value::from(&*p.event.event_id),
                    Value::from(room.room_id.as_str()),
                    Value::from(p.event_type),
                    Value::from(p.state_key.unwrap_or_default()),
                    Value::from(membership.clone()),
                    Value::Int(p.stream_ordering),
                ]);
            }
            let local_member = p.event_type == "m.room.member" && p.state_key.is_some_and(|u| ctx.is_local(u));
            if let (true, Some(m)) = (local_member, membership) {
                local.push(vec![
                    Value::from(room.room_id.as_str()),
                    Value::from(p.state_key.unwrap_or_default()),
                    Value::from(&*p.event.event_id),
                    Value::from(m),
                    Value::Int(p.stream_ordering),
                ]);
            }
        }
    }
    [current, local]
}

/// Synapse's stats rebuild (`populate_stats_process_rooms`, 1.163) fills
/// every `room_stats_state` column from current state except `guest_access`
/// (it does not read that type), so `/publicRooms` would say
/// `guest_can_join: false` for rooms that allow guests. Its upsert leaves
/// columns it did not compute as they are, so a row holding only
/// `guest_access`, written here, survives the rebuild, which fills in the rest.
pub fn guest_access_stats<'m>(state: &[(&'m Room, Vec<&Planned<'m>>)]) -> Table<'m> {
    #[derive(serde::Deserialize)]
    struct Event {
        #[serde(default)]
        content: Content,
    }
    #[derive(serde::Deserialize, Default)]
    struct Content {
        #[serde(default)]
        guest_access: serde_json::Value,
    }
    let mut t = Table::new("room_stats_state", &["room_id", "guest_access"]);
    for (room, events) in state {
        let value = events
            .iter()
            .filter(|p| p.event_type == "m.room.guest_access" && p.state_key == Some(""))
            .filter_map(|p| serde_json::from_str::<Event>(p.json()).ok())
            .find_map(|e| e.content.guest_access.as_str().filter(|v| !v.contains('\0')).map(str::to_owned));
        if let Some(v) = value {
            t.push(vec![Value::from(room.room_id.as_str()), Value::from(v)]);
        }
    }
    t
}
