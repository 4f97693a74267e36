//! The service's periodic jobs, run by `onevisit_scheduler::jobs::Runner`, and the
//! job store that makes each tick run once across replicas: a `job_runs` row under a
//! unique `(job, tick)` key, inserted before the work starts.
//!
//! | job | when (UTC) | does |
//! | --- | --- | --- |
//! | `plans` | every minute, second 0 | fires each active plan whose schedule came due in the last minute; each firing is its own claimed run `plan:<id>` |
//! | `outbox-delivery` | configurable, every 5 s by default | posts due notifications to their webhooks |
//! | `replan` | 18:00 (02:00 in China) | re-plans the proposed visits of the next 60 days around the confirmed ones |
//! | `visit-reminders` | 01:00 (09:00 in China) | notifies enterprises of announced visits N working days ahead |
//! | `overdue-hazards` | 00:30 (08:30 in China) | marks each hazard past its deadline and not closed in the audit trail and escalates it to the office's webhooks, once per deadline |

use crate::audit;
use crate::clock::Clock;
use crate::entities::{
    Stored, audit_entry, enterprise, hazard, inspection_plan, job_run, joint_visit,
};
use crate::outbox::{self, Notification};
use chrono::{DateTime, Duration, Utc};
use onevisit_domain::{DateRange, VisitStatus, WorkCalendar};
use onevisit_scheduler::PlanOptions;
use onevisit_scheduler::jobs::{
    Claim, Job, JobCounts, JobStore, RunOutcome, Runner, RunnerError, occurrences_between, run_tick,
};
use onevisit_scheduler::periodic::CronSchedule;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};
use std::sync::Arc;
use uuid::Uuid;

/// What the jobs reach: the database, the working calendar, the clock and the jobs'
/// settings. Cheap to clone.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub db: DatabaseConnection,
    pub calendar: Arc<WorkCalendar>,
    pub clock: Clock,
    pub jobs: Arc<JobsConfig>,
}

/// How the jobs run.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Whether this process runs the periodic jobs at all.
    pub enabled: bool,
    /// How many working days before an announced visit the enterprise is reminded.
    pub notice_working_days: u32,
    /// The key of the webhooks' HMAC-SHA256 signature.
    pub webhook_secret: Arc<[u8]>,
    /// When the outbox is delivered.
    pub delivery_schedule: CronSchedule,
    /// This process's name in the job-run log.
    pub replica: String,
    /// How long the nightly re-plan may keep improving the plan ([`PlanOptions`]);
    /// `None` stops after the planner's bounded passes.
    pub replan_time_limit: Option<std::time::Duration>,
}

/// Notice given to enterprises unless configured otherwise.
pub const DEFAULT_NOTICE_WORKING_DAYS: u32 = 3;
/// The nightly re-plan's budget unless configured otherwise: the night is long, and the
/// planner stops sooner once a round gains nothing.
pub const DEFAULT_REPLAN_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);
/// Every five seconds.
pub const DEFAULT_DELIVERY_SCHEDULE: &str = "*/5 * * * * *";

/// The days the nightly re-plan looks ahead.
const REPLAN_DAYS: u64 = 60;
/// Notifications posted per delivery run.
const DELIVERY_BATCH: u64 = 100;

fn schedule(raw: &str) -> CronSchedule {
    CronSchedule::parse(raw).expect("the built-in schedules are valid")
}

impl JobsConfig {
    /// Enabled, with the default notice and delivery schedule, and `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            enabled: true,
            notice_working_days: DEFAULT_NOTICE_WORKING_DAYS,
            webhook_secret: Arc::from(secret),
            delivery_schedule: schedule(DEFAULT_DELIVERY_SCHEDULE),
            replan_time_limit: Some(DEFAULT_REPLAN_TIME_LIMIT),
            replica: format!(
                "pid-{}-{}",
                std::process::id(),
                &Uuid::new_v4().simple().to_string()[..8]
            ),
        }
    }
}

/// The `job_runs` table as the runner's store.
#[derive(Debug, Clone)]
pub struct DbJobStore {
    pub db: DatabaseConnection,
    pub replica: String,
}

