//! Uniqueness across the corpus: ids and title-with-date (family "dates and relations"), index
//! numbers and document numbers (family "numbers"), in one pass over the records in path order,
//! so the later record is the one named.

use super::{err, warn};
use crate::corpus::Corpus;
use crate::model::FastMap;
use crate::model::diag::Diagnostic;
use crate::model::rules;
use crate::msg;
use rayon::prelude::*;

/// `duplicate-id`, `duplicate-index-no`, `duplicate-doc-number` and `duplicate-title`. What is
/// compared is made for every record in parallel (the folded id, the document number as
/// written); the pass in path order then only looks them up.
pub(super) fn duplicates(c: &Corpus) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Ids become folders and URLs: two that differ only in case or Unicode normalisation are
    // one folder on case-insensitive file systems and CDNs.
    let keys: Vec<(String, Option<String>)> = c
        .records
        .par_iter()
        .map(|r| (crate::route::fold(&r.id), r.doc_number.as_ref().map(|n| n.to_string())))
        .collect();
    let n = c.records.len();
    let mut seen_id: FastMap<&str, usize> = FastMap::with_capacity_and_hasher(n, Default::default());
    let mut seen_index: FastMap<&str, usize> = FastMap::default();
    let mut seen_number: FastMap<&str, usize> = FastMap::default();
    let mut seen_title: FastMap<(crate::model::Kind, &str, crate::model::date::Date), usize> =
        FastMap::with_capacity_and_hasher(n, Default::default());
    // Another record's file (and, through the finding, what it holds) is not quoted when that
    // record is not public.
    let hidden = |k: usize| c.records[k].disclosure != crate::model::Disclosure::Public;
    for (i, (r, (key, number))) in c.records.iter().zip(&keys).enumerate() {
        if let Some(&first) = seen_id.get(key.as_str()) {
            let (id, other, first_id) = (&r.id, &c.records[first].file, &c.records[first].id);
            if *first_id == r.id {
                out.push(
                    err(
                        r,
                        &rules::DUPLICATE_ID,
                        r.pos("id"),
                        msg!("id `{id}` 与 {other} 重复", "id `{id}` is already used by {other}"),
                        msg!(
                            "每条记录的 id 必须唯一；改名或写明不同的 id",
                            "ids must be unique; rename the file or give a different id"
                        ),
                    )
                    .redacted_if(hidden(first)),
                );
            } else {
                out.push(err(r, &rules::DUPLICATE_ID, r.pos("id"), msg!("id `{id}` 与 {other} 的 id `{first_id}` 只差大小写或 Unicode 写法，在不区分大小写的文件系统和 CDN 上是同一个目录", "id `{id}` differs from `{first_id}` ({other}) only in case or Unicode form: on case-insensitive file systems and CDNs they are one folder"), msg!("改用另一个 id", "choose another id")).redacted_if(hidden(first)));
            }
        } else {
            seen_id.insert(key, i);
        }
        if let Some(crate::model::IndexNo { text: no, pos, .. }) = &r.index_no {
            if let Some(&first) = seen_index.get(no.as_str()) {
                let other = &c.records[first].file;
                out.push(
                    err(
                        r,
                        &rules::DUPLICATE_INDEX_NO,
                        *pos,
                        msg!("索引号 `{no}` 与 {other} 重复", "index number `{no}` is already used by {other}"),
                        msg!("索引号必须唯一", "index numbers must be unique"),
                    )
                    .redacted_if(hidden(first)),
                );
            } else {
                seen_index.insert(no, i);
            }
        }
        if let Some(no) = number {
            if let Some(&first) = seen_number.get(no.as_str()) {
                let other = &c.records[first].file;
                out.push(
                    warn(
                        r,
                        &rules::DUPLICATE_DOC_NUMBER,
                        r.pos("doc_number"),
                        msg!("发文字号 `{no}` 与 {other} 相同", "document number `{no}` is also that of {other}"),
                        msg!(
                            "每份文件的发文字号不同；核对序号或年份",
                            "every document has its own number; check the serial and the year"
                        ),
                    )
                    .redacted_if(hidden(first)),
                );
            } else {
                seen_number.insert(no, i);
            }
        }
        let title_key = (r.kind, r.title.trim(), r.published);
        if let Some(&first) = seen_title.get(&title_key) {
            let (other, t, p) = (&c.records[first].file, &r.title, r.published);
            out.push(
                warn(
                    r,
                    &rules::DUPLICATE_TITLE,
                    r.pos("title"),
                    msg!("与 {other} 同为 {p} 发布的《{t}》", "{other} is also `{t}`, published on {p}"),
                    msg!(
                        "同一份文件录入了两次？删去一条，或改正题名或日期",
                        "the same document entered twice? remove one, or correct the title or date"
                    ),
                )
                .redacted_if(hidden(first)),
            );
        } else {
            seen_title.insert(title_key, i);
        }
    }
    out
}
