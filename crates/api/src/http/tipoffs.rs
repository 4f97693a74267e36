//! Tip-offs (举报): anyone files one without logging in and gets a reference code, with
//! which they can see its status and nothing else. The office triages each: dismissed
//! with a reason, or turned into urgent requests (a window of 5 working days, placed
//! ahead of routine ones, never refused by the burden cap); whether the reporter
//! qualifies for the reward scheme is recorded either way.
//!
//! Filing is limited per address (counted in the database, so every replica agrees)
//! and in size (the route takes at most [`BODY_LIMIT_BYTES`]).

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use onevisit_service::tipoffs::{
    self, ActBody, DismissBody, TipoffBody, TipoffReceipt, TipoffView,
};
// The state and other handlers name them here.

use serde::Deserialize;
use std::net::SocketAddr;
use utoipa::IntoParams;
use uuid::Uuid;

/// The largest tip-off body accepted (413 beyond).
pub const BODY_LIMIT_BYTES: usize = 32 * 1024;

/// Files a tip-off. No login; limited per address and in size.
#[utoipa::path(post, path = "/public/tipoffs", operation_id = "file_tipoff", tag = "public",
    request_body = TipoffBody,
    responses(
        (status = 201, description = "Filed: keep the reference", body = TipoffReceipt),
        (status = 413, description = "The body is too large"),
        (status = 422, description = "A field is missing or too long", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tip-offs from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn file(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ValidJson(body): ValidJson<TipoffBody>,
) -> Result<(StatusCode, Json<TipoffReceipt>), ApiError> {
    let receipt = tipoffs::file(
        &state.db,
        &state.tipoff_limit,
        &peer.ip().to_string(),
        state.clock.now(),
        &body,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// A tip-off's status, by its reference code. Public; nothing but the status.
#[utoipa::path(get, path = "/public/tipoffs/{reference}", operation_id = "tipoff_status", tag = "public",
    params(("reference" = String, Path)),
    responses(
        (status = 200, description = "Its status", body = TipoffReceipt),
        (status = 404, description = "No such reference", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn status(
    State(state): State<AppState>,
    Path(reference): Path<String>,
) -> Result<Json<TipoffReceipt>, ApiError> {
    Ok(Json(tipoffs::status(&state.db, &reference).await?))
}

/// Filters of the tip-off list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TipoffFilter {
    /// received, dismissed or actioned.
    pub status: Option<String>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The tip-offs, oldest first, for the office to triage.
#[utoipa::path(get, path = "/tipoffs", operation_id = "list_tipoffs", tag = "tipoffs", security(("bearer" = [])),
    params(TipoffFilter),
    responses(
        (status = 200, description = "One page of tip-offs", body = Page<TipoffView>),
        (status = 403, description = "Only the office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(filter): ValidQuery<TipoffFilter>,
) -> Result<Json<Page<TipoffView>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let (items, total) =
        tipoffs::list(&state.db, &caller, filter.status.as_deref(), limit, offset).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// Dismisses a tip-off with a reason.
#[utoipa::path(post, path = "/tipoffs/{id}/dismiss", operation_id = "dismiss_tipoff", tag = "tipoffs", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = DismissBody,
    responses(
        (status = 200, description = "Dismissed", body = TipoffView),
        (status = 404, description = "No such tip-off", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Triaged already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn dismiss(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<DismissBody>,
) -> Result<Json<TipoffView>, ApiError> {
    Ok(Json(
        tipoffs::dismiss(&state.db, &caller, id, &body, state.clock.now()).await?,
    ))
}

/// Turns a tip-off into one urgent request per agency: a window of 5 working days from
/// today, placed ahead of routine requests, never refused by the burden cap.
#[utoipa::path(post, path = "/tipoffs/{id}/act", operation_id = "act_on_tipoff", tag = "tipoffs", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ActBody,
    responses(
        (status = 200, description = "Actioned: the urgent requests and where they landed", body = TipoffView),
        (status = 404, description = "No such tip-off", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Triaged already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown enterprise or agency, a bad team size", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<ActBody>,
) -> Result<Json<TipoffView>, ApiError> {
    let view = tipoffs::act(
        &state.db,
        &state.calendar,
        &caller,
        id,
        &body,
        state.clock.today(),
        state.clock.now(),
    )
    .await?;
    Ok(Json(view))
}
