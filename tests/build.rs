//! Building sites: the demo site's output is complete and self-consistent, builds are
//! deterministic, failures leave the previous output alone, and nothing non-public leaks.

mod common;
use common::{Site, normative, project, run_in, tree};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::Path;

fn build_demo(out: &Path, jobs: &str) {
    let o = run_in(&project(), &["build", "--out", out.to_str().unwrap(), "--as-of", "2026-06-30", "--jobs", jobs]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Every `href="…"` and `src="…"` value in an HTML text.
fn links(html: &str) -> Vec<String> {
    let mut v = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            v.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    v
}

/// The Traditional pages of the built-in theme are converted in one pass, not by the slower
/// general rewriter; the test binary is a debug build, which also converts every page both ways
/// and stops on any difference.
#[test]
fn demo_traditional_pages_take_the_one_pass_conversion() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_gongbao"))
        .current_dir(project())
        .args(["build", "--out", out.to_str().unwrap(), "--as-of", "2026-06-30"])
        .env("GONGBAO_TIMINGS", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let slow = err.split("hant-slow=").nth(1).and_then(|x| x.split_whitespace().next()).unwrap();
    assert_eq!(slow, "0", "{err}");
    assert!(out.join("zh-Hant/index.html").is_file());
}

#[test]
fn demo_site_builds_completely_and_every_internal_link_resolves() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_demo(&out, "2");
    let files: BTreeSet<String> = tree(&out).into_iter().map(|(p, _)| p).collect();
    for must in [
        "index.html",
        "404.html",
        "gazette/index.html",
        "gazette/2024/1/index.html",
        "gazette/2024/3/index.html",
        "browse/index.html",
        "catalog/index.html",
        "assets/style.css",
        "SHA256SUMS",
        "manifest.json",
        "docs/regulations/2019-shirong/index.html",
        "docs/normative/2024-goufang-butie/butie-biaozhun.csv",
    ] {
        assert!(files.contains(must), "missing {must}");
    }
    for facet in ["year", "issuer", "topic", "kind", "validity"] {
        assert!(files.iter().any(|f| f.starts_with(&format!("browse/{facet}/"))), "no browse/{facet} pages");
    }
    let mut checked = 0;
    for f in files.iter().filter(|f| f.ends_with(".html")) {
        let html = std::fs::read_to_string(out.join(f)).unwrap();
        for meta in ["name=\"SiteName\"", "name=\"SiteDomain\"", "name=\"SiteIDCode\""] {
            assert!(html.contains(meta), "{f} lacks {meta}");
        }
        for l in links(&html) {
            if l.starts_with("http") || l.starts_with("mailto:") || l.starts_with('#') {
                continue;
            }
            assert!(l.starts_with('/'), "{f}: relative or odd link {l}");
            let path = decode(l.split(['#', '?']).next().unwrap().trim_start_matches('/'));
            let target =
                if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.clone() };
            assert!(files.contains(&target), "{f}: link {l} points nowhere");
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} links checked");
}

/// A site of one kind of document (a county office's notices) has no list of regulations or
/// interpretations: no page links to one.
#[test]
fn a_site_of_one_kind_links_to_no_list_it_does_not_have() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    let out = s.root().join("public");
    let files: BTreeSet<String> = tree(&out).into_iter().map(|(p, _)| p).collect();
    let mut checked = 0;
    for f in files.iter().filter(|f| f.ends_with(".html")) {
        let html = std::fs::read_to_string(out.join(f)).unwrap();
        for l in links(&html).into_iter().filter(|l| l.starts_with('/') && !l.starts_with("//")) {
            let path = decode(l.split(['#', '?']).next().unwrap().trim_start_matches('/'));
            let target = if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path };
            assert!(files.contains(&target), "{f}: link {l} points nowhere");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} links checked");
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("/browse/kind/normative/") && !home.contains("/browse/kind/regulation/"));
}

