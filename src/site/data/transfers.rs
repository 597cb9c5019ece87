//! The archive transfer catalogue (移交档案馆目录): the transfer register (`transfers.jsonl`,
//! appended to by `gongbao package`) as the public sees it. [`item`] is the one projection of a
//! register entry; the page (`transfers.html`) and `data/transfers.csv` are both made from it.
//!
//! The register names every document a package held, by id, because `package` compares a new
//! package with the old ones. The projection keeps only the count: a document may have been
//! withheld since it was handed over, and its id must not reappear on the site.

use super::row::Cell;
use crate::model::transfer::Transfer;
use crate::site::Renderer;
use crate::site::views::TransferItem;

/// A register entry as published.
pub(crate) fn item(t: &Transfer) -> TransferItem<'_> {
    TransferItem {
        audience: &t.audience,
        bytes: t.bytes,
        date: &t.date,
        // A web archive holds the site's files, which the register does not count.
        files: (t.audience != "warc").then_some(t.documents.len()),
        from: &t.from,
        number: t.number,
        package: &t.package,
        sha256: &t.sha256,
        size: human_size(t.bytes),
        to: &t.to,
    }
}

/// A size for people: bytes below 1000, else one decimal in the largest power of 1000 that
/// keeps the number below 1000 after rounding (`999 B`, `1.0 kB`, `1.2 MB`).
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut unit: u128 = 1;
    let mut shown = (u128::from(bytes), UNITS[0]);
    for name in UNITS {
        unit *= 1000;
        let tenths = (u128::from(bytes) * 10 + unit / 2) / unit;
        shown = (tenths, name);
        if tenths < 10_000 {
            break;
        }
    }
    format!("{}.{} {}", shown.0 / 10, shown.0 % 10, shown.1)
}

/// A column of `data/transfers.csv`: its name, its Frictionless type and description (for
/// `datapackage.json`), and how its cell is read from an entry.
pub(crate) struct TransferField {
    /// Header.
    pub name: &'static str,
    /// Frictionless field type.
    pub kind: &'static str,
    /// What the column holds.
    pub description: &'static str,
    /// The cell of one entry.
    pub cell: fn(&TransferItem<'_>) -> Cell,
}

/// Columns of `data/transfers.csv`, in order: the page's columns, with the period as two dates
/// and the size in bytes.
pub(crate) const TRANSFER_FIELDS: &[TransferField] = &[
    TransferField {
        name: "number",
        kind: "integer",
        description: "sequence number in the transfer register, from 1",
        cell: |t| Cell::Number(i64::from(t.number)),
    },
    TransferField {
        name: "date",
        kind: "date",
        description: "day the package was made for transfer",
        cell: |t| Cell::Text(t.date.into()),
    },
    TransferField {
        name: "for",
        kind: "string",
        description: "who received it: archive (档案馆), library (图书馆) or warc (网页归档, web archive)",
        cell: |t| Cell::Text(t.audience.into()),
    },
    TransferField {
        name: "from",
        kind: "date",
        description: "first publication day covered (for warc, the build date of the archived site)",
        cell: |t| Cell::Text(t.from.into()),
    },
    TransferField {
        name: "to",
        kind: "date",
        description: "last publication day covered",
        cell: |t| Cell::Text(t.to.into()),
    },
    TransferField {
        name: "package",
        kind: "string",
        description: "file name of the package (zip or WARC)",
        cell: |t| Cell::Text(t.package.into()),
    },
    TransferField {
        name: "files",
        kind: "integer",
        description: "number of documents in the package; empty for warc, whose count of site files is not recorded",
        cell: |t| t.files.map_or(Cell::Empty, |n| Cell::Number(i64::try_from(n).unwrap_or(i64::MAX))),
    },
    TransferField {
        name: "bytes",
        kind: "integer",
        description: "size of the package in bytes",
        cell: |t| Cell::Number(i64::try_from(t.bytes).unwrap_or(i64::MAX)),
    },
    TransferField {
        name: "sha256",
        kind: "string",
        description: "SHA-256 of the package",
        cell: |t| Cell::Text(t.sha256.into()),
    },
];

impl Renderer<'_> {
    /// The register's entries as published, in its order.
    pub(crate) fn transfer_items(&self) -> Vec<TransferItem<'_>> {
        self.registers.transfers.iter().map(item).collect()
    }

    /// `data/transfers.csv`: UTF-8 with a BOM, as the site's other tables.
    pub(crate) fn transfers_csv(&self) -> Vec<u8> {
        let mut out = String::from("\u{FEFF}");
        out.push_str(&TRANSFER_FIELDS.iter().map(|f| f.name).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
        for t in self.transfer_items() {
            out.push_str(&TRANSFER_FIELDS.iter().map(|f| (f.cell)(&t).write()).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::transfer::TransferDoc;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1000), "1.0 kB");
        assert_eq!(human_size(1_234_567), "1.2 MB");
        // Rounding that would show 1000.0 kB moves to the next unit.
        assert_eq!(human_size(999_950), "1.0 MB");
        assert_eq!(human_size(999_949), "999.9 kB");
        assert_eq!(human_size(u64::MAX), "18.4 EB");
    }

    #[test]
    fn an_entry_is_published_with_counts_and_no_ids() {
        let doc = |id: &str| TransferDoc { digest: "d".into(), id: id.into() };
        let mut t = Transfer {
            as_of: "2025-01-01".into(),
            bytes: 2048,
            date: "2025-01-02".into(),
            documents: vec![doc("secret-id"), doc("other")],
            audience: "archive".into(),
            from: "2024-01-01".into(),
            number: 3,
            package: "=x.zip".into(),
            sha256: "ab".into(),
            to: "2024-12-31".into(),
        };
        let shown = serde_json::to_string(&item(&t)).unwrap();
        assert!(!shown.contains("secret-id") && shown.contains("\"files\":2"), "{shown}");
        let cells: Vec<String> = TRANSFER_FIELDS.iter().map(|f| (f.cell)(&item(&t)).write()).collect();
        assert_eq!(cells, ["3", "2025-01-02", "archive", "2024-01-01", "2024-12-31", "\"'=x.zip\"", "2", "2048", "ab"]);
        t.audience = "warc".into();
        assert_eq!(item(&t).files, None);
    }
}
