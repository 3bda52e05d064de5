//! Opening inputs: detect each one's format, read what its header tells
//! (versions, database name, the archive TOC), then visit all of them in
//! the order given.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::archive::Archive;
use super::compress::{self, Codec, Counting};
use super::copy_text::CopyDecoder;
use super::detect::{self, Kind};
use super::error::DumpError;
use super::table::{Progress, ReadCtx};
use super::{custom, directory, plain, tar, DumpInfo, Format, Visitor};

/// How many leading bytes detection and header sniffing look at.
const HEAD: usize = 64 * 1024;

/// The inputs of one run, opened and ready to be read.
pub struct DumpSet {
    inputs: Vec<Input>,
    infos: Vec<DumpInfo>,
    progress: Progress,
}

enum Input {
    /// A plain dump file, decompressed (if it is compressed) while reading.
    /// Read, not memory-mapped, even uncompressed: the pages of a mapping
    /// count as the process's memory until it is dropped, which for a dump
    /// of gigabytes would double the peak on top of the model.
    PlainFile(Codec),
    /// A plain dump on stdin (taken once).
    PlainStdin(Option<Box<dyn Read + Send>>),
    Archive(Archive),
}

/// Opens every input, detecting its format from its content. `-` is a
/// plain (possibly compressed) dump on stdin.
pub fn open(paths: &[PathBuf]) -> Result<DumpSet> {
    let mut set = DumpSet { inputs: Vec::new(), infos: Vec::new(), progress: Progress::default() };
    let mut tables: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
    for path in paths {
        let (input, info) = open_one(path).with_context(|| format!("{}", path.display()))?;
        if let Input::Archive(a) = &input {
            for (schema, name) in a.table_names() {
                if let Some(first) = tables.insert((schema.clone(), name.clone()), path.clone()) {
                    return Err(DumpError::DuplicateTable {
                        table: format!("{schema}.{name}"),
                        first: first.display().to_string(),
                        second: path.display().to_string(),
                    }
                    .into());
                }
            }
        }
        set.inputs.push(input);
        set.infos.push(info);
    }
    Ok(set)
}

fn open_one(path: &Path) -> Result<(Input, DumpInfo)> {
    if path.as_os_str() == "-" {
        return open_stdin(path);
    }
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        let archive = directory::open(path)?;
        let info = archive.info(path, Format::Directory, directory::size(path));
        return Ok((Input::Archive(archive), info));
    }
    let file = File::open(path)?;
    let mut head = Vec::new();
    (&file).take(HEAD as u64).read_to_end(&mut head)?;
    let size = meta.len();
    let kind = detect::detect(&head)?;
    let mut file = file;
    file.seek(SeekFrom::Start(0))?;
    match kind {
        Kind::Plain(codec) => {
            let inner = compress::peek_decompressed(codec, &head, HEAD);
            let info = plain_info(path, compressed_format(codec), &inner, size);
            Ok((Input::PlainFile(codec), info))
        }
        Kind::Custom => {
            let archive = custom::open_file(path, file)?;
            let info = archive.info(path, Format::Custom, size);
            Ok((Input::Archive(archive), info))
        }
        Kind::Tar => {
            let archive = tar::open(path, file)?;
            let info = archive.info(path, Format::Tar, size);
            Ok((Input::Archive(archive), info))
        }
    }
}

fn open_stdin(path: &Path) -> Result<(Input, DumpInfo)> {
    let mut stdin = io::stdin().lock();
    let mut head = Vec::new();
    (&mut stdin).take(HEAD as u64).read_to_end(&mut head)?;
    let Kind::Plain(codec) = detect::detect(&head)? else {
        anyhow::bail!(
            "an archive (custom or tar format) on stdin: only plain dumps can be piped; pass the archive's file name"
        );
    };
    let sniffed = compress::peek_decompressed(codec, &head, HEAD);
    let info = plain_info(path, compressed_format(codec), if codec == Codec::None { &head } else { &sniffed }, 0);
    let raw: Box<dyn Read + Send> = Box::new(Cursor::new(head).chain(io::stdin()));
    Ok((Input::PlainStdin(Some(compress::decoder(codec, raw)?)), info))
}

fn compressed_format(codec: Codec) -> Format {
    match codec {
        Codec::None => Format::Plain,
        Codec::Gzip | Codec::Zlib => Format::PlainGzip,
        Codec::Lz4 => Format::PlainLz4,
        Codec::Zstd => Format::PlainZstd,
    }
}

fn plain_info(path: &Path, format: Format, head: &[u8], size: u64) -> DumpInfo {
    let meta = plain::sniff(head);
    DumpInfo {
        path: path.to_path_buf(),
        format,
        archive_version: None,
        pg_dump_version: meta.pg_dump_version,
        server_version: meta.server_version,
        database: meta.database,
        size,
    }
}

impl DumpSet {
    pub fn infos(&self) -> &[DumpInfo] {
        &self.infos
    }

    /// Total size of the inputs in bytes (for a progress bar).
    pub fn total_size(&self) -> u64 {
        self.infos.iter().map(|i| i.size).sum()
    }

    /// Called now and then with the number of input bytes consumed so far.
    pub fn set_progress(&mut self, callback: impl FnMut(u64) + 'static) {
        self.progress.callback = Some(Box::new(callback));
    }

    /// Visits every table's data, input by input, in dump order.
    pub fn read(&mut self, visitor: &mut dyn Visitor) -> Result<()> {
        let mut seen: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
        for (input, info) in self.inputs.iter().zip(&self.infos) {
            if let Input::Archive(a) = input {
                for (schema, name) in a.table_names() {
                    seen.insert((schema.clone(), name.clone()), info.path.clone());
                }
            }
        }
        let mut visited = BTreeSet::new();
        let mut decoder = CopyDecoder::new();
        self.progress.base = 0;
        for (input, info) in self.inputs.iter_mut().zip(&self.infos) {
            self.progress.current.set(0);
            let mut ctx = ReadCtx {
                path: &info.path,
                visitor: &mut *visitor,
                seen: &mut seen,
                visited: &mut visited,
                progress: &mut self.progress,
                decoder: &mut decoder,
            };
            read_input(input, &mut ctx).map_err(locate(&info.path))?;
            self.progress.base += info.size;
            self.progress.current.set(0);
            self.progress.tick();
        }
        Ok(())
    }
}

/// Adds the file name unless the error (located deeper, with table and
/// row) already starts with it, so the message names the file once.
fn locate(path: &Path) -> impl Fn(anyhow::Error) -> anyhow::Error + '_ {
    move |e| {
        if e.to_string().starts_with(&format!("{}: ", path.display())) {
            e
        } else {
            e.context(path.display().to_string())
        }
    }
}

fn read_input(input: &mut Input, ctx: &mut ReadCtx<'_>) -> Result<()> {
    match input {
        Input::PlainFile(codec) => {
            let file = File::open(ctx.path)?;
            let counted = Counting { inner: file, count: ctx.progress.current.clone() };
            super::pipeline::lines(compress::decoder(*codec, counted)?, |lines| plain::read(lines, ctx))
        }
        Input::PlainStdin(reader) => {
            let reader = reader.take().ok_or_else(|| anyhow::anyhow!("stdin can be read only once"))?;
            super::pipeline::lines(reader, |lines| plain::read(lines, ctx))
        }
        Input::Archive(a) => a.read(ctx),
    }
}
