//! The coordinating office's work on hazards besides the lifecycle steps: the
//! enterprises' pending asks for a later deadline (decided with
//! [`super::Step::ApproveExtension`] / [`super::Step::RefuseExtension`]), and the
//! escalation of an overdue hazard to the leadership of its responsible agency.
//!
//! The nightly job marks every overdue hazard once per deadline
//! ([`crate::jobs::ESCALATED`]) and tells the office; escalating it further is the
//! office's decision, with a note: an audit entry of the hazard and a `hazard.escalated`
//! notification to the office's webhooks (the agencies' duty systems), in one
//! transaction.

use super::{find_visible, ledger, load};
use crate::audit::{self, Change, Subject};
use crate::entities::{agency, audit_entry, enterprise, hazard, hazard_event};
use crate::outbox::{self, Notification};
use crate::tipoffs::long_text;
use crate::{Caller, Role, ServiceError};
use chrono::{DateTime, NaiveDate, Utc};
use onevisit_domain::HazardStatus;
use onevisit_domain::hazard::DeadlinePolicy;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

const OFFICE: [Role; 2] = [Role::Admin, Role::Coordinator];

/// The audit action of the office's escalation of an overdue hazard.
pub const ESCALATED_TO_LEADERSHIP: &str = "escalated_to_leadership";

/// An enterprise's ask for a later deadline, waiting for the office.
#[derive(Debug, Clone)]
pub struct PendingAsk {
    pub hazard: hazard::Model,
    pub enterprise: String,
    /// The responsible agency's code.
    pub agency: String,
    pub new_deadline: NaiveDate,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
}

/// Every hazard with an extension ask pending (the office), the oldest ask first.
pub async fn pending_extensions(
    db: &DatabaseConnection,
    caller: &Caller,
    policy: &DeadlinePolicy,
) -> Result<Vec<PendingAsk>, ServiceError> {
    caller.require(&OFFICE)?;
    // Only a hazard that was ever asked about can have an ask pending.
    let asked: Vec<Uuid> = hazard_event::Entity::find()
        .select_only()
        .column(hazard_event::Column::HazardId)
        .filter(hazard_event::Column::Step.eq("request_extension"))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let rows = hazard::Entity::find()
        .filter(hazard::Column::Id.is_in(asked))
        .filter(hazard::Column::Status.ne(crate::entities::Stored(HazardStatus::Closed)))
        .all(db)
        .await?;
    let names = Names::of(db, &rows).await?;
    let mut asks = Vec::new();
    for row in rows {
        let loaded = load(db, &row, policy).await?;
        let Some(pending) = loaded.pending_extension() else {
            continue;
        };
        let (enterprise, agency) = names.of_hazard(&row);
        asks.push(PendingAsk {
            enterprise,
            agency,
            new_deadline: pending.new_deadline,
            reason: pending.reason.to_string(),
            requested_at: pending.requested_at.with_timezone(&Utc),
            hazard: row,
        });
    }
    asks.sort_by_key(|a| (a.requested_at, a.hazard.id));
    Ok(asks)
}

/// The enterprises' names and the agencies' codes, by id.
struct Names {
    enterprises: BTreeMap<Uuid, String>,
    agencies: BTreeMap<Uuid, String>,
}

impl Names {
    /// Those of the enterprises of `rows`, and every agency.
    async fn of<C: ConnectionTrait>(db: &C, rows: &[hazard::Model]) -> Result<Self, ServiceError> {
        let enterprises = enterprise::Entity::find()
            .filter(enterprise::Column::Id.is_in(rows.iter().map(|r| r.enterprise_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect();
        let agencies = agency::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a.code))
            .collect();
        Ok(Self {
            enterprises,
            agencies,
        })
    }

    /// The enterprise's name and the responsible agency's code of `row`.
    fn of_hazard(&self, row: &hazard::Model) -> (String, String) {
        let name = |map: &BTreeMap<Uuid, String>, id| map.get(&id).cloned().unwrap_or_default();
        (
            name(&self.enterprises, row.enterprise_id),
            name(&self.agencies, row.responsible_agency_id),
        )
    }
}

/// Why the office escalates a hazard.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationBody {
    /// What the leadership is asked to do, 1 to 5000 characters.
    #[schema(min_length = 1, max_length = 5000, pattern = "\\S")]
    pub note: String,
}

