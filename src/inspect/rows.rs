//! `dump-rows`: every decoded row as one JSON line, so test scripts can
//! compare what the reader decodes with what PostgreSQL itself returns.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Result;

use crate::dump::{self, Row, TableHeader, Visitor, Want};

struct Printer<W: Write> {
    out: W,
    only: Vec<String>,
    /// `--count`: (rows, fields, field bytes) instead of printing.
    count: Option<(u64, u64, u64)>,
}

impl<W: Write> Visitor for Printer<W> {
    fn table(&mut self, t: &TableHeader) -> Result<Want> {
        let full = format!("{}.{}", t.schema, t.name);
        let wanted = self.only.is_empty() || self.only.iter().any(|o| *o == t.name || *o == full);
        Ok(if wanted { Want::Rows } else { Want::Skip })
    }

    fn row(&mut self, t: &TableHeader, row: &Row<'_>) -> Result<()> {
        if let Some((rows, fields, bytes)) = &mut self.count {
            *rows += 1;
            *fields += row.fields.len() as u64;
            *bytes += row.fields.iter().map(|f| f.as_ref().map_or(0, |s| s.len() as u64)).sum::<u64>();
            return Ok(());
        }
        let fields: Vec<Option<&str>> = row.fields.iter().map(|f| f.as_deref()).collect();
        serde_json::to_writer(&mut self.out, &(format!("{}.{}", t.schema, t.name), fields))?;
        self.out.write_all(b"\n")?;
        Ok(())
    }
}

pub fn dump_rows(dumps: &[PathBuf], only: &[String], count: bool) -> Result<()> {
    let mut set = dump::open(dumps)?;
    let stdout = io::stdout().lock();
    let mut printer = Printer { out: BufWriter::new(stdout), only: only.to_vec(), count: count.then_some((0, 0, 0)) };
    set.read(&mut printer)?;
    if let Some((rows, fields, bytes)) = printer.count {
        writeln!(printer.out, "{rows} rows, {fields} fields, {bytes} bytes of field text")?;
    }
    printer.out.flush()?;
    Ok(())
}
