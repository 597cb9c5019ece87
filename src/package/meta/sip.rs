//! One E-ARK SIP per document, after E-ARK CSIP 2.2 and SIP 2.2:
//!
//! ```text
//! <OBJID>/
//!   METS.xml                               root METS: CSIP profile, agents, dmdSec, amdSec,
//!                                          fileSec (the representation's METS), structMap CSIP
//!   metadata/descriptive/dc.xml            Dublin Core (oai_dc)
//!   metadata/descriptive/dat46.xml         DA/T 46-2009 elements with the 档号
//!   metadata/preservation/premis.xml       PREMIS 3: every file's fixity, the packaging event
//!   representations/rep1/METS.xml          the representation's METS: its data files
//!   representations/rep1/data/…            the files the caller copies in (FileRef)
//! ```
//!
//! This module makes the metadata files; the caller writes them and copies the data files.
//! Identifiers are derived from the document and its content, dates from the build date, so
//! one input always gives the same bytes.

use super::dat::{ArchivalCode, dat46};
use super::dc::oai_dc;
use super::premis::premis;
use super::xml::Xml;
use super::{Day, DocumentRow, FileRef, MetaError};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Where the representation's data files live in the SIP.
pub(crate) const DATA_PREFIX: &str = "representations/rep1/data/";
/// The SIP profile declared in the root METS.
pub(crate) const SIP_PROFILE: &str = "https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml";
/// The content information type declared (no CITS covers gazette records).
const CONTENT_INFORMATION_TYPE: &str = "gongbao gazette record";

const METS_NS: &str = "http://www.loc.gov/METS/";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const CSIP_NS: &str = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS";
const SIP_NS: &str = "https://DILCIS.eu/XML/METS/SIPExtensionMETS";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const METS_LOCATION: &str = "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd \
     http://www.w3.org/1999/xlink http://www.loc.gov/standards/mets/xlink.xsd";

/// What a SIP is made from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SipInput<'a> {
    /// The document's row of `documents.json`.
    pub(crate) row: &'a DocumentRow,
    /// Its 档号.
    pub(crate) code: &'a ArchivalCode,
    /// The publishing government: the submitting organisation (立档单位).
    pub(crate) site: &'a str,
    /// The representation's files, each under [`DATA_PREFIX`].
    pub(crate) files: &'a [FileRef],
    /// The build date: every date in the package.
    pub(crate) build_date: Day,
    /// The version of gongbao written as the creating software.
    pub(crate) software_version: &'a str,
}

/// One metadata file of a SIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SipFile {
    /// Path relative to the SIP's root folder.
    pub(crate) path: String,
    /// Its bytes.
    pub(crate) bytes: Vec<u8>,
}

/// A SIP's metadata, ready to be written beside the data files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sip {
    /// The package identifier (METS `OBJID`), also the name of its root folder.
    pub(crate) name: String,
    /// The metadata files, in the order they were made (each one's checksum is in the next).
    pub(crate) files: Vec<SipFile>,
}

/// Makes the metadata of one document's SIP.
///
/// Fails when the file list is empty, has a path outside [`DATA_PREFIX`] or with characters
/// other than ASCII letters, digits and `._-~/`, a duplicate, or a malformed checksum: such a
/// package could not be referred to from METS without guessing.
pub(crate) fn sip(input: &SipInput<'_>) -> Result<Sip, MetaError> {
    let mut data: Vec<FileRef> = input.files.to_vec();
    data.sort_by(|a, b| a.path_in_package.cmp(&b.path_in_package));
    check_files(&input.row.id, &data)?;
    let name = package_id(input.row, &data);
    let created = input.build_date.midnight_utc();

    let dc = Made::new("metadata/descriptive/dc.xml", oai_dc(input.row, input.site));
    let dat = Made::new("metadata/descriptive/dat46.xml", dat46(input.row, input.code, input.site, &data));
    let mut described: Vec<FileRef> = vec![dc.file_ref(), dat.file_ref()];
    described.extend(data.iter().cloned());
    let event = format!("{name}-creation");
    let premis = Made::new(
        "metadata/preservation/premis.xml",
        premis(&described, &event, input.build_date, input.software_version),
    );
    let rep = Made::new("representations/rep1/METS.xml", representation_mets(input, &data, &created));
    let root = Made::new("METS.xml", root_mets(input, &name, &dc, &dat, &premis, &rep, &created));
    let files = [dc, dat, premis, rep, root].into_iter().map(|m| SipFile { path: m.path, bytes: m.bytes }).collect();
    Ok(Sip { name, files })
}

/// A metadata file just made, with what METS says of it.
struct Made {
    path: String,
    bytes: Vec<u8>,
    sha256: String,
}

impl Made {
    fn new(path: &str, text: String) -> Made {
        let bytes = text.into_bytes();
        Made { path: path.to_owned(), sha256: crate::source::hex(&Sha256::digest(&bytes)), bytes }
    }

