//! Hazards found in joint visits, from finding to verified close (整改销号): the
//! service functions behind the HTTP handlers, callable from other code (jobs, pages).
//!
//! The rules are the domain's ([`onevisit_domain::hazard`]): every step loads the
//! hazard's history, replays it into a [`Hazard`], takes the step there, and appends
//! the new event in one transaction with the cached state of the `hazards` row and
//! the audit entry. A step appends only onto the history it read (`event_count`), so
//! two concurrent steps cannot both succeed.

pub mod evidence;
pub mod ledger;
pub mod notice;
pub mod office;

use crate::ServiceError;
use crate::audit::{self, Change, Subject};
use crate::booking::{self, AlsoWrite, BookingError, Landing, NewBooking};
use crate::clock::Clock;
use crate::entities::{
    agency, enterprise, evidence_file, hazard, hazard_event, hazard_notice, inspection_request,
    joint_visit, visit_team,
};
use crate::idempotency::{self, Operation};
use crate::{Caller, Role};
use chrono::{DateTime, Datelike, Utc};
use onevisit_domain::hazard::{
    Actor, DeadlinePolicy, EvidenceRef, Finding, FindingInput, Hazard, HazardEvent,
    HazardEventKind, HazardStep, HazardStepError, NoticeNumber, VisitContext, VisitRef,
};
use onevisit_domain::{
    AgencyCode, CreditCode, HazardError, RequestKind, RequestStatus, VisitStatus, WorkCalendar,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde_json::json;
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use uuid::Uuid;

/// The largest evidence file accepted unless configured otherwise: 10 MiB.
pub const DEFAULT_MAX_EVIDENCE_BYTES: u64 = 10 * 1024 * 1024;

/// How hazards are handled: where evidence is kept, how large a file may be, and the
/// default deadlines.
#[derive(Debug, Clone)]
pub struct HazardConfig {
    pub evidence_dir: PathBuf,
    pub max_evidence_bytes: u64,
    pub policy: DeadlinePolicy,
}

impl HazardConfig {
    /// Evidence under `evidence_dir`, the default size limit and deadlines.
    pub fn new(evidence_dir: impl Into<PathBuf>) -> Self {
        Self {
            evidence_dir: evidence_dir.into(),
            max_evidence_bytes: DEFAULT_MAX_EVIDENCE_BYTES,
            policy: DeadlinePolicy::default(),
        }
    }
}

impl Default for HazardConfig {
    /// `./evidence`.
    fn default() -> Self {
        Self::new("evidence")
    }
}

/// What the service needs to take a step: the database, the clock, the calendar and
/// the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub db: &'a DatabaseConnection,
    pub clock: &'a Clock,
    pub calendar: &'a WorkCalendar,
    pub config: &'a HazardConfig,
}

/// Who the caller is to the hazard rules: the enterprise, an agency, or the office.
pub async fn actor_of<C: ConnectionTrait>(db: &C, caller: &Caller) -> Result<Actor, ServiceError> {
    match caller.role {
        Role::Admin | Role::Coordinator => Ok(Actor::Office),
        Role::Enterprise => Ok(Actor::Enterprise),
        Role::Agency | Role::Inspector => {
            let id = caller.agency_id.ok_or(ServiceError::Forbidden)?;
            let agency = agency::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(ServiceError::Forbidden)?;
            AgencyCode::parse(&agency.code)
                .map(Actor::Agency)
                .map_err(|e| ServiceError::Internal(format!("agency {id}: {e}")))
        }
    }
}

/// A domain error as a problem: the state machine's refusals 409 with the allowed
/// steps, refusals of permission 403, the rest 422 naming the field.
pub fn step_error(err: HazardStepError) -> ServiceError {
    if err.allowed().is_some() {
        return ServiceError::Conflict(err.to_string());
    }
    match err {
        HazardStepError::WrongActor { .. } | HazardStepError::NotRecorder { .. } => {
            ServiceError::Forbidden
        }
        other => field_error(&other.to_string()),
    }
}

