//! convert: the Dendrite model → Synapse rows, one module per area, and the
//! `convert` command that ties the pipeline together.
//!
//! The command: read every dump into the model (with the stream positions
//! and stream sequence values [`streams`] needs), choose the server name, plan the events once
//! ([`plan`]: kind, stream ordering, received_ts), then let each area module
//! turn the model into typed rows ([`crate::synapse::tables`]: one struct per
//! Synapse table). The writer loads the blocks in the order that module
//! declares them, which satisfies Synapse's foreign keys and triggers
//! (users → devices → rooms → events → event_json → the rest). A summary of
//! rows per table and of everything left out goes to stderr (and to
//! `--report` as JSON).
//!
//! Areas hand each other typed decisions ([`Facts`]: the accounts and devices
//! carried, the rooms, the plan, the out-of-band invites), never output rows.
//! Area modules are pure functions of the model (+ [`Context`]) with sorted
//! iteration, so the same dump gives the same bytes. They record what they
//! leave out in [`report::Skipped`]; nothing is dropped silently.

mod account_data;
mod accounts;
mod caveats;
mod chain_cover;
mod dag;
mod e2ee;
mod events;
mod fields;
mod groups;
mod invariants;
mod invites;
mod media;
mod membership;
mod notifications;
mod plan;
mod push;
mod push_defaults;
mod receipts;
mod relations;
mod report;
mod rooms;
pub mod state;
mod state_keys;
mod streams;
mod table;
mod unsigned;
mod user_extras;
mod userdata;
mod users;

#[cfg(test)]
mod fixture_tests;

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use indicatif::ProgressBar;

use crate::dendrite::accounts::UserKey;
use crate::dendrite::positions::{PositionCols, Positions};
use crate::dendrite::{servers, Loader, Model};
use crate::dump::{self, Row, SequenceValue, TableHeader, Visitor, Want};
use crate::synapse::{Header, InputFile, Output, PostLoad, Script, Tables};

use report::{InputReport, Report, Skip, Skipped};
use streams::Streams;

/// What every area module may need besides the model.
#[derive(Clone)]
pub struct Context {
    pub server_name: String,
    pub streams: Streams,
    /// Room IDs left out on request (`--skip-room`).
    pub skip_rooms: BTreeSet<String>,
}

impl Context {
    /// A user ID of this server (`@x:<server_name>`).
    pub fn is_local(&self, user_id: &str) -> bool {
        user_id.starts_with('@') && servers::server_part(user_id) == Some(self.server_name.as_str())
    }

    /// The full user ID of a Dendrite account key, if it belongs to this server
    /// (a missing server name is the server's own: pre-virtual-hosting rows).
    pub fn user_id(&self, key: &UserKey) -> Option<String> {
        match &key.1 {
            Some(s) if *s != self.server_name => None,
            _ => Some(format!("@{}:{}", key.0, self.server_name)),
        }
    }
}

/// `dendrite2synapse convert DUMP... -o OUT [--server-name N] [--report R] [--skip-room ID]...`.
pub fn run(
    dumps: &[PathBuf],
    output: &Path,
    server_name: Option<&str>,
    report_path: Option<&Path>,
    skip_rooms: &[String],
) -> Result<()> {
    // The inputs' hashes (for the header) are computed while the model is read:
    // a second read of the files, on another core. Its error, if any, comes first.
    let (inputs, loaded) = std::thread::scope(|s| {
        let hashing = s.spawn(|| hash_inputs(dumps));
        let loaded = load(dumps, &spill_dir(output));
        (hashing.join().expect("the hashing thread does not panic"), loaded)
    });
    let inputs = inputs?;
    let (model, positions) = loaded?;
    let skip_rooms = rooms_to_skip(&model, skip_rooms)?;
    refuse_partial_state(&model, &skip_rooms)?;
    let server_name = choose_server_name(&model, server_name)?;
    let ctx = Context { streams: Streams::compute(&model, &positions), server_name, skip_rooms };
    let spinner = spinner();
    spinner.set_message("converting");
    let mut skipped = Skipped::default();
    let facts = Facts::decide(&model, &ctx, &mut skipped)?;
    let tables = convert(&model, &ctx, &facts, &mut skipped)?;
    let caveats = caveats::find(&tables);
    spinner.set_message("writing SQL");
    let rows = write(&tables, &ctx, &inputs, output)?;
    spinner.finish_and_clear();
    let report = Report {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        server_name: ctx.server_name.clone(),
        inputs: inputs.iter().map(input_report).collect(),
        rows,
        left_out_ids: skipped.ids(),
        skipped,
        stream_base: ctx.streams.base,
        unknown_tables: model.unknown_tables.clone(),
        caveats,
    };
    eprint!("{}", report.text());
    if let Some(path) = report_path {
        let json = serde_json::to_string_pretty(&report)? + "\n";
        // 0600 from creation, like the SQL: event IDs and user IDs are not for other users.
        crate::identity::atomic_write(path, json.as_bytes(), 0o600)
            .with_context(|| format!("writing the report {}", path.display()))?;
    }
    Ok(())
}

