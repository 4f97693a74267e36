//! An agency manages its own inspectors: who they are, the days they cannot be sent,
//! and the enterprises they declared a conflict of interest with.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use onevisit_service::inspectors::{self, Conflicts, InspectorView, NewInspector, Unavailable};
use uuid::Uuid;

/// The inspectors the caller may see: an agency its own, the office all.
#[utoipa::path(get, path = "/inspectors", operation_id = "list_inspectors", tag = "inspectors", security(("bearer" = [])),
    responses((status = 200, description = "Inspectors, by code", body = Vec<InspectorView>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<InspectorView>>, ApiError> {
    Ok(Json(inspectors::list(&state.db, &caller).await?))
}

/// One inspector.
#[utoipa::path(get, path = "/inspectors/{id}", operation_id = "get_inspector", tag = "inspectors", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The inspector", body = InspectorView),
        (status = 404, description = "No such inspector for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<InspectorView>, ApiError> {
    Ok(Json(inspectors::get(&state.db, &caller, id).await?))
}

/// Adds an inspector to the caller's agency (the office names the agency).
#[utoipa::path(post, path = "/inspectors", operation_id = "create_inspector", tag = "inspectors", security(("bearer" = [])),
    request_body = NewInspector,
    responses(
        (status = 201, description = "Added", body = InspectorView),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<NewInspector>,
) -> Result<(StatusCode, Json<InspectorView>), ApiError> {
    let view = inspectors::create(&state.db, &caller, &body).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Sets the days the inspector cannot be sent. Visits already planned are not moved:
/// the next re-plan or the office does that.
#[utoipa::path(put, path = "/inspectors/{id}/unavailable", tag = "inspectors", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = Unavailable,
    responses(
        (status = 200, description = "Set", body = InspectorView),
        (status = 404, description = "No such inspector for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many days", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_unavailable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<Unavailable>,
) -> Result<Json<InspectorView>, ApiError> {
    Ok(Json(
        inspectors::set_unavailable(&state.db, &caller, id, body).await?,
    ))
}

/// Sets the enterprises the inspector declared a conflict of interest with.
#[utoipa::path(put, path = "/inspectors/{id}/conflicts", tag = "inspectors", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = Conflicts,
    responses(
        (status = 200, description = "Set", body = InspectorView),
        (status = 404, description = "No such inspector for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown enterprise", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_conflicts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<Conflicts>,
) -> Result<Json<InspectorView>, ApiError> {
    Ok(Json(
        inspectors::set_conflicts(&state.db, &caller, id, &body).await?,
    ))
}
