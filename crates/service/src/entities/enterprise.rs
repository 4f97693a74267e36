//! The `enterprises` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub credit_code: String,
    pub name: String,
    pub sector: String,
    pub district: String,
    pub in_chemical_park: bool,
    pub key_process: bool,
    pub key_chemical: bool,
    pub major_hazard_source: bool,
    pub status: super::Stored<onevisit_domain::EnterpriseStatus>,
    pub burden_cap: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
