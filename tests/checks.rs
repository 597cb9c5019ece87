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

/// A control character (an escape sequence pasted from a terminal, a form feed from an old
/// word processor) never reaches a page or a feed, where XML forbids it: written in the file or
/// by a YAML escape, it is an error at its place, and nothing is built.
#[test]
fn control_characters_are_refused_where_they_are_written() {
    let s = Site::new();
    let finding = |s: &Site| -> (String, u64, u64) {
        let (code, v) = s.check_json(&[]);
        assert_eq!(code, 1, "{v}");
        let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["severity"] == "error").cloned().unwrap();
        (d["rule"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap())
    };
    for escape in ["\\u001b[31m", "\\0", "\\e", "\\x0c", "\\u0085"] {
        s.record(
            "a",
            &format!("kind: normative\ntitle: \"甲{escape}乙\"\nissuer: 测试市人民政府办公室\npublished: 2024-01-02"),
            "正文。\n",
        );
        assert_eq!(finding(&s), ("yaml".to_string(), 3, 8), "{escape}");
    }
    s.record("a", &normative("甲", "2024-01-02"), "正文\u{1b}[31m红字。\n");
    assert_eq!(finding(&s), ("encoding".to_string(), 7, 3));
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!s.root().join("public").exists(), "a failed build left output");
    // Tabs and both line endings are text.
    s.record("a", &normative("甲", "2024-01-02"), "正文\t甲。\r\n乙。\r\n");
    assert_eq!(s.check_json(&[]).0, 0);
}

/// A quote left open is named where it opens, not where the parser gave up lines later.
#[test]
fn an_unclosed_quote_is_named_where_it_opens() {
    let at = |s: &Site| -> (u64, u64, String) {
        let (code, v) = s.check_json(&[]);
        assert_eq!(code, 1, "{v}");
        let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "yaml").cloned();
        let d = d.unwrap_or_else(|| panic!("no yaml finding: {v}"));
        (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap(), d["message"].as_str().unwrap().to_string())
    };
    let s = Site::new();
    let rest = "issuer: 测试市人民政府办公室\npublished: 2024-01-02";
    for (title, col) in [("\"甲", 8), ("'甲", 8), ("'甲''乙", 8), ("\"甲\\\"乙", 8)] {
        s.record("a", &format!("kind: normative\ntitle: {title}\n{rest}"), "正文。\n");
        let (line, column, message) = at(&s);
        assert_eq!((line, column), (3, col), "{title}: {message}");
        assert!(message.contains("引号"), "{message}");
    }
    // A quoted value over two lines that is closed does not hide the one left open after it.
    s.record("a", "kind: normative\ntitle: \"甲\n  乙\"\nissuer: '测试市\npublished: 2024-01-02", "正文。\n");
    let (line, column, _) = at(&s);
    assert_eq!((line, column), (5, 9));
    // Nor does a quote in the text of a block scalar.
    s.record(
        "a",
        "kind: normative\ntitle: 甲\nissuer: |\n  'tis\n  \"x\nkeywords: [\"乙]\npublished: 2024-01-02",
        "正文。\n",
    );
    let (line, column, _) = at(&s);
    assert_eq!((line, column), (7, 12));
    // A quote inside a value, or after `#`, opens nothing: the finding stays where the parser put
    // it when something else is wrong.
    s.record("a", "kind: normative\ntitle: 甲'乙 # '\nissuer: [未闭合\npublished: 2024-01-02", "正文。\n");
    let (line, _, message) = at(&s);
    assert!(!message.contains("这里开始的引号"), "{message}");
    assert!((4..=5).contains(&line), "{line}");
}

