//! Each check in scope fires on a fixture made to trip it, naming the right file and line.

mod common;
use common::{Site, normative};

fn one(site: &Site, rule: &str) -> (String, u64) {
    let f = site.findings(rule);
    assert_eq!(f.len(), 1, "expected one `{rule}` finding, got {f:?}");
    f[0].clone()
}

#[test]
fn clean_site_has_no_findings_and_exits_zero() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    let (code, v) = s.check_json(&[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["errors"], 0);
}

#[test]
fn invalid_yaml_names_file_and_line() {
    let s = Site::new();
    s.record("a", "kind: normative\ntitle: [unclosed\npublished: 2024-01-02", "x\n");
    let (file, line) = one(&s, "yaml");
    assert_eq!(file, "content/a.md");
    assert!((3..=4).contains(&line), "line {line}");
    assert_eq!(s.check_json(&[]).0, 1);
}

#[test]
fn unknown_key_is_an_error_at_its_line_with_a_suggestion() {
    let s = Site::new();
    s.record("a", &format!("{}\ntitel: 乙", normative("甲", "2024-01-02")), "x\n");
    assert_eq!(one(&s, "unknown-key"), ("content/a.md".into(), 6));
    let (_, v) = s.check_json(&[]);
    let d = &v["diagnostics"][0];
    assert!(d["help"].as_str().unwrap().contains("title"), "{d}");
}

#[test]
fn declared_extra_keys_pass() {
    let s = Site::new();
    s.write("gongbao.toml", &format!("extra_keys = [\"source_url\"]\n{}", common::CONFIG));
    s.record("a", &format!("{}\nsource_url: https://x.example/", normative("甲", "2024-01-02")), "x\n");
    assert!(s.findings("unknown-key").is_empty());
}

#[test]
fn missing_required_keys() {
    let s = Site::new();
    s.record("a", "kind: normative\ntitle: 甲", "x\n");
    assert_eq!(one(&s, "missing-key"), ("content/a.md".into(), 1));
}

#[test]
fn bad_dates_and_date_order() {
    let s = Site::new();
    s.record("a", "kind: normative\ntitle: 甲\npublished: 2024-02-30", "x\n");
    assert_eq!(one(&s, "date"), ("content/a.md".into(), 4));
    let s = Site::new();
    s.record("b", "kind: normative\ntitle: 乙\nsigned: 2024-03-01\npublished: 2024-02-01", "x\n");
    assert_eq!(one(&s, "date-order"), ("content/b.md".into(), 4));
    let s = Site::new();
    s.record("c", "kind: normative\ntitle: 丙\npublished: 2024-02-01\neffective: 2024-03-01\nexpires: 2024-01-01", "x\n");
    assert_eq!(one(&s, "date-order"), ("content/c.md".into(), 6));
}

#[test]
fn yaml_does_not_turn_no_on_yes_into_booleans() {
    let s = Site::new();
    s.record("a", "kind: normative\ntitle: no\npublished: 2024-01-02\nkeywords: [on, yes, off]", "x\n");
    let (code, v) = s.check_json(&[]);
    assert_eq!(code, 0, "{v}");
    let out = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(out.status.success());
    let page = std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap();
    assert!(page.contains("<h1 class=\"doc-title\">no</h1>"));
    assert!(page.contains("on；yes；off"));
}

#[test]
fn duplicate_ids_and_index_numbers() {
    let s = Site::new();
    s.record("a", &format!("{}\nindex_no: 123456789/2024-00001", normative("甲", "2024-01-02")), "x\n");
    s.record("b", &format!("id: a\n{}\nindex_no: 123456789/2024-00001", normative("乙", "2024-01-02")), "x\n");
    assert_eq!(one(&s, "duplicate-id"), ("content/b.md".into(), 2));
    assert_eq!(one(&s, "duplicate-index-no"), ("content/b.md".into(), 7));
}

#[test]
fn references_to_missing_ids() {
    let s = Site::new();
    s.record("a", &format!("{}\namends: [nowhere]", normative("甲", "2024-01-02")), "见[办法](doc:missing/doc)。\n");
    let f = s.findings("unknown-ref");
    assert_eq!(f, vec![("content/a.md".into(), 6), ("content/a.md".into(), 8)]);
}

