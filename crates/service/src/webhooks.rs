//! The office's webhooks, the outbox of notifications (pending, delivered, dead), and
//! the log of job runs.

use crate::entities::{job_run, outbox, webhook};
use crate::jobs::{self, JobContext};
use crate::{Caller, Role, ServiceError};
use chrono::{DateTime, SubsecRound, Utc};
use onevisit_scheduler::jobs::{TickOutcome, run_tick};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

const OFFICE: [Role; 2] = [Role::Coordinator, Role::Admin];

/// Refuses anything but an absolute http(s) URL with a host, naming `field`.
pub fn checked_url(field: &str, raw: &str) -> Result<String, ServiceError> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| ServiceError::field(field, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ServiceError::field(
            field,
            format!("must be an http or https URL, not {:?}", url.scheme()),
        ));
    }
    Ok(url.to_string())
}

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

/// Registers a webhook at `now`: it receives every notification written from then on.
pub async fn register<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    body: &WebhookBody,
    now: DateTime<Utc>,
) -> Result<WebhookView, ServiceError> {
    caller.require(&OFFICE)?;
    let url = checked_url("url", &body.url)?;
    let row = webhook::ActiveModel {
        id: Set(Uuid::now_v7()),
        url: Set(url),
        active: Set(true),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(row.into())
}

/// The registered webhooks, oldest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
) -> Result<Vec<WebhookView>, ServiceError> {
    caller.require(&OFFICE)?;
    let rows = webhook::Entity::find()
        .order_by_asc(webhook::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(WebhookView::from).collect())
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

/// One page of the notifications (those with the status, pending, delivered or dead, and
/// the event, if given), newest first, and how many there are in all.
pub async fn outbox_page<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    status: Option<&str>,
    event: Option<&str>,
    limit: u64,
    offset: u64,
) -> Result<(Vec<OutboxView>, u64), ServiceError> {
    caller.require(&OFFICE)?;
    let mut query = outbox::Entity::find();
    if let Some(status) = status {
        query = query.filter(outbox::Column::Status.eq(status));
    }
    if let Some(event) = event {
        query = query.filter(outbox::Column::Event.eq(event));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((rows.into_iter().map(OutboxView::from).collect(), total))
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

/// One page of the job runs (those of the job and with the outcome, running, succeeded
/// or failed, if given), newest tick first, and how many there are in all.
pub async fn runs<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    job: Option<&str>,
    outcome: Option<&str>,
    limit: u64,
    offset: u64,
) -> Result<(Vec<JobRunView>, u64), ServiceError> {
    caller.require(&OFFICE)?;
    let mut query = job_run::Entity::find();
    if let Some(job) = job {
        query = query.filter(job_run::Column::Job.eq(job));
    }
    if let Some(outcome) = outcome {
        query = query.filter(job_run::Column::Outcome.eq(outcome));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(job_run::Column::Tick)
        .order_by_desc(job_run::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((rows.into_iter().map(JobRunView::from).collect(), total))
}

/// Runs the job `name` now, for this second's tick, claimed and recorded like a
/// scheduled run; a tick that ran already is a conflict.
pub async fn run_now(
    context: &JobContext,
    caller: &Caller,
    name: &str,
) -> Result<JobRunView, ServiceError> {
    caller.require(&OFFICE)?;
    let store = jobs::store(context);
    let job = jobs::all(context, &store)
        .into_iter()
        .find(|j| j.name() == name)
        .ok_or(ServiceError::NotFound)?;
    let tick = context.clock.now().trunc_subsecs(0);
    match run_tick(store.as_ref(), &context.clock, job.as_ref(), tick)
        .await
        .map_err(ServiceError::Internal)?
    {
        TickOutcome::Skipped => Err(ServiceError::Conflict(format!(
            "{name} ran for {tick} already"
        ))),
        TickOutcome::Ran(_) => {
            let row = job_run::Entity::find()
                .filter(job_run::Column::Job.eq(name))
                .filter(job_run::Column::Tick.eq(tick))
                .one(&context.db)
                .await?
                .ok_or(ServiceError::NotFound)?;
            Ok(row.into())
        }
    }
}
