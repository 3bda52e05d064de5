//! Which Dendrite events become Synapse events, as what, at which stream
//! ordering and `received_ts`. Every event module reads this one plan.
//!
//! Kinds (docs/dendrite-schema.md §3.5, docs/synapse-schema.md §B.3):
//! * **rejected**: `is_rejected`.
//! * **outlier**: no state before it (`state_snapshot_nid = 0`), except a
//!   create event that reached the sync stream (its state before is empty).
//! * **live**: in `syncapi_output_room_events` and sent to output: keeps
//!   Dendrite's stream position as its stream ordering (clients hold it).
//! * **backfilled**: in the sync stream but not sent to output (`KindOld`):
//!   negative orderings as Synapse gives backfilled events, newest first.
//! * **soft-failed**: has state, not rejected, never reached the sync stream.
//!   Dendrite hid it from clients; Synapse hides it by `soft_failed`. A
//!   forward extremity is never soft-failed (Synapse refuses that), so such an
//!   event is live instead.
//!
//! Outliers get positive orderings above every Dendrite stream position
//! (outside the live range; Synapse's stream queries skip outliers in SQL).
//! Rejected and soft-failed events get negative orderings below the
//! backfilled ones. Trap: not above the base like outliers. Synapse's
//! incremental `/sync` reads a room's newest `2 × limit` non-outlier rows by
//! stream ordering and drops rejected and soft-failed ones only afterwards
//! (docs/synapse-schema.md §B.4), so a room with more than that many of them
//! above every position a client's token names came back with an empty,
//! unlimited timeline: the events sent since the token were lost to the
//! client. Below zero they are older than every token. `received_ts`
//! (Dendrite keeps none) is `origin_server_ts`, raised where needed so it
//! never decreases along the stream (Synapse binary-searches it).

use std::collections::BTreeSet;

use rayon::prelude::*;

use anyhow::Result;

use crate::dendrite::event_json::EventFields;
use crate::dendrite::events::Event;
use crate::dendrite::rooms::Room;
use crate::dendrite::Model;

use super::fields::{Fields, Senders};
use super::report::{Skip, Skipped};
use super::rooms::{format_version, RoomSet};
use super::state::StateGroups;
use super::streams::Streams;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Live,
    Backfilled,
    Outlier,
    Rejected,
    SoftFailed,
}

pub struct Planned<'m> {
    pub event: &'m Event,
    pub room: &'m Room,
    /// Parsed from the event's JSON, kept owned ([`super::fields`]).
    pub fields: Fields,
    pub event_type: &'m str,
    /// `None` for non-state events.
    pub state_key: Option<&'m str>,
    pub kind: Kind,
    pub stream_ordering: i64,
    pub received_ts: i64,
}

impl<'m> Planned<'m> {
    pub fn is_outlier(&self) -> bool {
        self.kind == Kind::Outlier
    }

    pub fn is_rejected(&self) -> bool {
        self.kind == Kind::Rejected
    }

    pub fn event_id(&self) -> &str {
        &self.event.event_id
    }

    /// `event_json.format_version`, from the room version.
    pub fn format_version(&self) -> i64 {
        format_version(&self.room.version).expect("converted rooms have known versions")
    }
}

pub struct Plan<'m> {
    /// In event NID order.
    pub events: Vec<Planned<'m>>,
    /// Where each NID sits in `events`.
    index: NidIndex,
}

