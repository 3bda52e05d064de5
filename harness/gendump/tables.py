"""COPY data of a Dendrite v0.13.8 database, streamed to one spool file per table, then joined
with the schema a real Dendrite created into a plain `pg_dump`-style file.

How it works: `Tables.row(table, *values)` appends one COPY text line to the table's spool
(values: None -> `\\N`, bool -> `t`/`f`, int, str escaped, list -> `{1,2}` array literal).
`Tables.write_dump(path)` writes `schema/pre-data.sql`, every table's `COPY ... FROM stdin;`
block in name order (the order pg_dump uses), the sequence positions, then
`schema/post-data.sql` (constraints and indexes, built after the data like a real restore).

Traps: COPY text escapes backslash, tab, newline and carriage return; JSON strings escape
control characters themselves, so only the JSON's own backslashes get doubled. Array literals
here only hold integers and event IDs, which never need quoting.
"""

import os
import shutil

SCHEMA_DIR = os.path.join(os.path.dirname(__file__), "schema")

# Column lists as the real Dendrite v0.13.8 creates them (fresh database order).
COLUMNS = {
    "db_migrations": 'version, "time", dendrite_version',
    "federationsender_joined_hosts": "room_id, event_id, server_name",
    "roomserver_event_json": "event_nid, event_json",
    "roomserver_event_state_keys": "event_state_key_nid, event_state_key",
    "roomserver_event_types": "event_type_nid, event_type",
    "roomserver_events": "event_nid, room_nid, event_type_nid, event_state_key_nid, sent_to_output, "
    "state_snapshot_nid, depth, event_id, auth_event_nids, is_rejected",
    "roomserver_invites": "invite_event_id, room_nid, target_nid, sender_nid, retired, invite_event_json",
    "roomserver_membership": "room_nid, target_nid, sender_nid, membership_nid, event_nid, target_local, forgotten",
    "roomserver_previous_events": "previous_event_id, event_nids",
    "roomserver_published": "room_id, appservice_id, network_id, published",
    "roomserver_redactions": "redaction_event_id, redacts_event_id, validated",
    "roomserver_room_aliases": "alias, room_id, creator_id",
    "roomserver_rooms": "room_nid, room_id, latest_event_nids, last_event_sent_nid, state_snapshot_nid, room_version",
    "roomserver_state_block": "state_block_nid, state_block_hash, event_nids",
    "roomserver_state_snapshots": "state_snapshot_nid, state_snapshot_hash, room_nid, state_block_nids",
    "syncapi_account_data_type": "id, user_id, room_id, type",
    "syncapi_backward_extremities": "room_id, event_id, prev_event_id",
    "syncapi_current_room_state": "room_id, event_id, type, sender, contains_url, state_key, headered_event_json, "
    "membership, added_at, history_visibility",
    "syncapi_invite_events": "id, event_id, room_id, target_user_id, headered_event_json, deleted",
    "syncapi_memberships": "room_id, user_id, membership, event_id, stream_pos, topological_pos",
    "syncapi_output_room_events": "id, event_id, room_id, headered_event_json, type, sender, contains_url, "
    "add_state_ids, remove_state_ids, session_id, transaction_id, exclude_from_sync, history_visibility",
    "syncapi_output_room_events_topology": "event_id, topological_position, stream_position, room_id",
    "syncapi_presence": "id, user_id, presence, status_msg, last_active_ts",
    "syncapi_receipts": "id, room_id, receipt_type, user_id, event_id, receipt_ts",
    "syncapi_relations": "id, room_id, event_id, child_event_id, child_event_type, rel_type",
    "syncapi_send_to_device": "id, user_id, device_id, content",
    "userapi_account_datas": "localpart, server_name, room_id, type, content",
    "userapi_accounts": "localpart, server_name, created_ts, password_hash, appservice_id, is_deactivated, "
    "account_type",
    "userapi_devices": "access_token, session_id, device_id, localpart, server_name, created_ts, display_name, "
    "last_seen_ts, ip, user_agent",
    "userapi_key_backup_versions": "user_id, version, algorithm, auth_data, etag, deleted",
    "userapi_key_backups": "user_id, room_id, session_id, version, first_message_index, forwarded_count, is_verified, "
    "session_data",
    "userapi_notifications": "id, localpart, server_name, room_id, event_id, stream_pos, ts_ms, highlight, "
    "notification_json, read",
    "syncapi_notification_data": "id, user_id, room_id, notification_count, highlight_count",
    "userapi_pushers": "id, localpart, server_name, session_id, profile_tag, kind, app_id, app_display_name, "
    "device_display_name, pushkey, pushkey_ts_ms, lang, data",
    "userapi_profiles": "localpart, server_name, display_name, avatar_url",
    "keyserver_device_keys": "user_id, device_id, ts_added_secs, key_json, stream_id, display_name",
    "keyserver_one_time_keys": "user_id, device_id, key_id, algorithm, ts_added_secs, key_json",
    "keyserver_key_changes": "change_id, user_id",
    "keyserver_cross_signing_keys": "user_id, key_type, key_data",
    "keyserver_cross_signing_sigs": "origin_user_id, origin_key_id, target_user_id, target_key_id, signature",
    "mediaapi_media_repository": "media_id, media_origin, content_type, file_size_bytes, creation_ts, upload_name, "
    "base64hash, user_id",
}

