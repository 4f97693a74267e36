//! What the enterprise portal shows an enterprise user: the enterprise's announced
//! visits ahead, its hazard lists with every hazard on them (whatever its status), and
//! its scheduling asks, read through the same access rules as `GET /visits`, the hazard
//! list, `GET /notices` and `GET /scheduling-asks`.

use crate::entities::{enterprise, hazard, hazard_notice, joint_visit};
use crate::scheduling_asks::{self, AskFilter, AskView};
use crate::views::{self, VisitView};
use crate::{Caller, ServiceError, access};
use chrono::NaiveDate;
use onevisit_domain::hazard::{DeadlinePolicy, HazardStep};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// A hazard as the portal shows it: the row, and what its history says now.
#[derive(Debug)]
pub struct PortalHazard {
    pub row: hazard::Model,
    /// A later deadline asked for and not decided yet, and why.
    pub pending_extension: Option<(NaiveDate, String)>,
    /// The steps the hazard allows now, whoever takes them.
    pub allowed: Vec<HazardStep>,
}

/// The portal's content.
#[derive(Debug)]
pub struct Portal {
    /// The enterprise's name.
    pub name: String,
    /// The announced visits from `today` on, by date; `visits` shows the same ones.
    pub rows: Vec<joint_visit::Model>,
    pub visits: Vec<VisitView>,
    /// The hazard lists issued to the enterprise, newest first.
    pub notices: Vec<hazard_notice::Model>,
    /// Every issued hazard, by deadline.
    pub hazards: Vec<PortalHazard>,
    /// The enterprise's scheduling asks, newest first (the latest 100).
    pub asks: Vec<AskView>,
}

/// The portal of `enterprise_id` as the caller sees it on `today`.
pub async fn portal<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    enterprise_id: Uuid,
    today: NaiveDate,
    policy: &DeadlinePolicy,
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
    let notices = crate::hazards::notice::list(db, caller, today, Some(enterprise_id)).await?;
    let mut hazards = Vec::new();
    for row in hazard::Entity::find()
        .filter(crate::hazards::visible(caller))
        .filter(hazard::Column::EnterpriseId.eq(enterprise_id))
        .order_by_asc(hazard::Column::Deadline)
        .order_by_asc(hazard::Column::Id)
        .all(db)
        .await?
    {
        let loaded = crate::hazards::load(db, &row, policy).await?;
        hazards.push(PortalHazard {
            pending_extension: loaded
                .pending_extension()
                .map(|p| (p.new_deadline, p.reason.to_string())),
            allowed: loaded.allowed_steps(),
            row,
        });
    }
    let (asks, _) = scheduling_asks::list(db, caller, &AskFilter::default(), (100, 0)).await?;
    Ok(Portal {
        name,
        rows,
        visits,
        notices,
        hazards,
        asks,
    })
}
