//! Push rules and pushers → Synapse.
//!
//! Dendrite stores each user's *complete* rule set as `m.push_rules` account
//! data (server defaults included, flagged `"default": true`). Synapse stores
//! only what differs from its own defaults:
//! * user rules → `push_rules`, rule ID `global/<kind>/<id>`, priority class
//!   by kind (override 5, content 4, room 3, sender 2, underride 1) and
//!   priorities counting down in the user's order (Synapse sorts by class,
//!   then priority, highest first); content/room/sender rules get the
//!   conditions Synapse's own API would have built for them;
//! * a disabled user rule, or a default whose enabled flag differs from
//!   Synapse's default → `push_rules_enable`;
//! * a default whose actions mean something else than Synapse's default
//!   actions → `push_rules` with priority class -1 (Synapse's "actions
//!   override" row, conditions `[]`).
//!
//! Actions are compared for meaning, not spelling: Dendrite writes
//! `{"set_tweak":"highlight"}` and omits `highlight: false`, Synapse spells
//! both out, and the order of tweaks carries no meaning.
//!
//! Pushers keep their device (Synapse deletes a device's pushers with it) and
//! start at the end of the imported history, so nothing old is pushed again.

use std::collections::BTreeSet;

use anyhow::Result;
use serde_json::{json, Value as Json};

use super::account_data::PUSH_RULES;
use super::push_defaults;
use super::report::{Skip, Skipped};
use super::users::UserContext;
use crate::dendrite::account_data::AccountData;
use crate::dendrite::push::Pushers;
use crate::synapse::tables as syn;
use crate::synapse::{Flag, Instance, Rows};

/// The kinds of a rule set, with Synapse's priority class for each.
const KINDS: [(&str, i64); 5] = [("override", 5), ("content", 4), ("room", 3), ("sender", 2), ("underride", 1)];

#[derive(Default)]
pub struct PushTables<'a> {
    pub push_rules: Rows<'a, syn::PushRule<'a>>,
    pub push_rules_enable: Rows<'a, syn::PushRuleEnable<'a>>,
    pub push_rules_stream: Rows<'a, syn::PushRulesStream<'a>>,
}

/// Counters of the `IdGenerator`-numbered tables (Synapse reads MAX(id) at start).
#[derive(Default)]
struct Ids {
    rule: i64,
    enable: i64,
}

pub fn convert_rules<'a>(data: &AccountData, ctx: &UserContext, skips: &mut Skipped) -> Result<PushTables<'a>> {
    let mut out = PushTables::default();
    let mut ids = Ids::default();
    let mut stream = ctx.streams().counter();
    for (user, row) in super::account_data::local_rows(data, ctx) {
        if row.data_type != PUSH_RULES || row.room_id.is_some() {
            continue;
        }
        let Ok(set) = serde_json::from_str::<Json>(&row.content) else {
            skips.add(Skip::PushRulesNotJson);
            continue;
        };
        let before = (out.push_rules.rows.len(), out.push_rules_enable.rows.len());
        user_rules(&user, &set, &mut out, &mut ids, skips)?;
        let first = (out.push_rules.rows.get(before.0).map(|r| &r.rule_id)).or(out
            .push_rules_enable
            .rows
            .get(before.1)
            .map(|r| &r.rule_id));
        // One change-log entry per user with changes makes a client that
        // resumes with an old since token fetch its rules again.
        if let Some(rule_id) = first {
            let rule_id = rule_id.to_string().into();
            out.push_rules_stream.push(syn::PushRulesStream {
                stream_id: stream.next(),
                event_stream_ordering: ctx.streams().live_max,
                user_id: user.clone().into(),
                rule_id,
                op: "ADD".into(),
                instance_name: Instance,
            });
        }
    }
    Ok(out)
}

fn user_rules(user: &str, set: &Json, out: &mut PushTables, ids: &mut Ids, skips: &mut Skipped) -> Result<()> {
    for (kind, class) in KINDS {
        let Some(list) = set.pointer(&format!("/global/{kind}")) else { continue };
        let Some(list) = list.as_array() else {
            skips.add(Skip::PushKindNotList(kind));
            continue;
        };
        let custom: Vec<&Json> = list.iter().filter(|r| !is_default(r)).collect();
        let mut priority = custom.len() as i64;
        for rule in list {
            let Some(id) = rule.get("rule_id").and_then(Json::as_str) else {
                skips.add(Skip::PushRuleWithoutId);
                continue;
            };
            let enabled = rule.get("enabled").and_then(Json::as_bool).unwrap_or(true);
            let actions = rule.get("actions").cloned().unwrap_or_else(|| json!([]));
            let full_id = format!("global/{kind}/{id}");
            if is_default(rule) {
                default_rule(user, kind, id, &full_id, enabled, &actions, out, ids, skips)?;
                continue;
            }
            let Some(conditions) = conditions(kind, id, rule) else {
                skips.add(Skip::PushRuleIncomplete(kind));
                continue;
            };
            ids.rule += 1;
            out.push_rules.push(syn::PushRule {
                id: ids.rule,
                user_name: user.to_owned().into(),
                rule_id: full_id.clone().into(),
                priority_class: class,
                priority,
                conditions: serde_json::to_string(&conditions)?.into(),
                actions: serde_json::to_string(&actions)?.into(),
            });
            priority -= 1;
            if !enabled {
                enable_row(user, full_id, false, out, ids);
            }
        }
    }
    Ok(())
}

