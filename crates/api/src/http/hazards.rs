//! Hazards over HTTP: findings recorded on a visit, evidence files, the lifecycle
//! steps, the ledger with its district totals and CSV export, and the hazard lists.
//! The work is done by [`onevisit_service::hazards`]; this module reads requests and shapes answers.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::Field;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use onevisit_domain::{HazardEvent, HazardStatus, Severity};
use onevisit_service::ServiceError;
use onevisit_service::booking::Landing;
use onevisit_service::entities::{evidence_file, hazard, hazard_event, inspection_request};
use onevisit_service::hazards::evidence::{self, Chunks};
use onevisit_service::hazards::ledger::{self, DistrictTotals, LedgerFilter, LedgerRow};
use onevisit_service::hazards::notice::{self, NoticeView};
use onevisit_service::hazards::office::{self, Escalation, EscalationBody};
use onevisit_service::hazards::{self, Context, NewFinding, Step};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A hazard found in a visit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingBody {
    #[schema(min_length = 1, pattern = "\\S")]
    pub title: String,
    #[schema(min_length = 1, pattern = "\\S")]
    pub description: String,
    /// fire, structure, process_safety, environment, storage or other.
    #[schema(pattern = "^(fire|structure|process_safety|environment|storage|other)$")]
    pub category: String,
    /// general (一般) or major (重大).
    #[schema(pattern = "^(general|major)$")]
    pub severity: String,
    /// The rule broken, in free text.
    #[schema(min_length = 1, pattern = "\\S")]
    pub legal_basis: String,
    /// The regulation or standard, e.g. `GB 50016-2014 第3.2.1条`.
    #[serde(default)]
    pub regulation: Option<String>,
    /// The code of the responsible agency: one that took part in the visit.
    #[schema(min_length = 1, pattern = "\\S")]
    pub responsible_agency: String,
    /// Not before the visit day; by default 30 days after it for a general hazard,
    /// 90 for a major one.
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
}

/// The enterprise's rectification.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectificationBody {
    /// What was done.
    pub text: String,
    /// Ids of evidence files the enterprise uploaded to the hazard (at least one).
    pub evidence: Vec<Uuid>,
}

/// A remark with a verification or an approval.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    #[serde(default)]
    pub note: Option<String>,
}

/// Why a rectification is rejected or an extension refused.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

/// A later deadline asked for, and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    pub new_deadline: NaiveDate,
    pub reason: String,
}

/// One event of a hazard's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HazardEventView {
    pub seq: i32,
    pub at: DateTime<Utc>,
    /// The user who acted.
    pub actor_id: Uuid,
    /// enterprise, office, or agency:CODE.
    pub actor: String,
    /// recorded, or the step taken.
    pub step: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// The rectification text, the reason, or a remark.
    pub note: Option<String>,
    /// A new deadline asked for or approved.
    pub new_deadline: Option<NaiveDate>,
    /// Evidence files of a rectification.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// The re-inspection visit of a close.
    pub reinspection_visit_id: Option<String>,
}

/// An evidence file as listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvidenceView {
    pub id: Uuid,
    pub hazard_id: Uuid,
    pub original_name: String,
    /// image/jpeg, image/png or application/pdf, told by the content.
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub uploaded_by: Uuid,
    /// enterprise for a rectification's evidence, agency, inspector or the office for a finding's.
    pub uploader_role: String,
    pub uploaded_at: DateTime<Utc>,
    /// Where to download it.
    pub href: String,
}

impl From<evidence_file::Model> for EvidenceView {
    fn from(f: evidence_file::Model) -> Self {
        Self {
            href: format!("/evidence/{}", f.id),
            id: f.id,
            hazard_id: f.hazard_id,
            original_name: f.original_name,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
            sha256: f.sha256,
            uploaded_by: f.uploaded_by,
            uploader_role: f.uploader_role,
            uploaded_at: f.uploaded_at,
        }
    }
}

/// A pending request for a later deadline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PendingExtensionView {
    pub new_deadline: NaiveDate,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
}

