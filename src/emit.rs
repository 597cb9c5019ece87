//! Stage 6, `emit`: runs the render jobs in parallel and writes each file into a staging folder
//! beside the output, hashing as it writes. Only when every file is written and sealed does the
//! staging folder replace the output, so a failed build leaves the previous site untouched.
//!
//! The build cache: in the site's `.gongbao/cache/` (never beside the output, where a web root
//! would publish it), one file per output folder records for every file the
//! fingerprint of what it was made from (see `Renderer::fingerprint`), its checksum, size and
//! modification time. A job whose fingerprint is unchanged, and whose file in the output is still
//! the one written (same size and time), is not rendered again: the staging folder then holds
//! only the changed files, which are moved into the output, and files no job writes any more are
//! removed, all or nothing (see [`Staging::commit_into`]).

use crate::model::diag::{Diagnostic, Pos};
use crate::model::rules;
use crate::msg;
use crate::site::data::AsBytes;
use crate::site::memo::{Mark, Marks};
use crate::site::{Job, Renderer};
use crate::source::hex;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) mod interrupt;
mod spare;
pub(crate) use spare::Spares;
pub(crate) use spare::Wanted;

/// A written file: its path in the output, size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Written {
    /// Path relative to the output root, `/`-separated.
    pub path: String,
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
}

/// One file of a build's output as the build keeps it until it is sealed and cached: a
/// national site has millions of files, so the checksum and fingerprint are kept as bytes
/// (about a hundred bytes and the path per file, against some six hundred as strings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutFile {
    /// Path relative to the output root, `/`-separated.
    pub path: std::sync::Arc<str>,
    /// SHA-256.
    pub sha256: [u8; 32],
    /// Bytes.
    pub size: u64,
    /// Fingerprint of what it was made from (see `Renderer::fingerprint`); `None` for files
    /// always made anew.
    pub fp: Option<[u8; 32]>,
    /// The stamp of the file in the output (modification time, inode and change time, see
    /// `stamp_of`); 0 until known.
    pub stamp: u64,
    /// Written into the staging folder by this build, rather than reused from the output.
    pub staged: bool,
}

impl OutFile {
    /// A file this build wrote into the staging folder.
    pub fn staged(w: Written, fp: Option<[u8; 32]>) -> OutFile {
        OutFile {
            path: w.path.into(),
            sha256: unhex(&w.sha256).unwrap_or_default(),
            size: w.size,
            fp,
            stamp: 0,
            staged: true,
        }
    }
}

/// What the manifest lists of a file: path, lower-case hex SHA-256 and size.
pub trait Listed {
    /// Path relative to the output root.
    fn path(&self) -> &str;
    /// Lower-case hex SHA-256.
    fn sha256_hex(&self) -> std::borrow::Cow<'_, str>;
    /// Bytes.
    fn size(&self) -> u64;
    /// Appends the lower-case hex SHA-256 to `out` (the manifest and the sums write it for every
    /// file of the output on every build).
    fn push_sha256_hex(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.sha256_hex().as_bytes());
    }
    /// Whether `other` is listed as this is: the same path, size and SHA-256.
    fn same_listing(&self, other: &Self) -> bool
    where
        Self: Sized,
    {
        self.path() == other.path() && self.size() == other.size() && self.sha256_hex() == other.sha256_hex()
    }
}

/// Appends `bytes` as lower-case hex to `out`, with no string in between.
pub(crate) fn push_hex(bytes: &[u8], out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 15)]);
    }
}

/// Appends `s` as a JSON string, as `serde_json` writes it: most paths need no escape and are
/// copied between quotes; the others go through `serde_json`.
pub(crate) fn push_json_str(s: &str, out: &mut Vec<u8>) {
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
        return;
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// Appends `n` in decimal, with no string in between.
pub(crate) fn push_u64(mut n: u64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

impl Listed for Written {
    fn path(&self) -> &str {
        &self.path
    }
    fn sha256_hex(&self) -> std::borrow::Cow<'_, str> {
        self.sha256.as_str().into()
    }
    fn size(&self) -> u64 {
        self.size
    }
}

impl Listed for OutFile {
    fn path(&self) -> &str {
        &self.path
    }
    fn sha256_hex(&self) -> std::borrow::Cow<'_, str> {
        hex(&self.sha256).into()
    }
    fn size(&self) -> u64 {
        self.size
    }
    fn push_sha256_hex(&self, out: &mut Vec<u8>) {
        push_hex(&self.sha256, out);
    }
    fn same_listing(&self, other: &Self) -> bool {
        self.sha256 == other.sha256 && self.size == other.size && self.path == other.path
    }
}

/// The 32 bytes written as 64 hex digits in `s`.
pub(crate) fn unhex(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// Takes the lock of output folder `out` for one build of the site at `root`: a file under
/// `.gongbao/locks/`, named by the output's absolute path, locked for as long as the returned
/// file is held. `Ok(None)` when another build holds it. Two builds into one output would each
/// remove the other's staging folder and could move a half-written one into place, and two
/// registering builds would both append to the publication register.
pub(crate) fn lock_output(root: &Path, out: &Path) -> std::io::Result<Option<std::fs::File>> {
    let dir = root.join(".gongbao").join("locks");
    std::fs::create_dir_all(&dir)?;
    let abs = absolute(out);
    let name: String = abs
        .file_name()
        .map(|n| {
            n.to_string_lossy().chars().filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_').take(40).collect()
        })
        .unwrap_or_default();
    let key = hex(&Sha256::digest(abs.to_string_lossy().as_bytes()));
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(format!("{name}-{}.lock", &key[..16])))?;
    // A lock can outlive its build by a moment: a program that another thread of the same
    // process starts (`git` for the history, a test's clean build) holds a copy of every open
    // file, the lock's too, from its fork until it runs (exec), and the lock is let go only
    // when the last copy is closed. That moment is waited out; a build that holds the lock
    // holds it far longer.
    let until = std::time::Instant::now() + LOCK_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < until => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// How long [`lock_output`] waits for a lock held by another build before it gives up.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The folder a build writes into before it becomes the output.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    /// Under `serve`, the spare copies of the output's largest files.
    spares: Option<Arc<Spares>>,
    /// The staging folder is removed if a signal stops the command.
    _scratch: interrupt::Scratch,
}

impl Staging {
    /// Makes a fresh staging folder beside `out` (removing a stale one a crashed build left,
    /// and the folders [`Staging::commit_leaving`] and [`Staging::commit_into_leaving`] left
    /// aside and not removed yet).
    pub fn new(out: &Path) -> std::io::Result<Staging> {
        let dir = Staging::path(out);
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent)?;
            let prefix = Staging::spent_prefix(out);
            let removing = REMOVING.lock().map(|r| r.clone()).unwrap_or_default();
            for e in std::fs::read_dir(parent)?.flatten() {
                // One that a thread of this process is removing is left to it: removing the
                // whole output that `serve` replaced on starting takes tens of seconds at a
                // national scale, which the first edit would otherwise wait for.
                if e.file_name().to_string_lossy().starts_with(&prefix) && !removing.contains(&e.path()) {
                    // Another process may be removing it at the same time.
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        let scratch = interrupt::scratch(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Staging { dir, out: out.to_path_buf(), spares: None, _scratch: scratch })
    }

    /// The staging folder, taking its largest files from `spares` where they hold them.
    pub(crate) fn with_spares(self, spares: Arc<Spares>) -> Staging {
        Staging { spares: Some(spares), ..self }
    }

    /// The spare of the output's file at `rel` whose bytes are `id` (see [`Spares::take`]),
    /// moved to the same path in the staging folder and opened to be written.
    pub(crate) fn take_spare(&self, rel: &str, id: &[u8; 32]) -> Option<std::fs::File> {
        self.spares.as_ref()?.take(rel, id, &self.dir.join(rel))
    }

    /// Where the staging folder of output folder `out` is made: beside it, on the same file
    /// system, so the new output is moved into place rather than copied.
    pub fn path(out: &Path) -> PathBuf {
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        parent.join(format!(".{name}.gongbao-staging"))
    }

    /// Removes `spent`, a folder that [`Staging::commit_leaving`] or
    /// [`Staging::commit_into_leaving`] left aside, on a thread of its own; a [`Staging::new`]
    /// meanwhile leaves it to that thread.
    pub(crate) fn remove_aside(spent: PathBuf) {
        if let Ok(mut r) = REMOVING.lock() {
            r.insert(spent.clone());
        }
        std::thread::spawn(move || {
            let _scratch = interrupt::scratch(&spent);
            let _ = std::fs::remove_dir_all(&spent);
            if let Ok(mut r) = REMOVING.lock() {
                r.remove(&spent);
            }
        });
    }

    /// A new name for a spent staging folder of output folder `out`, beside it.
    fn spent(out: &Path) -> PathBuf {
        static SPENT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SPENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Staging::path(out).with_file_name(format!("{}{}-{n}", Staging::spent_prefix(out), std::process::id()))
    }

    /// How the names of the spent staging folders of `out` begin.
    fn spent_prefix(out: &Path) -> String {
        let staging = Staging::path(out);
        let name = staging.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        format!("{name}-spent-")
    }

    /// The staging folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` at `rel` and returns its record.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<Written> {
        self.put(rel, bytes)?;
        Ok(Written { path: rel.to_string(), size: bytes.len() as u64, sha256: hex(&Sha256::digest(bytes)) })
    }

    /// Writes `bytes`, whose SHA-256 is `sha256`, at `rel`; returns its entry, with that
    /// checksum as its fingerprint too (for files whose bytes are all they are made from).
    pub(crate) fn write_summed(&self, rel: &str, bytes: &[u8], sha256: [u8; 32]) -> std::io::Result<OutFile> {
        self.put(rel, bytes)?;
        let size = bytes.len() as u64;
        Ok(OutFile { path: rel.into(), sha256, size, fp: Some(sha256), stamp: 0, staged: true })
    }

    fn put(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(&path, bytes)
    }

