//! E2EE material → Synapse: device keys, one-time and fallback keys,
//! cross-signing keys (+ the hidden devices Synapse keeps for them) and
//! signatures, key backups, the undelivered to-device queue, and a
//! device-list stream entry per device so clients re-fetch keys once.
//!
//! How the two servers differ, and what this module does about it:
//! * Key JSON is signed, so device and one-time keys are copied as the exact
//!   text Dendrite stored.
//! * Dendrite keeps only the public part of a cross-signing key; Synapse keeps
//!   the whole key object (`keys`, `usage`, `user_id`, `signatures`). The
//!   object is rebuilt, with every signature the *owner* made on it embedded
//!   (the master key's signatures of the self-signing and user-signing keys,
//!   and the owner's device signatures of the master key). Synapse serves the
//!   embedded ones to everybody, as Dendrite did; from its signatures table it
//!   adds only those the requesting user made.
//! * Dendrite names a cross-signing target `ed25519:<pubkey>`, Synapse by the
//!   bare pubkey (which doubles as a hidden device ID: `devices.hidden`).
//!   Device targets are bare device IDs on both sides.
//! * Remote users' keys and signatures made by remote users are a cache of
//!   what other servers said: left out and reported; Synapse re-fetches.
//! * To-device messages get stream ids above every Dendrite stream position:
//!   a client resuming with its old since token must not have them deleted
//!   as delivered (Synapse deletes `stream_id <= since.to_device_key`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use serde_json::{json, Map, Value as Json};

use super::report::Skipped;
use super::table::Table;
use super::userdata::UserContext;
use crate::dendrite::keys::{CrossSigningKey, Keys};
use crate::synapse::Value;

pub const INSTANCE: &str = "master";

/// What the to-device queue looks like to this module.
pub struct QueuedMessage<'a> {
    pub id: i64,
    pub user_id: &'a str,
    pub device_id: &'a str,
    /// `{"sender", "type", "content"}` as Dendrite stored it.
    pub content: &'a str,
}

pub struct E2ee<'a> {
    pub tables: Vec<Table<'a>>,
}

pub fn convert<'a>(
    keys: &'a Keys,
    queue: &[QueuedMessage<'a>],
    ctx: &UserContext,
    skips: &mut Skipped,
) -> Result<E2ee<'a>> {
    let mut tables =
        vec![device_keys(keys, ctx, skips), one_time_keys(keys, ctx, skips), fallback_keys(keys, ctx, skips)];
    let (hidden, cs_keys) = cross_signing_keys(keys, ctx, skips)?;
    tables.push(hidden);
    tables.push(cs_keys);
    tables.push(signatures(keys, ctx, skips));
    let (versions, sessions) = backups(keys, ctx, skips);
    tables.push(versions);
    tables.push(sessions);
    tables.push(device_inbox(queue, ctx, skips));
    tables.extend(device_lists(keys, ctx));
    Ok(E2ee { tables })
}

fn device_keys<'a>(keys: &'a Keys, ctx: &UserContext, skips: &mut Skipped) -> Table<'a> {
    let mut t = Table::new("e2e_device_keys_json", &["user_id", "device_id", "ts_added_ms", "key_json"]);
    for k in &keys.device_keys {
        if !ctx.is_local(&k.user_id) {
            skips.add("device keys", "remote user's keys (a cache; Synapse fetches them again)");
            continue;
        }
        let Some(json) = k.key_json.as_deref() else {
            skips.add("device keys", "placeholder of a device that never uploaded keys");
            continue;
        };
        if !ctx.has_device(&k.user_id, &k.device_id) {
            skips.add("device keys", "device no longer exists");
            continue;
        }
        t.push(vec![
            k.user_id.as_str().into(),
            k.device_id.as_str().into(),
            Value::Int(k.ts_added_secs * 1000),
            json.into(),
        ]);
    }
    t
}

