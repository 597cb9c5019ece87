//! Stage 5, `render`: the corpus into pages. [`plan`] lists every output file as a cheap
//! [`Job`]; [`Renderer::render`] turns one job into bytes. `emit` drives the jobs in parallel
//! and writes them, so no more than a page per thread is ever held in memory.

pub(crate) mod data;
pub(crate) use crate::markdown::escape::escape;
pub(crate) use crate::markdown::escape::{escape_markup, escape_markup_into};
pub(crate) mod diff;
pub(crate) mod hant;
pub(crate) mod memo;
mod pages;
pub(crate) mod search;
mod text;
pub(crate) mod theme;
mod title;
pub(crate) mod views;

use crate::config::Config;
use crate::corpus::Corpus;
use crate::model::Kind;
use crate::model::diag::{Diagnostic, Pos};
use crate::model::rules;
use crate::msg;
use crate::source::parse::Record;
pub(crate) use data::publications::Registers;
use minijinja::Environment;
use rayon::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use theme::Theme;

/// One output file to produce. Two jobs are equal when they make the same file from the same
/// things (a list page from the same records).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// `index.html`.
    Home,
    /// A document page.
    Doc(usize),
    /// A record's text as Markdown, `text.md` beside its page (see [`Renderer::text_md`]).
    Text(usize),
    /// A record's plain text for search, `text.txt` beside its page (see
    /// [`Renderer::search_text`]).
    SearchText(usize),
    /// `search/index.html`.
    Search,
    /// A document's text as it stood from one version's date: record, index into its versions.
    Version(usize, usize),
    /// A redline between two of a document's versions: record, older, newer.
    Diff(usize, usize, usize),
    /// A gazette issue page.
    Issue(usize),
    /// `gazette/index.html`: every issue.
    Issues,
    /// `browse/index.html`.
    Browse,
    /// A page of a browse list: 0 for the list's own page, then from 1 counted from the oldest
    /// records ([`Sheets`]).
    List(Arc<List>, usize),
    /// `catalog/index.html`.
    Catalog,
    /// `transfers/index.html`: the archive transfer catalogue, when the register has entries.
    Transfers,
    /// `publications/index.html`: the publication register, when it shows entries.
    Publications,
    /// `404.html`.
    NotFound,
    /// `sitemap/index.html`: the site map for readers (网站地图).
    SiteMap,
    /// The same page in Traditional script, under [`crate::route::HANT`] (see [`hant`]).
    Hant(Box<Job>),
    /// `favicon.ico`: the theme's icon, at the root where browsers look for it.
    Favicon,
    /// A theme asset, copied to `assets/`.
    Asset(String),
    /// A record's attachment: source under `content/`, destination in the output (see
    /// [`Renderer::attachment`] for what is written).
    Attachment(PathBuf, String),
    /// An open-data, feed or crawler file.
    Data(DataJob),
}

impl Job {
    /// Whether what the job makes depends on more than the records it reads and what every
    /// job's fingerprint holds: a file of the site it copies (an attachment), or the publication
    /// register (its page). Its memo identity holds that input, which only a build that reads
    /// the site again can see changed (a preview takes only records' files, and the register
    /// must be as it was read); over a kept plan such a build asks these jobs again
    /// (`emit::KeptPages::ask_beyond_records`).
    pub(crate) fn reads_beyond_records(&self) -> bool {
        match self {
            Job::Hant(inner) => inner.reads_beyond_records(),
            Job::Attachment(..) | Job::Publications => true,
            _ => false,
        }
    }

    /// Whether the job writes an HTML page (and so has a Traditional twin).
    pub(crate) fn is_page(&self) -> bool {
        !matches!(
            self,
            Job::Text(_)
                | Job::SearchText(_)
                | Job::Asset(_)
                | Job::Attachment(..)
                | Job::Data(_)
                | Job::Hant(_)
                | Job::Favicon
        )
    }
}

/// The files of `data/`, `feeds/`, the sitemap and `robots.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataJob {
    /// `data/documents.json`.
    DocumentsJson,
    /// `data/documents.csv`.
    DocumentsCsv,
    /// `data/documents.jsonld`.
    DocumentsJsonld,
    /// `data/gazette/<year>-<number>.json` of the issue record.
    Issue(usize),
    /// `data/datapackage.json`, listing the issue files and schemas.
    Package(Arc<(Vec<String>, Vec<String>)>),
    /// `data/schemas/<name>`: a JSON Schema shipped with the tool.
    Schema(&'static str),
    /// `feeds/<name>.atom` for one kind, or for all documents.
    Feed(Option<Kind>, String),
    /// One sitemap: the URLs and the file's path.
    Sitemap(Arc<Urls>, String),
    /// `sitemap.xml` as an index over that many sitemaps.
    SitemapIndex(usize),
    /// `robots.txt`.
    Robots,
    /// `catalog/catalog.csv`: the disclosure catalogue as a table to download.
    CatalogCsv,
    /// `data/transfers.csv`: the archive transfer catalogue, when the register has entries.
    TransfersCsv,
    /// `data/publications.csv`: the publication register, when it shows entries.
    PublicationsCsv,
}

/// The URLs of one sitemap, with their checksum once it is asked for: a sitemap's identity
/// under `serve`, where a rebuild from a preview keeps the plan and its jobs, and hashing the
/// URLs of every sitemap again took 8 ms of CPU of each rebuild at 50,000 records.
#[derive(Debug)]
pub struct Urls {
    /// In the order the sitemap lists them.
    pub list: Vec<String>,
    sum: std::sync::OnceLock<String>,
}

impl Urls {
    fn new(list: Vec<String>) -> Urls {
        Urls { list, sum: std::sync::OnceLock::new() }
    }

    /// The SHA-256 of the URLs, each followed by a zero byte, in hex.
    fn sum(&self) -> &str {
        self.sum.get_or_init(|| {
            let mut h = Sha256::new();
            for u in &self.list {
                h.update(u.as_bytes());
                h.update([0]);
            }
            crate::source::hex(&h.finalize())
        })
    }
}

impl PartialEq for Urls {
    fn eq(&self, other: &Urls) -> bool {
        self.list == other.list
    }
}

impl Eq for Urls {}

/// JSON Schemas shipped with the tool and published under `data/schemas/`.
pub(crate) const SCHEMAS: &[(&str, &str)] = &[
    ("record.schema.json", include_str!("../../schemas/record.schema.json")),
    ("documents.schema.json", include_str!("../../schemas/documents.schema.json")),
];

/// A browse list: one facet value and the records under it, newest first.
#[derive(Debug, PartialEq, Eq)]
pub struct List {
    /// `year`, `issuer`, `topic`, `kind`, `validity`.
    pub facet: &'static str,
    /// The value shown (a year, an issuer's name, a topic path `一级\二级`, a kind's name …).
    pub label: String,
    /// Output folder of the list's own page, e.g. `browse/year/2024`.
    pub path: String,
    /// Records, newest first.
    pub items: Vec<usize>,
}

/// Publications listed on the register's page, the newest: one page of every publication
/// would grow with the corpus (40 MB of HTML at 50,000 records); `data/publications.csv` has all.
pub(crate) const PUBLICATIONS_SHOWN: usize = 500;

/// Lists every file of the site, in a fixed order; `registers` are the transfer and publication
/// registers.
pub fn plan(c: &Corpus, cfg: &Config, theme: &Theme, root: &std::path::Path, registers: &Registers) -> Vec<Job> {
    let lists: Vec<Arc<List>> = lists(c).into_iter().map(Arc::new).collect();
    plan_with(c, cfg, theme, root, &lists, registers)
}

/// Whether the publication register has an entry of a record that is public now.
fn shows_publications(c: &Corpus, registers: &Registers) -> bool {
    registers.publications.iter().any(|p| c.lookup(&p.id).is_some())
}

