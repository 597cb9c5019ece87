//! The Markdown half of a record: CommonMark with tables, footnotes and strikethrough, rendered
//! to HTML once per record. Headings get readable, stable ids (Chinese text stays Chinese).
//! Links are recorded with their positions so the checks can tell which point nowhere; raw HTML
//! that could run script is recorded too (and removed later, in `render`).

pub(crate) mod clean;
pub(crate) mod cmark;
pub(crate) mod escape;
pub(crate) mod typeset;

use crate::model::diag::Pos;
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use std::collections::BTreeMap;

/// Where a link in the text points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `doc:ID`: another record.
    Record(String),
    /// A relative path: a file beside the record.
    File(String),
}

/// A link the checks must resolve.
#[derive(Debug, Clone)]
pub struct Link {
    /// What it points at.
    pub target: Target,
    /// Where it is written, in file coordinates.
    pub pos: Pos,
}

/// A heading, for the page's table of contents.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Heading {
    /// 1–6.
    pub level: u8,
    /// The `id` attribute.
    pub id: String,
    /// The heading's text.
    pub text: String,
}

/// The rendered text of a record.
#[derive(Debug, Clone, Default)]
pub(crate) struct Body {
    /// HTML, not yet sanitised or link-rewritten (see `render::html`); empty unless asked for.
    pub html: String,
    /// Links to records and files.
    pub links: Vec<Link>,
    /// Positions of raw HTML that could run script.
    pub scripts: Vec<Pos>,
    /// Headings in order.
    pub headings: Vec<Heading>,
    /// The first sentences as plain text, for descriptions.
    pub excerpt: String,
    /// Characters of text.
    pub chars: usize,
    /// Whether the text holds raw HTML (which `render` must then sanitise).
    pub raw_html: bool,
    /// Raw HTML elements (or comments) opened and never closed, which would swallow the rest of
    /// the text: where, and the element's name.
    pub unclosed: Vec<(Pos, String)>,
    /// Personal data in the text (identity, mobile and card numbers), where each starts.
    pub personal: Vec<(Pos, crate::model::personal::Found)>,
    /// `doc:` written in the text of raw HTML (not in an attribute): shown as written, id and all,
    /// since Markdown inside an HTML block is not read as Markdown.
    pub html_doc: Vec<Pos>,
    /// `doc:` in the text Markdown did not read as a link (`[文字](doc: id)`, with a space; a
    /// bare `doc:id`), with what follows it as an id would be written: shown as written, and
    /// so a finding when a record has that id.
    pub text_doc: Vec<(Pos, String)>,
}

/// The Markdown extensions every reading of a text uses.
const OPTIONS: Options = Options::ENABLE_TABLES.union(Options::ENABLE_FOOTNOTES).union(Options::ENABLE_STRIKETHROUGH);

/// Characters of plain text kept as a record's excerpt.
const EXCERPT: usize = 120;

/// What to do with a link destination while rendering: `None` keeps it, `Some(None)` drops the
/// link (its text stays), `Some(Some(url))` points it elsewhere.
pub(crate) type Rewrite<'a> = &'a dyn Fn(&str) -> Option<Option<String>>;

/// Reads `md`, which starts at byte `base` of `full` (the whole file), so positions point
/// into the file the editor has open. With `html`, also renders it; `parse` only scans (the
/// HTML of tens of thousands of records would not fit in memory at once), and `render` renders
/// each record again when it writes its page.
pub(crate) fn render(full: &str, base: usize, md: &str, html: bool) -> Body {
    render_with(full, base, md, html, None)
}

/// [`render`], rewriting link and image destinations on the way, so that a text without raw
/// HTML needs no second pass over its HTML.
pub(crate) fn render_with(full: &str, base: usize, md: &str, html: bool, rewrite: Option<Rewrite<'_>>) -> Body {
    let (mut body, mut events) = walk(full, base, md, html, rewrite);
    if html {
        typeset::typeset(&mut events);
        pulldown_cmark::html::push_html(&mut body.html, events.into_iter());
    }
    body
}

