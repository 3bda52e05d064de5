//! `config`: dendrite.yaml → a homeserver.yaml fragment to start from.
//!
//! Each Dendrite setting is either carried (written as the Synapse setting
//! with the same meaning, with a comment where behaviour differs) or listed
//! in a closing comment block saying why it cannot be carried. Settings this
//! tool does not know are listed too (by name only: values can be secrets),
//! so nothing is dropped silently. Values are written as JSON scalars, which
//! YAML reads back exactly, so a hostile string cannot add YAML keys.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Result;
use serde_yaml_ng::Value;

use super::dendrite_yaml::{old_signing_keys_yaml, DendriteConfig};
use super::listeners::{Flags, Served};

pub struct Options {
    pub dendrite_config: PathBuf,
    pub output: PathBuf,
    pub signing_key_path: String,
    pub media_store_path: String,
    /// Dendrite's command-line listener flags (not in dendrite.yaml).
    pub http_bind_address: String,
    pub https_bind_address: String,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
}

/// Settings `config` reads (and either carries or explains).
const HANDLED: &[&str] = &[
    "version",
    "global.server_name",
    "global.private_key",
    "global.old_private_keys",
    "global.key_validity_period",
    "global.database",
    "global.cache",
    "global.well_known_server_name",
    "global.well_known_client_name",
    "global.well_known_sliding_sync_proxy",
    "global.trusted_third_party_id_servers",
    "global.disable_federation",
    "global.presence",
    "global.report_stats",
    "global.server_notices",
    "global.metrics",
    "global.sentry",
    "global.dns_cache",
    "global.jetstream",
    "global.key_server_name",
    "app_service_api",
    "client_api.registration_disabled",
    "client_api.registration_requires_token",
    "client_api.registration_shared_secret",
    "client_api.guests_disabled",
    "client_api.enable_registration_captcha",
    "client_api.recaptcha_public_key",
    "client_api.recaptcha_private_key",
    "client_api.recaptcha_bypass_secret",
    "client_api.recaptcha_siteverify_api",
    "client_api.recaptcha_api_js_url",
    "client_api.recaptcha_form_field",
    "client_api.recaptcha_sitekey_class",
    "client_api.turn",
    "client_api.rate_limiting",
    "federation_api",
    "key_server",
    "media_api",
    "mscs",
    "relay_api",
    "room_server",
    "sync_api",
    "user_api",
    "tracing",
    "logging",
];

pub fn run(o: &Options) -> Result<()> {
    let c = DendriteConfig::read(&o.dendrite_config)?;
    let served = Served::from_flags(&Flags {
        http_bind_address: &o.http_bind_address,
        https_bind_address: &o.https_bind_address,
        tls_cert: o.tls_cert.as_deref(),
        tls_key: o.tls_key.as_deref(),
    })?;
    let text = render(&c, o, &served)?;
    super::atomic_write(&o.output, text.as_bytes(), 0o600)?;
    if o.output.as_os_str() != "-" {
        eprintln!("config: wrote {} (mode 0600: it may hold the registration secret)", o.output.display());
    }
    Ok(())
}

/// A string as a JSON scalar, which YAML reads back exactly (no key can be injected).
pub(super) fn json_str(v: &str) -> String {
    serde_json::to_string(v).expect("strings serialise")
}

use json_str as j;

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => j(s),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => "null".into(),
    }
}

pub fn render(c: &DendriteConfig, o: &Options, served: &Served) -> Result<String> {
    let mut s = String::new();
    let w = &mut s;
    writeln!(w, "# homeserver.yaml fragment written by dendrite2synapse config from {}", c.path.display())?;
    writeln!(w, "# Merge into a Synapse config (database and log_config are Synapse's own).")?;
    writeln!(w, "# It may contain secrets (registration_shared_secret, TURN, reCAPTCHA): keep it 0600.\n")?;
    identity(w, c, o)?;
    w.push_str(&served.yaml());
    registration(w, c)?;
    media(w, c, o)?;
    federation(w, c)?;
    misc(w, c)?;
    not_carried(w, c)?;
    Ok(s)
}

