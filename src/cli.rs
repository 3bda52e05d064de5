//! Command-line interface: argument definitions and dispatch to the stages.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "dendrite2synapse", version, about = "Move a Matrix homeserver from Dendrite to Synapse")]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show what a Dendrite dump holds: format, tables, row counts, headline counts, warnings.
    Inspect {
        /// Dump files or directories (plain, gzipped plain, -Fc, -Fd, -Ft); `-` reads a plain dump from stdin.
        #[arg(required = true)]
        dumps: Vec<PathBuf>,
        /// Print JSON for scripts instead of text for people.
        #[arg(long)]
        json: bool,
    },
    /// Print every decoded row as a JSON line `["schema.table", [field|null, ...]]` (for tests).
    #[command(hide = true)]
    DumpRows {
        #[arg(required = true)]
        dumps: Vec<PathBuf>,
        /// Only this table (`name` or `schema.name`); repeatable.
        #[arg(long)]
        table: Vec<String>,
        /// Decode every row but print only the totals (for benchmarks).
        #[arg(long)]
        count: bool,
    },
    /// Convert a Dendrite dump into one SQL file for a schema-initialised Synapse database.
    Convert {
        #[arg(required = true)]
        dumps: Vec<PathBuf>,
        /// Output SQL file (`-` for stdout).
        #[arg(short, long)]
        output: PathBuf,
        /// The server name, when the dump holds several candidates.
        #[arg(long)]
        server_name: Option<String>,
        /// Also write a JSON report of rows written and everything skipped.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Tests only: write the SQL script for tables and rows described in a JSON file.
    #[command(hide = true)]
    WriteTestSql {
        spec: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
}

pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Inspect { dumps, json } => crate::inspect::run(&dumps, json),
        Command::DumpRows { dumps, table, count } => crate::inspect::dump_rows(&dumps, &table, count),
        Command::Convert { dumps, output, server_name, report } => {
            crate::convert::run(&dumps, &output, server_name.as_deref(), report.as_deref())
        }
        Command::WriteTestSql { spec, output } => crate::synapse::spec::run(&spec, &output),
    }
}