def field(v):
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "{" + ",".join(str(x) for x in v) + "}"
    if isinstance(v, bytes):
        return "\\\\x" + v.hex()
    if "\\" in v or "\t" in v or "\n" in v or "\r" in v:
        return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return v


class Tables:
    def __init__(self, spool_dir):
        self.dir = spool_dir
        os.makedirs(spool_dir, exist_ok=True)
        self.files = {t: open(os.path.join(spool_dir, t), "w", buffering=1 << 20) for t in COLUMNS}
        self.counts = dict.fromkeys(COLUMNS, 0)
        self.sequences = {}  # name -> last value used

    def row(self, table, *values):
        self.files[table].write("\t".join(map(field, values)) + "\n")
        self.counts[table] += 1

    def write_additions(self, out):
        """The rows as COPY blocks plus the sequence positions, to load into an existing database
        (`psql -1`): only tables that got rows, in name order."""
        for f in self.files.values():
            f.close()
        for table in sorted(t for t, n in self.counts.items() if n):
            out.write(f"COPY public.{table} ({COLUMNS[table]}) FROM stdin;\n")
            with open(os.path.join(self.dir, table)) as f:
                shutil.copyfileobj(f, out)
            out.write("\\.\n")
        for name, value in sorted(self.sequences.items()):
            out.write(f"SELECT pg_catalog.setval('public.{name}', {value}, true);\n")

    def write_dump(self, path):
        for f in self.files.values():
            f.close()
        # Mode 0600 from the start: the dump holds password hashes and access tokens.
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            with open(os.path.join(SCHEMA_DIR, "pre-data.sql")) as f:
                shutil.copyfileobj(f, out)
            for table in sorted(COLUMNS):
                out.write(f"\n--\n-- Data for Name: {table}; Type: TABLE DATA; Schema: public; Owner: -\n--\n\n")
                out.write(f"COPY public.{table} ({COLUMNS[table]}) FROM stdin;\n")
                out.flush()
                with open(os.path.join(self.dir, table)) as f:
                    shutil.copyfileobj(f, out, 1 << 22)
                out.write("\\.\n\n")
            for name, value in sorted(self.sequences.items()):
                called = "true" if value > 0 else "false"
                out.write(f"SELECT pg_catalog.setval('public.{name}', {max(value, 1)}, {called});\n")
            with open(os.path.join(SCHEMA_DIR, "post-data.sql")) as f:
                shutil.copyfileobj(f, out)
