//! Tip-offs (举报): anyone files one without logging in and gets a reference code, with
//! which they can see its status and nothing else. The office triages each: dismissed
//! with a reason, or turned into urgent requests (a window of 5 working days, placed
//! ahead of routine ones, never refused by the burden cap); whether the reporter
//! qualifies for the reward scheme is recorded either way.
//!
//! Filing is limited per address (counted in the database, so every replica agrees).

use crate::audit::Booked;
use crate::booking::{self, AlsoWrite, Landing, NewBooking};
use crate::entities::{
    agency, enterprise, inspection_request, login_throttle, tipoff, tipoff_request,
};
use crate::outbox::{self, Notification};
use crate::views::{self, RequestView};
use crate::{Caller, Role, ServiceError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use onevisit_domain::hazard::vocab::LongText;
use onevisit_domain::{CreditCode, Name, RequestKind, TeamSize, WorkCalendar};
use onevisit_scheduler::periodic::urgent_window;
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use utoipa::ToSchema;
use uuid::Uuid;

/// How many tip-offs one address may file in a window.
#[derive(Debug, Clone, Copy)]
pub struct TipoffLimit {
    pub per_window: i32,
    pub window: Duration,
}

impl Default for TipoffLimit {
    fn default() -> Self {
        Self {
            per_window: 5,
            window: Duration::hours(1),
        }
    }
}

impl TipoffLimit {
    /// Counts a filing from `address`; `Err(seconds)` when the address must wait.
    async fn admit(
        &self,
        db: &DatabaseConnection,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<(), i64>, DbErr> {
        let key = format!("tipoff:{address}");
        match login_throttle::Entity::find_by_id(key.clone())
            .one(db)
            .await?
        {
            Some(row) if now - row.window_started_at <= self.window => {
                if row.failures >= self.per_window {
                    return Ok(Err((row.window_started_at + self.window - now)
                        .num_seconds()
                        .max(1)));
                }
                let filed = row.failures + 1;
                let mut active = row.into_active_model();
                active.failures = Set(filed);
                active.update(db).await?;
            }
            Some(row) => {
                let mut active = row.into_active_model();
                active.failures = Set(1);
                active.window_started_at = Set(now);
                active.update(db).await?;
            }
            None => {
                let first = login_throttle::ActiveModel {
                    key: Set(key),
                    failures: Set(1),
                    window_started_at: Set(now),
                    locked_until: Set(None),
                };
                // Two replicas may count an address's first filing at once; one row is enough.
                if let Err(err) = first.insert(db).await
                    && err.sql_err().is_none()
                {
                    return Err(err);
                }
            }
        }
        Ok(Ok(()))
    }
}

/// Why a tip-off was not filed.
#[derive(Debug, thiserror::Error)]
pub enum FilingError {
    /// 429: the address filed its share of the window; it may file again after the seconds.
    #[error("too many tip-offs from this address")]
    TooMany { retry_after_seconds: i64 },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<DbErr> for FilingError {
    fn from(err: DbErr) -> Self {
        Self::Service(err.into())
    }
}

/// Trimmed, non-empty text of at most 5000 characters, or a problem naming `field`.
pub fn long_text(field: &str, raw: &str) -> Result<String, ServiceError> {
    LongText::parse(raw)
        .map(String::from)
        .map_err(|e| ServiceError::field(field, e.to_string()))
}

/// A report from the public.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TipoffBody {
    /// The enterprise: its unified social credit code, or its name and address as known.
    #[schema(min_length = 1, pattern = "\\S")]
    pub enterprise: String,
    /// What is going on, up to 5000 characters.
    #[schema(min_length = 1, max_length = 5000, pattern = "\\S")]
    pub content: String,
}

/// What the reporter keeps.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TipoffReceipt {
    /// Keep it: the only way to see the tip-off's status later.
    pub reference: String,
    /// received, dismissed or actioned.
    pub status: String,
    pub received_on: NaiveDate,
}

fn reference_code() -> String {
    // 32 symbols without look-alikes (no 0/O, 1/I): 12 of them are 60 random bits.
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let symbols: String = (0..12)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("JB-{}-{}-{}", &symbols[..4], &symbols[4..8], &symbols[8..])
}

fn receipt(row: &tipoff::Model) -> TipoffReceipt {
    TipoffReceipt {
        reference: row.reference.clone(),
        status: row.status.clone(),
        received_on: crate::periodic::china_date(row.created_at),
    }
}

/// Files a tip-off from `address` at `now`, if the address has not filed its share.
pub async fn file(
    db: &DatabaseConnection,
    limit: &TipoffLimit,
    address: &str,
    now: DateTime<Utc>,
    body: &TipoffBody,
) -> Result<TipoffReceipt, FilingError> {
    let named = Name::parse(&body.enterprise)
        .map_err(|e| ServiceError::field("enterprise", e.to_string()))?;
    let content = long_text("content", &body.content)?;
    if let Err(retry_after_seconds) = limit.admit(db, address, now).await? {
        return Err(FilingError::TooMany {
            retry_after_seconds,
        });
    }
    let enterprise_id = match CreditCode::parse(named.as_str()) {
        Ok(code) => enterprise::Entity::find()
            .filter(enterprise::Column::CreditCode.eq(code.as_str()))
            .one(db)
            .await?
            .map(|e| e.id),
        Err(_) => None,
    };
    let txn = db.begin().await?;
    let row = tipoff::ActiveModel {
        id: Set(Uuid::now_v7()),
        reference: Set(reference_code()),
        enterprise_id: Set(enterprise_id),
        enterprise_text: Set(named.to_string()),
        content: Set(content),
        status: Set("received".to_owned()),
        dismiss_reason: Set(None),
        reward_eligible: Set(None),
        created_at: Set(now),
        triaged_at: Set(None),
        triaged_by: Set(None),
    }
    .insert(&txn)
    .await?;
    outbox::enqueue(
        &txn,
        Notification {
            event: "tipoff.received",
            payload: serde_json::json!({
                "tipoff_id": row.id,
                "enterprise": row.enterprise_text,
                "enterprise_id": row.enterprise_id,
            }),
            also_to: None,
            dedupe_key: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(receipt(&row))
}

/// A tip-off's status, by its reference code (case and surrounding blanks ignored).
pub async fn status<C: ConnectionTrait>(
    db: &C,
    reference: &str,
) -> Result<TipoffReceipt, ServiceError> {
    tipoff::Entity::find()
        .filter(tipoff::Column::Reference.eq(reference.trim().to_uppercase()))
        .one(db)
        .await?
        .map(|row| receipt(&row))
        .ok_or(ServiceError::NotFound)
}

/// A tip-off as the office sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TipoffView {
    pub id: Uuid,
    pub reference: String,
    /// The enterprise when the report named a registered one by its credit code.
    pub enterprise_id: Option<Uuid>,
    /// The enterprise as the reporter named it.
    pub enterprise: String,
    pub content: String,
    /// received, dismissed or actioned.
    pub status: String,
    pub dismiss_reason: Option<String>,
    /// Whether the reporter qualifies for the reward scheme (unset until triaged).
    pub reward_eligible: Option<bool>,
    pub created_at: DateTime<Utc>,
    pub triaged_at: Option<DateTime<Utc>>,
    /// The urgent requests it was turned into.
    pub requests: Vec<RequestView>,
}

async fn tipoff_view<C: ConnectionTrait>(db: &C, row: tipoff::Model) -> Result<TipoffView, DbErr> {
    let ids: Vec<Uuid> = tipoff_request::Entity::find()
        .select_only()
        .column(tipoff_request::Column::RequestId)
        .filter(tipoff_request::Column::TipoffId.eq(row.id))
        .into_tuple()
        .all(db)
        .await?;
    let requests = inspection_request::Entity::find()
        .filter(inspection_request::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(TipoffView {
        id: row.id,
        reference: row.reference,
        enterprise_id: row.enterprise_id,
        enterprise: row.enterprise_text,
        content: row.content,
        status: row.status,
        dismiss_reason: row.dismiss_reason,
        reward_eligible: row.reward_eligible,
        created_at: row.created_at,
        triaged_at: row.triaged_at,
        requests: views::requests(db, requests).await?,
    })
}

const OFFICE: [Role; 2] = [Role::Coordinator, Role::Admin];

/// One page of the tip-offs (those in `status`, if given), oldest first, for the office
/// to triage; and how many there are in all.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    status: Option<&str>,
    limit: u64,
    offset: u64,
) -> Result<(Vec<TipoffView>, u64), ServiceError> {
    caller.require(&OFFICE)?;
    let mut query = tipoff::Entity::find();
    if let Some(status) = status {
        query = query.filter(tipoff::Column::Status.eq(status));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(tipoff::Column::CreatedAt)
        .order_by_asc(tipoff::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(tipoff_view(db, row).await?);
    }
    Ok((items, total))
}

/// The tip-off, still to be triaged; locked until the end of `db`'s transaction, so
/// that two triages of it do not both go through.
async fn untriaged<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<tipoff::Model, ServiceError> {
    let row = tipoff::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if row.status != "received" {
        return Err(ServiceError::Conflict(format!(
            "the tip-off was {} already",
            row.status
        )));
    }
    Ok(row)
}

/// Dismissing a tip-off.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissBody {
    pub reason: String,
    #[serde(default)]
    pub reward_eligible: bool,
}

/// Dismisses a tip-off with a reason.
pub async fn dismiss(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    body: &DismissBody,
    now: DateTime<Utc>,
) -> Result<TipoffView, ServiceError> {
    caller.require(&OFFICE)?;
    let reason = long_text("reason", &body.reason)?;
    let txn = db.begin().await?;
    let row = untriaged(&txn, id).await?;
    let mut active = row.into_active_model();
    active.status = Set("dismissed".to_owned());
    active.dismiss_reason = Set(Some(reason));
    active.reward_eligible = Set(Some(body.reward_eligible));
    active.triaged_at = Set(Some(now));
    active.triaged_by = Set(Some(caller.user_id));
    let row = active.update(&txn).await?;
    outbox::enqueue(
        &txn,
        Notification {
            event: "tipoff.dismissed",
            payload: serde_json::json!({"tipoff_id": row.id, "reason": row.dismiss_reason}),
            also_to: None,
            dedupe_key: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(tipoff_view(db, row).await?)
}

/// What a tip-off's urgent booking writes with each request: the audit entries and the
/// link to the tip-off.
struct TipoffLink<'a> {
    booked: Booked<'a>,
    tipoff_id: Uuid,
}

impl AlsoWrite for TipoffLink<'_> {
    fn write<'b>(
        &'b self,
        txn: &'b DatabaseTransaction,
        request: &'b inspection_request::Model,
        landing: &'b Landing,
    ) -> Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send + 'b>> {
        Box::pin(async move {
            self.booked.write(txn, request, landing).await?;
            tipoff_request::ActiveModel {
                request_id: Set(request.id),
                tipoff_id: Set(self.tipoff_id),
            }
            .insert(txn)
            .await
            .map(|_| ())
        })
    }
}

