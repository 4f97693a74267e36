//! Inspection plans: the office sets them, OneVisit fires them on their schedule (or
//! at once, on request) and books their requests. A plan is checked when saved: its
//! cron expression, draw size, agencies, window, webhook URL, and its pool as the
//! enterprises stand that day (not empty, not smaller than a count to draw).

use crate::audit::{self, Change, Subject};
use crate::clock::Clock;
use crate::entities::{agency, enterprise, inspection_plan};
use crate::jobs::{DbJobStore, plan_job_name};
use crate::outbox::{self, Notification};
use crate::views::{self, RequestView};
use crate::{Caller, FieldError, Role, ServiceError, periodic};
use chrono::{DateTime, SubsecRound, Utc};
use onevisit_domain::hazard::LongText;
use onevisit_domain::{EnterpriseStatus, WorkCalendar};
use onevisit_scheduler::jobs::{JobStore, RunOutcome};
use onevisit_scheduler::periodic::{
    DrawSize, InspectionPlan, Participation, PlanInput, PlanKind, PoolFilter,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Who sets, fires and reads plans.
const OFFICE: [Role; 2] = [Role::Coordinator, Role::Admin];

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
fn field_problem(message: &str) -> ServiceError {
    match message.split_once(": ") {
        Some((field, detail)) if !field.contains(' ') => ServiceError::field(field, detail),
        _ => ServiceError::field("", message),
    }
}

async fn checked(
    db: &DatabaseConnection,
    clock: &Clock,
    body: PlanBody,
) -> Result<InspectionPlan, ServiceError> {
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
            .count(db)
            .await?;
        if known == 0 {
            unknown.push(FieldError {
                field: format!("agencies[{i}].agency"),
                message: format!("no agency {}", p.agency),
            });
        }
    }
    if !unknown.is_empty() {
        return Err(ServiceError::Invalid(unknown));
    }
    let pool = periodic::pool_size(db, &plan, clock.today())
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    plan.check_pool(pool)
        .map_err(|e| field_problem(&e.to_string()))?;
    Ok(plan)
}

/// Saves a plan (the office), checked now rather than when it fires; a plan of the
/// same name is a conflict.
pub async fn create_plan(
    db: &DatabaseConnection,
    clock: &Clock,
    caller: &Caller,
    body: PlanBody,
) -> Result<PlanView, ServiceError> {
    caller.require(&OFFICE)?;
    let webhook_url = body
        .webhook_url
        .as_deref()
        .map(|u| crate::webhooks::checked_url("webhook_url", u))
        .transpose()?;
    let plan = checked(db, clock, body).await?;
    let now = clock.now();
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
            serde_json::to_value(&definition).map_err(|e| ServiceError::Internal(e.to_string()))?
        ),
        webhook_url: Set(webhook_url),
        status: Set("active".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| ServiceError::taken(e, || format!("a plan named {} exists", plan.name())))?;
    Ok(row.into())
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

/// One page of the plans (the office), oldest first, and how many match in all.
pub async fn list_plans(
    db: &DatabaseConnection,
    caller: &Caller,
    filter: &PlanFilter,
    (limit, offset): (u64, u64),
) -> Result<(Vec<PlanView>, u64), ServiceError> {
    caller.require(&OFFICE)?;
    let mut query = inspection_plan::Entity::find();
    if let Some(status) = &filter.status {
        query = query.filter(inspection_plan::Column::Status.eq(status));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(inspection_plan::Column::CreatedAt)
        .order_by_asc(inspection_plan::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((rows.into_iter().map(PlanView::from).collect(), total))
}

async fn find(db: &DatabaseConnection, id: Uuid) -> Result<inspection_plan::Model, ServiceError> {
    inspection_plan::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// One plan (the office).
pub async fn get_plan(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<PlanView, ServiceError> {
    caller.require(&OFFICE)?;
    Ok(find(db, id).await?.into())
}

/// Pauses a plan (`active: false`: it does not fire until resumed) or resumes it.
pub async fn set_plan_active(
    db: &DatabaseConnection,
    clock: &Clock,
    caller: &Caller,
    id: Uuid,
    active: bool,
) -> Result<PlanView, ServiceError> {
    caller.require(&OFFICE)?;
    let row = find(db, id).await?;
    let mut change: inspection_plan::ActiveModel = row.into();
    change.status = Set(if active { "active" } else { "paused" }.to_owned());
    change.updated_at = Set(clock.now());
    Ok(change.update(db).await?.into())
}

/// Fires an active plan now (the tick is this second), as its schedule would: the run
/// is claimed for `replica` and recorded like a scheduled one. A paused plan, or one
/// fired this second already, is a conflict.
pub async fn fire_plan(
    db: &DatabaseConnection,
    calendar: &WorkCalendar,
    clock: &Clock,
    replica: &str,
    caller: &Caller,
    id: Uuid,
) -> Result<FiredView, ServiceError> {
    caller.require(&OFFICE)?;
    let row = find(db, id).await?;
    if row.status != "active" {
        return Err(ServiceError::Conflict("the plan is paused".to_owned()));
    }
    let store = DbJobStore {
        db: db.clone(),
        replica: replica.to_owned(),
    };
    let tick = clock.now().trunc_subsecs(0);
    let claim = store
        .claim(&plan_job_name(id), tick, clock.now())
        .await
        .map_err(ServiceError::Internal)?
        .ok_or_else(|| ServiceError::Conflict(format!("the plan fired at {tick} already")))?;
    let result = periodic::fire(db, calendar, &row, tick, clock.now()).await;
    let outcome = match &result {
        Ok(fired) => RunOutcome::Succeeded {
            counts: [("requests".to_owned(), fired.requests.len() as u64)].into(),
        },
        Err(err) => RunOutcome::Failed {
            error: err.to_string(),
        },
    };
    store
        .finish(&claim, clock.now(), &outcome)
        .await
        .map_err(ServiceError::Internal)?;
    let fired = result.map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(FiredView {
        plan_id: id,
        tick: fired.tick,
        draw_id: fired.draw_id,
        requests: views::requests(db, fired.requests).await?,
    })
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

/// Records that a closed or relocated enterprise has restarted (回头看; the office):
/// its status becomes operating again, so routine plans target it; the audit trail
/// keeps who found it and why, and the office's webhooks hear of it. An enterprise that
/// is not closed or relocated is a conflict.
pub async fn record_restart(
    db: &DatabaseConnection,
    clock: &Clock,
    caller: &Caller,
    id: Uuid,
    body: &RestartBody,
) -> Result<EnterpriseStatusView, ServiceError> {
    caller.require(&OFFICE)?;
    let note = LongText::parse(&body.note)
        .map(String::from)
        .map_err(|e| ServiceError::field("note", e.to_string()))?;
    let txn = db.begin().await?;
    let row = enterprise::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !matches!(row.status.as_str(), "closed" | "relocated") {
        return Err(ServiceError::Conflict(format!(
            "the enterprise is {}, not closed or relocated",
            row.status
        )));
    }
    let now = clock.now();
    let previous = row.status;
    let mut active: enterprise::ActiveModel = row.into();
    active.status = Set(EnterpriseStatus::Operating.into());
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    let change = Change::new(Subject::Enterprise(row.id), "reopened")
        .from_to(
            Some(serde_json::json!({"status": previous})),
            Some(serde_json::json!({"status": row.status})),
        )
        .because(Some(note.clone()));
    audit::record(&txn, caller, now, change).await?;
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
    Ok(EnterpriseStatusView {
        id: row.id,
        credit_code: row.credit_code,
        status: row.status.to_string(),
    })
}
