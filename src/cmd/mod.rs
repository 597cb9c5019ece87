//! The commands. Each only wires stages together and decides what to print and which exit code
//! to return: 0 ok, 1 the site has errors, 2 usage or I/O failure.
//!
//! Findings in the site are printed as they come, with the source lines they point at. A failure
//! of the tool or its surroundings (settings that cannot be read, an output folder that cannot be
//! made, a theme or a signing key that is missing, a busy port) is a [`Failure`]: a finding of
//! one of the tool rules with its exit code, returned up to the command's `run`, which prints it
//! once with [`report()`] in the site's language.

pub mod build;
pub mod check;
pub mod clean;
pub mod cli;
pub mod deploy;
pub mod init;
pub mod keygen;
pub mod new;
pub mod package;
pub mod report;
pub mod serve;
pub mod verify;

use crate::check::Context;
use crate::config::{self, Config};
use crate::corpus::Corpus;
use crate::model::date::Date;
use crate::model::diag::{self, Diagnostic, Msg, Pos, Severity};
use crate::model::lang::Lang;
use crate::model::rules::{self, Rule};
use crate::msg;
use crate::source::parse;
use crate::source::{self, Loaded};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

/// Exit code: the site has errors.
pub const EXIT_ERRORS: u8 = 1;
/// Exit code: usage or I/O failure.
pub const EXIT_FAILURE: u8 = 2;

/// The result of reading and checking a site: everything `build` needs, or why it cannot go on.
pub struct Analysis {
    /// Settings.
    pub cfg: Config,
    /// The linked records.
    pub corpus: Corpus,
    /// Files under `content/`.
    pub files: BTreeSet<String>,
    /// Findings, sorted, with the site's severities applied.
    pub diagnostics: Vec<Diagnostic>,
    /// Where the source lines the findings point at are read, for printing under their messages.
    pub sources: Quoted,
    /// The site's theme folder (`themes/<name>/`) over the built-in theme; `None` when the site
    /// has no such folder, or it could not be read (then a finding says why).
    pub theme: Option<crate::site::theme::Theme>,
    /// The transfer register (`transfers.jsonl`) and the publication register
    /// (`publications.jsonl`), with the entries found due when the analysis is for a build that
    /// registers them.
    pub register: crate::site::Registers,
    /// The files read that `serve` does not watch (the publication register, the holiday
    /// calendar), with their stamps before they were read: a rebuild may start from this
    /// analysis only while they are unchanged.
    pub(crate) unwatched: Vec<(std::path::PathBuf, Option<source::Stamp>)>,
    /// The holiday calendar the checks counted working days with.
    pub(crate) calendar: crate::model::calendar::Calendar,
}

/// What `serve` keeps between rebuilds: parsed records, and pages and rows with what they read.
#[derive(Default)]
pub struct Session {
    /// Parsed records.
    pub parse: ParseCache,
    /// Pages and rows.
    pub memo: crate::site::memo::Memo,
    /// The build cache of the last build, and the output folder it describes.
    pub cache: std::sync::Mutex<Option<(std::path::PathBuf, crate::emit::Cache)>>,
    /// The findings that stopped the last build, as [`print()`] wrote them to the terminal (so
    /// with the same masking); empty after a build that finished.
    pub stopped: std::sync::Mutex<String>,
    /// A fingerprint of each finding of the last build, so that a rebuild prints only new ones.
    pub seen: std::sync::Mutex<std::collections::HashSet<u64>>,
    /// What the last build that finished read and linked, for the preview of the next edit
    /// (`serve::preview`); taken by the preview or by the next build, whichever comes first.
    pub last: std::sync::Mutex<Option<Last>>,
    /// How many builds and previews of this session have begun: a [`Session::sweep`] stops when
    /// another one begins.
    pub begun: std::sync::atomic::AtomicU64,
    /// Whether the kept build cache is newer than the one saved on disk ([`Session::save`]).
    pub unsaved: std::sync::atomic::AtomicBool,
    /// Spare copies of the output's largest files, which a rebuild writes only what changed in
    /// ([`crate::emit::Spares`]).
    pub(crate) spares: std::sync::Arc<crate::emit::Spares>,
    /// How many builds took the last build's list of files and put the files they wrote in
    /// their places ([`crate::emit::listed`]).
    pub(crate) patched: std::sync::atomic::AtomicU64,
    /// How many builds took the last build's pages over records that came or went, or over a
    /// plan that was not the same ([`crate::emit::KeptPages::moved`]).
    pub(crate) moved: std::sync::atomic::AtomicU64,
    /// How many page jobs the last build looked at (asked the memo or made).
    pub(crate) looked_at: std::sync::atomic::AtomicU64,
    /// Set by a build that stopped only because files changed while it read them (saved again
    /// during the build): `serve` then builds again at once rather than show the stop. Its
    /// findings are in [`Session::stopped`], not printed.
    pub overtaken: std::sync::atomic::AtomicBool,
}

/// What a finished build read and linked, with what its renderer made from the whole corpus.
pub struct Last {
    /// The analysis, without its findings.
    pub(crate) analysis: Analysis,
    /// The theme it rendered with.
    pub(crate) theme: crate::site::theme::Theme,
    /// The order of the records, the browse lists and the Traditional converter.
    pub(crate) kept: Option<crate::site::Kept>,
    /// Set by a preview that brought all of this up to date with the edit it showed, to the
    /// records whose new readings it took in (see [`crate::cmd::serve::preview`]): the rebuild for that edit starts
    /// from here rather than reading the site again.
    pub(crate) edited: Option<Vec<usize>>,
    /// Set with `edited`: the findings of those records before and after the edit.
    pub(crate) refound: Refound,
    /// The plan's page jobs with what each read ([`crate::emit::KeptPages`]), and its data jobs:
    /// the plan of a rebuild that starts from a preview.
    pub(crate) planned: Option<(crate::emit::KeptPages, Vec<crate::site::Job>)>,
}

