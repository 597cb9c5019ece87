//! Deterministic zip files, written and read back. The `zip` crate does the format (deflate,
//! CRCs, zip64); this module fixes everything that would otherwise vary between two runs: entry
//! order (checked: an entry added out of byte order is an error, so a caller that forgot to sort
//! finds out at once rather than in a diff of two archives), timestamps (one DOS date-time for
//! every entry, no extended-timestamp extra field), permissions (0644, made by Unix) and the
//! compression level. Directory entries are never written: unzip tools make folders from the
//! entry names, and a folder entry would be one more thing to keep sorted.
//!
//! The reading side is for checking a package gongbao wrote, and trusts nothing in it: names are
//! checked as on writing, sizes are bounded, an entry may not yield more bytes than it declares,
//! and every byte before the central directory must belong to exactly one entry. That last rule
//! refuses overlapping entries (the trick of the smallest zip bombs), entries the central
//! directory lists twice (the second would be silently dropped) and data hidden between entries.

use super::{Error, Result, Utc, io_err};
use ::zip::write::SimpleFileOptions;
use ::zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};
use std::io::{self, Read, Seek, Write};

/// The deflate level of every entry. Fixed here so that a change of the zip crate's default
/// cannot change our bytes (the Cargo.lock pins the deflate implementation itself).
const DEFLATE_LEVEL: i64 = 6;

/// Above this size an entry is written with zip64 sizes. It is below 4 GiB by more than
/// deflate's worst-case growth on incompressible data (5 bytes per 64 KiB block), so an entry
/// written without zip64 can never overflow its 32-bit sizes.
const ZIP64_FROM: u64 = 0xF000_0000;

/// Why `name` may not be an entry name, if it may not. Names are relative, `/`-separated,
/// printable ASCII (no control characters, so a name prints on one line in every tool), with no
/// empty, `.` or `..` component, no backslash and no drive letter: any unzip tool extracts such a
/// name inside its target folder and nowhere else. A directory entry's trailing `/` is allowed
/// only when `dir` is set.
pub(crate) fn check_name(name: &str, dir: bool) -> Result<()> {
    let bad = |reason| Err(Error::BadName { name: name.to_string(), reason });
    let body = if dir { name.strip_suffix('/').unwrap_or(name) } else { name };
    if body.is_empty() {
        return bad("empty");
    }
    if !name.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return bad("only printable ASCII is allowed");
    }
    if name.contains('\\') {
        return bad("a backslash is a separator on Windows");
    }
    if name.starts_with('/') {
        return bad("absolute");
    }
    let first = body.split('/').next().unwrap_or_default();
    if first.len() >= 2 && first.as_bytes()[1] == b':' {
        return bad("a drive letter");
    }
    for part in body.split('/') {
        match part {
            "" => return bad("an empty path component"),
            "." | ".." => return bad("a `.` or `..` component"),
            // No common file system takes a longer name: unzipping it would fail.
            _ if part.len() > 255 => return bad("a name longer than 255 bytes"),
            _ => {}
        }
    }
    Ok(())
}

/// A zip being written: entries go in one at a time, each streamed from a reader.
pub(crate) struct ZipOut<W: Write + Seek> {
    inner: ZipWriter<W>,
    time: DateTime,
    last: Option<String>,
}

impl<W: Write + Seek> ZipOut<W> {
    /// A zip whose every entry carries the time `epoch_seconds` (UTC, rounded down to the even
    /// second as DOS time has it). Fails for a time outside DOS time's 1980–2107.
    pub(crate) fn new(out: W, epoch_seconds: i64) -> Result<Self> {
        let t = Utc::from_epoch(epoch_seconds);
        let out_of_range = || Error::Date { epoch_seconds, reason: "zip (DOS) time covers 1980-01-01 to 2107-12-31" };
        let year = u16::try_from(t.year).map_err(|_| out_of_range())?;
        let time = DateTime::from_date_and_time(
            year,
            t.month as u8,
            t.day as u8,
            t.hour as u8,
            t.minute as u8,
            t.second as u8,
        )
        .map_err(|_| out_of_range())?;
        Ok(ZipOut { inner: ZipWriter::new(out), time, last: None })
    }

