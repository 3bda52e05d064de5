//! Any bytes as `dendrite.yaml`, read as `config` and `signing-key` read it:
//! the tree, the server name, the old keys, and the whole homeserver.yaml
//! fragment. Never panics; what `config` writes is YAML that reads back.
//! Inputs that name a device or kernel file are skipped: an old key's
//! `private_key` path is read, and /dev/zero never ends.
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "yaml_identity/mod.rs"]
mod identity;

use identity::config::{render, Options};
use identity::dendrite_yaml::DendriteConfig;
use identity::listeners::{Flags, Served};
use libfuzzer_sys::fuzz_target;

fn names_a_special_file(v: &serde_yaml_ng::Value) -> bool {
    use serde_yaml_ng::Value;
    match v {
        Value::String(s) => ["dev", "proc", "sys", "fd"].iter().any(|d| s.contains(d)),
        Value::Sequence(l) => l.iter().any(names_a_special_file),
        Value::Mapping(m) => m.iter().any(|(k, v)| names_a_special_file(k) || names_a_special_file(v)),
        Value::Tagged(t) => names_a_special_file(&t.value),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(tree) = serde_yaml_ng::from_slice::<serde_yaml_ng::Value>(data) {
        if names_a_special_file(&tree) {
            return;
        }
    }
    let dir = std::env::temp_dir().join(format!("d2s-fuzz-yaml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dendrite.yaml");
    std::fs::write(&path, data).unwrap();
    let Ok(c) = DendriteConfig::read(&path) else { return };
    let _ = c.server_name();
    let _ = c.old_keys();
    // Dendrite's default listener flags (the CLI's defaults).
    let o = Options {
        dendrite_config: path.clone(),
        output: dir.join("out.yaml"),
        signing_key_path: "/data/signing.key".into(),
        media_store_path: "/data/media_store".into(),
        http_bind_address: ":8008".into(),
        https_bind_address: ":8448".into(),
        tls_cert: None,
        tls_key: None,
    };
    let flags = Flags { http_bind_address: &o.http_bind_address, https_bind_address: &o.https_bind_address, tls_cert: None, tls_key: None };
    let served = Served::from_flags(&flags).expect("the default flags are valid");
    if let Ok(text) = render(&c, &o, &served) {
        if let Err(e) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&text) {
            panic!("config wrote YAML that does not read back: {e}\n{text}");
        }
    }
});
