//! The coordinating office's decisions on a visit — confirm, cancel, reschedule, each
//! logged with its reason in `visit_events` — and the verification codes of confirmed
//! visits that anyone at the gate can check.
//!
//! A verification code is a signature, not a guessable id: the visit's id followed by
//! the first 10 bytes of HMAC-SHA256(key, visit id ‖ date ‖ enterprise id), in base64url
//! without padding (35 characters). The key is derived from the token signing secret
//! ([`crate::auth::AuthConfig::verification_key`]): rotating that secret invalidates
//! every printed code. Rescheduling a visit changes its date and so its code.

use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDate, Utc};
use hmac::{Hmac, Mac};
use onevisit_domain::VisitStatus;
use onevisit_service::access;
use onevisit_service::audit::{self, Change, Subject};
use onevisit_service::entities::{
    agency, enterprise, inspection_request, inspector, inspector_conflict,
    inspector_unavailable_day, joint_visit, quiet_period, visit_event, visit_inspector, visit_team,
};
use onevisit_service::planning::HOLDING;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// Who may confirm, cancel and reschedule visits.
const OFFICE: [Role; 2] = [Role::Admin, Role::Coordinator];

/// Statuses whose visits carry a verification code that verifies.
const VERIFIABLE: [&str; 3] = ["confirmed", "in_progress", "completed"];

/// Bytes of the HMAC kept in a code.
const TAG_BYTES: usize = 10;

// ---------------------------------------------------------------------------------------
// Verification codes

type HmacSha256 = Hmac<sha2::Sha256>;

fn signer(key: &[u8; 32], visit_id: Uuid, date: NaiveDate, enterprise_id: Uuid) -> HmacSha256 {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(visit_id.as_bytes());
    mac.update(date.format("%Y-%m-%d").to_string().as_bytes());
    mac.update(enterprise_id.as_bytes());
    mac
}

