//! The build cache is never wrong: after edits, deletions and renames, a build that reuses the
//! previous output is byte for byte the build made from nothing.

mod common;
use common::{Site, normative, tree};
use std::process::Command;

/// Builds with timings on; returns how many files were reused.
fn build(s: &Site, extra: &[&str]) -> usize {
    build_counts(s, extra).1
}

/// Builds with timings on; returns (files, reused).
fn build_counts(s: &Site, extra: &[&str]) -> (usize, usize) {
    build_counts_at(s, "2024-06-01", extra)
}

/// [`build_counts`] for the day `as_of`.
fn build_counts_at(s: &Site, as_of: &str, extra: &[&str]) -> (usize, usize) {
    let err = timed_build(s, as_of, extra);
    let num = |key: &str| -> usize {
        err.split(key)
            .nth(1)
            .and_then(|x| x.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {err}"))
    };
    (num("files="), num("reused="))
}

/// Builds for the day `as_of` with timings on; returns what it printed to standard error.
fn timed_build(s: &Site, as_of: &str, extra: &[&str]) -> String {
    let o = Command::new(common::bin())
        .current_dir(s.root())
        .args(["build", "--as-of", as_of])
        .args(extra)
        .env("CI", "true")
        .env("GONGBAO_TIMINGS", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    err
}

/// Appends entry `number` to the transfer register, as `gongbao package` would.
fn append_register_line(s: &Site, number: u32) {
    use std::io::Write;
    let entry = serde_json::json!({
        "as_of": "2024-06-01", "bytes": 1000 * u64::from(number), "date": "2024-06-02", "documents": [{"digest": "d", "id": "d/doc1"}],
        "for": "archive", "from": "2024-01-01", "number": number, "package": format!("p{number}.zip"),
        "sha256": "ab".repeat(32), "to": "2024-05-31",
    });
    let mut f = std::fs::File::options().create(true).append(true).open(s.root().join("transfers.jsonl")).unwrap();
    writeln!(f, "{entry}").unwrap();
}

fn same_as_clean(s: &Site) {
    let cached = tree(&s.root().join("public"));
    build(s, &["--out", "clean", "--no-cache"]);
    let clean = tree(&s.root().join("clean"));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&cached), names(&clean), "the cached build has other files than a clean one");
    for ((p, a), (_, b)) in cached.iter().zip(&clean) {
        assert!(a == b, "{p} differs between the cached and the clean build");
    }
    std::fs::remove_dir_all(s.root().join("clean")).unwrap();
}

#[test]
fn cached_builds_equal_clean_builds_after_edits_deletions_and_renames() {
    let s = Site::new();
    for k in 0..12 {
        s.record(
            &format!("d/doc{k}"),
            &format!("{}\ntopic: '综合政务\\其他'", normative(&format!("文件{k}"), &format!("2024-01-{:02}", k + 1))),
            &format!("正文{k}。见[文件0](doc:d/doc0)。\n"),
        );
    }
    s.record("g", "kind: gazette\nyear: 2024\nnumber: 1\npublished: 2024-02-01\nsections:\n  - title: 文件\n    items:\n      - {doc: d/doc1, page: 1}", "");
    assert_eq!(build(&s, &[]), 0, "the first build has nothing to reuse");
    // Nothing changed: everything but the tables with a row per record is reused; the files of
    // the search index, the feeds, the sitemap and the other data files too (made again, but the
    // output holds the same bytes).
    let (files, reused) = build_counts(&s, &[]);
    let public = s.root().join("public");
    let tables = ["data/documents.json", "data/documents.csv", "data/documents.jsonld"];
    assert!(tables.iter().all(|t| public.join(t).is_file()));
    assert_eq!(reused, files - tables.len(), "{files} files, of which {} tables", tables.len());
    same_as_clean(&s);

    // An edit to one record's text.
    s.record("d/doc3", &normative("文件3", "2024-01-04"), "改过的正文。\n");
    let reused = build(&s, &[]);
    assert!(reused > 20, "an edit re-rendered nearly everything ({reused} reused)");
    same_as_clean(&s);

    // A title change shows on the pages that link to it and in every list.
    s.record("d/doc0", &normative("新标题", "2024-01-01"), "正文0。\n");
    build(&s, &[]);
    same_as_clean(&s);
    assert!(
        std::fs::read_to_string(s.root().join("public/browse/kind/normative/index.html")).unwrap().contains("新标题")
    );

    // The record every text links to is withdrawn from publication: every link to it loses its
    // href, although no other source file changed.
    s.record("d/doc0", &format!("{}\ndisclosure: on_request", normative("新标题", "2024-01-01")), "正文0。\n");
    build(&s, &[]);
    same_as_clean(&s);
    assert!(!std::fs::read_to_string(s.root().join("public/docs/d/doc5/index.html")).unwrap().contains("doc0"));

    // A deletion, and a rename.
    std::fs::remove_file(s.root().join("content/d/doc7.md")).unwrap();
    std::fs::rename(s.root().join("content/d/doc8.md"), s.root().join("content/d/renamed.md")).unwrap();
    build(&s, &[]);
    same_as_clean(&s);
    assert!(!s.root().join("public/docs/d/doc7").exists());
    assert!(s.root().join("public/docs/d/renamed/index.html").exists());

    // A record that becomes a folder record with a version.
    std::fs::remove_file(s.root().join("content/d/doc2.md")).unwrap();
    s.write("content/d/doc2/index.md", &format!("---\n{}\n---\n新文本。\n", normative("文件2", "2024-01-03")));
    s.write("content/d/doc2/versions/2024-01-03.md", "旧文本。\n");
    s.record(
        "d/amend2",
        &format!("{}\namends: [{{id: d/doc2, effective: 2024-03-01}}]", normative("修改决定", "2024-02-20")),
        "x\n",
    );
    build(&s, &[]);
    same_as_clean(&s);

    // The first register line adds the transfer catalogue, its CSV and a link on every page;
    // the next one changes the catalogue.
    append_register_line(&s, 1);
    build(&s, &[]);
    same_as_clean(&s);
    assert!(s.root().join("public/data/transfers.csv").exists());
    append_register_line(&s, 2);
    let reused = build(&s, &[]);
    assert!(reused > 20, "a register line re-rendered nearly everything ({reused} reused)");
    same_as_clean(&s);
    assert!(std::fs::read_to_string(s.root().join("public/transfers/index.html")).unwrap().contains("p2.zip"));

    // A changed setting invalidates every page.
    s.write("gongbao.toml", &common::CONFIG.replace("测试市人民政府\"", "测试市人民政府（新）\""));
    let stamps = || -> std::collections::BTreeMap<String, std::time::SystemTime> {
        let public = s.root().join("public");
        walkdir::WalkDir::new(&public)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(&public).unwrap().to_string_lossy().into_owned();
                (rel, e.metadata().unwrap().modified().unwrap())
            })
            .collect()
    };
    let before = stamps();
    let reused = build(&s, &[]);
    let after = stamps();
    let kept: Vec<&String> = after.iter().filter(|(p, t)| before.get(*p) == Some(t)).map(|(p, _)| p).collect();
    assert_eq!(kept.len(), reused);
    // Only files of the search index, which does not hold the name, are kept; its page is not.
    assert!(
        kept.iter().all(|p| p.starts_with("search/") && !p.ends_with(".html")),
        "a new site name must re-render every page: {kept:?}"
    );
    same_as_clean(&s);

    // A file edited by hand in the output is not trusted.
    let page = s.root().join("public/docs/d/doc4/index.html");
    std::fs::write(&page, "tampered").unwrap();
    build(&s, &[]);
    same_as_clean(&s);
}

/// A cached build after records newer than all the others were published takes the search
/// index's lists from the previous output's shards, adding the new records' grams after every
/// other document's, rather than reading every text again; as records come, the newest
/// documents' segment of the index fills and joins the others (every eight at this size). Each
/// time, the output is the clean build's.
#[test]
fn a_cached_build_adds_records_newer_than_all_to_the_previous_search_index() {
    let s = Site::new();
    let day = |k: usize| format!("2024-{:02}-{:02}", 1 + k / 28, 1 + k % 28);
    let add = |k: usize| {
        s.record(
            &format!("d/doc{k}"),
            &normative(&format!("第{k}号文件"), &day(k)),
            &format!("正文{k}。第{k}条 A{k}。\n"),
        )
    };
    (0..38).for_each(add);
    build(&s, &[]);
    for k in 38..50 {
        add(k);
        let err = timed_build(&s, "2024-06-01", &[]);
        assert!(err.contains(&format!("search-index docs={} from=previous", k + 1)), "record {k}: {err}");
        same_as_clean(&s);
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.root().join("public/search/meta.json")).unwrap()).unwrap();
    assert_eq!((meta["n"].as_u64(), meta["tail"]["base"].as_u64()), (Some(50), Some(48)), "{meta}");
}

/// Builds in-process (as `serve` does) and fails the test with the reason when the build does
/// not finish: a failure of the tool is not printed by the build itself.
#[track_caller]
fn built(opts: &gongbao::cmd::build::Options) {
    match gongbao::cmd::build::build(opts) {
        Ok(_) => {}
        Err(gongbao::cmd::Stop::Reported(code)) => {
            panic!("the build stopped with findings, printed above (exit {code})")
        }
        Err(gongbao::cmd::Stop::Failed(f)) => panic!("the build failed: {:?}", f.diagnostic),
    }
}

/// Options for builds into `public/` as of `as_of` that share one `serve` session.
fn session(s: &Site, as_of: &str) -> gongbao::cmd::build::Options {
    gongbao::cmd::build::Options {
        root: s.root().to_path_buf(),
        out: Some(s.root().join("public")),
        as_of: gongbao::model::date::Date::parse(as_of).ok(),
        jobs: None,
        quiet: true,
        no_cache: false,
        session: Some(Default::default()),
    }
}

