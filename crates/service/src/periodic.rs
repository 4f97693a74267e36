//! Firing inspection plans: the pool as the database holds it, the selection or the
//! published draw (crates/scheduler's `periodic`), and the requests made through the
//! booking path. A firing is one transaction: the draw record, every request with its
//! link to the plan (and its team's draw), and the `plan.fired` notification are
//! written together or not at all.
//!
//! A random plan's teams are drawn too: for each drawn enterprise and agency, from the
//! agency's inspectors free on the visit's day, with no conflict, and not on the
//! agency's last completed visit to the enterprise (rotation), with the seed of the
//! target draw. An unannounced plan's draw is sealed (only its digest is public) until
//! the day after the last of its windows, so that the public record does not announce
//! the visits.

use crate::booking::{self, AlsoWrite, Crew, DrawnCrew, Landing, NewBooking};
use crate::entities::{
    Stored, agency, draw_record, enterprise, hazard, inspection_plan, inspection_request,
    inspector, joint_visit, plan_request, visit_inspector,
};
use crate::outbox::{self, Notification};
use chrono::{DateTime, NaiveDate, Utc};
use onevisit_domain::enterprise::EnterpriseInput;
use onevisit_domain::{
    CreditCode, Enterprise, InspectorCode, RequestKind, RiskMarkers, VisitStatus, WorkCalendar,
};
use onevisit_scheduler::periodic::{
    DrawRecord, DrawSeed, EnterpriseHistory, InspectionHistory, InspectionPlan, PlanInput,
    PlanKind, RequestSpec, candidate_pool, draw_targets, requests_for_tick, select_targets,
};
use rand::RngCore;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use uuid::Uuid;

/// Why a plan could not fire.
#[derive(Debug, thiserror::Error)]
pub enum FireError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("the stored plan is not valid any more: {0}")]
    Stored(String),
    #[error("booking: {0}")]
    Booking(#[from] booking::BookingError),
}

/// What a firing made.
#[derive(Debug, Clone)]
pub struct Fired {
    pub tick: DateTime<Utc>,
    pub draw_id: Option<Uuid>,
    pub requests: Vec<inspection_request::Model>,
}

/// The plan as the scheduler crate checks it.
pub fn checked_plan(row: &inspection_plan::Model) -> Result<InspectionPlan, FireError> {
    let input: PlanInput = serde_json::from_value(row.definition.clone())
        .map_err(|e| FireError::Stored(e.to_string()))?;
    InspectionPlan::new(input).map_err(|e| FireError::Stored(e.to_string()))
}

/// The day a tick falls on in China (UTC+8).
pub fn china_date(tick: DateTime<Utc>) -> NaiveDate {
    (tick + chrono::Duration::hours(8)).date_naive()
}

/// Every enterprise as the domain sees it, with its row id.
pub async fn enterprises<C: ConnectionTrait>(
    db: &C,
) -> Result<(Vec<Enterprise>, BTreeMap<CreditCode, Uuid>), FireError> {
    let rows = enterprise::Entity::find().all(db).await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut ids = BTreeMap::new();
    for row in rows {
        let parsed = Enterprise::parse(EnterpriseInput {
            credit_code: &row.credit_code,
            name: &row.name,
            sector: &row.sector,
            district: &row.district,
            in_chemical_park: row.in_chemical_park,
            risk: RiskMarkers {
                key_process: row.key_process,
                key_chemical: row.key_chemical,
                major_hazard_source: row.major_hazard_source,
            },
            status: row.status.as_str(),
            burden_cap: row.burden_cap.map(i64::from),
            quiet_periods: Vec::new(),
        })
        .map_err(|e| FireError::Stored(format!("enterprise {}: {e}", row.credit_code)))?;
        ids.insert(parsed.credit_code.clone(), row.id);
        out.push(parsed);
    }
    Ok((out, ids))
}

