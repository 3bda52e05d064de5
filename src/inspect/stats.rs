//! The visitor behind `inspect`: counts rows of every table and, for the
//! Dendrite tables that carry the headline figures, looks at the columns
//! that matter (found by name in each COPY header, never by position).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::dump::values::{parse_bigint_array, parse_bool};
use crate::dump::{Row, SequenceValue, TableHeader, Visitor, Want};

/// Everything counted while reading.
#[derive(Default)]
pub struct Stats {
    /// `schema.table` → (input file, row count).
    pub tables: BTreeMap<String, (PathBuf, u64)>,
    pub columns: BTreeMap<String, Vec<String>>,
    pub rooms_by_version: BTreeMap<String, u64>,
    pub stub_rooms: u64,
    pub events: EventCounts,
    /// server name → number of accounts, by account type.
    pub accounts: BTreeMap<String, AccountCounts>,
    pub devices_by_server: BTreeMap<String, u64>,
    /// media origin → (files, bytes)
    pub media_by_origin: BTreeMap<String, (u64, u64)>,
    /// server part of user_id → device key rows
    pub device_keys_by_server: BTreeMap<String, u64>,
    pub backup_versions_live: u64,
    pub backup_versions_deleted: u64,
    /// Dendrite versions that applied migrations → migration names
    pub migrations: BTreeMap<String, BTreeSet<String>>,
    /// Server names seen in room IDs of `roomserver_rooms` (room creators).
    pub room_servers: BTreeMap<String, u64>,
    /// The sequence values pg_dump saved, in dump order.
    pub sequences: Vec<SequenceValue>,
    current: Current,
}

#[derive(Default, serde::Serialize)]
pub struct EventCounts {
    pub timeline: u64,
    pub outliers: u64,
    pub rejected: u64,
}

#[derive(Default, Clone, serde::Serialize)]
pub struct AccountCounts {
    pub users: u64,
    pub admins: u64,
    pub guests: u64,
    pub appservice: u64,
    pub deactivated: u64,
}

/// The columns of the table being read that a counter needs.
#[derive(Default)]
enum Current {
    #[default]
    Other,
    Rooms {
        room_id: usize,
        version: usize,
        latest: usize,
    },
    Events {
        snapshot: usize,
        type_nid: usize,
        rejected: usize,
    },
    Accounts {
        server: usize,
        kind: usize,
        deactivated: usize,
    },
    Devices {
        server: usize,
    },
    Media {
        origin: usize,
        size: usize,
    },
    DeviceKeys {
        user: usize,
    },
    BackupVersions {
        deleted: usize,
    },
    Migrations {
        version: usize,
        by: usize,
    },
}

fn cols<const N: usize>(t: &TableHeader, names: [&str; N]) -> Option<[usize; N]> {
    let mut out = [0; N];
    for (o, n) in out.iter_mut().zip(names) {
        *o = t.column(n)?;
    }
    Some(out)
}

fn current_for(t: &TableHeader) -> Current {
    let c = match t.name.as_str() {
        "roomserver_rooms" => cols(t, ["room_id", "room_version", "latest_event_nids"])
            .map(|[room_id, version, latest]| Current::Rooms { room_id, version, latest }),
        "roomserver_events" => cols(t, ["state_snapshot_nid", "event_type_nid", "is_rejected"])
            .map(|[snapshot, type_nid, rejected]| Current::Events { snapshot, type_nid, rejected }),
        "userapi_accounts" => cols(t, ["server_name", "account_type", "is_deactivated"])
            .map(|[server, kind, deactivated]| Current::Accounts { server, kind, deactivated }),
        "userapi_devices" => cols(t, ["server_name"]).map(|[server]| Current::Devices { server }),
        "mediaapi_media_repository" => {
            cols(t, ["media_origin", "file_size_bytes"]).map(|[origin, size]| Current::Media { origin, size })
        }
        "keyserver_device_keys" => cols(t, ["user_id"]).map(|[user]| Current::DeviceKeys { user }),
        "userapi_key_backup_versions" => cols(t, ["deleted"]).map(|[deleted]| Current::BackupVersions { deleted }),
        "db_migrations" => {
            cols(t, ["version", "dendrite_version"]).map(|[version, by]| Current::Migrations { version, by })
        }
        _ => None,
    };
    c.unwrap_or_default()
}

/// The server part of a Matrix ID (`@user:server`, `!room:server`).
pub fn server_of(id: &str) -> &str {
    id.split_once(':').map_or("", |(_, s)| s)
}

fn field<'r>(row: &'r Row<'_>, i: usize) -> &'r str {
    row.fields[i].as_deref().unwrap_or("")
}

impl Visitor for Stats {
    fn table(&mut self, t: &TableHeader) -> Result<Want> {
        self.current = current_for(t);
        self.columns.insert(format!("{}.{}", t.schema, t.name), t.columns.clone());
        Ok(Want::Rows)
    }

    fn row(&mut self, _t: &TableHeader, row: &Row<'_>) -> Result<()> {
        match self.current {
            Current::Other => {}
            Current::Rooms { room_id, version, latest } => {
                *self.rooms_by_version.entry(field(row, version).to_string()).or_default() += 1;
                let latest = parse_bigint_array(field(row, latest)).context("latest_event_nids")?;
                self.stub_rooms += u64::from(latest.is_empty());
                *self.room_servers.entry(server_of(field(row, room_id)).to_string()).or_default() += 1;
            }
            Current::Events { snapshot, type_nid, rejected } => {
                if parse_bool(field(row, rejected)).context("is_rejected")? {
                    self.events.rejected += 1;
                } else if field(row, snapshot) == "0" && field(row, type_nid) != "1" {
                    // No state before it and not a create event: an outlier.
                    self.events.outliers += 1;
                } else {
                    self.events.timeline += 1;
                }
            }
            Current::Accounts { server, kind, deactivated } => {
                let a = self.accounts.entry(field(row, server).to_string()).or_default();
                match field(row, kind) {
                    "2" => a.guests += 1,
                    "3" => a.admins += 1,
                    "4" => a.appservice += 1,
                    _ => a.users += 1,
                }
                let d = row.fields[deactivated].as_deref().map(parse_bool).transpose().context("is_deactivated")?;
                a.deactivated += u64::from(d == Some(true));
            }
            Current::Devices { server } => {
                *self.devices_by_server.entry(field(row, server).to_string()).or_default() += 1;
            }
            Current::Media { origin, size } => {
                let e = self.media_by_origin.entry(field(row, origin).to_string()).or_default();
                e.0 += 1;
                e.1 += field(row, size).parse::<u64>().context("file_size_bytes")?;
            }
            Current::DeviceKeys { user } => {
                *self.device_keys_by_server.entry(server_of(field(row, user)).to_string()).or_default() += 1;
            }
            Current::BackupVersions { deleted } => {
                if field(row, deleted) == "0" {
                    self.backup_versions_live += 1;
                } else {
                    self.backup_versions_deleted += 1;
                }
            }
            Current::Migrations { version, by } => {
                self.migrations.entry(field(row, by).to_string()).or_default().insert(field(row, version).to_string());
            }
        }
        Ok(())
    }

    fn end_table(&mut self, t: &TableHeader, rows: u64) -> Result<()> {
        self.tables.insert(format!("{}.{}", t.schema, t.name), (t.source.clone(), rows));
        self.current = Current::Other;
        Ok(())
    }

    fn sequence(&mut self, seq: &SequenceValue) -> Result<()> {
        self.sequences.push(seq.clone());
        Ok(())
    }
}
