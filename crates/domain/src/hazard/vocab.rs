//! The words and small values a hazard is made of: category, severity, long text,
//! legal basis, references to visits and evidence, the visit a hazard was found in and
//! its responsible agency.

use crate::agency::{AgencyCode, AgencyError};
use crate::credit_code::CreditCode;
use crate::text::TextError;
use crate::visit::JointVisit;
use crate::words::{UnknownWord, word_enum};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Why a finding, or one of its parts, was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HazardError {
    #[error("title: {0}")]
    Title(TextError),
    #[error("description: {0}")]
    Description(TextError),
    #[error("legal_basis: {0}")]
    LegalBasis(TextError),
    #[error("legal_basis.regulation: {0}")]
    Regulation(TextError),
    #[error("responsible_agency: {0}")]
    Agency(AgencyError),
    #[error(
        "responsible_agency: {agency} did not take part in the visit; participants: {}",
        join_codes(.participants)
    )]
    NotInVisit {
        agency: AgencyCode,
        participants: Vec<AgencyCode>,
    },
    #[error("deadline: {deadline} is before the visit day {visit_day}")]
    DeadlineBeforeVisit {
        deadline: NaiveDate,
        visit_day: NaiveDate,
    },
    #[error(
        "{field}: must be 1 to {max} characters of ASCII letters, digits, '-' or '_'; got {got:?}"
    )]
    Reference {
        field: &'static str,
        max: usize,
        got: String,
    },
    #[error("agencies: a visit has at least one agency")]
    NoAgencies,
    #[error("{field}: must be between {min} and {max}, got {got}")]
    Policy {
        field: &'static str,
        min: u32,
        max: u32,
        got: i64,
    },
    #[error(transparent)]
    Word(#[from] UnknownWord),
}

fn join_codes(codes: &[AgencyCode]) -> String {
    if codes.is_empty() {
        return "none".to_owned();
    }
    codes
        .iter()
        .map(AgencyCode::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

word_enum!(
    /// What kind of danger a hazard is.
    HazardCategory, "category", {
        /// 消防: fire protection, escape routes, alarms.
        Fire => "fire",
        /// 建筑结构: buildings and structures.
        Structure => "structure",
        /// 工艺安全: hazardous processes, interlocks, pressure equipment.
        ProcessSafety => "process_safety",
        /// 生态环境: emissions, waste, spill containment.
        Environment => "environment",
        /// 储存: warehouses, tank farms, segregation of chemicals.
        Storage => "storage",
        Other => "other",
    }
);

word_enum!(
    /// How serious a hazard is (隐患等级).
    Severity, "severity", {
        /// 一般隐患: verified on the rectification evidence.
        General => "general",
        /// 重大隐患: closed only after a re-inspection visit.
        Major => "major",
    }
);

impl Severity {
    /// The Chinese word printed on the hazard list: 一般 or 重大.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::General => "一般",
            Self::Major => "重大",
        }
    }

    /// Whether closing needs a re-inspection visit.
    pub fn needs_reinspection(self) -> bool {
        self == Self::Major
    }
}

/// Trimmed, non-empty text of at most [`LongText::MAX_CHARS`] characters: descriptions,
/// rectification reports, reasons. Line breaks and tabs are kept (`\r\n` becomes `\n`);
/// any other control character is refused.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LongText(String);

impl LongText {
    pub const MAX_CHARS: usize = 5000;

