//! The preview of an edit: when the files that changed are only records whose texts were
//! reworded, whose titles or keywords changed, or whose signing dates, numbers, genres, reviews,
//! dates of validity or publication, issuers or topics did ([`crate::source::parse::Record::rewords`],
//! [`crate::source::parse::Record::redescribes`] and [`crate::source::parse::Record::restates`]:
//! otherwise the same front matter and links, nothing in the text a check reports, no title
//! shared with another record of the same kind and day, no number another record holds, no other
//! record and no earlier text reading the dates, the same state on the build date, only lists
//! joined that other records are in and no list coming, going or changing its number of pages,
//! no error in what parsing the file and the record's own checks find), each record's own pages
//! are rendered at once
//! from what the last build read and linked, and served in place of the output's files until
//! the rebuild that follows has finished (see [`super::live`]). The preview
//! is the build's own rendering of the same corpus with the new records: the rebuild writes the
//! same bytes for those pages (a test compares them after a series of edits), and everything else
//! (lists, feeds, open data, the search index, the manifest) follows with the rebuild.

use crate::cmd::build::Options;
use crate::model::diag::{Diagnostic, Severity};
use crate::site::{Job, Renderer};
use crate::source::{self, parse};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// The pages of a preview.
pub struct Preview {
    /// Output paths (relative to the output folder) and bytes of the pages that show the new texts.
    pub pages: Vec<(String, Vec<u8>)>,
    /// Records taken in whose pages are shown.
    pub records: usize,
    /// The indexes in the corpus of every record whose new reading was taken in, shown or not.
    pub(crate) edited: Vec<usize>,
    /// Their findings before and after.
    pub(crate) refound: crate::cmd::Refound,
}

/// The preview of the edit of the files `changed` (absolute paths, as the watcher reports them),
/// or `None` when anything else may have changed: a record's front matter or links, a record
/// added or removed, an error in the file, any file that is not a record, or no finished
/// build to start from. `None` only means that the rebuild alone shows the edit. A record no
/// reader sees is taken as reworded too, with no page rendered: the rebuild that follows then
/// starts from the analysis rather than reading the whole site again to find nothing to publish.
/// So is a batch of records saved with the same bytes and of files that came and went: a
/// preview of nothing, from which the rebuild starts as from any other.
pub fn preview(o: &Options, changed: &[PathBuf]) -> Option<Preview> {
    let session = o.session.as_ref()?;
    session.begin();
    let mut last = session.last.lock().ok()?.take()?;
    let made = make(o, &mut last, changed);
    // Brought up to date only when every file of the edit was read into it; otherwise it may be
    // left half changed, and the rebuild reads the site again.
    last.edited = made.as_ref().map(|p| p.edited.clone());
    last.refound = made.as_ref().map(|p| p.refound.clone()).unwrap_or_default();
    // Handed back rather than dropped here: the rebuild that follows lets it go, after the
    // preview is served.
    if let Ok(mut l) = session.last.lock() {
        *l = Some(last);
    }
    made
}

