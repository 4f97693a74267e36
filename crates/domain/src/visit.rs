//! Joint visits (联合检查): one enterprise, one day, several agencies' requests.

use crate::agency::AgencyCode;
use crate::credit_code::CreditCode;
use crate::inspector::InspectorCode;
use crate::request::InspectionRequest;
use crate::words::{UnknownWord, word_enum};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Why a visit or a change of its status was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitError {
    #[error("requests: a visit holds at least one request")]
    NoRequests,
    #[error("requests[{index}]: belongs to enterprise {found}, not {expected}")]
    OtherEnterprise {
        index: usize,
        expected: CreditCode,
        found: CreditCode,
    },
    #[error("requests[{index}]: {date} is outside its window {earliest} to {latest}")]
    OutsideWindow {
        index: usize,
        date: NaiveDate,
        earliest: NaiveDate,
        latest: NaiveDate,
    },
    #[error("teams.{agency}: needs exactly {expected} inspectors, got {got}")]
    TeamSize {
        agency: AgencyCode,
        expected: u32,
        got: usize,
    },
    #[error("teams.{agency}: inspector {inspector} is named twice")]
    DuplicateInspector {
        agency: AgencyCode,
        inspector: InspectorCode,
    },
    #[error("teams.{0}: the agency has no request in the visit")]
    TeamWithoutRequest(AgencyCode),
    #[error("teams: agency {0} has a request in the visit but no team")]
    MissingTeam(AgencyCode),
    #[error("status: a {from} visit cannot become {to}; allowed: {allowed}")]
    IllegalStep {
        from: VisitStatus,
        to: VisitStatus,
        allowed: String,
    },
    #[error(transparent)]
    Status(#[from] UnknownWord),
}

word_enum!(
    /// Where a visit stands.
    VisitStatus, "status", {
        /// Made by the planner, may still move.
        Proposed => "proposed",
        /// Confirmed by the office: locked for the planner.
        Confirmed => "confirmed",
        InProgress => "in_progress",
        Completed => "completed",
        Cancelled => "cancelled",
    }
);

impl VisitStatus {
    /// The statuses a visit in this status may move to.
    pub fn allowed_next(self) -> &'static [Self] {
        match self {
            Self::Proposed => &[Self::Confirmed, Self::Cancelled],
            Self::Confirmed => &[Self::InProgress, Self::Cancelled],
            Self::InProgress => &[Self::Completed],
            Self::Completed | Self::Cancelled => &[],
        }
    }

    /// Moves to `next` if that is a legal step.
    pub fn step(self, next: Self) -> Result<Self, VisitError> {
        if self.allowed_next().contains(&next) {
            Ok(next)
        } else {
            let allowed: Vec<&str> = self.allowed_next().iter().map(|s| s.as_str()).collect();
            Err(VisitError::IllegalStep {
                from: self,
                to: next,
                allowed: if allowed.is_empty() {
                    "none".to_owned()
                } else {
                    allowed.join(", ")
                },
            })
        }
    }

    /// Whether the planner must keep this visit as it is.
    pub fn is_locked(self) -> bool {
        !matches!(self, Self::Proposed | Self::Cancelled)
    }
}

/// A joint visit: one enterprise, one day, the requests it serves and each agency's team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JointVisit {
    enterprise: CreditCode,
    date: NaiveDate,
    requests: Vec<InspectionRequest>,
    teams: BTreeMap<AgencyCode, Vec<InspectorCode>>,
    status: VisitStatus,
    announced: bool,
}

impl JointVisit {
    /// A new proposed visit. Each agency with a request sends a team of exactly the
    /// largest team size its requests in the visit ask for.
    pub fn propose(
        enterprise: CreditCode,
        date: NaiveDate,
        requests: Vec<InspectionRequest>,
        teams: BTreeMap<AgencyCode, Vec<InspectorCode>>,
        announced: bool,
    ) -> Result<Self, VisitError> {
        if requests.is_empty() {
            return Err(VisitError::NoRequests);
        }
        let mut needed: BTreeMap<&AgencyCode, u32> = BTreeMap::new();
        for (index, r) in requests.iter().enumerate() {
            if r.enterprise != enterprise {
                return Err(VisitError::OtherEnterprise {
                    index,
                    expected: enterprise,
                    found: r.enterprise.clone(),
                });
            }
            if !r.window.contains(date) {
                return Err(VisitError::OutsideWindow {
                    index,
                    date,
                    earliest: r.window.start(),
                    latest: r.window.end(),
                });
            }
            let size = needed.entry(&r.agency).or_default();
            *size = (*size).max(r.team_size.get());
        }
        for agency in teams.keys() {
            if !needed.contains_key(agency) {
                return Err(VisitError::TeamWithoutRequest(agency.clone()));
            }
        }
        for (agency, expected) in needed {
            let team = teams
                .get(agency)
                .ok_or_else(|| VisitError::MissingTeam(agency.clone()))?;
            if team.len() != expected as usize {
                return Err(VisitError::TeamSize {
                    agency: agency.clone(),
                    expected,
                    got: team.len(),
                });
            }
            let mut seen = BTreeSet::new();
            if let Some(dup) = team.iter().find(|i| !seen.insert(*i)) {
                return Err(VisitError::DuplicateInspector {
                    agency: agency.clone(),
                    inspector: dup.clone(),
                });
            }
        }
        Ok(Self {
            enterprise,
            date,
            requests,
            teams,
            status: VisitStatus::Proposed,
            announced,
        })
    }

