//! `gongbao new`: a record its kind accepts, with the next free numbers of its issuer's year,
//! counted over every record (a withheld one still used its number), never overwriting a file.

mod common;

use common::{Site, run_in};

const ISSUER: &str = "测试市住房和城乡建设局";

fn site() -> Site {
    let s = Site::new();
    let with = |title: &str, no: &str, ix: &str, extra: &str| {
        format!(
            "kind: normative\ntitle: {title}\nissuer: {ISSUER}\npublished: 2026-03-02\ndoc_number: {no}\nindex_no: {ix}\nreview: {{by: 王, on: 2026-03-01, result: 同意公开}}{extra}"
        )
    };
    s.record("normative/2026-001", &with("甲", "测建规〔2026〕1号", "000000001/2026-00007", ""), "正文。\n");
    // Withheld, and numbered higher: its numbers are taken all the same.
    s.record(
        "normative/2026-002",
        &with("乙", "测建规〔2026〕9号", "000000001/2026-00012", "\ndisclosure: withheld\ndisclosure_reason: 内部"),
        "正文。\n",
    );
    s.record("normative/2025-001", &with("丙", "测建规〔2025〕30号", "000000001/2025-00099", ""), "正文。\n");
    s
}

fn new(s: &Site, args: &[&str]) -> (i32, String) {
    let mut all = vec!["new"];
    all.extend_from_slice(args);
    let o = run_in(s.root(), &all);
    (
        o.status.code().unwrap_or(-1),
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
    )
}

#[test]
fn a_new_record_takes_the_next_numbers_of_its_issuers_year_and_passes_check() {
    let s = site();
    let (code, said) = new(&s, &["normative", "--issuer", ISSUER, "--title", "新办法", "--date", "2026-12-02"]);
    assert_eq!(code, 0, "{said}");
    let text = std::fs::read_to_string(s.root().join("content/normative/2026-003.md")).unwrap();
    assert!(text.contains("doc_number: \"测建规〔2026〕10号\""), "{text}");
    assert!(text.contains("index_no: \"000000001/2026-00013\""), "{text}");
    assert!(text.contains("published: 2026-12-02") && text.contains("title: \"新办法\""), "{text}");
    // A second one follows the first.
    let (code, said) = new(&s, &["行政规范性文件", "--issuer", ISSUER, "--date", "2026-12-02"]);
    assert_eq!(code, 0, "{said}");
    let second = std::fs::read_to_string(s.root().join("content/normative/2026-004.md")).unwrap();
    assert!(second.contains("测建规〔2026〕11号") && second.contains("2026-00014"), "{second}");
    // Each kind's record is one the checks accept (the only findings: no review yet).
    for kind in ["regulation", "policy", "interpretation", "draft", "notice", "report", "catalog", "gazette"] {
        let (code, said) = new(&s, &[kind, "--date", "2026-12-02"]);
        assert_eq!(code, 0, "{kind}: {said}");
    }
    let (code, v) = s.check_json(&["--as-of", "2026-12-02"]);
    let rules: Vec<&str> = v["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap()).collect();
    // The interpretation names the document it explains only once the editor fills it in.
    assert!(rules.iter().all(|r| matches!(*r, "review" | "interpretation")), "{v}");
    assert_eq!(rules.iter().filter(|r| **r == "interpretation").count(), 1, "{v}");
    assert_eq!(code, 1);
}

#[test]
fn an_unknown_kind_and_an_existing_file_are_refused() {
    let s = site();
    let (code, said) = new(&s, &["law"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("`law`") && said.contains("normative"), "{said}");
    let (code, said) = new(&s, &["规范文件"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("是不是 `规范性文件`"), "{said}");
    // A file that is not a record (so no id counts it) stands where the next one would go.
    s.write("content/normative/2026-003.md", "not a record\n");
    let (code, said) = new(&s, &["normative", "--issuer", ISSUER, "--date", "2026-12-02"]);
    assert_eq!(code, 2, "{said}");
    assert_eq!(std::fs::read_to_string(s.root().join("content/normative/2026-003.md")).unwrap(), "not a record\n");
}

#[test]
fn a_structured_index_pattern_checks_and_allocates_numbers() {
    let s = Site::new();
    s.write(
        "gongbao.toml",
        &format!(
            "{}index_no_format = \"QC-{{org}}-{{year}}/{{seq:04}}\"\n",
            common::CONFIG.replace("index_no = '^\\d{9}/\\d{4}-\\d{5}$'\n", "")
        ),
    );
    let fm = |title: &str, ix: &str| {
        format!(
            "kind: normative\ntitle: {title}\nissuer: {ISSUER}\npublished: 2026-03-02\nindex_no: {ix}\nreview: {{by: 王, on: 2026-03-01, result: 同意公开}}"
        )
    };
    s.record("normative/a", &fm("甲", "QC-JSJ-2026/0041"), "正文。\n");
    let (code, v) = s.check_json(&["--as-of", "2026-12-02"]);
    assert_eq!(code, 0, "{v}");
    // A number of another shape is an index-no error.
    s.record("normative/b", &fm("乙", "000000001/2026-00007"), "正文。\n");
    let (code, v) = s.check_json(&["--as-of", "2026-12-02"]);
    assert_eq!(code, 1);
    assert!(v["diagnostics"].as_array().unwrap().iter().any(|d| d["rule"] == "index-no"), "{v}");
    std::fs::remove_file(s.root().join("content/normative/b.md")).unwrap();
    // Two new records in a row take the next two numbers, written in the pattern.
    for expected in ["QC-JSJ-2026/0042", "QC-JSJ-2026/0043"] {
        let (code, said) = new(&s, &["normative", "--issuer", ISSUER, "--date", "2026-12-02"]);
        assert_eq!(code, 0, "{said}");
        assert!(said.contains(expected), "{said}");
    }
    let (_, v) = s.check_json(&["--as-of", "2026-12-02"]);
    assert!(!v["diagnostics"].as_array().unwrap().iter().any(|d| d["rule"] == "index-no"), "{v}");
    // A broken pattern is a settings error that says what is wrong.
    s.write(
        "gongbao.toml",
        &format!(
            "{}index_no_format = \"{{org}}/{{seq}}\"\n",
            common::CONFIG.replace("index_no = '^\\d{9}/\\d{4}-\\d{5}$'\n", "")
        ),
    );
    let o = s.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("{year}"), "{}", String::from_utf8_lossy(&o.stderr));
}
