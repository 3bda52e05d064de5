//! COPY text format: the one place where a value becomes bytes inside a COPY block.
//!
//! psql sends every line between `COPY t (…) FROM stdin;` and a line `\.` to the
//! server as data; the server splits rows on newline, columns on tab, and decodes
//! backslash escapes. Every value a Dendrite user controlled (display names, room
//! names, message bodies, account data) passes through [`escape`], so this
//! function is a security boundary. The traps:
//!
//! * **Backslash** starts an escape. Written raw, the text `\N` would load as NULL
//!   and `\t` as a tab, so every `\` is doubled.
//! * **Tab, newline, carriage return** are the column and row separators; they are
//!   written `\t`, `\n`, `\r`.
//! * **`\.`** alone on a line ends the data. A user string `"\\.\n"` must not end
//!   the block early (the rest of the row would then run as SQL). It cannot: every
//!   data backslash is doubled and every newline escaped, so no data line starts
//!   with a single backslash.
//! * **NUL bytes** cannot be stored in PostgreSQL `text` (`\0` is refused with
//!   "invalid byte sequence"). Dropping or replacing them would silently change
//!   signed event JSON, so they are an error naming the byte offset; the caller
//!   names table, column and row.
//! * **NULL** is the unescaped `\N`; the text `\N` is written `\\N`.
//! * **bytea** goes in as its hex input form `\x0a0b`, and that string passes
//!   through the same escaper (becoming `\\x0a0b`), so there is one rule only.
//! * **Encoding:** text is UTF-8 by type (`str`), and the script sets
//!   `client_encoding` to UTF8, so the server never reinterprets bytes.
//!
//! Other control characters (backspace, form feed, vertical tab, DEL) are taken
//! literally by the server and need no escape.
//!
//! Speed: every byte of every event's JSON passes through here (a gigabyte at
//! a million events). Values without carriage return or NUL (nearly all: JSON
//! text spells them `\r`, `\u0000`) jump between the bytes that need an escape
//! with `memchr3`; the rest go through the byte-by-byte loop, which also finds
//! the NUL's offset. Both give the same bytes (a test compares them).

use std::io::Write;

use super::value::Value;

/// A NUL byte at this offset of a value: PostgreSQL text cannot hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("NUL byte at offset {offset} (PostgreSQL text cannot hold NUL)")]
pub struct NulByte {
    pub offset: usize,
}

/// Appends `s` to `out` escaped for one COPY text field. On error `out` may hold
/// part of the value; the caller discards the row.
pub fn escape(out: &mut Vec<u8>, s: &[u8]) -> Result<(), NulByte> {
    if memchr::memchr2(b'\r', 0, s).is_some() {
        return escape_bytewise(out, s);
    }
    let mut start = 0;
    for i in memchr::memchr3_iter(b'\\', b'\t', b'\n', s) {
        out.extend_from_slice(&s[start..i]);
        out.extend_from_slice(replacement(s[i]).expect("memchr3 finds only bytes that are escaped"));
        start = i + 1;
    }
    out.extend_from_slice(&s[start..]);
    Ok(())
}

/// [`escape`], one byte at a time.
fn escape_bytewise(out: &mut Vec<u8>, s: &[u8]) -> Result<(), NulByte> {
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        if b == 0 {
            return Err(NulByte { offset: i });
        }
        let Some(replacement) = replacement(b) else { continue };
        out.extend_from_slice(&s[start..i]);
        out.extend_from_slice(replacement);
        start = i + 1;
    }
    out.extend_from_slice(&s[start..]);
    Ok(())
}

/// What a byte is written as, if not as itself (NUL aside).
fn replacement(b: u8) -> Option<&'static [u8]> {
    match b {
        b'\\' => Some(b"\\\\"),
        b'\t' => Some(b"\\t"),
        b'\n' => Some(b"\\n"),
        b'\r' => Some(b"\\r"),
        _ => None,
    }
}

/// Appends one field: NULL marker, number, boolean, or escaped text/bytea.
pub fn encode(out: &mut Vec<u8>, value: &Value<'_>) -> Result<(), NulByte> {
    match value {
        Value::Null => encode_null(out),
        Value::Int(i) => encode_int(out, *i),
        Value::Bool(b) => encode_bool(out, *b),
        Value::Text(s) => escape(out, s.as_bytes())?,
        Value::Bytea(bytes) => encode_bytea(out, bytes)?,
    }
    Ok(())
}

/// SQL NULL: the unescaped `\N`.
pub fn encode_null(out: &mut Vec<u8>) {
    out.extend_from_slice(b"\\N");
}

