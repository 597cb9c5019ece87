//! Property tests of rules that hold for any input: document numbers survive display and parse
//! and every accepted misspelling normalises to the same number; a record's file reference never
//! resolves outside its folder; and after any sequence of editorial changes a build that reuses
//! the previous output equals a build from nothing, byte for byte.

mod common;

use common::Site;
use gongbao::internals::resolve_file;
use gongbao::model::{DocNumber, DocNumberQuirk};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Document numbers

/// An agency code as editors write them: Chinese characters, Latin letters and digits, never a
/// bracket, never ending in a digit (which would run into the year or the sequence).
fn agency() -> impl Strategy<Value = String> {
    "[\u{4e00}-\u{9fa5}A-Za-z0-9·]{0,7}[\u{4e00}-\u{9fa5}A-Za-z·]"
}

/// A number with a year (`〔2018〕` form) or without one (order form, `…令第12号`).
fn doc_number() -> impl Strategy<Value = DocNumber> {
    (agency(), proptest::option::of(1000i32..=9999), 1u32..=100_000).prop_map(|(agency, year, seq)| DocNumber {
        agency,
        year,
        seq,
    })
}

/// The year brackets editors use instead of `〔 〕`.
const ODD_BRACKETS: [(char, char); 5] = [('[', ']'), ('［', '］'), ('(', ')'), ('（', '）'), ('【', '】')];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn a_displayed_number_parses_back_unchanged(n in doc_number()) {
        let text = n.to_string();
        let (parsed, quirks) = DocNumber::parse(&text).unwrap_or_else(|| panic!("`{text}` does not parse"));
        prop_assert_eq!(&parsed, &n, "`{}`", text);
        prop_assert!(quirks.is_empty(), "`{}` has quirks {:?}", text, quirks);
    }

    #[test]
    fn odd_brackets_and_leading_zeros_normalise_to_the_same_number(
        n in doc_number(),
        brackets in proptest::option::of(0..ODD_BRACKETS.len()),
        zeros in 0usize..3,
    ) {
        let seq = format!("{}{}", "0".repeat(zeros), n.seq);
        let text = match (n.year, brackets) {
            (Some(year), Some(b)) => {
                let (open, close) = ODD_BRACKETS[b];
                format!("{}{open}{year}{close}{seq}号", n.agency)
            }
            (Some(year), None) => format!("{}〔{year}〕{seq}号", n.agency),
            (None, _) => format!("{}第{seq}号", n.agency),
        };
        let (parsed, quirks) = DocNumber::parse(&text).unwrap_or_else(|| panic!("`{text}` does not parse"));
        prop_assert_eq!(&parsed, &n, "`{}`", text);
        prop_assert_eq!(parsed.to_string(), n.to_string());
        let odd = n.year.is_some() && brackets.is_some();
        let expected: BTreeSet<&str> = [(odd, "brackets"), (zeros > 0, "zeros")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
        let reported: BTreeSet<&str> = quirks
            .iter()
            .map(|q| match q {
                DocNumberQuirk::Brackets => "brackets",
                DocNumberQuirk::LeadingZeros => "zeros",
            })
            .collect();
        prop_assert_eq!(quirks.len(), reported.len(), "`{}` reports a quirk twice: {:?}", text, quirks);
        prop_assert_eq!(reported, expected, "`{}`", text);
    }
}

// ---------------------------------------------------------------------------------------------
// File references

/// A record's folder below `content/`: empty (the top) or a few plain names.
fn folder() -> impl Strategy<Value = String> {
    proptest::collection::vec("[a-z0-9\u{4e00}-\u{4e0f}]{1,3}", 0..3).prop_map(|v| v.join("/"))
}

/// One segment of a reference, hostile or not.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z0-9\u{4e00}-\u{4e0f}._-]{1,4}",
        2 => Just("..".to_string()),
        1 => Just(".".to_string()),
        1 => Just(String::new()),
        1 => Just("%2e%2e".to_string()),
        1 => Just("%2e".to_string()),
        1 => Just("..\\..".to_string()),
        1 => Just("a\\b".to_string()),
        1 => Just("...".to_string()),
        1 => Just("C:".to_string()),
    ]
}

/// One segment of a plain reference: a name, or one that changes nothing (`.`, an empty one).
fn plain_segment() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[a-z0-9\u{4e00}-\u{4e0f}_-]{1,4}", 1 => Just(".".to_string()), 1 => Just(String::new())]
}

