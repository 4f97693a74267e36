//! Inspection requests: agencies book them and see where they landed.

use crate::booking::{self, BookingError, Landing, NewBooking};
use crate::entities::{booking_response, inspection_request};
use crate::store::{self, CancelError};
use crate::views::{self, RequestView, VisitView};
use crate::{Caller, FieldError, Role, ServiceError, access, agencies, audit};
use chrono::NaiveDate;
use onevisit_domain::{DateRange, Name, RequestKind, TeamSize, WorkCalendar};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
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
    // Text, parsed into a `RequestKind` by `checked`: a wrong kind is reported in the
    // domain's words together with every other wrong field, as serde could not.
    #[serde(default = "routine")]
    pub kind: String,
    /// What the agency will check.
    #[serde(default)]
    pub topics: Vec<String>,
}

fn routine() -> String {
    "routine".to_owned()
}

/// Why a request is cancelled (kept in the audit log).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelReason {
    pub reason: String,
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

fn checked(
    body: &BookingBody,
    today: NaiveDate,
) -> Result<(DateRange, TeamSize, RequestKind, Vec<String>), ServiceError> {
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
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// The longest idempotency key accepted.
const MAX_KEY: usize = 200;

/// The idempotency key as sent (the `Idempotency-Key` header's bytes), trimmed: 1 to
/// [`MAX_KEY`] visible ASCII characters.
pub(crate) fn idempotency_key(raw: Option<&[u8]>) -> Result<Option<String>, ServiceError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let visible = |b: u8| b == b'\t' || (b' '..=b'~').contains(&b);
    let key = std::str::from_utf8(raw)
        .ok()
        .filter(|k| k.bytes().all(visible))
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY)
        .ok_or_else(|| {
            ServiceError::field(
                "Idempotency-Key",
                format!("must be 1 to {MAX_KEY} visible ASCII characters"),
            )
        })?;
    Ok(Some(key.to_owned()))
}

