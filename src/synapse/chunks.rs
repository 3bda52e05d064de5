//! Ordered parallel encoding: the rows of a big block made and encoded as
//! COPY text on every core, written in their order.
//!
//! How it works: a ranged producer ([`RangeProducer`]) makes the rows of any
//! range of its items (the planned events, say) on any thread. The items are
//! cut into chunks of [`CHUNK`]; a wave of [`WAVE`] chunks is encoded in
//! parallel (rayon), each chunk into its own buffer, and the buffers are
//! written in chunk order while the next wave is encoded. The file is the
//! same bytes as one thread making and writing every row in turn.
//!
//! Traps:
//!
//! * **Memory stays bounded**: at most two waves of encoded text are held
//!   (the one being written, the one being encoded), a few megabytes for
//!   event JSON, whatever the size of the table.
//! * **Errors come in order**: a chunk stops at its first failing row (a NUL
//!   byte, or the producer's own error) and keeps the rows before it; chunks
//!   are written in order up to that row, so the error names the same row,
//!   and the file holds the same rows before it, as when writing one by one.
//!   Later chunks of the wave are dropped.
//! * **The rows must not depend on the cut**: tests run a producer over all
//!   its items at once, the writer by chunks, so the rows of a range are the
//!   same whatever ranges came before (it reads only the model and the plan).

use std::ops::Range;

use rayon::prelude::*;

use super::row::{FieldNul, Row, Sink};
use super::Script;

/// Makes the rows of `range` (of the producer's items) into the sink; called
/// for consecutive ranges, on any thread, several at once.
pub type MakeRange<'a, R> = dyn Fn(Range<usize>, &mut Sink<'_, R>) -> anyhow::Result<()> + Sync + 'a;

/// A [`MakeRange`] a block keeps until it is written.
pub type RangeProducer<'a, R> = Box<MakeRange<'a, R>>;

/// Items per chunk: about 1 MB of event JSON, one read of the spill window.
pub const CHUNK: usize = 1024;

/// Chunks encoded at once (two per core, so uneven chunks even out).
const WAVE: usize = 4;

/// One chunk's rows as COPY text (each ending in a newline), and why it
/// stopped early if it did.
#[derive(Default)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub rows: u64,
    pub failed: Option<Failed>,
}

/// Why a chunk stopped: the row after its last one failed.
pub enum Failed {
    /// The row held a NUL byte in this field.
    Nul(FieldNul),
    /// The producer failed.
    Make(anyhow::Error),
}

/// Writes the rows of `items` items, made by `make`, into the open COPY
/// block of `script`, in order.
pub fn write<R: Row>(script: &mut Script, items: usize, make: &MakeRange<'_, R>) -> anyhow::Result<()> {
    let mut pending = Vec::new();
    for start in (0..items).step_by(CHUNK * WAVE) {
        let wave = start..items.min(start + CHUNK * WAVE);
        let done = std::mem::take(&mut pending);
        let (written, next) = rayon::join(|| write_all(script, R::COLUMNS.len(), done), || encode_wave(wave, make));
        written?;
        pending = next;
    }
    write_all(script, R::COLUMNS.len(), pending)
}

fn write_all(script: &mut Script, columns: usize, chunks: Vec<Encoded>) -> anyhow::Result<()> {
    chunks.into_iter().try_for_each(|c| script.encoded_rows(columns, c))
}

fn encode_wave<R: Row>(wave: Range<usize>, make: &MakeRange<'_, R>) -> Vec<Encoded> {
    let starts: Vec<usize> = wave.clone().step_by(CHUNK).collect();
    starts.into_par_iter().map(|s| encode(s..wave.end.min(s + CHUNK), make)).collect()
}

/// The rows `make` gives for `range`, encoded, up to the first that fails.
pub fn encode<R: Row>(range: Range<usize>, make: &MakeRange<'_, R>) -> Encoded {
    let mut out = Encoded::default();
    let made = make(range, &mut |row: &R| {
        let start = out.bytes.len();
        match row.encode(&mut out.bytes) {
            Ok(()) => {
                out.bytes.push(b'\n');
                out.rows += 1;
                Ok(())
            }
            Err(nul) => {
                out.bytes.truncate(start);
                out.failed = Some(Failed::Nul(nul));
                Err(anyhow::anyhow!("row not encoded"))
            }
        }
    });
    if let (Err(e), None) = (made, &out.failed) {
        out.failed = Some(Failed::Make(e));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::synapse::tables::StateEvent;

    /// Item `i` makes `i % 3` rows (none, one or two), so chunks and waves
    /// hold uneven numbers of rows; the row of item `nul` holds a NUL byte.
    fn rows_of(range: Range<usize>, sink: &mut Sink<'_, StateEvent<'static>>, nul: usize) -> anyhow::Result<()> {
        for i in range {
            for k in 0..i % 3 {
                let key = if i == nul { format!("\\t\0{k}") } else { format!("\\k\t{k}") };
                let id = format!("${i}");
                sink(&StateEvent {
                    event_id: Cow::Owned(id),
                    room_id: "!r:x".into(),
                    event_type: "m.room.member".into(),
                    state_key: Cow::Owned(key),
                })?;
            }
        }
        Ok(())
    }

    /// What the script holds after writing `items` items one row at a
    /// time (`chunked` false) or by chunks on every core, and the error.
    fn written(items: usize, nul: usize, chunked: bool) -> (Vec<u8>, Option<String>) {
        let mut script = Script::in_memory();
        script.begin_copy("state_events", StateEvent::COLUMNS).unwrap();
        let make = |range: Range<usize>, sink: &mut Sink<'_, StateEvent<'static>>| rows_of(range, sink, nul);
        let result = if chunked {
            write(&mut script, items, &make)
        } else {
            make(0..items, &mut |row| Ok(script.typed_row(row)?))
        };
        (script.memory().to_vec(), result.err().map(|e| format!("{e:#}")))
    }

    #[test]
    fn chunks_write_the_bytes_and_the_error_one_thread_writes() {
        let items = 2 * CHUNK * WAVE + CHUNK / 2 + 1;
        let (one, none) = written(items, usize::MAX, false);
        let (many, none_too) = written(items, usize::MAX, true);
        assert!(none.is_none() && none_too.is_none());
        assert_eq!(one.len(), many.len());
        assert!(one == many, "the chunked output differs");
        let last = (0..items).rev().find(|i| i % 3 > 0).unwrap();
        let want = format!("${last}\t!r:x\tm.room.member\t\\\\k\\t{}\n", last % 3 - 1);
        assert!(one.ends_with(want.as_bytes()), "{want:?}");
        // A NUL in the second wave: same rows before it, same row named.
        let nul = (CHUNK * WAVE + CHUNK + 7..).find(|i| i % 3 == 2).unwrap();
        let (one, err) = written(items, nul, false);
        let (many, err_too) = written(items, nul, true);
        assert!(one == many, "the rows before the NUL differ");
        let err = err.expect("a NUL is an error");
        assert_eq!(Some(&err), err_too.as_ref());
        let row = (0..nul).map(|i| i % 3).sum::<usize>() + 1;
        assert!(err.contains(&format!("table state_events, column state_key, row {row}:")), "{err}");
    }
}
