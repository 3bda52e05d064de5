//! What `inspect` reports, built from the dump headers and the counted rows,
//! and its text rendering (the JSON rendering is serde's).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::stats::{AccountCounts, EventCounts, Stats};
use crate::dendrite::catalog::UnknownTable;
use crate::dendrite::is_unknown_table;
use crate::dendrite::positions::stream_sequence;
use crate::dendrite::versions::{self, Compatibility, Evidence};
use crate::dump::{DumpInfo, TableHeader};

#[derive(Serialize)]
pub struct Report<'a> {
    pub inputs: &'a [DumpInfo],
    pub tables: Vec<TableRow>,
    pub sequences: Vec<SequenceRow>,
    pub components: Vec<Component>,
    pub dendrite_version: Version,
    pub server_name: Option<String>,
    pub server_names: Vec<ServerName>,
    pub counts: Counts,
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
pub struct TableRow {
    pub name: String,
    pub rows: u64,
    pub source: String,
}

#[derive(Serialize)]
pub struct SequenceRow {
    pub name: String,
    /// The sequence's `last_value`, as pg_dump saved it.
    pub last_value: i64,
    /// False: nothing was handed out yet (the next value is `last_value`).
    pub is_called: bool,
    pub source: String,
    /// For Dendrite's stream sequences, the sync-token positions it backs.
    pub stream: Option<&'static str>,
}

#[derive(Serialize)]
pub struct Component {
    pub name: &'static str,
    pub present: bool,
    pub tables: usize,
}

#[derive(Serialize)]
pub struct Version {
    /// Dendrite version that applied the first recorded migration.
    pub first_migrated_by: Option<String>,
    /// Newest Dendrite version that applied a migration.
    pub last_migrated_by: Option<String>,
    pub migrations: usize,
    /// What the table set and columns say, e.g. ">= v0.13.7".
    pub schema_at_least: Option<String>,
    pub markers: Vec<String>,
    /// Releases that could have written the dump, and why.
    pub compatible: Compatibility,
}

#[derive(Serialize)]
pub struct ServerName {
    pub name: String,
    pub accounts: u64,
    pub devices: u64,
    pub media_files: u64,
    pub rooms_created: u64,
}

#[derive(Serialize)]
pub struct Counts {
    pub local_accounts: AccountCounts,
    pub local_devices: u64,
    pub rooms: u64,
    pub rooms_by_version: BTreeMap<String, u64>,
    pub stub_rooms: u64,
    pub events: EventCounts,
    pub state_snapshots: u64,
    pub state_blocks: u64,
    pub local_media_files: u64,
    pub local_media_bytes: u64,
    pub remote_media_files: u64,
    pub remote_media_bytes: u64,
    pub thumbnails: u64,
    pub local_device_keys: u64,
    pub remote_device_keys: u64,
    pub one_time_keys: u64,
    pub cross_signing_keys: u64,
    pub key_backup_versions: u64,
    pub key_backup_sessions: u64,
    pub pending_to_device: u64,
}

/// Dendrite components, the table prefix each creates, and whether a
/// normal monolith has it.
const COMPONENTS: [(&str, &[&str], bool); 8] = [
    ("roomserver", &["roomserver_"], true),
    ("syncapi", &["syncapi_"], true),
    ("userapi", &["userapi_"], true),
    ("keyserver", &["keyserver_"], true),
    ("mediaapi", &["mediaapi_"], true),
    ("federationapi", &["federationsender_", "keydb_"], true),
    ("relayapi", &["relayapi_"], false),
    ("mscs", &["msc2836_"], false),
];

/// Schema markers from docs/dendrite-schema.md §8.2, newest first.
const MARKERS: [(&str, &str); 7] = [
    ("keyserver_fallback_keys", "element-hq v0.14.0"),
    ("roomserver_reported_events", "v0.13.7"),
    ("roomserver_user_room_keys", "v0.13.0"),
    ("userapi_registration_tokens", "v0.13.0"),
    ("federationsender_assumed_offline", "v0.11.1"),
    ("userapi_daily_stats", "v0.10.7"),
    ("syncapi_relations", "v0.10.3"),
];

/// Room versions Synapse 1.16x can host.
fn synapse_room_version(v: &str) -> bool {
    matches!(v.parse::<u32>(), Ok(1..=12))
}

