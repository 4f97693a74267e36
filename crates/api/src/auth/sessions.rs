//! Sign-in sessions: every access token names one, and every request checks it and its
//! account (one primary-key read joining `sessions` and `users`), so that signing out,
//! deactivating an account or changing its role or tenant takes effect at once on every
//! replica, and a token for an account that does not exist is worth nothing. The
//! sessions themselves are the service's ([`onevisit_service::sessions`]).

use super::Claims;
use chrono::{DateTime, Utc};
use onevisit_service::{ServiceError, sessions};

/// Whether the token's session is open and its account is the token's: active, with the
/// same name, role and tenant.
pub async fn is_live<C: onevisit_service::db::Connection>(
    db: &C,
    claims: &Claims,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    Ok(sessions::open_account(db, claims.sid, now)
        .await?
        .is_some_and(|account| {
            account.id == claims.sub
                && account.active
                && account.username == claims.username
                && account.role == claims.role.as_str()
                && account.agency_id == claims.agency
                && account.enterprise_id == claims.enterprise
                && account.inspector_id == claims.inspector
        }))
}
