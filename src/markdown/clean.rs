//! HTML post-processing of a record's rendered text, with lol_html: the one place where raw
//! HTML from editors is made safe and where `doc:` and relative links become site URLs.
//! Whatever the Markdown held, no element that runs script, no event-handler attribute and no
//! script URL leaves this function.

use lol_html::html_content::Element;
use lol_html::{ElementContentHandlers, HtmlRewriter, Selector, Settings, doc_comments};
use std::borrow::Cow;

use crate::markdown::{RAW_TEXT_ELEMENTS, URL_ATTRS, URL_LIST_ATTRS};

/// Elements removed with their content: they run code or restyle the page, and their content is
/// not markup a browser would read as such here (script and style text, the foreign content of
/// SVG and MathML, whose CDATA sections would turn into markup once the element is gone). The
/// checks report any of them left unclosed (`raw-html-unclosed`), since it would take the rest of
/// the text with it. See [`RAW_TEXT_ELEMENTS`].
const DROP: &[&str] = RAW_TEXT_ELEMENTS;

/// Elements whose tags are removed and whose content stays: they load other documents, send
/// forms or change how the page's addresses resolve, but what they hold is ordinary text, which
/// an unclosed one must not take with it.
const UNWRAP: &[&str] =
    &["frame", "frameset", "object", "embed", "applet", "base", "meta", "link", "form", "portal", "fencedframe"];

/// What to do with a link destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkAction {
    /// Leave it as written (an outside address, a fragment).
    Keep,
    /// Point it elsewhere (a `doc:` id or a file, made into a site URL).
    Replace(String),
    /// Drop the destination and keep the text: the target is not public, or not there.
    Remove,
}

impl LinkAction {
    /// The action in the form Markdown's link rewrite takes (see `markdown::Rewrite`): `None`
    /// keeps the destination, `Some(None)` drops the link, `Some(Some(url))` points it there.
    pub(crate) fn rewrite(self) -> Option<Option<String>> {
        match self {
            LinkAction::Keep => None,
            LinkAction::Replace(url) => Some(Some(url)),
            LinkAction::Remove => Some(None),
        }
    }
}

/// How many times [`clean`] rewrites a text at most before giving up on it.
const PASSES: usize = 4;

/// Elements whose `name` becomes a property of `document` (`<image>` is read as `<img>`).
const NAMED_ON_DOCUMENT: &[&str] = &["img", "image", "embed", "object", "form", "iframe", "frame"];

/// Rewrites `html`: drops dangerous elements and attributes, and passes every link destination
/// through `link`. The rewrite is repeated on its own output (links then kept as they are) until
/// nothing changes: lol_html can lose track of where a removed element ended
/// (`<svg/></x><title onclick=…>` keeps its handler after one pass), and what one pass leaves
/// the next sees plainly. A text that still changes after `PASSES` rewrites is escaped whole.
pub fn clean(html: &str, link: &dyn Fn(&str) -> LinkAction) -> String {
    let mut text = clean_once(html, link);
    for _ in 1..PASSES {
        let again = clean_once(&text, &|_| LinkAction::Keep);
        if again == text {
            return text;
        }
        text = again;
    }
    super::escape::escape(html)
}

/// One pass of [`clean`].
fn clean_once(html: &str, link: &dyn Fn(&str) -> LinkAction) -> String {
    let mut out = Vec::with_capacity(html.len() + 64);
    // Parsed once: a text of many tags is cleaned piece by piece (see `cmark::cleaned_pieces`).
    static SELECTORS: std::sync::LazyLock<[Selector; 3]> = std::sync::LazyLock::new(|| {
        let parse = |s: &str| s.parse::<Selector>().expect("the cleaner's selectors are valid");
        [parse(&DROP.join(",")), parse(&UNWRAP.join(",")), parse("*")]
    });
    let [drop, unwrap, every] = &*SELECTORS;
    let on = |sel: &'static Selector| Cow::Borrowed(sel);
    let mut rw = HtmlRewriter::new(
        Settings {
            element_content_handlers: vec![
                (
                    on(drop),
                    ElementContentHandlers::default().element(|el: &mut Element<'_, '_>| {
                        el.remove();
                        Ok(())
                    }),
                ),
                (
                    on(unwrap),
                    ElementContentHandlers::default().element(|el: &mut Element<'_, '_>| {
                        el.remove_and_keep_content();
                        Ok(())
                    }),
                ),
                (
                    on(every),
                    ElementContentHandlers::default().element(|el: &mut Element<'_, '_>| {
                        // `<doc:ID>` inside an HTML block is an element to the parser, named by the
                        // id: it goes, whatever the id names.
                        if crate::markdown::doc_target(&el.tag_name()).is_some() {
                            el.remove_and_keep_content();
                        }
                        scrub(el, link);
                        Ok(())
                    }),
                ),
            ],
            // Comments are notes between editors, never part of the published text.
            document_content_handlers: vec![doc_comments!(|c| {
                c.remove();
                Ok(())
            })],
            ..Settings::new()
        },
        |c: &[u8]| out.extend_from_slice(c),
    );
    // Errors only come from handlers or memory limits; ours never fail.
    if rw.write(html.as_bytes()).is_err() || rw.end().is_err() {
        return super::escape::escape(html);
    }
    String::from_utf8(out).unwrap_or_default()
}

