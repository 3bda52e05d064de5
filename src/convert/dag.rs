//! The event graph: `event_edges`, `event_auth`, `room_depth`,
//! `event_forward_extremities`, `event_backward_extremities`
//! (synapse-storage.md §A.5, §B.1).
//!
//! * `event_edges`: one row per distinct prev event of every non-rejected
//!   event, outliers included (Synapse writes them so).
//! * `event_auth`: one row per distinct auth event of every **state** event,
//!   outliers and rejected ones included, from Dendrite's `auth_event_nids`
//!   (which holds v12's implicit create event too). The chain cover index is
//!   built from these rows by the queued `chain_cover` update, so missing
//!   rows here would break state resolution in v12 rooms.
//! * `room_depth`: the smallest depth of a non-outlier, non-rejected event.
//! * forward extremities: Dendrite's `latest_event_nids`, which are never
//!   outliers, rejected or soft-failed (checked: an event that is one of those
//!   is left out and reported).
//! * backward extremities: prev events that are not stored as non-outliers,
//!   where backfill can start.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use anyhow::Result;

use crate::dendrite::Model;
use crate::synapse::Value;

use super::plan::{Kind, Plan, Planned};
use super::report::Skipped;
use super::table::Table;

/// `event_edges`, made while written (a row per event).
pub fn edges<'m>(plan: Rc<Plan<'m>>, skipped: &mut Skipped) -> Result<Table<'m>> {
    Table::streamed("event_edges", &["event_id", "prev_event_id"], skipped, move |sink, _| {
        for p in plan.events.iter().filter(|p| !p.is_rejected()) {
            for prev in distinct(&p.fields.prev_events) {
                sink(&[Value::from(&*p.event.event_id), Value::from(&**prev)])?;
            }
        }
        Ok(())
    })
}

/// `event_auth`, made while written (rows for every state event).
pub fn auth<'m>(model: &'m Model, plan: Rc<Plan<'m>>, skipped: &mut Skipped) -> Result<Table<'m>> {
    Table::streamed("event_auth", &["event_id", "auth_id", "room_id"], skipped, move |sink, skip| {
        for p in plan.events.iter().filter(|p| p.state_key.is_some()) {
            for &nid in distinct(&p.event.auth_event_nids) {
                match plan.get(nid) {
                    Some(a) => sink(&[
                        Value::from(&*p.event.event_id),
                        Value::from(&*a.event.event_id),
                        Value::from(p.room.room_id.as_str()),
                    ])?,
                    None if model.events.get(nid).is_some() => skip("auth event not carried over"),
                    None => skip("auth event NID not in roomserver_events"),
                }
            }
        }
        Ok(())
    })
}

/// Each item once, at its first place. Lists are short (events name a few
/// prev and auth events), so a scan beats building a set per event.
fn distinct<T: PartialEq>(items: &[T]) -> impl Iterator<Item = &T> {
    items.iter().enumerate().filter(|&(i, x)| !items[..i].contains(x)).map(|(_, x)| x)
}

pub fn room_depth<'m>(plan: &Plan<'m>) -> Table<'m> {
    let mut min: BTreeMap<&'m str, i64> = BTreeMap::new();
    for p in plan.events.iter().filter(|p| !p.is_outlier() && !p.is_rejected()) {
        let d = min.entry(p.room.room_id.as_str()).or_insert(p.event.depth);
        *d = (*d).min(p.event.depth);
    }
    let mut t = Table::new("room_depth", &["room_id", "min_depth"]);
    for (room, depth) in min {
        t.push(vec![Value::from(room), Value::Int(depth)]);
    }
    t
}

pub fn forward_extremities<'m>(model: &'m Model, plan: &Plan<'m>, skipped: &mut Skipped) -> Table<'m> {
    let mut t = Table::new("event_forward_extremities", &["event_id", "room_id"]);
    for room in model.rooms.by_nid.values() {
        let mut seen = BTreeSet::new();
        for &nid in room.latest_event_nids.iter() {
            if !seen.insert(nid) {
                continue;
            }
            match plan.get(nid) {
                Some(p) if matches!(p.kind, Kind::Live | Kind::Backfilled) => {
                    t.push(vec![Value::from(&*p.event.event_id), Value::from(room.room_id.as_str())]);
                }
                Some(_) => skipped.add("forward extremities", "outlier, rejected or soft-failed event"),
                None => skipped.add("forward extremities", "event not carried over"),
            }
        }
    }
    t
}

