//! The `scheduling_asks` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scheduling_asks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub kind: super::Stored<onevisit_domain::AskKind>,
    pub status: super::Stored<onevisit_domain::AskStatus>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub visit_id: Option<Uuid>,
    pub inspector_id: Option<Uuid>,
    pub reason: String,
    pub asked_by: Uuid,
    pub asked_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_note: Option<String>,
    pub quiet_period_id: Option<Uuid>,
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
