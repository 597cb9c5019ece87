//! Inputs a hostile review (December 2026) found mishandled: an output named at a file, a site
//! without `content/`, an unusable `base_url`, personal data outside plain text, XHTML
//! attachments, output files tampered with their time put back, paths too long as a whole,
//! records that would silently be left out, and empty attachments. Each fails before the fix.

mod common;
use common::{Site, normative, tree};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn an_output_named_at_a_file_is_refused_and_the_file_kept() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    let notes = s.write("notes.txt", "notes");
    for out in ["notes.txt", "gongbao.toml"] {
        let before = std::fs::read(s.root().join(out)).unwrap();
        let o = s.run(&["build", "--as-of", "2024-06-01", "--out", out]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("不是目录"), "{}", stderr(&o));
        assert_eq!(std::fs::read(s.root().join(out)).unwrap(), before, "{out} is left as it was");
    }
    assert!(notes.is_file());
    let beside: Vec<String> =
        std::fs::read_dir(s.root()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!beside.iter().any(|n| n.contains("gongbao-old") || n.contains("staging")), "{beside:?}");
}

#[test]
fn a_site_without_content_is_an_error_and_the_output_stays() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    let before = tree(&s.root().join("public"));
    std::fs::rename(s.root().join("content"), s.root().join("content.bak")).unwrap();
    for setup in [None, Some("oops")] {
        if let Some(text) = setup {
            s.write("content", text);
        }
        let o = s.run(&["build", "--as-of", "2024-06-01"]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("content"), "{}", stderr(&o));
        assert!(!s.run(&["check"]).status.success());
        assert_eq!(tree(&s.root().join("public")), before, "the previous output is untouched");
    }
}

#[test]
fn a_base_url_that_is_no_address_is_refused_where_it_is_written() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    for bad in ["not a url", "javascript:alert(1)"] {
        s.write("gongbao.toml", &format!("[site]\nname = \"测试市\"\nbase_url = \"{bad}\"\n"));
        let o = s.run(&["build", "--as-of", "2024-06-01"]);
        assert_ne!(o.status.code(), Some(0));
        let err = stderr(&o);
        assert!(err.contains("base_url") && err.contains("gongbao.toml:3:1"), "{err}");
        assert!(!s.root().join("public").exists());
    }
}

