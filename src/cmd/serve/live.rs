//! What the preview adds to the built site: the state of the last build, the event stream that
//! tells open pages to reload, the script that listens to it, and the page that shows why a build
//! failed.
//!
//! Each rebuild gets a new *version*, a token made of the process's start time and a counter, so a
//! page also reloads when the server was restarted in between (a counter alone would start over at
//! the same value). A page is served with the version it was built at; the script compares it with
//! the one the stream announces, on connecting and after every rebuild.
//!
//! A preview of an edit ([`super::preview`]) is served before the rebuild ends: its pages take
//! the place of the output's files, and open pages reload to them. Such a page carries two
//! versions, its own and the next: when the rebuild writes the very bytes it showed, it counts
//! one and those pages stay as they are; when it writes anything else, or fails, it counts two and
//! every page reloads.
//!
//! Event streams do not hold a thread or one of the connection slots: once its head is answered, a
//! stream is handed to [`Live`], which writes to all of them (without blocking) when a rebuild
//! ends. Otherwise 32 open tabs would take every slot and the pages themselves could no longer be
//! served. They have their own cap, [`MAX_STREAMS`].

use crate::model::lang::Lang;
use crate::msg;
use std::collections::HashMap;
use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Event streams kept open at once; a page that finds them all taken tries again a few seconds
/// later.
pub const MAX_STREAMS: usize = 64;

/// How often open streams get a comment line, so that streams of closed pages are noticed and
/// let go even when nothing is rebuilt.
pub const PING: Duration = Duration::from_secs(15);

/// Listens to the event stream and reloads the page when the version differs from the one the
/// page was served with. An `EventSource` retries by itself after a network error (the server was
/// stopped); one that gave up (an answer that was not a stream, such as 503 when every stream is
/// taken) is opened again a few seconds later.
pub const RELOAD_JS: &str = r#"(function () {
  var me = document.currentScript, built = me && me.getAttribute("data-version");
  function open() {
    var es = new EventSource("/__gongbao/events");
    es.onmessage = function (e) {
      if (e.data && (" " + built + " ").indexOf(" " + e.data + " ") < 0) { es.close(); location.reload(); }
    };
    es.onerror = function () {
      if (es.readyState === EventSource.CLOSED) { setTimeout(open, 3000); }
    };
  }
  open();
})();
"#;

/// The preview's state, shared by the watcher and the connections.
pub struct Live {
    /// Start time of the process, in hexadecimal nanoseconds: the first part of every version.
    start: String,
    /// Rebuilds so far.
    count: AtomicU64,
    /// What stopped the last build, as printed to the terminal; `None` after a build that
    /// finished.
    failure: Mutex<Option<String>>,
    /// Open event streams.
    streams: Mutex<Vec<TcpStream>>,
    /// The site's language, for the error page.
    lang: Lang,
    /// The pages of the preview of an edit, by their path in the output folder, until the
    /// rebuild that follows it ends.
    preview: Mutex<HashMap<PathBuf, Vec<u8>>>,
}

impl Live {
    /// The state before the first build.
    pub fn new(lang: Lang) -> Live {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        Live {
            start: format!("{nanos:x}"),
            count: AtomicU64::new(0),
            failure: Mutex::new(None),
            streams: Mutex::new(Vec::new()),
            lang,
            preview: Mutex::new(HashMap::new()),
        }
    }

    /// The version of the output being served.
    pub fn version(&self) -> String {
        format!("{}-{}", self.start, self.count.load(Ordering::SeqCst))
    }