/// [`plan`] with the browse lists already made (see [`Renderer::lists`]).
pub(crate) fn plan_with(
    c: &Corpus,
    cfg: &Config,
    theme: &Theme,
    root: &std::path::Path,
    lists: &[Arc<List>],
    registers: &Registers,
) -> Vec<Job> {
    let mut jobs = vec![Job::Home, Job::Issues, Job::Browse, Job::Catalog];
    // A site that has handed nothing over publishes no catalogue of transfers, not an empty one.
    let transfers = !registers.transfers.is_empty();
    if transfers {
        jobs.push(Job::Transfers);
    }
    let publications = shows_publications(c, registers);
    if publications {
        jobs.push(Job::Publications);
    }
    jobs.push(Job::NotFound);
    jobs.push(Job::SiteMap);
    jobs.push(Job::Search);
    jobs.extend(theme.assets.keys().map(|k| Job::Asset(k.clone())));
    if theme.assets.contains_key(crate::route::favicon()) {
        jobs.push(Job::Favicon);
    }
    for i in c.visible_indexes() {
        let r = &c.records[i];
        jobs.extend(text_jobs(c, i));
        // Listed attachments, the print edition, and files the text links to: each copied once.
        let mut own: BTreeMap<String, String> = BTreeMap::new();
        // The current text's links only when readers get that text: an amended text known
        // only after the build date publishes nothing of it, its files included.
        let current_shown = c.versions[i].is_empty() || c.versions[i].iter().any(|v| v.file.is_none());
        let current = if current_shown { r.body.links.as_slice() } else { &[] };
        let linked = current.iter().filter_map(|l| match &l.target {
            crate::markdown::Target::File(f) => Some(f.as_str()),
            crate::markdown::Target::Record(_) => None,
        });
        let listed = r
            .attachments
            .iter()
            .map(|a| a.file.as_str())
            .chain(r.issue.iter().filter_map(|x| x.pdf.as_ref()).map(|p| p.file.as_str()));
        // Files linked from earlier texts are published too (their links keep working).
        let from_versions: Vec<String> = c.versions[i]
            .iter()
            .filter_map(|v| v.file.as_ref())
            .filter_map(|f| crate::source::read_regular(&root.join(f), crate::source::MAX_RECORD_BYTES).ok())
            .filter_map(|b| crate::source::decode(&b).ok())
            .flat_map(|t| crate::markdown::render(&t, 0, &t, false).links)
            .filter_map(|l| match l.target {
                crate::markdown::Target::File(f) => Some(f),
                crate::markdown::Target::Record(_) => None,
            })
            .collect();
        // Only the record's own files: never a record's source, an earlier text or a file in
        // another record's folder, nor a type that runs script, whatever the site's checks say.
        for f in listed.chain(linked).chain(from_versions.iter().map(String::as_str)) {
            if crate::corpus::active_kind(f) == Some(crate::corpus::Active::Refused) {
                continue;
            }
            if let Ok(src) = c.own_file(r, f) {
                own.entry(crate::route::file_dest(r, &src)).or_insert(src);
            }
        }
        jobs.extend(own.into_iter().map(|(to, src)| Job::Attachment(PathBuf::from("content").join(src), to)));
    }
    for list in lists {
        jobs.extend(Sheets::new(list.items.len(), cfg.site.per_page).pages().map(|p| Job::List(list.clone(), p)));
    }
    // Every page once more in Traditional script.
    let hant: Vec<Job> = jobs.iter().filter(|j| j.is_page()).map(|j| Job::Hant(Box::new(j.clone()))).collect();
    jobs.extend(hant);
    let urls = data::page_urls(c, &jobs);
    jobs.extend(sitemap_jobs(urls, data::SITEMAP_LEN));
    let issues: Vec<usize> = c.newest_first(Some(Kind::Gazette)).into_iter().rev().collect();
    let issue_files: Vec<String> = issues
        .iter()
        .filter_map(|&i| c.records[i].issue.as_ref().map(|x| format!("gazette/{}-{}.json", x.year, x.number)))
        .collect();
    let schema_files: Vec<String> = SCHEMAS.iter().map(|(n, _)| format!("schemas/{n}")).collect();
    jobs.extend(
        [
            DataJob::DocumentsJson,
            DataJob::DocumentsCsv,
            DataJob::DocumentsJsonld,
            DataJob::Package(Arc::new((issue_files, schema_files))),
            DataJob::Robots,
            DataJob::CatalogCsv,
        ]
        .map(Job::Data),
    );
    if transfers {
        jobs.push(Job::Data(DataJob::TransfersCsv));
    }
    if publications {
        jobs.push(Job::Data(DataJob::PublicationsCsv));
    }
    jobs.extend(issues.into_iter().map(|i| Job::Data(DataJob::Issue(i))));
    jobs.extend(SCHEMAS.iter().map(|(n, _)| Job::Data(DataJob::Schema(n))));
    jobs.push(Job::Data(DataJob::Feed(None, "all".into())));
    for k in Kind::ALL {
        if c.visible_indexes().any(|i| c.records[i].kind == *k) {
            jobs.push(Job::Data(DataJob::Feed(Some(*k), k.id().into())));
        }
    }
    jobs
}

/// The jobs of record `i` that show its text: its page, `text.md`, `text.txt`, the pages of its
/// versions and the redlines between them (their Traditional twins are not included).
pub(crate) fn text_jobs(c: &Corpus, i: usize) -> Vec<Job> {
    let mut jobs = vec![if c.records[i].kind == Kind::Gazette { Job::Issue(i) } else { Job::Doc(i) }];
    jobs.push(Job::Text(i));
    jobs.push(Job::SearchText(i));
    let n = c.versions[i].len();
    jobs.extend((0..n).map(|k| Job::Version(i, k)));
    // Consecutive versions, and every version against the current text.
    for k in 0..n.saturating_sub(1) {
        jobs.push(Job::Diff(i, k, k + 1));
        if k + 1 != n - 1 {
            jobs.push(Job::Diff(i, k, n - 1));
        }
    }
    jobs
}

/// Text written into a SHA-256 as it is formatted.
struct Hashing<'h>(&'h mut Sha256);

impl std::fmt::Write for Hashing<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

/// One `sitemap.xml`, or above `limit` URLs an index over `sitemaps/sitemap-N.xml` files.
fn sitemap_jobs(urls: Vec<String>, limit: usize) -> Vec<Job> {
    if urls.len() <= limit {
        return vec![Job::Data(DataJob::Sitemap(Arc::new(Urls::new(urls)), "sitemap.xml".into()))];
    }
    let chunks: Vec<Vec<String>> = urls.chunks(limit).map(<[String]>::to_vec).collect();
    let mut jobs = vec![Job::Data(DataJob::SitemapIndex(chunks.len()))];
    for (k, chunk) in chunks.into_iter().enumerate() {
        jobs.push(Job::Data(DataJob::Sitemap(Arc::new(Urls::new(chunk)), format!("sitemaps/sitemap-{}.xml", k + 1))));
    }
    jobs
}

/// What puts a record in a browse list, borrowed from the record: a list's path is made the
/// first time its labels are met, not for every record that joins it (at 50,000 records, making
/// and hashing 250,000 paths took most of [`lists`]' 86 ms).
#[derive(PartialEq, Eq, Hash)]
enum By<'c> {
    Kind(Kind),
    Year(i32),
    Labels(&'static str, &'c str, Option<&'c str>),
    State(&'static str),
}

/// A browse list a record is in, as [`joins`] hands it on: its key, its facet, and how to make
/// its folder and its label.
type Joined<'a, 'c> = &'a mut dyn FnMut(By<'c>, &'static str, &dyn Fn() -> String, &dyn Fn() -> String);

/// Calls `add` with each browse list that visible record `i`, read as `r`, is in. The one
/// definition of the lists' members, for [`lists`] and for [`Kept::regroup`].
fn joins<'c>(c: &Corpus, i: usize, r: &'c Record, add: Joined<'_, 'c>) {
    if r.kind == Kind::Gazette {
        return;
    }
    let kind = r.kind.id();
    add(By::Kind(r.kind), "kind", &|| format!("browse/kind/{kind}"), &|| kind.to_string());
    if r.kind == Kind::Catalog {
        return;
    }
    let y = r.published.year();
    add(By::Year(y), "year", &|| format!("browse/year/{y}"), &|| y.to_string());
    r.lists_joined(|facet, labels| {
        // A list is named by at most two levels of labels (a topic and its first subtopic).
        debug_assert!(labels.len() <= 2, "{labels:?}");
        let key = By::Labels(facet, labels[0], labels.get(1).copied());
        add(key, facet, &|| crate::route::list_dir(facet, labels), &|| labels.join("\\"))
    });
    if r.kind.has_legal_force() {
        let state = c.current(i).state.id();
        add(By::State(state), "validity", &|| format!("browse/validity/{state}"), &|| state.to_string());
    }
}

