//! The append-only log of the office's decisions on visits (confirm, cancel, reschedule,
//! each with who, when and why), and the per-enterprise secret of the iCalendar feed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum VisitEvents {
    Table,
    Id,
    VisitId,
    At,
    ActorId,
    Action,
    FromStatus,
    ToStatus,
    FromDate,
    ToDate,
    Reason,
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    EnterpriseId,
    TokenHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum JointVisits {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(VisitEvents::Table)
                .col(pk_uuid(VisitEvents::Id))
                .col(uuid(VisitEvents::VisitId))
                .col(timestamp_with_time_zone(VisitEvents::At))
                // The user who acted; no foreign key, so that the log outlives accounts.
                .col(uuid(VisitEvents::ActorId))
                .col(string_len(VisitEvents::Action, 32))
                .col(string_len(VisitEvents::FromStatus, 32))
                .col(string_len(VisitEvents::ToStatus, 32))
                .col(date_null(VisitEvents::FromDate))
                .col(date_null(VisitEvents::ToDate))
                .col(text_null(VisitEvents::Reason))
                .foreign_key(
                    ForeignKey::create()
                        .from(VisitEvents::Table, VisitEvents::VisitId)
                        .to(JointVisits::Table, JointVisits::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_visit_events_visit_at")
                .table(VisitEvents::Table)
                .col(VisitEvents::VisitId)
                .col(VisitEvents::At)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CalendarFeeds::Table)
                .col(pk_uuid(CalendarFeeds::EnterpriseId))
                // SHA-256 of the token, hex: the token itself is shown once and never stored.
                .col(string_len(CalendarFeeds::TokenHash, 64))
                .col(timestamp_with_time_zone(CalendarFeeds::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CalendarFeeds::Table, CalendarFeeds::EnterpriseId)
                        .to(Enterprises::Table, Enterprises::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CalendarFeeds::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(VisitEvents::Table).to_owned())
            .await
    }
}
