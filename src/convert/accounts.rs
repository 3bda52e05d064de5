//! Accounts and sessions: `users`, `profiles`, `devices`, `access_tokens`,
//! `user_threepids` (docs/synapse-schema.md §A.1, §G).
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

use std::collections::{BTreeMap, BTreeSet};

use crate::dendrite::accounts::{Account, AccountType, Device, UserKey};
use crate::dendrite::Model;
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::{Flag, Rows};

use super::report::{Skip, Skipped};
use super::Context;

/// One local account carried over.
pub struct Carried<'m> {
    /// The full user ID.
    pub user_id: String,
    pub key: &'m UserKey,
    pub account: &'m Account,
}

/// One device (a session) carried over.
pub struct KeptDevice<'m> {
    pub user_id: String,
    pub device_id: &'m str,
    pub device: &'m Device,
}

/// What accounts conversion decides, which the other areas follow: the
/// accounts of this server (deactivated ones included), in key order, and
/// the devices kept as sessions.
pub struct Accounts<'m> {
    pub carried: Vec<Carried<'m>>,
    pub devices: Vec<KeptDevice<'m>>,
}

impl<'m> Accounts<'m> {
    pub fn decide(model: &'m Model, ctx: &Context, skipped: &mut Skipped) -> Accounts<'m> {
        let mut carried = Vec::new();
        for (key, account) in &model.accounts.accounts {
            match ctx.user_id(key) {
                Some(user_id) => carried.push(Carried { user_id, key, account }),
                None => skipped.add(Skip::OtherServerAccount),
            }
        }
        let by_key: BTreeMap<&UserKey, &Carried> = carried.iter().map(|c| (c.key, c)).collect();
        let mut devices = Vec::new();
        for ((key, device_id), device) in &model.accounts.devices {
            let found = by_key.get(key);
            if let Some(reason) = device_skip(found.map(|c| c.account), key, device_id) {
                skipped.add(reason);
                continue;
            }
            let user_id = found.expect("checked").user_id.clone();
            devices.push(KeptDevice { user_id, device_id, device });
        }
        Accounts { carried, devices }
    }

    fn by_key(&self) -> BTreeMap<&'m UserKey, &Carried<'m>> {
        self.carried.iter().map(|c| (c.key, c)).collect()
    }
}

/// `users`, `profiles`, `devices`, `access_tokens`, `user_threepids`.
pub fn tables<'a>(model: &'a Model, accounts: &'a Accounts<'a>, out: &mut Tables<'a>, skipped: &mut Skipped) {
    out.users = users(accounts);
    out.profiles = profiles(model, accounts, skipped);
    (out.devices, out.access_tokens) = devices(model, accounts, skipped);
    out.user_threepids = threepids(model, accounts, skipped);
}

fn users<'a>(accounts: &'a Accounts<'a>) -> Rows<'a, syn::User<'a>> {
    let mut t = Rows::default();
    for Carried { user_id, account: a, .. } in &accounts.carried {
        t.push(syn::User {
            name: user_id.into(),
            password_hash: a.password_hash.as_deref().map(Into::into),
            creation_ts: a.created_ts.div_euclid(1000),
            admin: Flag(a.account_type == AccountType::Admin),
            is_guest: Flag(a.account_type == AccountType::Guest),
            appservice_id: a.appservice_id.as_deref().map(Into::into),
            deactivated: Flag(a.deactivated),
            shadow_banned: false,
            approved: true,
        });
    }
    t
}

fn profiles<'a>(model: &'a Model, accounts: &'a Accounts<'a>, skipped: &mut Skipped) -> Rows<'a, syn::Profile<'a>> {
    let mut t = Rows::default();
    let ids = accounts.by_key();
    for (key, p) in &model.accounts.profiles {
        let Some(carried) = ids.get(key) else {
            skipped.add(Skip::ProfileWithoutAccount);
            continue;
        };
        let empty_is_null = |s: &'a Option<String>| s.as_deref().filter(|v| !v.is_empty()).map(Into::into);
        t.push(syn::Profile {
            user_id: key.0.as_str().into(),
            full_user_id: carried.user_id.as_str().into(),
            displayname: empty_is_null(&p.display_name),
            avatar_url: empty_is_null(&p.avatar_url),
        });
    }
    t
}

