//! `gongbao serve`: build, serve the output on 127.0.0.1, and rebuild when a file of the site
//! changes. Pages served here get a small script that reloads them after each rebuild; the files
//! on disk stay exactly what `build` writes.
//!
//! The preview holds unpublished drafts, so the server is careful even on 127.0.0.1: it answers
//! only requests whose `Host` is a loopback name (a web page on another site cannot read the
//! preview through DNS rebinding), and it bounds what a client can take: the request head's size
//! ([`MAX_LINE`], [`MAX_HEAD`]), the time to send it and to take the answer ([`TIMEOUT`]), and the
//! number of connections served at once ([`MAX_CONNECTIONS`]; more wait in the kernel's queue).

use super::build::{Options, build};
use super::{Failure, report};
use crate::msg;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Longest request line read; a longer one gets 414.
pub const MAX_LINE: usize = 8 * 1024;
/// Longest request head (line and headers) read; a longer one gets 431.
pub const MAX_HEAD: usize = 64 * 1024;
/// Time a client has to send its request head, and for each write of the answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once, each on its own thread.
pub const MAX_CONNECTIONS: usize = 32;

const RELOAD_JS: &str = "(function(){var v=null;function poll(){fetch('/__gongbao/version').then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v){location.reload()}v=t}).catch(function(){}).then(function(){setTimeout(poll,800)})}poll()})();";

/// Serves the site at `root` on `port` until interrupted; returns the exit code.
pub fn run(root: &Path, port: u16, out: Option<PathBuf>) -> u8 {
    match serve(root, port, out) {
        Err(f) => report(&f, root),
    }
}

/// Builds, then serves and rebuilds for ever; returns only when it cannot start.
fn serve(root: &Path, port: u16, out: Option<PathBuf>) -> Result<std::convert::Infallible, Failure> {
    let out = out.unwrap_or_else(|| super::build::default_out(root));
    super::build::check_out(root, &out).map_err(|d| Failure { diagnostic: d, code: super::EXIT_FAILURE })?;
    let opts = Options {
        root: root.to_path_buf(),
        out: Some(out.clone()),
        as_of: None,
        jobs: None,
        quiet: false,
        no_cache: false,
        session: Some(Default::default()),
    };
    let version = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(Mutex::new(rebuild(&opts)));
    let base = super::read_config(root).map(|c| c.base_path().to_string()).unwrap_or_else(|_| "/".into());
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        Failure::io(msg!("无法在 127.0.0.1:{port} 上监听：{e}", "cannot listen on 127.0.0.1:{port}: {e}"))
            .help(msg!("用 --port 换一个端口", "choose another port with --port"))
    })?;
    if super::site_language(root).is_english() {
        eprintln!("preview at http://127.0.0.1:{port}{base}  (Ctrl-C to stop)");
    } else {
        eprintln!("预览地址 http://127.0.0.1:{port}{base}  （Ctrl-C 结束）");
    }
    {
        let (root, version, failed) = (root.to_path_buf(), version.clone(), failed.clone());
        std::thread::spawn(move || watch(&root, &opts, &version, &failed));
    }
    let slots = Arc::new(Slots::default());
    loop {
        // A free slot first: while every slot is taken, new connections wait in the kernel's
        // queue instead of each getting a thread.
        let slot = Slots::take(&slots);
        let Ok((stream, _)) = listener.accept() else {
            // Out of descriptors, say: wait a little rather than spin.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let (out, base, version, failed) = (out.clone(), base.clone(), version.clone(), failed.clone());
        // When no thread can be made, the closure (with the stream and the slot) is dropped.
        let _ = std::thread::Builder::new().spawn(move || {
            let _slot = slot;
            let _ = respond(stream, &out, &base, &version, &failed);
        });
    }
}

/// The count of connections being served, and a signal when one ends.
#[derive(Default)]
struct Slots {
    busy: Mutex<usize>,
    freed: Condvar,
}

/// One connection's place among [`MAX_CONNECTIONS`]; given back when dropped, however the
/// connection ended.
struct Slot(Arc<Slots>);

