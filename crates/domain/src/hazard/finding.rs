//! A finding: what inspectors record about a hazard in a visit. It never changes
//! afterwards; what happens to the hazard is its event history.

use super::deadline::DeadlinePolicy;
use super::vocab::{
    HazardCategory, HazardError, LegalBasis, LongText, ResponsibleAgency, Severity, VisitContext,
};
use crate::agency::AgencyCode;
use crate::text::Name;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The raw fields of a finding, as a form gives them.
#[derive(Debug, Clone)]
pub struct FindingInput<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub category: &'a str,
    pub severity: &'a str,
    pub legal_basis: &'a str,
    pub regulation: Option<&'a str>,
    pub responsible_agency: &'a str,
    /// `None`: the policy's default for the severity.
    pub deadline: Option<NaiveDate>,
}

/// A hazard as found in a visit: what, how bad, why, whose, and by when.
///
/// Built only by [`Finding::parse`] (or deserialised, which checks the same rules): the
/// responsible agency took part in the visit and the deadline is not before the visit day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawFinding", into = "RawFinding")]
pub struct Finding {
    visit: VisitContext,
    title: Name,
    description: LongText,
    category: HazardCategory,
    severity: Severity,
    legal_basis: LegalBasis,
    responsible_agency: ResponsibleAgency,
    deadline: NaiveDate,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFinding {
    visit: VisitContext,
    title: Name,
    description: LongText,
    category: HazardCategory,
    severity: Severity,
    legal_basis: LegalBasis,
    responsible_agency: AgencyCode,
    deadline: NaiveDate,
}

impl TryFrom<RawFinding> for Finding {
    type Error = HazardError;
    fn try_from(raw: RawFinding) -> Result<Self, Self::Error> {
        let responsible_agency =
            ResponsibleAgency::among(raw.responsible_agency, raw.visit.agencies())?;
        if raw.deadline < raw.visit.day() {
            return Err(HazardError::DeadlineBeforeVisit {
                deadline: raw.deadline,
                visit_day: raw.visit.day(),
            });
        }
        Ok(Self {
            visit: raw.visit,
            title: raw.title,
            description: raw.description,
            category: raw.category,
            severity: raw.severity,
            legal_basis: raw.legal_basis,
            responsible_agency,
            deadline: raw.deadline,
        })
    }
}

impl From<Finding> for RawFinding {
    fn from(f: Finding) -> Self {
        Self {
            visit: f.visit,
            title: f.title,
            description: f.description,
            category: f.category,
            severity: f.severity,
            legal_basis: f.legal_basis,
            responsible_agency: f.responsible_agency.code().clone(),
            deadline: f.deadline,
        }
    }
}

impl Finding {
    /// Checks every field of `input` against the visit it was found in; the first
    /// bad field is refused with an error naming it.
    pub fn parse(
        visit: VisitContext,
        input: FindingInput<'_>,
        policy: &DeadlinePolicy,
    ) -> Result<Self, HazardError> {
        let title = Name::parse(input.title).map_err(HazardError::Title)?;
        let description = LongText::parse(input.description).map_err(HazardError::Description)?;
        let category: HazardCategory = input.category.parse()?;
        let severity: Severity = input.severity.parse()?;
        let legal_basis = LegalBasis::parse(input.legal_basis, input.regulation)?;
        let responsible_agency = ResponsibleAgency::parse(input.responsible_agency, &visit)?;
        let deadline = policy.deadline(severity, visit.day(), input.deadline)?;
        Ok(Self {
            visit,
            title,
            description,
            category,
            severity,
            legal_basis,
            responsible_agency,
            deadline,
        })
    }

    /// The visit the hazard was found in.
    pub fn visit(&self) -> &VisitContext {
        &self.visit
    }

    pub fn title(&self) -> &Name {
        &self.title
    }

    pub fn description(&self) -> &LongText {
        &self.description
    }