impl Session {
    /// Sweeps the kept build cache ([`crate::emit::Cache::sweep`]) of the build that was the
    /// `build`-th build or preview of the session (the value of [`Session::begun`] after it),
    /// unless another build or a preview begins first (the sweep would hold the worker threads
    /// a preview needs): `serve` does this after each rebuild, off the edit's path, so that the
    /// next rebuild asks the file system about none of the files it reuses. `Some(false)` when a
    /// file of the output was changed outside gongbao: the output then no longer matches its
    /// manifest until a build writes it again, and `serve` builds again at once. `None` when
    /// there was no cache or other work began.
    pub fn sweep(&self, build: u64) -> Option<bool> {
        let go_on = || self.begun.load(std::sync::atomic::Ordering::SeqCst) == build;
        let mut kept = self.cache.lock().ok()?;
        let (out, cache) = kept.as_mut().filter(|_| go_on())?;
        cache.sweep(out, crate::seal::MANIFEST, &go_on)
    }

    /// Saves the kept build cache into the site at `root` for a later `gongbao build`, when the
    /// build that was the `build`-th of the session left it unsaved, unless another build or a
    /// preview begins first. `serve` does this after the sweep, off the edit's path (at 50,000
    /// records the cache is 220,000 rows, and saving took 0.1 s of each rebuild). `None` when
    /// there was nothing to save or other work began; then, or when saving fails, the cache
    /// saved before stays on disk, which a build checks file by file.
    pub fn save(&self, root: &Path, build: u64) -> Option<Result<(), Diagnostic>> {
        use std::sync::atomic::Ordering::SeqCst;
        let go_on = || self.begun.load(SeqCst) == build;
        let kept = self.cache.lock().ok()?;
        let (out, cache) = kept.as_ref().filter(|_| go_on())?;
        if !self.unsaved.swap(false, SeqCst) {
            return None;
        }
        match cache.save_while(root, out, &go_on) {
            Ok(true) => Some(Ok(())),
            Ok(false) => {
                self.unsaved.store(true, SeqCst);
                None
            }
            Err(e) => {
                // Tried again after the next build's sweep.
                self.unsaved.store(true, SeqCst);
                Some(Err(build::unsaved_cache(root, out, &e)))
            }
        }
    }

    /// Makes the spare copies the build that was the `build`-th of the session wants, unless
    /// another build or a preview begins first. `serve` does this after the sweep, off the
    /// edit's path.
    pub fn make_spares(&self, build: u64) {
        let go_on = || self.begun.load(std::sync::atomic::Ordering::SeqCst) == build;
        self.spares.make(&go_on);
    }

    /// How many spare copies the session's builds have written into (see
    /// [`crate::emit::Spares`]).
    pub fn spares_taken(&self) -> u64 {
        self.spares.taken()
    }