/// A hazard with its finding, state, history and evidence.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HazardView {
    #[serde(flatten)]
    pub ledger: LedgerRow,
    pub description: String,
    pub legal_basis: String,
    pub regulation: Option<String>,
    /// The deadline as found; extensions move `deadline`.
    pub original_deadline: NaiveDate,
    pub pending_extension: Option<PendingExtensionView>,
    /// The steps the hazard allows now, whoever takes them.
    pub allowed_steps: Vec<String>,
    /// A major hazard's re-inspection request, once its rectification is submitted.
    pub follow_up_request_id: Option<Uuid>,
    pub events: Vec<HazardEventView>,
    pub evidence: Vec<EvidenceView>,
}

/// Where a major hazard's re-inspection request landed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowUpView {
    pub request_id: Uuid,
    /// joined (the enterprise's next joint visit), new_visit, or unscheduled.
    pub outcome: String,
    pub visit_id: Option<Uuid>,
    pub date: Option<NaiveDate>,
    /// Why it could not be placed.
    pub reason: Option<String>,
}

/// A hazard after a step.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StepAnswer {
    pub hazard: HazardView,
    /// For a major hazard's rectification: its re-inspection.
    pub follow_up: Option<FollowUpView>,
}

fn follow_up_view(request: &inspection_request::Model, landing: &Landing) -> FollowUpView {
    let (outcome, visit_id, date, reason) = match landing {
        Landing::Joined { visit_id, date } => ("joined", Some(*visit_id), Some(*date), None),
        Landing::NewVisit { visit_id, date } => ("new_visit", Some(*visit_id), Some(*date), None),
        Landing::Unscheduled { reason } => {
            ("unscheduled", None, None, Some(reason.as_str().to_owned()))
        }
    };
    FollowUpView {
        request_id: request.id,
        outcome: outcome.to_owned(),
        visit_id,
        date,
        reason,
    }
}

fn event_view(row: hazard_event::Model) -> Result<HazardEventView, ApiError> {
    use onevisit_domain::hazard::{Actor, HazardEventKind};
    let event: HazardEvent = serde_json::from_value(row.event)
        .map_err(|e| ApiError::Internal(format!("hazard event {}: {e}", row.id)))?;
    let actor = match &event.actor {
        Actor::Enterprise => "enterprise".to_owned(),
        Actor::Office => "office".to_owned(),
        Actor::Agency(code) => format!("agency:{code}"),
    };
    let (new_deadline, evidence, reinspection) = match &event.kind {
        HazardEventKind::ExtensionRequested { new_deadline }
        | HazardEventKind::ExtensionApproved { new_deadline } => {
            (Some(*new_deadline), Vec::new(), None)
        }
        HazardEventKind::RectificationSubmitted { evidence, .. } => (
            None,
            evidence.iter().map(ToString::to_string).collect(),
            None,
        ),
        HazardEventKind::Closed { reinspection } => (
            None,
            Vec::new(),
            reinspection.as_ref().map(|v| v.id().to_string()),
        ),
        _ => (None, Vec::new(), None),
    };
    Ok(HazardEventView {
        seq: row.seq,
        at: row.at,
        actor_id: row.actor_id,
        actor,
        step: row.step,
        from_status: event.from_status.map(|s| s.as_str().to_owned()),
        to_status: event.to_status.as_str().to_owned(),
        note: event.note.map(|n| n.to_string()),
        new_deadline,
        evidence,
        reinspection_visit_id: reinspection,
    })
}

