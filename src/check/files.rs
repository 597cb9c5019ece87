//! The text and the files it names (family "text and files"): attachments and linked files
//! exist, belong to the record and cannot run script; raw HTML that could run script or swallow
//! the text is reported; a record has text.

use super::{Context, err, warn};
use crate::corpus::{Active, Corpus, NotOwn, active_kind};
use crate::model::Kind;
use crate::model::diag::{Diagnostic, Pos};
use crate::model::rules;
use crate::msg;
use crate::source::parse::Record;
use std::sync::Arc;

/// Attachments and linked files exist inside the record's own folder.
pub(super) fn files(c: &Corpus, cx: &Context<'_>, r: &Record, d: &mut Vec<Diagnostic>) {
    for (f, pos) in crate::corpus::named_files(r) {
        d.extend(active_attachment(&r.file, pos, f));
        match c.own_file(r, f) {
            Err(why) => d.push(not_own(&r.file, pos, f, &why)),
            Ok(p) if !cx.files.contains(&p) => {
                let (f, p) = (crate::source::shown_path(f), crate::source::shown_path(&p));
                d.push(err(
                    r,
                    &rules::MISSING_FILE,
                    pos,
                    msg!(
                        "文件 `{f}` 不存在（应在 content/{p}）",
                        "file `{f}` does not exist (expected at content/{p})"
                    ),
                    msg!("检查文件名，或把文件加入仓库", "check the file name, or add the file to the repository"),
                ));
            }
            Ok(p) => {
                if std::fs::metadata(cx.root.join("content").join(&p)).is_ok_and(|m| m.len() == 0) {
                    let shown = crate::source::shown_path(f);
                    d.push(warn(
                        r,
                        &rules::EMPTY_FILE,
                        pos,
                        msg!("文件 `{shown}` 是空的（0 字节）", "file `{shown}` is empty (0 bytes)"),
                        msg!(
                            "换成完整的文件；文件还没准备好时，先从 attachments 中去掉",
                            "put the whole file in its place, or leave it out of attachments until it is ready"
                        ),
                    ));
                }
                if r.disclosure == crate::model::Disclosure::Public && !cx.cfg.personal_data.allows(&r.id) {
                    d.extend(personal_in_file(cx, &r.file, pos, f, &p));
                }
            }
        }
    }
}

/// `not-a-record` for each file under `content/` named like a record (`通知.MD`, `a.markdown`)
/// that is not read as one and that no record names as a file of its own: it would silently be
/// left out of the site.
pub(super) fn not_records(c: &Corpus, cx: &Context<'_>) -> Vec<Diagnostic> {
    let odd: Vec<&String> =
        cx.files.iter().filter(|p| crate::source::looks_like_record(p) && !crate::source::is_record_file(p)).collect();
    if odd.is_empty() {
        return Vec::new();
    }
    let named: std::collections::HashSet<String> = c
        .records
        .iter()
        .flat_map(|r| crate::corpus::named_files(r).filter_map(move |(f, _)| c.own_file(r, f).ok()))
        .collect();
    odd.into_iter()
        .filter(|p| !named.contains(p.as_str()))
        .map(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
            Diagnostic::warning(
                &rules::NOT_A_RECORD,
                &format!("content/{}", crate::source::shown_path(p)),
                Pos::new(1, 1),
                msg!(
                    "文件 `{name}` 不会作为记录读取：只有以小写 .md 结尾的文件才是记录",
                    "`{name}` is not read as a record: only names ending in lowercase .md are"
                ),
            )
            .help(msg!(
                "是记录就改名为 {stem}.md；是某条记录的附件，就在它的 attachments 中列出",
                "if it is a record, rename it {stem}.md; if it is a record's attachment, list it in that record's attachments"
            ))
        })
        .collect()
}

/// Extensions of files published as text, which a reader (or a search engine) reads as such: a
/// list of beneficiaries as CSV is the commonest way an identity number reaches a site.
const TEXT_FILES: &[&str] = &["csv", "tsv", "txt", "text", "json", "html", "htm", "shtml", "md", "xml"];

/// Files over this size are read up to it for personal data.
const TEXT_SCAN_BYTES: u64 = 32 << 20;

