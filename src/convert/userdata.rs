//! Everything users keep besides rooms and accounts, in one call for the
//! orchestrator: E2EE material (e2ee.rs), account data (account_data.rs),
//! push rules and pushers (push.rs), filters, presence and registration
//! tokens (user_extras.rs).
//!
//! What these modules know of the other areas is a [`UserContext`], built
//! from the accounts decision and current state.

use anyhow::Result;

use super::e2ee::{self, QueuedMessage};
use super::report::Skipped;
use super::users::UserContext;
use super::{account_data, push, user_extras};
use crate::dendrite::Model;
use crate::synapse::Tables;

/// Every user-data table, into `out`.
pub fn convert<'a>(model: &'a Model, ctx: &UserContext, out: &mut Tables<'a>, skipped: &mut Skipped) -> Result<()> {
    let u = &model.user;
    let queue = queue(model);
    e2ee::convert(&u.keys, &queue, ctx, out, skipped)?;
    account_data::convert(&u.account_data, ctx, out, skipped);
    let rules = push::convert_rules(&u.account_data, ctx, skipped)?;
    (out.push_rules, out.push_rules_enable, out.push_rules_stream) =
        (rules.push_rules, rules.push_rules_enable, rules.push_rules_stream);
    out.pushers = push::convert_pushers(&u.pushers, ctx, skipped);
    out.user_filters = user_extras::filters(&u.filters, ctx, skipped);
    out.presence_stream = user_extras::presence(&u.presence, ctx, skipped);
    out.registration_tokens = user_extras::registration_tokens(&u.tokens);
    Ok(())
}

/// The model's undelivered to-device messages, as e2ee.rs takes them.
pub fn queue(m: &Model) -> Vec<QueuedMessage<'_>> {
    m.sync
        .to_device
        .iter()
        .map(|t| QueuedMessage { id: t.id, user_id: &t.user_id, device_id: &t.device_id, content: &t.content })
        .collect()
}

#[cfg(test)]
#[path = "userdata_tests.rs"]
mod tests;
