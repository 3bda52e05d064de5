//! The media plan: every Dendrite media row and thumbnail row either becomes
//! a (source path, Synapse path) pair or a refusal with its reason.
//!
//! One function decides, and both `convert` (which writes the Synapse rows)
//! and `media` (which copies the files) use it, so a row is written exactly
//! when its file is carried. Paths here are relative: to Dendrite's
//! `base_path` on one side, to Synapse's `media_store_path` on the other.
//!
//! Local vs remote: a row whose origin is the server's own name is local
//! (`local_media_repository`, `local_content/`); any other origin is
//! Dendrite's cache of another server's media, carried into Synapse's cache
//! (`remote_media_cache`, `remote_content/`) under a derived
//! `filesystem_id` (`layout::remote_file_id`), because the origin may be gone
//! and the cached copy may be the last one.

use std::path::PathBuf;

use crate::dendrite::media::{Media, MediaStore, Thumbnail};
use crate::media::layout::{self, ThumbSpec, Unsafe};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Local,
    Remote { file_id: String },
}

pub struct Item<'a> {
    pub origin: &'a str,
    pub media_id: &'a str,
    pub media: &'a Media,
    pub place: Place,
    pub sha256: [u8; 32],
    pub src: PathBuf,
    pub dst: PathBuf,
    pub thumbnails: Vec<ThumbItem<'a>>,
}

pub struct ThumbItem<'a> {
    pub width: i64,
    pub height: i64,
    pub method: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub from: ThumbFrom,
    pub src: PathBuf,
    pub dst: PathBuf,
}

/// Where a Synapse thumbnail's bytes come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThumbFrom {
    /// A thumbnail file Dendrite made (checked by size: Dendrite records no hash).
    Dendrite,
    /// The original itself (checked by its SHA-256), see [`ORIGINAL_AS_SCALE`].
    Original,
}

/// Width and height of the `scale` "thumbnail" that is the original itself.
///
/// Dendrite answers a thumbnail request it has no pre-made thumbnail for with
/// the original (the fixtures: 50x50 and 640x480 `scale` of small images,
/// for which Dendrite made only crops). Synapse (`dynamic_thumbnails: false`)
/// considers only rows of the requested method and answers 404 without one,
/// which clients show as a broken image. So an image with no `scale`
/// thumbnail gets one row whose file is the original: Synapse then serves
/// Dendrite's bytes for every `scale` request. The size is not the image's
/// (the dump does not hold it) but a bound no request exceeds; should the
/// file ever be missing, Synapse regenerates a `scale` thumbnail clamped to
/// the original's size, i.e. the image at full size. `crop` is not treated
/// this way: a regenerated crop at this size would be huge.
pub const ORIGINAL_AS_SCALE: i64 = 65535;

/// A row that is not carried, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Refusal {
    pub table: &'static str,
    pub row: u64,
    pub origin: String,
    pub media_id: String,
    /// The offending column (`media_id`, `media_origin`, `base64hash`, …).
    pub field: &'static str,
    pub reason: String,
}

#[derive(Default)]
pub struct Plan<'a> {
    pub items: Vec<Item<'a>>,
    pub refused: Vec<Refusal>,
}

impl Plan<'_> {
    pub fn thumbnail_count(&self) -> usize {
        self.items.iter().map(|i| i.thumbnails.len()).sum()
    }
}

pub fn plan<'a>(store: &'a MediaStore, server_name: &str) -> Plan<'a> {
    let mut out = Plan::default();
    for ((origin, id), m) in &store.media {
        let thumbs = thumbnails_of(store, origin, id);
        match item(origin, id, m, &thumbs, server_name, &mut out.refused) {
            Ok(it) => out.items.push(it),
            Err((field, why)) => {
                out.refused.push(refusal("mediaapi_media_repository", m.row, origin, id, field, why));
                for t in thumbs {
                    let why = "its media row was refused".to_string();
                    out.refused.push(refusal("mediaapi_thumbnail", t.row, origin, id, "media_id", why));
                }
            }
        }
    }
    orphans(store, &mut out);
    out
}

/// A media's thumbnail rows in a stable order (the store keeps dump order).
fn thumbnails_of<'a>(store: &'a MediaStore, origin: &str, id: &str) -> Vec<&'a Thumbnail> {
    let mut v: Vec<&Thumbnail> =
        store.thumbnails.get(&(origin.to_string(), id.to_string())).into_iter().flatten().collect();
    v.sort_by(|a, b| {
        (a.width, a.height, &a.method, &a.content_type, a.row).cmp(&(
            b.width,
            b.height,
            &b.method,
            &b.content_type,
            b.row,
        ))
    });
    v
}

