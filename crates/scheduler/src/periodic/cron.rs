//! The schedule of a plan: a cron expression as tokio-cron-scheduler reads it.
//!
//! Six or seven fields separated by blanks, seconds first:
//! `sec min hour day-of-month month day-of-week [year]`, for example
//! `0 0 8 1 1,4,7,10 *` (08:00:00 on the first day of each quarter). Each field is a
//! comma-separated list of items; an item is `*`, a value, a range `a-b`, or `*` or
//! `a-b` followed by a step `/n` (`5/10` is refused: croner, which tokio-cron-scheduler
//! parses with, accepts it only in its "sloppy ranges" mode). Months may be named
//! `JAN`–`DEC` and days of the week `SUN`–`SAT` (case-insensitive); day of week runs
//! `0`–`7` with both `0` and `7` meaning Sunday. `?` is accepted in the two day
//! fields; the day-of-month field also accepts `L` (last day) and `nW` (nearest
//! weekday), the day-of-week field `nL` (last such weekday) and `n#k` (k-th such
//! weekday, k 1–5). Years run 1970–2099.
//!
//! This is a syntax and range check made when a plan is saved, so a bad expression is
//! refused then and not when it would fire; computing fire times is the job runner's
//! business.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a cron expression was refused. Every message starts with `schedule:`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error(
        "schedule: expected 6 or 7 fields (sec min hour day-of-month month day-of-week [year]), got {0}"
    )]
    FieldCount(usize),
    #[error("schedule: {field} field: {problem} in {item:?}")]
    Field {
        field: &'static str,
        item: String,
        problem: String,
    },
}

#[derive(Clone, Copy)]
struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// The offset of `names[0]`.
    names_from: u32,
    question: bool,
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: [FieldSpec; 7] = [
    FieldSpec {
        name: "seconds",
        min: 0,
        max: 59,
        names: &[],
        names_from: 0,
        question: false,
    },
    FieldSpec {
        name: "minutes",
        min: 0,
        max: 59,
        names: &[],
        names_from: 0,
        question: false,
    },
    FieldSpec {
        name: "hours",
        min: 0,
        max: 23,
        names: &[],
        names_from: 0,
        question: false,
    },
    FieldSpec {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
        names_from: 0,
        question: true,
    },
    FieldSpec {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
        names_from: 1,
        question: false,
    },
    FieldSpec {
        name: "day-of-week",
        min: 0,
        max: 7,
        names: DAYS,
        names_from: 0,
        question: true,
    },
    FieldSpec {
        name: "year",
        min: 1970,
        max: 2099,
        names: &[],
        names_from: 0,
        question: false,
    },
];

const DOM: usize = 3;
const DOW: usize = 5;

/// A cron expression that passed [`CronSchedule::parse`]; kept as written (blanks
/// collapsed to single spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CronSchedule(String);

