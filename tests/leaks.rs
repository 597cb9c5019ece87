//! What is not public never reaches any output, any log, or a reader by a side door: the ways
//! found in a hostile review (empty or misspelt disclosures, shared files, raw HTML, the build
//! cache, feeds, messages) each tried on a small site.

mod common;
use common::{Site, normative, tree};
use std::process::Command;

/// Every byte `build` wrote, as text.
fn output_text(s: &Site, out: &str) -> String {
    tree(&s.root().join(out)).into_iter().map(|(p, b)| format!("{p}\n{}\n", String::from_utf8_lossy(&b))).collect()
}

/// What a log shows in place of the file of a record that is not public.
const HIDDEN: &str = "不公开的记录 / a record that is not public";

fn check_code(s: &Site) -> i32 {
    s.run(&["check", "--as-of", "2026-01-01"]).status.code().unwrap_or(-1)
}

fn rules_of(s: &Site) -> Vec<String> {
    let (_, v) = s.check_json(&["--as-of", "2026-01-01"]);
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_empty_or_null_disclosure_never_publishes() {
    for value in ["", "~", "null", "Null", "!!null ''", "!!str"] {
        let s = Site::new();
        s.record(
            "a",
            &format!("{}\ndisclosure: {value}\ndisclosure_reason: 涉密", normative("秘MARKER", "2024-01-02")),
            "MARKER\n",
        );
        let rules = rules_of(&s);
        assert!(!rules.is_empty(), "`disclosure: {value}` passed check");
        let o = s.run(&["build", "--as-of", "2024-06-01"]);
        assert!(!o.status.success(), "`disclosure: {value}` built");
        assert!(
            !s.root().join("public").exists() || !output_text(&s, "public").contains("MARKER"),
            "`disclosure: {value}` published the record"
        );
    }
}

#[test]
fn a_reason_without_a_non_public_disclosure_is_an_error_that_cannot_be_relaxed() {
    let s = Site::new();
    s.record("a", &format!("{}\ndisclosure_reason: 涉及国家秘密", normative("甲MARKER", "2024-01-02")), "MARKER\n");
    assert_eq!(rules_of(&s), ["disclosure-reason"]);
    s.write("gongbao.toml", &format!("{}\n[rules]\ndisclosure-reason = \"warning\"\n", common::CONFIG));
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("disclosure-reason"));
    assert!(!s.root().join("public").exists());
}

#[test]
fn a_misspelt_disclosure_stays_an_error_when_unknown_keys_are_relaxed() {
    for key in [
        "disclosue: withheld",
        "Disclosure: withheld",
        "DISCLOSURE: withheld",
        "disclosure_: withheld",
        "公开属性: 不予公开",
        "secrecy: withheld",
        "revew: {by: 办公室, on: 2024-01-01, result: 同意}",
        "disclosure-reason: 涉密",
        // Merged, the first map's `public` would win over the `on_request` after it.
        "<<: [{disclosure: public}, {disclosure: on_request}]",
        "<<: {disclosure: public}",
        "base: &b {disclosure: on_request}\n<<: *b",
    ] {
        let s = Site::new();
        s.write("gongbao.toml", &format!("{}\n[rules]\nunknown-key = \"off\"\n", common::CONFIG));
        s.record("a", &format!("{}\n{key}", normative("秘MARKER", "2024-01-02")), "MARKER\n");
        assert!(rules_of(&s).contains(&"guard-key".to_string()), "`{key}` passed check: {:?}", rules_of(&s));
        let o = s.run(&["build", "--as-of", "2024-06-01"]);
        assert_eq!(o.status.code(), Some(1), "`{key}` built");
        assert!(!s.root().join("public").exists(), "`{key}` wrote output");
    }
    // An unrelated unknown key is still relaxable.
    let s = Site::new();
    s.write("gongbao.toml", &format!("{}\n[rules]\nunknown-key = \"off\"\n", common::CONFIG));
    s.record("a", &format!("{}\nsource_note: 内部编号", normative("甲", "2024-01-02")), "x\n");
    assert_eq!(check_code(&s), 0);
}

