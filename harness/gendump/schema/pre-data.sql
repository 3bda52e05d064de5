--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: db_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.db_migrations (
    version text NOT NULL,
    "time" text NOT NULL,
    dendrite_version text NOT NULL
);


--
-- Name: federationsender_assumed_offline; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.federationsender_assumed_offline (
    server_name text NOT NULL
);


--
-- Name: federationsender_blacklist; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.federationsender_blacklist (
    server_name text NOT NULL
);


--
-- Name: federationsender_inbound_peeks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.federationsender_inbound_peeks (
    room_id text NOT NULL,
    server_name text NOT NULL,
    peek_id text NOT NULL,
    creation_ts bigint NOT NULL,
    renewed_ts bigint NOT NULL,
    renewal_interval bigint NOT NULL
);


--
-- Name: federationsender_joined_hosts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.federationsender_joined_hosts (
    room_id text NOT NULL,
    event_id text NOT NULL,
    server_name text NOT NULL
);


--
-- Name: federationsender_notary_server_keys_json_pkey; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.federationsender_notary_server_keys_json_pkey
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: federationsender_notary_server_keys_json; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.federationsender_notary_server_keys_json (
    notary_id bigint DEFAULT nextval('public.federationsender_notary_server_keys_json_pkey'::regclass) NOT NULL,
    response_json text NOT NULL,
    server_name text NOT NULL,
    valid_until bigint NOT NULL
);


--
-- Name: federationsender_notary_server_keys_metadata; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.federationsender_notary_server_keys_metadata (
    notary_id bigint NOT NULL,
    server_name text NOT NULL,
    key_id text NOT NULL
);


--
-- Name: federationsender_outbound_peeks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.federationsender_outbound_peeks (
    room_id text NOT NULL,
    server_name text NOT NULL,
    peek_id text NOT NULL,
    creation_ts bigint NOT NULL,
    renewed_ts bigint NOT NULL,
    renewal_interval bigint NOT NULL
);


--
-- Name: federationsender_queue_edus; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.federationsender_queue_edus (
    edu_type text NOT NULL,
    server_name text NOT NULL,
    json_nid bigint NOT NULL,
    expires_at bigint DEFAULT 0 NOT NULL
);


--
-- Name: federationsender_queue_json; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.federationsender_queue_json (
    json_nid bigint NOT NULL,
    json_body text NOT NULL
);


--
-- Name: federationsender_queue_json_json_nid_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.federationsender_queue_json_json_nid_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: federationsender_queue_json_json_nid_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.federationsender_queue_json_json_nid_seq OWNED BY public.federationsender_queue_json.json_nid;


--
-- Name: federationsender_queue_pdus; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.federationsender_queue_pdus (
    transaction_id text NOT NULL,
    server_name text NOT NULL,
    json_nid bigint NOT NULL
);


--
-- Name: federationsender_relay_servers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.federationsender_relay_servers (
    server_name text NOT NULL,
    relay_server_name text NOT NULL
);


--
-- Name: keydb_server_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.keydb_server_keys (
    server_name text NOT NULL,
    server_key_id text NOT NULL,
    server_name_and_key_id text NOT NULL,
    valid_until_ts bigint NOT NULL,
    expired_ts bigint NOT NULL,
    server_key text NOT NULL
);


--
-- Name: keyserver_cross_signing_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.keyserver_cross_signing_keys (
    user_id text NOT NULL,
    key_type smallint NOT NULL,
    key_data text NOT NULL
);


--
-- Name: keyserver_cross_signing_sigs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.keyserver_cross_signing_sigs (
    origin_user_id text NOT NULL,
    origin_key_id text NOT NULL,
    target_user_id text NOT NULL,
    target_key_id text NOT NULL,
    signature text NOT NULL
);


--
-- Name: keyserver_device_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.keyserver_device_keys (
    user_id text NOT NULL,
    device_id text NOT NULL,
    ts_added_secs bigint NOT NULL,
    key_json text NOT NULL,
    stream_id bigint NOT NULL,
    display_name text
);


--
-- Name: keyserver_key_changes_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.keyserver_key_changes_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: keyserver_key_changes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.keyserver_key_changes (
    change_id bigint DEFAULT nextval('public.keyserver_key_changes_seq'::regclass) NOT NULL,
    user_id text NOT NULL
);


