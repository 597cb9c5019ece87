//! Stage 7, `seal`: the checksums of the output. `manifest.json` lists every file except itself
//! and the seal files, with sizes and the build's identity; `SHA256SUMS`, in the format
//! `sha256sum -c` reads, lists the same files and `manifest.json` too, so that whatever vouches
//! for the sums vouches for every byte of the manifest. With a secret key, `SHA256SUMS.minisig`
//! signs the sums, with the build date and file count in its trusted comment. Ed25519 signatures
//! are deterministic, but the signature is still the one file that may differ between two builds
//! (a different key), so it stays out of the lists.

pub(crate) mod minisign;
pub(crate) mod verify;

use crate::emit::{Before, CHUNK, Listed, SealLists as Kept, Staging, Written, in_chunks};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// The checksum list, in `sha256sum` format.
pub(crate) const SUMS: &str = "SHA256SUMS";
/// The manifest with sizes and checksums.
pub(crate) const MANIFEST: &str = "manifest.json";
/// The detached minisign signature of `SHA256SUMS`.
pub(crate) const SIGNATURE: &str = "SHA256SUMS.minisig";
/// The files of the seal, which no list names but `SHA256SUMS` names `manifest.json`.
pub(crate) const SEAL_FILES: [&str; 3] = [MANIFEST, SUMS, SIGNATURE];
/// The start of `generator` in every manifest gongbao writes.
pub(crate) const GENERATOR: &str = "gongbao ";

/// `manifest.json`, as it is read back. Keys in alphabetical order, as everywhere in gongbao's
/// JSON. [`seal`] writes it row by row, as `serde_json`'s pretty printer would write this
/// (a test compares the two).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Manifest<F = Vec<Written>> {
    /// Always `sha256`.
    pub algorithm: String,
    /// The build date.
    pub as_of: String,
    /// Number of files listed.
    pub file_count: usize,
    /// The files, sorted by path.
    pub files: F,
    /// `gongbao <version>`.
    pub generator: String,
    /// Sum of the sizes.
    pub total_bytes: u64,
}

/// The trusted comment of the signature: what the signer vouches for besides the sums.
pub(crate) fn trusted_comment(as_of: &str, files: usize) -> String {
    format!("gongbao site seal; file:{SUMS}; as_of:{as_of}; files:{files}")
}

/// Writes `manifest.json` and `SHA256SUMS` (and with a key `SHA256SUMS.minisig`) for `files`
/// (sorted by path). With `keep` (under `serve`) the lists' chunks are returned for the next
/// seal, and `last` is what the last one kept, with what it was kept for; a build keeps nothing.
pub fn seal<F: Listed + Sync>(
    staging: &Staging,
    files: &[F],
    as_of: &str,
    key: Option<&minisign::KeyPair>,
    last: Option<(Before<'_, F>, Kept)>,
    keep: bool,
) -> std::io::Result<Option<Kept>> {
    let generator = format!("{GENERATOR}{}", env!("CARGO_PKG_VERSION"));
    let total: u64 = files.iter().map(Listed::size).sum();
    let text = |s: &str| serde_json::to_string(s).map_err(std::io::Error::other);
    let head = format!(
        "{{\n  \"algorithm\": \"sha256\",\n  \"as_of\": {},\n  \"file_count\": {},\n  \"files\": [",
        text(as_of)?,
        files.len()
    );
    let close = if files.is_empty() { "]" } else { "\n  ]" };
    let tail = format!("{close},\n  \"generator\": {},\n  \"total_bytes\": {total}\n}}\n", text(&generator)?);
    let lists = Lists {
        files,
        head: head.into_bytes(),
        tail: tail.into_bytes(),
        at: files.partition_point(|f| f.path() < MANIFEST),
    };
    if keep {
        return lists.kept(staging, as_of, key, last).map(Some);
    }
    lists.streamed(staging, as_of, key).map(|()| None)
}

/// What both lists are made from.
struct Lists<'a, F> {
    files: &'a [F],
    /// The manifest's bytes before its first row and after its last.
    head: Vec<u8>,
    tail: Vec<u8>,
    /// Where `SHA256SUMS` names `manifest.json`, in path order: before the file at `at`, or
    /// after the last.
    at: usize,
}

