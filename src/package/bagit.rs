//! BagIt 1.0 bags (RFC 8493) serialised as one deterministic zip, and their verification.
//!
//! A bag is one top-level folder named like the zip: `bag-info.txt`, `bagit.txt`, the payload
//! under `data/`, then the SHA-256 and SHA-512 manifests and tag manifests. The zip's entries are
//! in byte order, so `bag-info.txt` — and its `Payload-Oxum` — is written before the payload is
//! read. That is why the caller declares the payload up front (path and size) and hands over a
//! way to open each file: the writer streams every file once, hashing while it writes, and fails
//! if a file does not have the size declared for it. A transfer too large for one bag is split by
//! [`split`] into several, tied together by `Bag-Group-Identifier` and `Bag-Count`.
//!
//! [`verify`] reads such a zip back and returns every problem it finds, as data, for `gongbao
//! verify PACKAGE.zip` to print.

use super::zip::{Limits, ZipIn, ZipOut, check_name};
use super::{Error, Result, Utc, hex, io_err};
use sha2::{Digest, Sha256, Sha512};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read, Seek, Write};

/// `bagit.txt`, the same for every bag.
const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

/// RFC 8493 §2.2.2 recommends lines of at most 79 characters; longer values are folded.
const FOLD_AT: usize = 79;

/// Who sent the bag and what it is: the `bag-info.txt` fields the caller chooses. An empty value
/// leaves its field out.
#[derive(Debug, Clone, Default)]
pub(crate) struct BagInfo {
    /// `Source-Organization`: the agency that hands the bag over.
    pub source_organization: String,
    /// `Contact-Name`.
    pub contact_name: String,
    /// `Contact-Email`.
    pub contact_email: String,
    /// `External-Identifier`: the transfer's identifier, shared by the bags of a split transfer.
    pub external_identifier: String,
    /// `External-Description`: one sentence on the content.
    pub external_description: String,
    /// `Bag-Software-Agent`: the program and version that wrote the bag.
    pub software_agent: String,
}

/// A file of the payload, as the caller declares it before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PayloadFile {
    /// The path under `data/`, `/`-separated (it must pass [`check_name`]).
    pub path: String,
    /// Its size in bytes; the stream opened for it must give exactly this many.
    pub size: u64,
}

/// The place of one bag in a transfer split over several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    /// `Bag-Group-Identifier`, the same in every bag of the transfer.
    pub identifier: String,
    /// This bag's number, from 1.
    pub index: usize,
    /// How many bags the transfer has.
    pub total: usize,
}

/// One bag to write.
#[derive(Debug, Clone)]
pub(crate) struct BagSpec<'a> {
    /// The bag's name: its top-level folder, and the zip's name without `.zip`.
    pub name: &'a str,
    /// The `bag-info.txt` fields the caller chooses.
    pub info: &'a BagInfo,
    /// The date of every zip entry and of `Bagging-Date`, in seconds since the Unix epoch.
    pub epoch_seconds: i64,
    /// Set when the transfer is split over several bags.
    pub group: Option<Group>,
}

/// What a written bag holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WrittenBag {
    /// The payload's size in bytes.
    pub payload_bytes: u64,
    /// The number of payload files.
    pub payload_files: usize,
    /// SHA-256 of every payload file, by path under `data/`, in payload order.
    pub sha256: Vec<(String, [u8; 32])>,
}

/// Writes the bag `spec` with `payload` (sorted by path, each path once) into `out`, opening each
/// file with `open` just before it is copied. Returns the output and what the bag holds.
pub(crate) fn write_bag<W, R, F>(
    out: W,
    spec: &BagSpec<'_>,
    payload: &[PayloadFile],
    mut open: F,
) -> Result<(W, WrittenBag)>
where
    W: Write + Seek,
    R: Read,
    F: FnMut(&PayloadFile) -> io::Result<R>,
{
    if spec.name.contains('/') {
        return Err(Error::BadName { name: spec.name.to_string(), reason: "a bag name is a single folder" });
    }
    check_name(spec.name, false)?;
    for pair in payload.windows(2) {
        if pair[0].path >= pair[1].path {
            return Err(Error::Order { previous: pair[0].path.clone(), next: pair[1].path.clone() });
        }
    }
    for file in payload {
        check_name(&file.path, false)?;
        // RFC 8493 has `%` percent-encoded in manifests, and so do we; but bagit.py 1.9 decodes
        // only %0D and %0A, so a bag with `%` in a name would fail the validator archives use.
        if file.path.contains('%') {
            return Err(Error::BadName {
                name: file.path.clone(),
                reason: "a `%` in a payload path is read differently by RFC 8493 and by bagit.py",
            });
        }
    }
    let bytes: u64 = payload.iter().map(|f| f.size).sum();
    let bag_info = bag_info_txt(spec, bytes, payload.len())?;

    let name = spec.name;
    let mut zip = ZipOut::new(out, spec.epoch_seconds)?;
    zip.add_bytes(&format!("{name}/bag-info.txt"), bag_info.as_bytes())?;
    zip.add_bytes(&format!("{name}/bagit.txt"), BAGIT_TXT.as_bytes())?;

    let mut manifest256 = String::new();
    let mut manifest512 = String::new();
    let mut sums = Vec::with_capacity(payload.len());
    for file in payload {
        let reader = open(file).map_err(io_err(format!("opening data/{}", file.path)))?;
        let mut hashing = Hashing::new(reader);
        zip.add(&format!("{name}/data/{}", file.path), file.size, &mut hashing)?;
        let (d256, d512) = hashing.finish();
        let path = encode_path(&format!("data/{}", file.path));
        manifest256.push_str(&format!("{}  {path}\n", hex(&d256)));
        manifest512.push_str(&format!("{}  {path}\n", hex(&d512)));
        sums.push((file.path.clone(), d256));
    }
    zip.add_bytes(&format!("{name}/manifest-sha256.txt"), manifest256.as_bytes())?;
    zip.add_bytes(&format!("{name}/manifest-sha512.txt"), manifest512.as_bytes())?;

    // The tag manifests list every tag file but themselves, in byte order.
    let tags = [
        ("bag-info.txt", bag_info.as_bytes()),
        ("bagit.txt", BAGIT_TXT.as_bytes()),
        ("manifest-sha256.txt", manifest256.as_bytes()),
        ("manifest-sha512.txt", manifest512.as_bytes()),
    ];
    let (mut tag256, mut tag512) = (String::new(), String::new());
    for (path, bytes) in tags {
        tag256.push_str(&format!("{}  {path}\n", hex(&Sha256::digest(bytes))));
        tag512.push_str(&format!("{}  {path}\n", hex(&Sha512::digest(bytes))));
    }
    zip.add_bytes(&format!("{name}/tagmanifest-sha256.txt"), tag256.as_bytes())?;
    zip.add_bytes(&format!("{name}/tagmanifest-sha512.txt"), tag512.as_bytes())?;
    let out = zip.finish()?;
    Ok((out, WrittenBag { payload_bytes: bytes, payload_files: payload.len(), sha256: sums }))
}

