//! Stage 2, `parse`: one source file into one typed [`Record`]. Front matter is YAML read by
//! serde-saphyr with strict booleans and budgets against alias bombs and deep nesting; every
//! value that can be wrong keeps the line and column it came from. Each record is parsed on its
//! own, so this stage runs in parallel and knows nothing of other records.

use crate::markdown;

use crate::config::Config;
use crate::model::date::{Date, DateError};
use crate::model::diag::{Diagnostic, Msg, Pos};
use crate::model::label::{Label, label};
use crate::model::rules::{self, Rule};
use crate::model::{Disclosure, DocNumber, DocNumberQuirk, Genre, IndexNo, Kind, Statement};
use crate::msg;
use crate::source::Source;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

pub(crate) use markdown::Body;

/// A reference to another record by id, with where it is written.
#[derive(Debug, Clone)]
pub struct Ref {
    /// The id referred to.
    pub id: String,
    /// Where.
    pub pos: Pos,
}

/// `amends` / `repeals` entry.
#[derive(Debug, Clone)]
pub struct Relation {
    /// The record amended or repealed.
    pub target: Ref,
    /// When the change takes effect; default: the effective date of the record making it.
    pub effective: Option<Date>,
    /// What it changes, in a few words.
    pub note: Option<String>,
}

/// An explicit validity statement for a basis outside the corpus.
#[derive(Debug, Clone)]
pub struct StatedValidity {
    /// The state, or an amendment.
    pub state: Statement,
    /// From when.
    pub since: Date,
    /// The basis as written: the id of a record of the corpus, or the citation of a document
    /// outside it (`《…的决定》（…〔2025〕9号）`, `国务院令第1号`).
    pub basis: Option<Ref>,
    /// Free text.
    pub note: Option<String>,
    /// Where the statement is.
    pub pos: Pos,
}

/// 保密审查 record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Review {
    /// Reviewer.
    pub by: Label,
    /// Date of review.
    pub on: Date,
    /// Outcome.
    pub result: Label,
}

/// A draft's comment period.
#[derive(Debug, Clone)]
pub struct Comment {
    /// Opens.
    pub opens: Date,
    /// Closes.
    pub closes: Date,
    /// How to send comments.
    pub channel: Option<String>,
    /// The adoption report.
    pub adoption: Option<Ref>,
    /// Where the map is written.
    pub pos: Pos,
}

/// A file that belongs to a record.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Path relative to the record's folder.
    pub file: String,
    /// Display title.
    pub title: String,
    /// Where it is listed.
    pub pos: Pos,
}

/// The fields of a 主动公开基本目录 entry beyond title and text.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFields {
    /// 类别.
    #[serde(default)]
    pub category: String,
    /// 公开依据.
    #[serde(default)]
    pub basis: String,
    /// 公开时限.
    #[serde(default)]
    pub time_limit: String,
    /// 责任单位.
    #[serde(default)]
    pub unit: String,
    /// 公开渠道.
    #[serde(default)]
    pub channel: String,
}

/// A gazette issue's own fields.
#[derive(Debug, Clone)]
pub struct Issue {
    /// Year.
    pub year: i32,
    /// 第N期.
    pub number: u32,
    /// 总第N期.
    pub total_number: Option<u32>,
    /// The print edition's PDF, relative to the record's folder.
    pub pdf: Option<Attachment>,
    /// Table of contents.
    pub sections: Vec<Section>,
}

/// A section of an issue's table of contents.
#[derive(Debug, Clone)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// Documents carried, in order.
    pub items: Vec<Item>,
}

/// One document in an issue.
#[derive(Debug, Clone)]
pub struct Item {
    /// The document.
    pub doc: Ref,
    /// Page in the print edition.
    pub page: Option<u32>,
}

/// A record, typed. Optional fields are `None` when absent; defaults (id, effective date,
/// disclosure) are already applied.
#[derive(Debug, Clone)]
pub struct Record {
    /// Stable id and URL slug.
    pub id: String,
    /// Source file relative to the site root.
    pub file: String,
    /// Folder of the record's own files, relative to `content/`.
    pub dir: String,
    /// SHA-256 of the source bytes.
    pub sha256: String,
    /// What it is.
    pub kind: Kind,
    /// Title.
    pub title: String,
    /// 发文字号, normalised.
    pub doc_number: Option<DocNumber>,
    /// 索引号.
    pub index_no: Option<IndexNo>,
    /// 统一编号.
    pub registration_no: Option<Box<str>>,
    /// 发布机构.
    pub issuers: Box<[Label]>,
    /// 文种.
    pub genre: Option<Genre>,
    /// 主题分类, each split at `\` into levels.
    pub topics: Box<[Box<[Label]>]>,
    /// 关键词.
    pub keywords: Box<[Label]>,
    /// 成文日期.
    pub signed: Option<Date>,
    /// 发布日期.
    pub published: Date,
    /// 施行日期 (defaults to `published`).
    pub effective: Date,
    /// 有效期至.
    pub expires: Option<Date>,
    /// Explicit validity statement.
    pub stated: Option<Box<StatedValidity>>,
    /// 公开属性.
    pub disclosure: Disclosure,
    /// Legal reason when not disclosed.
    pub disclosure_reason: Option<Box<str>>,
    /// 保密审查.
    pub review: Option<Review>,
    /// Records this one amends.
    pub amends: Box<[Relation]>,
    /// Records this one repeals.
    pub repeals: Box<[Relation]>,
    /// For interpretations: the document explained.
    pub interprets: Option<Box<Ref>>,
    /// For drafts: the document it became.
    pub final_doc: Option<Box<Ref>>,
    /// For notices: the records a correction (更正) puts right.
    pub corrects: Box<[Ref]>,
    /// For drafts: the comment period.
    pub comment: Option<Box<Comment>>,
    /// Files.
    pub attachments: Box<[Attachment]>,
    /// For catalog entries.
    pub catalog: Option<Box<CatalogFields>>,
    /// Language of the text.
    pub lang: Option<Box<str>>,
    /// For gazette issues.
    pub issue: Option<Box<Issue>>,
    /// Keys the site declared in `extra_keys`, when the record has any (boxed: most have none,
    /// and a record lives for the whole build).
    #[allow(clippy::box_collection)] // the point: one word in the record, not three
    pub extra: Option<Box<BTreeMap<String, serde_json::Value>>>,
    /// Positions of the standard top-level keys, for messages about them.
    pub key_pos: KeyPositions,
    /// What the text holds (its links, what the checks report); its HTML is made when the page
    /// is.
    pub body: Scan,
    /// Byte offset of the text in the decoded file.
    pub body_at: usize,
}

impl Record {
    /// The keys the site declared in `extra_keys` that the record has.
    pub fn extras(&self) -> &BTreeMap<String, serde_json::Value> {
        static NONE: BTreeMap<String, serde_json::Value> = BTreeMap::new();
        self.extra.as_deref().unwrap_or(&NONE)
    }

    /// Where key `k` is written, or the top of the file.
    pub fn pos(&self, k: &str) -> Pos {
        self.key_pos.get(k).unwrap_or(Pos::new(1, 1))
    }

    /// The browse lists of issuers and topics the record joins, as their facet and labels: one
    /// per issuer, and per topic one for its first level and one for its first two. A list's
    /// folder is `route::list_dir` of them, and its label the labels joined by `\\`. Gazette
    /// issues and catalogue entries join none. The lists the site is browsed by (`site::lists`),
    /// the check of what the build writes (`check::outputs`), the links of a record's page and
    /// `serve`'s moving a record between lists all ask here.
    pub fn lists_joined<'r>(&'r self, mut add: impl FnMut(&'static str, &[&'r str])) {
        if matches!(self.kind, Kind::Gazette | Kind::Catalog) {
            return;
        }
        for is in &self.issuers {
            add("issuer", &[is]);
        }
        for t in &self.topics {
            add("topic", &[&t[0]]);
            if t.len() > 1 {
                add("topic", &[&t[0], &t[1]]);
            }
        }
    }

    /// Every record this one names in its front matter (not its text's `doc:` links), with the
    /// key each is written under: the records it amends, repeals, interprets, corrects or
    /// carries (an issue), the final document of a draft, the draft an adoption report answers,
    /// and the basis of a stated validity, which may name a law rather than a record.
    pub fn front_refs(&self) -> impl Iterator<Item = (&'static str, &Ref)> {
        let amends = self.amends.iter().map(|x| ("amends", &x.target));
        let repeals = self.repeals.iter().map(|x| ("repeals", &x.target));
        let interprets = self.interprets.iter().map(|x| ("interprets", &**x));
        let final_doc = self.final_doc.iter().map(|x| ("final", &**x));
        let corrects = self.corrects.iter().map(|x| ("corrects", x));
        let adoption = self.comment.iter().filter_map(|x| x.adoption.as_ref()).map(|x| ("comment.adoption", x));
        let basis = self.stated.iter().filter_map(|x| x.basis.as_ref()).map(|x| ("validity.basis", x));
        let items = self.issue.iter().flat_map(|x| &x.sections).flat_map(|s| &s.items);
        amends
            .chain(repeals)
            .chain(interprets)
            .chain(final_doc)
            .chain(corrects)
            .chain(adoption)
            .chain(basis)
            .chain(items.map(|x| ("sections.items.doc", &x.doc)))
    }

    /// Whether `new`, a later reading of the same file, differs from this one only in the wording
    /// of its text: the same front matter (every field, and where each key is written), the same
    /// links in the same order, text on both sides or on neither, and nothing in the new text that
    /// a check reports (raw HTML that could run script or is left open, `doc:` in raw HTML,
    /// personal data). What the corpus links, lists and checks is then unchanged; only the pages
    /// that show the text itself differ.
    pub fn rewords(&self, new: &Record) -> bool {
        self.differs_only_in(new, Leeway::Words)
    }

    /// [`Record::rewords`], with what describes the record to a reader free to differ too: its
    /// title and keywords (and so where the text starts in the file). No list is ordered by
    /// either and no relation goes through one; the one check across records that reads titles
    /// (the same document entered twice, `duplicate-title`) is for the caller to ask
    /// ([`crate::corpus::Corpus::reword`]).
    pub fn redescribes(&self, new: &Record) -> bool {
        self.differs_only_in(new, Leeway::Description)
    }

    /// [`Record::redescribes`], with more of the front matter free to differ too, each part
    /// read by fewer things than the rest; what each is read by is for the caller to ask
    /// ([`crate::corpus::Corpus::restate`], and `serve`'s preview for the lists):
    /// - the fields only the record's own pages, rows and checks read: the signing date, the
    ///   document, index and registration numbers, the genre and the secrecy review. The corpus
    ///   derives nothing from them, no list is grouped or ordered by one, and no check of another
    ///   record reads them, but for the checks across records that read numbers
    ///   (`duplicate-index-no`, `duplicate-doc-number`);
    /// - the dates of its validity, `effective` and `expires`. Its own timeline and state read
    ///   them, and so do the records it amends or repeals, those that amend or repeal it, and its
    ///   earlier texts' dates; its state on the build date decides a browse list it is in;
    /// - its issuers and topics. Nothing the corpus derives reads them; the browse lists are
    ///   grouped by them ([`Record::lists_joined`]), and the check of what the build writes reads
    ///   the lists' folders;
    /// - its publication date. Its own timeline starts from it, every list by date is ordered
    ///   by it, and the year list it is in is named by it; so is whether readers see it, which
    ///   files are its own, and what the checks of the records it names or that name it find.
    pub fn restates(&self, new: &Record) -> bool {
        self.differs_only_in(new, Leeway::Front)
    }

    fn differs_only_in(&self, new: &Record, leeway: Leeway) -> bool {
        let b = &new.body;
        let quiet = b.found.is_none();
        let same_links = self.body.links.iter().map(|l| &l.target).eq(b.links.iter().map(|l| &l.target));
        // Everything but the text and its checksum, as Debug writes it: every field compared,
        // including those added later, with nothing to keep in step. When the title and keywords
        // may differ, so may where the text starts in the file, which only the record's own
        // pages read.
        let frame = |r: &Record| {
            let mut r = Record { body: Scan::default(), sha256: String::new(), ..r.clone() };
            if leeway >= Leeway::Description {
                (r.title, r.keywords, r.body_at) = (String::new(), Box::default(), 0);
            }
            if leeway >= Leeway::Front {
                (r.signed, r.doc_number, r.index_no, r.registration_no, r.genre, r.review) =
                    (None, None, None, None, None, None);
                (r.published, r.effective, r.expires) = (Date::from_days(0), Date::from_days(0), None);
                (r.issuers, r.topics) = (Box::default(), Box::default());
            }
            format!("{r:?}")
        };
        quiet && (self.body.chars == 0) == (b.chars == 0) && same_links && frame(self) == frame(new)
    }
}

