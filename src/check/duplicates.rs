//! Uniqueness across the corpus: ids (family "dates and relations") and index numbers (family
//! "numbers"), in one pass over the records in path order, so the later record is the one named.

use super::err;
use crate::corpus::Corpus;
use crate::model::diag::Diagnostic;
use crate::model::rules;
use crate::msg;
use std::collections::BTreeMap;

/// `duplicate-id` and `duplicate-index-no`.
pub(super) fn duplicates(c: &Corpus) -> Vec<Diagnostic> {
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
        if let Some(crate::model::IndexNo { text: no, pos, .. }) = &r.index_no {
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
