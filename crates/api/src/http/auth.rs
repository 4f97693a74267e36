//! Signing in: `POST /auth/login` trades a username and password for an access token.

use crate::app::AppState;
use crate::auth::{AUDIENCE, Caller, Claims, ISSUER, Role, verify_password};
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidJson;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use chrono::Utc;
use onevisit_service::{accounts, sessions};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;
use uuid::Uuid;

/// A username and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// An access token to send as `Authorization: Bearer …`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
}

/// Signs in. Failed attempts are limited per account and per address.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong username or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ValidJson(body): ValidJson<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let access_token = sign_in(&state, &body.username, body.password, &peer).await?;
    Ok(Json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.auth.ttl_seconds,
    }))
}

/// Checks a username and password (throttled per account and address) and issues an
/// access token; the API answers it, the web pages keep it in a session cookie.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: String,
    peer: &SocketAddr,
) -> Result<String, ApiError> {
    let now = Utc::now();
    let address = peer.ip().to_string();
    let username = username.trim().to_owned();
    if username.contains('\0') {
        // No account has one (PostgreSQL could not even look it up): the page's form
        // reaches here unchecked.
        return Err(ApiError::field("username", crate::http::json::NUL_MESSAGE));
    }
    if let Some(until) = state
        .throttle
        .locked_until(&state.db, &username, &address, now)
        .await?
    {
        return Err(ApiError::TooManyRequests {
            retry_after_seconds: (until - now).num_seconds(),
        });
    }
    let account = accounts::active_by_username(&state.db, &username).await?;
    let hash = account.as_ref().map(|u| u.password_hash.clone());
    if !verify_password(password, hash).await {
        state
            .throttle
            .record_failure(&state.db, &username, &address, now)
            .await?;
        return Err(ApiError::Unauthorized("wrong username or password"));
    }
    let Some(account) = account else {
        return Err(ApiError::Unauthorized("wrong username or password"));
    };
    state.throttle.record_success(&state.db, &username).await?;
    let role: Role = account.role.parse().map_err(ApiError::Internal)?;
    let session = sessions::open(&state.db, account.id, now).await?;
    let claims = Claims {
        sub: account.id,
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        iat: now.timestamp(),
        nbf: Some(now.timestamp()),
        exp: now.timestamp() + state.auth.ttl_seconds,
        sid: session.id,
        role,
        username: account.username,
        agency: account.agency_id,
        enterprise: account.enterprise_id,
        inspector: account.inspector_id,
    };
    state
        .auth
        .issue(&claims)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Who the token belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user_id: Uuid,
    pub username: String,
    pub role: Role,
    pub agency_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
    pub inspector_id: Option<Uuid>,
}

/// The signed-in user.
#[utoipa::path(get, path = "/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        user_id: caller.user_id,
        username: caller.username,
        role: caller.role,
        agency_id: caller.agency_id,
        enterprise_id: caller.enterprise_id,
        inspector_id: caller.inspector_id,
    })
}

/// Signs out: the token's session ends, and every token of it stops working at once.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    sessions::end(&state.db, caller.session_id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
