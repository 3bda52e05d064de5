//! The start of the script: psql settings, the transaction, and the guards that
//! refuse a target this file was not made for, before anything is changed.
//!
//! Transaction: under `psql -1` the script runs inside psql's transaction;
//! without `-1` it opens its own (it asks the server whether a transaction
//! block is open: in the first statement of a transaction
//! `statement_timestamp() = transaction_timestamp()`, and `-1` has already sent
//! `BEGIN`). Either way the load is all or nothing.
//!
//! A truncated script (the converter killed while writing to a pipe) must not
//! commit what it holds, and under `psql -1` psql commits at end of input. So a
//! deferred constraint trigger on a temporary table refuses the commit unless
//! the last lines of the script marked it complete.

use std::fmt::Write as _;

/// The Synapse schema this writer's output is for (docs/synapse-target.md).
pub const SCHEMA_VERSION: i64 = 94;
pub const SCHEMA_COMPAT_VERSION: i64 = 84;
pub const SYNAPSE_RELEASE: &str = "1.163.2";

/// Tables that must be empty: a Synapse that has users, rooms or events is not a
/// fresh target (or this file was loaded already).
const MUST_BE_EMPTY: [&str; 3] = ["users", "rooms", "events"];

pub fn preamble() -> String {
    let mut s = String::from(
        "\\set ON_ERROR_STOP on\n\
         \\set QUIET on\n\
         SET client_encoding = 'UTF8';\n\
         SET standard_conforming_strings = on;\n\
         SET client_min_messages = warning;\n\
         SELECT statement_timestamp() <> transaction_timestamp() AS d2s_in_tx \\gset\n\
         \\if :d2s_in_tx\n\
         \\else\n\
         BEGIN;\n\
         \\endif\n\n",
    );
    s.push_str(&guard());
    s.push_str(SORT_MEMORY);
    s.push_str(BOOKKEEPING);
    s
}

/// Indexes, constraints and event_search's GIN index are built after the data;
/// their sorts get more memory, for this transaction only (never less than the
/// server's own setting).
const SORT_MEMORY: &str = r#"-- More sort memory for the index builds after the data (this transaction only).
DO $memory$
BEGIN
  IF pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes('512MB') THEN
    PERFORM set_config('maintenance_work_mem', '512MB', true);
  END IF;
END
$memory$;

"#;

fn guard() -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"-- Guards: every failure stops here, before anything is changed.
DO $guard$
DECLARE
  enc text; coll text; ctype text; v bigint; c bigint; n bigint; t text; found_rows text := '';
BEGIN
  SELECT pg_encoding_to_char(encoding), datcollate, datctype INTO enc, coll, ctype
    FROM pg_database WHERE datname = current_database();
  IF enc <> 'UTF8' OR coll <> 'C' OR ctype <> 'C' THEN
    RAISE EXCEPTION 'dendrite2synapse: database "%" has encoding %, LC_COLLATE %, LC_CTYPE %; Synapse needs UTF8 with C collation and ctype. Nothing was changed.', current_database(), enc, coll, ctype
      USING HINT = 'CREATE DATABASE synapse ENCODING ''UTF8'' LC_COLLATE ''C'' LC_CTYPE ''C'' TEMPLATE template0, then create its schema with update_synapse_database from Synapse {release}.';
  END IF;
  IF to_regclass('schema_version') IS NULL OR to_regclass('schema_compat_version') IS NULL THEN
    RAISE EXCEPTION 'dendrite2synapse: database "%" has no Synapse schema (no schema_version table). Nothing was changed.', current_database()
      USING HINT = 'Install matrix-synapse=={release} and run: update_synapse_database --database-config homeserver.yaml --run-background-updates';
  END IF;
  EXECUTE 'SELECT version FROM schema_version' INTO v;
  EXECUTE 'SELECT compat_version FROM schema_compat_version' INTO c;
  IF v IS DISTINCT FROM {version} OR c IS DISTINCT FROM {compat} THEN
    RAISE EXCEPTION 'dendrite2synapse: the database has Synapse schema version % (compat %), but this file is for schema {version} (compat {compat}), as created by Synapse {release}. Nothing was changed.', coalesce(v::text, 'none'), coalesce(c::text, 'none')
      USING HINT = 'Create the database with matrix-synapse=={release} (update_synapse_database --database-config homeserver.yaml --run-background-updates), load this file, then upgrade Synapse.';
  END IF;
  FOREACH t IN ARRAY ARRAY[{empty}] LOOP
    EXECUTE format('SELECT count(*) FROM %I', t) INTO n;
    IF n > 0 THEN found_rows := found_rows || CASE WHEN found_rows = '' THEN '' ELSE ', ' END || format('%s: %s rows', t, n); END IF;
  END LOOP;
  IF found_rows <> '' THEN
    RAISE EXCEPTION 'dendrite2synapse: the database is not empty (%), so this file was loaded already or the database is in use. Nothing was changed.', found_rows
      USING HINT = 'Load into a freshly created Synapse database.';
  END IF;
END
$guard$;

