//! Inspection plans: what the coordinating office sets so that requests are made on time.

use super::cron::{CronError, CronSchedule};
use onevisit_domain::{
    AgencyCode, Enterprise, EnterpriseStatus, Name, RiskMarkers, Sector, TeamSize, TextError,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What a plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// Every matching enterprise (or the most overdue of them, see [`DrawSize`]).
    Routine,
    /// Re-checks of closed and relocated enterprises (回头看).
    LookBack,
    /// Double-random (双随机): targets and inspectors drawn from a published seed.
    Random,
}

/// Whether the enterprise must be inside a chemical park.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParkFilter {
    #[default]
    Any,
    Inside,
    Outside,
}

/// Which enterprises a plan looks at. Every empty set means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoolFilter {
    pub sectors: BTreeSet<Sector>,
    pub districts: BTreeSet<Name>,
    pub chemical_park: ParkFilter,
    /// Every marker set here must be set on the enterprise; unset ones are not looked at.
    pub required_risk: RiskMarkers,
    /// Empty: operating enterprises for routine and random plans, closed and relocated
    /// ones for look-back plans. A look-back plan may name only closed and relocated.
    pub statuses: BTreeSet<EnterpriseStatus>,
    /// Only enterprises due under their risk-based frequency tier
    /// (see [`super::frequency_tier`]) on the tick date.
    pub risk_based: bool,
}

impl PoolFilter {
    /// The statuses this filter accepts for a plan of `kind`.
    pub fn effective_statuses(&self, kind: PlanKind) -> BTreeSet<EnterpriseStatus> {
        let look_back = [EnterpriseStatus::Closed, EnterpriseStatus::Relocated];
        match kind {
            PlanKind::LookBack if self.statuses.is_empty() => look_back.into_iter().collect(),
            PlanKind::LookBack => self
                .statuses
                .iter()
                .copied()
                .filter(|s| look_back.contains(s))
                .collect(),
            _ if self.statuses.is_empty() => [EnterpriseStatus::Operating].into_iter().collect(),
            _ => self.statuses.clone(),
        }
    }

    /// Whether `enterprise` passes this filter in a plan of `kind` (the risk-based due
    /// rule, which needs the inspection history, is applied by the selection).
    pub fn matches(&self, kind: PlanKind, enterprise: &Enterprise) -> bool {
        let risk = enterprise.risk;
        let wanted = self.required_risk;
        (self.sectors.is_empty() || self.sectors.contains(&enterprise.sector))
            && (self.districts.is_empty() || self.districts.contains(&enterprise.district))
            && match self.chemical_park {
                ParkFilter::Any => true,
                ParkFilter::Inside => enterprise.in_chemical_park,
                ParkFilter::Outside => !enterprise.in_chemical_park,
            }
            && (!wanted.key_process || risk.key_process)
            && (!wanted.key_chemical || risk.key_chemical)
            && (!wanted.major_hazard_source || risk.major_hazard_source)
            && self.effective_statuses(kind).contains(&enterprise.status)
    }
}

/// How many of the pool a plan takes at each tick.
///
/// Rounding rule for a share: **up**, `ceil(pool × percent / 100)`, so that a share of a
/// non-empty pool is never zero (10 % of 15 is 2, 1 % of 1 is 1, 100 % of n is n).
/// A count larger than the pool takes the whole pool; the plan's save-time check
/// ([`InspectionPlan::check_pool`]) refuses it against the pool of that moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawSize {
    All,
    /// At least 1.
    Count(u32),
    /// A percentage, 1 to 100.
    Share(u32),
}

impl DrawSize {
    /// How many to take from a pool of `pool` members: never more than `pool`.
    pub fn resolve(self, pool: usize) -> usize {
        match self {
            Self::All => pool,
            Self::Count(n) => usize::try_from(n).unwrap_or(usize::MAX).min(pool),
            Self::Share(percent) => {
                let percent = u128::from(percent.min(100));
                let taken = (pool as u128 * percent).div_ceil(100);
                usize::try_from(taken).unwrap_or(pool).min(pool)
            }
        }
    }

    fn check(self) -> Result<Self, PlanError> {
        match self {
            Self::Count(0) => Err(PlanError::Count),
            Self::Share(p) if !(1..=100).contains(&p) => Err(PlanError::Share(p)),
            ok => Ok(ok),
        }
    }
}

/// One agency taking part in a plan, with the team it sends.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Participation {
    pub agency: AgencyCode,
    pub team_size: TeamSize,
}

/// Why a plan was refused. Every message starts with the field it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("name: {0}")]
    Name(TextError),
    #[error(transparent)]
    Schedule(#[from] CronError),
    #[error("draw: a count must be at least 1")]
    Count,
    #[error("draw: a share must be between 1 and 100 percent, got {0}")]
    Share(u32),
    #[error("agencies: at least one agency must take part")]
    NoAgencies,
    #[error("agencies[{index}]: {agency} is listed twice")]
    DuplicateAgency { index: usize, agency: AgencyCode },
    #[error("window_working_days: must be between 1 and {max}, got {got}")]
    Window { max: u32, got: i64 },
    #[error(
        "pool.statuses: a look-back plan targets closed and relocated enterprises only, not {0}"
    )]
    LookBackStatus(EnterpriseStatus),
}

