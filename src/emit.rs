//! Stage 6, `emit`: runs the render jobs in parallel and writes each file into a staging folder
//! beside the output, hashing as it writes. Only when every file is written and sealed does the
//! staging folder replace the output, so a failed build leaves the previous site untouched.
//!
//! The build cache: beside the output, `.<name>.gongbao-cache.json` records for every file the
//! fingerprint of what it was made from (see `Renderer::fingerprint`), its checksum, size and
//! modification time. A job whose fingerprint is unchanged, and whose file in the output is still
//! the one written (same size and time), is not rendered again: the staging folder then holds
//! only the changed files, which are moved into the output one by one, and files no job writes
//! any more are removed.

use crate::diag::{Diagnostic, Pos};
use crate::load::hex;
use crate::msg;
use crate::render::{Job, Renderer};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
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

    /// Moves the staged files into the existing output one by one, removes the files listed in
    /// `stale`, and drops the staging folder. Used when most of the output is reused.
    pub fn commit_into(self, staged: &[String], stale: &[String]) -> std::io::Result<()> {
        for rel in staged {
            let to = self.out.join(rel);
            if let Some(parent) = to.parent() {
                // A file where a folder must now be (an id became a folder record): remove it.
                let mut p = parent.to_path_buf();
                while p.starts_with(&self.out) && p != self.out {
                    if p.is_file() {
                        std::fs::remove_file(&p)?;
                        break;
                    }
                    p.pop();
                }
                std::fs::create_dir_all(parent)?;
            }
            if to.is_dir() {
                std::fs::remove_dir_all(&to)?;
            }
            std::fs::rename(self.dir.join(rel), &to)?;
        }
        for rel in stale {
            let p = self.out.join(rel);
            if p.is_file() {
                std::fs::remove_file(&p)?;
            }
            // Prune folders left empty.
            let mut d = p.parent().map(Path::to_path_buf);
            while let Some(dir) = d {
                if dir == self.out || std::fs::remove_dir(&dir).is_err() {
                    break;
                }
                d = dir.parent().map(Path::to_path_buf);
            }
        }
        std::fs::remove_dir_all(&self.dir)
    }

    /// Removes the staging folder after a failure.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One file in the cache.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CacheEntry {
    /// Fingerprint of its inputs; empty for files always made anew.
    pub fp: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256.
    pub sha256: String,
    /// Modification time of the file in the output, nanoseconds since the epoch.
    pub mtime: u128,
}

/// The build cache of one output folder.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Cache {
    /// Files by path.
    pub files: BTreeMap<String, CacheEntry>,
}

impl Cache {
    /// Where the cache of output folder `out` lives.
    pub fn path(out: &Path) -> PathBuf {
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
        out.with_file_name(format!(".{name}.gongbao-cache.json"))
    }

    /// Reads the cache, when there is one and the output it describes still exists.
    pub fn read(out: &Path) -> Option<Cache> {
        if !out.join(crate::seal::MANIFEST).exists() {
            return None;
        }
        serde_json::from_slice(&std::fs::read(Cache::path(out)).ok()?).ok()
    }

    /// Writes the cache for the files now in `out`.
    pub fn write(out: &Path, files: &[Written], fps: &BTreeMap<String, String>) -> std::io::Result<()> {
        let mut cache = Cache::default();
        for w in files {
            let mtime = mtime(&out.join(&w.path)).unwrap_or(0);
            cache.files.insert(w.path.clone(), CacheEntry { fp: fps.get(&w.path).cloned().unwrap_or_default(), size: w.size, sha256: w.sha256.clone(), mtime });
        }
        let path = Cache::path(out);
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec(&cache).map_err(std::io::Error::other)?)?;
        std::fs::rename(tmp, path)
    }

    /// The cached file for `path` if its fingerprint is `fp` and the output still holds it.
    fn reuse(&self, out: &Path, path: &str, fp: &str) -> Option<Written> {
        let e = self.files.get(path)?;
        let file = out.join(path);
        let meta = std::fs::metadata(&file).ok()?;
        (e.fp == fp && !fp.is_empty() && meta.len() == e.size && mtime(&file) == Some(e.mtime)).then(|| Written { path: path.to_string(), size: e.size, sha256: e.sha256.clone() })
    }
}