/// An agency sent on a tip-off.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UrgentTeam {
    /// The agency's code.
    #[schema(min_length = 1, pattern = "\\S")]
    pub agency: String,
    /// Inspectors the agency sends, 1 to 20.
    #[schema(minimum = 1, maximum = 20)]
    pub team_size: i64,
}

/// Turning a tip-off into urgent requests.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActBody {
    pub enterprise_id: Uuid,
    pub agencies: Vec<UrgentTeam>,
    #[serde(default)]
    pub reward_eligible: bool,
}

/// Turns a tip-off into one urgent request per agency: a window of 5 working days from
/// `today`, placed ahead of routine requests, never refused by the burden cap.
pub async fn act(
    db: &DatabaseConnection,
    calendar: &WorkCalendar,
    caller: &Caller,
    id: Uuid,
    body: &ActBody,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<TipoffView, ServiceError> {
    caller.require(&OFFICE)?;
    // The requests, the tip-off's new status and the notification: one transaction.
    let txn = db.begin().await?;
    let row = untriaged(&txn, id).await?;
    if enterprise::Entity::find_by_id(body.enterprise_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(ServiceError::field("enterprise_id", "no such enterprise"));
    }
    if body.agencies.is_empty() {
        return Err(ServiceError::field(
            "agencies",
            "at least one agency is sent",
        ));
    }
    let mut teams = Vec::with_capacity(body.agencies.len());
    for (i, team) in body.agencies.iter().enumerate() {
        let found = agency::Entity::find()
            .filter(agency::Column::Code.eq(team.agency.as_str()))
            .one(db)
            .await?
            .ok_or_else(|| {
                ServiceError::field(format!("agencies[{i}].agency"), "no such agency")
            })?;
        let size = TeamSize::new(team.team_size)
            .map_err(|e| ServiceError::field(format!("agencies[{i}].team_size"), e.to_string()))?;
        teams.push((found.id, size));
    }
    let window = urgent_window(today, calendar);
    let link = TipoffLink {
        booked: Booked {
            by: caller.into(),
            at: now,
            action: "book",
        },
        tipoff_id: row.id,
    };
    let mut requests = Vec::with_capacity(teams.len());
    for (agency_id, size) in teams {
        let booking = NewBooking {
            agency_id,
            enterprise_id: body.enterprise_id,
            window,
            team_size: size.get(),
            kind: RequestKind::Urgent,
            topics: vec![format!("tip-off {}", row.reference)],
            idempotency_key: None,
            body_hash: None,
            // Tip-off inspections are unannounced.
            announced: false,
            crew: booking::Crew::Planned,
        };
        let (request, _) = booking::book(&txn, calendar, today, &booking, &link)
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        requests.push(request.id);
    }
    let mut active = row.into_active_model();
    active.status = Set("actioned".to_owned());
    active.reward_eligible = Set(Some(body.reward_eligible));
    active.triaged_at = Set(Some(now));
    active.triaged_by = Set(Some(caller.user_id));
    let row = active.update(&txn).await?;
    outbox::enqueue(
        &txn,
        Notification {
            event: "tipoff.actioned",
            payload: serde_json::json!({"tipoff_id": row.id, "requests": requests}),
            also_to: None,
            dedupe_key: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(tipoff_view(db, row).await?)
}
