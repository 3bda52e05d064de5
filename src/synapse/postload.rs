//! The end of the script, after the last COPY: checks, then fix-ups, then commit.
//!
//! 0. Indexes deferred with `Script::defer_indexes` are recreated.
//! 1. Row counts: each filled table holds exactly its rows before the load plus
//!    the rows written ([`expect_rows`]).
//! 2. Invariants: SQL counting rows that break one of Synapse's assumptions;
//!    any count > 0 aborts ([`Invariant`], [`STANDARD_INVARIANTS`]).
//! 3. Fix-ups that only read what is now in the tables (so they hold for any
//!    converted data): `stream_positions` emptied, and the positions of
//!    background processors that walk the events stream moved past the
//!    imported history (docs/synapse-writer.md, docs/synapse-schema.md §D).
//! 4. Derived tables: those we compute ourselves are filled here (`event_search`,
//!    [`search`](super::search); `sliding_sync_joined_rooms`,
//!    [`sliding_sync`](super::sliding_sync); `sliding_sync_membership_snapshots`,
//!    [`membership_snapshots`](super::membership_snapshots); room and user stats,
//!    [`stats`](super::stats); the user directory,
//!    [`user_directory`](super::user_directory)); the others are queued as background updates
//!    (§E.1), which `update_synapse_database --run-background-updates` then rebuilds.
//! 5. Completion mark, deferred checks run now.
//! 6. Last, every stream sequence moved to the MAX of its tables (`setval`
//!    after `ALTER SEQUENCE … RESTART`, whose new storage makes it roll back:
//!    psql killed before COMMIT leaves the sequences as they were too), `ANALYZE`
//!    of the filled tables. A load that fails any check leaves the database as it was.
//! 7. COMMIT, unless under `psql -1` (psql commits).

use std::fmt::Write as _;

use super::{membership_snapshots, search, sliding_sync, stats, user_directory};

/// A check: `violations_sql` counts the rows that break it (must be 0).
#[derive(Clone, Copy, Debug)]
pub struct Invariant {
    pub name: &'static str,
    pub violations_sql: &'static str,
}

/// Assumptions Synapse makes about any database it serves (docs/synapse-writer.md, "Invariants").
pub const STANDARD_INVARIANTS: &[Invariant] = &[
    Invariant {
        name: "every event has its event_json",
        violations_sql: "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_json j WHERE j.event_id = e.event_id)",
    },
    Invariant {
        name: "every non-outlier event has a state group",
        violations_sql: "SELECT count(*) FROM events e WHERE NOT e.outlier AND NOT EXISTS (SELECT 1 FROM event_to_state_groups s WHERE s.event_id = e.event_id)",
    },
    Invariant {
        name: "prev_state_group < state_group",
        violations_sql: "SELECT count(*) FROM state_group_edges WHERE prev_state_group >= state_group",
    },
    Invariant {
        name: "current_state_events.event_stream_ordering matches events",
        violations_sql: "SELECT count(*) FROM current_state_events c JOIN events e USING (event_id) WHERE c.event_stream_ordering IS DISTINCT FROM e.stream_ordering",
    },
    Invariant {
        name: "room_memberships.event_stream_ordering matches events",
        violations_sql: "SELECT count(*) FROM room_memberships m JOIN events e USING (event_id) WHERE m.event_stream_ordering IS DISTINCT FROM e.stream_ordering",
    },
    Invariant {
        name: "local_current_membership.event_stream_ordering matches events",
        violations_sql: "SELECT count(*) FROM local_current_membership m JOIN events e USING (event_id) WHERE m.event_stream_ordering IS DISTINCT FROM e.stream_ordering",
    },
    Invariant {
        name: "every current_state_events row names an event",
        violations_sql: "SELECT count(*) FROM current_state_events c WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = c.event_id)",
    },
];

