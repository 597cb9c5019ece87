//! A record's public projection, made once: [`DocumentRow`]. `documents.json` is the rows as
//! they are, `documents.csv` the columns of [`CSV_FIELDS`] read from them, the JSON-LD (in
//! `documents.jsonld` and in each page) a mapping of them to schema.org, and the document page
//! takes its relations from them. A fact about a record that the public may see is therefore
//! worked out here and nowhere else.
//!
//! Fields are in alphabetical order: `documents.json` has always listed them so (the schema in
//! `schemas/documents.schema.json` does not care, but consumers diffing the file do).

use crate::model::date::Date;
use crate::model::{Kind, State};
use crate::site::Renderer;
use crate::site::views::{Attachment, Catalog, Revision};
use serde::{Serialize, Serializer};

/// One document in the open data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DocumentRow<'a> {
    /// Visible documents amending this one.
    pub amended_by: Vec<RowRelation<'a>>,
    /// Visible documents this one amends.
    pub amends: Vec<RowRelation<'a>>,
    /// Attachments published with it, with absolute addresses.
    pub attachments: Vec<Attachment<'a>>,
    /// Its catalogue fields, for a catalogue entry.
    pub catalog: Option<Catalog<'a>>,
    /// The period for comments of a draft.
    pub comment: Option<RowComment<'a>>,
    /// Visible correction notices (更正) that put this document right.
    pub corrected_by: Vec<Target<'a>>,
    /// For a correction notice: the visible records it puts right (documents, or gazette
    /// issues).
    pub corrects: Vec<Target<'a>>,
    /// 发文字号, normalised.
    pub doc_number: Option<String>,
    /// 施行日期.
    pub effective: Date,
    /// 有效期至.
    pub expires: Option<Date>,
    /// The visible document a draft became.
    #[serde(rename = "final")]
    pub final_doc: Option<Target<'a>>,
    /// The gazette issue that printed it.
    pub gazette: Option<RowGazette>,
    /// 文种, in Chinese.
    pub genre: Option<&'static str>,
    /// Commits that touched the record, newest first; `None` outside a git repository.
    pub history: Option<Vec<Revision<'a>>>,
    /// The record's id.
    pub id: &'a str,
    /// 索引号.
    pub index_no: Option<&'a str>,
    /// Visible interpretations of it.
    pub interpretations: Vec<Target<'a>>,
    /// The visible document an interpretation explains.
    pub interprets: Option<Target<'a>>,
    /// 发布机构.
    pub issuers: &'a [crate::model::label::Label],
    /// For a gazette issue, `<year>-<number>` (for the JSON-LD; `documents.json` lists no
    /// issues).
    #[serde(skip)]
    pub issue_number: Option<String>,
    /// 关键词.
    pub keywords: &'a [crate::model::label::Label],
    /// Record kind.
    pub kind: Kind,
    /// Language of the text: the record's, else the site's.
    pub lang: &'a str,
    /// 发布日期.
    pub published: Date,
    /// 统一编号.
    pub registration_no: Option<&'a str>,
    /// Visible documents repealing this one.
    pub repealed_by: Vec<RowRelation<'a>>,
    /// Visible documents this one repeals.
    pub repeals: Vec<RowRelation<'a>>,
    /// SHA-256 of the source record.
    pub sha256: &'a str,
    /// 成文日期.
    pub signed: Option<Date>,
    /// Validity on the build date.
    pub state: State,
    /// First day of that state; `None` while not yet in force.
    pub state_since: Option<Date>,
    /// Every change of validity and every amendment, oldest first.
    pub timeline: Vec<RowChange<'a>>,
    /// Title.
    pub title: &'a str,
    /// 主题分类, levels joined with `\`.
    pub topics: Vec<String>,
    /// Absolute address of the document page.
    pub url: String,
    /// Every text of the document, oldest first.
    pub versions: Vec<RowVersion>,
}

