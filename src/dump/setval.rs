//! Parses the statement pg_dump writes for every sequence's state:
//! `SELECT pg_catalog.setval('public.syncapi_stream_id', 42, true);`
//! (a line of a plain dump; the definition of a `SEQUENCE SET` TOC entry in
//! an archive).
//!
//! The first argument is a string literal holding a `regclass` name: a
//! possibly schema-qualified name whose parts are identifiers, double-quoted
//! (`"My Seq"`, `"a""b"`) when pg_dump's `fmtId` thinks they need it. The
//! literal doubles `'`; when the dumped server ran without
//! standard_conforming_strings it is an `E'…'` literal that also doubles `\`.
//! The value may be negative (descending sequences); `is_called = false`
//! means the next `nextval` returns the value itself, so nothing at or above
//! it was handed out.
//!
//! Strict: anything else is a [`SetvalError`] saying what was expected, so a
//! damaged dump is reported rather than read as a wrong position.

use thiserror::Error;

/// One parsed `setval` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setval {
    pub schema: String,
    pub name: String,
    pub value: i64,
    pub is_called: bool,
}

/// What is wrong with a `setval` statement.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SetvalError {
    #[error("expected `SELECT pg_catalog.setval(` at the start")]
    NotSetval,
    #[error("expected a string literal naming the sequence")]
    NoLiteral,
    #[error("the string literal is not closed")]
    UnclosedLiteral,
    #[error("unsupported backslash escape in an E'' literal")]
    BadEscape,
    #[error("cannot read the sequence name {0:?}")]
    BadName(String),
    #[error("expected a comma after argument {0}")]
    NoComma(u8),
    #[error("the value {0:?} is not a 64-bit integer")]
    BadValue(String),
    #[error("is_called is {0:?}, not true or false")]
    BadIsCalled(String),
    #[error("expected `);` at the end")]
    NoEnd,
    #[error("unexpected text after the statement: {0:?}")]
    Trailing(String),
}

const PREFIX: &str = "SELECT pg_catalog.setval(";

/// Whether a line of SQL starts a `setval` statement (the plain reader
/// hands those, and only those, to [`parse`]).
pub fn starts(line: &[u8]) -> bool {
    line.starts_with(PREFIX.as_bytes())
}

pub fn parse(stmt: &str) -> Result<Setval, SetvalError> {
    let rest = stmt.trim().strip_prefix(PREFIX).ok_or(SetvalError::NotSetval)?;
    let (literal, rest) = literal(rest.trim_start())?;
    let (schema, name) = qualified_name(&literal).ok_or(SetvalError::BadName(literal.clone()))?;
    let rest = rest.trim_start().strip_prefix(',').ok_or(SetvalError::NoComma(1))?;
    let (value, rest) = word(rest);
    let value = value.parse::<i64>().map_err(|_| SetvalError::BadValue(value.to_string()))?;
    let rest = rest.trim_start().strip_prefix(',').ok_or(SetvalError::NoComma(2))?;
    let (called, rest) = word(rest);
    let is_called = match called {
        "true" => true,
        "false" => false,
        other => return Err(SetvalError::BadIsCalled(other.to_string())),
    };
    let rest = rest.trim_start().strip_prefix(')').ok_or(SetvalError::NoEnd)?;
    let rest = rest.trim_start().strip_prefix(';').ok_or(SetvalError::NoEnd)?;
    if !rest.trim().is_empty() {
        return Err(SetvalError::Trailing(rest.trim().chars().take(40).collect()));
    }
    Ok(Setval { schema, name, value, is_called })
}

/// The next run of non-separator characters (a number or a boolean).
fn word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    let end = s.find(|c: char| c.is_whitespace() || matches!(c, ',' | ')' | ';')).unwrap_or(s.len());
    s.split_at(end)
}

/// A `'…'` or `E'…'` literal at the start of `s`: its value and the rest.
fn literal(s: &str) -> Result<(String, &str), SetvalError> {
    let (escapes, body) = match s.strip_prefix('\'') {
        Some(b) => (false, b),
        None => (true, s.strip_prefix("E'").or_else(|| s.strip_prefix("e'")).ok_or(SetvalError::NoLiteral)?),
    };
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if body[i + 1..].starts_with('\'') => {
                out.push('\'');
                chars.next();
            }
            '\'' => return Ok((out, &body[i + 1..])),
            '\\' if escapes => match chars.next() {
                Some((_, e @ ('\\' | '\''))) => out.push(e),
                _ => return Err(SetvalError::BadEscape),
            },
            c => out.push(c),
        }
    }
    Err(SetvalError::UnclosedLiteral)
}

/// `schema.name` or `name` (then in `public`, as pg_dump before 10.3 wrote
/// it under `SET search_path`), each part an identifier.
fn qualified_name(s: &str) -> Option<(String, String)> {
    let (first, rest) = ident(s)?;
    if rest.is_empty() {
        return Some(("public".to_string(), first));
    }
    let (second, rest) = ident(rest.strip_prefix('.')?)?;
    rest.is_empty().then_some((first, second))
}

