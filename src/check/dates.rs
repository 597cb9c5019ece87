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
    if let Some(s) = &r.stated {
        if s.since < r.effective {
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
}
