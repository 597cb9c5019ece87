//! A site every reader can use: the demo built as of a fixed date, then its Traditional pages,
//! and in headless Chromium (Debian's `chromium`, `playwright-core` and `axe-core` from npm, as
//! in `browser.rs`) accessibility on every page template in both scripts, validity on the
//! reader's date everywhere it is shown, and screenshots. `scripts/test` installs the tools; a
//! machine without them fails here.

mod common;
use common::{project, run_in};
use std::path::Path;
use std::process::Command;

/// The demo site as it stood on 2026-12-01, built into a temporary folder.
fn demo() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let o = run_in(&project(), &["build", "--as-of", "2026-12-01", "--no-cache", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (tmp, out)
}

fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn node(args: &[&str]) -> String {
    let ready = project().join("tests/browser/node_modules/axe-core").exists()
        && project().join("tests/browser/node_modules/playwright-core").exists()
        && Path::new("/usr/bin/chromium").exists();
    assert!(ready, "chromium, playwright-core or axe-core missing: run the tests with scripts/test");
    let out = Command::new("node").arg(project().join("tests/browser/readers.mjs")).args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains("FAIL") && text.contains("ok "), "{text}");
    text
}

const DOC: &str = "docs/normative/2024-goufang-butie/";
/// The search page with results (facets, marks, snippets and pages).
const SEARCH: &str = "/search/?q=停车";

#[test]
fn every_page_has_a_traditional_twin_converted_with_s2t_that_links_back() {
    let (_tmp, out) = demo();
    let hans = read(&out, "docs/catalog/guifanxing-wenjian/index.html");
    let hant = read(&out, "zh-Hant/docs/catalog/guifanxing-wenjian/index.html");
    assert!(hans.contains("规范性文件") && hant.contains("規範性文件"), "converted text");
    assert!(!hant.contains("規範性檔案"), "no regional phrase table: 文件 stays 文件");
    assert!(hant.contains("<html lang=\"zh-Hant\""));
    // Links back to the Simplified page and alternates both ways.
    assert!(hant.contains("data-script-link translate=\"no\" lang=\"zh-Hans\" hreflang=\"zh-Hans\" href=\"/docs/catalog/guifanxing-wenjian/\""));
    assert!(hans.contains("hreflang=\"zh-Hant\" href=\"/zh-Hant/docs/catalog/guifanxing-wenjian/\""));
    for page in [&hans, &hant] {
        assert!(page.contains("<link rel=\"alternate\" hreflang=\"zh-Hans\" href=\"https://www.qingchuan.gov.cn/docs/catalog/guifanxing-wenjian/\">"));
        assert!(page.contains("<link rel=\"alternate\" hreflang=\"zh-Hant\" href=\"https://www.qingchuan.gov.cn/zh-Hant/docs/catalog/guifanxing-wenjian/\">"));
    }
    // Navigation stays in the script; files and data stay where they are.
    assert!(hant.contains("href=\"/zh-Hant/browse/\"") && hant.contains("href=\"/assets/style.css\""));
    assert!(hant.contains("href=\"/data/documents.csv\"") && !hant.contains("/zh-Hant/data/"));
    let repeal = read(&out, "zh-Hant/browse/kind/regulation/index.html");
    assert!(repeal.contains("廢止") || read(&out, "zh-Hant/index.html").contains("廢止"), "废止 becomes 廢止");
    // Every Simplified page has its twin, and nothing else is under zh-Hant/.
    let pages: Vec<String> = walkdir::WalkDir::new(&out)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".html"))
        .map(|e| e.path().strip_prefix(&out).unwrap().to_string_lossy().into_owned())
        .collect();
    let (twins, own): (Vec<&String>, Vec<&String>) = pages.iter().partition(|p| p.starts_with("zh-Hant/"));
    assert_eq!(twins.len(), own.len());
    for p in own {
        assert!(out.join("zh-Hant").join(p).exists(), "no Traditional twin of {p}");
    }
    // The JSON-LD of a page is data, not text: unchanged.
    let ld =
        |s: &str| s.split("application/ld+json\">").nth(1).map(|x| x.split("</script>").next().unwrap().to_string());
    assert_eq!(ld(&read(&out, &format!("{DOC}index.html"))), ld(&read(&out, &format!("zh-Hant/{DOC}index.html"))));
}

