//! The static search index, made by `build` after the pages: what lets the browser find every
//! public document whose title, numbers or text contain a query as a substring, as Ctrl+F
//! would, while downloading only the few small files that query needs.
//!
//! Text is *folded* one character at a time ([`Fold`]): NFKC, lower case, Traditional to
//! Simplified (a table made from ferrous-opencc's T→S data and published as `search/t2s.txt`,
//! so the browser folds queries the same way), every kind of bracket to `〔〕`, white space to
//! one space. Every folded character (unigram) and every pair of adjacent non-space characters
//! (bigram) of a document is posted with its number, and so is every run of three and of four
//! adjacent non-space characters that holds an ASCII letter or digit (see [`long_gram`]): digits
//! and Latin letters are a small alphabet, so their bigrams (`20`, `01`) are in nearly every
//! document, while `2024`, `p01-` or `6年9月` are not. A query term that is one posted gram is
//! answered exactly by its list; a longer term by the intersection of the lists of the longest
//! posted grams along it, after which the browser confirms each candidate by a substring match
//! in its folded text (`text.txt` beside each page, written by `Job::SearchText`). Recall is
//! therefore that of Ctrl+F, and every result shown holds the query.
//!
//! Files, all under `search/`:
//! - `meta.json`: document count, shard counts, where the tail starts, chunk sizes, the lists
//!   facets refer to;
//! - `g/<k>.bin`: postings of the documents before the tail ([`tail_base`]), sharded by a hash
//!   (FNV-1a) of the gram, so a query fetches one small file per gram and segment; each list
//!   is either delta-coded varints or a bitmap up to its last document, whichever is smaller;
//!   a second list per gram holds the documents with the gram in a title or number field;
//! - `t/<k>.bin`: the same for the documents of the tail, the newest, numbered from its start;
//! - `f/<k>.json`: facets of [`FACET_CHUNK`] documents (kind, year, issuers, topics, validity
//!   timeline so the state is computed on the reader's date);
//! - `d/<k>.json`: what a result shows for [`DISPLAY_CHUNK`] documents;
//! - `t2s.txt`: the Traditional → Simplified character pairs;
//! - `s2t.txt`: the Simplified → Traditional characters and phrases with which the 繁體 search
//!   page shows its results ([`s2t_table`]); the index itself is one, in folded text.
//!
//! Documents are numbered oldest first, so "newest first" is the order of falling numbers, and a
//! document newer than all the others takes the next number and leaves every list but its own
//! grams' as it was (each list's form depends on its own documents only); its grams are in the
//! tail's few shards, so the head's are not written again. The work is
//! per record and parallel; postings grow by appending (numbers rise), nothing compares records.
//! Memory stays proportional to the postings, not to the texts or the whole index: a list is
//! kept as it will be written (delta varints) until a bitmap is smaller, and every file goes to
//! the staging folder as soon as it is made (facet and display rows a chunk at a time, shards
//! one at a time as their lists leave the postings).

use super::Renderer;
use crate::model::Kind;
use crate::model::diag::Diagnostic;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use unicode_normalization::UnicodeNormalization;

/// Documents per facet file.
pub(crate) const FACET_CHUNK: usize = 1024;
/// Documents per display file.
pub(crate) const DISPLAY_CHUNK: usize = 32;
/// The size a postings shard aims at, in bytes.
const SHARD_TARGET: usize = 12 * 1024;
/// Records read and folded at a time (bounds the memory of the gram lists in flight).
const BATCH: usize = 512;

/// Where the tail of an index of `n` documents starts: the postings of the documents from this
/// number on are a segment of their own (`search/t/`), numbered from it, so that a document
/// newer than all the others, the commonest one added, changes the few shards of the tail
/// rather than nearly every shard of the index (its grams fall in all of them). The tail is
/// the last `n mod s` documents, `s` the power of two at most √n (and at least 8): at 50,000
/// documents, under 128 of them, whose lists are under 1 % of the index, while the head is
/// made again once every 128 documents added. It depends on `n` alone, so an index brought up
/// to date is the index made at once, and it never falls as `n` rises.
pub(crate) fn tail_base(n: usize) -> usize {
    let span = 1usize << n.isqrt().max(8).ilog2();
    n - n % span
}

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
            t2s.extend(char_pairs(&cc));
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

/// Simplified phrases whose Traditional form is not that of their characters one at a time
/// (复议 is 複議, not 復議), from OpenCC's phrase table by `scripts/s2t-phrases.py`.
const S2T_PHRASES: &str = include_str!("../../data/s2t-phrases.txt");

/// Makes the tables of characters the index uses ([`Fold::shared`], [`s2t_table`]), each once
/// per process. Making one runs in parallel; a worker thread waiting for one that another worker
/// is making could hold up the very work it waits for, so a caller about to run the index on a
/// worker thread makes them first.
pub(crate) fn tables() {
    Fold::shared();
    s2t_table();
}

/// What the 繁體 search page needs to show Simplified rows and texts as the 繁體 pages show them
/// (`search/s2t.txt`): a first line of character pairs (Simplified, Traditional) in code point
/// order, as ferrous-opencc's `s2t` converts each character alone, then one line per phrase of
/// [`S2T_PHRASES`] as that converter converts it whole: the Simplified phrase, then for each
/// place where the Traditional form is not its character's alone, the place (one hexadecimal
/// digit) and the character there (`复议0複`: 複議, where 复 alone is 復), or none for a phrase
/// converted as its characters are that overlaps one that is not (it decides where that one may
/// start). The browser converts as OpenCC does, taking the longest phrase at each place from the
/// left. Phrases whose two forms differ in length, or longer than 16, are left out, so that a
/// place in one is a place in the other.
pub(crate) fn s2t_table() -> &'static str {
    static TABLE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let Ok(cc) = ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::S2t) else {
            return String::new();
        };
        let pairs = char_pairs(&cc);
        let one: HashMap<char, char> = pairs.iter().copied().collect();
        let mut out: String = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
        // Each phrase with the places where its form is not its characters'.
        let phrases: Vec<(&str, Vec<(usize, char)>)> = S2T_PHRASES
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|phrase| {
                let whole: Vec<char> = cc.convert(phrase).chars().collect();
                let alone: Vec<char> = phrase.chars().map(|c| one.get(&c).copied().unwrap_or(c)).collect();
                let plain = phrase.chars().all(|c| !c.is_ascii());
                (whole.len() == alone.len() && alone.len() <= 16 && plain).then(|| {
                    let places = whole.iter().zip(&alone).enumerate().filter(|(_, (w, a))| w != a);
                    (phrase, places.map(|(k, (w, _))| (k, *w)).collect())
                })
            })
            .collect();
        // A phrase converted as its characters are still takes its place from a phrase that
        // overlaps it (巡游 is 巡遊 as its characters are, but OpenCC, taking the longest phrase
        // from the left, reads 巡游出 as 巡游 then 出, never as 巡 then 游出, which keeps 游):
        // such a phrase is listed too, with no places.
        let differ: HashSet<&str> = phrases.iter().filter(|(_, p)| !p.is_empty()).map(|(ph, _)| *ph).collect();
        let starts: HashSet<&str> =
            differ.iter().flat_map(|q| q.char_indices().skip(1).map(|(at, _)| &q[..at]).chain([*q])).collect();
        let overlaps = |p: &str| {
            p.char_indices().any(|(k, _)| {
                let rest = &p[k..];
                let cuts = rest.char_indices().skip(2).map(|(at, _)| at).chain([rest.len()]);
                // One that starts inside it (and runs on past it, or not), or, at its start, a
                // shorter one.
                (k > 0 && starts.contains(rest))
                    || cuts.filter(|&at| k > 0 || at < rest.len()).any(|at| differ.contains(&rest[..at]))
            })
        };
        for (phrase, places) in &phrases {
            if places.is_empty() && !overlaps(phrase) {
                continue;
            }
            out.push('\n');
            out.push_str(phrase);
            for &(k, w) in places {
                out.push(char::from_digit(k as u32, 16).unwrap_or('0'));
                out.push(w);
            }
        }
        out
    })
}

/// A gram: up to four folded characters of 21 bits each, the first in the highest place, absent
/// ones [`NONE`]; the top bit marks a gram of a title or number field ([`TITLE`]).
type Gram = u128;
/// The characters of the CJK blocks that `cc` turns into one other character, with it.
fn char_pairs(cc: &ferrous_opencc::OpenCC) -> Vec<(char, char)> {
    let blocks = [0x3400u32..=0x4DBF, 0x4E00..=0x9FFF, 0x20000..=0x2EBEF];
    blocks
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
        .collect()
}

/// Marks a gram of a title or number field.
const TITLE: Gram = 1 << 127;
/// An absent character of a gram shorter than four (no code point is this large).
const NONE: u32 = 0x11_0000;
/// The longest gram posted.
const MAX_GRAM: usize = 4;

/// Whether a run of three or four characters is posted: when it holds an ASCII letter or digit
/// (after folding, so full-width forms count). `search.js` decides the same for a query.
fn long_gram(w: &[char]) -> bool {
    w.iter().any(char::is_ascii_alphanumeric)
}

/// The gram of the characters `w` (one to four).
fn gram(w: &[char], flag: Gram) -> Gram {
    let mut g: Gram = 0;
    for k in 0..MAX_GRAM {
        g = (g << 21) | Gram::from(w.get(k).map_or(NONE, |&c| c as u32));
    }
    flag | g
}

/// The distinct grams of a record (a set, reused from record to record by each thread).
type GramSet = HashSet<Gram, GramHash>;

/// The grams of folded text, none across a space: every character, every pair of adjacent
/// characters, and every run of three and of four that [`long_gram`] accepts.
fn grams(folded: &str, flag: Gram, out: &mut GramSet) {
    // The last four characters of the current word, the newest last.
    let mut w = ['\0'; MAX_GRAM];
    let mut len = 0;
    // Characters since the last ASCII letter or digit of the word (0: this one).
    let mut since = MAX_GRAM;
    for c in folded.chars() {
        if c == ' ' {
            (len, since) = (0, MAX_GRAM);
            continue;
        }
        w = [w[1], w[2], w[3], c];
        len = (len + 1).min(MAX_GRAM);
        since = if c.is_ascii_alphanumeric() { 0 } else { (since + 1).min(MAX_GRAM) };
        // Runs of one and two always; of three and four when one of their characters is a
        // letter or digit (`long_gram`), known from `since` without looking again.
        for n in 1..=len {
            let run = &w[MAX_GRAM - n..];
            let posted = n <= 2 || since < n;
            debug_assert_eq!(posted, n <= 2 || long_gram(run));
            if posted {
                out.insert(gram(run, flag));
            }
        }
    }
}

