//! The `idempotency_keys` table: a user's key, the operation it was sent with, a hash
//! of what was sent, and the row it wrote.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// record_hazard or upload_evidence.
    pub operation: String,
    /// SHA-256 (hex) of what the first request sent.
    pub body_hash: String,
    /// The hazard or evidence file the first request wrote.
    pub resource_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
