//! `gongbao deploy TARGET`: publishes the built, verified output to S3-compatible object
//! storage. The stage (`deploy`) decides and orders; this command reads the settings and the
//! environment, checks the output against its seal, and lends the stage a [`Store`] over the
//! S3 client of `crates/s3`.
//!
//! Credentials come from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
//! only. They are handed to the client and never printed: the messages below name the access
//! key id at most, and the store's own error code and message.

use super::build::default_out;
use super::verify::read_key;
use super::{EXIT_ERRORS, EXIT_FAILURE, Failure, read_config, report};
use crate::config::Config;
use crate::deploy::plan::{self, Change, Plan, Upload};
use crate::deploy::{self, Progress, Put, Remote, Stopped, Store, StoreError};
use crate::emit::Written;
use crate::model::diag::Msg;
use crate::model::rules;
use crate::msg;
use crate::seal::{MANIFEST, Manifest, SEAL_FILES};
use crate::source::{hex, read_regular};
use md5::Md5;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What to deploy, and how.
pub struct Options {
    /// The site's folder.
    pub root: PathBuf,
    /// `s3://bucket/prefix`; `[deploy] target` when absent.
    pub target: Option<String>,
    /// The built output (default: the build's output folder).
    pub out: Option<PathBuf>,
    /// Print the plan and change nothing.
    pub dry_run: bool,
    /// Leave objects that the output no longer has.
    pub keep_stale: bool,
    /// Write the changed URLs here, one a line, for a CDN purge.
    pub purge_list: Option<PathBuf>,
    /// Public key to check the output's signature with before deploying.
    pub pubkey: Option<PathBuf>,
    /// Uploads at once.
    pub jobs: Option<usize>,
}

/// Deploys; returns the exit code.
pub fn run(o: &Options) -> u8 {
    match deploy_site(o) {
        Ok(code) => code,
        Err(f) => report(&f, &o.root),
    }
}

/// A failure of the `deploy` rule, exit code 2.
fn fail(m: Msg) -> Failure {
    Failure::new(&rules::DEPLOY, EXIT_FAILURE, m)
}

/// The bucket and the prefix (empty, or ending in `/`) of `s3://bucket/prefix`.
fn parse_target(t: &str) -> Result<(String, String), Failure> {
    let bad = || {
        fail(msg!("部署目标 `{t}` 无效", "the deploy target `{t}` is not valid")).help(msg!(
            "写成 s3://桶名/前缀，如 s3://gazette-site/www；前缀可以省略",
            "write it as s3://bucket/prefix, such as s3://gazette-site/www; the prefix may be left out"
        ))
    };
    let rest = t.strip_prefix("s3://").ok_or_else(bad)?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    // One `/` may end the prefix; any other empty name in it (`s3://b//`, `s3://b/a//c`) is a
    // mistake, whose prefix would not be the one meant.
    let named = !prefix.is_empty();
    let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
    let valid_bucket = !bucket.is_empty() && bucket.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
    // Nor a space or a control character, which a copied line brings along unseen.
    let unseen = prefix.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid_bucket || unseen || (named && prefix.split('/').any(|s| s.is_empty() || s == "." || s == "..")) {
        return Err(bad());
    }
    Ok((bucket.to_string(), if prefix.is_empty() { String::new() } else { format!("{prefix}/") }))
}

