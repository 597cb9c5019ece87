//! `gongbao build`: check, then render, write into staging, seal, and swap into place.

use super::{EXIT_ERRORS, EXIT_FAILURE, Failure, Stop, interactive, print, summary};
use crate::emit::{self, Staging};
use crate::model::date::Date;
use crate::model::diag::{self, Diagnostic, Pos};
use crate::model::rules;
use crate::msg;
use crate::seal::{self, minisign::KeyPair};
use crate::site::{self, Renderer, theme::Theme};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to build.
pub struct Options {
    /// Site root.
    pub root: PathBuf,
    /// Output folder (default `<root>/public`).
    pub out: Option<PathBuf>,
    /// Build as the site stood on this date.
    pub as_of: Option<Date>,
    /// Worker threads; default: one per core.
    pub jobs: Option<usize>,
    /// Print nothing but errors.
    pub quiet: bool,
    /// Render every file, ignoring the build cache.
    pub no_cache: bool,
    /// What earlier builds of this process kept (`serve`).
    pub session: Option<std::sync::Arc<super::Session>>,
}

/// Outcome of a build that got as far as writing.
pub struct Built {
    /// Files written, with seals.
    pub files: usize,
}

/// Builds the site; returns the exit code.
pub fn run(o: &Options) -> u8 {
    run_at(o, None)
}

/// Builds the site for the public address `base_url` when one is given (`--base-url`) instead
/// of the one in its settings; returns the exit code.
pub fn run_at(o: &Options, base_url: Option<&str>) -> u8 {
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(o.jobs.unwrap_or(0))
        .build()
        .map_err(|e| Stop::Failed(Failure::io(msg!("无法启动工作线程：{e}", "cannot start the worker threads: {e}"))))
        .and_then(|pool| pool.install(|| build_at(o, base_url)));
    match built {
        Ok(_) => 0,
        Err(stop) => stop.report(&o.root),
    }
}

/// The build itself, on the current thread pool. Findings and progress are printed as they come;
/// a failure of the tool is returned unprinted, for the caller to [`Stop::report`].
pub fn build(o: &Options) -> Result<Built, Stop> {
    build_at(o, None)
}

