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
use std::borrow::Cow;
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
    #[serde(serialize_with = "write_date")]
    pub date: NaiveDate,
    pub requests: Vec<String>,
    #[serde(with = "team_map", default)]
    pub inspectors: Vec<AgencyTeam>,
}

/// Writes a date as `YYYY-MM-DD` (chrono's formatter is slow on a million dates).
pub(crate) fn write_date<S: serde::Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    use chrono::Datelike;
    let (y, m, d) = (date.year(), date.month(), date.day());
    if !(0..=9999).contains(&y) {
        return s.collect_str(date);
    }
    let y = y as u32;
    let digit = |v: u32| b'0' + (v % 10) as u8;
    let buf = [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ];
    s.serialize_str(std::str::from_utf8(&buf).unwrap_or_default())
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
        // The strict typed reader is faster on a well-formed problem; anything it does
        // not like (an error, or merely an unusual form such as an escaped string or
        // `"urgent": null`) goes to the lenient reader, which has the final word and
        // the precise error message.
        if let Some(p) = fast::parse(bytes) {
            return Ok(p);
        }
        Self::parse_lenient(bytes)
    }

    /// The lenient reader: accepts every form the format allows and names the field
    /// and the id of whatever is wrong.
    pub(crate) fn parse_lenient(bytes: &[u8]) -> Result<Problem, ProblemError> {
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
// Raw, lenient records, converted to the typed ones while the JSON is read (so the
// raw form of a million requests never sits in memory at once).

/// Any JSON value, kept only as far as the checks need it. Strings are borrowed from
/// the input when they hold no escapes.
#[derive(Debug, Clone, PartialEq)]
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Array,
    Object,
}

impl Scalar<'_> {
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

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Scalar<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                Scalar::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Array)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Object)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl Scalar<'_> {
    fn into_static(self) -> Scalar<'static> {
        match self {
            Scalar::Str(s) => Scalar::Str(Cow::Owned(s.into_owned())),
            Scalar::Int(i) => Scalar::Int(i),
            Scalar::Float(f) => Scalar::Float(f),
            Scalar::Bool(b) => Scalar::Bool(b),
            Scalar::Null => Scalar::Null,
            Scalar::Array => Scalar::Array,
            Scalar::Object => Scalar::Object,
        }
    }
}

/// A scalar that owns its text.
#[derive(Debug)]
struct Owned(Scalar<'static>);

impl<'de> Deserialize<'de> for Owned {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Scalar::<'de>::deserialize(d).map(|s| Owned(s.into_static()))
    }
}