/// The verification code of a visit on `date` at `enterprise_id`.
pub fn verification_code(
    key: &[u8; 32],
    visit_id: Uuid,
    date: NaiveDate,
    enterprise_id: Uuid,
) -> String {
    let tag = signer(key, visit_id, date, enterprise_id)
        .finalize()
        .into_bytes();
    let mut bytes = Vec::with_capacity(16 + TAG_BYTES);
    bytes.extend_from_slice(visit_id.as_bytes());
    bytes.extend_from_slice(&tag[..TAG_BYTES]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The code of a visit whose status carries one (confirmed, in progress, completed).
pub fn code_of(key: &[u8; 32], visit: &joint_visit::Model) -> Option<String> {
    VERIFIABLE
        .contains(&visit.status.as_str())
        .then(|| verification_code(key, visit.id, visit.visit_date, visit.enterprise_id))
}

/// The visit id a code names, if the code is well formed (the signature is not checked yet).
fn code_visit(code: &str) -> Option<(Uuid, Vec<u8>)> {
    let bytes = URL_SAFE_NO_PAD.decode(code.trim()).ok()?;
    if bytes.len() != 16 + TAG_BYTES {
        return None;
    }
    let id = Uuid::from_slice(&bytes[..16]).ok()?;
    Some((id, bytes[16..].to_vec()))
}

/// Whether `tag` signs the visit as it is now (compared in constant time).
fn signature_holds(key: &[u8; 32], visit: &joint_visit::Model, tag: &[u8]) -> bool {
    signer(key, visit.id, visit.visit_date, visit.enterprise_id)
        .verify_truncated_left(tag)
        .is_ok()
}

/// What the gate learns from a valid code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Verification {
    /// Always true: an invalid code answers 404.
    pub valid: bool,
    /// The enterprise's name.
    pub enterprise: String,
    pub credit_code: String,
    pub date: NaiveDate,
    /// The names of the agencies taking part.
    pub agencies: Vec<String>,
    /// confirmed, in_progress or completed.
    pub status: String,
}

/// The 404 of `GET /verify/{code}`: one answer for every kind of invalid code.
fn not_registered() -> Response {
    let problem = Problem {
        kind: "/problems/not-a-registered-inspection".to_owned(),
        title: "not a registered inspection".to_owned(),
        status: 404,
        detail: None,
        errors: Vec::new(),
    };
    let mut response = (StatusCode::NOT_FOUND, Json(problem)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// Checks a visit's verification code (public: no token). A bad, tampered or outdated
/// code, and the code of a visit that is not confirmed, in progress or completed, all
/// answer the same 404. Codes are signed with a key derived from the token signing
/// secret: rotating that secret invalidates every printed code, and rescheduling a visit
/// changes its code.
#[utoipa::path(get, path = "/verify/{code}", operation_id = "verify_code", tag = "verification",
    params(("code" = String, Path, description = "The code printed on the visit's notice")),
    responses(
        (status = 200, description = "A registered inspection", body = Verification),
        (status = 404, description = "Not a registered inspection", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let Some((id, tag)) = code_visit(&code) else {
        return Ok(not_registered());
    };
    let Some(visit) = joint_visit::Entity::find_by_id(id).one(&state.db).await? else {
        return Ok(not_registered());
    };
    if !signature_holds(state.auth.verification_key(), &visit, &tag)
        || !VERIFIABLE.contains(&visit.status.as_str())
    {
        return Ok(not_registered());
    }
    let Some(enterprise) = enterprise::Entity::find_by_id(visit.enterprise_id)
        .one(&state.db)
        .await?
    else {
        return Ok(not_registered());
    };
    let agencies = agency_names(&state.db, visit.id).await?;
    Ok(Json(Verification {
        valid: true,
        enterprise: enterprise.name,
        credit_code: enterprise.credit_code,
        date: visit.visit_date,
        agencies,
        status: visit.status,
    })
    .into_response())
}

/// The names of the agencies with a team on a visit, by agency code.
async fn agency_names<C: ConnectionTrait>(db: &C, visit_id: Uuid) -> Result<Vec<String>, DbErr> {
    let ids: Vec<Uuid> = visit_team::Entity::find()
        .filter(visit_team::Column::VisitId.eq(visit_id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.agency_id)
        .collect();
    Ok(agency::Entity::find()
        .filter(agency::Column::Id.is_in(ids))
        .order_by_asc(agency::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect())
}

/// A visit's verification code, when it has one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisitVerification {
    pub visit_id: Uuid,
    pub status: String,
    /// The code for `GET /verify/{code}` (printed as a QR code); only for a confirmed,
    /// in-progress or completed visit. It changes when the visit is rescheduled.
    pub verification_code: Option<String>,
}

/// The verification code of a visit, for the office, the visit's agencies and its enterprise.
#[utoipa::path(get, path = "/visits/{id}/verification", operation_id = "visit_verification", tag = "verification", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The visit's code (null until it is confirmed)", body = VisitVerification),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<VisitVerification>, ApiError> {
    let visit = joint_visit::Entity::find_by_id(id)
        .filter(access::visits(&caller, state.clock.today()))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let code = code_of(state.auth.verification_key(), &visit);
    Ok(Json(VisitVerification {
        visit_id: visit.id,
        status: visit.status,
        verification_code: code,
    }))
}

// ---------------------------------------------------------------------------------------
// Confirm, cancel, reschedule

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

fn required_reason(reason: &str) -> Result<String, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ApiError::field("reason", "a reason is required"));
    }
    if reason.chars().count() > 2000 {
        return Err(ApiError::field("reason", "at most 2000 characters"));
    }
    Ok(reason.to_owned())
}

/// The visit, for the office; 403 for every other role, 404 for an unknown id.
async fn office_visit<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<joint_visit::Model, ApiError> {
    // The office sees every visit: no tenant scope to apply.
    caller.require(&OFFICE)?;
    joint_visit::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

fn status_of(visit: &joint_visit::Model) -> Result<VisitStatus, ApiError> {
    visit
        .status
        .parse::<VisitStatus>()
        .map_err(|e| ApiError::Internal(format!("visit {}: {e}", visit.id)))
}

/// Moves `visit` to `next` in the transaction, only if nobody changed its status meanwhile.
async fn set_status(
    txn: &DatabaseTransaction,
    visit: &joint_visit::Model,
    next: VisitStatus,
) -> Result<(), ApiError> {
    let done = joint_visit::Entity::update_many()
        .col_expr(joint_visit::Column::Status, Expr::value(next.as_str()))
        .col_expr(joint_visit::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(joint_visit::Column::Id.eq(visit.id))
        .filter(joint_visit::Column::Status.eq(visit.status.as_str()))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(ApiError::Conflict(
            "the visit changed meanwhile; reload it and try again".to_owned(),
        ));
    }
    Ok(())
}

/// One row of the visit's log, and its entry in the audit trail.
#[allow(clippy::too_many_arguments)]
async fn log_event(
    txn: &DatabaseTransaction,
    visit_id: Uuid,
    caller: &Caller,
    action: &'static str,
    from: (&str, NaiveDate),
    to: (&str, NaiveDate),
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
    state: &AppState,
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
        verification_code: VERIFIABLE.contains(&status.as_str()).then(|| {
            verification_code(
                state.auth.verification_key(),
                visit.id,
                date,
                visit.enterprise_id,
            )
        }),
        replaced_inspectors,
    }
}

/// Confirms a visit: it is locked for the planner and gets its verification code.
#[utoipa::path(post, path = "/visits/{id}/confirm", operation_id = "confirm_visit", tag = "visits", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Confirmed, with its verification code", body = VisitAction),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the office confirms", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a legal step from the visit's status; the detail lists the allowed ones", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<VisitAction>, ApiError> {
    let visit = office_visit(&state.db, &caller, id).await?;
    let from = status_of(&visit)?;
    let next = from
        .step(VisitStatus::Confirmed)
        .map_err(|e| ApiError::Conflict(e.to_string()))?;
    let txn = state.db.begin().await?;
    onevisit_service::booking::lock_enterprise(&txn, visit.enterprise_id).await?;
    set_status(&txn, &visit, next).await?;
    log_event(
        &txn,
        visit.id,
        &caller,
        "confirm",
        (from.as_str(), visit.visit_date),
        (next.as_str(), visit.visit_date),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(Json(answer(
        &state,
        &visit,
        "confirm",
        next,
        visit.visit_date,
        Vec::new(),
    )))
}

/// Cancels a visit with a reason: its inspectors are freed and its requests are open again.
#[utoipa::path(post, path = "/visits/{id}/cancel", operation_id = "cancel_visit", tag = "visits", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = CancelBody,
    responses(
        (status = 200, description = "Cancelled", body = VisitAction),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the office cancels visits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a legal step from the visit's status", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<CancelBody>,
) -> Result<Json<VisitAction>, ApiError> {
    let visit = office_visit(&state.db, &caller, id).await?;
    let reason = required_reason(&body.reason)?;
    let from = status_of(&visit)?;
    let next = from
        .step(VisitStatus::Cancelled)
        .map_err(|e| ApiError::Conflict(e.to_string()))?;
    let txn = state.db.begin().await?;
    onevisit_service::booking::lock_enterprise(&txn, visit.enterprise_id).await?;
    set_status(&txn, &visit, next).await?;
    // The unique (inspector, day) index frees the inspectors with their rows.
    visit_inspector::Entity::delete_many()
        .filter(visit_inspector::Column::VisitId.eq(visit.id))
        .exec(&txn)
        .await?;
    inspection_request::Entity::update_many()
        .col_expr(inspection_request::Column::Status, Expr::value("open"))
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
        .filter(inspection_request::Column::Status.ne("cancelled"))
        .exec(&txn)
        .await?;
    log_event(
        &txn,
        visit.id,
        &caller,
        "cancel",
        (from.as_str(), visit.visit_date),
        (next.as_str(), visit.visit_date),
        Some(reason),
    )
    .await?;
    txn.commit().await?;
    Ok(Json(answer(
        &state,
        &visit,
        "cancel",
        next,
        visit.visit_date,
        Vec::new(),
    )))
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

/// Completes a confirmed or in-progress visit on or after its day, by the office or
/// an agency (staff or inspectors) that took part. Its hazards are issued to the
/// enterprise at once on a numbered hazard list (整改通知).
#[utoipa::path(post, path = "/visits/{id}/complete", operation_id = "complete_visit", tag = "visits", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Completed, with the hazard list issued", body = VisitCompletion),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Enterprises do not complete visits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a legal step from the visit's status, or the visit day has not come", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<VisitCompletion>, ApiError> {
    caller.require(&[
        Role::Admin,
        Role::Coordinator,
        Role::Agency,
        Role::Inspector,
    ])?;
    let today = state.clock.today();
    let visit = joint_visit::Entity::find_by_id(id)
        .filter(access::visits(&caller, today))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let from = status_of(&visit)?;
    // A confirmed visit passes through in progress: the inspectors were there.
    let next = match from {
        VisitStatus::Confirmed => from
            .step(VisitStatus::InProgress)
            .and_then(|s| s.step(VisitStatus::Completed)),
        other => other.step(VisitStatus::Completed),
    }
    .map_err(|e| ApiError::Conflict(e.to_string()))?;
    if visit.visit_date > today {
        return Err(ApiError::Conflict(format!(
            "the visit is on {}: it cannot be completed before its day",
            visit.visit_date
        )));
    }
    let txn = state.db.begin().await?;
    onevisit_service::booking::lock_enterprise(&txn, visit.enterprise_id).await?;
    set_status(&txn, &visit, next).await?;
    log_event(
        &txn,
        visit.id,
        &caller,
        "complete",
        (from.as_str(), visit.visit_date),
        (next.as_str(), visit.visit_date),
        None,
    )
    .await?;
    let notice =
        onevisit_service::hazards::issue_notice(&txn, &caller, &visit, state.clock.now()).await?;
    txn.commit().await?;
    Ok(Json(VisitCompletion {
        visit_id: visit.id,
        status: next.as_str().to_owned(),
        date: visit.visit_date,
        notice_id: notice.as_ref().map(|n| n.id),
        notice_number: notice.map(|n| format!("{}-{:04}", n.year, n.sequence)),
    }))
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
                .map(|&a| onevisit_service::booking::agency_day_key(a, date))
                .collect();
            keys.push(onevisit_service::booking::enterprise_key(
                visit.enterprise_id,
            ));
            onevisit_service::booking::advisory_locks(txn, &keys).await?;
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
    state: &AppState,
    visit: &joint_visit::Model,
    teams: &[visit_team::Model],
    date: NaiveDate,
) -> Result<Move, ApiError> {
    let refuse = |why: String| Err(ApiError::Conflict(why));
    if !state.calendar.is_working_day(date) {
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
        .filter(inspection_request::Column::Status.ne("cancelled"))
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
        .filter(joint_visit::Column::Status.is_in(HOLDING))
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
    let urgent = requests.iter().any(|r| r.kind == "urgent");
    if !urgent
        && onevisit_domain::Quarter::containing(date)
            != onevisit_domain::Quarter::containing(visit.visit_date)
    {
        let cap = enterprise::Entity::find_by_id(visit.enterprise_id)
            .one(txn)
            .await?
            .and_then(|e| e.burden_cap);
        if let Some(cap) = cap {
            let counted =
                onevisit_service::planning::counted_in_quarter(txn, visit.enterprise_id, date)
                    .await?;
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
            .filter(joint_visit::Column::Status.is_in(HOLDING))
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
/// loaded free eligible inspector of the same agency (ties by code).
async fn staff(
    txn: &DatabaseTransaction,
    visit: &joint_visit::Model,
    teams: &[visit_team::Model],
    date: NaiveDate,
    code_of: &(dyn Fn(Uuid) -> String + Sync),
) -> Result<(Vec<visit_inspector::Model>, Vec<Replacement>), ApiError> {
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
    let quarter = onevisit_domain::Quarter::containing(date).range();
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
            return Err(ApiError::Conflict(format!(
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

/// Whether a database error is a unique index catching a concurrent change.
fn is_race(err: &DbErr) -> bool {
    err.sql_err().is_some()
}

/// Moves a proposed or confirmed visit to another day when every hard rule holds there
/// (working day, no quiet period, every request's window, one visit a day for the
/// enterprise, the agencies' daily capacity, the burden cap, free and eligible
/// inspectors — an inspector who is not free is replaced by the least loaded free one
/// of the same agency). A confirmed visit stays confirmed, with a new code.
#[utoipa::path(post, path = "/visits/{id}/reschedule", operation_id = "reschedule_visit", tag = "visits", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = RescheduleBody,
    responses(
        (status = 200, description = "Moved; any replaced inspectors are listed", body = VisitAction),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the office reschedules", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The visit cannot move, or a hard rule fails on that day; the detail says which", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or a day in the past or the same day", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reschedule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<RescheduleBody>,
) -> Result<Json<VisitAction>, ApiError> {
    let visit = office_visit(&state.db, &caller, id).await?;
    let reason = required_reason(&body.reason)?;
    let status = status_of(&visit)?;
    if !matches!(status, VisitStatus::Proposed | VisitStatus::Confirmed) {
        return Err(ApiError::Conflict(format!(
            "a {status} visit cannot be rescheduled; only proposed or confirmed ones can"
        )));
    }
    let date = body.date;
    if date < state.clock.today() {
        return Err(ApiError::field("date", format!("{date} is in the past")));
    }
    if date == visit.visit_date {
        return Err(ApiError::field(
            "date",
            format!("the visit is already on {date}"),
        ));
    }
    let teams = visit_team::Entity::find()
        .filter(visit_team::Column::VisitId.eq(visit.id))
        .order_by_asc(visit_team::Column::AgencyId)
        .all(&state.db)
        .await?;
    let agencies: BTreeSet<Uuid> = teams.iter().map(|t| t.agency_id).collect();

    let txn = state.db.begin().await?;
    lock(&txn, &visit, &agencies, date).await?;
    // Under the locks: the visit as it is now.
    let current = joint_visit::Entity::find_by_id(visit.id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if current.status != visit.status || current.visit_date != visit.visit_date {
        return Err(ApiError::Conflict(
            "the visit changed meanwhile; reload it and try again".to_owned(),
        ));
    }
    let plan = check_move(&txn, &state, &visit, &teams, date).await?;
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
            &caller,
            "reschedule",
            (status.as_str(), visit.visit_date),
            (status.as_str(), date),
            Some(reason),
        )
        .await
    };
    match write.await {
        Ok(()) => {}
        Err(err) if is_race(&err) => {
            return Err(ApiError::Conflict(format!(
                "a concurrent change took {date} first (the enterprise's day or an inspector); try again"
            )));
        }
        Err(err) => return Err(err.into()),
    }
    txn.commit().await?;
    Ok(Json(answer(
        &state,
        &visit,
        "reschedule",
        status,
        date,
        plan.replaced,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(date: &str) -> joint_visit::Model {
        joint_visit::Model {
            id: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
            enterprise_id: Uuid::from_u128(42),
            visit_date: date.parse().expect("date"),
            status: "confirmed".to_owned(),
            announced: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn codes_verify_only_what_they_sign() {
        let key = [3u8; 32];
        let v = visit("2026-12-01");
        let code = verification_code(&key, v.id, v.visit_date, v.enterprise_id);
        assert_eq!(code.len(), 35, "26 bytes in base64url without padding");
        let (id, tag) = code_visit(&code).expect("well formed");
        assert_eq!(id, v.id);
        assert!(signature_holds(&key, &v, &tag));
        assert!(!signature_holds(&[4u8; 32], &v, &tag), "another key");
        assert!(
            !signature_holds(&key, &visit("2026-12-02"), &tag),
            "another day"
        );
        let mut flipped = tag.clone();
        flipped[0] ^= 1;
        assert!(!signature_holds(&key, &v, &flipped), "a tampered tag");
        assert!(code_visit("short").is_none());
        assert!(code_visit(&format!("{code}A")).is_none());
        assert!(code_visit("!!!!").is_none());
    }
}
