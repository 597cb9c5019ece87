//! What a transfer holds, read from a sealed tree and nothing else: the public documents of
//! `data/documents.json` published in the chosen period, each document's files (every file the
//! site published below its page's folder: the page, earlier texts, redlines, attachments and
//! the Markdown text), and the metadata made for them. The tree is verified against its manifest
//! first, and every file copied is checked again against the manifest's SHA-256 as it is
//! written, so a package holds exactly what was sealed: no record that the site did not publish
//! can enter one.

use super::bagit::{self, BagInfo, BagSpec, Group, PayloadFile};
use super::meta::{self, ArchivalCode, ArchiveSettings, Day, DocumentRow, DocumentsFile, FileRef, OaiSettings};
use super::zip::check_name;
use crate::emit::Written;
use crate::seal::verify::read_manifest;
use crate::source::{ReadError, open_regular};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Who a package is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// The national archives: one E-ARK SIP per document, DA/T 46 description and 档号.
    Archive,
    /// Public libraries: Dublin Core, MARCXML and an OAI-PMH static repository.
    Library,
}

impl Audience {
    /// The identifier used in names and the register.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Audience::Archive => "archive",
            Audience::Library => "library",
        }
    }
}

/// A sealed site output, read through its manifest.
pub(crate) struct Tree {
    root: PathBuf,
    /// Every listed file: path → (size, SHA-256).
    files: BTreeMap<String, (u64, String)>,
    /// `data/documents.json`.
    pub(crate) documents: DocumentsFile,
    /// The site's address, ending in `/`.
    pub(crate) base_url: String,
}

impl Tree {
    /// Reads the manifest and `data/documents.json` of the output at `root`. The caller has
    /// verified the tree; the documents file is checked against the manifest here again.
    pub(crate) fn open(root: &Path, base_url: &str) -> Result<Tree, String> {
        let (manifest, _) = read_manifest(root)?;
        let files: BTreeMap<String, (u64, String)> =
            manifest.files.into_iter().map(|Written { path, sha256, size }| (path, (size, sha256))).collect();
        let path = "data/documents.json";
        let Some((size, sha)) = files.get(path) else {
            return Err(format!("{path} is not in the manifest"));
        };
        let bytes = read_listed(root, path, *size, sha)?;
        let documents: DocumentsFile = serde_json::from_slice(&bytes).map_err(|e| format!("{path}: {e}"))?;
        Ok(Tree { root: root.to_path_buf(), files, documents, base_url: base_url.to_string() })
    }

    /// The folder of a document's page in the tree (`docs/<id>`), from its address.
    fn folder(&self, row: &DocumentRow) -> Option<String> {
        let rest = row.url.strip_prefix(&self.base_url)?;
        let dir = rest.trim_end_matches('/');
        (!dir.is_empty()).then(|| crate::markdown::percent_decode(dir))
    }

    /// Every file of the tree, with size and checksum.
    pub(crate) fn files(&self) -> impl Iterator<Item = (&str, u64, &str)> {
        self.files.iter().map(|(p, (s, h))| (p.as_str(), *s, h.as_str()))
    }

    /// Opens a listed file for reading (a regular file, not followed through a link).
    pub(crate) fn open_file(&self, path: &str) -> std::io::Result<std::fs::File> {
        open_regular(&self.root.join(path)).map(|(f, _)| f).map_err(|e| match e {
            ReadError::Io(e) => e,
            other => std::io::Error::other(format!("{path}: {other}")),
        })
    }
}

/// Reads a listed file whole and checks it against the manifest.
fn read_listed(root: &Path, path: &str, size: u64, sha: &str) -> Result<Vec<u8>, String> {
    let bytes = crate::source::read_regular(&root.join(path), size).map_err(|e| format!("{path}: {e}"))?;
    if bytes.len() as u64 != size || crate::source::hex(&Sha256::digest(&bytes)) != sha {
        return Err(format!("{path} differs from the manifest"));
    }
    Ok(bytes)
}

