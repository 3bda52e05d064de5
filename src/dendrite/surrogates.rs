//! Lone UTF-16 surrogate escapes in stored JSON (`"\ud83d"` without its
//! low half, or `"\udc00"` alone), replaced by `\ufffd`.
//!
//! JSON text may spell them (RFC 8259 only says such strings are
//! unpredictable), Dendrite stores what a remote server or client sent, and
//! clients tolerate them. Synapse does not: Python decodes them into a `str`
//! that cannot be encoded to UTF-8, so the first write of such a string to
//! PostgreSQL (the `event_search` and room-stats background updates) fails,
//! and fails again on every retry, for ever. U+FFFD is what a UTF-8 decoder
//! makes of the same mistake, so the event keeps its place and every other
//! character; the content hash no longer matches, which a server that fetches
//! the event treats as a redaction.
//!
//! How it works: one pass over the bytes; a backslash always starts an
//! escape of two bytes or, for `\u`, six, so an escaped backslash before a `u`
//! (`\\u...`) is never mistaken for a `\u` escape. Only escapes change; the
//! text between them is copied as is. Returns `None` when nothing changed
//! (the common case: no allocation).
//!
//! Traps: a high surrogate followed by a *low* one is a valid pair and stays;
//! a high one followed by another high one is lone (the second may still
//! pair with what follows it).

/// The text with every lone surrogate escape replaced by `\ufffd`, or `None`.
pub fn replace_lone_surrogates(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `text` already in `out`
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            // Straight to the next backslash (memchr): most text has none.
            match memchr::memchr(b'\\', &b[i..]) {
                Some(k) => i += k,
                None => break,
            }
            continue;
        }
        let Some(unit) = escape_unit(b, i) else {
            i += 2; // any other escape, or a truncated one
            continue;
        };
        let lone = match unit {
            0xD800..=0xDBFF => !escape_unit(b, i + 6).is_some_and(|n| (0xDC00..=0xDFFF).contains(&n)),
            0xDC00..=0xDFFF => true,
            _ => false,
        };
        if !lone && (0xD800..=0xDBFF).contains(&unit) {
            i += 12; // the valid pair, both halves
            continue;
        }
        if lone {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..i]);
            o.push_str("\\ufffd");
            copied = i + 6;
        }
        i += 6;
    }
    out.map(|mut o| {
        o.push_str(&text[copied..]);
        o
    })
}

/// The code unit of a `\uXXXX` escape starting at `at`, if there is one.
fn escape_unit(b: &[u8], at: usize) -> Option<u32> {
    let hex = b.get(at..at + 6)?;
    if hex[0] != b'\\' || hex[1] != b'u' {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::replace_lone_surrogates as fix;

    #[test]
    fn lone_halves_become_the_replacement_character() {
        assert_eq!(fix(r#"{"b":"\ud83d broken"}"#).as_deref(), Some(r#"{"b":"\ufffd broken"}"#));
        assert_eq!(fix(r#"{"n":"\udc00A"}"#).as_deref(), Some(r#"{"n":"\ufffdA"}"#));
        assert_eq!(fix(r#"["\ud800\ud800\udc00"]"#).as_deref(), Some(r#"["\ufffd\ud800\udc00"]"#));
        assert_eq!(fix(r#""\uD83D""#).as_deref(), Some(r#""\ufffd""#));
        assert_eq!(fix(r#""x\ud83d"#).as_deref(), Some(r#""x\ufffd"#)); // at the very end
    }

    #[test]
    fn pairs_other_escapes_and_escaped_backslashes_stay() {
        for ok in [r#"{"b":"\ud83d\ude00"}"#, r#"{"b":"\\ud83d"}"#, r#"{"b":"\u0000\n\"\u00e9"}"#, "plain", r#""\u12"#]
        {
            assert_eq!(fix(ok), None, "{ok}");
        }
    }

    #[test]
    fn the_result_parses_as_json_where_the_input_did_not() {
        let bad = r#"{"body":"\ud83d x \udc00","k":"\\ud800"}"#;
        assert!(serde_json::from_str::<serde_json::Value>(bad).is_err());
        let good = fix(bad).unwrap();
        let v: serde_json::Value = serde_json::from_str(&good).unwrap();
        assert_eq!(v["body"], "\u{fffd} x \u{fffd}");
        assert_eq!(v["k"], "\\ud800");
    }
}
