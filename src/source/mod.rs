//! Stage 1, `load`: walk `content/`, list the record files, and read one record's bytes and
//! decide whether they are text. Nothing here knows what a record means. Reading is per record
//! so that the caller can read, parse and drop each text in one parallel pass. Symlinks are never followed, so no file outside
//! `content/` can be pulled into the site by a link planted in the repository.
//!
//! Every file of a site that gongbao reads (records, earlier texts, attachments, theme files,
//! settings, and the texts quoted under messages) is read by [`read_regular`]: it never follows
//! a link, never blocks on a FIFO or device, and never reads past a limit.

pub(crate) mod history;
pub(crate) mod parse;

use crate::model::diag::{Diagnostic, Pos};
use crate::model::rules;
use crate::msg;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Records larger than this are refused: no real document comes near it, and a runaway file
/// should not stall a pipeline. The same limit holds for every other text of a site (earlier
/// texts, theme files, settings).
pub(crate) const MAX_RECORD_BYTES: u64 = 8 * 1024 * 1024;

/// Attachments larger than this are refused: a scanned gazette edition runs to tens of
/// megabytes, and each attachment is held in memory while it is written and checksummed.
pub(crate) const MAX_ATTACHMENT_BYTES: u64 = 256 * 1024 * 1024;

/// Why [`read_regular`] refused a file.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// A symbolic link: never followed, so a link cannot pull in a file from elsewhere.
    Link,
    /// Not a regular file (a folder, FIFO, device or socket): reading it could block or never end.
    NotRegular,
    /// Larger than the limit (size found, limit).
    TooLarge(u64, u64),
    /// The file could not be opened or read.
    Io(std::io::Error),
}

impl ReadError {
    /// The diagnostic for this failure to read `file` (a path relative to the site root).
    pub(crate) fn diagnostic(&self, file: &str) -> Diagnostic {
        match self {
            ReadError::Link => symlink_diag(file),
            ReadError::NotRegular => Diagnostic::error(
                &rules::UNREADABLE,
                file,
                Pos::new(1, 1),
                msg!(
                    "不是普通文件（可能是目录、命名管道或设备），不能读取",
                    "not a regular file (a folder, FIFO or device); it is not read"
                ),
            )
            .help(msg!(
                "网站只读取普通文件：删除它，或换成文件本身",
                "a site is made of regular files only: remove it, or put the file itself in its place"
            )),
            ReadError::TooLarge(n, limit) => {
                let mib = format!("{:.1}", *n as f64 / (1024.0 * 1024.0));
                let max = limit / (1024 * 1024);
                Diagnostic::error(&rules::TOO_LARGE, file, Pos::new(1, 1), msg!("文件过大（{mib} MiB，上限 {max} MiB）", "the file is too large ({mib} MiB, the limit is {max} MiB)"))
                    .help(msg!("把大文件作为附件存放，正文只保留文字；附件请压缩或拆分", "keep large files as attachments and only the text in the record; compress or split large attachments"))
            }
            ReadError::Io(e) => io_diag(file, e),
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Link => f.write_str("a symbolic link, not followed"),
            ReadError::NotRegular => f.write_str("not a regular file"),
            ReadError::TooLarge(n, limit) => write!(f, "too large ({n} bytes, the limit is {limit})"),
            ReadError::Io(e) => e.fmt(f),
        }
    }
}

/// Reads the regular file at `path`, at most `limit` bytes. A symbolic link (as the last part of
/// the path) is refused, not followed; so is anything that is not a regular file, decided on the
/// open handle so that nothing can be swapped in between the look and the read. A FIFO or device
/// is opened without blocking and never read. Reading stops one byte past `limit`, so a file
/// that grows while it is read, or a device, cannot make it run on.
pub(crate) fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_checked(path, limit, false)
}

/// [`read_regular`], following a link to a regular file: for a file that legitimately lives
/// elsewhere and is often linked into place, such as a secret key.
pub(crate) fn read_regular_through_links(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_checked(path, limit, true)
}

