//! The (type NID, state key NID) of an event, by event NID, from one dense
//! array.
//!
//! The state-group walk ([`super::state`]) and the `replaces_state` index
//! ([`super::unsigned`]) look up the key of every entry of every state block
//! they use: tens of millions of lookups on a big server (about 35 per event
//! at 1M events, 41 at 3M). Through [`crate::dendrite::events::Events::get`]
//! each costs two cache misses (the NID's slot, then a 100-byte event record
//! somewhere in memory); here it is one read of 8 bytes from an array that
//! is 8 bytes per NID.
//!
//! How: both NIDs packed into one `u64` (type high, state key low) at
//! `nid - first`, [`ABSENT`] for NIDs with no event. Traps: NIDs are `bigint`
//! in Dendrite's schema, so the array is only used when every event's type
//! and state key NID fits in 32 bits (below [`u32::MAX`], which would make
//! [`ABSENT`]) and the NIDs are dense (as `Events` decides for its own index);
//! otherwise the lookups go to the events, with the same answers.

use crate::dendrite::events::{Event, Events};

/// No event has this NID.
const ABSENT: u64 = u64::MAX;

pub enum StateKeys<'m> {
    Dense { first: i64, keys: Vec<u64> },
    Events(&'m Events),
}

impl<'m> StateKeys<'m> {
    pub fn new(events: &'m Events) -> StateKeys<'m> {
        dense(&events.all).unwrap_or(StateKeys::Events(events))
    }

    /// The event's (type NID, state key NID); `None` if no event has the NID.
    #[inline]
    pub fn get(&self, nid: i64) -> Option<(i64, i64)> {
        match self {
            StateKeys::Dense { first, keys } => {
                let at = usize::try_from(nid.checked_sub(*first)?).ok()?;
                let packed = *keys.get(at)?;
                (packed != ABSENT).then_some(((packed >> 32) as i64, (packed & 0xffff_ffff) as i64))
            }
            StateKeys::Events(events) => events.get(nid).map(|e| (e.type_nid, e.state_key_nid)),
        }
    }
}

/// The dense array of events sorted by NID, if the NIDs are dense and every
/// key fits.
fn dense(sorted: &[Event]) -> Option<StateKeys<'static>> {
    let (first, last) = (sorted.first()?.nid, sorted.last()?.nid);
    let span = usize::try_from(last.checked_sub(first)?).ok().filter(|&s| s < 4 * sorted.len() + 1024)?;
    let fits = |n: i64| (0..i64::from(u32::MAX)).contains(&n);
    let mut keys = vec![ABSENT; span + 1];
    for e in sorted {
        if !fits(e.type_nid) || !fits(e.state_key_nid) {
            return None;
        }
        keys[(e.nid - first) as usize] = (e.type_nid as u64) << 32 | e.state_key_nid as u64;
    }
    Some(StateKeys::Dense { first, keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(nid: i64, type_nid: i64, state_key_nid: i64) -> Event {
        Event { type_nid, state_key_nid, ..Event::test(nid) }
    }

    fn answers(keys: &StateKeys, nids: &[i64]) -> Vec<Option<(i64, i64)>> {
        nids.iter().map(|&n| keys.get(n)).collect()
    }

    #[test]
    fn dense_and_fallback_answer_alike() {
        let nids = [-1, 0, 1, 2, 3, 4, 5, 6, 7, i64::MIN, i64::MAX];
        let events = Events::of(vec![event(2, 5, 0), event(3, 65536, 70000), event(6, 7, 1)]);
        let keys = StateKeys::new(&events);
        assert!(matches!(keys, StateKeys::Dense { .. }));
        let expected =
            vec![None, None, None, Some((5, 0)), Some((65536, 70000)), None, None, Some((7, 1)), None, None, None];
        assert_eq!(answers(&keys, &nids), expected);
        assert_eq!(answers(&StateKeys::Events(&events), &nids), expected);
    }

    #[test]
    fn keys_beyond_32_bits_use_the_events() {
        for big in [i64::from(u32::MAX), 1 << 40, -1] {
            let events = Events::of(vec![event(1, 5, 0), event(2, 6, big)]);
            let keys = StateKeys::new(&events);
            assert!(matches!(keys, StateKeys::Events(_)), "state key NID {big}");
            assert_eq!(keys.get(2), Some((6, big)));
        }
    }

    #[test]
    fn sparse_nids_use_the_events() {
        let events = Events::of(vec![event(1, 5, 0), event(1 << 20, 6, 1)]);
        let keys = StateKeys::new(&events);
        assert!(matches!(keys, StateKeys::Events(_)));
        assert_eq!(keys.get(1 << 20), Some((6, 1)));
    }
}
