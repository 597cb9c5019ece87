//! Checking a built site, or a downloaded copy of it, against its own seal: every file listed in
//! `manifest.json` must be there with the same size and SHA-256, nothing else may be, the
//! `SHA256SUMS` must say the same as the manifest and hold the manifest's own checksum, and with
//! a public key the signature must hold and its trusted comment describe this manifest.
//!
//! Without a public key all of this is internal consistency: whoever changed a file could have
//! rewritten the lists too. Only a signature checked against a key obtained elsewhere
//! authenticates a copy.
//!
//! The folder may be hostile. Nothing is read through a symbolic link, nothing but regular files
//! is opened for reading (a FIFO or a device would block or never end), every read is bounded by
//! the size the manifest gives, and the manifest itself by [`MAX_SEAL_BYTES`].

use super::{MANIFEST, Manifest, SEAL_FILES, SIGNATURE, SUMS};
use crate::source::{ReadError, hex, open_regular, read_regular};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

/// The largest `manifest.json` or `SHA256SUMS` read: far above a real site (about 30 MB for
/// 50,000 records), small enough that a planted one cannot exhaust memory.
pub(crate) const MAX_SEAL_BYTES: u64 = 512 * 1024 * 1024;
/// The largest signature file read (a real one is about 400 bytes).
const MAX_SIGNATURE_BYTES: u64 = 64 * 1024;

/// What verification found.
#[derive(Debug, Default)]
pub struct Report {
    /// Files checked and found as sealed.
    pub ok: usize,
    /// Listed but absent.
    pub missing: Vec<String>,
    /// Present but not listed.
    pub added: Vec<String>,
    /// Present with other content (or unreadable).
    pub changed: Vec<String>,
    /// Listed, but a symbolic link, FIFO, device or the like rather than a regular file; never
    /// read.
    pub irregular: Vec<String>,
    /// Problems with the seal itself (manifest and sums disagree, bad signature …).
    pub seal: Vec<String>,
    /// The signature's trusted comment, when the signature verified with the key given and the
    /// comment describes this manifest. `None` means nothing was authenticated.
    pub signed: Option<String>,
}

impl Report {
    /// True when nothing is wrong.
    pub fn clean(&self) -> bool {
        self.missing.is_empty()
            && self.added.is_empty()
            && self.changed.is_empty()
            && self.irregular.is_empty()
            && self.seal.is_empty()
    }

    /// Number of problems found.
    pub fn problems(&self) -> usize {
        self.missing.len() + self.added.len() + self.changed.len() + self.irregular.len() + self.seal.len()
    }
}

/// Whether the regular file at `path` has exactly `size` bytes with SHA-256 `sum`. Reads at most
/// `size + 1` bytes, streaming, whatever the file claims.
fn matches(path: &Path, size: u64, sum: &str) -> Result<bool, ReadError> {
    let (file, len) = open_regular(path)?;
    if len != size {
        return Ok(false);
    }
    let mut h = Sha256::new();
    let n = std::io::copy(&mut file.take(size.saturating_add(1)), &mut h).map_err(ReadError::Io)?;
    Ok(n == size && hex(&h.finalize()) == sum)
}

/// Reads and parses `manifest.json` in `root`, safely (see [`crate::source::read_regular`]); the bytes come
/// with it.
pub(crate) fn read_manifest(root: &Path) -> Result<(Manifest, Vec<u8>), String> {
    let path = root.join(MANIFEST);
    let bytes = read_regular(&path, MAX_SEAL_BYTES).map_err(|e| format!("{}: {e}", path.display()))?;
    let manifest = serde_json::from_slice(&bytes).map_err(|e| format!("{MANIFEST}: {e}"))?;
    Ok((manifest, bytes))
}