impl<'m> Plan<'m> {
    pub fn build(
        model: &'m Model,
        rooms: &RoomSet,
        streams: &Streams,
        groups: &StateGroups,
        skipped: &mut Skipped,
    ) -> Result<Plan<'m>> {
        let extremities: BTreeSet<i64> =
            model.rooms.by_nid.values().flat_map(|r| r.latest_event_nids.iter().copied()).collect();
        let mut events = Vec::with_capacity(model.events.all.len());
        let mut chunks = Chunks::new(model);
        let mut senders = Senders::default();
        // The JSON is read back and parsed on every core, a chunk at a time
        // (so only a chunk's text is in memory); the plan is then made in NID
        // order, as one pass would, keeping the fields owned.
        for chunk in model.events.all.chunks(PARSE_CHUNK) {
            let texts = chunks.read(chunk)?;
            let parsed: Vec<_> = texts.par_iter().map(|t| t.as_deref().map(EventFields::parse)).collect();
            for (e, fields) in chunk.iter().zip(parsed) {
                let fields = fields.map(|r| r.map(|f| Fields::keep(f, &model.events, &mut senders)).map_err(drop));
                if let Some(p) = plan_one(model, rooms, &extremities, groups, e, fields, skipped) {
                    events.push(p);
                }
            }
        }
        assign_orderings(&mut events, streams);
        Ok(Plan::new(events))
    }

    /// A plan of these events (in NID order).
    pub fn new(events: Vec<Planned<'m>>) -> Plan<'m> {
        let index = NidIndex::new(events.iter().map(|p| p.event.nid).collect());
        Plan { events, index }
    }

    /// The planned event with this event ID (a lookup, not an index: the plan
    /// is held for every event already).
    pub fn by_event_id(&self, model: &Model, event_id: &str) -> Option<&Planned<'m>> {
        model.events.by_event_id(event_id).and_then(|e| self.get(e.nid))
    }

    /// The planned event with this NID.
    pub fn get(&self, nid: i64) -> Option<&Planned<'m>> {
        self.position(nid).map(|i| &self.events[i])
    }

    /// The index in `events` of the planned event with this NID.
    pub fn position(&self, nid: i64) -> Option<usize> {
        self.index.position(nid)
    }
}

/// NID → index in the plan. Every area looks events up by NID (auth and prev
/// events, receipts, relations, notifications), millions of times on a big
/// server: a binary search through the planned events costs two cache misses
/// a probe (the plan entry, then its event's record). Dense NIDs (the usual
/// case: Dendrite's sequence, few events left out) get one slot per NID;
/// sparse ones a binary search over the NIDs alone.
enum NidIndex {
    Dense { first: i64, slots: Vec<u32> },
    Sorted(Vec<i64>),
}

impl NidIndex {
    /// `sorted`: the plan's NIDs, ascending.
    fn new(sorted: Vec<i64>) -> NidIndex {
        let (Some(&first), Some(&last)) = (sorted.first(), sorted.last()) else { return NidIndex::Sorted(sorted) };
        let span = last.checked_sub(first).and_then(|s| usize::try_from(s).ok());
        match span.filter(|&s| s < 4 * sorted.len() + 1024 && sorted.len() < u32::MAX as usize) {
            Some(span) => {
                let mut slots = vec![u32::MAX; span + 1];
                for (i, nid) in sorted.iter().enumerate() {
                    slots[(nid - first) as usize] = i as u32;
                }
                NidIndex::Dense { first, slots }
            }
            None => NidIndex::Sorted(sorted),
        }
    }

    fn position(&self, nid: i64) -> Option<usize> {
        match self {
            NidIndex::Dense { first, slots } => {
                let slot = *slots.get(usize::try_from(nid.checked_sub(*first)?).ok()?)?;
                (slot != u32::MAX).then_some(slot as usize)
            }
            NidIndex::Sorted(nids) => nids.binary_search(&nid).ok(),
        }
    }
}

/// Events whose JSON is read back and parsed in parallel at a time: their
/// text is in memory meanwhile, so the chunk is small enough for long events
/// not to show in the peak (8192 events of 3.6 kB did: docs/performance.md).
const PARSE_CHUNK: usize = 2048;

/// An event's JSON, parsed and kept (`None`: it has none; `Err`: it does not parse).
type Parsed = Option<Result<Fields, ()>>;

/// Reads the JSON of a chunk of events from the spill file, in NID order.
struct Chunks<'m> {
    window: Option<crate::dendrite::json_spill::Window<'m>>,
}