    /// Writes the file at `rel` through `fill`, hashing it as it goes, so a large file (the
    /// open-data tables) never has to be whole in memory; returns its record.
    pub fn write_with(
        &self,
        rel: &str,
        fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> std::io::Result<Written> {
        use std::io::Write;
        /// Counts and hashes what passes through to the file.
        struct Hashing<W> {
            inner: W,
            hash: Sha256,
            size: u64,
        }
        impl<W: Write> Write for Hashing<W> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let n = self.inner.write(buf)?;
                self.hash.update(&buf[..n]);
                self.size += n as u64;
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                self.inner.flush()
            }
        }
        let mut w = Hashing { inner: self.create(rel)?, hash: Sha256::new(), size: 0 };
        fill(&mut w)?;
        w.flush()?;
        Ok(Written { path: rel.to_string(), size: w.size, sha256: hex(&w.hash.finalize()) })
    }

    /// Writes the table at `rel` from its pieces, under `serve`, where `last` is what this
    /// session kept of the table when it last wrote it. The bytes before the first piece that
    /// differs are those of that file, and so is their SHA-256: the checksum is taken up from
    /// the last mark before that piece. Of that file, `over` gives a copy (checked by the
    /// caller), told the mark and whether more of its bytes stay where they are than those
    /// before the mark: while the pieces that differ are as long as the pieces they replace,
    /// each is where the one it replaces was (a record's text reworded changes its rows'
    /// checksums, not their lengths). A spare copy in place has those pieces written over in
    /// it, and is cut where the pieces stop being in their places; the output's copy has the
    /// bytes before the mark copied by the kernel rather than written again. The rest is
    /// written from the rows themselves, gathered (`writev`), never copied into a buffer.
    /// Returns the file's record and its marks for the next time.
    pub(crate) fn write_table(
        &self,
        rel: &str,
        table: &crate::site::data::Recorded,
        last: Option<Marks>,
        over: impl FnOnce(Option<&Mark>, bool) -> Over,
    ) -> std::io::Result<(Written, Vec<Mark>)> {
        use std::io::Seek;
        use std::os::unix::fs::FileExt;
        let (mut at, mut before, same) = match last {
            Some(Marks { table: before, mut at, .. }) => {
                let same = table.same_start(&before);
                at.truncate(at.partition_point(|m| m.piece <= same));
                (at, Some(before), same)
            }
            None => (Vec::new(), None, 0),
        };
        // A mark is where its piece starts in this table too (unless two different rows had
        // one SHA-256): else the table is hashed from its start, and written whole.
        if let Some(m) = at.last()
            && (0..m.piece).map(|k| table.bytes(k)).sum::<u64>() != m.bytes
        {
            at.clear();
            before = None;
        }
        let from = at.last().cloned();
        // The pieces as long as the last file's, each at the same place in both files:
        // `(pieces, bytes)` up to the first that is not.
        let placed = before.as_ref().map_or((0, 0), |b| {
            let mut k = 0;
            let mut bytes = 0;
            while k < table.len() && k < b.len() && table.bytes(k) == b.bytes(k) {
                bytes += table.bytes(k);
                k += 1;
            }
            (k, bytes)
        });
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        let marked_bytes = from.as_ref().map_or(0, |m| m.bytes);
        // Without a mark, a copy is only written over in place when none of it is cut. Each
        // piece written over is a write of its own: when more than a gathered write's worth
        // differ (a setting that changes every row), the rest is written in sequence.
        let whole = before.as_ref().is_some_and(|b| placed.0 == table.len() && placed.0 == b.len());
        let scattered = before.as_ref().map_or(0, |b| (same..placed.0).filter(|&k| !table.same_piece(b, k)).count());
        let in_place_wanted = scattered <= GATHER && if from.is_some() { placed.1 > marked_bytes } else { whole };
        // The first piece to write in sequence, and the bytes before it (kept); and whether the
        // pieces before it that differ are written over in place.
        let mut start = (0, 0);
        let mut in_place = false;
        let mut file = match (over(from.as_ref(), in_place_wanted), &from) {
            (Over::Spare(mut file), _) => {
                let keep = if in_place_wanted { placed.1.max(marked_bytes) } else { marked_bytes };
                if keep > marked_bytes {
                    start = placed;
                    in_place = true;
                } else if let Some(m) = &from {
                    start = (m.piece, m.bytes);
                }
                file.set_len(keep)?;
                file.seek(std::io::SeekFrom::Start(keep))?;
                file
            }
            (Over::Output(old), Some(m)) => {
                use std::io::Read;
                let mut file = std::fs::File::create(&path)?;
                // Copied in the kernel (`copy_file_range`): never read into memory.
                if std::io::copy(&mut old.take(m.bytes), &mut file)? == m.bytes {
                    start = (m.piece, m.bytes);
                    file
                } else {
                    std::fs::File::create(&path)?
                }
            }
            _ => std::fs::File::create(&path)?,
        };
        let (hash_from, mut marked, mut hash) = from.map_or((0, 0, Sha256::new()), |m| (m.piece, m.bytes, m.state));
        // Hashed from `hash_from`, written from `start`; the first of them at its place in the file.
        let first = hash_from.min(start.0);
        let mut bytes = if first == hash_from { marked } else { start.1 };
        let mut slices: Vec<std::io::IoSlice<'_>> = Vec::with_capacity(GATHER);
        for k in first..table.len() {
            let (own, row) = table.piece(k);
            let row = row.map(|(row, _)| &row[..]);
            let size = (own.len() + row.map_or(0, <[u8]>::len)) as u64;
            if k >= hash_from {
                if bytes - marked >= MARK_EVERY {
                    at.push(Mark { piece: k, bytes, state: hash.clone() });
                    marked = bytes;
                }
                hash.update(own);
                if let Some(row) = row {
                    hash.update(row);
                }
            }
            if k >= start.0 {
                slices.push(std::io::IoSlice::new(own));
                slices.extend(row.map(std::io::IoSlice::new));
                if slices.len() + 2 > GATHER {
                    write_gathered(&mut file, &mut slices)?;
                }
            } else if in_place && k >= same && !before.as_ref().is_some_and(|b| table.same_piece(b, k)) {
                file.write_all_at(own, bytes)?;
                if let Some(row) = row {
                    file.write_all_at(row, bytes + own.len() as u64)?;
                }
            }
            bytes += size;
        }
        write_gathered(&mut file, &mut slices)?;
        Ok((Written { path: rel.to_string(), size: bytes, sha256: hex(&hash.finalize()) }, at))
    }

    /// Writes the file `rel` as `fill` makes it, as [`Staging::write_with`] does but without its
    /// checksum, for a file no list names (`SHA256SUMS`: at a national scale, 100 MB).
    pub(crate) fn write_unlisted(
        &self,
        rel: &str,
        fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        use std::io::Write;
        let mut w = self.create(rel)?;
        fill(&mut w)?;
        w.flush()
    }

    /// Writes `bytes` into the file at `rel` from byte `offset` on (a line left blank).
    pub(crate) fn write_at(&self, rel: &str, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        std::fs::OpenOptions::new().write(true).open(self.dir.join(rel))?.write_all_at(bytes, offset)
    }

    /// A new file at `rel`, its folders made.
    fn create(&self, rel: &str) -> std::io::Result<std::io::BufWriter<std::fs::File>> {
        if interrupt::stopping() {
            return Err(std::io::Error::from(std::io::ErrorKind::Interrupted));
        }
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        Ok(std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&path)?))
    }

    /// Replaces the output with the staging folder. When that fails, the previous output is put
    /// back and the staging folder removed.
    pub fn commit(self) -> std::io::Result<()> {
        self.commit_leaving(false).map(drop)
    }

    /// [`Staging::commit`]; with `leave`, the previous output is renamed aside rather than
    /// removed, and its path returned for the caller to remove off the build's path (`serve`:
    /// removing the 220,000 files of a 50,000-record site took over a minute on the benchmark's
    /// machine). A later [`Staging::new`] removes any such folder left behind.
    pub(crate) fn commit_leaving(self, leave: bool) -> std::io::Result<Option<PathBuf>> {
        let old = self.dir.with_file_name(format!(
            ".{}.gongbao-old",
            self.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        ));
        if old.exists() {
            std::fs::remove_dir_all(&old)?;
        }
        // The previous output, once moved aside, is removed if a signal stops the command; the
        // two renames are not cut by one.
        let _aside = interrupt::scratch(&old);
        let swap = interrupt::swapping();
        let swapped = (|| {
            if self.out.exists() {
                std::fs::rename(&self.out, &old)?;
            }
            if let Err(e) = std::fs::rename(&self.dir, &self.out) {
                if old.exists() && !self.out.exists() {
                    std::fs::rename(&old, &self.out)?;
                }
                return Err(e);
            }
            Ok(())
        })();
        drop(swap);
        if let Err(e) = swapped {
            let _ = std::fs::remove_dir_all(&self.dir);
            return Err(e);
        }
        if !old.exists() {
            return Ok(None);
        }
        if leave {
            let spent = Staging::spent(&self.out);
            if std::fs::rename(&old, &spent).is_ok() {
                return Ok(Some(spent));
            }
        }
        std::fs::remove_dir_all(&old).map(|()| None)
    }

    /// Moves the staged files into the existing output and removes the files listed in `stale`,
    /// all or nothing. Used when most of the output is reused, so copying it would be too slow.
    /// Every file about to be replaced or removed is first moved aside into a backup folder
    /// inside the staging folder, then the new files are moved in; when any step fails, every
    /// move is undone in reverse order, so the output is exactly what it was, and the error is
    /// returned. The staging folder is removed either way (unless an undo failed: then it holds
    /// the only copy of some old files, and the error names it).
    pub fn commit_into(self, staged: &[impl AsRef<str>], stale: &[impl AsRef<str>]) -> std::io::Result<()> {
        self.commit_into_leaving(staged, stale, false).map(drop)
    }

    /// [`Staging::commit_into`]; with `leave`, the staging folder, which then holds only the
    /// files moved out of the output, is renamed aside rather than removed, and its path returned
    /// for the caller to remove off the edit's path (`serve`: removing the old tables, manifest
    /// and sums of a national site takes tens of milliseconds). A later [`Staging::new`] removes
    /// any such folder left behind.
    pub(crate) fn commit_into_leaving(
        self,
        staged: &[impl AsRef<str>],
        stale: &[impl AsRef<str>],
        leave: bool,
    ) -> std::io::Result<Option<PathBuf>> {
        let mut journal = Journal::default();
        // Not cut by a signal: every move is made, or every move undone.
        let swap = interrupt::swapping();
        let swapped = self.swap_in(staged, stale, &mut journal).map_err(|e| (e, journal.undo()));
        drop(swap);
        match swapped {
            Ok(()) => {
                for rel in stale {
                    // Prune folders left empty.
                    let mut d = self.out.join(rel.as_ref()).parent().map(Path::to_path_buf);
                    while let Some(dir) = d {
                        if dir == self.out || std::fs::remove_dir(&dir).is_err() {
                            break;
                        }
                        d = dir.parent().map(Path::to_path_buf);
                    }
                }
                if leave {
                    let spent = Staging::spent(&self.out);
                    if std::fs::rename(&self.dir, &spent).is_ok() {
                        return Ok(Some(spent));
                    }
                }
                std::fs::remove_dir_all(&self.dir).map(|()| None)
            }
            Err((e, undone)) => {
                if undone {
                    let _ = std::fs::remove_dir_all(&self.dir);
                    Err(e)
                } else {
                    let kept = self.dir.display();
                    Err(std::io::Error::other(format!(
                        "{e}; restoring the previous output failed too, its files are kept in {kept}"
                    )))
                }
            }
        }
    }

    /// The moves of [`Staging::commit_into`], each recorded in `journal` as it is made.
    fn swap_in(
        &self,
        staged: &[impl AsRef<str>],
        stale: &[impl AsRef<str>],
        journal: &mut Journal,
    ) -> std::io::Result<()> {
        let backup = self.dir.join(BACKUP);
        std::fs::create_dir(&backup)?;
        let mut n = 0usize;
        let mut aside = |path: &Path, journal: &mut Journal| {
            n += 1;
            journal.rename(path, &backup.join(n.to_string()))
        };
        // First everything that is in the way goes aside.
        for rel in staged {
            let to = self.out.join(rel.as_ref());
            match self.folders_on_the_way(&to)? {
                Way::Clear => {}
                // A file where a folder must now be (an id became a folder record).
                Way::File(p) => aside(&p, journal)?,
                Way::Other(p) => {
                    return Err(std::io::Error::other(format!(
                        "{}: not a folder; gongbao does not write through it",
                        p.display()
                    )));
                }
            }
            match std::fs::symlink_metadata(&to) {
                Ok(_) => aside(&to, journal)?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        for rel in stale {
            let p = self.out.join(rel.as_ref());
            if matches!(self.folders_on_the_way(&p)?, Way::Clear)
                && std::fs::symlink_metadata(&p).is_ok_and(|m| !m.is_dir())
            {
                aside(&p, journal)?;
            }
        }
        // Then the new files go in.
        for rel in staged {
            let to = self.out.join(rel.as_ref());
            if let Some(parent) = to.parent() {
                journal.make_dirs(parent)?;
            }
            journal.rename(&self.dir.join(rel.as_ref()), &to)?;
        }
        Ok(())
    }

    /// What stands on the way from the output folder down to `path`: only folders (or nothing
    /// yet), a file, or something else such as a link, which is never followed out of the output.
    fn folders_on_the_way(&self, path: &Path) -> std::io::Result<Way> {
        let mut on_the_way: Vec<&Path> = path.ancestors().skip(1).take_while(|p| *p != self.out).collect();
        on_the_way.reverse();
        for p in on_the_way {
            match std::fs::symlink_metadata(p) {
                Ok(m) if m.is_dir() => {}
                Ok(m) if m.is_file() => return Ok(Way::File(p.to_path_buf())),
                Ok(_) => return Ok(Way::Other(p.to_path_buf())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(e),
            }
        }
        Ok(Way::Clear)
    }

    /// Removes the staging folder after a failure.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Bytes of a table between two marks of its SHA-256 (`site::memo::Mark`): few marks to keep
/// (some sixty for the 59 MB of `documents.json` at 50,000 records), and little hashed twice
/// when the checksum is taken up from the last one before a new row.
const MARK_EVERY: u64 = 1 << 20;

/// What a table's file is written over ([`Staging::write_table`]).
pub(crate) enum Over {
    /// Nothing: a new file.
    Nothing,
    /// The output's copy of the file the table's marks were taken in.
    Output(std::fs::File),
    /// A spare copy of that file, already at its place in the staging folder.
    Spare(std::fs::File),
}

/// Slices written at once by [`Staging::write_table`] (the usual `IOV_MAX` is 1,024).
const GATHER: usize = 1024;

/// Writes all of `slices` to `file` (`writev`, again after a short write), leaving it empty.
fn write_gathered(file: &mut std::fs::File, slices: &mut Vec<std::io::IoSlice<'_>>) -> std::io::Result<()> {
    use std::io::Write;
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => std::io::IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    slices.clear();
    Ok(())
}

/// The folder inside the staging folder that holds the files moved out of the output while
/// [`Staging::commit_into`] swaps files in. No output path starts with a dot.
const BACKUP: &str = ".gongbao-backup";

/// See [`Staging::folders_on_the_way`].
enum Way {
    Clear,
    File(PathBuf),
    Other(PathBuf),
}

/// One change to the file system made while committing.
enum Step {
    /// A file or folder renamed from the first path to the second.
    Moved(PathBuf, PathBuf),
    /// A folder made.
    Made(PathBuf),
}

/// Every change made while committing, in order, so that they can be undone in reverse.
#[derive(Default)]
struct Journal {
    steps: Vec<Step>,
}

impl Journal {
    fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
        std::fs::rename(from, to)?;
        self.steps.push(Step::Moved(from.to_path_buf(), to.to_path_buf()));
        Ok(())
    }

    /// Makes `dir` and the folders above it that are missing, one by one.
    fn make_dirs(&mut self, dir: &Path) -> std::io::Result<()> {
        let missing: Vec<PathBuf> =
            dir.ancestors().take_while(|p| std::fs::symlink_metadata(p).is_err()).map(Path::to_path_buf).collect();
        for d in missing.into_iter().rev() {
            std::fs::create_dir(&d)?;
            self.steps.push(Step::Made(d));
        }
        Ok(())
    }

    /// Undoes every step, last first; false when one could not be undone.
    fn undo(self) -> bool {
        let mut ok = true;
        for step in self.steps.into_iter().rev() {
            ok &= match step {
                Step::Moved(from, to) => std::fs::rename(&to, &from).is_ok(),
                Step::Made(dir) => std::fs::remove_dir(&dir).is_ok(),
            };
        }
        ok
    }
}

/// The build cache of one output folder.
#[derive(Debug, Default)]
pub struct Cache {
    /// The output folder it describes, as an absolute path: a cache is used for that folder
    /// only (its list of files decides what a cached build removes from the output).
    pub out: String,
    /// The files, sorted by path.
    pub files: Vec<OutFile>,
    /// When every file was found as listed after the cache was made ([`Cache::sweep`]), the
    /// stamp that the output's seal (its manifest, which every build writes anew) had meanwhile:
    /// a build then takes the list's word for the files it reuses, without asking the file system
    /// about each, while the seal is still that one ([`Cache::still_swept`]). Only `serve`
    /// sweeps its cache; one read from disk is never swept.
    swept: Option<u64>,
    /// The stamp of the output's seal (its manifest) when the cache was made for it
    /// ([`Cache::note_seal`]): a cache describes the output only while the seal is that file
    /// ([`Cache::describes`]).
    sealed: Option<u64>,
    /// Under `serve`, the lists of the seal made for these files, for the next seal.
    pub(crate) seal: Option<SealLists>,
    /// Under `serve`, the build (counted in the process, from 1) that made the cache, which
    /// the pages it kept ([`KeptPages`]) name too; 0 for a cache read from disk.
    pub(crate) made_by: u64,
}

/// The seal's two lists as a build in `serve` last wrote them, chunk by chunk ([`CHUNK`] files
/// each, by index in the sorted list of files; see `seal::seal`). The next seal takes a chunk as
/// it was when the files at those places are the same (path, size and SHA-256) and makes only
/// the others: an edit changes a dozen of the 220,000 files at 50,000 records, and making the
/// two lists again (60 MB) was most of the seal.
#[derive(Default)]
pub struct SealLists {
    /// The rows of `manifest.json`, by chunk.
    pub(crate) manifest: Vec<Vec<u8>>,
    /// The lines of `SHA256SUMS`, by chunk, without the manifest's own.
    pub(crate) sums: Vec<Vec<u8>>,
    /// The manifest's bytes before its first row and after its last.
    pub(crate) ends: (Vec<u8>, Vec<u8>),
    /// The lengths of the pieces each file was written as, in order: for the manifest, its
    /// head, chunks and tail; for the sums, their chunks, one cut in two by the manifest's line.
    pub(crate) layout: (Vec<usize>, Vec<usize>),
    /// The SHA-256 of the manifest, which the spare copies of both files are known by.
    pub(crate) manifest_sha256: [u8; 32],
}

impl std::fmt::Debug for SealLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealLists {{ chunks: {} }}", self.manifest.len())
    }
}