/// The length of the manifest's line in `SHA256SUMS`.
const MANIFEST_LINE: usize = 64 + 2 + MANIFEST.len() + 1;

impl<F: Listed + Sync> Lists<'_, F> {
    /// Appends file `f`'s row of the manifest (the `k`-th) to `out`.
    fn manifest_row(out: &mut Vec<u8>, k: usize, f: &F) {
        out.extend_from_slice(if k == 0 { b"\n    {\n      \"path\": " } else { b",\n    {\n      \"path\": " });
        crate::emit::push_json_str(f.path(), out);
        out.extend_from_slice(b",\n      \"sha256\": \"");
        f.push_sha256_hex(out);
        out.extend_from_slice(b"\",\n      \"size\": ");
        crate::emit::push_u64(f.size(), out);
        out.extend_from_slice(b"\n    }");
    }

    /// Appends file `f`'s line of the sums to `out`.
    fn sums_line(out: &mut Vec<u8>, _: usize, f: &F) {
        f.push_sha256_hex(out);
        out.extend_from_slice(b"  ");
        out.extend_from_slice(f.path().as_bytes());
        out.push(b'\n');
    }

    /// The manifest's line in the sums.
    fn manifest_line(sha256: &str) -> String {
        format!("{sha256}  {MANIFEST}\n")
    }

    /// Where the manifest's line cuts chunk `c` of the sums, when it does.
    fn cut(&self, c: usize) -> Option<usize> {
        let first = c * CHUNK;
        ((first..first + CHUNK).contains(&self.at) && self.at < self.files.len())
            .then(|| self.files[first..self.at].iter().map(|f| 64 + 2 + f.path().len() + 1).sum())
    }

    /// Writes both lists as streams, never whole in memory (a build).
    fn streamed(&self, staging: &Staging, as_of: &str, key: Option<&minisign::KeyPair>) -> std::io::Result<()> {
        use blake2::{Blake2b512, Digest};
        use std::io::Write;
        let manifest = || {
            staging.write_with(MANIFEST, |w| {
                w.write_all(&self.head)?;
                in_chunks(self.files, (&Before::Nothing, Vec::new()), false, &Self::manifest_row, |_, bytes, _| {
                    w.write_all(bytes)
                })?;
                w.write_all(&self.tail)
            })
        };
        // Writes the sums to `w` with `inserted` where the manifest's line goes; returns where
        // that is.
        let sums = |w: &mut dyn Write, inserted: &[u8]| {
            let mut hole = 0;
            let mut at = 0;
            in_chunks(self.files, (&Before::Nothing, Vec::new()), false, &Self::sums_line, |c, bytes, _| {
                match self.cut(c) {
                    Some(split) => {
                        w.write_all(&bytes[..split])?;
                        hole = at + split;
                        w.write_all(inserted)?;
                        w.write_all(&bytes[split..])?;
                        at += inserted.len();
                    }
                    None => w.write_all(bytes)?,
                }
                at += bytes.len();
                Ok(())
            })?;
            if self.at == self.files.len() {
                hole = at;
                w.write_all(inserted)?;
            }
            Ok::<_, std::io::Error>(hole)
        };
        let Some(key) = key else {
            // Without a key the sums are written while the manifest is: its line is left blank,
            // at its length, and written in once the manifest's checksum is known.
            let blank = [b' '; MANIFEST_LINE];
            let (listed, hole) = rayon::join(manifest, || {
                let mut hole = 0;
                staging.write_unlisted(SUMS, |w| {
                    hole = sums(w, &blank)?;
                    Ok(())
                })?;
                Ok::<_, std::io::Error>(hole)
            });
            let (listed, hole) = (listed?, hole?);
            let line = Self::manifest_line(&listed.sha256);
            if line.len() != MANIFEST_LINE {
                return Err(std::io::Error::other("the manifest's line in SHA256SUMS is not of its expected length"));
            }
            return staging.write_at(SUMS, hole as u64, line.as_bytes());
        };
        let listed = manifest()?;
        let line = Self::manifest_line(&listed.sha256);
        // The signature is made from the BLAKE2b-512 of the sums, taken as they are written.
        let mut prehash = [0u8; 64];
        staging.write_unlisted(SUMS, |w| {
            let mut w = Prehashing { inner: w, hash: Blake2b512::new() };
            sums(&mut w, line.as_bytes())?;
            prehash = w.hash.finalize().into();
            Ok(())
        })?;
        staging.write(SIGNATURE, key.sign_prehashed(&prehash, &trusted_comment(as_of, self.files.len())).as_bytes())?;
        Ok(())
    }

    /// Makes both lists whole, most chunks taken as the last seal made them, and writes them
    /// (under `serve`). Where the staging folder has a spare copy of the output's list
    /// ([`crate::emit::Spares`]), only the pieces made anew, and those after the first that
    /// changed its length, are written into it. Returns the lists for the next seal.
    fn kept(
        &self,
        staging: &Staging,
        as_of: &str,
        key: Option<&minisign::KeyPair>,
        last: Option<(Before<'_, F>, Kept)>,
    ) -> std::io::Result<Kept> {
        use sha2::Digest;
        let (before, old) = last.map_or((Before::Nothing, None), |(b, k)| (b, Some(k)));
        let (old_manifest, old_sums, old_ends, old_layout, old_sha) = match old {
            Some(k) => (k.manifest, k.sums, Some(k.ends), Some(k.layout), Some(k.manifest_sha256)),
            None => (Vec::new(), Vec::new(), None, None, None),
        };
        let chunks = |old: Vec<Vec<u8>>, row: &(dyn Fn(&mut Vec<u8>, usize, &F) + Sync)| {
            let mut anew = Vec::new();
            let made = in_chunks(self.files, (&before, old), true, &row, |_, _, a| {
                anew.push(a);
                Ok(())
            })?;
            Ok::<_, std::io::Error>((made, anew))
        };
        let (manifest, sums) =
            rayon::join(|| chunks(old_manifest, &Self::manifest_row), || chunks(old_sums, &Self::sums_line));
        let ((manifest, manifest_anew), (sums, sums_anew)) = (manifest?, sums?);
        // The manifest: its head, chunks and tail, each with whether it may differ from the last.
        let (old_head, old_tail) = old_ends.map_or((None, None), |(h, t)| (Some(h), Some(t)));
        let mut pieces: Vec<(&[u8], bool)> = Vec::with_capacity(manifest.len() + 2);
        pieces.push((&self.head, old_head.as_ref() != Some(&self.head)));
        pieces.extend(manifest.iter().map(Vec::as_slice).zip(manifest_anew.iter().copied()));
        pieces.push((&self.tail, old_tail.as_ref() != Some(&self.tail)));
        let spare = |rel: &str| old_sha.and_then(|sha| staging.take_spare(rel, &sha));
        let (old_manifest_layout, old_sums_layout) = old_layout.unzip();
        // Hashed on one thread while it is written on another.
        let (sha256, wrote) = rayon::join(
            || pieces.iter().fold(sha2::Sha256::new(), |h, (p, _)| h.chain_update(p)).finalize(),
            || write_pieces(staging, MANIFEST, &pieces, spare(MANIFEST).zip(old_manifest_layout)),
        );
        wrote?;
        let manifest_layout: Vec<usize> = pieces.iter().map(|(p, _)| p.len()).collect();
        let line = Self::manifest_line(&crate::source::hex(&sha256));
        // The sums: their chunks, the one the manifest's line goes in cut in two around it.
        let mut pieces: Vec<(&[u8], bool)> = Vec::with_capacity(sums.len() + 2);
        for (c, (bytes, anew)) in sums.iter().zip(&sums_anew).enumerate() {
            match self.cut(c) {
                Some(split) => {
                    pieces.push((&bytes[..split], *anew));
                    pieces.push((line.as_bytes(), true));
                    pieces.push((&bytes[split..], *anew));
                }
                None => pieces.push((bytes, *anew)),
            }
        }
        if self.at == self.files.len() {
            pieces.push((line.as_bytes(), true));
        }
        write_pieces(staging, SUMS, &pieces, spare(SUMS).zip(old_sums_layout))?;
        if let Some(key) = key {
            use blake2::{Blake2b512, Digest};
            let prehash: [u8; 64] =
                pieces.iter().fold(Blake2b512::new(), |h, (p, _)| h.chain_update(p)).finalize().into();
            let signed = key.sign_prehashed(&prehash, &trusted_comment(as_of, self.files.len()));
            staging.write(SIGNATURE, signed.as_bytes())?;
        }
        let sums_layout = pieces.iter().map(|(p, _)| p.len()).collect();
        Ok(Kept {
            manifest,
            sums,
            ends: (self.head.clone(), self.tail.clone()),
            layout: (manifest_layout, sums_layout),
            manifest_sha256: sha256.into(),
        })
    }
}

