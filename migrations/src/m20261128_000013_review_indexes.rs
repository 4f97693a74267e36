//! An index for the load review: the visits that hold an urgent request, which the burden
//! cap spares. Urgent requests are few; without it the review reads every request to
//! find them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const URGENT: &str = "idx_requests_urgent_visit";

#[derive(DeriveIden)]
enum InspectionRequests {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Partial indexes read the same on SQLite and PostgreSQL.
        m.get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {URGENT} ON inspection_requests (visit_id) WHERE kind = 'urgent'"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(URGENT)
                .table(InspectionRequests::Table)
                .to_owned(),
        )
        .await
    }
}
