//! The order of a record's own dates (family "dates and relations"): signed ≤ published ≤
//! effective ≤ expires, a comment period that closes after it opens, a stated change of validity
//! after the document took effect.

use super::err;
use crate::model::diag::Diagnostic;
use crate::model::rules;
use crate::msg;
use crate::source::parse::Record;

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
