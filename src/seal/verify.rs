//! Checking a built site, or a downloaded copy of it, against its own seal: every file listed in
//! `manifest.json` must be there with the same size and SHA-256, nothing else may be, the
//! `SHA256SUMS` must say the same as the manifest, and with a public key the signature must hold.

use super::minisign::PublicKey;
use super::{MANIFEST, SIGNATURE, SUMS};
use crate::load::hex;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// What verification found.
#[derive(Debug, Default)]
pub struct Report {
    /// Files checked and found as sealed.
    pub ok: usize,
    /// Listed but absent.
    pub missing: Vec<String>,
    /// Present but not listed.
    pub added: Vec<String>,
    /// Present with other content.
    pub changed: Vec<String>,
    /// Problems with the seal itself (manifest and sums disagree, bad signature …).
    pub seal: Vec<String>,
    /// The signature's trusted comment when it verified.
    pub signed: Option<String>,
}

impl Report {
    /// True when nothing is wrong.
    pub fn clean(&self) -> bool {
        self.missing.is_empty() && self.added.is_empty() && self.changed.is_empty() && self.seal.is_empty()
    }
}

/// Verifies the tree at `root`. `Err` when the manifest cannot be read at all.
pub fn verify(root: &Path, key: Option<&PublicKey>) -> Result<Report, String> {
    let manifest = std::fs::read(root.join(MANIFEST)).map_err(|e| format!("{}: {e}", root.join(MANIFEST).display()))?;
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).map_err(|e| format!("{MANIFEST}: {e}"))?;
    let mut listed: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for f in manifest["files"].as_array().ok_or(format!("{MANIFEST} has no file list"))? {
        let (Some(p), Some(size), Some(sum)) = (f["path"].as_str(), f["size"].as_u64(), f["sha256"].as_str()) else {
            return Err(format!("{MANIFEST} has a malformed entry: {f}"));
        };
        listed.insert(p.to_string(), (size, sum.to_string()));
    }
    let mut report = Report::default();
    match std::fs::read(root.join(SUMS)) {
        Err(e) => report.seal.push(format!("{SUMS}: {e}")),
        Ok(sums) => {
            let text = String::from_utf8_lossy(&sums);
            let mut seen = 0;
            for line in text.lines() {
                let (sum, path) = line.split_once("  ").unwrap_or(("", line));
                match listed.get(path) {
                    Some((_, s)) if s == sum => seen += 1,
                    _ => report.seal.push(format!("{SUMS} and {MANIFEST} disagree about {path}")),
                }
            }
            if seen != listed.len() {
                report.seal.push(format!("{SUMS} lists {seen} of the {} files in {MANIFEST}", listed.len()));
            }
            match (key, std::fs::read_to_string(root.join(SIGNATURE))) {
                (Some(k), Ok(sig)) => match k.verify(&sums, &sig) {
                    Ok(c) => report.signed = Some(c),
                    Err(e) => report.seal.push(format!("{SIGNATURE}: {e}")),
                },
                (Some(_), Err(e)) => report.seal.push(format!("{SIGNATURE}: {e}")),
                (None, _) => {}
            }
        }
    }
    for entry in walkdir::WalkDir::new(root).sort_by_file_name().follow_links(false) {
        let entry = entry.map_err(|e| e.to_string())?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = crate::load::rel(root, entry.path());
        if [MANIFEST, SUMS, SIGNATURE].contains(&rel.as_str()) {
            continue;
        }
        match listed.remove(&rel) {
            None => report.added.push(rel),
            Some((size, sum)) => {
                let bytes = std::fs::read(entry.path()).map_err(|e| format!("{rel}: {e}"))?;
                if bytes.len() as u64 != size || hex(&Sha256::digest(&bytes)) != sum {
                    report.changed.push(rel);
                } else {
                    report.ok += 1;
                }
            }
        }
    }
    report.missing = listed.into_keys().collect();
    Ok(report)
}
