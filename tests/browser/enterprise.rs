//! The enterprise's side of the schedule in a real browser: its safety officer sees the
//! hazard lists with each hazard's status and deadline, asks for a later deadline,
//! submits a rectification with two photos, declares a quiet period (after a wrong
//! one is refused on the page, in Chinese, naming the field) and asks an inspector's
//! recusal; the office approves the one and refuses the other on its own page; the
//! enterprise sees both decisions. Every page fits a phone.

use super::{PNG, browser, fits_a_phone, screenshot, sign_in, wait_for, wait_for_url};
use chrono::{Days, NaiveDate};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// An enterprise with a completed visit behind it and an announced, staffed visit ahead.
/// Its completed visit.
async fn enterprise_with_both(app: &super::TestApp, office: &str) -> Value {
    let today = onevisit_service::clock::today();
    let ahead: Value = app
        .get_json(
            office,
            &format!("/visits?from={}&limit=500", today + Days::new(1)),
        )
        .await;
    for visit in ahead["items"].as_array().expect("items") {
        let staffed = visit["announced"] == true
            && matches!(visit["status"].as_str(), Some("proposed" | "confirmed"))
            && visit["teams"][0]["inspectors"][0].is_object();
        if !staffed {
            continue;
        }
        let done: Value = app
            .get_json(
                office,
                &format!(
                    "/visits?enterprise_id={}&status=completed&limit=1",
                    visit["enterprise_id"].as_str().expect("id")
                ),
            )
            .await;
        if let Some(completed) = done["items"].get(0) {
            return completed.clone();
        }
    }
    panic!("the demo has an enterprise with a visit behind and one ahead");
}

async fn type_into(client: &Client, id: &str, text: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("#{id} on the page"))
        .send_keys(text)
        .await
        .expect("type");
}

/// Sets a date field: typing into one depends on the browser's locale.
async fn set_date(client: &Client, id: &str, day: NaiveDate) {
    client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1]",
            vec![json!(id), json!(day.to_string())],
        )
        .await
        .expect("set the date");
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("#{id} on the page"))
        .click()
        .await
        .expect("click");
}

async fn status_of(client: &Client, css: &str) -> String {
    wait_for(client, css)
        .await
        .attr("data-status")
        .await
        .expect("attr")
        .expect("a status")
}

async fn sign_out(client: &Client) {
    client
        .find(Locator::Css("header form button"))
        .await
        .expect("the sign-out button")
        .click()
        .await
        .expect("sign out");
    wait_for_url(client, "/ui/login").await;
}

