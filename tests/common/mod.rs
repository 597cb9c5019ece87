//! Helpers for integration tests: small sites in temporary folders, and running the binary.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const CONFIG: &str = "[site]\nname = \"测试市人民政府\"\nbase_url = \"https://www.ceshi.gov.cn/\"\nid_code = \"1234567890\"\ngazette_name = \"测试市人民政府公报\"\n\n[patterns]\nindex_no = '^\\d{9}/\\d{4}-\\d{5}$'\nregistration_no = '^QCSP\\d{2}-\\d{4}-\\d{4}$'\n";

/// A site in a temporary folder.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    pub fn new() -> Site {
        let s = Site { dir: tempfile::tempdir().unwrap() };
        s.write("gongbao.toml", CONFIG);
        s
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        self.write_bytes(rel, text.as_bytes())
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Writes `content/<id>.md` with front matter `fm` and body `body`.
    pub fn record(&self, id: &str, fm: &str, body: &str) {
        self.write(&format!("content/{id}.md"), &format!("---\n{fm}\n---\n{body}"));
    }

    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.root(), args)
    }

    /// `check --format json`, parsed.
    pub fn check_json(&self, extra: &[&str]) -> (i32, serde_json::Value) {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
        (out.status.code().unwrap_or(-1), v)
    }

    /// Every diagnostic of `rule`, as (file, line).
    pub fn findings(&self, rule: &str) -> Vec<(String, u64)> {
        let (_, v) = self.check_json(&["--as-of", "2026-01-01"]);
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == rule)
            .map(|d| (d["file"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap()))
            .collect()
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_gongbao")
}

pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin()).current_dir(dir).args(args).env("CI", "true").output().unwrap()
}

/// A plain, valid normative document's front matter.
pub fn normative(title: &str, published: &str) -> String {
    format!("kind: normative\ntitle: {title}\nissuer: 测试市人民政府办公室\npublished: {published}")
}

/// A site where the folder record `d` names files that belong to other records: a withheld
/// sibling's source, and a withheld folder record below it (its `index.md` and its attachment).
pub fn site_naming_other_records_files() -> Site {
    let s = Site::new();
    let withheld = format!("{}\ndisclosure: withheld\ndisclosure_reason: 涉密", normative("秘MARKER", "2020-01-02"));
    s.record("d/secret", &withheld, "MARKER-SOURCE\n");
    s.write("content/d/sec2/index.md", &format!("---\n{withheld}\n---\nMARKER-SEC2\n"));
    s.write("content/d/sec2/att.txt", "MARKER-ATT\n");
    s.write("content/d/ok.csv", "a\n1\n");
    s.write(
        "content/d/index.md",
        &format!(
            "---\n{}\neffective: 2020-01-01\nattachments:\n  - {{file: sec2/att.txt, title: 附}}\n  - {{file: ok.csv, title: 表}}\n---\n见[表](ok.csv)、[秘](secret.md)、[二](sec2/index.md)。\n\n旧文见[旧](versions/2020-01-01.md)。\n",
            normative("甲", "2019-12-01")
        ),
    );
    s.write("content/d/versions/2020-01-01.md", "旧文见[秘](./secret.md)与[附](sec2/att.txt)。\n");
    s.record(
        "change",
        &format!("{}\namends: [{{id: d, effective: 2022-07-01}}]", normative("修改决定", "2022-06-01")),
        "x\n",
    );
    s
}

/// Every file under `dir`, relative, sorted, with its bytes.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    v.sort();
    v
}

/// The project root (the demo site).
pub fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies the folder `from` to `to`, files and folders alike.
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().map(Result::unwrap) {
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = if rel.as_os_str().is_empty() { to.to_path_buf() } else { to.join(rel) };
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// `gongbao ARGS` on a pseudo-terminal (through `script`, part of every Debian system), with `CI`
/// set or not: its exit status and what the terminal showed.
pub fn on_a_terminal(dir: &Path, args: &str, ci: bool) -> (std::process::ExitStatus, String) {
    let mut cmd = Command::new("script");
    cmd.current_dir(dir).args(["-qec", &format!("{} {args}", bin()), "/dev/null"]).env_remove("CI");
    if ci {
        cmd.env("CI", "true");
    }
    let o = cmd.output().expect("`script` runs a command on a pseudo-terminal");
    (o.status, String::from_utf8_lossy(&o.stdout).into_owned())
}