/// A gram as its folded text.
fn gram_text(g: Gram) -> String {
    (0..MAX_GRAM)
        .map(|k| ((g >> (21 * (MAX_GRAM - 1 - k))) & 0x1F_FFFF) as u32)
        .take_while(|&c| c != NONE)
        .map(|c| char::from_u32(c).unwrap_or('\u{FFFD}'))
        .collect()
}

/// Hashes a gram (already a well-mixed code) with two multiplications: the postings map takes
/// tens of millions of lookups, for which SipHash's resistance to chosen keys is not needed.
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
        self.0 = (self.0 ^ v ^ (v >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_u128(&mut self, v: u128) {
        self.write_u64((v >> 64) as u64);
        self.write_u64(v as u64);
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

/// The documents of one gram, kept as they will be written: delta varints (each number less
/// the previous one plus one) until that is longer than a bitmap up to the last document, then
/// the bitmap. Which of the two a list is depends on its documents alone, not on how many the
/// index has: a document added after the others changes only the lists of its own grams.
/// Numbers arrive in rising order, so both only ever append or set a bit.
enum Posting {
    /// The varints and the number after the last one.
    List(Vec<u8>, u32),
    /// Bit `d % 8` of byte `d / 8` for document `d`, up to the byte of the last one; with the
    /// length its varints would have and the number after the last one.
    Bits(Vec<u8>, usize, u32),
}

/// The bytes of a bitmap whose last document is `last`.
fn bitmap_len(last: u32) -> usize {
    (last as usize + 1).div_ceil(8)
}

/// The bytes of the varint of `v`.
fn varint_len(v: u64) -> usize {
    (64 - v.max(1).leading_zeros() as usize).div_ceil(7)
}

impl Posting {
    fn add(&mut self, doc: u32) {
        match self {
            // Already posted (each record's grams are a set, so only ever by mistake).
            Posting::List(_, next) | Posting::Bits(_, _, next) if doc < *next => {}
            Posting::List(bytes, next) => {
                let limit = bitmap_len(doc);
                // A list never grows much past the size of the bitmap it may become: by
                // doubling, the lists of the commonest grams would each hold up to twice that,
                // and leave their smaller sizes free, sizes nothing else asks for.
                if bytes.len() + 10 > bytes.capacity() && bytes.capacity() * 2 > limit {
                    bytes.reserve_exact((limit + 10).saturating_sub(bytes.len()).max(10));
                }
                varint(bytes, u64::from(doc - *next));
                *next = doc + 1;
                if bytes.len() > limit {
                    let mut bits = vec![0u8; limit];
                    for d in Varints::of(bytes) {
                        bits[d as usize / 8] |= 1 << (d % 8);
                    }
                    *self = Posting::Bits(bits, bytes.len(), doc + 1);
                }
            }
            Posting::Bits(bits, list, next) => {
                *list += varint_len(u64::from(doc - *next));
                *next = doc + 1;
                bits.resize(bitmap_len(doc), 0);
                bits[doc as usize / 8] |= 1 << (doc % 8);
                // A document far after the others: the list is the smaller again.
                if *list <= bits.len() {
                    *self = Posting::List(encode(&self.docs()), doc + 1);
                }
            }
        }
    }

    /// Sets or clears the bit of `doc` in a bitmap, keeping the length its varints would have
    /// (the gaps to the documents on either side) and the number after the last; a bitmap left
    /// empty has 0 for that number. The bitmap may be longer than the list it now is: for the
    /// caller to decide ([`change`]).
    fn set(&mut self, doc: u32, add: bool) {
        let Posting::Bits(bits, list, next) = self else { return };
        let at = doc as usize / 8;
        let mask = 1u8 << (doc % 8);
        if bits.get(at).is_some_and(|b| b & mask != 0) == add {
            return;
        }
        let (before, after) = (bit_before(bits, doc), bit_after(bits, doc));
        // The varint of the gap from `p` (none: the start) to `d`.
        let gap = |p: Option<u32>, d: u32| varint_len(u64::from(d - p.map_or(0, |p| p + 1)));
        let with = gap(before, doc) + after.map_or(0, |a| gap(Some(doc), a));
        let without = after.map_or(0, |a| gap(before, a));
        if add {
            *list = *list + with - without;
            if doc >= *next {
                bits.resize(bitmap_len(doc), 0);
                *next = doc + 1;
            }
            bits[at] |= mask;
        } else {
            *list = *list + without - with;
            bits[at] &= !mask;
            if after.is_none() {
                *next = before.map_or(0, |b| b + 1);
                bits.truncate(before.map_or(0, bitmap_len));
            }
        }
    }

    /// The list of `docs` (rising) as [`Posting::add`] leaves it after adding them one by one:
    /// a bitmap exactly when the varints of all are longer than the bitmap up to the last.
    fn of(docs: &[u32]) -> Posting {
        let bytes = encode(docs);
        let next = docs.last().map_or(0, |d| d + 1);
        match docs.last() {
            Some(&last) if bytes.len() > bitmap_len(last) => {
                let mut bits = vec![0u8; bitmap_len(last)];
                for &d in docs {
                    bits[d as usize / 8] |= 1 << (d % 8);
                }
                Posting::Bits(bits, bytes.len(), next)
            }
            _ => Posting::List(bytes, next),
        }
    }

    /// The documents of the list, rising.
    fn docs(&self) -> Vec<u32> {
        match self {
            Posting::List(bytes, _) => decode(bytes),
            Posting::Bits(bits, ..) => {
                (0..bits.len() as u32 * 8).filter(|d| bits[*d as usize / 8] & (1 << (d % 8)) != 0).collect()
            }
        }
    }

    /// The bytes this list holds on the heap.
    fn heap(&self) -> usize {
        match self {
            Posting::List(bytes, _) => bytes.capacity(),
            Posting::Bits(bits, ..) => bits.capacity(),
        }
    }

    /// The list as written: `(encoding, payload)`, 0 delta varints, 1 a bitmap up to the last
    /// document; whichever is smaller.
    fn encoded(&self) -> (u8, &[u8]) {
        match self {
            Posting::List(bytes, _) => (0, bytes),
            Posting::Bits(bits, ..) => (1, bits),
        }
    }
}

/// The last document of a bitmap before `d`.
fn bit_before(bits: &[u8], d: u32) -> Option<u32> {
    let mut at = d as usize / 8;
    // The bits of `d`'s byte below it, or, past the bitmap's end, its last byte whole.
    let mut b = match bits.get(at) {
        Some(&b) => b & ((1u16 << (d % 8)) - 1) as u8,
        None => {
            at = bits.len().checked_sub(1)?;
            bits[at]
        }
    };
    loop {
        if b != 0 {
            return Some(at as u32 * 8 + 7 - b.leading_zeros());
        }
        at = at.checked_sub(1)?;
        b = bits[at];
    }
}

/// The first document of a bitmap after `d`.
fn bit_after(bits: &[u8], d: u32) -> Option<u32> {
    let mut at = d as usize / 8;
    let mut b = bits.get(at)? & !(((1u16 << (d % 8 + 1)) - 1) as u8);
    loop {
        if b != 0 {
            return Some(at as u32 * 8 + b.trailing_zeros());
        }
        at += 1;
        b = *bits.get(at)?;
    }
}

/// The numbers of a list of delta varints.
fn decode(bytes: &[u8]) -> Vec<u32> {
    Varints::of(bytes).collect()
}

/// The numbers of a list of delta varints, one by one: the bytes left, and the least the next
/// number can be (the one before it plus one).
struct Varints<'a>(&'a [u8], u64);

impl<'a> Varints<'a> {
    fn of(bytes: &'a [u8]) -> Varints<'a> {
        Varints(bytes, 0)
    }
}

impl Iterator for Varints<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let (mut v, mut shift) = (0u64, 0);
        while let Some((&b, rest)) = self.0.split_first() {
            self.0 = rest;
            v |= u64::from(b & 0x7F) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                let d = self.1 + v;
                self.1 = d + 1;
                return Some(d as u32);
            }
        }
        None
    }
}

/// Rising numbers as delta varints (what [`decode`] reads).
fn encode(numbers: &[u32]) -> Vec<u8> {
    let (mut out, mut next) = (Vec::with_capacity(numbers.len()), 0);
    for &d in numbers {
        varint(&mut out, u64::from(d - next));
        next = d + 1;
    }
    out
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
    grams: Vec<Gram>,
    facets: serde_json::Value,
    display: serde_json::Value,
}

/// Writes a file of the index, given its path, bytes and SHA-256.
type Write<'a, W> = dyn Fn(&str, &[u8], [u8; 32]) -> Result<W, Diagnostic> + Sync + 'a;
/// The SHA-256 and size of each file of an index, by path.
type Sums = BTreeMap<String, ([u8; 32], usize)>;

/// Where the index's files go: `write` (into the staging folder, in a build), or `reuse`, which
/// keeps the output's copy of a file `serve`'s last index made with the same SHA-256; with the
/// count of their bytes, and the SHA-256 and size of each by path (what stamps the index, and
/// what [`Kept`] remembers).
struct Sink<'a, W> {
    write: &'a Write<'a, W>,
    reuse: &'a (dyn Fn(&str, &[u8; 32]) -> Option<W> + Sync),
    written: Vec<W>,
    bytes: usize,
    sums: Sums,
}

