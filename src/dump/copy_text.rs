//! The COPY text decoder: one line of `COPY … TO STDOUT` text → its fields.
//!
//! How it works. A row is one line (the caller splits on `\n`; COPY TO
//! never writes a raw newline inside a value, it writes `\n`). Fields are
//! separated by a raw tab. We scan each field with `memchr2` for the next
//! tab or backslash: a field without a backslash is borrowed straight from
//! the line (the common case: ids, numbers, most JSON), after a UTF-8 check
//! of just that field. A field with a backslash is unescaped into an owned
//! `String`. A field that is exactly `\N` is SQL NULL.
//!
//! Traps:
//! - `\N` means NULL only when it is the *whole* raw field; `\Nx` is `Nx`.
//!   The empty field is the empty string, not NULL.
//! - An escaped tab (`\t`) is data, a raw tab is a separator: the separator
//!   scan must skip the character after every backslash.
//! - Octal (`\101`, 1–3 digits) and hex (`\x41`, 1–2 digits) escapes make
//!   *bytes*, so an unescaped field may be invalid UTF-8 even when the line
//!   was valid: validate after unescaping. COPY TO never writes them, but
//!   COPY FROM accepts them, so we do too. `\x` not followed by a hex digit
//!   is a plain `x`; any other escaped character is itself.
//! - A backslash at the very end of a line would escape the newline; COPY
//!   TO never writes that, so it is an error rather than a guess.
//! - The `\.` end marker is the caller's business (it is a whole line).
//! - Column count comes from the COPY header; a row with more or fewer
//!   fields is an error, never silently padded.

use std::borrow::Cow;

use memchr::memchr2;

use super::error::RowError;

/// Decodes rows, reusing its field vector between rows.
#[derive(Default)]
pub struct CopyDecoder {
    // Always empty between calls; only its allocation is reused.
    spare: Vec<Option<Cow<'static, str>>>,
}

impl CopyDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes `line` (without its `\n`) into `columns` fields and hands them
    /// to `f`. Borrowed fields point into `line`.
    pub fn decode<'a, T>(
        &mut self,
        line: &'a [u8],
        columns: usize,
        f: impl FnOnce(&[Option<Cow<'a, str>>]) -> T,
    ) -> Result<T, RowError> {
        let mut fields = reuse(std::mem::take(&mut self.spare));
        let result = split_fields(line, columns, &mut fields).map(|()| f(&fields));
        fields.clear();
        self.spare = reuse(fields);
        result
    }
}

/// Turns an empty vector into one of another lifetime, keeping its
/// allocation (in-place collect; the element layouts are identical).
fn reuse<'x, 'y>(mut v: Vec<Option<Cow<'x, str>>>) -> Vec<Option<Cow<'y, str>>> {
    v.clear();
    v.into_iter().map(|_| None).collect()
}

fn split_fields<'a>(line: &'a [u8], columns: usize, out: &mut Vec<Option<Cow<'a, str>>>) -> Result<(), RowError> {
    if columns == 0 && line.is_empty() {
        return Ok(());
    }
    // One UTF-8 check for the whole line (fast for long rows, and cheaper
    // than one call per short field); slicing it at raw tabs, which are
    // ASCII, keeps every borrowed field valid.
    let text = std::str::from_utf8(line).map_err(|e| utf8_error(line, e.valid_up_to()))?;
    let mut start = 0;
    loop {
        let (field, next) = one_field(text, start, out.len())?;
        out.push(field);
        match next {
            Some(n) => start = n,
            None => break,
        }
    }
    if out.len() != columns {
        return Err(RowError::FieldCount { expected: columns, found: out.len() });
    }
    Ok(())
}

/// Locates an invalid byte of a raw line: its column and offset in it.
fn utf8_error(line: &[u8], at: usize) -> RowError {
    let before = &line[..at];
    let column = memchr::memchr_iter(b'\t', before).count();
    let field_start = memchr::memrchr(b'\t', before).map_or(0, |i| i + 1);
    RowError::InvalidUtf8 { column, valid_up_to: at - field_start }
}

/// Decodes the field starting at `start`; returns it and the start of the
/// next field (`None` after the last one).
fn one_field(text: &str, start: usize, column: usize) -> Result<(Option<Cow<'_, str>>, Option<usize>), RowError> {
    let rest = &text.as_bytes()[start..];
    match memchr2(b'\t', b'\\', rest) {
        None => Ok((Some(Cow::Borrowed(&text[start..])), None)),
        Some(i) if rest[i] == b'\t' => Ok((Some(Cow::Borrowed(&text[start..start + i])), Some(start + i + 1))),
        Some(0) if rest.get(1) == Some(&b'N') && matches!(rest.get(2), None | Some(b'\t')) => {
            let next = if rest.len() > 2 { Some(start + 3) } else { None };
            Ok((None, next))
        }
        Some(_) => {
            let (value, end) = unescape(rest, column)?;
            let next = if end < rest.len() { Some(start + end + 1) } else { None };
            Ok((Some(Cow::Owned(value)), next))
        }
    }
}

/// Unescapes a field up to the next raw tab (or the end); returns the value
/// and the index of that tab (or `rest.len()`).
fn unescape(rest: &[u8], column: usize) -> Result<(String, usize), RowError> {
    let mut out = Vec::with_capacity(rest.len());
    let mut i = 0;
    loop {
        let Some(j) = memchr2(b'\t', b'\\', &rest[i..]) else {
            out.extend_from_slice(&rest[i..]);
            i = rest.len();
            break;
        };
        out.extend_from_slice(&rest[i..i + j]);
        i += j;
        if rest[i] == b'\t' {
            break;
        }
        i = escape(rest, i + 1, &mut out)?;
    }
    let value = String::from_utf8(out)
        .map_err(|e| RowError::InvalidUtf8 { column, valid_up_to: e.utf8_error().valid_up_to() })?;
    Ok((value, i))
}