/// `serve` keeps parsed records between rebuilds; a rebuild must still see every change.
#[test]
fn records_kept_between_rebuilds_follow_edits_and_settings() {
    use gongbao::cmd::build::build;
    let s = Site::new();
    s.record("a", &format!("{}\nindex_no: 123456789/2024-00001", normative("甲", "2024-01-02")), "第一稿。\n");
    s.record("b", &normative("乙", "2024-01-03"), "x\n");
    let opts = session(&s, "2024-06-01");
    built(&opts);
    s.record("a", &format!("{}\nindex_no: 123456789/2024-00001", normative("甲（修订）", "2024-01-02")), "第二稿。\n");
    std::fs::remove_file(s.root().join("content/b.md")).unwrap();
    built(&opts);
    same_as_clean(&s);
    assert!(!s.root().join("public/docs/b").exists());
    // A settings change that parsing reads (the index number pattern) applies to unchanged files.
    s.write("gongbao.toml", &common::CONFIG.replace("\\d{9}/\\d{4}-\\d{5}", "\\d{3}"));
    assert!(build(&opts).is_err(), "the old index number no longer matches the new pattern");
}

/// `serve` keeps its memo of pages, rows and search documents when records come and go,
/// moving each to its records' new places: a record added before the others in path order, one
/// that amends another, one whose id a link named before it existed (a site that lets
/// `unknown-ref` pass as a warning), and each of them removed again. Every rebuild equals a
/// clean build, and pages of records the edits did not reach were kept.
#[test]
fn records_that_come_and_go_remake_what_they_reach_and_keep_the_rest() {
    let s = Site::new();
    s.write("gongbao.toml", &format!("{}\n[rules]\nunknown-ref = \"warning\"\n", common::CONFIG));
    s.record("d/b", &normative("乙办法", "2024-01-03"), "见[将来的文件](doc:d/x)。\n");
    s.record("d/c", &format!("{}\neffective: 2024-01-10", normative("丙办法", "2024-01-04")), "丙。\n");
    for k in 0..6 {
        s.record(&format!("d/e{k}"), &normative(&format!("戊办法{k}"), "2024-01-05"), "戊。\n");
    }
    let opts = session(&s, "2024-06-01");
    built(&opts);
    let memo = &opts.session.as_ref().unwrap().memo;
    let page = |id: &str| std::fs::read_to_string(s.root().join(format!("public/docs/{id}/index.html"))).unwrap();
    assert!(!page("d/b").contains("/docs/d/x/"), "a link to no record is not a link");
    // Before every other record in path order, and amending one of them.
    s.record(
        "d/a",
        &format!(
            "{}\namends:\n  - id: d/c\n    effective: 2024-03-01\n    note: 修改第一条",
            normative("甲决定", "2024-02-01")
        ),
        "甲。\n",
    );
    built(&opts);
    same_as_clean(&s);
    assert!(page("d/c").contains("/docs/d/a/"), "the amended record names the amending one");
    let kept = memo.pages_moved();
    assert!(kept >= 12, "only {kept} pages kept when a record came");
    // The record a link named before it existed.
    s.record("d/x", &normative("将来的文件", "2024-02-02"), "己。\n");
    built(&opts);
    same_as_clean(&s);
    assert!(page("d/b").contains("/docs/d/x/"), "the link now names a record");
    // Both gone again.
    std::fs::remove_file(s.root().join("content/d/a.md")).unwrap();
    built(&opts);
    same_as_clean(&s);
    assert!(!page("d/c").contains("/docs/d/a/"));
    // The newest record withheld, then public again: its search number comes back after the
    // others', with the grams and rows it had before it was hidden.
    let x = normative("将来的文件", "2024-02-02");
    s.record("d/x", &format!("{x}\ndisclosure: withheld\ndisclosure_reason: 涉密"), "己。\n");
    built(&opts);
    same_as_clean(&s);
    s.record("d/x", &x, "己。\n");
    built(&opts);
    same_as_clean(&s);
    std::fs::remove_file(s.root().join("content/d/x.md")).unwrap();
    built(&opts);
    same_as_clean(&s);
    assert!(!page("d/b").contains("/docs/d/x/"));
    assert!(memo.pages_moved() >= 12, "only {} pages kept when a record went", memo.pages_moved());
}

/// A publication date changed under `serve` moves its document in the search index's numbering
/// (oldest first) and renumbers those between its two places: the index's lists are changed at
/// those numbers, not made again from every document's grams (at 50,000 records a date moved by
/// a day took 2.5 s that way, and wrote some 900 of the index's files again). Records moved a
/// place later, two earlier, across the edge of two display files (the earlier then showing
/// another record's row, though the edited record left it), across the edge of the index's head
/// and tail, within the tail, then newer than all (every number after its old place taken by
/// another document: the lists made again), then back: each rebuild equals a clean build, and
/// one that moved its record a place or two looked at under a fifth of the pages.
#[test]
fn a_publication_date_changed_renumbers_the_search_lists_and_keeps_the_pages_in_place() {
    let s = Site::new();
    for k in 0..68 {
        s.record(
            &format!("p/r{k:02}"),
            &normative(&format!("第{k}号办法"), &date(2 * k)),
            &format!("第{k}号的正文，编号R{k}X。\n"),
        );
    }
    let opts = session(&s, "2024-06-01");
    built(&opts);
    let session = opts.session.as_ref().unwrap();
    let memo = &session.memo;
    // Each rebuild takes the last build's pages, over a plan that is not the same (the lists'
    // pages show other records), and looks at a bounded share of them; `in_place` says whether
    // the search lists were changed at the renumbered numbers.
    let moved = |k: usize, to: usize, fifths: u64, in_place: bool| {
        assert_eq!(swept(&opts), Some(true));
        let (plans, renumbered) = (session.plans_moved(), memo.search_renumbered());
        let body = format!("第{k}号的正文，编号R{k}X，日期已改为{to}。\n");
        s.record(&format!("p/r{k:02}"), &normative(&format!("第{k}号办法"), &date(to)), &body);
        built(&opts);
        same_as_clean(&s);
        let what = format!("record {k} moved to {to}");
        assert_eq!(session.plans_moved(), plans + 1, "{what}: the last build's pages were not taken");
        let pages = tree(&s.root().join("public"))
            .iter()
            .filter(|(p, _)| [".html", ".md", ".txt"].iter().any(|e| p.ends_with(e)))
            .count() as u64;
        let looked = session.pages_looked_at();
        assert!(looked > 0 && looked * 5 <= pages * fifths, "{what}: {looked} of {pages} pages looked at");
        assert_eq!(memo.search_renumbered(), renumbered + usize::from(in_place), "{what}: in place?");
    };
    // Past the next record; before the two before it.
    moved(10, 23, 1, true);
    moved(10, 17, 1, true);
    // Numbers 31 and 32, in two display files of 32 rows.
    moved(31, 65, 1, true);
    // Numbers 63 and 64: the index's head ends at 64 for 68 documents; then 65 and 66, in its tail.
    moved(63, 129, 1, true);
    moved(65, 133, 1, true);
    // Newer than all, and back: the lists made again.
    moved(10, 137, 5, false);
    moved(10, 20, 5, false);
}

/// After a sweep, `serve` takes the last build's pages over records that came or went
/// (`emit::KeptPages::moved`): a page of a record that stayed is found at its record's new place,
/// and a list page by its folder and number; only the pages a change reaches are looked at. A
/// record added newer than all, one added before the others in path order and amid the lists'
/// order (every list page from its place to the newest shows other records), one that amends
/// another, one removed, and one removed while another is added: each rebuild equals a clean
/// build and looks at a bounded share of the pages (a fifth for the record newer than all).
#[test]
fn records_that_come_and_go_are_rebuilt_from_the_pages_they_reach() {
    let s = two_a_page();
    for k in 0..40 {
        s.record(&format!("m/r{k:02}"), &normative(&format!("文件{k}"), &date(2 * k)), "x\n");
    }
    let opts = session(&s, "2024-06-01");
    built(&opts);
    let session = opts.session.as_ref().unwrap();
    let amending = format!(
        "{}\namends:\n  - id: m/r03\n    effective: 2024-03-01\n    note: 修改第一条",
        normative("修改决定", &date(61))
    );
    // Each with the most pages it may look at, in fifths of all: a record newer than all
    // reaches the newest page of each of its lists; one amid them every page from its place.
    type Step<'a> = (&'a str, Box<dyn Fn() + 'a>, u64);
    let steps: Vec<Step> = vec![
        ("a record newer than all", Box::new(|| s.record("m/r99", &normative("最新", &date(95)), "y\n")), 1),
        (
            "a record first in path order, amid the lists",
            Box::new(|| s.record("a/first", &normative("居中", &date(41)), "z\n")),
            3,
        ),
        ("a record amending another", Box::new(|| s.record("m/r15b", &amending, "修改。\n")), 2),
        ("a record removed", Box::new(|| std::fs::remove_file(s.root().join("content/m/r20.md")).unwrap()), 3),
        (
            "one removed, another added",
            Box::new(|| {
                std::fs::remove_file(s.root().join("content/a/first.md")).unwrap();
                s.record("n/late", &normative("后加", &date(7)), "w\n");
            }),
            4,
        ),
    ];
    for (k, (what, step, fifths)) in steps.iter().enumerate() {
        assert_eq!(swept(&opts), Some(true), "{what}");
        let pages = tree(&s.root().join("public"))
            .iter()
            .filter(|(p, _)| [".html", ".md", ".txt"].iter().any(|e| p.ends_with(e)))
            .count() as u64;
        step();
        built(&opts);
        same_as_clean(&s);
        assert_eq!(session.plans_moved(), k as u64 + 1, "{what}: the last build's pages were not taken");
        let looked = session.pages_looked_at();
        assert!(looked > 0 && looked * 5 <= pages * fifths, "{what}: {looked} of some {pages} pages looked at");
    }
    assert!(s.root().join("public/docs/n/late/index.html").exists() && !s.root().join("public/docs/a/first").exists());
}

