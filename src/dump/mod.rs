//! dump: bytes → tables of COPY rows.
//!
//! This is the only stage that sees the bytes of a `pg_dump`. It detects the
//! format from the content (plain, gzipped plain, custom `-Fc`, directory
//! `-Fd`, tar `-Ft`), walks the table data in dump order and hands each
//! decoded COPY row to a [`Visitor`], and each sequence's saved state (the
//! `setval` pg_dump writes) too. Later stages never know which format the
//! admin used.
//!
//! The contract below is what `dendrite/` and `inspect/` build on; the
//! readers behind it may change freely.

use std::borrow::Cow;
use std::path::PathBuf;

/// The archive/file format of one input, as detected from its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Plain,
    PlainGzip,
    /// pg_dump 16+ `-Fp -Z lz4`
    PlainLz4,
    /// pg_dump 16+ `-Fp -Z zstd`
    PlainZstd,
    Custom,
    Directory,
    Tar,
}

/// What is known about one input file before its rows are read.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DumpInfo {
    pub path: PathBuf,
    pub format: Format,
    /// Archive version `(major, minor, revision)`; `None` for plain dumps.
    pub archive_version: Option<(u8, u8, u8)>,
    pub pg_dump_version: Option<String>,
    pub server_version: Option<String>,
    pub database: Option<String>,
    /// Size on disk in bytes (the sum of the files for a directory dump).
    pub size: u64,
}

/// A table whose data the dump holds: its name and the column list of its
/// COPY header. Column order always comes from here, never from a fixed
/// order (upgraded Dendrite databases have different physical orders).
#[derive(Clone, Debug)]
pub struct TableHeader {
    pub schema: String,
    pub name: String,
    pub columns: Vec<String>,
    /// The input file this table came from (for error messages).
    pub source: PathBuf,
}

impl TableHeader {
    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// One decoded COPY row. `None` is SQL NULL; a field is borrowed from the
/// input buffer when it needed no unescaping.
pub struct Row<'a> {
    /// 1-based row number within its table.
    pub number: u64,
    pub fields: &'a [Option<Cow<'a, str>>],
}

/// A sequence's state as pg_dump saved it (`SELECT pg_catalog.setval(…)`):
/// `value` is the sequence's `last_value`; with `is_called = false` nothing
/// has been handed out from it yet (the next `nextval` returns `value`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SequenceValue {
    pub schema: String,
    pub name: String,
    pub value: i64,
    pub is_called: bool,
    /// The input file this value came from.
    pub source: PathBuf,
}

/// Whether a visitor wants a table's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    Rows,
    Skip,
}

/// Receives the tables of a dump in dump order. Errors a visitor returns are
/// wrapped by the reader with the file, table and row number.
pub trait Visitor {
    fn table(&mut self, table: &TableHeader) -> anyhow::Result<Want>;
    fn row(&mut self, table: &TableHeader, row: &Row<'_>) -> anyhow::Result<()>;
    /// Called after the last row of a table `table` answered `Want::Rows`
    /// for (not for skipped tables), with its row count.
    fn end_table(&mut self, _table: &TableHeader, _rows: u64) -> anyhow::Result<()> {
        Ok(())
    }
    /// Called for every sequence value the dump holds: in plain dumps where
    /// its `setval` line is (after the table data), in archives after the
    /// table data, in TOC order.
    fn sequence(&mut self, _seq: &SequenceValue) -> anyhow::Result<()> {
        Ok(())
    }
}

pub mod archive;
pub mod compress;
pub mod copy_stmt;
pub mod copy_text;
pub mod custom;
pub mod detect;
pub mod directory;
pub mod error;
pub mod lines;
pub mod pipeline;
pub mod plain;
pub mod setval;
pub mod table;
pub mod tar;
pub mod values;

mod input;

#[allow(unused_imports)] // the contract later stages use
pub use error::{DumpError, RowError};
#[allow(unused_imports)]
pub use input::{open, DumpSet};

#[cfg(test)]
mod tests;
