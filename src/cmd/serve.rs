//! `gongbao serve`: build, serve the output on 127.0.0.1, and rebuild when a file of the site
//! changes. Pages served here get a small script that reloads them after each rebuild; the files
//! on disk stay exactly what `build` writes.

use super::build::{Options, build};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const RELOAD_JS: &str = "(function(){var v=null;function poll(){fetch('/__gongbao/version').then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v){location.reload()}v=t}).catch(function(){}).then(function(){setTimeout(poll,800)})}poll()})();";

/// Serves the site at `root` on `port` until interrupted; returns the exit code.
pub fn run(root: &Path, port: u16, out: Option<PathBuf>) -> u8 {
    let out = out.unwrap_or_else(|| super::build::default_out(root));
    if let Err(d) = super::build::check_out(root, &out) {
        let lang = super::read_config(root).map_or_else(|_| "zh-CN".to_string(), |c| c.site.language);
        super::print(&[d], &lang, &[], None);
        return super::EXIT_FAILURE;
    }
    let opts = Options { root: root.to_path_buf(), out: Some(out.clone()), as_of: None, jobs: None, quiet: false, no_cache: false, session: Some(Default::default()) };
    let version = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(Mutex::new(build(&opts).is_err()));
    let base = super::read_config(root).map(|c| c.base_path().to_string()).unwrap_or_else(|_| "/".into());
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("127.0.0.1:{port}: {e}");
            return super::EXIT_FAILURE;
        }
    };
    eprintln!("预览地址 http://127.0.0.1:{port}{base}  （Ctrl-C 结束）");
    {
        let (root, version, failed) = (root.to_path_buf(), version.clone(), failed.clone());
        std::thread::spawn(move || watch(&root, &opts, &version, &failed));
    }
    for stream in listener.incoming().flatten() {
        let (out, base, version, failed) = (out.clone(), base.clone(), version.clone(), failed.clone());
        std::thread::spawn(move || {
            let _ = respond(stream, &out, &base, &version, &failed);
        });
    }
    0
}

/// Newest modification time of anything the build reads.
fn stamp(root: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    for top in ["content", "themes", crate::config::FILE] {
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
            let ok = build(opts).is_ok();
            if let Ok(mut f) = failed.lock() {
                *f = !ok;
            }
            version.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn respond(mut s: TcpStream, out: &Path, base: &str, version: &AtomicU64, failed: &Mutex<bool>) -> std::io::Result<()> {
    let mut line = String::new();
    BufReader::new(&s).read_line(&mut line)?;
    let target = line.split_whitespace().nth(1).unwrap_or("/").split(['?', '#']).next().unwrap_or("/").to_string();
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
    let path = crate::parse::markdown::percent_decode(target.strip_prefix(base).or_else(|| target.strip_prefix('/')).unwrap_or(""));
    if path.starts_with('/') || path.contains(['\\', '\0']) {
        return None;
    }
    // On Windows a drive prefix (`C:`) would also replace `out`.
    if !Path::new(&path).components().all(|c| matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir)) {
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
    match p.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "txt" | "" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn send(s: &mut TcpStream, status: u16, ctype: &str, body: &[u8]) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    write!(s, "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n", body.len())?;
    s.write_all(body)
}

#[cfg(test)]
mod tests {
    use super::local_file;
    use std::path::Path;

    #[test]
    fn request_paths_stay_in_the_output_folder() {
        let out = Path::new("/srv/out-that-does-not-exist");
        assert_eq!(local_file(out, "/", "/docs/a/x.csv"), Some(out.join("docs/a/x.csv")));
        assert_eq!(local_file(out, "/sub/", "/sub/docs/a/x.csv"), Some(out.join("docs/a/x.csv")));
        for bad in ["//etc/hostname", "/%2Fetc%2Fhostname", "/%2e%2e/gongbao.toml", "/docs/../../x", "/a%5C..%5Cx", "/a%00b", "/C:%5Cx"] {
            assert_eq!(local_file(out, "/", bad), None, "{bad}");
        }
    }
}
