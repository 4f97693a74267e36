//! Inspection plans, their published draw records (immutable: triggers refuse UPDATE
//! and DELETE on both databases), the requests each firing made, and the job-run log
//! whose unique `(job, tick)` key makes each tick of each job run exactly once.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InspectionPlans {
    Table,
    Id,
    Name,
    Kind,
    Schedule,
    Definition,
    WebhookUrl,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DrawRecords {
    Table,
    Id,
    PlanId,
    Tick,
    DrawnAt,
    Record,
    Digest,
}

#[derive(DeriveIden)]
enum PlanRequests {
    Table,
    RequestId,
    PlanId,
    DrawId,
    Tick,
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Job,
    Tick,
    Replica,
    StartedAt,
    FinishedAt,
    Outcome,
    Counts,
    Error,
}

#[derive(DeriveIden)]
enum InspectionRequests {
    Table,
    Id,
}

const PG_IMMUTABLE: &str = "
CREATE FUNCTION draw_records_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'draw records are published and cannot be changed or deleted';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER draw_records_immutable BEFORE UPDATE OR DELETE ON draw_records
  FOR EACH ROW EXECUTE FUNCTION draw_records_immutable();
";

const SQLITE_IMMUTABLE: [&str; 2] = [
    "CREATE TRIGGER draw_records_no_update BEFORE UPDATE ON draw_records BEGIN \
     SELECT RAISE(ABORT, 'draw records are published and cannot be changed or deleted'); END",
    "CREATE TRIGGER draw_records_no_delete BEFORE DELETE ON draw_records BEGIN \
     SELECT RAISE(ABORT, 'draw records are published and cannot be changed or deleted'); END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(InspectionPlans::Table)
                .col(pk_uuid(InspectionPlans::Id))
                .col(string_len(InspectionPlans::Name, 200).unique_key())
                .col(string_len(InspectionPlans::Kind, 16))
                .col(string_len(InspectionPlans::Schedule, 200))
                // The checked plan as the scheduler crate's `PlanInput` serialises it.
                .col(json(InspectionPlans::Definition))
                .col(text_null(InspectionPlans::WebhookUrl))
                .col(string_len(InspectionPlans::Status, 16))
                .col(timestamp_with_time_zone(InspectionPlans::CreatedAt))
                .col(timestamp_with_time_zone(InspectionPlans::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DrawRecords::Table)
                .col(pk_uuid(DrawRecords::Id))
                .col(uuid(DrawRecords::PlanId))
                .col(timestamp_with_time_zone(DrawRecords::Tick))
                .col(timestamp_with_time_zone(DrawRecords::DrawnAt))
                // The scheduler crate's `DrawRecord`: plan, pool, seed, size, result.
                .col(json(DrawRecords::Record))
                .col(string_len(DrawRecords::Digest, 64))
                .foreign_key(
                    ForeignKey::create()
                        .from(DrawRecords::Table, DrawRecords::PlanId)
                        .to(InspectionPlans::Table, InspectionPlans::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_draw_records_plan_tick")
                .table(DrawRecords::Table)
                .col(DrawRecords::PlanId)
                .col(DrawRecords::Tick)
                .unique()
                .to_owned(),
        )
        .await?;
        match m.get_database_backend() {
            DbBackend::Postgres => {
                m.get_connection().execute_unprepared(PG_IMMUTABLE).await?;
            }
            _ => {
                for statement in SQLITE_IMMUTABLE {
                    m.get_connection().execute_unprepared(statement).await?;
                }
            }
        }

        m.create_table(
            Table::create()
                .table(PlanRequests::Table)
                .col(uuid(PlanRequests::RequestId).primary_key())
                .col(uuid(PlanRequests::PlanId))
                .col(uuid_null(PlanRequests::DrawId))
                .col(timestamp_with_time_zone(PlanRequests::Tick))
                .foreign_key(
                    ForeignKey::create()
                        .from(PlanRequests::Table, PlanRequests::RequestId)
                        .to(InspectionRequests::Table, InspectionRequests::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PlanRequests::Table, PlanRequests::PlanId)
                        .to(InspectionPlans::Table, InspectionPlans::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_plan_requests_draw")
                .table(PlanRequests::Table)
                .col(PlanRequests::DrawId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(JobRuns::Table)
                .col(pk_uuid(JobRuns::Id))
                .col(string_len(JobRuns::Job, 200))
                .col(timestamp_with_time_zone(JobRuns::Tick))
                .col(string_len(JobRuns::Replica, 100))
                .col(timestamp_with_time_zone(JobRuns::StartedAt))
                .col(timestamp_with_time_zone_null(JobRuns::FinishedAt))
                .col(string_len(JobRuns::Outcome, 16))
                .col(json_null(JobRuns::Counts))
                .col(text_null(JobRuns::Error))
                .to_owned(),
        )
        .await?;
        // The claim: whoever inserts (job, tick) first runs the tick.
        m.create_index(
            Index::create()
                .name("idx_job_runs_job_tick")
                .table(JobRuns::Table)
                .col(JobRuns::Job)
                .col(JobRuns::Tick)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_job_runs_started")
                .table(JobRuns::Table)
                .col(JobRuns::StartedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(JobRuns::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(PlanRequests::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(DrawRecords::Table).to_owned())
            .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS draw_records_immutable()")
                .await?;
        }
        m.drop_table(Table::drop().table(InspectionPlans::Table).to_owned())
            .await
    }
}
