//! Indexes for what a booking reads under its agency day's lock: the agency's inspectors
//! busy on a day, and an enterprise's conflicts of interest.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum VisitInspectors {
    Table,
    AgencyId,
    VisitDate,
}

#[derive(DeriveIden)]
enum InspectorConflicts {
    Table,
    EnterpriseId,
}

const AGENCY_DAY: &str = "idx_visit_inspectors_agency_day";
const CONFLICTS: &str = "idx_inspector_conflicts_enterprise";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(AGENCY_DAY)
                .table(VisitInspectors::Table)
                .col(VisitInspectors::AgencyId)
                .col(VisitInspectors::VisitDate)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(CONFLICTS)
                .table(InspectorConflicts::Table)
                .col(InspectorConflicts::EnterpriseId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            (AGENCY_DAY, VisitInspectors::Table.into_iden()),
            (CONFLICTS, InspectorConflicts::Table.into_iden()),
        ] {
            m.drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
