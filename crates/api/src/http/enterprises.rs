//! Enterprises under supervision: the office registers them; agencies look them up.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use onevisit_service::enterprises::{
    self, EnterpriseFilter, EnterpriseView, ImportReport, NewEnterprise,
};
use uuid::Uuid;

/// Registers an enterprise (the coordinating office).
#[utoipa::path(post, path = "/enterprises", operation_id = "create_enterprise", tag = "enterprises", security(("bearer" = [])),
    request_body = NewEnterprise,
    responses(
        (status = 201, description = "Registered", body = EnterpriseView),
        (status = 403, description = "Only the office registers enterprises", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The credit code is registered already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<NewEnterprise>,
) -> Result<(StatusCode, Json<EnterpriseView>), ApiError> {
    let view = enterprises::create_enterprise(&state.db, &caller, &body).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The enterprises the caller may see (an enterprise user: itself).
#[utoipa::path(get, path = "/enterprises", operation_id = "list_enterprises", tag = "enterprises", security(("bearer" = [])),
    params(EnterpriseFilter),
    responses((status = 200, description = "One page of enterprises", body = Page<EnterpriseView>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(filter): ValidQuery<EnterpriseFilter>,
) -> Result<Json<Page<EnterpriseView>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let (items, total) =
        enterprises::list_enterprises(&state.db, &caller, &filter, (limit, offset)).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// One enterprise.
#[utoipa::path(get, path = "/enterprises/{id}", operation_id = "get_enterprise", tag = "enterprises", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The enterprise", body = EnterpriseView),
        (status = 404, description = "No such enterprise for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<EnterpriseView>, ApiError> {
    Ok(Json(
        enterprises::get_enterprise(&state.db, &caller, id).await?,
    ))
}

/// Registers enterprises from a CSV file (UTF-8, a header row with the columns
/// `credit_code,name,sector,district,in_chemical_park,key_process,key_chemical,major_hazard_source,status,burden_cap`).
/// All or nothing: when any row is wrong, nothing is written and every wrong row is
/// reported with its line and field. Rows whose credit code is registered already are skipped.
#[utoipa::path(post, path = "/enterprises/import", operation_id = "import_enterprises", tag = "enterprises", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, description = "Imported", body = ImportReport),
        (status = 422, description = "Rows are wrong; nothing was written", body = ImportReport),
    ))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ImportReport>), ApiError> {
    let report = enterprises::import_enterprises(&state.db, &caller, &body).await?;
    // A report with wrong rows wrote nothing.
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)))
}
