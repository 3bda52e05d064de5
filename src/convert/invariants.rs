//! Checks the load runs before COMMIT on what convert wrote (beyond the
//! writer's standard ones): each counts the rows breaking one of Synapse's
//! assumptions, and any count above 0 rolls the whole load back with the
//! check's name. They hold for any correct conversion, so they also catch a
//! converter bug on data no test had.

use crate::synapse::Invariant;

pub const CONVERT_INVARIANTS: &[Invariant] = &[
    Invariant {
        name: "every event's room has a rooms row (Synapse reads the room version from it)",
        violations_sql: "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM rooms r WHERE r.room_id = e.room_id)",
    },
    Invariant {
        name: "event_json.format_version matches the room version",
        violations_sql: "SELECT count(*) FROM event_json j JOIN rooms r USING (room_id) WHERE j.format_version IS DISTINCT FROM \
                         CASE WHEN r.room_version IN ('1', '2') THEN 1 WHEN r.room_version = '3' THEN 2 \
                         WHEN r.room_version IN ('12', 'org.matrix.hydra.11') THEN 4 ELSE 3 END",
    },
    Invariant {
        name: "event_auth names stored events",
        violations_sql: "SELECT count(*) FROM event_auth a WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = a.auth_id)",
    },
    Invariant {
        name: "every stored state event has its state_events row",
        violations_sql: "SELECT count(*) FROM events e WHERE e.state_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM state_events s WHERE s.event_id = e.event_id)",
    },
    Invariant {
        name: "event_to_state_groups and state_groups_state name existing state groups",
        violations_sql: "SELECT (SELECT count(*) FROM event_to_state_groups x WHERE NOT EXISTS (SELECT 1 FROM state_groups g WHERE g.id = x.state_group)) \
                         + (SELECT count(*) FROM state_groups_state x WHERE NOT EXISTS (SELECT 1 FROM state_groups g WHERE g.id = x.state_group)) \
                         + (SELECT count(*) FROM state_group_edges x WHERE NOT EXISTS (SELECT 1 FROM state_groups g WHERE g.id = x.prev_state_group))",
    },
    Invariant {
        name: "a state group and its predecessor belong to the same room",
        violations_sql: "SELECT count(*) FROM state_group_edges x JOIN state_groups a ON a.id = x.state_group JOIN state_groups b ON b.id = x.prev_state_group WHERE a.room_id <> b.room_id",
    },
    Invariant {
        name: "state group chains stay under Synapse's 100 hops",
        violations_sql: "WITH RECURSIVE chain(g, hops) AS (SELECT state_group, 1 FROM state_group_edges \
                         UNION ALL SELECT e.prev_state_group, c.hops + 1 FROM chain c JOIN state_group_edges e ON e.state_group = c.g WHERE c.hops <= 100) \
                         SELECT count(*) FROM chain WHERE hops > 100",
    },
    Invariant {
        name: "forward extremities are events with state that are not rejected or soft-failed",
        violations_sql: "SELECT count(*) FROM event_forward_extremities f JOIN events e USING (event_id) JOIN event_json j USING (event_id) \
                         WHERE e.outlier OR e.rejection_reason IS NOT NULL OR j.internal_metadata LIKE '%\"soft_failed\":true%'",
    },
    Invariant {
        name: "every room a local user is joined to has current state",
        violations_sql: "SELECT count(*) FROM local_current_membership m WHERE m.membership = 'join' \
                         AND NOT EXISTS (SELECT 1 FROM current_state_events c WHERE c.room_id = m.room_id)",
    },
    Invariant {
        name: "current state member rows agree with room_memberships",
        violations_sql: "SELECT count(*) FROM current_state_events c JOIN room_memberships m USING (event_id) WHERE c.membership IS DISTINCT FROM m.membership",
    },
    Invariant {
        name: "receipts name their event's stream ordering",
        violations_sql: "SELECT count(*) FROM receipts_linearized r JOIN events e USING (event_id) WHERE r.event_stream_ordering IS DISTINCT FROM e.stream_ordering",
    },
    Invariant {
        name: "received_ts never decreases along the live stream",
        violations_sql: "SELECT count(*) FROM (SELECT received_ts < lag(received_ts) OVER (ORDER BY stream_ordering) AS back \
                         FROM events WHERE stream_ordering > 0) s WHERE back",
    },
];