/// A finding refused by the domain, as 422 naming the field.
pub fn finding_error(err: HazardError) -> ServiceError {
    field_error(&err.to_string())
}

/// The domain's messages start with the field: `deadline: 2026-03-01 is before ...`.
fn field_error(message: &str) -> ServiceError {
    match message.split_once(": ") {
        Some((field, why)) => ServiceError::field(field, why),
        None => ServiceError::field("", message),
    }
}

fn internal(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(what.to_string())
}

/// A visit as the hazard rules see it, and the ids of its agencies by code.
#[derive(Debug)]
pub struct VisitFacts {
    pub visit: joint_visit::Model,
    pub context: VisitContext,
    pub agency_ids: BTreeMap<AgencyCode, Uuid>,
}

/// The context of a stored visit: its enterprise's credit code and its teams' agencies.
pub async fn visit_facts<C: ConnectionTrait>(
    db: &C,
    visit: joint_visit::Model,
) -> Result<VisitFacts, ServiceError> {
    let enterprise = enterprise::Entity::find_by_id(visit.enterprise_id)
        .one(db)
        .await?
        .ok_or_else(|| internal(format!("visit {} without its enterprise", visit.id)))?;
    let team_agencies: Vec<Uuid> = visit_team::Entity::find()
        .filter(visit_team::Column::VisitId.eq(visit.id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.agency_id)
        .collect();
    let mut agency_ids = BTreeMap::new();
    for a in agency::Entity::find()
        .filter(agency::Column::Id.is_in(team_agencies))
        .all(db)
        .await?
    {
        let code = AgencyCode::parse(&a.code).map_err(internal)?;
        agency_ids.insert(code, a.id);
    }
    let credit = CreditCode::parse(&enterprise.credit_code).map_err(internal)?;
    let id = VisitRef::parse(&visit.id.to_string()).map_err(internal)?;
    let context = VisitContext::new(id, credit, visit.visit_date, agency_ids.keys().cloned())
        .map_err(|_| ServiceError::Conflict(format!("visit {} has no agency teams", visit.id)))?;
    Ok(VisitFacts {
        visit,
        context,
        agency_ids,
    })
}

/// The agency code of an agency id.
async fn agency_code<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<AgencyCode, ServiceError> {
    let agency = agency::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| internal(format!("agency {id} vanished")))?;
    AgencyCode::parse(&agency.code).map_err(internal)
}

/// The finding of a stored hazard, checked again by the domain.
async fn finding_of<C: ConnectionTrait>(
    db: &C,
    row: &hazard::Model,
    policy: &DeadlinePolicy,
) -> Result<Finding, ServiceError> {
    let visit = joint_visit::Entity::find_by_id(row.visit_id)
        .one(db)
        .await?
        .ok_or_else(|| internal(format!("hazard {} without its visit", row.id)))?;
    let facts = visit_facts(db, visit).await?;
    // The responsible agency took part when the hazard was found; a team cancelled
    // since must not make the finding unreadable.
    let responsible = agency_code(db, row.responsible_agency_id).await?;
    let context = VisitContext::new(
        facts.context.id().clone(),
        facts.context.enterprise().clone(),
        facts.context.day(),
        facts
            .context
            .agencies()
            .iter()
            .cloned()
            .chain([responsible.clone()]),
    )
    .map_err(internal)?;
    Finding::parse(
        context,
        FindingInput {
            title: &row.title,
            description: &row.description,
            category: &row.category,
            severity: row.severity.as_str(),
            legal_basis: &row.legal_basis,
            regulation: row.regulation.as_deref(),
            responsible_agency: responsible.as_str(),
            deadline: Some(row.original_deadline),
        },
        policy,
    )
    .map_err(|e| internal(format!("hazard {}: {e}", row.id)))
}