/// Writes the file `rel` of the staging folder as `pieces` laid end to end. Over `spare` (a copy
/// of the file as the last seal wrote it, already in place, with the lengths of the pieces it was
/// written as), a piece is written only when it may differ from the one before it (its flag), or
/// when a piece before it changed length; otherwise the file is new.
fn write_pieces(
    staging: &Staging,
    rel: &str,
    pieces: &[(&[u8], bool)],
    spare: Option<(std::fs::File, Vec<usize>)>,
) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let Some((file, old)) = spare else {
        return staging.write_unlisted(rel, |w| pieces.iter().try_for_each(|(p, _)| w.write_all(p)));
    };
    let mut at = 0u64;
    let mut same = true;
    for (k, (bytes, anew)) in pieces.iter().enumerate() {
        same &= old.get(k) == Some(&bytes.len());
        if !same || *anew {
            file.write_all_at(bytes, at)?;
        }
        at += bytes.len() as u64;
    }
    file.set_len(at)
}

/// A writer that hashes what it passes on with BLAKE2b-512 (see [`seal`]).
struct Prehashing<'a> {
    inner: &'a mut dyn std::io::Write,
    hash: blake2::Blake2b512,
}

impl std::io::Write for Prehashing<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use blake2::Digest;
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The entries at the top of folder `dir` that no earlier gongbao output accounts for, sorted.
/// An output is recognised only by marks that gongbao alone writes and that agree with the
/// folder: a `manifest.json` that is a regular file, parses, and says `gongbao …` made it, and
/// whose file list (with the seal files) names every entry at the top. Without such a manifest
/// every entry is a stranger, `manifest.json` included; an empty folder has none.
pub(crate) fn strangers(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    if names.is_empty() {
        return Ok(names);
    }
    let known = manifest_tops(&dir.join(MANIFEST));
    Ok(match known {
        Some(tops) => names.into_iter().filter(|n| !tops.contains(n)).collect(),
        None => names,
    })
}

