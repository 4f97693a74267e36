//! Sign-in sessions: every access token names one. Signing out ends it; a session also
//! ends [`LIFETIME`] after signing in, however active the user.

use crate::ServiceError;
use crate::entities::{session, user};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
};
use uuid::Uuid;

/// However active the user, a session ends this long after signing in.
pub const LIFETIME: Duration = Duration::hours(12);

/// Opens a session for `user` signing in at `now`.
pub async fn open<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<session::Model, ServiceError> {
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
pub async fn end<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    session::Entity::update_many()
        .col_expr(session::Column::EndedAt, Expr::value(now))
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The account the session belongs to, if the session is open at `now` (one
/// primary-key read joining `sessions` and `users`); whether the account is still the
/// one a token names is for the caller to check.
pub async fn open_account<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<user::Model>, ServiceError> {
    let found = session::Entity::find_by_id(id)
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    Ok(match found {
        Some((session, Some(account)))
            if session.ended_at.is_none()
                && session.expires_at > now
                && session.user_id == account.id =>
        {
            Some(account)
        }
        _ => None,
    })
}
