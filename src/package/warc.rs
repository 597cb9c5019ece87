//! WARC/1.1 files of a built site, for web archives (ISO 28500:2017).
//!
//! The file starts with a `warcinfo` record, then holds one `response` record per file of the
//! site: the file as a web server would have sent it, `HTTP/1.1 200` with its `Content-Type` and
//! `Content-Length`, under the URL the site gives it. Every record is a gzip member of its own, so
//! that a replay tool can seek to one record; the gzip header has mtime 0 and OS byte 255.
//!
//! The file is reproducible: `WARC-Date` is the build date, and `WARC-Record-ID` is a UUID made
//! from a SHA-256 of the record's type, target and content (an RFC 9562 version 8 UUID, the
//! version for ids derived by one's own rule) rather than a random one. Digests are SHA-256 in
//! lower-case hex, `sha256:<64 hex digits>`: the annotated WARC 1.1 recommends base 16 for
//! SHA-256 (base 32 needs `=` padding, which is not a token character), and warcio checks it,
//! since it decodes a value longer than its own base-32 form as hex.
//!
//! A record's header carries the digests of the content that follows it, so a file is read twice:
//! once to hash it, once to copy it, hashed again and compared, so that a file which changes
//! between the two readings is an error rather than a record whose digest lies.

use super::zip::check_name;
use super::{Error, Result, Utc, hex, io_err};
use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};

/// The gzip header's OS byte: 255, "unknown", so that the file does not depend on where it was
/// built.
const GZIP_OS_UNKNOWN: u8 = 255;

/// A WARC file being written.
pub(crate) struct WarcOut<W: Write> {
    out: W,
    date: String,
    base: String,
    warcinfo_id: String,
    last: Option<String>,
}

impl<W: Write> WarcOut<W> {
    /// Starts a WARC file for the site published at `base_url` (`http://` or `https://`), built
    /// at `epoch_seconds`, and writes its `warcinfo` record: `WARC-Filename: filename`, the
    /// `software`, `format` and `conformsTo` fields, then `fields` (name, value) as given — say
    /// `isPartOf`, `description`, `operator`.
    pub(crate) fn new(
        out: W,
        base_url: &str,
        epoch_seconds: i64,
        filename: &str,
        fields: &[(&str, &str)],
    ) -> Result<Self> {
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(Error::BadValue { field: "base URL".into(), reason: "must start with http:// or https://" });
        }
        let bad = |v: &str| v.chars().any(char::is_control);
        if base_url.contains(char::is_whitespace) || bad(filename) {
            return Err(Error::BadValue { field: "base URL or file name".into(), reason: "no spaces or line breaks" });
        }
        let base = if base_url.ends_with('/') { base_url.to_string() } else { format!("{base_url}/") };
        let mut body = format!(
            "software: gongbao {}\r\nformat: WARC File Format 1.1\r\n\
             conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n",
            env!("CARGO_PKG_VERSION")
        );
        for (name, value) in fields {
            if bad(name) || bad(value) || name.contains(':') {
                return Err(Error::BadValue { field: format!("warcinfo field {name}"), reason: "no line breaks" });
            }
            body.push_str(&format!("{name}: {value}\r\n"));
        }
        let date = Utc::from_epoch(epoch_seconds).iso();
        let digest = Sha256::digest(body.as_bytes());
        let id = record_id("warcinfo", filename, &date, &digest);
        let head = format!(
            "WARC/1.1\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: {id}\r\nWARC-Date: {date}\r\n\
             WARC-Filename: {filename}\r\nWARC-Block-Digest: sha256:{}\r\n\
             Content-Type: application/warc-fields\r\nContent-Length: {}\r\n\r\n",
            hex(&digest),
            body.len()
        );
        let mut warc = WarcOut { out, date, base, warcinfo_id: id, last: None };
        let mut member = warc.member();
        member.write_all(head.as_bytes()).map_err(io_err("writing the warcinfo record"))?;
        member.write_all(body.as_bytes()).map_err(io_err("writing the warcinfo record"))?;
        member.write_all(b"\r\n\r\n").map_err(io_err("writing the warcinfo record"))?;
        member.finish().map_err(io_err("writing the warcinfo record"))?;
        Ok(warc)
    }

    /// A gzip member over the output, with the fixed header.
    fn member(&mut self) -> flate2::write::GzEncoder<&mut W> {
        GzBuilder::new().mtime(0).operating_system(GZIP_OS_UNKNOWN).write(&mut self.out, Compression::new(6))
    }

    /// Adds the site file `path` (relative, `/`-separated; in byte order after the previous one)
    /// as a `response` record, served as `content_type`, with the `size` bytes that `open` gives.
    /// `open` is called twice (see the module's comment). Returns the record's target URI.
    pub(crate) fn add_response<R, F>(
        &mut self,
        path: &str,
        content_type: &str,
        size: u64,
        mut open: F,
    ) -> Result<String>
    where
        R: Read,
        F: FnMut() -> io::Result<R>,
    {
        check_name(path, false)?;
        if let Some(previous) = &self.last
            && previous.as_str() >= path
        {
            return Err(Error::Order { previous: previous.clone(), next: path.to_string() });
        }
        self.last = Some(path.to_string());
        if content_type.is_empty() || content_type.chars().any(char::is_control) {
            return Err(Error::BadValue { field: format!("{path}: Content-Type"), reason: "empty or a line break" });
        }
        let uri = target_uri(&self.base, path);
        let http = format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {size}\r\n\r\n");

        // First reading: the digests the header needs.
        let mut block = Sha256::new();
        block.update(http.as_bytes());
        let payload = copy_hashed(&mut open, path, size, &mut block, &mut io::sink())?;
        let block = block.finalize();

        let id = record_id("response", &uri, &self.date, &block);
        let head = format!(
            "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: {id}\r\nWARC-Warcinfo-ID: {}\r\n\
             WARC-Date: {}\r\nWARC-Target-URI: {uri}\r\nWARC-Payload-Digest: sha256:{}\r\n\
             WARC-Block-Digest: sha256:{}\r\nContent-Type: application/http; msgtype=response\r\n\
             Content-Length: {}\r\n\r\n",
            self.warcinfo_id,
            self.date,
            hex(&payload),
            hex(&block),
            http.len() as u64 + size,
        );
        // Second reading: the bytes, checked against the first.
        let context = format!("writing the record of {path}");
        let mut member = self.member();
        member.write_all(head.as_bytes()).map_err(io_err(&context))?;
        member.write_all(http.as_bytes()).map_err(io_err(&context))?;
        let again = copy_hashed(&mut open, path, size, &mut Sha256::new(), &mut member)?;
        if again != payload {
            return Err(Error::Changed { name: path.to_string() });
        }
        member.write_all(b"\r\n\r\n").map_err(io_err(&context))?;
        member.finish().map_err(io_err(&context))?;
        Ok(uri)
    }

    /// The output, every record complete.
    pub(crate) fn finish(mut self) -> Result<W> {
        self.out.flush().map_err(io_err("flushing the WARC file"))?;
        Ok(self.out)
    }
}

