//! Rooms and what hangs off them in the roomserver: `roomserver_rooms`,
//! `roomserver_room_aliases`, `roomserver_published`, `roomserver_membership`
//! (for `forgotten` and which users are local) and `roomserver_invites`.
//!
//! A room with no `latest_event_nids` is a stub (known only through an invite
//! or a make_join): it has no state of its own.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

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
    /// room ID → room NID, built once every table is read.
    nid_by_id: HashMap<String, i64>,
}

impl Rooms {
    pub fn by_room_id(&self, room_id: &str) -> Option<&Room> {
        self.nid_by_id.get(room_id).and_then(|nid| self.by_nid.get(nid))
    }

    pub(super) fn finish(&mut self) {
        self.nid_by_id = self.by_nid.values().map(|r| (r.room_id.clone(), r.nid)).collect();
    }
}

pub struct RoomCols {
    nid: Col,
    id: Col,
    latest: Col,
    snapshot: Col,
    version: Col,
}

impl RoomCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(RoomCols {
            nid: h.required("room_nid")?,
            id: h.required("room_id")?,
            latest: h.required("latest_event_nids")?,
            snapshot: h.required("state_snapshot_nid")?,
            version: h.required("room_version")?,
        })
    }

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

pub struct AliasCols {
    alias: Col,
    room: Col,
    creator: Col,
}

impl AliasCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(AliasCols {
            alias: h.required("alias")?,
            room: h.required("room_id")?,
            creator: h.required("creator_id")?,
        })
    }

    pub fn load(&self, rooms: &mut Rooms, row: &Row) -> Result<()> {
        let f = Fields(row);
        let alias = Alias { room_id: f.string(self.room)?, creator_id: f.string(self.creator)? };
        rooms.aliases.insert(f.string(self.alias)?, alias);
        Ok(())
    }
}

pub struct PublishedCols {
    room: Col,
    published: Col,
    appservice: Option<Col>,
    network: Option<Col>,
}

impl PublishedCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(PublishedCols {
            room: h.required("room_id")?,
            published: h.required("published")?,
            // Both added in v0.10.5; older rows are the server's own directory.
            appservice: h.optional("appservice_id"),
            network: h.optional("network_id"),
        })
    }

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

pub struct MemberCols {
    room: Col,
    target: Col,
    target_local: Option<Col>,
    forgotten: Option<Col>,
}

impl MemberCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(MemberCols {
            room: h.required("room_nid")?,
            target: h.required("target_nid")?,
            target_local: h.optional("target_local"),
            forgotten: h.optional("forgotten"),
        })
    }

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

pub struct InviteCols {
    event_id: Col,
    room: Col,
    target: Col,
    retired: Col,
    json: Col,
}

impl InviteCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(InviteCols {
            event_id: h.required("invite_event_id")?,
            room: h.required("room_nid")?,
            target: h.required("target_nid")?,
            retired: h.required("retired")?,
            json: h.required("invite_event_json")?,
        })
    }

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
