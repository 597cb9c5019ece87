//! The schema.org description of a record (JSON-LD), mapped from its [`DocumentRow`]: one per
//! record in `data/documents.jsonld`, and the same embedded in its page.
//!
//! Keys are in alphabetical order, as they always were in these files.

use super::row::DocumentRow;
use crate::model::Kind;
use crate::model::date::Date;
use crate::site::Renderer;
use serde::Serialize;

/// One record as schema.org `Legislation`, `PublicationIssue`, `Report`, `Article` or
/// `CreativeWork`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JsonLd<'a> {
    /// The vocabulary, when the description stands alone (in a page).
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// The page's absolute address.
    #[serde(rename = "@id")]
    pub id: &'a str,
    /// The schema.org type.
    #[serde(rename = "@type")]
    pub kind: &'static str,
    /// Topics, for an interpretation the document it explains, and for a correction notice the
    /// records it corrects.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub about: Vec<About<'a>>,
    /// The issuing bodies (not for gazette issues).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub author: Vec<Org<'a>>,
    /// The correction notices (更正) of this record: schema.org's `correction` of a
    /// `CreativeWork`, “a correction to this work … in another document”, given as the notices'
    /// addresses, which are their `@id`s in the same graph.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub correction: Vec<IdRef>,
    /// 发布日期.
    pub date_published: Date,
    /// 有效期至, for legislation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    /// Language of the text.
    pub in_language: &'a str,
    /// The gazette, for an issue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_part_of: Option<Org<'a>>,
    /// `<year>-<number>`, for an issue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_number: Option<Option<&'a str>>,
    /// 关键词 joined with `,`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keywords: Option<String>,
    /// Documents amended, for legislation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub legislation_amends: Vec<IdRef>,
    /// 成文日期, else 发布日期, for legislation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legislation_date: Option<Date>,
    /// 发文字号, else the id, for legislation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legislation_identifier: Option<&'a str>,
    /// The site's name, for legislation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legislation_jurisdiction: Option<&'a str>,
    /// Validity on the build date, for legislation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legislation_legal_force: Option<IdRef>,
    /// The issuing bodies, for legislation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legislation_passed_by: Option<Vec<Org<'a>>>,
    /// Documents repealed, for legislation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub legislation_repeals: Vec<IdRef>,
    /// The kind in Chinese, for legislation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legislation_type: Option<&'static str>,
    /// Title.
    pub name: &'a str,
    /// The site.
    pub publisher: Org<'a>,
    /// The page's absolute address.
    pub url: &'a str,
}

/// The JSON-LD context: schema.org as the vocabulary, written inline so that expanding the data
/// needs no network.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Context {
    #[serde(rename = "@vocab")]
    vocab: &'static str,
    schema: &'static str,
}

/// The context every file uses.
pub(crate) const CONTEXT: Context = Context { vocab: "https://schema.org/", schema: "https://schema.org/" };

/// A topic, or a reference to another record.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum About<'a> {
    /// A topic, levels joined with `\`.
    Topic(&'a str),
    /// A record.
    Ref(IdRef),
}

/// A reference by address.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct IdRef {
    /// The address.
    #[serde(rename = "@id")]
    pub id: String,
}

/// A named thing of a type: an organisation, or the gazette as a periodical.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Org<'a> {
    /// `GovernmentOrganization` or `Periodical`.
    #[serde(rename = "@type")]
    pub kind: &'static str,
    /// Its name.
    pub name: &'a str,
}

impl Renderer<'_> {
    /// The schema.org description of a record, from its row.
    pub(crate) fn jsonld<'r>(&'r self, row: &'r DocumentRow<'r>) -> JsonLd<'r> {
        let site = &self.cfg.site;
        let org = |name: &'r str| Org { kind: "GovernmentOrganization", name };
        let refs = |v: &[super::row::RowRelation<'_>]| -> Vec<IdRef> {
            v.iter().map(|x| IdRef { id: self.abs_doc(x.id.index) }).collect()
        };
        let mut ld = JsonLd {
            context: None,
            id: &row.url,
            kind: "CreativeWork",
            about: row.topics.iter().map(|t| About::Topic(t)).collect(),
            author: Vec::new(),
            correction: row.corrected_by.iter().map(|t| IdRef { id: self.abs_doc(t.index) }).collect(),
            date_published: row.published,
            expires: None,
            in_language: row.lang,
            is_part_of: None,
            issue_number: None,
            keywords: (!row.keywords.is_empty()).then(|| row.keywords.join(",")),
            legislation_amends: Vec::new(),
            legislation_date: None,
            legislation_identifier: None,
            legislation_jurisdiction: None,
            legislation_legal_force: None,
            legislation_passed_by: None,
            legislation_repeals: Vec::new(),
            legislation_type: None,
            name: row.title,
            publisher: org(&site.name),
            url: &row.url,
        };
        match row.kind {
            Kind::Regulation | Kind::Normative => {
                ld.kind = "Legislation";
                ld.legislation_identifier = Some(row.doc_number.as_deref().unwrap_or(row.id));
                ld.legislation_type = Some(row.kind.zh());
                ld.legislation_legal_force =
                    Some(IdRef { id: format!("https://schema.org/{}", row.state.schema_org()) });
                ld.legislation_date = Some(row.signed.unwrap_or(row.published));
                ld.legislation_passed_by = Some(row.issuers.iter().map(|n| org(n)).collect());
                ld.legislation_jurisdiction = Some(&site.name);
                ld.legislation_amends = refs(&row.amends);
                ld.legislation_repeals = refs(&row.repeals);
                ld.expires = row.expires;
            }
            Kind::Gazette => {
                ld.kind = "PublicationIssue";
                ld.issue_number = Some(row.issue_number.as_deref());
                let name = if site.gazette_name.is_empty() { &site.name } else { &site.gazette_name };
                ld.is_part_of = Some(Org { kind: "Periodical", name });
            }
            Kind::Report => ld.kind = "Report",
            Kind::Interpretation => {
                ld.kind = "Article";
                // The document explained joins the topics the interpretation is about.
                if let Some(t) = row.interprets {
                    ld.about.push(About::Ref(IdRef { id: self.abs_doc(t.index) }));
                }
            }
            _ => {}
        }
        // schema.org has no inverse of `correction`: a notice is about what it corrects.
        ld.about.extend(row.corrects.iter().map(|t| About::Ref(IdRef { id: self.abs_doc(t.index) })));
        if row.kind != Kind::Gazette {
            ld.author = row.issuers.iter().map(|n| org(n)).collect();
        }
        ld
    }

    /// The JSON-LD a page embeds: one record with its context. `<` is escaped so the text can
    /// never close the script element it sits in.
    pub(crate) fn jsonld_embedded(&self, row: &DocumentRow<'_>) -> String {
        let ld = JsonLd { context: Some(CONTEXT), ..self.jsonld(row) };
        serde_json::to_string(&ld).unwrap_or_default().replace('<', "\\u003c")
    }
}
