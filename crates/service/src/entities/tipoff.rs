//! The `tipoffs` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tipoffs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub reference: String,
    pub enterprise_id: Option<Uuid>,
    pub enterprise_text: String,
    pub content: String,
    pub status: String,
    pub dismiss_reason: Option<String>,
    pub reward_eligible: Option<bool>,
    pub created_at: DateTimeUtc,
    pub triaged_at: Option<DateTimeUtc>,
    pub triaged_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
