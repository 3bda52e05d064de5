//! The parts of src/identity/ that read dendrite.yaml and write the `config`
//! fragment, for the dendrite_yaml target (not `signing_key`, which needs the
//! whole dump model).

#[path = "../../../src/identity/config.rs"]
pub mod config;
#[path = "../../../src/identity/dendrite_yaml.rs"]
pub mod dendrite_yaml;
#[path = "../../../src/identity/key.rs"]
pub mod key;
#[path = "../../../src/identity/listeners.rs"]
pub mod listeners;

/// `config::run` writes through this; the target calls `render` only.
pub fn atomic_write(_: &std::path::Path, _: &[u8], _: u32) -> anyhow::Result<()> {
    unreachable!("the fuzz target never writes the fragment")
}
