//! Typed rows: how a Synapse table's row is declared ([`tables!`]), how its
//! fields become COPY text, and how the rows of one COPY block reach the
//! writer ([`Rows`]: held, or made on demand by a producer, whole or by
//! ranges on every core).
//!
//! A row is a struct with one named field per column, so a row can only be
//! made by naming every column: two swapped text columns are two swapped
//! field names, not a silent misload. The field's Rust type says how the value
//! is written (and which PostgreSQL types it may fill, for the schema test):
//!
//! | field type      | COPY text                 | Synapse column types        |
//! |-----------------|---------------------------|-----------------------------|
//! | `i64`           | decimal                   | bigint, integer, smallint   |
//! | `bool`          | `t` / `f`                 | boolean                     |
//! | [`Flag`]        | `1` / `0`                 | smallint, integer (a flag)  |
//! | [`Text`]        | escaped text              | text, varchar               |
//! | [`Bytes`]       | escaped `\x` hex          | bytea                       |
//! | [`Instance`]    | `master`                  | text                        |
//! | `Option<T>`     | `\N` or as `T`            | as `T`, nullable            |
//!
//! Every value goes through [`copy_text`](super::copy_text), the one place
//! that escapes. Traps: Synapse stores many booleans as `smallint` (`users.admin`,
//! `room_memberships.forgotten` …): those fields are [`Flag`], which the
//! compiler keeps apart from real `boolean` columns (`bool`), since `t` does
//! not load into a smallint.

use std::borrow::Cow;

use super::chunks::{self, RangeProducer};
use super::copy_text::{self, NulByte};
#[cfg(test)]
use super::value::Value;
use super::Script;

/// A text column's value: borrowed from the model where it can be.
pub type Text<'a> = Cow<'a, str>;

/// A `smallint`/`integer` column Synapse uses as a boolean (0/1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

/// A `bytea` column's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bytes<'a>(pub Cow<'a, [u8]>);

/// The `instance_name` column of stream tables: the one process of a
/// single-process Synapse, which is what the converted server starts as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Instance;

/// Synapse's name for the main process (`instance_name` of every stream row).
pub const INSTANCE_NAME: &str = "master";

/// One column's value: its COPY text, its dynamic [`Value`] (tests), and
/// the PostgreSQL types it may fill.
pub trait Field {
    /// `information_schema.columns.data_type` values this field may fill.
    const SQL_TYPES: &'static [&'static str];
    /// Whether the field can be NULL.
    const NULLABLE: bool = false;
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), NulByte>;
    /// The value as a dynamic [`Value`] (tests compare rows by column name).
    #[cfg(test)]
    fn value(&self) -> Value<'_>;
}

impl Field for i64 {
    const SQL_TYPES: &'static [&'static str] = &["bigint", "integer", "smallint"];
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), NulByte> {
        copy_text::encode_int(out, *self);
        Ok(())
    }
    #[cfg(test)]
    fn value(&self) -> Value<'_> {
        Value::Int(*self)
    }
}

impl Field for bool {
    const SQL_TYPES: &'static [&'static str] = &["boolean"];
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), NulByte> {
        copy_text::encode_bool(out, *self);
        Ok(())
    }
    #[cfg(test)]
    fn value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}

impl Field for Flag {
    const SQL_TYPES: &'static [&'static str] = &["smallint", "integer"];
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), NulByte> {
        copy_text::encode_int(out, self.0.into());
        Ok(())
    }
    #[cfg(test)]
    fn value(&self) -> Value<'_> {
        Value::Int(self.0.into())
    }
}

impl Field for Text<'_> {
    const SQL_TYPES: &'static [&'static str] = &["text", "character varying"];
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), NulByte> {
        copy_text::escape(out, self.as_bytes())
    }
    #[cfg(test)]
    fn value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl Field for Bytes<'_> {
    const SQL_TYPES: &'static [&'static str] = &["bytea"];
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), NulByte> {
        copy_text::encode_bytea(out, &self.0)
    }
    #[cfg(test)]
    fn value(&self) -> Value<'_> {
        Value::Bytea(Cow::Borrowed(&self.0))
    }
}

impl Field for Instance {
    const SQL_TYPES: &'static [&'static str] = &["text"];
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), NulByte> {
        copy_text::escape(out, INSTANCE_NAME.as_bytes())
    }
    #[cfg(test)]
    fn value(&self) -> Value<'_> {
        Value::from(INSTANCE_NAME)
    }
}