#[test]
fn document_pages_carry_metadata_validity_gazette_and_checksum() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_demo(&out, "2");
    let page = std::fs::read_to_string(out.join("docs/regulations/2019-shirong/index.html")).unwrap();
    for label in [
        "索引号",
        "主题分类",
        "发布机构",
        "发文字号",
        "文种",
        "成文日期",
        "发布日期",
        "施行日期",
        "有效性",
        // Amended twice, in force as amended, with the 题注 naming how.
        "data-state>有效</span>",
        "<p class=\"tizhu\">（2019年5月24日青川市人民政府令第21号公布　根据2021年9月16日",
        "状态截至 <time data-asof-date datetime=\"2026-06-30\">2026-06-30</time>",
        "name=\"ArticleTitle\"",
        "name=\"PubDate\"",
    ] {
        assert!(page.contains(label), "document page lacks {label}");
    }
    let src = std::fs::read(project().join("content/regulations/2019-shirong/index.md")).unwrap();
    assert!(page.contains(&hex(&Sha256::digest(&src))), "page lacks the source checksum");
    let printed = std::fs::read_to_string(out.join("docs/normative/2024-wangyueche/index.html")).unwrap();
    assert!(
        printed.contains("刊登于") && printed.contains("href=\"/gazette/2024/2/\"") && printed.contains("第19页"),
        "gazette back-link missing"
    );
    let repealed = std::fs::read_to_string(out.join("docs/normative/2018-wuye-shoufei/index.html")).unwrap();
    assert!(repealed.contains("state-repealed"), "repealed document not shown as repealed");
    let catalog = std::fs::read_to_string(out.join("catalog/catalog.csv")).unwrap();
    assert!(catalog.starts_with("\u{FEFF}类别,信息名称,内容"), "catalog CSV header");
    for entry in ["财政预算、决算", "行政处罚"] {
        assert!(catalog.contains(entry), "catalog CSV lacks {entry}");
    }
    let issue = std::fs::read_to_string(out.join("gazette/2024/1/index.html")).unwrap();
    assert!(issue.contains("class=\"page\""), "issue has no page numbers");
}

