//! Read receipts: `receipts_linearized` and `receipts_graph` (synapse-storage.md §A.8).
//!
//! Dendrite keeps one receipt per (room, type, user), local and remote users,
//! without threads (it has no thread column), so `thread_id` is NULL:
//! unthreaded, which is what those receipts were. Stream ids are new, above
//! every Dendrite stream position (convert::streams), in Dendrite's receipt
//! order. `event_stream_ordering` is the receipted event's (Synapse's
//! notification rotation asserts it is set for known events).

use crate::dendrite::Model;
use crate::synapse::Value;

use super::plan::Plan;
use super::report::Skipped;
use super::rooms::RoomSet;
use super::table::Table;
use super::Context;

pub fn tables<'m>(
    model: &'m Model,
    ctx: &Context,
    rooms: &RoomSet,
    plan: &Plan<'m>,
    skipped: &mut Skipped,
) -> [Table<'m>; 2] {
    let mut linear = Table::new(
        "receipts_linearized",
        &[
            "stream_id",
            "room_id",
            "receipt_type",
            "user_id",
            "event_id",
            "data",
            "instance_name",
            "event_stream_ordering",
            "thread_id",
        ],
    );
    let mut graph =
        Table::new("receipts_graph", &["room_id", "receipt_type", "user_id", "event_ids", "data", "thread_id"]);
    let mut ids = ctx.streams.counter();
    for r in &model.sync.receipts {
        if !model.rooms.by_room_id(&r.room_id).is_some_and(|room| rooms.converted(room.nid)) {
            skipped.add("syncapi_receipts", "receipt in a room that is not carried over");
            continue;
        }
        let data = serde_json::json!({ "ts": r.ts }).to_string();
        linear.push(vec![
            Value::Int(ids.next()),
            Value::from(r.room_id.as_str()),
            Value::from(r.receipt_type.as_str()),
            Value::from(r.user_id.as_str()),
            Value::from(r.event_id.as_str()),
            Value::from(data.clone()),
            Value::from("master"),
            Value::from(plan.by_event_id(model, &r.event_id).map(|p| p.stream_ordering)),
            Value::Null,
        ]);
        graph.push(vec![
            Value::from(r.room_id.as_str()),
            Value::from(r.receipt_type.as_str()),
            Value::from(r.user_id.as_str()),
            Value::from(serde_json::json!([r.event_id]).to_string()),
            Value::from(data),
            Value::Null,
        ]);
    }
    [linear, graph]
}
