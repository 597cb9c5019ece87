//! Escaping text for HTML and XML: the one escaper of templates, pages, feeds and packages.

/// Escapes text for HTML.
pub(crate) fn escape(s: &str) -> String {
    escape_markup(s, "&#39;", false)
}

/// Escapes the five markup characters (the apostrophe as `apos`), and with `xml` drops the
/// characters XML 1.0 does not allow (its `Char` production): the C0 controls but tab, line feed
/// and carriage return, and the noncharacters U+FFFE and U+FFFF. Surrogates cannot occur in a
/// Rust string, so nothing else is excluded.
pub(crate) fn escape_markup(s: &str, apos: &str, xml: bool) -> String {
    let mut o = String::with_capacity(s.len());
    let _ = escape_markup_into(&mut o, s, apos, xml);
    o
}

/// [`escape_markup`] written into `out`, in runs between the characters that need escaping (the
/// templates' formatter writes every value this way, without a string of its own). The scan is
/// over bytes: every character that needs attention starts with an ASCII byte or, for U+FFFE and
/// U+FFFF (`EF BF BE`, `EF BF BF`), with `EF`, so other text passes through untouched.
pub(crate) fn escape_markup_into(out: &mut impl std::fmt::Write, s: &str, apos: &str, xml: bool) -> std::fmt::Result {
    let bytes = s.as_bytes();
    let (mut from, mut i) = (0, 0);
    while i < bytes.len() {
        let (rep, len) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => (apos, 1),
            b if xml && b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') => ("", 1),
            0xEF if xml && matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => ("", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.write_str(&s[from..i])?;
        out.write_str(rep)?;
        i += len;
        from = i;
    }
    out.write_str(&s[from..])
}
