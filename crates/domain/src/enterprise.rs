//! Enterprises that store or use hazardous chemicals, the subjects of inspection.

use crate::credit_code::{CreditCode, CreditCodeError};
use crate::dates::DateRange;
use crate::text::{Name, TextError};
use crate::words::{UnknownWord, word_enum};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why an enterprise was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnterpriseError {
    #[error("credit_code: {0}")]
    CreditCode(#[from] CreditCodeError),
    #[error("name: {0}")]
    Name(TextError),
    #[error("district: {0}")]
    District(TextError),
    #[error(transparent)]
    Word(#[from] UnknownWord),
    #[error("burden_cap: must be between 0 and {max} visits a quarter, got {got}")]
    BurdenCap { max: u32, got: i64 },
    #[error("quiet_periods[{index}] overlaps quiet_periods[{other}]")]
    QuietOverlap { index: usize, other: usize },
}

word_enum!(
    /// The industry an enterprise belongs to.
    Sector, "sector", {
        Chemical => "chemical",
        CivilExplosives => "civil_explosives",
        ShipRepair => "ship_repair",
        Other => "other",
    }
);

word_enum!(
    /// Whether an enterprise is running. Closed and relocated ones are the targets of look-backs.
    EnterpriseStatus, "status", {
        Operating => "operating",
        Suspended => "suspended",
        Closed => "closed",
        Relocated => "relocated",
    }
);

/// The "two key, one major" markers (两重点一重大).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RiskMarkers {
    /// Runs a key supervised hazardous process (重点监管危险化工工艺).
    pub key_process: bool,
    /// Handles a key supervised hazardous chemical (重点监管危险化学品).
    pub key_chemical: bool,
    /// Holds a major hazard source (重大危险源).
    pub major_hazard_source: bool,
}

impl RiskMarkers {
    pub fn any(self) -> bool {
        self.key_process || self.key_chemical || self.major_hazard_source
    }
}

/// The most visits an enterprise should receive in a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u32")]
pub struct BurdenCap(u32);

impl BurdenCap {
    /// No quarter has more working days than this.
    pub const MAX: u32 = 92;

    pub fn new(value: i64) -> Result<Self, EnterpriseError> {
        u32::try_from(value)
            .ok()
            .filter(|v| *v <= Self::MAX)
            .map(Self)
            .ok_or(EnterpriseError::BurdenCap {
                max: Self::MAX,
                got: value,
            })
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for BurdenCap {
    type Error = EnterpriseError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<BurdenCap> for u32 {
    fn from(value: BurdenCap) -> Self {
        value.0
    }
}

/// Days an enterprise must not be visited (turnaround, maintenance shutdown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietPeriod {
    pub range: DateRange,
    pub reason: Option<String>,
}

/// An enterprise under supervision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    pub credit_code: CreditCode,
    pub name: Name,
    pub sector: Sector,
    pub district: Name,
    pub in_chemical_park: bool,
    pub risk: RiskMarkers,
    pub status: EnterpriseStatus,
    pub burden_cap: Option<BurdenCap>,
    quiet_periods: Vec<QuietPeriod>,
}

/// The raw fields of an enterprise, as a form or a file gives them.
#[derive(Debug, Clone, Default)]
pub struct EnterpriseInput<'a> {
    pub credit_code: &'a str,
    pub name: &'a str,
    pub sector: &'a str,
    pub district: &'a str,
    pub in_chemical_park: bool,
    pub risk: RiskMarkers,
    pub status: &'a str,
    pub burden_cap: Option<i64>,
    pub quiet_periods: Vec<QuietPeriod>,
}

impl Enterprise {
    pub fn parse(input: EnterpriseInput<'_>) -> Result<Self, EnterpriseError> {
        let mut quiet_periods = input.quiet_periods;
        for (i, a) in quiet_periods.iter().enumerate() {
            if let Some(j) = quiet_periods[..i]
                .iter()
                .position(|b| a.range.intersection(&b.range).is_some())
            {
                return Err(EnterpriseError::QuietOverlap { index: i, other: j });
            }
        }
        quiet_periods.sort_by_key(|q| q.range);
        Ok(Self {
            credit_code: CreditCode::parse(input.credit_code)?,
            name: Name::parse(input.name).map_err(EnterpriseError::Name)?,
            sector: input.sector.parse()?,
            district: Name::parse(input.district).map_err(EnterpriseError::District)?,
            in_chemical_park: input.in_chemical_park,
            risk: input.risk,
            status: input.status.parse()?,
            burden_cap: input.burden_cap.map(BurdenCap::new).transpose()?,
            quiet_periods,
        })
    }

    /// The quiet periods, in order, never overlapping.
    pub fn quiet_periods(&self) -> &[QuietPeriod] {
        &self.quiet_periods
    }

    pub fn is_quiet(&self, date: NaiveDate) -> bool {
        self.quiet_periods.iter().any(|q| q.range.contains(date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> EnterpriseInput<'static> {
        EnterpriseInput {
            credit_code: "91110000802100433B",
            name: "淮安市清江化工有限公司",
            sector: "chemical",
            district: "清江浦区",
            in_chemical_park: true,
            risk: RiskMarkers {
                major_hazard_source: true,
                ..RiskMarkers::default()
            },
            status: "operating",
            burden_cap: Some(4),
            quiet_periods: Vec::new(),
        }
    }

    fn range(a: &str, b: &str) -> DateRange {
        DateRange::new(a.parse().expect("date"), b.parse().expect("date")).expect("range")
    }

    #[test]
    fn parses_a_valid_enterprise() {
        let e = Enterprise::parse(input()).expect("valid");
        assert_eq!(e.sector, Sector::Chemical);
        assert_eq!(e.burden_cap.map(BurdenCap::get), Some(4));
        assert!(e.risk.any());
    }

    #[test]
    fn unknown_sector_and_status_name_the_field() {
        let err = Enterprise::parse(EnterpriseInput {
            sector: "mining",
            ..input()
        })
        .expect_err("bad");
        assert_eq!(
            err.to_string(),
            "sector: unknown value \"mining\"; expected one of chemical civil_explosives ship_repair other"
        );
        let err = Enterprise::parse(EnterpriseInput {
            status: "open",
            ..input()
        })
        .expect_err("bad");
        assert!(err.to_string().starts_with("status:"));
    }

    #[test]
    fn bad_credit_code_and_cap_are_refused() {
        let err = Enterprise::parse(EnterpriseInput {
            credit_code: "91110000802100433C",
            ..input()
        })
        .expect_err("bad check character");
        assert!(err.to_string().starts_with("credit_code:"));
        assert!(matches!(
            Enterprise::parse(EnterpriseInput {
                burden_cap: Some(-1),
                ..input()
            }),
            Err(EnterpriseError::BurdenCap { got: -1, .. })
        ));
    }

    #[test]
    fn quiet_periods_are_sorted_and_must_not_overlap() {
        let quiet = |r| QuietPeriod {
            range: r,
            reason: None,
        };
        let e = Enterprise::parse(EnterpriseInput {
            quiet_periods: vec![
                quiet(range("2026-05-01", "2026-05-10")),
                quiet(range("2026-03-01", "2026-03-05")),
            ],
            ..input()
        })
        .expect("valid");
        assert_eq!(
            e.quiet_periods()[0].range,
            range("2026-03-01", "2026-03-05")
        );
        assert!(e.is_quiet("2026-05-10".parse().expect("date")));
        assert!(!e.is_quiet("2026-05-11".parse().expect("date")));
        let err = Enterprise::parse(EnterpriseInput {
            quiet_periods: vec![
                quiet(range("2026-05-01", "2026-05-10")),
                quiet(range("2026-05-10", "2026-05-12")),
            ],
            ..input()
        })
        .expect_err("overlap");
        assert_eq!(err, EnterpriseError::QuietOverlap { index: 1, other: 0 });
    }

    #[test]
    fn words_round_trip() {
        for s in Sector::ALL {
            assert_eq!(s.as_str().parse::<Sector>().ok(), Some(*s));
        }
        for s in EnterpriseStatus::ALL {
            assert_eq!(s.as_str().parse::<EnterpriseStatus>().ok(), Some(*s));
        }
    }
}