/// Under `serve`, a record saved for the first time in a folder that holds records, one deleted
/// and one renamed are taken into the last listing of `content/` (in the order a listing walks
/// folders: `d.md` after everything in `d/`) rather than listing the site again; a record in a
/// new folder, and a file put in place of a folder of records, list it again. Each rebuild
/// equals a clean build.
#[test]
fn records_added_and_deleted_are_taken_into_the_last_listing() {
    let s = Site::new();
    for k in 0..4 {
        s.record(&format!("d/r{k}"), &normative(&format!("文件{k}"), "2024-01-02"), "x\n");
    }
    s.record("d-e", &normative("同日", "2024-01-02"), "x\n");
    let opts = session(&s, "2024-06-01");
    built(&opts);
    let session = opts.session.as_ref().unwrap();
    let content = s.root().join("content").canonicalize().unwrap();
    let saved = |files: &[&str]| {
        let paths: Vec<std::path::PathBuf> = files.iter().map(|f| content.join(f)).collect();
        session.parse.note_changes(Some(&paths));
        built(&opts);
        same_as_clean(&s);
        session.parse.listings()
    };
    let listed = session.parse.listings();
    s.record("d/a0", &normative("新增", "2024-01-02"), "y\n");
    assert_eq!(saved(&["d/a0.md"]), listed, "a record added to a folder of records");
    s.record("d", &normative("同名", "2024-01-02"), "z\n");
    assert_eq!(saved(&["d.md"]), listed, "a record beside a folder of its name");
    std::fs::remove_file(content.join("d/r2.md")).unwrap();
    assert_eq!(saved(&["d/r2.md"]), listed, "a record deleted");
    std::fs::rename(content.join("d/r1.md"), content.join("d/s1.md")).unwrap();
    assert_eq!(saved(&["d/r1.md", "d/s1.md"]), listed, "a record renamed");
    s.record("n/x", &normative("新目录", "2024-01-03"), "w\n");
    assert_eq!(saved(&["n/x.md"]), listed + 1, "a record in a new folder lists the site again");
    // A folder of records moved away and a file put in its place: a watcher on the folder
    // names only the folder's path.
    s.record("g/y", &normative("将移走", "2024-01-04"), "v\n");
    assert_eq!(saved(&["g/y.md"]), listed + 2);
    std::fs::rename(content.join("g"), s.root().join("moved-away")).unwrap();
    s.write("content/g", "不是记录\n");
    assert_eq!(saved(&["g"]), listed + 3, "a file in place of a folder lists the site again");
    assert!(!s.root().join("public/docs/g/y").exists(), "the records of a folder moved away are gone");
    for id in ["d/a0", "d", "d/s1", "n/x"] {
        assert!(s.root().join(format!("public/docs/{id}/index.html")).exists(), "{id} is published");
    }
    assert!(!s.root().join("public/docs/d/r2").exists() && !s.root().join("public/docs/d/r1").exists());
}

/// One save that removes the oldest record and adds one newer than all: every page job names
/// the same indexes as before (the records shifted by one), yet no page is the last build's.
#[test]
fn a_record_removed_and_another_added_in_one_save_equal_a_clean_build() {
    let s = Site::new();
    for (id, day) in [("a", "02"), ("b", "03"), ("c", "04")] {
        s.record(id, &normative(&format!("{id}办法"), &format!("2024-01-{day}")), &format!("{id}的正文。\n"));
    }
    let opts = session(&s, "2024-06-01");
    built(&opts);
    // As `serve` does after each rebuild: the next one may then take the kept pages.
    assert_eq!(swept(&opts), Some(true));
    std::fs::remove_file(s.root().join("content/a.md")).unwrap();
    s.record("d", &normative("d办法", "2024-01-05"), "d的正文。\n");
    built(&opts);
    same_as_clean(&s);
    assert!(!s.root().join("public/docs/a").exists() && s.root().join("public/docs/d/index.html").exists());
}

/// `text.md` is cached like its page: when the record it links to is withheld, the cached build
/// rewrites it (dropping the link, keeping its text) although no source of the linking record
/// changed, and equals a clean build; an unrelated record's `text.md` is reused.
#[test]
fn text_md_follows_its_link_targets_through_the_cache() {
    let s = Site::new();
    let b = |extra: &str| s.record("b", &format!("{}{extra}", normative("乙", "2024-01-02")), "乙文。\n");
    b("");
    s.record("a", &normative("甲", "2024-01-02"), "见[乙办法](doc:b)。\n");
    s.record("c", &normative("丙", "2024-01-02"), "丙文。\n");
    build(&s, &[]);
    let text = |id: &str| std::fs::read_to_string(s.root().join(format!("public/docs/{id}/text.md"))).unwrap();
    assert!(text("a").contains("[乙办法](https://www.ceshi.gov.cn/docs/b/)"), "{}", text("a"));
    let stamp =
        |id: &str| std::fs::metadata(s.root().join(format!("public/docs/{id}/text.md"))).unwrap().modified().unwrap();
    let c_before = stamp("c");
    b("\ndisclosure: withheld\ndisclosure_reason: 涉密");
    assert!(build(&s, &[]) > 0, "nothing was reused");
    assert!(text("a").contains("见乙办法。") && !text("a").contains("docs/b"), "{}", text("a"));
    assert_eq!(stamp("c"), c_before, "an unrelated text.md was written again");
    same_as_clean(&s);
}

