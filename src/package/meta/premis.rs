//! PREMIS 3 preservation metadata of a SIP: one object entity per file (fixity, size, format),
//! the event that made the package, and gongbao as the agent that ran it.

use super::xml::Xml;
use super::{Day, FileRef};

/// The PREMIS 3 namespace.
pub(crate) const PREMIS_NS: &str = "http://www.loc.gov/premis/v3";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The identifier of gongbao as an agent.
fn agent_id(version: &str) -> String {
    format!("gongbao-{version}")
}

/// The `premis.xml` of a package describing `files`, made by `event_id` on `date`.
pub(crate) fn premis(files: &[FileRef], event_id: &str, date: Day, version: &str) -> String {
    let mut x = Xml::new();
    let location = format!("{PREMIS_NS} http://www.loc.gov/standards/premis/v3/premis.xsd");
    x.open(
        "premis:premis",
        &[("xmlns:premis", PREMIS_NS), ("xmlns:xsi", XSI_NS), ("xsi:schemaLocation", &location), ("version", "3.0")],
    );
    for f in files {
        x.open("premis:object", &[("xsi:type", "premis:file")]);
        identifier(&mut x, "premis:objectIdentifier", "premis:objectIdentifier", "filepath", &f.path_in_package);
        x.open("premis:objectCharacteristics", &[]);
        x.leaf("premis:compositionLevel", &[], "0");
        x.open("premis:fixity", &[]);
        x.leaf("premis:messageDigestAlgorithm", &[], "SHA-256");
        x.leaf("premis:messageDigest", &[], &f.sha256);
        x.leaf("premis:messageDigestOriginator", &[], "gongbao");
        x.close();
        x.leaf("premis:size", &[], &f.size.to_string());
        x.open("premis:format", &[]);
        x.open("premis:formatDesignation", &[]);
        x.leaf("premis:formatName", &[], &f.mime);
        x.close();
        x.close();
        x.close();
        if let Some(name) = &f.published {
            x.leaf("premis:originalName", &[], name);
        }
        x.open("premis:linkingEventIdentifier", &[]);
        x.leaf("premis:linkingEventIdentifierType", &[], "local");
        x.leaf("premis:linkingEventIdentifierValue", &[], event_id);
        x.close();
        x.close();
    }

    x.open("premis:event", &[]);
    identifier(&mut x, "premis:eventIdentifier", "premis:eventIdentifier", "local", event_id);
    x.leaf("premis:eventType", &[], "information package creation");
    x.leaf("premis:eventDateTime", &[], &date.midnight_utc());
    x.open("premis:eventDetailInformation", &[]);
    x.leaf("premis:eventDetail", &[], "E-ARK SIP made from the sealed site by gongbao package --for archive");
    x.close();
    x.open("premis:eventOutcomeInformation", &[]);
    x.leaf("premis:eventOutcome", &[], "success");
    x.close();
    x.open("premis:linkingAgentIdentifier", &[]);
    x.leaf("premis:linkingAgentIdentifierType", &[], "local");
    x.leaf("premis:linkingAgentIdentifierValue", &[], &agent_id(version));
    x.leaf("premis:linkingAgentRole", &[], "executing program");
    x.close();
    for f in files {
        x.open("premis:linkingObjectIdentifier", &[]);
        x.leaf("premis:linkingObjectIdentifierType", &[], "filepath");
        x.leaf("premis:linkingObjectIdentifierValue", &[], &f.path_in_package);
        x.close();
    }
    x.close();

    x.open("premis:agent", &[]);
    identifier(&mut x, "premis:agentIdentifier", "premis:agentIdentifier", "local", &agent_id(version));
    x.leaf("premis:agentName", &[], "gongbao");
    x.leaf("premis:agentType", &[], "software");
    x.leaf("premis:agentVersion", &[], version);
    x.close();
    x.close();
    x.finish()
}

/// `<premis:xIdentifier>` with its `…Type` and `…Value` children.
fn identifier(x: &mut Xml, element: &'static str, prefix: &str, kind: &str, value: &str) {
    x.open(element, &[]);
    x.leaf(&format!("{prefix}Type"), &[], kind);
    x.leaf(&format!("{prefix}Value"), &[], value);
    x.close();
}
