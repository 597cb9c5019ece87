//! Stage 3, `corpus`: the records linked into one model. Ids resolve to indexes, relations get
//! their reverse side, gazette issues tell each document where it was printed, and every record
//! gets its validity timeline. Built once, then only read (by checks and by rendering).
//!
//! A record is *visible* when it is publicly disclosed and published on or before the build
//! date. Only visible records reach output, and only visible records change another's state.

use crate::model::date::Date;
use crate::model::{Disclosure, Kind, State, Statement};
use crate::source::history::{Commit, History};
use crate::source::parse::Record;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One legal version of a record's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// First day the text applied.
    pub date: Date,
    /// The file holding it, relative to the site root; `None` for the record's own (current)
    /// text.
    pub file: Option<String>,
}

/// What besides the records the corpus is built from.
#[derive(Debug, Default)]
pub struct Inputs<'a> {
    /// Every regular file under `content/`, relative to it.
    pub files: Option<&'a BTreeSet<String>>,
    /// Commits per record file.
    pub history: History,
}

/// One entry of a record's timeline: a change of state, or an amendment of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// First day of the state, or the day the amendment takes effect.
    pub from: Date,
    /// The state from that day (for an amendment, the state it leaves as it was).
    pub state: State,
    /// The visible record that caused it, by index.
    pub basis: Option<usize>,
    /// The note given with the change.
    pub note: Option<String>,
    /// Whether this is an amendment (修改): the text changes, the state does not. The amended
    /// text is in force (有效) as the one before it was; only the earlier text is now the
    /// amended one.
    pub amendment: bool,
}

/// An incoming relation: `by` amends, repeals, interprets … this record.
#[derive(Debug, Clone)]
pub struct Backlink {
    /// Index of the record that points here.
    pub by: usize,
    /// When it takes effect, for amendments and repeals.
    pub effective: Option<Date>,
    /// Its note.
    pub note: Option<String>,
}

/// Where a document was printed.
#[derive(Debug, Clone, Copy)]
pub struct Printed {
    /// Index of the gazette issue record.
    pub issue: usize,
    /// Page, when given.
    pub page: Option<u32>,
}

/// One list per record, all in one vector: most records have none of a relation, and a `Vec`
/// per record and relation would cost 24 bytes each even empty (at a national scale, 50 MB for
/// the corpus's eleven lists). `lists[i]` is record `i`'s list as a slice.
#[derive(Clone)]
pub struct Lists<T> {
    /// Where each record's list starts in `items`, and one past the last.
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for Lists<T> {
    fn default() -> Lists<T> {
        Lists { starts: vec![0], items: Vec::new() }
    }
}

impl<T> From<Vec<Vec<T>>> for Lists<T> {
    fn from(lists: Vec<Vec<T>>) -> Lists<T> {
        let mut starts = Vec::with_capacity(lists.len() + 1);
        let mut items = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        starts.push(0);
        for list in lists {
            items.extend(list);
            starts.push(u32::try_from(items.len()).unwrap_or(u32::MAX));
        }
        Lists { starts, items }
    }
}

impl<T> Lists<T> {
    /// Puts `list` in the place of record `i`'s.
    pub fn replace(&mut self, i: usize, list: Vec<T>) {
        let (from, to) = (self.starts[i] as usize, self.starts[i + 1] as usize);
        let grown = list.len() as i64 - (to - from) as i64;
        self.items.splice(from..to, list);
        for s in &mut self.starts[i + 1..] {
            *s = u32::try_from(*s as i64 + grown).unwrap_or(u32::MAX);
        }
    }

    /// How many records the lists are for.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> std::ops::Index<usize> for Lists<T> {
    type Output = [T];
    fn index(&self, i: usize) -> &[T] {
        &self.items[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Lists<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries((0..self.len()).map(|i| &self[i])).finish()
    }
}

/// Record numbers found by their ids: a table of numbers under the ids' hashes, four bytes and a
/// control byte a slot, where a map of ids would copy every id. A binary search of the numbers
/// in id order read three pointers at each of its seventeen steps (at 50,000 records, 85 ms of
/// the checks' CPU).
#[derive(Debug)]
struct IdIndex {
    table: hashbrown::HashTable<u32>,
    keys: foldhash::fast::RandomState,
}

impl IdIndex {
    /// The numbers `first` (the first record of each id) of `records`.
    fn new(records: &[Arc<Record>], first: &[u32]) -> IdIndex {
        use std::hash::BuildHasher;
        let keys = foldhash::fast::RandomState::default();
        let mut table = hashbrown::HashTable::with_capacity(first.len());
        let hash = |i: &u32| keys.hash_one(records[*i as usize].id.as_str());
        for &i in first {
            table.insert_unique(hash(&i), i, hash);
        }
        IdIndex { table, keys }
    }