/// [`build`], for the public address `base_url` when one is given.
pub fn build_at(o: &Options, base_url: Option<&str>) -> Result<Built, Stop> {
    let start = Instant::now();
    // What the last build kept for a preview describes the site before this build; it is let go
    // now rather than held beside this build's own, unless a preview has just brought it up to
    // date with the edit this build is for (below). Taken first, so that a build that stops
    // early (an output folder it may not replace, another build holding the lock) leaves nothing
    // for a later one to take as the edit it was made for.
    let last = o.session.as_ref().and_then(|s| s.last.lock().ok()?.take());
    // A sweep of the last build's cache under way stops (see `Session::sweep`).
    if let Some(s) = &o.session {
        s.begin();
    }
    let root = &o.root;
    let out = o.out.clone().unwrap_or_else(|| default_out(root));
    check_out(root, &out).map_err(|d| Failure { diagnostic: d, code: EXIT_FAILURE })?;
    let out = plain(out);
    // One build at a time into one output, held until this function returns.
    let shown = out.display();
    let _lock = match emit::lock_output(root, &out) {
        Ok(Some(file)) => file,
        Ok(None) => {
            return Err(Failure::new(
                &rules::IO,
                EXIT_FAILURE,
                msg!(
                    "另一个 gongbao 构建正在写入 {shown}（可能是正在运行的 gongbao serve）；没有构建任何内容",
                    "another gongbao build is writing to {shown} (perhaps a running gongbao serve); nothing was built"
                ),
            )
            .help(msg!(
                "等它结束再构建，或用 --out 写到另一个目录",
                "build again when it has finished, or write to another folder with --out"
            ))
            .into());
        }
        Err(e) => {
            return Err(Failure::io(msg!(
                "无法在 .gongbao/locks/ 中锁定输出目录 {shown}：{e}",
                "cannot lock the output folder {shown} in .gongbao/locks/: {e}"
            ))
            .into());
        }
    };
    // A build for another day (`--as-of`) rehearses or reproduces a state rather than publishing,
    // and `serve` previews: neither registers anything.
    let registering = o.session.is_none() && o.as_of.is_none();
    // Files a build reads that `serve` does not watch (the publication register, which another
    // build appends to, and a holiday calendar) must be as the kept analysis read them.
    let fresh = |l: &super::Last| {
        l.edited.is_some()
            && l.analysis.corpus.as_of == o.as_of.unwrap_or_else(|| Date::today(l.analysis.cfg.tz_minutes()))
            && l.analysis.unwatched.iter().all(|(p, s)| crate::source::stamp(p) == *s)
    };
    let (mut a, kept, edited, refound, planned, earlier) = match last {
        // The edit only reworded texts or changed what only the records' own pages, rows and
        // checks read, and the preview read them: the analysis it brought up to date is the one
        // reading the site again would make. The records, their links, what the checks report
        // and the order of the lists are those of the last build, or the lists are those the
        // preview moved a record between (see `Record::rewords`, `Record::redescribes` and
        // `Corpus::reword`; `Record::restates` and `Corpus::restate`;
        // `site::Kept::regroup`), so its findings are the last build's, but for those of the
        // edited records' own files and checks, which the preview found again (`Refound`):
        // of those, only the new ones are printed.
        Some(l) if fresh(&l) => {
            let mut a = l.analysis;
            a.theme = Some(l.theme);
            (a, l.kept, l.edited, Some(l.refound), l.planned, None)
        }
        // Otherwise the site is read again; of the last build only the plan's pages are kept,
        // with what each read, for a plan that turns out to be the same (below).
        last => {
            // Kept with the sum of its records' ids and files: its pages name records by index.
            let earlier = last.and_then(|l| {
                let names = l.analysis.corpus.names_sum();
                l.planned.map(|(pages, _)| (pages, names))
            });
            let a = super::analyse_with(root, o.as_of, o.session.as_deref().map(|s| &s.parse), registering)?;
            (a, None, None, None, None, earlier)
        }
    };
    if let Some(url) = base_url {
        a.cfg.set_base_url(url).map_err(|d| Failure { diagnostic: d, code: EXIT_FAILURE })?;
    }
    let lang = a.cfg.lang();
    let en = lang.is_english();
    if o.quiet {
        let errors: Vec<Diagnostic> =
            a.diagnostics.iter().filter(|d| d.severity == diag::Severity::Error).cloned().collect();
        print(&errors, lang, &a.sources, None);
    } else if let Some(s) = &o.session {
        let (new, old) = match &refound {
            Some(r) => s.reseen(r),
            None => s.unseen(&a.diagnostics),
        };
        print(&new, lang, &a.sources, None);
        if old > 0 {
            eprintln!(
                "{}",
                msg!(
                    "另有 {old} 条发现与上次构建相同，不再重复显示（gongbao check 列出全部）",
                    "{old} finding(s) as in the last build not shown again (gongbao check lists them all)"
                )
                .get(lang)
            );
        }
    } else {
        print(&a.diagnostics, lang, &a.sources, None);
    }
    super::memory_mark("printed");
    let stopped = |text: String| {
        if let Some(mut s) = o.session.as_ref().and_then(|s| s.stopped.lock().ok()) {
            *s = text;
        }
    };
    stopped(String::new());
    if diag::error_count(&a.diagnostics) > 0 {
        stopped(super::render(&a.diagnostics, lang, &a.sources, None));
        let s = summary(&a.diagnostics, lang);
        if en {
            eprintln!("build stopped: {s}; the previous output is unchanged")
        } else {
            eprintln!("构建已停止：{s}；原有输出未改动")
        }
        return Err(Stop::Reported(EXIT_ERRORS));
    }
    // Printed, the findings are not needed any more (on a national corpus with a warning on
    // every other record, tens of MB); `serve` keeps them only when they stopped the build.
    drop(std::mem::take(&mut a.diagnostics));
    let owned_theme = match a.theme.take() {
        Some(t) => t,
        None if a.cfg.site.theme == "default" => Theme::builtin(),
        None => {
            let name = &a.cfg.site.theme;
            let f = Failure::new(
                &rules::THEME,
                EXIT_ERRORS,
                msg!("在 themes/ 中找不到主题 `{name}`", "theme `{name}` not found in themes/"),
            );
            return Err(f
                .at_setting(root, "site", "theme")
                .help(msg!(
                    "把主题放在 themes/{name}/，或删除 [site] theme 以使用内置主题",
                    "put the theme in themes/{name}/, or remove [site] theme to use the built-in one"
                ))
                .into());
        }
    };
    let theme = &owned_theme;
    let planning = Instant::now();
    let mut renderer = match kept {
        Some(k) => Renderer::resume(&a.corpus, &a.cfg, theme, root, &a.register, k),
        None => Renderer::new(&a.corpus, &a.cfg, theme, root, &a.register),
    }
    .map_err(|d| Failure { diagnostic: d, code: EXIT_ERRORS })?;
    let made_renderer = planning.elapsed();
    if let Some(s) = &o.session {
        renderer.remember_changed(&s.memo, edited.as_deref());
    }
    let remembered = planning.elapsed();
    let staging = Staging::new(&out).map_err(|e| {
        Failure::io(msg!("无法在 {shown} 旁建立暂存目录：{e}", "cannot make the staging folder beside {shown}: {e}"))
    })?;
    // `serve` keeps spare copies of the output's largest files between edits; a build removes
    // any that a `serve` stopped by a signal left.
    let staging = match &o.session {
        Some(s) => staging.with_spares(s.spares.clone()),
        None => {
            let _ = std::fs::remove_dir_all(emit::Spares::path(&out));
            staging
        }
    };
    // A rebuild that starts from a preview has the plan of the last build: the plan names files
    // by ids, dates, versions, attachments and lists' folders and pages, none of which a preview
    // changes (one that moves a record between lists put the new lists in the plan's pages). The few
    // data jobs are taken out of the list in place: a partition into two new lists would hold
    // the plan twice while they are made (at a million records, some four million jobs of 48
    // bytes).
    let (pages, data, kept_pages) = match planned {
        Some((mut k, data)) => (std::mem::take(&mut k.jobs), data, Some(k)),
        None => {
            let mut pages = site::plan_with(&a.corpus, &a.cfg, theme, root, renderer.lists(), &a.register);
            let data: Vec<site::Job> = pages.extract_if(.., |j| matches!(j, site::Job::Data(_))).collect();
            // An edit that moves no page (a signing date, a note; not a publication date that
            // reorders a list, nor a record that comes or goes) leaves the plan as it was: its
            // pages are then told apart by what they read, as after a preview. Comparing the
            // plans took 24–33 ms at 50,000 records; looking up every page's identity instead,
            // 0.12–0.15 s. What the site was read again for may be a file no job's reads
            // name (an attachment, the register): the jobs made from such files are asked.
            let planned = planning.elapsed();
            // Jobs name records by index: a plan that looks the same over other records is not.
            // Over records that came or went, the pages of records that stayed are found at their
            // records' new places (`KeptPages::moved`).
            let names = a.corpus.names_sum();
            let memo = o.session.as_ref().map(|s| &s.memo);
            let (same, moved) = match earlier {
                Some((mut k, was)) if was == names && k.jobs == pages => {
                    k.ask_beyond_records();
                    (Some(k), false)
                }
                // Over the same records, a plan that is not the same (a publication date changed
                // moves its record in the lists by date): each page is found at its place all
                // the same, and a list page kept when it shows what it showed.
                Some((k, was)) => match memo.and_then(|m| {
                    let places = if was == names {
                        std::sync::Arc::new(crate::site::memo::Places::same(a.corpus.records.len()))
                    } else {
                        m.places(&was, &names)?
                    };
                    Some((places, m.changes()))
                }) {
                    Some((places, changes)) => {
                        let k = k.moved(&places, &pages, &changes, a.cfg.site.per_page.max(1));
                        if let Some(s) = &o.session {
                            s.moved.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                        (Some(k), true)
                    }
                    None => (None, false),
                },
                None => (None, false),
            };
            if std::env::var_os("GONGBAO_TIMINGS").is_some() {
                let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
                eprintln!(
                    "plan-ms renderer={:.0} views={:.0} plan={:.0} same-plan={:.0} same={} moved={moved}",
                    ms(made_renderer),
                    ms(remembered - made_renderer),
                    ms(planned - remembered),
                    ms(planning.elapsed() - planned),
                    same.is_some() && !moved
                );
            }
            (pages, data, same)
        }
    };
    super::memory_mark("planned");
    // A bar on a terminal only: in CI and in logs it would be noise (`interactive`).
    let bar = (interactive() && !o.quiet).then(|| {
        let bar = indicatif::ProgressBar::new((pages.len() + data.len()) as u64);
        let words = if en { "rendering" } else { "正在生成" };
        if let Ok(style) = indicatif::ProgressStyle::with_template(&format!("{words} {{bar:30}} {{pos}}/{{len}}")) {
            bar.set_style(style);
        }
        bar
    });
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let analysed = start.elapsed();
    // `serve` keeps the cache of its last build; it still applies while the output it describes
    // is there (every reuse checks the file's size and time, unless a sweep has checked them all
    // since and the output's manifest is still the one the sweep saw: see `Cache::sweep`).
    let sealed = seal::is_output(&out);
    let mut kept = o
        .session
        .as_ref()
        .and_then(|s| s.cache.lock().ok()?.take())
        .filter(|(at, c)| *at == out && sealed && c.describes(at, seal::MANIFEST));
    if let Some((at, c)) = kept.as_mut() {
        c.still_swept(at, seal::MANIFEST);
    }
    let mut cache = if o.no_cache || !sealed {
        None
    } else {
        kept.map(|(_, c)| c).or_else(|| emit::Cache::read(root, &out).filter(|c| c.describes(&out, seal::MANIFEST)))
    };
    // Without a cache the new output replaces the old one whole: a file someone put deep inside
    // it (the top level was looked at before anything was read) would be lost with it.
    if cache.is_none() && sealed {
        stranger_files(&out, false)?;
    }
    let at = cache.as_ref().map(|c| (c, out.as_path()));
    // A build that stops before its list of files is made leaves the output as it was, which the
    // cache it took still describes, swept or not: `serve` keeps it for the next build, which
    // would otherwise check every file of the output again.
    let give_back = |cache: Option<emit::Cache>| {
        if let (Some(s), Some(c)) = (&o.session, cache)
            && let Ok(mut kept) = s.cache.lock()
        {
            *kept = Some((out.clone(), c));
        }
    };
    let failed = |errs: Vec<Diagnostic>| {
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        stopped(super::render(&errs, lang, &a.sources, None));
        // Under `serve`, a file saved again while the build read it (a second save, an editor
        // that writes a file in two steps) stops the build, and `serve` builds again at once
        // (`Session::overtaken`): that is said in a line, not as a finding.
        match &o.session {
            Some(s) if errs.iter().all(|d| *d.rule == rules::CHANGED) => {
                s.overtaken.store(true, std::sync::atomic::Ordering::SeqCst);
                eprintln!(
                    "{}",
                    msg!(
                        "构建过程中有文件又被保存，重新构建",
                        "a file was saved again during the build; building again"
                    )
                    .get(lang)
                );
            }
            _ => print(&errs, lang, &a.sources, None),
        }
        // A file that cannot be written is an I/O failure (2); a broken theme or a clash of
        // output paths is the site's error (1).
        let io = errs.iter().all(|d| *d.rule == rules::IO);
        Stop::Reported(if io { EXIT_FAILURE } else { EXIT_ERRORS })
    };
    // The open data and the search index, each timed on its own (GONGBAO_TIMINGS=1 prints the
    // stages; the benchmark reads them).
    let open_data = |jobs: &[site::Job]| {
        let began = Instant::now();
        (emit::emit(jobs, &renderer, &staging, at, &tick), began.elapsed())
    };
    let search = |previous: Option<&site::search::Previous<'_>>| {
        let began = Instant::now();
        let reuse = |rel: &str, fp: &[u8; 32]| cache.as_ref().and_then(|c| c.reuse(&out, rel, fp));
        let write = |rel: &str, bytes: &[u8], fp| {
            if let Some(f) = reuse(rel, &fp) {
                return Ok(f);
            }
            staging.write_summed(rel, bytes, fp).map_err(|e| {
                Diagnostic::error(&rules::IO, rel, Pos::new(1, 1), msg!("写入失败：{e}", "cannot write: {e}"))
            })
        };
        let index = renderer.search_index(previous, write, reuse);
        (index, began.elapsed())
    };
    // `serve` makes the pages, the open data and the search index at once, so that each has a
    // thread when another leaves one idle: the pages an edit reaches are few, the tables
    // (tens of MB) each take a thread for most of a rebuild, and the index keeps its postings
    // between builds (`site::memo`). A build makes them one after the other: at a national scale
    // the peak memory of each stage would add up, and a cached build reads what the pages
    // stage wrote (below).
    let (made, pages_took, at_once) = match &o.session {
        Some(_) => {
            // The index's tables of characters are made once per process, in parallel: made
            // here first, not on a worker thread that the join may lend to another task
            // waiting for them.
            site::search::tables();
            let pages = || {
                let began = Instant::now();
                // What each page read is kept, in the order of the plan (`emit::KeptPages`).
                let made = emit::emit_kept(pages, kept_pages, &renderer, &staging, at, &tick);
                (made.map(|(f, k)| (f, Some(k))), began.elapsed())
            };
            // Largest first, in the order given, each task to whichever thread is free: the
            // tables (`documents.json` alone is 59 MB at 50,000 records, hashed again from its
            // first changed row) start at once on both threads, the pages and the index follow,
            // then the small files of the open data. Joined in the order of the code instead,
            // one thread made the pages, the index and the small files before it came to
            // `documents.csv`, which then often ended the stage 20–30 ms after `documents.json`
            // (the rest of the work did not shrink: the rebuild as a whole gained little).
            let (tables, small): (Vec<&site::Job>, Vec<&site::Job>) =
                data.iter().partition(|j| renderer.streamed(j).is_some());
            let small: Vec<site::Job> = small.into_iter().cloned().collect();
            let mut made_tables: Vec<Option<(emit::Emitted, Instant)>> = tables.iter().map(|_| None).collect();
            let (mut made_pages, mut made_index, mut made_small) = (None, None, None);
            let began = Instant::now();
            rayon::scope_fifo(|s| {
                for (job, slot) in tables.iter().zip(made_tables.iter_mut()) {
                    let open_data = &open_data;
                    s.spawn_fifo(move |_| *slot = Some((open_data(std::slice::from_ref(*job)).0, Instant::now())));
                }
                let (p, i, d) = (&mut made_pages, &mut made_index, &mut made_small);
                s.spawn_fifo(move |_| *p = Some(pages()));
                s.spawn_fifo(|_| *i = Some(search(None)));
                s.spawn_fifo(|_| *d = Some((open_data(&small).0, Instant::now())));
            });
            // The stage's time runs to its last task's end.
            let (mut files, mut errs, mut ended) = (Vec::new(), Vec::new(), began);
            for (made, at) in made_tables.into_iter().chain([made_small]).flatten() {
                ended = ended.max(at);
                match made {
                    Ok(f) => files.extend(f),
                    Err(e) => errs.extend(e),
                }
            }
            files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
            let data_made = if errs.is_empty() { Ok(files) } else { Err(errs) };
            let ((made, took), index) =
                (made_pages.expect("the pages were made"), made_index.expect("the index was made"));
            (made, took, Some(((data_made, ended - began), index)))
        }
        None => {
            let made = emit::emit(&pages, &renderer, &staging, at, &tick).map(|f| (emit::PageFiles::All(f), None));
            drop(pages);
            (made, start.elapsed() - analysed, None)
        }
    };
    let (pages_made, mut kept_pages) = match made {
        Ok(m) => m,
        Err(mut errs) => {
            // Under `serve` the open data and the index were made meanwhile: what failed there
            // is reported with the pages.
            if let Some(((data, _), (index, _))) = at_once {
                errs.extend(data.err().into_iter().flatten());
                errs.extend(index.err());
            }
            let stop = failed(errs);
            staging.abandon();
            give_back(cache);
            return Err(stop);
        }
    };
    super::memory_mark("pages");
    let ((made, data_took), (index, search_took)) = match at_once {
        Some(rest) => rest,
        None => {
            // The search index reads every text again, holds only its postings, and writes each
            // of its files as soon as it is made. A file whose bytes the output already holds is
            // not written again: its checksum is its fingerprint. A cached build makes the index
            // from the previous output's when few documents changed, and asks which texts this
            // build wrote anew (a million of them at a national scale, held through the search
            // stage otherwise).
            let texts: std::collections::HashSet<&str> = match (&cache, &pages_made) {
                (Some(_), emit::PageFiles::All(written)) => {
                    written.iter().filter(|f| f.staged && f.path.ends_with("/text.txt")).map(|f| &*f.path).collect()
                }
                _ => std::collections::HashSet::new(),
            };
            let staged = |rel: &str| texts.contains(rel);
            let read = |rel: &str| cache.as_ref()?.bytes(&out, rel);
            let d = open_data(&data);
            super::memory_mark("data");
            let previous = cache.as_ref().map(|_| site::search::Previous { read: &read, staged: &staged });
            (d, search(previous.as_ref()))
        }
    };
    // Both stages ran to their end: what failed in either is reported, and shown by `serve`.
    let mut errs = Vec::new();
    let mut tail = made.unwrap_or_else(|e| {
        errs.extend(e);
        Vec::new()
    });
    match index {
        Ok(files) => tail.extend(files),
        Err(d) => errs.push(d),
    }
    if !errs.is_empty() {
        let stop = failed(errs);
        staging.abandon();
        give_back(cache);
        return Err(stop);
    }
    // The tables, of which `serve` keeps spare copies.
    let tables: Vec<String> = match &o.session {
        Some(_) => data.iter().filter_map(|j| renderer.streamed(j)).map(str::to_string).collect(),
        None => Vec::new(),
    };
    // `serve` keeps the plan for a rebuild from a preview; otherwise the jobs are not needed
    // any more.
    let data = kept_pages.is_some().then_some(data);
    let joined = start.elapsed();
    super::memory_mark("search");
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    tail.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    // The pages' list becomes the build's list, and the tail is merged into it once, at its
    // exact size: at a national scale the list is 90 MB, which a copy or a doubling would add.
    // Under `serve`, the last build's list is taken instead when only some pages were written
    // anew (`changed`: the places in it that this build wrote).
    let (written, changed) = emit::listed(pages_made, kept_pages.as_mut(), tail, cache.as_mut());
    if let (Some(s), Some(_)) = (&o.session, &changed) {
        s.patched.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    if let (Some(s), Some(k)) = (&o.session, &kept_pages) {
        s.looked_at.store(k.looked_at as u64, std::sync::atomic::Ordering::SeqCst);
    }
    let key = match signing_key(root, &a.cfg) {
        Ok(k) => k,
        Err(f) => {
            staging.abandon();
            return Err(f.into());
        }
    };
    // `serve` keeps the lists of each seal for the next, with the cache of the files they list.
    let last = cache.as_mut().and_then(|c| {
        let kept = c.seal.take()?;
        let before = match &changed {
            Some(places) => emit::Before::AllBut(places),
            None => emit::Before::Files(&c.files[..]),
        };
        Some((before, kept))
    });
    let as_of = a.corpus.as_of.to_string();
    let kept_seal = match seal::seal(&staging, &written, &as_of, key.as_ref(), last, o.session.is_some()) {
        Ok(k) => k,
        Err(e) => {
            staging.abandon();
            return Err(Failure::io(msg!(
                "无法封存输出（清单、校验和、签名）：{e}",
                "cannot seal the output (manifest, checksums, signature): {e}"
            ))
            .into());
        }
    };
    let sealed = start.elapsed();
    super::memory_mark("sealed");
    let reused = match &changed {
        Some(places) => written.len() - places.len(),
        None => written.iter().filter(|f| !f.staged).count(),
    };
    // `serve` removes what the output held before (the files replaced, or a whole output) on
    // another thread, off the edit's path; a `build` removes it before it ends.
    let leave = o.session.is_some();
    let committed = match &cache {
        // Most files are reused: move the new ones in and remove what no job writes any more.
        Some(old) => {
            let (mut staged, mut stale): (Vec<&str>, Vec<&str>) = match &changed {
                // The last build's list was taken, with the files this build wrote put in their
                // places: the same paths, of which those are new.
                Some(places) => (places.iter().map(|&k| &*written[k].path).collect(), Vec::new()),
                None => {
                    // Both lists are sorted by path. Under `serve` most paths are the same `Arc`
                    // in both, found equal without reading their bytes, and only then ordered
                    // (comparing every pair's bytes for order took 4–8 ms at 50,000 records).
                    let mut stale: Vec<&str> = Vec::new();
                    let mut now = written.iter().peekable();
                    for f in &old.files {
                        while now.next_if(|n| n.path != f.path && n.path < f.path).is_some() {}
                        if now.next_if(|n| n.path == f.path).is_none() {
                            stale.push(&f.path);
                        }
                    }
                    (written.iter().filter(|f| f.staged).map(|f| &*f.path).collect(), stale)
                }
            };
            staged.extend([seal::SUMS, seal::MANIFEST]);
            if key.is_some() {
                staged.push(seal::SIGNATURE);
            } else {
                stale.push(seal::SIGNATURE);
            }
            staging.commit_into_leaving(&staged, &stale, leave)
        }
        None => staging.commit_leaving(leave),
    };
    let spent = committed.map_err(|e| {
        Failure::io(msg!("无法用新的输出替换 {shown}：{e}", "cannot put the new output in place of {shown}: {e}"))
    })?;
    if let Some(spent) = spent {
        Staging::remove_aside(spent);
    }
    seal::remember_tops(&out, &written);
    // The publications this build made go into the register once they are in place.
    if registering && a.register.appended > 0 {
        append_publications(root, &a.register.publications, a.register.appended)?;
    }
    // Files reused from the output keep the time the previous cache recorded for them.
    let files = written.len();
    let was_swept = cache.as_ref().is_some_and(emit::Cache::is_swept);
    // Under `serve` the last cache (a row per output file) is let go on another thread, off the
    // edit's path.
    match (&o.session, cache) {
        (Some(_), Some(old)) => drop(std::thread::spawn(move || drop(old))),
        (_, old) => drop(old),
    }
    let mut next = emit::Cache::made(&out, written, changed.as_deref());
    next.note_seal(&out, seal::MANIFEST);
    if was_swept {
        next.swept_as_before();
    }
    next.seal = kept_seal;
    // `serve` keeps spare copies of the tables and of the seal's two lists, known by the
    // manifest's SHA-256 (which the sums follow from).
    if let Some(s) = &o.session {
        let mut wanted: Vec<emit::Wanted> = tables
            .into_iter()
            .filter_map(|rel| {
                let f = next.get(&rel).filter(|f| f.stamp != 0)?;
                Some(emit::Wanted { id: f.sha256, size: f.size, stamp: f.stamp, rel })
            })
            .collect();
        if let Some(k) = &next.seal {
            wanted.extend(
                [seal::MANIFEST, seal::SUMS].iter().filter_map(|rel| emit::Wanted::of(&out, rel, k.manifest_sha256)),
            );
        }
        s.spares.want(&out, wanted);
    }
    if let Some(k) = kept_pages.as_mut() {
        k.settle(&next);
    }
    // `serve` keeps the cache and saves it after the build, off the edit's path
    // (`Session::save`).
    match &o.session {
        Some(s) => {
            if let Ok(mut kept) = s.cache.lock() {
                *kept = Some((out.clone(), next));
                s.unsaved.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        None => {
            if let Err(e) = next.save(root, &out) {
                print(&[unsaved_cache(root, &out, &e)], lang, &super::Quoted::default(), None);
            }
        }
    }
    if std::env::var_os("GONGBAO_TIMINGS").is_some() {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "timings-ms analyse={:.0} pages={:.0} data={:.0} search={:.0} seal={:.0} swap={:.0} total={:.0} files={} reused={} hant-slow={}",
            ms(analysed),
            ms(pages_took),
            ms(data_took),
            ms(search_took),
            ms(sealed - joined),
            ms(start.elapsed() - sealed),
            ms(start.elapsed()),
            files,
            reused,
            site::hant::SLOW_PAGES.load(std::sync::atomic::Ordering::Relaxed)
        );
    }
    let docs = a.corpus.visible_indexes().count();
    if let Some(s) = &o.session {
        let kept = renderer.keep();
        if let Ok(mut last) = s.last.lock() {
            let planned = kept_pages.zip(data);
            *last = Some(super::Last {
                analysis: a,
                theme: owned_theme,
                kept: Some(kept),
                edited: None,
                refound: Default::default(),
                planned,
            });
        }
    }
    if !o.quiet {
        let (n, secs) = (files + 2, start.elapsed().as_secs_f64());
        if en {
            eprintln!("built {docs} record(s) into {n} files in {shown} ({secs:.2} s)")
        } else {
            eprintln!("已将 {docs} 条记录生成为 {n} 个文件，输出到 {shown}（{secs:.2} 秒）")
        }
    }
    Ok(Built { files: files + 2 })
}

/// The warning for a build cache that could not be saved into the site at `root`.
pub(crate) fn unsaved_cache(root: &Path, out: &Path, e: &std::io::Error) -> Diagnostic {
    let path = emit::Cache::path(root, out).display().to_string();
    Diagnostic::warning(
        &rules::CACHE,
        "",
        Pos::new(1, 1),
        msg!(
            "无法保存构建缓存 {path}：{e}；下次构建将重新生成全部文件",
            "cannot save the build cache {path}: {e}; the next build renders every file again"
        ),
    )
}

/// Appends this build's lines to the publication register, creating it on the first build. The
/// lines were chained to the register as it was read; a register changed in between would no
/// longer chain, and the next `check` names the line.
fn append_publications(
    root: &Path,
    all: &[crate::model::publication::Publication],
    appended: usize,
) -> Result<(), Failure> {
    let path = root.join(crate::model::publication::REGISTER);
    let shown = path.display();
    // Another build may have appended since this one read the register: then these lines would
    // not chain on. Read it again and append only to the register this build saw.
    let now = crate::source::read_publications(root).map_err(|d| Failure { diagnostic: d, code: EXIT_ERRORS })?;
    if now.len() + appended != all.len() || now[..] != all[..now.len()] {
        return Err(Failure::new(
            &rules::REGISTER,
            EXIT_ERRORS,
            msg!(
                "发布登记 {shown} 在本次构建期间被改动（另一次构建？），本次没有登记",
                "the publication register {shown} changed during this build (another build?); this build registered nothing"
            ),
        )
        .help(msg!("再构建一次", "build again")));
    }
    let mut lines = String::new();
    for p in &all[now.len()..] {
        lines.push_str(&crate::model::publication::line(p));
        lines.push('\n');
    }
    crate::source::append_lines(&path, &lines).map_err(|e| {
        Failure::io(msg!("无法写入发布登记 {shown}：{e}", "cannot write the publication register {shown}: {e}"))
    })
}

/// The secret key to sign with: `GONGBAO_SECRET_KEY` (the key itself), else the file named in
/// `[signing] secret_key`, else none.
pub(crate) fn signing_key(root: &Path, cfg: &crate::config::Config) -> Result<Option<KeyPair>, Failure> {
    let fail = |m: diag::Msg| Failure::new(&rules::SIGNING_KEY, EXIT_FAILURE, m);
    if let Some(v) = std::env::var_os("GONGBAO_SECRET_KEY").filter(|v| !v.is_empty()) {
        return KeyPair::parse(&v.to_string_lossy()).map(Some).map_err(|e| {
            fail(msg!(
                "环境变量 GONGBAO_SECRET_KEY 不是有效的私钥：{e}",
                "GONGBAO_SECRET_KEY is not a valid secret key: {e}"
            ))
            .help(msg!(
                "把它设为 gongbao keygen 生成的 gongbao.key 的内容",
                "set it to the contents of a gongbao.key made by gongbao keygen"
            ))
        });
    }
    let Some(path) = &cfg.signing.secret_key else { return Ok(None) };
    let invalid = |e: &dyn std::fmt::Display| {
        fail(msg!(
            "[signing] secret_key 指定的 {path} 不是有效的私钥：{e}",
            "{path}, named in [signing] secret_key, is not a valid secret key: {e}"
        ))
        .help(msg!("用 gongbao keygen 生成的 gongbao.key", "name a gongbao.key made by gongbao keygen"))
    };
    // The key may live outside the site and be linked into place, but it must be a regular file.
    let bytes = crate::source::read_regular_through_links(&root.join(path), 64 * 1024).map_err(|e| {
        fail(msg!(
            "无法读取 [signing] secret_key 指定的私钥 {path}：{e}",
            "cannot read the secret key {path} named in [signing] secret_key: {e}"
        ))
        .help(msg!(
            "路径相对于站点目录；不签名时删除 [signing] secret_key",
            "the path is relative to the site's folder; to build without signing, remove [signing] secret_key"
        ))
    })?;
    let text = String::from_utf8(bytes).map_err(|e| invalid(&e))?;
    KeyPair::parse(&text).map(Some).map_err(|e| invalid(&e))
}

/// `p` made absolute with `.` and `..` applied as the system applies them: `..` after a link
/// leads to the parent of the link's target, not back to the folder holding the link; below
/// what exists, `..` only takes back the name before it.
fn physical(p: &Path) -> PathBuf {
    use std::path::Component;
    let given = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    if !given.components().any(|c| matches!(c, Component::ParentDir | Component::CurDir)) {
        return given;
    }
    let mut at = PathBuf::new();
    for c in given.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if let Ok(real) = at.canonicalize() {
                    at = real;
                }
                at.pop();
            }
            c => at.push(c),
        }
    }
    at
}

