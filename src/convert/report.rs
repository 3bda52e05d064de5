//! What a conversion wrote and what it left out, for the summary on stderr
//! and `--report report.json`.
//!
//! Nothing is dropped silently: every convert module that leaves a Dendrite
//! row out records it here under a fixed reason, and the counts per reason
//! are printed. Keys are sorted (BTreeMap) so the JSON is deterministic.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::dendrite::catalog::UnknownTable;

/// Counts of rows left out, by (what, reason).
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Skipped(BTreeMap<String, BTreeMap<String, u64>>);

impl Skipped {
    /// One `what` (e.g. "userapi_devices") left out for `reason`.
    pub fn add(&mut self, what: &str, reason: &str) {
        self.add_n(what, reason, 1);
    }

    pub fn add_n(&mut self, what: &str, reason: &str, n: u64) {
        if n == 0 {
            return;
        }
        *self.0.entry(what.to_string()).or_default().entry(reason.to_string()).or_default() += n;
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, u64)> {
        self.0.iter().flat_map(|(w, m)| m.iter().map(move |(r, n)| (w.as_str(), r.as_str(), *n)))
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
}
