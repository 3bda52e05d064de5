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

use super::report::{Skip, Skipped};
use super::users::UserContext;
use crate::dendrite::keys::{CrossSigningKey, Keys};
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::{Flag, Instance, Rows};

/// What the to-device queue looks like to this module.
pub struct QueuedMessage<'a> {
    pub id: i64,
    pub user_id: &'a str,
    pub device_id: &'a str,
    /// `{"sender", "type", "content"}` as Dendrite stored it.
    pub content: &'a str,
}

/// Every E2EE table, into `out`.
pub fn convert<'a>(
    keys: &'a Keys,
    queue: &[QueuedMessage<'a>],
    ctx: &UserContext,
    out: &mut Tables<'a>,
    skips: &mut Skipped,
) -> Result<()> {
    out.e2e_device_keys_json = device_keys(keys, ctx, skips);
    out.e2e_one_time_keys_json = one_time_keys(keys, ctx, skips);
    out.e2e_fallback_keys_json = fallback_keys(keys, ctx, skips);
    (out.cross_signing_devices, out.e2e_cross_signing_keys) = cross_signing_keys(keys, ctx, skips)?;
    out.e2e_cross_signing_signatures = signatures(keys, ctx, skips);
    (out.e2e_room_keys_versions, out.e2e_room_keys) = backups(keys, ctx, skips);
    out.device_inbox = device_inbox(queue, ctx, skips);
    (out.device_lists_stream, out.device_lists_changes_in_room) = device_lists(keys, ctx);
    Ok(())
}

fn device_keys<'a>(keys: &'a Keys, ctx: &UserContext, skips: &mut Skipped) -> Rows<'a, syn::DeviceKeys<'a>> {
    let mut t = Rows::default();
    for k in &keys.device_keys {
        if !ctx.is_local(&k.user_id) {
            skips.add(Skip::RemoteDeviceKeys);
            continue;
        }
        let Some(json) = k.key_json.as_deref() else {
            skips.add(Skip::DeviceKeysPlaceholder);
            continue;
        };
        if !ctx.has_device(&k.user_id, &k.device_id) {
            skips.add(Skip::DeviceKeysWithoutDevice);
            continue;
        }
        t.push(syn::DeviceKeys {
            user_id: k.user_id.as_str().into(),
            device_id: k.device_id.as_str().into(),
            ts_added_ms: k.ts_added_secs * 1000,
            key_json: json.into(),
        });
    }
    t
}

fn one_time_keys<'a>(keys: &'a Keys, ctx: &UserContext, skips: &mut Skipped) -> Rows<'a, syn::OneTimeKey<'a>> {
    let mut t = Rows::default();
    for k in &keys.one_time_keys {
        if !ctx.is_local(&k.user_id) || !ctx.has_device(&k.user_id, &k.device_id) {
            skips.add(Skip::OneTimeKeyWithoutDevice);
            continue;
        }
        t.push(syn::OneTimeKey {
            user_id: k.user_id.as_str().into(),
            device_id: k.device_id.as_str().into(),
            algorithm: k.algorithm.as_str().into(),
            key_id: k.key_id.as_str().into(),
            ts_added_ms: k.ts_added_secs * 1000,
            key_json: k.key_json.as_str().into(),
        });
    }
    t
}

