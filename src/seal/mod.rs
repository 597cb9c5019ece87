//! Stage 7, `seal`: the checksums of the output. `SHA256SUMS` is in the format `sha256sum -c`
//! reads; `manifest.json` adds sizes and the build's identity. Both list every file except
//! themselves. With a secret key, `SHA256SUMS.minisig` signs the sums; Ed25519 signatures are
//! deterministic, but the signature is still the one file that may differ between two builds
//! (a different key), so it stays out of the lists.

pub mod minisign;
pub mod verify;

use crate::emit::{Staging, Written};
use std::fmt::Write as _;

/// The checksum list, in `sha256sum` format.
pub const SUMS: &str = "SHA256SUMS";
/// The manifest with sizes and checksums.
pub const MANIFEST: &str = "manifest.json";
/// The detached minisign signature of `SHA256SUMS`.
pub const SIGNATURE: &str = "SHA256SUMS.minisig";

/// Writes `SHA256SUMS` and `manifest.json` for `files` (sorted by path).
pub fn seal(staging: &Staging, files: &[Written], as_of: &str, key: Option<&minisign::KeyPair>) -> std::io::Result<()> {
    let mut sums = String::with_capacity(files.len() * 100);
    for f in files {
        let _ = writeln!(sums, "{}  {}", f.sha256, f.path);
    }
    staging.write(SUMS, sums.as_bytes())?;
    if let Some(k) = key {
        let comment = format!("gongbao site seal; file:{SUMS}; as_of:{as_of}; files:{}", files.len());
        staging.write(SIGNATURE, k.sign(sums.as_bytes(), &comment).as_bytes())?;
    }
    // Keys in alphabetical order, as everywhere in gongbao's JSON; the files are serialised
    // straight from the list rather than through a JSON tree.
    #[derive(serde::Serialize)]
    struct Manifest<'a> {
        algorithm: &'a str,
        as_of: &'a str,
        file_count: usize,
        files: &'a [Written],
        generator: String,
        total_bytes: u64,
    }
    let manifest = Manifest {
        algorithm: "sha256",
        as_of,
        file_count: files.len(),
        files,
        generator: format!("gongbao {}", env!("CARGO_PKG_VERSION")),
        total_bytes: files.iter().map(|f| f.size).sum(),
    };
    let mut text = serde_json::to_string_pretty(&manifest).map_err(std::io::Error::other)?;
    text.push('\n');
    staging.write(MANIFEST, text.as_bytes())?;
    Ok(())
}
