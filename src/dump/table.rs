//! The part every format shares: announce a table to the visitor, then feed
//! it the decoded rows of that table's COPY data, with errors located by
//! file, table and row.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};

use super::copy_text::CopyDecoder;
use super::error::{DumpError, RowError};
use super::lines::LineSource;
use super::setval::Setval;
use super::{Row, SequenceValue, TableHeader, Visitor, Want};

/// Reports how many input bytes have been consumed, for a progress bar.
#[derive(Default)]
pub struct Progress {
    /// Bytes of the inputs already finished.
    pub base: u64,
    /// Bytes of the current input consumed (updated by counting readers).
    pub current: super::compress::Counter,
    pub callback: Option<Box<dyn FnMut(u64)>>,
}

impl Progress {
    pub fn tick(&mut self) {
        if let Some(cb) = self.callback.as_mut() {
            cb(self.base + self.current.get());
        }
    }
}

/// Everything a format reader needs while it visits one input.
pub struct ReadCtx<'a> {
    pub path: &'a Path,
    pub visitor: &'a mut dyn Visitor,
    /// Which input each table came from, to refuse a table seen twice.
    pub seen: &'a mut BTreeMap<(String, String), PathBuf>,
    /// Tables this `read` has reached (archives register theirs at open
    /// time, so `seen` alone cannot catch a second copy in the same input).
    pub visited: &'a mut BTreeSet<(String, String)>,
    pub progress: &'a mut Progress,
    pub decoder: &'a mut CopyDecoder,
}

/// How a table's COPY data ends.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Plain dumps: a `\.` line is required.
    Marker,
    /// Archive members: the data stream ends; a `\.` line is optional.
    Eof,
}

impl ReadCtx<'_> {
    pub fn header(&self, schema: String, name: String, columns: Vec<String>) -> TableHeader {
        TableHeader { schema, name, columns, source: self.path.to_path_buf() }
    }

    /// Registers the table (refusing duplicates) and asks the visitor.
    pub fn begin(&mut self, table: &TableHeader) -> Result<Want> {
        let key = (table.schema.clone(), table.name.clone());
        if let Some(first) = self.seen.get(&key) {
            if first != self.path || self.visited.contains(&key) {
                return Err(DumpError::DuplicateTable {
                    table: qualified(table),
                    first: first.display().to_string(),
                    second: self.path.display().to_string(),
                }
                .into());
            }
        }
        self.seen.insert(key.clone(), self.path.to_path_buf());
        self.visited.insert(key);
        self.visitor.table(table).with_context(|| format!("{}: table {}", self.path.display(), qualified(table)))
    }

    /// Feeds the rows of one table to the visitor; returns the row count.
    pub fn rows(&mut self, lines: &mut dyn LineSource, table: &TableHeader, want: Want, end: End) -> Result<u64> {
        let mut number = 0u64;
        let columns = table.columns.len();
        loop {
            let line = lines.next_line().map_err(|e| self.io_error(e, table, number + 1))?;
            let Some(line) = line else {
                if end == End::Marker {
                    return Err(self.locate(
                        table,
                        number + 1,
                        DumpError::Truncated("COPY data has no `\\.` end marker".into()),
                    ));
                }
                break;
            };
            if line.bytes == b"\\." {
                break;
            }
            number += 1;
            if !line.terminated {
                return Err(self.locate(table, number, RowError::Unterminated));
            }
            if want == Want::Skip {
                continue;
            }
            let visitor = &mut *self.visitor;
            let outcome =
                self.decoder.decode(line.bytes, columns, |fields| visitor.row(table, &Row { number, fields }));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(e.context(location(self.path, table, number))),
                Err(RowError::InvalidUtf8 { column, valid_up_to }) => {
                    let name = table.columns.get(column).map_or("?", String::as_str);
                    return Err(self.locate(
                        table,
                        number,
                        anyhow!(
                            "column {name}: invalid UTF-8 (at byte {valid_up_to} of the value); \
                         Dendrite's database should be UTF8-encoded"
                        ),
                    ));
                }
                Err(e) => return Err(self.locate(table, number, e)),
            }
            if number % 4096 == 0 {
                if let Some(done) = lines.consumed() {
                    self.progress.current.set(done);
                }
                self.progress.tick();
            }
        }
        if want == Want::Rows {
            self.visitor
                .end_table(table, number)
                .with_context(|| format!("{}: table {}", self.path.display(), qualified(table)))?;
        }
        Ok(number)
    }

    /// Reports a sequence value to the visitor.
    pub fn sequence(&mut self, s: &Setval) -> Result<()> {
        let seq = SequenceValue {
            schema: s.schema.clone(),
            name: s.name.clone(),
            value: s.value,
            is_called: s.is_called,
            source: self.path.to_path_buf(),
        };
        self.visitor
            .sequence(&seq)
            .with_context(|| format!("{}: sequence {}.{}", self.path.display(), s.schema, s.name))
    }

    fn locate(&self, table: &TableHeader, row: u64, e: impl Into<anyhow::Error>) -> anyhow::Error {
        e.into().context(location(self.path, table, row))
    }

    fn io_error(&self, e: io::Error, table: &TableHeader, row: u64) -> anyhow::Error {
        self.locate(table, row, super::compress::describe_io(e))
    }
}

pub fn qualified(t: &TableHeader) -> String {
    format!("{}.{}", t.schema, t.name)
}

pub fn location(path: &Path, table: &TableHeader, row: u64) -> String {
    format!("{}: table {}, row {}", path.display(), qualified(table), row)
}
