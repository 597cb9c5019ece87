//! What a build would write (family "outputs"): no name longer than a file system takes, and no
//! two things at one path. Checked here, on the records, so that `check` reports what `build`
//! would otherwise meet only while writing.

use super::err;
use crate::corpus::Corpus;
use crate::model::Disclosure;
use crate::model::diag::{Diagnostic, Pos};
use crate::model::rules;
use crate::msg;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// One path a record writes into the output, with where in its file it comes from and which
/// setting made it (for messages).
struct Output {
    path: String,
    record: usize,
    pos: Pos,
    /// What is written there.
    what: Written,
}

/// What a record writes at a path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Written {
    /// A page of its own (document, `text.md`, version, redline).
    Page,
    /// One of its files (listed and linked, it is still one file).
    File,
    /// A browse list, which several records share.
    List,
}

/// The paths record `r` (index `i`) would write, in a fixed order, so that one can be found
/// again by its place in the list: its page, texts and redlines, its files, then the browse
/// lists it joins ([`list_outputs`]).
fn record_outputs(c: &Corpus, i: usize) -> Vec<Output> {
    let mut all = own_outputs(c, i);
    list_outputs(&c.records[i], |facet, labels, pos| {
        all.push(Output { path: list_path(facet, labels), record: i, pos, what: Written::List })
    });
    all
}

/// The paths only record `i` writes: its page, texts and redlines, its files.
fn own_outputs(c: &Corpus, i: usize) -> Vec<Output> {
    let r = &c.records[i];
    let mut all = Vec::new();
    let id_pos = r.pos("id");
    let mut add = |path: String, pos: Pos, what: Written| all.push(Output { path, record: i, pos, what });
    add(format!("{}/index.html", crate::route::record_dir(r)), id_pos, Written::Page);
    add(crate::route::text_md(r), id_pos, Written::Page);
    let mut dates: Vec<crate::model::date::Date> = c.all_versions[i].iter().map(|v| v.date).collect();
    if !dates.is_empty() {
        dates.push(c.text_date(i));
        dates.sort();
        dates.dedup();
        let last = dates[dates.len() - 1];
        for (k, &d) in dates.iter().enumerate() {
            add(format!("{}/index.html", crate::route::version_dir(r, d)), id_pos, Written::Page);
            if let Some(&next) = dates.get(k + 1) {
                add(format!("{}/index.html", crate::route::diff_dir(r, d, next)), id_pos, Written::Page);
                if next != last {
                    add(format!("{}/index.html", crate::route::diff_dir(r, d, last)), id_pos, Written::Page);
                }
            }
        }
    }
    for (f, pos) in crate::corpus::named_files(r) {
        if let Ok(p) = c.own_file(r, f) {
            add(crate::route::file_dest(r, &p), pos, Written::File);
        }
    }
    all
}

/// Every list folder a record's page joins, the first level of a topic too (`Abc\\X` and `abc`
/// clash on a file system that ignores case), with the place of the field that puts it there.
fn list_outputs<'r>(r: &'r crate::source::parse::Record, mut add: impl FnMut(&'static str, &[&'r str], Pos)) {
    r.lists_joined(|facet, labels| add(facet, labels, r.pos(facet)));
}

fn list_path(facet: &str, labels: &[&str]) -> String {
    format!("{}/index.html", crate::route::list_dir(facet, labels))
}

/// Where an output is: its record and its place in [`record_outputs`] of that record.
type At = (u32, u32);

/// Folded paths by a 128-bit hash with keys drawn for this run, so that the check holds 16
/// bytes per path rather than the path (at a national scale, a million paths and 180 MB as
/// strings). Two paths with one hash would be taken for one: with random keys, about one
/// chance in 2^100 for a million paths.
struct Keys(std::hash::RandomState, std::hash::RandomState);

impl Keys {
    fn of(&self, s: &str) -> u128 {
        self.with_folders(s, |_| {})
    }

    /// The key of `path`, and of each folder above it in order (`a`, `a/b` for `a/b/c`), in one
    /// pass over its bytes: each folder's key is the state of the hashers at its end, finished
    /// as a whole path's would be. Hashing each folder afresh hashed a path's bytes once per
    /// folder above them.
    fn with_folders(&self, path: &str, mut folder: impl FnMut(u128)) -> u128 {
        use std::hash::{BuildHasher, Hasher};
        let (mut a, mut b) = (self.0.build_hasher(), self.1.build_hasher());
        let end = |mut a: std::hash::DefaultHasher, mut b: std::hash::DefaultHasher| {
            // The end of a name: no path holds this byte, so no key is another's prefix.
            a.write_u8(0xff);
            b.write_u8(0xff);
            (u128::from(a.finish()) << 64) | u128::from(b.finish())
        };
        let mut from = 0;
        for (cut, _) in path.match_indices('/') {
            a.write(&path.as_bytes()[from..cut]);
            b.write(&path.as_bytes()[from..cut]);
            folder(end(a.clone(), b.clone()));
            from = cut;
        }
        a.write(&path.as_bytes()[from..]);
        b.write(&path.as_bytes()[from..]);
        end(a, b)
    }

