//! The static search index, made by `build` after the pages: what lets the browser find every
//! public document whose title, numbers or text contain a query as a substring, as Ctrl+F
//! would, while downloading only the few small files that query needs.
//!
//! Text is *folded* one character at a time ([`Fold`]): NFKC, lower case, Traditional to
//! Simplified (a table made from ferrous-opencc's T→S data and published as `search/t2s.txt`,
//! so the browser folds queries the same way), every kind of bracket to `〔〕`, white space to
//! one space. Every folded character (unigram) and every pair of adjacent non-space characters
//! (bigram) of a document is posted with its number. A query term of one or two folded
//! characters is then answered exactly by one posting list; a longer term by the intersection of
//! its bigrams' lists, after which the browser confirms each candidate by a substring match in
//! its folded text (`text.txt` beside each page, written by `Job::SearchText`). Recall is
//! therefore that of Ctrl+F, and every result shown holds the query.
//!
//! Files, all under `search/`:
//! - `meta.json`: document count, shard count, chunk sizes, the lists facets refer to;
//! - `g/<k>.bin`: postings, sharded by a hash (FNV-1a) of the gram, so a query fetches one small
//!   file per gram; each list is either delta-coded varints or a bitmap, whichever is smaller;
//!   a second list per gram holds the documents with the gram in a title or number field;
//! - `f/<k>.json`: facets of [`FACET_CHUNK`] documents (kind, year, issuers, topics, validity
//!   timeline so the state is computed on the reader's date);
//! - `d/<k>.json`: what a result shows for [`DISPLAY_CHUNK`] documents;
//! - `t2s.txt`: the Traditional → Simplified character pairs.
//!
//! Documents are numbered newest first, so "newest first" is the order of numbers. The work is
//! per record and parallel; postings grow by appending (numbers rise), nothing compares records.

use super::Renderer;
use crate::model::Kind;
use crate::model::diag::Diagnostic;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use unicode_normalization::UnicodeNormalization;

/// Documents per facet file.
pub(crate) const FACET_CHUNK: usize = 1024;
/// Documents per display file.
pub(crate) const DISPLAY_CHUNK: usize = 32;
/// The size a postings shard aims at, in bytes.
const SHARD_TARGET: usize = 12 * 1024;
/// Records read and folded at a time (bounds the memory of the gram lists in flight).
const BATCH: usize = 512;

/// The character folding shared with the browser (`assets/search.js` does the same per
/// character): NFKC, lower case, Traditional → Simplified, brackets to `〔〕`, white space to a
/// space.
pub(crate) struct Fold {
    t2s: HashMap<char, char>,
    /// The same table for the Basic Multilingual Plane, indexed by code point (the hot path).
    bmp: Vec<char>,
}