/// The one pass over a text that [`render_with`] renders and [`cmark::republish`] writes back
/// as Markdown: the scan into a [`Body`] (without HTML), and with `keep` the events after the
/// link rewrite and heading ids, so both outputs show the same links in the same way.
fn walk<'m>(full: &str, base: usize, md: &'m str, keep: bool, rewrite: Option<Rewrite<'_>>) -> (Body, Vec<Event<'m>>) {
    let opts = OPTIONS;
    // Positions are found going forward through the text: a text with tens of thousands of
    // links must not be counted from its start for each one.
    let mut locator = crate::model::diag::Locator::new(full);
    let mut pos = |off: usize| locator.at(base + off);
    let mut body = Body::default();
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut used_ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut heading_at: Option<(usize, HeadingLevel, String)> = None;
    // For each open link or image: whether its tags are dropped.
    let mut dropped: Vec<bool> = Vec::new();
    // Characters in the excerpt so far; it stops growing at EXCERPT.
    let mut excerpt = 0usize;
    let add = |body: &mut Body, excerpt: &mut usize, s: &str| {
        if *excerpt < EXCERPT && !(s == " " && (body.excerpt.is_empty() || body.excerpt.ends_with(' '))) {
            body.excerpt.push_str(s);
            *excerpt += s.chars().count();
        }
    };
    // Inside `<doc:ID>`, whose text is the id: no description or heading shows it, and when
    // the link is dropped (its target is not public) neither does the page.
    let (mut doc_autolink, mut hide_text) = (false, false);
    // Raw HTML as written, with its offsets, to find elements left open.
    let mut raw_pieces: Vec<(String, usize)> = Vec::new();
    // The text of the block read so far, as the reader sees it, for personal data.
    let mut seen = Seen::default();
    // Inside a code block, whose lines the page shows as they are written.
    let mut code_block = false;
    // Elements open in inline raw HTML whose content the page does not show.
    let mut dropped_open: Vec<String> = Vec::new();
    for (mut ev, range) in Parser::new_ext(md, opts).into_offset_iter() {
        if let Event::InlineHtml(h) = &ev {
            track_dropped(h, &mut dropped_open);
        } else if matches!(ev, Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::TableCell)) {
            // Inline HTML does not reach past its block.
            dropped_open.clear();
        }
        match &ev {
            // A line break inside a paragraph is a space to the reader: `138` at the end of one
            // line and `1234 5678` on the next are one number on the page.
            Event::SoftBreak | Event::HardBreak if !doc_autolink => seen.space(),
            // A code block keeps its lines: each is read on its own. (Where its lines are joined
            // by a space, in the page's description, the excerpt is read below.)
            Event::Text(t) if code_block => {
                let exact = t.len() == range.len();
                let mut at = 0;
                for line in t.split_inclusive('\n') {
                    seen.push(line, range.start + if exact { at } else { 0 }, exact);
                    seen.flush(&mut |at, f| body.personal.push((pos(at), f)));
                    at += line.len();
                }
            }
            Event::Text(t) | Event::Code(t) if !doc_autolink => seen.push(t, range.start, t.len() == range.len()),
            // Inline markup does not cut the text a reader sees: `**138**1234 5678`.
            Event::Start(
                Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Superscript | Tag::Subscript,
            )
            | Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Superscript
                | TagEnd::Subscript,
            ) => {}
            // Raw HTML is read as a browser shows it, below; a block of it ends with its end.
            Event::Html(_) | Event::InlineHtml(_) => {}
            _ => {
                seen.flush(&mut |at, f| body.personal.push((pos(at), f)));
                match &ev {
                    Event::Start(Tag::CodeBlock(_)) => code_block = true,
                    Event::End(TagEnd::CodeBlock) => code_block = false,
                    _ => {}
                }
            }
        }
        if let Event::Text(t) = &ev
            && !code_block
            && !doc_autolink
            && dropped_open.is_empty()
            && let Some((at, id)) = doc_in_text(t)
        {
            let exact = t.len() == range.len();
            body.text_doc.push((pos(range.start + if exact { at } else { 0 }), id));
        }
        match &ev {
            Event::Text(_) | Event::Code(_) if doc_autolink || !dropped_open.is_empty() => {}
            Event::Start(Tag::Heading { level, .. }) => heading_at = Some((events.len(), *level, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((at, level, text)) = heading_at.take() {
                    let id = unique_id(&mut used_ids, &slug(&text));
                    if let Some(Event::Start(Tag::Heading { id: slot, .. })) = events.get_mut(at) {
                        *slot = Some(CowStr::from(id.clone()));
                    }
                    body.headings.push(Heading { level: level as u8, id, text });
                }
                add(&mut body, &mut excerpt, " ");
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, h)) = heading_at.as_mut() {
                    h.push_str(t);
                }
                add(&mut body, &mut excerpt, t);
                body.chars += t.chars().count();
            }
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => {
                add(&mut body, &mut excerpt, " ")
            }
            Event::Start(Tag::Link { dest_url, title, .. }) | Event::Start(Tag::Image { dest_url, title, .. }) => {
                // `tel:13812345678` and a title shown on hover are published too.
                let dest = percent_decoded(dest_url);
                for f in crate::model::personal::find(&dest).into_iter().chain(crate::model::personal::find(title)) {
                    body.personal.push((pos(range.start), f));
                }
                doc_autolink = matches!(&ev, Event::Start(Tag::Link { link_type: LinkType::Autolink, .. }))
                    && doc_target(dest_url).is_some();
                if could_run_script(dest_url) {
                    body.scripts.push(pos(range.start));
                }
                if let Some(target) = classify(dest_url) {
                    body.links.push(Link { target, pos: pos(range.start) });
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                // Raw HTML shows its text, joined to the text around it across inline tags
                // (`<b>138</b>1234 5678`), and its attributes (`title`, `href="tel:…"`), as a
                // browser decodes them.
                // A text written only in raw HTML (a table pasted whole) is still a text.
                body.chars += seen.html(h, range.start, &mut |at, f| body.personal.push((pos(at), f)));
                body.raw_html = true;
                raw_pieces.push((h.to_string(), range.start));
                if let Some(at) = doc_in_html_text(h) {
                    body.html_doc.push(pos(range.start + at));
                }
                if could_run_script(h) {
                    body.scripts.push(pos(range.start));
                }
                // Addresses in raw HTML are links like any other: checked, copied, rewritten,
                // and part of what a cached page depends on.
                for (url, at) in raw_html_urls(h) {
                    let off = range.start + md[range.clone()].find(url.as_str()).unwrap_or(at).min(range.len());
                    if let Some(target) = classify(&url) {
                        body.links.push(Link { target, pos: pos(off) });
                    }
                }
            }
            _ => {}
        }
        if matches!(ev, Event::End(TagEnd::Link)) {
            doc_autolink = false;
        }
        if let Some(rw) = rewrite {
            match &mut ev {
                Event::Start(Tag::Link { dest_url, link_type, .. })
                | Event::Start(Tag::Image { dest_url, link_type, .. }) => match rw(dest_url) {
                    None => dropped.push(false),
                    Some(Some(url)) => {
                        *dest_url = CowStr::from(url);
                        dropped.push(false);
                    }
                    Some(None) => {
                        // An autolink's text is its address: it goes with the address.
                        hide_text = matches!(link_type, LinkType::Autolink | LinkType::Email);
                        dropped.push(true);
                        continue;
                    }
                },
                Event::End(TagEnd::Link | TagEnd::Image) if dropped.pop() == Some(true) => {
                    hide_text = false;
                    continue;
                }
                Event::Text(_) | Event::Code(_) if hide_text => continue,
                _ => {}
            }
        }
        if keep {
            events.push(ev);
        }
    }
    seen.flush(&mut |at, f| body.personal.push((pos(at), f)));
    body.excerpt = body.excerpt.chars().take(EXCERPT).collect::<String>().trim().to_string();
    // The excerpt (a page's description, a feed's summary) joins blocks with a space: a number
    // cut by a paragraph break or a table cell is whole there.
    for f in crate::model::personal::find(&body.excerpt) {
        if !body.personal.iter().any(|(_, g)| g.same_number(&f)) {
            body.personal.push((pos(0), f));
        }
    }
    if !raw_pieces.is_empty() {
        let pieces: Vec<(&str, usize)> = raw_pieces.iter().map(|(t, at)| (t.as_str(), *at)).collect();
        body.unclosed = unclosed_raw(&pieces).into_iter().map(|(at, name)| (pos(at), name)).collect();
    }
    (body, events)
}

/// The text of one block as the reader sees it, gathered across what cuts it in the source
/// (inline markup and tags, entities and escapes, line breaks), with where each piece of it is
/// written, and read for personal data when the block ends.
#[derive(Default)]
struct Seen {
    text: String,
    /// (offset in `text`, offset in the source, whether the piece is the source as written).
    pieces: Vec<(usize, usize, bool)>,
}

impl Seen {
    /// Adds text written at `src` (`exact`: as it stands in the source). Runs of white space are
    /// one space on the page, as a browser shows them.
    fn push(&mut self, s: &str, src: usize, exact: bool) {
        if s.is_empty() {
            return;
        }
        let plain =
            !(s.contains(['\n', '\r', '\t']) || s.contains("  ") || (s.starts_with(' ') && self.text.ends_with(' ')));
        if plain {
            self.pieces.push((self.text.len(), src, exact));
            self.text.push_str(s);
        } else {
            // Each run between white space is a piece of its own, so that what is found in it
            // is placed where it is written, not at the start of the text.
            let mut in_run = false;
            for (k, c) in s.char_indices() {
                if !c.is_ascii_whitespace() {
                    // Offsets into a text that is not the source as written (references
                    // decoded) are not the source's: such a piece is placed at its start.
                    if !in_run {
                        self.pieces.push((self.text.len(), if exact { src + k } else { src }, exact));
                    }
                    in_run = true;
                    self.text.push(c);
                } else {
                    in_run = false;
                    self.space();
                }
            }
        }
    }