    /// How many of the session's builds patched the last build's list of files rather than
    /// making it anew ([`crate::emit::listed`]).
    pub fn lists_patched(&self) -> u64 {
        self.patched.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many of the session's builds took the last build's pages over records that came or
    /// went, or over a plan that was not the same, asking only the jobs those reached
    /// ([`crate::emit::KeptPages::moved`]).
    pub fn plans_moved(&self) -> u64 {
        self.moved.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many page jobs the last build looked at: asked the memo about, or made. The others
    /// kept their files on what they read.
    pub fn pages_looked_at(&self) -> u64 {
        self.looked_at.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Notes that a build or a preview begins, which stops a sweep under way.
    pub(crate) fn begin(&self) {
        self.begun.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// The findings of `diags` that the last build did not have, and how many it had; `diags`
    /// are remembered for the next build. An editor saving one record of a site with thousands
    /// of warnings sees what the save changed, not every warning again (`gongbao check` lists
    /// them all), and no time goes into quoting what is not printed.
    pub fn unseen(&self, diags: &[Diagnostic]) -> (Vec<Diagnostic>, usize) {
        let prints: Vec<u64> = diags.iter().map(fingerprint).collect();
        let Ok(mut seen) = self.seen.lock() else { return (diags.to_vec(), 0) };
        let new: Vec<Diagnostic> =
            diags.iter().zip(&prints).filter(|(_, p)| !seen.contains(p)).map(|(d, _)| d.clone()).collect();
        let old = diags.len() - new.len();
        *seen = prints.into_iter().collect();
        (new, old)
    }

    /// [`Session::unseen`] for a build that starts from the last one's findings, of which an
    /// edit took `gone` away and put `now` in their place (see [`Refound`]): the findings of
    /// `now` the last build did not have, and how many findings the build has besides.
    pub(crate) fn reseen(&self, refound: &Refound) -> (Vec<Diagnostic>, usize) {
        let Ok(mut seen) = self.seen.lock() else { return (refound.now.clone(), 0) };
        let now: Vec<u64> = refound.now.iter().map(fingerprint).collect();
        let new: Vec<Diagnostic> =
            refound.now.iter().zip(&now).filter(|(_, p)| !seen.contains(p)).map(|(d, _)| d.clone()).collect();
        for d in &refound.gone {
            seen.remove(&fingerprint(d));
        }
        seen.extend(now);
        let old = seen.len() - new.len();
        (new, old)
    }
}

/// What tells a finding from every other in [`Session::seen`]: its rule, severity, place,
/// messages, and whether it is private.
fn fingerprint(d: &Diagnostic) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (d.rule.id, d.severity == Severity::Error, &d.file, d.pos.line, d.pos.column).hash(&mut h);
    (&d.message.zh, &d.message.en, d.private).hash(&mut h);
    h.finish()
}

/// The findings of the records a preview took in, as the last build had them and as they are
/// now, both finished ([`finish`]): a rebuild that starts from the preview prints those that
/// are new ([`Session::reseen`]) rather than reading the site again to find them.
#[derive(Default, Clone)]
pub(crate) struct Refound {
    /// The findings the last build had of those records.
    pub(crate) gone: Vec<Diagnostic>,
    /// Their findings now; none an error.
    pub(crate) now: Vec<Diagnostic>,
}

/// Parsed records kept between rebuilds (by `serve`): a file whose [`source::Stamp`] is unchanged
/// is not read again, and one whose bytes and parsing settings are unchanged is not parsed
/// again.
#[derive(Default)]
pub struct ParseCache {
    inner: std::sync::Mutex<(String, std::collections::BTreeMap<String, Parsed>)>,
    /// Personal data found in text attachments, by each file's stamp.
    scans: crate::check::FileScans,
    /// The last listing of `content/`, and the files named as changed since.
    listing: std::sync::Mutex<Listing>,
}

/// See [`ParseCache::listed`].
#[derive(Default)]
struct Listing {
    /// The last listing of `content/` that found no problem.
    loaded: Option<source::Loaded>,
    /// The files the watcher named since it was made; `None` when that is not known (before
    /// the first listing, or after a batch of changes that named none).
    changed: Option<BTreeSet<std::path::PathBuf>>,
    /// Whether changes are noted at all (by `serve`'s watcher, for every batch): otherwise a
    /// listing says nothing of what changed after it, and the site is always listed again.
    watched: bool,
    /// How many times `content/` was listed.
    made: u64,
}

/// What [`ParseCache::listed`] found still good: the listing, and the files under `content/`
/// that changed since it was made (as `content/…`), which alone are read again.
struct Listed {
    loaded: source::Loaded,
    changed: std::collections::HashSet<String>,
}

/// A parsed file: its checksum, its stamp when it can be trusted, the record when it was usable,
/// and its findings.
type Parsed = (String, Option<source::Stamp>, Option<Arc<parse::Record>>, Vec<Diagnostic>);

impl ParseCache {
    /// Notes the files a batch of changes touched, as `serve`'s watcher names them (`None`: not
    /// known, as after the kernel's queue overflowed). Once called, it must be called for every
    /// batch, whether or not a build then reads the site (after a preview it does not), so that
    /// the files named add up until one does; a session that never calls it lists the site on
    /// every build.
    pub fn note_changes(&self, files: Option<&[std::path::PathBuf]>) {
        if let Ok(mut l) = self.listing.lock() {
            l.watched = true;
            match (files, l.changed.as_mut()) {
                (Some(files), Some(changed)) => changed.extend(files.iter().cloned()),
                _ => l.changed = None,
            }
        }
    }

    /// The last listing of `content/` (canonical path `content`, under the site's folder
    /// `root`), brought up to date with the files the watcher named since, when they leave it
    /// as listing again would make it: each was listed and is still a regular file; or was not
    /// and is not there (a temporary file an editor made and removed); or is a new regular file
    /// with a name the listing takes, in a folder that holds listed files (a record saved for
    /// the first time), which is put into it; or was listed and is gone, with nothing listed
    /// below it (a record deleted), which is taken out. Those files are then the only ones read
    /// again: at 50,000 records, listing `content/` took 0.17 s and asking the file system about
    /// every record 0.09 s. Anything else (a folder made, moved or removed, a file in place of
    /// a folder, a link, a name the listing refuses, a file that cannot be asked about, or, with
    /// a file added, a file named that is not there under that very name, as a file system that
    /// ignores case shows it after a rename), or a batch of changes that named no files, and
    /// the site is listed again. Takes the files named: they are read now.
    fn listed(&self, root: &Path, content: &Path) -> Option<Listed> {
        let mut guard = self.listing.lock().ok()?;
        let Listing { loaded, changed: named, watched, .. } = &mut *guard;
        let (Some(loaded), Some(named), true) = (loaded.as_ref(), named.take(), *watched) else { return None };
        let mut changed = std::collections::HashSet::new();
        let (mut added, mut gone, mut present) = (Vec::new(), Vec::new(), Vec::new());
        // Whether a listed file lies below folder `under` ("" for `content/` itself).
        let holds = |under: &str| {
            let folder = format!("{under}/");
            under.is_empty() || loaded.files.range(folder.clone()..).next().is_some_and(|f| f.starts_with(&folder))
        };
        for p in &named {
            // A file outside `content/` is not listed; but one outside the site's folder as
            // well is a path not spelled as the listing's are (the watcher's are canonical, and
            // so is `content`), or git's: either way, list again.
            let Ok(under) = p.strip_prefix(content) else {
                if content.parent().is_none_or(|root| !p.starts_with(root)) {
                    return None;
                }
                continue;
            };
            let under = under.to_str()?;
            // The listing skips hidden files and folders.
            if under.split('/').any(|seg| seg.starts_with('.')) {
                continue;
            }
            // Only a file that is not there is gone: one that cannot be asked about (its folder
            // closed to the build) is listed again, and the walk says why.
            let is_file = match std::fs::symlink_metadata(p) {
                Ok(m) if m.file_type().is_file() => true,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
                _ => return None,
            };
            // A folder (a file now in its place too) held listed files: list again.
            if under.is_empty() || holds(under) {
                return None;
            }
            match (is_file, loaded.files.contains(under)) {
                (true, false) => {
                    let (folder, name) = under.rsplit_once('/').unwrap_or(("", under));
                    if !holds(folder) || source::bad_name(std::ffi::OsStr::new(name)) {
                        return None;
                    }
                    added.push(under.to_string());
                }
                (false, true) => gone.push(under.to_string()),
                _ => {}
            }
            if is_file {
                present.push(under.to_string());
            }
            changed.insert(format!("content/{under}"));
        }
        // A file system that ignores case finds `A.md` after it was renamed `a.md`: with a file
        // added, every file named as there must be there under that very name, as the walk
        // would spell it, or the listing would hold both.
        if !added.is_empty() {
            let mut folders: std::collections::HashMap<&str, BTreeSet<std::ffi::OsString>> =
                std::collections::HashMap::new();
            for under in &present {
                let (folder, name) = under.rsplit_once('/').unwrap_or(("", under));
                let names = match folders.entry(folder) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        let read = std::fs::read_dir(content.join(folder)).ok()?;
                        e.insert(read.map(|d| d.map(|d| d.file_name())).collect::<Result<_, _>>().ok()?)
                    }
                };
                if !names.contains(std::ffi::OsStr::new(name)) {
                    return None;
                }
            }
        }
        if !added.is_empty() || !gone.is_empty() {
            let l = guard.loaded.as_mut()?;
            for under in gone {
                l.files.remove(&under);
                l.entries.retain(|e| e.under != under);
            }
            for under in added {
                if source::is_record_file(&under) {
                    // In the order the listing walks folders: by name, folder by folder.
                    let at = l.entries.partition_point(|e| e.under.split('/').lt(under.split('/')));
                    let path = root.join("content").join(&under);
                    l.entries.insert(at, source::Entry { path, under: under.clone() });
                }
                l.files.insert(under);
            }
        }
        let loaded = guard.loaded.clone()?;
        guard.changed = Some(BTreeSet::new());
        Some(Listed { loaded, changed })
    }

    /// How many times a build of the session listed `content/` (see [`ParseCache::listed`]).
    pub fn listings(&self) -> u64 {
        self.listing.lock().map_or(0, |l| l.made)
    }

    /// Keeps a new listing of `content/`, made after every change named so far.
    fn keep_listing(&self, loaded: &source::Loaded) {
        if let Ok(mut l) = self.listing.lock() {
            l.made += 1;
            let good = loaded.diagnostics.is_empty();
            l.loaded = good.then(|| loaded.clone());
            l.changed = good.then(BTreeSet::new);
        }
    }

    /// The parse of `file`, not changed since it was read by what the watcher says, if its stamp
    /// then could be trusted.
    fn get_unchanged(&self, file: &str) -> Option<(Option<Arc<parse::Record>>, Vec<Diagnostic>)> {
        let inner = self.inner.lock().ok()?;
        inner.1.get(file).filter(|p| p.1.is_some()).map(|p| (p.2.clone(), p.3.clone()))
    }

    /// The parse of `file` if its bytes are unchanged; the stamp it was read at is noted.
    fn get(
        &self,
        file: &str,
        sha: &str,
        stamp: Option<source::Stamp>,
    ) -> Option<(Option<Arc<parse::Record>>, Vec<Diagnostic>)> {
        let mut inner = self.inner.lock().ok()?;
        let p = inner.1.get_mut(file).filter(|p| p.0 == sha)?;
        p.1 = stamp;
        Some((p.2.clone(), p.3.clone()))
    }

    /// The findings of the last reading of `file`, whatever its bytes were.
    pub(crate) fn findings(&self, file: &str) -> Option<Vec<Diagnostic>> {
        self.inner.lock().ok()?.1.get(file).map(|p| p.3.clone())
    }

    /// The parse of `file` if its stamp is the one it had when it was read.
    fn get_unread(&self, file: &str, path: &Path) -> Option<(Option<Arc<parse::Record>>, Vec<Diagnostic>)> {
        let now = source::stamp(path)?;
        let inner = self.inner.lock().ok()?;
        inner.1.get(file).filter(|p| p.1 == Some(now)).map(|p| (p.2.clone(), p.3.clone()))
    }

    fn put(
        &self,
        file: &str,
        sha: &str,
        stamp: Option<source::Stamp>,
        parsed: &(Option<Arc<parse::Record>>, Vec<Diagnostic>),
    ) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.1.insert(file.to_string(), (sha.to_string(), stamp, parsed.0.clone(), parsed.1.clone()));
        }
    }

    /// Forgets everything when the settings that parsing reads have changed, and files that
    /// are gone.
    fn prepare(&self, cfg: &Config, files: &BTreeSet<&str>) {
        let key = format!(
            "{:?}|{:?}|{:?}|{}",
            cfg.patterns.index_no.as_ref().map(|r| r.as_str()),
            cfg.patterns.registration_no.as_ref().map(|r| r.as_str()),
            cfg.extra_keys,
            cfg.site.gazette_name
        );
        if let Ok(mut inner) = self.inner.lock() {
            if inner.0 != key {
                *inner = (key, Default::default());
            }
            inner.1.retain(|f, _| files.contains(f.as_str()));
        }
    }
}

