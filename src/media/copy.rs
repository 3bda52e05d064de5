//! Carrying one file into the Synapse store: verify, then copy or hard-link,
//! never overwriting, never leaving the store.
//!
//! Order for one job:
//! 1. The destination's directory is created under the store root, then
//!    canonicalised: it must still be under the (canonical) root, so a
//!    symlink planted in the store cannot redirect the write elsewhere.
//! 2. If the destination exists (as a regular file; a symlink there is a
//!    conflict, never followed) and holds the expected bytes, the job is
//!    already done (resume). Different bytes: `Conflict`, untouched.
//! 3. The source is read once: hashed (and, when copying, written to a
//!    temporary file created with O_EXCL in the destination directory).
//!    A hash or size mismatch drops the temporary file.
//!    A temporary file left by a killed run is removed first: it never had
//!    the destination name, so resuming copies that file again, whole.
//! 4. The temporary file (or, with `--link`, the source) is hard-linked to
//!    the destination name. `link(2)` fails if the name exists, so a file
//!    appearing meanwhile is never replaced; then the temporary name goes.
//!
//! Thumbnails have no recorded hash in Dendrite's tables, only a size; they
//! are checked against that size.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What the file should be.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    Sha256([u8; 32]),
    /// Only the size is known (Dendrite's thumbnails).
    Size(u64),
}

/// How a job ended. Every outcome is a named variant, reported as such.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Copied {
        bytes: u64,
    },
    Linked {
        bytes: u64,
    },
    /// The destination already held the expected bytes.
    AlreadyThere {
        bytes: u64,
    },
    Missing,
    Mismatch {
        expected: String,
        actual: String,
    },
    SizeMismatch {
        expected: u64,
        actual: u64,
    },
    /// A different file (or a symlink) already has the destination name.
    Conflict {
        detail: String,
    },
    /// The destination directory resolves outside the store.
    Escapes {
        resolved: PathBuf,
    },
    Failed {
        error: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Copy,
    Link,
}

pub struct Job<'a> {
    pub src: &'a Path,
    /// Relative to the store root; made of validated components only.
    pub dst_rel: &'a Path,
    pub expect: Expect,
}

/// `root` must be canonical.
pub fn run(job: &Job<'_>, root: &Path, mode: Mode) -> Outcome {
    match run_inner(job, root, mode) {
        Ok(o) => o,
        Err(e) => Outcome::Failed { error: e.to_string() },
    }
}

fn run_inner(job: &Job<'_>, root: &Path, mode: Mode) -> io::Result<Outcome> {
    let dst = root.join(job.dst_rel);
    let rel_dir = job.dst_rel.parent().expect("a relative media path has a parent");
    let resolved = match make_dirs(root, rel_dir)? {
        Ok(dir) => dir,
        Err(resolved) => return Ok(Outcome::Escapes { resolved }),
    };
    let dst = resolved.join(dst.file_name().expect("a media path ends in a name"));
    if let Some(done) = existing(&dst, job.expect)? {
        return Ok(done);
    }
    let src = match File::open(job.src) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Outcome::Missing),
        Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", job.src.display()))),
    };
    match mode {
        Mode::Copy => copy(src, &dst, job.expect),
        Mode::Link => link(src, job.src, &dst, job.expect),
    }
}

/// Creates `root/rel` one component at a time. A component that is a symlink
/// is followed only if it resolves inside `root`; otherwise nothing more is
/// created and `Err(resolved)` says where it pointed. The result is checked
/// once more after creation (another process could race us).
fn make_dirs(root: &Path, rel: &Path) -> io::Result<Result<PathBuf, PathBuf>> {
    let mut cur = root.to_path_buf();
    for comp in rel.components() {
        cur.push(comp);
        let meta = match fs::symlink_metadata(&cur) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match fs::create_dir(&cur) {
                    Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                    _ => {}
                }
                fs::symlink_metadata(&cur)?
            }
            Err(e) => return Err(e),
        };
        if meta.file_type().is_symlink() {
            let target = fs::canonicalize(&cur)?;
            if !target.starts_with(root) {
                return Ok(Err(target));
            }
        } else if !meta.is_dir() {
            let msg = format!("{} exists and is not a directory", cur.display());
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, msg));
        }
    }
    let resolved = fs::canonicalize(&cur)?;
    Ok(if resolved.starts_with(root) { Ok(resolved) } else { Err(resolved) })
}

