//! Working days on the official calendar: Monday to Friday, less the public holidays, plus the
//! Saturdays and Sundays worked to make up for them (调休). The State Council fixes both every
//! year, so the calendar is data: `data/holidays-cn.toml` is compiled in, and a site may add or
//! replace years with a file of its own (`[publication] calendar`). A question about a day of a
//! year that no table covers has no answer: [`Calendar::working_days_after`] says which year is
//! missing instead of guessing from the weekday.

use crate::model::date::Date;
use crate::model::diag::{Msg, Pos};
use crate::msg;
use std::collections::{BTreeMap, BTreeSet};

/// The calendar shipped with gongbao.
pub const SHIPPED: &str = include_str!("../../data/holidays-cn.toml");

/// Where the shipped calendar is, for messages.
pub const SHIPPED_NAME: &str = "data/holidays-cn.toml";

/// One year's arrangement: the days off on weekdays and the weekend days worked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Year {
    holidays: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
}

/// Holiday and make-up working day tables, by year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, Year>,
}

/// A date of a year that the calendar does not cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uncovered(pub i32);

impl Calendar {
    /// The calendar shipped with gongbao.
    pub fn shipped() -> Calendar {
        Calendar::parse(SHIPPED).expect("the shipped calendar parses (tested)")
    }

    /// Parses a calendar file: one table per year, `holidays` (dates or `first/last` runs) and
    /// `workdays` (dates). A refusal gives the position and what is wrong.
    pub fn parse(text: &str) -> Result<Calendar, (Pos, Msg)> {
        let tables: toml::Table = toml::from_str(text).map_err(|e| {
            let pos = e.span().map_or(Pos::new(1, 1), |s| Pos::of_offset(text, s.start));
            let m = e.message().trim().to_string();
            (pos, msg!("节假日日历不是有效的 TOML：{m}", "the holiday calendar is not valid TOML: {m}"))
        })?;
        let at = |needle: &str| text.find(needle).map_or(Pos::new(1, 1), |o| Pos::of_offset(text, o));
        let mut years = BTreeMap::new();
        for (key, value) in &tables {
            let year: i32 = match key.parse() {
                Ok(y) if (1900..=2999).contains(&y) => y,
                _ => {
                    return Err((
                        at(key),
                        msg!(
                            "节假日日历的表名应为年份（如 [2027]），不是 [{key}]",
                            "a table of the holiday calendar is named by its year ([2027]), not [{key}]"
                        ),
                    ));
                }
            };
            let Some(table) = value.as_table() else {
                return Err((at(key), msg!("{key} 应是一张表", "{key} must be a table")));
            };
            let mut y = Year::default();
            for (name, v) in table {
                let into = match name.as_str() {
                    "holidays" => &mut y.holidays,
                    "workdays" => &mut y.workdays,
                    _ => {
                        return Err((
                            at(name),
                            msg!(
                                "[{year}] 中的 `{name}` 不是日历的字段：只有 holidays 和 workdays",
                                "`{name}` in [{year}] is not a calendar key: only holidays and workdays"
                            ),
                        ));
                    }
                };
                let Some(items) = v.as_array() else {
                    return Err((at(name), msg!("{name} 应是日期的列表", "{name} must be a list of dates")));
                };
                for item in items {
                    let s = item.as_str().unwrap_or_default();
                    let bad = || {
                        (
                            at(s),
                            msg!(
                                "[{year}] {name} 中的 `{s}` 不是 {year} 年的日期，也不是 首日/末日 形式的一段日期",
                                "`{s}` in [{year}] {name} is not a date of {year} nor a run first/last"
                            ),
                        )
                    };
                    let (first, last) = match s.split_once('/') {
                        Some((a, b)) if name == "holidays" => (Date::parse(a), Date::parse(b)),
                        _ => (Date::parse(s), Date::parse(s)),
                    };
                    let (Ok(first), Ok(last)) = (first, last) else { return Err(bad()) };
                    if first.year() != year || last.year() != year || last < first {
                        return Err(bad());
                    }
                    let mut d = first;
                    while d <= last {
                        into.insert(d);
                        d = d.succ();
                    }
                }
            }
            if let Some(d) = y.holidays.intersection(&y.workdays).next() {
                return Err((
                    at(&d.to_string()),
                    msg!("{d} 既是假日又是调休上班日", "{d} is both a holiday and a make-up working day"),
                ));
            }
            years.insert(year, y);
        }
        Ok(Calendar { years })
    }

    /// This calendar with the years of `site` in place of its own.
    pub fn extended(mut self, site: Calendar) -> Calendar {
        self.years.extend(site.years);
        self
    }

