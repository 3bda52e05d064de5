//! Event JSON kept on disk, not in memory: `roomserver_event_json` is
//! appended to a temporary file while the dump is read, and each event keeps
//! only where its JSON lies ([`Span`]: offset and length, 16 bytes).
//!
//! The JSON is most of a dump and most of what convert would hold (about
//! 860 bytes per event on a real server's shape, more where messages are
//! long), so holding it made memory grow with the size of the events rather
//! than with their number (docs/performance.md). It is read back twice: in
//! chunks while the events are planned (the few fields convert needs are
//! parsed into compact owned values then), and while the `event_json` rows
//! are written, in the same NID order. A few modules read single events
//! (current state, notifications) with [`JsonSpill::get`].
//!
//! How it works: one file, written through a buffer, then only read with
//! positioned reads (`pread`), which share no file offset, so any number of
//! readers (and threads) may read at once. [`Window`] serves a run of reads
//! in file order from one buffer: dump order is mostly NID order, so reading
//! in NID order is a sequential read of the file.
//!
//! Trap: "mostly". A row PostgreSQL rewrote (Dendrite updates the JSON of an
//! event it redacts) sits where the update put it, usually near the end.
//! Moving the window there would cost a window read for it and another to
//! come back, and a window left there would make every later read a stray.
//! So the window follows the run (each read starting where the last one
//! ended, give or take a few skipped rows), a read away from it is read on
//! its own, and only after several strays in a row does the run start anew.
//!
//! The file holds event content: it is created in the output's directory
//! ($TMPDIR when writing to stdout) already unlinked
//! (`tempfile::tempfile_in`: `O_TMPFILE` on Linux, else unlinked at once),
//! so it is gone on every exit path, an error or a kill included, and made
//! 0600 before anything is written to it.
//!
//! Traps: the text is checked to be UTF-8 again when read back (it was
//! written from `&str`, but a file can be changed underneath); a `Span` is
//! only meaningful for the spill that made it.

use std::fs::{File, Permissions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, Result};

/// Where one event's JSON lies in the spill file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub offset: u64,
    pub len: u32,
}

/// The temporary file of event JSON: appended while reading, then read.
pub struct JsonSpill {
    file: File,
    writer: Option<BufWriter<File>>,
    end: u64,
}

/// Bytes a [`Window`] reads at a time (more when one event is larger).
const WINDOW: usize = 1 << 20;

impl JsonSpill {
    /// A new, empty, already unlinked 0600 file in `dir`.
    pub fn create(dir: &Path) -> Result<JsonSpill> {
        let file = tempfile::tempfile_in(dir)
            .with_context(|| format!("creating a temporary file for event JSON in {}", dir.display()))?;
        // Unnamed, yet 0600 too: `O_TMPFILE` applies the umask only (0644 by default).
        file.set_permissions(Permissions::from_mode(0o600)).context("making the event JSON file private")?;
        let writer = BufWriter::with_capacity(WINDOW, file.try_clone()?);
        Ok(JsonSpill { file, writer: Some(writer), end: 0 })
    }

    /// Appends one event's JSON.
    pub fn push(&mut self, json: &str) -> Result<Span> {
        let len = u32::try_from(json.len()).context("an event JSON of 4 GiB or more")?;
        let w = self.writer.as_mut().context("event JSON spilled after reading ended")?;
        w.write_all(json.as_bytes()).context("writing event JSON to the temporary file")?;
        let span = Span { offset: self.end, len };
        self.end += u64::from(len);
        Ok(span)
    }

    /// Ends writing: everything is in the file from here on.
    pub fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            w.into_inner().map_err(|e| e.into_error()).context("writing event JSON to the temporary file")?;
        }
        Ok(())
    }

    /// One event's JSON, read on its own.
    pub fn get(&self, span: Span) -> Result<String> {
        let mut buf = vec![0; span.len as usize];
        self.read_at(&mut buf, span.offset)?;
        String::from_utf8(buf).context("event JSON in the temporary file is no longer UTF-8")
    }

    /// A reader for a run of events in (mostly) file order.
    pub fn window(&self) -> Window<'_> {
        Window { spill: self, buf: Vec::new(), start: 0, cursor: 0, strays: 0, single: Vec::new() }
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        self.file.read_exact_at(buf, offset).context("reading event JSON back from the temporary file")
    }
}

