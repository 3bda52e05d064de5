//! Tar-format dumps (`pg_dump -Ft`): a ustar archive whose first member is
//! `toc.dat` (header + TOC, format code 3), then one uncompressed member per
//! data entry (`3363.dat`) in TOC order, then `restore.sql` (ignored).
//! Read as a stream, member by member.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, Result};

use super::archive::header::{self, FORMAT_TAR};
use super::archive::primitives::ArchiveReader;
use super::archive::toc::{self, DataRef};
use super::archive::{Archive, Body};
use super::compress::{Codec, Counting};
use super::error::DumpError;
use super::table::ReadCtx;
use super::Want;

pub fn open(_path: &Path, file: File) -> Result<Archive> {
    let mut tar = ::tar::Archive::new(BufReader::with_capacity(256 * 1024, file));
    let mut entries = tar.entries()?;
    let first = entries.next().ok_or_else(|| DumpError::NotADump("an empty tar archive".into()))??;
    if first.path()?.as_os_str() != "toc.dat" {
        return Err(DumpError::NotADump(format!(
            "a tar archive whose first member is {:?}, not toc.dat (not a -Ft dump)",
            first.path()?
        ))
        .into());
    }
    let mut r = ArchiveReader::new(first);
    let header = header::read(&mut r)?;
    if header.format != FORMAT_TAR || header.codec != Codec::None {
        return Err(r.corrupt("toc.dat of a tar dump must have format code 3 and no compression").into());
    }
    let toc = toc::read(&mut r, &header)?;
    Ok(Archive::new(header, toc, Body::Tar)?)
}

pub fn read(a: &Archive, ctx: &mut ReadCtx<'_>) -> Result<()> {
    let file = File::open(ctx.path)?;
    let counted = Counting { inner: BufReader::with_capacity(256 * 1024, file), count: ctx.progress.current.clone() };
    let mut tar = ::tar::Archive::new(counted);
    let by_name: BTreeMap<&str, usize> = a
        .data_entries()
        .into_iter()
        .filter_map(|i| match &a.toc[i].data {
            DataRef::File(n) => Some((n.as_str(), i)),
            DataRef::Offset(..) => None,
        })
        .collect();
    let mut seen = vec![false; a.toc.len()];
    for entry in tar.entries()? {
        let entry = entry.map_err(super::compress::describe_io).context("reading the tar archive")?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let Some(&idx) = by_name.get(name.as_str()) else { continue };
        seen[idx] = true;
        if let Some((table, Want::Rows)) = a.begin(idx, ctx)? {
            // A member cut short at a line boundary would look complete:
            // check it delivered the size its tar header declares.
            let declared = entry.size();
            let mut counted = Counting { inner: entry, count: Default::default() };
            a.rows(&mut counted, &table, ctx)?;
            std::io::copy(&mut counted, &mut std::io::sink()).map_err(super::compress::describe_io)?;
            if counted.count.get() != declared {
                return Err(anyhow::Error::from(DumpError::Truncated(format!(
                    "tar member {name} has {} of its {declared} bytes",
                    counted.count.get()
                )))
                .context(format!(
                    "{}: table {}",
                    ctx.path.display(),
                    super::table::qualified(&table)
                )));
            }
        }
        ctx.progress.tick();
    }
    if let Some((_, &idx)) = by_name.iter().find(|(_, &i)| !seen[i]) {
        return Err(a
            .missing(idx, " (its member is not in the tar archive; the file is truncated or damaged)".into())
            .into());
    }
    Ok(())
}
