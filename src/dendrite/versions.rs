//! Which Dendrite releases could have written a dump, and why.
//!
//! How it works: each piece of evidence gives a lower or an upper bound on
//! the release ([`RELEASES`]); the answer is the releases between the
//! highest lower bound and the lowest upper bound, with every reason.
//! The facts behind each rule are in docs/dendrite-versions.md.
//!
//! Traps:
//! * `db_migrations` cannot tell 0.13.8 from 0.15.x on an upgraded server:
//!   0.14 and 0.15 added no migration. Its `dendrite_version` column names
//!   the release that *ran* each migration, so it only gives a lower bound
//!   (a fresh 0.15.2 install writes `0.15.2+<rev>`), never an upper one.
//! * element-hq ≥ 0.14 creates `keyserver_fallback_keys` at every start, so
//!   a dump that has the key-server tables but not this one was last run by
//!   ≤ 0.13.8. Without key-server tables (a per-component dump set missing
//!   one database) there is no upper bound.
//! * Version strings carry build metadata (`0.15.2+abc1234`, `0.13.8-rc1`):
//!   only the numeric `major.minor.patch` part is compared.

use serde::Serialize;

/// Releases this tool knows, oldest first (the last matrix-org release,
/// then element-hq's).
pub const RELEASES: &[((u64, u64, u64), &str)] = &[
    ((0, 13, 8), "matrix-org"),
    ((0, 14, 0), "element-hq"),
    ((0, 14, 1), "element-hq"),
    ((0, 15, 0), "element-hq"),
    ((0, 15, 1), "element-hq"),
    ((0, 15, 2), "element-hq"),
];

/// What a dump shows that bears on the release.
pub struct Evidence<'a> {
    /// Whether the dump has a table of this name (without schema).
    pub has_table: &'a dyn Fn(&str) -> bool,
    /// `roomserver_rooms.room_version` values.
    pub room_versions: Vec<&'a str>,
    /// `db_migrations.dendrite_version` values.
    pub migrated_by: Vec<&'a str>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Compatibility {
    /// e.g. "0.14.0 – 0.15.2", "0.13.8 or older", "newer than 0.15.2".
    pub releases: String,
    /// One line per piece of evidence, e.g. "table keyserver_fallback_keys: ≥ 0.14.0".
    pub reasons: Vec<String>,
}

fn numeric(v: &str) -> (u64, u64, u64) {
    let core = v.trim_start_matches('v').split(['+', '-']).next().unwrap_or("");
    let mut n = core.split('.').map(|p| p.parse().unwrap_or(0));
    (n.next().unwrap_or(0), n.next().unwrap_or(0), n.next().unwrap_or(0))
}

fn name(v: (u64, u64, u64)) -> String {
    format!("{}.{}.{}", v.0, v.1, v.2)
}

pub fn judge(e: &Evidence) -> Compatibility {
    let mut lower = (0, 0, 0);
    let mut upper: Option<(u64, u64, u64)> = None;
    let mut reasons = Vec::new();
    let mut at_least = |v: (u64, u64, u64), why: String, reasons: &mut Vec<String>| {
        lower = lower.max(v);
        reasons.push(format!("{why}: ≥ {}", name(v)));
    };
    if (e.has_table)("keyserver_fallback_keys") {
        at_least(
            (0, 14, 0),
            "table keyserver_fallback_keys (created at start by element-hq ≥ 0.14)".into(),
            &mut reasons,
        );
    } else if (e.has_table)("keyserver_device_keys") {
        upper = Some((0, 13, 8));
        reasons.push("key-server tables without keyserver_fallback_keys (0.14+ creates it at start): ≤ 0.13.8".into());
    }
    if e.room_versions.contains(&"12") {
        at_least((0, 15, 0), "rooms of version 12".into(), &mut reasons);
    }
    if let Some(newest) = e.migrated_by.iter().copied().max_by_key(|v| numeric(v)) {
        at_least(numeric(newest), format!("db_migrations: newest migration run by {newest}"), &mut reasons);
    }
    if (e.has_table)("roomserver_partial_state_rooms") {
        reasons.push(
            "table roomserver_partial_state_rooms: element-hq's unreleased sliding-sync branch (not a release)".into(),
        );
    }
    Compatibility { releases: range(lower, upper), reasons }
}

fn range(lower: (u64, u64, u64), upper: Option<(u64, u64, u64)>) -> String {
    let newest = RELEASES.last().map(|r| r.0).unwrap_or_default();
    if let Some(u) = upper.filter(|u| *u < lower) {
        return format!("none (the evidence conflicts: ≥ {} and ≤ {})", name(lower), name(u));
    }
    if lower > newest {
        return format!("newer than {} (not known to this tool)", name(newest));
    }
    let known: Vec<String> = RELEASES
        .iter()
        .filter(|(v, _)| *v >= lower && upper.map_or(true, |u| *v <= u))
        .map(|(v, org)| format!("{} ({org})", name(*v)))
        .collect();
    let older = if lower <= RELEASES[0].0 { ", and older releases" } else { "" };
    let later = if upper.is_none() { ", and later element-hq builds" } else { "" };
    format!("{}{older}{later}", known.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge_with(tables: &[&str], rooms: &[&str], migrated: &[&str]) -> Compatibility {
        let has = |t: &str| tables.contains(&t);
        judge(&Evidence { has_table: &has, room_versions: rooms.to_vec(), migrated_by: migrated.to_vec() })
    }

    #[test]
    fn an_upgraded_013_dump_without_the_fallback_table_is_at_most_0138() {
        let c = judge_with(&["keyserver_device_keys"], &["10"], &["0.13.8"]);
        assert_eq!(c.releases, "0.13.8 (matrix-org), and older releases");
        assert_eq!(c.reasons.len(), 2, "{c:?}");
    }

    #[test]
    fn the_fallback_table_and_v12_rooms_raise_the_lower_bound() {
        let c = judge_with(&["keyserver_device_keys", "keyserver_fallback_keys"], &[], &["0.13.8"]);
        assert!(c.releases.starts_with("0.14.0 (element-hq), 0.14.1"), "{}", c.releases);
        let c = judge_with(&["keyserver_device_keys", "keyserver_fallback_keys"], &["12", "10"], &["0.13.8"]);
        assert_eq!(
            c.releases,
            "0.15.0 (element-hq), 0.15.1 (element-hq), 0.15.2 (element-hq), and later element-hq builds"
        );
    }

    #[test]
    fn a_fresh_0152_install_says_so_in_db_migrations() {
        let c = judge_with(&["keyserver_fallback_keys"], &[], &["0.15.2+0a1b2c3"]);
        assert!(c.releases.starts_with("0.15.2 (element-hq)"), "{}", c.releases);
        assert!(c.reasons.iter().any(|r| r.contains("0.15.2+0a1b2c3")), "{c:?}");
    }

    #[test]
    fn conflicting_and_unknown_evidence_is_named() {
        let c = judge_with(&["keyserver_device_keys"], &["12"], &[]);
        assert!(c.releases.starts_with("none"), "{}", c.releases);
        let c = judge_with(&[], &[], &["0.16.0"]);
        assert!(c.releases.starts_with("newer than 0.15.2"), "{}", c.releases);
        let c = judge_with(&["roomserver_partial_state_rooms"], &[], &[]);
        assert!(c.reasons[0].contains("sliding-sync"), "{c:?}");
    }
}
