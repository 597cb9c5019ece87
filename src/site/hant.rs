//! The Traditional-script view (繁體): every HTML page is rendered once more with the
//! Traditional flag and then converted here, after rendering, from the Simplified output.
//!
//! Conversion is OpenCC's `S2t` (characters and phrases, no regional vocabulary): the `S2tw`/
//! `S2twp` phrase tables replace words (规范性文件 would become 規範性檔案), which must never
//! happen to the text of a law. What is converted: text between tags (not scripts or styles, not
//! anything inside an element marked `translate="no"`, such as the script switch itself) and the
//! attributes people read (`title`, `alt`, `aria-label`, `placeholder`, `data-label`,
//! `data-names`, and the `content` of named `<meta>` tags other than addresses). Addresses, ids,
//! JSON-LD and every other attribute stay as they are, except that links to the site's own
//! pages are pointed at their Traditional pages, so a reader who switched stays in the script.

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use lol_html::html_content::ContentType;
use lol_html::{RewriteStrSettings, doc_text, element, rewrite_str};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Texts up to this many bytes are remembered once converted (see [`Converter::text`]).
const MEMO_TEXT: usize = 96;
/// Texts remembered per thread before the memo starts again.
const MEMO_ENTRIES: usize = 50_000;

thread_local! {
    static MEMO: RefCell<std::collections::HashMap<String, String>> = RefCell::new(std::collections::HashMap::new());
}

/// Pages converted through lol_html because [`Converter::scan`] passed them over, since the
/// process started (printed with `GONGBAO_TIMINGS`; a test expects none for the built-in theme).
pub(crate) static SLOW_PAGES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Elements whose content is not markup and is left as it is.
const RAW_TEXT: &[&str] = &["script", "style"];
/// Elements whose content is text with no tags in it, converted like any text.
const RC_TEXT: &[&str] = &["title", "textarea"];
/// Elements that never have content or an end tag.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
    "param", "source", "track", "wbr",
];
/// Elements that change how HTML is read ([`Converter::scan`] leaves them to lol_html).
const FOREIGN: &[&str] = &["svg", "math", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext", "template"];

/// A Simplified-to-Traditional converter, loaded once per build (the dictionaries take a few
/// milliseconds to open) and shared by every page.
pub(crate) struct Converter {
    cc: OpenCC,
}

impl std::fmt::Debug for Converter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Converter(s2t)")
    }
}

/// The attributes whose values are read by people, and so converted.
const READ_ATTRIBUTES: &[&str] =
    &["title", "alt", "aria-label", "placeholder", "data-label", "data-names", "data-banners", "data-copy"];

/// The elements that carry one of [`READ_ATTRIBUTES`].
const READ_SELECTOR: &str =
    "[title], [alt], [aria-label], [placeholder], [data-label], [data-names], [data-banners], [data-copy]";

/// Named `<meta>` tags whose `content` is an address, a code or a setting, not text.
const META_KEEP: &[&str] = &["viewport", "generator", "theme-color", "robots", "url", "sitedomain", "siteidcode"];

impl Converter {
    /// Loads OpenCC's `S2t` tables (built into the binary).
    pub(crate) fn new() -> Result<Converter, String> {
        OpenCC::from_config(BuiltinConfig::S2t).map(|cc| Converter { cc }).map_err(|e| e.to_string())
    }

    /// `s` in Traditional script.
    pub(crate) fn text(&self, s: &str) -> String {
        // Most of a page is markup and Latin text: leave what has no Han character alone.
        if s.bytes().all(|b| b < 0xE0) {
            return s.to_string();
        }
        // The labels, headings, names and dates every page repeats are converted once per
        // thread; a text is converted alone (OpenCC's result for a whole text node does not
        // depend on what is around it), so the memo gives what converting it again would.
        if s.len() > MEMO_TEXT {
            return self.cc.convert(s);
        }
        MEMO.with(|m| {
            let mut m = m.borrow_mut();
            if let Some(t) = m.get(s) {
                return t.clone();
            }
            let t = self.cc.convert(s);
            if m.len() >= MEMO_ENTRIES {
                m.clear();
            }
            m.insert(s.to_string(), t.clone());
            t
        })
    }