impl<'m> Chunks<'m> {
    fn new(model: &'m Model) -> Chunks<'m> {
        Chunks { window: model.events.spill().map(|s| s.window()) }
    }

    fn read(&mut self, chunk: &[Event]) -> Result<Vec<Option<String>>> {
        let mut texts = Vec::with_capacity(chunk.len());
        for e in chunk {
            texts.push(match (e.json, self.window.as_mut()) {
                (Some(span), Some(w)) => Some(w.read(span)?.to_owned()),
                _ => None,
            });
        }
        Ok(texts)
    }
}

fn plan_one<'m>(
    model: &'m Model,
    rooms: &RoomSet,
    extremities: &BTreeSet<i64>,
    groups: &StateGroups,
    e: &'m Event,
    parsed: Parsed,
    skipped: &mut Skipped,
) -> Option<Planned<'m>> {
    let Some(room) = model.rooms.by_nid.get(&e.room_nid) else {
        skipped.add_id(Skip::EventRoomUnknown, &e.event_id);
        return None;
    };
    if !rooms.converted(room.nid) {
        skipped.add_id(Skip::EventOfSkippedRoom, &e.event_id);
        return None;
    }
    let Some(parsed) = parsed else {
        skipped.add_id(Skip::EventJsonMissing, &e.event_id);
        return None;
    };
    let Ok(fields) = parsed else {
        skipped.add_id(Skip::EventJsonBroken, &e.event_id);
        return None;
    };
    let Some(event_type) = model.nids.event_type(e.type_nid) else {
        skipped.add_id(Skip::EventTypeUnknown, &e.event_id);
        return None;
    };
    // The state key NID is authoritative for "is this state"; its string comes
    // from the dictionary (it equals the JSON's).
    let state_key = if e.is_state() {
        match model.nids.state_key(e.state_key_nid) {
            Some(k) => Some(k),
            None => {
                skipped.add_id(Skip::StateKeyUnknown, &e.event_id);
                return None;
            }
        }
    } else {
        None
    };
    if fields.rare.as_ref().is_some_and(|r| r.unsigned_unreadable) {
        skipped.add_id(Skip::UnsignedUnreadable, &e.event_id);
    }
    let in_stream = model.sync.by_nid(e.nid);
    let mut kind = classify(e, in_stream.is_some(), extremities.contains(&e.nid));
    if kind != Kind::Outlier && !groups.by_event.contains_key(&e.nid) {
        // Synapse needs the state at every non-outlier event; without it the
        // event can only be what Synapse calls an outlier.
        skipped.add_id(Skip::StateAtEventUnknown, &e.event_id);
        kind = Kind::Outlier;
    }
    Some(Planned {
        event: e,
        room,
        fields,
        event_type,
        state_key,
        kind,
        stream_ordering: in_stream.map_or(0, |s| s.position),
        received_ts: 0,
    })
}

/// The kind of an event from Dendrite's flags (see the module comment).
pub fn classify(e: &Event, in_stream: bool, is_extremity: bool) -> Kind {
    if e.is_rejected {
        return Kind::Rejected;
    }
    if !e.has_state(in_stream) {
        return Kind::Outlier;
    }
    match (in_stream, e.sent_to_output) {
        (true, true) => Kind::Live,
        (true, false) => Kind::Backfilled,
        (false, _) if is_extremity => Kind::Live,
        (false, _) => Kind::SoftFailed,
    }
}

/// Kinds whose stream orderings are negative (see the module comment).
fn below_zero(kind: Kind) -> bool {
    matches!(kind, Kind::Backfilled | Kind::Rejected | Kind::SoftFailed)
}

/// Stream orderings and `received_ts` for every planned event.
fn assign_orderings(events: &mut [Planned<'_>], streams: &Streams) {
    let mut above = streams.counter();
    for p in events.iter_mut() {
        let live_in_stream = p.kind == Kind::Live && p.stream_ordering > 0;
        if !live_in_stream && !below_zero(p.kind) {
            p.stream_ordering = above.next();
        }
    }
    // Backfilled: newest (deepest) first gets -1, as Synapse's backfill does;
    // then the hidden ones (rejected, soft-failed), in NID order, further down.
    let mut back: Vec<usize> = (0..events.len()).filter(|&i| events[i].kind == Kind::Backfilled).collect();
    back.sort_by_key(|&i| (std::cmp::Reverse(events[i].event.depth), std::cmp::Reverse(events[i].stream_ordering)));
    back.extend((0..events.len()).filter(|&i| below_zero(events[i].kind) && events[i].kind != Kind::Backfilled));
    for (n, &i) in back.iter().enumerate() {
        events[i].stream_ordering = -(n as i64) - 1;
    }
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| events[i].stream_ordering);
    let first_positive = order.partition_point(|&i| events[i].stream_ordering < 0);
    raise_received_ts(events, &order[..first_positive]);
    raise_received_ts(events, &order[first_positive..]);
}

