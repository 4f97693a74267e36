//! The admin manages agencies and accounts; an agency manages its inspectors.

mod common;

use common::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn the_admin_adds_an_agency_and_an_account_that_signs_in() {
    let app = spawn_app(true).await;
    let admin = app.token("admin").await;
    let post = |path: &str, token: &str, body: Value| {
        app.client
            .post(app.url(path))
            .bearer_auth(token.to_owned())
            .json(&body)
            .send()
    };
    let created = post(
        "/agencies",
        &admin,
        json!({"code": "transport", "name": "交通运输局", "daily_capacity": 2}),
    )
    .await
    .expect("request");
    assert_eq!(created.status(), 201);
    let again = post(
        "/agencies",
        &admin,
        json!({"code": "transport", "name": "交通运输局", "daily_capacity": 2}),
    )
    .await
    .expect("request");
    assert_eq!(again.status(), 409);
    let bad = post(
        "/agencies",
        &admin,
        json!({"code": "Transport!", "name": "x", "daily_capacity": 2}),
    )
    .await
    .expect("request");
    assert_eq!(bad.status(), 422);
    let problem: Value = bad.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "code");

    let user = post(
        "/users",
        &admin,
        json!({"username": "transport", "password": "a-long-password", "role": "agency", "agency": "transport"}),
    )
    .await
    .expect("request");
    assert_eq!(user.status(), 201);
    let signed_in = app.login_response("transport", "a-long-password").await;
    assert_eq!(signed_in.status(), 200);

    for (body, field) in [
        (
            json!({"username": "x", "password": "a-long-password", "role": "coordinator"}),
            "username",
        ),
        (
            json!({"username": "someone", "password": "short", "role": "coordinator"}),
            "password",
        ),
        (
            json!({"username": "someone", "password": "a-long-password", "role": "agency"}),
            "agency",
        ),
        (
            json!({"username": "someone", "password": "a-long-password", "role": "enterprise"}),
            "enterprise_id",
        ),
        (
            json!({"username": "someone", "password": "a-long-password", "role": "chief"}),
            "role",
        ),
    ] {
        let response = post("/users", &admin, body.clone()).await.expect("request");
        assert_eq!(response.status(), 422, "{body}");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let office = app.token("office").await;
    let refused = post(
        "/agencies",
        &office,
        json!({"code": "other", "name": "其他", "daily_capacity": 1}),
    )
    .await
    .expect("request");
    assert_eq!(refused.status(), 403);

    // A deactivated account cannot sign in.
    let created: Value = user.json().await.expect("json");
    let path = format!("/users/{}/deactivate", created["id"].as_str().expect("id"));
    assert_eq!(
        post(&path, &admin, json!({}))
            .await
            .expect("request")
            .status(),
        200
    );
    assert_eq!(
        app.login_response("transport", "a-long-password")
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn an_agency_manages_its_inspectors() {
    let app = spawn_app(true).await;
    let fire = app.token("fire").await;
    let created = app
        .client
        .post(app.url("/inspectors"))
        .bearer_auth(&fire)
        .json(&json!({"code": "fire-99", "name": "新来的", "qualifications": ["注册消防工程师"]}))
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    assert_eq!(created["agency"], "fire");
    let id = created["id"].as_str().expect("id");

    let other_agency = app
        .client
        .post(app.url("/inspectors"))
        .bearer_auth(&fire)
        .json(&json!({"code": "eco-99", "name": "别人的", "agency": "ecology"}))
        .send()
        .await
        .expect("request");
    assert_eq!(other_agency.status(), 422);

    let leave = app
        .client
        .put(app.url(&format!("/inspectors/{id}/unavailable")))
        .bearer_auth(&fire)
        .json(&json!({"days": ["2026-12-03", "2026-12-01", "2026-12-03"]}))
        .send()
        .await
        .expect("request");
    assert_eq!(leave.status(), 200);
    let leave: Value = leave.json().await.expect("json");
    assert_eq!(leave["unavailable"], json!(["2026-12-01", "2026-12-03"]));

    let office = app.token("office").await;
    let enterprises: Value = app.get_json(&office, "/enterprises?limit=1").await;
    let plant = &enterprises["items"][0]["id"];
    let conflicts = app
        .client
        .put(app.url(&format!("/inspectors/{id}/conflicts")))
        .bearer_auth(&fire)
        .json(&json!({"conflicts": [{"enterprise_id": plant, "reason": "亲属在该企业任职"}]}))
        .send()
        .await
        .expect("request");
    assert_eq!(conflicts.status(), 200);
    let unknown = app
        .client
        .put(app.url(&format!("/inspectors/{id}/conflicts")))
        .bearer_auth(&fire)
        .json(&json!({"conflicts": [{"enterprise_id": uuid::Uuid::nil()}]}))
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status(), 422);
    let problem: Value = unknown.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "conflicts[0].enterprise_id");
}

