//! Calendar dates as the records write them (`YYYY-MM-DD`), with the little arithmetic the
//! validity rules need. A proleptic Gregorian day count keeps comparisons and "next day" exact;
//! time zones only matter for "today", which the caller supplies.

use std::fmt;

/// A calendar date. Ordering is chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// Why a date string was refused; shown to editors, so it says what shape is expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// Not of the form `YYYY-MM-DD`.
    Shape,
    /// The shape is right but the day does not exist (2023-02-30).
    NoSuchDay,
}

impl Date {
    /// The last day `YYYY-MM-DD` can write: later than any build.
    pub const LAST: Date = Date { year: 9999, month: 12, day: 31 };

    /// A date from its parts, if that day exists.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD` (ASCII digits, zero-padded). Anything looser is refused so that
    /// `2018-1-5` or `2018/01/05` do not slip in and sort wrongly elsewhere.
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(DateError::Shape);
        }
        let digits = |r: std::ops::Range<usize>| -> Result<u32, DateError> {
            b[r].iter().try_fold(0u32, |acc, &c| {
                if c.is_ascii_digit() { Ok(acc * 10 + u32::from(c - b'0')) } else { Err(DateError::Shape) }
            })
        };
        let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        Date::new(y as i32, m as u8, d as u8).ok_or(DateError::NoSuchDay)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before). Howard Hinnant's civil-from-days algorithm.
    pub fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The following day.
    pub fn succ(self) -> Date {
        Date::from_days(self.to_days() + 1)
    }

    /// Today in a zone `offset_minutes` east of UTC (China: +480).
    pub fn today(offset_minutes: i32) -> Date {
        let secs =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        Date::from_days((secs + i64::from(offset_minutes) * 60).div_euclid(86_400))
    }

    /// `2018年3月5日`, the way Chinese pages write dates in running text.
    pub fn zh(self) -> String {
        format!("{}年{}月{}日", self.year, self.month, self.day)
    }
}

/// The date an editor most likely meant by `s`, when it is written another common way:
/// `2024/3/5`, `2024.3.5`, `2024-3-5`, `2024年3月5日`, `20240305`, with full-width digits or not.
/// `None` when no such reading gives a real day.
pub fn guess(s: &str) -> Option<Date> {
    let ascii: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    let groups: Vec<&str> = ascii.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).collect();
    let seps_ok = ascii
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.' | ' ' | '年' | '月' | '日' | '－' | '／' | '．'));
    if !seps_ok {
        return None;
    }
    let (y, m, d) = match groups.as_slice() {
        [one] if one.len() == 8 => (&one[..4], &one[4..6], &one[6..]),
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => (*y, *m, *d),
        _ => return None,
    };
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Days in `month` of `year`.
pub fn month_length(year: i32, month: u8) -> u8 {
    days_in_month(year, month)
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).map_err(|_| serde::de::Error::custom(format!("`{s}` is not a date of the form YYYY-MM-DD")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_round_trip() {
        let d = Date::parse("2024-02-29").unwrap();
        assert_eq!(d.to_string(), "2024-02-29");
        assert_eq!(d.zh(), "2024年2月29日");
    }

    #[test]
    fn refuses_loose_and_impossible_dates() {
        assert_eq!(Date::parse("2018-1-5"), Err(DateError::Shape));
        assert_eq!(Date::parse("2018/01/05"), Err(DateError::Shape));
        assert_eq!(Date::parse("２０１８-01-05"), Err(DateError::Shape));
        assert_eq!(Date::parse("2023-02-29"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2023-13-01"), Err(DateError::NoSuchDay));
    }

    #[test]
    fn day_counts_round_trip_across_centuries() {
        for days in (-800_000..800_000).step_by(997) {
            assert_eq!(Date::from_days(days).to_days(), days);
        }
        assert_eq!(Date::parse("1970-01-01").unwrap().to_days(), 0);
        assert_eq!(Date::parse("2000-03-01").unwrap().to_days(), 11_017);
        assert_eq!(Date::parse("2023-12-31").unwrap().succ().to_string(), "2024-01-01");
    }
}
