//! The working-day rule (`publication-delay`) on the official holiday calendar: Spring Festival
//! weeks, make-up Saturdays and Sundays, the new year, a year outside the calendar and a site's
//! own calendar file; and the shipped calendar checked day by day against an outside source, the
//! PyPI package `chinesecalendar` (installed by `scripts/test`).

mod common;
use common::{Site, normative, project};
use gongbao::model::calendar::Calendar;
use gongbao::model::date::Date;
use std::process::Command;

/// A public normative document signed and published on the given days.
fn doc(s: &Site, id: &str, signed: &str, published: &str) {
    s.record(
        id,
        &format!("{}\nsigned: {signed}\neffective: {published}\ndisclosure: public", normative(id, published)),
        "正文。\n",
    );
}

fn delays(s: &Site) -> Vec<(String, String, String)> {
    let (_, v) = s.check_json(&["--as-of", "2026-12-31"]);
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "publication-delay")
        .map(|d| {
            let file = d["file"].as_str().unwrap().trim_start_matches("content/").trim_end_matches(".md");
            (file.to_string(), d["severity"].as_str().unwrap().to_string(), d["message"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn working_days_around_holidays_make_up_days_and_the_new_year() {
    let s = Site::new();
    // 2024 Spring Festival: 02-10..02-17 off; Sunday 02-18 worked. Friday 02-09 to Monday 02-19
    // is two working days (the Sunday and the Monday), though ten calendar days.
    doc(&s, "spring-ok", "2024-02-09", "2024-02-19");
    // ... and to Wednesday 02-21 four: too late.
    doc(&s, "spring-late", "2024-02-09", "2024-02-21");
    // 2026: Saturday 02-14 is worked; Wednesday 02-11 to that Saturday is three working days.
    doc(&s, "make-up-saturday", "2026-02-11", "2026-02-14");
    // Without the make-up day the same three calendar days later would be on time, but 02-15..02-23
    // are off: Wednesday 02-11 to Tuesday 02-24 is 02-12, 02-13, 02-14 and 02-24.
    doc(&s, "after-the-festival", "2026-02-11", "2026-02-24");
    // Across the new year: 12-31 (Wed), 01-01..01-03 off, Sunday 01-04 worked, Monday 01-05.
    doc(&s, "new-year", "2025-12-30", "2026-01-05");
    // Four ordinary weekdays: late.
    doc(&s, "plain-late", "2025-03-03", "2025-03-07");
    // The same day: on time.
    doc(&s, "same-day", "2025-03-03", "2025-03-03");
    // Older than the calendar: not held to the rule.
    doc(&s, "old", "2010-03-01", "2010-06-01");
    // Not normative, or not public: not held to it either.
    s.record(
        "regulation",
        "kind: regulation\ntitle: 规章\nissuer: 测试市人民政府\nsigned: 2025-03-03\npublished: 2025-04-07\nnumber: 第1号",
        "正文。\n",
    );
    s.record(
        "withheld",
        &format!(
            "{}\nsigned: 2025-03-03\ndisclosure: withheld\ndisclosure_reason: 内部管理信息",
            normative("内部", "2025-04-07")
        ),
        "正文。\n",
    );
    let mut got = delays(&s);
    got.sort();
    let ids: Vec<&str> = got.iter().map(|(f, _, _)| f.as_str()).collect();
    assert_eq!(ids, ["after-the-festival", "plain-late", "spring-late"], "{got:?}");
    for (_, severity, _) in &got {
        assert_eq!(severity, "warning");
    }
    let spring = &got.iter().find(|g| g.0 == "spring-late").unwrap().2;
    assert!(spring.contains("第 4 个工作日") && spring.contains("超过 3 个"), "{spring}");
    let festival = &got.iter().find(|g| g.0 == "after-the-festival").unwrap().2;
    assert!(festival.contains("第 4 个工作日"), "{festival}");
}

#[test]
fn the_limit_and_the_start_are_settings() {
    let s = Site::new();
    doc(&s, "four-days", "2025-03-03", "2025-03-07");
    doc(&s, "old", "2019-03-04", "2019-04-08");
    assert_eq!(delays(&s).len(), 2);
    s.write(
        "gongbao.toml",
        &format!("{}\n[publication]\nworking_days = 4\ntimely_since = \"2020-01-01\"\n", common::CONFIG),
    );
    assert_eq!(delays(&s), []);
    s.write("gongbao.toml", &format!("{}\n[rules]\npublication-delay = \"error\"\n", common::CONFIG));
    assert!(delays(&s).iter().all(|(_, sev, _)| sev == "error"));
    let o = s.run(&["build", "--as-of", "2026-12-31"]);
    assert_eq!(o.status.code(), Some(1), "an error stops the build");
}

#[test]
fn a_year_outside_the_calendar_is_an_error_until_the_site_adds_it() {
    let s = Site::new();
    doc(&s, "next-year", "2026-12-30", "2027-01-04");
    let got = delays(&s);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1, "error");
    assert!(got[0].2.contains("没有 2027 年"), "{}", got[0].2);
    let (_, v) = s.check_json(&["--as-of", "2026-12-31"]);
    let found = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "publication-delay").unwrap().clone();
    let help = found["help"].as_str().unwrap().to_string();
    assert!(help.contains("2018–2026") && help.contains("[publication] calendar"), "{help}");

    // The site's own calendar: 2027-01-01 a holiday. 12-31 (Thu), 01-04 (Mon): two working days.
    s.write("holidays.toml", "[2027]\nholidays = [\"2027-01-01/2027-01-03\"]\nworkdays = []\n");
    s.write("gongbao.toml", &format!("{}\n[publication]\ncalendar = \"holidays.toml\"\n", common::CONFIG));
    assert_eq!(delays(&s), []);

    // A broken calendar file is an error at its line, and nothing is built.
    s.write("holidays.toml", "[2027]\nholidays = [\n  \"2027-02-30\",\n]\n");
    let (code, v) = s.check_json(&["--as-of", "2026-12-31"]);
    assert_eq!(code, 1);
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["file"] == "holidays.toml").unwrap().clone();
    assert_eq!(d["line"], 3, "{d}");
    assert!(d["message"].as_str().unwrap().contains("2027-02-30"), "{d}");
    let o = s.run(&["build", "--as-of", "2026-12-31"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!s.root().join("public").exists());

    // A path out of the site is refused.
    s.write("gongbao.toml", &format!("{}\n[publication]\ncalendar = \"../holidays.toml\"\n", common::CONFIG));
    let (code, v) = s.check_json(&["--as-of", "2026-12-31"]);
    assert_eq!(code, 1, "{v}");
}

/// Every day of the covered years, against the `chinesecalendar` package's own data.
#[test]
fn the_shipped_calendar_agrees_with_chinesecalendar_day_by_day() {
    let script = "import chinese_calendar as c, datetime as d\n\
        day = d.date(2018, 1, 1)\n\
        while day.year <= 2026:\n    print(day.isoformat(), int(c.is_workday(day)))\n    day += d.timedelta(days=1)\n";
    let python = project().join(".venv/bin/python");
    let out = Command::new(&python).args(["-c", script]).output().unwrap_or_else(|e| {
        panic!(
            "{} not runnable ({e}): run the tests with scripts/test, which installs chinesecalendar",
            python.display()
        )
    });
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cal = Calendar::shipped();
    let mut days = 0;
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let (date, work) = line.split_once(' ').unwrap();
        let d = Date::parse(date).unwrap();
        assert_eq!(cal.is_working_day(d), Ok(work == "1"), "{date}");
        days += 1;
    }
    assert_eq!(days, 3287, "nine years of days");
}