    /// A page in Traditional script: text and readable attributes converted, and every link to
    /// one of the site's pages (a path under `base` ending in `/` or `.html`) pointed at the
    /// same page under `base` + `prefix` + `/`. Links marked `data-script-link` (the switch and
    /// the `hreflang` alternates) are left alone.
    ///
    /// Pages the built-in theme makes are converted by [`Converter::scan`], which reads the
    /// markup in one pass; anything it does not follow exactly (a comment-like oddity, a tag
    /// left open, an unquoted attribute, inline SVG) goes through lol_html instead. The two give
    /// the same bytes: debug builds, and so every test that builds a site, convert each page
    /// both ways and compare.
    pub(crate) fn page(&self, html: &str, base: &str, prefix: &str) -> Result<String, String> {
        match self.scan(html, base, prefix) {
            Some(fast) => {
                #[cfg(debug_assertions)]
                {
                    let slow = self.rewrite(html, base, prefix)?;
                    assert_eq!(fast, slow, "the one-pass conversion differs from lol_html's");
                }
                Ok(fast)
            }
            None => {
                SLOW_PAGES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.rewrite(html, base, prefix)
            }
        }
    }

    /// [`Converter::page`] in one pass over well-formed markup: every element closed in order,
    /// attribute values quoted, no CDATA or processing instructions. `None` for anything else.
    fn scan(&self, html: &str, base: &str, prefix: &str) -> Option<String> {
        let mut out = String::with_capacity(html.len() + html.len() / 16);
        // Open elements, and whether each hides its content (`translate="no"`).
        let mut open: Vec<(&str, bool)> = Vec::new();
        let mut hidden = 0usize;
        let mut rest = html;
        while !rest.is_empty() {
            let Some(lt) = rest.find('<') else {
                self.push_text(&mut out, rest, hidden > 0);
                break;
            };
            if lt > 0 {
                self.push_text(&mut out, &rest[..lt], hidden > 0);
                rest = &rest[lt..];
            }
            if let Some(after) = rest.strip_prefix("<!--") {
                // `<!-->` and `<!--->` end at once in HTML, and `--!>` ends one too; leave such
                // oddities to lol_html.
                if after.starts_with('>') || after.starts_with("->") {
                    return None;
                }
                let end = 4 + after.find("-->")? + 3;
                if rest[..end].contains("--!>") {
                    return None;
                }
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            } else if rest.len() >= 9 && rest.as_bytes()[..9].eq_ignore_ascii_case(b"<!doctype") {
                let end = rest.find('>')? + 1;
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            } else if let Some(after) = rest.strip_prefix("</") {
                let name = tag_name(after)?;
                if after.as_bytes().get(name.len()) != Some(&b'>') {
                    return None;
                }
                let (was, hides) = open.pop()?;
                if was != name {
                    return None;
                }
                hidden -= usize::from(hides);
                let end = 2 + name.len() + 1;
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            } else {
                let tag = StartTag::read(rest)?;
                if FOREIGN.contains(&tag.name) || (tag.self_closing && !VOID.contains(&tag.name)) {
                    return None;
                }
                let hides = tag.value("translate") == Some("no");
                self.push_start(&mut out, &rest[..tag.len], &tag, hides, base, prefix);
                rest = &rest[tag.len..];
                if VOID.contains(&tag.name) {
                    continue;
                }
                let raw = RAW_TEXT.contains(&tag.name);
                if raw || RC_TEXT.contains(&tag.name) {
                    // The content runs to the first `</name>`; no tag starts inside.
                    let end = find_end_tag(rest, tag.name)?;
                    // `<!--` in a script can make its first `</script>` no end at all.
                    if raw && rest[..end].contains("<!--") {
                        return None;
                    }
                    if raw {
                        out.push_str(&rest[..end]);
                    } else {
                        self.push_text(&mut out, &rest[..end], hidden > 0 || hides);
                    }
                    let close = end + 2 + tag.name.len() + 1;
                    out.push_str(&rest[end..close]);
                    rest = &rest[close..];
                } else {
                    open.push((tag.name, hides));
                    hidden += usize::from(hides);
                }
            }
        }
        Some(out)
    }