impl<W> Sink<'_, W> {
    /// Writes a file, handing `write` its SHA-256 too (the build's fingerprint of it).
    fn put(&mut self, path: String, bytes: &[u8]) -> Result<(), Diagnostic> {
        use sha2::Digest;
        let sum: [u8; 32] = sha2::Sha256::digest(bytes).into();
        let w = (self.write)(&path, bytes, sum)?;
        self.done(path, sum, bytes.len(), w);
        Ok(())
    }

    /// Keeps the output's copy of a file made by the last index, `kept` its SHA-256 and size,
    /// when the output still holds it; otherwise writes the file `make` makes.
    fn put_or_keep(
        &mut self,
        path: String,
        kept: Option<&([u8; 32], usize)>,
        make: impl FnOnce() -> Vec<u8>,
    ) -> Result<(), Diagnostic> {
        if let Some(&(sum, size)) = kept
            && let Some(w) = (self.reuse)(&path, &sum)
        {
            self.done(path, sum, size, w);
            return Ok(());
        }
        self.put(path, &make())
    }

    fn done(&mut self, path: String, sum: [u8; 32], size: usize, w: W) {
        self.bytes += size;
        self.written.push(w);
        self.sums.insert(path, (sum, size));
    }
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

    /// The labels of a facet row's slot as their numbers.
    fn number(&mut self, slot: &mut serde_json::Value) {
        let named: Vec<serde_json::Value> = slot
            .as_array()
            .map(|v| v.iter().filter_map(|x| x.as_str()).map(|s| self.id(s).into()).collect())
            .unwrap_or_default();
        *slot = named.into();
    }
}

/// Rows written out a chunk at a time as `<dir>/<k>.json`: a JSON array of the rows, each given
/// as its compact JSON (so a row kept as bytes between builds is not serialised again).
struct Chunks {
    dir: &'static str,
    size: usize,
    /// The array so far, without its closing bracket.
    bytes: Vec<u8>,
    rows: usize,
    done: usize,
}

impl Chunks {
    fn new(dir: &'static str, size: usize) -> Chunks {
        Chunks { dir, size, bytes: Vec::new(), rows: 0, done: 0 }
    }

    fn push<W>(&mut self, row: &[u8], out: &mut Sink<'_, W>) -> Result<(), Diagnostic> {
        self.bytes.push(if self.rows == 0 { b'[' } else { b',' });
        self.bytes.extend_from_slice(row);
        self.rows += 1;
        if self.rows == self.size { self.flush(out) } else { Ok(()) }
    }

    fn flush<W>(&mut self, out: &mut Sink<'_, W>) -> Result<(), Diagnostic> {
        if self.rows == 0 {
            return Ok(());
        }
        self.bytes.push(b']');
        out.put(chunk_path(self.dir, self.done), &self.bytes)?;
        self.done += 1;
        self.bytes.clear();
        self.rows = 0;
        Ok(())
    }
}

/// The facet and display rows, with the labels they number.
struct Rows {
    issuers: Labels,
    topics: Labels,
    facets: Chunks,
    display: Chunks,
}

impl Default for Rows {
    fn default() -> Rows {
        Rows {
            issuers: Labels::default(),
            topics: Labels::default(),
            facets: Chunks::new("f", FACET_CHUNK),
            display: Chunks::new("d", DISPLAY_CHUNK),
        }
    }
}

impl Rows {
    /// The next document's rows, its labels numbered in document order (deterministic).
    fn push<W>(
        &mut self,
        mut facets: serde_json::Value,
        display: &[u8],
        out: &mut Sink<'_, W>,
    ) -> Result<(), Diagnostic> {
        if let Some(a) = facets.as_array_mut() {
            self.issuers.number(&mut a[2]);
            self.topics.number(&mut a[3]);
        }
        self.facets.push(&serde_json::to_vec(&facets).unwrap_or_default(), out)?;
        self.display.push(display, out)
    }
}

/// The postings: each gram's list of documents.
type Postings = HashMap<Gram, Posting, GramHash>;

/// What `serve` keeps of the search index between rebuilds (in its memo, [`super::memo`]), so
/// that an edit reads again only the texts it reached and changes only the lists of the grams
/// that came or went.
#[derive(Default)]
pub(crate) struct Kept {
    /// Each record's contribution, by record, as of the last build that made it.
    docs: Docs,
    /// The records of the last index, in their numbers' order.
    order: Vec<usize>,
    /// The lists of the last index, of its head and its tail ([`tail_base`]), and how each
    /// was sharded.
    split: Split,
    sharded: [Sharded; 2],
    /// Grams by number, and numbers by gram: a record keeps its grams as numbers.
    grams: Vec<Gram>,
    ids: HashMap<Gram, u32, GramHash>,
    /// The labels the facet rows number (issuers, topics).
    labels: Option<(Labels, Labels)>,
    /// The files of the last index, by path: SHA-256 and size.
    files: Sums,
    /// How many refreshes changed the lists in place at numbers another document took.
    renumbered: usize,
}

/// How the lists of one segment, the head or the tail, were sharded.
#[derive(Default)]
struct Sharded {
    /// The grams in the order of the shards that hold them, with their texts; the number of
    /// shards, and the size of their entries together, which chose it ([`shard_count`]).
    keys: Vec<(usize, Gram, String)>,
    shards: usize,
    total: usize,
}

/// The folder of each segment's shards under `search/`.
const SEGMENT_DIRS: [&str; 2] = ["g", "t"];

/// The lists of the documents before [`tail_base`] (the head, `search/g/`) and of those from it
/// on (the tail, `search/t/`, numbered from the base), and where the tail starts.
#[derive(Default)]
struct Split {
    lists: [Postings; 2],
    base: u32,
}

impl Split {
    fn new(base: u32) -> Split {
        Split { lists: Default::default(), base }
    }

    /// The segment of document `doc`, and its number there.
    fn place(&self, doc: u32) -> (usize, u32) {
        if doc < self.base { (0, doc) } else { (1, doc - self.base) }
    }

    /// Adds `doc`, after every document the list of `g` has so far.
    fn post(&mut self, g: Gram, doc: u32) {
        let (s, d) = self.place(doc);
        self.lists[s].entry(g).or_insert_with(|| Posting::List(Vec::new(), 0)).add(d);
    }

    /// Adds `doc` to the list of `g`, or takes it out.
    fn change(&mut self, g: Gram, doc: u32, add: bool) {
        let (s, d) = self.place(doc);
        change(&mut self.lists[s], g, std::iter::once((d, add)));
    }

    /// Moves the documents before `base` (not before the current one) from the tail to the
    /// head, appended after the head's own, and numbers the tail from `base`.
    fn rebase(&mut self, base: u32) {
        let shift = base - self.base;
        if shift == 0 {
            return;
        }
        let tail = std::mem::take(&mut self.lists[1]);
        for (g, p) in tail {
            let docs = p.docs();
            let cut = docs.partition_point(|&d| d < shift);
            if cut > 0 {
                let head = self.lists[0].entry(g).or_insert_with(|| Posting::List(Vec::new(), 0));
                for &d in &docs[..cut] {
                    head.add(d + self.base);
                }
            }
            if cut < docs.len() {
                let rest: Vec<u32> = docs[cut..].iter().map(|&d| d - shift).collect();
                self.lists[1].insert(g, Posting::of(&rest));
            }
        }
        self.base = base;
    }

    fn grams(&self) -> usize {
        self.lists.iter().map(HashMap::len).sum()
    }

    fn heap(&self) -> usize {
        self.lists.iter().map(postings_heap).sum()
    }
}

/// The grams whose lists changed in a segment, each with the size its entry in a shard had
/// before (0: it had none).
type Changed = HashMap<Gram, usize, GramHash>;

/// What [`Renderer::refresh`] found still as the last index had it.
struct Fresh {
    /// The documents keep their numbers, and the labels theirs.
    labels_same: bool,
    /// The numbers whose facet or display rows may have changed: those of another document than
    /// the last index's, or of a document whose rows changed, or beyond the last index's end.
    changed: Vec<u32>,
    /// The grams whose lists changed, each with the size its entry had before (0: it had
    /// none), in the head and in the tail; `None` when the lists were all made again.
    grams: Option<[Changed; 2]>,
}

impl Kept {
    /// Moves the kept documents to their records' places in this build, when records came or
    /// went (see [`super::memo::Memo::begin`]): one that read a record now gone is forgotten,
    /// and read again. The last index's order is moved too, so that it is this build's when only
    /// records no reader sees came or went.
    pub(crate) fn moved(&mut self, places: &super::memo::Places) {
        let docs = std::mem::take(&mut self.docs);
        for (i, mut d) in docs.into_records() {
            if let Some(j) = places.place(i)
                && places.follow(&mut d.reads)
            {
                self.docs.insert(j, d);
            }
        }
        // A document gone leaves its number behind: the order is then not the same, whatever
        // the records after it.
        self.order = self.order.iter().map(|&i| places.place(i).unwrap_or(usize::MAX)).collect();
    }

    /// The number of gram `g`, given one if it has none.
    fn id(&mut self, g: Gram) -> u32 {
        *self.ids.entry(g).or_insert_with(|| {
            self.grams.push(g);
            (self.grams.len() - 1) as u32
        })
    }
}

impl Kept {
    /// How many documents it holds.
    pub(crate) fn docs_kept(&self) -> usize {
        self.docs.len()
    }

    /// How many refreshes changed the lists in place at numbers another document took.
    pub(crate) fn renumbered(&self) -> usize {
        self.renumbered
    }

