//! synapse: Synapse rows → one SQL script for `psql -v ON_ERROR_STOP=1 -1 -f`.
//!
//! The script, in order (docs/synapse-writer.md explains why):
//! header comment → psql settings and transaction → guards (schema 94/84, C
//! collation, empty target) → COPY blocks with explicit column lists →
//! row-count checks and invariants → fix-ups (sequences, stream_positions,
//! processor positions) → background updates → completion mark and commit.
//!
//! Use: `Script::create(&output, &header)`, then per table `copy(...)` or
//! `begin_copy` / `row` … / `end_copy`, then `finish(&PostLoad::default())`.

mod copy_text;
mod guards;
mod header;
mod output;
mod postload;
mod script;
mod search;
pub mod spec;
mod value;

pub use header::{Header, InputFile};
pub use output::Output;
pub use postload::{Invariant, PostLoad};
pub use script::Script;
pub use value::Value;