impl<T: Field> Field for Option<T> {
    const SQL_TYPES: &'static [&'static str] = T::SQL_TYPES;
    const NULLABLE: bool = true;
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), NulByte> {
        match self {
            Some(v) => v.encode(out),
            None => {
                copy_text::encode_null(out);
                Ok(())
            }
        }
    }
    #[cfg(test)]
    fn value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, Field::value)
    }
}

/// A NUL byte in the field at this index of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldNul {
    pub column: usize,
    pub nul: NulByte,
}

/// One row of one Synapse table; implemented by [`tables!`].
pub trait Row {
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    /// Per column: the PostgreSQL types it may fill, and whether it may be NULL.
    const TYPES: &'static [(&'static [&'static str], bool)];
    /// Appends the fields, tab-separated, as COPY text (no newline).
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), FieldNul>;
    /// The fields as dynamic values, in column order (tests).
    #[cfg(test)]
    fn values(&self) -> Vec<Value<'_>>;
}

/// Where a producer hands its rows.
pub type Sink<'s, R> = dyn FnMut(&R) -> anyhow::Result<()> + 's;

/// Hands each row to the sink, in order; for tables too big to hold.
pub type Producer<'a, R> = Box<dyn Fn(&mut Sink<'_, R>) -> anyhow::Result<()> + 'a>;

/// How the rows of a block that are not held are made.
enum Produced<'a, R> {
    /// All at once, on the writer's thread.
    Whole(Producer<'a, R>),
    /// By ranges of `items` items, on every core ([`chunks`](super::chunks)).
    Ranges { items: usize, producer: RangeProducer<'a, R> },
}

/// The rows of one COPY block: held in memory, or made while the block is
/// written by a producer that knows up front how many it makes (the events
/// tables hold a row per event: they are never materialised).
pub struct Rows<'a, R> {
    pub rows: Vec<R>,
    produced: Option<(usize, Produced<'a, R>)>,
}

impl<R> Default for Rows<'_, R> {
    fn default() -> Self {
        Rows { rows: Vec::new(), produced: None }
    }
}

impl<'a, R> Rows<'a, R> {
    /// Rows `producer` makes on demand, `len` of them.
    pub fn produced(len: usize, producer: Producer<'a, R>) -> Self {
        Rows { rows: Vec::new(), produced: Some((len, Produced::Whole(producer))) }
    }

    /// Rows `producer` makes on demand by ranges of its `items` items (on
    /// several threads at once, written in order), `len` of them.
    pub fn ranged(len: usize, items: usize, producer: RangeProducer<'a, R>) -> Self {
        Rows { rows: Vec::new(), produced: Some((len, Produced::Ranges { items, producer })) }
    }

    pub fn push(&mut self, row: R) {
        self.rows.push(row);
    }

    pub fn len(&self) -> usize {
        self.rows.len() + self.produced.as_ref().map_or(0, |(n, _)| *n)
    }

    /// The rows not held, all at once on this thread, to `sink`.
    fn each_produced(&self, sink: &mut Sink<'_, R>) -> anyhow::Result<()> {
        match &self.produced {
            Some((_, Produced::Whole(producer))) => producer(sink),
            Some((_, Produced::Ranges { items, producer })) => producer(0..*items, sink),
            None => Ok(()),
        }
    }
}

/// One COPY block as the writer sees it, whatever its row type.
pub trait Block {
    fn table(&self) -> &'static str;
    fn columns(&self) -> &'static [&'static str];
    fn len(&self) -> usize;
    /// Writes every row into the open COPY block of `script`.
    fn write_rows(&self, script: &mut Script) -> anyhow::Result<()>;
    /// Every row as dynamic values (tests).
    #[cfg(test)]
    fn values(&self) -> Vec<Vec<Value<'_>>>;
}

impl<R: Row> Block for Rows<'_, R> {
    fn table(&self) -> &'static str {
        R::TABLE
    }
    fn columns(&self) -> &'static [&'static str] {
        R::COLUMNS
    }
    fn len(&self) -> usize {
        Rows::len(self)
    }
    fn write_rows(&self, script: &mut Script) -> anyhow::Result<()> {
        for r in &self.rows {
            script.typed_row(r)?;
        }
        match &self.produced {
            Some((_, Produced::Ranges { items, producer })) => chunks::write(script, *items, producer.as_ref()),
            _ => self.each_produced(&mut |row| Ok(script.typed_row(row)?)),
        }
    }
    #[cfg(test)]
    fn values(&self) -> Vec<Vec<Value<'_>>> {
        let mut out = Vec::new();
        for r in &self.rows {
            out.push(r.values());
        }
        let mut owned = Vec::new();
        self.each_produced(&mut |r| {
            owned.push(r.values().into_iter().map(Value::into_owned).collect());
            Ok(())
        })
        .expect("producing rows for a test");
        out.extend(owned);
        out
    }
}

