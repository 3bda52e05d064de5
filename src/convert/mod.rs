//! convert: the Dendrite model → Synapse rows, one module per area.

// Until the `convert` command wires these in, only the tests call them.
#![allow(dead_code)]

pub mod state;
