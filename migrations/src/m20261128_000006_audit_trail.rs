//! The audit trail: who changed what (a hazard, a visit, a request), when, from what
//! to what, and why. Append-only: the database refuses to change or delete an entry.

use crate::m20261128_000005_hazards::append_only;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    Id,
    At,
    ActorId,
    Actor,
    ActorRole,
    Entity,
    EntityId,
    Action,
    FromValue,
    ToValue,
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditEntries::Table)
                // A counter, so that the trail reads in the order it was written.
                .col(pk_auto(AuditEntries::Id))
                .col(timestamp_with_time_zone(AuditEntries::At))
                // The user who acted (none for the system); no foreign key, so that
                // the trail outlives accounts.
                .col(uuid_null(AuditEntries::ActorId))
                .col(string_len(AuditEntries::Actor, 100))
                .col(string_len(AuditEntries::ActorRole, 32))
                .col(string_len(AuditEntries::Entity, 32))
                .col(uuid(AuditEntries::EntityId))
                .col(string_len(AuditEntries::Action, 64))
                .col(json_null(AuditEntries::FromValue))
                .col(json_null(AuditEntries::ToValue))
                .col(text_null(AuditEntries::Reason))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_entries_entity")
                .table(AuditEntries::Table)
                .col(AuditEntries::Entity)
                .col(AuditEntries::EntityId)
                .to_owned(),
        )
        .await?;
        append_only(m, "audit_entries").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditEntries::Table).to_owned())
            .await
    }
}
