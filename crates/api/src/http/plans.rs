//! The coordinating office re-plans the proposed visits of a horizon.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidJson;
use axum::Json;
use axum::extract::State;
use onevisit_service::plans::{self, ReplanBody};
use onevisit_service::replan::ReplanSummary;

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
    Ok(Json(
        plans::replan_horizon(&state.db, &state.calendar, &caller, &body).await?,
    ))
}