"#,
        release = SYNAPSE_RELEASE,
        version = SCHEMA_VERSION,
        compat = SCHEMA_COMPAT_VERSION,
        empty = MUST_BE_EMPTY.map(|t| format!("'{t}'")).join(", "),
    );
    s
}

/// Temporary objects (gone with the session; never part of the target):
/// the completion marker and the row counts taken before each table's first COPY.
const BOOKKEEPING: &str = r#"-- Bookkeeping for the checks at the end (temporary: gone with the session).
CREATE TEMP TABLE d2s_complete (done boolean NOT NULL);
CREATE FUNCTION pg_temp.d2s_require_complete() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NOT (SELECT done FROM pg_temp.d2s_complete) THEN
    RAISE EXCEPTION 'dendrite2synapse: the SQL file ended before its last line (truncated, or the converter failed); nothing was loaded';
  END IF;
  RETURN NULL;
END
$fn$;
CREATE CONSTRAINT TRIGGER d2s_complete AFTER INSERT ON d2s_complete
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp.d2s_require_complete();
INSERT INTO d2s_complete VALUES (false);
CREATE TEMP TABLE d2s_rows (tbl text PRIMARY KEY, before bigint NOT NULL);
CREATE FUNCTION pg_temp.d2s_count_before(t text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM %I', t) INTO n;
  INSERT INTO pg_temp.d2s_rows VALUES (t, n);
END
$fn$;
CREATE TEMP TABLE d2s_indexes (ord serial, tbl text NOT NULL, name text NOT NULL, kind text NOT NULL, def text NOT NULL);
-- Before a big table's first COPY, moves what costs per row to after the data, remembering the
-- target's own definitions: its indexes that no constraint uses (primary keys, unique constraints
-- and indexes that foreign keys point at stay), its foreign keys (a row-by-row check each; re-added
-- afterwards, which checks all rows at once; one Synapse made NOT VALID is re-added NOT VALID and
-- the loaded rows are checked by a query of the same meaning), and its check_event_stream_ordering
-- triggers (what they check per row, the invariants check for every row before COMMIT).
CREATE FUNCTION pg_temp.d2s_defer_indexes(t text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE r record;
BEGIN
  FOR r IN SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
             FROM pg_index i
            WHERE i.indrelid = t::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
  LOOP
    INSERT INTO pg_temp.d2s_indexes (tbl, name, kind, def) VALUES (t, r.name, 'index', r.def);
    EXECUTE 'DROP INDEX ' || r.name;
  END LOOP;
  FOR r IN SELECT c.conname, pg_get_constraintdef(c.oid) AS def, c.convalidated, c.confrelid::regclass::text AS ref,
                  (SELECT string_agg(format('x.%I IS NOT NULL', a.attname), ' AND ' ORDER BY k.n)
                     FROM unnest(c.conkey) WITH ORDINALITY k(att, n)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att) AS not_null,
                  (SELECT string_agg(format('y.%I = x.%I', b.attname, a.attname), ' AND ' ORDER BY k.n)
                     FROM unnest(c.conkey, c.confkey) WITH ORDINALITY k(att, ref_att, n)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att
                     JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = k.ref_att) AS matches
             FROM pg_constraint c
            WHERE c.conrelid = t::regclass AND c.contype = 'f'
            ORDER BY c.conname
  LOOP
    INSERT INTO pg_temp.d2s_indexes (tbl, name, kind, def)
      VALUES (t, r.conname, 'foreign key', format('ALTER TABLE %I ADD CONSTRAINT %I %s', t, r.conname, r.def));
    IF NOT r.convalidated THEN
      INSERT INTO pg_temp.d2s_indexes (tbl, name, kind, def)
        VALUES (t, r.conname, 'foreign key check',
                format('SELECT count(*) FROM %I x WHERE %s AND NOT EXISTS (SELECT 1 FROM %s y WHERE %s)', t, r.not_null, r.ref, r.matches));
    END IF;
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t, r.conname);
  END LOOP;
  FOR r IN SELECT tgname FROM pg_trigger
            WHERE tgrelid = t::regclass AND NOT tgisinternal AND tgenabled <> 'D'
              AND tgfoid::regproc::text = 'check_event_stream_ordering'
            ORDER BY tgname
  LOOP
    INSERT INTO pg_temp.d2s_indexes (tbl, name, kind, def) VALUES (t, r.tgname, 'trigger', format('ALTER TABLE %I ENABLE TRIGGER %I', t, r.tgname));
    EXECUTE format('ALTER TABLE %I DISABLE TRIGGER %I', t, r.tgname);
  END LOOP;
END
$fn$;
CREATE FUNCTION pg_temp.d2s_expect_rows(t text, written bigint) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE b bigint; n bigint;
BEGIN
  SELECT before INTO b FROM pg_temp.d2s_rows WHERE tbl = t;
  EXECUTE format('SELECT count(*) FROM %I', t) INTO n;
  IF n <> b + written THEN
    RAISE EXCEPTION 'dendrite2synapse: table % holds % rows after the load, expected % (% before + % written); nothing was loaded', t, n, b + written, b, written;
  END IF;
END
$fn$;

"#;
