//! Stage 7, `seal`: the checksums of the output. `SHA256SUMS` is in the format `sha256sum -c`
//! reads; `manifest.json` adds sizes and the build's identity. Both list every file except
//! themselves (and a detached signature, which lives outside the reproducible set).

use crate::emit::{Staging, Written};
use std::fmt::Write as _;

/// Names the seal writes.
pub const SUMS: &str = "SHA256SUMS";
/// Names the seal writes.
pub const MANIFEST: &str = "manifest.json";

/// Writes `SHA256SUMS` and `manifest.json` for `files` (sorted by path).
pub fn seal(staging: &Staging, files: &[Written], as_of: &str) -> std::io::Result<()> {
    let mut sums = String::with_capacity(files.len() * 100);
    for f in files {
        let _ = writeln!(sums, "{}  {}", f.sha256, f.path);
    }
    staging.write(SUMS, sums.as_bytes())?;
    let total: u64 = files.iter().map(|f| f.size).sum();
    let manifest = serde_json::json!({
        "generator": format!("gongbao {}", env!("CARGO_PKG_VERSION")),
        "as_of": as_of,
        "algorithm": "sha256",
        "file_count": files.len(),
        "total_bytes": total,
        "files": files,
    });
    let mut text = serde_json::to_string_pretty(&manifest).map_err(std::io::Error::other)?;
    text.push('\n');
    staging.write(MANIFEST, text.as_bytes())?;
    Ok(())
}
