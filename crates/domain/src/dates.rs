//! Inclusive date ranges: request windows, quiet periods, horizons.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a date range was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateRangeError {
    #[error("ends ({end}) before it starts ({start})")]
    Inverted { start: NaiveDate, end: NaiveDate },
}

/// A range of days, inclusive at both ends, that never ends before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawDateRange", into = "RawDateRange")]
pub struct DateRange {
    start: NaiveDate,
    end: NaiveDate,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDateRange {
    start: NaiveDate,
    end: NaiveDate,
}

impl TryFrom<RawDateRange> for DateRange {
    type Error = DateRangeError;
    fn try_from(raw: RawDateRange) -> Result<Self, Self::Error> {
        Self::new(raw.start, raw.end)
    }
}

impl From<DateRange> for RawDateRange {
    fn from(range: DateRange) -> Self {
        Self {
            start: range.start,
            end: range.end,
        }
    }
}

impl DateRange {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, DateRangeError> {
        if end < start {
            return Err(DateRangeError::Inverted { start, end });
        }
        Ok(Self { start, end })
    }

    /// A range of a single day.
    pub fn day(date: NaiveDate) -> Self {
        Self {
            start: date,
            end: date,
        }
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// The days both ranges share, if any.
    pub fn intersection(&self, other: &Self) -> Option<Self> {
        Self::new(self.start.max(other.start), self.end.min(other.end)).ok()
    }

    /// Every day of the range, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let end = self.end;
        self.start.iter_days().take_while(move |d| *d <= end)
    }

    /// The number of days in the range (at least 1).
    pub fn len_days(&self) -> u32 {
        u32::try_from((self.end - self.start).num_days() + 1).unwrap_or(u32::MAX)
    }
}

/// A calendar quarter: burden caps are counted per quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    year: i32,
    number: u32,
}

/// Why a quarter was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("quarter must look like 2026Q4, got {0:?}")]
pub struct QuarterError(String);

impl Quarter {
    pub fn containing(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            number: date.month0() / 3 + 1,
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1 to 4.
    pub fn number(self) -> u32 {
        self.number
    }

    /// The quarter after this one.
    #[must_use]
    pub fn next(self) -> Self {
        if self.number == 4 {
            Self {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Self {
                year: self.year,
                number: self.number + 1,
            }
        }
    }

    /// The quarter's days, first to last.
    pub fn range(self) -> DateRange {
        let first_month = (self.number - 1) * 3 + 1;
        let start = NaiveDate::from_ymd_opt(self.year, first_month, 1).unwrap_or(NaiveDate::MIN);
        let next = if self.number == 4 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, first_month + 3, 1)
        };
        let end = next.and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX);
        DateRange { start, end }
    }
}

impl FromStr for Quarter {
    type Err = QuarterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || QuarterError(s.to_owned());
        let (year, number) = s.split_once(['Q', 'q']).ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let number: u32 = number.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&number) || !(1900..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Self { year, number })
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn refuses_inverted_range() {
        assert_eq!(
            DateRange::new(d("2026-03-02"), d("2026-03-01")),
            Err(DateRangeError::Inverted {
                start: d("2026-03-02"),
                end: d("2026-03-01")
            })
        );
    }

    #[test]
    fn one_day_range_is_allowed_and_inclusive() {
        let r = DateRange::new(d("2026-03-02"), d("2026-03-02")).expect("one day");
        assert!(r.contains(d("2026-03-02")));
        assert_eq!(r.days().count(), 1);
        assert_eq!(r.len_days(), 1);
    }

    #[test]
    fn intersection() {
        let a = DateRange::new(d("2026-03-01"), d("2026-03-10")).expect("a");
        let b = DateRange::new(d("2026-03-10"), d("2026-03-20")).expect("b");
        let c = DateRange::new(d("2026-03-11"), d("2026-03-20")).expect("c");
        assert_eq!(a.intersection(&b), Some(DateRange::day(d("2026-03-10"))));
        assert_eq!(a.intersection(&c), None);
    }

    #[test]
    fn quarters() {
        let q = Quarter::containing(d("2026-11-28"));
        assert_eq!(q.to_string(), "2026Q4");
        assert_eq!(
            q.range(),
            DateRange::new(d("2026-10-01"), d("2026-12-31")).expect("range")
        );
        assert_eq!(
            "2027q1".parse::<Quarter>().map(|q| q.range().end()),
            Ok(d("2027-03-31"))
        );
        assert!("2027Q5".parse::<Quarter>().is_err());
        assert_eq!(q.next().to_string(), "2027Q1");
        assert_eq!(q.next().next().range().start(), d("2027-04-01"));
        assert!("Q1".parse::<Quarter>().is_err());
    }

    #[test]
    fn deserialising_refuses_inverted() {
        let err = serde_json::from_str::<DateRange>(r#"{"start":"2026-03-02","end":"2026-03-01"}"#)
            .expect_err("inverted");
        assert!(
            err.to_string()
                .contains("ends (2026-03-01) before it starts (2026-03-02)")
        );
    }
}
