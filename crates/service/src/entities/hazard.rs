//! The `hazards` table: a finding and, cached for the ledger, the state its history
//! (`hazard_events`) gives.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hazards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub visit_id: Uuid,
    pub enterprise_id: Uuid,
    pub title: String,
    pub description: String,
    pub category: String,
    pub severity: super::Stored<onevisit_domain::Severity>,
    pub legal_basis: String,
    pub regulation: Option<String>,
    pub responsible_agency_id: Uuid,
    /// The deadline as found; extensions move `deadline`.
    pub original_deadline: Date,
    pub deadline: Date,
    pub status: super::Stored<onevisit_domain::HazardStatus>,
    /// The hazard list it was issued on; none until its visit is completed.
    pub notice_id: Option<Uuid>,
    /// A major hazard's re-inspection request, booked when its rectification is submitted.
    pub follow_up_request_id: Option<Uuid>,
    /// The visit the close was recorded on.
    pub reinspection_visit_id: Option<Uuid>,
    pub closed_on: Option<Date>,
    /// How many events its history holds: a step appends only onto the history it read.
    pub event_count: i32,
    pub recorded_by: Uuid,
    pub recorded_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::joint_visit::Entity",
        from = "Column::VisitId",
        to = "super::joint_visit::Column::Id"
    )]
    Visit,
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    Enterprise,
    #[sea_orm(
        belongs_to = "super::agency::Entity",
        from = "Column::ResponsibleAgencyId",
        to = "super::agency::Column::Id"
    )]
    ResponsibleAgency,
    #[sea_orm(
        belongs_to = "super::hazard_notice::Entity",
        from = "Column::NoticeId",
        to = "super::hazard_notice::Column::Id"
    )]
    Notice,
}

impl Related<super::joint_visit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Visit.def()
    }
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl Related<super::agency::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ResponsibleAgency.def()
    }
}

impl Related<super::hazard_notice::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Notice.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
