//! The schema on both databases: migrations up and down, rows that come back as they
//! went in, and the constraints that hold the rules when the code does not.

use chrono::{NaiveDate, Utc};
use onevisit_domain::{CreditCode, RequestKind, RequestStatus, VisitStatus, WorkCalendar};
use onevisit_migration::{Migrator, MigratorTrait};
use onevisit_service::entities::{
    agency, enterprise, inspection_request, inspector, inspector_conflict, joint_visit,
    quiet_period, visit_inspector,
};
use onevisit_service::seed::{self, Quarter};
use onevisit_service::testing::TestDatabase;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, SqlErr,
};
use uuid::Uuid;

async fn fresh() -> (TestDatabase, DatabaseConnection) {
    let database = TestDatabase::new().await;
    let db = onevisit_service::db::open(&database.config)
        .await
        .expect("open and migrate");
    (database, db)
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

async fn seeded() -> (TestDatabase, DatabaseConnection) {
    let (database, db) = fresh().await;
    let data = seed::demo(
        "2026Q4".parse::<Quarter>().expect("quarter"),
        &WorkCalendar::shipped(),
    );
    seed::apply(&db, &data.validate().expect("valid demo"))
        .await
        .expect("seed");
    (database, db)
}

async fn table_names(db: &DatabaseConnection) -> Vec<String> {
    use sea_orm::Statement;
    let sql = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        _ => {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
        }
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("list tables")
        .iter()
        .map(|row| row.try_get::<String>("", "name").expect("name"))
        .collect()
}

#[tokio::test]
async fn migrations_go_down_and_up_again() {
    let (_database, db) = fresh().await;
    let up = table_names(&db).await;
    for table in [
        "agencies",
        "enterprises",
        "inspection_requests",
        "joint_visits",
        "visit_inspectors",
        "calendar_years",
    ] {
        assert!(
            up.contains(&table.to_owned()),
            "{table} missing after up: {up:?}"
        );
    }
    Migrator::down(&db, None).await.expect("down");
    assert_eq!(table_names(&db).await, ["seaql_migrations"]);
    Migrator::up(&db, None).await.expect("up again");
    assert_eq!(table_names(&db).await, up);
}

#[tokio::test]
async fn a_seeded_enterprise_comes_back_as_it_went_in() {
    let (_database, db) = seeded().await;
    let data = seed::demo("2026Q4".parse().expect("quarter"), &WorkCalendar::shipped());
    let with_quiet = data
        .enterprises
        .iter()
        .find(|e| !e.quiet_periods.is_empty())
        .expect("the demo has a quiet period");
    let row = enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(&with_quiet.credit_code))
        .one(&db)
        .await
        .expect("query")
        .expect("the enterprise is stored");
    assert_eq!(row.name, with_quiet.name);
    assert_eq!(row.district, with_quiet.district);
    assert_eq!(row.sector, with_quiet.sector);
    assert_eq!(row.status.to_string(), with_quiet.status);
    assert_eq!(row.burden_cap.map(i64::from), with_quiet.burden_cap);
    assert_eq!(row.major_hazard_source, with_quiet.risk.major_hazard_source);
    CreditCode::parse(&row.credit_code).expect("a stored code is valid");
    let quiet = quiet_period::Entity::find()
        .filter(quiet_period::Column::EnterpriseId.eq(row.id))
        .all(&db)
        .await
        .expect("quiet periods");
    assert_eq!(quiet.len(), with_quiet.quiet_periods.len());
    assert_eq!(quiet[0].start_date, with_quiet.quiet_periods[0].start);

    assert_eq!(agency::Entity::find().count(&db).await.expect("count"), 6);
    let conflicts = data
        .inspectors
        .iter()
        .map(|i| i.conflicts.len() as u64)
        .sum::<u64>();
    assert_eq!(
        inspector_conflict::Entity::find()
            .count(&db)
            .await
            .expect("count"),
        conflicts
    );
    let requests = inspection_request::Entity::find()
        .all(&db)
        .await
        .expect("requests");
    assert_eq!(requests.len(), data.requests.len());
    assert!(
        requests
            .iter()
            .all(|r| r.earliest <= r.latest && r.status == RequestStatus::Open)
    );
}

fn sql_err(result: Result<impl std::fmt::Debug, DbErr>) -> SqlErr {
    result
        .expect_err("the database must refuse this")
        .sql_err()
        .expect("a constraint violation")
}

async fn some_ids(db: &DatabaseConnection) -> (agency::Model, enterprise::Model, inspector::Model) {
    let fire = agency::Entity::find()
        .filter(agency::Column::Code.eq("fire"))
        .one(db)
        .await
        .expect("q")
        .expect("fire");
    let plant = enterprise::Entity::find()
        .one(db)
        .await
        .expect("q")
        .expect("an enterprise");
    let inspector = inspector::Entity::find()
        .filter(inspector::Column::AgencyId.eq(fire.id))
        .one(db)
        .await
        .expect("q")
        .expect("a fire inspector");
    (fire, plant, inspector)
}

