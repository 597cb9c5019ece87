//! The publication register (信息发布登记) over a scripted git history: each commit that puts a
//! record on the site, or changes a published one, gives one entry with the commit's author and
//! time; uncommitted edits give none; a withheld record's entries never reach the site; and a
//! register edited by hand stops the build instead of being written over.

mod common;
use common::{CONFIG, Site, normative};
use std::process::Command;

fn git(s: &Site, args: &[&str], author: &str, time: &str) {
    let o = Command::new("git")
        .current_dir(s.root())
        .args(["-c", &format!("user.name={author}"), "-c", "user.email=editor@qingchuan.invalid"])
        .args(args)
        .env("GIT_AUTHOR_DATE", time)
        .env("GIT_COMMITTER_DATE", time)
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn commit(s: &Site, author: &str, time: &str) {
    git(s, &["add", "-A", "content"], author, time);
    git(s, &["commit", "-qm", "收录"], author, time);
}

fn register(s: &Site) -> Vec<serde_json::Value> {
    std::fs::read_to_string(s.root().join("publications.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn build(s: &Site) {
    // Without --as-of: a build for another day registers nothing (tested below).
    let o = s.run(&["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn doc(title: &str, published: &str) -> String {
    format!(
        "{}\neffective: {published}\nreview: {{by: 李审查, on: {published}, result: 同意公开}}",
        normative(title, published)
    )
}

#[test]
fn commits_make_entries_and_an_edited_register_stops_the_build() {
    let s = Site::new();
    git(&s, &["init", "-q"], "x", "2025-01-01T09:00:00+08:00");
    s.record("a", &doc("甲办法", "2025-01-06"), "第一条 甲。\n");
    s.record("b", &doc("乙办法", "2025-01-07"), "第一条 乙。\n");
    commit(&s, "王编辑", "2025-01-07T10:30:00+08:00");
    build(&s);
    let r = register(&s);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0]["id"], "a");
    assert_eq!(r[0]["publisher"], "王编辑");
    assert_eq!(r[0]["committed"], "2025-01-07T10:30:00+08:00");
    assert_eq!(r[0]["reviewer"], "李审查");
    assert_eq!(r[0]["change"], "new");
    assert_eq!(r[0]["url"], "https://www.ceshi.gov.cn/docs/a/");
    let sha = sha256_hex(&std::fs::read(s.root().join("content/a.md")).unwrap());
    assert_eq!(r[0]["sha256"], sha.as_str());

    // The same content again: nothing new.
    build(&s);
    assert_eq!(register(&s).len(), 2);
    // A build for another day rehearses, and registers nothing.
    s.record("c", &doc("丙办法", "2025-01-08"), "第一条 丙。\n");
    commit(&s, "王编辑", "2025-01-08T09:00:00+08:00");
    let o = s.run(&["build", "--as-of", "2025-06-30"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(register(&s).len(), 2);
    // Its register page and table show the register as it stands, not what a build would add.
    let csv = std::fs::read_to_string(s.root().join("public/data/publications.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(!csv.contains("丙办法"), "{csv}");
    build(&s);
    assert_eq!(register(&s).len(), 3);

    // An edit not committed yet is not a publication; committed, it is.
    s.record("a", &doc("甲办法", "2025-01-06"), "第一条 甲。第二条 新增。\n");
    build(&s);
    assert_eq!(register(&s).len(), 3, "uncommitted edits are not registered");
    commit(&s, "赵编辑", "2025-02-03T16:00:00+08:00");
    build(&s);
    let r = register(&s);
    assert_eq!(r.len(), 4);
    assert_eq!((r[3]["id"].as_str(), r[3]["change"].as_str()), (Some("a"), Some("changed")));
    assert_eq!(r[3]["publisher"], "赵编辑");
    assert_eq!(r[3]["number"], 4);

    // Published as a page and as data.
    let page = std::fs::read_to_string(s.root().join("public/publications/index.html")).unwrap();
    assert!(page.contains("信息发布登记") && page.contains("赵编辑") && page.contains("乙办法"), "{page}");
    let csv = std::fs::read_to_string(s.root().join("public/data/publications.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");

    // Withheld later: its entries stay in the repository's register, and leave the site.
    s.record(
        "b",
        &format!("{}\ndisclosure: withheld\ndisclosure_reason: 内部事务", normative("乙办法", "2025-01-07")),
        "第一条 乙。\n",
    );
    commit(&s, "王编辑", "2025-03-01T09:00:00+08:00");
    build(&s);
    assert_eq!(register(&s).len(), 4);
    let page = std::fs::read_to_string(s.root().join("public/publications/index.html")).unwrap();
    assert!(!page.contains("乙办法"), "a withheld record's entries are not published");
    let csv = std::fs::read_to_string(s.root().join("public/data/publications.csv")).unwrap();
    assert!(!csv.contains("乙办法"));

    // A register changed by hand (here: the publisher of entry 2) stops check and build.
    let text = std::fs::read_to_string(s.root().join("publications.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let edited = format!("{}\n{}\n{}\n{}\n", lines[0], lines[1].replace("王编辑", "张编辑"), lines[2], lines[3]);
    std::fs::write(s.root().join("publications.jsonl"), &edited).unwrap();
    let before = std::fs::read(s.root().join("public/index.html")).unwrap();
    let o = s.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("publications.jsonl:3") && err.contains("register"), "{err}");
    assert_eq!(std::fs::read(s.root().join("public/index.html")).unwrap(), before, "the output is untouched");
    assert_eq!(std::fs::read_to_string(s.root().join("publications.jsonl")).unwrap(), edited, "nothing appended");
    // A byte that is not UTF-8 is named on its line.
    let mut bytes = format!("{}\n{}\n", lines[0], lines[1]).into_bytes();
    bytes.extend_from_slice(b"\xff");
    bytes.extend_from_slice(format!("{}\n", lines[2]).as_bytes());
    std::fs::write(s.root().join("publications.jsonl"), &bytes).unwrap();
    let o = s.run(&["check"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code() == Some(1) && err.contains("publications.jsonl:3") && err.contains("UTF-8"), "{err}");
}

/// The `PubDate` of record `id`'s page.
fn pubdate(s: &Site, id: &str) -> String {
    let page = std::fs::read_to_string(s.root().join(format!("public/docs/{id}/index.html"))).unwrap();
    let at = page.find("<meta name=\"PubDate\" content=\"").unwrap_or_else(|| panic!("{id} has no PubDate"));
    page[at..].split('"').nth(3).unwrap().to_string()
}

#[test]
fn pubdate_is_the_time_of_the_first_registration_on_the_day_of_publication() {
    let s = Site::new();
    git(&s, &["init", "-q"], "x", "2025-01-01T09:00:00+08:00");
    // Committed at 01:15 UTC: 09:15 in the site's zone (+08:00), the day it was published.
    s.record("a", &doc("甲办法", "2025-03-03"), "第一条 甲。\n");
    commit(&s, "王编辑", "2025-03-03T01:15:00+00:00");
    // 23:30 UTC the day before is 07:30 on the day of publication in the site's zone.
    s.record("c", &doc("丙办法", "2025-03-03"), "第一条 丙。\n");
    commit(&s, "王编辑", "2025-03-02T23:30:00+00:00");
    // Put on the site a day after its publication date: the register knows no time of that day.
    s.record("b", &doc("乙办法", "2025-03-03"), "第一条 乙。\n");
    commit(&s, "王编辑", "2025-03-04T10:00:00+08:00");
    build(&s);
    assert_eq!(register(&s).len(), 3);
    assert_eq!(pubdate(&s, "a"), "2025-03-03 09:15");
    assert_eq!(pubdate(&s, "c"), "2025-03-03 07:30");
    assert_eq!(pubdate(&s, "b"), "2025-03-03 00:00");
    // A later change makes a `changed` entry; the publication time stays that of the first.
    s.record("a", &doc("甲办法", "2025-03-03"), "第一条 甲。第二条 新增。\n");
    commit(&s, "赵编辑", "2025-03-03T08:00:00+00:00");
    build(&s);
    assert_eq!(register(&s).len(), 4);
    assert_eq!(pubdate(&s, "a"), "2025-03-03 09:15");
}

#[test]
fn a_site_outside_git_registers_without_a_publisher() {
    let s = Site::new();
    s.write("gongbao.toml", CONFIG);
    s.record("a", &doc("甲办法", "2025-01-06"), "第一条 甲。\n");
    build(&s);
    let r = register(&s);
    assert_eq!(r.len(), 1);
    assert!(r[0]["publisher"].is_null() && r[0]["commit"].is_null(), "{:?}", r[0]);
    // No commit, no time: `PubDate` is the publication date at 00:00.
    assert_eq!(pubdate(&s, "a"), "2025-01-06 00:00");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