#[tokio::test]
async fn the_office_imports_enterprises_from_csv_all_or_nothing() {
    let app = spawn_app(false).await;
    // No demo: make an office account through the seed of accounts.
    let db = onevisit_service::db::connect(&app.database.config)
        .await
        .expect("connect");
    onevisit_service::seed::demo_users(&db)
        .await
        .expect("accounts");
    let office = app.token("office").await;
    let header = "credit_code,name,sector,district,in_chemical_park,key_process,key_chemical,major_hazard_source,status,burden_cap";
    let import = |body: String| {
        app.client
            .post(app.url("/enterprises/import"))
            .bearer_auth(office.clone())
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let bad = format!(
        "\u{feff}{header}\n91110000802100433B,甲化工,chemical,清江浦区,是,0,1,no,operating,3\n\
         91110000802100433C,乙化工,chemical,清江浦区,0,0,0,0,operating,\n\
         91350100M000100Y43,丙公司,mining,淮安区,0,0,0,0,operating,2\n"
    );
    let response = import(bad).await.expect("request");
    assert_eq!(response.status(), 422);
    let report: Value = response.json().await.expect("json");
    assert_eq!(report["imported"], 0);
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{report}");
    assert_eq!(errors[0]["line"], 3);
    assert_eq!(errors[0]["field"], "credit_code");
    assert_eq!(errors[1]["line"], 4);
    assert_eq!(errors[1]["field"], "sector");
    let listed: Value = app.get_json(&office, "/enterprises").await;
    assert_eq!(listed["total"], 0, "nothing was written");

    let good = format!(
        "{header}\n91110000802100433B,甲化工,chemical,清江浦区,是,0,1,no,operating,3\n\
         91350100M000100Y43,丙公司,other,淮安区,0,0,0,0,,\n"
    );
    let report: Value = import(good.clone())
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(report["imported"], 2, "{report}");
    let report: Value = import(good)
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(report["imported"], 0);
    assert_eq!(report["already_registered"], 2);
}

#[tokio::test]
async fn the_office_registers_an_enterprise_once() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let enterprise = json!({"credit_code": "91110000802100433B", "name": "淮安示范化工有限公司", "sector": "chemical",
        "district": "清江浦区", "in_chemical_park": true, "risk": {"major_hazard_source": true}, "burden_cap": 4,
        "quiet_periods": [{"start": "2026-12-20", "end": "2026-12-31", "reason": "年度检修"}]});
    let first = app.post_as(&office, "/enterprises", &enterprise).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["quiet_periods"][0]["reason"], "年度检修");
    let again = app.post_as(&office, "/enterprises", &enterprise).await;
    assert_eq!(again.status(), 409);
    let problem: Value = again.json().await.expect("json");
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .starts_with("credit_code:"),
        "{problem}"
    );

    let mut bad = enterprise.clone();
    bad["credit_code"] = json!("91110000802100433C");
    let refused = app.post_as(&office, "/enterprises", &bad).await;
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "credit_code");
    let fire = app.token("fire").await;
    assert_eq!(
        app.post_as(&fire, "/enterprises", &enterprise)
            .await
            .status(),
        403
    );
}