    fn find(&self, records: &[Arc<Record>], id: &str) -> Option<usize> {
        use std::hash::BuildHasher;
        self.table.find(self.keys.hash_one(id), |&i| records[i as usize].id == id).map(|&i| i as usize)
    }
}

/// The linked model.
#[derive(Debug)]
pub struct Corpus {
    /// All parsed records, in path order (shared with `serve`'s cache of parsed files).
    pub records: Vec<Arc<Record>>,
    /// The build date: validity is computed for it, and later publications are left out.
    pub as_of: Date,
    /// Record numbers in the order of their ids, the first record of each id (see
    /// [`Corpus::id_order`]).
    by_id: Vec<u32>,
    /// The same record numbers, found by their ids' hashes (see [`Corpus::index_of`]).
    ids: IdIndex,
    /// Whether each record reaches output.
    pub visible: Vec<bool>,
    /// Per record: visible records amending it.
    pub amended_by: Lists<Backlink>,
    /// Per record: visible records repealing it.
    pub repealed_by: Lists<Backlink>,
    /// Per record: visible interpretations of it.
    pub interpreted_by: Lists<usize>,
    /// Per record: visible drafts that became it.
    pub drafts: Lists<usize>,
    /// Per record: the draft whose adoption report it is.
    pub adoption_for: Lists<usize>,
    /// Per record: visible correction notices (更正) that put it right, oldest first.
    pub corrected_by: Lists<usize>,
    /// Per record: the visible issue that printed it.
    pub printed: Vec<Option<Printed>>,
    /// Per record: its timeline, by date: every change of state (the first: in force from the
    /// effective date) and every amendment, an amendment after a change of state on the same
    /// day. The state on a date is that of the last entry from on or before it.
    pub timelines: Lists<Change>,
    /// Per record: its state on the build date (asked for on every list a record appears in).
    current: Vec<Change>,
    /// Per record: its texts in date order, the current text last; empty when the record has no
    /// `versions/` folder.
    pub versions: Lists<Version>,
    /// Per record: every version file, by date, whatever the build date (for the checks).
    pub all_versions: Lists<Version>,
    /// Per record: files in its `versions/` folder whose names are not dates.
    pub bad_versions: Lists<String>,
    /// `versions/` folders that belong to no folder record (`<slug>/index.md`).
    pub orphan_versions: Vec<String>,
    /// Folders under `content/` holding a record's `index.md` (`""` for `content/index.md`): a
    /// file inside one belongs to that record alone, never to a record further up.
    pub folders: BTreeSet<String>,
    /// Commits per record file; `None` outside a git repository.
    pub history: History,
    /// Files (paths under `content/`) named by a record no reader sees on the build date (not
    /// publicly disclosed, or published later), with the record whose claim decides: a public
    /// record may not publish a withheld record's file, nor one a record published after it
    /// lists as its own (see [`Corpus::own_file`]). Files a record readers see lists are not here.
    pub private_files: BTreeMap<String, usize>,
    /// Per record: (effective, published) of every public amendment, published or not by the
    /// build date: the current text's date does not depend on `--as-of`.
    amendments: Lists<(Date, Date)>,
    /// Per record: the effective dates of the records amending it that are not publicly
    /// disclosed. A text dated by one is never shown (no reader may learn of the amendment from
    /// it): see [`Corpus::held_after_text`] and [`Corpus::known_on`].
    held: Lists<Date>,
    /// The SHA-256 of every record's id and file, in order (see [`Corpus::names_sum`]).
    names: std::sync::OnceLock<[u8; 32]>,
}

/// The day a text that is never shown is known on: later than any build.
const NEVER: Date = Date::LAST;

impl Corpus {
    /// Links `records` for the date `as_of`.
    pub fn build<R: Into<Arc<Record>>>(records: Vec<R>, as_of: Date, inputs: Inputs<'_>) -> Corpus {
        let records: Vec<Arc<Record>> = records.into_iter().map(Into::into).collect();
        let n = records.len();
        // Record numbers in the order of their ids, the first record of each id only: four bytes
        // a record where a map of ids would copy every id (at a national scale, 20 MB).
        // Sorted with each id beside its number: comparing through the records read three
        // pointers a comparison (at 50,000 records, 95 ms on one thread).
        let mut pairs: Vec<(&str, u32)> = records.iter().zip(0..).map(|(r, i)| (r.id.as_str(), i)).collect();
        pairs.par_sort_unstable();
        pairs.dedup_by(|b, a| a.0 == b.0);
        let by_id: Vec<u32> = pairs.into_iter().map(|(_, i)| i).collect();
        let ids = IdIndex::new(&records, &by_id);
        let visible: Vec<bool> =
            records.iter().map(|r| r.disclosure == Disclosure::Public && r.published <= as_of).collect();
        let mut c = Corpus {
            records,
            as_of,
            by_id,
            ids,
            visible,
            amended_by: Lists::default(),
            repealed_by: Lists::default(),
            interpreted_by: Lists::default(),
            drafts: Lists::default(),
            adoption_for: Lists::default(),
            corrected_by: Lists::default(),
            printed: vec![None; n],
            timelines: Lists::default(),
            current: Vec::new(),
            versions: Lists::default(),
            all_versions: Lists::default(),
            bad_versions: Lists::default(),
            orphan_versions: Vec::new(),
            folders: BTreeSet::new(),
            history: inputs.history,
            amendments: Lists::default(),
            held: Lists::default(),
            private_files: BTreeMap::new(),
            names: std::sync::OnceLock::new(),
        };
        // Every record no reader sees on the build date: a file a scheduled record names is
        // that record's until it is published, as a withheld record's is for good. Which claim
        // on a file decides: a withheld record's over a scheduled one's; of
        // scheduled records, one that lists it as its own (`attachments`, `pdf`) over one that
        // links it, then the one published first.
        let rank = |r: &Record, p: &str| (r.disclosure == Disclosure::Public, !lists_file(r, p), r.published);
        for (i, r) in c.records.iter().enumerate().filter(|&(i, _)| !c.visible[i]) {
            for (f, _) in named_files(r) {
                let Some(p) = resolve_file(&r.dir, f) else { continue };
                match c.private_files.entry(p) {
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(i);
                    }
                    std::collections::btree_map::Entry::Occupied(mut e) => {
                        if rank(r, e.key()) < rank(&c.records[*e.get()], e.key()) {
                            e.insert(i);
                        }
                    }
                }
            }
        }
        // A file a record readers see lists as its own is public already: a record published
        // later that lists it too does not make it its own.
        let scheduled = c.private_files.values().any(|&k| c.records[k].disclosure == Disclosure::Public);
        let published: Vec<String> = (0..n)
            .filter(|&i| scheduled && c.visible[i])
            .flat_map(|i| own_files(&c.records[i]))
            .filter(|p| c.private_files.get(p).is_some_and(|&k| c.records[k].disclosure == Disclosure::Public))
            .collect();
        for p in published {
            c.private_files.remove(&p);
        }
        let mut amendments = vec![Vec::new(); n];
        for r in c.records.iter().filter(|r| r.disclosure == Disclosure::Public) {
            for rel in &r.amends {
                if let Some(t) = c.index_of(&rel.target.id) {
                    amendments[t].push((rel.effective.unwrap_or(r.effective), r.published));
                }
            }
        }
        c.amendments = Lists::from(amendments);
        let mut held: Vec<Vec<Date>> = vec![Vec::new(); n];
        for r in c.records.iter().filter(|r| r.disclosure != Disclosure::Public) {
            for rel in &r.amends {
                if let Some(t) = c.index_of(&rel.target.id) {
                    held[t].push(rel.effective.unwrap_or(r.effective));
                }
            }
        }
        c.held = Lists::from(held);
        let (mut amended_by, mut repealed_by) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        let (mut interpreted_by, mut drafts, mut adoption_for, mut corrected_by) =
            (vec![Vec::new(); n], vec![Vec::new(); n], vec![Vec::new(); n], vec![Vec::new(); n]);
        for i in 0..n {
            if !c.visible[i] {
                continue;
            }
            let r = &c.records[i];
            for rel in &r.amends {
                if let Some(t) = c.lookup(&rel.target.id) {
                    amended_by[t].push(Backlink {
                        by: i,
                        effective: Some(rel.effective.unwrap_or(r.effective)),
                        note: rel.note.clone(),
                    });
                }
            }
            for rel in &r.repeals {
                if let Some(t) = c.lookup(&rel.target.id) {
                    repealed_by[t].push(Backlink {
                        by: i,
                        effective: Some(rel.effective.unwrap_or(r.effective)),
                        note: rel.note.clone(),
                    });
                }
            }
            if let Some(t) = r.interprets.as_ref().and_then(|x| c.lookup(&x.id)) {
                interpreted_by[t].push(i);
            }
            if let Some(t) = r.final_doc.as_ref().and_then(|x| c.lookup(&x.id)) {
                drafts[t].push(i);
            }
            if let Some(t) = r.comment.as_ref().and_then(|x| x.adoption.as_ref()).and_then(|x| c.lookup(&x.id)) {
                adoption_for[t].push(i);
            }
            let corrected: Vec<usize> = r.corrects.iter().filter_map(|x| c.lookup(&x.id)).collect();
            for t in corrected {
                corrected_by[t].push(i);
            }
            if let Some(issue) = &r.issue {
                for item in issue.sections.iter().flat_map(|s| &s.items) {
                    if let Some(t) = c.lookup(&item.doc.id) {
                        c.printed[t].get_or_insert(Printed { issue: i, page: item.page });
                    }
                }
            }
        }
        // Corrections in the order they were published.
        let records = &c.records;
        for v in &mut corrected_by {
            v.sort_by(|&a, &b| (records[a].published, &records[a].id).cmp(&(records[b].published, &records[b].id)));
        }
        c.amended_by = Lists::from(amended_by);
        c.repealed_by = Lists::from(repealed_by);
        c.interpreted_by = Lists::from(interpreted_by);
        c.drafts = Lists::from(drafts);
        c.adoption_for = Lists::from(adoption_for);
        c.corrected_by = Lists::from(corrected_by);
        // Each record's timeline reads only the relations linked above: one record per task.
        let (timelines, current): (Vec<Vec<Change>>, Vec<Change>) =
            (0..n).into_par_iter().map(|i| (c.compute_timeline(i), c.state_on(i, as_of))).unzip();
        (c.timelines, c.current) = (Lists::from(timelines), current);
        // Every record file found counts, parsed or not: a broken index.md still owns its folder.
        let record_files: Vec<&str> = match inputs.files {
            Some(files) => files.iter().map(String::as_str).filter(|f| crate::source::is_record_file(f)).collect(),
            None => c.records.iter().filter_map(|r| r.file.strip_prefix("content/")).collect(),
        };
        let folders: BTreeSet<String> = record_files
            .into_iter()
            .filter_map(|f| if f == "index.md" { Some("") } else { f.strip_suffix("/index.md") })
            .map(str::to_string)
            .collect();
        c.folders = folders;
        if let Some(files) = inputs.files {
            c.find_versions(files);
        }
        c
    }

