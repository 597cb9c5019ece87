//! What a deploy does, decided before anything is sent: which local files the store lacks or
//! holds other bytes for, in which order they go, whether the published seal must be withdrawn
//! first, and which objects are stale. Pure: the comparison of contents is the caller's (it
//! needs the local bytes' MD5 and sometimes a request to the store).
//!
//! Only what gongbao put under the prefix is ever deleted: the objects the store's manifest
//! lists, and those that carry the SHA-256 gongbao stores with every object it uploads (so that
//! a deploy cut off after withdrawing the old manifest, by this version or an earlier one, still
//! knows its own). Any other object under the prefix (another team's files in a shared bucket, a
//! target written with a prefix too short) is foreign: left as it is, and named.

use super::Remote;
use super::headers::{self, Caching};
use crate::emit::Written;
use crate::seal::{MANIFEST, SEAL_FILES, SIGNATURE, SUMS};
use std::collections::BTreeMap;

/// Whether the store has the object already, with other bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// The store has no object at this path.
    New,
    /// The store's object holds other bytes.
    Changed,
}

/// A file to upload.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    /// Path in the output and below the prefix.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// Lower-case hex SHA-256, as sealed.
    pub sha256: String,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// `Cache-Control`.
    pub caching: Caching,
    /// New or changed.
    pub change: Change,
}

/// The steps of a deploy, in the order [`super::execute`] takes them.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Whether the seal is withdrawn before the first batch (some object it describes is about
    /// to change) rather than just before the new seal goes up.
    pub withdraw_first: bool,
    /// The store's seal files, signature first, to delete before the new seal is written.
    pub withdraw: Vec<String>,
    /// Uploads, batch after batch: files pages use, pages deepest first, then feeds and the
    /// sitemap.
    pub batches: Vec<Vec<Upload>>,
    /// `manifest.json`, `SHA256SUMS`, `SHA256SUMS.minisig`, in this order; empty when the store
    /// holds the same seal.
    pub seal: Vec<Upload>,
    /// Objects under the prefix that the output does not have, and that gongbao put there.
    pub stale: Vec<String>,
    /// Objects under the prefix that the output does not have, and that gongbao did not put
    /// there: never deleted.
    pub foreign: Vec<String>,
    /// Files the store already holds with the same bytes.
    pub unchanged: usize,
    /// What a deploy cut off before it was done changed, as the store's
    /// [`super::PENDING`] lists it; `None` when the store holds no such list. Those objects may
    /// hold the new bytes already, so this plan does not send them again, but a CDN may still
    /// serve the old ones: they are purged with this deploy's.
    pub pending: Option<Vec<String>>,
}

impl Plan {
    /// Every upload, seal included, in order.
    pub(crate) fn uploads(&self) -> impl Iterator<Item = &Upload> {
        self.batches.iter().flatten().chain(&self.seal)
    }

    /// Whether the deploy would change nothing (stale objects aside).
    pub(crate) fn is_empty(&self) -> bool {
        self.uploads().next().is_none() && self.withdraw.is_empty()
    }

    /// Whether carrying the plan out writes or deletes any object of the site.
    pub(crate) fn changes_store(&self, keep_stale: bool) -> bool {
        !self.is_empty() || (!keep_stale && !self.stale.is_empty())
    }

    /// The paths whose objects this deploy writes or deletes (stale ones unless `keep_stale`),
    /// with those a deploy cut off earlier changed: what a CDN must fetch again. Sorted, each
    /// once.
    pub(crate) fn purge_paths(&self, keep_stale: bool) -> std::collections::BTreeSet<&str> {
        let stale = self.stale.iter().filter(|_| !keep_stale);
        let pending = self.pending.iter().flatten();
        self.uploads()
            .map(|u| u.path.as_str())
            .chain(self.withdraw.iter().chain(stale).chain(pending).map(String::as_str))
            .collect()
    }
}

