//! The transfer register (移交登记): one line of JSON per package made, kept in the site's
//! repository as `transfers.jsonl`, appended to by `gongbao package` and published by the site
//! as the archive transfer catalogue (移交档案馆目录). Lines are never rewritten: the register is
//! the record of what was handed over, and git shows anyone who tampers with it.

use serde::{Deserialize, Serialize};

/// The register's file name at the site root.
pub const REGISTER: &str = "transfers.jsonl";

/// One package handed over. Keys in alphabetical order, as everywhere in gongbao's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The site's build date the package was made from.
    pub as_of: String,
    /// Size of the zip in bytes.
    pub bytes: u64,
    /// The day the package was made.
    pub date: String,
    /// Each document it holds, by id, with the digest of what was packaged for it.
    pub documents: Vec<TransferDoc>,
    /// `archive`, `library` or `warc`.
    #[serde(rename = "for")]
    pub audience: String,
    /// First publication day covered.
    pub from: String,
    /// Sequence number in the register, from 1.
    pub number: u32,
    /// The zip's (or WARC's) file name.
    pub package: String,
    /// SHA-256 of the zip.
    pub sha256: String,
    /// Last publication day covered.
    pub to: String,
}

/// A document in a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferDoc {
    /// Digest of its packaged files (names and checksums).
    pub digest: String,
    /// Record id.
    pub id: String,
}

/// Reads the register's text. `Err` gives the 1-based line and what is wrong with it.
pub fn parse_register(text: &str) -> Result<Vec<Transfer>, (usize, String)> {
    let mut out: Vec<Transfer> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let t: Transfer = serde_json::from_str(line).map_err(|e| (n + 1, e.to_string()))?;
        // The site publishes these values: refuse what `package` never writes.
        if !matches!(t.audience.as_str(), "archive" | "library" | "warc") {
            return Err((n + 1, format!("`for` is `{}`, not archive, library or warc", t.audience)));
        }
        for (key, value) in [("as_of", &t.as_of), ("date", &t.date), ("from", &t.from), ("to", &t.to)] {
            if crate::model::date::Date::parse(value).is_err() {
                return Err((n + 1, format!("`{key}` is not a date (YYYY-MM-DD): `{value}`")));
            }
        }
        if t.sha256.len() != 64 || !t.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err((n + 1, "`sha256` is not 64 hexadecimal digits".to_string()));
        }
        let expected = out.last().map_or(1, |p| p.number + 1);
        if t.number != expected {
            return Err((n + 1, format!("entry number {} where {expected} was expected", t.number)));
        }
        out.push(t);
    }
    Ok(out)
}

/// What a new package is, compared with the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    /// Nothing of the same kind and period was handed over before.
    New,
    /// Entry `number` already holds exactly these bytes.
    Identical(u32),
    /// Entry `number` covered the same kind and period with other content.
    Changed {
        /// The earlier entry.
        number: u32,
        /// Ids added since.
        added: Vec<String>,
        /// Ids no longer included.
        removed: Vec<String>,
        /// Ids whose packaged files differ.
        changed: Vec<String>,
    },
}

/// Compares a package about to be recorded with the register: the latest entry for the same
/// kind and period decides.
pub fn compare(register: &[Transfer], new: &Transfer) -> Comparison {
    let Some(old) = register
        .iter()
        .rev()
        .find(|t| t.audience == new.audience && t.from == new.from && t.to == new.to && t.package == new.package)
    else {
        return Comparison::New;
    };
    if old.sha256 == new.sha256 {
        return Comparison::Identical(old.number);
    }
    let before: std::collections::BTreeMap<&str, &str> =
        old.documents.iter().map(|d| (d.id.as_str(), d.digest.as_str())).collect();
    let after: std::collections::BTreeMap<&str, &str> =
        new.documents.iter().map(|d| (d.id.as_str(), d.digest.as_str())).collect();
    let added = after.keys().filter(|k| !before.contains_key(*k)).map(|k| k.to_string()).collect();
    let removed = before.keys().filter(|k| !after.contains_key(*k)).map(|k| k.to_string()).collect();
    let changed =
        after.iter().filter(|(k, d)| before.get(*k).is_some_and(|b| b != *d)).map(|(k, _)| k.to_string()).collect();
    Comparison::Changed { number: old.number, added, removed, changed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(number: u32, sha: &str, docs: &[(&str, &str)]) -> Transfer {
        Transfer {
            as_of: "2026-01-01".into(),
            bytes: 1,
            date: "2026-01-02".into(),
            documents: docs.iter().map(|(id, d)| TransferDoc { id: id.to_string(), digest: d.to_string() }).collect(),
            audience: "archive".into(),
            from: "2024-01-01".into(),
            number,
            package: "x-archive-20240101-20241231.zip".into(),
            sha256: sha.repeat(32),
            to: "2024-12-31".into(),
        }
    }

    #[test]
    fn a_repeat_is_identical_and_an_edit_says_what_changed() {
        let first = entry(1, "aa", &[("a", "1"), ("b", "2")]);
        assert_eq!(compare(&[], &first), Comparison::New);
        assert_eq!(
            compare(std::slice::from_ref(&first), &entry(2, "aa", &[("a", "1"), ("b", "2")])),
            Comparison::Identical(1)
        );
        let edited = entry(2, "bb", &[("a", "9"), ("c", "3")]);
        assert_eq!(
            compare(&[first], &edited),
            Comparison::Changed {
                number: 1,
                added: vec!["c".into()],
                removed: vec!["b".into()],
                changed: vec!["a".into()]
            }
        );
    }

    #[test]
    fn the_register_reads_back_and_refuses_gaps_and_unknown_keys() {
        let a = serde_json::to_string(&entry(1, "aa", &[])).unwrap();
        let b = serde_json::to_string(&entry(2, "bb", &[])).unwrap();
        assert_eq!(parse_register(&format!("{a}\n{b}\n")).unwrap().len(), 2);
        assert_eq!(parse_register(&format!("{b}\n")).unwrap_err().0, 1);
        assert_eq!(parse_register(&format!("{a}\n{a}\n")).unwrap_err().0, 2);
        let extra = a.replacen('{', "{\"secret\":1,", 1);
        assert!(parse_register(&extra).is_err());
        for (from, to) in
            [("\"for\":\"archive\"", "\"for\":\"museum\""), ("2024-12-31", "2024-13-01"), ("aaaa", "zzzz")]
        {
            assert_eq!(parse_register(&a.replacen(from, to, 1)).unwrap_err().0, 1, "{to}");
        }
    }
}