/// `personal-data` errors for a text file `f` (at `content/{p}`) that a public record publishes:
/// the first few, each naming the line of the file, and a count of the rest.
fn personal_in_file(cx: &Context<'_>, record: &str, pos: Pos, f: &str, p: &str) -> Vec<Diagnostic> {
    let ext = p.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !TEXT_FILES.contains(&ext.as_str()) {
        return Vec::new();
    }
    let path = cx.root.join("content").join(p);
    // Under `serve`, a file unchanged since the last rebuild read it is not read again.
    let stamp = cx.scans.and_then(|_| crate::source::settled_stamp(&path, std::time::SystemTime::now()));
    let found = match cx.scans.zip(stamp).and_then(|(scans, stamp)| scans.get(p, stamp)) {
        Some(found) => found,
        None => {
            let found = std::sync::Arc::new(scan_file(&path, &ext));
            if let (Some(scans), Some(stamp)) = (cx.scans, stamp) {
                scans.put(p, stamp, found.clone());
            }
            found
        }
    };
    let shown = crate::source::shown_path(f);
    let mut out: Vec<Diagnostic> = found
        .iter()
        .take(3)
        .map(|(line, x)| {
            let (zh, en, m) = (x.kind.zh(), x.kind.en(), &x.masked);
            let mut d = personal(record, pos, x);
            d.message = msg!(
                "主动公开的文件 `{shown}` 第 {line} 行有{zh}（{m}）",
                "the public file `{shown}` holds a {en} on its line {line} ({m})"
            );
            d
        })
        .collect();
    if let (Some((_, first)), true) = (found.first(), found.len() > 3) {
        let more = found.len() - 3;
        let mut d = personal(record, pos, first);
        d.message = msg!(
            "主动公开的文件 `{shown}` 中另有 {more} 处个人信息（身份证号码、手机号码或银行卡号）",
            "the public file `{shown}` holds {more} more pieces of personal data (identity, mobile or card numbers)"
        );
        out.push(d);
    }
    out
}

/// Personal data found in text attachments, kept between `serve`'s rebuilds by each file's
/// stamp, so that a rebuild reads only the attachments that changed.
#[derive(Default)]
pub(crate) struct FileScans(std::sync::Mutex<std::collections::HashMap<String, (crate::source::Stamp, Arc<Found>)>>);

/// What [`scan_file`] found: (line, finding).
type Found = Vec<(usize, crate::model::personal::Found)>;

impl FileScans {
    fn get(&self, p: &str, stamp: crate::source::Stamp) -> Option<Arc<Found>> {
        self.0.lock().ok()?.get(p).filter(|(s, _)| *s == stamp).map(|(_, f)| f.clone())
    }

    fn put(&self, p: &str, stamp: crate::source::Stamp, found: Arc<Found>) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(p.to_string(), (stamp, found));
        }
    }
}

/// A line of JSON with its `\uXXXX` escapes decoded (surrogate pairs too); the rest as written.
fn json_unescaped(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains("\\u") {
        return line.into();
    }
    let mut units: Vec<u16> = Vec::new();
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let flush = |units: &mut Vec<u16>, out: &mut String| {
        out.extend(char::decode_utf16(units.drain(..)).map(|c| c.unwrap_or('\u{FFFD}')));
    };
    while let Some(i) = rest.find("\\u") {
        let hex = rest.get(i + 2..i + 6).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        match hex.and_then(|h| u16::from_str_radix(h, 16).ok()) {
            Some(u) => {
                if i > 0 {
                    flush(&mut units, &mut out);
                    out.push_str(&rest[..i]);
                }
                units.push(u);
                rest = &rest[i + 6..];
            }
            None => {
                flush(&mut units, &mut out);
                out.push_str(&rest[..i + 2]);
                rest = &rest[i + 2..];
            }
        }
    }
    flush(&mut units, &mut out);
    out.push_str(rest);
    out.into()
}

/// Personal data in the text file at `path` (of type `ext`), read up to [`TEXT_SCAN_BYTES`]:
/// each finding with its line. Nothing when the file cannot be read as a regular file.
fn scan_file(path: &std::path::Path, ext: &str) -> Found {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = crate::source::open_regular(path)
        .map_err(|_| ())
        .and_then(|(file, _)| file.take(TEXT_SCAN_BYTES).read_to_end(&mut bytes).map_err(|_| ()));
    if read.is_err() {
        return Vec::new();
    }
    // Excel's "Unicode text" is UTF-16.
    let utf16 = |b: &[u8], le: bool| {
        let units = b
            .chunks_exact(2)
            .map(|p| if le { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) });
        char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')).collect::<String>()
    };
    let text: String = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => utf16(&bytes[2..], true),
        Some([0xFE, 0xFF]) => utf16(&bytes[2..], false),
        _ => String::from_utf8_lossy(&bytes).into_owned(),
    };
    drop(bytes);
    let mut found: Found = Vec::new();
    // Line by line, as written (the file is published whole, scripts and comments too): a
    // table's rows are where numbers are. JSON's `\uXXXX` escapes are read as the characters.
    for (k, line) in text.lines().enumerate() {
        let line = if ext == "json" { json_unescaped(line) } else { line.into() };
        found
            .extend(crate::model::personal::find(&crate::markdown::decode_refs(&line)).into_iter().map(|x| (k + 1, x)));
    }
    if matches!(ext, "html" | "htm" | "shtml" | "xml") {
        // And as a browser shows it: `<b>138</b>1234 5678` is one number, two cells are two.
        let mut lines = crate::model::diag::Locator::new(&text);
        for (at, x) in crate::markdown::personal_in_html(&text) {
            if !found.iter().any(|(_, y)| y.same_number(&x)) {
                found.push((lines.at(at).line as usize, x));
            }
        }
        found.sort_by_key(|(line, _)| *line);
    }
    found
}

