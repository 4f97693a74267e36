//! Numbers of hazard lists (整改通知).
//!
//! Every hazard list issued to an enterprise gets the next number of that enterprise's
//! series for the year: the first notice of 2026 is `2026-0001`, the next `2026-0002`,
//! and the series starts again at `0001` in 2027. A number is unique only together
//! with the enterprise (store it under the key enterprise, year, sequence).
//!
//! The canonical form, used in the API, in files and for sorting, is ASCII
//! `2026-0003`; the printed notice shows `整改〔2026〕第0003号` ([`NoticeNumber::to_chinese`]).
//! Both forms parse.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a notice number was refused or cannot follow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("notice: must look like 2026-0003 or 整改〔2026〕第0003号, got {0:?}")]
    Format(String),
    #[error("notice: year must be between {min} and {max}, got {got}")]
    Year { min: i32, max: i32, got: i32 },
    #[error("notice: sequence must be between 1 and {max}, got {got}")]
    Sequence { max: u32, got: u32 },
    #[error("notice: the {year} series is used up at {max}")]
    Exhausted { year: i32, max: u32 },
    #[error("notice: the previous number {previous} is from a later year than {year}")]
    YearWentBack { previous: NoticeNumber, year: i32 },
}

/// The number of one enterprise's hazard list in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NoticeNumber {
    year: i32,
    sequence: u32,
}

impl NoticeNumber {
    pub const MIN_YEAR: i32 = 2000;
    pub const MAX_YEAR: i32 = 9999;
    pub const MAX_SEQUENCE: u32 = 9999;

    pub fn new(year: i32, sequence: u32) -> Result<Self, NoticeError> {
        if !(Self::MIN_YEAR..=Self::MAX_YEAR).contains(&year) {
            return Err(NoticeError::Year {
                min: Self::MIN_YEAR,
                max: Self::MAX_YEAR,
                got: year,
            });
        }
        if !(1..=Self::MAX_SEQUENCE).contains(&sequence) {
            return Err(NoticeError::Sequence {
                max: Self::MAX_SEQUENCE,
                got: sequence,
            });
        }
        Ok(Self { year, sequence })
    }

    /// The first number of `year`.
    pub fn first(year: i32) -> Result<Self, NoticeError> {
        Self::new(year, 1)
    }

    /// The number of the next notice to an enterprise in `year`, given its last one
    /// (`None`: it never had one). Numbers only go forward: a `previous` from a later
    /// year is refused, and so is a 10,000th notice in one year.
    pub fn next(previous: Option<Self>, year: i32) -> Result<Self, NoticeError> {
        match previous {
            Some(previous) if previous.year > year => {
                Err(NoticeError::YearWentBack { previous, year })
            }
            Some(previous) if previous.year == year => {
                if previous.sequence >= Self::MAX_SEQUENCE {
                    Err(NoticeError::Exhausted {
                        year,
                        max: Self::MAX_SEQUENCE,
                    })
                } else {
                    Self::new(year, previous.sequence + 1)
                }
            }
            _ => Self::first(year),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn sequence(self) -> u32 {
        self.sequence
    }

    /// The printed form: `整改〔2026〕第0003号`.
    pub fn to_chinese(self) -> String {
        format!("整改〔{}〕第{:04}号", self.year, self.sequence)
    }
}

fn digits(s: &str, len: usize) -> Option<u32> {
    if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

impl FromStr for NoticeNumber {
    type Err = NoticeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let format = || NoticeError::Format(s.to_owned());
        let (year, sequence) = if let Some(rest) = s.strip_prefix("整改〔") {
            let (year, rest) = rest.split_once('〕').ok_or_else(format)?;
            let sequence = rest
                .strip_prefix('第')
                .and_then(|r| r.strip_suffix('号'))
                .ok_or_else(format)?;
            (year, sequence)
        } else {
            s.split_once('-').ok_or_else(format)?
        };
        let year = digits(year, 4).ok_or_else(format)?;
        let sequence = digits(sequence, 4).ok_or_else(format)?;
        Self::new(i32::try_from(year).map_err(|_| format())?, sequence)
    }
}

impl fmt::Display for NoticeNumber {
    /// The canonical ASCII form `2026-0003`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:04}", self.year, self.sequence)
    }
}

impl TryFrom<String> for NoticeNumber {
    type Error = NoticeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<NoticeNumber> for String {
    fn from(value: NoticeNumber) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(year: i32, sequence: u32) -> NoticeNumber {
        NoticeNumber::new(year, sequence).expect("valid number")
    }

    #[test]
    fn formats_ascii_and_chinese_and_parses_both() {
        let number = n(2026, 3);
        assert_eq!(number.to_string(), "2026-0003");
        assert_eq!(number.to_chinese(), "整改〔2026〕第0003号");
        assert_eq!("2026-0003".parse(), Ok(number));
        assert_eq!("整改〔2026〕第0003号".parse(), Ok(number));
        assert_eq!(
            serde_json::to_string(&number).expect("serialize"),
            "\"2026-0003\""
        );
    }

    #[test]
    fn refuses_malformed_numbers() {
        for bad in [
            "",
            "2026-3",
            "2026-00003",
            "26-0003",
            "2026_0003",
            "2026-000a",
            "整改〔2026〕0003号",
            "整改(2026)第0003号",
            "整改〔2026〕第0003",
            "+026-0003",
        ] {
            let err = bad.parse::<NoticeNumber>().expect_err(bad);
            assert!(err.to_string().starts_with("notice: "), "{err}");
        }
        assert_eq!(
            "2026-0000".parse::<NoticeNumber>(),
            Err(NoticeError::Sequence { max: 9999, got: 0 })
        );
        assert!(matches!(
            "1999-0001".parse::<NoticeNumber>(),
            Err(NoticeError::Year { got: 1999, .. })
        ));
    }

    #[test]
    fn next_counts_up_within_a_year_and_restarts_each_year() {
        assert_eq!(NoticeNumber::next(None, 2026), Ok(n(2026, 1)));
        assert_eq!(NoticeNumber::next(Some(n(2026, 1)), 2026), Ok(n(2026, 2)));
        assert_eq!(NoticeNumber::next(Some(n(2026, 41)), 2027), Ok(n(2027, 1)));
        assert_eq!(
            NoticeNumber::next(Some(n(2026, 9999)), 2026),
            Err(NoticeError::Exhausted {
                year: 2026,
                max: 9999
            })
        );
        let err = NoticeNumber::next(Some(n(2027, 2)), 2026).expect_err("back in time");
        assert_eq!(
            err.to_string(),
            "notice: the previous number 2027-0002 is from a later year than 2026"
        );
    }

    proptest! {
        #[test]
        fn both_forms_round_trip(year in 2000i32..=9999, sequence in 1u32..=9999) {
            let number = n(year, sequence);
            prop_assert_eq!(number.to_string().parse::<NoticeNumber>(), Ok(number));
            prop_assert_eq!(number.to_chinese().parse::<NoticeNumber>(), Ok(number));
        }

        #[test]
        fn next_is_always_greater(year in 2000i32..=9998, sequence in 1u32..=9999, later in 0i32..=1) {
            let previous = n(year, sequence);
            if let Ok(next) = NoticeNumber::next(Some(previous), year + later) {
                prop_assert!(next > previous);
            } else {
                prop_assert!(later == 0 && sequence == 9999);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(raw in "\\PC{0,20}") {
            let _ = raw.parse::<NoticeNumber>();
        }
    }
}
