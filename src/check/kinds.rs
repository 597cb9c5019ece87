//! Rules for one kind of record (family "kinds"): interpretations and the documents they
//! explain, drafts and their comment periods, gazette issues and what they carry, and the reason
//! that must go with a record that is not published.

use super::{err, warn};
use crate::corpus::Corpus;
use crate::model::diag::{Diagnostic, Pos};
use crate::model::rules;
use crate::model::{Disclosure, Kind};
use crate::msg;
use crate::source::parse::Record;
use std::collections::BTreeMap;

/// Interpretations, drafts, and registration numbers only on normative documents.
pub(super) fn kind_rules(c: &Corpus, cfg: &crate::config::Config, r: &Record, d: &mut Vec<Diagnostic>) {
    match r.kind {
        Kind::Interpretation => match &r.interprets {
            None => d.push(err(
                r,
                &rules::INTERPRETATION,
                Pos::new(1, 1),
                msg!(
                    "政策解读缺少 interprets：所解读文件的 id",
                    "an interpretation needs interprets: the id of the document it explains"
                ),
                msg!("加上 interprets", "add interprets"),
            )),
            Some(x) => {
                if let Some(t) = c.index_of(&x.id) {
                    let doc = &c.records[t];
                    let (a, b, id) = (r.published, doc.published, &doc.id);
                    // The document's date and id are its own: not quoted when it is not public.
                    let hidden = doc.disclosure != Disclosure::Public;
                    if a > b {
                        d.push(err(r, &rules::INTERPRETATION_LATE, r.pos("published"), msg!("政策解读发布于 {a}，晚于所解读文件 `{id}`（{b}），应同步发布", "the interpretation was published on {a}, after `{id}` ({b}); they must be published together"), msg!("与文件同日发布解读", "publish the interpretation on the same day as the document")).redacted_if(hidden));
                    } else if a < b {
                        d.push(err(
                            r,
                            &rules::INTERPRETATION_EARLY,
                            r.pos("published"),
                            msg!(
                                "政策解读发布于 {a}，早于所解读文件 `{id}`（{b}）：解读不能先于文件公开",
                                "the interpretation was published on {a}, before `{id}` ({b}): it cannot come out before the document"
                            ),
                            msg!(
                                "与文件同日发布解读；若文件日期有误，改正文件的 published",
                                "publish the interpretation on the same day as the document, or correct the document's published date"
                            ),
                        )
                        .redacted_if(hidden));
                    }
                }
            }
        },
        Kind::Draft => match &r.comment {
            None => d.push(err(
                r,
                &rules::DRAFT_COMMENT,
                Pos::new(1, 1),
                msg!("征求意见稿缺少 comment：征求意见期限", "a draft needs comment: its comment period"),
                msg!("加上 comment: {{opens, closes, channel}}", "add comment: {{opens, closes, channel}}"),
            )),
            Some(cm) => {
                let days = cm.closes.to_days() - cm.opens.to_days();
                let min = i64::from(cfg.publication.comment_days);
                if days >= 0 && days < min {
                    d.push(err(
                        r,
                        &rules::COMMENT_PERIOD,
                        cm.pos,
                        msg!(
                            "征求意见期只有 {days} 日，少于 {min} 日",
                            "the comment period is {days} days, less than {min}"
                        ),
                        msg!(
                            "延后 comment.closes；确需缩短的（紧急情况），在正文中说明理由，并把本规则设为 warning 或调整 [publication] comment_days",
                            "move comment.closes later; where a shorter period is justified, say why in the text and relax this rule or [publication] comment_days"
                        ),
                    ));
                }
                if cm.closes < c.as_of && cm.adoption.is_none() {
                    let cl = cm.closes;
                    d.push(warn(
                        r,
                        &rules::DRAFT_ADOPTION,
                        cm.pos,
                        msg!(
                            "征求意见已于 {cl} 截止，尚无意见采纳情况说明",
                            "the comment period closed on {cl} and there is no adoption report"
                        ),
                        msg!(
                            "发布意见采纳情况的报告，并在 comment.adoption 中写明其 id",
                            "publish a report on which comments were adopted and give its id in comment.adoption"
                        ),
                    ));
                }
            }
        },
        _ => {}
    }
    if r.registration_no.is_some() && r.kind != Kind::Normative {
        d.push(warn(
            r,
            &rules::REGISTRATION_NO_KIND,
            r.pos("registration_no"),
            msg!("统一编号只用于行政规范性文件", "registration numbers belong to normative documents"),
            msg!(
                "删除 registration_no，或把 kind 改为 normative",
                "remove registration_no, or make the record kind: normative"
            ),
        ));
    }
}