    /// What stopped the last build, if it did not finish.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().map(|f| f.clone()).unwrap_or(None)
    }

    /// Records the outcome of a rebuild and tells every open page. The pages of a preview are
    /// served from the output again; a page that showed one reloads only if the rebuild wrote
    /// other bytes for any of them, or failed.
    pub fn rebuilt(&self, failure: Option<String>) {
        let shown = std::mem::take(&mut *self.preview.lock().unwrap_or_else(|e| e.into_inner()));
        let kept =
            failure.is_none() && shown.iter().all(|(path, bytes)| std::fs::read(path).is_ok_and(|b| b == *bytes));
        if let Ok(mut f) = self.failure.lock() {
            *f = failure;
        }
        self.count.fetch_add(if kept { 1 } else { 2 }, Ordering::SeqCst);
        self.send(&format!("data: {}\n\n", self.version()));
    }

    /// Serves `pages` (paths in the output folder, and bytes) until the next [`Live::rebuilt`],
    /// and tells every open page.
    pub fn previewed(&self, pages: HashMap<PathBuf, Vec<u8>>) {
        *self.preview.lock().unwrap_or_else(|e| e.into_inner()) = pages;
        self.count.fetch_add(1, Ordering::SeqCst);
        self.send(&format!("data: {}\n\n", self.version()));
    }

    /// The bytes the preview shows for the output file `path`, when it has them.
    pub fn previewing(&self, path: &Path) -> Option<Vec<u8>> {
        self.preview.lock().ok()?.get(path).cloned()
    }

    /// Answers a request for the event stream and keeps the connection, or answers 503 when
    /// [`MAX_STREAMS`] are open.
    pub fn subscribe(&self, mut s: TcpStream) -> std::io::Result<()> {
        self.ping();
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        if streams.len() >= MAX_STREAMS {
            drop(streams);
            return super::send(&mut s, 503, "text/plain; charset=utf-8", b"too many open pages\n");
        }
        // The version is sent right away: a rebuild that ended between the page and its stream
        // reloads it.
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\nretry: 1000\n\ndata: {}\n\n",
            self.version()
        );
        s.write_all(head.as_bytes())?;
        s.set_nonblocking(true)?;
        streams.push(s);
        Ok(())
    }

    /// Writes a comment to every stream, letting go of those whose page is gone.
    pub fn ping(&self) {
        self.send(":\n\n");
    }

    /// Writes `event` to every stream. A stream whose page has closed it, or that cannot take a
    /// few bytes at once (its page has not read for a long time), is dropped: a page still open
    /// connects again.
    fn send(&self, event: &str) {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams.retain_mut(|s| !closed(s) && s.write_all(event.as_bytes()).is_ok());
    }

    /// Open event streams.
    #[cfg(test)]
    fn open_streams(&self) -> usize {
        self.streams.lock().map_or(0, |s| s.len())
    }

    /// The page served for every page request while the last build has failed: the findings as
    /// the terminal shows them (rule, file, line, column, message, source line, help; a record
    /// that is not public never has its lines quoted), and the script that reloads it once the
    /// site is fixed.
    pub fn error_page(&self, findings: &str) -> String {
        let lang = self.lang;
        let title = msg!("构建失败", "Build failed");
        let lead = msg!(
            "站点有错误，预览停在上一次成功的构建（如果有）。修正下面的问题并保存后，本页会自动刷新。终端里有同样的信息。",
            "The site has errors; the preview stays at the last build that finished, if any. Fix what is listed below and save: this page reloads by itself. The terminal shows the same."
        );
        let findings = crate::markdown::escape::escape(findings.trim_end());
        format!(
            "<!DOCTYPE html>\n<html lang=\"{tag}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title} · gongbao serve</title>\n<style>body{{margin:0;font:16px/1.5 system-ui,sans-serif;background:#fff;color:#1a1a1a}}main{{max-width:70rem;margin:0 auto;padding:1.5rem}}h1{{color:#a00;font-size:1.5rem;margin:0 0 .5rem}}pre{{background:#fdf3f3;border-left:4px solid #a00;padding:1rem;overflow-x:auto;font:14px/1.45 ui-monospace,monospace;white-space:pre}}</style></head>\n<body><main id=\"gongbao-build-failed\"><h1>{title}</h1><p>{lead}</p><pre>{findings}</pre></main>{script}</body></html>\n",
            tag = lang.tag(),
            title = title.get(lang),
            lead = lead.get(lang),
            script = self.script_tag(),
        )
    }

    /// The tag that loads the reload script into a served page.
    pub fn script_tag(&self) -> String {
        format!("<script src=\"/__gongbao/reload.js\" data-version=\"{}\"></script>", self.version())
    }

    /// The tag for a page of the preview: it stays when the rebuild that follows counts once.
    pub fn preview_script_tag(&self) -> String {
        let next = format!("{}-{}", self.start, self.count.load(Ordering::SeqCst) + 1);
        format!("<script src=\"/__gongbao/reload.js\" data-version=\"{} {next}\"></script>", self.version())
    }
}

