//! The `inspector_unavailable_days` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspector_unavailable_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub inspector_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::inspector::Entity",
        from = "Column::InspectorId",
        to = "super::inspector::Column::Id"
    )]
    Inspector,
}

impl Related<super::inspector::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Inspector.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
