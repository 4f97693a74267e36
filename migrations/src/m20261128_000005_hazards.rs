//! Hazards (隐患) found in joint visits: the finding with the state its history gives
//! (kept as a cache for the ledger), the append-only history itself, the evidence
//! files, and the numbered hazard lists (整改通知) issued to enterprises.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HazardNotices {
    Table,
    Id,
    EnterpriseId,
    VisitId,
    Year,
    Sequence,
    IssuedAt,
    IssuedBy,
}

#[derive(DeriveIden)]
enum Hazards {
    Table,
    Id,
    VisitId,
    EnterpriseId,
    Title,
    Description,
    Category,
    Severity,
    LegalBasis,
    Regulation,
    ResponsibleAgencyId,
    OriginalDeadline,
    Deadline,
    Status,
    NoticeId,
    FollowUpRequestId,
    ReinspectionVisitId,
    ClosedOn,
    EventCount,
    RecordedBy,
    RecordedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HazardEvents {
    Table,
    Id,
    HazardId,
    Seq,
    At,
    ActorId,
    Step,
    Event,
}

#[derive(DeriveIden)]
enum EvidenceFiles {
    Table,
    Id,
    HazardId,
    FileName,
    OriginalName,
    ContentType,
    SizeBytes,
    Sha256,
    UploadedBy,
    UploaderRole,
    UploadedAt,
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

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// History is never rewritten: the database refuses to change or remove an event, on
/// both backends, whoever asks.
pub(crate) async fn append_only(m: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let db = m.get_connection();
    match m.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            db.execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION '{table} is append-only: % refused', TG_OP; END; \
                 $$ LANGUAGE plpgsql"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
            ))
            .await?;
        }
        _ => {
            for op in ["UPDATE", "DELETE"] {
                let lower = op.to_lowercase();
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {table}_no_{lower} BEFORE {op} ON {table} \
                     BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
                ))
                .await?;
            }
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(HazardNotices::Table)
                .col(pk_uuid(HazardNotices::Id))
                .col(uuid(HazardNotices::EnterpriseId))
                .col(uuid(HazardNotices::VisitId))
                .col(integer(HazardNotices::Year))
                .col(integer(HazardNotices::Sequence))
                .col(timestamp_with_time_zone(HazardNotices::IssuedAt))
                .col(uuid(HazardNotices::IssuedBy))
                .foreign_key(&mut fk(
                    (HazardNotices::Table, HazardNotices::EnterpriseId),
                    (Enterprises::Table, Enterprises::Id),
                ))
                .foreign_key(&mut fk(
                    (HazardNotices::Table, HazardNotices::VisitId),
                    (JointVisits::Table, JointVisits::Id),
                ))
                .to_owned(),
        )
        .await?;
        // A notice number is unique per enterprise and year; two concurrent issues
        // cannot both take the next one.
        m.create_index(
            Index::create()
                .name("uq_hazard_notices_number")
                .table(HazardNotices::Table)
                .col(HazardNotices::EnterpriseId)
                .col(HazardNotices::Year)
                .col(HazardNotices::Sequence)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Hazards::Table)
                .col(pk_uuid(Hazards::Id))
                .col(uuid(Hazards::VisitId))
                .col(uuid(Hazards::EnterpriseId))
                .col(string_len(Hazards::Title, 200))
                .col(text(Hazards::Description))
                .col(string_len(Hazards::Category, 32))
                .col(string_len(Hazards::Severity, 16))
                .col(text(Hazards::LegalBasis))
                .col(string_len_null(Hazards::Regulation, 200))
                .col(uuid(Hazards::ResponsibleAgencyId))
                .col(date(Hazards::OriginalDeadline))
                // The rest is what the history gives, cached for the ledger; every step
                // rewrites it from the replayed hazard in the transaction of its event.
                .col(date(Hazards::Deadline))
                .col(string_len(Hazards::Status, 32))
                .col(uuid_null(Hazards::NoticeId))
                .col(uuid_null(Hazards::FollowUpRequestId))
                .col(uuid_null(Hazards::ReinspectionVisitId))
                .col(date_null(Hazards::ClosedOn))
                .col(integer(Hazards::EventCount))
                .col(uuid(Hazards::RecordedBy))
                .col(timestamp_with_time_zone(Hazards::RecordedAt))
                .col(timestamp_with_time_zone(Hazards::UpdatedAt))
                .foreign_key(&mut fk(
                    (Hazards::Table, Hazards::VisitId),
                    (JointVisits::Table, JointVisits::Id),
                ))
                .foreign_key(&mut fk(
                    (Hazards::Table, Hazards::EnterpriseId),
                    (Enterprises::Table, Enterprises::Id),
                ))
                .foreign_key(&mut fk(
                    (Hazards::Table, Hazards::ResponsibleAgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .foreign_key(&mut fk(
                    (Hazards::Table, Hazards::NoticeId),
                    (HazardNotices::Table, HazardNotices::Id),
                ))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_hazards_visit", vec![Hazards::VisitId]),
            (
                "idx_hazards_enterprise_deadline",
                vec![Hazards::EnterpriseId, Hazards::Deadline],
            ),
            (
                "idx_hazards_agency_deadline",
                vec![Hazards::ResponsibleAgencyId, Hazards::Deadline],
            ),
            (
                "idx_hazards_status_deadline",
                vec![Hazards::Status, Hazards::Deadline],
            ),
            ("idx_hazards_notice", vec![Hazards::NoticeId]),
        ] {
            let mut index = Index::create().name(name).table(Hazards::Table).to_owned();
            for col in cols {
                index.col(col);
            }
            m.create_index(index).await?;
        }

        m.create_table(
            Table::create()
                .table(HazardEvents::Table)
                .col(pk_uuid(HazardEvents::Id))
                .col(uuid(HazardEvents::HazardId))
                .col(integer(HazardEvents::Seq))
                .col(timestamp_with_time_zone(HazardEvents::At))
                // The user who acted; no foreign key, so that history outlives accounts.
                .col(uuid(HazardEvents::ActorId))
                .col(string_len(HazardEvents::Step, 32))
                // The domain's event as JSON: the history replays from these alone.
                .col(json(HazardEvents::Event))
                .foreign_key(&mut fk(
                    (HazardEvents::Table, HazardEvents::HazardId),
                    (Hazards::Table, Hazards::Id),
                ))
                .to_owned(),
        )
        .await?;
        // Two concurrent steps cannot both append event number n.
        m.create_index(
            Index::create()
                .name("uq_hazard_events_seq")
                .table(HazardEvents::Table)
                .col(HazardEvents::HazardId)
                .col(HazardEvents::Seq)
                .unique()
                .to_owned(),
        )
        .await?;
        append_only(m, "hazard_events").await?;

        m.create_table(
            Table::create()
                .table(EvidenceFiles::Table)
                .col(pk_uuid(EvidenceFiles::Id))
                .col(uuid(EvidenceFiles::HazardId))
                // The name under the evidence directory (the id and an extension).
                .col(string_len(EvidenceFiles::FileName, 100))
                .col(string_len(EvidenceFiles::OriginalName, 255))
                .col(string_len(EvidenceFiles::ContentType, 100))
                .col(big_integer(EvidenceFiles::SizeBytes))
                .col(string_len(EvidenceFiles::Sha256, 64))
                .col(uuid(EvidenceFiles::UploadedBy))
                .col(string_len(EvidenceFiles::UploaderRole, 32))
                .col(timestamp_with_time_zone(EvidenceFiles::UploadedAt))
                .foreign_key(&mut fk(
                    (EvidenceFiles::Table, EvidenceFiles::HazardId),
                    (Hazards::Table, Hazards::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_evidence_files_hazard")
                .table(EvidenceFiles::Table)
                .col(EvidenceFiles::HazardId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EvidenceFiles::Table.into_iden(),
            HazardEvents::Table.into_iden(),
            Hazards::Table.into_iden(),
            HazardNotices::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
