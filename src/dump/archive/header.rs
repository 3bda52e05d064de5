//! The archive header (custom files, and `toc.dat` of directory and tar
//! dumps): magic, version, sizes, format, compression, creation time,
//! database name and version strings.

use std::io::Read;

use super::super::compress::Codec;
use super::super::error::DumpError;
use super::primitives::ArchiveReader;

/// Archive format codes written in the header.
pub const FORMAT_CUSTOM: u8 = 1;
/// Tar and directory dumps both write 3 into `toc.dat`.
pub const FORMAT_TAR: u8 = 3;

#[derive(Clone, Debug)]
pub struct Header {
    pub version: (u8, u8, u8),
    pub int_size: usize,
    pub off_size: usize,
    pub format: u8,
    /// Compression of the data (custom blocks, directory files).
    pub codec: Codec,
    pub database: Option<String>,
    pub server_version: Option<String>,
    pub pg_dump_version: Option<String>,
}

impl Header {
    pub fn at_least(&self, minor: u8) -> bool {
        (self.version.0, self.version.1) >= (1, minor)
    }
}

pub fn read<R: Read>(r: &mut ArchiveReader<R>) -> Result<Header, DumpError> {
    let mut magic = [0u8; 5];
    r.exact(&mut magic)?;
    if &magic != b"PGDMP" {
        return Err(DumpError::NotADump("bytes that are not the PGDMP magic".into()));
    }
    let major = r.byte()?;
    let minor = r.byte()?;
    let rev = if major > 1 || minor > 0 { r.byte()? } else { 0 };
    if major != 1 || !(12..=16).contains(&minor) {
        return Err(DumpError::UnsupportedVersion(major, minor, rev));
    }
    r.int_size = usize::from(r.byte()?);
    r.off_size = usize::from(r.byte()?);
    if !(1..=8).contains(&r.int_size) || !(1..=8).contains(&r.off_size) {
        return Err(r.corrupt(format!("integer size {} / offset size {} out of range", r.int_size, r.off_size)));
    }
    let format = r.byte()?;
    if format != FORMAT_CUSTOM && format != FORMAT_TAR {
        return Err(r.corrupt(format!("unknown archive format code {format}")));
    }
    let codec = if minor >= 15 {
        match r.byte()? {
            0 => Codec::None,
            1 => Codec::Zlib,
            2 => Codec::Lz4,
            3 => Codec::Zstd,
            c => return Err(r.corrupt(format!("unknown compression algorithm {c}"))),
        }
    } else {
        match r.int()? {
            0 => Codec::None,
            -1 | 1..=9 => Codec::Zlib,
            l => return Err(r.corrupt(format!("compression level {l} out of range"))),
        }
    };
    for _ in 0..7 {
        r.int()?; // creation time: sec, min, hour, mday, mon, year, isdst
    }
    let database = r.string()?;
    let server_version = r.string()?;
    let pg_dump_version = r.string()?;
    Ok(Header {
        version: (major, minor, rev),
        int_size: r.int_size,
        off_size: r.off_size,
        format,
        codec,
        database,
        server_version,
        pg_dump_version,
    })
}
