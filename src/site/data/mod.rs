//! Open data: the corpus as files a program can use (`data/`), Atom feeds (`feeds/`), and the
//! sitemap and robots file. The documents' files are each record's
//! [`DocumentRow`](row::DocumentRow) written out, as the pages' relations and JSON-LD
//! are, so the data and the site cannot disagree.

pub(crate) mod jsonld;
pub(crate) mod row;
pub(crate) mod publications;
pub(crate) mod transfers;

use super::memo::KeptRow;
use crate::corpus::Corpus;
use crate::model::Kind;
use crate::site::{DataJob, Job};
use crate::site::{Renderer, encode_path, record_path};
use rayon::prelude::*;
use row::{CSV_FIELDS, Cell};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::Arc;

/// Rows of a table made at a time before they are written: enough to keep every core busy,
/// few enough that a table of a million records is never in memory.
const ROWS_AT_ONCE: usize = 4096;

/// The memo's tables ([`super::memo::Memo::row`]): the rows of `documents.json`, `documents.csv`
/// and `documents.jsonld`, and the file of each gazette issue.
const DOCUMENTS_JSON: u8 = 0;
const DOCUMENTS_CSV: u8 = 1;
const DOCUMENTS_JSONLD: u8 = 2;
pub(crate) const ISSUE_FILES: u8 = 3;

/// Newest entries per feed.
pub(crate) const FEED_LEN: usize = 50;
/// URLs per sitemap file (the protocol's limit).
pub(crate) const SITEMAP_LEN: usize = 50_000;

/// Where a table is written: its own bytes (its head, the separators, its end) through `Write`,
/// each of its rows through [`Table::row`], so that a sink may stand a row for its SHA-256.
pub(crate) trait Table: Write {
    /// Writes one row, made or remembered with its SHA-256 (given, not lent: a table under
    /// `serve` keeps it, and a clone of each row would touch every row's count of owners).
    fn row(&mut self, row: KeptRow) -> std::io::Result<()>;

    /// Notes that `rows` more rows, each after `sep`, are coming.
    fn expect_rows(&mut self, _rows: usize, _sep: usize) {}
}

/// A table written as its bytes.
pub(crate) struct AsBytes<W>(pub(crate) W);

impl<W: Write> Write for AsBytes<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> Table for AsBytes<W> {
    fn row(&mut self, row: KeptRow) -> std::io::Result<()> {
        self.0.write_all(&row.0)
    }
}

/// A table as its pieces (under `serve`, where the memo keeps each row with its SHA-256): the
/// table's own bytes (its head, the separators, its end) and its rows, each row shared with the
/// memo. Made once a build, it is what the table is fingerprinted by, its rows standing as their
/// SHA-256s (`Renderer::prepare`): 32 bytes a row, where `documents.json` has 1,200. Compared
/// piece by piece with the one written last, it tells where the file is first new, from which
/// its checksum is taken up again, and the file is written from it without making or looking
/// up a row again (`emit::Staging::write_table`). The pieces are kept in shared runs of
/// [`RUN`]: a copy of the table costs a count per run, and the next build's table, the last
/// one with the rows an edit reached put in their places ([`Recorded::replace`]), shares every
/// run it did not change (found equal without reading them, [`Recorded::same_start`]).
#[derive(Default, Clone)]
pub(crate) struct Recorded {
    own: Arc<Vec<u8>>,
    /// In order: the table's own bytes up to an offset in `own` (from the last piece's), then a
    /// row; the last piece may have none (the end of the table).
    runs: Vec<Arc<Vec<Piece>>>,
    /// The number of pieces (asked for each piece as the table is compared and written).
    len: usize,
}

/// A piece of a [`Recorded`] table: where its own bytes end, and its row.
type Piece = (usize, Option<KeptRow>);

/// Pieces to a shared run of a [`Recorded`] table.
const RUN: usize = 1024;

impl Write for Recorded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Arc::make_mut(&mut self.own).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Table for Recorded {
    fn row(&mut self, row: KeptRow) -> std::io::Result<()> {
        self.push((self.own.len(), Some(row)));
        Ok(())
    }

