//! Two-way scheduling: an enterprise asks the coordinating office for a quiet period (a
//! planned shutdown, a maintenance turnaround) or for an inspector's recusal before an
//! announced visit; the office (coordinator or admin) approves or refuses, with a note.
//!
//! An approved ask binds:
//! * a quiet period becomes an `enterprise_quiet_periods` row, which the planner, the
//!   booking path and reschedules already keep free of visits. A visit already held in
//!   the period (proposed, confirmed or under way) makes the approval a conflict naming
//!   each visit: the office moves or cancels those first, in the open, rather than the
//!   approval silently dropping visits the agencies and the enterprise were told of;
//! * a recusal becomes a conflict of interest (`inspector_conflicts`), which every later
//!   team draw honours; where the inspector is already on a team of one of the
//!   enterprise's visits ahead, the approval replaces them on that team the way a
//!   reschedule does (the least loaded free eligible inspector of the same agency), or is
//!   a conflict when nobody of the agency is free.
//!
//! The ask, its decision, what it bound and every replacement are written in one
//! transaction, each with its audit entry.

use crate::audit::{self, Change, Subject};
use crate::booking;
use crate::entities::{
    Stored, agency, enterprise, inspector, inspector_conflict, joint_visit, quiet_period,
    scheduling_ask, visit_inspector, visit_team,
};
use crate::visit_actions::{Replacement, staff};
use crate::{Caller, Role, ServiceError};
use chrono::{DateTime, NaiveDate, Utc};
use onevisit_domain::scheduling::MAX_QUIET_DAYS;
use onevisit_domain::{AskKind, AskStatus, VisitStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Who decides asks.
const OFFICE: [Role; 2] = [Role::Admin, Role::Coordinator];

/// Visits that hold a day the enterprise would be quiet on.
const IN_THE_WAY: [VisitStatus; 3] = [
    VisitStatus::Proposed,
    VisitStatus::Confirmed,
    VisitStatus::InProgress,
];

/// Visits whose team may still change.
const STAFFABLE: [VisitStatus; 2] = [VisitStatus::Proposed, VisitStatus::Confirmed];

/// A quiet period asked for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuietPeriodAsk {
    /// The first quiet day (YYYY-MM-DD), after today.
    pub start: NaiveDate,
    /// The last quiet day, at most 92 days after `start`'s.
    pub end: NaiveDate,
    /// Why (a planned shutdown, a turnaround), 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// An inspector's recusal asked for, before one of the enterprise's announced visits.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecusalAsk {
    /// An announced visit of the enterprise ahead (proposed or confirmed).
    pub visit_id: Uuid,
    /// An inspector on that visit's team.
    pub inspector_id: Uuid,
    /// Why (a relative works here, a former employer), 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// The office's decision: a note, required to refuse.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// At most 2000 characters.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// An ask and where it stands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AskView {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub enterprise_name: String,
    pub credit_code: String,
    /// quiet_period or recusal.
    pub kind: String,
    /// pending, approved or refused.
    pub status: String,
    /// A quiet period's first and last day.
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    /// A recusal's visit, its day, and the inspector (code, name, agency code).
    pub visit_id: Option<Uuid>,
    pub visit_date: Option<NaiveDate>,
    pub inspector_id: Option<Uuid>,
    pub inspector_code: Option<String>,
    pub inspector_name: Option<String>,
    pub agency: Option<String>,
    pub reason: String,
    pub asked_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    /// The quiet period an approved quiet-period ask added.
    pub quiet_period_id: Option<Uuid>,
    /// On approving a recusal: the inspector's places on teams ahead, taken by others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced_inspectors: Vec<Replacement>,
}

/// Which asks to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AskFilter {
    /// pending, approved or refused.
    pub status: Option<String>,
    /// quiet_period or recusal.
    pub kind: Option<String>,
    /// The office: one enterprise's asks.
    pub enterprise_id: Option<Uuid>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The asks the caller may see: the office all, an enterprise its own, nobody else any.
pub fn visible(caller: &Caller) -> Result<Condition, ServiceError> {
    match (caller.role, caller.enterprise_id) {
        (Role::Admin | Role::Coordinator, _) => Ok(Condition::all()),
        (Role::Enterprise, Some(id)) => {
            Ok(Condition::all().add(scheduling_ask::Column::EnterpriseId.eq(id)))
        }
        _ => Err(ServiceError::Forbidden),
    }
}