fn read_checked(path: &Path, limit: u64, follow: bool) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let (file, len) = open_checked(path, follow)?;
    if len > limit {
        return Err(ReadError::TooLarge(len, limit));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// Opens the regular file at `path` for reading, as [`read_regular`] would, and gives its size;
/// for callers that stream the bytes (checksums of large files) rather than hold them.
pub(crate) fn open_regular(path: &Path) -> Result<(std::fs::File, u64), ReadError> {
    open_checked(path, false)
}

fn open_checked(path: &Path, follow: bool) -> Result<(std::fs::File, u64), ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    #[cfg(not(unix))]
    {
        // No O_NOFOLLOW: look before opening (a narrow race, but no FIFOs to hang on either).
        let m = std::fs::symlink_metadata(path).map_err(ReadError::Io)?;
        if m.file_type().is_symlink() && !follow {
            return Err(ReadError::Link);
        }
    }
    let file = match options.open(path) {
        Ok(f) => f,
        #[cfg(unix)]
        Err(e) if !follow && e.raw_os_error() == Some(libc::ELOOP) => return Err(ReadError::Link),
        Err(e) => return Err(ReadError::Io(e)),
    };
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    Ok((file, meta.len()))
}

/// The `symlink` error for `file`.
fn symlink_diag(file: &str) -> Diagnostic {
    Diagnostic::error(&rules::SYMLINK, file, Pos::new(1, 1), msg!("不允许符号链接", "symbolic links are not allowed"))
        .help(msg!(
            "把文件本身放入站点；符号链接可能把库外的文件带进网站",
            "put the file itself in the site; a link could pull files from outside the repository into the site"
        ))
}

/// A file or folder name that cannot be published: control characters (a newline would break
/// `SHA256SUMS`, whose lines `sha256sum -c` reads), a backslash (a separator on Windows and an
/// escape in `SHA256SUMS`), or bytes that are not UTF-8 (no URL or checksum line could name it).
pub(crate) fn bad_name(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_none_or(|n| n.chars().any(|c| c.is_control() || c == '\\'))
}

/// A path for messages with control characters, the marks that reorder text on screen and
/// backslashes written as escapes, so that it stays on one line, shows what is wrong with it, and
/// cannot pass for another line of the report (a file named `x\n核验通过…` or carrying a terminal
/// escape, planted in a copy being verified).
pub(crate) fn shown_path(p: &str) -> String {
    // Controls; the separators of lines and paragraphs, which some viewers break a line at; the
    // marks that reorder text; and the characters that show as nothing (zero widths, joiners, the
    // byte order mark, a soft hyphen), by which `index\u{200b}.html` would pass for `index.html`.
    let hidden = |c: char| {
        c.is_control()
            || c == '\\'
            || matches!(c,
                '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
    };
    p.chars().flat_map(|c| if hidden(c) { c.escape_default().collect::<Vec<_>>() } else { vec![c] }).collect()
}

/// One record file, read and decoded.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path relative to the site root with `/` separators (`content/a/b.md`), for messages.
    pub file: String,
    /// The id the record gets when it does not name one: its path under `content/` without
    /// `.md`, or its folder for `index.md`.
    pub default_id: String,
    /// Folder of the record's own files, relative to `content/` (`a` for `content/a/b.md`,
    /// `a/b` for `content/a/b/index.md`).
    pub dir: String,
    /// The text, BOM removed.
    pub text: String,
    /// SHA-256 of the file's bytes as stored, hex.
    pub sha256: String,
}

/// A record file found by the walk, not yet read.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Where it is.
    pub path: PathBuf,
    /// Its path under `content/`.
    pub under: String,
}

