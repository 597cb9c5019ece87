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
    pub(crate) fn page(&self, html: &str, base: &str, prefix: &str) -> Result<String, String> {
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
                    for name in READ_ATTRIBUTES {
                        if let Some(v) = el.get_attribute(name) {
                            el.set_attribute(name, &self.text(&decode_basic(&v)))?;
                        }
                    }
                    Ok(())
                }),
                element!("meta[name][content]", |el| {
                    if el.get_attribute("translate").is_some_and(|v| v == "no") {
                        return Ok(());
                    }
                    let name = el.get_attribute("name").unwrap_or_default().to_ascii_lowercase();
                    if !name.is_empty() && !META_KEEP.contains(&name.as_str()) {
                        if let Some(v) = el.get_attribute("content") {
                            el.set_attribute("content", &self.text(&decode_basic(&v)))?;
                        }
                    }
                    Ok(())
                }),
                element!("a[href], area[href], form[action]", |el| {
                    if el.get_attribute("data-script-link").is_some() {
                        return Ok(());
                    }
                    let attr = if el.tag_name() == "form" { "action" } else { "href" };
                    if let Some(h) = el.get_attribute(attr) {
                        if let Some(to) = to_hant(&h, base, prefix) {
                            el.set_attribute(attr, &to)?;
                        }
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

/// Attribute values come from lol_html as written; gongbao's templates escape only these five,
/// and `set_attribute` escapes again, so they are decoded first.
fn decode_basic(v: &str) -> String {
    if !v.contains('&') {
        return v.to_string();
    }
    v.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
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