#[test]
fn checksums_and_manifest_cover_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_demo(&out, "2");
    let files = tree(&out);
    let sums = String::from_utf8(files.iter().find(|(p, _)| p == "SHA256SUMS").unwrap().1.clone()).unwrap();
    let listed: Vec<(&str, &str)> = sums.lines().map(|l| (l[66..].trim(), &l[..64])).collect();
    // The sums cover every other file, the manifest included; the manifest every file but itself.
    let summed: Vec<&(String, Vec<u8>)> = files.iter().filter(|(p, _)| p != "SHA256SUMS").collect();
    let others: Vec<&(String, Vec<u8>)> =
        files.iter().filter(|(p, _)| p != "SHA256SUMS" && p != "manifest.json").collect();
    assert_eq!(listed.len(), summed.len());
    for ((path, sum), (p, bytes)) in listed.iter().zip(&summed) {
        assert_eq!(path, p);
        assert_eq!(*sum, hex(&Sha256::digest(bytes)), "{p}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&files.iter().find(|(p, _)| p == "manifest.json").unwrap().1).unwrap();
    let m = manifest["files"].as_array().unwrap();
    assert_eq!(m.len(), others.len());
    for (entry, (p, bytes)) in m.iter().zip(&others) {
        assert_eq!(entry["path"], p.as_str());
        assert_eq!(entry["size"], bytes.len());
    }
}

#[test]
fn output_is_byte_identical_whatever_the_job_count() {
    let tmp = tempfile::tempdir().unwrap();
    build_demo(&tmp.path().join("a"), "1");
    build_demo(&tmp.path().join("b"), "4");
    let (a, b) = (tree(&tmp.path().join("a")), tree(&tmp.path().join("b")));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.0, y.0);
        assert!(x.1 == y.1, "{} differs between --jobs 1 and --jobs 4", x.0);
    }
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "第一版。\n");
    assert!(s.run(&["build"]).status.success());
    let before = tree(&s.root().join("public"));
    s.record("a", &normative("甲", "2024-99-02"), "第二版。\n");
    let o = s.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(tree(&s.root().join("public")), before);
    let leftovers: Vec<_> = std::fs::read_dir(s.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_build_stopped_by_a_signal_leaves_the_output_as_it_was_and_nothing_beside_it() {
    use std::os::unix::process::ExitStatusExt;
    let s = Site::new();
    for k in 0..2000 {
        let day = 1 + k % 28;
        s.record(&format!("r{k}"), &normative(&format!("第{k}号通知"), &format!("2024-02-{day:02}")), "正文。\n");
    }
    assert!(s.run(&["build"]).status.success());
    let before = tree(&s.root().join("public"));
    let beside = || -> Vec<String> {
        let names =
            std::fs::read_dir(s.root()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned());
        names.filter(|n| n.starts_with(".public")).collect()
    };
    assert_eq!(beside(), Vec::<String>::new());
    s.record("r0", &normative("第0号通知", "2024-02-01"), "改过的正文。\n");
    for signal in ["INT", "TERM"] {
        let mut child = std::process::Command::new(common::bin())
            .current_dir(s.root())
            .args(["build", "--no-cache"])
            .env("CI", "true")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // In the middle of writing the pages.
        let staging = s.root().join(".public.gongbao-staging");
        let t = std::time::Instant::now();
        while !staging.join("docs").is_dir() {
            assert!(t.elapsed().as_secs() < 120 && child.try_wait().unwrap().is_none(), "no pages written");
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let sent = std::process::Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status();
        assert!(sent.unwrap().success());
        let status = child.wait().unwrap();
        assert!(status.signal().is_some(), "{signal}: ended by the signal, not {status:?}");
        assert_eq!(tree(&s.root().join("public")), before, "{signal}: the output is as it was");
        assert_eq!(beside(), Vec::<String>::new(), "{signal}: nothing is left beside the output");
    }
    // And the next build is whole.
    assert!(s.run(&["build"]).status.success());
    assert!(std::fs::read_to_string(s.root().join("public/docs/r0/index.html")).unwrap().contains("改过的正文"));
}

#[test]
fn non_public_records_reach_no_output_byte() {
    let s = Site::new();
    s.record("pub", &normative("公开文件", "2024-01-02"), "公开正文。\n");
    s.record(
        "req",
        &format!(
            "{}\ndisclosure: on_request\nindex_no: 123456789/2024-00077",
            normative("依申请MARKER-TITLE-1", "2024-01-02")
        ),
        "MARKER-BODY-1 依申请公开。\n",
    );
    s.record(
        "wh",
        &format!(
            "{}\ndisclosure: 不予公开\ndisclosure_reason: 涉及国家秘密",
            normative("不予MARKER-TITLE-2", "2024-01-02")
        ),
        "MARKER-BODY-2\n",
    );
    s.write("content/wh-files/MARKER-FILE.txt", "MARKER-BODY-3");
    // A public record that points at the withheld one: allowed with a warning, link left out.
    s.record("amender", &format!("{}\namends: [wh]", normative("修改决定", "2024-02-02")), "见[某文](doc:wh)。\n");
    // A section that holds only the withheld record would tell that the issue carried it.
    s.record("g", "kind: gazette\nyear: 2024\nnumber: 1\npublished: 2024-03-01\nsections:\n  - title: 文件\n    items:\n      - {doc: pub, page: 1}\n      - {doc: req, page: 2}\n  - title: MARKER-SECTION\n    items:\n      - {doc: wh, page: 3}", "");
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files = tree(&s.root().join("public"));
    assert!(files.len() > 10);
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for marker in ["MARKER", "123456789/2024-00077", "涉及国家秘密", "docs/req", "docs/wh", "doc:wh"] {
            assert!(!text.contains(marker) && !path.contains(marker), "{marker} leaked into {path}");
        }
    }
}

#[test]
fn demo_markers_never_reach_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_demo(&out, "2");
    for (path, bytes) in tree(&out) {
        assert!(!String::from_utf8_lossy(&bytes).contains("GONGBAO-SECRET-MARKER"), "marker in {path}");
    }
}