/// The version of the cache's format; a cache of another version is not read.
const CACHE_FORMAT: u32 = 4;

/// One file of the cache as it is written: hex where the build keeps bytes.
#[derive(serde::Deserialize)]
struct CacheRow<'a> {
    #[serde(borrow)]
    path: std::borrow::Cow<'a, str>,
    fp: Option<std::borrow::Cow<'a, str>>,
    size: u64,
    sha256: std::borrow::Cow<'a, str>,
    stamp: u64,
}

impl Cache {
    /// The folder of build caches of the site at `root`.
    pub fn dir(root: &Path) -> PathBuf {
        root.join(".gongbao").join("cache")
    }

    /// Where the cache of output folder `out` of the site at `root` lives: named after the
    /// output's path in the site (`public.jsonl`), or after its folder name for an output
    /// elsewhere (`outside-www.jsonl`), so that the folder holds one file per output rather than
    /// one per build. Outputs elsewhere of the same name share the file; each cache says which
    /// folder it describes, and a build into another one renders everything.
    pub fn path(root: &Path, out: &Path) -> PathBuf {
        let (root_abs, out_abs) = (absolute(root), absolute(out));
        let key = match out_abs.strip_prefix(&root_abs) {
            Ok(inside) if !inside.as_os_str().is_empty() => inside.to_string_lossy().into_owned(),
            _ => format!("outside-{}", out.file_name().map_or_else(|| "public".into(), |n| n.to_string_lossy())),
        };
        let name: String = key
            .chars()
            .map(|c| if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' })
            .collect();
        Cache::dir(root).join(format!("{name}.jsonl"))
    }

    /// Reads the cache of output folder `out` of the site at `root`, when there is one, of this
    /// version, that describes that folder. The caller makes sure the output it describes is
    /// still there (`seal::is_output`): the cache lists only what was written, and a stage before
    /// sealing cannot tell a sealed output from a stranger's folder.
    pub fn read(root: &Path, out: &Path) -> Option<Cache> {
        use std::io::BufRead;
        // A line of settings, then a line per file, so that it is read a file at a time.
        let mut lines = std::io::BufReader::new(std::fs::File::open(Cache::path(root, out)).ok()?).lines();
        let head: serde_json::Value = serde_json::from_str(&lines.next()?.ok()?).ok()?;
        if head["format"] != CACHE_FORMAT || head["out"] != *absolute(out).to_string_lossy() {
            return None;
        }
        let mut files = Vec::new();
        for line in lines {
            let line = line.ok()?;
            let row: CacheRow<'_> = serde_json::from_str(&line).ok()?;
            let fp = match row.fp {
                Some(f) => Some(unhex(&f)?),
                None => None,
            };
            files.push(OutFile {
                path: row.path.as_ref().into(),
                sha256: unhex(&row.sha256)?,
                size: row.size,
                fp,
                stamp: row.stamp,
                staged: false,
            });
        }
        // Whole, sorted and each path once, or it is not a cache a build wrote.
        let whole = head["files"].as_u64() == Some(files.len() as u64);
        (whole && files.windows(2).all(|w| w[0].path < w[1].path)).then_some(Cache {
            out: head["out"].as_str()?.into(),
            files,
            swept: None,
            sealed: head["sealed"].as_u64(),
            seal: None,
            made_by: 0,
        })
    }

    /// The cache for the files now in `out` (sorted by path): the files this build wrote get the
    /// modification time they have in `out` now; the others keep the one the previous cache had.
    pub fn make(out: &Path, files: Vec<OutFile>) -> Cache {
        Cache::made(out, files, None)
    }

    /// A cache of `files` (sorted by path) in the output `out`, numbered in the process
    /// ([`Cache::made_by`]). Only the files at `anew` (sorted) may be written by this build, when
    /// it says so; otherwise any may.
    pub(crate) fn made(out: &Path, mut files: Vec<OutFile>, anew: Option<&[usize]>) -> Cache {
        let stamp_one = |f: &mut OutFile| {
            if f.staged {
                f.stamp = stamp(&out.join(&*f.path)).unwrap_or(0);
                f.staged = false;
            }
        };
        match anew {
            Some(places) => places.iter().for_each(|&k| stamp_one(&mut files[k])),
            None => files.iter_mut().for_each(stamp_one),
        }
        static BUILDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let made_by = BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        Cache {
            out: absolute(out).to_string_lossy().into_owned(),
            files,
            swept: None,
            sealed: None,
            seal: None,
            made_by,
        }
    }

    /// Notes the stamp of the seal file `seal` (the manifest) of the output `out` the cache was
    /// just made for.
    pub(crate) fn note_seal(&mut self, out: &Path, seal: &str) {
        self.sealed = stamp(&out.join(seal));
    }

    /// Whether the cache still describes the output `out`: its seal file `seal` is the one it was
    /// made with. Every build writes the manifest anew, so a cache older than the output (one
    /// `serve` had not saved yet when it stopped, or kept while another build wrote the output)
    /// is not taken: its list of files would miss what was written since, which the build then
    /// would not remove. Such a build writes the whole output afresh instead.
    pub(crate) fn describes(&self, out: &Path, seal: &str) -> bool {
        self.sealed.is_some() && stamp(&out.join(seal)) == self.sealed
    }

    /// Compares every file with the output `out` (its size and stamp) while `go_on` says so.
    /// `Some(true)` when all are as listed and the seal file `seal` (the manifest) was there and
    /// unchanged throughout: the cache is then swept, and until it is replaced, or the seal
    /// changes, a build reuses its files on their fingerprints alone. That is what makes a
    /// rebuild in `serve` cost what the edit reaches rather than a `statx` per output file (at
    /// 50,000 records, 220,000 of them, and 0.3 s of a rebuild that took 1.2 to 1.5).
    /// `Some(false)` when a file was changed, replaced or removed outside gongbao since it was
    /// listed, or the seal changed (another build wrote the output): the cache is then not swept,
    /// whatever it was before, and a build checks each file again. `None` when `go_on` stopped
    /// the sweep first with no such file found: the cache stays as swept as it was (see
    /// [`Cache::swept_as_before`]).
    pub(crate) fn sweep(&mut self, out: &Path, seal: &str, go_on: &(dyn Fn() -> bool + Sync)) -> Option<bool> {
        use rayon::prelude::*;
        let before = self.swept.take();
        let sealed = stamp(&out.join(seal));
        let as_listed = |f: &OutFile| {
            std::fs::metadata(out.join(&*f.path)).is_ok_and(|m| m.len() == f.size && stamp_of(&m) == Some(f.stamp))
        };
        // Whether every chunk looked at was as listed, and whether every chunk was looked at.
        let (all, whole) = self
            .files
            .par_chunks(4096)
            .map(|chunk| if go_on() { (chunk.iter().all(as_listed), true) } else { (true, false) })
            .reduce(|| (true, true), |a, b| (a.0 && b.0, a.1 && b.1));
        if all && !whole {
            self.swept = before;
            return None;
        }
        let all = all && sealed.is_some() && stamp(&out.join(seal)) == sealed;
        self.swept = sealed.filter(|_| all);
        Some(all)
    }

    /// Whether the cache is swept ([`Cache::sweep`]).
    pub(crate) fn is_swept(&self) -> bool {
        self.swept.is_some()
    }

    /// Takes over the sweep of the cache that the build which made this one started from, when
    /// that cache was swept and the seal noted ([`Cache::note_seal`]). The files the build reused
    /// are the ones that sweep found as listed, and the files it wrote were stamped as they were
    /// put in place ([`Cache::made`]): this cache is as true to the output as that one was. So a
    /// rebuild that begins before this cache's own sweep has ended (which stops that sweep: a
    /// second save soon after the first) still reuses files on their fingerprints, as the build
    /// before it did, rather than looking up every page's identity and asking the file system
    /// about every file (at 50,000 records, 0.8 s instead of under 0.1). A file changed outside
    /// gongbao meanwhile is found by the next sweep that runs to its end, as before.
    pub(crate) fn swept_as_before(&mut self) {
        if self.sealed.is_some() {
            self.swept = self.sealed;
        }
    }

    /// Keeps the cache swept only while the seal file `seal` of the output `out` is the one the
    /// sweep saw: any other build (another `gongbao build`, a `clean`) writes or removes it, and
    /// what it wrote is then checked file by file again. One `statx` per build.
    pub(crate) fn still_swept(&mut self, out: &Path, seal: &str) {
        if self.swept.is_some() && stamp(&out.join(seal)) != self.swept {
            self.swept = None;
        }
    }

    /// The cached file at `path`.
    pub fn get(&self, path: &str) -> Option<&OutFile> {
        self.place(path).map(|i| &self.files[i])
    }

    /// Where the file at `path` is in the list.
    fn place(&self, path: &str) -> Option<usize> {
        self.files.binary_search_by(|f| (*f.path).cmp(path)).ok()
    }

    /// Writes the cache of output folder `out` into the site at `root`.
    pub fn save(&self, root: &Path, out: &Path) -> std::io::Result<()> {
        self.save_while(root, out, &|| true).map(|_| ())
    }

    /// Writes the cache as [`Cache::save`] does while `go_on` says so: `Ok(false)` when it
    /// stopped first, leaving the cache saved before in place. A cache on disk older than the
    /// output is safe: a build that reads it checks each file's size and stamp, and renders again
    /// what no longer matches.
    pub(crate) fn save_while(&self, root: &Path, out: &Path, go_on: &dyn Fn() -> bool) -> std::io::Result<bool> {
        use std::io::Write;
        /// Fails a write once `go_on` says to stop.
        struct Stopping<'a, W> {
            inner: W,
            go_on: &'a dyn Fn() -> bool,
        }
        impl<W: Write> Write for Stopping<'_, W> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if !(self.go_on)() {
                    // Not `Interrupted`, which `write_all` would try again for ever.
                    return Err(std::io::Error::other("stopped"));
                }
                self.inner.write(buf)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                self.inner.flush()
            }
        }
        let path = Cache::path(root, out);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Builds of one site into two outputs elsewhere of the same name may save at once.
        let tmp = path.with_extension(format!("jsonl.{}.tmp", std::process::id()));
        // What a process stopped while saving left (hundreds of MB at a national scale), once
        // it is old enough not to be another build's save under way.
        if let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) {
            let stale = |e: &std::fs::DirEntry| {
                let n = e.file_name();
                let n = n.to_string_lossy();
                n.starts_with(&format!("{name}.")) && n.ends_with(".tmp") && e.path() != tmp && {
                    let age = e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
                    age.is_some_and(|a| a.as_secs() > 600)
                }
            };
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten().filter(stale) {
                let _ = std::fs::remove_file(e.path());
            }
        }
        // Written as a stream, a line per file: as one string, the cache of a million files
        // would be 300 MB.
        let _scratch = interrupt::scratch(&tmp);
        let file = Stopping { inner: std::fs::File::create(&tmp)?, go_on };
        let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
        let head = serde_json::json!({
            "format": CACHE_FORMAT, "out": self.out, "files": self.files.len(), "sealed": self.sealed,
        });
        let written = (|| {
            serde_json::to_writer(&mut w, &head)?;
            // The rows as `CacheRow` would be serialised, made in parallel (`serve` saves after
            // every save of a record).
            let row = |out: &mut Vec<u8>, _: usize, f: &OutFile| {
                out.extend_from_slice(b"\n{\"path\":");
                push_json_str(&f.path, out);
                match &f.fp {
                    Some(fp) => {
                        out.extend_from_slice(b",\"fp\":\"");
                        push_hex(fp, out);
                        out.push(b'"');
                    }
                    None => out.extend_from_slice(b",\"fp\":null"),
                }
                out.extend_from_slice(b",\"size\":");
                push_u64(f.size, out);
                out.extend_from_slice(b",\"sha256\":\"");
                push_hex(&f.sha256, out);
                out.extend_from_slice(b"\",\"stamp\":");
                push_u64(f.stamp, out);
                out.push(b'}');
            };
            in_chunks(&self.files, (&Before::Nothing, Vec::new()), false, &row, |_, bytes, _| w.write_all(bytes))?;
            w.write_all(b"\n")?;
            w.flush()
        })();
        drop(w);
        match written {
            Err(_) if !go_on() => {
                let _ = std::fs::remove_file(&tmp);
                return Ok(false);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            Ok(()) => {}
        }
        std::fs::rename(tmp, &path)?;
        // The cache of an earlier version (one JSON document) is not read any more.
        let _ = std::fs::remove_file(path.with_extension("json"));
        Ok(true)
    }

    /// The bytes of `path` in the output `out`, when they are those the cache recorded (size
    /// and SHA-256).
    pub(crate) fn bytes(&self, out: &Path, path: &str) -> Option<Vec<u8>> {
        let e = self.get(path)?;
        let bytes = std::fs::read(out.join(path)).ok()?;
        (bytes.len() as u64 == e.size && Sha256::digest(&bytes)[..] == e.sha256).then_some(bytes)
    }

    /// The output's file at `path`, open, when it is the one this cache lists with SHA-256
    /// `sha256` (its size and stamp, taken from the open file, are as listed).
    pub(crate) fn held(&self, out: &Path, path: &str, sha256: &[u8; 32]) -> Option<std::fs::File> {
        let e = self.get(path).filter(|e| e.sha256 == *sha256 && e.stamp != 0)?;
        let file = std::fs::File::open(out.join(path)).ok()?;
        let meta = file.metadata().ok()?;
        (meta.is_file() && meta.len() == e.size && stamp_of(&meta)? == e.stamp).then_some(file)
    }

    /// The cached file for `path` if its fingerprint is `fp` and the output still holds it.
    pub(crate) fn reuse(&self, out: &Path, path: &str, fp: &[u8; 32]) -> Option<OutFile> {
        let e = self.get(path).filter(|e| e.fp.as_ref() == Some(fp))?;
        if self.swept.is_some() {
            return Some(e.clone());
        }
        let meta = std::fs::metadata(out.join(path)).ok()?;
        (meta.len() == e.size && stamp_of(&meta)? == e.stamp).then(|| e.clone())
    }
}

