//! The editorial history of each record file, from git: the commits that touched it (date,
//! short hash, kind of change, and the subject only when the site publishes subjects). Part of
//! the `load` stage; read once per build by one `git log` over `content/` (each commit compared
//! with its first parent, renames detected), so the cost follows the history, not the number of
//! records times the number of commits.
//! A site outside a git repository, or on a machine without `git`, builds all the same and says
//! history is unavailable.
//!
//! Running the installed `git` rather than linking a git library keeps a C library out of the
//! build (see the architecture chapter). What `git log` prints must then depend only on the
//! commits: the invocation fixes the format, drops the caller's `GIT_*` variables, and
//! overrides on its command line, where it wins over every configuration file, each setting
//! that could change the output or start a program (pager, signature checks, text conversion,
//! lazy fetches). The system and user configuration are still read, as git's ownership check
//! (`safe.directory`) trusts only them; with the overrides nothing in them reaches the output.
//!
//! Subjects are free text written for the editors, and may name a withheld document; they are
//! not even read unless `[history] subjects = true`, so nothing later can publish them by mistake.

use crate::model::date::Date;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

/// One commit that touched a record file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Commit {
    /// Commit date, in the committer's time zone.
    pub date: Date,
    /// Abbreviated hash.
    pub hash: String,
    /// What the commit did to the file.
    pub change: Change,
    /// First line of the message, when the site publishes subjects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The author's name (never the e-mail address), for the publication register only: pages and
    /// data about history do not show it.
    #[serde(skip)]
    pub author: String,
    /// The commit time, `YYYY-MM-DDTHH:MM:SS±HH:MM` in the committer's zone, for the register.
    #[serde(skip)]
    pub time: String,
}

/// The kind of change a commit made to one file, from git's diff status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// The file appeared (or was copied).
    Added,
    /// Its content (or type) changed.
    Modified,
    /// It was moved from or to another path.
    Renamed,
    /// It was removed.
    Deleted,
}

impl Change {
    /// The change a `--name-status` letter stands for, with the number of paths that follow it.
    fn of(letter: u8) -> (Change, usize) {
        match letter {
            b'A' => (Change::Added, 1),
            b'C' => (Change::Added, 2),
            b'D' => (Change::Deleted, 1),
            b'R' => (Change::Renamed, 2),
            _ => (Change::Modified, 1),
        }
    }
}

/// Commits per file (paths relative to the site root, `content/…`), newest first; `None` when
/// the site is not in a git repository, it has no commits, or `git` cannot be run.
pub(crate) type History = Option<BTreeMap<String, Vec<Commit>>>;

/// Reads the history of `root/content`; with `subjects`, each commit's subject too.
pub(crate) fn read(root: &Path, subjects: bool) -> History {
    parse(&git_log(root, subjects)?, subjects)
}

/// Files under `content/` (relative to the site root) whose content is not what `HEAD` holds:
/// changed, staged or not, and untracked. Empty outside git, where nothing can be told apart.
pub(crate) fn uncommitted(root: &Path) -> std::collections::BTreeSet<String> {
    let run = |args: &[&str]| -> Option<Vec<u8>> {
        let out = git(root).args(args).stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
        out.status.success().then_some(out.stdout)
    };
    let mut out = std::collections::BTreeSet::new();
    let changed =
        run(&["diff", "--no-ext-diff", "--no-textconv", "--name-only", "-z", "--relative", "HEAD", "--", "content"]);
    let untracked = run(&["ls-files", "-z", "--others", "--exclude-standard", "--", "content"]);
    for list in [changed, untracked].into_iter().flatten() {
        out.extend(list.split(|&b| b == 0).filter(|p| !p.is_empty()).map(|p| String::from_utf8_lossy(p).into_owned()));
    }
    out
}

/// Settings given on the command line, which win over the repository's own configuration. The
/// flags of `git_log` already fix most of what they cover; they are here for what no flag says
/// (`log.follow`, `core.fsmonitor`, the rename limit) and as a second lock on the rest.
const PINNED: &[&str] = &[
    "core.quotepath=off",
    "core.fsmonitor=false",
    "color.ui=never",
    "log.showSignature=false",
    "log.showRoot=true",
    "log.follow=false",
    "diff.renames=true",
    "diff.renameLimit=1000",
    "i18n.logOutputEncoding=UTF-8",
];

/// `git` in `root`, with none of the caller's `GIT_*` variables, no pager, prompts, lazy fetches
/// or replacement objects, and the [`PINNED`] settings.
fn git(root: &Path) -> Command {
    let mut git = Command::new("git");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GIT_") {
            git.env_remove(key);
        }
    }
    git.current_dir(root)
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(["--no-pager", "--no-replace-objects", "--literal-pathspecs"]);
    for setting in PINNED {
        git.args(["-c", setting]);
    }
    git
}

