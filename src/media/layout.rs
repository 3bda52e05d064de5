//! Where media files live: Dendrite's store (by content hash) and Synapse's
//! (by media id), and the checks that keep every derived path inside its store.
//!
//! Dendrite (`mediaapi/fileutils`, v0.13.8; confirmed on the fixtures' `media/`):
//!   original   `<base>/<h[0]>/<h[1]>/<h[2..]>/file`          h = base64hash
//!   thumbnail  `<base>/<h[0]>/<h[1]>/<h[2..]>/thumbnail-<w>x<h>-<method>`
//! Several media rows may share one hash, hence one file and one set of
//! thumbnail files.
//!
//! Synapse (`synapse/media/filepath.py`, 1.163.2):
//!   local original   `local_content/<id[0:2]>/<id[2:4]>/<id[4:]>`
//!   local thumbnail  `local_thumbnails/<id[0:2]>/<id[2:4]>/<id[4:]>/<w>-<h>-<top>-<sub>-<method>`
//!   remote original  `remote_content/<origin>/<fid[0:2]>/<fid[2:4]>/<fid[4:]>`
//!   remote thumbnail `remote_thumbnail/<origin>/<fid[0:2]>/<fid[2:4]>/<fid[4:]>/<w>-<h>-<top>-<sub>-<method>`
//!
//! Traps: every component must pass Synapse's own rule (only
//! `[A-Za-z0-9_.:\[\]-]`, not empty, not `.` or `..`), or Synapse would refuse
//! to serve it, and a name such as `../x` or `/etc/passwd` would otherwise walk
//! out of the store. The id is sliced per *component*, so `a..bcd` is fine but
//! `ab..cd` is not (`id[2:4]` = `..`). A media id must be at least 5 characters
//! (`id[4:]` is a component). We restrict to ASCII, so byte slicing equals
//! Synapse's character slicing.

use std::fmt;
use std::path::PathBuf;

use base64::Engine;
use sha2::{Digest, Sha256};

/// Why a name from the dump cannot become a path component.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unsafe {
    Empty,
    DotOrDotDot,
    /// A character outside Synapse's allowed set (`/`, space, NUL, non-ASCII …).
    BadCharacter(char),
    /// Media ids and file ids need at least 5 characters for Synapse's 2/2/rest split.
    TooShort,
    /// `base64hash` is not 43 characters of URL-safe base64 (a SHA-256).
    BadHash,
    /// Thumbnail method other than `crop` / `scale`.
    BadMethod,
    /// Thumbnail content type not of the form `top/sub` with safe parts.
    BadContentType,
    /// Width or height not a positive number.
    BadSize,
}

impl fmt::Display for Unsafe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsafe::Empty => f.write_str("empty"),
            Unsafe::DotOrDotDot => f.write_str("a path component would be '.' or '..'"),
            Unsafe::BadCharacter(c) => write!(f, "character {c:?} is not allowed in a media store path"),
            Unsafe::TooShort => f.write_str("shorter than 5 characters (Synapse splits ids 2/2/rest)"),
            Unsafe::BadHash => f.write_str("not a SHA-256 in unpadded URL-safe base64 (43 characters)"),
            Unsafe::BadMethod => f.write_str("thumbnail method is neither 'crop' nor 'scale'"),
            Unsafe::BadContentType => f.write_str("thumbnail content type is not 'type/subtype' of safe characters"),
            Unsafe::BadSize => f.write_str("thumbnail width/height is not a positive number"),
        }
    }
}

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']' | ':')
}

/// Synapse's `_validate_path_component`.
pub fn component(name: &str) -> Result<&str, Unsafe> {
    if name.is_empty() {
        return Err(Unsafe::Empty);
    }
    if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        return Err(Unsafe::BadCharacter(c));
    }
    if name == "." || name == ".." {
        return Err(Unsafe::DotOrDotDot);
    }
    Ok(name)
}

/// `id[0:2]/id[2:4]/id[4:]`, each a safe component.
pub fn split_id(id: &str) -> Result<[&str; 3], Unsafe> {
    if id.is_empty() {
        return Err(Unsafe::Empty);
    }
    if let Some(c) = id.chars().find(|c| !allowed(*c)) {
        return Err(Unsafe::BadCharacter(c));
    }
    if id.len() < 5 {
        return Err(Unsafe::TooShort);
    }
    Ok([component(&id[0..2])?, component(&id[2..4])?, component(&id[4..])?])
}

