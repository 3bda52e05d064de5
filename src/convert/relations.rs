//! Redactions and relations: `redactions`, `event_relations`, `threads`
//! (docs/synapse-schema.md §A.5).
//!
//! * `redactions`: for non-rejected redaction events. Dendrite validated a
//!   redaction when it saw the target and allowed it, and then pruned the
//!   target in place: `recheck = false` (Synapse would otherwise refuse
//!   cross-server moderator redactions) and `have_censored = true` (the JSON
//!   is already pruned). A redaction Dendrite saw the target of and did *not*
//!   allow is left out (reported): with a row Synapse could apply it where
//!   Dendrite did not. One whose target never arrived keeps `recheck = true`,
//!   as Synapse would store it.
//! * `event_relations`: `content.m.relates_to` with string `rel_type` and
//!   `event_id`, every relation type, `aggregation_key` for annotations;
//!   non-rejected events only (a pruned event has no relation left).
//! * `threads`: per thread root, its latest `m.thread` child by
//!   (topological, stream) ordering.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::dendrite::Model;
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::Rows;

use super::plan::{Kind, Plan};
use super::report::{Skip, Skipped};

/// `redactions`, `event_relations`, `threads`.
pub fn tables<'a>(model: &'a Model, plan: &'a Plan<'a>, out: &mut Tables<'a>, skipped: &mut Skipped) {
    out.redactions = redactions(model, plan, skipped);
    out.event_relations = event_relations(plan);
    out.threads = threads(plan);
}

fn redactions<'a>(model: &'a Model, plan: &'a Plan<'a>, skipped: &mut Skipped) -> Rows<'a, syn::Redaction<'a>> {
    let mut t = Rows::default();
    for p in plan.events.iter().filter(|p| p.event_type == "m.room.redaction" && !p.is_rejected()) {
        let Some(target) = p.fields.redacts() else { continue };
        let validated = model.events.redactions.get(p.event_id()).is_some_and(|r| r.validated);
        let target_known = model.events.by_event_id(target).is_some();
        if !validated && target_known {
            skipped.add(Skip::RedactionNotAllowed);
            continue;
        }
        t.push(syn::Redaction {
            event_id: Cow::Borrowed(&p.event.event_id),
            redacts: target.into(),
            have_censored: validated,
            received_ts: p.received_ts,
            recheck: !validated,
        });
    }
    t
}

fn event_relations<'a>(plan: &'a Plan<'a>) -> Rows<'a, syn::EventRelation<'a>> {
    let mut t = Rows::default();
    for p in plan.events.iter().filter(|p| !p.is_rejected()) {
        let Some(rel) = p.fields.relation() else { continue };
        let key = if rel.rel_type == "m.annotation" { rel.key.as_deref() } else { None };
        t.push(syn::EventRelation {
            event_id: Cow::Borrowed(&p.event.event_id),
            relates_to_id: rel.event_id.as_str().into(),
            relation_type: rel.rel_type.as_str().into(),
            aggregation_key: key.map(Into::into),
        });
    }
    t
}

fn threads<'a>(plan: &'a Plan<'a>) -> Rows<'a, syn::Thread<'a>> {
    // (room, root) → (topological, stream, child event ID)
    let mut latest: BTreeMap<(&'a str, &'a str), (i64, i64, &'a str)> = BTreeMap::new();
    for p in plan.events.iter().filter(|p| !matches!(p.kind, Kind::Rejected | Kind::Outlier | Kind::SoftFailed)) {
        let Some(rel) = p.fields.relation().filter(|r| r.rel_type == "m.thread") else { continue };
        let candidate = (p.event.depth, p.stream_ordering, &*p.event.event_id);
        let slot = latest.entry((p.room.room_id.as_str(), rel.event_id.as_str())).or_insert(candidate);
        if (candidate.0, candidate.1) > (slot.0, slot.1) {
            *slot = candidate;
        }
    }
    let mut t = Rows::default();
    for ((room, root), (topo, stream, child)) in latest {
        t.push(syn::Thread {
            room_id: room.into(),
            thread_id: root.into(),
            latest_event_id: child.into(),
            topological_ordering: topo,
            stream_ordering: stream,
        });
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::fields::Fields;
    use crate::convert::plan::Planned;
    use crate::dendrite::event_json::{Rare, Relation};
    use crate::dendrite::events::Event;
    use crate::dendrite::rooms::Room;

    fn event(nid: i64, depth: i64) -> Event {
        Event { depth, ..Event::test(nid) }
    }

    fn related<'m>(e: &'m Event, room: &'m Room, kind: Kind, rel: &str, to: &str, key: Option<&str>) -> Planned<'m> {
        let relation = Relation { rel_type: rel.into(), event_id: to.into(), key: key.map(str::to_owned) };
        Planned {
            event: e,
            room,
            fields: Fields {
                rare: Some(Box::new(Rare { relation: Some(relation), ..Rare::default() })),
                ..Fields::default()
            },
            event_type: "m.room.message",
            state_key: None,
            kind,
            stream_ordering: e.nid,
            received_ts: 0,
        }
    }

    #[test]
    fn relations_keep_annotation_keys_and_threads_their_latest_reply() {
        let room = Room {
            nid: 1,
            room_id: "!r:s".into(),
            version: "10".into(),
            latest_event_nids: Box::new([]),
            state_snapshot_nid: 0,
        };
        let evs: Vec<Event> =
            [(1, 5), (2, 7), (3, 6), (4, 9), (5, 8), (6, 10)].iter().map(|&(n, d)| event(n, d)).collect();
        let plan = Plan::new(vec![
            related(&evs[0], &room, Kind::Live, "m.annotation", "$root", Some("👍")),
            related(&evs[1], &room, Kind::Live, "m.thread", "$root", Some("ignored")),
            related(&evs[2], &room, Kind::Live, "m.thread", "$root", None),
            related(&evs[3], &room, Kind::Rejected, "m.thread", "$root", None),
            related(&evs[4], &room, Kind::Outlier, "org.example.custom", "$other", None),
            related(&evs[5], &room, Kind::SoftFailed, "m.thread", "$root", None),
        ]);
        let rel = event_relations(&plan);
        let rows = &rel.rows;
        assert_eq!(rows.len(), 5, "every relation type, outliers and soft-failed too, not the rejected event");
        assert_eq!(rows[0].aggregation_key.as_deref(), Some("👍"));
        assert_eq!(rows[1].aggregation_key, None, "aggregation_key only for annotations");
        assert_eq!(rows[3].relation_type, "org.example.custom");
        let th = threads(&plan);
        assert_eq!(th.rows.len(), 1);
        // Latest visible reply: depth 7 ($e2), not the rejected ($e4) or soft-failed ($e6) one.
        assert_eq!(th.rows[0].latest_event_id, "$e2");
        assert_eq!(th.rows[0].topological_ordering, 7);
    }
}
