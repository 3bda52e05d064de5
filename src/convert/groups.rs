//! State group rows: `state_groups`, `state_group_edges`, `state_groups_state`,
//! `event_to_state_groups`, from the groups [`super::state`] builds out of
//! Dendrite's snapshots (docs/synapse-schema.md §A.6, §C).
//!
//! Only rooms and events that are carried over get rows; every carried-over
//! non-outlier event maps to its group (after-state; before-state for
//! rejected events), and an event that should have one but has none is
//! reported (the load's invariant would refuse it otherwise).

use std::borrow::Cow;

use anyhow::Result;

use crate::dendrite::Model;
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::Rows;

use super::plan::Plan;
use super::report::{Skip, Skipped};
use super::rooms::RoomSet;
use super::state::{self, StateGroups};
use super::table::streamed;

/// `state_groups`, `state_group_edges`, `state_groups_state`, `event_to_state_groups`.
pub fn tables<'a>(
    model: &'a Model,
    rooms: &'a RoomSet,
    groups: &'a StateGroups,
    plan: &'a Plan<'a>,
    out: &mut Tables<'a>,
    skipped: &mut Skipped,
) -> Result<()> {
    groups_tables(model, rooms, groups, out, skipped)?;
    out.event_to_state_groups = event_to_state_groups(plan, groups, skipped)?;
    Ok(())
}

fn groups_tables<'a>(
    model: &'a Model,
    rooms: &'a RoomSet,
    groups: &'a StateGroups,
    out: &mut Tables<'a>,
    skipped: &mut Skipped,
) -> Result<()> {
    for (g, room_id) in carried(model, rooms, groups) {
        let event_id = model.events.get(g.event_nid).map_or("", |e| &*e.event_id);
        out.state_groups.push(syn::StateGroup { id: g.id, room_id: room_id.into(), event_id: event_id.into() });
        if let Some(prev) = g.prev {
            out.state_group_edges.push(syn::StateGroupEdge { state_group: g.id, prev_state_group: prev });
        }
    }
    out.state_groups_state = state_groups_state(model, rooms, groups, skipped)?;
    Ok(())
}

/// The groups of carried-over rooms, with their room IDs, in group order.
fn carried<'a>(
    model: &'a Model,
    rooms: &'a RoomSet,
    groups: &'a StateGroups,
) -> impl Iterator<Item = (&'a state::Group, &'a str)> + 'a {
    let room_id = |g: &state::Group| model.rooms.by_nid.get(&g.room_nid).map(|r| r.room_id.as_str());
    groups.groups.iter().filter(|g| rooms.converted(g.room_nid)).filter_map(move |g| Some((g, room_id(g)?)))
}

/// `state_groups_state`, made while written: a row per entry of every
/// group's delta (more rows than events on a big server, 100 bytes each if
/// held: docs/performance.md).
fn state_groups_state<'a>(
    model: &'a Model,
    rooms: &'a RoomSet,
    groups: &'a StateGroups,
    skipped: &mut Skipped,
) -> Result<Rows<'a, syn::StateGroupState<'a>>> {
    streamed(skipped, move |sink, skip| {
        for (g, room_id) in carried(model, rooms, groups) {
            for entry in &g.delta {
                let (Some(t), Some(k), Some(e)) = (
                    model.nids.event_type(entry.type_nid),
                    model.nids.state_key(entry.key_nid),
                    model.events.get(entry.event_nid),
                ) else {
                    skip(Skip::StateGroupEntryUnknown);
                    continue;
                };
                sink(&syn::StateGroupState {
                    state_group: g.id,
                    room_id: room_id.into(),
                    event_type: t.into(),
                    state_key: k.into(),
                    event_id: Cow::Borrowed(&e.event_id),
                })?;
            }
        }
        Ok(())
    })
}

/// `event_to_state_groups`, made while written (a row per event).
fn event_to_state_groups<'a>(
    plan: &'a Plan<'a>,
    groups: &'a StateGroups,
    skipped: &mut Skipped,
) -> Result<Rows<'a, syn::EventToStateGroup<'a>>> {
    streamed(skipped, move |sink, skip| {
        for p in plan.events.iter().filter(|p| !p.is_outlier()) {
            match groups.by_event.get(&p.event.nid) {
                Some(&g) => {
                    sink(&syn::EventToStateGroup { event_id: Cow::Borrowed(&p.event.event_id), state_group: g })?
                }
                None => skip(match groups.skipped.get(&p.event.nid) {
                    Some(state::Skip::MissingSnapshot) => Skip::GroupSnapshotMissing,
                    Some(state::Skip::MissingBlock) => Skip::GroupBlockMissing,
                    Some(state::Skip::UnknownRoom) => Skip::GroupRoomUnknown,
                    None => Skip::GroupNotBuilt,
                }),
            }
        }
        Ok(())
    })
}
