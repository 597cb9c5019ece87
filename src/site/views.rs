//! The theme API: what each template receives as `p` (and every template as `site`), as types.
//!
//! `pages` builds these from the corpus; the renderer hands them to minijinja as they are.
//! The compiler checks the field names, the doc comments say what a template gets, and
//! `book/src/themes.md` lists the same fields (a test below keeps the two in step).
//!
//! Shapes are part of the API: an absent value is `none` (serialised as null), never a missing
//! key, so `{% if p.x %}` and `p.x is none` behave as they always did. Fields are declared in
//! alphabetical order, the order of the maps templates received before these types existed: a
//! theme that loops over a value or prints it with `tojson` sees the same order.

use crate::model::date::Date;
use crate::model::{Kind, State};
use serde::Serialize;
use std::collections::BTreeMap;

/// The site's settings, as `site` in every template.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Site<'a> {
    /// Path part of `base_url` (the prefix of every link), e.g. `/` or `/gongbao/`.
    pub base: &'a str,
    /// `ColumnDescription` and `ColumnKeywords` of single columns, by column name (each with
    /// `description` and `keywords`).
    pub columns: &'a BTreeMap<String, crate::config::ColumnSettings>,
    /// What the site publishes, in a sentence: `Description` of the home page, and
    /// `ColumnDescription` of columns without their own.
    pub description: &'a str,
    /// Host name of `base_url`.
    pub domain: &'a str,
    /// Name of the gazette; the site's name when not set.
    pub gazette_name: &'a str,
    /// 承办单位 for the footer.
    pub host: &'a str,
    /// ICP 备案号 for the footer.
    pub icp: &'a str,
    /// 网站标识码.
    pub id_code: &'a str,
    /// Keywords of the site, as written: `Keywords` of the home page, and `ColumnKeywords` of
    /// columns without their own.
    pub keywords: &'a str,
    /// The kinds (`regulation`, `normative` …) of which a document is public, in the order of
    /// `Kind::ALL`: only these have a list under `browse/kind/`, so the main navigation links
    /// only to them.
    pub kinds: Vec<&'static str>,
    /// Site language, e.g. `zh-CN`.
    pub lang: &'a str,
    /// Site name.
    pub name: &'a str,
    /// 公安备案号 for the footer.
    pub police_record: &'a str,
    /// Its page on the national public-security record site, from the number's digits; `none`
    /// when it has none.
    pub police_record_url: Option<String>,
    /// Address of the publication register (`publications.html`); `none` when it shows nothing.
    pub publications: Option<String>,
    /// 主办单位 for the footer.
    pub sponsor: &'a str,
    /// Address of the archive transfer catalogue (`transfers.html`); `none` when the site has
    /// handed nothing over, and then there is no such page to link to.
    pub transfers: Option<String>,
    /// Offset of the site's time zone from UTC in minutes (`480` for UTC+8), for the script.
    pub tz_minutes: i32,
    /// `base_url`, ending in `/`.
    pub url: &'a str,
}