/// A command's failure: what went wrong, as a finding of a tool rule, and the exit code.
pub struct Failure {
    /// What went wrong.
    pub diagnostic: Diagnostic,
    /// Exit code.
    pub code: u8,
}

impl Failure {
    /// A failure of `rule` that no line of a file explains, ending the command with `code`.
    pub fn new(rule: &'static Rule, code: u8, message: Msg) -> Failure {
        Failure { diagnostic: Diagnostic::error(rule, "", Pos::new(1, 1), message), code }
    }

    /// Reading or writing failed: an `io` failure, exit code 2.
    pub fn io(message: Msg) -> Failure {
        Failure::new(&rules::IO, EXIT_FAILURE, message)
    }

    /// Points the failure at the line of `gongbao.toml` that sets `key` in `[section]`, when the
    /// settings of the site at `root` set it there.
    pub fn at_setting(mut self, root: &Path, section: &str, key: &str) -> Failure {
        if let Some((_, value)) = settings_text(root).and_then(|t| config::setting_pos(&t, section, key)) {
            self.diagnostic.file = config::FILE.to_string();
            self.diagnostic.pos = value;
        }
        self
    }

    /// Adds the advice on what to do.
    pub fn help(mut self, help: Msg) -> Failure {
        self.diagnostic = self.diagnostic.help(help);
        self
    }
}

/// Why a build did not finish.
pub enum Stop {
    /// The site has errors, or files could not be written; they have been printed with the
    /// other findings. The exit code.
    Reported(u8),
    /// The tool could not go on; nothing has been printed yet.
    Failed(Failure),
}

impl From<Failure> for Stop {
    fn from(f: Failure) -> Stop {
        Stop::Failed(f)
    }
}

impl Stop {
    /// Prints what has not been printed yet (see [`report()`]) and returns the exit code.
    pub fn report(&self, root: &Path) -> u8 {
        match self {
            Stop::Reported(code) => *code,
            Stop::Failed(f) => report(f, root),
        }
    }
}

/// Reads the settings at `root`.
pub fn read_config(root: &Path) -> Result<Config, Failure> {
    read_config_text(root).map(|(cfg, _)| cfg)
}