/// Another visible record, written as its id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its index in the corpus.
    pub index: usize,
}

impl Serialize for Target<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id)
    }
}

/// An amendment or repeal, either way.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RowRelation<'a> {
    /// When it takes effect; for those this document makes, its own effective date when the
    /// record gives none.
    pub effective: Option<Date>,
    /// The other document.
    pub id: Target<'a>,
    /// The note given with it.
    pub note: Option<&'a str>,
}

/// A draft's period for comments.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RowComment<'a> {
    /// The visible adoption report.
    pub adoption: Option<Target<'a>>,
    /// How to send comments.
    pub channel: Option<&'a str>,
    /// Last day.
    pub closes: Date,
    /// First day.
    pub opens: Date,
}

/// Where a document was printed.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RowGazette {
    /// Number of the issue in its year.
    pub number: u32,
    /// Page, when given.
    pub page: Option<u32>,
    /// Absolute address of the issue page.
    pub url: String,
    /// Year of the issue.
    pub year: i32,
    /// Index of the issue record.
    #[serde(skip)]
    pub issue: usize,
}

/// A change of validity, or an amendment.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RowChange<'a> {
    /// Whether it is an amendment of the text, which leaves the state as it was.
    pub amendment: bool,
    /// The record that caused it.
    pub basis: Option<Target<'a>>,
    /// First day of the state, or the day the amendment takes effect.
    pub from: Date,
    /// The note given with it.
    pub note: Option<&'a str>,
    /// The state.
    pub state: State,
}

/// One text of a document.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RowVersion {
    /// Whether it is the current text.
    pub current: bool,
    /// Date from which it applies.
    pub date: Date,
    /// SHA-256 of the file that holds it (its `versions/` file; the record's own for the current
    /// text), so that a change to an earlier text can be told from the data alone.
    pub sha256: String,
    /// Absolute address of its page.
    pub url: String,
}

