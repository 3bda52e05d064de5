//! Rows made while they are written, for the tables with a row per event.
//!
//! A convert module hands most tables over as held rows
//! ([`Rows`](crate::synapse::Rows)). The biggest ones (one row or more per
//! event) are never held: [`streamed`] runs the module's row maker once up
//! front, to count the rows and to record what it leaves out, and keeps it
//! as the producer the writer runs again while writing. The maker must give
//! the same rows both times (it reads only the model and the plan).

use super::report::{Skip, Skipped};
use crate::synapse::row::{Row, Rows, Sink};

/// `visit` makes the rows into its sink and names each thing it leaves out;
/// it runs now (count, skips recorded) and again at write time.
pub fn streamed<'a, R: Row + 'a>(
    skipped: &mut Skipped,
    visit: impl Fn(&mut Sink<'_, R>, &mut dyn FnMut(Skip)) -> anyhow::Result<()> + 'a,
) -> anyhow::Result<Rows<'a, R>> {
    let mut len = 0;
    visit(
        &mut |_| {
            len += 1;
            Ok(())
        },
        &mut |skip| skipped.add(skip),
    )?;
    Ok(Rows::produced(len, Box::new(move |sink| visit(sink, &mut |_| {}))))
}

/// A block's rows as dynamic values, for tests that look columns up by name.
#[cfg(test)]
pub struct Table<'a> {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<crate::synapse::Value<'a>>>,
}

/// One block (held and produced rows), owned.
#[cfg(test)]
pub fn dynamic(b: &dyn crate::synapse::row::Block) -> Table<'static> {
    let rows = b.values().into_iter().map(|r| r.into_iter().map(crate::synapse::Value::into_owned).collect());
    Table { name: b.table(), columns: b.columns(), rows: rows.collect() }
}

/// Every block of `t`, in load order.
#[cfg(test)]
pub fn all(t: &crate::synapse::Tables<'_>) -> Vec<Table<'static>> {
    t.blocks().into_iter().map(dynamic).collect()
}
