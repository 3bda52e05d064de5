//! The event graph: `event_edges`, `event_auth`, `room_depth`,
//! `event_forward_extremities`, `event_backward_extremities`
//! (docs/synapse-schema.md §A.5, §B.1).
//!
//! * `event_edges`: one row per distinct prev event of every non-rejected
//!   event, outliers included (Synapse writes them so).
//! * `event_auth`: one row per distinct auth event of every **state** event,
//!   outliers and rejected ones included, from Dendrite's `auth_event_nids`
//!   (which holds v12's implicit create event too). The chain cover index
//!   (chain_cover.rs) is built from the same auth lists, so missing rows here
//!   would break state resolution in v12 rooms.
//! * `room_depth`: the smallest depth of a non-outlier, non-rejected event.
//! * forward extremities: Dendrite's `latest_event_nids`, which are never
//!   outliers, rejected or soft-failed (checked: an event that is one of those
//!   is left out and reported).
//! * backward extremities: prev events that are not stored as non-outliers,
//!   where backfill can start.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use crate::dendrite::Model;
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::Rows;

use super::fields::Prev;
use super::plan::{Kind, Plan, Planned};
use super::report::{Skip, Skipped};
use super::table::streamed;

/// `event_edges`, `event_auth`, `room_depth` and the extremities.
pub fn tables<'a>(model: &'a Model, plan: &'a Plan<'a>, out: &mut Tables<'a>, skipped: &mut Skipped) -> Result<()> {
    out.event_edges = edges(model, plan, skipped)?;
    out.event_auth = auth(model, plan, skipped)?;
    out.room_depth = room_depth(plan);
    out.event_forward_extremities = forward_extremities(model, plan, skipped);
    out.event_backward_extremities = backward_extremities(model, plan);
    Ok(())
}

/// `event_edges`, made while written (a row per event).
fn edges<'a>(model: &'a Model, plan: &'a Plan<'a>, skipped: &mut Skipped) -> Result<Rows<'a, syn::EventEdge<'a>>> {
    streamed(skipped, move |sink, _| {
        for p in plan.events.iter().filter(|p| !p.is_rejected()) {
            for prev in distinct(&p.fields.prev_events) {
                sink(&syn::EventEdge {
                    event_id: Cow::Borrowed(&p.event.event_id),
                    prev_event_id: Cow::Borrowed(prev.id(&model.events)),
                })?;
            }
        }
        Ok(())
    })
}

/// `event_auth`, made while written (rows for every state event).
fn auth<'a>(model: &'a Model, plan: &'a Plan<'a>, skipped: &mut Skipped) -> Result<Rows<'a, syn::EventAuth<'a>>> {
    streamed(skipped, move |sink, skip| {
        for p in plan.events.iter().filter(|p| p.state_key.is_some()) {
            for &nid in distinct(&p.event.auth_event_nids) {
                match plan.get(nid) {
                    Some(a) => sink(&syn::EventAuth {
                        event_id: Cow::Borrowed(&p.event.event_id),
                        auth_id: Cow::Borrowed(&a.event.event_id),
                        room_id: p.room.room_id.as_str().into(),
                    })?,
                    None if model.events.get(nid).is_some() => skip(Skip::AuthEventSkipped),
                    None => skip(Skip::AuthEventUnknown),
                }
            }
        }
        Ok(())
    })
}

/// Each item once, at its first place. Lists are short (events name a few
/// prev and auth events), so a scan beats building a set per event.
pub(super) fn distinct<T: PartialEq>(items: &[T]) -> impl Iterator<Item = &T> {
    items.iter().enumerate().filter(|&(i, x)| !items[..i].contains(x)).map(|(_, x)| x)
}

fn room_depth<'a>(plan: &'a Plan<'a>) -> Rows<'a, syn::RoomDepth<'a>> {
    let mut min: BTreeMap<&'a str, i64> = BTreeMap::new();
    for p in plan.events.iter().filter(|p| !p.is_outlier() && !p.is_rejected()) {
        let d = min.entry(p.room.room_id.as_str()).or_insert(p.event.depth);
        *d = (*d).min(p.event.depth);
    }
    let mut t = Rows::default();
    for (room, depth) in min {
        t.push(syn::RoomDepth { room_id: room.into(), min_depth: depth });
    }
    t
}