    /// Writes the facet and display files, each from the rows kept: a file whose documents
    /// keep their numbers and rows (and, for facets, whose labels keep theirs) is the last
    /// index's, kept when the output still holds it.
    fn write_rows<W>(&mut self, order: &[usize], fresh: &Fresh, out: &mut Sink<'_, W>) -> Result<(), Diagnostic> {
        let (mut labels, labels_kept) = match self.labels.take() {
            Some(labels) if fresh.labels_same => (labels, true),
            old => {
                let (mut issuers, mut topics) = (Labels::default(), Labels::default());
                for i in order {
                    let f = &self.docs[i].facets;
                    issuers.number(&mut f[2].clone());
                    topics.number(&mut f[3].clone());
                }
                // Numbered in order of first use: when the documents keep their numbers and the
                // last index's labels come first in this one's, each kept row numbers its labels
                // as it did (documents added after the others only add labels after them).
                let kept = old.is_some_and(|(i, t)| issuers.1.starts_with(&i.1) && topics.1.starts_with(&t.1));
                ((issuers, topics), kept)
            }
        };
        let dirty = |size: usize| -> HashSet<usize> { fresh.changed.iter().map(|&d| d as usize / size).collect() };
        let (facets, display) = (dirty(FACET_CHUNK), dirty(DISPLAY_CHUNK));
        for (c, docs) in order.chunks(FACET_CHUNK).enumerate() {
            let path = chunk_path("f", c);
            let good = labels_kept && !facets.contains(&c);
            let kept = self.files.get(&path).filter(|_| good);
            out.put_or_keep(path, kept, || {
                chunk(docs.iter().map(|i| {
                    let mut f = self.docs[i].facets.clone();
                    if let Some(a) = f.as_array_mut() {
                        labels.0.number(&mut a[2]);
                        labels.1.number(&mut a[3]);
                    }
                    serde_json::to_vec(&f).unwrap_or_default()
                }))
            })?;
        }
        for (c, docs) in order.chunks(DISPLAY_CHUNK).enumerate() {
            let path = chunk_path("d", c);
            let kept = self.files.get(&path).filter(|_| !display.contains(&c));
            out.put_or_keep(path, kept, || chunk(docs.iter().map(|i| &self.docs[i].display)))?;
        }
        self.labels = Some(labels);
        Ok(())
    }
}

/// Writes the shards of the head's and the tail's lists, each as [`Sharded::write`] does with
/// the grams of its segment that changed; returns the number of shards of each.
fn write_segments<W: Send>(
    sharded: &mut [Sharded; 2],
    split: &Split,
    kept: Option<(&[Changed; 2], &Sums)>,
    out: &mut Sink<'_, W>,
) -> Result<[usize; 2], Diagnostic> {
    for (s, sharded) in sharded.iter_mut().enumerate() {
        let kept = kept.map(|(grams, files)| (&grams[s], files));
        sharded.write(&split.lists[s], kept, SEGMENT_DIRS[s], out)?;
    }
    Ok(sharded.each_ref().map(|s| s.shards))
}

impl Sharded {
    /// Writes the shards of `postings` into `search/<dir>/`: when `kept` says which lists
    /// changed (each with the size its entry had before) and the number of shards stays, only
    /// the shards that hold those are made, the others kept (by the last index's files) when
    /// the output still holds them; otherwise all are made.
    fn write<W: Send>(
        &mut self,
        postings: &Postings,
        kept: Option<(&Changed, &Sums)>,
        dir: &str,
        out: &mut Sink<'_, W>,
    ) -> Result<(), Diagnostic> {
        let changed = kept.filter(|_| self.shards > 0).and_then(|(grams, files)| {
            let mut total = self.total;
            for (&g, &before) in grams {
                total = total + postings.get(&g).map_or(0, |p| entry_size(g, p)) - before;
            }
            (shard_count(total) == self.shards).then_some((grams, files, total))
        });
        let Some((grams, files, total)) = changed else {
            (self.keys, self.total) = shard_keys(postings);
            self.shards = shard_count(self.total);
            return write_shards(postings, &self.keys, self.shards, dir, None, out);
        };
        let mut dirty = HashSet::new();
        for &g in grams.keys() {
            let text = gram_text(g);
            let key = (fnv1a(&text) as usize % self.shards, g);
            dirty.insert(key.0);
            let at = self.keys.binary_search_by_key(&key, |(s, g, _)| (*s, *g));
            match (at, postings.contains_key(&g)) {
                (Err(at), true) => self.keys.insert(at, (key.0, g, text)),
                (Ok(at), false) => {
                    self.keys.remove(at);
                }
                _ => {}
            }
        }
        self.total = total;
        write_shards(postings, &self.keys, self.shards, dir, Some((&dirty, files)), out)
    }
}

/// The path of chunk `k` of the rows in `dir`.
fn chunk_path(dir: &str, k: usize) -> String {
    format!("search/{dir}/{k}.json")
}

/// A chunk of rows as its file holds them: a JSON array of their compact JSON.
fn chunk<R: AsRef<[u8]>>(rows: impl Iterator<Item = R>) -> Vec<u8> {
    let mut bytes = vec![b'['];
    for (k, row) in rows.enumerate() {
        if k > 0 {
            bytes.push(b',');
        }
        bytes.extend_from_slice(row.as_ref());
    }
    bytes.push(b']');
    bytes
}

/// The bytes the postings hold on the heap: lists, bitmaps and the map's own table.
fn postings_heap(postings: &Postings) -> usize {
    postings.values().map(|p| p.heap()).sum::<usize>()
        + postings.capacity() * (std::mem::size_of::<(Gram, Posting)>() + 1)
}

/// The size of a gram's entry in its shard (about: the varints of the lengths count as two
/// bytes), from which the number of shards is chosen.
fn entry_size(g: Gram, p: &Posting) -> usize {
    gram_text(g).len() + p.encoded().1.len() + 4
}

/// The number of shards for entries of `total` bytes together: half [`SHARD_TARGET`] to it
/// each, a power of two, so that a few documents more or less keep it (when it changes, every
/// shard is made again); none for no entries (an empty tail).
fn shard_count(total: usize) -> usize {
    if total == 0 { 0 } else { total.div_ceil(SHARD_TARGET).next_power_of_two() }
}

/// The grams in the order of their shards (by the FNV-1a of their text), each with its text,
/// and the size of their entries together.
fn shard_keys(postings: &Postings) -> (Vec<(usize, Gram, String)>, usize) {
    let keys: Vec<(String, Gram)> = postings.keys().map(|&g| (gram_text(g), g)).collect();
    let total: usize = keys.iter().map(|(t, g)| t.len() + postings[g].encoded().1.len() + 4).sum();
    let shards = shard_count(total);
    let mut keys: Vec<(usize, Gram, String)> =
        keys.into_iter().map(|(t, g)| (fnv1a(&t) as usize % shards, g, t)).collect();
    keys.sort_unstable_by_key(|(s, g, _)| (*s, *g));
    (keys, total)
}

/// Writes the `shards` shards of the postings into `search/<dir>/`, `keys` in their order; with
/// `kept`, a shard not among its dirty ones is the last index's (by its files), kept when the
/// output still holds it.
fn write_shards<W: Send>(
    postings: &Postings,
    keys: &[(usize, Gram, String)],
    shards: usize,
    dir: &str,
    kept: Option<(&HashSet<usize>, &Sums)>,
    out: &mut Sink<'_, W>,
) -> Result<(), Diagnostic> {
    // Where each shard's entries begin among the keys, which are in the order of their shards.
    let mut from = Vec::with_capacity(shards + 1);
    let mut at = 0;
    for k in 0..shards {
        from.push(at);
        while keys.get(at).is_some_and(|(s, _, _)| *s == k) {
            at += 1;
        }
    }
    from.push(at);
    // Made, hashed and written in parallel: a record added changes most shards (about a
    // thousand files and 10 MB at 50,000 records), which one after the other took 0.15–0.4 s.
    let (write, reuse) = (out.write, out.reuse);
    let made: Vec<Result<Shard<W>, Diagnostic>> = (0..shards)
        .into_par_iter()
        .map(|k| {
            let path = format!("search/{dir}/{k}.bin");
            let good = kept.and_then(|(dirty, files)| files.get(&path).filter(|_| !dirty.contains(&k)));
            if let Some(&(sum, size)) = good
                && let Some(w) = reuse(&path, &sum)
            {
                return Ok((path, sum, size, w));
            }
            let mut s = Vec::with_capacity(SHARD_TARGET * 2);
            for (_, g, text) in &keys[from[k]..from[k + 1]] {
                let Some(p) = postings.get(g) else { continue };
                let (enc, bytes) = p.encoded();
                varint(&mut s, text.len() as u64);
                s.extend_from_slice(text.as_bytes());
                s.push(u8::from(g & TITLE != 0));
                s.push(enc);
                varint(&mut s, bytes.len() as u64);
                s.extend_from_slice(bytes);
            }
            use sha2::Digest;
            let sum: [u8; 32] = sha2::Sha256::digest(&s).into();
            let w = write(&path, &s, sum)?;
            Ok((path, sum, s.len(), w))
        })
        .collect();
    for m in made {
        let (path, sum, size, w) = m?;
        out.done(path, sum, size, w);
    }
    Ok(())
}

/// A shard's file as written or kept: its path, SHA-256, size and what the writer returned.
type Shard<W> = (String, [u8; 32], usize, W);

/// The records' contributions, by record: a rebuild asks after every record's, and an index
/// into a list costs a load where a hashed key cost a hash and a probe (at 50,000 records, the
/// search stage of a text edit spent 11–16 ms finding which documents to read again).
#[derive(Default)]
struct Docs {
    by_record: Vec<Option<KeptDoc>>,
}

impl Docs {
    fn get(&self, i: &usize) -> Option<&KeptDoc> {
        self.by_record.get(*i)?.as_ref()
    }

    fn get_mut(&mut self, i: &usize) -> Option<&mut KeptDoc> {
        self.by_record.get_mut(*i)?.as_mut()
    }

    fn contains_key(&self, i: &usize) -> bool {
        self.get(i).is_some()
    }

    /// Keeps `d` as record `i`'s contribution; returns the one it replaces.
    fn insert(&mut self, i: usize, d: KeptDoc) -> Option<KeptDoc> {
        if self.by_record.len() <= i {
            self.by_record.resize_with(i + 1, || None);
        }
        self.by_record[i].replace(d)
    }

    fn remove(&mut self, i: &usize) -> Option<KeptDoc> {
        self.by_record.get_mut(*i)?.take()
    }

    /// How many records have one (asked by tests, not on a rebuild's path).
    fn len(&self) -> usize {
        self.by_record.iter().filter(|d| d.is_some()).count()
    }

    /// Every contribution with its record, in the records' order.
    fn into_records(self) -> impl Iterator<Item = (usize, KeptDoc)> {
        self.by_record.into_iter().enumerate().filter_map(|(i, d)| Some((i, d?)))
    }
}

