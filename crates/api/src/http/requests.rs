//! Inspection requests: agencies book them and see where they landed.

use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::NaiveDate;
use onevisit_domain::{DateRange, Name, RequestKind, TeamSize};
use onevisit_service::access;
use onevisit_service::booking::{self, BookingError, Landing, NewBooking};
use onevisit_service::entities::{booking_response, inspection_request};
use onevisit_service::views::{self, RequestView, VisitView};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What an agency books.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingBody {
    pub enterprise_id: Uuid,
    /// First day the visit may take place.
    pub earliest: NaiveDate,
    /// Last day the visit may take place.
    pub latest: NaiveDate,
    /// Inspectors the agency sends, 1 to 20.
    #[schema(minimum = 1, maximum = 20)]
    pub team_size: i64,
    /// routine (default), follow_up or urgent.
    #[serde(default = "routine")]
    pub kind: String,
    /// What the agency will check.
    #[serde(default)]
    pub topics: Vec<String>,
}

fn routine() -> String {
    "routine".to_owned()
}

/// Where a booked request landed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlacementView {
    /// joined (an existing visit), new_visit, or unscheduled.
    pub outcome: String,
    /// The visit it is in, with every agency's team.
    pub visit: Option<VisitView>,
    /// Why it could not be placed: no_open_day, enterprise_cap, agency_capacity, no_inspector.
    pub reason: Option<String>,
}

/// The answer to a booking.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BookingResponse {
    pub request: RequestView,
    pub placement: PlacementView,
}

/// The longest `Idempotency-Key` accepted.
const MAX_KEY: usize = 200;

fn checked(
    body: &BookingBody,
    today: NaiveDate,
) -> Result<(DateRange, TeamSize, RequestKind, Vec<String>), ApiError> {
    let mut errors = Vec::new();
    let mut note = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.to_owned(),
            message,
        });
    };
    let window = DateRange::new(body.earliest, body.latest)
        .map_err(|e| note("latest", e.to_string()))
        .ok();
    if body.latest < today {
        note("latest", format!("{} is in the past", body.latest));
    }
    let team = TeamSize::new(body.team_size)
        .map_err(|e| note("team_size", e.to_string()))
        .ok();
    let kind = body
        .kind
        .parse::<RequestKind>()
        .map_err(|e| note("kind", e.to_string()))
        .ok();
    let mut topics = Vec::new();
    if body.topics.len() > 20 {
        note("topics", "at most 20 topics".to_owned());
    }
    for (i, t) in body.topics.iter().enumerate() {
        match Name::parse(t) {
            Ok(n) => topics.push(n.to_string()),
            Err(e) => note(&format!("topics[{i}]"), e.to_string()),
        }
    }
    match (window, team, kind, errors.is_empty()) {
        (Some(w), Some(t), Some(k), true) => Ok((w, t, k, topics)),
        _ => Err(ApiError::Validation(errors)),
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY)
        .ok_or_else(|| {
            ApiError::field(
                "Idempotency-Key",
                format!("must be 1 to {MAX_KEY} visible ASCII characters"),
            )
        })?;
    Ok(Some(key.to_owned()))
}

/// Replays the first answer to a retried booking, or refuses a key reused with another body.
async fn replay(
    state: &AppState,
    agency_id: Uuid,
    key: &str,
    body_hash: &str,
) -> Result<Option<BookingResponse>, ApiError> {
    let Some(first) = inspection_request::Entity::find()
        .filter(inspection_request::Column::AgencyId.eq(agency_id))
        .filter(inspection_request::Column::IdempotencyKey.eq(key))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    if first.body_hash.as_deref() != Some(body_hash) {
        return Err(ApiError::field(
            "Idempotency-Key",
            "was used before with another body",
        ));
    }
    if let Some(stored) = booking_response::Entity::find_by_id(first.id)
        .one(&state.db)
        .await?
        && let Ok(response) = serde_json::from_value(stored.response)
    {
        return Ok(Some(response));
    }
    // A keyed booking stores its answer in its own transaction; one booked before that
    // was so may have none (the process died in between): tell it as it stands.
    let landing = match (first.visit_id, first.unscheduled_reason.as_deref()) {
        (Some(visit_id), _) => Landing::Joined {
            visit_id,
            date: first.earliest,
        },
        (None, reason) => Landing::Unscheduled {
            reason: reason
                .and_then(reason_code)
                .unwrap_or(onevisit_scheduler::Reason::NoOpenDay),
        },
    };
    Ok(Some(response(&state.db, first, &landing).await?))
}

