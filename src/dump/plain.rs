//! Plain SQL dumps (`pg_dump -Fp`, possibly compressed as a whole).
//!
//! A small line state machine, not an SQL parser: between statements we
//! look at how a line starts (comment, psql meta-command such as `\connect`
//! or `\restrict`, `COPY … FROM stdin;`, `INSERT INTO`, `CREATE TABLE`);
//! a COPY header switches to data mode until the `\.` line; a statement
//! starting `SELECT pg_catalog.setval(` is a sequence value (dump/setval.rs),
//! read up to its `;` (one line, unless a quoted name holds a line end).
//! To know where
//! statements start we track quoting across lines (string literals,
//! quoted identifiers, dollar-quoted function bodies, block comments), so
//! a line inside a function body that happens to read `COPY x FROM stdin;`
//! is not taken for table data.
//!
//! Refused: `--inserts` dumps (INSERT statements instead of COPY) and
//! schema-only dumps; both with a message on how to re-dump.

use anyhow::Result;

use super::copy_stmt;
use super::error::DumpError;
use super::lines::LineSource;
use super::setval;
use super::table::{End, ReadCtx};

/// What the leading comments of a plain dump say.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PlainMeta {
    pub pg_dump_version: Option<String>,
    pub server_version: Option<String>,
    pub database: Option<String>,
}

/// Reads the header comments (and a `\connect` / `CREATE DATABASE`, when
/// the dump was made with `-C`) from the first bytes of the dump.
pub fn sniff(head: &[u8]) -> PlainMeta {
    let mut meta = PlainMeta::default();
    let text = String::from_utf8_lossy(head);
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("-- Dumped from database version ") {
            meta.server_version = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("-- Dumped by pg_dump version ") {
            meta.pg_dump_version = Some(v.trim().to_string());
        } else if let Some(db) = connect_target(line) {
            meta.database.get_or_insert(db);
        } else if line.starts_with("COPY ") {
            break;
        }
    }
    meta
}

/// `\connect dendrite` / `\connect -reuse-previous=on "dbname='dendrite'"`
fn connect_target(line: &str) -> Option<String> {
    let rest = line.strip_prefix("\\connect ").or_else(|| line.strip_prefix("\\c "))?;
    let arg = rest.split_whitespace().rfind(|a| !a.starts_with('-'))?;
    let arg = arg.trim_matches('"');
    if let Some(v) = arg.strip_prefix("dbname=") {
        return Some(v.trim_matches('\'').to_string());
    }
    Some(arg.to_string())
}

/// Lexical state carried from one SQL line to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lex {
    Normal,
    /// Inside '…'; `true` for E'…' strings, where backslash escapes.
    Single(bool),
    Double,
    Dollar(String),
    Block(u32),
}

/// Tracks whether the next line starts a new statement.
struct Statements {
    lex: Lex,
    at_start: bool,
}

impl Statements {
    fn new() -> Self {
        Self { lex: Lex::Normal, at_start: true }
    }

