//! Stage 7, `seal`: the checksums of the output. `manifest.json` lists every file except itself
//! and the seal files, with sizes and the build's identity; `SHA256SUMS`, in the format
//! `sha256sum -c` reads, lists the same files and `manifest.json` too, so that whatever vouches
//! for the sums vouches for every byte of the manifest. With a secret key, `SHA256SUMS.minisig`
//! signs the sums, with the build date and file count in its trusted comment. Ed25519 signatures
//! are deterministic, but the signature is still the one file that may differ between two builds
//! (a different key), so it stays out of the lists.

pub(crate) mod minisign;
pub(crate) mod verify;

use crate::emit::{Listed, Staging, Written};
use std::collections::BTreeSet;
use std::path::Path;

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

/// `manifest.json`. Keys in alphabetical order, as everywhere in gongbao's JSON; `F` is the file
/// list, borrowed when writing (serialised straight from the list rather than through a JSON
/// tree) and owned when read back.
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
/// (sorted by path).
pub fn seal<F: Listed>(
    staging: &Staging,
    files: &[F],
    as_of: &str,
    key: Option<&minisign::KeyPair>,
) -> std::io::Result<()> {
    use blake2::{Blake2b512, Digest};
    use std::io::Write;
    /// The manifest's list, written a file at a time as `Written` would be.
    struct Rows<'a, F>(&'a [F]);
    impl<F: Listed> serde::Serialize for Rows<'_, F> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            #[derive(serde::Serialize)]
            struct Row<'a> {
                path: &'a str,
                sha256: std::borrow::Cow<'a, str>,
                size: u64,
            }
            s.collect_seq(self.0.iter().map(|f| Row { path: f.path(), sha256: f.sha256_hex(), size: f.size() }))
        }
    }
    let manifest = Manifest {
        algorithm: "sha256".to_string(),
        as_of: as_of.to_string(),
        file_count: files.len(),
        files: Rows(files),
        generator: format!("{GENERATOR}{}", env!("CARGO_PKG_VERSION")),
        total_bytes: files.iter().map(Listed::size).sum(),
    };
    // Both lists are written as streams: for a national site each is over 100 MB.
    let listed = staging.write_with(MANIFEST, |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })?;
    // The signature is made from the BLAKE2b-512 of the sums, taken as they are written.
    struct Prehashing<'a> {
        inner: &'a mut dyn Write,
        hash: Blake2b512,
    }
    impl Write for Prehashing<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let n = self.inner.write(buf)?;
            self.hash.update(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.inner.flush()
        }
    }
    let mut prehash = [0u8; 64];
    staging.write_with(SUMS, |w| {
        let mut w = Prehashing { inner: w, hash: Blake2b512::new() };
        let at = files.partition_point(|f| f.path() < MANIFEST);
        for f in &files[..at] {
            writeln!(w, "{}  {}", f.sha256_hex(), f.path())?;
        }
        writeln!(w, "{}  {}", listed.sha256, listed.path)?;
        for f in &files[at..] {
            writeln!(w, "{}  {}", f.sha256_hex(), f.path())?;
        }
        prehash = w.hash.finalize().into();
        Ok(())
    })?;
    if let Some(k) = key {
        staging.write(SIGNATURE, k.sign_prehashed(&prehash, &trusted_comment(as_of, files.len())).as_bytes())?;
    }
    Ok(())
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

/// The top-level names a gongbao manifest at `path` accounts for (its files' first segments and
/// the seal files), or `None` when it is not one. A build asks twice and `serve` on every
/// rebuild; at a national scale the manifest is tens of MB, so what was found is kept for the
/// file's stamp (size, times, inode) and not parsed again while the file is unchanged.
fn manifest_tops(path: &Path) -> Option<std::sync::Arc<BTreeSet<String>>> {
    type Kept = Option<(std::path::PathBuf, crate::source::Stamp, std::sync::Arc<BTreeSet<String>>)>;
    static KEPT: std::sync::Mutex<Kept> = std::sync::Mutex::new(None);
    let stamp = crate::source::stamp(path);
    if let (Some(now), Ok(kept)) = (&stamp, KEPT.lock())
        && let Some((.., tops)) = kept.as_ref().filter(|(p, s, _)| p == path && s == now)
    {
        return Some(tops.clone());
    }
    // Only the paths are needed; they are borrowed from the bytes where they can be.
    #[derive(serde::Deserialize)]
    struct Listed<'a> {
        #[serde(borrow)]
        path: std::borrow::Cow<'a, str>,
    }
    #[derive(serde::Deserialize)]
    struct Paths<'a> {
        #[serde(borrow)]
        generator: std::borrow::Cow<'a, str>,
        #[serde(borrow)]
        files: Vec<Listed<'a>>,
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
    let tops = std::sync::Arc::new(tops);
    // The stamp taken before reading: a change while it was read gives a new stamp next time.
    if let (Some(s), Ok(mut kept)) = (stamp, KEPT.lock()) {
        *kept = Some((path.to_path_buf(), s, tops.clone()));
    }
    Some(tops)
}

/// Whether `dir` holds an earlier gongbao output and nothing else (see [`strangers`]).
pub(crate) fn is_output(dir: &Path) -> bool {
    dir.join(MANIFEST).is_file() && strangers(dir).is_ok_and(|s| s.is_empty())
}
