//! dendrite: rows → a typed, read-only model of the Dendrite database
//! (NID dictionaries, events, state blocks/snapshots, users …).
//!
//! [`Loader`] is a [`Visitor`]: it picks the tables it knows by name, binds
//! their columns by the names in each COPY header (see [`columns`]) and
//! skips everything else, except that a table with a Dendrite prefix which
//! is neither read nor known ([`catalog`]) is counted and reported. Tables may come in any order and from several
//! dumps (one per Dendrite component), so cross-table joins happen only in
//! [`Model::finish`]. What is read from which table, and what is skipped and
//! why: docs/dendrite-model.md.

pub mod account_data;
pub mod accounts;
pub mod block_nids;
pub mod catalog;
pub mod columns;
pub mod event_json;
pub mod events;
pub mod filters;
pub mod json_spill;
pub mod keys;
pub mod media;
pub mod nids;
pub mod notifications;
pub mod positions;
pub mod presence;
pub mod push;
pub mod rooms;
pub mod servers;
pub mod state;
pub mod surrogates;
pub mod syncapi;
pub mod tokens;
pub mod userdata;
pub mod versions;

use std::collections::BTreeSet;

use anyhow::Result;

use crate::dump::{Row, TableHeader, Visitor, Want};

/// Everything convert reads from Dendrite.
#[derive(Default)]
pub struct Model {
    pub nids: nids::Nids,
    pub rooms: rooms::Rooms,
    pub events: events::Events,
    pub state: state::State,
    pub sync: syncapi::SyncApi,
    pub accounts: accounts::Accounts,
    /// E2EE material, account data, pushers, filters, presence, tokens.
    pub user: userdata::UserData,
    /// Media metadata (mediaapi_*).
    pub media: media::MediaStore,
    /// Names of the tables that were read (for "is this a Dendrite dump" checks).
    pub tables_read: BTreeSet<String>,
    /// Dendrite-prefixed tables this tool does not know, in dump order.
    pub unknown_tables: Vec<catalog::UnknownTable>,
}

/// Reads every input into a model (for tests; convert drives the [`Loader`]
/// itself, next to its other visitors).
#[cfg(test)]
pub fn load(paths: &[std::path::PathBuf]) -> Result<Model> {
    let mut set = crate::dump::open(paths)?;
    let mut loader = Loader::default();
    set.read(&mut loader)?;
    loader.finish()
}

/// The table being read, with its columns bound.
enum Bound {
    EventTypes(nids::TypeCols),
    StateKeys(nids::StateKeyCols),
    Rooms(rooms::RoomCols),
    Aliases(rooms::AliasCols),
    Published(rooms::PublishedCols),
    Members(rooms::MemberCols),
    Invites(rooms::InviteCols),
    PartialState(rooms::PartialStateCols),
    Events(events::EventCols),
    EventJson(events::JsonCols),
    Redactions(events::RedactionCols),
    Blocks(state::BlockCols),
    Snapshots(state::SnapshotCols),
    Stream(syncapi::StreamCols),
    Receipts(syncapi::ReceiptCols),
    ToDevice(syncapi::ToDeviceCols),
    Accounts(accounts::AccountCols),
    Profiles(accounts::ProfileCols),
    Media(media::MediaCols),
    Thumbnails(media::ThumbnailCols),
    Devices(accounts::DeviceCols),
    Threepids(accounts::ThreepidCols),
    User(userdata::Bound),
    /// Counted only, to be reported ([`catalog`]).
    Unknown,
}