    /// Versions live in `<folder>/versions/<YYYY-MM-DD>.md` beside a record's `index.md`. A
    /// site built as of a day shows the texts known on that day: a text dated by an amendment is
    /// known from the amendment's publication.
    fn find_versions(&mut self, files: &BTreeSet<String>) {
        let n = self.records.len();
        let (mut bad_versions, mut all_versions, mut versions) =
            (vec![Vec::new(); n], vec![Vec::new(); n], vec![Vec::new(); n]);
        let mut owned: BTreeSet<String> = BTreeSet::new();
        for i in 0..self.records.len() {
            let r = &self.records[i];
            if !r.file.ends_with("/index.md") {
                continue;
            }
            let prefix = format!("{}/versions/", r.dir);
            owned.insert(prefix.clone());
            let mut found = Vec::new();
            for f in files.range(prefix.clone()..).take_while(|f| f.starts_with(&prefix)) {
                let name = &f[prefix.len()..];
                match name.strip_suffix(".md").map(Date::parse) {
                    Some(Ok(date)) if !name.contains('/') => {
                        found.push(Version { date, file: Some(format!("content/{f}")) })
                    }
                    _ => bad_versions[i].push(format!("content/{f}")),
                }
            }
            if found.is_empty() {
                continue;
            }
            found.sort_by_key(|v| v.date);
            all_versions[i] = found.clone();
            let mut shown: Vec<Version> =
                found.into_iter().filter(|v| self.known_on(i, v.date) <= self.as_of).collect();
            let (date, known_on) = self.text_date_known(i);
            // A text that waits for an amendment no reader may see is never known.
            if known_on <= self.as_of && self.held_over(i, &all_versions[i]).is_none() {
                shown.push(Version { date, file: None });
            }
            versions[i] = shown;
        }
        (self.bad_versions, self.all_versions, self.versions) =
            (Lists::from(bad_versions), Lists::from(all_versions), Lists::from(versions));
        for f in files.iter().filter(|f| f.ends_with(".md")) {
            if let Some(at) = f.find("/versions/").or_else(|| f.starts_with("versions/").then_some(0)) {
                let prefix = if at == 0 { "versions/".to_string() } else { f[..at + "/versions/".len()].to_string() };
                if !owned.contains(&prefix) {
                    self.orphan_versions.push(format!("content/{f}"));
                }
            }
        }
    }

    /// The day a text dated `date` became known: the publication of the amendment that took
    /// effect that day, or the record's own publication for its first text.
    fn known_on(&self, i: usize, date: Date) -> Date {
        let r = &self.records[i];
        if date <= r.effective {
            return r.published;
        }
        let public = self.amendments[i].iter().filter(|(eff, _)| *eff == date).map(|(_, p)| *p).min();
        match public {
            Some(p) => p,
            // The text an amendment no reader may see made: never known.
            None if self.held[i].contains(&date) => NEVER,
            None => date,
        }
    }

