//! Room and user statistics filled during the load, set-based, instead of
//! queuing Synapse's `populate_stats_process_rooms` and
//! `populate_stats_process_users`, which work one room and one user at a time
//! in Python (60 s of a 3M-event move, docs/performance.md).
//!
//! What Synapse 1.163.2's updates compute is written down in
//! docs/synapse-schema.md §E.4; the block computes the same:
//!
//! - every room with current state gets `room_stats_current`: its current
//!   state events counted, its members counted by membership (join, invite,
//!   leave, ban, knock), its joined members on this server
//!   (`pg_temp.d2s_is_mine`), and `completed_delta_stream_id` = the events
//!   stream's position, i.e. what the script's last step makes the events
//!   sequence (`pg_temp.d2s_events_position()`, src/synapse/postload.rs);
//! - and `room_stats_state`: the values of eight state types (state key `""`)
//!   read as Synapse's event fetcher gives them: rejected events absent,
//!   redacted ones pruned (join rule and history visibility survive pruning;
//!   a create's redaction is ignored); a value that is not a string, or holds
//!   NUL, is NULL. The row is an upsert that leaves `guest_access`, which the
//!   converter writes beforehand (docs/synapse-schema.md §A.9), as it is;
//! - every `users` row gets `user_stats_current`: the rooms whose current
//!   member event for it says join, and `completed_delta_stream_id` = the
//!   highest `current_state_delta_stream` position (-1 when empty).
//!
//! A room whose state events (of the eight types, rejected or not) include
//! one whose JSON is not an object Synapse can parse is skipped, as Synapse's
//! update skips it: no `room_stats_current` row, its `room_stats_state` row
//! untouched.
//!
//! Reused, not redefined: the JSON reading and the NUL rule of
//! [`JOINED_ROOMS_FILL`](super::sliding_sync::JOINED_ROOMS_FILL)
//! (`pg_temp.d2s_ss_json`, `pg_temp.d2s_ss_text`), the redaction rule of
//! [`MEMBERSHIP_SNAPSHOTS_FILL`](super::membership_snapshots::MEMBERSHIP_SNAPSHOTS_FILL)
//! (`pg_temp.d2s_ms_redacted`) and the topic rule of
//! [`EVENT_SEARCH_FILL`](super::search::EVENT_SEARCH_FILL) (`pg_temp.d2s_topic`:
//! Synapse's stats and search read a topic with the same function; stats keeps
//! NULL where search indexes `""`, i.e. when `topic` is not a string). Those
//! blocks run first.
//!
//! Traps:
//! - `completed_delta_stream_id` must be at least every state delta's
//!   position, or Synapse's stats processor, starting from
//!   `stats_incremental_position`, applies the imported deltas again on top of
//!   the counts. Synapse's update stores the events sequence's value when it
//!   runs, which the script's last step raises (to the tables' maxima and to
//!   the sync-token floor): the block reads the value it will have.
//! - `stats_incremental_position` is not moved: Synapse's updates leave it too.
//! - A value holding U+FDD0 counts as holding NUL (the marker the JSON
//!   function puts for `\u0000`, sliding_sync.rs); JSON PostgreSQL cannot parse
//!   but Python can (a lone surrogate escape) skips the room here, while
//!   Synapse's update would read it.
//! - Synapse's update does nothing when `stats.enabled` is false in its
//!   configuration; the load cannot know, and fills the tables anyway
//!   (Synapse then never reads them).