pub fn encode_int(out: &mut Vec<u8>, i: i64) {
    write!(out, "{i}").expect("writing to a Vec cannot fail");
}

pub fn encode_bool(out: &mut Vec<u8>, b: bool) {
    out.push(if b { b't' } else { b'f' });
}

/// A bytea value in its hex input form, escaped like text.
pub fn encode_bytea(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), NulByte> {
    escape(out, &bytea_hex(bytes))
}

/// PostgreSQL's bytea hex input form: `\x` then two lower-case hex digits per byte.
fn bytea_hex(bytes: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = Vec::with_capacity(2 + 2 * bytes.len());
    hex.extend_from_slice(b"\\x");
    for &b in bytes {
        hex.push(HEX[usize::from(b >> 4)]);
        hex.push(HEX[usize::from(b & 0x0f)]);
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut out = Vec::new();
        escape(&mut out, s.as_bytes()).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn enc(v: Value<'_>) -> String {
        let mut out = Vec::new();
        encode(&mut out, &v).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The inverse of `escape` as PostgreSQL's COPY text reader defines it
    /// (only the escapes `escape` emits), to check round trips.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('\\') => out.push('\\'),
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                other => panic!("unexpected escape {other:?}"),
            }
        }
        out
    }

    #[test]
    fn special_bytes_are_escaped() {
        assert_eq!(esc("plain"), "plain");
        assert_eq!(esc("a\tb"), "a\\tb");
        assert_eq!(esc("a\nb"), "a\\nb");
        assert_eq!(esc("a\rb"), "a\\rb");
        assert_eq!(esc("a\\b"), "a\\\\b");
        assert_eq!(esc("\\N"), "\\\\N");
        assert_eq!(esc("\\."), "\\\\.");
        assert_eq!(esc("\n\\.\n"), "\\n\\\\.\\n");
        assert_eq!(esc(""), "");
        assert_eq!(esc("héllo 🙂"), "héllo 🙂");
        // Left alone: the server reads these literally.
        assert_eq!(esc("\u{8}\u{c}\u{b}\u{7f}"), "\u{8}\u{c}\u{b}\u{7f}");
    }

    #[test]
    fn escaped_output_never_holds_a_raw_separator() {
        let hostile = "x\t\n\r\\.\n\\N\\\\\t🙂";
        let e = esc(hostile);
        assert!(!e.contains('\t') && !e.contains('\n') && !e.contains('\r'));
        assert_eq!(unescape(&e), hostile);
    }

    #[test]
    fn the_fast_path_writes_what_the_byte_loop_writes() {
        // Every string of up to 5 bytes over an alphabet of the special bytes
        // and two plain ones, so both paths and every neighbourhood are met.
        let alphabet = [b'a', 0xc3, b'\\', b'\t', b'\n', b'\r', 0, b'N', b'.'];
        let mut checked = 0;
        for len in 0..=5u32 {
            for mut k in 0..alphabet.len().pow(len) {
                let mut s = Vec::new();
                for _ in 0..len {
                    s.push(alphabet[k % alphabet.len()]);
                    k /= alphabet.len();
                }
                let (mut fast, mut slow) = (Vec::new(), Vec::new());
                let got = escape(&mut fast, &s).map(|()| fast);
                let want = escape_bytewise(&mut slow, &s).map(|()| slow);
                assert_eq!(got, want, "{s:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 1 + 9 + 81 + 729 + 6561 + 59049);
    }

    #[test]
    fn nul_is_refused_with_its_offset() {
        let mut out = Vec::new();
        assert_eq!(escape(&mut out, b"ab\0c"), Err(NulByte { offset: 2 }));
        assert_eq!(escape(&mut out, b"a\\\tb\0c\0"), Err(NulByte { offset: 4 }));
        assert_eq!(encode(&mut out, &Value::from("\0")), Err(NulByte { offset: 0 }));
    }

    #[test]
    fn values_are_encoded_by_type() {
        assert_eq!(enc(Value::Null), "\\N");
        assert_eq!(enc(Value::Int(-9_223_372_036_854_775_808)), "-9223372036854775808");
        assert_eq!(enc(Value::Bool(true)), "t");
        assert_eq!(enc(Value::Bool(false)), "f");
        assert_eq!(enc(Value::from("\\N")), "\\\\N");
        assert_eq!(enc(Value::bytea(&b"\x00\x0a\xff"[..])), "\\\\x000aff");
        assert_eq!(enc(Value::bytea(&b""[..])), "\\\\x");
        assert_eq!(enc(Value::from(None::<i64>)), "\\N");
    }
}