/// A manifest's paths, borrowed from its bytes where they can be: only they are needed to tell
/// what an output folder holds that is not gongbao's.
#[derive(serde::Deserialize)]
struct ListedPath<'a> {
    #[serde(borrow)]
    path: std::borrow::Cow<'a, str>,
}

/// A manifest, as far as [`ListedPath`] needs it.
#[derive(serde::Deserialize)]
struct Paths<'a> {
    #[serde(borrow)]
    generator: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    files: Vec<ListedPath<'a>>,
}

/// Every file below the output folder `dir` (at any depth, links not followed) that its
/// gongbao manifest does not list, sorted: what replacing or removing the whole folder would
/// destroy that no build made (an editor's notes put in `public/docs/`, a banner added to
/// `public/assets/`). [`strangers`] looks at the top level alone, on every build; this reads
/// the whole tree, for the commands that remove it whole (`clean`, a build with no cache of the
/// output). An error when the folder has no gongbao manifest or cannot be read.
pub(crate) fn strangers_within(dir: &Path) -> std::io::Result<Vec<String>> {
    let bytes = crate::source::read_regular(&dir.join(MANIFEST), verify::MAX_SEAL_BYTES)
        .map_err(|e| std::io::Error::other(format!("{MANIFEST}: {e}")))?;
    let m = serde_json::from_slice::<Paths<'_>>(&bytes)
        .ok()
        .filter(|m| m.generator.starts_with(GENERATOR))
        .ok_or_else(|| std::io::Error::other(format!("{MANIFEST} is not one written by gongbao")))?;
    let mut listed: Vec<&str> = m.files.iter().map(|f| &*f.path).collect();
    listed.sort_unstable();
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.depth() == 0 || entry.file_type().is_dir() {
            continue;
        }
        let rel = crate::source::rel(dir, entry.path());
        if !SEAL_FILES.contains(&rel.as_str()) && listed.binary_search(&rel.as_str()).is_err() {
            found.push(rel);
        }
    }
    found.sort_unstable();
    Ok(found)
}

