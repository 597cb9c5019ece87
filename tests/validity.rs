//! Validity on any date: before, on and after every transition, through the library and through
//! pages built with `--as-of`.

mod common;
use common::{Site, normative};
use gongbao::model::State;
use gongbao::model::date::Date;

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn site() -> Site {
    let s = Site::new();
    s.record(
        "base",
        &format!("{}\neffective: 2020-01-01\nexpires: 2030-12-31", normative("基础办法", "2019-12-01")),
        "x\n",
    );
    s.record(
        "amend",
        &format!(
            "{}\namends: [{{id: base, effective: 2021-03-01, note: 修改第五条}}]",
            normative("修改决定", "2021-02-01")
        ),
        "x\n",
    );
    s.record(
        "repeal",
        &format!("{}\neffective: 2023-07-01\nrepeals: [base]", normative("废止决定", "2023-06-01")),
        "x\n",
    );
    s.record("short", &format!("{}\nexpires: 2022-06-30", normative("临时办法", "2022-01-01")), "x\n");
    s.record(
        "partly",
        &format!(
            "{}\nvalidity: {{state: partly_lapsed, since: 2022-05-01, note: 第三章失效}}",
            normative("部分失效办法", "2021-01-01")
        ),
        "x\n",
    );
    s
}

fn state(s: &Site, id: &str, on: &str) -> State {
    let a = gongbao::cmd::analyse(s.root(), Some(d("2026-01-01"))).ok().unwrap();
    let i = a.corpus.lookup(id).unwrap();
    a.corpus.state_on(i, d(on)).state
}

#[test]
fn every_transition_before_on_and_after() {
    let s = site();
    let cases = [
        ("base", "2019-12-31", State::NotYetInForce),
        ("base", "2020-01-01", State::InForce),
        ("base", "2020-01-02", State::InForce),
        ("base", "2021-02-28", State::InForce),
        // The amendment changes the text, not the state: in force, as amended (as on flk).
        ("base", "2021-03-01", State::InForce),
        ("base", "2021-03-02", State::InForce),
        ("base", "2023-06-30", State::InForce),
        ("base", "2023-07-01", State::Repealed),
        ("base", "2031-01-01", State::Repealed),
        ("short", "2021-12-31", State::NotYetInForce),
        ("short", "2022-06-30", State::InForce),
        ("short", "2022-07-01", State::Lapsed),
        ("partly", "2022-04-30", State::InForce),
        ("partly", "2022-05-01", State::PartlyLapsed),
        ("partly", "2022-05-02", State::PartlyLapsed),
    ];
    for (id, on, want) in cases {
        assert_eq!(state(&s, id, on), want, "{id} on {on}");
    }
}

#[test]
fn timeline_lists_each_change_with_its_basis() {
    let s = site();
    let a = gongbao::cmd::analyse(s.root(), Some(d("2026-01-01"))).ok().unwrap();
    let i = a.corpus.lookup("base").unwrap();
    let tl: Vec<(String, State, Option<String>, bool)> = a.corpus.timelines[i]
        .iter()
        .map(|c| (c.from.to_string(), c.state, c.basis.map(|b| a.corpus.records[b].id.clone()), c.amendment))
        .collect();
    // The amendment stays in the timeline, as an amendment that leaves the state in force.
    assert_eq!(
        tl,
        vec![
            ("2020-01-01".into(), State::InForce, None, false),
            ("2021-03-01".into(), State::InForce, Some("amend".into()), true),
            ("2023-07-01".into(), State::Repealed, Some("repeal".into()), false),
        ]
    );
    // What the reader's browser gets: the changes of state alone.
    let states: Vec<String> = a.corpus.state_changes(i).map(|c| c.from.to_string()).collect();
    assert_eq!(states, ["2020-01-01", "2023-07-01"]);
}

