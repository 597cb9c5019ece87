//! Stage 9, `deploy`: publishing a sealed tree to object storage, in an order that a reader of
//! the published copy never sees half-done. Like `package`, it reads only the sealed tree.
//!
//! The store is reached through [`Store`], which the command implements over an S3 client: no
//! network code lives in the stages. What is there is learnt from the store's listing, whose
//! entity tag of a whole-object upload is the MD5 of its bytes, not from the remote manifest
//! alone: after an interrupted deploy the remote manifest may be gone, and objects may already
//! hold bytes that no manifest describes. Each object also carries its SHA-256 in metadata
//! (`x-amz-meta-sha256`), read where the entity tag is not an MD5.
//!
//! The order ([`plan::Plan`]): files that pages use (assets, data, texts), then pages, deepest
//! first (a record's page before the lists that link to it), then feeds and the sitemap that
//! announce them, then `manifest.json`, `SHA256SUMS` and its signature. Before the first object
//! that the published seal describes is overwritten, the seal is withdrawn (signature, sums,
//! manifest), so that at no moment does a published manifest describe bytes that are not
//! there; stale objects are deleted only once the new seal is in place.
//!
//! A CDN in front of the store may serve what it fetched before the deploy: the command writes
//! the addresses to purge once the deploy is done. So that a deploy cut off (killed, the store
//! or network gone) and run again still names what the first run changed (objects it already
//! wrote are not sent again, so the second plan alone would miss them), the paths a deploy is
//! about to change are stored first, below the prefix at [`PENDING`]; a later run adds them to
//! its own and removes the list once its addresses are written ([`settle`]).
//!
//! Only objects gongbao put there are ever deleted ([`plan`]): those the store's manifest lists,
//! and those that carry the SHA-256 gongbao stores with every upload, which stays with the object
//! when a deploy is cut off after withdrawing the old manifest. An object of anyone else's under
//! the prefix is left alone.

pub(crate) mod headers;
pub(crate) mod plan;

use sha2::Digest;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Below the prefix, while a deploy is under way or after one was cut off: the paths it
/// changes, one a line. No output path begins with a dot (a folder's name that does is written
/// `%2E…`), so it is no file of the site; it is left out of every listing of the site's objects.
pub(crate) const PENDING: &str = ".gongbao/purge-pending.txt";

/// The paths the store's [`PENDING`] lists, `None` when there is none. A line that is no plain
/// relative path (not written by gongbao) is ignored.
pub(crate) fn read_pending(store: &dyn Store) -> Result<Option<Vec<String>>, StoreError> {
    let Some(bytes) = store.get(PENDING)? else { return Ok(None) };
    let text = String::from_utf8_lossy(&bytes);
    let plain = |p: &&str| {
        !p.is_empty()
            && !p.starts_with('/')
            && !p.chars().any(char::is_control)
            && p.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
    };
    Ok(Some(text.lines().filter(plain).map(String::from).collect()))
}

/// After a deploy is done and its addresses to purge are written: removes the store's
/// [`PENDING`], when there is one.
pub(crate) fn settle(plan: &plan::Plan, store: &dyn Store, keep_stale: bool) -> Result<(), StoreError> {
    match plan.pending.is_some() || plan.changes_store(keep_stale) {
        true => store.delete(PENDING),
        false => Ok(()),
    }
}

/// An object under the target's prefix, as the store lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Remote {
    /// The path below the prefix (`docs/x/index.html`).
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// The entity tag, without quotes.
    pub etag: String,
}

/// What a store can fail with.
#[derive(Debug)]
pub(crate) enum StoreError {
    /// The store refused the credentials or the request's signature, or the key may not do this.
    Denied(String),
    /// The bucket does not exist.
    NoBucket(String),
    /// The store could not be reached, or the connection broke.
    Unreachable(String),
    /// Any other answer.
    Other(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Denied(m) | StoreError::NoBucket(m) | StoreError::Unreachable(m) | StoreError::Other(m) => {
                f.write_str(m)
            }
        }
    }
}

/// The headers an object is stored with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Put<'a> {
    /// `Content-Type`.
    pub content_type: &'a str,
    /// `Cache-Control`.
    pub cache_control: &'a str,
    /// Lower-case hex SHA-256 of the bytes, stored as `x-amz-meta-sha256`.
    pub sha256: &'a str,
}

