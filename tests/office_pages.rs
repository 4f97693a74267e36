//! The office's action pages without a browser: every form needs its CSRF token, a
//! form that fails validation shows the field's error on the page in the page's
//! language, a refused step says why, another role is refused, and a re-plan preview
//! applied after the schedule changed is refused and nothing is written. The JSON
//! counterparts (confirming many visits, escalating a hazard) answer the same.

mod common;

use common::office::{
    answer, extension_ask, overdue_hazard, proposed_visits, tipoff, visit_status,
};
use common::pages::{browser_like, csrf_of, sign_in};
use common::{TestApp, count_rows, spawn_app};
use serde_json::{Value, json};

/// An office user signed in to the pages, and the CSRF token of their forms.
async fn office_pages(app: &TestApp) -> (reqwest::Client, String) {
    let client = browser_like();
    sign_in(app, &client, "office").await;
    let html = get_page(app, &client, "/ui/office/visits").await.1;
    (client, csrf_of(&html))
}

async fn get_page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.expect("page");
    let status = response.status().as_u16();
    (status, response.text().await.expect("html"))
}

async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .expect("form")
}

/// The status and page of a form's answer; never a problem document.
async fn page_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let kind = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(kind.starts_with("text/html"), "{status} answered {kind}");
    (status, response.text().await.expect("html"))
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let (client, csrf) = office_pages(&app).await;
    let visits = proposed_visits(&app, &office).await;
    let id = visits[0]["id"].as_str().expect("id");
    let paths = [
        format!("/ui/office/visits/{id}/confirm"),
        format!("/ui/office/visits/{id}/cancel"),
        "/ui/office/visits/confirm".to_owned(),
        "/ui/office/replan".to_owned(),
    ];
    for path in &paths {
        for forged in [None, Some("forged")] {
            let mut form = vec![("reason", "测试"), ("visit", id)];
            if let Some(token) = forged {
                form.push(("csrf", token));
            }
            let (status, html) = page_of(post_form(&app, &client, path, &form).await).await;
            assert_eq!(status, 403, "{path} with {forged:?}");
            assert!(html.contains("id=\"refused\""), "{path}: {html}");
        }
    }
    assert_eq!(visit_status(&app, &office, id).await, "proposed");
    // With its token the same form goes through.
    let response = post_form(
        &app,
        &client,
        &format!("/ui/office/visits/{id}/confirm"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(visit_status(&app, &office, id).await, "confirmed");
}

#[tokio::test]
async fn a_form_that_fails_validation_shows_the_field_s_error_in_the_page_s_language() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let (client, csrf) = office_pages(&app).await;
    let visits = proposed_visits(&app, &office).await;
    let id = visits[0]["id"].as_str().expect("id");
    let reschedule = format!("/ui/office/visits/{id}/reschedule");
    let cancel = format!("/ui/office/visits/{id}/cancel");

    let (status, html) = page_of(
        post_form(
            &app,
            &client,
            &reschedule,
            &[("csrf", &csrf), ("date", ""), ("reason", "企业停产检修")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"error-reschedule-date\""), "{html}");
    assert!(html.contains("日期格式不正确"), "{html}");
    assert!(html.contains("lang=\"zh-CN\""));

    let yesterday = (app.clock.today() - chrono::Duration::days(1)).to_string();
    let (status, html) = page_of(
        post_form(
            &app,
            &client,
            &reschedule,
            &[
                ("csrf", &csrf),
                ("date", &yesterday),
                ("reason", "x"),
                ("lang", "en"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("is in the past"), "{html}");
    assert!(html.contains("lang=\"en\""));

    let (status, html) = page_of(
        post_form(
            &app,
            &client,
            &cancel,
            &[("csrf", &csrf), ("reason", "   ")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"error-cancel-reason\""), "{html}");
    assert!(html.contains("原因: 必填"), "{html}");
    assert!(
        !html.contains("id=\"error-reschedule-reason\""),
        "the error goes beside the form it came from"
    );

    let (status, html) = page_of(
        post_form(
            &app,
            &client,
            "/ui/office/visits/confirm",
            &[("csrf", &csrf)],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("请至少选择一项检查"), "{html}");

    let (status, html) = page_of(
        post_form(
            &app,
            &client,
            "/ui/office/replan",
            &[("csrf", &csrf), ("start", "2026-13-01"), ("end", "")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"error-replan-start\""), "{html}");
    assert!(html.contains("id=\"error-replan-end\""), "{html}");

    // Nothing of it was written.
    assert_eq!(visit_status(&app, &office, id).await, "proposed");
    let (hazard, enterprise) = overdue_hazard(&app, "消防通道堵塞").await;
    extension_ask(&app, &hazard, &enterprise).await;
    let (status, html) = page_of(
        post_form(
            &app,
            &client,
            &format!("/ui/office/hazards/{hazard}/extension/refuse"),
            &[("csrf", &csrf), ("reason", "")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("id=\"error-refuse-reason\""), "{html}");
    let (status, html) = page_of(
        post_form(
            &app,
            &client,
            &format!("/ui/office/hazards/{hazard}/escalate"),
            &[("csrf", &csrf), ("note", "")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("id=\"error-escalate-note\""), "{html}");
}

#[tokio::test]
async fn a_step_the_visit_does_not_allow_is_told_clearly_on_its_page() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let (client, csrf) = office_pages(&app).await;
    let visits = proposed_visits(&app, &office).await;
    let id = visits[0]["id"].as_str().expect("id");
    let (status, _) = answer(
        app.post_as(
            &office,
            &format!("/visits/{id}/cancel"),
            &json!({"reason": "企业停产"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, html) = page_of(
        post_form(
            &app,
            &client,
            &format!("/ui/office/visits/{id}/confirm"),
            &[("csrf", &csrf)],
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(html.contains("id=\"conflict\""), "{html}");
    assert!(html.contains("已取消或已完成的检查不能再确认"), "{html}");
    assert!(html.contains("id=\"visit-status\" data-value=\"cancelled\""));

    // Confirming it among others: the others are confirmed, it is told apart.
    let other = visits[1]["id"].as_str().expect("id");
    let (status, html) = page_of(
        post_form(
            &app,
            &client,
            "/ui/office/visits/confirm",
            &[("csrf", &csrf), ("visit", id), ("visit", other)],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("data-confirmed=\"1\" data-asked=\"2\""),
        "{html}"
    );
    assert!(html.contains(&format!("data-visit=\"{id}\" data-confirmed=\"false\"")));
    assert!(html.contains(&format!("data-visit=\"{other}\" data-confirmed=\"true\"")));
    assert_eq!(visit_status(&app, &office, other).await, "confirmed");
}

#[tokio::test]
async fn another_role_is_refused_the_office_s_action_pages() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let visits = proposed_visits(&app, &office).await;
    let id = visits[0]["id"].as_str().expect("id");
    let enterprise: Value = app
        .get_json(
            &office,
            &format!(
                "/enterprises/{}",
                visits[0]["enterprise_id"].as_str().expect("id")
            ),
        )
        .await;
    for user in [
        "fire",
        "fire-inspector",
        enterprise["credit_code"].as_str().expect("code"),
    ] {
        let client = browser_like();
        sign_in(&app, &client, user).await;
        for path in [
            "/ui/office/visits".to_owned(),
            format!("/ui/office/visits/{id}"),
            "/ui/office/replan".to_owned(),
            "/ui/office/hazards".to_owned(),
            "/ui/office/extensions".to_owned(),
            "/ui/office/tipoffs".to_owned(),
        ] {
            let (status, html) = get_page(&app, &client, &path).await;
            assert_eq!(status, 403, "{user} on {path}");
            assert!(html.contains("id=\"refused\""), "{user} on {path}");
        }
        // Their own CSRF token does not make them the office.
        let html = get_page(&app, &client, "/ui/office/visits").await.1;
        let (status, html) = page_of(
            post_form(
                &app,
                &client,
                &format!("/ui/office/visits/{id}/confirm"),
                &[("csrf", &csrf_of(&html))],
            )
            .await,
        )
        .await;
        assert_eq!(status, 403, "{user}");
        assert!(html.contains("id=\"refused\""));
    }
    assert_eq!(visit_status(&app, &office, id).await, "proposed");
}

/// The `version` of the preview form of a page.
fn version_of(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).expect("a preview to apply") + marker.len();
    html[start..].split('"').next().expect("a value").to_owned()
}

#[tokio::test]
async fn a_preview_applied_after_the_schedule_changed_is_refused_and_writes_nothing() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let (client, csrf) = office_pages(&app).await;
    let today = app.clock.today();
    let (start, end) = (
        today.to_string(),
        (today + chrono::Duration::days(27)).to_string(),
    );
    let horizon = [
        ("csrf", csrf.as_str()),
        ("start", start.as_str()),
        ("end", end.as_str()),
    ];
    let (status, html) =
        page_of(post_form(&app, &client, "/ui/office/replan", &horizon).await).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"preview-title\""));
    let stale = version_of(&html);
    assert_eq!(stale.len(), 64, "a SHA-256 digest");

    // Someone confirms a proposed visit of the horizon meanwhile.
    let visits = proposed_visits(&app, &office).await;
    let id = visits[0]["id"].as_str().expect("id");
    let (status, _) = answer(
        app.post_as(&office, &format!("/visits/{id}/confirm"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 200);

    let db = app.db().await;
    let trail = count_rows(&db, "audit_entries").await;
    let mut apply = horizon.to_vec();
    apply.push(("version", &stale));
    let (status, html) =
        page_of(post_form(&app, &client, "/ui/office/replan/apply", &apply).await).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("id=\"conflict\""), "{html}");
    assert!(html.contains("预览之后排期已有变动"), "{html}");
    assert_eq!(
        count_rows(&db, "audit_entries").await,
        trail,
        "a refused re-plan writes nothing"
    );
    // The page shows the schedule as it is now, to apply instead.
    let fresh = version_of(&html);
    assert_ne!(fresh, stale);

    // The API refuses it the same way.
    let body = json!({"start": start, "end": end, "apply": true, "version": stale});
    let (status, problem) = answer(app.post_as(&office, "/plans/replan", &body).await).await;
    assert_eq!(status, 409, "{problem}");

    let mut apply = horizon.to_vec();
    apply.push(("version", &fresh));
    let (status, html) =
        page_of(post_form(&app, &client, "/ui/office/replan/apply", &apply).await).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"applied\""));
}

#[tokio::test]
async fn several_visits_are_confirmed_at_once_each_with_its_outcome() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let visits = proposed_visits(&app, &office).await;
    let (a, b) = (
        visits[0]["id"].as_str().expect("id"),
        visits[1]["id"].as_str().expect("id"),
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    let body = json!({"visit_ids": [a, b, unknown, a]});
    let (status, outcomes) = answer(app.post_as(&office, "/visits/confirm", &body).await).await;
    assert_eq!(status, 200, "{outcomes}");
    let outcomes = outcomes.as_array().expect("a list");
    assert_eq!(outcomes.len(), 3, "each visit once, in the order asked");
    assert_eq!(outcomes[0]["visit_id"], a);
    assert_eq!(outcomes[0]["confirmed"], true);
    assert!(outcomes[0]["verification_code"].is_string());
    assert_eq!(outcomes[1]["confirmed"], true);
    assert_eq!(outcomes[2]["confirmed"], false);
    assert_eq!(outcomes[2]["reason"], "no such visit");
    // Again: both are confirmed already, and told so.
    let (status, again) = answer(app.post_as(&office, "/visits/confirm", &body).await).await;
    assert_eq!(status, 200);
    assert_eq!(again[0]["confirmed"], false);
    assert_eq!(again[0]["status"], "confirmed");
    assert!(
        again[0]["reason"]
            .as_str()
            .expect("why")
            .contains("cannot become")
    );

    let (status, _) = answer(
        app.post_as(&office, "/visits/confirm", &json!({"visit_ids": []}))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    let fire = app.token("fire").await;
    let (status, _) = answer(
        app.post_as(&fire, "/visits/confirm", &json!({"visit_ids": [b]}))
            .await,
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_office_escalates_an_overdue_hazard_once_it_is_overdue_audited_and_notified() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let (hazard, _) = overdue_hazard(&app, "安全出口上锁").await;
    let path = format!("/hazards/{hazard}/escalate");
    let (status, _) = answer(app.post_as(&office, &path, &json!({"note": " "})).await).await;
    assert_eq!(status, 422);
    let fire = app.token("fire").await;
    let (status, _) = answer(app.post_as(&fire, &path, &json!({"note": "督办"})).await).await;
    assert_eq!(status, 403);

    // The agencies' duty system listens on the office's webhook.
    let (status, _) = answer(
        app.post_as(
            &office,
            "/webhooks",
            &json!({"url": "http://127.0.0.1:9/duty"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    let (status, escalation) = answer(
        app.post_as(
            &office,
            &path,
            &json!({"note": "请分管领导督办，三日内整改到位"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{escalation}");
    assert_eq!(escalation["by"], "office");
    assert_eq!(escalation["times"], 1);
    assert!(escalation["days_overdue"].as_i64().expect("days") > 0);
    let trail: Value = app
        .get_json(&office, &format!("/audit?entity=hazard&entity_id={hazard}"))
        .await;
    let entry = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["action"] == "escalated_to_leadership")
        .expect("the escalation in the audit trail")
        .clone();
    assert_eq!(entry["reason"], "请分管领导督办，三日内整改到位");
    let outbox: Value = app.get_json(&office, "/outbox?limit=500").await;
    let notified = outbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|n| n["event"] == "hazard.escalated")
        .expect("the escalation notified")
        .clone();
    assert_eq!(notified["payload"]["hazard_id"], hazard.as_str());
    assert_eq!(
        notified["payload"]["note"],
        "请分管领导督办，三日内整改到位"
    );

    // The page lists it as escalated.
    let (client, _) = office_pages(&app).await;
    let (status, html) = get_page(&app, &client, "/ui/office/hazards").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("id=\"escalation-{hazard}\"")),
        "{html}"
    );
    assert!(html.contains("请分管领导督办，三日内整改到位"));

    // A hazard not overdue is not escalated.
    let (hazard, enterprise) = overdue_hazard(&app, "灭火器过期").await;
    extension_ask(&app, &hazard, &enterprise).await;
    let (status, _) = answer(
        app.post_as(
            &office,
            &format!("/hazards/{hazard}/extension/approve"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, problem) = answer(
        app.post_as(
            &office,
            &format!("/hazards/{hazard}/escalate"),
            &json!({"note": "督办"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    // And a tip-off already triaged is told so on the page.
    let tip = tipoff(&app, &enterprise, "夜间偷偷生产").await;
    let csrf = csrf_of(&get_page(&app, &client, "/ui/office/tipoffs").await.1);
    let dismiss = format!("/ui/office/tipoffs/{tip}/dismiss");
    let form = [("csrf", csrf.as_str()), ("reason", "查无实据")];
    let response = post_form(&app, &client, &dismiss, &form).await;
    assert_eq!(response.status(), 303);
    let (status, html) = page_of(post_form(&app, &client, &dismiss, &form).await).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("此举报已处理过"), "{html}");
}
