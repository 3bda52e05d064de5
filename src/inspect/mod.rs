//! inspect: what a Dendrite dump holds, for people and (with --json) for scripts.
//!
//! Everything is counted from the rows, plus the sequence values pg_dump
//! saved (listed as they are, Dendrite's sync-token stream sequences marked):
//! the visitor in `stats` reads every table once, counting rows and loading
//! the Dendrite model convert reads (without its bulky tables), `report` turns
//! the counts into figures and warnings. A progress bar goes to stderr when it is a terminal.

mod report;
mod rows;
mod stats;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use anyhow::Result;

use crate::dump;

pub use rows::dump_rows;

pub fn run(dumps: &[PathBuf], json: bool) -> Result<()> {
    let mut set = dump::open(dumps)?;
    // Small dumps read in well under a second: no bar to flicker.
    let bar = crate::progress::reading_dump(&mut set, 16 * 1024 * 1024);
    let mut stats = stats::Stats::default();
    let outcome = set.read(&mut stats);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    outcome?;
    stats.finish()?;
    let report = report::build(set.infos(), &stats);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report::text(&report));
    }
    Ok(())
}