/// Raw HTML in the record's text, and a record without text.
pub(super) fn text(c: &Corpus, r: &Record, cfg: &crate::config::Config, d: &mut Vec<Diagnostic>) {
    for (pos, name) in r.body.unclosed() {
        d.push(unclosed(&r.file, *pos, name));
    }
    for &pos in r.body.html_doc() {
        d.push(html_doc(&r.file, pos));
    }
    for (pos, id) in r.body.text_doc() {
        if c.index_of(id).is_some() {
            d.push(text_doc(&r.file, *pos));
        }
    }
    if r.disclosure == crate::model::Disclosure::Public && !cfg.personal_data.allows(&r.id) {
        // The front matter's values were read at parsing, with the text.
        for (pos, found) in r.body.personal().iter().cloned() {
            d.push(personal(&r.file, pos, &found));
        }
    }
    for &pos in r.body.scripts() {
        d.push(warn(
            r,
            &rules::RAW_HTML,
            pos,
            msg!(
                "正文中的 HTML 可能执行脚本，发布时会被删除",
                "raw HTML here could run script; it is removed from the page"
            ),
            msg!(
                "删除 <script>、on… 事件属性和 javascript: 链接",
                "remove <script>, on… event attributes and javascript: links"
            ),
        ));
    }
    if r.body.chars == 0 && r.kind != Kind::Gazette {
        d.push(warn(
            r,
            &rules::EMPTY_TEXT,
            Pos::new(1, 1),
            msg!("记录只有元数据，没有正文", "the record has metadata but no text"),
            msg!("在结束的 `---` 之后写入正文", "write the text after the closing `---`"),
        ));
    }
}

/// The error for raw HTML element `name` opened at `pos` of `file` and never closed.
pub(super) fn unclosed(file: &str, pos: Pos, name: &str) -> Diagnostic {
    let tag = if name == "<!--" { "<!-- … -->".to_string() } else { format!("<{name}> … </{name}>") };
    Diagnostic::error(
        &rules::RAW_HTML_UNCLOSED,
        file,
        pos,
        msg!(
            "原始 HTML `{name}` 没有闭合，其后的全部正文都会从页面上消失",
            "raw HTML `{name}` is never closed: all the text after it would be lost from the page"
        ),
    )
    .help(msg!("补上结束标记（{tag}），或删除这段 HTML", "close it ({tag}), or remove this HTML"))
}

/// The `active-attachment` finding for file `f` named at `pos` of `file`: an error for a type
/// that is never published, a warning that an HTML file is published cleaned.
pub(super) fn active_attachment(file: &str, pos: Pos, f: &str) -> Option<Diagnostic> {
    match active_kind(f)? {
        Active::Refused => Some(Diagnostic::error(&rules::ACTIVE_ATTACHMENT, file, pos, msg!("附件 `{f}` 的类型可以执行脚本（SVG、XML、XSLT、MHTML、JavaScript、Flash），不能发布", "the attachment `{f}` is of a type that can run script (SVG, XML, XSLT, MHTML, JavaScript, Flash) and is not published"))
            .help(msg!("转换为 PDF 或 PNG 再作为附件", "convert it to PDF or PNG and attach that"))),
        Active::Html => Some(Diagnostic::warning(&rules::ACTIVE_ATTACHMENT, file, pos, msg!("HTML 附件 `{f}` 发布时会删除脚本、事件属性和样式", "the HTML attachment `{f}` is published with its scripts, event attributes and styles removed"))
            .help(msg!("核对发布后的文件；需要原样保存的页面请转换为 PDF", "check the published copy; convert pages that must be kept exactly to PDF"))),
    }
}

