//! Two-way scheduling: an enterprise declares a quiet period and asks an inspector's
//! recusal before an announced visit; the office approves or refuses. Bad asks are
//! refused naming the field, other tenants and roles see nothing, an approved quiet
//! period binds the planner (and is refused while a visit is held in it), an approved
//! recusal replaces the inspector on the team and binds later draws (and is refused,
//! writing nothing, when nobody is free to replace them), and the trail has it all.

mod common;

use chrono::{Days, NaiveDate};
use common::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn send(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    send(app.post_as(token, path, &body).await).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    send(app.get_as(token, path).await).await
}

fn field_of(problem: &Value) -> &str {
    problem["errors"][0]["field"].as_str().unwrap_or_default()
}

fn date(value: &Value) -> NaiveDate {
    value.as_str().expect("a date").parse().expect("a date")
}

fn today() -> NaiveDate {
    onevisit_service::clock::today()
}

/// Announced visits after today whose teams have inspectors, by date.
async fn staffed_visits_ahead(app: &TestApp, office: &str) -> Vec<Value> {
    let from = today() + Days::new(1);
    let page: Value = app
        .get_json(office, &format!("/visits?from={from}&limit=500"))
        .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|v| {
            v["announced"] == true
                && matches!(v["status"].as_str(), Some("proposed" | "confirmed"))
                && v["teams"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t["inspectors"][0].is_object()))
        })
        .cloned()
        .collect()
}

/// The enterprise's own token (its account is named by its credit code).
async fn enterprise_token(app: &TestApp, office: &str, enterprise_id: &str) -> String {
    let e: Value = app
        .get_json(office, &format!("/enterprises/{enterprise_id}"))
        .await;
    app.token(e["credit_code"].as_str().expect("credit code"))
        .await
}