/// Everything `load` found.
#[derive(Debug, Default, Clone)]
pub(crate) struct Loaded {
    /// Record files, sorted by path.
    pub entries: Vec<Entry>,
    /// Every regular file under `content/`, relative to it, for resolving attachments and links.
    pub files: BTreeSet<String>,
    /// Problems met while reading.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the records below `root/content`.
pub(crate) fn load(root: &Path) -> std::io::Result<Loaded> {
    let content = root.join("content");
    let mut loaded = Loaded::default();
    match std::fs::symlink_metadata(&content) {
        Ok(m) if m.file_type().is_symlink() => {
            loaded.diagnostics.push(symlink_diag("content"));
            return Ok(loaded);
        }
        Ok(m) if m.is_dir() => {}
        // Without its records a site would build empty over the previous output (and a deploy
        // would then delete every page): a missing or misplaced content/ is an error.
        found => {
            let what = match found {
                Ok(_) => msg!("content/ 不是目录", "content/ is not a folder"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    msg!("站点没有 content/ 目录", "the site has no content/ folder")
                }
                Err(e) => msg!("无法读取 content/：{e}", "cannot read content/: {e}"),
            };
            loaded.diagnostics.push(Diagnostic::error(&rules::UNREADABLE, "content", Pos::new(1, 1), what).help(msg!(
                "记录放在站点目录下的 content/ 中；新站点请运行 gongbao init",
                "records live in the site's content/ folder; gongbao init makes a new site"
            )));
            return Ok(loaded);
        }
    }

    let walker =
        walkdir::WalkDir::new(&content).follow_links(false).follow_root_links(false).sort_by_file_name().into_iter();
    let mut walker = walker.filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(|p| shown_path(&rel(root, p))).unwrap_or_default();
                let d = match e.io_error() {
                    Some(io) => io_diag(&path, io),
                    None => {
                        let why = e.to_string();
                        Diagnostic::error(
                            &rules::UNREADABLE,
                            &path,
                            Pos::new(1, 1),
                            msg!("无法读取：{why}", "cannot be read: {why}"),
                        )
                    }
                };
                loaded.diagnostics.push(d);
                continue;
            }
        };
        let under = rel(&content, entry.path());
        // For messages only, so made only for one.
        let shown = || shown_path(&rel(root, entry.path()));
        if entry.depth() > 0 && bad_name(entry.file_name()) {
            loaded.diagnostics.push(
                Diagnostic::error(&rules::FILE_NAME, &shown(), Pos::new(1, 1), msg!("文件名含有控制字符（如换行、制表符）、反斜杠或非 UTF-8 字节，不能发布", "the name holds a control character (such as a newline or tab), a backslash or bytes that are not UTF-8, and cannot be published"))
                    .help(msg!("重命名，只用可见字符；校验文件 SHA256SUMS 每行写一个文件名", "rename it with visible characters only; SHA256SUMS names one file per line")),
            );
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        if entry.path_is_symlink() {
            loaded.diagnostics.push(symlink_diag(&shown()));
            continue;
        }
        if entry.file_type().is_dir() {
            continue;
        }
        if !entry.file_type().is_file() {
            loaded.diagnostics.push(ReadError::NotRegular.diagnostic(&shown()));
            continue;
        }
        loaded.files.insert(under.clone());
        if is_record_file(&under) {
            loaded.entries.push(Entry { path: entry.path().to_path_buf(), under });
        }
    }
    Ok(loaded)
}

/// Whether a file that is not a record is named as if it were one (`通知.MD`, `a.markdown`): it
/// would silently be left out. Earlier texts in `versions/` are checked elsewhere.
pub(crate) fn looks_like_record(under: &str) -> bool {
    let Some((_, ext)) = under.rsplit_once('.') else { return false };
    let ext = ext.to_ascii_lowercase();
    matches!(ext.as_str(), "md" | "markdown" | "mdown" | "mkd" | "mkdn")
        && !under.split('/').rev().skip(1).any(|seg| seg == "versions")
}

/// Whether the file at `under` (its path under `content/`) is a record: a `.md` file that is not
/// an earlier text in a `versions/` folder (those are checked in `check`).
pub(crate) fn is_record_file(under: &str) -> bool {
    under.ends_with(".md") && !under.split('/').rev().skip(1).any(|seg| seg == "versions")
}

/// What identifies a file's state without reading it: size, modification time and, on Unix,
/// inode and change time (which no tool can set back, so a file replaced by one with an old
/// modification time, as `cp -p` and `rsync -t` leave it, still shows).
pub(crate) type Stamp = (u64, std::time::SystemTime, u64, i64, i64);

/// The stamp of the file at `path`.
pub(crate) fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let more = {
        use std::os::unix::fs::MetadataExt;
        (m.ino(), m.ctime(), m.ctime_nsec())
    };
    #[cfg(not(unix))]
    let more = (0, 0, 0);
    Some((m.len(), m.modified().ok()?, more.0, more.1, more.2))
}

