//! `schedule_versions`: a counter per enterprise that every change to what its schedule
//! shows moves on, in the transaction of the change (triggers, so no write path can
//! forget it). The API caches an enterprise's schedule pages under these versions:
//! one primary-key read tells whether a cached page is still true.
//!
//! What a schedule shows: the enterprise's visits (`joint_visits`), their teams and
//! inspectors (`visit_teams`, `visit_inspectors`), the enterprise's name, and the names
//! of agencies and inspectors on its visits. PostgreSQL counts once per statement (a
//! re-plan writes thousands of rows in a few statements); SQLite once per row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ScheduleVersions {
    Table,
    EnterpriseId,
    Version,
}

/// Moves on the versions of the enterprises that `changed` names (`enterprise_id`).
const PG_BUMP: &str = "
CREATE FUNCTION schedule_versions_bump() RETURNS trigger AS $$
BEGIN
  INSERT INTO schedule_versions (enterprise_id, version)
    SELECT DISTINCT enterprise_id, 1 FROM changed
    ON CONFLICT (enterprise_id) DO UPDATE SET version = schedule_versions.version + 1;
  RETURN NULL;
END; $$ LANGUAGE plpgsql";

/// The same for rows of a visit (`visit_id`): its enterprise's version.
const PG_BUMP_BY_VISIT: &str = "
CREATE FUNCTION schedule_versions_bump_by_visit() RETURNS trigger AS $$
BEGIN
  INSERT INTO schedule_versions (enterprise_id, version)
    SELECT DISTINCT v.enterprise_id, 1 FROM changed c JOIN joint_visits v ON v.id = c.visit_id
    ON CONFLICT (enterprise_id) DO UPDATE SET version = schedule_versions.version + 1;
  RETURN NULL;
END; $$ LANGUAGE plpgsql";

/// A renamed enterprise, agency or inspector: the enterprises whose schedule shows it.
const PG_RENAMES: &str = "
CREATE FUNCTION schedule_versions_rename() RETURNS trigger AS $$
BEGIN
  INSERT INTO schedule_versions (enterprise_id, version)
    SELECT DISTINCT e, 1 FROM (
      SELECT NEW.id AS e WHERE TG_TABLE_NAME = 'enterprises'
      UNION SELECT v.enterprise_id FROM visit_teams t JOIN joint_visits v ON v.id = t.visit_id
        WHERE TG_TABLE_NAME = 'agencies' AND t.agency_id = NEW.id
      UNION SELECT v.enterprise_id FROM visit_inspectors i JOIN joint_visits v ON v.id = i.visit_id
        WHERE TG_TABLE_NAME = 'inspectors' AND i.inspector_id = NEW.id
    ) s
    ON CONFLICT (enterprise_id) DO UPDATE SET version = schedule_versions.version + 1;
  RETURN NULL;
END; $$ LANGUAGE plpgsql";

/// SQLite's upsert of one enterprise's version, from a SELECT naming it `e`.
fn sqlite_bump(select: &str) -> String {
    format!(
        "INSERT INTO schedule_versions (enterprise_id, version) {select} \
         ON CONFLICT (enterprise_id) DO UPDATE SET version = version + 1;"
    )
}

fn statements(backend: DbBackend) -> Vec<String> {
    let mut out = Vec::new();
    match backend {
        DbBackend::Postgres => {
            out.extend([PG_BUMP, PG_BUMP_BY_VISIT, PG_RENAMES].map(str::to_owned));
            for (table, function) in [
                ("joint_visits", "schedule_versions_bump"),
                ("visit_teams", "schedule_versions_bump_by_visit"),
                ("visit_inspectors", "schedule_versions_bump_by_visit"),
            ] {
                for (event, transition) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")]
                {
                    let lower = event.to_lowercase();
                    out.push(format!(
                        "CREATE TRIGGER {table}_schedule_{lower} AFTER {event} ON {table} \
                         REFERENCING {transition} TABLE AS changed \
                         FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                    ));
                }
            }
            for (table, columns) in [
                ("enterprises", "name"),
                ("agencies", "name, code"),
                ("inspectors", "name, code"),
            ] {
                out.push(format!(
                    "CREATE TRIGGER {table}_schedule_rename AFTER UPDATE OF {columns} ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION schedule_versions_rename()"
                ));
            }
        }
        _ => {
            for (event, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
                let lower = event.to_lowercase();
                out.push(format!(
                    "CREATE TRIGGER joint_visits_schedule_{lower} AFTER {event} ON joint_visits \
                     BEGIN {} END",
                    sqlite_bump(&format!("VALUES ({row}.enterprise_id, 1)"))
                ));
                for table in ["visit_teams", "visit_inspectors"] {
                    out.push(format!(
                        "CREATE TRIGGER {table}_schedule_{lower} AFTER {event} ON {table} BEGIN {} END",
                        sqlite_bump(&format!(
                            "SELECT enterprise_id, 1 FROM joint_visits WHERE id = {row}.visit_id"
                        ))
                    ));
                }
            }
            out.push(format!(
                "CREATE TRIGGER enterprises_schedule_rename AFTER UPDATE OF name ON enterprises \
                 BEGIN {} END",
                sqlite_bump("VALUES (NEW.id, 1)")
            ));
            for (table, member, key) in [
                ("agencies", "visit_teams", "agency_id"),
                ("inspectors", "visit_inspectors", "inspector_id"),
            ] {
                out.push(format!(
                    "CREATE TRIGGER {table}_schedule_rename AFTER UPDATE OF name, code ON {table} \
                     BEGIN {} END",
                    sqlite_bump(&format!(
                        "SELECT DISTINCT v.enterprise_id, 1 FROM {member} m \
                         JOIN joint_visits v ON v.id = m.visit_id WHERE m.{key} = NEW.id"
                    ))
                ));
            }
        }
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ScheduleVersions::Table)
                .col(uuid(ScheduleVersions::EnterpriseId).primary_key())
                .col(big_integer(ScheduleVersions::Version))
                .to_owned(),
        )
        .await?;
        for statement in statements(m.get_database_backend()) {
            m.get_connection().execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for table in ["joint_visits", "visit_teams", "visit_inspectors"] {
            for event in ["insert", "update", "delete"] {
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS {table}_schedule_{event}{}",
                    on(m.get_database_backend(), table)
                ))
                .await?;
            }
        }
        for table in ["enterprises", "agencies", "inspectors"] {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS {table}_schedule_rename{}",
                on(m.get_database_backend(), table)
            ))
            .await?;
        }
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "DROP FUNCTION IF EXISTS schedule_versions_bump(), \
                 schedule_versions_bump_by_visit(), schedule_versions_rename()",
            )
            .await?;
        }
        m.drop_table(Table::drop().table(ScheduleVersions::Table).to_owned())
            .await
    }
}

/// PostgreSQL names a trigger's table when dropping it; SQLite does not.
fn on(backend: DbBackend, table: &str) -> String {
    match backend {
        DbBackend::Postgres => format!(" ON {table}"),
        _ => String::new(),
    }
}
