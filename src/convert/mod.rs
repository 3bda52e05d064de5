//! convert: the Dendrite model → Synapse rows, one module per area, and the
//! `convert` command that ties the pipeline together.
//!
//! The command: read every dump into the model (with the stream positions
//! and stream sequence values [`streams`] needs), choose the server name, plan the events once
//! ([`plan`]: kind, stream ordering, received_ts), let each area module turn
//! the model into rows for named Synapse tables, then hand the tables to the
//! SQL writer in an order that satisfies Synapse's foreign keys and triggers
//! (users → devices → rooms → events → event_json → the rest; reference
//! synapse-storage.md §L). A summary of rows per table and of everything left
//! out goes to stderr (and to `--report` as JSON).
//!
//! Area modules are pure functions of the model (+ [`Context`]) with sorted
//! iteration, so the same dump gives the same bytes. They record what they
//! leave out in [`report::Skipped`]; nothing is dropped silently.

mod account_data;
mod accounts;
mod dag;
mod e2ee;
mod events;
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
mod streams;
mod table;
mod unsigned;
mod user_extras;
mod userdata;

#[cfg(test)]
mod fixture_tests;

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use indicatif::ProgressBar;

use crate::dendrite::accounts::UserKey;
use crate::dendrite::positions::{PositionCols, Positions};
use crate::dendrite::{servers, Loader, Model};
use crate::dump::{self, Row, SequenceValue, TableHeader, Visitor, Want};
use crate::synapse::{Header, InputFile, Output, PostLoad, Script};

use report::{InputReport, Report, Skipped};
use streams::Streams;
use table::Table;

/// What every area module may need besides the model.
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
    let inputs = hash_inputs(dumps)?;
    let (model, positions) = load(dumps)?;
    let skip_rooms = rooms_to_skip(&model, skip_rooms)?;
    refuse_partial_state(&model, &skip_rooms)?;
    let server_name = choose_server_name(&model, server_name)?;
    let ctx = Context { streams: Streams::compute(&model, &positions), server_name, skip_rooms };
    let spinner = spinner();
    spinner.set_message("converting");
    let mut skipped = Skipped::default();
    let tables = convert(&model, &ctx, &mut skipped)?;
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

fn load(dumps: &[PathBuf]) -> Result<(Model, Positions)> {
    let mut set = dump::open(dumps)?;
    let bar = crate::progress::reading_dump(&mut set, 0);
    let mut reader = Reader { loader: Loader::default(), positions: Positions::default(), current: None };
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

/// Every Synapse table, in the order the writer fills them (foreign keys:
/// users → devices → rooms → events → event_json → the rest).
fn convert<'m>(model: &'m Model, ctx: &'m Context, skipped: &mut Skipped) -> Result<Vec<Table<'m>>> {
    let mut out = Vec::new();
    let accounts = accounts::local_accounts(model, ctx, skipped);
    out.push(accounts::users(&accounts));
    out.push(accounts::profiles(model, &accounts, skipped));
    out.extend(accounts::devices(model, &accounts, skipped));
    out.push(accounts::threepids(model, &accounts, skipped));

    for &nid in &model.events.surrogates_replaced {
        let id = model.events.get(nid).map_or("", |e| &*e.event_id);
        skipped.add_id("event JSON changed", "lone UTF-16 surrogate escapes replaced by \\ufffd", id);
    }
    let room_set = rooms::RoomSet::choose(model, ctx, skipped);
    let state_groups = Rc::new(state::build(model));
    skipped.add_n("state blocks", "entry names an event not in roomserver_events", state_groups.missing_block_events);
    let plan = Rc::new(plan::Plan::build(model, &room_set, &ctx.streams, &state_groups, skipped));
    out.push(rooms::rooms(model, &room_set, &plan));
    out.extend(rooms::aliases(model, ctx, &room_set, skipped));
    out.push(rooms::appservice_room_list(model, &room_set, skipped));

    out.extend(events::tables(model, Rc::clone(&plan)));
    let out_of_band = invites::collect(model, ctx, &room_set, &plan, skipped);
    let [oob_events, oob_json, oob_state, oob_members, oob_local] = invites::tables(&out_of_band);
    out.extend([oob_events, oob_json, oob_state]);
    out.push(dag::edges(Rc::clone(&plan), skipped)?);
    out.push(dag::auth(model, Rc::clone(&plan), skipped)?);
    out.push(relations::redactions(model, &plan, skipped));
    out.push(relations::event_relations(&plan));
    out.push(relations::threads(&plan));
    out.extend(groups::tables(model, &room_set, &state_groups, skipped));
    out.push(groups::event_to_state_groups(Rc::clone(&plan), Rc::clone(&state_groups), skipped)?);
    out.push(dag::room_depth(&plan));
    out.push(dag::forward_extremities(model, &plan, skipped));
    out.push(dag::backward_extremities(model, &plan));
    out.push(membership::room_memberships(model, &plan, skipped));
    let current = membership::current_state(model, &plan, skipped);
    out.extend(membership::current_tables(ctx, &current));
    out.extend([oob_members, oob_local]);
    out.push(membership::guest_access_stats(&current));
    out.extend(receipts::tables(model, ctx, &room_set, &plan, skipped));
    let user_ctx = userdata::UserContext::new(model, ctx, &out);
    out.extend(userdata::convert(model, &user_ctx, skipped)?);
    out.push(notifications::event_push_actions(model, &user_ctx, &plan, invites::positions(&out_of_band), skipped));
    out.extend(media::tables(&model.media, &ctx.server_name, skipped));
    Ok(out)
}

/// Tables this large are loaded without their secondary indexes, foreign keys
/// and per-row triggers, which are put back from the target's own definitions
/// afterwards (faster COPY: docs/performance.md).
const DEFER_INDEXES_FROM: usize = 10_000;

fn write(tables: &[Table<'_>], ctx: &Context, inputs: &[InputFile], output: &Path) -> Result<Vec<(String, u64)>> {
    let count = |name: &str| tables.iter().filter(|t| t.name == name).map(|t| t.len() as u64).sum::<u64>();
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
    for t in tables {
        if t.len() >= DEFER_INDEXES_FROM {
            script.defer_indexes(t.name)?;
        }
        script.begin_copy(t.name, t.columns)?;
        t.each_row(&mut |row| Ok(script.row(row)?)).with_context(|| format!("writing {}", output.display()))?;
        script.end_copy()?;
    }
    let summary = script.finish(&post_load(ctx)).with_context(|| format!("writing {}", output.display()))?;
    Ok(summary.rows)
}

fn post_load(ctx: &Context) -> PostLoad {
    let mut post = PostLoad { stream_floor: ctx.streams.base, ..PostLoad::default() };
    post.invariants.extend_from_slice(invariants::CONVERT_INVARIANTS);
    post
}
