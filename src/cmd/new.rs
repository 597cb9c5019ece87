//! `gongbao new KIND`: a new record with the keys its kind needs, today's date, and the next
//! free index number and document number of its issuer's year, counted over every record of the
//! site, public or not (a withheld document still used its number).

use super::{EXIT_FAILURE, Failure, analyse, report};
use crate::model::date::Date;
use crate::model::rules;
use crate::model::{DocNumber, IndexParts, Kind};
use crate::msg;
use crate::source::parse::Record;
use std::path::{Path, PathBuf};

/// What to make.
pub struct Options {
    /// The site's folder.
    pub root: PathBuf,
    /// The record kind, as its English identifier or Chinese name.
    pub kind: String,
    /// Its title.
    pub title: Option<String>,
    /// Its issuer (default: the site's sponsor, else its name).
    pub issuer: Option<String>,
    /// The date to write (default: today in the site's time zone).
    pub date: Option<Date>,
}

/// Makes the record; returns the exit code.
pub fn run(o: &Options) -> u8 {
    match make(o) {
        Ok(()) => 0,
        Err(f) => report(&f, &o.root),
    }
}

/// The folder under `content/` that records of a kind go in.
fn folder(kind: Kind) -> &'static str {
    match kind {
        Kind::Regulation => "regulations",
        Kind::Normative => "normative",
        Kind::Policy => "policy",
        Kind::Interpretation => "interpretations",
        Kind::Draft => "drafts",
        Kind::Notice => "notices",
        Kind::Report => "reports",
        Kind::Catalog => "catalog",
        Kind::Gazette => "gazette",
    }
}

fn make(o: &Options) -> Result<(), Failure> {
    let a = analyse(&o.root, o.date)?;
    let lang = a.cfg.lang();
    let kinds = || Kind::ALL.iter().map(|k| format!("{} ({})", k.id(), k.zh())).collect::<Vec<_>>().join(", ");
    let Some(kind) = Kind::parse(o.kind.trim()) else {
        let (k, all) = (&o.kind, kinds());
        return Err(Failure::new(
            &rules::CONFIG,
            EXIT_FAILURE,
            msg!("没有 `{k}` 这种记录", "there is no record kind `{k}`"),
        )
        .help(match Kind::nearest(k) {
            Some((kind, spelling)) => {
                let id = kind.id();
                msg!(
                    "是不是 `{spelling}`（{id}）？可用的种类：{all}",
                    "did you mean `{spelling}` ({id})? The kinds are: {all}"
                )
            }
            None => msg!("可用的种类：{all}", "the kinds are: {all}"),
        }));
    };
    let today = o.date.unwrap_or_else(|| Date::today(a.cfg.tz_minutes()));
    let records = &a.corpus.records;
    let issuer = o.issuer.clone().unwrap_or_else(|| {
        let s = &a.cfg.site;
        if s.sponsor.is_empty() { s.name.clone() } else { s.sponsor.clone() }
    });
    let year = today.year();

    let dir = folder(kind);
    let id = next_id(records, dir, year);
    let path = o.root.join("content").join(format!("{id}.md"));
    let doc_number =
        if matches!(kind, Kind::Catalog | Kind::Gazette) { None } else { next_doc_number(records, &issuer, year) };
    let index_no = if kind == Kind::Gazette { None } else { next_index_no(records, &issuer, year) };
    let text =
        front_matter(kind, o.title.as_deref(), &issuer, today, doc_number.as_ref(), index_no.as_ref(), records, &a.cfg);

    let shown = path.display().to_string();
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
        .map_err(|e| Failure::io(msg!("无法建立 {shown} 所在的目录：{e}", "cannot make the folder of {shown}: {e}")))?;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| {
        Failure::io(msg!("无法新建 {shown}：{e}", "cannot create {shown}: {e}"))
            .help(msg!("不会覆盖已有的文件", "an existing file is never overwritten"))
    })?;
    std::io::Write::write_all(&mut f, text.as_bytes())
        .map_err(|e| Failure::io(msg!("无法写入 {shown}：{e}", "cannot write {shown}: {e}")))?;
    let dn = doc_number.map_or_else(|| "—".to_string(), |d| d.to_string());
    let ix = index_no.as_ref().map_or_else(|| "—".to_string(), |i| written(i, &a.cfg));
    let said = msg!(
        "已新建 {shown}（id {id}；发文字号 {dn}；索引号 {ix}）。填写标题和正文，完成保密审查后写上 review，再运行 gongbao check",
        "made {shown} (id {id}; document number {dn}; index number {ix}). Write its title and text, add review once it is reviewed, then run gongbao check"
    );
    println!("{}", said.get(lang));
    Ok(())
}

/// `<folder>/<year>-<NNN>`: the next number after the highest of that folder and year.
fn next_id(records: &[std::sync::Arc<Record>], dir: &str, year: i32) -> String {
    let prefix = format!("{dir}/{year}-");
    let highest = records
        .iter()
        .filter_map(|r| r.id.strip_prefix(&prefix))
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("{prefix}{:03}", highest + 1)
}