/// The stamp of the file at `path` if it can stand for the file's bytes read at `now`. Like
/// git's index, a modification time less than two seconds before is not trusted: a second write
/// within the file system's clock tick could leave the stamp unchanged.
pub(crate) fn settled_stamp(path: &Path, now: std::time::SystemTime) -> Option<Stamp> {
    stamp(path).filter(|s| s.1 + std::time::Duration::from_secs(2) < now)
}

/// Reads one record file.
pub(crate) fn read(root: &Path, entry: &Entry) -> Result<Source, Diagnostic> {
    let (path, under) = (&entry.path, entry.under.as_str());
    let file = rel(root, path);
    let bytes = read_regular(path, MAX_RECORD_BYTES).map_err(|e| e.diagnostic(&file))?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let text = decode(&bytes).map_err(|(pos, m, h)| Diagnostic::error(&rules::ENCODING, &file, pos, m).help(h))?;
    let (default_id, dir) = match under.strip_suffix("/index.md") {
        Some(folder) => (folder.to_string(), folder.to_string()),
        None if under == "index.md" => (String::new(), String::new()),
        None => {
            let id = under.trim_end_matches(".md").to_string();
            let dir = id.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string());
            (id, dir)
        }
    };
    Ok(Source { file, default_id, dir, text, sha256 })
}

fn io_diag(file: &str, e: &std::io::Error) -> Diagnostic {
    let d = Diagnostic::error(&rules::UNREADABLE, file, Pos::new(1, 1), msg!("无法读取：{e}", "cannot be read: {e}"));
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => d.help(msg!(
            "运行 gongbao 的用户没有读取它的权限：用 chmod 或 chown 给这个用户读取权限（目录还要有执行权限）",
            "the user running gongbao may not read it: give that user read permission with chmod or chown (and execute permission on a folder)"
        )),
        _ => d.help(msg!(
            "检查文件是否还在、所在的磁盘或网络目录是否可用，然后再运行一次",
            "check that the file is still there and its disk or network folder is available, then run again"
        )),
    }
}

type DecodeError = (Pos, crate::model::diag::Msg, crate::model::diag::Msg);

/// A character that text never holds: C0 controls other than tab, line feed and carriage return
/// (XML, and so feeds and packages, forbids them), DEL and the C1 controls, and the
/// noncharacters (U+FDD0 to U+FDEF and the last two of every plane: XML forbids U+FFFE and
/// U+FFFF, and HTML reads every one of them as a parse error).
pub(crate) fn shows_nothing(c: char) -> bool {
    let u = c as u32;
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || (0xFDD0..=0xFDEF).contains(&u) || u & 0xFFFE == 0xFFFE
}

/// How many of a file's stray characters one message names.
const STRAY_NAMED: usize = 12;

