//! The planner: a pure function from a planning problem to a plan.
//!
//! (The full walk-through is written below once the algorithm is settled.)

pub mod generate;
mod model;
mod place;
mod plan;
mod planner;
mod render;
mod problem;
mod state;

pub use model::MAX_HORIZON_DAYS;
pub use place::{PlanIndex, Placement, place};
pub use plan::{Plan, Reason, Stats, Unscheduled};
pub use planner::{PlanOutput, plan, plan_json, plan_json_output, plan_to_json};
pub use problem::{
    AgencySpec, AgencyTeam, CalendarLists, EnterpriseSpec, Horizon, InspectorSpec, Problem,
    ProblemError, Request, Visit,
};