/// The audit actions about `entity` `id`, in order.
async fn trail(app: &TestApp, office: &str, entity: &str, id: &str) -> Vec<String> {
    let page: Value = app
        .get_json(office, &format!("/audit?entity={entity}&entity_id={id}"))
        .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn asks_are_checked_by_field_scoped_to_their_enterprise_and_decided_once() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let visits = staffed_visits_ahead(&app, &office).await;
    let visit = &visits[0];
    let enterprise_id = visit["enterprise_id"].as_str().expect("id").to_owned();
    let other_visit = visits
        .iter()
        .find(|v| v["enterprise_id"] != visit["enterprise_id"])
        .expect("a visit of another enterprise");
    let other_id = other_visit["enterprise_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let own = enterprise_token(&app, &office, &enterprise_id).await;
    let other = enterprise_token(&app, &office, &other_id).await;
    let quiet_path = format!("/enterprises/{enterprise_id}/quiet-period-asks");
    let recusal_path = format!("/enterprises/{enterprise_id}/recusal-asks");
    let start = today() + Days::new(120);

    // Each bad ask names its field.
    let quiet =
        |s: NaiveDate, e: NaiveDate, reason: &str| json!({"start": s, "end": e, "reason": reason});
    for (body, field) in [
        (quiet(start, start, "  "), "reason"),
        (quiet(today(), today() + Days::new(2), "检修"), "start"),
        (quiet(start, start - Days::new(1), "检修"), "end"),
        (quiet(start, start + Days::new(92), "检修"), "end"),
    ] {
        let (status, problem) = post(&app, &own, &quiet_path, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(field_of(&problem), field, "{problem}");
    }
    let inspector = &visit["teams"][0]["inspectors"][0];
    // An inspector on another visit's team and not on this one's.
    let outsider = visits
        .iter()
        .flat_map(|v| v["teams"].as_array().expect("teams").iter())
        .flat_map(|t| t["inspectors"].as_array().expect("inspectors").iter())
        .find(|i| {
            !visit["teams"]
                .as_array()
                .expect("teams")
                .iter()
                .any(|t| t["inspectors"].as_array().expect("inspectors").contains(i))
        })
        .expect("an inspector not on the visit's team");
    for (body, field) in [
        (
            json!({"visit_id": other_visit["id"], "inspector_id": inspector["id"], "reason": "亲属"}),
            "visit_id",
        ),
        (
            json!({"visit_id": visit["id"], "inspector_id": outsider["id"], "reason": "亲属"}),
            "inspector_id",
        ),
        (
            json!({"visit_id": visit["id"], "inspector_id": inspector["id"], "reason": ""}),
            "reason",
        ),
    ] {
        let (status, problem) = post(&app, &own, &recusal_path, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(field_of(&problem), field, "{problem}");
    }

    // Only the enterprise's own staff ask, for their own enterprise.
    let body = quiet(start, start + Days::new(6), "年度检修停车");
    assert_eq!(post(&app, &other, &quiet_path, body.clone()).await.0, 404);
    let fire = app.token("fire").await;
    assert_eq!(post(&app, &fire, &quiet_path, body.clone()).await.0, 403);
    assert_eq!(post(&app, &office, &quiet_path, body.clone()).await.0, 403);
    let (status, asked) = post(&app, &own, &quiet_path, body.clone()).await;
    assert_eq!(status, 201, "{asked}");
    assert_eq!(asked["status"], "pending");
    assert_eq!(asked["kind"], "quiet_period");
    let id = asked["id"].as_str().expect("id").to_owned();
    // An overlapping ask while this one is pending is a conflict.
    let overlapping = quiet(start + Days::new(3), start + Days::new(9), "检修");
    assert_eq!(post(&app, &own, &quiet_path, overlapping).await.0, 409);

    // The enterprise sees its own asks; another enterprise, agencies and inspectors none.
    let (status, mine) = get(&app, &own, "/scheduling-asks").await;
    assert_eq!(status, 200);
    assert_eq!(mine["total"], 1, "{mine}");
    let (_, theirs) = get(&app, &other, "/scheduling-asks").await;
    assert_eq!(theirs["total"], 0, "{theirs}");
    assert_eq!(
        get(&app, &other, &format!("/scheduling-asks/{id}")).await.0,
        404
    );
    assert_eq!(get(&app, &fire, "/scheduling-asks").await.0, 403);
    let inspector_token = app.token("fire-inspector").await;
    assert_eq!(get(&app, &inspector_token, "/scheduling-asks").await.0, 403);
    let (status, problem) = get(&app, &office, "/scheduling-asks?status=maybe").await;
    assert_eq!((status, field_of(&problem)), (422, "status"), "{problem}");
    let (_, queue) = get(&app, &office, "/scheduling-asks?status=pending").await;
    assert!(
        queue["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|a| a["id"] == id.as_str())
    );

    // Only the office decides; a refusal says why; a decision is taken once.
    let refuse = format!("/scheduling-asks/{id}/refuse");
    assert_eq!(post(&app, &own, &refuse, json!({"note": "x"})).await.0, 403);
    assert_eq!(
        post(&app, &fire, &refuse, json!({"note": "x"})).await.0,
        403
    );
    let (status, problem) = post(&app, &office, &refuse, json!({})).await;
    assert_eq!((status, field_of(&problem)), (422, "note"), "{problem}");
    let (status, refused) = post(
        &app,
        &office,
        &refuse,
        json!({"note": "该时段有省级专项检查"}),
    )
    .await;
    assert_eq!(status, 200, "{refused}");
    assert_eq!(refused["status"], "refused");
    assert_eq!(refused["decision_note"], "该时段有省级专项检查");
    let (status, _) = post(
        &app,
        &office,
        &format!("/scheduling-asks/{id}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(status, 409, "a refused ask is not approved afterwards");
    let (_, seen) = get(&app, &own, &format!("/scheduling-asks/{id}")).await;
    assert_eq!(seen["status"], "refused");
    // A refused ask binds nothing.
    let e: Value = app
        .get_json(&office, &format!("/enterprises/{enterprise_id}"))
        .await;
    assert!(
        !e["quiet_periods"]
            .as_array()
            .expect("quiet periods")
            .iter()
            .any(|q| date(&q["start"]) == start),
        "{e}"
    );
    assert_eq!(
        trail(&app, &office, "scheduling_ask", &id).await,
        ["ask", "refuse"]
    );
    // The enterprise reads the trail of its own ask, another enterprise not.
    let (_, own_trail) = get(
        &app,
        &own,
        &format!("/audit?entity=scheduling_ask&entity_id={id}"),
    )
    .await;
    assert_eq!(own_trail["total"], 2, "{own_trail}");
    let (_, other_trail) = get(
        &app,
        &other,
        &format!("/audit?entity=scheduling_ask&entity_id={id}"),
    )
    .await;
    assert_eq!(other_trail["total"], 0, "{other_trail}");

    // An ask left waiting past its days is not approved any more.
    let late = quiet(start + Days::new(10), start + Days::new(11), "检修");
    let (status, waiting) = post(&app, &own, &quiet_path, late).await;
    assert_eq!(status, 201, "{waiting}");
    app.clock.advance(chrono::Duration::days(140));
    let (status, problem) = post(
        &app,
        &office,
        &format!(
            "/scheduling-asks/{}/approve",
            waiting["id"].as_str().expect("id")
        ),
        json!({}),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("is over"),
        "{problem}"
    );
}

#[tokio::test]
async fn an_approved_quiet_period_waits_for_the_visits_in_it_and_then_binds_the_planner() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    // A proposed visit ahead, at an enterprise whose quiet period around it may be asked.
    let mut found = None;
    for visit in staffed_visits_ahead(&app, &office).await {
        if visit["status"] != "proposed" || date(&visit["date"]) < today() + Days::new(7) {
            continue;
        }
        let enterprise_id = visit["enterprise_id"].as_str().expect("id").to_owned();
        let token = enterprise_token(&app, &office, &enterprise_id).await;
        let start = date(&visit["date"]);
        let (status, asked) = post(
            &app,
            &token,
            &format!("/enterprises/{enterprise_id}/quiet-period-asks"),
            json!({"start": start, "end": start + Days::new(6), "reason": "装置年度大修"}),
        )
        .await;
        if status == 201 {
            found = Some((visit, enterprise_id, asked, start));
            break;
        }
    }
    let (visit, enterprise_id, asked, start) = found.expect("a quiet period could be asked");
    let end = start + Days::new(6);
    let id = asked["id"].as_str().expect("id");
    let visit_id = visit["id"].as_str().expect("id");
    let approve = format!("/scheduling-asks/{id}/approve");

    // The visit held in the period stops the approval, named.
    let (status, problem) = post(&app, &office, &approve, json!({"note": "同意"})).await;
    assert_eq!(status, 409, "{problem}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(visit_id), "{detail}");
    let (_, still) = get(&app, &office, &format!("/scheduling-asks/{id}")).await;
    assert_eq!(still["status"], "pending");

    // The office moves the visit out of the period first, then approves.
    let mut moved = false;
    for ahead in 1..60 {
        let day = today() + Days::new(ahead);
        if (start..=end).contains(&day) || day == date(&visit["date"]) {
            continue;
        }
        let response = app
            .post_as(
                &office,
                &format!("/visits/{visit_id}/reschedule"),
                &json!({"date": day, "reason": "企业年度大修"}),
            )
            .await;
        if response.status() == 200 {
            moved = true;
            break;
        }
    }
    assert!(moved, "the visit could be moved out of the period");
    let (status, approved) = post(&app, &office, &approve, json!({"note": "同意"})).await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "approved");
    assert!(approved["quiet_period_id"].is_string(), "{approved}");
    let e: Value = app
        .get_json(&office, &format!("/enterprises/{enterprise_id}"))
        .await;
    assert!(
        e["quiet_periods"]
            .as_array()
            .expect("quiet periods")
            .iter()
            .any(|q| date(&q["start"]) == start && date(&q["end"]) == end),
        "{e}"
    );

    // A booking whose window is mostly the quiet period lands after it.
    let fire = app.token("fire").await;
    let (status, booked) = post(
        &app,
        &fire,
        "/requests",
        json!({"enterprise_id": enterprise_id, "earliest": start, "latest": end + Days::new(14),
               "team_size": 1, "kind": "routine", "topics": ["消防设施"]}),
    )
    .await;
    assert_eq!(status, 201, "{booked}");
    if let Some(day) = booked["placement"]["visit"]["date"].as_str() {
        let day: NaiveDate = day.parse().expect("a date");
        assert!(
            !(start..=end).contains(&day),
            "booked into the quiet period: {booked}"
        );
    }
    // A re-plan of the horizon keeps every visit of the enterprise out of it.
    let (status, replanned) = post(
        &app,
        &office,
        "/plans/replan",
        json!({"start": today(), "end": end + Days::new(30), "apply": true}),
    )
    .await;
    assert_eq!(status, 200, "{replanned}");
    let visits: Value = app
        .get_json(
            &office,
            &format!("/visits?enterprise_id={enterprise_id}&from={start}&to={end}"),
        )
        .await;
    let held: Vec<&Value> = visits["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|v| v["status"] != "cancelled")
        .collect();
    assert!(held.is_empty(), "visits in the quiet period: {held:?}");

    assert_eq!(
        trail(&app, &office, "scheduling_ask", id).await,
        ["ask", "approve"]
    );
    assert!(
        trail(&app, &office, "enterprise", &enterprise_id)
            .await
            .contains(&"quiet_period_added".to_owned())
    );
}

/// The inspectors of `agency` (its code), from the office's list.
async fn roster(app: &TestApp, office: &str, agency: &str) -> Vec<Value> {
    let list: Value = app.get_json(office, "/inspectors").await;
    list.as_array()
        .expect("items")
        .iter()
        .filter(|i| i["agency"] == agency && i["active"] == true)
        .cloned()
        .collect()
}

fn team_of<'a>(visit: &'a Value, agency: &str) -> Vec<&'a str> {
    visit["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .filter(|t| t["agency"] == agency)
        .flat_map(|t| t["inspectors"].as_array().expect("inspectors").iter())
        .map(|i| i["id"].as_str().expect("id"))
        .collect()
}

#[tokio::test]
async fn an_approved_recusal_replaces_the_inspector_and_binds_later_draws() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let visits = staffed_visits_ahead(&app, &office).await;
    let visit = &visits[0];
    let visit_id = visit["id"].as_str().expect("id");
    let enterprise_id = visit["enterprise_id"].as_str().expect("id").to_owned();
    let team = visit["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["inspectors"][0].is_object())
        .expect("a staffed team");
    let agency = team["agency"].as_str().expect("agency").to_owned();
    let inspector = &team["inspectors"][0];
    let inspector_id = inspector["id"].as_str().expect("id").to_owned();
    let token = enterprise_token(&app, &office, &enterprise_id).await;
    let path = format!("/enterprises/{enterprise_id}/recusal-asks");
    let body = json!({"visit_id": visit_id, "inspector_id": inspector_id, "reason": "该检查人员的配偶在本企业任职"});
    let (status, asked) = post(&app, &token, &path, body.clone()).await;
    assert_eq!(status, 201, "{asked}");
    assert_eq!(asked["inspector_code"], inspector["code"]);
    assert_eq!(asked["visit_date"], visit["date"]);
    assert_eq!(post(&app, &token, &path, body).await.0, 409, "asked once");
    let id = asked["id"].as_str().expect("id");

    let (status, approved) = post(
        &app,
        &office,
        &format!("/scheduling-asks/{id}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "approved");
    let replaced = approved["replaced_inspectors"]
        .as_array()
        .expect("replacements");
    assert!(
        replaced
            .iter()
            .any(|r| r["from"] == inspector["code"] && r["agency"] == agency.as_str()),
        "{approved}"
    );
    // The team keeps its size, without the inspector.
    let after: Value = app.get_json(&office, &format!("/visits/{visit_id}")).await;
    let members = team_of(&after, &agency);
    assert_eq!(members.len(), team_of(visit, &agency).len(), "{after}");
    assert!(!members.contains(&inspector_id.as_str()), "{after}");
    // It stands as a conflict of interest of the inspector with the enterprise.
    let seen: Value = app
        .get_json(&office, &format!("/inspectors/{inspector_id}"))
        .await;
    assert!(
        seen["conflicts"]
            .as_array()
            .expect("conflicts")
            .iter()
            .any(|c| c["enterprise_id"] == enterprise_id.as_str()),
        "{seen}"
    );
    // Later draws honour it: a re-plan redraws the teams, never with the inspector here.
    let (status, replanned) = post(
        &app,
        &office,
        "/plans/replan",
        json!({"start": today(), "end": today() + Days::new(60), "apply": true}),
    )
    .await;
    assert_eq!(status, 200, "{replanned}");
    let ahead: Value = app
        .get_json(
            &office,
            &format!(
                "/visits?enterprise_id={enterprise_id}&from={}&limit=500",
                today()
            ),
        )
        .await;
    for v in ahead["items"].as_array().expect("items") {
        assert!(!team_of(v, &agency).contains(&inspector_id.as_str()), "{v}");
    }
    assert_eq!(
        trail(&app, &office, "scheduling_ask", id).await,
        ["ask", "approve"]
    );
    assert!(
        trail(&app, &office, "visit", visit_id)
            .await
            .contains(&"inspector_replaced".to_owned())
    );
    assert!(
        trail(&app, &office, "enterprise", &enterprise_id)
            .await
            .contains(&"conflict_of_interest".to_owned())
    );
}

#[tokio::test]
async fn a_recusal_nobody_can_replace_is_refused_and_writes_nothing() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let visits = staffed_visits_ahead(&app, &office).await;
    let visit = &visits[0];
    let visit_id = visit["id"].as_str().expect("id");
    let day = date(&visit["date"]);
    let enterprise_id = visit["enterprise_id"].as_str().expect("id").to_owned();
    let team = visit["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["inspectors"][0].is_object())
        .expect("a staffed team");
    let agency = team["agency"].as_str().expect("agency").to_owned();
    let inspector_id = team["inspectors"][0]["id"].as_str().expect("id").to_owned();
    let token = enterprise_token(&app, &office, &enterprise_id).await;
    let (status, asked) = post(
        &app,
        &token,
        &format!("/enterprises/{enterprise_id}/recusal-asks"),
        json!({"visit_id": visit_id, "inspector_id": inspector_id, "reason": "曾在本企业任职"}),
    )
    .await;
    assert_eq!(status, 201, "{asked}");
    let id = asked["id"].as_str().expect("id");

    // Every other inspector of the agency is on leave that day.
    let staff = app.token(&agency).await;
    let on_team = team_of(visit, &agency);
    for other in roster(&app, &office, &agency).await {
        let other_id = other["id"].as_str().expect("id");
        if on_team.contains(&other_id) {
            continue;
        }
        let response = app
            .client
            .put(app.url(&format!("/inspectors/{other_id}/unavailable")))
            .bearer_auth(&staff)
            .json(&json!({"days": [day]}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
    }
    let (status, problem) = post(
        &app,
        &office,
        &format!("/scheduling-asks/{id}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("cannot be replaced") && detail.contains(visit_id),
        "{detail}"
    );
    // Nothing was written: the ask waits, no conflict stands, the team is as it was.
    let (_, still) = get(&app, &office, &format!("/scheduling-asks/{id}")).await;
    assert_eq!(still["status"], "pending");
    let seen: Value = app
        .get_json(&office, &format!("/inspectors/{inspector_id}"))
        .await;
    assert!(
        !seen["conflicts"]
            .as_array()
            .expect("conflicts")
            .iter()
            .any(|c| c["enterprise_id"] == enterprise_id.as_str()),
        "{seen}"
    );
    let after: Value = app.get_json(&office, &format!("/visits/{visit_id}")).await;
    assert!(team_of(&after, &agency).contains(&inspector_id.as_str()));
    assert_eq!(trail(&app, &office, "scheduling_ask", id).await, ["ask"]);
}
