//! Work remembered between the rebuilds of one `serve` session, so that an edit re-renders only
//! what depends on it.
//!
//! While a page's context or an open-data row is made, every record it reads is noted (see
//! `touch`; the renderer's accessors call it), and so is a look-up of an id no record has
//! ([`missed`]). Each record has a *view*, the checksum of its source and of all the corpus
//! holds about it ([`crate::corpus::Corpus::view`]). On the next rebuild a remembered result is
//! still good when the settings, theme and build date are the same, the job is the same, no
//! record it read has a new view or is gone, and, if it looked up an id no record had, the
//! records' ids and files are the same: whatever else changed cannot reach it. Records are
//! known by their files from one build to the next: when records come or go, what is
//! remembered is moved to the records' new places ([`Memo::begin`]), so that a record added
//! remakes what it reaches, not the site. Pages that show the order of all records (the home
//! page, the browse and issue indexes) are always made anew; a list page's identity includes
//! the records on it, and an issue page's the issues before and after it, so a record joining
//! or leaving is seen.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(crate) type Sum = [u8; 32];

thread_local! {
    /// The records read by the work under way on this thread, when it is being recorded.
    static READS: RefCell<Option<Vec<usize>>> = const { RefCell::new(None) };
}

/// Notes that the work under way read record `i`.
pub(crate) fn touch(i: usize) {
    READS.with(|r| {
        if let Some(v) = r.borrow_mut().as_mut() {
            v.push(i);
        }
    });
}

/// What a result read when it looked up an id that no record had ([`missed`]): it is good only
/// while the records' ids and files stay as they were. Sorted after every record.
pub(crate) const MISSED: usize = usize::MAX;

/// Notes that the work under way looked up an id that no record has: a record added with that
/// id later would change it.
pub(crate) fn missed() {
    touch(MISSED);
}

/// Runs `f` and returns its result with the records it read, sorted.
pub(crate) fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<usize>) {
    let outer = READS.with(|r| r.replace(Some(Vec::new())));
    let out = f();
    let mut reads = READS.with(|r| r.replace(outer)).unwrap_or_default();
    reads.sort_unstable();
    reads.dedup();
    (out, reads)
}

/// A remembered page: what it read, its output path and fingerprint, and the last build at which
/// the records it read still had the views it was made with.
struct Page {
    reads: Arc<[usize]>,
    path: String,
    fingerprint: [u8; 32],
    seen: u64,
}

/// A remembered open-data row, with the SHA-256 of its bytes (which stands for the row when a
/// table is fingerprinted: see `Renderer::prepare`).
struct Row {
    reads: Box<[usize]>,
    bytes: Arc<[u8]>,
    digest: Sum,
    seen: u64,
}

/// A row's bytes and their SHA-256.
pub(crate) type KeptRow = (Arc<[u8]>, Sum);

/// One table's remembered rows, by record, with which rows read each record, and the table as
/// last made from them.
#[derive(Default)]
struct TableRows {
    rows: Vec<Option<Row>>,
    /// By record, the rows that read it (not [`MISSED`]), kept with the rows; `None` after
    /// records came or went, until the table is next made whole ([`Memo::remember_table`]).
    readers: Option<Vec<Vec<u32>>>,
    last: Option<LastTable>,
}

/// A table as the last build made it, whole.
struct LastTable {
    /// Its records, in order, and each record's place among them.
    docs: Vec<usize>,
    place: HashMap<usize, u32>,
    table: super::data::Recorded,
    /// The build at which every row of it was good.
    made: u64,
}

impl TableRows {
    /// Keeps row `i`, noting what it read in the readers.
    fn put(&mut self, i: usize, row: Row) {
        if self.rows.len() <= i {
            self.rows.resize_with(i + 1, || None);
        }
        let old = self.rows[i].replace(row);
        if let Some(readers) = self.readers.as_mut() {
            for &r in old.iter().flat_map(|o| o.reads.iter()).filter(|&&r| r != MISSED) {
                if let Some(by) = readers.get_mut(r) {
                    by.retain(|&x| x as usize != i);
                }
            }
            read_by(readers, i, self.rows[i].as_ref());
        }
    }
}

