//! State group rows: `state_groups`, `state_group_edges`, `state_groups_state`,
//! `event_to_state_groups`, from the groups [`super::state`] builds out of
//! Dendrite's snapshots (synapse-storage.md §A.6, §C).
//!
//! Only rooms and events that are carried over get rows; every carried-over
//! non-outlier event maps to its group (after-state; before-state for
//! rejected events), and an event that should have one but has none is
//! reported (the load's invariant would refuse it otherwise).

use std::rc::Rc;

use anyhow::Result;

use crate::dendrite::Model;
use crate::synapse::Value;

use super::plan::Plan;
use super::report::Skipped;
use super::rooms::RoomSet;
use super::state::{Skip, StateGroups};
use super::table::Table;

pub fn tables<'m>(model: &'m Model, rooms: &RoomSet, groups: &StateGroups, skipped: &mut Skipped) -> [Table<'m>; 3] {
    let mut sg = Table::new("state_groups", &["id", "room_id", "event_id"]);
    let mut edges = Table::new("state_group_edges", &["state_group", "prev_state_group"]);
    let mut state = Table::new("state_groups_state", &["state_group", "room_id", "type", "state_key", "event_id"]);
    for g in groups.groups.iter().filter(|g| rooms.converted(g.room_nid)) {
        let Some(room) = model.rooms.by_nid.get(&g.room_nid) else { continue };
        let room_id = room.room_id.as_str();
        let event_id = model.events.get(g.event_nid).map_or("", |e| &*e.event_id);
        sg.push(vec![Value::Int(g.id), Value::from(room_id), Value::from(event_id)]);
        if let Some(prev) = g.prev {
            edges.push(vec![Value::Int(g.id), Value::Int(prev)]);
        }
        for entry in &g.delta {
            let (Some(t), Some(k), Some(e)) = (
                model.nids.event_type(entry.type_nid),
                model.nids.state_key(entry.key_nid),
                model.events.get(entry.event_nid),
            ) else {
                skipped.add("state_groups_state", "entry whose type, state key or event is unknown");
                continue;
            };
            state.push(vec![
                Value::Int(g.id),
                Value::from(room_id),
                Value::from(t),
                Value::from(k),
                Value::from(&*e.event_id),
            ]);
        }
    }
    [sg, edges, state]
}

/// `event_to_state_groups`, made while written (a row per event).
pub fn event_to_state_groups<'m>(
    plan: Rc<Plan<'m>>,
    groups: Rc<StateGroups>,
    skipped: &mut Skipped,
) -> Result<Table<'m>> {
    Table::streamed("event_to_state_groups", &["event_id", "state_group"], skipped, move |sink, skip| {
        for p in plan.events.iter().filter(|p| !p.is_outlier()) {
            match groups.by_event.get(&p.event.nid) {
                Some(&g) => sink(&[Value::from(&*p.event.event_id), Value::Int(g)])?,
                None => skip(match groups.skipped.get(&p.event.nid) {
                    Some(Skip::MissingSnapshot) => "its state snapshot is not in roomserver_state_snapshots",
                    Some(Skip::MissingBlock) => "its state snapshot names a missing state block",
                    Some(Skip::UnknownRoom) => "its room is not in roomserver_rooms",
                    None => "no state group was built for it",
                }),
            }
        }
        Ok(())
    })
}