impl std::ops::Index<&usize> for Docs {
    type Output = KeptDoc;
    fn index(&self, i: &usize) -> &KeptDoc {
        self.get(i).expect("a kept document")
    }
}

/// One record's contribution, with what it was made from.
struct KeptDoc {
    /// The records it read, and the last build at which they had the views it was made with.
    reads: Vec<usize>,
    seen: u64,
    /// The numbers of its grams, rising, as delta varints (about a byte each).
    grams: Box<[u8]>,
    facets: serde_json::Value,
    /// Its display row as compact JSON, as the display files hold it.
    display: Box<[u8]>,
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

    /// The records the search covers, in their search numbers' order (oldest first, so that a
    /// record newer than the others, the commonest one added, takes the next number and every
    /// other keeps its own): every visible record, as the site publishes it.
    pub(crate) fn searchable(&self) -> Vec<usize> {
        self.newest(None).rev().collect()
    }

    /// Builds every file of the search index but the texts (those are `Job::SearchText`),
    /// handing each to `write` as soon as it is made, so that the index is never whole in
    /// memory; returns what `write` returned for each file. With a memo (`serve`), the index is
    /// brought up to date from what the last build kept ([`Kept`]) instead, and a file the last
    /// index made whose rows or lists did not change is handed to `reuse` with its SHA-256,
    /// neither made nor hashed again.
    pub(crate) fn search_index<W: Send>(
        &self,
        previous: Option<&Previous<'_>>,
        write: impl Fn(&str, &[u8], [u8; 32]) -> Result<W, Diagnostic> + Sync,
        reuse: impl Fn(&str, &[u8; 32]) -> Option<W> + Sync,
    ) -> Result<Vec<W>, Diagnostic> {
        let started = std::time::Instant::now();
        let fold = Fold::shared();
        let order = self.searchable();
        let n = order.len();
        let mut out = Sink { write: &write, reuse: &reuse, written: Vec::new(), bytes: 0, sums: BTreeMap::new() };
        let (read, grams, heap, labels, shards);
        // Where the lists came from, for the timings line: what `serve` kept, the previous
        // output's shards, or the texts.
        let mut from = "kept";
        match self.memo() {
            Some(memo) => {
                let mut k = memo.take_search().unwrap_or_default();
                let fresh = match self.refresh(memo, &mut k, &order, fold) {
                    Ok(fresh) => fresh,
                    Err(e) => {
                        // Left as the last index made it (see `refresh`).
                        memo.keep_search(k);
                        return Err(e);
                    }
                };
                k.write_rows(&order, &fresh, &mut out)?;
                read = started.elapsed();
                (grams, heap) = (k.split.grams(), k.split.heap());
                let kept = fresh.grams.as_ref().map(|grams| (grams, &k.files));
                shards = write_segments(&mut k.sharded, &k.split, kept, &mut out)?;
                k.files = out.sums.clone();
                labels = k.labels.as_ref().map(|(i, t)| (i.1.clone(), t.1.clone())).unwrap_or_default();
                memo.keep_search(k);
            }
            None => {
                let mut rows = Rows::default();
                let fresh;
                let split = match previous.and_then(|p| self.postings_after(p, &order, fold)) {
                    Some(postings) => {
                        from = "previous";
                        for &i in &order {
                            let (facets, display) = self.search_rows(i);
                            rows.push(facets, &serde_json::to_vec(&display).unwrap_or_default(), &mut out)?;
                        }
                        fresh = postings;
                        &fresh
                    }
                    None => {
                        from = "texts";
                        let mut split = Split::new(tail_base(n) as u32);
                        for (b, batch) in order.chunks(BATCH).enumerate() {
                            let docs: Vec<Result<Doc, Diagnostic>> = batch
                                .par_iter()
                                .map_init(GramSet::default, |set, &i| self.search_doc(i, fold, set))
                                .collect();
                            for (k, d) in docs.into_iter().enumerate() {
                                let d = d?;
                                let num = (b * BATCH + k) as u32;
                                for g in d.grams {
                                    split.post(g, num);
                                }
                                rows.push(d.facets, &serde_json::to_vec(&d.display).unwrap_or_default(), &mut out)?;
                            }
                        }
                        fresh = split;
                        &fresh
                    }
                };
                rows.facets.flush(&mut out)?;
                rows.display.flush(&mut out)?;
                read = started.elapsed();
                (grams, heap) = (split.grams(), split.heap());
                shards = write_segments(&mut Default::default(), split, None, &mut out)?;
                labels = (rows.issuers.1, rows.topics.1);
            }
        }
        let sharded = started.elapsed();
        out.put("search/t2s.txt".into(), fold.table().as_bytes())?;
        out.put("search/s2t.txt".into(), s2t_table().as_bytes())?;
        // The stamp is over every other file's path and SHA-256, in the order of their paths
        // (files kept from the last index are not hashed again, and are put in another order).
        use sha2::Digest;
        let mut stamp = sha2::Sha256::new();
        for (path, (sum, _)) in &out.sums {
            stamp.update(path.as_bytes());
            stamp.update([0]);
            stamp.update(sum);
        }
        let stamp = crate::source::hex(&stamp.finalize());
        let states: Vec<&str> = crate::model::State::ALL.iter().map(|s| s.id()).collect();
        let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.id()).collect();
        let meta = serde_json::json!({
            "display": DISPLAY_CHUNK,
            "facets": FACET_CHUNK,
            "gram": MAX_GRAM,
            "issuers": labels.0,
            "kinds": kinds,
            "n": n,
            "shards": shards[0],
            "tail": { "base": tail_base(n), "shards": shards[1] },
            "stamp": &stamp[..16],
            "states": states,
            "topics": labels.1,
            "version": 4,
        });
        out.put("search/meta.json".into(), &serde_json::to_vec(&meta).unwrap_or_default())?;
        // What the stage spent, for the benchmarks (beside `build`'s `timings-ms`).
        if std::env::var_os("GONGBAO_TIMINGS").is_some() {
            let ms = |d: std::time::Duration| d.as_millis();
            let mib = |b: usize| b / (1 << 20);
            eprintln!(
                "search-index docs={n} from={from} grams={grams} postings-heap-mib={} written-mib={} read-ms={} shards-ms={} tables-ms={}",
                mib(heap),
                mib(out.bytes),
                ms(read),
                ms(sharded - read),
                ms(started.elapsed() - sharded)
            );
        }
        Ok(out.written)
    }

    /// Brings what `serve` kept of the last index up to this build: reads again only the records
    /// whose contribution may have changed (something they read has a new view, as for pages),
    /// then either changes the lists at the numbers whose document changed or is another than
    /// the last index had there (a publication date changed renumbers the documents between the
    /// old and the new place; documents newer than all the others take numbers after them),
    /// when those are few and the index does not shrink, or makes the lists again from the kept
    /// grams, without reading any text. Says which of the last index's rows and lists are still
    /// as they were.
    fn refresh(
        &self,
        memo: &super::memo::Memo,
        k: &mut Kept,
        order: &[usize],
        fold: &Fold,
    ) -> Result<Fresh, Diagnostic> {
        use super::memo;
        let since = memo.changes();
        let stale: Vec<usize> = order
            .par_iter()
            .copied()
            .filter(|&i| k.docs.get(&i).is_none_or(|d| !since.fresh(&d.reads, d.seen)))
            .collect();
        let n = order.len();
        let kept_len = k.order.len();
        // Each document's number in this index.
        let mut place = vec![u32::MAX; self.c.records.len()];
        for (num, &i) in order.iter().enumerate() {
            place[i] = num as u32;
        }
        // Whether document `i` has the number it had in the last index: its kept grams and rows
        // are then in the lists and files there (one kept from before it was hidden is not).
        let last = k.order.clone();
        let was_at = |i: usize| last.get(place[i] as usize) == Some(&i);
        // The numbers whose document is not the one the last index had there: a publication
        // date changed moves its document and renumbers those between its two places; records
        // newer than all the others take the numbers after the last index's.
        let renumbered: Vec<u32> = (0..n)
            .filter(|&p| last.get(p) != Some(&order[p]))
            .map(|p| p as u32)
            .chain(n as u32..kept_len.max(n) as u32)
            .collect();
        // The numbers whose postings may change: those, and those of the documents read again
        // (every one of which is at its old number or at one renumbered).
        let mut numbers: Vec<u32> =
            stale.iter().filter(|&&i| was_at(i)).map(|&i| place[i]).chain(renumbered.iter().copied()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        // Changed in place when the changes are few, the index does not shrink, and the grams of
        // the document each such number had in the last index are known ([`change`]). (The tail
        // starts where it did, or later: `tail_base` never falls as documents are added.)
        let in_place = n >= kept_len
            && tail_base(n) as u32 >= k.split.base
            && numbers.len() * 16 <= n
            && numbers.iter().all(|&p| last.get(p as usize).is_none_or(|i| k.docs.contains_key(i)));
        // The grams each of those numbers had, before the documents read again replace theirs.
        let before_at: Vec<Vec<u32>> = if in_place {
            numbers
                .iter()
                .map(|&p| last.get(p as usize).map(|i| decode(&k.docs[i].grams)).unwrap_or_default())
                .collect()
        } else {
            Vec::new()
        };
        // Whether a document of the last index is at another number (not only some added).
        let moved = renumbered.iter().any(|&p| (p as usize) < kept_len);
        let mut fresh = Fresh { labels_same: renumbered.is_empty(), changed: renumbered, grams: None };
        // What each document replaced held before, so that a text that cannot be read (a file
        // changed since the site was read, which stops the build) leaves `k` as the last index
        // made it, lists and documents alike, for the next build to start from. Only for the
        // few documents of a change in place: a refresh of many would hold the old ones twice
        // over (at 50,000 records, some 100 MB), and after it stops `k` starts again empty.
        let mut replaced: Vec<(usize, Option<KeptDoc>)> = Vec::new();
        let undo = |k: &mut Kept, replaced: Vec<(usize, Option<KeptDoc>)>| {
            if !in_place {
                *k = Kept::default();
                return;
            }
            for (i, was) in replaced.into_iter().rev() {
                match was {
                    Some(d) => k.docs.insert(i, d),
                    None => k.docs.remove(&i),
                };
            }
        };
        for batch in stale.chunks(BATCH) {
            let docs: Vec<(usize, Result<Doc, Diagnostic>, Vec<usize>)> = batch
                .par_iter()
                .map_init(GramSet::default, |set, &i| {
                    let (d, reads) = memo::recording(|| {
                        memo::touch(i);
                        self.search_doc(i, fold, set)
                    });
                    (i, d, reads)
                })
                .collect();
            for (i, d, reads) in docs {
                let d = match d {
                    Ok(d) => d,
                    Err(e) => {
                        undo(k, replaced);
                        return Err(e);
                    }
                };
                let mut ids: Vec<u32> = d.grams.iter().map(|&g| k.id(g)).collect();
                ids.sort_unstable();
                let display: Box<[u8]> = serde_json::to_vec(&d.display).unwrap_or_default().into();
                let old = k.docs.get(&i).filter(|_| was_at(i));
                if old.is_none_or(|o| o.facets != d.facets || o.display != display) {
                    fresh.changed.push(place[i]);
                }
                fresh.labels_same &= old.is_some_and(|o| o.facets[2] == d.facets[2] && o.facets[3] == d.facets[3]);
                let was = k.docs.insert(
                    i,
                    KeptDoc { reads, seen: since.now, grams: encode(&ids).into(), facets: d.facets, display },
                );
                if in_place {
                    replaced.push((i, was));
                }
            }
        }
        let base = tail_base(n) as u32;
        if in_place {
            // Documents that joined the head (once every so many added): every shard of both
            // segments is made again.
            let rebased = base != k.split.base;
            k.split.rebase(base);
            k.renumbered += usize::from(moved);
            // Each number's grams that came or went, by segment and gram, with the size each
            // gram's entry in a shard had before.
            let mut changes: Vec<(usize, Gram, u32, bool)> = Vec::new();
            for (&p, old) in numbers.iter().zip(&before_at) {
                let new = decode(&k.docs[&order[p as usize]].grams);
                let (s, d) = k.split.place(p);
                let (mut a, mut b) = (old.iter().peekable(), new.iter().peekable());
                loop {
                    match (a.peek(), b.peek()) {
                        (Some(x), Some(y)) if x == y => {
                            a.next();
                            b.next();
                        }
                        (Some(&&x), y) if y.is_none_or(|&&y| x < y) => {
                            changes.push((s, k.grams[x as usize], d, false));
                            a.next();
                        }
                        (_, Some(&&y)) => {
                            changes.push((s, k.grams[y as usize], d, true));
                            b.next();
                        }
                        _ => break,
                    }
                }
            }
            changes.sort_unstable_by_key(|&(s, g, d, _)| (s, g, d));
            let mut before: [Changed; 2] = Default::default();
            for run in changes.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
                let (s, g) = (run[0].0, run[0].1);
                let list = &mut k.split.lists[s];
                before[s].insert(g, list.get(&g).map_or(0, |p| entry_size(g, p)));
                change(list, g, run.iter().map(|&(_, _, d, add)| (d, add)));
            }
            fresh.grams = (!rebased).then_some(before);
        } else {
            k.split = Split::new(base);
            for (num, i) in order.iter().enumerate() {
                for id in decode(&k.docs[i].grams) {
                    k.split.post(k.grams[id as usize], num as u32);
                }
            }
        }
        // Every document now in the index is good at this build.
        for &i in order {
            if let Some(d) = k.docs.get_mut(&i) {
                d.seen = since.now;
            }
        }
        k.order = order.to_vec();
        Ok(fresh)
    }

    /// One record's grams (made in `set`, left empty), facets and display row.
    fn search_doc(&self, i: usize, fold: &Fold, set: &mut GramSet) -> Result<Doc, Diagnostic> {
        let (facets, display) = self.search_rows(i);
        let text = self.search_text(i)?;
        doc_grams(&fields_of(&display), &text, fold, set);
        Ok(Doc { grams: set.drain().collect(), facets, display })
    }

    /// One record's facet and display rows (what the index holds of it besides its grams).
    fn search_rows(&self, i: usize) -> (serde_json::Value, serde_json::Value) {
        let c = self.c;
        let r = &c.records[i];
        // A gazette issue is known by its numbers, which its page shows as its heading.
        let number = match &r.issue {
            Some(x) => match x.total_number {
                Some(total) => format!("{}年第{}期（总第{total}期）", x.year, x.number),
                None => format!("{}年第{}期", x.year, x.number),
            },
            None => r.doc_number.as_ref().map(ToString::to_string).unwrap_or_default(),
        };
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
        // Each issuer and first level once, as in the browse lists: the search page counts a
        // document once per value it has.
        fn once<'a>(all: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
            let mut kept: Vec<&str> = Vec::new();
            for x in all {
                if !kept.contains(&x) {
                    kept.push(x);
                }
            }
            kept
        }
        let issuers = once(r.issuers.iter().map(|x| &**x));
        let topics = once(r.topics.iter().filter_map(|t| t.first()).map(|x| &**x));
        let facets = serde_json::json!([kind, r.published.year(), issuers, topics, timeline]);
        let display = serde_json::json!([
            self.doc_href(i),
            r.title,
            number,
            r.issuers.join("、"),
            r.published.to_string(),
            r.registration_no.clone().unwrap_or_default(),
            r.index_no.as_ref().map(|x| x.text.clone()).unwrap_or_default(),
        ]);
        (facets, display)
    }

    /// The postings of this build made from the previous output's (a cached `build`), when the
    /// documents keep their numbers (documents newer than all of them may follow, as when
    /// records were published since) and few changed or came: a document is unchanged when its
    /// `text.txt` was kept and its title and numbers are those of its old display row. For each
    /// changed one, the grams of its old `text.txt` and display row leave the lists and its new
    /// ones join; a new one's grams join after every other document. Every file read from the
    /// previous output is checked against the cache; `None` whenever anything does not match,
    /// and the index is made from the texts.
    fn postings_after(&self, prev: &Previous<'_>, order: &[usize], fold: &Fold) -> Option<Split> {
        let n = order.len();
        let meta: serde_json::Value = serde_json::from_slice(&prev.read("search/meta.json")?).ok()?;
        let was = usize::try_from(meta["n"].as_u64()?).ok()?;
        let same_kind = meta["version"] == 4 && meta["gram"] == MAX_GRAM && was <= n;
        if !same_kind || meta["tail"]["base"] != tail_base(was) || (n - was) * 16 > n + 64 {
            return None;
        }
        if prev.read("search/t2s.txt")? != fold.table().as_bytes() {
            return None;
        }
        // Which documents changed, with their old title and numbers.
        let mut changed: Vec<(u32, String)> = Vec::new();
        for (k, docs) in order[..was].chunks(DISPLAY_CHUNK).enumerate() {
            let old: Vec<serde_json::Value> =
                serde_json::from_slice(&prev.read(&format!("search/d/{k}.json"))?).ok()?;
            if old.len() != docs.len() {
                return None;
            }
            for (j, (&i, old)) in docs.iter().zip(&old).enumerate() {
                let (_, new) = self.search_rows(i);
                if new[0] != old[0] {
                    return None;
                }
                let text = crate::route::search_text(&self.c.records[i]);
                if (prev.staged)(&text) || fields_of(&new) != fields_of(old) {
                    changed.push(((k * DISPLAY_CHUNK + j) as u32, fields_of(old)));
                }
            }
            if (changed.len() + n - was) * 16 > n + 64 {
                return None;
            }
        }
        let mut split = Split::new(tail_base(was) as u32);
        for (s, shards) in [&meta["shards"], &meta["tail"]["shards"]].into_iter().enumerate() {
            split.lists[s] = read_shards(prev, SEGMENT_DIRS[s], shards.as_u64()? as usize)?;
        }
        split.rebase(tail_base(n) as u32);
        let mut set = GramSet::default();
        for (num, old_fields) in changed {
            let i = order[num as usize];
            let old_text = String::from_utf8(prev.read(&crate::route::search_text(&self.c.records[i]))?).ok()?;
            doc_grams(&old_fields, &old_text, fold, &mut set);
            let old = std::mem::take(&mut set);
            let new = self.search_doc(i, fold, &mut set).ok()?.grams;
            let new: HashSet<Gram, GramHash> = new.into_iter().collect();
            for &g in old.difference(&new) {
                split.change(g, num, false);
            }
            for &g in new.difference(&old) {
                split.change(g, num, true);
            }
        }
        for (num, &i) in order.iter().enumerate().skip(was) {
            for g in self.search_doc(i, fold, &mut set).ok()?.grams {
                split.change(g, num as u32, true);
            }
        }
        Some(split)
    }
}

