//! Earlier texts in `versions/` (family "versions"): named by the date they took effect, between
//! the record's own effective date and its current text, plain Markdown whose links and raw HTML
//! pass the same rules as the record's text.

use super::Context;
use super::files::{active_attachment, not_own, unclosed};
use crate::corpus::Corpus;
use crate::markdown::Target;
use crate::model::diag::{Diagnostic, Pos};
use crate::model::rules;
use crate::msg;

/// Earlier texts: named by date, after the record took effect, before its current text, and
/// plain Markdown that can be read.
pub(super) fn versions(c: &Corpus, cx: &Context<'_>, i: usize, d: &mut Vec<Diagnostic>) {
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
        // An amendment that is not public dates the current text for this check alone; a
        // finding that reads its date quotes nothing.
        let held = c.held_after_text(i);
        if date >= held.unwrap_or(current) {
            let cd = held.unwrap_or(current);
            d.push(Diagnostic::error(&rules::VERSION_DATE, file, Pos::new(1, 1), msg!("版本日期 {date} 不早于现行文本的日期 {cd}（最近一次修改的施行日期）", "version dated {date} is not earlier than the current text, which applies from {cd} (the latest amendment)")).help(msg!("现行文本写在 index.md 中；较早的文本放在 versions/ 中，日期须早于最近一次修改", "the current text is in index.md; earlier texts go in versions/, dated before the latest amendment")).redacted_if(held.is_some()));
        }
        match crate::source::read_regular(&cx.root.join(file), crate::source::MAX_RECORD_BYTES)
            .map(|b| crate::source::decode(&b))
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
                let body = crate::markdown::render(&text, 0, &text, false);
                if r.disclosure == crate::model::Disclosure::Public && !cx.cfg.personal_data.allows(&r.id) {
                    for (pos, found) in &body.personal {
                        d.push(super::files::personal(file, *pos, found));
                    }
                }
                for (pos, name) in &body.unclosed {
                    d.push(unclosed(file, *pos, name));
                }
                for (pos, id) in &body.text_doc {
                    if c.index_of(id).is_some() {
                        d.push(super::files::text_doc(file, *pos));
                    }
                }
                for &pos in &body.html_doc {
                    d.push(super::files::html_doc(file, pos));
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
                        Target::Record(id) if c.index_of(id).is_none() => {
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
                                    let (f, p) = (crate::source::shown_path(f), crate::source::shown_path(&p));
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

/// A `versions/` folder beside no record of its own folder is ignored, and said so.
pub(super) fn orphans(c: &Corpus) -> Vec<Diagnostic> {
    c.orphan_versions
        .iter()
        .map(|f| {
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
            ))
        })
        .collect()
}