/// A non-empty environment variable.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The store at the target: the settings, overridden by the standard environment variables.
fn connect(cfg: &Config, bucket: &str, prefix: &str) -> Result<(S3, String), Failure> {
    let access = env("AWS_ACCESS_KEY_ID");
    let secret = env("AWS_SECRET_ACCESS_KEY");
    let (Some(access), Some(secret)) = (access, secret) else {
        return Err(fail(msg!("没有对象存储的凭据", "no credentials for the object store")).help(msg!(
            "设置环境变量 AWS_ACCESS_KEY_ID 与 AWS_SECRET_ACCESS_KEY（凭据不写入 gongbao.toml）",
            "set the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (credentials never go in gongbao.toml)"
        )));
    };
    let endpoint =
        env("AWS_ENDPOINT_URL_S3").or_else(|| env("AWS_ENDPOINT_URL")).or_else(|| cfg.deploy.endpoint.clone());
    let region = env("AWS_REGION")
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .or_else(|| cfg.deploy.region.clone())
        .unwrap_or_else(|| "us-east-1".to_string());
    let settings = gongbao_s3::Settings {
        endpoint: endpoint.clone().unwrap_or_default(),
        region: region.clone(),
        bucket: bucket.to_string(),
        path_style: cfg.deploy.path_style,
    };
    let shown = endpoint.unwrap_or_else(|| format!("Amazon S3 {region}"));
    let credentials = gongbao_s3::Credentials::new(access, secret, env("AWS_SESSION_TOKEN"));
    let client = gongbao_s3::Client::new(settings, credentials).map_err(|e| {
        fail(msg!("对象存储的地址有误：{e}", "the object store's address is wrong: {e}")).help(msg!(
            "在 [deploy] endpoint 或 AWS_ENDPOINT_URL 中写 https://主机[:端口]",
            "write https://host[:port] in [deploy] endpoint or AWS_ENDPOINT_URL"
        ))
    })?;
    Ok((S3 { client, prefix: prefix.to_string() }, shown))
}

/// The S3 client at a prefix, as the stage's [`Store`].
struct S3 {
    client: gongbao_s3::Client,
    /// Empty, or ending in `/`.
    prefix: String,
}

impl S3 {
    fn key(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }
}

fn store_error(e: gongbao_s3::Error) -> StoreError {
    match e {
        gongbao_s3::Error::Denied { code, message } => StoreError::Denied(format!("{code}: {message}")),
        gongbao_s3::Error::NoBucket(b) => StoreError::NoBucket(b),
        gongbao_s3::Error::Network(m) => StoreError::Unreachable(m),
        e => StoreError::Other(e.to_string()),
    }
}

impl Store for S3 {
    fn list(&self) -> Result<Vec<Remote>, StoreError> {
        let objects = self.client.list(&self.prefix).map_err(store_error)?;
        Ok(objects
            .into_iter()
            .filter_map(|o| {
                let path = o.key.strip_prefix(&self.prefix)?.to_string();
                // Folder markers some tools leave are not files of a site.
                (!path.is_empty() && !path.ends_with('/')).then_some(Remote { path, size: o.size, etag: o.etag })
            })
            .collect())
    }

    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.client.get(&self.key(path)).map_err(store_error)
    }

    fn sha256(&self, path: &str) -> Result<Option<String>, StoreError> {
        let meta = self.client.metadata(&self.key(path)).map_err(store_error)?;
        Ok(meta.and_then(|m| m.into_iter().find(|(k, _)| k == "sha256").map(|(_, v)| v)))
    }

    fn put(&self, path: &str, body: &[u8], h: Put<'_>) -> Result<(), StoreError> {
        let headers =
            [("content-type", h.content_type), ("cache-control", h.cache_control), ("x-amz-meta-sha256", h.sha256)];
        self.client.put(&self.key(path), body, &headers).map_err(store_error)
    }

    fn delete(&self, path: &str) -> Result<(), StoreError> {
        self.client.delete(&self.key(path)).map_err(store_error)
    }
}