/// Why a plan does not fit the pool it would draw from today.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("pool: no enterprise matches the plan's filter")]
    Empty,
    #[error("draw: a count of {count} is larger than the pool of {pool} enterprises")]
    CountAbovePool { count: u32, pool: usize },
}

/// The raw fields of a plan, as a form or a stored row gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    pub name: String,
    pub schedule: String,
    pub kind: PlanKind,
    #[serde(default)]
    pub pool: PoolFilter,
    pub draw: DrawSize,
    pub agencies: Vec<Participation>,
    pub window_working_days: i64,
    pub announced: bool,
}

/// A valid inspection plan: built by [`InspectionPlan::new`], which refuses bad values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PlanInput", into = "PlanInput")]
pub struct InspectionPlan {
    name: Name,
    schedule: CronSchedule,
    kind: PlanKind,
    pool: PoolFilter,
    draw: DrawSize,
    agencies: Vec<Participation>,
    window_working_days: u32,
    announced: bool,
}

impl InspectionPlan {
    /// The longest window a plan's requests may get: about a working year.
    pub const MAX_WINDOW_WORKING_DAYS: u32 = 250;

    pub fn new(input: PlanInput) -> Result<Self, PlanError> {
        let name = Name::parse(&input.name).map_err(PlanError::Name)?;
        let schedule = CronSchedule::parse(&input.schedule)?;
        let draw = input.draw.check()?;
        if input.agencies.is_empty() {
            return Err(PlanError::NoAgencies);
        }
        for (index, p) in input.agencies.iter().enumerate() {
            if input.agencies[..index].iter().any(|q| q.agency == p.agency) {
                return Err(PlanError::DuplicateAgency {
                    index,
                    agency: p.agency.clone(),
                });
            }
        }
        let max = Self::MAX_WINDOW_WORKING_DAYS;
        let window_working_days = u32::try_from(input.window_working_days)
            .ok()
            .filter(|w| (1..=max).contains(w))
            .ok_or(PlanError::Window {
                max,
                got: input.window_working_days,
            })?;
        if input.kind == PlanKind::LookBack
            && let Some(bad) = input
                .pool
                .statuses
                .iter()
                .find(|s| !matches!(s, EnterpriseStatus::Closed | EnterpriseStatus::Relocated))
        {
            return Err(PlanError::LookBackStatus(*bad));
        }
        Ok(Self {
            name,
            schedule,
            kind: input.kind,
            pool: input.pool,
            draw,
            agencies: input.agencies,
            window_working_days,
            announced: input.announced,
        })
    }

    pub fn name(&self) -> &Name {
        &self.name
    }

    pub fn schedule(&self) -> &CronSchedule {
        &self.schedule
    }

    pub fn kind(&self) -> PlanKind {
        self.kind
    }

    pub fn pool(&self) -> &PoolFilter {
        &self.pool
    }

    pub fn draw(&self) -> DrawSize {
        self.draw
    }

    /// The agencies taking part, in the order given, each once.
    pub fn agencies(&self) -> &[Participation] {
        &self.agencies
    }

    /// Working days between a request's earliest and latest day (see
    /// [`super::plan_window`]).
    pub fn window_working_days(&self) -> u32 {
        self.window_working_days
    }

    pub fn announced(&self) -> bool {
        self.announced
    }

    /// The save-time check against the pool of the moment (`pool`: how many enterprises
    /// the plan would select or draw from now): refuses an empty pool and a count
    /// larger than the pool.
    pub fn check_pool(&self, pool: usize) -> Result<(), PoolError> {
        if pool == 0 {
            return Err(PoolError::Empty);
        }
        match self.draw {
            DrawSize::Count(count) if usize::try_from(count).unwrap_or(usize::MAX) > pool => {
                Err(PoolError::CountAbovePool { count, pool })
            }
            _ => Ok(()),
        }
    }
}

