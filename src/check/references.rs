//! Relations between records (family "dates and relations"): every reference names a record that
//! exists, a public record does not point at one that is not public, a change takes effect after
//! its target does, a repeal that is not in force yet is flagged, and amendments and repeals do not
//! loop.

use super::{err, warn};
use crate::corpus::Corpus;
use crate::markdown::Target;
use crate::model::Disclosure;
use crate::model::diag::{Diagnostic, Pos};
use crate::model::rules;
use crate::msg;
use crate::source::parse::{Record, Ref};
use std::collections::BTreeSet;

/// Every reference of `r`, with the key it is written under.
fn refs_of<'r>(c: &Corpus, r: &'r Record) -> Vec<(&'static str, std::borrow::Cow<'r, Ref>)> {
    use std::borrow::Cow;
    // A stated basis may name a law rather than a record: only an id is a reference.
    let mut refs: Vec<(&str, Cow<'r, Ref>)> = r
        .front_refs()
        .filter(|(key, x)| {
            *key != "validity.basis" || crate::source::parse::basis_is_id(&x.id, c.index_of(&x.id).is_some())
        })
        .map(|(key, x)| (key, Cow::Borrowed(x)))
        .collect();
    refs.extend(r.body.links.iter().filter_map(|l| match &l.target {
        Target::Record(id) => Some(("doc:", Cow::Owned(Ref { id: id.clone(), pos: l.pos }))),
        Target::File(_) => None,
    }));
    refs
}

/// The files under `content/` that would hold the record `id` (`id.md` or `id/index.md`), the
/// one that exists.
fn file_of<'f>(files: &'f BTreeSet<String>, id: &str) -> Option<&'f String> {
    files.get(&format!("{id}.md")).or_else(|| files.get(&format!("{id}/index.md")))
}

/// Why `id`, which no record has, is missing: `Some(Ok(file))` when its file is there but could
/// not be read as a record (its own errors say why), `Some(Err(record))` when the record in
/// that file declares another id, `None` when there is no such file.
fn missing_because<'c>(c: &'c Corpus, files: &BTreeSet<String>, id: &str) -> Option<Result<String, &'c Record>> {
    let file = format!("content/{}", file_of(files, id)?);
    match c.records.iter().find(|r| r.file == file) {
        Some(r) => Some(Err(r)),
        None => Some(Ok(file)),
    }
}

