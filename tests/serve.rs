//! `gongbao serve`: the editor's loop (a page open in a browser follows edits, errors and
//! restarts by itself), the port taken before anything is built, and the server's hardening: it
//! answers only with files of the output folder, whatever the request path says, only to hosts it
//! may answer, and within bounds.

mod common;
use common::{Site, normative, project};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The preview server of a site, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(site: &Site) -> Server {
        Server::start_with(site, &[], &[])
    }

    /// Starts `serve` with more arguments and environment; its messages go to `serve.log` in the
    /// site's folder (read with [`Server::log`]).
    fn start_with(site: &Site, args: &[&str], env: &[(&str, &str)]) -> Server {
        // A free port: bind to port 0, note it, let it go. Another test may take it in between
        // (several start servers on free ports at once); then this server cannot bind and exits,
        // and a connection may even reach the other one. So the server counts as started only
        // while our child is alive and answers, and a lost race starts over on another port.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port();
            let log = std::fs::File::create(site.root().join("serve.log")).unwrap();
            let child = Command::new(common::bin())
                .current_dir(site.root())
                .args(["serve", "--port", &port.to_string()])
                .args(args)
                .env("CI", "true")
                .envs(env.iter().copied())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap();
            let mut server = Server { child, port, log: site.root().join("serve.log") };
            let start = Instant::now();
            loop {
                if server.child.try_wait().unwrap().is_some() {
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    // The port is taken before the first build; connections are answered after it.
                    let _ = server.get("/__gongbao/version");
                    // Still ours after it answered?
                    std::thread::sleep(Duration::from_millis(100));
                    if server.child.try_wait().unwrap().is_none() {
                        return server;
                    }
                    break;
                }
                assert!(start.elapsed() < Duration::from_secs(60), "serve did not start");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("serve could not start on five free ports in a row");
    }

    /// What `serve` has printed so far.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends `GET target` as written (no normalisation) and returns the status line and body.
    fn get(&self, target: &str) -> (String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(s, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
        let mut resp = Vec::new();
        s.read_to_end(&mut resp).unwrap();
        let resp = String::from_utf8_lossy(&resp).into_owned();
        let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
        (head.lines().next().unwrap_or("").to_string(), body.to_string())
    }
}

#[test]
fn serve_never_answers_with_a_file_outside_the_output() {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    let outside = s.write("outside-MARKER.txt", "OUTSIDE-MARKER\n");
    let server = Server::start(&s);
    let (status, body) = server.get("/docs/a/");
    assert!(status.contains("200") && body.contains("正文"), "{status}");
    let abs = outside.to_str().unwrap().to_string();
    let encoded = abs.replace('/', "%2F");
    for target in [
        format!("/{abs}"),
        format!("/{encoded}"),
        "/..%2Foutside-MARKER.txt".into(),
        "/%2e%2e/outside-MARKER.txt".into(),
        "/docs/..%5C..%5Coutside-MARKER.txt".into(),
    ] {
        let (status, body) = server.get(&target);
        assert!(!body.contains("OUTSIDE-MARKER"), "{target} served a file outside the output: {status}");
        assert!(status.contains("400") || status.contains("404"), "{target}: {status}");
    }
}

/// A line of `/proc/<pid>/status` (`VmRSS`, `Threads`), as a number; `None` off Linux.
fn status_of(pid: u32, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(&format!("{key}:")))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Sends `head` as written, then reads the whole answer (at most 30 s); returns the status line
/// and body.
fn raw(port: u16, head: &[u8]) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(head).unwrap();
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let resp = String::from_utf8_lossy(&resp).into_owned();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    (head.lines().next().unwrap_or("").to_string(), body.to_string())
}

fn site() -> Site {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文PAGE-MARKER。\n");
    s
}

