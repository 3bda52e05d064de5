//! Lenient reading of the few fields convert needs from an event's JSON.
//!
//! The JSON itself stays untouched (see [`super::events`]); this only looks.
//! Every field is optional and typed loosely: a field of an unexpected type
//! reads as absent rather than failing, so one odd event (a numeric
//! `displayname`, a `m.relates_to` that is a string) never drops the event.
//! Only JSON that does not parse at all is an error.
//!
//! `content` is captured raw and parsed in a second step for the same reason:
//! a non-object `content` must not fail the outer parse.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

#[derive(Debug, Default, PartialEq)]
pub struct EventFields {
    pub event_type: Option<String>,
    pub state_key: Option<String>,
    pub sender: Option<String>,
    pub room_id: Option<String>,
    pub origin_server_ts: Option<i64>,
    /// Event IDs, from either format: `["$a", …]` (v3+) or `[["$a", {hashes}], …]` (v1, v2).
    pub prev_events: Vec<String>,
    /// Top-level `redacts` (v1–v10) or `content.redacts` (v11+).
    pub redacts: Option<String>,
    pub membership: Option<String>,
    pub displayname: Option<String>,
    pub avatar_url: Option<String>,
    pub relation: Option<Relation>,
    /// `content.url` is a string (Synapse's `contains_url`).
    pub contains_url: bool,
}

#[derive(Debug, PartialEq)]
pub struct Relation {
    pub rel_type: String,
    pub event_id: String,
    /// Annotation key (`m.annotation`).
    pub key: Option<String>,
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(rename = "type", default)]
    event_type: Value,
    #[serde(default)]
    state_key: Value,
    #[serde(default)]
    sender: Value,
    #[serde(default)]
    room_id: Value,
    #[serde(default)]
    origin_server_ts: Value,
    #[serde(default)]
    prev_events: Value,
    #[serde(default)]
    redacts: Value,
    #[serde(borrow, default)]
    content: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Content {
    #[serde(default)]
    membership: Value,
    #[serde(default)]
    displayname: Value,
    #[serde(default)]
    avatar_url: Value,
    #[serde(default)]
    redacts: Value,
    #[serde(default)]
    url: Value,
    #[serde(rename = "m.relates_to", default)]
    relates_to: Value,
}

fn string(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn prev_event_ids(v: Value) -> Vec<String> {
    let Value::Array(items) = v else { return Vec::new() };
    items
        .into_iter()
        .filter_map(|item| match item {
            Value::String(s) => Some(s),
            Value::Array(mut pair) if !pair.is_empty() => string(pair.swap_remove(0)),
            _ => None,
        })
        .collect()
}

fn relation(v: Value) -> Option<Relation> {
    let Value::Object(mut m) = v else { return None };
    Some(Relation {
        rel_type: string(m.remove("rel_type")?)?,
        event_id: string(m.remove("event_id")?)?,
        key: m.remove("key").and_then(string),
    })
}

impl EventFields {
    pub fn parse(json: &str) -> Result<EventFields, serde_json::Error> {
        let top: Top = serde_json::from_str(json)?;
        // A content that is not an object reads as empty content.
        let content: Content = top
            .content
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or_default();
        Ok(EventFields {
            event_type: string(top.event_type),
            state_key: string(top.state_key),
            sender: string(top.sender),
            room_id: string(top.room_id),
            origin_server_ts: top.origin_server_ts.as_i64(),
            prev_events: prev_event_ids(top.prev_events),
            redacts: string(top.redacts).or_else(|| string(content.redacts)),
            membership: string(content.membership),
            displayname: string(content.displayname),
            avatar_url: string(content.avatar_url),
            relation: relation(content.relates_to),
            contains_url: matches!(content.url, Value::String(_)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_v1_and_v3_prev_events() {
        let v1 = r#"{"prev_events":[["$a:s",{"sha256":"x"}],["$b:s",{}]],"type":"m.room.message"}"#;
        assert_eq!(EventFields::parse(v1).unwrap().prev_events, ["$a:s", "$b:s"]);
        let v3 = r#"{"prev_events":["$a","$b"]}"#;
        assert_eq!(EventFields::parse(v3).unwrap().prev_events, ["$a", "$b"]);
    }

    #[test]
    fn odd_types_read_as_absent_not_errors() {
        let j = r#"{"type":"m.room.member","state_key":"@u:s","sender":7,
                   "content":{"membership":"join","displayname":12,"avatar_url":null,
                              "m.relates_to":"nope","url":{"x":1}}}"#;
        let f = EventFields::parse(j).unwrap();
        assert_eq!(f.membership.as_deref(), Some("join"));
        assert_eq!(f.sender, None);
        assert_eq!(f.displayname, None);
        assert_eq!(f.relation, None);
        assert!(!f.contains_url);
        let not_object = r#"{"type":"x","content":[1,2]}"#;
        assert_eq!(EventFields::parse(not_object).unwrap().event_type.as_deref(), Some("x"));
        assert!(EventFields::parse("{not json").is_err());
    }

    #[test]
    fn relations_and_redacts_in_both_places() {
        let j = r#"{"content":{"m.relates_to":{"rel_type":"m.annotation","event_id":"$t","key":"👍"},"url":"mxc://s/m"}}"#;
        let f = EventFields::parse(j).unwrap();
        assert_eq!(
            f.relation,
            Some(Relation { rel_type: "m.annotation".into(), event_id: "$t".into(), key: Some("👍".into()) })
        );
        assert!(f.contains_url);
        assert_eq!(EventFields::parse(r#"{"redacts":"$x"}"#).unwrap().redacts.as_deref(), Some("$x"));
        let v11 = r#"{"content":{"redacts":"$y"}}"#;
        assert_eq!(EventFields::parse(v11).unwrap().redacts.as_deref(), Some("$y"));
    }
}
