//! Tests of the user-data conversion: small hand-made models checked against
//! what Synapse's code expects (first principles), then the real fixtures.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{json, Value as Json};

use crate::convert::accounts::Accounts;
use crate::convert::e2ee::{self, QueuedMessage};
use crate::convert::report::{Skip, Skipped};
use crate::convert::streams::Streams;
use crate::convert::table::{self, dynamic, Table};
use crate::convert::userdata;
use crate::convert::users::UserContext;
use crate::convert::{account_data, push, Context};
use crate::dendrite::account_data::{AccountData, AccountDataRow};
use crate::dendrite::keys::*;
use crate::synapse::{Tables, Value};

const SERVER: &str = "example.org";

fn ctx() -> UserContext {
    let users: BTreeSet<String> = ["@alice:example.org", "@bob:example.org"].iter().map(|s| s.to_string()).collect();
    let devices: BTreeSet<(String, String)> =
        [("@alice:example.org", "PHONE"), ("@alice:example.org", "LAPTOP"), ("@bob:example.org", "TAB")]
            .iter()
            .map(|(u, d)| (u.to_string(), d.to_string()))
            .collect();
    let session_devices = BTreeMap::from([(7, ("@alice:example.org".to_string(), "PHONE".to_string()))]);
    let joined_rooms = BTreeMap::from([(
        "@alice:example.org".to_string(),
        BTreeSet::from(["!r:example.org".to_string(), "!s:example.org".to_string()]),
    )]);
    UserContext {
        ctx: Context {
            server_name: SERVER.into(),
            streams: Streams { base: 500, live_max: 321 },
            skip_rooms: Default::default(),
        },
        users,
        devices,
        session_devices,
        joined_rooms,
        deactivated: BTreeSet::new(),
        left_out_rooms: BTreeSet::from(["!gone:example.org".to_string()]),
    }
}

fn text<'v>(v: &'v Value) -> &'v str {
    match v {
        Value::Text(s) => s,
        other => panic!("not text: {other:?}"),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        other => panic!("not int: {other:?}"),
    }
}

fn col(t: &Table, name: &str) -> usize {
    t.columns.iter().position(|c| *c == name).unwrap_or_else(|| panic!("{} has no column {name}", t.name))
}

/// The block of `name` that has rows (several blocks may fill one table), else its first.
fn table<'t, 'a>(tables: &'t [Table<'a>], name: &str) -> &'t Table<'a> {
    let mut blocks = tables.iter().filter(|t| t.name == name);
    let first = blocks.next().unwrap_or_else(|| panic!("no table {name}"));
    std::iter::once(first).chain(blocks).find(|t| !t.rows.is_empty()).unwrap_or(first)
}

struct E2eeOut {
    tables: Vec<Table<'static>>,
}

fn e2ee_convert(k: &Keys, queue: &[QueuedMessage], ctx: &UserContext, skips: &mut Skipped) -> anyhow::Result<E2eeOut> {
    let mut out = Tables::default();
    e2ee::convert(k, queue, ctx, &mut out, skips)?;
    Ok(E2eeOut { tables: table::all(&out) })
}

struct AccountDataOut {
    account_data: Table<'static>,
    room_account_data: Table<'static>,
    room_tags: Table<'static>,
    room_tags_revisions: Table<'static>,
    ignored_users: Table<'static>,
}

fn account_data_convert(data: &AccountData, ctx: &UserContext, skips: &mut Skipped) -> AccountDataOut {
    let mut out = Tables::default();
    account_data::convert(data, ctx, &mut out, skips);
    AccountDataOut {
        account_data: dynamic(&out.account_data),
        room_account_data: dynamic(&out.room_account_data),
        room_tags: dynamic(&out.room_tags),
        room_tags_revisions: dynamic(&out.room_tags_revisions),
        ignored_users: dynamic(&out.ignored_users),
    }
}

fn sig(ou: &str, ok: &str, tu: &str, tk: &str, s: &str) -> CrossSigningSig {
    CrossSigningSig {
        origin_user_id: ou.into(),
        origin_key_id: ok.into(),
        target_user_id: tu.into(),
        target_key_id: tk.into(),
        signature: s.into(),
    }
}

fn csk(user: &str, kind: CrossSigningKind, pk: &str) -> CrossSigningKey {
    CrossSigningKey { user_id: user.into(), kind, public_key: pk.into() }
}