#[test]
fn as_of_builds_show_the_state_of_that_day() {
    let s = site();
    let page = |as_of: &str| {
        let o = s.run(&["build", "--as-of", as_of]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(s.root().join("public/docs/base/index.html")).unwrap()
    };
    let p = page("2021-06-01");
    // Amended, the document is in force as amended: 有效 with no banner, the amendment in its
    // 题注 and as 修改 in its timeline, with the state staying as it was.
    assert!(
        p.contains("data-state>有效</span>")
            && p.contains("状态截至 <time data-asof-date datetime=\"2021-06-01\">2021-06-01</time>"),
        "{p}"
    );
    assert!(!p.contains("已修改") && !p.contains("banner-amended"), "{p}");
    assert!(
        p.contains("<p class=\"tizhu\">（2019年12月1日测试市人民政府办公室公布　根据2021年2月1日<a href=\"/docs/amend/\">《修改决定》</a>修正）</p>"),
        "{p}"
    );
    let timeline = p.split("<section class=\"timeline\">").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(
        timeline.contains("<time datetime=\"2021-03-01\">2021-03-01</time> <span class=\"amendment\">修改</span> <span class=\"basis\">依据：<a href=\"/docs/amend/\">修改决定</a></span> <span class=\"note\">修改第五条</span>"),
        "{timeline}"
    );
    // The script's timeline holds the changes of state alone.
    assert!(p.contains("data-timeline=\"{&quot;changes&quot;:[{&quot;from&quot;:&quot;2020-01-01&quot;,&quot;state&quot;:&quot;in_force&quot;},{&quot;from&quot;:&quot;2031-01-01&quot;,&quot;state&quot;:&quot;lapsed&quot;}]"), "{p}");
    // The repeal was not yet published on 2021-06-01: no trace of it.
    assert!(!p.contains("废止决定"));
    let p = page("2023-07-01");
    assert!(p.contains("data-state>已废止</span>"));
    assert!(p.contains("href=\"/docs/repeal/\""));
    let p = page("2019-12-15");
    assert!(p.contains("data-state>尚未生效</span>"));
}

#[test]
fn repeal_outranks_later_amendment_and_expiry() {
    let s = Site::new();
    s.record("a", &format!("{}\nexpires: 2025-12-31", normative("甲", "2020-01-01")), "x\n");
    s.record("r", &format!("{}\nrepeals: [a]", normative("废止", "2021-01-01")), "x\n");
    s.record("m", &format!("{}\namends: [a]", normative("修改", "2022-01-01")), "x\n");
    assert_eq!(state(&s, "a", "2022-06-01"), State::Repealed);
    assert_eq!(state(&s, "a", "2026-06-01"), State::Repealed);
}

#[test]
fn stated_basis_is_a_record_id_or_a_citation_of_an_outside_document() {
    let s = Site::new();
    s.record("a", &format!("{}\nvalidity: {{state: repealed, since: 2023-01-01, basis: 《某省人民政府关于废止部分规章的决定》（某政令〔2022〕9号）}}", normative("甲", "2020-01-01")), "x\n");
    let (code, v) = s.check_json(&[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(state(&s, "a", "2023-01-01"), State::Repealed);
    assert!(s.run(&["build", "--as-of", "2024-01-01"]).status.success());
    let page = std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap();
    assert!(page.contains("某政令〔2022〕9号"), "the citation is not on the page");
    s.record(
        "c",
        &format!(
            "{}\nvalidity: {{state: partly_lapsed, since: 2023-01-01, basis: 国务院令第1号}}",
            normative("丙", "2020-01-01")
        ),
        "x\n",
    );
    assert_eq!(s.check_json(&[]).0, 0);
    // Something shaped like an id must name a record.
    s.record(
        "b",
        &format!(
            "{}\nvalidity: {{state: lapsed, since: 2023-01-01, basis: no-such-record}}",
            normative("乙", "2020-01-01")
        ),
        "x\n",
    );
    assert_eq!(s.findings("unknown-ref"), vec![("content/b.md".into(), 6)]);
}

#[test]
fn a_stated_amendment_is_an_amendment_in_the_timeline_and_the_caption_not_a_state() {
    let s = Site::new();
    s.record(
        "a",
        &format!(
            "{}\ndoc_number: 测政办发〔2019〕3号\neffective: 2020-01-01\nvalidity: {{state: 已修改, since: 2021-01-01, basis: 《某省人民政府关于修改部分规章的决定》（某政令〔2020〕9号）}}",
            normative("基础办法", "2019-12-01")
        ),
        "x\n",
    );
    s.record(
        "m",
        &format!("{}\namends: [{{id: a, effective: 2022-02-01}}]", normative("修改决定", "2022-01-05")),
        "x\n",
    );
    let (code, v) = s.check_json(&[]);
    assert_eq!(code, 0, "{v}");
    for on in ["2020-06-01", "2021-01-01", "2022-02-01", "2025-01-01"] {
        assert_eq!(state(&s, "a", on), State::InForce, "on {on}");
    }
    let a = gongbao::cmd::analyse(s.root(), Some(d("2023-01-01"))).ok().unwrap();
    let i = a.corpus.lookup("a").unwrap();
    let tl: Vec<(String, bool, Option<String>, Option<String>)> = a.corpus.timelines[i]
        .iter()
        .map(|c| (c.from.to_string(), c.amendment, c.basis.map(|b| a.corpus.records[b].id.clone()), c.note.clone()))
        .collect();
    let citation = "《某省人民政府关于修改部分规章的决定》（某政令〔2020〕9号）";
    assert_eq!(
        tl,
        vec![
            ("2020-01-01".into(), false, None, None),
            ("2021-01-01".into(), true, None, Some(citation.into())),
            ("2022-02-01".into(), true, Some("m".into()), None),
        ]
    );
    assert_eq!(a.corpus.text_date(i), d("2022-02-01"));
    assert!(s.run(&["build", "--as-of", "2023-01-01"]).status.success());
    let page = std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap();
    // A number that does not name the issuer is given with it; the amendment outside the corpus
    // has no date to give and no page to link; two amendments are counted.
    let caption = format!(
        "<p class=\"tizhu\">（2019年12月1日测试市人民政府办公室以测政办发〔2019〕3号公布　根据{citation}第一次修正　根据2022年1月5日<a href=\"/docs/m/\">《修改决定》</a>第二次修正）</p>"
    );
    assert!(page.contains(&caption), "{page}");
    assert!(page.contains("data-state>有效</span>"));
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.root().join("public/data/documents.json")).unwrap()).unwrap();
    let row = data["documents"].as_array().unwrap().iter().find(|x| x["id"] == "a").unwrap();
    assert_eq!(row["state"], "in_force");
    let amendments: Vec<bool> = row["timeline"].as_array().unwrap().iter().map(|t| t["amendment"] == true).collect();
    assert_eq!(amendments, [false, true, true]);
}

#[test]
fn an_amendment_that_names_nothing_is_counted_in_the_caption_not_written_out() {
    let s = Site::new();
    // Stated without a basis, and with a note that is no citation.
    s.record(
        "a",
        &format!(
            "{}\neffective: 2020-01-01\nvalidity: {{state: amended, since: 2021-01-01, note: 修改第三条}}",
            normative("基础办法", "2019-12-01")
        ),
        "x\n",
    );
    s.record(
        "m",
        &format!("{}\namends: [{{id: a, effective: 2022-02-01}}]", normative("修改决定", "2022-01-05")),
        "x\n",
    );
    assert!(s.run(&["build", "--as-of", "2023-01-01"]).status.success());
    let page = std::fs::read_to_string(s.root().join("public/docs/a/index.html")).unwrap();
    assert!(
        page.contains("<p class=\"tizhu\">（2019年12月1日测试市人民政府办公室公布　根据2022年1月5日<a href=\"/docs/m/\">《修改决定》</a>第二次修正）</p>"),
        "{page}"
    );
    assert!(!page.contains("《修改第三条》"), "a note is no citation");
    // The timeline still lists it, with its note.
    assert!(page.contains("<span class=\"amendment\">修改</span> <span class=\"note\">修改第三条</span>"), "{page}");
}
