//! Accounts and sessions: `users`, `profiles`, `devices`, `access_tokens`,
//! `user_threepids` (synapse-storage.md §A.1, §G).
//!
//! * Only accounts of the chosen server name: Synapse has no virtual hosts,
//!   so other hosts' accounts are reported, not merged.
//! * bcrypt hashes go over as they are (Synapse checks `$2a$` hashes; no
//!   pepper); Dendrite's `''` for password-less accounts is NULL.
//! * `creation_ts` is seconds in Synapse, milliseconds in Dendrite.
//! * Access tokens stay the same, so clients stay logged in; `access_tokens.id`
//!   is Dendrite's `session_id` (unique, and what its sync stream refers to).
//!   Not for deactivated users (Synapse would have deleted them) and not for
//!   an appservice's `as_token` pseudo-device (its `device_id` is the
//!   appservice user's localpart): that is the bridge's secret, not a session.
//! * 3PIDs have no timestamps in Dendrite: the account's creation time stands
//!   in (deterministic, unlike "now"). E-mail addresses are lower-cased, as
//!   Synapse stores and looks them up.

use std::collections::BTreeSet;

use crate::dendrite::accounts::{Account, AccountType, Device, UserKey};
use crate::dendrite::Model;
use crate::synapse::Value;

use super::report::Skipped;
use super::table::Table;
use super::Context;

/// The accounts carried over, with their full user IDs, in key order.
pub fn local_accounts<'m>(
    model: &'m Model,
    ctx: &Context,
    skipped: &mut Skipped,
) -> Vec<(String, &'m UserKey, &'m Account)> {
    let mut out = Vec::new();
    for (key, account) in &model.accounts.accounts {
        match ctx.user_id(key) {
            Some(id) => out.push((id, key, account)),
            None => skipped.add("userapi_accounts", "account of another server name (virtual host)"),
        }
    }
    out
}

pub fn users<'m>(accounts: &[(String, &'m UserKey, &'m Account)]) -> Table<'m> {
    let mut t = Table::new(
        "users",
        &[
            "name",
            "password_hash",
            "creation_ts",
            "admin",
            "is_guest",
            "appservice_id",
            "deactivated",
            "shadow_banned",
            "approved",
        ],
    );
    for (id, _, a) in accounts {
        t.push(vec![
            Value::from(id.clone()),
            Value::from(a.password_hash.as_deref()),
            Value::Int(a.created_ts.div_euclid(1000)),
            Value::Int((a.account_type == AccountType::Admin).into()),
            Value::Int((a.account_type == AccountType::Guest).into()),
            Value::from(a.appservice_id.as_deref()),
            Value::Int(a.deactivated.into()),
            Value::Bool(false),
            Value::Bool(true),
        ]);
    }
    t
}

pub fn profiles<'m>(
    model: &'m Model,
    accounts: &[(String, &'m UserKey, &'m Account)],
    skipped: &mut Skipped,
) -> Table<'m> {
    let mut t = Table::new("profiles", &["user_id", "full_user_id", "displayname", "avatar_url"]);
    let known: BTreeSet<&UserKey> = accounts.iter().map(|(_, k, _)| *k).collect();
    let ids: std::collections::BTreeMap<&UserKey, &str> = accounts.iter().map(|(id, k, _)| (*k, id.as_str())).collect();
    for (key, p) in &model.accounts.profiles {
        if !known.contains(key) {
            skipped.add("userapi_profiles", "no carried-over account");
            continue;
        }
        let empty_is_null = |s: &'m Option<String>| s.as_deref().filter(|v| !v.is_empty());
        t.push(vec![
            Value::from(key.0.as_str()),
            Value::from(ids[key].to_string()),
            Value::from(empty_is_null(&p.display_name)),
            Value::from(empty_is_null(&p.avatar_url)),
        ]);
    }
    t
}

/// Why a device row is not a session Synapse should keep.
fn device_skip(account: Option<&Account>, key: &UserKey, device_id: &str) -> Option<&'static str> {
    match account {
        None => Some("no carried-over account"),
        Some(a) if a.deactivated => Some("account deactivated (Synapse deletes its devices and tokens)"),
        Some(a) if a.account_type == AccountType::AppService && a.appservice_id.is_some() && device_id == key.0 => {
            Some("appservice as_token pseudo-device (the bridge's secret, not a user session)")
        }
        Some(_) => None,
    }
}

/// `devices` and `access_tokens` (one Dendrite row is one device and its token).
pub fn devices<'m>(
    model: &'m Model,
    accounts: &[(String, &'m UserKey, &'m Account)],
    skipped: &mut Skipped,
) -> [Table<'m>; 2] {
    let by_key: std::collections::BTreeMap<&UserKey, (&str, &Account)> =
        accounts.iter().map(|(id, k, a)| (*k, (id.as_str(), *a))).collect();
    let mut devices =
        Table::new("devices", &["user_id", "device_id", "display_name", "last_seen", "ip", "user_agent", "hidden"]);
    let mut tokens = Table::new(
        "access_tokens",
        &["id", "user_id", "device_id", "token", "valid_until_ms", "last_validated", "used"],
    );
    let shared = shared_tokens(model);
    for ((key, device_id), d) in &model.accounts.devices {
        let found = by_key.get(key);
        if let Some(reason) = device_skip(found.map(|f| f.1), key, device_id) {
            skipped.add("userapi_devices", reason);
            continue;
        }
        let user_id = found.expect("checked").0;
        devices.push(device_row(user_id, device_id, d));
        if shared.contains(d.access_token.as_str()) {
            // Whoever holds it could act as either device: no device keeps it (docs/safety.md).
            let reason = "token shared with another device row: dropped from all of them (each logs in again)";
            skipped.add_id("access_tokens", reason, &format!("{user_id} {device_id}"));
            continue;
        }
        tokens.push(vec![
            Value::Int(d.session_id),
            Value::from(user_id.to_string()),
            Value::from(device_id.as_str()),
            Value::from(d.access_token.as_str()),
            Value::Null,
            Value::Int(d.last_seen_ts),
            Value::Bool(false),
        ]);
    }
    [devices, tokens]
}

