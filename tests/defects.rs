//! Defects found by reading the demo site in a browser (issue 12): corrections linked both ways
//! and from the gazette, a draft's adoption report on its final document, version pages with
//! the document's panel and tools, redlines that cannot be misread, and the typesetting of
//! official documents. Each test builds the demo (or a small site) and reads the HTML.

mod common;
use common::{Site, copy_tree, normative, project, run_in};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The demo site as it stood on 2026-12-01, copied out of the repository (so that no build here
/// appends to its publication register) and built once for all tests here. The folder lives
/// as long as the test process.
fn demo() -> (&'static Path, PathBuf) {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let tmp = DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        for part in ["content", "themes", "gongbao.toml"] {
            copy_tree(&project().join(part), &site.join(part));
        }
        let out = tmp.path().join("public");
        let o = run_in(&site, &["build", "--as-of", "2026-12-01", "--no-cache", "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        tmp
    });
    (tmp.path(), tmp.path().join("public"))
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
fn a_correction_of_a_gazette_issue_is_shown_on_the_issue_and_in_every_open_data_file() {
    let s = Site::new();
    s.record("a", &normative("甲办法", "2024-01-02"), "正文\n");
    s.record(
        "g",
        "kind: gazette\ntitle: 测试市人民政府公报2024年第1期\nyear: 2024\nnumber: 1\npublished: 2024-01-31\nsections:\n  - title: 文件\n    items:\n      - {doc: a, page: 3}",
        "",
    );
    let notice = |title: &str, published: &str, corrects: &str| {
        format!(
            "kind: notice\ntitle: {title}\nissuer: 测试市人民政府办公室\npublished: {published}\ncorrects: {corrects}"
        )
    };
    // Two corrections of the issue, the later one written first; the earlier also corrects `a`.
    s.record("n", &notice("关于2024年第1期目录页码的更正", "2024-02-05", "[g]"), "目录页码有误，特此更正。\n");
    s.record("m", &notice("关于2024年第1期有关内容的更正", "2024-02-03", "[g, a]"), "有误，特此更正。\n");
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = s.root().join("public");
    // The issue page lists its corrections, oldest first, before its table of contents.
    let issue = read(&out, "gazette/2024/1/index.html");
    let note = between(&issue, "<aside class=\"notice-box correction\"", "</aside>");
    assert!(note.contains("本期已发布更正："), "{note}");
    let (m, n) = (note.find("href=\"/docs/m/\"").expect("m"), note.find("href=\"/docs/n/\"").expect("n"));
    assert!(m < n, "oldest first: {note}");
    assert!(issue.find("notice-box correction").unwrap() < issue.find("class=\"toc-issue\"").unwrap());
    // The item corrected is marked in the table of contents by the notice that corrects it.
    let item = between(&issue, "<a href=\"/docs/a/\">", "</li>");
    assert!(item.contains("class=\"correction-link\" href=\"/docs/m/\"") && !item.contains("/docs/n/"), "{item}");
    // The notice names the issue it corrects.
    let page = read(&out, "docs/n/index.html");
    let related = between(&page, "<section class=\"relations\">", "</section>");
    assert!(related.contains("<dt>本更正涉及的文件</dt><dd><a href=\"/gazette/2024/1/\">"), "{related}");

    // documents.json.
    let data: serde_json::Value = serde_json::from_str(&read(&out, "data/documents.json")).unwrap();
    let row = |id: &str| data["documents"].as_array().unwrap().iter().find(|d| d["id"] == id).unwrap().clone();
    assert_eq!(row("n")["corrects"], serde_json::json!(["g"]));
    assert_eq!(row("m")["corrects"], serde_json::json!(["g", "a"]));
    assert_eq!(row("a")["corrected_by"], serde_json::json!(["m"]));
    // The issue's own file.
    let g: serde_json::Value = serde_json::from_str(&read(&out, "data/gazette/2024-1.json")).unwrap();
    assert_eq!(g["corrected_by"], serde_json::json!(["m", "n"]));
    // documents.csv: two columns, ids joined with `;`.
    let csv = read(&out, "data/documents.csv");
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
    let cells: std::collections::BTreeMap<String, Vec<String>> =
        lines.map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>()).map(|c| (c[0].clone(), c)).collect();
    assert_eq!(cells["m"][col("corrects")], "g;a");
    assert_eq!(cells["n"][col("corrects")], "g");
    assert_eq!(cells["a"][col("corrected_by")], "m");
    assert_eq!(cells["a"][col("corrects")], "");
    // JSON-LD: `correction` on what was corrected, `about` on the notice.
    let ld: serde_json::Value = serde_json::from_str(&read(&out, "data/documents.jsonld")).unwrap();
    let node = |id: &str| {
        ld["@graph"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["@id"] == format!("https://www.ceshi.gov.cn/{id}"))
            .unwrap()
            .clone()
    };
    let refs = |v: &[&str]| -> serde_json::Value {
        v.iter().map(|p| serde_json::json!({"@id": format!("https://www.ceshi.gov.cn/{p}")})).collect()
    };
    assert_eq!(node("gazette/2024/1/")["correction"], refs(&["docs/m/", "docs/n/"]));
    assert_eq!(node("docs/a/")["correction"], refs(&["docs/m/"]));
    assert!(node("docs/n/")["about"].as_array().unwrap().contains(&refs(&["gazette/2024/1/"])[0]));
    assert!(node("docs/n/").get("correction").is_none());
    // The issue page embeds the same.
    assert!(issue.contains("\"correction\":[{\"@id\":\"https://www.ceshi.gov.cn/docs/m/\"}"), "{issue}");
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

const REDLINE: &str = "docs/regulations/2019-shirong/diff/2021-11-01..2024-02-01/";

#[test]
fn a_redline_marks_a_deleted_numeral_with_cues_and_keeps_headings_and_has_change_navigation() {
    let (_tmp, out) = demo();
    let page = read(&out, &format!("{REDLINE}index.html"));
    // 二 → 一 and 一千 → 五百 in 第二十七条: each deletion and insertion between cues.
    let del =
        |run: &str| format!("<del><span class=\"cue\">〔删除〕</span>{run}<span class=\"cue\">〔/删除〕</span></del>");
    let ins =
        |run: &str| format!("<ins><span class=\"cue\">〔新增〕</span>{run}<span class=\"cue\">〔/新增〕</span></ins>");
    assert!(page.contains(&format!("可以处{}{}百元以上{}{}元以下", del("二"), ins("一"), del("一千"), ins("五百"))));
    // Chapters and articles are headings, as on the document page.
    assert!(page.contains("<h2 class=\"same\">第一章　总则</h2>"), "chapter heading");
    assert!(page.contains("<h3 class=\"same\">第二十七条　违反第十二条的处理</h3>"), "article heading");
    assert!(!page.contains("<p class=\"same\">第一章"), "no heading turned into a paragraph");
    // Changes only, and previous/next change, as buttons (keyboard reachable).
    for b in [
        "data-diff-only aria-pressed=\"false\">只看改动</button>",
        "data-diff-step=\"-1\">上一处改动</button>",
        "data-diff-step=\"1\">下一处改动</button>",
    ] {
        assert!(page.contains(b), "{b}");
    }
    // The style sheet draws no line through a deletion.
    let css = read(&out, "assets/style.css");
    let rule = css.lines().find(|l| l.starts_with("del {")).expect("a rule for del");
    assert!(!rule.contains("line-through") && rule.contains("text-decoration: none"), "{rule}");
}

/// Runs `tests/browser/defects.mjs` in headless Chromium (set up by `scripts/test`).
fn node(args: &[&str]) -> String {
    let ready = project().join("tests/browser/node_modules/playwright-core").exists()
        && Path::new("/usr/bin/chromium").exists();
    assert!(ready, "chromium or playwright-core missing: run the tests with scripts/test");
    let out = std::process::Command::new("node")
        .arg(project().join("tests/browser/defects.mjs"))
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains("FAIL") && text.contains("ok "), "{text}");
    text
}

