//! Media metadata: `mediaapi_media_repository` and `mediaapi_thumbnail`.
//! Local uploads have the server's own name as origin and a non-empty
//! `user_id`; remote media is a cache (origin = the remote server).

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{Col, Fields, Header};
use crate::dump::{Row, TableHeader};

pub struct Media {
    pub content_type: String,
    pub size: i64,
    pub creation_ts: i64,
    pub upload_name: String,
    /// SHA-256 of the content, URL-safe base64 without padding (the on-disk path).
    pub base64hash: String,
    /// Uploader; `''` for remote media.
    pub user_id: String,
}

pub struct Thumbnail {
    pub content_type: String,
    pub size: i64,
    pub creation_ts: i64,
    pub width: i64,
    pub height: i64,
    pub method: String,
}

#[derive(Default)]
pub struct MediaStore {
    /// (origin, media ID) → media.
    pub media: BTreeMap<(String, String), Media>,
    /// (origin, media ID) → thumbnails.
    pub thumbnails: BTreeMap<(String, String), Vec<Thumbnail>>,
}

pub struct MediaCols {
    id: Col,
    origin: Col,
    kind: Col,
    size: Col,
    created: Col,
    name: Option<Col>,
    hash: Col,
    user: Option<Col>,
}

impl MediaCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(MediaCols {
            id: h.required("media_id")?,
            origin: h.required("media_origin")?,
            kind: h.required("content_type")?,
            size: h.required("file_size_bytes")?,
            created: h.required("creation_ts")?,
            name: h.optional("upload_name"),
            hash: h.required("base64hash")?,
            user: h.optional("user_id"),
        })
    }

    pub fn load(&self, m: &mut MediaStore, row: &Row) -> Result<()> {
        let f = Fields(row);
        let media = Media {
            content_type: f.string(self.kind)?,
            size: f.i64(self.size)?,
            creation_ts: f.i64(self.created)?,
            upload_name: f.opt_string(self.name)?.unwrap_or_default(),
            base64hash: f.string(self.hash)?,
            user_id: f.opt_string(self.user)?.unwrap_or_default(),
        };
        m.media.insert((f.string(self.origin)?, f.string(self.id)?), media);
        Ok(())
    }
}

pub struct ThumbnailCols {
    id: Col,
    origin: Col,
    kind: Col,
    size: Col,
    created: Col,
    width: Col,
    height: Col,
    method: Col,
}

impl ThumbnailCols {
    pub fn bind(t: &TableHeader) -> Result<Self> {
        let h = Header(t);
        Ok(ThumbnailCols {
            id: h.required("media_id")?,
            origin: h.required("media_origin")?,
            kind: h.required("content_type")?,
            size: h.required("file_size_bytes")?,
            created: h.required("creation_ts")?,
            width: h.required("width")?,
            height: h.required("height")?,
            method: h.required("resize_method")?,
        })
    }

    pub fn load(&self, m: &mut MediaStore, row: &Row) -> Result<()> {
        let f = Fields(row);
        let t = Thumbnail {
            content_type: f.string(self.kind)?,
            size: f.i64(self.size)?,
            creation_ts: f.i64(self.created)?,
            width: f.i64(self.width)?,
            height: f.i64(self.height)?,
            method: f.string(self.method)?,
        };
        m.thumbnails.entry((f.string(self.origin)?, f.string(self.id)?)).or_default().push(t);
        Ok(())
    }
}