/// The enterprise user asking for their own enterprise: another role may not ask at
/// all, another enterprise's id is not found.
fn own_enterprise(caller: &Caller, enterprise_id: Uuid) -> Result<(), ServiceError> {
    caller.require(&[Role::Enterprise])?;
    if caller.enterprise_id == Some(enterprise_id) {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

fn text(field: &str, value: &str, max: usize) -> Result<String, ServiceError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ServiceError::field(field, "is required"));
    }
    if value.contains('\0') {
        return Err(ServiceError::field(
            field,
            "must not contain a NUL character",
        ));
    }
    let len = value.chars().count();
    if len > max {
        return Err(ServiceError::field(
            field,
            format!("must be at most {max} characters, got {len}"),
        ));
    }
    Ok(value.to_owned())
}

fn note(decision: &Decision) -> Result<Option<String>, ServiceError> {
    match decision.note.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(n) => text("note", n, 2000).map(Some),
    }
}

/// The quiet period `[start, end]` checked against today's rules.
fn quiet_range(body: &NewQuietPeriodAsk, today: NaiveDate) -> Result<(), ServiceError> {
    if body.start <= today {
        return Err(ServiceError::field(
            "start",
            format!(
                "{} is not after today ({today}): a quiet period is asked ahead",
                body.start
            ),
        ));
    }
    if body.end < body.start {
        return Err(ServiceError::field(
            "end",
            format!("ends ({}) before it starts ({})", body.end, body.start),
        ));
    }
    let days = (body.end - body.start).num_days() + 1;
    if days > i64::from(MAX_QUIET_DAYS) {
        return Err(ServiceError::field(
            "end",
            format!("a quiet period lasts at most {MAX_QUIET_DAYS} days; this one {days}"),
        ));
    }
    Ok(())
}

/// A quiet period of the enterprise, or a pending ask for one, overlapping `[start, end]`.
async fn overlapping_quiet<C: ConnectionTrait>(
    db: &C,
    enterprise_id: Uuid,
    (start, end): (NaiveDate, NaiveDate),
    except_ask: Option<Uuid>,
) -> Result<Option<String>, ServiceError> {
    if let Some(q) = quiet_period::Entity::find()
        .filter(quiet_period::Column::EnterpriseId.eq(enterprise_id))
        .filter(quiet_period::Column::StartDate.lte(end))
        .filter(quiet_period::Column::EndDate.gte(start))
        .one(db)
        .await?
    {
        return Ok(Some(format!(
            "it overlaps the enterprise's quiet period {} to {}",
            q.start_date, q.end_date
        )));
    }
    let mut pending = scheduling_ask::Entity::find()
        .filter(scheduling_ask::Column::EnterpriseId.eq(enterprise_id))
        .filter(scheduling_ask::Column::Kind.eq(Stored(AskKind::QuietPeriod)))
        .filter(scheduling_ask::Column::Status.eq(Stored(AskStatus::Pending)))
        .filter(scheduling_ask::Column::StartDate.lte(end))
        .filter(scheduling_ask::Column::EndDate.gte(start));
    if let Some(id) = except_ask {
        pending = pending.filter(scheduling_ask::Column::Id.ne(id));
    }
    Ok(pending.one(db).await?.map(|a| {
        format!(
            "it overlaps the pending ask {} for {} to {}",
            a.id,
            a.start_date.unwrap_or(start),
            a.end_date.unwrap_or(end)
        )
    }))
}

fn asked(
    caller: &Caller,
    enterprise_id: Uuid,
    kind: AskKind,
    reason: String,
) -> scheduling_ask::ActiveModel {
    scheduling_ask::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(enterprise_id),
        kind: Set(Stored(kind)),
        status: Set(Stored(AskStatus::Pending)),
        start_date: Set(None),
        end_date: Set(None),
        visit_id: Set(None),
        inspector_id: Set(None),
        reason: Set(reason),
        asked_by: Set(caller.user_id),
        asked_at: Set(Utc::now()),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_note: Set(None),
        quiet_period_id: Set(None),
    }
}