fn reason_code(raw: &str) -> Option<onevisit_scheduler::Reason> {
    use onevisit_scheduler::Reason;
    [
        Reason::UnknownReference,
        Reason::NoOpenDay,
        Reason::EnterpriseCap,
        Reason::AgencyCapacity,
        Reason::NoInspector,
    ]
    .into_iter()
    .find(|r| r.as_str() == raw)
}

async fn response<C: sea_orm::ConnectionTrait>(
    db: &C,
    request: inspection_request::Model,
    landing: &Landing,
) -> Result<BookingResponse, DbErr> {
    let (agency, visit) = views::booked(db, request.agency_id, request.visit_id).await?;
    let (outcome, reason) = match landing {
        Landing::Joined { .. } => ("joined", None),
        Landing::NewVisit { .. } => ("new_visit", None),
        Landing::Unscheduled { reason } => ("unscheduled", Some(reason.as_str().to_owned())),
    };
    Ok(BookingResponse {
        request: RequestView::of(request, agency),
        placement: PlacementView {
            outcome: outcome.to_owned(),
            visit,
            reason,
        },
    })
}

/// Books an inspection request for the caller's agency and tells where it landed: the
/// joint visit it joined, the new visit proposed for it, or why it cannot be placed.
/// With an `Idempotency-Key` header, a retry with the same body returns the first
/// answer and books nothing; the same key with another body is refused (422).
#[utoipa::path(post, path = "/requests", operation_id = "book_request", tag = "requests", security(("bearer" = [])),
    request_body = BookingBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Booked", body = BookingResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agency staff book", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn book(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<BookingBody>,
) -> Result<(StatusCode, Json<BookingResponse>), ApiError> {
    caller.require(&[Role::Agency])?;
    let agency_id = caller.agency_id.ok_or(ApiError::Forbidden)?;
    let today = state.clock.today();
    let key = idempotency_key(&headers)?;
    let body_hash = format!(
        "{:x}",
        Sha256::digest(serde_json::to_vec(&body).map_err(|e| ApiError::Internal(e.to_string()))?)
    );
    if let Some(key) = &key
        && let Some(first) = replay(&state, agency_id, key, &body_hash).await?
    {
        return Ok((StatusCode::CREATED, Json(first)));
    }
    // Agency staff may book any enterprise (`access::enterprises`): the booking itself
    // finds out whether it exists.
    let (window, team_size, kind, topics) = checked(&body, today)?;
    let booking = NewBooking {
        agency_id,
        enterprise_id: body.enterprise_id,
        window,
        team_size: team_size.get(),
        kind,
        topics,
        idempotency_key: key.clone(),
        body_hash: key.as_ref().map(|_| body_hash.clone()),
        announced: true,
        crew: booking::Crew::Planned,
    };
    let audit = onevisit_service::audit::Booked {
        by: (&caller).into(),
        at: chrono::Utc::now(),
        action: "book",
    };
    let also = Answered {
        audit,
        keep: key.is_some(),
        answer: Mutex::new(None),
    };
    let (request, landing) =
        match booking::book(&state.db, &state.calendar, today, &booking, &also).await {
            Ok(done) => done,
            // A concurrent retry with the same key won the race: answer as it did.
            Err(err @ BookingError::Contended) => match &key {
                Some(key) => match replay(&state, agency_id, key, &body_hash).await? {
                    Some(first) => return Ok((StatusCode::CREATED, Json(first))),
                    None => return Err(ApiError::Unavailable(err.to_string())),
                },
                None => return Err(ApiError::Unavailable(err.to_string())),
            },
            Err(BookingError::UnknownEnterprise) => {
                return Err(ApiError::field("enterprise_id", "no such enterprise"));
            }
            Err(err) => return Err(ApiError::Internal(err.to_string())),
        };
    // A keyed booking answers what it stored; a retry, however soon, gets the same.
    let stored = also.answer.lock().ok().and_then(|mut a| a.take());
    let answer = match stored {
        Some(answer) => answer,
        None => response(&state.db, request, &landing).await?,
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// What a booking through the API writes with the request: the audit entries and, when
/// it has an `Idempotency-Key`, its answer, in the same transaction: a retry that finds
/// the request also finds the answer to replay.
struct Answered<'a> {
    audit: onevisit_service::audit::Booked<'a>,
    keep: bool,
    /// The answer stored by the attempt that committed.
    answer: Mutex<Option<BookingResponse>>,
}

impl booking::AlsoWrite for Answered<'_> {
    fn write<'b>(
        &'b self,
        txn: &'b sea_orm::DatabaseTransaction,
        request: &'b inspection_request::Model,
        landing: &'b Landing,
    ) -> Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send + 'b>> {
        Box::pin(async move {
            self.audit.write(txn, request, landing).await?;
            if self.keep {
                let answer = response(txn, request.clone(), landing).await?;
                booking_response::ActiveModel {
                    request_id: Set(request.id),
                    response: Set(
                        serde_json::to_value(&answer).map_err(|e| DbErr::Custom(e.to_string()))?
                    ),
                }
                .insert(txn)
                .await?;
                if let Ok(mut slot) = self.answer.lock() {
                    *slot = Some(answer);
                }
            }
            Ok(())
        })
    }
}