fn one_time_keys<'a>(keys: &'a Keys, ctx: &UserContext, skips: &mut Skipped) -> Table<'a> {
    let mut t = Table::new(
        "e2e_one_time_keys_json",
        &["user_id", "device_id", "algorithm", "key_id", "ts_added_ms", "key_json"],
    );
    for k in &keys.one_time_keys {
        if !ctx.is_local(&k.user_id) || !ctx.has_device(&k.user_id, &k.device_id) {
            skips.add("one-time keys", "device is not a carried local device");
            continue;
        }
        t.push(vec![
            k.user_id.as_str().into(),
            k.device_id.as_str().into(),
            k.algorithm.as_str().into(),
            k.key_id.as_str().into(),
            Value::Int(k.ts_added_secs * 1000),
            k.key_json.as_str().into(),
        ]);
    }
    t
}

fn fallback_keys<'a>(keys: &'a Keys, ctx: &UserContext, skips: &mut Skipped) -> Table<'a> {
    let mut t =
        Table::new("e2e_fallback_keys_json", &["user_id", "device_id", "algorithm", "key_id", "key_json", "used"]);
    // Synapse keeps one fallback key per (user, device, algorithm); Dendrite
    // may keep several key IDs. The sorted order makes the last one win
    // deterministically; the others are reported.
    let mut seen: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for k in &keys.fallback_keys {
        if !ctx.is_local(&k.user_id) {
            skips.add("fallback keys", "remote user's keys (a cache; Synapse fetches them again)");
            continue;
        }
        if !ctx.has_device(&k.user_id, &k.device_id) {
            // Dendrite 0.14/0.15 leave a deleted device's fallback keys behind.
            skips.add("fallback keys", "device no longer exists");
            continue;
        }
        let row = vec![
            k.user_id.as_str().into(),
            k.device_id.as_str().into(),
            k.algorithm.as_str().into(),
            k.key_id.as_str().into(),
            k.key_json.as_str().into(),
            Value::Bool(k.used),
        ];
        match seen.get(&(k.user_id.as_str(), k.device_id.as_str(), k.algorithm.as_str())) {
            Some(&i) => {
                skips.add("fallback keys", "older fallback key of the same device and algorithm");
                t.rows[i] = row;
            }
            None => {
                seen.insert((&k.user_id, &k.device_id, &k.algorithm), t.rows.len());
                t.push(row);
            }
        }
    }
    t
}

/// `ed25519:<pubkey>` → `<pubkey>`; a device ID stays as it is.
pub fn bare_target(target_key_id: &str) -> &str {
    target_key_id.strip_prefix("ed25519:").unwrap_or(target_key_id)
}

/// The key object Synapse stores in `e2e_cross_signing_keys.keydata`.
pub fn key_object(key: &CrossSigningKey, keys: &Keys) -> Json {
    let target = format!("ed25519:{}", key.public_key);
    let mut sigs: Map<String, Json> = Map::new();
    for s in &keys.cross_signing_sigs {
        if s.target_user_id == key.user_id && s.target_key_id == target && s.origin_user_id == key.user_id {
            let by_user = sigs.entry(s.origin_user_id.clone()).or_insert_with(|| json!({}));
            by_user[&s.origin_key_id] = Json::String(s.signature.clone());
        }
    }
    let mut obj = json!({
        "user_id": key.user_id,
        "usage": [key.kind.name()],
        "keys": { target: key.public_key },
    });
    if !sigs.is_empty() {
        obj["signatures"] = Json::Object(sigs);
    }
    obj
}