fn fallback_keys<'a>(keys: &'a Keys, ctx: &UserContext, skips: &mut Skipped) -> Rows<'a, syn::FallbackKey<'a>> {
    let mut t = Rows::default();
    // Synapse keeps one fallback key per (user, device, algorithm); Dendrite
    // may keep several key IDs. The sorted order makes the last one win
    // deterministically; the others are reported.
    let mut seen: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for k in &keys.fallback_keys {
        if !ctx.is_local(&k.user_id) {
            skips.add(Skip::RemoteFallbackKey);
            continue;
        }
        if !ctx.has_device(&k.user_id, &k.device_id) {
            // Dendrite 0.14/0.15 leave a deleted device's fallback keys behind.
            skips.add(Skip::FallbackKeyWithoutDevice);
            continue;
        }
        let row = syn::FallbackKey {
            user_id: k.user_id.as_str().into(),
            device_id: k.device_id.as_str().into(),
            algorithm: k.algorithm.as_str().into(),
            key_id: k.key_id.as_str().into(),
            key_json: k.key_json.as_str().into(),
            used: k.used,
        };
        match seen.get(&(k.user_id.as_str(), k.device_id.as_str(), k.algorithm.as_str())) {
            Some(&i) => {
                skips.add(Skip::FallbackKeyOlder);
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

fn cross_signing_keys<'a>(
    keys: &'a Keys,
    ctx: &UserContext,
    skips: &mut Skipped,
) -> Result<(Rows<'a, syn::HiddenDevice<'a>>, Rows<'a, syn::CrossSigningKey<'a>>)> {
    let (mut hidden, mut rows) = (Rows::default(), Rows::default());
    let mut stream = ctx.streams().counter();
    let mut pseudo: BTreeSet<(&str, &str)> = BTreeSet::new();
    for k in &keys.cross_signing_keys {
        if !ctx.is_local(&k.user_id) {
            skips.add(Skip::RemoteCrossSigningKey);
            continue;
        }
        if !ctx.users.contains(&k.user_id) {
            skips.add(Skip::CrossSigningKeyWithoutUser);
            continue;
        }
        // Synapse's hidden device shares the device-ID namespace; a real
        // device with that ID would make its INSERT fail.
        if ctx.has_device(&k.user_id, &k.public_key) || !pseudo.insert((&k.user_id, &k.public_key)) {
            skips.add(Skip::CrossSigningKeyDeviceClash);
            continue;
        }
        let keydata = serde_json::to_string(&key_object(k, keys))?;
        hidden.push(syn::HiddenDevice {
            user_id: k.user_id.as_str().into(),
            device_id: k.public_key.as_str().into(),
            display_name: format!("{} signing key", k.kind.name()).into(),
            hidden: true,
        });
        rows.push(syn::CrossSigningKey {
            user_id: k.user_id.as_str().into(),
            keytype: k.kind.name().into(),
            keydata: keydata.into(),
            stream_id: stream.next(),
            instance_name: Instance,
        });
    }
    Ok((hidden, rows))
}

fn signatures<'a>(keys: &'a Keys, ctx: &UserContext, skips: &mut Skipped) -> Rows<'a, syn::CrossSigningSignature<'a>> {
    let mut t = Rows::default();
    // The owner's own cross-signing keys: a signature of one of them by
    // another is part of the key object (as Synapse stores uploads), not a
    // row of the signatures table.
    let own: BTreeSet<(String, String)> =
        keys.cross_signing_keys.iter().map(|k| (k.user_id.clone(), format!("ed25519:{}", k.public_key))).collect();
    for s in &keys.cross_signing_sigs {
        if !ctx.is_local(&s.origin_user_id) {
            skips.add(Skip::RemoteSignature);
            continue;
        }
        let self_sig = s.origin_user_id == s.target_user_id
            && own.contains(&(s.origin_user_id.clone(), s.origin_key_id.clone()))
            && own.contains(&(s.target_user_id.clone(), s.target_key_id.clone()));
        if self_sig {
            continue;
        }
        t.push(syn::CrossSigningSignature {
            user_id: s.origin_user_id.as_str().into(),
            key_id: s.origin_key_id.as_str().into(),
            target_user_id: s.target_user_id.as_str().into(),
            target_device_id: bare_target(&s.target_key_id).into(),
            signature: s.signature.as_str().into(),
        });
    }
    t
}

fn backups<'a>(
    keys: &'a Keys,
    ctx: &UserContext,
    skips: &mut Skipped,
) -> (Rows<'a, syn::RoomKeysVersion<'a>>, Rows<'a, syn::RoomKey<'a>>) {
    let mut versions = Rows::default();
    let mut live: BTreeSet<(&str, i64)> = BTreeSet::new();
    for v in &keys.backup_versions {
        if !ctx.users.contains(&v.user_id) {
            skips.add(Skip::BackupWithoutUser);
            continue;
        }
        if ctx.deactivated.contains(&v.user_id) {
            skips.add(Skip::BackupOfDeactivated);
            continue;
        }
        // Dendrite's etag is a decimal counter; anything else restarts at 0
        // (clients compare etags only for equality with what they saw last).
        let etag = v.etag.trim().parse::<i64>().unwrap_or_else(|_| {
            skips.add(Skip::BackupEtagNotNumber);
            0
        });
        // Deleted versions stay (as deleted): Synapse numbers a new version
        // MAX(version)+1 over all rows, so a number is never handed out twice.
        versions.push(syn::RoomKeysVersion {
            user_id: v.user_id.as_str().into(),
            version: v.version,
            algorithm: v.algorithm.as_str().into(),
            auth_data: v.auth_data.as_str().into(),
            deleted: Flag(v.deleted),
            etag,
        });
        if !v.deleted {
            live.insert((&v.user_id, v.version));
        }
    }
    let mut sessions = Rows::default();
    for s in &keys.backup_sessions {
        if !live.contains(&(s.user_id.as_str(), s.version)) {
            skips.add(Skip::BackupSessionOrphan);
            continue;
        }
        sessions.push(syn::RoomKey {
            user_id: s.user_id.as_str().into(),
            room_id: s.room_id.as_str().into(),
            session_id: s.session_id.as_str().into(),
            version: s.version,
            first_message_index: s.first_message_index,
            forwarded_count: s.forwarded_count,
            is_verified: s.is_verified,
            session_data: s.session_data.as_str().into(),
        });
    }
    (versions, sessions)
}

fn device_inbox<'a>(
    queue: &[QueuedMessage<'a>],
    ctx: &UserContext,
    skips: &mut Skipped,
) -> Rows<'a, syn::DeviceInbox<'a>> {
    let mut t = Rows::default();
    let mut stream = ctx.streams().counter();
    let mut sorted: Vec<&QueuedMessage> = queue.iter().collect();
    sorted.sort_by_key(|m| m.id);
    for m in sorted {
        if !ctx.has_device(m.user_id, m.device_id) {
            skips.add(Skip::ToDeviceWithoutDevice);
            continue;
        }
        if !serde_json::from_str::<Json>(m.content).is_ok_and(|v| v.is_object()) {
            skips.add(Skip::ToDeviceNotObject);
            continue;
        }
        t.push(syn::DeviceInbox {
            user_id: m.user_id.into(),
            device_id: m.device_id.into(),
            stream_id: stream.next(),
            message_json: m.content.into(),
            instance_name: Instance,
        });
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
fn device_lists<'a>(
    keys: &'a Keys,
    ctx: &UserContext,
) -> (Rows<'a, syn::DeviceListsStream<'a>>, Rows<'a, syn::DeviceListsChangeInRoom<'a>>) {
    let (mut stream_rows, mut in_room) = (Rows::default(), Rows::default());
    let mut stream = ctx.streams().counter();
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
        stream_rows.push(syn::DeviceListsStream {
            stream_id: id,
            user_id: user.into(),
            device_id: device.into(),
            instance_name: Instance,
        });
        for room in ctx.joined_rooms.get(user).unwrap_or(&none) {
            in_room.push(syn::DeviceListsChangeInRoom {
                user_id: user.into(),
                device_id: device.into(),
                room_id: room.clone().into(),
                stream_id: id,
                converted_to_destinations: true,
                instance_name: Instance,
            });
        }
    }
    (stream_rows, in_room)
}