/// Access tokens that more than one device row holds (only a database without
/// `userapi_devices`' primary key can hold them; Synapse's `access_tokens.token` is unique).
fn shared_tokens(model: &Model) -> std::collections::BTreeSet<&str> {
    let mut seen = std::collections::BTreeSet::new();
    let mut shared = std::collections::BTreeSet::new();
    for d in model.accounts.devices.values() {
        if !seen.insert(d.access_token.as_str()) {
            shared.insert(d.access_token.as_str());
        }
    }
    shared
}

fn device_row<'m>(user_id: &str, device_id: &'m str, d: &'m Device) -> Vec<Value<'m>> {
    vec![
        Value::from(user_id.to_string()),
        Value::from(device_id),
        Value::from(d.display_name.as_deref()),
        Value::Int(d.last_seen_ts),
        Value::from(d.ip.as_deref().and_then(bare_ip)),
        Value::from(d.user_agent.as_deref().filter(|u| !u.is_empty())),
        Value::Bool(false),
    ]
}

/// Dendrite stores `ip:port` (and `''` when unknown) but answers `/devices`
/// with the bare address; Synapse stores the bare address.
fn bare_ip(ip: &str) -> Option<String> {
    if ip.is_empty() {
        return None;
    }
    Some(ip.parse::<std::net::SocketAddr>().map_or_else(|_| ip.to_owned(), |a| a.ip().to_string()))
}

pub fn threepids<'m>(
    model: &'m Model,
    accounts: &[(String, &'m UserKey, &'m Account)],
    skipped: &mut Skipped,
) -> Table<'m> {
    let by_key: std::collections::BTreeMap<&UserKey, (&str, &Account)> =
        accounts.iter().map(|(id, k, a)| (*k, (id.as_str(), *a))).collect();
    let mut t = Table::new("user_threepids", &["user_id", "medium", "address", "validated_at", "added_at"]);
    let mut seen = BTreeSet::new();
    for (key, list) in &model.accounts.threepids {
        let Some((user_id, account)) = by_key.get(key) else {
            skipped.add_n("userapi_threepids", "no carried-over account", list.len() as u64);
            continue;
        };
        for tp in list {
            let address = if tp.medium == "email" { tp.address.to_lowercase() } else { tp.address.clone() };
            if !seen.insert((tp.medium.clone(), address.clone())) {
                skipped.add("userapi_threepids", "same address twice after lower-casing (Synapse keeps one)");
                continue;
            }
            t.push(vec![
                Value::from(user_id.to_string()),
                Value::from(tp.medium.as_str()),
                Value::from(address),
                Value::Int(account.created_ts),
                Value::Int(account.created_ts),
            ]);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(kind: AccountType, appservice: Option<&str>, deactivated: bool) -> Account {
        Account {
            created_ts: 1_700_000_000_999,
            password_hash: None,
            appservice_id: appservice.map(str::to_owned),
            deactivated,
            account_type: kind,
        }
    }

    #[test]
    fn sessions_that_are_not_kept() {
        let key: UserKey = ("bridge".into(), Some("s".into()));
        let asu = account(AccountType::AppService, Some("as1"), false);
        assert!(device_skip(Some(&asu), &key, "bridge").unwrap().contains("as_token"));
        assert_eq!(device_skip(Some(&asu), &key, "OTHER"), None);
        let gone = account(AccountType::User, None, true);
        assert!(device_skip(Some(&gone), &key, "D").unwrap().contains("deactivated"));
        assert!(device_skip(None, &key, "D").is_some());
        // A normal user whose device ID happens to equal the localpart keeps it.
        let normal = account(AccountType::User, None, false);
        assert_eq!(device_skip(Some(&normal), &key, "bridge"), None);
    }

    #[test]
    fn device_ips_lose_their_port() {
        assert_eq!(bare_ip("127.0.0.1:56696").as_deref(), Some("127.0.0.1"));
        assert_eq!(bare_ip("[::1]:8008").as_deref(), Some("::1"));
        assert_eq!(bare_ip("10.1.2.3").as_deref(), Some("10.1.2.3"));
        assert_eq!(bare_ip(""), None);
    }

    #[test]
    fn users_row_flags_and_seconds() {
        let key: UserKey = ("a".into(), None);
        let admin = account(AccountType::Admin, None, false);
        let list = vec![("@a:s".to_string(), &key, &admin)];
        let t = users(&list);
        assert_eq!(t.rows[0][2], Value::Int(1_700_000_000));
        assert_eq!(t.rows[0][3], Value::Int(1));
        assert_eq!(t.rows[0][4], Value::Int(0));
        assert_eq!(t.rows[0][1], Value::Null);
    }
}