fn identity(w: &mut String, c: &DendriteConfig, o: &Options) -> Result<()> {
    writeln!(w, "# Must be identical: every user, room alias and media id carries it.")?;
    writeln!(w, "server_name: {}", j(c.server_name()?))?;
    writeln!(w, "# From `dendrite2synapse signing-key` (same key id, so other servers' caches stay valid).")?;
    writeln!(w, "signing_key_path: {}", j(&o.signing_key_path))?;
    w.push_str(&old_signing_keys_yaml(&c.old_keys()?));
    if let Some(d) = c.str("global.key_validity_period").and_then(go_duration_ms) {
        writeln!(w, "# global.key_validity_period: how long our published keys are valid.")?;
        writeln!(w, "key_refresh_interval: {}", ms_to_synapse(d))?;
    }
    writeln!(w)?;
    Ok(())
}

fn registration(w: &mut String, c: &DendriteConfig) -> Result<()> {
    let open = c.bool("client_api.registration_disabled") == Some(false);
    writeln!(w, "# Registration (client_api.*).")?;
    writeln!(w, "enable_registration: {open}")?;
    if open {
        writeln!(
            w,
            "# Dendrite allowed open registration (--really-enable-open-registration); Synapse needs this too."
        )?;
        writeln!(w, "enable_registration_without_verification: true")?;
    }
    if c.bool("client_api.registration_requires_token") == Some(true) {
        writeln!(w, "registration_requires_token: true")?;
    }
    if let Some(secret) = c.str("client_api.registration_shared_secret").filter(|s| !s.is_empty()) {
        writeln!(w, "registration_shared_secret: {}", j(secret))?;
    }
    if let Some(g) = c.bool("client_api.guests_disabled") {
        writeln!(w, "allow_guest_access: {}", !g)?;
    }
    if c.bool("client_api.enable_registration_captcha") == Some(true) {
        writeln!(w, "enable_registration_captcha: true")?;
        for k in ["recaptcha_public_key", "recaptcha_private_key", "recaptcha_siteverify_api"] {
            if let Some(v) = c.str(&format!("client_api.{k}")).filter(|s| !s.is_empty()) {
                writeln!(w, "{k}: {}", j(v))?;
            }
        }
    }
    if let Some(Value::Sequence(uris)) = c.get("client_api.turn.turn_uris") {
        if !uris.is_empty() {
            let list: Vec<String> = uris.iter().map(yaml_scalar).collect();
            writeln!(w, "turn_uris: [{}]", list.join(", "))?;
            for k in ["turn_shared_secret", "turn_username", "turn_password", "turn_user_lifetime"] {
                if let Some(v) = c.str(&format!("client_api.turn.{k}")).filter(|s| !s.is_empty()) {
                    writeln!(w, "{k}: {}", j(v))?;
                }
            }
        }
    }
    if let Some(Value::Sequence(rooms)) = c.get("user_api.auto_join_rooms") {
        if !rooms.is_empty() {
            let list: Vec<String> = rooms.iter().map(yaml_scalar).collect();
            writeln!(w, "auto_join_rooms: [{}]", list.join(", "))?;
        }
    }
    if let Some(n) = c.get("user_api.bcrypt_cost").and_then(Value::as_i64) {
        writeln!(w, "# user_api.bcrypt_cost: cost for new hashes; carried hashes keep their own cost.")?;
        writeln!(w, "bcrypt_rounds: {n}")?;
    }
    writeln!(w, "# Dendrite's bcrypt hashes have no pepper: password_config.pepper MUST stay unset/empty,")?;
    writeln!(w, "# or no carried password would verify.\n")?;
    Ok(())
}

