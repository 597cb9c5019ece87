//! Redlines between two texts of a document. Paragraphs are aligned first (a paragraph that did
//! not change stays whole), then changed paragraphs are compared character by character —
//! Chinese has no spaces, so word diffs would mark whole sentences. Both levels use Myers'
//! O(ND) difference algorithm, so the cost follows the size of the change, not of the text.
//!
//! The work for one page is bounded whatever the texts: [`PAGE_BUDGET`] steps of comparison in
//! all, and no character comparison of a paragraph longer than [`MAX_INLINE_CHARS`]. Past either
//! bound a paragraph is shown whole, deleted and inserted: still a correct redline, only a
//! coarser one. Everything else (aligning, escaping, the clean-up pass) is linear.

use super::escape;
use crate::markdown::Block;

/// One step of an edit script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// Present in both.
    Same,
    /// Only in the old text.
    Del,
    /// Only in the new text.
    Ins,
}

/// Edits beyond which a comparison gives up and reports "replaced": it keeps a pathological
/// input (two unrelated texts of a hundred thousand characters) from taking quadratic time.
const MAX_EDITS: usize = 2000;

/// Steps of comparison one redline page may take, over all its paragraphs: a step is one
/// diagonal visited or one pair of elements compared by Myers' algorithm. Tens of milliseconds
/// in a release build; any real amendment needs a small fraction of it.
pub(crate) const PAGE_BUDGET: usize = 20_000_000;

/// Paragraphs longer than this many characters (on either side) are not compared character by
/// character: a changed one is shown whole, deleted and inserted.
pub(crate) const MAX_INLINE_CHARS: usize = 20_000;

/// Myers' algorithm: the shortest edit script turning `a` into `b`, as a list of ops (one per
/// element of `a` that is kept or deleted, and per element of `b` that is inserted). `None`
/// when more than `MAX_EDITS` edits would be needed. (The pages use [`myers_within`]; this is
/// its unbounded form, for the tests.)
#[cfg(test)]
fn myers<T: PartialEq>(a: &[T], b: &[T]) -> Option<Vec<Op>> {
    let mut unbounded = usize::MAX;
    myers_within(a, b, &mut unbounded)
}

/// Myers' algorithm taking at most `budget` steps, which are taken off it; `None` when they run out.
/// The common head and tail are matched first, in linear time, so a small change in a long
/// paragraph costs little.
fn myers_within<T: PartialEq>(a: &[T], b: &[T], budget: &mut usize) -> Option<Vec<Op>> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..].iter().rev().zip(b[head..].iter().rev()).take_while(|(x, y)| x == y).count();
    *budget = budget.checked_sub(head + tail + 1)?;
    let mut ops = vec![Op::Same; head];
    ops.extend(middle(&a[head..a.len() - tail], &b[head..b.len() - tail], budget)?);
    ops.extend(std::iter::repeat_n(Op::Same, tail));
    Some(ops)
}

