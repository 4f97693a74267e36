//! Which enterprises a plan's tick targets.

use super::plan::{InspectionPlan, PlanKind};
use super::risk::enterprise_tier;
use chrono::NaiveDate;
use onevisit_domain::{CreditCode, Enterprise};
use std::collections::BTreeMap;

/// What the selection needs to know of an enterprise's past.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnterpriseHistory {
    /// The day of its last completed inspection, if any.
    pub last_inspected: Option<NaiveDate>,
    /// Its hazards past their rectification deadline and not closed.
    pub overdue_hazards: u32,
}

/// The past of the enterprises; one that is not listed was never inspected and has no
/// overdue hazard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InspectionHistory(BTreeMap<CreditCode, EnterpriseHistory>);

impl InspectionHistory {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, enterprise: CreditCode, history: EnterpriseHistory) {
        self.0.insert(enterprise, history);
    }

    pub fn get(&self, enterprise: &CreditCode) -> EnterpriseHistory {
        self.0.get(enterprise).copied().unwrap_or_default()
    }
}

impl FromIterator<(CreditCode, EnterpriseHistory)> for InspectionHistory {
    fn from_iter<I: IntoIterator<Item = (CreditCode, EnterpriseHistory)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Why targets were not selected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error(
        "kind: a random plan's targets are drawn from a published seed with draw_targets, not selected"
    )]
    RandomPlan,
}

