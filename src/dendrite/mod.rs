//! dendrite: rows → a typed, read-only model of the Dendrite database
//! (NID dictionaries, events, state blocks/snapshots, users, keys, media …).
