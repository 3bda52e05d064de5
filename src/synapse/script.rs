//! [`Script`]: streams one SQL file for `psql` — header, guards, COPY blocks in
//! the order the caller opens them, then the checks and fix-ups of
//! [`postload`](super::postload).
//!
//! Rows are written as they come (the events table may hold millions), so the
//! only state kept is the number of rows per table. Each row is encoded into a
//! buffer first and written only when every field encoded, so an error never
//! leaves half a row in a COPY block. If the script is dropped unfinished, a
//! file output disappears; a stdout output gets a trailer that ends any open
//! COPY block and raises an error, so psql rolls back instead of committing a
//! partial load.

use std::io::Write;

use super::chunks::{Encoded, Failed};
use super::copy_text;
use super::guards;
use super::header::Header;
use super::output::{Output, Sink};
use super::postload::{self, PostLoad};
use super::row::{FieldNul, Row};
use super::value::Value;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("table {table}, column {column}, row {row}: {source}")]
    Nul { table: String, column: String, row: u64, source: copy_text::NulByte },
    #[error("table {table}, row {row}: {got} values for {expected} columns")]
    ColumnCount { table: String, row: u64, expected: usize, got: usize },
    #[error("not a plain SQL identifier: {0:?}")]
    BadIdentifier(String),
    #[error("COPY into {open} is still open (call end_copy first)")]
    CopyOpen { open: String },
    #[error("no COPY block is open")]
    NoCopyOpen,
    #[error("writing the SQL file: {0}")]
    Io(#[from] std::io::Error),
}

/// What was written, for the caller's summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows per table, in the order the tables were first filled.
    pub rows: Vec<(String, u64)>,
}

struct OpenCopy {
    table: usize,
    columns: Vec<String>,
}

pub struct Script {
    sink: Option<Sink>,
    row: Vec<u8>,
    open: Option<OpenCopy>,
    /// (table, rows written) in first-fill order: a Vec keeps the output deterministic.
    tables: Vec<(String, u64)>,
    deferred_indexes: bool,
}

impl Script {
    /// Opens the output and writes the header, psql settings, guards and bookkeeping.
    pub fn create(output: &Output, header: &Header) -> Result<Script, WriteError> {
        Script::start(Sink::open(output)?, header)
    }

    fn start(sink: Sink, header: &Header) -> Result<Script, WriteError> {
        let mut script = Script {
            sink: Some(sink),
            row: Vec::with_capacity(1 << 16),
            open: None,
            tables: Vec::new(),
            deferred_indexes: false,
        };
        script.write(header.render().as_bytes())?;
        script.write(guards::preamble().as_bytes())?;
        Ok(script)
    }

    /// A script written into memory (tests).
    #[cfg(test)]
    pub(crate) fn in_memory() -> Script {
        Script::start(Sink::Memory(Vec::new()), &Header::default()).expect("writing into memory")
    }

    /// What a script made by [`Script::in_memory`] holds so far.
    #[cfg(test)]
    pub(crate) fn memory(&self) -> &[u8] {
        match self.sink.as_ref() {
            Some(Sink::Memory(v)) => v,
            _ => &[],
        }
    }

    /// Starts `COPY table (columns…) FROM stdin`. Several blocks may fill one table.
    pub fn begin_copy(&mut self, table: &str, columns: &[&str]) -> Result<(), WriteError> {
        if let Some(open) = &self.open {
            return Err(WriteError::CopyOpen { open: self.tables[open.table].0.clone() });
        }
        check_identifier(table)?;
        for c in columns {
            check_identifier(c)?;
        }
        let idx = match self.tables.iter().position(|(t, _)| t == table) {
            Some(i) => i,
            None => {
                self.tables.push((table.to_string(), 0));
                self.write(
                    format!("DO $count$ BEGIN PERFORM pg_temp.d2s_count_before('{table}'); END $count$;\n").as_bytes(),
                )?;
                self.tables.len() - 1
            }
        };
        let head = format!("\\echo 'dendrite2synapse: {table}'\nCOPY {table} ({}) FROM stdin;\n", columns.join(", "));
        self.write(head.as_bytes())?;
        self.open = Some(OpenCopy { table: idx, columns: columns.iter().map(|c| c.to_string()).collect() });
        Ok(())
    }