/// Filters of the request list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestFilter {
    pub status: Option<String>,
    pub enterprise_id: Option<Uuid>,
    /// Requests of this agency (by code); agency staff see only their own anyway.
    pub agency: Option<String>,
    /// Requests whose window ends on or after this day.
    pub from: Option<NaiveDate>,
    /// Requests whose window starts on or before this day.
    pub to: Option<NaiveDate>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The caller's requests (the office sees every agency's).
#[utoipa::path(get, path = "/requests", operation_id = "list_requests", tag = "requests", security(("bearer" = [])),
    params(RequestFilter),
    responses(
        (status = 200, description = "One page of requests", body = Page<RequestView>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(filter): ValidQuery<RequestFilter>,
) -> Result<Json<Page<RequestView>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let mut query = inspection_request::Entity::find().filter(access::requests(&caller));
    if let Some(status) = &filter.status {
        query = query.filter(inspection_request::Column::Status.eq(status));
    }
    if let Some(enterprise) = filter.enterprise_id {
        query = query.filter(inspection_request::Column::EnterpriseId.eq(enterprise));
    }
    if let Some(code) = &filter.agency {
        let agency = crate::http::admin::agency_by_code(&state.db, code).await?;
        query = query.filter(inspection_request::Column::AgencyId.eq(agency.id));
    }
    if let Some(from) = filter.from {
        query = query.filter(inspection_request::Column::Latest.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(inspection_request::Column::Earliest.lte(to));
    }
    let total = query.clone().count(&state.db).await?;
    let rows = query
        .order_by_asc(inspection_request::Column::Earliest)
        .order_by_asc(inspection_request::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(&state.db)
        .await?;
    Ok(Json(Page {
        items: views::requests(&state.db, rows).await?,
        total,
        limit,
        offset,
    }))
}

async fn visible(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<inspection_request::Model, ApiError> {
    inspection_request::Entity::find_by_id(id)
        .filter(access::requests(caller))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// One request.
#[utoipa::path(get, path = "/requests/{id}", operation_id = "get_request", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The request", body = RequestView),
        (status = 404, description = "No such request for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<RequestView>, ApiError> {
    let row = visible(&state, &caller, id).await?;
    let view = views::requests(&state.db, vec![row])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    Ok(Json(view))
}

/// Cancels one of the caller's requests. A visit left without requests of the agency
/// loses the agency's team; a visit left without any request is cancelled.
#[utoipa::path(post, path = "/requests/{id}/cancel", operation_id = "cancel_request", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Cancelled", body = RequestView),
        (status = 404, description = "No such request for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled, or its visit has begun", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<RequestView>, ApiError> {
    caller.require(&[Role::Agency, Role::Coordinator, Role::Admin])?;
    let row = visible(&state, &caller, id).await?;
    let cancelled = onevisit_service::store::cancel_request(&state.db, &caller, row).await?;
    let view = views::requests(&state.db, vec![cancelled])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    Ok(Json(view))
}
