//! What a conversion wrote and what it left out, for the summary on stderr
//! and `--report report.json`.
//!
//! Nothing is dropped silently: every convert module that leaves a Dendrite
//! row out records it here under a fixed reason, and the counts per reason
//! are printed. Where the row has an ID an admin can look up (an event ID, a
//! room ID) it is recorded too ([`Skipped::add_id`]): the report lists them
//! all (`left_out_ids`), the summary the first few. Keys are sorted
//! (BTreeMap) so the JSON is deterministic.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::dendrite::catalog::UnknownTable;

/// What → reason → a count, or the IDs concerned.
type ByReason<T> = BTreeMap<String, BTreeMap<String, T>>;

/// Counts of rows left out, by (what, reason), and the IDs of those that have one.
/// Serialises as the counts (`{"what": {"reason": n}}`); the IDs go to the report's `left_out_ids`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    counts: ByReason<u64>,
    ids: ByReason<Vec<String>>,
}

impl Serialize for Skipped {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.counts.serialize(s)
    }
}

/// The summary names this many IDs per reason; the report all of them.
const IDS_IN_SUMMARY: usize = 3;

impl Skipped {
    /// One `what` left out for `reason`, with the ID people know it by (event or room ID).
    pub fn add_id(&mut self, what: &str, reason: &str, id: &str) {
        self.add(what, reason);
        self.ids.entry(what.to_string()).or_default().entry(reason.to_string()).or_default().push(id.to_string());
    }

    /// Every recorded ID, sorted within each (what, reason).
    pub fn ids(&self) -> ByReason<Vec<String>> {
        let mut ids = self.ids.clone();
        ids.values_mut().flat_map(|m| m.values_mut()).for_each(|v| v.sort());
        ids
    }

    /// One `what` (e.g. "userapi_devices") left out for `reason`.
    pub fn add(&mut self, what: &str, reason: &str) {
        self.add_n(what, reason, 1);
    }

    pub fn add_n(&mut self, what: &str, reason: &str, n: u64) {
        if n == 0 {
            return;
        }
        *self.counts.entry(what.to_string()).or_default().entry(reason.to_string()).or_default() += n;
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, u64)> {
        self.counts.iter().flat_map(|(w, m)| m.iter().map(move |(r, n)| (w.as_str(), r.as_str(), *n)))
    }

    /// The summary's note of the IDs behind one (what, reason), if any were recorded.
    fn ids_note(&self, what: &str, reason: &str) -> Option<String> {
        let mut ids = self.ids.get(what)?.get(reason)?.clone();
        ids.sort();
        let shown = ids.iter().take(IDS_IN_SUMMARY).cloned().collect::<Vec<_>>().join(", ");
        let more = ids.len().saturating_sub(IDS_IN_SUMMARY);
        Some(if more > 0 { format!("{shown} and {more} more (all in --report)") } else { shown })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct InputReport {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The whole run, as `--report` writes it.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub tool_version: String,
    pub server_name: String,
    pub inputs: Vec<InputReport>,
    /// (Synapse table, rows written), in the order the tables were filled.
    pub rows: Vec<(String, u64)>,
    pub skipped: Skipped,
    /// what → reason → every event or room ID left out (or changed) for it.
    pub left_out_ids: ByReason<Vec<String>>,
    /// Stream ids the converter assigned start above this (design.md).
    pub stream_base: i64,
    /// Dendrite-prefixed tables this tool does not know (not carried).
    pub unknown_tables: Vec<UnknownTable>,
}

impl Report {
    /// The summary for people, on stderr.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "server name: {}", self.server_name);
        let _ = writeln!(s, "rows written per Synapse table:");
        let width = self.rows.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
        for (table, n) in &self.rows {
            let _ = writeln!(s, "  {table:width$}  {n:>10}");
        }
        for t in &self.unknown_tables {
            let _ = writeln!(s, "warning: {}", t.warning());
        }
        if self.skipped.is_empty() {
            let _ = writeln!(s, "nothing skipped");
        } else {
            let _ = writeln!(s, "not carried over:");
            for (what, reason, n) in self.skipped.iter() {
                let _ = writeln!(s, "  {what}: {n} ({reason})");
                if let Some(note) = self.skipped.ids_note(what, reason) {
                    let _ = writeln!(s, "      {note}");
                }
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_are_counted_per_reason_in_sorted_order() {
        let mut s = Skipped::default();
        s.add("b", "why");
        s.add("a", "z reason");
        s.add("a", "a reason");
        s.add("b", "why");
        s.add_n("c", "never", 0);
        let got: Vec<_> = s.iter().collect();
        assert_eq!(got, vec![("a", "a reason", 1), ("a", "z reason", 1), ("b", "why", 2)]);
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"a":{"a reason":1,"z reason":1},"b":{"why":2}}"#);
    }

    #[test]
    fn ids_are_counted_listed_sorted_and_summarised() {
        let mut s = Skipped::default();
        for id in ["$d", "$b", "$a", "$c"] {
            s.add_id("events", "gone", id);
        }
        s.add("events", "gone"); // one without an ID still counts
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![("events", "gone", 5)]);
        assert_eq!(s.ids()["events"]["gone"], ["$a", "$b", "$c", "$d"]);
        assert_eq!(s.ids_note("events", "gone").unwrap(), "$a, $b, $c and 1 more (all in --report)");
        assert_eq!(s.ids_note("events", "other"), None);
    }
}
