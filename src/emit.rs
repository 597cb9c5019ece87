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
use crate::site::{Job, Renderer};
use crate::source::hex;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

/// The folder a build writes into before it becomes the output.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
}

impl Staging {
    /// Makes a fresh staging folder beside `out` (removing a stale one a crashed build left).
    pub fn new(out: &Path) -> std::io::Result<Staging> {
        let dir = Staging::path(out);
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(Staging { dir, out: out.to_path_buf() })
    }

    /// Where the staging folder of output folder `out` is made: beside it, on the same file
    /// system, so the new output is moved into place rather than copied.
    pub fn path(out: &Path) -> PathBuf {
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        parent.join(format!(".{name}.gongbao-staging"))
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
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        let file = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&path)?);
        let mut w = Hashing { inner: file, hash: Sha256::new(), size: 0 };
        fill(&mut w)?;
        w.flush()?;
        Ok(Written { path: rel.to_string(), size: w.size, sha256: hex(&w.hash.finalize()) })
    }

    /// Replaces the output with the staging folder. When that fails, the previous output is put
    /// back and the staging folder removed.
    pub fn commit(self) -> std::io::Result<()> {
        let old = self.dir.with_file_name(format!(
            ".{}.gongbao-old",
            self.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        ));
        let swapped = (|| {
            if old.exists() {
                std::fs::remove_dir_all(&old)?;
            }
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
        if let Err(e) = swapped {
            let _ = std::fs::remove_dir_all(&self.dir);
            return Err(e);
        }
        if old.exists() {
            std::fs::remove_dir_all(&old)?;
        }
        Ok(())
    }

    /// Moves the staged files into the existing output and removes the files listed in `stale`,
    /// all or nothing. Used when most of the output is reused, so copying it would be too slow.
    /// Every file about to be replaced or removed is first moved aside into a backup folder
    /// inside the staging folder, then the new files are moved in; when any step fails, every
    /// move is undone in reverse order, so the output is exactly what it was, and the error is
    /// returned. The staging folder is removed either way (unless an undo failed: then it holds
    /// the only copy of some old files, and the error names it).
    pub fn commit_into(self, staged: &[String], stale: &[String]) -> std::io::Result<()> {
        let mut journal = Journal::default();
        match self.swap_in(staged, stale, &mut journal) {
            Ok(()) => {
                for rel in stale {
                    // Prune folders left empty.
                    let mut d = self.out.join(rel).parent().map(Path::to_path_buf);
                    while let Some(dir) = d {
                        if dir == self.out || std::fs::remove_dir(&dir).is_err() {
                            break;
                        }
                        d = dir.parent().map(Path::to_path_buf);
                    }
                }
                std::fs::remove_dir_all(&self.dir)
            }
            Err(e) => {
                if journal.undo() {
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
    fn swap_in(&self, staged: &[String], stale: &[String], journal: &mut Journal) -> std::io::Result<()> {
        let backup = self.dir.join(BACKUP);
        std::fs::create_dir(&backup)?;
        let mut n = 0usize;
        let mut aside = |path: &Path, journal: &mut Journal| {
            n += 1;
            journal.rename(path, &backup.join(n.to_string()))
        };
        // First everything that is in the way goes aside.
        for rel in staged {
            let to = self.out.join(rel);
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
            let p = self.out.join(rel);
            if matches!(self.folders_on_the_way(&p)?, Way::Clear)
                && std::fs::symlink_metadata(&p).is_ok_and(|m| !m.is_dir())
            {
                aside(&p, journal)?;
            }
        }
        // Then the new files go in.
        for rel in staged {
            let to = self.out.join(rel);
            if let Some(parent) = to.parent() {
                journal.make_dirs(parent)?;
            }
            journal.rename(&self.dir.join(rel), &to)?;
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
    /// The output folder it describes, as an absolute path: a cache is used for that folder
    /// only (its list of files decides what a cached build removes from the output).
    #[serde(default)]
    pub out: String,
    /// Files by path.
    pub files: BTreeMap<String, CacheEntry>,
}

impl Cache {
    /// The folder of build caches of the site at `root`.
    pub fn dir(root: &Path) -> PathBuf {
        root.join(".gongbao").join("cache")
    }

    /// Where the cache of output folder `out` of the site at `root` lives: named after the
    /// output's path in the site (`public.json`), or after its folder name for an output
    /// elsewhere (`outside-www.json`), so that the folder holds one file per output rather than
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
        Cache::dir(root).join(format!("{name}.json"))
    }

    /// Reads the cache of output folder `out` of the site at `root`, when there is one and it
    /// describes that folder. The caller makes sure the output it describes is still there
    /// (`seal::is_output`): the cache lists only what was written, and a stage before sealing
    /// cannot tell a sealed output from a stranger's folder.
    pub fn read(root: &Path, out: &Path) -> Option<Cache> {
        let cache: Cache = serde_json::from_slice(&std::fs::read(Cache::path(root, out)).ok()?).ok()?;
        (cache.out == absolute(out).to_string_lossy()).then_some(cache)
    }

    /// The cache for the files now in `out`. `known` gives the modification time of a file this
    /// build did not touch (from the previous cache); the others are looked up.
    pub fn make(
        out: &Path,
        files: Vec<Written>,
        mut fps: BTreeMap<String, String>,
        known: &dyn Fn(&str) -> Option<u128>,
    ) -> Cache {
        // The lists are taken, not copied: at a million files each copy is hundreds of MB.
        let mut cache = Cache { out: absolute(out).to_string_lossy().into_owned(), ..Cache::default() };
        for w in files {
            let mtime = known(&w.path).or_else(|| mtime(&out.join(&w.path))).unwrap_or(0);
            let fp = fps.remove(&w.path).unwrap_or_default();
            cache.files.insert(w.path, CacheEntry { fp, size: w.size, sha256: w.sha256, mtime });
        }
        cache
    }

    /// Writes the cache of output folder `out` into the site at `root`.
    pub fn save(&self, root: &Path, out: &Path) -> std::io::Result<()> {
        let path = Cache::path(root, out);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Builds of one site into two outputs elsewhere of the same name may save at once.
        let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
        // Written as a stream: as one string, the cache of a million files would be 300 MB.
        let mut w = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&tmp)?);
        serde_json::to_writer(&mut w, self).map_err(std::io::Error::other)?;
        std::io::Write::flush(&mut w)?;
        drop(w);
        std::fs::rename(tmp, path)
    }

    /// The cached file for `path` if its fingerprint is `fp` and the output still holds it.
    fn reuse(&self, out: &Path, path: &str, fp: &str) -> Option<Written> {
        let e = self.files.get(path)?;
        let file = out.join(path);
        let meta = std::fs::metadata(&file).ok()?;
        let time = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
        (e.fp == fp && !fp.is_empty() && meta.len() == e.size && time == e.mtime).then(|| Written {
            path: path.to_string(),
            size: e.size,
            sha256: e.sha256.clone(),
        })
    }
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

fn mtime(p: &Path) -> Option<u128> {
    std::fs::metadata(p).ok()?.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_nanos())
}

/// What `emit` did.
#[derive(Debug, Default)]
pub(crate) struct Emitted {
    /// Every file of the new output, sorted by path.
    pub files: Vec<Written>,
    /// Paths written into the staging folder (the rest were reused from the output).
    pub staged: Vec<String>,
    /// Fingerprints by path, for the next cache.
    pub fingerprints: BTreeMap<String, String>,
}

/// Renders and writes every job, reusing unchanged files of the previous output when `cache`
/// says they are current; `tick` is called after each job (a progress bar counts them).
/// Returns the files sorted by path, or every failure.
pub(crate) fn emit(
    jobs: &[Job],
    renderer: &Renderer<'_>,
    staging: &Staging,
    cache: Option<(&Cache, &Path)>,
    tick: &(dyn Fn() + Sync),
) -> Result<Emitted, Vec<Diagnostic>> {
    // Each job: the file, whether it was staged (rather than reused), and its fingerprint.
    type Done = (Written, bool, Option<String>);
    let one = |job: &Job| -> Result<Done, Diagnostic> {
        // Under `serve`, a page nothing of which changed is not even prepared.
        let memo = renderer.memo().and_then(|m| Some((m, renderer.identity(job)?)));
        if let (Some((m, id)), Some((c, out))) = (&memo, cache) {
            if let Some((path, fp)) = m.page(id) {
                if let Some(w) = c.reuse(out, &path, &fp) {
                    return Ok((w, false, Some(fp)));
                }
            }
        }
        let prepared = match &memo {
            Some((m, id)) => {
                let (prepared, reads) = crate::site::memo::recording(|| renderer.prepare(job));
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
        if let Some(rel) = renderer.streamed(job) {
            let w = staging.write_with(rel, |out| renderer.stream(job, out)).map_err(|e| io_error(rel, &e))?;
            return Ok((w, true, fp.map(|f| f.1)));
        }
        let (rel, bytes) = renderer.render_prepared(job, prepared)?;
        let w = staging.write(&rel, &bytes).map_err(|e| io_error(&rel, &e))?;
        Ok((w, true, fp.map(|f| f.1)))
    };
    // A failure is boxed: a result per file of a large site is kept until all are done, and most
    // are successes, much smaller than a diagnostic.
    let results: Vec<Result<Done, Box<Diagnostic>>> = jobs
        .par_iter()
        .map(|job| {
            let done = one(job).map_err(Box::new);
            tick();
            done
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
            Err(d) => errs.push(*d),
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
    use super::Staging;
    use std::path::Path;

    #[test]
    fn a_cache_serves_only_the_folder_it_was_made_for() {
        use super::{Cache, Written};
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        let (a, b) = (tmp.path().join("1/www"), tmp.path().join("2/www"));
        let files = [Written { path: "index.html".into(), sha256: "0".repeat(64), size: 1 }];
        let cache = Cache::make(&a, files.to_vec(), Default::default(), &|_| Some(7));
        cache.save(&root, &a).unwrap();
        // One file for both (same folder name), so the check inside it is what keeps them apart.
        assert_eq!(Cache::path(&root, &a), Cache::path(&root, &b));
        assert!(Cache::read(&root, &b).is_none());
        let read = Cache::read(&root, &tmp.path().join("1/x/../www")).expect("the same folder, named otherwise");
        assert_eq!(read.files["index.html"].mtime, 7);
        assert_eq!(Cache::path(&root, &root.join("public")), root.join(".gongbao/cache/public.json"));
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
        st.commit_into(&staged, &["old.txt".into()]).unwrap();
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

    #[test]
    fn a_failed_commit_into_leaves_the_output_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let out = output(tmp.path());
        let before = tree(&out);
        let (st, mut staged) = stage(&out);
        let dir = st.dir().to_path_buf();
        // The last file to move in is not there: everything before it has moved by then.
        staged.push("zz-never-staged.txt".into());
        assert!(st.commit_into(&staged, &["old.txt".into()]).is_err());
        assert_eq!(tree(&out), before);
        assert!(!dir.exists());
    }
}