    /// A line break or `<br>`: a space on the page.
    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with(' ') {
            self.text.push(' ');
        }
    }

    /// Adds raw HTML written at `src`: its text joined across inline tags, and each tag's
    /// attributes read for personal data apart. Returns how many characters of text it shows
    /// (white space aside).
    fn html(&mut self, h: &str, src: usize, found: &mut dyn FnMut(usize, crate::model::personal::Found)) -> usize {
        let mut shown = 0;
        for piece in html_pieces(h) {
            match piece {
                HtmlPiece::Text(t, at) => {
                    shown += t.chars().filter(|c| !c.is_whitespace()).count();
                    let text = decode_refs(t);
                    self.push(&text, src + at, text.len() == t.len());
                }
                HtmlPiece::Tag(t, at, flow) => {
                    // An attribute can hold an address (`href="tel:138%201234%205678"`).
                    for f in crate::model::personal::find(&percent_decoded(&decode_refs(t))) {
                        found(src + at, f);
                    }
                    match flow {
                        Flow::Inline => {}
                        Flow::Break => self.space(),
                        Flow::Block => self.flush(found),
                    }
                }
            }
        }
        shown
    }

    /// Reads what was gathered and starts again. A finding is placed at its own offset in the
    /// source when its piece is the source as written, else at the start of that piece.
    fn flush(&mut self, found: &mut dyn FnMut(usize, crate::model::personal::Found)) {
        if self.text.bytes().any(|b| b.is_ascii_digit()) || self.text.contains(|c: char| ('０'..='９').contains(&c)) {
            for f in crate::model::personal::find(&self.text) {
                let k = self.pieces.partition_point(|p| p.0 <= f.at).saturating_sub(1);
                let (text_at, src, exact) = self.pieces.get(k).copied().unwrap_or((0, 0, false));
                found(if exact { src + (f.at - text_at) } else { src }, f);
            }
        }
        self.text.clear();
        self.pieces.clear();
    }
}

/// Personal data in a page of HTML or XML (a published attachment), read as a browser shows
/// it, with the byte offset of each finding.
pub(crate) fn personal_in_html(html: &str) -> Vec<(usize, crate::model::personal::Found)> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    let _ = seen.html(html, 0, &mut |at, f| out.push((at, f)));
    seen.flush(&mut |at, f| out.push((at, f)));
    out.sort_by_key(|(at, _)| *at);
    out
}

/// How a tag of raw HTML places the text after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// In the same line of text (`<b>`, `<span>`, `</a>`, a comment, any element a browser shows
    /// inline or the cleaner removes).
    Inline,
    /// On the next line of the same block (`<br>`).
    Break,
    /// In another block (`<td>`, `<p>`, `<li>`).
    Block,
}

/// A piece of raw HTML: text (with its byte offset), or a tag or comment (with its offset and
/// how it places the text after it).
#[derive(Debug, PartialEq, Eq)]
enum HtmlPiece<'h> {
    Text(&'h str, usize),
    Tag(&'h str, usize, Flow),
}

/// Elements a browser shows as blocks of their own, or as cells: the text on either side of
/// one is not read as one line. Any other element, known or not, is read as inline, so that no
/// tag the tokenizer does not know cuts a number that the page shows whole.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "optgroup",
    "option",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
    "xmp",
];

/// Raw HTML cut into its text and its tags, as a browser tokenizes it in the common cases: a `<`
/// followed by a letter, `/`, `!` or `?` opens a tag that ends at the next `>` outside an
/// attribute value quoted after its `=`; a comment ends at `-->` (`<!-->` and `<!--->` are
/// empty ones). The text of `script` and `style`, which no page shows, is left out.
fn html_pieces(h: &str) -> Vec<HtmlPiece<'_>> {
    let b = h.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut text_from) = (0, 0);
    while i < b.len() {
        let opens =
            b[i] == b'<' && b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, b'/' | b'!' | b'?'));
        if !opens {
            i += 1;
            continue;
        }
        if text_from < i {
            out.push(HtmlPiece::Text(&h[text_from..i], text_from));
        }
        let end = if h[i..].starts_with("<!--") {
            if h[i..].starts_with("<!-->") {
                i + 5
            } else if h[i..].starts_with("<!--->") {
                i + 6
            } else {
                h[i + 4..].find("-->").map_or(b.len(), |e| i + 4 + e + 3)
            }
        } else {
            let mut quote = None;
            let mut j = i + 1;
            while j < b.len() {
                match (quote, b[j]) {
                    (None, b'"' | b'\'') if h[i..j].trim_end().ends_with('=') => quote = Some(b[j]),
                    (Some(q), c) if c == q => quote = None,
                    (None, b'>') => break,
                    _ => {}
                }
                j += 1;
            }
            (j + 1).min(b.len())
        };
        let tag = &h[i..end];
        let name = tag_name(tag);
        let flow = match name.as_str() {
            "br" => Flow::Break,
            n if BLOCKS.contains(&n) => Flow::Block,
            _ => Flow::Inline,
        };
        out.push(HtmlPiece::Tag(tag, i, flow));
        i = end;
        text_from = end;
        // A script's or a style sheet's text is not shown: skip to its end tag.
        if (name == "script" || name == "style") && !tag.starts_with("</") {
            let rest = h[end..].to_ascii_lowercase();
            let close = rest.find(&format!("</{name}")).map_or(b.len(), |k| end + k);
            i = close;
            text_from = close;
        }
    }
    if text_from < b.len() {
        out.push(HtmlPiece::Text(&h[text_from..], text_from));
    }
    out
}