#[test]
fn relation_cycles() {
    let s = Site::new();
    s.record("a", &format!("{}\namends: [b]", normative("甲", "2024-01-02")), "x\n");
    s.record("b", &format!("{}\nrepeals: [a]", normative("乙", "2024-01-02")), "x\n");
    let f = s.findings("cycle");
    assert_eq!(f.len(), 1, "{f:?}");
}

#[test]
fn malformed_numbers() {
    let s = Site::new();
    s.record("a", &format!("{}\ndoc_number: 青政发2024第三号\nindex_no: 12/2024-1", normative("甲", "2024-01-02")), "x\n");
    assert_eq!(one(&s, "doc-number"), ("content/a.md".into(), 6));
    assert_eq!(one(&s, "index-no"), ("content/a.md".into(), 7));
    let s = Site::new();
    s.record("b", &format!("{}\ndoc_number: 青政发[2024]07号\nregistration_no: QC-1", normative("乙", "2024-01-02")), "x\n");
    assert_eq!(one(&s, "doc-number-brackets"), ("content/b.md".into(), 6));
    assert_eq!(one(&s, "doc-number-zeros"), ("content/b.md".into(), 6));
    assert_eq!(one(&s, "registration-no"), ("content/b.md".into(), 7));
    // The mendable quirks are warnings; the registration pattern is an error.
    let (code, _) = s.check_json(&[]);
    assert_eq!(code, 1);
}

#[test]
fn interpretation_published_later_than_its_document() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "x\n");
    s.record("jd", "kind: interpretation\ntitle: 解读\ninterprets: a\npublished: 2024-01-09", "x\n");
    assert_eq!(one(&s, "interpretation-late"), ("content/jd.md".into(), 5));
}

#[test]
fn drafts_need_a_comment_period_and_then_an_adoption_report() {
    let s = Site::new();
    s.record("d", "kind: draft\ntitle: 稿\npublished: 2024-01-02", "x\n");
    assert_eq!(one(&s, "draft-comment"), ("content/d.md".into(), 1));
    let s = Site::new();
    s.record("d", "kind: draft\ntitle: 稿\npublished: 2024-01-02\ncomment: {opens: 2024-01-02, closes: 2024-02-01}", "x\n");
    assert_eq!(one(&s, "draft-adoption"), ("content/d.md".into(), 5));
}

#[test]
fn attachments_and_links_that_point_nowhere_or_outside() {
    let s = Site::new();
    s.write("content/a/real.csv", "a,b\n");
    s.write("secret.txt", "top secret\n");
    s.write(
        "content/a/index.md",
        &format!("---\n{}\nattachments:\n  - {{file: real.csv, title: 表}}\n  - {{file: gone.pdf, title: 缺}}\n  - {{file: ../../secret.txt, title: 外}}\n---\n见[表](real.csv)与[缺](nope.csv)。\n", normative("甲", "2024-01-02")),
    );
    assert_eq!(s.findings("missing-file"), vec![("content/a/index.md".into(), 8), ("content/a/index.md".into(), 11)]);
    assert_eq!(one(&s, "outside"), ("content/a/index.md".into(), 9));
}

#[test]
fn files_of_other_records_are_outside_the_record() {
    let s = common::site_naming_other_records_files();
    let f = s.findings("outside");
    assert_eq!(
        f,
        vec![
            ("content/d/index.md".into(), 8),
            ("content/d/index.md".into(), 11),
            ("content/d/index.md".into(), 11),
            ("content/d/index.md".into(), 13),
            ("content/d/versions/2020-01-01.md".into(), 1),
            ("content/d/versions/2020-01-01.md".into(), 1),
        ]
    );
    assert!(s.findings("missing-file").is_empty());
    let (code, v) = s.check_json(&["--as-of", "2026-01-01"]);
    assert_eq!(code, 1);
    let msgs: Vec<String> = v["diagnostics"].as_array().unwrap().iter().filter(|d| d["rule"] == "outside").map(|d| d.to_string()).collect();
    assert!(msgs.iter().any(|m| m.contains("content/d/secret.md") && m.contains("doc:")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("content/d/sec2/")), "{msgs:?}");
    // A plain record beside a folder record's index.md does not own that folder's files either.
    let s = Site::new();
    s.write("content/a/index.md", &format!("---\n{}\n---\nx\n", normative("甲", "2024-01-02")));
    s.write("content/a/att.txt", "x\n");
    s.record("a/b", &normative("乙", "2024-01-02"), "见[附](att.txt)。\n");
    assert_eq!(s.findings("outside"), vec![("content/a/b.md".into(), 7)]);
}

