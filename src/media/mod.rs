//! `media`: copy (or hard-link) Dendrite's media files into Synapse's media
//! store, checked against the hashes Dendrite recorded.
//!
//! The list of files comes from the dump (no database), `plan` turns it into
//! (source, destination) jobs and refusals, `copy` carries each job, in
//! parallel. Problems (missing, mismatched, conflicting, refused) are all
//! reported at the end and make the exit status non-zero, after every good
//! file has been carried. Re-running skips files already in place.

pub mod copy;
pub mod layout;
pub mod plan;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{anyhow, bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::dendrite::media::MediaDump;
use copy::{Expect, Job, Mode, Outcome};
use plan::{Plan, Refusal, ThumbFrom};

pub struct Options {
    pub dumps: Vec<PathBuf>,
    pub from: PathBuf,
    pub to: PathBuf,
    pub server_name: Option<String>,
    pub link: bool,
    pub dry_run: bool,
    pub plan: Option<PathBuf>,
}

/// Dendrite's store and server name: given ones win, else dendrite.yaml's
/// `media_api.base_path` (relative to the config's folder, as Dendrite
/// resolves it) and `global.server_name`.
pub fn source(
    from: Option<PathBuf>,
    config: Option<&Path>,
    server: Option<String>,
) -> Result<(PathBuf, Option<String>)> {
    let Some(path) = config else {
        return Ok((from.ok_or_else(|| anyhow!("--from or --dendrite-config is required"))?, server));
    };
    let c = crate::identity::dendrite_yaml::DendriteConfig::read(path)?;
    let from = match from {
        Some(f) => f,
        None => {
            let base = c.str("media_api.base_path").filter(|s| !s.is_empty()).unwrap_or("./media_store");
            c.resolve(base)
        }
    };
    let server = server.or_else(|| c.server_name().ok().map(String::from));
    Ok((from, server))
}

/// One file to carry, with what it is for reports.
struct Task<'a> {
    what: String,
    src_rel: &'a Path,
    dst_rel: &'a Path,
    src: PathBuf,
    expect: Expect,
    size: u64,
    /// For the original-as-scale thumbnail: the original's path in the
    /// Synapse store. When copying, that copy is hard-linked instead of
    /// copying the bytes a second time.
    same_as: Option<&'a Path>,
}

pub fn run(opts: &Options) -> Result<()> {
    let model = crate::dendrite::media::read(&opts.dumps)?;
    if !model.saw_media_table {
        bail!(
            "no mediaapi_media_repository table in {}: pass the dump of Dendrite's media API database",
            list(&opts.dumps)
        );
    }
    let server = server_name(opts, &model)?;
    let plan = plan::plan(&model.store, &server);
    let tasks = tasks(&plan, &opts.from);
    if let Some(path) = &opts.plan {
        write_manifest(path, opts, &server, &tasks, &plan.refused)?;
    }
    let outcomes = if opts.dry_run { dry_run(opts, &tasks) } else { carry(opts, &tasks)? };
    report(&plan, &tasks, &outcomes, opts)
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

fn server_name(opts: &Options, model: &MediaDump) -> Result<String> {
    if let Some(s) = &opts.server_name {
        return Ok(s.clone());
    }
    model.server_name().map(str::to_string).ok_or_else(|| {
        let found: Vec<_> = model.account_servers.iter().map(String::as_str).collect();
        anyhow!(
            "cannot tell the server name from userapi_accounts (found: {}); pass --server-name",
            if found.is_empty() { "none".to_string() } else { found.join(", ") }
        )
    })
}

fn tasks<'a>(plan: &'a Plan<'a>, from: &Path) -> Vec<Task<'a>> {
    let mut out = Vec::new();
    for it in &plan.items {
        let mxc = format!("mxc://{}/{}", it.origin, it.media_id);
        out.push(Task {
            what: mxc.clone(),
            src_rel: &it.src,
            dst_rel: &it.dst,
            src: from.join(&it.src),
            expect: Expect::Sha256(it.sha256),
            size: it.media.size as u64,
            same_as: None,
        });
        for t in &it.thumbnails {
            let (what, expect) = match t.from {
                ThumbFrom::Dendrite => {
                    (format!("{mxc} thumbnail {}x{} {}", t.width, t.height, t.method), Expect::Size(t.size as u64))
                }
                ThumbFrom::Original => (format!("{mxc} original as scale thumbnail"), Expect::Sha256(it.sha256)),
            };
            out.push(Task {
                what,
                src_rel: &t.src,
                dst_rel: &t.dst,
                src: from.join(&t.src),
                expect,
                size: t.size as u64,
                same_as: (t.from == ThumbFrom::Original).then_some(it.dst.as_path()),
            });
        }
    }
    out
}

fn mode(opts: &Options) -> Mode {
    if opts.link {
        Mode::Link
    } else {
        Mode::Copy
    }
}

fn dry_run(opts: &Options, tasks: &[Task<'_>]) -> Vec<Outcome> {
    let verb = if opts.link { "link" } else { "copy" };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for t in tasks {
        let (verb, src) = match t.same_as {
            Some(first) if !opts.link => ("link", opts.to.join(first)),
            _ => (verb, t.src.clone()),
        };
        let _ =
            writeln!(out, "would {verb} {} -> {} ({} bytes)", src.display(), opts.to.join(t.dst_rel).display(), t.size);
    }
    Vec::new()
}

fn carry(opts: &Options, tasks: &[Task<'_>]) -> Result<Vec<Outcome>> {
    fs::create_dir_all(&opts.to).with_context(|| format!("creating the media store {}", opts.to.display()))?;
    let root = fs::canonicalize(&opts.to).with_context(|| format!("resolving {}", opts.to.display()))?;
    let total: u64 = tasks.iter().map(|t| t.size).sum();
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {msg} ({bytes_per_sec}, {eta})")
            .expect("valid template"),
    );
    let done = AtomicU64::new(0);
    let n = tasks.len();
    let mode = mode(opts);
    // Pass 1 copies (or links) from Dendrite's store; pass 2 links the
    // original-as-scale thumbnails to the originals pass 1 placed, so copy
    // mode does not store those bytes twice.
    let second = |t: &Task<'_>| mode == Mode::Copy && t.same_as.is_some();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    for pass in [false, true] {
        let results: Vec<(usize, Outcome)> = tasks
            .par_iter()
            .enumerate()
            .filter(|(_, t)| second(t) == pass)
            .map(|(i, t)| {
                let o = match (pass, t.same_as) {
                    (true, Some(first)) => copy::run(
                        &Job { src: &root.join(first), dst_rel: t.dst_rel, expect: t.expect },
                        &root,
                        Mode::Link,
                    ),
                    _ => copy::run(&Job { src: &t.src, dst_rel: t.dst_rel, expect: t.expect }, &root, mode),
                };
                bar.inc(t.size);
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(format!("{d}/{n} files"));
                (i, o)
            })
            .collect();
        for (i, o) in results {
            outcomes[i] = Some(o);
        }
    }
    bar.finish_and_clear();
    Ok(outcomes.into_iter().map(|o| o.expect("every task ran in one pass")).collect())
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Missing => "missing in Dendrite's store".into(),
        Outcome::Mismatch { expected, actual } => format!("SHA-256 mismatch: expected {expected}, found {actual}"),
        Outcome::SizeMismatch { expected, actual } => {
            format!("size mismatch: expected {expected} bytes, found {actual}")
        }
        Outcome::Conflict { detail } => format!("conflict: {detail}"),
        Outcome::Escapes { resolved } => {
            format!("refused: the destination directory resolves outside the store, to {}", resolved.display())
        }
        Outcome::Failed { error } => format!("failed: {error}"),
        Outcome::Copied { .. } | Outcome::Linked { .. } | Outcome::AlreadyThere { .. } => "ok".into(),
    }
}

