//! Inspection plans: the office sets them, OneVisit fires them on their schedule (or
//! at once, on request) and books their requests; the rules are the service's
//! ([`onevisit_service::inspection_plans`]).

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use onevisit_service::inspection_plans::{
    self, EnterpriseStatusView, FiredView, PlanBody, PlanFilter, PlanView, RestartBody,
};
use uuid::Uuid;

/// Saves a plan, checked now rather than when it fires.
#[utoipa::path(post, path = "/inspection-plans", operation_id = "create_inspection_plan", tag = "inspection-plans", security(("bearer" = [])),
    request_body = PlanBody,
    responses(
        (status = 201, description = "Saved and active", body = PlanView),
        (status = 403, description = "Only the office sets plans", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A plan of that name exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid (schedule, draw, pool, agencies, webhook_url...)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<PlanBody>,
) -> Result<(StatusCode, Json<PlanView>), ApiError> {
    let plan = inspection_plans::create_plan(&state.db, &state.clock, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(plan)))
}

/// The plans, oldest first.
#[utoipa::path(get, path = "/inspection-plans", operation_id = "list_inspection_plans", tag = "inspection-plans", security(("bearer" = [])),
    params(PlanFilter),
    responses(
        (status = 200, description = "One page of plans", body = Page<PlanView>),
        (status = 403, description = "Only the office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(filter): ValidQuery<PlanFilter>,
) -> Result<Json<Page<PlanView>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let (items, total) =
        inspection_plans::list_plans(&state.db, &caller, &filter, (limit, offset)).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// One plan.
#[utoipa::path(get, path = "/inspection-plans/{id}", operation_id = "get_inspection_plan", tag = "inspection-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The plan", body = PlanView),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<PlanView>, ApiError> {
    Ok(Json(
        inspection_plans::get_plan(&state.db, &caller, id).await?,
    ))
}

/// Pauses a plan: it does not fire until resumed.
#[utoipa::path(post, path = "/inspection-plans/{id}/pause", operation_id = "pause_inspection_plan", tag = "inspection-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Paused", body = PlanView),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn pause(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<PlanView>, ApiError> {
    let plan =
        inspection_plans::set_plan_active(&state.db, &state.clock, &caller, id, false).await?;
    Ok(Json(plan))
}

/// Resumes a paused plan.
#[utoipa::path(post, path = "/inspection-plans/{id}/resume", operation_id = "resume_inspection_plan", tag = "inspection-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Active again", body = PlanView),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<PlanView>, ApiError> {
    let plan =
        inspection_plans::set_plan_active(&state.db, &state.clock, &caller, id, true).await?;
    Ok(Json(plan))
}

/// Fires an active plan now (the tick is this second), as its schedule would: the run
/// is claimed and recorded like a scheduled one.
#[utoipa::path(post, path = "/inspection-plans/{id}/fire", operation_id = "fire_inspection_plan", tag = "inspection-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 201, description = "Fired: the requests made", body = FiredView),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Paused, or fired this second already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn fire(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, Json<FiredView>), ApiError> {
    let fired = inspection_plans::fire_plan(
        &state.db,
        &state.calendar,
        &state.clock,
        &state.jobs.replica,
        &caller,
        id,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(fired)))
}

/// Records that a closed or relocated enterprise has restarted (回头看): its status
/// becomes operating again, so routine plans target it; the audit trail keeps who found
/// it and why, and the office's webhooks hear of it.
#[utoipa::path(post, path = "/enterprises/{id}/restart-finding", operation_id = "record_restart_finding", tag = "inspection-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = RestartBody,
    responses(
        (status = 200, description = "Reopened", body = EnterpriseStatusView),
        (status = 404, description = "No such enterprise", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The enterprise is not closed or relocated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The note is missing or too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn restart_finding(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<RestartBody>,
) -> Result<Json<EnterpriseStatusView>, ApiError> {
    let view =
        inspection_plans::record_restart(&state.db, &state.clock, &caller, id, &body).await?;
    Ok(Json(view))
}
