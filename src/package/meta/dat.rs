//! Chinese archival description: the archival reference code (档号) of DA/T 22-2015 and the
//! descriptive elements of DA/T 46-2009 (文书类电子文件元数据方案), which GB/T 33480-2016 (党政机关
//! 电子公文元数据规范) shares for what a published document carries.
//!
//! A 档号 is `全宗号-[门类代码·]年度-保管期限代码-[机构或问题代码-]件号`, e.g. `Q001-2024-Y-BGS-0001`.
//! 件号 counts the documents of one fonds, year, retention and organisation, in order of
//! publication, then id; the same set of documents always gets the same numbers.

use super::xml::Xml;
use super::{Day, DocumentRow, FileRef, MetaError, iso639_2, kind_zh, state_zh};
pub(crate) use crate::config::package::{ArchiveSettings, Retention};
use std::collections::BTreeMap;
use std::fmt;

/// A document's 档号 and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArchivalCode {
    /// 全宗号.
    pub(crate) fonds: String,
    /// 门类代码.
    pub(crate) category: Option<String>,
    /// 年度: the year of publication.
    pub(crate) year: u16,
    /// 保管期限.
    pub(crate) retention: Retention,
    /// 机构或问题代码.
    pub(crate) organisation: Option<String>,
    /// 件号, from 1.
    pub(crate) item: u32,
}

impl fmt::Display for ArchivalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-", self.fonds)?;
        if let Some(c) = &self.category {
            write!(f, "{c}·")?;
        }
        write!(f, "{}-{}-", self.year, self.retention.code())?;
        if let Some(o) = &self.organisation {
            write!(f, "{o}-")?;
        }
        write!(f, "{:04}", self.item)
    }
}

/// Gives every document its 档号, keyed by document id. Settings are validated first; a kind
/// with no retention, a duplicate id, or more than 9999 documents in one group (件号 has four
/// digits) is an error.
pub(crate) fn allocate_archival_codes(
    rows: &[DocumentRow],
    settings: &ArchiveSettings,
) -> Result<BTreeMap<String, ArchivalCode>, MetaError> {
    settings.validate().map_err(MetaError::Settings)?;
    type Group<'a> = (u16, Retention, Option<&'a str>);
    let mut groups: BTreeMap<Group<'_>, Vec<(Day, &str)>> = BTreeMap::new();
    for row in rows {
        let retention = settings.retention_for(&row.kind).ok_or_else(|| {
            MetaError::Input(format!("{}: record kind {:?} has no retention period", row.id, row.kind))
        })?;
        let key = (row.published.year(), retention, settings.organisation_for(&row.issuers));
        groups.entry(key).or_default().push((row.published, &row.id));
    }
    let mut codes = BTreeMap::new();
    for ((year, retention, organisation), mut members) in groups {
        members.sort_unstable();
        for (n, (_, id)) in members.into_iter().enumerate() {
            let item = u32::try_from(n + 1).ok().filter(|&i| i <= 9999).ok_or_else(|| {
                MetaError::Input(format!(
                    "more than 9999 documents in {year}/{}: 件号 has four digits",
                    retention.code()
                ))
            })?;
            let code = ArchivalCode {
                fonds: settings.fonds.clone(),
                category: settings.category.clone(),
                year,
                retention,
                organisation: organisation.map(str::to_owned),
                item,
            };
            if codes.insert(id.to_owned(), code).is_some() {
                return Err(MetaError::Input(format!("document id {id} appears twice")));
            }
        }
    }
    Ok(codes)
}

