//! The publication register (信息发布登记): one line of JSON per publication, kept in the site's
//! repository as `publications.jsonl` and appended to by `gongbao build`. The rules of disclosure
//! ask that every publication can be looked up later: what was published (the SHA-256 of the
//! record's file), by which unit, reviewed by whom, committed by whom and when, and where (its
//! address). A record enters the register when it is first published and again each time its
//! published file changes; nothing is ever rewritten.
//!
//! Lines are chained: each carries the SHA-256 of the line before it, so a register edited or cut
//! by hand fails to read (and `build` stops, rather than writing over it).

use serde::{Deserialize, Serialize};

/// The register's file name at the site root.
pub const REGISTER: &str = "publications.jsonl";

/// One publication. Keys in alphabetical order, as everywhere in gongbao's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    /// `new` for a first publication, `changed` when a published record's file changed.
    pub change: String,
    /// Short hash of the newest commit of the file, when the site is in git.
    pub commit: Option<String>,
    /// That commit's time (`YYYY-MM-DDTHH:MM:SS±HH:MM`).
    pub committed: Option<String>,
    /// Document number, when the record has one.
    pub doc_number: Option<String>,
    /// Record id.
    pub id: String,
    /// Issuing organs, joined by `、`.
    pub issuer: String,
    /// Sequence number in the register, from 1.
    pub number: u32,
    /// SHA-256 of the line before this one (its bytes without the newline); empty for the first.
    pub prev: String,
    /// The record's publication date.
    pub published: String,
    /// The author of that commit (the publisher: who put the record on the site).
    pub publisher: Option<String>,
    /// Who did the secrecy review (`review.by`).
    pub reviewer: Option<String>,
    /// SHA-256 of the record's file as published.
    pub sha256: String,
    /// Title.
    pub title: String,
    /// The channel: the document page's address.
    pub url: String,
}

/// Reads the register's text. `Err` gives the 1-based line and what is wrong with it.
pub fn parse_register(text: &str) -> Result<Vec<Publication>, (usize, String)> {
    use sha2::{Digest, Sha256};
    let mut out: Vec<Publication> = Vec::new();
    let mut prev = String::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let p: Publication = serde_json::from_str(line).map_err(|e| (n + 1, e.to_string()))?;
        let expected = out.last().map_or(1, |p| p.number + 1);
        if p.number != expected {
            return Err((n + 1, format!("entry number {} where {expected} was expected", p.number)));
        }
        if p.prev != prev {
            return Err((n + 1, "`prev` is not the SHA-256 of the line before: an earlier line was changed".into()));
        }
        if !matches!(p.change.as_str(), "new" | "changed") {
            return Err((n + 1, format!("`change` is `{}`, not new or changed", p.change)));
        }
        if crate::model::date::Date::parse(&p.published).is_err() {
            return Err((n + 1, format!("`published` is not a date (YYYY-MM-DD): `{}`", p.published)));
        }
        if p.sha256.len() != 64 || !p.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err((n + 1, "`sha256` is not 64 hexadecimal digits".into()));
        }
        prev = hex(&Sha256::digest(line.as_bytes()));
        out.push(p);
    }
    Ok(out)
}

