//! The HTTP headers an object is stored with: `Content-Type` by the file's extension, with
//! `charset=utf-8` on every text type (gongbao writes nothing but UTF-8), and `Cache-Control` by
//! the file's kind. Object stores serve these headers back verbatim, and a CDN in front keeps
//! them, so they are the site's only say in how long a copy may be reused.

/// How long a copy may be reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caching {
    /// A file whose name carries a hash of its bytes: its content never changes under that name.
    Immutable,
    /// Pages, feeds, open data, unfingerprinted assets: changed by the next deploy.
    Short,
    /// `manifest.json`, `SHA256SUMS` and its signature: a reader checking the site must see the
    /// current ones.
    Seal,
}

impl Caching {
    /// The `Cache-Control` value.
    pub(crate) fn header(self) -> &'static str {
        match self {
            Caching::Immutable => "public, max-age=31536000, immutable",
            Caching::Short => "public, max-age=300",
            Caching::Seal => "no-cache",
        }
    }
}

/// The caching of the file at `path` (relative to the output root).
pub(crate) fn caching(path: &str) -> Caching {
    if crate::seal::SEAL_FILES.contains(&path) {
        Caching::Seal
    } else if fingerprinted(path) {
        Caching::Immutable
    } else {
        Caching::Short
    }
}

/// Whether the file name has a part of at least 8 hexadecimal digits between dots before its
/// extension (`app.3f9a02bc.css`), the usual mark of a name made from the bytes. The default
/// theme's assets carry none, so they are cached briefly like the pages that use them.
pub(crate) fn fingerprinted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut parts: Vec<&str> = name.split('.').collect();
    if parts.len() < 3 {
        return false;
    }
    parts.pop();
    parts[1..].iter().any(|p| p.len() >= 8 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Content-Type` of the file at `path`.
pub(crate) fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == crate::seal::SUMS || name == crate::seal::SIGNATURE {
        return "text/plain; charset=utf-8";
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "jsonld" => "application/ld+json; charset=utf-8",
        "atom" => "application/atom+xml; charset=utf-8",
        "rss" => "application/rss+xml; charset=utf-8",
        "xml" | "xsl" => "application/xml; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "txt" | "minisig" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "pdf" => "application/pdf",
        "ofd" => "application/ofd",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "wps" => "application/vnd.ms-works",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "warc" => "application/warc",
        "pagefind" | "pf_meta" | "pf_index" | "pf_fragment" => "application/octet-stream",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types_carry_the_charset_and_binary_ones_do_not() {
        for p in ["index.html", "docs/a/index.md", "feeds/all.atom", "data/documents.csv", "SHA256SUMS", "sitemap.xml"]
        {
            assert!(content_type(p).ends_with("; charset=utf-8"), "{p}: {}", content_type(p));
        }
        assert_eq!(content_type("assets/style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("data/documents.jsonld"), "application/ld+json; charset=utf-8");
        assert_eq!(content_type("files/a.PDF"), "application/pdf");
        assert_eq!(content_type("README"), "application/octet-stream");
    }

    #[test]
    fn only_hashed_names_are_immutable_and_the_seal_is_never_reused_unchecked() {
        assert_eq!(caching("assets/app.3f9a02bc.css"), Caching::Immutable);
        assert_eq!(caching("assets/style.css"), Caching::Short);
        // A date or a short number is not a hash.
        assert_eq!(caching("data/gazette/2024-1.json"), Caching::Short);
        assert_eq!(caching("files/report.2024.pdf"), Caching::Short);
        assert_eq!(caching("deadbeef12.css"), Caching::Short);
        assert_eq!(caching("manifest.json"), Caching::Seal);
        assert_eq!(caching("SHA256SUMS.minisig"), Caching::Seal);
        assert!(Caching::Seal.header().contains("no-cache"));
    }
}
