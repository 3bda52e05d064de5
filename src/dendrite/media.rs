//! Media metadata: `mediaapi_media_repository` and `mediaapi_thumbnail`.
//! Local uploads have the server's own name as origin and a non-empty
//! `user_id`; remote media is a cache (origin = the remote server).
//!
//! Values are kept as Dendrite stored them: `upload_name` is still
//! percent-encoded (`url.PathEscape` at upload), `base64hash` unpadded
//! URL-safe base64. Nothing here judges whether a name is safe for a path:
//! that is `media::layout`'s job, so every caller sees every row and can
//! report the refused ones (with `row`, the 1-based row number in the dump).
//!
//! Besides the full [`Loader`](super::Loader), [`read`] fills just this part
//! (plus the account server names) for the `media` command, which must work
//! on the media API's own dump when Dendrite used one database per component.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Result;

use super::columns::{columns, Col, Fields, Header};
use crate::dump::{self, Row, TableHeader, Visitor, Want};

pub struct Media {
    pub content_type: String,
    pub size: i64,
    pub creation_ts: i64,
    pub upload_name: String,
    /// SHA-256 of the content, URL-safe base64 without padding (the on-disk path).
    pub base64hash: String,
    /// Uploader; `''` for remote media.
    pub user_id: String,
    /// 1-based row number in the dump, for reports.
    pub row: u64,
}

pub struct Thumbnail {
    pub content_type: String,
    pub size: i64,
    pub width: i64,
    pub height: i64,
    pub method: String,
    pub row: u64,
}

#[derive(Default)]
pub struct MediaStore {
    /// (origin, media ID) → media.
    pub media: BTreeMap<(String, String), Media>,
    /// (origin, media ID) → thumbnails.
    pub thumbnails: BTreeMap<(String, String), Vec<Thumbnail>>,
}

columns! {
    pub struct MediaCols {
        id: required("media_id"),
        origin: required("media_origin"),
        kind: required("content_type"),
        size: required("file_size_bytes"),
        created: required("creation_ts"),
        name: optional("upload_name"),
        hash: required("base64hash"),
        user: optional("user_id"),
    }
}

impl MediaCols {
    pub fn load(&self, m: &mut MediaStore, row: &Row) -> Result<()> {
        let f = Fields(row);
        let media = Media {
            content_type: f.string(self.kind)?,
            size: f.i64(self.size)?,
            creation_ts: f.i64(self.created)?,
            upload_name: f.opt_string(self.name)?.unwrap_or_default(),
            base64hash: f.string(self.hash)?,
            user_id: f.opt_string(self.user)?.unwrap_or_default(),
            row: row.number,
        };
        m.media.insert((f.string(self.origin)?, f.string(self.id)?), media);
        Ok(())
    }
}

columns! {
    pub struct ThumbnailCols {
        id: required("media_id"),
        origin: required("media_origin"),
        kind: required("content_type"),
        size: required("file_size_bytes"),
        width: required("width"),
        height: required("height"),
        method: required("resize_method"),
    }
}

impl ThumbnailCols {
    pub fn load(&self, m: &mut MediaStore, row: &Row) -> Result<()> {
        let f = Fields(row);
        let t = Thumbnail {
            content_type: f.string(self.kind)?,
            size: f.i64(self.size)?,
            width: f.i64(self.width)?,
            height: f.i64(self.height)?,
            method: f.string(self.method)?,
            row: row.number,
        };
        m.thumbnails.entry((f.string(self.origin)?, f.string(self.id)?)).or_default().push(t);
        Ok(())
    }
}

/// What the `media` command reads from the dump(s).
#[derive(Default)]
pub struct MediaDump {
    pub store: MediaStore,
    /// Distinct `userapi_accounts.server_name` values (to tell local media from remote).
    pub account_servers: BTreeSet<String>,
    /// Whether the inputs held `mediaapi_media_repository` at all.
    pub saw_media_table: bool,
}

impl MediaDump {
    /// The one account server name; `None` when there are none or several.
    pub fn server_name(&self) -> Option<&str> {
        match self.account_servers.len() {
            1 => self.account_servers.iter().next().map(String::as_str),
            _ => None,
        }
    }
}

enum MediaBound {
    Media(MediaCols),
    Thumbnails(ThumbnailCols),
    Accounts(Col),
}

#[derive(Default)]
struct MediaVisitor {
    out: MediaDump,
    current: Option<MediaBound>,
}

impl Visitor for MediaVisitor {
    fn table(&mut self, t: &TableHeader) -> Result<Want> {
        self.current = match t.name.as_str() {
            "mediaapi_media_repository" => {
                self.out.saw_media_table = true;
                Some(MediaBound::Media(MediaCols::bind(t)?))
            }
            "mediaapi_thumbnail" => Some(MediaBound::Thumbnails(ThumbnailCols::bind(t)?)),
            "userapi_accounts" => Header(t).optional("server_name").map(MediaBound::Accounts),
            _ => None,
        };
        Ok(if self.current.is_some() { Want::Rows } else { Want::Skip })
    }

    fn row(&mut self, _t: &TableHeader, row: &Row<'_>) -> Result<()> {
        match &self.current {
            Some(MediaBound::Media(c)) => c.load(&mut self.out.store, row),
            Some(MediaBound::Thumbnails(c)) => c.load(&mut self.out.store, row),
            Some(MediaBound::Accounts(c)) => {
                if let Some(s) = Fields(row).opt_string(Some(*c))? {
                    self.out.account_servers.insert(s);
                }
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn end_table(&mut self, _t: &TableHeader, _rows: u64) -> Result<()> {
        self.current = None;
        Ok(())
    }
}

/// Reads only the media tables (and account server names) from the dumps.
pub fn read(dumps: &[PathBuf]) -> Result<MediaDump> {
    let mut set = dump::open(dumps)?;
    let mut v = MediaVisitor::default();
    set.read(&mut v)?;
    Ok(v.out)
}