/// [`read_config`], and the settings' text for positions in later messages.
fn read_config_text(root: &Path) -> Result<(Config, String), Failure> {
    let path = root.join(config::FILE);
    let text = source::read_regular(&path, source::MAX_RECORD_BYTES).map_err(|e| Failure {
        diagnostic: match e {
            source::ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let shown = path.display();
                Diagnostic::error(
                    &rules::CONFIG,
                    "",
                    Pos::new(1, 1),
                    msg!(
                        "找不到站点配置文件 {shown}：这里和上级目录都不是 gongbao 站点",
                        "file not found: {shown}; neither this folder nor any above it is a gongbao site"
                    ),
                )
                .help(msg!(
                    "在站点目录或它的子目录中运行，或用 -C 指定站点目录；新建站点请运行 gongbao init",
                    "run this in the site's folder or below it, or name the site with -C; gongbao init makes a new site"
                ))
            }
            source::ReadError::Io(e) => Diagnostic::error(
                &rules::CONFIG,
                config::FILE,
                Pos::new(1, 1),
                msg!("无法读取站点配置：{e}", "cannot read the site settings: {e}"),
            )
            .help(msg!(
                "在站点目录或它的子目录中运行，或用 -C 指定站点目录；新建站点请运行 gongbao init",
                "run this in the site's folder or below it, or name the site with -C; gongbao init makes a new site"
            )),
            e => e.diagnostic(config::FILE),
        },
        code: EXIT_FAILURE,
    })?;
    let text = source::decode(&text).map_err(|(pos, m, h)| Failure {
        diagnostic: Diagnostic::error(&rules::CONFIG, config::FILE, pos, m).help(h),
        code: EXIT_ERRORS,
    })?;
    let cfg = Config::parse(&text).map_err(|d| Failure { diagnostic: d, code: EXIT_ERRORS })?;
    if let Some(d) = crate::check::check_levels(&cfg.rules, &text).into_iter().next() {
        return Err(Failure { diagnostic: d, code: EXIT_ERRORS });
    }
    Ok((cfg, text))
}

/// load → parse → corpus → check.
pub fn analyse(root: &Path, as_of: Option<Date>) -> Result<Analysis, Failure> {
    analyse_with(root, as_of, None, false)
}

/// Refuses a built site at `out` that holds a document the sources no longer publish on the
/// day it was built for: withheld, made available on request only, or removed since that build.
/// A package or a deploy made from it would publish the document again. Only a count is told:
/// the ids of such documents are not for logs. With `unchanged` (a package, which an archive
/// keeps with the checksums of the records' sources) a document whose source has changed since
/// the build is refused too: the package would hold the old text under a checksum that no
/// longer matches `content/`.
pub(crate) fn still_public(root: &Path, out: &Path, unchanged: bool) -> Result<(), Failure> {
    let shown = out.display();
    let rebuild = || msg!("先重新运行 gongbao build", "run gongbao build again first");
    let text = std::fs::read_to_string(out.join("data/documents.json")).map_err(|e| {
        Failure::io(msg!("无法读取 {shown}/data/documents.json：{e}", "cannot read {shown}/data/documents.json: {e}"))
            .help(rebuild())
    })?;
    let built: crate::package::meta::DocumentsFile = serde_json::from_str(&text).map_err(|e| {
        Failure::io(msg!(
            "{shown}/data/documents.json 无法读取：{e}",
            "{shown}/data/documents.json cannot be read: {e}"
        ))
        .help(rebuild())
    })?;
    let as_of = Date::parse(&built.as_of.to_string()).ok();
    // A build for a later day (`build --as-of`) shows documents not published yet: a rehearsal,
    // never something to publish or hand over today.
    let today = Date::today(read_config_text(root)?.0.tz_minutes());
    if let Some(day) = as_of.filter(|d| *d > today) {
        return Err(Failure::new(
            &rules::CHANGED,
            EXIT_ERRORS,
            msg!(
                "{shown} 是按 {day} 构建的，晚于今天（{today}）：其中可能有尚未发布的文件，不能从这份输出发布或移交",
                "{shown} was built as of {day}, after today ({today}): it may hold documents not published yet; nothing is published or packaged from this output"
            ),
        )
        .help(msg!("不带 --as-of 重新运行 gongbao build", "run gongbao build again without --as-of")));
    }
    let now = analyse_with(root, as_of, None, false)?;
    // Each public record's id, with the SHA-256 of its source.
    let public: std::collections::HashMap<&str, &str> = now
        .corpus
        .visible_indexes()
        .map(|i| (now.corpus.records[i].id.as_str(), now.corpus.records[i].sha256.as_str()))
        .collect();
    let gone = built.documents.iter().filter(|d| !public.contains_key(d.id.as_str())).count();
    if gone > 0 {
        return Err(Failure::new(
            &rules::CHANGED,
            EXIT_ERRORS,
            msg!(
                "{shown} 中有 {gone} 份文件按现在的 content/ 已不再主动公开（构建之后被改为不予公开、依申请公开，或被删除），不能再从这份输出发布或移交",
                "{gone} document(s) in {shown} are no longer public by content/ as it is now (withheld, made available on request or removed since that build); nothing is published or packaged from this output"
            ),
        )
        .help(rebuild()));
    }
    if unchanged {
        let changed = built.documents.iter().filter(|d| public.get(d.id.as_str()) != Some(&d.sha256.as_str())).count();
        if changed > 0 {
            return Err(Failure::new(
                &rules::CHANGED,
                EXIT_ERRORS,
                msg!(
                    "{shown} 中有 {changed} 份文件的源文件在构建之后改动过：包里会是旧文本，与 content/ 中记录的校验和不符，不移交",
                    "the sources of {changed} document(s) in {shown} have changed since that build: the package would hold the old text under a checksum content/ no longer has; nothing is packaged"
                ),
            )
            .help(rebuild()));
        }
    }
    Ok(())
}

/// Installs the handler that, when a signal stops a command, removes what it was writing and
/// leaves the output as it was (`emit::interrupt`).
pub fn on_signals_leave_nothing() {
    crate::emit::interrupt::install();
}

