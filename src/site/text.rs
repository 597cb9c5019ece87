//! `text.md`: each visible record's text as Markdown, beside its page, for the hand-off
//! packages that read only the sealed site. A short front matter of public fields from the
//! record's row, then the text the page shows on the build date, written back from the events
//! the page renders with the page's own link decision (`Renderer::link_action`, absolute URLs
//! here), so it holds nothing the page does not show.

use super::Renderer;
use crate::model::diag::Diagnostic;

impl Renderer<'_> {
    /// The front matter of record `i`'s `text.md`: public fields of its row (see
    /// `DocumentRow`), one `key: value` line each, every value JSON (which YAML reads as it is).
    pub(crate) fn text_front(&self, i: usize) -> String {
        let row = self.document_row(i);
        let fields: [(&str, Option<String>); 8] = [
            ("id", Some(json(&row.id))),
            ("title", Some(json(&row.title))),
            ("doc_number", row.doc_number.as_ref().map(json)),
            ("issuers", Some(json(&row.issuers))),
            ("published", Some(json(&row.published))),
            ("effective", Some(json(&row.effective))),
            ("kind", Some(json(&row.kind))),
            ("url", Some(json(&row.url))),
        ];
        let mut out = String::from("---\n");
        for (key, value) in fields {
            if let Some(v) = value {
                out.push_str(key);
                out.push_str(": ");
                out.push_str(&v);
                out.push('\n');
            }
        }
        out.push_str("---\n\n");
        out
    }

    /// Record `i`'s `text.md`: [`Renderer::text_front`], then the text shown on the build date
    /// (`Corpus::shown_file`, as on the page), written back as Markdown.
    pub(crate) fn text_md(&self, i: usize) -> Result<Vec<u8>, Diagnostic> {
        let r = &self.c.records[i];
        let md = self.shown_markdown(i)?;
        let rewrite = |href: &str| self.link_action(r, href, true).rewrite();
        let link = |href: &str| self.link_action(r, href, true);
        let mut out = self.text_front(i);
        out.push_str(&crate::markdown::cmark::republish(&md, &rewrite, &link));
        Ok(out.into_bytes())
    }
}

/// A value of the front matter as JSON: a quoted string, a list, a date in quotes.
fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}