    /// Room for them at once: grown a row at a time, the pieces of a table of 51,000 rows were
    /// copied again at each doubling, onto memory the kernel had to give anew each time.
    fn expect_rows(&mut self, rows: usize, sep: usize) {
        self.runs.reserve_exact((rows + 1).div_ceil(RUN));
        Arc::make_mut(&mut self.own).reserve_exact(rows * sep + 64);
    }
}

impl Recorded {
    /// Adds a piece at the end.
    fn push(&mut self, piece: Piece) {
        if self.len.is_multiple_of(RUN) {
            self.runs.push(Arc::new(Vec::with_capacity(RUN)));
        }
        if let Some(run) = self.runs.last_mut() {
            Arc::make_mut(run).push(piece);
        }
        self.len += 1;
    }

    fn get(&self, k: usize) -> &Piece {
        &self.runs[k / RUN][k % RUN]
    }

    /// Ends the table: its own bytes after the last row become the last piece.
    pub(crate) fn finish(&mut self) {
        let last = if self.len() == 0 { 0 } else { self.get(self.len() - 1).0 };
        if last < self.own.len() {
            self.push((self.own.len(), None));
        }
    }

    /// The number of pieces.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Piece `k`: its own bytes, then its row's bytes and SHA-256.
    pub(crate) fn piece(&self, k: usize) -> (&[u8], Option<&KeptRow>) {
        let start = if k == 0 { 0 } else { self.get(k - 1).0 };
        let (end, row) = self.get(k);
        (&self.own[start..*end], row.as_ref())
    }

    /// The length of piece `k` in bytes.
    pub(crate) fn bytes(&self, k: usize) -> u64 {
        let (own, row) = self.piece(k);
        (own.len() + row.map_or(0, |r| r.0.len())) as u64
    }

    /// Puts `row` as the row of piece `k`, which has one (its own bytes stay).
    pub(crate) fn replace(&mut self, k: usize, row: KeptRow) {
        let run = Arc::make_mut(&mut self.runs[k / RUN]);
        run[k % RUN].1 = Some(row);
    }

    /// The table with its rows as their SHA-256s, into `h`.
    pub(crate) fn digest_into(&self, h: &mut impl sha2::Digest) {
        for k in 0..self.len() {
            let (own, row) = self.piece(k);
            h.update(own);
            if let Some(r) = row {
                h.update(r.1);
            }
        }
    }

    /// How many pieces this table starts with that `other` starts with too: the same own bytes
    /// and rows of the same SHA-256. Runs the two share are passed over whole.
    pub(crate) fn same_start(&self, other: &Recorded) -> usize {
        let end = self.len().min(other.len());
        let mut k = 0;
        if Arc::ptr_eq(&self.own, &other.own) {
            while k + RUN <= end && Arc::ptr_eq(&self.runs[k / RUN], &other.runs[k / RUN]) {
                k += RUN;
            }
        }
        k + (k..end).take_while(|&k| self.same_piece(other, k)).count()
    }

    /// Whether piece `k` of this table is piece `k` of `other`: the same own bytes and a row of
    /// the same SHA-256.
    pub(crate) fn same_piece(&self, other: &Recorded, k: usize) -> bool {
        k < self.len() && k < other.len() && {
            let ((a, x), (b, y)) = (self.piece(k), other.piece(k));
            a == b && x.map(|r| r.1) == y.map(|r| r.1)
        }
    }
}

