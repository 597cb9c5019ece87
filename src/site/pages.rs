//! Where a record becomes a page: the views of [`super::views`] built from the corpus, one
//! function per page type and per shared piece. Texts (bodies, redlines) are put in later, when
//! the page is rendered (see `Renderer::fill`).

use super::views::*;
use super::{List, Place, Renderer, memo, record_path, window};
use crate::model::Kind;
use crate::source::parse::Record;
use serde::Serialize;
use std::collections::BTreeMap;

/// The validity timeline as the script reads it from `data-timeline`.
#[derive(Serialize)]
struct TimelineScript {
    changes: Vec<StateFrom>,
    effective: crate::model::date::Date,
}

/// One change in [`TimelineScript`].
#[derive(Serialize)]
struct StateFrom {
    from: crate::model::date::Date,
    state: crate::model::State,
}

impl Renderer<'_> {
    /// A document in a list.
    pub(super) fn link(&self, i: usize) -> DocLink<'_> {
        memo::touch(i);
        let r = &self.c.records[i];
        DocLink {
            doc_number: r.doc_number.as_ref().map(ToString::to_string),
            issuers: &r.issuers,
            kind: r.kind,
            published: r.published,
            state: r.kind.has_legal_force().then(|| self.c.current(i).state),
            timeline: r.kind.has_legal_force().then(|| self.timeline_script(i)),
            title: &r.title,
            url: self.doc_href(i),
        }
    }

    /// Record `i`'s validity timeline as the script reads it from `data-timeline`.
    fn timeline_script(&self, i: usize) -> String {
        let script = TimelineScript {
            changes: self.c.state_changes(i).map(|ch| StateFrom { from: ch.from, state: ch.state }).collect(),
            effective: self.c.records[i].effective,
        };
        serde_json::to_string(&script).unwrap_or_default()
    }

    /// A gazette issue in a list.
    pub(super) fn issue_link(&self, i: usize) -> IssueLink<'_> {
        memo::touch(i);
        let r = &self.c.records[i];
        let is = r.issue.as_ref();
        IssueLink {
            number: is.map(|x| x.number),
            published: r.published,
            title: &r.title,
            total_number: is.and_then(|x| x.total_number),
            url: self.doc_href(i),
            year: is.map(|x| x.year),
        }
    }

    fn change(&self, ch: &crate::corpus::Change) -> Change<'_> {
        Change {
            amendment: ch.amendment,
            basis: ch.basis.map(|b| Basis { title: &self.c.records[b].title, url: self.doc_href(b) }),
            from: ch.from,
            note: ch.note.clone(),
            state: ch.state,
        }
    }

    /// The 题注 of record `i`'s text dated `text` (see [`Caption`]): the amendments that took
    /// effect by then, or `none` when there are none or the record has no legal force.
    fn caption(&self, i: usize, text: crate::model::date::Date) -> Option<Caption<'_>> {
        let c = self.c;
        let r = &c.records[i];
        if !r.kind.has_legal_force() {
            return None;
        }
        let made: Vec<crate::corpus::Change> = c.amendments_of(i).into_iter().filter(|a| a.from <= text).collect();
        // An amendment stated in `validity` is named by its citation; one that names nothing
        // (no basis, or a record that is not public) is counted but cannot be written out.
        let stated = r.stated.as_ref().filter(|s| s.state == crate::model::Statement::Amended);
        let amendments: Vec<CaptionAmendment> = made
            .iter()
            .enumerate()
            .filter_map(|(k, a)| match a.basis {
                Some(b) => Some(CaptionAmendment {
                    date: Some(c.records[b].published),
                    n: k + 1,
                    title: format!("《{}》", c.records[b].title.replace('《', "〈").replace('》', "〉")),
                    url: Some(self.doc_href(b)),
                }),
                None => {
                    let cited = stated.filter(|s| s.since == a.from).and_then(|s| c.citation(s))?;
                    Some(CaptionAmendment {
                        date: None,
                        n: k + 1,
                        title: if cited.contains('《') { cited.to_string() } else { format!("《{cited}》") },
                        url: None,
                    })
                }
            })
            .collect();
        if amendments.is_empty() {
            return None;
        }
        let doc_number = r.doc_number.as_ref().map(ToString::to_string);
        Some(Caption {
            amendments,
            number_names_issuer: doc_number
                .as_deref()
                .is_some_and(|n| r.issuers.iter().any(|x| !x.is_empty() && n.starts_with(&**x))),
            doc_number,
            issuers: &r.issuers,
            published: r.published,
            several: made.len() > 1,
        })
    }

    /// The date of the text of record `i` that its page shows on the build date.
    fn shown_text_date(&self, i: usize) -> crate::model::date::Date {
        match self.c.text_on(i, self.c.as_of) {
            Some(k) => self.c.versions[i][k].date,
            None => self.c.text_date(i),
        }
    }

    pub(super) fn home(&self) -> HomePage<'_> {
        let issues = self.newest(Some(Kind::Gazette)).take(6).map(|i| self.issue_link(i)).collect();
        let latest = self
            .newest(None)
            .filter(|&i| !matches!(self.c.records[i].kind, Kind::Gazette | Kind::Catalog))
            .take(12)
            .map(|i| self.link(i))
            .collect();
        let mut by_kind = Vec::new();
        for kind in [Kind::Regulation, Kind::Normative, Kind::Policy, Kind::Interpretation, Kind::Draft, Kind::Notice] {
            let items: Vec<DocLink<'_>> = self.newest(Some(kind)).take(6).map(|i| self.link(i)).collect();
            if !items.is_empty() {
                by_kind.push(KindColumn { items, kind, url: self.href(&format!("browse/kind/{}/", kind.id())) });
            }
        }
        HomePage { by_kind, column: "home", issues, latest }
    }

    pub(super) fn doc<'s>(&'s self, i: usize) -> DocPage<'s> {
        let c = self.c;
        let r = &c.records[i];
        let row = self.document_row(i);
        let jsonld = self.jsonld_embedded(&row);
        let links = |v: &[usize]| -> Vec<DocLink<'_>> { v.iter().map(|&j| self.link(j)).collect() };
        let relations = |v: &[super::data::row::RowRelation<'s>]| -> Vec<Relation<'s>> {
            v.iter().map(|x| Relation { doc: self.link(x.id.index), effective: x.effective, note: x.note }).collect()
        };
        let printed = row.gazette.as_ref().map(|g| Printed {
            number: Some(g.number),
            page: g.page,
            title: &c.records[g.issue].title,
            url: self.doc_href(g.issue),
            year: Some(g.year),
        });
        DocPage {
            adoption: row.comment.as_ref().and_then(|x| x.adoption).map(|t| self.link(t.index)),
            adoption_for: links(&c.adoption_for[i]),
            amended_by: relations(&row.amended_by),
            amends: relations(&row.amends),
            attachments: r
                .attachments
                .iter()
                .filter_map(|a| Some(Attachment { title: &a.title, url: self.file_url(r, &a.file, false)? }))
                .collect(),
            body: String::new(),
            caption: self.caption(i, self.shown_text_date(i)),
            catalog: r.catalog.as_deref().map(Catalog::of),
            comment: r.comment.as_ref().map(|x| CommentPeriod {
                channel: x.channel.as_deref(),
                closes: x.closes,
                open_now: x.opens <= c.as_of && c.as_of <= x.closes,
                opens: x.opens,
            }),
            corrected_by: row.corrected_by.iter().map(|t| self.link(t.index)).collect(),
            corrects: row.corrects.iter().map(|t| self.link(t.index)).collect(),
            description: String::new(),
            doc_number: row.doc_number,
            draft_adoptions: c.drafts[i]
                .iter()
                .filter_map(|&d| c.records[d].comment.as_ref()?.adoption.as_ref())
                .filter_map(|a| self.lookup(&a.id))
                .map(|a| self.link(a))
                .collect(),
            drafts: links(&c.drafts[i]),
            effective: r.effective,
            expires: r.expires,
            extra: r.extras(),
            final_doc: row.final_doc.map(|t| self.link(t.index)),
            genre: row.genre,
            headings: Vec::new(),
            history: row.history,
            id: &r.id,
            index_no: row.index_no,
            interpretations: row.interpretations.iter().map(|t| self.link(t.index)).collect(),
            interprets: row.interprets.map(|t| self.link(t.index)),
            issuers: self.issuers(i),
            jsonld,
            keywords: &r.keywords,
            kind: r.kind,
            lang: r.lang.as_deref(),
            legal: r.kind.has_legal_force(),
            printed,
            pubdate: self.pubdate(i),
            published: r.published,
            registration_no: row.registration_no,
            repealed_by: relations(&row.repealed_by),
            repeals: relations(&row.repeals),
            sha256: &r.sha256,
            signed: r.signed,
            state: self.change(&c.current(i)),
            text_md: self.href(&crate::route::text_md(r)),
            timeline: c.timelines[i].iter().map(|ch| self.change(ch)).collect(),
            timeline_json: self.timeline_script(i),
            title: &r.title,
            topics: self.topics(i),
            versions: self.version_links(i, None, &[]),
        }
    }

    /// Record `i`'s issuing bodies, each with its browse list; none for a record in no list (a
    /// catalogue entry, a gazette issue: `Record::lists_joined`), whose issuer may have no list.
    fn issuers(&self, i: usize) -> Vec<Issuer<'_>> {
        let r = &self.c.records[i];
        r.issuers.iter().map(|s| Issuer { name: s, url: self.list_href(r, "issuer", &[s]) }).collect()
    }

    /// Record `i`'s topics, each with its browse list (of its first two levels), as for
    /// [`Renderer::issuers`].
    fn topics(&self, i: usize) -> Vec<Topic> {
        let r = &self.c.records[i];
        r.topics
            .iter()
            .map(|t| {
                let levels: Vec<&str> = t.iter().take(2).map(|l| &**l).collect();
                Topic { label: t.join("\\"), url: self.list_href(r, "topic", &levels) }
            })
            .collect()
    }

    /// The address of the browse list of `facet` and `labels` when record `r` is in it, else
    /// empty.
    fn list_href(&self, r: &Record, facet: &str, labels: &[&str]) -> String {
        let mut joins = false;
        r.lists_joined(|f, l| joins |= f == facet && l == labels);
        if joins { self.href(&format!("{}/", crate::route::list_dir(facet, labels))) } else { String::new() }
    }

    /// The metadata panel of record `i`, for its version pages: the fields the document page
    /// shows in its own panel, from the same row.
    fn meta_panel(&self, i: usize) -> MetaPanel<'_> {
        let r = &self.c.records[i];
        let row = self.document_row(i);
        MetaPanel {
            doc_number: row.doc_number,
            effective: r.effective,
            expires: r.expires,
            genre: row.genre,
            index_no: row.index_no,
            issuers: self.issuers(i),
            keywords: &r.keywords,
            legal: r.kind.has_legal_force(),
            published: r.published,
            registration_no: row.registration_no,
            signed: r.signed,
            state: self.change(&self.c.current(i)),
            timeline_json: self.timeline_script(i),
            title: &r.title,
            topics: self.topics(i),
        }
    }

    /// The version selector: the texts with their dates and links, and which one is shown. The
    /// document page lists every text; a version or redline page (`around` the texts it is
    /// about) only the first, the last and [`super::WINDOW`] on either side of those, with a gap
    /// entry where texts are left out, so that each page stays small however many versions
    /// there are. `n` is a text's place in the full list.
    fn version_links(&self, i: usize, shown: Option<usize>, around: &[usize]) -> Vec<Windowed<VersionLink>> {
        let v = &self.c.versions[i];
        let in_force = self.c.text_on(i, self.c.as_of);
        let dir = record_path(&self.c.records[i]);
        let places: Vec<Place> =
            if around.is_empty() { (0..v.len()).map(Place::At).collect() } else { window(v.len(), around) };
        places
            .into_iter()
            .map(|place| {
                let k = match place {
                    Place::At(k) => k,
                    Place::Gap(gap) => return Windowed::Gap { gap },
                };
                let ver = &v[k];
                Windowed::Item(VersionLink {
                    current: ver.file.is_none(),
                    date: ver.date,
                    diff_latest: (k + 2 < v.len())
                        .then(|| self.href(&format!("{dir}/diff/{}..{}/", ver.date, v[v.len() - 1].date))),
                    diff_prev: k.checked_sub(1).map(|p| self.href(&format!("{dir}/diff/{}..{}/", v[p].date, ver.date))),
                    in_force: in_force == Some(k),
                    n: k + 1,
                    shown: shown == Some(k),
                    superseded: in_force.is_some_and(|f| k < f),
                    until: v.get(k + 1).map(|n| n.date),
                    url: self.href(&format!("{dir}/{}/", ver.date)),
                })
            })
            .collect()
    }

    /// Where the full list of a document's texts is (its page, at the list), when a version or
    /// redline page shows only part of it.
    fn versions_all(&self, i: usize, shown: &[Windowed<VersionLink>]) -> Option<VersionsAll> {
        shown
            .iter()
            .any(|v| matches!(v, Windowed::Gap { .. }))
            .then(|| VersionsAll { count: self.c.versions[i].len(), url: format!("{}#versions", self.doc_href(i)) })
    }

    pub(super) fn version(&self, i: usize, k: usize) -> VersionPage<'_> {
        let r = &self.c.records[i];
        let v = &self.c.versions[i];
        let versions = self.version_links(i, Some(k), &[k]);
        VersionPage {
            body: String::new(),
            caption: self.caption(i, v[k].date),
            current: v[k].file.is_none(),
            date: v[k].date,
            description: String::new(),
            doc: self.link(i),
            doc_number: r.doc_number.as_ref().map(ToString::to_string),
            headings: Vec::new(),
            id: &r.id,
            kind: r.kind,
            meta: self.meta_panel(i),
            superseded: self.c.text_on(i, self.c.as_of).is_some_and(|f| k < f),
            until: v.get(k + 1).map(|n| n.date),
            versions_all: self.versions_all(i, &versions),
            versions,
        }
    }

    pub(super) fn diff(&self, i: usize, a: usize, b: usize) -> DiffPage<'_> {
        let r = &self.c.records[i];
        let v = &self.c.versions[i];
        let dir = record_path(r);
        let versions = self.version_links(i, None, &[a, b]);
        DiffPage {
            doc: self.link(i),
            from: v[a].date,
            from_url: self.href(&format!("{dir}/{}/", v[a].date)),
            html: String::new(),
            kind: r.kind,
            stats: DiffStats::default(),
            to: v[b].date,
            to_url: self.href(&format!("{dir}/{}/", v[b].date)),
            versions_all: self.versions_all(i, &versions),
            versions,
        }
    }

    pub(super) fn issue(&self, i: usize) -> IssuePage<'_> {
        let r = &self.c.records[i];
        let x = r.issue.as_ref();
        let sections = x
            .map(|x| &x.sections[..])
            .unwrap_or(&[])
            .iter()
            .map(|s| IssueSection {
                items: s
                    .items
                    .iter()
                    .filter_map(|it| {
                        self.lookup(&it.doc.id).map(|t| IssueItem {
                            corrections: self.c.corrected_by[t].iter().map(|&k| self.link(k)).collect(),
                            doc: self.link(t),
                            page: it.page,
                        })
                    })
                    .collect(),
                title: &s.title,
            })
            // A section whose every item is not public would still tell that the issue carried
            // something under that heading: it goes with them.
            .zip(x.map(|x| &x.sections[..]).unwrap_or(&[]))
            .filter(|(shown, s)| !shown.items.is_empty() || s.items.is_empty())
            .map(|(shown, _)| shown)
            .collect();
        let (newer, older) = self.neighbours(i);
        IssuePage {
            body: String::new(),
            corrected_by: self.c.corrected_by[i].iter().map(|&k| self.link(k)).collect(),
            description: String::new(),
            headings: Vec::new(),
            issue: self.issue_link(i),
            jsonld: self.jsonld_embedded(&self.document_row(i)),
            newer: newer.map(|j| self.issue_link(j)),
            older: older.map(|j| self.issue_link(j)),
            pdf: x.and_then(|x| x.pdf.as_ref()).and_then(|p| self.file_url(r, &p.file, false)),
            pubdate: self.pubdate(i),
            sections,
            sha256: &r.sha256,
            text_md: self.href(&crate::route::text_md(r)),
        }
    }

    pub(super) fn issues(&self) -> IssuesPage<'_> {
        let mut years: BTreeMap<i32, Vec<IssueLink<'_>>> = BTreeMap::new();
        for i in self.newest(Some(Kind::Gazette)) {
            if let Some(x) = &self.c.records[i].issue {
                years.entry(x.year).or_default().push(self.issue_link(i));
            }
        }
        IssuesPage { years: years.into_iter().rev().map(|(year, issues)| IssueYear { issues, year }).collect() }
    }

    pub(super) fn browse(&self) -> BrowsePage<'_> {
        let mut facets: BTreeMap<&str, Vec<FacetValue<'_>>> = BTreeMap::new();
        for l in &self.lists {
            if l.facet == "topic" && l.label.contains('\\') {
                continue;
            }
            facets.entry(l.facet).or_default().push(FacetValue {
                count: l.items.len(),
                label: &l.label,
                url: self.href(&format!("{}/", l.path)),
            });
        }
        if let Some(years) = facets.get_mut("year") {
            years.reverse();
        }
        let order = ["year", "kind", "validity", "issuer", "topic"];
        BrowsePage {
            facets: order
                .iter()
                .filter_map(|&facet| facets.remove(facet).map(|values| Facet { facet, values }))
                .collect(),
        }
    }

    pub(super) fn site_map(&self) -> SiteMapPage<'_> {
        SiteMapPage { facets: self.browse().facets }
    }

    pub(super) fn catalog(&self) -> CatalogPage<'_> {
        let items = self
            .newest(Some(Kind::Catalog))
            .map(|i| CatalogItem {
                description: self.excerpt(i),
                doc: self.link(i),
                fields: self.c.records[i].catalog.as_deref().map(Catalog::of),
            })
            .collect();
        CatalogPage { items }
    }

    /// The archive transfer catalogue: the register's entries, counts only (see
    /// `data::transfers`).
    pub(super) fn transfers(&self) -> TransfersPage<'_> {
        TransfersPage { csv: self.href(crate::route::transfers_csv()), items: self.transfer_items() }
    }

    /// Page `page` of list `l`, 0 for its own page ([`super::Sheets`]).
    pub(super) fn list(&self, l: &List, page: usize) -> ListPage<'_> {
        let sheets = super::Sheets::new(l.items.len(), self.cfg.site.per_page);
        let url = |p: usize| self.href(&super::Sheets::url(&l.path, p));
        let nav = sheets
            .nav(page)
            .into_iter()
            .map(|at| match at {
                Some(p) => PagerItem::Page(PageLink { current: p == page, n: (p > 0).then_some(p), url: url(p) }),
                None => PagerItem::Gap { gap: true },
            })
            .collect();
        let (newer, older) = sheets.newer_older(page);
        let (from, to) = sheets.ordinals(page);
        ListPage {
            facet: l.facet,
            from,
            items: l.items[sheets.shown(page)].iter().map(|&i| self.link(i)).collect(),
            label: l.label.clone(),
            nav,
            next: older.map(url),
            page: (page > 0).then_some(page),
            prev: newer.map(url),
            to,
            total: (page == 0).then_some(l.items.len()),
        }
    }
}
