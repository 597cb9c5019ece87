//! `serve` answers only with files of the output folder, whatever the request path says.

mod common;
use common::{Site, normative};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The preview server of a site, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(site: &Site) -> Server {
        // A free port: bind to port 0, note it, let it go. Another test may take it in between
        // (several start servers on free ports at once); then this server cannot bind and exits,
        // and a connection may even reach the other one. So the server counts as started only
        // while our child is alive and answers, and a lost race starts over on another port.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port();
            let child = Command::new(common::bin())
                .current_dir(site.root())
                .args(["serve", "--port", &port.to_string()])
                .env("CI", "true")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut server = Server { child, port };
            let start = Instant::now();
            loop {
                if server.child.try_wait().unwrap().is_some() {
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
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
    assert!(start.elapsed() < Duration::from_secs(25), "answered only after {:?}", start.elapsed());
    drop(idle);
}