impl CronSchedule {
    pub fn parse(raw: &str) -> Result<Self, CronError> {
        let fields: Vec<&str> = raw.split_whitespace().collect();
        if !(6..=7).contains(&fields.len()) {
            return Err(CronError::FieldCount(fields.len()));
        }
        for (index, (field, spec)) in fields.iter().zip(FIELDS).enumerate() {
            for item in field.split(',') {
                check_item(item, spec, index).map_err(|problem| CronError::Field {
                    field: spec.name,
                    item: item.to_owned(),
                    problem,
                })?;
            }
        }
        Ok(Self(fields.join(" ")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CronSchedule {
    type Error = CronError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CronSchedule> for String {
    fn from(value: CronSchedule) -> Self {
        value.0
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn value(raw: &str, spec: FieldSpec) -> Result<u32, String> {
    if raw.is_empty() {
        return Err("a value is missing".to_owned());
    }
    let upper = raw.to_ascii_uppercase();
    if let Some(i) = spec.names.iter().position(|n| *n == upper) {
        return Ok(spec.names_from + u32::try_from(i).unwrap_or(u32::MAX));
    }
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{raw:?} is not a number"));
    }
    let v: u32 = raw
        .parse()
        .map_err(|_| format!("{raw:?} is not a number"))?;
    if !(spec.min..=spec.max).contains(&v) {
        return Err(format!("{v} is outside {}-{}", spec.min, spec.max));
    }
    Ok(v)
}

fn check_item(item: &str, spec: FieldSpec, index: usize) -> Result<(), String> {
    if item.is_empty() {
        return Err("an empty list item".to_owned());
    }
    if item == "*" || (spec.question && item == "?") {
        return Ok(());
    }
    if index == DOM {
        if item == "L" {
            return Ok(());
        }
        if let Some(day) = item.strip_suffix('W') {
            return value(day, spec).map(drop);
        }
    }
    if index == DOW {
        if let Some((day, nth)) = item.split_once('#') {
            value(day, spec)?;
            return match nth.parse::<u32>() {
                Ok(1..=5) if nth.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
                _ => Err(format!("#{nth} must be #1 to #5")),
            };
        }
        if let Some(day) = item.strip_suffix('L')
            && !day.is_empty()
        {
            return value(day, spec).map(drop);
        }
    }
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (item, None),
    };
    if let Some(step) = step {
        match step.parse::<u32>() {
            Ok(s) if s >= 1 && step.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => {
                return Err(format!(
                    "step {step:?} must be a whole number of at least 1"
                ));
            }
        }
    }
    if range == "*" {
        return Ok(());
    }
    if step.is_some() && !range.contains('-') {
        // croner refuses `5/10` unless built with "sloppy ranges".
        return Err("a step needs `*` or a range before it (`*/n` or `a-b/n`)".to_owned());
    }
    match range.split_once('-') {
        Some((a, b)) => {
            // As in croner, a range ending on SUN ends on 7 (MON-SUN is every day).
            let b = if index == DOW && b.eq_ignore_ascii_case("SUN") {
                "7"
            } else {
                b
            };
            let (a, b) = (value(a, spec)?, value(b, spec)?);
            if a > b {
                return Err(format!("range {a}-{b} runs backwards"));
            }
            Ok(())
        }
        None => value(range, spec).map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_six_and_seven_field_expressions() {
        for ok in [
            "0 0 8 1 1,4,7,10 *",
            "*/5 * * * * *",
            "0 30 9 * * MON-FRI",
            "0 30 9 * * mon-sun",
            "0 0 0 L * ?",
            "0 0 0 15W * ?",
            "0 0 9 ? * 2#1",
            "0 0 9 ? * 5L",
            "0 0 9 1 jan,Jul * 2027",
            "0 0 9 1-15/2 * 0,7",
            "0 0 0 1 1 * 2026-2030/2",
        ] {
            let parsed = CronSchedule::parse(ok);
            assert!(parsed.is_ok(), "{ok}: {parsed:?}");
        }
        assert_eq!(
            CronSchedule::parse("  0  0 8 1 *   *")
                .expect("valid")
                .as_str(),
            "0 0 8 1 * *"
        );
    }

    #[test]
    fn a_five_field_expression_is_refused_naming_schedule() {
        let err = CronSchedule::parse("0 8 1 * *").expect_err("five fields");
        assert_eq!(err, CronError::FieldCount(5));
        assert!(
            err.to_string()
                .starts_with("schedule: expected 6 or 7 fields")
        );
        assert_eq!(
            CronSchedule::parse("").expect_err("empty"),
            CronError::FieldCount(0)
        );
        assert!(CronSchedule::parse("@daily").is_err());
        assert!(CronSchedule::parse("0 0 0 1 1 * 2026 x").is_err());
    }

    #[test]
    fn bad_fields_are_named() {
        let cases = [
            ("60 0 8 1 * *", "seconds"),
            ("0 0 24 1 * *", "hours"),
            ("0 0 8 0 * *", "day-of-month"),
            ("0 0 8 32 * *", "day-of-month"),
            ("0 0 8 1 13 *", "month"),
            ("0 0 8 1 FOO *", "month"),
            ("0 0 8 1 * 8", "day-of-week"),
            ("0 0 8 1 * 1#6", "day-of-week"),
            ("0 0 8 1 * * 1969", "year"),
            ("0 */0 8 1 * *", "minutes"),
            ("1/10 0 8 1 * *", "seconds"),
            ("0 5-1 8 1 * *", "minutes"),
            ("0 0 8 ? * SAT-MON", "day-of-week"),
            ("0 1,,2 8 1 * *", "minutes"),
            ("? 0 8 1 * *", "seconds"),
            ("0 0 8 -1 * *", "day-of-month"),
            ("0 0 8 LW * *", "day-of-month"),
            ("0 0 8 1 * L", "day-of-week"),
        ];
        for (raw, field) in cases {
            let err = CronSchedule::parse(raw).expect_err(raw);
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("schedule: {field} field:")),
                "{raw}: {text}"
            );
        }
    }

    #[test]
    fn serde_refuses_a_bad_expression() {
        let ok: CronSchedule = serde_json::from_str("\"0 0 8 * * *\"").expect("valid");
        assert_eq!(ok.to_string(), "0 0 8 * * *");
        assert!(serde_json::from_str::<CronSchedule>("\"0 8 * * *\"").is_err());
    }
}
