//! The plan: its JSON format.

use crate::problem::Visit;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a request is not in any visit: the first of the spec's list that holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    UnknownReference,
    NoOpenDay,
    EnterpriseCap,
    AgencyCapacity,
    NoInspector,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::UnknownReference => "unknown_reference",
            Reason::NoOpenDay => "no_open_day",
            Reason::EnterpriseCap => "enterprise_cap",
            Reason::AgencyCapacity => "agency_capacity",
            Reason::NoInspector => "no_inspector",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unscheduled {
    pub request: String,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub requests: u64,
    pub scheduled: u64,
    pub visits: u64,
    pub lower_bound: u64,
}

/// A plan, as `plan-format.md` defines it. Visits are sorted by date, enterprise, id;
/// requests in a visit by id; teams by agency and inspectors by id; `unscheduled` by
/// request id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub visits: Vec<Visit>,
    pub unscheduled: Vec<Unscheduled>,
    pub stats: Stats,
}

impl Plan {
    /// The plan as JSON: compact, or indented with two spaces when `pretty`.
    pub fn to_json(&self, pretty: bool) -> String {
        let out = if pretty {
            serde_json::to_string_pretty(self)
        } else {
            serde_json::to_string(self)
        };
        // Strings, numbers and dates always serialise.
        out.unwrap_or_default()
    }

    /// Reads a plan written by [`Plan::to_json`].
    pub fn from_json(bytes: &[u8]) -> Result<Plan, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}