    /// The effective date of an amendment of record `i` that is not publicly disclosed, takes
    /// effect after the text the public ones date, and whose record keeps that text in
    /// `versions/` (a file dated on or after it): the current text in `index.md` is then that
    /// amendment's, shown to no reader, and the earlier texts are dated before it. Without such
    /// a file, `index.md` holds the text the public amendments made, and is shown.
    pub fn held_after_text(&self, i: usize) -> Option<Date> {
        self.held_over(i, &self.all_versions[i])
    }

    /// [`Corpus::held_after_text`] over the record's version files `found`.
    fn held_over(&self, i: usize, found: &[Version]) -> Option<Date> {
        let text = self.text_date(i);
        let latest = self.held[i].iter().copied().max().filter(|&h| h > text)?;
        found.iter().any(|v| v.file.is_some() && v.date >= text).then_some(latest)
    }

    /// The first day of the record's current text: its effective date, or the latest amendment
    /// since then (in the corpus, or stated in `validity`).
    pub fn text_date(&self, i: usize) -> Date {
        self.text_date_known(i).0
    }

    /// [`Self::text_date`], and the day that date became known (the publication of the
    /// amendment that set it).
    fn text_date_known(&self, i: usize) -> (Date, Date) {
        let r = &self.records[i];
        let mut best = (r.effective, r.published);
        for &(eff, published) in &self.amendments[i] {
            if eff > best.0 {
                best = (eff, published);
            }
        }
        for s in r.stated.iter().filter(|s| s.state == Statement::Amended) {
            if s.since > best.0 {
                best = (s.since, r.published);
            }
        }
        best
    }

    /// Which of the record's texts applied on `date` (an index into `versions[i]`): the latest
    /// one that had begun, or the first.
    pub fn text_on(&self, i: usize, date: Date) -> Option<usize> {
        let v = &self.versions[i];
        if v.is_empty() {
            return None;
        }
        Some(v.iter().rposition(|x| x.date <= date).unwrap_or(0))
    }

    /// The file holding the text of record `i` that readers get on the build date (`None`: the
    /// record's own file): the text in force then, among those known then. The page, its
    /// description, feeds and data all take the text from here, so none of them can show an
    /// amendment's new text before the amendment is published.
    pub fn shown_file(&self, i: usize) -> Option<&str> {
        self.text_on(i, self.as_of).and_then(|k| self.versions[i][k].file.as_deref())
    }

    /// The commits that touched record `i`'s file up to the build date, newest first.
    pub fn commits(&self, i: usize) -> Option<Vec<&Commit>> {
        let h = self.history.as_ref()?;
        Some(h.get(&self.records[i].file).map_or(Vec::new(), |v| v.iter().filter(|c| c.date <= self.as_of).collect()))
    }

    /// Writes to `v` everything the corpus holds about record `i` beyond its source file: its
    /// visibility, relations both ways, where it was printed, its timeline and state, versions
    /// and history.
    /// Other records are named by their files, not their indexes, so that a record's view stays
    /// when records come or go before it in path order. Keep this in step with the per-record
    /// fields above: `serve` reuses a page when nothing it read changed.
    pub fn view(&self, i: usize, v: &mut impl std::fmt::Write) {
        let name = |j: usize| self.records.get(j).map_or("", |r| r.file.as_str());
        let r = &self.records[i];
        let _ = write!(v, "{}|{}|{}", r.sha256, r.file, self.visible[i]);
        for (tag, list) in [("amended", &self.amended_by), ("repealed", &self.repealed_by)] {
            let _ = write!(v, "|{tag}");
            for b in &list[i] {
                let _ = write!(v, ";{}@{:?}:{:?}", name(b.by), b.effective, b.note);
            }
        }
        for (tag, list) in [
            ("interpreted", &self.interpreted_by),
            ("drafts", &self.drafts),
            ("adoption", &self.adoption_for),
            ("corrected", &self.corrected_by),
        ] {
            let _ = write!(v, "|{tag}");
            for &j in &list[i] {
                let _ = write!(v, ";{}", name(j));
            }
        }
        if let Some(p) = self.printed[i] {
            let _ = write!(v, "|printed;{}@{:?}", name(p.issue), p.page);
        }
        let change = |v: &mut dyn std::fmt::Write, c: &Change| {
            let basis = c.basis.map_or("-", name);
            let _ = write!(v, ";{:?}:{:?}:{basis}:{:?}:{}", c.from, c.state, c.note, c.amendment);
        };
        let _ = v.write_str("|timeline");
        for c in &self.timelines[i] {
            change(v, c);
        }
        let _ = v.write_str("|current");
        change(v, &self.current[i]);
        let _ = write!(v, "|{:?}|{:?}|{:?}", &self.versions[i], &self.amendments[i], self.commits(i));
        // Which of the files it names it may publish, which other records decide (their
        // folders, and the files those not public name: see `own_file`), so a record that
        // comes or goes beside it changes this view. A folder record's earlier texts may name
        // files too: for it, every record folder and withheld file inside its own folder.
        for (f, _) in named_files(r) {
            let _ = write!(v, "|own;{f};{:?}", self.own_file(r, f));
        }
        if r.file.ends_with("/index.md") {
            let inside = if r.dir.is_empty() { String::new() } else { format!("{}/", r.dir) };
            for f in self.folders.range(inside.clone()..).take_while(|f| f.starts_with(&inside)) {
                let _ = write!(v, "|folder;{f}");
            }
            for (f, &k) in self.private_files.range(inside.clone()..).take_while(|(f, _)| f.starts_with(&inside)) {
                let _ = write!(v, "|withheld;{f};{}", name(k));
            }
        }
    }

    /// Every record's index in the order of their ids, ties (which only a corpus with a
    /// `duplicate-id` error has) by index: taken from the index of ids, not sorted again (at 50,000
    /// records, sorting by id for each of the three open-data tables took 74 ms of CPU in a
    /// profile of one rebuild).
    pub fn id_order(&self) -> Box<dyn Iterator<Item = usize> + '_> {
        if self.by_id.len() == self.records.len() {
            return Box::new(self.by_id.iter().map(|&i| i as usize));
        }
        let mut v: Vec<usize> = (0..self.records.len()).collect();
        v.sort_by(|&a, &b| self.records[a].id.cmp(&self.records[b].id).then(a.cmp(&b)));
        Box::new(v.into_iter())
    }