    /// What the check keeps of an output at `path`.
    fn keyed(&self, path: &str, what: Written) -> Keyed {
        let folded = crate::route::fold(path);
        let mut dirs = Vec::new();
        let key = self.with_folders(&folded, |d| dirs.push(d));
        let raw = if folded == path { key } else { self.of(path) };
        Keyed { key, raw, what, dirs: dirs.into() }
    }
}

/// Sets and maps keyed by those hashes, which are random already: hashing them again (as the
/// standard hasher would, twice per folder of every path) was most of this check's time.
#[derive(Default, Clone, Copy)]
struct Taken(u64);

impl std::hash::Hasher for Taken {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `u128` keys are hashed here; anything else is mixed in plainly.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 ^= n as u64;
    }
}

type Fast = std::hash::BuildHasherDefault<Taken>;

/// What the check keeps of one output path.
#[derive(Clone)]
struct Keyed {
    /// The hash of the folded path, and of the path as written (a shared list is the same list
    /// only when written alike).
    key: u128,
    raw: u128,
    what: Written,
    /// The hashes of the folded folders above it.
    dirs: std::sync::Arc<[u128]>,
}

/// Records whose paths are made and hashed at a time, in parallel; then they are taken in order.
const CHUNK: usize = 4096;

/// Every path each public record would write, whatever the build date: its page, texts and
/// redlines, its files, the browse lists it joins. Each is checked as `build` would meet it:
/// no name longer than a file system takes, and no two things at one path (after case and
/// Unicode folding, and a file where another needs a folder). The paths are made and hashed a
/// chunk of records at a time; only their hashes are kept, and a path named in a message is
/// made again.
pub(super) fn outputs(c: &Corpus) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let keys = Keys(std::hash::RandomState::new(), std::hash::RandomState::new());
    // The records checked: public ones, the first of each folded id.
    let ids: Vec<Option<u128>> = c
        .records
        .par_iter()
        .map(|r| (r.disclosure == Disclosure::Public).then(|| keys.of(&crate::route::fold(&r.id))))
        .collect();
    let mut seen: HashSet<u128, Fast> = HashSet::default();
    let checked: Vec<usize> =
        ids.iter().enumerate().filter_map(|(i, k)| k.filter(|k| seen.insert(*k)).map(|_| i)).collect();
    drop((ids, seen));
    // The first output at each folded path, with its path's hash and kind; every folded folder
    // some path needs; files found where an earlier path needed a folder.
    let mut owner: HashMap<u128, (At, u128, Written), Fast> = HashMap::default();
    let mut folders: HashSet<u128, Fast> = HashSet::default();
    let mut late: HashMap<u128, At, Fast> = HashMap::default();
    let again = |(i, k): At| record_outputs(c, i as usize).swap_remove(k as usize);
    // A file where another path needs a folder: told once per record and file, however many of
    // the record's paths (its page, its text.md, its versions) lie below it.
    let mut told: HashSet<(u32, At)> = HashSet::new();
    let mut below = |o: At, file: At, out: &mut Vec<Diagnostic>| {
        if told.insert((o.0, file)) {
            out.push(clash(c, &again(o), &again(file)));
        }
    };
    // First come, first served, in path order of the records; a shared list clashes only with a
    // path that is not the same list.
    for chunk in checked.chunks(CHUNK) {
        // A browse list is joined by thousands of records: each thread makes its path and keys
        // once, and says once whether the path is too long.
        type Lists<'r> = HashMap<(&'static str, Vec<&'r str>), (Keyed, bool)>;
        let keyed: Vec<(Vec<Keyed>, Vec<Diagnostic>)> = chunk
            .par_iter()
            .map_init(Lists::new, |lists, &i| {
                let mut long = Vec::new();
                let mut ks: Vec<Keyed> = own_outputs(c, i)
                    .into_iter()
                    .map(|o| {
                        long.extend(too_long(c, &o));
                        keys.keyed(&o.path, o.what)
                    })
                    .collect();
                list_outputs(&c.records[i], |facet, labels, pos| {
                    let (k, too) = lists.entry((facet, labels.to_vec())).or_insert_with(|| {
                        let path = list_path(facet, labels);
                        let too = too_long_path(&path);
                        (keys.keyed(&path, Written::List), too)
                    });
                    if *too {
                        let o = Output { path: list_path(facet, labels), record: i, pos, what: Written::List };
                        long.extend(too_long(c, &o));
                    }
                    ks.push(k.clone());
                });
                (ks, long)
            })
            .collect();
        for (&i, (ks, long)) in chunk.iter().zip(keyed) {
            out.extend(long);
            for (k, o) in ks.into_iter().enumerate() {
                let at = (i as u32, k as u32);
                match owner.get(&o.key) {
                    None => {
                        owner.insert(o.key, (at, o.raw, o.what));
                        if folders.contains(&o.key) {
                            late.insert(o.key, at);
                        }
                    }
                    Some(&(first, raw, what)) => {
                        let same = raw == o.raw
                            && what == o.what
                            && (what == Written::List || (what == Written::File && first.0 == at.0));
                        if !same {
                            out.push(clash(c, &again(at), &again(first)));
                        }
                    }
                }
                for &dir in o.dirs.iter() {
                    folders.insert(dir);
                    if let Some(&(file, ..)) = owner.get(&dir) {
                        below(at, file, &mut out);
                    }
                }
            }
        }
    }
    // Files that came after paths below them: one more pass finds those paths (however many
    // such files there are).
    if !late.is_empty() {
        for &i in &checked {
            for (k, o) in record_outputs(c, i).into_iter().enumerate() {
                keys.with_folders(&crate::route::fold(&o.path), |dir| {
                    if let Some(&file) = late.get(&dir) {
                        below((i as u32, k as u32), file, &mut out);
                    }
                });
            }
        }
    }
    out
}