fn cross_signing_keys<'a>(keys: &'a Keys, ctx: &UserContext, skips: &mut Skipped) -> Result<(Table<'a>, Table<'a>)> {
    let mut hidden = Table::new("devices", &["user_id", "device_id", "display_name", "hidden"]);
    let mut rows =
        Table::new("e2e_cross_signing_keys", &["user_id", "keytype", "keydata", "stream_id", "instance_name"]);
    let mut stream = ctx.streams.counter();
    let mut pseudo: BTreeSet<(&str, &str)> = BTreeSet::new();
    for k in &keys.cross_signing_keys {
        if !ctx.is_local(&k.user_id) {
            skips.add("cross-signing keys", "remote user's keys (a cache; Synapse fetches them again)");
            continue;
        }
        if !ctx.users.contains(&k.user_id) {
            skips.add("cross-signing keys", "user is not a carried account");
            continue;
        }
        // Synapse's hidden device shares the device-ID namespace; a real
        // device with that ID would make its INSERT fail.
        if ctx.has_device(&k.user_id, &k.public_key) || !pseudo.insert((&k.user_id, &k.public_key)) {
            skips.add("cross-signing keys", "public key equals a device ID of the same user");
            continue;
        }
        let keydata = serde_json::to_string(&key_object(k, keys))?;
        hidden.push(vec![
            k.user_id.as_str().into(),
            k.public_key.as_str().into(),
            Value::from(format!("{} signing key", k.kind.name())),
            Value::Bool(true),
        ]);
        rows.push(vec![
            k.user_id.as_str().into(),
            k.kind.name().into(),
            keydata.into(),
            Value::Int(stream.next()),
            INSTANCE.into(),
        ]);
    }
    Ok((hidden, rows))
}

fn signatures<'a>(keys: &'a Keys, ctx: &UserContext, skips: &mut Skipped) -> Table<'a> {
    let mut t = Table::new(
        "e2e_cross_signing_signatures",
        &["user_id", "key_id", "target_user_id", "target_device_id", "signature"],
    );
    // The owner's own cross-signing keys: a signature of one of them by
    // another is part of the key object (as Synapse stores uploads), not a
    // row of the signatures table.
    let own: BTreeSet<(String, String)> =
        keys.cross_signing_keys.iter().map(|k| (k.user_id.clone(), format!("ed25519:{}", k.public_key))).collect();
    for s in &keys.cross_signing_sigs {
        if !ctx.is_local(&s.origin_user_id) {
            skips.add("cross-signing signatures", "made by a remote user (a cache; Synapse fetches them again)");
            continue;
        }
        let self_sig = s.origin_user_id == s.target_user_id
            && own.contains(&(s.origin_user_id.clone(), s.origin_key_id.clone()))
            && own.contains(&(s.target_user_id.clone(), s.target_key_id.clone()));
        if self_sig {
            continue;
        }
        t.push(vec![
            s.origin_user_id.as_str().into(),
            s.origin_key_id.as_str().into(),
            s.target_user_id.as_str().into(),
            bare_target(&s.target_key_id).into(),
            s.signature.as_str().into(),
        ]);
    }
    t
}

fn backups<'a>(keys: &'a Keys, ctx: &UserContext, skips: &mut Skipped) -> (Table<'a>, Table<'a>) {
    let mut versions =
        Table::new("e2e_room_keys_versions", &["user_id", "version", "algorithm", "auth_data", "deleted", "etag"]);
    let mut live: BTreeSet<(&str, i64)> = BTreeSet::new();
    for v in &keys.backup_versions {
        if !ctx.users.contains(&v.user_id) {
            skips.add("key backup versions", "user is not a carried account");
            continue;
        }
        if ctx.deactivated.contains(&v.user_id) {
            skips.add("key backup versions", "deactivated account (Synapse deletes its backups on deactivation)");
            continue;
        }
        // Dendrite's etag is a decimal counter; anything else restarts at 0
        // (clients compare etags only for equality with what they saw last).
        let etag = v.etag.trim().parse::<i64>().unwrap_or_else(|_| {
            skips.add("key backup etags", "not a decimal number; written as 0");
            0
        });
        // Deleted versions stay (as deleted): Synapse numbers a new version
        // MAX(version)+1 over all rows, so a number is never handed out twice.
        versions.push(vec![
            v.user_id.as_str().into(),
            Value::Int(v.version),
            v.algorithm.as_str().into(),
            v.auth_data.as_str().into(),
            Value::Int(v.deleted.into()),
            Value::Int(etag),
        ]);
        if !v.deleted {
            live.insert((&v.user_id, v.version));
        }
    }
    let mut sessions = Table::new(
        "e2e_room_keys",
        &[
            "user_id",
            "room_id",
            "session_id",
            "version",
            "first_message_index",
            "forwarded_count",
            "is_verified",
            "session_data",
        ],
    );
    for s in &keys.backup_sessions {
        if !live.contains(&(s.user_id.as_str(), s.version)) {
            skips.add("key backup sessions", "their backup version is deleted or missing");
            continue;
        }
        sessions.push(vec![
            s.user_id.as_str().into(),
            s.room_id.as_str().into(),
            s.session_id.as_str().into(),
            Value::Int(s.version),
            Value::Int(s.first_message_index),
            Value::Int(s.forwarded_count),
            Value::Bool(s.is_verified),
            s.session_data.as_str().into(),
        ]);
    }
    (versions, sessions)
}