#[test]
fn government_conventions_and_the_icon() {
    let (_tmp, out) = demo();
    let home = read(&out, "index.html");
    assert!(!home.contains("name=\"ColumnName\""), "the home page is not a column");
    let doc = read(&out, &format!("{DOC}index.html"));
    assert!(doc.contains("<meta name=\"ColumnName\" content=\"行政规范性文件\">"));
    assert!(!doc.contains("<meta name=\"ColumnDescription\" content=\"行政规范性文件\">"), "not a copy of the name");
    assert!(
        doc.contains("href=\"https://beian.mps.gov.cn/#/query/webSearch?code=33990002000001\""),
        "public-security record linked"
    );
    assert!(doc.contains("href=\"/sitemap/\"") && read(&out, "sitemap/index.html").contains("网站地图"));
    let ico = std::fs::read(out.join("favicon.ico")).unwrap();
    assert_eq!(&ico[..4], &[0, 0, 1, 0], "an ICO file");
    // Fields that do not apply are left out rather than shown as “—”.
    let interp = read(&out, "docs/interpretations/2024-wangyueche/index.html");
    let panel = interp.split("<table class=\"meta-panel\">").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(!panel.contains('—') && !panel.contains("成文日期"), "{panel}");
    // The current text of an amended regulation names its amendments (题注), as flk does.
    let reg = read(&out, "docs/regulations/2019-shirong/index.html");
    assert!(
        reg.contains("<p class=\"tizhu\">（2019年5月24日青川市人民政府令第21号公布　根据2021年9月16日<a href=\"/docs/regulations/2021-xiugai-shirong/\">《青川市人民政府关于修改〈青川市市容和环境卫生管理办法〉的决定》</a>第一次修正　根据2023年12月20日"),
        "题注"
    );
    assert!(doc.contains("访问日期") && doc.contains("data-cite"), "cite box");
}

#[test]
fn no_serious_or_critical_axe_violation_on_any_template_in_either_script() {
    let (_tmp, out) = demo();
    let pages = [
        "/",
        &format!("/{DOC}"),
        "/docs/interpretations/2024-wangyueche/",
        "/docs/regulations/2019-shirong/2021-11-01/",
        "/docs/regulations/2019-shirong/diff/2019-07-01..2021-11-01/",
        "/gazette/2024/1/",
        "/gazette/",
        "/browse/",
        "/browse/kind/normative/",
        "/catalog/",
        "/sitemap/",
        "/404.html",
        SEARCH,
    ];
    let mut args = vec!["axe".to_string(), out.to_string_lossy().into_owned()];
    args.extend(pages.iter().map(|p| p.to_string()));
    args.extend(pages.iter().map(|p| format!("/zh-Hant{p}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = node(&args);
    assert_eq!(text.matches("axe (").count(), pages.len() * 4, "{text}");
}

#[test]
fn the_state_on_the_readers_date_is_the_same_everywhere() {
    let (_tmp, out) = demo();
    // In force when built (it expires on 2026-12-31), read on 2027-01-15.
    assert!(read(&out, &format!("{DOC}index.html")).contains("data-state>有效</span>"));
    let o = out.to_string_lossy();
    let doc = format!("/{DOC}");
    node(&["date", &o, &doc, "2027-01-15", "失效", "/", "/browse/validity/in_force/", "/browse/kind/normative/"]);
    let hant = format!("/zh-Hant/{DOC}");
    node(&["date", &o, &hant, "2027-01-15", "失效", "/zh-Hant/", "/zh-Hant/browse/validity/in_force/"]);
}

/// An amendment published before the build and in force by the reader's day: the browser moves
/// 现行有效文本 to the amended text and marks the first 已被修改, the document stays 有效.
#[test]
fn the_text_in_force_and_the_amended_texts_are_told_on_the_readers_date() {
    let s = common::Site::new();
    s.write(
        "content/rule/index.md",
        &format!(
            "---\n{}\neffective: 2020-01-01\n---\n第一条 违反规定的，处一万元罚款。\n",
            common::normative("管理办法", "2019-12-01")
        ),
    );
    s.write("content/rule/versions/2020-01-01.md", "第一条 违反规定的，处五千元罚款。\n");
    s.record(
        "change",
        &format!("{}\namends: [{{id: rule, effective: 2022-07-01}}]", common::normative("修改决定", "2022-06-01")),
        "x\n",
    );
    let out = s.root().join("public");
    let o = s.run(&["build", "--as-of", "2022-06-15"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = out.to_string_lossy();
    // The build's day, then after the amendment took effect.
    node(&["texts", &o, "/docs/rule/", "2022-06-20", "2020-01-01", "-", "有效"]);
    node(&["texts", &o, "/docs/rule/", "2022-07-15", "2022-07-01", "2020-01-01", "有效"]);
    node(&["texts", &o, "/docs/rule/2022-07-01/", "2022-07-15", "2022-07-01", "2020-01-01", "有效"]);
}

/// Always taken into a temporary folder, so the path is exercised; into the book's images only
/// with `GONGBAO_SCREENSHOTS=1`.
#[test]
fn screenshots_of_what_readers_see() {
    let (tmp, out) = demo();
    let dir = if std::env::var("GONGBAO_SCREENSHOTS").as_deref() == Ok("1") {
        project().join("book/src/img")
    } else {
        tmp.path().join("shots")
    };
    let (o, d) = (out.to_string_lossy(), dir.to_string_lossy());
    let doc = format!("/{DOC}");
    node(&[
        "shots",
        &o,
        &d,
        "/",
        &doc,
        "/gazette/2024/1/",
        "/docs/regulations/2019-shirong/diff/2019-07-01..2021-11-01/",
        SEARCH,
    ]);
    for name in ["home", "document", "issue", "redline", "hant", "elder", "search", "search-hant"] {
        for device in ["desktop", "phone"] {
            let png = std::fs::read(dir.join(format!("{name}-{device}.png"))).unwrap();
            assert_eq!(&png[1..4], b"PNG", "{name}-{device}");
        }
    }
}
