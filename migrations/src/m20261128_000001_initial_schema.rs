//! Agencies, inspectors, enterprises, inspection requests, joint visits and the calendar.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
    Code,
    Name,
    DailyCapacity,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Inspectors {
    Table,
    Id,
    Code,
    AgencyId,
    Name,
    Qualifications,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InspectorUnavailableDays {
    Table,
    InspectorId,
    Day,
}

#[derive(DeriveIden)]
enum InspectorConflicts {
    Table,
    InspectorId,
    EnterpriseId,
    Reason,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
    CreditCode,
    Name,
    Sector,
    District,
    InChemicalPark,
    KeyProcess,
    KeyChemical,
    MajorHazardSource,
    Status,
    BurdenCap,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EnterpriseQuietPeriods {
    Table,
    Id,
    EnterpriseId,
    StartDate,
    EndDate,
    Reason,
}

#[derive(DeriveIden)]
enum InspectionRequests {
    Table,
    Id,
    AgencyId,
    EnterpriseId,
    Earliest,
    Latest,
    TeamSize,
    Kind,
    Topics,
    Status,
    UnscheduledReason,
    VisitId,
    IdempotencyKey,
    BodyHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum JointVisits {
    Table,
    Id,
    EnterpriseId,
    VisitDate,
    Status,
    Announced,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VisitTeams {
    Table,
    VisitId,
    AgencyId,
    VisitDate,
    TeamSize,
}

#[derive(DeriveIden)]
enum VisitInspectors {
    Table,
    VisitId,
    InspectorId,
    AgencyId,
    VisitDate,
}

#[derive(DeriveIden)]
enum CalendarYears {
    Table,
    Year,
    Document,
    ImportedAt,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A plain index on columns of one table (the table and its columns are one `DeriveIden` enum).
fn index<T: IntoIden + 'static>(
    table: T,
    name: &str,
    columns: impl IntoIterator<Item = T>,
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for column in columns {
        stmt.col(column);
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Agencies::Table)
                .col(pk_uuid(Agencies::Id))
                .col(string_len_uniq(Agencies::Code, 32))
                .col(string_len(Agencies::Name, 200))
                .col(
                    integer(Agencies::DailyCapacity)
                        .check(Expr::col(Agencies::DailyCapacity).gte(0)),
                )
                .col(timestamp_with_time_zone(Agencies::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Enterprises::Table)
                .col(pk_uuid(Enterprises::Id))
                .col(string_len_uniq(Enterprises::CreditCode, 18))
                .col(string_len(Enterprises::Name, 200))
                .col(string_len(Enterprises::Sector, 32))
                .col(string_len(Enterprises::District, 200))
                .col(boolean(Enterprises::InChemicalPark))
                .col(boolean(Enterprises::KeyProcess))
                .col(boolean(Enterprises::KeyChemical))
                .col(boolean(Enterprises::MajorHazardSource))
                .col(string_len(Enterprises::Status, 32))
                .col(
                    integer_null(Enterprises::BurdenCap)
                        .check(Expr::col(Enterprises::BurdenCap).gte(0)),
                )
                .col(timestamp_with_time_zone(Enterprises::CreatedAt))
                .col(timestamp_with_time_zone(Enterprises::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            Enterprises::Table,
            "idx_enterprises_district",
            [Enterprises::District, Enterprises::Sector],
        ))
        .await?;
        m.create_index(index(
            Enterprises::Table,
            "idx_enterprises_sector_status",
            [Enterprises::Sector, Enterprises::Status],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(EnterpriseQuietPeriods::Table)
                .col(pk_uuid(EnterpriseQuietPeriods::Id))
                .col(uuid(EnterpriseQuietPeriods::EnterpriseId))
                .col(date(EnterpriseQuietPeriods::StartDate))
                .col(date(EnterpriseQuietPeriods::EndDate))
                .col(string_len_null(EnterpriseQuietPeriods::Reason, 500))
                .check(
                    Expr::col(EnterpriseQuietPeriods::StartDate)
                        .lte(Expr::col(EnterpriseQuietPeriods::EndDate)),
                )
                .foreign_key(&mut fk(
                    (
                        EnterpriseQuietPeriods::Table,
                        EnterpriseQuietPeriods::EnterpriseId,
                    ),
                    (Enterprises::Table, Enterprises::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            EnterpriseQuietPeriods::Table,
            "idx_quiet_periods_enterprise",
            [
                EnterpriseQuietPeriods::EnterpriseId,
                EnterpriseQuietPeriods::StartDate,
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Inspectors::Table)
                .col(pk_uuid(Inspectors::Id))
                .col(string_len_uniq(Inspectors::Code, 64))
                .col(uuid(Inspectors::AgencyId))
                .col(string_len(Inspectors::Name, 200))
                .col(json(Inspectors::Qualifications))
                .col(boolean(Inspectors::Active).default(true))
                .col(timestamp_with_time_zone(Inspectors::CreatedAt))
                .foreign_key(&mut fk(
                    (Inspectors::Table, Inspectors::AgencyId),
                    (Agencies::Table, Agencies::Id),
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            Inspectors::Table,
            "idx_inspectors_agency",
            [Inspectors::AgencyId],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(InspectorUnavailableDays::Table)
                .col(uuid(InspectorUnavailableDays::InspectorId))
                .col(date(InspectorUnavailableDays::Day))
                .primary_key(
                    Index::create()
                        .col(InspectorUnavailableDays::InspectorId)
                        .col(InspectorUnavailableDays::Day),
                )
                .foreign_key(&mut fk(
                    (
                        InspectorUnavailableDays::Table,
                        InspectorUnavailableDays::InspectorId,
                    ),
                    (Inspectors::Table, Inspectors::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(InspectorConflicts::Table)
                .col(uuid(InspectorConflicts::InspectorId))
                .col(uuid(InspectorConflicts::EnterpriseId))
                .col(string_len_null(InspectorConflicts::Reason, 500))
                .primary_key(
                    Index::create()
                        .col(InspectorConflicts::InspectorId)
                        .col(InspectorConflicts::EnterpriseId),
                )
                .foreign_key(&mut fk(
                    (InspectorConflicts::Table, InspectorConflicts::InspectorId),
                    (Inspectors::Table, Inspectors::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (InspectorConflicts::Table, InspectorConflicts::EnterpriseId),
                    (Enterprises::Table, Enterprises::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(JointVisits::Table)
                .col(pk_uuid(JointVisits::Id))
                .col(uuid(JointVisits::EnterpriseId))
                .col(date(JointVisits::VisitDate))
                .col(string_len(JointVisits::Status, 32))
                .col(boolean(JointVisits::Announced))
                .col(timestamp_with_time_zone(JointVisits::CreatedAt))
                .col(timestamp_with_time_zone(JointVisits::UpdatedAt))
                .foreign_key(&mut fk(
                    (JointVisits::Table, JointVisits::EnterpriseId),
                    (Enterprises::Table, Enterprises::Id),
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            JointVisits::Table,
            "idx_visits_date",
            [JointVisits::VisitDate, JointVisits::Status],
        ))
        .await?;
        m.create_index(index(
            JointVisits::Table,
            "idx_visits_enterprise_date",
            [JointVisits::EnterpriseId, JointVisits::VisitDate],
        ))
        .await?;
        // Hard rule 6 held by the database: one live visit per enterprise and day.
        // Partial indexes read the same on SQLite and PostgreSQL.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_visits_enterprise_day ON joint_visits (enterprise_id, visit_date) \
                 WHERE status <> 'cancelled'",
            )
            .await?;

        m.create_table(
            Table::create()
                .table(InspectionRequests::Table)
                .col(pk_uuid(InspectionRequests::Id))
                .col(uuid(InspectionRequests::AgencyId))
                .col(uuid(InspectionRequests::EnterpriseId))
                .col(date(InspectionRequests::Earliest))
                .col(date(InspectionRequests::Latest))
                .col(
                    integer(InspectionRequests::TeamSize)
                        .check(Expr::col(InspectionRequests::TeamSize).gte(1)),
                )
                .col(string_len(InspectionRequests::Kind, 32))
                .col(json(InspectionRequests::Topics))
                .col(string_len(InspectionRequests::Status, 32))
                .col(string_len_null(InspectionRequests::UnscheduledReason, 64))
                .col(uuid_null(InspectionRequests::VisitId))
                .col(string_len_null(InspectionRequests::IdempotencyKey, 200))
                .col(string_len_null(InspectionRequests::BodyHash, 64))
                .col(timestamp_with_time_zone(InspectionRequests::CreatedAt))
                .col(timestamp_with_time_zone(InspectionRequests::UpdatedAt))
                .check(
                    Expr::col(InspectionRequests::Earliest)
                        .lte(Expr::col(InspectionRequests::Latest)),
                )
                .foreign_key(&mut fk(
                    (InspectionRequests::Table, InspectionRequests::AgencyId),
                    (Agencies::Table, Agencies::Id),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    (InspectionRequests::Table, InspectionRequests::EnterpriseId),
                    (Enterprises::Table, Enterprises::Id),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    (InspectionRequests::Table, InspectionRequests::VisitId),
                    (JointVisits::Table, JointVisits::Id),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_requests_idempotency_key")
                .table(InspectionRequests::Table)
                .col(InspectionRequests::AgencyId)
                .col(InspectionRequests::IdempotencyKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            InspectionRequests::Table,
            "idx_requests_enterprise_window",
            [
                InspectionRequests::EnterpriseId,
                InspectionRequests::Earliest,
            ],
        ))
        .await?;
        m.create_index(index(
            InspectionRequests::Table,
            "idx_requests_agency_status",
            [InspectionRequests::AgencyId, InspectionRequests::Status],
        ))
        .await?;
        m.create_index(index(
            InspectionRequests::Table,
            "idx_requests_visit",
            [InspectionRequests::VisitId],
        ))
        .await?;
        m.create_index(index(
            InspectionRequests::Table,
            "idx_requests_status_latest",
            [InspectionRequests::Status, InspectionRequests::Latest],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(VisitTeams::Table)
                .col(uuid(VisitTeams::VisitId))
                .col(uuid(VisitTeams::AgencyId))
                .col(date(VisitTeams::VisitDate))
                .col(integer(VisitTeams::TeamSize).check(Expr::col(VisitTeams::TeamSize).gte(1)))
                .primary_key(
                    Index::create()
                        .col(VisitTeams::VisitId)
                        .col(VisitTeams::AgencyId),
                )
                .foreign_key(&mut fk(
                    (VisitTeams::Table, VisitTeams::VisitId),
                    (JointVisits::Table, JointVisits::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (VisitTeams::Table, VisitTeams::AgencyId),
                    (Agencies::Table, Agencies::Id),
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        // Daily capacity is counted per agency and day.
        m.create_index(index(
            VisitTeams::Table,
            "idx_visit_teams_agency_day",
            [VisitTeams::AgencyId, VisitTeams::VisitDate],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(VisitInspectors::Table)
                .col(uuid(VisitInspectors::VisitId))
                .col(uuid(VisitInspectors::InspectorId))
                .col(uuid(VisitInspectors::AgencyId))
                .col(date(VisitInspectors::VisitDate))
                .primary_key(
                    Index::create()
                        .col(VisitInspectors::VisitId)
                        .col(VisitInspectors::InspectorId),
                )
                .foreign_key(&mut fk(
                    (VisitInspectors::Table, VisitInspectors::VisitId),
                    (JointVisits::Table, JointVisits::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (VisitInspectors::Table, VisitInspectors::InspectorId),
                    (Inspectors::Table, Inspectors::Id),
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        // Hard rule 3 held by the database: an inspector is in at most one visit a day.
        m.create_index(
            Index::create()
                .name("uq_visit_inspectors_inspector_day")
                .table(VisitInspectors::Table)
                .col(VisitInspectors::InspectorId)
                .col(VisitInspectors::VisitDate)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CalendarYears::Table)
                .col(integer(CalendarYears::Year).primary_key())
                .col(json(CalendarYears::Document))
                .col(timestamp_with_time_zone(CalendarYears::ImportedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CalendarYears::Table.into_iden(),
            VisitInspectors::Table.into_iden(),
            VisitTeams::Table.into_iden(),
            InspectionRequests::Table.into_iden(),
            JointVisits::Table.into_iden(),
            InspectorConflicts::Table.into_iden(),
            InspectorUnavailableDays::Table.into_iden(),
            Inspectors::Table.into_iden(),
            EnterpriseQuietPeriods::Table.into_iden(),
            Enterprises::Table.into_iden(),
            Agencies::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