/// The failure a store error stands for, while doing `what`.
fn store_failure(e: &StoreError, endpoint: &str, bucket: &str, what: &str) -> Failure {
    let resume = || {
        msg!(
            "已经上传的文件不会重复上传：修复后再次运行 gongbao deploy 即从中断处继续；远端的清单只描述确实在那里的文件",
            "files already uploaded are not sent again: run gongbao deploy again once this is fixed and it goes on from where it stopped; the remote manifest describes only files that are there"
        )
    };
    match e {
        StoreError::Denied(m) => fail(msg!(
            "对象存储 {endpoint} 拒绝了访问（{what}）：{m}",
            "the object store {endpoint} refused access ({what}): {m}"
        ))
        .help(msg!(
            "检查 AWS_ACCESS_KEY_ID 与 AWS_SECRET_ACCESS_KEY 是否正确、这把密钥能否读写桶 {bucket}，以及区域（AWS_REGION）",
            "check that AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are right, that this key may read and write the bucket {bucket}, and the region (AWS_REGION)"
        )),
        StoreError::NoBucket(b) => fail(msg!("对象存储 {endpoint} 中没有桶 {b}", "the object store {endpoint} has no bucket {b}"))
            .help(msg!("先建好桶，或改正部署目标", "make the bucket first, or correct the target")),
        StoreError::Unreachable(m) => fail(msg!(
            "无法连接对象存储 {endpoint}（{what}）：{m}",
            "cannot reach the object store {endpoint} ({what}): {m}"
        ))
        .help(resume()),
        StoreError::Other(m) => {
            fail(msg!("对象存储 {endpoint} 出错（{what}）：{m}", "the object store {endpoint} failed ({what}): {m}")).help(resume())
        }
    }
}

/// The output's files with the seal files, from its manifest and the seal files' bytes.
fn local_files(out: &Path, manifest: &Manifest) -> Result<Vec<Written>, Failure> {
    let mut files = manifest.files.clone();
    for s in SEAL_FILES {
        let path = out.join(s);
        if !path.exists() {
            continue;
        }
        let bytes = read_regular(&path, crate::seal::verify::MAX_SEAL_BYTES).map_err(|e| {
            let shown = path.display();
            Failure::io(msg!("无法读取 {shown}：{e}", "cannot read {shown}: {e}"))
        })?;
        files.push(Written { path: s.to_string(), sha256: hex(&Sha256::digest(&bytes)), size: bytes.len() as u64 });
    }
    files.sort();
    Ok(files)
}

/// The bytes of an upload, checked against the seal: a file changed since it was verified is
/// not sent.
fn read_checked(out: &Path, u: &Upload) -> Result<Vec<u8>, String> {
    let bytes = read_regular(&out.join(&u.path), u.size).map_err(|e| format!("{}: {e}", u.path))?;
    if bytes.len() as u64 != u.size || hex(&Sha256::digest(&bytes)) != u.sha256 {
        return Err(format!("{}: changed since it was sealed", u.path));
    }
    Ok(bytes)
}

/// Whether an object of the same size holds the local file's bytes: by its entity tag where
/// that is an MD5 (a whole-object upload), else by the SHA-256 it was stored with.
fn same(out: &Path, store: &S3, f: &Written, r: &Remote) -> Result<bool, String> {
    let etag = r.etag.to_ascii_lowercase();
    if etag.len() == 32 && etag.bytes().all(|b| b.is_ascii_hexdigit()) {
        let bytes = read_regular(&out.join(&f.path), f.size).map_err(|e| format!("{}: {e}", f.path))?;
        return Ok(hex(&Md5::digest(&bytes)) == etag);
    }
    match store.sha256(&f.path) {
        Ok(s) => Ok(s.as_deref() == Some(f.sha256.as_str())),
        Err(e) => Err(format!("{}: {e}", f.path)),
    }
}

/// Counts what is done; under `GONGBAO_TEST_DEPLOY_PAUSE_AFTER=N` (for the tests that kill the
/// store or the command in the middle of a deploy) it says so on stderr after the N-th upload
/// and waits 10 seconds.
struct Counter {
    uploaded: AtomicUsize,
    deleted: AtomicUsize,
    pause_after: Option<usize>,
}