/// References to records whose file could not be read: one finding per such record, at the
/// first place (by file and position) that refers to it, naming the broken file and how many
/// other places refer to it. The broken file's own errors, printed first, are the cause; six
/// `unknown-ref` errors in other files before them only hid it.
pub(super) fn broken_targets(c: &Corpus, files: &BTreeSet<String>) -> Vec<Diagnostic> {
    let mut by_id: std::collections::BTreeMap<&str, Vec<(&Record, &'static str, Pos)>> = Default::default();
    let mut seen: std::collections::BTreeMap<&str, Option<String>> = Default::default();
    let mut refs = Vec::new();
    for r in &c.records {
        for (key, x) in refs_of(c, r) {
            if c.index_of(&x.id).is_none() {
                refs.push((r, key, x.into_owned()));
            }
        }
    }
    for (r, key, x) in &refs {
        let broken = seen
            .entry(x.id.as_str())
            .or_insert_with(|| missing_because(c, files, &x.id).and_then(Result::ok))
            .is_some();
        if broken {
            by_id.entry(x.id.as_str()).or_default().push((r, key, x.pos));
        }
    }
    let mut out = Vec::new();
    for (id, mut sites) in by_id {
        sites.sort_by(|a, b| (&a.0.file, a.2).cmp(&(&b.0.file, b.2)));
        let Some(file) = seen.get(id).cloned().flatten() else { continue };
        let (r, key, pos) = sites[0];
        let others = sites.len() - 1;
        let more = if others > 0 {
            msg!(
                "；另有 {others} 处引用它，修正后一并解决",
                "; {others} other place(s) refer to it and are fixed with it"
            )
        } else {
            msg!("", "")
        };
        let (mzh, men) = (&more.zh, &more.en);
        out.push(err(
            r,
            &rules::UNKNOWN_REF,
            pos,
            msg!(
                "{key} 引用的记录 `{id}` 在 {file} 中，但该文件未能读取为记录{mzh}",
                "{key} refers to `{id}`, whose file {file} could not be read as a record{men}"
            ),
            msg!("先修正 {file} 中的错误（见上文）", "fix the errors in {file} first (printed above)"),
        ));
    }
    out
}

/// Every reference names a record that exists; public records do not point at non-public ones.
/// A reference to a record whose file could not be read is left to [`broken_targets`].
pub(super) fn references(c: &Corpus, files: &BTreeSet<String>, r: &Record, d: &mut Vec<Diagnostic>) {
    // Each relation names a record once: twice, with two dates, the state shown would be one of
    // them and the timeline the other. A text may link to one record many times.
    let mut named: Vec<(&str, String, Pos)> = Vec::new();
    for (key, x) in refs_of(c, r) {
        if key != "doc:" {
            if let Some((_, _, first)) = named.iter().find(|(k, i, _)| *k == key && *i == x.id) {
                let (id, line) = (&x.id, first.line);
                d.push(err(
                    r,
                    &rules::DUPLICATE_REF,
                    x.pos,
                    msg!(
                        "{key} 第二次列出 `{id}`（第 {line} 行已列出）",
                        "{key} lists `{id}` again (it is listed on line {line})"
                    ),
                    msg!("只保留一处，日期写在保留的那一处", "keep one entry, with the date that holds"),
                ));
            } else {
                named.push((key, x.id.clone(), x.pos));
            }
        }
        let id = &x.id;
        match c.index_of(id) {
            None => match missing_because(c, files, id) {
                Some(Ok(_broken)) => {}
                Some(Err(declared)) => {
                    let (file, other) = (&declared.file, &declared.id);
                    d.push(
                        err(
                            r,
                            &rules::UNKNOWN_REF,
                            x.pos,
                            msg!("{key} 引用的记录 `{id}` 不存在", "{key} refers to `{id}`, which does not exist"),
                            msg!(
                                "{file} 中的记录写明了 id `{other}`：引用时改为 `{other}`",
                                "the record in {file} declares the id `{other}`: refer to it as `{other}`"
                            ),
                        )
                        .redacted_if(declared.disclosure != Disclosure::Public),
                    )
                }
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
            },
            Some(t) => {
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
                    )
                    // The id is the other record's: the place in this file is enough.
                    .redacted_if(true));
                }
            }
        }
    }
    for rel in r.amends.iter().chain(&r.repeals) {
        if let (Some(t), Some(eff)) = (c.index_of(&rel.target.id), rel.effective.or(Some(r.effective))) {
            let target = &c.records[t];
            if eff < target.effective {
                let (te, id) = (target.effective, &target.id);
                d.push(
                    err(
                        r,
                        &rules::RELATION_DATE,
                        rel.target.pos,
                        msg!(
                            "对 `{id}` 的修改或废止于 {eff} 生效，早于其施行日期 {te}",
                            "the change to `{id}` takes effect on {eff}, before it is in force ({te})"
                        ),
                        msg!("核对 effective 日期", "check the effective dates"),
                    )
                    .redacted_if(target.disclosure != Disclosure::Public),
                );
            }
        }
    }
}

/// A record that repeals another before it is in force itself: until then the repealed document
/// still shows as in force.
pub(super) fn repeal_pending(c: &Corpus, r: &Record, d: &mut Vec<Diagnostic>) {
    for rel in &r.repeals {
        let e = rel.effective.unwrap_or(r.effective);
        if r.published <= c.as_of
            && e > c.as_of
            && let Some(t) = c.index_of(&rel.target.id)
        {
            let id = &rel.target.id;
            d.push(
                warn(
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
                )
                .redacted_if(c.records[t].disclosure != Disclosure::Public),
            );
        }
    }
}

/// Amendment and repeal chains must not loop. Iterative depth-first search, linear in the
/// number of relations.
pub(super) fn cycles(c: &Corpus) -> Vec<Diagnostic> {
    let n = c.records.len();
    let edges: Vec<Vec<(usize, Pos)>> = c
        .records
        .iter()
        .map(|r| {
            r.amends
                .iter()
                .chain(&r.repeals)
                .filter_map(|x| c.index_of(&x.target.id).map(|t| (t, x.target.pos)))
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
                        let hidden = stack[from..].iter().any(|&(x, _)| c.records[x].disclosure != Disclosure::Public);
                        out.push(
                            err(
                                &c.records[v],
                                &rules::CYCLE,
                                pos,
                                msg!("修改/废止关系形成循环：{ring}", "amendments and repeals form a cycle: {ring}"),
                                msg!(
                                    "一份文件不能直接或间接修改、废止它自己",
                                    "a document cannot amend or repeal itself, directly or through others"
                                ),
                            )
                            .redacted_if(hidden),
                        );
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
