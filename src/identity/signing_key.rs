//! `signing-key`: Dendrite's `matrix_key.pem` → Synapse's `signing.key`,
//! after checking the derived public key against what Dendrite published.
//!
//! Checks, each optional, all that are given must pass before anything is
//! written: `--expect-server-keys` (a saved `/_matrix/key/v2/server` answer,
//! bare or wrapped as `{"body": …}`), and `--dump` (Dendrite's
//! `keydb_server_keys`, where a federating Dendrite keeps its own key too).
//! A different existing `signing.key` is never replaced: it may be the only
//! copy of some other server's identity.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use super::dendrite_yaml::{old_signing_keys_yaml, DendriteConfig};
use super::key::{self, MatrixKey};
use crate::dendrite::columns::{columns, Fields};
use crate::dump::{Row, TableHeader, Visitor, Want};

pub struct Options {
    pub pem: PathBuf,
    pub output: PathBuf,
    pub dendrite_config: Option<PathBuf>,
    pub expect_server_keys: Option<PathBuf>,
    pub dumps: Vec<PathBuf>,
    pub server_name: Option<String>,
}

pub fn run(o: &Options) -> Result<()> {
    let k = key::read_pem(&o.pem)?;
    let config = o.dendrite_config.as_deref().map(DendriteConfig::read).transpose()?;
    let server = o.server_name.clone().or_else(|| config.as_ref().and_then(|c| c.server_name().ok().map(String::from)));
    let mut checked = Vec::new();
    if let Some(p) = &o.expect_server_keys {
        check_server_keys(&k, p)?;
        checked.push(format!("{} ({})", p.display(), "verify_keys"));
    }
    if !o.dumps.is_empty() {
        let server = server
            .as_deref()
            .ok_or_else(|| anyhow!("--dump needs the server name: pass --server-name or --dendrite-config"))?;
        if check_dump(&k, server, &o.dumps)? {
            checked.push("keydb_server_keys in the dump".into());
        } else {
            eprintln!(
                "signing-key: the dump holds no keydb_server_keys row for {server} {}; not checked against it",
                k.key_id()
            );
        }
    }
    write_key(&k, &o.output)?;
    eprintln!("signing-key: wrote {} ({}, public key {})", o.output.display(), k.key_id(), k.public_base64());
    if checked.is_empty() {
        eprintln!("signing-key: warning: the public key was not compared with one Dendrite published (use --expect-server-keys or --dump)");
    } else {
        eprintln!("signing-key: public key matches {}", checked.join(" and "));
    }
    if let Some(c) = &config {
        print!(
            "# Add to homeserver.yaml: Dendrite's old keys (global.old_private_keys)\n{}",
            old_signing_keys_yaml(&c.old_keys()?)
        );
    }
    Ok(())
}

fn write_key(k: &MatrixKey, out: &Path) -> Result<()> {
    let line = k.synapse_line();
    if out != Path::new("-") {
        match std::fs::read(out) {
            Ok(existing) if existing == line.as_bytes() => return Ok(()),
            Ok(_) => bail!(
                "{} exists and holds a different key; not overwritten (move it away or choose another -o)",
                out.display()
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", out.display())),
        }
    }
    super::atomic_write(out, line.as_bytes(), 0o600)
}

fn check_server_keys(k: &MatrixKey, path: &Path) -> Result<()> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_slice(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let body = v.get("body").unwrap_or(&v);
    let published = body
        .get("verify_keys")
        .and_then(|vk| vk.get(k.key_id()))
        .and_then(|e| e.get("key"))
        .and_then(|s| s.as_str())
        .ok_or_else(|| {
            anyhow!(
                "{}: no verify_keys.{:?}.key: the PEM's key id is not the one published",
                path.display(),
                k.key_id()
            )
        })?;
    if published.trim_end_matches('=') != k.public_base64() {
        bail!(
            "{}: published key for {} is {published}, but the PEM gives {}: this PEM is not the server's key",
            path.display(),
            k.key_id(),
            k.public_base64()
        );
    }
    Ok(())
}

/// `Ok(true)` when the dump has the key and it matches; `Ok(false)` when the
/// dump has no row for it.
fn check_dump(k: &MatrixKey, server: &str, dumps: &[PathBuf]) -> Result<bool> {
    let mut v = KeyRows { server: server.into(), key_id: k.key_id(), cols: None, found: Vec::new() };
    crate::dump::open(dumps)?.read(&mut v)?;
    if v.found.is_empty() {
        return Ok(false);
    }
    for (row, stored) in &v.found {
        if stored.trim_end_matches('=') != k.public_base64() {
            bail!(
                "keydb_server_keys row {row}: {server} {} is {stored} in the dump, but the PEM gives {}",
                k.key_id(),
                k.public_base64()
            );
        }
    }
    Ok(true)
}

// `keydb_server_keys`: the keys Dendrite fetched or published, its own included.
columns! {
    struct KeyCols {
        server: required("server_name"),
        key_id: required("server_key_id"),
        key: required("server_key"),
    }
}

struct KeyRows {
    server: String,
    key_id: String,
    cols: Option<KeyCols>,
    found: Vec<(u64, String)>,
}

impl Visitor for KeyRows {
    fn table(&mut self, t: &TableHeader) -> Result<Want> {
        self.cols = if t.name == "keydb_server_keys" { Some(KeyCols::bind(t)?) } else { None };
        Ok(if self.cols.is_some() { Want::Rows } else { Want::Skip })
    }

    fn row(&mut self, _t: &TableHeader, row: &Row<'_>) -> Result<()> {
        let Some(c) = &self.cols else { return Ok(()) };
        let f = Fields(row);
        if f.raw(c.server)? == Some(self.server.as_str()) && f.raw(c.key_id)? == Some(self.key_id.as_str()) {
            self.found.push((row.number, f.raw(c.key)?.unwrap_or_default().to_string()));
        }
        Ok(())
    }
}
