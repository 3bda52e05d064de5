//! One value of one column of a Synapse row, typed the way Synapse's columns are.
//!
//! JSON columns (event JSON, account data, push rule actions …) are `Text`: the
//! converter hands over the exact bytes it wants stored and the writer never
//! re-serialises them. Synapse's `smallint` flags (`users.admin`, `is_guest`,
//! `deactivated` …) are `Int`, its real booleans are `Bool`.

use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Bool(bool),
    Text(Cow<'a, str>),
    Bytea(Cow<'a, [u8]>),
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<i32> for Value<'_> {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Cow::Borrowed(v))
    }
}

impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::Text(Cow::Owned(v))
    }
}

impl<'a> From<Cow<'a, str>> for Value<'a> {
    fn from(v: Cow<'a, str>) -> Self {
        Value::Text(v)
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl<'a> Value<'a> {
    #[cfg(test)]
    /// A `bytea` value (Synapse: `user_filters.filter_json`, `server_keys_json.key_json`, …).
    pub fn bytea(v: impl Into<Cow<'a, [u8]>>) -> Self {
        Value::Bytea(v.into())
    }

    #[cfg(test)]
    /// The same value, owning what it borrowed.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(i),
            Value::Bool(b) => Value::Bool(b),
            Value::Text(s) => Value::Text(Cow::Owned(s.into_owned())),
            Value::Bytea(b) => Value::Bytea(Cow::Owned(b.into_owned())),
        }
    }
}