/// The hazard a stored row and its history give.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    row: &hazard::Model,
    policy: &DeadlinePolicy,
) -> Result<Hazard, ServiceError> {
    let finding = finding_of(db, row, policy).await?;
    let events = hazard_event::Entity::find()
        .filter(hazard_event::Column::HazardId.eq(row.id))
        .order_by_asc(hazard_event::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(|e| serde_json::from_value::<HazardEvent>(e.event))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| internal(format!("hazard {}: {e}", row.id)))?;
    Hazard::replay(finding, events).map_err(|e| internal(format!("hazard {}: {e}", row.id)))
}

/// The hazards the caller may see: the office all; an agency (and its inspectors)
/// those it is responsible for or that were found in visits it took part in; an
/// enterprise its own, once issued.
pub fn visible(caller: &Caller) -> Condition {
    let nothing = || Condition::all().add(Expr::cust("1 = 0"));
    match caller.role {
        Role::Admin | Role::Coordinator => Condition::all(),
        Role::Agency | Role::Inspector => match caller.agency_id {
            Some(agency) => Condition::any()
                .add(hazard::Column::ResponsibleAgencyId.eq(agency))
                .add(
                    hazard::Column::VisitId.in_subquery(
                        Query::select()
                            .column(visit_team::Column::VisitId)
                            .from(visit_team::Entity)
                            .and_where(visit_team::Column::AgencyId.eq(agency))
                            .to_owned(),
                    ),
                ),
            None => nothing(),
        },
        Role::Enterprise => match caller.enterprise_id {
            Some(id) => Condition::all()
                .add(hazard::Column::EnterpriseId.eq(id))
                .add(hazard::Column::NoticeId.is_not_null()),
            None => nothing(),
        },
    }
}

/// A hazard the caller may see, or 404.
pub async fn find_visible<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<hazard::Model, ServiceError> {
    hazard::Entity::find_by_id(id)
        .filter(visible(caller))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// A finding as a form gives it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewFinding {
    pub title: String,
    pub description: String,
    pub category: String,
    pub severity: String,
    pub legal_basis: String,
    pub regulation: Option<String>,
    pub responsible_agency: String,
    pub deadline: Option<chrono::NaiveDate>,
}

/// Visits whose hazards may be recorded: under way or done, not proposed or cancelled.
const RECORDABLE: [VisitStatus; 3] = [
    VisitStatus::Confirmed,
    VisitStatus::InProgress,
    VisitStatus::Completed,
];

/// Records a hazard found in a visit, by an agency that took part (its staff or
/// inspectors) or the office, on or after the visit day. On a completed visit the
/// hazard is issued at once, on a hazard list of its own.
pub async fn record(
    cx: Context<'_>,
    caller: &Caller,
    visit_id: Uuid,
    input: &NewFinding,
) -> Result<hazard::Model, ServiceError> {
    record_once(cx, caller, visit_id, input, None).await
}

/// The hazard the caller's earlier finding with `key` recorded.
async fn recorded_with(
    cx: Context<'_>,
    caller: &Caller,
    key: &str,
    body_hash: &str,
) -> Result<Option<hazard::Model>, ServiceError> {
    let Some(id) =
        idempotency::replay(cx.db, caller, key, Operation::RecordHazard, body_hash).await?
    else {
        return Ok(None);
    };
    let row = hazard::Entity::find_by_id(id)
        .one(cx.db)
        .await?
        .ok_or_else(|| internal(format!("idempotency key of a vanished hazard {id}")))?;
    Ok(Some(row))
}

