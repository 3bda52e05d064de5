//! `inspect` over the real Dendrite v0.13.8 fixture dumps (fixtures/dendrite-*):
//! every dump reads, both formats of one database agree row for row, and the
//! headline figures match what the scenario that drove Dendrite recorded.

use std::path::{Path, PathBuf};

use super::{report, stats::Stats};
use crate::dump;

fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for version in std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()) {
        if version.file_name().unwrap().to_str().unwrap().starts_with("dendrite-") {
            out.extend(
                std::fs::read_dir(&version)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.join("scenario.json").exists()),
            );
        }
    }
    out.sort();
    out
}

fn inspect(path: &Path) -> (Vec<(String, u64)>, serde_json::Value) {
    let mut set = dump::open(&[path.to_path_buf()]).unwrap();
    let mut stats = Stats::default();
    set.read(&mut stats).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
    stats.finish().unwrap();
    let r = report::build(set.infos(), &stats);
    let tables = r.tables.iter().map(|t| (t.name.clone(), t.rows)).collect();
    (tables, serde_json::to_value(&r).unwrap())
}

#[test]
fn every_dendrite_fixture_dump_is_read_and_matches_its_scenario() {
    let all = scenarios();
    assert!(!all.is_empty(), "no fixtures/dendrite-*/<scenario>/scenario.json found");
    for dir in all {
        let scenario: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("scenario.json")).unwrap()).unwrap();
        let dumps: Vec<PathBuf> =
            ["dendrite.dump", "dendrite.sql.gz"].iter().map(|f| dir.join(f)).filter(|p| p.exists()).collect();
        assert!(!dumps.is_empty(), "{}: no dump", dir.display());
        let mut first_tables = None;
        let mut first_sequences = None;
        for path in &dumps {
            let (tables, r) = inspect(path);
            let name = path.display();
            match &first_tables {
                None => first_tables = Some(tables),
                Some(t) => assert_eq!(t, &tables, "{name}: row counts differ between formats"),
            }
            let sequences: Vec<(String, i64, bool, Option<String>)> = r["sequences"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| {
                    (
                        q["name"].as_str().unwrap().into(),
                        q["last_value"].as_i64().unwrap(),
                        q["is_called"].as_bool().unwrap(),
                        q["stream"].as_str().map(Into::into),
                    )
                })
                .collect();
            let streams = sequences.iter().filter(|q| q.3.is_some()).count();
            assert_eq!(streams, crate::dendrite::positions::STREAM_SEQUENCES.len(), "{name}: {sequences:?}");
            match &first_sequences {
                None => first_sequences = Some(sequences),
                Some(s) => assert_eq!(s, &sequences, "{name}: sequence values differ between formats"),
            }
            assert_eq!(r["server_name"], scenario["server_name"], "{name}");
            assert_eq!(r["warnings"], serde_json::json!([]), "{name}");
            for c in r["components"].as_array().unwrap().iter().take(6) {
                assert_eq!(c["present"], true, "{name}: {c}");
            }
            let counts = &r["counts"];
            let media = scenario["media"].as_object().map_or(0, |m| m.len()) as u64;
            assert_eq!(counts["local_media_files"].as_u64(), Some(media), "{name}");
            let rooms = scenario["rooms"].as_object().unwrap();
            assert!(counts["rooms"].as_u64().unwrap() >= rooms.len() as u64, "{name}");
            for room in rooms.keys().filter_map(|k| k.strip_prefix('v')).filter(|v| v.parse::<u32>().is_ok()) {
                assert!(counts["rooms_by_version"][room].as_u64().unwrap_or(0) >= 1, "{name}: no v{room} room");
            }
            let users = scenario["users"].as_object().unwrap().len() as u64;
            let a = &counts["local_accounts"];
            let accounts: u64 =
                ["users", "admins", "guests", "appservice"].iter().map(|k| a[k].as_u64().unwrap()).sum();
            assert!(accounts >= users, "{name}: {accounts} accounts < {users} scenario users");
            let release = dir.parent().unwrap().file_name().unwrap().to_str().unwrap().trim_start_matches("dendrite-");
            if release == "0.13.8" {
                assert_eq!(
                    r["dendrite_version"]["last_migrated_by"].as_str().map(|v| v.starts_with("0.13.8")),
                    Some(true),
                    "{name}"
                );
            }
            let compatible = r["dendrite_version"]["compatible"]["releases"].as_str().unwrap();
            assert!(compatible.split(", ").any(|r| r.starts_with(release)), "{name}: {compatible}");
        }
    }
}

/// fixtures/pg-formats/awkward.sql holds, by construction: rooms of versions
/// 10, 9 (a stub) and org.matrix.msc4014; events create, member, outlier,
/// rejected; accounts alice (user) and guest1 (guest) on example.org and an
/// appservice account on other.example; only roomserver/syncapi/userapi tables.
#[test]
fn counts_and_warnings_follow_the_rows() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pg-formats/dumps/p15-custom.dump");
    let (_, r) = inspect(&path);
    let c = &r["counts"];
    assert_eq!(r["server_name"], "example.org");
    assert_eq!(c["rooms"], 3);
    assert_eq!(c["stub_rooms"], 1);
    assert_eq!(c["rooms_by_version"], serde_json::json!({"10": 1, "9": 1, "org.matrix.msc4014": 1}));
    assert_eq!(c["events"], serde_json::json!({"timeline": 2, "outliers": 1, "rejected": 1}));
    assert_eq!(
        c["local_accounts"],
        serde_json::json!({"users": 1, "admins": 0, "guests": 1, "appservice": 0, "deactivated": 0})
    );
    assert_eq!(c["state_blocks"], 4);
    let warnings: Vec<&str> = r["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert_eq!(warnings.len(), 5, "{warnings:#?}");
    for needle in [
        "no keyserver_*",
        "no mediaapi_*",
        "no federationsender_*",
        "org.matrix.msc4014 (pseudo IDs)",
        "other.example (1)",
    ] {
        assert!(warnings.iter().any(|w| w.contains(needle)), "{needle}: {warnings:#?}");
    }
    assert!(r["dendrite_version"]["markers"][0].as_str().unwrap().contains("before v0.10.8"));
}
