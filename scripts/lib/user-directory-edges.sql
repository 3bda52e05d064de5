-- Edge cases for scripts/tests/48-user-directory, added to a loaded generated dump (psql -v server=NAME).
-- Each is something the generator does not make and docs/synapse-schema.md §E.5 says how Synapse treats.
\set ON_ERROR_STOP 1
CREATE TEMPORARY TABLE edge_local_joined AS
SELECT c.room_id, c.state_key AS user_id FROM current_state_events c
 WHERE c.type = 'm.room.member' AND c.membership = 'join' AND c.state_key LIKE '%:' || :'server';
-- 1. Local display names that only a full Unicode lowercase and NFKC index as Synapse does.
WITH l AS (SELECT full_user_id, row_number() OVER (ORDER BY full_user_id) AS i FROM profiles
            WHERE full_user_id IN (SELECT name FROM users WHERE appservice_id IS NULL))
UPDATE profiles p SET displayname = CASE l.i WHEN 1 THEN 'İSTANBUL ΣΟΦΟΣ Ωmega' WHEN 2 THEN 'ǅemal ①② ﬁne Ⅻ'
                                             WHEN 3 THEN '' WHEN 4 THEN 'ÀÉÎ Straße ＦＵＬＬ MiXeD' END
  FROM l WHERE l.full_user_id = p.full_user_id AND l.i <= 4;
SELECT 'unicode and empty display names: ' || count(*) FROM profiles
 WHERE displayname IN ('İSTANBUL ΣΟΦΟΣ Ωmega', 'ǅemal ①② ﬁne Ⅻ', '', 'ÀÉÎ Straße ＦＵＬＬ MiXeD');
-- (Local members of version 1 rooms stay as they are, for the publicity cases of 4.)
CREATE TEMPORARY TABLE edge_v1_members AS
SELECT user_id FROM edge_local_joined WHERE room_id IN (SELECT room_id FROM rooms WHERE room_version = '1');
-- 2. The only local member of a room deactivated (the room stays "joined by this server" for Synapse:
--    its remote members still count), and a support user among members.
CREATE TEMPORARY TABLE edge_sole AS
SELECT min(user_id) AS user_id, room_id FROM edge_local_joined GROUP BY room_id
HAVING count(*) = 1 AND min(user_id) NOT IN (SELECT user_id FROM edge_v1_members) ORDER BY room_id LIMIT 1;
UPDATE users SET deactivated = 1 WHERE name = (SELECT user_id FROM edge_sole);
SELECT 'deactivated sole local member: ' || count(*) FROM users WHERE deactivated = 1 AND name IN (SELECT user_id FROM edge_sole);
UPDATE users SET user_type = 'support'
 WHERE name = (SELECT max(user_id) FROM edge_local_joined
                WHERE user_id NOT IN (SELECT user_id FROM edge_sole UNION ALL SELECT user_id FROM edge_v1_members));
SELECT 'support user in rooms: ' || count(*) FROM users WHERE user_type = 'support';
-- 3. Users in no room: plain, a guest, a deactivated one, one of another domain (Synapse lists every users row).
INSERT INTO users (name, creation_ts, is_guest, admin, deactivated) VALUES
  ('@edge-lonely:' || :'server', 0, 0, 0, 0), ('@edge-guest:' || :'server', 0, 1, 0, 0),
  ('@edge-gone:' || :'server', 0, 0, 0, 1), ('@edge-stranger:elsewhere.example', 0, 0, 0, 0);
INSERT INTO profiles (user_id, full_user_id, displayname, avatar_url) VALUES
  ('edge-lonely', '@edge-lonely:' || :'server', 'Lonely Ǆ', 'mxc://x/lonely'),
  ('edge-stranger', '@edge-stranger:elsewhere.example', 'Stranger', NULL);