#[test]
fn unknown_key_is_an_error_at_its_line_with_a_suggestion() {
    let s = Site::new();
    s.record("a", &format!("{}\ntitel: 乙", normative("甲", "2024-01-02")), "x\n");
    assert_eq!(one(&s, "unknown-key"), ("content/a.md".into(), 6));
    let (_, v) = s.check_json(&[]);
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "unknown-key").unwrap();
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
    s.record(
        "c",
        "kind: normative\ntitle: 丙\npublished: 2024-02-01\neffective: 2024-03-01\nexpires: 2024-01-01",
        "x\n",
    );
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
    s.record(
        "a",
        &format!("{}\ndoc_number: 青政发2024第三号\nindex_no: 12/2024-1", normative("甲", "2024-01-02")),
        "x\n",
    );
    assert_eq!(one(&s, "doc-number"), ("content/a.md".into(), 6));
    assert_eq!(one(&s, "index-no"), ("content/a.md".into(), 7));
    let s = Site::new();
    s.record(
        "b",
        &format!("{}\ndoc_number: 青政发[2024]07号\nregistration_no: QC-1", normative("乙", "2024-01-02")),
        "x\n",
    );
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
fn interpretation_published_before_its_document() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-09"), "x\n");
    s.record("jd", "kind: interpretation\ntitle: 解读\ninterprets: a\npublished: 2024-01-02", "x\n");
    assert_eq!(one(&s, "interpretation-early"), ("content/jd.md".into(), 5));
    assert!(s.findings("interpretation-late").is_empty());
    // The same day is right.
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-09"), "x\n");
    s.record("jd", "kind: interpretation\ntitle: 解读\ninterprets: a\npublished: 2024-01-09", "x\n");
    assert!(s.findings("interpretation-early").is_empty() && s.findings("interpretation-late").is_empty());
}

#[test]
fn a_public_record_dated_after_the_build_is_reported_as_held_back() {
    let s = Site::new();
    s.record("a", &normative("甲", "2204-01-02"), "x\n");
    s.record("b", &format!("{}\ndisclosure: withheld\ndisclosure_reason: 内部", normative("乙", "2204-01-02")), "x\n");
    s.record("c", &normative("丙", "2024-01-02"), "x\n");
    // Only the public one, at its `published` line; a warning, so the build goes on.
    assert_eq!(one(&s, "future-published"), ("content/a.md".into(), 5));
    let (code, v) = s.check_json(&[]);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn the_same_document_number_or_title_and_date_twice_is_reported() {
    let s = Site::new();
    s.record("a", &format!("{}\ndoc_number: 青政发〔2024〕7号", normative("甲", "2024-01-02")), "x\n");
    // The same number written with other brackets is the same number.
    s.record("b", &format!("{}\ndoc_number: 青政发[2024]7号", normative("乙", "2024-02-02")), "x\n");
    s.record("c", &normative("甲", "2024-01-02"), "x\n");
    s.record("d", &normative("甲", "2024-03-02"), "x\n");
    assert_eq!(one(&s, "duplicate-doc-number"), ("content/b.md".into(), 6));
    assert_eq!(one(&s, "duplicate-title"), ("content/c.md".into(), 3));
}

#[test]
fn personal_data_in_a_public_text_is_an_error_that_never_shows_the_number() {
    // A made-up identity number with a valid check digit, a mobile number, a card number.
    let (id, mobile, card) = ("11010519491231002X", "13812345678", "6222020200000000006");
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), &format!("当事人身份证号{id}，\n\n电话 {mobile}。\n"));
    s.record(
        "b",
        &format!("{}\ndisclosure: withheld\ndisclosure_reason: 内部", normative("乙", "2024-01-02")),
        &format!("{id}\n"),
    );
    s.write("content/c/index.md", &format!("---\n{}\n---\n现行文本。\n", normative("丙", "2024-01-02")));
    s.write("content/c/versions/2024-01-02.md", &format!("原文本，账号 {card}。\n"));
    s.record("d", &normative(&format!("关于{mobile}的通知"), "2024-01-02"), "正文。\n");
    let f = s.findings("personal-data");
    let places: Vec<(&str, u64)> = f.iter().map(|(p, l)| (p.as_str(), *l)).collect();
    assert_eq!(
        places,
        [("content/a.md", 7), ("content/a.md", 9), ("content/c/versions/2024-01-02.md", 1), ("content/d.md", 3)],
        "the withheld record is not checked"
    );
    for out in [s.run(&["check"]), s.run(&["check", "--format", "json"])] {
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(all.contains("110105********002X") && all.contains("138****5678"), "{all}");
        for n in [id, mobile, card] {
            assert!(!all.contains(n), "the whole number {n} is in the output:\n{all}");
        }
        assert_eq!(out.status.code(), Some(1));
    }
    // Listed records are not checked; the others still are.
    s.write(
        "gongbao.toml",
        &format!(
            "{}\n[personal_data]\nallow = [\"a\", \"c/\"]\n",
            std::fs::read_to_string(s.root().join("gongbao.toml")).unwrap()
        ),
    );
    let places: Vec<String> = s.findings("personal-data").into_iter().map(|(p, _)| p).collect();
    assert_eq!(places, ["content/c/versions/2024-01-02.md", "content/d.md"]);
}