/// The `outside` error for file `f`, named at `pos` of `file`.
pub(super) fn not_own(file: &str, pos: Pos, f: &str, why: &NotOwn) -> Diagnostic {
    let (m, help) = match why {
        NotOwn::Outside => (
            msg!("`{f}` 指向记录目录之外", "`{f}` points outside the record's folder"),
            msg!(
                "把文件放进记录所在目录，用相对路径引用，不要用 `..` 或绝对路径",
                "put the file in the record's folder and refer to it by a relative path without `..`"
            ),
        ),
        NotOwn::Record(p) => (
            msg!(
                "`{f}` 是记录 content/{p} 的源文件，不能作为附件发布",
                "`{f}` is the source file of the record content/{p} and cannot be published as an attachment"
            ),
            msg!(
                "引用其他记录请写 doc:<id>；附件只放本记录自己的文件",
                "refer to a record with doc:<id>; attachments are only this record's own files"
            ),
        ),
        NotOwn::Version(p) => (
            msg!(
                "`{f}` 是 versions/ 中的历史文本（content/{p}），不是附件",
                "`{f}` is an earlier text in versions/ (content/{p}), not an attachment"
            ),
            msg!(
                "历史文本作为版本页面发布；请删除这个链接",
                "earlier texts are published as version pages; remove this link"
            ),
        ),
        // Which record that is, is its own: not named here.
        NotOwn::Private(_) => (
            msg!(
                "`{f}` 也被一条非主动公开的记录列出或链接，属于那条记录，不能在这里发布",
                "`{f}` is also listed or linked by a record that is not publicly disclosed; the file is that record's and cannot be published here"
            ),
            msg!(
                "公开记录需要的文件请另存一份放在自己的目录中，并确认其内容可以公开",
                "give the public record its own copy of the file, in its own folder, after checking that its content may be public"
            ),
        ),
        // Nor is this one: its title and date are not public yet either.
        NotOwn::Scheduled(_) => (
            msg!(
                "`{f}` 是一条晚于本记录发布的记录所列的附件，那条记录发布之前不能在这里提前发布",
                "`{f}` is listed as its own by a record published after this one; until that record is published the file cannot be published here"
            ),
            msg!(
                "本记录需要的文件请另存一份放在自己的目录中；或等那条记录发布后再链接",
                "give this record its own copy of the file, or link it once the other record is published"
            ),
        ),
        NotOwn::Foreign(folder) => (
            msg!(
                "`{f}` 位于另一条记录的目录 content/{folder}/ 中，属于那条记录",
                "`{f}` is inside the folder of another record (content/{folder}/index.md) and belongs to it"
            ),
            msg!(
                "文件只属于离它最近的记录：把文件移到本记录的目录，或改为链接那条记录（doc:<id>）",
                "a file belongs to the nearest record only: move it into this record's folder, or link that record with doc:<id>"
            ),
        ),
    };
    Diagnostic::error(&rules::OUTSIDE, file, pos, m).help(help)
}

/// A `personal-data` error: the kind and the masked number, never the number itself.
pub(super) fn personal(file: &str, pos: Pos, f: &crate::model::personal::Found) -> Diagnostic {
    let (zh, en, m) = (f.kind.zh(), f.kind.en(), &f.masked);
    Diagnostic::error(
        &rules::PERSONAL_DATA,
        file,
        pos,
        msg!("主动公开的内容中有{zh}（{m}）", "a public text holds a {en} ({m})"),
    )
    .help(msg!(
        "删除或去标识化后再发布；行政处罚决定等依法须公开当事人信息的记录，在 gongbao.toml 的 [personal_data] allow 中列出其 id",
        "remove or mask it before publishing; records that must name a party by law (penalty decisions) go in [personal_data] allow of gongbao.toml"
    ))
}

/// A `doc-not-link` error: `doc:` in a text where Markdown read no link, shown as written, id
/// and all.
pub(super) fn text_doc(file: &str, pos: Pos) -> Diagnostic {
    Diagnostic::error(
        &rules::DOC_NOT_LINK,
        file,
        pos,
        msg!(
            "这里的 doc: 引用没有成为链接（地址中有空格或括号没配对？），页面会原样显示它（连同其中的 id）",
            "this doc: reference did not become a link (a space in the address, or brackets that do not pair?): the page would show it as written, id and all"
        ),
    )
    .help(msg!(
        "写成 [文字](doc:id)，地址中不留空格；要在正文中写出“doc:”这几个字，用代码格式 `doc:`",
        "write [text](doc:id) with no space in the address; to write the letters doc: themselves, put them in code: `doc:`"
    ))
}

/// A `raw-html-doc` error.
pub(super) fn html_doc(file: &str, pos: Pos) -> Diagnostic {
    Diagnostic::error(
        &rules::RAW_HTML_DOC,
        file,
        pos,
        msg!(
            "原始 HTML 中的 doc: 引用不会成为链接，页面会原样显示它（连同其中的 id）",
            "a doc: reference in raw HTML is no link: the page would show it as written, id and all"
        ),
    )
    .help(msg!(
        "把它移出 HTML 块（HTML 块到空行为止），或写成 <a href=\"doc:…\">文字</a>",
        "move it out of the HTML block (which ends at a blank line), or write <a href=\"doc:…\">text</a>"
    ))
}
