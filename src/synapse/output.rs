//! Where the script goes: a file (mode 0600, written under a temporary name in
//! the same directory and renamed only when complete) or stdout.
//!
//! The file holds password hashes and access tokens, so it is never readable by
//! others, not even while being written. An error or a panic drops the
//! temporary file, so the `-o` path either keeps its old content or gets the
//! whole new script, never half of one.

use std::fs::Permissions;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// The `-o` argument: `-` means stdout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    Stdout,
    File(PathBuf),
}

impl Output {
    pub fn from_arg(path: &Path) -> Output {
        if path.as_os_str() == "-" {
            Output::Stdout
        } else {
            Output::File(path.to_path_buf())
        }
    }
}

pub(crate) enum Sink {
    File {
        w: BufWriter<NamedTempFile>,
        dest: PathBuf,
    },
    Stdout(BufWriter<io::Stdout>),
    #[cfg(test)]
    Memory(Vec<u8>),
}

impl Sink {
    pub(crate) fn open(output: &Output) -> io::Result<Sink> {
        match output {
            Output::Stdout => Ok(Sink::Stdout(BufWriter::with_capacity(1 << 20, io::stdout()))),
            Output::File(dest) => {
                let dir = match dest.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let temp = tempfile::Builder::new()
                    .prefix(&format!(".{name}."))
                    .suffix(".partial")
                    .permissions(Permissions::from_mode(0o600))
                    .tempfile_in(dir)?;
                Ok(Sink::File { w: BufWriter::with_capacity(1 << 20, temp), dest: dest.clone() })
            }
        }
    }

    pub(crate) fn is_stdout(&self) -> bool {
        matches!(self, Sink::Stdout(_))
    }

    /// Flushes, syncs and renames the temporary file onto the destination.
    pub(crate) fn commit(self) -> io::Result<()> {
        match self {
            Sink::File { w, dest } => {
                let temp = w.into_inner().map_err(|e| e.into_error())?;
                temp.as_file().sync_all()?;
                temp.persist(&dest).map_err(|e| e.error)?;
                Ok(())
            }
            Sink::Stdout(mut w) => w.flush(),
            #[cfg(test)]
            Sink::Memory(_) => Ok(()),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File { w, .. } => w.write(buf),
            Sink::Stdout(w) => w.write(buf),
            #[cfg(test)]
            Sink::Memory(v) => v.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::File { w, .. } => w.write_all(buf),
            Sink::Stdout(w) => w.write_all(buf),
            #[cfg(test)]
            Sink::Memory(v) => v.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::File { w, .. } => w.flush(),
            Sink::Stdout(w) => w.flush(),
            #[cfg(test)]
            Sink::Memory(_) => Ok(()),
        }
    }
}
