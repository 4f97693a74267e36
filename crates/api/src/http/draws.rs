//! The public side of double-random inspections (双随机、一公开): every draw record
//! (plan, pool of credit codes, seed, size, result) with its digest and its team draws,
//! a check anyone can run on a record, and the completed random inspections without
//! private details. No login. Records cannot be changed: the database refuses UPDATE
//! and DELETE on them. An unannounced plan's record is sealed until its visits are
//! past: its digest is public from the draw on, the record itself from `sealed_until`.
//! The records are read by [`onevisit_service::draws`].

use crate::app::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use onevisit_scheduler::periodic::{DrawRecord, verify};
use onevisit_service::draws::{self, DrawFilter, DrawView, RandomInspectionView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Every draw record, newest first. Public.
#[utoipa::path(get, path = "/public/draws", operation_id = "list_draws", tag = "public",
    params(DrawFilter),
    responses((status = 200, description = "One page of draw records", body = Page<DrawView>)))]
pub async fn list(
    State(state): State<AppState>,
    ValidQuery(filter): ValidQuery<DrawFilter>,
) -> Result<Json<Page<DrawView>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let today = state.clock.today();
    let (items, total) = draws::list_draws(&state.db, today, &filter, (limit, offset)).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// One draw record. Public.
#[utoipa::path(get, path = "/public/draws/{id}", operation_id = "get_draw", tag = "public",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The draw record", body = DrawView),
        (status = 404, description = "No such draw", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<DrawView>, ApiError> {
    Ok(Json(
        draws::get_draw(&state.db, state.clock.today(), id).await?,
    ))
}

/// The check of a record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VerifyAnswer {
    /// Whether the pool is sorted with each code once and the seed and size give the result.
    pub valid: bool,
    /// The record's digest: compare it with the published one.
    pub digest: String,
}

/// Recomputes a draw from a record (as published, or as someone claims it was):
/// anyone can run the same steps offline; this saves them the trouble. Public.
#[utoipa::path(post, path = "/public/draws/verify", operation_id = "verify_draw", tag = "public",
    request_body(content = Object, description = "A draw record: plan, pool, seed, size, result"),
    responses(
        (status = 200, description = "The check", body = VerifyAnswer),
        (status = 422, description = "Not a draw record", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn check(ValidJson(record): ValidJson<DrawRecord>) -> Json<VerifyAnswer> {
    Json(VerifyAnswer {
        valid: verify(&record),
        digest: record.digest(),
    })
}

/// Completed random inspections, newest first (at most 500). Public.
#[utoipa::path(get, path = "/public/random-inspections", operation_id = "list_random_inspections", tag = "public",
    responses((status = 200, description = "Completed random inspections", body = Vec<RandomInspectionView>)))]
pub async fn results(
    State(state): State<AppState>,
) -> Result<Json<Vec<RandomInspectionView>>, ApiError> {
    Ok(Json(draws::random_inspections(&state.db).await?))
}