/// What a later reading of a record may change and still be taken in place of the earlier one
/// (see [`Record::rewords`], [`Record::redescribes`] and [`Record::restates`]), each level
/// allowing what the one before it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Leeway {
    Words,
    Description,
    Front,
}

/// What a record keeps of the scan of its text for the whole build: its links, how long it is,
/// whether it has raw HTML, and what the checks report in it. Those findings are rare, so they
/// are boxed: a clean record pays one word for them (at a million records, 160 MB less).
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Links, in the order written.
    pub links: Vec<markdown::Link>,
    /// Characters of text.
    pub chars: usize,
    /// Whether the text has raw HTML.
    pub raw_html: bool,
    /// What the checks report, when there is anything.
    pub found: Option<Box<TextFindings>>,
}

/// The findings of [`Scan`], as the scan of the text reported them.
#[derive(Debug, Clone, Default)]
pub struct TextFindings {
    /// Raw HTML that could run script.
    pub scripts: Vec<Pos>,
    /// Raw HTML elements left open.
    pub unclosed: Vec<(Pos, String)>,
    /// Personal data.
    pub personal: Vec<(Pos, crate::model::personal::Found)>,
    /// `<doc:…>` written in raw HTML.
    pub html_doc: Vec<Pos>,
    /// `doc:` in the text that Markdown did not read as a link, with the id after it.
    pub text_doc: Vec<(Pos, String)>,
}

impl Scan {
    fn of(b: markdown::Body) -> Scan {
        let quiet = b.scripts.is_empty()
            && b.unclosed.is_empty()
            && b.personal.is_empty()
            && b.html_doc.is_empty()
            && b.text_doc.is_empty();
        Scan {
            links: b.links,
            chars: b.chars,
            raw_html: b.raw_html,
            found: (!quiet).then(|| {
                Box::new(TextFindings {
                    scripts: b.scripts,
                    unclosed: b.unclosed,
                    personal: b.personal,
                    html_doc: b.html_doc,
                    text_doc: b.text_doc,
                })
            }),
        }
    }

    /// [`TextFindings::scripts`].
    pub fn scripts(&self) -> &[Pos] {
        self.found.as_ref().map_or(&[], |f| &f.scripts)
    }

    /// [`TextFindings::unclosed`].
    pub fn unclosed(&self) -> &[(Pos, String)] {
        self.found.as_ref().map_or(&[], |f| &f.unclosed)
    }

    /// [`TextFindings::personal`].
    pub fn personal(&self) -> &[(Pos, crate::model::personal::Found)] {
        self.found.as_ref().map_or(&[], |f| &f.personal)
    }

    /// [`TextFindings::html_doc`].
    pub fn html_doc(&self) -> &[Pos] {
        self.found.as_ref().map_or(&[], |f| &f.html_doc)
    }

    /// [`TextFindings::text_doc`].
    pub fn text_doc(&self) -> &[(Pos, String)] {
        self.found.as_ref().map_or(&[], |f| &f.text_doc)
    }
}

/// Where each standard key ([`KEYS`]) of a record's front matter is written: a short list of
/// (index into `KEYS` in the top 8 bits and the line below them, column), sorted by key. A record
/// lives for the whole build, so this is kept to eight bytes a key rather than a map of owned
/// names (about 1.5 KB a record at 50,000 records, measured); positions of other keys are
/// reported while parsing and not kept. A record is at most `MAX_RECORD_BYTES` (8 MiB), so its
/// lines are fewer than 2^24.
#[derive(Debug, Clone, Default)]
pub struct KeyPositions(Box<[(u32, u32)]>);

/// The bits of a line in [`KeyPositions`].
const LINE_BITS: u32 = 24;

impl KeyPositions {
    /// The positions of the standard keys among `all`.
    fn of(all: &BTreeMap<String, Pos>) -> KeyPositions {
        const _: () = assert!(KEYS.len() < 1 << (32 - LINE_BITS));
        const _: () = assert!(crate::source::MAX_RECORD_BYTES < 1 << LINE_BITS);
        let mut v: Vec<(u32, u32)> = all
            .iter()
            .filter(|(_, p)| p.line < 1 << LINE_BITS)
            .filter_map(|(k, p)| {
                let i = KEYS.iter().position(|x| x == k)? as u32;
                Some((i << LINE_BITS | p.line, p.column))
            })
            .collect();
        v.sort_unstable();
        KeyPositions(v.into_boxed_slice())
    }

    /// Where the standard key `k` is written, if it is.
    pub fn get(&self, k: &str) -> Option<Pos> {
        let i = KEYS.iter().position(|x| *x == k)? as u32;
        let at = self.0.binary_search_by_key(&i, |&(kl, _)| kl >> LINE_BITS).ok()?;
        let (kl, column) = self.0[at];
        Some(Pos { line: kl & ((1 << LINE_BITS) - 1), column })
    }

    /// Whether the standard key `k` is written.
    pub fn contains_key(&self, k: &str) -> bool {
        self.get(k).is_some()
    }
}