/// Notes in `readers` that row `i` reads what `row` read.
fn read_by(readers: &mut Vec<Vec<u32>>, i: usize, row: Option<&Row>) {
    for &r in row.iter().flat_map(|n| n.reads.iter()).filter(|&&r| r != MISSED) {
        if readers.len() <= r {
            readers.resize_with(r + 1, Vec::new);
        }
        readers[r].push(i as u32);
    }
}

/// A table as this session last wrote it, so that its SHA-256 can be taken up where its new
/// file first differs rather than from its first byte (see `emit::Staging::write_table`).
#[derive(Clone, Default)]
pub(crate) struct Marks {
    /// The table, as its pieces.
    pub(crate) table: super::data::Recorded,
    /// The state of the file's SHA-256 at some boundaries between pieces, in order.
    pub(crate) at: Vec<Mark>,
    /// The file's SHA-256.
    pub(crate) sha256: Sum,
}

/// The state of a table's SHA-256 before one of its pieces.
#[derive(Clone)]
pub(crate) struct Mark {
    /// The piece, and where it starts in the file.
    pub(crate) piece: usize,
    pub(crate) bytes: u64,
    /// The SHA-256 of the file's bytes before it.
    pub(crate) state: sha2::Sha256,
}

/// Which records have a new view since a build: by record, the last build whose view of it
/// differed from the build's before. A result made (or found still good) at build `seen` is still
/// good when no record it read changed after `seen`. Views that change and change back count as
/// changed: the result is made again, never wrongly kept. Comparing a page's reads with these
/// numbers costs a few loads; hashing its reads with their views again, as a key, cost a
/// SHA-256 per page and 0.17 s of CPU per rebuild at 50,000 records.
#[derive(Clone, Default)]
pub(crate) struct Changes {
    /// This build's number.
    pub(crate) now: u64,
    changed: Arc<Vec<u64>>,
    /// The last build whose records had other ids or files than the build's before.
    renamed: u64,
}

impl Changes {
    /// Whether a result made or found good at build `seen`, which read `reads`, is still good.
    pub(crate) fn fresh(&self, reads: &[usize], seen: u64) -> bool {
        reads.iter().all(|&i| match i {
            MISSED => self.renamed <= seen,
            i => self.changed.get(i).is_some_and(|&c| c <= seen),
        })
    }

    /// The records whose view changed after build `seen`: every result found good at `seen`
    /// that read none of them is still good.
    pub(crate) fn since(&self, seen: u64) -> impl Iterator<Item = usize> + '_ {
        self.changed.iter().enumerate().filter(move |&(_, &c)| c > seen).map(|(i, _)| i)
    }
}

#[derive(Default)]
struct State {
    /// What every remembered result depends on: settings, theme, build date.
    base: Sum,
    /// The records' ids and files, as [`crate::corpus::Corpus::names_sum`] sums them, and their
    /// files, by record.
    names: (Sum, Vec<String>),
    /// Per record, its view at this build.
    views: Vec<Sum>,
    /// This build's number and the records' changes.
    changes: Changes,
    pages: HashMap<String, Page>,
    /// How many remembered pages were moved to their records' new places, rather than
    /// forgotten, when records last came or went.
    moved: usize,
    /// By table, then by record: a table asks for every row at each rebuild, and an index
    /// costs a load where a hashed key cost 13 ms a table at 50,000 records. Each table has a
    /// lock of its own: `serve` makes the tables at once, and under one lock for all, the rows
    /// of `documents.json` waited for those of `documents.csv` (its rows 11–17 ms, 7–11 alone).
    rows: Vec<Arc<Mutex<TableRows>>>,
    /// What the search index keeps between builds ([`super::search::Kept`]).
    search: Option<Box<super::search::Kept>>,
    /// When records came or went at this build: the sums of the last build's names and of this
    /// one's, and where the records went.
    places: Option<(Sum, Sum, Arc<Places>)>,
    /// The tables' marks, by output path.
    marks: HashMap<String, Marks>,
}