--
-- Name: keyserver_one_time_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.keyserver_one_time_keys (
    user_id text NOT NULL,
    device_id text NOT NULL,
    key_id text NOT NULL,
    algorithm text NOT NULL,
    ts_added_secs bigint NOT NULL,
    key_json text NOT NULL
);


--
-- Name: keyserver_stale_device_lists; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.keyserver_stale_device_lists (
    user_id text NOT NULL,
    domain text NOT NULL,
    is_stale boolean NOT NULL,
    ts_added_secs bigint NOT NULL
);


--
-- Name: mediaapi_media_repository; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.mediaapi_media_repository (
    media_id text NOT NULL,
    media_origin text NOT NULL,
    content_type text NOT NULL,
    file_size_bytes bigint NOT NULL,
    creation_ts bigint NOT NULL,
    upload_name text NOT NULL,
    base64hash text NOT NULL,
    user_id text NOT NULL
);


--
-- Name: mediaapi_thumbnail; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.mediaapi_thumbnail (
    media_id text NOT NULL,
    media_origin text NOT NULL,
    content_type text NOT NULL,
    file_size_bytes bigint NOT NULL,
    creation_ts bigint NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    resize_method text NOT NULL
);


--
-- Name: roomserver_event_json; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_event_json (
    event_nid bigint NOT NULL,
    event_json text NOT NULL
);


--
-- Name: roomserver_event_nid_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.roomserver_event_nid_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: roomserver_event_state_key_nid_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.roomserver_event_state_key_nid_seq
    START WITH 65536
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: roomserver_event_state_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_event_state_keys (
    event_state_key_nid bigint DEFAULT nextval('public.roomserver_event_state_key_nid_seq'::regclass) NOT NULL,
    event_state_key text NOT NULL
);


--
-- Name: roomserver_event_type_nid_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.roomserver_event_type_nid_seq
    START WITH 65536
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: roomserver_event_types; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_event_types (
    event_type_nid bigint DEFAULT nextval('public.roomserver_event_type_nid_seq'::regclass) NOT NULL,
    event_type text NOT NULL
);


--
-- Name: roomserver_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_events (
    event_nid bigint DEFAULT nextval('public.roomserver_event_nid_seq'::regclass) NOT NULL,
    room_nid bigint NOT NULL,
    event_type_nid bigint NOT NULL,
    event_state_key_nid bigint NOT NULL,
    sent_to_output boolean DEFAULT false NOT NULL,
    state_snapshot_nid bigint DEFAULT 0 NOT NULL,
    depth bigint NOT NULL,
    event_id text NOT NULL,
    auth_event_nids bigint[] NOT NULL,
    is_rejected boolean DEFAULT false NOT NULL
);


--
-- Name: roomserver_invites; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_invites (
    invite_event_id text NOT NULL,
    room_nid bigint NOT NULL,
    target_nid bigint NOT NULL,
    sender_nid bigint DEFAULT 0 NOT NULL,
    retired boolean DEFAULT false NOT NULL,
    invite_event_json text NOT NULL
);


--
-- Name: roomserver_membership; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_membership (
    room_nid bigint NOT NULL,
    target_nid bigint NOT NULL,
    sender_nid bigint DEFAULT 0 NOT NULL,
    membership_nid bigint DEFAULT 1 NOT NULL,
    event_nid bigint DEFAULT 0 NOT NULL,
    target_local boolean DEFAULT false NOT NULL,
    forgotten boolean DEFAULT false NOT NULL
);


--
-- Name: roomserver_previous_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_previous_events (
    previous_event_id text NOT NULL,
    event_nids bigint[] NOT NULL
);


--
-- Name: roomserver_published; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_published (
    room_id text NOT NULL,
    appservice_id text NOT NULL,
    network_id text NOT NULL,
    published boolean DEFAULT false NOT NULL
);


--
-- Name: roomserver_redactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_redactions (
    redaction_event_id text NOT NULL,
    redacts_event_id text NOT NULL,
    validated boolean NOT NULL
);


