//! Binding a table's COPY header to the columns a loader reads, and reading
//! typed fields out of a row.
//!
//! Column positions always come from the header of the table at hand:
//! upgraded Dendrite databases have other physical column orders than fresh
//! ones, and other Dendrite versions add or drop columns. A loader asks for
//! each column by name once per table ([`Header::required`] /
//! [`Header::optional`], declared with [`columns!`]) and then reads rows by
//! position.
//!
//! Errors name the column and the offending value; the dump reader adds the
//! file, table and row number around them.

use anyhow::{anyhow, bail, Result};

use crate::dump::values::{parse_bigint_array, parse_bool};
use crate::dump::{Row, TableHeader};

/// Resolves column names of one table header.
pub struct Header<'t>(pub &'t TableHeader);

impl Header<'_> {
    /// A column the loader cannot do without: missing is an error naming the
    /// table, its source file and the columns it does have.
    pub fn required(&self, name: &'static str) -> Result<Col> {
        match self.0.column(name) {
            Some(index) => Ok(Col { index, name }),
            None => bail!(
                "table {}.{} in {} has no column {name:?} (its columns: {}); \
                 this Dendrite schema is not supported",
                self.0.schema,
                self.0.name,
                self.0.source.display(),
                self.0.columns.join(", ")
            ),
        }
    }

    /// A column some Dendrite versions lack.
    pub fn optional(&self, name: &'static str) -> Option<Col> {
        self.0.column(name).map(|index| Col { index, name })
    }
}

/// A bound column: its position in this table's rows, and its name for errors.
#[derive(Clone, Copy, Debug)]
pub struct Col {
    index: usize,
    name: &'static str,
}

