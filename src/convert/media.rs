//! Dendrite media metadata → Synapse media rows.
//!
//! ```ignore
//! pub fn tables<'m>(store: &'m MediaStore, server_name: &str, skipped: &mut Skipped) -> Vec<Table<'m>>
//! ```
//! Pure: no I/O. Four tables, in load order: `local_media_repository`,
//! `local_media_repository_thumbnails`, `remote_media_cache`,
//! `remote_media_cache_thumbnails` (no foreign keys between them). Refused
//! rows are counted in `skipped` by table and reason. A row is produced
//! exactly when `media::plan` carries its file, so `convert` and `media`
//! always agree.
//!
//! Decisions (docs/media.md):
//! * `upload_name` is percent-decoded (Dendrite stores `url.PathEscape` of the
//!   name and decodes it when serving); `""` becomes NULL, as in Synapse.
//!   A name that does not decode to UTF-8, or decodes to a NUL (which
//!   PostgreSQL text cannot hold), is kept as stored.
//! * `sha256` is the hex of Dendrite's `base64hash` (Synapse stores hex).
//! * `authenticated = false`: Dendrite v0.13.8 serves media on both the
//!   legacy unauthenticated and the authenticated endpoints; Synapse serves a
//!   `false` row on both too, so old clients keep working. (Synapse marks
//!   media it receives after enabling authenticated media as `true`.)
//! * Remote media Dendrite cached goes to `remote_media_cache` with a
//!   derived `filesystem_id` and `last_access_ts = created_ts` (Dendrite's
//!   fetch time), so Synapse's remote-media retention treats it as fetched then.
//! * Local `last_access_ts` stays NULL, as Synapse leaves it at upload.
//! * An image with no `scale` thumbnail in Dendrite gets one thumbnail row
//!   that is the original (`plan::ORIGINAL_AS_SCALE` says why), so Synapse
//!   answers `scale` requests with the bytes Dendrite answered.

use std::borrow::Cow;

use super::report::Skipped;
use super::table::Table;
use crate::dendrite::media::MediaStore;
use crate::media::layout::hex;
use crate::media::plan::{self, Item, Place, ThumbItem};
use crate::synapse::Value;

pub const LOCAL_MEDIA: &[&str] = &[
    "media_id",
    "media_type",
    "media_length",
    "created_ts",
    "upload_name",
    "user_id",
    "quarantined_by",
    "url_cache",
    "last_access_ts",
    "safe_from_quarantine",
    "authenticated",
    "sha256",
];
pub const LOCAL_THUMBNAILS: &[&str] =
    &["media_id", "thumbnail_width", "thumbnail_height", "thumbnail_type", "thumbnail_method", "thumbnail_length"];
pub const REMOTE_MEDIA: &[&str] = &[
    "media_origin",
    "media_id",
    "media_type",
    "created_ts",
    "upload_name",
    "media_length",
    "filesystem_id",
    "last_access_ts",
    "quarantined_by",
    "authenticated",
    "sha256",
];
pub const REMOTE_THUMBNAILS: &[&str] = &[
    "media_origin",
    "media_id",
    "thumbnail_width",
    "thumbnail_height",
    "thumbnail_method",
    "thumbnail_type",
    "thumbnail_length",
    "filesystem_id",
];

pub fn tables<'m>(store: &'m MediaStore, server_name: &str, skipped: &mut Skipped) -> Vec<Table<'m>> {
    let plan = plan::plan(store, server_name);
    let mut t = [
        Table::new("local_media_repository", LOCAL_MEDIA),
        Table::new("local_media_repository_thumbnails", LOCAL_THUMBNAILS),
        Table::new("remote_media_cache", REMOTE_MEDIA),
        Table::new("remote_media_cache_thumbnails", REMOTE_THUMBNAILS),
    ];
    for item in &plan.items {
        let sha = hex(&item.sha256);
        match &item.place {
            Place::Local => {
                t[0].push(local_row(item, sha));
                for ti in &item.thumbnails {
                    t[1].push(thumb_row(LOCAL_THUMBNAILS, item, ti, None));
                }
            }
            Place::Remote { file_id } => {
                t[2].push(remote_row(item, sha, file_id.clone()));
                for ti in &item.thumbnails {
                    t[3].push(thumb_row(REMOTE_THUMBNAILS, item, ti, Some(file_id.as_str())));
                }
            }
        }
    }
    for r in &plan.refused {
        skipped.add(r.table, &format!("{}: {}", r.field, r.reason));
    }
    t.into()
}

fn local_row<'m>(it: &Item<'m>, sha: String) -> Vec<Value<'m>> {
    let m = it.media;
    vec![
        Value::from(it.media_id),
        Value::from(m.content_type.as_str()),
        Value::Int(m.size),
        Value::Int(m.creation_ts),
        upload_name(&m.upload_name),
        if m.user_id.is_empty() { Value::Null } else { Value::from(m.user_id.as_str()) },
        Value::Null,
        Value::Null,
        Value::Null,
        Value::Bool(false),
        Value::Bool(false),
        Value::from(sha),
    ]
}

fn remote_row<'m>(it: &Item<'m>, sha: String, file_id: String) -> Vec<Value<'m>> {
    let m = it.media;
    vec![
        Value::from(it.origin),
        Value::from(it.media_id),
        Value::from(m.content_type.as_str()),
        Value::Int(m.creation_ts),
        upload_name(&m.upload_name),
        Value::Int(m.size),
        Value::from(file_id),
        Value::Int(m.creation_ts),
        Value::Null,
        Value::Bool(false),
        Value::from(sha),
    ]
}

