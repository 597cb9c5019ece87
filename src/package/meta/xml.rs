//! A small XML writer for the metadata files: an escaper that always yields well-formed XML 1.0
//! and an indenting writer. Element and attribute names come from this module's callers (fixed
//! strings); only text and attribute values come from records, and those go through [`escape`].

use std::fmt::Write as _;

/// Whether a character may appear in an XML 1.0 document at all, even as a character reference.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Appends `text` to `out` escaped for element content or, with `attr`, for a double- or
/// single-quoted attribute value.
///
/// Characters XML 1.0 forbids (C0 controls other than tab, line feed and carriage return;
/// U+FFFE; U+FFFF) cannot be written even as references, so they become U+FFFD: a record with
/// a stray control byte still yields a file every parser reads. `>` is always escaped, which
/// also breaks any `]]>`. A carriage return, and in attributes tab and line feed, are written
/// as references so that a parser's end-of-line and attribute normalisation keeps them.
/// C1 controls are allowed but discouraged; they are written as references so they are seen.
pub(crate) fn escape_into(out: &mut String, text: &str, attr: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\'' if attr => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' if attr => {
                let _ = write!(out, "&#{};", c as u32);
            }
            '\u{7F}'..='\u{9F}' => {
                let _ = write!(out, "&#x{:X};", c as u32);
            }
            c if allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// `text` escaped for element content.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text, false);
    out
}

/// `text` escaped for an attribute value.
pub(crate) fn escape_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text, true);
    out
}

/// Writes one XML document with two-space indentation. Elements either hold text or children,
/// never both, which is all these metadata formats need and keeps the output easy to diff.
pub(crate) struct Xml {
    out: String,
    open: Vec<&'static str>,
}

impl Xml {
    /// A document starting with the XML declaration.
    pub(crate) fn new() -> Self {
        Xml { out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"), open: Vec::new() }
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value, true);
            self.out.push('"');
        }
    }

    /// Opens an element that will hold children.
    pub(crate) fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.open.push(name);
    }

    /// Closes the innermost open element.
    pub(crate) fn close(&mut self) {
        let name = self.open.pop().expect("close() without open()");
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// An element holding `text`.
    pub(crate) fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start_tag(name, attrs);
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// An element holding `text` when there is one, else nothing.
    pub(crate) fn opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text.filter(|t| !t.is_empty()) {
            self.leaf(name, &[], text);
        }
    }

    /// An empty element.
    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str("/>\n");
    }

    /// The document; every element must have been closed.
    pub(crate) fn finish(self) -> String {
        assert!(self.open.is_empty(), "unclosed elements: {:?}", self.open);
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(escape("a<b>&c"), "a&lt;b&gt;&amp;c");
        assert_eq!(escape_attr(r#"say "hi" & 'bye'"#), "say &quot;hi&quot; &amp; &apos;bye&apos;");
        // Quotes need no escaping in content, and are left readable there.
        assert_eq!(escape(r#""q" 'a'"#), r#""q" 'a'"#);
    }

    #[test]
    fn cdata_end_cannot_appear() {
        let out = escape("x]]>y]]]]>");
        assert!(!out.contains("]]>"), "{out}");
        assert_eq!(out, "x]]&gt;y]]]]&gt;");
    }

    #[test]
    fn forbidden_characters_become_replacement_characters() {
        assert_eq!(
            escape("a\u{0}b\u{1}c\u{8}d\u{B}e\u{C}f\u{1F}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\u{FFFD}"
        );
        assert_eq!(escape("\u{FFFE}\u{FFFF}"), "\u{FFFD}\u{FFFD}");
        assert_eq!(escape_attr("\u{0}"), "\u{FFFD}");
    }

    #[test]
    fn whitespace_survives_parser_normalisation() {
        assert_eq!(escape("a\r\nb\tc"), "a&#13;\nb\tc");
        assert_eq!(escape_attr("a\r\nb\tc"), "a&#13;&#10;b&#9;c");
    }

    #[test]
    fn discouraged_controls_are_written_as_references() {
        assert_eq!(escape("\u{7F}\u{85}\u{9F}"), "&#x7F;&#x85;&#x9F;");
    }

    #[test]
    fn other_characters_pass_through() {
        // Chinese, a non-BMP ideograph (U+20BB7 𠮷), an emoji, the last allowed BMP character.
        let text = "公报 \u{20BB7} \u{1F600} \u{FFFD} \u{E000} \u{10FFFF}";
        assert_eq!(escape(text), text);
        assert_eq!(escape_attr(text), text);
    }

    #[test]
    fn the_writer_nests_and_escapes() {
        let mut x = Xml::new();
        x.open("a", &[("k", "v\"<")]);
        x.leaf("b", &[], "1 < 2");
        x.opt("c", None);
        x.opt("c", Some(""));
        x.empty("d", &[]);
        x.close();
        assert_eq!(
            x.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a k=\"v&quot;&lt;\">\n  <b>1 &lt; 2</b>\n  <d/>\n</a>\n"
        );
    }
}
