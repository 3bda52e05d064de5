//! Events: `events`, `event_json`, `state_events`, `rejections`
//! (docs/synapse-schema.md §A.5, §B).
//!
//! The event JSON goes over as Dendrite stored it: Synapse recomputes event
//! IDs from it and refuses changed events. Only `unsigned` is edited, which no
//! hash or signature covers: Synapse persists just `age_ts`, `replaces_state`,
//! `invite_room_state` and `knock_room_state` there, so Dendrite's additions
//! (`redacted_because`, `redacted_by`) are removed ([`persisted_json`]). The
//! top-level members are kept byte for byte (raw values); only their order can
//! change, to sorted, which canonical JSON already is.
//!
//! `internal_metadata` says what Synapse cannot see in the row:
//! `soft_failed`, `redacted` (Dendrite pruned the JSON in place), and
//! `recheck_redaction: false` for redactions Dendrite validated. For local
//! sends it carries the client's `txn_id` and `device_id`, so the sender's
//! device sees `unsigned.transaction_id` as before.

use std::borrow::Cow;
use std::collections::BTreeMap;

use hashbrown::HashSet;

use serde_json::value::RawValue;

use crate::dendrite::event_json::unsigned_value_readable;
use crate::dendrite::Model;
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::{Instance, Rows};

use super::plan::{Kind, Plan, Planned};
use super::unsigned::Extras;

/// `unsigned` keys Synapse keeps when it persists an event (`Unsigned.for_persistence`).
const PERSISTED_UNSIGNED: [&str; 4] = ["age_ts", "invite_room_state", "knock_room_state", "replaces_state"];

/// Synapse's rejection reason for events that failed authorisation.
pub const REJECTED_REASON: &str = "auth_error";

/// What the converter adds to `unsigned` (neither is covered by hashes or
/// signatures): the state event this one replaced, from which Synapse serves
/// `prev_content`/`prev_sender`, and an invite's stripped room state, which
/// Dendrite keeps in `roomserver_invites` rather than in the event.
#[derive(Default)]
pub struct AddUnsigned<'a> {
    pub replaces_state: Option<&'a str>,
    pub invite_room_state: Option<&'a RawValue>,
}

/// The event JSON as Synapse stores it; borrowed when nothing changes.
pub fn persisted_json<'j>(json: &'j str, add: &AddUnsigned<'_>) -> Result<Cow<'j, str>, serde_json::Error> {
    let adding = add.replaces_state.is_some() || add.invite_room_state.is_some();
    if !adding && !json.contains("\"unsigned\"") {
        return Ok(Cow::Borrowed(json));
    }
    let mut top: BTreeMap<String, Box<RawValue>> = serde_json::from_str(json)?;
    let unsigned = top.remove("unsigned");
    if unsigned.is_none() && !adding {
        return Ok(Cow::Borrowed(json));
    }
    // A non-object `unsigned` cannot carry anything Synapse keeps.
    let mut u: BTreeMap<String, Box<RawValue>> =
        unsigned.and_then(|raw| serde_json::from_str(raw.get()).ok()).unwrap_or_default();
    // A value Synapse cannot read would make it refuse the whole event.
    u.retain(|k, v| PERSISTED_UNSIGNED.contains(&k.as_str()) && unsigned_value_readable(k, v));
    if let Some(id) = add.replaces_state {
        u.insert("replaces_state".into(), serde_json::value::to_raw_value(id)?);
    }
    let invite_state = add.invite_room_state.filter(|v| unsigned_value_readable("invite_room_state", v));
    if let (Some(state), false) = (invite_state, u.contains_key("invite_room_state")) {
        u.insert("invite_room_state".into(), state.to_owned());
    }
    if !u.is_empty() {
        top.insert("unsigned".into(), serde_json::value::to_raw_value(&u)?);
    }
    Ok(Cow::Owned(serde_json::to_string(&top)?))
}

/// Whether Dendrite stored the event pruned (its redaction was applied).
pub fn was_redacted(json: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Top<'a> {
        #[serde(borrow, default)]
        unsigned: Option<&'a RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct Unsigned<'a> {
        #[serde(borrow, default)]
        redacted_because: Option<&'a RawValue>,
    }
    let Ok(top) = serde_json::from_str::<Top>(json) else { return false };
    top.unsigned
        .and_then(|u| serde_json::from_str::<Unsigned>(u.get()).ok())
        .is_some_and(|u| u.redacted_because.is_some())
}

/// What `internal_metadata` holds for one event.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Meta<'a> {
    pub soft_failed: bool,
    pub redacted: bool,
    pub recheck_redaction_false: bool,
    pub out_of_band_membership: bool,
    pub txn: Option<(&'a str, &'a str)>,
}

