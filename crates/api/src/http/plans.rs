//! The coordinating office re-plans the proposed visits of a horizon.

use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidJson;
use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use onevisit_domain::DateRange;
use onevisit_service::replan::{self, ReplanSummary};
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
}

/// Plans every proposed visit of the horizon again around the confirmed ones, shows the
/// difference against the current proposal, and with `apply` writes it in one transaction.
#[utoipa::path(post, path = "/plans/replan", tag = "plans", security(("bearer" = [])),
    request_body = ReplanBody,
    responses(
        (status = 200, description = "The difference (applied or not)", body = ReplanSummary),
        (status = 403, description = "Only the office re-plans", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replan(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<ReplanBody>,
) -> Result<Json<ReplanSummary>, ApiError> {
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let horizon =
        DateRange::new(body.start, body.end).map_err(|e| ApiError::field("end", e.to_string()))?;
    if horizon.len_days() > MAX_HORIZON_DAYS {
        return Err(ApiError::field(
            "end",
            format!("a horizon is at most {MAX_HORIZON_DAYS} days"),
        ));
    }
    let summary = replan::replan(
        &state.db,
        &state.calendar,
        horizon,
        body.apply,
        (&caller).into(),
        &Default::default(),
    )
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(summary))
}
