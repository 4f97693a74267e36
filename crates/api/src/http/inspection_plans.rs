//! Inspection plans: the office sets them, OneVisit fires them on their schedule (or
//! at once, on request) and books their requests. A plan is checked when saved: its
//! cron expression, draw size, agencies, window, webhook URL, and its pool as the
//! enterprises stand that day (not empty, not smaller than a count to draw).

use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, SubsecRound, Utc};
use onevisit_scheduler::jobs::{JobStore, RunOutcome};
use onevisit_scheduler::periodic::{
    DrawSize, InspectionPlan, Participation, PlanInput, PlanKind, PoolFilter,
};
use onevisit_service::audit::{self, Change, Subject};
use onevisit_service::entities::{agency, enterprise, inspection_plan};
use onevisit_service::jobs::{DbJobStore, plan_job_name};
use onevisit_service::outbox::{self, Notification};
use onevisit_service::periodic;
use onevisit_service::views::{self, RequestView};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `"all"`, `{"count": n}` or `{"share": percent}`: the scheduler's `DrawSize` as the
/// spec shows it.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // only its schema is used
enum DrawSizeSchema {
    /// The whole pool.
    All,
    /// At least 1.
    Count(u32),
    /// A percentage, 1 to 100.
    Share(u32),
}

/// A plan as the office writes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    pub name: String,
    /// Cron, seconds first: `sec min hour day-of-month month day-of-week [year]`, in UTC
    /// (`0 0 0 * * MON` is Monday 08:00 in China).
    pub schedule: String,
    /// routine, look_back or random.
    #[schema(value_type = String)]
    pub kind: PlanKind,
    /// sectors, districts, chemical_park (any, inside, outside), required_risk,
    /// statuses, risk_based; empty sets mean any.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub pool: PoolFilter,
    // `"all"`, `{"count": n}` or `{"share": percent}` (described on the schema: a doc
    // comment here would wrap it in an `allOf` with an object).
    #[schema(value_type = DrawSizeSchema, inline)]
    pub draw: DrawSize,
    /// `[{"agency": "fire", "team_size": 2}, ...]`
    #[schema(value_type = Vec<Object>)]
    pub agencies: Vec<Participation>,
    /// Working days each request's window spans, 1 to 250.
    pub window_working_days: i64,
    pub announced: bool,
    /// An http(s) URL told of each firing, besides the office's webhooks.
    pub webhook_url: Option<String>,
}

/// A stored plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanView {
    pub id: Uuid,
    pub name: String,
    /// active or paused.
    pub status: String,
    pub kind: String,
    pub schedule: String,
    /// The whole plan as saved (pool, draw, agencies, window, announced).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    pub webhook_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<inspection_plan::Model> for PlanView {
    fn from(row: inspection_plan::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            status: row.status,
            kind: row.kind,
            schedule: row.schedule,
            definition: row.definition,
            webhook_url: row.webhook_url,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// What a firing made.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FiredView {
    pub plan_id: Uuid,
    pub tick: DateTime<Utc>,
    /// The published draw record of a random plan.
    pub draw_id: Option<Uuid>,
    pub requests: Vec<RequestView>,
}

/// A problem message `field: what` as a validation error on that field.
fn field_problem(message: &str) -> ApiError {
    match message.split_once(": ") {
        Some((field, detail)) if !field.contains(' ') => ApiError::field(field, detail),
        _ => ApiError::field("", message),
    }
}

/// Refuses anything but an absolute http(s) URL with a host.
pub fn check_webhook_url(field: &str, raw: &str) -> Result<String, ApiError> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| ApiError::field(field, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ApiError::field(
            field,
            format!("must be an http or https URL, not {:?}", url.scheme()),
        ));
    }
    Ok(url.to_string())
}