/// UTF-8 with or without BOM is text. Anything else is refused, and a file that reads as GBK
/// (the encoding older Chinese office tools still save in) is named as such so the editor knows
/// what to convert from.
pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    if looks_like_utf16(bytes) {
        return Err((
            Pos::new(1, 1),
            msg!("文件是 UTF-16 编码，不是 UTF-8", "the file is encoded in UTF-16, not UTF-8"),
            msg!(
                "用编辑器另存为 UTF-8（记事本：“另存为”中的编码选 UTF-8），或运行 iconv -f UTF-16 -t UTF-8",
                "save it as UTF-8 in your editor, or run iconv -f UTF-16 -t UTF-8"
            ),
        ));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) if !s.contains('\0') => {
            // Every one, so that one check names them all.
            let stray: Vec<(usize, char)> = s.char_indices().filter(|(_, c)| shows_nothing(*c)).collect();
            let Some(&(at, c)) = stray.first() else { return Ok(s.to_string()) };
            let (mut zh, mut en) = (String::new(), String::new());
            if stray.len() > 1 {
                let mut places: Vec<String> = stray
                    .iter()
                    .take(STRAY_NAMED)
                    .map(|&(k, c)| {
                        let p = Pos::of_offset(s, k);
                        format!("U+{:04X} {}:{}", c as u32, p.line, p.column)
                    })
                    .collect();
                if stray.len() > STRAY_NAMED {
                    places.push("…".into());
                }
                let n = stray.len();
                let places = places.join(", ");
                zh = format!("；全文共 {n} 个：{places}");
                en = format!("; {n} in all: {places}");
            }
            Err((
                Pos::of_offset(s, at),
                msg!(
                    "文件在这里有一个不可见的字符 U+{:04X}（控制字符或非字符，多半是粘贴带来的）：它会让网页和订阅源无效{zh}",
                    "the file has an invisible character U+{:04X} here (a control character or noncharacter, most likely pasted in): it would make pages and feeds invalid{en}",
                    c as u32,
                    c as u32
                ),
                msg!("删除这些字符", "delete the characters"),
            ))
        }
        Ok(s) => Err((
            Pos::of_offset(s, s.find('\0').unwrap_or(0)),
            msg!("文件含有 NUL 字节，不是文本文件", "the file contains NUL bytes and is not text"),
            msg!(
                "记录必须是 UTF-8 文本；二进制文件请作为附件",
                "records must be UTF-8 text; keep binary files as attachments"
            ),
        )),
        Err(e) => {
            let good = &body[..e.valid_up_to()];
            let pos = Pos::of_offset(std::str::from_utf8(good).unwrap_or(""), good.len());
            if looks_like_gbk(body) {
                Err((
                    pos,
                    msg!("文件是 GBK 编码，不是 UTF-8", "the file is encoded in GBK, not UTF-8"),
                    msg!(
                        "用编辑器另存为 UTF-8，或运行 iconv -f GBK -t UTF-8",
                        "save it as UTF-8 in your editor, or run iconv -f GBK -t UTF-8"
                    ),
                ))
            } else {
                Err((
                    pos,
                    msg!("文件不是有效的 UTF-8 文本", "the file is not valid UTF-8 text"),
                    msg!(
                        "记录必须是 UTF-8 文本；二进制文件请作为附件",
                        "records must be UTF-8 text; keep binary files as attachments"
                    ),
                ))
            }
        }
    }
}

/// True for UTF-16 text, as Windows tools write it: with its byte-order mark, or without one
/// when every other byte of the first ones is NUL (the ASCII of `---` and the keys).
fn looks_like_utf16(b: &[u8]) -> bool {
    if b.starts_with(b"\xFF\xFE") || b.starts_with(b"\xFE\xFF") {
        return true;
    }
    // Most of the first characters are ASCII, whose other byte is NUL; UTF-8 text has no NUL.
    let head = &b[..b.len().min(64) & !1];
    let zeros = |from: usize| head.iter().skip(from).step_by(2).filter(|&&x| x == 0).count();
    let pairs = head.len() / 2;
    pairs >= 4 && (zeros(0) * 2 > pairs || zeros(1) * 2 > pairs)
}

/// True when every non-ASCII byte pairs up as a GBK double-byte character and at least a few
/// do. No NULs or other control bytes besides whitespace.
fn looks_like_gbk(b: &[u8]) -> bool {
    let (mut i, mut pairs) = (0, 0usize);
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            if c < 0x20 && !matches!(c, b'\n' | b'\r' | b'\t') {
                return false;
            }
            i += 1;
        } else if (0x81..=0xFE).contains(&c) && i + 1 < b.len() && (0x40..=0xFE).contains(&b[i + 1]) && b[i + 1] != 0x7F
        {
            pairs += 1;
            i += 2;
        } else {
            return false;
        }
    }
    pairs >= 2
}