/// A thumbnail row in the order of `columns` ([`LOCAL_THUMBNAILS`] or
/// [`REMOTE_THUMBNAILS`]: the same facts, in another order, the remote one
/// with the origin and the file's ID added).
fn thumb_row<'m>(columns: &[&str], it: &Item<'m>, t: &ThumbItem<'m>, file_id: Option<&str>) -> Vec<Value<'m>> {
    let value = |column: &str| match column {
        "media_origin" => Value::from(it.origin),
        "media_id" => Value::from(it.media_id),
        "thumbnail_width" => Value::Int(t.width),
        "thumbnail_height" => Value::Int(t.height),
        "thumbnail_type" => Value::from(t.content_type),
        "thumbnail_method" => Value::from(t.method),
        "thumbnail_length" => Value::Int(t.size),
        "filesystem_id" => Value::from(file_id.map(str::to_owned)),
        other => unreachable!("no thumbnail value for column {other}"),
    };
    columns.iter().map(|c| value(c)).collect()
}

fn upload_name(stored: &str) -> Value<'_> {
    if stored.is_empty() {
        return Value::Null;
    }
    match percent_decode(stored) {
        Some(name) if name != stored => Value::Text(Cow::Owned(name)),
        _ => Value::from(stored),
    }
}

/// Go's `url.PathUnescape`: `%XX` → byte; a malformed escape or a result that
/// is not UTF-8 gives `None` (the caller keeps the stored form).
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hexpair = b.get(i + 1..i + 3)?;
            let v = u8::from_str_radix(std::str::from_utf8(hexpair).ok()?, 16).ok()?;
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    // PostgreSQL text cannot hold NUL: a name with `%00` (any user can upload one) stays as
    // stored rather than stopping the whole conversion.
    if out.contains(&0) {
        return None;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dendrite::media::{Media, Thumbnail};

    /// Values as in fixtures/dendrite-0.13.8/{basic,federation}/dendrite.sql.gz.
    fn fixture_like() -> MediaStore {
        let m = |user: &str, name: &str| Media {
            content_type: "image/jpeg".into(),
            size: 4376,
            creation_ts: 1795720304505,
            upload_name: name.into(),
            base64hash: "1lktMyj_fpAbD_vHpxg-KCpL-qSYOYGq99K2L2QP8_I".into(),
            user_id: user.into(),
            row: 1,
        };
        let t = || Thumbnail {
            content_type: "image/jpeg".into(),
            size: 968,
            width: 32,
            height: 32,
            method: "crop".into(),
            row: 1,
        };
        let mut s = MediaStore::default();
        s.media
            .insert(("localhost:18448".into(), "ba878d39".into()), m("@alice:localhost:18448", "holiday%20photo.jpg"));
        s.media.insert(("localhost:18458".into(), "0fbb733e".into()), m("", ""));
        s.thumbnails.insert(("localhost:18448".into(), "ba878d39".into()), vec![t()]);
        s.thumbnails.insert(("localhost:18458".into(), "0fbb733e".into()), vec![t()]);
        s
    }

    #[test]
    fn local_and_remote_rows() {
        let store = fixture_like();
        let mut skipped = Skipped::default();
        let t = tables(&store, "localhost:18448", &mut skipped);
        let local = &t[0].rows[0];
        assert_eq!(local[0], Value::from("ba878d39"));
        assert_eq!(local[4], Value::from("holiday photo.jpg"));
        assert_eq!(local[5], Value::from("@alice:localhost:18448"));
        // sha256sum of the fixture's JPEG (expected/media.json of basic).
        assert_eq!(local[11], Value::from("d6592d3328ff7e901b0ffbc7a7183e282a4bfaa4983981aaf7d2b62f640ff3f2"));
        // Dendrite's crop, and the original as the scale thumbnail (plan::ORIGINAL_AS_SCALE).
        assert_eq!(t[1].rows.len(), 2);
        assert_eq!(t[1].rows[0][4], Value::from("scale"));
        assert_eq!(t[1].rows[0][5], Value::Int(4376));
        let remote = &t[2].rows[0];
        assert_eq!(remote[0], Value::from("localhost:18458"));
        assert_eq!(remote[4], Value::Null);
        assert_eq!(remote[6], t[3].rows[0][7]);
        assert_eq!(t[3].rows.len(), 2);
        assert!(skipped.is_empty());
    }

    #[test]
    fn refused_rows_are_counted() {
        let mut store = fixture_like();
        let m = store.media.get(&("localhost:18448".into(), "ba878d39".into())).unwrap();
        let bad = Media {
            content_type: m.content_type.clone(),
            upload_name: String::new(),
            base64hash: m.base64hash.clone(),
            user_id: String::new(),
            ..*m
        };
        store.media.insert(("localhost:18448".into(), "../x".into()), bad);
        let mut skipped = Skipped::default();
        let t = tables(&store, "localhost:18448", &mut skipped);
        assert_eq!(t[0].rows.len(), 1);
        let counted: Vec<_> = skipped.iter().map(|(w, _, n)| (w.to_string(), n)).collect();
        assert_eq!(counted, [("mediaapi_media_repository".to_string(), 1)]);
    }

    #[test]
    fn percent_decoding_follows_go() {
        assert_eq!(percent_decode("holiday%20photo.jpg").as_deref(), Some("holiday photo.jpg"));
        assert_eq!(percent_decode("%C3%A9t%C3%A9").as_deref(), Some("été"));
        assert_eq!(percent_decode("100%"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_decode("before%00after"), None);
        assert_eq!(upload_name("before%00after"), Value::from("before%00after"));
        assert_eq!(upload_name("100%"), Value::from("100%"));
        assert_eq!(upload_name(""), Value::Null);
    }
}