/// [`record`] with an idempotency key (the `Idempotency-Key` header's bytes): a retry
/// with the same key and finding returns the hazard the first one recorded and writes
/// nothing; the same key with another finding is invalid.
pub async fn record_once(
    cx: Context<'_>,
    caller: &Caller,
    visit_id: Uuid,
    input: &NewFinding,
    key: Option<&[u8]>,
) -> Result<hazard::Model, ServiceError> {
    caller.require(&[
        Role::Admin,
        Role::Coordinator,
        Role::Agency,
        Role::Inspector,
    ])?;
    let key = crate::requests::idempotency_key(key)?;
    let sent = json!({ "visit_id": visit_id, "finding": input });
    let body_hash = idempotency::hash(sent.to_string().as_bytes());
    if let Some(key) = &key
        && let Some(first) = recorded_with(cx, caller, key, &body_hash).await?
    {
        return Ok(first);
    }
    let visit = joint_visit::Entity::find_by_id(visit_id)
        .filter(crate::access::visits(caller, cx.clock.today()))
        .one(cx.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let status: VisitStatus = visit.status.0;
    if !RECORDABLE.contains(&status) {
        return Err(ServiceError::Conflict(format!(
            "hazards are recorded in confirmed, in-progress or completed visits; this one is {status}"
        )));
    }
    let facts = visit_facts(cx.db, visit).await?;
    let actor = actor_of(cx.db, caller).await?;
    let finding = Finding::parse(
        facts.context.clone(),
        FindingInput {
            title: &input.title,
            description: &input.description,
            category: &input.category,
            severity: &input.severity,
            legal_basis: &input.legal_basis,
            regulation: input.regulation.as_deref(),
            responsible_agency: &input.responsible_agency,
            deadline: input.deadline,
        },
        &cx.config.policy,
    )
    .map_err(finding_error)?;
    let now = cx.clock.china_now();
    let hazard = Hazard::record(finding, now, actor).map_err(|e| match e {
        HazardStepError::BeforeVisit { visit_day, .. } => ServiceError::Conflict(format!(
            "the visit is on {visit_day}: its hazards are recorded from that day on"
        )),
        other => step_error(other),
    })?;
    let finding = hazard.finding();
    let responsible = facts
        .agency_ids
        .get(finding.responsible_agency().code())
        .copied()
        .ok_or_else(|| internal("the responsible agency has no id"))?;
    let id = Uuid::now_v7();
    let at = now.with_timezone(&Utc);
    let row = hazard::ActiveModel {
        id: Set(id),
        visit_id: Set(facts.visit.id),
        enterprise_id: Set(facts.visit.enterprise_id),
        title: Set(finding.title().to_string()),
        description: Set(finding.description().to_string()),
        category: Set(finding.category().as_str().to_owned()),
        severity: Set(finding.severity().into()),
        legal_basis: Set(finding.legal_basis().text().to_string()),
        regulation: Set(finding.legal_basis().regulation().map(|r| r.to_string())),
        responsible_agency_id: Set(responsible),
        original_deadline: Set(finding.deadline()),
        deadline: Set(hazard.deadline()),
        status: Set(hazard.status().into()),
        notice_id: Set(None),
        follow_up_request_id: Set(None),
        reinspection_visit_id: Set(None),
        closed_on: Set(None),
        event_count: Set(1),
        recorded_by: Set(caller.user_id),
        recorded_at: Set(at),
        updated_at: Set(at),
    };
    let txn = cx.db.begin().await?;
    if let Some(key) = &key
        && !idempotency::claim(&txn, caller, key, Operation::RecordHazard, &body_hash, id).await?
    {
        // A concurrent retry with the same key committed first: answer as it did.
        drop(txn);
        return recorded_with(cx, caller, key, &body_hash)
            .await?
            .ok_or_else(|| {
                ServiceError::Unavailable(
                    "the same finding is being recorded; try again".to_owned(),
                )
            });
    }
    row.insert(&txn).await?;
    append_event(&txn, id, 0, caller, &hazard.events()[0]).await?;
    let change = Change::new(Subject::Hazard(id), "record").from_to(
        None,
        Some(json!({
            "status": hazard.status(),
            "severity": finding.severity(),
            "deadline": finding.deadline(),
            "responsible_agency": finding.responsible_agency().code(),
            "visit_id": facts.visit.id,
        })),
    );
    audit::record(&txn, caller, at, change).await?;
    if status == VisitStatus::Completed {
        issue_notice(&txn, caller, &facts.visit, at).await?;
    }
    let stored = hazard::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| internal("a recorded hazard vanished"))?;
    txn.commit().await?;
    Ok(stored)
}