    pub fn category(&self) -> HazardCategory {
        self.category
    }

    pub fn severity(&self) -> Severity {
        self.severity
    }

    pub fn legal_basis(&self) -> &LegalBasis {
        &self.legal_basis
    }

    pub fn responsible_agency(&self) -> &ResponsibleAgency {
        &self.responsible_agency
    }

    /// The deadline as first set; extensions move the hazard's current deadline.
    pub fn deadline(&self) -> NaiveDate {
        self.deadline
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::hazard::vocab::tests::{day, visit};

    pub(crate) fn input(severity: &'static str) -> FindingInput<'static> {
        FindingInput {
            title: "消防通道被货物堵塞",
            description: "二号仓库北侧消防通道堆放桶装溶剂约20桶。",
            category: "fire",
            severity,
            legal_basis: "消防通道应保持畅通",
            regulation: Some("《中华人民共和国消防法》第二十八条"),
            responsible_agency: "fire",
            deadline: None,
        }
    }

    pub(crate) fn finding(severity: &'static str) -> Finding {
        Finding::parse(
            visit("visit-1", "2026-03-04", &["fire", "ecology"]),
            input(severity),
            &DeadlinePolicy::default(),
        )
        .expect("valid finding")
    }

    #[test]
    fn parses_a_finding_with_the_default_deadline() {
        let f = finding("major");
        assert_eq!(f.severity(), Severity::Major);
        assert_eq!(f.category(), HazardCategory::Fire);
        assert_eq!(f.deadline(), day("2026-06-02"));
        assert_eq!(f.responsible_agency().code().as_str(), "fire");
        assert_eq!(f.visit().id().as_str(), "visit-1");
    }

    #[test]
    fn refuses_each_bad_field_by_name() {
        let v = || visit("visit-1", "2026-03-04", &["fire", "ecology"]);
        let policy = DeadlinePolicy::default();
        let cases: [(FindingInput<'static>, &str); 7] = [
            (
                FindingInput {
                    title: " ",
                    ..input("general")
                },
                "title: must not be empty",
            ),
            (
                FindingInput {
                    description: "",
                    ..input("general")
                },
                "description: must not be empty",
            ),
            (
                FindingInput {
                    category: "chemistry",
                    ..input("general")
                },
                "category: unknown value \"chemistry\"; expected one of fire structure process_safety environment storage other",
            ),
            (
                FindingInput {
                    severity: "重大",
                    ..input("general")
                },
                "severity: unknown value \"重大\"; expected one of general major",
            ),
            (
                FindingInput {
                    legal_basis: "\n",
                    ..input("general")
                },
                "legal_basis: must not be empty",
            ),
            (
                FindingInput {
                    responsible_agency: "housing",
                    ..input("general")
                },
                "responsible_agency: housing did not take part in the visit; participants: ecology, fire",
            ),
            (
                FindingInput {
                    deadline: Some(day("2026-03-01")),
                    ..input("general")
                },
                "deadline: 2026-03-01 is before the visit day 2026-03-04",
            ),
        ];
        for (bad, message) in cases {
            let err = Finding::parse(v(), bad, &policy).expect_err(message);
            assert_eq!(err.to_string(), message);
        }
    }

    #[test]
    fn deserialising_checks_the_same_rules() {
        let f = finding("general");
        let json = serde_json::to_value(&f).expect("serialize");
        let back: Finding = serde_json::from_value(json.clone()).expect("deserialize");
        assert_eq!(back, f);

        let mut outsider = json.clone();
        outsider["responsible_agency"] = "housing".into();
        let err = serde_json::from_value::<Finding>(outsider).expect_err("not in visit");
        assert!(err.to_string().contains("did not take part"), "{err}");

        let mut early = json;
        early["deadline"] = "2026-03-03".into();
        let err = serde_json::from_value::<Finding>(early).expect_err("early deadline");
        assert!(err.to_string().contains("before the visit day"), "{err}");
    }
}