    /// A text node: converted unless it is inside an element that hides its content.
    fn push_text(&self, out: &mut String, text: &str, hidden: bool) {
        if hidden {
            out.push_str(text);
        } else {
            out.push_str(&self.text(text));
        }
    }

    /// A start tag, as it was written when nothing in it changes, otherwise written again the
    /// way lol_html writes a changed tag: each attribute after one space, a changed value in
    /// double quotes with only `"` escaped.
    fn push_start(&self, out: &mut String, written: &str, tag: &StartTag<'_>, hides: bool, base: &str, prefix: &str) {
        let mut changed: Vec<Option<String>> = vec![None; tag.attrs.len()];
        let mut any = false;
        if !hides {
            for (k, a) in tag.attrs.iter().enumerate() {
                let read = READ_ATTRIBUTES.contains(&a.name)
                    || (a.name == "content"
                        && tag.name == "meta"
                        && tag
                            .value("name")
                            .is_some_and(|n| !n.is_empty() && !META_KEEP.contains(&n.to_ascii_lowercase().as_str())));
                // Written again even when the text stays as it was, as lol_html does (an
                // attribute without a value is one with an empty value).
                if read {
                    changed[k] = Some(self.text(a.value.unwrap_or("")));
                    any = true;
                }
            }
        }
        let link = match tag.name {
            "a" | "area" => Some("href"),
            "form" => Some("action"),
            _ => None,
        };
        if let Some(attr) = link.filter(|_| !tag.has("data-script-link"))
            && let Some(k) = tag.attrs.iter().position(|a| a.name == attr)
            && let Some(to) = tag.attrs[k].value.and_then(|h| to_hant(h, base, prefix))
        {
            changed[k] = Some(to);
            any = true;
        }
        if !any {
            out.push_str(written);
            return;
        }
        out.push('<');
        out.push_str(tag.name);
        for (a, new) in tag.attrs.iter().zip(&changed) {
            out.push(' ');
            match new {
                None => out.push_str(a.written),
                Some(v) => {
                    out.push_str(a.name);
                    out.push_str("=\"");
                    out.push_str(&v.replace('"', "&quot;"));
                    out.push('"');
                }
            }
        }
        if tag.self_closing {
            out.push_str(" />");
        } else {
            out.push('>');
        }
    }