/// `received_ts` = `origin_server_ts`, raised so it never decreases along
/// `order`. Synapse binary-searches it over the positive orderings only
/// (docs/synapse-schema.md §A.5), so the negative ones are raised apart: a
/// rejected event's far-future clock must not lift every live event's time.
fn raise_received_ts(events: &mut [Planned<'_>], order: &[usize]) {
    let mut latest = i64::MIN;
    for &i in order {
        let ts = events[i].fields.origin_server_ts.unwrap_or(0).max(latest);
        events[i].received_ts = ts;
        latest = ts;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dendrite::nids::TYPE_CREATE;

    fn event(nid: i64, type_nid: i64, snapshot: i64, rejected: bool, sent: bool) -> Event {
        Event { type_nid, sent_to_output: sent, snapshot_nid: snapshot, is_rejected: rejected, ..Event::test(nid) }
    }

    fn planned<'m>(e: &'m Event, room: &'m Room, kind: Kind, position: i64, ts: i64) -> Planned<'m> {
        Planned {
            event: e,
            room,
            fields: Fields { origin_server_ts: Some(ts), ..Fields::default() },
            event_type: "m.room.message",
            state_key: None,
            kind,
            stream_ordering: position,
            received_ts: 0,
        }
    }

    #[test]
    fn orderings_keep_live_positions_and_put_the_rest_outside() {
        let room = Room {
            nid: 1,
            room_id: "!r:s".into(),
            version: "10".into(),
            latest_event_nids: Box::new([]),
            state_snapshot_nid: 0,
        };
        let evs: Vec<Event> = (1..=7).map(|n| event(n, 9, 5, false, true)).collect();
        let mut p = vec![
            planned(&evs[0], &room, Kind::Live, 10, 1000),
            planned(&evs[1], &room, Kind::Outlier, 0, 500),
            planned(&evs[2], &room, Kind::Backfilled, 4, 100), // depth 3
            planned(&evs[3], &room, Kind::Live, 12, 900),      // older clock than its predecessor
            planned(&evs[4], &room, Kind::Backfilled, 3, 50),  // depth 5: newest backfilled
            planned(&evs[5], &room, Kind::Rejected, 0, 2000),
            planned(&evs[6], &room, Kind::SoftFailed, 0, 20),
        ];
        assign_orderings(&mut p, &Streams { base: 20, live_max: 12 });
        let got: Vec<i64> = p.iter().map(|x| x.stream_ordering).collect();
        // Outliers above the base; backfilled from -1 down, then rejected and
        // soft-failed below them, so no token's "since" sees them as new.
        assert_eq!(got, vec![10, 21, -2, 12, -1, -3, -4]);
        // received_ts never decreases along -4, -3, -2, -1 (20, 2000, 2000, 2000)
        // nor along 10, 12, 21 (1000, 1000, 1000): the rejected event's 2000
        // does not lift the live ones.
        let ts: Vec<i64> = p.iter().map(|x| x.received_ts).collect();
        assert_eq!(ts, vec![1000, 1000, 2000, 1000, 2000, 2000, 20]);
    }

    #[test]
    fn kinds_follow_dendrite_flags() {
        // (event, in sync stream, forward extremity) → kind
        let cases = [
            (event(1, 9, 5, false, true), true, false, Kind::Live),
            (event(2, 9, 5, false, false), true, false, Kind::Backfilled),
            (event(3, 9, 0, false, false), false, false, Kind::Outlier),
            (event(4, 9, 5, true, false), false, false, Kind::Rejected),
            (event(5, 9, 0, true, false), false, false, Kind::Rejected),
            (event(6, 9, 5, false, false), false, false, Kind::SoftFailed),
            (event(7, 9, 5, false, false), false, true, Kind::Live),
            // A create event with snapshot 0: live when clients saw it, else an outlier.
            (event(8, TYPE_CREATE, 0, false, true), true, false, Kind::Live),
            (event(9, TYPE_CREATE, 0, false, false), false, false, Kind::Outlier),
        ];
        for (e, in_stream, ext, want) in cases {
            assert_eq!(classify(&e, in_stream, ext), want, "event {}", e.nid);
        }
    }
}
