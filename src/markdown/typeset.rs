//! The layout of an official document (公文, after GB/T 9704) that Markdown cannot say: the
//! addressee line (主送机关) flush left, the signature (落款: issuing bodies, then the date)
//! right-aligned, and numbered items (（一）, 1．) written on lines of one paragraph kept on
//! lines of their own. It works on the events of a text just before they become HTML, so the
//! Markdown (`text.md`) and the plain text (excerpts, redlines) stay as written.
//!
//! Recognition is by shape, and conservative: only top-level paragraphs count, the addressee
//! must open the text, and the signature must close it, ending in a date.

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

/// The class of the addressee paragraph.
const ADDRESSEE: &str = "addressee";
/// The class of each paragraph of the signature.
const SIGNATURE: &str = "signature";
/// The longest addressee line, in characters (a long list of bodies still fits).
const MAX_ADDRESSEE: usize = 80;
/// The longest line of an issuing body's name in a signature, in characters.
const MAX_ISSUER: usize = 40;
/// Issuing bodies (joint documents list several) above the date, at most.
const MAX_ISSUERS: usize = 6;

/// A top-level paragraph: where its start and end events are, and its text by lines.
struct Para {
    start: usize,
    end: usize,
    lines: Vec<String>,
}

/// Lays out `events` (one text, as the parser gave them): see the module's description.
pub(crate) fn typeset(events: &mut Vec<Event<'_>>) {
    split_items(events);
    let (paras, first_block, last_block) = top_paragraphs(events);
    let mut marks: Vec<(usize, &str)> = Vec::new();
    if let Some(p) = paras.first().filter(|p| Some(p.start) == first_block)
        && is_addressee(&p.lines)
    {
        marks.push((0, ADDRESSEE));
    }
    if let Some(last) = paras.last().filter(|p| Some(p.end) == last_block) {
        let mut k = paras.len() - 1;
        // A closing note in brackets, such as （此件公开发布）, comes after the date.
        if is_bracketed(&last.lines) && k > 0 && paras[k - 1].end + 1 == last.start {
            k -= 1;
        }
        let date = &paras[k];
        let (names, when) = date.lines.split_at(date.lines.len() - 1);
        if is_date(&when[0]) && names.iter().all(|l| is_issuer(l)) {
            marks.push((k, SIGNATURE));
            let mut above = 0;
            while k > 0
                && above < MAX_ISSUERS
                && paras[k - 1].end + 1 == paras[k].start
                && paras[k - 1].lines.iter().all(|l| is_issuer(l))
            {
                k -= 1;
                above += 1;
                marks.push((k, SIGNATURE));
            }
        }
    }
    for (k, class) in marks {
        let p = &paras[k];
        events[p.start] = Event::Html(CowStr::from(format!("<p class=\"{class}\">")));
        events[p.end] = Event::Html(CowStr::Borrowed("</p>\n"));
    }
}