    fn file_ref(&self) -> FileRef {
        FileRef {
            path_in_package: self.path.clone(),
            size: self.bytes.len() as u64,
            sha256: self.sha256.clone(),
            mime: "text/xml".to_owned(),
            published: None,
        }
    }
}

fn check_files(id: &str, files: &[FileRef]) -> Result<(), MetaError> {
    let bad = |what: String| Err(MetaError::Input(format!("{id}: {what}")));
    if files.is_empty() {
        return bad("a SIP needs at least one data file".into());
    }
    let mut seen = BTreeSet::new();
    for f in files {
        let p = &f.path_in_package;
        let Some(rest) = p.strip_prefix(DATA_PREFIX) else {
            return bad(format!("file {p:?} is not under {DATA_PREFIX}"));
        };
        let safe = p.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-~/".contains(&b));
        if !safe || rest.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
            return bad(format!("file path {p:?} must be ASCII letters, digits and ._-~ in non-empty segments"));
        }
        if f.sha256.len() != 64 || !f.sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return bad(format!("file {p:?} has no lower-case hex SHA-256"));
        }
        if f.mime.is_empty() || !f.mime.contains('/') {
            return bad(format!("file {p:?} has no media type"));
        }
        if !seen.insert(p) {
            return bad(format!("file {p:?} is listed twice"));
        }
    }
    Ok(())
}

/// `uuid-…`: a UUID (version 8, RFC 9562) from the SHA-256 of the document id, its source hash
/// and every data file, so the same content always gets the same package id and changed
/// content a new one.
fn package_id(row: &DocumentRow, data: &[FileRef]) -> String {
    let mut h = Sha256::new();
    for part in [b"gongbao-sip-v1".as_slice(), row.id.as_bytes(), row.sha256.as_bytes()] {
        h.update(part);
        h.update([0]);
    }
    for f in data {
        h.update(f.path_in_package.as_bytes());
        h.update([0]);
        h.update(f.sha256.as_bytes());
        h.update([0]);
    }
    let mut b: [u8; 16] = h.finalize()[..16].try_into().expect("16 of 32 bytes");
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = crate::source::hex(&b);
    format!("uuid-{}-{}-{}-{}-{}", &x[0..8], &x[8..12], &x[12..16], &x[16..20], &x[20..32])
}

fn open_mets(x: &mut Xml, objid: &str, label: &str) {
    let attrs = [
        ("xmlns:mets", METS_NS),
        ("xmlns:xlink", XLINK_NS),
        ("xmlns:csip", CSIP_NS),
        ("xmlns:sip", SIP_NS),
        ("xmlns:xsi", XSI_NS),
        ("xsi:schemaLocation", METS_LOCATION),
        ("OBJID", objid),
        ("LABEL", label),
        ("TYPE", "Text"),
        ("csip:CONTENTINFORMATIONTYPE", "OTHER"),
        ("csip:OTHERCONTENTINFORMATIONTYPE", CONTENT_INFORMATION_TYPE),
        ("PROFILE", SIP_PROFILE),
    ];
    x.open("mets:mets", &attrs);
}

fn mets_header(x: &mut Xml, input: &SipInput<'_>, created: &str, organisations: bool) {
    x.open("mets:metsHdr", &[("CREATEDATE", created), ("RECORDSTATUS", "NEW"), ("csip:OAISPACKAGETYPE", "SIP")]);
    x.open("mets:agent", &[("ROLE", "CREATOR"), ("TYPE", "OTHER"), ("OTHERTYPE", "SOFTWARE")]);
    x.leaf("mets:name", &[], "gongbao");
    x.leaf("mets:note", &[("csip:NOTETYPE", "SOFTWARE VERSION")], input.software_version);
    x.close();
    if organisations {
        // The submitting organisation, and the archival creator with its fonds code.
        x.open("mets:agent", &[("ROLE", "CREATOR"), ("TYPE", "ORGANIZATION")]);
        x.leaf("mets:name", &[], input.site);
        x.close();
        x.open("mets:agent", &[("ROLE", "ARCHIVIST"), ("TYPE", "ORGANIZATION")]);
        x.leaf("mets:name", &[], input.site);
        x.leaf("mets:note", &[("csip:NOTETYPE", "IDENTIFICATIONCODE")], &input.code.fonds);
        x.close();
    }
    x.close();
}

/// `<mets:file>` with its checksum and location.
fn mets_file(x: &mut Xml, id: &str, mime: &str, size: u64, sha256: &str, created: &str, href: &str) {
    let size = size.to_string();
    x.open(
        "mets:file",
        &[
            ("ID", id),
            ("MIMETYPE", mime),
            ("SIZE", &size),
            ("CREATED", created),
            ("CHECKSUM", sha256),
            ("CHECKSUMTYPE", "SHA-256"),
        ],
    );
    x.empty("mets:FLocat", &[("LOCTYPE", "URL"), ("xlink:type", "simple"), ("xlink:href", href)]);
    x.close();
}

