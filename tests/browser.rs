//! Headless Chromium (Debian's `chromium`, driven by `playwright-core` from npm): a page built
//! before a repeal took effect recomputes its state in the reader's browser. `scripts/test`
//! installs both; a machine without them fails here.

mod common;
use common::{Site, normative, project};
use std::process::Command;

#[test]
fn a_page_built_before_a_repeal_shows_repealed_after_it() {
    let ready = project().join("tests/browser/node_modules/playwright-core").exists()
        && std::path::Path::new("/usr/bin/chromium").exists();
    assert!(ready, "chromium or playwright-core missing: run the tests with scripts/test, which installs them");
    let s = Site::new();
    s.record("rule", &normative("停车管理办法", "2020-01-02"), "x\n");
    s.record(
        "repeal",
        &format!("{}\neffective: 2030-01-01\nrepeals: [rule]", normative("废止决定", "2025-05-01")),
        "x\n",
    );
    let o = s.run(&["build", "--as-of", "2025-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(s.root().join("public/docs/rule/index.html")).unwrap();
    assert!(page.contains("data-state>有效</span>"), "built as of 2025-06-01 the rule is in force");
    let out = Command::new("node")
        .arg(project().join("tests/browser/stale.mjs"))
        .args([s.root().join("public").to_str().unwrap(), "/docs/rule/", "有效", "2030-01-02", "已废止", "2030-01-01"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("ok state with the clock at 2030-01-02: \"已废止\""), "{text}");
    assert!(text.contains("ok since: \"自 2030-01-01\""), "{text}");
}

/// Search finds what Ctrl+F finds: generated probes (random substrings of random documents,
/// 1–10 characters, across word boundaries), probes with digits or Latin letters, their
/// Traditional-script forms, document numbers with other brackets, two terms and a kind filter,
/// each compared in headless Chromium with an oracle that reads the built demo site from disk
/// (`tests/browser/search.mjs`). The 繁體 search page, reached from a 繁體 page's header, finds
/// the same documents for a query in either script and shows each result's title and snippet
/// as its 繁體 page does.
#[test]
fn search_finds_every_document_that_holds_the_query_and_only_those() {
    let ready = project().join("tests/browser/node_modules/playwright-core").exists()
        && std::path::Path::new("/usr/bin/chromium").exists();
    assert!(ready, "chromium or playwright-core missing: run the tests with scripts/test, which installs them");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let o = Command::new(env!("CARGO_BIN_EXE_gongbao"))
        .current_dir(project())
        .args(["build", "--as-of", "2026-06-30", "--no-cache", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The newest documents' lists are the index's tail, apart from the others': the probes
    // reach both.
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("search/meta.json")).unwrap()).unwrap();
    assert!(meta["tail"]["shards"].as_u64() > Some(0) && meta["shards"].as_u64() > Some(0), "{meta}");
    let run = Command::new("node")
        .arg(project().join("tests/browser/search.mjs"))
        .args([out.to_str().unwrap(), "60", "20261202"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{text}{}", String::from_utf8_lossy(&run.stderr));
    for line in [
        "ok 60/60 generated probes",
        "probes of the documents of the index's tail",
        "ok 10/10 probes with digits or Latin letters",
        "ok 10/10 Traditional-script probes",
        "ok 15/15 bracket-variant probes",
        "ok two terms",
        "ok filter kind=",
        "ok nothing found",
        "ok the status names",
        "ok the 繁體 header search leads to /zh-Hant/search/",
        "ok 8/8 queries on the 繁體 search page in both scripts",
        "繁體 results show the title and text of their 繁體 page",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
}