/// How a derived table is rebuilt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rebuild {
    /// Queued in `background_updates` (`progress_json` `{}`); Synapse's update
    /// rebuilds it when `update_synapse_database --run-background-updates` runs.
    Queued,
    /// Computed during the load by this SQL, which gives what Synapse's update
    /// would; the SQL also removes the update from `background_updates`.
    Computed(&'static str),
    /// Computed by the SQL of the named update (one statement fills what a
    /// chain of Synapse's updates builds); not queued, no SQL of its own.
    ComputedBy(&'static str),
}

#[derive(Clone, Copy, Debug)]
pub struct BackgroundUpdate {
    pub name: &'static str,
    pub depends_on: Option<&'static str>,
    pub rebuild: Rebuild,
}

/// The later steps of Synapse's user-directory chain, done by the first's SQL.
const fn by_user_directory(name: &'static str, depends_on: &'static str) -> BackgroundUpdate {
    BackgroundUpdate {
        name,
        depends_on: Some(depends_on),
        rebuild: Rebuild::ComputedBy("populate_user_directory_createtables"),
    }
}

/// Rebuilders of the tables the converter does not write (docs/synapse-schema.md §E.1):
/// stats, user directory, full-text search, chain cover, sliding sync.
pub const REBUILD_DERIVED: &[BackgroundUpdate] = &[
    BackgroundUpdate {
        name: "populate_user_directory_createtables",
        depends_on: None,
        rebuild: Rebuild::Computed(user_directory::USER_DIRECTORY_FILL),
    },
    by_user_directory("populate_user_directory_process_rooms", "populate_user_directory_createtables"),
    by_user_directory("populate_user_directory_process_users", "populate_user_directory_process_rooms"),
    by_user_directory("populate_user_directory_cleanup", "populate_user_directory_process_users"),
    BackgroundUpdate { name: "event_search", depends_on: None, rebuild: Rebuild::Computed(search::EVENT_SEARCH_FILL) },
    BackgroundUpdate { name: "chain_cover", depends_on: None, rebuild: Rebuild::Computed(CHAIN_COVER_DONE) },
    BackgroundUpdate {
        name: "sliding_sync_prefill_joined_rooms_to_recalculate_table_bg_update",
        depends_on: None,
        rebuild: Rebuild::ComputedBy("sliding_sync_joined_rooms_bg_update"),
    },
    BackgroundUpdate {
        name: "sliding_sync_joined_rooms_bg_update",
        depends_on: Some("sliding_sync_prefill_joined_rooms_to_recalculate_table_bg_update"),
        rebuild: Rebuild::Computed(sliding_sync::JOINED_ROOMS_FILL),
    },
    BackgroundUpdate {
        name: "sliding_sync_membership_snapshots_bg_update",
        depends_on: None,
        rebuild: Rebuild::Computed(membership_snapshots::MEMBERSHIP_SNAPSHOTS_FILL),
    },
    BackgroundUpdate {
        name: "populate_stats_process_rooms",
        depends_on: None,
        rebuild: Rebuild::Computed(stats::STATS_FILL),
    },
    BackgroundUpdate {
        name: "populate_stats_process_users",
        depends_on: None,
        rebuild: Rebuild::ComputedBy("populate_stats_process_rooms"),
    },
];

/// The chain cover index is made by the converter (src/convert/chain_cover.rs)
/// and loaded with the other tables; only the update is removed here.
const CHAIN_COVER_DONE: &str = "-- chain_cover: the index was loaded with the events.\n\
DELETE FROM background_updates WHERE update_name = 'chain_cover';\n\n";

/// What the end of the script does beyond the row-count checks and the
/// data-independent fix-ups, which always run.
#[derive(Clone, Debug)]
pub struct PostLoad {
    pub invariants: Vec<Invariant>,
    pub background_updates: Vec<BackgroundUpdate>,
    /// Every stream sequence a client's sync token can name is moved to at
    /// least this value (0: no floor). Migrated clients resume `/sync` with
    /// their old tokens; a token part above its stream's current position is
    /// "from the future" to Synapse (it logs an ERROR and clamps it). The
    /// converter passes the largest Dendrite stream position.
    pub stream_floor: i64,
    /// The server's name (empty: not known). When set, the fix-ups define
    /// `pg_temp.d2s_server_name()` and `pg_temp.d2s_is_mine(user_id)` (Synapse's
    /// `is_mine_id`: the part after the first `:` is this server) first, for
    /// the SQL of the derived tables that tells local users apart.
    pub server_name: String,
}

impl Default for PostLoad {
    fn default() -> Self {
        PostLoad {
            invariants: STANDARD_INVARIANTS.to_vec(),
            background_updates: REBUILD_DERIVED.to_vec(),
            stream_floor: 0,
            server_name: String::new(),
        }
    }
}

/// Recreates what `Script::defer_indexes` moved after the data, from the saved
/// definitions, and checks the rows of foreign keys Synapse made NOT VALID.
pub const RECREATE_INDEXES: &str = r#"-- Recreate deferred indexes, foreign keys and triggers from the target's own definitions.
DO $indexes$
DECLARE r record; n bigint;
BEGIN
  FOR r IN SELECT tbl, name, kind, def FROM pg_temp.d2s_indexes ORDER BY ord LOOP
    IF r.kind = 'foreign key check' THEN
      EXECUTE r.def INTO n;
      IF n > 0 THEN
        RAISE EXCEPTION 'dendrite2synapse: % rows of % break its foreign key %; nothing was loaded', n, r.tbl, r.name;
      END IF;
      CONTINUE;
    END IF;
    BEGIN
      EXECUTE r.def;
    EXCEPTION WHEN OTHERS THEN
      RAISE EXCEPTION 'dendrite2synapse: recreating % % on % failed: %; nothing was loaded', r.kind, r.name, r.tbl, SQLERRM;
    END;
  END LOOP;
END
$indexes$;

"#;

pub fn row_count_checks(tables: &[(String, u64)]) -> String {
    let mut s = String::from("-- Each filled table holds exactly the rows written.\nDO $rows$\nBEGIN\n");
    for (table, rows) in tables {
        let _ = writeln!(s, "  PERFORM pg_temp.d2s_expect_rows('{table}', {rows});");
    }
    s.push_str("END\n$rows$;\n\n");
    s
}

pub fn invariant_checks(invariants: &[Invariant]) -> String {
    if invariants.is_empty() {
        return String::new();
    }
    let mut s = String::from("-- Synapse's invariants.\nDO $invariants$\nDECLARE n bigint;\nBEGIN\n");
    for inv in invariants {
        let _ = write!(
            s,
            "  EXECUTE {sql} INTO n;\n  IF n > 0 THEN RAISE EXCEPTION 'dendrite2synapse: % rows break \"{name}\"; nothing was loaded', n; END IF;\n",
            sql = sql_literal(inv.violations_sql),
            name = inv.name.replace('\'', "''"),
        );
    }
    s.push_str("END\n$invariants$;\n\n");
    s
}

/// `'…'` with quotes doubled (standard_conforming_strings is on).
pub fn sql_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub fn fixups(post: &PostLoad) -> String {
    let mut s = server_name_functions(&post.server_name);
    s.push_str(&events_position_function(post.stream_floor));
    s.push_str(POSITIONS);
    s.push('\n');
    s.push_str(&background_updates(&post.background_updates));
    s
}

/// `pg_temp.d2s_server_name()` and `pg_temp.d2s_is_mine(text)`, or nothing
/// when the name is not known.
fn server_name_functions(server_name: &str) -> String {
    if server_name.is_empty() {
        return String::new();
    }
    format!(
        "-- This server's name, for the SQL that tells local users apart.\n\
         CREATE TEMPORARY TABLE d2s_server (name text NOT NULL);\n\
         INSERT INTO pg_temp.d2s_server (name) VALUES ({name});\n\
         CREATE FUNCTION pg_temp.d2s_server_name() RETURNS text LANGUAGE sql STABLE AS $fn$ SELECT name FROM pg_temp.d2s_server $fn$;\n\
         CREATE FUNCTION pg_temp.d2s_is_mine(user_id text) RETURNS boolean LANGUAGE sql STABLE AS $fn$\n  \
         SELECT strpos(user_id, ':') > 0 AND substr(user_id, strpos(user_id, ':') + 1) = pg_temp.d2s_server_name()\n$fn$;\n\n",
        name = sql_literal(server_name)
    )
}

/// `pg_temp.d2s_events_position()`: the value the events sequence will hold
/// after [`finale`] raises it (to the MAX of its three tables, then to the
/// sync-token floor; a raise only ever moves it forward), which is the events
/// stream position Synapse reads when it starts. For the derived tables that
/// store "computed up to" positions (docs/synapse-schema.md §E.4).
fn events_position_function(stream_floor: i64) -> String {
    format!(
        "-- The events stream position Synapse will read at start-up (the sequence after the last step's raises).\n\
         CREATE FUNCTION pg_temp.d2s_events_position() RETURNS bigint LANGUAGE sql STABLE AS $fn$\n  \
         SELECT CASE WHEN v > CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END THEN v ELSE s.last_value END\n    \
         FROM events_stream_seq s,\n         \
         LATERAL (SELECT GREATEST((SELECT COALESCE(MAX(stream_ordering), 1) FROM events),\n                                 \
         (SELECT COALESCE(MAX(stream_id), 1) FROM current_state_delta_stream),\n                                 \
         (SELECT COALESCE(MAX(event_stream_ordering), 1) FROM ex_outlier_stream), {stream_floor}::bigint) AS v) m\n\
         $fn$;\n\n"
    )
}

fn background_updates(updates: &[BackgroundUpdate]) -> String {
    let mut s = String::new();
    for u in updates {
        if let Rebuild::Computed(sql) = u.rebuild {
            s.push_str(sql);
        }
    }
    let queued: Vec<&BackgroundUpdate> = updates.iter().filter(|u| u.rebuild == Rebuild::Queued).collect();
    if queued.is_empty() {
        return s;
    }
    s.push_str("-- Rebuild the derived tables (run by update_synapse_database --run-background-updates).\n");
    for u in queued {
        let depends = u.depends_on.map_or("NULL".to_string(), sql_literal);
        let _ = writeln!(
            s,
            "INSERT INTO background_updates (ordering, update_name, progress_json, depends_on) \
             VALUES (9400, {name}, '{{}}', {depends}) ON CONFLICT (update_name) DO NOTHING;",
            name = sql_literal(u.name),
        );
    }
    s.push('\n');
    s
}

/// Completion mark, deferred checks now, then what cannot be rolled back
/// (sequences, planner statistics), then COMMIT unless psql -1 does it.
pub fn finale(tables: &[(String, u64)], stream_floor: i64) -> String {
    let mut s = String::from(
        "-- Complete: run the deferred checks (foreign keys, completion mark) now.\n\
         UPDATE pg_temp.d2s_complete SET done = true;\n\
         SET CONSTRAINTS ALL IMMEDIATE;\n\n",
    );
    s.push_str(SEQUENCES);
    s.push_str(&floor(stream_floor));
    for (table, _) in tables {
        let _ = writeln!(s, "ANALYZE {table};");
    }
    s.push_str(
        "\\if :d2s_in_tx\n\
         \\echo 'dendrite2synapse: all checks passed; psql -1 commits now'\n\
         \\else\n\
         COMMIT;\n\
         \\echo 'dendrite2synapse: all checks passed; committed'\n\
         \\endif\n",
    );
    s
}

/// The stream sequences a sync token names (Synapse's `StreamToken` parts
/// that are backed by a sequence), raised to at least `floor`.
const TOKEN_SEQUENCES: [&str; 7] = [
    "events_stream_seq",
    "presence_stream_sequence",
    "receipts_sequence",
    "account_data_sequence",
    "push_rules_stream_sequence",
    "device_inbox_sequence",
    "device_lists_sequence",
];

fn floor(floor: i64) -> String {
    if floor <= 0 {
        return String::new();
    }
    let mut s = String::from(
        "-- Sync tokens that clients kept from before the migration stay in the past.\nDO $floor$\nBEGIN\n",
    );
    for seq in TOKEN_SEQUENCES {
        let _ = writeln!(s, "  PERFORM pg_temp.d2s_bump('{seq}', {floor});");
    }
    s.push_str("END\n$floor$;\n");
    s
}

/// Sequences and processor positions, from the MAX of the tables: correct for
/// any data, and a no-op on a database Synapse wrote itself.
const SEQUENCES: &str = r#"-- Stream sequences to the MAX of their tables (Synapse refuses to start when a stream
-- position is ahead of its sequence). setval() alone is not rolled back with the
-- transaction, so psql killed between here and COMMIT would leave the sequences moved on an
-- otherwise untouched target. ALTER SEQUENCE RESTART first gives the sequence new storage
-- within this transaction (PostgreSQL 10+), so the setval() after it is rolled back with it.
-- The result must be last_value = v with is_called true: Synapse's stream writers read
-- last_value raw as their current position (is_called false would put them one ahead of
-- the data, and clients would miss the next to-device message or event).
CREATE FUNCTION pg_temp.d2s_bump(seq regclass, v bigint) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE cur bigint; called boolean;
BEGIN
  EXECUTE format('SELECT last_value, is_called FROM %s', seq) INTO cur, called;
  IF NOT called THEN cur := cur - 1; END IF;
  IF v > cur THEN
    EXECUTE format('ALTER SEQUENCE %s RESTART', seq);
    PERFORM setval(seq, v, true);
  END IF;
