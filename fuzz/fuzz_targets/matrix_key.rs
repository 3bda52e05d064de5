//! Any bytes as `matrix_key.pem`. Never panics; a key it accepts has a key
//! id Synapse's `signing.key` line can carry (one line, three fields).
#![no_main]

#[allow(dead_code)]
#[path = "../../src/identity/key.rs"]
mod key;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(k) = key::parse_pem(data, std::path::Path::new("matrix_key.pem")) {
        let line = k.synapse_line();
        assert_eq!(line.matches('\n').count(), 1);
        assert_eq!(line.split_whitespace().count(), 3, "{line:?}");
        std::hint::black_box(k.public_base64());
    }
});