/// Where the records of the last build are in this one, and where this one's were.
pub(crate) struct Places {
    /// By record of the last build, its place now ([`GONE`] when it is gone).
    to: Vec<usize>,
    /// By record of this build, its place in the last one.
    from: Vec<Option<usize>>,
}

/// The place now of a record that is gone.
const GONE: usize = usize::MAX - 1;

impl Places {
    /// The places of `n` records that all stayed where they were.
    pub(crate) fn same(n: usize) -> Places {
        Places { to: (0..n).collect(), from: (0..n).map(Some).collect() }
    }

    /// The place now of the last build's record `i`, unless it is gone.
    pub(crate) fn place(&self, i: usize) -> Option<usize> {
        self.to.get(i).copied().filter(|&j| j != GONE)
    }

    /// How many records there are now.
    pub(crate) fn records(&self) -> usize {
        self.from.len()
    }

    /// Moves `reads` to the records' new places, sorted; `false` when one of them is gone (what
    /// read it is then forgotten). Reads of records that are all where they were are left as
    /// they are, without a new list.
    pub(crate) fn follow<R: AsRef<[usize]> + From<Vec<usize>>>(&self, reads: &mut R) -> bool {
        let all = reads.as_ref();
        if all.iter().all(|&i| i == MISSED || self.to.get(i) == Some(&i)) {
            return true;
        }
        let now: Option<Vec<usize>> = all
            .iter()
            .map(|&i| match i {
                MISSED => Some(MISSED),
                i => self.place(i),
            })
            .collect();
        let Some(mut now) = now else { return false };
        now.sort_unstable();
        *reads = now.into();
        true
    }
}

impl State {
    /// Moves what is remembered from the places of the last build's records (`self.names.1`) to
    /// those of the records of `files`: a result that read a record now gone is forgotten.
    /// Records are known by their files (no two have one); one with a new id has a new view.
    fn moved(&mut self, files: &[String]) -> Places {
        let now: HashMap<&str, usize> = files.iter().enumerate().map(|(j, f)| (f.as_str(), j)).collect();
        let to: Vec<usize> = self.names.1.iter().map(|f| now.get(f.as_str()).copied().unwrap_or(GONE)).collect();
        let mut from = vec![None; files.len()];
        for (k, &j) in to.iter().enumerate() {
            if j != GONE {
                from[j] = Some(k);
            }
        }
        let places = Places { to, from };
        self.pages.retain(|_, p| places.follow(&mut p.reads));
        self.moved = self.pages.len();
        for table in &self.rows {
            let Ok(mut table) = table.lock() else { continue };
            table.readers = None;
            table.last = None;
            let table = &mut table.rows;
            let mut moved: Vec<Option<Row>> = Vec::new();
            moved.resize_with(files.len(), || None);
            for (k, row) in std::mem::take(table).into_iter().enumerate() {
                let (Some(mut row), Some(j)) = (row, places.place(k)) else { continue };
                if places.follow(&mut row.reads) {
                    moved[j] = Some(row);
                }
            }
            *table = moved;
        }
        if let Some(k) = self.search.as_mut() {
            k.moved(&places);
        }
        places
    }
}

/// Pages and rows of earlier builds in this process, by job.
#[derive(Default)]
pub struct Memo {
    state: Mutex<State>,
}

