//! The `tipoff_requests` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tipoff_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_id: Uuid,
    pub tipoff_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tipoff::Entity",
        from = "Column::TipoffId",
        to = "super::tipoff::Column::Id"
    )]
    Tipoff,
    #[sea_orm(
        belongs_to = "super::inspection_request::Entity",
        from = "Column::RequestId",
        to = "super::inspection_request::Column::Id"
    )]
    Request,
}

impl Related<super::tipoff::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tipoff.def()
    }
}

impl Related<super::inspection_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Request.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
