//! Directory-format dumps (`pg_dump -Fd`): `toc.dat` (header + TOC, format
//! code 3) and one file per data entry, named in the TOC (`3363.dat`), with
//! a suffix for the compression: `.gz` (a real gzip file, not zlib), `.lz4`
//! (LZ4 frame) or `.zst`. Every file is streamed, uncompressed ones too.
//!
//! pg_restore also accepts a compressed `toc.dat.gz|.lz4|.zst` and data
//! files whose suffix differs from the header's codec; so do we.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::archive::header::{self, FORMAT_TAR};
use super::archive::primitives::ArchiveReader;
use super::archive::toc::{self, DataRef};
use super::archive::{Archive, Body};
use super::compress::{self, Codec, Counting};
use super::error::DumpError;
use super::table::{End, ReadCtx};
use super::Want;

const SUFFIXES: [(&str, Codec); 4] =
    [("", Codec::None), (".gz", Codec::Gzip), (".lz4", Codec::Lz4), (".zst", Codec::Zstd)];

pub fn open(dir: &Path) -> Result<Archive> {
    let Some((toc_path, codec)) = find(dir, "toc.dat") else {
        return Err(DumpError::NotADump("a directory without toc.dat (not a -Fd dump)".into()).into());
    };
    let file = File::open(&toc_path)?;
    let mut r = ArchiveReader::new(BufReader::new(compress::decoder(codec, file)?));
    let header = header::read(&mut r)?;
    if header.format != FORMAT_TAR {
        return Err(r.corrupt("toc.dat does not have the directory/tar format code 3").into());
    }
    let toc = toc::read(&mut r, &header)?;
    Ok(Archive::new(header, toc, Body::Directory(dir.to_path_buf()))?)
}

/// Total size of the files in the dump directory.
pub fn size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|it| it.filter_map(|e| e.ok()?.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

/// The existing file for `name`, with the codec its suffix says.
fn find(dir: &Path, name: &str) -> Option<(PathBuf, Codec)> {
    SUFFIXES.iter().map(|(s, c)| (dir.join(format!("{name}{s}")), *c)).find(|(p, _)| p.is_file())
}

pub fn read(a: &Archive, dir: &Path, ctx: &mut ReadCtx<'_>) -> Result<()> {
    for idx in a.data_entries() {
        let DataRef::File(name) = &a.toc[idx].data else { continue };
        let Some((path, codec)) = find(dir, name) else {
            let suffix = match a.header.codec {
                Codec::None => "",
                Codec::Zlib | Codec::Gzip => ".gz",
                Codec::Lz4 => ".lz4",
                Codec::Zstd => ".zst",
            };
            let expected = dir.join(format!("{name}{suffix}"));
            return Err(a.missing(idx, format!(": file {} does not exist", expected.display())).into());
        };
        let size = std::fs::metadata(&path)?.len();
        if let Some((table, Want::Rows)) = a.begin(idx, ctx)? {
            // Read, not mapped, even uncompressed (see `Input::PlainFile`).
            let counted = Counting { inner: File::open(&path)?, count: ctx.progress.current.clone() };
            let data = compress::decoder(codec, counted)?;
            super::pipeline::lines(data, |lines| ctx.rows(lines, &table, Want::Rows, End::Eof))?;
        }
        ctx.progress.base += size;
        ctx.progress.current.set(0);
        ctx.progress.tick();
    }
    Ok(())
}
