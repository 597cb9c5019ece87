//! Hostile input never panics: each case gets a clear message naming the file, and exit 1 or 2
//! (never 101, the code of a Rust panic), within seconds.

mod common;
use common::{Site, normative};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `check` and `build` on the site; both must end in time with exit 1 or 2 and a message
/// that names `file`.
fn refuses(site: &Site, file: &str, says: &str) {
    for cmd in ["check", "build"] {
        let start = Instant::now();
        let mut child = Command::new(common::bin()).current_dir(site.root()).arg(cmd).env("CI", "true").stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > Duration::from_secs(60) {
                child.kill().unwrap();
                panic!("`{cmd}` on {file} hung");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert!(matches!(status.code(), Some(1) | Some(2)), "`{cmd}` on {file}: exit {:?}\n{err}", status.code());
        assert!(err.contains(file), "`{cmd}` message does not name {file}:\n{err}");
        assert!(err.contains(says), "`{cmd}` message does not say `{says}`:\n{err}");
        assert!(!site.root().join("public").exists(), "`{cmd}` wrote output for a broken site");
    }
}

#[test]
fn alias_bomb() {
    let s = Site::new();
    let mut fm = String::from("kind: normative\ntitle: x\npublished: 2024-01-02\nkeywords: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for i in 1..12 {
        let p = i - 1;
        fm.push_str(&format!("k{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"));
    }
    s.write("content/bomb.md", &format!("---\n{fm}---\nx\n"));
    refuses(&s, "content/bomb.md", "YAML");
}

#[test]
fn deep_nesting_in_yaml() {
    let s = Site::new();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    s.write("content/deep.md", &format!("---\nkind: normative\ntitle: x\npublished: 2024-01-02\nkeywords: {deep}\n---\nx\n"));
    refuses(&s, "content/deep.md", "YAML");
}

#[test]
fn deep_nesting_in_markdown_builds_without_crashing() {
    let s = Site::new();
    let quotes = ">".repeat(100_000);
    let lists: String = (0..1_500).map(|i| format!("{}- a\n", "  ".repeat(i))).collect();
    s.record("deep", &normative("深", "2024-01-02"), &format!("{quotes} 引文\n\n{lists}\n"));
    let start = Instant::now();
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn fifty_megabyte_record() {
    let s = Site::new();
    let mut text = format!("---\n{}\n---\n", normative("大", "2024-01-02")).into_bytes();
    text.resize(50 * 1024 * 1024, b'a');
    s.write_bytes("content/big.md", &text);
    refuses(&s, "content/big.md", "MiB");
}

#[test]
fn binary_file() {
    let s = Site::new();
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend((0..4096u32).map(|i| (i * 7919 % 251) as u8));
    s.write_bytes("content/image.md", &b);
    refuses(&s, "content/image.md", "UTF-8");
}

#[test]
fn gbk_file() {
    let s = Site::new();
    // "---\ntitle: 青川市\n…" saved in GBK.
    let mut b = b"---\nkind: normative\ntitle: \xC7\xE0\xB4\xA8\xCA\xD0\npublished: 2024-01-02\n---\n\xD5\xFD\xCE\xC4\n".to_vec();
    b.extend_from_slice(b"\n");
    s.write_bytes("content/gbk.md", &b);
    refuses(&s, "content/gbk.md", "GBK");
}

#[test]
fn empty_file() {
    let s = Site::new();
    s.write("content/empty.md", "");
    refuses(&s, "content/empty.md", "空");
}

#[test]
fn only_front_matter_is_a_warning_not_a_failure() {
    let s = Site::new();
    s.write("content/only.md", &format!("---\n{}\n---\n", normative("仅元数据", "2024-01-02")));
    let o = s.run(&["check"]);
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("empty-text") && err.contains("content/only.md"), "{err}");
    // And an unterminated front matter is an error.
    s.write("content/open.md", &format!("---\n{}\n", normative("未结束", "2024-01-02")));
    refuses(&s, "content/open.md", "---");
}

#[test]
fn ids_that_climb_out() {
    let s = Site::new();
    s.record("a", &format!("id: ../../etc/evil\n{}", normative("甲", "2024-01-02")), "x\n");
    refuses(&s, "content/a.md", "..");
    let s = Site::new();
    s.record("b", &format!("id: /abs/evil\n{}", normative("乙", "2024-01-02")), "x\n");
    refuses(&s, "content/b.md", "id");
}

#[test]
fn attachments_reaching_outside_content() {
    let s = Site::new();
    s.write("private.txt", "secret");
    s.record("a", &format!("{}\nattachments:\n  - {{file: ../private.txt, title: x}}", normative("甲", "2024-01-02")), "x\n");
    refuses(&s, "content/a.md", "outside");
}

#[cfg(unix)]
#[test]
fn symlinks_are_refused() {
    let s = Site::new();
    s.write("outside/secret.md", &format!("---\n{}\n---\nSECRET\n", normative("外", "2024-01-02")));
    std::fs::create_dir_all(s.root().join("content")).unwrap();
    std::os::unix::fs::symlink(s.root().join("outside/secret.md"), s.root().join("content/link.md")).unwrap();
    std::os::unix::fs::symlink(s.root().join("outside"), s.root().join("content/linkdir")).unwrap();
    refuses(&s, "content/link.md", "符号链接");
    let o = s.run(&["check"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("content/linkdir"));
}

#[test]
fn broken_settings_file() {
    let s = Site::new();
    s.write("gongbao.toml", "[site\nname = 1\n");
    let o = s.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("gongbao.toml:1:"));
    let none = tempfile::tempdir().unwrap();
    let o = common::run_in(none.path(), &["build"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_usage_exits_two() {
    let s = Site::new();
    assert_eq!(s.run(&["build", "--as-of", "2024-13-01"]).status.code(), Some(2));
    assert_eq!(s.run(&["build", "--jobs", "0"]).status.code(), Some(2));
    assert_eq!(s.run(&["frobnicate"]).status.code(), Some(2));
}
