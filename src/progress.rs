//! The "reading dump" progress bar shared by `convert` and `inspect`: bytes of
//! the inputs read, on stderr, only when stderr is a terminal (scripts and
//! pipes get no control characters).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::dump::DumpSet;

/// Attaches a byte bar to `set` when its inputs total at least `min_bytes`;
/// the caller calls `finish_and_clear` on the bar after reading.
pub fn reading_dump(set: &mut DumpSet, min_bytes: u64) -> Option<ProgressBar> {
    let total = set.total_size();
    if !std::io::stderr().is_terminal() || total < min_bytes {
        return None;
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{spinner} reading dump {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
            .expect("valid template"),
    );
    let handle = bar.clone();
    set.set_progress(move |done| handle.set_position(done));
    Some(bar)
}
