//! Inspectors and external experts (专家) that agencies send on visits.

use crate::agency::AgencyCode;
use crate::credit_code::CreditCode;
use crate::text::{Name, TextError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Why an inspector was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectorError {
    #[error("code must be 1 to 64 characters of lowercase letters, digits, '_' or '-'; got {0:?}")]
    Code(String),
    #[error("name {0}")]
    Name(TextError),
    #[error("qualifications[{index}] {source}")]
    Qualification { index: usize, source: TextError },
}

/// The code that names an inspector in plans (`fire-01`); unique across agencies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InspectorCode(String);

impl InspectorCode {
    pub fn parse(raw: &str) -> Result<Self, InspectorError> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InspectorError::Code(raw.to_owned()))
        }
    }
}

crate::text::string_newtype!(InspectorCode, InspectorError);

/// An inspector of one agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspector {
    pub code: InspectorCode,
    pub agency: AgencyCode,
    pub name: Name,
    pub qualifications: Vec<Name>,
    /// Days the inspector cannot be sent (leave, training, court).
    pub unavailable: BTreeSet<NaiveDate>,
    /// Enterprises the inspector declared a conflict of interest with.
    pub conflicts: BTreeSet<CreditCode>,
}

impl Inspector {
    pub fn new(
        code: &str,
        agency: AgencyCode,
        name: &str,
        qualifications: &[String],
    ) -> Result<Self, InspectorError> {
        let qualifications = qualifications
            .iter()
            .enumerate()
            .map(|(index, q)| {
                Name::parse(q).map_err(|source| InspectorError::Qualification { index, source })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            code: InspectorCode::parse(code)?,
            agency,
            name: Name::parse(name).map_err(InspectorError::Name)?,
            qualifications,
            unavailable: BTreeSet::new(),
            conflicts: BTreeSet::new(),
        })
    }

    /// Whether the inspector may be sent to `enterprise` on `date`.
    pub fn is_eligible(&self, enterprise: &CreditCode, date: NaiveDate) -> bool {
        !self.unavailable.contains(&date) && !self.conflicts.contains(enterprise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eligibility_respects_leave_and_conflicts() {
        let fire = AgencyCode::parse("fire").expect("code");
        let mut inspector =
            Inspector::new("fire-01", fire, "王强", &["注册消防工程师".to_owned()]).expect("valid");
        let plant = CreditCode::parse("91110000802100433B").expect("code");
        let day: NaiveDate = "2026-03-02".parse().expect("date");
        assert!(inspector.is_eligible(&plant, day));
        inspector.unavailable.insert(day);
        assert!(!inspector.is_eligible(&plant, day));
        inspector.unavailable.clear();
        inspector.conflicts.insert(plant.clone());
        assert!(!inspector.is_eligible(&plant, day));
    }

    #[test]
    fn refuses_bad_values() {
        let fire = AgencyCode::parse("fire").expect("code");
        assert!(matches!(
            Inspector::new("Fire 01", fire.clone(), "王强", &[]),
            Err(InspectorError::Code(_))
        ));
        assert!(matches!(
            Inspector::new("fire-01", fire.clone(), "", &[]),
            Err(InspectorError::Name(_))
        ));
        assert!(matches!(
            Inspector::new("fire-01", fire, "王强", &["ok".to_owned(), " ".to_owned()]),
            Err(InspectorError::Qualification { index: 1, .. })
        ));
    }
}
