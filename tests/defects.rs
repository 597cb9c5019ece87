//! Defects found by reading the demo site in a browser (issue 12): corrections linked both ways
//! and from the gazette, a draft's adoption report on its final document, version pages with
//! the document's panel and tools, redlines that cannot be misread, and the typesetting of
//! official documents. Each test builds the demo (or a small site) and reads the HTML.

mod common;
use common::{Site, normative, project, run_in};
use std::path::{Path, PathBuf};

/// The demo site as it stood on 2026-12-01, built into a temporary folder.
fn demo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let o = run_in(&project(), &["build", "--as-of", "2026-12-01", "--no-cache", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (tmp, out)
}

fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The part of `html` from `start` to the next `end`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("no {start:?} in the page"));
    let rest = &html[from..];
    &rest[..rest.find(end).map_or(rest.len(), |e| e + end.len())]
}

const CORRECTED: &str = "docs/normative/2024-goufang-butie/index.html";
const CORRECTION: &str = "/docs/notices/2024-gongbao-gengzheng/";

#[test]
fn a_correction_is_linked_from_the_corrected_document_and_from_the_issue_that_printed_it() {
    let (_tmp, out) = demo();
    let doc = read(&out, CORRECTED);
    let note = between(&doc, "<aside class=\"notice-box correction\"", "</aside>");
    assert!(note.contains("本文件已发布更正") && note.contains(&format!("href=\"{CORRECTION}\"")), "{note}");
    // The notice comes before the text.
    assert!(doc.find("notice-box correction").unwrap() < doc.find("<div class=\"body\">").unwrap());
    let related = between(&doc, "<section class=\"relations\">", "</section>");
    assert!(
        related.contains("<dt>更正</dt>") && related.contains(&format!("更正：<a href=\"{CORRECTION}\">")),
        "{related}"
    );
    // The correction names what it corrects.
    let notice = read(&out, "docs/notices/2024-gongbao-gengzheng/index.html");
    let related = between(&notice, "<section class=\"relations\">", "</section>");
    assert!(
        related.contains("<dt>本更正涉及的文件</dt><dd><a href=\"/docs/normative/2024-goufang-butie/\">"),
        "{related}"
    );
    // The issue that printed the corrected document points at the correction, beside that item.
    let issue = read(&out, "gazette/2024/2/index.html");
    let item = between(&issue, "<a href=\"/docs/normative/2024-goufang-butie/\">", "</li>");
    assert!(item.contains(&format!("class=\"correction-link\" href=\"{CORRECTION}\"")), "{item}");
    assert!(item.contains("〔更正〕"), "{item}");
    assert_eq!(issue.matches("correction-link\" href").count(), 1, "only the corrected item");
    // The issue that carries the correction lists it.
    assert!(read(&out, "gazette/2024/3/index.html").contains(&format!("<a href=\"{CORRECTION}\">")));
    // And the open data has the relation both ways.
    let data: serde_json::Value = serde_json::from_str(&read(&out, "data/documents.json")).unwrap();
    let row = |id: &str| data["documents"].as_array().unwrap().iter().find(|d| d["id"] == id).unwrap().clone();
    assert_eq!(
        row("normative/2024-goufang-butie")["corrected_by"],
        serde_json::json!(["notices/2024-gongbao-gengzheng"])
    );
    assert_eq!(row("notices/2024-gongbao-gengzheng")["corrects"], serde_json::json!(["normative/2024-goufang-butie"]));
}

#[test]
fn corrects_follows_the_rules_of_relations() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文\n");
    s.record(
        "n",
        "kind: notice\ntitle: 更正说明\nissuer: 测试市人民政府办公室\npublished: 2024-02-01\ncorrects: [a, nowhere]",
        "更正。\n",
    );
    s.record("p", &format!("{}\ncorrects: a", normative("乙", "2024-03-01")), "正文\n");
    s.record(
        "self",
        "kind: notice\ntitle: 自指\nissuer: 测试市人民政府办公室\npublished: 2024-02-01\ncorrects: self",
        "更正。\n",
    );
    assert_eq!(s.findings("unknown-ref"), vec![("content/n.md".into(), 6)]);
    assert_eq!(s.findings("kind-key"), vec![("content/p.md".into(), 6)]);
    assert_eq!(s.findings("self-ref"), vec![("content/self.md".into(), 6)]);
}

#[test]
fn the_final_document_lists_the_adoption_report_of_its_draft() {
    let (_tmp, out) = demo();
    let doc = read(&out, "docs/normative/2024-wangyueche/index.html");
    let related = between(&doc, "<section class=\"relations\">", "</section>");
    assert!(related.contains("<dt>征求意见稿</dt><dd><a href=\"/docs/drafts/2023-wangyueche/\">"), "{related}");
    assert!(
        related.contains("<dt>征求意见采纳情况</dt><dd><a href=\"/docs/reports/2024-wangyueche-caina/\">"),
        "{related}"
    );
}

#[test]
fn a_version_page_has_the_documents_panel_print_button_and_cite_box_and_a_one_block_notice() {
    let (_tmp, out) = demo();
    let page = read(&out, "docs/regulations/2019-shirong/2019-07-01/index.html");
    let panel = between(&page, "<table class=\"meta-panel\">", "</table>");
    for field in ["发布机构", "发文字号", "发布日期", "施行日期", "有效性", "data-timeline="] {
        assert!(panel.contains(field), "{field} missing from the panel: {panel}");
    }
    // The same panel as the document page's, cell for cell.
    let doc = read(&out, "docs/regulations/2019-shirong/index.html");
    assert_eq!(panel, between(&doc, "<table class=\"meta-panel\">", "</table>"));
    assert!(page.contains("data-print>打印本页</button>"), "print button");
    assert!(page.contains("data-cite>") && page.contains("data-accessed"), "cite box");
    // The notice is one paragraph with inline dates, no block-level <strong> pieces.
    let note = between(&page, "<p class=\"notice-box version-note\"", "</p>");
    assert!(!note.contains("<strong>") && !note.contains("<br"), "{note}");
    assert!(note.contains("<time datetime=\"2019-07-01\">") && note.contains("<time datetime=\"2021-11-01\">"));
    assert!(page.find("version-note").unwrap() < page.find("<h1").unwrap(), "the notice precedes the title");
}