fn scrub(el: &mut Element<'_, '_>, link: &dyn Fn(&str) -> LinkAction) {
    let mut names: Vec<String> = el.attributes().iter().map(|a| a.name()).collect();
    // A repeated attribute means nothing to a browser (the first one counts) but may to another
    // parser (some take the last), and the checks below only see the first: keep the first alone.
    let count = names.len();
    names.sort();
    names.dedup();
    if names.len() < count {
        for name in &names {
            if el.attributes().iter().filter(|a| a.name() == *name).count() > 1 {
                let first = el.get_attribute(name).unwrap_or_default();
                el.remove_attribute(name);
                let _ = el.set_attribute(name, &first);
            }
        }
    }
    for name in names {
        let lower = name.to_ascii_lowercase();
        // `data-*` and `class` are the site's own hooks: its script reads the state, timeline
        // and citation of a record from `data-*` attributes, and its style sheet draws the
        // banners of a repealed or superseded text from classes. Left on a text's own HTML, they
        // would let the text claim a legal state the record does not have.
        // A `name` on an image, form, frame or object names a property of `document` and
        // hides the browser's own (`<img name="querySelectorAll">`), which would stop the site's
        // script from putting the record's state right. Elsewhere it stays: an anchor
        // (`<a name>`), an image map (`<map name>`), an accordion (`<details name>`).
        let clobbers = lower == "name" && NAMED_ON_DOCUMENT.contains(&el.tag_name().to_ascii_lowercase().as_str());
        if lower.starts_with("on")
            || lower == "style"
            || lower == "formaction"
            || lower == "class"
            || lower.starts_with("data-")
            || clobbers
        {
            el.remove_attribute(&name);
            continue;
        }
        // Judged as a browser reads it: with its character references decoded.
        let value = crate::markdown::decode_refs(&el.get_attribute(&name).unwrap_or_default()).into_owned();
        if URL_ATTRS.contains(&lower.as_str()) {
            match act(link, value.trim()) {
                LinkAction::Keep => {}
                LinkAction::Replace(new) => {
                    let _ = el.set_attribute(&name, &new);
                }
                LinkAction::Remove => el.remove_attribute(&name),
            }
        } else if URL_LIST_ATTRS.contains(&lower.as_str()) {
            match url_list(&value, lower == "ping", link) {
                Some(new) => {
                    let _ = el.set_attribute(&name, &new);
                }
                None => el.remove_attribute(&name),
            }
        }
    }
    // A link whose address went (to a record not public, a script) is left with no attribute: to
    // a reader it is its text, and so it is written, also in `text.md`, where a bare `<a>` at the
    // start of a line would be escaped and shown as a tag.
    if el.tag_name().eq_ignore_ascii_case("a") && el.attributes().is_empty() {
        el.remove_and_keep_content();
    }
}

/// What to do with one URL of an attribute: a script URL goes, whatever `link` says.
fn act(link: &dyn Fn(&str) -> LinkAction, url: &str) -> LinkAction {
    if is_script_url(url) { LinkAction::Remove } else { link(url) }
}

