//! `sliding_sync_joined_rooms` filled during the load, in one set-based
//! statement, instead of queuing Synapse's two updates that rebuild it
//! (`sliding_sync_prefill_joined_rooms_to_recalculate_table_bg_update`, then
//! `sliding_sync_joined_rooms_bg_update`, which works room by room in Python).
//!
//! What Synapse 1.163.2's updates compute is written down in
//! docs/synapse-schema.md §E.2; the statement computes the same. In short, one
//! row per room where a local user's `local_current_membership` is `join` and
//! whose current state holds at least one loadable event of the four types
//! the table reads (`m.room.create`, `m.room.encryption`, `m.room.name`,
//! `m.room.tombstone`, state key `""`; loadable: not rejected, JSON parses):
//!
//! - `event_stream_ordering`: the largest stream ordering of the room's
//!   events that are neither outliers nor rejected;
//! - `bump_stamp`: the same over the bump types (create, message, encrypted,
//!   sticker, call invite, poll start, beacon info), NULL unless it is > 0;
//! - `room_type`, `room_name`, `tombstone_successor_room_id`: the create's
//!   `type`, the name's `name`, the tombstone's `replacement_room` when
//!   it is a string without NUL, else NULL;
//! - `is_encrypted`: the encryption event's `algorithm` is present and not
//!   JSON null.
//!
//! A redacted event counts with empty content (none of the three redactable
//! types keeps a key the table reads; a create's redaction is ignored).
//! Whether a redaction applies is decided as Synapse's event fetcher does:
//! `redactions.recheck` false applies it; true applies it only if the
//! redaction event is loaded, not rejected, in the same room, and either does
//! not ask for a recheck (`recheck_redaction` in its internal metadata) or its
//! sender's domain is the redacted event's sender's.
//!
//! Traps:
//! - JSON with `\u0000`: PostgreSQL's `jsonb` refuses the escape, while
//!   Synapse sees a NUL and ignores a value holding one. The escape (not an
//!   escaped backslash followed by `u0000`) becomes U+FDD0, a noncharacter,
//!   and a value holding U+FDD0 counts as holding NUL.
//! - JSON PostgreSQL cannot parse (a lone surrogate escape, or not JSON at
//!   all): Synapse's fetch fails or its insert fails; the room gets no row.
//! - `room_ban_redactions` (MSC4293) would redact too; the converter never
//!   writes it, and a check refuses the load if it is not empty.
//! - The table's foreign key to `events.stream_ordering` is checked at insert:
//!   the statement runs after every event is loaded.

/// The fill, followed by the removal of both updates from `background_updates`.
pub const JOINED_ROOMS_FILL: &str = concat!(
    r#"-- sliding_sync_joined_rooms: what Synapse's own two sliding-sync joined-rooms updates compute, set-based.
\echo 'dendrite2synapse: sliding_sync_joined_rooms'
"#,
    tolerant_json_fn!("d2s_ss_json", "ufdd0"),
    r#"CREATE FUNCTION pg_temp.d2s_ss_text(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN jsonb_typeof(v) = 'string' AND strpos(v #>> '{}', U&'\FDD0') = 0 THEN v #>> '{}' END
$fn$;
DO $ss$
BEGIN
  IF EXISTS (SELECT 1 FROM room_ban_redactions) THEN
    RAISE EXCEPTION 'dendrite2synapse: room_ban_redactions is not empty; sliding_sync_joined_rooms would not be what Synapse computes; nothing was loaded';
  END IF;
END
$ss$;
INSERT INTO sliding_sync_joined_rooms
    (room_id, event_stream_ordering, bump_stamp, room_type, room_name, is_encrypted, tombstone_successor_room_id)
WITH joined AS (
  SELECT DISTINCT room_id FROM local_current_membership WHERE membership = 'join'
), state AS (
  SELECT c.room_id, c.type, pg_temp.d2s_ss_json(j.json) AS ev,
         c.type <> 'm.room.create' AND EXISTS (
           SELECT 1 FROM redactions r
            WHERE r.redacts = c.event_id
              AND (NOT r.recheck OR EXISTS (
                   SELECT 1 FROM events x JOIN event_json xj USING (event_id)
                    WHERE x.event_id = r.event_id AND x.room_id = c.room_id
                      AND NOT EXISTS (SELECT 1 FROM rejections xr WHERE xr.event_id = x.event_id)
                      AND (COALESCE(xj.internal_metadata::jsonb -> 'recheck_redaction', 'false') <> 'true'
                           OR substr(x.sender, strpos(x.sender, ':') + 1) = substr(e.sender, strpos(e.sender, ':') + 1))))
         ) AS redacted
    FROM current_state_events c
    JOIN joined USING (room_id)
    JOIN events e ON e.event_id = c.event_id
    JOIN event_json j ON j.event_id = c.event_id
   WHERE c.state_key = '' AND c.type IN ('m.room.create', 'm.room.encryption', 'm.room.name', 'm.room.tombstone')
     AND NOT EXISTS (SELECT 1 FROM rejections rj WHERE rj.event_id = c.event_id)
  OFFSET 0
), vals AS (
  SELECT room_id,
         bool_or(ev IS NULL) AS unreadable,
         max(pg_temp.d2s_ss_text(ev -> 'content' -> 'type')) FILTER (WHERE type = 'm.room.create') AS room_type,
         max(pg_temp.d2s_ss_text(ev -> 'content' -> 'name')) FILTER (WHERE type = 'm.room.name' AND NOT redacted) AS room_name,
         COALESCE(bool_or(jsonb_typeof(ev -> 'content' -> 'algorithm') IS DISTINCT FROM 'null')
                    FILTER (WHERE type = 'm.room.encryption' AND NOT redacted AND ev -> 'content' ? 'algorithm'), false) AS is_encrypted,
         max(pg_temp.d2s_ss_text(ev -> 'content' -> 'replacement_room')) FILTER (WHERE type = 'm.room.tombstone' AND NOT redacted)
           AS tombstone
    FROM state GROUP BY room_id
), positions AS (
  SELECT e.room_id, max(e.stream_ordering) AS last,
         max(e.stream_ordering) FILTER (WHERE e.type IN ('m.room.create', 'm.room.message', 'm.room.encrypted', 'm.sticker',
                                                        'm.call.invite', 'm.poll.start', 'm.beacon_info')) AS bump
    FROM events e JOIN joined USING (room_id)
   WHERE NOT e.outlier AND NOT EXISTS (SELECT 1 FROM rejections rj WHERE rj.event_id = e.event_id)
   GROUP BY e.room_id
)
SELECT v.room_id, p.last, CASE WHEN p.bump > 0 THEN p.bump END, v.room_type, v.room_name, v.is_encrypted, v.tombstone
  FROM vals v JOIN positions p USING (room_id)
 WHERE NOT v.unreadable
 ORDER BY v.room_id;
DELETE FROM background_updates WHERE update_name IN ('sliding_sync_prefill_joined_rooms_to_recalculate_table_bg_update',
                                                     'sliding_sync_joined_rooms_bg_update');

"#
);