/// Groups the visible documents by each browse facet.
fn lists<'c>(c: &'c Corpus) -> Vec<List> {
    // Lists are told apart by their paths (two labels may make one path); each one's label is
    // that of the first record met that joins it.
    let mut lists: Vec<(&'static str, String, String, Vec<usize>)> = Vec::new();
    let mut by_path: crate::model::FastMap<(&'static str, String), usize> = crate::model::FastMap::default();
    let mut by: crate::model::FastMap<By<'c>, usize> = crate::model::FastMap::default();
    for i in c.newest_first(None) {
        joins(c, i, &c.records[i], &mut |key, facet, path, label| {
            let at = *by.entry(key).or_insert_with(|| {
                *by_path.entry((facet, path())).or_insert_with_key(|(_, path)| {
                    lists.push((facet, path.clone(), label(), Vec::new()));
                    lists.len() - 1
                })
            });
            // A record is in a list once, however many of its topics share the list's first level.
            let items = &mut lists[at].3;
            if items.last() != Some(&i) {
                items.push(i);
            }
        });
    }
    lists.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    lists.into_iter().map(|(facet, path, label, items)| List { facet, label, path, items }).collect()
}

pub(crate) use crate::route::record_dir as record_path;

/// Percent-encodes a path for use in `href`, keeping `/`.
pub(crate) fn encode_path(p: &str) -> String {
    let mut s = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// The texts a page shows, rendered only when the page is (re)written.
#[derive(Debug, Clone)]
enum Texts {
    /// None.
    None,
    /// A record's text: its own (`None`) or a version file.
    Body(usize, Option<String>),
    /// The redline between two versions.
    Diff(usize, usize, usize),
}

/// A job resolved but not rendered: see [`Renderer::prepare`].
pub struct Prepared<'r> {
    /// Output path and fingerprint, when known beforehand.
    pub fingerprint: Option<(String, [u8; 32])>,
    plan: Option<PagePlan<'r>>,
    /// The output bytes of an attachment or a small data file, made to fingerprint it and then
    /// written as they are.
    bytes: Option<Vec<u8>>,
    /// Under `serve`, a table with a row per record as its pieces ([`data::Recorded`]): what
    /// it is fingerprinted by, and what its file is written from
    /// ([`crate::emit::Staging::write_table`]).
    pub(crate) table: Option<data::Recorded>,
}

/// A page job resolved to its URL, output path and view (which names the template).
struct PagePlan<'r> {
    url: String,
    out: String,
    /// Rendered for the Traditional view, converted after rendering.
    hant: bool,
    view: views::Page<'r>,
    texts: Texts,
}

/// Turns jobs into bytes.
pub struct Renderer<'a> {
    pub(crate) c: &'a Corpus,
    pub(crate) cfg: &'a Config,
    env: Environment<'static>,
    theme: &'a Theme,
    pub(crate) strings: Value,
    version: &'static str,
    root: PathBuf,
    /// `site` and `t` as template values, converted once rather than for every page.
    globals: (minijinja::Value, minijinja::Value),
    /// Checksum of everything every page depends on: tool version, settings, theme, build date.
    global_fp: String,
    /// Pages and rows of earlier builds in this process (`serve`).
    memo: Option<&'a memo::Memo>,
    /// Gazette issues, newest first, and each record's place among them.
    gazettes: (Vec<usize>, BTreeMap<usize, usize>),
    /// Visible records, newest first (sorted once for every list that needs the order), each
    /// with its kind: a list of one kind then reads no record (at 50,000 records, looking up each
    /// record's kind for every such list took 10–15 ms of every rebuild).
    newest: Vec<(usize, Kind)>,
    /// The browse lists.
    lists: Vec<Arc<List>>,
    /// The transfer register (published as the archive transfer catalogue) and the publication
    /// register.
    registers: &'a Registers,
    /// Per record id, the time of its first entry in the publication register (`none` when
    /// that entry has none), for `PubDate`.
    registered: std::collections::HashMap<&'a str, Option<&'a str>>,
    /// The Simplified-to-Traditional converter, loaded by the first Traditional page.
    hant: std::sync::OnceLock<Result<hant::Converter, String>>,
    /// The records of the open-data tables, in the order of their ids: found once for the three
    /// tables (each a pass over every record).
    data_docs: std::sync::OnceLock<Vec<usize>>,
}

/// What a renderer made from the whole corpus and can hand to the next one for the same records
/// ([`Renderer::keep`], [`Renderer::resume`]).
pub struct Kept {
    gazettes: (Vec<usize>, BTreeMap<usize, usize>),
    newest: Vec<(usize, Kind)>,
    lists: Vec<Arc<List>>,
    hant: std::sync::OnceLock<Result<hant::Converter, String>>,
}

impl Kept {
    /// The browse lists after the records `moved` (each with its earlier reading) changed
    /// nothing the lists read but their issuers, topics or publication date
    /// ([`Record::restates`]), `c` holding the new readings: each is taken out of the lists it
    /// left and put into those it joined, in its place in the order of the newest, and a record
    /// whose date moved is put in its new place in the lists it stays in and in that order
    /// itself. Returns the lists made again, or `None`, with nothing changed, when a list would
    /// come or go or change its number of pages of `per_page`, or an issue's date moved: the
    /// plan of the site is then another one.
    pub(crate) fn regroup(
        &mut self,
        c: &Corpus,
        per_page: usize,
        moved: &[(usize, Arc<Record>)],
    ) -> Option<Vec<Arc<List>>> {
        use std::collections::{BTreeMap, BTreeSet};
        // The lists a reading of a record is in, by facet and folder.
        let keyed = |i: usize, r: &Record| {
            let mut set = BTreeSet::new();
            joins(c, i, r, &mut |_, facet, path, _| {
                set.insert((facet, path()));
            });
            set
        };
        let find = |facet: &str, path: &str| {
            self.lists.binary_search_by(|l| (l.facet, l.path.as_str()).cmp(&(facet, path))).ok()
        };
        // The order of the newest, which every list keeps.
        let key = |j: usize| c.newest_key(j);
        // Each list touched, by its place in `lists`, with its records as they become; and the
        // order of the newest, when a date moved. Every record is taken out of its places
        // first, then each put in its new ones, so that each is placed among records that are
        // all in order.
        let mut touched: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut newest: Option<Vec<(usize, Kind)>> = None;
        let mut put: Vec<(usize, Vec<usize>, bool)> = Vec::new();
        for (i, old) in moved {
            let i = *i;
            let r = &c.records[i];
            if !c.visible[i] {
                continue;
            }
            let redated = old.published != r.published;
            if redated && r.kind == Kind::Gazette {
                return None;
            }
            let (before, after) = (keyed(i, old), keyed(i, r));
            for (facet, path) in before.iter().filter(|l| redated || !after.contains(l)) {
                let k = find(facet, path)?;
                touched.entry(k).or_insert_with(|| self.lists[k].items.clone()).retain(|&j| j != i);
            }
            let mut joined = Vec::new();
            for (facet, path) in after.iter().filter(|l| redated || !before.contains(l)) {
                let k = find(facet, path)?;
                touched.entry(k).or_insert_with(|| self.lists[k].items.clone());
                joined.push(k);
            }
            if redated {
                newest.get_or_insert_with(|| self.newest.clone()).retain(|&(j, _)| j != i);
            }
            put.push((i, joined, redated));
        }
        for (i, joined, redated) in put {
            for k in joined {
                let items = touched.get_mut(&k)?;
                items.insert(items.partition_point(|&j| key(j) < key(i)), i);
            }
            if let Some(n) = newest.as_mut().filter(|_| redated) {
                n.insert(n.partition_point(|&(j, _)| key(j) < key(i)), (i, c.records[i].kind));
            }
        }
        let pages = |n: usize| Sheets::new(n, per_page).numbered();
        let mut made = Vec::with_capacity(touched.len());
        for (k, items) in touched {
            let was = &self.lists[k];
            let first = *items.first()?;
            if pages(items.len()) != pages(was.items.len()) {
                return None;
            }
            // A list is labelled as its newest record writes it.
            let mut label = None;
            joins(c, first, &c.records[first], &mut |_, facet, path, l| {
                if label.is_none() && facet == was.facet && path() == was.path {
                    label = Some(l());
                }
            });
            let list = List { facet: was.facet, label: label?, path: was.path.clone(), items };
            made.push((k, Arc::new(list)));
        }
        for (k, list) in &made {
            self.lists[*k] = list.clone();
        }
        if let Some(n) = newest {
            self.newest = n;
        }
        Some(made.into_iter().map(|(_, l)| l).collect())
    }
}

