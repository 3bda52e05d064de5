//! synapse: Synapse rows → one SQL script for `psql -v ON_ERROR_STOP=1 -1 -f`.
//!
//! The script, in order (docs/synapse-writer.md explains why):
//! header comment → psql settings and transaction → guards (schema 94/84, C
//! collation, empty target) → COPY blocks with explicit column lists →
//! row-count checks and invariants → fix-ups (sequences, stream_positions,
//! processor positions) → background updates → completion mark and commit.
//!
//! Rows: every table the converter fills is declared in [`tables`], one typed
//! row struct per table, in load order ([`row`] holds the declaring macro and
//! the field types). Use: `Script::create(&output, &header)`, then per block
//! `begin_copy(table, columns)` / `typed_row(&row)` … / `end_copy`, then
//! `finish(&PostLoad::default())`. `row(&[Value])` is for the hidden
//! `write-test-sql` command, whose tables come from a JSON spec.

/// The SQL of `pg_temp.NAME(t text) → jsonb`: event JSON as `jsonb`, or NULL
/// where PostgreSQL cannot parse it (a lone surrogate escape, not JSON). The
/// `\u0000` escape, which `jsonb` refuses, becomes `\uXXXX` (`NUL_AS`, four hex
/// digits) unless the backslash is itself escaped. One definition for every
/// set-based fill; each fill names its own function and replacement (search
/// indexes a space, sliding sync marks the value with a noncharacter).
macro_rules! tolerant_json_fn {
    ($name:literal, $nul_as:literal) => {
        concat!(
            "CREATE FUNCTION pg_temp.",
            $name,
            r#"(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
  IF strpos(t, '\u0000') > 0 THEN
    t := regexp_replace(t, '(?<!\\)((?:\\\\)*)\\u0000', '\1\\"#,
            $nul_as,
            r#"', 'g');
  END IF;
  RETURN t::jsonb;
EXCEPTION WHEN invalid_text_representation OR untranslatable_character OR character_not_in_repertoire THEN
  RETURN NULL;
END
$fn$;
"#
        )
    };
}

mod chunks;
mod copy_text;
mod guards;
mod header;
mod membership_snapshots;
mod output;
mod postload;
pub mod row;
mod script;
mod search;
mod sliding_sync;
pub mod spec;
mod stats;
pub mod tables;
mod user_directory;
mod value;

pub use header::{Header, InputFile};
pub use output::Output;
pub use postload::{Invariant, PostLoad};
pub use row::{Bytes, Flag, Instance, Rows, Text};
pub use script::Script;
pub use tables::Tables;
pub use value::Value;