impl Progress for Counter {
    fn uploaded(&self, path: &str) {
        let n = self.uploaded.fetch_add(1, Ordering::SeqCst) + 1;
        if self.pause_after == Some(n) {
            eprintln!("gongbao-test: paused after {n} uploads, the last {path}");
            std::thread::sleep(std::time::Duration::from_secs(10));
        }
    }

    fn deleted(&self, _path: &str) {
        self.deleted.fetch_add(1, Ordering::SeqCst);
    }
}

fn deploy_site(o: &Options) -> Result<u8, Failure> {
    let cfg = read_config(&o.root)?;
    let en = cfg.lang().is_english();
    let target = o.target.clone().or_else(|| cfg.deploy.target.clone()).ok_or_else(|| {
        fail(msg!("没有指定部署目标", "no deploy target was given")).help(msg!(
            "给出 s3://桶名/前缀，或在 gongbao.toml 的 [deploy] 中写 target",
            "give s3://bucket/prefix, or set target in [deploy] of gongbao.toml"
        ))
    })?;
    let (bucket, prefix) = parse_target(&target)?;
    let out = o.out.clone().unwrap_or_else(|| default_out(&o.root));

    // Only a sealed output that agrees with its seal is published.
    let key = read_key(o.pubkey.as_deref())?;
    let shown = out.display().to_string();
    let checked = crate::seal::verify::verify(&out, key.as_ref()).map_err(|e| {
        Failure::io(msg!("无法核验输出 {shown}：{e}", "cannot verify the output {shown}: {e}"))
            .help(msg!("先运行 gongbao build", "run gongbao build first"))
    })?;
    if !checked.clean() {
        let n = checked.problems();
        let listed = [
            ("缺失 missing", &checked.missing),
            ("新增 added", &checked.added),
            ("改动 changed", &checked.changed),
            ("改动 changed", &checked.irregular),
            ("封存 seal", &checked.seal),
        ];
        for (label, list) in listed {
            for f in list {
                eprintln!("{label}: {}", crate::source::shown_path(f));
            }
        }
        return Err(Failure::new(
            &rules::DEPLOY,
            EXIT_ERRORS,
            msg!(
                "输出 {shown} 与它的清单不符（{n} 处），不部署",
                "the output {shown} does not match its seal ({n} problems); nothing was deployed"
            ),
        )
        .help(msg!("重新运行 gongbao build，再部署", "run gongbao build again, then deploy")));
    }
    // A document withheld since the build is not published again from it.
    super::still_public(&o.root, &out, false)?;
    let (manifest, _) = crate::seal::verify::read_manifest(&out).map_err(|e| Failure::io(msg!("{e}", "{e}")))?;
    let local = local_files(&out, &manifest)?;

    let (store, endpoint) = connect(&cfg, &bucket, &prefix)?;
    let failure = |e: &StoreError, what: &str| store_failure(e, &endpoint, &bucket, what);
    let mut remote = store.list().map_err(|e| failure(&e, if en { "listing" } else { "列出对象" }))?;
    // The list of a deploy cut off earlier is no object of the site.
    let cut_off = remote.iter().any(|r| r.path == deploy::PENDING);
    remote.retain(|r| r.path != deploy::PENDING);
    let published = match remote.iter().any(|r| r.path == MANIFEST) {
        true => store.get(MANIFEST).map_err(|e| failure(&e, MANIFEST))?,
        false => None,
    };
    let published: Option<Manifest> = published.and_then(|b| serde_json::from_slice(&b).ok());
    // What gongbao put under the prefix: what the store's manifest lists, and any object stored
    // with the SHA-256 gongbao gives every upload (asked only of objects the output lacks).
    let listed: std::collections::BTreeSet<&str> =
        published.iter().flat_map(|m| m.files.iter().map(|f| f.path.as_str())).collect();
    let mut owned = |r: &Remote| -> Result<bool, String> {
        Ok(listed.contains(r.path.as_str()) || store.sha256(&r.path).map_err(|e| format!("{}: {e}", r.path))?.is_some())
    };
    let mut plan = plan::plan(&local, &remote, &mut owned, &mut |f, r| same(&out, &store, f, r))
        .map_err(|e| failure(&StoreError::Other(e), if en { "comparing" } else { "比较" }))?;
    if cut_off {
        plan.pending = deploy::read_pending(&store).map_err(|e| failure(&e, deploy::PENDING))?;
    }

    let dest = format!("s3://{bucket}/{prefix}");
    let was = match &published {
        Some(m) if en => format!("a manifest of {} with {} files", m.as_of, m.file_count),
        Some(m) => format!("清单日期 {}，{} 个文件", m.as_of, m.file_count),
        None if en => "no manifest".to_string(),
        None => "没有清单".to_string(),
    };
    let count = |c| plan.uploads().filter(|u| u.change == c).count();
    let (new, changed, stale) = (count(Change::New), count(Change::Changed), plan.stale.len());
    if en {
        eprintln!("deploy {shown} → {dest} ({endpoint}); the store holds {} objects, {was}", remote.len());
        eprintln!("plan: {new} new, {changed} changed, {} unchanged, {stale} stale", plan.unchanged);
    } else {
        eprintln!("部署 {shown} → {dest}（{endpoint}）；存储中现有 {} 个对象，{was}", remote.len());
        eprintln!("计划：新增 {new}，更新 {changed}，未变 {}，过时 {stale}", plan.unchanged);
    }
    if let Some(n) = plan.pending.as_ref().map(Vec::len) {
        if en {
            eprintln!(
                "an earlier deploy was cut off: the {n} address(es) it changed are purged with this deploy's (run it to the end)"
            );
        } else {
            eprintln!("上次部署中途停止：它改动的 {n} 个地址与本次的一并列入待刷新清单（请让本次部署运行完毕）");
        }
    }
    if !plan.foreign.is_empty() {
        let n = plan.foreign.len();
        let first = crate::source::shown_path(&plan.foreign[0]);
        if en {
            eprintln!(
                "{n} object(s) under the prefix are not this site's (gongbao did not put them there, such as {first}): left as they are; deploy to a prefix of the site's own, or remove them yourself"
            );
        } else {
            eprintln!(
                "前缀下有 {n} 个对象不属于这个站点（不是 gongbao 放上去的，如 {first}）：保留不动；请部署到站点专用的前缀，或自行删除"
            );
        }
    }
    if o.dry_run {
        print_plan(&plan, o.keep_stale, en);
        return Ok(0);
    }
    // The list for the CDN is made only once the deploy is done: a file that cannot be written
    // is found now, before anything is sent, not after (when the list would be lost).
    let purge_file = match &o.purge_list {
        Some(p) => Some(std::fs::File::create(p).map_err(|e| {
            let shown = p.display();
            Failure::io(msg!("无法写入 {shown}：{e}", "cannot write {shown}: {e}")).help(msg!(
                "改正 --purge-list 的路径；什么都没有上传",
                "correct the path of --purge-list; nothing was uploaded"
            ))
        })?),
        None => None,
    };
    if plan.is_empty() && (o.keep_stale || plan.stale.is_empty()) {
        eprintln!("{}", if en { "the store already holds this site" } else { "存储中已是这个站点，无需上传" });
    }

    let pause_after = env("GONGBAO_TEST_DEPLOY_PAUSE_AFTER").and_then(|v| v.parse().ok());
    let jobs = if pause_after.is_some() { 1 } else { o.jobs.unwrap_or(8) };
    let counter = Counter { uploaded: AtomicUsize::new(0), deleted: AtomicUsize::new(0), pause_after };
    let start = std::time::Instant::now();
    let read = |u: &Upload| read_checked(&out, u);
    deploy::execute(&plan, &store, &read, jobs, o.keep_stale, &counter).map_err(|s| match s {
        Stopped::Store(path, e) => failure(&e, &path),
        Stopped::Local(m) => Failure::io(msg!("部署中止：{m}", "deploy stopped: {m}"))
            .help(msg!("重新构建后再部署", "build again, then deploy")),
    })?;

    if let (Some(p), Some(mut file)) = (&o.purge_list, purge_file) {
        use std::io::Write;
        let mut text = plan::purge_urls(&plan, &cfg.site.base_url, o.keep_stale).join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        if let Err(e) = file.write_all(text.as_bytes()) {
            // The deploy itself is done: the list is printed rather than lost.
            let shown = p.display();
            print!("{text}");
            return Err(Failure::io(msg!(
                "部署已完成，但无法写入 {shown}：{e}；要刷新的地址已打印在标准输出",
                "the deploy is done, but {shown} cannot be written: {e}; the addresses to purge are printed on stdout"
            )));
        }
    }
    // Only once the addresses are written: a deploy cut off before this lists them again.
    deploy::settle(&plan, &store, o.keep_stale).map_err(|e| failure(&e, deploy::PENDING))?;
    let (up, del) = (counter.uploaded.load(Ordering::SeqCst), counter.deleted.load(Ordering::SeqCst));
    let secs = start.elapsed().as_secs_f64();
    if en {
        eprintln!("deployed: {up} uploaded, {del} deleted ({secs:.2} s)");
    } else {
        eprintln!("部署完成：上传 {up} 个，删除 {del} 个（{secs:.2} 秒）");
    }
    Ok(0)
}

