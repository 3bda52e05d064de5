//! Rooms, aliases and the room directory: `rooms`, `room_aliases`,
//! `room_alias_servers`, `appservice_room_list`.
//!
//! A Dendrite room is carried over when Synapse can host its version
//! (pseudo-ID rooms, `org.matrix.msc4014`, cannot be) and it either has
//! events of its own or is a stub room holding a pending invite for a local
//! user (Synapse needs the `rooms` row, with the version, to show the invite).
//! Other stubs hold nothing a client sees. `is_public` is the server's own
//! directory (`roomserver_published` with empty appservice/network IDs);
//! appservice network lists go to `appservice_room_list`.
//! `has_auth_chain_index` is set by chain_cover.rs, which builds the index.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::dendrite::event_json::EventFields;
use crate::dendrite::nids::TYPE_CREATE;
use crate::dendrite::rooms::Room;
use crate::dendrite::state::StateEntry;
use crate::dendrite::Model;
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::Rows;

use super::plan::Plan;
use super::report::{Skip, Skipped};
use super::Context;

/// Synapse's event format for a room version (docs/synapse-schema.md §B.6);
/// `None` for versions Synapse 1.163 cannot host.
pub fn format_version(room_version: &str) -> Option<i64> {
    Some(match room_version {
        "1" | "2" => 1,
        "3" => 2,
        "4" | "5" | "6" | "7" | "8" | "9" | "10" | "11" => 3,
        "org.matrix.msc3757.10" | "org.matrix.msc3757.11" => 3,
        "12" | "org.matrix.hydra.11" => 4,
        _ => return None,
    })
}

/// Which Dendrite rooms are carried over (by room NID).
#[derive(Default)]
pub struct RoomSet {
    converted: BTreeMap<i64, ()>,
}

impl RoomSet {
    pub fn choose(model: &Model, ctx: &Context, skipped: &mut Skipped) -> Result<RoomSet> {
        let mut set = RoomSet::default();
        let invited = rooms_with_local_invites(model, ctx);
        let held = events_held(model);
        for room in model.rooms.by_nid.values() {
            if ctx.skip_rooms.contains(&room.room_id) {
                skipped.add_id(Skip::RoomSkippedOnRequest, &room.room_id);
                continue;
            }
            if let Some(skip) = unsound(model, room, held.get(&room.nid))? {
                skipped.add_id(skip, &room.room_id);
                continue;
            }
            if format_version(&room.version).is_none() {
                skipped.add_id(Skip::RoomVersion(room.version.clone()), &room.room_id);
                continue;
            }
            if room.is_stub() && !invited.contains(&room.nid) {
                skipped.add_id(Skip::StubRoom, &room.room_id);
                continue;
            }
            set.converted.insert(room.nid, ());
        }
        Ok(set)
    }

    pub fn converted(&self, room_nid: i64) -> bool {
        self.converted.contains_key(&room_nid)
    }
}

/// Per room NID: whether it holds any event, and its create event (with its JSON).
fn events_held(model: &Model) -> BTreeMap<i64, bool> {
    let mut held = BTreeMap::new();
    for e in &model.events.all {
        *held.entry(e.room_nid).or_default() |= e.type_nid == TYPE_CREATE && e.json.is_some();
    }
    held
}

/// Why a room that is not a stub cannot be carried at all (docs/safety.md, "Damaged databases").
/// Synapse authorises every event against the create event and every new event against the
/// room's current state: without the one, nothing of the room can be authorised; with the
/// other incomplete, Synapse would decide joins, bans and power on a state the room never had.
/// Either way nothing of the room is sound, and it is left out whole.
fn unsound(model: &Model, room: &Room, held: Option<&bool>) -> Result<Option<Skip>> {
    if room.is_stub() {
        return Ok(None);
    }
    match held {
        None => return Ok(Some(Skip::RoomEventsGone)),
        Some(false) => return Ok(Some(Skip::RoomCreateGone)),
        Some(true) if room.state_snapshot_nid == 0 => return Ok(None),
        Some(true) => {}
    }
    Ok(match model.state.expand(&model.events, room.state_snapshot_nid) {
        Err(_) => Some(Skip::RoomStateUnexpandable),
        Ok(x) if !x.missing_events.is_empty() => Some(Skip::RoomStateEventsMissing),
        Ok(x) => {
            let mut unreadable = false;
            for s in &x.entries {
                if !readable(model, s)? {
                    unreadable = true;
                    break;
                }
            }
            unreadable.then_some(Skip::RoomStateUnreadable)
        }
    })
}

