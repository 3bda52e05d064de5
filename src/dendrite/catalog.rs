//! Which Dendrite tables exist and what becomes of each: read by the model,
//! known and deliberately left unread, or unknown to this tool.
//!
//! Why it exists: Dendrite adds tables between versions (element-hq 0.14
//! added `keyserver_fallback_keys` with `CREATE TABLE IF NOT EXISTS`, not
//! even a `db_migrations` row; an unmerged sliding-sync branch adds
//! partial-state tables). A table the loader does not bind would otherwise
//! be skipped without a word. So every table with a Dendrite prefix that is
//! neither read nor listed in [`KNOWN_UNREAD`] is counted row by row and
//! reported as unknown by `inspect` and `convert`.
//!
//! Traps:
//! * A table is "Dendrite's" by its name prefix only (one database may hold
//!   other software's tables; those are not ours to report).
//! * The stream-position tables (`super::positions`) are read by convert's
//!   positions reader, not by the [`super::Loader`]; they are listed here
//!   so the loader, which sees them when it runs alone, does not call them
//!   unknown.
//! * Adding a table to the model means removing it from [`KNOWN_UNREAD`]
//!   (a unit test keeps the two lists apart).

use std::path::PathBuf;

use serde::Serialize;

/// Name prefixes of Dendrite's components (plus the migration ledger).
const PREFIXES: &[&str] = &[
    "roomserver_",
    "syncapi_",
    "userapi_",
    "keyserver_",
    "mediaapi_",
    "federationsender_",
    "federationapi_",
    "keydb_",
    "relayapi_",
    "appservice_",
    "msc2836_",
    "db_migrations",
];

/// Dendrite tables the model does not read, and why (docs/dendrite-model.md).
pub const KNOWN_UNREAD: &[(&str, &str)] = &[
    ("db_migrations", "migration ledger (inspect reads it for the version)"),
    ("federationsender_assumed_offline", "federation queue/cache"),
    ("federationsender_blacklist", "federation queue/cache"),
    ("federationsender_inbound_peeks", "federation queue/cache"),
    ("federationsender_joined_hosts", "federation queue/cache"),
    ("federationsender_notary_server_keys_json", "federation queue/cache"),
    ("federationsender_notary_server_keys_metadata", "federation queue/cache"),
    ("federationsender_outbound_peeks", "federation queue/cache"),
    ("federationsender_queue_edus", "federation queue/cache"),
    ("federationsender_queue_json", "federation queue/cache"),
    ("federationsender_queue_pdus", "federation queue/cache"),
    ("federationsender_relay_servers", "federation queue/cache"),
    ("keydb_server_keys", "remote servers' signing keys (a cache)"),
    ("relayapi_queue", "relay queue"),
    ("relayapi_queue_json", "relay queue"),
    ("msc2836_edges", "experimental threading index"),
    ("msc2836_nodes", "experimental threading index"),
    ("keyserver_key_changes", "stream positions only (read by convert)"),
    ("keyserver_stale_device_lists", "remote device-list cache"),
    ("roomserver_previous_events", "derived from the events' prev_events"),
    ("roomserver_reported_events", "not carried yet"),
    ("roomserver_user_room_keys", "pseudo-ID keys (rooms Synapse cannot host)"),
    ("roomserver_partial_state_rooms_servers", "servers of a partial-state room (the room itself is refused)"),
    ("syncapi_account_data_type", "stream positions only (read by convert)"),
    ("syncapi_backward_extremities", "derived"),
    ("syncapi_current_room_state", "derived from the roomserver state"),
    ("syncapi_ignores", "derived from m.ignored_user_list account data"),
    ("syncapi_invite_events", "stream positions only (read by convert)"),
    ("syncapi_memberships", "derived"),
    ("syncapi_notification_data", "stream positions only (read by convert)"),
    ("syncapi_output_room_events_topology", "derived (depth and stream ids)"),
    ("syncapi_peeks", "stream positions only (read by convert)"),
    ("syncapi_relations", "derived from the events"),
    ("userapi_daily_stats", "statistics"),
    ("userapi_daily_visits", "statistics"),
    ("userapi_login_tokens", "short-lived login tokens"),
    ("userapi_openid_tokens", "short-lived OpenID tokens"),
];