    /// Updates the state after a line of SQL.
    fn feed(&mut self, line: &[u8]) {
        let mut ends_with_semicolon = None;
        let mut i = 0;
        while i < line.len() {
            let c = line[i];
            match &mut self.lex {
                Lex::Normal => match c {
                    b'-' if line.get(i + 1) == Some(&b'-') => break,
                    b'/' if line.get(i + 1) == Some(&b'*') => {
                        self.lex = Lex::Block(1);
                        i += 1;
                    }
                    b'\'' => {
                        let e = i > 0 && matches!(line[i - 1], b'E' | b'e') && (i < 2 || !is_ident(line[i - 2]));
                        self.lex = Lex::Single(e);
                    }
                    b'"' => self.lex = Lex::Double,
                    b'$' if i == 0 || !is_ident(line[i - 1]) => {
                        if let Some(tag) = dollar_tag(&line[i..]) {
                            i += tag.len() - 1;
                            self.lex = Lex::Dollar(tag);
                        }
                    }
                    b';' => ends_with_semicolon = Some(true),
                    c if c.is_ascii_whitespace() => {}
                    _ => ends_with_semicolon = Some(false),
                },
                Lex::Single(e) => match c {
                    b'\\' if *e => i += 1,
                    b'\'' if line.get(i + 1) == Some(&b'\'') => i += 1,
                    b'\'' => {
                        self.lex = Lex::Normal;
                        ends_with_semicolon = Some(false);
                    }
                    _ => {}
                },
                Lex::Double => {
                    if c == b'"' {
                        if line.get(i + 1) == Some(&b'"') {
                            i += 1;
                        } else {
                            self.lex = Lex::Normal;
                            ends_with_semicolon = Some(false);
                        }
                    }
                }
                Lex::Dollar(tag) => {
                    if line[i..].starts_with(tag.as_bytes()) {
                        i += tag.len() - 1;
                        self.lex = Lex::Normal;
                        ends_with_semicolon = Some(false);
                    }
                }
                Lex::Block(depth) => {
                    if c == b'*' && line.get(i + 1) == Some(&b'/') {
                        *depth -= 1;
                        i += 1;
                        if *depth == 0 {
                            self.lex = Lex::Normal;
                        }
                    } else if c == b'/' && line.get(i + 1) == Some(&b'*') {
                        *depth += 1;
                        i += 1;
                    }
                }
            }
            i += 1;
        }
        if self.lex != Lex::Normal {
            self.at_start = false;
        } else if let Some(semi) = ends_with_semicolon {
            self.at_start = semi;
        }
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// `$tag$` or `$$` at the start of `s`.
fn dollar_tag(s: &[u8]) -> Option<String> {
    let end = s[1..].iter().position(|&c| c == b'$')? + 2;
    let tag = &s[1..end - 1];
    let valid = tag.is_empty() || (!tag[0].is_ascii_digit() && tag.iter().all(|&c| is_ident(c)));
    valid.then(|| String::from_utf8_lossy(&s[..end]).into_owned())
}

/// Visits every COPY block of a plain dump.
pub fn read(lines: &mut dyn LineSource, ctx: &mut ReadCtx<'_>) -> Result<()> {
    let mut stmts = Statements::new();
    let (mut saw_header, mut saw_complete, mut saw_create, mut copies) = (false, false, false, 0u64);
    while let Some(line) = lines.next_line().map_err(super::compress::describe_io)? {
        let bytes = line.bytes;
        if !stmts.at_start || stmts.lex != Lex::Normal {
            stmts.feed(bytes);
            continue;
        }
        let trimmed = trim_start(bytes);
        if trimmed.starts_with(b"--") {
            saw_header |= trimmed.starts_with(b"-- PostgreSQL database dump")
                || trimmed.starts_with(b"-- PostgreSQL database cluster dump");
            saw_complete |= trimmed.starts_with(b"-- PostgreSQL database dump complete")
                || trimmed.starts_with(b"-- PostgreSQL database cluster dump complete");
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with(b"\\") {
            continue; // blank line, or a psql meta-command (\connect, \restrict …)
        }
        if starts_with_keyword(trimmed, "INSERT") {
            return Err(DumpError::Inserts.into());
        }
        saw_create |= starts_with_keyword(trimmed, "CREATE") && contains_word(trimmed, b"TABLE");
        if starts_with_keyword(trimmed, "COPY") && trimmed.ends_with(b"FROM stdin;") {
            let stmt = String::from_utf8_lossy(trimmed).into_owned();
            let offset = lines.line_offset();
            copy_block(lines, ctx, &stmt, offset)?;
            copies += 1;
            continue;
        }
        if setval::starts(trimmed) {
            let first = trimmed.to_vec();
            let offset = lines.line_offset();
            let stmt = statement(lines, &first)?;
            let parsed = setval::parse(&stmt).map_err(|reason| DumpError::BadSequenceValue {
                at: format!("{}: byte offset {offset}", ctx.path.display()),
                statement: stmt.trim_end().chars().take(200).collect(),
                reason,
            })?;
            ctx.sequence(&parsed)?;
            continue;
        }
        stmts.feed(bytes);
    }
    if saw_header && !saw_complete {
        return Err(DumpError::Truncated("the closing `-- PostgreSQL database dump complete` is missing".into()).into());
    }
    if copies == 0 {
        return Err(if saw_create {
            DumpError::SchemaOnly.into()
        } else {
            DumpError::NotADump("SQL text without COPY data or CREATE TABLE".into()).into()
        });
    }
    Ok(())
}

fn copy_block(lines: &mut dyn LineSource, ctx: &mut ReadCtx<'_>, stmt: &str, offset: u64) -> Result<()> {
    let parsed = copy_stmt::parse(stmt)
        .map_err(|e| anyhow::Error::from(e).context(format!("{}: byte offset {offset}", ctx.path.display())))?;
    let header = ctx.header(parsed.schema, parsed.name, parsed.columns);
    let want = ctx.begin(&header)?;
    ctx.rows(lines, &header, want, End::Marker)?;
    if let Some(done) = lines.consumed() {
        ctx.progress.current.set(done);
    }
    ctx.progress.tick();
    Ok(())
}

/// A longer `setval` statement is damage (a quote never closed), not data.
const MAX_STATEMENT: usize = 64 * 1024;

/// The statement starting with `first`, up to the line that ends it.
fn statement(lines: &mut dyn LineSource, first: &[u8]) -> Result<String> {
    let mut lex = Statements::new();
    let mut text = first.to_vec();
    lex.feed(first);
    while !(lex.at_start && lex.lex == Lex::Normal) && text.len() <= MAX_STATEMENT {
        let Some(line) = lines.next_line().map_err(super::compress::describe_io)? else { break };
        lex.feed(line.bytes);
        text.push(b'\n');
        text.extend_from_slice(line.bytes);
    }
    Ok(String::from_utf8_lossy(&text).into_owned())
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn starts_with_keyword(line: &[u8], word: &str) -> bool {
    line.len() > word.len()
        && line[..word.len()].eq_ignore_ascii_case(word.as_bytes())
        && line[word.len()].is_ascii_whitespace()
}

fn contains_word(line: &[u8], word: &[u8]) -> bool {
    line.split(|c| c.is_ascii_whitespace()).any(|w| w.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(lines: &[&str]) -> Vec<bool> {
        let mut s = Statements::new();
        lines
            .iter()
            .map(|l| {
                s.feed(l.as_bytes());
                s.at_start
            })
            .collect()
    }

    #[test]
    fn statement_starts_follow_quoting() {
        assert_eq!(
            starts(&[
                "CREATE FUNCTION f() RETURNS void AS $body$",
                "begin perform 1;",
                "COPY public.t (a) FROM stdin;",
                "end $body$ LANGUAGE plpgsql;",
                "COMMENT ON TABLE t IS 'x;",
                "y';",
                "SELECT 1 /* ; */ ;",
                "SELECT E'\\';' ;",
            ]),
            vec![false, false, false, true, false, true, true, true]
        );
    }

    #[test]
    fn sniffs_versions_and_database() {
        let head = b"--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\n\n-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)\n-- Dumped by pg_dump version 17.10\n\n\\connect -reuse-previous=on \"dbname='dendrite'\"\n";
        let m = sniff(head);
        assert_eq!(m.server_version.as_deref(), Some("15.18 (Debian 15.18-0+deb12u1)"));
        assert_eq!(m.pg_dump_version.as_deref(), Some("17.10"));
        assert_eq!(m.database.as_deref(), Some("dendrite"));
        assert_eq!(connect_target("\\connect dendrite"), Some("dendrite".into()));
    }
}