#[test]
fn oversized_request_lines_and_headers_get_an_error_and_serving_goes_on() {
    let s = site();
    let server = Server::start(&s);
    let pid = server.child.id();
    let before = status_of(pid, "VmRSS");
    let line = ("line", &b"GET /"[..], &b"a"[..], "414");
    let headers = (
        "headers",
        &b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"[..],
        &b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"[..],
        "431",
    );
    for (what, opening, filler, code) in [line, headers] {
        let start = Instant::now();
        let mut conn = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        // 32 MiB without an end, written while the answer is read; the write fails once the
        // server has answered and closed.
        let mut writer = conn.try_clone().unwrap();
        let chunk: Vec<u8> = filler.iter().copied().cycle().take(64 * 1024).collect();
        let opening = opening.to_vec();
        let sender = std::thread::spawn(move || {
            let _ = writer.write_all(&opening);
            for _ in 0..512 {
                if writer.write_all(&chunk).is_err() {
                    break;
                }
            }
        });
        let mut resp = Vec::new();
        let _ = conn.read_to_end(&mut resp);
        let status = String::from_utf8_lossy(&resp).lines().next().unwrap_or("").to_string();
        assert!(
            status.starts_with(&format!("HTTP/1.1 {code}")),
            "an endless request {what}: `{status}` after {:?}",
            start.elapsed()
        );
        assert!(start.elapsed() < Duration::from_secs(15), "an endless request {what} took {:?}", start.elapsed());
        drop(conn);
        sender.join().unwrap();
    }
    let (status, body) = server.get("/docs/a/");
    assert!(status.contains("200") && body.contains("PAGE-MARKER"), "{status}");
    if let (Some(b), Some(a)) = (before, status_of(pid, "VmRSS")) {
        assert!(a < b + 16 * 1024, "the server grew from {b} kB to {a} kB");
    }
}

