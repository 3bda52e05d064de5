//! Archive formats (custom `-Fc`, directory `-Fd`, tar `-Ft`) share a
//! header and a TOC; they differ only in where each entry's data lives.
//! An [`Archive`] is the parsed header and TOC plus that location; the
//! format modules (`custom`, `directory`, `tar`) read the data. Sequence
//! values need no data: they are the `setval` definitions of the TOC's
//! `SEQUENCE SET` entries, parsed when the archive is opened (so a damaged
//! one fails before any row is read) and reported after the table data.

pub mod header;
pub mod primitives;
pub mod toc;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::copy_stmt::{self, CopyStatement};
use super::error::DumpError;
use super::lines::StreamLines;
use super::setval::{self, Setval};
use super::table::{End, ReadCtx};
use super::{DumpInfo, Format, TableHeader, Want};

pub use header::Header;
pub use toc::TocEntry;

pub enum Body {
    Custom(super::custom::Body),
    Directory(PathBuf),
    Tar,
}

pub struct Archive {
    pub header: Header,
    pub toc: Vec<TocEntry>,
    /// COPY statements of the TABLE DATA entries that have data, by TOC index.
    tables: BTreeMap<usize, CopyStatement>,
    by_id: BTreeMap<i32, usize>,
    /// The parsed `SEQUENCE SET` entries, in TOC order.
    sequences: Vec<Setval>,
    pub body: Body,
}

impl Archive {
    /// Checks the TOC describes table data we can read.
    pub fn new(header: Header, toc: Vec<TocEntry>, body: Body) -> Result<Archive, DumpError> {
        let mut tables = BTreeMap::new();
        for (i, e) in toc.iter().enumerate() {
            if e.is_table_data() && e.has_data() {
                if e.copy_stmt.trim().is_empty() {
                    return Err(DumpError::Inserts);
                }
                tables.insert(i, copy_stmt::parse(&e.copy_stmt)?);
            }
        }
        if tables.is_empty() && toc.iter().any(|e| e.desc == "TABLE") && !toc.iter().any(|e| e.is_table_data()) {
            return Err(DumpError::SchemaOnly);
        }
        let by_id = toc.iter().enumerate().map(|(i, e)| (e.dump_id, i)).collect();
        let sequences = sequences(&header, &toc)?;
        Ok(Archive { header, toc, tables, by_id, sequences, body })
    }

    pub fn table_names(&self) -> impl Iterator<Item = (&String, &String)> {
        self.tables.values().map(|c| (&c.schema, &c.name))
    }

    pub fn info(&self, path: &Path, format: Format, size: u64) -> DumpInfo {
        DumpInfo {
            path: path.to_path_buf(),
            format,
            archive_version: Some(self.header.version),
            pg_dump_version: self.header.pg_dump_version.clone(),
            server_version: self.header.server_version.clone(),
            database: self.header.database.clone(),
            size,
        }
    }

    pub fn index_of(&self, dump_id: i32) -> Option<usize> {
        self.by_id.get(&dump_id).copied()
    }

    /// TOC indexes of the entries whose data the archive holds, in TOC order.
    pub fn data_entries(&self) -> Vec<usize> {
        (0..self.toc.len()).filter(|&i| self.toc[i].has_data()).collect()
    }

    /// Announces the table of TOC entry `idx` to the visitor; `None` when
    /// the entry is not table data (large objects and the like).
    pub fn begin(&self, idx: usize, ctx: &mut ReadCtx<'_>) -> Result<Option<(TableHeader, Want)>> {
        let Some(c) = self.tables.get(&idx) else { return Ok(None) };
        let header = ctx.header(c.schema.clone(), c.name.clone(), c.columns.clone());
        let want = ctx.begin(&header)?;
        Ok(Some((header, want)))
    }

    /// Feeds one table's (decompressed) COPY data to the visitor.
    pub fn rows(&self, data: &mut dyn Read, table: &TableHeader, ctx: &mut ReadCtx<'_>) -> Result<u64> {
        ctx.rows(&mut StreamLines::new(data), table, Want::Rows, End::Eof)
    }

    /// The error for data entries a read never reached.
    pub fn missing(&self, idx: usize, detail: String) -> DumpError {
        let e = &self.toc[idx];
        let table = match self.tables.get(&idx) {
            Some(c) => format!("{}.{}", c.schema, c.name),
            None => format!("{} {}", e.desc, e.tag),
        };
        DumpError::MissingData { dump_id: e.dump_id, table, detail }
    }

    pub fn read(&self, ctx: &mut ReadCtx<'_>) -> Result<()> {
        match &self.body {
            Body::Custom(b) => super::custom::read(self, b, ctx)?,
            Body::Directory(dir) => super::directory::read(self, dir, ctx)?,
            Body::Tar => super::tar::read(self, ctx)?,
        }
        self.sequences.iter().try_for_each(|s| ctx.sequence(s))
    }
}

/// Parses the `setval` definition of every `SEQUENCE SET` entry.
fn sequences(header: &Header, toc: &[TocEntry]) -> Result<Vec<Setval>, DumpError> {
    let of = if header.format == header::FORMAT_CUSTOM { "" } else { " of toc.dat" };
    toc.iter()
        .filter(|e| e.is_sequence_set())
        .map(|e| {
            setval::parse(&e.defn).map_err(|reason| DumpError::BadSequenceValue {
                at: format!("TOC entry {} (SEQUENCE SET {}) at byte offset {}{of}", e.dump_id, e.tag, e.offset),
                statement: e.defn.trim_end().to_string(),
                reason,
            })
        })
        .collect()
}