    /// [`Converter::page`] through lol_html, for any HTML.
    fn rewrite(&self, html: &str, base: &str, prefix: &str) -> Result<String, String> {
        let hidden = Rc::new(Cell::new(0u32));
        let pending = RefCell::new(String::new());
        let from_hidden = hidden.clone();
        let settings = RewriteStrSettings {
            element_content_handlers: vec![
                element!("[translate=no]", move |el| {
                    if el.can_have_content() {
                        from_hidden.set(from_hidden.get() + 1);
                        let h = from_hidden.clone();
                        if let Some(handlers) = el.end_tag_handlers() {
                            let end: lol_html::EndTagHandler<'static> = Box::new(move |_| {
                                h.set(h.get().saturating_sub(1));
                                Ok(())
                            });
                            handlers.push(end);
                        }
                    }
                    Ok(())
                }),
                // Narrow selectors: most elements have none of these attributes, and asking
                // each one for every attribute by name was a fifth of the conversion's time.
                element!(READ_SELECTOR, |el| {
                    if el.get_attribute("translate").is_some_and(|v| v == "no") {
                        return Ok(());
                    }
                    // Values come as written, entities and all, and go back the same way
                    // (`set_attribute` escapes only a double quote): decoding them first would
                    // turn a written `&amp;lt;` into a `<` the browser then reads.
                    for name in READ_ATTRIBUTES {
                        if let Some(v) = el.get_attribute(name) {
                            el.set_attribute(name, &self.text(&v))?;
                        }
                    }
                    Ok(())
                }),
                element!("meta[name][content]", |el| {
                    if el.get_attribute("translate").is_some_and(|v| v == "no") {
                        return Ok(());
                    }
                    let name = el.get_attribute("name").unwrap_or_default().to_ascii_lowercase();
                    if !name.is_empty()
                        && !META_KEEP.contains(&name.as_str())
                        && let Some(v) = el.get_attribute("content")
                    {
                        el.set_attribute("content", &self.text(&v))?;
                    }
                    Ok(())
                }),
                element!("a[href], area[href], form[action]", |el| {
                    if el.get_attribute("data-script-link").is_some() {
                        return Ok(());
                    }
                    let attr = if el.tag_name() == "form" { "action" } else { "href" };
                    if let Some(h) = el.get_attribute(attr)
                        && let Some(to) = to_hant(&h, base, prefix)
                    {
                        el.set_attribute(attr, &to)?;
                    }
                    Ok(())
                }),
            ],
            document_content_handlers: vec![doc_text!(|t| {
                use lol_html::html_content::TextType;
                if hidden.get() > 0 || !matches!(t.text_type(), TextType::Data | TextType::RCData) {
                    return Ok(());
                }
                // A text node may arrive in several chunks; a phrase must not be cut in two.
                let mut buf = pending.borrow_mut();
                buf.push_str(t.as_str());
                if t.last_in_text_node() {
                    let done = self.text(&buf);
                    buf.clear();
                    t.replace(&done, ContentType::Html);
                } else {
                    t.remove();
                }
                Ok(())
            })],
            ..RewriteStrSettings::new()
        };
        rewrite_str(html, settings).map_err(|e| e.to_string())
    }
}

/// An element or attribute name at the start of `s`: lowercase ASCII letters, digits and `-`,
/// beginning with a letter (anything else is left to lol_html).
fn tag_name(s: &str) -> Option<&str> {
    let n = s.bytes().take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-').count();
    s.as_bytes().first().filter(|b| b.is_ascii_lowercase())?;
    Some(&s[..n])
}

/// Where `</name>` begins in `s` (ASCII case ignored, as HTML does).
fn find_end_tag(s: &str, name: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(k) = s[from..].find("</") {
        let at = from + k;
        let after = &b[at + 2..];
        if after.len() > name.len()
            && after[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && after[name.len()] == b'>'
        {
            return Some(at);
        }
        // `</name ` or `</name/` would also close it in HTML: not followed here.
        if after.len() >= name.len() && after[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return None;
        }
        from = at + 2;
    }
    None
}

/// One attribute of a start tag: its name, its value as written (without quotes), and the
/// whole of it as written (`name="value"`).
#[derive(Debug)]
struct Attr<'a> {
    name: &'a str,
    value: Option<&'a str>,
    written: &'a str,
}

/// A start tag read by [`StartTag::read`].
#[derive(Debug)]
struct StartTag<'a> {
    name: &'a str,
    attrs: Vec<Attr<'a>>,
    self_closing: bool,
    /// Bytes from `<` to `>` inclusive.
    len: usize,
}

