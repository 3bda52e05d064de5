//! Pending invites for rooms this server is not in (synapse-storage.md §B.3).
//!
//! Dendrite stores an invite received over federation only in
//! `roomserver_invites` (with a stub room), never as a room event. Synapse
//! keeps such an invite as an *out-of-band membership*: an outlier
//! `m.room.member` event with `internal_metadata.out_of_band_membership`, its
//! `room_memberships` row, and the user's `local_current_membership` row,
//! which is what makes `/sync` list the invite (with the stripped room state
//! the invite carries in `unsigned.invite_room_state`).
//!
//! Carried: invites not retired, for local users, whose event is not one of
//! the room's events already. Their stream orderings come after every other
//! event's (outside the live range, like all outliers).

use std::borrow::Cow;

use crate::dendrite::event_json::EventFields;
use crate::dendrite::rooms::{Invite, Room};
use crate::dendrite::Model;
use crate::synapse::Value;

use super::events::{persisted_json, AddUnsigned, Meta, EVENTS_COLUMNS, EVENT_JSON_COLUMNS};
use super::plan::Plan;
use super::report::Skipped;
use super::rooms::{format_version, RoomSet};
use super::table::Table;
use super::Context;

pub struct OutOfBand<'m> {
    invite: &'m Invite,
    room: &'m Room,
    target: &'m str,
    json: Cow<'m, str>,
    fields: EventFields<'m>,
    stream_ordering: i64,
    received_ts: i64,
}

/// The invites to carry, in event ID order, with their orderings.
pub fn collect<'m>(
    model: &'m Model,
    ctx: &Context,
    rooms: &RoomSet,
    plan: &Plan<'m>,
    skipped: &mut Skipped,
) -> Vec<OutOfBand<'m>> {
    let mut next = plan.events.iter().map(|p| p.stream_ordering).max().unwrap_or(0).max(ctx.streams.base) + 1;
    let mut latest_ts = plan.events.iter().map(|p| p.received_ts).max().unwrap_or(0);
    let mut out = Vec::new();
    for inv in model.rooms.invites.values().filter(|i| !i.retired) {
        let Some(target) = model.nids.state_key(inv.target_nid).filter(|u| ctx.is_local(u)) else { continue };
        if model.events.by_event_id(&inv.event_id).is_some() {
            continue; // a room event: converted with the room
        }
        let Some(room) = model.rooms.by_nid.get(&inv.room_nid).filter(|r| rooms.converted(r.nid)) else {
            skipped.add("roomserver_invites", "invite to a room that is not carried over");
            continue;
        };
        let (Ok(fields), Ok(json)) =
            (EventFields::parse(&inv.json), persisted_json(&inv.json, &AddUnsigned::default()))
        else {
            skipped.add("roomserver_invites", "invite event JSON does not parse");
            continue;
        };
        latest_ts = latest_ts.max(fields.origin_server_ts.unwrap_or(0));
        out.push(OutOfBand { invite: inv, room, target, json, fields, stream_ordering: next, received_ts: latest_ts });
        next += 1;
    }
    out
}

/// (event ID, room ID, depth, stream ordering) of each carried invite: Synapse
/// computes push actions for invites that arrive over federation too
/// (handlers/federation.py on_invite_request), so they can be notifications.
pub fn positions<'a>(invites: &'a [OutOfBand<'_>]) -> impl Iterator<Item = (&'a str, &'a str, i64, i64)> {
    invites.iter().map(|i| (i.invite.event_id.as_str(), i.room.room_id.as_str(), i.fields_depth(), i.stream_ordering))
}

/// `events`, `event_json`, `state_events`, `room_memberships`, `local_current_membership`.
pub fn tables<'m>(invites: &[OutOfBand<'m>]) -> [Table<'m>; 5] {
    let mut events = Table::new("events", EVENTS_COLUMNS);
    let mut json = Table::new("event_json", EVENT_JSON_COLUMNS);
    let mut state = Table::new("state_events", &["event_id", "room_id", "type", "state_key"]);
    let mut members = Table::new(
        "room_memberships",
        &["event_id", "user_id", "sender", "room_id", "membership", "event_stream_ordering"],
    );
    let mut local = Table::new(
        "local_current_membership",
        &["room_id", "user_id", "event_id", "membership", "event_stream_ordering"],
    );
    let meta = Meta { out_of_band_membership: true, ..Meta::default() }.to_json();
    for i in invites {
        let (id, room) = (i.invite.event_id.as_str(), i.room.room_id.as_str());
        let depth = i.fields_depth();
        events.push(vec![
            Value::Int(depth),
            Value::from(id),
            Value::from("m.room.member"),
            Value::from(room),
            Value::Bool(true),
            Value::Bool(true),
            Value::Int(depth),
            Value::from(i.fields.origin_server_ts),
            Value::Int(i.received_ts),
            Value::from(i.fields.sender.clone()),
            Value::Bool(false),
            Value::from("master"),
            Value::Int(i.stream_ordering),
            Value::from(i.target),
            Value::Null,
        ]);
        let format = format_version(&i.room.version).unwrap_or(3);
        json.push(vec![
            Value::from(id),
            Value::from(room),
            Value::from(meta.clone()),
            Value::Text(i.json.clone()),
            Value::Int(format),
        ]);
        state.push(vec![Value::from(id), Value::from(room), Value::from("m.room.member"), Value::from(i.target)]);
        members.push(vec![
            Value::from(id),
            Value::from(i.target),
            Value::from(i.fields.sender.clone().unwrap_or_default()),
            Value::from(room),
            Value::from("invite"),
            Value::Int(i.stream_ordering),
        ]);
        local.push(vec![
            Value::from(room),
            Value::from(i.target),
            Value::from(id),
            Value::from("invite"),
            Value::Int(i.stream_ordering),
        ]);
    }
    [events, json, state, members, local]
}

impl OutOfBand<'_> {
    /// The invite's `depth` (Synapse needs one; an invite without it sorts first).
    fn fields_depth(&self) -> i64 {
        #[derive(serde::Deserialize)]
        struct D {
            #[serde(default)]
            depth: Option<i64>,
        }
        serde_json::from_str::<D>(&self.invite.json).ok().and_then(|d| d.depth).unwrap_or(0)
    }
}