impl Memo {
    /// Starts a build: forgets everything if `base` changed, and notes which records have a new
    /// view. `names` are the records' ids and files summed, and a way to have their files: when
    /// the sum differs from the last build's, records came, went or were renamed, and what is
    /// remembered is moved to the records' new places (see `State::moved`).
    pub(crate) fn begin(&self, base: Sum, names: (Sum, &dyn Fn() -> Vec<String>), views: Vec<Sum>) {
        if let Ok(mut s) = self.state.lock() {
            let now = s.changes.now + 1;
            let mut renamed = s.changes.renamed;
            let changed: Vec<u64> = if s.base != base {
                let kept = s.changes.now;
                *s = State { base, names: (names.0, names.1()), ..State::default() };
                s.changes.now = kept;
                vec![now; views.len()]
            } else {
                let places = (s.names.0 != names.0).then(|| {
                    let files = names.1();
                    let places = Arc::new(s.moved(&files));
                    let was = std::mem::replace(&mut s.names, (names.0, files)).0;
                    renamed = now;
                    (was, places)
                });
                s.places = places.as_ref().map(|(was, p)| (*was, names.0, p.clone()));
                let places = places.map(|(_, p)| p);
                let before = &s.changes.changed;
                let was = |i: usize| match &places {
                    Some(p) => p.from.get(i).copied().flatten(),
                    None => Some(i),
                };
                views
                    .iter()
                    .enumerate()
                    .map(|(i, v)| match was(i).and_then(|k| Some((s.views.get(k)?, before.get(k)?))) {
                        Some((old, &at)) if old == v => at,
                        _ => now,
                    })
                    .collect()
            };
            s.views = views;
            s.changes = Changes { now, changed: Arc::new(changed), renamed };
        }
    }

    /// The records' views at the last build, when it was made under `base` with the same records
    /// (`names`, as summed for [`Memo::begin`]).
    pub(crate) fn views_under(&self, base: &Sum, names: &Sum) -> Option<Vec<Sum>> {
        let s = self.state.lock().ok()?;
        (s.base == *base && s.names.0 == *names && s.changes.now > 0).then(|| s.views.clone())
    }

    /// Where the records of a build whose ids and files summed to `was` are now, when records
    /// came or went at the build that began last, from that build's records to those summing to
    /// `now`.
    pub(crate) fn places(&self, was: &Sum, now: &Sum) -> Option<Arc<Places>> {
        let s = self.state.lock().ok()?;
        let (from, to, places) = s.places.as_ref()?;
        (from == was && to == now).then(|| places.clone())
    }

    /// How many remembered pages were kept, at their records' new places, when records last came
    /// or went (see [`Memo::begin`]).
    pub fn pages_moved(&self) -> usize {
        self.state.lock().map_or(0, |s| s.moved)
    }

    /// How many documents the search index's state kept for the next build holds (see
    /// [`Memo::keep_search`]).
    pub fn search_docs_kept(&self) -> usize {
        self.state.lock().map_or(0, |s| s.search.as_ref().map_or(0, |k| k.docs_kept()))
    }

    /// How many rebuilds changed the search index's lists in place at numbers another document
    /// took (a publication date changed; see `search::Kept::renumbered`).
    pub fn search_renumbered(&self) -> usize {
        self.state.lock().map_or(0, |s| s.search.as_ref().map_or(0, |k| k.renumbered()))
    }

    /// This build's number and which records changed when.
    pub(crate) fn changes(&self) -> Changes {
        self.state.lock().map(|s| s.changes.clone()).unwrap_or_default()
    }

    /// Takes what the search index kept at the last build under the same base.
    pub(crate) fn take_search(&self) -> Option<Box<super::search::Kept>> {
        self.state.lock().ok()?.search.take()
    }

    /// Keeps the search index's state for the next build.
    pub(crate) fn keep_search(&self, kept: Box<super::search::Kept>) {
        if let Ok(mut s) = self.state.lock() {
            s.search = Some(kept);
        }
    }

    /// Takes the marks of the table at `path` as last written.
    pub(crate) fn take_marks(&self, path: &str) -> Option<Marks> {
        self.state.lock().ok()?.marks.remove(path)
    }