impl Renderer<'_> {
    /// Record `i`'s row.
    pub(crate) fn document_row<'s>(&'s self, i: usize) -> DocumentRow<'s> {
        let c = self.c;
        let r = &c.records[i];
        let now = c.current(i);
        let target = |id: &str| self.lookup(id).map(|t| Target { id: &c.records[t].id, index: t });
        let forward = |v: &'s [crate::source::parse::Relation]| -> Vec<RowRelation<'s>> {
            v.iter()
                .filter_map(|x| {
                    Some(RowRelation {
                        effective: Some(x.effective.unwrap_or(r.effective)),
                        id: target(&x.target.id)?,
                        note: x.note.as_deref(),
                    })
                })
                .collect()
        };
        let back = |v: &'s [crate::corpus::Backlink]| -> Vec<RowRelation<'s>> {
            v.iter()
                .map(|b| RowRelation {
                    effective: b.effective,
                    id: Target { id: &c.records[b.by].id, index: b.by },
                    note: b.note.as_deref(),
                })
                .collect()
        };
        let gazette = c.printed[i].and_then(|p| {
            crate::site::memo::touch(p.issue);
            let x = c.records[p.issue].issue.as_ref()?;
            Some(RowGazette {
                number: x.number,
                page: p.page,
                url: self.abs_doc(p.issue),
                year: x.year,
                issue: p.issue,
            })
        });
        let timeline = c.timelines[i]
            .iter()
            .map(|ch| RowChange {
                amendment: ch.amendment,
                basis: ch.basis.map(|b| Target { id: &c.records[b].id, index: b }),
                from: ch.from,
                note: ch.note.as_deref(),
                state: ch.state,
            })
            .collect();
        let dir = crate::site::record_path(r);
        DocumentRow {
            amended_by: back(&c.amended_by[i]),
            amends: forward(&r.amends),
            attachments: r
                .attachments
                .iter()
                .filter_map(|a| Some(Attachment { title: &a.title, url: self.file_url(r, &a.file, true)? }))
                .collect(),
            catalog: r.catalog.as_deref().map(Catalog::of),
            comment: r.comment.as_ref().map(|x| RowComment {
                adoption: x.adoption.as_ref().and_then(|a| target(&a.id)),
                channel: x.channel.as_deref(),
                closes: x.closes,
                opens: x.opens,
            }),
            corrected_by: c.corrected_by[i].iter().map(|&t| Target { id: &c.records[t].id, index: t }).collect(),
            corrects: r.corrects.iter().filter_map(|x| target(&x.id)).collect(),
            doc_number: r.doc_number.as_ref().map(ToString::to_string),
            effective: r.effective,
            expires: r.expires,
            final_doc: r.final_doc.as_ref().and_then(|x| target(&x.id)),
            gazette,
            genre: r.genre.map(|g| g.zh()),
            history: c.commits(i).map(|list| list.into_iter().map(Revision::of).collect()),
            id: &r.id,
            index_no: r.index_no.as_ref().map(|x| x.text.as_str()),
            interpretations: c.interpreted_by[i].iter().map(|&t| Target { id: &c.records[t].id, index: t }).collect(),
            interprets: r.interprets.as_ref().and_then(|x| target(&x.id)),
            issuers: &r.issuers,
            issue_number: r.issue.as_ref().map(|x| format!("{}-{}", x.year, x.number)),
            keywords: &r.keywords,
            kind: r.kind,
            lang: r.lang.as_deref().unwrap_or(&self.cfg.site.language),
            published: r.published,
            registration_no: r.registration_no.as_deref(),
            repealed_by: back(&c.repealed_by[i]),
            repeals: forward(&r.repeals),
            sha256: &r.sha256,
            signed: r.signed,
            state: now.state,
            state_since: (now.state != State::NotYetInForce).then_some(now.from),
            timeline,
            title: &r.title,
            topics: r.topics.iter().map(|t| t.join("\\")).collect(),
            url: self.abs_doc(i),
            versions: c.versions[i]
                .iter()
                .map(|v| RowVersion {
                    current: v.file.is_none(),
                    date: v.date,
                    sha256: match &v.file {
                        Some(f) => crate::source::read_regular(&self.root.join(f), crate::source::MAX_RECORD_BYTES)
                            .map(|b| crate::source::hex(&<sha2::Sha256 as sha2::Digest>::digest(&b)))
                            .unwrap_or_default(),
                        None => r.sha256.clone(),
                    },
                    url: self.abs(&format!("{dir}/{}/", v.date)),
                })
                .collect(),
        }
    }
}

/// A column of `documents.csv`: its name, Table Schema type and description (for
/// `datapackage.json`), and how its cell is read from a row.
pub(crate) struct CsvField {
    /// Column name.
    pub name: &'static str,
    /// Table Schema type.
    pub kind: &'static str,
    /// What it holds.
    pub description: &'static str,
    /// The cell of a row.
    pub cell: fn(&DocumentRow<'_>) -> Cell,
}

/// One CSV cell before quoting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cell {
    /// Nothing.
    Empty,
    /// Text, guarded against being read as a formula.
    Text(String),
    /// A number, written as it is.
    Number(i64),
}

