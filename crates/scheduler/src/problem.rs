//! The planning problem: its JSON format, its parsing and its errors.
//!
//! Parsing goes in two steps so that every error can name the field *and* the id of
//! the element it is in: the JSON is first read into lenient "raw" records (every
//! scalar field accepts any JSON value), then each record is converted with the full
//! context at hand. The semantic checks that need the whole problem (duplicate ids,
//! references of inspectors and locked visits) run when the planner interns the
//! problem ([`crate::model`]), so a [`Problem`] built in code by the API is checked
//! exactly like one read from a file.

use chrono::NaiveDate;
use onevisit_domain::DateRange;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a problem was refused: the path of the offending field (naming the element's
/// id, e.g. `requests[R000004].earliest`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ProblemError {
    pub path: String,
    pub message: String,
}

impl ProblemError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The inclusive planning horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Horizon {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The statutory calendar the problem is planned under.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarLists {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workdays: Vec<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencySpec {
    pub id: String,
    pub daily_capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectorSpec {
    pub id: String,
    pub agency: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unavailable: Vec<NaiveDate>,
    /// Enterprise ids this inspector must not inspect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseSpec {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_visits: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quiet: Vec<DateRange>,
}

/// One agency's wish to inspect one enterprise inside a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub id: String,
    pub agency: String,
    pub enterprise: String,
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
    pub inspectors: u32,
    #[serde(default)]
    pub urgent: bool,
}

/// The team of one agency in a visit: inspector ids, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyTeam {
    pub agency: String,
    pub inspectors: Vec<String>,
}

/// A visit: of a locked visit in the problem, or of the plan.
///
/// `inspectors` is written in JSON as an object `{agency: [inspector, …]}`; it is kept
/// as a vector sorted by agency id (a `BTreeMap` costs half a kilobyte per visit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub id: String,
    pub enterprise: String,
    pub date: NaiveDate,
    pub requests: Vec<String>,
    #[serde(with = "team_map", default)]
    pub inspectors: Vec<AgencyTeam>,
}

/// Serialises `Vec<AgencyTeam>` as a JSON object.
pub(crate) mod team_map {
    use super::AgencyTeam;
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};
    use std::fmt;

    pub fn serialize<S: Serializer>(teams: &[AgencyTeam], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(teams.len()))?;
        for team in teams {
            map.serialize_entry(&team.agency, &team.inspectors)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<AgencyTeam>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<AgencyTeam>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of agency ids to lists of inspector ids")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((agency, inspectors)) = map.next_entry::<String, Vec<String>>()? {
                    out.push(AgencyTeam { agency, inspectors });
                }
                out.sort_by(|a, b| a.agency.cmp(&b.agency));
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// The planning problem, as `plan-format.md` defines it.
///
/// Build it with [`Problem::from_json`] (which checks everything), or in code; the
/// planner checks a problem built in code the same way before planning it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub horizon: Horizon,
    pub calendar: CalendarLists,
    pub agencies: Vec<AgencySpec>,
    pub inspectors: Vec<InspectorSpec>,
    pub enterprises: Vec<EnterpriseSpec>,
    pub requests: Vec<Request>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locked: Vec<Visit>,
}

impl Problem {
    /// Reads and checks a problem. A malformed problem is refused as a whole; this
    /// never panics, whatever the bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Problem, ProblemError> {
        let problem = Self::parse_json(bytes)?;
        crate::model::Model::build(&problem, None)?;
        Ok(problem)
    }

    /// Reads a problem, checking its syntax, types and dates but not the rules that
    /// need the whole problem (those are checked by [`crate::plan`] and
    /// [`Problem::validate`]).
    pub(crate) fn parse_json(bytes: &[u8]) -> Result<Problem, ProblemError> {
        let raw: RawProblem = serde_json::from_slice(bytes)
            .map_err(|e| ProblemError::new("(json)", e.to_string()))?;
        raw.convert()
    }

    /// Checks the rules that need the whole problem (duplicate ids, references).
    pub fn validate(&self) -> Result<(), ProblemError> {
        crate::model::Model::build(self, None).map(|_| ())
    }

    /// The problem as JSON (as the generator writes it).
    pub fn to_json(&self, pretty: bool) -> String {
        let out = if pretty {
            serde_json::to_string_pretty(self)
        } else {
            serde_json::to_string(self)
        };
        // Serialising plain strings, numbers and dates cannot fail.
        out.unwrap_or_default()
    }
}

