//! `gongbao report annual --year Y`: part two of the annual report on government information
//! disclosure (主动公开政府信息情况) for the rules and normative documents of the site, computed
//! from the records as the site stood on 31 December of that year, with the consistency check
//! the report form asks for: in force at the end of the year = in force at the end of the last
//! year + issued − no longer in force. Written as Markdown, HTML and CSV.

use super::{EXIT_FAILURE, Failure, analyse, report};
use crate::corpus::Corpus;
use crate::markdown::escape::escape;
use crate::model::date::Date;
use crate::model::rules;
use crate::model::{Kind, State};
use crate::msg;
use std::path::PathBuf;

/// What to report.
pub struct Options {
    /// The site's folder.
    pub root: PathBuf,
    /// The year.
    pub year: i32,
    /// Where the report files go (default: `annual-reports/` in the site's folder).
    pub out: Option<PathBuf>,
}

/// The figures of one kind of document.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Figures {
    /// 本年制发.
    issued: usize,
    /// 本年废止或失效.
    ended: usize,
    /// 上年末现行有效.
    before: usize,
    /// 本年末现行有效.
    in_force: usize,
    /// Issued this year but not yet in force at its end.
    pending: usize,
    /// Issued before, and in force only from this year.
    started: usize,
}

impl Figures {
    /// Whether the report form's identity holds.
    fn consistent(&self) -> bool {
        self.in_force + self.ended == self.before + self.issued
    }
}

/// 现行有效: in force, as amended or not, and partly lapsed.
fn in_force(s: State) -> bool {
    matches!(s, State::InForce | State::PartlyLapsed)
}

fn ended(s: State) -> bool {
    matches!(s, State::Repealed | State::Lapsed)
}

/// The figures of `kind` for `year`, from a corpus built as of the year's last day.
fn figures(c: &Corpus, kind: Kind, year: i32) -> Figures {
    let end = Date::new(year, 12, 31).unwrap_or(c.as_of);
    let last_end = Date::new(year - 1, 12, 31).unwrap_or(end);
    let mut f = Figures { issued: 0, ended: 0, before: 0, in_force: 0, pending: 0, started: 0 };
    for i in c.visible_indexes().filter(|&i| c.records[i].kind == kind) {
        let r = &c.records[i];
        let (now, then) = (c.state_on(i, end).state, c.state_on(i, last_end).state);
        let issued = r.published.year() == year;
        let was = r.published <= last_end && in_force(then);
        f.issued += usize::from(issued);
        f.before += usize::from(was);
        f.in_force += usize::from(in_force(now));
        f.ended += usize::from(ended(now) && (was || issued || then == State::NotYetInForce));
        f.pending += usize::from(issued && now == State::NotYetInForce);
        f.started += usize::from(!issued && r.published <= last_end && then == State::NotYetInForce && in_force(now));
    }
    f
}

/// Writes the report; returns the exit code.
pub fn run(o: &Options) -> u8 {
    match annual(o) {
        Ok(()) => 0,
        Err(f) => report(&f, &o.root),
    }
}

fn annual(o: &Options) -> Result<(), Failure> {
    let y = o.year;
    let Some(end) = Date::new(y, 12, 31).filter(|_| (1949..=9998).contains(&y)) else {
        return Err(Failure::new(
            &rules::CONFIG,
            EXIT_FAILURE,
            msg!("{y} 不是可以报告的年份", "{y} is not a year to report on"),
        ));
    };
    // Counted as of the year's last day, a year not over yet would count documents scheduled
    // for days still to come: not public yet, and not the year's figures either.
    let today = Date::today(super::read_config_text(&o.root)?.0.tz_minutes());
    if end >= today {
        return Err(Failure::new(
            &rules::CONFIG,
            EXIT_FAILURE,
            msg!(
                "{y} 年还没有结束（今天是 {today}）：年度报告按 {y}-12-31 的记录计算，只能在该年结束后制作",
                "{y} is not over (today is {today}): the annual report counts the records as of {y}-12-31 and is made once the year has ended"
            ),
        ));
    }
    let a = analyse(&o.root, Some(end))?;
    let errors = crate::model::diag::error_count(&a.diagnostics);
    if errors > 0 {
        super::print(&a.diagnostics, a.cfg.lang(), &a.sources, None);
        return Err(Failure::new(
            &rules::CONFIG,
            super::EXIT_ERRORS,
            msg!(
                "站点有 {errors} 个错误，年度报告不据此计算",
                "the site has {errors} error(s); no report is made from it"
            ),
        ));
    }
    let rows: Vec<(&str, Figures)> = [(Kind::Regulation, "规章"), (Kind::Normative, "行政规范性文件")]
        .into_iter()
        .map(|(k, name)| (name, figures(&a.corpus, k, y)))
        .collect();
    let out = o.out.clone().unwrap_or_else(|| o.root.join("annual-reports"));
    let shown = out.display().to_string();
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::io(msg!("无法建立目录 {shown}：{e}", "cannot make the folder {shown}: {e}")))?;
    let site = &a.cfg.site.name;
    let files = [
        (format!("annual-report-{y}.md"), markdown(site, y, &rows)),
        (format!("annual-report-{y}.html"), html(site, y, &rows)),
        (format!("annual-report-{y}.csv"), csv(y, &rows)),
    ];
    for (name, text) in &files {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| {
            let p = path.display();
            Failure::io(msg!("无法写出 {p}：{e}", "cannot write {p}: {e}"))
        })?;
    }
    let bad: Vec<&str> = rows.iter().filter(|(_, f)| !f.consistent()).map(|(n, _)| *n).collect();
    let said = if bad.is_empty() {
        msg!(
            "已写出 {y} 年度报告第二部分到 {shown}；核对一致",
            "wrote part two of the {y} annual report to {shown}; the figures agree"
        )
    } else {
        let b = bad.join("、");
        msg!(
            "已写出 {y} 年度报告第二部分到 {shown}；{b} 的核对不一致，报告中列出原因",
            "wrote part two of the {y} annual report to {shown}; the figures of {b} do not agree, and the report says why"
        )
    };
    println!("{}", said.get(a.cfg.lang()));
    Ok(())
}