/// alice: master M, self-signing S, user-signing U; S and U signed by M,
/// PHONE signed by S, M signed by PHONE; alice's U signs bob's master B;
/// a remote user signs bob's master too.
fn keys() -> Keys {
    let a = "@alice:example.org";
    Keys {
        cross_signing_keys: vec![
            csk(a, CrossSigningKind::Master, "M"),
            csk(a, CrossSigningKind::SelfSigning, "S"),
            csk(a, CrossSigningKind::UserSigning, "U"),
            csk("@bob:example.org", CrossSigningKind::Master, "B"),
            csk("@zed:remote.org", CrossSigningKind::Master, "Z"),
        ],
        cross_signing_sigs: vec![
            sig(a, "ed25519:M", a, "ed25519:S", "m-on-s"),
            sig(a, "ed25519:M", a, "ed25519:U", "m-on-u"),
            sig(a, "ed25519:S", a, "PHONE", "s-on-phone"),
            sig(a, "ed25519:PHONE", a, "ed25519:M", "phone-on-m"),
            sig(a, "ed25519:U", "@bob:example.org", "ed25519:B", "u-on-b"),
            sig("@zed:remote.org", "ed25519:ZU", "@bob:example.org", "ed25519:B", "remote"),
        ],
        device_keys: vec![
            DeviceKey {
                user_id: a.into(),
                device_id: "PHONE".into(),
                ts_added_secs: 10,
                key_json: Some("{\"k\":1}".into()),
            },
            DeviceKey { user_id: a.into(), device_id: "LAPTOP".into(), ts_added_secs: 11, key_json: None },
            DeviceKey { user_id: a.into(), device_id: "GONE".into(), ts_added_secs: 12, key_json: Some("{}".into()) },
            DeviceKey {
                user_id: "@zed:remote.org".into(),
                device_id: "Z1".into(),
                ts_added_secs: 1,
                key_json: Some("{}".into()),
            },
        ],
        ..Default::default()
    }
}

#[test]
fn cross_signing_key_objects_embed_the_owners_signatures_only() {
    let k = keys();
    let obj = e2ee::key_object(&k.cross_signing_keys[1], &k);
    assert_eq!(
        obj,
        json!({"user_id": "@alice:example.org", "usage": ["self_signing"], "keys": {"ed25519:S": "S"},
               "signatures": {"@alice:example.org": {"ed25519:M": "m-on-s"}}})
    );
    // The master key carries the device's signature (others see it, as on Dendrite).
    let master = e2ee::key_object(&k.cross_signing_keys[0], &k);
    assert_eq!(master["signatures"], json!({"@alice:example.org": {"ed25519:PHONE": "phone-on-m"}}));
    // bob's master: signed only by others, so no embedded signatures.
    let bob = e2ee::key_object(&k.cross_signing_keys[3], &k);
    assert!(bob.get("signatures").is_none(), "{bob}");
}

#[test]
fn signatures_use_bare_targets_and_leave_out_self_signatures_and_remote_signers() {
    let k = keys();
    let mut skips = Skipped::default();
    let out = e2ee_convert(&k, &[], &ctx(), &mut skips).unwrap();
    let t = table(&out.tables, "e2e_cross_signing_signatures");
    let rows: BTreeSet<(String, String, String, String)> = t
        .rows
        .iter()
        .map(|r| (text(&r[0]).into(), text(&r[1]).into(), text(&r[3]).into(), text(&r[4]).into()))
        .collect();
    let expected: BTreeSet<(String, String, String, String)> = [
        ("@alice:example.org", "ed25519:S", "PHONE", "s-on-phone"),
        ("@alice:example.org", "ed25519:PHONE", "M", "phone-on-m"),
        ("@alice:example.org", "ed25519:U", "B", "u-on-b"),
    ]
    .iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
    .collect();
    assert_eq!(rows, expected);
    let skipped: Vec<_> = skips.iter().collect();
    assert!(skipped.iter().any(|s| s.0 == "cross-signing signatures" && s.2 == 1), "{skipped:?}");
    assert!(skipped.iter().any(|s| s.0 == "cross-signing keys" && s.1.contains("remote") && s.2 == 1));
}

