//! The value parsers on any string: PostgreSQL arrays (bigint[], text[]),
//! booleans and bytea (hex and escape formats). Never panics; a bytea
//! written in hex by the rules of PostgreSQL's `byteaout` parses back to the
//! same bytes (the oracle is the format's definition, not the parser).
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../src/dump/mod.rs"]
mod dump;

use dump::values;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = values::parse_bigint_array(&text);
    let _ = values::parse_text_array(&text);
    let _ = values::parse_bool(&text);
    let _ = values::parse_bytea(&text);
    let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(values::parse_bytea(&format!("\\x{hex}")).unwrap(), data);
});