    /// Keeps the marks of the table just written at `path`.
    pub(crate) fn keep_marks(&self, path: &str, marks: Marks) {
        if let Ok(mut s) = self.state.lock() {
            s.marks.insert(path.to_string(), marks);
        }
    }

    /// The output path and fingerprint of the page `identity` when nothing it read has changed,
    /// with what it read.
    pub(crate) fn page(&self, identity: &str) -> Option<(String, [u8; 32], Arc<[usize]>)> {
        let mut s = self.state.lock().ok()?;
        let State { changes, pages, .. } = &mut *s;
        let p = pages.get_mut(identity)?;
        changes.fresh(&p.reads, p.seen).then(|| {
            p.seen = changes.now;
            (p.path.clone(), p.fingerprint, p.reads.clone())
        })
    }

    /// Remembers a page made now, which read `reads`.
    pub(crate) fn put_page(&self, identity: &str, reads: Arc<[usize]>, path: &str, fingerprint: &[u8; 32]) {
        if let Ok(mut s) = self.state.lock() {
            let seen = s.changes.now;
            s.pages
                .insert(identity.to_string(), Page { reads, path: path.to_string(), fingerprint: *fingerprint, seen });
        }
    }

    /// The remembered rows `chunk` of table `table` that nothing changed since, looked up under
    /// one lock for the chunk, not one per row: a table has a row per record, and every rebuild
    /// asks for all of them.
    fn kept_rows(&self, table: u8, chunk: &[usize]) -> Vec<Option<KeptRow>> {
        let Some((rows, changes)) = self.table(table) else { return vec![None; chunk.len()] };
        let Ok(mut rows) = rows.lock() else { return vec![None; chunk.len()] };
        chunk
            .iter()
            .map(|&i| {
                let r = rows.rows.get_mut(i)?.as_mut().filter(|r| changes.fresh(&r.reads, r.seen))?;
                r.seen = changes.now;
                Some((r.bytes.clone(), r.digest))
            })
            .collect()
    }

    /// Table `table`'s rows, with this build's changes, taken under the memo's lock and used
    /// under the table's own.
    fn table(&self, table: u8) -> Option<(Arc<Mutex<TableRows>>, Changes)> {
        let mut s = self.state.lock().ok()?;
        let table = usize::from(table);
        if s.rows.len() <= table {
            s.rows.resize_with(table + 1, Default::default);
        }
        Some((s.rows[table].clone(), s.changes.clone()))
    }

    /// Row `i` made now by `make`, with what it read.
    fn make_row(i: usize, make: impl FnOnce() -> Vec<u8>) -> (KeptRow, Vec<usize>) {
        use sha2::Digest;
        let (bytes, reads) = recording(|| {
            touch(i);
            make()
        });
        let digest: Sum = sha2::Sha256::digest(&bytes).into();
        ((Arc::from(bytes), digest), reads)
    }

    /// Remembers rows of table `table` made now, by record.
    fn keep_rows(&self, table: u8, made: impl Iterator<Item = (usize, KeptRow, Vec<usize>)>) {
        let Some((rows, changes)) = self.table(table) else { return };
        let Ok(mut rows) = rows.lock() else { return };
        for (i, (bytes, digest), reads) in made {
            rows.put(i, Row { reads: reads.into_boxed_slice(), bytes, digest, seen: changes.now });
        }
    }

    /// Table `table` made whole anew, of the rows of `docs` in order, kept for the next build
    /// ([`Memo::table_again`]); the readers are found again when records came or went.
    pub(crate) fn remember_table(&self, table: u8, docs: Vec<usize>, made: &super::data::Recorded) {
        let Some((rows, changes)) = self.table(table) else { return };
        let Ok(mut rows) = rows.lock() else { return };
        if rows.readers.is_none() {
            let mut readers: Vec<Vec<u32>> = Vec::new();
            for (i, row) in rows.rows.iter().enumerate() {
                read_by(&mut readers, i, row.as_ref());
            }
            rows.readers = Some(readers);
        }
        let place = docs.iter().enumerate().map(|(p, &i)| (i, p as u32)).collect();
        rows.last = Some(LastTable { docs, place, table: made.clone(), made: changes.now });
    }