#[test]
fn a_public_record_is_reviewed_before_it_is_published() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-09"), "x\n");
    s.record(
        "b",
        &format!("{}\nreview: {{by: 王, on: 2024-01-10, result: 同意公开}}", normative("乙", "2024-01-09")),
        "x\n",
    );
    s.record(
        "c",
        &format!("{}\nreview: {{by: 王, on: 2024-01-09, result: 同意公开}}", normative("丙", "2024-01-09")),
        "x\n",
    );
    s.record("d", &format!("{}\ndisclosure: withheld\ndisclosure_reason: 内部", normative("丁", "2024-01-09")), "x\n");
    let mut f = s.findings("review");
    f.sort();
    assert_eq!(f, [("content/a.md".to_string(), 1), ("content/b.md".to_string(), 6)]);
    let (_, v) = s.check_json(&[]);
    let severity = |file: &str| {
        v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "review" && d["file"] == file).unwrap()["severity"].clone()
    };
    assert_eq!(severity("content/a.md"), "warning");
    assert_eq!(severity("content/b.md"), "error");
}

#[test]
fn a_comment_period_shorter_than_the_sites_minimum_is_an_error() {
    let s = Site::new();
    let draft = |days: &str| {
        format!(
            "kind: draft\ntitle: 稿\npublished: 2024-01-02\ncomment: {{opens: 2024-01-02, closes: {days}, adoption: r}}"
        )
    };
    s.record("d", &draft("2024-01-16"), "x\n");
    s.record("e", &draft("2024-02-01"), "x\n");
    s.record("r", "kind: report\ntitle: 采纳情况\npublished: 2024-03-01", "x\n");
    assert_eq!(one(&s, "comment-period"), ("content/d.md".into(), 5));
    s.write(
        "gongbao.toml",
        &format!(
            "{}\n[publication]\ncomment_days = 14\n",
            std::fs::read_to_string(s.root().join("gongbao.toml")).unwrap()
        ),
    );
    assert!(s.findings("comment-period").is_empty());
}

#[test]
fn a_doc_reference_in_the_text_of_raw_html_is_an_error() {
    let s = Site::new();
    s.record(
        "a",
        &normative("甲", "2024-01-02"),
        "正文。\n\n<div>\n见[另一件](doc:b)\n</div>\n\n<a href=\"doc:b\">这样可以</a>\n",
    );
    s.record("b", &normative("乙", "2024-01-02"), "x\n");
    assert_eq!(one(&s, "raw-html-doc"), ("content/a.md".into(), 10));
    assert_eq!(s.check_json(&[]).0, 1);
}

