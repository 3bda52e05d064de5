//! Format detection from the first bytes of an input, never from its name.
//!
//! - a directory holding `toc.dat` → directory format (`-Fd`);
//! - `PGDMP` → custom format (`-Fc`); a bare `toc.dat` (format byte 3) is
//!   refused with a hint to pass its directory;
//! - `ustar` at byte 257 → tar format (`-Ft`);
//! - gzip / lz4 / zstd magic → a compressed plain dump (`pg_dump | gzip`,
//!   or pg_dump 16+ `-Fp -Z …`), checked by decompressing its start;
//! - text that starts like SQL (comment, `SET`, `\restrict`, …) → plain.

use super::compress::{peek_decompressed, Codec};
use super::error::DumpError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Plain(Codec),
    Custom,
    Tar,
}

pub const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
pub const LZ4_MAGIC: &[u8] = &[0x04, 0x22, 0x4d, 0x18];
pub const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

pub fn detect(head: &[u8]) -> Result<Kind, DumpError> {
    if head.starts_with(b"PGDMP") {
        return match head.get(10) {
            Some(3) => Err(DumpError::NotADump(
                "this is the toc.dat of a directory (-Fd) dump; pass the directory itself".into(),
            )),
            _ => Ok(Kind::Custom),
        };
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Ok(Kind::Tar);
    }
    for (magic, codec) in [(GZIP_MAGIC, Codec::Gzip), (LZ4_MAGIC, Codec::Lz4), (ZSTD_MAGIC, Codec::Zstd)] {
        if head.starts_with(magic) {
            let inner = peek_decompressed(codec, head, 4096);
            if inner.starts_with(b"PGDMP") {
                return Err(DumpError::NotADump(format!(
                    "this is a {}-compressed custom-format archive; decompress it first",
                    codec.name()
                )));
            }
            if looks_like_sql(&inner) {
                return Ok(Kind::Plain(codec));
            }
            return Err(DumpError::NotADump(format!("{}-compressed data that is not SQL", codec.name())));
        }
    }
    if looks_like_sql(head) {
        return Ok(Kind::Plain(Codec::None));
    }
    Err(DumpError::NotADump(describe(head)))
}

fn looks_like_sql(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(head.len());
    let rest = &head[start..];
    const STARTS: [&str; 8] = ["--", "\\", "SET ", "CREATE ", "COPY ", "SELECT ", "BEGIN", "/*"];
    STARTS.iter().any(|s| rest.len() >= s.len() && rest[..s.len()].eq_ignore_ascii_case(s.as_bytes()))
}

/// The first bytes, for the "not a dump" message.
fn describe(head: &[u8]) -> String {
    if head.is_empty() {
        return "the file is empty".into();
    }
    let shown: String = head.iter().take(8).map(|b| format!("{b:02x} ")).collect();
    format!("it starts with bytes {} (no plain, custom, directory or tar dump does)", shown.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(detect(b"--\n-- PostgreSQL database dump\n").unwrap(), Kind::Plain(Codec::None));
        assert_eq!(detect(b"\n\\restrict x\n").unwrap(), Kind::Plain(Codec::None));
        assert_eq!(detect(b"PGDMP\x01\x0e\x00\x04\x08\x01").unwrap(), Kind::Custom);
        assert!(matches!(detect(b"PGDMP\x01\x0e\x00\x04\x08\x03"), Err(DumpError::NotADump(_))));
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(detect(&tar).unwrap(), Kind::Tar);
        assert!(matches!(detect(b"\x89PNG\r\n"), Err(DumpError::NotADump(_))));
        assert!(matches!(detect(b""), Err(DumpError::NotADump(_))));
    }

    #[test]
    fn detects_compressed_plain() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"--\n-- PostgreSQL database dump\n").unwrap();
        assert_eq!(detect(&enc.finish().unwrap()).unwrap(), Kind::Plain(Codec::Gzip));
        let z = zstd::encode_all(&b"SET x = 1;\n"[..], 3).unwrap();
        assert_eq!(detect(&z).unwrap(), Kind::Plain(Codec::Zstd));
    }
}