fn mtime(p: &Path) -> Option<u128> {
    std::fs::metadata(p).ok()?.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_nanos())
}

/// What `emit` did.
#[derive(Debug, Default)]
pub struct Emitted {
    /// Every file of the new output, sorted by path.
    pub files: Vec<Written>,
    /// Paths written into the staging folder (the rest were reused from the output).
    pub staged: Vec<String>,
    /// Fingerprints by path, for the next cache.
    pub fingerprints: BTreeMap<String, String>,
}

/// Renders and writes every job, reusing unchanged files of the previous output when `cache`
/// says they are current. Returns the files sorted by path, or every failure.
pub fn emit(jobs: &[Job], renderer: &Renderer<'_>, root: &Path, staging: &Staging, cache: Option<(&Cache, &Path)>) -> Result<Emitted, Vec<Diagnostic>> {
    // Each job: the file, whether it was staged (rather than reused), and its fingerprint.
    type Done = (Written, bool, Option<String>);
    let results: Vec<Result<Done, Diagnostic>> = jobs
        .par_iter()
        .map(|job| {
            // Under `serve`, a page nothing of which changed is not even prepared.
            let memo = renderer.memo().and_then(|m| Some((m, renderer.identity(job)?)));
            if let (Some((m, id)), Some((c, out))) = (&memo, cache) {
                if let Some(w) = m.page(id).and_then(|(path, fp)| Some((c.reuse(out, &path, &fp)?, fp))) {
                    return Ok((w.0, false, Some(w.1)));
                }
            }
            let prepared = match &memo {
                Some((m, id)) => {
                    let (prepared, reads) = crate::render::memo::recording(|| renderer.prepare(job));
                    let prepared = prepared?;
                    if let Some((path, fp)) = &prepared.fingerprint {
                        m.put_page(id, reads, path, fp);
                    }
                    prepared
                }
                None => renderer.prepare(job)?,
            };
            let fp = prepared.fingerprint.clone();
            if let (Some((c, out)), Some((path, fp))) = (cache, &fp) {
                if let Some(w) = c.reuse(out, path, fp) {
                    return Ok((w, false, Some(fp.clone())));
                }
            }
            let (rel, bytes) = renderer.render_prepared(job, prepared)?;
            let bytes = match job {
                Job::Attachment(src, _) => std::fs::read(root.join(src)).map_err(|e| io_error(&src.to_string_lossy(), &e))?,
                _ => bytes,
            };
            let w = staging.write(&rel, &bytes).map_err(|e| io_error(&rel, &e))?;
            Ok((w, true, fp.map(|f| f.1)))
        })
        .collect();
    let (mut ok, mut errs) = (Vec::new(), Vec::new());
    let mut done = Emitted::default();
    for r in results {
        match r {
            Ok((w, staged, fp)) => {
                if staged {
                    done.staged.push(w.path.clone());
                }
                if let Some(fp) = fp {
                    done.fingerprints.insert(w.path.clone(), fp);
                }
                ok.push(w);
            }
            Err(d) => errs.push(d),
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    ok.sort();
    emit_clashes(&ok, &mut errs);
    done.files = ok;
    if errs.is_empty() { Ok(done) } else { Err(errs) }
}

/// Two jobs writing the same path would silently lose one page.
fn emit_clashes(ok: &[Written], errs: &mut Vec<Diagnostic>) {
    for w in ok.windows(2) {
        if w[0].path == w[1].path {
            let p = &w[0].path;
            errs.push(Diagnostic::error("output-clash", "", Pos::new(1, 1), msg!("两个页面要写入同一个文件 {p}", "two pages would be written to the same file {p}")).help(msg!("检查是否有记录的 id 与 gazette/、browse/ 等栏目路径冲突", "check for record ids that collide with each other or with the site's folders")));
        }
    }
}

fn io_error(path: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error("io", path, Pos::new(1, 1), msg!("写入失败：{e}", "cannot write: {e}"))
}