fn make(o: &Options, last: &mut crate::cmd::Last, changed: &[PathBuf]) -> Option<Preview> {
    let session = o.session.as_ref()?;
    let root = &o.root;
    let content = root.join("content").canonicalize().ok()?;
    let a = &mut last.analysis;
    // Records are put in place as they are read: when a later file means no preview, the kept
    // analysis is left half changed, which does not matter, as the rebuild that follows every
    // preview lets it go unused.
    let mut edited: Vec<usize> = Vec::new();
    // Records now in other lists of issuers or topics, or at other places in the lists by
    // date, with their earlier readings.
    let mut moved: Vec<(usize, Arc<parse::Record>)> = Vec::new();
    // The findings of the files read and of the records' own checks, before and after.
    let mut refound = crate::cmd::Refound::default();
    let cx = crate::check::Context {
        files: &a.files,
        root,
        cfg: &a.cfg,
        calendar: &a.calendar,
        scans: Some(&session.parse.scans),
    };
    for path in changed {
        let under = path.strip_prefix(&content).ok()?.to_str()?.to_string();
        let file = format!("content/{under}");
        let meta = std::fs::symlink_metadata(path);
        let exists = meta.as_ref().is_ok_and(|m| m.is_file());
        // A folder moved in, out or renamed is one event on the folder, none on the files in
        // it: whatever it held is not known from the batch.
        let inside = format!("{under}/");
        let held = a.files.range(inside.clone()..).next().is_some_and(|f| f.starts_with(&inside));
        let i = a.corpus.records.iter().position(|r| r.file == file);
        match (exists, i) {
            // A file that came and went between two builds (an editor's temporary file) changes
            // nothing the build reads.
            (false, None) if meta.is_err() && !held && !a.files.contains(&under) => continue,
            (true, Some(i)) if source::is_record_file(&under) => {
                let entry = source::Entry { path: root.join("content").join(&under), under };
                let src = source::read(root, &entry).ok()?;
                if src.sha256 == a.corpus.records[i].sha256 {
                    continue;
                }
                let (record, found) = parse::parse(&src, &a.cfg);
                let record = Arc::new(record?);
                let before = session.parse.findings(&file)?;
                let own_before = crate::check::per_record(&a.corpus, &cx, i);
                if !a.corpus.reword(i, record.clone()) {
                    // A new signing date, number, genre, review, date of validity or
                    // publication, issuer or topic.
                    let was = a.corpus.records[i].clone();
                    let regrouped = was.issuers != record.issuers
                        || was.topics != record.topics
                        || was.published != record.published;
                    if !a.corpus.restate(i, record.clone()) {
                        return None;
                    }
                    if regrouped {
                        moved.push((i, was));
                    }
                }
                // What the record's own checks find may differ (a signing date now too long
                // before publication): nothing else reads what the preview takes.
                refound.gone.extend(before.into_iter().chain(own_before));
                refound.now.extend(found.iter().cloned().chain(crate::check::per_record(&a.corpus, &cx, i)));
                session.parse.put(&file, &src.sha256, None, &(Some(record), found));
                edited.push(i);
            }
            _ => return None,
        }
    }
    // Finished as a reading of the whole site finishes them. A file read without an error has
    // none, and the last build had none: an error stops the build, which the rebuild shows.
    let finish = |d: Vec<Diagnostic>| crate::cmd::finish(d, &a.cfg, &a.corpus, &Default::default());
    refound = crate::cmd::Refound { gone: finish(refound.gone), now: finish(refound.now) };
    if refound.now.iter().any(|d| d.severity == Severity::Error) {
        return None;
    }
    // The lists the records left and joined are made again, and so are their pages, when the
    // plan stays the same: no list comes or goes, and each keeps its number of pages.
    if !moved.is_empty() {
        let (kept, (pages, _)) = (last.kept.as_mut()?, last.planned.as_mut()?);
        let lists = kept.regroup(&a.corpus, a.cfg.site.per_page, &moved)?;
        pages.relist(&lists, a.cfg.site.per_page);
    }
    // Every file named was a record saved with the same bytes, or one that came and went: the
    // site the last build read is the site (an empty batch says nothing, and is no preview).
    if edited.is_empty() {
        return (!changed.is_empty()).then(|| Preview { pages: Vec::new(), records: 0, edited, refound });
    }
    // A record no reader sees (withheld, or published after the build date) has no page to
    // show: its new wording is taken into the analysis, for the rebuild to start from, and
    // nothing of it is rendered.
    let shown: Vec<usize> = edited.iter().copied().filter(|&i| a.corpus.visible[i]).collect();
    let mut jobs: Vec<Job> = shown
        .iter()
        .flat_map(|&i| crate::site::text_jobs(&a.corpus, i))
        .filter(|j| !matches!(j, Job::SearchText(_)))
        .collect();
    let twins: Vec<Job> = jobs.iter().filter(|j| j.is_page()).map(|j| Job::Hant(Box::new(j.clone()))).collect();
    jobs.extend(twins);
    let renderer = Renderer::resume(&a.corpus, &a.cfg, &last.theme, root, &a.register, last.kept.take()?).ok()?;
    let pages: Result<Vec<(String, Vec<u8>)>, Diagnostic> = jobs.par_iter().map(|j| renderer.render(j)).collect();
    last.kept = Some(renderer.keep());
    Some(Preview { pages: pages.ok()?, records: shown.len(), edited, refound })
}