#[tokio::test]
async fn an_enterprise_asks_for_time_and_quiet_and_a_recusal_and_sees_the_office_s_decisions() {
    let app = super::spawn_app(true).await;
    let office = app.token("office").await;
    let completed = enterprise_with_both(&app, &office).await;
    let enterprise_id = completed["enterprise_id"].as_str().expect("id").to_owned();
    // The agency that took part records a hazard on the completed visit: it is issued at once.
    let agency = completed["teams"][0]["agency"].as_str().expect("agency");
    let staff = app.token(agency).await;
    let recorded = app
        .post_as(
            &staff,
            &format!("/visits/{}/hazards", completed["id"].as_str().expect("id")),
            &json!({
                "title": "储罐区可燃气体报警器失效", "description": "三号储罐区两台报警器无响应",
                "category": "fire", "severity": "general", "legal_basis": "危险化学品安全管理条例第二十条",
                "responsible_agency": agency,
            }),
        )
        .await;
    assert_eq!(recorded.status(), 201, "the hazard is recorded");
    let hazard: Value = recorded.json().await.expect("json");
    let hazard_id = hazard["id"].as_str().expect("id").to_owned();
    let deadline: NaiveDate = hazard["deadline"]
        .as_str()
        .expect("deadline")
        .parse()
        .expect("date");
    let e: Value = app
        .get_json(&office, &format!("/enterprises/{enterprise_id}"))
        .await;
    let credit_code = e["credit_code"].as_str().expect("code").to_owned();

    let Some((_driver, client)) = browser("enterprise asks").await else {
        return;
    };
    sign_in(&app, &client, &credit_code).await;
    // The hazard list, and the hazard on it with its status and deadline.
    let lists = client
        .find_all(Locator::Css("#notices tbody tr"))
        .await
        .expect("the hazard lists");
    assert!(!lists.is_empty(), "the enterprise sees its hazard lists");
    let hazard_css = format!("#hazard-{hazard_id}");
    assert_eq!(
        status_of(&client, &format!("{hazard_css} .hazard-status")).await,
        "open"
    );
    let shown = wait_for(&client, &format!("{hazard_css} time.deadline"))
        .await
        .attr("datetime")
        .await
        .expect("attr");
    assert_eq!(shown, Some(deadline.to_string()));
    fits_a_phone(&client, "enterprise-hazards").await;

    // A later deadline, with a reason.
    let later = deadline + Days::new(30);
    set_date(&client, &format!("new-deadline-{hazard_id}"), later).await;
    type_into(
        &client,
        &format!("extension-reason-{hazard_id}"),
        "报警器需原厂更换，到货周期四周",
    )
    .await;
    click(&client, &format!("extend-{hazard_id}")).await;
    let pending = wait_for(&client, &format!("#extension-pending-{hazard_id}")).await;
    assert!(
        pending
            .text()
            .await
            .expect("text")
            .contains(&later.to_string())
    );

    // The rectification with two photos.
    let dir = tempfile::tempdir().expect("a folder");
    let photos: Vec<String> = ["before.png", "after.png"]
        .iter()
        .map(|name| {
            let path = dir.path().join(name);
            std::fs::write(&path, PNG).expect("write a photo");
            path.display().to_string()
        })
        .collect();
    type_into(
        &client,
        &format!("text-{hazard_id}"),
        "已更换报警器并完成联动测试",
    )
    .await;
    type_into(&client, &format!("file-{hazard_id}"), &photos.join("\n")).await;
    click(&client, &format!("submit-{hazard_id}")).await;
    assert_eq!(
        status_of(
            &client,
            &format!("{hazard_css} .hazard-status[data-status='rectification_submitted']")
        )
        .await,
        "rectification_submitted"
    );
    let token = app.token(&credit_code).await;
    let seen: Value = app.get_json(&token, &format!("/hazards/{hazard_id}")).await;
    assert_eq!(seen["evidence"].as_array().map(Vec::len), Some(2), "{seen}");
    assert!(
        seen["pending_extension"]["new_deadline"] == later.to_string(),
        "{seen}"
    );

    // A quiet period that ends before it starts is refused on the page, naming the field.
    let today = onevisit_service::clock::today();
    let start = today + Days::new(200);
    set_date(&client, "quiet-start", start).await;
    set_date(&client, "quiet-end", start - Days::new(3)).await;
    type_into(&client, "quiet-reason", "年度停车大修").await;
    click(&client, "ask-quiet").await;
    let error = wait_for(&client, ".error")
        .await
        .text()
        .await
        .expect("text");
    assert!(error.contains("结束日期"), "{error}");
    screenshot(&client, "enterprise-quiet-period-refused").await;
    client
        .goto(&app.url("/ui/enterprise?lang=zh"))
        .await
        .expect("back to the portal");
    let end = start + Days::new(6);
    set_date(&client, "quiet-start", start).await;
    set_date(&client, "quiet-end", end).await;
    type_into(&client, "quiet-reason", "年度停车大修").await;
    click(&client, "ask-quiet").await;
    assert_eq!(
        status_of(
            &client,
            "#ask-list tr[data-kind='quiet_period'] .ask-status"
        )
        .await,
        "pending"
    );
    // The recusal of an inspector on the team of the visit ahead (the first one offered).
    let offered = wait_for(&client, "#recusal-member option").await;
    let member = offered.attr("value").await.expect("attr").expect("a value");
    type_into(&client, "recusal-reason", "该检查人员的亲属在本企业任职").await;
    click(&client, "ask-recusal").await;
    assert_eq!(
        status_of(&client, "#ask-list tr[data-kind='recusal'] .ask-status").await,
        "pending"
    );
    fits_a_phone(&client, "enterprise-asks").await;

    let asks: Value = app.get_json(&token, "/scheduling-asks").await;
    let id_of = |kind: &str| {
        asks["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|a| a["kind"] == kind)
            .and_then(|a| a["id"].as_str())
            .expect("the ask")
            .to_owned()
    };
    let (quiet, recusal) = (id_of("quiet_period"), id_of("recusal"));
    // The recusal asked is the visit and inspector offered, on a visit ahead.
    let asked: Value = app
        .get_json(&token, &format!("/scheduling-asks/{recusal}"))
        .await;
    assert_eq!(
        member,
        format!(
            "{}/{}",
            asked["visit_id"].as_str().expect("visit"),
            asked["inspector_id"].as_str().expect("inspector")
        )
    );
    assert!(
        asked["visit_date"].as_str() > Some(today.to_string().as_str()),
        "{asked}"
    );
    sign_out(&client).await;

    // The office finds the asks from its dashboard, approves one and refuses the other.
    sign_in(&app, &client, "office").await;
    click(&client, "office-asks").await;
    wait_for(&client, &format!("#ask-{quiet}")).await;
    wait_for(&client, &format!("#ask-{recusal}")).await;
    fits_a_phone(&client, "office-asks").await;
    type_into(
        &client,
        &format!("approve-note-{quiet}"),
        "同意，届时不安排检查",
    )
    .await;
    click(&client, &format!("approve-{quiet}")).await;
    assert_eq!(
        status_of(&client, &format!("#decided-{quiet} .ask-status")).await,
        "approved"
    );
    type_into(
        &client,
        &format!("refuse-note-{recusal}"),
        "经核实无利害关系",
    )
    .await;
    click(&client, &format!("refuse-{recusal}")).await;
    assert_eq!(
        status_of(&client, &format!("#decided-{recusal} .ask-status")).await,
        "refused"
    );
    screenshot(&client, "office-asks-decided").await;
    sign_out(&client).await;

    // The enterprise sees both decisions, and may not open the office's page.
    sign_in(&app, &client, &credit_code).await;
    assert_eq!(
        status_of(&client, &format!("#ask-{quiet} .ask-status")).await,
        "approved"
    );
    assert_eq!(
        status_of(&client, &format!("#ask-{recusal} .ask-status")).await,
        "refused"
    );
    let note = wait_for(&client, &format!("#ask-{recusal} .decision-note"))
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(note, "经核实无利害关系");
    screenshot(&client, "enterprise-asks-decided").await;
    client
        .goto(&app.url("/ui/office/asks"))
        .await
        .expect("the office's page");
    wait_for(&client, "#refused").await;
    client.close().await.expect("close the browser");
}