    /// The index of the first record with id `id`, visible or not.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.ids.find(&self.records, id)
    }

    /// The index of the *visible* record with id `id`.
    pub fn lookup(&self, id: &str) -> Option<usize> {
        self.index_of(id).filter(|&i| self.visible[i])
    }

    /// The files of records that are not publicly disclosed, relative to the site root: their
    /// sources and, for a record with its own folder, everything in the folder (given as the
    /// folder, ending in `/`), and for one without, everything in a folder named as it
    /// (`a/b.md`, `a/b/`). Messages about these files quote nothing of them.
    pub fn private_sources(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for r in self.records.iter().filter(|r| r.disclosure != Disclosure::Public) {
            out.insert(r.file.clone());
            if r.file.ends_with("/index.md") {
                out.insert(format!("content/{}/", r.dir));
            } else if let Some(stem) = r.file.strip_suffix(".md") {
                // A folder named as the record: whatever lies in it carries the record's id.
                out.insert(format!("{stem}/"));
            }
        }
        out
    }

    /// Puts `new` in the place of record `i`, a reading of the same file that only rewords its
    /// text ([`Record::rewords`]) or also gives it a new title or keywords
    /// ([`Record::redescribes`]) while neither title is that of another record of the same kind
    /// published the same day (`duplicate-title`, the one check across records that reads
    /// titles, would then find another thing): nothing the corpus derived changes, so nothing is
    /// linked again. Returns whether it did.
    pub fn reword(&mut self, i: usize, new: Arc<Record>) -> bool {
        let Some(old) = self.records.get(i) else { return false };
        if old.file != new.file {
            return false;
        }
        let taken = old.rewords(&new) || (old.redescribes(&new) && !self.title_taken(i, &new));
        if taken {
            self.records[i] = new;
        }
        taken
    }

    /// [`Corpus::reword`] for a reading of the same file that may also give the record a new
    /// signing date, numbers, genre or review ([`Record::restates`]): taken when a number it
    /// changes is held by no other record, before or after (the checks across records that read
    /// numbers then find nothing of it either way). No other record's checks read these fields,
    /// and nothing the corpus derived changes: what the checks find can differ only in what the
    /// checks of the record itself report (`check::per_record`), which is for the
    /// caller to ask after.
    ///
    /// The reading may also move the dates of the record's validity when no other record reads
    /// them and the record's own texts do not follow from them: it amends and repeals no
    /// record, none amends or repeals it (public or not), and it has no earlier texts. Its
    /// timeline and its state on the build date are then made again, and the state must stay,
    /// so that it stays in the same browse lists.
    ///
    /// It may also give the record other issuers or topics when every browse list it joins is
    /// one that another public record writes too ([`Corpus::lists_written_by_others`]). Nothing
    /// the corpus derives reads them; moving the record between the renderer's lists is for the
    /// caller (`site::Kept::regroup`).
    ///
    /// It may move the record's publication date when nothing but the record itself and its
    /// places in the lists by date read it ([`Corpus::publication_read_by_none`]); its timeline
    /// and state are then made again, as for its validity, and the state must stay. Moving it
    /// in the renderer's lists and order of the newest is for the caller too.
    ///
    /// Returns whether it took the reading; when not, the record is left as it was.
    pub fn restate(&mut self, i: usize, new: Arc<Record>) -> bool {
        let Some(old) = self.records.get(i).cloned() else { return false };
        if old.file != new.file || !old.restates(&new) || self.title_taken(i, &new) {
            return false;
        }
        let redated = old.published != new.published;
        let dated = old.effective != new.effective || old.expires != new.expires;
        if (dated && !self.dates_read_by_none(i))
            || (redated && !self.publication_read_by_none(i, &new))
            || !self.lists_written_by_others(i, &new)
        {
            return false;
        }
        // The timeline starts from the earlier of the publication and effective dates.
        let dated = dated || redated;
        let doc_number = |r: &Record| r.doc_number.as_ref().map(ToString::to_string);
        let index_no = |r: &Record| r.index_no.as_ref().map(|x| x.text.clone());
        let held =
            |number: &dyn Fn(&Record) -> Option<String>| {
                let (a, b) = (number(&old), number(&new));
                a != b
                    && self.records.iter().enumerate().any(|(j, r)| {
                        j != i && number(r).is_some_and(|n| Some(&n) == a.as_ref() || Some(&n) == b.as_ref())
                    })
            };
        if held(&doc_number) || held(&index_no) {
            return false;
        }
        // A new validity: the timeline and state made again, the old ones kept to put back.
        let was = dated.then(|| (self.timelines[i].to_vec(), self.current[i].clone()));
        self.records[i] = new;
        if dated {
            self.timelines.replace(i, self.compute_timeline(i));
            self.current[i] = self.state_on(i, self.as_of);
        }
        let moved = was.as_ref().is_some_and(|(_, state)| state.state != self.current[i].state);
        if moved {
            self.records[i] = old;
            if let Some((timeline, state)) = was {
                self.timelines.replace(i, timeline);
                self.current[i] = state;
            }
            return false;
        }
        true
    }

    /// Whether record `i`'s `effective` and `expires` are read by its own timeline alone: it
    /// amends and repeals no record, no record amends or repeals it or another of its id (public
    /// or not: the checks of one that is not read its dates too), and it has no earlier texts,
    /// whose dates and the current text's follow from them.
    fn dates_read_by_none(&self, i: usize) -> bool {
        let r = &self.records[i];
        r.amends.is_empty()
            && r.repeals.is_empty()
            && self.all_versions[i].is_empty()
            && self.versions[i].is_empty()
            && self.bad_versions[i].is_empty()
            && !self.records.iter().any(|o| o.amends.iter().chain(&o.repeals).any(|x| x.target.id == r.id))
    }

    /// Whether record `i`'s publication date, moved to `new`'s, is read by nothing but its own
    /// pages, rows, checks and timeline and its places in the lists by date (which the caller
    /// moves, `site::Kept::regroup`): it is no issue, readers see it before and after, it has
    /// no earlier texts (whose dates of becoming known follow from it), it names no record in
    /// its front matter, and none names it there (an interpretation, a correction, a draft and
    /// its adoption report are checked against each other's dates, and the records they name
    /// list them by date) but records that amend or repeal it (which read its effective date,
    /// not this one) and issues that carry it, each published on or after both its dates (an
    /// issue cannot carry a document published after it: `issue-date` finds nothing either
    /// way). A title it would share on its new day is for [`Corpus::title_taken`].
    ///
    /// The other readers of a date weigh a record readers do not see against one they do: the
    /// owner of a file two records name (`Corpus::own_file`), and a record in the folder of
    /// another (`check::kinds::inside_private`). Any date of a record seen by the build date
    /// is before that of any record scheduled after it, so what they find stays.
    fn publication_read_by_none(&self, i: usize, new: &Record) -> bool {
        let r = &self.records[i];
        let seen = new.disclosure == Disclosure::Public && new.published <= self.as_of;
        let latest = r.published.max(new.published);
        let reads = |(key, x): (&str, &crate::source::parse::Ref), o: &Record| {
            x.id == r.id
                && match key {
                    "amends" | "repeals" => false,
                    "sections.items.doc" => o.published < latest,
                    _ => true,
                }
        };
        self.visible[i]
            && seen
            && r.kind != Kind::Gazette
            && self.all_versions[i].is_empty()
            && self.versions[i].is_empty()
            && self.bad_versions[i].is_empty()
            && r.front_refs().next().is_none()
            && !self.records.iter().enumerate().any(|(j, o)| j != i && o.front_refs().any(|x| reads(x, o)))
    }

    /// Whether every browse list of issuers or topics that record `i` read as `new` joins is one
    /// that another public record joins too, as [`Record::lists_joined`] names them (gazette
    /// issues and catalogue entries join none): the check of what the build writes
    /// (`check::outputs`) takes those folders from there, so the paths the build writes are then
    /// the same before and after, and that check, which found nothing in the build that
    /// finished, finds nothing either. A list that only this record joined may go: that takes
    /// nothing the check found.
    fn lists_written_by_others(&self, i: usize, new: &Record) -> bool {
        let old = &self.records[i];
        if new.disclosure != Disclosure::Public {
            return true;
        }
        // A list is named by its facet and labels (its folder is made of them), so the other
        // records' lists are asked without making a folder for each.
        fn groups(r: &Record) -> Vec<(&'static str, Vec<&str>)> {
            let mut all = Vec::new();
            r.lists_joined(|facet, labels| all.push((facet, labels.to_vec())));
            all
        }
        let before = groups(old);
        let joined: Vec<_> = groups(new).into_iter().filter(|g| !before.contains(g)).collect();
        let joins = |r: &Record, (facet, labels): &(&'static str, Vec<&str>)| {
            let mut found = false;
            r.lists_joined(|f, l| found |= f == *facet && l == labels.as_slice());
            found
        };
        let others = || self.records.iter().enumerate().filter(|(j, r)| *j != i && r.disclosure == Disclosure::Public);
        joined.iter().all(|g| others().any(|(_, r)| joins(r, g)))
    }

    /// Whether record `i` read as `new` (or as it was) would share its title with another
    /// record of the same kind published the same day: `duplicate-title`, the one check across
    /// records that reads titles, would then find another thing.
    fn title_taken(&self, i: usize, new: &Record) -> bool {
        let old = &self.records[i];
        if old.title.trim() == new.title.trim() && old.published == new.published {
            return false;
        }
        let alike = |r: &Record| {
            r.kind == new.kind
                && ((r.published == new.published && r.title.trim() == new.title.trim())
                    || (r.published == old.published && r.title.trim() == old.title.trim()))
        };
        self.records.iter().enumerate().any(|(j, r)| j != i && alike(r))
    }

    /// The SHA-256 of every record's id and file, in order, each followed by a zero byte: what
    /// tells `serve`'s memo that the same records are in the same places. Made once per corpus
    /// (at 50,000 records, reading every record's two names took 6–10 ms of each rebuild); a
    /// record taken by [`Corpus::reword`] has the id and file it replaces.
    pub fn names_sum(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        *self.names.get_or_init(|| {
            let mut names = Vec::with_capacity(self.records.iter().map(|r| r.id.len() + r.file.len() + 2).sum());
            for r in &self.records {
                names.extend_from_slice(r.id.as_bytes());
                names.push(0);
                names.extend_from_slice(r.file.as_bytes());
                names.push(0);
            }
            Sha256::digest(&names).into()
        })
    }

    /// Indexes of visible records, in path order.
    pub fn visible_indexes(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.records.len()).filter(|&i| self.visible[i])
    }

    /// The events that may change record `i`'s state: (date, state, basis, note). Amendments
    /// are none of them (see [`Self::amendments_of`]).
    fn events(&self, i: usize) -> Vec<Change> {
        let r = &self.records[i];
        let change = |from, state, basis, note| Change { from, state, basis, note, amendment: false };
        let mut ev = vec![change(r.effective, State::InForce, None, None)];
        for b in &self.repealed_by[i] {
            ev.push(change(b.effective.unwrap_or(r.effective), State::Repealed, Some(b.by), b.note.clone()));
        }
        if let Some(x) = r.expires {
            ev.push(change(x.succ(), State::Lapsed, None, None));
        }
        if let Some((s, state)) = r.stated.as_ref().and_then(|s| Some((s, s.state.state()?))) {
            let (basis, note) = self.stated_basis(s);
            ev.push(change(s.since, state, basis, note));
        }
        ev
    }

    /// The basis of a statement in `validity`, as a visible record, and its note: a citation of
    /// a document outside the corpus goes in front of the note.
    fn stated_basis(&self, s: &crate::source::parse::StatedValidity) -> (Option<usize>, Option<String>) {
        let basis = s.basis.as_ref().and_then(|b| self.lookup(&b.id));
        let citation = self.citation(s).map(str::to_string);
        let note = match (&citation, &s.note) {
            (Some(c), Some(n)) => Some(format!("{c}；{n}")),
            (c, n) => c.clone().or_else(|| n.clone()),
        };
        (basis, note)
    }

    /// The basis of a statement in `validity` when it cites a document outside the corpus
    /// rather than naming a record.
    pub fn citation<'s>(&self, s: &'s crate::source::parse::StatedValidity) -> Option<&'s str> {
        s.basis
            .as_ref()
            .filter(|b| !crate::source::parse::basis_is_id(&b.id, self.index_of(&b.id).is_some()))
            .map(|b| b.id.as_str())
    }

    /// The amendments of record `i`'s text, by date: each visible amending record, and an
    /// amendment stated in `validity`, with the state each leaves in place.
    pub fn amendments_of(&self, i: usize) -> Vec<Change> {
        let r = &self.records[i];
        let mut out: Vec<Change> = self.amended_by[i]
            .iter()
            .map(|b| (b.effective.unwrap_or(r.effective), Some(b.by), b.note.clone()))
            .chain(r.stated.iter().filter(|s| s.state == Statement::Amended).map(|s| {
                let (basis, note) = self.stated_basis(s);
                (s.since, basis, note)
            }))
            .map(|(from, basis, note)| Change {
                from,
                state: self.state_on(i, from).state,
                basis,
                note,
                amendment: true,
            })
            .collect();
        out.sort_by_key(|c| (c.from, c.basis));
        // A stated amendment whose basis also `amends` the record on that day is the same one.
        out.dedup_by(|a, b| a.basis.is_some() && (a.from, a.basis) == (b.from, b.basis));
        out
    }

    /// The state of record `i` on `date`, with the change that put it there. This is the one
    /// definition of validity; the timeline and every page are derived from it.
    pub fn state_on(&self, i: usize, date: Date) -> Change {
        let r = &self.records[i];
        if date < r.effective {
            return Change {
                from: r.published.min(r.effective),
                state: State::NotYetInForce,
                basis: None,
                note: None,
                amendment: false,
            };
        }
        state_from_events(&self.events(i), date)
    }

    fn compute_timeline(&self, i: usize) -> Vec<Change> {
        let r = &self.records[i];
        let ev = self.events(i);
        let mut dates: Vec<Date> = ev.iter().map(|e| e.from).filter(|d| *d >= r.effective).collect();
        dates.sort();
        dates.dedup();
        let mut out: Vec<Change> = Vec::new();
        for d in dates {
            let c = state_from_events(&ev, d);
            if out.last().is_none_or(|l| (l.state, l.basis) != (c.state, c.basis)) {
                out.push(Change { from: d, ..c });
            }
        }
        out.extend(self.amendments_of(i));
        // Stable: on one day, the change of state comes before the amendment.
        out.sort_by_key(|c| (c.from, c.amendment));
        out
    }

    /// Record `i`'s changes of state, oldest first: its timeline without the amendments, which
    /// is all that a reader's browser needs to tell the state on any day.
    pub fn state_changes(&self, i: usize) -> impl Iterator<Item = &Change> {
        self.timelines[i].iter().filter(|c| !c.amendment)
    }

    /// The state on the build date.
    pub fn current(&self, i: usize) -> Change {
        self.current[i].clone()
    }

    /// Visible records of `kind`, newest publication first (ties by id), for lists.
    pub fn newest_first(&self, kind: Option<Kind>) -> Vec<usize> {
        // Sorted with each record's date and id beside it, in parallel: comparing through the
        // records read three pointers a comparison. Ties of date and id keep the order of paths.
        let mut v: Vec<(std::cmp::Reverse<Date>, &str, usize)> = self
            .visible_indexes()
            .filter(|&i| kind.is_none_or(|k| self.records[i].kind == k))
            .map(|i| self.newest_key(i))
            .collect();
        v.par_sort_unstable();
        v.into_iter().map(|(.., i)| i).collect()
    }

    /// What orders record `i` among the newest ([`Corpus::newest_first`]): the later publication
    /// first, then the id, then the order of paths.
    pub fn newest_key(&self, i: usize) -> (std::cmp::Reverse<Date>, &str, usize) {
        (std::cmp::Reverse(self.records[i].published), self.records[i].id.as_str(), i)
    }
}

