//! Registration tokens (`userapi_registration_tokens`, Dendrite ≥ 0.13.0):
//! admin-made tokens that map one to one onto Synapse's `registration_tokens`.

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

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

pub struct TokenCols {
    token: Col,
    pending: Option<Col>,
    completed: Option<Col>,
    uses: Option<Col>,
    expiry: Option<Col>,
}

impl TokenCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(TokenCols {
            token: h.required("token")?,
            pending: h.optional("pending"),
            completed: h.optional("completed"),
            uses: h.optional("uses_allowed"),
            expiry: h.optional("expiry_time"),
        })
    }

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
