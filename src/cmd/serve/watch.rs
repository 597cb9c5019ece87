//! Noticing that the site changed: file events from the operating system (inotify, FSEvents,
//! ReadDirectoryChangesW through `notify`, debounced), or, where those do not work, a snapshot of
//! every watched file compared once a second.
//!
//! Watched: what a build reads. `content/` and `themes/` (hidden entries aside, as the build
//! skips them), `gongbao.toml`, the transfer register, and of git only what changes the published
//! history: `HEAD`, `packed-refs` and the branches (`refs/heads/`). The output folder, the build
//! cache and the staging folder beside it, and the rest of `.git` (the index, which `git status`
//! rewrites, objects, remote branches, lock files) are not.
//!
//! The snapshot holds each file's path, size, modification time, inode and change time, so a file
//! copied over a record with an older modification time (`cp -p`, `rsync -t`, an unzip) is seen,
//! which comparing only the newest modification time missed.

use crate::model::lang::Lang;
use crate::msg;
use notify_debouncer_full::notify::{self, RecursiveMode};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// How `serve` notices changes (`--watcher`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Watcher {
    /// File events, except on network and FUSE file systems, where they miss changes made on
    /// other machines: there, polling.
    Auto,
    /// File events from the operating system.
    Native,
    /// Compare every watched file's size, times and inode once a second.
    Poll,
}

/// Quiet time after the last event before a rebuild: an editor's save (write a temporary file,
/// rename it over, set its mode) or a `git checkout` is one rebuild, not several.
pub(super) const SETTLE: Duration = Duration::from_millis(100);

/// Time between two snapshots when polling.
pub const POLL_EVERY: Duration = Duration::from_secs(1);

/// The places a build reads.
pub struct Targets {
    /// The site's folder, absolute.
    root: PathBuf,
    /// Git folders whose `HEAD` and `packed-refs` count (the worktree's own and the common one).
    git: Vec<PathBuf>,
    /// The branches folder, `refs/heads/` in the common git folder.
    heads: Option<PathBuf>,
}

impl Targets {
    /// The targets of the site at `root`; git's folders are asked of git itself, so worktrees
    /// and sites in a subfolder of a repository are covered.
    pub fn of(root: &Path) -> Targets {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let (mut git, mut heads) = (Vec::new(), None);
        if let Some((own, common)) = git_dirs(&root) {
            heads = Some(common.join("refs").join("heads"));
            git.push(own.clone());
            if common != own {
                git.push(common);
            }
        }
        Targets { root, git, heads }
    }

