//! Rows for one Synapse table, as a convert module hands them to the
//! orchestrator: an explicit column list and typed values in that order.
//!
//! Values borrow from the model where they can (event JSON, IDs), so a table
//! costs little more than its row vectors.

use crate::synapse::Value;

pub struct Table<'m> {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Value<'m>>>,
}

impl<'m> Table<'m> {
    pub fn new(name: &'static str, columns: &'static [&'static str]) -> Table<'m> {
        Table { name, columns, rows: Vec::new() }
    }

    /// Adds one row; a wrong number of values is a bug in the caller.
    pub fn push(&mut self, row: Vec<Value<'m>>) {
        assert_eq!(row.len(), self.columns.len(), "row for {} has the wrong number of values", self.name);
        self.rows.push(row);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
}
