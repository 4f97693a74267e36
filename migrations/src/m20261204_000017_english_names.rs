//! English names for what the pages name in English mode: an agency's `name_en`, and
//! `districts`, the English name of each district (县区) enterprises are in.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agencies {
    Table,
    NameEn,
}

#[derive(DeriveIden)]
enum Districts {
    Table,
    Name,
    NameEn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Agencies::Table)
                .add_column(string_len_null(Agencies::NameEn, 200))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Districts::Table)
                .col(string_len(Districts::Name, 200).primary_key())
                .col(string_len(Districts::NameEn, 200))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Districts::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Agencies::Table)
                .drop_column(Agencies::NameEn)
                .to_owned(),
        )
        .await
    }
}