impl Meta<'_> {
    pub fn to_json(&self) -> String {
        let mut m = serde_json::Map::new();
        if let Some((device, txn)) = self.txn {
            m.insert("device_id".into(), device.into());
            m.insert("txn_id".into(), txn.into());
        }
        if self.out_of_band_membership {
            m.insert("out_of_band_membership".into(), true.into());
        }
        if self.recheck_redaction_false {
            m.insert("recheck_redaction".into(), false.into());
        }
        if self.redacted {
            m.insert("redacted".into(), true.into());
        }
        if self.soft_failed {
            m.insert("soft_failed".into(), true.into());
        }
        serde_json::Value::Object(m).to_string()
    }
}

/// Facts about redactions and sessions the metadata needs, gathered once.
pub struct MetaSources<'m> {
    /// Targets of redactions Dendrite validated (and so applied). Hashed: both
    /// sets are asked about every event, and never iterated.
    pub redacted_targets: HashSet<&'m str>,
    /// Redaction events Dendrite validated.
    pub validated_redactions: HashSet<&'m str>,
    /// `session_id` → device ID.
    pub sessions: BTreeMap<i64, &'m str>,
}

impl<'m> MetaSources<'m> {
    pub fn new(model: &'m Model) -> MetaSources<'m> {
        let r = &model.events.redactions;
        MetaSources {
            redacted_targets: r.values().filter(|x| x.validated).map(|x| x.redacts_event_id.as_str()).collect(),
            validated_redactions: r.iter().filter(|(_, x)| x.validated).map(|(k, _)| k.as_str()).collect(),
            sessions: model.accounts.devices.iter().map(|((_, dev), d)| (d.session_id, dev.as_str())).collect(),
        }
    }

    /// The metadata of `p`, whose JSON is `json`.
    pub fn meta(&self, model: &'m Model, p: &Planned<'_>, json: &str) -> Meta<'m> {
        let id = p.event_id();
        let txn = model.sync.by_nid(p.event.nid).and_then(|s| {
            let device = self.sessions.get(&s.session_id?)?;
            Some((*device, s.transaction_id?))
        });
        Meta {
            soft_failed: p.kind == Kind::SoftFailed,
            redacted: self.redacted_targets.contains(id) || was_redacted(json),
            recheck_redaction_false: self.validated_redactions.contains(id),
            out_of_band_membership: false,
            txn,
        }
    }
}

fn event_row<'a>(p: &'a Planned<'a>) -> syn::Event<'a> {
    syn::Event {
        topological_ordering: p.event.depth,
        event_id: Cow::Borrowed(&p.event.event_id),
        event_type: p.event_type.into(),
        room_id: p.room.room_id.as_str().into(),
        processed: true,
        outlier: p.is_outlier(),
        depth: p.event.depth,
        origin_server_ts: p.fields.origin_server_ts,
        received_ts: p.received_ts,
        sender: p.fields.sender.as_deref().map(Cow::Borrowed),
        contains_url: p.fields.contains_url,
        instance_name: Instance,
        stream_ordering: p.stream_ordering,
        state_key: p.state_key.map(Cow::Borrowed),
        rejection_reason: p.is_rejected().then_some(Cow::Borrowed(REJECTED_REASON)),
    }
}

/// `events`, `event_json`, `state_events` and `rejections` for every planned
/// event. The first three (a row per event or state event, the JSON in
/// every `event_json` row) are made while they are written, not held, by
/// ranges of planned events on every core; each range reads its JSON back
/// from the spill file in NID order through its own window.
pub fn tables<'a>(model: &'a Model, plan: &'a Plan<'a>, out: &mut Tables<'a>) {
    for p in plan.events.iter().filter(|p| p.is_rejected()) {
        out.rejections.push(syn::Rejection {
            event_id: Cow::Borrowed(&p.event.event_id),
            reason: REJECTED_REASON.into(),
            last_check: p.received_ts.to_string().into(),
        });
    }
    let n = plan.events.len();
    out.state_events = Rows::ranged(
        plan.events.iter().filter(|p| p.state_key.is_some()).count(),
        n,
        Box::new(move |range, sink| {
            for p in &plan.events[range] {
                if let Some(key) = p.state_key {
                    sink(&syn::StateEvent {
                        event_id: Cow::Borrowed(&p.event.event_id),
                        room_id: p.room.room_id.as_str().into(),
                        event_type: p.event_type.into(),
                        state_key: key.into(),
                    })?;
                }
            }
            Ok(())
        }),
    );
    out.events = Rows::ranged(
        n,
        n,
        Box::new(move |range, sink| plan.events[range].iter().try_for_each(|p| sink(&event_row(p)))),
    );
    let sources = MetaSources::new(model);
    let extras = Extras::new(model, plan);
    out.event_json = Rows::ranged(
        n,
        n,
        Box::new(move |range, sink| {
            let mut window = model.events.spill().map(|s| s.window());
            plan.events[range].iter().try_for_each(|p| {
                let json = match (p.event.json, window.as_mut()) {
                    (Some(span), Some(w)) => w.read(span)?,
                    _ => "",
                };
                sink(&event_json_row(model, &sources, &extras, p, json)?)
            })
        }),
    );
}