#[test]
fn personal_data_is_found_in_front_matter_html_links_entities_and_text_files() {
    let s = Site::new();
    let fm =
        |t: &str| format!("{}\nreview: {{by: 审查员, on: 2024-01-01, result: 同意公开}}", normative(t, "2024-01-02"));
    s.record("kw", &format!("{}\nkeywords: [补贴, 联系人13812345678]", fm("甲")), "正文。\n");
    s.record("html", &fm("乙"), "<table><tr><td>110105194912310011</td></tr></table>\n");
    s.record("tel", &fm("丙"), "[拨打](tel:13812345678)\n");
    s.record("ent", &fm("丁"), "电话1381234&#53;678。\n");
    s.record("two", &fm("戊"), "当事人 110105194912310011 13812345678\n");
    // Cut by inline markup or tags, or written over several lines of a YAML value, or with a
    // YAML escape: the reader still sees one number.
    s.record("tags", &fm("庚"), "电话<b>138</b>1234 **5678**。\n");
    s.record("folded", &format!("{}\nkeywords:\n  - >-\n    联系人 138\n    1234 5678", fm("辛")), "正文。\n");
    s.record("escaped", &format!("{}\nkeywords: [\"联系人1381234\\x35678\"]", fm("壬")), "正文。\n");
    s.record("binary", &format!("{}\nkeywords: [!!binary MTM4MTIzNDU2Nzg=]", fm("子")), "正文。\n");
    s.record("cr", &format!("{}\nkeywords:\n  - 电话138\r    12345678", fm("丑")), "正文。\n");
    s.record("nbsp", &format!("{}\nkeywords: [电话138\u{a0}1234\u{a0}5678]", fm("寅")), "正文。\n");
    s.write(
        "content/word/index.md",
        &format!(
            "---\n{}\nattachments:\n  - {{file: ye.htm, title: 页}}\n  - {{file: data.json, title: 数据}}\n---\n见附件。\n",
            fm("卯")
        ),
    );
    s.write("content/word/ye.htm", "<p>电话138<o:p></o:p>1234<span style='mso-spacerun:yes'>&nbsp;</span>5678</p>\n");
    s.write(
        "content/word/data.json",
        "{\"tel\": \"\\uff11\\uff13\\uff18\\uff11\\uff12\\uff13\\uff14\\uff15\\uff16\\uff17\\uff18\"}\n",
    );
    s.write(
        "content/list/index.md",
        &format!("---\n{}\nattachments:\n  - {{file: mingdan.csv, title: 名单}}\n---\n名单见附件。\n", fm("己")),
    );
    s.write("content/list/mingdan.csv", "姓名,身份证号\n王五,110105194912310011\n");
    s.write(
        "content/page/index.md",
        &format!("---\n{}\nattachments:\n  - {{file: ye.html, title: 页}}\n---\n见附件。\n", fm("癸")),
    );
    s.write("content/page/ye.html", "<table>\n<tr><td>138</td><td>1234</td></tr>\n<p>电话<b>138</b>\n1234 5678</p>\n");
    let (code, v) = s.check_json(&["--as-of", "2024-06-01"]);
    assert_eq!(code, 1);
    let found: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "personal-data")
        .map(|d| (d["file"].as_str().unwrap().to_string(), d["message"].as_str().unwrap_or_default().to_string()))
        .collect();
    for (file, n) in [
        ("kw", 1),
        ("html", 1),
        ("tel", 1),
        ("ent", 1),
        ("two", 2),
        ("list/index", 1),
        ("tags", 1),
        ("folded", 1),
        ("escaped", 1),
        ("page/index", 1),
        ("binary", 1),
        ("cr", 1),
        ("nbsp", 1),
        ("word/index", 2),
    ] {
        let here = found.iter().filter(|(f, _)| *f == format!("content/{file}.md")).count();
        assert_eq!(here, n, "{file}: {found:?}");
    }
    assert!(found.iter().any(|(_, m)| m.contains("mingdan.csv") && m.contains("第 2 行")), "{found:?}");
    assert!(found.iter().any(|(_, m)| m.contains("ye.html") && m.contains("第 3 行")), "{found:?}");
    // The messages and the quoted lines mask the numbers.
    let o = s.run(&["check", "--as-of", "2024-06-01"]);
    let err = stderr(&o);
    assert!(!err.contains("13812345678") && !err.contains("110105194912310011"), "{err}");
    // Written with an entity, the number is masked in the quoted line too.
    assert!(err.contains("电话*******&#**;***"), "{err}");
    assert!(!s.run(&["build", "--as-of", "2024-06-01"]).status.success());
}

#[test]
fn xhtml_attachments_are_refused() {
    let s = Site::new();
    s.write(
        "content/a/index.md",
        &format!(
            "---\n{}\nattachments:\n  - {{file: page.xhtml, title: 页}}\n---\n正文。\n",
            normative("甲", "2024-01-02")
        ),
    );
    s.write("content/a/page.xhtml", "<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:h=\"http://www.w3.org/1999/xhtml\"><h:script>alert(1)</h:script></html>");
    let errors: Vec<_> = s.findings("active-attachment");
    assert_eq!(errors, [("content/a/index.md".to_string(), 7)]);
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(!o.status.success());
}

#[test]
fn an_output_file_changed_with_its_time_put_back_is_made_again() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    let page = s.root().join("public/docs/a/index.html");
    let good = std::fs::read(&page).unwrap();
    let when = std::fs::metadata(&page).unwrap().modified().unwrap();
    let mut bad = good.clone();
    let at = bad.len() / 2;
    bad[at] ^= 1;
    std::fs::write(&page, &bad).unwrap();
    std::fs::File::options().write(true).open(&page).unwrap().set_modified(when).unwrap();
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    assert_eq!(std::fs::read(&page).unwrap(), good, "the rebuild writes the page again");
    assert!(s.run(&["verify", "public"]).status.success());
}

