//! The COPY text decoder on any line and column count, then the value
//! parsers on every decoded field. Checks a decoded row has exactly the
//! requested number of fields; never panics.
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../src/dump/mod.rs"]
mod dump;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&columns, line)) = data.split_first() else { return };
    let columns = usize::from(columns % 16);
    let line = line.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let mut decoder = dump::copy_text::CopyDecoder::new();
    let _ = decoder.decode(line, columns, |fields| {
        assert_eq!(fields.len(), columns);
        for f in fields.iter().flatten() {
            let _ = dump::values::parse_bigint_array(f);
            let _ = dump::values::parse_text_array(f);
            let _ = dump::values::parse_bool(f);
        }
    });
});