/// Why a file named by a record cannot be published with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotOwn {
    /// It is outside the record's folder (`..`, an absolute path).
    Outside,
    /// It is the source of a record (this one's or another's), path under `content/`.
    Record(String),
    /// It is an earlier text in a `versions/` folder, path under `content/`.
    Version(String),
    /// It lies inside the folder of another record (`<folder>/index.md`).
    Foreign(String),
    /// A record that is not publicly disclosed names it too (its source file is given): a file
    /// a withheld record lists or links is that record's, whoever else links it.
    Private(String),
    /// A public record published after this one, and after the build date, lists it as its
    /// own (`attachments`, `pdf`; its source file is given): the file is that record's until
    /// it is published, or it would reach readers before the record does.
    Scheduled(String),
}

impl Corpus {
    /// The path under `content/` of file `f` named from record `r`, when the file is the
    /// record's own and may be published with it: inside the record's folder, not a record's
    /// source or an earlier text, with no other record's folder (see [`Corpus::folders`])
    /// between, and named by no record readers do not see on the build date. A file belongs to the
    /// nearest record only, so a public record cannot publish the text or the files of another,
    /// perhaps withheld, record that happens to sit beside or below it.
    pub fn own_file(&self, r: &Record, f: &str) -> Result<String, NotOwn> {
        let p = resolve_file(&r.dir, f).ok_or(NotOwn::Outside)?;
        if p.ends_with(".md") {
            return Err(if crate::source::is_record_file(&p) { NotOwn::Record(p) } else { NotOwn::Version(p) });
        }
        // A record that is not public publishes nothing and may share its files. Whatever the
        // build date, a public one may not name a withheld record's file, nor one of a record
        // published after it (that day's build would publish it early).
        if let Some(&k) = self.private_files.get(&p).filter(|_| r.disclosure == Disclosure::Public) {
            let other = &self.records[k];
            if other.disclosure != Disclosure::Public {
                return Err(NotOwn::Private(other.file.clone()));
            }
            // The file is the other record's own (it lists it, and this one does not), and
            // this one is published first. A file records only link is shared.
            if other.file != r.file && r.published < other.published && lists_file(other, &p) && !lists_file(r, &p) {
                return Err(NotOwn::Scheduled(other.file.clone()));
            }
        }
        let own = r
            .file
            .strip_prefix("content/")
            .and_then(|u| if u == "index.md" { Some("") } else { u.strip_suffix("/index.md") });
        let segs: Vec<&str> = p.split('/').collect();
        let start = if r.dir.is_empty() { 0 } else { r.dir.split('/').count() };
        // Each folder from the record's own down to the file's.
        for k in start..segs.len() {
            let folder = segs[..k].join("/");
            if own == Some(folder.as_str()) {
                if segs[k] == "versions" && k + 1 < segs.len() {
                    return Err(NotOwn::Version(p));
                }
            } else if self.folders.contains(&folder) {
                return Err(NotOwn::Foreign(folder));
            }
        }
        Ok(p)
    }
}