/// The SHA-256 recorded in `base64hash`.
pub fn decode_hash(base64hash: &str) -> Result<[u8; 32], Unsafe> {
    if base64hash.len() != 43 {
        return Err(Unsafe::BadHash);
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(base64hash).map_err(|_| Unsafe::BadHash)?;
    bytes.try_into().map_err(|_| Unsafe::BadHash)
}

/// The directory of Dendrite's file for a hash, relative to `base_path`.
/// Only called with a hash `decode_hash` accepted (URL-safe alphabet, no `.`).
pub fn dendrite_dir(base64hash: &str) -> PathBuf {
    [&base64hash[0..1], &base64hash[1..2], &base64hash[2..]].iter().collect()
}

pub fn dendrite_original(base64hash: &str) -> PathBuf {
    dendrite_dir(base64hash).join("file")
}

pub fn dendrite_thumbnail(base64hash: &str, t: &ThumbSpec<'_>) -> PathBuf {
    dendrite_dir(base64hash).join(format!("thumbnail-{}x{}-{}", t.width, t.height, t.method))
}

/// A thumbnail's identity as both servers name it.
#[derive(Clone, Copy, Debug)]
pub struct ThumbSpec<'a> {
    pub width: i64,
    pub height: i64,
    pub method: &'a str,
    pub content_type: &'a str,
}

impl ThumbSpec<'_> {
    pub fn check(&self) -> Result<(), Unsafe> {
        if self.width <= 0 || self.height <= 0 || self.width > i32::MAX as i64 || self.height > i32::MAX as i64 {
            return Err(Unsafe::BadSize);
        }
        if self.method != "crop" && self.method != "scale" {
            return Err(Unsafe::BadMethod);
        }
        self.type_parts().map(|_| ())
    }

    fn type_parts(&self) -> Result<(&str, &str), Unsafe> {
        let (top, sub) = self.content_type.split_once('/').ok_or(Unsafe::BadContentType)?;
        let ok = |s: &str| component(s).is_ok() && !s.contains('/');
        if ok(top) && ok(sub) {
            Ok((top, sub))
        } else {
            Err(Unsafe::BadContentType)
        }
    }

    /// `<w>-<h>-<top>-<sub>-<method>`; call after `check`.
    pub fn synapse_name(&self) -> Result<String, Unsafe> {
        let (top, sub) = self.type_parts()?;
        let name = format!("{}-{}-{}-{}-{}", self.width, self.height, top, sub, self.method);
        component(&name)?;
        Ok(name)
    }
}

pub fn synapse_local_original(media_id: &str) -> Result<PathBuf, Unsafe> {
    let [a, b, c] = split_id(media_id)?;
    Ok(["local_content", a, b, c].iter().collect())
}

pub fn synapse_local_thumbnail(media_id: &str, t: &ThumbSpec<'_>) -> Result<PathBuf, Unsafe> {
    t.check()?;
    let [a, b, c] = split_id(media_id)?;
    Ok(["local_thumbnails", a, b, c, &t.synapse_name()?].iter().collect())
}

pub fn synapse_remote_original(origin: &str, file_id: &str) -> Result<PathBuf, Unsafe> {
    let [a, b, c] = split_id(file_id)?;
    Ok(["remote_content", component(origin)?, a, b, c].iter().collect())
}

pub fn synapse_remote_thumbnail(origin: &str, file_id: &str, t: &ThumbSpec<'_>) -> Result<PathBuf, Unsafe> {
    t.check()?;
    let [a, b, c] = split_id(file_id)?;
    Ok(["remote_thumbnail", component(origin)?, a, b, c, &t.synapse_name()?].iter().collect())
}

