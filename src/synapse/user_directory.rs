//! The user directory (`user_directory`, `user_directory_search`,
//! `users_in_public_rooms`, `users_who_share_private_rooms`) filled during the
//! load, set-based, instead of queuing Synapse's chain of four updates
//! (`populate_user_directory_createtables` → `_process_rooms` →
//! `_process_users` → `_cleanup`), which walks every room in Python.
//!
//! What Synapse 1.163.2's updates compute is written down in
//! docs/synapse-schema.md §E.5; the block computes the same:
//!
//! 1. Members: the joined members of every room in which some local user
//!    (`pg_temp.d2s_is_mine`) is joined by `current_state_events`, with the
//!    profile of their current member event's `room_memberships` row; local
//!    members only while their `users` row exists, is not deactivated, is not
//!    a support user and was not registered by an appservice.
//! 2. Public rooms: the current join rules say `public`, or the current history
//!    visibility says `world_readable` (events read as Synapse's fetcher reads
//!    them: rejected or missing ones do not count; a redaction keeps both keys).
//!    Every member of a public room gets a `users_in_public_rooms` row; in the
//!    other rooms every local member gets a `users_who_share_private_rooms` row
//!    with each other member.
//! 3. `user_directory`: every `users` row that is not deactivated, a support
//!    user or an appservice's, with its `profiles` row's name and avatar; every
//!    other member of step 1 with the profile of the room Synapse's update
//!    visits last (fewest current state events). `user_directory_search` gets one weighted
//!    `tsvector` per entry: localpart (A), domain (D), display name (B) as
//!    Synapse indexes it.
//! 4. `user_directory_stream_pos` = the highest `current_state_delta_stream`
//!    position (-1 when empty), as the update's last step leaves it; the four
//!    updates are removed from `background_updates`.
//!
//! Traps:
//! - Synapse indexes the display name lowercased by Python (full Unicode case
//!   mapping: `İ` → `i̇`, a final `Σ` → `ς`) and NFKC-normalised. The target's
//!   collation is `C`, where `lower()` only knows ASCII; ICU's root locale
//!   (`und-x-icu`) maps as Python does, and `normalize(…, NFKC)` does the rest.
//!   A PostgreSQL built without ICU has no such collation: the block then queues
//!   Synapse's four updates, as before, instead of computing a different index.
//! - Appservice users: Synapse leaves out an appservice's sender and the users
//!   in its namespaces, which live in the configuration, not in the database.
//!   The block leaves out the accounts an appservice registered
//!   (`users.appservice_id`): the same set when the target registers the
//!   source's appservices and their users were made by them
//!   (docs/synapse-schema.md §E.5 says where it is not).
//! - A remote user in several rooms with different per-room profiles: Synapse
//!   keeps the last room's; rooms are visited by decreasing number of current
//!   state events, and among rooms with the same number the database's order
//!   decides. The block takes the room with the fewest, then the greatest
//!   room ID.
//! - Display names with NUL or of another type than string are NULL already in
//!   `room_memberships` (the converter writes it as Synapse does); an empty
//!   name is kept in `user_directory` but indexes nothing.
//! - JSON PostgreSQL cannot parse, or with `\u0000`: the tolerant parser; a
//!   rule that does not parse does not make the room public (Synapse's fetch
//!   would fail and its update stop).
//! - The block is self-contained apart from `pg_temp.d2s_is_mine`, so a test
//!   can run it alone on a loaded database.