END
$fn$;
DO $fixups$
BEGIN
  PERFORM pg_temp.d2s_bump('events_stream_seq', GREATEST(
    (SELECT COALESCE(MAX(stream_ordering), 1) FROM events),
    (SELECT COALESCE(MAX(stream_id), 1) FROM current_state_delta_stream),
    (SELECT COALESCE(MAX(event_stream_ordering), 1) FROM ex_outlier_stream)));
  -- backfilled events have negative orderings; the sequence holds the magnitude
  PERFORM pg_temp.d2s_bump('events_backfill_stream_seq', GREATEST(
    (SELECT COALESCE(-MIN(stream_ordering), 1) FROM events),
    (SELECT COALESCE(-MIN(event_stream_ordering), 1) FROM ex_outlier_stream)));
  PERFORM pg_temp.d2s_bump('state_group_id_seq', (SELECT COALESCE(MAX(id), 1) FROM state_groups));
  PERFORM pg_temp.d2s_bump('event_auth_chain_id', (SELECT COALESCE(MAX(chain_id), 1) FROM event_auth_chains));
  PERFORM pg_temp.d2s_bump('account_data_sequence', GREATEST(
    (SELECT COALESCE(MAX(stream_id), 1) FROM account_data),
    (SELECT COALESCE(MAX(stream_id), 1) FROM room_account_data),
    (SELECT COALESCE(MAX(stream_id), 1) FROM room_tags_revisions)));
  PERFORM pg_temp.d2s_bump('receipts_sequence', (SELECT COALESCE(MAX(stream_id), 1) FROM receipts_linearized));
  PERFORM pg_temp.d2s_bump('presence_stream_sequence', (SELECT COALESCE(MAX(stream_id), 1) FROM presence_stream));
  PERFORM pg_temp.d2s_bump('push_rules_stream_sequence', (SELECT COALESCE(MAX(stream_id), 1) FROM push_rules_stream));
  PERFORM pg_temp.d2s_bump('pushers_sequence', GREATEST(
    (SELECT COALESCE(MAX(id), 1) FROM pushers),
    (SELECT COALESCE(MAX(stream_id), 1) FROM deleted_pushers)));
  PERFORM pg_temp.d2s_bump('device_inbox_sequence', GREATEST(
    (SELECT COALESCE(MAX(stream_id), 1) FROM device_inbox),
    (SELECT COALESCE(MAX(stream_id), 1) FROM device_federation_outbox)));
  PERFORM pg_temp.d2s_bump('device_lists_sequence', GREATEST(
    (SELECT COALESCE(MAX(stream_id), 1) FROM device_lists_stream),
    (SELECT COALESCE(MAX(stream_id), 1) FROM user_signature_stream),
    (SELECT COALESCE(MAX(stream_id), 1) FROM device_lists_outbound_pokes),
    (SELECT COALESCE(MAX(stream_id), 1) FROM device_lists_changes_in_room),
    (SELECT COALESCE(MAX(stream_id), 1) FROM device_lists_remote_pending),
    (SELECT COALESCE(MAX(stream_id), 1) FROM device_lists_changes_converted_stream_position)));
  PERFORM pg_temp.d2s_bump('e2e_cross_signing_keys_sequence', (SELECT COALESCE(MAX(stream_id), 1) FROM e2e_cross_signing_keys));
  PERFORM pg_temp.d2s_bump('profile_updates_sequence', (SELECT COALESCE(MAX(stream_id), 1) FROM profile_updates));
  PERFORM pg_temp.d2s_bump('thread_subscriptions_sequence', (SELECT COALESCE(MAX(stream_id), 1) FROM thread_subscriptions));
  PERFORM pg_temp.d2s_bump('sticky_events_sequence', (SELECT COALESCE(MAX(stream_id), 1) FROM sticky_events));
  PERFORM pg_temp.d2s_bump('quarantined_media_id_seq', (SELECT COALESCE(MAX(stream_id), 1) FROM quarantined_media_changes));
  PERFORM pg_temp.d2s_bump('un_partial_stated_event_stream_sequence', (SELECT COALESCE(MAX(stream_id), 1) FROM un_partial_stated_event_stream));
  PERFORM pg_temp.d2s_bump('un_partial_stated_room_stream_sequence', (SELECT COALESCE(MAX(stream_id), 1) FROM un_partial_stated_room_stream));
  PERFORM pg_temp.d2s_bump('cache_invalidation_stream_seq', (SELECT COALESCE(MAX(stream_id), 1) FROM cache_invalidation_stream_by_instance));
  PERFORM pg_temp.d2s_bump('application_services_txn_id_seq', (SELECT COALESCE(MAX(txn_id), 1) FROM application_services_txns));
  -- Not checked by Synapse at startup, but it hands out numeric localparts (guests):
  -- past every numeric local user, or such registrations collide.
  PERFORM pg_temp.d2s_bump('user_id_seq', (SELECT COALESCE(MAX(substring(name FROM '^@([0-9]{1,18}):')::bigint), 1)
                                           FROM users WHERE name ~ '^@[0-9]{1,18}:'));
