//! inspect: what a Dendrite dump holds, for people and (with --json) for scripts.

use std::path::PathBuf;

use anyhow::{bail, Result};

pub fn run(_dumps: &[PathBuf], _json: bool) -> Result<()> {
    bail!("inspect is not implemented yet")
}
