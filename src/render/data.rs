//! Open data: the corpus as files a program can use (`data/`), Atom feeds (`feeds/`), and the
//! sitemap and robots file. Every value here comes from the same functions the pages use, so
//! the data and the site cannot disagree.

use super::{Renderer, encode_path, record_path};
use crate::corpus::Corpus;
use crate::model::{Kind, State};
use rayon::prelude::*;
use serde_json::{Value, json};

/// Newest entries per feed.
pub const FEED_LEN: usize = 50;
/// URLs per sitemap file (the protocol's limit).
pub const SITEMAP_LEN: usize = 50_000;

/// Columns of `documents.csv`, in order, with their Table Schema type and description.
pub const CSV_FIELDS: &[(&str, &str, &str)] = &[
    ("id", "string", "stable identifier of the record"),
    ("url", "string", "address of the document page"),
    ("kind", "string", "record kind (regulation, normative, policy, interpretation, draft, notice, report, catalog)"),
    ("title", "string", "title"),
    ("doc_number", "string", "发文字号, normalised"),
    ("index_no", "string", "索引号"),
    ("registration_no", "string", "统一编号 of a normative document"),
    ("issuers", "string", "发布机构, joined with ;"),
    ("genre", "string", "文种"),
    ("topics", "string", "主题分类 (levels joined with \\), joined with ;"),
    ("keywords", "string", "关键词, joined with ;"),
    ("signed", "date", "成文日期"),
    ("published", "date", "发布日期"),
    ("effective", "date", "施行日期"),
    ("expires", "date", "有效期至"),
    ("state", "string", "validity on the build date"),
    ("state_since", "date", "first day of that state"),
    ("amends", "string", "ids of records amended, joined with ;"),
    ("repeals", "string", "ids of records repealed, joined with ;"),
    ("amended_by", "string", "ids of amending records, joined with ;"),
    ("repealed_by", "string", "ids of repealing records, joined with ;"),
    ("interprets", "string", "id of the document an interpretation explains"),
    ("gazette_year", "integer", "year of the gazette issue that printed it"),
    ("gazette_number", "integer", "number of that issue in its year"),
    ("gazette_page", "integer", "page in that issue"),
    ("sha256", "string", "SHA-256 of the source record"),
];