/// [`analyse`], reusing the records of unchanged files from `cache`.
pub fn analyse_with(
    root: &Path,
    as_of: Option<Date>,
    cache: Option<&ParseCache>,
    registering: bool,
) -> Result<Analysis, Failure> {
    memory_mark("begun");
    let (cfg, config_text) = read_config_text(root)?;
    // Under `serve`, the last listing when the watcher says it still stands.
    let listed = cache.and_then(|c| c.listed(root, &root.join("content").canonicalize().ok()?));
    let (Loaded { entries, files, diagnostics: mut diags }, unchanged) = match listed {
        Some(l) => (l.loaded, Some(l.changed)),
        None => {
            let loaded = source::load(root).map_err(|e| Failure {
                diagnostic: Diagnostic::error(
                    &rules::IO,
                    "content",
                    Pos::new(1, 1),
                    msg!("无法读取 content/：{e}", "cannot read content/: {e}"),
                ),
                code: EXIT_FAILURE,
            })?;
            if let Some(c) = cache {
                c.keep_listing(&loaded);
            }
            (loaded, None)
        }
    };
    memory_mark("listed");
    // Read and parse each record in one parallel pass; its text is dropped as soon as it is parsed.
    if let Some(c) = cache {
        let now: Vec<String> = entries.iter().map(|e| format!("content/{}", e.under)).collect();
        c.prepare(&cfg, &now.iter().map(String::as_str).collect());
    }
    let parsed: Vec<(Option<Arc<parse::Record>>, Vec<Diagnostic>)> = entries
        .par_iter()
        .map(|e| {
            let file = format!("content/{}", e.under);
            // A file the watcher did not name since the last listing is as it was then.
            if unchanged.as_ref().is_some_and(|named| !named.contains(&file))
                && let Some(hit) = cache.and_then(|c| c.get_unchanged(&file))
            {
                return hit;
            }
            if let Some(hit) = cache.and_then(|c| c.get_unread(&file, &e.path)) {
                return hit;
            }
            let read_at = std::time::SystemTime::now();
            let before = cache.and_then(|_| source::settled_stamp(&e.path, read_at));
            match source::read(root, e) {
                Ok(src) => {
                    if let Some(hit) = cache.and_then(|c| c.get(&src.file, &src.sha256, before)) {
                        return hit;
                    }
                    let (record, found) = parse::parse(&src, &cfg);
                    let parsed = (record.map(Arc::new), found);
                    if let Some(c) = cache {
                        // The time taken before reading: a write during the read changes it.
                        c.put(&src.file, &src.sha256, before, &parsed);
                    }
                    parsed
                }
                Err(d) => (None, vec![d]),
            }
        })
        .collect();
    memory_mark("parsed");
    let unwatched = std::iter::once(crate::model::publication::REGISTER)
        .chain(cfg.publication.calendar.as_deref())
        .map(|f| (root.join(f), source::stamp(&root.join(f))))
        .collect();
    let mut records = Vec::with_capacity(parsed.len());
    // Files that could not be read as records: their errors are the cause of others (a
    // reference to them fails too), so they are printed first.
    let mut broken = BTreeSet::new();
    for (e, (r, d)) in entries.iter().zip(parsed) {
        if r.is_none() && d.iter().any(|d| d.severity == Severity::Error) {
            broken.insert(format!("content/{}", e.under));
        }
        diags.extend(d);
        records.extend(r);
    }
    let as_of = as_of.unwrap_or_else(|| Date::today(cfg.tz_minutes()));
    let history = crate::source::history::read(root, cfg.history.subjects);
    let corpus = Corpus::build(records, as_of, crate::corpus::Inputs { files: Some(&files), history });
    memory_mark("corpus");
    diags.extend(crate::check::placeholders(&cfg, &config_text));
    let (calendar, bad_calendar) = crate::source::read_calendar(root, &cfg);
    diags.extend(bad_calendar);
    diags.extend(crate::check::run(
        &corpus,
        &Context { files: &files, root, cfg: &cfg, calendar: &calendar, scans: cache.map(|p| &p.scans) },
    ));
    // Read here, so `check` reports a theme that cannot be published as `build` would.
    let theme = crate::site::theme::Theme::from_dir(root, &cfg.site.theme).unwrap_or_else(|d| {
        diags.push(d);
        None
    });
    let transfers = crate::source::read_register(root).unwrap_or_else(|d| {
        diags.push(d);
        Vec::new()
    });
    let mut register = crate::site::Registers { transfers, ..Default::default() };
    match crate::source::read_publications(root) {
        // Only a build that registers looks for what is due: `check`, a build for another day
        // and `serve` show the register as it stands (at a national scale the entries due on a
        // first build are over 100 MB).
        Ok(earlier) if !registering => register.publications = earlier,
        Ok(earlier) => {
            let uncommitted = || crate::source::history::uncommitted(root);
            let mut due = crate::site::data::publications::due(&corpus, &cfg, &earlier, &uncommitted);
            // Numbered and chained now; the lines are made again when they are appended, rather
            // than held through the build (at a national scale, over 100 MB).
            crate::model::publication::append_lines(&earlier, &mut due);
            register.appended = due.len();
            register.publications = earlier;
            register.publications.extend(due);
        }
        Err(d) => diags.push(d),
    }
    memory_mark("checked");
    let mut diagnostics = finish(diags, &cfg, &corpus, &broken);
    diagnostics.sort_by_key(|d| !broken.contains(&d.file));
    let sources = Quoted::of(root);
    Ok(Analysis { cfg, corpus, files, diagnostics, sources, theme, register, unwatched, calendar })
}

/// Set by `serve`: its findings are shown to the editor, on the terminal and on the preview's
/// pages, and name the files of records that are not public (see [`finish`]).
pub(crate) static PREVIEWING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The findings of a reading of the site as they are printed and kept: the site's severities
/// applied ([`diag::finish`]), sorted, and those in the files of records that are not public
/// quoting none of them. `broken` names the records' files that could not be read.
pub(crate) fn finish(
    diags: Vec<Diagnostic>,
    cfg: &Config,
    corpus: &Corpus,
    broken: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    let mut diagnostics = diag::finish(diags, &cfg.rules);
    let private = corpus.private_sources();
    // The files such records name (their attachments, whose names may say what they are); not
    // those of a public record published later, which are as public as it is.
    let named = |f: &str| {
        let k = f.strip_prefix("content/").and_then(|u| corpus.private_files.get(u));
        k.is_some_and(|&k| corpus.records[k].disclosure != crate::model::Disclosure::Public)
    };
    // A folder record whose `index.md` could not be read may be one that is not public: the
    // other files in its folder (its earlier texts, its attachments) quote nothing either.
    let unread: BTreeSet<&str> = broken.iter().filter_map(|f| f.strip_suffix("index.md")).collect();
    let in_private = |f: &str| {
        let folders = || f.char_indices().filter(|(_, c)| *c == '/').map(|(k, _)| &f[..=k]);
        private.contains(f)
            || named(f)
            || folders().any(|p| private.contains(p))
            || (!broken.contains(f) && folders().any(|p| unread.contains(p)))
    };
    // Which file it is, is for an editor at a terminal or in `serve`'s preview: a log (CI, or
    // output not to a terminal) does not name it either, as its name may say what the record is.
    // `check --format json > file` at a terminal writes a file: both streams must be the terminal.
    let at_terminal =
        (interactive() && std::io::stdout().is_terminal()) || PREVIEWING.load(std::sync::atomic::Ordering::Relaxed);
    // A file that could not be read as a record but says something of disclosure had its
    // findings redacted when it was parsed (`parse::parse`): its name is no more told than a
    // withheld record's.
    let unreadable_private = |d: &Diagnostic| d.private && broken.contains(&d.file);
    for d in diagnostics.iter_mut().filter(|d| in_private(&d.file) || unreadable_private(d)) {
        if !d.private {
            d.redact();
        }
        if !at_terminal {
            d.hide_file();
        }
    }
    // Where a finding whose file is not named stands among the others would tell its file's
    // place in path order: they come last, by rule and place in the file.
    let hidden = |d: &Diagnostic| d.file == diag::HIDDEN_FILE;
    if !at_terminal {
        diagnostics.sort_by(|a, b| match (hidden(a), hidden(b)) {
            (true, true) => (a.rule.id, a.pos.line, a.pos.column).cmp(&(b.rule.id, b.pos.line, b.pos.column)),
            (x, y) => x.cmp(&y),
        });
    }
    diagnostics
}