/// One identifier: `"…"` with `""` for a quote, or an unquoted word, which
/// PostgreSQL folds to lower case.
fn ident(s: &str) -> Option<(String, &str)> {
    if let Some(quoted) = s.strip_prefix('"') {
        let (name, rest) = super::copy_stmt::quoted_ident(quoted)?;
        return (!name.is_empty()).then_some((name, rest));
    }
    let len = s.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(s.len());
    let word = &s[..len];
    if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit() || c == '$') {
        return None;
    }
    Some((word.to_ascii_lowercase(), &s[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(stmt: &str) -> (String, String, i64, bool) {
        let s = parse(stmt).unwrap_or_else(|e| panic!("{stmt}: {e}"));
        (s.schema, s.name, s.value, s.is_called)
    }

    fn t(schema: &str, name: &str, value: i64, called: bool) -> (String, String, i64, bool) {
        (schema.into(), name.into(), value, called)
    }

    #[test]
    fn reads_what_pg_dump_writes() {
        assert_eq!(
            ok("SELECT pg_catalog.setval('public.syncapi_stream_id', 42, true);\n"),
            t("public", "syncapi_stream_id", 42, true)
        );
        assert_eq!(
            ok("SELECT pg_catalog.setval('public.roomserver_event_type_nid_seq', 65536, false);"),
            t("public", "roomserver_event_type_nid_seq", 65536, false)
        );
        // fmtId quotes names that are not all lower case, or hold a quote or a dot
        assert_eq!(
            ok(r#"SELECT pg_catalog.setval('"My Schema"."Seq ""1"".x"', 7, true);"#),
            t("My Schema", "Seq \"1\".x", 7, true)
        );
        assert_eq!(ok(r#"SELECT pg_catalog.setval('public."it''s"', 1, false);"#), t("public", "it's", 1, false));
        // descending sequences count down
        assert_eq!(
            ok("SELECT pg_catalog.setval('public.down', -9223372036854775808, true);"),
            t("public", "down", i64::MIN, true)
        );
        // without standard_conforming_strings: E'' with doubled backslashes
        assert_eq!(
            ok(r#"SELECT pg_catalog.setval(E'public."\\weird\\"', 3, true);"#),
            t("public", "\\weird\\", 3, true)
        );
        // pg_dump before 10.3 did not qualify the name; unquoted names fold to lower case
        assert_eq!(ok("SELECT pg_catalog.setval('Plain_Seq', 5, true);"), t("public", "plain_seq", 5, true));
        // a quoted name may hold a line end (the plain reader joins such lines)
        assert_eq!(ok("SELECT pg_catalog.setval('public.\"a\nb\"', 2, true);"), t("public", "a\nb", 2, true));
        assert!(starts(b"SELECT pg_catalog.setval('public.x', 1, true);"));
        assert!(!starts(b"SELECT pg_catalog.set_config('search_path', '', false);"));
    }

    #[test]
    fn refuses_malformed_statements() {
        use SetvalError::*;
        let cases: &[(&str, SetvalError)] = &[
            ("SELECT pg_catalog.set_config('search_path', '', false);", NotSetval),
            ("SELECT pg_catalog.setval(public.x, 1, true);", NoLiteral),
            ("SELECT pg_catalog.setval('public.x, 1, true);", UnclosedLiteral),
            (r"SELECT pg_catalog.setval(E'public.\n', 1, true);", BadEscape),
            ("SELECT pg_catalog.setval('public.', 1, true);", BadName("public.".into())),
            ("SELECT pg_catalog.setval('a.b.c', 1, true);", BadName("a.b.c".into())),
            ("SELECT pg_catalog.setval('public.\"\"', 1, true);", BadName("public.\"\"".into())),
            ("SELECT pg_catalog.setval('public.\"x', 1, true);", BadName("public.\"x".into())),
            ("SELECT pg_catalog.setval('public.1x', 1, true);", BadName("public.1x".into())),
            ("SELECT pg_catalog.setval('public.x' 1, true);", NoComma(1)),
            ("SELECT pg_catalog.setval('public.x', 1 true);", NoComma(2)),
            ("SELECT pg_catalog.setval('public.x', , true);", BadValue("".into())),
            ("SELECT pg_catalog.setval('public.x', 1.5, true);", BadValue("1.5".into())),
            (
                "SELECT pg_catalog.setval('public.x', 9223372036854775808, true);",
                BadValue("9223372036854775808".into()),
            ),
            ("SELECT pg_catalog.setval('public.x', 1, yes);", BadIsCalled("yes".into())),
            ("SELECT pg_catalog.setval('public.x', 1, true;", NoEnd),
            ("SELECT pg_catalog.setval('public.x', 1, true)", NoEnd),
            ("SELECT pg_catalog.setval('public.x', 1, true); DROP TABLE y;", Trailing("DROP TABLE y;".into())),
            ("", NotSetval),
        ];
        for (stmt, want) in cases {
            assert_eq!(parse(stmt).as_ref(), Err(want), "{stmt}");
        }
    }
}
