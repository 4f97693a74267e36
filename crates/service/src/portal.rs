//! What the enterprise portal shows an enterprise user: the enterprise's announced
//! visits ahead and its hazards not yet closed, read through the same access rules as
//! `GET /visits` and the hazard list.

use crate::entities::{Stored, enterprise, hazard, joint_visit};
use crate::views::{self, VisitView};
use crate::{Caller, ServiceError, access};
use chrono::NaiveDate;
use onevisit_domain::HazardStatus;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// The portal's content.
#[derive(Debug)]
pub struct Portal {
    /// The enterprise's name.
    pub name: String,
    /// The announced visits from `today` on, by date; `visits` shows the same ones.
    pub rows: Vec<joint_visit::Model>,
    pub visits: Vec<VisitView>,
    /// The hazards not closed, by deadline.
    pub hazards: Vec<hazard::Model>,
}

/// The portal of `enterprise_id` as the caller sees it on `today`.
pub async fn portal<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    enterprise_id: Uuid,
    today: NaiveDate,
) -> Result<Portal, ServiceError> {
    let name = enterprise::Entity::find_by_id(enterprise_id)
        .filter(access::enterprises(caller))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?
        .name;
    let rows = joint_visit::Entity::find()
        .filter(access::visits(caller, today))
        .filter(joint_visit::Column::Announced.eq(true))
        .filter(joint_visit::Column::VisitDate.gte(today))
        .order_by_asc(joint_visit::Column::VisitDate)
        .order_by_asc(joint_visit::Column::Id)
        .all(db)
        .await?;
    let visits = views::visits(db, rows.clone()).await?;
    let hazards = hazard::Entity::find()
        .filter(crate::hazards::visible(caller))
        .filter(hazard::Column::Status.ne(Stored(HazardStatus::Closed)))
        .order_by_asc(hazard::Column::Deadline)
        .order_by_asc(hazard::Column::Id)
        .all(db)
        .await?;
    Ok(Portal {
        name,
        rows,
        visits,
        hazards,
    })
}