/// The keys SPEC §2 defines. Anything else is a typo unless the site declares it.
pub(crate) const KEYS: &[&str] = &[
    "id",
    "kind",
    "title",
    "doc_number",
    "index_no",
    "registration_no",
    "issuer",
    "genre",
    "topic",
    "keywords",
    "signed",
    "published",
    "effective",
    "expires",
    "validity",
    "disclosure",
    "disclosure_reason",
    "review",
    "amends",
    "repeals",
    "interprets",
    "final",
    "corrects",
    "comment",
    "attachments",
    "catalog",
    "lang",
    "year",
    "number",
    "total_number",
    "pdf",
    "sections",
];

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRel {
    Id(String),
    Full(RawRelFull),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelFull {
    id: String,
    effective: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValidity {
    state: String,
    since: String,
    basis: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReview {
    by: String,
    on: String,
    result: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComment {
    opens: String,
    closes: String,
    channel: Option<String>,
    adoption: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttachment {
    file: String,
    title: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    title: String,
    #[serde(default)]
    items: Vec<Spanned<RawItem>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    doc: String,
    page: Option<u32>,
}

/// Whether `tag` is spelled as a BCP 47 language tag: a language of two or three letters (or
/// five to eight, or `x` and `i` before private and grandfathered ones), then subtags of one to
/// eight letters and digits, all joined by `-`.
fn well_formed_language(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first = parts.next().unwrap_or_default();
    let singleton = first.eq_ignore_ascii_case("x") || first.eq_ignore_ascii_case("i");
    let language =
        first.bytes().all(|b| b.is_ascii_alphabetic()) && (matches!(first.len(), 2 | 3 | 5..=8) || singleton);
    let rest: Vec<&str> = parts.collect();
    language
        && !(singleton && rest.is_empty())
        && rest.iter().all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

type S<T> = Option<Spanned<T>>;

#[derive(Deserialize)]
struct RawRecord {
    id: S<String>,
    kind: S<String>,
    title: S<String>,
    doc_number: S<String>,
    index_no: S<String>,
    registration_no: S<String>,
    issuer: S<OneOrMany>,
    genre: S<String>,
    topic: S<OneOrMany>,
    keywords: Option<Vec<String>>,
    signed: S<String>,
    published: S<String>,
    effective: S<String>,
    expires: S<String>,
    validity: S<RawValidity>,
    disclosure: S<String>,
    disclosure_reason: Option<String>,
    review: S<RawReview>,
    amends: Option<Vec<Spanned<RawRel>>>,
    repeals: Option<Vec<Spanned<RawRel>>>,
    interprets: S<String>,
    #[serde(rename = "final")]
    final_doc: S<String>,
    corrects: S<OneOrMany>,
    comment: S<RawComment>,
    attachments: Option<Vec<Spanned<RawAttachment>>>,
    catalog: Option<CatalogFields>,
    lang: S<String>,
    year: S<i64>,
    number: S<i64>,
    total_number: S<i64>,
    pdf: S<String>,
    sections: Option<Vec<RawSection>>,
}

/// The first pass over front matter: every top-level key with its position, and the values of
/// keys that are not standard (kept for the site's declared extras).
struct KeyScan(Vec<(String, Pos, Option<serde_json::Value>)>);

impl<'de> Deserialize<'de> for KeyScan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = KeyScan;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of keys and values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<KeyScan, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<Spanned<String>>()? {
                    let pos = Pos::new(k.referenced.line(), k.referenced.column());
                    if KEYS.contains(&k.value.as_str()) {
                        m.next_value::<serde::de::IgnoredAny>()?;
                        out.push((k.value, pos, None));
                    } else {
                        let v = m.next_value::<serde_json::Value>()?;
                        out.push((k.value, pos, Some(v)));
                    }
                }
                Ok(KeyScan(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// The YAML parser's message in Chinese, for the messages an editor meets (a bracket or quote
/// left open, a tab, a colon inside a value, a key written twice, a field missing or unknown, a
/// value of the wrong kind); any other is given as the parser wrote it.
fn yaml_zh(en: &str) -> String {
    let fixed: &[(&str, &str)] = &[
        ("expected a text or a list of texts", "这里应是一段文字，或文字的列表"),
        ("expected an id or {id, effective, note}", "这里应是记录的 id，或 {id, effective, note}"),
        ("alias references unknown anchor", "`*名称` 引用的锚点不存在（前面没有 `&名称`）"),
        ("expected sequence start", "这里应是一个列表（`[甲, 乙]`，或每项一行 `- 甲`）"),
        ("expected string scalar", "这里应是一段文字，不能是列表或键值对"),
        ("invalid indentation in multiline quoted scalar", "引号没有闭合，或跨行的引号内文字缩进不对"),
        ("invalid trailing content after", "结束引号后面还有文字"),
        (
            "mapping values are not allowed",
            "这里不能有冒号：可能是缩进不对（同一层的字段要对齐），或者值中有 `: `，那就给整个值加引号",
        ),
        ("simple key expected", "字段名后面要有半角冒号和空格（`键: 值`），缩进只能用半角空格"),
        ("tabs disallowed", "有制表符（Tab）：YAML 只能用空格缩进"),
        ("misplaced bracket", "方括号或花括号不成对"),
        ("unclosed bracket", "方括号或花括号没有闭合"),
        ("found a tab", "有制表符（Tab）：YAML 只能用空格缩进"),
        ("unterminated", "引号没有闭合"),
        ("end of stream", "引号或括号没有闭合，元数据到此结束"),
        ("invalid i64", "这里应是整数（不加引号，也不能太大或为负）"),
        ("invalid u32", "这里应是整数（不加引号，也不能太大或为负）"),
        ("invalid !!binary", "不支持的标签或无效的 !!binary 值"),
        ("unexpected character", "这个字符不能作为值的开头：请给值加引号"),
        ("cannot start any token", "这个字符不能作为值的开头：请给值加引号"),
    ];
    if let Some(k) = en.strip_prefix("duplicate mapping key: ") {
        return format!("字段 `{k}` 写了两次");
    }
    if let Some((_, zh)) = fixed.iter().find(|(k, _)| en.contains(k)) {
        return (*zh).to_string();
    }
    if en.contains("recursive references") {
        return "别名（`*名称`）引用了包含它自己的值：去掉这个别名，把值直接写出来".into();
    }
    crate::model::diag::serde_zh(en).unwrap_or_else(|| format!("解析器报告：{en}"))
}

/// How to fix what the YAML reader said (`en`, its message): the one thing to do where the
/// message tells it, else where to look.
fn yaml_help(en: &str) -> Msg {
    let has = |k: &str| en.contains(k);
    // The reader's own wording only: a key the editor wrote (`table`, `anchor`) may hold the
    // same letters.
    if en.starts_with("unknown field") || en.starts_with("invalid type") || en.starts_with("invalid value") {
        return msg!(
            "对照手册“记录格式”一章检查这个字段的名称和取值",
            "compare the key and its value with the book's chapter on the record format"
        );
    }
    if let Some(k) = en.strip_prefix("duplicate mapping key: ") {
        return msg!("删除其中一行，只保留一个 `{k}`", "remove one of the lines: keep a single `{k}`");
    }
    if has("found a tab") || has("tabs disallowed") || has("tab character") {
        return msg!("把行首的制表符（Tab）换成空格", "replace the tab at the start of the line with spaces");
    }
    if has("recursion limit") {
        return msg!(
            "减少嵌套：元数据只需要字段、简单的列表和 {{id, effective, note}} 这样的一层键值",
            "nest less: front matter needs only keys, simple lists and one level of {{id, effective, note}}"
        );
    }
    if has("budget breached") || has("recursive references") || has("unknown anchor") {
        return msg!(
            "不要用锚点（`&名称`）和别名（`*名称`），把值直接写出来",
            "do not use anchors (`&name`) and aliases (`*name`): write the values out"
        );
    }
    if has("invalid i64") || has("invalid u32") {
        return msg!("写一个不加引号、范围内的整数", "write a whole number in range, without quotes");
    }
    msg!(
        "检查该行的缩进、冒号和引号；含特殊字符的值请加引号",
        "check indentation, colons and quotes on that line; quote values with special characters"
    )
}

/// Whether front matter could hold a number that its lines, read one by one, do not show: a line
/// that ends in a digit followed by one that starts with one (a value folded or broken over
/// lines), an escape in a double-quoted value, or a number written in hexadecimal or octal. Reading every
/// value again as YAML doubled the time taken to read a record; this keeps it for these.
fn lines_may_hide_numbers(yaml: &str) -> bool {
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    // A tag (`!!binary`, `!!str`) or a number in another base.
    if yaml.contains('!') || yaml.contains("0x") || yaml.contains("0o") {
        return true;
    }
    // An escape, which YAML reads in double quotes: a backslash before an ASCII character (a
    // topic is written `教育\学前教育`, with a Chinese character after it).
    if yaml.as_bytes().windows(2).any(|w| w[0] == b'\\' && w[1].is_ascii()) {
        return true;
    }
    let mut ended_in_digit = false;
    // A lone carriage return breaks a line for YAML too.
    for line in yaml.split(['\n', '\r']) {
        let body = line.trim();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let starts = body.trim_start_matches(['-', ' ', '"', '\'', '+']).starts_with(is_digit);
        if ended_in_digit && starts {
            return true;
        }
        ended_in_digit = body.trim_end_matches(['"', '\'']).ends_with(is_digit);
    }
    false
}

/// Every scalar of front matter as YAML reads it, with where it is written (relative to the front
/// matter's first line): block and folded scalars and quoted ones over several lines joined,
/// escapes decoded, numbers as written. Keys are not published and are left out.
struct Scalars(Vec<(String, Option<Pos>)>);

impl<'de> Deserialize<'de> for Scalars {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fn placed(s: Spanned<Scalars>) -> impl Iterator<Item = (String, Option<Pos>)> {
            let at = Pos::new(s.referenced.line(), s.referenced.column());
            s.value.0.into_iter().map(move |(v, p)| (v, p.or(Some(at))))
        }
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Scalars;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("YAML")
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalars, E> {
                Ok(Scalars(vec![(v.to_string(), None)]))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalars, E> {
                Ok(Scalars(vec![(v.to_string(), None)]))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalars, E> {
                Ok(Scalars(vec![(v.to_string(), None)]))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Scalars, E> {
                Ok(Scalars(vec![(v.to_string(), None)]))
            }
            fn visit_u128<E>(self, v: u128) -> Result<Scalars, E> {
                Ok(Scalars(vec![(v.to_string(), None)]))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalars, E> {
                Ok(Scalars(vec![(v.to_string(), None)]))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Scalars, E> {
                Ok(Scalars(vec![(String::from_utf8_lossy(v).into_owned(), None)]))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Scalars, E> {
                Ok(Scalars(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Scalars, E> {
                Ok(Scalars(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<Scalars, E> {
                Ok(Scalars(Vec::new()))
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Scalars, D::Error> {
                Scalars::deserialize(d)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Scalars, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = s.next_element::<Spanned<Scalars>>()? {
                    out.extend(placed(x));
                }
                Ok(Scalars(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Scalars, A::Error> {
                let mut out = Vec::new();
                while m.next_key::<serde::de::IgnoredAny>()?.is_some() {
                    out.extend(placed(m.next_value::<Spanned<Scalars>>()?));
                }
                Ok(Scalars(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The top-level keys of front matter and where they are written, read off its lines, when
/// every line that starts in the first column is a standard key (`key:` then a space or the end
/// of the line), a sequence entry, a comment or blank, and no key is written twice. `None` for
/// anything else (quoted, unknown or repeated keys, flow mappings, indented documents …), which
/// the YAML parser then reads.
fn plain_keys(yaml: &str) -> Option<Vec<(String, Pos)>> {
    let mut keys: Vec<(String, Pos)> = Vec::new();
    for (n, line) in yaml.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let first = line.as_bytes().first().copied();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if first == Some(b' ') || (first == Some(b'-') && (line.len() == 1 || line.as_bytes()[1] == b' ')) {
            // Part of the value of the key above; before any key, an indented or list document.
            if keys.is_empty() {
                return None;
            }
            continue;
        }
        let (key, rest) = line.split_once(':')?;
        if !(rest.is_empty() || rest.starts_with(' ')) || !KEYS.contains(&key) || keys.iter().any(|(k, _)| k == key) {
            return None;
        }
        keys.push((key.to_string(), Pos::new(n as u64 + 1, 1)));
    }
    (!keys.is_empty()).then_some(keys)
}

fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        // A merge key (`<<`) stays a key, which the guard of publication refuses (`guard-key`):
        // merged, it could set `disclosure` where no line of the record says so.
        merge_keys: serde_saphyr::MergeKeyPolicy::AsOrdinary,
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_aliases: 64,
            max_anchors: 64,
            max_nodes: 100_000,
            max_total_scalar_bytes: 4 * 1024 * 1024,
            max_documents: 1,
        },
    }
}

/// Splits front matter from the body. Returns the YAML, the line the YAML starts on (1-based),
/// and the byte offset where the body starts.
fn split(text: &str) -> Result<(&str, u32, usize), (Pos, Msg, Msg)> {
    if text.trim().is_empty() {
        return Err((Pos::new(1, 1), msg!("记录是空文件", "the record is an empty file"), front_matter_help()));
    }
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_end].trim_end() != "---" {
        // What keeps a `---` the editor can see from being the first line.
        let hidden = text.chars().next().filter(|c| {
            !matches!(c, '-' | '\n' | '\r')
                && (c.is_whitespace()
                    || c.is_control()
                    || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'))
        });
        if let Some(c) = hidden {
            let code = c as u32;
            return Err((
                Pos::new(1, 1),
                msg!(
                    "记录开头的 `---` 前面有一个看不见的字符 U+{code:04X}（空格、零宽字符或多余的 BOM），前置元数据因此读不出",
                    "an invisible character U+{code:04X} (a space, a zero-width character or a second BOM) comes before the opening `---`, so the front matter cannot be read"
                ),
                msg!(
                    "删除 `---` 前面的字符，让 `---` 独占第一行",
                    "delete what comes before `---`, so that `---` is the whole first line"
                ),
            ));
        }
        if text.contains('\r') && !text.contains('\n') {
            return Err((
                Pos::new(1, 1),
                msg!(
                    "文件的行只以回车符（CR）结束，这是旧式 Mac 的换行，`---` 因此不成行",
                    "the file's lines end in a carriage return alone (old Mac line endings), so `---` is not a line of its own"
                ),
                msg!(
                    "在编辑器中把换行符改为 LF（或 CRLF）后保存",
                    "save the file with LF (or CRLF) line endings in your editor"
                ),
            ));
        }
        return Err((
            Pos::new(1, 1),
            msg!(
                "记录没有以 `---` 开头的前置元数据",
                "the record does not start with front matter between `---` lines"
            ),
            front_matter_help(),
        ));
    }
    let mut at = first_end;
    let mut line = 2u32;
    while at < text.len() {
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
        let l = text[at..end].trim_end();
        if l == "---" || l == "..." {
            return Ok((&text[first_end..at], 2, end));
        }
        at = end;
        line += 1;
    }
    let _ = line;
    Err((
        Pos::new(1, 1),
        msg!("前置元数据没有结束的 `---` 行", "the front matter has no closing `---` line"),
        msg!("在元数据之后、正文之前加一行 `---`", "add a line `---` after the metadata, before the text"),
    ))
}

fn front_matter_help() -> Msg {
    msg!(
        "记录以 `---` 行开头，接着是 YAML 元数据（kind、title、published …），再以 `---` 行结束，之后是正文",
        "a record starts with a `---` line, then YAML metadata (kind, title, published …), then a `---` line, then the text"
    )
}

/// Parses one source into a record. Returns the record when it is usable at all, with every
/// problem found in it.
pub fn parse(src: &Source, cfg: &Config) -> (Option<Record>, Vec<Diagnostic>) {
    let mut p = Parser { src, diags: Vec::new(), line0: 0 };
    let rec = p.run(cfg);
    // A file that could not be read as a record may still be a withheld one: when it says
    // anything about disclosure, its findings quote nothing of it (see `Diagnostic::redact`).
    // A readable record's findings are marked once the corpus knows who is public.
    let mut diags = p.diags;
    if rec.as_ref().map_or_else(|| mentions_disclosure(&src.text), |r| r.disclosure != Disclosure::Public) {
        diags.iter_mut().for_each(Diagnostic::redact);
    }
    (rec, diags)
}

struct Parser<'a> {
    src: &'a Source,
    diags: Vec<Diagnostic>,
    line0: u32,
}

impl Parser<'_> {
    fn at<T>(&self, s: &Spanned<T>) -> Pos {
        Pos::new(s.referenced.line() + u64::from(self.line0) - 1, s.referenced.column())
    }

    fn err(&mut self, rule: &'static Rule, pos: Pos, m: Msg, help: Msg) {
        self.diags.push(Diagnostic::error(rule, &self.src.file, pos, m).help(help));
    }

    fn warn(&mut self, rule: &'static Rule, pos: Pos, m: Msg, help: Msg) {
        self.diags.push(Diagnostic::warning(rule, &self.src.file, pos, m).help(help));
    }

    fn yaml_error(&mut self, e: &serde_saphyr::Error) {
        let pos = e
            .location()
            .map_or(Pos::new(u64::from(self.line0), 1), |l| Pos::new(l.line() + u64::from(self.line0) - 1, l.column()));
        let text = e.without_snippet().to_string();
        let mut text = text.lines().next().unwrap_or("").to_string();
        // The position is given in file coordinates beside the message; the parser's own
        // (counted from the start of the YAML) would only confuse.
        if let Some(i) = text.rfind(" at line ") {
            text.truncate(i);
        }
        // A key followed by a full-width colon (`title：…`, typed with a Chinese input method)
        // is not a key to YAML; the error it gives names neither the key nor the colon.
        if let Some((line, key)) = self.full_width_colon() {
            let pos = Pos::new(u64::from(line), 1);
            self.err(
                &rules::YAML,
                pos,
                msg!(
                    "字段 `{key}` 后面是全角冒号 `：`，YAML 只认半角冒号",
                    "the key `{key}` is followed by a full-width colon `：`; YAML needs an ASCII colon"
                ),
                msg!("改为 `{key}: `（半角冒号加一个空格）", "write `{key}: ` (an ASCII colon and a space)"),
            );
            return;
        }
        let text = text
            .replace("data did not match any variant of untagged enum OneOrMany", "expected a text or a list of texts")
            .replace(
                "data did not match any variant of untagged enum RawRel",
                "expected an id or {id, effective, note}",
            );
        let text = match text.split_once(", set DuplicateKeyPolicy") {
            Some((head, _)) => head.to_string(),
            None => text,
        };
        // Messages of the parser that speak of its own types or limits are said in the editor's
        // terms.
        let own: &[(&str, &str, &str)] = &[
            (
                "cannot deserialize null",
                "这里需要一个值，但它是空的（null、~，或冒号后什么也没写）",
                "a value is needed here, but it is empty (null, ~, or nothing after the colon)",
            ),
            (
                "expected mapping start",
                "前置元数据应是“键: 值”，每行一个字段，不能是列表或单独一个值",
                "front matter must be keys with values (`key: value`, one a line), not a list or a single value",
            ),
            ("recursion limit", "值嵌套得太深", "the values are nested too deeply"),
            (
                "budget breached",
                "别名（`*名称`）展开后的值太多，元数据过大",
                "aliases (`*name`) expand to too many values",
            ),
        ];
        let (zh, text) = match own.iter().find(|(k, _, _)| text.contains(k)) {
            Some((_, zh, en)) => ((*zh).to_string(), (*en).to_string()),
            None => (yaml_zh(&text), text),
        };
        // The parser finds a tab only where it stops making sense of the line before; the
        // editor needs the tab.
        let pos = match text.contains("tab") {
            true => self.first_tab(pos.line).unwrap_or(pos),
            false => pos,
        };
        // A quote left open is found by the parser only where the text it swallowed stops making
        // sense, often lines later; the editor needs the quote that opened it.
        let quote_trouble =
            ["unterminated", "multiline quoted scalar", "end of stream"].iter().any(|k| text.contains(k));
        if let Some(open) = quote_trouble.then(|| self.open_quote(pos.line)).flatten() {
            let line = pos.line;
            self.err(
                &rules::YAML,
                open,
                msg!(
                    "YAML 元数据有误：这里开始的引号没有闭合（解析到第 {line} 行出错）",
                    "invalid YAML metadata: the quote opened here is not closed (the parser stopped at line {line})"
                ),
                msg!(
                    "在值的末尾补上同样的引号；值中的单引号写作 `''`，双引号内的双引号写作 `\\\"`",
                    "close the value with the same quote; inside single quotes write a quote as `''`, inside double quotes as `\\\"`"
                ),
            );
            return;
        }
        let help = yaml_help(&text);
        self.err(&rules::YAML, pos, msg!("YAML 元数据有误：{zh}", "invalid YAML metadata: {text}"), help);
    }

    /// Where the quote still open at the end of file line `upto` was opened, if one is: the
    /// front matter is read as YAML reads quotes (a quote opens a scalar only where a value
    /// starts; `''` inside single quotes and `\"` inside double quotes do not close it; `#`
    /// after a space starts a comment).
    fn open_quote(&self, upto: u32) -> Option<Pos> {
        let first = self.line0.max(1);
        let mut open: Option<(char, Pos)> = None;
        // The indentation of the line that began a block scalar (`|`, `>`), whose more indented
        // lines are text, where a quote is a quote.
        let mut block: Option<usize> = None;
        for (n, line) in self.src.text.lines().enumerate().skip(first as usize - 1) {
            let number = n as u32 + 1;
            if number > upto || line.trim_end() == "---" {
                break;
            }
            let indent = line.len() - line.trim_start_matches(' ').len();
            match block {
                Some(b) if line.trim().is_empty() || indent > b => continue,
                _ => block = None,
            }
            let value = line.split_once(": ").map(|(_, v)| v).or_else(|| line.trim_start().strip_prefix("- "));
            if open.is_none() && value.is_some_and(|v| v.trim_start().starts_with(['|', '>'])) {
                block = Some(indent);
                continue;
            }
            let chars: Vec<char> = line.chars().collect();
            let mut i = 0;
            while i < chars.len() {
                let c = chars[i];
                match open {
                    Some(('\'', _)) if c == '\'' => {
                        if chars.get(i + 1) == Some(&'\'') {
                            i += 1;
                        } else {
                            open = None;
                        }
                    }
                    Some(('"', _)) if c == '\\' => i += 1,
                    Some(('"', _)) if c == '"' => open = None,
                    Some(_) => {}
                    None if c == '#' && (i == 0 || chars[i - 1] == ' ') => break,
                    None if c == '\'' || c == '"' => {
                        let before = chars[..i].iter().rev().find(|c| **c != ' ');
                        let at_start = i == 0 || matches!(chars[i - 1], ' ' | '[' | '{' | ',');
                        if at_start && matches!(before, None | Some(':' | '-' | '[' | '{' | ',' | '?')) {
                            open = Some((c, Pos::new(u64::from(number), i as u64 + 1)));
                        }
                    }
                    None => {}
                }
                i += 1;
            }
        }
        open.map(|(_, at)| at)
    }

    /// The first tab in the indentation of a front-matter line, up to file line `upto` and the
    /// line after it.
    fn first_tab(&self, upto: u32) -> Option<Pos> {
        let first = self.line0.max(1);
        for (n, line) in self.src.text.lines().enumerate().skip(first as usize - 1) {
            let number = n as u32 + 1;
            if number > upto + 1 || line.trim_end() == "---" {
                break;
            }
            let indent = line.len() - line.trim_start_matches([' ', '\t', '-']).len();
            // A comment or a blank line may hold a tab.
            let text = line[indent..].trim_end();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            if let Some(k) = line[..indent].find('\t') {
                return Some(Pos::new(u64::from(number), k as u64 + 1));
            }
        }
        None
    }

    /// The first line of the front matter that starts with a key and a full-width colon: its
    /// line number in the file and the key.
    fn full_width_colon(&self) -> Option<(u32, String)> {
        let first = self.line0.max(1);
        for (n, line) in self.src.text.lines().enumerate().skip(first as usize - 1) {
            if line.trim_end() == "---" {
                break;
            }
            let t = line.trim_start().trim_start_matches("- ");
            let key: String = t.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.').collect();
            if !key.is_empty() && t[key.len()..].trim_start().starts_with('：') {
                return Some((n as u32 + 1, key));
            }
        }
        None
    }

    fn date(&mut self, key: &str, s: &Spanned<String>) -> Option<Date> {
        let pos = self.at(s);
        self.date_at(key, &s.value, pos)
    }

    fn date_at(&mut self, key: &str, v: &str, pos: Pos) -> Option<Date> {
        match Date::parse(v.trim()) {
            // A record's dates are in the era of written law; `0000-01-01` is a placeholder,
            // and hand-off packages (which read dates from year 1000) could not describe it.
            Ok(d) if d.year() < 1000 => {
                self.err(
                    &rules::DATE,
                    pos,
                    msg!("{key} 的日期 `{v}` 年份不合理", "date `{v}` in {key} has an implausible year"),
                    msg!(
                        "写出真实的日期；日期未知时删除该字段",
                        "write the real date, or leave the key out while it is unknown"
                    ),
                );
                None
            }
            Ok(d) => Some(d),
            Err(DateError::Shape) => {
                let help = match crate::model::date::guess(v) {
                    Some(d) => msg!(
                        "改为 `{d}`：日期写成 YYYY-MM-DD（年-月-日，月和日补足两位）",
                        "write `{d}`: dates are written YYYY-MM-DD (month and day with two digits)"
                    ),
                    None => msg!("日期写成 YYYY-MM-DD，如 2024-03-05", "write dates as YYYY-MM-DD, e.g. 2024-03-05"),
                };
                self.err(
                    &rules::DATE,
                    pos,
                    msg!("{key} 的日期 `{v}` 格式不对", "date `{v}` in {key} is not in the form YYYY-MM-DD"),
                    help,
                );
                None
            }
            Err(DateError::NoSuchDay) => {
                let parts: Vec<u32> = v.trim().split('-').filter_map(|p| p.parse().ok()).collect();
                let help = match parts.as_slice() {
                    [y, m @ 1..=12, _] => {
                        let (y, m) = (*y as i32, *m as u8);
                        let n = crate::model::date::month_length(y, m);
                        msg!(
                            "{y} 年 {m} 月只有 {n} 天：核对月份和日期",
                            "month {m} of {y} has only {n} days: check the month and day"
                        )
                    }
                    [_, m, _] => msg!("月份 {m} 不存在：月份是 01 到 12", "there is no month {m}: months are 01 to 12"),
                    _ => msg!("核对月份和日期", "check the month and day"),
                };
                self.err(
                    &rules::DATE,
                    pos,
                    msg!("{key} 的日期 `{v}` 不存在", "date `{v}` in {key} does not exist"),
                    help,
                );
                None
            }
        }
    }

    fn reference(&mut self, key: &str, id: &str, pos: Pos) -> Ref {
        let id = id.trim().trim_matches('/').to_string();
        if let Some(why) = bad_id(&id) {
            self.err(
                &rules::ID,
                pos,
                msg!("{key} 引用的 id `{id}` 无效：{}", "{key} refers to an invalid id `{id}`: {}", why.zh, why.en),
                id_help(),
            );
        }
        Ref { id, pos }
    }

    fn relations(&mut self, key: &str, list: Option<Vec<Spanned<RawRel>>>) -> Vec<Relation> {
        let mut out = Vec::new();
        for item in list.unwrap_or_default() {
            let pos = self.at(&item);
            match item.value {
                RawRel::Id(id) => {
                    out.push(Relation { target: self.reference(key, &id, pos), effective: None, note: None })
                }
                RawRel::Full(f) => {
                    let effective = f.effective.as_deref().and_then(|d| self.date_at(key, d, pos));
                    out.push(Relation { target: self.reference(key, &f.id, pos), effective, note: f.note });
                }
            }
        }
        out
    }

    fn run(&mut self, cfg: &Config) -> Option<Record> {
        let src = self.src;
        let (yaml, line0, body_at) = match split(&src.text) {
            Ok(x) => x,
            Err((pos, m, h)) => {
                self.err(&rules::FRONT_MATTER, pos, m, h);
                return None;
            }
        };
        self.line0 = line0;
        if yaml.trim().is_empty() {
            self.err(
                &rules::FRONT_MATTER,
                Pos::new(1, 1),
                msg!("前置元数据是空的", "the front matter is empty"),
                front_matter_help(),
            );
            return None;
        }
        // Most front matter is plain `key: value` lines of standard keys, whose positions a
        // glance at the lines gives; anything else takes the parser's own pass over the keys.
        let scan = match plain_keys(yaml) {
            Some(keys) => KeyScan(keys.into_iter().map(|(k, p)| (k, p, None)).collect()),
            None => match serde_saphyr::from_str_with_options(yaml, yaml_options()) {
                Ok(s) => s,
                Err(e) => {
                    self.yaml_error(&e);
                    return None;
                }
            },
        };
        let mut key_pos = BTreeMap::new();
        let mut extra = BTreeMap::new();
        for (k, pos, value) in scan.0 {
            let pos = Pos { line: pos.line + line0 - 1, ..pos };
            key_pos.insert(k.clone(), pos);
            if let Some(v) = value {
                if k.trim() == "<<" {
                    self.err(&rules::GUARD_KEY, pos, msg!("不能用 YAML 合并键 `<<`：合并进来的值可能决定记录能否公开，却不写在记录的任何一行", "the YAML merge key `<<` is not allowed: values merged in could decide whether the record is published without any line of it saying so"), msg!("把要合并的字段逐个写出来", "write the keys it would merge out in full"));
                } else if crate::model::guards_publication(&k, Some(&v)) {
                    // Whatever `[rules]` says about unknown keys: a misspelt disclosure or
                    // review would otherwise publish what was meant to be held back.
                    let near = nearest_key(&k).unwrap_or("disclosure");
                    self.err(&rules::GUARD_KEY, pos, msg!("字段 `{k}` 看起来是写错的 `{near}`：决定记录能否公开的字段必须写对", "key `{k}` looks like a misspelt `{near}`: the keys that decide whether a record may be published must be written exactly"), msg!("改为 `{near}`（公开属性写 disclosure，保密审查写 review）", "write `{near}` (disclosure for 公开属性, review for 保密审查)"));
                } else if cfg.extra_keys.contains(&k) {
                    extra.insert(k, v);
                } else {
                    let near = nearest_key(&k);
                    let help = match near {
                        Some(n) => msg!(
                            "是不是 `{n}`？若是本站特有字段，请在 gongbao.toml 的 extra_keys 中声明",
                            "did you mean `{n}`? If the site needs this key, declare it in extra_keys in gongbao.toml"
                        ),
                        None => msg!(
                            "删除它；若是本站特有字段，请在 gongbao.toml 的 extra_keys 中声明",
                            "remove it, or declare it in extra_keys in gongbao.toml if the site needs it"
                        ),
                    };
                    self.err(&rules::UNKNOWN_KEY, pos, msg!("未知字段 `{k}`", "unknown key `{k}`"), help);
                }
            }
        }
        let raw: RawRecord = match serde_saphyr::from_str_with_options(yaml, yaml_options()) {
            Ok(r) => r,
            Err(e) => {
                self.yaml_error(&e);
                return None;
            }
        };
        let top = Pos::new(1, 1);
        // A key written with no value (`title: ~`, `title: '  '`) is reported on its own line.
        let missing = |p: &mut Self, key: &str, help: Msg| match key_pos.get(key) {
            Some(&pos) => {
                p.err(&rules::MISSING_KEY, pos, msg!("必填字段 `{key}` 是空的", "required key `{key}` is empty"), help)
            }
            None => {
                p.err(&rules::MISSING_KEY, top, msg!("缺少必填字段 `{key}`", "required key `{key}` is missing"), help)
            }
        };

        let kind = match &raw.kind {
            None => {
                let choices = Kind::choices();
                missing(self, "kind", msg!("加上 kind，取值之一：{choices}", "add kind, one of: {choices}"));
                None
            }
            Some(k) => {
                let v = Kind::parse(&k.value);
                if v.is_none() {
                    let pos = self.at(k);
                    let bad = &k.value;
                    let choices = Kind::choices();
                    let help = match Kind::nearest(bad) {
                        Some((kind, spelling)) => {
                            let id = kind.id();
                            msg!("是不是 `{spelling}`（{id}）？", "did you mean `{spelling}` ({id})?")
                        }
                        None => msg!("取值之一：{choices}", "use one of: {choices}"),
                    };
                    self.err(&rules::ENUM, pos, msg!("kind 的值 `{bad}` 无效", "`{bad}` is not a valid kind"), help);
                }
                v
            }
        };
        let title = raw.title.as_ref().map(|t| t.value.trim().to_string()).filter(|t| !t.is_empty());
        if title.is_none() && kind != Some(Kind::Gazette) {
            missing(self, "title", msg!("加上 title：文件标题", "add title: the document's title"));
        }
        let published = match &raw.published {
            None => {
                missing(
                    self,
                    "published",
                    msg!(
                        "加上 published：发布日期，如 2024-03-05",
                        "add published: the publication date, e.g. 2024-03-05"
                    ),
                );
                None
            }
            Some(d) => self.date("published", d),
        };
        let signed = raw.signed.as_ref().and_then(|d| self.date("signed", d));
        let effective = raw.effective.as_ref().and_then(|d| self.date("effective", d));
        let expires = raw.expires.as_ref().and_then(|d| self.date("expires", d));

        let id = match &raw.id {
            Some(s) => {
                let id = s.value.trim().to_string();
                if let Some(why) = bad_id(&id) {
                    let pos = self.at(s);
                    self.err(
                        &rules::ID,
                        pos,
                        msg!("id `{id}` 无效：{}", "id `{id}` is not valid: {}", why.zh, why.en),
                        id_help(),
                    );
                }
                id
            }
            None => src.default_id.clone(),
        };
        if id.is_empty() || (raw.id.is_none() && bad_id(&id).is_some()) {
            let why = bad_id(&id).map(|m| m.zh.into_owned()).unwrap_or_default();
            let why_en = bad_id(&id).map(|m| m.en.into_owned()).unwrap_or_default();
            self.err(
                &rules::ID,
                top,
                msg!("无法从文件路径得出有效的 id（{why}）", "no valid id can be made from the file path ({why_en})"),
                msg!(
                    "在元数据中写明 id，或重命名文件（小写字母、数字、连字符）",
                    "give an id in the metadata, or rename the file (lower-case letters, digits, hyphens)"
                ),
            );
        }

        let doc_number = raw.doc_number.as_ref().and_then(|s| {
            let pos = self.at(s);
            let v = s.value.trim();
            match DocNumber::parse(v) {
                None => {
                    self.err(
                        &rules::DOC_NUMBER,
                        pos,
                        msg!("发文字号 `{v}` 格式不对", "document number `{v}` is malformed"),
                        msg!(
                            "写成 机关代字〔年份〕序号号，如 青政办函〔2018〕84号；或 …令第12号",
                            "write agency code, year in 〔〕 and number, e.g. 青政办函〔2018〕84号, or …令第12号"
                        ),
                    );
                    None
                }
                Some((n, quirks)) => {
                    for q in quirks {
                        let fixed = n.to_string();
                        match q {
                            DocNumberQuirk::Brackets => self.warn(
                                &rules::DOC_NUMBER_BRACKETS,
                                pos,
                                msg!(
                                    "发文字号 `{v}` 的年份应使用六角括号〔〕",
                                    "document number `{v}` should put the year in 〔〕 (U+3014/U+3015)"
                                ),
                                msg!("改为 `{fixed}`", "write `{fixed}`"),
                            ),
                            DocNumberQuirk::LeadingZeros => self.warn(
                                &rules::DOC_NUMBER_ZEROS,
                                pos,
                                msg!(
                                    "发文字号 `{v}` 的序号不应有前导零",
                                    "document number `{v}` has leading zeros in its sequence"
                                ),
                                msg!("改为 `{fixed}`", "write `{fixed}`"),
                            ),
                        }
                    }
                    Some(n)
                }
            }
        });
        let index_no = raw.index_no.as_ref().map(|s| {
            let pos = self.at(s);
            let v = s.value.trim().to_string();
            if let Some(re) = &cfg.patterns.index_no
                && !re.is_match(&v) {
                    let pat = re.as_str();
                    let help = match index_no_guess(&v, re) {
                        Some(g) => msg!(
                            "是不是 `{g}`？格式见 gongbao.toml 的 [patterns] index_no",
                            "did you mean `{g}`? See [patterns] index_no in gongbao.toml"
                        ),
                        None => msg!(
                            "格式见 gongbao.toml 的 [patterns] index_no，通常为 机构代码/年份-五位序号，如 `000000000/2025-00001`",
                            "see [patterns] index_no in gongbao.toml; usually organisation code/year-five-digit serial, e.g. `000000000/2025-00001`"
                        ),
                    };
                    self.err(
                        &rules::INDEX_NO,
                        pos,
                        msg!(
                            "索引号 `{v}` 不符合本站格式 {pat}",
                            "index number `{v}` does not match the site's pattern {pat}"
                        ),
                        help,
                    );
                }
            IndexNo::parse_as(&v, pos, cfg.patterns.index_format.as_ref())
        });
        let registration_no = raw.registration_no.as_ref().map(|s| {
            let pos = self.at(s);
            let v = s.value.trim().to_string();
            if let Some(re) = &cfg.patterns.registration_no
                && !re.is_match(&v)
            {
                let pat = re.as_str();
                self.err(
                    &rules::REGISTRATION_NO,
                    pos,
                    msg!(
                        "统一编号 `{v}` 不符合本站格式 {pat}",
                        "registration number `{v}` does not match the site's pattern {pat}"
                    ),
                    msg!(
                        "格式见 gongbao.toml 的 [patterns] registration_no",
                        "see [patterns] registration_no in gongbao.toml"
                    ),
                );
            }
            v
        });
        let genre = raw.genre.as_ref().and_then(|g| {
            let v = Genre::parse(&g.value);
            if v.is_none() {
                let pos = self.at(g);
                let bad = &g.value;
                self.err(
                    &rules::ENUM,
                    pos,
                    msg!("文种 `{bad}` 不是十五种法定文种之一", "`{bad}` is not one of the fifteen official genres"),
                    msg!(
                        "取值之一：决议 决定 命令 公报 公告 通告 意见 通知 通报 报告 请示 批复 议案 函 纪要",
                        "use one of: 决议 决定 命令 公报 公告 通告 意见 通知 通报 报告 请示 批复 议案 函 纪要"
                    ),
                );
            }
            v
        });
        let disclosure = match &raw.disclosure {
            // Written but empty (`disclosure:`, `~`, `null`, any null however tagged): the editor
            // meant to say something, and silence must never publish.
            None if key_pos.contains_key("disclosure") => {
                let pos = key_pos["disclosure"];
                let choices = Disclosure::choices();
                self.err(
                    &rules::ENUM,
                    pos,
                    msg!("公开属性 disclosure 写了但没有值", "disclosure is written but has no value"),
                    msg!(
                        "写明取值之一：{choices}；主动公开的记录可删除这一行",
                        "give one of: {choices}; for a public record the line can be removed"
                    ),
                );
                Disclosure::Withheld
            }
            None => Disclosure::Public,
            Some(d) => Disclosure::parse(&d.value).unwrap_or_else(|| {
                let pos = self.at(d);
                let bad = &d.value;
                let choices = Disclosure::choices();
                self.err(
                    &rules::ENUM,
                    pos,
                    msg!("公开属性 `{bad}` 无效", "`{bad}` is not a valid disclosure"),
                    msg!("取值之一：{choices}", "use one of: {choices}"),
                );
                // An unreadable disclosure must never publish the record.
                Disclosure::Withheld
            }),
        };
        let topics: Vec<Box<[Label]>> = raw
            .topic
            .map(|t| t.value.into_vec())
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.split(['\\', '＼']).map(str::trim).filter(|s| !s.is_empty()).map(label).collect::<Box<[_]>>())
            .filter(|t| !t.is_empty())
            .collect();
        let issuers: Vec<Label> = raw
            .issuer
            .map(|i| i.value.into_vec())
            .unwrap_or_default()
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(label)
            .collect();

        let stated = raw.validity.as_ref().and_then(|v| {
            let pos = self.at(v);
            let state = Statement::parse(&v.value.state);
            if state.is_none() {
                let bad = &v.value.state;
                let choices = Statement::choices();
                self.err(
                    &rules::ENUM,
                    pos,
                    msg!("有效性 `{bad}` 无效", "`{bad}` is not a validity state"),
                    msg!("取值之一：{choices}", "use one of: {choices}"),
                );
            }
            let since = self.date_at("validity.since", &v.value.since, pos);
            // Whether `basis` names a record or cites an outside document is decided with the
            // whole corpus at hand (see `StatedValidity::basis_id`).
            let basis = v
                .value
                .basis
                .as_deref()
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(|b| Ref { id: b.to_string(), pos });
            Some(StatedValidity { state: state?, since: since?, basis, note: v.value.note.clone(), pos })
        });
        let review = raw.review.as_ref().and_then(|r| {
            let pos = self.at(r);
            let on = self.date_at("review.on", &r.value.on, pos)?;
            Some(Review { by: label(r.value.by.trim()), on, result: label(r.value.result.trim()) })
        });
        let amends = self.relations("amends", raw.amends);
        let repeals = self.relations("repeals", raw.repeals);
        let interprets = raw.interprets.as_ref().map(|s| {
            let pos = self.at(s);
            self.reference("interprets", &s.value, pos)
        });
        let final_doc = raw.final_doc.as_ref().map(|s| {
            let pos = self.at(s);
            self.reference("final", &s.value, pos)
        });
        let corrects = match raw.corrects {
            Some(c) => {
                let pos = self.at(&c);
                c.value.into_vec().iter().map(|id| self.reference("corrects", id, pos)).collect()
            }
            None => Vec::new(),
        };
        let comment = raw.comment.as_ref().and_then(|c| {
            let pos = self.at(c);
            let opens = self.date_at("comment.opens", &c.value.opens, pos);
            let closes = self.date_at("comment.closes", &c.value.closes, pos);
            let adoption = c.value.adoption.as_deref().map(|a| self.reference("comment.adoption", a, pos));
            Some(Comment { opens: opens?, closes: closes?, channel: c.value.channel.clone(), adoption, pos })
        });
        let attachments = raw
            .attachments
            .unwrap_or_default()
            .into_iter()
            .map(|a| {
                let pos = self.at(&a);
                let title = a.value.title.unwrap_or_else(|| a.value.file.clone());
                Attachment { file: a.value.file.trim().to_string(), title, pos }
            })
            .collect();

        let issue = if kind == Some(Kind::Gazette) {
            let need = |p: &mut Self, key: &str| {
                missing(
                    p,
                    key,
                    msg!(
                        "公报期需要 year、number、published 和 sections",
                        "a gazette issue needs year, number, published and sections"
                    ),
                )
            };
            let year = raw.year.as_ref().map(|y| y.value);
            let number = raw.number.as_ref().map(|n| n.value);
            if year.is_none() {
                need(self, "year");
            }
            if number.is_none() {
                need(self, "number");
            }
            if raw.sections.is_none() {
                need(self, "sections");
            }
            for (key, v) in [("year", &raw.year), ("number", &raw.number), ("total_number", &raw.total_number)] {
                if let Some(v) = v {
                    let ok =
                        if key == "year" { (1900..=2999).contains(&v.value) } else { (1..=100_000).contains(&v.value) };
                    if !ok {
                        let pos = self.at(v);
                        let n = v.value;
                        self.err(
                            &rules::GAZETTE,
                            pos,
                            msg!("{key} 的值 {n} 不合理", "{key} {n} is out of range"),
                            msg!(
                                "year 是四位年份，number 与 total_number 是正整数",
                                "year is a four-digit year; number and total_number are positive whole numbers"
                            ),
                        );
                    }
                }
            }
            let sections = raw
                .sections
                .unwrap_or_default()
                .into_iter()
                .map(|s| Section {
                    title: s.title,
                    items: s
                        .items
                        .into_iter()
                        .map(|i| {
                            let pos = self.at(&i);
                            Item { doc: self.reference("sections.items.doc", &i.value.doc, pos), page: i.value.page }
                        })
                        .collect(),
                })
                .collect();
            let pdf = raw.pdf.as_ref().map(|p| Attachment {
                file: p.value.trim().to_string(),
                title: "PDF".into(),
                pos: self.at(p),
            });
            // A value out of range is an error above; clamped, it would be another issue's (issue
            // 1) and bring clashes that are not there.
            match (year.filter(|y| (1900..=2999).contains(y)), number.filter(|n| (1..=100_000).contains(n))) {
                (Some(y), Some(n)) => Some(Issue {
                    year: y.clamp(1900, 2999) as i32,
                    number: n.clamp(1, 100_000) as u32,
                    total_number: raw.total_number.map(|t| t.value.clamp(1, 100_000) as u32),
                    pdf,
                    sections,
                }),
                _ => None,
            }
        } else {
            for key in ["year", "number", "total_number", "pdf", "sections"] {
                if let Some(&pos) = key_pos.get(key) {
                    self.err(
                        &rules::KIND_KEY,
                        pos,
                        msg!(
                            "`{key}` 只用于公报期（kind: gazette）",
                            "`{key}` belongs to gazette issues (kind: gazette) only"
                        ),
                        msg!("删除该字段，或把 kind 改为 gazette", "remove the key, or make the record kind: gazette"),
                    );
                }
            }
            None
        };
        let only_for = [
            ("interprets", Kind::Interpretation),
            ("final", Kind::Draft),
            ("comment", Kind::Draft),
            ("corrects", Kind::Notice),
            ("catalog", Kind::Catalog),
        ];
        for (key, k) in only_for {
            if let (Some(&pos), Some(kind)) = (key_pos.get(key), kind)
                && kind != k
            {
                let (zh, en) = (k.zh(), k.id());
                self.err(
                    &rules::KIND_KEY,
                    pos,
                    msg!("`{key}` 只用于{zh}（kind: {en}）", "`{key}` belongs to records of kind {en} only"),
                    msg!("删除该字段，或把 kind 改为 {en}", "remove the key, or make the record kind: {en}"),
                );
            }
        }
        // A language tag as BCP 47 spells one (`zh-CN`, `zh-Hant-HK`, `en`): it goes into the
        // page's `lang` and the open data's `inLanguage` as written.
        let lang = raw.lang.and_then(|l| {
            if well_formed_language(&l.value) {
                return Some(l.value);
            }
            let (pos, bad) = (self.at(&l), &l.value);
            self.err(
                &rules::ENUM,
                pos,
                msg!("语言 lang 的值 `{bad}` 不是语言标记", "`{bad}` is not a language tag"),
                msg!(
                    "写成 BCP 47 语言标记，如 zh-CN、zh-Hant、en；正文用站点语言时删除这一行",
                    "write a BCP 47 language tag such as zh-CN, zh-Hant or en; remove the line when the text is in the site's language"
                ),
            );
            None
        });
        let mut body = markdown::render(&src.text, body_at, &src.text[body_at..], false);
        // Every value of the front matter can reach a page, the open data or a feed (keywords,
        // a draft's channel for comments, attachment titles, notes): personal data in any of
        // them counts as in the text. Comment lines are never published.
        let yaml_at = yaml.as_ptr() as usize - src.text.as_ptr() as usize;
        let mut front = Vec::new();
        let mut line_at = yaml_at;
        for line in yaml.split_inclusive('\n') {
            if !line.trim_start().starts_with('#') {
                for f in crate::model::personal::find(line) {
                    front.push((Pos::of_offset(&src.text, line_at + f.at), f));
                }
            }
            line_at += line.len();
        }
        // A value over several lines (a block or folded scalar, a quoted one broken across lines)
        // or written with escapes is read as YAML reads it; what the lines showed is not
        // reported twice.
        let values = match lines_may_hide_numbers(yaml) {
            true => serde_saphyr::from_str_with_options::<Scalars>(yaml, yaml_options()).map_or(Vec::new(), |s| s.0),
            false => Vec::new(),
        };
        for (value, at) in values {
            // An escape can write what the file may not hold: a control character (`"\u001b"`).
            if let Some(c) = value.chars().find(|c| crate::source::shows_nothing(*c)) {
                let at = at.unwrap_or(Pos::new(1, 1));
                self.err(
                    &rules::YAML,
                    Pos { line: at.line + self.line0 - 1, ..at },
                    msg!(
                        "YAML 元数据有误：这个值用转义写出了不可见的字符 U+{:04X}（控制字符或非字符），它会让网页和订阅源无效",
                        "invalid YAML metadata: an escape in this value writes the invisible character U+{:04X} (a control character or noncharacter), which would make pages and feeds invalid",
                        c as u32,
                        c as u32
                    ),
                    msg!("删除这个转义", "remove the escape"),
                );
                continue;
            }
            // White space is one space on a page.
            let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
            for f in crate::model::personal::find(&value) {
                if !front.iter().any(|(_, g): &(Pos, crate::model::personal::Found)| g.same_number(&f)) {
                    let at = at.unwrap_or(Pos::new(1, 1));
                    front.push((Pos { line: at.line + self.line0 - 1, ..at }, f));
                }
            }
        }
        if !front.is_empty() {
            front.append(&mut body.personal);
            body.personal = front;
        }
        // A record is kept for the whole build: pages take their headings and description from
        // their own rendering of the text, and feeds and the catalogue make the excerpts they
        // show (`Renderer::excerpt`), so the scan's are let go here (at a national scale the
        // excerpts alone were 70 MB).
        let body = Scan::of(body);

        let kind = kind?;
        let published = published?;
        let title = title.unwrap_or_else(|| match &issue {
            Some(i) => format!("{} {}年第{}期", cfg.site.gazette_name, i.year, i.number).trim().to_string(),
            None => String::new(),
        });
        Some(Record {
            id,
            file: src.file.clone(),
            dir: src.dir.clone(),
            sha256: src.sha256.clone(),
            kind,
            title,
            doc_number,
            index_no,
            registration_no: registration_no.map(String::into_boxed_str),
            issuers: issuers.into(),
            genre,
            topics: topics.into(),
            keywords: raw.keywords.unwrap_or_default().iter().map(|k| label(k)).collect(),
            signed,
            published,
            effective: effective.unwrap_or(published),
            expires,
            stated: stated.map(Box::new),
            disclosure,
            disclosure_reason: raw.disclosure_reason.map(String::into_boxed_str),
            review,
            amends: amends.into(),
            repeals: repeals.into(),
            interprets: interprets.map(Box::new),
            final_doc: final_doc.map(Box::new),
            corrects: corrects.into(),
            comment: comment.map(Box::new),
            attachments,
            catalog: raw.catalog.map(Box::new),
            lang: lang.map(String::into_boxed_str),
            issue: issue.map(Box::new),
            extra: (!extra.is_empty()).then(|| Box::new(extra)),
            key_pos: KeyPositions::of(&key_pos),
            body,
            body_at,
        })
    }
}

/// Whether a text says anything about disclosure (key or value, in English or Chinese).
fn mentions_disclosure(text: &str) -> bool {
    let lower = text.to_lowercase();
    ["disclos", "withheld", "on_request", "不予公开", "依申请公开", "公开属性"].iter().any(|w| lower.contains(w))
}

/// Whether a written basis is meant as a record id: it is one when a record has that id, and
/// it is taken for one (so that a typo is reported) when it has the plain ASCII shape ids have.
/// Anything else cites a document outside the corpus.
pub(crate) fn basis_is_id(written: &str, exists: bool) -> bool {
    exists || written.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'.'))
}

/// Why `id` cannot be an id, or `None` when it can. Ids become folder names and URLs, so they
/// may not climb out of their folder, start with a dot, or hold characters that need escaping.
pub(crate) fn bad_id(id: &str) -> Option<Msg> {
    if id.is_empty() {
        return Some(msg!("为空", "it is empty"));
    }
    for seg in id.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." {
            return Some(msg!("含有空段、`.` 或 `..`", "it has an empty, `.` or `..` segment"));
        }
        if seg.starts_with('.') {
            return Some(msg!("某段以 `.` 开头", "a segment starts with `.`"));
        }
    }
    if let Some(c) = id.chars().find(|c| {
        !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.') || (!c.is_ascii() && c.is_alphanumeric()))
    }) {
        return Some(msg!("含有不允许的字符 `{c}`", "it contains the character `{c}`, which is not allowed"));
    }
    None
}

fn id_help() -> Msg {
    msg!(
        "id 由字母、数字、连字符、下划线组成，可用 `/` 分段，不能含 `..`",
        "an id is letters, digits, hyphens and underscores, in segments separated by `/`, without `..`"
    )
}

/// The standard key closest to a misspelt one, when it is close enough to be a likely typo.
/// The index number an editor most likely meant by `v`, when a usual slip explains why it does
/// not match the site's pattern `re`: full-width digits or separators, spaces, a serial without
/// its leading zeros (padded to five digits, the usual width).
fn index_no_guess(v: &str, re: &regex_lite::Regex) -> Option<String> {
    let ascii: String = v
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '／' => '/',
            '－' | '—' | '–' | '‐' | '一' => '-',
            _ => c,
        })
        .collect();
    let mut candidates = vec![ascii.clone()];
    if let Some((head, serial)) = ascii.rsplit_once('-')
        && !serial.is_empty()
        && serial.len() < 5
        && serial.bytes().all(|b| b.is_ascii_digit())
    {
        candidates.push(format!("{head}-{serial:0>5}"));
    }
    candidates.into_iter().find(|c| c != v && re.is_match(c))
}

fn nearest_key(k: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|c| (crate::model::edit_distance(k, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_spelled_as_bcp_47() {
        for good in ["zh", "zh-CN", "zh-Hant", "zh-Hant-HK", "en", "bo", "ug-Arab-CN", "yue", "x-private", "de-CH-1996"]
        {
            assert!(well_formed_language(good), "{good}");
        }
        for bad in [
            "",
            "not a language!",
            "\"><script>",
            "zh_CN",
            "z",
            "x",
            "i",
            "zh-",
            "-zh",
            "zh--CN",
            "中文",
            "zh-toolongsubtag",
            "1zh",
        ] {
            assert!(!well_formed_language(bad), "{bad}");
        }
    }

    fn scanned(yaml: &str) -> Vec<(String, Pos)> {
        let s: KeyScan = serde_saphyr::from_str_with_options(yaml, yaml_options()).expect("valid YAML");
        s.0.into_iter().map(|(k, p, _)| (k, p)).collect()
    }

    #[test]
    fn plain_keys_agree_with_the_parser() {
        let yaml = "id: a-1\ntitle: 关于印发《办法》的通知\n# a comment\nkeywords:\n- 教育\n-\n  医疗\nreview:\n  by: 办公室\n  \"on\": \"2024-01-02\"\n\namends: [b-2,\n  c-3]\ntitle_note_is_not_here: no\n";
        assert_eq!(plain_keys(yaml), None, "an unknown key goes to the parser");
        let yaml = yaml.replace("title_note_is_not_here: no\n", "published: \"2024-01-03\"\r\n");
        let quick = plain_keys(&yaml).expect("plain front matter");
        assert_eq!(quick, scanned(&yaml));
        assert_eq!(
            quick.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["id", "title", "keywords", "review", "amends", "published"]
        );
    }

    #[test]
    fn anything_unusual_goes_to_the_parser() {
        for yaml in [
            "\"id\": a\n",
            "id: a\nid: b\n",
            "{id: a}\n",
            "  id: a\n  kind: x\n",
            "id:a\n",
            "kind: x\n? title\n: y\n",
            "%YAML 1.2\n",
            "keywords: [a,\nb]\n",
            "- a\n",
            "# only a comment\n",
        ] {
            assert_eq!(plain_keys(yaml), None, "{yaml:?}");
        }
    }

    #[test]
    fn yaml_messages_are_given_in_chinese() {
        assert_eq!(yaml_zh("duplicate mapping key: title"), "字段 `title` 写了两次");
        assert_eq!(yaml_zh("missing field `on`"), "缺少字段 `on`");
        assert_eq!(
            yaml_zh("unknown field `extra`, expected one of by, on, result"),
            "未知字段 `extra`，可用的是 by, on, result"
        );
        assert_eq!(yaml_zh("unclosed bracket '['"), "方括号或花括号没有闭合");
        assert_eq!(yaml_zh("while scanning a plain scalar, found a tab"), "有制表符（Tab）：YAML 只能用空格缩进");
        assert_eq!(yaml_zh("something new"), "解析器报告：something new");
        // Each says what to do about its own trouble.
        let zh = |en: &str| yaml_help(en).get(crate::model::lang::Lang::ZhHans).to_string();
        assert!(zh("duplicate mapping key: title").contains("只保留一个 `title`"));
        assert!(zh("found a tab character").contains("空格"));
        assert!(!zh("unknown field `table`, expected one of `file`, `title`").contains("制表符"));
        assert!(zh("alias budget breached").contains("锚点"));
        assert!(zh("invalid u32").contains("整数"));
        assert!(zh("mapping values are not allowed").contains("缩进"));
        assert_eq!(
            yaml_zh("recursive references require weak recursion types"),
            "别名（`*名称`）引用了包含它自己的值：去掉这个别名，把值直接写出来"
        );
        assert_eq!(
            crate::model::diag::serde_zh("invalid value: integer `-5`, expected usize").unwrap(),
            "值无效：写的是 整数 `-5`，应是不小于零的整数"
        );
        assert_eq!(
            crate::model::diag::serde_zh("invalid type: sequence, expected a string").unwrap(),
            "类型不对：写的是 列表，应是文字（加引号）"
        );
        assert_eq!(crate::model::diag::serde_zh("duplicate key `name`").unwrap(), "字段 `name` 写了两次");
        // A number beyond any type the reader has: its range, not the reader's type.
        let wide = "invalid type: integer `99999999999999999999` as i128, expected usize";
        assert_eq!(
            crate::model::diag::serde_zh(wide).unwrap(),
            "数值超出范围：写的是 整数 `99999999999999999999`，应是不小于零的整数"
        );
        assert_eq!(crate::model::diag::serde_en(wide), "out of range: integer `99999999999999999999`, expected usize");
        assert_eq!(
            crate::model::diag::serde_zh("invalid type: string \"sitemap\", expected usize").unwrap(),
            "类型不对：写的是 文字 \"sitemap\"，应是不小于零的整数"
        );
        assert_eq!(
            crate::model::diag::serde_zh("unknown variant `x`, expected `a` or `b`").unwrap(),
            "无效的取值 `x`，可用的是 `a` or `b`"
        );
        assert_eq!(crate::model::diag::serde_zh("something else"), None);
        assert!(yaml_zh("tabs disallowed within this context (block indentation)").contains("制表符"));
        assert!(yaml_zh("simple key expected ':'").contains("冒号"));
    }

    #[test]
    fn values_over_several_lines_or_with_escapes_are_read_again() {
        assert!(!lines_may_hide_numbers(
            "title: 甲\ntopic: 教育\\学前教育\npublished: 2024-01-02\nsigned: 2024-01-01\n"
        ));
        assert!(lines_may_hide_numbers("keywords:\n  - >-\n    联系人 138\n    1234 5678\n"));
        assert!(lines_may_hide_numbers("title: \"联系人\n  138\\x31\"\n"));
        assert!(lines_may_hide_numbers("title: \"联系人138\"\nnote: \"x\\u0031\"\n"));
        assert!(lines_may_hide_numbers("x: 0x33649C7E6\n"));
        assert!(!lines_may_hide_numbers("title: 1\n# 2\nkind: x\n"));
        // Quotes are not followed: a double quote inside single ones does not hide an escape.
        assert!(lines_may_hide_numbers("title: '关于\"甲'\nissuer: \"电话\\x3138 1234 5678\"\n"));
        assert!(lines_may_hide_numbers("title: !!binary MTM4MTIzNDU2Nzg=\n"));
        assert!(lines_may_hide_numbers("title: 电话138\r  12345678\n"));
    }

    #[test]
    fn only_a_new_wording_of_the_text_rewords_a_record() {
        let cfg: Config = Config::parse("[site]\nname = \"测试\"\n").expect("settings");
        let read = |front: &str, text: &str| {
            let text = format!("---\nid: a\nkind: normative\ntitle: 甲办法\npublished: 2024-01-02\n{front}---\n{text}");
            let src = Source {
                file: "content/a.md".into(),
                default_id: "a".into(),
                dir: String::new(),
                sha256: crate::source::hex(&<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes())),
                text,
            };
            parse(&src, &cfg).0.expect("a record")
        };
        let old = read("", "第一条 为了规范管理，制定本办法。见[乙](doc:b)。\n");
        assert!(old.rewords(&read("", "第一条 为了加强管理，制定本办法。\n\n新增一段。见[乙](doc:b)。\n")));
        for (why, new) in [
            (
                "a front matter field",
                read("signed: 2024-01-01\n", "第一条 为了规范管理，制定本办法。见[乙](doc:b)。\n"),
            ),
            ("a link's target", read("", "第一条 为了规范管理，制定本办法。见[丙](doc:c)。\n")),
            ("a link fewer", read("", "第一条 为了规范管理，制定本办法。\n")),
            ("a file linked", read("", "第一条 见[乙](doc:b)和[附件](fujian.pdf)。\n")),
            ("no text at all", read("", "")),
            ("personal data", read("", "第一条 联系人手机13812345678。见[乙](doc:b)。\n")),
            ("raw HTML that runs script", read("", "见[乙](doc:b)。\n\n<img src=x onerror=alert(1)>\n")),
            ("a comment left open", read("", "见[乙](doc:b)。\n\n<!-- 备注\n\n第二段。\n")),
        ] {
            assert!(!old.rewords(&new), "{why} is more than a new wording");
            assert!(!old.redescribes(&new), "{why} is more than a new wording, title or keywords");
        }
        // A new title or new keywords, with or without a new wording, redescribe the record; they
        // do not reword it.
        let retitled = |text: &str| {
            let mut r = read("", text);
            r.title = "甲管理办法".into();
            r
        };
        let same_text = "第一条 为了规范管理，制定本办法。见[乙](doc:b)。\n";
        assert!(!old.rewords(&retitled(same_text)) && old.redescribes(&retitled(same_text)));
        assert!(old.redescribes(&retitled("第一条 新的措辞。见[乙](doc:b)。\n")));
        let (before, after) = (read("keywords: [教育]\n", same_text), read("keywords: [教育, 管理]\n", same_text));
        assert!(!before.rewords(&after) && before.redescribes(&after));
        // A key added (keywords where there were none) changes where keys are written: taken as
        // any other edit.
        assert!(!old.redescribes(&after));
        assert!(!old.redescribes(&retitled("第一条 新的措辞。\n")), "a link fewer");
    }
}
#[cfg(test)]
mod size {
    use crate::model::diag::Pos;

    /// A record lives for the whole build, one allocation each (with its `Arc`'s two counts). The
    /// allocator takes 640 bytes for 640 and 768 for 656: at a million records, a few more bytes
    /// in it cost 128 MB. Rare fields are boxed to keep it in the smaller class.
    #[test]
    fn a_record_and_its_counts_fit_in_640_bytes() {
        let held = std::mem::size_of::<super::Record>() + 2 * std::mem::size_of::<usize>();
        assert!(held <= 640, "{held} bytes");
    }

    #[test]
    fn key_positions_keep_line_and_column_in_eight_bytes() {
        let all: std::collections::BTreeMap<String, Pos> = [
            ("title", Pos::new(3, 1)),
            ("id", Pos::new(2, 1)),
            ("review", Pos::new(8_388_609, 70_000)),
            ("no-such-key", Pos::new(4, 1)),
        ]
        .into_iter()
        .map(|(k, p)| (k.to_string(), p))
        .collect();
        let k = super::KeyPositions::of(&all);
        assert_eq!(std::mem::size_of_val(&*k.0), 3 * 8);
        assert_eq!(k.get("id"), Some(Pos::new(2, 1)));
        assert_eq!(k.get("title"), Some(Pos::new(3, 1)));
        assert_eq!(k.get("review"), Some(Pos::new(8_388_609, 70_000)));
        assert_eq!(k.get("kind"), None);
        assert_eq!(k.get("no-such-key"), None);
    }
}