pub fn build<'a>(inputs: &'a [DumpInfo], s: &Stats) -> Report<'a> {
    let rows = |t: &str| s.tables.get(&format!("public.{t}")).map_or(0, |(_, n)| *n);
    let has = |t: &str| s.tables.contains_key(&format!("public.{t}"));
    let tables = s
        .tables
        .iter()
        .map(|(name, (src, n))| TableRow { name: name.clone(), rows: *n, source: src.display().to_string() })
        .collect();
    let mut sequences: Vec<SequenceRow> = s
        .sequences
        .iter()
        .map(|q| SequenceRow {
            name: format!("{}.{}", q.schema, q.name),
            last_value: q.value,
            is_called: q.is_called,
            source: q.source.display().to_string(),
            stream: stream_sequence(&q.name),
        })
        .collect();
    sequences.sort_by(|a, b| (&a.name, &a.source).cmp(&(&b.name, &b.source)));
    let components = COMPONENTS
        .iter()
        .map(|(name, prefixes, _)| {
            let n = s.tables.keys().filter(|t| prefixes.iter().any(|p| t.starts_with(&format!("public.{p}")))).count();
            Component { name, present: n > 0, tables: n }
        })
        .collect::<Vec<_>>();
    let server_names = server_names(s);
    let server_name = server_names.first().filter(|s| s.accounts > 0 || s.devices > 0).map(|s| s.name.clone());
    let local = server_name.clone().unwrap_or_default();
    let media = |local_side: bool| {
        s.media_by_origin
            .iter()
            .filter(|(o, _)| (**o == local) == local_side)
            .fold((0, 0), |a, (_, m)| (a.0 + m.0, a.1 + m.1))
    };
    let (lf, lb) = media(true);
    let (rf, rb) = media(false);
    let local_keys = s.device_keys_by_server.get(&local).copied().unwrap_or(0);
    let counts = Counts {
        local_accounts: s.accounts.get(&local).cloned().unwrap_or_default(),
        local_devices: s.devices_by_server.get(&local).copied().unwrap_or(0),
        rooms: rows("roomserver_rooms"),
        rooms_by_version: s.rooms_by_version.clone(),
        stub_rooms: s.stub_rooms,
        events: EventCounts { timeline: s.events.timeline, outliers: s.events.outliers, rejected: s.events.rejected },
        state_snapshots: rows("roomserver_state_snapshots"),
        state_blocks: rows("roomserver_state_block"),
        local_media_files: lf,
        local_media_bytes: lb,
        remote_media_files: rf,
        remote_media_bytes: rb,
        thumbnails: rows("mediaapi_thumbnail"),
        local_device_keys: local_keys,
        remote_device_keys: s.device_keys_by_server.values().sum::<u64>() - local_keys,
        one_time_keys: rows("keyserver_one_time_keys"),
        cross_signing_keys: rows("keyserver_cross_signing_keys"),
        key_backup_versions: s.backup_versions_live,
        key_backup_sessions: rows("userapi_key_backups"),
        pending_to_device: rows("syncapi_send_to_device"),
    };
    let dendrite_version = version(s, &has);
    let warnings = warnings(s, &components, &server_names, server_name.as_deref(), &has);
    Report { inputs, tables, sequences, components, dendrite_version, server_name, server_names, counts, warnings }
}

/// Server names seen in accounts, devices, media and room IDs; the one with
/// the most accounts (then devices) first: that is the homeserver's own.
fn server_names(s: &Stats) -> Vec<ServerName> {
    fn entry<'m>(m: &'m mut BTreeMap<String, ServerName>, n: &str) -> &'m mut ServerName {
        m.entry(n.to_string()).or_insert_with(|| ServerName {
            name: n.to_string(),
            accounts: 0,
            devices: 0,
            media_files: 0,
            rooms_created: 0,
        })
    }
    let mut names = BTreeMap::new();
    for (n, a) in &s.accounts {
        entry(&mut names, n).accounts += a.users + a.admins + a.guests + a.appservice;
    }
    for (n, d) in &s.devices_by_server {
        entry(&mut names, n).devices += d;
    }
    for (n, (f, _)) in &s.media_by_origin {
        entry(&mut names, n).media_files += f;
    }
    for (n, r) in s.room_servers.iter().filter(|(n, _)| !n.is_empty()) {
        entry(&mut names, n).rooms_created += r;
    }
    let mut v: Vec<ServerName> = names.into_values().collect();
    v.sort_by(|a, b| (b.accounts, b.devices, &a.name).cmp(&(a.accounts, a.devices, &b.name)));
    v
}