/// The name of the element a tag opens or closes (`<TD class=x>` → `td`).
fn tag_name(tag: &str) -> String {
    tag.trim_start_matches(['<', '/'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Elements the cleaner removes with everything in them (see `render::html`): raw text
/// (script, style and the like, whose content a browser never reads as markup) and foreign
/// content (SVG, MathML). One left unclosed swallows the rest of the text, so the checks refuse
/// it.
/// `template` is no raw text, but a browser never shows what it holds either.
pub(crate) const RAW_TEXT_ELEMENTS: &[&str] =
    &["script", "style", "iframe", "noembed", "noframes", "noscript", "xmp", "plaintext", "svg", "math", "template"];

/// How inline raw HTML `h` (a tag, as Markdown gives it one at a time) moves the elements open
/// that the cleaner removes with their content ([`RAW_TEXT_ELEMENTS`]): the text between
/// `<script>` and `</script>` in a paragraph comes as text of its own, which the page never
/// shows and so no description, feed or heading may.
fn track_dropped(h: &str, open: &mut Vec<String>) {
    let tag = h.trim();
    if !tag.starts_with('<') || tag.starts_with("<!") || tag.starts_with("<?") {
        return;
    }
    let name = tag_name(tag);
    if !RAW_TEXT_ELEMENTS.contains(&name.as_str()) {
        return;
    }
    if tag.starts_with("</") {
        if let Some(k) = open.iter().rposition(|n| *n == name) {
            open.truncate(k);
        }
    } else if !tag.ends_with("/>") {
        open.push(name);
    }
}

/// Where, in raw HTML given as pieces (text, byte offset in the source), an element that would
/// take the rest of the text with it is opened and never closed: one of
/// [`RAW_TEXT_ELEMENTS`], `textarea` or `title` (whose text a browser shows in one box or not
/// at all), or a comment. Returns the source offset of each such opening and its name. Pieces are
/// read as one text in order, as the browser reads the page they end up in.
pub(crate) fn unclosed_raw(pieces: &[(&str, usize)]) -> Vec<(usize, String)> {
    let mut joined = String::new();
    let mut starts: Vec<(usize, usize)> = Vec::new();
    for (text, at) in pieces {
        starts.push((joined.len(), *at));
        joined.push_str(&text.to_ascii_lowercase());
    }
    let source = |k: usize| starts.iter().rev().find(|(j, _)| *j <= k).map_or(0, |(j, at)| at + (k - j));
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(lt) = joined[i..].find('<').map(|k| i + k) {
        if joined[lt..].starts_with("<!--") {
            match joined[lt + 4..].find("-->") {
                Some(k) => i = lt + 4 + k + 3,
                None => {
                    out.push((source(lt), "<!--".to_string()));
                    break;
                }
            }
            continue;
        }
        let name_len = bytes[lt + 1..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        let name = &joined[lt + 1..lt + 1 + name_len];
        let boundary = bytes.get(lt + 1 + name_len).is_none_or(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/');
        i = lt + 1;
        if name_len == 0 || !boundary || !(RAW_TEXT_ELEMENTS.contains(&name) || name == "textarea" || name == "title") {
            continue;
        }
        // The matching end tag, counting nested ones of the same name (SVG in SVG).
        let (open, close) = (format!("<{name}"), format!("</{name}"));
        let (mut depth, mut at) = (1usize, lt + 1 + name_len);
        while depth > 0 {
            let next_close = joined[at..].find(&close).map(|k| at + k);
            let next_open =
                if matches!(name, "svg" | "math") { joined[at..].find(&open).map(|k| at + k) } else { None };
            match (next_open, next_close) {
                (Some(o), Some(c)) if o < c => {
                    depth += 1;
                    at = o + open.len();
                }
                (_, Some(c)) => {
                    depth -= 1;
                    at = c + close.len();
                }
                (_, None) => break,
            }
        }
        if depth > 0 {
            out.push((source(lt), name.to_string()));
            break;
        }
        i = at;
    }
    out
}

/// Attributes holding one URL: each is checked for script URLs and rewritten like a Markdown
/// link, so a `doc:` id or a file name never reaches the page as written.
pub(crate) const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "data",
    "cite",
    "longdesc",
    "usemap",
    "lowsrc",
    "dynsrc",
    "codebase",
    "classid",
    "manifest",
    "icon",
    "itemtype",
    "itemid",
    "profile",
    "archive",
];

/// Attributes holding a list of URLs (`srcset`: `url descriptor, …`; `ping`: URLs separated by
/// spaces): each URL is rewritten, and one that must go takes its candidate with it.
pub(crate) const URL_LIST_ATTRS: &[&str] = &["srcset", "imagesrcset", "ping"];

/// The URLs in one piece of raw HTML, each with the byte offset of its tag: every URL attribute
/// (lists split into their URLs), and `doc:ID` written as a tag (`<doc:ID>` inside an HTML block
/// is an element to a browser, not an autolink).
pub(crate) fn raw_html_urls(html: &str) -> Vec<(String, usize)> {
    let lower = html.to_ascii_lowercase();
    if !lower.contains('=') && !lower.contains("<doc:") {
        return Vec::new();
    }
    let found = std::cell::RefCell::new(Vec::new());
    let ok = {
        let mut rw = lol_html::HtmlRewriter::new(
            lol_html::Settings {
                element_content_handlers: vec![lol_html::element!("*", |el| {
                    let at = el.source_location().bytes().start;
                    let mut found = found.borrow_mut();
                    let name = el.tag_name();
                    if let Some(id) = doc_target(&name) {
                        found.push((format!("doc:{id}"), at));
                    }
                    for a in el.attributes() {
                        let n = a.name().to_ascii_lowercase();
                        let v = decode_refs(&a.value()).into_owned();
                        if URL_ATTRS.contains(&n.as_str()) {
                            found.push((v.trim().to_string(), at));
                        } else if URL_LIST_ATTRS.contains(&n.as_str()) {
                            let items: Vec<&str> = if n == "ping" {
                                v.split_whitespace().collect()
                            } else {
                                v.split(',').map(str::trim).collect()
                            };
                            found.extend(
                                items
                                    .into_iter()
                                    .filter_map(|c| c.split_whitespace().next())
                                    .map(|u| (u.to_string(), at)),
                            );
                        }
                    }
                    Ok(())
                })],
                ..lol_html::Settings::new()
            },
            |_: &[u8]| {},
        );
        // Errors only come from handlers or memory limits; ours never fail.
        rw.write(html.as_bytes()).is_ok() && rw.end().is_ok()
    };
    if ok { found.into_inner() } else { Vec::new() }
}

/// An attribute value or a text with its character references decoded once, as a browser does,
/// as far as they can spell a URL scheme or show as text: numeric ones (decimal or hex, the `;`
/// optional) and the named ones for a colon, tab, line feed, the markup characters and a
/// no-break space, among others. No named reference stands for an ASCII letter.
pub(crate) fn decode_refs(v: &str) -> std::borrow::Cow<'_, str> {
    if !v.contains('&') {
        return v.into();
    }
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some((name, c)) = [
            ("colon;", ':'),
            ("lt;", '<'),
            ("gt;", '>'),
            ("quot;", '"'),
            ("apos;", '\''),
            ("nbsp;", '\u{A0}'),
            ("Tab;", '\t'),
            ("NewLine;", '\n'),
            ("amp;", '&'),
            ("sol;", '/'),
            ("period;", '.'),
            // Spaces and dashes that can stand between the digits of a number.
            ("nbsp;", '\u{A0}'),
            ("NonBreakingSpace;", '\u{A0}'),
            ("ensp;", '\u{2002}'),
            ("emsp;", '\u{2003}'),
            ("thinsp;", '\u{2009}'),
            ("ThinSpace;", '\u{2009}'),
            ("shy;", '\u{AD}'),
            ("ZeroWidthSpace;", '\u{200B}'),
            ("zwj;", '\u{200D}'),
            ("zwnj;", '\u{200C}'),
            ("NoBreak;", '\u{2060}'),
            ("hyphen;", '\u{2010}'),
            ("dash;", '\u{2010}'),
            ("ndash;", '\u{2013}'),
            ("mdash;", '\u{2014}'),
            ("minus;", '\u{2212}'),
            ("plus;", '+'),
        ]
        .into_iter()
        .find(|(n, _)| rest.starts_with(n))
        {
            out.push(c);
            rest = &rest[name.len()..];
            continue;
        }
        let (radix, from) = match rest.as_bytes() {
            [b'#', b'x' | b'X', ..] => (16, 2),
            [b'#', ..] => (10, 1),
            _ => {
                out.push('&');
                continue;
            }
        };
        let len = rest[from..].bytes().take_while(|&b| char::from(b).is_digit(radix)).count();
        if len == 0 {
            out.push('&');
            continue;
        }
        let code = u32::from_str_radix(&rest[from..from + len], radix).ok();
        out.push(code.and_then(char::from_u32).filter(|&c| c != '\0').unwrap_or('\u{FFFD}'));
        rest = &rest[from + len..];
        rest = rest.strip_prefix(';').unwrap_or(rest);
    }
    out.push_str(rest);
    out.into()
}

/// `s` with its `%XX` escapes decoded, as a browser shows an address (`tel:138%201234%205678`);
/// bytes that are not UTF-8 are shown as U+FFFD.
pub(crate) fn percent_decoded(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('%') {
        return s.into();
    }
    String::from_utf8_lossy(&percent_bytes(s)).into_owned().into()
}

/// The text of Markdown without markup: paragraphs joined by a newline, for tables and feeds.
/// The text of `<doc:ID>` autolinks (the id) is left out.
pub(crate) fn plain_text(md: &str) -> String {
    let mut out = String::new();
    let mut doc_autolink = false;
    let mut dropped_open: Vec<String> = Vec::new();
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES) {
        match &ev {
            Event::InlineHtml(h) => track_dropped(h, &mut dropped_open),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::TableCell) => dropped_open.clear(),
            _ => {}
        }
        match ev {
            Event::Text(_) | Event::Code(_) if !dropped_open.is_empty() => {}
            Event::Start(Tag::Link { link_type: LinkType::Autolink, dest_url, .. }) => {
                doc_autolink = doc_target(&dest_url).is_some()
            }
            Event::End(TagEnd::Link) => doc_autolink = false,
            Event::Text(_) | Event::Code(_) if doc_autolink => {}
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableRow)
                if !out.ends_with('\n') && !out.is_empty() =>
            {
                out.push('\n')
            }
            _ => {}
        }
    }
    out.trim().to_string()
}

