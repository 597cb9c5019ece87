//! Where each thing a record publishes goes in the output: its page, its earlier texts, its
//! redlines, its files, and the browse lists it joins. Checks and rendering both ask here, so
//! `check` can refuse what `build` could not write (a clash, a name too long for a file system)
//! before anything is written. Paths are relative to the output root, `/`-separated, with no
//! empty, `.` or `..` segment.

use crate::model::date::Date;
use crate::source::parse::Record;
use unicode_normalization::UnicodeNormalization;

/// The longest file or folder name common file systems accept, in bytes.
pub(crate) const MAX_SEGMENT: usize = 255;
/// The most bytes an output path may have, under the output folder. Linux takes 4,096 for a
/// whole path; this leaves room for the output folder, the staging folder beside it, the
/// `zh-Hant/` of a Traditional page and the folders a package puts around the site.
pub(crate) const MAX_PATH: usize = 1024;

/// The output folder of a record (`docs/<id>` or `gazette/<year>/<number>`).
pub(crate) fn record_dir(r: &Record) -> String {
    match &r.issue {
        Some(i) => format!("gazette/{}/{}", i.year, i.number),
        None => format!("docs/{}", r.id),
    }
}

/// Record `r`'s text as Markdown (`text.md` beside its page), for archives: what the page shows
/// on the build date, never the source as written.
pub(crate) fn text_md(r: &Record) -> String {
    format!("{}/text.md", record_dir(r))
}

/// Record `r`'s plain text for search (`text.txt` beside its page): what the page shows on the
/// build date, one block a line, which the search page reads to confirm and show a match.
pub(crate) fn search_text(r: &Record) -> String {
    format!("{}/text.txt", record_dir(r))
}

/// The folder of record `r`'s text as it stood from `date`.
pub(crate) fn version_dir(r: &Record, date: Date) -> String {
    format!("{}/{date}", record_dir(r))
}

/// The folder of the redline of record `r` between its texts from `a` and from `b`.
pub(crate) fn diff_dir(r: &Record, a: Date, b: Date) -> String {
    format!("{}/diff/{a}..{b}", record_dir(r))
}

/// Where a file of record `r` is published, given its path under `content/` as the corpus
/// resolved it (see `Corpus::own_file`): below the record's folder, as it lies below the
/// record's source folder. Because the path was resolved first, `./x`, `.//x` and `sub//x` all
/// land on one normalised path, which the clash check then sees.
pub(crate) fn file_dest(r: &Record, under_content: &str) -> String {
    let rel = if r.dir.is_empty() {
        under_content
    } else {
        under_content.strip_prefix(&r.dir).and_then(|s| s.strip_prefix('/')).unwrap_or(under_content)
    };
    format!("{}/{rel}", record_dir(r))
}

/// The folder of the first page of a browse list: `browse/<facet>/<segments…>`.
pub(crate) fn list_dir(facet: &str, values: &[&str]) -> String {
    let mut p = format!("browse/{facet}");
    for v in values {
        p.push('/');
        p.push_str(&segment(v));
    }
    p
}

/// The page of the publication register (信息发布登记), when it shows entries.
pub(crate) fn publications_page() -> &'static str {
    "publications/"
}

/// The publication register as a table.
pub(crate) fn publications_csv() -> &'static str {
    "data/publications.csv"
}

/// The archive transfer catalogue's page.
pub(crate) fn transfers_page() -> &'static str {
    "transfers/"
}

/// The transfer catalogue as a table to download, beside the other open data.
pub(crate) fn transfers_csv() -> &'static str {
    "data/transfers.csv"
}

/// The folder under which every page also exists in Traditional script (繁體), at the same path
/// as its Simplified page: `docs/x/` and `zh-Hant/docs/x/`. No record's page can land there
/// (records live under `docs/` and `gazette/`).
pub(crate) const HANT: &str = "zh-Hant";

/// The Traditional page of the page written at `path` (an output path such as `index.html` or
/// `docs/x/index.html`, or a page URL such as `docs/x/`).
pub(crate) fn hant(path: &str) -> String {
    format!("{HANT}/{path}")
}