/// A withheld record gives its reason, and only a record that is not public has one.
pub(super) fn disclosure(r: &Record, d: &mut Vec<Diagnostic>) {
    // 先审查后公开: a public record carries its secrecy review, done before it was published.
    if r.disclosure == Disclosure::Public && r.kind != Kind::Gazette {
        match &r.review {
            None => d.push(warn(
                r,
                &rules::REVIEW,
                r.pos("disclosure"),
                msg!("主动公开的记录没有保密审查记录", "a public record without a record of its secrecy review"),
                msg!(
                    "加上 review: {{by: 审查人, on: 审查日期, result: 同意公开}}；要求必审的站点在 [rules] 中设 review = \"error\"",
                    "add review: {{by, on, result}}; sites that require it set review = \"error\" in [rules]"
                ),
            )),
            Some(v) if v.on > r.published => {
                let (on, p) = (v.on, r.published);
                d.push(err(
                    r,
                    &rules::REVIEW,
                    r.pos("review"),
                    msg!(
                        "保密审查日期 {on} 晚于发布日期 {p}：应先审查后公开",
                        "reviewed on {on}, after it was published on {p}: the review comes before publication"
                    ),
                    msg!("核对 review.on 与 published", "check review.on and published"),
                ));
            }
            Some(_) => {}
        }
    }
    if r.disclosure == Disclosure::Withheld && r.disclosure_reason.as_deref().is_none_or(|s| s.trim().is_empty()) {
        d.push(err(
            r,
            &rules::DISCLOSURE_REASON,
            r.pos("disclosure"),
            msg!("不予公开的记录缺少 disclosure_reason", "a withheld record needs disclosure_reason"),
            msg!("写明不予公开的法定理由", "give the legal reason for withholding it"),
        ));
    }
    // A reason for not disclosing beside a disclosure that publishes the record is a
    // contradiction: most likely the disclosure itself was lost or mistyped.
    if r.disclosure == Disclosure::Public && r.key_pos.contains_key("disclosure_reason") {
        d.push(err(r, &rules::DISCLOSURE_REASON, r.pos("disclosure_reason"), msg!("记录写了 disclosure_reason，却是主动公开：不公开的理由只用于依申请公开或不予公开的记录", "the record gives disclosure_reason but is publicly disclosed: a reason belongs only to records disclosed on request or withheld"), msg!("写明 disclosure: withheld（不予公开）或 on_request（依申请公开）；若确应公开，删除 disclosure_reason", "write disclosure: withheld or on_request; if the record really is public, remove disclosure_reason")));
    }
}