/// `Some(outcome)` when the destination name is taken.
fn existing(dst: &Path, expect: Expect) -> io::Result<Option<Outcome>> {
    let meta = match fs::symlink_metadata(dst) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !meta.is_file() {
        let detail = format!("{} exists and is not a regular file (symlinks are never followed)", dst.display());
        return Ok(Some(Outcome::Conflict { detail }));
    }
    let (hash, len) = hash_reader(File::open(dst)?, None)?;
    Ok(Some(match check(expect, &hash, len) {
        None => Outcome::AlreadyThere { bytes: len },
        Some(_) => Outcome::Conflict {
            detail: format!("{} exists with different content (sha256 {}); not overwritten", dst.display(), hex(&hash)),
        },
    }))
}

/// `None` when the bytes are as expected, else the mismatch outcome.
fn check(expect: Expect, hash: &[u8; 32], len: u64) -> Option<Outcome> {
    match expect {
        Expect::Sha256(want) if want != *hash => Some(Outcome::Mismatch { expected: hex(&want), actual: hex(hash) }),
        Expect::Size(want) if want != len => Some(Outcome::SizeMismatch { expected: want, actual: len }),
        _ => None,
    }
}

fn copy(src: File, dst: &Path, expect: Expect) -> io::Result<Outcome> {
    let tmp = temp_name(dst);
    // A run killed mid-copy (SIGKILL runs no destructor) leaves its temporary file: it
    // was never linked into place, so it is only ours to remove. Removing a symlink
    // there removes the link, never its target; O_EXCL then refuses one planted meanwhile.
    match fs::remove_file(&tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut out = OpenOptions::new().write(true).create_new(true).mode(0o644).open(&tmp)?;
    let guard = RemoveOnDrop(&tmp);
    let (hash, len) = hash_reader(src, Some(&mut out))?;
    if let Some(bad) = check(expect, &hash, len) {
        return Ok(bad);
    }
    out.sync_all()?;
    drop(out);
    match fs::hard_link(&tmp, dst) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return existing(dst, expect).map(Option::unwrap_or_else_failed)
        }
        Err(e) => return Err(e),
    }
    drop(guard);
    Ok(Outcome::Copied { bytes: len })
}

fn link(src: File, src_path: &Path, dst: &Path, expect: Expect) -> io::Result<Outcome> {
    let (hash, len) = hash_reader(src, None)?;
    if let Some(bad) = check(expect, &hash, len) {
        return Ok(bad);
    }
    match fs::hard_link(src_path, dst) {
        Ok(()) => Ok(Outcome::Linked { bytes: len }),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => existing(dst, expect).map(Option::unwrap_or_else_failed),
        Err(e) => Err(io::Error::new(e.kind(), format!("hard link {} -> {}: {e}", src_path.display(), dst.display()))),
    }
}

trait OrFailed {
    fn unwrap_or_else_failed(self) -> Outcome;
}

impl OrFailed for Option<Outcome> {
    fn unwrap_or_else_failed(self) -> Outcome {
        self.unwrap_or(Outcome::Failed { error: "destination appeared and vanished during the copy".into() })
    }
}

struct RemoveOnDrop<'a>(&'a Path);

impl Drop for RemoveOnDrop<'_> {
    fn drop(&mut self) {
        let _ = fs::remove_file(self.0);
    }
}

fn temp_name(dst: &Path) -> PathBuf {
    let name = dst.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    dst.with_file_name(format!(".{name}.d2s-partial"))
}

/// SHA-256 and length of everything `r` yields, optionally teeing into `out`.
pub fn hash_reader(mut r: impl Read, mut out: Option<&mut File>) -> io::Result<([u8; 32], u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        if let Some(o) = out.as_deref_mut() {
            o.write_all(&buf[..n])?;
        }
        len += n as u64;
    }
    Ok((h.finalize().into(), len))
}