#[test]
fn cross_signing_keys_get_hidden_devices_and_stream_ids_above_the_base() {
    let k = keys();
    let out = e2ee_convert(&k, &[], &ctx(), &mut Skipped::default()).unwrap();
    let hidden = table(&out.tables, "devices");
    let ids: Vec<(&str, &str, &str)> = hidden.rows.iter().map(|r| (text(&r[0]), text(&r[1]), text(&r[2]))).collect();
    assert_eq!(
        ids,
        vec![
            ("@alice:example.org", "M", "master signing key"),
            ("@alice:example.org", "S", "self_signing signing key"),
            ("@alice:example.org", "U", "user_signing signing key"),
            ("@bob:example.org", "B", "master signing key"),
        ]
    );
    assert!(hidden.rows.iter().all(|r| r[3] == Value::Bool(true)));
    let csk = table(&out.tables, "e2e_cross_signing_keys");
    let streams: Vec<i64> = csk.rows.iter().map(|r| int(&r[col(csk, "stream_id")])).collect();
    assert_eq!(streams, vec![501, 502, 503, 504]);
    let keydata: Json = serde_json::from_str(text(&csk.rows[0][col(csk, "keydata")])).unwrap();
    assert_eq!(keydata["usage"], json!(["master"]));
}

#[test]
fn device_keys_only_for_carried_local_devices_with_keys_verbatim() {
    let k = keys();
    let mut skips = Skipped::default();
    let out = e2ee_convert(&k, &[], &ctx(), &mut skips).unwrap();
    let t = table(&out.tables, "e2e_device_keys_json");
    assert_eq!(t.rows.len(), 1);
    assert_eq!(text(&t.rows[0][1]), "PHONE");
    assert_eq!(int(&t.rows[0][2]), 10_000, "seconds become milliseconds");
    assert_eq!(text(&t.rows[0][3]), "{\"k\":1}");
    let reasons: BTreeSet<&str> = skips.iter().filter(|s| s.0 == "device keys").map(|s| s.1).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}"); // placeholder, gone device, remote user
}

#[test]
fn to_device_queue_keeps_order_and_gets_ids_above_every_old_token() {
    let msgs = [
        QueuedMessage {
            id: 9,
            user_id: "@bob:example.org",
            device_id: "TAB",
            content: r#"{"sender":"@a:x","type":"t2","content":{}}"#,
        },
        QueuedMessage {
            id: 2,
            user_id: "@bob:example.org",
            device_id: "TAB",
            content: r#"{"sender":"@a:x","type":"t1","content":{}}"#,
        },
        QueuedMessage { id: 3, user_id: "@bob:example.org", device_id: "NOPE", content: "{}" },
    ];
    let mut skips = Skipped::default();
    let none = Keys::default();
    let out = e2ee_convert(&none, &msgs, &ctx(), &mut skips).unwrap();
    let t = table(&out.tables, "device_inbox");
    let got: Vec<(i64, &str)> = t.rows.iter().map(|r| (int(&r[2]), text(&r[3]))).collect();
    assert_eq!(got, vec![(501, msgs[1].content), (502, msgs[0].content)]);
    assert_eq!(skips.iter().count(), 1);
}

#[test]
fn deleted_backup_versions_stay_deleted_without_their_sessions() {
    let mut k = Keys::default();
    let v = |version, deleted| BackupVersion {
        user_id: "@alice:example.org".into(),
        version,
        algorithm: "m.megolm_backup.v1.curve25519-aes-sha2".into(),
        auth_data: "{}".into(),
        etag: "7".into(),
        deleted,
    };
    k.backup_versions = vec![v(1, true), v(2, false)];
    let s = |version| BackupSession {
        user_id: "@alice:example.org".into(),
        room_id: "!r:example.org".into(),
        session_id: format!("s{version}"),
        version,
        first_message_index: 0,
        forwarded_count: 0,
        is_verified: true,
        session_data: "{}".into(),
    };
    k.backup_sessions = vec![s(1), s(2)];
    let out = e2ee_convert(&k, &[], &ctx(), &mut Skipped::default()).unwrap();
    let versions = table(&out.tables, "e2e_room_keys_versions");
    let got: Vec<(i64, i64, i64)> = versions.rows.iter().map(|r| (int(&r[1]), int(&r[4]), int(&r[5]))).collect();
    assert_eq!(got, vec![(1, 1, 7), (2, 0, 7)]);
    let sessions = table(&out.tables, "e2e_room_keys");
    assert_eq!(sessions.rows.len(), 1);
    assert_eq!(text(&sessions.rows[0][2]), "s2");
}

fn ad(localpart: &str, room: Option<&str>, kind: &str, content: &str) -> AccountDataRow {
    AccountDataRow {
        localpart: localpart.into(),
        server_name: Some(SERVER.into()),
        room_id: room.map(str::to_owned),
        data_type: kind.into(),
        content: content.into(),
        room_was_null: false,
    }
}