    pub fn parse(raw: &str) -> Result<Self, TextError> {
        crate::text::checked(&raw.replace("\r\n", "\n"), Self::MAX_CHARS, |c| {
            c == '\n' || c == '\t'
        })
        .map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LongText {
    type Error = TextError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LongText> for String {
    fn from(value: LongText) -> Self {
        value.0
    }
}

impl fmt::Display for LongText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a hazard is a hazard: the rule it breaks, in free text (required), and
/// optionally the reference of the regulation or standard (`GB 50016-2014 第3.2.1条`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawLegalBasis", into = "RawLegalBasis")]
pub struct LegalBasis {
    text: LongText,
    regulation: Option<crate::text::Name>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLegalBasis {
    text: String,
    #[serde(default)]
    regulation: Option<String>,
}

impl TryFrom<RawLegalBasis> for LegalBasis {
    type Error = HazardError;
    fn try_from(raw: RawLegalBasis) -> Result<Self, Self::Error> {
        Self::parse(&raw.text, raw.regulation.as_deref())
    }
}

impl From<LegalBasis> for RawLegalBasis {
    fn from(basis: LegalBasis) -> Self {
        Self {
            text: basis.text.into(),
            regulation: basis.regulation.map(String::from),
        }
    }
}

impl LegalBasis {
    /// A blank `regulation` counts as none given: forms send empty fields.
    pub fn parse(text: &str, regulation: Option<&str>) -> Result<Self, HazardError> {
        let text = LongText::parse(text).map_err(HazardError::LegalBasis)?;
        let regulation = regulation
            .filter(|r| !r.trim().is_empty())
            .map(crate::text::Name::parse)
            .transpose()
            .map_err(HazardError::Regulation)?;
        Ok(Self { text, regulation })
    }

    pub fn text(&self) -> &LongText {
        &self.text
    }

    pub fn regulation(&self) -> Option<&crate::text::Name> {
        self.regulation.as_ref()
    }
}

/// Declares an opaque reference to a record kept outside the domain (a database id,
/// a UUID): 1 to 64 ASCII letters, digits, `-` or `_`.
macro_rules! reference {
    ($(#[$meta:meta])* $name:ident, $field:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = 64;

            pub fn parse(raw: &str) -> Result<Self, HazardError> {
                let ok = (1..=Self::MAX_CHARS).contains(&raw.len())
                    && raw
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if ok {
                    Ok(Self(raw.to_owned()))
                } else {
                    Err(HazardError::Reference {
                        field: $field,
                        max: Self::MAX_CHARS,
                        got: raw.to_owned(),
                    })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = HazardError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

reference!(
    /// The id of a joint visit, as the store knows it.
    VisitRef, "visit"
);

reference!(
    /// The id of an evidence file (photo, document), as the store knows it.
    EvidenceRef, "evidence"
);

/// What the hazard rules need to know of a joint visit: its id, enterprise, day and the
/// agencies that took part. Findings are made in one; major hazards are closed on another.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawVisitContext", into = "RawVisitContext")]
pub struct VisitContext {
    id: VisitRef,
    enterprise: CreditCode,
    day: NaiveDate,
    agencies: BTreeSet<AgencyCode>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVisitContext {
    id: VisitRef,
    enterprise: CreditCode,
    day: NaiveDate,
    agencies: BTreeSet<AgencyCode>,
}

impl TryFrom<RawVisitContext> for VisitContext {
    type Error = HazardError;
    fn try_from(raw: RawVisitContext) -> Result<Self, Self::Error> {
        Self::new(raw.id, raw.enterprise, raw.day, raw.agencies)
    }
}

impl From<VisitContext> for RawVisitContext {
    fn from(v: VisitContext) -> Self {
        Self {
            id: v.id,
            enterprise: v.enterprise,
            day: v.day,
            agencies: v.agencies,
        }
    }
}

impl VisitContext {
    /// Refuses a visit without agencies.
    pub fn new(
        id: VisitRef,
        enterprise: CreditCode,
        day: NaiveDate,
        agencies: impl IntoIterator<Item = AgencyCode>,
    ) -> Result<Self, HazardError> {
        let agencies: BTreeSet<AgencyCode> = agencies.into_iter().collect();
        if agencies.is_empty() {
            return Err(HazardError::NoAgencies);
        }
        Ok(Self {
            id,
            enterprise,
            day,
            agencies,
        })
    }

    /// The context of a joint visit known to the store as `id`: its participating
    /// agencies are those that send a team.
    pub fn of(id: VisitRef, visit: &JointVisit) -> Self {
        Self {
            id,
            enterprise: visit.enterprise().clone(),
            day: visit.date(),
            agencies: visit.teams().keys().cloned().collect(),
        }
    }

    pub fn id(&self) -> &VisitRef {
        &self.id
    }

    pub fn enterprise(&self) -> &CreditCode {
        &self.enterprise
    }

    pub fn day(&self) -> NaiveDate {
        self.day
    }

    pub fn agencies(&self) -> &BTreeSet<AgencyCode> {
        &self.agencies
    }

    pub fn took_part(&self, agency: &AgencyCode) -> bool {
        self.agencies.contains(agency)
    }
}

/// The agency that owns a hazard: verifies or rejects its rectification. Always one
/// that took part in the visit that found the hazard.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct ResponsibleAgency(AgencyCode);

impl ResponsibleAgency {
    /// Refuses an agency that is not among the visit's `participants`.
    pub fn among(
        agency: AgencyCode,
        participants: &BTreeSet<AgencyCode>,
    ) -> Result<Self, HazardError> {
        if participants.contains(&agency) {
            Ok(Self(agency))
        } else {
            Err(HazardError::NotInVisit {
                agency,
                participants: participants.iter().cloned().collect(),
            })
        }
    }

    /// Parses the code and refuses it unless the agency took part in `visit`.
    pub fn parse(raw: &str, visit: &VisitContext) -> Result<Self, HazardError> {
        let agency = AgencyCode::parse(raw).map_err(HazardError::Agency)?;
        Self::among(agency, visit.agencies())
    }

    pub fn code(&self) -> &AgencyCode {
        &self.0
    }
}

impl From<ResponsibleAgency> for String {
    fn from(value: ResponsibleAgency) -> Self {
        value.0.into()
    }
}

impl fmt::Display for ResponsibleAgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) const PLANT: &str = "91110000802100433B";

    pub(crate) fn code(s: &str) -> AgencyCode {
        AgencyCode::parse(s).expect("agency code")
    }

    pub(crate) fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    pub(crate) fn visit(id: &str, on: &str, agencies: &[&str]) -> VisitContext {
        VisitContext::new(
            VisitRef::parse(id).expect("visit id"),
            CreditCode::parse(PLANT).expect("credit code"),
            day(on),
            agencies.iter().map(|a| code(a)),
        )
        .expect("visit context")
    }

    #[test]
    fn words_parse_and_refuse_with_their_field() {
        assert_eq!(
            "process_safety".parse::<HazardCategory>(),
            Ok(HazardCategory::ProcessSafety)
        );
        assert_eq!(HazardCategory::ALL.len(), 6);
        assert_eq!("major".parse::<Severity>(), Ok(Severity::Major));
        let err = "critical".parse::<Severity>().expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "severity: unknown value \"critical\"; expected one of general major"
        );
        let err = "fires".parse::<HazardCategory>().expect_err("unknown");
        assert!(err.to_string().starts_with("category: unknown value"));
        assert_eq!(Severity::General.label_zh(), "一般");
        assert_eq!(Severity::Major.label_zh(), "重大");
        assert!(Severity::Major.needs_reinspection());
        assert!(!Severity::General.needs_reinspection());
    }

    #[test]
    fn long_text_keeps_lines_and_refuses_other_controls() {
        let text = LongText::parse("  一、消防通道堵塞\r\n二、\t灭火器过期  ").expect("valid");
        assert_eq!(text.as_str(), "一、消防通道堵塞\n二、\t灭火器过期");
        assert_eq!(LongText::parse(" \n\t "), Err(TextError::Empty));
        assert_eq!(LongText::parse("a\u{7}b"), Err(TextError::ControlCharacter));
        assert_eq!(LongText::parse("a\rb"), Err(TextError::ControlCharacter));
        assert!(LongText::parse(&"隐".repeat(5000)).is_ok());
        assert_eq!(
            LongText::parse(&"隐".repeat(5001)),
            Err(TextError::TooLong {
                max: 5000,
                len: 5001
            })
        );
    }

    #[test]
    fn legal_basis_needs_text_and_a_blank_regulation_is_none() {
        let basis =
            LegalBasis::parse("《危险化学品安全管理条例》第二十条", Some("  ")).expect("valid");
        assert_eq!(basis.regulation(), None);
        let basis =
            LegalBasis::parse("防火间距不足", Some("GB 50016-2014 第3.4.1条")).expect("valid");
        assert_eq!(
            basis.regulation().map(|r| r.as_str()),
            Some("GB 50016-2014 第3.4.1条")
        );
        let err = LegalBasis::parse("  ", None).expect_err("empty");
        assert_eq!(err.to_string(), "legal_basis: must not be empty");
        let err = LegalBasis::parse("x", Some("a\u{0}")).expect_err("control");
        assert_eq!(
            err.to_string(),
            "legal_basis.regulation: must not contain control characters"
        );
        let json = serde_json::to_string(&basis).expect("serialize");
        let back: LegalBasis = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, basis);
        assert!(serde_json::from_str::<LegalBasis>(r#"{"text":" "}"#).is_err());
    }

    #[test]
    fn references_are_short_ascii_ids() {
        assert!(VisitRef::parse("0193a6f0-7c1e-7a4b-9d2e-3f4a5b6c7d8e").is_ok());
        assert!(EvidenceRef::parse("photo_01").is_ok());
        for bad in ["", "a b", "照片", &"x".repeat(65)] {
            let err = EvidenceRef::parse(bad).expect_err("bad ref");
            assert!(err.to_string().starts_with("evidence: "), "{err}");
        }
        let err = VisitRef::parse("").expect_err("empty");
        assert!(err.to_string().starts_with("visit: "));
    }

    #[test]
    fn visit_context_needs_agencies_and_the_responsible_one_took_part() {
        let err = VisitContext::new(
            VisitRef::parse("v1").expect("id"),
            CreditCode::parse(PLANT).expect("code"),
            day("2026-03-04"),
            [],
        )
        .expect_err("no agencies");
        assert_eq!(err, HazardError::NoAgencies);

        let v = visit("v1", "2026-03-04", &["fire", "ecology"]);
        let fire = ResponsibleAgency::parse("fire", &v).expect("took part");
        assert_eq!(fire.code().as_str(), "fire");
        let err = ResponsibleAgency::parse("housing", &v).expect_err("not in visit");
        assert_eq!(
            err.to_string(),
            "responsible_agency: housing did not take part in the visit; participants: ecology, fire"
        );
        let err = ResponsibleAgency::parse("Fire!", &v).expect_err("bad code");
        assert!(err.to_string().starts_with("responsible_agency: code must"));

        let json = serde_json::to_string(&v).expect("serialize");
        let back: VisitContext = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, v);
        let empty = json.replace(r#"["ecology","fire"]"#, "[]");
        assert!(serde_json::from_str::<VisitContext>(&empty).is_err());
    }

    proptest! {
        #[test]
        fn long_text_never_panics_and_round_trips(raw in "\\PC{0,60}|[\\s\\S]{0,60}") {
            if let Ok(text) = LongText::parse(&raw) {
                prop_assert_eq!(LongText::parse(text.as_str()), Ok(text.clone()));
            }
        }
    }
}
