//! The office's full re-plan: every proposed visit of a horizon is planned again by the
//! planner, around the confirmed ones (locked), and the difference is shown and, when
//! asked, applied in one transaction.
//!
//! A proposed visit the office has acted on (rescheduled it to a day of its choosing) is
//! kept as it is too, like a confirmed one.
//!
//! Surprise (unannounced) visits are kept as they are, like confirmed ones, and set
//! apart: their day was drawn with them, and no announced request may join them (nor
//! they an announced visit). Surprise requests still without a visit wait for their
//! own booking path; the re-plan leaves them alone.

use crate::audit::{self, Author, Change, Subject};
use crate::db::Connection;
use crate::entities::{
    Stored, agency, enterprise, inspection_request, joint_visit, schedule_version, visit_event,
    visit_inspector, visit_team,
};
use crate::planning::{self, HeldRequest, HeldVisit};
use crate::store::{self, CHUNK};
use chrono::{NaiveDate, Utc};
use onevisit_domain::{DateRange, RequestStatus, VisitStatus, WorkCalendar};
use onevisit_scheduler::PlanOptions;
use onevisit_scheduler::{EnterpriseSpec, Horizon, Problem};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// Statuses the planner must keep as they are.
const LOCKED: [VisitStatus; 3] = [
    VisitStatus::Confirmed,
    VisitStatus::InProgress,
    VisitStatus::Completed,
];
/// Statuses of requests the planner places.
const PLANNABLE: [RequestStatus; 3] = [
    RequestStatus::Open,
    RequestStatus::Scheduled,
    RequestStatus::Unscheduled,
];

/// How one request moves in a re-plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestChange {
    pub request_id: Uuid,
    /// The enterprise's name.
    pub enterprise: String,
    /// The requesting agency's code.
    pub agency: String,
    /// The day of its visit before, if it had one.
    pub from: Option<NaiveDate>,
    /// The day of its visit after, if it gets one.
    pub to: Option<NaiveDate>,
    /// Why it cannot be placed, when it cannot.
    pub reason: Option<String>,
}

/// A proposed visit the re-plan adds or removes: its enterprise and day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
pub struct VisitChange {
    pub date: NaiveDate,
    pub enterprise_id: Uuid,
    /// The enterprise's name.
    pub enterprise: String,
}

/// The difference between the current proposal and the re-plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplanSummary {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Whether the re-plan was written.
    pub applied: bool,
    pub requests: u64,
    pub scheduled: u64,
    /// Visits in the horizon before and after.
    pub visits_before: u64,
    pub visits_after: u64,
    /// The planner's proven lower bound on the visits needed.
    pub lower_bound: u64,
    pub newly_scheduled: u64,
    pub newly_unscheduled: u64,
    pub moved: u64,
    /// Every request whose day changes (at most 1,000 listed).
    pub changes: Vec<RequestChange>,
    /// Proposed visits the re-plan adds, by day (at most 1,000 listed).
    pub visits_added: Vec<VisitChange>,
    /// Proposed visits the re-plan removes, by day (at most 1,000 listed).
    pub visits_removed: Vec<VisitChange>,
    /// The version of the schedule this difference was computed from (a digest of the
    /// horizon's visits, requests and schedule versions): applying a preview with it is
    /// refused once the schedule has changed since.
    pub version: String,
}

/// Why a re-plan failed.
#[derive(Debug, thiserror::Error)]
pub enum ReplanError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("the planner refused the problem: {0}")]
    Planner(String),
    /// The schedule changed since the preview that is being applied.
    #[error(
        "the schedule changed since this preview (someone confirmed, moved or booked meanwhile); run the preview again"
    )]
    Stale,
}

/// Plans the horizon again and, with `apply`, writes the result. `options` says how
/// hard the planner tries (the nightly job gives it a time budget).
pub async fn replan<C: Connection>(
    db: &C,
    calendar: &WorkCalendar,
    horizon: DateRange,
    apply: bool,
    by: Author<'_>,
    options: &PlanOptions,
) -> Result<ReplanSummary, ReplanError> {
    replan_checked(db, calendar, horizon, apply, by, options, None).await
}