async fn append_event(
    txn: &DatabaseTransaction,
    hazard_id: Uuid,
    seq: usize,
    caller: &Caller,
    event: &HazardEvent,
) -> Result<(), DbErr> {
    let step = event.kind.step().map_or("recorded", |s| s.as_str());
    hazard_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        hazard_id: Set(hazard_id),
        seq: Set(i32::try_from(seq).map_err(|e| DbErr::Custom(e.to_string()))?),
        at: Set(event.at.with_timezone(&Utc)),
        actor_id: Set(caller.user_id),
        step: Set(step.to_owned()),
        event: Set(serde_json::to_value(event).map_err(|e| DbErr::Json(e.to_string()))?),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Issues the hazards of `visit` not yet issued on a new hazard list with the next
/// number of the enterprise's series for the year. Nothing to issue, no list.
pub async fn issue_notice(
    txn: &DatabaseTransaction,
    caller: &Caller,
    visit: &joint_visit::Model,
    at: DateTime<Utc>,
) -> Result<Option<hazard_notice::Model>, ServiceError> {
    let pending: Vec<Uuid> = hazard::Entity::find()
        .select_only()
        .column(hazard::Column::Id)
        .filter(hazard::Column::VisitId.eq(visit.id))
        .filter(hazard::Column::NoticeId.is_null())
        .order_by_asc(hazard::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    if pending.is_empty() {
        return Ok(None);
    }
    let year = at.with_timezone(&crate::clock::china()).year();
    let last = hazard_notice::Entity::find()
        .filter(hazard_notice::Column::EnterpriseId.eq(visit.enterprise_id))
        .order_by_desc(hazard_notice::Column::Year)
        .order_by_desc(hazard_notice::Column::Sequence)
        .one(txn)
        .await?;
    let previous = last
        .map(|n| NoticeNumber::new(n.year, u32::try_from(n.sequence).unwrap_or(0)))
        .transpose()
        .map_err(internal)?;
    let number =
        NoticeNumber::next(previous, year).map_err(|e| ServiceError::Conflict(e.to_string()))?;
    let notice = hazard_notice::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(visit.enterprise_id),
        visit_id: Set(visit.id),
        year: Set(number.year()),
        sequence: Set(i32::try_from(number.sequence()).map_err(internal)?),
        issued_at: Set(at),
        issued_by: Set(caller.user_id),
    }
    .insert(txn)
    .await
    .map_err(|e| {
        ServiceError::taken(e, || {
            "another hazard list of the enterprise was issued meanwhile; try again".to_owned()
        })
    })?;
    hazard::Entity::update_many()
        .col_expr(hazard::Column::NoticeId, Expr::value(notice.id))
        .filter(hazard::Column::Id.is_in(pending.clone()))
        .exec(txn)
        .await?;
    for id in pending {
        let change = Change::new(Subject::Hazard(id), "issue").from_to(
            Some(json!({"notice": null})),
            Some(json!({"notice": number.to_string(), "notice_id": notice.id})),
        );
        audit::record(txn, caller, at, change).await?;
    }
    Ok(Some(notice))
}

/// A step on a hazard, with what it carries.
#[derive(Debug, Clone)]
pub enum Step {
    /// The enterprise's rectification: what was done, and its evidence files (uploaded
    /// to the hazard first).
    SubmitRectification {
        text: String,
        evidence: Vec<Uuid>,
    },
    /// The responsible agency verifies and closes; a major hazard on its re-inspection visit.
    Close {
        note: Option<String>,
    },
    Reject {
        reason: String,
    },
    RequestExtension {
        new_deadline: chrono::NaiveDate,
        reason: String,
    },
    ApproveExtension {
        note: Option<String>,
    },
    RefuseExtension {
        reason: String,
    },
}

/// What a step did: the hazard row after it, and for a major hazard's rectification
/// the re-inspection request and where it landed.
#[derive(Debug, Clone)]
pub struct Stepped {
    pub hazard: hazard::Model,
    pub follow_up: Option<(inspection_request::Model, Landing)>,
}

/// Takes `step` on a hazard the caller may see.
pub async fn take_step(
    cx: Context<'_>,
    caller: &Caller,
    id: Uuid,
    step: Step,
) -> Result<Stepped, ServiceError> {
    let row = find_visible(cx.db, caller, id).await?;
    let mut hazard = load(cx.db, &row, &cx.config.policy).await?;
    let actor = actor_of(cx.db, caller).await?;
    let now = cx.clock.china_now();
    let before = hazard.events().len();
    let mut reinspection_visit = None;
    let mut follow_up = None;
    match &step {
        Step::SubmitRectification { text, evidence } => {
            let refs = rectification_evidence(cx.db, &row, evidence).await?;
            let submission = hazard
                .submit_rectification(now, actor, text, refs, &cx.config.policy, cx.calendar)
                .map_err(step_error)?;
            follow_up = submission.follow_up;
        }
        Step::Close { note } => {
            // The re-inspection is looked up only for a close the rules would take:
            // an illegal step or the wrong agency is told as such.
            let may_close = hazard.allowed_steps().contains(&HazardStep::Close)
                && hazard.who_may(HazardStep::Close) == actor;
            let visit = match row.follow_up_request_id {
                Some(request) if may_close && hazard.finding().severity().needs_reinspection() => {
                    Some(reinspection(cx, request).await?)
                }
                _ => None,
            };
            let context = visit.as_ref().map(|f| f.context.clone());
            reinspection_visit = visit.map(|f| f.visit.id);
            hazard
                .close(now, actor, context, note.as_deref())
                .map_err(step_error)?;
        }
        Step::Reject { reason } => hazard.reject(now, actor, reason).map_err(step_error)?,
        Step::RequestExtension {
            new_deadline,
            reason,
        } => hazard
            .request_extension(now, actor, *new_deadline, reason)
            .map_err(step_error)?,
        Step::ApproveExtension { note } => hazard
            .approve_extension(now, actor, note.as_deref())
            .map_err(step_error)?,
        Step::RefuseExtension { reason } => hazard
            .refuse_extension(now, actor, reason)
            .map_err(step_error)?,
    }
    let write = StepWrite {
        caller,
        row: &row,
        hazard: &hazard,
        before,
        reinspection_visit,
    };
    let follow_up = match follow_up {
        Some(need) if !re_inspection_to_come(cx.db, &row).await? => {
            Some(book_follow_up(cx, caller, &row, &need, &write).await?)
        }
        // No re-inspection needed, or (a rectification sent again after a rejection)
        // the one booked before is still to come.
        _ => {
            let txn = cx.db.begin().await?;
            write.apply(&txn, None).await.map_err(step_write_error)?;
            txn.commit().await?;
            None
        }
    };
    let hazard = hazard::Entity::find_by_id(id)
        .one(cx.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(Stepped { hazard, follow_up })
}

fn step_write_error(err: DbErr) -> ServiceError {
    match err {
        DbErr::Custom(why) => ServiceError::Conflict(why),
        other => other.into(),
    }
}

/// The evidence files named by a rectification: uploaded to this hazard by its enterprise.
async fn rectification_evidence(
    db: &DatabaseConnection,
    row: &hazard::Model,
    ids: &[Uuid],
) -> Result<Vec<EvidenceRef>, ServiceError> {
    let files: BTreeMap<Uuid, evidence_file::Model> = evidence_file::Entity::find()
        .filter(evidence_file::Column::HazardId.eq(row.id))
        .filter(evidence_file::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            let known = files
                .get(id)
                .is_some_and(|f| f.uploader_role == Role::Enterprise.as_str());
            if !known {
                return Err(ServiceError::field(
                    format!("evidence[{i}]"),
                    format!("{id} is not an evidence file the enterprise uploaded to this hazard"),
                ));
            }
            EvidenceRef::parse(&id.to_string()).map_err(internal)
        })
        .collect()
}

/// The re-inspection visit of a major hazard: the visit its follow-up request landed
/// in, once that visit has taken place (confirmed or later, on or before today).
async fn reinspection(cx: Context<'_>, request_id: Uuid) -> Result<VisitFacts, ServiceError> {
    let request = inspection_request::Entity::find_by_id(request_id)
        .one(cx.db)
        .await?
        .ok_or_else(|| internal("a follow-up request vanished"))?;
    let Some(visit_id) = request.visit_id else {
        return Err(ServiceError::Conflict(format!(
            "the re-inspection request {request_id} is not in a visit yet ({}); a major hazard is closed on its re-inspection visit",
            request.status
        )));
    };
    let visit = joint_visit::Entity::find_by_id(visit_id)
        .one(cx.db)
        .await?
        .ok_or_else(|| internal("a visit vanished"))?;
    let status: VisitStatus = visit.status.0;
    if !RECORDABLE.contains(&status) || visit.visit_date > cx.clock.today() {
        return Err(ServiceError::Conflict(format!(
            "the re-inspection visit {visit_id} on {} ({status}) has not taken place yet",
            visit.visit_date
        )));
    }
    visit_facts(cx.db, visit).await
}

/// The writes of one step, in the caller's transaction: the new events, the cached
/// state, the audit entries.
struct StepWrite<'a> {
    caller: &'a Caller,
    row: &'a hazard::Model,
    hazard: &'a Hazard,
    before: usize,
    reinspection_visit: Option<Uuid>,
}

