//! A state block's event NIDs, held compact: the largest thing convert
//! keeps that grows faster than the events (a big room's full blocks repeat
//! its whole state; entries per event were 34 at 1M events and 41 at 3M, so
//! 8 bytes each were about 300 bytes per event: docs/performance.md).
//!
//! How it works: Dendrite writes a block as a sorted set, so the NIDs are
//! stored as LEB128 varints of their differences (the first one whole): a
//! big room's NIDs are a few hundred apart, so most entries take one or two
//! bytes. Every [`SKIP`]th entry's value and byte offset are kept aside, so
//! a membership test binary-searches those and decodes at most [`SKIP`]
//! entries, as a binary search over the plain array would answer.
//!
//! Traps: only a strictly increasing list of non-negative NIDs is packed; any
//! other (a damaged or hand-made dump) stays a plain array, in its order, and
//! is searched as it always was (`binary_search`), so every answer is the
//! same as before the packing. Iteration gives the NIDs in stored order.

/// Entries between two kept (value, offset) points.
const SKIP: usize = 64;

/// One block's event NIDs (see the module comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockNids {
    Packed(Packed),
    Plain(Box<[i64]>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    len: u32,
    /// The last (largest) NID: a state event is usually tested against the
    /// blocks before it, all of whose NIDs are smaller.
    last: i64,
    /// The first NID, then each difference to the one before, as varints.
    bytes: Box<[u8]>,
    /// For entries SKIP, 2·SKIP, …: (its NID, the offset of the next entry).
    skips: Box<[(i64, u32)]>,
}

impl BlockNids {
    pub fn new(nids: &[i64]) -> BlockNids {
        let increasing = nids.windows(2).all(|w| w[0] < w[1]);
        let packable = increasing && nids.first().map_or(true, |&n| n >= 0) && nids.len() < u32::MAX as usize;
        match packable {
            true => BlockNids::Packed(Packed::new(nids)).fits_or_plain(nids),
            false => BlockNids::Plain(nids.into()),
        }
    }

    /// A plain array when the bytes would not fit a `u32` offset (never in practice).
    fn fits_or_plain(self, nids: &[i64]) -> BlockNids {
        match &self {
            BlockNids::Packed(p) if p.bytes.len() >= u32::MAX as usize => BlockNids::Plain(nids.into()),
            _ => self,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        match self {
            BlockNids::Packed(p) => p.len as usize,
            BlockNids::Plain(v) => v.len(),
        }
    }

    /// The NID of a one-entry block.
    pub fn single(&self) -> Option<i64> {
        let mut it = self.iter();
        match (it.next(), it.next()) {
            (Some(nid), None) => Some(nid),
            _ => None,
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        match self {
            BlockNids::Packed(p) => Iter::Packed { bytes: &p.bytes, at: 0, prev: 0, left: p.len },
            BlockNids::Plain(v) => Iter::Plain(v.iter()),
        }
    }

    #[cfg(test)]
    pub fn first(&self) -> Option<i64> {
        self.iter().next()
    }

    pub fn last(&self) -> Option<i64> {
        match self {
            BlockNids::Packed(p) => p.last(),
            BlockNids::Plain(v) => v.last().copied(),
        }
    }

    /// Whether the block names `nid` (for a plain array: its binary search).
    pub fn contains(&self, nid: i64) -> bool {
        match self {
            BlockNids::Packed(p) => p.contains(nid),
            BlockNids::Plain(v) => v.binary_search(&nid).is_ok(),
        }
    }
}

impl From<&[i64]> for BlockNids {
    fn from(nids: &[i64]) -> BlockNids {
        BlockNids::new(nids)
    }
}

impl Packed {
    fn new(nids: &[i64]) -> Packed {
        let mut bytes = Vec::with_capacity(nids.len() * 2);
        let mut skips = Vec::with_capacity(nids.len() / SKIP);
        let mut prev = 0;
        for (i, &nid) in nids.iter().enumerate() {
            put_varint(&mut bytes, (nid - prev) as u64);
            prev = nid;
            if i > 0 && i % SKIP == 0 {
                skips.push((nid, bytes.len() as u32));
            }
        }
        Packed { len: nids.len() as u32, last: prev, bytes: bytes.into(), skips: skips.into() }
    }

    /// Every entry, from the start.
    fn all(&self) -> Iter<'_> {
        Iter::Packed { bytes: &self.bytes, at: 0, prev: 0, left: self.len }
    }

    /// The entries after entry `index`, whose NID is `value` and whose next
    /// entry starts at byte `at`.
    fn after(&self, index: usize, value: i64, at: u32) -> Iter<'_> {
        Iter::Packed { bytes: &self.bytes, at: at as usize, prev: value, left: self.len - index as u32 - 1 }
    }