/// [`replan`], which with `expected` (the version of a preview) applies only if the
/// schedule is still the one that preview was computed from, else fails with
/// [`ReplanError::Stale`] and writes nothing.
pub async fn replan_checked<C: Connection>(
    db: &C,
    calendar: &WorkCalendar,
    horizon: DateRange,
    apply: bool,
    by: Author<'_>,
    options: &PlanOptions,
    expected: Option<&str>,
) -> Result<ReplanSummary, ReplanError> {
    let txn = db.begin().await?;
    lock(&txn).await?;
    let (start, end) = (horizon.start(), horizon.end());

    let locked_visits = joint_visit::Entity::find()
        .filter(joint_visit::Column::Status.is_in(LOCKED.map(Stored)))
        .filter(joint_visit::Column::VisitDate.between(start, end))
        .all(&txn)
        .await?;
    let (proposed_visits, surprises): (Vec<_>, Vec<_>) = joint_visit::Entity::find()
        .filter(joint_visit::Column::Status.eq(Stored(VisitStatus::Proposed)))
        .filter(joint_visit::Column::VisitDate.between(start, end))
        .all(&txn)
        .await?
        .into_iter()
        .partition(|v| v.announced);
    let (acted_on, proposed_visits) = acted_on(&txn, proposed_visits).await?;
    let locked_visits: Vec<joint_visit::Model> = locked_visits
        .into_iter()
        .chain(surprises)
        .chain(acted_on)
        .collect();
    let visit_date: BTreeMap<Uuid, NaiveDate> = locked_visits
        .iter()
        .chain(&proposed_visits)
        .map(|v| (v.id, v.visit_date))
        .collect();
    let locked_ids: BTreeSet<Uuid> = locked_visits.iter().map(|v| v.id).collect();

    // Requests in the horizon that are free to move, and those held by locked visits.
    let candidates = inspection_request::Entity::find()
        .filter(inspection_request::Column::Status.is_in(PLANNABLE.map(Stored)))
        .filter(inspection_request::Column::Earliest.lte(end))
        .filter(inspection_request::Column::Latest.gte(start))
        .all(&txn)
        .await?;
    let requests: Vec<inspection_request::Model> = candidates
        .into_iter()
        .filter(|r| match r.visit_id {
            Some(v) => visit_date.contains_key(&v),
            None => r.announced,
        })
        .collect();

    let held: Vec<HeldRequest> = requests.iter().map(HeldRequest::from).collect();
    let enterprise_ids: BTreeSet<Uuid> = requests
        .iter()
        .map(|r| r.enterprise_id)
        .chain(locked_visits.iter().map(|v| v.enterprise_id))
        .collect();
    // Under the lock: what the plan is computed from, as the preview saw it or not.
    let version = version(
        &txn,
        &locked_visits,
        &proposed_visits,
        &requests,
        &enterprise_ids,
    )
    .await?;
    if expected.is_some_and(|e| e != version) {
        txn.rollback().await?;
        return Err(ReplanError::Stale);
    }
    let enterprises = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(enterprise_ids.iter().copied()))
        .all(&txn)
        .await?;
    let (agencies, inspectors) = planning::resources(&txn, horizon, &enterprise_ids).await?;
    let mut quiet = planning::quiet_periods(&txn, horizon, &enterprise_ids).await?;
    // A locked visit without requests has nothing to plan around.
    let locked_held: Vec<HeldVisit> = locked_visits.iter().map(HeldVisit::from).collect();
    let mut locked_specs: Vec<_> = planning::visit_specs(&txn, &locked_held, &held)
        .await?
        .into_iter()
        .filter(|v| !v.requests.is_empty())
        .collect();
    let mut request_specs: Vec<_> = held.iter().map(planning::request_spec).collect();
    let mut apart_specs = Vec::new();
    let surprises = || locked_held.iter().filter(|v| !v.announced);
    for v in surprises() {
        apart_specs.push(planning::set_apart(
            &mut locked_specs,
            &mut request_specs,
            v.id,
        ));
        quiet
            .entry(v.enterprise_id)
            .or_default()
            .push(DateRange::day(v.date));
    }
    let counted_apart = planning::counted_days(surprises(), &held);
    let mut caps = planning::caps_left(&txn, &enterprises, horizon, &counted_apart).await?;
    let enterprise_specs = enterprises
        .iter()
        .map(|e| EnterpriseSpec {
            id: e.id.to_string(),
            max_visits: caps.remove(&e.id),
            quiet: quiet.remove(&e.id).unwrap_or_default(),
        })
        .chain(apart_specs)
        .collect();
    let problem = Problem {
        horizon: Horizon { start, end },
        calendar: planning::calendar_lists(calendar, horizon),
        agencies,
        inspectors,
        enterprises: enterprise_specs,
        requests: request_specs,
        locked: locked_specs,
    };
    let plan = onevisit_scheduler::plan_with(&problem, options)
        .map_err(|e| ReplanError::Planner(e.to_string()))?;

    // The difference.
    let before: BTreeMap<Uuid, Option<NaiveDate>> = requests
        .iter()
        .map(|r| (r.id, r.visit_id.and_then(|v| visit_date.get(&v).copied())))
        .collect();
    let mut after: BTreeMap<Uuid, NaiveDate> = BTreeMap::new();
    for v in &plan.visits {
        for r in &v.requests {
            if let Ok(r) = r.parse() {
                after.insert(r, v.date);
            }
        }
    }
    let reasons: BTreeMap<Uuid, String> = plan
        .unscheduled
        .iter()
        .filter_map(|u| Some((u.request.parse().ok()?, u.reason.as_str().to_owned())))
        .collect();
    let mut summary = ReplanSummary {
        start,
        end,
        applied: apply,
        requests: plan.stats.requests,
        scheduled: plan.stats.scheduled,
        visits_before: (locked_visits.len() + proposed_visits.len()) as u64,
        visits_after: plan.stats.visits,
        lower_bound: plan.stats.lower_bound,
        newly_scheduled: 0,
        newly_unscheduled: 0,
        moved: 0,
        changes: Vec::new(),
        visits_added: Vec::new(),
        visits_removed: Vec::new(),
        version,
    };
    let names: BTreeMap<Uuid, String> =
        enterprises.iter().map(|e| (e.id, e.name.clone())).collect();
    let name_of = |id: Uuid| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let codes: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    let request_of: BTreeMap<Uuid, &inspection_request::Model> =
        requests.iter().map(|r| (r.id, r)).collect();
    // Proposed visits before, and the plan's visits but the locked ones it keeps.
    let slots_before: BTreeSet<(NaiveDate, Uuid)> = proposed_visits
        .iter()
        .map(|v| (v.visit_date, v.enterprise_id))
        .collect();
    let slots_after: BTreeSet<(NaiveDate, Uuid)> = plan
        .visits
        .iter()
        .filter(|v| !v.id.parse().is_ok_and(|id: Uuid| locked_ids.contains(&id)))
        .filter_map(|v| Some((v.date, v.enterprise.parse().ok()?)))
        .collect();
    let slot = |&(date, enterprise_id): &(NaiveDate, Uuid)| VisitChange {
        date,
        enterprise_id,
        enterprise: name_of(enterprise_id),
    };
    summary.visits_added = slots_after
        .difference(&slots_before)
        .take(1_000)
        .map(slot)
        .collect();
    summary.visits_removed = slots_before
        .difference(&slots_after)
        .take(1_000)
        .map(slot)
        .collect();
    let now = Utc::now();
    let mut audit_entries = Vec::new();
    for (request, from) in &before {
        let to = after.get(request).copied();
        match (from, to) {
            (None, Some(_)) => summary.newly_scheduled += 1,
            (Some(_), None) => summary.newly_unscheduled += 1,
            (Some(a), Some(b)) if *a != b => summary.moved += 1,
            _ => continue,
        }
        let change = Change::new(Subject::Request(*request), "replanned")
            .from_to(Some(json!({"date": from})), Some(json!({"date": to})))
            .because(reasons.get(request).cloned());
        audit_entries.push(audit::entry(by, now, change));
        if summary.changes.len() < 1_000 {
            let held = request_of.get(request);
            summary.changes.push(RequestChange {
                request_id: *request,
                enterprise: held.map(|r| name_of(r.enterprise_id)).unwrap_or_default(),
                agency: held
                    .and_then(|r| codes.get(&r.agency_id).cloned())
                    .unwrap_or_default(),
                from: *from,
                to,
                reason: reasons.get(request).cloned(),
            });
        }
    }
    if !apply {
        txn.rollback().await?;
        return Ok(summary);
    }
    write(&txn, &plan, &proposed_visits, &locked_ids, &held, &reasons).await?;
    // Every request the re-plan moved, placed or left out, in the audit trail.
    store::insert_chunked(&txn, audit_entries).await?;
    txn.commit().await?;
    Ok(summary)
}