/// Splits a payload into bags of at most `limit` bytes each, never parting the files of one
/// unit: `unit` names the unit a file belongs to (in a transfer, the document whose SIP or record
/// folder holds it), and all files of a unit go into the same bag, so that an archive receives
/// every document whole in one bag. Units are taken in the order of their first file and packed
/// greedily; a unit larger than `limit` gets a bag of its own (neither a unit nor a file is ever
/// cut). Each bag's files are sorted by path, as [`write_bag`] wants them. An empty payload
/// gives one empty bag, so that a transfer always has at least one.
pub(crate) fn split<K, F>(payload: Vec<PayloadFile>, limit: u64, unit: F) -> Vec<Vec<PayloadFile>>
where
    K: Ord,
    F: Fn(&PayloadFile) -> K,
{
    // The units, in the order of their first file, each with its files and its size.
    let mut units: Vec<(Vec<PayloadFile>, u64)> = Vec::new();
    let mut index: BTreeMap<K, usize> = BTreeMap::new();
    for file in payload {
        let at = *index.entry(unit(&file)).or_insert_with(|| {
            units.push((Vec::new(), 0));
            units.len() - 1
        });
        let (files, size) = &mut units[at];
        *size = size.saturating_add(file.size);
        files.push(file);
    }
    let mut bags = vec![Vec::new()];
    let mut size = 0u64;
    for (files, bytes) in units {
        let current = bags.last_mut().expect("never empty");
        if !current.is_empty() && size.saturating_add(bytes) > limit {
            bags.push(Vec::new());
            size = 0;
        }
        size = size.saturating_add(bytes);
        bags.last_mut().expect("never empty").extend(files);
    }
    for bag in &mut bags {
        bag.sort_by(|a, b| a.path.cmp(&b.path));
    }
    bags
}

/// `bag-info.txt`: the fields in the order of RFC 8493 §2.2.2, each folded to 79 characters
/// where it has spaces to fold at.
fn bag_info_txt(spec: &BagSpec<'_>, bytes: u64, files: usize) -> Result<String> {
    let info = spec.info;
    let mut fields: Vec<(&str, String)> = vec![
        ("Source-Organization", info.source_organization.clone()),
        ("Contact-Name", info.contact_name.clone()),
        ("Contact-Email", info.contact_email.clone()),
        ("External-Description", info.external_description.clone()),
        ("External-Identifier", info.external_identifier.clone()),
        ("Bagging-Date", Utc::from_epoch(spec.epoch_seconds).date()),
        ("Payload-Oxum", format!("{bytes}.{files}")),
    ];
    if let Some(group) = &spec.group {
        if group.index == 0 || group.index > group.total {
            return Err(Error::BadValue { field: "Bag-Count".into(), reason: "the index must be in 1..=total" });
        }
        fields.push(("Bag-Group-Identifier", group.identifier.clone()));
        fields.push(("Bag-Count", format!("{} of {}", group.index, group.total)));
    }
    fields.push(("Bag-Software-Agent", info.software_agent.clone()));
    let mut out = String::new();
    for (label, value) in fields {
        if value.is_empty() {
            continue;
        }
        if value.chars().any(char::is_control) || value.starts_with(' ') || value.ends_with(' ') {
            return Err(Error::BadValue {
                field: label.into(),
                reason: "a bag-info value has no control characters and no leading or trailing space",
            });
        }
        out.push_str(&fold(&format!("{label}: {value}")));
        out.push('\n');
    }
    Ok(out)
}

/// Folds a `Label: value` line in the manner of RFC 2822, which RFC 8493 follows: a line break is
/// put before a space, so that removing the line breaks gives the value back unchanged. Text
/// without spaces (Chinese, a long URL) stays on one long line: breaking inside it would change
/// it for readers that unfold that way.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    let chars: Vec<char> = line.chars().collect();
    let label_end = chars.iter().position(|&c| c == ':').map_or(0, |i| i + 2);
    let mut i = 0;
    while i < chars.len() {
        // The next word, with the space in front of it.
        let start = i;
        i += 1;
        while i < chars.len() && chars[i] != ' ' {
            i += 1;
        }
        let word = &chars[start..i];
        if chars[start] == ' ' && start > label_end && width + word.len() > FOLD_AT {
            out.push('\n');
            width = 0;
        }
        out.extend(word);
        width += word.len();
    }
    out
}