impl<'a> Renderer<'a> {
    /// Prepares templates and strings; fails with a diagnostic when the theme is broken.
    /// `registers` are the transfer register (`transfers.jsonl`), empty when nothing was handed
    /// over, and the publication register.
    pub fn new(
        c: &'a Corpus,
        cfg: &'a Config,
        theme: &'a Theme,
        root: &std::path::Path,
        registers: &'a Registers,
    ) -> Result<Renderer<'a>, Diagnostic> {
        Renderer::made(c, cfg, theme, root, registers, None)
    }

    /// [`Renderer::new`] for a corpus whose records changed only what their own pages, rows and
    /// checks read since `kept` was taken from the renderer of the same settings, theme and
    /// registers ([`Renderer::keep`]): the order of the records, the browse lists and the
    /// Traditional converter are taken over instead of made again (`serve`'s preview of an edit).
    pub fn resume(
        c: &'a Corpus,
        cfg: &'a Config,
        theme: &'a Theme,
        root: &std::path::Path,
        registers: &'a Registers,
        kept: Kept,
    ) -> Result<Renderer<'a>, Diagnostic> {
        Renderer::made(c, cfg, theme, root, registers, Some(kept))
    }

    /// What [`Renderer::resume`] takes over.
    pub fn keep(self) -> Kept {
        Kept { gazettes: self.gazettes, newest: self.newest, lists: self.lists, hant: self.hant }
    }

    fn made(
        c: &'a Corpus,
        cfg: &'a Config,
        theme: &'a Theme,
        root: &std::path::Path,
        registers: &'a Registers,
        kept: Option<Kept>,
    ) -> Result<Renderer<'a>, Diagnostic> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        // minijinja's own HTML escaping also escapes `/`, which turns every URL into
        // `&#x2f;docs&#x2f;…`: valid, but bulky and unreadable. Escape only what HTML needs.
        env.set_formatter(|out, state, value| {
            if state.auto_escape() == minijinja::AutoEscape::Html
                && !value.is_safe()
                && let Some(s) = value.as_str()
            {
                return escape_markup_into(out, s, "&#39;", false).map_err(minijinja::Error::from);
            }
            minijinja::escape_formatter(out, state, value)
        });
        env.add_filter("title_breaks", |s: String| minijinja::Value::from_safe_string(title::title_breaks(&s)));
        env.add_filter("long_date", long_date);
        for (name, src) in &theme.templates {
            env.add_template_owned(name.clone(), src.clone())
                .map_err(|e| theme_error(&format!("{}templates/{name}", theme.origin), &e))?;
        }
        let lang = &cfg.site.language;
        let text = theme.strings.get(lang).or_else(|| theme.strings.get("zh-CN")).cloned().unwrap_or_default();
        let read = |text: &str, origin: &str| {
            toml::from_str::<toml::Table>(text).map_err(|e| {
                let m = e.message().to_string();
                Diagnostic::error(
                    &rules::THEME,
                    &format!("{origin}i18n/{lang}.toml"),
                    Pos::new(1, 1),
                    msg!("界面文字文件无法解析：{m}", "the UI strings cannot be read: {m}"),
                )
            })
        };
        // A key the theme's file lacks (one added to the built-in theme after the file was
        // copied) reads as the built-in theme has it, rather than as nothing.
        let mut table = read(&String::from_utf8_lossy(theme::builtin_strings(lang)), "(built-in theme) ")?;
        theme::overlay(&mut table, read(&text, &theme.origin)?);
        let strings: Value = serde_json::to_value(table).unwrap_or(Value::Null);
        let s = &cfg.site;
        let site = views::Site {
            base: cfg.base_path(),
            columns: &s.columns,
            description: &s.description,
            domain: cfg.domain(),
            gazette_name: if s.gazette_name.is_empty() { &s.name } else { &s.gazette_name },
            host: &s.host,
            icp: &s.icp,
            id_code: &s.id_code,
            keywords: &s.keywords,
            kinds: {
                let mut seen = [false; Kind::ALL.len()];
                for i in c.visible_indexes() {
                    if let Some(k) = Kind::ALL.iter().position(|k| *k == c.records[i].kind) {
                        seen[k] = true;
                    }
                }
                Kind::ALL.iter().zip(seen).filter(|(_, s)| *s).map(|(k, _)| k.id()).collect()
            },
            lang: &s.language,
            name: &s.name,
            police_record: &s.police_record,
            police_record_url: police_record_url(&s.police_record),
            sponsor: &s.sponsor,
            // In `site`, so that the link in every footer is part of every page's fingerprint.
            transfers: (!registers.transfers.is_empty())
                .then(|| format!("{}{}", cfg.base_path(), encode_path(crate::route::transfers_page()))),
            publications: shows_publications(c, registers)
                .then(|| format!("{}{}", cfg.base_path(), encode_path(crate::route::publications_page()))),
            tz_minutes: cfg.tz_minutes(),
            url: &s.base_url,
        };
        let globals = (minijinja::Value::from_serialize(&site), minijinja::Value::from_serialize(&strings));
        let site = serde_json::to_string(&site).unwrap_or_default();
        let mut h = Sha256::new();
        for part in [env!("CARGO_PKG_VERSION").to_string(), site, strings.to_string(), c.as_of.to_string()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        for (name, src) in &theme.templates {
            h.update(name.as_bytes());
            h.update(src.as_bytes());
        }
        let global_fp = crate::source::hex(&h.finalize());
        let kept = kept.unwrap_or_else(|| {
            let newest: Vec<(usize, Kind)> = c.newest_first(None).into_iter().map(|i| (i, c.records[i].kind)).collect();
            let order: Vec<usize> = newest.iter().filter(|(_, k)| *k == Kind::Gazette).map(|&(i, _)| i).collect();
            let places = order.iter().enumerate().map(|(k, &i)| (i, k)).collect();
            Kept {
                gazettes: (order, places),
                newest,
                lists: lists(c).into_iter().map(Arc::new).collect(),
                hant: std::sync::OnceLock::new(),
            }
        });
        Ok(Renderer {
            c,
            cfg,
            env,
            theme,
            strings,
            version: env!("CARGO_PKG_VERSION"),
            root: root.to_path_buf(),
            globals,
            global_fp,
            memo: None,
            gazettes: kept.gazettes,
            newest: kept.newest,
            lists: kept.lists,
            registers,
            registered: data::publications::first_entries(registers),
            hant: kept.hant,
            data_docs: std::sync::OnceLock::new(),
        })
    }

    /// Reuses pages and rows of earlier builds from `memo` where nothing they read changed, and
    /// remembers this build's for the next.
    pub fn remember(&mut self, memo: &'a memo::Memo) {
        self.remember_changed(memo, None);
    }

    /// [`Renderer::remember`] when only the records `changed` can have a new view (their texts
    /// were reworded: what the corpus derived for every record is as it was), so that only
    /// theirs are taken again.
    pub(crate) fn remember_changed(&mut self, memo: &'a memo::Memo, changed: Option<&[usize]>) {
        let c = self.c;
        let mut h = Sha256::new();
        h.update(self.global_fp.as_bytes());
        h.update(format!("{:?}", self.cfg).as_bytes());
        for (name, bytes) in &self.theme.assets {
            h.update(name.as_bytes());
            h.update(Sha256::digest(bytes));
        }
        let view = |i: usize| -> memo::Sum {
            let mut h = Sha256::new();
            // Written into the hash as it is made, not gathered into a string first.
            c.view(i, &mut Hashing(&mut h));
            // Its `PubDate` comes from the register.
            h.update(self.pubdate(i).as_bytes());
            // Earlier texts are read when their pages are made.
            for v in c.versions[i].iter().filter_map(|v| v.file.as_ref()) {
                h.update(
                    crate::source::read_regular(&self.root.join(v), crate::source::MAX_RECORD_BYTES)
                        .unwrap_or_default(),
                );
                h.update([0]);
            }
            h.finalize().into()
        };
        let base: memo::Sum = h.finalize().into();
        let names = c.names_sum();
        let views = match changed.and_then(|only| Some((only, memo.views_under(&base, &names)?))) {
            Some((only, mut views)) if views.len() == c.records.len() => {
                for &i in only {
                    views[i] = view(i);
                }
                views
            }
            _ => (0..c.records.len()).into_par_iter().map(view).collect(),
        };
        let files = || c.records.iter().map(|r| r.file.clone()).collect();
        memo.begin(base, (names, &files), views);
        self.memo = Some(memo);
    }

    /// The memo, when this build has one.
    pub(crate) fn memo(&self) -> Option<&memo::Memo> {
        self.memo
    }

    /// What identifies a job whose result the memo may keep, with every input that is not a
    /// record it reads; `None` for jobs made anew each time (those that depend on the order of
    /// all records, and the cheap ones).
    pub(crate) fn identity(&self, job: &Job) -> Option<String> {
        let per = self.cfg.site.per_page.max(1);
        // Records by their files, which stay when records come or go before them (see
        // [`memo::Memo::begin`]).
        let f = |i: usize| self.c.records[i].file.as_str();
        let files = |all: &mut dyn Iterator<Item = usize>| {
            let mut out = String::new();
            for i in all {
                out.push_str(f(i));
                out.push('|');
            }
            out
        };
        match job {
            Job::Doc(i) => Some(format!("doc {}", f(*i))),
            Job::Text(i) => Some(format!("text {}", f(*i))),
            Job::SearchText(i) => Some(format!("search text {}", f(*i))),
            // An issue page links to the issues before and after it.
            Job::Issue(i) => {
                let (before, after) = self.neighbours(*i);
                Some(format!("issue {} {:?} {:?}", f(*i), before.map(f), after.map(f)))
            }
            Job::Version(i, k) => Some(format!("version {} {k}", f(*i))),
            Job::Diff(i, a, b) => Some(format!("diff {} {a} {b}", f(*i))),
            Job::Hant(inner) => self.identity(inner).map(|id| format!("zh-Hant {id}")),
            // A page of a list reads its records, its pager and, the list's own page alone, the
            // number of records: a page far from the newest stays as the list grows.
            Job::List(l, p) => {
                let sheets = Sheets::new(l.items.len(), per);
                let shown = files(&mut l.items[sheets.shown(*p)].iter().copied());
                let total = if *p == 0 { l.items.len() } else { 0 };
                let nav = (sheets.nav(*p), sheets.newer_older(*p));
                Some(format!("list {}|{}|{p}|{total}|{nav:?}|{shown}", l.path, l.label))
            }
            Job::Attachment(src, to) => {
                let stamp = crate::source::settled_stamp(&self.root.join(src), std::time::SystemTime::now())?;
                Some(format!("attachment {}|{to}|{stamp:?}", src.display()))
            }
            // A feed reads the records in it, and which records those are is part of its
            // identity, as a list page's are.
            Job::Data(DataJob::Feed(k, name)) => {
                Some(format!("feed {name} {}", files(&mut self.feed_items(*k).into_iter())))
            }
            // These read no record: what they are made from is in their identity, or in what
            // every job's fingerprint holds (the settings, the build date, whether the site
            // shows the registers).
            Job::Data(DataJob::Sitemap(urls, path)) => Some(format!("sitemap {path} {}", urls.sum())),
            Job::Data(DataJob::Package(p)) => Some(format!("datapackage {:?} {:?}", p.0, p.1)),
            // The register's page and table read no record's view: they show the register's
            // entries of the records that are visible (see [`Job::reads_beyond_records`]).
            Job::Publications => Some(format!("publications {}", self.register_key())),
            Job::Data(DataJob::PublicationsCsv) => Some(format!("publications.csv {}", self.register_key())),
            _ => None,
        }
    }

    /// What the register's page and table are made from, as a SHA-256 in hex: the register
    /// (its number of entries and its last entry, whose `prev` chains it to every entry before;
    /// and the entries a build appends, which `serve` never has) and which records are visible,
    /// by place, with every record's id and file ([`crate::corpus::Corpus::names_sum`]): a byte
    /// per record hashed, where filtering the register's entries by their records took 31–70 ms
    /// a page at 50,000 records.
    fn register_key(&self) -> String {
        let p = &self.registers.publications;
        let mut h = Sha256::new();
        h.update((p.len() as u64).to_le_bytes());
        h.update((self.registers.appended as u64).to_le_bytes());
        for entry in p.iter().skip(p.len().saturating_sub(self.registers.appended.max(1))) {
            let _ = serde_json::to_writer(&mut h, entry);
            h.update([0]);
        }
        let visible: Vec<u8> = self.c.visible.iter().map(|&v| u8::from(v)).collect();
        h.update(&visible);
        h.update(self.c.names_sum());
        crate::source::hex(&h.finalize())
    }

    /// The browse lists, made once per build.
    pub fn lists(&self) -> &[Arc<List>] {
        &self.lists
    }

    /// Visible records of `kind` (all when `None`), newest first, as `Corpus::newest_first`.
    pub(crate) fn newest(&self, kind: Option<Kind>) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.newest.iter().filter(move |(_, k)| kind.is_none_or(|want| *k == want)).map(|&(i, _)| i)
    }

    /// The next newer and next older issue around gazette issue `i`.
    fn neighbours(&self, i: usize) -> (Option<usize>, Option<usize>) {
        let (order, places) = &self.gazettes;
        match places.get(&i) {
            Some(&k) => (k.checked_sub(1).map(|k| order[k]), order.get(k + 1).copied()),
            None => (None, None),
        }
    }

    /// The visible record with id `id`, noting that the work under way depends on it (also
    /// when it is not visible: it may become so).
    pub(crate) fn lookup(&self, id: &str) -> Option<usize> {
        match self.c.index_of(id) {
            Some(i) => memo::touch(i),
            // A record of that id added later would be found.
            None => memo::missed(),
        }
        self.c.lookup(id)
    }

    pub(crate) fn href(&self, path: &str) -> String {
        format!("{}{}", self.cfg.base_path(), encode_path(path))
    }

    /// The URL of file `f` of record `r` on the site (absolute with `abs`), when it is the
    /// record's own and so published; see `Corpus::own_file`.
    pub(crate) fn file_url(&self, r: &Record, f: &str, abs: bool) -> Option<String> {
        let dest = crate::route::file_dest(r, &self.c.own_file(r, f).ok()?);
        Some(if abs { format!("{}{}", self.cfg.site.base_url, encode_path(&dest)) } else { self.href(&dest) })
    }

    fn doc_href(&self, i: usize) -> String {
        memo::touch(i);
        self.href(&format!("{}/", record_path(&self.c.records[i])))
    }

    /// What a page job needs: its URL, output path, view without the texts (which are costly),
    /// and the texts to render into it.
    fn plan_page(&self, job: &Job) -> Option<PagePlan<'_>> {
        use views::Page;
        fn at(url: String, view: Page<'_>, texts: Texts) -> Option<PagePlan<'_>> {
            let out = if url.ends_with('/') || url.is_empty() { format!("{url}index.html") } else { url.clone() };
            Some(PagePlan { url, out, view, texts, hant: false })
        }
        let c = self.c;
        if let Job::Doc(i) | Job::Issue(i) | Job::Version(i, _) | Job::Diff(i, ..) = job {
            memo::touch(*i);
        }
        match job {
            Job::Home => at(String::new(), Page::Home(self.home()), Texts::None).map(|mut p| {
                p.url = "index.html".into();
                p
            }),
            Job::Doc(i) => {
                let shown = c.shown_file(*i).map(str::to_string);
                at(
                    format!("{}/", record_path(&c.records[*i])),
                    Page::Doc(Box::new(self.doc(*i))),
                    Texts::Body(*i, shown),
                )
            }
            Job::Issue(i) => at(
                format!("{}/", record_path(&c.records[*i])),
                Page::Issue(self.issue(*i)),
                Texts::Body(*i, c.shown_file(*i).map(str::to_string)),
            ),
            Job::Version(i, k) => {
                let v = &c.versions[*i][*k];
                at(
                    format!("{}/{}/", record_path(&c.records[*i]), v.date),
                    Page::Version(Box::new(self.version(*i, *k))),
                    Texts::Body(*i, v.file.clone()),
                )
            }
            Job::Diff(i, a, b) => {
                let v = &c.versions[*i];
                at(
                    format!("{}/diff/{}..{}/", record_path(&c.records[*i]), v[*a].date, v[*b].date),
                    Page::Diff(self.diff(*i, *a, *b)),
                    Texts::Diff(*i, *a, *b),
                )
            }
            Job::Issues => at("gazette/".into(), Page::Issues(self.issues()), Texts::None),
            Job::Browse => at("browse/".into(), Page::Browse(self.browse()), Texts::None),
            Job::Catalog => at("catalog/".into(), Page::Catalog(self.catalog()), Texts::None),
            Job::Transfers => at(crate::route::transfers_page().into(), Page::Transfers(self.transfers()), Texts::None),
            Job::Publications => {
                at(crate::route::publications_page().into(), Page::Publications(self.publications()), Texts::None)
            }
            Job::NotFound => at("404.html".into(), Page::NotFound(views::NotFoundPage {}), Texts::None),
            Job::SiteMap => at(crate::route::site_map_page().into(), Page::SiteMap(self.site_map()), Texts::None),
            Job::Hant(inner) => self.plan_page(inner).map(|mut p| {
                p.hant = true;
                p.out = crate::route::hant(&p.out);
                p
            }),
            Job::Search => {
                at("search/".into(), Page::Search(views::SearchPage { index: self.href("search/") }), Texts::None)
            }
            Job::List(l, p) => at(Sheets::url(&l.path, *p), Page::List(self.list(l, *p)), Texts::None),
            Job::Asset(_) | Job::Attachment(..) | Job::Text(_) | Job::SearchText(_) | Job::Data(_) | Job::Favicon => {
                None
            }
        }
    }

    /// Renders the texts of a planned page into its view.
    fn fill(&self, plan: &mut PagePlan<'_>) -> Result<(), Diagnostic> {
        match &plan.texts {
            Texts::None => {}
            Texts::Body(i, file) => plan.view.set_text(self.text(&self.c.records[*i], file.as_deref())?),
            Texts::Diff(i, a, b) => {
                let r = &self.c.records[*i];
                let v = &self.c.versions[*i];
                // Compare what the pages show, not the source: link targets, comments and raw
                // HTML could name what is not public.
                let shown = |dest: &str| self.link_action(r, dest, false) != crate::markdown::clean::LinkAction::Remove;
                let text = |k: usize| {
                    self.markdown_of(r, v[k].file.as_deref()).map(|md| crate::markdown::leveled_blocks(&md, &shown))
                };
                let (old, new) = (text(*a)?, text(*b)?);
                let cue = |k: &str| self.strings["ui"][k].as_str().unwrap_or(k).to_string();
                let (html, stats) = diff::redline(&old, &new, &cue("deleted"), &cue("inserted"));
                plan.view.set_redline(html, stats);
            }
        }
        Ok(())
    }

    /// What identifies the texts of a page without rendering them: the source's checksum, and
    /// where each `doc:` link in it leads now.
    fn texts_identity(&self, texts: &Texts, h: &mut Sha256) -> Result<(), Diagnostic> {
        let text = |i: usize, file: Option<&str>, h: &mut Sha256| -> Result<(), Diagnostic> {
            let r = &self.c.records[i];
            let scanned;
            let links = match file {
                None => {
                    h.update(r.sha256.as_bytes());
                    &r.body.links
                }
                Some(f) => {
                    let md = self.markdown_of(r, Some(f))?;
                    h.update(Sha256::digest(md.as_bytes()));
                    scanned = crate::markdown::render(&md, 0, &md, false).links;
                    &scanned
                }
            };
            for l in links {
                if let crate::markdown::Target::Record(id) = &l.target {
                    h.update(self.lookup(id).map_or_else(|| "-".to_string(), |t| self.doc_href(t)).as_bytes());
                    h.update([0]);
                }
            }
            Ok(())
        };
        match texts {
            Texts::None => {}
            Texts::Body(i, file) => text(*i, file.as_deref(), h)?,
            Texts::Diff(i, a, b) => {
                let v = &self.c.versions[*i];
                text(*i, v[*a].file.as_deref(), h)?;
                text(*i, v[*b].file.as_deref(), h)?;
            }
        }
        Ok(())
    }

    /// Resolves a job without rendering it: its output path and a fingerprint of everything its
    /// bytes depend on, when those can be known beforehand (not for the open-data files, which
    /// are always made), and for pages the plan to render it from.
    pub fn prepare(&self, job: &Job) -> Result<Prepared<'_>, Diagnostic> {
        let mut h = Sha256::new();
        h.update(self.global_fp.as_bytes());
        let (mut plan, mut made) = (None, None);
        let path = match job {
            // The tables of every record are written as streams. Under `serve`, where each
            // row is remembered with its SHA-256, a table is recorded as its pieces and
            // fingerprinted by them, rows as their SHA-256s (see `data::Recorded`), so that one
            // whose rows are all as before (after a new wording of a text, say) is neither
            // hashed nor written again, and one that is new is written from them; otherwise it
            // is written as a stream every time.
            Job::Data(_) if self.streamed(job).is_some() => {
                let (fingerprint, table) = match (self.memo(), self.streamed(job)) {
                    (Some(m), Some(path)) => {
                        // A table of a row per record is the last build's with the rows an
                        // edit reached made again, when its records are the same: asking the
                        // memo for each of 51,000 rows took 9–15 ms of each rebuild.
                        let rows = self.document_rows(job);
                        let again =
                            rows.as_ref().and_then(|(n, docs)| m.table_again(*n, docs, &|i| self.document_line(*n, i)));
                        let t = match again {
                            Some(t) => t,
                            None => {
                                let mut t = data::Recorded::default();
                                self.stream(job, &mut t).map_err(|e| {
                                    Diagnostic::error(
                                        &rules::IO,
                                        path,
                                        Pos::new(1, 1),
                                        msg!("无法生成：{e}", "cannot make: {e}"),
                                    )
                                })?;
                                t.finish();
                                if let Some((n, docs)) = rows {
                                    m.remember_table(n, docs.into_owned(), &t);
                                }
                                t
                            }
                        };
                        h.update(path.as_bytes());
                        h.update([0]);
                        t.digest_into(&mut h);
                        (Some((path.to_string(), h.finalize().into())), Some(t))
                    }
                    _ => (None, None),
                };
                return Ok(Prepared { fingerprint, plan: None, bytes: None, table });
            }
            // The other data files are small: made here, and fingerprinted by their bytes, so
            // that one the output already holds (most feeds, sitemaps and issue files after an
            // edit) is not written again.
            Job::Data(d) => {
                let (path, bytes) = self.data_file(d);
                h.update(path.as_bytes());
                h.update([0]);
                h.update(&bytes);
                made = Some(bytes);
                path
            }
            Job::Asset(name) => {
                h.update(self.theme.assets.get(name).map_or(&[][..], Vec::as_slice));
                format!("assets/{name}")
            }
            Job::Favicon => {
                h.update(self.theme.assets.get(crate::route::favicon()).map_or(&[][..], Vec::as_slice));
                crate::route::favicon().to_string()
            }
            Job::Attachment(src, to) => {
                let bytes = self.attachment(src)?;
                h.update(&bytes);
                made = Some(bytes);
                to.clone()
            }
            // Like the page it stands beside: the public fields it starts with, then the text
            // shown on the build date and where its links lead now.
            Job::Text(i) => {
                memo::touch(*i);
                h.update(b"text.md\0");
                h.update(self.text_front(*i).as_bytes());
                self.texts_identity(&Texts::Body(*i, self.c.shown_file(*i).map(str::to_string)), &mut h)?;
                crate::route::text_md(&self.c.records[*i])
            }
            // The plain text of the text shown on the build date, as its page shows it.
            Job::SearchText(i) => {
                memo::touch(*i);
                h.update(b"text.txt\0");
                self.texts_identity(&Texts::Body(*i, self.c.shown_file(*i).map(str::to_string)), &mut h)?;
                crate::route::search_text(&self.c.records[*i])
            }
            _ => {
                let Some(p) = self.plan_page(job) else {
                    return Ok(Prepared { fingerprint: None, plan: None, bytes: None, table: None });
                };
                h.update(p.view.template().as_bytes());
                h.update([0]);
                h.update(if p.hant { b"zh-Hant" } else { b"zh-Hans" });
                h.update([0]);
                h.update(p.url.as_bytes());
                h.update([0]);
                // The view's JSON, written straight into the hash.
                let _ = serde_json::to_writer(&mut h, &p.view);
                self.texts_identity(&p.texts, &mut h)?;
                let out = p.out.clone();
                plan = Some(p);
                out
            }
        };
        Ok(Prepared { fingerprint: Some((path, h.finalize().into())), plan, bytes: made, table: None })
    }

    /// The bytes published for an attachment (`src` relative to the site root): the file as it
    /// is, but an HTML file cleaned like raw HTML in a text (outside links kept, script URLs
    /// dropped), since the browser would run its script as the site's own. Types that run script
    /// and cannot be cleaned are never planned; one met here is refused.
    pub fn attachment(&self, src: &std::path::Path) -> Result<Vec<u8>, Diagnostic> {
        let file = src.to_string_lossy();
        let name = src.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        let active = crate::corpus::active_kind(&name);
        if active == Some(crate::corpus::Active::Refused) {
            return Err(Diagnostic::error(
                &rules::ACTIVE_ATTACHMENT,
                &file,
                Pos::new(1, 1),
                msg!(
                    "这类附件可以执行脚本，不能发布",
                    "an attachment of this type can run script and is not published"
                ),
            ));
        }
        let bytes = crate::source::read_regular(&self.root.join(src), crate::source::MAX_ATTACHMENT_BYTES)
            .map_err(|e| e.diagnostic(&file))?;
        Ok(match active {
            Some(_) => crate::markdown::clean::clean(&String::from_utf8_lossy(&bytes), &|_| {
                crate::markdown::clean::LinkAction::Keep
            })
            .into_bytes(),
            None => bytes,
        })
    }

    /// The output path and bytes of a job.
    pub fn render(&self, job: &Job) -> Result<(String, Vec<u8>), Diagnostic> {
        let plan = self.plan_page(job);
        self.render_prepared(job, Prepared { fingerprint: None, plan, bytes: None, table: None })
    }

    /// The output path and bytes of a job already prepared.
    pub fn render_prepared(&self, job: &Job, prepared: Prepared<'_>) -> Result<(String, Vec<u8>), Diagnostic> {
        if let Some(mut plan) = prepared.plan {
            self.fill(&mut plan)?;
            let bytes = self.page(&plan.url, &plan.view, plan.hant)?;
            return Ok((plan.out, bytes));
        }
        Ok(match job {
            Job::Asset(name) => (format!("assets/{name}"), self.theme.assets.get(name).cloned().unwrap_or_default()),
            Job::Favicon => (
                crate::route::favicon().to_string(),
                self.theme.assets.get(crate::route::favicon()).cloned().unwrap_or_default(),
            ),
            Job::Attachment(src, to) => (
                to.clone(),
                match prepared.bytes {
                    Some(b) => b,
                    None => self.attachment(src)?,
                },
            ),
            Job::Text(i) => (crate::route::text_md(&self.c.records[*i]), self.text_md(*i)?),
            Job::SearchText(i) => (crate::route::search_text(&self.c.records[*i]), self.search_text(*i)?.into_bytes()),
            Job::Data(d) => match (prepared.fingerprint, prepared.bytes) {
                (Some((path, _)), Some(bytes)) => (path, bytes),
                _ => self.data_file(d),
            },
            _ => unreachable!("every other job is a page"),
        })
    }

    /// The output path of a job whose file is written as a stream ([`Renderer::stream`]): the
    /// tables with a row per record, which would otherwise be whole in memory, several at once.
    pub(crate) fn streamed(&self, job: &Job) -> Option<&'static str> {
        match job {
            Job::Data(DataJob::DocumentsJson) => Some("data/documents.json"),
            Job::Data(DataJob::DocumentsCsv) => Some("data/documents.csv"),
            Job::Data(DataJob::DocumentsJsonld) => Some("data/documents.jsonld"),
            Job::Data(DataJob::PublicationsCsv) => Some(crate::route::publications_csv()),
            _ => None,
        }
    }

    /// Writes the file of a [`Renderer::streamed`] job to `w`.
    pub(crate) fn stream(&self, job: &Job, w: &mut dyn data::Table) -> std::io::Result<()> {
        match job {
            Job::Data(DataJob::DocumentsJson) => self.write_documents_json(w),
            Job::Data(DataJob::DocumentsCsv) => self.write_documents_csv(w),
            Job::Data(DataJob::DocumentsJsonld) => self.write_documents_jsonld(w),
            Job::Data(DataJob::PublicationsCsv) => self.write_publications_csv(w),
            _ => Ok(()),
        }
    }

    fn data_file(&self, d: &DataJob) -> (String, Vec<u8>) {
        let streamed = |d: &DataJob| {
            let job = Job::Data(d.clone());
            let mut out = Vec::new();
            // Writing into memory cannot fail.
            let _ = self.stream(&job, &mut data::AsBytes(&mut out));
            (self.streamed(&job).unwrap_or_default().to_string(), out)
        };
        match d {
            DataJob::DocumentsJson | DataJob::DocumentsCsv | DataJob::DocumentsJsonld | DataJob::PublicationsCsv => {
                streamed(d)
            }
            DataJob::Issue(i) => {
                let x = self.c.records[*i].issue.as_ref();
                // Under `serve`, remembered with what it read, as the rows of the tables are.
                let bytes = match self.memo() {
                    Some(m) => m.row(data::ISSUE_FILES, *i, || self.issue_json(*i)).to_vec(),
                    None => self.issue_json(*i),
                };
                (format!("data/gazette/{}-{}.json", x.map_or(0, |x| x.year), x.map_or(0, |x| x.number)), bytes)
            }
            DataJob::Package(p) => ("data/datapackage.json".into(), self.datapackage(&p.0, &p.1)),
            DataJob::Schema(n) => (
                format!("data/schemas/{n}"),
                SCHEMAS.iter().find(|(k, _)| k == n).map(|(_, t)| t.as_bytes().to_vec()).unwrap_or_default(),
            ),
            DataJob::Feed(k, name) => (format!("feeds/{name}.atom"), self.feed(*k, name)),
            DataJob::Sitemap(urls, path) => (path.clone(), self.sitemap(&urls.list)),
            DataJob::SitemapIndex(n) => ("sitemap.xml".into(), self.sitemap_index(*n)),
            DataJob::Robots => ("robots.txt".into(), self.robots()),
            DataJob::CatalogCsv => ("catalog/catalog.csv".into(), self.catalog_csv()),
            DataJob::TransfersCsv => (crate::route::transfers_csv().into(), self.transfers_csv()),
        }
    }

    /// Renders a page; with `hant`, for the Traditional view (`lang`, alternates and switch
    /// say so) and then converted (see [`hant`]). `path` is always the Simplified page's.
    fn page(&self, path: &str, view: &views::Page<'_>, hant: bool) -> Result<Vec<u8>, Diagnostic> {
        let template = view.template();
        let tmpl = self
            .env
            .get_template(template)
            .map_err(|e| theme_error(&format!("{}templates/{template}", self.theme.origin), &e))?;
        // The page's address in both scripts, as links and as absolute URLs.
        let rel = path.strip_suffix("index.html").unwrap_or(path).trim_start_matches('/');
        let hant_rel = crate::route::hant(rel);
        let abs = |p: &str| format!("{}{}", self.cfg.site.base_url, encode_path(p));
        let own = if hant { abs(&hant_rel) } else { abs(rel) };
        let full = minijinja::context! {
            site => self.globals.0.clone(), t => self.globals.1.clone(), as_of => self.c.as_of.to_string(), as_of_zh => self.c.as_of.zh(),
            version => self.version, path => path, url => own,
            script => minijinja::context! {
                hant => hant, lang => if hant { "zh-Hant" } else { self.cfg.site.language.as_str() },
                hans_href => self.href(rel), hant_href => self.href(&hant_rel), hans_url => abs(rel), hant_url => abs(&hant_rel),
            },
            home => self.cfg.base_path(), assets => self.href("assets/"), p => minijinja::Value::from_serialize(view),
        };
        let html =
            tmpl.render(full).map_err(|e| theme_error(&format!("{}templates/{template}", self.theme.origin), &e))?;
        if !hant {
            return Ok(html.into_bytes());
        }
        let fail = |m: String| {
            Diagnostic::error(
                &rules::THEME,
                &format!("{}templates/{template}", self.theme.origin),
                Pos::new(1, 1),
                msg!("繁体页面无法转换：{m}", "the Traditional page cannot be converted: {m}"),
            )
        };
        let cc = self.hant.get_or_init(hant::Converter::new).as_ref().map_err(|e| fail(e.clone()))?;
        cc.page(&html, self.cfg.base_path(), crate::route::HANT).map(String::into_bytes).map_err(fail)
    }

    /// The Markdown of one of the record's texts: the record's own file (checked to be the file
    /// that was parsed) or a version file.
    pub(crate) fn markdown_of(&self, r: &Record, file: Option<&str>) -> Result<String, Diagnostic> {
        let path = file.unwrap_or(&r.file);
        let changed = || {
            Diagnostic::error(
                &rules::CHANGED,
                path,
                Pos::new(1, 1),
                msg!("构建过程中文件被改动", "the file changed during the build"),
            )
            .help(msg!("重新运行构建", "run the build again"))
        };
        let bytes = crate::source::read_regular(&self.root.join(path), crate::source::MAX_RECORD_BYTES)
            .map_err(|_| changed())?;
        if file.is_none() && crate::source::hex(&Sha256::digest(&bytes)) != r.sha256 {
            return Err(changed());
        }
        let text = crate::source::decode(&bytes).map_err(|_| changed())?;
        Ok(match file {
            None => text[r.body_at.min(text.len())..].to_string(),
            Some(_) => text,
        })
    }

    /// The opening sentences of the text readers get on the build date (see
    /// `Corpus::shown_file`), for feeds and the catalogue, made from the text when asked for:
    /// records do not keep theirs. A text that cannot be read again gives none here; the
    /// record's own page, which reads it too, fails the build.
    pub(crate) fn excerpt(&self, i: usize) -> String {
        self.shown_markdown(i).map(|md| crate::markdown::render(&md, 0, &md, false).excerpt).unwrap_or_default()
    }

    /// The Markdown of the text readers get on the build date.
    pub(crate) fn shown_markdown(&self, i: usize) -> Result<String, Diagnostic> {
        self.markdown_of(&self.c.records[i], self.c.shown_file(i))
    }

    /// One of the record's texts, rendered (its HTML made safe).
    fn text(&self, r: &Record, file: Option<&str>) -> Result<crate::source::parse::Body, Diagnostic> {
        let md = self.markdown_of(r, file)?;
        let rewrite = |href: &str| self.link_action(r, href, false).rewrite();
        let mut body = crate::markdown::render_with(&md, 0, &md, true, Some(&rewrite));
        // Markdown's own output is escaped; only raw HTML needs the sanitiser.
        if body.raw_html {
            body.html = crate::markdown::clean::clean(&body.html, &|href: &str| self.link_action(r, href, false));
        }
        Ok(body)
    }

    /// Where a link in record `r`'s text leads on the site: the one decision for the page
    /// (`abs` false: a path from the site's root) and for `text.md` (`abs`: an absolute URL,
    /// since the file is read away from the site). A `doc:` id of a record that is not visible,
    /// a file that is not the record's own and a script URL lose their destination.
    fn link_action(&self, r: &Record, href: &str, abs: bool) -> crate::markdown::clean::LinkAction {
        if crate::markdown::clean::is_script_url(href) {
            return crate::markdown::clean::LinkAction::Remove;
        }
        let resolve = |href: &str| -> crate::markdown::clean::LinkAction {
            if let Some(id) = crate::markdown::doc_target(href) {
                let (id, frag) = id.split_once('#').map_or((id, ""), |(a, b)| (a, b));
                // A record that is not public (or not yet published) leaves no trace: no href.
                let Some(target) = self.lookup(id.trim_matches('/')) else {
                    return crate::markdown::clean::LinkAction::Remove;
                };
                let frag = if frag.is_empty() { String::new() } else { format!("#{frag}") };
                let url = if abs { self.abs_doc(target) } else { self.doc_href(target) };
                return crate::markdown::clean::LinkAction::Replace(format!("{url}{frag}"));
            }
            let path = href.split(['#', '?']).next().unwrap_or("");
            if path.is_empty() || crate::markdown::has_scheme(href) || href.starts_with('/') {
                return crate::markdown::clean::LinkAction::Keep;
            }
            let file = crate::markdown::percent_decode(path);
            match self.file_url(r, &file, abs) {
                Some(url) => crate::markdown::clean::LinkAction::Replace(url),
                None => crate::markdown::clean::LinkAction::Remove,
            }
        };
        resolve(href)
    }
}