/// [`leveled_blocks`] without the levels.
pub(crate) fn blocks(md: &str, keep_autolink: &dyn Fn(&str) -> bool) -> Vec<String> {
    leveled_blocks(md, keep_autolink).into_iter().map(|b| b.text).collect()
}

/// A block of what a reader sees (see [`leveled_blocks`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Block {
    /// Heading level, 1 to 6; 0 for anything that is not a heading.
    pub level: u8,
    /// Its plain text.
    pub text: String,
}

/// What a reader sees of Markdown, as plain blocks: one per paragraph, heading, list item, table
/// row or code block, line breaks kept, with the level of each heading (so that a redline keeps
/// `第一章`, `第三条` as headings). Link and image text stays; destinations, tags and comments
/// go. Raw HTML counts for the text the page shows of it, cleaned as the page cleans it (a table
/// pasted as HTML, a `<div>`), a line per block element; Markdown that a comment left open
/// hides on the page is hidden here too. An autolink's text is its address, so it stays only
/// when `keep_autolink` says the address may be shown. Redlines and the search compare these,
/// never the source, which may name records that are not public.
pub(crate) fn leveled_blocks(md: &str, keep_autolink: &dyn Fn(&str) -> bool) -> Vec<Block> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut level = 0u8;
    let flush = |cur: &mut String, out: &mut Vec<Block>, level: u8| {
        let t = cur.trim();
        if !t.is_empty() {
            out.push(Block { level, text: t.to_string() });
        }
        cur.clear();
    };
    // For each open link: whether its text is hidden.
    let mut hidden: Vec<bool> = Vec::new();
    let mut notes: BTreeMap<String, usize> = BTreeMap::new();
    let opts = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let events: Vec<Event<'_>> = Parser::new_ext(md, opts).collect();
    let raw = cmark::cleaned_pieces(md, &events, &|_| clean::LinkAction::Keep);
    // The next piece of raw HTML, and whether the Markdown here is hidden by one left open.
    let (mut next, mut unshown) = (0, false);
    for (k, ev) in events.into_iter().enumerate() {
        if let Some(&(start, end, block)) = raw.spans.get(next)
            && (start..=end).contains(&k)
        {
            if k == end {
                let lines = html_text(&raw.texts[next]);
                if block {
                    flush(&mut cur, &mut out, level);
                    for line in lines {
                        out.push(Block { level: 0, text: line });
                    }
                } else {
                    cur.push_str(&lines.join("\n"));
                }
                unshown = !raw.shown_after[next];
                next += 1;
            }
            continue;
        }
        if unshown && !matches!(ev, Event::Start(_) | Event::End(_)) {
            // A note hidden here is numbered all the same, as the page numbers it.
            if let Event::FootnoteReference(label) = &ev {
                let next = notes.len() + 1;
                notes.entry(label.to_string()).or_insert(next);
            }
            continue;
        }
        match ev {
            Event::Start(Tag::Link { link_type, dest_url, .. }) => {
                hidden.push(matches!(link_type, LinkType::Autolink | LinkType::Email) && !keep_autolink(&dest_url))
            }
            Event::End(TagEnd::Link) => {
                hidden.pop();
            }
            Event::Text(t) | Event::Code(t) if !hidden.contains(&true) => cur.push_str(&t),
            // As the page shows it: the note's number, given in the order notes are first met
            // (a reference or its definition), as the Markdown renderer numbers them.
            Event::FootnoteReference(label) => {
                let next = notes.len() + 1;
                cur.push_str(&notes.entry(label.to_string()).or_insert(next).to_string());
            }
            Event::Start(Tag::FootnoteDefinition(ref label)) => {
                let next = notes.len() + 1;
                notes.entry(label.to_string()).or_insert(next);
                flush(&mut cur, &mut out, level);
            }
            Event::SoftBreak | Event::HardBreak => cur.push('\n'),
            Event::Start(Tag::TableCell) if !cur.trim().is_empty() => cur.push_str(" | "),
            Event::Start(Tag::Heading { level: h, .. }) => {
                flush(&mut cur, &mut out, level);
                level = h as u8;
            }
            Event::Start(tag) if is_block(&tag.to_end()) => flush(&mut cur, &mut out, level),
            Event::End(end) if is_block(&end) => {
                flush(&mut cur, &mut out, level);
                level = 0;
            }
            _ => {}
        }
    }
    flush(&mut cur, &mut out, level);
    out
}