async fn checked(state: &AppState, body: PlanBody) -> Result<InspectionPlan, ApiError> {
    let plan = InspectionPlan::new(PlanInput {
        name: body.name,
        schedule: body.schedule,
        kind: body.kind,
        pool: body.pool,
        draw: body.draw,
        agencies: body.agencies,
        window_working_days: body.window_working_days,
        announced: body.announced,
    })
    .map_err(|e| field_problem(&e.to_string()))?;
    let mut unknown = Vec::new();
    for (i, p) in plan.agencies().iter().enumerate() {
        let known = agency::Entity::find()
            .filter(agency::Column::Code.eq(p.agency.as_str()))
            .count(&state.db)
            .await?;
        if known == 0 {
            unknown.push(FieldError {
                field: format!("agencies[{i}].agency"),
                message: format!("no agency {}", p.agency),
            });
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::Validation(unknown));
    }
    let pool = periodic::pool_size(&state.db, &plan, state.clock.today())
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    plan.check_pool(pool)
        .map_err(|e| field_problem(&e.to_string()))?;
    Ok(plan)
}

/// Saves a plan, checked now rather than when it fires.
#[utoipa::path(post, path = "/inspection-plans", operation_id = "create_inspection_plan", tag = "inspection-plans", security(("bearer" = [])),
    request_body = PlanBody,
    responses(
        (status = 201, description = "Saved and active", body = PlanView),
        (status = 403, description = "Only the office sets plans", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A plan of that name exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid (schedule, draw, pool, agencies, webhook_url...)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<PlanBody>,
) -> Result<(StatusCode, Json<PlanView>), ApiError> {
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let webhook_url = body
        .webhook_url
        .as_deref()
        .map(|u| check_webhook_url("webhook_url", u))
        .transpose()?;
    let plan = checked(&state, body).await?;
    let now = state.clock.now();
    let definition = PlanInput::from(plan.clone());
    let row = inspection_plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(plan.name().to_string()),
        kind: Set(serde_json::to_value(plan.kind())
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()),
        schedule: Set(plan.schedule().as_str().to_owned()),
        definition: Set(
            serde_json::to_value(&definition).map_err(|e| ApiError::Internal(e.to_string()))?
        ),
        webhook_url: Set(webhook_url),
        status: Set("active".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&state.db)
    .await
    .map_err(|e| ApiError::taken(e, || format!("a plan named {} exists", plan.name())))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Filters of the plan list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlanFilter {
    /// active or paused.
    pub status: Option<String>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The plans, oldest first.
#[utoipa::path(get, path = "/inspection-plans", operation_id = "list_inspection_plans", tag = "inspection-plans", security(("bearer" = [])),
    params(PlanFilter),
    responses(
        (status = 200, description = "One page of plans", body = Page<PlanView>),
        (status = 403, description = "Only the office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(filter): ValidQuery<PlanFilter>,
) -> Result<Json<Page<PlanView>>, ApiError> {
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let mut query = inspection_plan::Entity::find();
    if let Some(status) = &filter.status {
        query = query.filter(inspection_plan::Column::Status.eq(status));
    }
    let total = query.clone().count(&state.db).await?;
    let rows = query
        .order_by_asc(inspection_plan::Column::CreatedAt)
        .order_by_asc(inspection_plan::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(&state.db)
        .await?;
    Ok(Json(Page {
        items: rows.into_iter().map(PlanView::from).collect(),
        total,
        limit,
        offset,
    }))
}

async fn find(state: &AppState, id: Uuid) -> Result<inspection_plan::Model, ApiError> {
    inspection_plan::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// One plan.
#[utoipa::path(get, path = "/inspection-plans/{id}", operation_id = "get_inspection_plan", tag = "inspection-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The plan", body = PlanView),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<PlanView>, ApiError> {
    caller.require(&[Role::Coordinator, Role::Admin])?;
    Ok(Json(find(&state, id).await?.into()))
}

async fn set_status(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    status: &str,
) -> Result<Json<PlanView>, ApiError> {
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let row = find(state, id).await?;
    let mut active: inspection_plan::ActiveModel = row.into();
    active.status = Set(status.to_owned());
    active.updated_at = Set(state.clock.now());
    Ok(Json(active.update(&state.db).await?.into()))
}

/// Pauses a plan: it does not fire until resumed.
#[utoipa::path(post, path = "/inspection-plans/{id}/pause", operation_id = "pause_inspection_plan", tag = "inspection-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Paused", body = PlanView),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn pause(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<PlanView>, ApiError> {
    set_status(&state, &caller, id, "paused").await
}

/// Resumes a paused plan.
#[utoipa::path(post, path = "/inspection-plans/{id}/resume", operation_id = "resume_inspection_plan", tag = "inspection-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Active again", body = PlanView),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<PlanView>, ApiError> {
    set_status(&state, &caller, id, "active").await
}

/// Fires an active plan now (the tick is this second), as its schedule would: the run
/// is claimed and recorded like a scheduled one.
#[utoipa::path(post, path = "/inspection-plans/{id}/fire", operation_id = "fire_inspection_plan", tag = "inspection-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 201, description = "Fired: the requests made", body = FiredView),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Paused, or fired this second already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn fire(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, Json<FiredView>), ApiError> {
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let row = find(&state, id).await?;
    if row.status != "active" {
        return Err(ApiError::Conflict("the plan is paused".to_owned()));
    }
    let store = DbJobStore {
        db: state.db.clone(),
        replica: state.jobs.replica.clone(),
    };
    let tick = state.clock.now().trunc_subsecs(0);
    let claim = store
        .claim(&plan_job_name(id), tick, state.clock.now())
        .await
        .map_err(ApiError::Internal)?
        .ok_or_else(|| ApiError::Conflict(format!("the plan fired at {tick} already")))?;
    let result = periodic::fire(&state.db, &state.calendar, &row, tick, state.clock.now()).await;
    let outcome = match &result {
        Ok(fired) => RunOutcome::Succeeded {
            counts: [("requests".to_owned(), fired.requests.len() as u64)].into(),
        },
        Err(err) => RunOutcome::Failed {
            error: err.to_string(),
        },
    };
    store
        .finish(&claim, state.clock.now(), &outcome)
        .await
        .map_err(ApiError::Internal)?;
    let fired = result.map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        Json(FiredView {
            plan_id: id,
            tick: fired.tick,
            draw_id: fired.draw_id,
            requests: views::requests(&state.db, fired.requests).await?,
        }),
    ))
}

