//! dendrite2synapse: move a Matrix homeserver from Dendrite to Synapse, reading
//! Dendrite's `pg_dump` directly and writing one SQL file for `psql`.
//!
//! The pipeline (see CONTRIBUTING.md) flows one way:
//! `dump` (bytes → COPY rows) → `dendrite` (rows → model) → `convert`
//! (model → Synapse rows) → `synapse` (rows → SQL script).

mod cli;
mod convert;
mod dendrite;
mod dump;
mod identity;
mod inspect;
mod media;
mod progress;
mod synapse;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = <cli::Args as clap::Parser>::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line per cause, outermost first, like ripgrep: the reader
            // sees what failed and then why.
            eprintln!("dendrite2synapse: error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}
