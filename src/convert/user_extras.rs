//! Filters, presence status messages and registration tokens → Synapse.
//!
//! * Filters keep their IDs: Dendrite's IDs come from one server-wide serial,
//!   so they are unique per user too, and Synapse's next ID for a user is
//!   MAX+1 of that user's. The JSON is kept as stored (Synapse returns the
//!   stored filter on GET; Dendrite answered with defaults filled in).
//! * Presence: only local users' rows, with the status message; Synapse's
//!   own timeouts then move stale `online` states to `offline` as usual.

use super::report::{Skip, Skipped};
use super::users::UserContext;
use crate::dendrite::filters::Filters;
use crate::dendrite::presence::PresenceData;
use crate::dendrite::tokens::RegistrationTokens;
use crate::synapse::tables as syn;
use crate::synapse::{Bytes, Instance, Rows};

pub fn filters<'a>(f: &'a Filters, ctx: &UserContext, skips: &mut Skipped) -> Rows<'a, syn::UserFilter<'a>> {
    let mut t = Rows::default();
    for filter in &f.filters {
        let user = format!("@{}:{}", filter.localpart, ctx.server_name());
        if !ctx.users.contains(&user) {
            skips.add(Skip::FilterWithoutUser);
            continue;
        }
        if !serde_json::from_str::<serde_json::Value>(&filter.json).is_ok_and(|v| v.is_object()) {
            skips.add(Skip::FilterNotObject);
            continue;
        }
        t.push(syn::UserFilter {
            user_id: filter.localpart.as_str().into(),
            full_user_id: user.into(),
            filter_id: filter.id,
            filter_json: Bytes(filter.json.as_bytes().into()),
        });
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

pub fn presence<'a>(p: &'a PresenceData, ctx: &UserContext, skips: &mut Skipped) -> Rows<'a, syn::Presence<'a>> {
    let mut t = Rows::default();
    let mut stream = ctx.streams().counter();
    for row in &p.presence {
        if !ctx.users.contains(&row.user_id) {
            skips.add(Skip::PresenceNotLocal);
            continue;
        }
        t.push(syn::Presence {
            stream_id: stream.next(),
            user_id: row.user_id.as_str().into(),
            state: presence_state(row.presence).into(),
            last_active_ts: row.last_active_ts,
            last_federation_update_ts: row.last_active_ts,
            last_user_sync_ts: row.last_active_ts,
            status_msg: row.status_msg.as_deref().map(Into::into),
            currently_active: false,
            instance_name: Instance,
        });
    }
    t
}

pub fn registration_tokens<'a>(r: &'a RegistrationTokens) -> Rows<'a, syn::RegistrationToken<'a>> {
    let mut t = Rows::default();
    for tok in &r.tokens {
        t.push(syn::RegistrationToken {
            token: tok.token.as_str().into(),
            uses_allowed: tok.uses_allowed,
            pending: tok.pending,
            completed: tok.completed,
            expiry_time: tok.expiry_time,
        });
    }
    t
}