#[test]
fn only_requests_addressed_to_a_loopback_name_are_answered() {
    let s = site();
    let server = Server::start(&s);
    let port = server.port;
    for host in [
        "evil.example",
        "evil.example:8000",
        &format!("evil.example:{port}"),
        "127.0.0.1.evil.example",
        "localhost.evil.example",
        "127.0.0.2",
        "[::2]",
        "localhost:x",
    ] {
        for target in ["/docs/a/", "/__gongbao/version"] {
            let (status, body) =
                raw(port, format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes());
            assert!(status.starts_with("HTTP/1.1 403"), "Host: {host} {target}: {status}");
            assert!(!body.contains("PAGE-MARKER"), "Host: {host} got the page");
        }
    }
    let (status, body) = raw(port, b"GET /docs/a/ HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert!(status.starts_with("HTTP/1.1 4") && !body.contains("PAGE-MARKER"), "no Host: {status}");
    for host in [
        "127.0.0.1",
        &format!("127.0.0.1:{port}"),
        "localhost",
        &format!("LocalHost:{port}"),
        "[::1]",
        &format!("[::1]:{port}"),
    ] {
        let (status, body) =
            raw(port, format!("GET /docs/a/ HTTP/1.1\r\nhost:  {host} \r\nConnection: close\r\n\r\n").as_bytes());
        assert!(status.starts_with("HTTP/1.1 200") && body.contains("PAGE-MARKER"), "Host: {host}: {status}");
    }
}

#[test]
fn a_silent_client_is_dropped_and_does_not_hold_up_others() {
    let s = site();
    let server = Server::start(&s);
    let mut idle = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let start = Instant::now();
    let (status, _) = server.get("/docs/a/");
    assert!(status.contains("200") && start.elapsed() < Duration::from_secs(5), "{status} after {:?}", start.elapsed());
    // The server closes the silent connection after its timeout (10 s).
    let mut buf = [0u8; 256];
    let r = idle.read(&mut buf);
    assert!(
        !matches!(&r, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
        "still open after {:?}",
        start.elapsed()
    );
    assert!(start.elapsed() < Duration::from_secs(20), "dropped only after {:?}", start.elapsed());
}

#[test]
fn many_idle_connections_use_a_bounded_number_of_threads_and_the_preview_still_answers() {
    let s = site();
    let server = Server::start(&s);
    let pid = server.child.id();
    let idle: Vec<TcpStream> = (0..60).map(|_| TcpStream::connect(("127.0.0.1", server.port)).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(500));
    if let Some(threads) = status_of(pid, "Threads") {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        assert!(threads <= 32 + cores + 8, "{threads} threads for {} idle connections", idle.len());
    }
    let start = Instant::now();
    let (status, body) = raw(server.port, b"GET /docs/a/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assert!(status.contains("200") && body.contains("PAGE-MARKER"), "{status} after {:?}", start.elapsed());
    // Silent connections give way while others wait (1 s), instead of holding their slots for
    // the 10 s a head may take: two rounds of them would be 20 s.
    assert!(start.elapsed() < Duration::from_secs(6), "answered only after {:?}", start.elapsed());
    drop(idle);
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port()
}

/// Runs `tests/browser/serve.mjs` against a site whose record is `content/a.md`, with `watcher`.
fn editor_loop(watcher: &str) {
    let ready = project().join("tests/browser/node_modules/playwright-core").exists()
        && std::path::Path::new("/usr/bin/chromium").exists();
    assert!(ready, "chromium or playwright-core missing: run the tests with scripts/test, which installs them");
    let s = Site::new();
    s.record("a", &normative("甲办法", "2024-01-02"), "第一版正文。\n");
    let out = Command::new("node")
        .arg(project().join("tests/browser/serve.mjs"))
        .args([common::bin(), s.root().to_str().unwrap(), &free_port().to_string(), watcher])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    for step in [
        "ok an edit reloads the page",
        "ok a new wording is previewed and the rebuild does not reload the page again",
        "ok a copy with an older time stamp reloads the page",
        "ok broken YAML shows the error with file and line",
        "ok a rule error shows its rule, file and line",
        "ok fixing the record shows the content again",
        "ok after a restart of serve the page reconnects and reloads",
        "ok the page never polls",
    ] {
        assert!(text.contains(step), "{step} missing from:\n{text}");
    }
    // The reload script is the preview's: the files on disk are what `build` writes.
    for (path, bytes) in common::tree(&s.root().join("public")) {
        // The preview's own routes all live under `/__gongbao/`.
        assert!(!String::from_utf8_lossy(&bytes).contains("/__gongbao/"), "{path} holds the reload script");
    }
}

#[test]
fn an_open_page_follows_edits_errors_and_restarts_by_itself() {
    editor_loop("auto");
}

#[test]
fn an_open_page_follows_edits_with_the_polling_watcher_too() {
    editor_loop("poll");
}

#[test]
fn a_busy_port_is_said_at_once_and_nothing_is_built() {
    let s = site();
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let start = Instant::now();
    let o = s.run(&["serve", "--port", &port]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("端口 {port} 已被占用")) && err.contains("--port"), "{err}");
    assert!(!s.root().join("public").exists(), "something was built: {err}");
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    // In the site's language.
    s.write("gongbao.toml", &common::CONFIG.replacen("[site]\n", "[site]\nlanguage = \"en\"\n", 1));
    let o = s.run(&["serve", "--port", &port]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("port {port} is in use")) && err.contains("--port"), "{err}");
    drop(taken);
}

#[test]
fn a_first_build_that_fails_shows_its_findings_on_every_page_without_private_values() {
    let s = Site::new();
    s.record("a", &format!("{}\nsigned: 2024-03-01", normative("甲", "2024-01-02")), "正文。\n");
    s.record(
        "w",
        &format!(
            "{}\ndisclosure: withheld\ndisclosure_reason: 涉密\ndoc_number: 秘MARKER号",
            normative("秘MARKER标题", "2024-01-02")
        ),
        "MARKER正文\n",
    );
    let server = Server::start(&s);
    for target in ["/", "/docs/a/", "/no/such/page/"] {
        let (status, body) = server.get(target);
        assert!(status.contains("500"), "{target}: {status}");
        assert!(body.contains("构建失败") && body.contains("[date-order]"), "{target}: {body}");
        assert!(body.contains("content/a.md:"), "{target}: no file and line in {body}");
        assert!(body.contains("content/w.md:") && body.contains("[doc-number]"), "{target}: {body}");
        assert!(!body.contains("MARKER"), "{target}: a withheld record's value reached the page: {body}");
        assert!(body.contains("/__gongbao/reload.js"), "{target}: the error page must reload itself");
    }
    // The terminal says the same, masked the same way.
    let log = server.log();
    assert!(log.contains("content/w.md:") && !log.contains("MARKER"), "{log}");
    // Fixed: the pages are served.
    s.record("a", &normative("甲", "2024-01-02"), "正文PAGE-MARKER。\n");
    s.record("w", &format!("{}\ndisclosure: withheld\ndisclosure_reason: 涉密", normative("秘", "2024-01-02")), "x\n");
    let start = Instant::now();
    loop {
        let (status, body) = server.get("/docs/a/");
        if status.contains("200") && body.contains("PAGE-MARKER") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "still {status}: {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Withheld by an edit that stops the build (no reason given): none of the last output's
    // files is served any more, its text, data and feeds included.
    s.record(
        "a",
        &format!(
            "{}
disclosure: withheld",
            normative("甲", "2024-01-02")
        ),
        "正文PAGE-MARKER。
",
    );
    let start = Instant::now();
    while !server.get("/docs/a/").0.contains("500") {
        assert!(start.elapsed() < Duration::from_secs(30), "the withholding edit never stopped the build");
        std::thread::sleep(Duration::from_millis(100));
    }
    for target in ["/docs/a/text.md", "/data/documents.json", "/feeds/all.atom", "/sitemap.xml"] {
        let (status, body) = server.get(target);
        assert!(status.contains("500") && !body.contains("PAGE-MARKER"), "{target}: {status}: {body}");
    }
}

#[test]
fn event_streams_do_not_take_the_slots_pages_need() {
    let s = site();
    let server = Server::start(&s);
    let pid = server.child.id();
    // More open pages than connection slots, each holding its event stream.
    let streams: Vec<(TcpStream, String)> = (0..48)
        .map(|_| {
            let mut c = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
            c.write_all(b"GET /__gongbao/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let (mut head, mut buf) = (String::new(), [0u8; 256]);
            while !head.contains("\r\n\r\n") {
                let n = c.read(&mut buf).unwrap();
                assert!(n > 0, "closed after {head}");
                head.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
            assert!(head.starts_with("HTTP/1.1 200") && head.contains("text/event-stream"), "{head}");
            (c, head)
        })
        .collect();
    let start = Instant::now();
    let (status, body) = server.get("/docs/a/");
    assert!(status.contains("200") && body.contains("PAGE-MARKER"), "{status}");
    assert!(start.elapsed() < Duration::from_secs(3), "answered after {:?}", start.elapsed());
    if let Some(threads) = status_of(pid, "Threads") {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        assert!(threads <= 8 + cores + 8, "{threads} threads for {} streams", streams.len());
    }
    // A rebuild reaches every stream.
    s.record("a", &normative("甲", "2024-01-02"), "改过的正文。\n");
    for (mut c, mut seen) in streams {
        let mut buf = [0u8; 512];
        // The version on connecting, then the new one.
        while seen.matches("data: ").count() < 2 {
            let n = c.read(&mut buf).expect("no rebuild announced within 10 s");
            assert!(n > 0, "stream closed: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
}

#[test]
fn another_bind_address_warns_and_still_refuses_other_names() {
    let s = site();
    let server = Server::start_with(&s, &["--bind", "0.0.0.0"], &[]);
    let port = server.port;
    let log = server.log();
    assert!(log.contains("警告") && log.contains("0.0.0.0") && log.contains("其他计算机"), "{log}");
    for host in ["evil.example", &format!("evil.example:{port}"), "127.0.0.1.evil.example"] {
        let (status, body) =
            raw(port, format!("GET /docs/a/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes());
        assert!(status.starts_with("HTTP/1.1 403") && !body.contains("PAGE-MARKER"), "Host: {host}: {status}");
    }
    for host in [format!("127.0.0.1:{port}"), format!("192.0.2.7:{port}"), "localhost".into(), format!("[::1]:{port}")]
    {
        let (status, body) =
            raw(port, format!("GET /docs/a/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes());
        assert!(status.starts_with("HTTP/1.1 200") && body.contains("PAGE-MARKER"), "Host: {host}: {status}");
    }
    let o = s.run(&["serve", "--bind", "not-an-address"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--bind"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn open_starts_the_desktop_opener_and_a_machine_without_one_still_serves() {
    let s = site();
    let bin = s.root().join("fake-bin");
    let called = s.root().join("opened.txt");
    s.write("fake-bin/xdg-open", &format!("#!/bin/sh\necho \"$1\" > '{}'\n", called.display()));
    std::fs::set_permissions(bin.join("xdg-open"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let server = Server::start_with(&s, &["--open"], &[("PATH", &path)]);
    let start = Instant::now();
    while !called.exists() {
        assert!(start.elapsed() < Duration::from_secs(20), "xdg-open was not run: {}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(100));
    let url = std::fs::read_to_string(&called).unwrap();
    assert_eq!(url.trim(), format!("http://127.0.0.1:{}/", server.port));
    drop(server);
    // No opener at all: a line says so, the preview goes on.
    let empty = s.root().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let server = Server::start_with(&s, &["--open"], &[("PATH", empty.to_str().unwrap())]);
    let (status, body) = server.get("/docs/a/");
    assert!(status.contains("200") && body.contains("PAGE-MARKER"), "{status}");
    assert!(server.log().contains("无法打开浏览器"), "{}", server.log());
}

#[test]
fn a_commit_rebuilds_the_preview_and_git_status_does_not() {
    let s = site();
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .current_dir(s.root())
            .args(["-c", "user.name=编辑", "-c", "user.email=e@example.invalid", "-c", "commit.gpgsign=false"])
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "content", "gongbao.toml"]);
    git(&["commit", "-qm", "收录"]);
    s.record("a", &normative("甲", "2024-01-02"), "正文PAGE-MARKER，第二稿。\n");
    let server = Server::start(&s);
    let version = || server.get("/__gongbao/version").1;
    let settled = |before: &str| {
        let start = Instant::now();
        while version() == before && start.elapsed() < Duration::from_secs(15) {
            std::thread::sleep(Duration::from_millis(100));
        }
        version()
    };
    let first = version();
    // Neither reading the repository nor staging a file changes what is published.
    git(&["status"]);
    git(&["add", "content"]);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(version(), first, "git status or git add rebuilt the preview: {}", server.log());
    git(&["commit", "-qm", "第二稿"]);
    assert_ne!(settled(&first), first, "a commit did not rebuild the preview: {}", server.log());
}

/// User and system time of a process so far, in clock ticks (`/proc/<pid>/stat`).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn an_idle_preview_of_many_files_uses_almost_no_cpu() {
    let s = site();
    for k in 0..10_000 {
        s.write(&format!("content/files/f{k:05}.txt"), "x\n");
    }
    let server = Server::start(&s);
    let pid = server.child.id();
    std::thread::sleep(Duration::from_secs(2));
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(5));
    let used = cpu_ticks(pid) - before;
    // 100 ticks a second on Linux: 25 ticks in 5 s is 5 % of a core. Walking these files once a
    // second, or in a loop, takes far more.
    assert!(used <= 25, "{used} ticks in 5 s while idle: {}", server.log());
    // And it still notices an edit.
    s.record("a", &normative("甲", "2024-01-02"), "改过PAGE-MARKER2。\n");
    let start = Instant::now();
    while !server.get("/docs/a/").1.contains("PAGE-MARKER2") {
        assert!(start.elapsed() < Duration::from_secs(30), "the edit was not noticed");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_rebuild_prints_only_the_findings_the_edit_brought() {
    let s = Site::new();
    // Records without a review record each get a `review` warning.
    s.record("a", &normative("甲办法", "2024-01-02"), "甲。\n");
    let signed = |date: &str| format!("{}\nsigned: {date}", normative("丙办法", "2024-01-04"));
    s.record("c", &signed("2024-01-03"), "丙。\n");
    let server = Server::start(&s);
    // Saved as an editor saves, through a file renamed over the record: a file emptied and then
    // written may be read half-saved, which stops that build and reads the site again, with
    // no preview.
    let save_c = |fm: &str, body: &str| {
        s.write("content/c.md.tmp", &format!("---\n{fm}\n---\n{body}"));
        std::fs::rename(s.root().join("content/c.md.tmp"), s.root().join("content/c.md")).unwrap();
    };
    let first = server.log();
    let warned = first.matches("[review]").count();
    assert!(warned > 0, "{first}");
    let wait_for = |what: &str, times: usize| {
        let start = Instant::now();
        while server.log().matches(what).count() < times {
            assert!(start.elapsed() < Duration::from_secs(30), "no {what:?} ×{times} in:\n{}", server.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    // Rebuild `k` has printed its findings and written the site (the first build is the 0th): a
    // save before its end would stop it and read the site again, with no preview.
    let rebuilt = |k: usize| {
        wait_for("条发现与上次构建相同", k);
        wait_for("输出到 ./public", k + 1);
    };
    // An edit that changes no finding: none is printed again, one line says how many are kept.
    save_c(&signed("2024-01-03"), "丙，改过。\n");
    rebuilt(1);
    assert_eq!(server.log().matches("[review]").count(), warned, "{}", server.log());
    // A signing date months before publication: a warning of the record's own check, which the
    // preview takes, and the rebuild from it prints, alone.
    save_c(&signed("2023-10-09"), "丙，改过。\n");
    rebuilt(2);
    let log = server.log();
    assert_eq!(log.matches("已先显示").count(), 2, "the edits were previewed: {log}");
    let after = &log[log.rfind("已先显示").unwrap()..];
    assert!(after.contains("[publication-delay]") && after.contains("content/c.md:"), "{log}");
    assert!(!after.contains("[review]"), "an old finding printed again: {log}");
    // The signing date as it was: nothing new to print; and then a new record, whose finding
    // alone is printed, not the warning that went.
    save_c(&signed("2024-01-03"), "丙，改过。\n");
    rebuilt(3);
    s.record("d", &normative("丁办法", "2024-01-05"), "丁。\n");
    rebuilt(4);
    let log = server.log();
    assert_eq!(log.matches("[publication-delay]").count(), 1, "{log}");
    assert_eq!(log.matches("已先显示").count(), 3, "the edits of c were previewed: {log}");
    let after = &log[log.rfind("已先显示").unwrap()..];
    assert_eq!(after.matches("[review]").count(), 1, "{log}");
    assert!(after.contains("content/d.md:"), "{log}");
    assert!(
        !after.contains("content/a.md:") && !after.contains("content/c.md:"),
        "an old finding printed again: {log}"
    );
}

#[test]
fn an_attachment_changed_while_serving_is_read_again_for_personal_data() {
    let s = Site::new();
    s.write(
        "content/a/index.md",
        &format!(
            "---\n{}\nattachments:\n  - {{file: list.csv, title: 名单}}\n---\n见附件。\n",
            normative("甲办法", "2024-01-02")
        ),
    );
    s.write("content/a/list.csv", "姓名,电话\n张三,（已隐去）\n");
    let server = Server::start(&s);
    let wait_for = |what: &str, times: usize| {
        let start = Instant::now();
        while server.log().matches(what).count() < times {
            assert!(start.elapsed() < Duration::from_secs(30), "no {what:?} ×{times} in:\n{}", server.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    // A rebuild once the file has settled keeps what was found in it, by its stamp.
    std::thread::sleep(Duration::from_millis(2500));
    s.record("b", &normative("乙办法", "2024-01-03"), "乙。\n");
    wait_for("条发现与上次构建相同", 1);
    assert!(!server.log().contains("[personal-data]"), "{}", server.log());
    // The same file with a number in it is read again, whatever was kept.
    s.write("content/a/list.csv", "姓名,电话\n张三,13812345678\n");
    wait_for("[personal-data]", 1);
    let log = server.log();
    assert!(log.contains("list.csv") && !log.contains("13812345678"), "{log}");
}

/// Records added, renamed, removed and saved the way editors save (a temporary file renamed over
/// the record) while `serve` runs are all seen, with file events and with polling: a rebuild
/// lists `content/` again only when the watcher names a file it cannot account for, so each of
/// these must be one.
fn files_coming_and_going(watcher: &str) {
    let s = Site::new();
    s.record("a", &normative("甲办法", "2024-01-02"), "甲的第一版。\n");
    s.record("b", &normative("乙办法", "2024-01-03"), "乙。\n");
    let server = Server::start_with(&s, &["--watcher", watcher], &[]);
    let wait = |what: &str, ok: &dyn Fn() -> bool| {
        let start = Instant::now();
        while !ok() {
            assert!(start.elapsed() < Duration::from_secs(30), "{what} ({watcher}):\n{}", server.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let shows = |path: &str, text: &str| {
        let (status, body) = server.get(path);
        status.contains(" 200 ") && body.contains(text)
    };
    let gone = |path: &str| server.get(path).0.contains(" 404 ");
    // A date no preview takes: the site is read again, from the listing it had.
    s.record("a", &normative("甲办法", "2024-01-09"), "甲的第一版。\n");
    wait("a new publication date", &|| shows("/docs/a/", "2024-01-09"));
    s.record("c", &normative("丙办法", "2024-01-04"), "丙。\n");
    wait("a new record", &|| shows("/docs/c/", "丙办法"));
    std::fs::rename(s.root().join("content/c.md"), s.root().join("content/e.md")).unwrap();
    wait("a renamed record", &|| shows("/docs/e/", "丙办法") && gone("/docs/c/"));
    std::fs::remove_file(s.root().join("content/b.md")).unwrap();
    wait("a removed record", &|| gone("/docs/b/"));
    // As editors save: a new file beside the record, renamed over it.
    let text = format!("---\n{}\n---\n甲的第二版。\n", normative("甲办法", "2024-01-10"));
    std::fs::write(s.root().join("content/a.md.tmp"), text).unwrap();
    std::fs::rename(s.root().join("content/a.md.tmp"), s.root().join("content/a.md")).unwrap();
    wait("a record saved through a temporary file", &|| shows("/docs/a/", "甲的第二版"));
    s.record("f", &normative("戊办法", "2024-01-05"), "戊。\n");
    wait("a record after those", &|| shows("/docs/f/", "戊办法") && shows("/docs/a/", "2024-01-10"));
}

#[test]
fn files_coming_and_going_are_seen_with_file_events() {
    files_coming_and_going("native");
}

#[test]
fn files_coming_and_going_are_seen_when_polling() {
    files_coming_and_going("poll");
}

/// A page of the output changed by hand while `serve` runs is found and written again after the
/// next edit, of another record: the output matches its manifest again (`gongbao verify`).
#[test]
fn a_page_changed_by_hand_is_written_again_after_the_next_edit() {
    let s = site();
    s.record("b", &normative("乙", "2024-01-03"), "乙文。\n");
    let server = Server::start(&s);
    let page = s.root().join("public/docs/a/index.html");
    let built = std::fs::read(&page).unwrap();
    std::fs::write(&page, "tampered").unwrap();
    s.record("b", &normative("乙", "2024-01-03"), "乙文，改过。\n");
    let start = Instant::now();
    while std::fs::read(&page).ok().as_ref() != Some(&built) || !server.get("/docs/b/").1.contains("改过") {
        assert!(start.elapsed() < Duration::from_secs(30), "the page was not written again: {}", server.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    // No build under way: the sweep that found the page has built again.
    std::thread::sleep(Duration::from_secs(2));
    let o = Command::new(common::bin())
        .current_dir(s.root())
        .args(["verify", "public"])
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}\n{}", String::from_utf8_lossy(&o.stderr), server.log());
}

#[test]
fn serve_stopped_by_ctrl_c_leaves_only_the_output() {
    use std::os::unix::process::ExitStatusExt;
    let s = site();
    let mut server = Server::start(&s);
    let beside = || -> Vec<String> {
        let names =
            std::fs::read_dir(s.root()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned());
        names.filter(|n| n.starts_with(".public")).collect()
    };
    // Between edits, `serve` keeps spare copies of the largest files beside the output.
    let start = Instant::now();
    while !beside().iter().any(|n| n.contains("spare")) {
        assert!(start.elapsed() < Duration::from_secs(60), "no spares made: {:?}", beside());
        std::thread::sleep(Duration::from_millis(50));
    }
    let sent = Command::new("kill").args(["-INT", &server.child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let status = server.child.wait().unwrap();
    assert_eq!(status.signal(), Some(2), "ended by the signal: {status:?}\n{}", server.log());
    assert_eq!(beside(), Vec::<String>::new());
    assert!(s.root().join("public/docs/a/index.html").is_file(), "the output stays");
}
