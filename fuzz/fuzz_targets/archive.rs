//! Any bytes, written to a file, through format detection and the reader of
//! whatever format they look like (plain, compressed plain, custom, tar).
//! The reader must return an error or rows, never panic or hang.
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../src/dump/mod.rs"]
mod dump;

use std::io::Write;

use libfuzzer_sys::fuzz_target;

struct Touch;

impl dump::Visitor for Touch {
    fn table(&mut self, _t: &dump::TableHeader) -> anyhow::Result<dump::Want> {
        Ok(dump::Want::Rows)
    }
    fn row(&mut self, _t: &dump::TableHeader, row: &dump::Row<'_>) -> anyhow::Result<()> {
        std::hint::black_box(row.fields.iter().map(|f| f.as_ref().map_or(0, |s| s.len())).sum::<usize>());
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("d2s-fuzz-{}.dump", std::process::id()));
    std::fs::File::create(&path).unwrap().write_all(data).unwrap();
    if let Ok(mut set) = dump::open(&[path.clone()]) {
        let _ = set.read(&mut Touch);
    }
});
