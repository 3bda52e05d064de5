//! Reading `dendrite.yaml`: a YAML tree with dotted-path look-ups, plus the
//! parts with structure (old signing keys). Kept as an untyped tree so that
//! `config` can list every setting, including ones it does not know.
//!
//! Relative paths in Dendrite's config (`private_key`, `old_private_keys[].private_key`,
//! `media_api.base_path`, appservice `config_files`) are relative to the
//! directory of the config file.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde_yaml_ng::Value;

use super::key;

pub struct DendriteConfig {
    pub path: PathBuf,
    pub root: Value,
}

/// An old key as Synapse's `old_signing_keys` wants it.
pub struct OldKey {
    pub key_id: String,
    pub public_base64: String,
    pub expired_ts: i64,
}

impl DendriteConfig {
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let root: Value =
            serde_yaml_ng::from_str(&text).with_context(|| format!("{}: not valid YAML", path.display()))?;
        if !root.is_mapping() {
            bail!("{}: not a Dendrite config (the top level is not a mapping)", path.display());
        }
        Ok(DendriteConfig { path: path.to_path_buf(), root })
    }

    pub fn get(&self, dotted: &str) -> Option<&Value> {
        dotted.split('.').try_fold(&self.root, |v, k| v.get(k))
    }

    pub fn str(&self, dotted: &str) -> Option<&str> {
        self.get(dotted).and_then(Value::as_str)
    }

    pub fn bool(&self, dotted: &str) -> Option<bool> {
        self.get(dotted).and_then(Value::as_bool)
    }

    pub fn resolve(&self, p: &str) -> PathBuf {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        dir.join(p)
    }

    pub fn server_name(&self) -> Result<&str> {
        self.str("global.server_name")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| anyhow!("{}: no global.server_name", self.path.display()))
    }

    /// `global.old_private_keys`: `{private_key, expired_at}` or
    /// `{public_key, key_id, expired_at}` entries.
    pub fn old_keys(&self) -> Result<Vec<OldKey>> {
        let Some(list) = self.get("global.old_private_keys") else { return Ok(Vec::new()) };
        let Some(list) = list.as_sequence() else {
            if list.is_null() {
                return Ok(Vec::new());
            }
            bail!("{}: global.old_private_keys is not a list", self.path.display());
        };
        list.iter().enumerate().map(|(i, e)| self.old_key(i, e)).collect()
    }

    fn old_key(&self, i: usize, e: &Value) -> Result<OldKey> {
        let at = || format!("{}: global.old_private_keys[{i}]", self.path.display());
        let expired_ts =
            e.get("expired_at").and_then(Value::as_i64).ok_or_else(|| anyhow!("{}: no expired_at", at()))?;
        if let Some(p) = e.get("private_key").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            let k = key::read_pem(&self.resolve(p)).with_context(at)?;
            return Ok(OldKey { key_id: k.key_id(), public_base64: k.public_base64(), expired_ts });
        }
        let public = e
            .get("public_key")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("{}: neither private_key nor public_key", at()))?;
        let key_id =
            e.get("key_id").and_then(Value::as_str).ok_or_else(|| anyhow!("{}: public_key without key_id", at()))?;
        let version =
            key_id.strip_prefix("ed25519:").ok_or_else(|| anyhow!("{}: key_id {key_id:?} is not ed25519:…", at()))?;
        key::check_version(version).with_context(at)?;
        // Dendrite accepts padded or unpadded standard base64; Synapse wants unpadded.
        let public_base64 = public.trim_end_matches('=').to_string();
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD_NO_PAD.decode(&public_base64);
        if raw.map(|b| b.len()) != Ok(32) {
            bail!("{}: public_key is not a 32-byte key in base64", at());
        }
        Ok(OldKey { key_id: key_id.to_string(), public_base64, expired_ts })
    }
}

/// The `old_signing_keys:` YAML block (empty mapping when there are none).
pub fn old_signing_keys_yaml(keys: &[OldKey]) -> String {
    if keys.is_empty() {
        return "old_signing_keys: {}\n".into();
    }
    let mut s = String::from("old_signing_keys:\n");
    for k in keys {
        s.push_str(&format!("  \"{}\": {{key: \"{}\", expired_ts: {}}}\n", k.key_id, k.public_base64, k.expired_ts));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_keys_in_both_forms() {
        let dir = tempfile::tempdir().unwrap();
        // RFC 8032 test 1 seed; its public key is d75a98…511a.
        let seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
        std::fs::write(dir.path().join("old.pem"), format!("-----BEGIN MATRIX PRIVATE KEY-----\nKey-ID: ed25519:old1\n\n{seed}\n-----END MATRIX PRIVATE KEY-----\n")).unwrap();
        let yaml = "global:\n  server_name: x.test\n  old_private_keys:\n  - private_key: old.pem\n    expired_at: 1700000000000\n  - public_key: 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n    key_id: ed25519:old2\n    expired_at: 1600000000000\n";
        let path = dir.path().join("dendrite.yaml");
        std::fs::write(&path, yaml).unwrap();
        let c = DendriteConfig::read(&path).unwrap();
        let keys = c.old_keys().unwrap();
        assert_eq!(keys[0].key_id, "ed25519:old1");
        assert_eq!(keys[0].public_base64, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo");
        assert_eq!(keys[1].public_base64, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo");
        assert_eq!(
            old_signing_keys_yaml(&keys),
            "old_signing_keys:\n  \"ed25519:old1\": {key: \"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo\", expired_ts: 1700000000000}\n  \"ed25519:old2\": {key: \"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo\", expired_ts: 1600000000000}\n"
        );
        std::fs::write(
            &path,
            "global:\n  old_private_keys:\n  - public_key: \"x\\\"}\"\n    key_id: ed25519:a\n    expired_at: 1\n",
        )
        .unwrap();
        assert!(
            DendriteConfig::read(&path).unwrap().old_keys().is_err(),
            "a public key that is not 32 bytes of base64 is refused"
        );
    }
}
