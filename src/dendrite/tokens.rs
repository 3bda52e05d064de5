//! Registration tokens (`userapi_registration_tokens`, Dendrite ≥ 0.13.0):
//! admin-made tokens that map one to one onto Synapse's `registration_tokens`.

use anyhow::Result;

use super::columns::{columns, Fields};
use crate::dump::Row;

pub struct RegistrationToken {
    pub token: String,
    pub pending: i64,
    pub completed: i64,
    /// `None` = unlimited.
    pub uses_allowed: Option<i64>,
    /// ms; `None` = never expires.
    pub expiry_time: Option<i64>,
}

#[derive(Default)]
pub struct RegistrationTokens {
    pub tokens: Vec<RegistrationToken>,
}

impl RegistrationTokens {
    pub fn finish(&mut self) {
        self.tokens.sort_by(|a, b| a.token.cmp(&b.token));
    }
}

columns! {
    pub struct TokenCols {
        token: required("token"),
        pending: optional("pending"),
        completed: optional("completed"),
        uses: optional("uses_allowed"),
        expiry: optional("expiry_time"),
    }
}

impl TokenCols {
    pub fn load(&self, t: &mut RegistrationTokens, row: &Row) -> Result<()> {
        let f = Fields(row);
        t.tokens.push(RegistrationToken {
            token: f.string(self.token)?,
            pending: f.opt_i64(self.pending)?.unwrap_or(0),
            completed: f.opt_i64(self.completed)?.unwrap_or(0),
            uses_allowed: f.opt_i64(self.uses)?,
            expiry_time: f.opt_i64(self.expiry)?,
        });
        Ok(())
    }
}
