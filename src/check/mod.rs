//! Stage 4, `check`: rules that read the linked corpus and return diagnostics. Each rule is a
//! function over one record (run in parallel) or, for rules about the whole corpus such as
//! duplicates and cycles, one linear pass. A new rule is a new function added to [`run`].

pub mod rules;

use crate::corpus::{Active, Corpus, NotOwn, active_kind};
use crate::diag::{Diagnostic, Msg, Pos};
use crate::model::{Disclosure, Kind};
use crate::msg;
use crate::parse::markdown::Target;
use crate::parse::{Record, Ref};
use rayon::prelude::*;
use rules::Rule;
use std::collections::{BTreeMap, BTreeSet};

/// Checks the site's `[rules]`: every id must be a rule, and the reading rules stay errors.
pub fn check_levels(levels: &BTreeMap<String, crate::diag::RuleLevel>, config_text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (id, level) in levels {
        let pos = config_text.find(id.as_str()).map_or(Pos::new(1, 1), |o| Pos::of_offset(config_text, o));
        match rules::find(id) {
            None => out.push(
                Diagnostic::error(
                    &rules::CONFIG,
                    crate::config::FILE,
                    pos,
                    msg!("[rules] 中的 `{id}` 不是检查规则", "`{id}` in [rules] is not a rule"),
                )
                .help(msg!("规则名见手册“检查”一章", "the book's chapter on checks lists the rules")),
            ),
            Some(r) if !r.relaxable && *level != crate::diag::RuleLevel::Error => out.push(
                Diagnostic::error(
                    &rules::CONFIG,
                    crate::config::FILE,
                    pos,
                    msg!(
                        "规则 `{id}` 不能降级或关闭：无法读取的记录不能发布",
                        "rule `{id}` cannot be relaxed: a record that cannot be read cannot be published"
                    ),
                )
                .help(msg!("删除这一行", "remove this line")),
            ),
            Some(_) => {}
        }
    }
    out
}

/// Everything a rule may need besides the corpus.
pub struct Context<'a> {
    /// Every regular file under `content/`, relative to it.
    pub files: &'a BTreeSet<String>,
    /// The site root, for reading version files.
    pub root: &'a std::path::Path,
}

/// Runs every rule.
pub fn run(c: &Corpus, cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> =
        (0..c.records.len()).into_par_iter().flat_map_iter(|i| per_record(c, cx, i)).collect();
    out.extend(duplicates(c));
    out.extend(outputs(c));
    out.extend(cycles(c));
    out.extend(gazette_issues(c));
    for f in &c.orphan_versions {
        out.push(
            Diagnostic::warning(
                &rules::VERSION,
                f,
                Pos::new(1, 1),
                msg!(
                    "versions/ 文件夹不属于任何以 index.md 为正文的记录，已忽略",
                    "this versions/ folder belongs to no record with its own folder (index.md); it is ignored"
                ),
            )
            .help(msg!(
                "把记录改为 <名称>/index.md，versions/ 放在它旁边",
                "make the record <slug>/index.md and put versions/ beside it"
            )),
        );
    }
    out
}

fn err(r: &Record, rule: &'static Rule, pos: Pos, m: Msg, help: Msg) -> Diagnostic {
    Diagnostic::error(rule, &r.file, pos, m).help(help)
}

fn warn(r: &Record, rule: &'static Rule, pos: Pos, m: Msg, help: Msg) -> Diagnostic {
    Diagnostic::warning(rule, &r.file, pos, m).help(help)
}