impl Fold {
    /// The folding of this process: the table is made once (about 100,000 conversions), then
    /// only read, so `serve` does not make it again for every rebuild.
    pub(crate) fn shared() -> &'static Fold {
        static FOLD: std::sync::OnceLock<Fold> = std::sync::OnceLock::new();
        FOLD.get_or_init(Fold::new)
    }

    /// The T→S table from ferrous-opencc's built-in `t2s` conversion, one character at a time
    /// over the CJK blocks (its phrase table needs at least two characters, so it does not act).
    pub(crate) fn new() -> Fold {
        let mut t2s = HashMap::new();
        if let Ok(cc) = ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s) {
            let blocks = [0x3400u32..=0x4DBF, 0x4E00..=0x9FFF, 0x20000..=0x2EBEF];
            let pairs: Vec<(char, char)> = blocks
                .into_par_iter()
                .flat_map_iter(|b| b.filter_map(char::from_u32))
                .filter_map(|c| {
                    let mut buf = [0u8; 4];
                    let s = cc.convert(c.encode_utf8(&mut buf));
                    let mut it = s.chars();
                    match (it.next(), it.next()) {
                        (Some(d), None) if d != c => Some((c, d)),
                        _ => None,
                    }
                })
                .collect();
            t2s.extend(pairs);
        }
        let mut bmp: Vec<char> = (0..=0xFFFFu32).map(|c| char::from_u32(c).unwrap_or('\u{FFFD}')).collect();
        for (&a, &b) in &t2s {
            if let Some(slot) = bmp.get_mut(a as usize) {
                *slot = b;
            }
        }
        Fold { t2s, bmp }
    }

    fn t2s(&self, c: char) -> char {
        match self.bmp.get(c as usize) {
            Some(&d) => d,
            None => self.t2s.get(&c).copied().unwrap_or(c),
        }
    }

    /// Folds one character into `out`, keeping a single space between runs of white space.
    fn push(&self, c: char, out: &mut String) {
        // Fast paths with the same result: CJK ideographs are their own NFKC and lower case, and
        // ASCII letters, digits and most punctuation need only lower case.
        if ('\u{3400}'..='\u{9FFF}').contains(&c) {
            out.push(self.t2s(c));
            return;
        }
        if c.is_ascii_alphanumeric() || (c.is_ascii_punctuation() && !matches!(c, '[' | ']' | '(' | ')')) {
            out.push(c.to_ascii_lowercase());
            return;
        }
        self.push_any(c, out);
    }

    /// [`Fold::push`] for any character: NFKC, lower case, then each character mapped.
    fn push_any(&self, c: char, out: &mut String) {
        for n in std::iter::once(c).nfkc() {
            for l in n.to_lowercase() {
                let f = match l {
                    '〔' | '[' | '【' | '(' | '〖' | '［' | '（' => '〔',
                    '〕' | ']' | '】' | ')' | '〗' | '］' | '）' => '〕',
                    l if l.is_whitespace() => ' ',
                    l => self.t2s(l),
                };
                if f == ' ' && (out.is_empty() || out.ends_with(' ')) {
                    continue;
                }
                out.push(f);
            }
        }
    }

    /// `s` folded.
    pub(crate) fn fold(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            self.push(c, &mut out);
        }
        if out.ends_with(' ') {
            out.pop();
        }
        out
    }

    /// The table as the browser reads it: pairs of characters (Traditional, Simplified), in
    /// code point order.
    pub(crate) fn table(&self) -> String {
        let mut pairs: Vec<(char, char)> = self.t2s.iter().map(|(a, b)| (*a, *b)).collect();
        pairs.sort_unstable();
        pairs.into_iter().flat_map(|(a, b)| [a, b]).collect()
    }
}

/// Marks a gram of a title or number field.
const TITLE: u64 = 1 << 63;
/// The second character of a unigram.
const NONE: u64 = 0x11_0000;

/// The grams of folded text, unigrams and bigrams, none across a space.
fn grams(folded: &str, flag: u64, out: &mut Vec<u64>) {
    let mut prev: Option<char> = None;
    for c in folded.chars() {
        if c == ' ' {
            prev = None;
            continue;
        }
        out.push(flag | (u64::from(c as u32) << 21) | NONE);
        if let Some(p) = prev {
            out.push(flag | (u64::from(p as u32) << 21) | u64::from(c as u32));
        }
        prev = Some(c);
    }
}

/// A gram as its folded text.
fn gram_text(g: u64) -> String {
    let a = char::from_u32(((g & !TITLE) >> 21) as u32).unwrap_or('\u{FFFD}');
    let b = (g & 0x1F_FFFF) as u32;
    let mut s = String::from(a);
    if u64::from(b) != NONE {
        s.push(char::from_u32(b).unwrap_or('\u{FFFD}'));
    }
    s
}

/// Hashes a gram (already a well-mixed 64-bit code) with one multiplication: the postings map
/// takes tens of millions of lookups, for which SipHash's resistance to chosen keys is not needed.
#[derive(Default, Clone, Copy)]
struct GramHash;

impl std::hash::BuildHasher for GramHash {
    type Hasher = GramHasher;
    fn build_hasher(&self) -> GramHasher {
        GramHasher(0)
    }
}

/// See [`GramHash`].
struct GramHasher(u64);