impl<'a> StartTag<'a> {
    /// The start tag at the beginning of `s` (which begins with `<`), when it has a lowercase
    /// name, lowercase attribute names each given once, and values in quotes.
    fn read(s: &'a str) -> Option<StartTag<'a>> {
        let name = tag_name(&s[1..])?;
        let b = s.as_bytes();
        let mut i = 1 + name.len();
        let mut attrs: Vec<Attr<'a>> = Vec::new();
        loop {
            let ws = b[i..].iter().take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')).count();
            i += ws;
            match b.get(i)? {
                b'>' => return Some(StartTag { name, attrs, self_closing: false, len: i + 1 }),
                b'/' if b.get(i + 1) == Some(&b'>') => {
                    return Some(StartTag { name, attrs, self_closing: true, len: i + 2 });
                }
                _ if ws == 0 && !attrs.is_empty() => return None,
                _ => {}
            }
            let start = i;
            let an = tag_name(&s[i..])?;
            i += an.len();
            let value = if b.get(i) == Some(&b'=') {
                let q = *b.get(i + 1)?;
                if q != b'"' && q != b'\'' {
                    return None;
                }
                let close = s[i + 2..].find(q as char)?;
                let v = &s[i + 2..i + 2 + close];
                i += 2 + close + 1;
                Some(v)
            } else {
                match b.get(i)? {
                    b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>' | b'/' => None,
                    _ => return None,
                }
            };
            if attrs.iter().any(|a| a.name == an) {
                return None;
            }
            attrs.push(Attr { name: an, value, written: &s[start..i] });
        }
    }

    fn value(&self, name: &str) -> Option<&'a str> {
        self.attrs.iter().find(|a| a.name == name).and_then(|a| a.value)
    }

    fn has(&self, name: &str) -> bool {
        self.attrs.iter().any(|a| a.name == name)
    }
}