/// Why a device row is not a session Synapse should keep.
fn device_skip(account: Option<&Account>, key: &UserKey, device_id: &str) -> Option<Skip> {
    match account {
        None => Some(Skip::DeviceWithoutAccount),
        Some(a) if a.deactivated => Some(Skip::DeviceOfDeactivated),
        Some(a) if a.account_type == AccountType::AppService && a.appservice_id.is_some() && device_id == key.0 => {
            Some(Skip::AppserviceTokenDevice)
        }
        Some(_) => None,
    }
}

/// `devices` and `access_tokens` (one Dendrite row is one device and its token).
fn devices<'a>(
    model: &'a Model,
    accounts: &'a Accounts<'a>,
    skipped: &mut Skipped,
) -> (Rows<'a, syn::Device<'a>>, Rows<'a, syn::AccessToken<'a>>) {
    let (mut devices, mut tokens) = (Rows::default(), Rows::default());
    let shared = shared_tokens(model);
    for KeptDevice { user_id, device_id, device: d } in &accounts.devices {
        devices.push(syn::Device {
            user_id: user_id.into(),
            device_id: (*device_id).into(),
            display_name: d.display_name.as_deref().map(Into::into),
            last_seen: d.last_seen_ts,
            ip: d.ip.as_deref().and_then(bare_ip).map(Into::into),
            user_agent: d.user_agent.as_deref().filter(|u| !u.is_empty()).map(Into::into),
            hidden: false,
        });
        if shared.contains(d.access_token.as_str()) {
            // Whoever holds it could act as either device: no device keeps it (docs/safety.md).
            skipped.add_id(Skip::TokenShared, &format!("{user_id} {device_id}"));
            continue;
        }
        tokens.push(syn::AccessToken {
            id: d.session_id,
            user_id: user_id.into(),
            device_id: (*device_id).into(),
            token: d.access_token.as_str().into(),
            valid_until_ms: None,
            last_validated: d.last_seen_ts,
            used: false,
        });
    }
    (devices, tokens)
}

/// Access tokens that more than one device row holds (only a database without
/// `userapi_devices`' primary key can hold them; Synapse's `access_tokens.token` is unique).
fn shared_tokens(model: &Model) -> BTreeSet<&str> {
    let mut seen = BTreeSet::new();
    let mut shared = BTreeSet::new();
    for d in model.accounts.devices.values() {
        if !seen.insert(d.access_token.as_str()) {
            shared.insert(d.access_token.as_str());
        }
    }
    shared
}

/// Dendrite stores `ip:port` (and `''` when unknown) but answers `/devices`
/// with the bare address; Synapse stores the bare address.
fn bare_ip(ip: &str) -> Option<String> {
    if ip.is_empty() {
        return None;
    }
    Some(ip.parse::<std::net::SocketAddr>().map_or_else(|_| ip.to_owned(), |a| a.ip().to_string()))
}

fn threepids<'a>(
    model: &'a Model,
    accounts: &'a Accounts<'a>,
    skipped: &mut Skipped,
) -> Rows<'a, syn::UserThreepid<'a>> {
    let by_key = accounts.by_key();
    let mut t = Rows::default();
    let mut seen = BTreeSet::new();
    for (key, list) in &model.accounts.threepids {
        let Some(Carried { user_id, account, .. }) = by_key.get(key) else {
            skipped.add_n(Skip::ThreepidWithoutAccount, list.len() as u64);
            continue;
        };
        for tp in list {
            let address = if tp.medium == "email" { tp.address.to_lowercase() } else { tp.address.clone() };
            if !seen.insert((tp.medium.clone(), address.clone())) {
                skipped.add(Skip::ThreepidDuplicate);
                continue;
            }
            t.push(syn::UserThreepid {
                user_id: user_id.as_str().into(),
                medium: tp.medium.as_str().into(),
                address: address.into(),
                validated_at: account.created_ts,
                added_at: account.created_ts,
            });
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
        assert_eq!(device_skip(Some(&asu), &key, "bridge"), Some(Skip::AppserviceTokenDevice));
        assert_eq!(device_skip(Some(&asu), &key, "OTHER"), None);
        let gone = account(AccountType::User, None, true);
        assert_eq!(device_skip(Some(&gone), &key, "D"), Some(Skip::DeviceOfDeactivated));
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
        let accounts = Accounts {
            carried: vec![Carried { user_id: "@a:s".to_string(), key: &key, account: &admin }],
            devices: Vec::new(),
        };
        let t = users(&accounts);
        assert_eq!(t.rows[0].creation_ts, 1_700_000_000);
        assert_eq!(t.rows[0].admin, Flag(true));
        assert_eq!(t.rows[0].is_guest, Flag(false));
        assert_eq!(t.rows[0].password_hash, None);
    }
}
