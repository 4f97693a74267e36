//! Risk-based inspection frequency.
//!
//! The rule, in order:
//!
//! 1. **Base tier.** An enterprise holding a major hazard source (重大危险源) is
//!    [`FrequencyTier::Quarterly`]. Otherwise one in the chemical sector, or running a
//!    key supervised process, or handling a key supervised chemical, is
//!    [`FrequencyTier::HalfYearly`]. Every other enterprise is [`FrequencyTier::Yearly`].
//! 2. **Overdue hazards.** An enterprise with at least one overdue hazard (a finding
//!    past its rectification deadline and not closed) moves one tier up: yearly becomes
//!    half-yearly, half-yearly becomes quarterly, quarterly becomes
//!    [`FrequencyTier::Monthly`]. One step whatever the number of overdue hazards:
//!    escalation of the hazards themselves is the daily job's business.
//! 3. **Due.** An enterprise is due on a date when it was never inspected, or when at
//!    least the tier's number of months (1, 3, 6 or 12) has passed since its last
//!    inspection: `date >= last + months`, month addition as in the calendar
//!    (31 January plus one month is 28 or 29 February). A last inspection dated after
//!    `date` means not due. The interval is rolling, not per calendar quarter, so an
//!    enterprise inspected on 31 March is not due again on 1 April.

use chrono::{Months, NaiveDate};
use onevisit_domain::{Enterprise, RiskMarkers, Sector};
use serde::{Deserialize, Serialize};

/// How often an enterprise should be inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrequencyTier {
    Monthly,
    Quarterly,
    HalfYearly,
    Yearly,
}

impl FrequencyTier {
    /// The months between two inspections.
    pub fn months(self) -> u32 {
        match self {
            Self::Monthly => 1,
            Self::Quarterly => 3,
            Self::HalfYearly => 6,
            Self::Yearly => 12,
        }
    }

    /// The next more frequent tier (monthly stays monthly).
    #[must_use]
    pub fn more_often(self) -> Self {
        match self {
            Self::Monthly | Self::Quarterly => Self::Monthly,
            Self::HalfYearly => Self::Quarterly,
            Self::Yearly => Self::HalfYearly,
        }
    }

    /// Whether an enterprise last inspected on `last` (never: `None`) is due on `date`.
    pub fn is_due(self, last: Option<NaiveDate>, date: NaiveDate) -> bool {
        match last {
            None => true,
            Some(last) => last
                .checked_add_months(Months::new(self.months()))
                .is_some_and(|next| date >= next),
        }
    }
}

/// The frequency tier of an enterprise with these markers, sector and number of overdue
/// hazards (see the module documentation for the rule).
pub fn frequency_tier(risk: RiskMarkers, sector: Sector, overdue_hazards: u32) -> FrequencyTier {
    let base = if risk.major_hazard_source {
        FrequencyTier::Quarterly
    } else if sector == Sector::Chemical || risk.key_process || risk.key_chemical {
        FrequencyTier::HalfYearly
    } else {
        FrequencyTier::Yearly
    };
    if overdue_hazards > 0 {
        base.more_often()
    } else {
        base
    }
}

/// [`frequency_tier`] of an enterprise.
pub fn enterprise_tier(enterprise: &Enterprise, overdue_hazards: u32) -> FrequencyTier {
    frequency_tier(enterprise.risk, enterprise.sector, overdue_hazards)
}

/// Whether an enterprise with these markers, sector, overdue hazards and last
/// inspection is due for inspection on `date`.
pub fn is_due(
    risk: RiskMarkers,
    sector: Sector,
    overdue_hazards: u32,
    last_inspected: Option<NaiveDate>,
    date: NaiveDate,
) -> bool {
    frequency_tier(risk, sector, overdue_hazards).is_due(last_inspected, date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    const MAJOR: RiskMarkers = RiskMarkers {
        key_process: false,
        key_chemical: false,
        major_hazard_source: true,
    };
    const KEY_PROCESS: RiskMarkers = RiskMarkers {
        key_process: true,
        key_chemical: false,
        major_hazard_source: false,
    };
    const NONE: RiskMarkers = RiskMarkers {
        key_process: false,
        key_chemical: false,
        major_hazard_source: false,
    };

    #[test]
    fn base_tiers() {
        assert_eq!(
            frequency_tier(MAJOR, Sector::Other, 0),
            FrequencyTier::Quarterly
        );
        assert_eq!(
            frequency_tier(MAJOR, Sector::Chemical, 0),
            FrequencyTier::Quarterly
        );
        assert_eq!(
            frequency_tier(NONE, Sector::Chemical, 0),
            FrequencyTier::HalfYearly
        );
        assert_eq!(
            frequency_tier(KEY_PROCESS, Sector::ShipRepair, 0),
            FrequencyTier::HalfYearly
        );
        assert_eq!(
            frequency_tier(NONE, Sector::CivilExplosives, 0),
            FrequencyTier::Yearly
        );
        assert_eq!(
            frequency_tier(NONE, Sector::Other, 0),
            FrequencyTier::Yearly
        );
    }

    #[test]
    fn overdue_hazards_move_one_tier_up() {
        assert_eq!(
            frequency_tier(NONE, Sector::Other, 1),
            FrequencyTier::HalfYearly
        );
        assert_eq!(
            frequency_tier(NONE, Sector::Chemical, 7),
            FrequencyTier::Quarterly
        );
        assert_eq!(
            frequency_tier(MAJOR, Sector::Chemical, 2),
            FrequencyTier::Monthly
        );
        assert_eq!(FrequencyTier::Monthly.more_often(), FrequencyTier::Monthly);
    }

    #[test]
    fn due_after_the_interval_has_passed() {
        let q = FrequencyTier::Quarterly;
        assert!(q.is_due(None, d("2026-01-01")));
        assert!(!q.is_due(Some(d("2026-03-31")), d("2026-04-01")));
        assert!(!q.is_due(Some(d("2026-01-15")), d("2026-04-14")));
        assert!(q.is_due(Some(d("2026-01-15")), d("2026-04-15")));
        assert!(!q.is_due(Some(d("2026-06-01")), d("2026-05-01")));
        let m = FrequencyTier::Monthly;
        assert!(!m.is_due(Some(d("2026-01-31")), d("2026-02-27")));
        assert!(m.is_due(Some(d("2026-01-31")), d("2026-02-28")));
        let y = FrequencyTier::Yearly;
        assert!(!y.is_due(Some(d("2025-06-30")), d("2026-06-29")));
        assert!(y.is_due(Some(d("2025-06-30")), d("2026-06-30")));
        assert!(is_due(
            NONE,
            Sector::Other,
            1,
            Some(d("2025-12-01")),
            d("2026-06-01")
        ));
        assert!(!is_due(
            NONE,
            Sector::Other,
            0,
            Some(d("2025-12-01")),
            d("2026-06-01")
        ));
    }
}
