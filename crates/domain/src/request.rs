//! Inspection requests: one agency's wish to inspect one enterprise inside a window.

use crate::agency::{AgencyCode, AgencyError};
use crate::credit_code::{CreditCode, CreditCodeError};
use crate::dates::{DateRange, DateRangeError};
use crate::text::{Name, TextError};
use crate::words::{UnknownWord, word_enum};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("agency: {0}")]
    Agency(AgencyError),
    #[error("enterprise: {0}")]
    Enterprise(CreditCodeError),
    #[error("window: {0}")]
    Window(DateRangeError),
    #[error("team_size: must be between 1 and {max}, got {got}")]
    TeamSize { max: u32, got: i64 },
    #[error(transparent)]
    Kind(#[from] UnknownWord),
    #[error("topics[{index}]: {source}")]
    Topic { index: usize, source: TextError },
}

word_enum!(
    /// Why an agency asks for the visit.
    RequestKind, "kind", {
        /// A planned check.
        Routine => "routine",
        /// A re-inspection of a hazard's rectification.
        FollowUp => "follow_up",
        /// A tip-off or an accident: placed first, never refused by the burden cap.
        Urgent => "urgent",
    }
);

word_enum!(
    /// Where a request stands.
    RequestStatus, "status", {
        /// Booked, not planned yet.
        Open => "open",
        /// On a joint visit.
        Scheduled => "scheduled",
        /// The planner could not place it (its reason says why).
        Unscheduled => "unscheduled",
        /// Withdrawn by its agency, or its visit was cancelled.
        Cancelled => "cancelled",
    }
);

impl RequestKind {
    pub fn is_urgent(self) -> bool {
        self == Self::Urgent
    }
}

/// How many inspectors an agency sends for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u32")]
pub struct TeamSize(u32);

impl TeamSize {
    pub const MAX: u32 = 20;

    pub fn new(value: i64) -> Result<Self, RequestError> {
        u32::try_from(value)
            .ok()
            .filter(|v| (1..=Self::MAX).contains(v))
            .map(Self)
            .ok_or(RequestError::TeamSize {
                max: Self::MAX,
                got: value,
            })
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for TeamSize {
    type Error = RequestError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<TeamSize> for u32 {
    fn from(value: TeamSize) -> Self {
        value.0
    }
}

/// One agency's request to inspect one enterprise between two dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionRequest {
    pub agency: AgencyCode,
    pub enterprise: CreditCode,
    pub window: DateRange,
    pub team_size: TeamSize,
    pub kind: RequestKind,
    pub topics: Vec<Name>,
}

/// The raw fields of a request, as a form or a file gives them.
#[derive(Debug, Clone)]
pub struct RequestInput<'a> {
    pub agency: &'a str,
    pub enterprise: &'a str,
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
    pub team_size: i64,
    pub kind: &'a str,
    pub topics: &'a [String],
}

impl InspectionRequest {
    pub fn parse(input: RequestInput<'_>) -> Result<Self, RequestError> {
        let topics = input
            .topics
            .iter()
            .enumerate()
            .map(|(index, t)| {
                Name::parse(t).map_err(|source| RequestError::Topic { index, source })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            agency: AgencyCode::parse(input.agency).map_err(RequestError::Agency)?,
            enterprise: CreditCode::parse(input.enterprise).map_err(RequestError::Enterprise)?,
            window: DateRange::new(input.earliest, input.latest).map_err(RequestError::Window)?,
            team_size: TeamSize::new(input.team_size)?,
            kind: input.kind.parse()?,
            topics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> RequestInput<'static> {
        RequestInput {
            agency: "fire",
            enterprise: "91110000802100433B",
            earliest: "2026-03-02".parse().expect("date"),
            latest: "2026-03-31".parse().expect("date"),
            team_size: 2,
            kind: "routine",
            topics: &[],
        }
    }

    #[test]
    fn parses_a_valid_request() {
        let r = InspectionRequest::parse(input()).expect("valid");
        assert_eq!(r.team_size.get(), 2);
        assert!(!r.kind.is_urgent());
    }

    #[test]
    fn refuses_an_inverted_window() {
        let err = InspectionRequest::parse(RequestInput {
            latest: "2026-03-01".parse().expect("date"),
            ..input()
        })
        .expect_err("inverted");
        assert!(matches!(err, RequestError::Window(_)));
        assert!(err.to_string().starts_with("window:"));
    }

    #[test]
    fn refuses_team_size_zero_and_too_big() {
        for bad in [0, -3, 21] {
            let err = InspectionRequest::parse(RequestInput {
                team_size: bad,
                ..input()
            })
            .expect_err("bad size");
            assert_eq!(err, RequestError::TeamSize { max: 20, got: bad });
        }
    }

    #[test]
    fn refuses_unknown_kind_agency_and_enterprise() {
        let err = InspectionRequest::parse(RequestInput {
            kind: "casual",
            ..input()
        })
        .expect_err("kind");
        assert!(
            err.to_string()
                .starts_with("kind: unknown value \"casual\"")
        );
        let err = InspectionRequest::parse(RequestInput {
            agency: "Fire!",
            ..input()
        })
        .expect_err("agency");
        assert!(err.to_string().starts_with("agency:"));
        let err = InspectionRequest::parse(RequestInput {
            enterprise: "123",
            ..input()
        })
        .expect_err("code");
        assert!(err.to_string().starts_with("enterprise:"));
    }
}
