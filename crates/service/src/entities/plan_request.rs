//! The `plan_requests` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_id: Uuid,
    pub plan_id: Uuid,
    pub draw_id: Option<Uuid>,
    pub tick: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::inspection_plan::Entity",
        from = "Column::PlanId",
        to = "super::inspection_plan::Column::Id"
    )]
    Plan,
    #[sea_orm(
        belongs_to = "super::inspection_request::Entity",
        from = "Column::RequestId",
        to = "super::inspection_request::Column::Id"
    )]
    Request,
}

impl Related<super::inspection_plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl Related<super::inspection_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Request.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