/// A path of the site as a package path: ASCII letters, digits and `._-/` stay, every other byte
/// (and `~` itself) becomes `~XX`, so that names in Chinese survive every archive's tools and no
/// two paths become one. A name that would then be longer than [`MAX_NAME`] bytes (about 23
/// Chinese characters: each takes nine) is shortened ([`short_name`]), since a file system takes
/// no longer name and unzipping would fail; the metadata keep the name as published.
pub(crate) fn ascii_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (k, name) in path.split('/').enumerate() {
        if k > 0 {
            out.push('/');
        }
        let escaped = ascii_name(name);
        match escaped.len() > MAX_NAME {
            true => out.push_str(&short_name(name, &escaped)),
            false => out.push_str(&escaped),
        }
    }
    out
}

/// The longest name [`ascii_path`] writes, in bytes: under the 255 of common file systems, with
/// room for the suffix a tool adds to a file it unpacks twice.
pub(crate) const MAX_NAME: usize = 200;

/// One name escaped as [`ascii_path`] escapes it.
fn ascii_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(b as char);
        } else {
            out.push_str(&format!("~{b:02X}"));
        }
    }
    out
}

/// A name of [`MAX_NAME`] bytes at most for `name`, whose escaped form `escaped` is longer: the
/// start of the escaped name (never cutting a `~XX`), `~~`, the first 16 hex digits of the
/// SHA-256 of the name as published, and its extension. No escaped name holds `~~` (`~` itself
/// is written `~7E`), so a shortened name is never another name left whole, and two shortened
/// names are one only when their names share a start and 64 bits of their SHA-256.
fn short_name(name: &str, escaped: &str) -> String {
    let ext = escaped.rfind('.').map(|k| &escaped[k..]).filter(|e| e.len() <= 24).unwrap_or("");
    let hash = crate::source::hex(&Sha256::digest(name.as_bytes()));
    let room = MAX_NAME - 2 - 16 - ext.len();
    let stem = &escaped[..escaped.len() - ext.len()];
    let mut cut = room.min(stem.len());
    // Back to the start of a `~XX` that the cut would split.
    if let Some(t) = stem[..cut].rfind('~').filter(|&t| t + 3 > cut) {
        cut = t;
    }
    format!("{}~~{}{ext}", &stem[..cut], &hash[..16])
}

/// The media type without parameters, as METS and PREMIS want it.
fn bare_type(path: &str) -> String {
    crate::route::media_type(path).split(';').next().unwrap_or("application/octet-stream").to_string()
}

/// What a transfer is asked to hold.
pub(crate) struct Request<'a> {
    /// Archive or library.
    pub(crate) audience: Audience,
    /// First publication day included, if any.
    pub(crate) from: Option<Day>,
    /// Last publication day included, if any.
    pub(crate) to: Option<Day>,
    /// The site's name: Source-Organization and the submitting agent.
    pub(crate) site: &'a str,
    /// A short ASCII name for the site, the start of every package name.
    pub(crate) slug: &'a str,
    /// `[package.archive]`, for an archive transfer.
    pub(crate) archive: Option<&'a ArchiveSettings>,
    /// `[package.library]`, for a library transfer.
    pub(crate) library: Option<&'a OaiSettings>,
    /// Contact-Name and Contact-Email.
    pub(crate) contact: (&'a str, &'a str),
    /// The date of every entry and of Bagging-Date, in seconds since the epoch.
    pub(crate) epoch: i64,
    /// Largest payload of one bag, in bytes; `None`: one bag.
    pub(crate) max_bytes: Option<u64>,
}

/// Where a payload file's bytes come from.
#[derive(Clone)]
enum Origin {
    /// A file of the tree.
    Tree(String),
    /// A metadata file of document `doc`'s SIP (made again when written, so that tens of
    /// thousands of SIPs are never held at once).
    Sip { doc: usize, file: usize },
    /// A library file made from the documents' rows (made again when written, like a SIP's).
    Library(LibraryFile),
    /// Bytes made once (the catalogues).
    Made(Arc<Vec<u8>>),
}

