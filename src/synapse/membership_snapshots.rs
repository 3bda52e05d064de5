//! `sliding_sync_membership_snapshots` filled during the load, in one
//! set-based statement, instead of queuing Synapse's update
//! `sliding_sync_membership_snapshots_bg_update`, which walks
//! `local_current_membership` in Python batches.
//!
//! What Synapse 1.163.2's update computes is written down in
//! docs/synapse-schema.md §E.3; the statement computes the same. One row per
//! `local_current_membership` row in a room of a known version, with the
//! membership event's sender, stream ordering and instance, the `forgotten` flag
//! of its `room_memberships` row, and four room facts taken from one of three
//! sources, by membership:
//!
//! - `join`: the room's current state, exactly as for `sliding_sync_joined_rooms`
//!   (the functions of [`JOINED_ROOMS_FILL`](super::sliding_sync::JOINED_ROOMS_FILL),
//!   which runs first, parse and read the JSON). No relevant current state at all:
//!   a row with `has_known_state` false;
//! - `leave`/`ban` of a non-outlier: the state at the membership event, from the
//!   state groups (the delta chain walked up, the entry of the highest group
//!   wins, as Synapse's state store reads it). Nothing loadable: no row;
//! - `invite`/`knock`, and `leave`/`ban` of an outlier (a rejected invite, a
//!   retracted knock): the stripped state in the invite's `unsigned`
//!   (`invite_room_state`) or the knock's (`knock_room_state`); for the outlier,
//!   from the user's newest earlier invite or knock in `room_memberships` by
//!   topological ordering. The state counts only if it holds a create event;
//!   otherwise `has_known_state` is false.
//!
//! Traps:
//! - Synapse's update asserts that a joined or left room yields at least one
//!   value; a create whose `type` is not a string, with no encryption, name or
//!   tombstone, yields none, and the update then fails on every run. The row
//!   written here is the one Synapse writes when such a membership is persisted
//!   live: known state, the column defaults.
//! - Synapse's start-up check re-queues the update whenever the table is empty
//!   while `local_current_membership` is not, or holds a membership newer than
//!   the table's newest row: the table must be filled, not left to Synapse.
//! - A redacted invite or knock keeps no stripped state (pruning drops it).
//! - Stripped values that are not strings: Synapse's update stops or stores a
//!   text form; here they are NULL, like a value holding NUL.
//! - A membership outside the five Synapse knows stops its update; a room
//!   without a `rooms` row gets one from it. The converter writes neither; the
//!   statement leaves such rows out rather than fail the load (the table's
//!   foreign key to `rooms` would).

/// The fill, followed by the removal of the update from `background_updates`.
/// Runs after [`JOINED_ROOMS_FILL`](super::sliding_sync::JOINED_ROOMS_FILL) (its
/// `pg_temp` functions).
pub const MEMBERSHIP_SNAPSHOTS_FILL: &str = r#"-- sliding_sync_membership_snapshots: what Synapse's own membership-snapshots update computes, set-based.
\echo 'dendrite2synapse: sliding_sync_membership_snapshots'
CREATE FUNCTION pg_temp.d2s_ms_redacted(target text, target_sender text, room text) RETURNS boolean LANGUAGE sql STABLE AS $fn$
  SELECT EXISTS (
    SELECT 1 FROM redactions r
     WHERE r.redacts = target
       AND (NOT r.recheck OR EXISTS (
            SELECT 1 FROM events x JOIN event_json xj USING (event_id)
             WHERE x.event_id = r.event_id AND x.room_id = room
               AND NOT EXISTS (SELECT 1 FROM rejections xr WHERE xr.event_id = x.event_id)
               AND (COALESCE(xj.internal_metadata::jsonb -> 'recheck_redaction', 'false') <> 'true'
                    OR substr(x.sender, strpos(x.sender, ':') + 1) = substr(target_sender, strpos(target_sender, ':') + 1)))))
$fn$;
INSERT INTO sliding_sync_membership_snapshots
    (room_id, user_id, sender, membership_event_id, membership, forgotten, event_stream_ordering, event_instance_name,
     has_known_state, room_type, room_name, is_encrypted, tombstone_successor_room_id)