impl Renderer<'_> {
    fn abs(&self, path: &str) -> String {
        format!("{}{}", self.cfg.site.base_url, encode_path(path))
    }

    fn abs_doc(&self, i: usize) -> String {
        super::memo::touch(i);
        self.abs(&format!("{}/", record_path(&self.c.records[i])))
    }

    /// Documents in the data files: every visible record but gazette issues, in id order.
    pub(crate) fn data_docs(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.c.visible_indexes().filter(|&i| self.c.records[i].kind != Kind::Gazette).collect();
        v.sort_by(|&a, &b| self.c.records[a].id.cmp(&self.c.records[b].id));
        v
    }

    fn ids(&self, v: impl Iterator<Item = usize>) -> Vec<String> {
        v.map(|i| self.c.records[i].id.clone()).collect()
    }

    /// One document's open-data record.
    pub(crate) fn doc_data(&self, i: usize) -> Value {
        let c = self.c;
        let r = &c.records[i];
        let now = c.current(i);
        let rel = |v: &[crate::parse::Relation]| -> Vec<Value> {
            v.iter().filter_map(|x| self.lookup(&x.target.id).map(|t| json!({"id": c.records[t].id, "effective": x.effective.unwrap_or(r.effective), "note": x.note}))).collect()
        };
        let back = |v: &[crate::corpus::Backlink]| -> Vec<Value> {
            v.iter().map(|b| json!({"id": c.records[b.by].id, "effective": b.effective, "note": b.note})).collect()
        };
        let printed = c.printed[i].and_then(|p| {
            super::memo::touch(p.issue);
            let x = c.records[p.issue].issue.as_ref()?;
            Some(json!({"year": x.year, "number": x.number, "page": p.page, "url": self.abs_doc(p.issue)}))
        });
        let timeline: Vec<Value> = c.timelines[i]
            .iter()
            .map(|ch| json!({"from": ch.from, "state": ch.state, "basis": ch.basis.map(|b| c.records[b].id.clone()), "note": ch.note}))
            .collect();
        let dir = record_path(r);
        json!({
            "id": r.id, "url": self.abs_doc(i), "kind": r.kind, "title": r.title,
            "doc_number": r.doc_number.as_ref().map(|d| d.to_string()), "index_no": r.index_no.as_ref().map(|x| &x.0),
            "registration_no": r.registration_no, "issuers": r.issuers, "genre": r.genre.map(|g| g.zh()),
            "topics": r.topics.iter().map(|t| t.join("\\")).collect::<Vec<_>>(), "keywords": r.keywords,
            "signed": r.signed, "published": r.published, "effective": r.effective, "expires": r.expires,
            "state": now.state, "state_since": (now.state != State::NotYetInForce).then_some(now.from), "timeline": timeline,
            "amends": rel(&r.amends), "repeals": rel(&r.repeals),
            "amended_by": back(&c.amended_by[i]), "repealed_by": back(&c.repealed_by[i]),
            "interprets": r.interprets.as_ref().and_then(|x| self.lookup(&x.id)).map(|t| c.records[t].id.clone()),
            "interpretations": self.ids(c.interpreted_by[i].iter().copied()),
            "final": r.final_doc.as_ref().and_then(|x| self.lookup(&x.id)).map(|t| c.records[t].id.clone()),
            "comment": r.comment.as_ref().map(|x| json!({"opens": x.opens, "closes": x.closes, "channel": x.channel, "adoption": x.adoption.as_ref().and_then(|a| self.lookup(&a.id)).map(|t| c.records[t].id.clone())})),
            "catalog": r.catalog, "gazette": printed,
            "attachments": r.attachments.iter().filter_map(|a| Some(json!({"title": a.title, "url": self.file_url(r, &a.file, true)?}))).collect::<Vec<_>>(),
            "lang": r.lang.clone().unwrap_or_else(|| self.cfg.site.language.clone()),
            "versions": c.versions[i].iter().map(|v| json!({"date": v.date, "current": v.file.is_none(), "url": self.abs(&format!("{dir}/{}/", v.date))})).collect::<Vec<_>>(),
            "history": c.commits(i),
            "sha256": r.sha256,
        })
    }

    /// `data/documents.json`.
    pub(crate) fn documents_json(&self) -> Vec<u8> {
        let docs = self.data_docs();
        let head = json!({"site": self.cfg.site.name, "as_of": self.c.as_of, "count": docs.len()});
        json_with_list(
            &head,
            "documents",
            self.rows(0, &docs, |i| serde_json::to_vec(&self.doc_data(i)).unwrap_or_default()),
        )
    }

    /// One row of each listed record, made in parallel and kept in order; under `serve`, rows
    /// whose record and whatever they read are unchanged come from the memo.
    fn rows(&self, table: u8, docs: &[usize], row: impl Fn(usize) -> Vec<u8> + Sync) -> Vec<std::sync::Arc<Vec<u8>>> {
        match self.memo() {
            Some(m) => docs.par_iter().map(|&i| m.row(table, i, || row(i))).collect(),
            None => docs.par_iter().map(|&i| std::sync::Arc::new(row(i))).collect(),
        }
    }

    /// `data/documents.csv`: UTF-8 with a BOM so spreadsheet programs read the Chinese right.
    pub(crate) fn documents_csv(&self) -> Vec<u8> {
        let mut out = String::from("\u{FEFF}");
        out.push_str(&CSV_FIELDS.iter().map(|f| f.0).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
        let rows = self.rows(1, &self.data_docs(), |i| self.csv_row(i));
        let mut out = out.into_bytes();
        out.reserve(rows.iter().map(|r| r.len()).sum());
        for row in rows {
            out.extend_from_slice(&row);
        }
        out
    }

    /// One line of `documents.csv`.
    fn csv_row(&self, i: usize) -> Vec<u8> {
        let d = self.doc_data(i);
        let cells: Vec<String> = CSV_FIELDS
            .iter()
            .map(|(name, _, _)| {
                let v = match *name {
                    "gazette_year" | "gazette_number" | "gazette_page" => d["gazette"][&name[8..]].clone(),
                    "amends" | "repeals" | "amended_by" | "repealed_by" => Value::String(
                        d[*name]
                            .as_array()
                            .map(|a| a.iter().filter_map(|x| x["id"].as_str()).collect::<Vec<_>>().join(";"))
                            .unwrap_or_default(),
                    ),
                    _ => d[*name].clone(),
                };
                csv_cell(&v)
            })
            .collect();
        let mut row = cells.join(",");
        row.push_str("\r\n");
        row.into_bytes()
    }

    fn org(&self, name: &str) -> Value {
        json!({"@type": "GovernmentOrganization", "name": name})
    }

    /// schema.org description of one record.
    pub(crate) fn jsonld(&self, i: usize) -> Value {
        let c = self.c;
        let r = &c.records[i];
        let url = self.abs_doc(i);
        let refs = |v: &[crate::parse::Relation]| -> Vec<Value> {
            v.iter().filter_map(|x| self.lookup(&x.target.id)).map(|t| json!({"@id": self.abs_doc(t)})).collect()
        };
        let mut v = json!({
            "@id": url, "url": url, "name": r.title, "datePublished": r.published, "inLanguage": r.lang.clone().unwrap_or_else(|| self.cfg.site.language.clone()),
            "publisher": self.org(&self.cfg.site.name),
        });
        let o = v.as_object_mut().expect("object");
        if !r.keywords.is_empty() {
            o.insert("keywords".into(), json!(r.keywords.join(",")));
        }
        if !r.topics.is_empty() {
            o.insert("about".into(), json!(r.topics.iter().map(|t| t.join("\\")).collect::<Vec<_>>()));
        }
        match r.kind {
            Kind::Regulation | Kind::Normative => {
                o.insert("@type".into(), json!("Legislation"));
                o.insert(
                    "legislationIdentifier".into(),
                    json!(r.doc_number.as_ref().map_or_else(|| r.id.clone(), |d| d.to_string())),
                );
                o.insert("legislationType".into(), json!(r.kind.zh()));
                o.insert(
                    "legislationLegalForce".into(),
                    json!({"@id": format!("https://schema.org/{}", c.current(i).state.schema_org())}),
                );
                o.insert("legislationDate".into(), json!(r.signed.unwrap_or(r.published)));
                o.insert(
                    "legislationPassedBy".into(),
                    json!(r.issuers.iter().map(|n| self.org(n)).collect::<Vec<_>>()),
                );
                o.insert("legislationJurisdiction".into(), json!(self.cfg.site.name));
                let (am, rp) = (refs(&r.amends), refs(&r.repeals));
                if !am.is_empty() {
                    o.insert("legislationAmends".into(), json!(am));
                }
                if !rp.is_empty() {
                    o.insert("legislationRepeals".into(), json!(rp));
                }
                if let Some(x) = r.expires {
                    o.insert("expires".into(), json!(x));
                }
            }
            Kind::Gazette => {
                let x = r.issue.as_ref();
                let s = &self.cfg.site;
                let gazette_name = if s.gazette_name.is_empty() { &s.name } else { &s.gazette_name };
                o.insert("@type".into(), json!("PublicationIssue"));
                o.insert("issueNumber".into(), json!(x.map(|x| format!("{}-{}", x.year, x.number))));
                o.insert("isPartOf".into(), json!({"@type": "Periodical", "name": gazette_name}));
            }
            Kind::Report => {
                o.insert("@type".into(), json!("Report"));
            }
            Kind::Interpretation => {
                o.insert("@type".into(), json!("Article"));
                if let Some(t) = r.interprets.as_ref().and_then(|x| self.lookup(&x.id)) {
                    // The document explained joins the topics the interpretation is about.
                    let mut about: Vec<Value> = o.get("about").and_then(Value::as_array).cloned().unwrap_or_default();
                    about.push(json!({"@id": self.abs_doc(t)}));
                    o.insert("about".into(), json!(about));
                }
            }
            _ => {
                o.insert("@type".into(), json!("CreativeWork"));
            }
        }
        if r.kind != Kind::Gazette && !r.issuers.is_empty() {
            o.insert("author".into(), json!(r.issuers.iter().map(|n| self.org(n)).collect::<Vec<_>>()));
        }
        v
    }

    /// The JSON-LD a page embeds: one record with its context. `<` is escaped so the text can
    /// never close the script element it sits in.
    pub(crate) fn jsonld_embedded(&self, i: usize) -> String {
        let mut v = self.jsonld(i);
        if let Some(o) = v.as_object_mut() {
            o.insert("@context".into(), context());
        }
        serde_json::to_string(&v).unwrap_or_default().replace('<', "\\u003c")
    }

    /// `data/documents.jsonld`.
    pub(crate) fn documents_jsonld(&self) -> Vec<u8> {
        let mut all = self.data_docs();
        all.extend(self.newest(Some(Kind::Gazette)).into_iter().rev());
        json_with_list(
            &json!({"@context": context()}),
            "@graph",
            self.rows(2, &all, |i| serde_json::to_vec(&self.jsonld(i)).unwrap_or_default()),
        )
    }

    /// `data/gazette/<year>-<number>.json`.
    pub(crate) fn issue_json(&self, i: usize) -> Vec<u8> {
        let c = self.c;
        let r = &c.records[i];
        let Some(x) = &r.issue else { return Vec::new() };
        let sections: Vec<Value> = x
            .sections
            .iter()
            .map(|s| json!({"title": s.title, "items": s.items.iter().filter_map(|it| self.lookup(&it.doc.id).map(|t| json!({"id": c.records[t].id, "title": c.records[t].title, "page": it.page, "url": self.abs_doc(t)}))).collect::<Vec<_>>()}))
            .collect();
        pretty(&json!({
            "id": r.id, "url": self.abs_doc(i), "title": r.title, "year": x.year, "number": x.number, "total_number": x.total_number,
            "published": r.published, "pdf": x.pdf.as_ref().and_then(|p| self.file_url(r, &p.file, true)),
            "sections": sections, "sha256": r.sha256,
        }))
    }

    /// `data/datapackage.json`: a Frictionless Data Package describing every data file.
    pub(crate) fn datapackage(&self, issues: &[String], schemas: &[String]) -> Vec<u8> {
        let fields: Vec<Value> =
            CSV_FIELDS.iter().map(|(n, t, d)| json!({"name": n, "type": t, "description": d})).collect();
        let mut resources = vec![
            json!({
                "name": "documents-csv", "path": "documents.csv", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig",
                "profile": "tabular-data-resource", "title": "文件目录（CSV）",
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": true},
                "schema": {"fields": fields, "primaryKey": ["id"], "missingValues": [""]},
            }),
            json!({"name": "documents-json", "path": "documents.json", "format": "json", "mediatype": "application/json", "encoding": "utf-8", "title": "文件目录（JSON）", "description": "JSON Schema: schemas/documents.schema.json"}),
            json!({"name": "documents-jsonld", "path": "documents.jsonld", "format": "jsonld", "mediatype": "application/ld+json", "encoding": "utf-8", "title": "schema.org Legislation (JSON-LD)"}),
        ];
        for p in issues {
            let name = format!("gazette-{}", p.trim_start_matches("gazette/").trim_end_matches(".json"));
            resources.push(json!({"name": name, "path": p, "format": "json", "mediatype": "application/json", "encoding": "utf-8"}));
        }
        for p in schemas {
            let name =
                format!("schema-{}", p.trim_start_matches("schemas/").trim_end_matches(".json").replace('.', "-"));
            resources.push(json!({"name": name, "path": p, "type": "json", "format": "json", "mediatype": "application/schema+json", "encoding": "utf-8"}));
        }
        pretty(&json!({
            "name": "gongbao-documents", "title": format!("{} 政府信息公开数据", self.cfg.site.name),
            "homepage": self.cfg.site.base_url, "version": self.c.as_of.to_string(), "created": format!("{}T00:00:00Z", self.c.as_of),
            "licenses": [{"name": "other-pd", "title": "政府公开信息 / Government public information"}],
            "resources": resources,
        }))
    }

    /// An Atom feed of the newest records of `kind` (all documents when `None`).
    pub(crate) fn feed(&self, kind: Option<Kind>, name: &str) -> Vec<u8> {
        let items: Vec<usize> = self
            .newest(kind)
            .into_iter()
            .filter(|&i| kind.is_some() || self.c.records[i].kind != Kind::Gazette)
            .take(FEED_LEN)
            .collect();
        let tz = &self.cfg.site.timezone;
        let stamp = |d: crate::date::Date| format!("{d}T00:00:00{tz}");
        let updated = items.first().map_or(self.c.as_of, |&i| self.c.records[i].published);
        let title = match kind {
            None => self.cfg.site.name.clone(),
            Some(k) => format!("{} · {}", self.cfg.site.name, self.strings["kind"][k.id()].as_str().unwrap_or(k.zh())),
        };
        let self_url = self.abs(&format!("feeds/{name}.atom"));
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"",
        );
        x.push_str(&xml(&self.cfg.site.language));
        x.push_str("\">\n");
        x.push_str(&format!(
            "  <id>{}</id>\n  <title>{}</title>\n  <updated>{}</updated>\n",
            xml(&self_url),
            xml(&title),
            stamp(updated)
        ));
        x.push_str(&format!("  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", xml(&self_url), xml(&self.cfg.site.base_url)));
        x.push_str(&format!(
            "  <author><name>{}</name></author>\n  <generator>gongbao</generator>\n",
            xml(&self.cfg.site.name)
        ));
        for i in items {
            let r = &self.c.records[i];
            let url = self.abs_doc(i);
            x.push_str("  <entry>\n");
            x.push_str(&format!("    <id>{}</id>\n    <title>{}</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", xml(&url), xml(&r.title), xml(&url)));
            x.push_str(&format!(
                "    <published>{}</published>\n    <updated>{}</updated>\n",
                stamp(r.published),
                stamp(r.published)
            ));
            x.push_str(&format!("    <category term=\"{}\" label=\"{}\"/>\n", r.kind.id(), xml(r.kind.zh())));
            let summary = match &r.doc_number {
                Some(n) => format!("{n} {}", self.excerpt(i)),
                None => self.excerpt(i),
            };
            x.push_str(&format!("    <summary>{}</summary>\n  </entry>\n", xml(&summary)));
        }
        x.push_str("</feed>\n");
        x.into_bytes()
    }

    /// A sitemap of `paths` (site-relative page paths).
    pub(crate) fn sitemap(&self, paths: &[String]) -> Vec<u8> {
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for p in paths {
            x.push_str(&format!("  <url><loc>{}</loc></url>\n", xml(&self.abs(p))));
        }
        x.push_str("</urlset>\n");
        x.into_bytes()
    }

    /// The sitemap index over `n` sitemap files.
    pub(crate) fn sitemap_index(&self, n: usize) -> Vec<u8> {
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for k in 1..=n {
            x.push_str(&format!(
                "  <sitemap><loc>{}</loc></sitemap>\n",
                xml(&self.abs(&format!("sitemaps/sitemap-{k}.xml")))
            ));
        }
        x.push_str("</sitemapindex>\n");
        x.into_bytes()
    }

    /// `catalog/catalog.csv`: the 主动公开基本目录 with the column names of the page, in the
    /// site's language, UTF-8 with a BOM. The content column is the entry's whole text.
    pub(crate) fn catalog_csv(&self) -> Vec<u8> {
        let label = |k: &str| self.strings["label"][k].as_str().unwrap_or(k).to_string();
        let head =
            ["category", "item", "content", "basis", "time_limit", "unit", "channel", "published", "url"].map(label);
        let mut out = String::from("\u{FEFF}");
        out.push_str(&head.join(","));
        out.push_str("\r\n");
        for i in self.newest(Some(Kind::Catalog)) {
            let r = &self.c.records[i];
            let f = r.catalog.clone().unwrap_or_default();
            let text = self
                .shown_markdown(i)
                .map(|md| crate::parse::markdown::plain_text(&md))
                .unwrap_or_else(|_| self.excerpt(i));
            let row = [
                f.category,
                r.title.clone(),
                text,
                f.basis,
                f.time_limit,
                f.unit,
                f.channel,
                r.published.to_string(),
                self.abs_doc(i),
            ];
            out.push_str(&row.iter().map(|c| csv_cell(&Value::String(c.clone()))).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        out.into_bytes()
    }

    /// `robots.txt`.
    pub(crate) fn robots(&self) -> Vec<u8> {
        format!("User-agent: *\nAllow: /\n\nSitemap: {}\n", self.abs("sitemap.xml")).into_bytes()
    }
}

/// The JSON-LD context: schema.org as the vocabulary, written inline so that expanding the data
/// needs no network.
fn context() -> Value {
    json!({"@vocab": "https://schema.org/", "schema": "https://schema.org/"})
}

/// `head` (an object) with one more key holding a list, one item per line. The items come
/// serialised, so the whole corpus is never a JSON tree in memory.
fn json_with_list(head: &Value, key: &str, items: Vec<std::sync::Arc<Vec<u8>>>) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.iter().map(|i| i.len() + 2).sum::<usize>() + 1024);
    serde_json::to_writer(&mut out, head).unwrap_or_default();
    out.pop(); // the closing brace
    if out.len() > 1 {
        out.push(b',');
    }
    out.extend_from_slice(&serde_json::to_vec(key).unwrap_or_default());
    out.extend_from_slice(b":[\n");
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(item);
    }
    out.extend_from_slice(b"\n]}\n");
    out
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut s = serde_json::to_vec_pretty(v).unwrap_or_default();
    s.push(b'\n');
    s
}

