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
        let mut child = Command::new(common::bin())
            .current_dir(site.root())
            .arg(cmd)
            .env("CI", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
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
    let mut fm = String::from(
        "kind: normative\ntitle: x\npublished: 2024-01-02\nkeywords: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
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
    s.write(
        "content/deep.md",
        &format!("---\nkind: normative\ntitle: x\npublished: 2024-01-02\nkeywords: {deep}\n---\nx\n"),
    );
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
    let mut b =
        b"---\nkind: normative\ntitle: \xC7\xE0\xB4\xA8\xCA\xD0\npublished: 2024-01-02\n---\n\xD5\xFD\xCE\xC4\n"
            .to_vec();
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
    s.record(
        "a",
        &format!("{}\nattachments:\n  - {{file: ../private.txt, title: x}}", normative("甲", "2024-01-02")),
        "x\n",
    );
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

/// Makes a FIFO at `path` (the kind of file that blocks whoever opens it to read).
#[cfg(unix)]
fn fifo(path: &std::path::Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let st = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(st.success());
}

#[cfg(unix)]
#[test]
fn a_linked_file_never_shows_under_a_message() {
    let s = Site::new();
    s.write("outside/secret.txt", "SECRET-FIRST-LINE\nmore\n");
    std::fs::create_dir_all(s.root().join("content")).unwrap();
    std::os::unix::fs::symlink(s.root().join("outside/secret.txt"), s.root().join("content/x.md")).unwrap();
    let o = s.run(&["check"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("content/x.md") && !err.contains("SECRET-FIRST-LINE"), "{err}");
}

#[cfg(unix)]
#[test]
fn content_folder_that_is_a_link() {
    let s = Site::new();
    s.write("elsewhere/a.md", &format!("---\n{}\n---\nSECRET\n", normative("外", "2024-01-02")));
    std::os::unix::fs::symlink(s.root().join("elsewhere"), s.root().join("content")).unwrap();
    refuses(&s, "content", "符号链接");
    // And nothing behind the link is read.
    let err = String::from_utf8_lossy(&s.run(&["check"]).stderr).into_owned();
    assert!(err.contains("已检查 0 条记录"), "{err}");
}

#[cfg(unix)]
#[test]
fn link_to_an_endless_device() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "x\n");
    std::os::unix::fs::symlink("/dev/zero", s.root().join("content/z.md")).unwrap();
    refuses(&s, "content/z.md", "符号链接");
}

#[cfg(unix)]
#[test]
fn fifos_never_hang() {
    // A FIFO as a record, as a file beside one, and as the settings file.
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "x\n");
    fifo(&s.root().join("content/f.md"));
    refuses(&s, "content/f.md", "普通文件");
    let s = Site::new();
    s.record("a", &format!("{}\nattachments:\n  - {{file: t.csv, title: 表}}", normative("甲", "2024-01-02")), "x\n");
    fifo(&s.root().join("content/t.csv"));
    refuses(&s, "content/t.csv", "普通文件");
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "x\n");
    std::fs::remove_file(s.root().join("gongbao.toml")).unwrap();
    fifo(&s.root().join("gongbao.toml"));
    refuses(&s, "gongbao.toml", "普通文件");
}

/// A site with a theme `gov` whose static folder holds `style.css`.
fn themed(theme: &str) -> Site {
    let s = Site::new();
    s.write("gongbao.toml", &common::CONFIG.replace("[site]\n", &format!("[site]\ntheme = \"{theme}\"\n")));
    s.record("a", &normative("甲", "2024-01-02"), "x\n");
    s
}

