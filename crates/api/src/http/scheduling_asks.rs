//! Two-way scheduling: an enterprise asks for a quiet period or an inspector's recusal,
//! the coordinating office approves or refuses. The rules are the service's
//! ([`onevisit_service::scheduling_asks`]): an approved quiet period binds the planner,
//! an approved recusal the team draws.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use onevisit_service::scheduling_asks::{
    self, AskFilter, AskView, Decision, NewQuietPeriodAsk, NewRecusalAsk,
};
use uuid::Uuid;

/// The enterprise declares a quiet period (a planned shutdown, a maintenance
/// turnaround) for the office to approve: after today, at most 92 days, overlapping
/// none of its quiet periods or pending asks.
#[utoipa::path(post, path = "/enterprises/{id}/quiet-period-asks", operation_id = "ask_quiet_period", tag = "scheduling-asks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The enterprise")),
    request_body = NewQuietPeriodAsk,
    responses(
        (status = 201, description = "Asked; pending the office", body = AskView),
        (status = 403, description = "Only the enterprise's own staff ask", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It overlaps a quiet period or a pending ask", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, a start not after today, an end before the start or too far", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ask_quiet_period(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<NewQuietPeriodAsk>,
) -> Result<(StatusCode, Json<AskView>), ApiError> {
    let view =
        scheduling_asks::ask_quiet_period(&state.db, &caller, state.clock.today(), id, &body)
            .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The enterprise asks that an inspector on the team of one of its announced visits
/// ahead stand down (a conflict of interest), for the office to approve.
#[utoipa::path(post, path = "/enterprises/{id}/recusal-asks", operation_id = "ask_recusal", tag = "scheduling-asks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The enterprise")),
    request_body = NewRecusalAsk,
    responses(
        (status = 201, description = "Asked; pending the office", body = AskView),
        (status = 403, description = "Only the enterprise's own staff ask", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Asked already, or the inspector stands down already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, not an announced visit ahead, or an inspector not on its team", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ask_recusal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<NewRecusalAsk>,
) -> Result<(StatusCode, Json<AskView>), ApiError> {
    let view =
        scheduling_asks::ask_recusal(&state.db, &caller, state.clock.today(), id, &body).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The asks the caller may see, newest first: the office every enterprise's, an
/// enterprise its own; agencies and inspectors are refused.
#[utoipa::path(get, path = "/scheduling-asks", operation_id = "list_scheduling_asks", tag = "scheduling-asks", security(("bearer" = [])),
    params(AskFilter),
    responses(
        (status = 200, description = "One page of asks", body = Page<AskView>),
        (status = 403, description = "Agencies and inspectors see no asks", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(filter): ValidQuery<AskFilter>,
) -> Result<Json<Page<AskView>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let (items, total) =
        scheduling_asks::list(&state.db, &caller, &filter, (limit, offset)).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// One ask.
#[utoipa::path(get, path = "/scheduling-asks/{id}", operation_id = "get_scheduling_ask", tag = "scheduling-asks", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The ask", body = AskView),
        (status = 404, description = "No such ask for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<AskView>, ApiError> {
    Ok(Json(scheduling_asks::get(&state.db, &caller, id).await?))
}

/// The office approves a pending ask. A quiet period is added (refused with a conflict
/// naming each visit already held in it: reschedule or cancel those first); a recusal
/// becomes a conflict of interest, and the inspector is replaced on the enterprise's
/// teams ahead (refused when nobody of the agency is free).
#[utoipa::path(post, path = "/scheduling-asks/{id}/approve", operation_id = "approve_scheduling_ask", tag = "scheduling-asks", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = Decision,
    responses(
        (status = 200, description = "Approved", body = AskView),
        (status = 403, description = "Only the office decides", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already, a visit is held in the period, or no inspector is free to replace", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<Decision>,
) -> Result<Json<AskView>, ApiError> {
    Ok(Json(
        scheduling_asks::approve(&state.db, &caller, state.clock.today(), id, &body).await?,
    ))
}

/// The office refuses a pending ask, with a note saying why.
#[utoipa::path(post, path = "/scheduling-asks/{id}/refuse", operation_id = "refuse_scheduling_ask", tag = "scheduling-asks", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = Decision,
    responses(
        (status = 200, description = "Refused", body = AskView),
        (status = 403, description = "Only the office decides", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No note", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refuse(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<Decision>,
) -> Result<Json<AskView>, ApiError> {
    Ok(Json(
        scheduling_asks::refuse(&state.db, &caller, id, &body).await?,
    ))
}