#[test]
fn kind_specific_keys_on_the_wrong_kind() {
    let s = Site::new();
    s.record("a", &format!("{}\nyear: 2024", normative("甲", "2024-01-02")), "x\n");
    assert_eq!(one(&s, "kind-key"), ("content/a.md".into(), 6));
}

#[test]
fn raw_html_that_runs_script_is_reported_and_removed() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文\n\n<script>alert(1)</script>\n\n<img src=https://e.cn/x.png onerror=\"alert(2)\">\n\n[点](javascript:alert(3))\n");
    let f = s.findings("raw-html");
    assert_eq!(f, vec![("content/a.md".into(), 9), ("content/a.md".into(), 11), ("content/a.md".into(), 13)]);
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    let page = std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap().to_ascii_lowercase();
    let body = &page[page.find("<div class=\"body\">").unwrap()..page.find("class=\"checksum\"").unwrap()];
    for bad in ["<script", "onerror", "javascript:", "alert(1)"] {
        assert!(!body.contains(bad), "{bad} reached the page: {body}");
    }
}

#[test]
fn gazette_issue_rules() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-02-02"), "x\n");
    s.record("g1", "kind: gazette\nyear: 2024\nnumber: 1\npublished: 2024-01-31\nsections:\n  - title: 文件\n    items:\n      - {doc: a, page: 3}", "");
    s.record("g2", "kind: gazette\nyear: 2024\nnumber: 1\npublished: 2024-03-31\nsections:\n  - title: 文件\n    items:\n      - {doc: a, page: 3}", "");
    assert_eq!(one(&s, "issue-date"), ("content/g1.md".into(), 9));
    assert_eq!(one(&s, "duplicate-issue"), ("content/g2.md".into(), 4));
    assert_eq!(one(&s, "issue-twice"), ("content/g2.md".into(), 9));
}

#[test]
fn withheld_needs_a_reason() {
    let s = Site::new();
    s.record("a", &format!("{}\ndisclosure: withheld", normative("甲", "2024-01-02")), "x\n");
    assert_eq!(one(&s, "disclosure-reason"), ("content/a.md".into(), 6));
}

#[test]
fn severity_can_be_changed_in_settings() {
    let s = Site::new();
    s.write("gongbao.toml", &format!("{}\n[rules]\nempty-text = \"error\"\n", common::CONFIG));
    s.record("a", &normative("甲", "2024-01-02"), "");
    let (code, v) = s.check_json(&[]);
    assert_eq!(code, 1, "{v}");
    s.write("gongbao.toml", &format!("{}\n[rules]\nempty-text = \"off\"\n", common::CONFIG));
    let (code, v) = s.check_json(&[]);
    assert_eq!((code, v["warnings"].as_u64()), (0, Some(0)), "{v}");
}

#[test]
fn messages_follow_the_site_language() {
    let s = Site::new();
    s.record("a", "kind: normative\ntitle: 甲\npublished: 2024-13-01", "x\n");
    let zh = String::from_utf8(s.run(&["check"]).stderr).unwrap();
    assert!(zh.contains("错误[date]") && zh.contains("content/a.md:4:"), "{zh}");
    s.write("gongbao.toml", &common::CONFIG.replace("[site]\n", "[site]\nlanguage = \"en\"\n"));
    let en = String::from_utf8(s.run(&["check"]).stderr).unwrap();
    assert!(en.contains("error[date]") && en.contains("does not exist"), "{en}");
}

#[test]
fn rule_settings_name_real_rules_and_cannot_relax_reading_rules() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "x\n");
    s.write("gongbao.toml", &format!("{}\n[rules]\nempty-txt = \"off\"\n", common::CONFIG));
    let o = s.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("empty-txt"));
    s.write("gongbao.toml", &format!("{}\n[rules]\nyaml = \"warning\"\n", common::CONFIG));
    assert_eq!(s.run(&["check"]).status.code(), Some(1));
}