/// The `p` of one page: one variant per template. Serialised as the page itself.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Page<'a> {
    /// `index.html`.
    Home(HomePage<'a>),
    /// `doc.html`.
    Doc(Box<DocPage<'a>>),
    /// `version.html`.
    Version(Box<VersionPage<'a>>),
    /// `diff.html`.
    Diff(DiffPage<'a>),
    /// `issue.html`.
    Issue(IssuePage<'a>),
    /// `issues.html`.
    Issues(IssuesPage<'a>),
    /// `browse.html`.
    Browse(BrowsePage<'a>),
    /// `list.html`.
    List(ListPage<'a>),
    /// `catalog.html`.
    Catalog(CatalogPage<'a>),
    /// `transfers.html`.
    Transfers(TransfersPage<'a>),
    /// `publications.html`.
    Publications(PublicationsPage<'a>),
    /// `404.html`.
    NotFound(NotFoundPage),
    /// `sitemap.html`.
    SiteMap(SiteMapPage<'a>),
    /// `search.html`.
    Search(SearchPage),
}

impl Page<'_> {
    /// The template that renders this page.
    pub(crate) fn template(&self) -> &'static str {
        match self {
            Page::Home(_) => "index.html",
            Page::Doc(_) => "doc.html",
            Page::Version(_) => "version.html",
            Page::Diff(_) => "diff.html",
            Page::Issue(_) => "issue.html",
            Page::Issues(_) => "issues.html",
            Page::Browse(_) => "browse.html",
            Page::List(_) => "list.html",
            Page::Catalog(_) => "catalog.html",
            Page::Transfers(_) => "transfers.html",
            Page::Publications(_) => "publications.html",
            Page::NotFound(_) => "404.html",
            Page::SiteMap(_) => "sitemap.html",
            Page::Search(_) => "search.html",
        }
    }

    /// Puts a rendered text into a page that shows one (document, issue, version).
    pub(crate) fn set_text(&mut self, body: crate::source::parse::Body) {
        let headings = body.headings.into_iter().map(|h| Heading { id: h.id, level: h.level, text: h.text }).collect();
        let text = (body.html, headings, body.excerpt);
        match self {
            Page::Doc(p) => (p.body, p.headings, p.description) = text,
            Page::Issue(p) => (p.body, p.headings, p.description) = text,
            Page::Version(p) => (p.body, p.headings, p.description) = text,
            _ => {}
        }
    }

    /// Puts a redline into a diff page.
    pub(crate) fn set_redline(&mut self, html: String, stats: crate::site::diff::Stats) {
        if let Page::Diff(p) = self {
            p.html = html;
            p.stats = DiffStats {
                changed: stats.changed,
                deleted: stats.deleted,
                inserted: stats.inserted,
                same: stats.same,
            };
        }
    }
}

/// A document in a list, or the document a version or redline page belongs to (the book's
/// “文件链接”).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DocLink<'a> {
    /// 发文字号, normalised; `none` without one.
    pub doc_number: Option<String>,
    /// 发布机构, by name.
    pub issuers: &'a [crate::model::label::Label],
    /// Record kind (`regulation` …), a key of `t.kind`.
    pub kind: Kind,
    /// 发布日期, `YYYY-MM-DD`.
    pub published: Date,
    /// Validity on the build date (a key of `t.state`) for kinds with legal force; `none` for
    /// others.
    pub state: Option<State>,
    /// For kinds with legal force, the validity timeline as JSON (`effective`, and `changes`
    /// each with `from` and `state`), for the script that recomputes `state` on the reader's
    /// date (`data-timeline`); `none` for others.
    pub timeline: Option<String>,
    /// Title.
    pub title: &'a str,
    /// Address of the document page.
    pub url: String,
}

/// A gazette issue in a list, or the issue a page is about.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct IssueLink<'a> {
    /// Number of the issue in its year.
    pub number: Option<u32>,
    /// Publication date.
    pub published: Date,
    /// Title of the issue record.
    pub title: &'a str,
    /// Running number over all years (总第 N 期), when given.
    pub total_number: Option<u32>,
    /// Address of the issue page.
    pub url: String,
    /// Year of the issue.
    pub year: Option<i32>,
}

/// A document's state from a date on: its current state, or one entry of its timeline.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Change<'a> {
    /// Whether the entry is an amendment of the text (修改) rather than a change of state: the
    /// state stays what it was (`state`), since an amended document is in force as amended.
    /// Always false for the current state.
    pub amendment: bool,
    /// The visible record that caused the change; `none` when the document's own dates did.
    pub basis: Option<Basis<'a>>,
    /// First day of the state, or the day the amendment takes effect.
    pub from: Date,
    /// The note given with the change.
    pub note: Option<String>,
    /// The state (a key of `t.state`).
    pub state: State,
}

/// The record that caused a change of state.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Basis<'a> {
    /// Its title.
    pub title: &'a str,
    /// Address of its page.
    pub url: String,
}

/// A relation between documents with a date: amends, repeals and their reverse.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Relation<'a> {
    /// The other document.
    pub doc: DocLink<'a>,
    /// When the relation takes effect; for amendments and repeals that this document makes,
    /// its own effective date when the record gives none.
    pub effective: Option<Date>,
    /// The note given with the relation.
    pub note: Option<&'a str>,
}

/// The 题注 of an amended text, in brackets under its title as in the national law database:
/// how the document was published, then each amendment that made the text shown
/// (“（2019年5月24日青川市人民政府令第21号公布　根据2021年9月16日《……的决定》修正）”).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Caption<'a> {
    /// The amendments that made the text, oldest first.
    pub amendments: Vec<CaptionAmendment>,
    /// 发文字号 of the document, normalised; `none` without one.
    pub doc_number: Option<String>,
    /// 发布机构, by name.
    pub issuers: &'a [crate::model::label::Label],
    /// Whether the document number names the issuer (an order number such as
    /// `青川市人民政府令第21号`): the 题注 then names the number alone (“……令第21号公布”), else
    /// the issuers and the number (“青川市人民政府以青政发〔2024〕1号公布”).
    pub number_names_issuer: bool,
    /// 发布日期 of the document.
    pub published: Date,
    /// Whether the text was amended more than once, so that the 题注 counts the amendments
    /// (“第一次修正”, “第二次修正”); an amendment that names nothing is counted, not listed.
    pub several: bool,
}

/// One amendment in a 题注.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CaptionAmendment {
    /// 发布日期 of the amending document; `none` for an amendment stated in `validity` whose
    /// basis lies outside the corpus.
    pub date: Option<Date>,
    /// Its place among the amendments, from 1 (“第二次修正”).
    pub n: usize,
    /// The amending document in title marks (`《……的决定》`, inner marks turned into `〈〉`), or
    /// the citation of a document outside the corpus as the record gives it.
    pub title: String,
    /// Address of the amending document's page; `none` outside the corpus.
    pub url: Option<String>,
}

/// A file published with a record.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Attachment<'a> {
    /// Its title (the file name when the record gives none).
    pub title: &'a str,
    /// Its address (absolute in the data files).
    pub url: String,
}

/// A topic of a document, with the browse list of its first one or two levels.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Topic {
    /// Its levels joined with `\`.
    pub label: String,
    /// Address of the browse list; empty when the record is in none (a catalogue entry).
    pub url: String,
}

/// An issuing body, with its browse list.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Issuer<'a> {
    /// Its name.
    pub name: &'a str,
    /// Address of the browse list; empty when the record is in none (a catalogue entry, a
    /// gazette issue).
    pub url: String,
}

/// The gazette issue that printed a document.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Printed<'a> {
    /// Number of the issue in its year.
    pub number: Option<u32>,
    /// Page in the issue, when given.
    pub page: Option<u32>,
    /// Title of the issue.
    pub title: &'a str,
    /// Address of the issue page.
    pub url: String,
    /// Year of the issue.
    pub year: Option<i32>,
}

/// A draft's period for comments.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CommentPeriod<'a> {
    /// How to send comments.
    pub channel: Option<&'a str>,
    /// Last day.
    pub closes: Date,
    /// Whether the build date falls within the period.
    pub open_now: bool,
    /// First day.
    pub opens: Date,
}

/// A commit that touched a record's file.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Revision<'a> {
    /// `added`, `modified`, `renamed` or `deleted` (a key of `t.change`).
    pub change: crate::source::history::Change,
    /// Commit date.
    pub date: Date,
    /// Abbreviated hash.
    pub hash: &'a str,
    /// First line of the message; present only when the site publishes subjects (`[history]
    /// subjects = true`): test it with `is defined`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<&'a str>,
}

impl<'a> Revision<'a> {
    /// A commit as shown.
    pub(crate) fn of(c: &'a crate::source::history::Commit) -> Revision<'a> {
        Revision { change: c.change, date: c.date, hash: &c.hash, subject: c.subject.as_deref() }
    }
}

/// The fields of a 主动公开基本目录 entry.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Catalog<'a> {
    /// 公开依据.
    pub basis: &'a str,
    /// 类别.
    pub category: &'a str,
    /// 公开渠道.
    pub channel: &'a str,
    /// 公开时限.
    pub time_limit: &'a str,
    /// 责任单位.
    pub unit: &'a str,
}

impl<'a> Catalog<'a> {
    /// A record's catalogue fields.
    pub(crate) fn of(f: &'a crate::source::parse::CatalogFields) -> Catalog<'a> {
        Catalog {
            basis: &f.basis,
            category: &f.category,
            channel: &f.channel,
            time_limit: &f.time_limit,
            unit: &f.unit,
        }
    }
}

/// A heading of a text, for a table of contents.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Heading {
    /// Its `id` attribute, the target of `#…`.
    pub id: String,
    /// 1–6.
    pub level: u8,
    /// Its text.
    pub text: String,
}

/// One entry of a list shortened around the shown item: an item, or `{gap}` where items are
/// left out.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Windowed<T> {
    /// An item.
    Item(T),
    /// Items left out.
    Gap {
        /// How many.
        gap: usize,
    },
}