/// An output folder named through `..` (`public/../public`), named by the folder it stands for:
/// the staging and spent folders go beside the output, at names made from its own, and `x/..`
/// leads nowhere while `x` does not exist yet. Other names are kept as given (a link stays a
/// link).
pub fn plain(out: PathBuf) -> PathBuf {
    if out.components().any(|c| c == std::path::Component::ParentDir) { resolved(&out) } else { out }
}

/// Where the default output goes for a site root.
pub fn default_out(root: &Path) -> PathBuf {
    root.join("public")
}

/// Refuses an output folder whose replacement would destroy something: a build replaces the
/// whole folder, so it must not be or hold the site, its `content/` or `themes/`, nor lie inside
/// those, and a folder that already exists must be empty or an earlier output and nothing else
/// (see [`seal::strangers`]: a `manifest.json` alone proves nothing, many tools write one).
pub fn check_out(root: &Path, out: &Path) -> Result<(), Diagnostic> {
    let (site, folder) = (resolved(root), resolved(out));
    let shown = out.display().to_string();
    let refuse = |m: diag::Msg| {
        Err(Diagnostic::error(&rules::IO, "", Pos::new(1, 1), m).help(msg!(
            "用 --out 指定一个新的或空的目录，或上一次构建的输出目录（默认是站点中的 public/）",
            "name a new or empty folder with --out, or the output of an earlier build (by default public/ in the site)"
        )))
    };
    if folder.parent().is_none() || site.starts_with(&folder) {
        return refuse(msg!(
            "输出目录 {shown} 是站点目录或包含站点目录：构建会替换整个输出目录，站点本身将被删除",
            "the output folder {shown} is or contains the site: a build replaces its whole output folder, which would delete the site"
        ));
    }
    for sub in ["content", "themes"] {
        let inner = site.join(sub);
        if inner.starts_with(&folder) || folder.starts_with(&inner) {
            return refuse(msg!(
                "输出目录 {shown} 是站点的 {sub}/、包含它或位于其中：构建会替换整个输出目录",
                "the output folder {shown} is, contains or lies inside the site's {sub}/: a build replaces its whole output folder"
            ));
        }
    }
    // Only a folder can be replaced by a folder: a file named as the output (a slip of the
    // argument, `--out gongbao.toml`) would be moved aside and lost.
    if std::fs::symlink_metadata(&folder).is_ok_and(|m| !m.is_dir()) {
        return refuse(msg!(
            "输出目录 {shown} 已存在，但不是目录：构建只会替换以前的输出目录，不会覆盖文件",
            "the output {shown} exists and is not a folder: a build replaces only an earlier output folder, never a file"
        ));
    }
    match seal::strangers(&folder) {
        Ok(found) if found.is_empty() => {}
        Ok(found) => {
            let m = seal::MANIFEST;
            let names = first_names(&found);
            return refuse(msg!(
                "输出目录 {shown} 不是空目录，也不是 gongbao 以前的输出：其中的 {names} 不在 gongbao 写的 {m} 中。构建会替换整个目录，这些文件将被删除",
                "the output folder {shown} is not empty and is not an earlier gongbao output: {names} is not in a {m} written by gongbao. A build replaces the whole folder and would delete them"
            ));
        }
        Err(_) if folder.exists() => {
            return refuse(msg!(
                "输出目录 {shown} 不是目录或无法读取",
                "the output folder {shown} is not a folder or cannot be read"
            ));
        }
        Err(_) => {}
    }
    Ok(())
}