/// Myers' algorithm proper, on what is left between the common head and tail.
fn middle<T: PartialEq>(a: &[T], b: &[T], budget: &mut usize) -> Option<Vec<Op>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (n + m).min(MAX_EDITS as isize);
    let off = max + 1;
    let mut v = vec![0isize; 2 * off as usize + 1];
    // Before step d only the diagonals -d..=d matter: keep just those (the whole vector for
    // every step would take hundreds of megabytes on two long, unrelated paragraphs).
    let mut trace: Vec<Vec<i32>> = Vec::new();
    let mut found = false;
    'outer: for d in 0..=max {
        trace.push(v[(off - d) as usize..=(off + d) as usize].iter().map(|&x| x as i32).collect());
        let mut k = -d;
        while k <= d {
            let idx = (k + off) as usize;
            let mut x = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) { v[idx + 1] } else { v[idx - 1] + 1 };
            let mut y = x - k;
            let from = x;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            *budget = budget.checked_sub(1 + (x - from) as usize)?;
            v[idx] = x;
            if x >= n && y >= m {
                found = true;
                break 'outer;
            }
            k += 2;
        }
    }
    if !found {
        return None;
    }
    // Walk the trace back from (n, m).
    let (mut x, mut y) = (n, m);
    let mut ops = Vec::with_capacity((n + m) as usize);
    for d in (0..trace.len() as isize).rev() {
        let row = &trace[d as usize];
        let v = |k: isize| row[(k + d) as usize] as isize;
        let k = x - y;
        let prev_k = if k == -d || (k != d && v(k - 1) < v(k + 1)) { k + 1 } else { k - 1 };
        let prev_x = if d == 0 { 0 } else { v(prev_k) };
        let prev_y = prev_x - prev_k;
        while x > prev_x.max(0) && y > prev_y.max(0) && x > 0 && y > 0 && a[(x - 1) as usize] == b[(y - 1) as usize] {
            ops.push(Op::Same);
            x -= 1;
            y -= 1;
        }
        if d > 0 {
            if x == prev_x {
                ops.push(Op::Ins);
                y -= 1;
            } else {
                ops.push(Op::Del);
                x -= 1;
            }
        }
    }
    while x > 0 && y > 0 {
        ops.push(Op::Same);
        x -= 1;
        y -= 1;
    }
    ops.reverse();
    Some(ops)
}

/// Counts of what changed, for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Stats {
    /// Paragraphs only in the new text.
    pub inserted: usize,
    /// Paragraphs only in the old text.
    pub deleted: usize,
    /// Paragraphs changed inside.
    pub changed: usize,
    /// Paragraphs that stayed.
    pub same: usize,
}

/// The redline of blocks `a` → `b` as HTML, with its counts. The blocks are plain text with a
/// heading level (see [`crate::markdown::leveled_blocks`]): what the pages show, never the
/// Markdown source. A heading stays a heading (`<h2>`…), anything else is a paragraph.
///
/// Changes are `<del>` and `<ins>`, each opened and closed by a cue in brackets (`〔删除〕…〔/删除〕`,
/// from `del_cue` and `ins_cue`), which the style sheet hides on screen, where a badge and a tint
/// mark the change instead of a line through the text (a struck-out 二 reads as 三), and shows in
/// print; screen readers read them either way.
pub(crate) fn redline(a: &[Block], b: &[Block], del_cue: &str, ins_cue: &str) -> (String, Stats) {
    let mut budget = PAGE_BUDGET;
    // Blocks are aligned as numbers (equal texts at equal levels, equal numbers): comparing two
    // numbers costs one step, however long the blocks.
    let mut ids: std::collections::HashMap<&Block, u32> = std::collections::HashMap::new();
    let (mut ia, mut ib) = (Vec::with_capacity(a.len()), Vec::with_capacity(b.len()));
    for (side, out) in [(a, &mut ia), (b, &mut ib)] {
        for p in side {
            let next = ids.len() as u32;
            out.push(*ids.entry(p).or_insert(next));
        }
    }
    let ops = myers_within(&ia, &ib, &mut budget)
        .unwrap_or_else(|| a.iter().map(|_| Op::Del).chain(b.iter().map(|_| Op::Ins)).collect());
    let mut html = String::new();
    let mut stats = Stats::default();
    let block = |html: &mut String, level: u8, class: &str, inner: &str| {
        let tag = if (1..=6).contains(&level) { format!("h{level}") } else { "p".to_string() };
        html.push_str(&format!("<{tag} class=\"{class}\">{inner}</{tag}>\n"));
    };
    let (mut i, mut j, mut k) = (0, 0, 0);
    while k < ops.len() {
        if ops[k] == Op::Same {
            block(&mut html, a[i].level, "same", &text(&a[i].text));
            stats.same += 1;
            i += 1;
            j += 1;
            k += 1;
            continue;
        }
        // A run of deletions and insertions: pair them up as changed blocks where they are
        // alike, and show the rest whole.
        let (mut dels, mut inss) = (Vec::new(), Vec::new());
        while k < ops.len() && ops[k] != Op::Same {
            match ops[k] {
                Op::Del => {
                    dels.push(&a[i]);
                    i += 1;
                }
                _ => {
                    inss.push(&b[j]);
                    j += 1;
                }
            }
            k += 1;
        }
        let pairs = dels.len().min(inss.len());
        for p in 0..pairs.max(dels.len()).max(inss.len()) {
            let changed = match (dels.get(p), inss.get(p)) {
                (Some(d), Some(n)) if p < pairs => alike(&d.text, &n.text, &mut budget).map(|segs| (n.level, segs)),
                _ => None,
            };
            if let Some((level, segs)) = changed {
                block(&mut html, level, "changed", &marked(segs, del_cue, ins_cue));
                stats.changed += 1;
                continue;
            }
            if let Some(d) = dels.get(p) {
                block(&mut html, d.level, "deleted", &cued("del", del_cue, &d.text));
                stats.deleted += 1;
            }
            if let Some(n) = inss.get(p) {
                block(&mut html, n.level, "inserted", &cued("ins", ins_cue, &n.text));
                stats.inserted += 1;
            }
        }
    }
    (html, stats)
}

