//! The book is the manual, so its examples must be right: every record it shows is put into one
//! site, with the complete settings example of the "Site settings" chapter as `gongbao.toml`,
//! and that site must pass `check` without errors and build, each record becoming its page.
//!
//! A record example is a fenced block marked `record` (```` ```markdown record ````); mdBook
//! only adds the word as a class. It names its file in a comment, on its first line (front
//! matter shown alone) or right after the opening `---` (a complete record). Any block that
//! starts with `---` must be so marked, so that no new example escapes this test.

mod common;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use std::path::Path;

const AS_OF: &str = "2026-06-30";

/// Records the book refers to without showing them, at the dates its examples imply.
const UNSHOWN: &[(&str, &str)] = &[
    (
        "content/reports/2025-tingche-caina.md",
        "kind: report\ntitle: 《示例市居住区停车管理办法（征求意见稿）》意见采纳情况说明\nissuer: 示例市交通运输局\npublished: 2025-03-20\nreview: {by: 赵倩, on: 2025-03-19, result: 同意公开}",
    ),
    (
        "content/normative/2025-tingche.md",
        "kind: normative\ntitle: 示例市居住区停车管理办法\nissuer: 示例市交通运输局\npublished: 2025-04-15\nreview: {by: 赵倩, on: 2025-04-14, result: 同意公开}",
    ),
];

/// A fenced block of the book: where it is, its info string and its text.
struct Block {
    at: String,
    info: String,
    text: String,
}

fn blocks() -> Vec<Block> {
    let dir = common::project().join("book/src");
    let mut chapters: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    chapters.sort();
    let mut out = Vec::new();
    for path in chapters {
        let md = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut open: Option<Block> = None;
        for (ev, range) in Parser::new(&md).into_offset_iter() {
            match ev {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    let line = md[..range.start].lines().count() + 1;
                    open = Some(Block { at: format!("{name}:{line}"), info: info.to_string(), text: String::new() });
                }
                Event::Text(t) => {
                    if let Some(b) = open.as_mut() {
                        b.text.push_str(&t);
                    }
                }
                Event::End(TagEnd::CodeBlock) => out.extend(open.take()),
                _ => {}
            }
        }
    }
    out
}

/// A record example: the file it names and the whole record.
struct Example {
    at: String,
    path: String,
    record: String,
}

/// The record examples, and the complete settings example.
fn examples() -> (Vec<Example>, String) {
    let all = blocks();
    let mut examples = Vec::new();
    let mut unmarked = Vec::new();
    for b in &all {
        let marked = b.info.split_whitespace().any(|w| w == "record");
        let complete = b.text.starts_with("---\n");
        if complete && !marked {
            unmarked.push(b.at.clone());
        }
        if !marked {
            continue;
        }
        let named = if complete { b.text.lines().nth(1) } else { b.text.lines().next() };
        let path = named
            .and_then(|l| l.strip_prefix("# "))
            .and_then(|l| l.find(".md").map(|end| l[..end + 3].to_string()))
            .filter(|p| p.starts_with("content/"))
            .unwrap_or_else(|| panic!("{}: a record example names its file in a `# content/….md` comment", b.at));
        let record = if complete { b.text.clone() } else { format!("---\n{}---\n", b.text) };
        examples.push(Example { at: b.at.clone(), path, record });
    }
    assert!(unmarked.is_empty(), "blocks that start with `---` but are not marked `record`: {unmarked:?}");
    let settings: Vec<&Block> =
        all.iter().filter(|b| b.info == "toml" && b.text.lines().any(|l| l.trim() == "[site]")).collect();
    assert_eq!(settings.len(), 1, "one complete settings example, in settings.md");
    (examples, settings[0].text.clone())
}

/// The front matter of a record, as JSON.
fn front_matter(record: &str) -> serde_json::Value {
    let fm = record.strip_prefix("---\n").and_then(|r| r.split_once("\n---\n")).map(|(fm, _)| fm).unwrap();
    serde_saphyr::from_str(fm).unwrap()
}

/// Where a record's page is on the site, and whether it is published at all.
fn page_of(path: &str, fm: &serde_json::Value) -> (String, bool) {
    let public = fm["disclosure"].as_str().is_none_or(|d| matches!(d, "public" | "主动公开"));
    if fm["kind"] == "gazette" {
        return (format!("gazette/{}/{}/index.html", fm["year"], fm["number"]), public);
    }
    let id = fm["id"].as_str().map(str::to_string).unwrap_or_else(|| {
        let rel = path.strip_prefix("content/").unwrap().strip_suffix(".md").unwrap();
        rel.strip_suffix("/index").unwrap_or(rel).to_string()
    });
    (format!("docs/{id}/index.html"), public)
}

