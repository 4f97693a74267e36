//! The office's webhooks, the outbox of notifications (pending, delivered, dead), and
//! the log of job runs.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use onevisit_service::webhooks::{self, JobRunView, OutboxView, WebhookBody, WebhookView};
use serde::Deserialize;
use utoipa::IntoParams;

/// Registers a webhook: it receives every notification written from now on.
#[utoipa::path(post, path = "/webhooks", operation_id = "create_webhook", tag = "notifications", security(("bearer" = [])),
    request_body = WebhookBody,
    responses(
        (status = 201, description = "Registered", body = WebhookView),
        (status = 403, description = "Only the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an http(s) URL", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<WebhookBody>,
) -> Result<(StatusCode, Json<WebhookView>), ApiError> {
    let view = webhooks::register(&state.db, &caller, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The registered webhooks.
#[utoipa::path(get, path = "/webhooks", operation_id = "list_webhooks", tag = "notifications", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every webhook", body = Vec<WebhookView>),
        (status = 403, description = "Only the office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    Ok(Json(webhooks::list(&state.db, &caller).await?))
}

/// Filters of the outbox.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxFilter {
    /// pending, delivered or dead.
    pub status: Option<String>,
    pub event: Option<String>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The notifications, newest first; `status=dead` lists the dead letters.
#[utoipa::path(get, path = "/outbox", operation_id = "list_outbox", tag = "notifications", security(("bearer" = [])),
    params(OutboxFilter),
    responses(
        (status = 200, description = "One page of notifications", body = Page<OutboxView>),
        (status = 403, description = "Only the office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn outbox_list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(filter): ValidQuery<OutboxFilter>,
) -> Result<Json<Page<OutboxView>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let (items, total) = webhooks::outbox_page(
        &state.db,
        &caller,
        filter.status.as_deref(),
        filter.event.as_deref(),
        limit,
        offset,
    )
    .await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// Filters of the job-run log.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunFilter {
    pub job: Option<String>,
    /// running, succeeded or failed.
    pub outcome: Option<String>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The job runs, newest tick first.
#[utoipa::path(get, path = "/jobs/runs", operation_id = "list_job_runs", tag = "notifications", security(("bearer" = [])),
    params(RunFilter),
    responses(
        (status = 200, description = "One page of runs", body = Page<JobRunView>),
        (status = 403, description = "Only the office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn runs(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(filter): ValidQuery<RunFilter>,
) -> Result<Json<Page<JobRunView>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let (items, total) = webhooks::runs(
        &state.db,
        &caller,
        filter.job.as_deref(),
        filter.outcome.as_deref(),
        limit,
        offset,
    )
    .await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// Runs a job now, for this second's tick, claimed and recorded like a scheduled run:
/// plans, outbox-delivery, replan, visit-reminders or overdue-hazards.
#[utoipa::path(post, path = "/jobs/{name}/run", operation_id = "run_job", tag = "notifications", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses(
        (status = 200, description = "The run", body = JobRunView),
        (status = 403, description = "Only the office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This second's tick ran already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn run_now(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<JobRunView>, ApiError> {
    Ok(Json(
        webhooks::run_now(&state.jobs_context(), &caller, &name).await?,
    ))
}
