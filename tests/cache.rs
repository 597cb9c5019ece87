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
    let o = Command::new(common::bin()).current_dir(s.root()).args(["build", "--as-of", "2024-06-01"]).args(extra).env("CI", "true").env("GONGBAO_TIMINGS", "1").output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let num = |key: &str| -> usize { err.split(key).nth(1).and_then(|x| x.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no {key} in {err}")) };
    (num("files="), num("reused="))
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
        s.record(&format!("d/doc{k}"), &format!("{}\ntopic: '综合政务\\其他'", normative(&format!("文件{k}"), &format!("2024-01-{:02}", k + 1))), &format!("正文{k}。见[文件0](doc:d/doc0)。\n"));
    }
    s.record("g", "kind: gazette\nyear: 2024\nnumber: 1\npublished: 2024-02-01\nsections:\n  - title: 文件\n    items:\n      - {doc: d/doc1, page: 1}", "");
    assert_eq!(build(&s, &[]), 0, "the first build has nothing to reuse");
    // Nothing changed: everything but the open data, feeds and sitemap is reused.
    let (files, reused) = build_counts(&s, &[]);
    let public = s.root().join("public");
    let data = tree(&public).iter().filter(|(p, _)| p.starts_with("data/") || p.starts_with("feeds/") || p == "sitemap.xml" || p == "robots.txt" || p == "catalog/catalog.csv").count();
    assert_eq!(reused, files - data, "{files} files, {data} of them data");
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
    assert!(std::fs::read_to_string(s.root().join("public/browse/kind/normative/index.html")).unwrap().contains("新标题"));

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
    s.record("d/amend2", &format!("{}\namends: [{{id: d/doc2, effective: 2024-03-01}}]", normative("修改决定", "2024-02-20")), "x\n");
    build(&s, &[]);
    same_as_clean(&s);

    // A changed setting invalidates every page.
    s.write("gongbao.toml", &common::CONFIG.replace("测试市人民政府\"", "测试市人民政府（新）\""));
    assert_eq!(build(&s, &[]), 0, "a new site name must re-render every page");
    same_as_clean(&s);

    // A file edited by hand in the output is not trusted.
    let page = s.root().join("public/docs/d/doc4/index.html");
    std::fs::write(&page, "tampered").unwrap();
    build(&s, &[]);
    same_as_clean(&s);
}

/// `serve` keeps parsed records between rebuilds; a rebuild must still see every change.
#[test]
fn records_kept_between_rebuilds_follow_edits_and_settings() {
    use gongbao::cmd::build::{Options, build};
    let s = Site::new();
    s.record("a", &format!("{}\nindex_no: 123456789/2024-00001", normative("甲", "2024-01-02")), "第一稿。\n");
    s.record("b", &normative("乙", "2024-01-03"), "x\n");
    let opts = Options {
        root: s.root().to_path_buf(),
        out: Some(s.root().join("public")),
        as_of: gongbao::date::Date::parse("2024-06-01").ok(),
        jobs: None,
        quiet: true,
        no_cache: false,
        parse_cache: Some(Default::default()),
    };
    assert!(build(&opts).is_ok());
    s.record("a", &format!("{}\nindex_no: 123456789/2024-00001", normative("甲（修订）", "2024-01-02")), "第二稿。\n");
    std::fs::remove_file(s.root().join("content/b.md")).unwrap();
    assert!(build(&opts).is_ok());
    same_as_clean(&s);
    assert!(!s.root().join("public/docs/b").exists());
    // A settings change that parsing reads (the index number pattern) applies to unchanged files.
    s.write("gongbao.toml", &common::CONFIG.replace("\\d{9}/\\d{4}-\\d{5}", "\\d{3}"));
    assert!(build(&opts).is_err(), "the old index number no longer matches the new pattern");
}

/// Moving the new files into a reused output fails partway: the output stays byte for byte
/// what it was, the staging folder goes, and the build exits 2.
#[cfg(unix)]
#[test]
fn a_swap_that_fails_partway_leaves_the_previous_output_as_it_was() {
    let s = Site::new();
    for k in 0..6 {
        s.record(&format!("d/doc{k}"), &normative(&format!("文件{k}"), &format!("2024-01-{:02}", k + 1)), &format!("正文{k}。\n"));
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
    let o = Command::new(common::bin()).current_dir(s.root()).args(["build", "--as-of", "2024-06-01"]).env("CI", "true").output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("public") && err.contains("feeds"), "{err}");
    assert!(before == (tree(&public), tree(&s.root().join("feeds-elsewhere"))), "the output changed");
    assert!(std::fs::symlink_metadata(public.join("feeds")).unwrap().file_type().is_symlink());
    let left: Vec<_> = std::fs::read_dir(s.root()).unwrap().flatten().map(|e| e.file_name()).filter(|n| n.to_string_lossy().contains("staging")).collect();
    assert!(left.is_empty(), "{left:?}");
    // Once the link is gone, the next build completes and equals a clean one.
    std::fs::remove_file(public.join("feeds")).unwrap();
    build(&s, &[]);
    same_as_clean(&s);
}