#[test]
fn in_a_browser_on_a_phone_the_redline_has_no_struck_numerals_and_its_navigation_works() {
    let (tmp, out) = demo();
    let shots = tmp.join("shots-redline");
    std::fs::create_dir_all(&shots).unwrap();
    let text = node(&["redline", &out.to_string_lossy(), &format!("/{REDLINE}"), &shots.to_string_lossy()]);
    assert_eq!(text.matches("ok ").count(), 12, "{text}");
    assert!(shots.join("redline-phone.png").metadata().unwrap().len() > 10_000, "a screenshot was taken");
}

#[test]
fn official_documents_are_typeset_addressee_left_signature_right_items_as_written() {
    let (_tmp, out) = demo();
    let policy = read(&out, "docs/policy/2024-zhongdian-xiangmu/index.html");
    assert!(
        policy.contains(
            "<div class=\"body\"><p class=\"addressee\">各区、县（市）人民政府，市政府各部门、各直属单位：</p>"
        )
    );
    // Numbered items stay as written: headings and text, not list numbers.
    assert!(policy.contains(">（一）压实项目责任</h3>") && !policy.contains("<ol>\n<li>压实"), "items as written");
    let notice = read(&out, "docs/notices/2024-gongbao-gengzheng/index.html");
    assert!(notice.contains(
        "<p>特此说明。</p>\n<p class=\"signature\">青川市人民政府办公厅</p>\n<p class=\"signature\">2024年4月10日</p>"
    ));
    // The same on the Traditional page.
    let hant = read(&out, "zh-Hant/docs/notices/2024-gongbao-gengzheng/index.html");
    assert_eq!(hant.matches("class=\"signature\"").count(), 2);
    // Titles offer breaks at their joints only.
    assert!(policy.contains(
        "<h1 class=\"doc-title\">青川市<wbr>人民政府<wbr>关于<wbr>下达2024年市重点建设项目<wbr>计划<wbr>的通知</h1>"
    ));
    let css = read(&out, "assets/style.css");
    let rule = css.lines().find(|l| l.starts_with(".doc-title {")).unwrap();
    assert!(rule.contains("word-break: keep-all") && rule.contains("line-break: strict"), "{rule}");
}

#[test]
fn in_a_browser_on_a_phone_titles_break_only_at_their_joints() {
    let (tmp, out) = demo();
    let shots = tmp.join("shots-titles");
    std::fs::create_dir_all(&shots).unwrap();
    let pages = [
        "/docs/notices/2024-gongbao-gengzheng/",
        "/docs/policy/2024-zhongdian-xiangmu/",
        "/docs/drafts/2023-wangyueche/",
        "/docs/normative/2024-goufang-butie/",
    ];
    let mut args = vec!["titles".to_string(), out.to_string_lossy().into_owned(), shots.to_string_lossy().into_owned()];
    args.extend(pages.iter().map(|p| p.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = node(&args);
    assert_eq!(text.matches("ok ").count(), pages.len() * 2, "{text}");
    assert!(text.contains("(4 lines)"), "the long title of the draft wraps: {text}");
}