    /// Table `table` of the rows of `docs`, when the last build made it of the same records in
    /// the same order and few of its rows read a record that changed since: the last table,
    /// sharing its unchanged pieces, with those rows made again by `make` put in their places.
    /// Its own bytes (head, separators, end) are the last table's: they depend on the records
    /// listed and on the settings and build date, under which the memo began anew.
    pub(crate) fn table_again(
        &self,
        table: u8,
        docs: &[usize],
        make: &(dyn Fn(usize) -> Vec<u8> + Sync),
    ) -> Option<super::data::Recorded> {
        let (rows, changes) = self.table(table)?;
        let (mut made, stale) = {
            let kept = rows.lock().ok()?;
            let (last, readers) = (kept.last.as_ref()?, kept.readers.as_ref()?);
            if last.docs != docs || changes.renamed > last.made {
                return None;
            }
            let mut stale: Vec<(usize, u32)> = changes
                .since(last.made)
                .flat_map(|c| readers.get(c).into_iter().flatten())
                .filter_map(|&i| Some((i as usize, *last.place.get(&(i as usize))?)))
                .collect();
            stale.sort_unstable();
            stale.dedup();
            if stale.len() * 16 > docs.len().max(16) {
                return None;
            }
            (last.table.clone(), stale)
        };
        // Each read a record that changed since: none is found good, each is made and kept.
        let records: Vec<usize> = stale.iter().map(|&(i, _)| i).collect();
        for (&(_, at), row) in stale.iter().zip(self.rows(table, &records, &make)) {
            // The first piece holds the table's head before its row: row `at` is piece `at`.
            made.replace(at as usize, row);
        }
        if let Ok(mut kept) = rows.lock()
            && let Some(last) = kept.last.as_mut()
        {
            last.table = made.clone();
            last.made = changes.now;
        }
        Some(made)
    }

    /// Rows `chunk` of table `table`, in order, each made by `make` (in parallel) unless nothing
    /// it read has changed.
    pub(crate) fn rows(&self, table: u8, chunk: &[usize], make: &(impl Fn(usize) -> Vec<u8> + Sync)) -> Vec<KeptRow> {
        use rayon::prelude::*;
        let mut got = self.kept_rows(table, chunk);
        let missing: Vec<usize> = (0..chunk.len()).filter(|&k| got[k].is_none()).collect();
        let made: Vec<(KeptRow, Vec<usize>)> =
            missing.par_iter().map(|&k| Memo::make_row(chunk[k], || make(chunk[k]))).collect();
        for (&k, (row, _)) in missing.iter().zip(&made) {
            got[k] = Some(row.clone());
        }
        self.keep_rows(table, missing.iter().zip(made).map(|(&k, (row, reads))| (chunk[k], row, reads)));
        got.into_iter().flatten().collect()
    }

