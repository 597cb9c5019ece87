//! Open data, feeds, signatures and verification, judged by outside validators: frictionless,
//! feedparser and pyld from PyPI, and Debian's minisign. `scripts/test` installs them; a
//! machine without them fails these tests.

mod common;
use common::{Site, normative, project, run_in, tree};
use std::path::Path;
use std::process::Command;

fn require_validators(what: &[&str]) {
    let ok = what.iter().all(|w| match *w {
        "minisign" => Command::new("minisign").arg("-v").output().is_ok(),
        module => {
            Command::new("python3").args(["-c", &format!("import {module}")]).output().is_ok_and(|o| o.status.success())
        }
    });
    assert!(ok, "validators {what:?} are not installed: run the tests with scripts/test, which installs them");
}

fn build(root: &Path, out: &Path, env: &[(&str, &str)]) {
    let mut c = Command::new(common::bin());
    c.current_dir(root)
        .args(["build", "--out", out.to_str().unwrap(), "--as-of", "2026-06-30"])
        .env("CI", "true")
        .env_remove("GONGBAO_SECRET_KEY");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn demo_data_feeds_and_jsonld_pass_the_community_validators() {
    require_validators(&["frictionless", "feedparser", "pyld"]);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build(&project(), &out, &[]);
    let o = Command::new("python3").arg(project().join("tests/validators/opendata.py")).arg(&out).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{text}{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        text.contains("ok frictionless")
            && text.contains("ok feedparser")
            && text.contains("embedded JSON-LD blocks expand"),
        "{text}"
    );
}

#[test]
fn data_files_describe_every_public_document_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build(&project(), &out, &[]);
    let docs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("data/documents.json")).unwrap()).unwrap();
    let list = docs["documents"].as_array().unwrap();
    // Document pages, not their version and redline pages.
    let is_version = |seg: &str| seg.len() == 10 && seg.as_bytes()[4] == b'-' && seg.as_bytes()[7] == b'-';
    let pages = tree(&out.join("docs"))
        .into_iter()
        .filter(|(p, _)| p.ends_with("index.html") && !p.contains("/diff/") && !p.split('/').any(is_version))
        .count();
    assert_eq!(list.len(), pages, "documents.json and the document pages disagree");
    let base = list.iter().find(|d| d["id"] == "regulations/2019-shirong").unwrap();
    // Amended twice: in force as amended, the amendments in the timeline as amendments.
    assert_eq!(base["state"], "in_force");
    let amendments: Vec<(&str, &str, bool)> = base["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["from"].as_str().unwrap(), t["state"].as_str().unwrap(), t["amendment"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        amendments,
        [("2019-07-01", "in_force", false), ("2021-11-01", "in_force", true), ("2024-02-01", "in_force", true)],
        "{base}"
    );
    let csv = std::fs::read(out.join("data/documents.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "CSV lacks the BOM");
    assert_eq!(String::from_utf8_lossy(&csv).lines().count(), list.len() + 1);
    assert!(out.join("data/schemas/record.schema.json").exists());
    assert!(out.join("data/gazette/2024-1.json").exists());
    let jsonld = std::fs::read_to_string(out.join("data/documents.jsonld")).unwrap();
    for term in [
        "legislationIdentifier",
        "legislationLegalForce",
        "legislationDate",
        "legislationPassedBy",
        "legislationAmends",
        "legislationRepeals",
        "legislationType",
        "inLanguage",
    ] {
        assert!(jsonld.contains(term), "documents.jsonld lacks {term}");
    }
    let robots = std::fs::read_to_string(out.join("robots.txt")).unwrap();
    assert!(robots.contains("Sitemap: https://www.qingchuan.gov.cn/sitemap.xml"));
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://www.qingchuan.gov.cn/docs/regulations/2019-shirong/</loc>"));
    for (_, bytes) in tree(&out) {
        assert!(!String::from_utf8_lossy(&bytes).contains("GONGBAO-SECRET-MARKER"));
    }
}

#[test]
fn signed_site_verifies_with_stock_minisign() {
    require_validators(&["minisign"]);
    let tmp = tempfile::tempdir().unwrap();
    assert!(run_in(tmp.path(), &["keygen"]).status.success());
    let key = std::fs::read_to_string(tmp.path().join("gongbao.key")).unwrap();
    let out = tmp.path().join("public");
    build(&project(), &out, &[("GONGBAO_SECRET_KEY", &key)]);
    let o = Command::new("minisign")
        .current_dir(&out)
        .args(["-Vm", "SHA256SUMS", "-p"])
        .arg(tmp.path().join("gongbao.pub"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    // The secret key never enters the output.
    let secret_line = key.lines().nth(1).unwrap();
    for (p, bytes) in tree(&out) {
        assert!(!String::from_utf8_lossy(&bytes).contains(secret_line), "secret key in {p}");
    }
    // A changed SHA256SUMS no longer verifies.
    let sums = out.join("SHA256SUMS");
    let mut text = std::fs::read_to_string(&sums).unwrap();
    text.push_str("0000000000000000000000000000000000000000000000000000000000000000  extra.html\n");
    std::fs::write(&sums, text).unwrap();
    let o = Command::new("minisign")
        .current_dir(&out)
        .args(["-Vm", "SHA256SUMS", "-p"])
        .arg(tmp.path().join("gongbao.pub"))
        .output()
        .unwrap();
    assert!(!o.status.success());
}

#[test]
fn signing_key_from_settings_file() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "x\n");
    assert!(s.run(&["keygen", "--out", "keys"]).status.success());
    s.write("gongbao.toml", &format!("{}\n[signing]\nsecret_key = \"keys/gongbao.key\"\n", common::CONFIG));
    assert!(s.run(&["build"]).status.success());
    let o = s.run(&["verify", "public", "--pubkey", "keys/gongbao.pub"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(String::from_utf8_lossy(&o.stdout).contains("signature ok"));
    // The wrong key fails.
    assert!(s.run(&["keygen", "--out", "other"]).status.success());
    assert_eq!(s.run(&["verify", "public", "--pubkey", "other/gongbao.pub"]).status.code(), Some(1));
    // keygen never overwrites.
    assert_eq!(s.run(&["keygen", "--out", "keys"]).status.code(), Some(1));
}

#[test]
fn verify_catches_one_byte_changes_added_and_deleted_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build(&project(), &out, &[]);
    let verify = |dir: &Path| run_in(tmp.path(), &["verify", dir.to_str().unwrap()]);
    // An untouched copy passes.
    let copy = tmp.path().join("copy");
    copy_tree(&out, &copy);
    let o = verify(&copy);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    // One byte changed.
    let page = copy.join("docs/regulations/2019-shirong/index.html");
    let mut bytes = std::fs::read(&page).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(&page, &bytes).unwrap();
    let o = verify(&copy);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("changed: docs/regulations/2019-shirong/index.html"));
    // An added file and a deleted one.
    copy_tree(&out, &copy);
    std::fs::write(copy.join("docs/planted.html"), "<p>x</p>").unwrap();
    std::fs::remove_file(copy.join("feeds/all.atom")).unwrap();
    let o = verify(&copy);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1));
    assert!(text.contains("added: docs/planted.html") && text.contains("missing: feeds/all.atom"), "{text}");
    // Nothing to verify against: usage/I-O failure.
    assert_eq!(verify(tmp.path()).status.code(), Some(2));
}

