//! Read receipts: `receipts_linearized` and `receipts_graph` (docs/synapse-schema.md §A.8).
//!
//! Dendrite keeps one receipt per (room, type, user), local and remote users,
//! without threads (it has no thread column), so `thread_id` is NULL:
//! unthreaded, which is what those receipts were. Stream ids are new, above
//! every Dendrite stream position (convert::streams), in Dendrite's receipt
//! order. `event_stream_ordering` is the receipted event's (Synapse's
//! notification rotation asserts it is set for known events).

use crate::dendrite::Model;
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::Instance;

use super::plan::Plan;
use super::report::{Skip, Skipped};
use super::rooms::RoomSet;
use super::Context;

pub fn tables<'a>(
    model: &'a Model,
    ctx: &Context,
    rooms: &RoomSet,
    plan: &Plan<'a>,
    out: &mut Tables<'a>,
    skipped: &mut Skipped,
) {
    let mut ids = ctx.streams.counter();
    for r in &model.sync.receipts {
        if !model.rooms.by_room_id(&r.room_id).is_some_and(|room| rooms.converted(room.nid)) {
            skipped.add(Skip::ReceiptInSkippedRoom);
            continue;
        }
        let data = serde_json::json!({ "ts": r.ts }).to_string();
        out.receipts_linearized.push(syn::ReceiptLinearized {
            stream_id: ids.next(),
            room_id: r.room_id.as_str().into(),
            receipt_type: r.receipt_type.as_str().into(),
            user_id: r.user_id.as_str().into(),
            event_id: r.event_id.as_str().into(),
            data: data.clone().into(),
            instance_name: Instance,
            event_stream_ordering: plan.by_event_id(model, &r.event_id).map(|p| p.stream_ordering),
            thread_id: None,
        });
        out.receipts_graph.push(syn::ReceiptGraph {
            room_id: r.room_id.as_str().into(),
            receipt_type: r.receipt_type.as_str().into(),
            user_id: r.user_id.as_str().into(),
            event_ids: serde_json::json!([r.event_id]).to_string().into(),
            data: data.into(),
            thread_id: None,
        });
    }
}
