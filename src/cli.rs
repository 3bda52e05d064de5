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
        /// Leave this room out (its events, state, receipts, aliases…), e.g. a partial-state or
        /// damaged room; repeatable. Its users keep their accounts.
        #[arg(long, value_name = "ROOM_ID")]
        skip_room: Vec<String>,
    },
    /// Copy (or hard-link) Dendrite's media files into Synapse's media store, verified by SHA-256.
    Media {
        /// The dump(s) holding mediaapi_media_repository and mediaapi_thumbnail.
        #[arg(required = true)]
        dumps: Vec<PathBuf>,
        /// Dendrite's media_api.base_path (default: from --dendrite-config).
        #[arg(long, value_name = "DIR", required_unless_present = "dendrite_config")]
        from: Option<PathBuf>,
        /// dendrite.yaml: media_api.base_path (relative to the file's folder) and global.server_name.
        #[arg(long, value_name = "FILE")]
        dendrite_config: Option<PathBuf>,
        /// Synapse's media_store_path (created if missing).
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// The server name (default: the one in userapi_accounts).
        #[arg(long)]
        server_name: Option<String>,
        /// Hard-link instead of copying (same filesystem; Synapse and Dendrite then share the bytes).
        #[arg(long)]
        link: bool,
        /// Print what would be done; touch nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the copy plan (JSON manifest) to this file.
        #[arg(long, value_name = "FILE")]
        plan: Option<PathBuf>,
    },
    /// Write Synapse's signing.key from Dendrite's matrix_key.pem (same key id and key).
    SigningKey {
        /// Dendrite's global.private_key file.
        pem: PathBuf,
        /// Output file (mode 0600; `-` for stdout).
        #[arg(short, long, default_value = "signing.key")]
        output: PathBuf,
        /// dendrite.yaml: also print the old_signing_keys block for global.old_private_keys.
        #[arg(long, value_name = "FILE")]
        dendrite_config: Option<PathBuf>,
        /// A saved /_matrix/key/v2/server answer of the Dendrite server: the derived public key must match.
        #[arg(long, value_name = "FILE")]
        expect_server_keys: Option<PathBuf>,
        /// Dendrite dump(s): check against the server's own row in keydb_server_keys, when present.
        #[arg(long = "dump", value_name = "DUMP")]
        dumps: Vec<PathBuf>,
        /// Server name for --dump (default: from --dendrite-config).
        #[arg(long)]
        server_name: Option<String>,
    },
    /// Write a homeserver.yaml fragment from dendrite.yaml, with what cannot be carried explained.
    Config {
        dendrite_config: PathBuf,
        /// Output file (mode 0600; `-` for stdout).
        #[arg(short, long, default_value = "-")]
        output: PathBuf,
        /// signing_key_path to write.
        #[arg(long, default_value = "signing.key")]
        signing_key_path: String,
        /// media_store_path to write.
        #[arg(long, default_value = "media_store")]
        media_store_path: String,
        /// Dendrite's --http-bind-address (plain HTTP; Go host:port, `:8008` = every interface).
        #[arg(long, default_value = ":8008", value_name = "ADDR")]
        http_bind_address: String,
        /// Dendrite's --https-bind-address (served only with --tls-cert and --tls-key).
        #[arg(long, default_value = ":8448", value_name = "ADDR")]
        https_bind_address: String,
        /// Dendrite's --tls-cert: Dendrite terminated TLS itself; Synapse does too with this file.
        /// Without it and --tls-key, a reverse proxy is assumed in front (plain HTTP listener).
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<String>,
        /// Dendrite's --tls-key.
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<String>,
    },
    /// Tests only: write the SQL script for tables and rows described in a JSON file.
    #[command(hide = true)]
    WriteTestSql {
        spec: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Tests only: print the Synapse tables convert fills, in load order, with each column's types (JSON).
    #[command(hide = true)]
    SynapseTables,
}

pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Inspect { dumps, json } => crate::inspect::run(&dumps, json),
        Command::DumpRows { dumps, table, count } => crate::inspect::dump_rows(&dumps, &table, count),
        Command::Convert { dumps, output, server_name, report, skip_room } => {
            crate::convert::run(&dumps, &output, server_name.as_deref(), report.as_deref(), &skip_room)
        }
        Command::Media { dumps, from, dendrite_config, to, server_name, link, dry_run, plan } => {
            let (from, server_name) = crate::media::source(from, dendrite_config.as_deref(), server_name)?;
            crate::media::run(&crate::media::Options { dumps, from, to, server_name, link, dry_run, plan })
        }
        Command::SigningKey { pem, output, dendrite_config, expect_server_keys, dumps, server_name } => {
            crate::identity::signing_key::run(&crate::identity::signing_key::Options {
                pem,
                output,
                dendrite_config,
                expect_server_keys,
                dumps,
                server_name,
            })
        }
        Command::Config {
            dendrite_config,
            output,
            signing_key_path,
            media_store_path,
            http_bind_address,
            https_bind_address,
            tls_cert,
            tls_key,
        } => crate::identity::config::run(&crate::identity::config::Options {
            dendrite_config,
            output,
            signing_key_path,
            media_store_path,
            http_bind_address,
            https_bind_address,
            tls_cert,
            tls_key,
        }),
        Command::WriteTestSql { spec, output } => crate::synapse::spec::run(&spec, &output),
        Command::SynapseTables => {
            println!("{}", serde_json::to_string_pretty(&crate::synapse::Tables::declared())?);
            Ok(())
        }
    }
}
