//! Reads the committed dumps of fixtures/pg-formats/ (awkward.sql dumped by
//! pg_dump 15, 17 and 18 in many formats) and compares every decoded row
//! with expected.jsonl, which PostgreSQL itself rendered from the database.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::{open, DumpError, Format, Row, TableHeader, Visitor, Want};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pg-formats");

#[derive(Default)]
struct Collect {
    rows: Vec<String>,
    ends: Vec<(String, u64)>,
}

impl Visitor for Collect {
    fn table(&mut self, _t: &TableHeader) -> Result<Want> {
        Ok(Want::Rows)
    }
    fn row(&mut self, t: &TableHeader, row: &Row<'_>) -> Result<()> {
        let fields: Vec<Option<&str>> = row.fields.iter().map(|f| f.as_deref()).collect();
        self.rows.push(serde_json::to_string(&(format!("{}.{}", t.schema, t.name), fields))?);
        Ok(())
    }
    fn end_table(&mut self, t: &TableHeader, rows: u64) -> Result<()> {
        self.ends.push((t.name.clone(), rows));
        Ok(())
    }
}

fn expected() -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(DIR).join("expected.jsonl")).unwrap();
    let mut v: Vec<String> = text
        .lines()
        .map(|l| serde_json::to_string(&serde_json::from_str::<serde_json::Value>(l).unwrap()).unwrap())
        .collect();
    v.sort();
    v
}

fn dumps() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new(DIR).join("dumps")).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

#[test]
fn every_fixture_format_yields_the_rows_postgresql_returns() {
    let expected = expected();
    assert_eq!(expected.len(), 30);
    let all = dumps();
    assert!(all.len() >= 10, "fixtures missing: {all:?}");
    for path in all {
        let mut set = open(std::slice::from_ref(&path)).unwrap();
        let mut c = Collect::default();
        set.read(&mut c).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
        let mut got = c.rows.clone();
        got.sort();
        assert_eq!(got, expected, "{}", path.display());
        let info = &set.infos()[0];
        let name = path.file_name().unwrap().to_str().unwrap();
        let version = info.archive_version.map(|v| (v.0, v.1));
        match info.format {
            Format::Plain | Format::PlainGzip | Format::PlainZstd | Format::PlainLz4 => assert_eq!(version, None),
            _ if name.starts_with("p15") => assert_eq!(version, Some((1, 14)), "{name}"),
            _ => assert_eq!(version, Some((1, 16)), "{name}"),
        }
        assert!(info.pg_dump_version.as_deref().unwrap().starts_with(&name[1..3]), "{name}: {info:?}");
        assert!(c.ends.contains(&("empty_table".into(), 0)) && c.ends.contains(&("no_columns".into(), 2)));
    }
}

#[test]
fn formats_are_detected_from_content() {
    let want = [
        ("p15-plain.sql", Format::Plain),
        ("p15-plain.sql.gz", Format::PlainGzip),
        ("p17-plain.sql.zst", Format::PlainZstd),
        ("p15-custom.dump", Format::Custom),
        ("p17-custom-lz4-stdout.dump", Format::Custom),
        ("p15-dir", Format::Directory),
        ("p15-tar.tar", Format::Tar),
    ];
    for (name, format) in want {
        let set = open(&[Path::new(DIR).join("dumps").join(name)]).unwrap();
        assert_eq!(set.infos()[0].format, format, "{name}");
        assert_eq!(set.infos()[0].database.as_deref().unwrap_or("fixtures"), "fixtures");
    }
}

#[test]
fn the_same_table_in_two_inputs_is_refused_naming_both() {
    let d = Path::new(DIR).join("dumps");
    for (a, b) in [("p15-custom.dump", "p15-tar.tar"), ("p15-plain.sql", "p15-custom.dump"), ("p15-custom.dump", "p15-plain.sql")] {
        let paths = [d.join(a), d.join(b)];
        let err = open(&paths).and_then(|mut s| s.read(&mut Collect::default())).unwrap_err();
        let dup = err.chain().find_map(|e| e.downcast_ref::<DumpError>());
        assert!(matches!(dup, Some(DumpError::DuplicateTable { .. })), "{a}+{b}: {err:#}");
        let msg = format!("{err:#}");
        assert!(msg.contains(a) && msg.contains(b), "{msg}");
    }
}