/// The history changed under a step.
fn changed_meanwhile() -> DbErr {
    DbErr::Custom("the hazard changed meanwhile; reload it and try again".to_owned())
}

impl StepWrite<'_> {
    async fn apply(
        &self,
        txn: &DatabaseTransaction,
        follow_up_request: Option<Uuid>,
    ) -> Result<(), DbErr> {
        let h = self.hazard;
        let at = h.updated_at().with_timezone(&Utc);
        let count = i32::try_from(h.events().len()).map_err(|e| DbErr::Custom(e.to_string()))?;
        let mut update = hazard::Entity::update_many()
            .col_expr(hazard::Column::Status, Expr::value(h.status().as_str()))
            .col_expr(hazard::Column::Deadline, Expr::value(h.deadline()))
            .col_expr(hazard::Column::ClosedOn, Expr::value(h.closed_on()))
            .col_expr(hazard::Column::EventCount, Expr::value(count))
            .col_expr(hazard::Column::UpdatedAt, Expr::value(at));
        if let Some(request) = follow_up_request {
            update = update.col_expr(hazard::Column::FollowUpRequestId, Expr::value(request));
        }
        if let Some(visit) = self.reinspection_visit {
            update = update.col_expr(hazard::Column::ReinspectionVisitId, Expr::value(visit));
        }
        let done = update
            .filter(hazard::Column::Id.eq(self.row.id))
            .filter(hazard::Column::EventCount.eq(self.row.event_count))
            .exec(txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(changed_meanwhile());
        }
        for (seq, event) in h.events().iter().enumerate().skip(self.before) {
            append_event(txn, self.row.id, seq, self.caller, event).await?;
            let action = event.kind.step().map_or("record", |s| s.as_str());
            let mut to = json!({"status": event.to_status, "deadline": h.deadline()});
            match &event.kind {
                HazardEventKind::RectificationSubmitted { evidence, .. } => {
                    to["evidence"] = json!(evidence);
                    to["follow_up_request_id"] = json!(follow_up_request);
                }
                HazardEventKind::ExtensionRequested { new_deadline } => {
                    to["requested_deadline"] = json!(new_deadline);
                }
                HazardEventKind::Closed { reinspection } => {
                    to["reinspection_visit_id"] = json!(reinspection.as_ref().map(|v| v.id()));
                }
                _ => {}
            }
            let change = Change::new(Subject::Hazard(self.row.id), action)
                .from_to(
                    Some(json!({"status": event.from_status, "deadline": self.row.deadline})),
                    Some(to),
                )
                .because(event.note.as_ref().map(|n| n.to_string()));
            audit::record(txn, self.caller, at, change).await?;
            // The close of a major hazard is recorded on its re-inspection visit too.
            if let (HazardEventKind::Closed { .. }, Some(visit)) =
                (&event.kind, self.reinspection_visit)
            {
                let change = Change::new(Subject::Visit(visit), "hazard_closed")
                    .from_to(None, Some(json!({"hazard_id": self.row.id})));
                audit::record(txn, self.caller, at, change).await?;
            }
        }
        Ok(())
    }
}

