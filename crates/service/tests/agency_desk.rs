//! What the agency clerk's pages need of the service: finding an enterprise by part of
//! its name or the start of its credit code, requests listed with the visit each landed
//! in, a cancellation's reason in the audit log, and an agency kept to its own inspectors.

use chrono::NaiveDate;
use onevisit_domain::WorkCalendar;
use onevisit_service::enterprises::{EnterpriseFilter, list_enterprises};
use onevisit_service::entities::{agency, audit_entry, enterprise, inspector};
use onevisit_service::inspectors::{self, Unavailable};
use onevisit_service::requests::{self, BookingBody, RequestFilter};
use onevisit_service::seed::{self, Quarter};
use onevisit_service::testing::TestDatabase;
use onevisit_service::{Caller, Role, ServiceError};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

fn today() -> NaiveDate {
    "2026-10-05".parse().expect("date")
}

async fn seeded() -> (TestDatabase, DatabaseConnection) {
    let database = TestDatabase::new().await;
    let db = onevisit_service::db::open(&database.config)
        .await
        .expect("open and migrate");
    let data = seed::demo(
        "2026Q4".parse::<Quarter>().expect("quarter"),
        &WorkCalendar::shipped(),
    );
    seed::apply(&db, &data.validate().expect("valid demo"))
        .await
        .expect("seed");
    (database, db)
}

async fn clerk(db: &DatabaseConnection, code: &str) -> Caller {
    let agency = agency::Entity::find()
        .filter(agency::Column::Code.eq(code))
        .one(db)
        .await
        .expect("query")
        .expect("the demo agency");
    Caller {
        user_id: Uuid::now_v7(),
        session_id: Uuid::now_v7(),
        username: code.to_owned(),
        role: Role::Agency,
        agency_id: Some(agency.id),
        enterprise_id: None,
        inspector_id: None,
    }
}

fn search(q: &str) -> EnterpriseFilter {
    EnterpriseFilter {
        district: None,
        sector: None,
        status: None,
        credit_code: None,
        q: Some(q.to_owned()),
        limit: None,
        offset: None,
    }
}

async fn some_enterprise(db: &DatabaseConnection) -> enterprise::Model {
    enterprise::Entity::find()
        .order_by_asc(enterprise::Column::CreditCode)
        .one(db)
        .await
        .expect("query")
        .expect("a demo enterprise")
}

#[tokio::test]
async fn an_enterprise_is_found_by_part_of_its_name_or_the_start_of_its_credit_code() {
    let (_database, db) = seeded().await;
    let fire = clerk(&db, "fire").await;
    let wanted = some_enterprise(&db).await;
    let middle: String = wanted.name.chars().skip(1).take(3).collect();
    let (by_name, total) = list_enterprises(&db, &fire, &search(&middle), (500, 0))
        .await
        .expect("search");
    assert!(by_name.iter().any(|e| e.id == wanted.id), "{middle}");
    assert!(
        by_name.iter().all(|e| e.name.contains(&middle)),
        "only names holding {middle}"
    );
    assert_eq!(total as usize, by_name.len());

    let start = wanted.credit_code[..10].to_lowercase();
    let (by_code, _) = list_enterprises(&db, &fire, &search(&start), (500, 0))
        .await
        .expect("search");
    assert!(by_code.iter().any(|e| e.id == wanted.id), "{start}");
    assert!(
        by_code
            .iter()
            .all(|e| e.credit_code.starts_with(&start.to_uppercase()) || e.name.contains(&start))
    );

    // `%` and `_` are matched as themselves, not as wildcards.
    for wild in ["%", "_"] {
        let (none, total) = list_enterprises(&db, &fire, &search(wild), (500, 0))
            .await
            .expect("search");
        assert_eq!((none.len(), total), (0, 0), "{wild}");
    }
}

fn booking(enterprise: Uuid) -> BookingBody {
    BookingBody {
        enterprise_id: enterprise,
        earliest: "2026-10-12".parse().expect("date"),
        latest: "2026-10-30".parse().expect("date"),
        team_size: 1,
        kind: "routine".to_owned(),
        topics: Vec::new(),
    }
}