/// How many neighbours on either side of the shown one a pager or a version list links to.
pub(crate) const WINDOW: usize = 3;

/// How a browse list of `len` records, newest first, is cut into pages of `per`: counted from
/// its oldest record, so that a page shows the same records however many newer ones come. Page
/// `s` (from 1) holds the `per` records from the `(s - 1) * per + 1`-th oldest on; the list's
/// own page, `s = 0`, holds the newest ones left over: from `per` to `2 * per - 1` of them, or
/// all when there are fewer. A record published after the others changes the list's own page,
/// and once in `per` times makes a page and changes the few whose pager reaches the newest; every
/// other page stays as it was, for the output's cache, a CDN and a web archive alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sheets {
    len: usize,
    per: usize,
}

impl Sheets {
    pub(crate) fn new(len: usize, per: usize) -> Sheets {
        Sheets { len, per: per.max(1) }
    }

    /// The number of numbered pages: they are 1 to this one.
    pub(crate) fn numbered(self) -> usize {
        (self.len / self.per).saturating_sub(1)
    }

    /// Every page, the list's own (0) first.
    pub(crate) fn pages(self) -> std::ops::RangeInclusive<usize> {
        0..=self.numbered()
    }

    /// The places in the list (newest first) of the records page `s` shows.
    pub(crate) fn shown(self, s: usize) -> std::ops::Range<usize> {
        let own = self.len - self.numbered() * self.per;
        match s {
            0 => 0..own,
            s => self.len - s * self.per..self.len - (s - 1) * self.per,
        }
    }