/// Undoes [`fold`] (and any RFC 2822 folding): a line that starts with a space or tab continues
/// the one before it.
fn unfold(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push_str(line);
            }
        } else if let Some((label, value)) = line.split_once(':') {
            fields.push((label.trim().to_string(), value.trim_start().to_string()));
        }
    }
    fields
}

/// A manifest path: `%`, CR and LF percent-encoded, and only those (RFC 8493 §2.1.3).
pub(crate) fn encode_path(path: &str) -> String {
    path.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Undoes [`encode_path`]; other `%` sequences are left as they are, as the RFC asks.
pub(crate) fn decode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let code = rest.get(at + 1..at + 3).map(str::to_ascii_uppercase);
        match code.as_deref() {
            Some("25") => out.push('%'),
            Some("0D") => out.push('\r'),
            Some("0A") => out.push('\n'),
            _ => {
                out.push('%');
                rest = &rest[at + 1..];
                continue;
            }
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    sha256: Sha256,
    sha512: Sha512,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing { inner, sha256: Sha256::new(), sha512: Sha512::new() }
    }

    fn finish(self) -> ([u8; 32], [u8; 64]) {
        (self.sha256.finalize().into(), self.sha512.finalize().into())
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha256.update(&buf[..n]);
        self.sha512.update(&buf[..n]);
        Ok(n)
    }
}