fn media(w: &mut String, c: &DendriteConfig, o: &Options) -> Result<()> {
    writeln!(w, "# Media (media_api.*). Fill it with `dendrite2synapse media`.")?;
    writeln!(w, "media_store_path: {}", j(&o.media_store_path))?;
    match c.get("media_api.max_file_size_bytes").and_then(Value::as_i64) {
        Some(n) if n > 0 => writeln!(w, "max_upload_size: {n}")?,
        Some(_) => writeln!(
            w,
            "# media_api.max_file_size_bytes <= 0 meant no limit in Dendrite; Synapse always has one (default 50M)."
        )?,
        None => {}
    }
    if let Some(b) = c.bool("media_api.dynamic_thumbnails") {
        writeln!(w, "dynamic_thumbnails: {b}")?;
    }
    if let Some(Value::Sequence(sizes)) = c.get("media_api.thumbnail_sizes") {
        writeln!(w, "# Same sizes as Dendrite, so the carried thumbnails are the ones Synapse looks for.")?;
        writeln!(w, "thumbnail_sizes:")?;
        for t in sizes {
            let f = |k: &str| t.get(k).map(yaml_scalar).unwrap_or_else(|| "null".into());
            writeln!(w, "  - {{width: {}, height: {}, method: {}}}", f("width"), f("height"), f("method"))?;
        }
    }
    writeln!(w)?;
    Ok(())
}

fn federation(w: &mut String, c: &DendriteConfig) -> Result<()> {
    writeln!(w, "# Federation.")?;
    if c.bool("global.disable_federation") == Some(true) {
        writeln!(w, "# global.disable_federation: an empty whitelist federates with no one.")?;
        writeln!(w, "federation_domain_whitelist: []")?;
    }
    if c.bool("federation_api.disable_tls_validation") == Some(true) {
        writeln!(w, "# federation_api.disable_tls_validation was on: Synapse's equivalent (unsafe outside tests).")?;
        writeln!(w, "federation_verify_certificates: false")?;
    }
    writeln!(w, "# federation_api.key_perspectives (Synapse's default would be matrix.org).")?;
    let persp = match c.get("federation_api.key_perspectives") {
        Some(Value::Sequence(p)) => p.clone(),
        _ => Vec::new(),
    };
    if persp.is_empty() {
        writeln!(w, "trusted_key_servers: []")?;
    } else {
        writeln!(w, "trusted_key_servers:")?;
        for p in &persp {
            writeln!(w, "  - server_name: {}", p.get("server_name").map(yaml_scalar).unwrap_or_default())?;
            writeln!(w, "    verify_keys:")?;
            for k in p.get("keys").and_then(Value::as_sequence).into_iter().flatten() {
                let f = |n: &str| k.get(n).map(yaml_scalar).unwrap_or_else(|| "null".into());
                writeln!(w, "      {}: {}", f("key_id"), f("public_key"))?;
            }
        }
    }
    writeln!(w)?;
    Ok(())
}

fn misc(w: &mut String, c: &DendriteConfig) -> Result<()> {
    writeln!(w, "# Other settings with a Synapse equivalent.")?;
    if let Some(v) = c.str("room_server.default_room_version").filter(|s| !s.is_empty()) {
        writeln!(w, "default_room_version: {}", j(v))?;
    }
    let inbound = c.bool("global.presence.enable_inbound").unwrap_or(false);
    let outbound = c.bool("global.presence.enable_outbound").unwrap_or(false);
    writeln!(w, "# global.presence: Synapse has one switch (inbound {inbound}, outbound {outbound} in Dendrite).")?;
    writeln!(w, "presence:\n  enabled: {}", inbound || outbound)?;
    if let Some(b) = c.bool("global.report_stats") {
        writeln!(w, "report_stats: {b}")?;
    }
    if let Some(b) = c.bool("sync_api.search.enabled") {
        writeln!(w, "# sync_api.search.enabled; Synapse searches in PostgreSQL (no index path to carry).")?;
        writeln!(w, "enable_search: {b}")?;
    }
    if c.bool("global.server_notices.enabled") == Some(true) {
        writeln!(w, "server_notices:")?;
        for (d, s) in [
            ("local_part", "system_mxid_localpart"),
            ("display_name", "system_mxid_display_name"),
            ("avatar_url", "system_mxid_avatar_url"),
            ("room_name", "room_name"),
        ] {
            if let Some(v) = c.str(&format!("global.server_notices.{d}")).filter(|s| !s.is_empty()) {
                writeln!(w, "  {s}: {}", j(v))?;
            }
        }
    }
    if let Some(Value::Sequence(files)) = c.get("app_service_api.config_files") {
        if !files.is_empty() {
            writeln!(
                w,
                "# Appservice registration files (same format in Synapse); paths resolved from dendrite.yaml's folder."
            )?;
            writeln!(w, "app_service_config_files:")?;
            for f in files.iter().filter_map(Value::as_str) {
                writeln!(w, "  - {}", j(&c.resolve(f).display().to_string()))?;
            }
        }
    }
    if let Some(u) = c.str("global.well_known_client_name").filter(|s| !s.is_empty()) {
        writeln!(w, "# global.well_known_client_name: Synapse serves /.well-known/matrix/client from public_baseurl.")?;
        writeln!(w, "public_baseurl: {}", j(u))?;
    }
    if let Some(u) = c.str("global.well_known_server_name").filter(|s| !s.is_empty()) {
        writeln!(
            w,
            "# global.well_known_server_name was {}: Synapse serves /.well-known/matrix/server only with",
            j(u)
        )?;
        writeln!(w, "# serve_server_wellknown: true, pointing at public_baseurl's host (port 443): check it matches.")?;
    }
    writeln!(w)?;
    Ok(())
}

