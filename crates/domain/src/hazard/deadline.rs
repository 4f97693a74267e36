//! Rectification deadlines (整改时限) and the re-inspection window of major hazards.

use super::vocab::{HazardError, Severity};
use crate::calendar::WorkCalendar;
use crate::dates::DateRange;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// How long an enterprise has to fix a hazard, and how soon a major hazard's
/// rectification is re-inspected.
///
/// Deadlines count **calendar days** from the visit day, as rectification notices
/// state them ("限期30日内整改"): the enterprise works on its own plant through weekends
/// and holidays, and a notice must say one date that anyone can count to. The
/// re-inspection window counts **working days**, because it is the agencies' time:
/// it runs from the day the rectification is submitted to the
/// `follow_up_working_days`-th working day after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawDeadlinePolicy", into = "RawDeadlinePolicy")]
pub struct DeadlinePolicy {
    general_days: u32,
    major_days: u32,
    follow_up_working_days: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawDeadlinePolicy {
    general_days: i64,
    major_days: i64,
    follow_up_working_days: i64,
}

impl Default for RawDeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy::default().into()
    }
}

impl TryFrom<RawDeadlinePolicy> for DeadlinePolicy {
    type Error = HazardError;
    fn try_from(raw: RawDeadlinePolicy) -> Result<Self, Self::Error> {
        Self::new(raw.general_days, raw.major_days, raw.follow_up_working_days)
    }
}

impl From<DeadlinePolicy> for RawDeadlinePolicy {
    fn from(p: DeadlinePolicy) -> Self {
        Self {
            general_days: p.general_days.into(),
            major_days: p.major_days.into(),
            follow_up_working_days: p.follow_up_working_days.into(),
        }
    }
}

impl Default for DeadlinePolicy {
    /// General hazards: 30 days; major hazards: 90 days; re-inspection within
    /// 10 working days of the submitted rectification.
    fn default() -> Self {
        Self {
            general_days: Self::DEFAULT_GENERAL_DAYS,
            major_days: Self::DEFAULT_MAJOR_DAYS,
            follow_up_working_days: Self::DEFAULT_FOLLOW_UP_WORKING_DAYS,
        }
    }
}

fn bounded(field: &'static str, min: u32, max: u32, got: i64) -> Result<u32, HazardError> {
    u32::try_from(got)
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or(HazardError::Policy {
            field,
            min,
            max,
            got,
        })
}

impl DeadlinePolicy {
    pub const DEFAULT_GENERAL_DAYS: u32 = 30;
    pub const DEFAULT_MAJOR_DAYS: u32 = 90;
    pub const DEFAULT_FOLLOW_UP_WORKING_DAYS: u32 = 10;
    /// The longest default deadline: one year.
    pub const MAX_DAYS: u32 = 366;
    /// The longest re-inspection window: about a quarter of working days.
    pub const MAX_FOLLOW_UP_WORKING_DAYS: u32 = 60;

    /// Each count of days at least 1; deadlines at most [`Self::MAX_DAYS`], the
    /// re-inspection window at most [`Self::MAX_FOLLOW_UP_WORKING_DAYS`].
    pub fn new(
        general_days: i64,
        major_days: i64,
        follow_up_working_days: i64,
    ) -> Result<Self, HazardError> {
        Ok(Self {
            general_days: bounded("general_days", 1, Self::MAX_DAYS, general_days)?,
            major_days: bounded("major_days", 1, Self::MAX_DAYS, major_days)?,
            follow_up_working_days: bounded(
                "follow_up_working_days",
                1,
                Self::MAX_FOLLOW_UP_WORKING_DAYS,
                follow_up_working_days,
            )?,
        })
    }

    pub fn general_days(&self) -> u32 {
        self.general_days
    }

    pub fn major_days(&self) -> u32 {
        self.major_days
    }

    pub fn follow_up_working_days(&self) -> u32 {
        self.follow_up_working_days
    }

    /// The calendar days a hazard of `severity` gets.
    pub fn days_for(&self, severity: Severity) -> u32 {
        match severity {
            Severity::General => self.general_days,
            Severity::Major => self.major_days,
        }
    }