/// The office's latest escalation of a hazard.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Escalation {
    pub hazard_id: Uuid,
    pub at: DateTime<Utc>,
    /// Who escalated it (username).
    pub by: String,
    pub note: String,
    /// The responsible agency's code.
    pub agency: String,
    pub days_overdue: i64,
    /// How many times the office escalated it in all.
    pub times: u64,
}

/// Escalates an overdue hazard to its responsible agency's leadership (the office),
/// with a note: audited and notified in one transaction. A hazard that is closed or
/// not past its deadline is a conflict.
pub async fn escalate(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    body: &EscalationBody,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Escalation, ServiceError> {
    caller.require(&OFFICE)?;
    let note = long_text("note", &body.note)?;
    let row = find_visible(db, caller, id).await?;
    let overdue = hazard::Entity::find_by_id(id)
        .filter(ledger::overdue(today))
        .one(db)
        .await?
        .is_some();
    if !overdue {
        return Err(ServiceError::Conflict(format!(
            "the hazard is not overdue (status {}, deadline {}): only an overdue hazard is escalated",
            row.status.as_str(),
            row.deadline
        )));
    }
    let (_, agency) = Names::of(db, std::slice::from_ref(&row))
        .await?
        .of_hazard(&row);
    let days_overdue = (today - row.deadline).num_days();
    let txn = db.begin().await?;
    let change = Change::new(Subject::Hazard(id), ESCALATED_TO_LEADERSHIP)
        .from_to(
            None,
            Some(json!({
                "deadline": row.deadline,
                "days_overdue": days_overdue,
                "responsible_agency": agency,
            })),
        )
        .because(Some(note.clone()));
    audit::record(&txn, caller, now, change).await?;
    outbox::enqueue(
        &txn,
        Notification {
            event: "hazard.escalated",
            payload: json!({
                "hazard_id": id,
                "enterprise_id": row.enterprise_id,
                "title": row.title,
                "severity": row.severity,
                "responsible_agency": agency,
                "responsible_agency_id": row.responsible_agency_id,
                "deadline": row.deadline,
                "days_overdue": days_overdue,
                "note": note,
                "escalated_by": caller.username,
            }),
            also_to: None,
            dedupe_key: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    escalations(db, &[id])
        .await?
        .remove(&id)
        .ok_or_else(|| ServiceError::Internal(format!("escalation of {id} not read back")))
}

/// The office's latest escalation of each of `ids` that was escalated.
pub async fn escalations<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, Escalation>, ServiceError> {
    let mut found: BTreeMap<Uuid, Escalation> = BTreeMap::new();
    for chunk in ids.chunks(crate::store::CHUNK) {
        let entries = audit_entry::Entity::find()
            .filter(audit_entry::Column::Entity.eq("hazard"))
            .filter(audit_entry::Column::EntityId.is_in(chunk.iter().copied()))
            .filter(audit_entry::Column::Action.eq(ESCALATED_TO_LEADERSHIP))
            .order_by_asc(audit_entry::Column::Id)
            .all(db)
            .await?;
        for e in entries {
            let to = e.to_value.unwrap_or_default();
            let times = found.get(&e.entity_id).map_or(0, |f| f.times) + 1;
            found.insert(
                e.entity_id,
                Escalation {
                    hazard_id: e.entity_id,
                    at: e.at,
                    by: e.actor,
                    note: e.reason.unwrap_or_default(),
                    agency: to["responsible_agency"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    days_overdue: to["days_overdue"].as_i64().unwrap_or_default(),
                    times,
                },
            );
        }
    }
    Ok(found)
}