    fn top(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Whether a change at `path` can change what a build makes.
    pub fn matters(&self, path: &Path) -> bool {
        if let Ok(rest) = path.strip_prefix(&self.root) {
            let mut parts = rest.components().map(|c| c.as_os_str().to_string_lossy());
            match parts.next().as_deref() {
                Some("content" | "themes") => return parts.all(|p| !p.starts_with('.')),
                Some(name) if rest.components().count() == 1 => {
                    return name == crate::config::FILE || name == crate::model::transfer::REGISTER;
                }
                _ => {}
            }
        }
        if let Some(heads) = &self.heads
            && path.starts_with(heads)
        {
            return path.extension().is_none_or(|e| e != "lock");
        }
        path.parent().is_some_and(|p| self.git.iter().any(|g| g == p))
            && path.file_name().is_some_and(|n| n == "HEAD" || n == "packed-refs")
    }

    /// Every watched file with its stamp, in a fixed order.
    pub fn snapshot(&self) -> Vec<(PathBuf, Stamp)> {
        let mut out = Vec::new();
        let mut walk = |top: &Path, hidden_too: bool| {
            let walker = walkdir::WalkDir::new(top).follow_links(false).sort_by_file_name().into_iter();
            for e in walker
                .filter_entry(|e| hidden_too || e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
                .flatten()
            {
                // Folders change their times when a hidden file comes or goes; what matters in
                // them is which files they hold, and those are listed.
                match e.metadata() {
                    Ok(m) if !m.is_dir() => out.push((e.into_path(), stamp(&m))),
                    _ => {}
                }
            }
        };
        for name in ["content", "themes", crate::config::FILE, crate::model::transfer::REGISTER] {
            walk(&self.top(name), false);
        }
        for g in &self.git {
            walk(&g.join("HEAD"), true);
            walk(&g.join("packed-refs"), true);
        }
        if let Some(h) = &self.heads {
            walk(h, true);
        }
        out
    }
}

/// What identifies a file's state without reading it: size, modification time, inode and change
/// time (which no tool sets back).
pub type Stamp = (u64, Option<std::time::SystemTime>, u64, i64, i64);

fn stamp(m: &std::fs::Metadata) -> Stamp {
    #[cfg(unix)]
    let more = {
        use std::os::unix::fs::MetadataExt;
        (m.ino(), m.ctime(), m.ctime_nsec())
    };
    #[cfg(not(unix))]
    let more = (0, 0, 0);
    (m.len(), m.modified().ok(), more.0, more.1, more.2)
}

/// The worktree's git folder and the common one, absolute; `None` outside a repository or
/// without git.
fn git_dirs(root: &Path) -> Option<(PathBuf, PathBuf)> {
    let mut git = std::process::Command::new("git");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GIT_") {
            git.env_remove(key);
        }
    }
    let o = git
        .current_dir(root)
        .args(["rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let text = String::from_utf8(o.stdout).ok()?;
    let mut lines = text.lines().map(PathBuf::from);
    Some((lines.next()?, lines.next()?))
}

/// The files a batch of changes touched, or `None` when that is not known (the kernel's queue
/// overflowed, the watcher failed).
pub type Changed = Option<Vec<PathBuf>>;

/// Calls `first` once the watch is in place (so nothing that changes while it runs is missed),
/// then `changed` after every change of the site, for ever, with the files that changed.
pub fn run(targets: &Targets, choice: Watcher, lang: Lang, first: impl FnOnce(), mut changed: impl FnMut(Changed)) {
    let mut first = Some(first);
    let say = |m: crate::model::diag::Msg| eprintln!("{}", m.get(lang));
    let remote = if choice == Watcher::Auto { remote_fs(&targets.root) } else { None };
    if let Some(kind) = remote.as_deref() {
        say(msg!(
            "站点位于 {kind} 文件系统上，别的计算机上的改动不会产生文件事件：改为每秒检查一次文件（用 --watcher native 可强制使用文件事件）",
            "the site is on a {kind} file system, where changes made on other machines raise no file events: checking the files once a second instead (--watcher native forces file events)"
        ));
    }
    if choice != Watcher::Poll && remote.is_none() {
        match events(targets, &mut first, &mut changed) {
            Ok(()) => say(msg!(
                "文件事件中断：改为每秒检查一次文件",
                "file events stopped: checking the files once a second instead"
            )),
            Err(e) => say(msg!(
                "无法监视文件事件（{e}）：改为每秒检查一次文件。Linux 上常见的原因是 inotify 监视数量已满（sysctl fs.inotify.max_user_watches）",
                "cannot watch for file events ({e}): checking the files once a second instead. On Linux the usual cause is the inotify watch limit (sysctl fs.inotify.max_user_watches)"
            )),
        }
    }
    poll(targets, &mut first, &mut changed)
}

/// Compares snapshots for ever (after calling `first` if it has not been called).
fn poll(targets: &Targets, first: &mut Option<impl FnOnce()>, changed: &mut impl FnMut(Changed)) {
    let mut last = targets.snapshot();
    if let Some(f) = first.take() {
        f();
    }
    loop {
        std::thread::sleep(POLL_EVERY);
        let now = targets.snapshot();
        if now != last {
            let files = differ(&last, &now);
            last = now;
            changed(Some(files));
            // What changed during the rebuild is in the next snapshot, compared with this one.
        }
    }
}

/// The files that are in one snapshot and not the other, or in both with other stamps.
fn differ(before: &[(PathBuf, Stamp)], now: &[(PathBuf, Stamp)]) -> Vec<PathBuf> {
    let mut was: std::collections::HashMap<&Path, &Stamp> = before.iter().map(|(p, s)| (p.as_path(), s)).collect();
    let mut out: Vec<PathBuf> = Vec::new();
    for (p, s) in now {
        if was.remove(p.as_path()) != Some(s) {
            out.push(p.clone());
        }
    }
    out.extend(was.into_keys().map(Path::to_path_buf));
    out.sort();
    out
}

/// Once watching, calls `first` (if it has not been called), then waits for file events and calls
/// `changed` after each settled batch that matters; returns when the watcher stops, or an error
/// when it cannot start.
fn events(
    targets: &Targets,
    first: &mut Option<impl FnOnce()>,
    changed: &mut impl FnMut(Changed),
) -> Result<(), notify::Error> {
    let (tx, rx) = mpsc::channel();
    let mut d = notify_debouncer_full::new_debouncer(SETTLE, Some(SETTLE / 2), tx)?;
    // The site's folder itself, not its subfolders: the settings, the register, and `content/`
    // or `themes/` appearing.
    d.watch(&targets.root, RecursiveMode::NonRecursive)?;
    for name in ["content", "themes"] {
        if targets.top(name).is_dir() {
            d.watch(targets.top(name), RecursiveMode::Recursive)?;
        }
    }
    for g in &targets.git {
        d.watch(g, RecursiveMode::NonRecursive)?;
    }
    if let Some(h) = targets.heads.as_ref().filter(|h| h.is_dir()) {
        d.watch(h, RecursiveMode::Recursive)?;
    }
    if let Some(f) = first.take() {
        f();
    }
    while let Ok(batch) = rx.recv() {
        let mut matters = false;
        let mut files: Changed = Some(Vec::new());
        for batch in std::iter::once(batch).chain(rx.try_iter()) {
            match batch {
                Ok(events) => {
                    for e in &events {
                        if e.need_rescan() {
                            // The kernel's queue overflowed: anything may have changed.
                            (matters, files) = (true, None);
                        } else if changes(&e.kind) {
                            let hit: Vec<&PathBuf> = e.paths.iter().filter(|p| targets.matters(p)).collect();
                            matters |= !hit.is_empty();
                            if let Some(f) = files.as_mut() {
                                f.extend(hit.into_iter().cloned());
                            }
                        }
                        // A folder made or put back after the start is watched from now on. Only
                        // on its arrival: watching walks the whole folder, and listing a folder
                        // raises events on it, which would start the walk again, for ever.
                        let arrived = matches!(
                            e.kind,
                            notify::EventKind::Create(_)
                                | notify::EventKind::Modify(notify::event::ModifyKind::Name(_))
                        );
                        for name in ["content", "themes"] {
                            if arrived && e.paths.iter().any(|p| *p == targets.top(name)) && targets.top(name).is_dir()
                            {
                                let _ = d.watch(targets.top(name), RecursiveMode::Recursive);
                            }
                        }
                    }
                }
                Err(_) => (matters, files) = (true, None),
            }
        }
        if matters {
            if let Some(f) = files.as_mut() {
                f.sort();
                f.dedup();
            }
            changed(files);
        }
    }
    Ok(())
}

/// Whether an event can mean new contents: not a file being opened, read or closed after
/// reading, which the build itself does to every file it reads.
fn changes(kind: &notify::EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode, EventKind};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// The kind of file system holding `root` when file events there miss changes made elsewhere:
/// network file systems and FUSE (sshfs, shared folders of WSL and virtual machines).
fn remote_fs(root: &Path) -> Option<String> {
    let table = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let kind = mount_kind(&table, root)?;
    let remote =
        ["nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "vboxsf", "virtiofs", "afs", "coda", "ceph", "glusterfs"];
    (remote.contains(&kind.as_str()) || kind == "fuse" || kind.starts_with("fuse.")).then_some(kind)
}

/// The type of the file system mounted deepest above `path`, from the text of
/// `/proc/self/mountinfo` (`ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS…] - TYPE SOURCE …`,
/// spaces in names written `\040`).
fn mount_kind(table: &str, path: &Path) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for line in table.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let (Some(at), Some(dash)) = (fields.get(4), fields.iter().position(|f| *f == "-")) else { continue };
        let (at, Some(kind)) = (PathBuf::from(at.replace("\\040", " ")), fields.get(dash + 1)) else { continue };
        let depth = at.components().count();
        if path.starts_with(&at) && best.is_none_or(|(d, _)| depth >= d) {
            best = Some((depth, kind));
        }
    }
    best.map(|(_, kind)| kind.to_string())
}

#[cfg(test)]
mod tests {
    use super::Targets;
    use std::path::PathBuf;

