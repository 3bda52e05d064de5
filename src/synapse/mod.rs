//! synapse: Synapse rows → one SQL script (guards, COPY blocks, fix-ups, assertions).