/// Whether a state entry's event can be carried: its JSON is there and parses, its NIDs are known.
fn readable(model: &Model, s: &StateEntry) -> Result<bool> {
    if model.nids.event_type(s.type_nid).is_none() || model.nids.state_key(s.key_nid).is_none() {
        return Ok(false);
    }
    let Some(e) = model.events.get(s.event_nid) else { return Ok(false) };
    Ok(model.events.json(e)?.is_some_and(|j| EventFields::parse(&j).is_ok()))
}

/// Room NIDs with a pending invite for a local user.
fn rooms_with_local_invites(model: &Model, ctx: &Context) -> std::collections::BTreeSet<i64> {
    model
        .rooms
        .invites
        .values()
        .filter(|i| !i.retired && model.nids.state_key(i.target_nid).is_some_and(|u| ctx.is_local(u)))
        .map(|i| i.room_nid)
        .collect()
}

/// `rooms`, `room_aliases`, `room_alias_servers`, `appservice_room_list`.
pub fn tables<'a>(
    model: &'a Model,
    ctx: &'a Context,
    set: &RoomSet,
    plan: &Plan<'a>,
    out: &mut Tables<'a>,
    skipped: &mut Skipped,
) {
    out.rooms = rooms(model, set, plan);
    (out.room_aliases, out.room_alias_servers) = aliases(model, ctx, set, skipped);
    out.appservice_room_list = appservice_room_list(model, set, skipped);
}

fn rooms<'a>(model: &'a Model, set: &RoomSet, plan: &Plan<'a>) -> Rows<'a, syn::Room<'a>> {
    // The creator is the create event's sender (v11+ dropped content.creator).
    let creators: BTreeMap<i64, String> = plan
        .events
        .iter()
        .filter(|p| p.event.type_nid == TYPE_CREATE && p.state_key == Some(""))
        .filter_map(|p| Some((p.event.room_nid, p.fields.sender.as_deref()?.to_owned())))
        .collect();
    let mut t = Rows::default();
    for room in model.rooms.by_nid.values().filter(|r| set.converted(r.nid)) {
        let public = model.rooms.published.get(&room.room_id).copied().unwrap_or(false);
        t.push(syn::Room {
            room_id: room.room_id.as_str().into(),
            is_public: public,
            creator: creators.get(&room.nid).cloned().map(Into::into),
            room_version: room.version.as_str().into(),
            has_auth_chain_index: false,
        });
    }
    t
}

/// `room_aliases` and `room_alias_servers` (our own name: Dendrite stores only local aliases).
fn aliases<'a>(
    model: &'a Model,
    ctx: &'a Context,
    set: &RoomSet,
    skipped: &mut Skipped,
) -> (Rows<'a, syn::RoomAlias<'a>>, Rows<'a, syn::RoomAliasServer<'a>>) {
    let (mut aliases, mut servers) = (Rows::default(), Rows::default());
    for (alias, a) in &model.rooms.aliases {
        if !model.rooms.by_room_id(&a.room_id).is_some_and(|r| set.converted(r.nid)) {
            skipped.add(Skip::AliasOfSkippedRoom);
            continue;
        }
        aliases.push(syn::RoomAlias {
            room_alias: alias.as_str().into(),
            room_id: a.room_id.as_str().into(),
            creator: a.creator_id.as_str().into(),
        });
        servers
            .push(syn::RoomAliasServer { room_alias: alias.as_str().into(), server: ctx.server_name.as_str().into() });
    }
    (aliases, servers)
}

fn appservice_room_list<'a>(
    model: &'a Model,
    set: &RoomSet,
    skipped: &mut Skipped,
) -> Rows<'a, syn::AppserviceRoom<'a>> {
    let mut t = Rows::default();
    for ((appservice, network, room_id), published) in &model.rooms.published_appservice {
        if !published {
            continue;
        }
        if !model.rooms.by_room_id(room_id).is_some_and(|r| set.converted(r.nid)) {
            skipped.add(Skip::PublishedSkippedRoom);
            continue;
        }
        t.push(syn::AppserviceRoom {
            appservice_id: appservice.as_str().into(),
            network_id: network.as_str().into(),
            room_id: room_id.as_str().into(),
        });
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_versions_follow_synapse_room_versions() {
        assert_eq!(format_version("1"), Some(1));
        assert_eq!(format_version("2"), Some(1));
        assert_eq!(format_version("3"), Some(2));
        assert_eq!(format_version("4"), Some(3));
        assert_eq!(format_version("10"), Some(3));
        assert_eq!(format_version("11"), Some(3));
        assert_eq!(format_version("12"), Some(4));
        assert_eq!(format_version("org.matrix.msc4014"), None);
        assert_eq!(format_version("13"), None);
    }
}