/// The enterprises of `pool` a plan may target on `date`: those passing the plan's
/// filter (statuses as [`super::PoolFilter::effective_statuses`] gives them) and,
/// for a risk-based plan, due under their frequency tier. Sorted by credit code, each
/// once. This is the pool a random plan draws from.
pub fn candidate_pool(
    plan: &InspectionPlan,
    pool: &[Enterprise],
    history: &InspectionHistory,
    date: NaiveDate,
) -> Vec<CreditCode> {
    let filter = plan.pool();
    let mut out: Vec<CreditCode> = pool
        .iter()
        .filter(|e| filter.matches(plan.kind(), e))
        .filter(|e| {
            if !filter.risk_based {
                return true;
            }
            let h = history.get(&e.credit_code);
            enterprise_tier(e, h.overdue_hazards).is_due(h.last_inspected, date)
        })
        .map(|e| e.credit_code.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The targets of a routine or look-back plan's tick on `date`.
///
/// Every candidate (see [`candidate_pool`]) when the plan draws all; otherwise the
/// plan's count or share of them, most overdue first: never-inspected enterprises,
/// then by the oldest last inspection, ties by credit code. The result is in that
/// order. A look-back plan only ever targets closed and relocated enterprises.
/// A random plan is refused: its targets come from [`super::draw_targets`].
pub fn select_targets(
    plan: &InspectionPlan,
    pool: &[Enterprise],
    history: &InspectionHistory,
    date: NaiveDate,
) -> Result<Vec<CreditCode>, SelectError> {
    if plan.kind() == PlanKind::Random {
        return Err(SelectError::RandomPlan);
    }
    let mut candidates = candidate_pool(plan, pool, history, date);
    let n = plan.draw().resolve(candidates.len());
    // `None` sorts before `Some`: never inspected first. The sort is stable, and the
    // candidates are already sorted by credit code, which breaks ties.
    candidates.sort_by_key(|c| history.get(c).last_inspected);
    candidates.truncate(n);
    Ok(candidates)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::periodic::plan::{DrawSize, ParkFilter, Participation, PlanInput, PoolFilter};
    use onevisit_domain::{
        AgencyCode, EnterpriseInput, EnterpriseStatus, Name, RiskMarkers, Sector, TeamSize,
    };

    /// A valid credit code made from a number (so tests get as many as they like).
    pub(crate) fn code(n: u32) -> CreditCode {
        let body = format!("91320800{n:09}");
        let check = CreditCode::check_character(&body).expect("17 valid characters");
        CreditCode::parse(&format!("{body}{check}")).expect("valid code")
    }

    pub(crate) fn enterprise(
        n: u32,
        sector: &str,
        district: &str,
        park: bool,
        risk: RiskMarkers,
        status: &str,
    ) -> Enterprise {
        let code = code(n);
        Enterprise::parse(EnterpriseInput {
            credit_code: code.as_str(),
            name: "淮安测试企业",
            sector,
            district,
            in_chemical_park: park,
            risk,
            status,
            burden_cap: None,
            quiet_periods: Vec::new(),
        })
        .expect("valid enterprise")
    }

    pub(crate) fn plan(kind: PlanKind, pool: PoolFilter, draw: DrawSize) -> InspectionPlan {
        InspectionPlan::new(PlanInput {
            name: "test plan".to_owned(),
            schedule: "0 0 8 * * MON".to_owned(),
            kind,
            pool,
            draw,
            agencies: vec![
                Participation {
                    agency: AgencyCode::parse("fire").expect("code"),
                    team_size: TeamSize::new(2).expect("size"),
                },
                Participation {
                    agency: AgencyCode::parse("ecology").expect("code"),
                    team_size: TeamSize::new(1).expect("size"),
                },
            ],
            window_working_days: 10,
            announced: true,
        })
        .expect("valid plan")
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    const MAJOR: RiskMarkers = RiskMarkers {
        key_process: false,
        key_chemical: false,
        major_hazard_source: true,
    };

    fn sample() -> Vec<Enterprise> {
        vec![
            enterprise(1, "chemical", "清江浦区", true, MAJOR, "operating"),
            enterprise(
                2,
                "chemical",
                "淮安区",
                false,
                RiskMarkers::default(),
                "operating",
            ),
            enterprise(
                3,
                "other",
                "清江浦区",
                false,
                RiskMarkers::default(),
                "operating",
            ),
            enterprise(4, "chemical", "清江浦区", true, MAJOR, "closed"),
            enterprise(
                5,
                "ship_repair",
                "淮阴区",
                false,
                RiskMarkers::default(),
                "relocated",
            ),
            enterprise(
                6,
                "chemical",
                "淮安区",
                true,
                RiskMarkers::default(),
                "suspended",
            ),
        ]
    }

    #[test]
    fn look_back_targets_only_closed_and_relocated() {
        let p = plan(PlanKind::LookBack, PoolFilter::default(), DrawSize::All);
        let got = select_targets(&p, &sample(), &InspectionHistory::new(), d("2026-03-02"))
            .expect("not random");
        assert_eq!(got, vec![code(4), code(5)]);
        let only_closed = plan(
            PlanKind::LookBack,
            PoolFilter {
                statuses: [EnterpriseStatus::Closed].into_iter().collect(),
                ..PoolFilter::default()
            },
            DrawSize::All,
        );
        let got = select_targets(
            &only_closed,
            &sample(),
            &InspectionHistory::new(),
            d("2026-03-02"),
        )
        .expect("not random");
        assert_eq!(got, vec![code(4)]);
    }

    #[test]
    fn routine_targets_operating_by_default_and_filters_apply() {
        let history = InspectionHistory::new();
        let day = d("2026-03-02");
        let all = plan(PlanKind::Routine, PoolFilter::default(), DrawSize::All);
        assert_eq!(
            select_targets(&all, &sample(), &history, day).expect("routine"),
            vec![code(1), code(2), code(3)]
        );
        let chemical_in_park = plan(
            PlanKind::Routine,
            PoolFilter {
                sectors: [Sector::Chemical].into_iter().collect(),
                chemical_park: ParkFilter::Inside,
                statuses: [EnterpriseStatus::Operating, EnterpriseStatus::Suspended]
                    .into_iter()
                    .collect(),
                ..PoolFilter::default()
            },
            DrawSize::All,
        );
        assert_eq!(
            select_targets(&chemical_in_park, &sample(), &history, day).expect("routine"),
            vec![code(1), code(6)]
        );
        let district = plan(
            PlanKind::Routine,
            PoolFilter {
                districts: [Name::parse("清江浦区").expect("name")]
                    .into_iter()
                    .collect(),
                chemical_park: ParkFilter::Outside,
                ..PoolFilter::default()
            },
            DrawSize::All,
        );
        assert_eq!(
            select_targets(&district, &sample(), &history, day).expect("routine"),
            vec![code(3)]
        );
        let major = plan(
            PlanKind::Routine,
            PoolFilter {
                required_risk: MAJOR,
                ..PoolFilter::default()
            },
            DrawSize::All,
        );
        assert_eq!(
            select_targets(&major, &sample(), &history, day).expect("routine"),
            vec![code(1)]
        );
    }

    #[test]
    fn risk_based_plans_take_only_the_due() {
        let day = d("2026-07-01");
        let history: InspectionHistory = [
            // Major hazard source, quarterly: inspected 2026-04-15, due from 07-15.
            (
                code(1),
                EnterpriseHistory {
                    last_inspected: Some(d("2026-04-15")),
                    overdue_hazards: 0,
                },
            ),
            // Chemical, half-yearly: inspected 2026-02-01, but an overdue hazard makes
            // it quarterly: due from 05-01.
            (
                code(2),
                EnterpriseHistory {
                    last_inspected: Some(d("2026-02-01")),
                    overdue_hazards: 1,
                },
            ),
            // Other, yearly: inspected 2026-01-10, due from 2027-01-10.
            (
                code(3),
                EnterpriseHistory {
                    last_inspected: Some(d("2026-01-10")),
                    overdue_hazards: 0,
                },
            ),
        ]
        .into_iter()
        .collect();
        let p = plan(
            PlanKind::Routine,
            PoolFilter {
                risk_based: true,
                ..PoolFilter::default()
            },
            DrawSize::All,
        );
        assert_eq!(
            select_targets(&p, &sample(), &history, day).expect("routine"),
            vec![code(2)]
        );
        assert_eq!(
            select_targets(&p, &sample(), &history, d("2026-07-15")).expect("routine"),
            vec![code(2), code(1)],
            "most overdue (oldest last inspection) first"
        );
        // Never inspected: due at once.
        assert_eq!(
            select_targets(&p, &sample(), &InspectionHistory::new(), day).expect("routine"),
            vec![code(1), code(2), code(3)]
        );
    }

    #[test]
    fn a_count_takes_the_most_overdue_first() {
        let history: InspectionHistory = [
            (
                code(1),
                EnterpriseHistory {
                    last_inspected: Some(d("2026-01-10")),
                    overdue_hazards: 0,
                },
            ),
            (
                code(2),
                EnterpriseHistory {
                    last_inspected: Some(d("2025-11-10")),
                    overdue_hazards: 0,
                },
            ),
        ]
        .into_iter()
        .collect();
        let p = plan(PlanKind::Routine, PoolFilter::default(), DrawSize::Count(2));
        assert_eq!(
            select_targets(&p, &sample(), &history, d("2026-03-02")).expect("routine"),
            vec![code(3), code(2)]
        );
        let share = plan(
            PlanKind::Routine,
            PoolFilter::default(),
            DrawSize::Share(50),
        );
        assert_eq!(
            select_targets(&share, &sample(), &history, d("2026-03-02")).expect("routine"),
            vec![code(3), code(2)]
        );
    }

    #[test]
    fn a_random_plan_is_not_selected() {
        let p = plan(PlanKind::Random, PoolFilter::default(), DrawSize::Count(1));
        assert_eq!(
            select_targets(&p, &sample(), &InspectionHistory::new(), d("2026-03-02")),
            Err(SelectError::RandomPlan)
        );
        assert_eq!(
            candidate_pool(&p, &sample(), &InspectionHistory::new(), d("2026-03-02")),
            vec![code(1), code(2), code(3)]
        );
    }
}
