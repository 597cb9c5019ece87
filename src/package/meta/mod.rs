//! Descriptive and preservation metadata for hand-off packages: Dublin Core, the elements of
//! DA/T 46-2009 with the archival reference code (档号) of DA/T 22-2015, E-ARK SIP METS and
//! PREMIS for archives; oai_dc, an OAI-PMH static repository and MARCXML for libraries.
//!
//! Its place in the flow: after `seal`, the package stage reads only the built, verified tree.
//! This module sees that tree through two inputs — a document's row of `data/documents.json`
//! ([`DocumentRow`]) and the list of files the caller puts in a package ([`FileRef`]) — and
//! returns the bytes of each metadata file. It writes nothing to disk and names no other stage,
//! so the container writers (zip, BagIt) decide where the bytes go.

// The `package` command that calls this module is being written beside it; until it lands,
// only the tests use these functions.
#![cfg_attr(not(test), allow(dead_code, unused_imports))]

mod dat;
mod dc;
mod marc;
pub(crate) mod oai;
mod premis;
mod sip;
pub(crate) mod xml;

#[cfg(test)]
mod tests;

use serde::Deserialize;
use std::fmt;

pub(crate) use dat::{ArchivalCode, ArchiveSettings, Retention, allocate_archival_codes};
pub(crate) use dc::oai_dc;
pub(crate) use marc::{marcxml_collection, marcxml_record};
pub(crate) use oai::{OaiSettings, static_repository};
pub(crate) use sip::{DATA_PREFIX, Sip, SipFile, SipInput, sip};

/// The top level of `data/documents.json`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DocumentsFile {
    /// The date the site was built for.
    pub(crate) as_of: Day,
    /// The site's name (the publishing government).
    pub(crate) site: String,
    /// One row per public document.
    pub(crate) documents: Vec<DocumentRow>,
}

/// The fields of a `documents.json` row that metadata is made from. Unknown fields are ignored:
/// the row grows with the site, and a package reads only what it describes.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DocumentRow {
    /// The record's id, e.g. `normative/2024-goufang-butie`.
    pub(crate) id: String,
    /// Title (题名).
    pub(crate) title: String,
    /// 发文字号, normalised.
    #[serde(default)]
    pub(crate) doc_number: Option<String>,
    /// 索引号.
    #[serde(default)]
    pub(crate) index_no: Option<String>,
    /// 统一编号 of a normative document.
    #[serde(default)]
    pub(crate) registration_no: Option<String>,
    /// Issuing bodies (发文机关), the lead one first.
    #[serde(default)]
    pub(crate) issuers: Vec<String>,
    /// 成文日期.
    #[serde(default)]
    pub(crate) signed: Option<Day>,
    /// 发布日期.
    pub(crate) published: Day,
    /// 施行日期.
    #[serde(default)]
    pub(crate) effective: Option<Day>,
    /// 有效期至.
    #[serde(default)]
    pub(crate) expires: Option<Day>,
    /// Record kind id (`regulation`, `normative`, …).
    pub(crate) kind: String,
    /// 文种, in Chinese.
    #[serde(default)]
    pub(crate) genre: Option<String>,
    /// 关键词.
    #[serde(default)]
    pub(crate) keywords: Vec<String>,
    /// 主题分类, levels joined with `\`.
    #[serde(default)]
    pub(crate) topics: Vec<String>,
    /// Validity state id on the build date.
    pub(crate) state: String,
    /// Language tag of the text, e.g. `zh-CN`.
    pub(crate) lang: String,
    /// Absolute address of the document page.
    pub(crate) url: String,
    /// SHA-256 of the source record.
    pub(crate) sha256: String,
    /// Attachments, with absolute addresses.
    #[serde(default)]
    pub(crate) attachments: Vec<RowAttachment>,
    /// Every text of the document, oldest first.
    #[serde(default)]
    pub(crate) versions: Vec<RowVersion>,
    /// Commits that touched the record, newest first; absent outside git.
    #[serde(default)]
    pub(crate) history: Option<Vec<RowRevision>>,
}

/// An attachment in a row.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RowAttachment {
    /// Its title.
    pub(crate) title: String,
    /// Its absolute address.
    pub(crate) url: String,
}