const EXPLAINED: &[(&str, &str)] = &[
    ("global.database", "Synapse has its own database section; the data comes over with `convert`"),
    ("global.key_id", "the key id comes from the PEM's Key-ID header (see signing-key)"),
    ("global.cache", "Synapse sizes caches with caches.global_factor"),
    ("global.jetstream", "Synapse has no NATS; drain Dendrite's queues before dumping"),
    ("global.dns_cache", "no equivalent; Synapse resolves through Twisted"),
    ("global.metrics", "Synapse: enable_metrics plus a `metrics` listener"),
    ("global.sentry", "Synapse: sentry.dsn (different client)"),
    ("global.trusted_third_party_id_servers", "no equivalent; identity servers are chosen by clients"),
    ("global.well_known_sliding_sync_proxy", "Synapse serves sliding sync itself"),
    ("client_api.rate_limiting", "Synapse's rc_* settings are per action; review them (Synapse's defaults apply)"),
    ("client_api.recaptcha_bypass_secret", "no equivalent"),
    ("client_api.recaptcha_api_js_url", "no equivalent"),
    ("client_api.recaptcha_form_field", "no equivalent"),
    ("client_api.recaptcha_sitekey_class", "no equivalent"),
    ("media_api.base_path", "copy the files with `dendrite2synapse media` into media_store_path"),
    ("media_api.max_thumbnail_generators", "no equivalent"),
    ("media_api.database", "the media rows come over with `convert`"),
    ("user_api.openid_token_lifetime_ms", "no equivalent (Synapse uses a fixed lifetime)"),
    ("user_api.push_gateway_disable_tls_validation", "no equivalent"),
    ("sync_api.search.index_path", "Synapse searches in PostgreSQL"),
    ("sync_api.search.language", "Synapse uses PostgreSQL's `english` text search configuration"),
    ("sync_api.real_ip_header", "Synapse: x_forwarded on the listener"),
    ("federation_api.send_max_retries", "no equivalent; Synapse backs off per destination"),
    ("federation_api.prefer_direct_fetch", "no equivalent"),
    ("federation_api.enable_relays", "no equivalent (P2P relays are Dendrite-only)"),
    ("federation_api.deny_networks", "Synapse: ip_range_blacklist / federation_ip_range_blacklist"),
    ("federation_api.allow_networks", "Synapse: ip_range_whitelist"),
    ("app_service_api.disable_tls_validation", "no equivalent"),
    ("app_service_api.legacy_auth", "no equivalent; Synapse sends the token in the Authorization header and query"),
    ("app_service_api.legacy_paths", "no equivalent"),
    ("mscs", "Dendrite's MSC switches do not map; Synapse has experimental_features"),
    ("relay_api", "P2P relays are Dendrite-only"),
    ("key_server", "its database comes over with `convert`"),
    ("room_server.database", "comes over with `convert`"),
    ("tracing", "Synapse: opentracing section"),
    ("logging", "Synapse: log_config file"),
];

