//! inspect: what a Dendrite dump holds, for people and (with --json) for scripts.
//!
//! Everything is counted from the rows (a dump carries nothing else): the
//! visitor in `stats` reads every table once, `report` turns the counts into
//! figures and warnings. A progress bar goes to stderr when it is a terminal.

mod report;
mod rows;
mod stats;
#[cfg(test)]
mod tests;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

use crate::dump;

pub use rows::dump_rows;

pub fn run(dumps: &[PathBuf], json: bool) -> Result<()> {
    let mut set = dump::open(dumps)?;
    let bar = progress_bar(set.total_size());
    if let Some(bar) = &bar {
        let bar = bar.clone();
        set.set_progress(move |done| bar.set_position(done));
    }
    let mut stats = stats::Stats::default();
    let outcome = set.read(&mut stats);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    outcome?;
    let report = report::build(set.infos(), &stats);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report::text(&report));
    }
    Ok(())
}

/// A byte-based bar on stderr, only when stderr is a terminal and there is
/// something big enough to wait for.
fn progress_bar(total: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() || total < 16 * 1024 * 1024 {
        return None;
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{spinner} reading dump {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
            .expect("valid template"),
    );
    Some(bar)
}
