//! An agency manages its own inspectors: who they are, the days they cannot be sent,
//! and the enterprises they declared a conflict of interest with.

use crate::access;
use crate::db::Connection;
use crate::entities::{
    agency, enterprise, inspector, inspector_conflict, inspector_unavailable_day,
};
use crate::{Caller, Role, ServiceError, agencies};
use chrono::{NaiveDate, Utc};
use onevisit_domain::{AgencyCode, Inspector};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
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
async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<inspector::Model>,
) -> Result<Vec<InspectorView>, ServiceError> {
    let ids: Vec<Uuid> = rows.iter().map(|i| i.id).collect();
    let days = inspector_unavailable_day::Entity::find()
        .filter(inspector_unavailable_day::Column::InspectorId.is_in(ids.clone()))
        .order_by_asc(inspector_unavailable_day::Column::Day)
        .all(db)
        .await?;
    let conflicts = inspector_conflict::Entity::find()
        .filter(inspector_conflict::Column::InspectorId.is_in(ids))
        .all(db)
        .await?;
    let agencies: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(db)
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

async fn one<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<inspector::Model, ServiceError> {
    inspector::Entity::find_by_id(id)
        .filter(access::inspectors(caller))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

async fn view<C: ConnectionTrait>(
    db: &C,
    row: inspector::Model,
) -> Result<InspectorView, ServiceError> {
    views(db, vec![row])
        .await?
        .pop()
        .ok_or(ServiceError::NotFound)
}

/// The inspectors the caller may see, by code: an agency its own, the office all.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
) -> Result<Vec<InspectorView>, ServiceError> {
    caller.require(&[
        Role::Agency,
        Role::Inspector,
        Role::Coordinator,
        Role::Admin,
    ])?;
    let rows = inspector::Entity::find()
        .filter(access::inspectors(caller))
        .order_by_asc(inspector::Column::Code)
        .all(db)
        .await?;
    views(db, rows).await
}

/// One inspector the caller may see.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<InspectorView, ServiceError> {
    let row = one(db, caller, id).await?;
    view(db, row).await
}

/// Adds an inspector to the caller's agency (the office names the agency).
pub async fn create<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    body: &NewInspector,
) -> Result<InspectorView, ServiceError> {
    caller.require(&[Role::Agency, Role::Coordinator, Role::Admin])?;
    let agency = match (&body.agency, caller.role, caller.agency_id) {
        (_, Role::Agency, Some(own)) => {
            let row = agency::Entity::find_by_id(own)
                .one(db)
                .await?
                .ok_or(ServiceError::Forbidden)?;
            if body.agency.as_ref().is_some_and(|code| *code != row.code) {
                return Err(ServiceError::field(
                    "agency",
                    "agency staff add inspectors to their own agency only",
                ));
            }
            row
        }
        (Some(code), Role::Coordinator | Role::Admin, _) => agencies::by_code(db, code).await?,
        (None, Role::Coordinator | Role::Admin, _) => {
            return Err(ServiceError::field("agency", "required"));
        }
        _ => return Err(ServiceError::Forbidden),
    };
    let code =
        AgencyCode::parse(&agency.code).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let parsed =
        Inspector::new(&body.code, code, &body.name, &body.qualifications).map_err(|e| {
            let field = match e {
                onevisit_domain::InspectorError::Code(_) => "code".to_owned(),
                onevisit_domain::InspectorError::Name(_) => "name".to_owned(),
                onevisit_domain::InspectorError::Qualification { index, .. } => {
                    format!("qualifications[{index}]")
                }
            };
            ServiceError::field(field, e.to_string())
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
    .insert(db)
    .await
    .map_err(|e| ServiceError::taken(e, || format!("code: {} is taken", parsed.code)))?;
    view(db, row).await
}

/// The inspector, if the caller may change it: only its own agency or the office.
async fn changeable<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<inspector::Model, ServiceError> {
    let row = one(db, caller, id).await?;
    match caller.role {
        Role::Coordinator | Role::Admin => Ok(row),
        Role::Agency if caller.agency_id == Some(row.agency_id) => Ok(row),
        _ => Err(ServiceError::Forbidden),
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

/// Sets the days the inspector cannot be sent (at most 366). Visits already planned are
/// not moved: the next re-plan or the office does that.
pub async fn set_unavailable<C: Connection>(
    db: &C,
    caller: &Caller,
    id: Uuid,
    body: Unavailable,
) -> Result<InspectorView, ServiceError> {
    let row = changeable(db, caller, id).await?;
    if body.days.len() > 366 {
        return Err(ServiceError::field("days", "at most 366 days"));
    }
    let days: BTreeSet<NaiveDate> = body.days.into_iter().collect();
    let txn = db.begin().await?;
    replace_days(&txn, id, &days).await?;
    txn.commit().await?;
    view(db, row).await
}

/// Sets the enterprises the inspector declared a conflict of interest with (replaces
/// the list; an enterprise named twice counts once).
pub async fn set_conflicts<C: Connection>(
    db: &C,
    caller: &Caller,
    id: Uuid,
    body: &Conflicts,
) -> Result<InspectorView, ServiceError> {
    let row = changeable(db, caller, id).await?;
    let wanted: BTreeSet<Uuid> = body.conflicts.iter().map(|c| c.enterprise_id).collect();
    let known: BTreeSet<Uuid> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(wanted.iter().copied()))
        .all(db)
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
        return Err(ServiceError::field(
            format!("conflicts[{i}].enterprise_id"),
            "no such enterprise",
        ));
    }
    let txn = db.begin().await?;
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
    view(db, row).await
}
