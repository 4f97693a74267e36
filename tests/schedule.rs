//! An enterprise's schedule is answered from a cache, and is never older than the last
//! change to it: whatever changed it (a booking, the office, a rename) moved the
//! enterprise's schedule version on in the same transaction.

mod common;

use chrono::{Days, NaiveDate};
use common::{TestApp, spawn_app};
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{Value, json};

async fn schedule(app: &TestApp, token: &str) -> Value {
    let response = app.get_as(token, "/visits?limit=100").await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

fn visit<'a>(page: &'a Value, id: &str) -> Option<&'a Value> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|v| v["id"] == id)
}

/// An upcoming proposed visit with a team, and its enterprise's user's token.
async fn enterprise_with_a_visit(app: &TestApp, office: &str) -> (Value, String) {
    let today = onevisit_service::clock::today();
    let page: Value = app
        .get_json(office, "/visits?status=proposed&limit=500")
        .await;
    let visit = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|v| {
            v["date"].as_str().and_then(|d| d.parse::<NaiveDate>().ok()) > Some(today)
                && v["announced"] == true
                && !v["teams"].as_array().expect("teams").is_empty()
        })
        .expect("an upcoming proposed visit")
        .clone();
    let enterprise: Value = app
        .get_json(
            office,
            &format!(
                "/enterprises/{}",
                visit["enterprise_id"].as_str().expect("id")
            ),
        )
        .await;
    let token = app
        .token(enterprise["credit_code"].as_str().expect("credit code"))
        .await;
    (visit, token)
}

#[tokio::test]
async fn an_enterprise_sees_each_change_to_its_schedule_at_its_next_look() {
    let app = spawn_app(true).await;
    // The booking below must land on a visit; late in a quarter the demo's enterprises can
    // be at their burden cap. The caps are tested elsewhere.
    app.db()
        .await
        .execute_unprepared("UPDATE enterprises SET burden_cap = NULL")
        .await
        .expect("caps lifted");
    let office = app.token("office").await;
    let (cancelled, enterprise) = enterprise_with_a_visit(&app, &office).await;
    let id = cancelled["id"].as_str().expect("id");
    let first = schedule(&app, &enterprise).await;
    assert!(visit(&first, id).is_some());
    assert_eq!(
        schedule(&app, &enterprise).await,
        first,
        "the same page again"
    );

    // The office cancels the visit: it is gone from the enterprise's next look.
    let response = app
        .post_as(
            &office,
            &format!("/visits/{id}/cancel"),
            &json!({"reason": "停产检修"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let after_cancel = schedule(&app, &enterprise).await;
    assert!(visit(&after_cancel, id).is_none(), "{after_cancel}");

    // An agency books: the visit it lands on is in the next look.
    let fire = app.token("fire").await;
    let today = onevisit_service::clock::today();
    let booked: Value = app
        .post_as(
            &fire,
            "/requests",
            &json!({"enterprise_id": cancelled["enterprise_id"],
                    "earliest": today + Days::new(7), "latest": today + Days::new(40),
                    "team_size": 1, "kind": "routine", "topics": ["消防设施"]}),
        )
        .await
        .json()
        .await
        .expect("json");
    let landed = booked["placement"]["visit"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("placed: {booked}"));
    let after_booking = schedule(&app, &enterprise).await;
    let shown = visit(&after_booking, landed).expect("the booked visit is shown");
    assert!(
        shown["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .any(|t| t["agency"] == "fire")
    );

    // An inspector on it is renamed: the next look shows the new name.
    let db = app.db().await;
    let inspector = shown["teams"][0]["inspectors"][0]["id"]
        .as_str()
        .expect("an inspector")
        .to_owned();
    let rename = format!(
        "UPDATE inspectors SET name = '改名 测试' WHERE id = {}",
        uuid_literal(db.get_database_backend(), &inspector)
    );
    db.execute_unprepared(&rename).await.expect("renamed");
    let after_rename = schedule(&app, &enterprise).await;
    assert_eq!(
        visit(&after_rename, landed).expect("still shown")["teams"][0]["inspectors"][0]["name"],
        "改名 测试"
    );
}

/// A UUID as each database stores it in SQL text.
fn uuid_literal(backend: DbBackend, id: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("'{id}'"),
        _ => format!("X'{}'", id.replace('-', "")),
    }
}

#[tokio::test]
async fn a_cached_page_stands_until_the_version_moves() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let (shown, enterprise) = enterprise_with_a_visit(&app, &office).await;
    let id = shown["id"].as_str().expect("id");
    let before = schedule(&app, &enterprise).await;
    let db = app.db().await;
    let backend = db.get_database_backend();
    // Behind the triggers' back (as no write path of OneVisit can), the visit moves a day.
    let silence = match backend {
        DbBackend::Postgres => {
            "ALTER TABLE joint_visits DISABLE TRIGGER joint_visits_schedule_update"
        }
        _ => "DROP TRIGGER joint_visits_schedule_update",
    };
    db.execute_unprepared(silence).await.expect("triggers off");
    let moved = NaiveDate::parse_from_str(shown["date"].as_str().expect("date"), "%Y-%m-%d")
        .expect("date")
        + Days::new(1);
    db.execute_unprepared(&format!(
        "UPDATE joint_visits SET visit_date = '{moved}' WHERE id = {}",
        uuid_literal(backend, id)
    ))
    .await
    .expect("moved");
    // The version did not move: the cached page answers, as it was.
    assert_eq!(schedule(&app, &enterprise).await, before);
    // Once it moves, the page is built again.
    db.execute_unprepared("UPDATE schedule_versions SET version = version + 1")
        .await
        .expect("bumped");
    let after = schedule(&app, &enterprise).await;
    assert_eq!(visit(&after, id).expect("shown")["date"], moved.to_string());
}