/// The fill, followed by the removal of both updates from `background_updates`.
pub const STATS_FILL: &str = r#"-- room and user stats: what Synapse's own populate_stats_process_rooms and populate_stats_process_users compute, set-based.
\echo 'dendrite2synapse: room and user stats'
CREATE TEMPORARY TABLE d2s_stats_rooms AS
WITH state AS (
  SELECT c.room_id, c.type, pg_temp.d2s_ss_json(j.json) AS ev,
         EXISTS (SELECT 1 FROM rejections rj WHERE rj.event_id = c.event_id) AS rejected,
         c.type IN ('m.room.encryption', 'm.room.name', 'm.room.topic', 'm.room.avatar', 'm.room.canonical_alias')
           AND pg_temp.d2s_ms_redacted(e.event_id, e.sender, e.room_id) AS pruned
    FROM current_state_events c
    JOIN events e ON e.event_id = c.event_id
    JOIN event_json j ON j.event_id = c.event_id
   WHERE c.state_key = '' AND c.type IN ('m.room.create', 'm.room.join_rules', 'm.room.history_visibility', 'm.room.encryption',
                                         'm.room.name', 'm.room.topic', 'm.room.avatar', 'm.room.canonical_alias')
  OFFSET 0
), loaded AS (
  SELECT room_id, type, ev IS NULL OR jsonb_typeof(ev) <> 'object' AS unreadable,
         CASE WHEN NOT rejected AND NOT pruned THEN ev -> 'content' END AS c, rejected
    FROM state
)
SELECT r.room_id,
       NOT COALESCE(bool_or(s.unreadable), false) AS readable,
       max(pg_temp.d2s_ss_text(s.c -> 'join_rule')) FILTER (WHERE s.type = 'm.room.join_rules') AS join_rules,
       max(pg_temp.d2s_ss_text(s.c -> 'history_visibility')) FILTER (WHERE s.type = 'm.room.history_visibility')
         AS history_visibility,
       max(pg_temp.d2s_ss_text(s.c -> 'algorithm')) FILTER (WHERE s.type = 'm.room.encryption') AS encryption,
       max(pg_temp.d2s_ss_text(s.c -> 'name')) FILTER (WHERE s.type = 'm.room.name') AS name,
       max(pg_temp.d2s_ss_text(to_jsonb(CASE WHEN jsonb_typeof(s.c -> 'topic') = 'string' THEN pg_temp.d2s_topic(s.c) END)))
         FILTER (WHERE s.type = 'm.room.topic') AS topic,
       max(pg_temp.d2s_ss_text(s.c -> 'url')) FILTER (WHERE s.type = 'm.room.avatar') AS avatar,
       max(pg_temp.d2s_ss_text(s.c -> 'alias')) FILTER (WHERE s.type = 'm.room.canonical_alias') AS canonical_alias,
       COALESCE(bool_and(COALESCE(s.c -> 'm.federate', 'true') = 'true') FILTER (WHERE s.type = 'm.room.create' AND NOT s.rejected),
                true) AS is_federatable,
       max(pg_temp.d2s_ss_text(s.c -> 'type')) FILTER (WHERE s.type = 'm.room.create') AS room_type
  FROM (SELECT DISTINCT room_id FROM current_state_events) r
  LEFT JOIN loaded s USING (room_id)
 GROUP BY r.room_id;
INSERT INTO room_stats_state
    (room_id, join_rules, history_visibility, encryption, name, topic, avatar, canonical_alias, is_federatable, room_type)
SELECT room_id, join_rules, history_visibility, encryption, name, topic, avatar, canonical_alias, is_federatable, room_type
  FROM pg_temp.d2s_stats_rooms WHERE readable
 ORDER BY room_id
ON CONFLICT (room_id) DO UPDATE SET
  join_rules = EXCLUDED.join_rules, history_visibility = EXCLUDED.history_visibility, encryption = EXCLUDED.encryption,
  name = EXCLUDED.name, topic = EXCLUDED.topic, avatar = EXCLUDED.avatar, canonical_alias = EXCLUDED.canonical_alias,
  is_federatable = EXCLUDED.is_federatable, room_type = EXCLUDED.room_type;
INSERT INTO room_stats_current
    (room_id, current_state_events, joined_members, invited_members, left_members, banned_members, knocked_members,
     local_users_in_room, completed_delta_stream_id)
SELECT c.room_id, count(*),
       count(*) FILTER (WHERE c.type = 'm.room.member' AND c.membership = 'join'),
       count(*) FILTER (WHERE c.type = 'm.room.member' AND c.membership = 'invite'),
       count(*) FILTER (WHERE c.type = 'm.room.member' AND c.membership = 'leave'),
       count(*) FILTER (WHERE c.type = 'm.room.member' AND c.membership = 'ban'),
       count(*) FILTER (WHERE c.type = 'm.room.member' AND c.membership = 'knock'),
       count(*) FILTER (WHERE c.type = 'm.room.member' AND c.membership = 'join' AND pg_temp.d2s_is_mine(c.state_key)),
       max(p.pos)
  FROM current_state_events c
  JOIN pg_temp.d2s_stats_rooms r ON r.room_id = c.room_id AND r.readable
 CROSS JOIN (SELECT pg_temp.d2s_events_position() AS pos) p
 GROUP BY c.room_id
 ORDER BY c.room_id;
INSERT INTO user_stats_current (user_id, joined_rooms, completed_delta_stream_id)
SELECT u.name, COALESCE(j.rooms, 0), p.pos
  FROM (SELECT DISTINCT name FROM users WHERE name > '') u
  LEFT JOIN (SELECT state_key, count(DISTINCT room_id) AS rooms FROM current_state_events
              WHERE type = 'm.room.member' AND membership = 'join' GROUP BY state_key) j ON j.state_key = u.name
 CROSS JOIN (SELECT COALESCE(max(stream_id), -1) AS pos FROM current_state_delta_stream) p
 ORDER BY u.name;
DROP TABLE pg_temp.d2s_stats_rooms;
DELETE FROM background_updates WHERE update_name IN ('populate_stats_process_rooms', 'populate_stats_process_users');

"#;
