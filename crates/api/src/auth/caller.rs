//! The authenticated caller, extracted from the `Authorization: Bearer` header.

use super::Claims;
use crate::app::AppState;
use crate::http::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use onevisit_service::Caller;

impl From<Claims> for Caller {
    fn from(claims: Claims) -> Self {
        Self {
            user_id: claims.sub,
            session_id: claims.sid,
            username: claims.username,
            role: claims.role,
            agency_id: claims.agency,
            enterprise_id: claims.enterprise,
            inspector_id: claims.inspector,
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(ApiError::Unauthorized("no bearer token"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or(ApiError::Unauthorized(
                "the Authorization header must be `Bearer TOKEN`",
            ))?;
        Ok(authenticate(state, token.trim()).await?.into())
    }
}

/// The claims of `token` if it is valid and its session and account are live (see
/// [`super::sessions`]); 401 otherwise. Sessions live in real time, as tokens do, not in
/// the service's clock (which tests move).
pub async fn authenticate(state: &AppState, token: &str) -> Result<Claims, ApiError> {
    let refused = || ApiError::Unauthorized("the token is invalid or expired");
    let claims = state.auth.verify(token).map_err(|_| refused())?;
    if super::sessions::is_live(&state.db, &claims, chrono::Utc::now()).await? {
        Ok(claims)
    } else {
        Err(refused())
    }
}