/// One text of a document in the version list (`versions.html`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct VersionLink {
    /// Whether it is the current text (`index.md`).
    pub current: bool,
    /// Date from which it applies.
    pub date: Date,
    /// Address of its redline against the current text; `none` for the last two texts.
    pub diff_latest: Option<String>,
    /// Address of its redline against the text before it; `none` for the first.
    pub diff_prev: Option<String>,
    /// Whether it is the text in force on the build date.
    pub in_force: bool,
    /// Its place among all the texts, from 1 (for `<li value>`).
    pub n: usize,
    /// Whether the page shows this text.
    pub shown: bool,
    /// Whether a later text has taken its place by the build date: it is an amended text
    /// (已被修改, a historical text), which the script tells again on the reader's date from
    /// `until`.
    pub superseded: bool,
    /// Date of the next text; `none` for the last.
    pub until: Option<Date>,
    /// Address of its version page.
    pub url: String,
}

/// Where the full version list is, when a page shows only part of it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct VersionsAll {
    /// Number of texts.
    pub count: usize,
    /// Address of the list on the document page (`…#versions`).
    pub url: String,
}

/// A page of a browse list in the pager.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PageLink {
    /// Whether it is the page shown.
    pub current: bool,
    /// Page number, from 1 for the oldest documents; `none` for the list's own page, the newest.
    pub n: Option<usize>,
    /// Its address.
    pub url: String,
}

/// One entry of a browse list's pager: a page, or `{gap: true}` where pages are left out. How
/// many is not said: the pages far from the newest would change with each page made.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum PagerItem {
    /// A page.
    Page(PageLink),
    /// Pages left out.
    Gap {
        /// Always `true`.
        gap: bool,
    },
}

/// `index.html`: the home page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HomePage<'a> {
    /// The newest documents of each kind that has any (regulations, normative documents,
    /// policies, interpretations, drafts, notices; 6 each).
    pub by_kind: Vec<KindColumn<'a>>,
    /// Always `home`.
    pub column: &'static str,
    /// The 6 newest gazette issues.
    pub issues: Vec<IssueLink<'a>>,
    /// The 12 newest documents (not issues or catalogue entries).
    pub latest: Vec<DocLink<'a>>,
}

/// The newest documents of one kind, on the home page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct KindColumn<'a> {
    /// The documents.
    pub items: Vec<DocLink<'a>>,
    /// The kind (a key of `t.kind`).
    pub kind: Kind,
    /// Address of the kind's browse list.
    pub url: String,
}

/// `doc.html`: a document page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DocPage<'a> {
    /// The adoption report of a draft.
    pub adoption: Option<DocLink<'a>>,
    /// The drafts this document is the adoption report of.
    pub adoption_for: Vec<DocLink<'a>>,
    /// Documents that amend this one.
    pub amended_by: Vec<Relation<'a>>,
    /// Documents this one amends.
    pub amends: Vec<Relation<'a>>,
    /// Attachments published with it.
    pub attachments: Vec<Attachment<'a>>,
    /// The text that applies on the build date, as safe HTML (`| safe`).
    pub body: String,
    /// The 题注 of the text shown, for a document with legal force whose text was amended;
    /// `none` otherwise.
    pub caption: Option<Caption<'a>>,
    /// Its catalogue fields, for a catalogue entry.
    pub catalog: Option<Catalog<'a>>,
    /// The period for comments of a draft.
    pub comment: Option<CommentPeriod<'a>>,
    /// Correction notices (更正) that put this document right.
    pub corrected_by: Vec<DocLink<'a>>,
    /// For a correction notice: the records it puts right (documents or gazette issues).
    pub corrects: Vec<DocLink<'a>>,
    /// The opening sentences of the text, as plain text.
    pub description: String,
    /// 发文字号, normalised.
    pub doc_number: Option<String>,
    /// The adoption reports of the drafts that became this document.
    pub draft_adoptions: Vec<DocLink<'a>>,
    /// Drafts that became this document.
    pub drafts: Vec<DocLink<'a>>,
    /// 施行日期.
    pub effective: Date,
    /// 有效期至.
    pub expires: Option<Date>,
    /// The site's extra keys (`extra_keys`) as the record gives them.
    pub extra: &'a BTreeMap<String, serde_json::Value>,
    /// The document a draft became.
    #[serde(rename = "final")]
    pub final_doc: Option<DocLink<'a>>,
    /// 文种, in Chinese.
    pub genre: Option<&'static str>,
    /// Headings of the text.
    pub headings: Vec<Heading>,
    /// Commits that touched the record, newest first; `none` outside a git repository.
    pub history: Option<Vec<Revision<'a>>>,
    /// The record's id.
    pub id: &'a str,
    /// 索引号.
    pub index_no: Option<&'a str>,
    /// Interpretations of this document.
    pub interpretations: Vec<DocLink<'a>>,
    /// The document an interpretation explains.
    pub interprets: Option<DocLink<'a>>,
    /// 发布机构.
    pub issuers: Vec<Issuer<'a>>,
    /// The schema.org description, JSON with `<` escaped (`| safe`).
    pub jsonld: String,
    /// 关键词.
    pub keywords: &'a [crate::model::label::Label],
    /// Record kind (a key of `t.kind`).
    pub kind: Kind,
    /// Language of the text when the record gives one.
    pub lang: Option<&'a str>,
    /// Whether the kind has legal force, so that validity is shown.
    pub legal: bool,
    /// The gazette issue that printed it.
    pub printed: Option<Printed<'a>>,
    /// 发布日期 as `YYYY-MM-DD HH:MM`, for `PubDate`: the time is that of its first entry in
    /// the publication register, in the site's time zone, when that entry was made on the day of
    /// publication; `00:00` otherwise.
    pub pubdate: String,
    /// 发布日期.
    pub published: Date,
    /// 统一编号 of a normative document.
    pub registration_no: Option<&'a str>,
    /// Documents that repeal this one.
    pub repealed_by: Vec<Relation<'a>>,
    /// Documents this one repeals.
    pub repeals: Vec<Relation<'a>>,
    /// SHA-256 of the record's source file.
    pub sha256: &'a str,
    /// 成文日期.
    pub signed: Option<Date>,
    /// Validity on the build date.
    pub state: Change<'a>,
    /// Address of `text.md`: the text shown here as Markdown, with a front matter of public
    /// fields, for archives and readers who take the text away.
    pub text_md: String,
    /// Every change of validity, oldest first.
    pub timeline: Vec<Change<'a>>,
    /// The timeline for the script, JSON: `{changes: [{from, state}], effective}`.
    pub timeline_json: String,
    /// Title.
    pub title: &'a str,
    /// 主题分类.
    pub topics: Vec<Topic>,
    /// Every text of the document, oldest first (empty without versions).
    pub versions: Vec<Windowed<VersionLink>>,
}