#[test]
fn an_output_path_too_long_as_a_whole_is_found_by_check() {
    let s = Site::new();
    let long = vec!["a".repeat(200); 6].join("/");
    s.write(&format!("content/{long}.md"), &format!("---\n{}\n---\n正文。\n", normative("甲", "2024-01-02")));
    let found = s.findings("path-too-long");
    assert!(!found.is_empty() && found.iter().all(|(f, _)| f == &format!("content/{long}.md")), "{found:?}");
}

#[test]
fn a_record_that_would_be_left_out_and_an_empty_attachment_are_told() {
    let s = Site::new();
    s.write("content/通知.MD", &format!("---\n{}\n---\n正文。\n", normative("甲", "2024-01-02")));
    s.write(
        "content/b/index.md",
        &format!(
            "---\n{}\nattachments:\n  - {{file: zero.pdf, title: 空}}\n  - {{file: 说明.markdown, title: 说明}}\n---\n正文。\n",
            normative("乙", "2024-01-02")
        ),
    );
    s.write("content/b/zero.pdf", "");
    // A record's own file named so is an attachment, not a record left out.
    s.write("content/b/说明.markdown", "# 说明\n");
    assert_eq!(s.findings("not-a-record"), [("content/通知.MD".to_string(), 1)]);
    assert_eq!(s.findings("empty-file"), [("content/b/index.md".to_string(), 7)]);
}

#[test]
fn no_package_is_made_from_a_build_older_than_a_withholding() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "STALE-MARKER。\n");
    s.record("b", &normative("乙", "2024-01-03"), "正文。\n");
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    s.record(
        "a",
        &format!("{}\ndisclosure: 不予公开\ndisclosure_reason: 涉及国家秘密", normative("甲", "2024-01-02")),
        "STALE-MARKER。\n",
    );
    let o = s.run(&["package", "--warc"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("1 份文件") && !err.contains("docs/a") && !err.contains("STALE"), "{err}");
    let made = s.root().join("packages");
    assert!(!made.exists() || std::fs::read_dir(&made).unwrap().next().is_none(), "no package was made");
    // Built again, the output no longer holds it, and the package is made.
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    let o = s.run(&["package", "--warc"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_relation_that_names_one_record_twice_is_an_error() {
    let s = Site::new();
    s.record("r", &normative("甲", "2020-01-02"), "正文。\n");
    s.record(
        "rp",
        &format!(
            "{}\nrepeals:\n  - {{id: r, effective: 2023-02-01}}\n  - {{id: r, effective: 2023-03-01}}",
            normative("乙", "2023-01-02")
        ),
        "正文。\n",
    );
    assert_eq!(s.findings("duplicate-ref"), [("content/rp.md".to_string(), 8)]);
}

#[test]
fn a_utf16_record_is_named_as_such() {
    let s = Site::new();
    let text = format!("---\n{}\n---\n正文。\n", normative("甲", "2024-01-02"));
    let bytes: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    s.write_bytes("content/a.md", &bytes);
    let o = s.run(&["check"]);
    assert!(stderr(&o).contains("UTF-16"), "{}", stderr(&o));
}

#[test]
fn a_second_build_into_the_same_output_waits_its_turn() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    let before = tree(&s.root().join("public"));
    let locks: Vec<_> =
        std::fs::read_dir(s.root().join(".gongbao/locks")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(locks.len(), 1, "{locks:?}");
    // Another build holds the lock.
    let held = std::fs::File::options().write(true).open(&locks[0]).unwrap();
    held.try_lock().unwrap();
    s.record("a", &normative("甲", "2024-01-02"), "改过的正文。\n");
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("另一个 gongbao 构建正在写入"), "{}", stderr(&o));
    assert_eq!(tree(&s.root().join("public")), before, "nothing was touched");
    drop(held);
    assert!(s.run(&["build", "--as-of", "2024-06-01"]).status.success());
    assert_ne!(tree(&s.root().join("public")), before);
}

#[test]
fn a_placeholder_year_is_an_error_where_it_is_written() {
    let s = Site::new();
    s.record("a", "kind: normative\ntitle: 甲\nissuer: 测试市人民政府办公室\npublished: 0000-01-01", "正文。\n");
    assert_eq!(s.findings("date"), [("content/a.md".to_string(), 5)]);
    assert!(!s.run(&["build", "--as-of", "2024-06-01"]).status.success());
}
