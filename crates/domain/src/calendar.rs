//! Working days: weekends, China's statutory holidays and the weekend make-up
//! workdays (调休) that the State Council sets each year.
//!
//! The years OneVisit knows are shipped as data files in `crates/domain/calendars/`
//! (one `YEAR.json` each, see [`CalendarYear::parse_json`] for the format). A year
//! that is not shipped (the State Council publishes the next year's calendar late in
//! the year) is added or corrected by the user with `onevisit calendar import FILE`,
//! which stores it in the database; a stored year replaces the shipped one.
//! A year nobody has given is treated as plain Monday-to-Friday.

use crate::dates::{DateRange, DateRangeError};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The years shipped with OneVisit, as published by the State Council.
const SHIPPED: &[&str] = &[include_str!("../calendars/2026.json")];

/// Why a calendar year was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("not a calendar file: {0}")]
    Format(String),
    #[error("year {0} is out of range (2000 to 2100)")]
    YearOutOfRange(i32),
    #[error("periods[{index}] ({name}): off {source}")]
    Range {
        index: usize,
        name: String,
        source: DateRangeError,
    },
    #[error("periods[{index}] ({name}): {date} is not in year {year}")]
    OutsideYear {
        index: usize,
        name: String,
        date: NaiveDate,
        year: i32,
    },
    #[error("periods[{index}] ({name}): make-up workday {date} is a {weekday}, not a weekend day")]
    WorkdayNotWeekend {
        index: usize,
        name: String,
        date: NaiveDate,
        weekday: Weekday,
    },
    #[error("periods[{index}] ({name}): make-up workday {date} is inside a holiday period")]
    WorkdayInsideHoliday {
        index: usize,
        name: String,
        date: NaiveDate,
    },
}

/// One holiday period of a year: the days off and the weekend days worked to make up for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayPeriod {
    pub name: String,
    pub off: DateRange,
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendarYear {
    year: i32,
    #[serde(default)]
    source: String,
    periods: Vec<RawPeriod>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    name: String,
    off: RawRange,
    #[serde(default)]
    workdays: Vec<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    start: NaiveDate,
    end: NaiveDate,
}

/// The statutory calendar of one year, checked for consistency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarYear {
    year: i32,
    source: String,
    periods: Vec<HolidayPeriod>,
}

impl CalendarYear {
    /// Parses a calendar file:
    ///
    /// ```json
    /// {"year": 2026, "source": "where it was published",
    ///  "periods": [{"name": "春节", "off": {"start": "2026-02-15", "end": "2026-02-23"},
    ///               "workdays": ["2026-02-14", "2026-02-28"]}]}
    /// ```
    ///
    /// Every day of `off` is a day off; every date in `workdays` is a weekend day worked.
    pub fn parse_json(json: &str) -> Result<Self, CalendarError> {
        let raw: RawCalendarYear =
            serde_json::from_str(json).map_err(|e| CalendarError::Format(e.to_string()))?;
        if !(2000..=2100).contains(&raw.year) {
            return Err(CalendarError::YearOutOfRange(raw.year));
        }
        let mut periods = Vec::with_capacity(raw.periods.len());
        for (index, p) in raw.periods.into_iter().enumerate() {
            let off =
                DateRange::new(p.off.start, p.off.end).map_err(|source| CalendarError::Range {
                    index,
                    name: p.name.clone(),
                    source,
                })?;
            // A holiday period may run over New Year, so only one of its ends must be in the year.
            if off.start().year() != raw.year && off.end().year() != raw.year {
                return Err(CalendarError::OutsideYear {
                    index,
                    name: p.name,
                    date: off.start(),
                    year: raw.year,
                });
            }
            periods.push(HolidayPeriod {
                name: p.name,
                off,
                workdays: p.workdays,
            });
        }
        for (index, p) in periods.iter().enumerate() {
            for &date in &p.workdays {
                if !is_weekend(date) {
                    return Err(CalendarError::WorkdayNotWeekend {
                        index,
                        name: p.name.clone(),
                        date,
                        weekday: date.weekday(),
                    });
                }
                if periods.iter().any(|q| q.off.contains(date)) {
                    return Err(CalendarError::WorkdayInsideHoliday {
                        index,
                        name: p.name.clone(),
                        date,
                    });
                }
            }
        }
        Ok(Self {
            year: raw.year,
            source: raw.source,
            periods,
        })
    }

