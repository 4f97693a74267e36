//! Decisions on a visit: the coordinating office confirms, cancels and reschedules it,
//! the office or an agency that took part completes it. Each is logged with its reason
//! in `visit_events` and in the audit trail.

use crate::audit::{self, Change, Subject};
use crate::clock::Clock;
use crate::entities::{
    Stored, agency, enterprise, inspection_request, inspector, inspector_conflict,
    inspector_unavailable_day, joint_visit, quiet_period, visit_event, visit_inspector, visit_team,
};
use crate::planning::HOLDING;
use crate::verification::{is_verifiable, verification_code};
use crate::{Caller, Role, ServiceError, access, booking, hazards, planning};
use chrono::{NaiveDate, Utc};
use onevisit_domain::{Quarter, RequestKind, RequestStatus, VisitStatus, WorkCalendar};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// Who may confirm, cancel and reschedule visits.
const OFFICE: [Role; 2] = [Role::Admin, Role::Coordinator];

/// What the decisions reach besides the caller.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub db: &'a DatabaseConnection,
    pub clock: &'a Clock,
    pub calendar: &'a WorkCalendar,
    /// The key verification codes are signed with ([`crate::verification`]).
    pub code_key: &'a [u8; 32],
}

/// A visit after the office's decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisitAction {
    pub visit_id: Uuid,
    /// confirm, cancel or reschedule.
    pub action: String,
    pub status: String,
    pub date: NaiveDate,
    /// The verification code, for a confirmed visit.
    pub verification_code: Option<String>,
    /// Inspectors replaced by a reschedule because they were not free on the new day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced_inspectors: Vec<Replacement>,
}

/// One inspector swapped for another of the same agency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Replacement {
    /// The agency's code.
    pub agency: String,
    /// The code of the inspector who was not free.
    pub from: String,
    /// The code of the inspector who goes instead.
    pub to: String,
}

/// Why a visit is cancelled.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// Why, 1 to 2000 characters.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// Where and why a visit moves.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleBody {
    /// The new day (YYYY-MM-DD).
    pub date: NaiveDate,
    /// Why, 1 to 2000 characters.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// A completed visit and the hazard list it issued.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisitCompletion {
    pub visit_id: Uuid,
    /// Always completed.
    pub status: String,
    pub date: NaiveDate,
    /// The hazard list issued to the enterprise with the hazards recorded in the
    /// visit; none if none were found.
    pub notice_id: Option<Uuid>,
    /// Its number, `2026-0003`.
    pub notice_number: Option<String>,
}

/// A reason as given, trimmed: required, at most 2000 characters.
pub(crate) fn required_reason(reason: &str) -> Result<String, ServiceError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ServiceError::field("reason", "a reason is required"));
    }
    if reason.chars().count() > 2000 {
        return Err(ServiceError::field("reason", "at most 2000 characters"));
    }
    Ok(reason.to_owned())
}

