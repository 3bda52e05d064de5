//! The server's identity and settings: `signing-key` (Dendrite's PEM →
//! Synapse's `signing.key`) and `config` (dendrite.yaml → a homeserver.yaml
//! fragment). Both outputs can hold secrets: written 0600, via a temporary
//! name in the same directory and a rename, so a failure leaves no partial file.

pub mod config;
pub mod dendrite_yaml;
pub mod key;
pub mod listeners;
pub mod signing_key;

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `data` to `path` atomically with `mode`. `-` writes to stdout.
pub fn atomic_write(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    if path == Path::new("-") {
        std::io::stdout().lock().write_all(data)?;
        return Ok(());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // tempfile creates the file 0600 from the start: secrets are never readable by others.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()))
        .suffix(".partial")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(data)?;
    tmp.as_file().set_permissions(fs::Permissions::from_mode(mode))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("renaming into {}", path.display()))?;
    Ok(())
}
