//! convert: the Dendrite model → Synapse rows, one module per area.