#[derive(Default)]
struct Tally {
    copied: (u64, u64),
    linked: (u64, u64),
    already: (u64, u64),
    problems: u64,
}

fn report(plan: &Plan<'_>, tasks: &[Task<'_>], outcomes: &[Outcome], opts: &Options) -> Result<()> {
    let err = io::stderr();
    let mut e = err.lock();
    for r in &plan.refused {
        writeln!(
            e,
            "media: refused {} row {} (origin {:?}, media_id {:?}): {}: {}",
            r.table, r.row, r.origin, r.media_id, r.field, r.reason
        )?;
    }
    let mut tally = Tally::default();
    for (t, o) in tasks.iter().zip(outcomes) {
        let slot = match o {
            Outcome::Copied { bytes } => Some((&mut tally.copied, bytes)),
            Outcome::Linked { bytes } => Some((&mut tally.linked, bytes)),
            Outcome::AlreadyThere { bytes } => Some((&mut tally.already, bytes)),
            _ => None,
        };
        match slot {
            Some((s, bytes)) => {
                s.0 += 1;
                s.1 += bytes;
            }
            None => {
                tally.problems += 1;
                writeln!(e, "media: {} ({} -> {}): {}", t.what, t.src.display(), t.dst_rel.display(), describe(o))?;
            }
        }
    }
    let out = io::stdout();
    let mut out = out.lock();
    let (media, thumbs) = (plan.items.len(), plan.thumbnail_count());
    if opts.dry_run {
        writeln!(
            out,
            "dry run: {} files ({media} media, {thumbs} thumbnails), {} refused rows",
            tasks.len(),
            plan.refused.len()
        )?;
    } else {
        writeln!(
            out,
            "media: {media} media, {thumbs} thumbnails: copied {} files ({} bytes), linked {} ({} bytes), already there {} ({} bytes), problems {}, refused rows {}",
            tally.copied.0, tally.copied.1, tally.linked.0, tally.linked.1, tally.already.0, tally.already.1, tally.problems, plan.refused.len()
        )?;
    }
    let bad = tally.problems + plan.refused.len() as u64;
    if bad > 0 {
        bail!("{bad} media problems (listed above); every other file was carried");
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct Manifest<'a> {
    server_name: &'a str,
    source: &'a Path,
    store: &'a Path,
    mode: &'a str,
    files: Vec<ManifestFile<'a>>,
    refused: &'a [Refusal],
}

#[derive(serde::Serialize)]
struct ManifestFile<'a> {
    what: &'a str,
    src: &'a Path,
    dst: &'a Path,
    size: u64,
    /// Hex SHA-256 Dendrite recorded (originals only).
    sha256: Option<String>,
}

fn write_manifest(path: &Path, opts: &Options, server: &str, tasks: &[Task<'_>], refused: &[Refusal]) -> Result<()> {
    let files = tasks
        .iter()
        .map(|t| ManifestFile {
            what: &t.what,
            src: t.src_rel,
            dst: t.dst_rel,
            size: t.size,
            sha256: match t.expect {
                Expect::Sha256(h) => Some(layout::hex(&h)),
                Expect::Size(_) => None,
            },
        })
        .collect();
    let m = Manifest {
        server_name: server,
        source: &opts.from,
        store: &opts.to,
        mode: if opts.link { "link" } else { "copy" },
        files,
        refused,
    };
    let mut json = serde_json::to_vec_pretty(&m)?;
    json.push(b'\n');
    crate::identity::atomic_write(path, &json, 0o644).with_context(|| format!("writing the plan {}", path.display()))
}
