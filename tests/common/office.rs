//! What the tests of the office's action pages arrange through the API: proposed visits
//! to decide on, an overdue hazard (the demo has none), an enterprise's extension ask
//! on it, and a tip-off from the public.

use super::TestApp;
use serde_json::{Value, json};

/// The JSON answer of a request, with its status.
pub async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The proposed visits from tomorrow on, by date (the demo's next days are confirmed).
pub async fn proposed_visits(app: &TestApp, office: &str) -> Vec<Value> {
    let from = app.clock.today() + chrono::Duration::days(1);
    let page: Value = app
        .get_json(
            office,
            &format!("/visits?status=proposed&from={from}&limit=500"),
        )
        .await;
    page["items"].as_array().expect("items").clone()
}

/// A visit's status as the API tells it.
pub async fn visit_status(app: &TestApp, office: &str, id: &str) -> String {
    let visit: Value = app.get_json(office, &format!("/visits/{id}")).await;
    visit["status"].as_str().expect("a status").to_owned()
}

/// An overdue hazard: found on a visit completed before today, due on its visit day,
/// recorded by the office. Its id, and its enterprise's credit code (the enterprise's
/// account).
pub async fn overdue_hazard(app: &TestApp, title: &str) -> (String, String) {
    let office = app.token("office").await;
    let yesterday = app.clock.today() - chrono::Duration::days(1);
    let page: Value = app
        .get_json(
            &office,
            &format!("/visits?status=completed&to={yesterday}&limit=50"),
        )
        .await;
    let visit = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|v| v["teams"].as_array().is_some_and(|t| !t.is_empty()))
        .expect("a visit of the demo completed before today")
        .clone();
    let finding = json!({
        "title": title,
        "description": format!("{title}：现场检查发现，需立即整改。"),
        "category": "fire",
        "severity": "general",
        "legal_basis": "消防通道应保持畅通",
        "responsible_agency": visit["teams"][0]["agency"],
        "deadline": visit["date"],
    });
    let id = visit["id"].as_str().expect("id");
    let (status, hazard) = answer(
        app.post_as(&office, &format!("/visits/{id}/hazards"), &finding)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{hazard}");
    let enterprise: Value = app
        .get_json(
            &office,
            &format!(
                "/enterprises/{}",
                visit["enterprise_id"].as_str().expect("id")
            ),
        )
        .await;
    (
        hazard["id"].as_str().expect("id").to_owned(),
        enterprise["credit_code"]
            .as_str()
            .expect("credit code")
            .to_owned(),
    )
}

/// The enterprise asks for a later deadline on its hazard; the day asked for.
pub async fn extension_ask(app: &TestApp, hazard: &str, enterprise: &str) -> String {
    let token = app.token(enterprise).await;
    let day = (app.clock.today() + chrono::Duration::days(30)).to_string();
    let (status, asked) = answer(
        app.post_as(
            &token,
            &format!("/hazards/{hazard}/extension"),
            &json!({"new_deadline": day, "reason": "设备需要停产检修，备件到货需时"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{asked}");
    day
}

/// A tip-off from the public about the enterprise of `credit_code`: its id.
pub async fn tipoff(app: &TestApp, credit_code: &str, content: &str) -> String {
    let (status, receipt) = answer(
        app.client
            .post(app.url("/public/tipoffs"))
            .json(&json!({"enterprise": credit_code, "content": content}))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert!(status == 200 || status == 201, "{status} {receipt}");
    let office = app.token("office").await;
    let page: Value = app
        .get_json(&office, "/tipoffs?status=received&limit=500")
        .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["content"] == content)
        .and_then(|t| t["id"].as_str())
        .expect("the tip-off among those to triage")
        .to_owned()
}
