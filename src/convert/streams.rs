//! Stream ids: where the converter's numbers start.
//!
//! Clients keep their sessions, so they resume `/sync` with their Dendrite
//! `since` token. Synapse reads that 9-part token with its fields shifted into
//! other streams (Dendrite's receipt position lands in Synapse's typing slot,
//! its to-device position in the receipts slot, its device-list position in
//! the to-device slot, and so on; docs/convert.md). A migrated row whose Synapse
//! stream id is at or below the number the shifted token holds for that
//! stream counts as already delivered, and Synapse then deletes pending
//! to-device messages (the Megolm key shares) on the first resumed sync.
//!
//! So every stream id the converter assigns (to-device, account data,
//! receipts, device lists, cross-signing keys, push rules, presence …) starts
//! above [`Streams::base`], the largest position of *any* Dendrite stream.
//! Timeline events are the exception: they keep Dendrite's own PDU positions
//! (`syncapi_output_room_events.id`), the numbers clients hold. The same base
//! is the floor every Synapse stream sequence a token names is raised to
//! (`PostLoad::stream_floor`), so no old token is "from the future".
//!
//! A stream's largest position is the larger of its largest row and the
//! value of the sequence behind it, which pg_dump saves (`setval`; the
//! stream sequences are listed in dendrite/positions.rs). Rows alone are not
//! enough: delivered to-device messages are deleted, and upserts move rows
//! to new ids, so a client's token can hold a position no row has any more.
//! A sequence that was never used (`is_called = false`) adds nothing.

use crate::dendrite::positions::Positions;
use crate::dendrite::Model;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Streams {
    /// Largest position of any Dendrite stream: every assigned id is above it.
    pub base: i64,
    /// Largest PDU stream position (the live timeline's last stream ordering).
    pub live_max: i64,
}

impl Streams {
    pub fn compute(model: &Model, positions: &Positions) -> Streams {
        let live_max = model.sync.max_position;
        let receipts = model.sync.receipts.iter().map(|r| r.id).max().unwrap_or(0);
        let to_device = model.sync.to_device.iter().map(|t| t.id).max().unwrap_or(0);
        let presence = model.user.max_presence_position();
        let base = [live_max, receipts, to_device, presence, positions.highest()].into_iter().max().unwrap_or(0);
        Streams { base, live_max }
    }

    /// A fresh counter for one Synapse stream: its first id is `base + 1`.
    pub fn counter(&self) -> Counter {
        Counter { next: self.base + 1 }
    }
}

/// Hands out increasing ids for one stream.
#[derive(Debug)]
pub struct Counter {
    next: i64,
}

impl Counter {
    pub fn next(&mut self) -> i64 {
        let id = self.next;
        self.next += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_is_the_highest_position_of_any_stream() {
        let mut model = Model::default();
        model.sync.max_position = 255;
        let mut positions = Positions::default();
        assert_eq!(Streams::compute(&model, &positions), Streams { base: 255, live_max: 255 });
        // Account data shares Dendrite's PDU sequence and can be ahead of every PDU.
        positions.max.insert("syncapi_account_data_type", 256);
        positions.max.insert("keyserver_key_changes", 49);
        assert_eq!(Streams::compute(&model, &positions), Streams { base: 256, live_max: 255 });
        // Delivered to-device messages are gone from the rows, not from the sequence.
        positions.sequences.insert("syncapi_send_to_device_id", 9000);
        assert_eq!(Streams::compute(&model, &positions), Streams { base: 9000, live_max: 255 });
        assert_eq!(Streams::compute(&Model::default(), &Positions::default()).base, 0);
    }

    #[test]
    fn counters_start_above_the_base_and_do_not_share() {
        let s = Streams { base: 41, live_max: 40 };
        let (mut a, mut b) = (s.counter(), s.counter());
        assert_eq!((a.next(), a.next(), b.next()), (42, 43, 42));
    }
}
