//! Events: `roomserver_events` (metadata, as NIDs) joined 1:1 with
//! `roomserver_event_json` (the PDU), plus `roomserver_redactions`.
//!
//! The JSON is kept exactly as stored (lone surrogate escapes aside,
//! [`super::surrogates`]), in a temporary file ([`super::json_spill`]):
//! Synapse recomputes event IDs and checks hashes from these bytes, so
//! nothing here ever re-serialises it. Fields convert needs are parsed by
//! [`super::event_json`], leniently.
//!
//! The two tables arrive in either order (dump order is by name, and with one
//! dump per component anything goes), so the join happens in
//! [`Events::finish`] once everything is read.

use std::collections::BTreeMap;
use std::hash::Hasher;

use anyhow::{Context, Result};
use hashbrown::HashTable;

use super::columns::{columns, Fields};
use super::json_spill::{JsonSpill, Span};
use super::nids::TYPE_CREATE;
use crate::dump::Row;

pub struct Event {
    pub nid: i64,
    pub room_nid: i64,
    pub type_nid: i64,
    /// 0 = not a state event.
    pub state_key_nid: i64,
    pub sent_to_output: bool,
    /// State *before* the event; 0 = unknown (outlier, or not computed).
    pub snapshot_nid: i64,
    pub depth: i64,
    pub is_rejected: bool,
    pub event_id: Box<str>,
    pub auth_event_nids: Box<[i64]>,
    /// Where the PDU lies in [`Events::spill`]; `None` if
    /// `roomserver_event_json` has no row for it.
    pub json: Option<Span>,
}

impl Event {
    pub fn is_state(&self) -> bool {
        self.state_key_nid != 0
    }

    /// Whether Dendrite knew the room state before this event: it has a
    /// snapshot, or it is a create event that reached the sync stream (whose
    /// state before is empty, so some databases store 0). An accepted event
    /// without state is an outlier: the one outlier rule
    /// (docs/dendrite-schema.md §3.4, §3.5).
    pub fn has_state(&self, in_stream: bool) -> bool {
        self.snapshot_nid != 0 || (self.type_nid == TYPE_CREATE && in_stream)
    }

    /// For tests: a message `$e<nid>` in room 1 at depth `nid`, sent to the
    /// sync stream, with state known; tests override what they are about.
    #[cfg(test)]
    pub fn test(nid: i64) -> Event {
        Event {
            nid,
            room_nid: 1,
            type_nid: 9,
            state_key_nid: 0,
            sent_to_output: true,
            snapshot_nid: 1,
            depth: nid,
            is_rejected: false,
            event_id: format!("$e{nid}").into(),
            auth_event_nids: Box::new([]),
            json: None,
        }
    }
}

pub struct Redaction {
    pub redacts_event_id: String,
    /// Dendrite saw the target and applied the redaction (docs/dendrite-schema.md §3.6).
    pub validated: bool,
}

#[derive(Default)]
pub struct Events {
    /// Sorted by NID after [`Events::finish`].
    pub all: Vec<Event>,
    /// Where each NID sits in `all`, when NIDs are dense enough ([`NidIndex`]).
    by_nid: NidIndex,
    /// Indices into `all`, hashed by event ID.
    by_id: HashTable<u32>,
    /// Every `roomserver_event_json` row's text (created with the table).
    spill: Option<JsonSpill>,
    /// (event NID, its JSON, whether surrogates were replaced) per JSON row, until joined.
    json: Vec<(i64, Span, bool)>,
    /// JSON rows whose event NID has no `roomserver_events` row.
    pub orphan_json: u64,
    /// NIDs of events whose JSON had lone surrogate escapes, replaced by
    /// `\ufffd` ([`super::surrogates`]).
    pub surrogates_replaced: Vec<i64>,
    /// redaction event ID → redaction.
    pub redactions: BTreeMap<String, Redaction>,
}

impl Events {
    pub fn get(&self, nid: i64) -> Option<&Event> {
        match self.by_nid.position(nid) {
            Lookup::At(i) => Some(&self.all[i]),
            Lookup::Absent => None,
            Lookup::Search => self.all.binary_search_by_key(&nid, |e| e.nid).ok().map(|i| &self.all[i]),
        }
    }

