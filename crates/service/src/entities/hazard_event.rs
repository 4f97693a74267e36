//! The `hazard_events` table: a hazard's append-only history, the domain's events as JSON.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hazard_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub hazard_id: Uuid,
    /// 0 for the recording, then 1, 2, ...
    pub seq: i32,
    pub at: DateTimeUtc,
    /// The user who acted.
    pub actor_id: Uuid,
    /// recorded, or the step taken.
    pub step: String,
    /// `onevisit_domain::HazardEvent`.
    pub event: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::hazard::Entity",
        from = "Column::HazardId",
        to = "super::hazard::Column::Id"
    )]
    Hazard,
}

impl Related<super::hazard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Hazard.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
