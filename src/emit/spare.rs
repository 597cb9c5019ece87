//! Spare copies of the output's largest files, made under `serve` between edits.
//!
//! An edit changes a row of each open-data table and a few lines of the seal's two lists, but
//! each of those files is replaced whole: the output keeps serving the old one until the new one
//! is moved into place. At 50,000 records that is 160 MB written on every rebuild, most of it
//! bytes the file already had. After a rebuild, while the editor is still reading, `serve` copies
//! each such file into a folder beside the output ([`Spares::path`]); the next rebuild takes the
//! copy into its staging folder and writes only what changed in it, in place. A copy is taken
//! only while it is, to the byte, the file the output holds: it was copied from that file while
//! the file was as the build left it (its size and stamp), and is still as it was copied.

use super::stamp_of;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The spare copies of one `serve` session.
#[derive(Default)]
pub(crate) struct Spares {
    state: Mutex<State>,
    /// How many were taken.
    taken: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct State {
    /// The output folder, and the folder of spares beside it.
    at: Option<(PathBuf, PathBuf)>,
    /// Whether the folder of spares was cleared of what an earlier session left in it.
    cleared: bool,
    /// The files of the output wanted as spares, as the last build left them.
    wanted: Vec<Wanted>,
    /// The spares made, by path in the output.
    made: HashMap<String, Spare>,
    /// The number in the name of the next spare.
    next: u64,
    /// The folder of spares is removed if a signal stops `serve`.
    scratch: Option<super::interrupt::Scratch>,
}

/// A file of the output, as the build that wrote it left it.
#[derive(Clone, Debug)]
pub(crate) struct Wanted {
    /// Its path in the output.
    pub(crate) rel: String,
    /// What identifies its bytes: the SHA-256 of the file, or of what they are made from.
    pub(crate) id: [u8; 32],
    /// Its size.
    pub(crate) size: u64,
    /// Its stamp in the output (see `stamp_of`).
    pub(crate) stamp: u64,
}

impl Wanted {
    /// The file at `rel` in output folder `out` as it is now, known by `id`.
    pub(crate) fn of(out: &Path, rel: &str, id: [u8; 32]) -> Option<Wanted> {
        let m = std::fs::metadata(out.join(rel)).ok()?;
        Some(Wanted { rel: rel.to_string(), id, size: m.len(), stamp: stamp_of(&m)? })
    }
}

/// A spare made.
struct Spare {
    path: PathBuf,
    /// The [`Wanted::id`] of the file it was copied from.
    id: [u8; 32],
    size: u64,
    /// The spare's own stamp once copied.
    stamp: u64,
}

/// Bytes copied between two checks of whether the copying should stop.
const STEP: u64 = 8 << 20;

impl Spares {
    /// The folder of spares of output folder `out`, beside it, on the same file system, so that
    /// a spare is moved into the staging folder rather than copied.
    pub(crate) fn path(out: &Path) -> PathBuf {
        let staging = super::Staging::path(out);
        let name = staging.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        staging.with_file_name(name.replace("gongbao-staging", "gongbao-spare"))
    }

    /// Notes the files of output folder `out` to keep spares of, as the build that just wrote
    /// them left them; [`Spares::make`] makes them later.
    pub(crate) fn want(&self, out: &Path, wanted: Vec<Wanted>) {
        let Ok(mut s) = self.state.lock() else { return };
        let at = (out.to_path_buf(), Spares::path(out));
        if s.at.as_ref() != Some(&at) {
            for (_, spare) in s.made.drain() {
                let _ = std::fs::remove_file(spare.path);
            }
            s.cleared = false;
            s.scratch = Some(super::interrupt::scratch(&at.1));
            s.at = Some(at);
        }
        s.wanted = wanted;
    }

    /// Removes the spares of bytes no longer wanted, then makes those wanted that are not made
    /// yet, while `go_on` says so. Spares already made of the same bytes are kept.
    pub(crate) fn make(&self, go_on: &dyn Fn() -> bool) {
        let (wanted, out, dir) = {
            let Ok(mut s) = self.state.lock() else { return };
            let Some((out, dir)) = s.at.clone() else { return };
            if !s.cleared {
                // What another session left (a `serve` stopped by a signal leaves its spares).
                let _ = std::fs::remove_dir_all(&dir);
                s.cleared = true;
            }
            let wanted = s.wanted.clone();
            // A spare of bytes the output no longer holds goes first: after a record is
            // withheld, the last copy of a table that showed it is not kept while others are made.
            let gone: Vec<String> = s
                .made
                .iter()
                .filter(|(r, m)| !wanted.iter().any(|w| &w.rel == *r && w.id == m.id))
                .map(|(r, _)| r.clone())
                .collect();
            for rel in gone {
                if let Some(spare) = s.made.remove(&rel) {
                    let _ = std::fs::remove_file(spare.path);
                }
            }
            (wanted, out, dir)
        };
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        for w in wanted {
            if !go_on() {
                return;
            }
            let name = {
                let Ok(mut s) = self.state.lock() else { return };
                if s.made.get(&w.rel).is_some_and(|m| m.id == w.id) {
                    continue;
                }
                s.next += 1;
                dir.join(format!("{}", s.next))
            };
            let Some(stamp) = copy(&out.join(&w.rel), &name, &w, go_on) else {
                let _ = std::fs::remove_file(&name);
                continue;
            };
            let Ok(mut s) = self.state.lock() else { return };
            // A build begun meanwhile may have replaced the file: it wants its own spare.
            if !go_on() {
                drop(s);
                let _ = std::fs::remove_file(&name);
                return;
            }
            let spare = Spare { path: name, id: w.id, size: w.size, stamp };
            if let Some(old) = s.made.insert(w.rel, spare) {
                let _ = std::fs::remove_file(old.path);
            }
        }
    }