/// An object store at a target (bucket and prefix). Paths are relative to the prefix. It is
/// shared between the threads that upload.
pub(crate) trait Store: Sync {
    /// Every object under the prefix.
    fn list(&self) -> Result<Vec<Remote>, StoreError>;
    /// The bytes of the object at `path`, `None` when there is none.
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// The SHA-256 the object at `path` was stored with, `None` when it has none or is absent.
    fn sha256(&self, path: &str) -> Result<Option<String>, StoreError>;
    /// Stores `body` at `path`.
    fn put(&self, path: &str, body: &[u8], headers: Put<'_>) -> Result<(), StoreError>;
    /// Deletes the object at `path` (absent is not an error).
    fn delete(&self, path: &str) -> Result<(), StoreError>;
}

/// Why a deploy stopped.
#[derive(Debug)]
pub(crate) enum Stopped {
    /// The store failed; what was being done.
    Store(String, StoreError),
    /// A local file could not be read, or no longer holds the bytes the seal lists.
    Local(String),
}

/// Calls made while a plan is carried out, for printing progress and for tests.
pub(crate) trait Progress: Sync {
    /// One object was stored.
    fn uploaded(&self, _path: &str) {}
    /// One object of the old seal was withdrawn.
    fn withdrawn(&self, _path: &str) {}
    /// One stale object was deleted.
    fn deleted(&self, _path: &str) {}
}

impl Progress for () {}

/// Reads a local file of the plan: the bytes at `path` in the output, checked to be the ones
/// the seal lists.
pub(crate) type Reader<'a> = dyn Fn(&plan::Upload) -> Result<Vec<u8>, String> + Sync + 'a;

/// Carries out `plan` on `store` with up to `jobs` uploads at once: withdraws the old seal,
/// uploads batch after batch (each batch complete before the next starts), the new seal in
/// order, then deletes stale objects unless `keep_stale`.
pub(crate) fn execute(
    plan: &plan::Plan,
    store: &dyn Store,
    read: &Reader<'_>,
    jobs: usize,
    keep_stale: bool,
    progress: &dyn Progress,
) -> Result<(), Stopped> {
    // Before the first change: what this run changes, with what a run cut off earlier did.
    if plan.changes_store(keep_stale) {
        let list: String = plan.purge_paths(keep_stale).into_iter().flat_map(|p| [p, "\n"]).collect();
        let sha256 = crate::source::hex(&sha2::Sha256::digest(list.as_bytes()));
        let headers = Put { content_type: "text/plain; charset=utf-8", cache_control: "no-store", sha256: &sha256 };
        store.put(PENDING, list.as_bytes(), headers).map_err(|e| Stopped::Store(PENDING.to_string(), e))?;
    }
    let withdraw = || -> Result<(), Stopped> {
        for p in &plan.withdraw {
            store.delete(p).map_err(|e| Stopped::Store(p.clone(), e))?;
            progress.withdrawn(p);
        }
        Ok(())
    };
    if plan.withdraw_first {
        withdraw()?;
    }
    let put = |u: &plan::Upload| -> Result<(), Stopped> {
        let body = read(u).map_err(Stopped::Local)?;
        let headers = Put { content_type: u.content_type, cache_control: u.caching.header(), sha256: &u.sha256 };
        store.put(&u.path, &body, headers).map_err(|e| Stopped::Store(u.path.clone(), e))?;
        progress.uploaded(&u.path);
        Ok(())
    };
    for batch in &plan.batches {
        parallel(batch, jobs, &put)?;
    }
    if !plan.seal.is_empty() {
        if !plan.withdraw_first {
            withdraw()?;
        }
        for u in &plan.seal {
            put(u)?;
        }
    }
    if !keep_stale {
        parallel(&plan.stale, jobs, &|p: &String| {
            store.delete(p).map_err(|e| Stopped::Store(p.clone(), e))?;
            progress.deleted(p);
            Ok(())
        })?;
    }
    Ok(())
}

/// Runs `f` on every item with up to `jobs` threads; the first error stops the others from
/// starting new items and is returned.
fn parallel<T: Sync>(items: &[T], jobs: usize, f: &(dyn Fn(&T) -> Result<(), Stopped> + Sync)) -> Result<(), Stopped> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first: Mutex<Option<Stopped>> = Mutex::new(None);
    let work = || {
        while !failed.load(Ordering::SeqCst) {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some(item) = items.get(i) else { break };
            if let Err(e) = f(item) {
                failed.store(true, Ordering::SeqCst);
                if let Ok(mut slot) = first.lock() {
                    slot.get_or_insert(e);
                }
            }
        }
    };
    let threads = jobs.clamp(1, items.len().max(1));
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    match first.into_inner().ok().flatten() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::Written;
    use crate::seal::{MANIFEST, SUMS};
    use std::collections::BTreeMap;