/// `path-too-long` for an output with a name longer than file systems take.
fn too_long(c: &Corpus, o: &Output) -> Option<Diagnostic> {
    if !too_long_path(&o.path) {
        return None;
    }
    let total = o.path.len() + crate::route::HANT.len() + 1;
    if total > crate::route::MAX_PATH {
        let (n, max, shown) = (o.path.len(), crate::route::MAX_PATH, o.path.chars().take(40).collect::<String>());
        return Some(err(
            &c.records[o.record],
            &rules::PATH_TOO_LONG,
            o.pos,
            msg!(
                "输出路径 `{shown}…` 有 {n} 字节，加上繁体页面的前缀后超过允许的 {max} 字节",
                "the output path `{shown}…` is {n} bytes long; with the prefix of the Traditional page it is over the {max} allowed"
            ),
            msg!("缩短 id、发布机构、主题或文件名", "shorten the id, issuer, topic or file name"),
        ));
    }
    let seg = o.path.split('/').find(|s| s.len() > crate::route::MAX_SEGMENT)?;
    let (n, max, shown) = (seg.len(), crate::route::MAX_SEGMENT, seg.chars().take(24).collect::<String>());
    Some(err(
        &c.records[o.record],
        &rules::PATH_TOO_LONG,
        o.pos,
        msg!(
            "输出路径中的名称 `{shown}…` 有 {n} 字节，超过文件系统允许的 {max} 字节",
            "the name `{shown}…` in an output path is {n} bytes long; file systems allow {max}"
        ),
        msg!("缩短 id、发布机构、主题或文件名", "shorten the id, issuer, topic or file name"),
    ))
}

/// Whether `path` is longer than file systems take, or holds a name that is.
fn too_long_path(path: &str) -> bool {
    path.len() + crate::route::HANT.len() + 1 > crate::route::MAX_PATH
        || path.split('/').any(|s| s.len() > crate::route::MAX_SEGMENT)
}

fn clash(c: &Corpus, o: &Output, first: &Output) -> Diagnostic {
    let (path, other, other_path) = (&o.path, &c.records[first.record].file, &first.path);
    err(
        &c.records[o.record],
        &rules::OUTPUT_CLASH,
        o.pos,
        msg!(
            "本记录要写入 {path}，与 {other} 写入的 {other_path} 冲突（同一路径，或仅大小写不同，或文件与目录同名）",
            "this record would write {path}, which clashes with {other_path} written by {other} (the same path, one differing only in case, or a file where a folder must be)"
        ),
        msg!("修改 id 或附件文件名，使两者不再重合", "change the id or the file name so that the two no longer meet"),
    )
    .redacted_if(c.records[first.record].disclosure != crate::model::Disclosure::Public)
}