/// A metadata file of a library transfer. Its bytes are made when the plan is made (to know its
/// size and checksum, which `bag-info.txt` and the manifests need first) and made again when it
/// is written, by [`library_file`] both times: holding the records of 50,000 documents three
/// times over (per record, in the MARC collection, in the static repository) would take more than
/// a gigabyte.
#[derive(Clone, Copy)]
enum LibraryFile {
    /// `records/<id>/oai_dc.xml` of document `doc`.
    OaiDc { doc: usize },
    /// `records/<id>/marc.xml` of document `doc`.
    Marc { doc: usize },
    /// `marc/collection.xml`: every document of the transfer.
    Collection,
    /// Part `part` (from 0) of the OAI-PMH static repository.
    Oai { part: usize },
}

/// The bytes of a library metadata file; `rows` are the transfer's documents, in plan order.
fn library_file(tree: &Tree, rows: &[&DocumentRow], req: &Request<'_>, file: LibraryFile) -> Result<Vec<u8>, String> {
    let build_date = tree.documents.as_of;
    let all = &tree.documents.documents;
    Ok(match file {
        LibraryFile::OaiDc { doc } => meta::oai_dc(&all[doc], req.site),
        LibraryFile::Marc { doc } => meta::marcxml_record(&all[doc], req.site, build_date),
        LibraryFile::Collection => meta::marcxml_collection(rows, req.site, build_date),
        LibraryFile::Oai { part } => {
            let settings = req.library.ok_or("[package.library] is missing from gongbao.toml")?;
            let chunk = rows.chunks(meta::oai::MAX_RECORDS).nth(part).ok_or("no such part of the static repository")?;
            meta::static_repository(chunk, req.site, settings, build_date).map_err(|e| e.to_string())?
        }
    }
    .into_bytes())
}

/// A payload item for a library metadata file, its bytes made, hashed and let go.
fn library_item(
    tree: &Tree,
    rows: &[&DocumentRow],
    req: &Request<'_>,
    path: String,
    file: LibraryFile,
) -> Result<Item, String> {
    let bytes = library_file(tree, rows, req, file)?;
    Ok(Item {
        unit: path.clone(),
        path,
        size: bytes.len() as u64,
        sha256: crate::source::hex(&Sha256::digest(&bytes)),
        origin: Origin::Library(file),
    })
}

/// One payload file: where it goes, where it comes from, its expected checksum, and the unit it
/// belongs to.
#[derive(Clone)]
struct Item {
    path: String,
    size: u64,
    sha256: String,
    origin: Origin,
    /// What must stay whole in one bag when a transfer is split: the package folder of the
    /// document the file belongs to (`sips/<name>`, `records/<id>`), or for a file of the whole
    /// transfer (a catalogue, a collection) its own path.
    unit: String,
}

/// A planned transfer: its documents and payload, before anything is written.
pub(crate) struct Plan {
    /// Indexes of the documents (into `Tree::documents.documents`), in id order.
    pub(crate) docs: Vec<usize>,
    /// Per document: the digest of everything packaged for it (sorted paths and checksums).
    pub(crate) digests: Vec<String>,
    /// The transfer's name (the bag's, without a part number).
    pub(crate) name: String,
    items: Vec<Item>,
    /// Each document's data files, for making its SIP again.
    doc_files: Vec<Vec<FileRef>>,
    codes: BTreeMap<String, ArchivalCode>,
}

/// The first and last publication day of the chosen documents, for names.
fn span(rows: &[&DocumentRow]) -> Option<(Day, Day)> {
    Some((rows.iter().map(|r| r.published).min()?, rows.iter().map(|r| r.published).max()?))
}