/// `inside-private`: a public record may not lie inside the folder of a record readers do not
/// see when it is published (`<folder>/index.md` withheld, on request or published after it),
/// nor in a folder named as a flat record that is (`<folder>.md`, whose id is the folder's
/// name). Its address, lists, data and packages are made from its path, and would show that
/// name; nothing of it is told here but that there is such a folder. Decided whatever the
/// build date, so that `check` finds what the build of a later day would stop on.
pub(super) fn inside_private(c: &Corpus) -> Vec<Diagnostic> {
    // By folder: whether its record is public, and when it is published.
    let hidden: std::collections::HashMap<&str, (bool, crate::model::date::Date)> = c
        .records
        .iter()
        .enumerate()
        .filter(|&(i, _)| !c.visible[i])
        .filter_map(|(_, r)| {
            let dir = match r.file.strip_suffix("/index.md") {
                Some(_) => r.dir.as_str(),
                None => r.file.strip_prefix("content/")?.strip_suffix(".md")?,
            };
            (!dir.is_empty()).then_some((dir, (r.disclosure == Disclosure::Public, r.published)))
        })
        .collect();
    if hidden.is_empty() {
        return Vec::new();
    }
    let up = |dir: &str| dir.rsplit_once('/').map_or("", |(above, _)| above).to_string();
    let mut out = Vec::new();
    for r in c.records.iter().filter(|r| r.disclosure == Disclosure::Public) {
        // A folder record's own folder is its own; a flat record's folder may be another's.
        let mut dir = if r.file.ends_with("/index.md") { up(&r.dir) } else { r.dir.clone() };
        while !dir.is_empty() {
            if hidden.get(dir.as_str()).is_some_and(|&(public, on)| !public || on > r.published) {
                out.push(err(
                    r,
                    &rules::INSIDE_PRIVATE,
                    Pos::new(1, 1),
                    msg!(
                        "本记录主动公开，却位于一条读者看不到的记录（不予公开、依申请公开或晚于本记录发布）的目录中：它的网址、列表、数据和移交包都会带出那个目录的名称",
                        "this record is public but lies inside the folder of a record readers do not see (withheld, on request or published after it): its address, lists, data and packages would show that folder's name"
                    ),
                    msg!(
                        "把本记录移出那个目录（写了 id 的记录移动后网址不变）",
                        "move this record out of that folder (a record with an id: of its own keeps its address)"
                    ),
                ));
                break;
            }
            dir = up(&dir);
        }
    }
    out
}

/// Issue numbers are unique, a document is carried once, after it was published, and an issue
/// carries documents, not issues.
pub(super) fn gazette_issues(c: &Corpus) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut numbers: BTreeMap<(i32, u32), usize> = BTreeMap::new();
    let mut carried: BTreeMap<&str, usize> = BTreeMap::new();
    // What another record is (its file, its dates) is not quoted when that record is not public.
    let hidden = |k: usize| c.records[k].disclosure != Disclosure::Public;
    for (i, r) in c.records.iter().enumerate() {
        let Some(issue) = &r.issue else { continue };
        if let Some(&first) = numbers.get(&(issue.year, issue.number)) {
            let (y, n, other) = (issue.year, issue.number, &c.records[first].file);
            out.push(
                err(
                    r,
                    &rules::DUPLICATE_ISSUE,
                    r.pos("number"),
                    msg!("{y}年第{n}期 与 {other} 重复", "issue {n} of {y} is already {other}"),
                    msg!("每一期的年份和期号必须唯一", "each issue's year and number must be unique"),
                )
                .redacted_if(hidden(first)),
            );
        } else {
            numbers.insert((issue.year, issue.number), i);
        }
        for item in issue.sections.iter().flat_map(|s| &s.items) {
            let id = item.doc.id.as_str();
            if let Some(&first) = carried.get(id) {
                let other = &c.records[first].file;
                out.push(
                    warn(
                        r,
                        &rules::ISSUE_TWICE,
                        item.doc.pos,
                        msg!("`{id}` 已刊登于 {other}", "`{id}` is already carried by {other}"),
                        msg!(
                            "一份文件只刊登一次；页面只显示第一次",
                            "a document is printed once; its page shows the first issue only"
                        ),
                    )
                    .redacted_if(hidden(first) || c.index_of(id).is_some_and(hidden)),
                );
            } else {
                carried.insert(id, i);
            }
            if let Some(t) = c.index_of(id) {
                let doc = &c.records[t];
                if doc.published > r.published {
                    let (a, b) = (doc.published, r.published);
                    out.push(
                        err(
                            r,
                            &rules::ISSUE_DATE,
                            item.doc.pos,
                            msg!(
                                "`{id}` 发布于 {a}，晚于本期出版日期 {b}",
                                "`{id}` was published on {a}, after this issue ({b})"
                            ),
                            msg!(
                                "核对文件的 published 或本期的出版日期",
                                "check the document's published date or the issue's"
                            ),
                        )
                        .redacted_if(hidden(t)),
                    );
                }
                if doc.kind == Kind::Gazette {
                    out.push(err(
                        r,
                        &rules::ISSUE_ITEM,
                        item.doc.pos,
                        msg!("公报期不能刊登另一期公报", "an issue cannot carry another issue"),
                        msg!("这里列出的应是文件", "list documents here"),
                    ));
                }
            }
        }
    }
    out
}
