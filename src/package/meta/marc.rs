//! MARC 21 bibliographic records in MARCXML for library catalogues: one record per document,
//! the government as corporate author, the title, publication, notes for the numbers a
//! government document is cited by, subjects and the address of the page.

use super::xml::Xml;
use super::{Day, DocumentRow, iso639_2, kind_zh, state_zh};

/// The MARCXML namespace.
pub(crate) const MARC_NS: &str = "http://www.loc.gov/MARC21/slim";
const MARC_LOCATION: &str = "http://www.loc.gov/MARC21/slim http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Leader of a language-material monograph, Unicode, ISBD punctuation omitted (`i`: RDA);
/// the record length and base address are left zero, as MARCXML needs neither.
const LEADER: &str = "00000nam a2200000 i 4500";

/// One `<record>` document (with the XML declaration).
pub(crate) fn marcxml_record(row: &DocumentRow, site: &str, build_date: Day) -> String {
    let mut x = Xml::new();
    write_record(&mut x, row, site, build_date, true);
    x.finish()
}

/// A `<collection>` of records, in the order given.
pub(crate) fn marcxml_collection(rows: &[&DocumentRow], site: &str, build_date: Day) -> String {
    let mut x = Xml::new();
    x.open("marc:collection", &[("xmlns:marc", MARC_NS), ("xmlns:xsi", XSI_NS), ("xsi:schemaLocation", MARC_LOCATION)]);
    for row in rows {
        write_record(&mut x, row, site, build_date, false);
    }
    x.close();
    x.finish()
}

/// The 40 characters of field 008 for a book-format online resource.
fn field_008(row: &DocumentRow, build_date: Day) -> String {
    let entered = &build_date.compact()[2..];
    let lang = iso639_2(&row.lang);
    // 00-05 entered, 06 single date, 07-10 year, 11-14 blank, 15-17 place (China), 18-22
    // blank, 23 online, 24-27 blank, 28 government publication (level unknown), 29-31 not a
    // conference, festschrift or index, 32 undefined, 33 non-fiction, 34 no biography, 35-37
    // language, 38 not modified, 39 cataloguing source other.
    let out = format!("{entered}s{:04}    cc      o    o000 0 {lang} d", row.published.year());
    debug_assert_eq!(out.chars().count(), 40, "{out:?}");
    out
}

fn control(x: &mut Xml, tag: &str, value: &str) {
    x.leaf("marc:controlfield", &[("tag", tag)], value);
}

fn data(x: &mut Xml, tag: &str, ind: [char; 2], subfields: &[(&str, &str)]) {
    let (i1, i2) = (ind[0].to_string(), ind[1].to_string());
    x.open("marc:datafield", &[("tag", tag), ("ind1", &i1), ("ind2", &i2)]);
    for (code, value) in subfields {
        x.leaf("marc:subfield", &[("code", code)], value);
    }
    x.close();
}

pub(crate) fn write_record(x: &mut Xml, row: &DocumentRow, site: &str, build_date: Day, root: bool) {
    if root {
        x.open("marc:record", &[("xmlns:marc", MARC_NS), ("xmlns:xsi", XSI_NS), ("xsi:schemaLocation", MARC_LOCATION)]);
    } else {
        x.open("marc:record", &[]);
    }
    x.leaf("marc:leader", &[], LEADER);
    control(x, "001", &row.id);
    control(x, "005", &format!("{}000000.0", build_date.compact()));
    control(x, "008", &field_008(row, build_date));
    if let Some(index_no) = &row.index_no {
        data(x, "024", ['8', ' '], &[("a", index_no)]);
    }
    data(x, "040", [' ', ' '], &[("a", site), ("b", iso639_2(&row.lang)), ("e", "rda"), ("c", site)]);
    data(x, "041", ['0', ' '], &[("a", iso639_2(&row.lang))]);
    let (lead, others) = match row.issuers.split_first() {
        Some((lead, others)) => (Some(lead), others),
        None => (None, &[][..]),
    };
    if let Some(lead) = lead {
        data(x, "110", ['2', ' '], &[("a", lead)]);
    }
    let mut title = vec![("a", row.title.as_str())];
    let responsibility = row.issuers.join("，");
    if !responsibility.is_empty() {
        title.push(("c", &responsibility));
    }
    data(x, "245", [if lead.is_some() { '1' } else { '0' }, '0'], &title);
    let published = row.published.to_string();
    let publisher = lead.map_or(site, String::as_str);
    data(x, "264", [' ', '1'], &[("b", publisher), ("c", &published)]);
    data(x, "336", [' ', ' '], &[("a", "text"), ("b", "txt"), ("2", "rdacontent")]);
    data(x, "337", [' ', ' '], &[("a", "computer"), ("b", "c"), ("2", "rdamedia")]);
    data(x, "338", [' ', ' '], &[("a", "online resource"), ("b", "cr"), ("2", "rdacarrier")]);
    if let Some(number) = &row.doc_number {
        data(x, "500", [' ', ' '], &[("a", &format!("发文字号：{number}"))]);
    }
    if let Some(index_no) = &row.index_no {
        data(x, "500", [' ', ' '], &[("a", &format!("索引号：{index_no}"))]);
    }
    if let Some(reg) = &row.registration_no {
        data(x, "500", [' ', ' '], &[("a", &format!("统一编号：{reg}"))]);
    }
    let kind =
        format!("{}{}", kind_zh(&row.kind), row.genre.as_deref().map(|g| format!("（{g}）")).unwrap_or_default());
    data(x, "500", [' ', ' '], &[("a", &format!("文件类型：{kind}"))]);
    let state = format!("有效性：{}（截至{build_date}）", state_zh(&row.state));
    data(x, "500", [' ', ' '], &[("a", &state)]);
    for topic in &row.topics {
        let mut levels = topic.split('\\');
        let mut subfields = vec![("a", levels.next().unwrap_or(topic))];
        subfields.extend(levels.map(|l| ("x", l)));
        data(x, "650", [' ', '4'], &subfields);
    }
    for keyword in &row.keywords {
        data(x, "653", [' ', ' '], &[("a", keyword)]);
    }
    for other in others {
        data(x, "710", ['2', ' '], &[("a", other)]);
    }
    data(x, "856", ['4', '0'], &[("u", &row.url), ("q", "text/html")]);
    for attachment in &row.attachments {
        data(x, "856", ['4', '2'], &[("u", &attachment.url), ("y", &attachment.title)]);
    }
    x.close();
}