/// Numbered items written on the lines of one paragraph become paragraphs of their own: a soft
/// line break followed by an item number ends the paragraph there (a browser would otherwise
/// run the items together on one line).
fn split_items(events: &mut Vec<Event<'_>>) {
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut depth = 0usize;
    let mut in_para = false;
    let mut iter = std::mem::take(events).into_iter().peekable();
    while let Some(ev) = iter.next() {
        match &ev {
            Event::Start(Tag::Paragraph) if depth == 0 => in_para = true,
            Event::End(TagEnd::Paragraph) if depth == 1 => in_para = false,
            Event::SoftBreak if in_para && depth == 1 => {
                if let Some(Event::Text(t)) = iter.peek()
                    && starts_with_item_number(t)
                {
                    out.push(Event::End(TagEnd::Paragraph));
                    out.push(Event::Start(Tag::Paragraph));
                    continue;
                }
            }
            _ => {}
        }
        match &ev {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push(ev);
    }
    *events = out;
}

/// The top-level paragraphs of `events`, and where the first top-level block starts and the
/// last one ends.
fn top_paragraphs(events: &[Event<'_>]) -> (Vec<Para>, Option<usize>, Option<usize>) {
    let mut paras = Vec::new();
    let (mut first, mut last) = (None, None);
    let mut depth = 0usize;
    let mut cur: Option<Para> = None;
    for (i, ev) in events.iter().enumerate() {
        match ev {
            Event::Start(tag) => {
                if depth == 0 {
                    first.get_or_insert(i);
                    if matches!(tag, Tag::Paragraph) {
                        cur = Some(Para { start: i, end: i, lines: vec![String::new()] });
                    }
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    last = Some(i);
                    if let Some(mut p) = cur.take() {
                        p.end = i;
                        paras.push(p);
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(line) = cur.as_mut().and_then(|p| p.lines.last_mut()) {
                    line.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(p) = cur.as_mut() {
                    p.lines.push(String::new());
                }
            }
            // Raw HTML or a footnote inside: not a plain line of text, so not recognised.
            Event::Html(_) | Event::InlineHtml(_) | Event::FootnoteReference(_) => {
                if let Some(p) = cur.as_mut() {
                    p.lines.push("<>。".into());
                }
            }
            _ => {}
        }
    }
    (paras, first, last)
}

/// Words of a sentence that announces what follows (`现将有关事项通知如下：`), which an
/// addressee line does not hold.
const LEADS: &[&str] = &["如下", "以下", "下列", "现将", "现就", "为了", "为进一步", "根据", "按照"];

/// `各区人民政府，市政府各部门：`: one line ending in a colon, naming bodies, not a sentence.
fn is_addressee(lines: &[String]) -> bool {
    let [line] = lines else { return false };
    let line = line.trim();
    let n = line.chars().count();
    (line.ends_with('：') || line.ends_with(':'))
        && (3..=MAX_ADDRESSEE).contains(&n)
        && !line.contains(['。', '；', '！', '？', '“', '《'])
        && !LEADS.iter().any(|w| line.contains(w))
}

/// A body's name on a line of its own: short, without the punctuation of a sentence.
fn is_issuer(line: &str) -> bool {
    let line = line.trim();
    let n = line.chars().count();
    (2..=MAX_ISSUER).contains(&n)
        && !line.contains(['。', '，', '；', '：', ':', '！', '？', '、', '“', '《', '<'])
        && !line.starts_with(['（', '('])
}

/// `2024年3月1日` or `二〇二四年三月一日`.
fn is_date(line: &str) -> bool {
    let line = line.trim();
    let num = |s: &str, max: usize| {
        let n = s.chars().count();
        n >= 1 && n <= max && s.chars().all(|c| c.is_ascii_digit() || "〇零一二三四五六七八九十".contains(c))
    };
    let Some((y, rest)) = line.split_once('年') else { return false };
    let Some((m, rest)) = rest.split_once('月') else { return false };
    let Some(d) = rest.strip_suffix('日') else { return false };
    y.chars().count() == 4 && num(y, 4) && num(m, 3) && num(d, 3)
}

/// A paragraph that is one line in brackets: `（此件公开发布）`.
fn is_bracketed(lines: &[String]) -> bool {
    let [line] = lines else { return false };
    let line = line.trim();
    line.starts_with('（') && line.ends_with('）') && line.chars().count() <= 30
}

/// Whether a line starts with the number of an item: （一） （1） 一、 1． 1、 1.
fn starts_with_item_number(text: &str) -> bool {
    let cjk = |c: char| "一二三四五六七八九十".contains(c);
    let mut chars = text.chars();
    match chars.next() {
        Some('（') => {
            let inner: String = chars.by_ref().take_while(|&c| c != '）').collect();
            let n = inner.chars().count();
            (1..=3).contains(&n)
                && (inner.chars().all(cjk) || inner.chars().all(|c| c.is_ascii_digit()))
                && text[3 + inner.len()..].starts_with('）')
        }
        Some(c) if cjk(c) || c.is_ascii_digit() => {
            let digits = c.is_ascii_digit();
            let rest: String = text.chars().skip_while(|&c| if digits { c.is_ascii_digit() } else { cjk(c) }).collect();
            let lead = text.chars().count() - rest.chars().count();
            lead <= 3 && (rest.starts_with('、') || (digits && (rest.starts_with('．') || rest.starts_with(". "))))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(md: &str) -> String {
        let mut events: Vec<Event<'_>> = pulldown_cmark::Parser::new(md).collect();
        typeset(&mut events);
        let mut out = String::new();
        pulldown_cmark::html::push_html(&mut out, events.into_iter());
        out
    }

    #[test]
    fn the_addressee_and_the_signature_of_a_notice() {
        let out = html(
            "各区人民政府，市政府各部门：\n\n现将有关事项通知如下。\n\n特此通知。\n\n青川市人民政府\n\n2024年3月1日\n\n（此件公开发布）\n",
        );
        assert!(out.starts_with("<p class=\"addressee\">各区人民政府，市政府各部门：</p>"), "{out}");
        assert!(out.contains("<p>特此通知。</p>"), "{out}");
        assert!(out.contains("<p class=\"signature\">青川市人民政府</p>"), "{out}");
        assert!(out.contains("<p class=\"signature\">2024年3月1日</p>"), "{out}");
        assert!(out.contains("<p>（此件公开发布）</p>"), "{out}");
    }

    #[test]
    fn joint_issuers_and_a_signature_in_one_paragraph() {
        let out = html("正文。\n\n青川市财政局\n\n青川市住房和城乡建设局\n\n二〇二四年三月一日\n");
        assert_eq!(out.matches("class=\"signature\"").count(), 3, "{out}");
        let out = html("正文。\n\n青川市交通运输局  \n2023年11月6日\n");
        assert!(out.contains("<p class=\"signature\">青川市交通运输局<br />\n2023年11月6日</p>"), "{out}");
    }

    #[test]
    fn lookalikes_are_left_alone() {
        // A sentence ending in a colon, and a date inside a sentence.
        let out = html("现将有关情况函告如下：\n\n本办法自2024年5月1日起施行。\n");
        assert!(!out.contains("class="), "{out}");
        // A date that is not at the end, and a date after a sentence.
        let out = html("2024年3月1日\n\n正文。\n");
        assert!(!out.contains("class="), "{out}");
        let out = html("特此通知。\n\n2024年3月1日\n");
        assert!(out.contains("<p>特此通知。</p>") && out.contains("<p class=\"signature\">2024年3月1日</p>"), "{out}");
        // Inside a list or a quotation nothing counts.
        let out = html("> 青川市人民政府\n>\n> 2024年3月1日\n");
        assert!(!out.contains("class="), "{out}");
    }

    #[test]
    fn numbered_items_on_lines_of_one_paragraph_get_lines_of_their_own() {
        let out = html("主要任务：\n（一）加强领导；\n（二）落实责任。\n2. 第二项\n");
        assert!(out.contains("<p>（一）加强领导；</p>\n<p>（二）落实责任。</p>\n<p>2. 第二项</p>"), "{out}");
        assert!(!out.contains("<ol"), "no list numbers");
        for (t, yes) in [
            ("（十二）", true),
            ("（1）", true),
            ("一、", true),
            ("3．", true),
            ("（甲）", false),
            ("一些", false),
            ("2024年", false),
        ] {
            assert_eq!(starts_with_item_number(t), yes, "{t}");
        }
    }
}
