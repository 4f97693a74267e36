//! The `inspection_requests` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub enterprise_id: Uuid,
    pub earliest: Date,
    pub latest: Date,
    pub team_size: i32,
    pub kind: super::Stored<onevisit_domain::RequestKind>,
    pub topics: Json,
    pub status: super::Stored<onevisit_domain::RequestStatus>,
    pub unscheduled_reason: Option<String>,
    pub visit_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
    pub body_hash: Option<String>,
    /// Whether the enterprise is told of the visit beforehand; a surprise request
    /// only shares a visit with other surprise requests.
    pub announced: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::agency::Entity",
        from = "Column::AgencyId",
        to = "super::agency::Column::Id"
    )]
    Agency,
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    Enterprise,
    #[sea_orm(
        belongs_to = "super::joint_visit::Entity",
        from = "Column::VisitId",
        to = "super::joint_visit::Column::Id"
    )]
    Visit,
}

impl Related<super::agency::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agency.def()
    }
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl Related<super::joint_visit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Visit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
