//! Fuzz targets as properties, run with the other tests on stable Rust: record parsing never
//! panics on any bytes; the HTML cleaner's output, parsed again, holds no script element, event
//! handler or script URL; `verify` on a hostile folder never panics or hangs and never calls a
//! changed folder clean.
//!
//! Each property runs `GONGBAO_FUZZ_CASES` cases (default 1024 for the first two, a quarter of
//! that for `verify`, which works on the file system), under about 20 s each in a debug build.
//! For a longer run:
//!
//! ```sh
//! GONGBAO_FUZZ_CASES=100000 cargo test --release --test fuzz
//! ```
//!
//! proptest prints the smallest failing input it finds; keep it as a unit test beside the code.

use gongbao::internals::Config;
use gongbao::internals::Source;
use gongbao::internals::{LinkAction, clean, republish};
use proptest::prelude::*;
use proptest::test_runner::Config as Runner;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn cases(divisor: u32) -> Runner {
    // The variable can only raise the number of cases: a smaller value would let a run pass
    // having tried almost nothing.
    let n: u32 = std::env::var("GONGBAO_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1024).max(1024);
    Runner { cases: (n / divisor).max(1), failure_persistence: None, ..Runner::default() }
}

// ---------------------------------------------------------------------------------------------
// 1. Records from arbitrary bytes.

/// Pieces of front matter and Markdown that reach the parser's corners: keys, dates, anchors and
/// aliases, tags, flow collections, block scalars, quoting and escapes, document markers, and
/// characters that are valid UTF-8 but unusual.
const RECORD_PIECES: &[&str] = &[
    "kind: ",
    "normative",
    "regulation",
    "gazette",
    "draft",
    "catalog",
    "规章",
    "title: ",
    "published: ",
    "effective: ",
    "expires: ",
    "signed: ",
    "2024-01-02",
    "2024-13-45",
    "0000-00-00",
    "9999-12-31",
    "doc_number: ",
    "杭政办函〔2018〕84号",
    "〔",
    "号",
    "index_no: ",
    "registration_no: ",
    "issuer: ",
    "topic: ",
    "keywords: ",
    "amends: ",
    "repeals: ",
    "interprets: ",
    "final: ",
    "comment: ",
    "{opens: 2024-01-01, closes: 2023-01-01}",
    "validity: ",
    "{state: repealed, since: x}",
    "disclosure: ",
    "withheld",
    "review: ",
    "attachments: ",
    "[{file: ../x, title: y}]",
    "sections: ",
    "[{title: a, items: [{doc: a, page: -1}]}]",
    "year: ",
    "number: ",
    "id: ",
    "../../etc",
    "&a ",
    "*a",
    "<<: *a",
    "!!binary ",
    "!!str ",
    "!custom ",
    "? ",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "\"\\u0000\"",
    "\"\\uD800\"",
    "\"\\uFFFE\"",
    "|\n",
    ">-\n",
    "|+\n",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "#",
    "~",
    "null",
    "yes",
    "no",
    "on",
    "0x1F",
    "1e400",
    "-.inf",
    ".nan",
    "\u{FEFF}",
    "\u{FFFF}",
    "\u{200B}",
    "[x](doc:a)",
    "<doc:a>",
    "<script>alert(1)</script>",
    "<svg onload=x>",
    "[^1]",
    "[^1]: n",
    "| a | b |\n|---|---|\n",
    "```\n",
    "110101199003070011",
    "13800138000",
    "6222020200112233445",
];

fn record_bytes() -> impl Strategy<Value = Vec<u8>> {
    let noise = (
        prop::collection::vec(prop::sample::select(RECORD_PIECES), 0..48),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
    )
        .prop_map(|(pieces, bytes)| {
            let mut v = b"---\n".to_vec();
            v.extend(pieces.concat().into_bytes());
            for (at, b) in bytes {
                let i = at.index(v.len() + 1);
                v.insert(i, b);
            }
            v
        });
    prop_oneof![prop::collection::vec(any::<u8>(), 0..512), noise]
}

proptest! {
    #![proptest_config(cases(1))]

    #[test]
    fn any_bytes_parse_without_panicking(bytes in record_bytes()) {
        let cfg = Config::parse("[site]\nname = \"测试\"\n[patterns]\nindex_no = '^\\d{9}/\\d{4}-\\d{5}$'\n").unwrap();
        if let Ok(text) = gongbao::internals::decode(&bytes) {
            let src = Source { file: "content/a/b.md".into(), default_id: "a/b".into(), dir: "a".into(), text, sha256: String::new() };
            let _ = gongbao::internals::parse(&src, &cfg);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. The HTML cleaner, judged by its output.

const TAGS: &[&str] = &[
    "script",
    "SCRIPT",
    "ScRiPt",
    "svg",
    "SVG",
    "img",
    "IMG",
    "a",
    "A",
    "iframe",
    "math",
    "style",
    "form",
    "object",
    "embed",
    "p",
    "div",
    "template",
    "noscript",
    "base",
    "link",
    "meta",
    "xmp",
    "textarea",
    "title",
    "plaintext",
    "noembed",
    "select",
    "table",
    "foreignObject",
    "animate",
    "set",
    "use",
    "image",
    "mi",
    "annotation-xml",
    "button",
    "input",
    "video",
    "source",
    "area",
];
const ATTRS: &[&str] = &[
    "onclick",
    "ONLOAD",
    "OnError",
    "onmouseover",
    "on",
    "onfocus",
    "href",
    "HREF",
    "src",
    "xlink:href",
    "action",
    "formaction",
    "srcset",
    "style",
    "data",
    "poster",
    "ping",
    "background",
    "cite",
    "attributeName",
    "values",
    "to",
    "from",
    "title",
    "alt",
    "class",
];
const URLS: &[&str] = &[
    "javascript:alert(1)",
    "JaVaScRiPt:x",
    "java&#x09;script:x",
    "java&#9;script:x",
    "&#106;avascript:x",
    "&#x6A;avascript:x",
    "&#0106avascript:x",
    "javascript&colon;x",
    "javascript&#58;x",
    "jav&#x0A;ascript:x",
    "jav&NewLine;ascript:x",
    "&Tab;javascript:x",
    "\tjavascript:x",
    " \n javascript:x",
    "\u{1}javascript:x",
    "vbscript:msgbox(1)",
    "VBScript&#58;x",
    "data:text/html,<script>x</script>",
    "DATA:x",
    "d&#97;ta:x",
    "https://ok.example/",
    "#frag",
    "a.png 1x, javascript:y 2x",
    "x.png 1x,javascript:y",
    "http://p.example javascript:x",
    "/docs/a/",
    "doc:a",
    "",
    "&amp;#106;avascript:x",
];
const SEPS: &[&str] = &[" ", "\t", "\n", "/", "  ", "\u{c}", " / "];
const QUOTES: &[&str] = &["\"", "'", ""];
const RAW: &[&str] = &[
    "<!--",
    "-->",
    "<!-->",
    "<![CDATA[",
    "]]>",
    "</",
    ">",
    "<",
    "text 文字",
    "&lt;",
    "&",
    "<?xml x?>",
    "<!DOCTYPE html>",
    "</script>",
    "</svg>",
    "</math>",
    "</form>",
    "</style>",
    "</title>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href=javascript:x>y</mi></math>",
    "<a href=javascript:x>l</a>",
    "<scr<script>ipt>",
    "<img src=x onerror=alert(1)//",
    "<svg><animate attributeName=href values=javascript:x /><a><text>t</text></a></svg>",
    "\0",
    "<!-- <script>x</script> -->",
    "<noscript><p title=\"</noscript><img src=x onerror=y>\"></noscript>",
];

#[derive(Debug, Clone)]
enum Piece {
    Open { tag: &'static str, attrs: Vec<(&'static str, &'static str, &'static str, &'static str)>, close_self: bool },
    Close(&'static str),
    Raw(&'static str),
}

fn piece() -> impl Strategy<Value = Piece> {
    let attr = (
        prop::sample::select(ATTRS),
        prop::sample::select(SEPS),
        prop::sample::select(QUOTES),
        prop::sample::select(URLS),
    );
    prop_oneof![
        4 => (prop::sample::select(TAGS), prop::collection::vec(attr, 0..4), any::<bool>()).prop_map(|(tag, attrs, close_self)| Piece::Open { tag, attrs, close_self }),
        2 => prop::sample::select(TAGS).prop_map(Piece::Close),
        2 => prop::sample::select(RAW).prop_map(Piece::Raw),
    ]
}

fn html_of(pieces: &[Piece]) -> String {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Open { tag, attrs, close_self } => {
                s.push('<');
                s.push_str(tag);
                for (name, sep, quote, value) in attrs {
                    s.push_str(sep);
                    s.push_str(name);
                    s.push('=');
                    s.push_str(quote);
                    s.push_str(value);
                    s.push_str(quote);
                }
                s.push_str(if *close_self { "/>" } else { ">" });
            }
            Piece::Close(tag) => s.push_str(&format!("</{tag}>")),
            Piece::Raw(r) => s.push_str(r),
        }
    }
    s
}

/// An attribute value as a browser reads it: character references decoded once (numeric ones
/// with or without `;`, and the named ones that can spell a scheme: `&colon;`, `&Tab;`,
/// `&NewLine;`, and `&amp;`).
fn decoded(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let named = [("&colon;", ':'), ("&Tab;", '\t'), ("&NewLine;", '\n'), ("&amp;", '&')]
            .into_iter()
            .find(|(n, _)| rest.starts_with(n));
        if let Some((n, c)) = named {
            out.push(c);
            rest = &rest[n.len()..];
            continue;
        }
        let (radix, digits_at) = match rest.as_bytes().get(1..3) {
            Some([b'#', b'x' | b'X']) => (16, 3),
            Some([b'#', _]) => (10, 2),
            _ => {
                out.push('&');
                rest = &rest[1..];
                continue;
            }
        };
        let digits = rest[digits_at..].bytes().take_while(|&b| char::from(b).is_digit(radix)).count();
        if digits == 0 {
            out.push('&');
            rest = &rest[1..];
            continue;
        }
        let n = u32::from_str_radix(&rest[digits_at..digits_at + digits], radix).unwrap_or(0xFFFD);
        out.push(char::from_u32(n).filter(|&c| c != '\0').unwrap_or('\u{FFFD}'));
        rest = &rest[digits_at + digits..];
        rest = rest.strip_prefix(';').unwrap_or(rest);
    }
    out.push_str(rest);
    out
}

/// Whether a URL (references already decoded) runs script or carries a document of its own:
/// browsers strip tabs and newlines anywhere and leading controls and spaces.
fn is_script_url(url: &str) -> bool {
    let squeezed: String =
        url.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"].iter().any(|s| squeezed.starts_with(s))
}

/// Attributes whose value is a URL, or (`srcset`, `ping`) a list of them; on SVG animation
/// elements (in SVG, not the unknown HTML elements of the same name), `to`, `from` and `values`
/// too, since they can set an `href`.
const URL_ATTRS: &[&str] = &[
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
const URL_LIST_ATTRS: &[&str] = &["srcset", "imagesrcset", "ping"];
const ANIMATION: &[&str] = &["animate", "set", "animatemotion", "animatetransform"];

/// What a browser parsing `html` would find that could run script.
fn offences(html: &str) -> Vec<String> {
    let found = std::cell::RefCell::new(Vec::new());
    let mut rw = lol_html::HtmlRewriter::new(
        lol_html::Settings {
            element_content_handlers: vec![lol_html::element!("*", |el| {
                let tag = el.tag_name().to_ascii_lowercase();
                if tag == "script" {
                    found.borrow_mut().push(format!("a <{tag}> element"));
                }
                for a in el.attributes() {
                    let (name, value) = (a.name().to_ascii_lowercase(), a.value());
                    if name.starts_with("on") {
                        found.borrow_mut().push(format!("an event handler {name}=\"{value}\""));
                    }
                    let svg = el.namespace_uri() == "http://www.w3.org/2000/svg";
                    let animated =
                        svg && ANIMATION.contains(&tag.as_str()) && ["to", "from", "values"].contains(&name.as_str());
                    // Each list as a browser splits it: `srcset` candidates at commas (the URL
                    // first), `ping` at whitespace, animation `values` at semicolons.
                    let value_ = decoded(&value);
                    let script = if URL_ATTRS.contains(&name.as_str()) {
                        is_script_url(&value_)
                    } else if name == "ping" {
                        value_.split_ascii_whitespace().any(is_script_url)
                    } else if URL_LIST_ATTRS.contains(&name.as_str()) {
                        value_.split(',').any(|c| c.split_ascii_whitespace().next().is_some_and(is_script_url))
                    } else if animated {
                        value_.split(';').any(is_script_url)
                    } else {
                        false
                    };
                    if script {
                        found.borrow_mut().push(format!("a script URL {name}=\"{value}\" on <{tag}>"));
                    }
                }
                Ok(())
            })],
            ..lol_html::Settings::new()
        },
        |_: &[u8]| {},
    );
    if rw.write(html.as_bytes()).is_err() || rw.end().is_err() {
        return vec!["the output does not parse".into()];
    }
    found.into_inner()
}

#[test]
fn the_output_checker_sees_what_a_browser_runs() {
    for bad in [
        "<script>x</script>",
        "<img src=x OnError=y>",
        "<a href=\"&#106;avascript:x\">l</a>",
        "<a href=\"java&#x09;script:x\">l</a>",
        "<img srcset=\"a.png 1x, javascript:y 2x\">",
    ] {
        assert!(!offences(bad).is_empty(), "{bad}");
    }
    for fine in [
        "<p title=\"javascript:x\">t</p>",
        "<a href=\"https://e.example/?javascript:x\">l</a>",
        "<p>&lt;script&gt;</p>",
        "<a href=\"&amp;#106;avascript:x\">l</a>",
    ] {
        assert_eq!(offences(fine), Vec::<String>::new(), "{fine}");
    }
}

proptest! {
    #![proptest_config(cases(1))]

    #[test]
    fn cleaned_html_runs_no_script(pieces in prop::collection::vec(piece(), 0..24)) {
        let html = html_of(&pieces);
        let out = clean(&html, &|_| LinkAction::Keep);
        let found = offences(&out);
        prop_assert!(found.is_empty(), "{found:?}\ninput:  {html:?}\noutput: {out:?}");
    }
}

/// Hostile HTML pieces among Markdown: paragraph breaks, `doc:` links, an HTML block start.
fn markdown_of(pieces: &[(Piece, u8)]) -> String {
    let mut s = String::new();
    for (p, glue) in pieces {
        s.push_str(&html_of(std::slice::from_ref(p)));
        s.push_str(match glue % 5 {
            0 => "\n\n",
            1 => " [甲](doc:secret) ",
            2 => "\n\n<div>\n",
            3 => "\n",
            _ => "文",
        });
    }
    s
}

proptest! {
    #![proptest_config(cases(1))]

    /// `text.md` read by any CommonMark renderer runs no script, whatever raw HTML the source
    /// held. (What it names is held to the page by `leaks.rs`: text inside a raw HTML block is
    /// shown as written, on the page as in `text.md`.)
    #[test]
    fn text_md_rendered_again_runs_no_script(pieces in prop::collection::vec((piece(), any::<u8>()), 0..24)) {
        let md = markdown_of(&pieces);
        let decide = |href: &str| if href.trim().to_ascii_lowercase().starts_with("doc:") { LinkAction::Remove } else { LinkAction::Keep };
        let rewrite = |href: &str| match decide(href) {
            LinkAction::Keep => None,
            _ => Some(None),
        };
        let out = republish(&md, &rewrite, &decide);
        let mut html = String::new();
        let opts = pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_FOOTNOTES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH;
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new_ext(&out, opts));
        let found = offences(&html);
        prop_assert!(found.is_empty(), "{found:?}\ninput:  {md:?}\ntext.md: {out:?}\nrendered: {html:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. verify on a hostile folder.

/// One change to a sealed folder. Each leaves the folder different from its seal.
#[derive(Debug, Clone)]
enum Harm {
    FlipByte(prop::sample::Index, prop::sample::Index, u8),
    Truncate(prop::sample::Index),
    Remove(prop::sample::Index),
    Add(String, Vec<u8>),
    LinkFor(prop::sample::Index, u8),
    FifoFor(prop::sample::Index),
    AddFifo(String),
    AddLink(String, u8),
    FlipManifest(prop::sample::Index, u8),
    ManifestBytes(Vec<u8>),
    ManifestHostile(u8),
    FlipSums(prop::sample::Index, u8),
}

fn harm() -> impl Strategy<Value = Harm> {
    let idx = any::<prop::sample::Index>;
    let name = "[a-z]{1,6}(/[a-z]{1,6})?";
    prop_oneof![
        (idx(), idx(), 1..=255u8).prop_map(|(f, at, x)| Harm::FlipByte(f, at, x)),
        idx().prop_map(Harm::Truncate),
        idx().prop_map(Harm::Remove),
        (name, prop::collection::vec(any::<u8>(), 0..32)).prop_map(|(n, b)| Harm::Add(format!("added-{n}"), b)),
        (idx(), 0..3u8).prop_map(|(f, k)| Harm::LinkFor(f, k)),
        idx().prop_map(Harm::FifoFor),
        name.prop_map(|n| Harm::AddFifo(format!("fifo-{n}"))),
        (name, 0..3u8).prop_map(|(n, k)| Harm::AddLink(format!("link-{n}"), k)),
        (idx(), 1..=255u8).prop_map(|(at, x)| Harm::FlipManifest(at, x)),
        prop::collection::vec(any::<u8>(), 0..256).prop_map(Harm::ManifestBytes),
        (0..3u8).prop_map(Harm::ManifestHostile),
        (idx(), 1..=255u8).prop_map(|(at, x)| Harm::FlipSums(at, x)),
    ]
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system entry.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", p.display());
}

/// A link target: an endless device, nothing, or a copy outside the folder.
fn link_target(k: u8, outside: &Path) -> PathBuf {
    match k {
        0 => PathBuf::from("/dev/zero"),
        1 => outside.join("does-not-exist"),
        _ => outside.to_path_buf(),
    }
}

/// Applies `h` to the sealed folder `out` whose files are `files`; content changes only touch
/// regular files, never what a link points to.
fn apply(h: &Harm, out: &Path, files: &[String], outside: &Path) {
    let file = |i: &prop::sample::Index| out.join(&files[i.index(files.len())]);
    let regular = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file());
    let clear = |p: &Path| {
        let _ = if std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir_all(p)
        } else {
            std::fs::remove_file(p)
        };
    };
    let parent = |p: &Path| std::fs::create_dir_all(p.parent().unwrap()).is_ok();
    let flip = |p: &Path, at: &prop::sample::Index, x: u8| {
        if regular(p) {
            let mut b = std::fs::read(p).unwrap();
            if b.is_empty() {
                b.push(x);
            } else {
                let i = at.index(b.len());
                b[i] ^= x;
            }
            std::fs::write(p, b).unwrap();
        }
    };
    match h {
        Harm::FlipByte(f, at, x) => flip(&file(f), at, *x),
        Harm::Truncate(f) => {
            let p = file(f);
            if regular(&p) {
                let b = std::fs::read(&p).unwrap();
                std::fs::write(&p, &b[..b.len() / 2]).unwrap();
            }
        }
        Harm::Remove(f) => clear(&file(f)),
        Harm::Add(name, bytes) => {
            let p = out.join(name);
            if parent(&p) && std::fs::symlink_metadata(&p).is_err() {
                std::fs::write(p, bytes).unwrap();
            }
        }
        Harm::LinkFor(f, k) => {
            let p = file(f);
            clear(&p);
            let _ = std::os::unix::fs::symlink(link_target(*k, outside), &p);
        }
        Harm::FifoFor(f) => {
            let p = file(f);
            clear(&p);
            mkfifo(&p);
        }
        Harm::AddFifo(name) => {
            let p = out.join(name);
            if parent(&p) && std::fs::symlink_metadata(&p).is_err() {
                mkfifo(&p);
            }
        }
        Harm::AddLink(name, k) => {
            let p = out.join(name);
            if parent(&p) && std::fs::symlink_metadata(&p).is_err() {
                let _ = std::os::unix::fs::symlink(link_target(*k, outside), &p);
            }
        }
        Harm::FlipManifest(at, x) => flip(&out.join("manifest.json"), at, *x),
        Harm::ManifestBytes(b) => {
            let p = out.join("manifest.json");
            clear(&p);
            std::fs::write(p, b).unwrap();
        }
        Harm::ManifestHostile(k) => {
            let p = out.join("manifest.json");
            clear(&p);
            match k {
                0 => mkfifo(&p),
                1 => std::os::unix::fs::symlink("/dev/zero", &p).unwrap(),
                _ => std::fs::create_dir(&p).unwrap(),
            }
        }
        Harm::FlipSums(at, x) => flip(&out.join("SHA256SUMS"), at, *x),
    }
}

/// Runs `verify` on another thread; `None` when it did not end within 10 s.
fn verify_in_time(out: &Path) -> Option<std::thread::Result<Result<gongbao::internals::Report, String>>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let dir = out.to_path_buf();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(|| gongbao::internals::verify(&dir, None));
        let _ = tx.send(r);
    });
    rx.recv_timeout(Duration::from_secs(10)).ok()
}

proptest! {
    #![proptest_config(cases(4))]

    #[test]
    fn verify_never_calls_a_changed_folder_clean(
        contents in prop::collection::btree_map("[a-z]{1,5}(/[a-z]{1,5})?\\.(html|txt)", prop::collection::vec(any::<u8>(), 1..48), 1..6),
        harms in prop::collection::vec(harm(), 0..4),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let outside = tmp.path().join("outside.txt");
        std::fs::write(&outside, b"outside").unwrap();
        // Every name ends in .html or .txt, so none is also a folder.
        let staging = gongbao::internals::Staging::new(&out).unwrap();
        let mut written = Vec::new();
        for (name, bytes) in &contents {
            written.push(staging.write(name, bytes).unwrap());
        }
        written.sort();
        gongbao::internals::seal(&staging, &written, "2024-06-01", None, None, false).unwrap();
        staging.commit().unwrap();
        let files: Vec<String> = written.iter().map(|w| w.path.clone()).collect();
        for h in &harms {
            apply(h, &out, &files, &outside);
        }
        match verify_in_time(&out) {
            None => prop_assert!(false, "verify hung after {harms:?}"),
            Some(Err(_)) => prop_assert!(false, "verify panicked after {harms:?}"),
            Some(Ok(Err(_))) => prop_assert!(!harms.is_empty(), "an untouched folder could not be verified"),
            Some(Ok(Ok(report))) => prop_assert_eq!(report.clean(), harms.is_empty(), "{:?} after {:?}", report, harms),
        }
    }
}
