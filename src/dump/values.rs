//! PostgreSQL value syntaxes Dendrite uses, applied to a field *after* COPY
//! unescaping: `bigint[]` and `text[]` array literals, `bytea` (hex and
//! escape formats) and booleans.
//!
//! Array literal rules (PostgreSQL `array_in`): `{a,b,c}`; elements may be
//! double-quoted; inside or outside quotes a backslash escapes the next
//! character; an unquoted `NULL` (any case) is a NULL element while `"NULL"`
//! is the string; whitespace around unquoted elements is dropped. We accept
//! one dimension only (Dendrite has no multi-dimensional arrays) and reject
//! the `[1:3]={…}` bounds decoration rather than guess.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ValueError {
    #[error("array literal {0:?} does not start with '{{' and end with '}}'")]
    NotAnArray(String),
    #[error("array literal {literal:?}: {detail}")]
    BadArray { literal: String, detail: &'static str },
    #[error("array literal {literal:?}: element {element:?} is not a bigint")]
    NotABigint { literal: String, element: String },
    #[error("array literal {0:?}: NULL element in a bigint array")]
    NullInBigintArray(String),
    #[cfg(any(test, fuzzing))]
    #[error("bytea value {value:?}: {detail}")]
    BadBytea { value: String, detail: &'static str },
    #[error("{0:?} is not a boolean")]
    NotABool(String),
}

/// `{1,2,3}` → `[1, 2, 3]`; `{}` → `[]`.
///
/// Arrays of plain numbers (how PostgreSQL writes a `bigint[]`: no quotes, no
/// spaces) are split directly; a state block of thousands of NIDs must not
/// cost a `String` per element. Anything else, or any element that does not
/// parse, goes the general way, which gives the same values and errors.
pub fn parse_bigint_array(s: &str) -> Result<Vec<i64>, ValueError> {
    match plain_bigints(s) {
        Some(values) => Ok(values),
        None => general_bigint_array(s),
    }
}

fn plain_bigints(s: &str) -> Option<Vec<i64>> {
    let inner = s.strip_prefix('{')?.strip_suffix('}')?;
    if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b',') {
        return None;
    }
    inner.split(',').map(|e| e.parse::<i64>().ok()).collect()
}

fn general_bigint_array(s: &str) -> Result<Vec<i64>, ValueError> {
    parse_text_array(s)?
        .into_iter()
        .map(|e| match e {
            None => Err(ValueError::NullInBigintArray(s.to_string())),
            Some(e) => e.parse::<i64>().map_err(|_| ValueError::NotABigint { literal: s.to_string(), element: e }),
        })
        .collect()
}

/// `{a,"b c",NULL,"NULL"}` → `[Some("a"), Some("b c"), None, Some("NULL")]`.
pub fn parse_text_array(s: &str) -> Result<Vec<Option<String>>, ValueError> {
    let trimmed = s.trim();
    let inner = trimmed
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| ValueError::NotAnArray(s.to_string()))?;
    let bad = |detail| ValueError::BadArray { literal: s.to_string(), detail };
    if inner.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_ascii_whitespace()).is_some() {}
        let (value, quoted) = match chars.peek() {
            Some('"') => {
                chars.next();
                (quoted_element(&mut chars).ok_or_else(|| bad("unterminated quoted element"))?, true)
            }
            Some('{') => return Err(bad("nested arrays are not supported")),
            _ => (unquoted_element(&mut chars).ok_or_else(|| bad("backslash at the end"))?, false),
        };
        while chars.next_if(|c| c.is_ascii_whitespace()).is_some() {}
        if !quoted && value.is_empty() {
            return Err(bad("empty unquoted element"));
        }
        out.push(if !quoted && value.eq_ignore_ascii_case("NULL") { None } else { Some(value) });
        match chars.next() {
            None => return Ok(out),
            Some(',') => continue,
            Some(_) => return Err(bad("junk after an element")),
        }
    }
}

fn quoted_element(chars: &mut impl Iterator<Item = char>) -> Option<String> {
    let mut v = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(v),
            '\\' => v.push(chars.next()?),
            c => v.push(c),
        }
    }
}

fn unquoted_element(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    let mut v = String::new();
    let mut kept = 0; // length up to the last escaped or non-space char
    while let Some(&c) = chars.peek() {
        if c == ',' {
            break;
        }
        chars.next();
        if c == '\\' {
            v.push(chars.next()?);
            kept = v.len();
        } else {
            v.push(c);
            if !c.is_ascii_whitespace() {
                kept = v.len();
            }
        }
    }
    v.truncate(kept);
    Some(v)
}