/// Runs `git log` in `root`: for every commit reachable from `HEAD` that changed something under
/// `content/` compared with its first parent, newest first, a header (`<hash> <seconds>
/// <±hhmm>`, the author's name, then the subject if asked for) and the changed paths, all separated by NUL bytes so
/// that any path or subject reads back exactly. `None` when git fails or is missing.
fn git_log(root: &Path, subjects: bool) -> Option<Vec<u8>> {
    let mut git = git(root);
    git.args([
        "log",
        "--no-color",
        "--no-show-signature",
        "--no-ext-diff",
        "--no-textconv",
        "--encoding=UTF-8",
        "--date=raw",
        if subjects { "--format=%H %cd%x00%an%x00%s" } else { "--format=%H %cd%x00%an" },
        "-z",
        "--name-status",
        "--find-renames",
        "--root",
        "--diff-merges=first-parent",
        "--full-history",
        "--date-order",
        "--relative",
        "HEAD",
        "--",
        "content",
    ]);
    let out = git.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then_some(out.stdout)
}

/// Reads `git_log`'s output. A commit is its header, then entries of a status (`M`, `A`, `D`,
/// `R100`, …, the first one after a newline) and one path, or two for renames and copies. A
/// header never looks like a status, which is a capital letter and digits, as it starts with a
/// hash in lower-case hex. Output of any other shape makes the whole history unavailable rather
/// than half read.
fn parse(out: &[u8], subjects: bool) -> History {
    let mut fields = out.split(|&b| b == 0).peekable();
    let mut by_file: BTreeMap<String, Vec<Commit>> = BTreeMap::new();
    while let Some(head) = fields.next() {
        if head.is_empty() && fields.peek().is_none() {
            break; // after the last terminator
        }
        let (hash, date, time) = header(head)?;
        let author = String::from_utf8_lossy(fields.next()?).into_owned();
        let subject = if subjects { Some(String::from_utf8_lossy(fields.next()?).into_owned()) } else { None };
        // Each path once per commit; the first entry that names it says what happened to it.
        let mut touched: BTreeMap<String, Change> = BTreeMap::new();
        while let Some(letter) = fields.peek().and_then(|f| status(f)) {
            fields.next();
            let (change, paths) = Change::of(letter);
            for _ in 0..paths {
                let path = fields.next().filter(|p| !p.is_empty())?;
                touched.entry(String::from_utf8_lossy(path).into_owned()).or_insert(change);
            }
        }
        for (f, change) in touched {
            by_file.entry(f).or_default().push(Commit {
                date,
                hash: hash.clone(),
                change,
                subject: subject.clone(),
                author: author.clone(),
                time: time.clone(),
            });
        }
    }
    Some(by_file)
}

/// `<hash> <seconds> <±hhmm>`: the short hash, the day in the committer's time zone, and the
/// time as `YYYY-MM-DDTHH:MM:SS±HH:MM`.
fn header(field: &[u8]) -> Option<(String, Date, String)> {
    let text = std::str::from_utf8(field).ok()?;
    let mut parts = text.split(' ');
    let (hash, seconds, zone) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || hash.len() < 7 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let seconds: i64 = seconds.parse().ok()?;
    let (sign, hhmm) = match zone.as_bytes() {
        [b'+', rest @ ..] => (1, rest),
        [b'-', rest @ ..] => (-1, rest),
        _ => return None,
    };
    if hhmm.len() != 4 || !hhmm.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let hhmm: i64 = std::str::from_utf8(hhmm).ok()?.parse().ok()?;
    let offset = sign * (hhmm / 100 * 3600 + hhmm % 100 * 60);
    let local = seconds.checked_add(offset)?;
    let date = Date::from_days(local.div_euclid(86_400));
    let s = local.rem_euclid(86_400);
    let zone = format!("{}{:02}:{:02}", if sign < 0 { '-' } else { '+' }, hhmm / 100, hhmm % 100);
    let time = format!("{date}T{:02}:{:02}:{:02}{zone}", s / 3600, s / 60 % 60, s % 60);
    Some((hash[..7].to_string(), date, time))
}

