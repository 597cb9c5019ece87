//! The archive transfer catalogue (移交档案馆目录): the transfer register `transfers.jsonl`
//! published as `transfers/index.html` and `data/transfers.csv`, with counts and checksums but
//! never the ids of the documents a package held; nothing at all without a register; a damaged
//! register stops `check` and `build` at its line.

mod common;
use common::{Site, normative, project, tree};
use std::process::Command;

const SHA_A: &str = "1f3870be274f6c49b3e31a0c6728957f1f3870be274f6c49b3e31a0c6728957f";
const SHA_B: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// One register line as `gongbao package` writes it.
fn line(number: u32, audience: &str, bytes: u64, sha: &str, ids: &[&str]) -> String {
    let documents: Vec<serde_json::Value> =
        ids.iter().map(|id| serde_json::json!({"digest": format!("digest-of-{id}"), "id": id})).collect();
    serde_json::json!({
        "as_of": "2024-06-01", "bytes": bytes, "date": format!("2024-06-{:02}", number + 1), "documents": documents,
        "for": audience, "from": if audience == "warc" { "2024-06-01" } else { "2024-01-01" },
        "number": number, "package": format!("test-{audience}-{number}.zip"), "sha256": sha,
        "to": if audience == "warc" { "2024-06-01" } else { "2024-05-31" },
    })
    .to_string()
}

/// A site with two public records and one withheld, and the two-line register naming them.
fn site() -> Site {
    let s = Site::new();
    s.record("a", &normative("甲办法", "2024-01-02"), "甲。\n");
    s.record("b", &normative("乙办法", "2024-02-03"), "乙。\n");
    s.record(
        "canary-9f2c",
        &format!("{}\ndisclosure: withheld\ndisclosure_reason: 涉密", normative("内部", "2024-03-01")),
        "x\n",
    );
    s.write(
        "transfers.jsonl",
        &format!(
            "{}\n{}\n",
            line(1, "archive", 1_234_567, SHA_A, &["a", "b", "canary-9f2c"]),
            line(2, "warc", 98_765_432, SHA_B, &[])
        ),
    );
    s
}

fn build(s: &Site) -> std::process::Output {
    s.run(&["build", "--as-of", "2024-06-01"])
}