/// Files in a chunk of a list made by [`in_chunks`]: the unit rows are made in, in parallel, and
/// the unit a rebuild in `serve` takes as it was ([`SealLists`]).
pub(crate) const CHUNK: usize = 512;

/// Chunks made at once: the lists are written as streams (for a national site each is over
/// 100 MB), never whole in memory outside `serve`.
const GROUP: usize = 64;

/// What a list was made for before, to tell which of its files are the same now.
pub enum Before<'a, F> {
    /// Nothing: every chunk is made.
    Nothing,
    /// These files, sorted by path.
    Files(&'a [F]),
    /// As many files as now, all listed as now but those at these places (sorted).
    AllBut(&'a [usize]),
}

impl<F: Listed> Before<'_, F> {
    /// Whether `files` at `places` (a chunk's, from a multiple of [`CHUNK`]) are as they were.
    fn same(&self, files: &[F], places: std::ops::Range<usize>) -> bool {
        match self {
            Before::Nothing => false,
            // The chunk of `before` at these places ends where this one does.
            Before::Files(before) => {
                before.len().min(places.start + CHUNK) == places.end
                    && places.clone().all(|k| files[k].same_listing(&before[k]))
            }
            Before::AllBut(changed) => {
                let next = changed.partition_point(|&k| k < places.start);
                changed.get(next).is_none_or(|&k| k >= places.end)
            }
        }
    }
}

/// A list with a row per file (the seal's two, the cache), made a chunk of [`CHUNK`] files at a
/// time (in parallel, by `row`, a few chunks at a time so that at most those are held) and handed
/// to `put` in order with its index. A chunk of `kept` (made for the files `before`) is taken as
/// it was when the files at its places are the same. Returns the chunks when `keep`.
pub(crate) fn in_chunks<F: Listed + Sync>(
    files: &[F],
    (before, mut kept): (&Before<'_, F>, Vec<Vec<u8>>),
    keep: bool,
    row: &(impl Fn(&mut Vec<u8>, usize, &F) + Sync),
    mut put: impl FnMut(usize, &[u8], bool) -> std::io::Result<()>,
) -> std::io::Result<Vec<Vec<u8>>> {
    use rayon::prelude::*;
    let chunks = files.len().div_ceil(CHUNK);
    let mut out = Vec::with_capacity(if keep { chunks } else { 0 });
    for group in (0..chunks).step_by(GROUP) {
        let made: Vec<Option<Vec<u8>>> = (group..chunks.min(group + GROUP))
            .into_par_iter()
            .map(|c| {
                let places = c * CHUNK..files.len().min((c + 1) * CHUNK);
                let same = c < kept.len() && before.same(files, places.clone());
                (!same).then(|| {
                    let mut bytes = Vec::with_capacity(places.len() * 160);
                    for k in places {
                        row(&mut bytes, k, &files[k]);
                    }
                    bytes
                })
            })
            .collect();
        for (c, m) in (group..).zip(made) {
            let anew = m.is_some();
            let bytes = m.unwrap_or_else(|| std::mem::take(&mut kept[c]));
            put(c, &bytes, anew)?;
            if keep {
                out.push(bytes);
            }
        }
    }
    Ok(out)
}

/// `p` as an absolute path, `.` and `..` taken out, so one folder named two ways is one key.
pub(crate) fn absolute(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut clean = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            std::path::Component::CurDir => {}
            c => clean.push(c),
        }
    }
    clean
}

/// What stands for an output file's bytes without reading them: its modification time and, on
/// Unix, its inode and change time. A file changed and given its old modification time back
/// (`touch -r`, `cp -p`, `rsync -t`) gets a new change time, which nothing can set back.
fn stamp_of(m: &std::fs::Metadata) -> Option<u64> {
    let d = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    let modified = u64::try_from(d.as_nanos()).ok()?;
    #[cfg(unix)]
    let more = {
        use std::os::unix::fs::MetadataExt;
        [m.ino(), m.ctime() as u64, m.ctime_nsec() as u64]
    };
    #[cfg(not(unix))]
    let more = [0u64; 3];
    // Mixed as FNV-1a over the four numbers' bytes.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in [modified, more[0], more[1], more[2]].iter().flat_map(|n| n.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    Some(h)
}

fn stamp(p: &Path) -> Option<u64> {
    stamp_of(&std::fs::metadata(p).ok()?)
}

/// The spent staging folders that threads of this process are removing ([`Staging::remove_aside`]).
static REMOVING: std::sync::Mutex<std::collections::BTreeSet<PathBuf>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// What `serve` keeps of the pages of its last build, in the order of its plan: each job's file
/// as the build cache lists it, and the records the job read. A rebuild over the same plan (one
/// that starts from a preview, so with the same records and lists) tells which jobs the edit
/// reached from their reads alone, without naming each job, looking it up and checking its file
/// (at 50,000 records, 217,000 page jobs and 0.15–0.2 s of every rebuild).
pub(crate) struct KeptPages {
    /// The plan's page jobs.
    pub(crate) jobs: Vec<Job>,
    /// Per job: its file, and what it read with the build at which it was made or found good
    /// (`None`: made on every build).
    done: Vec<Made>,
    /// The jobs in the order of their files' paths.
    order: Vec<u32>,
    /// Per job, its place in `order`.
    place: Vec<u32>,
    /// Per record, the jobs that read it (a job that no longer does may stay: it is then asked
    /// once more than needed). A rebuild looks up the records changed since `checked` here
    /// rather than checking what each of the plan's jobs read: at 50,000 records that took
    /// 24–55 ms of every rebuild, memory-bound.
    readers: Vec<Vec<u32>>,
    /// The jobs the next build asks whatever they read: made on every build, whose file must be
    /// made again (not in the cache, or a list made again), or made from more than records
    /// after the site was read again ([`KeptPages::ask_beyond_records`]).
    asked: Vec<u32>,
    /// The memo's build at which every job not in `asked` was found good (see
    /// [`crate::site::memo::Changes::since`]).
    checked: u64,
    /// The jobs whose files this build wrote, which [`KeptPages::settle`] gives their stamps.
    fresh: Vec<u32>,
    /// The build whose cache lists these files ([`Cache::made_by`]); 0 until known.
    made_by: u64,
    /// The paths of the build's other files (the open data and the search index), sorted.
    tail: Vec<Arc<str>>,
    /// The jobs that are not those whose files the last build listed, sorted ([`KeptPages::moved`]):
    /// `order` holds the others, and the next build puts them in their places once made and
    /// lists every page's file.
    unplaced: Option<Vec<u32>>,
    /// How many jobs the build that made these looked at.
    pub(crate) looked_at: usize,
}