/// `run` inside `<del>` or `<ins>` (`tag`), between an opening and a closing cue.
fn cued(tag: &str, cue: &str, run: &str) -> String {
    format!("<{tag}><span class=\"cue\">〔{cue}〕</span>{}<span class=\"cue\">〔/{cue}〕</span></{tag}>", text(run))
}

fn text(s: &str) -> String {
    escape(s).replace('\n', "<br>")
}

/// The character edits of two paragraphs, as runs, when they are alike: at least a third of the
/// longer one survives. `None` when they are not, or are too long to compare, or the page's
/// budget runs out.
fn alike(a: &str, b: &str, budget: &mut usize) -> Option<Vec<(Op, String)>> {
    if *budget == 0 || a.len() > 4 * MAX_INLINE_CHARS || b.len() > 4 * MAX_INLINE_CHARS {
        return None;
    }
    let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if x.len().max(y.len()) > MAX_INLINE_CHARS {
        return None;
    }
    let ops = myers_within(&x, &y, budget)?;
    let same = ops.iter().filter(|o| **o == Op::Same).count();
    (same * 3 >= x.len().max(y.len())).then(|| cleanup(segments(&x, &y, &ops)))
}

/// Runs of a changed paragraph with `<del>` and `<ins>` around the characters that differ.
fn marked(runs: Vec<(Op, String)>, del_cue: &str, ins_cue: &str) -> String {
    let mut out = String::new();
    for (op, run) in runs {
        match op {
            Op::Same => out.push_str(&text(&run)),
            Op::Del => out.push_str(&cued("del", del_cue, &run)),
            Op::Ins => out.push_str(&cued("ins", ins_cue, &run)),
        }
    }
    out
}

/// The edit script as runs of text.
fn segments(x: &[char], y: &[char], ops: &[Op]) -> Vec<(Op, String)> {
    let (mut i, mut j) = (0, 0);
    let mut out: Vec<(Op, String)> = Vec::new();
    for &op in ops {
        let c = match op {
            Op::Same => {
                i += 1;
                j += 1;
                x[i - 1]
            }
            Op::Del => {
                i += 1;
                x[i - 1]
            }
            Op::Ins => {
                j += 1;
                y[j - 1]
            }
        };
        match out.last_mut() {
            Some((o, run)) if *o == op => run.push(c),
            _ => out.push((op, c.to_string())),
        }
    }
    out
}