/// Plans the transfer `req` from `tree`. `Err` when a document cannot be described (settings,
/// names) or when no document falls in the period.
pub(crate) fn plan(tree: &Tree, req: &Request<'_>) -> Result<Plan, String> {
    let all = &tree.documents.documents;
    let chosen: Vec<usize> = (0..all.len())
        .filter(|&i| req.from.is_none_or(|f| all[i].published >= f) && req.to.is_none_or(|t| all[i].published <= t))
        .collect();
    if chosen.is_empty() {
        return Err("no public document was published in the period asked for".to_string());
    }
    let rows: Vec<&DocumentRow> = chosen.iter().map(|&i| &all[i]).collect();
    let (first, last) = span(&rows).expect("not empty");
    let from = req.from.unwrap_or(first);
    let to = req.to.unwrap_or(last);
    let name = format!("{}-{}-{}-{}", req.slug, req.audience.id(), from.compact(), to.compact());
    check_name(&name, false).map_err(|e| format!("package name {name}: {e}"))?;

    // Each file of the tree belongs to the deepest document folder above it (a record `a/b`
    // lives inside record `a`'s folder, and its files are its own).
    let folders: Vec<Option<String>> = all.iter().map(|r| tree.folder(r)).collect();
    let owner: BTreeMap<&str, usize> =
        folders.iter().enumerate().filter_map(|(i, f)| f.as_deref().map(|f| (f, i))).collect();
    let mut files_of: BTreeMap<usize, Vec<(&str, u64, &str)>> = BTreeMap::new();
    for (path, size, sha) in tree.files() {
        let mut at = path;
        while let Some((up, _)) = at.rsplit_once('/') {
            if let Some(&i) = owner.get(up) {
                files_of.entry(i).or_default().push((path, size, sha));
                break;
            }
            at = up;
        }
    }

    // Archive codes are allocated over every public document, so a document keeps its 档号
    // whatever period a transfer covers.
    let codes = match (req.audience, req.archive) {
        (Audience::Archive, Some(a)) => meta::allocate_archival_codes(all, a).map_err(|e| e.to_string())?,
        (Audience::Archive, None) => return Err("[package.archive] is missing from gongbao.toml".to_string()),
        _ => BTreeMap::new(),
    };

    let build_date = tree.documents.as_of;
    let version = env!("CARGO_PKG_VERSION");
    type Planned = (Vec<Item>, Vec<FileRef>, String, String);
    let planned: Vec<Result<Planned, String>> = chosen
        .par_iter()
        .map(|&i| {
            let row = &all[i];
            let dir = folders[i].as_deref().ok_or_else(|| format!("{}: its address is not on this site", row.id))?;
            let own = files_of.get(&i).map(Vec::as_slice).unwrap_or(&[]);
            let mut items = Vec::new();
            let mut refs = Vec::new();
            match req.audience {
                Audience::Archive => {
                    for &(path, size, sha) in own {
                        let rel = ascii_path(&path[dir.len() + 1..]);
                        refs.push(FileRef {
                            path_in_package: format!("{}{rel}", meta::DATA_PREFIX),
                            size,
                            sha256: sha.to_string(),
                            mime: bare_type(path),
                            published: Some(path[dir.len() + 1..].to_string()),
                        });
                    }
                    let code = codes.get(&row.id).ok_or_else(|| format!("{}: no 档号", row.id))?;
                    let sip = meta::sip(&meta::SipInput {
                        row,
                        code,
                        site: req.site,
                        files: &refs,
                        build_date,
                        software_version: version,
                    })
                    .map_err(|e| format!("{}: {e}", row.id))?;
                    let folder = format!("sips/{}", sip.name);
                    for (k, f) in sip.files.iter().enumerate() {
                        items.push(Item {
                            path: format!("{folder}/{}", f.path),
                            size: f.bytes.len() as u64,
                            sha256: crate::source::hex(&Sha256::digest(&f.bytes)),
                            origin: Origin::Sip { doc: i, file: k },
                            unit: folder.clone(),
                        });
                    }
                    for (r, &(path, size, sha)) in refs.iter().zip(own) {
                        items.push(Item {
                            path: format!("{folder}/{}", r.path_in_package),
                            size,
                            sha256: sha.to_string(),
                            origin: Origin::Tree(path.to_string()),
                            unit: folder.clone(),
                        });
                    }
                    Ok((items, refs, folder, digest(row, own)))
                }
                Audience::Library => {
                    let folder = format!("records/{}", ascii_path(&row.id));
                    for (file, made) in
                        [("marc.xml", LibraryFile::Marc { doc: i }), ("oai_dc.xml", LibraryFile::OaiDc { doc: i })]
                    {
                        let mut item = library_item(tree, &[], req, format!("{folder}/{file}"), made)?;
                        item.unit = folder.clone();
                        items.push(item);
                    }
                    for &(path, size, sha) in own {
                        items.push(Item {
                            path: format!("{folder}/files/{}", ascii_path(&path[dir.len() + 1..])),
                            size,
                            sha256: sha.to_string(),
                            origin: Origin::Tree(path.to_string()),
                            unit: folder.clone(),
                        });
                    }
                    Ok((items, Vec::new(), folder, digest(row, own)))
                }
            }
        })
        .collect();
    let mut items = Vec::new();
    let mut doc_files = Vec::with_capacity(chosen.len());
    let mut pkg_folders = Vec::with_capacity(chosen.len());
    let mut digests = Vec::with_capacity(chosen.len());
    for p in planned {
        let (it, refs, folder, d) = p?;
        items.extend(it);
        doc_files.push(refs);
        pkg_folders.push(folder);
        digests.push(d);
    }

    // The catalogue of the transfer, and for libraries the collections.
    let catalogue = catalogue_csv(&rows, &codes, &pkg_folders, req.audience);
    items.push(made("catalogue.csv", catalogue));
    items.push(made("catalogue.xml", catalogue_xml(&rows, &codes, &pkg_folders, req, build_date)));
    if req.audience == Audience::Library {
        items.push(library_item(tree, &rows, req, "marc/collection.xml".to_string(), LibraryFile::Collection)?);
        let parts = rows.len().div_ceil(meta::oai::MAX_RECORDS);
        for part in 0..parts {
            let file = if parts == 1 {
                "oai/static-repository.xml".to_string()
            } else {
                format!("oai/static-repository-{}.xml", part + 1)
            };
            items.push(library_item(tree, &rows, req, file, LibraryFile::Oai { part })?);
        }
    }
    items.sort_by(|a, b| a.path.cmp(&b.path));
    for w in items.windows(2) {
        if w[0].path == w[1].path {
            return Err(format!("two files would be packaged as {}", w[0].path));
        }
    }
    Ok(Plan { docs: chosen, digests, name, items, doc_files, codes })
}