/// The day of each enterprise's last completed visit, and its hazards overdue on `date`.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    ids: &BTreeMap<CreditCode, Uuid>,
    date: NaiveDate,
) -> Result<InspectionHistory, DbErr> {
    let last: Vec<(Uuid, Option<NaiveDate>)> = joint_visit::Entity::find()
        .select_only()
        .column(joint_visit::Column::EnterpriseId)
        .column_as(
            Expr::from(Func::max(Expr::col(joint_visit::Column::VisitDate))),
            "last",
        )
        .filter(joint_visit::Column::Status.eq(Stored(VisitStatus::Completed)))
        .group_by(joint_visit::Column::EnterpriseId)
        .into_tuple()
        .all(db)
        .await?;
    let last: BTreeMap<Uuid, Option<NaiveDate>> = last.into_iter().collect();
    let overdue: Vec<(Uuid, i64)> = hazard::Entity::find()
        .select_only()
        .column(hazard::Column::EnterpriseId)
        .column_as(
            Expr::from(Func::count(Expr::col(hazard::Column::Id))),
            "overdue",
        )
        .filter(crate::hazards::ledger::overdue(date))
        .group_by(hazard::Column::EnterpriseId)
        .into_tuple()
        .all(db)
        .await?;
    let overdue: BTreeMap<Uuid, i64> = overdue.into_iter().collect();
    Ok(ids
        .iter()
        .map(|(code, id)| {
            (
                code.clone(),
                EnterpriseHistory {
                    last_inspected: last.get(id).copied().flatten(),
                    overdue_hazards: overdue
                        .get(id)
                        .map_or(0, |n| u32::try_from(*n).unwrap_or(u32::MAX)),
                },
            )
        })
        .collect())
}

/// How many enterprises `plan` would select or draw from on `date`.
pub async fn pool_size(
    db: &DatabaseConnection,
    plan: &InspectionPlan,
    date: NaiveDate,
) -> Result<usize, FireError> {
    let (all, ids) = enterprises(db).await?;
    let history = history(db, &ids, date).await?;
    Ok(candidate_pool(plan, &all, &history, date).len())
}

fn fresh_seed() -> DrawSeed {
    // The thread generator is a CSPRNG seeded from the operating system.
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    DrawSeed::from_bytes(bytes)
}