/// The register's lines for `new` entries after `earlier`, numbered and chained on.
pub fn append_lines(earlier: &[Publication], new: &mut [Publication]) -> String {
    use sha2::{Digest, Sha256};
    let mut prev = earlier.last().map(line).map(|l| hex(&Sha256::digest(l.as_bytes()))).unwrap_or_default();
    let first = earlier.last().map_or(1, |p| p.number + 1);
    let mut out = String::new();
    for (number, p) in (first..).zip(new.iter_mut()) {
        p.number = number;
        p.prev = prev;
        let l = line(p);
        prev = hex(&Sha256::digest(l.as_bytes()));
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// One entry as its register line (without the newline).
pub fn line(p: &Publication) -> String {
    serde_json::to_string(p).expect("a register entry serialises")
}

/// The day and the time of day (minutes after midnight) of a register time
/// (`YYYY-MM-DDTHH:MM:SS±HH:MM`, or `Z` for UTC) in a zone `tz_minutes` east of UTC; `None`
/// when the text has another shape.
pub fn local_time(stamp: &str, tz_minutes: i32) -> Option<(crate::model::date::Date, u32)> {
    use crate::model::date::Date;
    let b = stamp.as_bytes();
    if b.len() < 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let day = Date::parse(stamp.get(..10)?).ok()?;
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = stamp.get(r)?;
        t.bytes().all(|c| c.is_ascii_digit()).then(|| t.parse().ok())?
    };
    let (h, m, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let zone = &stamp[19..];
    let offset = if zone == "Z" {
        0
    } else {
        let sign = match zone.as_bytes()[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let digits: String = zone[1..].chars().filter(|&c| c != ':').collect();
        if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) || zone.len() > 6 {
            return None;
        }
        let (zh, zm): (i64, i64) = (digits[..2].parse().ok()?, digits[2..].parse().ok()?);
        if zh > 18 || zm > 59 {
            return None;
        }
        sign * (zh * 60 + zm)
    };
    let minutes = day.to_days() * 1440 + h * 60 + m - offset + i64::from(tz_minutes);
    Some((Date::from_days(minutes.div_euclid(1440)), minutes.rem_euclid(1440) as u32))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str) -> Publication {
        Publication {
            change: "new".into(),
            commit: Some("abc1234".into()),
            committed: Some("2024-01-05T10:00:00+08:00".into()),
            doc_number: Some("青政发〔2024〕1号".into()),
            id: id.into(),
            issuer: "青川市人民政府".into(),
            number: 0,
            prev: String::new(),
            published: "2024-01-05".into(),
            publisher: Some("王编辑".into()),
            reviewer: Some("李审查".into()),
            sha256: "0".repeat(64),
            title: "办法".into(),
            url: "https://www.qingchuan.gov.cn/docs/a/".into(),
        }
    }

    #[test]
    fn register_times_are_read_in_the_sites_zone() {
        let d = |s: &str| crate::model::date::Date::parse(s).unwrap();
        // The demo's register holds UTC times; the site's day runs at +08:00.
        assert_eq!(local_time("2026-11-22T07:48:12+00:00", 480), Some((d("2026-11-22"), 15 * 60 + 48)));
        assert_eq!(local_time("2024-01-05T10:00:00+08:00", 480), Some((d("2024-01-05"), 10 * 60)));
        // Across midnight and the year, both ways.
        assert_eq!(local_time("2023-12-31T17:30:00Z", 480), Some((d("2024-01-01"), 90)));
        assert_eq!(local_time("2024-01-01T06:00:00+08:00", -300), Some((d("2023-12-31"), 17 * 60)));
        assert_eq!(local_time("2024-01-04T06:00:00-05:00", 480), Some((d("2024-01-04"), 19 * 60)));
        assert_eq!(local_time("2024-03-01T08:15:00+0530", 0), Some((d("2024-03-01"), 2 * 60 + 45)));
        for bad in [
            "",
            "2024-01-05",
            "2024-01-05 10:00:00+08:00",
            "2024-01-05T25:00:00Z",
            "2024-01-05T10:00:00",
            "2024-01-05T10:00:00+8",
            "2024-13-05T10:00:00Z",
            "2024-01-05T1a:00:00Z",
        ] {
            assert_eq!(local_time(bad, 480), None, "{bad}");
        }
    }

    #[test]
    fn appended_lines_read_back_and_chain() {
        let mut first = vec![entry("a"), entry("b")];
        let text = append_lines(&[], &mut first);
        let read = parse_register(&text).unwrap();
        assert_eq!(read, first);
        assert_eq!((read[0].number, read[1].number), (1, 2));
        let mut more = vec![entry("c")];
        let text = text + &append_lines(&read, &mut more);
        assert_eq!(parse_register(&text).unwrap().len(), 3);
    }

    #[test]
    fn an_edited_or_cut_register_is_refused_at_the_first_line_that_no_longer_fits() {
        let text = append_lines(&[], &mut [entry("a"), entry("b"), entry("c")]);
        let edited = text.replacen("王编辑", "张编辑", 1);
        assert_eq!(parse_register(&edited).unwrap_err().0, 2);
        let lines: Vec<&str> = text.lines().collect();
        let cut = format!("{}\n{}\n", lines[0], lines[2]);
        assert_eq!(parse_register(&cut).unwrap_err().0, 2);
        let renumbered = text.replacen("\"number\":2", "\"number\":5", 1);
        assert!(parse_register(&renumbered).is_err());
    }
}