/// A made file of the payload.
fn made(path: &str, bytes: Vec<u8>) -> Item {
    Item {
        path: path.to_string(),
        size: bytes.len() as u64,
        sha256: crate::source::hex(&Sha256::digest(&bytes)),
        origin: Origin::Made(Arc::new(bytes)),
        unit: path.to_string(),
    }
}

/// The digest of a document's content in a transfer: its source's checksum, what its metadata
/// says of it (title, number, dates and validity), and every published file but the pages
/// (attachments, its Markdown text, data). Pages are left out on purpose: a change of the site's
/// design or footer rewrites every page, and would otherwise report every document as changed.
fn digest(row: &DocumentRow, files: &[(&str, u64, &str)]) -> String {
    let mut h = Sha256::new();
    let fields = [
        row.id.as_str(),
        row.sha256.as_str(),
        row.title.as_str(),
        row.doc_number.as_deref().unwrap_or(""),
        row.state.as_str(),
        &row.published.to_string(),
        &row.effective.map(|d| d.to_string()).unwrap_or_default(),
        &row.expires.map(|d| d.to_string()).unwrap_or_default(),
    ];
    for f in fields {
        h.update(f.as_bytes());
        h.update([0]);
    }
    // Earlier texts are in the package as pages alone: their sources' checksums stand for them.
    for v in &row.versions {
        h.update(v.date.to_string().as_bytes());
        h.update([0]);
        h.update(v.sha256.as_bytes());
        h.update([0]);
    }
    for (path, _, sha) in files.iter().filter(|(p, _, _)| !p.ends_with(".html")) {
        h.update(path.as_bytes());
        h.update([0]);
        h.update(sha.as_bytes());
        h.update([0]);
    }
    crate::source::hex(&h.finalize())
}

/// A CSV cell, written as the site's own CSV files write text: quoted when needed, and text a
/// spreadsheet would run as a formula defused.
fn cell(s: &str) -> String {
    crate::site::data::row::Cell::Text(s.to_string()).write()
}