/// Fires `row` for `tick`: selects or draws the targets, books one request per target
/// and agency (with a drawn team for a random plan), links them to the plan and
/// notifies, all in one transaction.
pub async fn fire(
    db: &DatabaseConnection,
    calendar: &WorkCalendar,
    row: &inspection_plan::Model,
    tick: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Fired, FireError> {
    let plan = checked_plan(row)?;
    let date = china_date(tick);
    let txn = db.begin().await?;
    let (all, ids) = enterprises(&txn).await?;
    let history = history(&txn, &ids, date).await?;
    let agencies: BTreeMap<String, Uuid> = agency::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| (a.code, a.id))
        .collect();
    let id_of = |spec: &RequestSpec| match (
        agencies.get(spec.agency.as_str()),
        ids.get(&spec.enterprise),
    ) {
        (Some(&agency_id), Some(&enterprise_id)) => Ok((agency_id, enterprise_id)),
        _ => Err(FireError::Stored(format!(
            "agency {} or enterprise {} is not registered",
            spec.agency, spec.enterprise
        ))),
    };
    let (specs, draw) = if plan.kind() == PlanKind::Random {
        let record = draw_targets(&plan, &all, &history, date, fresh_seed());
        let specs = requests_for_tick(&plan, &record.result, date, calendar);
        let sealed_until = if plan.announced() {
            None
        } else {
            specs
                .iter()
                .map(|s| s.window.end())
                .max()
                .and_then(|last| last.succ_opt())
        };
        let id = Uuid::now_v7();
        draw_record::ActiveModel {
            id: Set(id),
            plan_id: Set(row.id),
            tick: Set(tick),
            drawn_at: Set(now),
            record: Set(
                serde_json::to_value(&record).map_err(|e| FireError::Stored(e.to_string()))?
            ),
            digest: Set(record.digest()),
            sealed_until: Set(sealed_until),
        }
        .insert(&txn)
        .await?;
        (specs, Some((id, record)))
    } else {
        let targets = select_targets(&plan, &all, &history, date)
            .map_err(|e| FireError::Stored(e.to_string()))?;
        (requests_for_tick(&plan, &targets, date, calendar), None)
    };
    let rosters = match &draw {
        Some(_) => {
            let targets: Vec<Uuid> = specs
                .iter()
                .map(|s| id_of(s).map(|(_, e)| e))
                .collect::<Result<_, _>>()?;
            Some(Rosters::load(&txn, &targets).await?)
        }
        None => None,
    };
    let link = PlanLink {
        plan_id: row.id,
        draw_id: draw.as_ref().map(|(id, _)| *id),
        tick,
        booked: crate::audit::Booked {
            by: crate::audit::Author::Job("inspection plan"),
            at: now,
            action: "plan",
        },
    };
    let mut requests = Vec::with_capacity(specs.len());
    for spec in &specs {
        let (agency_id, enterprise_id) = id_of(spec)?;
        let crew = match (&draw, &rosters) {
            (Some((draw_id, record)), Some(rosters)) => Crew::Drawn(DrawnCrew {
                draw_id: *draw_id,
                seed: record.seed,
                enterprise: spec.enterprise.clone(),
                agency: spec.agency.clone(),
                last_team: rosters.last_team(enterprise_id, agency_id),
                codes: Arc::clone(&rosters.codes),
            }),
            _ => Crew::Planned,
        };
        let booking = NewBooking {
            agency_id,
            enterprise_id,
            window: spec.window,
            team_size: spec.team_size.get(),
            kind: RequestKind::Routine,
            topics: vec![row.name.clone()],
            idempotency_key: None,
            body_hash: None,
            announced: plan.announced(),
            crew,
        };
        let (request, _) = booking::book(&txn, calendar, date, &booking, &link).await?;
        requests.push(request);
    }
    let draw_id = link.draw_id;
    outbox::enqueue(
        &txn,
        Notification {
            event: "plan.fired",
            payload: serde_json::json!({
                "plan_id": row.id,
                "plan": row.name,
                "tick": tick,
                "draw_id": draw_id,
                "requests": requests.iter().map(|r| r.id).collect::<Vec<_>>(),
            }),
            also_to: row.webhook_url.as_deref(),
            dedupe_key: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Fired {
        tick,
        draw_id,
        requests,
    })
}

/// What a random plan's team draws need from the database: every inspector's code, and
/// each agency's team on its last completed visit to each target.
struct Rosters {
    codes: Arc<BTreeMap<Uuid, InspectorCode>>,
    last: BTreeMap<(Uuid, Uuid), (NaiveDate, BTreeSet<Uuid>)>,
}

impl Rosters {
    async fn load<C: ConnectionTrait>(db: &C, targets: &[Uuid]) -> Result<Self, DbErr> {
        let codes: BTreeMap<Uuid, InspectorCode> = inspector::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .filter_map(|i| Some((i.id, InspectorCode::parse(&i.code).ok()?)))
            .collect();
        let mut visits: BTreeMap<Uuid, (Uuid, NaiveDate)> = BTreeMap::new();
        for chunk in targets.chunks(crate::store::CHUNK) {
            let rows: Vec<(Uuid, Uuid, NaiveDate)> = joint_visit::Entity::find()
                .select_only()
                .column(joint_visit::Column::Id)
                .column(joint_visit::Column::EnterpriseId)
                .column(joint_visit::Column::VisitDate)
                .filter(joint_visit::Column::EnterpriseId.is_in(chunk.iter().copied()))
                .filter(joint_visit::Column::Status.eq(Stored(VisitStatus::Completed)))
                .into_tuple()
                .all(db)
                .await?;
            visits.extend(rows.into_iter().map(|(v, e, d)| (v, (e, d))));
        }
        let ids: Vec<Uuid> = visits.keys().copied().collect();
        let mut last: BTreeMap<(Uuid, Uuid), (NaiveDate, BTreeSet<Uuid>)> = BTreeMap::new();
        for chunk in ids.chunks(crate::store::CHUNK) {
            for a in visit_inspector::Entity::find()
                .filter(visit_inspector::Column::VisitId.is_in(chunk.iter().copied()))
                .all(db)
                .await?
            {
                let Some(&(enterprise, day)) = visits.get(&a.visit_id) else {
                    continue;
                };
                // The latest visit's team replaces an earlier one's.
                let team = last.entry((enterprise, a.agency_id)).or_default();
                if team.0 < day {
                    *team = (day, BTreeSet::new());
                }
                if team.0 == day {
                    team.1.insert(a.inspector_id);
                }
            }
        }
        Ok(Self {
            codes: Arc::new(codes),
            last,
        })
    }

    fn last_team(&self, enterprise: Uuid, agency: Uuid) -> BTreeSet<Uuid> {
        self.last
            .get(&(enterprise, agency))
            .map(|(_, team)| team.clone())
            .unwrap_or_default()
    }
}

/// What a plan's booking writes with each request: its link to the plan (and draw) and
/// its audit entries.
struct PlanLink {
    plan_id: Uuid,
    draw_id: Option<Uuid>,
    tick: DateTime<Utc>,
    booked: crate::audit::Booked<'static>,
}

impl AlsoWrite for PlanLink {
    fn write<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        request: &'a inspection_request::Model,
        landing: &'a Landing,
    ) -> Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send + 'a>> {
        Box::pin(async move {
            plan_request::ActiveModel {
                request_id: Set(request.id),
                plan_id: Set(self.plan_id),
                draw_id: Set(self.draw_id),
                tick: Set(self.tick),
            }
            .insert(txn)
            .await?;
            self.booked.write(txn, request, landing).await
        })
    }
}

/// A stored draw record as the scheduler crate reads it.
pub fn stored_draw(row: &draw_record::Model) -> Result<DrawRecord, String> {
    serde_json::from_value(row.record.clone()).map_err(|e| e.to_string())
}