/// `serve` reuses pages and open-data rows when nothing they read changed. Over a series of
/// edits to the demo site — titles, texts, links, disclosure, gazette contents, earlier versions,
/// deletions — every rebuild of one session equals a clean build byte for byte.
#[test]
fn serve_rebuilds_equal_clean_builds_over_a_series_of_edits() {
    const ADDED: &str = "notices/2026-ceshi-xinzeng.md";
    use gongbao::cmd::build::build;
    let s = Site::new();
    for e in walkdir::WalkDir::new(common::project().join("content"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
    {
        let rel = e.path().strip_prefix(common::project()).unwrap().to_string_lossy().into_owned();
        s.write_bytes(&rel, &std::fs::read(e.path()).unwrap());
    }
    s.write("gongbao.toml", &std::fs::read_to_string(common::project().join("gongbao.toml")).unwrap());
    let opts = session(&s, "2026-06-30");
    assert!(build(&opts).is_ok(), "the demo builds");
    // Records by path, and the ids other records point at.
    let records: Vec<String> = tree(&s.root().join("content"))
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.ends_with(".md") && !p.contains("versions/"))
        .collect();
    let read = |rel: &str| std::fs::read_to_string(s.root().join("content").join(rel)).unwrap();
    let id_of = |rel: &str| {
        let text = read(rel);
        text.lines()
            .find_map(|l| l.strip_prefix("id: ").map(|v| v.trim().trim_matches('"').to_string()))
            .unwrap_or_else(|| rel.trim_end_matches(".md").trim_end_matches("/index").to_string())
    };
    let edit = |rel: &str, f: &dyn Fn(String) -> String| {
        let p = s.root().join("content").join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, f(text)).unwrap();
    };
    let named = |part: &str| {
        records.iter().find(|r| r.contains(part)).cloned().unwrap_or_else(|| panic!("no record like {part}"))
    };
    let amended = named("2019-shirong");
    // Those that amend it in their front matter (published before the build date, so shown).
    let amending: Vec<String> = records
        .iter()
        .filter(|r| read(r).split("\n---").next().is_some_and(|front| front.contains(&id_of(&amended))))
        .filter(|r| **r != amended && read(r).contains("\namends:"))
        .cloned()
        .collect();
    assert!(!amending.is_empty(), "the demo has records pointing at {amended}");
    let gazette = records.iter().find(|r| r.starts_with("gazette/")).cloned().unwrap();
    let version =
        tree(&s.root().join("content")).into_iter().map(|(p, _)| p).find(|p| p.contains("versions/")).unwrap();
    let unreferenced = records
        .iter()
        .find(|r| !r.starts_with("gazette/") && records.iter().all(|o| o == *r || !read(o).contains(&id_of(r))))
        .cloned()
        .unwrap();
    let retitle = |t: String| t.replacen("\ntitle: ", "\ntitle: 新", 1);
    // A record with keywords, not edited otherwise.
    let keyworded = records
        .iter()
        .find(|r| read(r).contains("\nkeywords: [") && **r != amended && !amending.contains(r) && *r != &records[3])
        .cloned()
        .unwrap();
    // A regulation (in force until repealed) without an expiry date, not edited otherwise:
    // given one in the past, its validity changes but not its place in any order.
    let expiring = records
        .iter()
        .find(|r| {
            let text = read(r);
            let front = text.split("\n---").next().unwrap_or("");
            front.contains("\nkind: regulation")
                && !front.contains("\nexpires:")
                && ![&amended, &keyworded, &unreferenced, &records[3], &records[5]].contains(r)
                && !amending.contains(r)
        })
        .cloned()
        .unwrap();
    // The newest record published by the build date with one issuer: given an issuer no other
    // record has, the labels the search index numbers in order of first use (newest first)
    // change their numbers.
    let line =
        |text: &str, key: &str| text.lines().find_map(|l| l.strip_prefix(key).map(|v| v.trim_matches('"').to_string()));
    let reissued = records
        .iter()
        .filter(|r| line(&read(r), "issuer: ").is_some_and(|v| !v.starts_with('[')))
        .filter_map(|r| Some((line(&read(r), "published: ").filter(|p| &**p <= "2026-06-30")?, r)))
        .max()
        .map(|(_, r)| r.clone())
        .unwrap();
    // A normative document with every number, a genre and a review, which a gazette issue,
    // an interpretation and a draft name: edits of what only its own pages, rows and checks
    // read.
    let numbered = named("normative/2024-wangyueche");
    assert!(
        ![&amended, &keyworded, &unreferenced, &expiring, &reissued, &records[3], &records[5]].contains(&&numbered)
            && !amending.contains(&numbered)
    );
    let repealing = named("normative/2022-wuye-fuwu");
    assert!(
        ![&amended, &keyworded, &unreferenced, &expiring, &reissued, &records[3], &records[5], &numbered]
            .contains(&&repealing)
            && !amending.contains(&repealing)
    );
    let set = |key: &'static str, value: &'static str| {
        let numbered = numbered.clone();
        let edit = &edit;
        move || edit(&numbered, &|t| with_key(&t, key, value))
    };
    // A record with earlier versions: rewording its current text changes its redlines too.
    let versioned = {
        let folder = version.split("/versions/").next().unwrap().to_string();
        format!("{folder}/index.md")
    };
    let steps: Vec<(String, Box<dyn Fn()>)> = vec![
        ("the text of one record".into(), Box::new(|| edit(&records[3], &|t| t + "\n新增一段文字。\n"))),
        // The rebuild after a preview starts from what the preview read: twice in a row.
        (
            "the text of the same record again".into(),
            Box::new(|| edit(&records[3], &|t| t.replacen("新增", "另增", 1))),
        ),
        (
            "the wording of a record with versions".into(),
            Box::new(|| edit(&versioned, &|t| t.replacen("。", "；", 1) + "\n本次修改仅调整文字。\n")),
        ),
        ("the title of an amended record, shown on the amending ones".into(), Box::new(|| edit(&amended, &retitle))),
        ("the title of an amending record, shown on the amended one".into(), Box::new(|| edit(&amending[0], &retitle))),
        (
            "a link to another record".into(),
            Box::new(|| edit(&records[5], &|t| t + &format!("\n参见[该文件](doc:{})。\n", id_of(&amended)))),
        ),
        (
            "the linked record withheld".into(),
            Box::new(|| edit(&amended, &|t| t.replacen("\n---\n", "\ndisclosure: on_request\n---\n", 1))),
        ),
        // Taken as a new wording, with no page shown: nothing of it may reach the output.
        (
            "the text of the withheld record".into(),
            Box::new(|| edit(&amended, &|t| t + "\n不公开的新段落WITHHELD-MARKER。\n")),
        ),
        // One save of a shown record's text and the withheld record's title: the preview
        // shows the first alone.
        (
            "a shown text and the withheld record's title in one save".into(),
            Box::new(|| {
                edit(&records[3], &|t| t + "\n同时保存的一段。\n");
                edit(&amended, &|t| t.replacen("\ntitle: ", "\ntitle: WITHHELD-MARKER", 1));
            }),
        ),
        (
            "the linked record public again".into(),
            Box::new(|| edit(&amended, &|t| t.replacen("\ndisclosure: on_request\n", "\n", 1))),
        ),
        ("a gazette issue's title".into(), Box::new(|| edit(&gazette, &retitle))),
        (
            "the keywords of a record".into(),
            Box::new(|| edit(&keyworded, &|t| t.replacen("\nkeywords: [", "\nkeywords: [测试, ", 1))),
        ),
        ("the signing date of a normative document".into(), Box::new(set("signed", "2024-02-20"))),
        (
            "its document, index and registration numbers, which no other record has".into(),
            Box::new(|| {
                set("doc_number", "青交规〔2024〕91号")();
                set("index_no", "113300000/2024-00912")();
                set("registration_no", "QCSP01-2024-0904")();
            }),
        ),
        (
            "its genre and its secrecy reviewer".into(),
            Box::new(|| {
                set("genre", "决定")();
                set("review", "{by: 王晓明, on: 2024-02-22, result: 同意公开}")();
            }),
        ),
        // Its own check finds something new, months between signing and publication: a warning,
        // which the preview takes and the rebuild prints.
        ("its signing date, months before publication".into(), Box::new(set("signed", "2023-10-09"))),
        // The check across records that reads numbers finds something new, then nothing again.
        ("its document number, now another record's".into(), Box::new(set("doc_number", "青建规〔2024〕1号"))),
        ("its document number, its own again".into(), Box::new(set("doc_number", "青交规〔2024〕1号"))),
        // Its lists: it leaves one and joins one that other records are in, no list changing its
        // number of pages.
        ("its topic, one other records have".into(), Box::new(set("topic", "'城乡建设、环境保护\\城乡建设'"))),
        ("its issuer, one other records have".into(), Box::new(set("issuer", "青川市人民政府办公厅"))),
        // In one list of the first level once, whatever the topics under it.
        (
            "two of its topics under one first level".into(),
            Box::new(set("topic", "['城乡建设、环境保护\\城乡建设', '城乡建设、环境保护\\环境保护']")),
        ),
        // A list no other record is in would be new: the plan is another one.
        ("its topic, one no other record has".into(), Box::new(set("topic", "'科技、教育\\科技'"))),
        (
            "its topic and issuer as they were".into(),
            Box::new(|| {
                set("topic", "'工业、交通\\交通'")();
                set("issuer", "青川市交通运输局")();
            }),
        ),
        // Its validity: no record amends or repeals it, nor it another, and it has no earlier
        // texts; taken while its state on the build date stays.
        ("its effective date, a week later".into(), Box::new(set("effective", "2024-04-08"))),
        ("its expiry, a year later".into(), Box::new(set("expires", "2030-03-31"))),
        ("its expiry, passed by the build date".into(), Box::new(set("expires", "2026-03-31"))),
        ("its expiry, to come again".into(), Box::new(set("expires", "2029-03-31"))),
        // A repeal with no date of its own takes effect with the repealing record: the repealed
        // record's timeline then reads that record's effective date.
        (
            "a repeal that takes effect with the repealing record".into(),
            Box::new(|| edit(&repealing, &|t| replaced(&t, "\n    effective: 2022-07-01\n", "\n"))),
        ),
        (
            "the effective date of a record that repeals another".into(),
            Box::new(|| edit(&repealing, &|t| replaced(&t, "\neffective: 2022-07-01\n", "\neffective: 2022-07-08\n"))),
        ),
        (
            "the expiry of a regulation, which changes its validity, not its place".into(),
            Box::new(|| edit(&expiring, &|t| t.replacen("\neffective: ", "\nexpires: 2026-03-31\neffective: ", 1))),
        ),
        (
            "the issuer of a record, one no other record has".into(),
            Box::new(|| edit(&reissued, &|t| with_key(&t, "issuer", "青川市审计局"))),
        ),
        ("an earlier version's text".into(), Box::new(|| edit(&version, &|t| t + "\n旧文本中补充的一段。\n"))),
        (
            "a record's publication date, now the newest in the feeds and lists".into(),
            Box::new(|| edit(&unreferenced, &|t| with_key(&t, "published", "2026-06-01"))),
        ),
        (
            "a record deleted".into(),
            Box::new(|| std::fs::remove_file(s.root().join("content").join(&unreferenced)).unwrap()),
        ),
        (
            "a new record".into(),
            Box::new(|| {
                let fm = "kind: notice\ntitle: 青川市测试局关于新增一条通知的通知\nissuer: 青川市人民政府办公厅\nsigned: 2026-05-18\npublished: 2026-05-20";
                s.write(&format!("content/{ADDED}"), &format!("---\n{fm}\n---\n\n本通知为测试新增。\n"));
            }),
        ),
        // A temporary file an editor writes and removes: named by the watcher, in no listing.
        ("a file made and removed".into(), Box::new(|| {})),
        // Saved again as it was: nothing to read again.
        ("a record saved unchanged".into(), Box::new(|| edit(&records[3], &|t| t))),
        ("a first line in the transfer register".into(), Box::new(|| append_register_line(&s, 1))),
        ("another line in the transfer register".into(), Box::new(|| append_register_line(&s, 2))),
        ("nothing".into(), Box::new(|| {})),
    ];
    // The files each step touches, for the preview; it is taken for new wordings, titles and what
    // only a record's own pages, rows and checks read.
    let touched: Vec<(Vec<String>, bool)> = vec![
        (vec![records[3].clone()], true),
        (vec![records[3].clone()], true),
        (vec![versioned.clone()], true),
        (vec![amended.clone()], true),
        (vec![amending[0].clone()], true),
        (vec![records[5].clone()], false),
        (vec![amended.clone()], false),
        (vec![amended.clone()], true),
        (vec![records[3].clone(), amended.clone()], true),
        (vec![amended.clone()], false),
        (vec![gazette.clone()], true),
        (vec![keyworded.clone()], true),
        (vec![numbered.clone()], true),
        (vec![numbered.clone()], true),
        (vec![numbered.clone()], true),
        (vec![numbered.clone()], true),
        (vec![numbered.clone()], false),
        (vec![numbered.clone()], false),
        (vec![numbered.clone()], true),
        (vec![numbered.clone()], true),
        (vec![numbered.clone()], true),
        (vec![numbered.clone()], false),
        (vec![numbered.clone()], false),
        (vec![numbered.clone()], true),
        (vec![numbered.clone()], true),
        (vec![numbered.clone()], false),
        (vec![numbered.clone()], false),
        (vec![repealing.clone()], false),
        (vec![repealing.clone()], false),
        (vec![expiring.clone()], false),
        (vec![reissued.clone()], false),
        (vec![version.clone()], false),
        (vec![unreferenced.clone()], true),
        (vec![unreferenced.clone()], false),
        (vec![ADDED.to_string()], false),
        (vec![format!("{ADDED}.swp")], true),
        (vec![records[3].clone()], true),
        (vec![], false),
        (vec![], false),
        (vec![], false),
    ];
    assert_eq!(touched.len(), steps.len());
    let content = s.root().join("content").canonicalize().unwrap();
    for ((what, step), (files, rewords)) in steps.iter().zip(&touched) {
        step();
        let paths: Vec<std::path::PathBuf> = files.iter().map(|f| content.join(f)).collect();
        // As `serve` does for every batch of changes: the files its watcher named.
        opts.session.as_ref().unwrap().parse.note_changes(Some(&paths));
        let preview = gongbao::cmd::serve::preview::preview(&opts, &paths);
        assert_eq!(preview.is_some(), *rewords, "after {what}: a preview only for a new wording or title");
        let ok = build(&opts).is_ok();
        // The preview showed what the rebuild wrote, byte for byte.
        for (p, bytes) in preview.iter().flat_map(|p| &p.pages) {
            let built = std::fs::read(s.root().join("public").join(p)).unwrap();
            assert!(built == *bytes, "after {what}: the preview of {p} is not what the rebuild wrote");
        }
        if what.contains("withheld record") {
            let p = preview.as_ref().unwrap();
            let shown = usize::from(what.contains("shown text"));
            assert_eq!(p.records, shown, "after {what}: only shown records are previewed");
            assert!(
                p.pages.iter().all(|(f, _)| !f.contains(&id_of(&amended))),
                "after {what}: a page of a withheld record was previewed"
            );
            for (f, bytes) in tree(&s.root().join("public")) {
                assert!(
                    !String::from_utf8_lossy(&bytes).contains("WITHHELD-MARKER"),
                    "after {what}: the withheld text reached {f}"
                );
            }
        }
        if let Some(p) = preview.as_ref().filter(|p| p.records > 0) {
            assert!(p.pages.iter().any(|(p, _)| p.starts_with("zh-Hant/")), "the Traditional twins are previewed");
            if what.contains("versions") {
                assert!(
                    p.pages.iter().any(|(p, _)| p.contains("/diff/")),
                    "redlines are previewed: {:?}",
                    p.pages.iter().map(|x| &x.0).collect::<Vec<_>>()
                );
            }
        }
        assert!(ok, "after {what} the demo still builds");
        if what.contains("under one first level") {
            let list =
                std::fs::read_to_string(s.root().join("public/browse/topic/城乡建设、环境保护/index.html")).unwrap();
            let link = format!("/docs/{}/\"", id_of(&numbered));
            assert_eq!(list.matches(&link).count(), 1, "after {what}: listed once in the list of the first level");
        }
        equals_clean(&s, &format!("after {what}"));
        // As `serve` does after each rebuild: the next one takes the cache at its word.
        assert_eq!(swept(&opts), Some(true), "after {what}: the output is as the cache lists it");
    }
    // Each rebuild after a sweep wrote the manifest and the sums into spare copies (the demo's
    // tables have no mark to cut them at: see the test below).
    let taken = opts.session.as_ref().unwrap().spares_taken();
    assert!(taken >= 2 * (steps.len() as u64 - 1), "{taken} spare copies taken in {} rebuilds", steps.len());
    // Each rebuild that started from a preview took the last build's list of files.
    let patched = opts.session.as_ref().unwrap().lists_patched();
    let previewed = touched.iter().filter(|(_, rewords)| *rewords).count() as u64;
    assert!(patched >= previewed, "{patched} lists patched in {previewed} rebuilds from a preview");
}

