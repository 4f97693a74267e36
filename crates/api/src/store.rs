//! Persistence operations that are not a single HTTP handler's: the calendar and
//! the error type of the storage layer.

use crate::entities::calendar_year;
use crate::seed::SeedError;
use chrono::Utc;
use onevisit_domain::{CalendarError, CalendarYear, WorkCalendar};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait};

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

/// The working-day calendar: the shipped years, replaced by any year imported into the database.
pub async fn load_calendar(db: &DatabaseConnection) -> Result<WorkCalendar, StoreError> {
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
