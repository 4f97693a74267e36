//! The audit trail: every change to a hazard, a visit or a request, written in the
//! transaction of the change. Entries are only ever added; the database refuses
//! UPDATE and DELETE on the table (see migration 000006), and no route changes one.
//! Each caller reads the entries about what they may see.

use crate::booking::{AlsoWrite, Landing};
use crate::entities::{audit_entry, hazard, inspection_request, joint_visit, scheduling_ask};
use crate::{Caller, ServiceError, access};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::future::Future;
use std::pin::Pin;
use utoipa::ToSchema;
use uuid::Uuid;

/// What an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Hazard(Uuid),
    Visit(Uuid),
    Request(Uuid),
    Enterprise(Uuid),
    /// An enterprise's scheduling ask (a quiet period, a recusal).
    Ask(Uuid),
}

impl Subject {
    pub fn entity(self) -> &'static str {
        match self {
            Self::Hazard(_) => "hazard",
            Self::Visit(_) => "visit",
            Self::Request(_) => "request",
            Self::Enterprise(_) => "enterprise",
            Self::Ask(_) => "scheduling_ask",
        }
    }

    pub fn id(self) -> Uuid {
        match self {
            Self::Hazard(id)
            | Self::Visit(id)
            | Self::Request(id)
            | Self::Enterprise(id)
            | Self::Ask(id) => id,
        }
    }
}

/// One change: what, from which value to which, and why.
#[derive(Debug, Clone)]
pub struct Change {
    pub subject: Subject,
    pub action: &'static str,
    pub from: Option<Value>,
    pub to: Option<Value>,
    pub reason: Option<String>,
}

impl Change {
    pub fn new(subject: Subject, action: &'static str) -> Self {
        Self {
            subject,
            action,
            from: None,
            to: None,
            reason: None,
        }
    }

    pub fn from_to(mut self, from: Option<Value>, to: Option<Value>) -> Self {
        self.from = from;
        self.to = to;
        self
    }

    pub fn because(mut self, reason: Option<String>) -> Self {
        self.reason = reason;
        self
    }
}

/// Who made a change: a signed-in user, or one of the service's own jobs (a plan
/// firing, the nightly re-plan, the overdue check), named by the job.
#[derive(Debug, Clone, Copy)]
pub enum Author<'a> {
    User(&'a Caller),
    Job(&'a str),
}

impl<'a> From<&'a Caller> for Author<'a> {
    fn from(caller: &'a Caller) -> Self {
        Self::User(caller)
    }
}

/// The row of `change`, made by `by` at `at`.
pub fn entry<'a>(
    by: impl Into<Author<'a>>,
    at: DateTime<Utc>,
    change: Change,
) -> audit_entry::ActiveModel {
    let (actor_id, actor, actor_role) = match by.into() {
        Author::User(caller) => (
            Some(caller.user_id),
            caller.username.clone(),
            caller.role.as_str().to_owned(),
        ),
        Author::Job(job) => (None, job.to_owned(), "system".to_owned()),
    };
    audit_entry::ActiveModel {
        id: NotSet,
        at: Set(at),
        actor_id: Set(actor_id),
        actor: Set(actor),
        actor_role: Set(actor_role),
        entity: Set(change.subject.entity().to_owned()),
        entity_id: Set(change.subject.id()),
        action: Set(change.action.to_owned()),
        from_value: Set(change.from),
        to_value: Set(change.to),
        reason: Set(change.reason),
    }
}

/// Appends `change`, made by `by` at `at`, in the caller's transaction.
pub async fn record<'a, C: ConnectionTrait>(
    db: &C,
    by: impl Into<Author<'a>>,
    at: DateTime<Utc>,
    change: Change,
) -> Result<(), DbErr> {
    audit_entry::Entity::insert(entry(by, at, change))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The entries of a booking, written with it: the request, and the visit it opened or
/// joined.
#[derive(Debug)]
pub struct Booked<'a> {
    pub by: Author<'a>,
    pub at: DateTime<Utc>,
    /// book, or follow_up for a re-inspection booked by a hazard's rectification.
    pub action: &'static str,
}

