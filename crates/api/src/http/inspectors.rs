//! An agency manages its own inspectors: who they are, the days they cannot be sent,
//! and the enterprises they declared a conflict of interest with.

use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use onevisit_domain::{AgencyCode, Inspector};
use onevisit_service::access;
use onevisit_service::entities::{
    agency, enterprise, inspector, inspector_conflict, inspector_unavailable_day,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::ToSchema;
use uuid::Uuid;

/// A declared conflict of interest.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictView {
    pub enterprise_id: Uuid,
    #[serde(default)]
    pub reason: Option<String>,
}

/// An inspector.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InspectorView {
    pub id: Uuid,
    pub code: String,
    /// The agency's code.
    pub agency: String,
    pub name: String,
    pub qualifications: Vec<String>,
    pub active: bool,
    /// Days the inspector cannot be sent.
    pub unavailable: Vec<NaiveDate>,
    pub conflicts: Vec<ConflictView>,
}

/// A new inspector.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInspector {
    /// Unique code (`fire-09`): lowercase letters, digits, '_' or '-'.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub qualifications: Vec<String>,
    /// The agency's code; agency staff may leave it out (their own) and may not name another.
    #[serde(default)]
    pub agency: Option<String>,
}

/// The days an inspector cannot be sent (replaces the list).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Unavailable {
    pub days: Vec<NaiveDate>,
}

/// The declared conflicts of interest (replaces the list).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conflicts {
    pub conflicts: Vec<ConflictView>,
}

async fn views(
    state: &AppState,
    rows: Vec<inspector::Model>,
) -> Result<Vec<InspectorView>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|i| i.id).collect();
    let days = inspector_unavailable_day::Entity::find()
        .filter(inspector_unavailable_day::Column::InspectorId.is_in(ids.clone()))
        .order_by_asc(inspector_unavailable_day::Column::Day)
        .all(&state.db)
        .await?;
    let conflicts = inspector_conflict::Entity::find()
        .filter(inspector_conflict::Column::InspectorId.is_in(ids))
        .all(&state.db)
        .await?;
    let agencies: std::collections::BTreeMap<Uuid, String> = agency::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    Ok(rows
        .into_iter()
        .map(|i| InspectorView {
            unavailable: days
                .iter()
                .filter(|d| d.inspector_id == i.id)
                .map(|d| d.day)
                .collect(),
            conflicts: conflicts
                .iter()
                .filter(|c| c.inspector_id == i.id)
                .map(|c| ConflictView {
                    enterprise_id: c.enterprise_id,
                    reason: c.reason.clone(),
                })
                .collect(),
            agency: agencies.get(&i.agency_id).cloned().unwrap_or_default(),
            qualifications: serde_json::from_value(i.qualifications).unwrap_or_default(),
            id: i.id,
            code: i.code,
            name: i.name,
            active: i.active,
        })
        .collect())
}