/// An attachment the browser would run as a page on the site's own origin, where its script could
/// act for any reader of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Active {
    /// HTML: published after the same cleaning as raw HTML in a text.
    Html,
    /// A type that runs script and cannot be cleaned meaningfully (SVG, XML and XSLT, MHTML,
    /// JavaScript, Flash): never published.
    Refused,
}

/// Extensions of [`Active::Html`] files.
const HTML_EXTENSIONS: &[&str] = &["html", "htm", "shtml"];
/// Extensions of [`Active::Refused`] files.
const REFUSED_EXTENSIONS: &[&str] =
    &["svg", "svgz", "xml", "xhtml", "xht", "xsl", "xslt", "mht", "mhtml", "js", "mjs", "swf"];

/// Whether file name `f` (as written, or percent-encoded) is an active type, by its extension
/// without regard to case. Trailing dots and spaces are ignored, as some servers drop them.
pub(crate) fn active_kind(f: &str) -> Option<Active> {
    let kind = |name: &str| {
        let name = name.trim_end_matches(['.', ' ']);
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        if REFUSED_EXTENSIONS.contains(&ext.as_str()) {
            Some(Active::Refused)
        } else if HTML_EXTENSIONS.contains(&ext.as_str()) {
            Some(Active::Html)
        } else {
            None
        }
    };
    let (a, b) = (kind(f), kind(&crate::markdown::percent_decode(f)));
    if a == Some(Active::Refused) || b == Some(Active::Refused) { Some(Active::Refused) } else { a.or(b) }
}

