//! Inspection requests: agencies book them and see where they landed.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use onevisit_service::requests::{self, BookingBody, BookingResponse, CancelReason, RequestFilter};
use onevisit_service::views::RequestView;
use uuid::Uuid;

/// Books an inspection request for the caller's agency and tells where it landed: the
/// joint visit it joined, the new visit proposed for it, or why it cannot be placed.
/// With an `Idempotency-Key` header, a retry with the same body returns the first
/// answer and books nothing; the same key with another body is refused (422).
#[utoipa::path(post, path = "/requests", operation_id = "book_request", tag = "requests", security(("bearer" = [])),
    request_body = BookingBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Booked", body = BookingResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agency staff book", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn book(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<BookingBody>,
) -> Result<(StatusCode, Json<BookingResponse>), ApiError> {
    let key = headers.get("idempotency-key").map(|v| v.as_bytes());
    let today = state.clock.today();
    let answer =
        requests::book_request(&state.db, &state.calendar, today, &caller, key, &body).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// The caller's requests (the office sees every agency's).
#[utoipa::path(get, path = "/requests", operation_id = "list_requests", tag = "requests", security(("bearer" = [])),
    params(RequestFilter),
    responses(
        (status = 200, description = "One page of requests", body = Page<RequestView>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(filter): ValidQuery<RequestFilter>,
) -> Result<Json<Page<RequestView>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let (items, total) =
        requests::list_requests(&state.db, &caller, &filter, (limit, offset)).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// One request.
#[utoipa::path(get, path = "/requests/{id}", operation_id = "get_request", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The request", body = RequestView),
        (status = 404, description = "No such request for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(requests::get_request(&state.db, &caller, id).await?))
}

/// Cancels one of the caller's requests, with an optional reason (kept in the audit
/// log). A visit left without requests of the agency loses the agency's team; a visit
/// left without any request is cancelled.
#[utoipa::path(post, path = "/requests/{id}/cancel", operation_id = "cancel_request", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body(content = Option<CancelReason>, description = "Optional: why (not empty when sent)"),
    responses(
        (status = 200, description = "Cancelled", body = RequestView),
        (status = 404, description = "No such request for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty reason", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled, or its visit has begun", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    body: Option<ValidJson<CancelReason>>,
) -> Result<Json<RequestView>, ApiError> {
    let reason = body.as_ref().map(|ValidJson(b)| b.reason.as_str());
    Ok(Json(
        requests::cancel_request(&state.db, &caller, id, reason).await?,
    ))
}