/// The `k`-th day of 2024, counted in months of 28 days: a date for each of a hundred records.
fn date(k: usize) -> String {
    format!("2024-{:02}-{:02}", 1 + k / 28, 1 + k % 28)
}

/// A site of two records a page, for lists of a few pages.
fn two_a_page() -> Site {
    let s = Site::new();
    s.write("gongbao.toml", &common::CONFIG.replacen("[site]\n", "[site]\nper_page = 2\n", 1));
    s
}

/// A normative document's front matter, with one topic.
fn topical(title: &str, published: &str, topic: &str) -> String {
    format!("{}\ntopic: '{topic}'", normative(title, published))
}

/// Gives record `id` the topic `topic`, as an editor saving it under `serve` would; returns
/// whether the edit was previewed.
fn moved_to(opts: &gongbao::cmd::build::Options, id: &str, topic: &str) -> bool {
    let content = opts.root.join("content").canonicalize().unwrap();
    let path = content.join(format!("{id}.md"));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, with_key(&text, "topic", &format!("'{topic}'"))).unwrap();
    opts.session.as_ref().unwrap().parse.note_changes(Some(std::slice::from_ref(&path)));
    gongbao::cmd::serve::preview::preview(opts, std::slice::from_ref(&path)).is_some()
}

/// A record moved from one browse list to another by its topic alone is previewed, and its
/// rebuild starts from the kept plan, while no list comes or goes and each keeps its number of
/// pages; a record not yet published joins no list, but the check of what the build writes
/// reads its topics: a topic no other record has is not previewed. Each rebuild equals a clean
/// build.
#[test]
fn a_record_moved_between_lists_is_previewed_while_the_plan_stays() {
    let s = two_a_page();
    for (id, day, topic) in [
        ("a", "01", "甲类"),
        ("b", "02", "甲类"),
        ("c", "03", "甲类"),
        ("d", "04", "甲类"),
        ("e", "05", "乙类"),
        ("g", "06", "丁类"),
    ] {
        s.record(id, &topical(&format!("文件{id}"), &format!("2024-01-{day}"), topic), "正文。\n");
    }
    // Published after the build date: in no list yet.
    s.record("f", &topical("文件f", "2027-01-01", "乙类"), "正文。\n");
    let opts = session(&s, "2026-06-30");
    built(&opts);
    // A list of n records has a page of its own and n / 2 - 1 numbered ones.
    let steps = [
        // 甲类 goes from two pages to one (4 → 3).
        ("a", "乙类", false),
        // 甲类 keeps one page (3 → 2), 乙类 one (2 → 3).
        ("b", "乙类", true),
        ("b", "甲类", true),
        // A list only the record not yet published would write.
        ("f", "丙类", false),
        ("f", "甲类", true),
        // 甲类 goes from one page to two (3 → 4).
        ("e", "甲类", false),
        // 乙类 would be left with no record: it goes.
        ("a", "丁类", false),
    ];
    for (id, topic, previewed) in steps {
        let what = format!("{id} moved to {topic}");
        assert_eq!(moved_to(&opts, id, topic), previewed, "{what}: previewed only while the plan stays");
        built(&opts);
        equals_clean(&s, &what);
        // As `serve` does after each rebuild: the next one takes the cache at its word, and
        // tells the pages an edit reached from what they read.
        assert_eq!(swept(&opts), Some(true), "after {what}: the output is as the cache lists it");
    }
}

/// A record moved between lists of several pages, previewed: the pages of the lists from the
/// record's place to the newest are made again, the older ones kept, and each rebuild equals a
/// clean build.
#[test]
fn a_record_moved_between_long_lists_moves_the_pages_from_its_place_to_the_newest() {
    let s = two_a_page();
    // 甲类: nine records, three numbered pages; 乙类: six, two.
    for day in 1..=9 {
        s.record(&format!("j{day}"), &topical(&format!("甲{day}"), &format!("2024-01-{day:02}"), "甲类"), "正文。\n");
    }
    for day in 1..=6 {
        s.record(&format!("y{day}"), &topical(&format!("乙{day}"), &format!("2024-02-{day:02}"), "乙类"), "正文。\n");
    }
    let opts = session(&s, "2026-06-30");
    built(&opts);
    // Each keeps its number of pages: 甲类 9 → 8 (three numbered), 乙类 6 → 7 (two).
    for (id, topic) in [("j5", "乙类"), ("j5", "甲类"), ("j9", "乙类"), ("j9", "甲类"), ("j1", "乙类")] {
        let what = format!("{id} moved to {topic}");
        assert!(moved_to(&opts, id, topic), "{what}: previewed");
        built(&opts);
        equals_clean(&s, &what);
        assert_eq!(swept(&opts), Some(true), "after {what}: the output is as the cache lists it");
    }
}

/// A record's publication date moved under `serve` is previewed, and its rebuild starts from
/// the kept plan with the record in its new place in every list by date and in the feeds, while
/// readers see it before and after, no list comes or goes or changes its number of pages, and
/// nothing else reads its date (a record that repeals it reads its effective date, and an issue
/// that carries it only that it is not later): not a record scheduled after the build date, nor
/// one an interpretation names, nor one whose title another record of its kind has on the new
/// day, nor one moved after the issue that carries it, which the checks find.
/// Each preview shows what the rebuild writes, and each rebuild equals a clean build.
#[test]
fn a_publication_date_moved_is_previewed_while_the_lists_keep_their_pages() {
    let s = two_a_page();
    // The list of 2024: eight documents and an interpretation, three numbered pages; of 2026,
    // six documents, two.
    for (k, id) in ["a", "b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
        let mut front = topical(&format!("文件{id}"), &format!("2024-01-{:02}", k + 1), "甲类");
        // Not in force by the build date, nor on any date it is published on below.
        if *id == "a" {
            front.push_str("\neffective: 2028-01-01");
        }
        // In force from a day of its own, which a record that repeals it reads (with no
        // effective date, a record's is its publication date).
        if *id == "f" {
            front.push_str("\neffective: 2024-02-01");
        }
        s.record(id, &front, &format!("文件{id}的正文。\n"));
    }
    for day in 1..=4 {
        s.record(&format!("y{day}"), &topical(&format!("乙{day}"), &format!("2026-01-{day:02}"), "乙类"), "正文。\n");
    }
    s.record("t", &topical("文件d", "2026-03-01", "乙类"), "与文件d同名的另一份文件。\n");
    // It repeals f: what it reads of f is its effective date.
    s.record("r", &format!("{}\nrepeals: [f]", topical("废止f的决定", "2026-02-01", "乙类")), "废止f。\n");
    s.record("j", "kind: interpretation\ntitle: 文件c的解读\npublished: 2024-01-03\ninterprets: c", "解读。\n");
    // An issue carries b, on a day after each date b is given below but the last.
    let issue = "kind: gazette\ntitle: 测试公报 2024年第1期\nyear: 2024\nnumber: 1\npublished: 2024-01-31\nsections:\n  - title: 文件\n    items:\n      - {doc: b, page: 3}";
    s.record("gazette/2024-01", issue, "本期刊登文件1件。\n");
    let opts = session(&s, "2026-06-30");
    built(&opts);
    let content = opts.root.join("content").canonicalize().unwrap();
    let steps: [(&[(&str, &str)], bool); 14] = [
        // Past three records of its lists, and back; carried by an issue published after both.
        (&[("b", "2024-01-06")], true),
        (&[("b", "2024-01-02")], true),
        // Into the list of another year, each keeping its number of pages (9 → 8, 6 → 7), and back.
        (&[("a", "2026-01-02")], true),
        (&[("a", "2024-01-01")], true),
        // Repealed by another record.
        (&[("f", "2024-01-10")], true),
        // Named twice in one batch: read again, the second has the bytes taken already.
        (&[("g", "2024-01-09"), ("g", "2024-01-09")], true),
        // The newest of its year; the newest of all, first in the feeds and on the home page.
        (&[("h", "2024-12-31")], true),
        (&[("y3", "2026-06-30")], true),
        // After the build date in a year other records are in, and back: readers see it on one
        // side only (its state stays).
        (&[("a", "2026-12-01")], false),
        (&[("a", "2024-01-01")], false),
        // A document and its interpretation, in one save: each names or is named by the other.
        (&[("c", "2024-01-05"), ("j", "2024-01-05")], false),
        // The day of another normative document titled as it is, and back.
        (&[("d", "2026-03-01")], false),
        (&[("d", "2024-01-04")], false),
        // A year no other record is in: a list would come.
        (&[("e", "2022-01-05")], false),
    ];
    for (edits, previewed) in steps {
        let what = format!("{edits:?}");
        let paths: Vec<std::path::PathBuf> = edits.iter().map(|(id, _)| content.join(format!("{id}.md"))).collect();
        for ((_, day), path) in edits.iter().zip(&paths) {
            let text = std::fs::read_to_string(path).unwrap();
            std::fs::write(path, with_key(&text, "published", day)).unwrap();
        }
        let session = opts.session.as_ref().unwrap();
        session.parse.note_changes(Some(&paths));
        let preview = gongbao::cmd::serve::preview::preview(&opts, &paths);
        assert_eq!(preview.is_some(), previewed, "{what}: previewed only while nothing else reads the date");
        built(&opts);
        for (p, bytes) in preview.iter().flat_map(|p| &p.pages) {
            let written = std::fs::read(s.root().join("public").join(p)).unwrap();
            assert!(written == *bytes, "{what}: the preview of {p} is not what the rebuild wrote");
        }
        if previewed {
            let records = edits.iter().map(|(id, _)| id).collect::<std::collections::BTreeSet<_>>().len();
            assert!(preview.is_some_and(|p| p.records == records), "{what}: the record's pages previewed");
        }
        equals_clean(&s, &what);
        assert_eq!(swept(&opts), Some(true), "after {what}: the output is as the cache lists it");
    }
    // After the issue that carries it: the checks find it, and the build stops.
    let b = content.join("b.md");
    std::fs::write(&b, with_key(&std::fs::read_to_string(&b).unwrap(), "published", "2024-02-05")).unwrap();
    opts.session.as_ref().unwrap().parse.note_changes(Some(std::slice::from_ref(&b)));
    assert!(gongbao::cmd::serve::preview::preview(&opts, std::slice::from_ref(&b)).is_none(), "b after its issue");
    assert!(
        matches!(gongbao::cmd::build::build(&opts), Err(gongbao::cmd::Stop::Reported(1))),
        "b after its issue: the build stops with the finding"
    );
}