    pub fn by_event_id(&self, event_id: &str) -> Option<&Event> {
        let all = &self.all;
        self.by_id.find(id_hash(event_id), |&i| *all[i as usize].event_id == *event_id).map(|&i| &all[i as usize])
    }

    /// The JSON of an event that has one ([`Event::json`]), read on its own.
    pub fn json(&self, e: &Event) -> Result<Option<String>> {
        match (e.json, &self.spill) {
            (Some(span), Some(spill)) => Ok(Some(spill.get(span)?)),
            _ => Ok(None),
        }
    }

    /// The event JSON file, for reading many events in order (`None`: no JSON rows).
    pub fn spill(&self) -> Option<&JsonSpill> {
        self.spill.as_ref()
    }

    /// Starts the event JSON file, in `dir`, as its table begins.
    pub(super) fn start_json(&mut self, dir: &std::path::Path) -> Result<()> {
        if self.spill.is_none() {
            self.spill = Some(JsonSpill::create(dir)?);
        }
        Ok(())
    }

    pub(super) fn finish(&mut self) -> Result<()> {
        self.all.sort_unstable_by_key(|e| e.nid);
        // Held until the SQL is written: give back what doubling while
        // reading over-allocated (up to as much again).
        self.all.shrink_to_fit();
        if let Some(w) = self.all.windows(2).find(|w| w[0].nid == w[1].nid) {
            anyhow::bail!("roomserver_events holds event NID {} twice", w[0].nid);
        }
        if let Some(spill) = &mut self.spill {
            spill.finish()?;
        }
        let mut json = std::mem::take(&mut self.json);
        json.sort_by_key(|(nid, _, _)| *nid);
        for (nid, span, replaced) in json {
            match self.all.binary_search_by_key(&nid, |e| e.nid) {
                Ok(i) => {
                    self.surrogates_replaced.extend(replaced.then_some(nid));
                    self.all[i].json = Some(span);
                }
                Err(_) => self.orphan_json += 1,
            }
        }
        anyhow::ensure!(self.all.len() <= u32::MAX as usize, "more than 2^32 events");
        self.by_nid = NidIndex::new(&self.all);
        let mut by_id = HashTable::with_capacity(self.all.len());
        for (i, e) in self.all.iter().enumerate() {
            by_id.insert_unique(id_hash(&e.event_id), i as u32, |&j| id_hash(&self.all[j as usize].event_id));
        }
        self.by_id = by_id;
        Ok(())
    }
}

/// The event-ID index's hash (a fixed-key SipHash: lookups only, never output).
fn id_hash(event_id: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    h.write(event_id.as_bytes());
    h.finish()
}

/// NID → position in the sorted event list in O(1). Dendrite's NIDs come
/// from a sequence, so they are dense (gaps only where an insert was rolled
/// back); a table over the NID range costs 4 bytes per NID. When the range
/// is far larger than the events (a sparse or hostile dump) there is no
/// table and lookups binary-search, as they did before: a binary search of a
/// 3M-event list is about 22 cache misses, which made it a quarter of
/// convert's CPU time (docs/performance.md).
#[derive(Default)]
struct NidIndex {
    first: i64,
    /// `u32::MAX` = no event with that NID; empty = no table.
    slots: Vec<u32>,
}

enum Lookup {
    At(usize),
    Absent,
    Search,
}

impl NidIndex {
    fn new(sorted: &[Event]) -> NidIndex {
        let (Some(first), Some(last)) = (sorted.first(), sorted.last()) else { return NidIndex::default() };
        let span = last.nid.checked_sub(first.nid).and_then(|s| usize::try_from(s).ok());
        let Some(span) = span.filter(|&s| s < 4 * sorted.len() + 1024) else { return NidIndex::default() };
        let mut slots = vec![u32::MAX; span + 1];
        for (i, e) in sorted.iter().enumerate() {
            slots[(e.nid - first.nid) as usize] = i as u32;
        }
        NidIndex { first: first.nid, slots }
    }

    fn position(&self, nid: i64) -> Lookup {
        if self.slots.is_empty() {
            return Lookup::Search;
        }
        let slot = nid.checked_sub(self.first).and_then(|d| usize::try_from(d).ok()).and_then(|d| self.slots.get(d));
        match slot {
            Some(&i) if i != u32::MAX => Lookup::At(i as usize),
            _ => Lookup::Absent,
        }
    }
}