/// The metadata panel of a document (`m.meta_panel` in `macros.html`) as its version pages show
/// it; the document page passes itself, having the same fields.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MetaPanel<'a> {
    /// 发文字号, normalised.
    pub doc_number: Option<String>,
    /// 施行日期.
    pub effective: Date,
    /// 有效期至.
    pub expires: Option<Date>,
    /// 文种, in Chinese.
    pub genre: Option<&'static str>,
    /// 索引号.
    pub index_no: Option<&'a str>,
    /// 发布机构.
    pub issuers: Vec<Issuer<'a>>,
    /// 关键词.
    pub keywords: &'a [crate::model::label::Label],
    /// Whether the kind has legal force, so that validity is shown.
    pub legal: bool,
    /// 发布日期.
    pub published: Date,
    /// 统一编号 of a normative document.
    pub registration_no: Option<&'a str>,
    /// 成文日期.
    pub signed: Option<Date>,
    /// The document's validity on the build date.
    pub state: Change<'a>,
    /// The timeline for the script, JSON (as on the document page).
    pub timeline_json: String,
    /// Title.
    pub title: &'a str,
    /// 主题分类.
    pub topics: Vec<Topic>,
}

/// `version.html`: a document's text as it stood from one date.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct VersionPage<'a> {
    /// The text, as safe HTML (`| safe`).
    pub body: String,
    /// The 题注 of this text, when amendments made it (see `DocPage`); `none` for a text as
    /// first published.
    pub caption: Option<Caption<'a>>,
    /// Whether it is the current text (`index.md`).
    pub current: bool,
    /// Date from which it applies.
    pub date: Date,
    /// Its opening sentences, as plain text.
    pub description: String,
    /// The document.
    pub doc: DocLink<'a>,
    /// 发文字号, normalised.
    pub doc_number: Option<String>,
    /// Headings of the text.
    pub headings: Vec<Heading>,
    /// The record's id.
    pub id: &'a str,
    /// Record kind.
    pub kind: Kind,
    /// The document's metadata panel.
    pub meta: MetaPanel<'a>,
    /// Whether a later text has taken its place by the build date (已被修改).
    pub superseded: bool,
    /// Date of the next text; `none` for the last.
    pub until: Option<Date>,
    /// The texts around this one (see `WINDOW`).
    pub versions: Vec<Windowed<VersionLink>>,
    /// Where the full list is, when `versions` leaves texts out; `none` otherwise.
    pub versions_all: Option<VersionsAll>,
}

/// `diff.html`: the redline between two texts of a document.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DiffPage<'a> {
    /// The document.
    pub doc: DocLink<'a>,
    /// Date of the older text.
    pub from: Date,
    /// Address of the older text's page.
    pub from_url: String,
    /// The redline, as safe HTML (`| safe`): paragraphs of class `same`, `changed`, `deleted`,
    /// `inserted`.
    pub html: String,
    /// Record kind.
    pub kind: Kind,
    /// Paragraph counts.
    pub stats: DiffStats,
    /// Date of the newer text.
    pub to: Date,
    /// Address of the newer text's page.
    pub to_url: String,
    /// The texts around the two compared (see `WINDOW`).
    pub versions: Vec<Windowed<VersionLink>>,
    /// Where the full list is, when `versions` leaves texts out; `none` otherwise.
    pub versions_all: Option<VersionsAll>,
}

/// Paragraph counts of a redline.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct DiffStats {
    /// Paragraphs changed inside.
    pub changed: usize,
    /// Paragraphs only in the older text.
    pub deleted: usize,
    /// Paragraphs only in the newer text.
    pub inserted: usize,
    /// Paragraphs that stayed.
    pub same: usize,
}

/// `issue.html`: a gazette issue.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct IssuePage<'a> {
    /// The issue record's own text, as safe HTML (`| safe`).
    pub body: String,
    /// Correction notices (更正) that put the issue itself right (`corrects` naming the issue),
    /// oldest first.
    pub corrected_by: Vec<DocLink<'a>>,
    /// Its opening sentences, as plain text.
    pub description: String,
    /// Headings of the text.
    pub headings: Vec<Heading>,
    /// The issue.
    pub issue: IssueLink<'a>,
    /// The schema.org description, JSON with `<` escaped (`| safe`).
    pub jsonld: String,
    /// The next newer issue.
    pub newer: Option<IssueLink<'a>>,
    /// The next older issue.
    pub older: Option<IssueLink<'a>>,
    /// Address of the print edition, when published.
    pub pdf: Option<String>,
    /// 发布日期 as `YYYY-MM-DD HH:MM`, for `PubDate` (see `DocPage`).
    pub pubdate: String,
    /// The table of contents.
    pub sections: Vec<IssueSection<'a>>,
    /// SHA-256 of the issue record's source file.
    pub sha256: &'a str,
    /// Address of `text.md`: the issue record's text as Markdown (see `DocPage`).
    pub text_md: String,
}

/// A section of an issue's table of contents.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct IssueSection<'a> {
    /// Its documents (those that are published).
    pub items: Vec<IssueItem<'a>>,
    /// Its title.
    pub title: &'a str,
}

/// A document in an issue's table of contents.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct IssueItem<'a> {
    /// Correction notices (更正) that put the document right.
    pub corrections: Vec<DocLink<'a>>,
    /// The document.
    pub doc: DocLink<'a>,
    /// Its first page in the issue.
    pub page: Option<u32>,
}

/// `issues.html`: every gazette issue.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct IssuesPage<'a> {
    /// The issues by year, newest year first.
    pub years: Vec<IssueYear<'a>>,
}

/// The issues of one year.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct IssueYear<'a> {
    /// The issues, newest first.
    pub issues: Vec<IssueLink<'a>>,
    /// The year.
    pub year: i32,
}

/// `browse.html`: the browse facets.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BrowsePage<'a> {
    /// Year, kind, validity, issuer and first-level topic, in that order (those with values).
    pub facets: Vec<Facet<'a>>,
}