impl Slots {
    fn take(slots: &Arc<Slots>) -> Slot {
        let mut busy = slots.busy.lock().unwrap_or_else(|e| e.into_inner());
        while *busy >= MAX_CONNECTIONS {
            busy = slots.freed.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy += 1;
        Slot(slots.clone())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut busy = self.0.busy.lock().unwrap_or_else(|e| e.into_inner());
        *busy = busy.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

/// Builds once, printing what stopped the build; whether it failed.
fn rebuild(opts: &Options) -> bool {
    match build(opts) {
        Ok(_) => false,
        Err(stop) => {
            stop.report(&opts.root);
            true
        }
    }
}

/// Newest modification time of anything the build reads.
fn stamp(root: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    for top in ["content", "themes", crate::config::FILE, crate::model::transfer::REGISTER] {
        for e in walkdir::WalkDir::new(root.join(top)).follow_links(false).into_iter().flatten() {
            if let Some(m) = e.metadata().ok().and_then(|m| m.modified().ok()) {
                newest = newest.max(m);
            }
        }
    }
    newest
}

fn watch(root: &Path, opts: &Options, version: &AtomicU64, failed: &Mutex<bool>) {
    let mut last = stamp(root);
    loop {
        std::thread::sleep(Duration::from_millis(400));
        let now = stamp(root);
        if now != last {
            last = now;
            let bad = rebuild(opts);
            if let Ok(mut f) = failed.lock() {
                *f = bad;
            }
            version.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Why a request head could not be read.
enum Refused {
    /// The client went away or said nothing in time: close without an answer.
    Gone,
    /// Answer with this status and close.
    Status(u16),
}

/// Reads the request head (up to the empty line) within `deadline`, at most [`MAX_HEAD`] bytes
/// and a request line of at most [`MAX_LINE`]. What follows the head is never read.
fn read_head(s: &mut TcpStream, deadline: Instant) -> Result<Vec<u8>, Refused> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || s.set_read_timeout(Some(left)).is_err() {
            return Err(Refused::Gone);
        }
        let n = match s.read(&mut chunk) {
            Ok(0) => return Err(Refused::Gone),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(Refused::Gone),
        };
        let from = head.len().saturating_sub(2);
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = head_end(&head, from) {
            head.truncate(end);
            return Ok(head);
        }
        let line = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
        if line > MAX_LINE {
            return Err(Refused::Status(414));
        }
        if head.len() > MAX_HEAD {
            return Err(Refused::Status(431));
        }
    }
}

/// Where the head in `buf` ends, after the empty line (`\n\r\n`, or `\n\n` from lax clients),
/// looking from `from` on.
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    (from..buf.len()).find_map(|i| match &buf[i..] {
        [b'\n', b'\n', ..] => Some(i + 2),
        [b'\n', b'\r', b'\n', ..] => Some(i + 3),
        _ => None,
    })
}

/// Whether a `Host` header names this machine's loopback interface: `127.0.0.1`, `localhost` or
/// `[::1]`, with or without a port.
fn loopback_host(host: &str) -> bool {
    let (name, port) = match host.strip_prefix("[::1]") {
        Some("") => ("[::1]", None),
        Some(rest) => match rest.strip_prefix(':') {
            Some(p) => ("[::1]", Some(p)),
            None => return false,
        },
        None => match host.rsplit_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host, None),
        },
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok && (name == "127.0.0.1" || name == "[::1]" || name.eq_ignore_ascii_case("localhost"))
}

/// The request target of a head, if the head is well-formed and addressed to a loopback name;
/// otherwise the status to answer with.
fn target_of(head: &[u8]) -> Result<String, u16> {
    let text = std::str::from_utf8(head).map_err(|_| 400u16)?;
    let mut lines = text.lines();
    let line = lines.next().unwrap_or("");
    let mut parts = line.split_whitespace();
    let (Some(_method), Some(target), Some(_version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(400);
    };
    let hosts: Vec<&str> = lines
        .filter_map(|l| l.split_once(':'))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim())
        .collect();
    match hosts[..] {
        [host] if loopback_host(host) => Ok(target.split(['?', '#']).next().unwrap_or("/").to_string()),
        [_] => Err(403),
        _ => Err(400),
    }
}

fn respond(mut s: TcpStream, out: &Path, base: &str, version: &AtomicU64, failed: &Mutex<bool>) -> std::io::Result<()> {
    s.set_write_timeout(Some(TIMEOUT))?;
    let head = match read_head(&mut s, Instant::now() + TIMEOUT) {
        Ok(head) => head,
        Err(Refused::Gone) => return Ok(()),
        Err(Refused::Status(status)) => return refuse(&mut s, status),
    };
    let target = match target_of(&head) {
        Ok(t) => t,
        Err(status) => return refuse(&mut s, status),
    };
    if target == "/__gongbao/version" {
        return send(&mut s, 200, "text/plain", version.load(Ordering::SeqCst).to_string().as_bytes());
    }
    if target == "/__gongbao/reload.js" {
        return send(&mut s, 200, "text/javascript", RELOAD_JS.as_bytes());
    }
    let Some(file) = local_file(out, base, &target) else {
        return send(&mut s, 400, "text/plain", b"bad path");
    };
    let (status, file) = if file.is_file() && inside(out, &file) { (200, file) } else { (404, out.join("404.html")) };
    let mut body = std::fs::read(&file).unwrap_or_default();
    let is_html = file.extension().is_some_and(|e| e == "html");
    if is_html {
        let mut inject = String::from("<script src=\"/__gongbao/reload.js\"></script>");
        if failed.lock().map(|f| *f).unwrap_or(false) {
            inject.push_str("<div style=\"position:fixed;bottom:0;left:0;right:0;background:#b00;color:#fff;padding:8px;font:14px sans-serif;z-index:99\">构建失败，显示的是上一次成功的结果；错误见终端。</div>");
        }
        let text = String::from_utf8_lossy(&body);
        body = match text.rfind("</body>") {
            Some(i) => format!("{}{inject}{}", &text[..i], &text[i..]).into_bytes(),
            None => format!("{text}{inject}").into_bytes(),
        };
    }
    send(&mut s, status, content_type(&file), &body)
}

/// The file under `out` that the request target names, or `None` when the decoded path could
/// leave `out`: absolute (`//etc/passwd`, `/%2Fetc%2Fpasswd`, where `join` would drop `out`),
/// with `..`, backslashes, NUL or a drive prefix. Only plain names are joined to `out`.
fn local_file(out: &Path, base: &str, target: &str) -> Option<PathBuf> {
    let path =
        crate::markdown::percent_decode(target.strip_prefix(base).or_else(|| target.strip_prefix('/')).unwrap_or(""));
    if path.starts_with('/') || path.contains(['\\', '\0']) {
        return None;
    }
    // On Windows a drive prefix (`C:`) would also replace `out`.
    if !Path::new(&path)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir))
    {
        return None;
    }
    let mut file = out.to_path_buf();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s => file.push(s),
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    Some(file)
}