/// Copies the stream `open` gives into `out`, hashing it into `extra` as well, and returns its
/// SHA-256; fails unless it has exactly `size` bytes.
fn copy_hashed<R: Read>(
    open: &mut impl FnMut() -> io::Result<R>,
    path: &str,
    size: u64,
    extra: &mut Sha256,
    out: &mut impl Write,
) -> Result<[u8; 32]> {
    let mut reader = open().map_err(io_err(format!("opening {path}")))?.take(size.saturating_add(1));
    let mut own = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(format!("reading {path}"))(e)),
        };
        total += n as u64;
        own.update(&buf[..n]);
        extra.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(io_err(format!("writing {path}")))?;
    }
    if total != size {
        return Err(Error::SizeMismatch { name: path.to_string(), declared: size, actual: total });
    }
    Ok(own.finalize().into())
}

/// The URL of a site file: `base` (ending in `/`) and the path, percent-encoded where a URL
/// needs it, with a folder's `index.html` as the folder itself (`docs/1/index.html` →
/// `…/docs/1/`), since that is the address readers and links use.
pub(crate) fn target_uri(base: &str, path: &str) -> String {
    let path = if path == "index.html" {
        ""
    } else {
        path.strip_suffix("/index.html").map_or(path, |dir| &path[..dir.len() + 1])
    };
    let mut uri = String::with_capacity(base.len() + path.len());
    uri.push_str(base);
    for b in path.bytes() {
        // RFC 3986 pchar and `/`: unreserved, sub-delims, `:` and `@`.
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// `<urn:uuid:…>` from a SHA-256 of what identifies the record: a version 8 UUID (RFC 9562 §5.8),
/// the first 16 bytes of the hash with the version and variant bits set.
fn record_id(kind: &str, target: &str, date: &str, content_digest: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [b"gongbao WARC record".as_slice(), kind.as_bytes(), target.as_bytes(), date.as_bytes(), content_digest]
    {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    let mut b: [u8; 16] = h.finalize()[..16].try_into().expect("16 of 32 bytes");
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex(&b);
    format!("<urn:uuid:{}-{}-{}-{}-{}>", &x[..8], &x[8..12], &x[12..16], &x[16..20], &x[20..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::testtools::venv_tool;
    use std::io::Cursor;
    use std::process::{Child, Command, Output};

    const WHEN: i64 = 1_709_296_496; // 2024-03-01T12:34:56Z
    const BASE: &str = "https://gk.example.gov.cn/";
    const PAGE: &str = "<!doctype html><title>关于印发办法的通知</title><p>第一条 为了规范公文处理……</p>\n";

    fn site() -> Vec<(&'static str, &'static str, Vec<u8>)> {
        vec![
            ("docs/2024-001/index.html", "text/html; charset=utf-8", PAGE.as_bytes().to_vec()),
            ("docs/2024-001/attachment 1.pdf", "application/pdf", b"%PDF-1.4 not really\n".to_vec()),
            ("index.html", "text/html; charset=utf-8", b"<!doctype html><title>home</title>\n".to_vec()),
            ("manifest.json", "application/json", b"{}\n".to_vec()),
            ("style.css", "text/css", Vec::new()),
        ]
    }

    /// Sorted by path bytes, as the writer requires.
    fn sorted_site() -> Vec<(String, &'static str, Vec<u8>)> {
        let mut s: Vec<_> = site().into_iter().map(|(p, t, b)| (p.to_string(), t, b)).collect();
        s.sort();
        s
    }

    fn write() -> Vec<u8> {
        let mut w = WarcOut::new(Cursor::new(Vec::new()), BASE, WHEN, "site.warc.gz", &[("isPartOf", "demo")]).unwrap();
        for (path, kind, bytes) in sorted_site() {
            w.add_response(&path, kind, bytes.len() as u64, || Ok(Cursor::new(bytes.clone()))).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn plain(warc: &[u8]) -> String {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(warc).read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn same_input_same_bytes() {
        assert_eq!(write(), write());
    }

    #[test]
    fn records_have_the_fixed_date_ids_and_digests() {
        let warc = write();
        let text = plain(&warc);
        assert_eq!(text.matches("WARC/1.1\r\n").count(), 6);
        assert_eq!(text.matches("WARC-Date: 2024-03-01T12:34:56Z\r\n").count(), 6);
        assert!(text.contains("WARC-Target-URI: https://gk.example.gov.cn/docs/2024-001/\r\n"));
        assert!(text.contains("WARC-Target-URI: https://gk.example.gov.cn/docs/2024-001/attachment%201.pdf\r\n"));
        assert!(text.contains("WARC-Target-URI: https://gk.example.gov.cn/\r\n"));
        let digest = hex(&Sha256::digest(PAGE.as_bytes()));
        assert!(text.contains(&format!("WARC-Payload-Digest: sha256:{digest}\r\n")));
        // Ids: version 8, all different, and the same in a second run (checked by equal bytes).
        let ids: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("WARC-Record-ID: ")).collect();
        assert_eq!(ids.len(), 6);
        assert!(ids.iter().all(|id| id.len() == 47 && &id[24..25] == "8"), "{ids:?}");
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 6);
        let info_id = ids[0];
        assert_eq!(text.matches(&format!("WARC-Warcinfo-ID: {info_id}")).count(), 5);
        // Every record is its own gzip member, with mtime 0 and OS 255.
        let members = warc.windows(10).filter(|w| w == &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]).count();
        assert_eq!(members, 6);
    }

    #[test]
    fn index_html_is_its_folder() {
        assert_eq!(target_uri(BASE, "index.html"), BASE);
        assert_eq!(target_uri(BASE, "a/index.html"), "https://gk.example.gov.cn/a/");
        assert_eq!(target_uri(BASE, "a/xindex.html"), "https://gk.example.gov.cn/a/xindex.html");
        assert_eq!(target_uri(BASE, "a b/c#d?e%f"), "https://gk.example.gov.cn/a%20b/c%23d%3Fe%25f");
    }

    #[test]
    fn order_size_and_change_are_checked() {
        let mut w = WarcOut::new(Vec::new(), BASE, WHEN, "x.warc.gz", &[]).unwrap();
        w.add_response("b", "text/plain", 1, || Ok(&b"1"[..])).unwrap();
        assert!(matches!(w.add_response("a", "text/plain", 1, || Ok(&b"1"[..])), Err(Error::Order { .. })));
        assert!(matches!(w.add_response("c", "text/plain", 2, || Ok(&b"1"[..])), Err(Error::SizeMismatch { .. })));
        let mut n = 0;
        let changing = || {
            n += 1;
            Ok(if n == 1 { &b"1"[..] } else { &b"2"[..] })
        };
        assert!(matches!(w.add_response("d", "text/plain", 1, changing), Err(Error::Changed { .. })));
        assert!(matches!(w.add_response("e/../f", "text/plain", 0, || Ok(&b""[..])), Err(Error::BadName { .. })));
        assert!(matches!(WarcOut::new(Vec::new(), "ftp://x/", WHEN, "x", &[]), Err(Error::BadValue { .. })));
    }

    fn run(cmd: &mut Command) -> Output {
        cmd.output().unwrap()
    }

    fn says(o: &Output) -> String {
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    }

    /// warcio checks every digest and indexes every record; a changed payload byte fails the check.
    #[test]
    fn warcio_checks_and_indexes_it() {
        let warcio = venv_tool("warcio");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("site.warc.gz");
        std::fs::write(&file, write()).unwrap();
        let check = run(Command::new(&warcio).args(["check", "-v"]).arg(&file));
        assert!(check.status.success(), "warcio check failed:\n{}", says(&check));
        assert_eq!(says(&check).matches("digest pass").count(), 6, "{}", says(&check));

        let index =
            run(Command::new(&warcio).args(["index", "-f", "warc-type,warc-target-uri,http:status"]).arg(&file));
        assert!(index.status.success(), "{}", says(&index));
        let lines: Vec<serde_json::Value> =
            String::from_utf8_lossy(&index.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0]["warc-type"], "warcinfo");
        let uris: Vec<&str> = lines[1..].iter().map(|l| l["warc-target-uri"].as_str().unwrap()).collect();
        let expected: Vec<String> = sorted_site().iter().map(|(p, _, _)| target_uri(BASE, p)).collect();
        assert_eq!(uris, expected);
        assert!(lines[1..].iter().all(|l| l["warc-type"] == "response" && l["http:status"] == "200"));

        // The same records uncompressed, one payload byte changed: warcio must object.
        let tampered = plain(&write()).replace("第一条", "第二条");
        let bad = dir.path().join("bad.warc");
        std::fs::write(&bad, tampered).unwrap();
        let check = run(Command::new(&warcio).arg("check").arg(&bad));
        assert!(!check.status.success(), "warcio accepted a changed payload:\n{}", says(&check));
        assert!(says(&check).contains("digest failed"), "{}", says(&check));
    }

    /// Kills the replay server when the test ends, however it ends.
    struct Server(Child);

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn get(port: u16, path: &str) -> io::Result<(String, Vec<u8>)> {
        use std::net::TcpStream;
        let mut s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n")?;
        let mut all = Vec::new();
        s.read_to_end(&mut all)?;
        let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(all.len());
        let head = String::from_utf8_lossy(&all[..split]).into_owned();
        let body = all.get(split + 4..).unwrap_or_default().to_vec();
        Ok((head, body))
    }

    /// pywb replays the document page from the WARC, byte for byte, at its date and URL.
    #[test]
    fn pywb_replays_a_page() {
        let wb_manager = venv_tool("wb-manager");
        let wayback = venv_tool("wayback");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("site.warc.gz");
        std::fs::write(&file, write()).unwrap();
        let init = run(Command::new(&wb_manager).current_dir(dir.path()).args(["init", "gazette"]));
        assert!(init.status.success(), "{}", says(&init));
        let add = run(Command::new(&wb_manager).current_dir(dir.path()).args(["add", "gazette"]).arg(&file));
        assert!(add.status.success(), "{}", says(&add));

        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let _server = Server(
            Command::new(&wayback)
                .current_dir(dir.path())
                .args(["-b", "127.0.0.1", "-p", &port.to_string()])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let stamp = Utc::from_epoch(WHEN).digits14();
        let url = format!("/gazette/{stamp}id_/{BASE}docs/2024-001/");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let (head, body) = loop {
            match get(port, &url) {
                Ok(answer) => break answer,
                Err(e) if std::time::Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(std::time::Duration::from_millis(250));
                }
                Err(e) => panic!("wayback did not answer on port {port} within 60 s: {e}"),
            }
        };
        assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(String::from_utf8_lossy(&body), PAGE, "{head}");
        // A URL that is not in the archive is not invented.
        let (head, _) = get(port, &format!("/gazette/{stamp}id_/{BASE}docs/nothing/")).unwrap();
        assert!(!head.contains(" 200 "), "{head}");
    }
}