/// The plan, one line a step, on stdout.
fn print_plan(plan: &Plan, keep_stale: bool, en: bool) {
    let label = |c: Change| match (c, en) {
        (Change::New, true) => "new",
        (Change::Changed, true) => "changed",
        (Change::New, false) => "新增",
        (Change::Changed, false) => "更新",
    };
    let (withdraw, stale, kept) = if en { ("withdraw", "delete", "keep") } else { ("撤下", "删除", "保留") };
    if plan.withdraw_first {
        for p in &plan.withdraw {
            println!("{withdraw} {p}");
        }
    }
    for u in plan.batches.iter().flatten() {
        println!("{} {}", label(u.change), u.path);
    }
    if !plan.withdraw_first {
        for p in plan.withdraw.iter().filter(|_| !plan.seal.is_empty()) {
            println!("{withdraw} {p}");
        }
    }
    for u in &plan.seal {
        println!("{} {}", label(u.change), u.path);
    }
    for p in &plan.stale {
        println!("{} {}", if keep_stale { kept } else { stale }, crate::source::shown_path(p));
    }
    let foreign = if en { "leave (not this site's)" } else { "保留（不属于本站点）" };
    for p in &plan.foreign {
        println!("{foreign} {}", crate::source::shown_path(p));
    }
    let purge =
        if en { "purge (changed by a deploy cut off)" } else { "待刷新（上次部署中途停止时已改动）" };
    for p in plan.pending.iter().flatten() {
        println!("{purge} {}", crate::source::shown_path(p));
    }
}