/// The address of the Traditional page for a link `href` to a page of the site under `base`,
/// or `None` for anything else (files, data, assets, other sites, fragments).
fn to_hant(href: &str, base: &str, prefix: &str) -> Option<String> {
    let rest = href.strip_prefix(base)?;
    let path = rest.split(['?', '#']).next().unwrap_or("");
    let page = path.is_empty() || path.ends_with('/') || path.ends_with(".html");
    let first = path.split('/').next().unwrap_or("");
    if !page || matches!(first, "assets" | "data" | "feeds") || first == prefix {
        return None;
    }
    Some(format!("{base}{prefix}/{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_text_and_readable_attributes_but_not_addresses_or_marked_parts() {
        let cc = Converter::new().unwrap();
        let html = r#"<html lang="zh-CN"><head><title>规范性文件</title><meta name="Description" content="关于废止的决定"><meta name="Url" content="https://x/docs/发/"><script type="application/ld+json">{"name":"规范性文件"}</script></head><body><a href="/docs/a/" title="发布机构">关于废止《停车管理办法》的决定</a><a href="/assets/x.css">样式</a><a href="/docs/a/附件.pdf">附件</a><a data-script-link translate="no" href="/docs/a/">简体</a><span translate="no">简体<b>中文</b></span><img alt="国务院" src="/发.png"><a href="https://other.example/x/">外链</a></body></html>"#;
        let out = cc.page(html, "/", "zh-Hant").unwrap();
        assert!(out.contains("<title>規範性文件</title>"), "{out}");
        assert!(!out.contains("檔案"), "S2t never replaces words: {out}");
        assert!(out.contains(r#"content="關於廢止的決定""#), "{out}");
        assert!(out.contains(r#"content="https://x/docs/发/""#), "addresses stay: {out}");
        assert!(out.contains(r#"{"name":"规范性文件"}"#), "JSON-LD stays: {out}");
        assert!(
            out.contains(r#"<a href="/zh-Hant/docs/a/" title="發佈機構">關於廢止《停車管理辦法》的決定</a>"#),
            "{out}"
        );
        assert!(out.contains(r#"href="/assets/x.css""#) && out.contains(r#"href="/docs/a/附件.pdf""#), "{out}");
        assert!(
            out.contains(r#"<a data-script-link translate="no" href="/docs/a/">简体</a>"#),
            "the switch stays: {out}"
        );
        assert!(out.contains("<span translate=\"no\">简体<b>中文</b></span>"), "{out}");
        assert!(out.contains(r#"alt="國務院" src="/发.png""#), "{out}");
        assert!(out.contains(r#"href="https://other.example/x/""#), "{out}");
    }

    #[test]
    fn the_one_pass_conversion_agrees_with_lol_html_or_steps_aside() {
        let cc = Converter::new().unwrap();
        let taken = [
            r#"<!DOCTYPE html><html lang="zh-CN"><head><title>规范性文件</title><meta charset="utf-8"><meta name="description" content="关于发布"><meta name="viewport" content="width=device-width"></head><body><p>发布<br>机构<img alt="国务院" src="/发.png"/></p></body></html>"#,
            r#"<a href="/docs/a/" title="发布" class='x' data-label="标签">关于</a><a data-script-link href="/docs/a/">简体</a>"#,
            r#"<div translate="no">简体<b>中文</b><span title="发布">发</span></div><p>发</p>"#,
            r#"<script>var s = "<p>发</p>";</script><style>p::after{content:"发"}</style><textarea>发布</textarea>"#,
            r#"<!-- 注释 发 --><p title="a &amp;lt; 发 &quot;">x &amp; 发</p><form action="/search/"><input placeholder="搜索"></form>"#,
            r#"<body data-names='{"a":"In force"}' title="x">x</body>"#,
            r#"<abbr title='WTO' class='c'>WTO</abbr><img  src="/x.png" alt="logo"/><abbr title>x</abbr><meta name="description" content="Gazette" >"#,
            r#"<div><param translate="no">发</div><p>发</p>"#,
            "<p\ntitle=\"发\"\n>发</p>",
        ];
        for html in taken {
            let fast = cc.scan(html, "/", "zh-Hant");
            assert_eq!(fast.as_deref(), Some(cc.rewrite(html, "/", "zh-Hant").unwrap().as_str()), "{html}");
        }
        let aside = [
            "<p>发<li>发</p>",
            "<p title=发>发</p>",
            "<svg><title>发</title></svg>",
            "<P>发</P>",
            "<p>发 < 发</p>",
            "<!--->发-->",
            "<![CDATA[发]]>",
            "<div/>发",
            r#"<p title="a" title="b">发</p>"#,
            "<script>发</script >",
            "<p>发",
            "<!--x--!>发-->",
            "<script><!--<script></script>发<!--</script>-->",
        ];
        for html in aside {
            if let Some(fast) = cc.scan(html, "/", "zh-Hant") {
                assert_eq!(fast, cc.rewrite(html, "/", "zh-Hant").unwrap(), "{html}");
            }
        }
        assert!(cc.scan("<p>发<li>发</p>", "/", "zh-Hant").is_none());
        assert!(cc.scan("<p title=发>发</p>", "/", "zh-Hant").is_none());
    }

    #[test]
    fn links_to_pages_move_to_the_prefix_once() {
        assert_eq!(to_hant("/", "/", "zh-Hant").as_deref(), Some("/zh-Hant/"));
        assert_eq!(to_hant("/search/?q=a", "/", "zh-Hant").as_deref(), Some("/zh-Hant/search/?q=a"));
        assert_eq!(to_hant("/sub/docs/x/#p", "/sub/", "zh-Hant").as_deref(), Some("/sub/zh-Hant/docs/x/#p"));
        assert_eq!(to_hant("/zh-Hant/docs/x/", "/", "zh-Hant"), None);
        assert_eq!(to_hant("/data/documents.csv", "/", "zh-Hant"), None);
        assert_eq!(to_hant("/feeds/", "/", "zh-Hant"), None);
        assert_eq!(to_hant("#main", "/", "zh-Hant"), None);
        assert_eq!(to_hant("/docs/x/text.md", "/", "zh-Hant"), None);
    }
}
