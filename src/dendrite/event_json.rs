//! Lenient reading of the few fields convert needs from an event's JSON.
//!
//! The JSON itself stays untouched (see [`super::events`]); this only looks.
//! Every field is optional and typed loosely: a field of an unexpected type
//! reads as absent rather than failing, so one odd event (a numeric
//! `displayname`, a `m.relates_to` that is a string) never drops the event.
//! Only JSON that does not parse at all is an error.
//!
//! The fields are held for every event until the SQL is written, so they cost
//! little: strings borrow from the JSON (only one with escapes is copied),
//! and what few events have (membership, a relation, `redacts`) is boxed.
//!
//! Traps: fields are captured raw first and converted after, and a declared
//! field whose value `serde_json::Value` would refuse (a lone surrogate, a
//! number out of range) still fails the parse, as a plain `Value` field
//! would; fields are declared in the same order as before, because serde's
//! derive also reads a JSON array positionally into a struct.
//! `content` is parsed in a second step, so a non-object `content` reads as
//! empty content instead of failing the outer parse.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Error, Value};

#[derive(Debug, Default, PartialEq)]
pub struct EventFields<'a> {
    pub sender: Option<Cow<'a, str>>,
    pub origin_server_ts: Option<i64>,
    /// Event IDs, from either format: `["$a", …]` (v3+) or `[["$a", {hashes}], …]` (v1, v2).
    pub prev_events: Box<[Cow<'a, str>]>,
    /// What few events have; `None` when it would be all empty.
    pub rare: Option<Box<Rare<'a>>>,
    /// `content.url` is a string (Synapse's `contains_url`).
    pub contains_url: bool,
}

#[derive(Debug, Default, PartialEq)]
pub struct Rare<'a> {
    /// Top-level `redacts` (v1–v10) or `content.redacts` (v11+).
    pub redacts: Option<Cow<'a, str>>,
    pub membership: Option<Cow<'a, str>>,
    pub displayname: Option<Cow<'a, str>>,
    pub avatar_url: Option<Cow<'a, str>>,
    pub relation: Option<Relation>,
    /// `unsigned` holds a value Synapse's event class cannot read
    /// ([`unsigned_value_readable`]); convert drops it and reports the event.
    pub unsigned_unreadable: bool,
}

#[derive(Debug, PartialEq)]
pub struct Relation {
    pub rel_type: String,
    pub event_id: String,
    /// Annotation key (`m.annotation`).
    pub key: Option<String>,
}

type Raw<'a> = Option<&'a RawValue>;

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(rename = "type", borrow, default)]
    event_type: Raw<'a>,
    #[serde(borrow, default)]
    state_key: Raw<'a>,
    #[serde(borrow, default)]
    sender: Raw<'a>,
    #[serde(borrow, default)]
    room_id: Raw<'a>,
    #[serde(default)]
    origin_server_ts: Value,
    #[serde(borrow, default)]
    prev_events: Raw<'a>,
    #[serde(borrow, default)]
    redacts: Raw<'a>,
    #[serde(borrow, default)]
    content: Raw<'a>,
    #[serde(borrow, default)]
    unsigned: Raw<'a>,
}

#[derive(Deserialize)]
struct Content<'a> {
    #[serde(borrow, default)]
    membership: Raw<'a>,
    #[serde(borrow, default)]
    displayname: Raw<'a>,
    #[serde(borrow, default)]
    avatar_url: Raw<'a>,
    #[serde(borrow, default)]
    redacts: Raw<'a>,
    #[serde(borrow, default)]
    url: Raw<'a>,
    #[serde(rename = "m.relates_to", default)]
    relates_to: Value,
}

/// Whether Synapse's event class reads this `unsigned` value. Of what
/// `unsigned` holds, Synapse keeps four keys when it stores an event, and
/// reads each as one JSON type: `age_ts` a number, `replaces_state` a string,
/// `invite_room_state` and `knock_room_state` a list (each may be `null`).
/// A value of another type makes it refuse the whole event whenever it loads
/// it ("Invalid event JSON"; docs/synapse-schema.md §A.5, docs/safety.md). Other keys are
/// not kept, so any value reads.
pub fn unsigned_value_readable(key: &str, value: &RawValue) -> bool {
    let text = value.get();
    let first = text.as_bytes().first().copied().unwrap_or(b'n');
    text == "null"
        || match key {
            "age_ts" => first == b'-' || first.is_ascii_digit(),
            "replaces_state" => first == b'"',
            "invite_room_state" | "knock_room_state" => first == b'[',
            _ => true,
        }
}

