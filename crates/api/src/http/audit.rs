//! Reading the audit trail. There is no route that changes or deletes an entry.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidQuery;
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::State;
use onevisit_service::audit::{self, AuditEntryView};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Filters of the trail.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// hazard, visit, request, enterprise or scheduling_ask.
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The audit trail of what the caller may see, oldest first.
#[utoipa::path(get, path = "/audit", operation_id = "list_audit", tag = "audit", security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of the trail", body = Page<AuditEntryView>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(q): ValidQuery<AuditQuery>,
) -> Result<Json<Page<AuditEntryView>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let (items, total) = audit::trail(
        &state.db,
        &caller,
        state.clock.today(),
        q.entity.as_deref(),
        q.entity_id,
        limit,
        offset,
    )
    .await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}
