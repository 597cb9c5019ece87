//! `gongbao serve`: serve the built site on 127.0.0.1 (or `--bind`), rebuild when a file of
//! the site changes, and reload the pages open in a browser. Pages served here get a small script
//! that listens for rebuilds ([`live`]); the files on disk stay exactly what `build` writes. While
//! the last build has failed, every page request gets a page with its findings instead. When a
//! save only rewords a record's text or changes its title, keywords, signing date, numbers, genre,
//! review or dates of validity, the record's own pages are rendered first and served from memory
//! until the rebuild ends ([`preview`]).
//!
//! The port is taken before anything is built, so a busy port is said at once. The preview holds
//! unpublished drafts, so the server is careful even on 127.0.0.1: it answers only requests
//! whose `Host` is a loopback name (an IP address too when bound to another address), so a web
//! page on another site cannot read the preview through DNS rebinding, and it bounds what a
//! client can take: the request head's size ([`MAX_LINE`], [`MAX_HEAD`]), the time to send it and
//! to take the answer ([`TIMEOUT`]), and the number of connections served at once
//! ([`MAX_CONNECTIONS`]; more wait in the kernel's queue, and while they wait a connection that
//! has not sent its request within [`PRESSED_TIMEOUT`] is closed; event streams are counted
//! apart, see [`live`]).

pub mod live;
pub mod preview;
pub mod watch;

use super::build::{Options as BuildOptions, build};
use super::{Failure, Stop, report};
use crate::model::lang::Lang;
use crate::msg;
use live::Live;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
pub use watch::Watcher;

/// Longest request line read; a longer one gets 414.
pub const MAX_LINE: usize = 8 * 1024;
/// Longest request head (line and headers) read; a longer one gets 431.
pub const MAX_HEAD: usize = 64 * 1024;
/// Time a client has to send its request head, and for each write of the answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once, each on its own thread.
pub const MAX_CONNECTIONS: usize = 32;
/// While a connection waits for a slot, how long a connection that holds one has to send its
/// request head before it is closed. Browsers open sockets ahead of need and leave them silent;
/// under pressure they give way after this rather than after [`TIMEOUT`].
pub const PRESSED_TIMEOUT: Duration = Duration::from_secs(1);

/// How to serve.
pub struct Options {
    /// Address to listen on (`--bind`, default 127.0.0.1).
    pub bind: IpAddr,
    /// Port (`--port`).
    pub port: u16,
    /// Output folder (default `<root>/public`).
    pub out: Option<PathBuf>,
    /// Open the preview in the browser once built (`--open`).
    pub open: bool,
    /// How changes are noticed (`--watcher`).
    pub watcher: Watcher,
}

/// The loopback address, the default of `--bind`.
pub const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Serves the site at `root` until interrupted; returns the exit code.
pub fn run(root: &Path, o: &Options) -> u8 {
    match serve(root, o) {
        Err(f) => report(&f, root),
    }
}