/// Writes a new ask and its audit entry in one transaction.
async fn insert_ask(
    db: &DatabaseConnection,
    caller: &Caller,
    row: scheduling_ask::ActiveModel,
) -> Result<AskView, ServiceError> {
    let txn = db.begin().await?;
    let row = row.insert(&txn).await?;
    let change = Change::new(Subject::Ask(row.id), "ask")
        .from_to(
            None,
            Some(json!({
                "kind": row.kind,
                "status": row.status,
                "enterprise_id": row.enterprise_id,
                "start": row.start_date,
                "end": row.end_date,
                "visit_id": row.visit_id,
                "inspector_id": row.inspector_id,
            })),
        )
        .because(Some(row.reason.clone()));
    audit::record(&txn, caller, row.asked_at, change).await?;
    txn.commit().await?;
    one_view(db, row).await
}

/// The enterprise asks for a quiet period: after today, at most [`MAX_QUIET_DAYS`] days,
/// overlapping none of its quiet periods or pending asks.
pub async fn ask_quiet_period(
    db: &DatabaseConnection,
    caller: &Caller,
    today: NaiveDate,
    enterprise_id: Uuid,
    body: &NewQuietPeriodAsk,
) -> Result<AskView, ServiceError> {
    own_enterprise(caller, enterprise_id)?;
    let reason = text("reason", &body.reason, 500)?;
    quiet_range(body, today)?;
    if let Some(why) = overlapping_quiet(db, enterprise_id, (body.start, body.end), None).await? {
        return Err(ServiceError::Conflict(format!(
            "{} to {}: {why}",
            body.start, body.end
        )));
    }
    let mut row = asked(caller, enterprise_id, AskKind::QuietPeriod, reason);
    row.start_date = Set(Some(body.start));
    row.end_date = Set(Some(body.end));
    insert_ask(db, caller, row).await
}

/// The enterprise asks that an inspector on the team of one of its announced visits
/// ahead stand down.
pub async fn ask_recusal(
    db: &DatabaseConnection,
    caller: &Caller,
    today: NaiveDate,
    enterprise_id: Uuid,
    body: &NewRecusalAsk,
) -> Result<AskView, ServiceError> {
    own_enterprise(caller, enterprise_id)?;
    let reason = text("reason", &body.reason, 500)?;
    let visit = joint_visit::Entity::find_by_id(body.visit_id)
        .filter(joint_visit::Column::EnterpriseId.eq(enterprise_id))
        .filter(joint_visit::Column::Announced.eq(true))
        .filter(joint_visit::Column::Status.is_in(STAFFABLE.map(Stored)))
        .filter(joint_visit::Column::VisitDate.gt(today))
        .one(db)
        .await?
        .ok_or_else(|| {
            ServiceError::field(
                "visit_id",
                format!(
                    "{} is not an announced visit of the enterprise after today",
                    body.visit_id
                ),
            )
        })?;
    let on_team = visit_inspector::Entity::find_by_id((visit.id, body.inspector_id))
        .one(db)
        .await?
        .is_some();
    if !on_team {
        return Err(ServiceError::field(
            "inspector_id",
            format!("{} is not on the visit's team", body.inspector_id),
        ));
    }
    let declared = inspector_conflict::Entity::find_by_id((body.inspector_id, enterprise_id))
        .one(db)
        .await?
        .is_some();
    if declared {
        return Err(ServiceError::Conflict(
            "the inspector already stands down from the enterprise's visits".to_owned(),
        ));
    }
    let pending = scheduling_ask::Entity::find()
        .filter(scheduling_ask::Column::EnterpriseId.eq(enterprise_id))
        .filter(scheduling_ask::Column::InspectorId.eq(body.inspector_id))
        .filter(scheduling_ask::Column::Status.eq(Stored(AskStatus::Pending)))
        .one(db)
        .await?;
    if let Some(p) = pending {
        return Err(ServiceError::Conflict(format!(
            "the recusal of this inspector is asked already (ask {}, pending)",
            p.id
        )));
    }
    let mut row = asked(caller, enterprise_id, AskKind::Recusal, reason);
    row.visit_id = Set(Some(visit.id));
    row.inspector_id = Set(Some(body.inspector_id));
    insert_ask(db, caller, row).await
}

