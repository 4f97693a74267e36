//! Persistence operations that are not a single HTTP handler's: the calendar and
//! the error type of the storage layer.

use crate::db::Connection;
use crate::entities::{
    Stored, calendar_year, inspection_request, joint_visit, visit_inspector, visit_team,
};
use crate::seed::SeedError;
use chrono::Utc;
use onevisit_domain::{CalendarError, CalendarYear, RequestStatus, VisitStatus, WorkCalendar};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, TransactionTrait,
};

/// What can go wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("{0}")]
    Seed(#[from] SeedError),
    #[error("calendar: {0}")]
    Calendar(#[from] CalendarError),
    #[error("stored data is invalid: {0}")]
    Invalid(String),
}

/// Rows per multi-row statement: far below the bind-parameter limits of both databases.
pub const CHUNK: usize = 1_000;

/// Inserts `rows` in multi-row statements of at most [`CHUNK`] rows.
pub async fn insert_chunked<A, C>(db: &C, rows: Vec<A>) -> Result<(), DbErr>
where
    A: sea_orm::ActiveModelTrait,
    C: sea_orm::ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A new enterprise row from a checked enterprise.
pub fn enterprise_row(
    e: &onevisit_domain::Enterprise,
    id: uuid::Uuid,
    now: chrono::DateTime<Utc>,
) -> crate::entities::enterprise::ActiveModel {
    crate::entities::enterprise::ActiveModel {
        id: Set(id),
        credit_code: Set(e.credit_code.to_string()),
        name: Set(e.name.to_string()),
        sector: Set(e.sector.as_str().to_owned()),
        district: Set(e.district.to_string()),
        in_chemical_park: Set(e.in_chemical_park),
        key_process: Set(e.risk.key_process),
        key_chemical: Set(e.risk.key_chemical),
        major_hazard_source: Set(e.risk.major_hazard_source),
        status: Set(e.status.into()),
        burden_cap: Set(e
            .burden_cap
            .map(|c| i32::try_from(c.get()).unwrap_or(i32::MAX))),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The quiet-period rows of a checked enterprise stored under `enterprise_id`.
pub fn quiet_rows(
    e: &onevisit_domain::Enterprise,
    enterprise_id: uuid::Uuid,
) -> Vec<crate::entities::quiet_period::ActiveModel> {
    e.quiet_periods()
        .iter()
        .map(|q| crate::entities::quiet_period::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            enterprise_id: Set(enterprise_id),
            start_date: Set(q.range.start()),
            end_date: Set(q.range.end()),
            reason: Set(q.reason.clone()),
        })
        .collect()
}

/// The working-day calendar: the shipped years, replaced by any year imported into the database.
pub async fn load_calendar<C: sea_orm::ConnectionTrait>(
    db: &C,
) -> Result<WorkCalendar, StoreError> {
    let mut calendar = WorkCalendar::shipped();
    for row in calendar_year::Entity::find().all(db).await? {
        let year = CalendarYear::parse_json(&row.document.to_string())?;
        calendar = calendar.with_year(&year);
    }
    Ok(calendar)
}

/// Stores `year`, replacing an earlier import of the same year.
pub async fn import_calendar(
    db: &DatabaseConnection,
    year: &CalendarYear,
) -> Result<(), StoreError> {
    let document = serde_json::to_value(year).map_err(|e| DbErr::Custom(e.to_string()))?;
    calendar_year::Entity::insert(calendar_year::ActiveModel {
        year: Set(year.year()),
        document: Set(document),
        imported_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(calendar_year::Column::Year)
            .update_columns([
                calendar_year::Column::Document,
                calendar_year::Column::ImportedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Why a request cannot be cancelled.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("the request is already {0}")]
    Finished(String),
    #[error("its visit is {0}: it can no longer change")]
    VisitUnderWay(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Cancels a request in one transaction, taking its agency's team off its visit when no
/// other request of the agency is left there, and cancelling a visit left empty.
pub async fn cancel_request(
    db: &DatabaseConnection,
    caller: &crate::Caller,
    request: inspection_request::Model,
    reason: Option<String>,
) -> Result<inspection_request::Model, CancelError> {
    use crate::audit::{self, Change, Subject};
    let now = Utc::now();
    if request.status == RequestStatus::Cancelled {
        return Err(CancelError::Finished(request.status.to_string()));
    }
    let txn = db.begin().await?;
    if let Some(visit_id) = request.visit_id {
        // Whether its team goes with it depends on the visit's other requests: no booking
        // may join the team in between.
        crate::booking::lock_enterprise(&txn, request.enterprise_id).await?;
        let visit = joint_visit::Entity::find_by_id(visit_id).one(&txn).await?;
        if let Some(visit) = visit {
            if !crate::planning::joinable(visit.status.0) {
                return Err(CancelError::VisitUnderWay(visit.status.to_string()));
            }
            let others = inspection_request::Entity::find()
                .filter(inspection_request::Column::VisitId.eq(visit_id))
                .filter(inspection_request::Column::Id.ne(request.id))
                .all(&txn)
                .await?;
            if !others.iter().any(|r| r.agency_id == request.agency_id) {
                visit_inspector::Entity::delete_many()
                    .filter(visit_inspector::Column::VisitId.eq(visit_id))
                    .filter(visit_inspector::Column::AgencyId.eq(request.agency_id))
                    .exec(&txn)
                    .await?;
                visit_team::Entity::delete_by_id((visit_id, request.agency_id))
                    .exec(&txn)
                    .await?;
            }
            if others.is_empty() {
                visit_inspector::Entity::delete_many()
                    .filter(visit_inspector::Column::VisitId.eq(visit_id))
                    .exec(&txn)
                    .await?;
                let change = Change::new(Subject::Visit(visit.id), "cancel")
                    .from_to(
                        Some(serde_json::json!({"status": visit.status})),
                        Some(serde_json::json!({"status": "cancelled"})),
                    )
                    .because(Some(format!(
                        "its last request {} was cancelled",
                        request.id
                    )));
                let mut active: joint_visit::ActiveModel = visit.into();
                active.status = Set(VisitStatus::Cancelled.into());
                active.updated_at = Set(now);
                active.update(&txn).await?;
                audit::record(&txn, caller, now, change).await?;
            }
        }
    }
    let change = Change::new(Subject::Request(request.id), "cancel")
        .from_to(
            Some(serde_json::json!({"status": request.status, "visit_id": request.visit_id})),
            Some(serde_json::json!({"status": "cancelled", "visit_id": null})),
        )
        .because(reason);
    let mut active: inspection_request::ActiveModel = request.into();
    active.status = Set(RequestStatus::Cancelled.into());
    active.visit_id = Set(None);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    audit::record(&txn, caller, now, change).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Moves the demo's plan along: visits before `today` are completed, those up to
/// `confirm_until` confirmed.
pub async fn advance_demo<C: Connection>(
    db: &C,
    today: chrono::NaiveDate,
    confirm_until: chrono::NaiveDate,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    let txn = db.begin().await?;
    joint_visit::Entity::update_many()
        .col_expr(
            joint_visit::Column::Status,
            Expr::value(Stored(VisitStatus::Completed)),
        )
        .filter(joint_visit::Column::Status.eq(Stored(VisitStatus::Proposed)))
        .filter(joint_visit::Column::VisitDate.lt(today))
        .exec(&txn)
        .await?;
    joint_visit::Entity::update_many()
        .col_expr(
            joint_visit::Column::Status,
            Expr::value(Stored(VisitStatus::Confirmed)),
        )
        .filter(joint_visit::Column::Status.eq(Stored(VisitStatus::Proposed)))
        .filter(joint_visit::Column::VisitDate.between(today, confirm_until))
        .exec(&txn)
        .await?;
    txn.commit().await
}
