//! Stage 6, `emit`: runs the render jobs in parallel and writes each file into a staging folder
//! beside the output, hashing as it writes. Only when every file is written and sealed does the
//! staging folder replace the output, so a failed build leaves the previous site untouched.

use crate::diag::{Diagnostic, Pos};
use crate::load::hex;
use crate::msg;
use crate::render::{Job, Renderer};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A written file: its path in the output, size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Written {
    /// Path relative to the output root, `/`-separated.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// Lower-case hex SHA-256.
    pub sha256: String,
}

/// The folder a build writes into before it becomes the output.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
}

impl Staging {
    /// Makes a fresh staging folder beside `out` (removing a stale one a crashed build left).
    pub fn new(out: &Path) -> std::io::Result<Staging> {
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        let dir = parent.join(format!(".{name}.gongbao-staging"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(Staging { dir, out: out.to_path_buf() })
    }

    /// The staging folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` at `rel` and returns its record.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<Written> {
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(&path, bytes)?;
        Ok(Written { path: rel.to_string(), size: bytes.len() as u64, sha256: hex(&Sha256::digest(bytes)) })
    }

    /// Replaces the output with the staging folder.
    pub fn commit(self) -> std::io::Result<()> {
        let old = self.dir.with_file_name(format!(".{}.gongbao-old", self.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()));
        if old.exists() {
            std::fs::remove_dir_all(&old)?;
        }
        if self.out.exists() {
            std::fs::rename(&self.out, &old)?;
        }
        std::fs::rename(&self.dir, &self.out)?;
        if old.exists() {
            std::fs::remove_dir_all(&old)?;
        }
        Ok(())
    }

    /// Removes the staging folder after a failure.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Renders and writes every job. Returns the written files sorted by path, or every failure.
pub fn emit(jobs: &[Job], renderer: &Renderer<'_>, root: &Path, staging: &Staging) -> Result<Vec<Written>, Vec<Diagnostic>> {
    let results: Vec<Result<Written, Diagnostic>> = jobs
        .par_iter()
        .map(|job| {
            let (rel, bytes) = renderer.render(job)?;
            let bytes = match job {
                Job::Attachment(src, _) => std::fs::read(root.join(src)).map_err(|e| io_error(&src.to_string_lossy(), &e))?,
                _ => bytes,
            };
            staging.write(&rel, &bytes).map_err(|e| io_error(&rel, &e))
        })
        .collect();
    let (mut ok, mut errs) = (Vec::new(), Vec::new());
    for r in results {
        match r {
            Ok(w) => ok.push(w),
            Err(d) => errs.push(d),
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    ok.sort();
    for w in ok.windows(2) {
        if w[0].path == w[1].path {
            let p = &w[0].path;
            errs.push(Diagnostic::error("output-clash", "", Pos::new(1, 1), msg!("两个页面要写入同一个文件 {p}", "two pages would be written to the same file {p}")).help(msg!("检查是否有记录的 id 与 gazette/、browse/ 等栏目路径冲突", "check for record ids that collide with each other or with the site's folders")));
        }
    }
    if errs.is_empty() { Ok(ok) } else { Err(errs) }
}

fn io_error(path: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error("io", path, Pos::new(1, 1), msg!("写入失败：{e}", "cannot write: {e}"))
}
