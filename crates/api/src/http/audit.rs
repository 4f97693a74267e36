//! Reading the audit trail. There is no route that changes or deletes an entry.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidQuery;
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use onevisit_service::access;
use onevisit_service::entities::{audit_entry, hazard, inspection_request, joint_visit};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// One entry: who, when, what changed from what to what, and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    /// Entries are numbered in the order they were written.
    pub id: i32,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    /// The username.
    pub actor: String,
    pub actor_role: String,
    /// hazard, visit or request.
    pub entity: String,
    pub entity_id: Uuid,
    pub action: String,
    pub from: Option<serde_json::Value>,
    pub to: Option<serde_json::Value>,
    pub reason: Option<String>,
}

/// Filters of the trail.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// hazard, visit, request or enterprise.
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

const ENTITIES: [&str; 4] = ["hazard", "visit", "request", "enterprise"];

fn ids(
    column: impl sea_orm::sea_query::IntoColumnRef,
    from: impl sea_orm::sea_query::IntoTableRef,
    cond: Condition,
) -> SelectStatement {
    Query::select()
        .column(column)
        .from(from)
        .cond_where(cond)
        .to_owned()
}

/// Entries about what the caller may see: the office all; others those of the
/// hazards, visits and requests they may see.
fn visible(caller: &Caller, today: NaiveDate) -> Condition {
    if caller.is_office() {
        return Condition::all();
    }
    let about = |entity: &str, subquery: SelectStatement| {
        Condition::all()
            .add(audit_entry::Column::Entity.eq(entity))
            .add(audit_entry::Column::EntityId.in_subquery(subquery))
    };
    Condition::any()
        .add(about(
            "hazard",
            ids(
                hazard::Column::Id,
                hazard::Entity,
                onevisit_service::hazards::visible(caller),
            ),
        ))
        .add(about(
            "visit",
            ids(
                joint_visit::Column::Id,
                joint_visit::Entity,
                access::visits(caller, today),
            ),
        ))
        .add(about(
            "request",
            ids(
                inspection_request::Column::Id,
                inspection_request::Entity,
                access::requests(caller),
            ),
        ))
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
    let mut query = audit_entry::Entity::find().filter(visible(&caller, state.clock.today()));
    if let Some(entity) = &q.entity {
        if !ENTITIES.contains(&entity.as_str()) {
            return Err(ApiError::field(
                "entity",
                format!(
                    "unknown value {entity:?}; expected one of {}",
                    ENTITIES.join(" ")
                ),
            ));
        }
        query = query.filter(audit_entry::Column::Entity.eq(entity));
    }
    if let Some(id) = q.entity_id {
        query = query.filter(audit_entry::Column::EntityId.eq(id));
    }
    let total = query.clone().count(&state.db).await?;
    let items = query
        .order_by_asc(audit_entry::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|e| AuditEntryView {
            id: e.id,
            at: e.at,
            actor_id: e.actor_id,
            actor: e.actor,
            actor_role: e.actor_role,
            entity: e.entity,
            entity_id: e.entity_id,
            action: e.action,
            from: e.from_value,
            to: e.to_value,
            reason: e.reason,
        })
        .collect();
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}
