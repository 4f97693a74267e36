//! User accounts and the login throttle.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    AgencyId,
    EnterpriseId,
    InspectorId,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Enterprises {
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
        let scope = |column: Users, table: DynIden, id: DynIden| {
            ForeignKey::create()
                .from(Users::Table, column)
                .to(table, id)
                .on_delete(ForeignKeyAction::Cascade)
                .on_update(ForeignKeyAction::Cascade)
                .to_owned()
        };
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(string_len_uniq(Users::Username, 64))
                .col(string_len(Users::PasswordHash, 200))
                .col(string_len(Users::Role, 32))
                .col(uuid_null(Users::AgencyId))
                .col(uuid_null(Users::EnterpriseId))
                .col(uuid_null(Users::InspectorId))
                .col(boolean(Users::Active).default(true))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .foreign_key(&mut scope(
                    Users::AgencyId,
                    Agencies::Table.into_iden(),
                    Agencies::Id.into_iden(),
                ))
                .foreign_key(&mut scope(
                    Users::EnterpriseId,
                    Enterprises::Table.into_iden(),
                    Enterprises::Id.into_iden(),
                ))
                .foreign_key(&mut scope(
                    Users::InspectorId,
                    Inspectors::Table.into_iden(),
                    Inspectors::Id.into_iden(),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LoginThrottle::Table)
                .col(string_len(LoginThrottle::Key, 200).primary_key())
                .col(integer(LoginThrottle::Failures))
                .col(timestamp_with_time_zone(LoginThrottle::WindowStartedAt))
                .col(timestamp_with_time_zone_null(LoginThrottle::LockedUntil))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(LoginThrottle::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