/// `path` relative to `base`, with `/` separators.
pub(crate) fn rel(base: &Path, path: &Path) -> String {
    let p = path.strip_prefix(base).unwrap_or(path);
    p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The line of a register on which its bytes stop being UTF-8.
fn bad_utf8_line(e: &std::string::FromUtf8Error) -> usize {
    let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
    good.iter().filter(|&&b| b == b'\n').count() + 1
}

/// Appends `lines` (each ending in a newline) to the register at `path`, made when missing, and
/// written to the disk before this returns. A register whose last line lacks its newline (an
/// editor that strips it, a copy cut short at the end of a line) gets one first: the new entry
/// would otherwise be glued to the last one, and every later reading of the register refused.
pub(crate) fn append_lines(path: &Path, lines: &str) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new().read(true).append(true).create(true).open(path)?;
    let len = f.seek(SeekFrom::End(0))?;
    let mut last = [b'\n'];
    if len > 0 {
        f.seek(SeekFrom::Start(len - 1))?;
        f.read_exact(&mut last)?;
    }
    let mut text = String::with_capacity(lines.len() + 1);
    if last[0] != b'\n' {
        text.push('\n');
    }
    text.push_str(lines);
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// Reads the transfer register (`transfers.jsonl` at `root`; none yet: empty). A register that
/// cannot be read, or a line that is not what `gongbao package` writes, is a `register` error at
/// that line.
pub(crate) fn read_register(root: &Path) -> Result<Vec<crate::model::transfer::Transfer>, Diagnostic> {
    use crate::model::transfer::{REGISTER, parse_register};
    let fail = |line: usize, m: crate::model::diag::Msg| {
        Diagnostic::error(&rules::REGISTER, REGISTER, Pos::new(line.max(1) as u64, 1), m).help(msg!(
            "登记只由 gongbao package 追加，不要手工改写；用 git 找回原来的行",
            "only gongbao package appends to the register; restore the original lines from git"
        ))
    };
    let bytes = match read_regular(&root.join(REGISTER), 1 << 30) {
        Ok(b) => b,
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(fail(1, msg!("无法读取移交登记：{e}", "cannot read the transfer register: {e}"))),
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        fail(
            bad_utf8_line(&e),
            msg!("移交登记的这一行不是 UTF-8 文本", "this line of the transfer register is not UTF-8 text"),
        )
    })?;
    parse_register(&text).map_err(|(line, e)| {
        fail(line, msg!("这一行不是有效的移交登记：{e}", "this line is not a valid register entry: {e}"))
    })
}

/// The publication register (`publications.jsonl`), empty when the site has none yet. A register
/// whose lines no longer chain (an entry edited, removed or renumbered by hand) is an error at
/// the first such line: `build` would otherwise append to a record that lies.
pub(crate) fn read_publications(root: &Path) -> Result<Vec<crate::model::publication::Publication>, Diagnostic> {
    use crate::model::publication::{REGISTER, parse_register};
    let fail = |line: usize, m: crate::model::diag::Msg| {
        Diagnostic::error(&rules::REGISTER, REGISTER, Pos::new(line.max(1) as u64, 1), m).help(msg!(
            "发布登记只由 gongbao build 追加，已有的行不能改写：用 git 找回原来的行（git checkout -- publications.jsonl）",
            "only gongbao build appends to the publication register and earlier lines are never rewritten: restore them from git (git checkout -- publications.jsonl)"
        ))
    };
    let bytes = match read_regular(&root.join(REGISTER), 1 << 30) {
        Ok(b) => b,
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(fail(1, msg!("无法读取发布登记：{e}", "cannot read the publication register: {e}"))),
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        fail(
            bad_utf8_line(&e),
            msg!("发布登记的这一行不是 UTF-8 文本", "this line of the publication register is not UTF-8 text"),
        )
    })?;
    parse_register(&text).map_err(|(line, e)| {
        fail(line, msg!(
            "发布登记的这一行与前面的登记接不上：{e}。构建不会在被改动过的登记后追加",
            "this line of the publication register does not follow from the lines before it: {e}. A build does not append to a register that was changed"
        ))
    })
}

