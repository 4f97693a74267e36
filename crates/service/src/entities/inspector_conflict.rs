//! The `inspector_conflicts` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspector_conflicts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub inspector_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub enterprise_id: Uuid,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
