//! Event-JSON field extraction (src/dendrite/event_json.rs) on any string.
//! Never panics, and accepts only what is JSON: a string that is not JSON
//! text is never taken for an event. The oracle reads the syntax only
//! (`IgnoredAny`): `serde_json::Value` also refuses numbers beyond f64
//! (`17E+95720333235`), which are JSON all the same (the fuzzer found one in
//! a field the extraction does not read).
#![no_main]

#[allow(dead_code)]
#[path = "../../src/dendrite/event_json.rs"]
mod event_json;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(fields) = event_json::EventFields::parse(text) {
        assert!(serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok(), "parsed something that is not JSON");
        std::hint::black_box((fields.membership(), fields.displayname(), fields.redacts(), fields.relation()));
    }
});
