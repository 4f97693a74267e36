//! Inclusive date ranges: request windows, quiet periods, horizons.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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
    fn deserialising_refuses_inverted() {
        let err = serde_json::from_str::<DateRange>(r#"{"start":"2026-03-02","end":"2026-03-01"}"#)
            .expect_err("inverted");
        assert!(
            err.to_string()
                .contains("ends (2026-03-01) before it starts (2026-03-02)")
        );
    }
}