/// `<mets:mdRef>` to a metadata file made here.
fn md_ref(x: &mut Xml, made: &Made, mdtype: &str, other: Option<&str>, created: &str) {
    let size = made.bytes.len().to_string();
    let mut attrs =
        vec![("LOCTYPE", "URL"), ("xlink:type", "simple"), ("xlink:href", made.path.as_str()), ("MDTYPE", mdtype)];
    if let Some(other) = other {
        attrs.push(("OTHERMDTYPE", other));
    }
    attrs.extend([
        ("MIMETYPE", "text/xml"),
        ("SIZE", size.as_str()),
        ("CREATED", created),
        ("CHECKSUM", made.sha256.as_str()),
        ("CHECKSUMTYPE", "SHA-256"),
    ]);
    x.empty("mets:mdRef", &attrs);
}

fn root_mets(
    input: &SipInput<'_>,
    name: &str,
    dc: &Made,
    dat: &Made,
    premis: &Made,
    rep: &Made,
    created: &str,
) -> String {
    let mut x = Xml::new();
    open_mets(&mut x, name, &input.row.title);
    mets_header(&mut x, input, created, true);

    for (id, made, mdtype, other) in [("dmd-dc", dc, "DC", None), ("dmd-dat46", dat, "OTHER", Some("DA/T 46-2009"))] {
        x.open("mets:dmdSec", &[("ID", id), ("CREATED", created), ("STATUS", "CURRENT")]);
        md_ref(&mut x, made, mdtype, other, created);
        x.close();
    }
    x.open("mets:amdSec", &[("ID", "amd")]);
    x.open("mets:digiprovMD", &[("ID", "digiprov-premis"), ("CREATED", created), ("STATUS", "CURRENT")]);
    md_ref(&mut x, premis, "PREMIS", None, created);
    x.close();
    x.close();

    x.open("mets:fileSec", &[("ID", "filesec")]);
    x.open(
        "mets:fileGrp",
        &[
            ("ID", "grp-rep1"),
            ("USE", "Representations/rep1"),
            ("csip:CONTENTINFORMATIONTYPE", "OTHER"),
            ("csip:OTHERCONTENTINFORMATIONTYPE", CONTENT_INFORMATION_TYPE),
        ],
    );
    mets_file(&mut x, "file-rep1-mets", "text/xml", rep.bytes.len() as u64, &rep.sha256, created, &rep.path);
    x.close();
    x.close();

    x.open("mets:structMap", &[("ID", "structmap-csip"), ("TYPE", "PHYSICAL"), ("LABEL", "CSIP")]);
    x.open("mets:div", &[("ID", "div-root"), ("LABEL", name)]);
    x.empty(
        "mets:div",
        &[("ID", "div-metadata"), ("LABEL", "Metadata"), ("DMDID", "dmd-dc dmd-dat46"), ("ADMID", "digiprov-premis")],
    );
    x.open("mets:div", &[("ID", "div-rep1"), ("LABEL", "Representations/rep1")]);
    x.empty(
        "mets:mptr",
        &[("LOCTYPE", "URL"), ("xlink:type", "simple"), ("xlink:href", &rep.path), ("xlink:title", "grp-rep1")],
    );
    x.close();
    x.close();
    x.close();
    x.close();
    x.finish()
}

fn representation_mets(input: &SipInput<'_>, data: &[FileRef], created: &str) -> String {
    let mut x = Xml::new();
    // CSIP1: a METS file's OBJID is the name of its folder.
    let objid = "rep1";
    open_mets(&mut x, objid, &input.row.title);
    mets_header(&mut x, input, created, false);
    x.open("mets:fileSec", &[("ID", "filesec-rep1")]);
    x.open("mets:fileGrp", &[("ID", "grp-data"), ("USE", "Data")]);
    for (n, f) in data.iter().enumerate() {
        let href = &f.path_in_package["representations/rep1/".len()..];
        mets_file(&mut x, &format!("file-{:04}", n + 1), &f.mime, f.size, &f.sha256, created, href);
    }
    x.close();
    x.close();
    x.open("mets:structMap", &[("ID", "structmap-rep1"), ("TYPE", "PHYSICAL"), ("LABEL", "CSIP")]);
    x.open("mets:div", &[("ID", "div-rep1-root"), ("LABEL", objid)]);
    x.open("mets:div", &[("ID", "div-rep1-data"), ("LABEL", "Data")]);
    x.empty("mets:fptr", &[("FILEID", "grp-data")]);
    x.close();
    x.close();
    x.close();
    x.close();
    x.finish()
}