impl AlsoWrite for Booked<'_> {
    fn write<'b>(
        &'b self,
        txn: &'b DatabaseTransaction,
        request: &'b inspection_request::Model,
        landing: &'b Landing,
    ) -> Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send + 'b>> {
        Box::pin(async move {
            let to = json!({
                "status": request.status,
                "kind": request.kind,
                "earliest": request.earliest,
                "latest": request.latest,
                "visit_id": request.visit_id,
                "unscheduled_reason": request.unscheduled_reason,
            });
            let mut entries = vec![entry(
                self.by,
                self.at,
                Change::new(Subject::Request(request.id), self.action).from_to(None, Some(to)),
            )];
            let visit = match landing {
                Landing::Joined { visit_id, date } => Some((
                    *visit_id,
                    "request_joined",
                    json!({"request_id": request.id, "agency_id": request.agency_id, "date": date}),
                )),
                Landing::NewVisit { visit_id, date } => Some((
                    *visit_id,
                    "proposed",
                    json!({"status": "proposed", "date": date, "request_id": request.id}),
                )),
                Landing::Unscheduled { .. } => None,
            };
            if let Some((visit_id, action, to)) = visit {
                let change = Change::new(Subject::Visit(visit_id), action).from_to(None, Some(to));
                entries.push(entry(self.by, self.at, change));
            }
            // One statement for both: a booking's round trips are most of its cost.
            audit_entry::Entity::insert_many(entries)
                .exec_without_returning(txn)
                .await?;
            Ok(())
        })
    }
}

// Reading the trail.

/// One entry: who, when, what changed from what to what, and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    /// Entries are numbered in the order they were written.
    pub id: i32,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    /// The username.
    pub actor: String,
    pub actor_role: String,
    /// hazard, visit or request.
    pub entity: String,
    pub entity_id: Uuid,
    pub action: String,
    pub from: Option<serde_json::Value>,
    pub to: Option<serde_json::Value>,
    pub reason: Option<String>,
}

const ENTITIES: [&str; 5] = ["hazard", "visit", "request", "enterprise", "scheduling_ask"];

fn ids(
    column: impl sea_orm::sea_query::IntoColumnRef,
    from: impl sea_orm::sea_query::IntoTableRef,
    cond: Condition,
) -> SelectStatement {
    Query::select()
        .column(column)
        .from(from)
        .cond_where(cond)
        .to_owned()
}

/// Entries about what the caller may see: the office all; others those of the
/// hazards, visits, requests and scheduling asks they may see.
fn visible(caller: &Caller, today: NaiveDate) -> Condition {
    if caller.is_office() {
        return Condition::all();
    }
    let about = |entity: &str, subquery: SelectStatement| {
        Condition::all()
            .add(audit_entry::Column::Entity.eq(entity))
            .add(audit_entry::Column::EntityId.in_subquery(subquery))
    };
    Condition::any()
        .add(about(
            "hazard",
            ids(
                hazard::Column::Id,
                hazard::Entity,
                crate::hazards::visible(caller),
            ),
        ))
        .add(about(
            "visit",
            ids(
                joint_visit::Column::Id,
                joint_visit::Entity,
                access::visits(caller, today),
            ),
        ))
        .add(about(
            "request",
            ids(
                inspection_request::Column::Id,
                inspection_request::Entity,
                access::requests(caller),
            ),
        ))
        .add(match crate::scheduling_asks::visible(caller) {
            Ok(own) => about(
                "scheduling_ask",
                ids(scheduling_ask::Column::Id, scheduling_ask::Entity, own),
            ),
            Err(_) => Condition::all().add(sea_orm::sea_query::Expr::cust("1 = 0")),
        })
}

/// One page of the trail of what the caller may see (about `entity`, one of hazard,
/// visit, request or enterprise, and `entity_id`, if given), oldest first, and how many
/// entries there are in all.
pub async fn trail<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    today: NaiveDate,
    entity: Option<&str>,
    entity_id: Option<Uuid>,
    limit: u64,
    offset: u64,
) -> Result<(Vec<AuditEntryView>, u64), ServiceError> {
    let mut query = audit_entry::Entity::find().filter(visible(caller, today));
    if let Some(entity) = entity {
        if !ENTITIES.contains(&entity) {
            return Err(ServiceError::field(
                "entity",
                format!(
                    "unknown value {entity:?}; expected one of {}",
                    ENTITIES.join(" ")
                ),
            ));
        }
        query = query.filter(audit_entry::Column::Entity.eq(entity));
    }
    if let Some(id) = entity_id {
        query = query.filter(audit_entry::Column::EntityId.eq(id));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(audit_entry::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?
        .into_iter()
        .map(|e| AuditEntryView {
            id: e.id,
            at: e.at,
            actor_id: e.actor_id,
            actor: e.actor,
            actor_role: e.actor_role,
            entity: e.entity,
            entity_id: e.entity_id,
            action: e.action,
            from: e.from_value,
            to: e.to_value,
            reason: e.reason,
        })
        .collect();
    Ok((items, total))
}
