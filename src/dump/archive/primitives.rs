//! The primitive encodings of pg_dump's archive format (`pg_backup_archiver.c`
//! ReadInt/ReadStr/ReadOffset), over any reader, tracking the byte offset.
//!
//! - Int: a sign byte (1 = negative), then `int_size` bytes of magnitude,
//!   little-endian (int_size is 4 in every dump seen; up to 8 accepted).
//! - Str: an Int length then that many bytes; length -1 is NULL.
//! - Offset: a flag byte (1 not set, 2 set, 3 no data) then `off_size`
//!   bytes little-endian.

use std::io::{self, Read};

use super::super::error::DumpError;

/// A string longer than this in a header or TOC is corruption, not data.
const MAX_STR: i64 = 256 * 1024 * 1024;

pub struct ArchiveReader<R> {
    pub inner: R,
    pub pos: u64,
    pub int_size: usize,
    pub off_size: usize,
}

impl<R: Read> ArchiveReader<R> {
    pub fn new(inner: R) -> Self {
        Self { inner, pos: 0, int_size: 4, off_size: 8 }
    }

    pub fn corrupt(&self, detail: impl Into<String>) -> DumpError {
        DumpError::CorruptArchive { offset: self.pos, detail: detail.into() }
    }

    /// Fills `buf` entirely; an early end is a truncated archive.
    pub fn exact(&mut self, buf: &mut [u8]) -> Result<(), DumpError> {
        let mut done = 0;
        while done < buf.len() {
            match self.inner.read(&mut buf[done..]) {
                Ok(0) => {
                    return Err(DumpError::Truncated(format!(
                        "archive ends at byte offset {} inside a header, TOC or data block",
                        self.pos
                    )))
                }
                Ok(n) => {
                    done += n;
                    self.pos += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.corrupt(format!("read error: {e}"))),
            }
        }
        Ok(())
    }

    pub fn byte(&mut self) -> Result<u8, DumpError> {
        let mut b = [0u8; 1];
        self.exact(&mut b)?;
        Ok(b[0])
    }

    /// A byte, or `None` at a clean end of input.
    pub fn byte_or_eof(&mut self) -> Result<Option<u8>, DumpError> {
        let mut b = [0u8; 1];
        loop {
            match self.inner.read(&mut b) {
                Ok(0) => return Ok(None),
                Ok(_) => {
                    self.pos += 1;
                    return Ok(Some(b[0]));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.corrupt(format!("read error: {e}"))),
            }
        }
    }

    pub fn int(&mut self) -> Result<i64, DumpError> {
        let mut buf = [0u8; 9];
        let n = 1 + self.int_size;
        self.exact(&mut buf[..n])?;
        let magnitude = buf[1..n].iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let value = i64::try_from(magnitude).map_err(|_| self.corrupt("integer out of range"))?;
        match buf[0] {
            0 => Ok(value),
            1 => Ok(-value),
            s => Err(self.corrupt(format!("integer sign byte is {s}, not 0 or 1"))),
        }
    }

    pub fn string(&mut self) -> Result<Option<String>, DumpError> {
        let len = self.int()?;
        if len == -1 {
            return Ok(None);
        }
        if !(0..=MAX_STR).contains(&len) {
            return Err(self.corrupt(format!("string length {len} is impossible")));
        }
        let mut buf = vec![0u8; len as usize];
        self.exact(&mut buf)?;
        // Names and SQL in the TOC are in the dump's encoding (UTF8 for
        // Dendrite); a stray byte must not stop us reading the table list.
        Ok(Some(String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())))
    }

    /// An Offset: its flag byte and value.
    pub fn offset(&mut self) -> Result<(u8, u64), DumpError> {
        let flag = self.byte()?;
        let mut buf = [0u8; 8];
        let n = self.off_size;
        self.exact(&mut buf[..n])?;
        Ok((flag, u64::from_le_bytes(buf)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_strings_offsets() {
        let bytes = [
            0, 5, 0, 0, 0, // 5
            1, 2, 1, 0, 0, // -258
            1, 1, 0, 0, 0, // -1: NULL string
            0, 2, 0, 0, 0, b'h', b'i', // "hi"
            2, 0x10, 0, 0, 0, 0, 0, 0, 0, // offset set, 16
        ];
        let mut r = ArchiveReader::new(&bytes[..]);
        assert_eq!(r.int().unwrap(), 5);
        assert_eq!(r.int().unwrap(), -258);
        assert_eq!(r.string().unwrap(), None);
        assert_eq!(r.string().unwrap().as_deref(), Some("hi"));
        assert_eq!(r.offset().unwrap(), (2, 16));
        assert_eq!(r.pos, bytes.len() as u64);
        assert!(r.byte_or_eof().unwrap().is_none());
        assert!(matches!(r.int(), Err(DumpError::Truncated(_))));
        let mut bad = ArchiveReader::new(&[7u8, 0, 0, 0, 0][..]);
        assert!(matches!(bad.int(), Err(DumpError::CorruptArchive { offset: 5, .. })));
    }
}
