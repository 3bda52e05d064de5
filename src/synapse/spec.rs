//! The hidden `write-test-sql` command: tables and rows described in JSON,
//! written through [`Script`]. Integration tests use it to put chosen values
//! (hostile strings, bytea, a megabyte of text) into a real Synapse database
//! and compare what PostgreSQL gives back with what they put in.
//!
//! Spec: `{"server_name": "...", "counts": [["users", 2]],
//!         "tables": [{"table": "users", "columns": ["name", ...],
//!                     "rows": [["@a:x", 0, true, null, {"bytea_hex": "00ff"}]]}]}`
//! `"defer_indexes": true` in a table drops and recreates its secondary indexes.
//! A JSON string is text, an integer is `Int`, true/false `Bool`, null `NULL`.

use std::borrow::Cow;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;

use super::{Header, InputFile, Output, PostLoad, Script, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    server_name: String,
    #[serde(default)]
    counts: Vec<(String, u64)>,
    tables: Vec<TableSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableSpec {
    table: String,
    columns: Vec<String>,
    rows: Vec<Vec<serde_json::Value>>,
    #[serde(default)]
    defer_indexes: bool,
}

pub fn run(spec_path: &Path, output: &Path) -> Result<()> {
    let bytes = std::fs::read(spec_path).with_context(|| format!("reading {}", spec_path.display()))?;
    let spec: Spec = serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", spec_path.display()))?;
    let header = Header {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        server_name: spec.server_name.clone(),
        inputs: InputFile::collect(spec_path).with_context(|| format!("hashing {}", spec_path.display()))?,
        counts: spec.counts.clone(),
    };
    let out = Output::from_arg(output);
    let mut script = Script::create(&out, &header).with_context(|| format!("creating {}", output.display()))?;
    for t in &spec.tables {
        let columns: Vec<&str> = t.columns.iter().map(String::as_str).collect();
        if t.defer_indexes {
            script.defer_indexes(&t.table)?;
        }
        script.begin_copy(&t.table, &columns)?;
        for (i, row) in t.rows.iter().enumerate() {
            let values = row
                .iter()
                .map(to_value)
                .collect::<Result<Vec<_>>>()
                .with_context(|| format!("{}: table {}, row {}", spec_path.display(), t.table, i + 1))?;
            script.row(&values)?;
        }
        script.end_copy()?;
    }
    let summary = script.finish(&PostLoad { server_name: spec.server_name.clone(), ..PostLoad::default() })?;
    for (table, n) in &summary.rows {
        eprintln!("{table}: {n} rows");
    }
    Ok(())
}

fn to_value(v: &serde_json::Value) -> Result<Value<'_>> {
    Ok(match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Int(n.as_i64().ok_or_else(|| anyhow!("not an i64: {n}"))?),
        serde_json::Value::String(s) => Value::Text(Cow::Borrowed(s)),
        serde_json::Value::Object(o) => match o.get("bytea_hex").and_then(|h| h.as_str()) {
            Some(h) if o.len() == 1 => Value::Bytea(Cow::Owned(unhex(h)?)),
            _ => bail!("an object must be {{\"bytea_hex\": \"...\"}}"),
        },
        serde_json::Value::Array(_) => bail!("arrays are not values"),
    })
}

fn unhex(h: &str) -> Result<Vec<u8>> {
    if h.len() % 2 != 0 {
        bail!("odd number of hex digits");
    }
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).map_err(|_| anyhow!("bad hex at {i}")))
        .collect()
}