#[cfg(test)]
impl Events {
    /// Events as a finished model holds them.
    pub fn of(all: Vec<Event>) -> Events {
        let mut events = Events { all, ..Events::default() };
        events.finish().expect("distinct event NIDs");
        events
    }
}

columns! {
    pub struct EventCols {
        nid: required("event_nid"),
        room: required("room_nid"),
        type_nid: required("event_type_nid"),
        key_nid: required("event_state_key_nid"),
        sent: optional("sent_to_output"),
        snapshot: required("state_snapshot_nid"),
        depth: required("depth"),
        event_id: required("event_id"),
        auth: required("auth_event_nids"),
        rejected: optional("is_rejected"),
    }
}

impl EventCols {
    pub fn load(&self, events: &mut Events, row: &Row) -> Result<()> {
        let f = Fields(row);
        events.all.push(Event {
            nid: f.i64(self.nid)?,
            room_nid: f.i64(self.room)?,
            type_nid: f.i64(self.type_nid)?,
            state_key_nid: f.i64(self.key_nid)?,
            sent_to_output: f.bool_or(self.sent, false)?,
            snapshot_nid: f.i64(self.snapshot)?,
            depth: f.i64(self.depth)?,
            is_rejected: f.bool_or(self.rejected, false)?,
            event_id: f.str(self.event_id)?.into(),
            auth_event_nids: f.i64_array(self.auth)?,
            json: None,
        });
        Ok(())
    }
}

columns! {
    pub struct JsonCols {
        nid: required("event_nid"),
        json: required("event_json"),
    }
}

impl JsonCols {
    pub fn load(&self, events: &mut Events, row: &Row) -> Result<()> {
        let f = Fields(row);
        let (nid, text) = (f.i64(self.nid)?, f.str(self.json)?);
        let fixed = super::surrogates::replace_lone_surrogates(text);
        let spill = events.spill.as_mut().context("roomserver_event_json read before its table began")?;
        let span = spill.push(fixed.as_deref().unwrap_or(text))?;
        events.json.push((nid, span, fixed.is_some()));
        Ok(())
    }
}

columns! {
    pub struct RedactionCols {
        id: required("redaction_event_id"),
        redacts: required("redacts_event_id"),
        validated: required("validated"),
    }
}

impl RedactionCols {
    pub fn load(&self, events: &mut Events, row: &Row) -> Result<()> {
        let f = Fields(row);
        let r = Redaction { redacts_event_id: f.string(self.redacts)?, validated: f.bool(self.validated)? };
        events.redactions.insert(f.string(self.id)?, r);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lookups by NID and by event ID find exactly the events there are, with
    /// the dense NID table (gaps, out of range) and without it (a sparse range).
    #[test]
    fn lookups_by_nid_and_event_id() {
        for nids in [vec![5, 6, 8, 9], vec![3, 1 << 40, 1 << 50]] {
            let events = Events::of(nids.iter().rev().map(|&n| Event::test(n)).collect());
            for &n in &nids {
                assert_eq!(events.get(n).map(|e| e.nid), Some(n));
                assert_eq!(events.by_event_id(&format!("$e{n}")).map(|e| e.nid), Some(n));
            }
            for n in [i64::MIN, -1, 0, 2, 4, 7, 10, 1 << 45, i64::MAX] {
                assert!(events.get(n).is_none(), "NID {n}");
                assert!(events.by_event_id(&format!("$e{n}")).is_none(), "event $e{n}");
            }
        }
    }

    /// docs/dendrite-schema.md §3.4/§3.5: a snapshot means state; a create event without one
    /// has (empty) state only if it reached the sync stream — a create event that came in a
    /// send_join answer is an outlier, as the federation peer fixture's one is.
    #[test]
    fn state_before_an_event() {
        let message = Event { snapshot_nid: 0, ..Event::test(1) };
        assert!(!message.has_state(true), "no snapshot: an outlier even in the stream");
        assert!(Event { snapshot_nid: 7, ..Event::test(1) }.has_state(false));
        let create = Event { type_nid: TYPE_CREATE, snapshot_nid: 0, ..Event::test(1) };
        assert!(create.has_state(true));
        assert!(!create.has_state(false));
    }
}
