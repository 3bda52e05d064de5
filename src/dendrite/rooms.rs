//! Rooms and what hangs off them in the roomserver: `roomserver_rooms`,
//! `roomserver_room_aliases`, `roomserver_published`, `roomserver_membership`
//! (for `forgotten` and which users are local) and `roomserver_invites`.
//!
//! A room with no `latest_event_nids` is a stub (known only through an invite
//! or a make_join): it has no state of its own.
//!
//! `roomserver_partial_state_rooms` (only on element-hq's unmerged
//! sliding-sync branch, "faster joins") lists rooms joined with partial
//! state: their current state lacks most members until Dendrite's resync
//! ends. They are only recorded here; convert refuses them
//! (docs/dendrite-versions.md).

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;

use super::columns::{columns, Fields};
use crate::dump::Row;

pub struct Room {
    pub nid: i64,
    pub room_id: String,
    pub version: String,
    /// Forward extremities (event NIDs).
    pub latest_event_nids: Box<[i64]>,
    /// Current state: the state after the forward extremities; 0 = none.
    pub state_snapshot_nid: i64,
}

impl Room {
    pub fn is_stub(&self) -> bool {
        self.latest_event_nids.is_empty()
    }
}

pub struct Alias {
    pub room_id: String,
    pub creator_id: String,
}

pub struct MemberRow {
    pub target_local: bool,
    pub forgotten: bool,
}

pub struct Invite {
    pub event_id: String,
    pub room_nid: i64,
    pub target_nid: i64,
    pub retired: bool,
    /// Exactly as stored (may carry `unsigned.invite_room_state`).
    pub json: Box<str>,
}

#[derive(Default)]
pub struct Rooms {
    pub by_nid: BTreeMap<i64, Room>,
    /// alias → target; Dendrite only stores local aliases.
    pub aliases: BTreeMap<String, Alias>,
    /// Room IDs listed in the server's own directory (appservice lists apart).
    pub published: BTreeMap<String, bool>,
    /// (appservice_id, network_id, room_id) of appservice directory entries.
    pub published_appservice: BTreeMap<(String, String, String), bool>,
    /// (room NID, target state-key NID) → membership row.
    pub members: BTreeMap<(i64, i64), MemberRow>,
    pub invites: BTreeMap<String, Invite>,
    /// Room NIDs with a `roomserver_partial_state_rooms` row → the server
    /// joined through.
    pub partial_state: BTreeMap<i64, String>,
    /// room ID → room NID, built once every table is read.
    nid_by_id: HashMap<String, i64>,
}

impl Rooms {
    pub fn by_room_id(&self, room_id: &str) -> Option<&Room> {
        self.nid_by_id.get(room_id).and_then(|nid| self.by_nid.get(nid))
    }

    /// Room IDs of the partial-state rooms (a NID without a room row is
    /// named by its NID).
    pub fn partial_state_ids(&self) -> Vec<String> {
        let id = |nid: &i64| self.by_nid.get(nid).map_or_else(|| format!("room NID {nid}"), |r| r.room_id.clone());
        self.partial_state.keys().map(id).collect()
    }

    pub(super) fn finish(&mut self) {
        self.nid_by_id = self.by_nid.values().map(|r| (r.room_id.clone(), r.nid)).collect();
    }
}

columns! {
    pub struct RoomCols {
        nid: required("room_nid"),
        id: required("room_id"),
        latest: required("latest_event_nids"),
        snapshot: required("state_snapshot_nid"),
        version: required("room_version"),
    }
}

impl RoomCols {
    pub fn load(&self, rooms: &mut Rooms, row: &Row) -> Result<()> {
        let f = Fields(row);
        let room = Room {
            nid: f.i64(self.nid)?,
            room_id: f.string(self.id)?,
            version: f.string(self.version)?,
            latest_event_nids: f.i64_array(self.latest)?,
            state_snapshot_nid: f.i64(self.snapshot)?,
        };
        rooms.by_nid.insert(room.nid, room);
        Ok(())
    }
}

columns! {
    pub struct AliasCols {
        alias: required("alias"),
        room: required("room_id"),
        creator: required("creator_id"),
    }
}

impl AliasCols {
    pub fn load(&self, rooms: &mut Rooms, row: &Row) -> Result<()> {
        let f = Fields(row);
        let alias = Alias { room_id: f.string(self.room)?, creator_id: f.string(self.creator)? };
        rooms.aliases.insert(f.string(self.alias)?, alias);
        Ok(())
    }
}

columns! {
    pub struct PublishedCols {
        room: required("room_id"),
        published: required("published"),
        // Both added in v0.10.5; older rows are the server's own directory.
        appservice: optional("appservice_id"),
        network: optional("network_id"),
    }
}

impl PublishedCols {
    pub fn load(&self, rooms: &mut Rooms, row: &Row) -> Result<()> {
        let f = Fields(row);
        let room = f.string(self.room)?;
        let published = f.bool(self.published)?;
        let appservice = f.opt_str(self.appservice)?.unwrap_or("");
        let network = f.opt_str(self.network)?.unwrap_or("");
        if appservice.is_empty() && network.is_empty() {
            rooms.published.insert(room, published);
        } else {
            let key = (appservice.to_owned(), network.to_owned(), room);
            rooms.published_appservice.insert(key, published);
        }
        Ok(())
    }
}

columns! {
    pub struct MemberCols {
        room: required("room_nid"),
        target: required("target_nid"),
        target_local: optional("target_local"),
        forgotten: optional("forgotten"),
    }
}

impl MemberCols {
    pub fn load(&self, rooms: &mut Rooms, row: &Row) -> Result<()> {
        let f = Fields(row);
        let m = MemberRow {
            target_local: f.bool_or(self.target_local, false)?,
            forgotten: f.bool_or(self.forgotten, false)?,
        };
        rooms.members.insert((f.i64(self.room)?, f.i64(self.target)?), m);
        Ok(())
    }
}

columns! {
    pub struct InviteCols {
        event_id: required("invite_event_id"),
        room: required("room_nid"),
        target: required("target_nid"),
        retired: required("retired"),
        json: required("invite_event_json"),
    }
}

impl InviteCols {
    pub fn load(&self, rooms: &mut Rooms, row: &Row) -> Result<()> {
        let f = Fields(row);
        let invite = Invite {
            event_id: f.string(self.event_id)?,
            room_nid: f.i64(self.room)?,
            target_nid: f.i64(self.target)?,
            retired: f.bool(self.retired)?,
            json: f.str(self.json)?.into(),
        };
        rooms.invites.insert(invite.event_id.clone(), invite);
        Ok(())
    }
}

columns! {
    pub struct PartialStateCols {
        room: required("room_nid"),
        via: optional("joined_via"),
    }
}

impl PartialStateCols {
    pub fn load(&self, rooms: &mut Rooms, row: &Row) -> Result<()> {
        let f = Fields(row);
        let via = f.opt_str(self.via)?.unwrap_or("").to_owned();
        rooms.partial_state.insert(f.i64(self.room)?, via);
        Ok(())
    }
}