/// A version in a row.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RowVersion {
    /// The day this text took effect.
    pub(crate) date: Day,
    /// Whether it is the text in force.
    pub(crate) current: bool,
    /// SHA-256 of the file that holds it (empty in the data of an earlier version of gongbao).
    #[serde(default)]
    pub(crate) sha256: String,
    /// Its page.
    pub(crate) url: String,
}

/// A commit that touched a record.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RowRevision {
    /// The commit's day.
    pub(crate) date: Day,
}

impl DocumentRow {
    /// The day a library's copy of the record last changed: its newest commit, else its
    /// publication. Used as the OAI datestamp and the MARC 005 would be the build's instead.
    pub(crate) fn last_changed(&self) -> Day {
        let newest = self.history.iter().flatten().map(|r| r.date).max();
        newest.map_or(self.published, |d| d.max(self.published))
    }
}

/// One file the caller puts in a package, described by what is already known of it (the
/// sealed tree's manifest gives size and SHA-256); the metadata refers to it by
/// `path_in_package`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileRef {
    /// Path inside the SIP, `/`-separated, relative to its root; data files live under
    /// `representations/rep1/data/`.
    pub(crate) path_in_package: String,
    /// Size in bytes.
    pub(crate) size: u64,
    /// SHA-256, lower-case hex.
    pub(crate) sha256: String,
    /// Media type, e.g. `text/html`.
    pub(crate) mime: String,
    /// The file's path as the site publishes it, under its record's folder (`附件.pdf`), which
    /// `path_in_package` writes in ASCII and may shorten; `None` for metadata gongbao makes.
    pub(crate) published: Option<String>,
}

/// A calendar day written `YYYY-MM-DD`, as in `documents.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Day(crate::model::date::Date);

impl Day {
    /// Parses `YYYY-MM-DD` as the records' dates are parsed (years from 1000, a real day).
    pub(crate) fn parse(text: &str) -> Option<Day> {
        crate::model::date::Date::parse(text).ok().filter(|d| (1000..=9999).contains(&d.year())).map(Day)
    }

    /// The year.
    pub(crate) fn year(self) -> u16 {
        self.0.year() as u16
    }

    /// `YYYYMMDD`.
    pub(crate) fn compact(self) -> String {
        format!("{:04}{:02}{:02}", self.0.year(), self.0.month(), self.0.day())
    }

    /// Midnight UTC of the day as an `xs:dateTime`: packages carry the build date, never the
    /// clock, so that two runs give the same bytes.
    pub(crate) fn midnight_utc(self) -> String {
        format!("{self}T00:00:00Z")
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Day::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a YYYY-MM-DD date: {s:?}")))
    }
}

/// What can go wrong making metadata: bad settings or an input the formats cannot carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MetaError {
    /// `[package.archive]` settings that cannot make valid reference codes.
    Settings(String),
    /// A document or file list that cannot be described.
    Input(String),
}

impl fmt::Display for MetaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetaError::Settings(m) => write!(f, "archive settings: {m}"),
            MetaError::Input(m) => write!(f, "package metadata: {m}"),
        }
    }
}

impl std::error::Error for MetaError {}

/// MARC / ISO 639-2 bibliographic code of a language tag, `und` when unknown.
pub(crate) fn iso639_2(lang: &str) -> &'static str {
    let primary = lang.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
    match primary.as_str() {
        "zh" => "chi",
        "en" => "eng",
        "bo" => "tib",
        "ug" => "uig",
        "mn" => "mon",
        "ko" => "kor",
        _ => "und",
    }
}

/// The host of an `http(s)` address, for OAI identifiers.
pub(crate) fn host_of(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?.split(':').next()?;
    (!host.is_empty()).then_some(host)
}

/// Chinese label of a validity state id (the id itself when it names no state).
pub(crate) fn state_zh(state: &str) -> &str {
    crate::model::State::parse(state).map_or(state, |s| s.zh())
}

/// Chinese label of a record kind id.
pub(crate) fn kind_zh(kind: &str) -> &str {
    match kind {
        "regulation" => "规章",
        "normative" => "行政规范性文件",
        "policy" => "其他政策文件",
        "interpretation" => "政策解读",
        "draft" => "征求意见稿",
        "notice" => "公告公示",
        "report" => "报告",
        "gazette" => "政府公报",
        "catalog" => "主动公开基本目录",
        other => other,
    }
}
