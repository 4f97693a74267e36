//! The `inspection_requests` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub enterprise_id: Uuid,
    pub earliest: Date,
    pub latest: Date,
    pub team_size: i32,
    pub kind: String,
    pub topics: Json,
    pub status: String,
    pub unscheduled_reason: Option<String>,
    pub visit_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
    pub body_hash: Option<String>,
    /// Whether the enterprise is told of the visit beforehand; a surprise request
    /// only shares a visit with other surprise requests.
    pub announced: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
