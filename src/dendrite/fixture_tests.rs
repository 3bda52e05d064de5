//! The model of the real `full` fixture against Dendrite's own answers to its
//! clients: `/keys/query`, `/room_keys/version`, `/pushers`, account data and
//! filters. This also pins down storage facts the converter relies on (where
//! cross-signing signatures live, how their targets are named).

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::keys::CrossSigningType;
use super::*;

const SERVER: &str = "localhost:18448";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dendrite-0.13.8/full")
}

fn read(path: &Path) -> Json {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn json(s: &str) -> Json {
    serde_json::from_str(s).unwrap()
}

/// Every field of `part` is in `whole` with an equal value (objects recursively).
fn part_of(part: &Json, whole: &Json) -> bool {
    match (part, whole) {
        (Json::Object(p), Json::Object(w)) => p.iter().all(|(k, v)| w.get(k).is_some_and(|wv| part_of(v, wv))),
        _ => part == whole,
    }
}

fn model() -> Model {
    load(&[dir().join("dendrite.dump")]).unwrap()
}

#[test]
fn device_and_cross_signing_keys_match_keys_query() {
    let m = model();
    let answer = read(&dir().join("expected/alice/keys_query.json"))["body"].clone();
    let mut devices = 0;
    for (user, by_device) in answer["device_keys"].as_object().unwrap() {
        for (device, served) in by_device.as_object().unwrap() {
            let stored = &m.keys.device_keys[&(user.clone(), device.clone())];
            let stored = json(stored.key_json.as_deref().expect("uploaded keys"));
            assert_eq!(stored["keys"], served["keys"], "{user} {device}");
            assert_eq!(stored["algorithms"], served["algorithms"], "{user} {device}");
            // Signatures by cross-signing keys are not in key_json but in
            // keyserver_cross_signing_sigs, targeting the bare device ID.
            for (signer, sigs) in served["signatures"].as_object().unwrap() {
                for (key_id, sig) in sigs.as_object().unwrap() {
                    let in_json = stored["signatures"][signer][key_id].as_str() == sig.as_str();
                    let id = (signer.clone(), key_id.clone(), user.clone(), device.clone());
                    let in_table = m.keys.cross_signing_sigs.get(&id).map(String::as_str) == sig.as_str();
                    assert!(in_json || in_table, "{user} {device}: signature by {key_id}");
                }
            }
            devices += 1;
        }
    }
    assert!(devices >= 8, "{devices}");

    let kinds = [
        ("master_keys", CrossSigningType::Master),
        ("self_signing_keys", CrossSigningType::SelfSigning),
        ("user_signing_keys", CrossSigningType::UserSigning),
    ];
    let mut keys = 0;
    for (field, kind) in kinds {
        for (user, served) in answer[field].as_object().unwrap() {
            let (key_id, public) = served["keys"].as_object().unwrap().iter().next().unwrap();
            assert_eq!(key_id, &format!("ed25519:{}", public.as_str().unwrap()));
            assert_eq!(Some(public.as_str().unwrap()), m.keys.cross_signing_keys.get(&(user.clone(), kind)).map(String::as_str));
            // Signatures of a cross-signing key target `ed25519:<key>`.
            for (signer, sigs) in served["signatures"].as_object().into_iter().flatten() {
                for (signing_key, sig) in sigs.as_object().unwrap() {
                    let id = (signer.clone(), signing_key.clone(), user.clone(), key_id.clone());
                    assert_eq!(m.keys.cross_signing_sigs.get(&id).map(String::as_str), sig.as_str(), "{user} {field}");
                }
            }
            keys += 1;
        }
    }
    assert!(keys >= 5, "{keys}");
}

#[test]
fn key_backup_matches_room_keys_version() {
    let m = model();
    let served = read(&dir().join("expected/alice/room_keys_version.json"))["body"].clone();
    let user = format!("@alice:{SERVER}");
    let version: i64 = served["version"].as_str().unwrap().parse().unwrap();
    let v = &m.backups.versions[&(user.clone(), version)];
    assert!(!v.deleted);
    assert_eq!(v.algorithm, served["algorithm"].as_str().unwrap());
    assert_eq!(json(&v.auth_data), served["auth_data"]);
    assert_eq!(v.etag, served["etag"].as_str().unwrap());
    let count = m.backups.sessions.keys().filter(|k| k.0 == user && k.1 == version.to_string()).count();
    assert_eq!(count as i64, served["count"].as_i64().unwrap());
}

#[test]
fn pushers_account_data_and_filters_match_dendrite_answers() {
    let m = model();
    let expected = dir().join("expected");
    let mut checked = (0, 0, 0);
    for user_dir in std::fs::read_dir(&expected).unwrap().map(|d| d.unwrap().path()) {
        let Ok(whoami) = std::fs::read(user_dir.join("whoami.json")) else { continue };
        let user = serde_json::from_slice::<Json>(&whoami).unwrap()["body"]["user_id"].as_str().unwrap().to_owned();
        let localpart = user[1..].split(':').next().unwrap().to_owned();
        let key = (localpart.clone(), Some(SERVER.to_owned()));

        let answer = read(&user_dir.join("pushers.json"));
        if answer["status"] != 200 {
            continue; // guests may not ask
        }
        let served = answer["body"]["pushers"].as_array().unwrap().clone();
        let stored: Vec<_> = m.pushers.all.iter().filter(|p| p.user == key).collect();
        assert_eq!(stored.len(), served.len(), "{user}: pushers");
        for (p, s) in stored.iter().zip(&served) {
            assert_eq!(p.pushkey, s["pushkey"].as_str().unwrap());
            assert_eq!(p.app_id, s["app_id"].as_str().unwrap());
            assert_eq!(p.pushkey_ts_secs, s["pushkey_ts"].as_i64().unwrap(), "seconds, despite the column name");
            assert_eq!(json(&p.data), s["data"]);
            assert_eq!(p.profile_tag.as_deref(), s["profile_tag"].as_str());
            checked.0 += 1;
        }

        for file in std::fs::read_dir(user_dir.join("account_data")).into_iter().flatten() {
            let path = file.unwrap().path();
            let kind = path.file_stem().unwrap().to_string_lossy().into_owned();
            let served = read(&path);
            if served["status"] != 200 {
                continue;
            }
            let stored = &m.account_data.entries[&(key.clone(), String::new(), kind.clone())];
            assert_eq!(json(stored), served["body"], "{user} {kind}");
            checked.1 += 1;
        }

        for file in std::fs::read_dir(user_dir.join("filters")).into_iter().flatten() {
            let served = read(&file.unwrap().path());
            let id: i64 = served["request"].as_str().unwrap().rsplit('/').next().unwrap().parse().unwrap();
            let stored = &m.userdata.filters[&(localpart.clone(), id)];
            // Dendrite serves the stored filter with its defaults filled in
            // (limits, event_format): what was stored is a part of the answer.
            assert!(part_of(&json(stored), &served["body"]), "{user} filter {id}: {stored}");
            checked.2 += 1;
        }
    }
    assert!(checked.0 >= 1 && checked.1 >= 6 && checked.2 >= 2, "{checked:?}");
}