#[test]
fn records_published_after_as_of_are_left_out() {
    let s = Site::new();
    s.record("old", &normative("旧文件", "2024-01-02"), "旧。\n");
    s.record("new", &normative("九月MARKER", "2024-09-02"), "新。\n");
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    assert!(s.root().join("public/docs/old/index.html").exists());
    assert!(!s.root().join("public/docs/new").exists());
    let home = std::fs::read_to_string(s.root().join("public/index.html")).unwrap();
    assert!(!home.contains("九月MARKER"));
}

#[test]
fn init_makes_a_site_that_builds_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("newsite");
    assert!(run_in(tmp.path(), &["init", dir.to_str().unwrap()]).status.success());
    let o = run_in(&dir, &["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("public/gazette/2025/1/index.html").exists());
    // A second init refuses to overwrite.
    assert_eq!(run_in(tmp.path(), &["init", dir.to_str().unwrap()]).status.code(), Some(1));
}

#[test]
fn heading_ids_are_readable_chinese() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "## 第一章 总则\n\n### 第一条\n\n内容。\n");
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    let page = std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap();
    assert!(page.contains("<h2 id=\"第一章-总则\">"), "{page}");
    assert!(page.contains("<h3 id=\"第一条\">"));
}

#[test]
fn files_the_text_links_to_are_published_with_it() {
    let s = Site::new();
    s.write("content/a/table.csv", "a,b\n1,2\n");
    s.write("content/a/index.md", &format!("---\n{}\n---\n见[附表](table.csv)。\n", normative("甲", "2024-01-02")));
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    assert!(s.root().join("public/docs/a/table.csv").exists());
    let page = std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap();
    assert!(page.contains("href=\"/docs/a/table.csv\""), "{page}");
}

#[test]
fn a_site_theme_needs_only_the_files_it_changes() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "x\n");
    s.write("gongbao.toml", &common::CONFIG.replace("[site]\n", "[site]\ntheme = \"city\"\n"));
    s.write("themes/city/static/style.css", "body { color: #123456; }\n");
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(s.root().join("public/assets/style.css")).unwrap(),
        "body { color: #123456; }\n"
    );
    assert!(s.root().join("public/docs/a/index.html").exists());
    // A broken template is named with its theme folder.
    s.write("themes/city/templates/doc.html", "{% if %}");
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("themes/city/templates/doc.html"));
}