    /// A store in memory that logs every change and fails the `fail_at`-th put.
    #[derive(Default)]
    struct Memory {
        objects: Mutex<BTreeMap<String, String>>,
        /// The SHA-256 each object was stored with (through `put`; none for one put there by
        /// someone else).
        sums: Mutex<BTreeMap<String, String>>,
        log: Mutex<Vec<String>>,
        puts: AtomicUsize,
        fail_at: Option<usize>,
    }

    impl Store for Memory {
        fn list(&self) -> Result<Vec<Remote>, StoreError> {
            let objects = self.objects.lock().unwrap();
            Ok(objects.iter().map(|(p, b)| Remote { path: p.clone(), size: b.len() as u64, etag: b.clone() }).collect())
        }
        fn get(&self, path: &str) -> Result<Option<Vec<u8>>, StoreError> {
            Ok(self.objects.lock().unwrap().get(path).map(|b| b.as_bytes().to_vec()))
        }
        fn sha256(&self, path: &str) -> Result<Option<String>, StoreError> {
            let present = self.objects.lock().unwrap().contains_key(path);
            Ok(self.sums.lock().unwrap().get(path).filter(|_| present).cloned())
        }
        fn put(&self, path: &str, body: &[u8], h: Put<'_>) -> Result<(), StoreError> {
            if Some(self.puts.fetch_add(1, Ordering::SeqCst) + 1) == self.fail_at {
                return Err(StoreError::Unreachable("connection reset".into()));
            }
            self.objects.lock().unwrap().insert(path.to_string(), String::from_utf8_lossy(body).into_owned());
            self.sums.lock().unwrap().insert(path.to_string(), h.sha256.to_string());
            self.log.lock().unwrap().push(format!("put {path}"));
            Ok(())
        }
        fn delete(&self, path: &str) -> Result<(), StoreError> {
            self.objects.lock().unwrap().remove(path);
            self.log.lock().unwrap().push(format!("delete {path}"));
            Ok(())
        }
    }

    /// A site whose content is its files' "bytes"; the manifest's bytes name every file's.
    fn site(files: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = files.iter().map(|(p, b)| (p.to_string(), b.to_string())).collect();
        let manifest: String = files.iter().map(|(p, b)| format!("{p}={b};")).collect();
        out.insert(MANIFEST.to_string(), manifest.clone());
        out.insert(SUMS.to_string(), format!("sums of {manifest}"));
        out
    }

    /// Plans and carries out the deploy of `local` into `store`.
    /// As the command does: the list of a deploy cut off is read and left out of the site's
    /// objects, and removed once the deploy is done. Returns the paths to purge.
    fn deploy(local: &BTreeMap<String, String>, store: &Memory) -> Result<Vec<String>, Stopped> {
        let written: Vec<Written> =
            local.iter().map(|(p, b)| Written { path: p.clone(), sha256: b.clone(), size: b.len() as u64 }).collect();
        let mut remote = store.list().unwrap();
        remote.retain(|r| r.path != PENDING);
        let mut plan =
            plan::plan(&written, &remote, &mut |o| Ok(owned(store, o)), &mut |f, r| Ok(f.sha256 == r.etag)).unwrap();
        plan.pending = read_pending(store).unwrap();
        let read = |u: &plan::Upload| Ok(local[&u.path].as_bytes().to_vec());
        execute(&plan, store, &read, 4, false, &())?;
        let purge = plan.purge_paths(false).into_iter().map(String::from).collect();
        settle(&plan, store, false).unwrap();
        Ok(purge)
    }

    /// Whether gongbao put `o` in the store: the store's manifest names it, or it was stored with
    /// a SHA-256 (every object [`Memory::put`] stores).
    fn owned(store: &Memory, o: &Remote) -> bool {
        let manifest = store.objects.lock().unwrap().get(MANIFEST).cloned();
        let listed = manifest.is_some_and(|m| m.split(';').any(|e| e.split('=').next() == Some(&o.path)));
        listed || store.sha256(&o.path).unwrap().is_some()
    }

    /// The store's manifest, if any, names only files the store holds with those bytes.
    fn honest(store: &Memory) -> bool {
        let objects = store.objects.lock().unwrap();
        objects.get(MANIFEST).is_none_or(|m| {
            m.split(';').filter(|e| !e.is_empty()).all(|e| {
                let (p, b) = e.split_once('=').unwrap();
                objects.get(p).map(String::as_str) == Some(b)
            })
        })
    }

