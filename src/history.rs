//! The editorial history of each record file, from git: the commits that touched it (date,
//! short hash, subject). Part of the `load` stage; read once per build with one walk over the
//! history (each commit compared with its first parent, limited to `content/`), so the cost
//! follows the history, not the number of records times the number of commits.
//! A site outside a git repository builds all the same and says history is unavailable.

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
    /// First line of the message.
    pub subject: String,
}

/// Commits per file (paths relative to the site root, `content/…`), newest first; `None` when
/// the site is not in a git repository or it has no commits.
pub type History = Option<BTreeMap<String, Vec<Commit>>>;

/// Reads the history of `root/content`.
pub fn read(root: &Path) -> History {
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
        let Ok(diff) = repo.diff_tree_to_tree(parent.as_ref(), Some(&tree), Some(&mut opts)) else { continue };
        let time = commit.time();
        let date = Date::from_days((time.seconds() + i64::from(time.offset_minutes()) * 60).div_euclid(86_400));
        let entry = Commit { date, hash: oid.to_string()[..7].to_string(), subject: commit.summary().ok().flatten().unwrap_or("").to_string() };
        let mut touched: Vec<String> = Vec::new();
        for delta in diff.deltas() {
            for p in [delta.old_file().path(), delta.new_file().path()].into_iter().flatten() {
                if let Ok(rel) = p.strip_prefix(&prefix) {
                    touched.push(crate::load::rel(Path::new(""), rel));
                }
            }
        }
        touched.sort();
        touched.dedup();
        for f in touched {
            by_file.entry(f).or_default().push(entry.clone());
        }
    }
    Some(by_file)
}
