//! The publication register (信息发布登记) as the site computes and publishes it. [`due`] finds
//! the publications the register does not hold yet — a visible record whose published file is
//! not the one its newest entry names — with what the records and git say about them; the page
//! (`publications/index.html`) and `data/publications.csv` show the register's entries for the
//! records that are public now. An entry of a record withheld since stays in the repository's
//! register, and is not shown: its title must not come back on the site.

use super::row::Cell;
use crate::config::Config;
use crate::corpus::Corpus;
use crate::model::publication::Publication;
use crate::site::Renderer;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The registers a build publishes: transfers (appended to by `package`) and publications
/// (appended to by `build`).
#[derive(Debug, Clone, Default)]
pub struct Registers {
    /// The transfer register (`transfers.jsonl`).
    pub transfers: Vec<crate::model::transfer::Transfer>,
    /// The publication register (`publications.jsonl`), with this build's new entries at its end.
    pub publications: Vec<Publication>,
    /// How many entries at the end of `publications` this build appends to
    /// `publications.jsonl` once its output is in place.
    pub appended: usize,
}

/// The publications not yet registered, in the order of their publication date and id. A file
/// with changes that are not committed (`uncommitted`) is left for a build after the commit, so
/// that editing a record never registers its drafts; outside git every file counts as committed
/// and the publisher is unknown.
pub(crate) fn due(
    c: &Corpus,
    cfg: &Config,
    earlier: &[Publication],
    uncommitted: &dyn Fn() -> BTreeSet<String>,
) -> Vec<Publication> {
    let latest: BTreeMap<&str, &str> = earlier.iter().map(|p| (p.id.as_str(), p.sha256.as_str())).collect();
    let candidates: Vec<usize> = c
        .visible_indexes()
        .filter(|&i| latest.get(c.records[i].id.as_str()) != Some(&c.records[i].sha256.as_str()))
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let dirty = uncommitted();
    let mut out: Vec<Publication> = candidates
        .into_iter()
        .filter(|&i| !dirty.contains(&c.records[i].file))
        .map(|i| {
            let r = &c.records[i];
            let newest = c.history.as_ref().and_then(|h| h.get(&r.file)).and_then(|v| v.first());
            Publication {
                change: if latest.contains_key(r.id.as_str()) { "changed" } else { "new" }.into(),
                commit: newest.map(|k| k.hash.clone()),
                committed: newest.map(|k| k.time.clone()),
                doc_number: r.doc_number.as_ref().map(ToString::to_string),
                id: r.id.clone(),
                issuer: r.issuers.join("、"),
                number: 0,
                prev: String::new(),
                published: r.published.to_string(),
                publisher: newest.map(|k| k.author.clone()),
                reviewer: r.review.as_ref().map(|v| v.by.to_string()),
                sha256: r.sha256.clone(),
                title: r.title.clone(),
                url: format!("{}{}/", cfg.site.base_url, crate::site::encode_path(&crate::route::record_dir(r))),
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.published, &a.id).cmp(&(&b.published, &b.id)));
    out
}

/// A column of `data/publications.csv`: name, Frictionless type, description, cell.
pub(crate) struct PublicationField {
    /// Header.
    pub name: &'static str,
    /// Frictionless field type.
    pub kind: &'static str,
    /// What the column holds.
    pub description: &'static str,
    /// The cell of one entry.
    pub cell: fn(&Publication) -> Cell,
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn opt(s: &Option<String>) -> Cell {
    s.as_deref().map_or(Cell::Empty, text)
}

/// Columns of `data/publications.csv`, in order.
pub(crate) const PUBLICATION_FIELDS: &[PublicationField] = &[
    PublicationField {
        name: "number",
        kind: "integer",
        description: "sequence number in the publication register, from 1",
        cell: |p| Cell::Number(i64::from(p.number)),
    },
    PublicationField {
        name: "change",
        kind: "string",
        description: "new: first publication; changed: the published file changed",
        cell: |p| text(&p.change),
    },
    PublicationField { name: "id", kind: "string", description: "record id", cell: |p| text(&p.id) },
    PublicationField { name: "title", kind: "string", description: "title", cell: |p| text(&p.title) },
    PublicationField {
        name: "doc_number",
        kind: "string",
        description: "document number (发文字号)",
        cell: |p| opt(&p.doc_number),
    },
    PublicationField {
        name: "issuer",
        kind: "string",
        description: "issuing organs (发布机构)",
        cell: |p| text(&p.issuer),
    },
    PublicationField {
        name: "reviewer",
        kind: "string",
        description: "who did the secrecy review (保密审查人)",
        cell: |p| opt(&p.reviewer),
    },
    PublicationField {
        name: "publisher",
        kind: "string",
        description: "author of the commit that published this file (发布人)",
        cell: |p| opt(&p.publisher),
    },
    PublicationField {
        name: "committed",
        kind: "string",
        description: "time of that commit, ISO 8601 with offset",
        cell: |p| opt(&p.committed),
    },
    PublicationField {
        name: "commit",
        kind: "string",
        description: "short hash of that commit",
        cell: |p| opt(&p.commit),
    },
    PublicationField {
        name: "published",
        kind: "date",
        description: "the record's publication date",
        cell: |p| text(&p.published),
    },
    PublicationField {
        name: "url",
        kind: "string",
        description: "channel: the address of the published page",
        cell: |p| text(&p.url),
    },
    PublicationField {
        name: "sha256",
        kind: "string",
        description: "SHA-256 of the record's file as published",
        cell: |p| text(&p.sha256),
    },
];

/// Per record id, the time of its first entry in the register (its first publication). Made by
/// every build and preview, and only looked up in: hashed, where a sorted map of 50,000 ids
/// took 20–30 ms of CPU a rebuild in a `perf` profile.
pub(crate) fn first_entries(registers: &Registers) -> HashMap<&str, Option<&str>> {
    let mut out = HashMap::with_capacity(registers.publications.len());
    for p in &registers.publications {
        out.entry(p.id.as_str()).or_insert(p.committed.as_deref());
    }
    out
}

impl Renderer<'_> {
    /// `PubDate` of record `i`, `YYYY-MM-DD HH:MM`: its publication date, at the time its first
    /// register entry was made, in the site's time zone, when that was on the publication date.
    /// A record put on the site on another day (an old document added later, or one registered
    /// ahead of its date) keeps `00:00`: the register does not know the time of its day of
    /// publication, and `PubDate` must not contradict the 发布日期 the page shows.
    pub(crate) fn pubdate(&self, i: usize) -> String {
        let r = &self.c.records[i];
        let minutes = self
            .registered
            .get(r.id.as_str())
            .copied()
            .flatten()
            .and_then(|t| crate::model::publication::local_time(t, self.cfg.tz_minutes()))
            .filter(|(day, _)| *day == r.published)
            .map_or(0, |(_, m)| m);
        format!("{} {:02}:{:02}", r.published, minutes / 60, minutes % 60)
    }

    /// The register's page.
    pub(crate) fn publications(&self) -> crate::site::views::PublicationsPage<'_> {
        let all = self.publication_items();
        let total = all.len();
        crate::site::views::PublicationsPage {
            csv: self.href(crate::route::publications_csv()),
            total,
            items: all
                .into_iter()
                .skip(total.saturating_sub(crate::site::PUBLICATIONS_SHOWN))
                .map(|p| crate::site::views::PublicationItem {
                    change: &p.change,
                    commit: p.commit.as_deref(),
                    committed: p.committed.as_deref(),
                    doc_number: p.doc_number.as_deref(),
                    issuer: &p.issuer,
                    number: p.number,
                    published: &p.published,
                    publisher: p.publisher.as_deref(),
                    reviewer: p.reviewer.as_deref(),
                    sha256: &p.sha256,
                    title: &p.title,
                    url: &p.url,
                })
                .collect(),
        }
    }

    /// The register's entries as published: those of records that are public now, in order.
    pub(crate) fn publication_items(&self) -> Vec<&Publication> {
        self.registers.publications.iter().filter(|p| self.c.lookup(&p.id).is_some()).collect()
    }

    /// `data/publications.csv`: UTF-8 with a BOM, as the site's other tables.
    pub(crate) fn write_publications_csv(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        w.write_all("\u{FEFF}".as_bytes())?;
        w.write_all(PUBLICATION_FIELDS.iter().map(|f| f.name).collect::<Vec<_>>().join(",").as_bytes())?;
        w.write_all(b"\r\n")?;
        for p in self.publication_items() {
            w.write_all(
                PUBLICATION_FIELDS.iter().map(|f| (f.cell)(p).write()).collect::<Vec<_>>().join(",").as_bytes(),
            )?;
            w.write_all(b"\r\n")?;
        }
        Ok(())
    }
}
