//! The visitor behind `inspect`: counts the rows of every table, keeps the
//! sequence values and `db_migrations`, and hands the Dendrite tables to the
//! model's own loader ([`dendrite::Loader`]), as convert does.
//!
//! The model is read without [`LEFT_OUT`], the bulky tables only convert
//! needs in full (event JSON, state blocks and snapshots, notification
//! contents), so inspect holds each event's metadata but none of its JSON.
//! The headline figures then come from that model, by the types and rules
//! convert uses: account kinds are [`AccountType`], an outlier is what
//! [`Event::has_state`] says, a server name is [`servers::server_part`]. A
//! table the model reads must therefore have the columns the model requires
//! (the error names table and columns), as for convert.
//!
//! [`Event::has_state`]: crate::dendrite::events::Event::has_state

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Result;

use crate::dendrite::accounts::AccountType;
use crate::dendrite::columns::{columns, Fields};
use crate::dendrite::{servers, Loader, Model};
use crate::dump::{Row, SequenceValue, TableHeader, Visitor, Want};

/// Tables the model is read without (their row counts are still listed).
const LEFT_OUT: &[&str] =
    &["roomserver_event_json", "roomserver_state_block", "roomserver_state_snapshots", "userapi_notifications"];

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
    loader: Option<Loader>,
    /// The table being read: handed to the loader, and/or `db_migrations`.
    to_loader: bool,
    migration_cols: Option<MigrationCols>,
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

columns! {
    struct MigrationCols {
        version: required("version"),
        by: required("dendrite_version"),
    }
}

impl Stats {
    /// Reads the figures out of the model once every table has been seen.
    pub fn finish(&mut self) -> Result<()> {
        let loader = self.loader.take().unwrap_or_else(|| Loader::without(LEFT_OUT));
        let model = loader.finish_any()?;
        self.count_rooms(&model);
        self.count_events(&model);
        self.count_accounts(&model);
        self.count_media_and_keys(&model);
        Ok(())
    }

    fn count_rooms(&mut self, m: &Model) {
        for room in m.rooms.by_nid.values() {
            *self.rooms_by_version.entry(room.version.clone()).or_default() += 1;
            self.stub_rooms += u64::from(room.is_stub());
            *self.room_servers.entry(server_of(&room.room_id).to_string()).or_default() += 1;
        }
    }

    fn count_events(&mut self, m: &Model) {
        for e in &m.events.all {
            if e.is_rejected {
                self.events.rejected += 1;
            } else if e.has_state(m.sync.by_nid(e.nid).is_some()) {
                self.events.timeline += 1;
            } else {
                self.events.outliers += 1;
            }
        }
    }

    fn count_accounts(&mut self, m: &Model) {
        for ((_, server), a) in &m.accounts.accounts {
            let c = self.accounts.entry(server.clone().unwrap_or_default()).or_default();
            match a.account_type {
                AccountType::Guest => c.guests += 1,
                AccountType::Admin => c.admins += 1,
                AccountType::AppService => c.appservice += 1,
                AccountType::User | AccountType::Other(_) => c.users += 1,
            }
            c.deactivated += u64::from(a.deactivated);
        }
        for ((_, server), _) in m.accounts.devices.keys() {
            *self.devices_by_server.entry(server.clone().unwrap_or_default()).or_default() += 1;
        }
    }

    fn count_media_and_keys(&mut self, m: &Model) {
        for ((origin, _), media) in &m.media.media {
            let e = self.media_by_origin.entry(origin.clone()).or_default();
            e.0 += 1;
            e.1 += u64::try_from(media.size).unwrap_or(0);
        }
        let keys = &m.user.keys;
        for k in &keys.device_keys {
            *self.device_keys_by_server.entry(server_of(&k.user_id).to_string()).or_default() += 1;
        }
        for v in &keys.backup_versions {
            if v.deleted {
                self.backup_versions_deleted += 1;
            } else {
                self.backup_versions_live += 1;
            }
        }
    }

    fn loader(&mut self) -> &mut Loader {
        self.loader.get_or_insert_with(|| Loader::without(LEFT_OUT))
    }
}

/// The server part of a Matrix ID; `""` when it has none (still counted).
fn server_of(id: &str) -> &str {
    servers::server_part(id).unwrap_or("")
}

impl Visitor for Stats {
    fn table(&mut self, t: &TableHeader) -> Result<Want> {
        self.columns.insert(format!("{}.{}", t.schema, t.name), t.columns.clone());
        self.migration_cols = if t.name == "db_migrations" { Some(MigrationCols::bind(t)?) } else { None };
        self.to_loader = self.loader().table(t)? == Want::Rows;
        // Every table is read: its rows are counted.
        Ok(Want::Rows)
    }

    fn row(&mut self, t: &TableHeader, row: &Row<'_>) -> Result<()> {
        if let Some(c) = &self.migration_cols {
            let f = Fields(row);
            self.migrations.entry(f.string(c.by)?).or_default().insert(f.string(c.version)?);
        }
        if self.to_loader {
            self.loader().row(t, row)?;
        }
        Ok(())
    }

    fn end_table(&mut self, t: &TableHeader, rows: u64) -> Result<()> {
        self.tables.insert(format!("{}.{}", t.schema, t.name), (t.source.clone(), rows));
        if std::mem::take(&mut self.to_loader) {
            self.loader().end_table(t, rows)?;
        }
        self.migration_cols = None;
        Ok(())
    }

    fn sequence(&mut self, seq: &SequenceValue) -> Result<()> {
        self.sequences.push(seq.clone());
        Ok(())
    }
}
