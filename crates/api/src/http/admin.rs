//! Agencies and user accounts: the admin manages them; everyone signed in sees the agencies.

use crate::app::AppState;
use crate::auth::{Caller, Role, hash_password};
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use onevisit_domain::Agency;
use onevisit_service::entities::{agency, enterprise, inspector, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// An agency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgencyView {
    pub id: Uuid,
    /// Short code used in plans and usernames (`fire`).
    pub code: String,
    pub name: String,
    /// Joint visits it can take part in on one working day.
    pub daily_capacity: i32,
}

impl From<agency::Model> for AgencyView {
    fn from(a: agency::Model) -> Self {
        Self {
            id: a.id,
            code: a.code,
            name: a.name,
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
    pub daily_capacity: i64,
}

fn agency_fields(body: &AgencyBody) -> Result<Agency, ApiError> {
    Agency::new(&body.code, &body.name, body.daily_capacity).map_err(|e| {
        let field = match e {
            onevisit_domain::AgencyError::Code(_) => "code",
            onevisit_domain::AgencyError::Name(_) => "name",
            onevisit_domain::AgencyError::Capacity { .. } => "daily_capacity",
        };
        ApiError::field(field, e.to_string())
    })
}

/// The agency with `code`, or a validation error on the field `agency`.
pub async fn agency_by_code(
    db: &sea_orm::DatabaseConnection,
    code: &str,
) -> Result<agency::Model, ApiError> {
    agency::Entity::find()
        .filter(agency::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::field("agency", format!("unknown agency {code:?}")))
}

/// Every agency.
#[utoipa::path(get, path = "/agencies", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The agencies, by code", body = Vec<AgencyView>)))]
pub async fn list_agencies(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<Vec<AgencyView>>, ApiError> {
    let rows = agency::Entity::find()
        .order_by_asc(agency::Column::Code)
        .all(&state.db)
        .await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Adds an agency (admin).
#[utoipa::path(post, path = "/agencies", tag = "admin", security(("bearer" = [])),
    request_body = AgencyBody,
    responses(
        (status = 201, description = "Added", body = AgencyView),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_agency(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<AgencyBody>,
) -> Result<(StatusCode, Json<AgencyView>), ApiError> {
    caller.require(&[Role::Admin])?;
    let a = agency_fields(&body)?;
    let row = agency::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(a.code.to_string()),
        name: Set(a.name.to_string()),
        daily_capacity: Set(i32::try_from(a.daily_capacity.get()).unwrap_or(i32::MAX)),
        created_at: Set(Utc::now()),
    }
    .insert(&state.db)
    .await
    .map_err(|e| ApiError::taken(e, || format!("code: {} is taken", a.code)))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Changes an agency's name or daily capacity (admin); its code stays.
#[utoipa::path(put, path = "/agencies/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = AgencyBody,
    responses(
        (status = 200, description = "Changed", body = AgencyView),
        (status = 404, description = "No such agency", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or the code differs", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_agency(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<AgencyBody>,
) -> Result<Json<AgencyView>, ApiError> {
    caller.require(&[Role::Admin])?;
    let a = agency_fields(&body)?;
    let row = agency::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    if row.code != a.code.as_str() {
        return Err(ApiError::field("code", "an agency's code cannot change"));
    }
    let mut active: agency::ActiveModel = row.into();
    active.name = Set(a.name.to_string());
    active.daily_capacity = Set(i32::try_from(a.daily_capacity.get()).unwrap_or(i32::MAX));
    Ok(Json(active.update(&state.db).await?.into()))
}

/// A user account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    /// The agency's code, for agency and inspector accounts.
    pub agency: Option<String>,
    pub enterprise_id: Option<Uuid>,
    pub inspector_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A new user account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 3 to 64 letters, digits, '.', '_' or '-'.
    pub username: String,
    /// 8 to 128 characters.
    pub password: String,
    pub role: Role,
    /// The agency's code: required for agency and inspector accounts.
    #[serde(default)]
    pub agency: Option<String>,
    /// Required for enterprise accounts.
    #[serde(default)]
    pub enterprise_id: Option<Uuid>,
    /// Required for inspector accounts: an inspector of `agency`.
    #[serde(default)]
    pub inspector_id: Option<Uuid>,
}

async fn user_views(state: &AppState, rows: Vec<user::Model>) -> Result<Vec<UserView>, ApiError> {
    let codes: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    rows.into_iter()
        .map(|u| {
            Ok(UserView {
                role: u.role.parse().map_err(ApiError::Internal)?,
                agency: u.agency_id.and_then(|a| codes.get(&a).cloned()),
                id: u.id,
                username: u.username,
                enterprise_id: u.enterprise_id,
                inspector_id: u.inspector_id,
                active: u.active,
                created_at: u.created_at,
            })
        })
        .collect()
}

/// Every user account (admin).
#[utoipa::path(get, path = "/users", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The accounts, by username", body = Vec<UserView>)))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<UserView>>, ApiError> {
    caller.require(&[Role::Admin])?;
    let rows = user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(&state.db)
        .await?;
    Ok(Json(user_views(&state, rows).await?))
}

/// Creates a user account scoped to its tenant (admin).
#[utoipa::path(post, path = "/users", tag = "admin", security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<NewUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    caller.require(&[Role::Admin])?;
    let username = body.username.trim();
    let valid_name = (3..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !valid_name {
        return Err(ApiError::field(
            "username",
            "must be 3 to 64 letters, digits, '.', '_' or '-'",
        ));
    }
    let agency_id = match (&body.agency, body.role) {
        (Some(code), Role::Agency | Role::Inspector) => {
            Some(agency_by_code(&state.db, code).await?.id)
        }
        (None, Role::Agency | Role::Inspector) => {
            return Err(ApiError::field(
                "agency",
                "required for agency and inspector accounts",
            ));
        }
        (Some(_), _) => {
            return Err(ApiError::field(
                "agency",
                "only agency and inspector accounts have one",
            ));
        }
        (None, _) => None,
    };
    match (body.enterprise_id, body.role) {
        (Some(id), Role::Enterprise) => {
            enterprise::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(|| ApiError::field("enterprise_id", "no such enterprise"))?;
        }
        (None, Role::Enterprise) => {
            return Err(ApiError::field(
                "enterprise_id",
                "required for enterprise accounts",
            ));
        }
        (Some(_), _) => {
            return Err(ApiError::field(
                "enterprise_id",
                "only enterprise accounts have one",
            ));
        }
        (None, _) => {}
    }
    match (body.inspector_id, body.role) {
        (Some(id), Role::Inspector) => {
            let found = inspector::Entity::find_by_id(id).one(&state.db).await?;
            if found.is_none_or(|i| Some(i.agency_id) != agency_id) {
                return Err(ApiError::field(
                    "inspector_id",
                    "no such inspector in the agency",
                ));
            }
        }
        (None, Role::Inspector) => {
            return Err(ApiError::field(
                "inspector_id",
                "required for inspector accounts",
            ));
        }
        (Some(_), _) => {
            return Err(ApiError::field(
                "inspector_id",
                "only inspector accounts have one",
            ));
        }
        (None, _) => {}
    }
    let hash = hash_password(body.password.clone()).await.map_err(|e| {
        ApiError::field(
            "password",
            e.to_string().trim_start_matches("password: ").to_owned(),
        )
    })?;
    let row = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username.to_owned()),
        password_hash: Set(hash),
        role: Set(body.role.as_str().to_owned()),
        agency_id: Set(agency_id),
        enterprise_id: Set(body.enterprise_id),
        inspector_id: Set(body.inspector_id),
        active: Set(true),
        created_at: Set(Utc::now()),
    }
    .insert(&state.db)
    .await
    .map_err(|e| ApiError::taken(e, || format!("username: {username} is taken")))?;
    let view = user_views(&state, vec![row])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Deactivates an account (admin): it can no longer sign in. Tokens already issued run out.
#[utoipa::path(post, path = "/users/{id}/deactivate", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Deactivated", body = UserView),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn deactivate_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<UserView>, ApiError> {
    caller.require(&[Role::Admin])?;
    let row = user::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut active: user::ActiveModel = row.into();
    active.active = Set(false);
    let row = active.update(&state.db).await?;
    let view = user_views(&state, vec![row])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    Ok(Json(view))
}
