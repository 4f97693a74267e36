//! Agencies: the admin adds and changes them; everyone signed in sees them.

use crate::entities::agency;
use crate::{Caller, Role, ServiceError};
use chrono::Utc;
use onevisit_domain::Agency;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An agency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgencyView {
    pub id: Uuid,
    /// Short code used in plans and usernames (`fire`).
    pub code: String,
    pub name: String,
    /// The name the English pages show.
    pub name_en: Option<String>,
    /// Joint visits it can take part in on one working day.
    pub daily_capacity: i32,
}

impl From<agency::Model> for AgencyView {
    fn from(a: agency::Model) -> Self {
        Self {
            id: a.id,
            code: a.code,
            name: a.name,
            name_en: a.name_en,
            daily_capacity: a.daily_capacity,
        }
    }
}

/// A new agency, or the changes to one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyBody {
    pub code: String,
    pub name: String,
    /// The name the English pages show (optional).
    #[serde(default)]
    pub name_en: Option<String>,
    pub daily_capacity: i64,
}

fn agency_fields(body: &AgencyBody) -> Result<Agency, ServiceError> {
    Agency::new(&body.code, &body.name, body.daily_capacity)
        .and_then(|a| a.with_english_name(body.name_en.as_deref()))
        .map_err(|e| {
            let field = match e {
                onevisit_domain::AgencyError::Code(_) => "code",
                onevisit_domain::AgencyError::Name(_) => "name",
                onevisit_domain::AgencyError::EnglishName(_) => "name_en",
                onevisit_domain::AgencyError::Capacity { .. } => "daily_capacity",
            };
            ServiceError::field(field, e.to_string())
        })
}

fn capacity(a: &Agency) -> i32 {
    i32::try_from(a.daily_capacity.get()).unwrap_or(i32::MAX)
}

/// The agency with `code`, or a validation error on the field `agency`.
pub async fn by_code<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> Result<agency::Model, ServiceError> {
    agency::Entity::find()
        .filter(agency::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::field("agency", format!("unknown agency {code:?}")))
}

/// Every agency, by code.
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<AgencyView>, ServiceError> {
    let rows = agency::Entity::find()
        .order_by_asc(agency::Column::Code)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Adds an agency (admin).
pub async fn create<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    body: &AgencyBody,
) -> Result<AgencyView, ServiceError> {
    caller.require(&[Role::Admin])?;
    let a = agency_fields(body)?;
    let row = agency::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(a.code.to_string()),
        name: Set(a.name.to_string()),
        name_en: Set(a.name_en.as_ref().map(ToString::to_string)),
        daily_capacity: Set(capacity(&a)),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|e| ServiceError::taken(e, || format!("code: {} is taken", a.code)))?;
    Ok(row.into())
}

/// Changes an agency's name or daily capacity (admin); its code stays.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
    body: &AgencyBody,
) -> Result<AgencyView, ServiceError> {
    caller.require(&[Role::Admin])?;
    let a = agency_fields(body)?;
    let row = agency::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if row.code != a.code.as_str() {
        return Err(ServiceError::field(
            "code",
            "an agency's code cannot change",
        ));
    }
    let mut active: agency::ActiveModel = row.into();
    active.name = Set(a.name.to_string());
    active.name_en = Set(a.name_en.as_ref().map(ToString::to_string));
    active.daily_capacity = Set(capacity(&a));
    Ok(active.update(db).await?.into())
}
