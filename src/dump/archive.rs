//! Archive formats (custom, directory, tar): header and TOC.
use std::path::Path;

use anyhow::{bail, Result};

use super::table::ReadCtx;
use super::{DumpInfo, Format};

pub struct Archive {}

impl Archive {
    pub fn table_names(&self) -> impl Iterator<Item = (&String, &String)> {
        std::iter::empty()
    }
    pub fn info(&self, _path: &Path, _format: Format, _size: u64) -> DumpInfo {
        unreachable!()
    }
    pub fn read(&mut self, _ctx: &mut ReadCtx<'_>) -> Result<()> {
        bail!("archive formats are not implemented yet")
    }
}