impl Cell {
    fn opt<T: ToString>(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, |v| Cell::Text(v.to_string()))
    }

    fn list<T: AsRef<str>>(v: &[T]) -> Cell {
        Cell::Text(v.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(";"))
    }

    fn ids(v: &[RowRelation<'_>]) -> Cell {
        Cell::Text(v.iter().map(|x| x.id.id).collect::<Vec<_>>().join(";"))
    }

    fn targets(v: &[Target<'_>]) -> Cell {
        Cell::Text(v.iter().map(|t| t.id).collect::<Vec<_>>().join(";"))
    }

    fn number(v: Option<i64>) -> Cell {
        v.map_or(Cell::Empty, Cell::Number)
    }

    /// The cell as written: text that a spreadsheet would take for a formula (it starts with
    /// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a `'` in front, inside quotes, as
    /// OWASP advises against CSV injection; the JSON files keep the text as written. Numbers are
    /// left alone: they are not text a program would run, and their columns are typed as
    /// integers.
    pub(crate) fn write(self) -> String {
        let (s, text) = match self {
            Cell::Empty => (String::new(), false),
            Cell::Text(s) => (s, true),
            Cell::Number(n) => (n.to_string(), false),
        };
        let formula = text && s.starts_with(['=', '+', '-', '@', '\t', '\r']);
        if formula || s.contains([',', '"', '\n', '\r']) {
            format!("\"{}{}\"", if formula { "'" } else { "" }, s.replace('"', "\"\""))
        } else {
            s
        }
    }
}

/// Columns of `documents.csv`, in order.
pub(crate) const CSV_FIELDS: &[CsvField] = &[
    CsvField {
        name: "id",
        kind: "string",
        description: "stable identifier of the record",
        cell: |d| Cell::Text(d.id.into()),
    },
    CsvField {
        name: "url",
        kind: "string",
        description: "address of the document page",
        cell: |d| Cell::Text(d.url.clone()),
    },
    CsvField {
        name: "kind",
        kind: "string",
        description: "record kind (regulation, normative, policy, interpretation, draft, notice, report, catalog)",
        cell: |d| Cell::Text(d.kind.id().into()),
    },
    CsvField { name: "title", kind: "string", description: "title", cell: |d| Cell::Text(d.title.into()) },
    CsvField {
        name: "doc_number",
        kind: "string",
        description: "发文字号, normalised",
        cell: |d| Cell::opt(d.doc_number.as_ref()),
    },
    CsvField { name: "index_no", kind: "string", description: "索引号", cell: |d| Cell::opt(d.index_no) },
    CsvField {
        name: "registration_no",
        kind: "string",
        description: "统一编号 of a normative document",
        cell: |d| Cell::opt(d.registration_no),
    },
    CsvField {
        name: "issuers",
        kind: "string",
        description: "发布机构, joined with ;",
        cell: |d| Cell::list(d.issuers),
    },
    CsvField { name: "genre", kind: "string", description: "文种", cell: |d| Cell::opt(d.genre) },
    CsvField {
        name: "topics",
        kind: "string",
        description: "主题分类 (levels joined with \\), joined with ;",
        cell: |d| Cell::list(&d.topics),
    },
    CsvField {
        name: "keywords",
        kind: "string",
        description: "关键词, joined with ;",
        cell: |d| Cell::list(d.keywords),
    },
    CsvField { name: "signed", kind: "date", description: "成文日期", cell: |d| Cell::opt(d.signed) },
    CsvField {
        name: "published",
        kind: "date",
        description: "发布日期",
        cell: |d| Cell::Text(d.published.to_string()),
    },
    CsvField {
        name: "effective",
        kind: "date",
        description: "施行日期",
        cell: |d| Cell::Text(d.effective.to_string()),
    },
    CsvField { name: "expires", kind: "date", description: "有效期至", cell: |d| Cell::opt(d.expires) },
    CsvField {
        name: "state",
        kind: "string",
        description: "validity on the build date",
        cell: |d| Cell::Text(d.state.id().into()),
    },
    CsvField {
        name: "state_since",
        kind: "date",
        description: "first day of that state",
        cell: |d| Cell::opt(d.state_since),
    },
    CsvField {
        name: "amends",
        kind: "string",
        description: "ids of records amended, joined with ;",
        cell: |d| Cell::ids(&d.amends),
    },
    CsvField {
        name: "repeals",
        kind: "string",
        description: "ids of records repealed, joined with ;",
        cell: |d| Cell::ids(&d.repeals),
    },
    CsvField {
        name: "amended_by",
        kind: "string",
        description: "ids of amending records, joined with ;",
        cell: |d| Cell::ids(&d.amended_by),
    },
    CsvField {
        name: "repealed_by",
        kind: "string",
        description: "ids of repealing records, joined with ;",
        cell: |d| Cell::ids(&d.repealed_by),
    },
    CsvField {
        name: "interprets",
        kind: "string",
        description: "id of the document an interpretation explains",
        cell: |d| Cell::opt(d.interprets.map(|t| t.id)),
    },
    CsvField {
        name: "corrects",
        kind: "string",
        description: "for a correction notice (更正), ids of the records it corrects (documents, or gazette issues as in data/gazette/), joined with ;",
        cell: |d| Cell::targets(&d.corrects),
    },
    CsvField {
        name: "corrected_by",
        kind: "string",
        description: "ids of the correction notices (更正) that correct this document, joined with ;",
        cell: |d| Cell::targets(&d.corrected_by),
    },
    CsvField {
        name: "gazette_year",
        kind: "integer",
        description: "year of the gazette issue that printed it",
        cell: |d| Cell::number(d.gazette.as_ref().map(|g| i64::from(g.year))),
    },
    CsvField {
        name: "gazette_number",
        kind: "integer",
        description: "number of that issue in its year",
        cell: |d| Cell::number(d.gazette.as_ref().map(|g| i64::from(g.number))),
    },
    CsvField {
        name: "gazette_page",
        kind: "integer",
        description: "page in that issue",
        cell: |d| Cell::number(d.gazette.as_ref().and_then(|g| g.page).map(i64::from)),
    },
    CsvField {
        name: "sha256",
        kind: "string",
        description: "SHA-256 of the source record",
        cell: |d| Cell::Text(d.sha256.into()),
    },
];

/// One line of `documents.csv`.
pub(crate) fn csv_line(row: &DocumentRow<'_>) -> Vec<u8> {
    let mut line = CSV_FIELDS.iter().map(|f| (f.cell)(row).write()).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::data::jsonld::{About, CONTEXT, IdRef, JsonLd, Org};
    use crate::site::views::tests::assert_sorted;

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn sample() -> DocumentRow<'static> {
        let t = Target { id: "b", index: 1 };
        let rel = || RowRelation { effective: Some(date("2024-02-01")), id: t, note: Some("第三条") };
        let list: &'static [crate::model::label::Label] = Box::leak(Box::new(vec!["甲".into(), "=乙".into()]));
        DocumentRow {
            amended_by: vec![rel()],
            amends: vec![rel(), rel()],
            attachments: vec![Attachment { title: "附件", url: "https://x/a.pdf".into() }],
            catalog: Some(Catalog { basis: "", category: "", channel: "", time_limit: "", unit: "" }),
            comment: Some(RowComment {
                adoption: Some(t),
                channel: Some("信箱"),
                closes: date("2024-02-01"),
                opens: date("2024-01-01"),
            }),
            corrected_by: vec![t],
            corrects: vec![t],
            doc_number: Some("青政规〔2024〕1号".into()),
            effective: date("2024-02-01"),
            expires: Some(date("2029-02-01")),
            final_doc: Some(t),
            gazette: Some(RowGazette { number: 3, page: Some(12), url: "https://x/g/".into(), year: 2024, issue: 2 }),
            genre: Some("通知"),
            history: Some(vec![Revision {
                change: crate::source::history::Change::Added,
                date: date("2024-01-01"),
                hash: "abc",
                subject: Some("新增"),
            }]),
            id: "a",
            index_no: Some("000000000/2024-00001"),
            interpretations: vec![t],
            interprets: Some(t),
            issuers: list,
            issue_number: None,
            keywords: list,
            kind: Kind::Normative,
            lang: "zh-CN",
            published: date("2024-01-02"),
            registration_no: Some("QCSP01-2024-0001"),
            repealed_by: vec![rel()],
            repeals: vec![rel()],
            sha256: "00",
            signed: Some(date("2024-01-01")),
            state: State::InForce,
            state_since: Some(date("2024-02-01")),
            timeline: vec![RowChange {
                amendment: false,
                basis: Some(t),
                from: date("2024-02-01"),
                note: Some("注"),
                state: State::InForce,
            }],
            title: "管理办法, \"试行\"",
            topics: vec!["城乡建设\\住房".into()],
            url: "https://x/docs/a/".into(),
            versions: vec![RowVersion {
                current: true,
                date: date("2024-01-01"),
                sha256: "0".repeat(64),
                url: "https://x/docs/a/2024-01-01/".into(),
            }],
        }
    }

    #[test]
    fn rows_and_their_json_ld_keep_the_alphabetical_key_order_of_the_files() {
        let row = sample();
        assert_sorted(&minijinja::Value::from_serialize(&row), "DocumentRow");
        let org = Org { kind: "GovernmentOrganization", name: "政府" };
        let id = || IdRef { id: "https://x/".into() };
        let ld = JsonLd {
            context: Some(CONTEXT),
            id: "https://x/",
            kind: "Legislation",
            about: vec![About::Topic("住房"), About::Ref(id())],
            author: vec![org.clone()],
            correction: vec![id()],
            date_published: date("2024-01-02"),
            expires: Some(date("2029-02-01")),
            in_language: "zh-CN",
            is_part_of: Some(Org { kind: "Periodical", name: "公报" }),
            issue_number: Some(Some("2024-3")),
            keywords: Some("住房".into()),
            legislation_amends: vec![id()],
            legislation_date: Some(date("2024-01-01")),
            legislation_identifier: Some("a"),
            legislation_jurisdiction: Some("政府"),
            legislation_legal_force: Some(id()),
            legislation_passed_by: Some(vec![org.clone()]),
            legislation_repeals: vec![id()],
            legislation_type: Some("行政规范性文件"),
            name: "管理办法",
            publisher: org,
            url: "https://x/",
        };
        assert_sorted(&minijinja::Value::from_serialize(&ld), "JsonLd");
    }

    #[test]
    fn csv_cells_come_from_the_typed_fields() {
        let row = sample();
        let line = String::from_utf8(csv_line(&row)).unwrap();
        let cells: Vec<String> = CSV_FIELDS.iter().map(|f| (f.cell)(&row).write()).collect();
        assert_eq!(line, format!("{}\r\n", cells.join(",")));
        let cell = |name: &str| cells[CSV_FIELDS.iter().position(|f| f.name == name).unwrap()].clone();
        assert_eq!(cell("title"), "\"管理办法, \"\"试行\"\"\"");
        assert_eq!(cell("issuers"), "甲;=乙", "a list, joined");
        assert_eq!(cell("amends"), "b;b");
        assert_eq!(cell("gazette_page"), "12");
        assert_eq!(cell("interprets"), "b");
        assert_eq!(cell("state"), "in_force");
        assert_eq!((cell("corrects"), cell("corrected_by")), ("b".to_string(), "b".to_string()));
        let mut notice = sample();
        notice.corrects = vec![Target { id: "gazette/2024-02", index: 3 }, Target { id: "c", index: 4 }];
        notice.corrected_by = Vec::new();
        let notice: Vec<String> = CSV_FIELDS.iter().map(|f| (f.cell)(&notice).write()).collect();
        let at = |name: &str| notice[CSV_FIELDS.iter().position(|f| f.name == name).unwrap()].clone();
        assert_eq!((at("corrects"), at("corrected_by")), ("gazette/2024-02;c".to_string(), String::new()));
        let mut bare = sample();
        bare.gazette = None;
        bare.doc_number = None;
        assert_eq!((CSV_FIELDS[4].cell)(&bare), Cell::Empty);
        // Text that a spreadsheet would run is quoted and defused; numbers are not text.
        assert_eq!(Cell::Text("=1+1".into()).write(), "\"'=1+1\"");
        assert_eq!(Cell::Number(-3).write(), "-3");
    }
}