/// Where the source lines that findings point at are read from when they are printed: the
/// site's folder, or nowhere. Only the lines of the findings printed are read, when they are
/// printed, not the files' texts, which at a national scale (a warning on every other record)
/// would be hundreds of MB held through the whole build; and `serve`, which prints only what is
/// new, reads none for the findings it does not print again.
#[derive(Debug, Default, Clone)]
pub struct Quoted {
    root: Option<std::path::PathBuf>,
}

/// The source lines some findings point at: file, line, text, sorted.
struct Lines(Vec<(String, u32, String)>);

impl Quoted {
    /// Lines are read from the site at `root`.
    pub fn of(root: &Path) -> Quoted {
        Quoted { root: Some(root.to_path_buf()) }
    }

    /// Reads the lines `diags` point at in the files under `content/`, in parallel. Only regular
    /// files are read, as records are: a message about a link never quotes its target. Findings
    /// marked private quote nothing.
    fn lines(&self, diags: &[Diagnostic]) -> Lines {
        let Some(root) = &self.root else { return Lines(Vec::new()) };
        let mut wanted: std::collections::BTreeMap<&str, BTreeSet<u32>> = Default::default();
        for d in diags.iter().filter(|d| !d.private && d.file.starts_with("content/")) {
            wanted.entry(d.file.as_str()).or_default().insert(d.pos.line);
        }
        let wanted: Vec<_> = wanted.into_iter().collect();
        let lines: Vec<Vec<(String, u32, String)>> = wanted
            .par_iter()
            .map(|(file, want)| {
                let Some(text) = source::read_regular(&root.join(file), source::MAX_RECORD_BYTES)
                    .ok()
                    .and_then(|b| source::decode(&b).ok())
                else {
                    return Vec::new();
                };
                let mut got = Vec::new();
                let mut want = want.iter().peekable();
                for (n, line) in (1u32..).zip(text.lines()) {
                    let Some(&&next) = want.peek() else { break };
                    if n == next {
                        got.push((file.to_string(), n, line.to_string()));
                        want.next();
                    }
                }
                got
            })
            .collect();
        Lines(lines.into_iter().flatten().collect())
    }
}

impl Lines {
    /// Line `n` (from 1) of `file`, when a finding points at it.
    fn line(&self, file: &str, n: u32) -> Option<&str> {
        let i = self.0.binary_search_by(|(f, k, _)| (f.as_str(), *k).cmp(&(file, n))).ok()?;
        Some(self.0[i].2.as_str())
    }
}

/// Prints findings to stderr in the site's language.
/// Written a few thousand at a time, so that a corpus with hundreds of thousands of findings
/// never holds them all quoted and rendered at once.
pub fn print(diags: &[Diagnostic], lang: Lang, sources: &Quoted, config_text: Option<&str>) {
    use std::io::Write;
    let personal = diag::personal_lines(diags);
    let mut err = std::io::stderr().lock();
    for part in diags.chunks(4096) {
        let _ = err.write_all(render_with(part, lang, sources, config_text, &personal).as_bytes());
    }
}

/// Findings as [`print()`] writes them: each with its rule, file, line and column, the source line
/// (never for a record that is not public), and the help.
pub fn render(diags: &[Diagnostic], lang: Lang, sources: &Quoted, config_text: Option<&str>) -> String {
    render_with(diags, lang, sources, config_text, &diag::personal_lines(diags))
}

fn render_with(
    diags: &[Diagnostic],
    lang: Lang,
    sources: &Quoted,
    config_text: Option<&str>,
    personal: &std::collections::HashSet<(&str, u32)>,
) -> String {
    let lines = sources.lines(diags);
    let source = |file: &str, n: u32| {
        if file == config::FILE {
            return config_text?.lines().nth(n as usize - 1);
        }
        lines.line(file, n)
    };
    diag::render_human_with(diags, lang, source, personal)
}

/// One line saying how many errors and warnings there were.
pub fn summary(diags: &[Diagnostic], lang: Lang) -> String {
    let e = diag::error_count(diags);
    let w = diags.iter().filter(|d| d.severity == Severity::Warning).count();
    if lang.is_english() { format!("{e} error(s), {w} warning(s)") } else { format!("{e} 个错误，{w} 个警告") }
}