impl KeptPages {
    /// Kept pages of a build that made (or found good) each of `done`, at the memo's build
    /// `checked`, before they are sorted.
    fn new(jobs: Vec<Job>, done: Vec<Made>, checked: u64) -> KeptPages {
        let fresh = (0..done.len() as u32).filter(|&k| done[k as usize].0.staged).collect();
        let looked_at = done.len();
        KeptPages {
            jobs,
            done,
            order: Vec::new(),
            place: Vec::new(),
            readers: Vec::new(),
            asked: Vec::new(),
            checked,
            fresh,
            made_by: 0,
            tail: Vec::new(),
            unplaced: None,
            looked_at,
        }
    }

    /// The kept pages of the last build, for a plan `jobs` made over records some of which came
    /// or went since, or over the same records in other lists' orders (`places`: where the last
    /// build's records are now), with which records changed (`changes`). A page of one record
    /// (its page, text, versions and redlines, in both scripts) is known by its record's file and what else its job names, as its memo identity
    /// is ([`Renderer::identity`]); a page of a browse list by its list's folder and its number.
    /// Each takes the file and reads of the last build's job at its place, the reads moved to
    /// their records' new places, and is kept when none of them changed and, for a list page,
    /// when it shows the same records under the same label among as many pages (as
    /// [`KeptPages::relist`] asks: a record added to a list moves only the pages from its
    /// place to the newest). Every other job is asked, as is one that read a record now gone.
    /// At 50,000 records, asking every job of such a plan took 0.4–0.7 s of the rebuild of a
    /// record added.
    pub(crate) fn moved(
        self,
        places: &crate::site::memo::Places,
        jobs: &[Job],
        changes: &crate::site::memo::Changes,
        per_page: usize,
    ) -> KeptPages {
        // The last build's pages of one record, by the record's place now, each with its key:
        // a few per record, where halving through a sorted list of every job's key cost a
        // cache miss a step (0.15 s at 50,000 records).
        let keyed: Vec<Option<JobKey>> = self
            .jobs
            .par_iter()
            .map(|job| {
                let (kind, i, a, b) = job_key(job)?;
                Some((kind, places.place(i)?, a, b))
            })
            .collect();
        let mut start = vec![0u32; places.records() + 1];
        for key in keyed.iter().flatten() {
            start[key.1 + 1] += 1;
        }
        for r in 0..places.records() {
            start[r + 1] += start[r];
        }
        let mut was = vec![((0, 0, 0, 0), NONE); start[places.records()] as usize];
        let mut next = start.clone();
        for (k, key) in keyed.into_iter().enumerate() {
            if let Some(key) = key {
                was[next[key.1] as usize] = (key, k as u32);
                next[key.1] += 1;
            }
        }
        // A list page by its script, folder and number.
        let lists: std::collections::HashMap<(bool, &str, usize), u32> = self
            .jobs
            .iter()
            .enumerate()
            .filter_map(|(k, job)| list_page(job).map(|(hant, l, p)| ((hant, l.path.as_str(), p), k as u32)))
            .collect();
        // The last build's job at the place of `job`, and whether what it shows is the same.
        let found = |job: &Job| -> Option<(usize, bool)> {
            if let Some(key) = job_key(job) {
                let of_record = was.get(start[key.1] as usize..start[key.1 + 1] as usize)?;
                return of_record.iter().find(|(k, _)| *k == key).map(|&(_, k)| (k as usize, true));
            }
            let (hant, n, p) = list_page(job)?;
            let k = *lists.get(&(hant, n.path.as_str(), p))? as usize;
            let (_, l, _) = list_page(&self.jobs[k])?;
            Some((k, shows_the_same(l, n, p, per_page, |i| places.place(i))))
        };
        let (done, found): (Vec<Made>, Vec<(bool, u32)>) = jobs
            .par_iter()
            .map(|job| {
                let Some((k, same)) = found(job) else { return ((OutFile::default(), None), (true, NONE)) };
                let (file, reads) = &self.done[k];
                // What read a record now gone is asked, its reads unknown.
                let reads = reads.as_ref().and_then(|(r, seen)| {
                    let mut r = r.clone();
                    places.follow(&mut r).then_some((r, *seen))
                });
                let ask = !same || reads.as_ref().is_none_or(|(r, seen)| !changes.fresh(r, *seen));
                ((file.clone(), reads), (ask, k as u32))
            })
            .unzip();
        // The jobs found keep their paths: in the order of the last build's files.
        let mut now = vec![NONE; self.done.len()];
        for (k, &(_, was)) in found.iter().enumerate() {
            if was != NONE {
                now[was as usize] = k as u32;
            }
        }
        let order: Vec<u32> = self.order.iter().map(|&k| now[k as usize]).filter(|&k| k != NONE).collect();
        let unplaced = found.iter().enumerate().filter(|(_, (_, was))| *was == NONE).map(|(k, _)| k as u32).collect();
        let n = done.len();
        let mut kept = KeptPages {
            jobs: Vec::new(),
            done,
            order,
            // Only `reached` asks for places, to sort what it reaches: not needed here.
            place: (0..n as u32).collect(),
            // Made with the order: `asked` already holds every job that read a record changed.
            readers: Vec::new(),
            asked: Vec::new(),
            checked: changes.now,
            fresh: Vec::new(),
            made_by: 0,
            tail: Vec::new(),
            unplaced: Some(unplaced),
            looked_at: 0,
        };
        kept.asked = (0..n).filter(|&k| found[k].0 || !kept.on_reads(k)).map(|k| k as u32).collect();
        kept
    }

    /// Whether job `k` may be kept on what it read: it has a fingerprint and its reads are known,
    /// and name records only (not an id that no record had, [`crate::site::memo::MISSED`]: such
    /// a job is asked on every build, as few are).
    fn on_reads(&self, k: usize) -> bool {
        matches!(&self.done[k], (f, Some((reads, _))) if f.fp.is_some() && reads.last() != Some(&crate::site::memo::MISSED))
    }

    /// Makes `place`, `readers` and `asked` again from `order` and `done`.
    fn index(&mut self) {
        self.place = vec![0; self.done.len()];
        for (p, &k) in self.order.iter().enumerate() {
            self.place[k as usize] = p as u32;
        }
        self.readers = Vec::new();
        self.asked = Vec::new();
        for k in 0..self.done.len() {
            if !self.on_reads(k) {
                self.asked.push(k as u32);
            }
            if let (_, Some((reads, _))) = &self.done[k] {
                self.read_by(k, reads.clone());
            }
        }
    }

    /// Notes that job `k` reads `reads`.
    fn read_by(&mut self, k: usize, reads: Arc<[usize]>) {
        for &i in reads.iter().filter(|&&i| i != crate::site::memo::MISSED) {
            if self.readers.len() <= i {
                self.readers.resize_with(i + 1, Vec::new);
            }
            self.readers[i].push(k as u32);
        }
    }

    /// The jobs a rebuild must ask, in the order of their paths: those asked on every build,
    /// and those that read a record changed since every other job was found good.
    fn reached(&self, changes: &crate::site::memo::Changes) -> Vec<usize> {
        let mut reached: Vec<u32> = self.asked.clone();
        for i in changes.since(self.checked) {
            if let Some(r) = self.readers.get(i) {
                reached.extend(r);
            }
        }
        reached.sort_unstable_by_key(|&k| self.place[k as usize]);
        reached.dedup();
        reached.into_iter().map(|k| k as usize).collect()
    }

    /// Takes `made` as job `k`'s file and reads, keeping `readers` and `asked` to it.
    fn put(&mut self, k: usize, made: Made) {
        if made.0.staged {
            self.fresh.push(k as u32);
        }
        let old = self.done[k].1.as_ref().map(|(r, _)| r.clone());
        let new = made.1.as_ref().map(|(r, _)| r.clone());
        self.done[k] = made;
        if old.as_deref() != new.as_deref() {
            let kept: &[usize] = new.as_deref().unwrap_or_default();
            for &i in old.as_deref().unwrap_or_default().iter().filter(|i| kept.binary_search(i).is_err()) {
                if let Some(r) = self.readers.get_mut(i) {
                    r.retain(|&j| j as usize != k);
                }
            }
            let had: &[usize] = old.as_deref().unwrap_or_default();
            let added: Vec<usize> = kept.iter().copied().filter(|i| had.binary_search(i).is_err()).collect();
            self.read_by(k, added.into());
        }
        if !self.on_reads(k) {
            self.asked.push(k as u32);
        }
    }

    /// Has the next build ask every job made from more than the records it reads
    /// ([`Job::reads_beyond_records`]: attachments, the register's page), whose reads say
    /// nothing of that: for a build that read the site again, which any change of it makes.
    /// Each such job then costs its identity (for an attachment, a look at its file's time).
    pub(crate) fn ask_beyond_records(&mut self) {
        for (k, job) in self.jobs.iter().enumerate() {
            if job.reads_beyond_records() {
                self.asked.push(k as u32);
            }
        }
    }

    /// Gives the files this build wrote the stamps the build cache `cache` now lists for them
    /// (see [`Cache::make`]), so that the next build takes them as the cache would.
    pub(crate) fn settle(&mut self, cache: &Cache) {
        for k in std::mem::take(&mut self.fresh) {
            let f = &mut self.done[k as usize].0;
            match cache.get(&f.path) {
                Some(c) => *f = c.clone(),
                // Not in the cache: the next build must not take the job as done.
                None => {
                    f.fp = None;
                    self.asked.push(k);
                }
            }
        }
        self.made_by = cache.made_by;
    }

    /// Every page's file, sorted by path.
    fn files(&self) -> Vec<OutFile> {
        self.order.par_iter().map(|&k| self.done[k as usize].0.clone()).collect()
    }

    /// Puts `lists`, made again with other records ([`crate::site::Kept::regroup`]), in place of
    /// the lists at the same folders in the plan's pages, in both scripts, and has those of their
    /// pages made again that show other records, or the count, or another label: what a list
    /// page shows is not a record it read but the list itself. Pages are counted from the oldest
    /// record ([`crate::site::Sheets`]), so a record that joins or leaves a list moves only the
    /// pages from its own to the newest.
    pub(crate) fn relist(&mut self, lists: &[Arc<crate::site::List>], per_page: usize) {
        let new = |l: &Arc<crate::site::List>| lists.iter().find(|n| n.facet == l.facet && n.path == l.path).cloned();
        for (k, (job, done)) in self.jobs.iter_mut().zip(&mut self.done).enumerate() {
            let job = match job {
                Job::Hant(inner) => &mut **inner,
                job => job,
            };
            if let Job::List(l, p) = job
                && let Some(n) = new(l)
            {
                let moved = !shows_the_same(l, &n, *p, per_page, Some);
                *l = n;
                if moved {
                    // Asked again, its reads kept for `readers`.
                    done.0.fp = None;
                    self.asked.push(k as u32);
                }
            }
        }
    }
}

/// No job.
const NONE: u32 = u32::MAX;

/// The list, number and script (`true`: Traditional) of a list page's job.
fn list_page(job: &Job) -> Option<(bool, &Arc<crate::site::List>, usize)> {
    match job {
        Job::List(l, p) => Some((false, l, *p)),
        Job::Hant(inner) => list_page(inner).map(|(_, l, p)| (true, l, p)),
        _ => None,
    }
}

/// Whether page `p` of list `now` shows what page `p` of list `was` showed, the records of
/// `was` being at `place` in `now`: not the own page (it gives the count), the same label, as
/// many numbered pages (the pager), the same records. That is all a list page shows
/// ([`Renderer::identity`]); pages are counted from the oldest record
/// ([`crate::site::Sheets`]).
fn shows_the_same(
    was: &crate::site::List,
    now: &crate::site::List,
    p: usize,
    per_page: usize,
    place: impl Fn(usize) -> Option<usize>,
) -> bool {
    use crate::site::Sheets;
    let (before, after) = (Sheets::new(was.items.len(), per_page), Sheets::new(now.items.len(), per_page));
    p != 0
        && was.label == now.label
        && before.numbered() == after.numbered()
        && was.items[before.shown(p)].iter().map(|&i| place(i)).eq(now.items[after.shown(p)].iter().map(|&i| Some(i)))
}

/// What tells a page of one record from the others of the plan: the kind of page (the
/// Traditional twin apart), the record, and the version or two versions it shows.
type JobKey = (u8, usize, usize, usize);

/// The key of a page of one record ([`KeptPages::moved`]), whose memo identity is its record's
/// file and the rest of its job; `None` for any other job.
fn job_key(job: &Job) -> Option<JobKey> {
    match job {
        Job::Doc(i) => Some((0, *i, 0, 0)),
        Job::Text(i) => Some((1, *i, 0, 0)),
        Job::SearchText(i) => Some((2, *i, 0, 0)),
        Job::Version(i, v) => Some((3, *i, *v, 0)),
        Job::Diff(i, a, b) => Some((4, *i, *a, *b)),
        Job::Hant(inner) => job_key(inner).map(|(kind, i, a, b)| (kind | 8, i, a, b)),
        _ => None,
    }
}

