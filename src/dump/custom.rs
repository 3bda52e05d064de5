//! Custom-format archives (`pg_dump -Fc`): header, TOC, then one data block
//! per data entry, in TOC order.
//!
//! A block is a type byte (1 = table data, 3 = large objects), the entry's
//! dump id, then chunks `Int length, bytes` ended by a zero length. The
//! chunks carry one compressed stream (zlib, lz4 frame, zstd frame) or raw
//! COPY text (one chunk per row with `-Z0`).
//!
//! Traps: written to a pipe, or by pg_dump 17/18 to a redirected stdout,
//! the TOC has no offsets (and 17/18 append a second TOC after the data).
//! So when every data entry has an offset we seek to it, like pg_restore;
//! otherwise we scan the blocks in order from the end of the TOC and stop
//! as soon as every data entry was seen, never reading what follows.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use std::path::Path;

use anyhow::Result;

use super::archive::header::{self, FORMAT_CUSTOM};
use super::archive::primitives::ArchiveReader;
use super::archive::toc::{self, DataRef, OFFSET_SET};
use super::archive::{Archive, Body as ArchiveBody};
use super::compress::{self, Counter};
use super::error::DumpError;
use super::table::{End, ReadCtx};
use super::Want;

const BLK_DATA: u8 = 1;
const BLK_BLOBS: u8 = 3;

pub struct Body {
    data_start: u64,
    len: u64,
}

/// The archive, read through a buffer. Not memory-mapped: a mapping's
/// pages count as the process's memory until it ends (the whole archive,
/// on top of the model, for `-Z0`), and the reads cost little next to the
/// decompression.
type Src = ArchiveReader<BufReader<File>>;

pub fn open_file(_path: &Path, file: File) -> Result<Archive> {
    let len = file.metadata()?.len();
    let mut r = ArchiveReader::new(BufReader::with_capacity(256 * 1024, file));
    let header = header::read(&mut r)?;
    if header.format != FORMAT_CUSTOM {
        return Err(r
            .corrupt("not a custom-format archive (format code 3 is the toc.dat of a tar or directory dump)")
            .into());
    }
    let toc = toc::read(&mut r, &header)?;
    Ok(Archive::new(header, toc, ArchiveBody::Custom(Body { data_start: r.pos, len }))?)
}

pub fn read(a: &Archive, body: &Body, ctx: &mut ReadCtx<'_>) -> Result<()> {
    let file = File::open(ctx.path)?;
    let mut r: Src = ArchiveReader::new(BufReader::with_capacity(256 * 1024, file));
    r.int_size = a.header.int_size;
    r.off_size = a.header.off_size;

    let wanted = a.data_entries();
    let seekable = wanted.iter().all(|&i| matches!(a.toc[i].data, DataRef::Offset(OFFSET_SET, _)));
    let mut seen = vec![false; a.toc.len()];
    if seekable {
        for &idx in &wanted {
            let DataRef::Offset(_, off) = a.toc[idx].data else { unreachable!() };
            if off >= body.len {
                return Err(a
                    .missing(
                        idx,
                        format!(
                            ": its offset {off} is past the end of the file ({} bytes); the file is truncated",
                            body.len
                        ),
                    )
                    .into());
            }
            seek(&mut r, off)?;
            match block(a, &mut r, ctx, &mut seen)? {
                Some(found) if found == idx => {}
                _ => return Err(a.missing(idx, format!(": no data block for it at offset {off}")).into()),
            }
        }
        return Ok(());
    }
    seek(&mut r, body.data_start)?;
    while wanted.iter().any(|&i| !seen[i]) {
        let at = r.pos;
        if block(a, &mut r, ctx, &mut seen)?.is_none() {
            let first = *wanted.iter().find(|&&i| !seen[i]).expect("checked by the loop");
            let why = if at >= body.len {
                "the file ends first".to_string()
            } else {
                format!("byte offset {at} does not start a data block")
            };
            return Err(a.missing(first, format!(" ({why}; the file is truncated or damaged)")).into());
        }
    }
    Ok(())
}

fn seek(r: &mut Src, pos: u64) -> io::Result<()> {
    r.inner.seek(SeekFrom::Start(pos))?;
    r.pos = pos;
    Ok(())
}