/// A minimal script is not the most readable one: `主要街道` → `城市主次干道` comes out as
/// `+城市 主 -要街 +次干 道`. Short common runs caught between changes are folded into the change
/// on both sides (and a common tail given back), so the reader sees `-主要街 +城市主次干 道`.
fn cleanup(segs: Vec<(Op, String)>) -> Vec<(Op, String)> {
    let n = segs.len();
    let short = |k: usize| segs[k].0 == Op::Same && segs[k].1.chars().count() <= 2 && k > 0 && k + 1 < n;
    let mut groups: Vec<(String, String, String)> = Vec::new(); // (deleted, inserted, same after)
    let mut cur = (String::new(), String::new());
    for (k, (op, run)) in segs.iter().enumerate() {
        match op {
            Op::Del => cur.0.push_str(run),
            Op::Ins => cur.1.push_str(run),
            Op::Same if short(k) && (!cur.0.is_empty() || !cur.1.is_empty()) => {
                cur.0.push_str(run);
                cur.1.push_str(run);
            }
            Op::Same => groups.push((std::mem::take(&mut cur.0), std::mem::take(&mut cur.1), run.clone())),
        }
    }
    groups.push((cur.0, cur.1, String::new()));
    let mut out: Vec<(Op, String)> = Vec::new();
    for (d, i, same) in groups {
        // A fold may have taken common text at the ends of both sides back: give it back.
        let (d, i, tail) = trim_common_tail(d, i);
        for (op, run) in [(Op::Del, d), (Op::Ins, i), (Op::Same, tail), (Op::Same, same)] {
            if run.is_empty() {
                continue;
            }
            match out.last_mut() {
                Some((o, r)) if *o == op && op == Op::Same => r.push_str(&run),
                _ => out.push((op, run)),
            }
        }
    }
    out
}

