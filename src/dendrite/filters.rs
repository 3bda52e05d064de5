//! Sync filters (`syncapi_filter`): the filter JSON, its ID (a SERIAL shared
//! by all users, so IDs are unique server-wide) and the owner's **localpart**
//! (no server name: virtual hosts share one namespace here).

use anyhow::Result;

use super::columns::{columns, Fields};
use crate::dump::Row;

pub struct Filter {
    pub localpart: String,
    pub id: i64,
    pub json: String,
}

#[derive(Default)]
pub struct Filters {
    pub filters: Vec<Filter>,
}

impl Filters {
    pub fn finish(&mut self) {
        self.filters.sort_by(|a, b| (&a.localpart, a.id).cmp(&(&b.localpart, b.id)));
    }
}

columns! {
    pub struct FilterCols {
        json: required("filter"),
        id: required("id"),
        localpart: required("localpart"),
    }
}

impl FilterCols {
    pub fn load(&self, f: &mut Filters, row: &Row) -> Result<()> {
        let r = Fields(row);
        f.filters.push(Filter {
            localpart: r.string(self.localpart)?,
            id: r.i64(self.id)?,
            json: r.string(self.json)?,
        });
        Ok(())
    }
}