    /// The folder of page `s` of the list at `path`, with its trailing slash.
    pub(crate) fn url(path: &str, s: usize) -> String {
        if s == 0 { format!("{path}/") } else { format!("{path}/page/{s}/") }
    }

    /// Page `s`'s pager, newest first: the list's own page, page 1 and [`WINDOW`] pages on
    /// either side of `s`, a gap (`None`) where pages are left out. It depends on the number of
    /// pages only near the newest, so a page far from it keeps its pager as the list grows.
    pub(crate) fn nav(self, s: usize) -> Vec<Option<usize>> {
        let m = self.numbered();
        if m == 0 {
            return Vec::new();
        }
        // Place 0 is the list's own page, place k the page m + 1 - k.
        let page = |k: usize| if k == 0 { 0 } else { m + 1 - k };
        window(m + 1, &[page(s)])
            .into_iter()
            .map(|place| match place {
                Place::At(k) => Some(page(k)),
                Place::Gap(_) => None,
            })
            .collect()
    }

    /// The page with the records just newer than page `s`'s, and the one with those just older.
    pub(crate) fn newer_older(self, s: usize) -> (Option<usize>, Option<usize>) {
        let m = self.numbered();
        let newer = match s {
            0 => None,
            s if s == m => Some(0),
            s => Some(s + 1),
        };
        let older = match s {
            0 => (m > 0).then_some(m),
            s => (s > 1).then(|| s - 1),
        };
        (newer, older)
    }

