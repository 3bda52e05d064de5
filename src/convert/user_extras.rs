//! Filters, presence status messages and registration tokens → Synapse.
//!
//! * Filters keep their IDs: Dendrite's IDs come from one server-wide serial,
//!   so they are unique per user too, and Synapse's next ID for a user is
//!   MAX+1 of that user's. The JSON is kept as stored (Synapse returns the
//!   stored filter on GET; Dendrite answered with defaults filled in).
//! * Presence: only local users' rows, with the status message; Synapse's
//!   own timeouts then move stale `online` states to `offline` as usual.

use super::e2ee::INSTANCE;
use super::report::Skipped;
use super::table::Table;
use super::userdata::UserContext;
use crate::dendrite::filters::Filters;
use crate::dendrite::presence::PresenceData;
use crate::dendrite::tokens::RegistrationTokens;
use crate::synapse::Value;

pub fn filters<'a>(f: &'a Filters, ctx: &UserContext, skips: &mut Skipped) -> Table<'a> {
    let mut t = Table::new("user_filters", &["user_id", "full_user_id", "filter_id", "filter_json"]);
    for filter in &f.filters {
        let user = format!("@{}:{}", filter.localpart, ctx.server_name);
        if !ctx.users.contains(&user) {
            skips.add("filters", "owner is not a carried local account");
            continue;
        }
        if !serde_json::from_str::<serde_json::Value>(&filter.json).is_ok_and(|v| v.is_object()) {
            skips.add("filters", "filter is not a JSON object");
            continue;
        }
        t.push(vec![
            filter.localpart.as_str().into(),
            Value::from(user),
            Value::Int(filter.id),
            Value::bytea(filter.json.as_bytes()),
        ]);
    }
    t
}

/// Synapse's presence state for Dendrite's number (`syncapi/types/presence.go`).
pub fn presence_state(n: i64) -> &'static str {
    match n {
        1 => "unavailable",
        2 => "online",
        _ => "offline",
    }
}

pub fn presence<'a>(p: &'a PresenceData, ctx: &UserContext, skips: &mut Skipped) -> Table<'a> {
    let mut t = Table::new(
        "presence_stream",
        &[
            "stream_id",
            "user_id",
            "state",
            "last_active_ts",
            "last_federation_update_ts",
            "last_user_sync_ts",
            "status_msg",
            "currently_active",
            "instance_name",
        ],
    );
    let mut stream = ctx.streams.counter();
    for row in &p.presence {
        if !ctx.users.contains(&row.user_id) {
            skips.add("presence", "remote or unknown user (transient)");
            continue;
        }
        t.push(vec![
            Value::Int(stream.next()),
            row.user_id.as_str().into(),
            presence_state(row.presence).into(),
            Value::Int(row.last_active_ts),
            Value::Int(row.last_active_ts),
            Value::Int(row.last_active_ts),
            Value::from(row.status_msg.as_deref()),
            Value::Bool(false),
            INSTANCE.into(),
        ]);
    }
    t
}

pub fn registration_tokens<'a>(r: &'a RegistrationTokens) -> Table<'a> {
    let mut t = Table::new("registration_tokens", &["token", "uses_allowed", "pending", "completed", "expiry_time"]);
    for tok in &r.tokens {
        t.push(vec![
            tok.token.as_str().into(),
            Value::from(tok.uses_allowed),
            Value::Int(tok.pending),
            Value::Int(tok.completed),
            Value::from(tok.expiry_time),
        ]);
    }
    t
}