impl Renderer<'_> {
    /// The absolute address of a site path.
    pub(crate) fn abs(&self, path: &str) -> String {
        format!("{}{}", self.cfg.site.base_url, encode_path(path))
    }

    /// The absolute address of record `i`'s page.
    pub(crate) fn abs_doc(&self, i: usize) -> String {
        super::memo::touch(i);
        self.abs(&format!("{}/", record_path(&self.c.records[i])))
    }

    /// Documents in the data files: every visible record but gazette issues, in id order.
    pub(crate) fn data_docs(&self) -> &[usize] {
        let c = self.c;
        self.data_docs
            .get_or_init(|| c.id_order().filter(|&i| c.visible[i] && c.records[i].kind != Kind::Gazette).collect())
    }

    /// The tables with a row per record (`documents.json`, `.csv`, `.jsonld`): for `job`, its
    /// number in the memo and its records, in order.
    pub(crate) fn document_rows(&self, job: &Job) -> Option<(u8, std::borrow::Cow<'_, [usize]>)> {
        use std::borrow::Cow;
        match job {
            Job::Data(DataJob::DocumentsJson) => Some((DOCUMENTS_JSON, Cow::Borrowed(self.data_docs()))),
            Job::Data(DataJob::DocumentsCsv) => Some((DOCUMENTS_CSV, Cow::Borrowed(self.data_docs()))),
            Job::Data(DataJob::DocumentsJsonld) => Some((DOCUMENTS_JSONLD, Cow::Owned(self.jsonld_docs()))),
            _ => None,
        }
    }

    /// The records of `documents.jsonld`: the documents, then the gazette issues, oldest first.
    fn jsonld_docs(&self) -> Vec<usize> {
        let mut all = self.data_docs().to_vec();
        all.extend(self.newest(Some(Kind::Gazette)).rev());
        all
    }

    /// Record `i`'s row of the table numbered `table` ([`Renderer::document_rows`]).
    pub(crate) fn document_line(&self, table: u8, i: usize) -> Vec<u8> {
        match table {
            DOCUMENTS_CSV => row::csv_line(&self.document_row(i)),
            DOCUMENTS_JSONLD => serde_json::to_vec(&self.jsonld(&self.document_row(i))).unwrap_or_default(),
            _ => serde_json::to_vec(&self.document_row(i)).unwrap_or_default(),
        }
    }

    /// `data/documents.json`.
    pub(crate) fn write_documents_json(&self, w: &mut dyn Table) -> std::io::Result<()> {
        let docs = self.data_docs();
        let head = json!({"site": self.cfg.site.name, "as_of": self.c.as_of, "count": docs.len()});
        let row = |i| self.document_line(DOCUMENTS_JSON, i);
        json_with_list(w, &head, "documents", |w| self.write_rows(w, DOCUMENTS_JSON, docs, b",\n", row))
    }

    /// Writes one row of each listed record to `w`, separated by `sep`: made in parallel a
    /// chunk at a time and written in order, so the table is never whole in memory; under
    /// `serve`, rows whose record and whatever they read are unchanged come from the memo.
    fn write_rows(
        &self,
        w: &mut dyn Table,
        table: u8,
        docs: &[usize],
        sep: &[u8],
        row: impl Fn(usize) -> Vec<u8> + Sync,
    ) -> std::io::Result<()> {
        w.expect_rows(docs.len(), sep.len());
        for (k, chunk) in docs.chunks(ROWS_AT_ONCE).enumerate() {
            // Outside `serve` no row is remembered, and none is written as its SHA-256.
            let rows: Vec<KeptRow> = match self.memo() {
                Some(m) => m.rows(table, chunk, &row),
                None => chunk.par_iter().map(|&i| (std::sync::Arc::from(row(i)), [0; 32])).collect(),
            };
            for (j, kept) in rows.into_iter().enumerate() {
                if k + j > 0 {
                    w.write_all(sep)?;
                }
                w.row(kept)?;
            }
        }
        Ok(())
    }

    /// `data/documents.csv`: UTF-8 with a BOM so spreadsheet programs read the Chinese right.
    pub(crate) fn write_documents_csv(&self, w: &mut dyn Table) -> std::io::Result<()> {
        w.write_all("\u{FEFF}".as_bytes())?;
        w.write_all(CSV_FIELDS.iter().map(|f| f.name).collect::<Vec<_>>().join(",").as_bytes())?;
        w.write_all(b"\r\n")?;
        self.write_rows(w, DOCUMENTS_CSV, self.data_docs(), b"", |i| self.document_line(DOCUMENTS_CSV, i))
    }

    /// `data/documents.jsonld`.
    pub(crate) fn write_documents_jsonld(&self, w: &mut dyn Table) -> std::io::Result<()> {
        let all = self.jsonld_docs();
        let row = |i| self.document_line(DOCUMENTS_JSONLD, i);
        json_with_list(w, &json!({"@context": jsonld::CONTEXT}), "@graph", |w| {
            self.write_rows(w, DOCUMENTS_JSONLD, &all, b",\n", row)
        })
    }

    /// `data/gazette/<year>-<number>.json`.
    pub(crate) fn issue_json(&self, i: usize) -> Vec<u8> {
        let c = self.c;
        let r = &c.records[i];
        let Some(x) = &r.issue else { return Vec::new() };
        let sections: Vec<Value> = x
            .sections
            .iter()
            .filter_map(|s| {
                let items: Vec<Value> = s.items.iter().filter_map(|it| self.lookup(&it.doc.id).map(|t| json!({"id": c.records[t].id, "title": c.records[t].title, "page": it.page, "url": self.abs_doc(t)}))).collect();
                // As on the page: a section left with no public item is not shown at all.
                (!items.is_empty() || s.items.is_empty()).then(|| json!({"title": s.title, "items": items}))
            })
            .collect();
        pretty(&json!({
            "id": r.id, "url": self.abs_doc(i), "title": r.title, "year": x.year, "number": x.number, "total_number": x.total_number,
            "published": r.published, "pdf": x.pdf.as_ref().and_then(|p| self.file_url(r, &p.file, true)),
            "sections": sections, "sha256": r.sha256,
            "corrected_by": c.corrected_by[i].iter().map(|&k| c.records[k].id.as_str()).collect::<Vec<_>>(),
        }))
    }

    /// `data/datapackage.json`: a Frictionless Data Package describing every data file.
    pub(crate) fn datapackage(&self, issues: &[String], schemas: &[String]) -> Vec<u8> {
        let fields: Vec<Value> =
            CSV_FIELDS.iter().map(|f| json!({"name": f.name, "type": f.kind, "description": f.description})).collect();
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
        // A register's table: numbered rows with their fields described.
        let register = |name: &str, path: &str, title: &str, fields: Vec<Value>| {
            json!({
                "name": name, "path": path.trim_start_matches("data/"), "format": "csv", "mediatype": "text/csv",
                "encoding": "utf-8-sig", "profile": "tabular-data-resource", "title": title,
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": true},
                "schema": {"fields": fields, "primaryKey": ["number"], "missingValues": [""]},
            })
        };
        let described =
            |name: &str, kind: &str, description: &str| json!({"name": name, "type": kind, "description": description});
        if super::shows_publications(self.c, self.registers) {
            let fields =
                publications::PUBLICATION_FIELDS.iter().map(|f| described(f.name, f.kind, f.description)).collect();
            resources.push(register(
                "publications-csv",
                crate::route::publications_csv(),
                "信息发布登记（CSV）",
                fields,
            ));
        }
        if !self.registers.transfers.is_empty() {
            let fields = transfers::TRANSFER_FIELDS.iter().map(|f| described(f.name, f.kind, f.description)).collect();
            resources.push(register("transfers-csv", crate::route::transfers_csv(), "移交档案馆目录（CSV）", fields));
        }
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

    /// The records in the feed of `kind` (of all documents when `None`), newest first.
    pub(crate) fn feed_items(&self, kind: Option<Kind>) -> Vec<usize> {
        self.newest(kind)
            .filter(|&i| kind.is_some() || self.c.records[i].kind != Kind::Gazette)
            .take(FEED_LEN)
            .collect()
    }

    /// An Atom feed of the newest records of `kind` (all documents when `None`).
    pub(crate) fn feed(&self, kind: Option<Kind>, name: &str) -> Vec<u8> {
        let items = self.feed_items(kind);
        let tz = &self.cfg.site.timezone;
        let stamp = |d: crate::model::date::Date| format!("{d}T00:00:00{tz}");
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
            let text =
                self.shown_markdown(i).map(|md| crate::markdown::plain_text(&md)).unwrap_or_else(|_| self.excerpt(i));
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
            out.push_str(&row.into_iter().map(|c| Cell::Text(c).write()).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        out.into_bytes()
    }

    /// `robots.txt`.
    pub(crate) fn robots(&self) -> Vec<u8> {
        format!("User-agent: *\nAllow: /\n\nSitemap: {}\n", self.abs("sitemap.xml")).into_bytes()
    }
}

/// `head` (an object) with one more key holding a list, one item per line. The items come
/// serialised, so the whole corpus is never a JSON tree in memory.
fn json_with_list(
    w: &mut dyn Table,
    head: &Value,
    key: &str,
    items: impl FnOnce(&mut dyn Table) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut open = serde_json::to_vec(head).unwrap_or_default();
    open.pop(); // the closing brace
    if open.len() > 1 {
        open.push(b',');
    }
    open.extend_from_slice(&serde_json::to_vec(key).unwrap_or_default());
    open.extend_from_slice(b":[\n");
    w.write_all(&open)?;
    items(w)?;
    w.write_all(b"\n]}\n")
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut s = serde_json::to_vec_pretty(v).unwrap_or_default();
    s.push(b'\n');
    s
}

/// Escapes text for XML.
pub(crate) fn xml(s: &str) -> String {
    super::escape_markup(s, "&apos;", true)
}

/// Page paths for the sitemap: every HTML page but the 404 page, as site-relative URLs.
pub(crate) fn page_urls(c: &Corpus, jobs: &[crate::site::Job]) -> Vec<String> {
    jobs.iter()
        .filter_map(|j| match j {
            crate::site::Job::Home => Some(String::new()),
            crate::site::Job::Doc(i) | crate::site::Job::Issue(i) => Some(format!("{}/", record_path(&c.records[*i]))),
            crate::site::Job::Version(i, k) => {
                Some(format!("{}/{}/", record_path(&c.records[*i]), c.versions[*i][*k].date))
            }
            crate::site::Job::Issues => Some("gazette/".into()),
            crate::site::Job::Browse => Some("browse/".into()),
            crate::site::Job::Search => Some("search/".into()),
            crate::site::Job::Catalog => Some("catalog/".into()),
            crate::site::Job::Transfers => Some(crate::route::transfers_page().into()),
            crate::site::Job::Publications => Some(crate::route::publications_page().into()),
            crate::site::Job::List(l, p) => Some(crate::site::Sheets::url(&l.path, *p)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row and its (stand-in) SHA-256.
    fn row(text: &str) -> KeptRow {
        let mut sum = [0u8; 32];
        sum[..8].copy_from_slice(&(text.len() as u64 ^ text.bytes().map(u64::from).sum::<u64>()).to_le_bytes());
        (Arc::from(text.as_bytes()), sum)
    }

    #[test]
    fn a_table_copied_shares_its_runs_until_a_row_is_put_in_one() {
        let n = 3 * RUN + 7;
        let mut t = Recorded::default();
        t.write_all(b"[").unwrap();
        for k in 0..n {
            if k > 0 {
                t.write_all(b",").unwrap();
            }
            t.row(row(&format!("r{k}"))).unwrap();
        }
        t.write_all(b"]").unwrap();
        t.finish();
        assert_eq!(t.len(), n + 1);
        let mut u = t.clone();
        assert_eq!(u.same_start(&t), t.len());
        let at = 2 * RUN + 5;
        u.replace(at, row("new"));
        assert_eq!(u.same_start(&t), at, "the first piece that differs");
        assert!(Arc::ptr_eq(&u.runs[0], &t.runs[0]) && Arc::ptr_eq(&u.runs[1], &t.runs[1]));
        assert!(!Arc::ptr_eq(&u.runs[2], &t.runs[2]), "the run that changed is a copy");
        assert!((0..t.len()).all(|k| (k == at) != u.same_piece(&t, k)));
        let (own, r) = u.piece(at);
        assert_eq!((own, &r.unwrap().0[..]), (&b","[..], &b"new"[..]));
        assert_eq!(t.piece(at).1.unwrap().0[..], b"r2053"[..]);
        assert_eq!(u.piece(n).0, b"]", "the end is a piece of its own");
        // A table made alike, not copied, is found the same piece by piece.
        let mut v = Recorded::default();
        v.write_all(b"[").unwrap();
        for k in 0..n {
            if k > 0 {
                v.write_all(b",").unwrap();
            }
            v.row(if k == at { row("new") } else { row(&format!("r{k}")) }).unwrap();
        }
        v.write_all(b"]").unwrap();
        v.finish();
        assert_eq!(v.same_start(&u), v.len());
    }
}
