//! inspect: what a Dendrite dump holds, for people and (with --json) for scripts.

mod rows;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;

use crate::dump::{self, DumpInfo, Row, TableHeader, Visitor, Want};

pub use rows::dump_rows;

#[derive(Default)]
struct Counter {
    tables: BTreeMap<String, u64>,
}

impl Visitor for Counter {
    fn table(&mut self, _t: &TableHeader) -> Result<Want> {
        Ok(Want::Rows)
    }
    fn row(&mut self, _t: &TableHeader, _row: &Row<'_>) -> Result<()> {
        Ok(())
    }
    fn end_table(&mut self, t: &TableHeader, rows: u64) -> Result<()> {
        self.tables.insert(format!("{}.{}", t.schema, t.name), rows);
        Ok(())
    }
}

#[derive(serde::Serialize)]
struct Report<'a> {
    inputs: &'a [DumpInfo],
    tables: &'a BTreeMap<String, u64>,
}

pub fn run(dumps: &[PathBuf], json: bool) -> Result<()> {
    let mut set = dump::open(dumps)?;
    let mut counter = Counter::default();
    set.read(&mut counter)?;
    let report = Report { inputs: set.infos(), tables: &counter.tables };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for i in report.inputs {
            println!("{}: {:?}", i.path.display(), i.format);
        }
        for (t, n) in report.tables {
            println!("{t:50} {n:>12}");
        }
    }
    Ok(())
}