/// One page of the asks the caller may see, newest first, and how many match in all.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    filter: &AskFilter,
    (limit, offset): (u64, u64),
) -> Result<(Vec<AskView>, u64), ServiceError> {
    let mut query = scheduling_ask::Entity::find().filter(visible(caller)?);
    if let Some(status) = &filter.status {
        let status: AskStatus = status
            .parse()
            .map_err(|e: onevisit_domain::UnknownWord| field_of(&e))?;
        query = query.filter(scheduling_ask::Column::Status.eq(Stored(status)));
    }
    if let Some(kind) = &filter.kind {
        let kind: AskKind = kind
            .parse()
            .map_err(|e: onevisit_domain::UnknownWord| field_of(&e))?;
        query = query.filter(scheduling_ask::Column::Kind.eq(Stored(kind)));
    }
    if let Some(id) = filter.enterprise_id {
        query = query.filter(scheduling_ask::Column::EnterpriseId.eq(id));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(scheduling_ask::Column::AskedAt)
        .order_by_desc(scheduling_ask::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((views(db, rows).await?, total))
}

fn field_of(err: &onevisit_domain::UnknownWord) -> ServiceError {
    ServiceError::field(
        err.field,
        format!(
            "unknown value {:?}; expected one of {}",
            err.found, err.expected
        ),
    )
}

/// One ask the caller may see.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<AskView, ServiceError> {
    let row = find(db, caller, id).await?;
    one_view(db, row).await
}

async fn find<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<scheduling_ask::Model, ServiceError> {
    scheduling_ask::Entity::find_by_id(id)
        .filter(visible(caller)?)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The office approves a pending ask: a quiet period is added, or the inspector stands
/// down from the enterprise (and is replaced on its teams ahead).
pub async fn approve(
    db: &DatabaseConnection,
    caller: &Caller,
    today: NaiveDate,
    id: Uuid,
    decision: &Decision,
) -> Result<AskView, ServiceError> {
    caller.require(&OFFICE)?;
    let note = note(decision)?;
    let ask = find(db, caller, id).await?;
    ask.status.0.decide(true).map_err(conflict)?;
    let txn = db.begin().await?;
    booking::lock_enterprise(&txn, ask.enterprise_id).await?;
    let now = Utc::now();
    let (quiet_period_id, replaced) = match ask.kind.0 {
        AskKind::QuietPeriod => (
            Some(bind_quiet_period(&txn, caller, &ask, today, now).await?),
            Vec::new(),
        ),
        AskKind::Recusal => (None, bind_recusal(&txn, caller, &ask, today, now).await?),
    };
    decide(
        &txn,
        caller,
        &ask,
        AskStatus::Approved,
        note,
        quiet_period_id,
        now,
    )
    .await?;
    txn.commit().await?;
    let mut view = get(db, caller, id).await?;
    view.replaced_inspectors = replaced;
    Ok(view)
}

/// The office refuses a pending ask, with a note saying why.
pub async fn refuse(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    decision: &Decision,
) -> Result<AskView, ServiceError> {
    caller.require(&OFFICE)?;
    let note = note(decision)?
        .ok_or_else(|| ServiceError::field("note", "is required: say why the ask is refused"))?;
    let ask = find(db, caller, id).await?;
    ask.status.0.decide(false).map_err(conflict)?;
    let txn = db.begin().await?;
    decide(
        &txn,
        caller,
        &ask,
        AskStatus::Refused,
        Some(note),
        None,
        Utc::now(),
    )
    .await?;
    txn.commit().await?;
    get(db, caller, id).await
}

fn conflict(err: impl std::fmt::Display) -> ServiceError {
    ServiceError::Conflict(err.to_string())
}

/// Moves the ask from pending to `status`, only if nobody decided it meanwhile.
async fn decide(
    txn: &DatabaseTransaction,
    caller: &Caller,
    ask: &scheduling_ask::Model,
    status: AskStatus,
    note: Option<String>,
    quiet_period_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let done = scheduling_ask::Entity::update_many()
        .col_expr(scheduling_ask::Column::Status, Expr::value(Stored(status)))
        .col_expr(
            scheduling_ask::Column::DecidedBy,
            Expr::value(caller.user_id),
        )
        .col_expr(scheduling_ask::Column::DecidedAt, Expr::value(now))
        .col_expr(
            scheduling_ask::Column::DecisionNote,
            Expr::value(note.clone()),
        )
        .col_expr(
            scheduling_ask::Column::QuietPeriodId,
            Expr::value(quiet_period_id),
        )
        .filter(scheduling_ask::Column::Id.eq(ask.id))
        .filter(scheduling_ask::Column::Status.eq(Stored(AskStatus::Pending)))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(ServiceError::Conflict(
            "the ask was decided meanwhile; reload it".to_owned(),
        ));
    }
    let action = match status {
        AskStatus::Approved => "approve",
        _ => "refuse",
    };
    let change = Change::new(Subject::Ask(ask.id), action)
        .from_to(
            Some(json!({"status": ask.status})),
            Some(json!({"status": status, "quiet_period_id": quiet_period_id})),
        )
        .because(note);
    audit::record(txn, caller, now, change).await?;
    Ok(())
}

/// Adds the asked quiet period, unless a visit is held in it or it overlaps another.
async fn bind_quiet_period(
    txn: &DatabaseTransaction,
    caller: &Caller,
    ask: &scheduling_ask::Model,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Uuid, ServiceError> {
    let (Some(start), Some(end)) = (ask.start_date, ask.end_date) else {
        return Err(ServiceError::Internal(format!(
            "quiet-period ask {} without its dates",
            ask.id
        )));
    };
    // An ask left waiting past its days binds nothing any more.
    if end < today {
        return Err(ServiceError::Conflict(format!(
            "the period {start} to {end} is over; refuse the ask instead"
        )));
    }
    if let Some(why) = overlapping_quiet(txn, ask.enterprise_id, (start, end), Some(ask.id)).await?
    {
        return Err(ServiceError::Conflict(format!("{start} to {end}: {why}")));
    }
    let held = joint_visit::Entity::find()
        .filter(joint_visit::Column::EnterpriseId.eq(ask.enterprise_id))
        .filter(joint_visit::Column::VisitDate.between(start, end))
        .filter(joint_visit::Column::Status.is_in(IN_THE_WAY.map(Stored)))
        .order_by_asc(joint_visit::Column::VisitDate)
        .all(txn)
        .await?;
    if !held.is_empty() {
        let visits = held
            .iter()
            .map(|v| format!("visit {} on {} ({})", v.id, v.visit_date, v.status))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ServiceError::Conflict(format!(
            "the enterprise has {visits} in {start} to {end}: reschedule or cancel it first, then approve"
        )));
    }
    let id = Uuid::now_v7();
    quiet_period::ActiveModel {
        id: Set(id),
        enterprise_id: Set(ask.enterprise_id),
        start_date: Set(start),
        end_date: Set(end),
        reason: Set(Some(ask.reason.clone())),
    }
    .insert(txn)
    .await?;
    let change = Change::new(Subject::Enterprise(ask.enterprise_id), "quiet_period_added")
        .from_to(
            None,
            Some(json!({"quiet_period_id": id, "start": start, "end": end, "ask_id": ask.id})),
        )
        .because(Some(ask.reason.clone()));
    audit::record(txn, caller, now, change).await?;
    Ok(id)
}

/// Declares the inspector's conflict of interest with the enterprise and replaces them on
/// the teams of the enterprise's visits from today on.
async fn bind_recusal(
    txn: &DatabaseTransaction,
    caller: &Caller,
    ask: &scheduling_ask::Model,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Replacement>, ServiceError> {
    let Some(inspector_id) = ask.inspector_id else {
        return Err(ServiceError::Internal(format!(
            "recusal ask {} without its inspector",
            ask.id
        )));
    };
    let declared = inspector_conflict::Entity::find_by_id((inspector_id, ask.enterprise_id))
        .one(txn)
        .await?
        .is_some();
    if !declared {
        inspector_conflict::ActiveModel {
            inspector_id: Set(inspector_id),
            enterprise_id: Set(ask.enterprise_id),
            reason: Set(Some(ask.reason.clone())),
        }
        .insert(txn)
        .await?;
    }
    let change = Change::new(
        Subject::Enterprise(ask.enterprise_id),
        "conflict_of_interest",
    )
    .from_to(
        None,
        Some(json!({"inspector_id": inspector_id, "ask_id": ask.id})),
    )
    .because(Some(ask.reason.clone()));
    audit::record(txn, caller, now, change).await?;

    let on: Vec<Uuid> = visit_inspector::Entity::find()
        .filter(visit_inspector::Column::InspectorId.eq(inspector_id))
        .filter(visit_inspector::Column::VisitDate.gte(today))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.visit_id)
        .collect();
    let visits = joint_visit::Entity::find()
        .filter(joint_visit::Column::Id.is_in(on))
        .filter(joint_visit::Column::EnterpriseId.eq(ask.enterprise_id))
        .filter(joint_visit::Column::Status.is_in(STAFFABLE.map(Stored)))
        .order_by_asc(joint_visit::Column::VisitDate)
        .all(txn)
        .await?;
    let codes: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    let code_of = |id: Uuid| codes.get(&id).cloned().unwrap_or_default();
    let mut replaced = Vec::new();
    for visit in visits {
        let teams = visit_team::Entity::find()
            .filter(visit_team::Column::VisitId.eq(visit.id))
            .order_by_asc(visit_team::Column::AgencyId)
            .all(txn)
            .await?;
        let (members, swaps) = staff(txn, &visit, &teams, visit.visit_date, &code_of)
            .await
            .map_err(|err| match err {
                ServiceError::Conflict(why) => ServiceError::Conflict(format!(
                    "the inspector cannot be replaced on visit {} on {}: {why}; refuse the ask, or free an inspector of the agency first",
                    visit.id, visit.visit_date
                )),
                other => other,
            })?;
        let write = async {
            visit_inspector::Entity::delete_many()
                .filter(visit_inspector::Column::VisitId.eq(visit.id))
                .exec(txn)
                .await?;
            visit_inspector::Entity::insert_many(members.into_iter().map(|m| {
                visit_inspector::ActiveModel {
                    visit_id: Set(m.visit_id),
                    inspector_id: Set(m.inspector_id),
                    agency_id: Set(m.agency_id),
                    visit_date: Set(m.visit_date),
                }
            }))
            .exec_without_returning(txn)
            .await
        };
        write.await.map_err(|err| match err.sql_err() {
            Some(_) => ServiceError::Conflict(format!(
                "a concurrent change took an inspector on {}; try again",
                visit.visit_date
            )),
            None => err.into(),
        })?;
        let change = Change::new(Subject::Visit(visit.id), "inspector_replaced")
            .from_to(
                Some(json!({"inspectors": swaps.iter().map(|s| &s.from).collect::<Vec<_>>()})),
                Some(json!({"inspectors": swaps.iter().map(|s| &s.to).collect::<Vec<_>>(), "ask_id": ask.id})),
            )
            .because(Some("recusal (conflict of interest)".to_owned()));
        audit::record(txn, caller, now, change).await?;
        replaced.extend(swaps);
    }
    Ok(replaced)
}

async fn one_view<C: ConnectionTrait>(
    db: &C,
    row: scheduling_ask::Model,
) -> Result<AskView, ServiceError> {
    views(db, vec![row])
        .await?
        .pop()
        .ok_or_else(|| ServiceError::Internal("an ask vanished".to_owned()))
}

/// Asks as the API shows them, loaded in batches.
async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<scheduling_ask::Model>,
) -> Result<Vec<AskView>, ServiceError> {
    let enterprise_ids: BTreeSet<Uuid> = rows.iter().map(|r| r.enterprise_id).collect();
    let enterprises: BTreeMap<Uuid, enterprise::Model> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(enterprise_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let inspectors: BTreeMap<Uuid, inspector::Model> = inspector::Entity::find()
        .filter(inspector::Column::Id.is_in(rows.iter().filter_map(|r| r.inspector_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let agencies: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    let visit_days: BTreeMap<Uuid, NaiveDate> = joint_visit::Entity::find()
        .filter(joint_visit::Column::Id.is_in(rows.iter().filter_map(|r| r.visit_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.visit_date))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let company = enterprises.get(&r.enterprise_id);
            let who = r.inspector_id.and_then(|i| inspectors.get(&i));
            AskView {
                id: r.id,
                enterprise_id: r.enterprise_id,
                enterprise_name: company.map(|e| e.name.clone()).unwrap_or_default(),
                credit_code: company.map(|e| e.credit_code.clone()).unwrap_or_default(),
                kind: r.kind.as_str().to_owned(),
                status: r.status.as_str().to_owned(),
                start: r.start_date,
                end: r.end_date,
                visit_id: r.visit_id,
                visit_date: r.visit_id.and_then(|v| visit_days.get(&v).copied()),
                inspector_id: r.inspector_id,
                inspector_code: who.map(|i| i.code.clone()),
                inspector_name: who.map(|i| i.name.clone()),
                agency: who.and_then(|i| agencies.get(&i.agency_id).cloned()),
                reason: r.reason,
                asked_at: r.asked_at,
                decided_at: r.decided_at,
                decision_note: r.decision_note,
                quiet_period_id: r.quiet_period_id,
                replaced_inspectors: Vec::new(),
            }
        })
        .collect())
}
