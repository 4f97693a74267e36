//! Tip-offs (举报) from the public: a reference code for the reporter, the office's
//! triage (dismissed with a reason, or turned into urgent requests), reward eligibility.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tipoffs {
    Table,
    Id,
    Reference,
    EnterpriseId,
    EnterpriseText,
    Content,
    Status,
    DismissReason,
    RewardEligible,
    CreatedAt,
    TriagedAt,
    TriagedBy,
}

#[derive(DeriveIden)]
enum TipoffRequests {
    Table,
    RequestId,
    TipoffId,
}

#[derive(DeriveIden)]
enum InspectionRequests {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Tipoffs::Table)
                .col(pk_uuid(Tipoffs::Id))
                .col(string_len(Tipoffs::Reference, 32).unique_key())
                // Set when the report names a registered enterprise by its credit code.
                .col(uuid_null(Tipoffs::EnterpriseId))
                .col(string_len(Tipoffs::EnterpriseText, 200))
                .col(text(Tipoffs::Content))
                .col(string_len(Tipoffs::Status, 16))
                .col(text_null(Tipoffs::DismissReason))
                .col(boolean_null(Tipoffs::RewardEligible))
                .col(timestamp_with_time_zone(Tipoffs::CreatedAt))
                .col(timestamp_with_time_zone_null(Tipoffs::TriagedAt))
                .col(uuid_null(Tipoffs::TriagedBy))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_tipoffs_status_created")
                .table(Tipoffs::Table)
                .col(Tipoffs::Status)
                .col(Tipoffs::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TipoffRequests::Table)
                .col(uuid(TipoffRequests::RequestId).primary_key())
                .col(uuid(TipoffRequests::TipoffId))
                .foreign_key(
                    ForeignKey::create()
                        .from(TipoffRequests::Table, TipoffRequests::RequestId)
                        .to(InspectionRequests::Table, InspectionRequests::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TipoffRequests::Table, TipoffRequests::TipoffId)
                        .to(Tipoffs::Table, Tipoffs::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TipoffRequests::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Tipoffs::Table).to_owned())
            .await
    }
}
