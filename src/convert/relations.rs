//! Redactions and relations: `redactions`, `event_relations`, `threads`
//! (synapse-storage.md §A.5).
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

use std::collections::BTreeMap;

use crate::dendrite::Model;
use crate::synapse::Value;

use super::plan::{Kind, Plan};
use super::report::Skipped;
use super::table::Table;

pub fn redactions<'m>(model: &'m Model, plan: &Plan<'m>, skipped: &mut Skipped) -> Table<'m> {
    let mut t = Table::new("redactions", &["event_id", "redacts", "have_censored", "received_ts", "recheck"]);
    for p in plan.events.iter().filter(|p| p.event_type == "m.room.redaction" && !p.is_rejected()) {
        let Some(target) = p.fields.redacts.as_deref() else { continue };
        let validated = model.events.redactions.get(p.event_id()).is_some_and(|r| r.validated);
        let target_known = model.events.by_event_id(target).is_some();
        if !validated && target_known {
            skipped.add("redactions", "Dendrite did not allow the redaction (target kept unredacted)");
            continue;
        }
        t.push(vec![
            Value::from(&*p.event.event_id),
            Value::from(target.to_string()),
            Value::Bool(validated),
            Value::Int(p.received_ts),
            Value::Bool(!validated),
        ]);
    }
    t
}

pub fn event_relations<'m>(plan: &Plan<'m>) -> Table<'m> {
    let mut t = Table::new("event_relations", &["event_id", "relates_to_id", "relation_type", "aggregation_key"]);
    for p in plan.events.iter().filter(|p| !p.is_rejected()) {
        let Some(rel) = &p.fields.relation else { continue };
        let key = if rel.rel_type == "m.annotation" { rel.key.clone() } else { None };
        t.push(vec![
            Value::from(&*p.event.event_id),
            Value::from(rel.event_id.clone()),
            Value::from(rel.rel_type.clone()),
            Value::from(key),
        ]);
    }
    t
}

pub fn threads<'m>(plan: &Plan<'m>) -> Table<'m> {
    // (room, root) → (topological, stream, child event ID)
    let mut latest: BTreeMap<(&'m str, &str), (i64, i64, &'m str)> = BTreeMap::new();
    for p in plan.events.iter().filter(|p| !matches!(p.kind, Kind::Rejected | Kind::Outlier | Kind::SoftFailed)) {
        let Some(rel) = p.fields.relation.as_ref().filter(|r| r.rel_type == "m.thread") else { continue };
        let candidate = (p.event.depth, p.stream_ordering, &*p.event.event_id);
        let slot = latest.entry((p.room.room_id.as_str(), rel.event_id.as_str())).or_insert(candidate);
        if (candidate.0, candidate.1) > (slot.0, slot.1) {
            *slot = candidate;
        }
    }
    let mut t = Table::new("threads", &["room_id", "thread_id", "latest_event_id", "topological_ordering", "stream_ordering"]);
    for ((room, root), (topo, stream, child)) in latest {
        t.push(vec![Value::from(room), Value::from(root.to_string()), Value::from(child), Value::Int(topo), Value::Int(stream)]);
    }
    t
}