    /// Adds `name` with the `size` bytes that `reader` gives. Fails when the name breaks the
    /// rules of [`check_name`], when it does not sort after the previous entry (byte order,
    /// which is also what `LC_ALL=C sort` gives), or when the reader gives more or fewer than
    /// `size` bytes. After an error the zip is incomplete and should be thrown away.
    pub(crate) fn add(&mut self, name: &str, size: u64, reader: impl Read) -> Result<()> {
        check_name(name, false)?;
        if let Some(previous) = &self.last
            && previous.as_str() >= name
        {
            return Err(Error::Order { previous: previous.clone(), next: name.to_string() });
        }
        self.last = Some(name.to_string());
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(DEFLATE_LEVEL))
            .last_modified_time(self.time)
            .unix_permissions(0o644)
            .large_file(size > ZIP64_FROM);
        self.inner
            .start_file(name, options)
            .map_err(|source| Error::Zip { context: format!("adding {name}"), source })?;
        // One byte past the declared size is enough to know the stream was longer.
        let mut limited = reader.take(size.saturating_add(1));
        let actual = io::copy(&mut limited, &mut self.inner).map_err(io_err(format!("writing {name}")))?;
        if actual != size {
            return Err(Error::SizeMismatch { name: name.to_string(), declared: size, actual });
        }
        Ok(())
    }

    /// [`add`](Self::add) for bytes already in memory (the small tag files of a bag).
    pub(crate) fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        self.add(name, bytes.len() as u64, bytes)
    }

    /// Writes the central directory and returns the output.
    pub(crate) fn finish(self) -> Result<W> {
        self.inner.finish().map_err(|source| Error::Zip { context: "writing the central directory".into(), source })
    }
}

/// How much a reader accepts before it calls a zip a bomb.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Entries in the central directory.
    pub max_entries: usize,
    /// The uncompressed size of one entry.
    pub max_entry_size: u64,
    /// The uncompressed size of all entries together.
    pub max_total_size: u64,
}

impl Default for Limits {
    /// Generous for a national transfer (a million files, 1 TiB), small enough that a forged
    /// header cannot make a verifier write or read without end.
    fn default() -> Self {
        Limits { max_entries: 1_000_000, max_entry_size: 64 << 30, max_total_size: 1 << 40 }
    }
}

/// One entry of a zip being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The name, checked by [`check_name`].
    pub name: String,
    /// The uncompressed size the zip declares (and the reader enforces).
    pub size: u64,
    /// The CRC-32 the zip declares (checked by the zip crate at the end of the entry).
    pub crc32: u32,
    /// A folder entry (name ending in `/`).
    pub is_dir: bool,
}

/// A zip opened for reading, its central directory checked.
pub(crate) struct ZipIn<R: Read + Seek> {
    archive: ZipArchive<R>,
    entries: Vec<Entry>,
}