    /// The years covered, in order.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    /// `2018–2026` style description of the covered years, runs joined by commas.
    pub fn coverage(&self) -> String {
        let mut runs: Vec<(i32, i32)> = Vec::new();
        for y in self.years() {
            match runs.last_mut() {
                Some((_, last)) if *last + 1 == y => *last = y,
                _ => runs.push((y, y)),
            }
        }
        let run = |&(a, b): &(i32, i32)| if a == b { a.to_string() } else { format!("{a}–{b}") };
        runs.iter().map(run).collect::<Vec<_>>().join(", ")
    }

    /// Whether `d` is a working day, if its year is covered.
    pub fn is_working_day(&self, d: Date) -> Result<bool, Uncovered> {
        let y = self.years.get(&d.year()).ok_or(Uncovered(d.year()))?;
        // 1970-01-01 was a Thursday: Monday is 0.
        let weekday = (d.to_days() + 3).rem_euclid(7);
        Ok(y.workdays.contains(&d) || (weekday < 5 && !y.holidays.contains(&d)))
    }

    /// The working days in `(from, to]`: 0 when `to` is not after `from`. Counting stops past
    /// `limit`, so a date mistyped by centuries costs no more than a normal one.
    pub fn working_days_after(&self, from: Date, to: Date, limit: u32) -> Result<u32, Uncovered> {
        let mut n = 0;
        let mut d = from;
        while d < to && n <= limit {
            d = d.succ();
            n += u32::from(self.is_working_day(d)?);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn the_shipped_calendar_parses_and_covers_2018_to_2026() {
        let c = Calendar::shipped();
        assert_eq!(c.coverage(), "2018–2026");
        assert_eq!(c.is_working_day(d("2017-12-29")), Err(Uncovered(2017)));
    }

    #[test]
    fn spring_festival_and_its_make_up_days() {
        let c = Calendar::shipped();
        // 2024: 2-10..2-17 off, Sunday 2-4 and Sunday 2-18 worked.
        assert_eq!(c.is_working_day(d("2024-02-09")), Ok(true));
        assert_eq!(c.is_working_day(d("2024-02-12")), Ok(false));
        assert_eq!(c.is_working_day(d("2024-02-04")), Ok(true));
        assert_eq!(c.is_working_day(d("2024-02-18")), Ok(true));
        assert_eq!(c.is_working_day(d("2024-02-24")), Ok(false));
        // Signed the Friday before the festival, published the Sunday after it: 1 working day.
        assert_eq!(c.working_days_after(d("2024-02-09"), d("2024-02-18"), 10), Ok(1));
    }

    #[test]
    fn counting_across_a_year_without_a_table_names_the_year() {
        let c = Calendar::shipped();
        assert_eq!(c.working_days_after(d("2026-12-30"), d("2027-01-05"), 10), Err(Uncovered(2027)));
        let site = Calendar::parse("[2027]\nholidays = [\"2027-01-01\"]\nworkdays = []\n").unwrap();
        let c = c.extended(site);
        assert_eq!(c.coverage(), "2018–2027");
        // 12-31 Thu, 01-01 holiday, 01-04 Mon, 01-05 Tue.
        assert_eq!(c.working_days_after(d("2026-12-30"), d("2027-01-05"), 10), Ok(3));
    }

    #[test]
    fn a_site_year_replaces_the_shipped_one() {
        let site = Calendar::parse("[2024]\nholidays = []\nworkdays = []\n").unwrap();
        let c = Calendar::shipped().extended(site);
        assert_eq!(c.is_working_day(d("2024-02-12")), Ok(true));
    }

    #[test]
    fn bad_files_say_where_and_what() {
        for (text, needle) in [
            ("[twenty]\n", "年份"),
            ("[2024]\nholiday = []\n", "holidays 和 workdays"),
            ("[2024]\nholidays = [\"2023-01-01\"]\n", "2023-01-01"),
            ("[2024]\nholidays = [\"2024-02-17/2024-02-10\"]\n", "首日/末日"),
            ("[2024]\nworkdays = [\"2024-02-04/2024-02-05\"]\n", "2024-02-04/2024-02-05"),
            ("[2024]\nholidays = [\"2024-02-10\"]\nworkdays = [\"2024-02-10\"]\n", "既是假日"),
            ("[2024\n", "TOML"),
        ] {
            let (pos, m) = Calendar::parse(text).unwrap_err();
            assert!(m.zh.contains(needle), "{text}: {}", m.zh);
            assert!(pos.line >= 1, "{text}");
        }
        let (pos, _) = Calendar::parse("[2024]\nholidays = [\n  \"2024-13-01\",\n]\n").unwrap_err();
        assert_eq!(pos.line, 3);
    }

    #[test]
    fn a_mistyped_century_is_bounded() {
        let site = Calendar::parse(&(2024..=2224).map(|y| format!("[{y}]\n")).collect::<String>()).unwrap();
        let n = site.working_days_after(d("2024-01-01"), d("2224-01-01"), 5).unwrap();
        assert_eq!(n, 6);
    }
}
