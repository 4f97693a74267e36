//! Agencies (部门) that inspect: housing, natural resources, ecology, emergency
//! management, fire, industry, and any the office adds.

use crate::text::{Name, TextError};
use serde::{Deserialize, Serialize};

/// Why an agency was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgencyError {
    #[error(
        "code must be 2 to 32 characters of lowercase letters, digits, '_' or '-', starting with a letter; got {0:?}"
    )]
    Code(String),
    #[error("name {0}")]
    Name(TextError),
    #[error("English name {0}")]
    EnglishName(TextError),
    #[error("daily capacity must be between 0 and {max}, got {got}")]
    Capacity { max: u32, got: i64 },
}

/// The short code that names an agency in the API and in plans (`fire`, `ecology`, …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgencyCode(String);

impl AgencyCode {
    pub fn parse(raw: &str) -> Result<Self, AgencyError> {
        let ok = (2..=32).contains(&raw.len())
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(AgencyError::Code(raw.to_owned()))
        }
    }
}

crate::text::string_newtype!(AgencyCode, AgencyError);

/// How many joint visits an agency can take part in on one working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u32")]
pub struct DailyCapacity(u32);

impl DailyCapacity {
    pub const MAX: u32 = 10_000;

    pub fn new(value: i64) -> Result<Self, AgencyError> {
        u32::try_from(value)
            .ok()
            .filter(|v| *v <= Self::MAX)
            .map(Self)
            .ok_or(AgencyError::Capacity {
                max: Self::MAX,
                got: value,
            })
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for DailyCapacity {
    type Error = AgencyError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<DailyCapacity> for u32 {
    fn from(value: DailyCapacity) -> Self {
        value.0
    }
}

/// An agency that sends inspectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub code: AgencyCode,
    pub name: Name,
    /// The name the English pages show; without it they show `name`.
    pub name_en: Option<Name>,
    pub daily_capacity: DailyCapacity,
}

impl Agency {
    pub fn new(code: &str, name: &str, daily_capacity: i64) -> Result<Self, AgencyError> {
        Ok(Self {
            code: AgencyCode::parse(code)?,
            name: Name::parse(name).map_err(AgencyError::Name)?,
            name_en: None,
            daily_capacity: DailyCapacity::new(daily_capacity)?,
        })
    }

    /// The same agency with its English name, if one is given.
    pub fn with_english_name(self, name_en: Option<&str>) -> Result<Self, AgencyError> {
        let name_en = name_en
            .map(|n| Name::parse(n).map_err(AgencyError::EnglishName))
            .transpose()?;
        Ok(Self { name_en, ..self })
    }

    /// The six agencies of the joint-inspection mechanism, with a default capacity.
    pub fn standard() -> Vec<Self> {
        [
            (
                "housing",
                "住房和城乡建设局",
                "Housing and Urban-Rural Development Bureau",
            ),
            (
                "natural_resources",
                "自然资源和规划局",
                "Natural Resources and Planning Bureau",
            ),
            ("ecology", "生态环境局", "Ecology and Environment Bureau"),
            ("emergency", "应急管理局", "Emergency Management Bureau"),
            ("fire", "消防救援支队", "Fire and Rescue Detachment"),
            (
                "industry",
                "工业和信息化局",
                "Industry and Information Technology Bureau",
            ),
        ]
        .into_iter()
        .filter_map(|(code, name, name_en)| {
            Self::new(code, name, 6)
                .and_then(|a| a.with_english_name(Some(name_en)))
                .ok()
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_agencies_are_six() {
        let codes: Vec<String> = Agency::standard()
            .into_iter()
            .map(|a| a.code.into())
            .collect();
        assert_eq!(
            codes,
            [
                "housing",
                "natural_resources",
                "ecology",
                "emergency",
                "fire",
                "industry"
            ]
        );
    }

    #[test]
    fn refuses_bad_codes_and_capacity() {
        for bad in ["", "x", "Fire", "1fire", "fire station", "消防"] {
            assert!(AgencyCode::parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            DailyCapacity::new(-1),
            Err(AgencyError::Capacity { got: -1, .. })
        ));
        assert!(DailyCapacity::new(0).is_ok());
        assert!(Agency::new("fire", " ", 3).is_err());
    }
}
