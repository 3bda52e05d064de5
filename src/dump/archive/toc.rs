//! The table of contents that follows the header: one entry per dumped
//! object. We keep what locating and naming table data needs: the ids,
//! desc/tag/namespace, the COPY statement and where the data is; and, for
//! `SEQUENCE SET` entries, the definition: the `setval` statement holding
//! the sequence's value (other definitions are DDL and are dropped).

use std::io::Read;

use super::super::error::DumpError;
use super::header::{Header, FORMAT_CUSTOM};
use super::primitives::ArchiveReader;

/// Custom-format offset flags.
#[allow(dead_code)] // documents the format; "not set" is simply "not OFFSET_SET"
pub const OFFSET_NOT_SET: u8 = 1;
pub const OFFSET_SET: u8 = 2;
pub const OFFSET_NO_DATA: u8 = 3;

#[derive(Clone, Debug)]
pub struct TocEntry {
    pub dump_id: i32,
    pub had_dumper: bool,
    pub tag: String,
    pub desc: String,
    #[allow(dead_code)] // kept for diagnostics; table names come from the COPY statement
    pub namespace: String,
    pub copy_stmt: String,
    /// The definition of a `SEQUENCE SET` entry; empty for other entries.
    pub defn: String,
    /// Byte offset of the entry in the (decompressed) TOC, for errors.
    pub offset: u64,
    pub data: DataRef,
}

/// Where an entry's data lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataRef {
    /// Custom format: offset flag and offset.
    Offset(u8, u64),
    /// Directory and tar: the member's file name (`""` = none).
    File(String),
}

impl TocEntry {
    /// Whether the archive holds a data block/file for this entry.
    pub fn has_data(&self) -> bool {
        self.had_dumper
            && match &self.data {
                DataRef::Offset(flag, _) => *flag != OFFSET_NO_DATA,
                DataRef::File(name) => !name.is_empty(),
            }
    }

    pub fn is_table_data(&self) -> bool {
        self.desc == "TABLE DATA"
    }

    pub fn is_sequence_set(&self) -> bool {
        self.desc == SEQUENCE_SET
    }
}

const SEQUENCE_SET: &str = "SEQUENCE SET";

/// More entries than this is corruption (a real Dendrite dump has ~500).
const MAX_ENTRIES: i64 = 10_000_000;

pub fn read<R: Read>(r: &mut ArchiveReader<R>, h: &Header) -> Result<Vec<TocEntry>, DumpError> {
    let count = r.int()?;
    if !(0..=MAX_ENTRIES).contains(&count) {
        return Err(r.corrupt(format!("TOC entry count {count} is impossible")));
    }
    (0..count).map(|_| entry(r, h)).collect()
}

fn entry<R: Read>(r: &mut ArchiveReader<R>, h: &Header) -> Result<TocEntry, DumpError> {
    let at = r.pos;
    let dump_id = r.int()?;
    if dump_id <= 0 || dump_id > i64::from(i32::MAX) {
        return Err(DumpError::CorruptArchive { offset: at, detail: format!("TOC entry id {dump_id}") });
    }
    let had_dumper = r.int()? != 0;
    let s = |r: &mut ArchiveReader<R>| r.string().map(Option::unwrap_or_default);
    s(r)?; // tableoid
    s(r)?; // oid
    let tag = s(r)?;
    let desc = s(r)?;
    r.int()?; // section (≥ 1.11, always true here)
    let defn = s(r)?;
    s(r)?; // dropStmt
    let copy_stmt = s(r)?;
    let namespace = s(r)?;
    s(r)?; // tablespace
    if h.at_least(14) {
        s(r)?; // tableam
    }
    if h.at_least(16) {
        r.int()?; // relkind
    }
    s(r)?; // owner
    if s(r)? == "true" {
        return Err(DumpError::CorruptArchive {
            offset: at,
            detail: format!("table {tag} has OIDs (WITH OIDS), which is not supported"),
        });
    }
    while r.string()?.is_some() {} // dependencies, NULL-terminated
    let data = if h.format == FORMAT_CUSTOM {
        let (flag, off) = r.offset()?;
        DataRef::Offset(flag, off)
    } else {
        DataRef::File(s(r)?)
    };
    let defn = if desc == SEQUENCE_SET { defn } else { String::new() };
    Ok(TocEntry { dump_id: dump_id as i32, had_dumper, tag, desc, namespace, copy_stmt, defn, offset: at, data })
}
