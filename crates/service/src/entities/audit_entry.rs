//! The `audit_entries` table: the append-only audit trail.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTimeUtc,
    pub actor_id: Option<Uuid>,
    /// The username, or `system`.
    pub actor: String,
    pub actor_role: String,
    /// hazard, visit or request.
    pub entity: String,
    pub entity_id: Uuid,
    pub action: String,
    pub from_value: Option<Json>,
    pub to_value: Option<Json>,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
