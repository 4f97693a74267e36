//! The coordinating office re-plans the proposed visits of a horizon
//! ([`crate::replan`]), at most [`MAX_HORIZON_DAYS`] at a time.

use crate::db::Connection;
use crate::replan::{self, ReplanError, ReplanSummary};
use crate::{Caller, Role, ServiceError};
use chrono::NaiveDate;
use onevisit_domain::{DateRange, WorkCalendar};
use onevisit_scheduler::PlanOptions;
use serde::Deserialize;
use utoipa::ToSchema;

/// The longest horizon a re-plan takes.
pub const MAX_HORIZON_DAYS: u32 = 366;

/// Which days to re-plan, and whether to write the result.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplanBody {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// false (the default): only show the difference; true: apply it.
    #[serde(default)]
    pub apply: bool,
    /// With `apply`: the `version` of the preview being applied. The re-plan is then
    /// refused (409) if the schedule changed since that preview.
    #[serde(default)]
    pub version: Option<String>,
}

/// Re-plans the horizon the office asks for (the difference, applied or not); a
/// horizon that ends before it starts or is too long is invalid on `end`.
pub async fn replan_horizon<C: Connection>(
    db: &C,
    calendar: &WorkCalendar,
    caller: &Caller,
    body: &ReplanBody,
) -> Result<ReplanSummary, ServiceError> {
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let horizon = DateRange::new(body.start, body.end)
        .map_err(|e| ServiceError::field("end", e.to_string()))?;
    if horizon.len_days() > MAX_HORIZON_DAYS {
        return Err(ServiceError::field(
            "end",
            format!("a horizon is at most {MAX_HORIZON_DAYS} days"),
        ));
    }
    // The office waits for the answer: the planner's bounded passes only.
    let options = PlanOptions::default();
    let expected = body.version.as_deref().filter(|_| body.apply);
    replan::replan_checked(
        db,
        calendar,
        horizon,
        body.apply,
        caller.into(),
        &options,
        expected,
    )
    .await
    .map_err(|e| match e {
        ReplanError::Stale => ServiceError::Conflict(e.to_string()),
        other => ServiceError::Internal(other.to_string()),
    })
}
