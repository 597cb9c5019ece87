//! What a build would write (family "outputs"): no name longer than a file system takes, and no
//! two things at one path. Checked here, on the records, so that `check` reports what `build`
//! would otherwise meet only while writing.

use super::err;
use crate::corpus::Corpus;
use crate::model::diag::{Diagnostic, Pos};
use crate::model::rules;
use crate::model::{Disclosure, Kind};
use crate::msg;
use std::collections::{BTreeMap, BTreeSet};

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
    /// A page of its own (document, `text.md`, version, redline).
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
pub(super) fn outputs(c: &Corpus) -> Vec<Diagnostic> {
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
        add(crate::route::text_md(r), id_pos, Written::Page);
        let mut dates: Vec<crate::model::date::Date> = c.all_versions[i].iter().map(|v| v.date).collect();
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
    // A file where another path needs a folder: told once per record and file, however many
    // of the record's paths (its page, its text.md, its versions) lie below it.
    let mut told: BTreeSet<(usize, usize)> = BTreeSet::new();
    for o in &all {
        let key = crate::route::fold(&o.path);
        for (at, _) in key.match_indices('/') {
            if files.contains(&key[..at]) {
                if let Some(&first) = owner.get(&key[..at]) {
                    if told.insert((o.record, first)) {
                        out.push(clash(c, o, &all[first]));
                    }
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
