//! Which server name the dump belongs to.
//!
//! Dendrite does not store its own name in one place, so the candidates are
//! gathered from rows that only local things have: accounts, devices and
//! profiles (their `server_name`), local aliases (their server part) and users flagged
//! `target_local` in `roomserver_membership`. Convert takes the one
//! candidate, or asks for `--server-name` listing them with their evidence.

use std::collections::BTreeMap;

/// How many rows of each kind name a candidate.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    pub accounts: u64,
    pub devices: u64,
    pub profiles: u64,
    pub aliases: u64,
    pub local_members: u64,
}

impl Evidence {
    pub fn total(&self) -> u64 {
        self.accounts + self.devices + self.profiles + self.aliases + self.local_members
    }
}

/// The server part of a Matrix ID (`@u:server`, `#a:server`, `!r:server`):
/// everything after the first colon.
pub fn server_part(id: &str) -> Option<&str> {
    id.split_once(':').map(|(_, s)| s).filter(|s| !s.is_empty())
}

pub type Candidates = BTreeMap<String, Evidence>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_part_keeps_ports() {
        assert_eq!(server_part("@a:localhost:18448"), Some("localhost:18448"));
        assert_eq!(server_part("#x:example.org"), Some("example.org"));
        assert_eq!(server_part("nocolon"), None);
        assert_eq!(server_part("@a:"), None);
    }
}