/// Where a file goes in the order: lower first. Pages come after what they use, deeper pages
/// (a record's) before shallower ones (the lists that link to it), and the files that announce
/// pages to machines (feeds, sitemaps, `robots.txt`) last.
fn rank(path: &str) -> (u8, usize) {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.ends_with(".html") || name.ends_with(".htm") {
        (1, usize::MAX - path.matches('/').count())
    } else if name.ends_with(".atom")
        || name.ends_with(".rss")
        || (name.starts_with("sitemap") && name.ends_with(".xml"))
        || name == "robots.txt"
    {
        (2, 0)
    } else {
        (0, 0)
    }
}

/// Plans the deploy of `local` (every file of the output, seal files included) over `remote`
/// (the store's listing). `owned(object)` tells whether gongbao put the object there (the
/// store's manifest lists it, or it carries gongbao's SHA-256); it is asked only of objects the
/// output does not have. `same(file, object)` tells whether an object of the file's size holds
/// the file's bytes.
pub(crate) fn plan(
    local: &[Written],
    remote: &[Remote],
    owned: &mut dyn FnMut(&Remote) -> Result<bool, String>,
    same: &mut dyn FnMut(&Written, &Remote) -> Result<bool, String>,
) -> Result<Plan, String> {
    let remote: BTreeMap<&str, &Remote> = remote.iter().map(|r| (r.path.as_str(), r)).collect();
    let mut ranked: BTreeMap<(u8, usize), Vec<Upload>> = BTreeMap::new();
    let mut seal = Vec::new();
    let mut out = Plan::default();
    let mut seal_differs = false;
    for f in local {
        let change = match remote.get(f.path.as_str()) {
            None => Some(Change::New),
            Some(r) if r.size != f.size || !same(f, r)? => Some(Change::Changed),
            Some(_) => None,
        };
        let upload = |change| Upload {
            path: f.path.clone(),
            size: f.size,
            sha256: f.sha256.clone(),
            content_type: headers::content_type(&f.path),
            caching: headers::caching(&f.path),
            change,
        };
        if SEAL_FILES.contains(&f.path.as_str()) {
            seal_differs |= change.is_some();
            seal.push(upload(change.unwrap_or(Change::Changed)));
            continue;
        }
        match change {
            None => out.unchanged += 1,
            Some(c) => {
                out.withdraw_first |= c == Change::Changed;
                ranked.entry(rank(&f.path)).or_default().push(upload(c));
            }
        }
    }
    let local_paths: std::collections::BTreeSet<&str> = local.iter().map(|f| f.path.as_str()).collect();
    // A seal file the store has and the output lacks (a signature, when this build is unsigned)
    // is a difference too.
    seal_differs |= SEAL_FILES.iter().any(|s| remote.contains_key(s) && !local_paths.contains(s));
    out.batches = ranked.into_values().collect();
    if seal_differs || out.withdraw_first || !out.batches.is_empty() {
        out.withdraw =
            [SIGNATURE, SUMS, MANIFEST].into_iter().filter(|s| remote.contains_key(s)).map(String::from).collect();
        let order = |u: &Upload| [MANIFEST, SUMS, SIGNATURE].iter().position(|s| *s == u.path);
        seal.sort_by_key(order);
        out.seal = seal;
    } else {
        out.unchanged += seal.len();
    }
    for (p, r) in remote {
        if local_paths.contains(p) || out.withdraw.iter().any(|w| w == p) {
            continue;
        }
        if SEAL_FILES.contains(&p) || owned(r)? {
            out.stale.push(p.to_string());
        } else {
            out.foreign.push(p.to_string());
        }
    }
    Ok(out)
}

/// The URLs a CDN should purge after the deploy ([`Plan::purge_paths`]), absolute under
/// `base_url` (which ends in `/`), with a folder's address beside its `index.html`; sorted, each
/// once.
pub(crate) fn purge_urls(plan: &Plan, base_url: &str, keep_stale: bool) -> Vec<String> {
    let mut urls = std::collections::BTreeSet::new();
    for p in plan.purge_paths(keep_stale) {
        urls.insert(format!("{base_url}{}", encode(p)));
        if p == "index.html" || p.ends_with("/index.html") {
            urls.insert(format!("{base_url}{}", encode(&p[..p.len() - "index.html".len()])));
        }
    }
    urls.into_iter().collect()
}

