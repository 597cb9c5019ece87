//! Simple Dublin Core (the fifteen DC 1.1 elements) in the `oai_dc` wrapper: the one
//! description every archive and library system reads. Written once, used as the SIP's
//! `dc.xml` and inside the OAI-PMH static repository.

use super::xml::Xml;
use super::{DocumentRow, kind_zh};

/// The `oai_dc` namespace.
pub(crate) const OAI_DC_NS: &str = "http://www.openarchives.org/OAI/2.0/oai_dc/";
/// Its schema.
pub(crate) const OAI_DC_XSD: &str = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd";
/// The DC 1.1 element namespace.
pub(crate) const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The `oai_dc:dc` document of one row; `site` is the publisher.
pub(crate) fn oai_dc(row: &DocumentRow, site: &str) -> String {
    let mut x = Xml::new();
    write_oai_dc(&mut x, row, site);
    x.finish()
}

/// Writes the `oai_dc:dc` element of one row into `x`.
pub(crate) fn write_oai_dc(x: &mut Xml, row: &DocumentRow, site: &str) {
    let location = format!("{OAI_DC_NS} {OAI_DC_XSD}");
    x.open(
        "oai_dc:dc",
        &[("xmlns:oai_dc", OAI_DC_NS), ("xmlns:dc", DC_NS), ("xmlns:xsi", XSI_NS), ("xsi:schemaLocation", &location)],
    );
    x.leaf("dc:title", &[], &row.title);
    for issuer in &row.issuers {
        x.leaf("dc:creator", &[], issuer);
    }
    for topic in &row.topics {
        x.leaf("dc:subject", &[], topic);
    }
    for keyword in &row.keywords {
        x.leaf("dc:subject", &[], keyword);
    }
    if let Some(number) = &row.doc_number {
        x.leaf("dc:description", &[], &format!("发文字号：{number}"));
    }
    x.leaf("dc:publisher", &[], site);
    x.leaf("dc:date", &[], &row.published.to_string());
    x.leaf("dc:type", &[], "Text");
    x.leaf("dc:type", &[], kind_zh(&row.kind));
    x.opt("dc:type", row.genre.as_deref());
    x.leaf("dc:format", &[], "text/html");
    x.leaf("dc:identifier", &[], &row.url);
    x.opt("dc:identifier", row.doc_number.as_deref());
    x.opt("dc:identifier", row.index_no.as_deref());
    x.opt("dc:identifier", row.registration_no.as_deref());
    x.leaf("dc:language", &[], &row.lang);
    for attachment in &row.attachments {
        x.leaf("dc:relation", &[], &attachment.url);
    }
    for version in row.versions.iter().filter(|v| !v.current) {
        x.leaf("dc:relation", &[], &version.url);
    }
    x.leaf("dc:rights", &[], "主动公开");
    x.close();
}