/// A `srcset` (candidates `url descriptor` separated by commas) or, with `spaces`, a `ping`
/// (URLs separated by whitespace) with each URL passed through `link`; a URL that must go takes
/// its candidate with it. `None` when nothing is left.
fn url_list(value: &str, spaces: bool, link: &dyn Fn(&str) -> LinkAction) -> Option<String> {
    let items: Vec<&str> = if spaces {
        value.split_whitespace().collect()
    } else {
        value.split(',').map(str::trim).filter(|c| !c.is_empty()).collect()
    };
    let kept: Vec<String> = items
        .into_iter()
        .filter_map(|item| {
            let (url, rest) = item.split_once(char::is_whitespace).map_or((item, ""), |(u, r)| (u, r.trim()));
            let url = match act(link, url) {
                LinkAction::Keep => url.to_string(),
                LinkAction::Replace(new) => new,
                LinkAction::Remove => return None,
            };
            Some(if rest.is_empty() { url } else { format!("{url} {rest}") })
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join(if spaces { " " } else { ", " }))
}

/// `javascript:`, `vbscript:` and `data:` URLs, however they are disguised with case, spaces,
/// control characters or character references (lol_html hands attribute values over as written,
/// so `&#106;avascript:` or `java&#x09;script:` arrive undecoded; a browser decodes them).
pub(crate) fn is_script_url(v: &str) -> bool {
    let squeezed: String = crate::markdown::decode_refs(v)
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    squeezed.starts_with("javascript:") || squeezed.starts_with("vbscript:") || squeezed.starts_with("data:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> LinkAction {
        LinkAction::Keep
    }

    #[test]
    fn removes_everything_that_runs() {
        let dirty = r#"<p onclick="x()">a<script>alert(1)</script><img src="x" onerror="y()"><a href=" JaVa&#x09;script:z()">l</a><iframe src="//e"></iframe><svg onload=1></svg></p>"#;
        let c = clean(dirty, &none);
        let l = c.to_ascii_lowercase();
        for bad in ["<script", "onclick", "onerror", "javascript", "<iframe", "<svg", "onload"] {
            assert!(!l.contains(bad), "{bad} left in {c}");
        }
        assert!(c.contains("<img src=\"x\">"), "{c}");
    }

    #[test]
    fn the_sites_own_hooks_are_taken_off_a_texts_html() {
        let dirty = r#"<span data-timeline='{"changes":[]}' class="state-banner banner-repealed" title="t"><b data-state class="state">x</b></span>"#;
        let c = clean(dirty, &none);
        assert_eq!(c, r#"<span title="t"><b>x</b></span>"#);
    }

    #[test]
    fn no_name_hides_a_property_of_the_document_but_anchors_keep_theirs() {
        let dirty = r#"<img name="querySelectorAll" src="x"><IMG NAME="body"><form name="forms"></form><a name="t1">第一条</a><map name="plan"></map>"#;
        let c = clean(dirty, &none);
        assert!(!c.contains("querySelectorAll") && !c.contains("\"body\"") && !c.contains("forms"), "{c}");
        assert!(c.contains(r#"<a name="t1">"#) && c.contains(r#"<map name="plan">"#), "{c}");
    }

    #[test]
    fn what_one_pass_misses_the_next_removes() {
        for dirty in ["<svg/></x><title onclick=x>t", "<svg/></img><title onclick=x>t"] {
            let c = clean(dirty, &none);
            assert!(!c.contains("onclick"), "{dirty} → {c}");
        }
    }

    #[test]
    fn repeated_attributes_keep_only_the_first() {
        let c = clean(
            r#"<a href="https://e.cn/" HREF="javascript:x" onclick="y" title="t" href="vbscript:z">l</a>"#,
            &none,
        );
        assert_eq!(c, r#"<a title="t" href="https://e.cn/">l</a>"#);
    }

    #[test]
    fn script_urls_spelt_with_character_references_are_removed() {
        for url in [
            "&#106;avascript:x",
            "&#x6A;avascript:x",
            "&#0106avascript:x",
            "java&#x09;script:x",
            "jav&Tab;ascript:x",
            "javascript&colon;x",
            "javascript&#58;x",
            "d&#97;ta:x",
            "vbscript&#x3a;x",
        ] {
            assert!(is_script_url(url), "{url}");
            // The link goes with its address; its text stays.
            let c = clean(&format!("<a href=\"{url}\">l</a>"), &none);
            assert_eq!(c, "l", "{url}");
        }
        for url in ["&amp;#106;avascript:x", "https://e.cn/?a=1&b=2", "&#999999999;x", "&#;x", "&"] {
            assert!(!is_script_url(url), "{url}");
        }
    }

    #[test]
    fn rewrites_every_url_attribute() {
        let act = |h: &str| match h {
            "doc:secret" | "secret.md" => LinkAction::Remove,
            "a.png" => LinkAction::Replace("/docs/x/a.png".into()),
            _ => LinkAction::Keep,
        };
        let c = clean(
            r#"<blockquote cite="doc:secret">q</blockquote><img src="a.png" srcset="secret.md 1x, a.png 2x, javascript:x 3x"><img srcset="secret.md 1x"><video poster="secret.md"></video><a href="https://e.cn" ping="doc:secret https://p.cn">p</a><q cite=" doc:secret ">r</q>"#,
            &act,
        );
        assert!(!c.contains("secret") && !c.contains("javascript"), "{c}");
        assert!(c.contains(r#"srcset="/docs/x/a.png 2x""#), "{c}");
        assert!(c.contains(r#"ping="https://p.cn""#), "{c}");
        assert!(c.contains("<img>") && c.contains("<video>") && c.contains("<blockquote>"), "{c}");
    }

    #[test]
    fn rewrites_links() {
        let act = |h: &str| match h.strip_prefix("doc:") {
            Some("gone") => LinkAction::Remove,
            Some(id) => LinkAction::Replace(format!("/docs/{id}/")),
            None => LinkAction::Keep,
        };
        let c = clean(r#"<a href="doc:a/b">x</a><a href="https://e.cn">y</a><a href="doc:gone">z</a>"#, &act);
        assert!(c.contains(r#"href="/docs/a/b/""#), "{c}");
        assert!(c.contains(r#"href="https://e.cn""#), "{c}");
        assert!(c.ends_with("</a>z") && !c.contains("gone") && !c.contains("<a>"), "{c}");
        // An anchor without an address keeps its name.
        assert_eq!(clean(r#"<a name="t1">标</a>"#, &act), r#"<a name="t1">标</a>"#);
    }
}