END
$fixups$;
"#;

const POSITIONS: &str = r#"-- A monolith needs no stream_positions; a row ahead of its sequence stops Synapse from starting.
DELETE FROM stream_positions;
-- Processors that walk the events stream treat the imported history as done: the federation
-- sender would re-send every imported local event, appservices would receive all of it,
-- pushers would notify about it.
UPDATE federation_stream_position SET stream_id = (SELECT COALESCE(MAX(stream_ordering), 0) FROM events) WHERE type = 'events';
UPDATE appservice_stream_position SET stream_ordering = (SELECT COALESCE(MAX(stream_ordering), 0) FROM events);
UPDATE event_push_summary_stream_ordering SET stream_ordering = (SELECT COALESCE(MAX(stream_ordering), 0) FROM events);
UPDATE event_push_summary_last_receipt_stream_id SET stream_id = (SELECT COALESCE(MAX(stream_id), 0) FROM receipts_linearized);
UPDATE pushers SET last_stream_ordering = (SELECT COALESCE(MAX(stream_ordering), 0) FROM events)
  WHERE last_stream_ordering IS NULL OR last_stream_ordering < (SELECT COALESCE(MAX(stream_ordering), 0) FROM events);
UPDATE room_forgetter_stream_pos SET stream_id = (SELECT COALESCE(MAX(stream_ordering), 0) FROM events);
UPDATE delayed_events_stream_pos SET stream_id = (SELECT COALESCE(MAX(stream_ordering), 0) FROM events);
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_name_is_data_not_sql() {
        let sql = server_name_functions("x'); DROP TABLE users; -- $fn$");
        let insert = sql.lines().find(|l| l.starts_with("INSERT")).unwrap();
        assert_eq!(insert, "INSERT INTO pg_temp.d2s_server (name) VALUES ('x''); DROP TABLE users; -- $fn$');");
        assert_eq!(sql.matches("DROP").count(), 1, "the name appears once, in the literal");
        assert!(server_name_functions("").is_empty());
    }
}