/// `text` with the line of front-matter key `key` given `value`; the key must be there.
fn with_key(text: &str, key: &str, value: &str) -> String {
    let at = text.find(&format!("\n{key}: ")).unwrap_or_else(|| panic!("no `{key}` in the file")) + 1;
    let end = at + text[at..].find('\n').unwrap();
    format!("{}{key}: {value}{}", &text[..at], &text[end..])
}

/// `text` with the first `from` made `to`; `from` must be there, so that a step of a series
/// never passes as an edit it did not make.
fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` is not in the file");
    text.replacen(from, to, 1)
}

/// Records `a` and `b` in `s`, and a session over them for 2026-06-30.
fn two_records_in_a_session(s: &Site) -> gongbao::cmd::build::Options {
    s.record("a", &normative("甲文件", "2024-01-02"), "甲的正文。\n");
    s.record("b", &normative("乙文件", "2024-01-03"), "乙的正文。\n");
    session(s, "2026-06-30")
}

/// `Session::sweep` after the session's last build or preview, as `serve` runs it, and then,
/// unless the sweep found a file changed, the spare copies of the output's largest files that
/// the next rebuild writes into.
fn swept(opts: &gongbao::cmd::build::Options) -> Option<bool> {
    let session = opts.session.as_ref().unwrap();
    let build = session.begun.load(std::sync::atomic::Ordering::SeqCst);
    let swept = session.sweep(build);
    if swept != Some(false) {
        session.make_spares(build);
    }
    swept
}

/// A page of the output changed by hand while `serve` runs: the sweep after a rebuild finds it,
/// and the build that follows writes it again, so the output matches its manifest once more.
/// Until then a rebuild takes a swept cache at its word, so the page is not written by an edit
/// of another record; the sweep stops when a build begins. Another build into the output is
/// seen by its new manifest.
#[test]
fn a_page_changed_behind_serve_is_found_by_the_sweep_and_written_again() {
    let s = Site::new();
    let opts = two_records_in_a_session(&s);
    built(&opts);
    let session = opts.session.as_ref().unwrap();
    let before = session.begun.load(std::sync::atomic::Ordering::SeqCst);
    built(&opts);
    assert_eq!(session.sweep(before), None, "a sweep for an earlier build stops at once");
    assert_eq!(swept(&opts), Some(true));
    let page = s.root().join("public/docs/a/index.html");
    std::fs::write(&page, "tampered").unwrap();
    s.record("b", &normative("乙文件", "2024-01-03"), "乙的正文，改过。\n");
    built(&opts);
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "tampered", "taken at the swept cache's word");
    assert_eq!(swept(&opts), Some(false), "the sweep finds the page changed");
    built(&opts);
    equals_clean(&s, "after the page was written again");
    assert_eq!(swept(&opts), Some(true));
    // Another build writes the same output between two of the session's (for another day, so
    // `b` is not out yet and its page goes): the session's swept cache no longer describes it,
    // and its next build checks every file again.
    let o = Command::new(common::bin())
        .current_dir(s.root())
        .args(["build", "--as-of", "2024-01-02", "--out", "public"])
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!s.root().join("public/docs/b/index.html").exists());
    built(&opts);
    equals_clean(&s, "after another build wrote the output");
}

/// Saves that follow each other faster than the sweep after each rebuild ends (an editor that
/// saves twice, a tool that empties a file and then writes it): each rebuild stops the sweep of
/// the one before, and still takes the files at the cache's word, as that one did, so it writes
/// only what the edit reached (the last build's list of files is patched). A page changed by
/// hand meanwhile is found by the first sweep that runs to its end, and written again.
#[test]
fn rebuilds_with_no_sweep_between_them_take_the_cache_at_its_word_until_a_sweep_ends() {
    let s = Site::new();
    let opts = swept_session(&s);
    let session = opts.session.as_ref().unwrap();
    for k in 0..3 {
        s.record("b", &normative("乙文件", "2024-01-03"), &format!("乙的正文，第{k}次改。\n"));
        let patched = session.lists_patched();
        built(&opts);
        assert_eq!(session.lists_patched(), patched + 1, "edit {k}: only what the edit reached was written");
    }
    equals_clean(&s, "after edits built with no sweep between them");
    let page = s.root().join("public/docs/a/index.html");
    std::fs::write(&page, "tampered").unwrap();
    for k in 3..5 {
        s.record("b", &normative("乙文件", "2024-01-03"), &format!("乙的正文，第{k}次改。\n"));
        built(&opts);
    }
    found_and_written_again(&s, &opts, &page, "after edits with no sweep between them");
}

/// A session over records `a` and `b` (see [`two_records_in_a_session`]) built twice and swept.
fn swept_session(s: &Site) -> gongbao::cmd::build::Options {
    let opts = two_records_in_a_session(s);
    built(&opts);
    built(&opts);
    assert_eq!(swept(&opts), Some(true));
    opts
}

/// `page`, changed by hand, is still as it was changed, taken at the cache's word; the sweep
/// finds it, and the build after it writes it again, equal to a clean build.
fn found_and_written_again(s: &Site, opts: &gongbao::cmd::build::Options, page: &std::path::Path, what: &str) {
    assert_eq!(std::fs::read_to_string(page).unwrap(), "tampered", "{what}: taken at the cache's word");
    assert_eq!(swept(opts), Some(false), "{what}: the sweep finds the page changed");
    built(opts);
    equals_clean(s, what);
    assert_eq!(swept(opts), Some(true));
}

/// A record saved again while the rebuild for its last save runs: the rebuild reads a text that
/// is not the one the site was read with, and stops (the output untouched); `serve` builds again
/// at once. What the session kept of the search index and of the output's files is the
/// last finished build's, and the rebuild after the stop starts from it: at 50,000 records,
/// reading every text again for the search index took over 10 s.
#[test]
fn a_rebuild_stopped_by_a_file_changed_under_it_leaves_what_the_session_kept() {
    let s = Site::new();
    // Enough records that one changed is taken into the search lists in place, which is when
    // the index keeps what it replaced.
    for k in 0..20 {
        s.record(&format!("c{k:02}"), &normative(&format!("丙{k}号文件"), "2024-01-04"), "丙的正文。\n");
    }
    let opts = swept_session(&s);
    let session = opts.session.as_ref().unwrap();
    let page = s.root().join("public/docs/a/index.html");
    std::fs::write(&page, "tampered").unwrap();
    let b = s.root().join("content/b.md");
    s.record("b", &normative("乙文件", "2024-01-03"), "乙的正文，第一次保存。\n");
    assert!(gongbao::cmd::serve::preview::preview(&opts, std::slice::from_ref(&b)).is_some());
    s.record("b", &normative("乙文件", "2024-01-03"), "乙的正文，第二次保存，构建途中。\n");
    let before = tree(&s.root().join("public"));
    match gongbao::cmd::build::build(&opts) {
        Err(gongbao::cmd::Stop::Reported(1)) => {}
        other => panic!("the build went on over a changed file: {:?}", other.is_ok()),
    }
    assert!(session.stopped.lock().unwrap().contains("[changed]"));
    // `serve` builds again at once, rather than show the stop.
    assert!(session.overtaken.load(std::sync::atomic::Ordering::SeqCst));
    assert!(before == tree(&s.root().join("public")), "the output was touched");
    assert_eq!(session.memo.search_docs_kept(), 22, "the search index's state was let go");
    assert!(session.cache.lock().unwrap().is_some(), "the cache of the output was let go");
    built(&opts);
    // Taken at the kept cache's word, as the builds before the stop would have.
    found_and_written_again(&s, &opts, &page, "after a rebuild stopped by a file changed under it");
}

/// `serve`'s rebuild (`serve::rebuild`) after such a stop builds again from the site as it is
/// then, with nothing shown as a failure: the record saved under the build, and another saved
/// meanwhile that the watcher had not named yet (a save-all), are both in the output it makes,
/// which equals a clean build.
#[test]
fn serve_builds_again_after_a_save_under_the_build_from_every_file() {
    let s = Site::new();
    let opts = swept_session(&s);
    let session = opts.session.as_ref().unwrap();
    let b = s.root().join("content/b.md");
    s.record("b", &normative("乙文件", "2024-01-03"), "乙的正文，第一次保存。\n");
    session.parse.note_changes(Some(std::slice::from_ref(&b)));
    assert!(gongbao::cmd::serve::preview::preview(&opts, std::slice::from_ref(&b)).is_some());
    s.record("b", &normative("乙文件", "2024-01-03"), "乙的正文，第二次保存，构建途中。\n");
    s.record("a", &normative("甲文件", "2024-01-02"), "甲的正文，一并保存。\n");
    assert_eq!(gongbao::cmd::serve::rebuild(&opts), None, "a stop was shown");
    let page = |id: &str| std::fs::read_to_string(s.root().join(format!("public/docs/{id}/index.html"))).unwrap();
    assert!(page("b").contains("第二次保存"));
    assert!(page("a").contains("一并保存"));
    equals_clean(&s, "after serve built again");
}

/// `serve` saves the build cache after a build, off the edit's path, unless another build has
/// begun; a later `gongbao build` into the same output then reuses what the session wrote.
#[test]
fn serve_saves_its_cache_after_the_build_for_a_later_build() {
    use std::sync::atomic::Ordering::SeqCst;
    let s = Site::new();
    let opts = two_records_in_a_session(&s);
    let session = opts.session.as_ref().unwrap();
    let saved = s.root().join(".gongbao/cache/public.jsonl");
    built(&opts);
    let first = session.begun.load(SeqCst);
    assert!(!saved.exists(), "not saved by the build itself");
    s.record("b", &normative("乙文件", "2024-01-03"), "乙的正文，改过。\n");
    built(&opts);
    assert!(session.save(s.root(), first).is_none(), "another build has begun since");
    assert!(!saved.exists());
    let now = session.begun.load(SeqCst);
    assert!(matches!(session.save(s.root(), now), Some(Ok(()))));
    assert!(session.save(s.root(), now).is_none(), "saved already");
    let (files, reused) = build_counts_at(&s, "2026-06-30", &["--out", "public"]);
    // Without a cache every file would be written again.
    assert!(reused * 2 > files, "{reused} of {files} reused");
    equals_clean(&s, "after a build from the saved cache");
}

/// A build takes a cache only while the output's manifest is the one the cache was made with: a
/// cache older than the output would not list the files written since, and a build would leave
/// those in place even when nothing writes them any more (a withdrawn record's page).
#[test]
fn a_cache_older_than_the_output_is_not_taken() {
    use std::sync::atomic::Ordering::SeqCst;
    let s = Site::new();
    let opts = two_records_in_a_session(&s);
    let kept = opts.session.as_ref().unwrap();
    built(&opts);
    assert!(matches!(kept.save(s.root(), kept.begun.load(SeqCst)), Some(Ok(()))));
    // `c` is published by a build whose cache `serve` had not saved when it stopped.
    s.record("c", &normative("丙文件", "2024-01-04"), "丙的正文。\n");
    built(&opts);
    assert!(s.root().join("public/docs/c/index.html").exists());
    drop(opts);
    std::fs::remove_file(s.root().join("content/c.md")).unwrap();
    build_counts_at(&s, "2026-06-30", &["--out", "public"]);
    equals_clean(&s, "after a build with the cache saved before the last build");
    // Another build writes the output for a later day, on which `d` is out, between two of a
    // session's builds: the session's kept cache does not list `d`'s page.
    let opts = session(&s, "2026-06-30");
    s.record("d", &normative("丁文件", "2027-01-04"), "丁的正文。\n");
    built(&opts);
    build_counts_at(&s, "2027-06-30", &["--out", "public"]);
    assert!(s.root().join("public/docs/d/index.html").exists());
    built(&opts);
    equals_clean(&s, "after another build wrote the output for a later day");
}

/// Moving the new files into a reused output fails partway: the output stays byte for byte
/// what it was, the staging folder goes, and the build exits 2.
#[cfg(unix)]
#[test]
fn a_swap_that_fails_partway_leaves_the_previous_output_as_it_was() {
    let s = Site::new();
    for k in 0..6 {
        s.record(
            &format!("d/doc{k}"),
            &normative(&format!("文件{k}"), &format!("2024-01-{:02}", k + 1)),
            &format!("正文{k}。\n"),
        );
    }
    build(&s, &[]);
    // The feeds are written anew by every build, after the pages; with a link where their
    // folder is (which gongbao never writes through), the swap fails once the changed pages
    // are on the move. This fails for root too, unlike a folder without write permission.
    let public = s.root().join("public");
    std::fs::rename(public.join("feeds"), s.root().join("feeds-elsewhere")).unwrap();
    std::os::unix::fs::symlink(s.root().join("feeds-elsewhere"), public.join("feeds")).unwrap();
    let before = (tree(&public), tree(&s.root().join("feeds-elsewhere")));
    s.record("d/doc3", &normative("文件3（修订）", "2024-01-04"), "改过的正文。\n");
    let o = Command::new(common::bin())
        .current_dir(s.root())
        .args(["build", "--as-of", "2024-06-01"])
        .env("CI", "true")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("public") && err.contains("feeds"), "{err}");
    assert!(before == (tree(&public), tree(&s.root().join("feeds-elsewhere"))), "the output changed");
    assert!(std::fs::symlink_metadata(public.join("feeds")).unwrap().file_type().is_symlink());
    let left: Vec<_> = std::fs::read_dir(s.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().contains("staging"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // Once the link is gone, the next build completes and equals a clean one.
    std::fs::remove_file(public.join("feeds")).unwrap();
    build(&s, &[]);
    same_as_clean(&s);
}

/// `serve` does not read again a file whose size and times are unchanged. A file rewritten with
/// the same size and its old modification time put back (as `cp -p` or `rsync -t` do) is still
/// seen: its change time moved.
#[cfg(unix)]
#[test]
fn a_rewrite_that_keeps_size_and_modification_time_is_seen() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "第一稿。\n");
    s.record("b", &normative("乙", "2024-01-03"), "x\n");
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let set_old =
        |rel: &str| std::fs::File::options().write(true).open(s.root().join(rel)).unwrap().set_modified(old).unwrap();
    set_old("content/a.md");
    set_old("content/b.md");
    let opts = session(&s, "2024-06-01");
    built(&opts);
    s.record("a", &normative("甲", "2024-01-02"), "第二稿。\n");
    set_old("content/a.md");
    built(&opts);
    same_as_clean(&s);
    assert!(std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap().contains("第二稿"));
}

/// The rebuild after a preview starts from what the preview read, so the preview must refuse
/// whenever the batch may not say everything that changed: a folder moved out (one event, on the
/// folder), an earlier build that stopped before it took what the preview left, a file read but
/// not watched (the publication register). Each time the rebuild equals a clean build.
#[test]
fn a_rebuild_after_a_preview_sees_what_the_batch_does_not_say() {
    use gongbao::cmd::build::build;
    use gongbao::cmd::serve::preview::preview;
    let s = Site::new();
    s.record("a", &normative("甲文件", "2024-01-02"), "甲的正文。\n");
    s.record("b", &normative("乙文件", "2024-01-03"), "乙的正文。\n");
    s.record("folder/index", &normative("丙文件", "2024-01-04"), "丙的正文。\n");
    let opts = session(&s, "2026-06-30");
    built(&opts);
    let content = s.root().join("content").canonicalize().unwrap();
    let reword = |id: &str, words: &str| {
        let p = content.join(format!("{id}.md"));
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text + words).unwrap();
        p
    };

    // A folder moved out of content/ in the same batch as a rewording.
    std::fs::rename(content.join("folder"), s.root().join("moved")).unwrap();
    let a = reword("a", "补充一句。\n");
    assert!(preview(&opts, &[content.join("folder"), a]).is_none(), "a folder event means no preview");
    built(&opts);
    equals_clean(&s, "after a folder moved out");

    // A preview whose rebuild stopped before it began (a stranger at the top of the output).
    let a = reword("a", "再补充一句。\n");
    assert!(preview(&opts, &[a]).is_some());
    s.write("public/notes.txt", "not gongbao's");
    assert!(build(&opts).is_err(), "the output holds a stranger");
    std::fs::remove_file(s.root().join("public/notes.txt")).unwrap();
    let b = reword("b", "乙也补充一句。\n");
    let _ = preview(&opts, &[b]);
    built(&opts);
    equals_clean(&s, "after a rebuild that stopped early");

    // The publication register, which serve does not watch, broken behind its back.
    built(&opts);
    let b = reword("b", "乙再补充一句。\n");
    assert!(preview(&opts, &[b]).is_some());
    s.write("publications.jsonl", "not a register line\n");
    assert!(build(&opts).is_err(), "the rebuild reads the register again, as a clean build would");
}

/// A new title is previewed, and the rebuild starts from the preview, unless the new or the old
/// title is another record's of the same kind published the same day: the check for a document
/// entered twice (`duplicate-title`) would then find something else, so the rebuild reads the
/// site again, as a clean build would, and prints the finding.
#[test]
fn a_title_shared_with_another_record_of_the_day_is_not_previewed() {
    use gongbao::cmd::serve::preview::preview;
    let s = Site::new();
    let retitle = |id: &str, title: &str, date: &str| {
        s.record(id, &normative(title, date), &format!("记录 {id} 的正文。\n"));
        vec![s.root().join("content").canonicalize().unwrap().join(format!("{id}.md"))]
    };
    retitle("a", "甲文件", "2024-01-02");
    retitle("b", "乙文件", "2024-01-02");
    retitle("c", "丙文件", "2024-01-03");
    let opts = session(&s, "2026-06-30");
    built(&opts);
    let clash = || {
        let o = Command::new(common::bin()).current_dir(s.root()).args(["check"]).env("CI", "true").output().unwrap();
        String::from_utf8_lossy(&o.stderr).contains("duplicate-title")
    };
    // A title of its own: previewed.
    let c = retitle("c", "丙办法", "2024-01-03");
    let p = preview(&opts, &c).expect("a new title of its own is previewed");
    assert!(p.pages.iter().any(|(_, bytes)| String::from_utf8_lossy(bytes).contains("丙办法")));
    built(&opts);
    equals_clean(&s, "after a new title");
    // The title of another record of the same kind and day.
    let b = retitle("b", "甲文件", "2024-01-02");
    assert!(preview(&opts, &b).is_none(), "the new title is another record's");
    built(&opts);
    equals_clean(&s, "after a title shared");
    assert!(clash());
    // And back: the old title was another record's.
    let b = retitle("b", "乙文件", "2024-01-02");
    assert!(preview(&opts, &b).is_none(), "the old title was another record's");
    built(&opts);
    equals_clean(&s, "after the title is its own again");
    assert!(!clash());
}

/// The output in `public/` is byte for byte a clean build's of the same site for 2026-06-30.
fn equals_clean(s: &Site, what: &str) {
    let o = Command::new(common::bin())
        .current_dir(s.root())
        .args(["build", "--as-of", "2026-06-30", "--out", "clean", "--no-cache"])
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(o.status.success(), "{what}: {}", String::from_utf8_lossy(&o.stderr));
    let (a, b) = (tree(&s.root().join("public")), tree(&s.root().join("clean")));
    assert_eq!(
        a.iter().map(|x| &x.0).collect::<Vec<_>>(),
        b.iter().map(|x| &x.0).collect::<Vec<_>>(),
        "{what}: other files"
    );
    for ((p, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{what}: {p} differs from a clean build");
    }
    std::fs::remove_dir_all(s.root().join("clean")).unwrap();
}

/// The register's page and table are kept between rebuilds while the publication register and
/// the records it names are as they were, and made again, over the same plan, when another build
/// appends to the register or a record in it is withheld: its title then leaves both.
#[test]
fn the_register_page_and_table_follow_the_register_behind_serve() {
    use gongbao::cmd::build::build;
    let s = Site::new();
    s.record("a", &normative("甲文件", "2024-01-02"), "甲的正文。\n");
    s.record("b", &normative("乙文件", "2024-01-03"), "乙的正文。\n");
    s.record("c", &normative("丙文件", "2024-01-04"), "丙的正文。\n");
    // A build for today registers what it publishes, into an output of its own.
    let register = || {
        let o = Command::new(common::bin())
            .current_dir(s.root())
            .args(["build", "--out", "registered"])
            .env("CI", "true")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let entries = || std::fs::read_to_string(s.root().join("publications.jsonl")).unwrap().lines().count();
    let read = |rel: &str| std::fs::read_to_string(s.root().join("public").join(rel)).unwrap();
    register();
    assert_eq!(entries(), 3);
    let opts = session(&s, "2026-06-30");
    built(&opts);
    assert_eq!(swept(&opts), Some(true));
    equals_clean(&s, "the first build");

    // Another build registers a new wording of `a`.
    let a = s.root().join("content/a.md");
    std::fs::write(&a, std::fs::read_to_string(&a).unwrap() + "补充一句。\n").unwrap();
    register();
    assert_eq!(entries(), 4);
    built(&opts);
    assert_eq!(swept(&opts), Some(true));
    equals_clean(&s, "after another build appended to the register");
    assert_eq!(read("publications/index.html").matches("甲文件").count(), 2, "both of a's entries are shown");

    // A new wording the register does not hold yet.
    std::fs::write(&a, std::fs::read_to_string(&a).unwrap() + "再补充一句。\n").unwrap();
    built(&opts);
    assert_eq!(swept(&opts), Some(true));
    equals_clean(&s, "after an edit the register does not hold yet");

    // `b` withheld: its entry leaves the page and the table.
    let b = s.root().join("content/b.md");
    let text = std::fs::read_to_string(&b).unwrap();
    std::fs::write(&b, text.replacen("\n---\n", "\ndisclosure: withheld\ndisclosure_reason: 涉密\n---\n", 1)).unwrap();
    assert!(build(&opts).is_ok());
    assert_eq!(swept(&opts), Some(true));
    equals_clean(&s, "after a record in the register was withheld");
    for rel in ["publications/index.html", "data/publications.csv", "zh-Hant/publications/index.html"] {
        let text = read(rel);
        // The three titles are written alike in both scripts.
        assert!(!text.contains("乙文件"), "{rel} names the withheld record");
        assert!(text.contains("丙文件"), "{rel} lost a record still public");
    }
}

/// A page that comes to read another record in a rebuild over the same plan is made again when
/// that record changes at a later rebuild: which jobs read each record is kept up to date job by
/// job (`emit::KeptPages::readers`), not only when every job is made.
#[test]
fn a_page_that_comes_to_read_a_record_follows_its_later_edits() {
    let s = Site::new();
    let opts = two_records_in_a_session(&s);
    built(&opts);
    assert_eq!(swept(&opts), Some(true));
    let edit = |id: &str, f: &dyn Fn(String) -> String| {
        let p = s.root().join("content").join(format!("{id}.md"));
        std::fs::write(&p, f(std::fs::read_to_string(&p).unwrap())).unwrap();
    };
    let page = |id: &str| std::fs::read_to_string(s.root().join(format!("public/docs/{id}/index.html"))).unwrap();
    assert!(!page("b").contains("甲文件"));

    // `b` comes to amend `a`: its page names `a`.
    edit("b", &|t| t.replacen("\n---\n", "\namends: [a]\n---\n", 1));
    built(&opts);
    assert_eq!(swept(&opts), Some(true));
    equals_clean(&s, "after b came to amend a");
    assert!(page("b").contains("甲文件"));

    // `a` retitled: `b`'s page names it anew.
    edit("a", &|t| with_key(&t, "title", "甲文件修订稿"));
    built(&opts);
    assert_eq!(swept(&opts), Some(true));
    equals_clean(&s, "after a was retitled");
    assert!(page("b").contains("甲文件修订稿"));
}

/// Sets the modification time of the file at `p` to `secs` seconds ago.
fn aged(p: &std::path::Path, secs: u64) {
    let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(secs)).unwrap();
}

/// An attachment rewritten while `serve` runs is published anew by the rebuild, over the same
/// plan: what its job copies is a file of the site, not a record, so what the job read says
/// nothing of it (found by a review: the rebuild kept the old copy).
#[test]
fn an_attachment_rewritten_behind_serve_is_published_anew() {
    let s = Site::new();
    let front = format!("{}\nattachments:\n  - {{file: t.csv, title: 表}}", normative("甲文件", "2024-01-02"));
    s.write("content/a/index.md", &format!("---\n{front}\n---\n见[表](t.csv)。\n"));
    let table = s.root().join("content/a/t.csv");
    std::fs::write(&table, "x\n1\n").unwrap();
    // Settled: written long enough ago to be taken by its time.
    aged(&table, 3600);
    s.record("b", &normative("乙文件", "2024-01-03"), "乙的正文。\n");
    let opts = session(&s, "2026-06-30");
    built(&opts);
    assert_eq!(swept(&opts), Some(true));
    built(&opts);
    assert_eq!(swept(&opts), Some(true));
    equals_clean(&s, "the first builds");

    std::fs::write(&table, "x\n2\n").unwrap();
    aged(&table, 1800);
    built(&opts);
    assert_eq!(swept(&opts), Some(true));
    equals_clean(&s, "after the attachment was rewritten");
    assert_eq!(std::fs::read_to_string(s.root().join("public/docs/a/t.csv")).unwrap(), "x\n2\n");
}

/// Tables past their first mark (1 MiB): `serve` writes a rebuild's tables into spare copies cut
/// at the mark before the first changed row, and the seal's lists into theirs; each rebuild
/// equals a clean build, and a rebuild that changes the first row writes its tables anew.
#[test]
fn tables_written_into_spare_copies_equal_clean_builds() {
    let s = Site::new();
    let title = |k: usize| format!("测试市关于第{k}项事务的管理办法（试行）");
    let record = |k: usize, title: &str, body: &str| {
        let day = format!("2024-{:02}-{:02}", 1 + k % 12, 1 + k % 28);
        s.record(
            &format!("r{k:04}"),
            &format!("{}\nkeywords: [第{k}项事务, 管理, 试行]", normative(title, &day)),
            body,
        );
    };
    for k in 0..1600 {
        record(k, &title(k), "正文。\n");
    }
    let opts = session(&s, "2026-06-30");
    built(&opts);
    let size = std::fs::metadata(s.root().join("public/data/documents.json")).unwrap().len();
    assert!(size > 5 << 18, "documents.json has {size} bytes: one mark, not at its end");
    let session = opts.session.as_ref().unwrap();
    for (what, k) in [("the last record", 1599), ("a record past the first mark", 1450), ("the first record", 0)] {
        assert_eq!(swept(&opts), Some(true));
        let before = session.spares_taken();
        record(k, &format!("{}（修订）", title(k)), "修订后的正文。\n");
        built(&opts);
        equals_clean(&s, &format!("after a new title of {what}"));
        let taken = session.spares_taken() - before;
        // The manifest and the sums, and each table past its first mark before the change.
        let tables = if k == 0 { 0 } else { 1 };
        assert!(taken >= 2 + tables, "after a new title of {what}: {taken} spare copies taken");
    }
    // A text reworded changes the checksum in its rows, not their lengths: the tables that
    // hold it (documents.json and documents.csv) are written over in place, from the first row.
    assert_eq!(swept(&opts), Some(true));
    let before = session.spares_taken();
    record(0, &format!("{}（修订）", title(0)), "再次修订后的正文。\n");
    built(&opts);
    equals_clean(&s, "after the first record's text reworded");
    let taken = session.spares_taken() - before;
    assert!(taken >= 4, "after the first record's text reworded: {taken} spare copies taken");
}

/// Browse lists are cut into pages counted from their oldest records: a record published after
/// every other changes each list's own page and, once in `per_page` records, the few pages whose
/// pager reaches the newest. No other page of a list is written again.
#[test]
fn a_record_newer_than_all_leaves_the_older_pages_of_its_lists_as_they_were() {
    let s = two_a_page();
    for k in 0..60 {
        s.record(&format!("r{k}"), &normative(&format!("文件{k}"), &date(k)), "x\n");
    }
    build(&s, &[]);
    let lists =
        |s: &Site| tree(&s.root().join("public/browse")).into_iter().collect::<std::collections::BTreeMap<_, _>>();
    for k in 60..65 {
        let before = lists(&s);
        s.record(&format!("r{k}"), &normative(&format!("文件{k}"), &date(k)), "x\n");
        build(&s, &[]);
        let after = lists(&s);
        assert!(before.keys().all(|p| after.contains_key(p)), "a page of a list is gone");
        // Every list holds every record: page 1 to this one are numbered ones.
        let records = k + 1;
        let numbered = records / 2 - 1;
        let changed: Vec<&String> = after.iter().filter(|(p, b)| before.get(*p) != Some(*b)).map(|(p, _)| p).collect();
        let mut own = 0;
        for p in &changed {
            match p.split("/page/").nth(1) {
                Some(n) => {
                    let n: usize = n.trim_end_matches("/index.html").parse().unwrap();
                    assert!(n + 5 >= numbered, "record {k}: page {n} of {numbered} written again: {p}");
                }
                None if p.as_str() != "index.html" => own += 1,
                None => {}
            }
        }
        // Year, kind, validity and issuer; with a new page, the six newest numbered pages of
        // each; and the counts of `browse/`.
        assert_eq!(own, 4, "record {k}: {changed:?}");
        assert!(changed.len() <= 4 * 7 + 1, "record {k}: {changed:?}");
    }
    same_as_clean(&s);
}