/// With `GONGBAO_TIMINGS` set, prints the process's resident memory after a stage, in MiB
/// (`memory-mib <stage>=<now>/<peak>`), read from `/proc/self/status`, the heap, and the
/// milliseconds since the previous mark.
pub(crate) fn memory_mark(stage: &str) {
    if std::env::var_os("GONGBAO_TIMINGS").is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    if let (Some(now), Some(peak)) = (kib("VmRSS:"), kib("VmHWM:")) {
        let (live, top) = heap::live();
        let mib = |b: usize| b >> 20;
        // And the time since the previous mark of this process (the first: since it started).
        static LAST: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);
        let now_at = std::time::Instant::now();
        let ms = LAST.lock().ok().and_then(|mut l| l.replace(now_at)).map_or(0, |t| (now_at - t).as_millis());
        // The most held during this stage alone: the heap's, and with `GONGBAO_TIMINGS=stages`
        // the resident peak since the last mark (the kernel counts it again from now when 5 is
        // written to `clear_refs`; this also resets the peak that `time` reports at the end, so
        // it is not done otherwise). The process's own peak is then the most of the stages'.
        use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
        static MOST: AtomicU64 = AtomicU64::new(0);
        let most = MOST.fetch_max(peak, Relaxed).max(peak);
        let stages = std::env::var_os("GONGBAO_TIMINGS").is_some_and(|v| v == "stages");
        let stage_rss = if stages && std::fs::write("/proc/self/clear_refs", "5").is_ok() {
            format!(" stage-rss={}", peak / 1024)
        } else {
            String::new()
        };
        let stage_heap = mib(heap::stage_top());
        eprintln!(
            "memory-mib {stage}={}/{} heap={}/{} ms={ms} stage-heap={stage_heap}{stage_rss}",
            now / 1024,
            most / 1024,
            mib(live),
            mib(top),
        );
    }
}

/// The bytes the program holds on its heap, counted by the allocator of the `gongbao` binary
/// ([`heap::Counting`]), so that the stage marks of `GONGBAO_TIMINGS` tell what is held from what
/// the allocator keeps in reserve.
pub mod heap {
    use std::alloc::{GlobalAlloc, Layout};
    use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

    static ON: AtomicBool = AtomicBool::new(false);
    static LIVE: AtomicIsize = AtomicIsize::new(0);
    static TOP: AtomicIsize = AtomicIsize::new(0);
    static STAGE_TOP: AtomicIsize = AtomicIsize::new(0);

    /// An allocator that counts the bytes held through `A`, once [`count`] is called.
    pub struct Counting<A>(pub A);

    /// Starts counting (`main` does when `GONGBAO_TIMINGS` is set).
    pub fn count() {
        ON.store(true, Relaxed);
    }

    /// Bytes held now, and the most held at any time so far, since [`count`] was called (zero
    /// when it was not, or the binary counts nothing, as in the tests).
    pub fn live() -> (usize, usize) {
        let n = |v: isize| usize::try_from(v).unwrap_or(0);
        (n(LIVE.load(Relaxed)), n(TOP.load(Relaxed)))
    }

    /// The most held since the last call (or since counting began), and starts that count again.
    pub fn stage_top() -> usize {
        let live = LIVE.load(Relaxed);
        usize::try_from(STAGE_TOP.swap(live, Relaxed)).unwrap_or(0)
    }

    /// What this thread allocated less what it freed since it last told the counters: each
    /// thread tells them only once it has moved by [`BATCH`] bytes either way, so that two
    /// threads do not contend for one counter at every allocation (which cost a tenth of a
    /// build's CPU time). The counts are then off by at most `BATCH` bytes per thread living,
    /// and by what a thread had not told when it ended (at most `BATCH` each): over a long
    /// `serve` session, which ends a thread per connection and per sweep, the marks may drift by
    /// that much per thread ended. They are a measure for the benchmarks, not a limit.
    const BATCH: isize = 256 << 10;

    std::thread_local! {
        static MOVED: std::cell::Cell<isize> = const { std::cell::Cell::new(0) };
    }

    fn moved(by: isize) {
        if !ON.load(Relaxed) {
            return;
        }
        // A thread being torn down has no cell left: its moves are told at once.
        let due = MOVED
            .try_with(|m| {
                let n = m.get() + by;
                if n.abs() < BATCH {
                    m.set(n);
                    0
                } else {
                    m.set(0);
                    n
                }
            })
            .unwrap_or(by);
        if due == 0 {
            return;
        }
        let now = LIVE.fetch_add(due, Relaxed) + due;
        if now > TOP.load(Relaxed) {
            TOP.fetch_max(now, Relaxed);
        }
        if now > STAGE_TOP.load(Relaxed) {
            STAGE_TOP.fetch_max(now, Relaxed);
        }
    }

    fn grew(by: usize) {
        moved(by as isize);
    }

    fn shrank(by: usize) {
        moved(-(by as isize));
    }

    // SAFETY: every call is passed to `A` unchanged; only a counter is kept beside it.
    unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's promises are `A`'s.
            let p = unsafe { self.0.alloc(layout) };
            if !p.is_null() {
                grew(layout.size());
            }
            p
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            shrank(layout.size());
            // SAFETY: as above.
            unsafe { self.0.dealloc(ptr, layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: as above.
            let p = unsafe { self.0.alloc_zeroed(layout) };
            if !p.is_null() {
                grew(layout.size());
            }
            p
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
            // SAFETY: as above.
            let p = unsafe { self.0.realloc(ptr, layout, new) };
            if !p.is_null() {
                grew(new);
                shrank(layout.size());
            }
            p
        }
    }
}

/// Whether to show progress: on a terminal and not in CI.
pub fn interactive() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// Prints a failure once, to stderr, in the language of the site at `root` (Chinese when its
/// settings cannot be read), with the line of `gongbao.toml` it points at; returns its exit code.
pub fn report(f: &Failure, root: &Path) -> u8 {
    eprint!("{}", render_failure(f, root));
    f.code
}

/// A failure as [`report()`] prints it.
pub fn render_failure(f: &Failure, root: &Path) -> String {
    let text = settings_text(root);
    let lang = language(text.as_deref());
    render(std::slice::from_ref(&f.diagnostic), lang, &Quoted::default(), text.as_deref())
}

/// The text of the settings at `root`, if it can be read.
fn settings_text(root: &Path) -> Option<String> {
    source::decode(&source::read_regular(&root.join(config::FILE), source::MAX_RECORD_BYTES).ok()?).ok()
}

/// The site's language, from the text of its settings: `[site] language` when the settings can be
/// parsed (even when `[rules]` is wrong), else Chinese, the default.
fn language(settings: Option<&str>) -> Lang {
    settings.and_then(|t| Config::parse(t).ok()).map_or(Lang::ZhHans, |c| c.lang())
}

/// The language of the site at `root`, as [`report()`] uses it.
pub fn site_language(root: &Path) -> Lang {
    language(settings_text(root).as_deref())
}