/// Verifies the tree at `root`. `Err` when the manifest cannot be read at all.
pub fn verify(root: &Path, key: Option<&super::minisign::PublicKey>) -> Result<Report, String> {
    let (manifest, manifest_bytes) = read_manifest(root)?;
    let mut report = Report::default();
    check_manifest(&manifest, &mut report);
    let mut listed: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for f in &manifest.files {
        if listed.insert(f.path.clone(), (f.size, f.sha256.clone())).is_some() {
            report.seal.push(format!("{MANIFEST} lists {} twice", f.path));
        }
        if SEAL_FILES.contains(&f.path.as_str()) {
            report.seal.push(format!("{MANIFEST} lists the seal file {}", f.path));
        }
    }
    match read_regular(&root.join(SUMS), MAX_SEAL_BYTES) {
        Err(e) => report.seal.push(format!("{SUMS}: {e}")),
        Ok(sums) => {
            check_sums(&sums, &listed, &hex(&Sha256::digest(&manifest_bytes)), &mut report);
            if key.is_none() && root.join(SIGNATURE).exists() {
                // Without the key the signature cannot be checked, but its shape can.
                let shape = read_regular(&root.join(SIGNATURE), MAX_SIGNATURE_BYTES)
                    .map_err(|e| e.to_string())
                    .and_then(|sig| super::minisign::well_formed(&String::from_utf8_lossy(&sig)));
                if let Err(e) = shape {
                    report.seal.push(format!("{SIGNATURE}: {e}"));
                }
            }
            if let Some(k) = key {
                match read_regular(&root.join(SIGNATURE), MAX_SIGNATURE_BYTES) {
                    Err(e) => report.seal.push(format!("{SIGNATURE}: {e}")),
                    Ok(sig) => match k.verify(&sums, &String::from_utf8_lossy(&sig)) {
                        Err(e) => report.seal.push(format!("{SIGNATURE}: {e}")),
                        Ok(c) if c == super::trusted_comment(&manifest.as_of, manifest.file_count) => report.signed = Some(c),
                        Ok(c) => report.seal.push(format!(
                            "{SIGNATURE}: the signature holds, but its trusted comment `{c}` does not describe this {MANIFEST} (as_of {}, {} files)",
                            manifest.as_of, manifest.file_count
                        )),
                    },
                }
            }
        }
    }
    for entry in walkdir::WalkDir::new(root).sort_by_file_name().follow_links(false) {
        let entry = entry.map_err(|e| e.to_string())?;
        // The root itself is no file of the copy, even when it is a link to the folder (a
        // release folder published as `/srv/www/current`), which the walk follows but reports
        // as a link.
        if entry.depth() == 0 || entry.file_type().is_dir() {
            continue;
        }
        let rel = crate::source::rel(root, entry.path());
        if SEAL_FILES.contains(&rel.as_str()) {
            continue;
        }
        let Some((size, sum)) = listed.remove(&rel) else {
            report.added.push(rel);
            continue;
        };
        if !entry.file_type().is_file() {
            report.irregular.push(rel);
            continue;
        }
        match matches(entry.path(), size, &sum) {
            Ok(true) => report.ok += 1,
            Ok(false) | Err(ReadError::Io(_) | ReadError::TooLarge(..)) => report.changed.push(rel),
            Err(ReadError::NotRegular | ReadError::Link) => report.irregular.push(rel),
        }
    }
    report.missing = listed.into_keys().collect();
    Ok(report)
}

/// The manifest agrees with itself.
fn check_manifest(m: &Manifest, report: &mut Report) {
    if m.algorithm != "sha256" {
        report.seal.push(format!("{MANIFEST}: unknown algorithm `{}`", m.algorithm));
    }
    if m.file_count != m.files.len() {
        report.seal.push(format!("{MANIFEST}: file_count is {} but {} files are listed", m.file_count, m.files.len()));
    }
    if m.files.iter().try_fold(0u64, |sum, f| sum.checked_add(f.size)) != Some(m.total_bytes) {
        report.seal.push(format!("{MANIFEST}: total_bytes is not the sum of the sizes listed"));
    }
}

/// `SHA256SUMS` names every listed file with the manifest's checksum, and `manifest.json` with
/// the checksum of its bytes, once each, and nothing else.
fn check_sums(sums: &[u8], listed: &BTreeMap<String, (u64, String)>, manifest_sum: &str, report: &mut Report) {
    let text = String::from_utf8_lossy(sums);
    let mut seen = BTreeSet::new();
    for line in text.lines() {
        let (sum, path) = line.split_once("  ").unwrap_or(("", line));
        let expected = if path == MANIFEST { Some(manifest_sum) } else { listed.get(path).map(|(_, s)| s.as_str()) };
        match expected {
            Some(s) if s == sum => {
                if !seen.insert(path) {
                    report.seal.push(format!("{SUMS} lists {path} twice"));
                }
            }
            Some(_) if path == MANIFEST => {
                report.seal.push(format!("{MANIFEST} has been changed since {SUMS} was made (its checksum differs)"))
            }
            Some(_) => report.seal.push(format!("{SUMS} and {MANIFEST} disagree about {path}")),
            None => report.seal.push(format!("{SUMS} lists {path}, which {MANIFEST} does not")),
        }
    }
    if !seen.contains(MANIFEST) {
        report.seal.push(format!("{SUMS} has no line for {MANIFEST}, so nothing vouches for the manifest"));
    }
    let files = seen.len() - usize::from(seen.contains(MANIFEST));
    if files != listed.len() {
        report.seal.push(format!("{SUMS} lists {files} of the {} files in {MANIFEST}", listed.len()));
    }
}