/// Replays the first answer to a retried booking, or refuses a key reused with another body.
async fn replay<C: ConnectionTrait>(
    db: &C,
    agency_id: Uuid,
    key: &str,
    body_hash: &str,
) -> Result<Option<BookingResponse>, ServiceError> {
    let Some(first) = inspection_request::Entity::find()
        .filter(inspection_request::Column::AgencyId.eq(agency_id))
        .filter(inspection_request::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if first.body_hash.as_deref() != Some(body_hash) {
        return Err(ServiceError::field(
            "Idempotency-Key",
            "was used before with another body",
        ));
    }
    if let Some(stored) = booking_response::Entity::find_by_id(first.id)
        .one(db)
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
    Ok(Some(response(db, first, &landing).await?))
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

async fn response<C: ConnectionTrait>(
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

/// Books an inspection request for the caller's agency (agency staff only) and tells
/// where it landed: the joint visit it joined, the new visit proposed for it, or why it
/// cannot be placed. With an idempotency key, a retry with the same body returns the
/// first answer and books nothing; the same key with another body is invalid.
pub async fn book_request(
    db: &DatabaseConnection,
    calendar: &WorkCalendar,
    today: NaiveDate,
    caller: &Caller,
    key: Option<&[u8]>,
    body: &BookingBody,
) -> Result<BookingResponse, ServiceError> {
    caller.require(&[Role::Agency])?;
    let agency_id = caller.agency_id.ok_or(ServiceError::Forbidden)?;
    let key = idempotency_key(key)?;
    let body_hash = format!(
        "{:x}",
        Sha256::digest(
            serde_json::to_vec(body).map_err(|e| ServiceError::Internal(e.to_string()))?
        )
    );
    if let Some(key) = &key
        && let Some(first) = replay(db, agency_id, key, &body_hash).await?
    {
        return Ok(first);
    }
    // Agency staff may book any enterprise (`access::enterprises`): the booking itself
    // finds out whether it exists.
    let (window, team_size, kind, topics) = checked(body, today)?;
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
    let audit = audit::Booked {
        by: caller.into(),
        at: chrono::Utc::now(),
        action: "book",
    };
    let also = Answered {
        audit,
        keep: key.is_some(),
        answer: Mutex::new(None),
    };
    let (request, landing) = match booking::book(db, calendar, today, &booking, &also).await {
        Ok(done) => done,
        // A concurrent retry with the same key won the race: answer as it did.
        Err(err @ BookingError::Contended) => match &key {
            Some(key) => match replay(db, agency_id, key, &body_hash).await? {
                Some(first) => return Ok(first),
                None => return Err(ServiceError::Unavailable(err.to_string())),
            },
            None => return Err(ServiceError::Unavailable(err.to_string())),
        },
        Err(BookingError::UnknownEnterprise) => {
            return Err(ServiceError::field("enterprise_id", "no such enterprise"));
        }
        Err(err) => return Err(ServiceError::Internal(err.to_string())),
    };
    // A keyed booking answers what it stored; a retry, however soon, gets the same.
    let stored = also.answer.lock().ok().and_then(|mut a| a.take());
    match stored {
        Some(answer) => Ok(answer),
        None => Ok(response(db, request, &landing).await?),
    }
}

/// What a booking through the API writes with the request: the audit entries and, when
/// it has an `Idempotency-Key`, its answer, in the same transaction: a retry that finds
/// the request also finds the answer to replay.
struct Answered<'a> {
    audit: audit::Booked<'a>,
    keep: bool,
    /// The answer stored by the attempt that committed.
    answer: Mutex<Option<BookingResponse>>,
}

impl booking::AlsoWrite for Answered<'_> {
    fn write<'b>(
        &'b self,
        txn: &'b DatabaseTransaction,
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

/// One page of the caller's requests (the office sees every agency's), by window, and
/// how many match in all.
pub async fn list_requests<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    filter: &RequestFilter,
    (limit, offset): (u64, u64),
) -> Result<(Vec<RequestView>, u64), ServiceError> {
    let mut query = inspection_request::Entity::find().filter(access::requests(caller));
    if let Some(status) = &filter.status {
        query = query.filter(inspection_request::Column::Status.eq(status));
    }
    if let Some(enterprise) = filter.enterprise_id {
        query = query.filter(inspection_request::Column::EnterpriseId.eq(enterprise));
    }
    if let Some(code) = &filter.agency {
        let agency = agencies::by_code(db, code).await?;
        query = query.filter(inspection_request::Column::AgencyId.eq(agency.id));
    }
    if let Some(from) = filter.from {
        query = query.filter(inspection_request::Column::Latest.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(inspection_request::Column::Earliest.lte(to));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(inspection_request::Column::Earliest)
        .order_by_asc(inspection_request::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((views::requests(db, rows).await?, total))
}

/// A request with where it landed: the enterprise's name and, when it is in one, the
/// joint visit with every agency's team.
#[derive(Debug, Clone)]
pub struct PlacedRequest {
    pub request: RequestView,
    pub enterprise_name: String,
    pub visit: Option<VisitView>,
}

/// One page of the caller's requests as [`list_requests`] gives it, each with its
/// enterprise's name and the visit it is in (as `GET /visits/{id}` shows it to the
/// caller on `today`).
pub async fn list_placed<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    today: NaiveDate,
    filter: &RequestFilter,
    page: (u64, u64),
) -> Result<(Vec<PlacedRequest>, u64), ServiceError> {
    let (requests, total) = list_requests(db, caller, filter, page).await?;
    Ok((placed(db, caller, today, requests).await?, total))
}

/// One request the caller may see, with where it landed as [`list_placed`] tells it.
pub async fn get_placed<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    today: NaiveDate,
    id: Uuid,
) -> Result<PlacedRequest, ServiceError> {
    let request = get_request(db, caller, id).await?;
    placed(db, caller, today, vec![request])
        .await?
        .pop()
        .ok_or(ServiceError::NotFound)
}

/// `requests` with their enterprises' names and their visits, in two queries.
async fn placed<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    today: NaiveDate,
    requests: Vec<RequestView>,
) -> Result<Vec<PlacedRequest>, ServiceError> {
    use crate::entities::{enterprise, joint_visit};
    let visit_ids: Vec<Uuid> = requests.iter().filter_map(|r| r.visit_id).collect();
    let wanted = u64::try_from(visit_ids.len()).unwrap_or(u64::MAX);
    let condition = access::visits(caller, today).add(joint_visit::Column::Id.is_in(visit_ids));
    let (visits, _) = views::visit_page(db, condition, wanted.max(1), 0).await?;
    let names: std::collections::BTreeMap<Uuid, String> = enterprise::Entity::find()
        .filter(access::enterprises(caller))
        .filter(enterprise::Column::Id.is_in(requests.iter().map(|r| r.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    Ok(requests
        .into_iter()
        .map(|request| PlacedRequest {
            enterprise_name: names
                .get(&request.enterprise_id)
                .cloned()
                .unwrap_or_default(),
            visit: request
                .visit_id
                .and_then(|id| visits.iter().find(|v| v.id == id).cloned()),
            request,
        })
        .collect())
}

async fn visible<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<inspection_request::Model, ServiceError> {
    inspection_request::Entity::find_by_id(id)
        .filter(access::requests(caller))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

async fn view<C: ConnectionTrait>(
    db: &C,
    row: inspection_request::Model,
) -> Result<RequestView, ServiceError> {
    views::requests(db, vec![row])
        .await?
        .pop()
        .ok_or(ServiceError::NotFound)
}

/// One request the caller may see.
pub async fn get_request<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<RequestView, ServiceError> {
    let row = visible(db, caller, id).await?;
    view(db, row).await
}

/// Cancels one of the caller's requests (agency staff, the office), with the reason, if
/// given, in the audit log (given, it must say something). A visit left without
/// requests of the agency loses the agency's team; a visit left without any request is
/// cancelled.
pub async fn cancel_request(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    reason: Option<&str>,
) -> Result<RequestView, ServiceError> {
    caller.require(&[Role::Agency, Role::Coordinator, Role::Admin])?;
    let reason = reason
        .map(crate::visit_actions::required_reason)
        .transpose()?;
    let row = visible(db, caller, id).await?;
    let cancelled = store::cancel_request(db, caller, row, reason).await?;
    view(db, cancelled).await
}

impl From<CancelError> for ServiceError {
    fn from(err: CancelError) -> Self {
        match err {
            CancelError::Database(e) => e.into(),
            other => Self::Conflict(other.to_string()),
        }
    }
}