#[test]
fn a_two_line_register_is_published_as_a_page_and_a_csv() {
    let s = site();
    let o = build(&s);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let public = s.root().join("public");
    let page = std::fs::read_to_string(public.join("transfers/index.html")).unwrap();
    for want in [
        "移交档案馆目录",
        "test-archive-1.zip",
        "test-warc-2.zip",
        "1.2 MB",
        "98.8 MB",
        SHA_A,
        SHA_B,
        "档案馆",
        "网页归档",
        "2024-01-01</time> 至 <time datetime=\"2024-05-31\">",
        "href=\"/data/transfers.csv\"",
    ] {
        assert!(page.contains(want), "the page lacks {want}: {page}");
    }
    // The archive package held three documents; the web archive's count is not recorded.
    assert!(page.contains("class=\"num\">3</td>") && page.contains(">—</span>"), "{page}");
    let csv = std::fs::read(public.join("data/transfers.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "the CSV lacks the BOM");
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert_eq!(
        csv.split("\r\n").collect::<Vec<_>>(),
        [
            "number,date,for,from,to,package,files,bytes,sha256",
            &format!("1,2024-06-02,archive,2024-01-01,2024-05-31,test-archive-1.zip,3,1234567,{SHA_A}"),
            &format!("2,2024-06-03,warc,2024-06-01,2024-06-01,test-warc-2.zip,,98765432,{SHA_B}"),
            "",
        ]
    );
    // Linked from every page's footer, listed in the sitemap and the data package.
    let home = std::fs::read_to_string(public.join("index.html")).unwrap();
    assert!(home.contains("<a href=\"/transfers/\">移交档案馆目录</a>"), "{home}");
    assert!(std::fs::read_to_string(public.join("sitemap.xml")).unwrap().contains("/transfers/</loc>"));
    let package: serde_json::Value =
        serde_json::from_slice(&std::fs::read(public.join("data/datapackage.json")).unwrap()).unwrap();
    assert!(package["resources"].as_array().unwrap().iter().any(|r| r["path"] == "transfers.csv"), "{package}");
}

#[test]
fn without_a_register_there_is_no_page_no_csv_and_no_link() {
    let s = site();
    std::fs::remove_file(s.root().join("transfers.jsonl")).unwrap();
    let o = build(&s);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (path, bytes) in tree(&s.root().join("public")) {
        assert!(!path.contains("transfers"), "{path} is written");
        let text = String::from_utf8_lossy(&bytes);
        for name in ["/transfers", "transfers.csv", "移交档案馆目录"] {
            assert!(!text.contains(name), "{path} names {name}");
        }
    }
    // An empty register is no register.
    s.write("transfers.jsonl", "");
    let before = tree(&s.root().join("public"));
    assert!(s.run(&["build", "--as-of", "2024-06-01", "--no-cache"]).status.success());
    assert!(before == tree(&s.root().join("public")), "an empty register changed the output");
}

#[test]
fn a_document_named_in_the_register_but_withheld_leaves_no_trace() {
    let s = site();
    let o = build(&s);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files = tree(&s.root().join("public"));
    assert!(files.iter().any(|(p, _)| p == "transfers/index.html"));
    for (path, bytes) in files {
        let text = String::from_utf8_lossy(&bytes);
        // Nor any other id of the register, nor the documents' digests.
        for secret in ["canary-9f2c", "digest-of-"] {
            assert!(!text.contains(secret), "{secret} in {path}");
        }
    }
}

/// `check --format json` findings of rule `register`, as (file, line).
fn register_findings(s: &Site) -> (i32, Vec<(String, u64)>) {
    let (code, v) = s.check_json(&["--as-of", "2024-06-01"]);
    let found = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "register")
        .map(|d| (d["file"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap()))
        .collect();
    (code, found)
}

#[test]
fn a_damaged_register_stops_check_and_build_at_its_line() {
    let s = site();
    assert!(build(&s).status.success());
    let public = s.root().join("public");
    let before = tree(&public);
    let good = std::fs::read_to_string(s.root().join("transfers.jsonl")).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let damaged = [
        // Numbers that skip: the second entry renumbered 3.
        (format!("{}\n{}\n", lines[0], lines[1].replace("\"number\":2", "\"number\":3")), 2),
        // A line that is not JSON.
        (format!("{}\n{}\n", &lines[0][..40], lines[1]), 1),
        // A third line cut short.
        (format!("{good}{}\n", &lines[1][..30]), 3),
    ];
    for (text, at) in damaged {
        s.write("transfers.jsonl", &text);
        let (code, found) = register_findings(&s);
        assert_eq!(code, 1, "check exits 1");
        assert_eq!(found, [("transfers.jsonl".to_string(), at)]);
        let o = build(&s);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("[register]") && err.contains(&format!("transfers.jsonl:{at}")), "{err}");
        assert!(before == tree(&public), "the output changed");
    }
}

#[test]
fn frictionless_validates_the_transfer_table() {
    let ok = Command::new("python3").args(["-c", "import frictionless"]).output().is_ok_and(|o| o.status.success());
    assert!(ok, "frictionless is not installed: run the tests with scripts/test, which installs it");
    let s = site();
    assert!(build(&s).status.success());
    let package = s.root().join("public/data/datapackage.json");
    let script = "import sys, json, frictionless\n\
        r = frictionless.validate(sys.argv[1])\n\
        names = [t.name for t in r.tasks]\n\
        print(json.dumps(r.flatten(['type', 'note']))[:2000] if not r.valid else 'ok ' + ' '.join(names))\n\
        sys.exit(0 if r.valid and 'transfers-csv' in names else 1)";
    let o = Command::new("python3").args(["-c", script]).arg(&package).current_dir(project()).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{text}{}", String::from_utf8_lossy(&o.stderr));
    // A package name that a spreadsheet would run is written as text, and still validates.
    s.write(
        "transfers.jsonl",
        &format!("{}\n", line(1, "library", 10, SHA_A, &["a"]).replace("test-library-1.zip", "=HYPERLINK(1)")),
    );
    assert!(build(&s).status.success());
    let csv = std::fs::read_to_string(s.root().join("public/data/transfers.csv")).unwrap();
    assert!(csv.contains(",\"'=HYPERLINK(1)\","), "{csv}");
    let o = Command::new("python3").args(["-c", script]).arg(&package).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}