    /// Row `i` of table `table`, made by `make` unless nothing it read has changed.
    pub(crate) fn row(&self, table: u8, i: usize, make: impl FnOnce() -> Vec<u8>) -> Arc<[u8]> {
        if let Some(Some((bytes, _))) = self.kept_rows(table, &[i]).pop() {
            return bytes;
        }
        let (row, reads) = Memo::make_row(i, make);
        self.keep_rows(table, std::iter::once((i, row.clone(), reads)));
        row.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same records at every build.
    const NAMES: (Sum, &dyn Fn() -> Vec<String>) = ([0; 32], &Vec::new);

    #[test]
    fn reads_are_recorded_per_scope() {
        touch(7); // not recording: ignored
        let ((), outer) = recording(|| {
            touch(3);
            let ((), inner) = recording(|| touch(5));
            assert_eq!(inner, [5]);
            touch(1);
            touch(3);
        });
        assert_eq!(outer, [1, 3]);
    }

    #[test]
    fn a_page_is_good_until_a_record_it_read_changes() {
        let m = Memo::default();
        m.begin([1; 32], NAMES, vec![[0; 32], [0; 32], [0; 32]]);
        m.put_page("doc 0", vec![0, 2].into(), "docs/a/index.html", &[1; 32]);
        assert_eq!(m.page("doc 0"), Some(("docs/a/index.html".into(), [1; 32], vec![0, 2].into())));
        m.begin([1; 32], NAMES, vec![[0; 32], [9; 32], [0; 32]]);
        assert!(m.page("doc 0").is_some(), "record 1 was not read");
        m.begin([1; 32], NAMES, vec![[0; 32], [9; 32], [9; 32]]);
        assert_eq!(m.page("doc 0"), None, "record 2 was read");
        m.put_page("doc 0", vec![0, 2].into(), "docs/a/index.html", &[2; 32]);
        m.begin([2; 32], NAMES, vec![[0; 32], [9; 32], [9; 32]]);
        assert_eq!(m.page("doc 0"), None, "new settings forget everything");
    }

    #[test]
    fn what_is_remembered_follows_records_that_come_and_go() {
        let m = Memo::default();
        let files = |names: &'static [&'static str]| move || names.iter().map(|n| n.to_string()).collect();
        let (abc, xabc, xac) = (files(&["a", "b", "c"]), files(&["x", "a", "b", "c"]), files(&["x", "a", "c"]));
        m.begin([1; 32], ([1; 32], &abc), vec![[0; 32], [1; 32], [2; 32]]);
        m.put_page("page of c", vec![2].into(), "c.html", &[1; 32]);
        m.put_page("page reading b and c", vec![1, 2].into(), "bc.html", &[1; 32]);
        m.put_page("page that missed an id", vec![0, MISSED].into(), "m.html", &[1; 32]);
        // A record added before the others: each result moves with what it read.
        m.begin([1; 32], ([2; 32], &xabc), vec![[9; 32], [0; 32], [1; 32], [2; 32]]);
        assert_eq!(m.page("page of c"), Some(("c.html".into(), [1; 32], vec![3].into())));
        assert_eq!(m.page("page reading b and c").map(|p| p.2), Some(vec![2, 3].into()));
        assert_eq!(m.page("page that missed an id"), None, "the id may be the new record's");
        // A record gone: what read it is forgotten; a record with a new view is not good either.
        m.begin([1; 32], ([3; 32], &xac), vec![[9; 32], [0; 32], [2; 32]]);
        assert_eq!(m.page("page reading b and c"), None);
        assert_eq!(m.page("page of c").map(|p| p.2), Some(vec![2].into()));
        m.begin([1; 32], ([3; 32], &xac), vec![[9; 32], [0; 32], [7; 32]]);
        assert_eq!(m.page("page of c"), None);
    }

    #[test]
    fn rows_are_made_again_only_when_needed() {
        let m = Memo::default();
        m.begin([1; 32], NAMES, vec![[0; 32], [0; 32]]);
        let made = std::cell::Cell::new(0);
        let row = |m: &Memo| {
            m.row(0, 0, || {
                made.set(made.get() + 1);
                touch(1);
                b"x".to_vec()
            })
        };
        row(&m);
        row(&m);
        assert_eq!(made.get(), 1);
        m.begin([1; 32], NAMES, vec![[0; 32], [5; 32]]);
        row(&m);
        assert_eq!(made.get(), 2, "row 0 read record 1, which changed");
    }

