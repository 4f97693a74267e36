//! The office's webhooks, the outbox of notifications (pending, delivered, dead), and
//! the log of job runs.

use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::http::error::{ApiError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, SubsecRound, Utc};
use onevisit_scheduler::jobs::{TickOutcome, run_tick};
use onevisit_service::entities::{job_run, outbox, webhook};
use onevisit_service::inspection_plans::check_webhook_url;
use onevisit_service::jobs;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A webhook to register.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// An http or https URL; each notification is POSTed to it as JSON, signed in the
    /// `X-OneVisit-Signature: sha256=<hex HMAC-SHA256 of the body>` header.
    #[schema(pattern = "^[hH][tT][tT][pP][sS]?://[^/?#\\s]+")]
    pub url: String,
}

/// A registered webhook.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<webhook::Model> for WebhookView {
    fn from(row: webhook::Model) -> Self {
        Self {
            id: row.id,
            url: row.url,
            active: row.active,
            created_at: row.created_at,
        }
    }
}

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
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let url = check_webhook_url("url", &body.url)?;
    let row = webhook::ActiveModel {
        id: Set(Uuid::now_v7()),
        url: Set(url),
        active: Set(true),
        created_at: Set(state.clock.now()),
    }
    .insert(&state.db)
    .await?;
    Ok((StatusCode::CREATED, Json(row.into())))
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
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let rows = webhook::Entity::find()
        .order_by_asc(webhook::Column::CreatedAt)
        .all(&state.db)
        .await?;
    Ok(Json(rows.into_iter().map(WebhookView::from).collect()))
}

/// A notification and its delivery.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OutboxView {
    pub id: Uuid,
    pub event: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub url: String,
    /// pending, delivered or dead (no more attempts).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<outbox::Model> for OutboxView {
    fn from(row: outbox::Model) -> Self {
        Self {
            id: row.id,
            event: row.event,
            payload: row.payload,
            url: row.url,
            status: row.status,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            last_error: row.last_error,
            created_at: row.created_at,
            delivered_at: row.delivered_at,
        }
    }
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
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let mut query = outbox::Entity::find();
    if let Some(status) = &filter.status {
        query = query.filter(outbox::Column::Status.eq(status));
    }
    if let Some(event) = &filter.event {
        query = query.filter(outbox::Column::Event.eq(event));
    }
    let total = query.clone().count(&state.db).await?;
    let rows = query
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(&state.db)
        .await?;
    Ok(Json(Page {
        items: rows.into_iter().map(OutboxView::from).collect(),
        total,
        limit,
        offset,
    }))
}

/// One run of a job.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobRunView {
    pub id: Uuid,
    /// plans, plan:<id>, outbox-delivery, replan, visit-reminders.
    pub job: String,
    /// The scheduled moment it ran for.
    pub tick: DateTime<Utc>,
    /// The process that ran it.
    pub replica: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// running, succeeded or failed.
    pub outcome: String,
    /// What the run did, by what it counts.
    #[schema(value_type = Option<Object>)]
    pub counts: Option<serde_json::Value>,
    pub error: Option<String>,
}

impl From<job_run::Model> for JobRunView {
    fn from(row: job_run::Model) -> Self {
        Self {
            id: row.id,
            job: row.job,
            tick: row.tick,
            replica: row.replica,
            started_at: row.started_at,
            finished_at: row.finished_at,
            outcome: row.outcome,
            counts: row.counts,
            error: row.error,
        }
    }
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
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let mut query = job_run::Entity::find();
    if let Some(job) = &filter.job {
        query = query.filter(job_run::Column::Job.eq(job));
    }
    if let Some(outcome) = &filter.outcome {
        query = query.filter(job_run::Column::Outcome.eq(outcome));
    }
    let total = query.clone().count(&state.db).await?;
    let rows = query
        .order_by_desc(job_run::Column::Tick)
        .order_by_desc(job_run::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(&state.db)
        .await?;
    Ok(Json(Page {
        items: rows.into_iter().map(JobRunView::from).collect(),
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
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let jobs_context = state.jobs_context();
    let store = jobs::store(&jobs_context);
    let job = jobs::all(&jobs_context, &store)
        .into_iter()
        .find(|j| j.name() == name)
        .ok_or(ApiError::NotFound)?;
    let tick = state.clock.now().trunc_subsecs(0);
    match run_tick(store.as_ref(), &state.clock, job.as_ref(), tick)
        .await
        .map_err(ApiError::Internal)?
    {
        TickOutcome::Skipped => Err(ApiError::Conflict(format!("{name} ran for {tick} already"))),
        TickOutcome::Ran(_) => {
            let row = job_run::Entity::find()
                .filter(job_run::Column::Job.eq(name.as_str()))
                .filter(job_run::Column::Tick.eq(tick))
                .one(&state.db)
                .await?
                .ok_or(ApiError::NotFound)?;
            Ok(Json(row.into()))
        }
    }
}
