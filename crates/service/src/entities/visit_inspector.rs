//! The `visit_inspectors` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visit_inspectors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub visit_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub inspector_id: Uuid,
    pub agency_id: Uuid,
    pub visit_date: Date,
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
        belongs_to = "super::inspector::Entity",
        from = "Column::InspectorId",
        to = "super::inspector::Column::Id"
    )]
    Inspector,
}

impl Related<super::joint_visit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Visit.def()
    }
}

impl Related<super::inspector::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Inspector.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