#[test]
fn two_builds_are_identical_apart_from_the_signature() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(run_in(tmp.path(), &["keygen"]).status.success());
    let key = std::fs::read_to_string(tmp.path().join("gongbao.key")).unwrap();
    build(&project(), &tmp.path().join("a"), &[("GONGBAO_SECRET_KEY", &key)]);
    build(&project(), &tmp.path().join("b"), &[]);
    let strip =
        |v: Vec<(String, Vec<u8>)>| v.into_iter().filter(|(p, _)| p != "SHA256SUMS.minisig").collect::<Vec<_>>();
    let (a, b) = (strip(tree(&tmp.path().join("a"))), strip(tree(&tmp.path().join("b"))));
    assert_eq!(a.len(), b.len());
    assert!(a == b, "signed and unsigned builds differ beyond the signature");
    assert!(tmp.path().join("a/SHA256SUMS.minisig").exists());
}

fn copy_tree(from: &Path, to: &Path) {
    if to.exists() {
        std::fs::remove_dir_all(to).unwrap();
    }
    for (p, bytes) in tree(from) {
        let dest = to.join(&p);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, bytes).unwrap();
    }
}

#[test]
fn noncharacters_in_a_title_or_text_are_refused_where_they_are_written() {
    let s = Site::new();
    // U+FFFE and U+FFFF are valid in Rust strings and in YAML escapes, but not XML 1.0 characters
    // (feeds, sitemaps, packages), and HTML reads them as parse errors: like control characters
    // (`checks.rs`), they are errors at their place, written in the text or by an escape.
    s.record("a", &normative("\"甲\\uFFFE乙\\uFFFF丙\"", "2024-01-02"), "正文\u{FFFE}中\u{FFFF}间。\n");
    s.record("b", "kind: gazette\ntitle: \"公报\\uFFFF\"\nyear: 2024\nnumber: 1\npublished: 2024-01-03\nsections: [{title: \"栏\\uFFFE目\", items: [{doc: a, page: 1}]}]", "\n");
    let (code, v) = s.check_json(&[]);
    assert_eq!(code, 1, "{v}");
    let found: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| (d["file"].as_str().unwrap().to_string(), d["rule"].as_str().unwrap().to_string()))
        .collect();
    assert!(found.contains(&("content/a.md".into(), "encoding".into())), "{found:?}");
    assert!(found.contains(&("content/b.md".into(), "yaml".into())), "{found:?}");
    let out = s.root().join("public");
    let o = run_in(s.root(), &["build", "--out", out.to_str().unwrap(), "--as-of", "2026-06-30"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!out.exists(), "nothing is built");
}