/// An object `unsigned` with a value Synapse cannot read. Keys are compared
/// unescaped and a repeated key counts by its last value, as convert reads it.
fn unsigned_unreadable(raw: Raw<'_>) -> bool {
    let Some(raw) = raw.filter(|r| r.get().starts_with('{')) else { return false };
    let Ok(map) = serde_json::from_str::<std::collections::BTreeMap<String, &RawValue>>(raw.get()) else {
        return false;
    };
    map.iter().any(|(k, v)| !unsigned_value_readable(k, v))
}

/// What `content` contributes, after conversion.
#[derive(Default)]
struct ContentFields<'a> {
    rare: Rare<'a>,
    contains_url: bool,
}

/// A string field: borrowed unless it has escapes; any other value is absent
/// (after the check a `Value` field would have made).
fn string<'a>(raw: Raw<'a>) -> Result<Option<Cow<'a, str>>, Error> {
    let Some(raw) = raw else { return Ok(None) };
    let text = raw.get();
    if !text.starts_with('"') {
        serde_json::from_str::<Value>(text)?;
        return Ok(None);
    }
    Ok(Some(match serde_json::from_str::<&str>(text) {
        Ok(plain) => Cow::Borrowed(plain),
        Err(_) => Cow::Owned(serde_json::from_str::<String>(text)?),
    }))
}

fn prev_event_ids<'a>(raw: Raw<'a>) -> Result<Box<[Cow<'a, str>]>, Error> {
    let Some(list) = raw.filter(|r| r.get().starts_with('[')) else {
        string(raw)?;
        return Ok(Box::default());
    };
    let items: Vec<&RawValue> = serde_json::from_str(list.get())?;
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        if !item.get().starts_with('[') {
            ids.extend(string(Some(item))?);
            continue;
        }
        // v1/v2: [event ID, hashes]
        let pair: Vec<&RawValue> = serde_json::from_str(item.get())?;
        let mut parts = pair.into_iter();
        ids.extend(string(parts.next())?);
        for rest in parts {
            string(Some(rest))?;
        }
    }
    Ok(ids.into_boxed_slice())
}

fn relation(v: Value) -> Option<Relation> {
    let Value::Object(mut m) = v else { return None };
    let string = |v: Value| match v {
        Value::String(s) => Some(s),
        _ => None,
    };
    Some(Relation {
        rel_type: string(m.remove("rel_type")?)?,
        event_id: string(m.remove("event_id")?)?,
        key: m.remove("key").and_then(string),
    })
}

impl<'a> ContentFields<'a> {
    fn read(raw: &'a RawValue) -> Result<ContentFields<'a>, Error> {
        let c: Content<'a> = serde_json::from_str(raw.get())?;
        Ok(ContentFields {
            rare: Rare {
                membership: string(c.membership)?,
                displayname: string(c.displayname)?,
                avatar_url: string(c.avatar_url)?,
                redacts: string(c.redacts)?,
                relation: relation(c.relates_to),
                unsigned_unreadable: false,
            },
            contains_url: string(c.url)?.is_some(),
        })
    }
}

impl<'a> EventFields<'a> {
    pub fn parse(json: &'a str) -> Result<EventFields<'a>, Error> {
        let top: Top<'a> = serde_json::from_str(json)?;
        // Read only to fail as before on what `Value` refuses; the NIDs say these.
        for unused in [top.event_type, top.state_key, top.room_id] {
            string(unused)?;
        }
        let sender = string(top.sender)?;
        let prev_events = prev_event_ids(top.prev_events)?;
        let redacts = string(top.redacts)?;
        // A content that is not an object (or has a field `Value` refuses) reads as empty content.
        let content = top.content.and_then(|raw| ContentFields::read(raw).ok()).unwrap_or_default();
        let mut rare = content.rare;
        rare.redacts = redacts.or(rare.redacts);
        rare.unsigned_unreadable = unsigned_unreadable(top.unsigned);
        Ok(EventFields {
            sender,
            origin_server_ts: top.origin_server_ts.as_i64(),
            prev_events,
            rare: (rare != Rare::default()).then(|| Box::new(rare)),
            contains_url: content.contains_url,
        })
    }
}

/// Convert keeps the fields owned (src/convert/fields.rs, with the same
/// accessors); these are for the tests and the fuzz target.
#[cfg(any(test, fuzzing))]
impl EventFields<'_> {
    pub fn redacts(&self) -> Option<&str> {
        self.rare.as_ref()?.redacts.as_deref()
    }

    pub fn membership(&self) -> Option<&str> {
        self.rare.as_ref()?.membership.as_deref()
    }

    pub fn displayname(&self) -> Option<&str> {
        self.rare.as_ref()?.displayname.as_deref()
    }

