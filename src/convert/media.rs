//! Dendrite media metadata → Synapse media rows.
//!
//! Pure: no I/O. Four tables: `local_media_repository`,
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

use super::report::{Skip, Skipped};
use crate::dendrite::media::MediaStore;
use crate::media::layout::hex;
use crate::media::plan::{self, Item, Place, ThumbItem};
use crate::synapse::tables::{self as syn, Tables};
use crate::synapse::Text;

/// `local_media_repository`, `local_media_repository_thumbnails`,
/// `remote_media_cache`, `remote_media_cache_thumbnails`.
pub fn tables<'m>(store: &'m MediaStore, server_name: &str, out: &mut Tables<'m>, skipped: &mut Skipped) {
    let plan = plan::plan(store, server_name);
    for item in &plan.items {
        let sha = hex(&item.sha256);
        match &item.place {
            Place::Local => {
                out.local_media_repository.push(local_row(item, sha));
                for ti in &item.thumbnails {
                    out.local_media_repository_thumbnails.push(local_thumb(item, ti));
                }
            }
            Place::Remote { file_id } => {
                out.remote_media_cache.push(remote_row(item, sha, file_id.clone()));
                for ti in &item.thumbnails {
                    out.remote_media_cache_thumbnails.push(remote_thumb(item, ti, file_id.clone()));
                }
            }
        }
    }
    for r in &plan.refused {
        skipped.add(Skip::MediaRefused(r.table, r.field, r.reason.clone()));
    }
}

fn local_row<'m>(it: &Item<'m>, sha: String) -> syn::LocalMedia<'m> {
    let m = it.media;
    syn::LocalMedia {
        media_id: it.media_id.into(),
        media_type: m.content_type.as_str().into(),
        media_length: m.size,
        created_ts: m.creation_ts,
        upload_name: upload_name(&m.upload_name),
        user_id: if m.user_id.is_empty() { None } else { Some(m.user_id.as_str().into()) },
        quarantined_by: None,
        url_cache: None,
        last_access_ts: None,
        safe_from_quarantine: false,
        authenticated: false,
        sha256: sha.into(),
    }
}

fn remote_row<'m>(it: &Item<'m>, sha: String, file_id: String) -> syn::RemoteMedia<'m> {
    let m = it.media;
    syn::RemoteMedia {
        media_origin: it.origin.into(),
        media_id: it.media_id.into(),
        media_type: m.content_type.as_str().into(),
        created_ts: m.creation_ts,
        upload_name: upload_name(&m.upload_name),
        media_length: m.size,
        filesystem_id: file_id.into(),
        last_access_ts: m.creation_ts,
        quarantined_by: None,
        authenticated: false,
        sha256: sha.into(),
    }
}

fn local_thumb<'m>(it: &Item<'m>, t: &ThumbItem<'m>) -> syn::LocalThumbnail<'m> {
    syn::LocalThumbnail {
        media_id: it.media_id.into(),
        thumbnail_width: t.width,
        thumbnail_height: t.height,
        thumbnail_type: t.content_type.into(),
        thumbnail_method: t.method.into(),
        thumbnail_length: t.size,
    }
}

/// The same facts as a local thumbnail, plus the origin and the file's ID.
fn remote_thumb<'m>(it: &Item<'m>, t: &ThumbItem<'m>, file_id: String) -> syn::RemoteThumbnail<'m> {
    syn::RemoteThumbnail {
        media_origin: it.origin.into(),
        media_id: it.media_id.into(),
        thumbnail_width: t.width,
        thumbnail_height: t.height,
        thumbnail_method: t.method.into(),
        thumbnail_type: t.content_type.into(),
        thumbnail_length: t.size,
        filesystem_id: file_id.into(),
    }
}

fn upload_name(stored: &str) -> Option<Text<'_>> {
    if stored.is_empty() {
        return None;
    }
    match percent_decode(stored) {
        Some(name) if name != stored => Some(Cow::Owned(name)),
        _ => Some(Cow::Borrowed(stored)),
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
        let mut t = Tables::default();
        tables(&store, "localhost:18448", &mut t, &mut skipped);
        let local = &t.local_media_repository.rows[0];
        assert_eq!(local.media_id, "ba878d39");
        assert_eq!(local.upload_name.as_deref(), Some("holiday photo.jpg"));
        assert_eq!(local.user_id.as_deref(), Some("@alice:localhost:18448"));
        // sha256sum of the fixture's JPEG (expected/media.json of basic).
        assert_eq!(local.sha256, "d6592d3328ff7e901b0ffbc7a7183e282a4bfaa4983981aaf7d2b62f640ff3f2");
        // Dendrite's crop, and the original as the scale thumbnail (plan::ORIGINAL_AS_SCALE).
        let thumbs = &t.local_media_repository_thumbnails.rows;
        assert_eq!(thumbs.len(), 2);
        assert_eq!(thumbs[0].thumbnail_method, "scale");
        assert_eq!(thumbs[0].thumbnail_length, 4376);
        let remote = &t.remote_media_cache.rows[0];
        assert_eq!(remote.media_origin, "localhost:18458");
        assert_eq!(remote.upload_name, None);
        assert_eq!(remote.filesystem_id, t.remote_media_cache_thumbnails.rows[0].filesystem_id);
        assert_eq!(t.remote_media_cache_thumbnails.rows.len(), 2);
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
        let mut t = Tables::default();
        tables(&store, "localhost:18448", &mut t, &mut skipped);
        assert_eq!(t.local_media_repository.rows.len(), 1);
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
        assert_eq!(upload_name("before%00after").as_deref(), Some("before%00after"));
        assert_eq!(upload_name("100%").as_deref(), Some("100%"));
        assert_eq!(upload_name(""), None);
    }
}