fn trim_common_tail(d: String, i: String) -> (String, String, String) {
    let (dc, ic): (Vec<char>, Vec<char>) = (d.chars().collect(), i.chars().collect());
    let k = dc.iter().rev().zip(ic.iter().rev()).take_while(|(a, b)| a == b).count();
    if k == dc.len() || k == ic.len() {
        return (d, i, String::new());
    }
    (dc[..dc.len() - k].iter().collect(), ic[..ic.len() - k].iter().collect(), dc[dc.len() - k..].iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply<T: Clone + PartialEq>(a: &[T], b: &[T], ops: &[Op]) -> (Vec<T>, Vec<T>) {
        let (mut i, mut j, mut old, mut new) = (0, 0, Vec::new(), Vec::new());
        for op in ops {
            match op {
                Op::Same => {
                    assert!(a[i] == b[j]);
                    old.push(a[i].clone());
                    new.push(b[j].clone());
                    i += 1;
                    j += 1;
                }
                Op::Del => {
                    old.push(a[i].clone());
                    i += 1;
                }
                Op::Ins => {
                    new.push(b[j].clone());
                    j += 1;
                }
            }
        }
        (old, new)
    }

    fn paras(md: &str) -> Vec<Block> {
        crate::markdown::leveled_blocks(md, &|_| true)
    }

    fn del(cue: &str, run: &str) -> String {
        format!("<del><span class=\"cue\">〔{cue}〕</span>{run}<span class=\"cue\">〔/{cue}〕</span></del>")
    }

    fn ins(cue: &str, run: &str) -> String {
        format!("<ins><span class=\"cue\">〔{cue}〕</span>{run}<span class=\"cue\">〔/{cue}〕</span></ins>")
    }

    #[test]
    fn myers_scripts_rebuild_both_sides_and_are_minimal() {
        let cases = [
            ("", ""),
            ("abc", ""),
            ("", "abc"),
            ("abcabba", "cbabac"),
            ("第五条罚款五千元", "第五条罚款一万元"),
            ("aaaa", "aaab"),
        ];
        for (a, b) in cases {
            let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            let ops = myers(&x, &y).unwrap();
            assert_eq!(apply(&x, &y, &ops), (x.clone(), y.clone()), "{a} → {b}");
        }
        let (x, y): (Vec<char>, Vec<char>) = ("abcabba".chars().collect(), "cbabac".chars().collect());
        assert_eq!(myers(&x, &y).unwrap().iter().filter(|o| **o != Op::Same).count(), 5);
        // Pseudo-random texts over a small alphabet, so that edits interleave with matches.
        let mut seed = 7u32;
        let mut text = |n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    b"abc"[(seed >> 16) as usize % 3]
                })
                .collect()
        };
        for n in [1, 5, 40, 300] {
            let (x, y) = (text(n), text(n + n / 3));
            let ops = myers(&x, &y).unwrap();
            assert_eq!(apply(&x, &y, &ops), (x.clone(), y.clone()), "{n}");
        }
    }

    #[test]
    fn too_many_edits_give_up_quickly() {
        let (x, y) = (vec![b'a'; 5000], vec![b'b'; 5000]);
        assert_eq!(myers(&x, &y), None);
        let (x, y) = (vec![b'a'; 900], vec![b'b'; 900]);
        assert!(myers(&x, &y).is_some(), "1,800 edits are within the limit");
    }

    #[test]
    fn redline_marks_inserted_sentence_deleted_clause_and_changed_number() {
        let old = "## 第一条\n\n为了规范管理，制定本办法。\n\n第二条 违反规定的，处五千元罚款。\n\n第三条 本办法由市司法局负责解释。\n";
        let new = "## 第一条\n\n为了规范管理，保障公众权益，制定本办法。\n\n第二条 违反规定的，处一万元罚款。\n\n第四条 本办法自公布之日起施行。\n";
        let (html, stats) = redline(&paras(old), &paras(new), "删除", "新增");
        assert!(html.contains(&ins("新增", "保障公众权益，")), "{html}");
        assert!(html.contains(&format!("{}{}", del("删除", "五千"), ins("新增", "一万"))), "{html}");
        assert!(html.contains("<h2 class=\"same\">第一条</h2>"), "a heading stays a heading: {html}");
        assert_eq!(stats.same, 1);
        assert!(stats.changed >= 2, "{stats:?}");
    }

    #[test]
    fn short_common_runs_between_changes_are_folded_into_the_change() {
        let html = marked(alike("主要街道两侧", "城市主次干道两侧", &mut PAGE_BUDGET.clone()).unwrap(), "删", "增");
        assert_eq!(html, format!("{}{}道两侧", del("删", "主要街"), ins("增", "城市主次干")));
    }

    /// The old and the new paragraphs a redline shows: unchanged text and `<del>` for the old,
    /// unchanged text and `<ins>` for the new.
    fn sides(html: &str, del_cue: &str, ins_cue: &str) -> (Vec<String>, Vec<String>) {
        let (mut old, mut new) = (Vec::new(), Vec::new());
        for line in html.lines() {
            let mut line = line.to_string();
            for cue in [del_cue, ins_cue] {
                line = line
                    .replace(&format!("<span class=\"cue\">〔{cue}〕</span>"), "")
                    .replace(&format!("<span class=\"cue\">〔/{cue}〕</span>"), "");
            }
            let (mut o, mut n, mut in_del, mut in_ins) = (String::new(), String::new(), false, false);
            let mut rest = line.as_str();
            while !rest.is_empty() {
                if rest.starts_with('<') {
                    let end = rest.find('>').unwrap() + 1;
                    match &rest[..end] {
                        "<del>" => in_del = true,
                        "</del>" => in_del = false,
                        "<ins>" => in_ins = true,
                        "</ins>" => in_ins = false,
                        "<br>" => {
                            o.push('\n');
                            n.push('\n');
                        }
                        t => assert!(
                            t.starts_with("<p ") || t == "</p>" || t.starts_with("<h") || t.starts_with("</h"),
                            "unexpected tag {t}"
                        ),
                    }
                    rest = &rest[end..];
                    continue;
                }
                let end = rest.find('<').unwrap_or(rest.len());
                let piece = rest[..end]
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&amp;", "&");
                if !in_ins {
                    o.push_str(&piece);
                }
                if !in_del {
                    n.push_str(&piece);
                }
                rest = &rest[end..];
            }
            let class = line.split('"').nth(1).unwrap_or("");
            if class != "inserted" {
                old.push(o);
            }
            if class != "deleted" {
                new.push(n);
            }
        }
        (old, new)
    }

    #[test]
    fn redlines_of_huge_unrelated_texts_are_bounded_and_still_true() {
        let mut seed = 11u32;
        let mut text = |alphabet: &[char], n: usize| -> String {
            (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    alphabet[(seed >> 16) as usize % alphabet.len()]
                })
                .collect()
        };
        // About 5 MB a side: 5,000 unrelated paragraphs (each pair would take hundreds of
        // thousands of steps to compare), one paragraph of 600,000 characters, and a few the same.
        let common: Vec<char> = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所".chars().collect();
        let mut side = |giant: &[char]| -> Vec<String> {
            let mut v: Vec<String> = (0..5_000).map(|_| text(&common, 260)).collect();
            v.insert(2_500, text(giant, 600_000));
            v.insert(100, "第一条 <总则> & 目的".into());
            v.push("附则".into());
            v
        };
        let (a, b) = (side(&['子', '丑', '寅']), side(&['卯', '辰', '巳']));
        assert!(a.iter().map(String::len).sum::<usize>() > 4_000_000);
        let plain = |v: &[String]| -> Vec<Block> { v.iter().map(|t| Block { level: 0, text: t.clone() }).collect() };
        let start = std::time::Instant::now();
        let (html, stats) = redline(&plain(&a), &plain(&b), "删除", "新增");
        let took = start.elapsed();
        assert!(took < std::time::Duration::from_secs(20), "{took:?}");
        assert_eq!(sides(&html, "删除", "新增"), (a.clone(), b.clone()));
        assert!(stats.changed > 0 && stats.deleted > 0 && stats.inserted > 0, "{stats:?}");
        eprintln!("{took:?} {stats:?}");
    }

    #[test]
    fn past_the_bounds_a_paragraph_is_shown_whole() {
        assert!(alike("甲乙丙丁", "甲乙丙戊", &mut 3).is_none(), "no budget left");
        assert!(alike("甲乙丙丁", "甲乙丙戊", &mut 100).is_some());
        let long = "甲".repeat(MAX_INLINE_CHARS + 1);
        assert!(alike(&long, &format!("{long}乙"), &mut PAGE_BUDGET.clone()).is_none(), "too long to compare");
    }

    #[test]
    fn unrelated_paragraphs_are_shown_whole() {
        let (html, stats) = redline(&paras("甲乙丙丁戊己庚辛。"), &paras("子丑寅卯辰巳午未。"), "删除", "新增");
        assert_eq!((stats.deleted, stats.inserted), (1, 1), "{html}");
    }
}

