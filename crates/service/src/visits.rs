//! Joint visits: who sees which, filtered and paged.

use crate::entities::{joint_visit, schedule_version, visit_team};
use crate::views::{self, VisitView};
use crate::{Caller, ServiceError, access, agencies};
use chrono::NaiveDate;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Filters of the visit list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VisitFilter {
    /// Visits on or after this day.
    pub from: Option<NaiveDate>,
    /// Visits on or before this day.
    pub to: Option<NaiveDate>,
    pub status: Option<String>,
    pub enterprise_id: Option<Uuid>,
    /// Visits in which this agency (by code) takes part.
    pub agency: Option<String>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// One page of the visits `caller` may see on `today`, as `filter` asks, by date, and
/// how many match in all.
pub async fn list_visits<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    today: NaiveDate,
    filter: &VisitFilter,
    (limit, offset): (u64, u64),
) -> Result<(Vec<VisitView>, u64), ServiceError> {
    let mut condition = access::visits(caller, today);
    if let Some(from) = filter.from {
        condition = condition.add(joint_visit::Column::VisitDate.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(joint_visit::Column::VisitDate.lte(to));
    }
    if let Some(status) = &filter.status {
        condition = condition.add(joint_visit::Column::Status.eq(status));
    }
    if let Some(enterprise) = filter.enterprise_id {
        condition = condition.add(joint_visit::Column::EnterpriseId.eq(enterprise));
    }
    if let Some(code) = &filter.agency {
        let agency = agencies::by_code(db, code).await?;
        condition = condition.add(
            joint_visit::Column::Id.in_subquery(
                Query::select()
                    .column(visit_team::Column::VisitId)
                    .from(visit_team::Entity)
                    .and_where(visit_team::Column::AgencyId.eq(agency.id))
                    .to_owned(),
            ),
        );
    }
    Ok(views::visit_page(db, condition, limit, offset).await?)
}

/// One visit the caller may see.
pub async fn get_visit<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    today: NaiveDate,
    id: Uuid,
) -> Result<VisitView, ServiceError> {
    let condition = access::visits(caller, today).add(joint_visit::Column::Id.eq(id));
    let (mut found, _) = views::visit_page(db, condition, 1, 0).await?;
    found.pop().ok_or(ServiceError::NotFound)
}

/// The enterprise's schedule version: 0 until anything was scheduled for it. Every
/// change to what its schedule shows moves it on, in the change's own transaction
/// (triggers of migration 000015), so a page built at one version is never older than
/// the database at that version.
pub async fn schedule_version<C: ConnectionTrait>(
    db: &C,
    enterprise: Uuid,
) -> Result<i64, ServiceError> {
    Ok(schedule_version::Entity::find_by_id(enterprise)
        .one(db)
        .await?
        .map_or(0, |row| row.version))
}