    /// Writes one row; `values` are in the order of the block's columns.
    pub fn row(&mut self, values: &[Value<'_>]) -> Result<(), WriteError> {
        self.encoded_row(values.len(), |out| {
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push(b'\t');
                }
                copy_text::encode(out, v).map_err(|nul| FieldNul { column: i, nul })?;
            }
            Ok(())
        })
    }

    /// Writes one typed row into the open block (which [`Row::COLUMNS`] opened).
    pub fn typed_row<R: Row>(&mut self, row: &R) -> Result<(), WriteError> {
        self.encoded_row(R::COLUMNS.len(), |out| row.encode(out))
    }

    /// Encodes a row of `n` fields into the row buffer and writes it whole.
    fn encoded_row(
        &mut self,
        n: usize,
        encode: impl FnOnce(&mut Vec<u8>) -> Result<(), FieldNul>,
    ) -> Result<(), WriteError> {
        let open = self.open.as_ref().ok_or(WriteError::NoCopyOpen)?;
        let (table, written) = &self.tables[open.table];
        let row_no = written + 1;
        if n != open.columns.len() {
            return Err(WriteError::ColumnCount {
                table: table.clone(),
                row: row_no,
                expected: open.columns.len(),
                got: n,
            });
        }
        self.row.clear();
        encode(&mut self.row).map_err(|e| WriteError::Nul {
            table: table.clone(),
            column: open.columns[e.column].clone(),
            row: row_no,
            source: e.nul,
        })?;
        self.row.push(b'\n');
        let idx = open.table;
        let sink = self.sink.as_mut().expect("sink present until finish");
        sink.write_all(&self.row)?;
        self.tables[idx].1 += 1;
        Ok(())
    }

    /// Appends rows encoded elsewhere ([`chunks`](super::chunks)) to the open
    /// block, then raises the error that stopped them, if one did: a NUL
    /// names the row after the last one written, as [`Script::typed_row`] does.
    pub(crate) fn encoded_rows(&mut self, columns: usize, rows: Encoded) -> anyhow::Result<()> {
        let open = self.open.as_ref().ok_or(WriteError::NoCopyOpen)?;
        let idx = open.table;
        if columns != open.columns.len() {
            let (table, written) = &self.tables[idx];
            let (table, row, expected) = (table.clone(), written + 1, open.columns.len());
            return Err(WriteError::ColumnCount { table, row, expected, got: columns }.into());
        }
        self.write(&rows.bytes)?;
        self.tables[idx].1 += rows.rows;
        match rows.failed {
            None => Ok(()),
            Some(Failed::Make(e)) => Err(e),
            Some(Failed::Nul(e)) => {
                let (table, written) = &self.tables[idx];
                let column = self.open.as_ref().map_or_else(String::new, |o| o.columns[e.column].clone());
                Err(WriteError::Nul { table: table.clone(), column, row: written + 1, source: e.nul }.into())
            }
        }
    }

    pub fn end_copy(&mut self) -> Result<(), WriteError> {
        self.open.take().ok_or(WriteError::NoCopyOpen)?;
        self.write(b"\\.\n\n")
    }

    /// Drops `table`'s indexes that no constraint uses, its foreign keys and
    /// its `check_event_stream_ordering` triggers before the COPY and puts them
    /// back in `finish` from the definitions the target database holds (so they
    /// stay right across Synapse versions); foreign keys then check every row
    /// at once, NOT VALID ones by an equivalent query. For the bulk tables: COPY
    /// without per-row index, key and trigger work is several times faster.
    /// Call before the table's first COPY.
    pub fn defer_indexes(&mut self, table: &str) -> Result<(), WriteError> {
        if let Some(open) = &self.open {
            return Err(WriteError::CopyOpen { open: self.tables[open.table].0.clone() });
        }
        check_identifier(table)?;
        self.deferred_indexes = true;
        let sql = format!("DO $defer$ BEGIN PERFORM pg_temp.d2s_defer_indexes('{table}'); END $defer$;\n");
        self.write(sql.as_bytes())
    }

    /// Writes checks, fix-ups and the commit, then publishes the file.
    pub fn finish(mut self, post: &PostLoad) -> Result<Summary, WriteError> {
        if let Some(open) = &self.open {
            return Err(WriteError::CopyOpen { open: self.tables[open.table].0.clone() });
        }
        let mut tail = if self.deferred_indexes { postload::RECREATE_INDEXES.to_string() } else { String::new() };
        tail.push_str(&postload::row_count_checks(&self.tables));
        tail.push_str(&postload::invariant_checks(&post.invariants));
        tail.push_str(&postload::fixups(post));
        tail.push_str(&postload::finale(&self.tables, post.stream_floor));
        tail.push_str("\n-- rows written per table:\n");
        for (table, n) in &self.tables {
            tail.push_str(&format!("--   {table}: {n}\n"));
        }
        self.write(tail.as_bytes())?;
        let sink = self.sink.take().expect("sink present until finish");
        sink.commit()?;
        Ok(Summary { rows: std::mem::take(&mut self.tables) })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        self.sink.as_mut().expect("sink present until finish").write_all(bytes)?;
        Ok(())
    }
}