/// A declared block, for `synapse-tables` (the schema test).
#[derive(Debug, serde::Serialize)]
pub struct Declared {
    /// The `Tables` field (several blocks may fill one table).
    pub block: &'static str,
    pub table: &'static str,
    pub row: &'static str,
    pub columns: Vec<DeclaredColumn>,
}

#[derive(Debug, serde::Serialize)]
pub struct DeclaredColumn {
    pub name: &'static str,
    pub types: &'static [&'static str],
    pub nullable: bool,
}

impl Declared {
    pub fn of<R: Row>(block: &'static str, row: &'static str) -> Declared {
        let columns = R::COLUMNS
            .iter()
            .zip(R::TYPES)
            .map(|(name, (types, nullable))| DeclaredColumn { name, types, nullable: *nullable })
            .collect();
        Declared { block, table: R::TABLE, row, columns }
    }
}

/// Declares the Synapse tables the converter fills, in load order. Each
/// entry is one COPY block: either a new row type
///
/// ```ignore
/// /// doc
/// users: "users" => User<'a> {
///     name: Text<'a>,
///     event_type as "type": Text<'a>,   // a column named like a Rust keyword
/// }
/// ```
///
/// which declares `pub struct User<'a>` (one pub field per column, in
/// column order) and its [`Row`] impl, or another block of a row type
/// declared above (`out_of_band_events: again Event<'a>,`). After the
/// entries, it declares `Tables<'a>`: one [`Rows`] per block, and
/// `Tables::blocks` / `Tables::declared` in declaration order, which is the
/// order the writer loads them in.
macro_rules! tables {
    (@name $col:ident) => { stringify!($col) };
    (@name $col:ident $sql:literal) => { $sql };
    (@entries [$($done:tt)*]
        $(#[$doc:meta])*
        $block:ident: $table:literal => $name:ident $(<$lt:lifetime>)? {
            $($(#[$cdoc:meta])* $col:ident $(as $sql:literal)?: $cty:ty),* $(,)?
        }
        $($rest:tt)*
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name $(<$lt>)? {
            $($(#[$cdoc])* pub $col: $cty,)*
        }

        impl $(<$lt>)? $crate::synapse::row::Row for $name $(<$lt>)? {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(tables!(@name $col $($sql)?)),*];
            const TYPES: &'static [(&'static [&'static str], bool)] = &[$((
                <$cty as $crate::synapse::row::Field>::SQL_TYPES,
                <$cty as $crate::synapse::row::Field>::NULLABLE,
            )),*];

            fn encode(&self, out: &mut Vec<u8>) -> Result<(), $crate::synapse::row::FieldNul> {
                use $crate::synapse::row::{Field, FieldNul};
                let mut column = 0;
                $(
                    if column > 0 {
                        out.push(b'\t');
                    }
                    self.$col.encode(out).map_err(|nul| FieldNul { column, nul })?;
                    column += 1;
                )*
                let _ = column;
                Ok(())
            }

            #[cfg(test)]
            fn values(&self) -> Vec<$crate::synapse::Value<'_>> {
                use $crate::synapse::row::Field;
                vec![$(self.$col.value()),*]
            }
        }

        tables!(@entries [$($done)* ($block, $name, $name $(<$lt>)?)] $($rest)*);
    };
    (@entries [$($done:tt)*]
        $(#[$doc:meta])*
        $block:ident: again $name:ident $(<$lt:lifetime>)?,
        $($rest:tt)*
    ) => {
        tables!(@entries [$($done)* ($block, $name, $name $(<$lt>)?)] $($rest)*);
    };
    (@entries [$(($block:ident, $name:ident, $ty:ty))*]) => {
        /// Every COPY block of the conversion, in load order (the order of
        /// the declarations above).
        #[derive(Default)]
        pub struct Tables<'a> {
            $(pub $block: $crate::synapse::row::Rows<'a, $ty>,)*
        }

        impl<'a> Tables<'a> {
            /// The blocks in load order.
            pub fn blocks(&self) -> Vec<&dyn $crate::synapse::row::Block> {
                vec![$(&self.$block),*]
            }

            /// The declarations, in load order.
            pub fn declared() -> Vec<$crate::synapse::row::Declared> {
                vec![$($crate::synapse::row::Declared::of::<$ty>(stringify!($block), stringify!($name))),*]
            }
        }
    };
    ($($entries:tt)*) => {
        tables!(@entries [] $($entries)*);
    };
}
pub(crate) use tables;