#[test]
fn drafts_need_a_comment_period_and_then_an_adoption_report() {
    let s = Site::new();
    s.record("d", "kind: draft\ntitle: 稿\npublished: 2024-01-02", "x\n");
    assert_eq!(one(&s, "draft-comment"), ("content/d.md".into(), 1));
    let s = Site::new();
    s.record(
        "d",
        "kind: draft\ntitle: 稿\npublished: 2024-01-02\ncomment: {opens: 2024-01-02, closes: 2024-02-01}",
        "x\n",
    );
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
    let msgs: Vec<String> =
        v["diagnostics"].as_array().unwrap().iter().filter(|d| d["rule"] == "outside").map(|d| d.to_string()).collect();
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
    // A number out of range is that one error, not also a clash with issue 1 it was taken for.
    s.record(
        "g2",
        "kind: gazette\nyear: 2024\nnumber: -3\npublished: 2024-03-31\nsections:\n  - title: 文件\n    items: []",
        "",
    );
    let (_, v) = s.check_json(&["--as-of", "2026-01-01"]);
    let g2: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"] == "content/g2.md" && d["severity"] == "error")
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(g2, ["gazette"], "{v}");
}

/// A record whose `---` cannot be seen as its first line is told why: something invisible before
/// it, or lines ended by a carriage return alone.
#[test]
fn a_front_matter_that_cannot_be_found_is_told_why() {
    let s = Site::new();
    let body = format!("---\n{}\n---\n正文。\n", normative("甲", "2024-01-02"));
    for (text, words) in [
        (format!("\u{feff}\u{feff}{body}"), "U+FEFF"),
        (format!("\u{200b}{body}"), "U+200B"),
        (format!(" {body}"), "U+0020"),
        (body.replace('\n', "\r"), "回车符"),
    ] {
        s.write("content/a.md", &text);
        let (_, v) = s.check_json(&[]);
        let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "front-matter").cloned();
        let m = d.map(|d| d["message"].as_str().unwrap().to_string()).unwrap_or_default();
        assert!(m.contains(words), "{words}: {v}");
    }
}

/// The parser's messages about its own types and limits are said in the editor's terms, and a
/// tab is pointed at where it is, not at the line before it.
#[test]
fn yaml_messages_speak_of_the_record_not_the_parser() {
    let s = Site::new();
    let finding = |s: &Site| -> (u64, u64, String) {
        let (_, v) = s.check_json(&[]);
        let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "yaml").cloned().unwrap();
        (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap(), d["message"].as_str().unwrap().to_string())
    };
    s.record("a", "kind: normative\ntitle: 甲\npublished: 2024-01-02\n\tissuer: 测试市人民政府办公室", "x\n");
    let (line, column, message) = finding(&s);
    assert_eq!((line, column), (5, 1), "{message}");
    // A tab in a comment is allowed; the one in the indentation of a key is not.
    s.record("a", "kind: normative\ntitle: 甲\n\t# 注\npublished: 2024-01-02\n\tissuer: 测试市人民政府办公室", "x\n");
    let (line, column, message) = finding(&s);
    assert_eq!((line, column), (6, 1), "{message}");
    assert!(message.contains("制表符"), "{message}");
    let bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]";
    let deep = format!("kind: normative\ntitle: 甲\nx: {}", "[".repeat(5000));
    for (front, words) in [
        ("kind: normative\ntitle: 甲\npublished: 2024-01-02\nkeywords: [null]", "空的"),
        ("- kind\n- normative", "键: 值"),
        (bomb, "别名"),
        (deep.as_str(), "嵌套"),
    ] {
        s.record("a", front, "x\n");
        let (_, _, message) = finding(&s);
        assert!(message.contains(words), "{front:.40}: {message}");
        assert!(!message.contains("Option<") && !message.is_ascii(), "{message}");
    }
}

#[test]
fn withheld_needs_a_reason() {
    let s = Site::new();
    s.record("a", &format!("{}\ndisclosure: withheld", normative("甲", "2024-01-02")), "x\n");
    // A log does not name the file of a withheld record; the line stays.
    assert_eq!(one(&s, "disclosure-reason"), (gongbao::model::diag::HIDDEN_FILE.into(), 6));
}

