//! The office's story: the demo quarter is planned, and a re-plan shows its difference
//! before it is applied, and changes nothing when nothing changed.

mod common;

use common::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn the_demo_quarter_is_planned_and_under_way() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let visits: Value = app.get_json(&office, "/visits?limit=500").await;
    assert!(
        visits["total"].as_u64().expect("total") > 100,
        "{}",
        visits["total"]
    );
    let today = onevisit_service::clock::today();
    for visit in visits["items"].as_array().expect("items") {
        let date: chrono::NaiveDate = visit["date"].as_str().expect("date").parse().expect("date");
        if date < today {
            assert_eq!(visit["status"], "completed", "{visit}");
        }
    }
    let scheduled: Value = app
        .get_json(&office, "/requests?status=scheduled&limit=1")
        .await;
    assert!(scheduled["total"].as_u64().expect("total") > 200);
}

#[tokio::test]
async fn a_replan_is_previewed_applied_and_stable() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let today = onevisit_service::clock::today();
    let end = today + chrono::Days::new(60);
    let replan = |apply: bool| {
        let client = app.client.clone();
        let url = app.url("/plans/replan");
        let token = office.clone();
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"start": today, "end": end, "apply": apply}))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.expect("json")
        }
    };
    let preview = replan(false).await;
    assert_eq!(preview["applied"], false);
    assert!(preview["lower_bound"].as_u64() <= preview["visits_after"].as_u64());

    let applied = replan(true).await;
    assert_eq!(applied["applied"], true);
    assert_eq!(
        applied["visits_after"], preview["visits_after"],
        "the preview is what is applied"
    );

    // Each request the applied re-plan changed is in the audit trail, by the office.
    let changed = ["moved", "newly_scheduled", "newly_unscheduled"]
        .iter()
        .map(|k| applied[k].as_u64().expect("a count"))
        .sum::<u64>();
    let audited = {
        use onevisit_service::entities::audit_entry;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        audit_entry::Entity::find()
            .filter(audit_entry::Column::Action.eq("replanned"))
            .filter(audit_entry::Column::Actor.eq("office"))
            .count(&app.db().await)
            .await
            .expect("count")
    };
    assert_eq!(audited, changed);

    let again = replan(false).await;
    assert_eq!(again["moved"], 0, "{again}");
    assert_eq!(again["newly_scheduled"], 0);
    assert_eq!(again["newly_unscheduled"], 0);
    assert_eq!(again["visits_before"], applied["visits_after"]);
}

#[tokio::test]
async fn only_the_office_replans_and_bad_horizons_are_named() {
    let app = spawn_app(true).await;
    let fire = app.token("fire").await;
    let office = app.token("office").await;
    let body = json!({"start": "2026-12-01", "end": "2026-12-31"});
    let response = app
        .client
        .post(app.url("/plans/replan"))
        .bearer_auth(&fire)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    let inverted = json!({"start": "2026-12-31", "end": "2026-12-01"});
    let response = app
        .client
        .post(app.url("/plans/replan"))
        .bearer_auth(&office)
        .json(&inverted)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "end");
}

#[tokio::test]
async fn a_visit_the_office_rescheduled_is_kept_by_the_next_replan() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let today = onevisit_service::clock::today();
    let page: Value = app
        .get_json(&office, "/visits?status=proposed&limit=500")
        .await;
    // The first upcoming proposed visit the office can move to another day.
    let mut moved = None;
    'visits: for visit in page["items"].as_array().expect("items") {
        let date: chrono::NaiveDate = visit["date"].as_str().expect("date").parse().expect("date");
        if date <= today {
            continue;
        }
        let id = visit["id"].as_str().expect("id").to_owned();
        for ahead in 1..30 {
            let day = today + chrono::Days::new(ahead);
            if day == date {
                continue;
            }
            let response = app
                .post_as(
                    &office,
                    &format!("/visits/{id}/reschedule"),
                    &json!({"date": day, "reason": "the enterprise asked"}),
                )
                .await;
            if response.status() == 200 {
                moved = Some((id, day));
                break 'visits;
            }
        }
    }
    let (id, day) = moved.expect("a proposed visit the office could move");
    let response = app
        .post_as(
            &office,
            "/plans/replan",
            &json!({"start": today, "end": today + chrono::Days::new(60), "apply": true}),
        )
        .await;
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let visit: Value = app.get_json(&office, &format!("/visits/{id}")).await;
    assert_eq!(visit["date"], day.to_string(), "{visit}");
    assert_eq!(visit["status"], "proposed");
}