impl<R: Read + Seek> ZipIn<R> {
    /// Reads and checks the central directory: names, sizes against `limits`, no encryption, no
    /// method but stored and deflate, and every byte before the central directory belonging to
    /// exactly one entry (local header then data, back to back, from offset 0).
    pub(crate) fn open(reader: R, limits: Limits) -> Result<Self> {
        let zip_err = |context: &str| {
            let context = context.to_string();
            move |source| Error::Zip { context, source }
        };
        let mut archive = ZipArchive::new(reader).map_err(zip_err("reading the central directory"))?;
        if archive.len() > limits.max_entries {
            return Err(Error::Limit { what: format!("{} entries, at most {}", archive.len(), limits.max_entries) });
        }
        if archive.offset() != 0 {
            return Err(Error::Malformed { what: format!("{} bytes before the first entry", archive.offset()) });
        }
        let mut entries = Vec::with_capacity(archive.len());
        let mut spans = Vec::with_capacity(archive.len());
        let mut total = 0u64;
        for i in 0..archive.len() {
            let file = archive.by_index_raw(i).map_err(zip_err(&format!("reading entry {i}")))?;
            let name = file.name().to_string();
            let is_dir = name.ends_with('/');
            check_name(&name, is_dir)?;
            if file.encrypted() {
                return Err(Error::Malformed { what: format!("{name} is encrypted") });
            }
            // A link unpacked may point anywhere; no package holds one.
            if file.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000) {
                return Err(Error::Malformed { what: format!("{name} is a symbolic link") });
            }
            if !matches!(file.compression(), CompressionMethod::Stored | CompressionMethod::Deflated) {
                return Err(Error::Malformed { what: format!("{name} uses {:?}", file.compression()) });
            }
            if file.size() > limits.max_entry_size {
                return Err(Error::Limit {
                    what: format!("{name} declares {} bytes, at most {}", file.size(), limits.max_entry_size),
                });
            }
            total = total.saturating_add(file.size());
            if total > limits.max_total_size {
                return Err(Error::Limit { what: format!("more than {} bytes in all", limits.max_total_size) });
            }
            let data_start = file.data_start().ok_or_else(|| Error::Malformed { what: format!("{name}: no data") })?;
            let end = data_start
                .checked_add(file.compressed_size())
                .ok_or_else(|| Error::Malformed { what: format!("{name}: sizes overflow") })?;
            spans.push((file.header_start(), end, name.clone()));
            entries.push(Entry { name, size: file.size(), crc32: file.crc32(), is_dir });
        }
        // The zip crate keeps one entry per name, so a name listed twice shows up here as a gap.
        spans.sort();
        let mut at = 0u64;
        for (start, end, name) in &spans {
            if *start != at {
                let what = if *start < at { "overlaps the entry before it" } else { "follows bytes no entry owns" };
                return Err(Error::Malformed {
                    what: format!("{name} {what} (a repeated name, an overlap or hidden data)"),
                });
            }
            at = *end;
        }
        if at != archive.central_directory_start() {
            return Err(Error::Malformed { what: "bytes no entry owns before the central directory".into() });
        }
        Ok(ZipIn { archive, entries })
    }

    /// The entries, in the order of the central directory (the order they were written).
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The content of `name`, streamed. The reader fails (as `io::ErrorKind::InvalidData`) if the
    /// entry yields more or fewer bytes than it declares, or if its CRC-32 does not match.
    pub(crate) fn open_entry(&mut self, name: &str) -> Result<EntryReader<'_, R>> {
        let declared = match self.entries.iter().find(|e| e.name == name) {
            Some(e) => e.size,
            None => return Err(Error::Malformed { what: format!("no entry {name}") }),
        };
        let inner =
            self.archive.by_name(name).map_err(|source| Error::Zip { context: format!("opening {name}"), source })?;
        Ok(EntryReader { inner, declared, read: 0 })
    }
}

/// The bytes of one entry; see [`ZipIn::open_entry`].
pub(crate) struct EntryReader<'a, R: Read + Seek> {
    inner: ::zip::read::ZipFile<'a, R>,
    declared: u64,
    read: u64,
}