/// The explanation of a difference, when there is one.
fn why(f: &Figures) -> String {
    if f.consistent() {
        return "一致".to_string();
    }
    let mut parts = Vec::new();
    if f.pending > 0 {
        parts.push(format!("本年制发、年末尚未施行 {} 件", f.pending));
    }
    if f.started > 0 {
        parts.push(format!("以前制发、本年起施行 {} 件", f.started));
    }
    let diff = (f.before + f.issued) as i64 - (f.in_force + f.ended) as i64;
    format!(
        "不一致（相差 {diff}）：{}",
        if parts.is_empty() { "请核对记录的日期与状态".to_string() } else { parts.join("；") }
    )
}

fn markdown(site: &str, y: i32, rows: &[(&str, Figures)]) -> String {
    let mut s = format!(
        "# {site}{y}年政府信息公开工作年度报告（第二部分）\n\n## 主动公开政府信息情况\n\n\
         | 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 | 核对 |\n|---|---:|---:|---:|---|\n"
    );
    for (name, f) in rows {
        s.push_str(&format!("| {name} | {} | {} | {} | {} |\n", f.issued, f.ended, f.in_force, why(f)));
    }
    s.push_str(&format!(
        "\n核对：本年末现行有效 = 上年末现行有效 + 本年制发 − 本年废止（含失效）。上年末现行有效：{}。\n\n\
         数据由 gongbao 按 {y}-12-31 的站点记录计算，只计主动公开、已发布的文件。\n",
        rows.iter().map(|(n, f)| format!("{n} {} 件", f.before)).collect::<Vec<_>>().join("，")
    ));
    s
}

fn html(site: &str, y: i32, rows: &[(&str, Figures)]) -> String {
    let title = escape(&format!("{site}{y}年政府信息公开工作年度报告（第二部分）"));
    let mut s = format!(
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;padding:0 1em;line-height:1.6}}\
         table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #999;padding:.4em .6em}}td.n{{text-align:right}}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>\n<h2>主动公开政府信息情况</h2>\n<table>\n<caption>{y} 年</caption>\n\
         <tr><th scope=\"col\">信息内容</th><th scope=\"col\">本年制发件数</th><th scope=\"col\">本年废止件数</th><th scope=\"col\">现行有效件数</th><th scope=\"col\">核对</th></tr>\n"
    );
    for (name, f) in rows {
        s.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
            escape(name),
            f.issued,
            f.ended,
            f.in_force,
            escape(&why(f))
        ));
    }
    s.push_str(
        "</table>\n<p>核对：本年末现行有效 = 上年末现行有效 + 本年制发 − 本年废止（含失效）。</p>\n</body>\n</html>\n",
    );
    s
}

fn csv(y: i32, rows: &[(&str, Figures)]) -> String {
    let mut s = String::from("\u{feff}year,content,issued,ended,in_force,in_force_last_year,consistent\r\n");
    for (name, f) in rows {
        s.push_str(&format!("{y},{name},{},{},{},{},{}\r\n", f.issued, f.ended, f.in_force, f.before, f.consistent()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_and_its_explanation() {
        let f = Figures { issued: 3, ended: 1, before: 10, in_force: 12, pending: 0, started: 0 };
        assert!(f.consistent());
        assert_eq!(why(&f), "一致");
        let g = Figures { issued: 3, ended: 1, before: 10, in_force: 11, pending: 1, started: 0 };
        assert!(!g.consistent());
        assert!(why(&g).contains("年末尚未施行 1 件"), "{}", why(&g));
    }
}