fn request(
    agency_id: Uuid,
    enterprise_id: Uuid,
    key: Option<&str>,
) -> inspection_request::ActiveModel {
    let now = Utc::now();
    inspection_request::ActiveModel {
        id: Set(Uuid::now_v7()),
        agency_id: Set(agency_id),
        enterprise_id: Set(enterprise_id),
        earliest: Set(day("2026-12-01")),
        latest: Set(day("2026-12-10")),
        team_size: Set(1),
        kind: Set(RequestKind::Routine.into()),
        topics: Set(serde_json::json!([])),
        status: Set(RequestStatus::Open.into()),
        unscheduled_reason: Set(None),
        visit_id: Set(None),
        idempotency_key: Set(key.map(str::to_owned)),
        body_hash: Set(None),
        announced: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn visit(enterprise_id: Uuid, date: &str, status: VisitStatus) -> joint_visit::ActiveModel {
    let now = Utc::now();
    joint_visit::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(enterprise_id),
        visit_date: Set(day(date)),
        status: Set(status.into()),
        announced: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

#[tokio::test]
async fn a_credit_code_is_stored_once() {
    let (_database, db) = seeded().await;
    let (_, plant, _) = some_ids(&db).await;
    let mut copy: enterprise::ActiveModel = plant.into();
    copy.id = Set(Uuid::now_v7());
    let copy = copy.reset_all();
    assert!(matches!(
        sql_err(copy.insert(&db).await),
        SqlErr::UniqueConstraintViolation(_)
    ));
}

#[tokio::test]
async fn an_idempotency_key_is_used_once_per_agency() {
    let (_database, db) = seeded().await;
    let (fire, plant, _) = some_ids(&db).await;
    request(fire.id, plant.id, Some("key-1"))
        .insert(&db)
        .await
        .expect("first use");
    assert!(matches!(
        sql_err(request(fire.id, plant.id, Some("key-1")).insert(&db).await),
        SqlErr::UniqueConstraintViolation(_)
    ));
    // Requests without a key are many.
    request(fire.id, plant.id, None)
        .insert(&db)
        .await
        .expect("no key");
    request(fire.id, plant.id, None)
        .insert(&db)
        .await
        .expect("no key again");
}

#[tokio::test]
async fn references_and_checks_hold() {
    let (_database, db) = seeded().await;
    let (fire, plant, _) = some_ids(&db).await;
    assert!(matches!(
        sql_err(request(Uuid::now_v7(), plant.id, None).insert(&db).await),
        SqlErr::ForeignKeyConstraintViolation(_)
    ));
    let mut zero_team = request(fire.id, plant.id, None);
    zero_team.team_size = Set(0);
    zero_team
        .insert(&db)
        .await
        .expect_err("a team of 0 is refused");
    let mut inverted = request(fire.id, plant.id, None);
    inverted.earliest = Set(day("2026-12-11"));
    inverted
        .insert(&db)
        .await
        .expect_err("an inverted window is refused");
}

#[tokio::test]
async fn an_enterprise_has_one_live_visit_a_day() {
    let (_database, db) = seeded().await;
    let (_, plant, _) = some_ids(&db).await;
    visit(plant.id, "2026-12-02", VisitStatus::Proposed)
        .insert(&db)
        .await
        .expect("first visit");
    assert!(matches!(
        sql_err(
            visit(plant.id, "2026-12-02", VisitStatus::Confirmed)
                .insert(&db)
                .await
        ),
        SqlErr::UniqueConstraintViolation(_)
    ));
    // A cancelled visit does not hold the day.
    visit(plant.id, "2026-12-03", VisitStatus::Cancelled)
        .insert(&db)
        .await
        .expect("cancelled");
    visit(plant.id, "2026-12-03", VisitStatus::Proposed)
        .insert(&db)
        .await
        .expect("the day is free");
}

#[tokio::test]
async fn an_inspector_is_in_one_visit_a_day() {
    let (_database, db) = seeded().await;
    let (fire, plant, inspector) = some_ids(&db).await;
    let other = enterprise::Entity::find()
        .filter(enterprise::Column::Id.ne(plant.id))
        .one(&db)
        .await
        .expect("q")
        .expect("another enterprise");
    let first = visit(plant.id, "2026-12-02", VisitStatus::Proposed)
        .insert(&db)
        .await
        .expect("visit");
    let second = visit(other.id, "2026-12-02", VisitStatus::Proposed)
        .insert(&db)
        .await
        .expect("visit");
    let assign = |visit_id| visit_inspector::ActiveModel {
        visit_id: Set(visit_id),
        inspector_id: Set(inspector.id),
        agency_id: Set(fire.id),
        visit_date: Set(day("2026-12-02")),
    };
    assign(first.id)
        .insert(&db)
        .await
        .expect("first assignment");
    assert!(matches!(
        sql_err(assign(second.id).insert(&db).await),
        SqlErr::UniqueConstraintViolation(_)
    ));
}