/// The DA/T 46-2009 description of one document as XML, element names as in the standard.
///
/// `site` is the publishing government (立档单位); `files` are the files of the package's
/// representation, described under 电子属性.
pub(crate) fn dat46(row: &DocumentRow, code: &ArchivalCode, site: &str, files: &[FileRef]) -> String {
    let mut x = Xml::new();
    x.open(
        "文件实体元数据",
        &[("xmlns", NAMESPACE), ("标准", "DA/T 46-2009 文书类电子文件元数据方案; GB/T 33480-2016"), ("版本", "1")],
    );
    x.leaf("聚合层次", &[], "文件");
    x.open("来源", &[]);
    x.leaf("立档单位名称", &[], site);
    x.close();
    x.leaf("电子文件号", &[], &row.id);

    let reference = code.to_string();
    x.open("档号", &[("值", &reference)]);
    x.leaf("全宗号", &[], &code.fonds);
    x.opt("门类代码", code.category.as_deref());
    x.leaf("年度", &[], &code.year.to_string());
    x.leaf("保管期限", &[("代码", code.retention.code())], code.retention.zh());
    x.opt("机构或问题", code.organisation.as_deref());
    x.leaf("件号", &[], &format!("{:04}", code.item));
    x.close();

    x.open("内容描述", &[]);
    x.leaf("题名", &[], &row.title);
    if !row.keywords.is_empty() || !row.topics.is_empty() {
        x.open("主题词", &[]);
        for topic in &row.topics {
            x.leaf("主题分类", &[], topic);
        }
        for keyword in &row.keywords {
            x.leaf("关键词", &[], keyword);
        }
        x.close();
    }
    x.opt("文种", row.genre.as_deref());
    x.leaf("密级", &[], "公开");
    x.opt("文件编号", row.doc_number.as_deref());
    for issuer in &row.issuers {
        x.leaf("责任者", &[], issuer);
    }
    // 日期 is the date the document was made: 成文日期, else (a record without one) 发布日期.
    let (date, meaning) = row.signed.map_or((row.published, "发布日期"), |d| (d, "成文日期"));
    x.leaf("日期", &[("含义", meaning)], &date.to_string());
    x.close();

    x.open("形式特征", &[]);
    x.leaf("文件组合类型", &[], if files.len() > 1 { "组合文件" } else { "单件" });
    x.leaf("件数", &[], &files.len().to_string());
    x.leaf("语种", &[("代码", iso639_2(&row.lang))], &row.lang);
    x.close();

    x.open("电子属性", &[]);
    let total: u64 = files.iter().map(|f| f.size).sum();
    x.leaf("大小", &[("单位", "字节")], &total.to_string());
    for f in files {
        x.open("计算机文件", &[]);
        x.leaf("计算机文件名", &[], &f.path_in_package);
        x.leaf("计算机文件大小", &[("单位", "字节")], &f.size.to_string());
        x.leaf("格式信息", &[], &f.mime);
        x.leaf("数字摘要", &[("算法", "SHA-256")], &f.sha256);
        x.close();
    }
    x.close();

    // What a published document adds to DA/T 46 (GB/T 33480 and the openness rules).
    x.open("公开信息", &[]);
    x.leaf("公开属性", &[], "主动公开");
    x.leaf("发布机构", &[], &row.issuers.join("；"));
    x.opt("索引号", row.index_no.as_deref());
    x.opt("统一编号", row.registration_no.as_deref());
    x.leaf("记录类型", &[("代码", &row.kind)], kind_zh(&row.kind));
    x.leaf("发布日期", &[], &row.published.to_string());
    x.opt("施行日期", row.effective.map(|d| d.to_string()).as_deref());
    x.opt("有效期至", row.expires.map(|d| d.to_string()).as_deref());
    x.leaf("有效性", &[("代码", &row.state)], state_zh(&row.state));
    x.leaf("网址", &[], &row.url);
    for version in &row.versions {
        let kind = if version.current { "现行文本" } else { "历史文本" };
        x.leaf("版本", &[("日期", &version.date.to_string()), ("类型", kind)], &version.url);
    }
    x.leaf("源文件摘要", &[("算法", "SHA-256")], &row.sha256);
    x.close();
    x.close();
    x.finish()
}

/// The namespace of gongbao's DA/T 46 files; the standard defines elements, not an XML schema.
pub(crate) const NAMESPACE: &str = "https://gongbao.invalid/ns/dat46-2009";