/// The fill (or, without ICU, the four updates queued), then the removal of
/// the updates from `background_updates`.
pub const USER_DIRECTORY_FILL: &str = concat!(
    r#"-- user directory: what Synapse's own four populate_user_directory updates compute, set-based.
\echo 'dendrite2synapse: user directory'
"#,
    tolerant_json_fn!("d2s_ud_json", "ufdd0"),
    r#"DO $ud$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu' AND collprovider = 'i') THEN
    RAISE NOTICE 'dendrite2synapse: no ICU collation; the user directory is left to Synapse''s updates';
    INSERT INTO background_updates (ordering, update_name, progress_json, depends_on) VALUES
      (9400, 'populate_user_directory_createtables', '{}', NULL),
      (9400, 'populate_user_directory_process_rooms', '{}', 'populate_user_directory_createtables'),
      (9400, 'populate_user_directory_process_users', '{}', 'populate_user_directory_process_rooms'),
      (9400, 'populate_user_directory_cleanup', '{}', 'populate_user_directory_process_users')
    ON CONFLICT (update_name) DO NOTHING;
    RETURN;
  END IF;
  EXECUTE 'CREATE FUNCTION pg_temp.d2s_ud_index_text(t text) RETURNS text LANGUAGE sql IMMUTABLE AS '
          '$fn$ SELECT normalize(lower(t COLLATE "und-x-icu"), NFKC) $fn$';
  DELETE FROM user_directory;
  DELETE FROM user_directory_search;
  DELETE FROM users_in_public_rooms;
  DELETE FROM users_who_share_private_rooms;
  CREATE TEMPORARY TABLE d2s_ud_members AS
  SELECT c.room_id, c.state_key AS user_id, m.display_name, m.avatar_url, pg_temp.d2s_is_mine(c.state_key) AS local
    FROM current_state_events c
    JOIN room_memberships m ON m.event_id = c.event_id AND m.room_id = c.room_id AND m.user_id = c.state_key
   WHERE c.type = 'm.room.member' AND m.membership = 'join'
     AND c.room_id IN (SELECT h.room_id FROM current_state_events h
                        WHERE h.type = 'm.room.member' AND h.membership = 'join' AND pg_temp.d2s_is_mine(h.state_key))
     AND (NOT pg_temp.d2s_is_mine(c.state_key)
          OR EXISTS (SELECT 1 FROM users u WHERE u.name = c.state_key AND u.deactivated <> 1
                                              AND u.user_type IS DISTINCT FROM 'support' AND u.appservice_id IS NULL));
  CREATE TEMPORARY TABLE d2s_ud_public AS
  SELECT DISTINCT c.room_id
    FROM current_state_events c
    JOIN events e ON e.event_id = c.event_id
    JOIN event_json j ON j.event_id = c.event_id
   WHERE c.room_id IN (SELECT room_id FROM d2s_ud_members)
     AND c.state_key = '' AND c.type IN ('m.room.join_rules', 'm.room.history_visibility')
     AND NOT EXISTS (SELECT 1 FROM rejections r WHERE r.event_id = c.event_id)
     AND CASE c.type WHEN 'm.room.join_rules' THEN pg_temp.d2s_ud_json(j.json) -> 'content' -> 'join_rule' = '"public"'
                     ELSE pg_temp.d2s_ud_json(j.json) -> 'content' -> 'history_visibility' = '"world_readable"' END;
  INSERT INTO users_in_public_rooms (user_id, room_id)
  SELECT m.user_id, m.room_id FROM d2s_ud_members m WHERE m.room_id IN (SELECT room_id FROM d2s_ud_public)
   ORDER BY m.room_id, m.user_id;
  INSERT INTO users_who_share_private_rooms (user_id, other_user_id, room_id)
  SELECT l.user_id, o.user_id, l.room_id
    FROM d2s_ud_members l JOIN d2s_ud_members o ON o.room_id = l.room_id AND o.user_id <> l.user_id
   WHERE l.local AND l.room_id NOT IN (SELECT room_id FROM d2s_ud_public)
   ORDER BY l.room_id, l.user_id, o.user_id;
  INSERT INTO user_directory (user_id, display_name, avatar_url)
  SELECT u.name, p.displayname, p.avatar_url
    FROM users u LEFT JOIN profiles p ON p.full_user_id = u.name
   WHERE u.deactivated = 0 AND u.user_type IS DISTINCT FROM 'support' AND u.appservice_id IS NULL
  UNION ALL
  (SELECT DISTINCT ON (m.user_id) m.user_id, m.display_name, m.avatar_url
     FROM d2s_ud_members m
     JOIN (SELECT room_id, count(*) AS n FROM current_state_events GROUP BY room_id) s USING (room_id)
    WHERE NOT m.local
      AND NOT EXISTS (SELECT 1 FROM users u WHERE u.name = m.user_id AND u.deactivated = 0
                                             AND u.user_type IS DISTINCT FROM 'support' AND u.appservice_id IS NULL)
    ORDER BY m.user_id, s.n, m.room_id DESC);
  INSERT INTO user_directory_search (user_id, vector)
  SELECT d.user_id,
         setweight(to_tsvector('simple', substr(split_part(d.user_id, ':', 1), 2)), 'A')
         || setweight(to_tsvector('simple', substr(d.user_id, strpos(d.user_id, ':') + 1)), 'D')
         || setweight(to_tsvector('simple', COALESCE(CASE WHEN d.display_name <> ''
                                                          THEN pg_temp.d2s_ud_index_text(d.display_name) END, '')), 'B')
    FROM user_directory d ORDER BY d.user_id;
  DELETE FROM user_directory_stale_remote_users s
   WHERE s.user_id IN (SELECT user_id FROM user_directory WHERE NOT pg_temp.d2s_is_mine(user_id));
  UPDATE user_directory_stream_pos SET stream_id = (SELECT COALESCE(MAX(stream_id), -1) FROM current_state_delta_stream);
  DROP TABLE pg_temp.d2s_ud_members, pg_temp.d2s_ud_public;
  DELETE FROM background_updates WHERE update_name IN ('populate_user_directory_createtables',
    'populate_user_directory_process_rooms', 'populate_user_directory_process_users', 'populate_user_directory_cleanup');
END
$ud$;

"#
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of Synapse's four updates, in their dependency order.
    const UPDATES: [&str; 4] = [
        "populate_user_directory_createtables",
        "populate_user_directory_process_rooms",
        "populate_user_directory_process_users",
        "populate_user_directory_cleanup",
    ];

    #[test]
    fn removes_and_queues_exactly_synapses_four_updates() {
        for name in UPDATES {
            assert_eq!(
                USER_DIRECTORY_FILL.matches(&format!("'{name}'")).count(),
                3 - usize::from(name == UPDATES[3]),
                "{name}"
            );
        }
        assert!(USER_DIRECTORY_FILL.ends_with("END\n$ud$;\n\n"));
    }
}