--
-- Name: roomserver_reported_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.roomserver_reported_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: roomserver_reported_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_reported_events (
    id bigint DEFAULT nextval('public.roomserver_reported_events_id_seq'::regclass) NOT NULL,
    room_nid bigint NOT NULL,
    event_nid bigint NOT NULL,
    reporting_user_nid bigint NOT NULL,
    event_sender_nid bigint NOT NULL,
    reason text,
    score integer,
    received_ts bigint NOT NULL
);


--
-- Name: roomserver_room_aliases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_room_aliases (
    alias text NOT NULL,
    room_id text NOT NULL,
    creator_id text NOT NULL
);


--
-- Name: roomserver_room_nid_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.roomserver_room_nid_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: roomserver_rooms; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_rooms (
    room_nid bigint DEFAULT nextval('public.roomserver_room_nid_seq'::regclass) NOT NULL,
    room_id text NOT NULL,
    latest_event_nids bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    last_event_sent_nid bigint DEFAULT 0 NOT NULL,
    state_snapshot_nid bigint DEFAULT 0 NOT NULL,
    room_version text NOT NULL
);


--
-- Name: roomserver_state_block_nid_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.roomserver_state_block_nid_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: roomserver_state_block; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_state_block (
    state_block_nid bigint DEFAULT nextval('public.roomserver_state_block_nid_seq'::regclass) NOT NULL,
    state_block_hash bytea,
    event_nids bigint[] NOT NULL
);


--
-- Name: roomserver_state_snapshot_nid_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.roomserver_state_snapshot_nid_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: roomserver_state_snapshots; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_state_snapshots (
    state_snapshot_nid bigint DEFAULT nextval('public.roomserver_state_snapshot_nid_seq'::regclass) NOT NULL,
    state_snapshot_hash bytea,
    room_nid bigint NOT NULL,
    state_block_nids bigint[] NOT NULL
);


--
-- Name: roomserver_user_room_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roomserver_user_room_keys (
    user_nid integer NOT NULL,
    room_nid integer NOT NULL,
    pseudo_id_key bytea,
    pseudo_id_pub_key bytea NOT NULL
);


--
-- Name: syncapi_stream_id; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.syncapi_stream_id
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: syncapi_account_data_type; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_account_data_type (
    id bigint DEFAULT nextval('public.syncapi_stream_id'::regclass) NOT NULL,
    user_id text NOT NULL,
    room_id text NOT NULL,
    type text NOT NULL
);


--
-- Name: syncapi_backward_extremities; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_backward_extremities (
    room_id text NOT NULL,
    event_id text NOT NULL,
    prev_event_id text NOT NULL
);


--
-- Name: syncapi_current_room_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_current_room_state (
    room_id text NOT NULL,
    event_id text NOT NULL,
    type text NOT NULL,
    sender text NOT NULL,
    contains_url boolean NOT NULL,
    state_key text NOT NULL,
    headered_event_json text NOT NULL,
    membership text,
    added_at bigint,
    history_visibility smallint DEFAULT 2 NOT NULL
);


--
-- Name: syncapi_filter; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_filter (
    filter text NOT NULL,
    id integer NOT NULL,
    localpart text NOT NULL
);


--
-- Name: syncapi_filter_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.syncapi_filter_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: syncapi_filter_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.syncapi_filter_id_seq OWNED BY public.syncapi_filter.id;


--
-- Name: syncapi_ignores; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_ignores (
    user_id text NOT NULL,
    ignores_json text NOT NULL
);


--
-- Name: syncapi_invite_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_invite_events (
    id bigint DEFAULT nextval('public.syncapi_stream_id'::regclass) NOT NULL,
    event_id text NOT NULL,
    room_id text NOT NULL,
    target_user_id text NOT NULL,
    headered_event_json text NOT NULL,
    deleted boolean NOT NULL
);


--
-- Name: syncapi_memberships; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_memberships (
    room_id text NOT NULL,
    user_id text NOT NULL,
    membership text NOT NULL,
    event_id text NOT NULL,
    stream_pos bigint NOT NULL,
    topological_pos bigint NOT NULL
);


--
-- Name: syncapi_notification_data; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_notification_data (
    id bigint NOT NULL,
    user_id text NOT NULL,
    room_id text NOT NULL,
    notification_count bigint DEFAULT 0 NOT NULL,
    highlight_count bigint DEFAULT 0 NOT NULL
);