/// The title and numbers of a display row, as one string (what the title grams come from).
fn fields_of(display: &serde_json::Value) -> String {
    [1, 2, 5, 6].map(|k| display[k].as_str().unwrap_or("")).join(" ")
}

/// The grams of a document with title and numbers `fields` and text `text`, into `set`.
fn doc_grams(fields: &str, text: &str, fold: &Fold, set: &mut GramSet) {
    let head = fold.fold(fields);
    grams(&head, 0, set);
    grams(&head, TITLE, set);
    grams(&fold.fold(text), 0, set);
}

/// Adds to the list of gram `g` the documents of `run` (rising, each with whether it is added)
/// or takes them out; a list left empty goes.
fn change(postings: &mut Postings, g: Gram, run: impl Iterator<Item = (u32, bool)> + Clone) {
    // After every document of the list (documents newer than all the others): appended, as a
    // list made at once would have it, without decoding the list.
    let next = match postings.get(&g) {
        Some(Posting::List(_, next) | Posting::Bits(_, _, next)) => *next,
        None => 0,
    };
    if run.clone().all(|(doc, add)| add && doc >= next) {
        let p = postings.entry(g).or_insert_with(|| Posting::List(Vec::new(), 0));
        for (doc, _) in run {
            p.add(doc);
        }
        return;
    }
    // A bitmap (the lists of the commonest grams) has its bits set or cleared in place, each
    // change costing the distance to the documents on either side, not the list's length.
    if let Some(p @ Posting::Bits(..)) = postings.get_mut(&g) {
        for (doc, add) in run {
            p.set(doc, add);
        }
        match p {
            Posting::Bits(_, _, 0) => {
                postings.remove(&g);
            }
            // As a list made at once: a bitmap only while its varints would be longer.
            Posting::Bits(bits, list, next) if *list <= bits.len() => {
                let next = *next;
                *p = Posting::List(encode(&p.docs()), next);
            }
            _ => {}
        }
        return;
    }
    let docs = postings.get(&g).map(Posting::docs).unwrap_or_default();
    let mut merged = Vec::with_capacity(docs.len() + 1);
    let mut run = run.peekable();
    for d in docs {
        while let Some((c, add)) = run.next_if(|&(c, _)| c < d) {
            if add {
                merged.push(c);
            }
        }
        match run.next_if(|&(c, _)| c == d) {
            Some((_, false)) => {}
            _ => merged.push(d),
        }
    }
    merged.extend(run.filter(|&(_, add)| add).map(|(c, _)| c));
    if merged.is_empty() {
        postings.remove(&g);
    } else {
        postings.insert(g, Posting::of(&merged));
    }
}