/// Builds, then serves and rebuilds for ever; returns only when it cannot start.
fn serve(root: &Path, o: &Options) -> Result<std::convert::Infallible, Failure> {
    super::PREVIEWING.store(true, std::sync::atomic::Ordering::Relaxed);
    let lang = super::site_language(root);
    let say = |m: crate::model::diag::Msg| eprintln!("{}", m.get(lang));
    let listener = listen(o.bind, o.port)?;
    let addr = listener.local_addr().unwrap_or_else(|_| SocketAddr::new(o.bind, o.port));
    let out = o.out.clone().unwrap_or_else(|| super::build::default_out(root));
    super::build::check_out(root, &out).map_err(|d| Failure { diagnostic: d, code: super::EXIT_FAILURE })?;
    let out = super::build::plain(out);
    let public = !o.bind.is_loopback();
    if public {
        let bind = o.bind;
        say(msg!(
            "警告：预览监听在 {bind}，网络上的其他计算机也能看到它，包括尚未发布、不公开的稿件。只在可信的网络上这样做；请求的 Host 须是本机名 localhost 或 IP 地址。",
            "warning: the preview listens on {bind}, so other computers on the network can see it, unpublished and non-public drafts included. Do this on a trusted network only; requests must name localhost or an IP address as their Host."
        ));
    }
    let base = super::read_config(root).map(|c| c.base_path().to_string()).unwrap_or_else(|_| "/".into());
    let url = format!("http://{}{base}", shown_addr(addr));
    say(msg!("预览地址 {url}  （Ctrl-C 结束）", "preview at {url}  (Ctrl-C to stop)"));
    let opts = Arc::new(BuildOptions {
        root: root.to_path_buf(),
        out: Some(out.clone()),
        as_of: None,
        jobs: None,
        quiet: false,
        no_cache: false,
        session: Some(Default::default()),
    });
    let live = Arc::new(Live::new(lang));
    let targets = watch::Targets::of(root);
    // The first build runs once the watcher is in place, so an edit made while it runs (minutes
    // on a large site) is not missed; connections wait in the kernel's queue until it is done.
    let (built, first_done) = std::sync::mpsc::channel();
    {
        let (live, choice) = (live.clone(), o.watcher);
        // Held by each build, with the preview before it: the watcher's, and one a sweep asks
        // for. A preview and the build after it start from what the last build kept, so no
        // other build may come in between.
        let building = Arc::new(Mutex::new(()));
        std::thread::spawn(move || {
            let build = |files: Option<&[PathBuf]>| {
                let held = building.lock();
                // What changed, so that a build reads only that again (`ParseCache::listed`).
                if let Some(s) = &opts.session {
                    s.parse.note_changes(files);
                }
                if let Some(files) = files {
                    show_preview(&opts, files, &live, lang);
                }
                live.rebuilt(rebuild(&opts));
                drop(held);
                sweep_after(&opts, &live, &building, lang);
            };
            let first = || {
                build(None);
                let _ = built.send(());
            };
            let changed = |files: watch::Changed| build(files.as_deref());
            watch::run(&targets, choice, lang, first, changed)
        });
    }
    let _ = first_done.recv();
    if o.open {
        open_browser(&url, lang);
    }
    {
        let live = live.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(live::PING);
                live.ping();
            }
        });
    }
    let slots = Arc::new(Slots::default());
    loop {
        // One connection is taken from the kernel's queue, then waits for a free slot: while
        // every slot is taken, further connections wait in the queue instead of each getting a
        // thread, and only a connection really waiting puts the silent ones under pressure.
        let Ok((stream, _)) = listener.accept() else {
            // Out of descriptors, say: wait a little rather than spin.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let slot = Slots::take(&slots);
        let (out, base, live) = (out.clone(), base.clone(), live.clone());
        // When no thread can be made, the closure (with the stream and the slot) is dropped.
        let _ = std::thread::Builder::new().spawn(move || {
            let held = slot;
            let _ = respond(stream, &Site { out: &out, base: &base, live: &live, public, slots: &held.0 });
        });
    }
}

/// How many times in a row `serve` builds again when files changed under the build.
const OVERTAKEN: usize = 3;

/// Takes the port, before anything is built.
fn listen(bind: IpAddr, port: u16) -> Result<TcpListener, Failure> {
    let at = shown_addr(SocketAddr::new(bind, port));
    TcpListener::bind((bind, port)).map_err(|e| {
        let f = if e.kind() == std::io::ErrorKind::AddrInUse {
            Failure::io(msg!(
                "端口 {port} 已被占用（{at}），可能另一个 gongbao serve 或其他程序正在使用它；没有构建任何内容",
                "port {port} is in use ({at}), perhaps by another gongbao serve or another program; nothing was built"
            ))
        } else {
            Failure::io(msg!(
                "无法在 {at} 上监听：{e}；没有构建任何内容",
                "cannot listen on {at}: {e}; nothing was built"
            ))
        };
        let next = port.checked_add(1).unwrap_or(8000);
        f.help(msg!(
            "用 --port 换一个端口，例如 gongbao serve --port {next}",
            "choose another port with --port, for example gongbao serve --port {next}"
        ))
    })
}

/// An address as it is written in a URL: an IPv6 address in brackets; the unspecified address
/// (listening on every interface) as the loopback one, which a browser on this machine reaches.
fn shown_addr(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port()).to_string()
}

/// Opens `url` with the desktop's opener (`xdg-open`, `open`, `start`). A machine without one
/// gets a line saying so; the preview goes on.
fn open_browser(url: &str, lang: Lang) {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    match cmd.spawn() {
        // Waited for on its own thread, so that it leaves no zombie.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => eprintln!(
            "{}",
            msg!("无法打开浏览器（{e}），请手动打开 {url}", "cannot open a browser ({e}); open {url} yourself")
                .get(lang)
        ),
    }
}