/// Every leaf setting of dendrite.yaml that was not written above.
fn not_carried(w: &mut String, c: &DendriteConfig) -> Result<()> {
    let carried = carried_leaves();
    let mut leaves = BTreeSet::new();
    walk(&c.root, String::new(), &mut leaves);
    writeln!(w, "# --- Not carried, and why --------------------------------------------")?;
    for leaf in &leaves {
        if carried.iter().any(|k| leaf == k || leaf.starts_with(&format!("{k}."))) {
            continue;
        }
        let why = EXPLAINED
            .iter()
            .find(|(k, _)| leaf == k || leaf.starts_with(&format!("{k}.")))
            .map(|(_, why)| *why)
            .or_else(|| leaf.contains("database").then_some("database settings: the data comes over with `convert`"))
            .or_else(|| HANDLED.iter().any(|h| leaf.starts_with(h)).then_some("no Synapse equivalent"))
            .unwrap_or("not known to this tool; check by hand");
        writeln!(w, "#   {leaf}: {why}")?;
    }
    Ok(())
}

/// Leaves written as Synapse settings above (everything else gets a reason).
fn carried_leaves() -> &'static [&'static str] {
    &[
        "global.server_name",
        "global.private_key",
        "global.old_private_keys",
        "global.key_validity_period",
        "global.disable_federation",
        "global.presence",
        "global.report_stats",
        "global.server_notices",
        "global.well_known_client_name",
        "global.well_known_server_name",
        "client_api.registration_disabled",
        "client_api.registration_requires_token",
        "client_api.registration_shared_secret",
        "client_api.guests_disabled",
        "client_api.enable_registration_captcha",
        "client_api.recaptcha_public_key",
        "client_api.recaptcha_private_key",
        "client_api.recaptcha_siteverify_api",
        "client_api.turn",
        "user_api.auto_join_rooms",
        "user_api.bcrypt_cost",
        "media_api.max_file_size_bytes",
        "media_api.dynamic_thumbnails",
        "media_api.thumbnail_sizes",
        "federation_api.disable_tls_validation",
        "federation_api.key_perspectives",
        "room_server.default_room_version",
        "sync_api.search.enabled",
        "app_service_api.config_files",
        "version",
    ]
}

fn walk(v: &Value, prefix: String, out: &mut BTreeSet<String>) {
    match v {
        Value::Mapping(m) if !m.is_empty() => {
            for (k, child) in m {
                let key = k.as_str().map(str::to_string).unwrap_or_else(|| yaml_scalar(k));
                let path = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
                walk(child, path, out);
            }
        }
        _ => {
            out.insert(prefix);
        }
    }
}

/// Go's `time.Duration` string (`168h0m0s`, `1h30m`, `500ms`) in ms.
pub fn go_duration_ms(s: &str) -> Option<i64> {
    let mut total = 0f64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let n: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let ms = match &rest[..unit_end] {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        total += n * ms;
        rest = &rest[unit_end..];
    }
    Some(total.round() as i64)
}

/// Synapse duration: whole days as `Nd`, else milliseconds.
fn ms_to_synapse(ms: i64) -> String {
    if ms > 0 && ms % 86_400_000 == 0 {
        format!("{}d", ms / 86_400_000)
    } else {
        ms.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration_ms("168h0m0s"), Some(604_800_000));
        assert_eq!(go_duration_ms("1h30m"), Some(5_400_000));
        assert_eq!(go_duration_ms("500ms"), Some(500));
        assert_eq!(go_duration_ms("1.5s"), Some(1500));
        assert_eq!(go_duration_ms("bogus"), None);
        assert_eq!(ms_to_synapse(604_800_000), "7d");
        assert_eq!(ms_to_synapse(5_400_000), "5400000");
    }
}
