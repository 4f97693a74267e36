//! An inspector's own visits: the ones whose team they are on, from today on, and for
//! a visit, what each agency's request asks to check. Read through [`access::visits`],
//! so an inspector never sees more here than `GET /visits` shows them.

use crate::entities::{Stored, inspection_request, joint_visit, visit_inspector};
use crate::views::{self, RequestView, VisitView};
use crate::{Caller, Role, ServiceError, access};
use chrono::{Days, NaiveDate};
use onevisit_domain::{RequestStatus, VisitStatus};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// How far ahead an inspector's list reaches.
pub const DAYS_AHEAD: u64 = 14;

/// The most visits the list shows: an inspector is on at most one a day.
const MOST: u64 = 100;

/// The visits from `today` to [`DAYS_AHEAD`] days on whose team the calling inspector
/// is, not cancelled, by date.
pub async fn my_visits<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    today: NaiveDate,
) -> Result<Vec<VisitView>, ServiceError> {
    caller.require(&[Role::Inspector])?;
    let inspector = caller.inspector_id.ok_or(ServiceError::Forbidden)?;
    let last = today
        .checked_add_days(Days::new(DAYS_AHEAD))
        .unwrap_or(today);
    let condition = access::visits(caller, today)
        .add(
            joint_visit::Column::Id.in_subquery(
                Query::select()
                    .column(visit_inspector::Column::VisitId)
                    .from(visit_inspector::Entity)
                    .and_where(visit_inspector::Column::InspectorId.eq(inspector))
                    .to_owned(),
            ),
        )
        .add(joint_visit::Column::VisitDate.gte(today))
        .add(joint_visit::Column::VisitDate.lte(last))
        .add(joint_visit::Column::Status.ne(Stored(VisitStatus::Cancelled)));
    let (visits, _) = views::visit_page(db, condition, MOST, 0).await?;
    Ok(visits)
}

/// Whether the calling inspector is on `visit`'s team.
pub fn on_team(caller: &Caller, visit: &VisitView) -> bool {
    caller.inspector_id.is_some_and(|me| {
        visit
            .teams
            .iter()
            .flat_map(|t| &t.inspectors)
            .any(|i| i.id == me)
    })
}

/// The requests a visit the caller may see carries, by agency: what each agency comes
/// to check. The agencies and the office only; enterprises are not told the topics.
pub async fn visit_requests<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    today: NaiveDate,
    visit_id: Uuid,
) -> Result<Vec<RequestView>, ServiceError> {
    caller.require(&[
        Role::Admin,
        Role::Coordinator,
        Role::Agency,
        Role::Inspector,
    ])?;
    joint_visit::Entity::find_by_id(visit_id)
        .filter(access::visits(caller, today))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let rows = inspection_request::Entity::find()
        .filter(inspection_request::Column::VisitId.eq(visit_id))
        .filter(inspection_request::Column::Status.ne(Stored(RequestStatus::Cancelled)))
        .order_by_asc(inspection_request::Column::AgencyId)
        .order_by_asc(inspection_request::Column::CreatedAt)
        .all(db)
        .await?;
    let mut views = views::requests(db, rows).await?;
    views.sort_by(|a, b| a.agency.cmp(&b.agency));
    Ok(views)
}