impl Drop for Script {
    /// Unfinished: a temporary file is deleted with its handle; stdout gets a
    /// trailer that makes psql fail instead of loading a partial import.
    fn drop(&mut self) {
        let Some(sink) = self.sink.as_mut() else { return };
        if !sink.is_stdout() {
            return;
        }
        let end_copy: &[u8] = if self.open.is_some() { b"\\.\n" } else { b"" };
        let _ = sink.write_all(end_copy);
        let _ = sink.write_all(
            b"DO $abort$ BEGIN RAISE EXCEPTION 'dendrite2synapse failed while writing this SQL (see its error message); nothing was loaded'; END $abort$;\n",
        );
        let _ = sink.flush();
    }
}

/// Table and column names are written unquoted: only lower-case identifiers
/// (which is all Synapse uses) are accepted.
fn check_identifier(name: &str) -> Result<(), WriteError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(WriteError::BadIdentifier(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_script() -> Script {
        Script::start(Sink::Memory(Vec::new()), &Header::default()).unwrap()
    }

    /// Figures, not a check: `cargo test --release -- --ignored --nocapture writer_throughput`.
    #[test]
    #[ignore]
    fn writer_throughput() {
        let json =
            format!("{{\"content\":{{\"body\":\"{}\\n\\\\ \\t\"}},\"type\":\"m.room.message\"}}", "x".repeat(900));
        let mut s = Script::start(Sink::Memory(Vec::new()), &Header::default()).unwrap();
        let rows = 500_000;
        let start = std::time::Instant::now();
        s.begin_copy("event_json", &["event_id", "room_id", "internal_metadata", "json", "format_version"]).unwrap();
        for i in 0..rows {
            let id = format!("$event{i}");
            s.row(&[id.as_str().into(), "!room:example.org".into(), "{}".into(), json.as_str().into(), Value::Int(3)])
                .unwrap();
        }
        s.end_copy().unwrap();
        let secs = start.elapsed().as_secs_f64();
        let bytes = match s.sink.as_ref().unwrap() {
            Sink::Memory(v) => v.len(),
            _ => unreachable!(),
        };
        eprintln!(
            "writer: {rows} rows, {:.0} MB in {secs:.2} s: {:.0} rows/s, {:.0} MB/s",
            bytes as f64 / 1e6,
            rows as f64 / secs,
            bytes as f64 / 1e6 / secs
        );
    }

    #[test]
    fn misuse_is_an_error_not_a_broken_file() {
        let mut s = memory_script();
        assert!(matches!(s.row(&[Value::Int(1)]), Err(WriteError::NoCopyOpen)));
        assert!(matches!(s.begin_copy("Users", &["name"]), Err(WriteError::BadIdentifier(_))));
        assert!(matches!(s.begin_copy("users", &["na me"]), Err(WriteError::BadIdentifier(_))));
        s.begin_copy("users", &["name", "admin"]).unwrap();
        assert!(matches!(s.begin_copy("rooms", &["room_id"]), Err(WriteError::CopyOpen { .. })));
        match s.row(&[Value::from("@a:x")]) {
            Err(WriteError::ColumnCount { row: 1, expected: 2, got: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
        s.row(&[Value::from("@a:x"), Value::Int(0)]).unwrap();
        match s.row(&[Value::from("@b\0:x"), Value::Int(0)]) {
            Err(WriteError::Nul { row: 2, column, .. }) => assert_eq!(column, "name"),
            other => panic!("{other:?}"),
        }
        s.end_copy().unwrap();
        assert_eq!(s.tables, vec![("users".to_string(), 1)]);
    }
}