#[async_trait::async_trait]
impl JobStore for DbJobStore {
    async fn claim(
        &self,
        job: &str,
        tick: DateTime<Utc>,
        started: DateTime<Utc>,
    ) -> Result<Option<Claim>, String> {
        let id = Uuid::now_v7();
        let row = job_run::ActiveModel {
            id: Set(id),
            job: Set(job.to_owned()),
            tick: Set(tick),
            replica: Set(self.replica.clone()),
            started_at: Set(started),
            finished_at: Set(None),
            outcome: Set("running".to_owned()),
            counts: Set(None),
            error: Set(None),
        };
        match row.insert(&self.db).await {
            Ok(_) => Ok(Some(Claim(id.to_string()))),
            Err(err)
                if matches!(
                    err.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                Ok(None)
            }
            Err(err) => Err(err.to_string()),
        }
    }

    async fn finish(
        &self,
        claim: &Claim,
        finished: DateTime<Utc>,
        outcome: &RunOutcome,
    ) -> Result<(), String> {
        let id: Uuid = claim
            .0
            .parse()
            .map_err(|_| format!("bad claim {}", claim.0))?;
        let (name, counts, error) = match outcome {
            RunOutcome::Succeeded { counts } => (
                "succeeded",
                Some(serde_json::to_value(counts).map_err(|e| e.to_string())?),
                None,
            ),
            RunOutcome::Failed { error } => ("failed", None, Some(error.clone())),
        };
        job_run::ActiveModel {
            id: sea_orm::ActiveValue::Unchanged(id),
            finished_at: Set(Some(finished)),
            outcome: Set(name.to_owned()),
            counts: Set(counts),
            error: Set(error),
            ..Default::default()
        }
        .update(&self.db)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
    }
}

