//! The tenant-isolation matrix: every role against every endpoint with another tenant's
//! ids. Nothing leaks: a foreign id is not found, a role's forbidden action is refused.

mod common;

use common::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

/// Ids of another tenant's things, found by the office.
struct Foreign {
    /// A request of ecology.
    ecology_request: String,
    /// A visit fire takes no part in.
    visit_without_fire: String,
    /// That visit's enterprise and a different enterprise.
    enterprise_a: Value,
    enterprise_b: Value,
    /// An inspector of ecology.
    ecology_inspector: String,
}

async fn foreign(app: &TestApp) -> Foreign {
    let office = app.token("office").await;
    let requests = json_of(
        app.get_as(&office, "/requests?status=scheduled&limit=500")
            .await,
    )
    .await;
    let ecology_request = requests["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["agency"] == "ecology")
        .expect("an ecology request")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let visits = json_of(app.get_as(&office, "/visits?limit=500").await).await;
    let visit = visits["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|v| {
            v["announced"] == true
                && v["teams"]
                    .as_array()
                    .expect("teams")
                    .iter()
                    .all(|t| t["agency"] != "fire")
        })
        .expect("a visit without fire")
        .clone();
    let enterprises = json_of(app.get_as(&office, "/enterprises?limit=500").await).await;
    let enterprise_a = enterprises["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["id"] == visit["enterprise_id"])
        .expect("the visit's enterprise")
        .clone();
    let enterprise_b = enterprises["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["id"] != visit["enterprise_id"])
        .expect("another enterprise")
        .clone();
    let inspectors = json_of(app.get_as(&office, "/inspectors").await).await;
    let ecology_inspector = inspectors
        .as_array()
        .expect("inspectors")
        .iter()
        .find(|i| i["agency"] == "ecology")
        .expect("an ecology inspector")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    Foreign {
        ecology_request,
        visit_without_fire: visit["id"].as_str().expect("id").to_owned(),
        enterprise_a,
        enterprise_b,
        ecology_inspector,
    }
}

#[tokio::test]
async fn no_tenant_sees_or_touches_another_tenants_things() {
    let app = spawn_app(true).await;
    let ids = foreign(&app).await;
    let fire = app.token("fire").await;
    let fire_inspector = app.token("fire-inspector").await;
    let office = app.token("office").await;
    let a = app
        .token(ids.enterprise_a["credit_code"].as_str().expect("code"))
        .await;
    let b = app
        .token(ids.enterprise_b["credit_code"].as_str().expect("code"))
        .await;
    let enterprise_a = ids.enterprise_a["id"].as_str().expect("id");

    let reads = [
        (
            format!("/requests/{}", ids.ecology_request),
            vec![
                (&fire, 404),
                (&fire_inspector, 404),
                (&a, 404),
                (&office, 200),
            ],
        ),
        (
            format!("/visits/{}", ids.visit_without_fire),
            vec![
                (&fire, 404),
                (&fire_inspector, 404),
                (&b, 404),
                (&a, 200),
                (&office, 200),
            ],
        ),
        (
            format!("/enterprises/{enterprise_a}"),
            vec![(&b, 404), (&a, 200), (&fire, 200)],
        ),
        (
            format!("/inspectors/{}", ids.ecology_inspector),
            vec![
                (&fire, 404),
                (&fire_inspector, 404),
                (&a, 404),
                (&office, 200),
            ],
        ),
        (
            "/users".to_owned(),
            vec![(&fire, 403), (&a, 403), (&office, 403)],
        ),
    ];
    for (path, expectations) in &reads {
        for (token, status) in expectations {
            let response = app.get_as(token, path).await;
            assert_eq!(response.status().as_u16(), *status, "GET {path}");
        }
    }

    // Writes with a foreign id change nothing.
    let cancel = format!("/requests/{}/cancel", ids.ecology_request);
    for token in [&fire, &a] {
        let response = app
            .client
            .post(app.url(&cancel))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        assert!(
            matches!(response.status().as_u16(), 403 | 404),
            "POST {cancel}: {}",
            response.status()
        );
    }
    let leave = format!("/inspectors/{}/unavailable", ids.ecology_inspector);
    let response = app
        .client
        .put(app.url(&leave))
        .bearer_auth(&fire)
        .json(&json!({"days": ["2026-12-01"]}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404, "PUT {leave}");
    let request = json_of(
        app.get_as(&office, &format!("/requests/{}", ids.ecology_request))
            .await,
    )
    .await;
    assert_ne!(request["status"], "cancelled");

    // Lists hold only the caller's own.
    let mine = json_of(app.get_as(&fire, "/requests?limit=500").await).await;
    assert!(
        mine["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|r| r["agency"] == "fire")
    );
    let theirs = json_of(app.get_as(&a, "/requests").await).await;
    assert_eq!(
        theirs["total"], 0,
        "an enterprise sees no agency's requests"
    );
    let seen = json_of(app.get_as(&a, "/visits?limit=500").await).await;
    assert!(
        seen["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|v| v["enterprise_id"] == ids.enterprise_a["id"])
    );
    let listed = json_of(app.get_as(&b, "/enterprises").await).await;
    assert_eq!(listed["total"], 1);
    let fire_visits = json_of(app.get_as(&fire, "/visits?limit=500").await).await;
    for visit in fire_visits["items"].as_array().expect("items") {
        assert!(
            visit["teams"]
                .as_array()
                .expect("teams")
                .iter()
                .any(|t| t["agency"] == "fire")
        );
    }
    let roster = json_of(app.get_as(&fire, "/inspectors").await).await;
    assert!(
        roster
            .as_array()
            .expect("inspectors")
            .iter()
            .all(|i| i["agency"] == "fire")
    );
}

#[tokio::test]
async fn unannounced_visits_stay_hidden_from_the_enterprise_until_their_day() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let today = onevisit_service::clock::today();
    let visits = json_of(
        app.get_as(
            &office,
            &format!("/visits?from={}&limit=1", today + chrono::Days::new(1)),
        )
        .await,
    )
    .await;
    let visit = &visits["items"][0];
    let id: uuid::Uuid = visit["id"].as_str().expect("id").parse().expect("uuid");
    // A double-random visit is not announced.
    let db = onevisit_service::db::connect(&app.database.config)
        .await
        .expect("connect");
    let row = onevisit_service::entities::joint_visit::Entity::find_by_id(id)
        .one(&db)
        .await
        .expect("query")
        .expect("visit");
    let mut active: onevisit_service::entities::joint_visit::ActiveModel = row.into();
    active.announced = Set(false);
    active.update(&db).await.expect("update");

    let enterprises = json_of(
        app.get_as(
            &office,
            &format!(
                "/enterprises/{}",
                visit["enterprise_id"].as_str().expect("id")
            ),
        )
        .await,
    )
    .await;
    let owner = app
        .token(enterprises["credit_code"].as_str().expect("code"))
        .await;
    assert_eq!(
        app.get_as(&owner, &format!("/visits/{id}")).await.status(),
        404
    );
    let listed = json_of(app.get_as(&owner, "/visits?limit=500").await).await;
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|v| v["id"] != visit["id"])
    );
    assert_eq!(
        app.get_as(&office, &format!("/visits/{id}")).await.status(),
        200
    );
}
