//! The schedule of a plan: a cron expression as tokio-cron-scheduler reads it.
//!
//! Six or seven fields separated by blanks, seconds first:
//! `sec min hour day-of-month month day-of-week [year]`, for example
//! `0 0 8 1 1,4,7,10 *` (08:00:00 on the first day of each quarter). Each field is a
//! comma-separated list of items; an item is `*`, a value, a range `a-b`, or `*`, a
//! value or `a-b` followed by a step `/n`. Months may be named
//! `JAN`–`DEC` and days of the week `SUN`–`SAT` (case-insensitive); day of week runs
//! `0`–`7` with both `0` and `7` meaning Sunday. `?` is accepted in the two day
//! fields; the day-of-month field also accepts `L` (last day) and `nW` (nearest
//! weekday), the day-of-week field `nL` (last such weekday) and `n#k` (k-th such
//! weekday, k 1–5). A year may follow.
//!
//! The check is croner's, the parser the job runner fires with, made when a plan is
//! saved, so a bad expression is refused then and not when it would fire.

use croner::parser::{CronParser, Seconds};
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
    /// Every field reads, but together they are refused.
    #[error("schedule: {0}")]
    Never(String),
}

/// The fields' names, in order, as the errors give them.
const FIELDS: [&str; 7] = [
    "seconds",
    "minutes",
    "hours",
    "day-of-month",
    "month",
    "day-of-week",
    "year",
];

/// The parser the job runner fires schedules with: seconds first, an optional year, and
/// a day matching when either day field does (as Vixie cron).
pub(crate) fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
}

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
        // croner's errors do not say which field is wrong: each field is tried alone
        // first, every other field `*`, so that the error can name it.
        for (index, (field, name)) in fields.iter().zip(FIELDS).enumerate() {
            let mut probe = vec!["*"; fields.len()];
            probe[index] = field;
            parser()
                .parse(&probe.join(" "))
                .map_err(|err| CronError::Field {
                    field: name,
                    item: (*field).to_owned(),
                    problem: problem(&err),
                })?;
        }
        let joined = fields.join(" ");
        parser()
            .parse(&joined)
            .map_err(|err| CronError::Never(problem(&err)))?;
        Ok(Self(joined))
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

/// croner's message without its own prefix ("Component error: ").
fn problem(err: &croner::errors::CronError) -> String {
    let text = err.to_string();
    match text.split_once(": ") {
        Some((_, rest)) => rest.to_owned(),
        None => text,
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
            // croner reads `a/n` as from a every n.
            "1/10 0 8 1 * *",
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
            ("0 */0 8 1 * *", "minutes"),
            ("0 5-1 8 1 * *", "minutes"),
            ("0 0 8 ? * SAT-MON", "day-of-week"),
            ("? 0 8 1 * *", "seconds"),
            ("0 0 8 -1 * *", "day-of-month"),
            ("0 0 8 LW * *", "day-of-month"),
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
