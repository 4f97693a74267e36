//! The coordinating office at work in a real browser: it confirms two proposed visits
//! at once, reschedules one and cancels one with a reason, previews a re-plan and
//! applies it, triages a tip-off, decides an enterprise's extension ask and escalates
//! an overdue hazard; every page fits a phone.

use super::common::office::{extension_ask, overdue_hazard, proposed_visits, tipoff, visit_status};
use super::{browser, fits_a_phone, sign_in, wait_for, wait_for_url};
use chrono::{Datelike, NaiveDate, Weekday};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

async fn click(client: &Client, css: &str) {
    wait_for(client, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(client: &Client, css: &str, text: &str) {
    wait_for(client, css)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Working days (Monday to Friday) a visit may move to: inside every request's window,
/// after today, not its own day. The service still checks every rule.
async fn days_to_move_to(app: &super::TestApp, office: &str, visit: &Value) -> Vec<NaiveDate> {
    let page: Value = app
        .get_json(
            office,
            &format!(
                "/requests?enterprise_id={}&limit=500",
                visit["enterprise_id"].as_str().expect("id")
            ),
        )
        .await;
    let day = |v: &Value| v.as_str().and_then(|d| d.parse::<NaiveDate>().ok());
    let mine: Vec<&Value> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["visit_id"] == visit["id"])
        .collect();
    let (Some(mut first), Some(last)) = (
        mine.iter().filter_map(|r| day(&r["earliest"])).max(),
        mine.iter().filter_map(|r| day(&r["latest"])).min(),
    ) else {
        return Vec::new();
    };
    first = first.max(app.clock.today() + chrono::Duration::days(1));
    let on = day(&visit["date"]);
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && Some(*d) != on)
        .take(8)
        .collect()
}

#[tokio::test]
async fn the_office_confirms_moves_cancels_replans_triages_decides_and_escalates() {
    let app = super::spawn_app(true).await;
    let office = app.token("office").await;
    let (overdue, _) = overdue_hazard(&app, "消防通道堵塞").await;
    let (asked, enterprise) = overdue_hazard(&app, "储罐区防火堤破损").await;
    let new_deadline = extension_ask(&app, &asked, &enterprise).await;
    let tip = tipoff(&app, &enterprise, "该企业夜间违规储存危险化学品").await;
    let visits = proposed_visits(&app, &office).await;
    assert!(visits.len() >= 4, "the demo proposes visits ahead");
    let Some((_driver, client)) = browser("office actions").await else {
        return;
    };
    sign_in(&app, &client, "office").await;

    // Two proposed visits confirmed at once.
    click(&client, "#link-visits").await;
    wait_for(&client, "#confirm-form").await;
    fits_a_phone(&client, "office-visits").await;
    let (a, b) = (
        visits[0]["id"].as_str().expect("id"),
        visits[1]["id"].as_str().expect("id"),
    );
    click(&client, &format!("#pick-{a}")).await;
    click(&client, &format!("#pick-{b}")).await;
    click(&client, "#confirm-selected").await;
    let summary = wait_for(&client, "#confirm-summary").await;
    assert_eq!(
        summary
            .attr("data-confirmed")
            .await
            .expect("attr")
            .as_deref(),
        Some("2")
    );
    fits_a_phone(&client, "office-confirmed").await;
    assert_eq!(visit_status(&app, &office, a).await, "confirmed");
    assert_eq!(visit_status(&app, &office, b).await, "confirmed");

    // One moved to another day with a reason: the first day every rule allows.
    let mut moved = None;
    'visits: for visit in &visits[2..] {
        let id = visit["id"].as_str().expect("id");
        for day in days_to_move_to(&app, &office, visit).await {
            client
                .goto(&app.url(&format!("/ui/office/visits/{id}?lang=zh")))
                .await
                .expect("the visit's page");
            let input = wait_for(&client, "#date").await;
            client
                .execute(
                    "arguments[0].value = arguments[1]",
                    vec![serde_json::to_value(&input).expect("element"), json!(day)],
                )
                .await
                .expect("set the date");
            type_into(&client, "#reschedule-reason", "企业申请调整，避开装置开车").await;
            click(&client, "#reschedule").await;
            wait_for(&client, "#done, #conflict").await;
            if client.find(Locator::Css("#done")).await.is_ok() {
                moved = Some((id.to_owned(), day));
                break 'visits;
            }
        }
    }
    let (moved, day) = moved.expect("a proposed visit that can move");
    fits_a_phone(&client, "office-visit").await;
    let visit: Value = app.get_json(&office, &format!("/visits/{moved}")).await;
    assert_eq!(visit["date"], json!(day));

    // Another cancelled with a reason.
    let cancelled = visits[2..]
        .iter()
        .map(|v| v["id"].as_str().expect("id"))
        .find(|id| *id != moved)
        .expect("another proposed visit");
    client
        .goto(&app.url(&format!("/ui/office/visits/{cancelled}?lang=zh")))
        .await
        .expect("the visit's page");
    type_into(&client, "#cancel-reason", "企业已停产").await;
    click(&client, "#cancel").await;
    wait_for(&client, "#done").await;
    assert_eq!(visit_status(&app, &office, cancelled).await, "cancelled");

    // The re-plan: preview, then apply.
    click(&client, "#link-replan").await;
    click(&client, "#preview").await;
    wait_for(&client, "#preview-title").await;
    fits_a_phone(&client, "office-replan-preview").await;
    click(&client, "#apply").await;
    wait_for(&client, "#applied").await;
    fits_a_phone(&client, "office-replan-applied").await;

    // The tip-off turned into an urgent inspection by the fire agency.
    click(&client, "#link-tipoffs").await;
    wait_for(&client, &format!("#tipoff-{tip}")).await;
    fits_a_phone(&client, "office-tipoffs").await;
    click(&client, &format!("#agency-{tip}-fire")).await;
    click(&client, &format!("#act-{tip}")).await;
    wait_for(&client, "#done").await;
    let triaged: Value = app
        .get_json(&office, "/tipoffs?status=actioned&limit=500")
        .await;
    let triaged = triaged["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == tip.as_str())
        .expect("the tip-off actioned")
        .clone();
    assert_eq!(triaged["requests"][0]["kind"], "urgent");

    // The extension ask approved: the deadline moves.
    click(&client, "#link-extensions").await;
    wait_for(&client, &format!("#ask-{asked}")).await;
    fits_a_phone(&client, "office-extensions").await;
    type_into(&client, &format!("#approve-note-{asked}"), "同意延期").await;
    click(&client, &format!("#approve-{asked}")).await;
    wait_for(&client, "#done").await;
    // Decided, it leaves the list (the demo's own asks stay).
    assert!(
        client
            .find(Locator::Css(&format!("#ask-{asked}")))
            .await
            .is_err(),
        "the decided ask is still listed"
    );
    let hazard: Value = app.get_json(&office, &format!("/hazards/{asked}")).await;
    assert_eq!(hazard["deadline"], new_deadline.as_str());

    // The overdue hazard escalated with a note: the list shows it.
    click(&client, "#link-hazards").await;
    wait_for(&client, &format!("#hazard-{overdue}")).await;
    type_into(&client, &format!("#note-{overdue}"), "请分管领导督办").await;
    click(&client, &format!("#escalate-{overdue}")).await;
    wait_for_url(&client, "done=escalated").await;
    let shown = wait_for(&client, &format!("#escalation-{overdue}")).await;
    assert!(shown.text().await.expect("text").contains("请分管领导督办"));
    fits_a_phone(&client, "office-hazards").await;

    // The same page in English.
    client
        .goto(&app.url("/ui/office/hazards?lang=en"))
        .await
        .expect("English");
    let heading = wait_for(&client, "main h2").await;
    assert!(
        heading
            .text()
            .await
            .expect("text")
            .starts_with("Overdue hazards")
    );
}