impl std::hash::Hasher for GramHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (v ^ (v >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// FNV-1a over the UTF-8 bytes of a gram: which shard holds it (the browser computes the same).
pub(crate) fn fnv1a(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The documents of one gram: a sorted list until it is dense, then a bitmap.
enum Posting {
    List(Vec<u32>),
    Bits(Vec<u64>),
}

impl Posting {
    fn add(&mut self, doc: u32, n: usize) {
        match self {
            Posting::List(v) => {
                v.push(doc);
                // A list of 4-byte numbers costs more than a bitmap past n/32 entries.
                if v.len() > n / 32 + 1 {
                    let mut bits = vec![0u64; n.div_ceil(64)];
                    for &d in v.iter() {
                        bits[d as usize / 64] |= 1 << (d % 64);
                    }
                    *self = Posting::Bits(bits);
                }
            }
            Posting::Bits(b) => b[doc as usize / 64] |= 1 << (doc % 64),
        }
    }

    fn docs(&self) -> Vec<u32> {
        match self {
            Posting::List(v) => v.clone(),
            Posting::Bits(b) => {
                (0..b.len() * 64).filter(|&d| b[d / 64] >> (d % 64) & 1 == 1).map(|d| d as u32).collect()
            }
        }
    }

    /// The list as written: `(encoding, payload)`, 0 delta varints, 1 a bitmap of `n` bits.
    fn encode(&self, n: usize) -> (u8, Vec<u8>) {
        let docs = self.docs();
        let mut list = Vec::with_capacity(docs.len() * 2);
        let mut prev: i64 = -1;
        for &d in &docs {
            varint(&mut list, (i64::from(d) - prev - 1) as u64);
            prev = i64::from(d);
        }
        let bytes = n.div_ceil(8);
        if list.len() <= bytes {
            return (0, list);
        }
        let mut bits = vec![0u8; bytes];
        for &d in &docs {
            bits[d as usize / 8] |= 1 << (d % 8);
        }
        (1, bits)
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// What one document contributes: its grams, facets and display row.
struct Doc {
    grams: Vec<u64>,
    facets: serde_json::Value,
    display: serde_json::Value,
}

/// The index files, path under the output and bytes.
pub(crate) struct Files {
    /// `(path, bytes)` of every file of the index.
    pub files: Vec<(String, Vec<u8>)>,
}

/// A dictionary of labels (issuers, topics) numbered in order of first use.
#[derive(Default)]
struct Labels(BTreeMap<String, usize>, Vec<String>);

impl Labels {
    fn id(&mut self, s: &str) -> usize {
        if let Some(&k) = self.0.get(s) {
            return k;
        }
        let k = self.1.len();
        self.0.insert(s.to_string(), k);
        self.1.push(s.to_string());
        k
    }
}

impl Renderer<'_> {
    /// The plain text a document's page shows on the build date (paragraphs, headings, list
    /// items and table rows, one a line; link text without destinations), as `text.txt`
    /// publishes it and the index reads it.
    pub(crate) fn search_text(&self, i: usize) -> Result<String, Diagnostic> {
        let r = &self.c.records[i];
        let md = self.shown_markdown(i)?;
        let shown = |dest: &str| self.link_action(r, dest, false) != crate::markdown::clean::LinkAction::Remove;
        Ok(crate::markdown::blocks(&md, &shown).join("\n"))
    }

    /// The records the search covers, in their search numbers' order (newest first): every
    /// visible record, as the site publishes it.
    pub(crate) fn searchable(&self) -> Vec<usize> {
        self.newest(None)
    }

    /// Builds every file of the search index but the texts (those are `Job::SearchText`).
    pub(crate) fn search_index(&self) -> Result<Files, Diagnostic> {
        let fold = Fold::shared();
        let order = self.searchable();
        let n = order.len();
        let states: Vec<&str> = crate::model::State::ALL.iter().map(|s| s.id()).collect();
        let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.id()).collect();
        let mut postings: HashMap<u64, Posting, GramHash> = HashMap::default();
        let (mut issuers, mut topics) = (Labels::default(), Labels::default());
        let mut facets = Vec::with_capacity(n);
        let mut display = Vec::with_capacity(n);
        for (b, batch) in order.chunks(BATCH).enumerate() {
            let docs: Vec<Result<Doc, Diagnostic>> = batch.par_iter().map(|&i| self.search_doc(i, fold)).collect();
            for (k, d) in docs.into_iter().enumerate() {
                let d = d?;
                let num = (b * BATCH + k) as u32;
                for g in d.grams {
                    postings.entry(g).or_insert_with(|| Posting::List(Vec::new())).add(num, n);
                }
                facets.push(d.facets);
                display.push(d.display);
            }
        }
        // Labels of facets, numbered in document order (deterministic).
        for f in &mut facets {
            if let Some(a) = f.as_array_mut() {
                for (slot, labels) in [(2, &mut issuers), (3, &mut topics)] {
                    let named: Vec<serde_json::Value> = a[slot]
                        .as_array()
                        .map(|v| v.iter().filter_map(|x| x.as_str()).map(|s| labels.id(s).into()).collect())
                        .unwrap_or_default();
                    a[slot] = named.into();
                }
            }
        }
        // Postings into shards: encode in parallel, then group by shard in key order.
        let mut keys: Vec<u64> = postings.keys().copied().collect();
        keys.sort_unstable();
        let encoded: Vec<(String, u8, u8, Vec<u8>)> = keys
            .par_iter()
            .map(|g| {
                let (enc, bytes) = postings[g].encode(n);
                (gram_text(*g), u8::from(g & TITLE != 0), enc, bytes)
            })
            .collect();
        drop(postings);
        let total: usize = encoded.iter().map(|e| e.0.len() + e.3.len() + 4).sum();
        let shards = total.div_ceil(SHARD_TARGET).max(1);
        let mut out: Vec<Vec<u8>> = vec![Vec::new(); shards];
        for (gram, field, enc, bytes) in &encoded {
            let s = &mut out[fnv1a(gram) as usize % shards];
            varint(s, gram.len() as u64);
            s.extend_from_slice(gram.as_bytes());
            s.push(*field);
            s.push(*enc);
            varint(s, bytes.len() as u64);
            s.extend_from_slice(bytes);
        }
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut stamp = sha2::Sha256::new();
        use sha2::Digest;
        for (k, bytes) in out.into_iter().enumerate() {
            stamp.update(&bytes);
            files.push((format!("search/g/{k}.bin"), bytes));
        }
        let chunk = |rows: &[serde_json::Value]| serde_json::to_vec(rows).unwrap_or_default();
        for (k, rows) in facets.chunks(FACET_CHUNK).enumerate() {
            let bytes = chunk(rows);
            stamp.update(&bytes);
            files.push((format!("search/f/{k}.json"), bytes));
        }
        for (k, rows) in display.chunks(DISPLAY_CHUNK).enumerate() {
            let bytes = chunk(rows);
            stamp.update(&bytes);
            files.push((format!("search/d/{k}.json"), bytes));
        }
        let table = fold.table();
        stamp.update(table.as_bytes());
        files.push(("search/t2s.txt".into(), table.into_bytes()));
        let meta = serde_json::json!({
            "display": DISPLAY_CHUNK,
            "facets": FACET_CHUNK,
            "issuers": issuers.1,
            "kinds": kinds,
            "n": n,
            "shards": shards,
            "stamp": &crate::source::hex(&stamp.finalize())[..16],
            "states": states,
            "topics": topics.1,
            "version": 1,
        });
        files.push(("search/meta.json".into(), serde_json::to_vec(&meta).unwrap_or_default()));
        Ok(Files { files })
    }

    /// One record's grams, facets and display row.
    fn search_doc(&self, i: usize, fold: &Fold) -> Result<Doc, Diagnostic> {
        let c = self.c;
        let r = &c.records[i];
        let number = r.doc_number.as_ref().map(ToString::to_string).unwrap_or_default();
        let fields = [
            r.title.as_str(),
            number.as_str(),
            r.registration_no.as_deref().unwrap_or(""),
            r.index_no.as_ref().map_or("", |x| x.text.as_str()),
        ]
        .join(" ");
        let text = self.search_text(i)?;
        let mut g = Vec::with_capacity(text.len());
        let head = fold.fold(&fields);
        grams(&head, 0, &mut g);
        grams(&head, TITLE, &mut g);
        grams(&fold.fold(&text), 0, &mut g);
        g.sort_unstable();
        g.dedup();
        let state = |s: crate::model::State| crate::model::State::ALL.iter().position(|x| *x == s).unwrap_or(0);
        let timeline: serde_json::Value = if r.kind.has_legal_force() {
            let mut t = vec![serde_json::Value::from(r.effective.to_days())];
            for ch in c.state_changes(i) {
                t.push(ch.from.to_days().into());
                t.push(state(ch.state).into());
            }
            t.into()
        } else {
            0.into()
        };
        let kind = Kind::ALL.iter().position(|k| *k == r.kind).unwrap_or(0);
        let topics: Vec<&str> = r.topics.iter().filter_map(|t| t.first()).map(String::as_str).collect();
        let facets = serde_json::json!([kind, r.published.year(), r.issuers, topics, timeline]);
        let display = serde_json::json!([
            self.doc_href(i),
            r.title,
            number,
            r.issuers.join("、"),
            r.published.to_string(),
            r.registration_no.clone().unwrap_or_default(),
            r.index_no.as_ref().map(|x| x.text.clone()).unwrap_or_default(),
        ]);
        Ok(Doc { grams: g, facets, display })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_unifies_script_width_case_and_brackets() {
        let f = Fold::new();
        assert_eq!(f.fold("杭政辦函［2018］84號"), "杭政办函〔2018〕84号");
        assert_eq!(f.fold("杭政办函[2018]84号"), f.fold("杭政办函〔2018〕84号"));
        assert_eq!(f.fold("ＺＪＳＰ01-2018"), "zjsp01-2018");
        assert_eq!(f.fold("  規範性文件 \n\t 第十四條 "), "规范性文件 第十四条");
        assert_eq!(f.fold("（一）"), "〔一〕");
        // Simplified text is left as it is.
        let s = "行政规范性文件应当统一登记、统一编号、统一公布";
        assert_eq!(f.fold(s), s);
        assert!(f.table().chars().count() > 2000, "the T→S table is made from ferrous-opencc");
    }

    #[test]
    fn the_fast_paths_fold_as_the_general_one() {
        let f = Fold::shared();
        for c in (0x20u32..0x7F).chain(0x3400..0xA000).filter_map(char::from_u32) {
            let (mut fast, mut any) = (String::new(), String::new());
            f.push(c, &mut fast);
            f.push_any(c, &mut any);
            assert_eq!(fast, any, "{c:?}");
        }
    }

    #[test]
    fn grams_stop_at_spaces_and_round_trip() {
        let mut g = Vec::new();
        grams("ab c", 0, &mut g);
        let texts: Vec<String> = g.iter().map(|&x| gram_text(x)).collect();
        assert_eq!(texts, ["a", "b", "ab", "c"]);
        let mut t = Vec::new();
        grams("第十", TITLE, &mut t);
        assert!(t.iter().all(|x| x & TITLE != 0));
        assert_eq!(gram_text(t[2]), "第十");
    }

    #[test]
    fn postings_choose_the_smaller_encoding() {
        let n = 1000;
        let mut p = Posting::List(Vec::new());
        for d in [3, 10, 700] {
            p.add(d, n);
        }
        let (enc, bytes) = p.encode(n);
        assert_eq!(enc, 0);
        // Deltas minus one: 3, 6, 689 (two bytes).
        assert_eq!(bytes, vec![3, 6, 0xB1, 0x05]);
        let mut dense = Posting::List(Vec::new());
        for d in 0..600 {
            dense.add(d, n);
        }
        assert!(matches!(dense, Posting::Bits(_)));
        let (enc, bytes) = dense.encode(n);
        assert_eq!((enc, bytes.len()), (1, 125));
        assert_eq!(dense.docs().len(), 600);
        assert_eq!(bytes[0], 0xFF);
        assert_eq!(bytes[75], 0);
    }

    #[test]
    fn fnv_matches_the_reference() {
        // FNV-1a 32 of "a" and of the empty string.
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
    }
}