    pub fn relation(&self) -> Option<&Relation> {
        self.rare.as_ref()?.relation.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_v1_and_v3_prev_events() {
        let v1 = r#"{"prev_events":[["$a:s",{"sha256":"x"}],["$b:s",{}]],"type":"m.room.message"}"#;
        assert_eq!(EventFields::parse(v1).unwrap().prev_events[..], ["$a:s", "$b:s"]);
        let v3 = r#"{"prev_events":["$a","$b"]}"#;
        assert_eq!(EventFields::parse(v3).unwrap().prev_events[..], ["$a", "$b"]);
    }

    #[test]
    fn odd_types_read_as_absent_not_errors() {
        let j = r#"{"type":"m.room.member","state_key":"@u:s","sender":7,
                   "content":{"membership":"join","displayname":12,"avatar_url":null,
                              "m.relates_to":"nope","url":{"x":1}}}"#;
        let f = EventFields::parse(j).unwrap();
        assert_eq!(f.membership(), Some("join"));
        assert_eq!(f.sender, None);
        assert_eq!(f.displayname(), None);
        assert_eq!(f.relation(), None);
        assert!(!f.contains_url);
        let not_object = r#"{"sender":"@x:s","content":[1,2]}"#;
        let f = EventFields::parse(not_object).unwrap();
        assert_eq!((f.sender.as_deref(), f.rare), (Some("@x:s"), None));
        assert!(EventFields::parse("{not json").is_err());
    }

    #[test]
    fn relations_and_redacts_in_both_places() {
        let j =
            r#"{"content":{"m.relates_to":{"rel_type":"m.annotation","event_id":"$t","key":"👍"},"url":"mxc://s/m"}}"#;
        let f = EventFields::parse(j).unwrap();
        assert_eq!(
            f.relation(),
            Some(&Relation { rel_type: "m.annotation".into(), event_id: "$t".into(), key: Some("👍".into()) })
        );
        assert!(f.contains_url);
        assert_eq!(EventFields::parse(r#"{"redacts":"$x"}"#).unwrap().redacts(), Some("$x"));
        let v11 = r#"{"content":{"redacts":"$y"}}"#;
        assert_eq!(EventFields::parse(v11).unwrap().redacts(), Some("$y"));
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let j = r#"{"sender":"@a:s","prev_events":["$p\/q"],"content":{"displayname":"A \"B\""}}"#;
        let f = EventFields::parse(j).unwrap();
        assert!(matches!(f.sender, Some(Cow::Borrowed("@a:s"))));
        assert!(matches!(&f.prev_events[..], [Cow::Owned(id)] if id == "$p/q"));
        assert_eq!(f.displayname(), Some("A \"B\""));
    }

    #[test]
    fn unsigned_values_synapse_cannot_read_are_flagged() {
        let flagged = |u: &str| {
            let json = format!(r#"{{"sender":"@a:s","unsigned":{u}}}"#);
            EventFields::parse(&json).unwrap().rare.is_some_and(|r| r.unsigned_unreadable)
        };
        // The types Synapse 1.163.2's event class reads (tried with its make_event_from_dict).
        for ok in [
            r#"{"age_ts":-5,"replaces_state":"$e","invite_room_state":[1],"knock_room_state":null}"#,
            r#"{"age_ts":1.5,"prev_content":"anything","redacted_because":7}"#,
            r#"{"invite_room_state":[]}"#,
            r#""not an object""#,
        ] {
            assert!(!flagged(ok), "{ok}");
        }
        for bad in [
            r#"{"age_ts":"yesterday"}"#,
            r#"{"age_ts":true}"#,
            r#"{"replaces_state":5}"#,
            r#"{"invite_room_state":{"n":1}}"#,
            r#"{"knock_room_state":"x"}"#,
            r#"{"invite_room_state":3}"#,
            r#"{"age_ts":1,"age_ts":"x"}"#,
        ] {
            assert!(flagged(bad), "{bad}");
        }
        assert!(!flagged(r#"{"age_ts":"x","age_ts":1}"#), "the last of a repeated key counts");
    }

    #[test]
    fn what_serde_json_value_refuses_still_fails() {
        // A lone surrogate in a declared field, and a number out of range:
        // serde_json::Value refuses both, so the old Value-typed parse failed.
        assert!(serde_json::from_str::<Value>(r#""\ud800""#).is_err());
        assert!(serde_json::from_str::<Value>("1e400").is_err());
        assert!(EventFields::parse(r#"{"sender":"\ud800"}"#).is_err());
        assert!(EventFields::parse(r#"{"room_id":1e400}"#).is_err());
        assert!(EventFields::parse(r#"{"prev_events":[["$a",{"x":"\udc00"}]]}"#).is_err());
        // In content, the same makes the content empty, not the event fail.
        let f = EventFields::parse(r#"{"sender":"@a:s","content":{"membership":"join","url":"\ud800"}}"#).unwrap();
        assert_eq!((f.membership(), f.contains_url), (None, false));
        // Undeclared fields are not checked (nor were they before).
        assert!(EventFields::parse(r#"{"content":{"body":"\ud800"},"extra":1e400}"#).is_ok());
    }
}