/// The top-level names a gongbao manifest at `path` accounts for (its files' first segments and
/// the seal files), or `None` when it is not one. A build asks twice and `serve` on every
/// rebuild; at a national scale the manifest is tens of MB, so what was found is kept for the
/// file's stamp (size, times, inode) and not parsed again while the file is unchanged.
fn manifest_tops(path: &Path) -> Option<Arc<BTreeSet<String>>> {
    let stamp = crate::source::stamp(path);
    // Kept under the file's real path: one build names the output as given, another resolved.
    let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if let (Some(now), Ok(kept)) = (&stamp, manifest_kept().lock())
        && let Some((.., tops)) = kept.as_ref().filter(|(p, s, _)| *p == key && s == now)
    {
        return Some(tops.clone());
    }
    let bytes = crate::source::read_regular(path, verify::MAX_SEAL_BYTES).ok()?;
    let m = serde_json::from_slice::<Paths<'_>>(&bytes).ok().filter(|m| m.generator.starts_with(GENERATOR))?;
    let mut tops: BTreeSet<String> = SEAL_FILES.into_iter().map(String::from).collect();
    for f in &m.files {
        let top = f.path.split('/').next().unwrap_or_default();
        if !tops.contains(top) {
            tops.insert(top.to_string());
        }
    }
    let tops = Arc::new(tops);
    // The stamp taken before reading: a change while it was read gives a new stamp next time.
    if let (Some(s), Ok(mut kept)) = (stamp, manifest_kept().lock()) {
        *kept = Some((key, s, tops.clone()));
    }
    Some(tops)
}

/// Notes the top-level names of the output just sealed and put in place at `dir`, whose files
/// are `paths` (sorted), so that the next build does not read back the manifest this one wrote
/// to learn them (`serve` builds again on every save; at 50,000 records that reading took a
/// fifth of a second). Kept under the manifest's stamp as [`manifest_tops`] keeps what it
/// reads: a manifest changed since is read again.
pub(crate) fn remember_tops<F: Listed>(dir: &Path, files: &[F]) {
    let path = dir.join(MANIFEST);
    let Some(stamp) = crate::source::stamp(&path) else { return };
    let Ok(path) = path.canonicalize() else { return };
    let tops = Arc::new(tops_of(files));
    if let Ok(mut kept) = manifest_kept().lock() {
        *kept = Some((path, stamp, tops));
    }
}