/// The letter of a `--name-status` entry (`M`, `R086`, `\nA`), or `None` for anything else.
fn status(field: &[u8]) -> Option<u8> {
    let field = field.strip_prefix(b"\n").unwrap_or(field);
    match field {
        [letter @ b'A'..=b'Z', score @ ..] if score.iter().all(u8::is_ascii_digit) => Some(*letter),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0123456789abcdef0123456789abcdef01234567";
    const B: &str = "fedcba9876543210fedcba9876543210fedcba98";

    #[test]
    fn entries_are_read_per_commit_newest_first() {
        let out = format!(
            "{A} 1704420000 +0800\0王编辑\0\nR090\0content/old.md\0content/new\nline.md\0M\0content/a.md\0\
             {B} 1704366000 -0500\0Li\0\nA\0content/a.md\0A\0content/old.md\0"
        );
        let h = parse(out.as_bytes(), false).unwrap();
        assert_eq!(h.len(), 3);
        let a = &h["content/a.md"];
        assert_eq!(
            a.iter().map(|c| (c.hash.as_str(), c.change)).collect::<Vec<_>>(),
            [("0123456", Change::Modified), ("fedcba9", Change::Added)]
        );
        // 2024-01-05 02:00 +0800 is that day there; 2024-01-04 11:00 UTC is 06:00 at -0500.
        assert_eq!((a[0].date, a[1].date), (Date::new(2024, 1, 5).unwrap(), Date::new(2024, 1, 4).unwrap()));
        assert_eq!(h["content/new\nline.md"][0].change, Change::Renamed);
        assert_eq!(h["content/old.md"].iter().map(|c| c.change).collect::<Vec<_>>(), [Change::Renamed, Change::Added]);
        assert!(a[0].subject.is_none());
        assert_eq!((a[0].author.as_str(), a[0].time.as_str()), ("王编辑", "2024-01-05T10:00:00+08:00"));
        assert_eq!((a[1].author.as_str(), a[1].time.as_str()), ("Li", "2024-01-04T06:00:00-05:00"));
    }

    #[test]
    fn a_subject_that_looks_like_a_status_or_a_header_is_still_a_subject() {
        let out = format!("{A} 0 +0000\0a\0M\0{B} 0 +0000\0b\0{B} 0 +0000\0\nD\0content/x.md\0");
        let h = parse(out.as_bytes(), true).unwrap();
        assert_eq!(h.len(), 1);
        let x = &h["content/x.md"];
        let subject = format!("{B} 0 +0000");
        assert_eq!((x.len(), x[0].subject.as_deref(), x[0].change), (1, Some(subject.as_str()), Change::Deleted));
    }

    #[test]
    fn the_repository_configuration_changes_nothing_and_runs_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        let ran = tmp.path().join("ran");
        let git = |args: &[&str]| {
            let o = Command::new("git")
                .current_dir(&root)
                .args(["-c", "user.name=编辑", "-c", "user.email=e@example.invalid"])
                .args(args)
                .env("GIT_AUTHOR_DATE", "2024-01-05T23:30:00-05:00")
                .env("GIT_COMMITTER_DATE", "2024-01-05T23:30:00-05:00")
                .output()
                .unwrap();
            assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        };
        std::fs::create_dir_all(root.join("content")).unwrap();
        std::fs::write(root.join("content/a.md"), "第一条 甲。\n第二条 乙。\n第三条 丙。\n").unwrap();
        std::fs::write(root.join("outside.md"), "x\n").unwrap();
        git(&["init", "-q"]);
        git(&["add", "."]);
        git(&["commit", "-qm", "收录"]);
        git(&["mv", "content/a.md", "content/名称 \"新\".md"]);
        git(&["commit", "-qm", "改名"]);
        // Each of these would change `git log`'s output or run a program if it were obeyed.
        let touch = format!("touch '{}'", ran.display());
        let hostile = [
            ("log.showRoot", "false"),
            ("log.follow", "true"),
            ("log.showSignature", "true"),
            ("log.date", "iso"),
            ("log.diffMerges", "separate"),
            ("diff.renames", "false"),
            ("diff.relative", "true"),
            ("diff.external", &touch),
            ("i18n.logOutputEncoding", "GB18030"),
            ("core.quotepath", "true"),
            ("core.pager", &touch),
            ("core.fsmonitor", &touch),
            ("color.ui", "always"),
            ("format.pretty", "oneline"),
            ("gpg.program", &touch),
        ];
        for (key, value) in hostile {
            git(&["config", key, value]);
        }
        let h = read(&root, true).unwrap();
        let dates =
            |f: &str| h[f].iter().map(|c| (c.date.to_string(), c.change, c.subject.clone())).collect::<Vec<_>>();
        let day = "2024-01-05".to_string();
        assert_eq!(
            dates("content/a.md"),
            [(day.clone(), Change::Renamed, Some("改名".into())), (day.clone(), Change::Added, Some("收录".into()))]
        );
        assert_eq!(dates("content/名称 \"新\".md"), [(day, Change::Renamed, Some("改名".into()))]);
        assert_eq!(h.len(), 2, "only content/ is read");
        assert!(!ran.exists(), "a program named in the repository's configuration ran");
    }

    #[test]
    fn unexpected_output_makes_the_history_unavailable() {
        assert_eq!(parse(b"", false), Some(BTreeMap::new()));
        for bad in [
            "not a header\0".to_string(),
            format!("{A} 0 0800\0"),
            format!("{A} 0 +0000\0a\0\nM\0"),
            format!("{A} 0 +0000\0a\0\nR100\0content/a.md\0"),
        ] {
            assert_eq!(parse(bad.as_bytes(), false), None, "{bad:?}");
        }
    }
}
