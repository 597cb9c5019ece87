//! The order of a record's own dates (family "dates and relations"): signed ≤ published ≤
//! effective ≤ expires, a comment period that closes after it opens, a stated change of validity
//! after the document took effect.

use super::err;
use crate::model::diag::Diagnostic;
use crate::model::rules;
use crate::msg;
use crate::source::parse::Record;

/// `future-published`: a record that would be public but is not yet, because its publication
/// date is after the build date. A scheduled publication is meant that way; a mistyped year
/// (`2204`) would otherwise vanish from the site without a word.
pub(super) fn held_back(c: &crate::corpus::Corpus, r: &Record, d: &mut Vec<Diagnostic>) {
    if r.disclosure == crate::model::Disclosure::Public && r.published > c.as_of {
        let (p, b) = (r.published, c.as_of);
        d.push(super::warn(
            r,
            &rules::FUTURE_PUBLISHED,
            r.pos("published"),
            msg!(
                "发布日期 {p} 晚于构建日期 {b}，这条记录到那天才会发布",
                "published {p} is after the build date {b}; the record appears only from that day"
            ),
            msg!(
                "定时发布无需处理；若年份写错，改正 published（定时发布较多的站点可在 [rules] 中关闭本规则）",
                "nothing to do for a scheduled publication; if the year is mistyped, correct published (sites that schedule often can turn this rule off in [rules])"
            ),
        ));
    }
}

/// `publication-delay`: a public normative document is published within `[publication]
/// working_days` working days of signing (当地规定：成文之日起 3 个工作日内公开), counted on the
/// official holiday calendar. A year the calendar does not cover is an error rather than a guess
/// from the weekday: the arrangement changes every year.
pub(super) fn timely(cx: &super::Context<'_>, r: &Record, d: &mut Vec<Diagnostic>) {
    use crate::model::{Disclosure, Kind, calendar::Uncovered, date::Date};
    if r.kind != Kind::Normative || r.disclosure != Disclosure::Public {
        return;
    }
    let Some(signed) = r.signed else { return };
    let first_covered = cx.calendar.years().next().and_then(|y| Date::new(y, 1, 1));
    if cx.cfg.publication.timely_since.or(first_covered).is_none_or(|since| signed < since) {
        return;
    }
    let (p, limit) = (r.published, cx.cfg.publication.working_days);
    // Exact up to about forty years; a date mistyped by centuries stops at a year not covered.
    match cx.calendar.working_days_after(signed, p, 10_000) {
        Ok(n) if n > limit => d.push(super::warn(
            r,
            &rules::PUBLICATION_DELAY,
            r.pos("published"),
            msg!(
                "成文日期 {signed} 之后第 {n} 个工作日才发布（{p}），超过 {limit} 个工作日",
                "published on {p}, {n} working days after signing on {signed}: more than {limit}"
            ),
            msg!(
                "行政规范性文件应在成文后 {limit} 个工作日内公开；若日期写错，改正 signed 或 published；时限在 [publication] working_days 中设置",
                "publish normative documents within {limit} working days of signing; if a date is mistyped, correct signed or published; the limit is [publication] working_days"
            ),
        )),
        Ok(_) => {}
        Err(Uncovered(y)) => {
            let covered = cx.calendar.coverage();
            d.push(err(
                r,
                &rules::PUBLICATION_DELAY,
                r.pos("published"),
                msg!(
                    "节假日日历没有 {y} 年，无法计算成文（{signed}）到发布（{p}）之间的工作日",
                    "the holiday calendar has no table for {y}, so the working days from signing ({signed}) to publication ({p}) cannot be counted"
                ),
                msg!(
                    "日历覆盖 {covered} 年。按国务院办公厅 {y} 年的节假日安排通知，在站点自己的日历文件中加上 [{y}]，并在 gongbao.toml 的 [publication] calendar 中写明该文件；或升级 gongbao",
                    "the calendar covers {covered}. Add a [{y}] table from the State Council's holiday notice for {y} to a calendar file of the site's own, named by [publication] calendar in gongbao.toml, or upgrade gongbao"
                ),
            ));
        }
    }
}

/// The `date-order` errors of one record.
pub(super) fn dates(r: &Record, d: &mut Vec<Diagnostic>) {
    let order_help = || {
        msg!(
            "应满足 成文日期 ≤ 发布日期 ≤ 施行日期 ≤ 有效期至",
            "dates must satisfy signed ≤ published ≤ effective ≤ expires"
        )
    };
    if let Some(s) = r.signed.filter(|s| *s > r.published) {
        let p = r.published;
        d.push(err(
            r,
            &rules::DATE_ORDER,
            r.pos("signed"),
            msg!("成文日期 {s} 晚于发布日期 {p}", "signed ({s}) is after published ({p})"),
            order_help(),
        ));
    }
    if r.effective < r.published {
        let (e, p) = (r.effective, r.published);
        d.push(err(
            r,
            &rules::DATE_ORDER,
            r.pos("effective"),
            msg!("施行日期 {e} 早于发布日期 {p}", "effective ({e}) is before published ({p})"),
            order_help(),
        ));
    }
    if let Some(x) = r.expires.filter(|x| *x < r.effective) {
        let e = r.effective;
        d.push(err(
            r,
            &rules::DATE_ORDER,
            r.pos("expires"),
            msg!("有效期至 {x} 早于施行日期 {e}", "expires ({x}) is before effective ({e})"),
            order_help(),
        ));
    }
    if let Some(c) = r.comment.as_ref().filter(|c| c.closes < c.opens) {
        let (o, cl) = (c.opens, c.closes);
        d.push(err(
            r,
            &rules::DATE_ORDER,
            c.pos,
            msg!("征求意见截止日 {cl} 早于开始日 {o}", "the comment period closes ({cl}) before it opens ({o})"),
            msg!("核对 comment 的 opens 与 closes", "check comment.opens and comment.closes"),
        ));
    }
    if let Some(s) = &r.stated
        && s.since < r.effective
    {
        let (since, e) = (s.since, r.effective);
        d.push(err(
            r,
            &rules::DATE_ORDER,
            s.pos,
            msg!(
                "validity.since {since} 早于施行日期 {e}",
                "validity.since ({since}) is before the effective date ({e})"
            ),
            msg!("状态变化只能发生在施行之后", "a change of state can only come after the document is in force"),
        ));
    }
}