/// The text a browser shows of cleaned HTML, as lines: a block element (a paragraph, a table
/// row, a list item, …) or a `<br>` ends a line, the cells of a row are joined by ` | ` as in
/// a Markdown table, runs of white space are one space, and character references are decoded.
/// Read through [`html_pieces`], the tokenizer the personal-data scan uses.
pub(crate) fn html_text(html: &str) -> Vec<String> {
    let (mut lines, mut line) = (Vec::new(), String::new());
    let end_line = |line: &mut String, lines: &mut Vec<String>| {
        let t = line.trim();
        if !t.is_empty() {
            lines.push(t.to_string());
        }
        line.clear();
    };
    for piece in html_pieces(html) {
        match piece {
            HtmlPiece::Text(t, _) => {
                for c in decode_refs(t).chars() {
                    if c.is_whitespace() && c != '\u{A0}' {
                        if !line.is_empty() && !line.ends_with(' ') {
                            line.push(' ');
                        }
                    } else {
                        line.push(c);
                    }
                }
            }
            HtmlPiece::Tag(tag, _, flow) => {
                let name = tag_name(tag);
                if name == "td" || name == "th" {
                    // A cell after another on its row is joined to it, as in a Markdown table.
                    if !tag.starts_with("</") && !line.trim().is_empty() {
                        let kept = line.trim_end().len();
                        line.truncate(kept);
                        line.push_str(" | ");
                    }
                } else if flow != Flow::Inline {
                    end_line(&mut line, &mut lines);
                }
            }
        }
    }
    end_line(&mut line, &mut lines);
    lines
}

fn is_block(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::FootnoteDefinition
            | TagEnd::Table
            | TagEnd::TableHead
            | TagEnd::TableRow
    )
}

/// `doc:ID` and relative paths need resolving; absolute URLs, fragments and root paths do not.
fn classify(dest: &str) -> Option<Target> {
    if let Some(id) = doc_target(dest) {
        let id = id.split('#').next().unwrap_or("");
        return Some(Target::Record(id.trim_matches('/').to_string()));
    }
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with('/') || dest.starts_with("//") || has_scheme(dest) {
        return None;
    }
    let path = dest.split(['#', '?']).next().unwrap_or("");
    Some(Target::File(percent_decode(path)))
}

/// What follows `doc:` in a link to a record. The scheme is matched as browsers match schemes,
/// without regard to case, so `DOC:id` is a record link too and never published as written.
pub(crate) fn doc_target(dest: &str) -> Option<&str> {
    let d = dest.trim();
    d.get(..4).filter(|p| p.eq_ignore_ascii_case("doc:")).map(|_| &d[4..])
}

/// `mailto:`, `https:` and the like: letters, then a colon before any slash.
pub(crate) fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) => {
            i > 0
                && s[..i].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
                && !s[..i].contains('/')
        }
        None => false,
    }
}

/// Raw HTML that names a script element, an event handler or a script URL.
pub(crate) fn could_run_script(html: &str) -> bool {
    let l = html.to_ascii_lowercase();
    if l.contains("<script")
        || l.contains("javascript:")
        || l.contains("vbscript:")
        || l.contains("<iframe")
        || l.contains("<object")
        || l.contains("<embed")
    {
        return true;
    }
    // An attribute starting with "on": preceded by whitespace, quote or slash, followed by
    // letters and an equals sign.
    let b = l.as_bytes();
    (1..b.len().saturating_sub(2)).any(|i| {
        (b[i - 1].is_ascii_whitespace() || b[i - 1] == b'/' || b[i - 1] == b'"' || b[i - 1] == b'\'')
            && b[i] == b'o'
            && b[i + 1] == b'n'
            && {
                let rest = &b[i + 2..];
                let n = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
                n > 0 && rest[n..].iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'=')
            }
    })
}

/// A heading's id: its text with spaces as hyphens and punctuation dropped; Chinese stays as
/// written so `#第三条` reads as what it is.
pub(crate) fn slug(text: &str) -> String {
    let mut s = String::new();
    for c in text.trim().chars() {
        if c.is_alphanumeric() {
            s.extend(c.to_lowercase());
        } else if (c.is_whitespace() || c == '-' || c == '_') && !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "section".to_string() } else { s }
}

fn unique_id(used: &mut BTreeMap<String, usize>, base: &str) -> String {
    let n = used.entry(base.to_string()).or_insert(0);
    *n += 1;
    if *n == 1 { base.to_string() } else { format!("{base}-{n}") }
}

/// Decodes `%XX` escapes in a link path; invalid escapes stay as written, and so does the whole
/// path when what they decode to is not UTF-8.
pub(crate) fn percent_decode(s: &str) -> String {
    String::from_utf8(percent_bytes(s)).unwrap_or_else(|_| s.to_string())
}

/// The bytes of `s` with its `%XX` escapes decoded; invalid escapes stay as written.
fn percent_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = ((b[i + 1] as char).to_digit(16), (b[i + 2] as char).to_digit(16))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Where `text` (Markdown text, not a link's destination) names a record as a link would,
/// `doc:` not inside a word or an address (`file.doc:`, `http://x/doc:1` are no such thing),
/// with what follows it as an id would be written.
fn doc_in_text(text: &str) -> Option<(usize, String)> {
    let lower = text.to_ascii_lowercase();
    let at = lower.match_indices("doc:").map(|(at, _)| at).find(|&at| {
        !lower[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '_'))
    })?;
    let id = text[at + 4..]
        .trim_start()
        .split(|c: char| c.is_whitespace() || "()[]<>\"'，。；、）》".contains(c))
        .next()
        .unwrap_or_default()
        .trim_end_matches(['.', ',', ';', ':']);
    Some((at, id.to_string()))
}