    /// The default deadline of a hazard of `severity` found on `visit_day`.
    pub fn default_deadline(&self, severity: Severity, visit_day: NaiveDate) -> NaiveDate {
        visit_day
            .checked_add_days(Days::new(self.days_for(severity).into()))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The deadline of a new hazard: the one given, which must not be before the
    /// visit day (the visit day itself means "fix at once", 立即整改), or the default.
    pub fn deadline(
        &self,
        severity: Severity,
        visit_day: NaiveDate,
        given: Option<NaiveDate>,
    ) -> Result<NaiveDate, HazardError> {
        match given {
            Some(deadline) if deadline < visit_day => Err(HazardError::DeadlineBeforeVisit {
                deadline,
                visit_day,
            }),
            Some(deadline) => Ok(deadline),
            None => Ok(self.default_deadline(severity, visit_day)),
        }
    }

    /// The window of the re-inspection of a rectification submitted on `submitted`:
    /// from that day to the `follow_up_working_days`-th working day after it.
    pub fn follow_up_window(&self, submitted: NaiveDate, calendar: &WorkCalendar) -> DateRange {
        let latest = calendar.add_working_days(submitted, self.follow_up_working_days);
        DateRange::new(submitted, latest).unwrap_or(DateRange::day(submitted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hazard::vocab::tests::day;
    use proptest::prelude::*;

    #[test]
    fn defaults_are_30_and_90_calendar_days() {
        let policy = DeadlinePolicy::default();
        assert_eq!(
            policy.default_deadline(Severity::General, day("2026-03-04")),
            day("2026-04-03")
        );
        assert_eq!(
            policy.default_deadline(Severity::Major, day("2026-03-04")),
            day("2026-06-02")
        );
        assert_eq!(
            policy.deadline(Severity::Major, day("2026-03-04"), None),
            Ok(day("2026-06-02"))
        );
    }

    #[test]
    fn a_given_deadline_is_never_before_the_visit_day() {
        let policy = DeadlinePolicy::default();
        assert_eq!(
            policy.deadline(
                Severity::General,
                day("2026-03-04"),
                Some(day("2026-03-04"))
            ),
            Ok(day("2026-03-04"))
        );
        let err = policy
            .deadline(
                Severity::General,
                day("2026-03-04"),
                Some(day("2026-03-03")),
            )
            .expect_err("before the visit");
        assert_eq!(
            err.to_string(),
            "deadline: 2026-03-03 is before the visit day 2026-03-04"
        );
    }

    #[test]
    fn policy_refuses_zero_and_huge_counts_and_reads_partial_config() {
        assert!(DeadlinePolicy::new(7, 60, 5).is_ok());
        let err = DeadlinePolicy::new(0, 60, 5).expect_err("zero");
        assert_eq!(
            err.to_string(),
            "general_days: must be between 1 and 366, got 0"
        );
        assert!(matches!(
            DeadlinePolicy::new(7, 367, 5),
            Err(HazardError::Policy {
                field: "major_days",
                ..
            })
        ));
        assert!(matches!(
            DeadlinePolicy::new(7, 60, -1),
            Err(HazardError::Policy {
                field: "follow_up_working_days",
                ..
            })
        ));
        let policy: DeadlinePolicy =
            serde_json::from_str(r#"{"major_days": 60}"#).expect("partial config");
        assert_eq!(policy.major_days(), 60);
        assert_eq!(policy.general_days(), 30);
        assert_eq!(policy.follow_up_working_days(), 10);
        assert!(serde_json::from_str::<DeadlinePolicy>(r#"{"major_days": 0}"#).is_err());
        assert!(serde_json::from_str::<DeadlinePolicy>(r#"{"minor_days": 3}"#).is_err());
    }

    #[test]
    fn follow_up_window_counts_working_days_over_holidays() {
        let policy = DeadlinePolicy::default();
        let calendar = WorkCalendar::shipped();
        // Submitted on Friday 2026-09-25: National Day holidays (Oct 1-7) are skipped.
        let window = policy.follow_up_window(day("2026-09-25"), &calendar);
        assert_eq!(window.start(), day("2026-09-25"));
        let working = calendar.working_days(window).count();
        // The submission day itself plus ten more working days.
        assert_eq!(working, 11);
        assert!(window.end() > day("2026-10-08"));
        // A plain week without holidays.
        let plain = WorkCalendar::from_lists([], []);
        let window = policy.follow_up_window(day("2026-03-02"), &plain);
        assert_eq!(window.end(), day("2026-03-16"));
    }

    proptest! {
        #[test]
        fn default_deadline_is_never_before_the_visit(
            general in 1i64..=366, major in 1i64..=366, offset in 0u64..20_000,
            severity in prop::sample::select(Severity::ALL),
        ) {
            let policy = DeadlinePolicy::new(general, major, 10).expect("valid policy");
            let visit_day = day("2000-01-01") + Days::new(offset);
            let deadline = policy.deadline(severity, visit_day, None).expect("default");
            prop_assert!(deadline > visit_day);
        }
    }
}
