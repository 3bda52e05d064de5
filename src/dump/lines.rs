//! Line sources: the bytes of a plain dump or of one table's COPY data,
//! handed out one line at a time without copying when possible.
//!
//! `SliceLines` walks an in-memory buffer (tests) and returns sub-slices of
//! it. `StreamLines` reads from any `Read` (a decompressor,
//! stdin, a tar member) into a buffer that grows only to the longest line,
//! so memory stays bounded by the biggest row, not by the dump.

use std::io::{self, Read};

use memchr::memchr;

/// A line as returned by a [`LineSource`]: its bytes without the `\n`, and
/// whether the `\n` was there (the last line of a truncated input lacks it).
pub struct Line<'a> {
    pub bytes: &'a [u8],
    pub terminated: bool,
}

pub trait LineSource {
    fn next_line(&mut self) -> io::Result<Option<Line<'_>>>;
    /// Offset of the start of the line last returned, in the decoded stream.
    fn line_offset(&self) -> u64;
    /// Input bytes consumed, when the source itself knows (a buffer in memory);
    /// streamed sources are counted by a `Counting` reader instead.
    fn consumed(&self) -> Option<u64> {
        None
    }
}

#[cfg(test)]
pub struct SliceLines<'a> {
    data: &'a [u8],
    pos: usize,
    last: usize,
}

#[cfg(test)]
impl<'a> SliceLines<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0, last: 0 }
    }
}

#[cfg(test)]
impl LineSource for SliceLines<'_> {
    fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        let rest = &self.data[self.pos..];
        if rest.is_empty() {
            return Ok(None);
        }
        self.last = self.pos;
        Ok(Some(match memchr(b'\n', rest) {
            Some(i) => {
                self.pos += i + 1;
                Line { bytes: &rest[..i], terminated: true }
            }
            None => {
                self.pos = self.data.len();
                Line { bytes: rest, terminated: false }
            }
        }))
    }

    fn line_offset(&self) -> u64 {
        self.last as u64
    }

    fn consumed(&self) -> Option<u64> {
        Some(self.pos as u64)
    }
}

pub struct StreamLines<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    scan: usize,
    end: usize,
    eof: bool,
    /// Stream offset of `buf[0]`.
    base: u64,
    last: u64,
}

const CHUNK: usize = 256 * 1024;

impl<R: Read> StreamLines<R> {
    pub fn new(inner: R) -> Self {
        Self { inner, buf: vec![0; CHUNK], start: 0, scan: 0, end: 0, eof: false, base: 0, last: 0 }
    }

    /// Moves unread bytes to the front (growing the buffer when one line
    /// fills it) and reads more. Returns false at end of input.
    fn refill(&mut self) -> io::Result<bool> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start as u64;
            self.end -= self.start;
            self.scan -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

impl<R: Read> LineSource for StreamLines<R> {
    fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        loop {
            if let Some(i) = memchr(b'\n', &self.buf[self.scan..self.end]) {
                let (s, e) = (self.start, self.scan + i);
                self.start = e + 1;
                self.scan = e + 1;
                self.last = self.base + s as u64;
                return Ok(Some(Line { bytes: &self.buf[s..e], terminated: true }));
            }
            self.scan = self.end;
            if !self.eof && !self.refill()? {
                self.eof = true;
            }
            if self.eof {
                if self.start == self.end {
                    return Ok(None);
                }
                let s = self.start;
                self.start = self.end;
                self.scan = self.end;
                self.last = self.base + s as u64;
                return Ok(Some(Line { bytes: &self.buf[s..self.end], terminated: false }));
            }
        }
    }

    fn line_offset(&self) -> u64 {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(src: &mut dyn LineSource) -> Vec<(String, bool, u64)> {
        let mut v = Vec::new();
        while let Some(l) = src.next_line().unwrap() {
            let s = String::from_utf8(l.bytes.to_vec()).unwrap();
            let t = l.terminated;
            v.push((s, t, src.line_offset()));
        }
        v
    }

    /// A reader that returns at most 3 bytes per call, to exercise refills.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(3).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn slice_and_stream_agree() {
        let long = "y".repeat(CHUNK * 2 + 5);
        let text = format!("a\n\nbc\n{long}\nlast");
        let expected = vec![
            ("a".to_string(), true, 0),
            ("".to_string(), true, 2),
            ("bc".to_string(), true, 3),
            (long.clone(), true, 6),
            ("last".to_string(), false, 6 + long.len() as u64 + 1),
        ];
        assert_eq!(collect(&mut SliceLines::new(text.as_bytes())), expected);
        assert_eq!(collect(&mut StreamLines::new(text.as_bytes())), expected);
        assert_eq!(collect(&mut StreamLines::new(Trickle(text.as_bytes()))), expected);
        assert!(collect(&mut StreamLines::new(&b""[..])).is_empty());
    }
}