#[test]
fn severity_can_be_changed_in_settings() {
    let s = Site::new();
    s.write("gongbao.toml", &format!("{}\n[rules]\nempty-text = \"error\"\n", common::CONFIG));
    s.record("a", &normative("甲", "2024-01-02"), "");
    let (code, v) = s.check_json(&[]);
    assert_eq!(code, 1, "{v}");
    // (The record has no secrecy review either: that warning is turned off too, so none is left.)
    s.write("gongbao.toml", &format!("{}\n[rules]\nempty-text = \"off\"\nreview = \"off\"\n", common::CONFIG));
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
    // A file that is not there cannot be copied: `check` passing while `build` fails on it would
    // be the two disagreeing.
    s.write("gongbao.toml", &format!("{}\n[rules]\n\"missing-file\" = \"off\"\n", common::CONFIG));
    let o = s.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing-file"));
}

/// The `output-clash` findings, as (file, line).
fn clashes(s: &Site) -> Vec<(String, u64)> {
    s.findings("output-clash")
}

#[test]
fn attachments_that_land_on_a_page_are_clashes_named_by_check() {
    for name in [".//index.html", "./index.html", "sub/..//index.html", "index.html"] {
        let s = Site::new();
        s.write(
            "content/a/index.md",
            &format!(
                "---\n{}\nattachments:\n  - {{file: '{name}', title: 页}}\n---\n正文。\n",
                normative("甲", "2024-01-02")
            ),
        );
        s.write("content/a/index.html", "<p>替身</p>");
        if name.contains("..") {
            // Climbing is refused as leaving the folder, before any clash.
            assert_eq!(s.findings("outside").len(), 1, "{name}");
            continue;
        }
        assert_eq!(clashes(&s), [("content/a/index.md".to_string(), 7)], "{name}");
        assert_eq!(s.run(&["build", "--as-of", "2024-06-01"]).status.code(), Some(1), "{name}");
    }
}

#[test]
fn an_id_that_is_another_records_version_page_is_a_clash() {
    let s = Site::new();
    s.write(
        "content/a/index.md",
        &format!("---\n{}\neffective: 2020-01-01\n---\n新文。\n", normative("甲", "2019-12-01")),
    );
    s.write("content/a/versions/2020-01-01.md", "旧文。\n");
    s.record(
        "change",
        &format!("{}\namends: [{{id: a, effective: 2022-07-01}}]", normative("修改决定", "2022-06-01")),
        "x\n",
    );
    s.record("b", &format!("id: a/2020-01-01\n{}", normative("乙", "2024-01-02")), "乙。\n");
    let found = clashes(&s);
    assert_eq!(found, [("content/b.md".to_string(), 2)]);
    let (_, v) = s.check_json(&[]);
    let m = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "output-clash").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("content/a/index.md"), "the clash names only one record: {m}");
}

#[test]
fn a_file_where_another_record_needs_a_folder_is_a_clash() {
    let s = Site::new();
    s.write(
        "content/a/index.md",
        &format!("---\n{}\nattachments:\n  - {{file: b, title: 表}}\n---\n正文。\n", normative("甲", "2024-01-02")),
    );
    s.write("content/a/b", "data");
    s.record("x", &format!("id: a/b\n{}", normative("乙", "2024-01-02")), "乙。\n");
    assert_eq!(clashes(&s).len(), 1, "{:?}", s.findings("output-clash"));
}

/// The file comes after the records whose pages need its path as a folder (path order): each
/// of them is told, as when it comes first.
#[test]
fn a_file_after_the_paths_below_it_is_a_clash_for_each_of_them() {
    let s = Site::new();
    s.record("0", &format!("id: z/b\n{}", normative("乙", "2024-01-02")), "乙。\n");
    s.record("1", &format!("id: z/b/c\n{}", normative("丙", "2024-01-02")), "丙。\n");
    s.write(
        "content/z/index.md",
        &format!("---\n{}\nattachments:\n  - {{file: b, title: 表}}\n---\n正文。\n", normative("甲", "2024-01-02")),
    );
    s.write("content/z/b", "data");
    let files: Vec<String> = clashes(&s).into_iter().map(|(f, _)| f).collect();
    assert_eq!(files, ["content/0.md", "content/1.md"]);
}