fn refusal(table: &'static str, row: u64, origin: &str, id: &str, field: &'static str, reason: String) -> Refusal {
    Refusal { table, row, origin: origin.into(), media_id: id.into(), field, reason }
}

fn item<'a>(
    origin: &'a str,
    id: &'a str,
    m: &'a Media,
    thumbs: &[&'a Thumbnail],
    server_name: &str,
    refused: &mut Vec<Refusal>,
) -> Result<Item<'a>, (&'static str, String)> {
    let why = |field: &'static str| move |u: Unsafe| (field, u.to_string());
    layout::component(origin).map_err(why("media_origin"))?;
    layout::split_id(id).map_err(why("media_id"))?;
    let sha256 = layout::decode_hash(&m.base64hash).map_err(why("base64hash"))?;
    if m.size < 0 {
        return Err(("file_size_bytes", format!("negative size {}", m.size)));
    }
    let place = if origin == server_name {
        Place::Local
    } else {
        Place::Remote { file_id: layout::remote_file_id(origin, id) }
    };
    let dst = match &place {
        Place::Local => layout::synapse_local_original(id),
        Place::Remote { file_id } => layout::synapse_remote_original(origin, file_id),
    }
    .map_err(why("media_id"))?;
    let mut thumbnails = Vec::new();
    if m.content_type.starts_with("image/") && !thumbs.iter().any(|t| t.method == "scale") {
        thumbnails.extend(original_as_scale(origin, id, m, &place));
    }
    for t in thumbs {
        match thumb(origin, id, m, t, &place) {
            Ok(ti) => thumbnails.push(ti),
            Err((field, reason)) => refused.push(refusal("mediaapi_thumbnail", t.row, origin, id, field, reason)),
        }
    }
    Ok(Item {
        origin,
        media_id: id,
        media: m,
        place,
        sha256,
        src: layout::dendrite_original(&m.base64hash),
        dst,
        thumbnails,
    })
}

fn thumb<'a>(
    origin: &str,
    id: &str,
    m: &Media,
    t: &'a Thumbnail,
    place: &Place,
) -> Result<ThumbItem<'a>, (&'static str, String)> {
    let spec = ThumbSpec { width: t.width, height: t.height, method: &t.method, content_type: &t.content_type };
    let field = |u: &Unsafe| match u {
        Unsafe::BadMethod => "resize_method",
        Unsafe::BadContentType => "content_type",
        _ => "width",
    };
    spec.check().map_err(|u| (field(&u), u.to_string()))?;
    if t.size < 0 {
        return Err(("file_size_bytes", format!("negative size {}", t.size)));
    }
    let dst = match place {
        Place::Local => layout::synapse_local_thumbnail(id, &spec),
        Place::Remote { file_id } => layout::synapse_remote_thumbnail(origin, file_id, &spec),
    }
    .map_err(|u| (field(&u), u.to_string()))?;
    Ok(ThumbItem {
        width: t.width,
        height: t.height,
        method: &t.method,
        content_type: &t.content_type,
        size: t.size,
        from: ThumbFrom::Dendrite,
        src: layout::dendrite_thumbnail(&m.base64hash, &spec),
        dst,
    })
}

/// `None` when the content type cannot name a Synapse thumbnail (e.g.
/// `image/svg+xml`): then no such row, which is not a refusal.
fn original_as_scale<'a>(origin: &str, id: &str, m: &'a Media, place: &Place) -> Option<ThumbItem<'a>> {
    let (w, h) = (ORIGINAL_AS_SCALE, ORIGINAL_AS_SCALE);
    let spec = ThumbSpec { width: w, height: h, method: "scale", content_type: &m.content_type };
    let dst = match place {
        Place::Local => layout::synapse_local_thumbnail(id, &spec),
        Place::Remote { file_id } => layout::synapse_remote_thumbnail(origin, file_id, &spec),
    }
    .ok()?;
    Some(ThumbItem {
        width: w,
        height: h,
        method: "scale",
        content_type: &m.content_type,
        size: m.size,
        from: ThumbFrom::Original,
        src: layout::dendrite_original(&m.base64hash),
        dst,
    })
}