/// Where the event JSON waits until it is written ([`crate::dendrite::json_spill`]):
/// next to the output, which needs more room than it; $TMPDIR for stdout.
fn spill_dir(output: &Path) -> PathBuf {
    match output.parent() {
        _ if output == Path::new("-") => std::env::temp_dir(),
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    }
}

fn hash_inputs(dumps: &[PathBuf]) -> Result<Vec<InputFile>> {
    let mut all = Vec::new();
    for d in dumps.iter().filter(|d| d.as_os_str() != "-") {
        all.extend(InputFile::collect(d).with_context(|| format!("{}: reading to hash", d.display()))?);
    }
    Ok(all)
}

fn input_report(f: &InputFile) -> InputReport {
    let sha256 = f.sha256.iter().map(|b| format!("{b:02x}")).collect();
    InputReport { path: f.name.clone(), size: f.size, sha256 }
}

/// The model's loader plus the stream-position tables and sequence values
/// only convert needs.
struct Reader {
    loader: Loader,
    positions: Positions,
    current: Option<PositionCols>,
}

impl Visitor for Reader {
    fn table(&mut self, t: &TableHeader) -> Result<Want> {
        self.current = Positions::bind(t)?;
        if self.current.is_some() {
            return Ok(Want::Rows);
        }
        self.loader.table(t)
    }

    fn row(&mut self, t: &TableHeader, row: &Row<'_>) -> Result<()> {
        match &self.current {
            Some(c) => c.load(&mut self.positions, row),
            None => self.loader.row(t, row),
        }
    }

    fn end_table(&mut self, t: &TableHeader, rows: u64) -> Result<()> {
        match self.current.take() {
            Some(_) => Ok(()),
            None => self.loader.end_table(t, rows),
        }
    }

    fn sequence(&mut self, seq: &SequenceValue) -> Result<()> {
        self.positions.sequence(seq);
        Ok(())
    }
}

fn load(dumps: &[PathBuf], spill_dir: &Path) -> Result<(Model, Positions)> {
    let mut set = dump::open(dumps)?;
    let bar = crate::progress::reading_dump(&mut set, 0);
    let loader = Loader::spilling_to(spill_dir);
    let mut reader = Reader { loader, positions: Positions::default(), current: None };
    let outcome = set.read(&mut reader);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    outcome?;
    Ok((reader.loader.finish()?, reader.positions))
}

/// A partial-state room's current state lacks most members until
/// Dendrite's resync ends: converting it would give Synapse a room whose
/// state is wrong for good. Refused, naming every such room.
fn refuse_partial_state(model: &Model, skip: &BTreeSet<String>) -> Result<()> {
    let rooms: Vec<String> = model.rooms.partial_state_ids().into_iter().filter(|r| !skip.contains(r)).collect();
    if rooms.is_empty() {
        return Ok(());
    }
    bail!(
        "the dump holds {} partial-state room(s) (roomserver_partial_state_rooms: joined with faster joins, \
         resync not finished, current state incomplete): {}; let Dendrite finish the resync \
         (until the table is empty) and dump again, or leave them out with --skip-room ROOM_ID",
        rooms.len(),
        rooms.join(", ")
    )
}

/// The `--skip-room` IDs, each checked to name a room of the dump.
fn rooms_to_skip(model: &Model, given: &[String]) -> Result<BTreeSet<String>> {
    for id in given {
        if model.rooms.by_room_id(id).is_none() {
            bail!("--skip-room {id}: the dump has no such room (roomserver_rooms)");
        }
    }
    Ok(given.iter().cloned().collect())
}

fn spinner() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let s = ProgressBar::new_spinner();
    s.enable_steady_tick(Duration::from_millis(120));
    s
}

/// The server name: the given one, or the dump's only candidate.
fn choose_server_name(model: &Model, given: Option<&str>) -> Result<String> {
    let candidates = model.server_candidates();
    if let Some(name) = given {
        return Ok(name.to_string());
    }
    let mut names: Vec<(&String, u64)> = candidates.iter().map(|(n, e)| (n, e.total())).collect();
    match names.len() {
        1 => Ok(names[0].0.clone()),
        0 => bail!("the dump names no server (no accounts, devices, aliases or local members); give --server-name"),
        _ => {
            names.sort_by_key(|(n, total)| (std::cmp::Reverse(*total), (*n).clone()));
            let list: Vec<String> = names.iter().map(|(n, total)| format!("{n} ({total} rows)")).collect();
            bail!("the dump names several servers: {}; choose one with --server-name", list.join(", "))
        }
    }
}