/// The postings of the previous output's shards in `search/<dir>/`.
fn read_shards(prev: &Previous<'_>, dir: &str, shards: usize) -> Option<Postings> {
    let mut postings = Postings::default();
    for k in 0..shards {
        let bytes = prev.read(&format!("search/{dir}/{k}.bin"))?;
        let mut at = 0;
        let next_varint = |at: &mut usize| -> Option<usize> {
            let (mut v, mut shift) = (0usize, 0);
            loop {
                let b = *bytes.get(*at)?;
                *at += 1;
                v |= usize::from(b & 0x7F) << shift;
                shift += 7;
                if b & 0x80 == 0 || shift > 63 {
                    return Some(v);
                }
            }
        };
        while at < bytes.len() {
            let len = next_varint(&mut at)?;
            let text = std::str::from_utf8(bytes.get(at..at + len)?).ok()?;
            at += len;
            let (title, enc) = (*bytes.get(at)?, *bytes.get(at + 1)?);
            at += 2;
            let len = next_varint(&mut at)?;
            let payload = bytes.get(at..at + len)?.to_vec();
            at += len;
            let chars: Vec<char> = text.chars().collect();
            if chars.is_empty() || chars.len() > MAX_GRAM {
                return None;
            }
            let g = gram(&chars, if title == 1 { TITLE } else { 0 });
            let p = match enc {
                0 => Posting::List(payload.clone(), decode(&payload).last().map_or(0, |d| d + 1)),
                1 => Posting::of(&Posting::Bits(payload, 0, 0).docs()),
                _ => return None,
            };
            postings.insert(g, p);
        }
    }
    Some(postings)
}

/// The previous output of a cached `build`, which the search index is made from when it can be.
/// The driver says how to read it, so this stage need not know the cache's form.
pub(crate) struct Previous<'a> {
    /// The bytes of a file of the previous output, when they are those the cache recorded.
    pub read: &'a dyn Fn(&str) -> Option<Vec<u8>>,
    /// Whether this build wrote a file anew (rather than keeping the one in the output).
    pub staged: &'a dyn Fn(&str) -> bool,
}