    /// From the last kept point at or below `nid`, decodes until past it.
    fn contains(&self, nid: i64) -> bool {
        if self.len == 0 || nid > self.last {
            return false;
        }
        let k = self.skips.partition_point(|&(v, _)| v <= nid);
        let rest = match k {
            0 => self.all(),
            _ => match self.skips[k - 1] {
                (value, _) if value == nid => return true,
                (value, at) => self.after(k * SKIP, value, at),
            },
        };
        rest.take_while(|&n| n <= nid).any(|n| n == nid)
    }

    fn last(&self) -> Option<i64> {
        (self.len > 0).then_some(self.last)
    }
}

/// The NIDs of a block, in stored order.
pub enum Iter<'a> {
    Packed { bytes: &'a [u8], at: usize, prev: i64, left: u32 },
    Plain(std::slice::Iter<'a, i64>),
}

impl Iterator for Iter<'_> {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        match self {
            Iter::Packed { bytes, at, prev, left } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                let (delta, next) = get_varint(bytes, *at);
                *at = next;
                *prev += delta as i64;
                Some(*prev)
            }
            Iter::Plain(it) => it.next().copied(),
        }
    }
}

/// Appends `v` as an LEB128 varint (7 bits a byte, low first; high bit = more).
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The varint at `at`, and the offset after it. The bytes were written by
/// [`put_varint`] in this process, so they are complete.
fn get_varint(bytes: &[u8], mut at: usize) -> (u64, usize) {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[at];
        at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return (v, at);
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every answer equals the plain array's, packed or not, around the
    /// kept points and at the ends (lengths across several SKIPs, gaps of
    /// one byte and of ten).
    #[test]
    fn answers_like_the_plain_array() {
        let gaps = [1i64, 2, 127, 128, 300, 1 << 40];
        for len in [0usize, 1, 2, 63, 64, 65, 127, 128, 129, 200, 1000] {
            let nids: Vec<i64> =
                (0..len).scan(5i64, |n, i| Some(std::mem::replace(n, *n + gaps[i % gaps.len()]))).collect();
            let b = BlockNids::new(&nids);
            assert!(matches!(b, BlockNids::Packed(_)), "len {len}");
            assert_eq!(b.iter().collect::<Vec<_>>(), nids, "len {len}");
            assert_eq!((b.len(), b.first(), b.last()), (nids.len(), nids.first().copied(), nids.last().copied()));
            let probes = nids.iter().flat_map(|&n| [n - 1, n, n + 1]).chain([i64::MIN, -1, 0, i64::MAX]);
            for p in probes {
                assert_eq!(b.contains(p), nids.binary_search(&p).is_ok(), "len {len}, probe {p}");
            }
        }
    }

    /// Unsorted, repeated or negative NIDs stay a plain array, in order.
    #[test]
    fn other_lists_stay_plain() {
        for nids in [vec![3, 1, 2], vec![1, 1, 2], vec![-5, 2]] {
            let b = BlockNids::new(&nids);
            assert_eq!(b, BlockNids::Plain(nids.clone().into()));
            assert_eq!(b.iter().collect::<Vec<_>>(), nids);
        }
    }

    /// The packing is the point: a room-sized block takes about a byte an entry.
    #[test]
    fn a_dense_block_takes_a_byte_an_entry() {
        let nids: Vec<i64> = (1_000_000..1_010_000).step_by(7).collect();
        let BlockNids::Packed(p) = BlockNids::new(&nids) else { panic!("not packed") };
        assert!(p.bytes.len() < nids.len() + 8, "{} bytes for {} entries", p.bytes.len(), nids.len());
    }
}