/// Reads events through a buffer of the file: a read inside the buffer
/// costs no system call, one that goes on with the run past it refills the
/// buffer from there, a stray is read on its own (see the module comment).
pub struct Window<'s> {
    spill: &'s JsonSpill,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    start: u64,
    /// Where the run goes on: the end of its last read.
    cursor: u64,
    /// Strays read since the run's last read.
    strays: u32,
    /// The last stray.
    single: Vec<u8>,
}

/// Bytes a run may skip (rows of events not read, such as orphans).
const RUN_GAP: u64 = 1 << 16;

/// Strays in a row after which the next read starts a new run.
const RUN_LOST: u32 = 16;

impl Window<'_> {
    pub fn read(&mut self, span: Span) -> Result<&str> {
        let in_run = span.offset >= self.cursor && span.offset - self.cursor <= RUN_GAP;
        if !in_run && self.strays < RUN_LOST {
            self.strays += 1;
            return self.stray(span);
        }
        self.strays = 0;
        self.cursor = span.offset + u64::from(span.len);
        let len = span.len as usize;
        let inside = span.offset >= self.start && self.cursor <= self.start + self.buf.len() as u64;
        if !inside {
            let n = (WINDOW.max(len) as u64).min(self.spill.end.saturating_sub(span.offset)) as usize;
            self.buf.resize(n.max(len), 0);
            self.spill.read_at(&mut self.buf, span.offset)?;
            self.start = span.offset;
        }
        let at = (span.offset - self.start) as usize;
        utf8(&self.buf[at..at + len])
    }

    fn stray(&mut self, span: Span) -> Result<&str> {
        self.single.resize(span.len as usize, 0);
        self.spill.read_at(&mut self.single, span.offset)?;
        utf8(&self.single)
    }
}

fn utf8(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).context("event JSON in the temporary file is no longer UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_back_in_any_order_through_windows_and_singly() {
        let dir = tempfile::tempdir().unwrap();
        let mut spill = JsonSpill::create(dir.path()).unwrap();
        let texts: Vec<String> =
            (0..3000).map(|i| format!("{{\"n\":{i},\"b\":\"{}é\"}}", "x".repeat(i % 700))).collect();
        let big = "y".repeat(3 * WINDOW);
        let mut spans: Vec<Span> = texts.iter().map(|t| spill.push(t).unwrap()).collect();
        spans.push(spill.push(&big).unwrap());
        spans.push(spill.push("").unwrap());
        spill.finish().unwrap();
        let want: Vec<&str> = texts.iter().map(String::as_str).chain([big.as_str(), ""]).collect();
        let mut w = spill.window();
        for (span, text) in spans.iter().zip(&want) {
            assert_eq!(w.read(*span).unwrap(), *text);
        }
        for (span, text) in spans.iter().zip(&want).rev().step_by(7) {
            assert_eq!(w.read(*span).unwrap(), *text);
            assert_eq!(spill.get(*span).unwrap(), *text);
        }
        // Nothing with the spill's content is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// In file order but for some events moved to the end (as updated rows
    /// are): one pass of windows, whatever the order of the reads.
    #[test]
    fn events_moved_away_do_not_move_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let mut spill = JsonSpill::create(dir.path()).unwrap();
        let text = |i: usize| format!("{{\"n\":{i},\"pad\":\"{}\"}}", "p".repeat(900));
        let moved = |i: usize| i % 100 == 7 || (5000..5040).contains(&i);
        let mut spans = vec![None; 10_000];
        for i in (0..10_000).filter(|&i| !moved(i)).chain((0..10_000).filter(|&i| moved(i))) {
            spans[i] = Some(spill.push(&text(i)).unwrap());
        }
        spill.finish().unwrap();
        let mut w = spill.window();
        let mut starts = std::collections::BTreeSet::new();
        for (i, span) in spans.iter().enumerate() {
            assert_eq!(w.read(span.unwrap()).unwrap(), text(i));
            starts.insert(w.start);
        }
        // 10 windows cover the file once; a window moved to the end and back costs more.
        assert!(starts.len() <= 10 + 2, "{} window reads", starts.len());
    }

    #[test]
    fn the_file_is_private_and_a_span_past_the_end_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut spill = JsonSpill::create(dir.path()).unwrap();
        assert_eq!(spill.file.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        let span = spill.push("{}").unwrap();
        spill.finish().unwrap();
        assert!(spill.get(Span { offset: 1, len: 2 }).is_err());
        assert!(spill.window().read(Span { offset: 0, len: 3 }).is_err());
        assert_eq!(spill.get(span).unwrap(), "{}");
        assert!(JsonSpill::create(&dir.path().join("missing")).is_err());
    }
}
