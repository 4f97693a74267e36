//! The first answer to each booking made with an `Idempotency-Key`, replayed on retries.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BookingResponses {
    Table,
    RequestId,
    Response,
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
                .table(BookingResponses::Table)
                .col(pk_uuid(BookingResponses::RequestId))
                .col(json(BookingResponses::Response))
                .foreign_key(
                    ForeignKey::create()
                        .from(BookingResponses::Table, BookingResponses::RequestId)
                        .to(InspectionRequests::Table, InspectionRequests::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(BookingResponses::Table).to_owned())
            .await
    }
}
