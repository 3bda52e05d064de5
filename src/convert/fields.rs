//! What the plan keeps of each event's JSON, owned and compact: the JSON
//! itself stays in the spill file ([`crate::dendrite::json_spill`]), so the
//! fields parsed from it ([`EventFields`], which borrow from the text) are
//! turned into values that outlive it while the events are planned.
//!
//! How it works: senders are interned (a server has far fewer users than
//! events, so each event holds a shared pointer, not a copy); prev events
//! that are events of the dump are held as their NIDs, and their IDs are
//! read from the model when rows are written; what few events have
//! (membership, relation, `redacts`) stays boxed, copied.
//!
//! Traps: a prev event ID is resolved by exact equality with a stored event
//! ID, so writing the stored ID back gives the same bytes as the JSON's
//! (unescaped) string; an ID the dump does not hold is kept as a string.
//! Two prevs are equal exactly when their IDs are, which `dag::distinct`
//! relies on.

use std::collections::HashSet;
use std::sync::Arc;

use crate::dendrite::event_json::{EventFields, Rare, Relation};
use crate::dendrite::events::Events;

/// One prev event: an event of the dump, or an ID it does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prev {
    Nid(i64),
    Unknown(Box<str>),
}

impl Prev {
    /// The prev event's ID.
    pub fn id<'m>(&'m self, events: &'m Events) -> &'m str {
        match self {
            Prev::Nid(nid) => events.get(*nid).map_or("", |e| &e.event_id),
            Prev::Unknown(id) => id,
        }
    }
}

/// [`EventFields`], owned (see the module comment).
#[derive(Debug, Default)]
pub struct Fields {
    pub sender: Option<Arc<str>>,
    pub origin_server_ts: Option<i64>,
    pub prev_events: Box<[Prev]>,
    pub rare: Option<Box<Rare<'static>>>,
    pub contains_url: bool,
}

/// Senders seen so far, each stored once.
#[derive(Default)]
pub struct Senders(HashSet<Arc<str>>);

impl Senders {
    fn intern(&mut self, sender: &str) -> Arc<str> {
        if let Some(s) = self.0.get(sender) {
            return s.clone();
        }
        let s: Arc<str> = sender.into();
        self.0.insert(s.clone());
        s
    }
}

impl Fields {
    /// Owned fields from parsed ones.
    pub fn keep(f: EventFields<'_>, events: &Events, senders: &mut Senders) -> Fields {
        let prev = |id: &std::borrow::Cow<'_, str>| match events.by_event_id(id) {
            Some(e) => Prev::Nid(e.nid),
            None => Prev::Unknown((**id).into()),
        };
        Fields {
            sender: f.sender.as_deref().map(|s| senders.intern(s)),
            origin_server_ts: f.origin_server_ts,
            prev_events: f.prev_events.iter().map(prev).collect(),
            rare: f.rare.map(|r| Box::new(owned(*r))),
            contains_url: f.contains_url,
        }
    }

    pub fn redacts(&self) -> Option<&str> {
        self.rare.as_ref()?.redacts.as_deref()
    }

    pub fn membership(&self) -> Option<&str> {
        self.rare.as_ref()?.membership.as_deref()
    }

    pub fn displayname(&self) -> Option<&str> {
        self.rare.as_ref()?.displayname.as_deref()
    }

    pub fn avatar_url(&self) -> Option<&str> {
        self.rare.as_ref()?.avatar_url.as_deref()
    }

    pub fn relation(&self) -> Option<&Relation> {
        self.rare.as_ref()?.relation.as_ref()
    }
}

fn owned(r: Rare<'_>) -> Rare<'static> {
    let own = |s: Option<std::borrow::Cow<'_, str>>| s.map(|s| s.into_owned().into());
    Rare {
        redacts: own(r.redacts),
        membership: own(r.membership),
        displayname: own(r.displayname),
        avatar_url: own(r.avatar_url),
        relation: r.relation,
        unsigned_unreadable: r.unsigned_unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dendrite::events::Event;

    #[test]
    fn senders_are_shared_and_prevs_resolved_to_stored_events() {
        let events = Events::of(vec![Event::test(1), Event { event_id: "$p/q".into(), ..Event::test(2) }]);
        let mut senders = Senders::default();
        let a = r#"{"sender":"@a:s","prev_events":["$e1","$p\/q","$gone"],"content":{"membership":"join"}}"#;
        let b = r#"{"sender":"@a:s","prev_events":[["$e1",{}]]}"#;
        let fa = Fields::keep(EventFields::parse(a).unwrap(), &events, &mut senders);
        let fb = Fields::keep(EventFields::parse(b).unwrap(), &events, &mut senders);
        assert!(Arc::ptr_eq(fa.sender.as_ref().unwrap(), fb.sender.as_ref().unwrap()));
        assert_eq!(fa.prev_events[..], [Prev::Nid(1), Prev::Nid(2), Prev::Unknown("$gone".into())]);
        let ids: Vec<&str> = fa.prev_events.iter().map(|p| p.id(&events)).collect();
        assert_eq!(ids, ["$e1", "$p/q", "$gone"]);
        assert_eq!((fa.membership(), fb.membership(), fb.redacts()), (Some("join"), None, None));
    }
}