/// A look-back visit's finding that a closed or relocated enterprise has restarted.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestartBody {
    /// What was found, 1 to 2000 characters.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub note: String,
}

/// An enterprise's status after a finding.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EnterpriseStatusView {
    pub id: Uuid,
    pub credit_code: String,
    pub status: String,
}

/// Records that a closed or relocated enterprise has restarted (回头看): its status
/// becomes operating again, so routine plans target it; the audit trail keeps who found
/// it and why, and the office's webhooks hear of it.
#[utoipa::path(post, path = "/enterprises/{id}/restart-finding", operation_id = "record_restart_finding", tag = "inspection-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = RestartBody,
    responses(
        (status = 200, description = "Reopened", body = EnterpriseStatusView),
        (status = 404, description = "No such enterprise", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The enterprise is not closed or relocated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The note is missing or too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn restart_finding(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<RestartBody>,
) -> Result<Json<EnterpriseStatusView>, ApiError> {
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let note = crate::http::tipoffs::long_text("note", &body.note)?;
    let txn = state.db.begin().await?;
    let row = enterprise::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !matches!(row.status.as_str(), "closed" | "relocated") {
        return Err(ApiError::Conflict(format!(
            "the enterprise is {}, not closed or relocated",
            row.status
        )));
    }
    let now = state.clock.now();
    let previous = row.status.clone();
    let mut active: enterprise::ActiveModel = row.into();
    active.status = Set("operating".to_owned());
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    let change = Change::new(Subject::Enterprise(row.id), "reopened")
        .from_to(
            Some(serde_json::json!({"status": previous})),
            Some(serde_json::json!({"status": row.status})),
        )
        .because(Some(note.clone()));
    audit::record(&txn, &caller, now, change).await?;
    outbox::enqueue(
        &txn,
        Notification {
            event: "enterprise.reopened",
            payload: serde_json::json!({
                "enterprise_id": row.id,
                "credit_code": row.credit_code,
                "previous_status": previous,
                "note": note,
                "by": caller.username,
            }),
            also_to: None,
            dedupe_key: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Json(EnterpriseStatusView {
        id: row.id,
        credit_code: row.credit_code,
        status: row.status,
    }))
}