/// Whether `file`, with links resolved, is inside `out`.
fn inside(out: &Path, file: &Path) -> bool {
    match (out.canonicalize(), file.canonicalize()) {
        (Ok(o), Ok(f)) => f.starts_with(o),
        _ => false,
    }
}

fn content_type(p: &Path) -> &'static str {
    crate::route::media_type(&p.to_string_lossy())
}

fn send(s: &mut TcpStream, status: u16, ctype: &str, body: &[u8]) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        _ => "Not Found",
    };
    write!(
        s,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    s.write_all(body)
}

/// Answers a request that is not served with `status` and a line saying why, then reads (and
/// drops) a little of what the client may still be sending, so that it gets the answer before
/// the connection closes.
fn refuse(s: &mut TcpStream, status: u16) -> std::io::Result<()> {
    let why: &[u8] = match status {
        403 => b"forbidden: the preview answers only requests addressed to 127.0.0.1, localhost or [::1]\n",
        414 => b"request line too long\n",
        431 => b"request headers too large\n",
        _ => b"bad request\n",
    };
    send(s, status, "text/plain; charset=utf-8", why)?;
    let _ = s.shutdown(Shutdown::Write);
    let until = Instant::now() + Duration::from_secs(1);
    let mut sink = [0u8; 16 * 1024];
    let mut drained = 0usize;
    while drained < 8 * 1024 * 1024 {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || s.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match s.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{content_type, local_file, loopback_host, target_of};
    use std::path::Path;

    #[test]
    fn texts_as_markdown_are_served_as_such() {
        assert_eq!(content_type(Path::new("docs/a/text.md")), "text/markdown; charset=utf-8");
        assert_eq!(content_type(Path::new("docs/a/index.html")), "text/html; charset=utf-8");
    }

    #[test]
    fn request_paths_stay_in_the_output_folder() {
        let out = Path::new("/srv/out-that-does-not-exist");
        assert_eq!(local_file(out, "/", "/docs/a/x.csv"), Some(out.join("docs/a/x.csv")));
        assert_eq!(local_file(out, "/sub/", "/sub/docs/a/x.csv"), Some(out.join("docs/a/x.csv")));
        for bad in [
            "//etc/hostname",
            "/%2Fetc%2Fhostname",
            "/%2e%2e/gongbao.toml",
            "/docs/../../x",
            "/a%5C..%5Cx",
            "/a%00b",
            "/C:%5Cx",
        ] {
            assert_eq!(local_file(out, "/", bad), None, "{bad}");
        }
    }

    #[test]
    fn only_loopback_names_are_hosts() {
        for ok in ["127.0.0.1", "127.0.0.1:8000", "localhost", "LOCALHOST:1", "[::1]", "[::1]:8000"] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "127.0.0.1.evil.example",
            "localhost.",
            "localhost:",
            "localhost:80x",
            "[::1]x",
            "[::1]:",
            "::1",
            "127.0.0.1:123456",
            "[::2]",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn request_heads_need_one_loopback_host() {
        assert_eq!(target_of(b"GET /a?q=1 HTTP/1.1\r\nHost: localhost\r\n\r\n"), Ok("/a".to_string()));
        assert_eq!(target_of(b"GET /a HTTP/1.1\r\nHost: evil.example\r\n\r\n"), Err(403));
        assert_eq!(target_of(b"GET /a HTTP/1.1\r\n\r\n"), Err(400));
        assert_eq!(target_of(b"GET /a HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n"), Err(400));
        assert_eq!(target_of(b"GET /a b HTTP/1.1\r\nHost: localhost\r\n\r\n"), Err(400));
    }
}
