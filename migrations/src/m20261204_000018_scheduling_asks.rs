//! `scheduling_asks`: what an enterprise asks the coordinating office about its own
//! schedule, and the office's decision. A quiet-period ask carries its dates; a recusal
//! ask the announced visit and the inspector. An approved ask points at what it bound:
//! the `enterprise_quiet_periods` row it added (a recusal binds through
//! `inspector_conflicts`, keyed by inspector and enterprise).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SchedulingAsks {
    Table,
    Id,
    EnterpriseId,
    Kind,
    Status,
    StartDate,
    EndDate,
    VisitId,
    InspectorId,
    Reason,
    AskedBy,
    AskedAt,
    DecidedBy,
    DecidedAt,
    DecisionNote,
    QuietPeriodId,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum JointVisits {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Inspectors {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SchedulingAsks::Table)
                .col(pk_uuid(SchedulingAsks::Id))
                .col(uuid(SchedulingAsks::EnterpriseId))
                .col(string_len(SchedulingAsks::Kind, 32))
                .col(string_len(SchedulingAsks::Status, 32))
                .col(date_null(SchedulingAsks::StartDate))
                .col(date_null(SchedulingAsks::EndDate))
                .col(uuid_null(SchedulingAsks::VisitId))
                .col(uuid_null(SchedulingAsks::InspectorId))
                .col(string_len(SchedulingAsks::Reason, 500))
                .col(uuid(SchedulingAsks::AskedBy))
                .col(timestamp_with_time_zone(SchedulingAsks::AskedAt))
                .col(uuid_null(SchedulingAsks::DecidedBy))
                .col(timestamp_with_time_zone_null(SchedulingAsks::DecidedAt))
                .col(string_len_null(SchedulingAsks::DecisionNote, 2000))
                .col(uuid_null(SchedulingAsks::QuietPeriodId))
                // Each kind carries its own fields, and a quiet period runs forwards.
                .check(Expr::cust(
                    "(kind = 'quiet_period' AND start_date IS NOT NULL AND end_date IS NOT NULL \
                     AND start_date <= end_date) \
                     OR (kind = 'recusal' AND visit_id IS NOT NULL AND inspector_id IS NOT NULL)",
                ))
                .foreign_key(
                    ForeignKey::create()
                        .from(SchedulingAsks::Table, SchedulingAsks::EnterpriseId)
                        .to(Enterprises::Table, Enterprises::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(SchedulingAsks::Table, SchedulingAsks::VisitId)
                        .to(JointVisits::Table, JointVisits::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(SchedulingAsks::Table, SchedulingAsks::InspectorId)
                        .to(Inspectors::Table, Inspectors::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // The office's queue (pending first) and each enterprise's own list.
        m.create_index(
            Index::create()
                .name("scheduling_asks_status")
                .table(SchedulingAsks::Table)
                .col(SchedulingAsks::Status)
                .col(SchedulingAsks::AskedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("scheduling_asks_enterprise")
                .table(SchedulingAsks::Table)
                .col(SchedulingAsks::EnterpriseId)
                .col(SchedulingAsks::AskedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SchedulingAsks::Table).to_owned())
            .await
    }
}
