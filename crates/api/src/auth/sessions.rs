//! Sign-in sessions: every access token names one, and every request checks it and its
//! account (one primary-key read joining `sessions` and `users`), so that signing out,
//! deactivating an account or changing its role or tenant takes effect at once on every
//! replica, and a token for an account that does not exist is worth nothing.

use super::Claims;
use chrono::{DateTime, Duration, Utc};
use onevisit_service::entities::{session, user};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use uuid::Uuid;

/// However active the user, a session ends this long after signing in.
pub const LIFETIME: Duration = Duration::hours(12);

/// Opens a session for `user` signing in at `now`.
pub async fn open<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<session::Model, DbErr> {
    let row = session::Model {
        id: Uuid::now_v7(),
        user_id: user,
        created_at: now,
        expires_at: now + LIFETIME,
        ended_at: None,
    };
    session::Entity::insert(session::ActiveModel {
        id: Set(row.id),
        user_id: Set(row.user_id),
        created_at: Set(row.created_at),
        expires_at: Set(row.expires_at),
        ended_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(row)
}

/// Ends the session (signing out); ending one already ended changes nothing.
pub async fn end<C: ConnectionTrait>(db: &C, id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::EndedAt, Expr::value(now))
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Whether the token's session is open and its account is the token's: active, with the
/// same name, role and tenant.
pub async fn is_live<C: ConnectionTrait>(
    db: &C,
    claims: &Claims,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some((session, Some(account))) = session::Entity::find_by_id(claims.sid)
        .find_also_related(user::Entity)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    Ok(session.ended_at.is_none()
        && session.expires_at > now
        && session.user_id == claims.sub
        && account.active
        && account.username == claims.username
        && account.role == claims.role.as_str()
        && account.agency_id == claims.agency
        && account.enterprise_id == claims.enterprise
        && account.inspector_id == claims.inspector)
}