--
-- Name: syncapi_notification_data_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.syncapi_notification_data_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: syncapi_notification_data_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.syncapi_notification_data_id_seq OWNED BY public.syncapi_notification_data.id;


--
-- Name: syncapi_output_room_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_output_room_events (
    id bigint DEFAULT nextval('public.syncapi_stream_id'::regclass) NOT NULL,
    event_id text NOT NULL,
    room_id text NOT NULL,
    headered_event_json text NOT NULL,
    type text NOT NULL,
    sender text NOT NULL,
    contains_url boolean NOT NULL,
    add_state_ids text[],
    remove_state_ids text[],
    session_id bigint,
    transaction_id text,
    exclude_from_sync boolean DEFAULT false,
    history_visibility smallint DEFAULT 2 NOT NULL
);


--
-- Name: syncapi_output_room_events_topology; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_output_room_events_topology (
    event_id text NOT NULL,
    topological_position bigint NOT NULL,
    stream_position bigint NOT NULL,
    room_id text NOT NULL
);


--
-- Name: syncapi_peeks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_peeks (
    id bigint DEFAULT nextval('public.syncapi_stream_id'::regclass),
    room_id text NOT NULL,
    user_id text NOT NULL,
    device_id text NOT NULL,
    deleted boolean DEFAULT false NOT NULL,
    creation_ts bigint NOT NULL
);


--
-- Name: syncapi_presence_id; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.syncapi_presence_id
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: syncapi_presence; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_presence (
    id bigint DEFAULT nextval('public.syncapi_presence_id'::regclass) NOT NULL,
    user_id text NOT NULL,
    presence integer NOT NULL,
    status_msg text,
    last_active_ts bigint NOT NULL
);


--
-- Name: syncapi_receipt_id; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.syncapi_receipt_id
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: syncapi_receipts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_receipts (
    id bigint DEFAULT nextval('public.syncapi_receipt_id'::regclass) NOT NULL,
    room_id text NOT NULL,
    receipt_type text NOT NULL,
    user_id text NOT NULL,
    event_id text NOT NULL,
    receipt_ts bigint NOT NULL
);


--
-- Name: syncapi_relation_id; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.syncapi_relation_id
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: syncapi_relations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_relations (
    id bigint DEFAULT nextval('public.syncapi_relation_id'::regclass) NOT NULL,
    room_id text NOT NULL,
    event_id text NOT NULL,
    child_event_id text NOT NULL,
    child_event_type text NOT NULL,
    rel_type text NOT NULL
);


--
-- Name: syncapi_send_to_device_id; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.syncapi_send_to_device_id
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: syncapi_send_to_device; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.syncapi_send_to_device (
    id bigint DEFAULT nextval('public.syncapi_send_to_device_id'::regclass) NOT NULL,
    user_id text NOT NULL,
    device_id text NOT NULL,
    content text NOT NULL
);


--
-- Name: userapi_account_datas; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_account_datas (
    localpart text NOT NULL,
    server_name text NOT NULL,
    room_id text,
    type text NOT NULL,
    content text NOT NULL
);


--
-- Name: userapi_accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_accounts (
    localpart text NOT NULL,
    server_name text NOT NULL,
    created_ts bigint NOT NULL,
    password_hash text,
    appservice_id text,
    is_deactivated boolean DEFAULT false,
    account_type smallint NOT NULL
);


--
-- Name: userapi_daily_stats; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_daily_stats (
    "timestamp" bigint NOT NULL,
    server_name text NOT NULL,
    messages bigint NOT NULL,
    sent_messages bigint NOT NULL,
    e2ee_messages bigint NOT NULL,
    sent_e2ee_messages bigint NOT NULL,
    active_rooms bigint NOT NULL,
    active_e2ee_rooms bigint NOT NULL
);


--
-- Name: userapi_daily_visits; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_daily_visits (
    localpart text NOT NULL,
    device_id text NOT NULL,
    "timestamp" bigint NOT NULL,
    user_agent text
);