    /// The spare of the file at `rel` whose bytes are `id`, moved to `into` and opened to be
    /// written, when there is one, still as it was copied. Taken or not, it is no longer a spare.
    pub(crate) fn take(&self, rel: &str, id: &[u8; 32], into: &Path) -> Option<std::fs::File> {
        let spare = self.state.lock().ok()?.made.remove(rel)?;
        let file = (spare.id == *id)
            .then(|| std::fs::OpenOptions::new().read(true).write(true).open(&spare.path).ok())
            .flatten()
            .filter(|f| {
                f.metadata().is_ok_and(|m| m.is_file() && m.len() == spare.size && stamp_of(&m) == Some(spare.stamp))
            });
        let moved = file.is_some()
            && into.parent().is_none_or(|p| std::fs::create_dir_all(p).is_ok())
            && std::fs::rename(&spare.path, into).is_ok();
        if !moved {
            let _ = std::fs::remove_file(&spare.path);
            return None;
        }
        self.taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        file
    }

    /// How many spares were taken.
    pub(crate) fn taken(&self) -> u64 {
        self.taken.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Copies the file at `from` to `to` (in the kernel, `copy_file_range`, never read into memory),
/// when it is `w` and stays so while copied, and while `go_on` says so; returns the copy's stamp.
fn copy(from: &Path, to: &Path, w: &Wanted, go_on: &dyn Fn() -> bool) -> Option<u64> {
    use std::io::Read;
    let source = std::fs::File::open(from).ok()?;
    let as_left = |f: &std::fs::File| {
        f.metadata().is_ok_and(|m| m.is_file() && m.len() == w.size && stamp_of(&m) == Some(w.stamp))
    };
    if !as_left(&source) {
        return None;
    }
    let mut copy = std::fs::File::create(to).ok()?;
    let mut done = 0;
    while done < w.size {
        if !go_on() {
            return None;
        }
        let n = std::io::copy(&mut (&source).take(STEP), &mut copy).ok()?;
        if n == 0 {
            return None;
        }
        done += n;
    }
    if done != w.size || !as_left(&source) {
        return None;
    }
    let m = copy.metadata().ok()?;
    (m.len() == w.size).then_some(())?;
    stamp_of(&m)
}

#[cfg(test)]
mod tests {
    use super::{Spares, Wanted};

    #[test]
    fn a_spare_is_taken_only_while_it_is_the_file_it_was_copied_from() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("www");
        let rel = "data/t.json";
        std::fs::create_dir_all(out.join("data")).unwrap();
        let bytes: Vec<u8> = (0..(20u32 << 20)).map(|k| (k % 251) as u8).collect();
        std::fs::write(out.join(rel), &bytes).unwrap();
        let id = [7; 32];
        let into = tmp.path().join("staging").join(rel);
        let spares = Spares::default();
        let want = || spares.want(&out, vec![Wanted::of(&out, rel, id).unwrap()]);
        want();
        // Told to stop before it begins, it makes nothing.
        spares.make(&|| false);
        assert!(spares.take(rel, &id, &into).is_none(), "made while told to stop");
        spares.make(&|| true);
        assert!(Spares::path(&out).is_dir(), "beside the output");
        assert!(spares.take(rel, &[8; 32], &into).is_none(), "taken for other bytes");
        assert!(spares.take(rel, &id, &into).is_none(), "a spare asked for other bytes is let go");
        spares.make(&|| true);
        assert!(spares.take(rel, &id, &into).is_some());
        assert_eq!(std::fs::read(&into).unwrap(), bytes, "the spare is the file");
        assert!(spares.take(rel, &id, &into).is_none(), "taken twice");
        assert_eq!(spares.taken(), 1);
        // Changed after it was copied: not taken.
        spares.make(&|| true);
        let spare = std::fs::read_dir(Spares::path(&out)).unwrap().next().unwrap().unwrap().path();
        let mut changed = std::fs::read(&spare).unwrap();
        changed[5] ^= 1;
        std::fs::write(&spare, &changed).unwrap();
        assert!(spares.take(rel, &id, &into).is_none(), "a spare changed since it was copied");
        assert!(!spare.exists(), "and removed");
        // The output's file changed after the build left it: no spare is made of it.
        std::fs::write(out.join(rel), b"other").unwrap();
        spares.make(&|| true);
        assert!(spares.take(rel, &id, &into).is_none(), "copied from a file the build did not leave");
        // Of bytes no longer wanted: removed, even by a making that stops at once.
        std::fs::write(out.join(rel), &bytes).unwrap();
        want();
        spares.make(&|| true);
        spares.want(&out, vec![Wanted { id: [9; 32], ..Wanted::of(&out, rel, id).unwrap() }]);
        spares.make(&|| false);
        assert_eq!(std::fs::read_dir(Spares::path(&out)).unwrap().count(), 0, "a spare of other bytes is kept");
        // No longer wanted: removed.
        want();
        spares.make(&|| true);
        spares.want(&out, Vec::new());
        spares.make(&|| true);
        assert_eq!(std::fs::read_dir(Spares::path(&out)).unwrap().count(), 0, "a spare not wanted is kept");
    }
}