/// One browse facet and its values.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Facet<'a> {
    /// `year`, `kind`, `validity`, `issuer` or `topic` (a key of `t.facet`).
    pub facet: &'static str,
    /// Its values: years newest first, others in order of their labels.
    pub values: Vec<FacetValue<'a>>,
}

/// One value of a browse facet.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FacetValue<'a> {
    /// Number of documents.
    pub count: usize,
    /// The value: a year, a kind or state id, an issuer's name, a topic.
    pub label: &'a str,
    /// Address of its list.
    pub url: String,
}

/// `list.html`: one page of a browse list. Pages are counted from the oldest documents, so a
/// page shows the same ones however many come after them; the list's own page shows the newest.
/// Only that page says how many documents the list has: the others stay as the list grows.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ListPage<'a> {
    /// The facet (a key of `t.facet`).
    pub facet: &'static str,
    /// The first and the last document shown, counted from the oldest of the list, from 1.
    pub from: usize,
    /// The documents on this page, newest first.
    pub items: Vec<DocLink<'a>>,
    /// The value: a year, a kind or state id, an issuer's name, a topic (`一级\二级`).
    pub label: String,
    /// The pager, newest first: the list's own page, page 1 and 3 pages either side of this one,
    /// with gaps; empty when the list has one page.
    pub nav: Vec<PagerItem>,
    /// Address of the page with the next older documents; `none` on page 1.
    pub next: Option<String>,
    /// This page's number; `none` on the list's own page.
    pub page: Option<usize>,
    /// Address of the page with the next newer documents; `none` on the list's own page.
    pub prev: Option<String>,
    /// See `from`.
    pub to: usize,
    /// Number of documents in the list, on the list's own page; `none` on the others.
    pub total: Option<usize>,
}

/// `publications.html`: the publication register (信息发布登记), one row per publication of a
/// record that is public now.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PublicationsPage<'a> {
    /// Address of the same table as CSV (`data/publications.csv`).
    pub csv: String,
    /// The newest publications (at most [`crate::site::PUBLICATIONS_SHOWN`]), in the register's
    /// order (by number, oldest first); the CSV holds every one.
    pub items: Vec<PublicationItem<'a>>,
    /// How many publications the register shows in all.
    pub total: usize,
}

/// One publication: what was published, by whom, when and where.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PublicationItem<'a> {
    /// `new` (首次发布) or `changed` (更新); the UI string is `t.ui["publication_" ~ change]`.
    pub change: &'a str,
    /// Short hash of the commit that published it; `none` outside git.
    pub commit: Option<&'a str>,
    /// Time of that commit, `YYYY-MM-DDTHH:MM:SS±HH:MM`; `none` outside git.
    pub committed: Option<&'a str>,
    /// Document number; `none` when the record has none.
    pub doc_number: Option<&'a str>,
    /// Issuing organs.
    pub issuer: &'a str,
    /// Sequence number in the register.
    pub number: u32,
    /// The record's publication date, `YYYY-MM-DD`.
    pub published: &'a str,
    /// Author of that commit (发布人); `none` outside git.
    pub publisher: Option<&'a str>,
    /// Secrecy reviewer (审查人); `none` when the record names none.
    pub reviewer: Option<&'a str>,
    /// SHA-256 of the record's file as published.
    pub sha256: &'a str,
    /// Title.
    pub title: &'a str,
    /// The channel: the document page's address.
    pub url: &'a str,
}

/// `transfers.html`: the archive transfer catalogue (移交档案馆目录), one row per entry of the
/// transfer register.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TransfersPage<'a> {
    /// Address of the same table as CSV (`data/transfers.csv`).
    pub csv: String,
    /// The transfers, in the register's order (by number, oldest first).
    pub items: Vec<TransferItem<'a>>,
}

/// One package handed over, as the public sees it: counts and checksums, never the ids of the
/// documents it held (one may have been withheld since).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TransferItem<'a> {
    /// Who received it: `archive` (档案馆), `library` (图书馆) or `warc` (网页归档); the UI
    /// string is `t.ui["transfer_" ~ audience]`.
    pub audience: &'a str,
    /// Size of the package in bytes.
    pub bytes: u64,
    /// 移交日期: the day the package was made, `YYYY-MM-DD`.
    pub date: &'a str,
    /// Number of documents in the package; `none` for a web archive, whose count of site files
    /// the register does not keep.
    pub files: Option<usize>,
    /// First publication day covered (for a web archive, the build date of the site).
    pub from: &'a str,
    /// 序号: its number in the register, from 1.
    pub number: u32,
    /// File name of the package (zip or WARC).
    pub package: &'a str,
    /// SHA-256 of the package, 64 hexadecimal digits.
    pub sha256: &'a str,
    /// The size for people, e.g. `1.2 MB` (powers of 1000).
    pub size: String,
    /// Last publication day covered.
    pub to: &'a str,
}

/// `catalog.html`: the 主动公开基本目录.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CatalogPage<'a> {
    /// The entries, newest first.
    pub items: Vec<CatalogItem<'a>>,
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CatalogItem<'a> {
    /// The opening sentences of its text, as plain text.
    pub description: String,
    /// The entry.
    pub doc: DocLink<'a>,
    /// Its catalogue fields.
    pub fields: Option<Catalog<'a>>,
}

/// `404.html`: nothing.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NotFoundPage {}

/// `sitemap.html`: the site map for readers (网站地图), every column and browse list.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SiteMapPage<'a> {
    /// The browse facets, as on `browse.html`.
    pub facets: Vec<Facet<'a>>,
}