/// One `event_json` row; its JSON is a copy, as the window's buffer moves on.
fn event_json_row<'a>(
    model: &'a Model,
    sources: &MetaSources<'a>,
    extras: &Extras<'a>,
    p: &'a Planned<'a>,
    json: &str,
) -> anyhow::Result<syn::EventJson<'a>> {
    let body =
        persisted_json(json, &extras.for_event(p)).map_err(|e| anyhow::anyhow!("event {}: {e}", p.event_id()))?;
    Ok(syn::EventJson {
        event_id: Cow::Borrowed(&p.event.event_id),
        room_id: p.room.room_id.as_str().into(),
        internal_metadata: sources.meta(model, p, json).to_json().into(),
        json: Cow::Owned(body.into_owned()),
        format_version: p.format_version(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dendrite_unsigned_keys_are_stripped_and_the_rest_kept_byte_for_byte() {
        let none = AddUnsigned::default();
        let plain = r#"{"content":{"body":"1.50"},"depth":3,"type":"m.room.message"}"#;
        assert!(matches!(persisted_json(plain, &none).unwrap(), Cow::Borrowed(_)));
        let redacted = r#"{"content":{},"depth":12345678901234,"origin_server_ts":1.0e3,"type":"m.room.message","unsigned":{"redacted_because":{"type":"m.room.redaction","content":{}},"redacted_by":"$r"}}"#;
        assert_eq!(
            persisted_json(redacted, &none).unwrap(),
            r#"{"content":{},"depth":12345678901234,"origin_server_ts":1.0e3,"type":"m.room.message"}"#
        );
        let invite = r#"{"content":{"membership":"invite"},"unsigned":{"age_ts":5,"invite_room_state":[{"a":"é\u00e9"}],"prev_content":{}}}"#;
        assert_eq!(
            persisted_json(invite, &none).unwrap(),
            r#"{"content":{"membership":"invite"},"unsigned":{"age_ts":5,"invite_room_state":[{"a":"é\u00e9"}]}}"#
        );
        // "unsigned" only as a string inside content: nothing to strip.
        let body = r#"{"content":{"body":"\"unsigned\""},"type":"m.room.message"}"#;
        assert_eq!(persisted_json(body, &none).unwrap(), body);
        assert!(persisted_json("{not json, \"unsigned\"", &none).is_err());
    }

    #[test]
    fn replaced_state_and_invite_state_are_added_to_unsigned() {
        let state: Box<RawValue> = serde_json::from_str(r#"[{"type":"m.room.name","content":{"name":"x"}}]"#).unwrap();
        let add = AddUnsigned { replaces_state: Some("$old\"q"), invite_room_state: Some(&state) };
        let ev = r#"{"content":{"membership":"invite"},"type":"m.room.member"}"#;
        assert_eq!(
            persisted_json(ev, &add).unwrap(),
            r#"{"content":{"membership":"invite"},"type":"m.room.member","unsigned":{"invite_room_state":[{"type":"m.room.name","content":{"name":"x"}}],"replaces_state":"$old\"q"}}"#
        );
        // Values Synapse cannot read are dropped, and a list from roomserver_invites takes the place of one.
        let bad = r#"{"type":"m.room.member","unsigned":{"age_ts":"x","invite_room_state":{},"replaces_state":1}}"#;
        assert_eq!(persisted_json(bad, &AddUnsigned::default()).unwrap(), r#"{"type":"m.room.member"}"#);
        let add = AddUnsigned { replaces_state: None, invite_room_state: Some(&state) };
        assert_eq!(
            persisted_json(bad, &add).unwrap(),
            r#"{"type":"m.room.member","unsigned":{"invite_room_state":[{"type":"m.room.name","content":{"name":"x"}}]}}"#
        );
        let not_list = serde_json::value::to_raw_value(&serde_json::json!({"a": 1})).unwrap();
        let add = AddUnsigned { replaces_state: None, invite_room_state: Some(&not_list) };
        assert_eq!(persisted_json(bad, &add).unwrap(), r#"{"type":"m.room.member"}"#);
        // The event's own invite_room_state wins.
        let own = r#"{"type":"m.room.member","unsigned":{"invite_room_state":[]}}"#;
        let add = AddUnsigned { replaces_state: None, invite_room_state: Some(&state) };
        assert_eq!(persisted_json(own, &add).unwrap(), own);
    }

    #[test]
    fn redacted_is_seen_from_dendrites_unsigned() {
        assert!(was_redacted(r#"{"unsigned":{"redacted_because":{}}}"#));
        assert!(!was_redacted(r#"{"unsigned":{"age_ts":1}}"#));
        assert!(!was_redacted(r#"{"content":{"redacted_because":1}}"#));
    }

    #[test]
    fn metadata_json_holds_only_what_applies() {
        assert_eq!(Meta::default().to_json(), "{}");
        let m = Meta {
            soft_failed: true,
            redacted: true,
            recheck_redaction_false: true,
            out_of_band_membership: false,
            txn: Some(("DEV", "t1")),
        };
        assert_eq!(
            m.to_json(),
            r#"{"device_id":"DEV","recheck_redaction":false,"redacted":true,"soft_failed":true,"txn_id":"t1"}"#
        );
    }
}