    /// Page `s`'s first and last records counted from the oldest, from 1.
    pub(crate) fn ordinals(self, s: usize) -> (usize, usize) {
        let shown = self.shown(s);
        (self.len - shown.end + 1, self.len - shown.start)
    }
}

/// One entry of a windowed list: an item (its index), or a gap of that many items left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    At(usize),
    Gap(usize),
}

/// Of `n` items, the first, the last and [`WINDOW`] on either side of each of `around`, in order,
/// with the gaps between: at most `2 + around.len() * (2 * WINDOW + 1)` items, whatever `n`.
fn window(n: usize, around: &[usize]) -> Vec<Place> {
    let mut keep: Vec<usize> = vec![0, n.saturating_sub(1)];
    for &k in around {
        keep.extend(k.saturating_sub(WINDOW)..=(k + WINDOW).min(n.saturating_sub(1)));
    }
    keep.retain(|&k| k < n);
    keep.sort_unstable();
    keep.dedup();
    let mut out = Vec::with_capacity(keep.len() * 2);
    let mut next = 0;
    for k in keep {
        if k > next {
            // A gap of one is not worth an ellipsis: show the item.
            if k - next == 1 { out.push(Place::At(next)) } else { out.push(Place::Gap(k - next)) }
        }
        out.push(Place::At(k));
        next = k + 1;
    }
    out
}