#[test]
fn account_data_split_into_synapses_tables() {
    let data = AccountData {
        rows: vec![
            ad("alice", None, "m.direct", r#"{"@bob:example.org": ["!dm:example.org"]}"#),
            ad(
                "alice",
                None,
                "m.ignored_user_list",
                r#"{"ignored_users": {"@frank:example.org": {}, "@alice:example.org": {}}}"#,
            ),
            ad("alice", None, "m.push_rules", r#"{"global":{}}"#),
            ad("alice", Some("!r:example.org"), "m.tag", r#"{"tags":{"m.favourite":{"order":0.25},"u.work":{}}}"#),
            ad("alice", Some("!r:example.org"), "m.fully_read", r#"{"event_id":"$e"}"#),
            ad("carol", None, "m.direct", "{}"),
            ad("alice", None, "broken", "{"),
        ],
        ..Default::default()
    };
    let mut skips = Skipped::default();
    let out = account_data_convert(&data, &ctx(), &mut skips);
    let global: Vec<(&str, &str)> = out.account_data.rows.iter().map(|r| (text(&r[1]), text(&r[3]))).collect();
    assert_eq!(
        global,
        vec![
            ("m.direct", r#"{"@bob:example.org": ["!dm:example.org"]}"#),
            ("m.ignored_user_list", r#"{"ignored_users": {"@frank:example.org": {}, "@alice:example.org": {}}}"#),
        ]
    );
    let ignored: Vec<(&str, &str)> = out.ignored_users.rows.iter().map(|r| (text(&r[0]), text(&r[1]))).collect();
    assert_eq!(ignored, vec![("@alice:example.org", "@frank:example.org")]);
    let tags: Vec<(&str, &str)> = out.room_tags.rows.iter().map(|r| (text(&r[2]), text(&r[3]))).collect();
    assert_eq!(tags, vec![("m.favourite", r#"{"order":0.25}"#), ("u.work", "{}")]);
    assert_eq!(out.room_tags_revisions.rows.len(), 1);
    assert_eq!(out.room_account_data.rows.len(), 1);
    assert_eq!(text(&out.room_account_data.rows[0][2]), "m.fully_read");
    // One stream shared by the three tables: distinct ids, all above the base.
    let mut ids: Vec<i64> = out.account_data.rows.iter().map(|r| int(&r[2])).collect();
    ids.extend(out.room_account_data.rows.iter().map(|r| int(&r[3])));
    ids.extend(out.room_tags_revisions.rows.iter().map(|r| int(&r[2])));
    ids.sort();
    assert_eq!(ids, vec![501, 502, 503, 504]);
    assert_eq!(skips.iter().map(|s| s.2).sum::<u64>(), 2, "carol is not carried; broken JSON");
}

#[test]
fn room_account_data_and_tags_of_a_left_out_room_are_counted_not_carried() {
    let data = AccountData {
        rows: vec![
            ad("alice", Some("!gone:example.org"), "m.tag", r#"{"tags":{"m.favourite":{}}}"#),
            ad("alice", Some("!gone:example.org"), "m.fully_read", r#"{"event_id":"$e"}"#),
            ad("alice", Some("!r:example.org"), "m.fully_read", r#"{"event_id":"$f"}"#),
            ad("alice", None, "m.direct", r#"{"@bob:example.org": ["!gone:example.org"]}"#),
        ],
        ..Default::default()
    };
    let mut skips = Skipped::default();
    let out = account_data_convert(&data, &ctx(), &mut skips);
    let rooms: Vec<&str> = out.room_account_data.rows.iter().map(|r| text(&r[1])).collect();
    assert_eq!(rooms, vec!["!r:example.org"]);
    assert!(out.room_tags.rows.is_empty() && out.room_tags_revisions.rows.is_empty());
    // Global data naming the room is the user's own and stays as it is.
    assert_eq!(out.account_data.rows.len(), 1);
    let counted: Vec<(&str, &str, u64)> = skips.iter().collect();
    assert_eq!(counted, vec![("account data", Skip::RoomAccountDataOfLeftOutRoom.reason().as_ref(), 2)]);
}

struct PushOut {
    push_rules: Table<'static>,
    push_rules_enable: Table<'static>,
    push_rules_stream: Table<'static>,
}

fn push_out(rules: Json) -> (PushOut, Vec<(String, String, u64)>) {
    let data = AccountData { rows: vec![ad("alice", None, "m.push_rules", &rules.to_string())], ..Default::default() };
    let mut skips = Skipped::default();
    let out = push::convert_rules(&data, &ctx(), &mut skips).unwrap();
    let out = PushOut {
        push_rules: dynamic(&out.push_rules),
        push_rules_enable: dynamic(&out.push_rules_enable),
        push_rules_stream: dynamic(&out.push_rules_stream),
    };
    (out, skips.iter().map(|(w, r, n)| (w.to_owned(), r.to_owned(), n)).collect())
}

#[test]
fn user_push_rules_keep_the_users_order_within_a_kind() {
    let (out, skips) = push_out(json!({"global": {
        "override": [
            {"rule_id": "first", "default": false, "enabled": true, "conditions": [{"kind": "event_match", "key": "sender", "pattern": "@x*"}], "actions": []},
            {"rule_id": ".m.rule.master", "default": true, "enabled": false, "actions": []},
            {"rule_id": "second", "default": false, "enabled": false, "conditions": [], "actions": ["notify"]}
        ],
        "content": [{"rule_id": "coffee", "default": false, "enabled": true, "pattern": "coffee", "actions": ["notify"]}],
        "room": [{"rule_id": "!r:example.org", "default": false, "enabled": true, "actions": []}],
        "sender": [{"rule_id": "@bob:example.org", "default": false, "enabled": true, "actions": ["notify"]}]
    }}));
    assert!(skips.is_empty(), "{skips:?}");
    let rows: Vec<(&str, i64, i64, Json)> = out
        .push_rules
        .rows
        .iter()
        .map(|r| (text(&r[2]), int(&r[3]), int(&r[4]), serde_json::from_str(text(&r[5])).unwrap()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("global/override/first", 5, 2, json!([{"kind": "event_match", "key": "sender", "pattern": "@x*"}])),
            ("global/override/second", 5, 1, json!([])),
            (
                "global/content/coffee",
                4,
                1,
                json!([{"kind": "event_match", "key": "content.body", "pattern": "coffee"}])
            ),
            (
                "global/room/!r:example.org",
                3,
                1,
                json!([{"kind": "event_match", "key": "room_id", "pattern": "!r:example.org"}])
            ),
            (
                "global/sender/@bob:example.org",
                2,
                1,
                json!([{"kind": "event_match", "key": "user_id", "pattern": "@bob:example.org"}])
            ),
        ]
    );
    // Synapse lists by class, then priority, highest first: "first" before "second".
    let enable: Vec<(&str, i64)> = out.push_rules_enable.rows.iter().map(|r| (text(&r[2]), int(&r[3]))).collect();
    assert_eq!(enable, vec![("global/override/second", 0)], "master is disabled by default in Synapse too");
    assert_eq!(out.push_rules_stream.rows.len(), 1);
    assert!(int(&out.push_rules_stream.rows[0][0]) > 500);
}

#[test]
fn defaults_are_carried_only_where_they_mean_something_else_than_synapses() {
    let (out, skips) = push_out(json!({"global": {
        "override": [
            {"rule_id": ".m.rule.suppress_notices", "default": true, "enabled": false, "actions": []},
            // Dendrite's spelling of Synapse's default: no row.
            {"rule_id": ".m.rule.contains_display_name", "default": true, "enabled": true,
             "actions": ["notify", {"set_tweak": "sound", "value": "default"}, {"set_tweak": "highlight"}]},
            {"rule_id": ".m.rule.member_event", "default": true, "enabled": true, "actions": ["dont_notify"]},
            {"rule_id": ".x.unknown", "default": true, "enabled": true, "actions": []}
        ],
        "underride": [
            {"rule_id": ".m.rule.message", "default": true, "enabled": true, "actions": ["notify", {"set_tweak": "sound", "value": "ping"}]},
            {"rule_id": ".m.rule.encrypted", "default": true, "enabled": true, "actions": ["notify"]}
        ]
    }}));
    let rules: Vec<(&str, i64, &str, &str)> =
        out.push_rules.rows.iter().map(|r| (text(&r[2]), int(&r[3]), text(&r[5]), text(&r[6]))).collect();
    assert_eq!(
        rules,
        vec![("global/underride/.m.rule.message", -1, "[]", r#"["notify",{"set_tweak":"sound","value":"ping"}]"#)]
    );
    let enable: Vec<(&str, i64)> = out.push_rules_enable.rows.iter().map(|r| (text(&r[2]), int(&r[3]))).collect();
    assert_eq!(enable, vec![("global/override/.m.rule.suppress_notices", 0)]);
    assert_eq!(skips.len(), 1);
    assert!(skips[0].1.contains(".x.unknown"));
}

#[test]
fn action_meaning_ignores_spelling_and_order() {
    let n = |v: Json| push::normalised_actions(&v);
    assert_eq!(
        n(json!(["notify", {"set_tweak": "highlight"}, {"set_tweak": "sound", "value": "default"}])),
        n(json!(["notify", {"set_tweak": "sound", "value": "default"}, {"set_tweak": "highlight", "value": true}]))
    );
    assert_eq!(n(json!(["notify", {"set_tweak": "highlight", "value": false}])), n(json!(["notify"])));
    assert_eq!(n(json!(["dont_notify"])), n(json!([])));
    assert_ne!(n(json!(["notify"])), n(json!([])));
    assert_ne!(n(json!(["notify", {"set_tweak": "sound", "value": "ping"}])), n(json!(["notify"])));
}

#[test]
fn pushers_keep_their_device_and_start_at_the_end_of_history() {
    use crate::dendrite::push::{Pusher, Pushers};
    let p = Pushers {
        pushers: vec![Pusher {
            id: 1,
            localpart: "alice".into(),
            server_name: Some(SERVER.into()),
            session_id: Some(7),
            profile_tag: None,
            kind: "http".into(),
            app_id: "app".into(),
            app_display_name: "App".into(),
            device_display_name: "Phone".into(),
            pushkey: "key".into(),
            pushkey_ts: 1_795_720_337,
            lang: "en".into(),
            data: r#"{"url":"https://p/_matrix/push/v1/notify"}"#.into(),
        }],
    };
    let t = dynamic(&push::convert_pushers(&p, &ctx(), &mut Skipped::default()));
    let r = &t.rows[0];
    assert_eq!(text(&r[col(&t, "device_id")]), "PHONE");
    assert_eq!(int(&r[col(&t, "last_stream_ordering")]), 321);
    assert_eq!(int(&r[col(&t, "ts")]), 1_795_720_337_000);
    assert_eq!(text(&r[col(&t, "profile_tag")]), "");
    assert_eq!(push::pushkey_ts_ms(1_795_720_337_123), 1_795_720_337_123);
}

/// The real fixtures: what Dendrite's own answers say must come out.
#[test]
fn fixture_full_keys_and_queue_match_dendrites_answers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dendrite-0.13.8/full");
    let model = crate::dendrite::load(&[dir.join("dendrite.sql.gz")]).unwrap();
    let ctx = Context {
        server_name: "localhost:18448".into(),
        streams: Streams { base: 1000, live_max: 999 },
        skip_rooms: Default::default(),
    };
    let mut skipped = Skipped::default();
    let accounts = Accounts::decide(&model, &ctx, &mut skipped);
    let uctx = UserContext::new(&ctx, &accounts, BTreeMap::new(), BTreeSet::new());
    let mut out = Tables::default();
    userdata::convert(&model, &uctx, &mut out, &mut skipped).unwrap();
    let t = &table::all(&out);
    // Every device in Dendrite's /keys/query answer (as alice asked) has its
    // key JSON, and no other device does.
    let answer: Json =
        serde_json::from_slice(&std::fs::read(dir.join("expected/alice/keys_query.json")).unwrap()).unwrap();
    let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
    for (user, devices) in answer["body"]["device_keys"].as_object().unwrap() {
        for device in devices.as_object().unwrap().keys() {
            expected.insert((user.clone(), device.clone()));
        }
    }
    let dk = table(t, "e2e_device_keys_json");
    let got: BTreeSet<(String, String)> =
        dk.rows.iter().map(|r| (text(&r[0]).to_owned(), text(&r[1]).to_owned())).collect();
    assert_eq!(got, expected);
    // The key JSON is Dendrite's, byte for byte (keys and self-signature
    // equal what Dendrite served).
    for r in &dk.rows {
        let stored: Json = serde_json::from_str(text(&r[3])).unwrap();
        let served = &answer["body"]["device_keys"][text(&r[0])][text(&r[1])];
        assert_eq!(stored["keys"], served["keys"]);
        let own = format!("ed25519:{}", text(&r[1]));
        assert_eq!(stored["signatures"][text(&r[0])][&own], served["signatures"][text(&r[0])][&own]);
    }
    // Master keys: what Synapse serves to alice is keydata plus the
    // signatures alice made; that must equal Dendrite's answer.
    let csk = table(t, "e2e_cross_signing_keys");
    let sigs = table(t, "e2e_cross_signing_signatures");
    for (kind, field) in
        [("master", "master_keys"), ("self_signing", "self_signing_keys"), ("user_signing", "user_signing_keys")]
    {
        for r in csk.rows.iter().filter(|r| text(&r[1]) == kind) {
            let mut key: Json = serde_json::from_str(text(&r[2])).unwrap();
            let pk = key["keys"].as_object().unwrap().values().next().unwrap().as_str().unwrap().to_owned();
            for s in sigs.rows.iter().filter(|s| text(&s[0]) == "@alice:localhost:18448" && text(&s[3]) == pk) {
                key["signatures"][text(&s[0])][text(&s[1])] = json!(text(&s[4]));
            }
            assert_eq!(key, answer["body"][field][text(&r[0])], "{field} of {}", text(&r[0]));
        }
    }
    // The offline tablet's queue: all five messages, ids above the base.
    let inbox = table(t, "device_inbox");
    assert_eq!(inbox.rows.len(), 5);
    assert!(inbox.rows.iter().all(|r| text(&r[1]) == "BOBTABLET" && int(&r[2]) > 1000));
    // alice's backup: one version, four sessions (credentials.json says so).
    assert_eq!(table(t, "e2e_room_keys_versions").rows.len(), 1);
    assert_eq!(table(t, "e2e_room_keys").rows.len(), 4);
    assert_eq!(table(t, "pushers").rows.len(), 1);
    assert_eq!(table(t, "user_filters").rows.len(), 2);
}

#[test]
fn device_list_changes_go_into_every_joined_room_under_one_stream_id() {
    let k = keys();
    let out = e2ee_convert(&k, &[], &ctx(), &mut Skipped::default()).unwrap();
    let stream = table(&out.tables, "device_lists_stream");
    let in_room = table(&out.tables, "device_lists_changes_in_room");
    // alice: PHONE (keys) + M, S, U; bob: B (LAPTOP has no keys, GONE is not carried).
    let entries: Vec<(i64, &str, &str)> = stream.rows.iter().map(|r| (int(&r[0]), text(&r[1]), text(&r[2]))).collect();
    assert_eq!(entries.len(), 5, "{entries:?}");
    assert!(entries.iter().all(|e| e.0 > 500));
    // Every alice entry once per room (2 rooms), with the same stream id; bob is in none.
    assert_eq!(in_room.rows.len(), 8);
    for r in &in_room.rows {
        let id = int(&r[3]);
        let s = entries.iter().find(|e| e.0 == id).unwrap();
        assert_eq!((s.1, s.2), (text(&r[0]), text(&r[1])));
        assert_eq!(r[4], Value::Bool(true), "converted: no pokes to other servers");
    }
}

fn fallback(user: &str, device: &str, key_id: &str, json: &str, used: bool) -> FallbackKey {
    FallbackKey {
        user_id: user.into(),
        device_id: device.into(),
        key_id: key_id.into(),
        algorithm: "signed_curve25519".into(),
        key_json: json.into(),
        used,
    }
}

/// Dendrite 0.14/0.15's `keyserver_fallback_keys` (docs/dendrite-versions.md):
/// key IDs without the `algorithm:` prefix, `used` as stored (never true from
/// 0.14/0.15's own claim, true from a fixed fork), and rows of deleted
/// devices left behind. Synapse's `e2e_fallback_keys_json` keeps the bare key
/// ID next to the algorithm too: its upload splits `signed_curve25519:AAAAHQ`
/// at the first colon, and its claim serves the key under `algorithm:key_id`.
#[test]
fn fallback_keys_keep_bare_key_ids_and_used_and_leave_out_deleted_devices() {
    let a = "@alice:example.org";
    let phone = r#"{"fallback":true,"key":"k1","signatures":{"@alice:example.org":{"ed25519:PHONE":"s1"}}}"#;
    let tab = r#"{"fallback":true,"key":"k2","signatures":{"@bob:example.org":{"ed25519:TAB":"s2"}}}"#;
    let mut k = Keys {
        fallback_keys: vec![
            fallback("@bob:example.org", "TAB", "AAAAAw", tab, true),
            fallback(a, "GONE", "AAAAAQ", "{}", false), // device deleted on Dendrite
            fallback(a, "PHONE", "AAAAHQ", phone, false),
            fallback("@zed:remote.org", "Z1", "AAAAAg", "{}", false),
        ],
        fallback_table_present: true,
        ..Default::default()
    };
    k.finish();
    let mut skips = Skipped::default();
    let out = e2ee_convert(&k, &[], &ctx(), &mut skips).unwrap();
    let t = table(&out.tables, "e2e_fallback_keys_json");
    let rows: Vec<(String, &str, &str, &Value)> = t
        .rows
        .iter()
        .map(|r| {
            let claimed_as = format!("{}:{}", text(&r[col(t, "algorithm")]), text(&r[col(t, "key_id")]));
            (claimed_as, text(&r[col(t, "device_id")]), text(&r[col(t, "key_json")]), &r[col(t, "used")])
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("signed_curve25519:AAAAHQ".to_string(), "PHONE", phone, &Value::Bool(false)),
            ("signed_curve25519:AAAAAw".to_string(), "TAB", tab, &Value::Bool(true)),
        ]
    );
    assert!(t.rows.iter().all(|r| !text(&r[col(t, "key_id")]).contains(':')), "key IDs stay bare");
    let skipped: Vec<(&str, &str, u64)> = skips.iter().filter(|s| s.0 == "fallback keys").collect();
    assert_eq!(
        skipped,
        vec![
            ("fallback keys", "device no longer exists", 1),
            ("fallback keys", "remote user's keys (a cache; Synapse fetches them again)", 1),
        ]
    );
}

#[test]
fn deactivated_accounts_keep_no_account_data_push_rules_or_backups() {
    let mut c = ctx();
    c.deactivated.insert("@alice:example.org".into());
    let data = AccountData {
        rows: vec![
            ad("alice", None, "m.direct", "{}"),
            ad(
                "alice",
                None,
                "m.push_rules",
                r#"{"global":{"sender":[{"rule_id":"@x:y","default":false,"enabled":true,"actions":[]}]}}"#,
            ),
            ad("bob", None, "m.direct", "{}"),
        ],
        ..Default::default()
    };
    let mut skips = Skipped::default();
    let out = account_data_convert(&data, &c, &mut skips);
    assert_eq!(out.account_data.rows.len(), 1);
    assert_eq!(text(&out.account_data.rows[0][0]), "@bob:example.org");
    let rules = push::convert_rules(&data, &c, &mut skips).unwrap();
    assert!(rules.push_rules.rows.is_empty());
    assert!(skips.iter().any(|s| s.1.contains("deactivated")));
}

#[test]
fn filters_presence_and_registration_tokens() {
    use crate::convert::user_extras;
    use crate::dendrite::filters::{Filter, Filters};
    use crate::dendrite::presence::{Presence, PresenceData};
    use crate::dendrite::tokens::{RegistrationToken, RegistrationTokens};
    let f = Filters {
        filters: vec![
            Filter { localpart: "alice".into(), id: 3, json: r#"{"room":{"timeline":{"limit":20}}}"#.into() },
            Filter { localpart: "nobody".into(), id: 4, json: "{}".into() },
        ],
    };
    let mut skips = Skipped::default();
    let t = dynamic(&user_extras::filters(&f, &ctx(), &mut skips));
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0][..3], [Value::from("alice"), Value::from("@alice:example.org"), Value::Int(3)]);
    assert_eq!(t.rows[0][3], Value::bytea(&br#"{"room":{"timeline":{"limit":20}}}"#[..]));

    let p = PresenceData {
        presence: vec![
            Presence {
                user_id: "@alice:example.org".into(),
                presence: 1,
                status_msg: Some("busy".into()),
                last_active_ts: 5,
            },
            Presence { user_id: "@zed:remote.org".into(), presence: 2, status_msg: None, last_active_ts: 5 },
        ],
        max_presence_position: 9,
    };
    let t = dynamic(&user_extras::presence(&p, &ctx(), &mut skips));
    assert_eq!(t.rows.len(), 1);
    assert_eq!(text(&t.rows[0][col(&t, "state")]), "unavailable");
    assert_eq!(text(&t.rows[0][col(&t, "status_msg")]), "busy");
    assert!(int(&t.rows[0][col(&t, "stream_id")]) > 500);
    assert_eq!(
        [user_extras::presence_state(0), user_extras::presence_state(2), user_extras::presence_state(3)],
        ["offline", "online", "offline"]
    );

    let r = RegistrationTokens {
        tokens: vec![RegistrationToken {
            token: "tok".into(),
            pending: 1,
            completed: 2,
            uses_allowed: None,
            expiry_time: Some(7),
        }],
    };
    let t = dynamic(&user_extras::registration_tokens(&r));
    assert_eq!(t.rows[0], vec![Value::from("tok"), Value::Null, Value::Int(1), Value::Int(2), Value::Int(7)]);
}
