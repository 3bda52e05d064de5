//! Membership and current state: `room_memberships`, `current_state_events`,
//! `local_current_membership` (docs/synapse-schema.md §A.7).
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
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::{Flag, Rows};

use super::plan::{Plan, Planned};
use super::report::{Skip, Skipped};
use super::Context;

/// The current state of one carried-over room with events: planned state
/// events sorted by (type, state key).
pub type CurrentState<'m, 'p> = Vec<(&'m Room, Vec<&'p Planned<'m>>)>;

/// `room_memberships`, `current_state_events`, `local_current_membership`,
/// `room_stats_state` (guest access), from the plan and the rooms' current state.
pub fn tables<'a>(
    model: &'a Model,
    ctx: &Context,
    plan: &'a Plan<'a>,
    current: &CurrentState<'a, 'a>,
    out: &mut Tables<'a>,
    skipped: &mut Skipped,
) -> anyhow::Result<()> {
    out.room_memberships = room_memberships(model, plan, skipped);
    (out.current_state_events, out.local_current_membership) = current_tables(ctx, current);
    out.room_guest_access = guest_access_stats(model, current)?;
    Ok(())
}

fn room_memberships<'a>(
    model: &'a Model,
    plan: &'a Plan<'a>,
    skipped: &mut Skipped,
) -> Rows<'a, syn::RoomMembership<'a>> {
    let mut t = Rows::default();
    for p in plan.events.iter().filter(|p| p.event.type_nid == TYPE_MEMBER && !p.is_rejected()) {
        let (Some(user), Some(sender), Some(membership)) =
            (p.state_key, p.fields.sender.as_deref(), p.fields.membership())
        else {
            skipped.add(Skip::MemberEventIncomplete);
            continue;
        };
        let forgotten =
            model.rooms.members.get(&(p.event.room_nid, p.event.state_key_nid)).is_some_and(|m| m.forgotten);
        t.push(syn::RoomMembership {
            event_id: (*p.event.event_id).into(),
            user_id: user.into(),
            sender: sender.into(),
            room_id: p.room.room_id.as_str().into(),
            membership: membership.into(),
            forgotten: Flag(forgotten),
            display_name: p.fields.displayname().filter(|s| !s.contains('\0')).map(Into::into),
            avatar_url: p.fields.avatar_url().filter(|s| !s.contains('\0')).map(Into::into),
            event_stream_ordering: p.stream_ordering,
            participant: false,
        });
    }
    t
}

/// The current state of each carried-over room with events: (room, planned
/// state events sorted by (type, state key)).
pub fn current_state<'m, 'p>(model: &'m Model, plan: &'p Plan<'m>, skipped: &mut Skipped) -> CurrentState<'m, 'p> {
    let with_events: BTreeSet<i64> = plan.events.iter().map(|p| p.event.room_nid).collect();
    let mut out = Vec::new();
    for room in model.rooms.by_nid.values().filter(|r| !r.is_stub() && r.state_snapshot_nid != 0) {
        if !with_events.contains(&room.nid) {
            continue; // not carried over
        }
        let expanded = match model.state.expand(&model.events, room.state_snapshot_nid) {
            Ok(x) => x,
            Err(e) => {
                skipped.add(Skip::CurrentStateUnexpanded(e.to_string()));
                continue;
            }
        };
        skipped.add_n(Skip::CurrentStateEventMissing, expanded.missing_events.len() as u64);
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
            _ => skipped.add(Skip::CurrentStateEventSkipped),
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

/// The rooms each local user is joined to in current state (what their
/// `local_current_membership` rows say).
pub fn joined_rooms(ctx: &Context, current: &CurrentState<'_, '_>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (room, events) in current {
        for p in events {
            let local_join = p.event_type == "m.room.member"
                && p.fields.membership() == Some("join")
                && p.state_key.is_some_and(|u| ctx.is_local(u));
            if local_join {
                out.entry(p.state_key.unwrap_or_default().to_owned()).or_default().insert(room.room_id.clone());
            }
        }
    }
    out
}

/// `current_state_events` and `local_current_membership`.
fn current_tables<'a>(
    ctx: &Context,
    state: &CurrentState<'a, 'a>,
) -> (Rows<'a, syn::CurrentStateEvent<'a>>, Rows<'a, syn::LocalCurrentMembership<'a>>) {
    let (mut current, mut local) = (Rows::default(), Rows::default());
    for (room, events) in state {
        let joined = local_join(ctx, events);
        for p in events {
            let membership =
                if p.event_type == "m.room.member" { p.fields.membership().map(str::to_owned) } else { None };
            if joined {
                current.push(syn::CurrentStateEvent {
                    event_id: (*p.event.event_id).into(),
                    room_id: room.room_id.as_str().into(),
                    event_type: p.event_type.into(),
                    state_key: p.state_key.unwrap_or_default().into(),
                    membership: membership.clone().map(Into::into),
                    event_stream_ordering: p.stream_ordering,
                });
            }
            let local_member = p.event_type == "m.room.member" && p.state_key.is_some_and(|u| ctx.is_local(u));
            if let (true, Some(m)) = (local_member, membership) {
                local.push(syn::LocalCurrentMembership {
                    room_id: room.room_id.as_str().into(),
                    user_id: p.state_key.unwrap_or_default().into(),
                    event_id: (*p.event.event_id).into(),
                    membership: m.into(),
                    event_stream_ordering: p.stream_ordering,
                });
            }
        }
    }
    (current, local)
}

/// Synapse's stats rebuild (`populate_stats_process_rooms`, 1.163) fills
/// every `room_stats_state` column from current state except `guest_access`
/// (it does not read that type), so `/publicRooms` would say
/// `guest_can_join: false` for rooms that allow guests. Its upsert leaves
/// columns it did not compute as they are, so a row holding only
/// `guest_access`, written here, survives the rebuild, which fills in the rest.
fn guest_access_stats<'a>(
    model: &Model,
    state: &CurrentState<'a, 'a>,
) -> anyhow::Result<Rows<'a, syn::RoomGuestAccess<'a>>> {
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
    let mut t = Rows::default();
    for (room, events) in state {
        let mut value = None;
        for p in events.iter().filter(|p| p.event_type == "m.room.guest_access" && p.state_key == Some("")) {
            let json = model.events.json(p.event)?.unwrap_or_default();
            let Ok(e) = serde_json::from_str::<Event>(&json) else { continue };
            value = e.content.guest_access.as_str().filter(|v| !v.contains('\0')).map(str::to_owned);
            if value.is_some() {
                break;
            }
        }
        if let Some(v) = value {
            t.push(syn::RoomGuestAccess { room_id: room.room_id.as_str().into(), guest_access: v.into() });
        }
    }
    Ok(t)
}