/// `\x00ff` (hex format) or the old escape format (`a\\b\000`). No column
/// the converter reads is bytea; the dump tests use it to check the reader's
/// fields against PostgreSQL's own `encode(…, 'hex')`, and fuzz/ fuzzes it.
#[cfg(any(test, fuzzing))]
pub fn parse_bytea(s: &str) -> Result<Vec<u8>, ValueError> {
    let bad = |detail| ValueError::BadBytea { value: s.to_string(), detail };
    if let Some(hex) = s.strip_prefix("\\x") {
        let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        if digits.len() % 2 != 0 {
            return Err(bad("odd number of hex digits"));
        }
        return digits
            .chunks(2)
            .map(|p| {
                let h = (p[0] as char).to_digit(16).ok_or_else(|| bad("not a hex digit"))?;
                let l = (p[1] as char).to_digit(16).ok_or_else(|| bad("not a hex digit"))?;
                Ok((h * 16 + l) as u8)
            })
            .collect();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
        } else if b.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if b.len() >= i + 4
            && (b'0'..=b'3').contains(&b[i + 1])
            && b[i + 2..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            return Err(bad("invalid escape (expected \\\\ or \\ooo)"));
        }
    }
    Ok(out)
}

/// `t`/`f` as COPY writes them, plus every spelling PostgreSQL accepts.
pub fn parse_bool(s: &str) -> Result<bool, ValueError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "on" | "1" => Ok(true),
        "f" | "false" | "n" | "no" | "off" | "0" => Ok(false),
        _ => Err(ValueError::NotABool(s.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn bigint_arrays() {
        assert_eq!(parse_bigint_array("{}").unwrap(), Vec::<i64>::new());
        assert_eq!(parse_bigint_array("{1,2,-3}").unwrap(), vec![1, 2, -3]);
        assert_eq!(parse_bigint_array(" { 7 , 9223372036854775807 } ").unwrap(), vec![7, i64::MAX]);
        assert!(matches!(parse_bigint_array("{1,NULL}"), Err(ValueError::NullInBigintArray(_))));
        assert!(matches!(parse_bigint_array("{1,x}"), Err(ValueError::NotABigint { .. })));
        assert!(matches!(parse_bigint_array("1,2"), Err(ValueError::NotAnArray(_))));
        assert!(matches!(parse_bigint_array("{1,,2}"), Err(ValueError::BadArray { .. })));
        assert!(matches!(parse_bigint_array("{{1},{2}}"), Err(ValueError::BadArray { .. })));
    }

    /// The direct split of plain arrays gives what the general parser gives,
    /// values and errors alike, on plain and on odd literals.
    #[test]
    fn plain_bigint_arrays_as_the_general_parser() {
        let cases = [
            "{}",
            "{1}",
            "{1,2,-3}",
            "{9223372036854775807,-9223372036854775808}",
            "{9223372036854775808}",
            "{1,,2}",
            "{,1}",
            "{1,}",
            "{-}",
            "{1-2}",
            "{--1}",
            "{+1}",
            "{ 1}",
            "{1,NULL}",
            "{\"1\"}",
            "{01,007}",
        ];
        for c in cases {
            assert_eq!(format!("{:?}", parse_bigint_array(c)), format!("{:?}", general_bigint_array(c)), "{c}");
        }
        assert_eq!(plain_bigints("{5,6}"), Some(vec![5, 6]), "the direct split is taken");
    }

    #[test]
    fn text_arrays_follow_the_quoting_rules() {
        // The array PostgreSQL prints for ARRAY['a b','c"d','e\f',NULL,'','NULL',' x ']
        let lit = r#"{"a b","c\"d","e\\f",NULL,"","NULL"," x ",$ev:hs}"#;
        assert_eq!(
            parse_text_array(lit).unwrap(),
            vec![t("a b"), t("c\"d"), t("e\\f"), None, t(""), t("NULL"), t(" x "), t("$ev:hs")]
        );
        assert_eq!(parse_text_array("{null, NuLl ,a\\,b}").unwrap(), vec![None, None, t("a,b")]);
        assert_eq!(parse_text_array("{}").unwrap(), Vec::<Option<String>>::new());
        assert!(matches!(parse_text_array(r#"{"abc}"#), Err(ValueError::BadArray { .. })));
        assert!(matches!(parse_text_array(r#"{"a"b}"#), Err(ValueError::BadArray { .. })));
    }

    #[test]
    fn bytea_hex_and_escape() {
        assert_eq!(parse_bytea("\\x").unwrap(), Vec::<u8>::new());
        assert_eq!(parse_bytea("\\x00ff5C0a").unwrap(), vec![0, 255, 0x5c, 10]);
        assert_eq!(parse_bytea("\\x00 ff").unwrap(), vec![0, 255]);
        assert_eq!(parse_bytea("ab\\\\c\\000\\377").unwrap(), b"ab\\c\x00\xff".to_vec());
        assert!(matches!(parse_bytea("\\x0"), Err(ValueError::BadBytea { .. })));
        assert!(matches!(parse_bytea("\\xzz"), Err(ValueError::BadBytea { .. })));
        assert!(matches!(parse_bytea("a\\9"), Err(ValueError::BadBytea { .. })));
    }

    #[test]
    fn booleans() {
        assert!(parse_bool("t").unwrap());
        assert!(!parse_bool("f").unwrap());
        assert!(parse_bool("TRUE").unwrap());
        assert!(!parse_bool(" off ").unwrap());
        assert!(matches!(parse_bool("maybe"), Err(ValueError::NotABool(_))));
        assert!(matches!(parse_bool(""), Err(ValueError::NotABool(_))));
    }
}
