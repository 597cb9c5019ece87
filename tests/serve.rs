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
        // A free port: bind to port 0, note it, let it go.
        let port = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port();
        let child = Command::new(common::bin()).current_dir(site.root()).args(["serve", "--port", &port.to_string()]).env("CI", "true").stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let server = Server { child, port };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(60), "serve did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
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
    for target in [format!("/{abs}"), format!("/{encoded}"), "/..%2Foutside-MARKER.txt".into(), "/%2e%2e/outside-MARKER.txt".into(), "/docs/..%5C..%5Coutside-MARKER.txt".into()] {
        let (status, body) = server.get(&target);
        assert!(!body.contains("OUTSIDE-MARKER"), "{target} served a file outside the output: {status}");
        assert!(status.contains("400") || status.contains("404"), "{target}: {status}");
    }
}
