//! What a conversion wrote and what it left out, for the summary on stderr
//! and `--report report.json`.
//!
//! Nothing is dropped silently: every convert module that leaves a Dendrite
//! row out records it here as a [`Skip`], and the counts per (what, reason)
//! are printed. Where the row has an ID an admin can look up (an event ID, a
//! room ID) it is recorded too ([`Skipped::add_id`]): the report lists them
//! all (`left_out_ids`), the summary the first few. Keys are sorted
//! (BTreeMap) so the JSON is deterministic.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::caveats::Caveat;
use crate::dendrite::catalog::UnknownTable;

/// Declares [`Skip`]: each variant is one reason for leaving something out,
/// with what it is about (a Dendrite table, a Synapse table, or an area's
/// name: the report's first level) and the reason as the report prints it.
macro_rules! skips {
    ($($(#[$doc:meta])* $variant:ident $(($($bind:ident: $ty:ty),*))? => $what:expr, $reason:expr;)*) => {
        /// Why something of the dump is not carried over.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Skip {
            $($(#[$doc])* $variant $(($($ty),*))?,)*
        }

        impl Skip {
            /// What was left out: the report's first level.
            #[allow(unused_variables)]
            pub fn what(&self) -> &'static str {
                match self {
                    $(Skip::$variant $(($($bind),*))? => $what,)*
                }
            }

            /// The reason, as the report words it.
            #[allow(unused_variables)]
            pub fn reason(&self) -> Cow<'static, str> {
                match self {
                    $(Skip::$variant $(($($bind),*))? => Cow::from($reason),)*
                }
            }
        }
    };
}

skips! {
    // ── accounts ──
    /// An account whose server name is not the one converted (Synapse has no virtual hosts).
    OtherServerAccount => "userapi_accounts", "account of another server name (virtual host)";
    /// A profile whose account is not carried.
    ProfileWithoutAccount => "userapi_profiles", "no carried-over account";
    /// A device whose account is not carried.
    DeviceWithoutAccount => "userapi_devices", "no carried-over account";
    /// A device of a deactivated account: Synapse deletes those with the account.
    DeviceOfDeactivated => "userapi_devices", "account deactivated (Synapse deletes its devices and tokens)";
    /// An appservice's `as_token` pseudo-device: the bridge's secret, not a session.
    AppserviceTokenDevice => "userapi_devices",
        "appservice as_token pseudo-device (the bridge's secret, not a user session)";
    /// A third-party ID whose account is not carried.
    ThreepidWithoutAccount => "userapi_threepids", "no carried-over account";
    /// An e-mail address equal to another after lower-casing (Synapse's unique key).
    ThreepidDuplicate => "userapi_threepids", "same address twice after lower-casing (Synapse keeps one)";

    // ── rooms ──
    /// A room whose version Synapse 1.163 cannot host.
    RoomVersion(version: String) => "roomserver_rooms",
        format!("room version {version:?} cannot be hosted by Synapse");
    /// A room the user asked to leave out (`--skip-room`).
    RoomSkippedOnRequest => "roomserver_rooms", "left out with --skip-room";
    /// A stub room (no events) without a pending invite for a local user.
    StubRoom => "roomserver_rooms", "stub room (no events, no pending invite for a local user)";
    /// An alias of a room that is not carried.
    AliasOfSkippedRoom => "roomserver_room_aliases", "alias of a room that is not carried over";
    /// An appservice directory entry for a room that is not carried.
    PublishedSkippedRoom => "roomserver_published",
        "appservice directory entry for a room that is not carried over";
    /// A pending invite to a room that is not carried.
    InviteToSkippedRoom => "roomserver_invites", "invite to a room that is not carried over";
    /// A pending invite whose event JSON does not parse.
    InviteJson => "roomserver_invites", "invite event JSON does not parse";

    // ── events and state ──
    /// An event whose room NID has no `roomserver_rooms` row.
    EventRoomUnknown => "roomserver_events", "room NID not in roomserver_rooms";
    /// An event of a room that is not carried.
    EventOfSkippedRoom => "roomserver_events", "its room is not carried over (see roomserver_rooms)";
    /// An event without its JSON.
    EventJsonMissing => "roomserver_events", "no roomserver_event_json row";
    /// An event whose JSON does not parse.
    EventJsonBroken => "roomserver_events", "event JSON does not parse";
    /// An event whose type NID is not in the dictionary.
    EventTypeUnknown => "roomserver_events", "event type NID not in roomserver_event_types";
    /// A state event whose state key NID is not in the dictionary.
    StateKeyUnknown => "roomserver_events", "state key NID not in roomserver_event_state_keys";
    /// An event kept, but as an outlier: the state at it is unknown (counted, not dropped).
    StateAtEventUnknown => "event state",
        "state at the event unknown (snapshot or block missing): stored as an outlier";
    /// A state block entry naming an event that does not exist.
    StateBlockEventMissing => "state blocks", "entry names an event not in roomserver_events";
    /// A state-group entry whose type, state key or event is unknown.
    StateGroupEntryUnknown => "state_groups_state", "entry whose type, state key or event is unknown";
    /// An event without a state group: its snapshot is missing.
    GroupSnapshotMissing => "event_to_state_groups", "its state snapshot is not in roomserver_state_snapshots";
    /// An event without a state group: its snapshot names a missing block.
    GroupBlockMissing => "event_to_state_groups", "its state snapshot names a missing state block";
    /// An event without a state group: its room is unknown.
    GroupRoomUnknown => "event_to_state_groups", "its room is not in roomserver_rooms";
    /// An event without a state group, for no reason the builder recorded.
    GroupNotBuilt => "event_to_state_groups", "no state group was built for it";
    /// An auth event that exists but is not carried.
    AuthEventSkipped => "event_auth", "auth event not carried over";
    /// An auth event NID that is not an event at all.
    AuthEventUnknown => "event_auth", "auth event NID not in roomserver_events";
    /// A forward extremity that is an outlier, rejected or soft-failed.
    ExtremityNotLive => "forward extremities", "outlier, rejected or soft-failed event";
    /// A forward extremity whose event is not carried.
    ExtremitySkipped => "forward extremities", "event not carried over";
    /// A redaction Dendrite did not apply (Synapse could apply it otherwise).
    RedactionNotAllowed => "redactions", "Dendrite did not allow the redaction (target kept unredacted)";
    /// A member event without a membership row (the event itself is kept).
    MemberEventIncomplete => "room_memberships",
        "member event without a string sender or content.membership (event kept)";
    /// A room whose current state cannot be expanded.
    CurrentStateUnexpanded(error: String) => "current state", format!("room's state cannot be expanded: {error}");
    /// A current-state block entry naming an event that does not exist.
    CurrentStateEventMissing => "current state", "state block names an event not in roomserver_events";
    /// A current-state event that is not carried.
    CurrentStateEventSkipped => "current state", "state event not carried over";
    /// A read receipt in a room that is not carried.
    ReceiptInSkippedRoom => "syncapi_receipts", "receipt in a room that is not carried over";

    // ── end-to-end encryption ──
    /// A remote user's device keys: a cache Synapse fills again.
    RemoteDeviceKeys => "device keys", "remote user's keys (a cache; Synapse fetches them again)";
    /// A device-keys row of a device that never uploaded keys.
    DeviceKeysPlaceholder => "device keys", "placeholder of a device that never uploaded keys";
    /// Device keys of a device that is not carried.
    DeviceKeysWithoutDevice => "device keys", "device no longer exists";
    /// A one-time key of a device that is not carried.
    OneTimeKeyWithoutDevice => "one-time keys", "device is not a carried local device";
    /// A remote user's fallback key: a cache Synapse fills again.
    RemoteFallbackKey => "fallback keys", "remote user's keys (a cache; Synapse fetches them again)";
    /// A fallback key of a device that is not carried (Dendrite 0.14+ keep a deleted device's keys).
    FallbackKeyWithoutDevice => "fallback keys", "device no longer exists";
    /// A fallback key replaced by a newer one of the same device and algorithm.
    FallbackKeyOlder => "fallback keys", "older fallback key of the same device and algorithm";
    /// A remote user's cross-signing key: a cache Synapse fills again.
    RemoteCrossSigningKey => "cross-signing keys", "remote user's keys (a cache; Synapse fetches them again)";
    /// A cross-signing key of a user who is not carried.
    CrossSigningKeyWithoutUser => "cross-signing keys", "user is not a carried account";
    /// A cross-signing key whose public key is also a device ID of its user.
    CrossSigningKeyDeviceClash => "cross-signing keys", "public key equals a device ID of the same user";
    /// A signature made by a remote user: a cache Synapse fills again.
    RemoteSignature => "cross-signing signatures", "made by a remote user (a cache; Synapse fetches them again)";
    /// A key backup version of a user who is not carried.
    BackupWithoutUser => "key backup versions", "user is not a carried account";
    /// A key backup version of a deactivated account (Synapse deletes those).
    BackupOfDeactivated => "key backup versions",
        "deactivated account (Synapse deletes its backups on deactivation)";
    /// A backup etag that is not a number: written as 0 (counted, not dropped).
    BackupEtagNotNumber => "key backup etags", "not a decimal number; written as 0";
    /// A backed-up session whose backup version is deleted or missing.
    BackupSessionOrphan => "key backup sessions", "their backup version is deleted or missing";
    /// A to-device message for a device that is not carried.
    ToDeviceWithoutDevice => "to-device messages", "recipient device is not a carried local device";
    /// A to-device message whose content is not a JSON object.
    ToDeviceNotObject => "to-device messages", "content is not a JSON object";

    // ── account data, push, other user data ──
    /// Account data of someone who is not a carried local account.
    AccountDataWithoutUser => "account data", "owner is not a carried local account";
    /// Account data of a deactivated account (Synapse purges it).
    AccountDataOfDeactivated => "account data",
        "deactivated account (Synapse purges account data on deactivation)";
    /// Account data whose content is not JSON.
    AccountDataNotJson(data_type: String) => "account data", format!("{data_type}: content is not JSON");
    /// Account data whose content is not a JSON object.
    AccountDataNotObject(data_type: String) => "account data",
        format!("{data_type}: content is not a JSON object");
    /// An ignore list without its `ignored_users` object.
    IgnoredUsersMissing => "ignored users", "m.ignored_user_list without an ignored_users object";
    /// An `m.tag` without its `tags` object.
    TagsMissing => "room tags", "m.tag without a tags object";
    /// A tag whose content is not a JSON object.
    TagNotObject => "room tags", "tag content is not a JSON object";
    /// An `m.push_rules` that is not JSON.
    PushRulesNotJson => "push rules", "m.push_rules is not JSON";
    /// A kind of push rules that is not a list.
    PushKindNotList(kind: &'static str) => "push rules", format!("global.{kind} is not a list");
    /// A push rule without a `rule_id`.
    PushRuleWithoutId => "push rules", "rule without a rule_id";
    /// A user push rule without its pattern or conditions.
    PushRuleIncomplete(kind: &'static str) => "push rules", format!("{kind} rule without its pattern or conditions");
    /// A server-default rule Synapse does not have.
    PushDefaultUnknown(kind: &'static str, id: String) => "push rules",
        format!("server-default rule {kind}/{id} that Synapse does not have");
    /// A pusher of someone who is not a carried local account.
    PusherWithoutUser => "pushers", "owner is not a carried local account";
    /// A pusher of a deactivated account (Synapse deletes those).
    PusherOfDeactivated => "pushers", "deactivated account (Synapse deletes its pushers on deactivation)";
    /// A filter of someone who is not a carried local account.
    FilterWithoutUser => "filters", "owner is not a carried local account";
    /// A filter that is not a JSON object.
    FilterNotObject => "filters", "filter is not a JSON object";
    /// Presence of a remote or unknown user (transient state).
    PresenceNotLocal => "presence", "remote or unknown user (transient)";

    // ── notifications ──
    /// A notification marked read: Dendrite no longer lists it.
    NotificationRead => "userapi_notifications", "marked read: Dendrite no longer lists it";
    /// A notification of someone who is not a carried local account.
    NotificationWithoutUser => "userapi_notifications", "user is not a carried local account";
    /// A notification for an event Synapse never notifies for.
    NotificationNotLive => "userapi_notifications", "event is an outlier, rejected or soft-failed";
    /// A notification for an event that is not carried.
    NotificationEventSkipped => "userapi_notifications", "event is not carried over";
    /// A notification whose room differs from its event's.
    NotificationRoomMismatch => "userapi_notifications", "event is in another room than the notification says";
    /// A second notification for the same event and user (Synapse's unique key).
    NotificationDuplicate => "userapi_notifications", "second notification for the same event and user";

    // ── media ──
    /// A media or thumbnail row the media plan refused (unsafe ID, path, method …).
    MediaRefused(table: &'static str, field: &'static str, why: String) => *table, format!("{field}: {why}");

    // ── damaged input ──
    /// A room that names latest events but has none of them (docs/safety.md, "Damaged databases").
    RoomEventsGone => "roomserver_rooms",
        "room left out whole: it names latest events, but none of its events is in roomserver_events";
    /// A room whose create event is gone: nothing of it can be authorised.
    RoomCreateGone => "roomserver_rooms", "room left out whole: its m.room.create event is gone";
    /// A room whose current state cannot be expanded.
    RoomStateUnexpandable => "roomserver_rooms",
        "room left out whole: its current state cannot be expanded (a state snapshot or block is gone)";
    /// A room whose current state names events that do not exist.
    RoomStateEventsMissing => "roomserver_rooms",
        "room left out whole: its current state names events that are not in roomserver_events";
    /// A room with a current-state event that cannot be read.
    RoomStateUnreadable => "roomserver_rooms",
        "room left out whole: an event of its current state cannot be read (no JSON row, JSON that does not parse, \
         or an unknown type or state key NID)";
    /// Room account data (tags included) of a room left out: Synapse's room purge deletes those.
    RoomAccountDataOfLeftOutRoom => "account data",
        "room account data or tags of a room that is left out (Synapse's own room purge deletes them)";
    /// A second account-data row for the same key (room_id NULL next to ''); the '' row is kept.
    AccountDataDuplicate => "account data",
        "second row for the same user, room and type (room_id NULL next to ''; the '' row is kept)";
    /// An access token held by more than one device row: dropped from all of them.
    TokenShared => "access_tokens",
        "token shared with another device row: dropped from all of them (each logs in again)";
    /// An event whose JSON had lone UTF-16 surrogate escapes (kept, changed: counted, not dropped).
    SurrogatesReplaced => "event JSON changed", "lone UTF-16 surrogate escapes replaced by \\ufffd";
    /// An event whose `unsigned` held a value of a type Synapse cannot read (kept, changed).
    UnsignedUnreadable => "event JSON changed",
        "an unsigned value of a type Synapse refuses to read (age_ts not a number, replaces_state not a string, \
         invite_room_state or knock_room_state not a list) dropped: Synapse would refuse the whole event";
}

/// What → reason → a count, or the IDs concerned.
type ByReason<T> = BTreeMap<String, BTreeMap<String, T>>;

/// Counts of rows left out, by (what, reason), and the IDs of those that have one.
/// Serialises as the counts (`{"what": {"reason": n}}`); the IDs go to the report's `left_out_ids`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    counts: ByReason<u64>,
    ids: ByReason<Vec<String>>,
}

impl Serialize for Skipped {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.counts.serialize(s)
    }
}

/// The summary names this many IDs per reason; the report all of them.
const IDS_IN_SUMMARY: usize = 3;

impl Skipped {
    /// One thing left out, with the ID people know it by (event or room ID).
    pub fn add_id(&mut self, skip: Skip, id: &str) {
        let (what, reason) = (skip.what(), skip.reason().into_owned());
        self.add(skip);
        self.ids.entry(what.to_string()).or_default().entry(reason).or_default().push(id.to_string());
    }

    /// Every recorded ID, sorted within each (what, reason).
    pub fn ids(&self) -> ByReason<Vec<String>> {
        let mut ids = self.ids.clone();
        ids.values_mut().flat_map(|m| m.values_mut()).for_each(|v| v.sort());
        ids
    }

    /// One thing left out.
    pub fn add(&mut self, skip: Skip) {
        self.add_n(skip, 1);
    }

    pub fn add_n(&mut self, skip: Skip, n: u64) {
        if n == 0 {
            return;
        }
        *self.counts.entry(skip.what().to_string()).or_default().entry(skip.reason().into_owned()).or_default() += n;
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, u64)> {
        self.counts.iter().flat_map(|(w, m)| m.iter().map(move |(r, n)| (w.as_str(), r.as_str(), *n)))
    }

    /// The summary's note of the IDs behind one (what, reason), if any were recorded.
    fn ids_note(&self, what: &str, reason: &str) -> Option<String> {
        let mut ids = self.ids.get(what)?.get(reason)?.clone();
        ids.sort();
        let shown = ids.iter().take(IDS_IN_SUMMARY).cloned().collect::<Vec<_>>().join(", ");
        let more = ids.len().saturating_sub(IDS_IN_SUMMARY);
        Some(if more > 0 { format!("{shown} and {more} more (all in --report)") } else { shown })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct InputReport {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The whole run, as `--report` writes it.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub tool_version: String,
    pub server_name: String,
    pub inputs: Vec<InputReport>,
    /// (Synapse table, rows written), in the order the tables were filled.
    pub rows: Vec<(String, u64)>,
    pub skipped: Skipped,
    /// what → reason → every event or room ID left out (or changed) for it.
    pub left_out_ids: ByReason<Vec<String>>,
    /// Stream ids the converter assigned start above this (docs/convert.md, "The stream base").
    pub stream_base: i64,
    /// Dendrite-prefixed tables this tool does not know (not carried).
    pub unknown_tables: Vec<UnknownTable>,
    /// Carried as they are, but served differently by Synapse (warnings).
    pub caveats: Vec<Caveat>,
}

impl Report {
    /// The summary for people, on stderr.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "server name: {}", self.server_name);
        let _ = writeln!(s, "rows written per Synapse table:");
        let width = self.rows.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
        for (table, n) in &self.rows {
            let _ = writeln!(s, "  {table:width$}  {n:>10}");
        }
        for t in &self.unknown_tables {
            let _ = writeln!(s, "warning: {}", t.warning());
        }
        for c in &self.caveats {
            let _ = writeln!(s, "warning: {}", c.warning());
        }
        if self.skipped.is_empty() {
            let _ = writeln!(s, "nothing skipped");
        } else {
            let _ = writeln!(s, "not carried over:");
            for (what, reason, n) in self.skipped.iter() {
                let _ = writeln!(s, "  {what}: {n} ({reason})");
                if let Some(note) = self.skipped.ids_note(what, reason) {
                    let _ = writeln!(s, "      {note}");
                }
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_are_counted_per_reason_in_sorted_order() {
        let mut s = Skipped::default();
        s.add(Skip::StubRoom);
        s.add(Skip::RoomVersion("x".into()));
        s.add(Skip::AliasOfSkippedRoom);
        s.add(Skip::StubRoom);
        s.add_n(Skip::InviteJson, 0);
        let got: Vec<_> = s.iter().collect();
        let room_version = "room version \"x\" cannot be hosted by Synapse";
        let stub = "stub room (no events, no pending invite for a local user)";
        assert_eq!(
            got,
            vec![
                ("roomserver_room_aliases", "alias of a room that is not carried over", 1),
                ("roomserver_rooms", room_version, 1),
                ("roomserver_rooms", stub, 2)
            ]
        );
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.starts_with(r#"{"roomserver_room_aliases":{"alias of a room that is not carried over":1},"#));
    }

    #[test]
    fn data_carrying_reasons_keep_their_wording() {
        let media = Skip::MediaRefused("mediaapi_thumbnail", "resize_method", "not crop or scale".into());
        assert_eq!((media.what(), &*media.reason()), ("mediaapi_thumbnail", "resize_method: not crop or scale"));
        let push = Skip::PushDefaultUnknown("override", ".m.rule.x".into());
        assert_eq!(push.reason(), "server-default rule override/.m.rule.x that Synapse does not have");
        assert_eq!(Skip::AccountDataNotJson("m.direct".into()).reason(), "m.direct: content is not JSON");
    }

    #[test]
    fn ids_are_counted_listed_sorted_and_summarised() {
        let mut s = Skipped::default();
        for id in ["$d", "$b", "$a", "$c"] {
            s.add_id(Skip::EventJsonMissing, id);
        }
        s.add(Skip::EventJsonMissing); // one without an ID still counts
        let (what, reason) = ("roomserver_events", "no roomserver_event_json row");
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![(what, reason, 5)]);
        assert_eq!(s.ids()[what][reason], ["$a", "$b", "$c", "$d"]);
        assert_eq!(s.ids_note(what, reason).unwrap(), "$a, $b, $c and 1 more (all in --report)");
        assert_eq!(s.ids_note(what, "other"), None);
    }
}