pub fn backward_extremities<'m>(model: &Model, plan: &Plan<'m>) -> Table<'m> {
    let in_dag = |p: &Planned<'_>| !p.is_outlier() && !p.is_rejected();
    let mut rows: BTreeSet<(&str, &'m str)> = BTreeSet::new();
    for p in plan.events.iter().filter(|p| in_dag(p)) {
        for prev in &p.fields.prev_events {
            if !plan.by_event_id(model, prev).is_some_and(in_dag) {
                rows.insert((&**prev, p.room.room_id.as_str()));
            }
        }
    }
    let mut t = Table::new("event_backward_extremities", &["event_id", "room_id"]);
    for (event, room) in rows {
        t.push(vec![Value::from(event.to_string()), Value::from(room)]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dendrite::event_json::EventFields;
    use crate::dendrite::events::{Event, Events};
    use crate::dendrite::rooms::Room;
    use std::borrow::Cow;

    fn event(nid: i64, state: bool, auth: &[i64]) -> Event {
        Event { state_key_nid: if state { 1 } else { 0 }, auth_event_nids: auth.into(), ..Event::test(nid) }
    }

    fn planned<'m>(e: &'m Event, room: &'m Room, kind: Kind, prevs: &[&'m str]) -> Planned<'m> {
        Planned {
            event: e,
            room,
            fields: EventFields {
                prev_events: prevs.iter().map(|p| Cow::Borrowed(*p)).collect(),
                ..EventFields::default()
            },
            event_type: "t",
            state_key: e.is_state().then_some(""),
            kind,
            stream_ordering: e.nid,
            received_ts: 0,
        }
    }

    fn pairs(t: &Table<'_>) -> Vec<(String, String)> {
        let s = |v: &Value<'_>| match v {
            Value::Text(t) => t.to_string(),
            other => format!("{other:?}"),
        };
        let mut out = Vec::new();
        t.each_row(&mut |r| {
            out.push((s(&r[0]), s(&r[1])));
            Ok(())
        })
        .unwrap();
        assert_eq!(out.len(), t.len(), "{}: rows counted as made", t.name);
        out
    }

    #[test]
    fn edges_and_auth_follow_synapse_rules() {
        let room = Room {
            nid: 1,
            room_id: "!r:s".into(),
            version: "10".into(),
            latest_event_nids: Box::new([]),
            state_snapshot_nid: 0,
        };
        let model = Model {
            events: Events::of(vec![
                event(1, true, &[]),
                event(2, true, &[1, 1]),  // state: auth rows, de-duplicated
                event(3, false, &[1, 2]), // message: no auth rows
                event(4, true, &[1, 99]), // rejected state event: auth rows, no edges; 99 is unknown
                event(5, true, &[1]),     // outlier state event: both
            ]),
            ..Model::default()
        };
        let evs = &model.events.all;
        let plan = Rc::new(Plan {
            events: vec![
                planned(&evs[0], &room, Kind::Live, &[]),
                planned(&evs[1], &room, Kind::Live, &["$e1", "$e1"]),
                planned(&evs[2], &room, Kind::Live, &["$e2", "$gone"]),
                planned(&evs[3], &room, Kind::Rejected, &["$e3"]),
                planned(&evs[4], &room, Kind::Outlier, &["$e0"]),
            ],
        });
        let mut skipped = Skipped::default();
        let edges = edges(Rc::clone(&plan), &mut skipped).unwrap();
        let auth = auth(&model, Rc::clone(&plan), &mut skipped).unwrap();
        let p = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(pairs(&edges), vec![p("$e2", "$e1"), p("$e3", "$e2"), p("$e3", "$gone"), p("$e5", "$e0")]);
        assert_eq!(pairs(&auth), vec![p("$e2", "$e1"), p("$e4", "$e1"), p("$e5", "$e1")]);
        assert_eq!(
            skipped.iter().collect::<Vec<_>>(),
            vec![("event_auth", "auth event NID not in roomserver_events", 1)]
        );
        // Backward extremities: prevs not stored as non-outliers, from non-outlier, non-rejected events.
        assert_eq!(pairs(&backward_extremities(&model, &plan)), vec![p("$gone", "!r:s")]);
    }
}