#[test]
fn the_books_records_pass_check_and_build() {
    let (examples, settings) = examples();
    assert!(examples.len() >= 8, "only {} record examples found", examples.len());
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    let write = |rel: &str, bytes: &[u8]| {
        let p = root.join(rel);
        assert!(!p.exists(), "two examples write {rel}");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    write("gongbao.toml", settings.as_bytes());
    // The settings sign the site with a key the book does not show: make one where they say.
    let cfg: toml::Table = settings.parse().unwrap();
    if let Some(key) = cfg.get("signing").and_then(|s| s.get("secret_key")).and_then(|k| k.as_str()) {
        let key = Path::new(key);
        assert_eq!(key.file_name().unwrap(), "gongbao.key");
        let o = common::run_in(&root, &["keygen", "--out", key.parent().unwrap().to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // Each example's page, whether it is published, and its title.
    let mut pages = Vec::new();
    for e in &examples {
        write(&e.path, e.record.as_bytes());
        let fm = front_matter(&e.record);
        // The files the record lists, as placeholders beside it.
        let dir = Path::new(&e.path).parent().unwrap();
        let files = fm["attachments"].as_array().into_iter().flatten().map(|a| &a["file"]).chain([&fm["pdf"]]);
        for f in files.filter_map(serde_json::Value::as_str) {
            write(dir.join(f).to_str().unwrap(), format!("placeholder for {f}\n").as_bytes());
        }
        let (page, public) = page_of(&e.path, &fm);
        pages.push((&e.at, page, public, fm["title"].as_str().unwrap_or_default().to_string()));
    }
    for (path, fm) in UNSHOWN {
        write(path, format!("---\n{fm}\n---\n正文。\n").as_bytes());
    }

    let o = common::run_in(&root, &["check", "--format", "json", "--as-of", AS_OF]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let errors: Vec<_> =
        report["diagnostics"].as_array().unwrap().iter().filter(|d| d["severity"] == "error").collect();
    assert!(errors.is_empty(), "the book's examples have errors: {errors:#?}");
    assert_eq!(o.status.code(), Some(0));
    // Warnings teach a bad habit too; only a record the book shows without its text may lack one.
    let textless: Vec<String> = examples
        .iter()
        .filter(|e| e.record.split_once("\n---\n").unwrap().1.trim().is_empty())
        .map(|e| e.path.clone())
        .collect();
    let warnings: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        // A log does not name the file of a record that is not public (`Diagnostic::hide_file`).
        .filter(|d| {
            let hidden = d["file"] == gongbao::model::diag::HIDDEN_FILE && !textless.is_empty();
            !(d["rule"] == "empty-text" && (hidden || textless.iter().any(|p| d["file"] == p.as_str())))
        })
        .collect();
    assert!(warnings.is_empty(), "the book's examples have warnings: {warnings:#?}");

    let out = tmp.path().join("public");
    let o = common::run_in(&root, &["build", "--as-of", AS_OF, "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "the book's examples do not build: {}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("SHA256SUMS.minisig").exists(), "the settings example signs the site");
    let site = common::tree(&out);
    for (at, page, public, title) in &pages {
        assert_eq!(out.join(page).is_file(), *public, "the example at {at}: page {page}");
        if !public {
            assert!(!title.is_empty(), "the unpublished example at {at} has no title");
            let title = title.as_bytes();
            let leaks: Vec<_> = site.iter().filter(|(_, b)| b.windows(title.len()).any(|w| w == title)).collect();
            assert!(leaks.is_empty(), "the unpublished example at {at} shows in {:?}", leaks.iter().map(|l| &l.0));
        }
    }
}

/// The worked example of the "Validity" chapter: its two records, the repeal it describes in
/// words, and for each build date in its table the state and the timeline it says the amended
/// regulation has (修改 in the timeline is an amendment, which leaves the state as it was).
#[test]
fn the_validity_chapters_table_holds() {
    let (examples, _) = examples();
    let site = common::Site::new();
    for e in examples.iter().filter(|e| e.at.starts_with("validity.md:")) {
        site.write(&e.path, &e.record);
    }
    site.record(
        "policy/2026-feizhi-gongyuan",
        "kind: policy\ntitle: 示例市人民政府关于废止《示例市城市公园管理办法》的通知\nissuer: 示例市人民政府\npublished: 2026-03-02\nrepeals: [{id: regulations/2019-gongyuan, effective: 2026-04-01}]",
        "正文。\n",
    );
    let chapter = std::fs::read_to_string(common::project().join("book/src/validity.md")).unwrap();
    let table = chapter.split("| `--as-of` |").nth(1).expect("the table of build dates");
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert!(rows.len() >= 5, "{rows:?}");
    for row in rows {
        let (as_of, state, timeline) = (row[0], row[1], row[2]);
        let o = site.run(&["build", "--as-of", as_of, "--out", "public"]);
        assert!(o.status.success(), "as of {as_of}: {}", String::from_utf8_lossy(&o.stderr));
        let data: serde_json::Value =
            serde_json::from_slice(&std::fs::read(site.root().join("public/data/documents.json")).unwrap()).unwrap();
        let doc =
            data["documents"].as_array().unwrap().iter().find(|d| d["id"] == "regulations/2019-gongyuan").unwrap();
        let id = |zh: &str| gongbao::model::State::parse(zh).unwrap_or_else(|| panic!("`{zh}` is no state")).id();
        assert_eq!(doc["state"], id(state), "as of {as_of}");
        let shown: Vec<(String, String)> = doc["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let what = if t["amendment"] == true { "amendment" } else { t["state"].as_str().unwrap() };
                (t["from"].as_str().unwrap().to_string(), what.to_string())
            })
            .collect();
        let said: Vec<(String, String)> = timeline
            .split('；')
            .filter(|p| *p != "……")
            .map(|p| {
                let (date, zh) = p.split_once(' ').unwrap();
                (date.to_string(), if zh == "修改" { "amendment" } else { id(zh) }.to_string())
            })
            .collect();
        if timeline.contains("……") {
            assert!(
                said.iter().all(|s| shown.contains(s)),
                "as of {as_of}: the book says {said:?}, the site {shown:?}"
            );
        } else {
            assert_eq!(said, shown, "as of {as_of}");
        }
    }
}