impl TryFrom<PlanInput> for InspectionPlan {
    type Error = PlanError;
    fn try_from(value: PlanInput) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<InspectionPlan> for PlanInput {
    fn from(plan: InspectionPlan) -> Self {
        Self {
            name: plan.name.into(),
            schedule: plan.schedule.into(),
            kind: plan.kind,
            pool: plan.pool,
            draw: plan.draw,
            agencies: plan.agencies,
            window_working_days: i64::from(plan.window_working_days),
            announced: plan.announced,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn agency(code: &str, size: i64) -> Participation {
        Participation {
            agency: AgencyCode::parse(code).expect("agency code"),
            team_size: TeamSize::new(size).expect("team size"),
        }
    }

    fn input() -> PlanInput {
        PlanInput {
            name: "2026 化工企业季度检查".to_owned(),
            schedule: "0 0 8 1 1,4,7,10 *".to_owned(),
            kind: PlanKind::Routine,
            pool: PoolFilter::default(),
            draw: DrawSize::All,
            agencies: vec![agency("fire", 2), agency("ecology", 1)],
            window_working_days: 20,
            announced: true,
        }
    }

    fn field_of(err: &PlanError) -> String {
        err.to_string()
            .split(':')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn a_valid_plan_is_built_and_round_trips_through_json() {
        let plan = InspectionPlan::new(input()).expect("valid");
        assert_eq!(plan.window_working_days(), 20);
        assert_eq!(plan.agencies().len(), 2);
        let json = serde_json::to_string(&plan).expect("serialise");
        let back: InspectionPlan = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, plan);
    }

    #[test]
    fn each_bad_value_is_refused_naming_its_field() {
        let cases: Vec<(PlanInput, &str)> = vec![
            (
                PlanInput {
                    name: "  ".to_owned(),
                    ..input()
                },
                "name",
            ),
            (
                PlanInput {
                    schedule: "0 8 1 * *".to_owned(),
                    ..input()
                },
                "schedule",
            ),
            (
                PlanInput {
                    draw: DrawSize::Count(0),
                    ..input()
                },
                "draw",
            ),
            (
                PlanInput {
                    draw: DrawSize::Share(0),
                    ..input()
                },
                "draw",
            ),
            (
                PlanInput {
                    draw: DrawSize::Share(101),
                    ..input()
                },
                "draw",
            ),
            (
                PlanInput {
                    agencies: vec![],
                    ..input()
                },
                "agencies",
            ),
            (
                PlanInput {
                    agencies: vec![agency("fire", 1), agency("ecology", 1), agency("fire", 3)],
                    ..input()
                },
                "agencies[2]",
            ),
            (
                PlanInput {
                    window_working_days: 0,
                    ..input()
                },
                "window_working_days",
            ),
            (
                PlanInput {
                    window_working_days: 251,
                    ..input()
                },
                "window_working_days",
            ),
            (
                PlanInput {
                    window_working_days: -5,
                    ..input()
                },
                "window_working_days",
            ),
            (
                PlanInput {
                    kind: PlanKind::LookBack,
                    pool: PoolFilter {
                        statuses: [EnterpriseStatus::Closed, EnterpriseStatus::Operating]
                            .into_iter()
                            .collect(),
                        ..PoolFilter::default()
                    },
                    ..input()
                },
                "pool.statuses",
            ),
        ];
        for (bad, field) in cases {
            let err = InspectionPlan::new(bad).expect_err(field);
            assert_eq!(field_of(&err), field, "{err}");
        }
        assert_eq!(
            InspectionPlan::new(PlanInput {
                draw: DrawSize::Share(150),
                ..input()
            })
            .expect_err("share")
            .to_string(),
            "draw: a share must be between 1 and 100 percent, got 150"
        );
    }

    #[test]
    fn deserialising_refuses_a_bad_plan_with_the_field_name() {
        let mut json = serde_json::to_value(input()).expect("json");
        json["schedule"] = serde_json::Value::from("* * * * *");
        let err = serde_json::from_value::<InspectionPlan>(json).expect_err("5 fields");
        assert!(err.to_string().starts_with("schedule:"), "{err}");
    }

    #[test]
    fn share_rounds_up() {
        assert_eq!(DrawSize::Share(10).resolve(15), 2);
        assert_eq!(DrawSize::Share(10).resolve(10), 1);
        assert_eq!(DrawSize::Share(10).resolve(11), 2);
        assert_eq!(DrawSize::Share(1).resolve(1), 1);
        assert_eq!(DrawSize::Share(33).resolve(3), 1);
        assert_eq!(DrawSize::Share(34).resolve(3), 2);
        assert_eq!(DrawSize::Share(100).resolve(7), 7);
        assert_eq!(DrawSize::Share(50).resolve(0), 0);
        assert_eq!(DrawSize::Count(5).resolve(3), 3);
        assert_eq!(DrawSize::Count(2).resolve(3), 2);
        assert_eq!(DrawSize::All.resolve(4), 4);
    }

    #[test]
    fn check_pool_refuses_an_empty_pool_and_a_count_above_it() {
        let plan = InspectionPlan::new(PlanInput {
            draw: DrawSize::Count(30),
            ..input()
        })
        .expect("valid");
        assert_eq!(plan.check_pool(0), Err(PoolError::Empty));
        let err = plan.check_pool(12).expect_err("too many");
        assert_eq!(
            err.to_string(),
            "draw: a count of 30 is larger than the pool of 12 enterprises"
        );
        assert_eq!(plan.check_pool(30), Ok(()));
        let share = InspectionPlan::new(PlanInput {
            draw: DrawSize::Share(100),
            ..input()
        })
        .expect("valid");
        assert_eq!(share.check_pool(1), Ok(()));
    }

    proptest! {
        #[test]
        fn share_is_the_ceiling_and_within_the_pool(pool in 0usize..5000, percent in 1u32..=100) {
            let n = DrawSize::Share(percent).resolve(pool);
            prop_assert!(n <= pool);
            // n is the least whole number with n * 100 >= pool * percent.
            prop_assert!(n * 100 >= pool * percent as usize);
            prop_assert!(n == 0 || (n - 1) * 100 < pool * percent as usize);
            if pool > 0 {
                prop_assert!(n >= 1);
            }
        }
    }
}
