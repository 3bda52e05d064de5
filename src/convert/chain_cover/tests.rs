//! The index on small graphs worked out by hand from docs/synapse-schema.md §M.

use super::*;
use crate::convert::fields::Fields;
use crate::dendrite::events::Event;
use crate::dendrite::rooms::Room;
use crate::synapse::row::Block;
use crate::synapse::Value;

use crate::convert::plan::{Kind, Planned};

fn room() -> Room {
    Room {
        nid: 1,
        room_id: "!r:s".into(),
        version: "10".into(),
        latest_event_nids: Box::new([]),
        state_snapshot_nid: 0,
    }
}

/// (nid, type, state key (None: not a state event), auth NIDs)
type Spec = (i64, &'static str, Option<&'static str>, &'static [i64]);

fn events(specs: &[Spec]) -> Vec<Event> {
    specs
        .iter()
        .map(|&(nid, _, key, auth)| Event {
            state_key_nid: if key.is_some() { 1 } else { 0 },
            auth_event_nids: auth.into(),
            ..Event::test(nid)
        })
        .collect()
}

fn plan<'m>(evs: &'m [Event], specs: &[Spec], room: &'m Room) -> Plan<'m> {
    let events = evs
        .iter()
        .zip(specs)
        .map(|(e, &(_, event_type, state_key, _))| Planned {
            event: e,
            room,
            fields: Fields::default(),
            event_type,
            state_key,
            kind: Kind::Live,
            stream_ordering: e.nid,
            received_ts: 0,
        })
        .collect();
    Plan::new(events)
}

/// What the tables hold: (event ID, chain, sequence number) rows, links, set-aside event IDs.
type Written = (Vec<(String, i64, i64)>, Vec<[i64; 4]>, Vec<String>);

fn index(specs: &[Spec]) -> Written {
    let room = room();
    let evs = events(specs);
    let plan = plan(&evs, specs, &room);
    let mut out = Tables::default();
    tables(&plan, &[], &mut out);
    let int = |v: &Value<'_>| match v {
        Value::Int(i) => *i,
        other => panic!("{other:?}"),
    };
    let text = |v: &Value<'_>| match v {
        Value::Text(t) => t.to_string(),
        other => panic!("{other:?}"),
    };
    let chains = out.event_auth_chains.values().iter().map(|r| (text(&r[0]), int(&r[1]), int(&r[2]))).collect();
    let links =
        out.event_auth_chain_links.values().iter().map(|r| [int(&r[0]), int(&r[1]), int(&r[2]), int(&r[3])]).collect();
    let aside = out.event_auth_chain_to_calculate.values().iter().map(|r| text(&r[0])).collect();
    (chains, links, aside)
}

const CREATE: &str = "m.room.create";
const PL: &str = "m.room.power_levels";
const MEMBER: &str = "m.room.member";

#[test]
fn chains_follow_the_same_state_key_and_links_skip_what_another_auth_event_reaches() {
    let specs: &[Spec] = &[
        (1, CREATE, Some(""), &[]),
        (2, MEMBER, Some("@a"), &[1]),
        (3, PL, Some(""), &[1, 2]),
        (4, MEMBER, Some("@a"), &[1, 3, 2]),
        (5, PL, Some(""), &[1, 4, 3]),
    ];
    let (chains, links, aside) = index(specs);
    let c = |id: &str, chain, seq| (id.to_string(), chain, seq);
    assert_eq!(chains, vec![c("$e1", 1, 1), c("$e2", 2, 1), c("$e3", 3, 1), c("$e4", 2, 2), c("$e5", 3, 2)]);
    // $e3 → $e2 only ($e2 reaches the create event); $e4 → $e3 (its own chain holds $e2);
    // $e5 → $e4 (which reaches $e3 and the create event).
    assert_eq!(links, vec![[2, 1, 1, 1], [3, 1, 2, 1], [2, 2, 3, 1], [3, 2, 2, 2]]);
    assert!(aside.is_empty());
}

#[test]
fn a_fork_gives_the_chain_to_the_smallest_event_id_among_the_ready() {
    // $e10 and $e7 both follow $e2: "$e10" < "$e7" as text, so $e10 extends the chain.
    let specs: &[Spec] = &[
        (1, CREATE, Some(""), &[]),
        (2, MEMBER, Some("@a"), &[1]),
        (7, MEMBER, Some("@a"), &[1, 2]),
        (10, MEMBER, Some("@a"), &[1, 2]),
    ];
    let (chains, links, _) = index(specs);
    let c = |id: &str, chain, seq| (id.to_string(), chain, seq);
    assert_eq!(chains, vec![c("$e1", 1, 1), c("$e2", 2, 1), c("$e7", 3, 1), c("$e10", 2, 2)]);
    // $e7 starts chain 3 and links to $e2 (which reaches the create event).
    assert_eq!(links, vec![[2, 1, 1, 1], [3, 1, 2, 1]]);
}

#[test]
fn unknown_auth_events_set_events_aside_and_cycles_give_nothing() {
    let specs: &[Spec] = &[
        (1, CREATE, Some(""), &[]),
        (2, "m.room.message", None, &[]),
        (3, MEMBER, Some("@a"), &[1, 2]), // names a message: set aside
        (4, MEMBER, Some("@a"), &[1, 3]), // names a set-aside event: set aside
        (5, PL, Some(""), &[1, 6]),       // a cycle with $e6: never ready
        (6, PL, Some(""), &[5]),
        (8, MEMBER, Some("@b"), &[1, 99]), // 99 is not in the plan: no event_auth row, indexed
    ];
    let (chains, _, aside) = index(specs);
    let ids: Vec<&str> = chains.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(ids, vec!["$e1", "$e8"]);
    assert_eq!(aside, vec!["$e3", "$e4"]);
}