/// Percent-encodes what may not stand in a URL's path as it is (keeping `/`).
pub(crate) fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(path: &str, sha: &str) -> Written {
        Written { path: path.to_string(), sha256: sha.to_string(), size: sha.len() as u64 }
    }

    fn r(path: &str, sha: &str) -> Remote {
        Remote { path: path.to_string(), size: sha.len() as u64, etag: sha.to_string() }
    }

    /// The site as a list of (path, content): every file and a seal whose content depends on
    /// the others.
    fn site(files: &[(&str, &str)]) -> Vec<Written> {
        let mut out: Vec<Written> = files.iter().map(|(p, s)| w(p, s)).collect();
        let all: String = files.iter().map(|(_, s)| *s).collect();
        out.push(w(MANIFEST, &format!("m{all}")));
        out.push(w(SUMS, &format!("s{all}")));
        out.sort();
        out
    }

    fn same(f: &Written, r: &Remote) -> Result<bool, String> {
        Ok(f.sha256 == r.etag)
    }

    /// Whether an object is one a manifest of `site` names.
    fn owned(site: &[Written]) -> impl FnMut(&Remote) -> Result<bool, String> + '_ {
        |r| Ok(site.iter().any(|f| f.path == r.path))
    }

    fn paths(us: &[Upload]) -> Vec<&str> {
        us.iter().map(|u| u.path.as_str()).collect()
    }

    #[test]
    fn a_first_deploy_sends_assets_then_pages_deepest_first_then_feeds_then_the_seal() {
        let local = site(&[
            ("index.html", "h"),
            ("assets/style.css", "c"),
            ("docs/a/index.html", "d"),
            ("feeds/all.atom", "f"),
            ("sitemap.xml", "x"),
            ("data/documents.json", "j"),
        ]);
        let p = plan(&local, &[], &mut owned(&[]), &mut same).unwrap();
        let order: Vec<Vec<&str>> = p.batches.iter().map(|b| paths(b)).collect();
        assert_eq!(
            order,
            vec![
                vec!["assets/style.css", "data/documents.json"],
                vec!["docs/a/index.html"],
                vec!["index.html"],
                vec!["feeds/all.atom", "sitemap.xml"],
            ]
        );
        assert_eq!(paths(&p.seal), vec![MANIFEST, SUMS]);
        assert!(!p.withdraw_first && p.withdraw.is_empty() && p.stale.is_empty());
    }

    #[test]
    fn an_edit_sends_only_what_changed_and_withdraws_the_seal_before_overwriting() {
        let before =
            site(&[("index.html", "h"), ("docs/a/index.html", "a"), ("docs/b/index.html", "b"), ("old.html", "o")]);
        let remote: Vec<Remote> = before.iter().map(|f| r(&f.path, &f.sha256)).chain([r(SIGNATURE, "g")]).collect();
        let after =
            site(&[("index.html", "h"), ("docs/a/index.html", "A"), ("docs/b/index.html", "b"), ("new.html", "n")]);
        let p = plan(&after, &remote, &mut owned(&before), &mut same).unwrap();
        let sent: Vec<(&str, Change)> = p.batches.iter().flatten().map(|u| (u.path.as_str(), u.change)).collect();
        assert_eq!(sent, vec![("docs/a/index.html", Change::Changed), ("new.html", Change::New)]);
        assert!(p.withdraw_first, "docs/a/index.html is overwritten while the old manifest describes it");
        assert_eq!(p.withdraw, vec![SIGNATURE, SUMS, MANIFEST]);
        assert_eq!(paths(&p.seal), vec![MANIFEST, SUMS]);
        assert_eq!(p.stale, vec!["old.html"]);
        assert_eq!(p.unchanged, 2);
        let urls = purge_urls(&p, "https://x.cn/gb/", false);
        assert!(urls.contains(&"https://x.cn/gb/docs/a/".to_string()), "{urls:?}");
        assert!(urls.contains(&"https://x.cn/gb/old.html".to_string()));
        assert!(urls.contains(&"https://x.cn/gb/SHA256SUMS.minisig".to_string()));
        assert!(!purge_urls(&p, "https://x.cn/", true).iter().any(|u| u.ends_with("old.html")));
    }

    #[test]
    fn new_files_alone_leave_the_old_seal_up_until_the_new_one_goes_up() {
        let before = site(&[("index.html", "h")]);
        let remote: Vec<Remote> = before.iter().map(|f| r(&f.path, &f.sha256)).collect();
        let after = site(&[("index.html", "h"), ("new.html", "n")]);
        let p = plan(&after, &remote, &mut owned(&before), &mut same).unwrap();
        assert!(!p.withdraw_first);
        assert_eq!(p.withdraw, vec![SUMS, MANIFEST]);
        assert_eq!(paths(&p.seal), vec![MANIFEST, SUMS]);
    }

    #[test]
    fn the_same_site_again_is_an_empty_plan_and_a_missing_object_is_sent_again() {
        let local = site(&[("index.html", "h"), ("docs/a/index.html", "a")]);
        let mut remote: Vec<Remote> = local.iter().map(|f| r(&f.path, &f.sha256)).collect();
        let p = plan(&local, &remote, &mut owned(&local), &mut same).unwrap();
        assert!(p.is_empty() && p.stale.is_empty(), "{p:?}");
        assert_eq!(p.unchanged, local.len());
        remote.retain(|o| o.path != "docs/a/index.html");
        let p = plan(&local, &remote, &mut owned(&local), &mut same).unwrap();
        assert_eq!(p.uploads().map(|u| u.path.as_str()).collect::<Vec<_>>(), vec!["docs/a/index.html", MANIFEST, SUMS]);
    }

    #[test]
    fn a_store_signature_that_the_unsigned_build_lacks_is_withdrawn() {
        let local = site(&[("index.html", "h")]);
        let remote: Vec<Remote> = local.iter().map(|f| r(&f.path, &f.sha256)).chain([r(SIGNATURE, "g")]).collect();
        let p = plan(&local, &remote, &mut owned(&local), &mut same).unwrap();
        assert_eq!(p.withdraw, vec![SIGNATURE, SUMS, MANIFEST]);
        assert!(p.stale.is_empty());
    }

    #[test]
    fn urls_are_percent_encoded() {
        let local = site(&[("docs/公报 1/index.html", "a")]);
        let p = plan(&local, &[], &mut owned(&[]), &mut same).unwrap();
        let urls = purge_urls(&p, "https://x.cn/", false);
        assert!(urls.contains(&"https://x.cn/docs/%E5%85%AC%E6%8A%A5%201/".to_string()), "{urls:?}");
    }

    #[test]
    fn only_what_gongbao_put_there_is_stale() {
        let before = site(&[("index.html", "h"), ("old.html", "o")]);
        let mut remote: Vec<Remote> = before.iter().map(|f| r(&f.path, &f.sha256)).collect();
        remote.push(r("other-team/report.pdf", "p"));
        let after = site(&[("index.html", "H")]);
        let p = plan(&after, &remote, &mut owned(&before), &mut same).unwrap();
        assert_eq!(p.stale, vec!["old.html"]);
        assert_eq!(p.foreign, vec!["other-team/report.pdf"], "another's object is never deleted");
        // With nothing of gongbao's (a first deploy over a prefix that holds files), nothing is
        // deleted; the question is asked only of objects the output does not have.
        let mut asked = Vec::new();
        let p = plan(
            &after,
            &remote,
            &mut |o: &Remote| {
                asked.push(o.path.clone());
                Ok(false)
            },
            &mut same,
        )
        .unwrap();
        assert!(p.stale.is_empty(), "{:?}", p.stale);
        assert_eq!(p.foreign, vec!["old.html", "other-team/report.pdf"]);
        assert_eq!(asked, vec!["old.html", "other-team/report.pdf"]);
    }
}