/// A major hazard's rectification and its re-inspection request, written together:
/// the request goes through the booking path, which merges it into the enterprise's
/// next joint visit in its window when it can.
struct FollowUpWrite<'a> {
    step: &'a StepWrite<'a>,
    booked: audit::Booked<'a>,
}

impl AlsoWrite for FollowUpWrite<'_> {
    fn write<'b>(
        &'b self,
        txn: &'b DatabaseTransaction,
        request: &'b inspection_request::Model,
        landing: &'b Landing,
    ) -> Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send + 'b>> {
        Box::pin(async move {
            self.step.apply(txn, Some(request.id)).await?;
            self.booked.write(txn, request, landing).await
        })
    }
}

/// Whether the hazard's re-inspection request is still to happen: on a visit that is
/// neither completed nor cancelled.
async fn re_inspection_to_come(
    db: &DatabaseConnection,
    row: &hazard::Model,
) -> Result<bool, DbErr> {
    let Some(request_id) = row.follow_up_request_id else {
        return Ok(false);
    };
    let Some(request) = inspection_request::Entity::find_by_id(request_id)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let Some(visit_id) = request
        .visit_id
        .filter(|_| request.status == RequestStatus::Scheduled)
    else {
        return Ok(false);
    };
    let visit = joint_visit::Entity::find_by_id(visit_id).one(db).await?;
    Ok(visit.is_some_and(|v| matches!(v.status.0, VisitStatus::Proposed | VisitStatus::Confirmed)))
}