/// A reference as written in `attachments` or a link: segments after an optional prefix that
/// tries to make it absolute.
fn reference() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        4 => Just(""),
        1 => Just("/"),
        1 => Just("//"),
        1 => Just("\\"),
        1 => Just("C:\\"),
        1 => Just("C:/"),
        1 => Just("file:"),
        1 => Just("\\\\server\\share\\"),
    ];
    (prefix, proptest::collection::vec(segment(), 1..6)).prop_map(|(p, segs)| format!("{p}{}", segs.join("/")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_reference_never_resolves_outside_its_folder(dir in folder(), f in reference()) {
        if let Some(p) = resolve_file(&dir, &f) {
            prop_assert!(dir.is_empty() || p.starts_with(&format!("{dir}/")), "`{}` in `{}` resolved to `{}`", f, dir, p);
            prop_assert!(!p.contains('\\'), "`{}` in `{}` resolved to `{}`", f, dir, p);
            for seg in p.split('/') {
                prop_assert!(!matches!(seg, "" | "." | ".."), "`{}` in `{}` resolved to `{}`", f, dir, p);
            }
        }
    }

    /// The other half: a plain relative reference is not refused, and lands where it says.
    #[test]
    fn a_plain_reference_resolves_below_its_folder(
        dir in folder(),
        segs in proptest::collection::vec(plain_segment(), 1..5),
    ) {
        let f = segs.join("/");
        let names: Vec<&str> = segs.iter().map(String::as_str).filter(|s| !matches!(*s, "" | ".")).collect();
        let expected = (!names.is_empty() && !f.starts_with('/'))
            .then(|| dir.split('/').filter(|s| !s.is_empty()).chain(names.iter().copied()).collect::<Vec<_>>().join("/"));
        prop_assert_eq!(resolve_file(&dir, &f), expected, "`{}` in `{}`", f, dir);
    }
}

// ---------------------------------------------------------------------------------------------
// Cached builds under random edits

/// Records in the edited site, `content/r<i>/index.md`, published on consecutive days.
const RECORDS: usize = 6;

/// What an editor can change in one step, on records by index; an edit to a record that is not
/// there (deleted earlier) adds it back first.
#[derive(Debug, Clone)]
enum Edit {
    /// A new wording of the text.
    Text(usize),
    /// A new title, which shows on every page that lists or links the record.
    Title(usize),
    /// A `doc:` link from the first record to the second.
    Link(usize, usize),
    /// Withheld becomes public, public becomes withheld.
    Disclosure(usize),
    /// An attachment is added, or removed with its file.
    Attachment(usize),
    /// The record is deleted, or added back.
    Presence(usize),
    /// The later record amends the earlier one, whose former text becomes a version.
    Amend(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    (0u8..7, 0..RECORDS, 0..RECORDS).prop_map(|(k, a, b)| match k {
        0 => Edit::Text(a),
        1 => Edit::Title(a),
        2 => Edit::Link(a, b),
        3 => Edit::Disclosure(a),
        4 => Edit::Attachment(a),
        5 => Edit::Presence(a),
        _ => Edit::Amend(a, b),
    })
}

/// One record as the editor left it.
#[derive(Debug, Clone, Default)]
struct Rec {
    title: u32,
    text: u32,
    links: BTreeSet<usize>,
    withheld: bool,
    attachment: bool,
    /// Earlier records this one amends.
    amends: BTreeSet<usize>,
}

/// The site as the editor sees it: records by index, `None` once deleted.
#[derive(Debug, Clone)]
struct Model {
    recs: Vec<Option<Rec>>,
}

impl Model {
    fn new() -> Model {
        let mut recs = vec![Some(Rec::default()); RECORDS];
        // A little structure to start from: each odd record links to the one before, and the
        // first has an attachment.
        for (i, r) in recs.iter_mut().enumerate().skip(1).step_by(2) {
            r.as_mut().unwrap().links.insert(i - 1);
        }
        recs[0].as_mut().unwrap().attachment = true;
        Model { recs }
    }

    fn rec(&mut self, i: usize) -> &mut Rec {
        self.recs[i].get_or_insert_with(Rec::default)
    }

    fn apply(&mut self, e: &Edit) {
        match *e {
            Edit::Text(i) => self.rec(i).text += 1,
            Edit::Title(i) => self.rec(i).title += 1,
            Edit::Link(i, j) => {
                let j = if i == j { (j + 1) % RECORDS } else { j };
                self.rec(i).links.insert(j);
            }
            Edit::Disclosure(i) => {
                let r = self.rec(i);
                r.withheld = !r.withheld;
            }
            Edit::Attachment(i) => {
                let r = self.rec(i);
                r.attachment = !r.attachment;
            }
            Edit::Presence(i) => {
                self.recs[i] = match self.recs[i] {
                    Some(_) => None,
                    None => Some(Rec::default()),
                }
            }
            Edit::Amend(a, b) => {
                let b = if a == b { (b + 1) % RECORDS } else { b };
                let (later, earlier) = (a.max(b), a.min(b));
                self.rec(earlier).text += 1;
                self.rec(later).amends.insert(earlier);
            }
        }
    }

    fn present(&self, i: usize) -> bool {
        self.recs[i].is_some()
    }

    /// Whether a published, public record amends record `i`: only then does `i` have a current
    /// text later than its first, and so room for a version.
    fn amended(&self, i: usize) -> bool {
        self.recs.iter().flatten().any(|r| !r.withheld && r.amends.contains(&i))
    }

    /// Every file of `content/`, by path below the site root. Relations to records that are not
    /// there are left out, as an editor deleting a record would remove the links to it.
    fn files(&self) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        for (i, r) in self.recs.iter().enumerate() {
            let Some(r) = r else { continue };
            let mut fm = format!(
                "kind: normative\ntitle: 文件{i}（第{}稿）\nissuer: 测试市人民政府办公室\npublished: 2024-01-{:02}",
                r.title,
                i + 1
            );
            if r.withheld {
                fm.push_str("\ndisclosure: withheld\ndisclosure_reason: 涉及国家秘密");
            }
            let amends: Vec<String> = r.amends.iter().filter(|&&j| self.present(j)).map(|j| format!("r{j}")).collect();
            if !amends.is_empty() {
                fm.push_str(&format!("\namends: [{}]", amends.join(", ")));
            }
            if r.attachment {
                fm.push_str(&format!("\nattachments:\n  - {{file: fujian.csv, title: 附件{i}}}"));
                files.insert(format!("content/r{i}/fujian.csv"), format!("项目,金额\n文件{i},{}\n", r.text));
            }
            let mut body = format!("第一条　文件{i}的正文，第{}稿。\n", r.text);
            for j in r.links.iter().filter(|&&j| self.present(j)) {
                body.push_str(&format!("\n第二条　参见[文件{j}](doc:r{j})。\n"));
            }
            files.insert(format!("content/r{i}/index.md"), format!("---\n{fm}\n---\n{body}"));
            if self.amended(i) {
                files.insert(
                    format!("content/r{i}/versions/2024-01-{:02}.md", i + 1),
                    format!("第一条　文件{i}原来的正文。\n\n第二条　已删去的一条。\n"),
                );
            }
        }
        files
    }
}

/// Writes what changed between `before` and `after` into the site, and deletes what went.
fn sync(root: &Path, before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) {
    for (path, text) in after {
        if before.get(path) != Some(text) {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }
    for path in before.keys().filter(|p| !after.contains_key(*p)) {
        let p = root.join(path);
        std::fs::remove_file(&p).unwrap();
        // Folders left empty go too (`versions/`, then the record's own).
        let mut dir = p.parent();
        while let Some(d) = dir.filter(|d| d.starts_with(root.join("content")) && *d != root.join("content")) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
}

/// `build --as-of 2024-06-01` into `out`; returns how many files were reused from it.
fn build(root: &Path, out: &Path, no_cache: bool) -> usize {
    let mut cmd = std::process::Command::new(common::bin());
    cmd.current_dir(root).args(["build", "--as-of", "2024-06-01", "--out"]).arg(out);
    if no_cache {
        cmd.arg("--no-cache");
    }
    let o = cmd.env("CI", "true").env("GONGBAO_TIMINGS", "1").output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "build failed:\n{err}");
    err.split("reused=").nth(1).and_then(|x| x.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap()
}

proptest! {
    // Each case is a dozen builds of a small site; a few cases of a few steps reach far.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn a_cached_build_after_any_edits_equals_a_clean_build(edits in proptest::collection::vec(edit(), 4..=6)) {
        let site = Site::new();
        let clean_dir = tempfile::tempdir().unwrap();
        let (public, clean) = (site.root().join("public"), clean_dir.path().join("clean"));
        let mut model = Model::new();
        let mut files = model.files();
        sync(site.root(), &BTreeMap::new(), &files);
        build(site.root(), &public, false);
        for (step, e) in edits.iter().enumerate() {
            model.apply(e);
            let next = model.files();
            sync(site.root(), &files, &next);
            files = next;
            let reused = build(site.root(), &public, false);
            prop_assert!(reused > 0, "step {} ({:?}): the cached build reused nothing", step, e);
            build(site.root(), &clean, true);
            let (cached, fresh) = (common::tree(&public), common::tree(&clean));
            let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
            prop_assert_eq!(names(&cached), names(&fresh), "step {} ({:?}): other files than a clean build", step, e);
            let differ: Vec<&str> = cached.iter().zip(&fresh).filter(|(a, b)| a.1 != b.1).map(|(a, _)| a.0.as_str()).collect();
            prop_assert!(differ.is_empty(), "step {} ({:?}): these differ from a clean build: {:?}", step, e, differ);
            std::fs::remove_dir_all(&clean).unwrap();
        }
    }
}