async fn one(state: &AppState, caller: &Caller, id: Uuid) -> Result<inspector::Model, ApiError> {
    inspector::Entity::find_by_id(id)
        .filter(access::inspectors(caller))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn view(state: &AppState, row: inspector::Model) -> Result<Json<InspectorView>, ApiError> {
    views(state, vec![row])
        .await?
        .pop()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// The inspectors the caller may see: an agency its own, the office all.
#[utoipa::path(get, path = "/inspectors", operation_id = "list_inspectors", tag = "inspectors", security(("bearer" = [])),
    responses((status = 200, description = "Inspectors, by code", body = Vec<InspectorView>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<InspectorView>>, ApiError> {
    caller.require(&[
        Role::Agency,
        Role::Inspector,
        Role::Coordinator,
        Role::Admin,
    ])?;
    let rows = inspector::Entity::find()
        .filter(access::inspectors(&caller))
        .order_by_asc(inspector::Column::Code)
        .all(&state.db)
        .await?;
    Ok(Json(views(&state, rows).await?))
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
    let row = one(&state, &caller, id).await?;
    view(&state, row).await
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
    caller.require(&[Role::Agency, Role::Coordinator, Role::Admin])?;
    let agency = match (&body.agency, caller.role, caller.agency_id) {
        (_, Role::Agency, Some(own)) => {
            let row = agency::Entity::find_by_id(own)
                .one(&state.db)
                .await?
                .ok_or(ApiError::Forbidden)?;
            if body.agency.as_ref().is_some_and(|code| *code != row.code) {
                return Err(ApiError::field(
                    "agency",
                    "agency staff add inspectors to their own agency only",
                ));
            }
            row
        }
        (Some(code), Role::Coordinator | Role::Admin, _) => {
            crate::http::admin::agency_by_code(&state.db, code).await?
        }
        (None, Role::Coordinator | Role::Admin, _) => {
            return Err(ApiError::field("agency", "required"));
        }
        _ => return Err(ApiError::Forbidden),
    };
    let code = AgencyCode::parse(&agency.code).map_err(|e| ApiError::Internal(e.to_string()))?;
    let parsed =
        Inspector::new(&body.code, code, &body.name, &body.qualifications).map_err(|e| {
            let field = match e {
                onevisit_domain::InspectorError::Code(_) => "code".to_owned(),
                onevisit_domain::InspectorError::Name(_) => "name".to_owned(),
                onevisit_domain::InspectorError::Qualification { index, .. } => {
                    format!("qualifications[{index}]")
                }
            };
            ApiError::field(field, e.to_string())
        })?;
    let row = inspector::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(parsed.code.to_string()),
        agency_id: Set(agency.id),
        name: Set(parsed.name.to_string()),
        qualifications: Set(serde_json::json!(parsed.qualifications)),
        active: Set(true),
        created_at: Set(Utc::now()),
    }
    .insert(&state.db)
    .await
    .map_err(|e| ApiError::taken(e, || format!("code: {} is taken", parsed.code)))?;
    let (status, json) = (StatusCode::CREATED, view(&state, row).await?);
    Ok((status, json))
}

/// Only the inspector's own agency (or the office) changes it.
fn may_change(caller: &Caller, row: &inspector::Model) -> Result<(), ApiError> {
    match caller.role {
        Role::Coordinator | Role::Admin => Ok(()),
        Role::Agency if caller.agency_id == Some(row.agency_id) => Ok(()),
        _ => Err(ApiError::Forbidden),
    }
}

async fn replace_days(
    txn: &DatabaseTransaction,
    id: Uuid,
    days: &BTreeSet<NaiveDate>,
) -> Result<(), sea_orm::DbErr> {
    inspector_unavailable_day::Entity::delete_many()
        .filter(inspector_unavailable_day::Column::InspectorId.eq(id))
        .exec(txn)
        .await?;
    for &day in days {
        inspector_unavailable_day::ActiveModel {
            inspector_id: Set(id),
            day: Set(day),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
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
    let row = one(&state, &caller, id).await?;
    may_change(&caller, &row)?;
    if body.days.len() > 366 {
        return Err(ApiError::field("days", "at most 366 days"));
    }
    let days: BTreeSet<NaiveDate> = body.days.into_iter().collect();
    let txn = state.db.begin().await?;
    replace_days(&txn, id, &days).await?;
    txn.commit().await?;
    view(&state, row).await
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
    let row = one(&state, &caller, id).await?;
    may_change(&caller, &row)?;
    let wanted: BTreeSet<Uuid> = body.conflicts.iter().map(|c| c.enterprise_id).collect();
    let known: BTreeSet<Uuid> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(wanted.iter().copied()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    if let Some((i, _)) = body
        .conflicts
        .iter()
        .enumerate()
        .find(|(_, c)| !known.contains(&c.enterprise_id))
    {
        return Err(ApiError::field(
            format!("conflicts[{i}].enterprise_id"),
            "no such enterprise",
        ));
    }
    let txn = state.db.begin().await?;
    inspector_conflict::Entity::delete_many()
        .filter(inspector_conflict::Column::InspectorId.eq(id))
        .exec(&txn)
        .await?;
    let mut seen = BTreeSet::new();
    for c in body
        .conflicts
        .iter()
        .filter(|c| seen.insert(c.enterprise_id))
    {
        inspector_conflict::ActiveModel {
            inspector_id: Set(id),
            enterprise_id: Set(c.enterprise_id),
            reason: Set(c.reason.clone()),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    view(&state, row).await
}
