//! The editorial history of each record file, from git: the commits that touched it (date,
//! short hash, kind of change, and the subject only when the site publishes subjects). Part of
//! the `load` stage; read once per build with one walk over the
//! history (each commit compared with its first parent, limited to `content/`), so the cost
//! follows the history, not the number of records times the number of commits.
//! A site outside a git repository builds all the same and says history is unavailable.
//!
//! Subjects are free text written for the editors, and may name a withheld document; they are
//! not even read unless `[history] subjects = true`, so nothing later can publish them by mistake.

use crate::date::Date;
use std::collections::BTreeMap;
use std::path::Path;

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
    fn of(status: git2::Delta) -> Change {
        match status {
            git2::Delta::Added | git2::Delta::Copied => Change::Added,
            git2::Delta::Deleted => Change::Deleted,
            git2::Delta::Renamed => Change::Renamed,
            _ => Change::Modified,
        }
    }
}

/// Commits per file (paths relative to the site root, `content/…`), newest first; `None` when
/// the site is not in a git repository or it has no commits.
pub type History = Option<BTreeMap<String, Vec<Commit>>>;

/// Reads the history of `root/content`; with `subjects`, each commit's subject too.
pub fn read(root: &Path, subjects: bool) -> History {
    let repo = git2::Repository::discover(root).ok()?;
    let workdir = repo.workdir()?.canonicalize().ok()?;
    let site = root.canonicalize().ok()?;
    let prefix = site.strip_prefix(&workdir).ok()?.to_path_buf();
    let content = prefix.join("content");
    let mut walk = repo.revwalk().ok()?;
    walk.push_head().ok()?;
    walk.set_sorting(git2::Sort::TIME | git2::Sort::TOPOLOGICAL).ok()?;
    let mut by_file: BTreeMap<String, Vec<Commit>> = BTreeMap::new();
    for oid in walk.flatten() {
        let Ok(commit) = repo.find_commit(oid) else { continue };
        let Ok(tree) = commit.tree() else { continue };
        let parent = commit.parent(0).ok().and_then(|p| p.tree().ok());
        let mut opts = git2::DiffOptions::new();
        opts.pathspec(content.to_string_lossy().as_ref());
        let Ok(mut diff) = repo.diff_tree_to_tree(parent.as_ref(), Some(&tree), Some(&mut opts)) else { continue };
        // A move inside `content/` is one change, not a deletion and an unrelated addition.
        let _ = diff.find_similar(Some(git2::DiffFindOptions::new().renames(true)));
        let time = commit.time();
        let date = Date::from_days((time.seconds() + i64::from(time.offset_minutes()) * 60).div_euclid(86_400));
        let hash = oid.to_string()[..7].to_string();
        let subject = subjects.then(|| commit.summary().ok().flatten().unwrap_or("").to_string());
        // Each path once per commit; the first delta that names it says what happened to it.
        let mut touched: BTreeMap<String, Change> = BTreeMap::new();
        for delta in diff.deltas() {
            let change = Change::of(delta.status());
            for p in [delta.old_file().path(), delta.new_file().path()].into_iter().flatten() {
                if let Ok(rel) = p.strip_prefix(&prefix) {
                    touched.entry(crate::load::rel(Path::new(""), rel)).or_insert(change);
                }
            }
        }
        for (f, change) in touched {
            by_file.entry(f).or_default().push(Commit { date, hash: hash.clone(), change, subject: subject.clone() });
        }
    }
    Some(by_file)
}