/// Every file record `r` names: listed attachments, the print edition, and files its text links
/// to (in Markdown or raw HTML), as written.
pub(crate) fn named_files(r: &Record) -> impl Iterator<Item = (&str, crate::model::diag::Pos)> {
    let listed = r.attachments.iter().map(|a| (a.file.as_str(), a.pos));
    let pdf = r.issue.iter().filter_map(|i| i.pdf.as_ref()).map(|a| (a.file.as_str(), a.pos));
    let linked = r.body.links.iter().filter_map(|l| match &l.target {
        crate::markdown::Target::File(f) => Some((f.as_str(), l.pos)),
        crate::markdown::Target::Record(_) => None,
    });
    listed.chain(pdf).chain(linked)
}

/// Whether record `r` lists the file at `p` (a path under `content/`) as its own: among its
/// `attachments`, or as its issue's `pdf`.
fn lists_file(r: &Record, p: &str) -> bool {
    own_files(r).any(|f| f == p)
}

/// The files record `r` lists as its own (`attachments`, its issue's `pdf`), as paths under
/// `content/`.
fn own_files(r: &Record) -> impl Iterator<Item = String> + '_ {
    let pdf = r.issue.iter().filter_map(|x| x.pdf.as_ref()).map(|a| a.file.as_str());
    r.attachments.iter().map(|a| a.file.as_str()).chain(pdf).filter_map(|f| resolve_file(&r.dir, f))
}

/// The path under `content/` of file `f` named from a record in folder `dir`, or `None` when it
/// would leave that folder. Empty and `.` segments are dropped, so every spelling of a path
/// gives one result.
pub fn resolve_file(dir: &str, f: &str) -> Option<String> {
    if f.is_empty() || f.starts_with('/') || f.starts_with('\\') || f.contains('\\') || crate::markdown::has_scheme(f) {
        return None;
    }
    let mut parts: Vec<&str> = if dir.is_empty() { Vec::new() } else { dir.split('/').collect() };
    let depth = parts.len();
    for seg in f.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s => parts.push(s),
        }
    }
    (parts.len() > depth).then(|| parts.join("/"))
}

/// Repealed outranks lapsed, which outranks partly lapsed, then in force: a repealed document
/// stays repealed whatever else happens later.
fn rank(s: State) -> u8 {
    match s {
        State::NotYetInForce => 0,
        State::InForce => 1,
        State::PartlyLapsed => 2,
        State::Lapsed => 3,
        State::Repealed => 4,
    }
}

fn state_from_events(ev: &[Change], date: Date) -> Change {
    let mut best: Option<&Change> = None;
    for e in ev.iter().filter(|e| e.from <= date && e.state != State::NotYetInForce) {
        best = match best {
            None => Some(e),
            Some(b) if (rank(e.state), e.from) > (rank(b.state), b.from) => Some(e),
            keep => keep,
        };
    }
    best.cloned().unwrap_or(Change { from: date, state: State::InForce, basis: None, note: None, amendment: false })
}

#[cfg(test)]
mod tests {
    use super::{Lists, resolve_file};

    #[test]
    fn a_list_replaced_moves_the_lists_after_it() {
        let mut l = Lists::from(vec![vec![1], vec![2, 3], vec![], vec![4]]);
        l.replace(1, vec![5, 6, 7]);
        l.replace(2, vec![8]);
        l.replace(0, vec![]);
        l.replace(3, vec![9, 10]);
        let all: Vec<Vec<i32>> = (0..l.len()).map(|i| l[i].to_vec()).collect();
        assert_eq!(all, vec![vec![], vec![5, 6, 7], vec![8], vec![9, 10]]);
    }

    #[test]
    fn files_stay_inside_the_record_folder() {
        assert_eq!(resolve_file("a/b", "x.csv").as_deref(), Some("a/b/x.csv"));
        assert_eq!(resolve_file("a/b", "./sub/x.csv").as_deref(), Some("a/b/sub/x.csv"));
        assert_eq!(resolve_file("a/b", ".//sub//x.csv").as_deref(), Some("a/b/sub/x.csv"));
        assert_eq!(resolve_file("a/b", "../x.csv"), None);
        assert_eq!(resolve_file("a/b", "/etc/passwd"), None);
        assert_eq!(resolve_file("", "x.csv").as_deref(), Some("x.csv"));
        assert_eq!(resolve_file("a", "."), None);
    }
}
