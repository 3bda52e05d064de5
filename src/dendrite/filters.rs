//! Sync filters (`syncapi_filter`): the filter JSON, its ID (a SERIAL shared
//! by all users, so IDs are unique server-wide) and the owner's **localpart**
//! (no server name: virtual hosts share one namespace here).

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

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

pub struct FilterCols {
    json: Col,
    id: Col,
    localpart: Col,
}

impl FilterCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(FilterCols { json: h.required("filter")?, id: h.required("id")?, localpart: h.required("localpart")? })
    }

    pub fn load(&self, f: &mut Filters, row: &Row) -> Result<()> {
        let r = Fields(row);
        f.filters.push(Filter { localpart: r.string(self.localpart)?, id: r.i64(self.id)?, json: r.string(self.json)? });
        Ok(())
    }
}
