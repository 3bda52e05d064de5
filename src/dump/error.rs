//! The typed errors of the dump reader. Callers branch on these; the file,
//! table and row are added around them as `anyhow` context by the readers.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum DumpError {
    #[error("not a pg_dump file: {0}")]
    NotADump(String),
    #[error("the dump ends early ({0}); the file is truncated")]
    Truncated(String),
    #[error("corrupt {codec} data: {detail}")]
    CorruptCompressed { codec: &'static str, detail: String },
    #[error("unsupported archive version {0}.{1}.{2} (this reader handles 1.12 to 1.16, i.e. pg_dump 9.0 to 18)")]
    UnsupportedVersion(u8, u8, u8),
    #[error("corrupt archive at byte offset {offset}: {detail}")]
    CorruptArchive { offset: u64, detail: String },
    #[error("no data found for TOC entry {dump_id} (table {table}){detail}")]
    MissingData { dump_id: i32, table: String, detail: String },
    #[error("this dump holds INSERT statements (pg_dump --inserts or --column-inserts); re-dump without those options, e.g. `pg_dump -Fc -f dendrite.dump DBNAME`")]
    Inserts,
    #[error("this dump holds no table data (pg_dump -s / --schema-only); re-dump with the data, e.g. `pg_dump -Fc -f dendrite.dump DBNAME`")]
    SchemaOnly,
    #[error("table {table} is in both {first} and {second}")]
    DuplicateTable { table: String, first: String, second: String },
    #[error("cannot read the COPY statement {0:?}")]
    BadCopyStatement(String),
    #[error("{at}: cannot read the sequence value {statement:?}: {reason}")]
    BadSequenceValue { at: String, statement: String, reason: super::setval::SetvalError },
}

/// What is wrong with one COPY text row.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RowError {
    #[error("expected {expected} fields, found {found}")]
    FieldCount { expected: usize, found: usize },
    #[error("column {column}: invalid UTF-8 (at byte {valid_up_to} of the value)")]
    InvalidUtf8 { column: usize, valid_up_to: usize },
    #[error("a backslash ends the line (COPY text never does this)")]
    TrailingBackslash,
    #[error("the row has no line end (the data is truncated)")]
    Unterminated,
}