/// The full view of a hazard row.
async fn hazard_view(state: &AppState, row: hazard::Model) -> Result<HazardView, ApiError> {
    let loaded = hazards::load(&state.db, &row, &state.hazards.policy).await?;
    let file = hazards::file_of(&state.db, row.id).await?;
    let events = file
        .events
        .into_iter()
        .map(event_view)
        .collect::<Result<Vec<_>, _>>()?;
    let evidence = file.evidence.into_iter().map(EvidenceView::from).collect();
    let (description, legal_basis, regulation, original_deadline, follow_up) = (
        row.description.clone(),
        row.legal_basis.clone(),
        row.regulation.clone(),
        row.original_deadline,
        row.follow_up_request_id,
    );
    let ledger = ledger::rows_of(&state.db, vec![row], state.clock.today())
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    Ok(HazardView {
        ledger,
        description,
        legal_basis,
        regulation,
        original_deadline,
        pending_extension: loaded.pending_extension().map(|p| PendingExtensionView {
            new_deadline: p.new_deadline,
            reason: p.reason.to_string(),
            requested_at: p.requested_at.with_timezone(&Utc),
        }),
        allowed_steps: loaded
            .allowed_steps()
            .into_iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        follow_up_request_id: follow_up,
        events,
        evidence,
    })
}

