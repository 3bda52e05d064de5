//! `event_search` filled during the load, in one set-based statement, instead
//! of queuing Synapse's `event_search` background update (which indexes about
//! 17k events/s in Python batches: longer than convert and load together).
//!
//! The statement computes what Synapse 1.163.2's update computes on
//! PostgreSQL (docs/performance.md, "event_search"): every `events` row with a
//! stream ordering whose type is `m.room.message`, `m.room.name` or
//! `m.room.topic`, joined to its `event_json` on (room_id, event_id) —
//! outliers, rejected and redacted events alike, as the update does — gives
//! one row `(event_id, room_id, key, to_tsvector('english', value),
//! stream_ordering, origin_server_ts)` with `sender` left NULL, where
//!
//! - `m.room.message`: key `content.body`, the row only when `body` is a string;
//! - `m.room.name`: key `content.name`, the row only when `name` is a string;
//! - `m.room.topic`: key `content.topic`, a row whenever `content` is present:
//!   the first `m.topic.m.text` representation that is valid (an object with
//!   a string `body` and a string or null `mimetype`) and plain text (mimetype
//!   absent, null, empty or `text/plain`), else `topic`; `""` when `topic` is
//!   not a string (Synapse's topic parser then fails and it indexes `""`).
//!
//! Traps:
//! - JSON with `\u0000`: PostgreSQL's `jsonb` refuses the escape, Synapse turns
//!   the NUL into a space before indexing. The escape (not an escaped
//!   backslash followed by `u0000`) becomes `\u0020` before the parse, the same
//!   text for every key the statement reads.
//! - JSON PostgreSQL cannot parse at all (a lone surrogate escape) gives no row
//!   instead of aborting the load; Synapse's update would fail on such an
//!   event's value.
//! - Duplicate keys: `jsonb` and Python's decoder both keep the last one.
//! - `OFFSET 0` keeps the planner from pulling the subquery up, which would
//!   parse each event's JSON once per reference to `c` (4 times: 60 % slower).
//! - The table's indexes (one GIN) are dropped for the insert and rebuilt from
//!   the target's own definitions: building a GIN index once is much faster
//!   than growing it row by row. (event_search has no constraints.)
//! - The block is self-contained (its own functions, no bookkeeping of the
//!   script's header), so a test can run it alone on a loaded database.

/// The fill, followed by the removal of the update from `background_updates`.
pub const EVENT_SEARCH_FILL: &str = concat!(
    r#"-- event_search: what Synapse's own `event_search` background update computes, set-based.
\echo 'dendrite2synapse: event_search'
"#,
    tolerant_json_fn!("d2s_event_json", "u0020"),
    r#"CREATE FUNCTION pg_temp.d2s_topic(c jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN jsonb_typeof(c) = 'object' AND jsonb_typeof(c -> 'topic') = 'string' THEN
    COALESCE((SELECT r ->> 'body'
                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(c -> 'm.topic') = 'object'
                                                AND jsonb_typeof(c -> 'm.topic' -> 'm.text') = 'array'
                                               THEN c -> 'm.topic' -> 'm.text' END) WITH ORDINALITY AS m(r, n)
               WHERE jsonb_typeof(r) = 'object' AND jsonb_typeof(r -> 'body') = 'string'
                 AND COALESCE(jsonb_typeof(r -> 'mimetype'), 'null') IN ('string', 'null')
                 AND COALESCE(r ->> 'mimetype', '') IN ('', 'text/plain')
               ORDER BY n LIMIT 1),
             c ->> 'topic')
  ELSE '' END
$fn$;
DO $search$
DECLARE defs text[];
BEGIN
  SELECT coalesce(array_agg(pg_get_indexdef(indexrelid) ORDER BY indexrelid::regclass::text), '{}') INTO defs
    FROM pg_index WHERE indrelid = 'event_search'::regclass;
  IF cardinality(defs) > 0 THEN
    EXECUTE (SELECT string_agg('DROP INDEX ' || indexrelid::regclass::text, '; ')
               FROM pg_index WHERE indrelid = 'event_search'::regclass);
  END IF;
  INSERT INTO event_search (event_id, room_id, key, vector, stream_ordering, origin_server_ts)
  SELECT ev.event_id, ev.room_id, v.key, to_tsvector('english', v.value), ev.stream_ordering, ev.origin_server_ts
    FROM (SELECT e.event_id, e.room_id, e.type, e.stream_ordering, e.origin_server_ts,
                 pg_temp.d2s_event_json(j.json) -> 'content' AS c
            FROM events e JOIN event_json j USING (room_id, event_id)
           WHERE e.type IN ('m.room.message', 'm.room.name', 'm.room.topic')
             AND e.stream_ordering IS NOT NULL
          OFFSET 0) ev,
         LATERAL (SELECT CASE ev.type WHEN 'm.room.message' THEN 'content.body'
                                      WHEN 'm.room.name' THEN 'content.name'
                                      ELSE 'content.topic' END AS key,
                         CASE ev.type WHEN 'm.room.message' THEN
                                        CASE WHEN jsonb_typeof(ev.c -> 'body') = 'string' THEN ev.c ->> 'body' END
                                      WHEN 'm.room.name' THEN
                                        CASE WHEN jsonb_typeof(ev.c -> 'name') = 'string' THEN ev.c ->> 'name' END
                                      ELSE CASE WHEN ev.c IS NOT NULL THEN pg_temp.d2s_topic(ev.c) END
                         END AS value) v
   WHERE v.value IS NOT NULL;
  FOR i IN 1 .. cardinality(defs) LOOP
    EXECUTE defs[i];
  END LOOP;
END
$search$;
DELETE FROM background_updates WHERE update_name = 'event_search';

"#
);