    fn targets() -> Targets {
        let root = PathBuf::from("/site");
        Targets { git: vec![root.join(".git")], heads: Some(root.join(".git/refs/heads")), root }
    }

    #[test]
    fn the_file_system_of_a_folder_is_that_of_its_deepest_mount() {
        let table = "22 27 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw\n\
                     30 22 0:40 / /mnt/c rw,noatime - 9p drvfs rw\n\
                     31 22 0:41 / /home/ed/my\\040docs rw - fuse.sshfs ed@host: rw\n";
        let kind = |p: &str| super::mount_kind(table, std::path::Path::new(p));
        assert_eq!(kind("/work/site").as_deref(), Some("ext4"));
        assert_eq!(kind("/mnt/c/Users/site").as_deref(), Some("9p"));
        assert_eq!(kind("/mnt/cc").as_deref(), Some("ext4"));
        assert_eq!(kind("/home/ed/my docs/site").as_deref(), Some("fuse.sshfs"));
    }

    #[test]
    fn only_what_a_build_reads_matters() {
        let t = targets();
        for yes in [
            "content/a.md",
            "content/docs/b/index.md",
            "content",
            "themes/mine/templates/page.html",
            "gongbao.toml",
            "transfers.jsonl",
            ".git/HEAD",
            ".git/packed-refs",
            ".git/refs/heads/main",
            ".git/refs/heads/topic/x",
        ] {
            assert!(t.matters(&t.root.join(yes)), "{yes}");
        }
        for no in [
            "public/index.html",
            "public",
            ".public.gongbao-cache.json",
            ".public.staging-1/index.html",
            "content/.a.md.swp",
            "content/docs/.git/x",
            "README.md",
            "bench/run.py",
            ".git/index",
            ".git/index.lock",
            ".git/HEAD.lock",
            ".git/objects/ab/cdef",
            ".git/refs/heads/main.lock",
            ".git/refs/remotes/origin/main",
            ".git/logs/HEAD",
        ] {
            assert!(!t.matters(&t.root.join(no)), "{no}");
        }
    }