--
-- Name: userapi_device_session_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.userapi_device_session_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: userapi_devices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_devices (
    access_token text NOT NULL,
    session_id bigint DEFAULT nextval('public.userapi_device_session_id_seq'::regclass) NOT NULL,
    device_id text NOT NULL,
    localpart text NOT NULL,
    server_name text NOT NULL,
    created_ts bigint NOT NULL,
    display_name text,
    last_seen_ts bigint NOT NULL,
    ip text,
    user_agent text
);


--
-- Name: userapi_key_backup_versions_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.userapi_key_backup_versions_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: userapi_key_backup_versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_key_backup_versions (
    user_id text NOT NULL,
    version bigint DEFAULT nextval('public.userapi_key_backup_versions_seq'::regclass),
    algorithm text NOT NULL,
    auth_data text NOT NULL,
    etag text NOT NULL,
    deleted smallint DEFAULT 0 NOT NULL
);


--
-- Name: userapi_key_backups; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_key_backups (
    user_id text NOT NULL,
    room_id text NOT NULL,
    session_id text NOT NULL,
    version text NOT NULL,
    first_message_index integer NOT NULL,
    forwarded_count integer NOT NULL,
    is_verified boolean NOT NULL,
    session_data text NOT NULL
);


--
-- Name: userapi_login_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_login_tokens (
    token text NOT NULL,
    token_expires_at timestamp without time zone NOT NULL,
    user_id text NOT NULL
);


--
-- Name: userapi_notifications; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_notifications (
    id bigint NOT NULL,
    localpart text NOT NULL,
    server_name text NOT NULL,
    room_id text NOT NULL,
    event_id text NOT NULL,
    stream_pos bigint NOT NULL,
    ts_ms bigint NOT NULL,
    highlight boolean NOT NULL,
    notification_json text NOT NULL,
    read boolean DEFAULT false NOT NULL
);


--
-- Name: userapi_notifications_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.userapi_notifications_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: userapi_notifications_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.userapi_notifications_id_seq OWNED BY public.userapi_notifications.id;


--
-- Name: userapi_openid_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_openid_tokens (
    token text NOT NULL,
    localpart text NOT NULL,
    server_name text NOT NULL,
    token_expires_at_ms bigint NOT NULL
);


--
-- Name: userapi_profiles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_profiles (
    localpart text NOT NULL,
    server_name text NOT NULL,
    display_name text,
    avatar_url text
);


--
-- Name: userapi_pushers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_pushers (
    id bigint NOT NULL,
    localpart text NOT NULL,
    server_name text NOT NULL,
    session_id bigint,
    profile_tag text,
    kind text NOT NULL,
    app_id text NOT NULL,
    app_display_name text NOT NULL,
    device_display_name text NOT NULL,
    pushkey text NOT NULL,
    pushkey_ts_ms bigint DEFAULT 0 NOT NULL,
    lang text NOT NULL,
    data text NOT NULL
);


--
-- Name: userapi_pushers_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.userapi_pushers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: userapi_pushers_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.userapi_pushers_id_seq OWNED BY public.userapi_pushers.id;


--
-- Name: userapi_registration_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_registration_tokens (
    token text NOT NULL,
    pending bigint,
    completed bigint,
    uses_allowed bigint,
    expiry_time bigint
);


--
-- Name: userapi_threepids; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userapi_threepids (
    threepid text NOT NULL,
    medium text DEFAULT 'email'::text NOT NULL,
    localpart text NOT NULL,
    server_name text NOT NULL
);


--
-- Name: federationsender_queue_json json_nid; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.federationsender_queue_json ALTER COLUMN json_nid SET DEFAULT nextval('public.federationsender_queue_json_json_nid_seq'::regclass);


--
-- Name: syncapi_filter id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_filter ALTER COLUMN id SET DEFAULT nextval('public.syncapi_filter_id_seq'::regclass);


--
-- Name: syncapi_notification_data id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_notification_data ALTER COLUMN id SET DEFAULT nextval('public.syncapi_notification_data_id_seq'::regclass);


--
-- Name: userapi_notifications id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userapi_notifications ALTER COLUMN id SET DEFAULT nextval('public.userapi_notifications_id_seq'::regclass);


--
-- Name: userapi_pushers id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userapi_pushers ALTER COLUMN id SET DEFAULT nextval('public.userapi_pushers_id_seq'::regclass);


--
-- PostgreSQL database dump complete
--