/// The files of jobs made, sorted by path, or every failure ([`emit`]).
pub(crate) type Emitted = Result<Vec<OutFile>, Vec<Diagnostic>>;

/// A job's file, with what it read when the session's memo knows (see [`KeptPages`]).
type Made = (OutFile, Option<(Arc<[usize]>, u64)>);

/// Renders and writes job `job`, reusing the file of the previous output when `cache` says it is
/// current; with the session's memo, a page nothing of which changed is not even prepared.
/// `now` is the number of this build in the memo.
fn emit_one(
    job: &Job,
    renderer: &Renderer<'_>,
    staging: &Staging,
    cache: Option<(&Cache, &Path)>,
    now: u64,
) -> Result<Made, Diagnostic> {
    let memo = renderer.memo().and_then(|m| Some((m, renderer.identity(job)?)));
    if let (Some((m, id)), Some((c, out))) = (&memo, cache)
        && let Some((path, fp, reads)) = m.page(id)
        && let Some(f) = c.reuse(out, &path, &fp)
    {
        return Ok((f, Some((reads, now))));
    }
    let (prepared, reads) = match &memo {
        Some((m, id)) => {
            let (prepared, reads) = crate::site::memo::recording(|| renderer.prepare(job));
            let prepared = prepared?;
            let reads: Arc<[usize]> = reads.into();
            // A page without a fingerprint is made on every build, whatever it read.
            let kept = prepared.fingerprint.as_ref().map(|(path, fp)| {
                m.put_page(id, reads.clone(), path, fp);
                (reads, now)
            });
            (prepared, kept)
        }
        None => (renderer.prepare(job)?, None),
    };
    let fp = prepared.fingerprint.as_ref().map(|(path, fp)| (path.as_str(), *fp));
    if let (Some((c, out)), Some((path, fp))) = (cache, &fp)
        && let Some(f) = c.reuse(out, path, fp)
    {
        return Ok((f, reads));
    }
    let fp = fp.map(|(_, fp)| fp);
    if let Some(rel) = renderer.streamed(job) {
        let w = match (renderer.memo(), prepared.table) {
            (Some(m), Some(table)) => {
                let last = m.take_marks(rel);
                let sha256 = last.as_ref().map(|l| l.sha256);
                // A spare copy of the file the marks were taken in, else the output's copy. A
                // spare is not taken to be cut at its start, only to be cut after a mark or written
                // over in place: truncating a table of tens of MB took longer than writing a new
                // file.
                let over = |from: Option<&Mark>, in_place: bool| match (sha256, cache) {
                    (Some(sha256), Some((c, out))) => {
                        match (from.is_some() || in_place).then(|| staging.take_spare(rel, &sha256)).flatten() {
                            Some(spare) => Over::Spare(spare),
                            None => c.held(out, rel, &sha256).map_or(Over::Nothing, Over::Output),
                        }
                    }
                    _ => Over::Nothing,
                };
                let (w, marks) = staging.write_table(rel, &table, last, over).map_err(|e| io_error(rel, &e))?;
                m.keep_marks(rel, Marks { table, at: marks, sha256: unhex(&w.sha256).unwrap_or_default() });
                w
            }
            _ => {
                staging.write_with(rel, |out| renderer.stream(job, &mut AsBytes(out))).map_err(|e| io_error(rel, &e))?
            }
        };
        return Ok((OutFile::staged(w, fp), reads));
    }
    let (rel, bytes) = renderer.render_prepared(job, prepared)?;
    let w = staging.write(&rel, &bytes).map_err(|e| io_error(&rel, &e))?;
    Ok((OutFile::staged(w, fp), reads))
}

/// Renders and writes every job, reusing unchanged files of the previous output when `cache`
/// says they are current; `tick` is called after each job (a progress bar counts them).
/// Returns every file of the new output, sorted by path, or every failure.
pub(crate) fn emit(
    jobs: &[Job],
    renderer: &Renderer<'_>,
    staging: &Staging,
    cache: Option<(&Cache, &Path)>,
    tick: &(dyn Fn() + Sync),
) -> Emitted {
    let made = emit_all(jobs, renderer, staging, cache, tick)?;
    // Collected in place: the list of a national site is not copied.
    let mut files: Vec<OutFile> = made.into_iter().map(|(f, _)| f).collect();
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    let mut errs = Vec::new();
    emit_clashes(&files, &mut errs);
    if errs.is_empty() { Ok(files) } else { Err(errs) }
}