/// Whether the page at the other end has closed the stream (it never sends anything after its
/// request head, so anything readable is the end, or a client that is not a page).
fn closed(s: &TcpStream) -> bool {
    let mut b = [0u8; 1];
    !matches!(s.peek(&mut b), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

#[cfg(test)]
mod tests {
    use super::{Live, RELOAD_JS};
    use crate::model::lang::Lang;
    use std::io::{BufRead, BufReader};
    use std::net::{TcpListener, TcpStream};

    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        (l.accept().unwrap().0, client)
    }

    #[test]
    fn a_stream_hears_the_version_at_once_and_after_each_rebuild() {
        let live = Live::new(Lang::ZhHans);
        let first = live.version();
        let (server, client) = pair();
        live.subscribe(server).unwrap();
        let mut lines = BufReader::new(client).lines().map(|l| l.unwrap());
        assert!(lines.by_ref().any(|l| l == format!("data: {first}")));
        live.rebuilt(Some("错误".into()));
        let second = live.version();
        assert_ne!(first, second);
        assert!(lines.any(|l| l == format!("data: {second}")));
        assert_eq!(live.failure().as_deref(), Some("错误"));
    }

    #[test]
    fn streams_of_closed_pages_are_let_go_and_their_number_is_capped() {
        let live = Live::new(Lang::ZhHans);
        let (server, client) = pair();
        live.subscribe(server).unwrap();
        drop(client);
        std::thread::sleep(std::time::Duration::from_millis(50));
        live.ping();
        assert_eq!(live.open_streams(), 0);
        let mut clients = Vec::new();
        for _ in 0..super::MAX_STREAMS + 3 {
            let (server, client) = pair();
            live.subscribe(server).unwrap();
            clients.push(client);
        }
        assert_eq!(live.open_streams(), super::MAX_STREAMS);
    }

    #[test]
    fn a_preview_is_served_until_the_rebuild_and_its_pages_reload_only_when_the_rebuild_differs() {
        let tmp = tempfile::tempdir().unwrap();
        let page = tmp.path().join("index.html");
        std::fs::write(&page, "旧").unwrap();
        let live = Live::new(Lang::ZhHans);
        let stays = |live: &Live, tag: &str| {
            // What the reload script does with the version the stream announces.
            let built = tag.split("data-version=\"").nth(1).unwrap().split('"').next().unwrap();
            built.split(' ').any(|v| v == live.version())
        };
        // The rebuild writes what the preview showed: its pages stay, the others reload.
        live.previewed([(page.clone(), "新".as_bytes().to_vec())].into());
        assert_eq!(live.previewing(&page).as_deref(), Some("新".as_bytes()));
        assert_eq!(live.previewing(&tmp.path().join("other.html")), None);
        let (shown, other) = (live.preview_script_tag(), live.script_tag());
        std::fs::write(&page, "新").unwrap();
        live.rebuilt(None);
        assert_eq!(live.previewing(&page), None, "the output is served again");
        assert!(stays(&live, &shown), "the previewed page was right");
        assert!(!stays(&live, &other), "pages served from the old output reload");
        // The rebuild writes something else, or fails: every page reloads.
        for (written, failure) in [("又一版", None), ("新", Some("错误".to_string()))] {
            live.previewed([(page.clone(), "新".as_bytes().to_vec())].into());
            let shown = live.preview_script_tag();
            std::fs::write(&page, written).unwrap();
            live.rebuilt(failure.clone());
            assert!(!stays(&live, &shown), "{written} {failure:?}");
        }
    }

    #[test]
    fn versions_differ_between_processes_started_at_different_times() {
        let a = Live::new(Lang::ZhHans);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = Live::new(Lang::ZhHans);
        assert_ne!(a.version(), b.version());
    }

    #[test]
    fn the_error_page_escapes_the_findings_and_carries_the_script() {
        let live = Live::new(Lang::En);
        let page = live.error_page("error[yaml]: <script>x</script>\n  --> content/a.md:2:1\n");
        assert!(page.contains("&lt;script&gt;x&lt;/script&gt;") && page.contains("content/a.md:2:1"));
        assert!(page.contains("Build failed") && page.contains(&live.script_tag()));
        assert!(RELOAD_JS.contains("/__gongbao/events"));
    }
}