/// A topic writes the list of its first level too: `Abc\\X` and `abc` would write
/// `browse/topic/Abc/` and `browse/topic/abc/`, one folder on a file system that ignores case.
#[test]
fn a_topics_first_level_list_clashes_with_another_written_in_another_case() {
    let s = Site::new();
    s.record("a", &format!("{}\ntopic: 'Abc\\X'", normative("甲", "2024-01-02")), "甲。\n");
    s.record("b", &format!("{}\ntopic: 'abc'", normative("乙", "2024-01-03")), "乙。\n");
    assert_eq!(clashes(&s), [("content/b.md".to_string(), 6)]);
    assert_eq!(s.run(&["build", "--as-of", "2024-06-01"]).status.code(), Some(1));
}

#[test]
fn ids_equal_after_case_folding_and_normalisation_are_duplicates() {
    for (a, b) in [("\u{212A}1", "k1"), ("Notice-2", "notice-2"), ("caf\u{e9}", "cafe\u{301}")] {
        let s = Site::new();
        s.record("x", &format!("id: {a}\n{}", normative("甲", "2024-01-02")), "甲。\n");
        s.record("y", &format!("id: {b}\n{}", normative("乙", "2024-01-02")), "乙。\n");
        assert_eq!(s.findings("duplicate-id"), [("content/y.md".to_string(), 2)], "{a} / {b}");
    }
}

#[test]
fn names_too_long_for_a_file_system_are_found_by_check() {
    let long = "很".repeat(90); // 270 bytes
    for (key, value) in
        [("issuer", long.clone()), ("topic", format!("综合政务\\{long}")), ("id", format!("a/{}", "x".repeat(300)))]
    {
        let s = Site::new();
        let fm = format!("{}\n{key}: '{value}'", normative("甲", "2024-01-02")).replacen(
            "issuer: 测试市人民政府办公室\n",
            if key == "issuer" { "" } else { "issuer: 测试市人民政府办公室\n" },
            1,
        );
        s.record("r", &fm, "正文。\n");
        let f = s.findings("path-too-long");
        assert_eq!(f.len(), 1, "{key}: {f:?}");
        assert_eq!(f[0].0, "content/r.md");
        let o = s.run(&["build", "--as-of", "2024-06-01"]);
        assert_eq!(o.status.code(), Some(1), "{key}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("content/r.md"));
    }
}

#[test]
fn an_unclosed_raw_html_element_that_would_swallow_the_text_is_an_error() {
    for tag in ["<svg width=\"10\">", "<math>", "<script>", "<style>", "<!-- 备注"] {
        let s = Site::new();
        s.record("a", &normative("甲", "2024-01-02"), &format!("第一段。\n\n{tag}\n\n第二段，不能丢。\n"));
        assert_eq!(s.findings("raw-html-unclosed"), [("content/a.md".to_string(), 9)], "{tag}");
    }
    // A form (and the like) only loses its tags: the text after an unclosed one stays.
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "第一段。\n\n<form action=\"https://e.cn\">\n\n第二段，不能丢。\n");
    assert!(s.findings("raw-html-unclosed").is_empty());
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    let page = std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap();
    // (The page header has a search form of its own.)
    assert!(page.contains("第二段，不能丢。") && !page.contains("<form action=\"https://e.cn\""), "{page}");
}

#[test]
fn linear_in_the_links_of_one_record() {
    let s = Site::new();
    s.record("b", &normative("乙", "2024-01-02"), "乙。\n");
    let body: String = (0..80_000)
        .map(|k| if k % 2 == 0 { "[乙](doc:b)".to_string() } else { format!("[外](https://e.cn/{k})") })
        .collect::<Vec<_>>()
        .join("，");
    s.record("a", &normative("甲", "2024-01-02"), &format!("{body}\n"));
    let start = std::time::Instant::now();
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Quadratic work took 37 s in a release build; linear work takes a few in a debug one.
    assert!(start.elapsed() < std::time::Duration::from_secs(30), "{:?}", start.elapsed());
}