    #[test]
    fn polling_names_the_files_that_came_went_or_changed() {
        let at = |p: &str, size: u64| (PathBuf::from(p), (size, None, 1, 0, 0));
        let before = [at("/s/content/a.md", 1), at("/s/content/b.md", 2), at("/s/gongbao.toml", 3)];
        let now =
            [at("/s/content/a.md", 1), at("/s/content/b.md", 5), at("/s/content/c.md", 1), at("/s/gongbao.toml", 3)];
        assert_eq!(super::differ(&before, &now), [PathBuf::from("/s/content/b.md"), PathBuf::from("/s/content/c.md")]);
        assert_eq!(super::differ(&now, &before), [PathBuf::from("/s/content/b.md"), PathBuf::from("/s/content/c.md")]);
        assert!(super::differ(&now, &now).is_empty());
    }

    #[test]
    fn a_file_copied_over_with_an_older_time_changes_the_snapshot() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("content")).unwrap();
        let record = root.join("content/a.md");
        std::fs::write(&record, "新的内容\n").unwrap();
        let t = Targets { root: root.clone(), git: vec![], heads: None };
        let before = t.snapshot();
        assert!(before.iter().any(|(p, _)| *p == record));
        // Same size, a time a year back: only the per-file stamp tells.
        std::fs::write(&record, "旧的内容\n").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(365 * 86400);
        std::fs::File::options().write(true).open(&record).unwrap().set_modified(old).unwrap();
        let after = t.snapshot();
        assert_ne!(before, after);
        let newest = |s: &[(PathBuf, super::Stamp)]| s.iter().filter_map(|(_, st)| st.1).max();
        assert!(newest(&after) <= newest(&before), "the newest time did not move forward");
        std::fs::write(root.join("content/.hidden.swp"), "x").unwrap();
        std::fs::create_dir_all(root.join("public")).unwrap();
        std::fs::write(root.join("public/index.html"), "x").unwrap();
        assert_eq!(after, t.snapshot(), "hidden files and the output are not watched");
    }
}
