//! The legal timeline: back-links on both sides of every relation, point-in-time versions and
//! redlines of a Chinese document, the version checks, and the editorial history from git.

mod common;
use common::{Site, normative};
use std::process::Command;

fn page(s: &Site, path: &str) -> String {
    std::fs::read_to_string(s.root().join("public").join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_relation_shows_on_both_sides() {
    let s = Site::new();
    s.record("base", &normative("基础办法", "2020-01-02"), "x\n");
    s.record(
        "amend",
        &format!(
            "{}\namends: [{{id: base, effective: 2021-03-01, note: 修改第五条}}]",
            normative("修改决定", "2021-02-01")
        ),
        "x\n",
    );
    s.record("old", &normative("旧办法", "2019-01-02"), "x\n");
    s.record("repeal", &format!("{}\nrepeals: [old]", normative("废止决定", "2021-05-01")), "x\n");
    s.record("jd", "kind: interpretation\ntitle: 基础办法解读\ninterprets: base\npublished: 2020-01-02", "x\n");
    s.record("report", "kind: report\ntitle: 意见采纳情况\npublished: 2019-12-20", "x\n");
    s.record("draft", "kind: draft\ntitle: 基础办法（征求意见稿）\npublished: 2019-11-01\nfinal: base\ncomment: {opens: 2019-11-01, closes: 2019-12-01, adoption: report}", "x\n");
    let o = s.run(&["build", "--as-of", "2022-01-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let base = page(&s, "docs/base/index.html");
    for (label, link) in [("被以下文件修改", "/docs/amend/"), ("政策解读", "/docs/jd/"), ("征求意见稿", "/docs/draft/")]
    {
        assert!(base.contains(label) && base.contains(&format!("href=\"{link}\"")), "base lacks {label} → {link}");
    }
    assert!(base.contains("修改第五条"));
    let amend = page(&s, "docs/amend/index.html");
    assert!(amend.contains("修改了") && amend.contains("href=\"/docs/base/\""));
    let old = page(&s, "docs/old/index.html");
    assert!(old.contains("被以下文件废止") && old.contains("href=\"/docs/repeal/\""));
    let repeal = page(&s, "docs/repeal/index.html");
    assert!(repeal.contains("废止了") && repeal.contains("href=\"/docs/old/\""));
    let jd = page(&s, "docs/jd/index.html");
    assert!(jd.contains("本文件解读的是") && jd.contains("href=\"/docs/base/\""));
    let draft = page(&s, "docs/draft/index.html");
    assert!(draft.contains("正式文件") && draft.contains("意见采纳情况") && draft.contains("href=\"/docs/report/\""));
    let report = page(&s, "docs/report/index.html");
    assert!(report.contains("本报告说明的征求意见稿") && report.contains("href=\"/docs/draft/\""));
}

fn versioned_site() -> Site {
    let s = Site::new();
    s.write(
        "content/rule/index.md",
        &format!("---\n{}\neffective: 2020-01-01\n---\n第一条 为了规范管理，保障公众权益，制定本办法。\n\n第二条 违反规定的，处一万元罚款。\n\n第四条 本办法自公布之日起施行。\n", normative("管理办法", "2019-12-01")),
    );
    s.write("content/rule/versions/2020-01-01.md", "第一条 为了规范管理，制定本办法。\n\n第二条 违反规定的，处五千元罚款。\n\n第三条 本办法由市司法局负责解释。\n\n第四条 本办法自公布之日起施行。\n");
    s.record(
        "change",
        &format!("{}\namends: [{{id: rule, effective: 2022-07-01}}]", normative("修改决定", "2022-06-01")),
        "x\n",
    );
    s
}

#[test]
fn versions_have_pages_and_the_page_shows_the_text_in_force() {
    let s = versioned_site();
    let o = s.run(&["build", "--as-of", "2021-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Before the amendment was published, only the original text is known and in force.
    assert!(page(&s, "docs/rule/index.html").contains("处五千元罚款"));
    assert!(s.run(&["build", "--as-of", "2022-06-15"]).status.success());
    // Published but not yet in force: the page still shows the old text, and both are listed.
    let p = page(&s, "docs/rule/index.html");
    assert!(p.contains("处五千元罚款") && !p.contains("处一万元罚款"), "the text in force on the build date");
    assert!(p.contains("href=\"/docs/rule/2022-07-01/\"") && p.contains("href=\"/docs/rule/2020-01-01/\""));
    assert!(page(&s, "docs/rule/2022-07-01/index.html").contains("处一万元罚款"));
    assert!(s.run(&["build", "--as-of", "2023-01-01"]).status.success());
    assert!(page(&s, "docs/rule/index.html").contains("处一万元罚款"));
}

/// The `<li>` of the version list for the text dated `date`.
fn version_item(p: &str, date: &str) -> String {
    let start = p.find(&format!("data-text-from=\"{date}\"")).unwrap_or_else(|| panic!("no text of {date}"));
    p[start..p[start..].find("</li>").unwrap() + start].to_string()
}

#[test]
fn an_amended_documents_texts_in_force_and_amended_and_their_captions() {
    let s = versioned_site();
    // Published, not yet in force: the first text is the one in force, none is amended yet,
    // and the page shows the first text, which no amendment made, so no 题注.
    assert!(s.run(&["build", "--as-of", "2022-06-15"]).status.success());
    let p = page(&s, "docs/rule/index.html");
    let first = version_item(&p, "2020-01-01");
    assert!(
        first.contains("data-text-in-force>现行有效文本") && first.contains("data-text-superseded hidden>"),
        "{first}"
    );
    let next = version_item(&p, "2022-07-01");
    assert!(next.contains("data-text-in-force hidden>") && !next.contains("data-text-superseded"), "{next}");
    assert!(!p.contains("class=\"tizhu\""), "{p}");
    // The page of the amended text already has its 题注.
    let caption = "<p class=\"tizhu\">（2019年12月1日测试市人民政府办公室公布　根据2022年6月1日<a href=\"/docs/change/\">《修改决定》</a>修正）</p>";
    assert!(page(&s, "docs/rule/2022-07-01/index.html").contains(caption));
    // In force: the amended text is the one in force and the page's; the first is amended.
    assert!(s.run(&["build", "--as-of", "2023-01-01"]).status.success());
    let p = page(&s, "docs/rule/index.html");
    let first = version_item(&p, "2020-01-01");
    assert!(
        first.contains("data-text-in-force hidden>") && first.contains("data-text-superseded>已被修改（历史文本）"),
        "{first}"
    );
    assert!(version_item(&p, "2022-07-01").contains("data-text-in-force>现行有效文本"));
    assert!(p.contains(caption) && p.contains("data-state>有效</span>"), "{p}");
    // The first text's own page says it was amended, and has no 题注.
    let old = page(&s, "docs/rule/2020-01-01/index.html");
    let note = old.split("<p class=\"notice-box version-note\"").nth(1).unwrap().split("</p>").next().unwrap();
    assert!(note.contains("data-text-superseded data-text-until=\"2022-07-01\">已被修改（历史文本）"), "{note}");
    assert!(!old.contains("class=\"tizhu\""));
}

#[test]
fn redline_of_a_chinese_document() {
    let s = versioned_site();
    assert!(s.run(&["build", "--as-of", "2023-01-01"]).status.success());
    let d = page(&s, "docs/rule/diff/2020-01-01..2022-07-01/index.html");
    assert!(
        d.contains("<ins><span class=\"cue\">〔新增〕</span>保障公众权益，<span class=\"cue\">〔/新增〕</span></ins>"),
        "inserted sentence"
    );
    assert!(
        d.contains("<del><span class=\"cue\">〔删除〕</span>五千<span class=\"cue\">〔/删除〕</span></del><ins><span class=\"cue\">〔新增〕</span>一万<span class=\"cue\">〔/新增〕</span></ins>"),
        "changed number"
    );
    assert!(
        d.contains(
            "<p class=\"deleted\"><del><span class=\"cue\">〔删除〕</span>第三条 本办法由市司法局负责解释。<span class=\"cue\">〔/删除〕</span></del></p>"
        ),
        "deleted clause"
    );
    assert!(d.contains("<p class=\"same\">第四条 本办法自公布之日起施行。</p>"));
}

#[test]
fn redlines_compare_the_published_text_not_the_source() {
    let s = versioned_site();
    s.record(
        "mimi",
        &format!("{}\ndisclosure: withheld\ndisclosure_reason: 涉密", normative("内部文件", "2019-01-02")),
        "x\n",
    );
    let hidden = "依照[内部规定](doc:mimi)与<doc:mimi>办理。<!-- MARKER-COMMENT -->\n\n<div data-note=\"MARKER-HTML\">\n</div>\n";
    s.write("content/rule/versions/2020-01-01.md", &format!("第一条 为了规范管理，制定本办法。\n\n第二条 违反规定的，处五千元罚款。\n\n第四条 本办法自公布之日起施行。\n\n{hidden}"));
    let current = std::fs::read_to_string(s.root().join("content/rule/index.md")).unwrap();
    s.write("content/rule/index.md", &format!("{current}\n{}", hidden.replace("办理", "从严办理")));
    let o = s.run(&["build", "--as-of", "2023-01-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let d = page(&s, "docs/rule/diff/2020-01-01..2022-07-01/index.html");
    for bad in ["mimi", "MARKER", "<!--", "data-note"] {
        assert!(!d.contains(bad), "{bad} in the redline:\n{d}");
    }
    // Paragraphs still align, and link text stays.
    assert!(
        d.contains("<p class=\"changed\">依照内部规定与<ins><span class=\"cue\">〔新增〕</span>从严<span class=\"cue\">〔/新增〕</span></ins>办理。</p>"),
        "{d}"
    );
    assert!(
        d.contains("<del><span class=\"cue\">〔删除〕</span>五千<span class=\"cue\">〔/删除〕</span></del><ins><span class=\"cue\">〔新增〕</span>一万<span class=\"cue\">〔/新增〕</span></ins>"),
        "{d}"
    );
}

#[test]
fn version_checks() {
    let s = versioned_site();
    s.write("content/rule/versions/2019-06-01.md", "更早的文本。\n");
    s.write("content/rule/versions/2023-01-01.md", "比现行文本还晚。\n");
    s.write("content/rule/versions/draft.md", "不是日期。\n");
    s.write("content/rule/versions/2021-01-01.md", "---\ntitle: x\n---\n有元数据。\n");
    let f = s.findings("version-date");
    assert_eq!(
        f,
        vec![("content/rule/versions/2019-06-01.md".into(), 1), ("content/rule/versions/2023-01-01.md".into(), 1)]
    );
    let f = s.findings("version");
    assert_eq!(
        f,
        vec![("content/rule/versions/2021-01-01.md".into(), 1), ("content/rule/versions/draft.md".into(), 1)]
    );
}

#[test]
fn repeal_by_a_record_not_yet_in_force_is_a_warning() {
    let s = Site::new();
    s.record("old", &normative("旧办法", "2019-01-02"), "x\n");
    s.record(
        "repeal",
        &format!("{}\neffective: 2030-01-01\nrepeals: [old]", normative("废止决定", "2025-05-01")),
        "x\n",
    );
    assert_eq!(s.findings("repeal-pending"), vec![("content/repeal.md".into(), 7)]);
}

#[test]
fn editorial_history_comes_from_git() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "第一稿。\n");
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    assert!(
        page(&s, "docs/a/index.html").contains("不在 git 版本库中"),
        "a site outside git says history is unavailable"
    );
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .current_dir(s.root())
            .args(args)
            .env("GIT_AUTHOR_DATE", "2024-01-05T10:00:00+08:00")
            .env("GIT_COMMITTER_DATE", "2024-01-05T10:00:00+08:00")
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q"]);
    git(&["-c", "user.name=编辑", "-c", "user.email=e@example.invalid", "add", "."]);
    git(&["-c", "user.name=编辑", "-c", "user.email=e@example.invalid", "commit", "-qm", "收录《甲》"]);
    s.record("a", &normative("甲", "2024-01-02"), "第二稿。\n");
    git(&["-c", "user.name=编辑", "-c", "user.email=e@example.invalid", "commit", "-qam", "更正《甲》文字错误"]);
    s.record("b", &normative("乙", "2024-01-02"), "x\n");
    git(&["-c", "user.name=编辑", "-c", "user.email=e@example.invalid", "add", "."]);
    git(&["-c", "user.name=编辑", "-c", "user.email=e@example.invalid", "commit", "-qm", "收录《乙》"]);
    s.write("gongbao.toml", &format!("{}\n[history]\nsubjects = true\n", common::CONFIG));
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    let p = page(&s, "docs/a/index.html");
    assert!(p.contains("更正《甲》文字错误") && p.contains("收录《甲》") && p.contains("2024-01-05"), "{p}");
    assert!(!p.contains("收录《乙》"), "a commit that did not touch the file is not in its history");
    assert!(p.find("更正《甲》").unwrap() < p.find("收录《甲》").unwrap(), "newest first");
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.root().join("public/data/documents.json")).unwrap()).unwrap();
    let a = data["documents"].as_array().unwrap().iter().find(|d| d["id"] == "a").unwrap();
    assert_eq!(a["history"].as_array().unwrap().len(), 2);
}

#[test]
fn a_site_built_as_of_a_day_shows_only_the_texts_known_then() {
    let s = versioned_site();
    s.write(
        "content/rule/versions/2021-01-01.md",
        "第一条 为了规范管理，制定本办法。\n\n第二条 违反规定的，处八千元罚款。\n",
    );
    s.record(
        "change1",
        &format!("{}\namends: [{{id: rule, effective: 2021-01-01}}]", normative("第一次修改决定", "2020-12-01")),
        "x\n",
    );
    assert!(s.run(&["build", "--as-of", "2020-06-01"]).status.success());
    assert!(s.root().join("public/docs/rule/2020-01-01/index.html").exists());
    assert!(!s.root().join("public/docs/rule/2021-01-01").exists(), "a text whose amendment was not yet published");
    assert!(!page(&s, "docs/rule/index.html").contains("八千"));
    assert!(s.run(&["build", "--as-of", "2020-12-15"]).status.success());
    assert!(s.root().join("public/docs/rule/2021-01-01/index.html").exists());
}

/// `text.md` is the text the page shows on the build date: before the amendment that brought
/// the newer text is published, the earlier one; after, the newer.
#[test]
fn text_md_follows_the_text_known_on_the_build_date() {
    let s = versioned_site();
    assert!(s.run(&["build", "--as-of", "2022-05-01"]).status.success());
    let before = page(&s, "docs/rule/text.md");
    assert!(before.contains("处五千元罚款") && before.contains("第三条"), "{before}");
    assert!(!before.contains("一万元"), "the amendment's text before the amendment is published:\n{before}");
    assert!(page(&s, "docs/rule/index.html").contains("五千元"), "the page shows the same text");
    assert!(s.run(&["build", "--as-of", "2022-08-01"]).status.success());
    let after = page(&s, "docs/rule/text.md");
    assert!(after.contains("处一万元罚款") && !after.contains("五千元") && !after.contains("第三条"), "{after}");
    // The earlier text keeps its own page; text.md is only the current one.
    assert!(page(&s, "docs/rule/2020-01-01/index.html").contains("五千元"));
}

#[test]
fn links_in_version_files_are_checked_and_their_files_published() {
    let s = versioned_site();
    s.write("content/rule/old-table.csv", "a\n1\n");
    s.write("content/rule/versions/2020-01-01.md", "第一条 见[旧表](old-table.csv)与[别处](doc:nowhere)。\n");
    assert_eq!(s.findings("unknown-ref"), vec![("content/rule/versions/2020-01-01.md".into(), 1)]);
    s.write("content/rule/versions/2020-01-01.md", "第一条 见[旧表](old-table.csv)。\n");
    assert!(s.run(&["build", "--as-of", "2023-01-01"]).status.success());
    assert!(s.root().join("public/docs/rule/old-table.csv").exists());
}

#[test]
fn a_versions_folder_without_a_folder_record_is_reported_and_not_read_as_records() {
    let s = Site::new();
    s.record("plain", &normative("普通文件", "2020-01-02"), "x\n");
    s.write("content/plain/versions/2019-01-01.md", "旧文本。\n");
    s.write("content/plain/versions/sub/x.md", "---\nkind: notice\ntitle: 不是记录\npublished: 2020-01-02\n---\nx\n");
    assert_eq!(s.findings("version").len(), 2);
    let (_, v) = s.check_json(&[]);
    assert!(!v.to_string().contains("不是记录"));
}

#[test]
fn commit_subjects_are_published_only_when_the_site_opts_in() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "第一稿。\n");
    s.record("gone", &normative("丙", "2024-01-02"), "x\n");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .current_dir(s.root())
            .args(["-c", "user.name=编辑", "-c", "user.email=e@example.invalid"])
            .args(args)
            .env("GIT_AUTHOR_DATE", "2024-01-05T10:00:00+08:00")
            .env("GIT_COMMITTER_DATE", "2024-01-05T10:00:00+08:00")
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "收录《甲》 SUBJECT-MARKER-1 及不予公开的《秘》"]);
    s.record("a", &normative("甲", "2024-01-02"), "第二稿。\n");
    git(&["commit", "-qam", "更正 SUBJECT-MARKER-2"]);
    git(&["mv", "content/gone.md", "content/moved.md"]);
    git(&["commit", "-qm", "改名 SUBJECT-MARKER-3"]);
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (p, bytes) in common::tree(&s.root().join("public")) {
        assert!(!String::from_utf8_lossy(&bytes).contains("SUBJECT-MARKER"), "a commit subject in {p}");
    }
    // What is published by default: date, short hash and the kind of change.
    let p = page(&s, "docs/a/index.html");
    assert!(
        p.contains("2024-01-05") && p.contains("change-added\">新增<") && p.contains("change-modified\">修改<"),
        "{p}"
    );
    assert!(page(&s, "docs/moved/index.html").contains("change-renamed\">改名<"));
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.root().join("public/data/documents.json")).unwrap()).unwrap();
    let a = data["documents"].as_array().unwrap().iter().find(|d| d["id"] == "a").unwrap();
    let changes: Vec<&str> = a["history"].as_array().unwrap().iter().map(|c| c["change"].as_str().unwrap()).collect();
    assert_eq!(changes, ["modified", "added"]);
    assert!(a["history"][0].get("subject").is_none(), "{a}");
    // A site that opts in publishes them.
    s.write("gongbao.toml", &format!("{}\n[history]\nsubjects = true\n", common::CONFIG));
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(page(&s, "docs/a/index.html").contains("更正 SUBJECT-MARKER-2"));
    let json = std::fs::read_to_string(s.root().join("public/data/documents.json")).unwrap();
    assert!(json.contains("SUBJECT-MARKER-1") && json.contains("SUBJECT-MARKER-3"));
}