    #[test]
    fn a_table_again_is_the_last_with_the_rows_a_change_reached_made_anew() {
        use crate::site::data::{Recorded, Table};
        use std::io::Write;
        let m = Memo::default();
        let views = |v: [u8; 4]| v.iter().map(|&b| [b; 32]).collect::<Vec<Sum>>();
        m.begin([1; 32], NAMES, views([0, 0, 0, 0]));
        let made = std::sync::atomic::AtomicUsize::new(0);
        let title = std::sync::Mutex::new("a");
        // Row i reads record i; row 0 reads record 3 as well (as an amended record shows the
        // title of the record amending it).
        let make = |i: usize| {
            made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i == 0 {
                touch(3);
            }
            format!("row {i} {}", title.lock().unwrap()).into_bytes()
        };
        let whole = |m: &Memo| {
            let mut t = Recorded::default();
            t.write_all(b"[").unwrap();
            for (k, row) in m.rows(4, &[0, 1, 2], &make).into_iter().enumerate() {
                if k > 0 {
                    t.write_all(b",").unwrap();
                }
                t.row(row).unwrap();
            }
            t.write_all(b"]").unwrap();
            t.finish();
            t
        };
        let text = |t: &Recorded| {
            (0..t.len())
                .flat_map(|k| {
                    let (own, row) = t.piece(k);
                    [own.to_vec(), row.map_or(Vec::new(), |r| r.0.to_vec())]
                })
                .flatten()
                .collect::<Vec<u8>>()
        };
        assert!(m.table_again(4, &[0, 1, 2], &make).is_none(), "no table kept yet");
        let first = whole(&m);
        m.remember_table(4, vec![0, 1, 2], &first);
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 3);
        // Record 3 changes: only row 0 read it.
        *title.lock().unwrap() = "b";
        m.begin([1; 32], NAMES, views([0, 0, 0, 9]));
        let again = m.table_again(4, &[0, 1, 2], &make).expect("the same records");
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 4, "row 0 alone made again");
        assert_eq!(text(&again), b"[row 0 b,row 1 a,row 2 a]");
        assert_eq!(again.same_start(&first), 0);
        assert!(again.same_piece(&first, 1) && again.same_piece(&first, 2));
        // Nothing changed: nothing made; other records, or another order: not this way.
        m.begin([1; 32], NAMES, views([0, 0, 0, 9]));
        let same = m.table_again(4, &[0, 1, 2], &make).expect("the same records");
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 4);
        assert_eq!(text(&same), text(&again));
        assert_eq!(same.same_start(&again), same.len());
        assert!(m.table_again(4, &[0, 2, 1], &make).is_none());
        assert!(m.table_again(4, &[0, 1], &make).is_none());
        // Record 1 changes, then record 0: each time the rows that read it, from the last table.
        *title.lock().unwrap() = "c";
        m.begin([1; 32], NAMES, views([0, 5, 0, 9]));
        let t = m.table_again(4, &[0, 1, 2], &make).expect("the same records");
        assert_eq!(text(&t), b"[row 0 b,row 1 c,row 2 a]");
        m.begin([1; 32], NAMES, views([7, 5, 0, 9]));
        let t = m.table_again(4, &[0, 1, 2], &make).expect("the same records");
        assert_eq!(text(&t), b"[row 0 c,row 1 c,row 2 a]");
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 6);
    }

    #[test]
    fn rows_of_a_chunk_are_made_again_only_when_needed() {
        let m = Memo::default();
        m.begin([1; 32], NAMES, vec![[0; 32]; 3]);
        let made = std::sync::atomic::AtomicUsize::new(0);
        // Row i reads record i and, for row 0, record 2 as well.
        let make = |i: usize| {
            made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i == 0 {
                touch(2);
            }
            vec![i as u8]
        };
        let rows = |m: &Memo| m.rows(7, &[0, 1, 2], &make).iter().map(|r| r.0[0]).collect::<Vec<u8>>();
        assert_eq!(rows(&m), [0, 1, 2]);
        assert_eq!(rows(&m), [0, 1, 2]);
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 3);
        m.begin([1; 32], NAMES, vec![[0; 32], [0; 32], [9; 32]]);
        assert_eq!(rows(&m), [0, 1, 2]);
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 5, "rows 0 and 2 read record 2");
    }
}
