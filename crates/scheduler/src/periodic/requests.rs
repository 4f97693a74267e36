//! Requests made by a plan's tick, and urgent requests made from tip-offs.

use super::plan::{InspectionPlan, PlanKind};
use chrono::NaiveDate;
use onevisit_domain::{
    AgencyCode, CreditCode, DateRange, InspectionRequest, RequestKind, TeamSize, WorkCalendar,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The working days after the earliest day that an urgent (tip-off) request gets.
pub const URGENT_WINDOW_WORKING_DAYS: u32 = 5;

/// A request to be made: one agency, one enterprise, a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSpec {
    pub agency: AgencyCode,
    pub enterprise: CreditCode,
    /// From the earliest to the latest day, both inclusive.
    pub window: DateRange,
    pub team_size: TeamSize,
    pub kind: RequestKind,
    /// Whether the enterprise is told of the visit beforehand.
    pub announced: bool,
    /// The kind of plan that made it; `None` for a tip-off's urgent request.
    pub plan_kind: Option<PlanKind>,
}

impl RequestSpec {
    /// The domain request (without topics).
    pub fn to_request(&self) -> InspectionRequest {
        InspectionRequest {
            agency: self.agency.clone(),
            enterprise: self.enterprise.clone(),
            window: self.window,
            team_size: self.team_size,
            kind: self.kind,
            topics: Vec::new(),
        }
    }
}

/// The window that starts on the first working day on or after `from` (the earliest
/// day) and ends `working_days` working days after it (the latest day), by `calendar`.
/// Five working days from Monday 2 March 2026 run to Monday 9 March.
pub fn plan_window(from: NaiveDate, working_days: u32, calendar: &WorkCalendar) -> DateRange {
    let earliest = calendar.add_working_days(from, 0);
    let latest = calendar.add_working_days(earliest, working_days);
    DateRange::new(earliest, latest).unwrap_or(DateRange::day(earliest))
}

/// The window of an urgent request made on `date`: [`plan_window`] of
/// [`URGENT_WINDOW_WORKING_DAYS`].
pub fn urgent_window(date: NaiveDate, calendar: &WorkCalendar) -> DateRange {
    plan_window(date, URGENT_WINDOW_WORKING_DAYS, calendar)
}

/// An urgent, unannounced request made from a tip-off on `date`.
pub fn urgent_request(
    agency: AgencyCode,
    enterprise: CreditCode,
    team_size: TeamSize,
    date: NaiveDate,
    calendar: &WorkCalendar,
) -> RequestSpec {
    RequestSpec {
        agency,
        enterprise,
        window: urgent_window(date, calendar),
        team_size,
        kind: RequestKind::Urgent,
        announced: false,
        plan_kind: None,
    }
}

/// The requests a plan's tick on `tick` makes for `targets`: one per target and
/// participating agency, target by target in the given order (a repeated target counts
/// once), agencies in the plan's order. Each is a routine request (look-back and random
/// inspections are routine for the planner) with the plan's team size and announced
/// flag and the window [`plan_window`]`(tick, plan.window_working_days())`.
pub fn requests_for_tick(
    plan: &InspectionPlan,
    targets: &[CreditCode],
    tick: NaiveDate,
    calendar: &WorkCalendar,
) -> Vec<RequestSpec> {
    let window = plan_window(tick, plan.window_working_days(), calendar);
    let mut seen = BTreeSet::new();
    targets
        .iter()
        .filter(|t| seen.insert(*t))
        .flat_map(|target| {
            plan.agencies().iter().map(move |p| RequestSpec {
                agency: p.agency.clone(),
                enterprise: target.clone(),
                window,
                team_size: p.team_size,
                kind: RequestKind::Routine,
                announced: plan.announced(),
                plan_kind: Some(plan.kind()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::periodic::plan::{DrawSize, PoolFilter};
    use crate::periodic::select::tests::{code, plan};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn range(a: &str, b: &str) -> DateRange {
        DateRange::new(d(a), d(b)).expect("range")
    }

    #[test]
    fn windows_count_working_days_by_the_calendar() {
        let cal = WorkCalendar::shipped();
        // Monday 2 March 2026 plus 5 working days: Monday 9 March.
        assert_eq!(
            urgent_window(d("2026-03-02"), &cal),
            range("2026-03-02", "2026-03-09")
        );
        // Saturday: starts on Monday.
        assert_eq!(
            urgent_window(d("2026-03-07"), &cal),
            range("2026-03-09", "2026-03-16")
        );
        // National Day (1-7 October 2026 off) is skipped and the make-up Saturday
        // 10 October counts: 8, 9, 10, 12, 13 October.
        assert_eq!(
            urgent_window(d("2026-09-30"), &cal),
            range("2026-09-30", "2026-10-13")
        );
    }

    #[test]
    fn urgent_requests_are_urgent_and_unannounced() {
        let cal = WorkCalendar::from_lists([], []);
        let r = urgent_request(
            AgencyCode::parse("emergency").expect("code"),
            code(9),
            TeamSize::new(3).expect("size"),
            d("2026-03-04"),
            &cal,
        );
        assert_eq!(r.kind, RequestKind::Urgent);
        assert!(!r.announced);
        assert_eq!(r.plan_kind, None);
        assert_eq!(r.window, range("2026-03-04", "2026-03-11"));
        assert!(r.to_request().kind.is_urgent());
    }

    #[test]
    fn a_tick_makes_one_request_per_target_and_agency() {
        let cal = WorkCalendar::from_lists([d("2026-03-05")], []);
        let p = plan(PlanKind::Routine, PoolFilter::default(), DrawSize::All);
        let specs = requests_for_tick(&p, &[code(2), code(1), code(2)], d("2026-03-02"), &cal);
        assert_eq!(specs.len(), 4);
        let pairs: Vec<_> = specs
            .iter()
            .map(|s| {
                (
                    s.enterprise.clone(),
                    s.agency.as_str().to_owned(),
                    s.team_size.get(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            vec![
                (code(2), "fire".to_owned(), 2),
                (code(2), "ecology".to_owned(), 1),
                (code(1), "fire".to_owned(), 2),
                (code(1), "ecology".to_owned(), 1),
            ]
        );
        // 10 working days after Monday 2 March, skipping the holiday on the 5th.
        let window = range("2026-03-02", "2026-03-17");
        for s in &specs {
            assert_eq!(s.window, window);
            assert_eq!(s.kind, RequestKind::Routine);
            assert!(s.announced);
            assert_eq!(s.plan_kind, Some(PlanKind::Routine));
        }
        assert!(requests_for_tick(&p, &[], d("2026-03-02"), &cal).is_empty());
    }
}
