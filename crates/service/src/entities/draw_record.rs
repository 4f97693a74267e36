//! The `draw_records` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "draw_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub tick: DateTimeUtc,
    pub drawn_at: DateTimeUtc,
    pub record: Json,
    pub digest: String,
    /// Until this day only the digest is public (an unannounced plan's draw).
    pub sealed_until: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::inspection_plan::Entity",
        from = "Column::PlanId",
        to = "super::inspection_plan::Column::Id"
    )]
    Plan,
}

impl Related<super::inspection_plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