fn is_default(rule: &Json) -> bool {
    rule.get("default").and_then(Json::as_bool).unwrap_or(false)
}

#[allow(clippy::too_many_arguments)]
fn default_rule(
    user: &str,
    kind: &'static str,
    id: &str,
    full_id: &str,
    enabled: bool,
    actions: &Json,
    out: &mut PushTables,
    ids: &mut Ids,
    skips: &mut Skipped,
) -> Result<()> {
    let Some(synapse) = push_defaults::find(kind, id) else {
        skips.add(Skip::PushDefaultUnknown(kind, id.to_owned()));
        return Ok(());
    };
    if enabled != synapse.enabled {
        enable_row(user, full_id.to_owned(), enabled, out, ids);
    }
    let theirs: Json = serde_json::from_str(synapse.actions)?;
    if normalised_actions(actions) != normalised_actions(&theirs) {
        ids.rule += 1;
        out.push_rules.push(syn::PushRule {
            id: ids.rule,
            user_name: user.to_owned().into(),
            rule_id: full_id.to_owned().into(),
            priority_class: -1,
            priority: 1,
            conditions: "[]".into(),
            actions: serde_json::to_string(actions)?.into(),
        });
    }
    Ok(())
}

fn enable_row(user: &str, full_id: String, enabled: bool, out: &mut PushTables, ids: &mut Ids) {
    ids.enable += 1;
    out.push_rules_enable.push(syn::PushRuleEnable {
        id: ids.enable,
        user_name: user.to_owned().into(),
        rule_id: full_id.into(),
        enabled: Flag(enabled),
    });
}

/// The conditions Synapse keeps for a user rule of each kind (the same its
/// client API builds from a PUT of that kind).
pub fn conditions(kind: &str, id: &str, rule: &Json) -> Option<Json> {
    match kind {
        "override" | "underride" => Some(rule.get("conditions").cloned().unwrap_or_else(|| json!([]))),
        "content" => {
            let pattern = rule.get("pattern")?.as_str()?;
            Some(json!([{"kind": "event_match", "key": "content.body", "pattern": pattern}]))
        }
        "room" => Some(json!([{"kind": "event_match", "key": "room_id", "pattern": id}])),
        "sender" => Some(json!([{"kind": "event_match", "key": "user_id", "pattern": id}])),
        _ => None,
    }
}

/// Actions reduced to their meaning: `dont_notify` (a no-op since Matrix
/// 1.7) dropped, `highlight` without a value made `true`, `highlight: false`
/// dropped (the default), and the rest as a set.
pub fn normalised_actions(actions: &Json) -> BTreeSet<String> {
    let Some(list) = actions.as_array() else {
        return BTreeSet::from([actions.to_string()]);
    };
    let mut out = BTreeSet::new();
    for a in list {
        if a.as_str() == Some("dont_notify") {
            continue;
        }
        if a.get("set_tweak").and_then(Json::as_str) == Some("highlight") {
            match a.get("value") {
                None | Some(Json::Bool(true)) => {
                    out.insert(json!({"set_tweak": "highlight", "value": true}).to_string())
                }
                Some(Json::Bool(false)) => continue,
                Some(_) => out.insert(a.to_string()),
            };
            continue;
        }
        out.insert(a.to_string());
    }
    out
}

pub fn convert_pushers<'a>(pushers: &'a Pushers, ctx: &UserContext, skips: &mut Skipped) -> Rows<'a, syn::Pusher<'a>> {
    let mut t = Rows::default();
    let mut id = ctx.streams().counter();
    for p in pushers.pushers.iter() {
        let user = format!("@{}:{}", p.localpart, ctx.server_name());
        if p.server_name.as_deref().is_some_and(|s| s != ctx.server_name()) || !ctx.users.contains(&user) {
            skips.add(Skip::PusherWithoutUser);
            continue;
        }
        if ctx.deactivated.contains(&user) {
            skips.add(Skip::PusherOfDeactivated);
            continue;
        }
        // The device that registered it, when it still exists; without one
        // the pusher outlives logouts, as Dendrite's would have.
        let device =
            p.session_id.and_then(|s| ctx.session_devices.get(&s)).filter(|(u, _)| *u == user).map(|(_, d)| d.clone());
        t.push(syn::Pusher {
            id: id.next(),
            user_name: user.into(),
            access_token: None,
            profile_tag: p.profile_tag.as_deref().unwrap_or("").into(),
            kind: p.kind.as_str().into(),
            app_id: p.app_id.as_str().into(),
            app_display_name: p.app_display_name.as_str().into(),
            device_display_name: p.device_display_name.as_str().into(),
            pushkey: p.pushkey.as_str().into(),
            ts: pushkey_ts_ms(p.pushkey_ts),
            lang: p.lang.as_str().into(),
            data: p.data.as_str().into(),
            last_stream_ordering: ctx.streams().live_max,
            enabled: true,
            device_id: device.map(Into::into),
            instance_name: Instance,
        });
    }
    t
}

/// Dendrite's `pushkey_ts_ms` holds Unix seconds when Dendrite filled it in
/// itself, and whatever the client sent otherwise. Values below 10^11 (a
/// millisecond timestamp of 1973) are seconds.
pub fn pushkey_ts_ms(v: i64) -> i64 {
    if v.abs() < 100_000_000_000 {
        v * 1000
    } else {
        v
    }
}