#[cfg(test)]
mod marks {
    use super::*;

    fn blocks(md: &str) -> Vec<Block> {
        crate::markdown::leveled_blocks(md, &|_| true)
    }

    #[test]
    fn a_deleted_numeral_is_bracketed_by_cues_and_headings_stay_headings() {
        let old = "## 第二章　管理\n\n### 第三条　期限\n\n期限为二年，罚款一千元。\n\n### 第四条　废止\n\n本条删去。\n";
        let new = "## 第二章　管理\n\n### 第三条　期限\n\n期限为三年，罚款一万元。\n";
        let (html, stats) = redline(&blocks(old), &blocks(new), "删除", "新增");
        assert!(html.contains("<h2 class=\"same\">第二章　管理</h2>"), "{html}");
        assert!(html.contains("<h3 class=\"same\">第三条　期限</h3>"), "{html}");
        assert!(
            html.contains("<del><span class=\"cue\">〔删除〕</span>二<span class=\"cue\">〔/删除〕</span></del>"),
            "{html}"
        );
        assert!(
            html.contains("<ins><span class=\"cue\">〔新增〕</span>三<span class=\"cue\">〔/新增〕</span></ins>"),
            "{html}"
        );
        // A deleted article keeps its heading level.
        assert!(html.contains("<h3 class=\"deleted\"><del><span class=\"cue\">〔删除〕</span>第四条　废止"), "{html}");
        assert!(html.contains("<p class=\"deleted\"><del>"), "{html}");
        assert_eq!((stats.same, stats.changed, stats.deleted), (2, 1, 2), "{stats:?}");
    }
}