/// Decodes the escape whose character is at `i` (just after the backslash);
/// returns the index after it.
fn escape(rest: &[u8], i: usize, out: &mut Vec<u8>) -> Result<usize, RowError> {
    let Some(&c) = rest.get(i) else {
        return Err(RowError::TrailingBackslash);
    };
    let simple = match c {
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        _ => None,
    };
    if let Some(b) = simple {
        out.push(b);
        return Ok(i + 1);
    }
    if (b'0'..=b'7').contains(&c) {
        let (value, end) = digits(rest, i, 3, 8);
        out.push(value as u8);
        return Ok(end);
    }
    if c == b'x' && rest.get(i + 1).is_some_and(u8::is_ascii_hexdigit) {
        let (value, end) = digits(rest, i + 1, 2, 16);
        out.push(value as u8);
        return Ok(end);
    }
    // Any other character (a backslash, a multi-byte UTF-8 lead byte …)
    // stands for itself; its continuation bytes are copied by the caller.
    out.push(c);
    Ok(i + 1)
}

/// Reads up to `max` digits of `radix` from `i`; PostgreSQL keeps the low
/// byte of an octal value above 0o377.
fn digits(rest: &[u8], i: usize, max: usize, radix: u32) -> (u32, usize) {
    let mut value = 0u32;
    let mut end = i;
    while end < rest.len() && end - i < max {
        match (rest[end] as char).to_digit(radix) {
            Some(d) => value = value * radix + d,
            None => break,
        }
        end += 1;
    }
    (value & 0xff, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(line: &str, columns: usize) -> Result<Vec<Option<String>>, RowError> {
        decode_bytes(line.as_bytes(), columns)
    }

    fn decode_bytes(line: &[u8], columns: usize) -> Result<Vec<Option<String>>, RowError> {
        CopyDecoder::new()
            .decode(line, columns, |fields| fields.iter().map(|f| f.as_ref().map(|s| s.to_string())).collect())
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn null_empty_and_plain_fields() {
        assert_eq!(decode("1\t\\N\t\tx", 4).unwrap(), vec![s("1"), None, s(""), s("x")]);
        assert_eq!(decode("\\N", 1).unwrap(), vec![None]);
        assert_eq!(decode("", 1).unwrap(), vec![s("")]);
        assert_eq!(decode("\t", 2).unwrap(), vec![s(""), s("")]);
        assert_eq!(decode("", 0).unwrap(), Vec::<Option<String>>::new());
    }

    #[test]
    fn backslash_n_is_null_only_as_a_whole_field() {
        assert_eq!(decode("\\Nx\t\\\\N", 2).unwrap(), vec![s("Nx"), s("\\N")]);
    }

    #[test]
    fn control_escapes() {
        assert_eq!(
            decode("a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh\t\\.", 2).unwrap(),
            vec![s("a\tb\nc\rd\\e\u{8}f\u{c}g\u{b}h"), s(".")]
        );
    }

    #[test]
    fn octal_and_hex_escapes_make_bytes() {
        assert_eq!(decode("\\101\\x42\\7\\xg\\303\\251", 1).unwrap(), vec![s("AB\u{7}xgé")]);
        // 0o777 keeps its low byte, like PostgreSQL.
        assert_eq!(decode("\\777\\x2", 1).unwrap_err(), RowError::InvalidUtf8 { column: 0, valid_up_to: 0 });
        assert_eq!(decode("\\x2", 1).unwrap(), vec![s("\u{2}")]);
    }

    #[test]
    fn escaped_non_ascii_and_raw_non_ascii() {
        assert_eq!(decode("\\é🎉\tü", 2).unwrap(), vec![s("é🎉"), s("ü")]);
    }

    #[test]
    fn bytea_and_array_literals_keep_their_inner_backslashes() {
        assert_eq!(
            decode("\\\\x00ff\t{\"a b\",\"c\\\\\"d\",NULL}", 2).unwrap(),
            vec![s("\\x00ff"), s("{\"a b\",\"c\\\"d\",NULL}")]
        );
    }

    #[test]
    fn field_count_is_checked() {
        assert_eq!(decode("1\t2", 3).unwrap_err(), RowError::FieldCount { expected: 3, found: 2 });
        assert_eq!(decode("1\t2\t3", 2).unwrap_err(), RowError::FieldCount { expected: 2, found: 3 });
        assert_eq!(decode("x", 0).unwrap_err(), RowError::FieldCount { expected: 0, found: 1 });
    }

    #[test]
    fn errors() {
        assert_eq!(decode("a\\", 1).unwrap_err(), RowError::TrailingBackslash);
        assert_eq!(decode_bytes(b"ok\tb\xffd", 2).unwrap_err(), RowError::InvalidUtf8 { column: 1, valid_up_to: 1 });
    }

    #[test]
    fn fields_are_borrowed_when_unescaped_and_vector_is_reused() {
        let mut d = CopyDecoder::new();
        let line = b"abc\tx\\ty";
        d.decode(line, 2, |f| {
            assert!(matches!(f[0], Some(Cow::Borrowed("abc"))));
            assert!(matches!(f[1], Some(Cow::Owned(_))));
        })
        .unwrap();
        let cap = d.spare.capacity();
        assert!(cap >= 2);
        d.decode(b"1\t2", 2, |_| ()).unwrap();
        assert_eq!(d.spare.capacity(), cap);
    }
}