fn parse_version(v: &str) -> Vec<u64> {
    v.split(['+', '-']).next().unwrap_or("").split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

fn version(s: &Stats, has: &dyn Fn(&str) -> bool) -> Version {
    let mut by: Vec<&String> = s.migrations.keys().collect();
    by.sort_by_key(|v| parse_version(v));
    let mut markers: Vec<String> =
        MARKERS.iter().filter(|(t, _)| has(t)).map(|(t, v)| format!("table {t} (>= {v})")).collect();
    if s.rooms_by_version.contains_key("12") {
        markers.insert(0, "room version 12 (>= element-hq v0.15.0)".into());
    }
    if s.columns.get("public.userapi_accounts").is_some_and(|c| c.last().map(String::as_str) == Some("server_name")) {
        markers.push(
            "userapi_accounts.server_name is its last column (database created before v0.10.8, then upgraded)".into(),
        );
    }
    if has("goose_db_version") {
        markers.push("table goose_db_version (database created before v0.9.0)".into());
    }
    let evidence = Evidence {
        has_table: has,
        room_versions: s.rooms_by_version.keys().map(String::as_str).collect(),
        migrated_by: s.migrations.keys().map(String::as_str).collect(),
    };
    let schema_at_least =
        markers.first().and_then(|m| m.split(">= ").nth(1)).map(|v| format!(">= {}", v.trim_end_matches(')')));
    Version {
        first_migrated_by: by.first().map(|v| v.to_string()),
        last_migrated_by: by.last().map(|v| v.to_string()),
        migrations: s.migrations.values().map(|m| m.len()).sum(),
        schema_at_least,
        markers,
        compatible: versions::judge(&evidence),
    }
}

fn warnings(
    s: &Stats,
    components: &[Component],
    names: &[ServerName],
    local: Option<&str>,
    has: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let mut w = Vec::new();
    if components.iter().all(|c| !c.present) {
        w.push("no Dendrite tables found: is this a dump of Dendrite's database?".to_string());
        return w;
    }
    for (c, (_, prefixes, core)) in components.iter().zip(COMPONENTS.iter()) {
        if *core && !c.present {
            w.push(format!(
                "no {}* tables: the {} database is not in these dumps (with one database per component, pass every component's dump)",
                prefixes[0], c.name
            ));
        }
    }
    if has("account_accounts") && !has("userapi_accounts") {
        w.push("user tables have their pre-v0.10.4 names (account_accounts …): start Dendrite v0.13.8 once on this database, then dump it again".into());
    }
    w.extend(unknown_tables(s).iter().map(UnknownTable::warning));
    if has("roomserver_partial_state_rooms") {
        let n = s.tables.get("public.roomserver_partial_state_rooms").map_or(0, |(_, n)| *n);
        if n > 0 {
            w.push(format!(
                "{n} partial-state room(s) (roomserver_partial_state_rooms): their resync has not finished; \
                 convert refuses them until Dendrite finishes it"
            ));
        }
    }
    if !has("db_migrations") {
        w.push("no db_migrations table: Dendrite older than v0.9.0, or not every database was dumped".into());
    }
    for (v, n) in &s.rooms_by_version {
        if v == "org.matrix.msc4014" {
            w.push(format!(
                "{n} room(s) use room version {v} (pseudo IDs), which Synapse cannot host; they will be skipped"
            ));
        } else if !synapse_room_version(v) {
            w.push(format!("{n} room(s) use room version {v:?}, which Synapse may not support"));
        }
    }
    if let Some(local) = local {
        let others: Vec<String> = names
            .iter()
            .filter(|n| n.name != local && n.accounts > 0)
            .map(|n| format!("{} ({})", n.name, n.accounts))
            .collect();
        if !others.is_empty() {
            w.push(format!(
                "accounts of other server names (virtual hosts): {}; Synapse serves only {local}, so they will be skipped",
                others.join(", ")
            ));
        }
    } else if has("userapi_accounts") {
        w.push("no accounts found, so the server name is unknown".into());
    }
    w
}

/// Tables of the `public` schema that are Dendrite's but unknown to the
/// model (dendrite::catalog decides).
fn unknown_tables(s: &Stats) -> Vec<UnknownTable> {
    let mut out = Vec::new();
    for (full, (source, rows)) in &s.tables {
        let Some(name) = full.strip_prefix("public.") else { continue };
        let columns = s.columns.get(full).cloned().unwrap_or_default();
        let header = TableHeader { schema: "public".into(), name: name.into(), columns, source: source.clone() };
        if is_unknown_table(&header) {
            out.push(UnknownTable { name: name.into(), rows: *rows, source: source.clone() });
        }
    }
    out
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

pub fn text(r: &Report<'_>) -> String {
    let mut o = String::new();
    for i in r.inputs {
        let _ = writeln!(o, "{}", i.path.display());
        let v = i.archive_version.map_or("-".to_string(), |(a, b, c)| format!("{a}.{b}.{c}"));
        let _ = writeln!(o, "  format {:?}, archive version {v}, {}", i.format, human_bytes(i.size));
        let _ = writeln!(
            o,
            "  pg_dump {}, server {}, database {}",
            i.pg_dump_version.as_deref().unwrap_or("?"),
            i.server_version.as_deref().unwrap_or("?"),
            i.database.as_deref().unwrap_or("?")
        );
    }
    let _ = writeln!(o, "\ntables ({}):", r.tables.len());
    let width = r.tables.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for t in &r.tables {
        let _ = writeln!(o, "  {:width$}  {:>12}", t.name, t.rows);
    }
    let _ = writeln!(o, "\nsequences ({}; * backs a position of Dendrite's sync token):", r.sequences.len());
    let width = r.sequences.iter().map(|q| q.name.len()).max().unwrap_or(0);
    for q in &r.sequences {
        let used = if q.is_called { String::new() } else { " (never used)".to_string() };
        let stream = q.stream.map_or(String::new(), |w| format!("  * {w}"));
        let _ = writeln!(o, "  {:width$}  {:>12}{used}{stream}", q.name, q.last_value);
    }
    let present: Vec<&str> = r.components.iter().filter(|c| c.present).map(|c| c.name).collect();
    let missing: Vec<&str> = r.components.iter().filter(|c| !c.present).map(|c| c.name).collect();
    let _ = writeln!(o, "\ncomponents present: {}", present.join(", "));
    let _ = writeln!(o, "components missing: {}", if missing.is_empty() { "none".into() } else { missing.join(", ") });
    let v = &r.dendrite_version;
    let _ = writeln!(
        o,
        "dendrite version: schema {}; migrations {} (first applied by {}, last by {})",
        v.schema_at_least.as_deref().unwrap_or("unknown"),
        v.migrations,
        v.first_migrated_by.as_deref().unwrap_or("?"),
        v.last_migrated_by.as_deref().unwrap_or("?")
    );
    for m in &v.markers {
        let _ = writeln!(o, "  marker: {m}");
    }
    let _ = writeln!(o, "compatible Dendrite releases: {}", v.compatible.releases);
    for why in &v.compatible.reasons {
        let _ = writeln!(o, "  because {why}");
    }
    let _ = writeln!(o, "\nserver name: {}", r.server_name.as_deref().unwrap_or("unknown"));
    for s in &r.server_names {
        let _ = writeln!(
            o,
            "  {}: {} accounts, {} devices, {} media files, {} rooms created",
            s.name, s.accounts, s.devices, s.media_files, s.rooms_created
        );
    }
    let c = &r.counts;
    let a = &c.local_accounts;
    let _ = writeln!(
        o,
        "\nlocal accounts: {} users, {} admins, {} guests, {} appservice ({} deactivated)",
        a.users, a.admins, a.guests, a.appservice, a.deactivated
    );
    let _ = writeln!(o, "local devices: {}", c.local_devices);
    let mut by_version: Vec<(&String, &u64)> = c.rooms_by_version.iter().collect();
    by_version.sort_by_key(|(v, _)| (v.parse::<u32>().unwrap_or(u32::MAX), v.to_string()));
    let versions: Vec<String> = by_version
        .iter()
        .map(|(v, n)| if v.parse::<u32>().is_ok() { format!("v{v}: {n}") } else { format!("{v}: {n}") })
        .collect();
    let _ = writeln!(o, "rooms: {} ({}; {} stubs)", c.rooms, versions.join(", "), c.stub_rooms);
    let _ = writeln!(
        o,
        "events: {} timeline, {} outliers, {} rejected",
        c.events.timeline, c.events.outliers, c.events.rejected
    );
    let _ = writeln!(o, "state: {} snapshots, {} blocks", c.state_snapshots, c.state_blocks);
    let _ = writeln!(
        o,
        "media: {} local files ({}), {} remote ({}), {} thumbnails",
        c.local_media_files,
        human_bytes(c.local_media_bytes),
        c.remote_media_files,
        human_bytes(c.remote_media_bytes),
        c.thumbnails
    );
    let _ = writeln!(
        o,
        "device keys: {} local, {} remote; {} one-time keys; {} cross-signing keys",
        c.local_device_keys, c.remote_device_keys, c.one_time_keys, c.cross_signing_keys
    );
    let _ = writeln!(o, "key backups: {} versions, {} sessions", c.key_backup_versions, c.key_backup_sessions);
    let _ = writeln!(o, "pending to-device messages: {}", c.pending_to_device);
    if !r.warnings.is_empty() {
        let _ = writeln!(o, "\nwarnings:");
        for w in &r.warnings {
            let _ = writeln!(o, "  - {w}");
        }
    }
    o
}
