//! The `visit_events` table: an append-only log of the office's decisions on visits.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub visit_id: Uuid,
    pub at: DateTimeUtc,
    /// The user who acted.
    pub actor_id: Uuid,
    /// confirm, cancel or reschedule.
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub from_date: Option<Date>,
    pub to_date: Option<Date>,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
