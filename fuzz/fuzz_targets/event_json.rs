//! Event-JSON field extraction (src/dendrite/event_json.rs) on any string.
//! Never panics, and accepts only what is JSON: a string serde_json cannot
//! read as a value is never taken for an event.
#![no_main]

#[allow(dead_code)]
#[path = "../../src/dendrite/event_json.rs"]
mod event_json;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(fields) = event_json::EventFields::parse(text) {
        assert!(serde_json::from_str::<serde_json::Value>(text).is_ok(), "parsed something that is not JSON");
        std::hint::black_box((fields.membership(), fields.displayname(), fields.redacts(), fields.relation()));
    }
});
