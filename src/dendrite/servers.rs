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

    /// Each fixture's dump names exactly the server that wrote it (scenario.json),
    /// the federation peer's dump included, although both hold the other's users.
    #[test]
    fn fixture_dumps_name_their_own_server_only() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dendrite-0.13.8");
        let scenario: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join("federation/scenario.json")).unwrap()).unwrap();
        let cases = [
            ("basic", "server_name"),
            ("full", "server_name"),
            ("federation", "server_name"),
            ("federation/peer", "peer_server_name"),
        ];
        for (dir, field) in cases {
            let model = crate::dendrite::load(&[root.join(dir).join("dendrite.dump")]).unwrap();
            let names: Vec<String> = model.server_candidates().into_keys().collect();
            assert_eq!(names, [scenario[field].as_str().unwrap()], "{dir}");
        }
    }

    #[test]
    fn server_part_keeps_ports() {
        assert_eq!(server_part("@a:localhost:18448"), Some("localhost:18448"));
        assert_eq!(server_part("#x:example.org"), Some("example.org"));
        assert_eq!(server_part("nocolon"), None);
        assert_eq!(server_part("@a:"), None);
    }
}