fn device_inbox<'a>(queue: &[QueuedMessage<'a>], ctx: &UserContext, skips: &mut Skipped) -> Table<'a> {
    let mut t = Table::new("device_inbox", &["user_id", "device_id", "stream_id", "message_json", "instance_name"]);
    let mut stream = ctx.streams.counter();
    let mut sorted: Vec<&QueuedMessage> = queue.iter().collect();
    sorted.sort_by_key(|m| m.id);
    for m in sorted {
        if !ctx.has_device(m.user_id, m.device_id) {
            skips.add("to-device messages", "recipient device is not a carried local device");
            continue;
        }
        if !serde_json::from_str::<Json>(m.content).is_ok_and(|v| v.is_object()) {
            skips.add("to-device messages", "content is not a JSON object");
            continue;
        }
        t.push(vec![
            m.user_id.into(),
            m.device_id.into(),
            Value::Int(stream.next()),
            m.content.into(),
            INSTANCE.into(),
        ]);
    }
    t
}

/// One `device_lists_stream` entry per carried device with keys and per
/// cross-signing key, above every old token, plus the same change in every
/// room the owner is joined to (`device_lists_changes_in_room`, already
/// "converted": nothing is sent to other servers). A client resuming with
/// its Dendrite since token then sees its own and every room-mate's user in
/// `device_lists.changed` once and re-queries their keys; `/keys/changes`
/// reports every migrated user.
fn device_lists<'a>(keys: &'a Keys, ctx: &UserContext) -> [Table<'a>; 2] {
    let mut stream_rows = Table::new("device_lists_stream", &["stream_id", "user_id", "device_id", "instance_name"]);
    let mut in_room = Table::new(
        "device_lists_changes_in_room",
        &["user_id", "device_id", "room_id", "stream_id", "converted_to_destinations", "instance_name"],
    );
    let mut stream = ctx.streams.counter();
    let mut entries: BTreeSet<(&str, &str)> = BTreeSet::new();
    for k in &keys.device_keys {
        if k.key_json.is_some() && ctx.is_local(&k.user_id) && ctx.has_device(&k.user_id, &k.device_id) {
            entries.insert((&k.user_id, &k.device_id));
        }
    }
    for k in &keys.cross_signing_keys {
        if ctx.users.contains(&k.user_id) && !ctx.has_device(&k.user_id, &k.public_key) {
            entries.insert((&k.user_id, &k.public_key));
        }
    }
    let none = BTreeSet::new();
    for (user, device) in entries {
        let id = stream.next();
        stream_rows.push(vec![Value::Int(id), user.into(), device.into(), INSTANCE.into()]);
        for room in ctx.joined_rooms.get(user).unwrap_or(&none) {
            in_room.push(vec![
                user.into(),
                device.into(),
                Value::from(room.clone()),
                Value::Int(id),
                Value::Bool(true),
                INSTANCE.into(),
            ]);
        }
    }
    [stream_rows, in_room]
}