/// The visit, for the office; forbidden for every other role, not found for an unknown id.
async fn office_visit<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<joint_visit::Model, ServiceError> {
    // The office sees every visit: no tenant scope to apply.
    caller.require(&OFFICE)?;
    joint_visit::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

fn changed_meanwhile() -> ServiceError {
    ServiceError::Conflict("the visit changed meanwhile; reload it and try again".to_owned())
}

/// Moves `visit` to `next` in the transaction, only if nobody changed its status meanwhile.
async fn set_status(
    txn: &DatabaseTransaction,
    visit: &joint_visit::Model,
    next: VisitStatus,
) -> Result<(), ServiceError> {
    let done = joint_visit::Entity::update_many()
        .col_expr(joint_visit::Column::Status, Expr::value(Stored(next)))
        .col_expr(joint_visit::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(joint_visit::Column::Id.eq(visit.id))
        .filter(joint_visit::Column::Status.eq(visit.status))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(changed_meanwhile());
    }
    Ok(())
}

/// One row of the visit's log, and its entry in the audit trail.
/// One step of a visit's status on its day, under its enterprise's lock: the status
/// moves from the visit's to `next` and the step goes into the visit's log as `action`.
async fn step_visit(
    txn: &DatabaseTransaction,
    visit: &joint_visit::Model,
    caller: &Caller,
    action: &'static str,
    next: VisitStatus,
    reason: Option<String>,
) -> Result<(), ServiceError> {
    booking::lock_enterprise(txn, visit.enterprise_id).await?;
    set_status(txn, visit, next).await?;
    let day = visit.visit_date;
    let from = visit.status.as_str();
    log_event(
        txn,
        visit.id,
        caller,
        action,
        ((from, day), (next.as_str(), day)),
        reason,
    )
    .await?;
    Ok(())
}

async fn log_event(
    txn: &DatabaseTransaction,
    visit_id: Uuid,
    caller: &Caller,
    action: &'static str,
    (from, to): ((&str, NaiveDate), (&str, NaiveDate)),
    reason: Option<String>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let change = Change::new(Subject::Visit(visit_id), action)
        .from_to(
            Some(serde_json::json!({"status": from.0, "date": from.1})),
            Some(serde_json::json!({"status": to.0, "date": to.1})),
        )
        .because(reason.clone());
    audit::record(txn, caller, now, change).await?;
    visit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        visit_id: Set(visit_id),
        at: Set(now),
        actor_id: Set(caller.user_id),
        action: Set(action.to_owned()),
        from_status: Set(from.0.to_owned()),
        to_status: Set(to.0.to_owned()),
        from_date: Set(Some(from.1)),
        to_date: Set(Some(to.1)),
        reason: Set(reason),
    }
    .insert(txn)
    .await?;
    Ok(())
}

fn answer(
    code_key: &[u8; 32],
    visit: &joint_visit::Model,
    action: &str,
    status: VisitStatus,
    date: NaiveDate,
    replaced_inspectors: Vec<Replacement>,
) -> VisitAction {
    VisitAction {
        visit_id: visit.id,
        action: action.to_owned(),
        status: status.as_str().to_owned(),
        date,
        verification_code: is_verifiable(status.as_str())
            .then(|| verification_code(code_key, visit.id, date, visit.enterprise_id)),
        replaced_inspectors,
    }
}

/// Confirms a visit (the office): it is locked for the planner and gets its
/// verification code. A step its status does not allow is a conflict naming the
/// allowed ones.
pub async fn confirm_visit(
    cx: Context<'_>,
    caller: &Caller,
    id: Uuid,
) -> Result<VisitAction, ServiceError> {
    let visit = office_visit(cx.db, caller, id).await?;
    let next = visit
        .status
        .0
        .step(VisitStatus::Confirmed)
        .map_err(|e| ServiceError::Conflict(e.to_string()))?;
    let txn = cx.db.begin().await?;
    step_visit(&txn, &visit, caller, "confirm", next, None).await?;
    txn.commit().await?;
    Ok(answer(
        cx.code_key,
        &visit,
        "confirm",
        next,
        visit.visit_date,
        Vec::new(),
    ))
}

/// The most visits one confirmation takes at once.
pub const MAX_CONFIRM_AT_ONCE: usize = 200;

/// Visits to confirm together.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmManyBody {
    /// 1 to 200 visits.
    #[schema(min_items = 1, max_items = 200)]
    pub visit_ids: Vec<Uuid>,
}

/// What happened to one visit of a confirmation of several.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConfirmOutcome {
    pub visit_id: Uuid,
    /// Whether this visit was confirmed now.
    pub confirmed: bool,
    /// The visit's status after the confirmation (absent for an unknown visit).
    pub status: Option<String>,
    pub date: Option<NaiveDate>,
    /// The verification code of a visit confirmed now.
    pub verification_code: Option<String>,
    /// Why it was not confirmed: not found, a step its status does not allow, or a
    /// change made meanwhile.
    pub reason: Option<String>,
}

impl ConfirmOutcome {
    fn refused(visit_id: Uuid, visit: Option<&joint_visit::Model>, reason: String) -> Self {
        Self {
            visit_id,
            confirmed: false,
            status: visit.map(|v| v.status.as_str().to_owned()),
            date: visit.map(|v| v.visit_date),
            verification_code: None,
            reason: Some(reason),
        }
    }
}