impl Previous<'_> {
    fn read(&self, rel: &str) -> Option<Vec<u8>> {
        (self.read)(rel)
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

    /// The grams of `s` as sorted texts.
    fn texts(s: &str, flag: Gram) -> Vec<String> {
        let mut set = GramSet::default();
        grams(s, flag, &mut set);
        let mut t: Vec<String> = set.iter().map(|&x| gram_text(x)).collect();
        t.sort();
        t
    }

    #[test]
    fn grams_stop_at_spaces_and_round_trip() {
        assert_eq!(texts("ab c", 0), ["a", "ab", "b", "c"]);
        let mut set = GramSet::default();
        grams("第十", TITLE, &mut set);
        assert!(set.iter().all(|x| x & TITLE != 0) && set.len() == 3);
        assert_eq!(texts("第十", TITLE), ["十", "第", "第十"]);
        assert_eq!(gram_text(gram(&['\u{20000}', 'z', '〔', '9'], TITLE)), "\u{20000}z〔9");
    }

    #[test]
    fn runs_of_three_and_four_are_posted_where_they_hold_a_letter_or_digit() {
        let all = texts("第十四条 6年9月 p01", 0);
        let long: Vec<&str> = all.iter().map(String::as_str).filter(|t| t.chars().count() > 2).collect();
        // Han characters alone give only unigrams and bigrams; nothing crosses a space.
        assert_eq!(long, ["6年9", "6年9月", "p01", "年9月"]);
        assert!(all.iter().any(|t| t == "十四") && !all.iter().any(|t| t == "第十四"));
        // What `grams` keeps track of gives what `long_gram` says of every run.
        for s in ["ab第十四条9x 年", "x第十四条", "第十x四条五六", "一二三四五a", "〔2024〕8号", "a b c de"]
        {
            let cps: Vec<char> = s.chars().collect();
            let mut want: Vec<String> = Vec::new();
            for word in cps.split(|&c| c == ' ') {
                for n in 1..=MAX_GRAM {
                    for w in word.windows(n).filter(|w| n <= 2 || long_gram(w)) {
                        want.push(w.iter().collect());
                    }
                }
            }
            want.sort();
            want.dedup();
            assert_eq!(texts(s, 0), want, "{s}");
        }
    }

    #[test]
    fn postings_are_delta_varints_until_a_bitmap_is_smaller() {
        let mut p = Posting::List(Vec::new(), 0);
        for d in [3, 10, 700] {
            p.add(d);
        }
        // Deltas minus one: 3, 6, 689 (two bytes).
        assert_eq!(p.encoded(), (0, &[3, 6, 0xB1, 0x05][..]));
        assert_eq!(decode(p.encoded().1), [3, 10, 700]);
        let mut dense = Posting::List(Vec::new(), 0);
        for d in (0..600).filter(|d| d % 5 != 1) {
            dense.add(d);
        }
        let (enc, bytes) = dense.encoded();
        // Up to the byte of the last document (599), however many the index has.
        assert_eq!((enc, bytes.len()), (1, 75));
        // 0, 2, 3, 4, 5 and 7 in the first byte (1 and 6 left out).
        assert_eq!(bytes[0], 0b1011_1101);
        let count: u32 = bytes.iter().map(|b| b.count_ones()).sum();
        assert_eq!(count, 480);
        // Eight varints (0..8) against one byte of bits: the bitmap; one varint against one byte:
        // the list.
        let mut edge = Posting::List(Vec::new(), 0);
        for d in 0..8 {
            edge.add(d);
        }
        assert_eq!(edge.encoded().0, 1, "eight varints against a byte of bits");
        let mut one = Posting::List(Vec::new(), 0);
        one.add(0);
        assert_eq!(one.encoded(), (0, &[0][..]), "one varint against one byte: a list");
        // A document far after the others makes the bitmap longer than the list again.
        dense.add(100_000);
        assert_eq!(dense.encoded().0, 0);
        assert_eq!(dense.docs().len(), 481);
        // A list about to become a bitmap holds no more than the bitmap would (and a few bytes
        // for the last number), where doubling would have held 256 bytes here.
        let mut near = Posting::List(Vec::new(), 0);
        for d in (0..1100).step_by(8) {
            near.add(d);
        }
        assert_eq!(near.encoded().0, 0);
        assert!(near.heap() <= 138 + 10, "{}", near.heap());
    }

    #[test]
    fn a_list_made_at_once_is_the_list_made_by_adding() {
        // Sets from empty to full, sparse and dense, over a few sizes of index, and each with a
        // last document far after the rest.
        for n in [1usize, 7, 8, 9, 100, 1000] {
            for step in [1u32, 2, 3, 7, 8, 9, 50, 333] {
                for skip in [0u32, 1, 5] {
                    for far in [None, Some(5000), Some(50_000)] {
                        let mut docs: Vec<u32> = (0..n as u32).filter(|d| d % step == 0 && d % 11 != skip).collect();
                        docs.extend(far);
                        let mut added = Posting::List(Vec::new(), 0);
                        for &d in &docs {
                            added.add(d);
                        }
                        let made = Posting::of(&docs);
                        assert_eq!(made.encoded(), added.encoded(), "n {n} step {step} skip {skip} far {far:?}");
                        assert_eq!(made.docs(), docs);
                        let next = |p: &Posting| match p {
                            Posting::List(_, next) | Posting::Bits(_, _, next) => *next,
                        };
                        assert_eq!(next(&made), next(&added), "the next number");
                        if let (Posting::Bits(_, a, _), Posting::Bits(_, b, _)) = (&made, &added) {
                            assert_eq!(a, b, "the length of the varints");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_list_changed_is_the_list_made_at_once() {
        let g: Gram = 7;
        let mut postings = Postings::default();
        let mut want: Vec<u32> = Vec::new();
        // Appended after the others, put in between, taken out, and far after them.
        for (doc, add) in [(3, true), (10, true), (4, true), (10, false), (900, true), (5, true), (3, false)] {
            change(&mut postings, g, std::iter::once((doc, add)));
            if add {
                want.push(doc);
                want.sort_unstable();
            } else {
                want.retain(|&d| d != doc);
            }
            assert_eq!(postings[&g].encoded(), Posting::of(&want).encoded(), "after {doc} {add}");
        }
        for d in 0..64 {
            change(&mut postings, g, std::iter::once((1000 + d, true)));
        }
        want.extend(1000..1064);
        assert_eq!(postings[&g].encoded(), Posting::of(&want).encoded());
        change(&mut postings, g, want.iter().map(|&d| (d, false)));
        assert!(!postings.contains_key(&g), "a list left empty goes");
    }

    #[test]
    fn a_list_changed_at_many_numbers_at_once_is_the_list_made_at_once() {
        let g: Gram = 9;
        let mut postings = Postings::default();
        let mut want: std::collections::BTreeSet<u32> = Default::default();
        // Batches of changes at rising numbers, as a refresh hands them over: some in the list,
        // some between its numbers, some after its last; a list long enough to become a bitmap.
        let (mut x, mut bitmaps): (u32, usize) = (12345, 0);
        for round in 0..300 {
            let mut run: BTreeMap<u32, bool> = BTreeMap::new();
            for _ in 0..(1 + round % 7) {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let doc = (x >> 8) % (50 + round * 5);
                run.insert(doc, !want.contains(&doc) || x.is_multiple_of(3));
            }
            bitmaps += usize::from(matches!(postings.get(&g), Some(Posting::Bits(..))));
            change(&mut postings, g, run.iter().map(|(&d, &add)| (d, add)));
            for (d, add) in run {
                if add {
                    want.insert(d);
                } else {
                    want.remove(&d);
                }
            }
            let want: Vec<u32> = want.iter().copied().collect();
            assert_made_at_once(postings.get(&g), &want, &format!("round {round}"));
        }
        assert!(bitmaps > 100, "changed as a bitmap only {bitmaps} times");
    }

    #[test]
    fn a_bitmap_changed_from_its_end_is_the_list_made_at_once() {
        let g: Gram = 11;
        let docs: Vec<u32> = (0..64).filter(|d| d % 3 != 1).collect();
        let mut postings = Postings::default();
        postings.insert(g, Posting::of(&docs));
        assert!(matches!(postings[&g], Posting::Bits(..)));
        // Its last ones taken out one by one, at byte edges too: each step as the list made at
        // once, until none is left.
        let mut want = docs.clone();
        while let Some(last) = want.pop() {
            change(&mut postings, g, std::iter::once((last, false)));
            assert_made_at_once(postings.get(&g), &want, &format!("without {last}"));
        }
        assert!(postings.is_empty(), "a list left empty goes");
        let bits = [0b1000_0001u8, 0, 0b0000_0100];
        assert_eq!((bit_before(&bits, 7), bit_before(&bits, 8), bit_before(&bits, 0)), (Some(0), Some(7), None));
        assert_eq!((bit_before(&bits, 40), bit_after(&bits, 7), bit_after(&bits, 18)), (Some(18), Some(18), None));
        assert_eq!((bit_after(&bits, 0), bit_after(&bits, 30)), (Some(7), None));
    }

    /// That `p` is the list `Posting::of` makes of `want`: its bytes, and the next number and
    /// (for a bitmap) the length its varints would have, on which its later changes rest.
    fn assert_made_at_once(p: Option<&Posting>, want: &[u32], what: &str) {
        let Some(p) = p else { return assert!(want.is_empty(), "{what}: the list went") };
        let made = Posting::of(want);
        assert_eq!(p.encoded(), made.encoded(), "{what}");
        match (p, &made) {
            (Posting::List(_, a), Posting::List(_, b)) => assert_eq!(a, b, "{what}: the next number"),
            (Posting::Bits(_, a, x), Posting::Bits(_, b, y)) => {
                assert_eq!((a, x), (b, y), "{what}: the varints' length and the next number")
            }
            _ => unreachable!("the same encoding"),
        }
    }

    #[test]
    fn a_bitmap_changed_across_long_gaps_keeps_the_length_of_its_varints() {
        let g: Gram = 13;
        // A dense run from 200 (the first varint two bytes long), then documents 127, 128, 129
        // and 300 apart: varints of one byte and of two on either side of each change.
        let mut want: std::collections::BTreeSet<u32> = (200..1400).collect();
        let far = [1527, 1655, 1784, 2084];
        want.extend(far);
        let mut postings = Postings::default();
        postings.insert(g, Posting::of(&want.iter().copied().collect::<Vec<_>>()));
        assert!(matches!(postings[&g], Posting::Bits(..)));
        // Each taken out if in, put in if not, alone: at the far documents, beside them, at the
        // ends of the dense run, before it (127, 128, 0), and after the last (one far after).
        let toggles =
            [1527, 1526, 1528, 1655, 1656, 1784, 1783, 2084, 2083, 200, 199, 1399, 1400, 128, 127, 0, 3000, 2999];
        for (n, &d) in toggles.iter().enumerate() {
            let add = !want.contains(&d);
            change(&mut postings, g, std::iter::once((d, add)));
            if add {
                want.insert(d);
            } else {
                want.remove(&d);
            }
            let now: Vec<u32> = want.iter().copied().collect();
            assert_made_at_once(postings.get(&g), &now, &format!("step {n}: {d} {}", if add { "in" } else { "out" }));
        }
        assert!(matches!(postings[&g], Posting::Bits(..)), "still a bitmap");
        // The dense run taken out at once: the few left are a list again.
        change(&mut postings, g, (0..1400).map(|d| (d, false)));
        want.retain(|&d| d >= 1400);
        let now: Vec<u32> = want.iter().copied().collect();
        assert_made_at_once(postings.get(&g), &now, "the dense run out");
        assert!(matches!(postings[&g], Posting::List(..)), "a list again");
    }

    #[test]
    fn the_tail_starts_at_a_multiple_of_its_span_and_never_falls() {
        let mut last = 0;
        for n in 0..300_000 {
            let base = tail_base(n);
            assert!(base <= n && base >= last, "n={n}: base {base} after {last}");
            assert!(n - base < 8.max(n.isqrt() + 1), "n={n}: a tail of {}", n - base);
            last = base;
        }
        assert_eq!((tail_base(7), tail_base(35), tail_base(50_000)), (0, 32, 49_920));
    }

    /// An index of documents added one at a time, its tail moved into its head as the base
    /// rises, with documents changed on the way, has the lists of one made at once.
    #[test]
    fn lists_split_and_moved_are_the_lists_made_at_once() {
        // Gram g of document d when (d * g) % 5 < 2, a little more for some.
        let holds = |d: u32, g: Gram| (u128::from(d) * g) % 5 < 2 || (d.is_multiple_of(7) && g == 3);
        let grams: Vec<Gram> = (1..12).collect();
        let at_once = |n: u32, gone: &[(u32, Gram)]| {
            let mut split = Split::new(tail_base(n as usize) as u32);
            for d in 0..n {
                for &g in &grams {
                    if holds(d, g) && !gone.contains(&(d, g)) {
                        split.post(g, d);
                    }
                }
            }
            split
        };
        let same = |a: &Split, b: &Split, what: &str| {
            assert_eq!(a.base, b.base, "{what}");
            for s in 0..2 {
                let mut x: Vec<_> = a.lists[s].iter().map(|(g, p)| (*g, p.encoded())).collect();
                let mut y: Vec<_> = b.lists[s].iter().map(|(g, p)| (*g, p.encoded())).collect();
                x.sort_unstable();
                y.sort_unstable();
                assert_eq!(x, y, "{what}, segment {s}");
            }
        };
        let mut split = Split::default();
        let mut gone = Vec::new();
        for n in 1..400u32 {
            split.rebase(tail_base(n as usize) as u32);
            let d = n - 1;
            for &g in &grams {
                if holds(d, g) {
                    split.change(g, d, true);
                }
            }
            // Now and then an older document loses a gram, in the head or in the tail.
            if n.is_multiple_of(9) {
                let (old, g) = (n / 2, 1 + Gram::from(n % 11));
                if holds(old, g) && !gone.contains(&(old, g)) {
                    split.change(g, old, false);
                    gone.push((old, g));
                }
            }
            same(&split, &at_once(n, &gone), &format!("{n} documents"));
        }
        assert!(split.base > 300 && !split.lists[0].is_empty() && !split.lists[1].is_empty());
    }

    #[test]
    fn varints_are_as_long_as_written() {
        for v in [0u64, 1, 127, 128, 16_383, 16_384, 1 << 21, u64::from(u32::MAX)] {
            let mut out = Vec::new();
            varint(&mut out, v);
            assert_eq!(varint_len(v), out.len(), "{v}");
        }
    }

    #[test]
    fn the_traditional_table_has_characters_and_the_phrases_that_differ() {
        let t = s2t_table();
        let mut lines = t.lines();
        let chars: Vec<char> = lines.next().unwrap().chars().collect();
        let pairs: HashMap<char, char> = chars.chunks(2).map(|p| (p[0], p[1])).collect();
        assert!(pairs.len() > 2000);
        assert_eq!((pairs[&'规'], pairs[&'范'], pairs.get(&'文')), ('規', '範', None));
        // A line as the browser reads it: the phrase, then places and characters.
        let phrases: HashMap<String, String> = lines
            .map(|l| {
                let at = l.find(|c: char| c.is_ascii_hexdigit()).unwrap_or(l.len());
                let mut whole: Vec<char> = l[..at].chars().map(|c| pairs.get(&c).copied().unwrap_or(c)).collect();
                let patches: Vec<char> = l[at..].chars().collect();
                for p in patches.chunks(2) {
                    whole[p[0].to_digit(16).unwrap() as usize] = p[1];
                }
                (l[..at].to_string(), whole.into_iter().collect())
            })
            .collect();
        assert!(phrases.len() > 9000, "{}", phrases.len());
        // 复 alone is 復; in 复议 it is 複. 发展 is what its characters give: listed, if at all,
        // with no place of its own.
        assert_eq!((pairs[&'复'], phrases["复议"].as_str()), ('復', "複議"));
        assert!(phrases.get("发展").is_none_or(|t| t == "發展"));
        assert!(t.lines().any(|l| l == "巡游"), "a phrase with no places is the phrase alone");
        // 游出 keeps 游 (遊 alone); 巡游 is what its characters give, but is listed: OpenCC reads
        // 巡游出 as 巡游 and 出, so the browser must not take 游出 there.
        assert_eq!((pairs[&'游'], phrases["游出"].as_str(), phrases["巡游"].as_str()), ('遊', "游出", "巡遊"));
        // Every line gives what ferrous-opencc gives for the phrase (what the 繁體 pages show).
        let cc = ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::S2t).unwrap();
        assert_eq!(cc.convert("设有巡游出租汽车"), "設有巡遊出租汽車");
        for (s, t) in &phrases {
            assert_eq!(&cc.convert(s), t);
        }
    }

    #[test]
    fn fnv_matches_the_reference() {
        // FNV-1a 32 of "a" and of the empty string.
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
    }
}