fn hex(b: &[u8]) -> String {
    crate::media::layout::hex(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(data: &[u8]) -> [u8; 32] {
        Sha256::digest(data).into()
    }

    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src");
        let root = d.path().join("store");
        fs::create_dir_all(&root).unwrap();
        fs::write(&src, b"hello").unwrap();
        let root = fs::canonicalize(root).unwrap();
        (d, src, root)
    }

    #[test]
    fn copy_then_resume_then_conflict() {
        let (_d, src, root) = setup();
        let rel = Path::new("local_content/ab/cd/ef");
        let job = Job { src: &src, dst_rel: rel, expect: Expect::Sha256(sha(b"hello")) };
        assert_eq!(run(&job, &root, Mode::Copy), Outcome::Copied { bytes: 5 });
        assert_eq!(fs::read(root.join(rel)).unwrap(), b"hello");
        assert_eq!(run(&job, &root, Mode::Copy), Outcome::AlreadyThere { bytes: 5 });
        fs::write(root.join(rel), b"other").unwrap();
        assert!(matches!(run(&job, &root, Mode::Copy), Outcome::Conflict { .. }));
        assert_eq!(fs::read(root.join(rel)).unwrap(), b"other");
        let leftovers: Vec<_> = fs::read_dir(root.join("local_content/ab/cd")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left");
    }

    #[test]
    fn a_killed_runs_partial_file_is_replaced_not_a_failure() {
        let (_d, src, root) = setup();
        let rel = Path::new("local_content/ab/cd/ef");
        fs::create_dir_all(root.join("local_content/ab/cd")).unwrap();
        fs::write(root.join("local_content/ab/cd/.ef.d2s-partial"), b"hel").unwrap();
        let job = Job { src: &src, dst_rel: rel, expect: Expect::Sha256(sha(b"hello")) };
        assert_eq!(run(&job, &root, Mode::Copy), Outcome::Copied { bytes: 5 });
        assert_eq!(fs::read(root.join(rel)).unwrap(), b"hello");
        let names: Vec<_> =
            fs::read_dir(root.join("local_content/ab/cd")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["ef"], "the old partial file is gone");
    }

    #[test]
    fn mismatch_and_missing_leave_nothing() {
        let (_d, src, root) = setup();
        let rel = Path::new("local_content/ab/cd/ef");
        let job = Job { src: &src, dst_rel: rel, expect: Expect::Sha256(sha(b"other")) };
        let o = run(&job, &root, Mode::Copy);
        assert_eq!(o, Outcome::Mismatch { expected: hex(&sha(b"other")), actual: hex(&sha(b"hello")) });
        assert_eq!(fs::read_dir(root.join("local_content/ab/cd")).unwrap().count(), 0);
        let gone = src.with_file_name("nope");
        let job = Job { src: &gone, dst_rel: rel, expect: Expect::Size(1) };
        assert_eq!(run(&job, &root, Mode::Copy), Outcome::Missing);
        let job = Job { src: &src, dst_rel: rel, expect: Expect::Size(4) };
        assert_eq!(run(&job, &root, Mode::Link), Outcome::SizeMismatch { expected: 4, actual: 5 });
    }

    #[test]
    fn link_shares_the_inode() {
        use std::os::unix::fs::MetadataExt;
        let (_d, src, root) = setup();
        let rel = Path::new("local_thumbnails/ab/cd/ef/32-32-image-png-crop");
        let job = Job { src: &src, dst_rel: rel, expect: Expect::Size(5) };
        assert_eq!(run(&job, &root, Mode::Link), Outcome::Linked { bytes: 5 });
        assert_eq!(fs::metadata(&src).unwrap().ino(), fs::metadata(root.join(rel)).unwrap().ino());
        assert_eq!(run(&job, &root, Mode::Link), Outcome::AlreadyThere { bytes: 5 });
    }

    #[test]
    fn symlinks_in_the_store_are_not_followed() {
        let (d, src, root) = setup();
        let outside = d.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("local_content")).unwrap();
        let rel = Path::new("local_content/ab/cd/ef");
        let job = Job { src: &src, dst_rel: rel, expect: Expect::Size(5) };
        assert!(matches!(run(&job, &root, Mode::Copy), Outcome::Escapes { .. }));
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0, "nothing created outside");
        fs::remove_file(root.join("local_content")).unwrap();
        fs::create_dir_all(root.join("local_content/ab/cd")).unwrap();
        std::os::unix::fs::symlink(&src, root.join(rel)).unwrap();
        assert!(matches!(run(&job, &root, Mode::Copy), Outcome::Conflict { .. }));
    }
}