/// Where `doc:` first appears in the text of a piece of raw HTML, outside its tags (a tag that
/// runs past the piece counts as tag to its end). Inside an attribute it is an address, which is
/// resolved like any link; in the text it would be shown as written.
fn doc_in_html_text(h: &str) -> Option<usize> {
    let lower = h.to_ascii_lowercase();
    let mut in_tag = false;
    let mut from = 0;
    for (k, c) in lower.char_indices() {
        match c {
            '<' if !in_tag => {
                if let Some(at) = lower[from..k].find("doc:") {
                    return Some(from + at);
                }
                in_tag = true;
            }
            '>' if in_tag => {
                in_tag = false;
                from = k + 1;
            }
            _ => {}
        }
    }
    if in_tag { None } else { lower[from..].find("doc:").map(|at| from + at) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn doc_in_the_text_of_raw_html_is_found_and_in_attributes_is_not() {
        assert_eq!(super::doc_in_html_text("[x](doc:a/b)"), Some(4));
        assert_eq!(super::doc_in_html_text("<p>see DOC:a</p>"), Some(7));
        assert_eq!(super::doc_in_html_text("<a href=\"doc:a\">x</a>"), None);
        assert_eq!(super::doc_in_html_text("<div>"), None);
    }

    use super::*;

    #[test]
    fn personal_data_is_found_as_the_reader_sees_the_text() {
        let kinds =
            |md: &str| render(md, 0, md, false).personal.iter().map(|(p, f)| (p.line, f.kind)).collect::<Vec<_>>();
        use crate::model::personal::PersonalKind::{Mobile, ResidentId};
        let long = "长".repeat(130);
        assert_eq!(kinds("电话 138\n1234 5678。\n"), [(1, Mobile)]);
        assert_eq!(kinds("电话1381234&#53;678。\n"), [(1, Mobile)]);
        assert_eq!(kinds("[拨打](tel:13812345678)\n"), [(1, Mobile)]);
        assert_eq!(kinds("<td title=\"x\">110105194912310011</td>\n"), [(1, ResidentId)]);
        // Two paragraphs are two lines on the page, but one in the page's description and a
        // feed's summary, where they are joined by a space.
        assert_eq!(kinds("第一行 138\n\n1234 5678 另一段。\n"), [(1, Mobile)]);
        assert_eq!(kinds(&format!("{}第一行 138\n\n1234 5678 另一段。\n", "长".repeat(130))), []);
        // Inline markup and tags do not cut what the reader sees; blocks and cells do.
        assert_eq!(kinds("电话**138**1234 5678。\n"), [(1, Mobile)]);
        assert_eq!(kinds("电话[138](x.csv)12345678。\n"), [(1, Mobile)]);
        assert_eq!(kinds("电话<b>138</b><span>1234</span>5678。\n"), [(1, Mobile)]);
        assert_eq!(kinds("<div>\n电话 138\n   1234 5678\n</div>\n"), [(2, Mobile)]);
        assert_eq!(kinds("<p>电话 138<br>1234 5678</p>\n"), [(1, Mobile)]);
        // A code block shows its lines as written: a number ending one line and one starting the
        // next are two numbers (the excerpt, where they are joined, is written long before).
        let code = format!("{long}\n\n```\n编号 1381\n2345678 件\n```\n");
        assert_eq!(kinds(&code), []);
        assert_eq!(kinds(&format!("{long}\n\n```\n甲\n电话 138 1234 5678\n```\n")), [(5, Mobile)]);
        assert_eq!(kinds(&format!("{long}\n\n    甲\n    电话 13812345678\n")), [(4, Mobile)]);
        assert_eq!(kinds("<table><tr><td>138</td><td>12345678</td></tr></table>\n"), []);
        assert_eq!(kinds(&format!("{long}\n\n| 甲 | 乙 |\n|---|---|\n| 138 | 12345678 |\n")), []);
        // What the cleaner removes (comments, scripts, style sheets) joins the text around it;
        // what is inside them is not shown.
        assert_eq!(kinds("电话138<!-- x -->12345678。\n"), [(1, Mobile)]);
        assert_eq!(kinds("电话138<script></script>12345678。\n"), [(1, Mobile)]);
        assert_eq!(kinds("<style>.x::after{content:\"13812345678\"}</style>\n"), []);
        // Any tag not known as a block is inline.
        assert_eq!(kinds("电话<nobr>138</nobr><label>1234</label>5678。\n"), [(1, Mobile)]);
        // Spaces, dashes and invisible characters as the reader sees them.
        assert_eq!(kinds("电话138&nbsp;1234&nbsp;5678。\n"), [(1, Mobile)]);
        assert_eq!(kinds("电话138\u{3000}1234\u{2011}5678。\n"), [(1, Mobile)]);
        assert_eq!(kinds("电话138\u{200B}1234&shy;5678。\n"), [(1, Mobile)]);
        assert_eq!(kinds("[拨打](tel:138%201234%205678)\n"), [(1, Mobile)]);
        assert_eq!(kinds("<a href=\"tel:138%201234%205678\">拨打</a>\n"), [(1, Mobile)]);
        // Where it is written: the first digit, when the text is the source as written.
        let b = render("前文<b>138</b>12345678\n", 0, "前文<b>138</b>12345678\n", false);
        assert_eq!((b.personal[0].0.line, b.personal[0].0.column), (1, 6), "{:?}", b.personal);
        // And after a comment, whose spaces on each side are one space on the page.
        let md = "说明 <!-- 备注 --> 联系人手机 13812345678，银行卡 6222021000000000009。\n";
        let b = render(md, 0, md, false);
        let columns: Vec<(u32, u32)> = b.personal.iter().map(|(p, _)| (p.line, p.column)).collect();
        assert_eq!(columns, [(1, 22), (1, 38)], "{:?}", b.personal);
    }

    #[test]
    fn text_in_raw_html_counts_as_text() {
        assert!(
            render("<table><tr><td>甲</td></tr></table>\n", 0, "<table><tr><td>甲</td></tr></table>\n", false).chars
                > 0
        );
        assert_eq!(render("<div>\n</div>\n", 0, "<div>\n</div>\n", false).chars, 0);
    }

    #[test]
    fn raw_html_is_cut_into_text_and_tags() {
        use HtmlPiece::{Tag, Text};
        // A quote opens a value only after `=`; `<!-->` is an empty comment.
        assert_eq!(
            html_pieces("<b title=x\"y>1<!-->2"),
            [Tag("<b title=x\"y>", 0, Flow::Inline), Text("1", 13), Tag("<!-->", 14, Flow::Inline), Text("2", 19)]
        );
        assert_eq!(
            html_pieces("<script>a<b</script>c"),
            [Tag("<script>", 0, Flow::Inline), Tag("</script>", 11, Flow::Inline), Text("c", 20)]
        );
        assert_eq!(
            html_pieces("a<b title='x>y'>1</B><br/>2<!-- c > d -->3 < 4<td>"),
            [
                Text("a", 0),
                Tag("<b title='x>y'>", 1, Flow::Inline),
                Text("1", 16),
                Tag("</B>", 17, Flow::Inline),
                Tag("<br/>", 21, Flow::Break),
                Text("2", 26),
                Tag("<!-- c > d -->", 27, Flow::Inline),
                Text("3 < 4", 41),
                Tag("<td>", 46, Flow::Block),
            ]
        );
    }

    #[test]
    fn headings_get_readable_unique_ids() {
        let b = render(
            "## 第一条 总则\n\n## 第一条 总则\n\n## Scope & Aim\n",
            0,
            "## 第一条 总则\n\n## 第一条 总则\n\n## Scope & Aim\n",
            true,
        );
        let ids: Vec<&str> = b.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["第一条-总则", "第一条-总则-2", "scope-aim"]);
        assert!(b.html.contains("<h2 id=\"第一条-总则-2\">"), "{}", b.html);
    }

    #[test]
    fn links_and_scripts_are_found_with_positions() {
        let full = "---\nx: 1\n---\n见[办法](doc:a/b)和[表](附件.csv)。\n\n<img src=x onerror=alert(1)>\n";
        let base = full.find("见").unwrap();
        let b = render(full, base, &full[base..], false);
        assert_eq!(b.links.len(), 3, "{:?}", b.links);
        assert_eq!(b.links[0].target, Target::Record("a/b".into()));
        // Raw HTML addresses are links too, at their line.
        assert_eq!((&b.links[2].target, b.links[2].pos.line), (&Target::File("x".into()), 6));
        assert_eq!((b.links[0].pos.line, b.links[0].pos.column), (4, 2));
        assert_eq!(b.links[1].target, Target::File("附件.csv".into()));
        assert_eq!(b.scripts.len(), 1);
        assert_eq!(b.scripts[0].line, 6);
    }

    #[test]
    fn unclosed_elements_that_would_swallow_text_are_found() {
        let found = |pieces: &[(&str, usize)]| unclosed_raw(pieces);
        assert_eq!(found(&[("<svg width=1>", 10)]), [(10, "svg".to_string())]);
        assert_eq!(found(&[("<p>", 0), ("<SCRIPT>", 20), ("</p>", 40)]), [(20, "script".to_string())]);
        assert_eq!(found(&[("<svg><svg></svg>", 5)]), [(5, "svg".to_string())]);
        assert_eq!(found(&[("<!-- note", 7)]), [(7, "<!--".to_string())]);
        assert!(
            found(&[("<svg><svg></svg></svg><math>", 0), ("</math><style>x</style><!-- a --><span>", 100)]).is_empty()
        );
        assert!(
            found(&[("<form>", 0), ("<scripts>", 9), ("<mathx>", 20)]).is_empty(),
            "form keeps its text; other names are not these"
        );
    }

    #[test]
    fn raw_html_urls_are_every_url_attribute() {
        let urls: Vec<String> = raw_html_urls(
            r#"<img src="tu.png" srcset="a.png 1x, b.png 2x"><doc:secret>x<a HREF=doc:x>y</a><q cite=c.html>"#,
        )
        .into_iter()
        .map(|(u, _)| u)
        .collect();
        assert_eq!(urls, ["tu.png", "a.png", "b.png", "doc:secret", "doc:x", "c.html"]);
    }

    #[test]
    fn blocks_are_what_a_reader_sees() {
        let md = "## 第一条\n\n见[办法](doc:secret)与<doc:hidden>和<doc:shown>。<!-- 批注 -->\n第二行<span title=\"x\">字</span>\n\n<div>\n原始\n</div>\n\n- 甲\n  - 乙\n\n| 表 | 头 |\n|---|---|\n| 一 | 二 |\n";
        let b = blocks(md, &|dest| dest != "doc:hidden");
        assert_eq!(b, ["第一条", "见办法与和doc:shown。\n第二行字", "原始", "甲", "乙", "表 | 头", "一 | 二"]);
        let levels: Vec<u8> = leveled_blocks(md, &|_| true).iter().map(|b| b.level).collect();
        assert_eq!(levels, [2, 0, 0, 0, 0, 0, 0], "the heading keeps its level");
    }

    #[test]
    fn the_text_of_any_html_is_found_without_panicking() {
        let parts =
            ["<", ">", "文", "&", "&#", "&#x4E00;", "&lt", "\"", "'", "</td>", "<td a='>'>", "<br/>", " \n", "é"];
        // Every sequence of three parts, so each part meets each other on both sides.
        for a in parts {
            for b in parts {
                for c in parts {
                    let html = format!("{a}{b}{c}");
                    let lines = html_text(&html);
                    assert!(lines.iter().all(|l| !l.is_empty() && l.trim() == l), "{html:?}: {lines:?}");
                }
            }
        }
    }

    #[test]
    fn footnote_references_are_numbered_as_the_page_numbers_them() {
        // In the order first met, a note referred to twice keeping its number.
        let md = "甲[^b]乙[^a]丙[^b]\n\n[^a]: 注a\n[^b]: 注b\n";
        let html = render(md, 0, md, true).html;
        let text = blocks(md, &|_| true).join("\n");
        assert!(html.contains("甲<sup class=\"footnote-reference\"><a href=\"#b\">1</a>"), "{html}");
        assert!(text.contains("甲1乙2丙1"), "{text}");
    }

    #[test]
    fn doc_written_as_a_reference_is_found_and_inside_a_word_or_address_is_not() {
        for (text, at) in [("见[o](doc: a/b)", Some(7)), ("doc:a", Some(0)), ("见 DOC:a", Some(4))] {
            assert_eq!(doc_in_text(text).map(|(at, _)| at), at, "{text}");
        }
        for text in ["file.doc: 格式", "http://x.gov.cn/doc:1", "mydoc:1", "a-doc:"] {
            assert_eq!(doc_in_text(text).map(|(at, _)| at), None, "{text}");
        }
    }

    #[test]
    fn what_the_page_never_shows_is_in_no_description_heading_or_plain_text() {
        let md = "正文<!-- 备注 -->开头。<script>脚本甲</script>\n\n<svg><desc>备注乙</desc></svg>\n\n\
                  <template>模板丙</template>\n\n<noscript>丁</noscript>后文<b>粗</b>。\n\n# 标题<script>戊</script>\n";
        let body = render(md, 0, md, false);
        for hidden in ["脚本甲", "备注乙", "模板丙", "丁", "戊", "备注"] {
            assert!(!body.excerpt.contains(hidden), "{hidden}: {}", body.excerpt);
            assert!(!plain_text(md).contains(hidden), "{hidden}: {}", plain_text(md));
            assert!(body.headings.iter().all(|h| !h.text.contains(hidden)), "{hidden}: {:?}", body.headings);
        }
        assert!(body.excerpt.contains("正文开头。") && body.excerpt.contains("后文粗。"), "{}", body.excerpt);
        assert!(plain_text(md).contains("后文粗。"));
        // The page drops a template with what it holds, as a browser never shows it.
        let html =
            clean::clean("<p>甲</p><template><p>模板丙</p></template><p>乙</p>", &|_| clean::LinkAction::Keep);
        assert!(!html.contains("模板丙") && html.contains('甲') && html.contains('乙'), "{html}");
    }

    #[test]
    fn raw_html_counts_for_the_text_the_page_shows() {
        let md = "补贴如下。\n\n<table><tr><th>项目</th><th>标准</th></tr>\n<tr><td>一次性补贴</td><td>八千元&amp;\n另&#x52A0;</td></tr></table>\n\n<details><summary>说明</summary><p>申报&lt;截止&gt;另行通知</p><script>不见甲</script><!-- 不见乙 --></details>\n\n<div><!-- 开\n\n不见丙\n\n<div>-->\n\n可见<b>粗</b>字\n";
        let b = blocks(md, &|_| true);
        assert_eq!(
            b,
            ["补贴如下。", "项目 | 标准", "一次性补贴 | 八千元& 另加", "说明", "申报<截止>另行通知", "可见粗字"],
        );
        assert!(!b.concat().contains("不见"), "{b:?}");
        // A quote opens a value only after `=`: the title's value is no text.
        assert_eq!(html_text("<div><span t=a' title='>不见丁'>可见</span></div>"), ["可见"]);
    }

    #[test]
    fn script_detection_ignores_plain_words() {
        assert!(!could_run_script("<span class=\"one\">"));
        assert!(could_run_script("<a href=\"#\" onclick = \"x()\">"));
        assert!(could_run_script("<SCRIPT>"));
        assert!(!has_scheme("附件/a:b.csv") || has_scheme("a:b"));
        assert!(has_scheme("https://x"));
    }
}