/// The holiday calendar: the shipped one, extended by the site's `[publication] calendar` file.
/// A site file that cannot be read or parsed is an error at its own line; the shipped calendar
/// stands in so that the other checks still run.
pub(crate) fn read_calendar(
    root: &Path,
    cfg: &crate::config::Config,
) -> (crate::model::calendar::Calendar, Option<Diagnostic>) {
    use crate::model::calendar::Calendar;
    let shipped = Calendar::shipped();
    let Some(name) = cfg.publication.calendar.as_deref() else { return (shipped, None) };
    let fail = |pos: Pos, m: crate::model::diag::Msg| {
        Some(Diagnostic::error(&rules::CONFIG, name, pos, m).help(msg!(
            "节假日日历的格式见手册“发布规则”一章，可照 gongbao 自带的 data/holidays-cn.toml 写",
            "the book's chapter on the rules of publication gives the calendar's shape; data/holidays-cn.toml is an example"
        )))
    };
    let plain = !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && name.split('/').all(|s| !s.is_empty() && s != "." && s != "..");
    if !plain {
        return (
            shipped,
            fail(
                Pos::new(1, 1),
                msg!(
                    "[publication] calendar = `{name}` 应是站点内的相对路径",
                    "[publication] calendar = `{name}` must be a path inside the site"
                ),
            ),
        );
    }
    let text = match read_regular(&root.join(name), MAX_RECORD_BYTES) {
        Ok(b) => b,
        Err(e) => {
            return (
                shipped,
                fail(Pos::new(1, 1), msg!("无法读取节假日日历：{e}", "cannot read the holiday calendar: {e}")),
            );
        }
    };
    let text = match decode(&text) {
        Ok(t) => t,
        Err((pos, m, _)) => return (shipped, fail(pos, m)),
    };
    match Calendar::parse(&text) {
        Ok(site) => (shipped.extended(site), None),
        Err((pos, m)) => (shipped, fail(pos, m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_may_not_be_read_says_how_to_give_the_permission() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let d = io_diag("content/a.md", &denied);
        let help = d.help.expect("a way to fix it");
        assert!(help.get(crate::model::lang::Lang::ZhHans).contains("chmod"), "{help:?}");
        let gone = io_diag("content/a.md", &std::io::Error::from(std::io::ErrorKind::NotFound));
        assert!(!gone.help.expect("a way to fix it").get(crate::model::lang::Lang::ZhHans).contains("chmod"));
    }

    #[test]
    fn accepts_utf8_with_bom() {
        assert_eq!(decode(b"\xEF\xBB\xBF---\n").unwrap(), "---\n");
    }

    #[test]
    fn names_gbk() {
        // "青川市" in GBK.
        let gbk = b"title: \xC7\xE0\xB4\xA8\xCA\xD0\n";
        let (pos, m, _) = decode(gbk).unwrap_err();
        assert!(m.en.contains("GBK"));
        assert_eq!((pos.line, pos.column), (1, 8));
    }

    #[test]
    fn names_utf16_with_or_without_its_mark() {
        let text = "---\ntitle: 青川市\n---\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [[&[0xFF, 0xFE][..], &le].concat(), le.clone(), [&[0xFE, 0xFF][..], &be].concat(), be] {
            let (_, m, _) = decode(&bytes).unwrap_err();
            assert!(m.en.contains("UTF-16"), "{bytes:?}");
        }
        assert!(decode(b"---\ntitle: a\n---\n").is_ok());
    }

    #[test]
    fn names_every_stray_character_at_once() {
        for (text, named) in [
            ("---\n第一行\u{1}\n\n第二行\u{b}\n\n第三行\u{1b}\n", vec!["U+0001 2:4", "U+000B 4:4", "U+001B 6:4"]),
            (
                "非字符\u{FFFE}和\u{FFFF}与\u{FDD0}、\u{1FFFF}\n",
                vec!["U+FFFE 1:4", "U+FFFF 1:6", "U+FDD0 1:8", "U+1FFFF 1:10"],
            ),
        ] {
            let (pos, m, _) = decode(text.as_bytes()).unwrap_err();
            assert_eq!(format!("{}:{}", pos.line, pos.column), named[0].split(' ').nth(1).unwrap(), "{text:?}");
            for n in &named {
                assert!(m.en.contains(n) && m.zh.contains(n), "{n}: {}", m.en);
            }
        }
        // Characters that text does hold stay.
        assert!(decode("甲\t乙\r\n\u{FFFD}\u{FDCF}\u{FDF0}\u{FFFC}\n".as_bytes()).is_ok());
    }

    #[test]
    fn refuses_binary() {
        let (_, m, _) = decode(b"\x89PNG\r\n\x1a\n\0\0\0").unwrap_err();
        assert!(!m.en.contains("GBK"));
    }
}