    /// The years shipped in `crates/domain/calendars/`.
    pub fn shipped() -> Vec<Self> {
        SHIPPED
            .iter()
            .map(|json| Self::parse_json(json))
            .collect::<Result<_, _>>()
            // The shipped files are checked by the tests below; a bad one is a build defect.
            .unwrap_or_default()
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn periods(&self) -> &[HolidayPeriod] {
        &self.periods
    }

    /// Every day off of the year's holiday periods.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.periods.iter().flat_map(|p| p.off.days())
    }

    /// Every make-up workday of the year.
    pub fn workdays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.periods.iter().flat_map(|p| p.workdays.iter().copied())
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Which days are working days.
///
/// A working day is a Monday to Friday that is not a holiday, or any make-up workday;
/// a date that is both a holiday and a make-up workday is a working day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
    years: BTreeSet<i32>,
}

impl WorkCalendar {
    /// A calendar from explicit lists of holidays and make-up workdays, as the planner's
    /// problem gives them.
    pub fn from_lists(
        holidays: impl IntoIterator<Item = NaiveDate>,
        workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
            workdays: workdays.into_iter().collect(),
            years: BTreeSet::new(),
        }
    }

    /// The calendar of the shipped years.
    pub fn shipped() -> Self {
        CalendarYear::shipped()
            .into_iter()
            .fold(Self::default(), |cal, year| cal.with_year(&year))
    }

    /// This calendar with `year` added, replacing what it held for that year.
    #[must_use]
    pub fn with_year(mut self, year: &CalendarYear) -> Self {
        let y = year.year();
        self.holidays.retain(|d| d.year() != y);
        self.workdays.retain(|d| d.year() != y);
        self.holidays.extend(year.holidays());
        self.workdays.extend(year.workdays());
        self.years.insert(y);
        self
    }

    /// Whether a statutory calendar was given for `year`.
    pub fn knows_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years a statutory calendar was given for.
    pub fn known_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.workdays.contains(&date) || (!is_weekend(date) && !self.holidays.contains(&date))
    }

    /// The working days of a range, in order.
    pub fn working_days(&self, range: DateRange) -> impl Iterator<Item = NaiveDate> + '_ {
        range.days().filter(|d| self.is_working_day(*d))
    }

    /// The holidays, in order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    /// The make-up workdays, in order.
    pub fn workdays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.workdays.iter().copied()
    }

    /// The `n`-th working day after `date` (`n = 0`: the first working day on or after it).
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut remaining = n;
        let mut day = date;
        while !self.is_working_day(day) {
            day = day.succ_opt().unwrap_or(day);
        }
        while remaining > 0 {
            day = day.succ_opt().unwrap_or(day);
            if self.is_working_day(day) {
                remaining -= 1;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn shipped_files_parse() {
        for json in SHIPPED {
            CalendarYear::parse_json(json).expect("shipped calendar must parse");
        }
        assert!(WorkCalendar::shipped().knows_year(2026));
    }

    #[test]
    fn spring_festival_2026() {
        let cal = WorkCalendar::shipped();
        // Nine days off, Sunday 15 February to Monday 23 February.
        for day in DateRange::new(d("2026-02-15"), d("2026-02-23"))
            .expect("range")
            .days()
        {
            assert!(
                !cal.is_working_day(day),
                "{day} is a Spring Festival holiday"
            );
        }
        // The Saturdays before and after are worked.
        assert!(cal.is_working_day(d("2026-02-14")));
        assert!(cal.is_working_day(d("2026-02-28")));
        // The days around are ordinary.
        assert!(cal.is_working_day(d("2026-02-13")));
        assert!(cal.is_working_day(d("2026-02-24")));
        assert!(!cal.is_working_day(d("2026-02-22")));
        assert!(!cal.is_working_day(d("2026-03-01")));
    }

    #[test]
    fn other_2026_holidays_and_makeup_days() {
        let cal = WorkCalendar::shipped();
        for off in [
            "2026-01-01",
            "2026-01-02",
            "2026-04-06",
            "2026-05-04",
            "2026-05-05",
            "2026-06-19",
            "2026-09-25",
            "2026-10-05",
            "2026-10-07",
        ] {
            assert!(!cal.is_working_day(d(off)), "{off} is off");
        }
        for on in [
            "2026-01-04",
            "2026-05-09",
            "2026-09-20",
            "2026-10-10",
            "2026-10-08",
        ] {
            assert!(cal.is_working_day(d(on)), "{on} is worked");
        }
    }

    #[test]
    fn unknown_year_is_monday_to_friday() {
        let cal = WorkCalendar::shipped();
        assert!(!cal.knows_year(2031));
        assert!(cal.is_working_day(d("2031-01-01")));
        assert!(!cal.is_working_day(d("2031-01-04")));
    }

    #[test]
    fn a_date_in_both_lists_is_worked() {
        let cal = WorkCalendar::from_lists([d("2027-02-20")], [d("2027-02-20")]);
        assert!(cal.is_working_day(d("2027-02-20")));
    }

    #[test]
    fn importing_a_year_replaces_it() {
        let corrected = CalendarYear::parse_json(
            r#"{"year":2026,"periods":[{"name":"only","off":{"start":"2026-03-02","end":"2026-03-02"}}]}"#,
        )
        .expect("valid");
        let cal = WorkCalendar::shipped().with_year(&corrected);
        assert!(cal.is_working_day(d("2026-02-16")));
        assert!(!cal.is_working_day(d("2026-03-02")));
    }

    #[test]
    fn refuses_bad_files() {
        let weekday_makeup = r#"{"year":2027,"periods":[{"name":"x","off":{"start":"2027-02-08","end":"2027-02-10"},"workdays":["2027-02-11"]}]}"#;
        assert!(matches!(
            CalendarYear::parse_json(weekday_makeup),
            Err(CalendarError::WorkdayNotWeekend { .. })
        ));
        let inverted = r#"{"year":2027,"periods":[{"name":"x","off":{"start":"2027-02-10","end":"2027-02-08"}}]}"#;
        assert!(matches!(
            CalendarYear::parse_json(inverted),
            Err(CalendarError::Range { index: 0, .. })
        ));
        let other_year = r#"{"year":2027,"periods":[{"name":"x","off":{"start":"2026-02-10","end":"2026-02-11"}}]}"#;
        assert!(matches!(
            CalendarYear::parse_json(other_year),
            Err(CalendarError::OutsideYear { .. })
        ));
        assert!(matches!(
            CalendarYear::parse_json("{"),
            Err(CalendarError::Format(_))
        ));
        let unknown_field = r#"{"year":2027,"periods":[],"extra":1}"#;
        assert!(matches!(
            CalendarYear::parse_json(unknown_field),
            Err(CalendarError::Format(_))
        ));
    }

    #[test]
    fn add_working_days_skips_the_festival() {
        let cal = WorkCalendar::shipped();
        // Friday 13 Feb, then Saturday 14 (make-up), then Tuesday 24 after the break.
        assert_eq!(cal.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
        assert_eq!(cal.add_working_days(d("2026-02-13"), 2), d("2026-02-24"));
        assert_eq!(cal.add_working_days(d("2026-02-15"), 0), d("2026-02-24"));
    }
}