/// Every job's file, in the order of `jobs`, or every failure.
fn emit_all(
    jobs: &[Job],
    renderer: &Renderer<'_>,
    staging: &Staging,
    cache: Option<(&Cache, &Path)>,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<Made>, Vec<Diagnostic>> {
    // A failure is boxed: a result per file of a large site is kept until all are done, and most
    // are successes, much smaller than a diagnostic.
    // A short list (the open data, or the pages an edit reached) is split down to single jobs,
    // so that its few large ones (the three tables, tens of MB each) go to different threads
    // rather than one after the other in the first piece; a long one in pieces, as rayon splits.
    let most = if jobs.len() < 4096 { 1 } else { usize::MAX };
    // Asked once, not under the memo's lock for each of hundreds of thousands of jobs.
    let now = renderer.memo().map_or(0, |m| m.changes().now);
    let results: Vec<Result<Made, Box<Diagnostic>>> = jobs
        .par_iter()
        .with_max_len(most)
        .map(|job| {
            let done = emit_one(job, renderer, staging, cache, now).map_err(Box::new);
            tick();
            done
        })
        .collect();
    let errs: Vec<Diagnostic> = results.iter().filter_map(|r| r.as_ref().err()).map(|d| (**d).clone()).collect();
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(results.into_iter().filter_map(Result::ok).collect())
}

/// [`emit`] for `serve`, which keeps what the pages read ([`KeptPages`]). When `kept` is the
/// last build's, made over the same plan as `jobs` (the caller's promise), and `cache` is swept
/// (every file it lists is in the output as listed, see [`Cache::sweep`]), only the jobs that
/// read a record changed since they were made, and those made on every build, are looked at;
/// the others keep their files, and only the files written anew are returned
/// ([`PageFiles::Anew`], which [`listed`] puts into the last build's list). Otherwise every job
/// is, as [`emit`] does, and every page's file is returned.
pub(crate) fn emit_kept(
    jobs: Vec<Job>,
    kept: Option<KeptPages>,
    renderer: &Renderer<'_>,
    staging: &Staging,
    cache: Option<(&Cache, &Path)>,
    tick: &(dyn Fn() + Sync),
) -> Result<(PageFiles, KeptPages), Vec<Diagnostic>> {
    let changes = renderer.memo().map(|m| m.changes());
    let swept = cache.is_some_and(|(c, _)| c.swept.is_some());
    match (kept, changes) {
        (Some(mut kept), Some(changes)) if swept && kept.done.len() == jobs.len() => {
            // In the order of the paths, so that the list needs no sorting.
            let reached = kept.reached(&changes);
            let made = {
                let jobs: Vec<Job> = reached.iter().map(|&k| jobs[k].clone()).collect();
                emit_all(&jobs, renderer, staging, cache, tick)?
            };
            let mut moved = false;
            kept.asked.clear();
            let unplaced = kept.unplaced.take();
            let placed = |k: usize| unplaced.as_ref().is_none_or(|u| u.binary_search(&(k as u32)).is_err());
            for (&k, m) in reached.iter().zip(made) {
                moved |= placed(k) && m.0.path != kept.done[k].0.path;
                kept.put(k, m);
            }
            kept.checked = changes.now;
            kept.jobs = jobs;
            kept.looked_at = reached.len();
            if moved {
                // A job wrote another path than last time: not the same plan after all.
                return sorted_kept(kept);
            }
            if let Some(unplaced) = unplaced {
                return placed_kept(kept, unplaced);
            }
            for _ in reached.len()..kept.done.len() {
                tick();
            }
            // In the order of the paths, as `reached` is.
            let anew = reached.iter().map(|&k| &kept.done[k].0).filter(|f| f.staged).cloned().collect();
            Ok((PageFiles::Anew(anew), kept))
        }
        (_, changes) => {
            let done = emit_all(&jobs, renderer, staging, cache, tick)?;
            sorted_kept(KeptPages::new(jobs, done, changes.map_or(0, |c| c.now)))
        }
    }
}

/// The pages' files as [`emit_kept`] made them.
pub(crate) enum PageFiles {
    /// Every page's file, sorted by path.
    All(Vec<OutFile>),
    /// Only the files written anew, sorted by path: every other page's file is as the last build
    /// listed it, and every page's path is the same.
    Anew(Vec<OutFile>),
}

/// The files of `kept` sorted by path, with the order kept, or the clashes.
fn sorted_kept(mut kept: KeptPages) -> Result<(PageFiles, KeptPages), Vec<Diagnostic>> {
    let mut order: Vec<u32> = (0..kept.done.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| kept.done[a as usize].0.path.cmp(&kept.done[b as usize].0.path));
    kept.order = order;
    listed_kept(kept)
}

/// [`sorted_kept`] for pages whose `order` lacks only the jobs of `unplaced` (sorted): each is
/// put in its place, found by halving, where sorting every path again took 35–100 ms at 50,000
/// records.
fn placed_kept(mut kept: KeptPages, mut unplaced: Vec<u32>) -> Result<(PageFiles, KeptPages), Vec<Diagnostic>> {
    let path = |k: u32| &kept.done[k as usize].0.path;
    unplaced.sort_unstable_by(|&a, &b| path(a).cmp(path(b)));
    let mut order = Vec::with_capacity(kept.done.len());
    let mut from = 0;
    for k in unplaced {
        let at = from + kept.order[from..].partition_point(|&j| path(j) < path(k));
        order.extend_from_slice(&kept.order[from..at]);
        order.push(k);
        from = at;
    }
    order.extend_from_slice(&kept.order[from..]);
    kept.order = order;
    listed_kept(kept)
}

/// Every page's file of `kept`, whose `order` is sorted, or the clashes.
fn listed_kept(mut kept: KeptPages) -> Result<(PageFiles, KeptPages), Vec<Diagnostic>> {
    let files = kept.files();
    let mut errs = Vec::new();
    emit_clashes(&files, &mut errs);
    if !errs.is_empty() {
        return Err(errs);
    }
    kept.index();
    Ok((PageFiles::All(files), kept))
}

/// The build's list of files, sorted by path: the pages' (`pages`, with what `kept` keeps of
/// them under `serve`) and the others (`tail`, sorted). Where only some pages were written anew,
/// `cache` is the last build's cache, and it lists the same paths (it was made from the files
/// `kept` keeps, and the others' paths are the same), its list is taken and the files written
/// anew put in their places, which are returned too: at 50,000 records, a copy of the list of
/// 220,000 files made for every rebuild took 25–35 ms, most of it the kernel giving the copy
/// fresh pages of memory.
pub(crate) fn listed(
    pages: PageFiles,
    kept: Option<&mut KeptPages>,
    tail: Vec<OutFile>,
    cache: Option<&mut Cache>,
) -> (Vec<OutFile>, Option<Vec<usize>>) {
    if let (PageFiles::Anew(anew), Some(k), Some(c)) = (&pages, kept.as_deref(), cache) {
        let same = c.made_by != 0 && c.made_by == k.made_by && k.tail.iter().eq(tail.iter().map(|f| &f.path));
        let fresh = || anew.iter().chain(tail.iter().filter(|f| f.staged));
        if let Some(places) = same.then(|| fresh().map(|f| c.place(&f.path)).collect::<Option<Vec<usize>>>()).flatten()
        {
            let mut files = std::mem::take(&mut c.files);
            for (&at, f) in places.iter().zip(fresh()) {
                files[at] = f.clone();
            }
            let mut changed = places;
            changed.sort_unstable();
            changed.dedup();
            return (files, Some(changed));
        }
    }
    let mut files = match pages {
        PageFiles::All(files) => files,
        // An empty list here would have the build remove every page from the output.
        PageFiles::Anew(_) => kept.as_deref().map(KeptPages::files).expect("pages written anew come with those kept"),
    };
    if let Some(k) = kept {
        k.tail = tail.iter().map(|f| f.path.clone()).collect();
    }
    merge_sorted(&mut files, tail);
    (files, None)
}

/// Puts the files of `tail` into `files`, both sorted by path, so that `files` stays sorted,
/// moving each file at most once: `files` (the pages) is hundreds of thousands long at 50,000
/// records and the tail (open data and search index) a few thousand, where sorting the whole
/// list again took 20–35 ms of every rebuild.
pub(crate) fn merge_sorted(files: &mut Vec<OutFile>, mut tail: Vec<OutFile>) {
    let n = files.len();
    files.reserve_exact(tail.len());
    files.resize_with(n + tail.len(), OutFile::default);
    // `files[..left]` is still to be merged, `files[to..]` is merged, and between them are
    // places for the rest of the tail.
    let (mut left, mut to) = (n, files.len());
    while let Some(t) = tail.pop() {
        // Found by halving, then moved without comparing: comparing each path on the way took
        // most of the merge's 6 ms at 50,000 records.
        let place = files[..left].partition_point(|f| f.path <= t.path);
        while left > place {
            left -= 1;
            to -= 1;
            files.swap(left, to);
        }
        to -= 1;
        files[to] = t;
    }
}

/// Two jobs writing the same path would silently lose one page.
fn emit_clashes(ok: &[OutFile], errs: &mut Vec<Diagnostic>) {
    for w in ok.windows(2) {
        if w[0].path == w[1].path {
            let p = &w[0].path;
            errs.push(
                Diagnostic::error(
                    &rules::OUTPUT_CLASH,
                    "",
                    Pos::new(1, 1),
                    msg!("两个页面要写入同一个文件 {p}", "two pages would be written to the same file {p}"),
                )
                .help(msg!(
                    "检查是否有记录的 id 与 gazette/、browse/ 等栏目路径冲突",
                    "check for record ids that collide with each other or with the site's folders"
                )),
            );
        }
    }
}

fn io_error(path: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(&rules::IO, path, Pos::new(1, 1), msg!("写入失败：{e}", "cannot write: {e}"))
}

#[cfg(test)]
mod tests {
    use super::{Over, Staging};
    use std::path::Path;

    /// A table of `rows` (each row's bytes with its SHA-256) under `head`, written as the
    /// tables are: the head, then the rows separated by a line break, then an end.
    fn table(
        head: &[u8],
        rows: &[crate::site::memo::KeptRow],
    ) -> impl Fn(&mut dyn crate::site::data::Table) -> std::io::Result<()> {
        move |w: &mut dyn crate::site::data::Table| {
            w.write_all(head)?;
            for (k, r) in rows.iter().enumerate() {
                if k > 0 {
                    w.write_all(b"\n")?;
                }
                w.row(r.clone())?;
            }
            w.write_all(b"]\n")
        }
    }

    fn row(text: String) -> crate::site::memo::KeptRow {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(text.as_bytes()).into();
        (std::sync::Arc::from(text.into_bytes()), digest)
    }

    /// The table as its pieces, as `Renderer::prepare` makes it.
    fn recorded(head: &[u8], rows: &[crate::site::memo::KeptRow]) -> crate::site::data::Recorded {
        let mut d = crate::site::data::Recorded::default();
        table(head, rows)(&mut d).unwrap();
        d.finish();
        d
    }

    /// A table written again after a change keeps the checksum its bytes have, wherever the
    /// change is (first row, middle, end, head, rows added or taken away, none), and however
    /// the marks kept from the last time are (those of another table entirely, too).
    #[test]
    fn a_table_hashed_from_a_mark_has_the_checksum_of_its_bytes() {
        use sha2::Digest;
        let tmp = tempfile::tempdir().unwrap();
        let staging = Staging::new(&tmp.path().join("www")).unwrap();
        // Some 3.4 MB: three marks.
        let base: Vec<_> =
            (0..3000).map(|k| row(format!("{{\"n\": {k}, \"text\": \"{}\"}}", "字".repeat(380)))).collect();
        let head = b"{\"count\": 3000, \"rows\": [\n".to_vec();
        let changed = |k: usize| {
            let mut rows = base.clone();
            rows[k] = row(format!("{{\"n\": {k}, \"text\": \"changed\"}}"));
            rows
        };
        let (mid, first, last) = (changed(2100), changed(0), changed(2999));
        // Rows as long as those they replace (a record's text reworded changes its checksum).
        let alike = |ks: &[usize]| {
            let mut rows = base.clone();
            for &k in ks {
                rows[k] = row(format!("{{\"n\": {k}, \"text\": \"{}\"}}", "文".repeat(380)));
            }
            rows
        };
        let (first_alike, mid_alike, apart) = (alike(&[0]), alike(&[2100]), alike(&[1, 1500, 2999]));
        let mut alike_then_longer = alike(&[3, 1200]);
        alike_then_longer[2000] = row("{\"n\": 2000, \"text\": \"longer than it was, by far\"}".repeat(60));
        let mut longer = base.clone();
        longer.push(row("{\"n\": 3000}".into()));
        let shorter = base[..1500].to_vec();
        let cases: Vec<(&str, &[u8], &[crate::site::memo::KeptRow])> = vec![
            ("a row in the middle", &head, &mid),
            ("the first row", &head, &first),
            ("the last row", &head, &last),
            ("the head", b"{\"count\": 3001, \"rows\": [\n", &base),
            ("a row added", &head, &longer),
            ("rows taken away", &head, &shorter),
            ("nothing", &head, &base),
            ("the first row, as long as before", &head, &first_alike),
            ("a row in the middle, as long as before", &head, &mid_alike),
            ("rows as long as before, far apart", &head, &apart),
            ("rows as long as before, then one longer", &head, &alike_then_longer),
            ("the first row as long as before, rows taken away", &head, &first_alike[..2000]),
        ];
        let old = tmp.path().join("old.json");
        // The table as first written, with its marks; moved out of the way, as the output's
        // copy is, and open.
        let first_written = |rows: &[crate::site::memo::KeptRow]| {
            let (w, at) = staging.write_table("t.json", &recorded(&head, rows), None, |_, _| Over::Nothing).unwrap();
            std::fs::rename(staging.dir().join("t.json"), &old).unwrap();
            let sha256 = super::unhex(&w.sha256).unwrap();
            (crate::site::memo::Marks { table: recorded(&head, rows), at, sha256 }, std::fs::File::open(&old).unwrap())
        };
        let sha = |bytes: &[u8]| crate::source::hex(&sha2::Sha256::digest(bytes));
        // The staged file is the table made at once, and `w` says its checksum.
        let is_table = |w: &super::Written, h: &[u8], rows: &[crate::site::memo::KeptRow], what: &str| {
            let bytes = std::fs::read(staging.dir().join("t.json")).unwrap();
            let mut plain = crate::site::data::AsBytes(Vec::new());
            table(h, rows)(&mut plain).unwrap();
            assert!(bytes == plain.0, "{what}: the bytes");
            assert_eq!(w.sha256, sha(&bytes), "{what}");
            bytes.len()
        };
        // Written over nothing, over the output's copy, and over a spare copy in place.
        let over = |how: usize, file: std::fs::File| match how {
            0 => Over::Nothing,
            1 => Over::Output(file),
            _ => {
                let at = staging.dir().join("t.json");
                std::fs::copy(&old, &at).unwrap();
                Over::Spare(std::fs::OpenOptions::new().read(true).write(true).open(at).unwrap())
            }
        };
        for (what, h, rows) in cases {
            for copied in 0..3 {
                let (last, file) = first_written(&base);
                assert!(last.at.len() >= 3, "{what}: {} marks", last.at.len());
                let (w, _) =
                    staging.write_table("t.json", &recorded(h, rows), Some(last), |_, _| over(copied, file)).unwrap();
                let size = is_table(&w, h, rows, &format!("after {what} (copied: {copied})"));
                assert_eq!(w.size, size as u64, "after {what} (copied: {copied})");
            }
        }
        // The marks of a table hashed from a mark serve the next time as well as those of one
        // hashed whole, and so do those of a table written over in place in a spare: a second
        // row changed after the first, the table copied up to it.
        for (rows, spare, what) in
            [(&mid, false, "a second change"), (&first_alike, true, "after a table written over in place")]
        {
            let (last, file) = first_written(&base);
            let into = if spare { over(2, file) } else { Over::Nothing };
            let (w, at) = staging.write_table("t.json", &recorded(&head, rows), Some(last), |_, _| into).unwrap();
            assert!(at.len() >= 3, "{what}: {} marks after the first write", at.len());
            std::fs::rename(staging.dir().join("t.json"), &old).unwrap();
            let last =
                crate::site::memo::Marks { table: recorded(&head, rows), at, sha256: super::unhex(&w.sha256).unwrap() };
            let mut then = rows.clone();
            then[2500] = row("{\"n\": 2500, \"text\": \"changed too\"}".into());
            let file = Over::Output(std::fs::File::open(&old).unwrap());
            let (w, _) = staging.write_table("t.json", &recorded(&head, &then), Some(last), |_, _| file).unwrap();
            is_table(&w, &head, &then, what);
        }
        // The marks are taken at their word: with their states replaced, the checksum after a
        // new row in the middle is not that of the bytes.
        let (mut last, _) = first_written(&base);
        last.at = last.at.into_iter().map(|m| crate::site::memo::Mark { state: sha2::Sha256::new(), ..m }).collect();
        let (w, _) = staging.write_table("t.json", &recorded(&head, &mid), Some(last), |_, _| Over::Nothing).unwrap();
        let bytes = std::fs::read(staging.dir().join("t.json")).unwrap();
        assert_ne!(w.sha256, sha(&bytes), "the hash was taken up at a mark");
        // So is the copy: with the old file changed, so are the first bytes of the new one.
        let (last, _) = first_written(&base);
        let mut changed = std::fs::read(&old).unwrap();
        changed[100] = b'#';
        std::fs::write(&old, &changed).unwrap();
        let file = Over::Output(std::fs::File::open(&old).unwrap());
        staging.write_table("t.json", &recorded(&head, &mid), Some(last), |_, _| file).unwrap();
        assert_eq!(std::fs::read(staging.dir().join("t.json")).unwrap()[100], b'#', "the first bytes were copied");
        // And so is a spare's: its first bytes are kept.
        let (last, file) = first_written(&base);
        let spare = over(2, file);
        let f = std::fs::OpenOptions::new().write(true).open(staging.dir().join("t.json")).unwrap();
        std::os::unix::fs::FileExt::write_all_at(&f, b"#", 100).unwrap();
        staging.write_table("t.json", &recorded(&head, &mid), Some(last), |_, _| spare).unwrap();
        assert_eq!(
            std::fs::read(staging.dir().join("t.json")).unwrap()[100],
            b'#',
            "the spare's first bytes were kept"
        );
        // A spare is asked for, and written over in place, when the rows that differ are as long
        // as before, from the first row on: a byte of a row that did not change, changed in the
        // spare, stays so; and not when a row further on is longer.
        for (rows, wanted) in [(&first_alike, true), (&apart, true), (&mid_alike, true), (&first, false)] {
            let (last, file) = first_written(&base);
            let spare = over(2, file);
            let f = std::fs::OpenOptions::new().write(true).open(staging.dir().join("t.json")).unwrap();
            let at = head.len() as u64 + base[..2500].iter().map(|r| r.0.len() as u64 + 1).sum::<u64>() + 20;
            std::os::unix::fs::FileExt::write_all_at(&f, b"#", at).unwrap();
            let mut asked = None;
            staging
                .write_table("t.json", &recorded(&head, rows), Some(last), |_, in_place| {
                    asked = Some(in_place);
                    spare
                })
                .unwrap();
            assert_eq!(asked, Some(wanted), "a spare asked for in place");
            let kept = std::fs::read(staging.dir().join("t.json")).unwrap()[at as usize] == b'#';
            assert_eq!(kept, wanted, "a row that did not change left as it was in the spare");
        }
        // Every row changed, each as long as before: written in sequence, not row by row.
        let every: Vec<usize> = (0..3000).collect();
        let (last, file) = first_written(&base);
        let spare = over(2, file);
        let mut asked = None;
        let (w, _) = staging
            .write_table("t.json", &recorded(&head, &alike(&every)), Some(last), |_, in_place| {
                asked = Some(in_place);
                spare
            })
            .unwrap();
        assert_eq!(asked, Some(false), "every row changed: no spare asked for in place");
        is_table(&w, &head, &alike(&every), "every row changed");
        // Marks that do not fit the table (another table's, with the same rows as SHA-256s):
        // the table is written and hashed from its start.
        let other: Vec<_> = base.iter().map(|(b, d)| (std::sync::Arc::from([&b[..], b" "].concat()), *d)).collect();
        for copied in 0..3 {
            let (odd, file) = first_written(&base);
            let (w, _) =
                staging.write_table("t.json", &recorded(&head, &other), Some(odd), |_, _| over(copied, file)).unwrap();
            is_table(&w, &head, &other, &format!("marks of another table (copied: {copied})"));
        }
    }

    #[test]
    fn saving_a_cache_removes_what_a_stopped_save_left_once_it_is_old() {
        use super::Cache;
        let tmp = tempfile::tempdir().unwrap();
        let (root, out) = (tmp.path().join("site"), tmp.path().join("www"));
        let cache = Cache::make(&out, Vec::new());
        cache.save(&root, &out).unwrap();
        let path = Cache::path(&root, &out);
        let (old, new) = (path.with_extension("jsonl.1.tmp"), path.with_extension("jsonl.2.tmp"));
        for p in [&old, &new] {
            std::fs::write(p, "partial").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options().write(true).open(&old).unwrap().set_modified(hour_ago).unwrap();
        cache.save(&root, &out).unwrap();
        assert!(!old.exists(), "left by a save stopped an hour ago");
        assert!(new.exists(), "perhaps another build's save under way");
    }

    #[test]
    fn a_sorted_tail_is_merged_into_a_sorted_list_as_a_sort_would() {
        use super::{OutFile, merge_sorted};
        let file = |p: &str| OutFile { path: p.into(), size: p.len() as u64, ..OutFile::default() };
        let paths = |v: &[OutFile]| v.iter().map(|f| f.path.to_string()).collect::<Vec<_>>();
        let cases: [(&[&str], &[&str]); 5] = [
            (&["b", "d", "f"], &["a", "c", "e", "g"]),
            (&[], &["a", "b"]),
            (&["a", "b"], &[]),
            (&["m", "n"], &["a", "b"]),
            (&["a", "b"], &["y", "z"]),
        ];
        for (head, tail) in cases {
            let mut files: Vec<OutFile> = head.iter().map(|p| file(p)).collect();
            merge_sorted(&mut files, tail.iter().map(|p| file(p)).collect());
            let mut want: Vec<&str> = head.iter().chain(tail).copied().collect();
            want.sort_unstable();
            assert_eq!(paths(&files), want);
            assert!(files.iter().all(|f| f.size == f.path.len() as u64), "each file moved whole");
        }
    }

    #[test]
    fn a_cache_serves_only_the_folder_it_was_made_for() {
        use super::{Cache, OutFile};
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        let (a, b) = (tmp.path().join("1/www"), tmp.path().join("2/www"));
        let file = |path: &str, fp: Option<[u8; 32]>| OutFile {
            path: path.into(),
            sha256: [0xa5; 32],
            size: 1,
            fp,
            stamp: 7,
            staged: false,
        };
        let files =
            vec![file("a/\"转义\"\\.html", None), file("a/index.html", Some([3; 32])), file("index.html", None)];
        let cache = Cache::make(&a, files.clone());
        cache.save(&root, &a).unwrap();
        // One file for both (same folder name), so the check inside it is what keeps them apart.
        assert_eq!(Cache::path(&root, &a), Cache::path(&root, &b));
        assert!(Cache::read(&root, &b).is_none());
        let read = Cache::read(&root, &tmp.path().join("1/x/../www")).expect("the same folder, named otherwise");
        assert_eq!(read.files, files);
        assert_eq!(read.get("index.html").map(|f| f.stamp), Some(7));
        assert_eq!(Cache::path(&root, &root.join("public")), root.join(".gongbao/cache/public.jsonl"));
        // A cache of another format, or cut short in a line, is not read.
        let path = Cache::path(&root, &a);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("\"format\":4", "\"format\":3", 1)).unwrap();
        assert!(Cache::read(&root, &a).is_none());
        std::fs::write(&path, &text[..text.len() - 9]).unwrap();
        assert!(Cache::read(&root, &a).is_none());
        let without_last = &text[..text.trim_end().rfind('\n').unwrap() + 1];
        std::fs::write(&path, without_last).unwrap();
        assert!(Cache::read(&root, &a).is_none());
    }

    #[test]
    fn strings_and_numbers_are_written_as_serde_json_writes_them() {
        for s in ["docs/a/index.html", "", "文件/索引.html", "a\"b", "a\\b", "tab\there", "\u{1}\u{1f}", "\u{7f}é"]
        {
            let mut out = Vec::new();
            super::push_json_str(s, &mut out);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
        for n in [0, 7, 10, 99, 1_000_000, u64::MAX] {
            let mut out = Vec::new();
            super::push_u64(n, &mut out);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }

    /// A cache is taken at its word only once a sweep found every file as listed, and the seal
    /// unchanged: before, each reuse asks the file system; after, none does, until a cache not
    /// made from a swept one replaces it, or the seal changes (another build wrote the output).
    /// A file changed since it was listed leaves the cache unswept, even one swept before; a
    /// sweep stopped early leaves it as it was.
    #[test]
    fn only_a_swept_cache_is_taken_at_its_word() {
        use super::{Cache, OutFile};
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("www");
        std::fs::create_dir_all(out.join("a")).unwrap();
        let seal = "manifest.json";
        std::fs::write(out.join(seal), "{}").unwrap();
        let fp = [3u8; 32];
        let made = |bytes: &str| {
            std::fs::write(out.join("a/index.html"), bytes).unwrap();
            let f = OutFile {
                path: "a/index.html".into(),
                sha256: [0; 32],
                size: bytes.len() as u64,
                fp: Some(fp),
                stamp: 0,
                staged: true,
            };
            Cache::make(&out, vec![f])
        };
        let reused = |c: &Cache| c.reuse(&out, "a/index.html", &fp).is_some();
        let mut cache = made("第一版");
        assert!(reused(&cache));
        assert!(cache.reuse(&out, "a/index.html", &[4; 32]).is_none(), "another fingerprint");
        assert_eq!(cache.sweep(&out, seal, &|| false), None, "a sweep told to stop");
        std::fs::write(out.join("a/index.html"), "改过了").unwrap();
        assert!(!reused(&cache), "an unswept cache asks the file system");
        assert_eq!(cache.sweep(&out, seal, &|| true), Some(false), "the file changed since it was listed");
        assert!(!reused(&cache));

        let mut cache = made("第二版");
        assert_eq!(cache.sweep(&out, seal, &|| true), Some(true));
        std::fs::remove_file(out.join("a/index.html")).unwrap();
        cache.still_swept(&out, seal);
        assert!(reused(&cache), "a swept cache is taken at its word");
        // A sweep again, stopped after it began (a build began): the cache is as swept as it
        // was, and the next sweep that runs to its end finds the file gone.
        assert_eq!(cache.sweep(&out, seal, &|| false), None);
        assert!(reused(&cache), "a stopped sweep leaves the cache as it was");
        assert_eq!(cache.sweep(&out, seal, &|| true), Some(false), "the next sweep finds the file gone");
        assert!(!reused(&cache));
        assert_eq!(cache.sweep(&out, seal, &|| false), None);
        assert!(!reused(&cache), "nor does a stopped sweep make an unswept cache swept");

        // Another build wrote the output: its seal is new, and the cache is checked again.
        let mut cache = made("第三版");
        assert_eq!(cache.sweep(&out, seal, &|| true), Some(true));
        std::fs::write(out.join("a/index.html"), "另一次构建写的").unwrap();
        std::fs::remove_file(out.join(seal)).unwrap();
        std::fs::write(out.join(seal), "{\"another\": 1}").unwrap();
        cache.still_swept(&out, seal);
        assert!(!reused(&cache), "a new seal: the files are checked again");
        std::fs::remove_file(out.join(seal)).unwrap();
        assert_eq!(made("第四版").sweep(&out, seal, &|| true), Some(false), "no seal, no sweep");
    }

    fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .flatten()
            .filter(|e| !e.file_type().is_dir())
            .map(|e| (crate::source::rel(dir, e.path()), std::fs::read(e.path()).unwrap_or_default()))
            .collect();
        v.sort();
        v
    }

    fn output(dir: &Path) -> std::path::PathBuf {
        let out = dir.join("public");
        for (rel, text) in [
            ("a.txt", "old a"),
            ("d/b.txt", "old b"),
            ("old.txt", "stale"),
            ("f", "a file where a folder will be"),
            ("dir/x.txt", "a folder where a file will be"),
        ] {
            let p = out.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        out
    }

    fn stage(out: &Path) -> (Staging, Vec<String>) {
        let st = Staging::new(out).unwrap();
        let staged = ["a.txt", "d/b.txt", "f/index.html", "dir", "n/e/w.txt"].map(String::from).to_vec();
        for rel in &staged {
            st.write(rel, format!("new {rel}").as_bytes()).unwrap();
        }
        (st, staged)
    }

    #[test]
    fn commit_into_replaces_removes_and_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let out = output(tmp.path());
        let (st, staged) = stage(&out);
        let dir = st.dir().to_path_buf();
        st.commit_into(&staged, &["old.txt"]).unwrap();
        let now: Vec<String> =
            tree(&out).into_iter().map(|(p, b)| format!("{p}={}", String::from_utf8(b).unwrap())).collect();
        assert_eq!(
            now,
            [
                "a.txt=new a.txt",
                "d/b.txt=new d/b.txt",
                "dir=new dir",
                "f/index.html=new f/index.html",
                "n/e/w.txt=new n/e/w.txt"
            ]
        );
        assert!(!dir.exists());
    }

    /// A whole output replaced with the old one left aside: the new output is in place, the old
    /// one is aside whole, and the next staging folder removes it.
    #[test]
    fn a_replaced_output_is_left_aside_until_the_next_build() {
        let tmp = tempfile::tempdir().unwrap();
        let out = output(tmp.path());
        let before = tree(&out);
        let (st, _) = stage(&out);
        let staged = tree(st.dir());
        let spent = st.commit_leaving(true).unwrap().expect("left aside");
        assert_eq!(tree(&out), staged, "the new output");
        assert_eq!(tree(&spent), before, "the old output, aside");
        let again = Staging::new(&out).unwrap();
        assert!(!spent.exists(), "removed by the next staging folder");
        again.abandon();
    }

    /// A folder left aside that a thread of this process is removing is left to it by the next
    /// staging folder; the thread removes it.
    #[test]
    fn a_spent_folder_a_thread_is_removing_is_left_to_it() {
        let tmp = tempfile::tempdir().unwrap();
        let out = output(tmp.path());
        let (st, _) = stage(&out);
        let spent = st.commit_leaving(true).unwrap().expect("left aside");
        super::REMOVING.lock().unwrap().insert(spent.clone());
        let again = Staging::new(&out).unwrap();
        assert!(spent.exists(), "left to the thread removing it");
        again.abandon();
        super::REMOVING.lock().unwrap().remove(&spent);
        Staging::remove_aside(spent.clone());
        let gone = (0..1000).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            !spent.exists() && !super::REMOVING.lock().unwrap().contains(&spent)
        });
        assert!(gone, "removed by its thread, and no longer listed");
    }

    /// Committed with the staging folder left aside, the output is as after `commit_into`; the
    /// folder left holds the files moved out, and the next staging folder removes it.
    #[test]
    fn a_spent_staging_folder_holds_the_old_files_until_the_next_build() {
        let tmp = tempfile::tempdir().unwrap();
        let out = output(tmp.path());
        let (st, staged) = stage(&out);
        let before = tree(&out);
        let spent = st.commit_into_leaving(&staged, &["old.txt"], true).unwrap().expect("left aside");
        // Every old file was replaced or removed.
        let bytes = |t: Vec<(String, Vec<u8>)>| {
            let mut b: Vec<Vec<u8>> = t.into_iter().map(|(_, b)| b).collect();
            b.sort();
            b
        };
        assert_eq!(bytes(tree(&spent)), bytes(before), "the old files, moved out");
        let other = tempfile::tempdir().unwrap();
        let other = output(other.path());
        let (st, staged) = stage(&other);
        st.commit_into(&staged, &["old.txt"]).unwrap();
        assert_eq!(tree(&out), tree(&other), "as after commit_into");
        let again = Staging::new(&out).unwrap();
        assert!(!spent.exists(), "removed by the next staging folder");
        again.abandon();
    }

    #[test]
    fn a_failed_commit_into_leaves_the_output_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let out = output(tmp.path());
        let before = tree(&out);
        let (st, mut staged) = stage(&out);
        let dir = st.dir().to_path_buf();
        // The last file to move in is not there: everything before it has moved by then.
        staged.push("zz-never-staged.txt".into());
        assert!(st.commit_into(&staged, &["old.txt"]).is_err());
        assert_eq!(tree(&out), before);
        assert!(!dir.exists());
    }
}