/// The count of connections being served, and a signal when one ends.
#[derive(Default)]
struct Slots {
    busy: Mutex<usize>,
    freed: Condvar,
    /// Set while a new connection waits for a slot: silent ones then give way (see
    /// [`PRESSED_TIMEOUT`]).
    pressed: std::sync::atomic::AtomicBool,
}

/// One connection's place among [`MAX_CONNECTIONS`]; given back when dropped, however the
/// connection ended.
struct Slot(Arc<Slots>);

impl Slots {
    fn take(slots: &Arc<Slots>) -> Slot {
        let mut busy = slots.busy.lock().unwrap_or_else(|e| e.into_inner());
        while *busy >= MAX_CONNECTIONS {
            slots.pressed.store(true, std::sync::atomic::Ordering::Relaxed);
            busy = slots.freed.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        slots.pressed.store(false, std::sync::atomic::Ordering::Relaxed);
        *busy += 1;
        Slot(slots.clone())
    }

    /// Whether a connection is waiting for a slot.
    fn pressed(&self) -> bool {
        self.pressed.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut busy = self.0.busy.lock().unwrap_or_else(|e| e.into_inner());
        *busy = busy.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

/// Serves the preview of an edit of `files`, when it has one (see [`preview`]), and says so.
fn show_preview(opts: &BuildOptions, files: &[PathBuf], live: &Live, lang: Lang) {
    let start = Instant::now();
    let Some(out) = &opts.out else { return };
    let Some(preview::Preview { pages, records, .. }) = preview::preview(opts, files) else { return };
    let n = pages.len();
    // Only records no reader sees were edited: nothing to show.
    if n == 0 {
        return;
    }
    live.previewed(pages.into_iter().map(|(rel, bytes)| (out.join(rel), bytes)).collect());
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if std::env::var_os("GONGBAO_TIMINGS").is_some() {
        eprintln!("preview-ms ms={ms:.1} records={records} pages={n}");
    }
    eprintln!(
        "{}",
        msg!(
            "已先显示改了正文、标题、关键词、日期、编号或分类等的 {records} 条记录的 {n} 个页面（{ms:.0} 毫秒），其余随完整构建更新",
            "showing the {n} page(s) of {records} edited record(s) first ({ms:.0} ms); the rest follows with the rebuild"
        )
        .get(lang)
    );
}

/// After a build: sweeps its cache on another thread (see [`super::Session::sweep`]) so the next
/// rebuild reuses files without asking the file system about each; when a file of the output was
/// changed outside gongbao, says so and builds again, which writes it anew. That build is not
/// swept: the one after it checks every file itself.
fn sweep_after(opts: &Arc<BuildOptions>, live: &Arc<Live>, building: &Arc<Mutex<()>>, lang: Lang) {
    use std::sync::atomic::Ordering;
    let Some(session) = opts.session.clone() else { return };
    let build = session.begun.load(Ordering::SeqCst);
    let (opts, live, building) = (opts.clone(), live.clone(), building.clone());
    std::thread::spawn(move || {
        let start = Instant::now();
        let swept = session.sweep(build);
        if std::env::var_os("GONGBAO_TIMINGS").is_some() {
            eprintln!("sweep-ms ms={:.0} as-listed={swept:?}", start.elapsed().as_secs_f64() * 1000.0);
        }
        if swept != Some(false) {
            if let Some(Err(d)) = session.save(&opts.root, build) {
                super::print(&[d], lang, &super::Quoted::default(), None);
            }
            let start = Instant::now();
            session.make_spares(build);
            if std::env::var_os("GONGBAO_TIMINGS").is_some() {
                eprintln!("spares-ms ms={:.0}", start.elapsed().as_secs_f64() * 1000.0);
            }
            return;
        }
        let Ok(_held) = building.lock() else { return };
        // A build since has checked every file itself.
        if session.begun.load(Ordering::SeqCst) != build {
            return;
        }
        eprintln!(
            "{}",
            msg!(
                "输出目录中有文件在 gongbao 之外被改动、替换或删除，与清单不再相符：重新构建",
                "a file of the output was changed, replaced or removed outside gongbao and no longer matches the manifest: building again"
            )
            .get(lang)
        );
        live.rebuilt(rebuild(&opts));
    });
}

/// Builds, printing what stopped the build; what stopped it, as printed, or `None` when it
/// finished. A build stopped by files saved again while it read them is made again at once,
/// from the site as it is then, a few times at most (a file written without end is then shown
/// as the stop it is). The watcher's batch for those saves follows, and finds nothing new.
pub fn rebuild(opts: &BuildOptions) -> Option<String> {
    let session = opts.session.as_ref();
    if let Some(s) = session {
        s.overtaken.store(false, SeqCst);
    }
    let mut failure = build_once(opts);
    for again in 1..=OVERTAKEN {
        let Some(s) = session.filter(|s| failure.is_some() && s.overtaken.swap(false, SeqCst)) else {
            break;
        };
        // Saves come in bursts (an editor that empties a file and then writes it, or saves all
        // its files): wait as the watcher does, then read every file again, not only those
        // the watcher named, since others may have been saved under the build too.
        std::thread::sleep(watch::SETTLE);
        s.parse.note_changes(None);
        failure = build_once(opts);
        if again == OVERTAKEN
            && s.overtaken.swap(false, SeqCst)
            && let Ok(stopped) = s.stopped.lock()
        {
            eprint!("{stopped}");
        }
    }
    failure
}

/// Builds once, printing what stopped the build; what stopped it, as printed, or `None` when it
/// finished.
fn build_once(opts: &BuildOptions) -> Option<String> {
    match build(opts) {
        Ok(_) => None,
        Err(Stop::Reported(_)) => {
            Some(opts.session.as_ref().and_then(|s| s.stopped.lock().ok().map(|t| t.clone())).unwrap_or_default())
        }
        Err(Stop::Failed(f)) => {
            report(&f, &opts.root);
            Some(super::render_failure(&f, &opts.root))
        }
    }
}

/// What a connection needs to answer.
struct Site<'a> {
    out: &'a Path,
    base: &'a str,
    live: &'a Live,
    /// Whether the preview listens on an address other machines reach (`--bind`).
    public: bool,
    /// The connections being served.
    slots: &'a Slots,
}

/// Why a request head could not be read.
enum Refused {
    /// The client went away or said nothing in time: close without an answer.
    Gone,
    /// Answer with this status and close.
    Status(u16),
}

/// Reads the request head (up to the empty line) within [`TIMEOUT`], or [`PRESSED_TIMEOUT`]
/// once another connection waits for a slot, at most [`MAX_HEAD`] bytes and a request line of
/// at most [`MAX_LINE`]. What follows the head is never read.
fn read_head(s: &mut TcpStream, slots: &Slots) -> Result<Vec<u8>, Refused> {
    // The pressure is looked at this often while the client is silent.
    const LOOK: Duration = Duration::from_millis(100);
    let start = Instant::now();
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let taken = start.elapsed();
        let limit = if slots.pressed() { PRESSED_TIMEOUT } else { TIMEOUT };
        let left = limit.saturating_sub(taken);
        if left.is_zero() || s.set_read_timeout(Some(left.min(LOOK))).is_err() {
            return Err(Refused::Gone);
        }
        let n = match s.read(&mut chunk) {
            Ok(0) => return Err(Refused::Gone),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
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
    let Some((name, _)) = split_host(host) else { return false };
    name == "127.0.0.1" || name == "[::1]" || name.eq_ignore_ascii_case("localhost")
}

/// Whether a `Host` header is acceptable when the preview listens on an address other machines
/// reach: a loopback name or an IP address. A DNS rebinding attack needs a name of the attacker's
/// domain, so names other than `localhost` are still refused.
fn public_host(host: &str) -> bool {
    let Some((name, _)) = split_host(host) else { return false };
    let ip = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => name.parse::<Ipv4Addr>().is_ok(),
    };
    ip || loopback_host(host)
}

/// A `Host` header's name and port, if it is well-formed: a name or `[IPv6]`, then optionally
/// `:` and up to five digits.
fn split_host(host: &str) -> Option<(&str, Option<&str>)> {
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')? + 1;
        match &host[end..] {
            "" => (&host[..end], None),
            rest => (&host[..end], Some(rest.strip_prefix(':')?)),
        }
    } else {
        match host.rsplit_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host, None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (port_ok && !name.is_empty()).then_some((name, port))
}

/// The request target of a head, if the head is well-formed and addressed to an acceptable host
/// (see [`loopback_host`], and [`public_host`] when `public`); otherwise the status to answer
/// with.
fn target_of(head: &[u8], public: bool) -> Result<String, u16> {
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
    let ok = |h: &str| if public { public_host(h) } else { loopback_host(h) };
    match hosts[..] {
        [host] if ok(host) => Ok(target.split(['?', '#']).next().unwrap_or("/").to_string()),
        [_] => Err(403),
        _ => Err(400),
    }
}

/// The answer to a request for a file other than a page while the last build stopped on errors.
const STOPPED: &[u8] = "构建因错误停止，修正后才会重新提供文件；错误见终端或任一页面\nthe build stopped on errors; files are served again once they are fixed (the terminal and any page show them)\n".as_bytes();

fn respond(mut s: TcpStream, site: &Site) -> std::io::Result<()> {
    s.set_write_timeout(Some(TIMEOUT))?;
    let head = match read_head(&mut s, site.slots) {
        Ok(head) => head,
        Err(Refused::Gone) => return Ok(()),
        Err(Refused::Status(status)) => return refuse(&mut s, status, site.public),
    };
    let target = match target_of(&head, site.public) {
        Ok(t) => t,
        Err(status) => return refuse(&mut s, status, site.public),
    };
    let live = site.live;
    match target.as_str() {
        "/__gongbao/events" => return live.subscribe(s),
        "/__gongbao/version" => return send(&mut s, 200, "text/plain", live.version().as_bytes()),
        "/__gongbao/reload.js" => return send(&mut s, 200, "text/javascript", live::RELOAD_JS.as_bytes()),
        _ => {}
    }
    let Some(file) = local_file(site.out, site.base, &target) else {
        return send(&mut s, 400, "text/plain", b"bad path");
    };
    let out = site.out;
    let (status, file) = if file.is_file() && inside(out, &file) { (200, file) } else { (404, out.join("404.html")) };
    let is_html = file.extension().is_some_and(|e| e == "html");
    // While the site is broken, every page request (a missing page too, as when the first build
    // failed) shows why, and nothing else of the last output is served: the edit that broke it
    // may have withheld a record whose text, data rows and feeds that output still holds.
    if let Some(findings) = live.failure() {
        if is_html {
            return send(&mut s, 500, "text/html; charset=utf-8", live.error_page(&findings).as_bytes());
        }
        return send(&mut s, 500, "text/plain; charset=utf-8", STOPPED);
    }
    let previewed = if status == 200 { live.previewing(&file) } else { None };
    let inject = if previewed.is_some() { live.preview_script_tag() } else { live.script_tag() };
    let mut body = previewed.unwrap_or_else(|| std::fs::read(&file).unwrap_or_default());
    if is_html {
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
        500 => "Internal Server Error",
        503 => "Service Unavailable",
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
fn refuse(s: &mut TcpStream, status: u16, public: bool) -> std::io::Result<()> {
    let why: &[u8] = match status {
        403 if public => b"forbidden: the preview answers only requests addressed to localhost or an IP address\n",
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
    use super::{content_type, local_file, loopback_host, public_host, target_of};
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
        assert_eq!(target_of(b"GET /a?q=1 HTTP/1.1\r\nHost: localhost\r\n\r\n", false), Ok("/a".to_string()));
        assert_eq!(target_of(b"GET /a HTTP/1.1\r\nHost: evil.example\r\n\r\n", false), Err(403));
        assert_eq!(target_of(b"GET /a HTTP/1.1\r\nHost: 192.168.1.5\r\n\r\n", false), Err(403));
        assert_eq!(target_of(b"GET /a HTTP/1.1\r\nHost: 192.168.1.5\r\n\r\n", true), Ok("/a".to_string()));
        assert_eq!(target_of(b"GET /a HTTP/1.1\r\n\r\n", false), Err(400));
        assert_eq!(target_of(b"GET /a HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n", false), Err(400));
        assert_eq!(target_of(b"GET /a b HTTP/1.1\r\nHost: localhost\r\n\r\n", false), Err(400));
    }

    #[test]
    fn on_another_address_ip_addresses_are_hosts_but_names_are_not() {
        for ok in ["192.168.1.5", "192.168.1.5:8000", "10.0.0.1", "[fe80::1]:8000", "[::1]", "localhost:8000"] {
            assert!(public_host(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8000",
            "192.168.1.5.evil.example",
            "1.2.3",
            "[evil]",
            "[::1]x",
            "10.0.0.1:",
            "",
        ] {
            assert!(!public_host(bad), "{bad}");
        }
    }
}
