//! Rows for one Synapse table, as a convert module hands them to the
//! orchestrator: an explicit column list and typed values in that order.
//!
//! Values borrow from the model where they can (event JSON, IDs), so a table
//! costs little more than its row vectors. The biggest tables (one row per
//! event) are not held at all: a [`Producer`] makes their rows one at a time
//! while the writer writes them, and [`Table::streamed`] runs a producer
//! once up front to count rows and record what it leaves out.

use super::report::Skipped;
use crate::synapse::Value;

/// Where a producer hands its rows.
pub type Sink<'s> = dyn FnMut(&[Value<'_>]) -> anyhow::Result<()> + 's;

/// Hands each row to `sink`, in order; used for tables too big to hold.
pub type Producer<'m> = Box<dyn Fn(&mut Sink<'_>) -> anyhow::Result<()> + 'm>;

pub struct Table<'m> {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Value<'m>>>,
    /// Rows made while writing, and how many there will be.
    produced: Option<(usize, Producer<'m>)>,
}

impl<'m> Table<'m> {
    pub fn new(name: &'static str, columns: &'static [&'static str]) -> Table<'m> {
        Table { name, columns, rows: Vec::new(), produced: None }
    }

    /// A table whose `len` rows `producer` makes on demand.
    pub fn produced(
        name: &'static str,
        columns: &'static [&'static str],
        len: usize,
        producer: Producer<'m>,
    ) -> Table<'m> {
        Table { name, columns, rows: Vec::new(), produced: Some((len, producer)) }
    }

    /// A table whose rows `visit` makes twice: now, to count them and to
    /// record in `skipped` (under the table's name) each reason it gives for
    /// leaving something out, and again while the table is written.
    pub fn streamed(
        name: &'static str,
        columns: &'static [&'static str],
        skipped: &mut Skipped,
        visit: impl Fn(&mut Sink<'_>, &mut dyn FnMut(&'static str)) -> anyhow::Result<()> + 'm,
    ) -> anyhow::Result<Table<'m>> {
        let mut len = 0;
        visit(
            &mut |row| {
                assert_eq!(row.len(), columns.len(), "row for {name} has the wrong number of values");
                len += 1;
                Ok(())
            },
            &mut |reason| skipped.add(name, reason),
        )?;
        Ok(Table::produced(name, columns, len, Box::new(move |sink| visit(sink, &mut |_| {}))))
    }

    /// Every row, held and produced, to `sink`.
    pub fn each_row(&self, sink: &mut Sink<'_>) -> anyhow::Result<()> {
        for r in &self.rows {
            sink(r)?;
        }
        match &self.produced {
            Some((_, producer)) => producer(sink),
            None => Ok(()),
        }
    }

    /// Adds one row; a wrong number of values is a bug in the caller.
    pub fn push(&mut self, row: Vec<Value<'m>>) {
        assert_eq!(row.len(), self.columns.len(), "row for {} has the wrong number of values", self.name);
        self.rows.push(row);
    }

    pub fn len(&self) -> usize {
        self.rows.len() + self.produced.as_ref().map_or(0, |(n, _)| *n)
    }
}