#[test]
fn a_site_cannot_declare_a_disclosure_lookalike_as_its_own_key() {
    let s = Site::new();
    s.write("gongbao.toml", &format!("extra_keys = [\"disclosue\"]\n{}", common::CONFIG));
    s.record("a", &format!("{}\ndisclosue: withheld", normative("秘", "2024-01-02")), "x\n");
    let o = s.run(&["check"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("disclosue"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_file_of_a_withheld_record_is_never_published_by_a_public_neighbour() {
    let s = Site::new();
    s.record(
        "d/secret",
        &format!(
            "{}\ndisclosure: withheld\ndisclosure_reason: 涉密\nattachments:\n  - {{file: plan.csv, title: 方案}}",
            normative("秘", "2024-01-02")
        ),
        "x\n",
    );
    s.write("content/d/plan.csv", "MARKER-PLAN\n");
    s.write("content/d/pic.png", "MARKER-PIC\n");
    s.record(
        "d/other",
        &format!("{}\ndisclosure: on_request", normative("依申请", "2024-01-02")),
        "<img src=\"pic.png\">\n",
    );
    s.record("d/pub", &normative("公开", "2024-01-02"), "见[方案](plan.csv)与<img src=\"pic.png\">。\n");
    let (code, v) = s.check_json(&["--as-of", "2026-01-01"]);
    assert_eq!(code, 1);
    let outside: Vec<(&str, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "outside")
        .map(|d| (d["file"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(outside, [("content/d/pub.md", 7), ("content/d/pub.md", 7)], "{v}");
    // Whatever the checks say, the plan never copies them and the page never links them.
    use gongbao::internals::{Job, Renderer, Theme, plan};
    let a = gongbao::cmd::analyse(s.root(), Some(gongbao::model::date::Date::parse("2026-01-01").unwrap()))
        .unwrap_or_else(|_| panic!("analyse"));
    let theme = Theme::builtin();
    let jobs = plan(&a.corpus, &a.cfg, &theme, s.root(), &a.register);
    assert!(!jobs.iter().any(|j| matches!(j, Job::Attachment(..))), "a withheld record's file is copied");
    let r = Renderer::new(&a.corpus, &a.cfg, &theme, s.root(), &a.register).unwrap_or_else(|_| panic!("theme"));
    let (_, page) = r.render(&Job::Doc(a.corpus.index_of("d/pub").unwrap())).unwrap_or_else(|_| panic!("render"));
    let page = String::from_utf8(page).unwrap();
    assert!(!page.contains("plan.csv") && !page.contains("pic.png"), "{page}");
}

#[test]
fn a_cached_build_forgets_a_raw_html_link_to_a_record_that_became_withheld() {
    let s = Site::new();
    let b = |extra: &str| s.record("b", &format!("{}{extra}", normative("乙", "2024-01-02")), "乙文。\n");
    b("");
    s.record("a", &normative("甲", "2024-01-02"), "见 <a href=\"doc:b\">乙</a> 与 <img src=\"tu.png\">。\n");
    s.write("content/tu.png", "png");
    let build = |extra: &[&str]| {
        let o = Command::new(common::bin())
            .current_dir(s.root())
            .args(["build", "--as-of", "2024-06-01"])
            .args(extra)
            .env("CI", "true")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    build(&[]);
    let page = std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap();
    assert!(page.contains("href=\"/docs/b/\""), "{page}");
    b("\ndisclosure: withheld\ndisclosure_reason: 涉密");
    build(&[]);
    build(&["--out", "clean", "--no-cache"]);
    assert!(
        tree(&s.root().join("public")) == tree(&s.root().join("clean")),
        "the cached build differs from a clean one"
    );
    assert!(!output_text(&s, "public").contains("docs/b"), "the withheld record is still linked");
    // A raw-HTML image is copied like a Markdown one.
    assert_eq!(std::fs::read(s.root().join("public/docs/a/tu.png")).unwrap(), b"png");
}

#[test]
fn feeds_and_catalogues_take_the_text_known_on_the_build_date() {
    let s = Site::new();
    s.write(
        "content/reg/index.md",
        &format!("---\n{}\neffective: 2020-01-01\n---\n第一条 NEWTEXT新的规定。\n", normative("办法", "2019-12-01")),
    );
    s.write("content/reg/versions/2020-01-01.md", "第一条 OLDTEXT原来的规定。\n");
    s.record(
        "change",
        &format!("{}\namends: [{{id: reg, effective: 2022-07-01}}]", normative("修改决定", "2022-06-01")),
        "修改。\n",
    );
    let o = s.run(&["build", "--as-of", "2022-05-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = output_text(&s, "public");
    assert!(!all.contains("NEWTEXT"), "the amendment's text is published before the amendment");
    let feed = std::fs::read_to_string(s.root().join("public/feeds/all.atom")).unwrap();
    assert!(feed.contains("OLDTEXT"), "{feed}");
    // Once the amendment is published and in force, the feed follows.
    let o = s.run(&["build", "--as-of", "2022-08-01"]);
    assert!(o.status.success());
    assert!(std::fs::read_to_string(s.root().join("public/feeds/all.atom")).unwrap().contains("NEWTEXT"));
}

#[test]
fn raw_html_publishes_no_comment_and_no_doc_tag() {
    let s = Site::new();
    s.record(
        "mimi",
        &format!("{}\ndisclosure: withheld\ndisclosure_reason: 涉密", normative("内部", "2024-01-02")),
        "x\n",
    );
    s.record("a", &normative("甲", "2024-01-02"), "<div>\n<doc:mimi>\n<!-- 批注MARKER：暂不公开 -->\n保留的文字\n</div>\n\n段落<!-- MARKER2 -->，<a href=\"&#100;oc&#x3a;mimi\">引用</a>。\n");
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = output_text(&s, "public");
    for bad in ["mimi", "MARKER", "<!--"] {
        assert!(!all.contains(bad), "{bad} was published");
    }
    assert!(std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap().contains("保留的文字"));
}

#[test]
fn messages_about_a_withheld_record_quote_none_of_it() {
    let s = Site::new();
    s.record(
        "mimi",
        &format!(
            "{}\ndoc_number: 秘MARKER办[2024]5号\ndisclosure: withheld\ndisclosure_reason: 涉密",
            normative("内部", "2024-01-02")
        ),
        "<span onclick=\"MARKER2\">x</span>\n",
    );
    // A broken withheld record: it cannot be read, and still nothing of it is quoted.
    s.write(
        "content/broken.md",
        "---\nkind: normative\ntitle: 秘MARKER3\ndisclosure: withheld\npublished: [2024\n---\nx\n",
    );
    for format in ["human", "json"] {
        let o = s.run(&["check", "--format", format]);
        let log = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        // A log (CI, output not to a terminal) does not name the withheld record's file either;
        // the line and column of each finding stay. Nor the file that cannot be read but says
        // it is withheld: its name may say what it is as well as a record's.
        assert!(!log.contains("mimi") && log.contains(HIDDEN) && !log.contains("broken.md"), "{log}");
        assert!(log.matches(HIDDEN).count() >= 2, "both files' findings are there, unnamed: {log}");
        assert!(!log.contains("MARKER"), "the log quotes a withheld record:\n{log}");
    }
    // A public record's findings still show its line.
    let p = Site::new();
    p.record("a", &format!("{}\ndoc_number: 公开办[2024]5号", normative("甲", "2024-01-02")), "x\n");
    let o = p.run(&["check"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("公开办[2024]5号"));
}

/// Values a message writes without backticks (a path it expected, dates, the ids in a chain of
/// amendments, another record's file) are not quoted when the record they belong to is not
/// public, whether the finding is in its own file or in a public record's; and the files in the
/// folder of a folder record that cannot be read quote nothing either (it may be withheld).
#[test]
fn no_message_quotes_a_withheld_record_through_a_value_written_without_quotes() {
    let s = Site::new();
    let held = "kind: normative\ntitle: 秘甲\nissuer: 测试市人民政府办公室\ndoc_number: 测政办〔2024〕7号\nsigned: 2024-06-10\npublished: 2024-06-19\neffective: 2024-06-19\nexpires: 2020-01-01\ndisclosure: withheld\ndisclosure_reason: 涉密\namends: [notices/pub]";
    s.record("policy/zzsecretid", held, "见[附件](SECRETVAL.pdf)。\n");
    // A public record amended by it and amending it (a cycle), sharing its document number.
    s.record(
        "notices/pub",
        &format!("{}\ndoc_number: 测政办〔2024〕7号\namends: [policy/zzsecretid]", normative("乙", "2024-01-02")),
        "x\n",
    );
    s.record(
        "interpretations/jd",
        "kind: interpretation\ntitle: 解读\nissuer: 测试市人民政府办公室\npublished: 2024-01-03\ninterprets: policy/zzsecretid",
        "x\n",
    );
    // A withheld folder record that cannot be read, with an earlier text.
    s.write(
        "content/policy/w/index.md",
        "---\nkind: normative\ntitle: 秘乙\npublished: 2024-01-02\ndisclosure: withheld\nkeywords: [SECRETKW\n---\nx\n",
    );
    s.write("content/policy/w/versions/2024-01-01.md", "SECRETVERSION earlier text\n");
    for format in ["human", "json"] {
        let o = s.run(&["check", "--as-of", "2026-01-01", "--format", format]);
        let log = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert_eq!(o.status.code(), Some(1), "{log}");
        for secret in ["SECRETVAL", "2024-06-19", "2020-01-01", "SECRETKW", "SECRETVERSION", "秘"] {
            assert!(!log.contains(secret), "{format}: the log quotes `{secret}`:\n{log}");
        }
        // Each finding in a public record still names its file; those in the withheld one
        // name none.
        for file in ["content/notices/pub.md", "content/interpretations/jd.md"] {
            assert!(log.contains(file), "{format}: {file} not named:\n{log}");
        }
        assert!(!log.contains("zzsecretid.md") && log.contains(HIDDEN), "{format}:\n{log}");
    }
}

/// `text.md`, the text an archive takes away, holds what the page shows and no more: a public
/// record that names a withheld one in every way a source can (a `doc:` link, a reference link,
/// an autolink, its file, raw HTML with script, a comment, `amends`) publishes none of it.
#[test]
fn text_md_names_nothing_the_page_hides() {
    let s = Site::new();
    s.record(
        "d/mimi",
        &format!(
            "{}\ndisclosure: withheld\ndisclosure_reason: 涉密\nattachments:\n  - {{file: mimi-plan.csv, title: 方案}}",
            normative("秘密TITLE", "2024-01-02")
        ),
        "x\n",
    );
    s.write("content/d/mimi-plan.csv", "MARKER-PLAN\n");
    s.record("d/other", &normative("公开的另一件", "2024-01-02"), "乙文。\n");
    let body = |file_link: &str| {
        format!(
            "见[内部文件](doc:d/mimi)、[参考][ref]、<doc:d/mimi>{file_link}与[另一件](doc:d/other#第一条)。\n\n\
             <div onclick=\"alert(1)\">\n<script>alert(\"d/mimi\")</script>\n<!-- 批注：d/mimi 秘密TITLE 暂不公开 -->\n\
             保留的文字 <img src=\"https://example.org/a.png\" onerror=\"alert(2)\">\n</div>\n\n\
             段落<!-- mimi -->结束，<a href=\"&#100;oc&#x3a;d/mimi\">引用</a>。\n\n[ref]: doc:d/mimi\n"
        )
    };
    let fm = format!("{}\namends: [{{id: d/mimi, effective: 2024-02-01}}]", normative("公开", "2024-01-02"));
    // A link to the withheld record's file stops `check`; whatever the checks say, its text
    // never reaches text.md.
    s.record("d/pub", &fm, &body("、[方案](mimi-plan.csv)"));
    use gongbao::internals::{Job, Renderer, Theme};
    let a = gongbao::cmd::analyse(s.root(), Some(gongbao::model::date::Date::parse("2026-01-01").unwrap()))
        .unwrap_or_else(|_| panic!("analyse"));
    let theme = Theme::builtin();
    let r = Renderer::new(&a.corpus, &a.cfg, &theme, s.root(), &a.register).unwrap_or_else(|_| panic!("theme"));
    let (path, md) = r.render(&Job::Text(a.corpus.index_of("d/pub").unwrap())).unwrap_or_else(|_| panic!("render"));
    assert_eq!(path, "docs/d/pub/text.md");
    let md = String::from_utf8(md).unwrap();
    for bad in ["mimi", "秘密TITLE", "script", "onclick", "onerror", "<!--", "[ref]", "doc:", "&#100;"] {
        assert!(!md.contains(bad), "text.md holds {bad}:\n{md}");
    }
    assert!(md.contains("、方案与"), "the file link's text stays, the autolink goes:\n{md}");
    assert!(md.contains("[另一件](https://www.ceshi.gov.cn/docs/d/other/#第一条)"), "{md}");
    assert!(md.contains("内部文件") && md.contains("参考") && md.contains("保留的文字") && md.contains("引用"), "{md}");
    assert!(md.starts_with("---\nid: \"d/pub\"\ntitle: \"公开\"\n"), "{md}");
    assert!(md.contains("\nurl: \"https://www.ceshi.gov.cn/docs/d/pub/\"\n"), "{md}");

    // Built for real (without the file link that stops it): no byte of the output names it.
    s.record("d/pub", &fm, &body(""));
    let o = s.run(&["build", "--as-of", "2026-01-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = output_text(&s, "public");
    for bad in ["mimi", "秘密TITLE", "MARKER-PLAN"] {
        assert!(!all.contains(bad), "{bad} was published");
    }
    let text = std::fs::read_to_string(s.root().join("public/docs/d/pub/text.md")).unwrap();
    assert!(text.contains("保留的文字"), "{text}");
    let page = std::fs::read_to_string(s.root().join("public/docs/d/pub/index.html")).unwrap();
    assert!(page.contains("href=\"/docs/d/pub/text.md\""), "the page links its text.md");
}

#[test]
fn a_broken_withheld_record_referred_to_by_a_public_one_is_named_but_never_quoted() {
    let s = Site::new();
    s.record(
        "normative/held",
        "kind: normative\ntitle: 秘MARKER标题\nissuer: 测试市人民政府办公室\npublished: 2024/01/02 MARKER\ndisclosure: withheld\ndisclosure_reason: 涉密",
        "MARKER-BODY\n",
    );
    s.record("a", &format!("{}\nrepeals: [normative/held]", normative("甲", "2024-02-01")), "x\n");
    for args in [&["check", "--as-of", "2026-01-01"][..], &["check", "--format", "json"], &["build"]] {
        let o = s.run(args);
        let said = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert_eq!(o.status.code(), Some(1), "{said}");
        assert!(!said.contains("MARKER"), "{args:?}: {said}");
        // The cause is still pointed at: the file and the one reference.
        assert!(said.contains("content/normative/held.md"), "{said}");
    }
    assert_eq!(rules_of(&s).iter().filter(|r| *r == "unknown-ref").count(), 1);
}

/// A file a record published after the build date names is that record's until it is
/// published: a public record published now that names it too is refused (`outside`), and once
/// the other record is out, the file is theirs to share.
#[test]
fn a_scheduled_records_file_is_not_published_ahead_of_it() {
    let s = Site::new();
    s.record(
        "d/later",
        &format!("{}\nattachments:\n  - {{file: plan.csv, title: 方案}}", normative("后发", "2026-03-01")),
        "x\n",
    );
    s.write("content/d/plan.csv", "MARKER-PLAN\n");
    s.record("d/now", &normative("先发", "2024-01-02"), "见[方案](plan.csv)。\n");
    // Scheduled too, but before it: the build of its day would publish the file early, and
    // `check` says so today. One scheduled after it shares the file.
    s.record("d/between", &normative("次发", "2026-02-01"), "见[方案](plan.csv)。\n");
    s.record("d/after", &normative("再发", "2026-05-01"), "见[方案](plan.csv)。\n");
    let (code, v) = s.check_json(&["--as-of", "2026-01-01"]);
    assert_eq!(code, 1, "{v}");
    let outside: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "outside")
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(outside, ["content/d/between.md", "content/d/now.md"], "{v}");
    assert!(!v.to_string().contains("后发"), "the message names the later record: {v}");
    let o = s.run(&["build", "--as-of", "2026-01-01"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!s.root().join("public").exists());
    // Published, the file is the later record's and the earlier ones may link it too.
    let o = s.run(&["build", "--as-of", "2026-03-02"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(output_text(&s, "public").contains("MARKER-PLAN"));
}

/// A file a published record lists as its own is public: another published record may link it,
/// whatever a record scheduled for later lists.
#[test]
fn a_file_already_published_stays_linkable_when_a_later_record_lists_it_too() {
    let s = Site::new();
    let listing = |title: &str, day: &str| {
        format!("{}\nattachments:\n  - {{file: plan.csv, title: 方案}}", normative(title, day))
    };
    s.record("d/v", &listing("已发", "2024-01-02"), "x\n");
    s.record("d/s", &listing("后发", "2026-05-01"), "x\n");
    s.record("d/r", &normative("引用", "2024-06-01"), "见[方案](plan.csv)。\n");
    s.write("content/d/plan.csv", "MARKER-PLAN\n");
    assert!(!rules_of(&s).contains(&"outside".to_string()), "{:?}", rules_of(&s));
}

/// A file only the record's new text links, where that text is known only from an amendment
/// published after the build date, is not copied: the page shows the earlier text, and nothing
/// of the new one reaches the output before the amendment does.
#[test]
fn a_file_of_a_text_not_known_yet_is_not_copied() {
    let s = Site::new();
    s.write(
        "content/reg/index.md",
        &format!(
            "---\n{}\neffective: 2024-02-01\n---\n新条文 NEWTEXT [新附件](new.csv)\n",
            normative("规定", "2024-01-02")
        ),
    );
    s.write("content/reg/versions/2024-02-01.md", "原条文 OLDTEXT\n");
    s.write("content/reg/new.csv", "MARKER-NEWFILE\n");
    s.record(
        "am",
        &format!("{}\namends:\n  - {{id: reg, effective: 2026-04-01}}", normative("关于修改规定的决定", "2026-03-01")),
        "修改。\n",
    );
    let o = s.run(&["build", "--as-of", "2026-01-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = output_text(&s, "public");
    assert!(all.contains("OLDTEXT") && !all.contains("NEWTEXT"), "the page shows the wrong text");
    assert!(!all.contains("MARKER-NEWFILE") && !all.contains("new.csv"), "the new text's file is published early");
    // Once the amendment is published, the new text and its file are.
    let o = s.run(&["build", "--as-of", "2026-04-02"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(output_text(&s, "public").contains("MARKER-NEWFILE"));
}

/// A public record inside the folder of one readers do not see would carry that folder's name
/// in its address, lists and data: an error, told without naming either file in a log.
#[test]
fn a_public_record_inside_a_withheld_records_folder_is_an_error() {
    let s = Site::new();
    let held = format!("{}\ndisclosure: withheld\ndisclosure_reason: 涉密", normative("秘", "2024-01-02"));
    s.write("content/SECRETSLUG/index.md", &format!("---\n{held}\n---\nx\n"));
    s.write("content/SECRETSLUG/jd/index.md", &format!("---\n{}\n---\n解读。\n", normative("解读", "2024-01-03")));
    s.record("SECRETSLUG/flat", &normative("同目录", "2024-01-03"), "x\n");
    // A folder named as a withheld flat record: its id is the folder's name.
    s.record("FLATSECRET", &held, "x\n");
    s.record("FLATSECRET/pub", &normative("旁", "2024-01-03"), "x\n");
    // A folder record scheduled after a record inside it: the build of that record's day would
    // show the folder's name early, and `check` says so today.
    s.write("content/later/index.md", &format!("---\n{}\n---\nx\n", normative("后发", "2026-04-01")));
    s.write("content/later/jd/index.md", &format!("---\n{}\n---\n解读。\n", normative("先发解读", "2026-03-01")));
    // Beside a public folder record, the same is fine.
    s.write("content/open/index.md", &format!("---\n{}\n---\nx\n", normative("公开", "2024-01-02")));
    s.write("content/open/jd/index.md", &format!("---\n{}\n---\n解读。\n", normative("公开解读", "2024-01-03")));
    assert_eq!(rules_of(&s).iter().filter(|r| *r == "inside-private").count(), 4, "{:?}", rules_of(&s));
    let o = s.run(&["build"]);
    let log = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{log}");
    assert!(log.contains("[inside-private]") && !log.contains("SECRETSLUG") && !log.contains("FLATSECRET"), "{log}");
    assert!(!s.root().join("public").exists());
}

/// The names of the files a withheld record names (a link where a file should be, a file not
/// there) are not printed in a log; at a terminal the editor sees every file named.
#[test]
fn a_log_names_no_file_of_a_withheld_record_and_a_terminal_does() {
    let s = Site::new();
    s.record(
        "w",
        &format!(
            "{}\ndisclosure: withheld\ndisclosure_reason: 涉密\nattachments:\n  - {{file: SECRETLIST.csv, title: 名单}}\n  - {{file: SECRETGONE.csv, title: 缺}}",
            normative("秘", "2024-01-02")
        ),
        "x\n",
    );
    std::os::unix::fs::symlink("/etc/hostname", s.root().join("content/SECRETLIST.csv")).unwrap();
    s.record("a", &normative("公开", "2024-01-02"), "x\n");
    let o = s.run(&["check"]);
    let log = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{log}");
    assert!(!log.contains("SECRET") && !log.contains("content/w.md") && log.contains(HIDDEN), "{log}");
    // At a terminal, with CI unset.
    let (_, shown) = common::on_a_terminal(s.root(), "check", false);
    assert!(shown.contains("content/w.md") && shown.contains("SECRETLIST.csv") && !shown.contains(HIDDEN), "{shown}");
}

/// A site built for a later day shows documents not published yet: nothing is packaged or
/// deployed from it.
#[test]
fn a_build_for_a_later_day_is_neither_packaged_nor_deployed() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "x\n");
    s.record("b", &normative("MARKER-LATER", "2099-01-02"), "x\n");
    let o = s.run(&["build", "--as-of", "2099-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for args in [&["package", "--for", "archive"][..], &["deploy", "s3://gazette/site", "--dry-run"]] {
        let o = Command::new(common::bin())
            .current_dir(s.root())
            .args(args)
            .env("CI", "true")
            .env("AWS_ACCESS_KEY_ID", "x")
            .env("AWS_SECRET_ACCESS_KEY", "y")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("2099-06-01") && err.contains("--as-of"), "{args:?}: {err}");
    }
    assert!(!s.root().join("packages").exists());
}

/// The book's way of keeping a new text back until its amendment is public (the old text in
/// `versions/`, the new in `index.md`) holds when the amending decision is withheld: the site
/// builds, shows the old text and nothing of the new one or of the amendment's date; a version
/// dated on or after that date is an error that quotes neither.
#[test]
fn a_new_text_waiting_for_a_withheld_amendment_is_never_shown() {
    let s = Site::new();
    s.write(
        "content/reg/index.md",
        &format!("---\n{}\ndoc_number: 测政令第1号\n---\n新条文NEWTEXT。\n", normative("某某办法", "2020-01-02")),
    );
    s.write("content/reg/versions/2020-01-02.md", "原条文OLDTEXT。\n");
    s.record(
        "amend",
        &format!(
            "{}\neffective: 2024-03-07\ndisclosure: withheld\ndisclosure_reason: 涉密\namends: [reg]",
            normative("修改决定", "2024-02-01")
        ),
        "修改。\n",
    );
    let o = s.run(&["build", "--as-of", "2026-01-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = output_text(&s, "public");
    assert!(out.contains("OLDTEXT") && !out.contains("NEWTEXT"), "the new text is out before its amendment");
    assert!(!out.contains("2024-03-07") && !out.contains("2024年3月7日"), "the withheld amendment's date is out");
    // An earlier text dated on the withheld amendment's day: refused, saying nothing of it.
    s.write("content/reg/versions/2024-03-07.md", "另一文本。\n");
    let o = s.run(&["check", "--as-of", "2026-01-01"]);
    let log = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{log}");
    // (The version file's own name holds the day; nothing else may.)
    assert!(log.contains("version-date") && !log.replace("versions/2024-03-07", "").contains("2024-03-07"), "{log}");
}

/// A `doc:` link Markdown does not read as one (a space in the address, a bare `doc:id`) would
/// be shown as written, naming the record: it stops the build, whatever `[rules]` says, while
/// the same letters in code are left alone.
#[test]
fn a_doc_reference_that_is_no_link_stops_the_build() {
    for text in ["见[o](doc: mimi/zqxid)。", "见 doc:mimi/zqxid。", "见[o](doc:mimi/zqxid 。"] {
        let s = Site::new();
        s.record(
            "mimi/zqxid",
            &format!("{}\ndisclosure: withheld\ndisclosure_reason: 涉密", normative("秘", "2024-01-02")),
            "x\n",
        );
        // Letters that name no record (a file's size, say) are no reference.
        s.record("a", &normative("公开", "2024-01-02"), &format!("{text}\n\n代码 `doc:x` 照常，附件（DOC:56KB）。\n"));
        let o = s.run(&["build", "--as-of", "2024-06-01"]);
        let log = String::from_utf8_lossy(&o.stderr);
        assert_ne!(o.status.code(), Some(0), "{text}: built");
        assert!(log.contains("错误[doc-not-link]") && !s.root().join("public").exists(), "{text}: {log}");
        assert_eq!(log.matches("错误[").count(), 1, "only the reference, not the code: {log}");
        // It cannot be turned off.
        s.write("gongbao.toml", &format!("{}\n[rules]\ndoc-not-link = \"off\"\n", common::CONFIG));
        assert_ne!(s.run(&["build", "--as-of", "2024-06-01"]).status.code(), Some(0));
        assert!(!s.root().join("public").exists());
    }
    // In an earlier text too.
    let s = Site::new();
    s.record(
        "mimi/zqxid",
        &format!("{}\ndisclosure: withheld\ndisclosure_reason: 涉密", normative("秘", "2024-01-02")),
        "x\n",
    );
    s.write("content/reg/index.md", &format!("---\n{}\n---\n现行。\n", normative("办法", "2020-01-02")));
    s.write("content/reg/versions/2020-01-02.md", "见[内部通知](doc: mimi/zqxid)。\n");
    s.record("amend", &format!("{}\neffective: 2023-01-01\namends: [reg]", normative("修改", "2022-12-01")), "x\n");
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("错误[doc-not-link]") && !s.root().join("public").exists());
}

/// With public amendments beside a withheld one: the text in `index.md` is shown when no earlier
/// text in `versions/` stands for the public amendments' (it is theirs), and an earlier text
/// dated on the withheld amendment's day (the text it made) is never shown, nor its date.
#[test]
fn public_amendments_beside_a_withheld_one_keep_their_texts_and_the_withheld_one_shows_none() {
    let amend = |s: &Site, id: &str, effective: &str, withheld: bool| {
        let hidden = if withheld { "\ndisclosure: withheld\ndisclosure_reason: 涉密" } else { "" };
        s.record(
            id,
            &format!(
                "{}\neffective: {effective}{hidden}\namends: [reg]",
                normative(&format!("修改{id}"), "2021-01-04")
            ),
            "修改。\n",
        );
    };
    // A public amendment of 2022, a withheld one of 2024, no earlier text for 2022.
    let s = Site::new();
    s.write(
        "content/reg/index.md",
        &format!("---\n{}\n---\n二〇二二年文本PTEXT。\n", normative("某某办法", "2020-01-02")),
    );
    s.write("content/reg/versions/2020-01-02.md", "原条文OLDTEXT。\n");
    amend(&s, "p", "2022-03-01", false);
    amend(&s, "w", "2024-03-07", true);
    let o = s.run(&["build", "--as-of", "2026-01-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(s.root().join("public/docs/reg/index.html")).unwrap();
    assert!(page.contains("PTEXT") && !page.contains("OLDTEXT"), "the public amendment's text is the page's");
    assert!(!output_text(&s, "public").contains("2024-03-07"));

    // A withheld amendment of 2022, a public one of 2024, the text of 2022 kept in versions/.
    let s = Site::new();
    s.write(
        "content/reg/index.md",
        &format!("---\n{}\n---\n二〇二四年文本NEWTEXT。\n", normative("某某办法", "2020-01-02")),
    );
    s.write("content/reg/versions/2020-01-02.md", "原条文OLDTEXT。\n");
    s.write("content/reg/versions/2022-03-07.md", "秘密修改后的文本HIDDENTEXT。\n");
    amend(&s, "w", "2022-03-07", true);
    amend(&s, "p", "2024-03-01", false);
    let o = s.run(&["build", "--as-of", "2026-01-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = output_text(&s, "public");
    assert!(out.contains("NEWTEXT") && out.contains("OLDTEXT"));
    assert!(!out.contains("HIDDENTEXT") && !out.contains("2022-03-07"), "the withheld amendment's text or date is out");
}