impl<R: Read + Seek> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Ask for at most one byte past the declared size: enough to notice a liar, never more.
        let room = (self.declared - self.read).saturating_add(1);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.read += n as u64;
        if self.read > self.declared {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "entry longer than its declared size"));
        }
        if n == 0 && want > 0 && self.read < self.declared {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "entry shorter than its declared size"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// 2024-03-01T12:34:56Z.
    const WHEN: i64 = 1_709_296_496;

    fn build(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut z = ZipOut::new(Cursor::new(Vec::new()), WHEN).unwrap();
        for (name, bytes) in files {
            z.add_bytes(name, bytes).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    fn sample() -> Vec<u8> {
        let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        build(&[("a/b.txt", b"hello"), ("a/c.bin", &big), ("a/empty", b""), ("b", b"x")])
    }

    #[test]
    fn same_input_same_bytes() {
        let (one, two) = (sample(), sample());
        assert_eq!(one, two);
        assert_ne!(one, build(&[("a/b.txt", b"hello")]));
    }

    #[test]
    fn entries_carry_the_fixed_time_mode_and_no_extra_fields() {
        let bytes = sample();
        let mut archive = ZipArchive::new(Cursor::new(bytes)).unwrap();
        for i in 0..archive.len() {
            let f = archive.by_index(i).unwrap();
            let t = f.last_modified().unwrap();
            assert_eq!((t.year(), t.month(), t.day(), t.hour(), t.minute(), t.second()), (2024, 3, 1, 12, 34, 56));
            assert_eq!(f.unix_mode(), Some(0o100644), "{}", f.name());
            assert_eq!(f.compression(), CompressionMethod::Deflated);
            assert!(f.extra_data().is_none_or(<[u8]>::is_empty), "{} has extra fields", f.name());
        }
        // A different date changes the bytes: the date is not ignored.
        let mut z = ZipOut::new(Cursor::new(Vec::new()), WHEN + 2).unwrap();
        z.add_bytes("a/b.txt", b"hello").unwrap();
        assert_ne!(z.finish().unwrap().into_inner(), build(&[("a/b.txt", b"hello")]));
    }

    #[test]
    fn out_of_order_or_repeated_entries_are_refused() {
        let mut z = ZipOut::new(Cursor::new(Vec::new()), WHEN).unwrap();
        z.add_bytes("b", b"").unwrap();
        assert!(matches!(z.add_bytes("a", b""), Err(Error::Order { .. })));
        let mut z = ZipOut::new(Cursor::new(Vec::new()), WHEN).unwrap();
        z.add_bytes("b", b"").unwrap();
        assert!(matches!(z.add_bytes("b", b""), Err(Error::Order { .. })));
        // Byte order, not "natural" order: `a.txt` (0x2E) sorts before `a/b` (0x2F).
        let mut z = ZipOut::new(Cursor::new(Vec::new()), WHEN).unwrap();
        z.add_bytes("a.txt", b"").unwrap();
        z.add_bytes("a/b", b"").unwrap();
        z.add_bytes("a0", b"").unwrap();
        z.finish().unwrap();
    }

    #[test]
    fn names_must_be_safe_ascii() {
        for bad in ["", "/etc/passwd", "../x", "a/../b", "a/./b", "a//b", "a\\b", "C:/x", "图.txt", "a\nb", "a/"] {
            let mut z = ZipOut::new(Cursor::new(Vec::new()), WHEN).unwrap();
            assert!(matches!(z.add_bytes(bad, b"x"), Err(Error::BadName { .. })), "{bad:?} was accepted");
        }
        for good in ["a", "a/b-c_d.e~f", "data/%25 x.txt", ".hidden/a..b"] {
            check_name(good, false).unwrap();
        }
        check_name("dir/", true).unwrap();
    }

    #[test]
    fn a_stream_of_the_wrong_size_is_an_error() {
        let mut z = ZipOut::new(Cursor::new(Vec::new()), WHEN).unwrap();
        let e = z.add("a", 4, &b"abc"[..]).unwrap_err();
        assert!(matches!(e, Error::SizeMismatch { declared: 4, actual: 3, .. }), "{e}");
        let mut z = ZipOut::new(Cursor::new(Vec::new()), WHEN).unwrap();
        let e = z.add("a", 2, &b"abc"[..]).unwrap_err();
        assert!(matches!(e, Error::SizeMismatch { declared: 2, actual: 3, .. }), "{e}");
    }

    #[test]
    fn dates_outside_dos_time_are_refused() {
        assert!(matches!(ZipOut::new(Cursor::new(Vec::new()), 0), Err(Error::Date { .. })));
        assert!(matches!(ZipOut::new(Cursor::new(Vec::new()), 5_000_000_000), Err(Error::Date { .. })));
        ZipOut::new(Cursor::new(Vec::new()), 315_532_800).unwrap(); // 1980-01-01
    }

    fn read_all(zip: &mut ZipIn<Cursor<Vec<u8>>>, name: &str) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        zip.open_entry(name).unwrap().read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let mut zip = ZipIn::open(Cursor::new(sample()), Limits::default()).unwrap();
        let names: Vec<_> = zip.entries().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["a/b.txt", "a/c.bin", "a/empty", "b"]);
        assert_eq!(read_all(&mut zip, "a/b.txt").unwrap(), b"hello");
        assert_eq!(read_all(&mut zip, "a/c.bin").unwrap().len(), 200_000);
        assert_eq!(read_all(&mut zip, "a/empty").unwrap(), b"");
    }

    /// Replaces every occurrence of `from` by `to` (same length) in the zip's bytes: in the local
    /// header and in the central directory alike.
    fn patch(mut bytes: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
        assert_eq!(from.len(), to.len());
        let mut hits = 0;
        for i in 0..=bytes.len() - from.len() {
            if &bytes[i..i + from.len()] == from {
                bytes[i..i + from.len()].copy_from_slice(to);
                hits += 1;
            }
        }
        assert!(hits > 0, "nothing to patch");
        bytes
    }

    #[test]
    fn reader_refuses_unsafe_names() {
        for (from, to) in [("zz/x", "../x"), ("zz/x", "/z/x"), ("zz/x", "zz\\x"), ("zz/x", "zz/\u{1}")] {
            let bytes = patch(build(&[("zz/x", b"1")]), from.as_bytes(), to.as_bytes());
            let e = ZipIn::open(Cursor::new(bytes), Limits::default()).err().expect(to);
            assert!(matches!(e, Error::BadName { .. }), "{to:?}: {e}");
        }
    }

    #[test]
    fn reader_refuses_a_name_listed_twice() {
        let bytes = patch(build(&[("x1", b"one"), ("x2", b"two")]), b"x2", b"x1");
        let e = ZipIn::open(Cursor::new(bytes), Limits::default()).err().expect("accepted a duplicate");
        assert!(matches!(e, Error::Malformed { .. }), "{e}");
    }

    #[test]
    fn reader_refuses_oversize_entries() {
        let bytes = sample();
        let limits = Limits { max_entry_size: 199_999, ..Limits::default() };
        assert!(matches!(ZipIn::open(Cursor::new(bytes.clone()), limits), Err(Error::Limit { .. })));
        let limits = Limits { max_total_size: 200_000, ..Limits::default() };
        assert!(matches!(ZipIn::open(Cursor::new(bytes.clone()), limits), Err(Error::Limit { .. })));
        let limits = Limits { max_entries: 3, ..Limits::default() };
        assert!(matches!(ZipIn::open(Cursor::new(bytes.clone()), limits), Err(Error::Limit { .. })));
    }

    #[test]
    fn reader_refuses_an_entry_longer_than_declared() {
        // Declare 3 bytes (instead of 5) in both headers: "hello" must not come out whole.
        let bytes = build(&[("q", b"hello")]);
        let five = 5u32.to_le_bytes();
        let crc = crc32_of(b"hello").to_le_bytes();
        // Sizes follow the CRC in both headers: compressed (4 bytes), then uncompressed (4 bytes).
        let mut patched = bytes.clone();
        let mut hits = 0;
        for i in 0..patched.len() - 12 {
            if patched[i..i + 4] == crc && patched[i + 8..i + 12] == five {
                patched[i + 8..i + 12].copy_from_slice(&3u32.to_le_bytes());
                hits += 1;
            }
        }
        assert_eq!(hits, 2);
        let mut zip = ZipIn::open(Cursor::new(patched), Limits::default()).unwrap();
        let e = read_all(&mut zip, "q").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }

    fn crc32_of(bytes: &[u8]) -> u32 {
        let mut zip = ZipArchive::new(Cursor::new(build(&[("c", bytes)]))).unwrap();
        zip.by_index(0).unwrap().crc32()
    }
}