/// The transfer's catalogue (移交目录) as CSV, one line per document, with a header.
fn catalogue_csv(
    rows: &[&DocumentRow],
    codes: &BTreeMap<String, ArchivalCode>,
    folders: &[String],
    audience: Audience,
) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let archive = audience == Audience::Archive;
    if archive {
        out.push_str("档号,保管期限,");
    }
    out.push_str("题名,文件编号,责任者,成文日期,发布日期,文种,密级,id,package_folder,url,sha256\r\n");
    for (row, folder) in rows.iter().zip(folders) {
        let mut cells: Vec<String> = Vec::new();
        if archive {
            let code = codes.get(&row.id);
            cells.push(code.map(|c| c.to_string()).unwrap_or_default());
            cells.push(code.map(|c| c.retention.zh().to_string()).unwrap_or_default());
        }
        cells.extend([
            row.title.clone(),
            row.doc_number.clone().unwrap_or_default(),
            row.issuers.join("；"),
            row.signed.map(|d| d.to_string()).unwrap_or_default(),
            row.published.to_string(),
            row.genre.clone().unwrap_or_default(),
            "公开".to_string(),
            row.id.clone(),
            folder.clone(),
            row.url.clone(),
            row.sha256.clone(),
        ]);
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The transfer's catalogue as XML: the same columns as the CSV, element per column.
fn catalogue_xml(
    rows: &[&DocumentRow],
    codes: &BTreeMap<String, ArchivalCode>,
    folders: &[String],
    req: &Request<'_>,
    build_date: Day,
) -> Vec<u8> {
    let mut x = meta::xml::Xml::new();
    x.open(
        "transfer",
        &[
            ("xmlns", "https://gongbao.invalid/ns/transfer-1"),
            ("for", req.audience.id()),
            ("source", req.site),
            ("as_of", &build_date.to_string()),
            ("count", &rows.len().to_string()),
        ],
    );
    for (row, folder) in rows.iter().zip(folders) {
        x.open("document", &[("id", &row.id)]);
        if let Some(c) = codes.get(&row.id) {
            x.leaf("档号", &[], &c.to_string());
            x.leaf("保管期限", &[], c.retention.zh());
        }
        x.leaf("题名", &[], &row.title);
        x.opt("文件编号", row.doc_number.as_deref());
        for issuer in &row.issuers {
            x.leaf("责任者", &[], issuer);
        }
        x.opt("成文日期", row.signed.map(|d| d.to_string()).as_deref());
        x.leaf("发布日期", &[], &row.published.to_string());
        x.opt("文种", row.genre.as_deref());
        x.leaf("密级", &[], "公开");
        x.leaf("package_folder", &[], folder);
        x.leaf("url", &[], &row.url);
        x.leaf("sha256", &[], &row.sha256);
        x.close();
    }
    x.close();
    x.finish().into_bytes()
}

/// One written package file.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    /// The zip's file name.
    pub(crate) file: String,
    /// Its size.
    pub(crate) bytes: u64,
    /// Its SHA-256.
    pub(crate) sha256: String,
}

