//! OneVisit's database schema. The only way the schema changes: add a new
//! `mYYYYMMDD_HHMMSS_name.rs` migration and list it below; never edit one that has shipped.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_initial_schema;
mod m20261128_000002_users;
mod m20261128_000003_booking_responses;
mod m20261128_000004_visit_events;
mod m20261128_000005_hazards;
mod m20261128_000006_audit_trail;
mod m20261128_000007_inspection_plans;
mod m20261128_000008_tipoffs;
mod m20261128_000009_outbox;
mod m20261128_000012_indexes;
mod m20261128_000013_review_indexes;
mod m20261128_000014_surprise_visits;
mod m20261128_000015_schedule_versions;
mod m20261203_000016_sessions;
mod m20261204_000017_english_names;
mod m20261204_000018_scheduling_asks;
mod m20261204_000019_idempotency_keys;

/// Runs OneVisit's migrations in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_initial_schema::Migration),
            Box::new(m20261128_000002_users::Migration),
            Box::new(m20261128_000003_booking_responses::Migration),
            Box::new(m20261128_000004_visit_events::Migration),
            Box::new(m20261128_000007_inspection_plans::Migration),
            Box::new(m20261128_000008_tipoffs::Migration),
            Box::new(m20261128_000009_outbox::Migration),
            Box::new(m20261128_000005_hazards::Migration),
            Box::new(m20261128_000006_audit_trail::Migration),
            Box::new(m20261128_000012_indexes::Migration),
            Box::new(m20261128_000013_review_indexes::Migration),
            Box::new(m20261128_000014_surprise_visits::Migration),
            Box::new(m20261128_000015_schedule_versions::Migration),
            Box::new(m20261203_000016_sessions::Migration),
            Box::new(m20261204_000017_english_names::Migration),
            Box::new(m20261204_000018_scheduling_asks::Migration),
            Box::new(m20261204_000019_idempotency_keys::Migration),
        ]
    }
}