impl Bound {
    fn bind(t: &TableHeader) -> Result<Option<Bound>> {
        Ok(Some(match t.name.as_str() {
            "roomserver_event_types" => Bound::EventTypes(nids::TypeCols::bind(t)?),
            "roomserver_event_state_keys" => Bound::StateKeys(nids::StateKeyCols::bind(t)?),
            "roomserver_rooms" => Bound::Rooms(rooms::RoomCols::bind(t)?),
            "roomserver_room_aliases" => Bound::Aliases(rooms::AliasCols::bind(t)?),
            "roomserver_published" => Bound::Published(rooms::PublishedCols::bind(t)?),
            "roomserver_membership" => Bound::Members(rooms::MemberCols::bind(t)?),
            "roomserver_invites" => Bound::Invites(rooms::InviteCols::bind(t)?),
            "roomserver_partial_state_rooms" => Bound::PartialState(rooms::PartialStateCols::bind(t)?),
            "roomserver_events" => Bound::Events(events::EventCols::bind(t)?),
            "roomserver_event_json" => Bound::EventJson(events::JsonCols::bind(t)?),
            "roomserver_redactions" => Bound::Redactions(events::RedactionCols::bind(t)?),
            "roomserver_state_block" => Bound::Blocks(state::BlockCols::bind(t)?),
            "roomserver_state_snapshots" => Bound::Snapshots(state::SnapshotCols::bind(t)?),
            "syncapi_output_room_events" => Bound::Stream(syncapi::StreamCols::bind(t)?),
            "syncapi_receipts" => Bound::Receipts(syncapi::ReceiptCols::bind(t)?),
            "syncapi_send_to_device" => Bound::ToDevice(syncapi::ToDeviceCols::bind(t)?),
            "userapi_accounts" => Bound::Accounts(accounts::AccountCols::bind(t)?),
            "userapi_profiles" => Bound::Profiles(accounts::ProfileCols::bind(t)?),
            "userapi_devices" => Bound::Devices(accounts::DeviceCols::bind(t)?),
            "userapi_threepids" => Bound::Threepids(accounts::ThreepidCols::bind(t)?),
            "mediaapi_media_repository" => Bound::Media(media::MediaCols::bind(t)?),
            "mediaapi_thumbnail" => Bound::Thumbnails(media::ThumbnailCols::bind(t)?),
            name => match userdata::Bound::bind(t)? {
                Some(b) => Bound::User(b),
                None if catalog::is_unknown(name) => Bound::Unknown,
                None => return Ok(None),
            },
        }))
    }
}

/// Whether a table is Dendrite's but neither read by the loader nor known
/// to [`catalog`] (for `inspect`, which counts rows itself).
pub fn is_unknown_table(t: &TableHeader) -> bool {
    matches!(Bound::bind(t), Ok(Some(Bound::Unknown)))
}

/// Whether the loader reads a table of this name (for [`catalog`]'s test).
#[cfg(test)]
pub(crate) fn binds(t: &TableHeader) -> bool {
    !matches!(Bound::bind(t), Ok(None) | Ok(Some(Bound::Unknown)))
}

/// The [`Visitor`] that fills a [`Model`].
#[derive(Default)]
pub struct Loader {
    model: Model,
    current: Option<Bound>,
    /// Tables left out of the model (see [`Loader::without`]).
    left_out: &'static [&'static str],
    /// Where the event JSON file goes ([`json_spill`]); `None`: $TMPDIR.
    spill_dir: Option<std::path::PathBuf>,
}

impl Visitor for Loader {
    fn table(&mut self, t: &TableHeader) -> Result<Want> {
        if self.left_out.contains(&t.name.as_str()) {
            self.current = None;
            return Ok(Want::Skip);
        }
        self.current = Bound::bind(t)?;
        match self.current {
            None => return Ok(Want::Skip),
            Some(Bound::Unknown) => return Ok(Want::Rows),
            Some(_) => {}
        }
        if !self.model.tables_read.insert(t.name.clone()) {
            anyhow::bail!("table {} appears twice in the inputs (again in {})", t.name, t.source.display());
        }
        match &self.current {
            Some(Bound::User(b)) => b.start(&mut self.model.user),
            Some(Bound::EventJson(_)) => {
                let dir = self.spill_dir.clone().unwrap_or_else(std::env::temp_dir);
                self.model.events.start_json(&dir)?;
            }
            _ => {}
        }
        Ok(Want::Rows)
    }