/// Writes the planned transfer into `out_dir`: one bag zip, or several when `req.max_bytes`
/// splits it, each document whole in one of them. Each zip is written beside its final name and renamed into place only when every
/// file copied matched its checksum; on any failure nothing of this run is left behind.
pub(crate) fn write(tree: &Tree, plan: &Plan, req: &Request<'_>, out_dir: &Path) -> Result<Vec<Output>, String> {
    let payload: Vec<PayloadFile> =
        plan.items.iter().map(|i| PayloadFile { path: i.path.clone(), size: i.size }).collect();
    let by_path: BTreeMap<&str, &Item> = plan.items.iter().map(|i| (i.path.as_str(), i)).collect();
    let rows: Vec<&DocumentRow> = plan.docs.iter().map(|&i| &tree.documents.documents[i]).collect();
    // A document's files (its SIP, or its record folder) are never parted: an archive receives
    // each document whole in one bag, and a document larger than the limit in a bag of its own.
    let parts = match req.max_bytes {
        Some(limit) => bagit::split(payload, limit, |f| by_path[f.path.as_str()].unit.as_str()),
        None => vec![payload],
    };
    let total = parts.len();
    let info = BagInfo {
        source_organization: req.site.to_string(),
        contact_name: req.contact.0.to_string(),
        contact_email: req.contact.1.to_string(),
        external_identifier: plan.name.clone(),
        external_description: match req.audience {
            Audience::Archive => format!("{} 主动公开政府信息移交档案馆：{} 件文件", req.site, plan.docs.len()),
            Audience::Library => format!("{} 主动公开政府信息送交公共图书馆：{} 件文件", req.site, plan.docs.len()),
        },
        software_agent: format!("gongbao {}", env!("CARGO_PKG_VERSION")),
    };
    let mut done: Vec<(PathBuf, PathBuf, Output)> = Vec::new();
    // Partial files are removed if a signal stops the command.
    let mut scratch = Vec::new();
    let result = (|| {
        for (k, part) in parts.iter().enumerate() {
            let name = if total == 1 { plan.name.clone() } else { format!("{}-{}of{total}", plan.name, k + 1) };
            let file = format!("{name}.zip");
            let tmp = out_dir.join(format!(".{file}.part"));
            let final_path = out_dir.join(&file);
            scratch.push(crate::emit::interrupt::scratch(&tmp));
            let handle = std::fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
            // Put it on the list first, so that a failure below removes it.
            done.push((
                tmp.clone(),
                final_path.clone(),
                Output { file: file.clone(), bytes: 0, sha256: String::new() },
            ));
            let spec = BagSpec {
                name: &name,
                info: &info,
                epoch_seconds: req.epoch,
                group: (total > 1).then(|| Group { identifier: plan.name.clone(), index: k + 1, total }),
            };
            let mut current: Option<(usize, meta::Sip)> = None;
            let (handle, written) = bagit::write_bag(std::io::BufWriter::new(handle), &spec, part, |f| {
                let item = by_path[f.path.as_str()];
                let reader: Box<dyn Read> = match &item.origin {
                    Origin::Tree(path) => Box::new(tree.open_file(path)?),
                    Origin::Made(bytes) => Box::new(std::io::Cursor::new(Arc::clone(bytes).to_vec())),
                    Origin::Library(file) => Box::new(std::io::Cursor::new(
                        library_file(tree, &rows, req, *file).map_err(std::io::Error::other)?,
                    )),
                    Origin::Sip { doc, file } => {
                        if current.as_ref().is_none_or(|(d, _)| d != doc) {
                            let row = &tree.documents.documents[*doc];
                            let slot = plan.docs.binary_search(doc).map_err(|_| std::io::Error::other("unplanned"))?;
                            let sip = meta::sip(&meta::SipInput {
                                row,
                                code: &plan.codes[&row.id],
                                site: req.site,
                                files: &plan.doc_files[slot],
                                build_date: tree.documents.as_of,
                                software_version: env!("CARGO_PKG_VERSION"),
                            })
                            .map_err(std::io::Error::other)?;
                            current = Some((*doc, sip));
                        }
                        let bytes = current.as_ref().map(|(_, s)| s.files[*file].bytes.clone()).unwrap_or_default();
                        Box::new(std::io::Cursor::new(bytes))
                    }
                };
                Ok(reader)
            })
            .map_err(|e| format!("{file}: {e}"))?;
            let mut handle = handle.into_inner().map_err(|e| format!("{file}: {e}"))?;
            handle.flush().map_err(|e| format!("{file}: {e}"))?;
            handle.sync_all().map_err(|e| format!("{file}: {e}"))?;
            for (path, sum) in &written.sha256 {
                let item = by_path[path.as_str()];
                if crate::source::hex(sum) != item.sha256 {
                    return Err(format!(
                        "{path} changed while it was being packaged (it no longer matches the sealed manifest); build again and package again"
                    ));
                }
            }
            let (bytes, sha256) = hash_file(&tmp)?;
            keep_earlier(&final_path, &sha256)?;
            if let Some(last) = done.last_mut() {
                last.2.bytes = bytes;
                last.2.sha256 = sha256;
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _, _) in &done {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    let mut outputs = Vec::new();
    // The parts of a transfer are renamed in place together, not cut short by a signal.
    let _swap = crate::emit::interrupt::swapping();
    for (tmp, final_path, output) in done {
        std::fs::rename(&tmp, &final_path).map_err(|e| format!("{}: {e}", final_path.display()))?;
        outputs.push(output);
    }
    Ok(outputs)
}

/// Refuses to replace a package already in the output folder with different bytes: it may be
/// the copy of an earlier transfer that an archive has received, which the register names by its
/// checksum. The same bytes may be written again.
pub(crate) fn keep_earlier(path: &Path, sha256: &str) -> Result<(), String> {
    if !path.exists() {
        return Ok(());
    }
    let (_, earlier) = hash_file(path)?;
    if earlier == sha256 {
        return Ok(());
    }
    Err(format!(
        "{} already exists with other content (an earlier package of the same name); move it away, or give another --out",
        path.display()
    ))
}

/// Size and SHA-256 of a file.
pub(crate) fn hash_file(path: &Path) -> Result<(u64, String), String> {
    let mut f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| format!("{}: {e}", path.display()))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, crate::source::hex(&h.finalize())))
}

/// The ids of the documents of a plan, in order, with their digests.
pub(crate) fn contents(tree: &Tree, plan: &Plan) -> Vec<(String, String)> {
    plan.docs.iter().zip(&plan.digests).map(|(&i, d)| (tree.documents.documents[i].id.clone(), d.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_paths_keep_plain_names_and_never_merge_two() {
        assert_eq!(ascii_path("2024-01-01/index.html"), "2024-01-01/index.html");
        assert_eq!(ascii_path("附件.pdf"), "~E9~99~84~E4~BB~B6.pdf");
        assert_ne!(ascii_path("a~41"), ascii_path("aA"));
        assert_eq!(ascii_path("a b"), "a~20b");
    }

    #[test]
    fn long_names_are_shortened_below_the_file_system_s_limit_and_stay_apart() {
        let long = "青川市新市民购房补贴实施细则附件一补贴对象认定条件及补贴标准表";
        let a = format!("{long}.pdf");
        let b = format!("{long}（修订）.pdf");
        let (pa, pb) = (ascii_path(&format!("docs/{a}")), ascii_path(&format!("docs/{b}")));
        for p in [&pa, &pb] {
            let name = p.strip_prefix("docs/").unwrap();
            assert!(name.len() <= MAX_NAME && name.ends_with(".pdf") && name.contains("~~"), "{p}");
            assert!(name.is_ascii() && !name.contains('/'));
            // No `~XX` is cut: every `~` but the pair starts three bytes of escape.
            let before = &name[..name.find("~~").unwrap()];
            assert!(
                before.split('~').skip(1).all(|x| x.len() >= 2 && x[..2].chars().all(|c| c.is_ascii_hexdigit())),
                "{p}"
            );
        }
        assert_ne!(pa, pb);
        assert_eq!(pa, ascii_path(&format!("docs/{a}")), "the same name, the same path");
        // A name just within the limit stays whole; the folders above are shortened on their own.
        let fits = "附".repeat(MAX_NAME / 9);
        assert_eq!(ascii_path(&fits), ascii_name(&fits));
        let deep = ascii_path(&format!("{long}{long}/x.pdf"));
        assert!(deep.ends_with("/x.pdf") && deep.split('/').all(|n| n.len() <= MAX_NAME), "{deep}");
    }

    #[test]
    fn addresses_decode_to_tree_paths() {
        use crate::markdown::percent_decode;
        assert_eq!(percent_decode("docs/a%E9%99%84"), "docs/a\u{9644}");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%4"), "%4");
    }

    #[test]
    fn cells_that_would_run_as_formulas_are_defused() {
        assert_eq!(cell("=1+1"), "\"'=1+1\"");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("plain"), "plain");
    }
}