/// The issuer's next document number of `year`: its agency code from its latest numbered
/// record, the running number after the highest of that code and year.
fn next_doc_number(records: &[std::sync::Arc<Record>], issuer: &str, year: i32) -> Option<DocNumber> {
    let agency = records
        .iter()
        .filter(|r| r.issuers.first().is_some_and(|i| **i == *issuer))
        .filter_map(|r| r.doc_number.as_ref().filter(|d| d.year.is_some()).map(|d| (r.published, d)))
        .max_by_key(|(p, _)| *p)?
        .1
        .agency
        .clone();
    let highest = records
        .iter()
        .filter_map(|r| r.doc_number.as_ref())
        .filter(|d| d.agency == agency && d.year == Some(year))
        .map(|d| d.seq)
        .max()
        .unwrap_or(0);
    Some(DocNumber { agency, year: Some(year), seq: highest + 1 })
}

/// An index number as the site writes it: in its `[patterns] index_no_format`, else the usual shape.
fn written(i: &IndexParts, cfg: &crate::config::Config) -> String {
    cfg.patterns.index_format.as_ref().map_or_else(|| i.to_string(), |f| f.write(i))
}

/// The issuer's next index number of `year`: its organisation code from its latest index
/// number of the usual shape (else the site's most used one), the serial after the highest of
/// that organisation and year.
fn next_index_no(records: &[std::sync::Arc<Record>], issuer: &str, year: i32) -> Option<IndexParts> {
    let parts = |r: &Record| r.index_no.as_ref().and_then(|i| i.parts.clone());
    let own = records
        .iter()
        .filter(|r| r.issuers.first().is_some_and(|i| **i == *issuer))
        .filter_map(|r| parts(r).map(|p| (r.published, p)))
        .max_by_key(|(p, _)| *p)
        .map(|(_, p)| p);
    let template = own.or_else(|| {
        let mut counts: std::collections::BTreeMap<String, (usize, IndexParts)> = Default::default();
        for p in records.iter().filter_map(|r| parts(r)) {
            counts.entry(p.org.clone()).or_insert((0, p)).0 += 1;
        }
        counts.into_values().max_by_key(|(n, _)| *n).map(|(_, p)| p)
    })?;
    let year = u16::try_from(year).ok()?;
    let highest = records
        .iter()
        .filter_map(|r| parts(r))
        .filter(|p| p.org == template.org && p.year == year)
        .map(|p| p.serial)
        .max()
        .unwrap_or(0);
    Some(IndexParts { org: template.org, year, serial: highest + 1, width: template.width })
}

/// The record's text: the keys its kind needs, in the order of the book's examples, with what
/// only the editor can fill in left as comments or placeholders that `check` will point at.
#[allow(clippy::too_many_arguments)]
fn front_matter(
    kind: Kind,
    title: Option<&str>,
    issuer: &str,
    today: Date,
    doc_number: Option<&DocNumber>,
    index_no: Option<&IndexParts>,
    records: &[std::sync::Arc<Record>],
    cfg: &crate::config::Config,
) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut y = format!("---\nkind: {}\n", kind.id());
    if kind == Kind::Gazette {
        let year = today.year();
        let number = records.iter().filter_map(|r| r.issue.as_ref()).filter(|i| i.year == year).map(|i| i.number).max();
        let total = records.iter().filter_map(|r| r.issue.as_ref()).filter_map(|i| i.total_number).max();
        y.push_str(&format!("year: {year}\nnumber: {}\n", number.unwrap_or(0) + 1));
        if let Some(t) = total {
            y.push_str(&format!("total_number: {}\n", t + 1));
        }
        y.push_str(&format!("published: {today}\n"));
        y.push_str("# pdf: 公报 PDF 的文件名\nsections:\n  - title: \"（栏目）\"\n    items: []\n---\n");
        return y;
    }
    y.push_str(&format!("title: {}\n", q(title.unwrap_or("（标题）"))));
    y.push_str(&format!("issuer: {}\n", q(issuer)));
    match doc_number {
        Some(d) => y.push_str(&format!("doc_number: {}\n", q(&d.to_string()))),
        None if kind != Kind::Catalog => y.push_str("# doc_number: 发文字号，如 某政发〔2026〕1号\n"),
        None => {}
    }
    match index_no {
        Some(i) => y.push_str(&format!("index_no: {}\n", q(&written(i, cfg)))),
        None => y.push_str("# index_no: 索引号，机构代码/年份-序号\n"),
    }
    y.push_str(&format!("published: {today}\n"));
    match kind {
        // Left for the editor: until it is filled in, `check` says an interpretation needs it.
        Kind::Interpretation => y.push_str("# interprets: 所解读文件的 id\n"),
        Kind::Draft => {
            let closes = Date::from_days(today.to_days() + i64::from(cfg.publication.comment_days));
            y.push_str(&format!(
                "comment:\n  opens: {today}\n  closes: {closes}\n  channel: \"（意见反馈渠道，如电子邮箱）\"\n"
            ));
        }
        Kind::Catalog => y.push_str(
            "catalog:\n  category: \"（类别）\"\n  basis: \"（公开依据）\"\n  time_limit: \"（公开时限）\"\n  unit: \"（公开主体）\"\n  channel: \"（公开渠道）\"\n",
        ),
        _ => {}
    }
    y.push_str(&format!("# review: {{by: 审查人, on: {today}, result: 同意公开}}   # 保密审查后填写\n"));
    y.push_str("---\n\n（正文）\n");
    y
}
