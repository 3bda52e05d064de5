//! Pending invites for rooms this server is not in (docs/synapse-schema.md §B.3).
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
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::Instance;

use super::events::{persisted_json, AddUnsigned, Meta};
use super::plan::Plan;
use super::report::{Skip, Skipped};
use super::rooms::{format_version, RoomSet};
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
            skipped.add(Skip::InviteToSkippedRoom);
            continue;
        };
        let (Ok(fields), Ok(json)) =
            (EventFields::parse(&inv.json), persisted_json(&inv.json, &AddUnsigned::default()))
        else {
            skipped.add(Skip::InviteJson);
            continue;
        };
        if fields.rare.as_ref().is_some_and(|r| r.unsigned_unreadable) {
            skipped.add_id(Skip::UnsignedUnreadable, &inv.event_id);
        }
        latest_ts = latest_ts.max(fields.origin_server_ts.unwrap_or(0));
        out.push(OutOfBand { invite: inv, room, target, json, fields, stream_ordering: next, received_ts: latest_ts });
        next += 1;
    }
    out
}

/// Where a carried invite sits in Synapse: Synapse computes push actions for
/// invites that arrive over federation too (handlers/federation.py
/// on_invite_request), so they can be notifications.
#[derive(Clone, Copy, Debug)]
pub struct InvitePosition<'a> {
    pub event_id: &'a str,
    pub room_id: &'a str,
    pub depth: i64,
    pub stream_ordering: i64,
}

pub fn positions<'a>(invites: &'a [OutOfBand<'_>]) -> impl Iterator<Item = InvitePosition<'a>> {
    invites.iter().map(|i| InvitePosition {
        event_id: i.invite.event_id.as_str(),
        room_id: i.room.room_id.as_str(),
        depth: i.fields_depth(),
        stream_ordering: i.stream_ordering,
    })
}

/// The state events the carried invites add, as `(event_id, room_id,
/// state_key)` of an `m.room.member` event with no auth rows.
pub fn state_events<'a>(invites: &'a [OutOfBand<'_>]) -> impl Iterator<Item = (&'a str, &'a str, &'a str)> {
    invites.iter().map(|i| (i.invite.event_id.as_str(), i.room.room_id.as_str(), i.target))
}

/// The second blocks of `events`, `event_json`, `state_events`,
/// `room_memberships`, `local_current_membership`.
pub fn tables<'a>(invites: &'a [OutOfBand<'a>], out: &mut Tables<'a>) {
    let meta = Meta { out_of_band_membership: true, ..Meta::default() }.to_json();
    for i in invites {
        let (id, room) = (i.invite.event_id.as_str(), i.room.room_id.as_str());
        let depth = i.fields_depth();
        out.out_of_band_events.push(syn::Event {
            topological_ordering: depth,
            event_id: id.into(),
            event_type: "m.room.member".into(),
            room_id: room.into(),
            processed: true,
            outlier: true,
            depth,
            origin_server_ts: i.fields.origin_server_ts,
            received_ts: i.received_ts,
            sender: i.fields.sender.clone(),
            contains_url: false,
            instance_name: Instance,
            stream_ordering: i.stream_ordering,
            state_key: Some(i.target.into()),
            rejection_reason: None,
        });
        out.out_of_band_event_json.push(syn::EventJson {
            event_id: id.into(),
            room_id: room.into(),
            internal_metadata: meta.clone().into(),
            json: i.json.clone(),
            format_version: format_version(&i.room.version).unwrap_or(3),
        });
        out.out_of_band_state_events.push(syn::StateEvent {
            event_id: id.into(),
            room_id: room.into(),
            event_type: "m.room.member".into(),
            state_key: i.target.into(),
        });
        out.out_of_band_memberships.push(syn::OutOfBandMembership {
            event_id: id.into(),
            user_id: i.target.into(),
            sender: i.fields.sender.clone().unwrap_or_default(),
            room_id: room.into(),
            membership: "invite".into(),
            event_stream_ordering: i.stream_ordering,
        });
        out.out_of_band_local_membership.push(syn::LocalCurrentMembership {
            room_id: room.into(),
            user_id: i.target.into(),
            event_id: id.into(),
            membership: "invite".into(),
            event_stream_ordering: i.stream_ordering,
        });
    }
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
