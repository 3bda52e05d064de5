//! The comment block at the top of the script: what made it, from what, for whom.
//!
//! Everything here is text from outside (file names, the server name), and a
//! newline inside an SQL `--` comment would turn the rest of that name into SQL.
//! [`comment_safe`] therefore writes control characters as Rust escapes.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// One input file as the header lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// As the user named it (`-` for stdin).
    pub name: String,
    pub size: u64,
    pub sha256: [u8; 32],
}

impl InputFile {
    /// Size and SHA-256 of a file; for a directory (`pg_dump -Fd`), of every
    /// regular file below it, in path order.
    pub fn collect(path: &Path) -> io::Result<Vec<InputFile>> {
        let mut files = Vec::new();
        walk(path, &mut files)?;
        files.sort();
        files.iter().map(|f| InputFile::hash(f)).collect()
    }

    fn hash(path: &Path) -> io::Result<InputFile> {
        let mut file = File::open(path)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        Ok(InputFile { name: path.display().to_string(), size, sha256: hasher.finalize().into() })
    }
}

fn walk(path: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    if path.is_dir() {
        for entry in std::fs::read_dir(path)? {
            walk(&entry?.path(), out)?;
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// What the header says. Counts are labels the caller chooses ("users", "rooms", …).
#[derive(Clone, Debug, Default)]
pub struct Header {
    pub tool_version: String,
    pub server_name: String,
    pub inputs: Vec<InputFile>,
    pub counts: Vec<(String, u64)>,
}

impl Header {
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ =
            writeln!(s, "-- Synapse database import written by dendrite2synapse {}", comment_safe(&self.tool_version));
        let _ = writeln!(s, "-- server name: {}", comment_safe(&self.server_name));
        for input in &self.inputs {
            let _ = writeln!(
                s,
                "-- input: {} ({} bytes, sha256 {})",
                comment_safe(&input.name),
                input.size,
                hex(&input.sha256)
            );
        }
        for (label, n) in &self.counts {
            let _ = writeln!(s, "-- {}: {}", comment_safe(label), n);
        }
        s.push_str(
            "--\n\
             -- THIS FILE HOLDS SECRETS (password hashes, access tokens, key backups): keep it private.\n\
             -- Load it into a Synapse database whose schema Synapse created and that holds nothing yet:\n\
             --     psql -v ON_ERROR_STOP=1 -1 -f FILE DBNAME\n\
             -- then run `update_synapse_database --database-config homeserver.yaml --run-background-updates`.\n\
             -- All or nothing: any failed check rolls everything back.\n\n",
        );
        s
    }
}

/// `s` with every control character (newline, CR, tab, …) written as an escape,
/// so it stays inside one `--` comment line.
pub fn comment_safe(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() { c.escape_default().collect() } else { vec![c] };
            escaped
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_leave_their_comment_line() {
        let h = Header {
            tool_version: "0".into(),
            server_name: "evil\nDROP TABLE users;".into(),
            inputs: vec![InputFile { name: "a\r\nb".into(), size: 1, sha256: [0; 32] }],
            counts: vec![("x\ny".into(), 1)],
        };
        for line in h.render().lines() {
            assert!(line.is_empty() || line.starts_with("--"), "{line:?}");
        }
    }

    #[test]
    fn files_are_hashed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b"), b"abc").unwrap();
        std::fs::write(dir.path().join("a"), b"").unwrap();
        let files = InputFile::collect(dir.path()).unwrap();
        assert_eq!(files.len(), 2);
        assert!(files[0].name.ends_with("/a") && files[1].name.ends_with("/b"));
        // SHA-256 of "abc" and of "" (FIPS 180-2 test vectors).
        assert_eq!(hex(&files[1].sha256), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(hex(&files[0].sha256), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!((files[0].size, files[1].size), (0, 3));
    }
}