/// Records a hazard found in a visit: by the inspectors or staff of an agency that took
/// part, or the office, on or after the visit day. The enterprise sees it once the visit
/// is completed (its hazard list is issued then); on a visit already completed, the
/// hazard is issued at once on a list of its own. With an `Idempotency-Key` header (the
/// caller's own: a phone that queued the finding offline makes one per finding), a retry
/// with the same finding answers the hazard the first request recorded and records
/// nothing; the same key with another finding is refused (422).
#[utoipa::path(post, path = "/visits/{id}/hazards", operation_id = "record_hazard", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The visit"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1 to 200 visible ASCII characters, unique per finding")),
    request_body = FindingBody,
    responses(
        (status = 201, description = "Recorded", body = HazardView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Enterprises do not record hazards", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The visit is not under way or done, or its day has not come", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid: the deadline before the visit, an agency not in the visit, ...", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    ValidJson(body): ValidJson<FindingBody>,
) -> Result<(StatusCode, Json<HazardView>), ApiError> {
    let input = NewFinding {
        title: body.title,
        description: body.description,
        category: body.category,
        severity: body.severity,
        legal_basis: body.legal_basis,
        regulation: body.regulation,
        responsible_agency: body.responsible_agency,
        deadline: body.deadline,
    };
    let key = headers.get(IDEMPOTENCY_KEY).map(|v| v.as_bytes());
    let row = hazards::record_once(Context::from(&state), &caller, id, &input, key).await?;
    Ok((StatusCode::CREATED, Json(hazard_view(&state, row).await?)))
}

/// Filters of the ledger.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    pub enterprise_id: Option<Uuid>,
    /// The responsible (lead) agency, by code.
    pub agency: Option<String>,
    /// The enterprise's district (县区).
    pub district: Option<String>,
    /// open, rectification_submitted or closed.
    pub status: Option<String>,
    /// general or major.
    pub severity: Option<String>,
    /// Only overdue hazards (true) or only those not overdue (false).
    pub overdue: Option<bool>,
    /// Hazards found in this visit.
    pub visit_id: Option<Uuid>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

async fn ledger_filter(state: &AppState, q: &LedgerQuery) -> Result<LedgerFilter, ApiError> {
    // The totals and the export take no page, but refuse a page out of range all the same.
    PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let agency_id = match &q.agency {
        Some(code) => Some(
            onevisit_service::agencies::by_code(&state.db, code)
                .await?
                .id,
        ),
        None => None,
    };
    let status = q
        .status
        .as_deref()
        .map(str::parse::<HazardStatus>)
        .transpose()
        .map_err(|e| ApiError::field("status", e.to_string()))?;
    let severity = q
        .severity
        .as_deref()
        .map(str::parse::<Severity>)
        .transpose()
        .map_err(|e| ApiError::field("severity", e.to_string()))?;
    Ok(LedgerFilter {
        enterprise_id: q.enterprise_id,
        agency_id,
        district: q.district.clone(),
        status,
        severity,
        overdue: q.overdue,
        visit_id: q.visit_id,
    })
}

/// The ledger (台账): the hazards the caller may see, by deadline, with lead and
/// cooperating agencies, status, days overdue and close date.
#[utoipa::path(get, path = "/hazards", operation_id = "list_hazards", tag = "hazards", security(("bearer" = [])),
    params(LedgerQuery),
    responses(
        (status = 200, description = "One page of the ledger", body = Page<LedgerRow>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(q): ValidQuery<LedgerQuery>,
) -> Result<Json<Page<LedgerRow>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let filter = ledger_filter(&state, &q).await?;
    let (items, total) = ledger::page(
        &state.db,
        &caller,
        &filter,
        state.clock.today(),
        limit,
        offset,
    )
    .await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// Totals per district (一县区一清单) of the hazards the caller may see and the filters hold.
#[utoipa::path(get, path = "/hazards/totals", operation_id = "hazard_totals", tag = "hazards", security(("bearer" = [])),
    params(LedgerQuery),
    responses(
        (status = 200, description = "One line per district", body = Vec<DistrictTotals>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn totals(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(q): ValidQuery<LedgerQuery>,
) -> Result<Json<Vec<DistrictTotals>>, ApiError> {
    let filter = ledger_filter(&state, &q).await?;
    Ok(Json(
        ledger::totals(&state.db, &caller, &filter, state.clock.today()).await?,
    ))
}

/// The whole ledger the filters hold (no paging) as CSV: UTF-8 with a byte order mark
/// and a header row.
#[utoipa::path(get, path = "/hazards/export.csv", operation_id = "export_hazards", tag = "hazards", security(("bearer" = [])),
    params(LedgerQuery),
    responses(
        (status = 200, description = "The ledger as CSV", body = String, content_type = "text/csv"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(q): ValidQuery<LedgerQuery>,
) -> Result<Response, ApiError> {
    let filter = ledger_filter(&state, &q).await?;
    let rows = ledger::all(&state.db, &caller, &filter, state.clock.today()).await?;
    let body = ledger::csv(&rows)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"hazard-ledger.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// One hazard with its history, evidence and the steps it allows now.
#[utoipa::path(get, path = "/hazards/{id}", operation_id = "get_hazard", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The hazard", body = HazardView),
        (status = 404, description = "No such hazard for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<HazardView>, ApiError> {
    let row = hazards::find_visible(&state.db, &caller, id).await?;
    Ok(Json(hazard_view(&state, row).await?))
}

async fn step(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    step: Step,
) -> Result<Json<StepAnswer>, ApiError> {
    let done = hazards::take_step(Context::from(state), caller, id, step).await?;
    let follow_up = done.follow_up.as_ref().map(|(r, l)| follow_up_view(r, l));
    Ok(Json(StepAnswer {
        hazard: hazard_view(state, done.hazard).await?,
        follow_up,
    }))
}

/// The enterprise reports the hazard fixed, with a text and evidence files uploaded
/// first. A major hazard's rectification books its re-inspection by the responsible
/// agency, merged into the enterprise's next joint visit when the windows allow.
#[utoipa::path(post, path = "/hazards/{id}/rectification", operation_id = "submit_rectification", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = RectificationBody,
    responses(
        (status = 200, description = "Submitted; for a major hazard with its re-inspection", body = StepAnswer),
        (status = 403, description = "Only the enterprise submits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such hazard for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a step the hazard allows now; the detail lists the allowed ones", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No text, no evidence, or evidence not of this hazard", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit_rectification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<RectificationBody>,
) -> Result<Json<StepAnswer>, ApiError> {
    let s = Step::SubmitRectification {
        text: body.text,
        evidence: body.evidence,
    };
    step(&state, &caller, id, s).await
}

/// The responsible agency verifies the rectification and closes the hazard (销号). A
/// major hazard is closed only on its re-inspection visit, once that visit took place;
/// the close is recorded on that visit.
#[utoipa::path(post, path = "/hazards/{id}/verify", operation_id = "verify_hazard", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = NoteBody,
    responses(
        (status = 200, description = "Closed", body = StepAnswer),
        (status = 403, description = "Only the responsible agency verifies", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such hazard for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a step the hazard allows now, or its re-inspection has not taken place", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<NoteBody>,
) -> Result<Json<StepAnswer>, ApiError> {
    step(&state, &caller, id, Step::Close { note: body.note }).await
}

/// The responsible agency rejects the rectification, with a reason: the hazard is open again.
#[utoipa::path(post, path = "/hazards/{id}/reject", operation_id = "reject_hazard", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Rejected: open again", body = StepAnswer),
        (status = 403, description = "Only the responsible agency rejects", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such hazard for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a step the hazard allows now", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<ReasonBody>,
) -> Result<Json<StepAnswer>, ApiError> {
    step(
        &state,
        &caller,
        id,
        Step::Reject {
            reason: body.reason,
        },
    )
    .await
}

/// The enterprise asks for a later deadline, with a reason; the office decides.
#[utoipa::path(post, path = "/hazards/{id}/extension", operation_id = "request_extension", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ExtensionBody,
    responses(
        (status = 200, description = "Asked; pending the office", body = StepAnswer),
        (status = 403, description = "Only the enterprise asks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such hazard for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a step the hazard allows now", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or a deadline not later", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_extension(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<ExtensionBody>,
) -> Result<Json<StepAnswer>, ApiError> {
    let s = Step::RequestExtension {
        new_deadline: body.new_deadline,
        reason: body.reason,
    };
    step(&state, &caller, id, s).await
}

/// The office approves the pending extension: the deadline moves.
#[utoipa::path(post, path = "/hazards/{id}/extension/approve", operation_id = "approve_extension", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = NoteBody,
    responses(
        (status = 200, description = "Approved", body = StepAnswer),
        (status = 403, description = "Only the office approves", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such hazard for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No extension is pending", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn approve_extension(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<NoteBody>,
) -> Result<Json<StepAnswer>, ApiError> {
    step(
        &state,
        &caller,
        id,
        Step::ApproveExtension { note: body.note },
    )
    .await
}

/// The office refuses the pending extension, with a reason: the deadline stays.
#[utoipa::path(post, path = "/hazards/{id}/extension/refuse", operation_id = "refuse_extension", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Refused", body = StepAnswer),
        (status = 403, description = "Only the office refuses", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such hazard for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No extension is pending", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refuse_extension(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<ReasonBody>,
) -> Result<Json<StepAnswer>, ApiError> {
    step(
        &state,
        &caller,
        id,
        Step::RefuseExtension {
            reason: body.reason,
        },
    )
    .await
}

/// The office escalates an overdue hazard to its responsible agency's leadership, with a
/// note: recorded in the hazard's audit trail and notified (`hazard.escalated`).
#[utoipa::path(post, path = "/hazards/{id}/escalate", operation_id = "escalate_hazard", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = EscalationBody,
    responses(
        (status = 200, description = "Escalated", body = Escalation),
        (status = 403, description = "Only the office escalates", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such hazard", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The hazard is not overdue", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No note", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn escalate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ValidJson(body): ValidJson<EscalationBody>,
) -> Result<Json<Escalation>, ApiError> {
    let (today, now) = (state.clock.today(), state.clock.now());
    Ok(Json(
        office::escalate(&state.db, &caller, id, &body, today, now).await?,
    ))
}

/// The multipart form of an upload: its one field is `file`.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceUpload {
    /// The file: JPEG, PNG or PDF (told by the content), within the size limit.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The header that makes a finding or an upload safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// A multipart field read chunk by chunk (the API's upload and the portal's form).
#[derive(Debug)]
pub struct FieldChunks<'a>(pub Field<'a>);

/// A form that cannot be read: too large for the upload limit, or malformed.
fn unreadable(err: &axum::extract::multipart::MultipartError) -> ServiceError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ServiceError::field("file", "is larger than the upload limit")
    } else {
        ServiceError::Unreadable(format!("the form cannot be read: {}", err.body_text()))
    }
}

impl Chunks for FieldChunks<'_> {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, ServiceError> {
        self.0.chunk().await.map_err(|e| unreadable(&e))
    }
}

/// Adds an evidence file (multipart field `file`) to a hazard the caller may see: the
/// enterprise for its rectification, the agencies and the office for the finding. The
/// type is told by the content (JPEG, PNG, PDF); its SHA-256 is recorded. A refused
/// upload leaves no file behind. With an `Idempotency-Key` header, a retry with the same
/// file answers the file the first request stored and keeps nothing new; the same key
/// with another file or hazard is refused (422).
#[utoipa::path(post, path = "/hazards/{id}/evidence", operation_id = "upload_evidence", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1 to 200 visible ASCII characters, unique per file")),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = EvidenceView),
        (status = 400, description = "Not a multipart form with a field `file`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such hazard for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The hazard is closed", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The request is larger than the upload limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty, over the size limit, or of a type not accepted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Result<(StatusCode, Json<EvidenceView>), ApiError> {
    let key = headers.get(IDEMPOTENCY_KEY).map(|v| v.as_bytes());
    let cx = Context::from(&state);
    // Visibility first: a foreign hazard is 404 before anything is read.
    hazards::find_visible(&state.db, &caller, id).await?;
    loop {
        let field = form
            .next_field()
            .await
            .map_err(|e| unreadable(&e))?
            .ok_or_else(|| ApiError::field("file", "the form has no field `file`"))?;
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("evidence").to_owned();
        let mut chunks = FieldChunks(field);
        let stored = evidence::upload_once(cx, &caller, id, &name, key, &mut chunks).await?;
        return Ok((StatusCode::CREATED, Json(EvidenceView::from(stored))));
    }
}

/// Downloads an evidence file of a hazard the caller may see.
#[utoipa::path(get, path = "/evidence/{id}", operation_id = "download_evidence", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The file, with its content type", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 404, description = "No such file for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn download_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let (file, path) = evidence::find(Context::from(&state), &caller, id).await?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let content_type =
        HeaderValue::from_str(&file.content_type).map_err(|e| ApiError::Internal(e.to_string()))?;
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&file.sha256) {
        headers.insert(HeaderName::from_static("x-content-sha256"), value);
    }
    Ok(response)
}

/// A hazard list in the list of lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeSummary {
    pub id: Uuid,
    pub number: String,
    pub enterprise_id: Uuid,
    pub visit_id: Uuid,
    pub issued_at: DateTime<Utc>,
    /// The printable page.
    pub href: String,
}

/// Filter of the hazard lists.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NoticeQuery {
    pub enterprise_id: Option<Uuid>,
}

/// The hazard lists (整改通知) the caller may see, newest first: an enterprise its own.
#[utoipa::path(get, path = "/notices", operation_id = "list_notices", tag = "hazards", security(("bearer" = [])),
    params(NoticeQuery),
    responses(
        (status = 200, description = "The lists", body = Vec<NoticeSummary>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_notices(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(q): ValidQuery<NoticeQuery>,
) -> Result<Json<Vec<NoticeSummary>>, ApiError> {
    let rows = notice::list(&state.db, &caller, state.clock.today(), q.enterprise_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|n| NoticeSummary {
                number: format!("{}-{:04}", n.year, n.sequence),
                href: format!("/notices/{}/print", n.id),
                id: n.id,
                enterprise_id: n.enterprise_id,
                visit_id: n.visit_id,
                issued_at: n.issued_at,
            })
            .collect(),
    ))
}

/// One hazard list with its hazards.
#[utoipa::path(get, path = "/notices/{id}", operation_id = "get_notice", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The list", body = NoticeView),
        (status = 404, description = "No such list for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_notice(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<NoticeView>, ApiError> {
    Ok(Json(
        notice::view(&state.db, &caller, state.clock.today(), id).await?,
    ))
}

/// The printable hazard list (隐患整改通知书): a self-contained HTML page in UTF-8.
#[utoipa::path(get, path = "/notices/{id}/print", operation_id = "print_notice", tag = "hazards", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The page", body = String, content_type = "text/html"),
        (status = 404, description = "No such list for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn print_notice(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let view = notice::view(&state.db, &caller, state.clock.today(), id).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        notice::html(&view),
    )
        .into_response())
}