/// Declares a loader's bound columns, each field with the column it reads:
///
/// ```ignore
/// columns! {
///     pub struct MediaCols {
///         id: required("media_id"),   // a Col; missing is an error
///         user: optional("user_id"),  // an Option<Col>
///     }
/// }
/// ```
///
/// and `MediaCols::bind(&TableHeader) -> Result<MediaCols>`, which binds them
/// in the order listed (the first missing required column is the error).
macro_rules! columns {
    (@type required) => { $crate::dendrite::columns::Col };
    (@type optional) => { Option<$crate::dendrite::columns::Col> };
    (@bind $h:ident required $col:literal) => { $h.required($col)? };
    (@bind $h:ident optional $col:literal) => { $h.optional($col) };
    ($vis:vis struct $name:ident { $($(#[$doc:meta])* $field:ident: $kind:ident($col:literal)),* $(,)? }) => {
        $vis struct $name {
            $($(#[$doc])* $field: columns!(@type $kind),)*
        }

        impl $name {
            pub fn bind(t: &$crate::dump::TableHeader) -> anyhow::Result<Self> {
                let h = $crate::dendrite::columns::Header(t);
                Ok($name { $($field: columns!(@bind h $kind $col),)* })
            }
        }
    };
}
pub(crate) use columns;

/// Typed access to the fields of one row.
pub struct Fields<'r, 'a>(pub &'r Row<'a>);

impl<'r, 'a> Fields<'r, 'a> {
    /// The raw text of a field; `None` is SQL NULL.
    pub fn raw(&self, col: Col) -> Result<Option<&'r str>> {
        match self.0.fields.get(col.index) {
            Some(v) => Ok(v.as_deref()),
            None => bail!("column {:?}: the row has only {} fields", col.name, self.0.fields.len()),
        }
    }

    /// A NOT NULL text field.
    pub fn str(&self, col: Col) -> Result<&'r str> {
        self.raw(col)?.ok_or_else(|| anyhow!("column {:?} is NULL where a value is required", col.name))
    }

    pub fn opt_str(&self, col: Option<Col>) -> Result<Option<&'r str>> {
        match col {
            Some(c) => self.raw(c),
            None => Ok(None),
        }
    }

    pub fn string(&self, col: Col) -> Result<String> {
        self.str(col).map(str::to_owned)
    }

    pub fn opt_string(&self, col: Option<Col>) -> Result<Option<String>> {
        Ok(self.opt_str(col)?.map(str::to_owned))
    }

    pub fn i64(&self, col: Col) -> Result<i64> {
        let s = self.str(col)?;
        s.parse().map_err(|_| anyhow!("column {:?}: {s:?} is not an integer", col.name))
    }

    pub fn opt_i64(&self, col: Option<Col>) -> Result<Option<i64>> {
        match self.opt_str(col)? {
            None => Ok(None),
            Some(s) => {
                s.parse().map(Some).map_err(|_| anyhow!("column {:?}: {s:?} is not an integer", col.unwrap().name))
            }
        }
    }

    pub fn bool(&self, col: Col) -> Result<bool> {
        let s = self.str(col)?;
        parse_bool(s).map_err(|e| anyhow!("column {:?}: {e}", col.name))
    }

    /// A nullable boolean column (or one some versions lack), with the
    /// default Dendrite's schema declares.
    pub fn bool_or(&self, col: Option<Col>, default: bool) -> Result<bool> {
        match self.opt_str(col)? {
            None => Ok(default),
            Some(s) => parse_bool(s).map_err(|e| anyhow!("column {:?}: {e}", col.unwrap().name)),
        }
    }

    pub fn i64_array(&self, col: Col) -> Result<Box<[i64]>> {
        let s = self.str(col)?;
        parse_bigint_array(s).map(Vec::into_boxed_slice).map_err(|e| anyhow!("column {:?}: {e}", col.name))
    }
}

/// The header the dump reader would give a table of `public` read from
/// `d.sql`, for the loaders' tests.
#[cfg(test)]
pub fn test_header(name: &str, cols: &[&str]) -> TableHeader {
    TableHeader {
        schema: "public".into(),
        name: name.into(),
        columns: cols.iter().map(|c| c.to_string()).collect(),
        source: "d.sql".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn header(cols: &[&str]) -> TableHeader {
        test_header("roomserver_rooms", cols)
    }

    #[test]
    fn missing_required_column_names_table_file_and_column() {
        let h = header(&["room_nid", "room_id"]);
        let err = Header(&h).required("room_version").unwrap_err().to_string();
        assert!(err.contains("public.roomserver_rooms"), "{err}");
        assert!(err.contains("d.sql"), "{err}");
        assert!(err.contains("\"room_version\""), "{err}");
        assert!(err.contains("room_nid, room_id"), "{err}");
    }

    #[test]
    fn fields_by_name_whatever_the_order() {
        let h = header(&["room_id", "x", "room_nid"]);
        let nid = Header(&h).required("room_nid").unwrap();
        let id = Header(&h).required("room_id").unwrap();
        let fields = [Some(Cow::Borrowed("!r:s")), None, Some(Cow::Borrowed("7"))];
        let row = Row { number: 1, fields: &fields };
        let f = Fields(&row);
        assert_eq!(f.i64(nid).unwrap(), 7);
        assert_eq!(f.str(id).unwrap(), "!r:s");
        let x = Header(&h).required("x").unwrap();
        assert!(f.str(x).unwrap_err().to_string().contains("NULL"));
        assert!(f.i64(id).unwrap_err().to_string().contains("not an integer"));
        assert!(f.bool_or(Header(&h).optional("nope"), true).unwrap());
    }

    columns! {
        struct Declared {
            a: required("a"),
            b: optional("b"),
            c: required("c"),
        }
    }

    #[test]
    fn declared_columns_bind_by_name_first_missing_required_is_the_error() {
        let d = Declared::bind(&test_header("t", &["c", "x", "a"])).unwrap();
        assert_eq!((d.a.index, d.b.map(|b| b.index), d.c.index), (2, None, 0));
        let err = Declared::bind(&test_header("t", &["b"])).err().expect("a and c are missing").to_string();
        assert!(err.contains("no column \"a\""), "{err}");
    }
}
