//! Joint visits: who sees which, filtered and paged.

use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::Role;
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidQuery;
use crate::http::pagination::{Page, PageQuery};
use crate::schedule_pages::{self, PageKey};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use onevisit_service::access;
use onevisit_service::entities::{joint_visit, visit_team};
use onevisit_service::views::{self, VisitView};
use sea_orm::ColumnTrait;
use sea_orm::sea_query::Query;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Filters of the visit list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VisitFilter {
    /// Visits on or after this day.
    pub from: Option<NaiveDate>,
    /// Visits on or before this day.
    pub to: Option<NaiveDate>,
    pub status: Option<String>,
    pub enterprise_id: Option<Uuid>,
    /// Visits in which this agency (by code) takes part.
    pub agency: Option<String>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

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
    let version = schedule_pages::version(&state.db, enterprise).await?;
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
    let mut condition = access::visits(caller, state.clock.today());
    if let Some(from) = filter.from {
        condition = condition.add(joint_visit::Column::VisitDate.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(joint_visit::Column::VisitDate.lte(to));
    }
    if let Some(status) = &filter.status {
        condition = condition.add(joint_visit::Column::Status.eq(status));
    }
    if let Some(enterprise) = filter.enterprise_id {
        condition = condition.add(joint_visit::Column::EnterpriseId.eq(enterprise));
    }
    if let Some(code) = &filter.agency {
        let agency = crate::http::admin::agency_by_code(&state.db, code).await?;
        condition = condition.add(
            joint_visit::Column::Id.in_subquery(
                Query::select()
                    .column(visit_team::Column::VisitId)
                    .from(visit_team::Entity)
                    .and_where(visit_team::Column::AgencyId.eq(agency.id))
                    .to_owned(),
            ),
        );
    }
    let (items, total) = views::visit_page(&state.db, condition, limit, offset).await?;
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
    let condition =
        access::visits(&caller, state.clock.today()).add(joint_visit::Column::Id.eq(id));
    let (mut found, _) = views::visit_page(&state.db, condition, 1, 0).await?;
    found.pop().map(Json).ok_or(ApiError::NotFound)
}