/// The page of the site map for readers (网站地图), beside `sitemap.xml` for crawlers.
pub(crate) fn site_map_page() -> &'static str {
    "sitemap/"
}

/// The site's icon, at the address browsers ask for without being told.
pub(crate) fn favicon() -> &'static str {
    "favicon.ico"
}

/// A folder name made from a free-text label (an issuer, a topic). Characters that separate
/// paths, start hidden files, or mean something in a URL or on some file system are written as
/// `%XX` (their UTF-8 bytes), `%` itself included, so two different labels never share a folder
/// (`.青川市人民政府` is not `青川市人民政府`) and the name reads as the label otherwise.
pub(crate) fn segment(s: &str) -> String {
    let s = s.trim();
    let mut out = String::with_capacity(s.len());
    let last = s.chars().count().saturating_sub(1);
    for (k, c) in s.chars().enumerate() {
        let edge = (k == 0 && c == '.') || (k == last && matches!(c, '.' | ' '));
        if edge || c.is_control() || matches!(c, '/' | '\\' | '?' | '#' | '%' | ':' | '*' | '"' | '<' | '>' | '|') {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    if out.is_empty() { "%20".into() } else { out }
}

/// The form of a path under which two paths name the same file on a case-insensitive or
/// normalising file system or CDN (macOS, Windows, many object stores behind a CDN): Unicode
/// NFC, then lower case. `K1` written with a Kelvin sign, `Notice-2` and `notice-2` all fold to
/// the same key.
pub(crate) fn fold(s: &str) -> String {
    // Most paths are ASCII or already NFC: those are only lowered (the checks fold every output
    // path of the site on every build).
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.to_lowercase(),
        _ => s.nfc().collect::<String>().to_lowercase(),
    }
}

/// The media type a published file is served and archived with, from its name (the one table:
/// `serve`, the WARC records and the packages' METS all ask here). Text types carry their
/// charset; gongbao writes every text as UTF-8.
pub(crate) fn media_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e).to_ascii_lowercase();
    match ext.as_str() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "xml" => "application/xml",
        "atom" => "application/atom+xml",
        "jsonld" => "application/ld+json",
        "pdf" => "application/pdf",
        "ofd" => "application/ofd",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip" => "application/zip",
        "txt" | "minisig" | "" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_names_that_never_merge_two_labels() {
        assert_eq!(segment("青川市人民政府"), "青川市人民政府");
        assert_eq!(segment(".青川市人民政府"), "%2E青川市人民政府");
        assert_eq!(segment("a/b\\c"), "a%2Fb%5Cc");
        assert_eq!(segment("50%"), "50%25");
        assert_ne!(segment("a-b"), segment("a/b"));
        assert_ne!(segment("%2F"), segment("/"));
        assert_eq!(segment("办公室."), "办公室%2E");
    }

    #[test]
    fn feeds_linked_data_and_the_icon_are_served_with_their_types() {
        assert_eq!(media_type("feeds/all.atom"), "application/atom+xml");
        assert_eq!(media_type("data/documents.jsonld"), "application/ld+json");
        assert_eq!(media_type(favicon()), "image/x-icon");
        assert_eq!(hant("docs/x/index.html"), "zh-Hant/docs/x/index.html");
    }

    #[test]
    fn folding_joins_what_case_insensitive_stores_join() {
        assert_eq!(fold("\u{212A}1"), fold("k1"));
        assert_eq!(fold("Notice-2"), fold("notice-2"));
        assert_eq!(fold("e\u{301}"), fold("\u{e9}"));
        assert_ne!(fold("a1"), fold("a2"));
        // The fast paths (ASCII, already NFC) give what the general form gives.
        for s in
            ["Docs/A-1/index.HTML", "杭州市人民政府办公厅/Index.html", "\u{212A}1", "e\u{301}x", "Å\u{30A}", "ǅ", "İ"]
        {
            assert_eq!(fold(s), s.nfc().collect::<String>().to_lowercase(), "{s:?}");
        }
    }
}