/// Thumbnail rows without a media row cannot be placed (their file is found
/// through the media row's hash).
fn orphans(store: &MediaStore, out: &mut Plan<'_>) {
    for ((origin, id), thumbs) in &store.thumbnails {
        if store.media.contains_key(&(origin.clone(), id.clone())) {
            continue;
        }
        for t in thumbs {
            let why = "no mediaapi_media_repository row for this media".to_string();
            out.refused.push(refusal("mediaapi_thumbnail", t.row, origin, id, "media_id", why));
        }
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn media(hash: &str) -> Media {
        Media {
            content_type: "image/png".into(),
            size: 3,
            creation_ts: 1,
            upload_name: "a%20b.png".into(),
            base64hash: hash.into(),
            user_id: "@u:me".into(),
            row: 1,
        }
    }

    pub fn thumb(w: i64, method: &str) -> Thumbnail {
        Thumbnail { content_type: "image/jpeg".into(), size: 2, width: w, height: w, method: method.into(), row: 1 }
    }

    pub fn store(media: Vec<(&str, &str, Media)>, thumbs: Vec<(&str, &str, Thumbnail)>) -> MediaStore {
        let mut s = MediaStore::default();
        for (origin, id, m) in media {
            s.media.insert((origin.into(), id.into()), m);
        }
        for (origin, id, t) in thumbs {
            s.thumbnails.entry((origin.into(), id.into())).or_default().push(t);
        }
        s
    }

    const H: &str = "47Ma6I_1osKMkPi8t2nJdA7gGTOtMmwKY86Z2KszJWA";

    #[test]
    fn hostile_rows_are_refused_with_their_thumbnails() {
        let s = store(
            vec![
                ("me", "", media(H)),
                ("me", "../x", media(H)),
                ("me", "/etc/passwd", media(H)),
                ("me", "good1", media(H)),
            ],
            vec![
                ("me", "../x", thumb(32, "crop")),
                ("me", "good1", thumb(32, "crop")),
                ("me", "good1", thumb(64, "../../x")),
            ],
        );
        let p = plan(&s, "me");
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.items[0].dst, PathBuf::from("local_content/go/od/1"));
        // The Dendrite crop, plus the original as the `scale` thumbnail.
        assert_eq!(p.items[0].thumbnails.len(), 2);
        assert_eq!(p.items[0].thumbnails[0].from, ThumbFrom::Original);
        assert_eq!(p.items[0].thumbnails[0].dst, PathBuf::from("local_thumbnails/go/od/1/65535-65535-image-png-scale"));
        assert_eq!(p.items[0].thumbnails[0].src, p.items[0].src);
        let fields: Vec<_> = p.refused.iter().map(|r| (r.media_id.as_str(), r.field)).collect();
        assert!(fields.contains(&("", "media_id")));
        assert!(fields.contains(&("../x", "media_id")));
        assert!(fields.contains(&("/etc/passwd", "media_id")));
        assert!(fields.contains(&("good1", "resize_method")));
        assert_eq!(p.refused.iter().filter(|r| r.table == "mediaapi_thumbnail").count(), 2);
    }

    #[test]
    fn remote_media_goes_to_the_remote_cache() {
        let s = store(
            vec![("peer.example:8448", "remote1", media(H))],
            vec![("peer.example:8448", "remote1", thumb(32, "crop"))],
        );
        let p = plan(&s, "me");
        let it = &p.items[0];
        let Place::Remote { file_id } = &it.place else { panic!("not remote") };
        assert!(it.dst.starts_with("remote_content/peer.example:8448"));
        assert!(it.dst.ends_with(&file_id[4..]));
        assert!(it.thumbnails[1].dst.ends_with("32-32-image-jpeg-crop"));
        assert!(it.thumbnails[0].dst.starts_with("remote_thumbnail/peer.example:8448"));
        assert_eq!(it.thumbnails[1].src, PathBuf::from(format!("4/7/{}/thumbnail-32x32-crop", &H[2..])));
        let bad = store(vec![("..", "remote1", media(H))], vec![]);
        assert_eq!(plan(&bad, "me").refused[0].field, "media_origin");
    }

    #[test]
    fn original_as_scale_only_for_images_without_scale() {
        let mut text = media(H);
        text.content_type = "text/plain".into();
        let mut svg = media(H);
        svg.content_type = "image/svg+xml".into();
        let s = store(
            vec![("me", "scaled", media(H)), ("me", "svg01", svg), ("me", "text1", text)],
            vec![("me", "scaled", thumb(640, "scale"))],
        );
        let p = plan(&s, "me");
        let originals = p.items.iter().flat_map(|i| &i.thumbnails).filter(|t| t.from == ThumbFrom::Original).count();
        assert_eq!(originals, 0, "image with a scale thumbnail, svg and text get none");
        assert!(p.refused.is_empty());
    }

    #[test]
    fn bad_hash_and_orphan_thumbnail() {
        let s = store(
            vec![("me", "abcdef", media("../../../../../../etc/passwd/aaaaaaaaaaaaaaaaaa"))],
            vec![("me", "zzzzzz", thumb(32, "crop"))],
        );
        let p = plan(&s, "me");
        assert!(p.items.is_empty());
        assert_eq!(p.refused[0].field, "base64hash");
        assert!(p.refused[1].reason.contains("no mediaapi_media_repository row"));
    }
}
