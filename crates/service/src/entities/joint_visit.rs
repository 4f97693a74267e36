//! The `joint_visits` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "joint_visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub visit_date: Date,
    pub status: super::Stored<onevisit_domain::VisitStatus>,
    pub announced: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    Enterprise,
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