/// Something wrong with a bag, found by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The zip does not hold exactly one top-level folder.
    NotOneFolder(Vec<String>),
    /// `bagit.txt` is missing or not BagIt 1.0 in UTF-8.
    BagitTxt(String),
    /// No payload manifest in an algorithm this verifier checks (SHA-256, SHA-512).
    NoManifest,
    /// No tag manifest in an algorithm this verifier checks: nothing vouches for `bag-info.txt`
    /// and the manifests.
    NoTagManifest,
    /// `bag-info.txt` is missing.
    NoBagInfo,
    /// No payload file at all.
    NoPayload,
    /// `fetch.txt`: the bag says it is incomplete, its files to be fetched from elsewhere.
    Fetch,
    /// A tag file, or an empty folder, that no tag manifest lists.
    UnlistedTag(String),
    /// A manifest or tag manifest of an algorithm this verifier does not check.
    UnsupportedManifest(String),
    /// A manifest line that is not `digest path`, or a path outside its place.
    BadLine {
        /// The manifest.
        manifest: String,
        /// The line.
        line: String,
    },
    /// A file whose digest is not the one its manifest lists.
    Digest {
        /// The file, relative to the bag.
        file: String,
        /// The manifest.
        manifest: String,
        /// The digest listed.
        expected: String,
        /// The digest of the bytes in the zip.
        actual: String,
    },
    /// A file a manifest lists that is not in the bag.
    Missing {
        /// The file, relative to the bag.
        file: String,
        /// The manifest.
        manifest: String,
    },
    /// A payload file a manifest does not list.
    Unlisted {
        /// The file, relative to the bag.
        file: String,
        /// The manifest.
        manifest: String,
    },
    /// `Payload-Oxum` disagrees with the payload, or cannot be read.
    Oxum {
        /// As written in `bag-info.txt`.
        declared: String,
        /// `bytes.files` of the payload found.
        actual: String,
    },
    /// A file that could not be read to the end (a CRC or size error in the zip).
    Unreadable {
        /// The file, relative to the bag.
        file: String,
        /// What went wrong.
        error: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NotOneFolder(tops) => write!(f, "not one top-level folder but {tops:?}"),
            Problem::BagitTxt(why) => write!(f, "bagit.txt: {why}"),
            Problem::NoManifest => write!(f, "no manifest-sha256.txt or manifest-sha512.txt"),
            Problem::NoTagManifest => write!(f, "no tagmanifest-sha256.txt or tagmanifest-sha512.txt"),
            Problem::NoBagInfo => write!(f, "no bag-info.txt"),
            Problem::NoPayload => write!(f, "no file in data/"),
            Problem::Fetch => write!(f, "fetch.txt: the bag is incomplete, its files to be fetched from elsewhere"),
            Problem::UnlistedTag(file) => write!(f, "{file}: in the bag but in no manifest or tag manifest"),
            Problem::UnsupportedManifest(m) => write!(f, "{m}: an algorithm this verifier does not check"),
            Problem::BadLine { manifest, line } => write!(f, "{manifest}: cannot read the line {line:?}"),
            Problem::Digest { file, manifest, expected, actual } => {
                write!(f, "{file}: {manifest} lists {expected}, the file has {actual}")
            }
            Problem::Missing { file, manifest } => write!(f, "{file}: listed in {manifest} but not in the bag"),
            Problem::Unlisted { file, manifest } => write!(f, "{file}: in the payload but not in {manifest}"),
            Problem::Oxum { declared, actual } => write!(f, "Payload-Oxum is {declared:?}, the payload is {actual}"),
            Problem::Unreadable { file, error } => {
                write!(f, "{file}: the zip's copy of it is damaged and cannot be read to the end ({error})")
            }
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Report {
    /// The bag's top-level folder.
    pub name: String,
    /// The fields of `bag-info.txt`, unfolded, in file order.
    pub info: Vec<(String, String)>,
    /// Payload files found.
    pub payload_files: usize,
    /// Payload bytes found.
    pub payload_bytes: u64,
    /// Every problem, in the order found; none means the bag is valid.
    pub problems: Vec<Problem>,
}

impl Report {
    /// True when the bag is complete and every digest matches.
    pub(crate) fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The largest tag file read into memory (a manifest of a million files is about 150 MB).
const MAX_TAG_FILE: u64 = 1 << 30;

/// Checks a bag zip: `bagit.txt`, every line of every manifest and tag manifest, that no payload
/// file is unlisted and no listed file missing, and `Payload-Oxum`. Each payload file is read
/// once, hashed in every algorithm its manifests use. An `Err` means the zip itself could not be
/// read (or broke the reader's `limits`); a bag that reads but is wrong gives a report with
/// problems.
pub(crate) fn verify<R: Read + Seek>(zip: R, limits: Limits) -> Result<Report> {
    let mut zip = ZipIn::open(zip, limits)?;
    let mut report = Report::default();
    let files: Vec<String> = zip.entries().iter().filter(|e| !e.is_dir).map(|e| e.name.clone()).collect();
    let mut tops: Vec<String> = files.iter().map(|n| n.split('/').next().unwrap_or_default().to_string()).collect();
    tops.dedup();
    tops.sort();
    tops.dedup();
    if tops.len() != 1 || files.iter().any(|f| !f.contains('/')) {
        report.problems.push(Problem::NotOneFolder(tops));
        return Ok(report);
    }
    report.name = tops.remove(0);
    let prefix = format!("{}/", report.name);
    // Names relative to the bag.
    let rel: Vec<&str> = files.iter().map(|f| &f[prefix.len()..]).collect();

    let read_tag = |zip: &mut ZipIn<R>, name: &str| -> Result<Option<String>> {
        let Some(entry) = zip.entries().iter().find(|e| e.name == format!("{prefix}{name}")) else {
            return Ok(None);
        };
        if entry.size > MAX_TAG_FILE {
            return Err(Error::Limit { what: format!("{name} is {} bytes", entry.size) });
        }
        let mut text = String::new();
        zip.open_entry(&format!("{prefix}{name}"))?
            .read_to_string(&mut text)
            .map_err(io_err(format!("reading {name}")))?;
        Ok(Some(text))
    };

    match read_tag(&mut zip, "bagit.txt")? {
        None => report.problems.push(Problem::BagitTxt("missing".into())),
        Some(text) => {
            let fields = unfold(&text);
            let get = |k: &str| fields.iter().find(|(l, _)| l == k).map(|(_, v)| v.as_str());
            if get("BagIt-Version") != Some("1.0") {
                report.problems.push(Problem::BagitTxt(format!("BagIt-Version {:?}, not 1.0", get("BagIt-Version"))));
            }
            if !get("Tag-File-Character-Encoding").is_some_and(|e| e.eq_ignore_ascii_case("UTF-8")) {
                report.problems.push(Problem::BagitTxt("Tag-File-Character-Encoding is not UTF-8".into()));
            }
        }
    }
    match read_tag(&mut zip, "bag-info.txt")? {
        Some(text) => report.info = unfold(&text),
        None => report.problems.push(Problem::NoBagInfo),
    }
    if rel.contains(&"fetch.txt") {
        report.problems.push(Problem::Fetch);
    }
    // A folder entry with no file inside it is something no manifest can list.
    for e in zip.entries().iter().filter(|e| e.is_dir) {
        if !files.iter().any(|f| f.starts_with(&e.name)) {
            report.problems.push(Problem::UnlistedTag(e.name[prefix.len().min(e.name.len())..].to_string()));
        }
    }

    // Every manifest: (name, algorithm, is tag manifest, path → digest).
    let mut manifests = Vec::new();
    for name in &rel {
        let (tag, algorithm) = if let Some(a) = name.strip_prefix("tagmanifest-") {
            (true, a)
        } else if let Some(a) = name.strip_prefix("manifest-") {
            (false, a)
        } else {
            continue;
        };
        let Some(algorithm) = algorithm.strip_suffix(".txt") else { continue };
        if !matches!(algorithm, "sha256" | "sha512") {
            report.problems.push(Problem::UnsupportedManifest(name.to_string()));
            continue;
        }
        let text = read_tag(&mut zip, name)?.unwrap_or_default();
        let mut listed = BTreeMap::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let parsed = line.split_once([' ', '\t']).map(|(d, p)| (d, decode_path(p.trim_start())));
            match parsed {
                Some((digest, path)) if tag || path.starts_with("data/") => {
                    listed.insert(path, digest.to_ascii_lowercase());
                }
                _ => report.problems.push(Problem::BadLine { manifest: name.to_string(), line: line.to_string() }),
            }
        }
        manifests.push((name.to_string(), algorithm.to_string(), tag, listed));
    }
    if !manifests.iter().any(|(_, _, tag, _)| !tag) {
        report.problems.push(Problem::NoManifest);
    }
    if !manifests.iter().any(|(_, _, tag, _)| *tag) {
        report.problems.push(Problem::NoTagManifest);
    }

    // Read every file once: payload files for the manifests, tag files for the tag manifests.
    let mut found_bytes = 0u64;
    let mut found_files = 0usize;
    for (i, path) in rel.iter().enumerate() {
        let payload = path.starts_with("data/");
        let wanted: Vec<usize> = (0..manifests.len()).filter(|&m| manifests[m].2 != payload).collect();
        if wanted.is_empty() && !payload {
            continue;
        }
        if payload {
            found_files += 1;
        }
        let mut reader = Hashing::new(zip.open_entry(&files[i])?);
        let mut sink = CountingSink(0);
        if let Err(e) = io::copy(&mut reader, &mut sink) {
            report.problems.push(Problem::Unreadable { file: path.to_string(), error: e.to_string() });
            continue;
        }
        if payload {
            found_bytes += sink.0;
        }
        let (d256, d512) = reader.finish();
        for m in wanted {
            let (manifest, algorithm, _, listed) = &manifests[m];
            let actual = if algorithm == "sha256" { hex(&d256) } else { hex(&d512) };
            match listed.get(*path) {
                Some(expected) if *expected == actual => {}
                Some(expected) => report.problems.push(Problem::Digest {
                    file: path.to_string(),
                    manifest: manifest.clone(),
                    expected: expected.clone(),
                    actual,
                }),
                None if payload => {
                    report.problems.push(Problem::Unlisted { file: path.to_string(), manifest: manifest.clone() })
                }
                // RFC 8493 §2.2.1 asks a tag manifest to list every tag file but the tag manifests
                // (SHOULD); every bag gongbao writes does, so a tag file one leaves out was put
                // there afterwards.
                None if !path.starts_with("tagmanifest-") => {
                    report.problems.push(Problem::UnlistedTag(path.to_string()))
                }
                None => {}
            }
        }
    }
    for (manifest, _, _, listed) in &manifests {
        for path in listed.keys() {
            if !rel.contains(&path.as_str()) {
                report.problems.push(Problem::Missing { file: path.clone(), manifest: manifest.clone() });
            }
        }
    }
    if found_files == 0 {
        report.problems.push(Problem::NoPayload);
    }
    // A tag file two tag manifests leave out is said once.
    report.problems.dedup();
    report.payload_files = found_files;
    report.payload_bytes = found_bytes;
    if let Some((_, declared)) = report.info.iter().find(|(l, _)| l == "Payload-Oxum") {
        let actual = format!("{found_bytes}.{found_files}");
        if *declared != actual {
            report.problems.push(Problem::Oxum { declared: declared.clone(), actual });
        }
    }
    Ok(report)
}

/// Counts what is written to it, and keeps nothing.
struct CountingSink(u64);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const WHEN: i64 = 1_709_296_496; // 2024-03-01T12:34:56Z

    fn info() -> BagInfo {
        BagInfo {
            source_organization: "示例市人民政府办公室".into(),
            contact_name: "档案科".into(),
            contact_email: "archive@example.gov.cn".into(),
            external_identifier: "transfer-2024-001".into(),
            external_description: "The catalogue and full text of every proactively disclosed document of the \
                                   example city government, with attachments and earlier versions."
                .into(),
            software_agent: "gongbao 0.1.0".into(),
        }
    }

    fn files() -> Vec<(PayloadFile, Vec<u8>)> {
        let mut v = vec![
            ("catalogue.csv", b"id,title\n1,a\n".to_vec()),
            ("docs/1/index.html", b"<p>hello</p>\n".to_vec()),
            ("docs/1/source.md", vec![b'x'; 5000]),
            ("docs/100.txt", b"percent".to_vec()),
            ("empty", Vec::new()),
        ];
        v.sort();
        v.into_iter().map(|(p, b)| (PayloadFile { path: p.into(), size: b.len() as u64 }, b)).collect()
    }

    fn write(name: &str, files: &[(PayloadFile, Vec<u8>)], group: Option<Group>) -> Result<Vec<u8>> {
        let info = info();
        let spec = BagSpec { name, info: &info, epoch_seconds: WHEN, group };
        let payload: Vec<PayloadFile> = files.iter().map(|(f, _)| f.clone()).collect();
        let open = |f: &PayloadFile| Ok(Cursor::new(files.iter().find(|(g, _)| g == f).unwrap().1.clone()));
        Ok(write_bag(Cursor::new(Vec::new()), &spec, &payload, open)?.0.into_inner())
    }

    fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut z = ZipIn::open(Cursor::new(zip.to_vec()), Limits::default()).unwrap();
        let names: Vec<String> = z.entries().iter().map(|e| e.name.clone()).collect();
        names
            .into_iter()
            .map(|n| {
                let mut b = Vec::new();
                z.open_entry(&n).unwrap().read_to_end(&mut b).unwrap();
                (n, b)
            })
            .collect()
    }

    fn rezip(entries: Vec<(String, Vec<u8>)>) -> Vec<u8> {
        let mut z = ZipOut::new(Cursor::new(Vec::new()), WHEN).unwrap();
        for (n, b) in entries {
            z.add_bytes(&n, &b).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    /// A zip written by the zip crate alone, which takes names and folders gongbao never writes.
    fn raw_zip(entries: Vec<(String, Vec<u8>)>) -> Vec<u8> {
        let mut z = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = ::zip::write::SimpleFileOptions::default();
        for (n, b) in entries {
            match n.ends_with('/') {
                true => z.add_directory(n, options).unwrap(),
                false => {
                    z.start_file(n, options).unwrap();
                    z.write_all(&b).unwrap();
                }
            }
        }
        z.finish().unwrap().into_inner()
    }

    fn check(zip: Vec<u8>) -> Report {
        verify(Cursor::new(zip), Limits::default()).unwrap()
    }

    #[test]
    fn same_payload_same_bytes() {
        assert_eq!(write("bag", &files(), None).unwrap(), write("bag", &files(), None).unwrap());
    }

    #[test]
    fn layout_and_bag_info() {
        let zip = write("transfer-2024-001", &files(), None).unwrap();
        let e = entries(&zip);
        let names: Vec<&str> = e.iter().map(|(n, _)| n.strip_prefix("transfer-2024-001/").unwrap()).collect();
        assert_eq!(
            names,
            [
                "bag-info.txt",
                "bagit.txt",
                "data/catalogue.csv",
                "data/docs/1/index.html",
                "data/docs/1/source.md",
                "data/docs/100.txt",
                "data/empty",
                "manifest-sha256.txt",
                "manifest-sha512.txt",
                "tagmanifest-sha256.txt",
                "tagmanifest-sha512.txt"
            ]
        );
        let text = |n: &str| String::from_utf8(e.iter().find(|(m, _)| m.ends_with(n)).unwrap().1.clone()).unwrap();
        let bag_info = text("/bag-info.txt");
        assert!(bag_info.contains("Payload-Oxum: 5033.5\n"), "{bag_info}");
        assert!(bag_info.contains("Bagging-Date: 2024-03-01\n"));
        assert!(bag_info.contains("Source-Organization: 示例市人民政府办公室\n"));
        assert!(!bag_info.contains("Bag-Count"));
        assert!(bag_info.lines().all(|l| l.chars().count() <= FOLD_AT), "{bag_info}");
        let unfolded = unfold(&bag_info);
        assert!(unfolded.contains(&("External-Description".into(), info().external_description)));
        assert!(
            text("/manifest-sha256.txt").contains(&format!("{}  data/empty\n", hex(&Sha256::digest(b"")))),
            "{}",
            text("/manifest-sha256.txt")
        );
        assert_eq!(text("/tagmanifest-sha512.txt").lines().count(), 4);
    }

    #[test]
    fn folding_keeps_the_value() {
        let long = "word ".repeat(40) + "end";
        let folded = fold(&format!("External-Description: {long}"));
        assert!(folded.lines().count() > 2);
        assert!(folded.lines().all(|l| l.chars().count() <= FOLD_AT));
        assert_eq!(unfold(&folded), [("External-Description".to_string(), long)]);
        // No space to fold at: one long line rather than a changed value.
        let han = "公".repeat(100);
        assert_eq!(fold(&format!("X: {han}")), format!("X: {han}"));
    }

    #[test]
    fn bad_values_and_names_are_refused() {
        let mut bad = info();
        bad.contact_name = "a\nb".into();
        let spec = BagSpec { name: "b", info: &bad, epoch_seconds: WHEN, group: None };
        let r = write_bag(Cursor::new(Vec::new()), &spec, &[], |_| Ok(&b""[..]));
        assert!(matches!(r, Err(Error::BadValue { .. })));
        let ok = info();
        for name in ["a/b", "..", ""] {
            let spec = BagSpec { name, info: &ok, epoch_seconds: WHEN, group: None };
            let r = write_bag(Cursor::new(Vec::new()), &spec, &[], |_| Ok(&b""[..]));
            assert!(matches!(r, Err(Error::BadName { .. })), "{name:?}");
        }
        let spec = BagSpec { name: "b", info: &ok, epoch_seconds: WHEN, group: None };
        let percent = [PayloadFile { path: "100%.txt".into(), size: 0 }];
        let r = write_bag(Cursor::new(Vec::new()), &spec, &percent, |_| Ok(&b""[..]));
        assert!(matches!(r, Err(Error::BadName { .. })));
        let mut unsorted = files();
        unsorted.swap(0, 1);
        assert!(matches!(write("b", &unsorted, None), Err(Error::Order { .. })));
    }

    #[test]
    fn percent_encoding_round_trips() {
        for p in ["data/a%b", "data/a\nb\r", "data/%25", "data/plain"] {
            assert_eq!(decode_path(&encode_path(p)), p);
        }
        assert_eq!(encode_path("data/100%\n"), "data/100%25%0A");
        assert_eq!(decode_path("data/%41%"), "data/%41%");
    }

    #[test]
    fn a_file_of_another_size_than_declared_is_an_error() {
        let mut f = files();
        f[0].0.size += 1;
        let e = write("b", &f, None).unwrap_err();
        assert!(matches!(e, Error::SizeMismatch { .. }), "{e}");
    }

    #[test]
    fn split_keeps_order_and_limit() {
        let payload: Vec<PayloadFile> = [5u64, 5, 5, 12, 1, 1]
            .iter()
            .enumerate()
            .map(|(i, &s)| PayloadFile { path: format!("f{i}"), size: s })
            .collect();
        // Each file its own unit: consecutive runs, cut only between files.
        let bags = split(payload.clone(), 10, |f| f.path.clone());
        let sizes: Vec<Vec<u64>> = bags.iter().map(|b| b.iter().map(|f| f.size).collect()).collect();
        assert_eq!(sizes, [vec![5, 5], vec![5], vec![12], vec![1, 1]]);
        assert_eq!(bags.concat(), payload);
        assert_eq!(split(Vec::new(), 10, |f| f.path.clone()), [Vec::<PayloadFile>::new()]);
    }

    /// The unit of a path in these tests: its first two segments (`sips/a/…` → `sips/a`), or the
    /// path itself for a file at the top.
    fn folder_unit(f: &PayloadFile) -> String {
        let mut parts = f.path.splitn(3, '/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(b), Some(_)) => format!("{a}/{b}"),
            _ => f.path.clone(),
        }
    }

    fn sized(files: &[(&str, u64)]) -> Vec<PayloadFile> {
        files.iter().map(|&(p, s)| PayloadFile { path: p.into(), size: s }).collect()
    }

    fn paths(bags: &[Vec<PayloadFile>]) -> Vec<Vec<&str>> {
        bags.iter().map(|b| b.iter().map(|f| f.path.as_str()).collect()).collect()
    }

    #[test]
    fn split_never_parts_a_unit() {
        let payload = sized(&[
            ("catalogue.csv", 2),
            ("sips/a/METS.xml", 3),
            ("sips/a/rep1/data/index.html", 4),
            ("sips/b/METS.xml", 3),
            ("sips/b/rep1/data/big.pdf", 30),
            ("sips/c/METS.xml", 1),
            ("sips/c/text.md", 1),
        ]);
        // Splitting by file would cut sips/a after its METS.xml (2 + 3 + 4 > 8).
        assert_eq!(
            paths(&split(payload.clone(), 8, folder_unit)),
            [
                vec!["catalogue.csv"],
                vec!["sips/a/METS.xml", "sips/a/rep1/data/index.html"],
                vec!["sips/b/METS.xml", "sips/b/rep1/data/big.pdf"],
                vec!["sips/c/METS.xml", "sips/c/text.md"],
            ]
        );
        // Below the size of any unit: one unit a bag, each whole.
        assert_eq!(split(payload.clone(), 1, folder_unit).len(), 4);
        // For every limit: no unit in two bags, no file lost or repeated, and a bag over the limit
        // only when it holds a single unit that is over it alone.
        for limit in 0..=50 {
            let bags = split(payload.clone(), limit, folder_unit);
            let mut seen = BTreeMap::new();
            for (i, bag) in bags.iter().enumerate() {
                for f in bag {
                    assert_eq!(*seen.entry(folder_unit(f)).or_insert(i), i, "limit {limit}: {:?}", paths(&bags));
                }
                let units: std::collections::BTreeSet<String> = bag.iter().map(folder_unit).collect();
                let bytes: u64 = bag.iter().map(|f| f.size).sum();
                assert!(bytes <= limit || units.len() == 1, "limit {limit}: {:?}", paths(&bags));
                assert!(bag.windows(2).all(|w| w[0].path < w[1].path), "sorted");
            }
            let mut all = bags.concat();
            all.sort_by(|a, b| a.path.cmp(&b.path));
            assert_eq!(all, payload, "limit {limit}");
        }
    }

    /// Units are gathered wherever their files fall in the payload: a record `a/b` nested in
    /// record `a`'s folder sorts between `a`'s files, and still neither is parted.
    #[test]
    fn split_gathers_a_unit_whose_files_are_not_adjacent() {
        let payload = sized(&[("records/a/b/marc.xml", 5), ("records/a/files/x", 5), ("records/a/marc.xml", 5)]);
        let unit = |f: &PayloadFile| if f.path.starts_with("records/a/b/") { "a/b" } else { "a" };
        assert_eq!(
            paths(&split(payload, 10, unit)),
            [vec!["records/a/b/marc.xml"], vec!["records/a/files/x", "records/a/marc.xml"]]
        );
    }

    #[test]
    fn split_bags_carry_group_and_count() {
        let all = files();
        let parts = split(all.iter().map(|(f, _)| f.clone()).collect(), 4000, |f| f.path.clone());
        assert_eq!(parts.len(), 3);
        for (i, part) in parts.iter().enumerate() {
            let these: Vec<_> = all.iter().filter(|(f, _)| part.contains(f)).cloned().collect();
            let group = Group { identifier: "transfer-2024-001".into(), index: i + 1, total: parts.len() };
            let zip = write(&format!("t-{}", i + 1), &these, Some(group)).unwrap();
            let report = check(zip);
            assert!(report.is_valid(), "{:?}", report.problems);
            let get = |k: &str| report.info.iter().find(|(l, _)| l == k).map(|(_, v)| v.clone());
            assert_eq!(get("Bag-Count"), Some(format!("{} of 3", i + 1)));
            assert_eq!(get("Bag-Group-Identifier").as_deref(), Some("transfer-2024-001"));
            assert_eq!(report.payload_files, these.len());
        }
    }

    #[test]
    fn verify_accepts_what_it_wrote() {
        let report = check(write("bag", &files(), None).unwrap());
        assert!(report.is_valid(), "{:?}", report.problems);
        assert_eq!((report.name.as_str(), report.payload_files, report.payload_bytes), ("bag", 5, 5033));
    }

    #[test]
    fn verify_finds_a_changed_byte() {
        let mut e = entries(&write("bag", &files(), None).unwrap());
        let source = e.iter_mut().find(|(n, _)| n == "bag/data/docs/1/source.md").unwrap();
        source.1[4321] = b'y';
        let report = check(rezip(e));
        assert!(
            matches!(&report.problems[..], [Problem::Digest { file, .. }, Problem::Digest { .. }] if file == "data/docs/1/source.md"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn verify_finds_a_missing_and_an_extra_file() {
        let mut e = entries(&write("bag", &files(), None).unwrap());
        e.retain(|(n, _)| n != "bag/data/catalogue.csv");
        let report = check(rezip(e.clone()));
        assert!(
            report.problems.iter().any(|p| matches!(p, Problem::Missing { file, .. } if file == "data/catalogue.csv"))
        );
        assert!(report.problems.iter().any(|p| matches!(p, Problem::Oxum { .. })));

        let mut e = entries(&write("bag", &files(), None).unwrap());
        e.push(("bag/data/zz-extra".into(), b"smuggled".to_vec()));
        e.sort();
        let report = check(rezip(e));
        let unlisted =
            report.problems.iter().filter(|p| matches!(p, Problem::Unlisted { file, .. } if file == "data/zz-extra"));
        assert_eq!(unlisted.count(), 2, "{:?}", report.problems);
    }

    #[test]
    fn verify_finds_a_wrong_oxum() {
        let mut e = entries(&write("bag", &files(), None).unwrap());
        let info = e.iter_mut().find(|(n, _)| n == "bag/bag-info.txt").unwrap();
        info.1 =
            String::from_utf8(info.1.clone()).unwrap().replace("Payload-Oxum: 5033.5", "Payload-Oxum: 5034.5").into();
        let report = check(rezip(e));
        assert!(report.problems.contains(&Problem::Oxum { declared: "5034.5".into(), actual: "5033.5".into() }));
        // The tag manifests catch the edit too.
        assert!(report.problems.iter().any(|p| matches!(p, Problem::Digest { file, .. } if file == "bag-info.txt")));
    }

    #[test]
    fn verify_wants_one_folder_and_bagit_txt() {
        let mut e = entries(&write("bag", &files(), None).unwrap());
        e.push(("other/x".into(), b"".to_vec()));
        assert!(matches!(&check(rezip(e)).problems[..], [Problem::NotOneFolder(_)]));
        let mut e = entries(&write("bag", &files(), None).unwrap());
        e.retain(|(n, _)| n != "bag/bagit.txt");
        let report = check(rezip(e));
        assert!(report.problems.contains(&Problem::BagitTxt("missing".into())));
    }

    #[test]
    fn verify_finds_what_was_put_beside_the_manifests_and_what_is_missing_of_a_bag() {
        let good = || entries(&write("bag", &files(), None).unwrap());
        // An unlisted tag file, a fetch list, and an empty folder: each is something no manifest
        // vouches for.
        for (extra, want) in [
            ("bag/extra.txt", Problem::UnlistedTag("extra.txt".into())),
            ("bag/fetch.txt", Problem::Fetch),
            ("bag/notes/", Problem::UnlistedTag("notes/".into())),
        ] {
            let mut e = good();
            e.push((extra.into(), b"https://example.org/x 1 data/x\n".to_vec()));
            e.sort();
            let report = check(raw_zip(e));
            assert!(report.problems.contains(&want), "{extra}: {:?}", report.problems);
            assert_eq!(report.problems.iter().filter(|p| **p == want).count(), 1, "said once: {:?}", report.problems);
        }
        for (gone, want) in
            [("bag/bag-info.txt", Problem::NoBagInfo), ("bag/tagmanifest-sha256.txt", Problem::NoTagManifest)]
        {
            let mut e = good();
            e.retain(|(n, _)| !n.starts_with(gone.trim_end_matches("256.txt")));
            let report = check(rezip(e));
            assert!(report.problems.contains(&want), "{gone}: {:?}", report.problems);
        }
        // A bag of nothing but its declaration and an empty manifest.
        let bare = vec![
            ("bag/bagit.txt".to_string(), b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".to_vec()),
            ("bag/manifest-sha256.txt".to_string(), Vec::new()),
        ];
        let report = check(raw_zip(bare));
        for want in [Problem::NoPayload, Problem::NoBagInfo, Problem::NoTagManifest] {
            assert!(report.problems.contains(&want), "{:?}", report.problems);
        }
    }

    #[test]
    fn a_zip_with_a_link_or_a_name_no_file_system_takes_is_not_read() {
        let mut z = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        z.add_symlink("bag/data/linky", "/etc/passwd", ::zip::write::SimpleFileOptions::default()).unwrap();
        let zip = z.finish().unwrap().into_inner();
        let err = verify(Cursor::new(zip), Limits::default()).expect_err("a link is refused");
        assert!(err.to_string().contains("symbolic link"), "{err}");
        let long = format!("bag/data/{}", "a".repeat(256));
        let err = verify(Cursor::new(raw_zip(vec![(long, b"x".to_vec())])), Limits::default()).expect_err("refused");
        assert!(err.to_string().contains("255"), "{err}");
    }

    /// The Library of Congress's validator agrees, on the bag unzipped by Python's own zip code,
    /// and disagrees once one payload byte changes.
    #[test]
    fn bagit_py_validates_the_bag() {
        use crate::package::testtools::venv_tool;
        use std::process::Command;
        let python = venv_tool("python");
        let bagit = venv_tool("bagit.py");
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("transfer-2024-001.zip");
        std::fs::write(&zip, write("transfer-2024-001", &files(), None).unwrap()).unwrap();
        let out = dir.path().join("out");
        let unzip = Command::new(&python).args(["-m", "zipfile", "-e"]).arg(&zip).arg(&out).output().unwrap();
        assert!(unzip.status.success(), "{}", String::from_utf8_lossy(&unzip.stderr));
        let bag = out.join("transfer-2024-001");
        let run = || Command::new(&python).arg(&bagit).arg("--validate").arg(&bag).output().unwrap();
        let ok = run();
        let says = |o: &std::process::Output| {
            format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
        };
        assert!(ok.status.success(), "bagit.py --validate failed:\n{}", says(&ok));
        let file = bag.join("data/docs/1/source.md");
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[100] ^= 1;
        std::fs::write(&file, bytes).unwrap();
        let bad = run();
        assert!(!bad.status.success(), "bagit.py accepted a changed byte:\n{}", says(&bad));
        assert!(says(&bad).contains("source.md"), "{}", says(&bad));
    }
}