fn per_record(c: &Corpus, cx: &Context<'_>, i: usize) -> Vec<Diagnostic> {
    let r = &c.records[i];
    let mut d = Vec::new();
    references(c, r, &mut d);
    dates(r, &mut d);
    kind_rules(c, r, &mut d);
    files(c, cx, r, &mut d);
    versions(c, cx, i, &mut d);
    for rel in &r.repeals {
        let e = rel.effective.unwrap_or(r.effective);
        if r.published <= c.as_of && e > c.as_of && c.by_id.contains_key(&rel.target.id) {
            let id = &rel.target.id;
            d.push(warn(
                r,
                &rules::REPEAL_PENDING,
                rel.target.pos,
                msg!(
                    "废止 `{id}` 的本文件 {e} 才施行，届时才生效",
                    "this record repeals `{id}` but is itself not in force until {e}"
                ),
                msg!(
                    "确认施行日期；在此之前被废止文件仍显示为有效",
                    "check the dates; until then the repealed document still shows as in force"
                ),
            ));
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
    for (pos, name) in &r.body.unclosed {
        d.push(unclosed(&r.file, *pos, name));
    }
    for &pos in &r.body.scripts {
        d.push(warn(
            r,
            &rules::RAW_HTML,
            pos,
            msg!(
                "正文中的 HTML 可能执行脚本，发布时会被删除",
                "raw HTML here could run script; it is removed from the page"
            ),
            msg!(
                "删除 <script>、on… 事件属性和 javascript: 链接",
                "remove <script>, on… event attributes and javascript: links"
            ),
        ));
    }
    if r.body.chars == 0 && r.kind != Kind::Gazette {
        d.push(warn(
            r,
            &rules::EMPTY_TEXT,
            Pos::new(1, 1),
            msg!("记录只有元数据，没有正文", "the record has metadata but no text"),
            msg!("在结束的 `---` 之后写入正文", "write the text after the closing `---`"),
        ));
    }
    d
}

/// The error for raw HTML element `name` opened at `pos` of `file` and never closed.
fn unclosed(file: &str, pos: Pos, name: &str) -> Diagnostic {
    let tag = if name == "<!--" { "<!-- … -->".to_string() } else { format!("<{name}> … </{name}>") };
    Diagnostic::error(
        &rules::RAW_HTML_UNCLOSED,
        file,
        pos,
        msg!(
            "原始 HTML `{name}` 没有闭合，其后的全部正文都会从页面上消失",
            "raw HTML `{name}` is never closed: all the text after it would be lost from the page"
        ),
    )
    .help(msg!("补上结束标记（{tag}），或删除这段 HTML", "close it ({tag}), or remove this HTML"))
}

/// Every reference names a record that exists; public records do not point at non-public ones.
fn references(c: &Corpus, r: &Record, d: &mut Vec<Diagnostic>) {
    let mut refs: Vec<(&str, &Ref)> = Vec::new();
    refs.extend(r.amends.iter().map(|x| ("amends", &x.target)));
    refs.extend(r.repeals.iter().map(|x| ("repeals", &x.target)));
    refs.extend(r.interprets.iter().map(|x| ("interprets", x)));
    refs.extend(r.final_doc.iter().map(|x| ("final", x)));
    refs.extend(r.comment.iter().filter_map(|x| x.adoption.as_ref()).map(|x| ("comment.adoption", x)));
    refs.extend(
        r.stated
            .iter()
            .filter_map(|x| x.basis.as_ref())
            .filter(|b| crate::parse::basis_is_id(&b.id, c.by_id.contains_key(&b.id)))
            .map(|x| ("validity.basis", x)),
    );
    refs.extend(
        r.issue.iter().flat_map(|x| &x.sections).flat_map(|s| &s.items).map(|x| ("sections.items.doc", &x.doc)),
    );
    let body_refs: Vec<Ref> = r
        .body
        .links
        .iter()
        .filter_map(|l| match &l.target {
            Target::Record(id) => Some(Ref { id: id.clone(), pos: l.pos }),
            Target::File(_) => None,
        })
        .collect();
    refs.extend(body_refs.iter().map(|x| ("doc:", x)));
    for (key, x) in refs {
        let id = &x.id;
        match c.by_id.get(id) {
            None => d.push(err(
                r,
                &rules::UNKNOWN_REF,
                x.pos,
                msg!("{key} 引用的记录 `{id}` 不存在", "{key} refers to `{id}`, which does not exist"),
                msg!(
                    "id 是记录在 content/ 下的路径（不含 .md），或记录中写明的 id",
                    "an id is the record's path under content/ without .md, or the id it declares"
                ),
            )),
            Some(&t) => {
                let target = &c.records[t];
                if target.id == r.id && key != "doc:" {
                    d.push(err(
                        r,
                        &rules::SELF_REF,
                        x.pos,
                        msg!("{key} 指向记录自身", "{key} points at the record itself"),
                        msg!("删除这个引用", "remove the reference"),
                    ));
                } else if r.disclosure == Disclosure::Public && target.disclosure != Disclosure::Public {
                    d.push(warn(
                        r,
                        &rules::NON_PUBLIC_REF,
                        x.pos,
                        msg!(
                            "{key} 引用了非主动公开的记录 `{id}`，网站上将省略这一关联",
                            "{key} refers to `{id}`, which is not publicly disclosed; the link is left out of the site"
                        ),
                        msg!(
                            "确认该关联可以公开，或删除引用",
                            "check whether the relation may be public, or remove it"
                        ),
                    ));
                }
            }
        }
    }
    for rel in r.amends.iter().chain(&r.repeals) {
        if let (Some(&t), Some(eff)) = (c.by_id.get(&rel.target.id), rel.effective.or(Some(r.effective))) {
            let target = &c.records[t];
            if eff < target.effective {
                let (te, id) = (target.effective, &target.id);
                d.push(err(
                    r,
                    &rules::RELATION_DATE,
                    rel.target.pos,
                    msg!(
                        "对 `{id}` 的修改或废止于 {eff} 生效，早于其施行日期 {te}",
                        "the change to `{id}` takes effect on {eff}, before it is in force ({te})"
                    ),
                    msg!("核对 effective 日期", "check the effective dates"),
                ));
            }
        }
    }
}

fn dates(r: &Record, d: &mut Vec<Diagnostic>) {
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

fn kind_rules(c: &Corpus, r: &Record, d: &mut Vec<Diagnostic>) {
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
                if let Some(&t) = c.by_id.get(&x.id) {
                    let doc = &c.records[t];
                    if r.published > doc.published {
                        let (a, b, id) = (r.published, doc.published, &doc.id);
                        d.push(err(r, &rules::INTERPRETATION_LATE, r.pos("published"), msg!("政策解读发布于 {a}，晚于所解读文件 `{id}`（{b}），应同步发布", "the interpretation was published on {a}, after `{id}` ({b}); they must be published together"), msg!("与文件同日发布解读", "publish the interpretation on the same day as the document")));
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

/// Earlier texts: named by date, after the record took effect, before its current text, and
/// plain Markdown that can be read.
fn versions(c: &Corpus, cx: &Context<'_>, i: usize, d: &mut Vec<Diagnostic>) {
    let r = &c.records[i];
    for f in &c.bad_versions[i] {
        d.push(
            Diagnostic::error(
                &rules::VERSION,
                f,
                Pos::new(1, 1),
                msg!(
                    "版本文件名必须是其施行日期，如 2021-03-01.md",
                    "a version file is named by the date its text took effect, e.g. 2021-03-01.md"
                ),
            )
            .help(msg!("重命名为 YYYY-MM-DD.md", "rename it YYYY-MM-DD.md")),
        );
    }
    let current = c.text_date(i);
    for ver in &c.all_versions[i] {
        let Some(file) = &ver.file else { continue };
        let date = ver.date;
        if date < r.effective {
            let e = r.effective;
            d.push(
                Diagnostic::error(
                    &rules::VERSION_DATE,
                    file,
                    Pos::new(1, 1),
                    msg!(
                        "版本日期 {date} 早于文件施行日期 {e}",
                        "version dated {date} is before the record took effect ({e})"
                    ),
                )
                .help(msg!("版本以其开始适用的日期命名", "name versions by the date their text began to apply")),
            );
        }
        if date >= current {
            let cd = current;
            d.push(Diagnostic::error(&rules::VERSION_DATE, file, Pos::new(1, 1), msg!("版本日期 {date} 不早于现行文本的日期 {cd}（最近一次修改的施行日期）", "version dated {date} is not earlier than the current text, which applies from {cd} (the latest amendment)")).help(msg!("现行文本写在 index.md 中；较早的文本放在 versions/ 中，日期须早于最近一次修改", "the current text is in index.md; earlier texts go in versions/, dated before the latest amendment")));
        }
        match crate::load::read_regular(&cx.root.join(file), crate::load::MAX_RECORD_BYTES)
            .map(|b| crate::load::decode(&b))
        {
            Err(e) => d.push(e.diagnostic(file)),
            Ok(Err((pos, m, h))) => d.push(Diagnostic::error(&rules::ENCODING, file, pos, m).help(h)),
            Ok(Ok(text)) if text.starts_with("---") => d.push(
                Diagnostic::error(
                    &rules::VERSION,
                    file,
                    Pos::new(1, 1),
                    msg!("版本文件只包含正文，不写元数据", "a version file holds only the text, without front matter"),
                )
                .help(msg!("删除开头的 --- 元数据块", "remove the --- block at the top")),
            ),
            Ok(Ok(text)) => {
                let body = crate::parse::markdown::render(&text, 0, &text, false);
                for (pos, name) in &body.unclosed {
                    d.push(unclosed(file, *pos, name));
                }
                for pos in body.scripts {
                    d.push(Diagnostic::warning(
                        &rules::RAW_HTML,
                        file,
                        pos,
                        msg!(
                            "正文中的 HTML 可能执行脚本，发布时会被删除",
                            "raw HTML here could run script; it is removed from the page"
                        ),
                    ));
                }
                // Links in an earlier text resolve like those in the record itself.
                for l in body.links {
                    match &l.target {
                        Target::Record(id) if !c.by_id.contains_key(id) => {
                            d.push(Diagnostic::error(
                                &rules::UNKNOWN_REF,
                                file,
                                l.pos,
                                msg!("doc: 引用的记录 `{id}` 不存在", "doc: refers to `{id}`, which does not exist"),
                            ));
                        }
                        Target::File(f) => {
                            d.extend(active_attachment(file, l.pos, f));
                            match c.own_file(r, f) {
                                Err(why) => d.push(not_own(file, l.pos, f, &why)),
                                Ok(p) if !cx.files.contains(&p) => {
                                    let (f, p) = (crate::load::shown_path(f), crate::load::shown_path(&p));
                                    d.push(Diagnostic::error(
                                        &rules::MISSING_FILE,
                                        file,
                                        l.pos,
                                        msg!(
                                            "文件 `{f}` 不存在（应在 content/{p}）",
                                            "file `{f}` does not exist (expected at content/{p})"
                                        ),
                                    ));
                                }
                                Ok(_) => {}
                            }
                        }
                        Target::Record(_) => {}
                    }
                }
            }
        }
    }
}

/// Attachments and linked files exist inside the record's own folder.
fn files(c: &Corpus, cx: &Context<'_>, r: &Record, d: &mut Vec<Diagnostic>) {
    for (f, pos) in crate::corpus::named_files(r) {
        d.extend(active_attachment(&r.file, pos, f));
        match c.own_file(r, f) {
            Err(why) => d.push(not_own(&r.file, pos, f, &why)),
            Ok(p) if !cx.files.contains(&p) => {
                let (f, p) = (crate::load::shown_path(f), crate::load::shown_path(&p));
                d.push(err(
                    r,
                    &rules::MISSING_FILE,
                    pos,
                    msg!(
                        "文件 `{f}` 不存在（应在 content/{p}）",
                        "file `{f}` does not exist (expected at content/{p})"
                    ),
                    msg!("检查文件名，或把文件加入仓库", "check the file name, or add the file to the repository"),
                ));
            }
            Ok(_) => {}
        }
    }
}

/// The `active-attachment` finding for file `f` named at `pos` of `file`: an error for a type
/// that is never published, a warning that an HTML file is published cleaned.
fn active_attachment(file: &str, pos: Pos, f: &str) -> Option<Diagnostic> {
    match active_kind(f)? {
        Active::Refused => Some(Diagnostic::error(&rules::ACTIVE_ATTACHMENT, file, pos, msg!("附件 `{f}` 的类型可以执行脚本（SVG、XML、XSLT、MHTML、JavaScript、Flash），不能发布", "the attachment `{f}` is of a type that can run script (SVG, XML, XSLT, MHTML, JavaScript, Flash) and is not published"))
            .help(msg!("转换为 PDF 或 PNG 再作为附件", "convert it to PDF or PNG and attach that"))),
        Active::Html => Some(Diagnostic::warning(&rules::ACTIVE_ATTACHMENT, file, pos, msg!("HTML 附件 `{f}` 发布时会删除脚本、事件属性和样式", "the HTML attachment `{f}` is published with its scripts, event attributes and styles removed"))
            .help(msg!("核对发布后的文件；需要原样保存的页面请转换为 PDF", "check the published copy; convert pages that must be kept exactly to PDF"))),
    }
}

/// The `outside` error for file `f`, named at `pos` of `file`.
fn not_own(file: &str, pos: Pos, f: &str, why: &NotOwn) -> Diagnostic {
    let (m, help) = match why {
        NotOwn::Outside => (
            msg!("`{f}` 指向记录目录之外", "`{f}` points outside the record's folder"),
            msg!(
                "把文件放进记录所在目录，用相对路径引用，不要用 `..` 或绝对路径",
                "put the file in the record's folder and refer to it by a relative path without `..`"
            ),
        ),
        NotOwn::Record(p) => (
            msg!(
                "`{f}` 是记录 content/{p} 的源文件，不能作为附件发布",
                "`{f}` is the source file of the record content/{p} and cannot be published as an attachment"
            ),
            msg!(
                "引用其他记录请写 doc:<id>；附件只放本记录自己的文件",
                "refer to a record with doc:<id>; attachments are only this record's own files"
            ),
        ),
        NotOwn::Version(p) => (
            msg!(
                "`{f}` 是 versions/ 中的历史文本（content/{p}），不是附件",
                "`{f}` is an earlier text in versions/ (content/{p}), not an attachment"
            ),
            msg!(
                "历史文本作为版本页面发布；请删除这个链接",
                "earlier texts are published as version pages; remove this link"
            ),
        ),
        NotOwn::Private(other) => (
            msg!(
                "`{f}` 也被非主动公开的记录 {other} 列出或链接，属于那条记录，不能在这里发布",
                "`{f}` is also listed or linked by {other}, which is not publicly disclosed; the file is that record's and cannot be published here"
            ),
            msg!(
                "公开记录需要的文件请另存一份放在自己的目录中，并确认其内容可以公开",
                "give the public record its own copy of the file, in its own folder, after checking that its content may be public"
            ),
        ),
        NotOwn::Foreign(folder) => (
            msg!(
                "`{f}` 位于另一条记录的目录 content/{folder}/ 中，属于那条记录",
                "`{f}` is inside the folder of another record (content/{folder}/index.md) and belongs to it"
            ),
            msg!(
                "文件只属于离它最近的记录：把文件移到本记录的目录，或改为链接那条记录（doc:<id>）",
                "a file belongs to the nearest record only: move it into this record's folder, or link that record with doc:<id>"
            ),
        ),
    };
    Diagnostic::error(&rules::OUTSIDE, file, pos, m).help(help)
}

fn duplicates(c: &Corpus) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen_id: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen_index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, r) in c.records.iter().enumerate() {
        // Ids become folders and URLs: two that differ only in case or Unicode normalisation
        // are one folder on case-insensitive file systems and CDNs.
        let key = crate::route::fold(&r.id);
        if let Some(&first) = seen_id.get(&key) {
            let (id, other, first_id) = (&r.id, &c.records[first].file, &c.records[first].id);
            if *first_id == r.id {
                out.push(err(
                    r,
                    &rules::DUPLICATE_ID,
                    r.pos("id"),
                    msg!("id `{id}` 与 {other} 重复", "id `{id}` is already used by {other}"),
                    msg!(
                        "每条记录的 id 必须唯一；改名或写明不同的 id",
                        "ids must be unique; rename the file or give a different id"
                    ),
                ));
            } else {
                out.push(err(r, &rules::DUPLICATE_ID, r.pos("id"), msg!("id `{id}` 与 {other} 的 id `{first_id}` 只差大小写或 Unicode 写法，在不区分大小写的文件系统和 CDN 上是同一个目录", "id `{id}` differs from `{first_id}` ({other}) only in case or Unicode form: on case-insensitive file systems and CDNs they are one folder"), msg!("改用另一个 id", "choose another id")));
            }
        } else {
            seen_id.insert(key, i);
        }
        if let Some((no, pos)) = &r.index_no {
            if let Some(&first) = seen_index.get(no.as_str()) {
                let other = &c.records[first].file;
                out.push(err(
                    r,
                    &rules::DUPLICATE_INDEX_NO,
                    *pos,
                    msg!("索引号 `{no}` 与 {other} 重复", "index number `{no}` is already used by {other}"),
                    msg!("索引号必须唯一", "index numbers must be unique"),
                ));
            } else {
                seen_index.insert(no, i);
            }
        }
    }
    out
}

/// One path a record writes into the output, with where in its file it comes from and which
/// setting made it (for messages).
struct Output {
    path: String,
    record: usize,
    pos: Pos,
    /// What is written there.
    what: Written,
}

/// What a record writes at a path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Written {
    /// A page of its own (document, version, redline).
    Page,
    /// One of its files (listed and linked, it is still one file).
    File,
    /// A browse list, which several records share.
    List,
}

/// Every path each public record would write, whatever the build date: its page, texts and
/// redlines, its files, the browse lists it joins. Each is checked as `build` would meet it:
/// no name longer than a file system takes, and no two things at one path (after case and
/// Unicode folding, and a file where another needs a folder).
fn outputs(c: &Corpus) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen_id: BTreeSet<String> = BTreeSet::new();
    let mut all: Vec<Output> = Vec::new();
    for (i, r) in c.records.iter().enumerate() {
        if r.disclosure != Disclosure::Public || !seen_id.insert(crate::route::fold(&r.id)) {
            continue;
        }
        let id_pos = r.pos("id");
        let mut add = |path: String, pos: Pos, what: Written| all.push(Output { path, record: i, pos, what });
        add(format!("{}/index.html", crate::route::record_dir(r)), id_pos, Written::Page);
        let mut dates: Vec<crate::date::Date> = c.all_versions[i].iter().map(|v| v.date).collect();
        if !dates.is_empty() {
            dates.push(c.text_date(i));
            dates.sort();
            dates.dedup();
            let last = dates[dates.len() - 1];
            for (k, &d) in dates.iter().enumerate() {
                add(format!("{}/index.html", crate::route::version_dir(r, d)), id_pos, Written::Page);
                if let Some(&next) = dates.get(k + 1) {
                    add(format!("{}/index.html", crate::route::diff_dir(r, d, next)), id_pos, Written::Page);
                    if next != last {
                        add(format!("{}/index.html", crate::route::diff_dir(r, d, last)), id_pos, Written::Page);
                    }
                }
            }
        }
        for (f, pos) in crate::corpus::named_files(r) {
            if let Ok(p) = c.own_file(r, f) {
                add(crate::route::file_dest(r, &p), pos, Written::File);
            }
        }
        if !matches!(r.kind, Kind::Gazette | Kind::Catalog) {
            for is in &r.issuers {
                add(format!("{}/index.html", crate::route::list_dir("issuer", &[is])), r.pos("issuer"), Written::List);
            }
            for t in &r.topics {
                let levels: Vec<&str> = t.iter().take(2).map(String::as_str).collect();
                add(format!("{}/index.html", crate::route::list_dir("topic", &levels)), r.pos("topic"), Written::List);
            }
        }
    }
    for o in &all {
        if let Some(seg) = o.path.split('/').find(|s| s.len() > crate::route::MAX_SEGMENT) {
            let (n, max, shown) = (seg.len(), crate::route::MAX_SEGMENT, seg.chars().take(24).collect::<String>());
            out.push(err(
                &c.records[o.record],
                &rules::PATH_TOO_LONG,
                o.pos,
                msg!(
                    "输出路径中的名称 `{shown}…` 有 {n} 字节，超过文件系统允许的 {max} 字节",
                    "the name `{shown}…` in an output path is {n} bytes long; file systems allow {max}"
                ),
                msg!("缩短 id、发布机构、主题或文件名", "shorten the id, issuer, topic or file name"),
            ));
        }
    }
    // First come, first served, in path order of the records; a shared list clashes only with a
    // path that is not the same list.
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    let mut files: BTreeSet<String> = BTreeSet::new();
    for (k, o) in all.iter().enumerate() {
        let key = crate::route::fold(&o.path);
        files.insert(key.clone());
        match owner.get(&key) {
            None => {
                owner.insert(key, k);
            }
            Some(&first) => {
                let f = &all[first];
                let same = f.path == o.path
                    && f.what == o.what
                    && (f.what == Written::List || (f.what == Written::File && f.record == o.record));
                if !same {
                    out.push(clash(c, o, f));
                }
            }
        }
    }
    // A file where another path needs a folder.
    for o in &all {
        let key = crate::route::fold(&o.path);
        for (at, _) in key.match_indices('/') {
            if files.contains(&key[..at]) {
                if let Some(&first) = owner.get(&key[..at]) {
                    out.push(clash(c, o, &all[first]));
                }
            }
        }
    }
    out
}

fn clash(c: &Corpus, o: &Output, first: &Output) -> Diagnostic {
    let (path, other, other_path) = (&o.path, &c.records[first.record].file, &first.path);
    err(
        &c.records[o.record],
        &rules::OUTPUT_CLASH,
        o.pos,
        msg!(
            "本记录要写入 {path}，与 {other} 写入的 {other_path} 冲突（同一路径，或仅大小写不同，或文件与目录同名）",
            "this record would write {path}, which clashes with {other_path} written by {other} (the same path, one differing only in case, or a file where a folder must be)"
        ),
        msg!("修改 id 或附件文件名，使两者不再重合", "change the id or the file name so that the two no longer meet"),
    )
}

/// Amendment and repeal chains must not loop. Iterative depth-first search, linear in the
/// number of relations.
fn cycles(c: &Corpus) -> Vec<Diagnostic> {
    let n = c.records.len();
    let edges: Vec<Vec<(usize, Pos)>> = c
        .records
        .iter()
        .map(|r| {
            r.amends
                .iter()
                .chain(&r.repeals)
                .filter_map(|x| c.by_id.get(&x.target.id).map(|&t| (t, x.target.pos)))
                .collect()
        })
        .collect();
    let mut color = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut out = Vec::new();
    for start in 0..n {
        if color[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        color[start] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&(w, pos)) = edges[v].get(*next) {
                *next += 1;
                match color[w] {
                    0 => {
                        color[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|&(x, _)| x == w).unwrap_or(0);
                        let ring: Vec<&str> = stack[from..]
                            .iter()
                            .map(|&(x, _)| c.records[x].id.as_str())
                            .chain([c.records[w].id.as_str()])
                            .collect();
                        let ring = ring.join(" → ");
                        out.push(err(
                            &c.records[v],
                            &rules::CYCLE,
                            pos,
                            msg!("修改/废止关系形成循环：{ring}", "amendments and repeals form a cycle: {ring}"),
                            msg!(
                                "一份文件不能直接或间接修改、废止它自己",
                                "a document cannot amend or repeal itself, directly or through others"
                            ),
                        ));
                    }
                    _ => {}
                }
            } else {
                color[v] = 2;
                stack.pop();
            }
        }
    }
    out
}

fn gazette_issues(c: &Corpus) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut numbers: BTreeMap<(i32, u32), usize> = BTreeMap::new();
    let mut carried: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, r) in c.records.iter().enumerate() {
        let Some(issue) = &r.issue else { continue };
        if let Some(&first) = numbers.get(&(issue.year, issue.number)) {
            let (y, n, other) = (issue.year, issue.number, &c.records[first].file);
            out.push(err(
                r,
                &rules::DUPLICATE_ISSUE,
                r.pos("number"),
                msg!("{y}年第{n}期 与 {other} 重复", "issue {n} of {y} is already {other}"),
                msg!("每一期的年份和期号必须唯一", "each issue's year and number must be unique"),
            ));
        } else {
            numbers.insert((issue.year, issue.number), i);
        }
        for item in issue.sections.iter().flat_map(|s| &s.items) {
            let id = item.doc.id.as_str();
            if let Some(&first) = carried.get(id) {
                let other = &c.records[first].file;
                out.push(warn(
                    r,
                    &rules::ISSUE_TWICE,
                    item.doc.pos,
                    msg!("`{id}` 已刊登于 {other}", "`{id}` is already carried by {other}"),
                    msg!(
                        "一份文件只刊登一次；页面只显示第一次",
                        "a document is printed once; its page shows the first issue only"
                    ),
                ));
            } else {
                carried.insert(id, i);
            }
            if let Some(&t) = c.by_id.get(id) {
                let doc = &c.records[t];
                if doc.published > r.published {
                    let (a, b) = (doc.published, r.published);
                    out.push(err(
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
                    ));
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
