//! Surprise visits kept apart, and random plans' inspector draws.
//!
//! * `inspection_requests.announced`: whether the enterprise is told beforehand, a
//!   property of the request (a re-plan rebuilds visits from requests); existing
//!   requests take it from their visit.
//! * `draw_records.sealed_until`: an unannounced plan's draw is published at once by its
//!   digest only, and in full from this day on, when its visits are past.
//! * `inspector_draws`: the published draw of each request's team, append-only.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InspectionRequests {
    Table,
    Id,
    Announced,
}

#[derive(DeriveIden)]
enum DrawRecords {
    Table,
    Id,
    SealedUntil,
}

#[derive(DeriveIden)]
enum InspectorDraws {
    Table,
    Id,
    DrawId,
    RequestId,
    AgencyId,
    Record,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(InspectionRequests::Table)
                .add_column(boolean(InspectionRequests::Announced).default(true))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE inspection_requests SET announced = false WHERE visit_id IN \
                 (SELECT id FROM joint_visits WHERE announced = false)",
            )
            .await?;
        m.alter_table(
            Table::alter()
                .table(DrawRecords::Table)
                .add_column(date_null(DrawRecords::SealedUntil))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(InspectorDraws::Table)
                .col(pk_uuid(InspectorDraws::Id))
                .col(uuid(InspectorDraws::DrawId))
                .col(uuid(InspectorDraws::RequestId))
                .col(uuid(InspectorDraws::AgencyId))
                // The scheduler crate's `InspectorDraw`: enterprise, agency, day,
                // eligible roster, team size, drawn inspectors.
                .col(json(InspectorDraws::Record))
                .foreign_key(
                    ForeignKey::create()
                        .from(InspectorDraws::Table, InspectorDraws::DrawId)
                        .to(DrawRecords::Table, DrawRecords::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(InspectorDraws::Table, InspectorDraws::RequestId)
                        .to(InspectionRequests::Table, InspectionRequests::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_inspector_draws_draw")
                .table(InspectorDraws::Table)
                .col(InspectorDraws::DrawId)
                .to_owned(),
        )
        .await?;
        crate::m20261128_000005_hazards::append_only(m, "inspector_draws").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(InspectorDraws::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(DrawRecords::Table)
                .drop_column(DrawRecords::SealedUntil)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(InspectionRequests::Table)
                .drop_column(InspectionRequests::Announced)
                .to_owned(),
        )
        .await
    }
}
