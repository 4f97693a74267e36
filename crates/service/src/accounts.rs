//! User accounts, each scoped to its tenant: the admin creates and deactivates them.

use crate::entities::{agency, enterprise, inspector, user};
use crate::password::hash_password;
use crate::{Caller, Role, ServiceError, agencies};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

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

async fn user_views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<user::Model>,
) -> Result<Vec<UserView>, ServiceError> {
    let codes: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    rows.into_iter()
        .map(|u| {
            Ok(UserView {
                role: u.role.parse().map_err(ServiceError::Internal)?,
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

async fn user_view<C: ConnectionTrait>(db: &C, row: user::Model) -> Result<UserView, ServiceError> {
    user_views(db, vec![row])
        .await?
        .pop()
        .ok_or(ServiceError::NotFound)
}

/// Every user account, by username (admin).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
) -> Result<Vec<UserView>, ServiceError> {
    caller.require(&[Role::Admin])?;
    let rows = user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?;
    user_views(db, rows).await
}

/// Creates a user account scoped to its tenant (admin): an agency for agency and
/// inspector accounts, an enterprise for enterprise accounts, an inspector of the
/// agency for inspector accounts, and nothing else.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    body: &NewUser,
) -> Result<UserView, ServiceError> {
    caller.require(&[Role::Admin])?;
    let username = body.username.trim();
    let valid_name = (3..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !valid_name {
        return Err(ServiceError::field(
            "username",
            "must be 3 to 64 letters, digits, '.', '_' or '-'",
        ));
    }
    let agency_id = match (&body.agency, body.role) {
        (Some(code), Role::Agency | Role::Inspector) => Some(agencies::by_code(db, code).await?.id),
        (None, Role::Agency | Role::Inspector) => {
            return Err(ServiceError::field(
                "agency",
                "required for agency and inspector accounts",
            ));
        }
        (Some(_), _) => {
            return Err(ServiceError::field(
                "agency",
                "only agency and inspector accounts have one",
            ));
        }
        (None, _) => None,
    };
    match (body.enterprise_id, body.role) {
        (Some(id), Role::Enterprise) => {
            enterprise::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| ServiceError::field("enterprise_id", "no such enterprise"))?;
        }
        (None, Role::Enterprise) => {
            return Err(ServiceError::field(
                "enterprise_id",
                "required for enterprise accounts",
            ));
        }
        (Some(_), _) => {
            return Err(ServiceError::field(
                "enterprise_id",
                "only enterprise accounts have one",
            ));
        }
        (None, _) => {}
    }
    match (body.inspector_id, body.role) {
        (Some(id), Role::Inspector) => {
            let found = inspector::Entity::find_by_id(id).one(db).await?;
            if found.is_none_or(|i| Some(i.agency_id) != agency_id) {
                return Err(ServiceError::field(
                    "inspector_id",
                    "no such inspector in the agency",
                ));
            }
        }
        (None, Role::Inspector) => {
            return Err(ServiceError::field(
                "inspector_id",
                "required for inspector accounts",
            ));
        }
        (Some(_), _) => {
            return Err(ServiceError::field(
                "inspector_id",
                "only inspector accounts have one",
            ));
        }
        (None, _) => {}
    }
    let hash = hash_password(body.password.clone()).await.map_err(|e| {
        ServiceError::field(
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
    .insert(db)
    .await
    .map_err(|e| ServiceError::taken(e, || format!("username: {username} is taken")))?;
    user_view(db, row).await
}

/// Deactivates an account (admin): it can no longer sign in, and its sessions stop
/// being accepted.
pub async fn deactivate<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<UserView, ServiceError> {
    caller.require(&[Role::Admin])?;
    let row = user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut active: user::ActiveModel = row.into();
    active.active = Set(false);
    let row = active.update(db).await?;
    user_view(db, row).await
}

/// The active account named `username`, if any (signing in).
pub async fn active_by_username<C: ConnectionTrait>(
    db: &C,
    username: &str,
) -> Result<Option<user::Model>, ServiceError> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?)
}