/// A list of strings (ids or dates), each element possibly of the wrong type.
#[derive(Debug, Default)]
struct List(Vec<Scalar<'static>>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = List;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
                let mut out = Vec::new();
                while let Some(Owned(el)) = seq.next_element::<Owned>()? {
                    out.push(el);
                }
                Ok(List(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<List, E> {
                Ok(List(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A record (JSON object) or a description of the wrong value found instead.
struct Record<T>(Result<T, String>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Record<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Record<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Record<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Record(Ok(t)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Record<T>, E> {
                Ok(Record(Err(format!("expected an object, found {v:?}"))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Record<T>, E> {
                Ok(Record(Err(format!("expected an object, found {v}"))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Record<T>, E> {
                Ok(Record(Err(format!("expected an object, found {v}"))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Record<T>, E> {
                Ok(Record(Err(format!("expected an object, found {v}"))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Record<T>, E> {
                Ok(Record(Err(format!("expected an object, found {v}"))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Record<T>, E> {
                Ok(Record(Err("expected an object, found null".into())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Record<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Record(Err("expected an object, found an array".into())))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A typed record converted from its raw form with the context for error messages.
trait Convert<'de>: Sized {
    type Raw: Deserialize<'de>;
    const LIST: &'static str;
    fn convert(raw: Self::Raw, index: usize) -> Result<Self, ProblemError>;
}

/// A list of records, converted as they are read; the first error is kept and the
/// rest of the list is only skipped over.
struct Converted<T>(Result<Vec<T>, ProblemError>);

impl<'de, T: Convert<'de>> Deserialize<'de> for Converted<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Convert<'de>> Visitor<'de> for V<T> {
            type Value = Converted<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Converted<T>, A::Error> {
                let mut out: Result<Vec<T>, ProblemError> = Ok(Vec::with_capacity(
                    seq.size_hint().unwrap_or(0).min(1 << 16),
                ));
                let mut index = 0;
                loop {
                    if out.is_err() {
                        if seq.next_element::<IgnoredAny>()?.is_none() {
                            break;
                        }
                        continue;
                    }
                    let Some(Record(el)) = seq.next_element::<Record<T::Raw>>()? else {
                        break;
                    };
                    let converted = el
                        .map_err(|m| ProblemError::new(format!("{}[#{index}]", T::LIST), m))
                        .and_then(|raw| T::convert(raw, index));
                    match converted {
                        Ok(t) => {
                            if let Ok(v) = out.as_mut() {
                                v.push(t);
                            }
                        }
                        Err(e) => out = Err(e),
                    }
                    index += 1;
                }
                Ok(Converted(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Converted<T>, E> {
                Ok(Converted(Ok(Vec::new())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Converted<T>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Converted(Err(ProblemError::new(
                    T::LIST,
                    "expected an array, found an object",
                ))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Converted<T>, E> {
                Ok(Converted(Err(ProblemError::new(
                    T::LIST,
                    format!("expected an array, found {v:?}"),
                ))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Converted<T>, E> {
                Ok(Converted(Err(ProblemError::new(
                    T::LIST,
                    format!("expected an array, found {v}"),
                ))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Converted<T>, E> {
                Ok(Converted(Err(ProblemError::new(
                    T::LIST,
                    format!("expected an array, found {v}"),
                ))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Converted<T>, E> {
                Ok(Converted(Err(ProblemError::new(
                    T::LIST,
                    format!("expected an array, found {v}"),
                ))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Converted<T>, E> {
                Ok(Converted(Err(ProblemError::new(
                    T::LIST,
                    format!("expected an array, found {v}"),
                ))))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawCalendar {
    holidays: Option<List>,
    workdays: Option<List>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawAgency<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(borrow)]
    daily_capacity: Option<Scalar<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawInspector<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(borrow)]
    agency: Option<Scalar<'a>>,
    unavailable: Option<List>,
    conflicts: Option<List>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawEnterprise<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(borrow)]
    max_visits: Option<Scalar<'a>>,
    quiet: Option<Vec<Record<RawRangeOwned>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawRangeOwned {
    start: Option<Owned>,
    end: Option<Owned>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawRequest<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(borrow)]
    agency: Option<Scalar<'a>>,
    #[serde(borrow)]
    enterprise: Option<Scalar<'a>>,
    #[serde(borrow)]
    earliest: Option<Scalar<'a>>,
    #[serde(borrow)]
    latest: Option<Scalar<'a>>,
    #[serde(borrow)]
    inspectors: Option<Scalar<'a>>,
    #[serde(borrow)]
    urgent: Option<Scalar<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawLocked<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(borrow)]
    enterprise: Option<Scalar<'a>>,
    #[serde(borrow)]
    date: Option<Scalar<'a>>,
    requests: Option<List>,
    inspectors: Option<RawTeams>,
}

/// `{agency: [inspector, …]}`, leniently.
#[derive(Debug)]
struct RawTeams(Result<Vec<(String, List)>, String>);

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
                let mut wrong = None;
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value::<ListOrNot>()?;
                    match value {
                        ListOrNot::List(l) => out.push((key, l)),
                        ListOrNot::Not(what) => {
                            wrong.get_or_insert(format!(
                                "{key}: expected a list of inspector ids, found {what}"
                            ));
                        }
                    }
                }
                Ok(RawTeams(wrong.map_or(Ok(out), Err)))
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

/// A list of strings, or a description of the non-list value found instead.
enum ListOrNot {
    List(List),
    Not(String),
}

impl<'de> Deserialize<'de> for ListOrNot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ListOrNot;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ListOrNot, A::Error> {
                let mut out = Vec::new();
                while let Some(Owned(el)) = seq.next_element::<Owned>()? {
                    out.push(el);
                }
                Ok(ListOrNot::List(List(out)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ListOrNot, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(ListOrNot::Not("an object".into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ListOrNot, E> {
                Ok(ListOrNot::Not(format!("{v:?}")))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ListOrNot, E> {
                Ok(ListOrNot::Not(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ListOrNot, E> {
                Ok(ListOrNot::Not(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ListOrNot, E> {
                Ok(ListOrNot::Not(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ListOrNot, E> {
                Ok(ListOrNot::Not(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ListOrNot, E> {
                Ok(ListOrNot::List(List(Vec::new())))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawProblem {
    horizon: Option<Record<RawRangeOwned>>,
    calendar: Option<Record<RawCalendar>>,
    agencies: Option<Converted<AgencySpec>>,
    inspectors: Option<Converted<InspectorSpec>>,
    enterprises: Option<Converted<EnterpriseSpec>>,
    requests: Option<Converted<Request>>,
    locked: Option<Converted<Visit>>,
}

impl<T> fmt::Debug for Converted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Converted")
    }
}

impl<T> fmt::Debug for Record<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Record")
    }
}

// ----------------------------------------------------------------------------------
// Conversion with context.

/// Parses `YYYY-MM-DD` exactly.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let y = num(0..4)?;
    let m = num(5..7)?;
    let d = num(8..10)?;
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

struct Ctx<'a> {
    list: &'static str,
    id: &'a str,
}

fn take_id(
    list: &'static str,
    raw: Option<Scalar<'_>>,
    index: usize,
) -> Result<String, ProblemError> {
    let path = || format!("{list}[#{index}].id");
    match raw {
        None => Err(ProblemError::new(path(), "missing")),
        Some(Scalar::Str(s)) if !s.is_empty() => Ok(s.into_owned()),
        Some(Scalar::Str(_)) => Err(ProblemError::new(path(), "must not be empty")),
        Some(other) => Err(ProblemError::new(
            path(),
            format!("expected a string, found {}", other.describe()),
        )),
    }
}

impl Ctx<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> ProblemError {
        ProblemError::new(format!("{}[{}].{field}", self.list, self.id), message)
    }

    fn required<'a>(&self, field: &str, v: Option<Scalar<'a>>) -> Result<Scalar<'a>, ProblemError> {
        v.ok_or_else(|| self.err(field, "missing"))
    }

    fn string(&self, field: &str, v: Option<Scalar<'_>>) -> Result<String, ProblemError> {
        match self.required(field, v)? {
            Scalar::Str(s) if !s.is_empty() => Ok(s.into_owned()),
            Scalar::Str(_) => Err(self.err(field, "must not be empty")),
            other => Err(self.err(
                field,
                format!("expected a string, found {}", other.describe()),
            )),
        }
    }

    fn date(&self, field: &str, v: Option<Scalar<'_>>) -> Result<NaiveDate, ProblemError> {
        match self.required(field, v)? {
            Scalar::Str(s) => parse_date(&s)
                .ok_or_else(|| self.err(field, format!("{s:?} is not a date (YYYY-MM-DD)"))),
            other => Err(self.err(
                field,
                format!("expected a date, found {}", other.describe()),
            )),
        }
    }

    fn count(&self, field: &str, v: Scalar<'_>) -> Result<u32, ProblemError> {
        match v {
            Scalar::Int(i) if i < 0 => Err(self.err(field, format!("{i} is negative"))),
            Scalar::Int(i) => {
                u32::try_from(i).map_err(|_| self.err(field, format!("{i} is too large")))
            }
            Scalar::Float(f) if f.fract() == 0.0 && f < 0.0 => {
                Err(self.err(field, format!("{f} is negative")))
            }
            Scalar::Float(f) if f.fract() == 0.0 && f >= 0.0 && f <= f64::from(u32::MAX) => {
                Ok(f as u32)
            }
            Scalar::Float(f) if f.fract() == 0.0 && f > 0.0 => {
                Err(self.err(field, format!("{f} is too large")))
            }
            other => Err(self.err(
                field,
                format!("expected a whole number, found {}", other.describe()),
            )),
        }
    }

    fn dates(&self, field: &str, v: Option<List>) -> Result<Vec<NaiveDate>, ProblemError> {
        let Some(list) = v else { return Ok(Vec::new()) };
        list.0
            .into_iter()
            .enumerate()
            .map(|(i, el)| self.date(&format!("{field}[{i}]"), Some(el)))
            .collect()
    }

    fn ids(&self, field: &str, v: Option<List>) -> Result<Vec<String>, ProblemError> {
        let Some(list) = v else { return Ok(Vec::new()) };
        list.0
            .into_iter()
            .enumerate()
            .map(|(i, el)| self.string(&format!("{field}[{i}]"), Some(el)))
            .collect()
    }

    fn range(&self, field: &str, raw: RawRangeOwned) -> Result<DateRange, ProblemError> {
        let start = self.date(&format!("{field}.start"), raw.start.map(|o| o.0))?;
        let end = self.date(&format!("{field}.end"), raw.end.map(|o| o.0))?;
        DateRange::new(start, end).map_err(|_| {
            self.err(
                &format!("{field}.end"),
                format!("{end} is before start {start}"),
            )
        })
    }
}

impl<'de> Convert<'de> for AgencySpec {
    type Raw = RawAgency<'de>;
    const LIST: &'static str = "agencies";
    fn convert(raw: RawAgency<'de>, index: usize) -> Result<Self, ProblemError> {
        let id = take_id(Self::LIST, raw.id, index)?;
        let ctx = Ctx {
            list: Self::LIST,
            id: &id,
        };
        let daily_capacity = ctx.count(
            "daily_capacity",
            ctx.required("daily_capacity", raw.daily_capacity)?,
        )?;
        Ok(AgencySpec { id, daily_capacity })
    }
}

impl<'de> Convert<'de> for InspectorSpec {
    type Raw = RawInspector<'de>;
    const LIST: &'static str = "inspectors";
    fn convert(raw: RawInspector<'de>, index: usize) -> Result<Self, ProblemError> {
        let id = take_id(Self::LIST, raw.id, index)?;
        let ctx = Ctx {
            list: Self::LIST,
            id: &id,
        };
        let agency = ctx.string("agency", raw.agency)?;
        let unavailable = ctx.dates("unavailable", raw.unavailable)?;
        let conflicts = ctx.ids("conflicts", raw.conflicts)?;
        Ok(InspectorSpec {
            id,
            agency,
            unavailable,
            conflicts,
        })
    }
}

impl<'de> Convert<'de> for EnterpriseSpec {
    type Raw = RawEnterprise<'de>;
    const LIST: &'static str = "enterprises";
    fn convert(raw: RawEnterprise<'de>, index: usize) -> Result<Self, ProblemError> {
        let id = take_id(Self::LIST, raw.id, index)?;
        let ctx = Ctx {
            list: Self::LIST,
            id: &id,
        };
        let max_visits = match raw.max_visits {
            None | Some(Scalar::Null) => None,
            Some(v) => Some(ctx.count("max_visits", v)?),
        };
        let mut quiet = Vec::new();
        for (q, Record(el)) in raw.quiet.unwrap_or_default().into_iter().enumerate() {
            let field = format!("quiet[{q}]");
            match el {
                Ok(r) => quiet.push(ctx.range(&field, r)?),
                Err(m) => return Err(ctx.err(&field, m)),
            }
        }
        Ok(EnterpriseSpec {
            id,
            max_visits,
            quiet,
        })
    }
}

impl<'de> Convert<'de> for Request {
    type Raw = RawRequest<'de>;
    const LIST: &'static str = "requests";
    fn convert(raw: RawRequest<'de>, index: usize) -> Result<Self, ProblemError> {
        let id = take_id(Self::LIST, raw.id, index)?;
        let ctx = Ctx {
            list: Self::LIST,
            id: &id,
        };
        let agency = ctx.string("agency", raw.agency)?;
        let enterprise = ctx.string("enterprise", raw.enterprise)?;
        let earliest = ctx.date("earliest", raw.earliest)?;
        let latest = ctx.date("latest", raw.latest)?;
        if earliest > latest {
            return Err(ctx.err("earliest", format!("{earliest} is after latest {latest}")));
        }
        let inspectors = ctx.count("inspectors", ctx.required("inspectors", raw.inspectors)?)?;
        if inspectors == 0 {
            return Err(ctx.err("inspectors", "must be at least 1"));
        }
        let urgent = match raw.urgent {
            None | Some(Scalar::Null) => false,
            Some(Scalar::Bool(b)) => b,
            Some(other) => {
                return Err(ctx.err(
                    "urgent",
                    format!("expected true or false, found {}", other.describe()),
                ));
            }
        };
        Ok(Request {
            id,
            agency,
            enterprise,
            earliest,
            latest,
            inspectors,
            urgent,
        })
    }
}

impl<'de> Convert<'de> for Visit {
    type Raw = RawLocked<'de>;
    const LIST: &'static str = "locked";
    fn convert(raw: RawLocked<'de>, index: usize) -> Result<Self, ProblemError> {
        let id = take_id(Self::LIST, raw.id, index)?;
        let ctx = Ctx {
            list: Self::LIST,
            id: &id,
        };
        let enterprise = ctx.string("enterprise", raw.enterprise)?;
        let date = ctx.date("date", raw.date)?;
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
        Ok(Visit {
            id,
            enterprise,
            date,
            requests,
            inspectors: teams,
        })
    }
}

fn list<T>(
    name: &'static str,
    v: Option<Converted<T>>,
    required: bool,
) -> Result<Vec<T>, ProblemError> {
    match v {
        None if required => Err(ProblemError::new(name, "missing")),
        None => Ok(Vec::new()),
        Some(Converted(r)) => r,
    }
}

impl RawProblem {
    fn convert(self) -> Result<Problem, ProblemError> {
        let horizon = match self.horizon {
            None => return Err(ProblemError::new("horizon", "missing")),
            Some(Record(Err(m))) => return Err(ProblemError::new("horizon", m)),
            Some(Record(Ok(raw))) => {
                let top = |field: &str, v: Option<Scalar<'_>>| -> Result<NaiveDate, ProblemError> {
                    let path = format!("horizon.{field}");
                    match v {
                        None => Err(ProblemError::new(path, "missing")),
                        Some(Scalar::Str(s)) => parse_date(&s).ok_or_else(|| {
                            ProblemError::new(path, format!("{s:?} is not a date (YYYY-MM-DD)"))
                        }),
                        Some(other) => Err(ProblemError::new(
                            path,
                            format!("expected a date, found {}", other.describe()),
                        )),
                    }
                };
                let start = top("start", raw.start.map(|o| o.0))?;
                let end = top("end", raw.end.map(|o| o.0))?;
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
            Some(Record(Err(m))) => return Err(ProblemError::new("calendar", m)),
            Some(Record(Ok(raw))) => {
                let conv = |name: &str, l: Option<List>| -> Result<Vec<NaiveDate>, ProblemError> {
                    let Some(l) = l else { return Ok(Vec::new()) };
                    l.0.into_iter()
                        .enumerate()
                        .map(|(i, el)| {
                            let path = format!("calendar.{name}[{i}]");
                            match el {
                                Scalar::Str(s) => parse_date(&s).ok_or_else(|| {
                                    ProblemError::new(
                                        path,
                                        format!("{s:?} is not a date (YYYY-MM-DD)"),
                                    )
                                }),
                                other => Err(ProblemError::new(
                                    path,
                                    format!("expected a date, found {}", other.describe()),
                                )),
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
        Ok(Problem {
            horizon,
            calendar,
            agencies: list("agencies", self.agencies, true)?,
            inspectors: list("inspectors", self.inspectors, false)?,
            enterprises: list("enterprises", self.enterprises, true)?,
            requests: list("requests", self.requests, true)?,
            locked: list("locked", self.locked, false)?,
        })
    }
}

/// The strict, fast reader of well-formed problems (see [`Problem::parse_json`]). It
/// returns `None` for anything it would have to think about; it must never accept what
/// the lenient reader refuses, nor read anything differently (a test compares them).
mod fast {
    use super::{
        AgencySpec, CalendarLists, EnterpriseSpec, Horizon, InspectorSpec, Problem, Request,
        parse_date,
    };
    use chrono::NaiveDate;
    use onevisit_domain::DateRange;
    use serde::Deserialize;
    use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
    use std::fmt;

    #[derive(Deserialize)]
    struct Range<'a> {
        #[serde(borrow)]
        start: &'a str,
        #[serde(borrow)]
        end: &'a str,
    }

    #[derive(Deserialize)]
    struct Calendar<'a> {
        #[serde(default, borrow)]
        holidays: Vec<&'a str>,
        #[serde(default, borrow)]
        workdays: Vec<&'a str>,
    }

    #[derive(Deserialize)]
    struct Agency<'a> {
        #[serde(borrow)]
        id: &'a str,
        daily_capacity: u32,
    }

    #[derive(Deserialize)]
    struct Inspector<'a> {
        #[serde(borrow)]
        id: &'a str,
        #[serde(borrow)]
        agency: &'a str,
        #[serde(default, borrow)]
        unavailable: Vec<&'a str>,
        #[serde(default, borrow)]
        conflicts: Vec<&'a str>,
    }

    #[derive(Deserialize)]
    struct Enterprise<'a> {
        #[serde(borrow)]
        id: &'a str,
        #[serde(default)]
        max_visits: Option<u32>,
        #[serde(default, borrow)]
        quiet: Vec<Range<'a>>,
    }

    #[derive(Deserialize)]
    struct Req<'a> {
        #[serde(borrow)]
        id: &'a str,
        #[serde(borrow)]
        agency: &'a str,
        #[serde(borrow)]
        enterprise: &'a str,
        #[serde(borrow)]
        earliest: &'a str,
        #[serde(borrow)]
        latest: &'a str,
        inspectors: u32,
        #[serde(default)]
        urgent: bool,
    }

    /// Requests converted as they are read; `None` on the first one the fast reader
    /// does not accept.
    struct Requests(Option<Vec<Request>>);

    impl<'de> Deserialize<'de> for Requests {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Requests;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an array of requests")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Requests, A::Error> {
                    let mut out = Vec::new();
                    while let Some(r) = seq.next_element::<Req<'de>>()? {
                        match request(r) {
                            Some(r) => out.push(r),
                            None => return Err(de::Error::custom("left to the lenient reader")),
                        }
                    }
                    Ok(Requests(Some(out)))
                }
            }
            d.deserialize_seq(V)
        }
    }

    #[derive(Deserialize)]
    struct Fast<'a> {
        #[serde(borrow)]
        horizon: Range<'a>,
        #[serde(default, borrow)]
        calendar: Option<Calendar<'a>>,
        #[serde(borrow)]
        agencies: Vec<Agency<'a>>,
        #[serde(default, borrow)]
        inspectors: Vec<Inspector<'a>>,
        #[serde(borrow)]
        enterprises: Vec<Enterprise<'a>>,
        requests: Requests,
        #[serde(default)]
        locked: Vec<IgnoredAny>,
    }

    fn text(s: &str) -> Option<String> {
        (!s.is_empty()).then(|| s.to_owned())
    }

    fn dates(list: &[&str]) -> Option<Vec<NaiveDate>> {
        list.iter().map(|s| parse_date(s)).collect()
    }

    fn range(r: &Range<'_>) -> Option<DateRange> {
        DateRange::new(parse_date(r.start)?, parse_date(r.end)?).ok()
    }

    fn request(r: Req<'_>) -> Option<Request> {
        let earliest = parse_date(r.earliest)?;
        let latest = parse_date(r.latest)?;
        if earliest > latest || r.inspectors == 0 {
            return None;
        }
        Some(Request {
            id: text(r.id)?,
            agency: text(r.agency)?,
            enterprise: text(r.enterprise)?,
            earliest,
            latest,
            inspectors: r.inspectors,
            urgent: r.urgent,
        })
    }

    pub(super) fn parse(bytes: &[u8]) -> Option<Problem> {
        let f: Fast<'_> = serde_json::from_slice(bytes).ok()?;
        if !f.locked.is_empty() {
            return None;
        }
        let start = parse_date(f.horizon.start)?;
        let end = parse_date(f.horizon.end)?;
        if end < start {
            return None;
        }
        let calendar = match &f.calendar {
            None => CalendarLists::default(),
            Some(c) => CalendarLists {
                holidays: dates(&c.holidays)?,
                workdays: dates(&c.workdays)?,
            },
        };
        let agencies = f
            .agencies
            .iter()
            .map(|a| {
                Some(AgencySpec {
                    id: text(a.id)?,
                    daily_capacity: a.daily_capacity,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let inspectors = f
            .inspectors
            .iter()
            .map(|i| {
                Some(InspectorSpec {
                    id: text(i.id)?,
                    agency: text(i.agency)?,
                    unavailable: dates(&i.unavailable)?,
                    conflicts: i
                        .conflicts
                        .iter()
                        .map(|c| text(c))
                        .collect::<Option<Vec<_>>>()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let enterprises = f
            .enterprises
            .iter()
            .map(|e| {
                Some(EnterpriseSpec {
                    id: text(e.id)?,
                    max_visits: e.max_visits,
                    quiet: e.quiet.iter().map(range).collect::<Option<Vec<_>>>()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Problem {
            horizon: Horizon { start, end },
            calendar,
            agencies,
            inspectors,
            enterprises,
            requests: f.requests.0?,
            locked: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Problem;
    use proptest::prelude::*;

    const FIXTURE: &str = r#"{"horizon": {"start": "2027-01-04", "end": "2027-03-31"},
      "calendar": {"holidays": ["2027-02-08"], "workdays": ["2027-02-20"]},
      "agencies": [{"id": "fire", "daily_capacity": 4}],
      "inspectors": [{"id": "fire-01", "agency": "fire", "unavailable": ["2027-01-05"], "conflicts": ["E2"]}],
      "enterprises": [{"id": "E1", "max_visits": 2, "quiet": [{"start": "2027-01-20", "end": "2027-01-31"}]},
                      {"id": "E2", "max_visits": null}],
      "requests": [{"id": "R1", "agency": "fire", "enterprise": "E1", "earliest": "2027-01-04",
                    "latest": "2027-02-26", "inspectors": 2, "urgent": false},
                   {"id": "R2", "agency": "fire", "enterprise": "E2", "earliest": "2027-01-04",
                    "latest": "2027-02-26", "inspectors": 1}],
      "extra": [1, 2]}"#;

    #[test]
    fn fast_reader_reads_the_fixture_like_the_lenient_one() {
        let fast = super::fast::parse(FIXTURE.as_bytes()).expect("the fast reader takes it");
        let lenient = Problem::parse_lenient(FIXTURE.as_bytes()).expect("valid");
        assert_eq!(fast, lenient);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Whatever the fast reader accepts, the lenient reader reads the same way.
        #[test]
        fn fast_reader_never_disagrees(
            edits in proptest::collection::vec((any::<usize>(), 0..20usize), 1..4),
        ) {
            const VALUES: [&str; 20] = [
                "\"\"", "0", "-1", "1e99", "null", "true", "[]", "{}", "\"2027-02-30\"",
                "\"x\"", "18446744073709551616", "2.5", "2.0", "\"a\\\"b\"", "\"2027-01-01\"",
                "\"2026-12-31\"", "[\"2027-01-02\"]", "false", "3", "\"E1\"",
            ];
            let mut json = FIXTURE.to_string();
            for (pos, v) in edits {
                let spans = value_spans(&json);
                let (a, b) = spans[pos % spans.len()];
                json = format!("{}{}{}", &json[..a], VALUES[v], &json[b..]);
            }
            if let Some(fast) = super::fast::parse(json.as_bytes()) {
                let lenient = Problem::parse_lenient(json.as_bytes());
                prop_assert_eq!(Ok(fast), lenient, "{}", json);
            }
        }
    }

    /// Byte spans of the scalar values of a JSON text (strings not followed by `:`,
    /// numbers, literals).
    fn value_spans(json: &str) -> Vec<(usize, usize)> {
        let b = json.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'"' {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let end = (i + 1).min(b.len());
                let mut k = end;
                while k < b.len() && b[k].is_ascii_whitespace() {
                    k += 1;
                }
                if k >= b.len() || b[k] != b':' {
                    out.push((start, end));
                }
                i = end;
            } else if c.is_ascii_digit() || c == b'-' || c.is_ascii_alphabetic() {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b"-.+".contains(&b[i])) {
                    i += 1;
                }
                out.push((start, i));
            } else {
                i += 1;
            }
        }
        out
    }
}