/// A site's UI strings copied from an earlier version lack the keys added since: those read as
/// the built-in theme has them, and the keys the site changed as the site wrote them.
#[test]
fn a_site_s_ui_strings_lacking_newer_keys_fall_back_to_the_built_in_ones() {
    let s = Site::new();
    s.write("gongbao.toml", &common::CONFIG.replace("[site]\n", "[site]\ntheme = \"city\"\nper_page = 1\n"));
    for k in 1..=3 {
        s.record(&format!("r{k}"), &normative(&format!("文件{k}"), &format!("2024-01-0{k}")), "x\n");
    }
    let builtin = std::fs::read_to_string(common::project().join("themes/default/i18n/zh-CN.toml")).unwrap();
    // As copied before the pager's words were added, with one word changed and no [state].
    let copied: String = builtin
        .lines()
        .filter(|l| !l.starts_with("page_"))
        .map(|l| if l.starts_with("print = ") { "print = \"打印\"" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    let without_states = {
        let at = copied.find("[state]").unwrap();
        let end = at + 1 + copied[at + 1..].find("\n[").unwrap();
        format!("{}{}", &copied[..at], &copied[end + 1..])
    };
    s.write("themes/city/i18n/zh-CN.toml", &without_states);
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(s.root().join("public/browse/year/2024/page/1/index.html")).unwrap();
    assert!(page.contains("（第 1 页）") && page.contains("按发布先后第 1–1 条"), "{page}");
    assert!(page.contains(">最新</a>") && page.contains("较新"), "{page}");
    assert!(page.contains(">打印</button>"), "the site's own word is kept");
    assert!(!page.contains("打印本页"), "the site's own word is kept");
    let doc = std::fs::read_to_string(s.root().join("public/docs/r1/index.html")).unwrap();
    assert!(
        doc.contains("data-state>有效<") && doc.contains("\"repealed\":\"已废止\""),
        "the states' names come from the built-in theme"
    );
}

#[test]
fn script_links_are_removed_even_without_raw_html() {
    let s = Site::new();
    s.record(
        "a",
        &normative("甲", "2024-01-02"),
        "[点这里](javascript:alert(1)) 与 ![图](JaVaScRiPt:alert(2)) 与 [数据](data:text/html,x)。\n",
    );
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap().to_ascii_lowercase();
    let body = &page[page.find("<div class=\"body\">").unwrap()..page.find("class=\"checksum\"").unwrap()];
    assert!(!body.contains("javascript:") && !body.contains("data:text"), "{body}");
    assert!(page.contains("点这里"), "the link text stays");
}

#[test]
fn files_of_other_records_are_never_copied() {
    let s = common::site_naming_other_records_files();
    let o = s.run(&["build", "--as-of", "2026-01-01"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!s.root().join("public").exists());
    // Even with every finding ignored, only the record's own file is planned for copying, and
    // the page links none of the others.
    use gongbao::internals::{Job, Renderer, Theme, plan};
    let Ok(a) = gongbao::cmd::analyse(s.root(), Some(gongbao::model::date::Date::parse("2026-01-01").unwrap())) else {
        panic!("analyse failed")
    };
    let theme = Theme::builtin();
    let jobs = plan(&a.corpus, &a.cfg, &theme, s.root(), &a.register);
    let copied: Vec<(String, String)> = jobs
        .iter()
        .filter_map(|j| match j {
            Job::Attachment(src, to) => Some((src.to_string_lossy().into_owned(), to.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(copied, vec![("content/d/ok.csv".to_string(), "docs/d/ok.csv".to_string())]);
    let r = Renderer::new(&a.corpus, &a.cfg, &theme, s.root(), &a.register).unwrap_or_else(|_| panic!("theme"));
    let d = a.corpus.index_of("d").unwrap();
    for job in [Job::Doc(d), Job::Version(d, 0)] {
        let (path, bytes) = r.render(&job).unwrap_or_else(|_| panic!("render"));
        let page = String::from_utf8(bytes).unwrap();
        for bad in ["secret.md", "sec2", "versions/", "MARKER"] {
            assert!(!page.contains(bad), "{bad} in {path}");
        }
        assert!(page.contains("ok.csv") || path.contains("2020-01-01"), "{path} lost its own attachment");
    }
}

#[test]
fn withheld_ids_leave_no_trace_in_any_url_attribute_or_autolink() {
    let s = Site::new();
    s.record(
        "mimi",
        &format!("{}\ndisclosure: withheld\ndisclosure_reason: 涉密", normative("内部", "2024-01-02")),
        "x\n",
    );
    s.write("content/pub/pic.png", "png");
    let body = "见<doc:mimi>与[它](DOC:mimi)。\n\n## <doc:mimi>\n\n<blockquote cite=\"doc:mimi\">引文</blockquote>\n\n<img src=\"pic.png\" srcset=\"doc:mimi 1x, pic.png 2x\"> <video poster=\" doc:mimi \"></video> <q cite=\"doc:mimi#x\">q</q> <a href=\"https://e.cn\" ping=\"doc:mimi\">e</a>\n";
    s.write("content/pub/index.md", &format!("---\n{}\n---\n{body}", normative("公开", "2024-01-02")));
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (path, bytes) in tree(&s.root().join("public")) {
        assert!(!String::from_utf8_lossy(&bytes).contains("mimi"), "the withheld id in {path}");
    }
    let page = std::fs::read_to_string(s.root().join("public/docs/pub/index.html")).unwrap();
    assert!(page.contains("srcset=\"/docs/pub/pic.png 2x\"") && page.contains("引文"), "{page}");
}

#[test]
fn build_refuses_an_output_folder_it_would_destroy() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    s.write("themes/city/static/style.css", "body {}\n");
    s.write("notes/keep.txt", "not a site\n");
    let before = tree(s.root());
    let root = s.root().to_str().unwrap().to_string();
    for out in [".", root.as_str(), "content", "content/../content", "content/public", "themes", "themes/city", "notes"]
    {
        let o = s.run(&["build", "--out", out, "--as-of", "2024-06-01"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "--out {out}: {err}");
        assert!(err.contains("错误[io]") && err.contains(out) && err.contains("--out"), "--out {out}: {err}");
        assert_eq!(tree(s.root()), before, "--out {out} changed the site");
    }
    // The default output, a new folder, an empty one and an earlier output are all fine, named
    // plainly or through `..` (which leads nowhere while the folder does not exist).
    std::fs::create_dir(s.root().join("empty")).unwrap();
    std::fs::create_dir(s.root().join("empty-too")).unwrap();
    for out in [None, Some("site-out"), Some("empty"), Some("new-out/../new-out"), Some("empty-too/../empty-too")] {
        for _ in 0..2 {
            let mut args = vec!["build", "--as-of", "2024-06-01"];
            args.extend(out.map(|o| ["--out", o]).into_iter().flatten());
            let o = s.run(&args);
            assert!(o.status.success(), "{out:?}: {}", String::from_utf8_lossy(&o.stderr));
        }
    }
    for out in ["public", "empty", "new-out", "empty-too"] {
        assert!(s.root().join(out).join("docs/a/index.html").exists(), "{out}");
    }
    // `..` after a link leads where the system takes it: to the parent of the link's target.
    std::fs::create_dir_all(s.root().join("deep/er")).unwrap();
    std::os::unix::fs::symlink(s.root().join("deep/er"), s.root().join("lnk")).unwrap();
    let o = s.run(&["build", "--out", "lnk/../via-link", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(s.root().join("deep/via-link/docs/a/index.html").exists());
    assert!(!s.root().join("via-link").exists());
    // Nothing is left beside the outputs: no staging or spent folder.
    let mut left: Vec<String> = std::fs::read_dir(s.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("gongbao-"))
        .collect();
    left.sort();
    assert_eq!(left, Vec::<String>::new());
    assert_eq!(tree(&s.root().join("notes")).len(), 1);
}

#[test]
fn a_manifest_json_alone_does_not_make_a_folder_an_earlier_output() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    let precious = |dir: &str| s.root().join(dir).join("precious.txt");
    // Somebody else's manifest.json (another tool's, or gongbao's own copied into a foreign
    // folder), each beside a file that is no part of any gongbao output.
    let foreign = [
        ("npm", "{\"name\": \"x\", \"version\": \"1.0.0\"}\n".to_string()),
        ("web-app", "{\"short_name\": \"x\", \"files\": [{\"path\": \"precious.txt\"}]}\n".to_string()),
        ("not-json", "manifest\n".to_string()),
        ("other-gen", "{\"generator\": \"hugo 0.1\", \"files\": [{\"path\": \"precious.txt\", \"sha256\": \"\", \"size\": 0}]}\n".to_string()),
        ("unlisted", "{\"generator\": \"gongbao 0.1.0\", \"files\": [{\"path\": \"index.html\", \"sha256\": \"\", \"size\": 0}]}\n".to_string()),
    ];
    for (dir, manifest) in &foreign {
        s.write(&format!("{dir}/manifest.json"), manifest);
        s.write(&format!("{dir}/precious.txt"), "keep me\n");
        let o = s.run(&["build", "--out", dir, "--as-of", "2024-06-01"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "--out {dir}: {err}");
        assert!(err.contains("错误[io]") && err.contains("precious.txt"), "--out {dir}: {err}");
        assert_eq!(std::fs::read_to_string(precious(dir)).unwrap(), "keep me\n", "--out {dir}");
    }
    // A real earlier output is still replaced, and once a file is added to it, it is not.
    for _ in 0..2 {
        let o = s.run(&["build", "--out", "real", "--as-of", "2024-06-01"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    s.write("real/precious.txt", "keep me\n");
    assert_eq!(s.run(&["build", "--out", "real", "--as-of", "2024-06-01"]).status.code(), Some(2));
    assert!(precious("real").exists());
}

/// A record with two topics under one first level is in that level's browse list once, counted
/// once, and has that level once among its search facets; an issuer written twice is one facet
/// value (the search page counts a document once per value it has).
#[test]
fn a_record_is_listed_once_under_a_first_level_its_topics_share() {
    let s = Site::new();
    let with = |title: &str, day: &str, topic: &str| format!("{}\ntopic: {topic}", normative(title, day));
    s.record("a", &with("甲文件", "2024-01-02", "['甲类\\一', '甲类\\二']"), "正文。\n");
    s.record("b", &with("乙文件", "2024-01-03", "'甲类\\一'"), "正文。\n");
    // An issuer written twice.
    s.record("c", "kind: normative\ntitle: 丙文件\nissuer: [测试局, 测试局]\npublished: 2024-01-04", "正文。\n");
    let o = s.run(&["build", "--as-of", "2026-06-30"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = s.root().join("public");
    let list = std::fs::read_to_string(out.join("browse/topic/甲类/index.html")).unwrap();
    assert_eq!(list.matches("href=\"/docs/a/\"").count(), 1, "{list}");
    assert!(list.contains("共 2 条"), "{list}");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("search/meta.json")).unwrap()).unwrap();
    let topics = meta["topics"].as_array().unwrap();
    let first = topics.iter().position(|t| t == "甲类").expect("the first level is a label");
    let facets: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("search/f/0.json")).unwrap()).unwrap();
    let rows = facets.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let topical: Vec<_> = rows.iter().filter(|row| row[3] != serde_json::json!([])).collect();
    assert_eq!(topical.len(), 2, "{rows:?}");
    for row in topical {
        assert_eq!(row[3], serde_json::json!([first]), "each document has 甲类 once: {row}");
    }
    assert!(
        rows.iter().any(|row| row[2].as_array().unwrap().len() == 1 && row[3] == serde_json::json!([])),
        "{rows:?}"
    );
    assert!(rows.iter().all(|row| row[2].as_array().unwrap().len() == 1), "each issuer once: {rows:?}");
}

/// A catalogue entry is in no browse list, so its page names its issuer and topic without
/// linking to lists that may not exist; a document's page links to its own.
#[test]
fn a_catalogue_entry_names_its_issuer_and_topic_without_links() {
    let s = Site::new();
    let entry = "kind: catalog\ntitle: 行政许可事项\nissuer: 目录专属局\ntopic: '目录专属类\\子类'\npublished: 2024-01-10\ncatalog:\n  category: 行政许可\n  basis: 《行政许可法》\n  time_limit: 20个工作日\n  unit: 各部门\n  channel: 门户网站";
    s.record("entry", entry, "正文。\n");
    s.record("doc", &format!("{}\ntopic: '文件类\\子类'", normative("甲文件", "2024-01-02")), "正文。\n");
    let o = s.run(&["build", "--as-of", "2026-06-30"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = s.root().join("public");
    let page = std::fs::read_to_string(out.join("docs/entry/index.html")).unwrap();
    assert!(page.contains("目录专属局") && page.contains("目录专属类\\子类"), "named: {page}");
    assert!(!page.contains("/browse/issuer/") && !page.contains("/browse/topic/"), "no link to a list: {page}");
    assert!(!out.join("browse/issuer/目录专属局").exists());
    let doc: Vec<String> =
        links(&std::fs::read_to_string(out.join("docs/doc/index.html")).unwrap()).iter().map(|l| decode(l)).collect();
    for list in ["browse/topic/文件类/子类/", "browse/issuer/测试市人民政府办公室/"] {
        assert!(doc.contains(&format!("/{list}")), "{list}: {doc:?}");
        assert!(out.join(list).join("index.html").is_file(), "{list}");
    }
}