/// The seal's files and the first name of the path of each of `files` (sorted by path). The
/// paths under one folder follow one another, so each folder is stepped over at once (at 50,000
/// records, looking at each of 220,000 paths took 4–9 ms of every rebuild).
fn tops_of<F: Listed>(files: &[F]) -> BTreeSet<String> {
    debug_assert!(files.windows(2).all(|w| w[0].path() <= w[1].path()), "the files are sorted by path");
    let mut tops: BTreeSet<String> = SEAL_FILES.into_iter().map(String::from).collect();
    let mut k = 0;
    while let Some(f) = files.get(k) {
        let p = f.path();
        match p.split_once('/') {
            Some((top, _)) => {
                let under = &p[..top.len() + 1];
                tops.insert(top.to_string());
                k += files[k..].partition_point(|f| f.path().starts_with(under));
            }
            None => {
                tops.insert(p.to_string());
                k += 1;
            }
        }
    }
    tops
}

/// What [`manifest_tops`] found in the last manifest it read or [`remember_tops`] was told of.
type KeptTops = Option<(std::path::PathBuf, crate::source::Stamp, Arc<BTreeSet<String>>)>;

fn manifest_kept() -> &'static std::sync::Mutex<KeptTops> {
    static KEPT: std::sync::Mutex<KeptTops> = std::sync::Mutex::new(None);
    &KEPT
}

