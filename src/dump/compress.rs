//! Streaming decompression for the codecs pg_dump writes, and a reader that
//! counts consumed bytes for the progress bar.
//!
//! Custom-format data blocks are *zlib* streams (not gzip) when compressed
//! with gzip; directory `.dat.gz` files and `pg_dump | gzip` are real gzip
//! files (possibly several members, hence `MultiGzDecoder`). LZ4 is always
//! the frame format, zstd the standard frame.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::error::DumpError;

/// Compression of a data stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    None,
    /// zlib stream (custom-format blocks)
    Zlib,
    /// gzip file (directory format, gzipped plain dumps)
    Gzip,
    Lz4,
    Zstd,
}

impl Codec {
    pub fn name(self) -> &'static str {
        match self {
            Codec::None => "uncompressed",
            Codec::Zlib => "zlib",
            Codec::Gzip => "gzip",
            Codec::Lz4 => "lz4",
            Codec::Zstd => "zstd",
        }
    }
}

/// Wraps `r` in a streaming decoder for `codec`. Errors the decoder reports
/// come back as `io::Error`s tagged with the codec (see [`describe_io`]).
pub fn decoder<'a, R: Read + Send + 'a>(codec: Codec, r: R) -> io::Result<Box<dyn Read + Send + 'a>> {
    Ok(match codec {
        Codec::None => Box::new(r),
        Codec::Zlib => Box::new(Tagged(codec, flate2::read::ZlibDecoder::new(r))),
        Codec::Gzip => Box::new(Tagged(codec, flate2::read::MultiGzDecoder::new(BufReader::new(r)))),
        Codec::Lz4 => Box::new(Tagged(codec, lz4_flex::frame::FrameDecoder::new(r))),
        Codec::Zstd => Box::new(Tagged(codec, zstd::stream::read::Decoder::new(r)?)),
    })
}

/// Marks errors coming out of a decoder with its codec name.
struct Tagged<R>(Codec, R);

#[derive(Debug)]
struct CodecError {
    codec: Codec,
    inner: io::Error,
}

impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.codec.name(), self.inner)
    }
}

impl std::error::Error for CodecError {}

impl<R: Read> Read for Tagged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.1.read(buf).map_err(|inner| {
            if inner.get_ref().is_some_and(|e| e.is::<CodecError>() || e.is::<DumpError>()) {
                return inner; // already described by an inner layer
            }
            let kind = inner.kind();
            io::Error::new(kind, CodecError { codec: self.0, inner })
        })
    }
}

/// Turns an I/O error met while reading dump data into the dump error that
/// explains it: early end → truncated, decoder complaint → corrupt data.
pub fn describe_io(e: io::Error) -> anyhow::Error {
    if e.get_ref().is_some_and(|i| i.is::<DumpError>()) {
        let inner = e.into_inner().expect("checked above");
        return anyhow::Error::from(*inner.downcast::<DumpError>().expect("checked above"));
    }
    let kind = e.kind();
    match (kind, e.get_ref().and_then(|i| i.downcast_ref::<CodecError>())) {
        (io::ErrorKind::UnexpectedEof, Some(c)) => {
            DumpError::Truncated(format!("{} stream ends early", c.codec.name())).into()
        }
        (io::ErrorKind::UnexpectedEof, None) => DumpError::Truncated("unexpected end of data".into()).into(),
        (_, Some(c)) => {
            if c.inner.get_ref().is_some_and(|i| i.is::<DumpError>()) {
                let CodecError { inner, .. } =
                    *e.into_inner().expect("checked").downcast::<CodecError>().expect("checked");
                return describe_io(inner);
            }
            DumpError::CorruptCompressed { codec: c.codec.name(), detail: c.inner.to_string() }.into()
        }
        _ => anyhow::Error::from(e),
    }
}

/// A byte count shared with the progress bar (and across threads).
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
    pub fn set(&self, v: u64) {
        self.0.store(v, Ordering::Relaxed)
    }
    fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
}

/// Counts the bytes read through it (progress bar, tar member sizes).
pub struct Counting<R> {
    pub inner: R,
    pub count: Counter,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.add(n as u64);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.count.add(n as u64);
        self.inner.consume(n)
    }
}

/// Reads up to `limit` decompressed bytes from the start of `data` (for
/// detection and header sniffing); a stream cut short is not an error here.
pub fn peek_decompressed(codec: Codec, data: &[u8], limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if let Ok(d) = decoder(codec, data) {
        let _ = d.take(limit as u64).read_to_end(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_round_trip_and_truncation() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&b"hello world\n".repeat(1000)).unwrap();
        let gz = enc.finish().unwrap();
        let mut out = Vec::new();
        decoder(Codec::Gzip, &gz[..]).unwrap().read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 12000);
        let err = decoder(Codec::Gzip, &gz[..gz.len() / 2]).unwrap().read_to_end(&mut Vec::new()).unwrap_err();
        assert!(describe_io(err).to_string().contains("truncated"), "truncation is named");
        let mut bad = gz.clone();
        let n = bad.len();
        bad[n / 2] ^= 0xff;
        bad[n / 2 + 1] ^= 0xff;
        let err = decoder(Codec::Gzip, &bad[..]).unwrap().read_to_end(&mut Vec::new()).unwrap_err();
        let msg = describe_io(err).to_string();
        assert!(msg.contains("gzip"), "{msg}");
    }
}