/// Reads the block at the current position; returns its TOC index, or
/// `None` when there is no block here (end of file, or a trailing TOC).
fn block(a: &Archive, r: &mut Src, ctx: &mut ReadCtx<'_>, seen: &mut [bool]) -> Result<Option<usize>> {
    let at = r.pos;
    let kind = match r.byte_or_eof()? {
        Some(k @ (BLK_DATA | BLK_BLOBS)) => k,
        _ => return Ok(None),
    };
    let id = r.int()?;
    let idx = i32::try_from(id).ok().and_then(|id| a.index_of(id)).filter(|&i| a.toc[i].has_data());
    let Some(idx) = idx else {
        return Err(
            DumpError::CorruptArchive { offset: at, detail: format!("data block for unknown TOC entry {id}") }.into()
        );
    };
    if std::mem::replace(&mut seen[idx], true) {
        return Err(
            DumpError::CorruptArchive { offset: at, detail: format!("second data block for TOC entry {id}") }.into()
        );
    }
    ctx.progress.current.set(at);
    if kind == BLK_BLOBS {
        skip_blobs(r)?;
        return Ok(Some(idx));
    }
    match a.begin(idx, ctx)? {
        Some((table, Want::Rows)) => {
            let mut chunks = Chunks { r, left: 0, done: false, progress: Some(ctx.progress.current.clone()) };
            let data = compress::decoder(a.header.codec, &mut chunks)?;
            super::pipeline::lines(data, |lines| ctx.rows(lines, &table, Want::Rows, End::Eof))?;
            chunks.finish().map_err(|e| {
                anyhow::Error::from(e).context(format!(
                    "{}: table {}",
                    ctx.path.display(),
                    super::table::qualified(&table)
                ))
            })?;
        }
        _ => Chunks { r, left: 0, done: false, progress: None }.finish()?,
    }
    ctx.progress.current.set(r.pos);
    ctx.progress.tick();
    Ok(Some(idx))
}

fn skip_blobs(r: &mut Src) -> Result<(), DumpError> {
    while r.int()? != 0 {
        Chunks { r: &mut *r, left: 0, done: false, progress: None }.finish()?;
    }
    Ok(())
}

/// The chunked payload of one block, as a byte stream.
struct Chunks<'a> {
    r: &'a mut Src,
    left: u64,
    done: bool,
    /// Where the progress bar reads our position (None when skipping).
    progress: Option<Counter>,
}

impl Chunks<'_> {
    /// Reads the next chunk length; false after the terminating zero.
    fn next_chunk(&mut self) -> Result<bool, DumpError> {
        let at = self.r.pos;
        let len = self.r.int()?;
        if len < 0 {
            return Err(DumpError::CorruptArchive { offset: at, detail: format!("data chunk length {len}") });
        }
        self.left = len as u64;
        self.done = len == 0;
        Ok(!self.done)
    }

    /// Skips what is left of the block, up to and including its end.
    fn finish(&mut self) -> Result<(), DumpError> {
        while !self.done {
            if self.left > 0 {
                let at = self.r.pos;
                self.r
                    .inner
                    .seek(SeekFrom::Current(self.left as i64))
                    .map_err(|e| DumpError::CorruptArchive { offset: at, detail: e.to_string() })?;
                self.r.pos += self.left;
                self.left = 0;
            }
            self.next_chunk()?;
        }
        Ok(())
    }
}

impl Read for Chunks<'_> {
    /// Fills `buf` across chunk boundaries: with `-Z0` every row is its own
    /// chunk, and one call per chunk would mean one refill per row.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            if self.left == 0 && (self.done || !self.next_chunk().map_err(to_io)?) {
                break;
            }
            let want = (buf.len() - filled).min(usize::try_from(self.left).unwrap_or(usize::MAX));
            let n = self.r.inner.read(&mut buf[filled..filled + want])?;
            if n == 0 {
                return Err(to_io(DumpError::Truncated(format!(
                    "archive ends at byte offset {} inside a data block",
                    self.r.pos
                ))));
            }
            self.r.pos += n as u64;
            self.left -= n as u64;
            filled += n;
        }
        if let Some(p) = &self.progress {
            p.set(self.r.pos);
        }
        Ok(filled)
    }
}

fn to_io(e: DumpError) -> io::Error {
    let kind =
        if matches!(e, DumpError::Truncated(_)) { io::ErrorKind::UnexpectedEof } else { io::ErrorKind::InvalidData };
    io::Error::new(kind, e)
}