WITH RECURSIVE member AS (
  SELECT c.room_id, c.user_id, c.event_id, c.membership, e.sender, e.stream_ordering, e.outlier,
         COALESCE(e.instance_name, 'master') AS instance,
         CASE WHEN c.membership = 'join' THEN 'current'
              WHEN c.membership IN ('leave', 'ban') AND NOT e.outlier THEN 'history'
              ELSE 'stripped' END AS source
    FROM local_current_membership c
    JOIN events e USING (event_id)
    JOIN rooms r ON r.room_id = c.room_id
   WHERE c.membership IN ('join', 'invite', 'knock', 'leave', 'ban')
     AND (r.room_version IS NULL OR r.room_version IN ('1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12',
                                                      'org.matrix.hydra.11', 'org.matrix.msc3757.10', 'org.matrix.msc3757.11'))
), at_event AS (
  SELECT m.room_id, m.user_id, g.state_group FROM member m JOIN event_to_state_groups g USING (event_id)
   WHERE m.source = 'history'
), chain (start, sg) AS (
  SELECT DISTINCT state_group, state_group FROM at_event
  UNION
  SELECT c.start, e.prev_state_group FROM chain c JOIN state_group_edges e ON e.state_group = c.sg
), src_ids AS (
  SELECT 'r' || c.room_id AS src, c.type, c.event_id
    FROM current_state_events c
   WHERE c.room_id IN (SELECT room_id FROM member WHERE source = 'current')
     AND c.state_key = '' AND c.type IN ('m.room.create', 'm.room.encryption', 'm.room.name', 'm.room.tombstone')
  UNION ALL
  (SELECT DISTINCT ON (c.start, s.type) 'g' || c.start, s.type, s.event_id
     FROM chain c JOIN state_groups_state s ON s.state_group = c.sg
    WHERE s.state_key = '' AND s.type IN ('m.room.create', 'm.room.encryption', 'm.room.name', 'm.room.tombstone')
    ORDER BY c.start, s.type, c.sg DESC)
), evs AS (
  SELECT s.src, s.type, pg_temp.d2s_ss_json(j.json) AS ev,
         s.type <> 'm.room.create' AND pg_temp.d2s_ms_redacted(e.event_id, e.sender, e.room_id) AS redacted
    FROM src_ids s
    JOIN events e ON e.event_id = s.event_id
    JOIN event_json j ON j.event_id = s.event_id
   WHERE NOT EXISTS (SELECT 1 FROM rejections rj WHERE rj.event_id = s.event_id)
  OFFSET 0
), state_vals AS (
  SELECT src,
         bool_or(ev IS NULL) AS unreadable,
         max(pg_temp.d2s_ss_text(ev -> 'content' -> 'type')) FILTER (WHERE type = 'm.room.create') AS room_type,
         max(pg_temp.d2s_ss_text(ev -> 'content' -> 'name')) FILTER (WHERE type = 'm.room.name' AND NOT redacted) AS room_name,
         COALESCE(bool_or(jsonb_typeof(ev -> 'content' -> 'algorithm') <> 'null')
                    FILTER (WHERE type = 'm.room.encryption' AND NOT redacted), false) AS is_encrypted,
         max(pg_temp.d2s_ss_text(ev -> 'content' -> 'replacement_room')) FILTER (WHERE type = 'm.room.tombstone' AND NOT redacted)
           AS tombstone
    FROM evs GROUP BY src
), stripped_src AS (
  SELECT m.room_id, m.user_id, m.event_id, m.membership FROM member m
   WHERE m.source = 'stripped' AND m.membership IN ('invite', 'knock')
  UNION ALL
  SELECT m.room_id, m.user_id, p.event_id, p.membership FROM member m
   CROSS JOIN LATERAL (
     SELECT rm.event_id, rm.membership FROM room_memberships rm JOIN events pe ON pe.room_id = rm.room_id AND pe.event_id = rm.event_id
      WHERE rm.room_id = m.room_id AND rm.user_id = m.user_id AND rm.membership IN ('invite', 'knock') AND rm.event_id <> m.event_id
      ORDER BY pe.topological_ordering DESC, pe.event_id DESC LIMIT 1) p
   WHERE m.source = 'stripped' AND m.membership IN ('leave', 'ban')
), stripped AS (
  SELECT s.room_id, s.user_id,
         CASE WHEN NOT pg_temp.d2s_ms_redacted(e.event_id, e.sender, e.room_id) THEN
           pg_temp.d2s_ss_json(j.json) -> 'unsigned' -> (s.membership || '_room_state') END AS st
    FROM stripped_src s JOIN events e ON e.event_id = s.event_id JOIN event_json j ON j.event_id = s.event_id
   WHERE NOT EXISTS (SELECT 1 FROM rejections rj WHERE rj.event_id = s.event_id)
), stripped_last AS (
  SELECT DISTINCT ON (s.room_id, s.user_id, x.v ->> 'type') s.room_id, s.user_id, x.v ->> 'type' AS type, x.v -> 'content' AS content
    FROM stripped s
   CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(s.st) = 'array' THEN s.st ELSE '[]' END) WITH ORDINALITY x (v, i)
   WHERE jsonb_typeof(x.v -> 'type') = 'string' AND jsonb_typeof(x.v -> 'state_key') = 'string'
     AND jsonb_typeof(x.v -> 'sender') = 'string' AND jsonb_typeof(x.v -> 'content') = 'object'
     AND x.v ->> 'state_key' = '' AND x.v ->> 'type' IN ('m.room.create', 'm.room.encryption', 'm.room.name', 'm.room.tombstone')
   ORDER BY s.room_id, s.user_id, x.v ->> 'type', x.i DESC
), stripped_vals AS (
  SELECT room_id, user_id,
         max(pg_temp.d2s_ss_text(content -> 'type')) FILTER (WHERE type = 'm.room.create') AS room_type,
         max(pg_temp.d2s_ss_text(content -> 'name')) FILTER (WHERE type = 'm.room.name') AS room_name,
         COALESCE(bool_or(jsonb_typeof(content -> 'algorithm') <> 'null') FILTER (WHERE type = 'm.room.encryption'), false)
           AS is_encrypted,
         max(pg_temp.d2s_ss_text(content -> 'replacement_room')) FILTER (WHERE type = 'm.room.tombstone') AS tombstone
    FROM stripped_last GROUP BY room_id, user_id HAVING bool_or(type = 'm.room.create')
), facts AS (
  SELECT m.room_id, m.user_id, v.src IS NOT NULL OR EXISTS (SELECT 1 FROM src_ids i WHERE i.src = 'r' || m.room_id) AS known,
         v.room_type, v.room_name, COALESCE(v.is_encrypted, false) AS is_encrypted, v.tombstone,
         COALESCE(v.unreadable, EXISTS (SELECT 1 FROM src_ids i WHERE i.src = 'r' || m.room_id)) AS skip
    FROM member m LEFT JOIN state_vals v ON v.src = 'r' || m.room_id
   WHERE m.source = 'current'
  UNION ALL
  SELECT a.room_id, a.user_id, true, v.room_type, v.room_name, v.is_encrypted, v.tombstone, v.unreadable
    FROM at_event a JOIN state_vals v ON v.src = 'g' || a.state_group
  UNION ALL
  SELECT m.room_id, m.user_id, v.room_id IS NOT NULL, v.room_type, v.room_name, COALESCE(v.is_encrypted, false), v.tombstone, false
    FROM member m LEFT JOIN stripped_vals v USING (room_id, user_id)
   WHERE m.source = 'stripped'
)
SELECT m.room_id, m.user_id, m.sender, m.event_id, m.membership, COALESCE(rm.forgotten, 0), m.stream_ordering, m.instance,
       f.known, f.room_type, f.room_name, f.is_encrypted, f.tombstone
  FROM member m
  JOIN facts f USING (room_id, user_id)
  LEFT JOIN room_memberships rm ON rm.event_id = m.event_id
 WHERE NOT f.skip
 ORDER BY m.room_id, m.user_id;
DELETE FROM background_updates WHERE update_name = 'sliding_sync_membership_snapshots_bg_update';

"#;