/// What the areas decide before any row is made, which the others follow:
/// the accounts and devices carried, the rooms carried, the state groups,
/// the plan of every event, the out-of-band invites. Rows borrow from it.
struct Facts<'m> {
    accounts: accounts::Accounts<'m>,
    rooms: rooms::RoomSet,
    state_groups: state::StateGroups,
    plan: plan::Plan<'m>,
    invites: Vec<invites::OutOfBand<'m>>,
}

impl<'m> Facts<'m> {
    fn decide(model: &'m Model, ctx: &Context, skipped: &mut Skipped) -> Result<Facts<'m>> {
        let accounts = accounts::Accounts::decide(model, ctx, skipped);
        for &nid in &model.events.surrogates_replaced {
            let id = model.events.get(nid).map_or("", |e| &*e.event_id);
            skipped.add_id(Skip::SurrogatesReplaced, id);
        }
        for id in unsigned::unreadable_invite_states(model) {
            skipped.add_id(Skip::UnsignedUnreadable, id);
        }
        let rooms = rooms::RoomSet::choose(model, ctx, skipped)?;
        let state_groups = state::build(model);
        skipped.add_n(Skip::StateBlockEventMissing, state_groups.missing_block_events);
        let plan = plan::Plan::build(model, &rooms, &ctx.streams, &state_groups, skipped)?;
        let invites = invites::collect(model, ctx, &rooms, &plan, skipped);
        Ok(Facts { accounts, rooms, state_groups, plan, invites })
    }
}

/// Every Synapse table; the writer loads them in the order `Tables` declares.
fn convert<'a>(model: &'a Model, ctx: &'a Context, f: &'a Facts<'a>, skipped: &mut Skipped) -> Result<Tables<'a>> {
    let mut out = Tables::default();
    accounts::tables(model, &f.accounts, &mut out, skipped);
    rooms::tables(model, ctx, &f.rooms, &f.plan, &mut out, skipped);
    events::tables(model, &f.plan, &mut out);
    invites::tables(&f.invites, &mut out);
    dag::tables(model, &f.plan, &mut out, skipped)?;
    chain_cover::tables(&f.plan, &f.invites, &mut out);
    relations::tables(model, &f.plan, &mut out, skipped);
    groups::tables(model, &f.rooms, &f.state_groups, &f.plan, &mut out, skipped)?;
    let current = membership::current_state(model, &f.plan, skipped);
    membership::tables(model, ctx, &f.plan, &current, &mut out, skipped)?;
    receipts::tables(model, ctx, &f.rooms, &f.plan, &mut out, skipped);
    let left_out = model.rooms.by_nid.values().filter(|r| !f.rooms.converted(r.nid)).map(|r| r.room_id.to_string());
    let users = users::UserContext::new(ctx, &f.accounts, membership::joined_rooms(ctx, &current), left_out.collect());
    userdata::convert(model, &users, &mut out, skipped)?;
    let invites = invites::positions(&f.invites);
    out.event_push_actions = notifications::event_push_actions(model, &users, &f.plan, invites, skipped)?;
    media::tables(&model.media, &ctx.server_name, &mut out, skipped);
    Ok(out)
}

/// Tables this large are loaded without their secondary indexes, foreign keys
/// and per-row triggers, which are put back from the target's own definitions
/// afterwards (faster COPY: docs/performance.md).
const DEFER_INDEXES_FROM: usize = 10_000;

fn write(tables: &Tables<'_>, ctx: &Context, inputs: &[InputFile], output: &Path) -> Result<Vec<(String, u64)>> {
    let blocks = tables.blocks();
    let count = |name: &str| blocks.iter().filter(|t| t.table() == name).map(|t| t.len() as u64).sum::<u64>();
    let header = Header {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        server_name: ctx.server_name.clone(),
        inputs: inputs.to_vec(),
        counts: ["users", "devices", "rooms", "events", "state_groups"]
            .iter()
            .map(|t| (t.to_string(), count(t)))
            .collect(),
    };
    let out = Output::from_arg(output);
    let mut script = Script::create(&out, &header).with_context(|| format!("creating {}", output.display()))?;
    for t in &blocks {
        if t.len() >= DEFER_INDEXES_FROM {
            script.defer_indexes(t.table())?;
        }
        script.begin_copy(t.table(), t.columns())?;
        t.write_rows(&mut script).with_context(|| format!("writing {}", output.display()))?;
        script.end_copy()?;
    }
    let summary = script.finish(&post_load(ctx)).with_context(|| format!("writing {}", output.display()))?;
    Ok(summary.rows)
}

fn post_load(ctx: &Context) -> PostLoad {
    let mut post =
        PostLoad { stream_floor: ctx.streams.base, server_name: ctx.server_name.clone(), ..PostLoad::default() };
    post.invariants.extend_from_slice(invariants::CONVERT_INVARIANTS);
    post
}
