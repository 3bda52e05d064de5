//! Dendrite's `matrix_key.pem` → an Ed25519 key with its key id.
//!
//! Format (Dendrite v0.13.8 `setup/config/config.go` `readKeyPEM`, checked on
//! the fixtures): PEM block type `MATRIX PRIVATE KEY`, one header
//! `Key-ID: ed25519:<version>`, body = the 32-byte seed. Dendrite feeds the
//! body to `ed25519.GenerateKey` as its random source, which reads only 32
//! bytes, so a longer body (seed ‖ public key) also works: take bytes 0..32.
//! Blocks of other types in the same file are skipped, as Dendrite does.
//!
//! Synapse's `signing.key` (signedjson `read_signing_keys`): one line per key,
//! `ed25519 <version> <seed in unpadded standard base64>`; split on
//! whitespace, so the version must not contain any.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use ed25519_dalek::SigningKey;

pub const PEM_TYPE: &str = "MATRIX PRIVATE KEY";

pub struct MatrixKey {
    /// Without the `ed25519:` prefix.
    pub version: String,
    pub seed: [u8; 32],
}

impl MatrixKey {
    pub fn key_id(&self) -> String {
        format!("ed25519:{}", self.version)
    }

    /// The public key, unpadded standard base64 (as in `/_matrix/key/v2/server`).
    pub fn public_base64(&self) -> String {
        STANDARD_NO_PAD.encode(SigningKey::from_bytes(&self.seed).verifying_key().to_bytes())
    }

    /// The `signing.key` line.
    pub fn synapse_line(&self) -> String {
        format!("ed25519 {} {}\n", self.version, STANDARD_NO_PAD.encode(self.seed))
    }
}

/// A key version Synapse and Dendrite both accept: `[A-Za-z0-9_]+`.
pub fn check_version(v: &str) -> Result<()> {
    if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("key id ed25519:{v:?} is not of the form ed25519:[A-Za-z0-9_]+");
    }
    Ok(())
}

pub fn parse_pem(text: &[u8], origin: &Path) -> Result<MatrixKey> {
    let blocks = pem::parse_many(text).with_context(|| format!("{}: not a PEM file", origin.display()))?;
    let block = blocks.iter().find(|b| b.tag() == PEM_TYPE).ok_or_else(|| {
        anyhow!("{}: no '{PEM_TYPE}' PEM block (found {} other blocks)", origin.display(), blocks.len())
    })?;
    let id = block
        .headers()
        .get("Key-ID")
        .ok_or_else(|| anyhow!("{}: the {PEM_TYPE} block has no Key-ID header", origin.display()))?;
    let version = id
        .strip_prefix("ed25519:")
        .ok_or_else(|| anyhow!("{}: Key-ID {id:?} does not start with 'ed25519:'", origin.display()))?;
    check_version(version).with_context(|| origin.display().to_string())?;
    let body = block.contents();
    if body.len() < 32 {
        bail!("{}: the key body is {} bytes; an Ed25519 seed is 32", origin.display(), body.len());
    }
    let seed: [u8; 32] = body[..32].try_into().expect("32 bytes");
    Ok(MatrixKey { version: version.to_string(), seed })
}

pub fn read_pem(path: &Path) -> Result<MatrixKey> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    parse_pem(&text, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032 §7.1 TEST 1: secret key and the public key it must give.
    const RFC_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const RFC_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn pem_of(id: &str, body: &[u8]) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(body);
        format!("-----BEGIN {PEM_TYPE}-----\nKey-ID: {id}\n\n{b64}\n-----END {PEM_TYPE}-----\n")
    }

    #[test]
    fn derives_the_rfc8032_public_key() {
        let k = parse_pem(pem_of("ed25519:abc_1", &unhex(RFC_SEED)).as_bytes(), Path::new("k.pem")).unwrap();
        assert_eq!(k.key_id(), "ed25519:abc_1");
        assert_eq!(STANDARD_NO_PAD.decode(k.public_base64()).unwrap(), unhex(RFC_PUBLIC));
        let line = k.synapse_line();
        assert!(line.starts_with("ed25519 abc_1 ") && line.ends_with('\n') && !line.contains('='));
    }

    #[test]
    fn seed_and_public_body_uses_the_seed() {
        let mut body = unhex(RFC_SEED);
        body.extend(unhex(RFC_PUBLIC));
        let k = parse_pem(pem_of("ed25519:x", &body).as_bytes(), Path::new("k.pem")).unwrap();
        assert_eq!(k.seed.to_vec(), unhex(RFC_SEED));
    }

    #[test]
    fn other_blocks_are_skipped_and_bad_ones_refused() {
        let other = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let text = format!("{other}{}", pem_of("ed25519:x", &unhex(RFC_SEED)));
        assert!(parse_pem(text.as_bytes(), Path::new("k")).is_ok());
        let err = |t: String| format!("{:#}", parse_pem(t.as_bytes(), Path::new("k")).err().unwrap());
        assert!(err(other.to_string()).contains("no 'MATRIX PRIVATE KEY'"));
        assert!(err(pem_of("rsa:x", &unhex(RFC_SEED))).contains("does not start"));
        assert!(err(pem_of("ed25519:a b", &unhex(RFC_SEED))).contains("not of the form"));
        assert!(err(pem_of("ed25519:x", &[1, 2, 3])).contains("3 bytes"));
    }
}
