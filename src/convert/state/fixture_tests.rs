//! State groups built from the real Dendrite v0.13.8 fixture dumps, checked
//! against (1) Dendrite's own expansion of every event's snapshot, done
//! independently by `dendrite::state::State::expand`, and (2) Dendrite's HTTP
//! answers to `GET /rooms/{id}/state` recorded in the fixtures.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;
use crate::dendrite;

fn fixture(scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dendrite-0.13.8").join(scenario)
}

fn load(scenario: &str) -> Model {
    dendrite::load(&[fixture(scenario).join("dendrite.dump")]).expect("fixture dump loads")
}

/// What the state after (or, rejected, before) an event must be, from
/// Dendrite's expansion of its before-snapshot.
fn expected_after(model: &Model, e: &Event) -> Option<Vec<StateEntry>> {
    let mut state: BTreeMap<(i64, i64), i64> = match before(model, e) {
        Before::Unknown => return None,
        Before::Empty => BTreeMap::new(),
        Before::Snapshot(s) => {
            let x = model.state.expand(&model.events, s).expect("snapshot expands");
            assert!(x.missing_events.is_empty(), "snapshot {s} names missing events");
            x.entries.iter().map(|x| ((x.type_nid, x.key_nid), x.event_nid)).collect()
        }
    };
    if e.is_state() && !e.is_rejected {
        state.insert((e.type_nid, e.state_key_nid), e.nid);
    }
    Some(state.into_iter().map(|(k, v)| entry(k, v)).collect())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// (type, state key, event ID) of each state event.
type NamedState = BTreeSet<(String, String, String)>;

/// (room ID, the user's recorded `/state` answer) for rooms the user is
/// joined to now: for those Dendrite answers with the current state.
fn recorded_current_states(scenario: &str) -> Vec<(String, String, NamedState)> {
    let expected = fixture(scenario).join("expected");
    let mut out = Vec::new();
    for user in std::fs::read_dir(&expected).unwrap().map(|d| d.unwrap().path()) {
        let joined_file = user.join("joined_rooms.json");
        if !joined_file.exists() {
            continue;
        }
        let joined: BTreeSet<String> = read_json(&joined_file)["body"]["joined_rooms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect();
        let Ok(rooms) = std::fs::read_dir(user.join("rooms")) else { continue };
        for room in rooms.map(|d| d.unwrap().path()) {
            let answer = read_json(&room.join("state.json"));
            if answer["status"] != 200 {
                continue;
            }
            let request = answer["request"].as_str().unwrap();
            let encoded = request.split("/rooms/").nth(1).unwrap().split('/').next().unwrap();
            let room_id = percent_decode(encoded);
            if !joined.contains(&room_id) {
                continue;
            }
            let state = answer["body"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let f = |k: &str| e[k].as_str().unwrap().to_owned();
                    (f("type"), f("state_key"), f("event_id"))
                })
                .collect();
            out.push((user.file_name().unwrap().to_string_lossy().into_owned(), room_id, state));
        }
    }
    out.sort();
    out
}

fn named(model: &Model, entries: &[StateEntry]) -> NamedState {
    entries
        .iter()
        .map(|x| {
            let t = model.nids.event_type(x.type_nid).unwrap().to_owned();
            let k = model.nids.state_key(x.key_nid).unwrap().to_owned();
            (t, k, model.events.get(x.event_nid).unwrap().event_id.to_string())
        })
        .collect()
}

fn check_scenario(scenario: &str) {
    let model = load(scenario);
    let groups = build(&model);
    assert!(groups.skipped.is_empty(), "{scenario}: skipped {:?}", groups.skipped);
    assert_eq!(groups.missing_block_events, 0);

    // Every event with known state has a group, and its state is Dendrite's.
    let mut checked = 0;
    for e in &model.events.all {
        let want = expected_after(&model, e);
        let got = groups.by_event.get(&e.nid);
        match (want, got) {
            (None, None) => {}
            (Some(want), Some(&g)) => {
                assert_eq!(resolve(&groups, g), want, "{scenario}: event {} ({})", e.nid, e.event_id);
                checked += 1;
            }
            (want, got) => {
                panic!("{scenario}: event {}: expected state {:?}, group {got:?}", e.event_id, want.is_some())
            }
        }
    }

    // Each room's current state is what Dendrite answered its joined users.
    let recorded = recorded_current_states(scenario);
    assert!(!recorded.is_empty(), "{scenario}: no recorded /state answers");
    for (user, room_id, answer) in &recorded {
        let room = model.rooms.by_room_id(room_id).unwrap_or_else(|| panic!("{room_id} in the dump"));
        let g = groups.by_room[&room.nid];
        assert_eq!(&named(&model, &resolve(&groups, g)), answer, "{scenario}: {user}'s /state of {room_id}");
    }

    let rows: usize = groups.groups.iter().map(|g| g.delta.len()).sum();
    let full = groups.groups.iter().filter(|g| g.prev.is_none()).count();
    println!(
        "{scenario}: {} events, {checked} with state, {} snapshots → {} groups ({full} full), {rows} rows; \
         {} /state answers matched",
        model.events.all.len(),
        model.state.snapshots.len(),
        groups.groups.len(),
        recorded.len()
    );
}

#[test]
fn basic_fixture_state_matches_dendrite() {
    check_scenario("basic");
}

#[test]
fn full_fixture_state_matches_dendrite() {
    check_scenario("full");
}

#[test]
fn federation_fixture_state_matches_dendrite() {
    check_scenario("federation");
}
