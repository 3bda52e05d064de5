//! Negative control for scripts/tests/60-fuzz: a planted panic on inputs that
//! start with "d2s!". The suite requires the fuzzer to find it within its run
//! and the run to fail, which shows a panic in a real target would fail CI.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Byte by byte, so each matched byte is new coverage the fuzzer builds on.
    if data.first() == Some(&b'd') && data.get(1) == Some(&b'2') && data.get(2) == Some(&b's') && data.get(3) == Some(&b'!') {
        panic!("planted panic");
    }
});
