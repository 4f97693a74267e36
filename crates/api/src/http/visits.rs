//! Joint visits: who sees which, filtered and paged; an enterprise's own pages come
//! from the schedule cache ([`crate::schedule_pages`]).

use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::Role;
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidQuery;
use crate::http::pagination::{Page, PageQuery};
use crate::schedule_pages::PageKey;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use onevisit_service::views::VisitView;
use onevisit_service::visits;
pub use onevisit_service::visits::VisitFilter;
use uuid::Uuid;

/// The visits the caller may see: the office all, an agency those it takes part in, an
/// enterprise its own announced ones (and unannounced ones from their day on), never
/// older than the last change to its schedule.
#[utoipa::path(get, path = "/visits", operation_id = "list_visits", tag = "visits", security(("bearer" = [])),
    params(VisitFilter),
    responses(
        (status = 200, description = "One page of visits, by date", body = Page<VisitView>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(filter): ValidQuery<VisitFilter>,
) -> Result<Response, ApiError> {
    // An enterprise's pages come from a cache, under its schedule version
    // (`schedule_pages`).
    let Some(enterprise) = caller
        .enterprise_id
        .filter(|_| caller.role == Role::Enterprise)
    else {
        return Ok(Json(page(&state, &caller, &filter).await?).into_response());
    };
    let version = visits::schedule_version(&state.db, enterprise).await?;
    let key = PageKey {
        enterprise,
        today: state.clock.today(),
        filter,
    };
    let body = match state.schedules.get(&key, version) {
        Some(body) => body,
        None => {
            let page = page(&state, &caller, &key.filter).await?;
            let body = Bytes::from(
                serde_json::to_vec(&page).map_err(|e| ApiError::Internal(e.to_string()))?,
            );
            state.schedules.put(key, version, body.clone());
            body
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// One page of the visits `caller` may see, as `filter` asks.
async fn page(
    state: &AppState,
    caller: &Caller,
    filter: &VisitFilter,
) -> Result<Page<VisitView>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let today = state.clock.today();
    let (items, total) =
        visits::list_visits(&state.db, caller, today, filter, (limit, offset)).await?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

/// One visit.
#[utoipa::path(get, path = "/visits/{id}", operation_id = "get_visit", tag = "visits", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The visit", body = VisitView),
        (status = 404, description = "No such visit for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<VisitView>, ApiError> {
    let today = state.clock.today();
    Ok(Json(
        visits::get_visit(&state.db, &caller, today, id).await?,
    ))
}