/// The `filesystem_id` for a remote media: Synapse picks a random one when it
/// fetches; we derive it from (origin, media id) so that `convert` and `media`
/// agree without sharing state, and reruns give the same id. 24 hex digits,
/// like the length of Synapse's own random ids.
pub fn remote_file_id(origin: &str, media_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"dendrite2synapse remote media\0");
    h.update(origin.as_bytes());
    h.update(b"\0");
    h.update(media_id.as_bytes());
    hex(&h.finalize()[..12])
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_are_refused() {
        assert_eq!(split_id(""), Err(Unsafe::Empty));
        assert_eq!(split_id("../x"), Err(Unsafe::BadCharacter('/')));
        assert_eq!(split_id("/etc/passwd"), Err(Unsafe::BadCharacter('/')));
        assert_eq!(split_id("a..bcdef").map(|_| ()), Ok(()));
        assert_eq!(split_id("ab..cdef"), Err(Unsafe::DotOrDotDot));
        assert_eq!(split_id("ab.."), Err(Unsafe::TooShort));
        assert_eq!(split_id("ab..x"), Err(Unsafe::DotOrDotDot));
        assert_eq!(split_id("..abc"), Err(Unsafe::DotOrDotDot));
        assert_eq!(split_id("abcd.."), Err(Unsafe::DotOrDotDot));
        assert_eq!(split_id("abcd\u{e9}f"), Err(Unsafe::BadCharacter('\u{e9}')));
        assert_eq!(split_id("abc\0def"), Err(Unsafe::BadCharacter('\0')));
        assert_eq!(component(".."), Err(Unsafe::DotOrDotDot));
        assert_eq!(component("localhost:8448"), Ok("localhost:8448"));
        assert_eq!(component("[::1]:8448"), Ok("[::1]:8448"));
        assert_eq!(component("a/b"), Err(Unsafe::BadCharacter('/')));
    }

    #[test]
    fn synapse_paths_match_filepath_py() {
        // Expected strings written from filepath.py's format, not from this code.
        let id = "cf4681aa31586a0a";
        assert_eq!(synapse_local_original(id).unwrap(), PathBuf::from("local_content/cf/46/81aa31586a0a"));
        let t = ThumbSpec { width: 32, height: 32, method: "crop", content_type: "image/jpeg" };
        assert_eq!(
            synapse_local_thumbnail(id, &t).unwrap(),
            PathBuf::from("local_thumbnails/cf/46/81aa31586a0a/32-32-image-jpeg-crop")
        );
        assert_eq!(
            synapse_remote_thumbnail("localhost:18458", "0123456789ab", &t).unwrap(),
            PathBuf::from("remote_thumbnail/localhost:18458/01/23/456789ab/32-32-image-jpeg-crop")
        );
        assert_eq!(synapse_remote_original("../..", "0123456789ab"), Err(Unsafe::BadCharacter('/')));
        assert_eq!(synapse_remote_original("..", "0123456789ab"), Err(Unsafe::DotOrDotDot));
    }

    #[test]
    fn thumbnail_specs_are_checked() {
        let bad = |w, h, m, ct| ThumbSpec { width: w, height: h, method: m, content_type: ct }.check();
        assert_eq!(bad(0, 1, "crop", "image/png"), Err(Unsafe::BadSize));
        assert_eq!(bad(1, 1, "../x", "image/png"), Err(Unsafe::BadMethod));
        assert_eq!(bad(1, 1, "scale", "image/../../x"), Err(Unsafe::BadContentType));
        assert_eq!(bad(1, 1, "scale", "image"), Err(Unsafe::BadContentType));
        assert_eq!(bad(1, 1, "scale", "image/svg+xml"), Err(Unsafe::BadContentType));
        assert_eq!(bad(1, 1, "scale", "image/png"), Ok(()));
    }

    #[test]
    fn dendrite_paths_and_hashes() {
        // A hash and path from fixtures/dendrite-0.13.8/basic.
        let h = "47Ma6I_1osKMkPi8t2nJdA7gGTOtMmwKY86Z2KszJWA";
        assert_eq!(dendrite_original(h), PathBuf::from("4/7/Ma6I_1osKMkPi8t2nJdA7gGTOtMmwKY86Z2KszJWA/file"));
        // SHA-256 of the fixture's avatar.png, as recorded in expected/media.json.
        assert_eq!(hex(&decode_hash(h).unwrap()), "e3b31ae88ff5a2c28c90f8bcb769c9740ee01933ad326c0a63ce99d8ab332560");
        assert_eq!(decode_hash("../../../../etc/passwd"), Err(Unsafe::BadHash));
        assert_eq!(decode_hash(&"=".repeat(43)), Err(Unsafe::BadHash));
    }

    #[test]
    fn remote_file_ids_are_stable_and_distinct() {
        let a = remote_file_id("a.example", "x1234");
        assert_eq!(a.len(), 24);
        assert_eq!(a, remote_file_id("a.example", "x1234"));
        assert_ne!(a, remote_file_id("a.exampl", "ex1234"));
        assert!(split_id(&a).is_ok());
    }
}