/// `search/index.html`: the search page; the results are made in the browser from the index
/// under `search/`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SearchPage {
    /// Address of the index folder (`meta.json`, shards), ending in `/`.
    pub index: String,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use minijinja::value::{Value, ValueKind};
    use std::collections::{BTreeSet, HashMap};

    /// Checks that every map in `v` lists its keys in alphabetical order.
    pub(crate) fn assert_sorted(v: &Value, path: &str) {
        match v.kind() {
            ValueKind::Map => {
                let keys: Vec<String> = v.try_iter().unwrap().map(|k| k.to_string()).collect();
                let mut sorted = keys.clone();
                sorted.sort();
                assert_eq!(keys, sorted, "keys of {path} out of alphabetical order");
                for k in keys {
                    assert_sorted(&v.get_attr(&k).unwrap(), &format!("{path}.{k}"));
                }
            }
            ValueKind::Seq => v.try_iter().unwrap().for_each(|x| assert_sorted(&x, &format!("{path}[]"))),
            _ => {}
        }
    }

    fn leak<T>(v: T) -> &'static T {
        Box::leak(Box::new(v))
    }

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn meta_panel() -> MetaPanel<'static> {
        MetaPanel {
            doc_number: Some("青政规〔2024〕1号".into()),
            effective: date("2024-02-01"),
            expires: Some(date("2029-02-01")),
            genre: Some("通知"),
            index_no: Some("000000000/2024-00001"),
            issuers: vec![Issuer { name: "政府", url: "/browse/issuer/x/".into() }],
            keywords: leak(vec!["住房".into()]),
            legal: true,
            published: date("2024-01-02"),
            registration_no: Some("QCSP01-2024-0001"),
            signed: Some(date("2024-01-01")),
            state: change(),
            timeline_json: "{}".into(),
            title: "办法",
            topics: vec![Topic { label: "城乡建设\\住房".into(), url: "/browse/topic/x/".into() }],
        }
    }

    fn doc_link() -> DocLink<'static> {
        DocLink {
            doc_number: Some("青政规〔2024〕1号".into()),
            issuers: leak(vec!["青川市人民政府".into()]),
            kind: Kind::Normative,
            published: date("2024-01-02"),
            state: Some(State::InForce),
            timeline: Some(r#"{"changes":[],"effective":"2024-02-01"}"#.into()),
            title: "管理办法",
            url: "/docs/a/".into(),
        }
    }

    fn issue_link() -> IssueLink<'static> {
        IssueLink {
            number: Some(3),
            published: date("2024-03-01"),
            title: "2024年第3期",
            total_number: Some(101),
            url: "/gazette/2024/3/".into(),
            year: Some(2024),
        }
    }

    fn change() -> Change<'static> {
        Change {
            amendment: true,
            basis: Some(Basis { title: "决定", url: "/docs/b/".into() }),
            from: date("2024-02-01"),
            note: Some("部分条款".into()),
            state: State::InForce,
        }
    }

    fn caption() -> Caption<'static> {
        Caption {
            amendments: vec![CaptionAmendment {
                date: Some(date("2025-01-01")),
                n: 1,
                title: "《关于修改〈管理办法〉的决定》".into(),
                url: Some("/docs/b/".into()),
            }],
            doc_number: Some("青川市人民政府令第1号".into()),
            issuers: leak(vec!["青川市人民政府".into()]),
            number_names_issuer: true,
            published: date("2024-01-02"),
            several: true,
        }
    }

    fn relation() -> Relation<'static> {
        Relation { doc: doc_link(), effective: Some(date("2024-02-01")), note: Some("第三条") }
    }

    fn revision() -> Revision<'static> {
        Revision {
            change: crate::source::history::Change::Modified,
            date: date("2024-01-05"),
            hash: "abc1234",
            subject: Some("改"),
        }
    }

    fn catalog() -> Catalog<'static> {
        Catalog {
            basis: "条例", category: "机构职能", channel: "网站", time_limit: "20 日", unit: "办公厅"
        }
    }

    fn heading() -> Heading {
        Heading { id: "h1".into(), level: 2, text: "第一章".into() }
    }

    fn versions() -> Vec<Windowed<VersionLink>> {
        let v = VersionLink {
            current: true,
            date: date("2024-01-01"),
            diff_latest: Some("/docs/a/diff/x/".into()),
            diff_prev: Some("/docs/a/diff/y/".into()),
            in_force: true,
            n: 2,
            shown: true,
            superseded: true,
            until: Some(date("2025-01-01")),
            url: "/docs/a/2024-01-01/".into(),
        };
        vec![Windowed::Item(v), Windowed::Gap { gap: 4 }]
    }

    fn versions_all() -> Option<VersionsAll> {
        Some(VersionsAll { count: 9, url: "/docs/a/#versions".into() })
    }

    /// Every view with each optional value present and each list non-empty, by type name.
    fn samples() -> Vec<(&'static str, Value, Option<&'static str>)> {
        let page = |p: Page<'static>| {
            let t = p.template();
            (Value::from_serialize(&p), Some(t))
        };
        let site = Site {
            base: "/",
            columns: leak(BTreeMap::new()),
            description: "",
            domain: "example.gov.cn",
            gazette_name: "公报",
            host: "局",
            icp: "ICP",
            id_code: "1",
            keywords: "",
            kinds: vec!["regulation", "normative"],
            lang: "zh-CN",
            name: "政府",
            police_record: "公安",
            police_record_url: None,
            sponsor: "办公厅",
            transfers: Some("/transfers/".into()),
            publications: Some("/publications/".into()),
            tz_minutes: 480,
            url: "https://example.gov.cn/",
        };
        let doc = DocPage {
            adoption: Some(doc_link()),
            adoption_for: vec![doc_link()],
            amended_by: vec![relation()],
            amends: vec![relation()],
            attachments: vec![Attachment { title: "附件", url: "/a.pdf".into() }],
            body: "<p>正文</p>".into(),
            caption: Some(caption()),
            catalog: Some(catalog()),
            comment: Some(CommentPeriod {
                channel: Some("信箱"),
                closes: date("2024-02-01"),
                open_now: true,
                opens: date("2024-01-01"),
            }),
            corrected_by: vec![doc_link()],
            corrects: vec![doc_link()],
            description: "摘要".into(),
            doc_number: Some("青政规〔2024〕1号".into()),
            draft_adoptions: vec![doc_link()],
            drafts: vec![doc_link()],
            effective: date("2024-02-01"),
            expires: Some(date("2029-02-01")),
            extra: leak(BTreeMap::from([("source_url".to_string(), serde_json::json!("https://x/"))])),
            final_doc: Some(doc_link()),
            genre: Some("通知"),
            headings: vec![heading()],
            history: Some(vec![revision()]),
            id: "a",
            index_no: Some("000000000/2024-00001"),
            interpretations: vec![doc_link()],
            interprets: Some(doc_link()),
            issuers: vec![Issuer { name: "政府", url: "/browse/issuer/x/".into() }],
            jsonld: "{}".into(),
            keywords: leak(vec!["住房".into()]),
            kind: Kind::Normative,
            lang: Some("zh-CN"),
            legal: true,
            printed: Some(Printed {
                number: Some(3),
                page: Some(12),
                title: "2024年第3期",
                url: "/gazette/2024/3/".into(),
                year: Some(2024),
            }),
            pubdate: "2024-01-02 00:00".into(),
            published: date("2024-01-02"),
            registration_no: Some("QCSP01-2024-0001"),
            repealed_by: vec![relation()],
            repeals: vec![relation()],
            sha256: "00",
            signed: Some(date("2024-01-01")),
            state: change(),
            text_md: "/docs/a/text.md".into(),
            timeline: vec![change()],
            timeline_json: "{}".into(),
            title: "管理办法",
            topics: vec![Topic { label: "城乡建设\\住房".into(), url: "/browse/topic/x/".into() }],
            versions: versions(),
        };
        let (home, home_t) = page(Page::Home(HomePage {
            by_kind: vec![KindColumn {
                items: vec![doc_link()],
                kind: Kind::Regulation,
                url: "/browse/kind/x/".into(),
            }],
            column: "home",
            issues: vec![issue_link()],
            latest: vec![doc_link()],
        }));
        let (doc, doc_t) = page(Page::Doc(Box::new(doc)));
        let (version, version_t) = page(Page::Version(Box::new(VersionPage {
            body: "<p>正文</p>".into(),
            caption: Some(caption()),
            current: false,
            date: date("2024-01-01"),
            description: "摘要".into(),
            doc: doc_link(),
            doc_number: Some("青政规〔2024〕1号".into()),
            headings: vec![heading()],
            id: "a",
            kind: Kind::Normative,
            meta: meta_panel(),
            superseded: true,
            until: Some(date("2025-01-01")),
            versions: versions(),
            versions_all: versions_all(),
        })));
        let (diff, diff_t) = page(Page::Diff(DiffPage {
            doc: doc_link(),
            from: date("2024-01-01"),
            from_url: "/docs/a/2024-01-01/".into(),
            html: "<p class=\"same\">文</p>".into(),
            kind: Kind::Normative,
            stats: DiffStats { changed: 1, deleted: 2, inserted: 3, same: 4 },
            to: date("2025-01-01"),
            to_url: "/docs/a/2025-01-01/".into(),
            versions: versions(),
            versions_all: versions_all(),
        }));
        let (issue, issue_t) = page(Page::Issue(IssuePage {
            body: "<p>目录</p>".into(),
            corrected_by: vec![doc_link()],
            description: "摘要".into(),
            headings: vec![heading()],
            issue: issue_link(),
            jsonld: "{}".into(),
            newer: Some(issue_link()),
            older: Some(issue_link()),
            pdf: Some("/gazette/2024/3/a.pdf".into()),
            pubdate: "2024-03-01 00:00".into(),
            sections: vec![IssueSection {
                items: vec![IssueItem { corrections: vec![doc_link()], doc: doc_link(), page: Some(2) }],
                title: "规章",
            }],
            sha256: "00",
            text_md: "/gazette/2024/3/text.md".into(),
        }));
        let (issues, issues_t) =
            page(Page::Issues(IssuesPage { years: vec![IssueYear { issues: vec![issue_link()], year: 2024 }] }));
        let (browse, browse_t) = page(Page::Browse(BrowsePage {
            facets: vec![Facet {
                facet: "year",
                values: vec![FacetValue { count: 3, label: "2024", url: "/browse/year/2024/".into() }],
            }],
        }));
        let (list, list_t) = page(Page::List(ListPage {
            facet: "year",
            items: vec![doc_link()],
            label: "2024".into(),
            from: 41,
            nav: vec![
                PagerItem::Page(PageLink { current: false, n: Some(4), url: "/browse/year/2024/page/4/".into() }),
                PagerItem::Page(PageLink { current: true, n: Some(3), url: "/browse/year/2024/page/3/".into() }),
                PagerItem::Gap { gap: true },
                PagerItem::Page(PageLink { current: false, n: Some(1), url: "/browse/year/2024/page/1/".into() }),
            ],
            next: Some("/browse/year/2024/page/2/".into()),
            page: Some(3),
            prev: Some("/browse/year/2024/page/4/".into()),
            to: 60,
            // The list's own page alone has it; a sample has every field.
            total: Some(70),
        }));
        let (catalog_page, catalog_t) = page(Page::Catalog(CatalogPage {
            items: vec![CatalogItem { description: "内容".into(), doc: doc_link(), fields: Some(catalog()) }],
        }));
        let transfer = TransferItem {
            audience: "archive",
            bytes: 1_234_567,
            date: "2025-01-10",
            files: Some(12),
            from: "2024-01-01",
            number: 1,
            package: "qingchuan-archive-20240101-20241231.zip",
            sha256: "ab",
            size: "1.2 MB".into(),
            to: "2024-12-31",
        };
        let (transfers, transfers_t) =
            page(Page::Transfers(TransfersPage { csv: "/data/transfers.csv".into(), items: vec![transfer.clone()] }));
        let publication = PublicationItem {
            change: "new",
            commit: Some("abc1234"),
            committed: Some("2024-01-05T10:00:00+08:00"),
            doc_number: Some("青政发〔2024〕1号"),
            issuer: "青川市人民政府",
            number: 1,
            published: "2024-01-05",
            publisher: Some("编辑"),
            reviewer: Some("审查人"),
            sha256: "ab",
            title: "办法",
            url: "https://example.gov.cn/docs/a/",
        };
        let (publications, publications_t) = page(Page::Publications(PublicationsPage {
            csv: "/data/publications.csv".into(),
            items: vec![publication.clone()],
            total: 1,
        }));
        let (not_found, not_found_t) = page(Page::NotFound(NotFoundPage {}));
        let (site_map, site_map_t) = page(Page::SiteMap(SiteMapPage {
            facets: vec![Facet {
                facet: "kind",
                values: vec![FacetValue { count: 2, label: "regulation", url: "/browse/kind/regulation/".into() }],
            }],
        }));
        let (search, search_t) = page(Page::Search(SearchPage { index: "/search/".into() }));
        let plain = |v: Value| (v, None);
        let mut all = vec![
            ("Site", plain(Value::from_serialize(&site))),
            ("HomePage", (home, home_t)),
            (
                "KindColumn",
                plain(Value::from_serialize(KindColumn { items: vec![], kind: Kind::Policy, url: "/".into() })),
            ),
            ("DocPage", (doc, doc_t)),
            ("VersionPage", (version, version_t)),
            ("MetaPanel", plain(Value::from_serialize(meta_panel()))),
            ("DiffPage", (diff, diff_t)),
            ("DiffStats", plain(Value::from_serialize(DiffStats::default()))),
            ("IssuePage", (issue, issue_t)),
            ("IssueSection", plain(Value::from_serialize(IssueSection { items: vec![], title: "" }))),
            (
                "IssueItem",
                plain(Value::from_serialize(IssueItem { corrections: vec![doc_link()], doc: doc_link(), page: None })),
            ),
            ("IssuesPage", (issues, issues_t)),
            ("IssueYear", plain(Value::from_serialize(IssueYear { issues: vec![], year: 2024 }))),
            ("BrowsePage", (browse, browse_t)),
            ("Facet", plain(Value::from_serialize(Facet { facet: "year", values: vec![] }))),
            ("FacetValue", plain(Value::from_serialize(FacetValue { count: 1, label: "", url: "/".into() }))),
            ("ListPage", (list, list_t)),
            ("PageLink", plain(Value::from_serialize(PageLink { current: false, n: Some(1), url: "/".into() }))),
            ("CatalogPage", (catalog_page, catalog_t)),
            (
                "CatalogItem",
                plain(Value::from_serialize(CatalogItem { description: "".into(), doc: doc_link(), fields: None })),
            ),
            ("TransfersPage", (transfers, transfers_t)),
            ("PublicationsPage", (publications, publications_t)),
            ("PublicationItem", plain(Value::from_serialize(publication))),
            ("TransferItem", plain(Value::from_serialize(TransferItem { files: None, ..transfer }))),
            ("NotFoundPage", (not_found, not_found_t)),
            ("SiteMapPage", (site_map, site_map_t)),
            ("SearchPage", (search, search_t)),
            ("DocLink", plain(Value::from_serialize(doc_link()))),
            ("IssueLink", plain(Value::from_serialize(issue_link()))),
            ("Change", plain(Value::from_serialize(change()))),
            ("Basis", plain(Value::from_serialize(Basis { title: "", url: "/".into() }))),
            ("Caption", plain(Value::from_serialize(caption()))),
            ("CaptionAmendment", plain(Value::from_serialize(&caption().amendments[0]))),
            ("Relation", plain(Value::from_serialize(relation()))),
            ("Attachment", plain(Value::from_serialize(Attachment { title: "", url: "/".into() }))),
            ("Topic", plain(Value::from_serialize(Topic { label: "".into(), url: "/".into() }))),
            ("Issuer", plain(Value::from_serialize(Issuer { name: "", url: "/".into() }))),
            (
                "Printed",
                plain(Value::from_serialize(Printed {
                    number: None,
                    page: None,
                    title: "",
                    url: "/".into(),
                    year: None,
                })),
            ),
            (
                "CommentPeriod",
                plain(Value::from_serialize(CommentPeriod {
                    channel: None,
                    closes: date("2024-01-01"),
                    open_now: false,
                    opens: date("2024-01-01"),
                })),
            ),
            ("Revision", plain(Value::from_serialize(revision()))),
            ("Catalog", plain(Value::from_serialize(catalog()))),
            ("Heading", plain(Value::from_serialize(heading()))),
            ("VersionLink", plain(Value::from_serialize(&versions()[0]))),
            ("VersionsAll", plain(Value::from_serialize(versions_all()))),
        ];
        all.sort_by_key(|(name, _)| *name);
        all.into_iter().map(|(name, (v, t))| (name, v, t)).collect()
    }

    /// The field tables of `book/src/themes.md`: a `#### `Type`` heading, then rows whose first
    /// cell is a field name in backquotes.
    fn book_tables() -> (String, HashMap<String, BTreeSet<String>>) {
        let book = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/book/src/themes.md")).unwrap();
        let mut tables: HashMap<String, BTreeSet<String>> = HashMap::new();
        let mut current: Option<String> = None;
        for line in book.lines() {
            if let Some(rest) = line.strip_prefix("#### `") {
                let name = rest.split('`').next().unwrap().to_string();
                tables.entry(name.clone()).or_default();
                current = Some(name);
            } else if line.starts_with('#') {
                current = None;
            } else if let (Some(name), Some(rest)) = (&current, line.strip_prefix("| `")) {
                let field = rest.split('`').next().unwrap().to_string();
                tables.get_mut(name).unwrap().insert(field);
            }
        }
        (book, tables)
    }

    fn keys(v: &Value) -> BTreeSet<String> {
        v.try_iter().unwrap().map(|k| k.to_string()).collect()
    }

    #[test]
    fn views_list_their_fields_alphabetically_like_the_maps_they_replace() {
        for (name, v, _) in samples() {
            assert_sorted(&v, name);
        }
    }

    #[test]
    fn the_book_lists_every_field_of_every_view() {
        let (book, tables) = book_tables();
        let samples = samples();
        let documented: BTreeSet<&str> = tables.keys().map(String::as_str).collect();
        let typed: BTreeSet<&str> = samples.iter().map(|s| s.0).collect();
        assert_eq!(documented, typed, "the book's tables and the view types differ");
        for (name, v, template) in &samples {
            assert_eq!(tables[*name], keys(v), "fields of {name} in book/src/themes.md");
            if let Some(t) = template {
                assert!(book.contains(&format!("| `{t}` | `{name}` |")), "the book does not say that {t} gets {name}");
            }
        }
    }

    /// Every value below a page sample is present (no `none`, no empty list), and every map in
    /// it is one of the documented types: a new nested type cannot slip past the book.
    #[test]
    fn page_samples_reach_every_nested_type() {
        let samples = samples();
        let shapes: Vec<BTreeSet<String>> = samples.iter().map(|s| keys(&s.1)).collect();
        fn walk(v: &Value, path: &str, shapes: &[BTreeSet<String>]) {
            match v.kind() {
                ValueKind::None | ValueKind::Undefined => panic!("{path} is none in the sample"),
                ValueKind::Seq => {
                    assert!(v.len() != Some(0), "{path} is empty in the sample");
                    v.try_iter().unwrap().for_each(|x| walk(&x, &format!("{path}[]"), shapes));
                }
                ValueKind::Map => {
                    let k = keys(v);
                    // A gap in a windowed list, and the record's own extra keys, are no types.
                    if k == BTreeSet::from(["gap".to_string()]) || path.ends_with(".extra") {
                        return;
                    }
                    assert!(shapes.contains(&k), "{path} has fields {k:?}, which no documented view has");
                    for key in k {
                        walk(&v.get_attr(&key).unwrap(), &format!("{path}.{key}"), shapes);
                    }
                }
                _ => {}
            }
        }
        for (name, v, template) in &samples {
            if template.is_some() {
                walk(v, name, &shapes);
            }
        }
    }
}
