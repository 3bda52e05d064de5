//! Reading on two cores: a helper thread does the I/O and decompression and
//! cuts the stream into blocks that end on a line end; this thread walks the
//! lines of each block in place (no second copy) and decodes the rows.
//!
//! The hand-over is bounded (three blocks in flight, buffers recycled), so
//! memory stays bounded by a few MiB plus the longest line. A source error
//! arrives in order, after the lines before it. When the consumer stops
//! early, dropping its end wakes a producer blocked on a full channel, which
//! then ends before the thread scope joins it.

use std::io::{self, Read};
use std::sync::mpsc;

use memchr::{memchr, memrchr};

use super::lines::{Line, LineSource};

/// Target block size; a block grows past it only to finish a long line.
const BLOCK: usize = 1 << 20;

/// Runs `source` on a helper thread and hands `consume` its lines.
pub fn lines<R: Read + Send, T>(source: R, consume: impl FnOnce(&mut dyn LineSource) -> T) -> T {
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(3);
        let (recycle, recycled) = mpsc::channel::<Vec<u8>>();
        scope.spawn(move || produce(source, &tx, &recycled));
        let mut lines = BlockLines { rx, recycle, block: Vec::new(), pos: 0, base: 0, last: 0, done: false };
        consume(&mut lines)
    })
}

/// Reads `source` into blocks that end with `\n` (all but the last).
fn produce<R: Read>(mut source: R, tx: &mpsc::SyncSender<io::Result<Vec<u8>>>, recycled: &mpsc::Receiver<Vec<u8>>) {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        // A recycled block keeps its length, so resizing it zero-fills
        // nothing; only a fresh or grown block is initialised.
        let mut block = recycled.try_recv().unwrap_or_default();
        if block.len() < BLOCK + 64 * 1024 {
            block.resize(BLOCK + 64 * 1024, 0);
        }
        block[..carry.len()].copy_from_slice(&carry);
        let mut filled = carry.len();
        carry.clear();
        let mut eof = false;
        // Fill to BLOCK, and beyond only while the block holds no line end.
        // (memrchr: the last line end is near the end, so this is cheap.)
        while filled < BLOCK || memrchr(b'\n', &block[..filled]).is_none() {
            if block.len() - filled < 64 * 1024 {
                block.resize(block.len() * 2, 0);
            }
            match source.read(&mut block[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    block.truncate(filled);
                    if !block.is_empty() {
                        let _ = tx.send(Ok(block));
                    }
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
        block.truncate(filled);
        if !eof {
            if let Some(end) = memrchr(b'\n', &block) {
                carry.extend_from_slice(&block[end + 1..]);
                block.truncate(end + 1);
            }
        }
        if (!block.is_empty() && tx.send(Ok(block)).is_err()) || eof {
            return;
        }
    }
}

/// The consumer's end: the lines of the current block, borrowed in place.
struct BlockLines {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    recycle: mpsc::Sender<Vec<u8>>,
    block: Vec<u8>,
    pos: usize,
    /// Stream offset of `block[0]`.
    base: u64,
    last: u64,
    done: bool,
}

impl LineSource for BlockLines {
    fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        while self.pos == self.block.len() {
            if self.done {
                return Ok(None);
            }
            match self.rx.recv() {
                Ok(Ok(next)) => {
                    self.base += self.block.len() as u64;
                    let old = std::mem::replace(&mut self.block, next);
                    let _ = self.recycle.send(old);
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
        let start = self.pos;
        self.last = self.base + start as u64;
        let rest = &self.block[start..];
        Ok(Some(match memchr(b'\n', rest) {
            Some(i) => {
                self.pos += i + 1;
                Line { bytes: &rest[..i], terminated: true }
            }
            None => {
                self.pos = self.block.len();
                Line { bytes: rest, terminated: false }
            }
        }))
    }

    fn line_offset(&self) -> u64 {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns at most 7 bytes per call, to cut lines at every place.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(7).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn collect(src: impl Read + Send) -> Vec<(Vec<u8>, bool, u64)> {
        lines(src, |l| {
            let mut v = Vec::new();
            while let Some(line) = l.next_line().unwrap() {
                let item = (line.bytes.to_vec(), line.terminated);
                v.push((item.0, item.1, l.line_offset()));
            }
            v
        })
    }

    #[test]
    fn lines_survive_block_cuts_and_long_lines() {
        let long = vec![b'y'; BLOCK * 2 + 3];
        let mut text = b"a\n\nbc\n".to_vec();
        text.extend_from_slice(&long);
        text.extend_from_slice(b"\n");
        for i in 0..30_000u32 {
            text.extend_from_slice(format!("row {i}\n").as_bytes());
        }
        text.extend_from_slice(b"last");
        let mut expected = Vec::new();
        let mut offset = 0u64;
        let mut parts: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        let tail = parts.pop().unwrap();
        for p in parts {
            expected.push((p.to_vec(), true, offset));
            offset += p.len() as u64 + 1;
        }
        expected.push((tail.to_vec(), false, offset));
        assert_eq!(collect(&text[..]), expected);
        assert_eq!(collect(Trickle(&text[..20_000])).len(), collect(&text[..20_000]).len());
        assert!(collect(&b""[..]).is_empty());
    }

    #[test]
    fn an_early_stop_ends_the_producer() {
        let text = b"line\n".repeat(2_000_000);
        let first = lines(&text[..], |l| l.next_line().unwrap().map(|l| l.bytes.to_vec()));
        assert_eq!(first.as_deref(), Some(&b"line"[..]));
    }
}
