//! Parses the `COPY schema.table (col, …) FROM stdin;` statement that heads
//! every table's data, in plain dumps and in archive TOC entries alike.
//! Identifiers may be double-quoted (`"time"`, `"a""b"`); unquoted ones are
//! already lower case in pg_dump output, so they are taken as they are.

use super::error::DumpError;

pub struct CopyStatement {
    pub schema: String,
    pub name: String,
    pub columns: Vec<String>,
}

pub fn parse(stmt: &str) -> Result<CopyStatement, DumpError> {
    let bad = || DumpError::BadCopyStatement(stmt.trim_end().to_string());
    let mut p = Parser { s: stmt.trim(), pos: 0 };
    if !p.keyword("COPY") {
        return Err(bad());
    }
    let first = p.ident().ok_or_else(bad)?;
    let (schema, name) = if p.eat('.') { (first, p.ident().ok_or_else(bad)?) } else { ("public".to_string(), first) };
    let mut columns = Vec::new();
    if p.eat('(') {
        loop {
            columns.push(p.ident().ok_or_else(bad)?);
            if p.eat(')') {
                break;
            }
            if !p.eat(',') {
                return Err(bad());
            }
        }
    }
    if !(p.keyword("FROM") && p.keyword("stdin") && p.eat(';') && p.rest().is_empty()) {
        return Err(bad());
    }
    Ok(CopyStatement { schema, name, columns })
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn keyword(&mut self, word: &str) -> bool {
        self.skip_space();
        let rest = self.rest();
        // Compare bytes: `word` is ASCII, so a match ends on a char boundary.
        let bytes = rest.as_bytes();
        let matches = bytes.get(..word.len()).is_some_and(|b| b.eq_ignore_ascii_case(word.as_bytes()))
            && !rest[word.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
        if matches {
            self.pos += word.len();
        }
        matches
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_space();
        let s = self.s;
        let rest = &s[self.pos..];
        if let Some(quoted) = rest.strip_prefix('"') {
            let (name, after) = quoted_ident(quoted)?;
            self.pos = s.len() - after.len();
            return Some(name);
        }
        let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(rest.len());
        if len == 0 {
            return None;
        }
        let word = rest[..len].to_string();
        self.pos += len;
        Some(word)
    }
}

/// The body of a quoted identifier (`s` starts after its opening quote; `""`
/// stands for one quote): the name and what follows the closing quote, or
/// `None` when the quote is never closed. Shared with the setval parser.
pub(crate) fn quoted_ident(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '"' {
            out.push(c);
        } else if s[i + 1..].starts_with('"') {
            out.push('"');
            chars.next();
        } else {
            return Some((out, &s[i + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_quoted() {
        let c = parse("COPY public.db_migrations (version, \"time\", dendrite_version) FROM stdin;\n").unwrap();
        assert_eq!((c.schema.as_str(), c.name.as_str()), ("public", "db_migrations"));
        assert_eq!(c.columns, vec!["version", "time", "dendrite_version"]);
        let c = parse("COPY \"My \"\"S\"\".x\".t FROM stdin;").unwrap();
        assert_eq!(c.schema, "My \"S\".x");
        assert!(c.columns.is_empty());
        let c = parse("COPY t (a) FROM stdin;").unwrap();
        assert_eq!(c.schema, "public");
    }

    #[test]
    fn rejects_other_statements() {
        assert!(parse("COPY public.t (a) FROM '/tmp/x';").is_err());
        assert!(parse("COPY public.t (a) FROM stdin WITH BINARY;").is_err());
        assert!(parse("COPY public.t (a FROM stdin;").is_err());
        assert!(parse("INSERT INTO t VALUES (1);").is_err());
        // found by the fuzzer: a multi-byte character where a keyword is expected
        assert!(parse("COPY N\u{8d}\u{8d} public.t FROM stdin;").is_err());
        assert!(parse("COPY t (a) FR\u{e9}M stdin;").is_err());
    }
}
