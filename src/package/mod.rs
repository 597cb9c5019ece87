//! Stage 8, `package`: the containers that carry a sealed site to the people who keep it —
//! archives and libraries (a BagIt bag in a zip) and web archives (a WARC file). This module
//! holds only the byte formats: it reads files through `Read`ers its caller opens, knows nothing
//! of records or pages, and names no other module of the crate, so that the command which chooses
//! what goes into a package can change without touching how a package is written.
//!
//! Every writer here is reproducible: the same declared inputs and the same date give the same
//! bytes. No writer reads a clock, a random source or a file system listing; dates arrive as
//! seconds since the Unix epoch (`SOURCE_DATE_EPOCH` style) and the caller's order is checked,
//! not trusted.

pub(crate) mod bagit;
pub(crate) mod meta;
pub(crate) mod transfer;
pub(crate) mod warc;
pub(crate) mod zip;

use std::fmt;
use std::io;

/// What went wrong while writing or reading a package. Each variant carries the entry or file
/// name it concerns, so that the message printed by a command needs no backtrace.
#[derive(Debug)]
pub(crate) enum Error {
    /// Reading a payload stream or writing the output failed.
    Io {
        /// What was being read or written.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The zip library refused or failed.
    Zip {
        /// What was being read or written.
        context: String,
        /// The underlying error.
        source: ::zip::result::ZipError,
    },
    /// A name that a package may not hold (not ASCII, `..`, absolute, a backslash …).
    BadName {
        /// The name as given.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// Entries were added out of order, or one was added twice.
    Order {
        /// The entry added before.
        previous: String,
        /// The entry that should have come first.
        next: String,
    },
    /// A stream gave a different number of bytes than its caller declared.
    SizeMismatch {
        /// The entry or file.
        name: String,
        /// The declared size.
        declared: u64,
        /// The bytes read (at most one past the declared size when the stream was longer).
        actual: u64,
    },
    /// A stream's content changed between the two passes of a writer that reads it twice.
    Changed {
        /// The entry or file.
        name: String,
    },
    /// A package is larger than the reader's limits allow (a guard against zip bombs).
    Limit {
        /// What exceeded which limit.
        what: String,
    },
    /// A date outside what the format can represent (zip: 1980–2107).
    Date {
        /// The date, in seconds since the Unix epoch.
        epoch_seconds: i64,
        /// The format's range.
        reason: &'static str,
    },
    /// A value that a format cannot carry (a line break in a bag-info value, for instance).
    BadValue {
        /// Which value.
        field: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A package that does not have the structure its format requires.
    Malformed {
        /// What is wrong.
        what: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Zip { context, source } => write!(f, "{context}: {source}"),
            Error::BadName { name, reason } => write!(f, "entry name {name:?}: {reason}"),
            Error::Order { previous, next } => {
                write!(f, "entry {next:?} comes after {previous:?}: entries must be added once each, in byte order")
            }
            Error::SizeMismatch { name, declared, actual } => {
                write!(f, "{name}: declared {declared} bytes, the stream gave {actual}")
            }
            Error::Changed { name } => write!(f, "{name}: the content changed while it was being packaged"),
            Error::Limit { what } => write!(f, "over the reader's limits: {what}"),
            Error::Date { epoch_seconds, reason } => write!(f, "date {epoch_seconds} (seconds since 1970): {reason}"),
            Error::BadValue { field, reason } => write!(f, "{field}: {reason}"),
            Error::Malformed { what } => write!(f, "malformed package: {what}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Zip { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A result of this module.
pub(crate) type Result<T> = std::result::Result<T, Error>;

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

/// A UTC date and time of day, to the second, as the formats here print it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Utc {
    /// The year (proleptic Gregorian).
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
    /// 0–23.
    pub hour: u32,
    /// 0–59.
    pub minute: u32,
    /// 0–59.
    pub second: u32,
}

impl Utc {
    /// The UTC time `seconds` after 1970-01-01T00:00:00Z (before it when negative); the calendar
    /// day is the model's `Date::from_days`.
    pub(crate) fn from_epoch(seconds: i64) -> Utc {
        let of_day = seconds.rem_euclid(86_400) as u32;
        let d = crate::model::date::Date::from_days(seconds.div_euclid(86_400));
        Utc {
            year: i64::from(d.year()),
            month: u32::from(d.month()),
            day: u32::from(d.day()),
            hour: of_day / 3600,
            minute: of_day / 60 % 60,
            second: of_day % 60,
        }
    }

    /// `YYYY-MM-DD`, as BagIt's `Bagging-Date`.
    pub(crate) fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `YYYY-MM-DDThh:mm:ssZ`, as `WARC-Date` (W3C-ISO8601 at second precision).
    pub(crate) fn iso(&self) -> String {
        format!("{}T{:02}:{:02}:{:02}Z", self.date(), self.hour, self.minute, self.second)
    }

    /// `YYYYMMDDhhmmss`, the 14-digit timestamp of wayback URLs and CDX indexes.
    #[cfg(test)]
    pub(crate) fn digits14(&self) -> String {
        format!("{:04}{:02}{:02}{:02}{:02}{:02}", self.year, self.month, self.day, self.hour, self.minute, self.second)
    }
}

pub(crate) use crate::source::hex;

#[cfg(test)]
pub(crate) mod testtools {
    //! Where the tests find the outside validators: in the project's `.venv`, which
    //! `scripts/test` makes from `tests/requirements.txt`. A missing tool fails the test that
    //! needs it; it never lets it pass unchecked.

    use std::path::PathBuf;

    /// `.venv/bin/<name>`, or a panic that says how to install it.
    pub(crate) fn venv_tool(name: &str) -> PathBuf {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin").join(name);
        assert!(
            path.exists(),
            "{} is missing: run scripts/test (it makes .venv from tests/requirements.txt), \
             or: python3 -m venv .venv && .venv/bin/pip install -r tests/requirements.txt",
            path.display()
        );
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_to_civil() {
        let at = |s| Utc::from_epoch(s).iso();
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(at(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(at(-1), "1969-12-31T23:59:59Z");
        assert_eq!(Utc::from_epoch(1_700_000_000).digits14(), "20231114221320");
    }

    #[test]
    fn every_day_follows_the_one_before() {
        // Walks 1900–2200 a day at a time: the calendar has no gap and no repeat.
        let mut prev = Utc::from_epoch(-2_208_988_800);
        assert_eq!(prev.date(), "1900-01-01");
        for d in 1..110_000i64 {
            let next = Utc::from_epoch(-2_208_988_800 + d * 86_400);
            let month_len = match prev.month {
                2 if prev.year % 4 == 0 && (prev.year % 100 != 0 || prev.year % 400 == 0) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            if prev.day < month_len {
                assert_eq!((next.year, next.month, next.day), (prev.year, prev.month, prev.day + 1));
            } else if prev.month < 12 {
                assert_eq!((next.year, next.month, next.day), (prev.year, prev.month + 1, 1));
            } else {
                assert_eq!((next.year, next.month, next.day), (prev.year + 1, 1, 1));
            }
            prev = next;
        }
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x00, 0xAB, 0x7f]), "00ab7f");
    }
}