#[tokio::test]
async fn requests_are_listed_with_their_visit_and_a_cancel_keeps_its_reason() {
    let (_database, db) = seeded().await;
    let fire = clerk(&db, "fire").await;
    let calendar = WorkCalendar::shipped();
    let target = some_enterprise(&db).await;
    let answer = requests::book_request(
        &db,
        &calendar,
        today(),
        &fire,
        Some(b"desk-1"),
        &booking(target.id),
    )
    .await
    .expect("booked");
    let id = answer.request.id;

    let filter = RequestFilter {
        status: None,
        enterprise_id: Some(target.id),
        agency: None,
        from: None,
        to: None,
        limit: None,
        offset: None,
    };
    let (rows, total) = requests::list_placed(&db, &fire, today(), &filter, (50, 0))
        .await
        .expect("list");
    assert_eq!(total as usize, rows.len());
    let row = rows
        .iter()
        .find(|r| r.request.id == id)
        .expect("the booking is listed");
    assert_eq!(row.enterprise_name, target.name);
    assert_eq!(
        row.visit.as_ref().map(|v| v.id),
        answer.placement.visit.as_ref().map(|v| v.id),
        "listed in the visit the booking answered"
    );
    if let Some(visit) = &row.visit {
        assert!(visit.teams.iter().any(|t| t.agency == "fire"), "{visit:?}");
    }
    let one = requests::get_placed(&db, &fire, today(), id)
        .await
        .expect("one");
    assert_eq!(one.visit.map(|v| v.id), row.visit.as_ref().map(|v| v.id));

    // Another agency does not see it, nor may cancel it.
    let ecology = clerk(&db, "ecology").await;
    assert!(matches!(
        requests::get_placed(&db, &ecology, today(), id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        requests::cancel_request(&db, &ecology, id, Some("not ours")).await,
        Err(ServiceError::NotFound)
    ));

    // A reason given must say something; it is then logged with the cancellation.
    match requests::cancel_request(&db, &fire, id, Some("   ")).await {
        Err(ServiceError::Invalid(errors)) => assert_eq!(errors[0].field, "reason"),
        other => panic!("an empty reason is refused: {other:?}"),
    }
    let cancelled = requests::cancel_request(&db, &fire, id, Some(" booked twice "))
        .await
        .expect("cancelled");
    assert_eq!(cancelled.status, "cancelled");
    let logged = audit_entry::Entity::find()
        .filter(audit_entry::Column::EntityId.eq(id))
        .filter(audit_entry::Column::Action.eq("cancel"))
        .one(&db)
        .await
        .expect("query")
        .expect("the cancellation is logged");
    assert_eq!(logged.reason.as_deref(), Some("booked twice"));
}

#[tokio::test]
async fn an_agency_sets_the_leave_of_its_own_inspectors_only() {
    let (_database, db) = seeded().await;
    let fire = clerk(&db, "fire").await;
    let ecology = clerk(&db, "ecology").await;
    let theirs = inspector::Entity::find()
        .filter(inspector::Column::AgencyId.eq(ecology.agency_id.expect("agency")))
        .one(&db)
        .await
        .expect("query")
        .expect("an ecology inspector");
    let day: NaiveDate = "2026-10-20".parse().expect("date");
    let foreign =
        inspectors::set_unavailable(&db, &fire, theirs.id, Unavailable { days: vec![day] }).await;
    assert!(
        matches!(foreign, Err(ServiceError::NotFound)),
        "{foreign:?}"
    );
    assert!(matches!(
        inspectors::get(&db, &fire, theirs.id).await,
        Err(ServiceError::NotFound)
    ));
    let own =
        inspectors::set_unavailable(&db, &ecology, theirs.id, Unavailable { days: vec![day] })
            .await
            .expect("its own agency may");
    assert_eq!(own.unavailable, [day]);
}