/// A Dendrite-prefixed table this tool neither reads nor knows.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct UnknownTable {
    pub name: String,
    pub rows: u64,
    pub source: PathBuf,
}

impl UnknownTable {
    /// The warning line `inspect` and `convert` print.
    pub fn warning(&self) -> String {
        format!(
            "table {} ({} rows, in {}) is not known to this tool and is not carried over \
             (a Dendrite newer than this tool?)",
            self.name,
            self.rows,
            self.source.display()
        )
    }
}

/// Whether `name` (without schema) looks like a table of Dendrite's.
pub fn is_dendrite(name: &str) -> bool {
    PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Whether a table the loader does not bind is one it has no reason to read.
pub fn known_unread(name: &str) -> bool {
    KNOWN_UNREAD.iter().any(|(t, _)| *t == name)
}

/// Whether an unbound table must be counted and reported as unknown.
pub fn is_unknown(name: &str) -> bool {
    is_dendrite(name) && !known_unread(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_decide_what_is_dendrites() {
        assert!(is_unknown("roomserver_partial_state_rooms_v2"));
        assert!(is_unknown("userapi_something_new"));
        assert!(!is_unknown("goose_db_version"));
        assert!(!is_unknown("synapse_thing"));
        assert!(!is_unknown("federationsender_queue_pdus"));
        assert!(!is_unknown("syncapi_peeks"), "a positions table is read by convert");
    }

    #[test]
    fn known_unread_tables_are_not_bound_by_the_loader() {
        for (name, _) in KNOWN_UNREAD {
            let header = super::super::columns::test_header(name, &["x"]);
            assert!(!super::super::binds(&header), "{name} is read by the loader and listed as unread");
        }
    }
}

/// The loader on the real fixtures and on a real fixture plus a second
/// input holding newer tables (the loader takes several dumps: one per
/// Dendrite database).
#[cfg(test)]
mod loader_tests {
    use std::path::{Path, PathBuf};

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dendrite-0.13.8").join(name).join("dendrite.sql.gz")
    }

    #[test]
    fn every_table_of_the_0138_fixtures_is_read_or_known() {
        for name in ["basic", "full", "federation"] {
            let model = super::super::load(&[fixture(name)]).unwrap();
            assert_eq!(model.unknown_tables, vec![], "{name}");
        }
    }

    #[test]
    fn newer_tables_are_counted_and_partial_state_rooms_named() {
        let dir = tempfile::tempdir().unwrap();
        let extra = dir.path().join("newer.sql");
        std::fs::write(
            &extra,
            "SET client_encoding = 'UTF8';\n\
             COPY public.roomserver_partial_state_rooms (room_nid, join_event_nid, joined_via, created_at, device_lists_stream_id) FROM stdin;\n\
             1\t5\tother.example\t2025-12-01 10:00:00\t0\n\
             \\.\n\
             COPY public.roomserver_partial_state_rooms_servers (room_nid, server_name) FROM stdin;\n\
             1\tother.example\n\
             \\.\n\
             COPY public.userapi_brand_new (a) FROM stdin;\n\
             x\n\
             y\n\
             \\.\n\
             COPY public.unrelated_app_table (a) FROM stdin;\n\
             z\n\
             \\.\n",
        )
        .unwrap();
        let model = super::super::load(&[fixture("basic"), extra.clone()]).unwrap();
        let unknown: Vec<(&str, u64)> = model.unknown_tables.iter().map(|t| (t.name.as_str(), t.rows)).collect();
        assert_eq!(unknown, vec![("userapi_brand_new", 2)]);
        assert_eq!(model.unknown_tables[0].source, extra);
        let room = &model.rooms.by_nid[&1].room_id;
        assert_eq!(model.rooms.partial_state_ids(), vec![room.clone()]);
    }
}