    fn row(&mut self, _t: &TableHeader, row: &Row<'_>) -> Result<()> {
        let m = &mut self.model;
        match self.current.as_ref() {
            None => Ok(()),
            Some(b) => match b {
                Bound::EventTypes(c) => c.load(&mut m.nids, row),
                Bound::StateKeys(c) => c.load(&mut m.nids, row),
                Bound::Rooms(c) => c.load(&mut m.rooms, row),
                Bound::Aliases(c) => c.load(&mut m.rooms, row),
                Bound::Published(c) => c.load(&mut m.rooms, row),
                Bound::Members(c) => c.load(&mut m.rooms, row),
                Bound::Invites(c) => c.load(&mut m.rooms, row),
                Bound::PartialState(c) => c.load(&mut m.rooms, row),
                Bound::Events(c) => c.load(&mut m.events, row),
                Bound::EventJson(c) => c.load(&mut m.events, row),
                Bound::Redactions(c) => c.load(&mut m.events, row),
                Bound::Blocks(c) => c.load(&mut m.state, row),
                Bound::Snapshots(c) => c.load(&mut m.state, row),
                Bound::Stream(c) => c.load(&mut m.sync, row),
                Bound::Receipts(c) => c.load(&mut m.sync, row),
                Bound::ToDevice(c) => c.load(&mut m.sync, row),
                Bound::Accounts(c) => c.load(&mut m.accounts, row),
                Bound::Profiles(c) => c.load(&mut m.accounts, row),
                Bound::Devices(c) => c.load(&mut m.accounts, row),
                Bound::Threepids(c) => c.load(&mut m.accounts, row),
                Bound::User(c) => c.load(&mut m.user, row),
                Bound::Media(c) => c.load(&mut m.media, row),
                Bound::Thumbnails(c) => c.load(&mut m.media, row),
                Bound::Unknown => Ok(()),
            },
        }
    }

    fn end_table(&mut self, t: &TableHeader, rows: u64) -> Result<()> {
        if let Some(Bound::Unknown) = self.current.take() {
            let table = catalog::UnknownTable { name: t.name.clone(), rows, source: t.source.clone() };
            self.model.unknown_tables.push(table);
        }
        Ok(())
    }
}

impl Loader {
    /// A loader that leaves these tables out: their parts of the model stay
    /// empty. `inspect` reads the model without the bulky tables only convert
    /// needs in full (event JSON, state blocks and snapshots).
    pub fn without(tables: &'static [&'static str]) -> Loader {
        Loader { left_out: tables, ..Loader::default() }
    }

    /// A loader that puts the event JSON file in `dir` ([`json_spill`]).
    pub fn spilling_to(dir: &std::path::Path) -> Loader {
        Loader { spill_dir: Some(dir.to_owned()), ..Loader::default() }
    }

    /// Joins what needs all tables; fails if the inputs hold no roomserver or
    /// user API tables at all (not a Dendrite dump).
    pub fn finish(self) -> Result<Model> {
        let needed = ["roomserver_rooms", "roomserver_events", "userapi_accounts"];
        let missing: Vec<_> = needed.iter().filter(|t| !self.model.tables_read.contains(**t)).collect();
        if !missing.is_empty() {
            anyhow::bail!(
                "the inputs hold no table {} — is this a Dendrite dump? \
                 (with one database per component, give every component's dump)",
                missing.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
            );
        }
        self.finish_any()
    }

    /// Joins what needs all tables, whatever tables were there (`inspect`
    /// reports missing ones itself).
    pub fn finish_any(self) -> Result<Model> {
        let mut m = self.model;
        m.events.finish()?;
        m.rooms.finish();
        m.sync.finish(&m.events);
        m.user.finish();
        Ok(m)
    }
}

impl Model {
    /// Server-name candidates with the rows that name them.
    pub fn server_candidates(&self) -> servers::Candidates {
        let mut c = servers::Candidates::new();
        let acc = &self.accounts;
        for (_, server) in acc.accounts.keys() {
            if let Some(s) = server {
                c.entry(s.clone()).or_default().accounts += 1;
            }
        }
        for ((_, server), _) in acc.devices.keys() {
            if let Some(s) = server {
                c.entry(s.clone()).or_default().devices += 1;
            }
        }
        for (_, server) in acc.profiles.keys() {
            if let Some(s) = server {
                c.entry(s.clone()).or_default().profiles += 1;
            }
        }
        for alias in self.rooms.aliases.keys() {
            if let Some(s) = servers::server_part(alias) {
                c.entry(s.to_owned()).or_default().aliases += 1;
            }
        }
        for ((_, target), m) in &self.rooms.members {
            let user = self.nids.state_key(*target);
            if let Some(s) = user.filter(|_| m.target_local).and_then(servers::server_part) {
                c.entry(s.to_owned()).or_default().local_members += 1;
            }
        }
        c
    }
}