#[test]
fn theme_names_stay_inside_themes() {
    for bad in ["../outside", "/tmp", "a/b", ".hidden", "..", "a\\\\b"] {
        let s = themed(bad);
        s.write("outside/templates/base.html", "x");
        let o = s.run(&["check"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{bad}: {err}");
        assert!(err.contains("gongbao.toml:2:") && err.contains("theme"), "{bad}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn links_in_themes_are_refused() {
    // The static folder, one file in it, the theme folder itself, and themes/ as links.
    let outside = |s: &Site| {
        s.write("outside/secret.txt", "SECRET");
        s.root().join("outside")
    };
    let s = themed("gov");
    s.write("themes/gov/templates/.keep", "");
    std::os::unix::fs::symlink(outside(&s), s.root().join("themes/gov/static")).unwrap();
    refuses(&s, "themes/gov/static", "符号链接");
    let s = themed("gov");
    s.write("themes/gov/static/a.css", "");
    std::os::unix::fs::symlink(outside(&s).join("secret.txt"), s.root().join("themes/gov/static/b.css")).unwrap();
    refuses(&s, "themes/gov/static/b.css", "符号链接");
    let s = themed("gov");
    std::fs::create_dir_all(s.root().join("themes")).unwrap();
    std::os::unix::fs::symlink(outside(&s), s.root().join("themes/gov")).unwrap();
    refuses(&s, "themes/gov", "符号链接");
    let s = themed("gov");
    s.write("outside/gov/static/x.css", "SECRET");
    std::os::unix::fs::symlink(outside(&s), s.root().join("themes")).unwrap();
    refuses(&s, "themes", "符号链接");
    let s = themed("gov");
    fifo(&s.root().join("themes/gov/static/f.css"));
    refuses(&s, "themes/gov/static/f.css", "普通文件");
}

#[test]
fn html_attachments_are_cleaned() {
    let s = Site::new();
    s.write("content/a/page.HTML", "<html><body onload=\"steal()\"><p>正文</p><script>steal()</script><a href=\"javascript:x()\">l</a><a href=\"https://e.cn/\">e</a></body></html>");
    s.write(
        "content/a/index.md",
        &format!(
            "---\n{}\nattachments:\n  - {{file: page.HTML, title: 页}}\n---\n见[页](page%2EHTML)。\n",
            normative("甲", "2024-01-02")
        ),
    );
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("active-attachment") && err.contains("content/a/index.md"), "{err}");
    let out = std::fs::read_to_string(s.root().join("public/docs/a/page.HTML")).unwrap();
    let l = out.to_ascii_lowercase();
    assert!(
        !l.contains("<script") && !l.contains("onload") && !l.contains("javascript") && !l.contains("steal"),
        "{out}"
    );
    assert!(out.contains("正文") && out.contains("https://e.cn/"), "{out}");
    // What is published is what is checksummed.
    let sums = std::fs::read_to_string(s.root().join("public/SHA256SUMS")).unwrap();
    let line = sums.lines().find(|l| l.ends_with("docs/a/page.HTML")).unwrap();
    use sha2::Digest;
    assert!(line.starts_with(&hex(&sha2::Sha256::digest(out.as_bytes()))), "{line}");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn svg_and_other_active_attachments_are_refused() {
    let s = Site::new();
    s.write("content/a/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>");
    s.write("content/a/x.XSL", "<x/>");
    s.write(
        "content/a/index.md",
        &format!(
            "---\n{}\nattachments:\n  - {{file: logo.svg, title: 图}}\n---\n见[样式](x%2EXSL)。\n",
            normative("甲", "2024-01-02")
        ),
    );
    refuses(&s, "content/a/index.md", "active-attachment");
    assert_eq!(
        s.findings("active-attachment"),
        vec![("content/a/index.md".into(), 7), ("content/a/index.md".into(), 9)]
    );
    // Whatever [rules] says.
    s.write("gongbao.toml", &format!("{}\n[rules]\nactive-attachment = \"off\"\n", common::CONFIG));
    assert_eq!(s.run(&["build"]).status.code(), Some(1));
    assert!(!s.root().join("public").exists());
}

#[cfg(unix)]
#[test]
fn file_names_with_control_characters_are_refused() {
    let s = Site::new();
    s.write("content/d/a\nb.csv", "a\n1\n");
    s.write("content/d/t\tx.csv", "a\n1\n");
    s.write("content/d/index.md", &format!("---\n{}\n---\n见[表](a%0Ab.csv)。\n", normative("甲", "2024-01-02")));
    refuses(&s, "content/d/a\\nb.csv", "file-name");
    let o = s.run(&["check"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("content/d/t\\tx.csv"));
}

/// Two long texts with nothing in common: many paragraphs, and one paragraph of a million
/// characters.
fn unrelated_texts() -> (String, String) {
    let mut seed = 1u32;
    let mut text = |alphabet: &[char]| -> String {
        let mut s = String::new();
        for p in 0..6_000 {
            for _ in 0..150 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                s.push(alphabet[(seed >> 16) as usize % alphabet.len()]);
            }
            s.push_str(if p == 3_000 { "" } else { "\n\n" });
        }
        s.push_str("\n\n");
        for _ in 0..1_000_000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            s.push(alphabet[(seed >> 16) as usize % alphabet.len()]);
        }
        s.push('\n');
        s
    };
    (text(&['甲', '乙', '丙', '丁']), text(&['子', '丑', '寅', '卯']))
}

#[test]
fn a_huge_redline_is_bounded_in_time() {
    let s = Site::new();
    let (old, new) = unrelated_texts();
    s.write(
        "content/rule/index.md",
        &format!("---\n{}\neffective: 2020-01-01\n---\n{new}", normative("管理办法", "2019-12-01")),
    );
    s.write("content/rule/versions/2020-01-01.md", &old);
    s.record(
        "change",
        &format!("{}\namends: [{{id: rule, effective: 2022-07-01}}]", normative("修改决定", "2022-06-01")),
        "x\n",
    );
    let start = Instant::now();
    let o = s.run(&["build", "--as-of", "2023-01-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(start.elapsed() < Duration::from_secs(60), "{:?}", start.elapsed());
    let d = std::fs::read_to_string(s.root().join("public/docs/rule/diff/2020-01-01..2022-07-01/index.html")).unwrap();
    assert!(d.contains("<del>") && d.contains("<ins>"));
}

/// A document with `n` earlier texts, and its total output size and largest version page.
fn many_versions(n: usize) -> (u64, u64) {
    let s = Site::new();
    s.write(
        "content/rule/index.md",
        &format!("---\n{}\neffective: 2000-01-01\n---\n第一条 现行文本。\n", normative("管理办法", "1999-12-01")),
    );
    let day = |k: usize| format!("{:04}-{:02}-{:02}", 2000 + k / 300, 1 + (k % 300) / 28, 1 + k % 28);
    for k in 0..n {
        s.write(&format!("content/rule/versions/{}.md", day(k)), &format!("第一条 第{k}个文本。\n"));
    }
    s.record(
        "change",
        &format!("{}\namends: [{{id: rule, effective: 2010-01-01}}]", normative("修改决定", "2009-12-01")),
        "x\n",
    );
    let o = s.run(&["build", "--as-of", "2011-01-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (mut total, mut largest) = (0, 0);
    for e in walkdir::WalkDir::new(s.root().join("public")).into_iter().flatten().filter(|e| e.file_type().is_file()) {
        let len = e.metadata().unwrap().len();
        total += len;
        let p = e.path().to_string_lossy().into_owned();
        if p.contains("docs/rule/") && !p.ends_with("docs/rule/index.html") {
            largest = largest.max(len);
        }
    }
    (total, largest)
}

#[test]
fn output_grows_linearly_with_versions() {
    let (t300, largest) = many_versions(300);
    assert!(largest < 60_000, "a version or redline page of {largest} bytes");
    let (t600, _) = many_versions(600);
    assert!((t600 as f64) / (t300 as f64) < 2.3, "{t300} → {t600}");
}

#[test]
fn list_pages_link_a_bounded_window_of_pages() {
    let s = Site::new();
    s.write("gongbao.toml", &common::CONFIG.replace("[site]\n", "[site]\nper_page = 1\n"));
    for k in 0..60 {
        s.record(&format!("r{k}"), &normative(&format!("文件{k}"), "2024-01-02"), "x\n");
    }
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Page 1 holds the oldest record; the list's own page the newest.
    for p in [None, Some(1), Some(2), Some(30), Some(59)] {
        let path = p.map_or("public/browse/year/2024/index.html".to_string(), |p| {
            format!("public/browse/year/2024/page/{p}/index.html")
        });
        let html = std::fs::read_to_string(s.root().join(&path)).unwrap();
        let pager = &html[html.find("class=\"pager\"").unwrap()..];
        let pager = &pager[..pager.find("</nav>").unwrap()];
        let links = pager.matches("<a ").count();
        assert!(links <= 11, "{path}: {links} links\n{pager}");
        assert!(
            pager.contains("/browse/year/2024/page/1/\"") || p == Some(1),
            "{path}: no link to the oldest page\n{pager}"
        );
        assert!(pager.contains("/browse/year/2024/\"") || p.is_none(), "{path}: no link to the newest\n{pager}");
    }
    assert!(!s.root().join("public/browse/year/2024/page/60").exists(), "the newest record has no numbered page");
}
