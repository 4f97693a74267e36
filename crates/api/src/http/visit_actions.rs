//! The coordinating office's decisions on a visit — confirm, cancel, reschedule,
//! complete — and the verification codes of confirmed visits that anyone at the gate
//! can check. The rules and codes are the service's ([`onevisit_service::visit_actions`],
//! [`onevisit_service::verification`]); the codes are signed with
//! [`crate::auth::AuthConfig::verification_key`], so rotating the token signing secret
//! invalidates every printed code.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onevisit_service::verification::{self, Verification, VisitVerification};
use onevisit_service::visit_actions::{
    self, CancelBody, Context, RescheduleBody, VisitAction, VisitCompletion,
};
use uuid::Uuid;

pub(crate) fn context(state: &AppState) -> Context<'_> {
    Context {
        db: &state.db,
        clock: &state.clock,
        calendar: &state.calendar,
        code_key: state.auth.verification_key(),
    }
}

/// The 404 of `GET /verify/{code}`: one answer for every kind of invalid code.
fn not_registered() -> Response {
    let problem = Problem {
        kind: "/problems/not-a-registered-inspection".to_owned(),
        title: "not a registered inspection".to_owned(),
        status: 404,
        detail: None,
        errors: Vec::new(),
    };
    let mut response = (StatusCode::NOT_FOUND, Json(problem)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// Checks a visit's verification code (public: no token). A bad, tampered or outdated
/// code, and the code of a visit that is not confirmed, in progress or completed, all
/// answer the same 404. Codes are signed with a key derived from the token signing
/// secret: rotating that secret invalidates every printed code, and rescheduling a visit
/// changes its code.
#[utoipa::path(get, path = "/verify/{code}", operation_id = "verify_code", tag = "verification",
    params(("code" = String, Path, description = "The code printed on the visit's notice")),
    responses(
        (status = 200, description = "A registered inspection", body = Verification),
        (status = 404, description = "Not a registered inspection", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let found = verification::verify(&state.db, state.auth.verification_key(), &code).await?;
    Ok(found.map_or_else(not_registered, |v| Json(v).into_response()))
}

/// The verification code of a visit, for the office, the visit's agencies and its enterprise.
#[utoipa::path(get, path = "/visits/{id}/verification", operation_id = "visit_verification", tag = "verification", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The visit's code (null until it is confirmed)", body = VisitVerification),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<VisitVerification>, ApiError> {
    let key = state.auth.verification_key();
    let today = state.clock.today();
    Ok(Json(
        verification::visit_verification(&state.db, &caller, today, key, id).await?,
    ))
}

/// Confirms a visit: it is locked for the planner and gets its verification code.
#[utoipa::path(post, path = "/visits/{id}/confirm", operation_id = "confirm_visit", tag = "visits", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Confirmed, with its verification code", body = VisitAction),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the office confirms", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a legal step from the visit's status; the detail lists the allowed ones", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<VisitAction>, ApiError> {
    Ok(Json(
        visit_actions::confirm_visit(context(&state), &caller, id).await?,
    ))
}

/// Cancels a visit with a reason: its inspectors are freed and its requests are open again.
#[utoipa::path(post, path = "/visits/{id}/cancel", operation_id = "cancel_visit", tag = "visits", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = CancelBody,
    responses(
        (status = 200, description = "Cancelled", body = VisitAction),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the office cancels visits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a legal step from the visit's status", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<CancelBody>,
) -> Result<Json<VisitAction>, ApiError> {
    Ok(Json(
        visit_actions::cancel_visit(context(&state), &caller, id, &body).await?,
    ))
}

/// Completes a confirmed or in-progress visit on or after its day, by the office or
/// an agency (staff or inspectors) that took part. Its hazards are issued to the
/// enterprise at once on a numbered hazard list (整改通知).
#[utoipa::path(post, path = "/visits/{id}/complete", operation_id = "complete_visit", tag = "visits", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Completed, with the hazard list issued", body = VisitCompletion),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Enterprises do not complete visits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a legal step from the visit's status, or the visit day has not come", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<VisitCompletion>, ApiError> {
    Ok(Json(
        visit_actions::complete_visit(context(&state), &caller, id).await?,
    ))
}

/// Moves a proposed or confirmed visit to another day when every hard rule holds there
/// (working day, no quiet period, every request's window, one visit a day for the
/// enterprise, the agencies' daily capacity, the burden cap, free and eligible
/// inspectors — an inspector who is not free is replaced by the least loaded free one
/// of the same agency). A confirmed visit stays confirmed, with a new code.
#[utoipa::path(post, path = "/visits/{id}/reschedule", operation_id = "reschedule_visit", tag = "visits", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = RescheduleBody,
    responses(
        (status = 200, description = "Moved; any replaced inspectors are listed", body = VisitAction),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the office reschedules", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The visit cannot move, or a hard rule fails on that day; the detail says which", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or a day in the past or the same day", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reschedule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<RescheduleBody>,
) -> Result<Json<VisitAction>, ApiError> {
    Ok(Json(
        visit_actions::reschedule_visit(context(&state), &caller, id, &body).await?,
    ))
}