/// Confirms several visits in one transaction (the office), each as
/// [`confirm_visit`] would: those whose status allows it are confirmed, and each of the
/// others is reported with why not, in the order asked; the same visit asked twice is
/// taken once. Nothing is written unless the whole transaction commits.
pub async fn confirm_visits(
    cx: Context<'_>,
    caller: &Caller,
    body: &ConfirmManyBody,
) -> Result<Vec<ConfirmOutcome>, ServiceError> {
    caller.require(&OFFICE)?;
    let mut ids: Vec<Uuid> = Vec::with_capacity(body.visit_ids.len());
    for id in &body.visit_ids {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    if ids.is_empty() {
        return Err(ServiceError::field(
            "visit_ids",
            "choose at least one visit",
        ));
    }
    if ids.len() > MAX_CONFIRM_AT_ONCE {
        return Err(ServiceError::field(
            "visit_ids",
            format!("at most {MAX_CONFIRM_AT_ONCE} visits at once"),
        ));
    }
    let found: BTreeMap<Uuid, joint_visit::Model> = joint_visit::Entity::find()
        .filter(joint_visit::Column::Id.is_in(ids.iter().copied()))
        .all(cx.db)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    // The enterprises' locks in one order, so two confirmations cannot wait on each other.
    let mut order: Vec<&joint_visit::Model> = found.values().collect();
    order.sort_by_key(|v| (v.enterprise_id, v.id));
    let txn = cx.db.begin().await?;
    let mut done: BTreeMap<Uuid, ConfirmOutcome> = BTreeMap::new();
    for visit in order {
        let outcome = match visit.status.0.step(VisitStatus::Confirmed) {
            Err(e) => ConfirmOutcome::refused(visit.id, Some(visit), e.to_string()),
            Ok(next) => match step_visit(&txn, visit, caller, "confirm", next, None).await {
                Ok(()) => {
                    let a = answer(
                        cx.code_key,
                        visit,
                        "confirm",
                        next,
                        visit.visit_date,
                        Vec::new(),
                    );
                    ConfirmOutcome {
                        visit_id: visit.id,
                        confirmed: true,
                        status: Some(a.status),
                        date: Some(a.date),
                        verification_code: a.verification_code,
                        reason: None,
                    }
                }
                // Changed since it was read: nothing of it was written.
                Err(ServiceError::Conflict(why)) => {
                    ConfirmOutcome::refused(visit.id, Some(visit), why)
                }
                Err(other) => return Err(other),
            },
        };
        done.insert(visit.id, outcome);
    }
    txn.commit().await?;
    Ok(ids
        .into_iter()
        .map(|id| {
            done.remove(&id)
                .unwrap_or_else(|| ConfirmOutcome::refused(id, None, "no such visit".to_owned()))
        })
        .collect())
}

/// Cancels a visit with a reason (the office): its inspectors are freed and its
/// requests are open again.
pub async fn cancel_visit(
    cx: Context<'_>,
    caller: &Caller,
    id: Uuid,
    body: &CancelBody,
) -> Result<VisitAction, ServiceError> {
    let visit = office_visit(cx.db, caller, id).await?;
    let reason = required_reason(&body.reason)?;
    let next = visit
        .status
        .0
        .step(VisitStatus::Cancelled)
        .map_err(|e| ServiceError::Conflict(e.to_string()))?;
    let txn = cx.db.begin().await?;
    step_visit(&txn, &visit, caller, "cancel", next, Some(reason)).await?;
    // The unique (inspector, day) index frees the inspectors with their rows.
    visit_inspector::Entity::delete_many()
        .filter(visit_inspector::Column::VisitId.eq(visit.id))
        .exec(&txn)
        .await?;
    inspection_request::Entity::update_many()
        .col_expr(
            inspection_request::Column::Status,
            Expr::value(Stored(RequestStatus::Open)),
        )
        .col_expr(
            inspection_request::Column::VisitId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(
            inspection_request::Column::UnscheduledReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            inspection_request::Column::UpdatedAt,
            Expr::value(Utc::now()),
        )
        .filter(inspection_request::Column::VisitId.eq(visit.id))
        .filter(inspection_request::Column::Status.ne(Stored(RequestStatus::Cancelled)))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(answer(
        cx.code_key,
        &visit,
        "cancel",
        next,
        visit.visit_date,
        Vec::new(),
    ))
}

/// Completes a confirmed or in-progress visit on or after its day, by the office or
/// an agency (staff or inspectors) that took part. Its hazards are issued to the
/// enterprise at once on a numbered hazard list (整改通知).
pub async fn complete_visit(
    cx: Context<'_>,
    caller: &Caller,
    id: Uuid,
) -> Result<VisitCompletion, ServiceError> {
    caller.require(&[
        Role::Admin,
        Role::Coordinator,
        Role::Agency,
        Role::Inspector,
    ])?;
    let today = cx.clock.today();
    let visit = joint_visit::Entity::find_by_id(id)
        .filter(access::visits(caller, today))
        .one(cx.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let from = visit.status.0;
    // A confirmed visit passes through in progress: the inspectors were there.
    let next = match from {
        VisitStatus::Confirmed => from
            .step(VisitStatus::InProgress)
            .and_then(|s| s.step(VisitStatus::Completed)),
        other => other.step(VisitStatus::Completed),
    }
    .map_err(|e| ServiceError::Conflict(e.to_string()))?;
    if visit.visit_date > today {
        return Err(ServiceError::Conflict(format!(
            "the visit is on {}: it cannot be completed before its day",
            visit.visit_date
        )));
    }
    let txn = cx.db.begin().await?;
    step_visit(&txn, &visit, caller, "complete", next, None).await?;
    let notice = hazards::issue_notice(&txn, caller, &visit, cx.clock.now()).await?;
    txn.commit().await?;
    Ok(VisitCompletion {
        visit_id: visit.id,
        status: next.as_str().to_owned(),
        date: visit.visit_date,
        notice_id: notice.as_ref().map(|n| n.id),
        notice_number: notice.map(|n| format!("{}-{:04}", n.year, n.sequence)),
    })
}

/// Moves a proposed or confirmed visit to another day (the office) when every hard rule
/// holds there: working day, no quiet period, every request's window, one visit a day
/// for the enterprise, the agencies' daily capacity, the burden cap, free and eligible
/// inspectors — an inspector who is not free is replaced by the least loaded free one
/// of the same agency. A confirmed visit stays confirmed, with a new code. A rule that
/// fails is a conflict saying which; no reason, or a day in the past or the same day,
/// is invalid.
pub async fn reschedule_visit(
    cx: Context<'_>,
    caller: &Caller,
    id: Uuid,
    body: &RescheduleBody,
) -> Result<VisitAction, ServiceError> {
    let visit = office_visit(cx.db, caller, id).await?;
    let reason = required_reason(&body.reason)?;
    let status = visit.status.0;
    if !matches!(status, VisitStatus::Proposed | VisitStatus::Confirmed) {
        return Err(ServiceError::Conflict(format!(
            "a {status} visit cannot be rescheduled; only proposed or confirmed ones can"
        )));
    }
    let date = body.date;
    if date < cx.clock.today() {
        return Err(ServiceError::field(
            "date",
            format!("{date} is in the past"),
        ));
    }
    if date == visit.visit_date {
        return Err(ServiceError::field(
            "date",
            format!("the visit is already on {date}"),
        ));
    }
    let teams = visit_team::Entity::find()
        .filter(visit_team::Column::VisitId.eq(visit.id))
        .order_by_asc(visit_team::Column::AgencyId)
        .all(cx.db)
        .await?;
    let agencies: BTreeSet<Uuid> = teams.iter().map(|t| t.agency_id).collect();

    let txn = cx.db.begin().await?;
    lock(&txn, &visit, &agencies, date).await?;
    // Under the locks: the visit as it is now.
    let current = joint_visit::Entity::find_by_id(visit.id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if current.status != visit.status || current.visit_date != visit.visit_date {
        return Err(changed_meanwhile());
    }
    let plan = check_move(&txn, cx.calendar, &visit, &teams, date).await?;
    let write = async {
        joint_visit::Entity::update_many()
            .col_expr(joint_visit::Column::VisitDate, Expr::value(date))
            .col_expr(joint_visit::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(joint_visit::Column::Id.eq(visit.id))
            .exec(&txn)
            .await?;
        visit_team::Entity::update_many()
            .col_expr(visit_team::Column::VisitDate, Expr::value(date))
            .filter(visit_team::Column::VisitId.eq(visit.id))
            .exec(&txn)
            .await?;
        visit_inspector::Entity::delete_many()
            .filter(visit_inspector::Column::VisitId.eq(visit.id))
            .exec(&txn)
            .await?;
        for m in &plan.members {
            visit_inspector::ActiveModel {
                visit_id: Set(m.visit_id),
                inspector_id: Set(m.inspector_id),
                agency_id: Set(m.agency_id),
                visit_date: Set(m.visit_date),
            }
            .insert(&txn)
            .await?;
        }
        log_event(
            &txn,
            visit.id,
            caller,
            "reschedule",
            ((status.as_str(), visit.visit_date), (status.as_str(), date)),
            Some(reason),
        )
        .await
    };
    // A unique index catches a concurrent change the locks did not serialise.
    write.await.map_err(|err| match err.sql_err() {
        Some(_) => ServiceError::Conflict(format!(
            "a concurrent change took {date} first (the enterprise's day or an inspector); try again"
        )),
        None => err.into(),
    })?;
    txn.commit().await?;
    Ok(answer(
        cx.code_key,
        &visit,
        "reschedule",
        status,
        date,
        plan.replaced,
    ))
}

/// Serialises the reschedule with bookings and other reschedules touching the same
/// agency days and enterprise: PostgreSQL transaction-scoped advisory locks with the
/// keys and order `booking.rs` uses (agency days first, by agency id, then the
/// enterprise); on SQLite, a first write takes the one writer lock.
async fn lock(
    txn: &DatabaseTransaction,
    visit: &joint_visit::Model,
    agencies: &BTreeSet<Uuid>,
    date: NaiveDate,
) -> Result<(), DbErr> {
    match txn.get_database_backend() {
        DbBackend::Postgres => {
            let mut keys: Vec<String> = agencies
                .iter()
                .map(|&a| booking::agency_day_key(a, date))
                .collect();
            keys.push(booking::enterprise_key(visit.enterprise_id));
            booking::advisory_locks(txn, &keys).await?;
        }
        _ => {
            joint_visit::Entity::update_many()
                .col_expr(joint_visit::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(joint_visit::Column::Id.eq(visit.id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// The new inspector rows of a rescheduled visit, or why it cannot move: every hard
/// rule checked on `date` under the locks.
struct Move {
    members: Vec<visit_inspector::Model>,
    replaced: Vec<Replacement>,
}

async fn check_move(
    txn: &DatabaseTransaction,
    calendar: &WorkCalendar,
    visit: &joint_visit::Model,
    teams: &[visit_team::Model],
    date: NaiveDate,
) -> Result<Move, ServiceError> {
    let refuse = |why: String| Err(ServiceError::Conflict(why));
    if !calendar.is_working_day(date) {
        return refuse(format!(
            "{date} is not a working day (a weekend or a statutory holiday)"
        ));
    }
    let quiet = quiet_period::Entity::find()
        .filter(quiet_period::Column::EnterpriseId.eq(visit.enterprise_id))
        .filter(quiet_period::Column::StartDate.lte(date))
        .filter(quiet_period::Column::EndDate.gte(date))
        .one(txn)
        .await?;
    if let Some(q) = quiet {
        return refuse(format!(
            "{date} is in a quiet period of the enterprise ({} to {}{})",
            q.start_date,
            q.end_date,
            q.reason.map(|r| format!(": {r}")).unwrap_or_default()
        ));
    }
    let agencies: BTreeMap<Uuid, agency::Model> = agency::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let code_of = |id: Uuid| {
        agencies
            .get(&id)
            .map(|a| a.code.clone())
            .unwrap_or_default()
    };
    let requests = inspection_request::Entity::find()
        .filter(inspection_request::Column::VisitId.eq(visit.id))
        .filter(inspection_request::Column::Status.ne(Stored(RequestStatus::Cancelled)))
        .order_by_asc(inspection_request::Column::Id)
        .all(txn)
        .await?;
    for r in &requests {
        if date < r.earliest || date > r.latest {
            return refuse(format!(
                "{date} is outside the window {} to {} of request {} ({})",
                r.earliest,
                r.latest,
                r.id,
                code_of(r.agency_id)
            ));
        }
    }
    let other = joint_visit::Entity::find()
        .filter(joint_visit::Column::EnterpriseId.eq(visit.enterprise_id))
        .filter(joint_visit::Column::VisitDate.eq(date))
        .filter(joint_visit::Column::Status.is_in(HOLDING.map(Stored)))
        .filter(joint_visit::Column::Id.ne(visit.id))
        .one(txn)
        .await?;
    if let Some(other) = other {
        return refuse(format!(
            "the enterprise already has a {} visit on {date} ({})",
            other.status, other.id
        ));
    }
    // The burden cap counts visits per quarter: moving into another quarter must fit it.
    let urgent = requests.iter().any(|r| r.kind == RequestKind::Urgent);
    if !urgent && Quarter::containing(date) != Quarter::containing(visit.visit_date) {
        let cap = enterprise::Entity::find_by_id(visit.enterprise_id)
            .one(txn)
            .await?
            .and_then(|e| e.burden_cap);
        if let Some(cap) = cap {
            let counted = planning::counted_in_quarter(txn, visit.enterprise_id, date).await?;
            if i64::from(counted) >= i64::from(cap) {
                return refuse(format!(
                    "the enterprise's burden cap of {cap} visits in the quarter of {date} is reached"
                ));
            }
        }
    }
    for team in teams {
        let capacity = agencies
            .get(&team.agency_id)
            .map_or(0, |a| i64::from(a.daily_capacity));
        let on_day: Vec<Uuid> = visit_team::Entity::find()
            .filter(visit_team::Column::AgencyId.eq(team.agency_id))
            .filter(visit_team::Column::VisitDate.eq(date))
            .filter(visit_team::Column::VisitId.ne(visit.id))
            .all(txn)
            .await?
            .into_iter()
            .map(|t| t.visit_id)
            .collect();
        let taken = joint_visit::Entity::find()
            .filter(joint_visit::Column::Id.is_in(on_day))
            .filter(joint_visit::Column::Status.is_in(HOLDING.map(Stored)))
            .count(txn)
            .await?;
        if i64::try_from(taken).unwrap_or(i64::MAX) >= capacity {
            return refuse(format!(
                "agency {} is at its daily capacity of {capacity} visits on {date}",
                code_of(team.agency_id)
            ));
        }
    }
    let (members, replaced) = staff(txn, visit, teams, date, &code_of).await?;
    Ok(Move { members, replaced })
}

/// The same inspectors where they are free and eligible on `date`, otherwise the least
/// loaded free eligible inspector of the same agency (ties by code). An approved recusal
/// uses it on the visit's own day to replace the inspector who stands down.
pub(crate) async fn staff(
    txn: &DatabaseTransaction,
    visit: &joint_visit::Model,
    teams: &[visit_team::Model],
    date: NaiveDate,
    code_of: &(dyn Fn(Uuid) -> String + Sync),
) -> Result<(Vec<visit_inspector::Model>, Vec<Replacement>), ServiceError> {
    let current = visit_inspector::Entity::find()
        .filter(visit_inspector::Column::VisitId.eq(visit.id))
        .all(txn)
        .await?;
    let team_agencies: Vec<Uuid> = teams.iter().map(|t| t.agency_id).collect();
    let roster: Vec<inspector::Model> = inspector::Entity::find()
        .filter(inspector::Column::AgencyId.is_in(team_agencies))
        .order_by_asc(inspector::Column::Code)
        .all(txn)
        .await?;
    let ids: Vec<Uuid> = roster.iter().map(|i| i.id).collect();
    let on_leave: BTreeSet<Uuid> = inspector_unavailable_day::Entity::find()
        .filter(inspector_unavailable_day::Column::Day.eq(date))
        .filter(inspector_unavailable_day::Column::InspectorId.is_in(ids.clone()))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| l.inspector_id)
        .collect();
    let conflicted: BTreeSet<Uuid> = inspector_conflict::Entity::find()
        .filter(inspector_conflict::Column::EnterpriseId.eq(visit.enterprise_id))
        .filter(inspector_conflict::Column::InspectorId.is_in(ids.clone()))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.inspector_id)
        .collect();
    let busy: BTreeSet<Uuid> = visit_inspector::Entity::find()
        .filter(visit_inspector::Column::VisitDate.eq(date))
        .filter(visit_inspector::Column::VisitId.ne(visit.id))
        .filter(visit_inspector::Column::InspectorId.is_in(ids.clone()))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.inspector_id)
        .collect();
    // Load: assignments in the quarter of the new day.
    let quarter = Quarter::containing(date).range();
    let mut load: BTreeMap<Uuid, usize> = BTreeMap::new();
    for m in visit_inspector::Entity::find()
        .filter(visit_inspector::Column::InspectorId.is_in(ids))
        .filter(visit_inspector::Column::VisitDate.between(quarter.start(), quarter.end()))
        .filter(visit_inspector::Column::VisitId.ne(visit.id))
        .all(txn)
        .await?
    {
        *load.entry(m.inspector_id).or_default() += 1;
    }
    let by_id: BTreeMap<Uuid, &inspector::Model> = roster.iter().map(|i| (i.id, i)).collect();
    let free = |i: &inspector::Model| {
        i.active
            && !on_leave.contains(&i.id)
            && !conflicted.contains(&i.id)
            && !busy.contains(&i.id)
    };

    let mut taken: BTreeSet<Uuid> = BTreeSet::new();
    let mut keep = Vec::new();
    let mut replace = Vec::new();
    for m in &current {
        match by_id.get(&m.inspector_id) {
            Some(i) if free(i) => {
                taken.insert(i.id);
                keep.push(m.clone());
            }
            _ => replace.push(m.clone()),
        }
    }
    let mut members: Vec<visit_inspector::Model> = keep
        .into_iter()
        .map(|m| visit_inspector::Model {
            visit_date: date,
            ..m
        })
        .collect();
    let mut replaced = Vec::new();
    // Deterministic: replacements in the order of the leaving inspectors' codes.
    replace.sort_by_key(|m| {
        by_id
            .get(&m.inspector_id)
            .map(|i| i.code.clone())
            .unwrap_or_default()
    });
    for m in replace {
        let pick = roster
            .iter()
            .filter(|i| i.agency_id == m.agency_id && free(i) && !taken.contains(&i.id))
            .min_by(|a, b| {
                let (la, lb) = (load.get(&a.id).copied(), load.get(&b.id).copied());
                la.unwrap_or(0)
                    .cmp(&lb.unwrap_or(0))
                    .then_with(|| a.code.cmp(&b.code))
            });
        let Some(pick) = pick else {
            let who = by_id
                .get(&m.inspector_id)
                .map_or_else(|| m.inspector_id.to_string(), |i| i.code.clone());
            return Err(ServiceError::Conflict(format!(
                "inspector {who} of agency {} is not free on {date} and no other inspector of the agency is free and eligible",
                code_of(m.agency_id)
            )));
        };
        taken.insert(pick.id);
        replaced.push(Replacement {
            agency: code_of(m.agency_id),
            from: by_id
                .get(&m.inspector_id)
                .map_or_else(|| m.inspector_id.to_string(), |i| i.code.clone()),
            to: pick.code.clone(),
        });
        members.push(visit_inspector::Model {
            visit_id: visit.id,
            inspector_id: pick.id,
            agency_id: m.agency_id,
            visit_date: date,
        });
    }
    Ok((members, replaced))
}