/// The version of the schedule a re-plan starts from: a SHA-256 digest of the horizon's
/// visits (status, day, last change), the requests it places (status, visit, last
/// change) and the schedule versions of their enterprises (teams and inspectors).
async fn version(
    txn: &DatabaseTransaction,
    locked: &[joint_visit::Model],
    proposed: &[joint_visit::Model],
    requests: &[inspection_request::Model],
    enterprises: &BTreeSet<Uuid>,
) -> Result<String, DbErr> {
    let mut lines: Vec<String> = locked
        .iter()
        .chain(proposed)
        .map(|v| {
            let at = v.updated_at.timestamp_micros();
            format!("v {} {} {} {at}", v.id, v.status.as_str(), v.visit_date)
        })
        .chain(requests.iter().map(|r| {
            let visit = r.visit_id.map(|v| v.to_string()).unwrap_or_default();
            let at = r.updated_at.timestamp_micros();
            format!("r {} {} {visit} {at}", r.id, r.status.as_str())
        }))
        .collect();
    let ids: Vec<Uuid> = enterprises.iter().copied().collect();
    for chunk in ids.chunks(CHUNK) {
        for row in schedule_version::Entity::find()
            .filter(schedule_version::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .all(txn)
            .await?
        {
            lines.push(format!("s {} {}", row.enterprise_id, row.version));
        }
    }
    lines.sort();
    let mut digest = Sha256::new();
    for line in &lines {
        digest.update(line.as_bytes());
        digest.update(b"\n");
    }
    Ok(digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Splits `proposed` into the visits the office acted on (their log has an entry) and
/// the others.
async fn acted_on(
    txn: &DatabaseTransaction,
    proposed: Vec<joint_visit::Model>,
) -> Result<(Vec<joint_visit::Model>, Vec<joint_visit::Model>), DbErr> {
    let mut logged: BTreeSet<Uuid> = BTreeSet::new();
    for chunk in proposed.chunks(CHUNK) {
        let ids: Vec<Uuid> = visit_event::Entity::find()
            .select_only()
            .column(visit_event::Column::VisitId)
            .filter(visit_event::Column::VisitId.is_in(chunk.iter().map(|v| v.id)))
            .distinct()
            .into_tuple()
            .all(txn)
            .await?;
        logged.extend(ids);
    }
    Ok(proposed.into_iter().partition(|v| logged.contains(&v.id)))
}

/// One re-plan at a time, and no booking in between: every booking writes a request,
/// even one that joins a team as it is and leaves its visit untouched.
async fn lock(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    match txn.get_database_backend() {
        DbBackend::Postgres => {
            txn.execute_unprepared(
                "LOCK TABLE joint_visits, inspection_requests IN SHARE ROW EXCLUSIVE MODE",
            )
            .await?;
        }
        _ => {
            // A write takes SQLite's writer lock at once.
            txn.execute_unprepared(
                "UPDATE agencies SET daily_capacity = daily_capacity WHERE 1 = 0",
            )
            .await?;
        }
    }
    Ok(())
}

/// Requests per CASE statement: its cost grows with the square of its length.
const CASE_CHUNK: usize = 200;

/// The proposed visits the plan keeps exactly as they are (same enterprise and day, same
/// requests, same inspectors for each agency), by the plan's visit id.
async fn unchanged(
    txn: &DatabaseTransaction,
    plan: &onevisit_scheduler::Plan,
    proposed: &[joint_visit::Model],
    requests: &[HeldRequest],
) -> Result<BTreeMap<String, Uuid>, DbErr> {
    type Shape = (Vec<String>, BTreeMap<String, BTreeSet<String>>);
    fn shape(v: &onevisit_scheduler::Visit) -> Shape {
        let mut requests = v.requests.clone();
        requests.sort();
        let teams = v
            .inspectors
            .iter()
            .map(|t| (t.agency.clone(), t.inspectors.iter().cloned().collect()))
            .collect();
        (requests, teams)
    }
    let mut now: BTreeMap<(String, NaiveDate), (Uuid, Shape)> = BTreeMap::new();
    for chunk in proposed.chunks(CHUNK) {
        let chunk: Vec<HeldVisit> = chunk.iter().map(HeldVisit::from).collect();
        for v in planning::visit_specs(txn, &chunk, requests).await? {
            if let Ok(id) = v.id.parse() {
                now.insert((v.enterprise.clone(), v.date), (id, shape(&v)));
            }
        }
    }
    Ok(plan
        .visits
        .iter()
        .filter_map(|v| {
            let (id, was) = now.get(&(v.enterprise.clone(), v.date))?;
            (*was == shape(v)).then(|| (v.id.clone(), *id))
        })
        .collect())
}

/// Writes the plan in a few statements per kind of row, not a few per visit: the
/// proposed visits the plan keeps as they are stay untouched; the rest of the old
/// proposal is removed, the new visits, teams and assignments are inserted in chunks,
/// and the requests are pointed at their visits in chunks.
async fn write(
    txn: &DatabaseTransaction,
    plan: &onevisit_scheduler::Plan,
    proposed: &[joint_visit::Model],
    locked: &BTreeSet<Uuid>,
    requests: &[HeldRequest],
    reasons: &BTreeMap<Uuid, String>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let kept = unchanged(txn, plan, proposed, requests).await?;
    let kept_ids: BTreeSet<Uuid> = kept.values().copied().collect();
    let replaced: Vec<Uuid> = proposed
        .iter()
        .map(|v| v.id)
        .filter(|id| !kept_ids.contains(id))
        .collect();
    for ids in replaced.chunks(CHUNK) {
        let ids = ids.to_vec();
        visit_inspector::Entity::delete_many()
            .filter(visit_inspector::Column::VisitId.is_in(ids.clone()))
            .exec(txn)
            .await?;
        visit_team::Entity::delete_many()
            .filter(visit_team::Column::VisitId.is_in(ids.clone()))
            .exec(txn)
            .await?;
        inspection_request::Entity::update_many()
            .col_expr(
                inspection_request::Column::VisitId,
                Expr::value(Option::<Uuid>::None),
            )
            .filter(inspection_request::Column::VisitId.is_in(ids.clone()))
            .exec(txn)
            .await?;
        joint_visit::Entity::delete_many()
            .filter(joint_visit::Column::Id.is_in(ids))
            .exec(txn)
            .await?;
    }

    // What the locked visits have now, to add only what they lack.
    let locked_in_plan: Vec<Uuid> = plan
        .visits
        .iter()
        .filter_map(|v| v.id.parse::<Uuid>().ok().filter(|id| locked.contains(id)))
        .collect();
    let mut teams_now: BTreeMap<(Uuid, Uuid), visit_team::Model> = BTreeMap::new();
    let mut members_now: BTreeSet<(Uuid, Uuid)> = BTreeSet::new();
    for ids in locked_in_plan.chunks(CHUNK) {
        for t in visit_team::Entity::find()
            .filter(visit_team::Column::VisitId.is_in(ids.iter().copied()))
            .all(txn)
            .await?
        {
            teams_now.insert((t.visit_id, t.agency_id), t);
        }
        for a in visit_inspector::Entity::find()
            .filter(visit_inspector::Column::VisitId.is_in(ids.iter().copied()))
            .all(txn)
            .await?
        {
            members_now.insert((a.visit_id, a.inspector_id));
        }
    }

    let known: BTreeSet<Uuid> = requests.iter().map(|r| r.id).collect();
    let mut visits = Vec::new();
    let mut teams = Vec::new();
    let mut members = Vec::new();
    let mut placed: Vec<(Uuid, Uuid)> = Vec::new();
    for v in &plan.visits {
        if kept.contains_key(&v.id) {
            continue;
        }
        let existing = v.id.parse::<Uuid>().ok().filter(|id| locked.contains(id));
        let visit_id = match existing {
            Some(id) => id,
            None => {
                let id = Uuid::now_v7();
                visits.push(joint_visit::ActiveModel {
                    id: Set(id),
                    enterprise_id: Set(parse(&v.enterprise, "enterprise")?),
                    visit_date: Set(v.date),
                    status: Set(VisitStatus::Proposed.into()),
                    announced: Set(true),
                    created_at: Set(now),
                    updated_at: Set(now),
                });
                id
            }
        };
        for team in &v.inspectors {
            let agency_id = parse(&team.agency, "agency")?;
            let size = i32::try_from(team.inspectors.len()).unwrap_or(i32::MAX);
            match teams_now.remove(&(visit_id, agency_id)) {
                Some(row) if row.team_size != size => {
                    let mut active: visit_team::ActiveModel = row.into();
                    active.team_size = Set(size);
                    active.update(txn).await?;
                }
                Some(_) => {}
                None => teams.push(visit_team::ActiveModel {
                    visit_id: Set(visit_id),
                    agency_id: Set(agency_id),
                    visit_date: Set(v.date),
                    team_size: Set(size),
                }),
            }
            for inspector in &team.inspectors {
                let inspector_id = parse(inspector, "inspector")?;
                if !members_now.contains(&(visit_id, inspector_id)) {
                    members.push(visit_inspector::ActiveModel {
                        visit_id: Set(visit_id),
                        inspector_id: Set(inspector_id),
                        agency_id: Set(agency_id),
                        visit_date: Set(v.date),
                    });
                }
            }
        }
        placed.extend(
            v.requests
                .iter()
                .filter_map(|r| r.parse::<Uuid>().ok())
                .filter(|r| known.contains(r))
                .map(|r| (r, visit_id)),
        );
    }
    store::insert_chunked(txn, visits).await?;
    store::insert_chunked(txn, teams).await?;
    store::insert_chunked(txn, members).await?;

    // Each request to its visit: one statement per chunk, the visit chosen by a CASE.
    // A CASE is searched row by row, so its chunks are smaller than the others.
    for chunk in placed.chunks(CASE_CHUNK) {
        let mut visit_of = sea_orm::sea_query::CaseStatement::new();
        for (request, visit) in chunk {
            visit_of = visit_of.case(
                inspection_request::Column::Id.eq(*request),
                Expr::value(Some(*visit)),
            );
        }
        inspection_request::Entity::update_many()
            .col_expr(inspection_request::Column::VisitId, visit_of.into())
            .col_expr(
                inspection_request::Column::Status,
                Expr::value(Stored(RequestStatus::Scheduled)),
            )
            .col_expr(
                inspection_request::Column::UnscheduledReason,
                Expr::value(Option::<String>::None),
            )
            .col_expr(inspection_request::Column::UpdatedAt, Expr::value(now))
            .filter(inspection_request::Column::Id.is_in(chunk.iter().map(|(r, _)| *r)))
            .exec(txn)
            .await?;
    }
    let mut by_reason: BTreeMap<&str, Vec<Uuid>> = BTreeMap::new();
    for (request, reason) in reasons {
        if known.contains(request) {
            by_reason.entry(reason).or_default().push(*request);
        }
    }
    for (reason, ids) in by_reason {
        for chunk in ids.chunks(CHUNK) {
            inspection_request::Entity::update_many()
                .col_expr(
                    inspection_request::Column::VisitId,
                    Expr::value(Option::<Uuid>::None),
                )
                .col_expr(
                    inspection_request::Column::Status,
                    Expr::value(Stored(RequestStatus::Unscheduled)),
                )
                .col_expr(
                    inspection_request::Column::UnscheduledReason,
                    Expr::value(Some(reason.to_owned())),
                )
                .col_expr(inspection_request::Column::UpdatedAt, Expr::value(now))
                .filter(inspection_request::Column::Id.is_in(chunk.iter().copied()))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

fn parse(raw: &str, what: &str) -> Result<Uuid, DbErr> {
    raw.parse()
        .map_err(|_| DbErr::Custom(format!("bad {what} id {raw}")))
}