/// Refuses to replace (`clean`: to remove) the output folder `out` when it holds files below its
/// top level that its manifest does not list ([`seal::strangers_within`]).
pub(crate) fn stranger_files(out: &Path, removing: bool) -> Result<(), Failure> {
    let shown = out.display();
    let found = seal::strangers_within(out).map_err(|e| {
        Failure::io(msg!("无法读取输出目录 {shown}：{e}", "cannot read the output folder {shown}: {e}"))
    })?;
    if found.is_empty() {
        return Ok(());
    }
    let names = first_names(&found);
    let m = seal::MANIFEST;
    let (what, help) = if removing {
        (
            msg!(
                "输出目录 {shown} 中有不在它的 {m} 里的文件：{names}。clean 会删除整个目录，这些文件将一并被删除；没有删除任何内容",
                "the output folder {shown} holds files its {m} does not list: {names}. clean removes the whole folder and would delete them; nothing was removed"
            ),
            msg!(
                "把这些文件移到输出目录之外（gongbao verify 列出全部），再运行 gongbao clean",
                "move these files out of the output folder (gongbao verify lists them all), then run gongbao clean again"
            ),
        )
    } else {
        (
            msg!(
                "输出目录 {shown} 中有不在它的 {m} 里的文件：{names}。构建会替换整个目录，这些文件将被删除；没有构建任何内容",
                "the output folder {shown} holds files its {m} does not list: {names}. A build replaces the whole folder and would delete them; nothing was built"
            ),
            msg!(
                "把这些文件移到输出目录之外（gongbao verify 列出全部），或用 --out 写到另一个目录",
                "move these files out of the output folder (gongbao verify lists them all), or write to another folder with --out"
            ),
        )
    };
    Err(Failure::io(what).help(help))
}

/// The first three of `found` for a message, escaped, with the count when there are more.
fn first_names(found: &[String]) -> String {
    let more = if found.len() > 3 { format!(" … ({})", found.len()) } else { String::new() };
    let first: Vec<String> = found.iter().take(3).map(|f| crate::source::shown_path(f)).collect();
    format!("{}{more}", first.join(", "))
}

/// `p` made absolute, with `.` and `..` applied and the part that exists resolved through links,
/// so two names of one folder compare equal even when the folder does not exist yet.
pub(crate) fn resolved(p: &Path) -> PathBuf {
    let clean = physical(p);
    let mut existing = clean.as_path();
    while !existing.exists() {
        match existing.parent() {
            Some(p) => existing = p,
            None => return clean,
        }
    }
    let rest = clean.strip_prefix(existing).map(Path::to_path_buf).unwrap_or_default();
    // Joining an empty rest would add a `/`, and `file/` is no file to `exists`.
    existing.canonicalize().map(|c| if rest.as_os_str().is_empty() { c } else { c.join(rest) }).unwrap_or(clean)
}