/// A temporary folder, removed when dropped or when a signal stops the command.
pub(crate) struct TempDir {
    dir: PathBuf,
    _scratch: crate::emit::interrupt::Scratch,
}

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("gongbao-verify-{}-{nanos}", std::process::id()));
        let scratch = crate::emit::interrupt::scratch(&dir);
        std::fs::create_dir(&dir)?;
        Ok(TempDir { dir, _scratch: scratch })
    }

    /// The folder.
    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether `path` may be written below a folder: relative, `/`-separated, no empty, `.` or `..`
/// part, no backslash or NUL.
fn safe(path: &str) -> bool {
    !path.is_empty() && !path.contains(['\\', '\0']) && path.split('/').all(|p| !p.is_empty() && p != "." && p != "..")
}

/// A copy of a deployed site in a temporary folder, for `gongbao verify s3://…` or
/// `verify https://…`: from a store, every object under the prefix (so that files the manifest
/// does not list are found too); from a web address, the seal files and every file the manifest
/// lists (a web server has no listing, so added files cannot be seen).
pub(crate) fn download(root: &Path, target: &str) -> Result<TempDir, Failure> {
    let dir = TempDir::new()
        .map_err(|e| Failure::io(msg!("无法建立临时目录：{e}", "cannot make a temporary folder: {e}")))?;
    let write = |path: &str, bytes: &[u8]| -> Result<(), Failure> {
        if !safe(path) {
            return Err(fail(msg!(
                "远端的路径 `{path}` 不安全，不下载",
                "the remote path `{path}` is not safe; not downloaded"
            )));
        }
        let dest = dir.path().join(path);
        let made = dest.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&dest, bytes));
        made.map_err(|e| Failure::io(msg!("无法写入 {path}：{e}", "cannot write {path}: {e}")))
    };
    if target.starts_with("s3://") {
        let cfg = read_config(root)?;
        let (bucket, prefix) = parse_target(target)?;
        let (store, endpoint) = connect(&cfg, &bucket, &prefix)?;
        let failure = |e: &StoreError, what: &str| store_failure(e, &endpoint, &bucket, what);
        // The list a deploy keeps while it runs is no file of the site (`deploy::PENDING`).
        for r in store.list().map_err(|e| failure(&e, "list"))?.into_iter().filter(|r| r.path != deploy::PENDING) {
            let bytes = store.get(&r.path).map_err(|e| failure(&e, &r.path))?.unwrap_or_default();
            write(&r.path, &bytes)?;
        }
        return Ok(dir);
    }
    let base = if target.ends_with('/') { target.to_string() } else { format!("{target}/") };
    let get = |path: &str| {
        gongbao_s3::fetch(&format!("{base}{}", plan::encode(path)))
            .map_err(|e| fail(msg!("无法下载 {base}{path}：{e}", "cannot download {base}{path}: {e}")))
    };
    let manifest = get(MANIFEST)?.ok_or_else(|| {
        fail(msg!("{base} 没有 {MANIFEST}", "{base} has no {MANIFEST}"))
            .help(msg!("给出网站的根地址（base_url）", "give the site's root address (its base_url)"))
    })?;
    write(MANIFEST, &manifest)?;
    let parsed: Manifest = serde_json::from_slice(&manifest)
        .map_err(|e| fail(msg!("{MANIFEST} 无法解析：{e}", "{MANIFEST} cannot be read: {e}")))?;
    for s in [crate::seal::SUMS, crate::seal::SIGNATURE] {
        if let Some(b) = get(s)? {
            write(s, &b)?;
        }
    }
    for f in &parsed.files {
        // A missing file stays missing: the check reports it.
        if let Some(b) = get(&f.path)? {
            write(&f.path, &b)?;
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_downloaded() {
        for ok in ["index.html", "docs/a/index.html", "公报/1.json"] {
            assert!(safe(ok), "{ok}");
        }
        for bad in ["", "/etc/passwd", "a/../../x", "a//b", "./a", "a\\b", "a/"] {
            assert!(!safe(bad), "{bad}");
        }
    }

    #[test]
    fn targets_are_a_bucket_and_a_prefix() {
        assert_eq!(parse_target("s3://site").ok().unwrap(), ("site".to_string(), String::new()));
        assert_eq!(parse_target("s3://site/").ok().unwrap(), ("site".to_string(), String::new()));
        assert_eq!(parse_target("s3://site/www/gb/").ok().unwrap(), ("site".to_string(), "www/gb/".to_string()));
        let bad = ["site/www", "s3://", "s3:///www", "s3://a b/x", "s3://site/../x", "http://site/x", "s3://site//"];
        for bad in bad.into_iter().chain([
            "s3://site/www//",
            "s3://site//www",
            "s3://site/a//b",
            "s3://site/./x",
            "s3://site/www ",
            "s3://site/w\nx",
        ]) {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }
}