    #[test]
    fn the_seal_is_withdrawn_before_overwriting_and_stale_files_go_after_the_new_seal() {
        let store = Memory::default();
        let v1 = site(&[("index.html", "home1"), ("docs/a/index.html", "a1"), ("old.html", "o")]);
        deploy(&v1, &store).ok().unwrap();
        assert_eq!(store.objects.lock().unwrap().clone(), v1);
        store.log.lock().unwrap().clear();
        let v2 = site(&[("index.html", "home1"), ("docs/a/index.html", "a2"), ("assets/new.css", "c")]);
        deploy(&v2, &store).ok().unwrap();
        assert_eq!(store.objects.lock().unwrap().clone(), v2);
        assert_eq!(
            store.log.lock().unwrap().clone(),
            vec![
                "put .gongbao/purge-pending.txt",
                "delete SHA256SUMS",
                "delete manifest.json",
                "put assets/new.css",
                "put docs/a/index.html",
                "put manifest.json",
                "put SHA256SUMS",
                "delete old.html",
                "delete .gongbao/purge-pending.txt",
            ]
        );
    }

    #[test]
    fn a_deploy_cut_off_at_any_upload_leaves_no_lying_manifest_and_a_second_run_completes_it() {
        let v1 = site(&[("index.html", "home1"), ("docs/a/index.html", "a1"), ("docs/b/index.html", "b1")]);
        let v2 = site(&[("index.html", "home2"), ("docs/a/index.html", "a2"), ("docs/c/index.html", "c2")]);
        for fail_at in 1..=5 {
            let mut store = Memory::default();
            deploy(&v1, &store).ok().unwrap();
            store.puts.store(0, Ordering::SeqCst);
            store.fail_at = Some(fail_at);
            assert!(deploy(&v2, &store).is_err(), "put {fail_at} fails");
            assert!(honest(&store), "cut off at put {fail_at}: {:?}", store.objects.lock().unwrap());
            store.fail_at = None;
            deploy(&v2, &store).ok().unwrap();
            assert_eq!(store.objects.lock().unwrap().clone(), v2, "cut off at put {fail_at}");
        }
    }

    #[test]
    fn a_deploy_cut_off_anywhere_and_run_again_purges_all_that_the_first_run_changed() {
        let v1 = site(&[("index.html", "home1"), ("docs/a/index.html", "a1"), ("docs/b/index.html", "b1")]);
        let v2 = site(&[("index.html", "home2"), ("docs/a/index.html", "a2"), ("docs/c/index.html", "c2")]);
        let whole = {
            let store = Memory::default();
            deploy(&v1, &store).ok().unwrap();
            deploy(&v2, &store).ok().unwrap()
        };
        assert!(whole.contains(&"docs/a/index.html".to_string()) && whole.contains(&"docs/b/index.html".to_string()));
        // Cut off at each put of the second deploy (the first is the list itself), then cut off
        // again one put later: the run that finishes names everything the whole deploy would.
        for first in 1..=6 {
            for second in [None, Some(2)] {
                let mut store = Memory::default();
                deploy(&v1, &store).ok().unwrap();
                store.puts.store(0, Ordering::SeqCst);
                store.fail_at = Some(first);
                assert!(deploy(&v2, &store).is_err(), "put {first} fails");
                if let Some(n) = second {
                    store.puts.store(0, Ordering::SeqCst);
                    store.fail_at = Some(n);
                    let _ = deploy(&v2, &store);
                }
                store.fail_at = None;
                let purged = deploy(&v2, &store).ok().unwrap();
                for p in &whole {
                    assert!(purged.contains(p), "cut off at put {first}, then {second:?}: {p} not purged: {purged:?}");
                }
                assert_eq!(store.objects.lock().unwrap().clone(), v2, "the list is removed once done");
                assert!(deploy(&v2, &store).ok().unwrap().is_empty(), "and not purged again");
            }
        }
    }

    #[test]
    fn after_a_cut_off_the_site_s_own_objects_are_still_told_from_another_s() {
        let v1 = site(&[("index.html", "home1"), ("docs/a/index.html", "a1"), ("docs/b/index.html", "b1")]);
        let v2 = site(&[("index.html", "home2"), ("docs/a/index.html", "a2")]);
        let mut store = Memory::default();
        // Another's file, put there without gongbao's SHA-256.
        store.objects.lock().unwrap().insert("other/notes.txt".into(), "theirs".into());
        deploy(&v1, &store).ok().unwrap();
        store.puts.store(0, Ordering::SeqCst);
        // The first put is the list of what the deploy changes; the second, the first file.
        store.fail_at = Some(2);
        assert!(deploy(&v2, &store).is_err());
        assert!(!store.objects.lock().unwrap().contains_key(MANIFEST), "the old manifest was withdrawn");
        store.fail_at = None;
        deploy(&v2, &store).ok().unwrap();
        let mut want = v2.clone();
        want.insert("other/notes.txt".into(), "theirs".into());
        assert_eq!(store.objects.lock().unwrap().clone(), want, "docs/b went, another's file stayed");
    }
}