/// The `long_date` filter: a `YYYY-MM-DD` date written for running text in `format`, whose
/// `{y}`, `{m}` and `{d}` are the year, month and day (`{mm}`, `{dd}` with a leading zero):
/// `{{ "2024-03-01" | long_date("{y}年{m}月{d}日") }}` is `2024年3月1日`. Anything that is no
/// date is left as it is.
fn long_date(s: String, format: String) -> String {
    match crate::model::date::Date::parse(&s) {
        Ok(d) => format
            .replace("{y}", &d.year().to_string())
            .replace("{mm}", &format!("{:02}", d.month()))
            .replace("{dd}", &format!("{:02}", d.day()))
            .replace("{m}", &d.month().to_string())
            .replace("{d}", &d.day().to_string()),
        Err(_) => s,
    }
}

/// The page of a public-security record number (`…公网安备 33990002000001号`) on the national
/// record site, which looks a number up by its digits.
fn police_record_url(number: &str) -> Option<String> {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then(|| format!("https://beian.mps.gov.cn/#/query/webSearch?code={digits}"))
}

fn theme_error(file: &str, e: &minijinja::Error) -> Diagnostic {
    let line = e.line().unwrap_or(1) as u64;
    let m = format!("{e:#}");
    let m = m.lines().next().unwrap_or("").to_string();
    Diagnostic::error(&rules::THEME, file, Pos::new(line, 1), msg!("主题模板出错：{m}", "theme template error: {m}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sitemaps_split_above_the_limit() {
        let urls = |n: usize| (0..n).map(|i| format!("docs/{i}/")).collect::<Vec<_>>();
        assert!(
            matches!(&sitemap_jobs(urls(3), 3)[..], [Job::Data(DataJob::Sitemap(u, p))] if u.list.len() == 3 && p == "sitemap.xml")
        );
        let jobs = sitemap_jobs(urls(7), 3);
        assert!(matches!(jobs[0], Job::Data(DataJob::SitemapIndex(3))));
        let sizes: Vec<(usize, String)> = jobs[1..]
            .iter()
            .map(|j| match j {
                Job::Data(DataJob::Sitemap(u, p)) => (u.list.len(), p.clone()),
                _ => panic!("not a sitemap"),
            })
            .collect();
        assert_eq!(
            sizes,
            vec![
                (3, "sitemaps/sitemap-1.xml".into()),
                (3, "sitemaps/sitemap-2.xml".into()),
                (1, "sitemaps/sitemap-3.xml".into())
            ]
        );
    }

    #[test]
    fn escaping_keeps_text_between_the_characters_it_replaces() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>末尾<"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;末尾&lt;"
        );
        assert_eq!(escape_markup("a\u{1}b\tc'", "&apos;", true), "ab\tc&apos;");
        assert_eq!(
            escape_markup("甲\u{FFFE}乙\u{FFFF}丙\u{FFFD}\u{EFBF}&", "&apos;", true),
            "甲乙丙\u{FFFD}\u{EFBF}&amp;"
        );
        assert_eq!(escape("甲\u{FFFE}"), "甲\u{FFFE}", "HTML keeps them");
        assert_eq!(escape("plain 文字"), "plain 文字");
    }

    #[test]
    fn windows_keep_the_ends_and_the_neighbours() {
        use Place::{At, Gap};
        assert_eq!(window(0, &[]), vec![]);
        assert_eq!(window(3, &[1]), vec![At(0), At(1), At(2)]);
        assert_eq!(
            window(20, &[10]),
            vec![At(0), Gap(6), At(7), At(8), At(9), At(10), At(11), At(12), At(13), Gap(5), At(19)]
        );
        // A gap of one shows the item instead.
        assert_eq!(window(9, &[5]), vec![At(0), At(1), At(2), At(3), At(4), At(5), At(6), At(7), At(8)]);
        assert_eq!(window(1000, &[0]).len(), 6);
        assert_eq!(window(1000, &[100, 900]).len(), 2 + 2 * 7 + 3);
    }

    #[test]
    fn list_pages_are_counted_from_the_oldest_and_cover_the_list_once() {
        for len in 0..70 {
            for per in [1, 2, 3, 20] {
                let sheets = Sheets::new(len, per);
                // Every record is shown once, the newest on the list's own page, in order.
                let newest_first = std::iter::once(0).chain((1..=sheets.numbered()).rev());
                let shown: Vec<usize> = newest_first.flat_map(|p| sheets.shown(p)).collect();
                assert_eq!(sheets.pages().count(), sheets.numbered() + 1);
                assert_eq!(shown, (0..len).collect::<Vec<_>>(), "{len} by {per}");
                let own = sheets.shown(0).len();
                assert!(own < 2 * per && (own >= per || sheets.numbered() == 0), "{len} by {per}: {own}");
                for p in 1..=sheets.numbered() {
                    assert_eq!(sheets.ordinals(p), ((p - 1) * per + 1, p * per));
                }
                // Newer and older chain every page once, from the list's own page to page 1.
                let (mut at, mut seen) = (Some(0), vec![]);
                while let Some(p) = at {
                    seen.push(p);
                    let (_, older) = sheets.newer_older(p);
                    if let Some(o) = older {
                        assert_eq!(sheets.newer_older(o).0, Some(p));
                    }
                    at = older;
                }
                assert_eq!(seen.len(), sheets.numbered() + 1);
            }
        }
        // A record added as the newest changes no numbered page's records, and a pager only
        // near the newest.
        for len in 40..200 {
            let (before, after) = (Sheets::new(len, 20), Sheets::new(len + 1, 20));
            for p in 1..=before.numbered() {
                assert_eq!(before.ordinals(p), after.ordinals(p));
                if p + WINDOW + 2 < before.numbered() {
                    assert_eq!(before.nav(p), after.nav(p), "{len}: page {p}");
                }
            }
        }
        let nav = Sheets::new(1000, 10).nav(50);
        assert_eq!(nav.first(), Some(&Some(0)));
        assert_eq!(nav.last(), Some(&Some(1)));
        assert!(nav.contains(&Some(53)) && nav.contains(&Some(47)) && !nav.contains(&Some(54)), "{nav:?}");
        assert_eq!(Sheets::new(19, 20).nav(0), vec![]);
        assert_eq!(Sheets::new(39, 20).nav(0), vec![]);
        assert_eq!(Sheets::new(40, 20).nav(0), vec![Some(0), Some(1)]);
    }

    #[test]
    fn paths_are_percent_encoded_but_keep_slashes() {
        assert_eq!(encode_path("browse/issuer/青川市/"), "browse/issuer/%E9%9D%92%E5%B7%9D%E5%B8%82/");
    }
}
