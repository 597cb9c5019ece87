//! Snapshots of output a reviewer should see change: a document page, a gazette issue, a redline,
//! a row of open data, and the JSON report of a broken site. A change to a template, a view or a
//! message shows up as a diff in `tests/snapshots/`, to be accepted on purpose (`cargo insta
//! review`, or `INSTA_UPDATE=always` and reading the diff) or fixed.
//!
//! Nothing in a snapshot may depend on the machine, today's date or a temporary path: the demo
//! site is built as of a fixed date from a copy outside any git repository (so the pages carry
//! no commit hashes or dates), and the generator's version is masked. With `CI` set, insta
//! writes nothing and fails on any difference.

mod common;

use common::{Site, normative};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const AS_OF: &str = "2026-06-30";

/// The document with earlier versions, amendments and a redline between them.
const DOC: &str = "docs/regulations/2019-shirong";

/// The demo site's output as of [`AS_OF`], as text by path; built once for all tests here.
fn demo() -> &'static BTreeMap<String, String> {
    static OUT: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    OUT.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        for part in ["content", "themes", "gongbao.toml", "publications.jsonl"] {
            common::copy_tree(&common::project().join(part), &site.join(part));
        }
        let inside = std::process::Command::new("git")
            .arg("-C")
            .arg(&site)
            .args(["rev-parse", "--git-dir"])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(!inside, "{} is inside a git repository", site.display());
        let out = tmp.path().join("out");
        let o = common::run_in(&site, &["build", "--as-of", AS_OF, "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "the demo site does not build: {}", String::from_utf8_lossy(&o.stderr));
        common::tree(&out).into_iter().filter_map(|(p, bytes)| String::from_utf8(bytes).ok().map(|t| (p, t))).collect()
    })
}

/// A built page with what may differ between builds of the same input masked.
fn page(path: &str) -> String {
    let text = demo().get(path).unwrap_or_else(|| panic!("the demo site has no {path}"));
    let generator = format!("gongbao {}", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&generator), "{path} no longer names its generator; drop the mask");
    text.replace(&generator, "gongbao [version]")
}

/// The `<main>` element of a page: the part that is not the site's frame (which the document
/// page's snapshot already holds whole).
fn main_of(path: &str) -> String {
    let text = page(path);
    let start = text.find("<main").unwrap_or_else(|| panic!("{path} has no <main>"));
    let end = text.find("</main>").unwrap_or_else(|| panic!("{path} has no </main>")) + "</main>".len();
    text[start..end].to_string()
}

/// A document with versions, amendments, a timeline and a table of contents; the whole file, so
/// the head (meta tags, JSON-LD) and the site's frame are covered once.
#[test]
fn document_page() {
    insta::assert_snapshot!("document_page", page(&format!("{DOC}/index.html")));
}

/// The `text.md` of a document whose text links another record and its own attachment: front
/// matter of public fields, then the text written back as Markdown with both links absolute.
#[test]
fn document_text_md() {
    let text = demo().get("docs/normative/2024-goufang-butie/text.md").expect("the demo document has a text.md");
    assert!(text.contains("](https://www.qingchuan.gov.cn/docs/interpretations/2024-goufang-butie/)"), "{text}");
    assert!(!text.contains("doc:"), "{text}");
    insta::assert_snapshot!("document_text_md", text);
}

#[test]
fn gazette_issue_page() {
    insta::assert_snapshot!("gazette_issue_main", main_of("gazette/2024/1/index.html"));
}

/// The redline between the 2021 and 2024 texts: changed paragraphs with inline deletions and
/// insertions, and an inserted paragraph.
#[test]
fn redline_page() {
    let path = format!("{DOC}/diff/2021-11-01..2024-02-01/index.html");
    let main = main_of(&path);
    assert!(main.contains("<del>") && main.contains("<ins>"), "the redline shows no change");
    insta::assert_snapshot!("redline_main", main);
}

/// The open-data row of a joint normative document with an attachment, an interpretation, a
/// gazette issue and an expiry: the fields the document page's snapshot does not exercise.
#[test]
fn open_data_row() {
    let all: serde_json::Value = serde_json::from_str(&demo()["data/documents.json"]).unwrap();
    assert_eq!(all["as_of"], AS_OF);
    let id = "normative/2024-goufang-butie";
    let row = all["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row for {id} in data/documents.json"));
    let pretty = serde_json::to_string_pretty(row).unwrap();
    insta::assert_snapshot!("documents_json_row", pretty);
}

/// A small site that trips a rule or two in every record: the report's order, positions,
/// messages and help texts as a pipeline reads them.
#[test]
fn check_json_of_a_broken_site() {
    let s = Site::new();
    s.record(
        "a",
        &format!(
            "{}\ndoc_number: 测试办[2024]05号\nindex_no: 123456789/2024-00001\ntitel: 乙",
            normative("甲", "2024-03-01")
        ),
        "见[缺失的文件](doc:missing)与[不公开的文件](doc:secret)。\n",
    );
    s.record(
        "b",
        &format!("{}\nsigned: 2024-03-10\nindex_no: 123456789/2024-00001", normative("乙", "2024-03-05")),
        "正文。\n",
    );
    s.record("c", "kind: interpretation\ntitle: 解读\ninterprets: a\npublished: 2024-03-02", "解读。\n");
    s.record("d", "kind: normative\ntitle: 丁", "正文。\n");
    s.write(
        "content/e/index.md",
        &format!("---\n{}\nattachments:\n  - {{file: biao.csv, title: 附表}}\n---\n", normative("戊", "2024-03-01")),
    );
    s.record("secret", &format!("{}\ndisclosure: on_request", normative("秘", "2024-01-01")), "正文。\n");
    s.record("w", &format!("{}\ndisclosure: withheld", normative("己", "2024-01-01")), "正文。\n");
    let out = s.run(&["check", "--format", "json", "--as-of", AS_OF]);
    assert_eq!(out.status.code(), Some(1), "a site with errors must fail the check");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains(&*s.root().to_string_lossy()), "the report names the temporary folder");
    insta::assert_snapshot!("check_json_broken_site", stdout);
}