async fn book_follow_up(
    cx: Context<'_>,
    caller: &Caller,
    row: &hazard::Model,
    need: &onevisit_domain::hazard::FollowUpNeed,
    write: &StepWrite<'_>,
) -> Result<(inspection_request::Model, Landing), ServiceError> {
    let booking = NewBooking {
        agency_id: row.responsible_agency_id,
        enterprise_id: row.enterprise_id,
        window: need.window,
        team_size: 1,
        kind: RequestKind::FollowUp,
        topics: vec![format!("复查: {}", row.title)],
        idempotency_key: None,
        body_hash: None,
        announced: true,
        crew: booking::Crew::Planned,
    };
    let also = FollowUpWrite {
        step: write,
        booked: audit::Booked {
            by: caller.into(),
            at: write.hazard.updated_at().with_timezone(&Utc),
            action: "follow_up",
        },
    };
    match booking::book(cx.db, cx.calendar, cx.clock.today(), &booking, &also).await {
        Ok(done) => Ok(done),
        Err(BookingError::Database(DbErr::Custom(why))) => Err(ServiceError::Conflict(why)),
        Err(BookingError::Contended) => Err(ServiceError::Unavailable(
            "too many concurrent bookings; try again".to_owned(),
        )),
        Err(err) => Err(internal(err)),
    }
}

/// A hazard's history and evidence, as its full view shows them.
#[derive(Debug, Clone)]
pub struct HazardFile {
    /// Its events, in order.
    pub events: Vec<hazard_event::Model>,
    /// Its evidence files, by upload time.
    pub evidence: Vec<evidence_file::Model>,
}

/// The events and evidence files of the hazard `id`.
pub async fn file_of<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<HazardFile, ServiceError> {
    let events = hazard_event::Entity::find()
        .filter(hazard_event::Column::HazardId.eq(id))
        .order_by_asc(hazard_event::Column::Seq)
        .all(db)
        .await?;
    let evidence = evidence_file::Entity::find()
        .filter(evidence_file::Column::HazardId.eq(id))
        .order_by_asc(evidence_file::Column::UploadedAt)
        .order_by_asc(evidence_file::Column::Id)
        .all(db)
        .await?;
    Ok(HazardFile { events, evidence })
}