// ----------------------------------------------------------------------------------
// Raw, lenient records.

/// Any JSON value, kept only as far as the checks need it.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
    Null,
    Array,
    Object,
}

impl Scalar {
    fn describe(&self) -> String {
        match self {
            Scalar::Str(s) => format!("{s:?}"),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Null => "null".into(),
            Scalar::Array => "an array".into(),
            Scalar::Object => "an object".into(),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(i128::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Int(i128::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
                Scalar::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Array)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Object)
            }
        }
        d.deserialize_any(V)
    }
}

/// A list whose elements may each be anything (a wrong element is reported with its
/// index and the id of its record).
#[derive(Debug, Default)]
struct List<T>(Vec<Result<T, String>>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(el) = seq.next_element::<Element<T>>()? {
                    out.push(el.0);
                }
                Ok(List(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// One element of a list: the record, or a description of the wrong value.
struct Element<T>(Result<T, String>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Element<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Records are JSON objects; anything else is described, not parsed.
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Element<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an element")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Element<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Element(Ok(t)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Element<T>, E> {
                // Strings are the elements of id lists.
                T::deserialize(de::value::StrDeserializer::<E>::new(v))
                    .map(|t| Element(Ok(t)))
                    .or_else(|_| Ok(Element(Err(format!("{v:?} is not expected here")))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Element<T>, E> {
                Ok(Element(Err(format!("expected an object or a string, found {v}"))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Element<T>, E> {
                Ok(Element(Err(format!("expected an object or a string, found {v}"))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Element<T>, E> {
                Ok(Element(Err(format!("expected an object or a string, found {v}"))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Element<T>, E> {
                Ok(Element(Err(format!("expected an object or a string, found {v}"))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Element<T>, E> {
                Ok(Element(Err("expected an object or a string, found null".into())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Element<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Element(Err(
                    "expected an object or a string, found an array".into()
                )))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A string element of an id or date list.
#[derive(Debug)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Text)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawRange {
    start: Option<Scalar>,
    end: Option<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawCalendar {
    holidays: Option<List<Text>>,
    workdays: Option<List<Text>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawAgency {
    id: Option<Scalar>,
    daily_capacity: Option<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawInspector {
    id: Option<Scalar>,
    agency: Option<Scalar>,
    unavailable: Option<List<Text>>,
    conflicts: Option<List<Text>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawEnterprise {
    id: Option<Scalar>,
    max_visits: Option<Scalar>,
    quiet: Option<List<RawRange>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawRequest {
    id: Option<Scalar>,
    agency: Option<Scalar>,
    enterprise: Option<Scalar>,
    earliest: Option<Scalar>,
    latest: Option<Scalar>,
    inspectors: Option<Scalar>,
    urgent: Option<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawLocked {
    id: Option<Scalar>,
    enterprise: Option<Scalar>,
    date: Option<Scalar>,
    requests: Option<List<Text>>,
    inspectors: Option<RawTeams>,
}

/// `{agency: [inspector, …]}`, leniently.
#[derive(Debug)]
struct RawTeams(Result<Vec<(String, List<Text>)>, String>);

impl<'de> Deserialize<'de> for RawTeams {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawTeams;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTeams, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value::<Scalarish>()?;
                    match value {
                        Scalarish::List(l) => out.push((key, l)),
                        Scalarish::Other(what) => {
                            // Drain and report.
                            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                            return Ok(RawTeams(Err(format!(
                                "{key}: expected a list of inspector ids, found {what}"
                            ))));
                        }
                    }
                }
                Ok(RawTeams(Ok(out)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawTeams, E> {
                Ok(RawTeams(Ok(Vec::new())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawTeams, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawTeams(Err("expected an object, found an array".into())))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTeams, E> {
                Ok(RawTeams(Err(format!("expected an object, found {v:?}"))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawTeams, E> {
                Ok(RawTeams(Err(format!("expected an object, found {v}"))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawTeams, E> {
                Ok(RawTeams(Err(format!("expected an object, found {v}"))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawTeams, E> {
                Ok(RawTeams(Err(format!("expected an object, found {v}"))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawTeams, E> {
                Ok(RawTeams(Err(format!("expected an object, found {v}"))))
            }
        }
        d.deserialize_any(V)
    }
}

/// A list, or a description of the non-list value found instead.
enum Scalarish {
    List(List<Text>),
    Other(String),
}

impl<'de> Deserialize<'de> for Scalarish {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalarish;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalarish, A::Error> {
                let mut out = Vec::new();
                while let Some(el) = seq.next_element::<Element<Text>>()? {
                    out.push(el.0);
                }
                Ok(Scalarish::List(List(out)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalarish, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalarish::Other("an object".into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalarish, E> {
                Ok(Scalarish::Other(format!("{v:?}")))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalarish, E> {
                Ok(Scalarish::Other(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalarish, E> {
                Ok(Scalarish::Other(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalarish, E> {
                Ok(Scalarish::Other(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalarish, E> {
                Ok(Scalarish::Other(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalarish, E> {
                Ok(Scalarish::List(List(Vec::new())))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawProblem {
    horizon: Option<RawRangeOrWrong>,
    calendar: Option<RawCalendarOrWrong>,
    agencies: Option<List<RawAgency>>,
    inspectors: Option<List<RawInspector>>,
    enterprises: Option<List<RawEnterprise>>,
    requests: Option<List<RawRequest>>,
    locked: Option<List<RawLocked>>,
}

/// A top-level object field that may be of the wrong type.
#[derive(Debug)]
struct Wrong<T>(Result<T, String>);
type RawRangeOrWrong = Wrong<RawRange>;
type RawCalendarOrWrong = Wrong<RawCalendar>;

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Wrong<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Element::<T>::deserialize(d).map(|e| Wrong(e.0))
    }
}

// ----------------------------------------------------------------------------------
// Conversion with context.

fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if !b
        .iter()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

struct Ctx<'a> {
    list: &'a str,
    id: String,
}

impl Ctx<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> ProblemError {
        ProblemError::new(format!("{}[{}].{field}", self.list, self.id), message)
    }

    fn required<'v>(&self, field: &str, v: &'v Option<Scalar>) -> Result<&'v Scalar, ProblemError> {
        match v {
            None => Err(self.err(field, "missing")),
            Some(s) => Ok(s),
        }
    }

    fn string(&self, field: &str, v: &Option<Scalar>) -> Result<String, ProblemError> {
        match self.required(field, v)? {
            Scalar::Str(s) if !s.is_empty() => Ok(s.clone()),
            Scalar::Str(_) => Err(self.err(field, "must not be empty")),
            other => Err(self.err(
                field,
                format!("expected a string, found {}", other.describe()),
            )),
        }
    }

    fn date(&self, field: &str, v: &Option<Scalar>) -> Result<NaiveDate, ProblemError> {
        match self.required(field, v)? {
            Scalar::Str(s) => parse_date(s)
                .ok_or_else(|| self.err(field, format!("{s:?} is not a date (YYYY-MM-DD)"))),
            other => Err(self.err(
                field,
                format!("expected a date, found {}", other.describe()),
            )),
        }
    }

    fn count(&self, field: &str, v: &Scalar) -> Result<u32, ProblemError> {
        match v {
            Scalar::Int(i) if *i < 0 => Err(self.err(field, format!("{i} is negative"))),
            Scalar::Int(i) => u32::try_from(*i)
                .map_err(|_| self.err(field, format!("{i} is too large"))),
            Scalar::Float(f) if f.fract() == 0.0 && *f < 0.0 => {
                Err(self.err(field, format!("{f} is negative")))
            }
            other => Err(self.err(
                field,
                format!("expected a whole number, found {}", other.describe()),
            )),
        }
    }

    fn dates(&self, field: &str, v: Option<List<Text>>) -> Result<Vec<NaiveDate>, ProblemError> {
        let Some(list) = v else {
            return Ok(Vec::new());
        };
        list.0
            .into_iter()
            .enumerate()
            .map(|(i, el)| match el {
                Ok(Text(s)) => parse_date(&s).ok_or_else(|| {
                    self.err(&format!("{field}[{i}]"), format!("{s:?} is not a date (YYYY-MM-DD)"))
                }),
                Err(m) => Err(self.err(&format!("{field}[{i}]"), m)),
            })
            .collect()
    }

    fn ids(&self, field: &str, v: Option<List<Text>>) -> Result<Vec<String>, ProblemError> {
        let Some(list) = v else {
            return Ok(Vec::new());
        };
        list.0
            .into_iter()
            .enumerate()
            .map(|(i, el)| match el {
                Ok(Text(s)) if !s.is_empty() => Ok(s),
                Ok(Text(_)) => Err(self.err(&format!("{field}[{i}]"), "must not be empty")),
                Err(m) => Err(self.err(&format!("{field}[{i}]"), m)),
            })
            .collect()
    }

    fn range(&self, field: &str, raw: &RawRange) -> Result<DateRange, ProblemError> {
        let start = self.date(&format!("{field}.start"), &raw.start)?;
        let end = self.date(&format!("{field}.end"), &raw.end)?;
        DateRange::new(start, end).map_err(|_| {
            self.err(
                &format!("{field}.end"),
                format!("{end} is before start {start}"),
            )
        })
    }
}

/// The id of a record for error messages: the id if it is a usable string, else `#index`.
fn label(id: &Option<Scalar>, index: usize) -> String {
    match id {
        Some(Scalar::Str(s)) if !s.is_empty() => s.clone(),
        _ => format!("#{index}"),
    }
}

fn records<T>(
    list_name: &'static str,
    v: Option<List<T>>,
    required: bool,
) -> Result<Vec<(usize, T)>, ProblemError> {
    match v {
        None if required => Err(ProblemError::new(list_name, "missing")),
        None => Ok(Vec::new()),
        Some(list) => list
            .0
            .into_iter()
            .enumerate()
            .map(|(i, el)| {
                el.map(|t| (i, t))
                    .map_err(|m| ProblemError::new(format!("{list_name}[#{i}]"), m))
            })
            .collect(),
    }
}

impl RawProblem {
    fn convert(self) -> Result<Problem, ProblemError> {
        let top = Ctx {
            list: "",
            id: String::new(),
        };
        let horizon = match self.horizon {
            None => return Err(ProblemError::new("horizon", "missing")),
            Some(Wrong(Err(m))) => return Err(ProblemError::new("horizon", m)),
            Some(Wrong(Ok(raw))) => {
                let start = top
                    .date("start", &raw.start)
                    .map_err(|e| ProblemError::new("horizon.start", e.message))?;
                let end = top
                    .date("end", &raw.end)
                    .map_err(|e| ProblemError::new("horizon.end", e.message))?;
                if end < start {
                    return Err(ProblemError::new(
                        "horizon.end",
                        format!("{end} is before start {start}"),
                    ));
                }
                Horizon { start, end }
            }
        };
        let calendar = match self.calendar {
            None => CalendarLists::default(),
            Some(Wrong(Err(m))) => return Err(ProblemError::new("calendar", m)),
            Some(Wrong(Ok(raw))) => {
                let conv = |name: &str, l: Option<List<Text>>| -> Result<Vec<NaiveDate>, ProblemError> {
                    let Some(l) = l else { return Ok(Vec::new()) };
                    l.0.into_iter()
                        .enumerate()
                        .map(|(i, el)| {
                            let path = format!("calendar.{name}[{i}]");
                            match el {
                                Ok(Text(s)) => parse_date(&s).ok_or_else(|| {
                                    ProblemError::new(path, format!("{s:?} is not a date (YYYY-MM-DD)"))
                                }),
                                Err(m) => Err(ProblemError::new(path, m)),
                            }
                        })
                        .collect()
                };
                CalendarLists {
                    holidays: conv("holidays", raw.holidays)?,
                    workdays: conv("workdays", raw.workdays)?,
                }
            }
        };

        let mut agencies = Vec::new();
        for (i, raw) in records("agencies", self.agencies, true)? {
            let ctx = Ctx {
                list: "agencies",
                id: label(&raw.id, i),
            };
            let id = ctx.string("id", &raw.id)?;
            let daily_capacity = ctx.count(
                "daily_capacity",
                ctx.required("daily_capacity", &raw.daily_capacity)?,
            )?;
            agencies.push(AgencySpec { id, daily_capacity });
        }

        let mut inspectors = Vec::new();
        for (i, raw) in records("inspectors", self.inspectors, false)? {
            let ctx = Ctx {
                list: "inspectors",
                id: label(&raw.id, i),
            };
            inspectors.push(InspectorSpec {
                id: ctx.string("id", &raw.id)?,
                agency: ctx.string("agency", &raw.agency)?,
                unavailable: ctx.dates("unavailable", raw.unavailable)?,
                conflicts: ctx.ids("conflicts", raw.conflicts)?,
            });
        }

        let mut enterprises = Vec::new();
        for (i, raw) in records("enterprises", self.enterprises, true)? {
            let ctx = Ctx {
                list: "enterprises",
                id: label(&raw.id, i),
            };
            let id = ctx.string("id", &raw.id)?;
            let max_visits = match &raw.max_visits {
                None | Some(Scalar::Null) => None,
                Some(v) => Some(ctx.count("max_visits", v)?),
            };
            let mut quiet = Vec::new();
            if let Some(list) = raw.quiet {
                for (q, el) in list.0.into_iter().enumerate() {
                    let field = format!("quiet[{q}]");
                    match el {
                        Ok(r) => quiet.push(ctx.range(&field, &r)?),
                        Err(m) => return Err(ctx.err(&field, m)),
                    }
                }
            }
            enterprises.push(EnterpriseSpec {
                id,
                max_visits,
                quiet,
            });
        }

        let raw_requests = records("requests", self.requests, true)?;
        let mut requests = Vec::with_capacity(raw_requests.len());
        for (i, raw) in raw_requests {
            let ctx = Ctx {
                list: "requests",
                id: label(&raw.id, i),
            };
            let id = ctx.string("id", &raw.id)?;
            let agency = ctx.string("agency", &raw.agency)?;
            let enterprise = ctx.string("enterprise", &raw.enterprise)?;
            let earliest = ctx.date("earliest", &raw.earliest)?;
            let latest = ctx.date("latest", &raw.latest)?;
            if earliest > latest {
                return Err(ctx.err(
                    "earliest",
                    format!("{earliest} is after latest {latest}"),
                ));
            }
            let inspectors = ctx.count("inspectors", ctx.required("inspectors", &raw.inspectors)?)?;
            if inspectors == 0 {
                return Err(ctx.err("inspectors", "must be at least 1"));
            }
            let urgent = match &raw.urgent {
                None | Some(Scalar::Null) => false,
                Some(Scalar::Bool(b)) => *b,
                Some(other) => {
                    return Err(ctx.err(
                        "urgent",
                        format!("expected true or false, found {}", other.describe()),
                    ));
                }
            };
            requests.push(Request {
                id,
                agency,
                enterprise,
                earliest,
                latest,
                inspectors,
                urgent,
            });
        }

        let mut locked = Vec::new();
        for (i, raw) in records("locked", self.locked, false)? {
            let ctx = Ctx {
                list: "locked",
                id: label(&raw.id, i),
            };
            let id = ctx.string("id", &raw.id)?;
            let enterprise = ctx.string("enterprise", &raw.enterprise)?;
            let date = ctx.date("date", &raw.date)?;
            let requests = ctx.ids("requests", raw.requests)?;
            let mut teams = Vec::new();
            match raw.inspectors {
                None => {}
                Some(RawTeams(Err(m))) => return Err(ctx.err("inspectors", m)),
                Some(RawTeams(Ok(list))) => {
                    for (agency, members) in list {
                        let inspectors = ctx.ids(&format!("inspectors.{agency}"), Some(members))?;
                        teams.push(AgencyTeam { agency, inspectors });
                    }
                }
            }
            teams.sort_by(|a, b| a.agency.cmp(&b.agency));
            locked.push(Visit {
                id,
                enterprise,
                date,
                requests,
                inspectors: teams,
            });
        }

        Ok(Problem {
            horizon,
            calendar,
            agencies,
            inspectors,
            enterprises,
            requests,
            locked,
        })
    }
}
