//! Agencies and user accounts: the admin manages them; everyone signed in sees the agencies.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use onevisit_service::accounts::{self, NewUser, UserView};
use onevisit_service::agencies::{self, AgencyBody, AgencyView};
use uuid::Uuid;

/// Every agency.
#[utoipa::path(get, path = "/agencies", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The agencies, by code", body = Vec<AgencyView>)))]
pub async fn list_agencies(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<Vec<AgencyView>>, ApiError> {
    Ok(Json(agencies::list(&state.db).await?))
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
    let view = agencies::create(&state.db, &caller, &body).await?;
    Ok((StatusCode::CREATED, Json(view)))
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
    Ok(Json(agencies::update(&state.db, &caller, id, &body).await?))
}

/// Every user account (admin).
#[utoipa::path(get, path = "/users", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The accounts, by username", body = Vec<UserView>)))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(accounts::list(&state.db, &caller).await?))
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
    let view = accounts::create(&state.db, &caller, &body).await?;
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
    Ok(Json(accounts::deactivate(&state.db, &caller, id).await?))
}
