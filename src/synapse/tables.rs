//! Every Synapse table the converter fills: one row struct per table (two
//! where a second block fills only some columns), one COPY block per entry,
//! in load order.
//!
//! The order is the order below, and it is the order of the foreign keys and
//! triggers of Synapse's schema: accounts before everything that names a user
//! or device, rooms before events, events before everything that names an
//! event (docs/synapse-schema.md §L). The integration test
//! `scripts/tests/21-synapse-writer` reads the foreign keys of a schema
//! Synapse itself created and checks this order against them, and checks that
//! every column below exists there with a type its field can fill
//! ([`row`](super::row) lists the field types).
//!
//! How to add a table: declare its row here, at the place its foreign keys
//! allow, with the columns the converter fills (the rest keep Synapse's
//! defaults); give its rows to the new `Tables` field in `convert`.

use super::row::{tables, Bytes, Flag, Instance, Text};

tables! {
    // ── accounts and sessions (convert/accounts.rs) ─────────────────────────
    users: "users" => User<'a> {
        name: Text<'a>,
        password_hash: Option<Text<'a>>,
        /// Seconds (Dendrite: milliseconds).
        creation_ts: i64,
        admin: Flag,
        is_guest: Flag,
        appservice_id: Option<Text<'a>>,
        deactivated: Flag,
        shadow_banned: bool,
        approved: bool,
    }
    profiles: "profiles" => Profile<'a> {
        /// The localpart.
        user_id: Text<'a>,
        full_user_id: Text<'a>,
        displayname: Option<Text<'a>>,
        avatar_url: Option<Text<'a>>,
    }
    devices: "devices" => Device<'a> {
        user_id: Text<'a>,
        device_id: Text<'a>,
        display_name: Option<Text<'a>>,
        last_seen: i64,
        ip: Option<Text<'a>>,
        user_agent: Option<Text<'a>>,
        hidden: bool,
    }
    access_tokens: "access_tokens" => AccessToken<'a> {
        id: i64,
        user_id: Text<'a>,
        device_id: Text<'a>,
        token: Text<'a>,
        valid_until_ms: Option<i64>,
        last_validated: i64,
        used: bool,
    }
    user_threepids: "user_threepids" => UserThreepid<'a> {
        user_id: Text<'a>,
        medium: Text<'a>,
        address: Text<'a>,
        validated_at: i64,
        added_at: i64,
    }

    // ── rooms and the directory (convert/rooms.rs) ──────────────────────────
    rooms: "rooms" => Room<'a> {
        room_id: Text<'a>,
        is_public: bool,
        creator: Option<Text<'a>>,
        room_version: Text<'a>,
        has_auth_chain_index: bool,
    }
    room_aliases: "room_aliases" => RoomAlias<'a> {
        room_alias: Text<'a>,
        room_id: Text<'a>,
        creator: Text<'a>,
    }
    room_alias_servers: "room_alias_servers" => RoomAliasServer<'a> {
        room_alias: Text<'a>,
        server: Text<'a>,
    }
    appservice_room_list: "appservice_room_list" => AppserviceRoom<'a> {
        appservice_id: Text<'a>,
        network_id: Text<'a>,
        room_id: Text<'a>,
    }

    // ── events (convert/events.rs, convert/invites.rs) ──────────────────────
    events: "events" => Event<'a> {
        topological_ordering: i64,
        event_id: Text<'a>,
        event_type as "type": Text<'a>,
        room_id: Text<'a>,
        processed: bool,
        outlier: bool,
        depth: i64,
        origin_server_ts: Option<i64>,
        received_ts: i64,
        sender: Option<Text<'a>>,
        contains_url: bool,
        instance_name: Instance,
        stream_ordering: i64,
        state_key: Option<Text<'a>>,
        rejection_reason: Option<Text<'a>>,
    }
    event_json: "event_json" => EventJson<'a> {
        event_id: Text<'a>,
        room_id: Text<'a>,
        internal_metadata: Text<'a>,
        json: Text<'a>,
        format_version: i64,
    }
    state_events: "state_events" => StateEvent<'a> {
        event_id: Text<'a>,
        room_id: Text<'a>,
        event_type as "type": Text<'a>,
        state_key: Text<'a>,
    }
    rejections: "rejections" => Rejection<'a> {
        event_id: Text<'a>,
        reason: Text<'a>,
        last_check: Text<'a>,
    }
    /// Pending invites to rooms this server is not in (out-of-band memberships).
    out_of_band_events: again Event<'a>,
    out_of_band_event_json: again EventJson<'a>,
    out_of_band_state_events: again StateEvent<'a>,

    // ── the event graph, relations, state groups (dag, relations, groups) ───
    event_edges: "event_edges" => EventEdge<'a> {
        event_id: Text<'a>,
        prev_event_id: Text<'a>,
    }
    event_auth: "event_auth" => EventAuth<'a> {
        event_id: Text<'a>,
        auth_id: Text<'a>,
        room_id: Text<'a>,
    }
    /// The auth chain cover index (convert/chain_cover.rs).
    event_auth_chains: "event_auth_chains" => EventAuthChain<'a> {
        event_id: Text<'a>,
        chain_id: i64,
        sequence_number: i64,
    }
    event_auth_chain_links: "event_auth_chain_links" => EventAuthChainLink {
        origin_chain_id: i64,
        origin_sequence_number: i64,
        target_chain_id: i64,
        target_sequence_number: i64,
    }
    event_auth_chain_to_calculate: "event_auth_chain_to_calculate" => EventAuthChainToCalculate<'a> {
        event_id: Text<'a>,
        room_id: Text<'a>,
        event_type as "type": Text<'a>,
        state_key: Text<'a>,
    }
    redactions: "redactions" => Redaction<'a> {
        event_id: Text<'a>,
        redacts: Text<'a>,
        have_censored: bool,
        received_ts: i64,
        recheck: bool,
    }
    event_relations: "event_relations" => EventRelation<'a> {
        event_id: Text<'a>,
        relates_to_id: Text<'a>,
        relation_type: Text<'a>,
        aggregation_key: Option<Text<'a>>,
    }
    threads: "threads" => Thread<'a> {
        room_id: Text<'a>,
        thread_id: Text<'a>,
        latest_event_id: Text<'a>,
        topological_ordering: i64,
        stream_ordering: i64,
    }
    state_groups: "state_groups" => StateGroup<'a> {
        id: i64,
        room_id: Text<'a>,
        event_id: Text<'a>,
    }
    state_group_edges: "state_group_edges" => StateGroupEdge {
        state_group: i64,
        prev_state_group: i64,
    }
    state_groups_state: "state_groups_state" => StateGroupState<'a> {
        state_group: i64,
        room_id: Text<'a>,
        event_type as "type": Text<'a>,
        state_key: Text<'a>,
        event_id: Text<'a>,
    }
    event_to_state_groups: "event_to_state_groups" => EventToStateGroup<'a> {
        event_id: Text<'a>,
        state_group: i64,
    }
    room_depth: "room_depth" => RoomDepth<'a> {
        room_id: Text<'a>,
        min_depth: i64,
    }
    event_forward_extremities: "event_forward_extremities" => ForwardExtremity<'a> {
        event_id: Text<'a>,
        room_id: Text<'a>,
    }
    event_backward_extremities: "event_backward_extremities" => BackwardExtremity<'a> {
        event_id: Text<'a>,
        room_id: Text<'a>,
    }

    // ── membership and current state (convert/membership.rs, invites.rs) ────
    room_memberships: "room_memberships" => RoomMembership<'a> {
        event_id: Text<'a>,
        user_id: Text<'a>,
        sender: Text<'a>,
        room_id: Text<'a>,
        membership: Text<'a>,
        forgotten: Flag,
        display_name: Option<Text<'a>>,
        avatar_url: Option<Text<'a>>,
        event_stream_ordering: i64,
        participant: bool,
    }
    current_state_events: "current_state_events" => CurrentStateEvent<'a> {
        event_id: Text<'a>,
        room_id: Text<'a>,
        event_type as "type": Text<'a>,
        state_key: Text<'a>,
        membership: Option<Text<'a>>,
        event_stream_ordering: i64,
    }
    local_current_membership: "local_current_membership" => LocalCurrentMembership<'a> {
        room_id: Text<'a>,
        user_id: Text<'a>,
        event_id: Text<'a>,
        membership: Text<'a>,
        event_stream_ordering: i64,
    }
    /// An out-of-band invite's membership: no profile, never forgotten.
    out_of_band_memberships: "room_memberships" => OutOfBandMembership<'a> {
        event_id: Text<'a>,
        user_id: Text<'a>,
        sender: Text<'a>,
        room_id: Text<'a>,
        membership: Text<'a>,
        event_stream_ordering: i64,
    }
    out_of_band_local_membership: again LocalCurrentMembership<'a>,
    /// Only `guest_access`: Synapse's stats rebuild fills the other columns.
    room_guest_access: "room_stats_state" => RoomGuestAccess<'a> {
        room_id: Text<'a>,
        guest_access: Text<'a>,
    }

    // ── receipts (convert/receipts.rs) ──────────────────────────────────────
    receipts_linearized: "receipts_linearized" => ReceiptLinearized<'a> {
        stream_id: i64,
        room_id: Text<'a>,
        receipt_type: Text<'a>,
        user_id: Text<'a>,
        event_id: Text<'a>,
        data: Text<'a>,
        instance_name: Instance,
        event_stream_ordering: Option<i64>,
        thread_id: Option<Text<'a>>,
    }
    receipts_graph: "receipts_graph" => ReceiptGraph<'a> {
        room_id: Text<'a>,
        receipt_type: Text<'a>,
        user_id: Text<'a>,
        event_ids: Text<'a>,
        data: Text<'a>,
        thread_id: Option<Text<'a>>,
    }

    // ── end-to-end encryption (convert/e2ee.rs) ─────────────────────────────
    e2e_device_keys_json: "e2e_device_keys_json" => DeviceKeys<'a> {
        user_id: Text<'a>,
        device_id: Text<'a>,
        ts_added_ms: i64,
        key_json: Text<'a>,
    }
    e2e_one_time_keys_json: "e2e_one_time_keys_json" => OneTimeKey<'a> {
        user_id: Text<'a>,
        device_id: Text<'a>,
        algorithm: Text<'a>,
        key_id: Text<'a>,
        ts_added_ms: i64,
        key_json: Text<'a>,
    }
    e2e_fallback_keys_json: "e2e_fallback_keys_json" => FallbackKey<'a> {
        user_id: Text<'a>,
        device_id: Text<'a>,
        algorithm: Text<'a>,
        key_id: Text<'a>,
        key_json: Text<'a>,
        used: bool,
    }
    /// The hidden device Synapse keeps per cross-signing key (its device ID is the public key).
    cross_signing_devices: "devices" => HiddenDevice<'a> {
        user_id: Text<'a>,
        device_id: Text<'a>,
        display_name: Text<'a>,
        hidden: bool,
    }
    e2e_cross_signing_keys: "e2e_cross_signing_keys" => CrossSigningKey<'a> {
        user_id: Text<'a>,
        keytype: Text<'a>,
        keydata: Text<'a>,
        stream_id: i64,
        instance_name: Instance,
    }
    e2e_cross_signing_signatures: "e2e_cross_signing_signatures" => CrossSigningSignature<'a> {
        user_id: Text<'a>,
        key_id: Text<'a>,
        target_user_id: Text<'a>,
        target_device_id: Text<'a>,
        signature: Text<'a>,
    }
    e2e_room_keys_versions: "e2e_room_keys_versions" => RoomKeysVersion<'a> {
        user_id: Text<'a>,
        version: i64,
        algorithm: Text<'a>,
        auth_data: Text<'a>,
        deleted: Flag,
        etag: i64,
    }
    e2e_room_keys: "e2e_room_keys" => RoomKey<'a> {
        user_id: Text<'a>,
        room_id: Text<'a>,
        session_id: Text<'a>,
        version: i64,
        first_message_index: i64,
        forwarded_count: i64,
        is_verified: bool,
        session_data: Text<'a>,
    }
    device_inbox: "device_inbox" => DeviceInbox<'a> {
        user_id: Text<'a>,
        device_id: Text<'a>,
        stream_id: i64,
        message_json: Text<'a>,
        instance_name: Instance,
    }
    device_lists_stream: "device_lists_stream" => DeviceListsStream<'a> {
        stream_id: i64,
        user_id: Text<'a>,
        device_id: Text<'a>,
        instance_name: Instance,
    }
    device_lists_changes_in_room: "device_lists_changes_in_room" => DeviceListsChangeInRoom<'a> {
        user_id: Text<'a>,
        device_id: Text<'a>,
        room_id: Text<'a>,
        stream_id: i64,
        converted_to_destinations: bool,
        instance_name: Instance,
    }

    // ── account data, push rules, other user data (account_data, push, user_extras)
    account_data: "account_data" => AccountData<'a> {
        user_id: Text<'a>,
        account_data_type: Text<'a>,
        stream_id: i64,
        content: Text<'a>,
        instance_name: Instance,
    }
    room_account_data: "room_account_data" => RoomAccountData<'a> {
        user_id: Text<'a>,
        room_id: Text<'a>,
        account_data_type: Text<'a>,
        stream_id: i64,
        content: Text<'a>,
        instance_name: Instance,
    }
    room_tags: "room_tags" => RoomTag<'a> {
        user_id: Text<'a>,
        room_id: Text<'a>,
        tag: Text<'a>,
        content: Text<'a>,
    }
    room_tags_revisions: "room_tags_revisions" => RoomTagsRevision<'a> {
        user_id: Text<'a>,
        room_id: Text<'a>,
        stream_id: i64,
        instance_name: Instance,
    }
    ignored_users: "ignored_users" => IgnoredUser<'a> {
        ignorer_user_id: Text<'a>,
        ignored_user_id: Text<'a>,
    }
    push_rules: "push_rules" => PushRule<'a> {
        id: i64,
        user_name: Text<'a>,
        rule_id: Text<'a>,
        priority_class: i64,
        priority: i64,
        conditions: Text<'a>,
        actions: Text<'a>,
    }
    push_rules_enable: "push_rules_enable" => PushRuleEnable<'a> {
        id: i64,
        user_name: Text<'a>,
        rule_id: Text<'a>,
        enabled: Flag,
    }
    push_rules_stream: "push_rules_stream" => PushRulesStream<'a> {
        stream_id: i64,
        event_stream_ordering: i64,
        user_id: Text<'a>,
        rule_id: Text<'a>,
        op: Text<'a>,
        instance_name: Instance,
    }
    pushers: "pushers" => Pusher<'a> {
        id: i64,
        user_name: Text<'a>,
        access_token: Option<i64>,
        profile_tag: Text<'a>,
        kind: Text<'a>,
        app_id: Text<'a>,
        app_display_name: Text<'a>,
        device_display_name: Text<'a>,
        pushkey: Text<'a>,
        ts: i64,
        lang: Text<'a>,
        data: Text<'a>,
        last_stream_ordering: i64,
        enabled: bool,
        device_id: Option<Text<'a>>,
        instance_name: Instance,
    }
    user_filters: "user_filters" => UserFilter<'a> {
        /// The localpart.
        user_id: Text<'a>,
        full_user_id: Text<'a>,
        filter_id: i64,
        filter_json: Bytes<'a>,
    }
    presence_stream: "presence_stream" => Presence<'a> {
        stream_id: i64,
        user_id: Text<'a>,
        state: Text<'a>,
        last_active_ts: i64,
        last_federation_update_ts: i64,
        last_user_sync_ts: i64,
        status_msg: Option<Text<'a>>,
        currently_active: bool,
        instance_name: Instance,
    }
    registration_tokens: "registration_tokens" => RegistrationToken<'a> {
        token: Text<'a>,
        uses_allowed: Option<i64>,
        pending: i64,
        completed: i64,
        expiry_time: Option<i64>,
    }
    // ── notifications (convert/notifications.rs) ────────────────────────────
    event_push_actions: "event_push_actions" => EventPushAction<'a> {
        room_id: Text<'a>,
        event_id: Text<'a>,
        user_id: Text<'a>,
        profile_tag: Text<'a>,
        actions: Text<'a>,
        topological_ordering: i64,
        stream_ordering: i64,
        notif: Flag,
        highlight: Flag,
        unread: Flag,
        thread_id: Text<'a>,
    }

    // ── media (convert/media.rs) ────────────────────────────────────────────
    local_media_repository: "local_media_repository" => LocalMedia<'a> {
        media_id: Text<'a>,
        media_type: Text<'a>,
        media_length: i64,
        created_ts: i64,
        upload_name: Option<Text<'a>>,
        user_id: Option<Text<'a>>,
        quarantined_by: Option<Text<'a>>,
        url_cache: Option<Text<'a>>,
        last_access_ts: Option<i64>,
        safe_from_quarantine: bool,
        authenticated: bool,
        sha256: Text<'a>,
    }
    local_media_repository_thumbnails: "local_media_repository_thumbnails" => LocalThumbnail<'a> {
        media_id: Text<'a>,
        thumbnail_width: i64,
        thumbnail_height: i64,
        thumbnail_type: Text<'a>,
        thumbnail_method: Text<'a>,
        thumbnail_length: i64,
    }
    remote_media_cache: "remote_media_cache" => RemoteMedia<'a> {
        media_origin: Text<'a>,
        media_id: Text<'a>,
        media_type: Text<'a>,
        created_ts: i64,
        upload_name: Option<Text<'a>>,
        media_length: i64,
        filesystem_id: Text<'a>,
        last_access_ts: i64,
        quarantined_by: Option<Text<'a>>,
        authenticated: bool,
        sha256: Text<'a>,
    }
    remote_media_cache_thumbnails: "remote_media_cache_thumbnails" => RemoteThumbnail<'a> {
        media_origin: Text<'a>,
        media_id: Text<'a>,
        thumbnail_width: i64,
        thumbnail_height: i64,
        thumbnail_method: Text<'a>,
        thumbnail_type: Text<'a>,
        thumbnail_length: i64,
        filesystem_id: Text<'a>,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::collections::BTreeSet;

    use super::*;
    use crate::synapse::row::{FieldNul, Row};

    fn encoded<R: Row>(row: &R) -> String {
        let mut out = Vec::new();
        row.encode(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The COPY text of a declared row, written out by hand from the rules in
    /// PostgreSQL's COPY documentation: tab-separated fields in column order,
    /// `\N` for NULL, `t`/`f` for booleans, backslash escapes in text.
    #[test]
    fn a_row_is_its_fields_in_column_order() {
        let event = Event {
            topological_ordering: 7,
            event_id: "$e".into(),
            event_type: "m.room.member".into(),
            room_id: "!r:s".into(),
            processed: true,
            outlier: false,
            depth: 7,
            origin_server_ts: None,
            received_ts: 9,
            sender: Some("@a\tb:s".into()),
            contains_url: false,
            instance_name: Instance,
            stream_ordering: -3,
            state_key: Some(Cow::Borrowed("")),
            rejection_reason: None,
        };
        assert_eq!(encoded(&event), "7\t$e\tm.room.member\t!r:s\tt\tf\t7\t\\N\t9\t@a\\tb:s\tf\tmaster\t-3\t\t\\N");
        assert_eq!(Event::COLUMNS[2], "type", "a keyword column keeps its SQL name");
        let version = RoomKeysVersion {
            user_id: "@a:s".into(),
            version: 2,
            algorithm: "m".into(),
            auth_data: "{}".into(),
            deleted: Flag(true),
            etag: 0,
        };
        assert_eq!(encoded(&version), "@a:s\t2\tm\t{}\t1\t0", "a smallint flag is 1/0, not t/f");
        let filter = UserFilter {
            user_id: "a".into(),
            full_user_id: "@a:s".into(),
            filter_id: 1,
            filter_json: Bytes(b"{}"[..].into()),
        };
        assert_eq!(encoded(&filter), "a\t@a:s\t1\t\\\\x7b7d");
    }

    #[test]
    fn a_nul_byte_names_its_column() {
        let alias = RoomAlias { room_alias: "#a:s".into(), room_id: "!r\0:s".into(), creator: "@c:s".into() };
        let err = alias.encode(&mut Vec::new()).unwrap_err();
        assert_eq!(err, FieldNul { column: 1, nul: crate::synapse::copy_text::NulByte { offset: 2 } });
    }

    #[test]
    fn declarations_are_consistent() {
        let declared = Tables::declared();
        assert_eq!(declared.len(), Tables::default().blocks().len());
        let blocks: BTreeSet<&str> = declared.iter().map(|d| d.block).collect();
        assert_eq!(blocks.len(), declared.len(), "block names are unique");
        for d in &declared {
            let names: BTreeSet<&str> = d.columns.iter().map(|c| c.name).collect();
            assert_eq!(names.len(), d.columns.len(), "{}: columns are unique", d.block);
            assert!(d.columns.iter().all(|c| !c.types.is_empty()), "{}", d.block);
        }
        // A table filled by several blocks: the first block of each comes first in load order.
        let order: Vec<&str> = declared.iter().map(|d| d.table).collect();
        let pos = |t: &str| order.iter().position(|x| *x == t).unwrap();
        assert!(pos("users") < pos("devices") && pos("rooms") < pos("events") && pos("events") < pos("event_json"));
    }
}