/// Whether `dir` holds an earlier gongbao output and nothing else (see [`strangers`]).
pub(crate) fn is_output(dir: &Path) -> bool {
    dir.join(MANIFEST).is_file() && strangers(dir).is_ok_and(|s| s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_names_are_those_of_every_path() {
        let lists: [&[&str]; 5] = [
            &[],
            &["a"],
            &["docs", "docs-x/a", "docs.html", "docs/a", "docs/b/c", "docs0", "e/f", "e/g/h", "z"],
            &["a/b", "a/c", "a0/d", "b", "b/c", "c//d", "c/e"],
            &["/x", "x/"],
        ];
        for list in lists {
            let files: Vec<Written> =
                list.iter().map(|p| Written { path: p.to_string(), size: 0, sha256: String::new() }).collect();
            let mut want: BTreeSet<String> = SEAL_FILES.into_iter().map(String::from).collect();
            want.extend(list.iter().map(|p| p.split('/').next().unwrap_or_default().to_string()));
            assert_eq!(tops_of(&files), want, "{list:?}");
        }
    }

    #[test]
    fn the_manifest_is_what_serde_would_write() {
        let dir = std::env::temp_dir().join(format!("gongbao-seal-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.join("public");
        let file = |path: &str, size: u64| Written { path: path.into(), sha256: format!("{size:064x}"), size };
        // More rows than a chunk, a path to escape, one in Chinese, and none at all.
        let mut many: Vec<Written> = (0..5000).map(|k| file(&format!("docs/{k:05}/index.html"), k)).collect();
        many.extend([file("docs/\"q\"\\/a.html", 7), file("浏览/主题/index.html", 9)]);
        many.sort_by(|a, b| a.path.cmp(&b.path));
        for files in [many, Vec::new()] {
            let staging = Staging::new(&out).unwrap();
            seal(&staging, &files, "2025-06-30", None, None, false).unwrap();
            let written = std::fs::read_to_string(staging.dir().join(MANIFEST)).unwrap();
            let expected = Manifest {
                algorithm: "sha256".into(),
                as_of: "2025-06-30".into(),
                file_count: files.len(),
                total_bytes: files.iter().map(|f| f.size).sum(),
                files,
                generator: format!("{GENERATOR}{}", env!("CARGO_PKG_VERSION")),
            };
            assert_eq!(written, serde_json::to_string_pretty(&expected).unwrap() + "\n");
            let sums = std::fs::read_to_string(staging.dir().join(SUMS)).unwrap();
            let mut lines: Vec<String> = expected.files.iter().map(|f| format!("{}  {}", f.sha256, f.path)).collect();
            lines
                .push(format!("{}  {MANIFEST}", crate::source::hex(&<sha2::Sha256 as sha2::Digest>::digest(&written))));
            lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
            assert_eq!(sums, lines.join("\n") + "\n");
            staging.abandon();
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_seal_from_kept_chunks_is_the_seal_made_afresh() {
        let dir = std::env::temp_dir().join(format!("gongbao-seal-kept-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.join("public");
        let file = |path: String, n: u64| crate::emit::OutFile {
            path: path.into(),
            sha256: [n as u8; 32],
            size: n,
            fp: None,
            stamp: 0,
            staged: false,
        };
        // Chunks before and after `manifest.json`'s place, the last one short.
        let mut first: Vec<_> = (0..3 * CHUNK + 7).map(|k| file(format!("docs/{k:05}/index.html"), k as u64)).collect();
        first.extend((0..CHUNK + 3).map(|k| file(format!("search/{k:05}.json"), k as u64)));
        let changed = |f: &dyn Fn(&mut Vec<crate::emit::OutFile>)| {
            let mut v = first.clone();
            f(&mut v);
            v
        };
        let series = [
            first.clone(),
            changed(&|v| v[CHUNK + 5].sha256 = [200; 32]),
            changed(&|v| v[2 * CHUNK].size += 1),
            changed(&|v| v.insert(2, file("docs/00002/a.html".into(), 9))),
            changed(&|v| {
                v.pop();
            }),
            changed(&|v| v.truncate(3 * CHUNK)),
            changed(&|v| v.truncate(3 * CHUNK + 7)),
            changed(&|v| v.push(file("zh-Hant/index.html".into(), 1))),
            changed(&|v| v[3 * CHUNK + 7].path = "search/00000-a.json".into()),
            first.clone(),
            Vec::new(),
            first.clone(),
        ];
        let key = minisign::KeyPair::generate().unwrap();
        for key in [None, Some(&key)] {
            let read = |staging: &Staging| SEAL_FILES.map(|f| std::fs::read(staging.dir().join(f)).unwrap_or_default());
            let mut last: Option<(Vec<crate::emit::OutFile>, Kept)> = None;
            for (step, files) in series.iter().enumerate() {
                let fresh = Staging::new(&out).unwrap();
                seal(&fresh, files, "2025-06-30", key, None, false).unwrap();
                let expected = read(&fresh);
                fresh.abandon();
                // The sums as `sha256sum` would list the files, the manifest in its place.
                let mut lines: Vec<String> =
                    files.iter().map(|f| format!("{}  {}\n", crate::source::hex(&f.sha256), f.path)).collect();
                let manifest = <sha2::Sha256 as sha2::Digest>::digest(&expected[0]);
                lines.push(format!("{}  {MANIFEST}\n", crate::source::hex(&manifest)));
                lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
                assert!(expected[1] == lines.concat().as_bytes(), "the sums at step {step}");
                let staging = Staging::new(&out).unwrap();
                // What the last seal was kept for: the files it listed, or (when as many files
                // are listed now, and unsigned) the places where they differ.
                let (before, kept) = last.take().unzip();
                let changed: Option<Vec<usize>> = before
                    .as_ref()
                    .filter(|b| b.len() == files.len() && key.is_none())
                    .map(|b: &Vec<crate::emit::OutFile>| {
                        (0..b.len()).filter(|&k| !files[k].same_listing(&b[k])).collect()
                    });
                let before = match (&changed, &before) {
                    (Some(places), _) => Some(Before::AllBut(places)),
                    (None, Some(b)) => Some(Before::Files(b)),
                    (None, None) => None,
                };
                let given = before.zip(kept);
                let made = seal(&staging, files, "2025-06-30", key, given, true).unwrap();
                assert!(read(&staging) == expected, "step {step}, signed: {}", key.is_some());
                staging.abandon();
                last = Some((files.clone(), made.expect("kept under serve")));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