/// One CSV cell. Text that a spreadsheet would take for a formula (it starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return) gets a `'` in front, inside quotes, as OWASP advises against
/// CSV injection; the JSON files keep the text as written. Numbers are left alone: they are not
/// text a program would run, and their columns are typed as integers.
fn csv_cell(v: &Value) -> String {
    let (s, text) = match v {
        Value::Null => (String::new(), false),
        Value::String(s) => (s.clone(), true),
        Value::Array(a) => (
            a.iter().map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string)).collect::<Vec<_>>().join(";"),
            true,
        ),
        other => (other.to_string(), false),
    };
    let formula = text && s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula || s.contains([',', '"', '\n', '\r']) {
        format!("\"{}{}\"", if formula { "'" } else { "" }, s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Escapes text for XML.
pub fn xml(s: &str) -> String {
    super::escape_markup(s, "&apos;", true)
}

/// Page paths for the sitemap: every HTML page but the 404 page, as site-relative URLs.
pub fn page_urls(c: &Corpus, jobs: &[super::Job]) -> Vec<String> {
    jobs.iter()
        .filter_map(|j| match j {
            super::Job::Home => Some(String::new()),
            super::Job::Doc(i) | super::Job::Issue(i) => Some(format!("{}/", record_path(&c.records[*i]))),
            super::Job::Version(i, k) => Some(format!("{}/{}/", record_path(&c.records[*i]), c.versions[*i][*k].date)),
            super::Job::Issues => Some("gazette/".into()),
            super::Job::Browse => Some("browse/".into()),
            super::Job::Catalog => Some("catalog/".into()),
            super::Job::List(l, p) => {
                Some(if *p == 1 { format!("{}/", l.path) } else { format!("{}/page/{p}/", l.path) })
            }
            _ => None,
        })
        .collect()
}