#[test]
fn issuers_that_differ_only_by_a_leading_dot_keep_their_own_lists() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "甲。\n");
    s.record(
        "b",
        &normative("乙", "2024-01-02").replace("issuer: 测试市人民政府办公室", "issuer: .测试市人民政府办公室"),
        "乙。\n",
    );
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    let list = |dir: &str| {
        std::fs::read_to_string(s.root().join("public/browse/issuer").join(dir).join("index.html")).unwrap()
    };
    let real = list("测试市人民政府办公室");
    assert!(real.contains("甲") && !real.contains(">乙<"), "the dotted issuer was merged into the real one");
    assert!(list("%2E测试市人民政府办公室").contains("乙"));
}

#[test]
fn example_settings_are_reported_until_replaced() {
    let s = Site::new();
    s.record("a", &format!("{}\neffective: 2020-01-02", normative("甲", "2020-01-02")), "正文。\n");
    let placeholders = |s: &Site| -> Vec<(u64, String)> {
        let (_, v) = s.check_json(&["--as-of", "2026-01-01"]);
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == "placeholder-setting")
            .map(|d| {
                assert_eq!((d["file"].as_str(), d["severity"].as_str()), (Some("gongbao.toml"), Some("warning")));
                (d["line"].as_u64().unwrap(), d["message"].as_str().unwrap().to_string())
            })
            .collect()
    };
    assert_eq!(placeholders(&s), [], "the test settings are not placeholders");
    s.write(
        "gongbao.toml",
        "[site]\nname = \"示例市人民政府\"\nbase_url = \"https://www.example.gov.cn/\"\nid_code = \"0000000000\"\n\n\
         [package]\ncontact_name = \"办公室\"\ncontact_email = \"office@mail.test\"\n",
    );
    let got = placeholders(&s);
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [3, 4, 8], "{got:?}");
    assert!(got[0].1.contains("https://www.example.gov.cn/"), "{got:?}");
    // Other hosts that merely contain the word are real sites.
    s.write(
        "gongbao.toml",
        "[site]\nname = \"市\"\nbase_url = \"https://examples.gov.cn/\"\nid_code = \"1000000000\"\n",
    );
    assert_eq!(placeholders(&s), []);
    // A new site from `init` carries them, and `check` says so.
    let dir = tempfile::tempdir().unwrap();
    let o = common::run_in(dir.path(), &["init", "site"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = common::run_in(&dir.path().join("site"), &["check"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("placeholder-setting") && err.contains("base_url"), "{err}");
}

/// The help of the one finding of `rule`.
fn help_of(site: &Site, rule: &str) -> String {
    let (_, v) = site.check_json(&["--as-of", "2026-01-01"]);
    let found: Vec<&serde_json::Value> =
        v["diagnostics"].as_array().unwrap().iter().filter(|d| d["rule"] == rule).collect();
    assert_eq!(found.len(), 1, "{v}");
    found[0]["help"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_broken_record_referred_to_from_many_files_is_one_finding_after_its_own_error() {
    let s = Site::new();
    s.record("z/target", "kind: normative\ntitle: 被引用\npublished: 2024/01/02", "x\n");
    for name in ["a", "b", "c"] {
        s.record(
            &format!("a/{name}"),
            &format!("{}\ninterprets: z/target", normative(name, "2024-02-01")).replace("normative", "interpretation"),
            "详见[原文](doc:z/target)。\n",
        );
    }
    let (code, v) = s.check_json(&["--as-of", "2026-01-01"]);
    assert_eq!(code, 1);
    let d = v["diagnostics"].as_array().unwrap();
    let refs: Vec<&serde_json::Value> = d.iter().filter(|d| d["rule"] == "unknown-ref").collect();
    assert_eq!(refs.len(), 1, "{v}");
    let m = refs[0]["message"].as_str().unwrap();
    assert!(m.contains("content/z/target.md") && m.contains("另有 5 处"), "{m}");
    assert_eq!(refs[0]["file"], "content/a/a.md");
    // The cause comes first, though its file sorts last.
    assert_eq!(d[0]["file"], "content/z/target.md", "{v}");
    assert_eq!(d[0]["rule"], "date");
    // Once the target reads, every reference is fine.
    s.record("z/target", "kind: normative\ntitle: 被引用\npublished: 2024-01-02", "x\n");
    assert!(s.findings("unknown-ref").is_empty());
}

#[test]
fn a_reference_by_path_to_a_record_that_declares_its_id_says_which_id() {
    let s = Site::new();
    s.record("z/target", &format!("{}\nid: real-id", normative("被引用", "2024-01-02")), "x\n");
    s.record("a", &format!("{}\namends: [z/target]", normative("甲", "2024-02-01")), "x\n");
    let help = help_of(&s, "unknown-ref");
    assert!(help.contains("real-id") && help.contains("content/z/target.md"), "{help}");
}

#[test]
fn hints_carry_the_corrected_value() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024年3月5日"), "x\n");
    assert!(help_of(&s, "date").contains("`2024-03-05`"));
    s.record("a", &normative("甲", "2024/3/5"), "x\n");
    assert!(help_of(&s, "date").contains("`2024-03-05`"));
    s.record("a", &normative("甲", "2023-02-29"), "x\n");
    let h = help_of(&s, "date");
    assert!(h.contains("2023 年 2 月只有 28 天"), "{h}");
    s.record("a", &normative("甲", "下周一"), "x\n");
    assert!(help_of(&s, "date").contains("YYYY-MM-DD"));

    s.record("a", &normative("甲", "2024-03-05").replace("kind: normative", "kind: 规范文件"), "x\n");
    let h = help_of(&s, "enum");
    assert!(h.contains("是不是 `规范性文件`"), "{h}");
    s.record("a", &normative("甲", "2024-03-05").replace("kind: normative", "kind: regulaton"), "x\n");
    assert!(help_of(&s, "enum").contains("`regulation`"));

    s.record("a", &format!("{}\nindex_no: 123456789/2024-12", normative("甲", "2024-03-05")), "x\n");
    let h = help_of(&s, "index-no");
    assert!(h.contains("`123456789/2024-00012`"), "{h}");
    s.record("a", &format!("{}\nindex_no: １２３４５６７８９／2024-00012", normative("甲", "2024-03-05")), "x\n");
    assert!(help_of(&s, "index-no").contains("`123456789/2024-00012`"));
    s.record("a", &format!("{}\nindex_no: 第十二号", normative("甲", "2024-03-05")), "x\n");
    assert!(help_of(&s, "index-no").contains("000000000/2025-00001"));

    s.record("a", &normative("甲", "2024-03-05").replace("title: 甲", "title：甲"), "x\n");
    assert_eq!(one(&s, "yaml"), ("content/a.md".into(), 3));
    let h = help_of(&s, "yaml");
    assert!(h.contains("`title: `"), "{h}");
}

/// A required key written with no value is reported on its own line, not at the top.
#[test]
fn an_empty_title_is_reported_on_its_line() {
    let s = common::Site::new();
    for (id, title) in [("a", "~"), ("b", "'  '"), ("c", "\"\"")] {
        s.write(
            &format!("content/{id}.md"),
            &format!("---\nkind: normative\ntitle: {title}\nissuer: 测试市人民政府办公室\npublished: 2024-01-02\n---\n正文。\n"),
        );
    }
    let mut found = s.findings("missing-key");
    found.sort();
    assert_eq!(
        found,
        [("content/a.md".to_string(), 3), ("content/b.md".to_string(), 3), ("content/c.md".to_string(), 3)]
    );
}

/// `documents.csv` joins a list's values with `;`: a value holding one would read back as two.
#[test]
fn a_list_value_holding_a_semicolon_is_an_error() {
    let s = common::Site::new();
    s.record("a", &format!("{}\nkeywords: [\"甲;乙\", 丙]", normative("甲", "2024-01-02")), "x\n");
    s.record("b", &format!("{}\nkeywords: [甲；乙, 丙]", normative("乙", "2024-01-02")), "x\n");
    assert_eq!(s.findings("list-value"), [("content/a.md".to_string(), 6)]);
}