fn counts<const N: usize>(pairs: [(&str, u64); N]) -> JobCounts {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// One firing of one plan: a job of its own, so that the claim names the plan.
#[derive(Debug)]
struct PlanFiring {
    state: JobContext,
    row: inspection_plan::Model,
    name: String,
    schedule: CronSchedule,
}

#[async_trait::async_trait]
impl Job for PlanFiring {
    fn name(&self) -> &str {
        &self.name
    }

    fn schedule(&self) -> &CronSchedule {
        &self.schedule
    }

    async fn run(&self, tick: DateTime<Utc>) -> Result<JobCounts, String> {
        let fired = crate::periodic::fire(
            &self.state.db,
            &self.state.calendar,
            &self.row,
            tick,
            self.state.clock.now(),
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(counts([
            ("requests", fired.requests.len() as u64),
            ("draws", u64::from(fired.draw_id.is_some())),
        ]))
    }
}

/// The claim key of a plan's firings.
pub fn plan_job_name(plan_id: Uuid) -> String {
    format!("plan:{plan_id}")
}

#[derive(Debug)]
struct Plans {
    state: JobContext,
    store: Arc<DbJobStore>,
    schedule: CronSchedule,
}

#[async_trait::async_trait]
impl Job for Plans {
    fn name(&self) -> &str {
        "plans"
    }

    fn schedule(&self) -> &CronSchedule {
        &self.schedule
    }

    async fn run(&self, tick: DateTime<Utc>) -> Result<JobCounts, String> {
        let plans = inspection_plan::Entity::find()
            .filter(inspection_plan::Column::Status.eq("active"))
            .all(&self.state.db)
            .await
            .map_err(|e| e.to_string())?;
        let (mut fired, mut failed) = (0, 0);
        for row in plans {
            let Ok(schedule) = CronSchedule::parse(&row.schedule) else {
                failed += 1;
                continue;
            };
            let due = occurrences_between(&schedule, tick - Duration::minutes(1), tick, 60);
            let job = PlanFiring {
                state: self.state.clone(),
                name: plan_job_name(row.id),
                row,
                schedule,
            };
            for at in due {
                match run_tick(self.store.as_ref(), &self.state.clock, &job, at).await? {
                    onevisit_scheduler::jobs::TickOutcome::Ran(RunOutcome::Succeeded {
                        ..
                    }) => {
                        fired += 1;
                    }
                    onevisit_scheduler::jobs::TickOutcome::Ran(RunOutcome::Failed { .. }) => {
                        failed += 1;
                    }
                    onevisit_scheduler::jobs::TickOutcome::Skipped => {}
                }
            }
        }
        Ok(counts([("fired", fired), ("failed", failed)]))
    }
}

#[derive(Debug)]
struct Delivery {
    state: JobContext,
    client: reqwest::Client,
}

#[async_trait::async_trait]
impl Job for Delivery {
    fn name(&self) -> &str {
        "outbox-delivery"
    }

    fn schedule(&self) -> &CronSchedule {
        &self.state.jobs.delivery_schedule
    }

    async fn run(&self, _tick: DateTime<Utc>) -> Result<JobCounts, String> {
        let done = outbox::deliver_due(
            &self.state.db,
            &self.client,
            &self.state.jobs.webhook_secret,
            self.state.clock.now(),
            DELIVERY_BATCH,
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(counts([
            ("delivered", done.delivered),
            ("retried", done.retried),
            ("dead", done.dead),
        ]))
    }
}

#[derive(Debug)]
struct Replan {
    state: JobContext,
    schedule: CronSchedule,
}

#[async_trait::async_trait]
impl Job for Replan {
    fn name(&self) -> &str {
        "replan"
    }

    fn schedule(&self) -> &CronSchedule {
        &self.schedule
    }

    async fn run(&self, _tick: DateTime<Utc>) -> Result<JobCounts, String> {
        // From tomorrow: today's visits are under way and stay where they are.
        let start = self.state.clock.today() + chrono::Days::new(1);
        let horizon = DateRange::new(start, start + chrono::Days::new(REPLAN_DAYS))
            .map_err(|e| e.to_string())?;
        let summary = crate::replan::replan(
            &self.state.db,
            &self.state.calendar,
            horizon,
            true,
            audit::Author::Job("nightly re-plan"),
            &PlanOptions {
                time_limit: self.state.jobs.replan_time_limit,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(counts([
            ("requests", summary.requests),
            ("moved", summary.moved),
            ("newly_scheduled", summary.newly_scheduled),
            ("newly_unscheduled", summary.newly_unscheduled),
        ]))
    }
}

#[derive(Debug)]
struct Reminders {
    state: JobContext,
    schedule: CronSchedule,
}

#[async_trait::async_trait]
impl Job for Reminders {
    fn name(&self) -> &str {
        "visit-reminders"
    }

    fn schedule(&self) -> &CronSchedule {
        &self.schedule
    }

    async fn run(&self, _tick: DateTime<Utc>) -> Result<JobCounts, String> {
        send_reminders(&self.state)
            .await
            .map(|n| counts([("reminders", n)]))
            .map_err(|e| e.to_string())
    }
}

/// Notifies each enterprise of its announced visits on the day `notice_working_days`
/// working days from today; each visit's reminder is written once, whatever reruns.
pub async fn send_reminders(state: &JobContext) -> Result<u64, sea_orm::DbErr> {
    let today = state.clock.today();
    let day = state
        .calendar
        .add_working_days(today, state.jobs.notice_working_days);
    let visits = joint_visit::Entity::find()
        .filter(joint_visit::Column::VisitDate.eq(day))
        .filter(joint_visit::Column::Announced.eq(true))
        .filter(
            joint_visit::Column::Status
                .is_in([VisitStatus::Proposed, VisitStatus::Confirmed].map(Stored)),
        )
        .all(&state.db)
        .await?;
    let views = crate::views::visits(&state.db, visits).await?;
    let txn = state.db.begin().await?;
    let now = state.clock.now();
    let mut written = 0;
    for visit in views {
        let enterprise = enterprise::Entity::find_by_id(visit.enterprise_id)
            .one(&txn)
            .await?;
        let rows = outbox::enqueue(
            &txn,
            Notification {
                event: "visit.reminder",
                payload: serde_json::json!({
                    "visit_id": visit.id,
                    "date": visit.date,
                    "enterprise_id": visit.enterprise_id,
                    "enterprise": enterprise.map(|e| serde_json::json!({"credit_code": e.credit_code, "name": e.name})),
                    "agencies": visit.teams.iter().map(|t| t.agency.clone()).collect::<Vec<_>>(),
                }),
                also_to: None,
                dedupe_key: Some(format!("visit.reminder:{}:{}", visit.id, visit.date)),
            },
            now,
        )
        .await?;
        written += rows as u64;
    }
    txn.commit().await?;
    Ok(written)
}

#[derive(Debug)]
struct OverdueHazards {
    state: JobContext,
    schedule: CronSchedule,
}

#[async_trait::async_trait]
impl Job for OverdueHazards {
    fn name(&self) -> &str {
        "overdue-hazards"
    }

    fn schedule(&self) -> &CronSchedule {
        &self.schedule
    }

    async fn run(&self, _tick: DateTime<Utc>) -> Result<JobCounts, String> {
        escalate_overdue(&self.state)
            .await
            .map(|(overdue, escalated)| counts([("overdue", overdue), ("escalated", escalated)]))
            .map_err(|e| e.to_string())
    }
}

/// The audit action that marks a hazard as escalated for being overdue.
pub const ESCALATED: &str = "escalated_overdue";

/// Finds the hazards overdue today; each not yet escalated for its current deadline is
/// marked in the audit trail and notified to the office (`hazard.overdue`), in one
/// transaction. Returns (overdue, escalated now).
pub async fn escalate_overdue(state: &JobContext) -> Result<(u64, u64), sea_orm::DbErr> {
    let today = state.clock.today();
    let now = state.clock.now();
    let overdue = hazard::Entity::find()
        .filter(crate::hazards::ledger::overdue(today))
        .all(&state.db)
        .await?;
    let txn = state.db.begin().await?;
    let mut escalated = 0;
    for h in &overdue {
        let marks = audit_entry::Entity::find()
            .filter(audit_entry::Column::Entity.eq("hazard"))
            .filter(audit_entry::Column::EntityId.eq(h.id))
            .filter(audit_entry::Column::Action.eq(ESCALATED))
            .all(&txn)
            .await?;
        let deadline = serde_json::json!(h.deadline);
        if marks.iter().any(|m| {
            m.to_value
                .as_ref()
                .is_some_and(|v| v["deadline"] == deadline)
        }) {
            continue;
        }
        let days_overdue = (today - h.deadline).num_days();
        let change = audit::Change::new(audit::Subject::Hazard(h.id), ESCALATED)
            .from_to(
                None,
                Some(serde_json::json!({"deadline": h.deadline, "days_overdue": days_overdue})),
            )
            .because(Some(format!(
                "not closed {days_overdue} day(s) after its deadline"
            )));
        audit::record(&txn, audit::Author::Job("overdue-hazards job"), now, change).await?;
        outbox::enqueue(
            &txn,
            Notification {
                event: "hazard.overdue",
                payload: serde_json::json!({
                    "hazard_id": h.id,
                    "enterprise_id": h.enterprise_id,
                    "title": h.title,
                    "severity": h.severity,
                    "responsible_agency_id": h.responsible_agency_id,
                    "deadline": h.deadline,
                    "days_overdue": days_overdue,
                    "status": h.status,
                }),
                also_to: None,
                dedupe_key: Some(format!("hazard.overdue:{}:{}", h.id, h.deadline)),
            },
            now,
        )
        .await?;
        escalated += 1;
    }
    txn.commit().await?;
    Ok((overdue.len() as u64, escalated))
}

/// Every periodic job of the service, claiming through `store`.
pub fn all(state: &JobContext, store: &Arc<DbJobStore>) -> Vec<Arc<dyn Job>> {
    vec![
        Arc::new(Plans {
            state: state.clone(),
            store: store.clone(),
            schedule: schedule("0 * * * * *"),
        }),
        Arc::new(Delivery {
            state: state.clone(),
            client: reqwest::Client::new(),
        }),
        Arc::new(Replan {
            state: state.clone(),
            schedule: schedule("0 0 18 * * *"),
        }),
        Arc::new(Reminders {
            state: state.clone(),
            schedule: schedule("0 0 1 * * *"),
        }),
        Arc::new(OverdueHazards {
            state: state.clone(),
            schedule: schedule("0 30 0 * * *"),
        }),
    ]
}

/// The store of this process's job runs.
pub fn store(state: &JobContext) -> Arc<DbJobStore> {
    Arc::new(DbJobStore {
        db: state.db.clone(),
        replica: state.jobs.replica.clone(),
    })
}

/// Starts the runner with every job, if this process runs jobs.
pub async fn start(state: &JobContext) -> Result<Option<Runner>, RunnerError> {
    if !state.jobs.enabled {
        return Ok(None);
    }
    let store = store(state);
    let jobs = all(state, &store);
    Runner::start(store, Arc::new(state.clock.clone()), jobs)
        .await
        .map(Some)
}
