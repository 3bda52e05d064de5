//! Reads the committed dumps of fixtures/pg-formats/ (awkward.sql dumped by
//! pg_dump 15, 17 and 18 in many formats) and compares every decoded row
//! with expected.jsonl, which PostgreSQL itself rendered from the database.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::{open, DumpError, Format, Row, SequenceValue, TableHeader, Visitor, Want};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pg-formats");

#[derive(Default)]
struct Collect {
    rows: Vec<String>,
    ends: Vec<(String, u64)>,
    sequences: Vec<(String, String, i64, bool)>,
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
    fn sequence(&mut self, s: &SequenceValue) -> Result<()> {
        self.sequences.push((s.schema.clone(), s.name.clone(), s.value, s.is_called));
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
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(Path::new(DIR).join("dumps")).unwrap().map(|e| e.unwrap().path()).collect();
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
    for (a, b) in
        [("p15-custom.dump", "p15-tar.tar"), ("p15-plain.sql", "p15-custom.dump"), ("p15-custom.dump", "p15-plain.sql")]
    {
        let paths = [d.join(a), d.join(b)];
        let err = open(&paths).and_then(|mut s| s.read(&mut Collect::default())).unwrap_err();
        let dup = err.chain().find_map(|e| e.downcast_ref::<DumpError>());
        assert!(matches!(dup, Some(DumpError::DuplicateTable { .. })), "{a}+{b}: {err:#}");
        let msg = format!("{err:#}");
        assert!(msg.contains(a) && msg.contains(b), "{msg}");
    }
}

/// Reads plain-dump text given inline (no file) and returns its rows.
fn read_plain(text: &str) -> Result<Vec<String>> {
    read_plain_all(text).map(|c| c.rows)
}

fn read_plain_all(text: &str) -> Result<Collect> {
    use super::lines::SliceLines;
    use super::table::{Progress, ReadCtx};
    let mut c = Collect::default();
    let (mut seen, mut visited) = (Default::default(), Default::default());
    let mut progress = Progress::default();
    let mut decoder = super::copy_text::CopyDecoder::new();
    let mut ctx = ReadCtx {
        path: Path::new("inline.sql"),
        visitor: &mut c,
        seen: &mut seen,
        visited: &mut visited,
        progress: &mut progress,
        decoder: &mut decoder,
    };
    super::plain::read(&mut SliceLines::new(text.as_bytes()), &mut ctx)?;
    Ok(c)
}

#[test]
fn plain_sequence_values_are_reported_and_checked() {
    let head = "--\n-- PostgreSQL database dump\n--\n\
        SELECT pg_catalog.set_config('search_path', '', false);\n\
        COPY public.t (a) FROM stdin;\nx\n\\.\n\
        SELECT pg_catalog.setval('public.syncapi_stream_id', 256, true);\n\
        SELECT pg_catalog.setval('public.\"two\nlines\"', -3, false);\n";
    let tail = "--\n-- PostgreSQL database dump complete\n--\n";
    let c = read_plain_all(&format!("{head}{tail}")).unwrap();
    assert_eq!(c.rows, vec![r#"["public.t",["x"]]"#]);
    assert_eq!(
        c.sequences,
        vec![
            ("public".into(), "syncapi_stream_id".into(), 256, true),
            ("public".into(), "two\nlines".into(), -3, false)
        ]
    );
    let bad = "SELECT pg_catalog.setval('public.syncapi_receipt_id', 12x, true);\n";
    let e = read_plain(&format!("{head}{bad}{tail}")).unwrap_err();
    let msg = format!("{e:#}");
    assert!(
        msg.starts_with(&format!("inline.sql: byte offset {}: cannot read the sequence value", head.len())),
        "{msg}"
    );
    assert!(msg.contains("the value \"12x\" is not a 64-bit integer"), "{msg}");
    // A quote never closed does not swallow the rest of the dump unnoticed.
    let e = read_plain(&format!("{head}SELECT pg_catalog.setval('public.x, 1, true);\n{tail}")).unwrap_err();
    assert!(matches!(e.downcast_ref::<DumpError>(), Some(DumpError::BadSequenceValue { .. })), "{e:#}");
}

/// The real `full` fixture in both formats: the same sequence values, each
/// stream sequence present, and a damaged `SEQUENCE SET` entry in the
/// archive's TOC refused naming the file, the entry and its offset.
#[test]
fn archive_sequence_values_match_the_plain_dump_and_are_checked() {
    let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dendrite-0.13.8/full");
    let read = |p: &Path| {
        let mut c = Collect::default();
        open(&[p.to_path_buf()]).unwrap().read(&mut c).unwrap();
        let mut s = c.sequences;
        s.sort();
        s
    };
    let custom = read(&fx.join("dendrite.dump"));
    assert_eq!(custom, read(&fx.join("dendrite.sql.gz")));
    for (name, _) in crate::dendrite::positions::STREAM_SEQUENCES {
        assert!(custom.iter().any(|s| s.1 == *name), "{name} missing: {custom:?}");
    }
    let mut bytes = std::fs::read(fx.join("dendrite.dump")).unwrap();
    let needle = b"pg_catalog.setval('public.syncapi_stream_id', ";
    let at = bytes.windows(needle.len()).position(|w| w == needle).expect("setval in the TOC");
    let end = at + bytes[at..].iter().position(|&b| b == b')').unwrap();
    bytes[end - 4] = b'T'; // `true` → `True`, `false` → `faTse`: neither is a boolean literal pg_dump writes
    let dir = tempfile::tempdir().unwrap();
    let damaged = dir.path().join("damaged.dump");
    std::fs::write(&damaged, &bytes).unwrap();
    let e = open(&[damaged]).map(|_| ()).unwrap_err();
    let msg = format!("{e:#}");
    assert!(msg.contains("damaged.dump") && msg.contains("(SEQUENCE SET syncapi_stream_id) at byte offset"), "{msg}");
    assert!(msg.contains("is_called is"), "{msg}");
    let offset: usize = msg.split("at byte offset ").nth(1).unwrap().split(':').next().unwrap().parse().unwrap();
    assert!(offset < at && at - offset < 200, "entry offset {offset}, statement at {at}");
}

#[test]
fn plain_state_machine_skips_look_alikes_and_meta_commands() {
    let dump = "--\n-- PostgreSQL database dump\n--\n\n\\restrict AbC123\n\
        SET standard_conforming_strings = on;\n\
        CREATE FUNCTION public.f() RETURNS void LANGUAGE plpgsql AS $_$\n\
        begin\n  perform 1;\nCOPY public.fake (a) FROM stdin;\nend\n$_$;\n\
        COMMENT ON TABLE public.t IS 'semi; colon\nCOPY public.fake2 (a) FROM stdin;\n';\n\
        \\connect dendrite\n\
        COPY public.t (a, \"b c\") FROM stdin;\nx\t\\N\n\\.\n\
        CREATE TABLE public.u (a text);\n\
        COPY public.u (a) FROM stdin;\n\\.\n\
        \\unrestrict AbC123\n--\n-- PostgreSQL database dump complete\n--\n";
    assert_eq!(read_plain(dump).unwrap(), vec![r#"["public.t",["x",null]]"#]);
}

#[test]
fn plain_refusals_name_the_fix() {
    let inserts =
        "--\n-- PostgreSQL database dump\n--\nCREATE TABLE public.t (a int);\nINSERT INTO public.t VALUES (1);\n";
    let e = read_plain(inserts).unwrap_err();
    assert!(matches!(e.downcast_ref::<DumpError>(), Some(DumpError::Inserts)), "{e:#}");
    let schema = "--\n-- PostgreSQL database dump\n--\nCREATE TABLE public.t (\n    a integer\n);\n-- PostgreSQL database dump complete\n";
    let e = read_plain(schema).unwrap_err();
    assert!(matches!(e.downcast_ref::<DumpError>(), Some(DumpError::SchemaOnly)), "{e:#}");
    let unterminated = "COPY public.t (a) FROM stdin;\nx\n";
    let e = read_plain(unterminated).unwrap_err();
    assert!(format!("{e:#}").contains("inline.sql: table public.t, row 2"), "{e:#}");
}

/// Applies the value parsers to the array, bytea and boolean columns of
/// awkward.sql, from every fixture dump, and compares with expected-values.jsonl
/// (PostgreSQL's array_to_json / encode(…, 'hex') / boolean of the same rows).
#[derive(Default)]
struct Values(Vec<serde_json::Value>);

impl Visitor for Values {
    fn table(&mut self, t: &TableHeader) -> Result<Want> {
        let wanted = [
            "roomserver_rooms",
            "roomserver_events",
            "roomserver_state_block",
            "syncapi_output_room_events",
            "userapi_accounts",
        ];
        Ok(if wanted.contains(&t.name.as_str()) { Want::Rows } else { Want::Skip })
    }

    fn row(&mut self, t: &TableHeader, row: &Row<'_>) -> Result<()> {
        use super::values::{parse_bigint_array, parse_bool, parse_bytea, parse_text_array};
        use serde_json::json;
        let f = |name: &str| row.fields[t.column(name).unwrap()].as_deref();
        let ints = |name: &str| parse_bigint_array(f(name).unwrap());
        let bool_ = |name: &str| f(name).map(parse_bool).transpose();
        let texts = |name: &str| f(name).map(parse_text_array).transpose();
        let v = match t.name.as_str() {
            "roomserver_rooms" => json!([t.name, f("room_nid"), ints("latest_event_nids")?]),
            "roomserver_events" => json!([
                t.name,
                f("event_nid"),
                ints("auth_event_nids")?,
                bool_("sent_to_output")?,
                bool_("is_rejected")?
            ]),
            "roomserver_state_block" => {
                let hash = f("state_block_hash").map(parse_bytea).transpose()?;
                let hex = hash.map(|b| b.iter().map(|x| format!("{x:02x}")).collect::<String>());
                json!([t.name, f("state_block_nid"), hex, ints("event_nids")?])
            }
            "syncapi_output_room_events" => json!([
                t.name,
                f("id"),
                texts("add_state_ids")?,
                texts("remove_state_ids")?,
                bool_("exclude_from_sync")?
            ]),
            _ => json!([t.name, f("localpart"), bool_("is_deactivated")?]),
        };
        self.0.push(v);
        Ok(())
    }
}

#[test]
fn value_parsers_read_what_postgresql_reads() {
    let text = std::fs::read_to_string(Path::new(DIR).join("expected-values.jsonl")).unwrap();
    let mut expected: Vec<String> =
        text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap().to_string()).collect();
    expected.sort();
    assert_eq!(expected.len(), 17);
    for path in dumps() {
        let mut v = Values::default();
        open(std::slice::from_ref(&path)).unwrap().read(&mut v).unwrap();
        let mut got: Vec<String> = v.0.iter().map(|x| x.to_string()).collect();
        got.sort();
        assert_eq!(got, expected, "{}", path.display());
    }
}