SELECT 'users in no room: 4';
-- 4. Publicity, in rooms of version 1 (their event IDs are not hashes of the JSON, so Synapse's fetcher
--    takes edited JSON): one public by its join rules, one world-readable, one whose public join rules
--    are rejected (and whose history visibility is not a string), one whose public join rules are
--    redacted (a redaction keeps join_rule). The generator makes no public room.
CREATE TEMPORARY TABLE edge_v1 AS
SELECT r.room_id, row_number() OVER (ORDER BY r.room_id) AS i FROM rooms r
 WHERE r.room_version = '1' AND r.room_id IN (SELECT room_id FROM edge_local_joined) ORDER BY r.room_id LIMIT 4;
UPDATE event_json j SET json = jsonb_set(j.json::jsonb, '{content,join_rule}', '"public"')::text
  FROM current_state_events c JOIN edge_v1 v ON v.room_id = c.room_id AND v.i IN (1, 3, 4)
 WHERE j.event_id = c.event_id AND c.type = 'm.room.join_rules' AND c.state_key = '';
UPDATE event_json j SET json = jsonb_set(j.json::jsonb, '{content,history_visibility}',
                                         CASE v.i WHEN 2 THEN '"world_readable"' ELSE '["world_readable"]' END::jsonb)::text
  FROM current_state_events c JOIN edge_v1 v ON v.room_id = c.room_id AND v.i IN (2, 3)
 WHERE j.event_id = c.event_id AND c.type = 'm.room.history_visibility' AND c.state_key = '';
INSERT INTO rejections (event_id, reason, last_check)
SELECT c.event_id, 'edge', '' FROM current_state_events c JOIN edge_v1 v ON v.room_id = c.room_id AND v.i = 3
 WHERE c.type = 'm.room.join_rules' AND c.state_key = '';
INSERT INTO redactions (event_id, redacts, have_censored, received_ts, recheck)
SELECT '$edge-redaction', c.event_id, false, 0, false FROM current_state_events c JOIN edge_v1 v ON v.room_id = c.room_id AND v.i = 4
 WHERE c.type = 'm.room.join_rules' AND c.state_key = '';
SELECT 'version 1 rooms made public, world-readable, rejected, redacted: ' || count(*) FROM edge_v1;
-- 5. A remote member with a different profile in each room it shares with local users: Synapse keeps the
--    one of the room it visits last (fewest current state events).
CREATE TEMPORARY TABLE edge_remote AS
SELECT c.state_key AS user_id FROM current_state_events c
 WHERE c.type = 'm.room.member' AND c.membership = 'join' AND c.state_key NOT LIKE '%:' || :'server'
   AND c.room_id IN (SELECT room_id FROM edge_local_joined)
 GROUP BY c.state_key HAVING count(*) >= 2 ORDER BY count(*) DESC, c.state_key LIMIT 1;
--    Rooms with as many state events get the same profile: Synapse's order among them is the database's.
UPDATE room_memberships m SET display_name = 'Edge at n=' || n.n, avatar_url = 'mxc://edge/' || n.n
  FROM current_state_events c, LATERAL (SELECT count(*) AS n FROM current_state_events s WHERE s.room_id = c.room_id) n
 WHERE c.event_id = m.event_id AND c.type = 'm.room.member' AND m.user_id IN (SELECT user_id FROM edge_remote);
SELECT 'remote member with per-room profiles: ' || count(DISTINCT display_name) FROM room_memberships WHERE display_name LIKE 'Edge at %';
-- 6. Stale remote profiles: one of a member (Synapse's update clears it), one of a stranger (kept).
INSERT INTO user_directory_stale_remote_users (user_id, user_server_name, next_try_at_ts, retry_counter)
SELECT user_id, substr(user_id, strpos(user_id, ':') + 1), 1, 0 FROM edge_remote
UNION ALL SELECT '@nobody:elsewhere.example', 'elsewhere.example', 2, 3;
SELECT 'stale remote profiles: 2';