    pub fn enterprise(&self) -> &CreditCode {
        &self.enterprise
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn requests(&self) -> &[InspectionRequest] {
        &self.requests
    }

    pub fn teams(&self) -> &BTreeMap<AgencyCode, Vec<InspectorCode>> {
        &self.teams
    }

    pub fn status(&self) -> VisitStatus {
        self.status
    }

    pub fn announced(&self) -> bool {
        self.announced
    }

    /// Whether the visit holds an urgent request (and so does not count towards the burden cap).
    pub fn is_urgent(&self) -> bool {
        self.requests.iter().any(|r| r.kind.is_urgent())
    }

    /// Moves the visit to `next` if that is a legal step.
    pub fn step(&mut self, next: VisitStatus) -> Result<(), VisitError> {
        self.status = self.status.step(next)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::RequestInput;

    const PLANT: &str = "91110000802100433B";

    fn request(agency: &str, size: i64, kind: &str) -> InspectionRequest {
        InspectionRequest::parse(RequestInput {
            agency,
            enterprise: PLANT,
            earliest: "2026-03-02".parse().expect("date"),
            latest: "2026-03-13".parse().expect("date"),
            team_size: size,
            kind,
            topics: &[],
        })
        .expect("valid request")
    }

    fn team(agency: &str, members: &[&str]) -> (AgencyCode, Vec<InspectorCode>) {
        (
            AgencyCode::parse(agency).expect("agency"),
            members
                .iter()
                .map(|m| InspectorCode::parse(m).expect("inspector"))
                .collect(),
        )
    }

    fn plant() -> CreditCode {
        CreditCode::parse(PLANT).expect("code")
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn team_is_the_largest_request_of_each_agency() {
        let visit = JointVisit::propose(
            plant(),
            day("2026-03-04"),
            vec![
                request("fire", 1, "routine"),
                request("fire", 2, "urgent"),
                request("ecology", 1, "routine"),
            ],
            BTreeMap::from([
                team("fire", &["fire-01", "fire-02"]),
                team("ecology", &["eco-01"]),
            ]),
            true,
        )
        .expect("valid");
        assert!(visit.is_urgent());
        assert_eq!(visit.status(), VisitStatus::Proposed);

        let err = JointVisit::propose(
            plant(),
            day("2026-03-04"),
            vec![request("fire", 2, "routine")],
            BTreeMap::from([team("fire", &["fire-01"])]),
            true,
        )
        .expect_err("team too small");
        assert_eq!(
            err.to_string(),
            "teams.fire: needs exactly 2 inspectors, got 1"
        );
    }

    #[test]
    fn refuses_bad_visits() {
        let fire = || BTreeMap::from([team("fire", &["fire-01"])]);
        assert_eq!(
            JointVisit::propose(plant(), day("2026-03-04"), vec![], BTreeMap::new(), true),
            Err(VisitError::NoRequests)
        );
        assert!(matches!(
            JointVisit::propose(
                plant(),
                day("2026-03-16"),
                vec![request("fire", 1, "routine")],
                fire(),
                true
            ),
            Err(VisitError::OutsideWindow { index: 0, .. })
        ));
        assert!(matches!(
            JointVisit::propose(
                plant(),
                day("2026-03-04"),
                vec![request("ecology", 1, "routine")],
                fire(),
                true
            ),
            Err(VisitError::TeamWithoutRequest(_))
        ));
        assert!(matches!(
            JointVisit::propose(
                plant(),
                day("2026-03-04"),
                vec![request("fire", 2, "routine")],
                BTreeMap::from([team("fire", &["fire-01", "fire-01"])]),
                true
            ),
            Err(VisitError::DuplicateInspector { .. })
        ));
    }

    #[test]
    fn status_moves_only_by_legal_steps() {
        assert_eq!(
            VisitStatus::Proposed.step(VisitStatus::Confirmed),
            Ok(VisitStatus::Confirmed)
        );
        let err = VisitStatus::Completed
            .step(VisitStatus::Proposed)
            .expect_err("terminal");
        assert_eq!(
            err.to_string(),
            "status: a completed visit cannot become proposed; allowed: none"
        );
        let err = VisitStatus::Proposed
            .step(VisitStatus::Completed)
            .expect_err("skip");
        assert_eq!(
            err.to_string(),
            "status: a proposed visit cannot become completed; allowed: confirmed, cancelled"
        );
        assert!(VisitStatus::Confirmed.is_locked());
        assert!(!VisitStatus::Proposed.is_locked());
    }
}