/// The cells of a CSV file (RFC 4180: quoted cells, doubled quotes, CRLF), BOM removed.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap().to_vec()).unwrap();
    let (mut rows, mut row, mut cell, mut quoted, mut chars) =
        (Vec::new(), Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

#[test]
fn cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised() {
    let s = Site::new();
    // Each value as a spreadsheet would see it, and as written in YAML. Titles are trimmed, so
    // the leading tab and carriage return come in keywords.
    let values = [
        ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")'"),
        ("+1", "'+1'"),
        ("-1", "'-1'"),
        ("@SUM(A1)", "'@SUM(A1)'"),
        ("\tTAB", "\"\\tTAB\""),
        ("\rCR", "\"\\rCR\""),
    ];
    for (k, (value, yaml)) in values.iter().enumerate() {
        let fm = if value.starts_with(char::is_whitespace) {
            format!("{}\nkeywords: [{yaml}]", normative("关键词", "2024-01-02"))
        } else {
            normative(yaml, "2024-01-02")
        };
        s.record(&format!("d{k}"), &fm, "正文。\n");
        s.record(
            &format!("c{k}"),
            &format!("kind: catalog\ntitle: 目录{k}\npublished: 2024-01-02\ncatalog: {{category: {yaml}}}"),
            "内容。\n",
        );
    }
    let out = s.root().join("public");
    build(s.root(), &out, &[]);
    let docs = csv_rows(&std::fs::read(out.join("data/documents.csv")).unwrap());
    let column = |name: &str| docs[0].iter().position(|c| c == name).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("data/documents.json")).unwrap()).unwrap();
    let catalog = csv_rows(&std::fs::read(out.join("catalog/catalog.csv")).unwrap());
    for (k, (value, _)) in values.iter().enumerate() {
        let id = format!("d{k}");
        let field = if value.starts_with(char::is_whitespace) { "keywords" } else { "title" };
        let row = docs.iter().find(|r| r[0] == id).unwrap_or_else(|| panic!("{id} not in documents.csv"));
        assert_eq!(row[column(field)], format!("'{value}"), "documents.csv {field}");
        let doc = json["documents"].as_array().unwrap().iter().find(|d| d["id"] == id.as_str()).unwrap();
        let raw = if field == "title" { &doc["title"] } else { &doc["keywords"][0] };
        assert_eq!(raw, *value, "documents.json keeps the {field} as written");
        let row =
            catalog.iter().find(|r| r[1] == format!("目录{k}")).unwrap_or_else(|| panic!("c{k} not in catalog.csv"));
        assert_eq!(row[0], format!("'{value}"), "catalog.csv category");
    }
    // Everything else is left alone: dates, ordinary text.
    assert!(
        docs.iter()
            .filter(|r| r[0].starts_with('d'))
            .all(|r| r[column("published")] == "2024-01-02" && r[column("issuers")] == "测试市人民政府办公室")
    );
}