fn forward_extremities<'a>(
    model: &'a Model,
    plan: &'a Plan<'a>,
    skipped: &mut Skipped,
) -> Rows<'a, syn::ForwardExtremity<'a>> {
    let mut t = Rows::default();
    for room in model.rooms.by_nid.values() {
        let mut seen = BTreeSet::new();
        for &nid in room.latest_event_nids.iter() {
            if !seen.insert(nid) {
                continue;
            }
            match plan.get(nid) {
                Some(p) if matches!(p.kind, Kind::Live | Kind::Backfilled) => {
                    t.push(syn::ForwardExtremity {
                        event_id: Cow::Borrowed(&p.event.event_id),
                        room_id: room.room_id.as_str().into(),
                    });
                }
                Some(_) => skipped.add(Skip::ExtremityNotLive),
                None => skipped.add(Skip::ExtremitySkipped),
            }
        }
    }
    t
}

fn backward_extremities<'a>(model: &'a Model, plan: &'a Plan<'a>) -> Rows<'a, syn::BackwardExtremity<'a>> {
    let in_dag = |p: &Planned<'_>| !p.is_outlier() && !p.is_rejected();
    let mut rows: BTreeSet<(&'a str, &'a str)> = BTreeSet::new();
    for p in plan.events.iter().filter(|p| in_dag(p)) {
        for prev in &p.fields.prev_events {
            let stored = match prev {
                Prev::Nid(nid) => plan.get(*nid),
                Prev::Unknown(_) => None,
            };
            if !stored.is_some_and(in_dag) {
                rows.insert((prev.id(&model.events), p.room.room_id.as_str()));
            }
        }
    }
    let mut t = Rows::default();
    for (event, room) in rows {
        t.push(syn::BackwardExtremity { event_id: event.into(), room_id: room.into() });
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::fields::Fields;
    use crate::dendrite::events::{Event, Events};
    use crate::dendrite::rooms::Room;
    use crate::synapse::row::Block;
    use crate::synapse::Value;

    fn event(nid: i64, state: bool, auth: &[i64]) -> Event {
        Event { state_key_nid: if state { 1 } else { 0 }, auth_event_nids: auth.into(), ..Event::test(nid) }
    }

    fn planned<'m>(events: &Events, e: &'m Event, room: &'m Room, kind: Kind, prevs: &[&str]) -> Planned<'m> {
        let prev = |id: &&str| events.by_event_id(id).map_or_else(|| Prev::Unknown((*id).into()), |e| Prev::Nid(e.nid));
        Planned {
            event: e,
            room,
            fields: Fields { prev_events: prevs.iter().map(prev).collect(), ..Fields::default() },
            event_type: "t",
            state_key: e.is_state().then_some(""),
            kind,
            stream_ordering: e.nid,
            received_ts: 0,
        }
    }

    fn pairs(t: &dyn Block) -> Vec<(String, String)> {
        let s = |v: &Value<'_>| match v {
            Value::Text(t) => t.to_string(),
            other => format!("{other:?}"),
        };
        let rows = t.values();
        assert_eq!(rows.len(), t.len(), "{}: rows counted as made", t.table());
        rows.iter().map(|r| (s(&r[0]), s(&r[1]))).collect()
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
        let plan = Plan::new(vec![
            planned(&model.events, &evs[0], &room, Kind::Live, &[]),
            planned(&model.events, &evs[1], &room, Kind::Live, &["$e1", "$e1"]),
            planned(&model.events, &evs[2], &room, Kind::Live, &["$e2", "$gone"]),
            planned(&model.events, &evs[3], &room, Kind::Rejected, &["$e3"]),
            planned(&model.events, &evs[4], &room, Kind::Outlier, &["$e0"]),
        ]);
        let mut skipped = Skipped::default();
        let edges = edges(&model, &plan, &mut skipped).unwrap();
        let auth = auth(&model, &plan, &mut skipped).unwrap();
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
