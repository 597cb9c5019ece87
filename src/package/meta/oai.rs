//! An OAI-PMH Static Repository (`http://www.openarchives.org/OAI/2.0/static-repository`): one
//! XML file a Static Repository Gateway serves as an OAI-PMH endpoint, so a library harvests
//! the site without gongbao running a server. It answers Identify, ListMetadataFormats and
//! ListRecords in `oai_dc` and `marc21`.

use super::dc::{OAI_DC_NS, OAI_DC_XSD, write_oai_dc};
use super::marc::{MARC_NS, write_record};
use super::xml::Xml;
use super::{Day, DocumentRow, MetaError, host_of};
pub(crate) use crate::config::package::OaiSettings;

const SR_NS: &str = "http://www.openarchives.org/OAI/2.0/static-repository";
const OAI_NS: &str = "http://www.openarchives.org/OAI/2.0/";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The guidelines limit a static repository to this many records.
pub(crate) const MAX_RECORDS: usize = 5000;

/// The static repository for `rows`, records sorted by id. `site` names the repository.
pub(crate) fn static_repository(
    rows: &[&DocumentRow],
    site: &str,
    settings: &OaiSettings,
    build_date: Day,
) -> Result<String, MetaError> {
    if rows.len() > MAX_RECORDS {
        return Err(MetaError::Input(format!(
            "{} documents: an OAI-PMH static repository holds at most {MAX_RECORDS}",
            rows.len()
        )));
    }
    let Some(host) = host_of(&settings.repository_url) else {
        return Err(MetaError::Settings(format!(
            "repository_url {:?} is not an http(s) address",
            settings.repository_url
        )));
    };
    if settings.admin_emails.iter().all(|e| !e.contains('@')) {
        return Err(MetaError::Settings("admin_emails needs at least one e-mail address".into()));
    }
    let base_url = match &settings.gateway_url {
        Some(gateway) => {
            let bare = settings.repository_url.split_once("://").map_or(settings.repository_url.as_str(), |(_, r)| r);
            format!("{}/{bare}", gateway.trim_end_matches('/'))
        }
        None => settings.repository_url.clone(),
    };
    let mut rows: Vec<&DocumentRow> = rows.to_vec();
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    let earliest = rows.iter().map(|r| r.last_changed()).min().unwrap_or(build_date);

    let mut x = Xml::new();
    let location = format!("{SR_NS} http://www.openarchives.org/OAI/2.0/static-repository.xsd");
    x.open(
        "Repository",
        &[("xmlns", SR_NS), ("xmlns:oai", OAI_NS), ("xmlns:xsi", XSI_NS), ("xsi:schemaLocation", &location)],
    );
    x.open("Identify", &[]);
    x.leaf("oai:repositoryName", &[], site);
    x.leaf("oai:baseURL", &[], &base_url);
    x.leaf("oai:protocolVersion", &[], "2.0");
    for email in &settings.admin_emails {
        x.leaf("oai:adminEmail", &[], email);
    }
    x.leaf("oai:earliestDatestamp", &[], &earliest.to_string());
    x.leaf("oai:deletedRecord", &[], "no");
    x.leaf("oai:granularity", &[], "YYYY-MM-DD");
    x.close();

    x.open("ListMetadataFormats", &[]);
    let formats = [
        ("oai_dc", OAI_DC_XSD, OAI_DC_NS),
        ("marc21", "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", MARC_NS),
    ];
    for (prefix, schema, namespace) in formats {
        x.open("oai:metadataFormat", &[]);
        x.leaf("oai:metadataPrefix", &[], prefix);
        x.leaf("oai:schema", &[], schema);
        x.leaf("oai:metadataNamespace", &[], namespace);
        x.close();
    }
    x.close();

    for (prefix, _, _) in formats {
        x.open("ListRecords", &[("metadataPrefix", prefix)]);
        for row in &rows {
            x.open("oai:record", &[]);
            x.open("oai:header", &[]);
            x.leaf("oai:identifier", &[], &format!("oai:{host}:{}", row.id));
            x.leaf("oai:datestamp", &[], &row.last_changed().to_string());
            x.close();
            x.open("oai:metadata", &[]);
            match prefix {
                "oai_dc" => write_oai_dc(&mut x, row, site),
                _ => write_record(&mut x, row, site, build_date, true),
            }
            x.close();
            x.close();
        }
        x.close();
    }
    x.close();
    Ok(x.finish())
}
