//! The fire agency's clerk at work in a browser: lands on the desk, finds an enterprise
//! by part of its name, books a request and sees where it landed, sends the same form
//! again (back, then submit) and still has one request, cancels a request with a reason,
//! records an inspector's day of leave; every page fits a phone, and in English speaks
//! English.

use super::common::TestApp;
use super::{browser, fits_a_phone, screenshot, sign_in, spawn_app, wait_for, wait_for_url};
use fantoccini::Client;
use serde_json::Value;

async fn click(client: &Client, css: &str) {
    wait_for(client, css).await.click().await.expect("click");
}

async fn text(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.expect("text")
}

async fn value(client: &Client, css: &str) -> String {
    wait_for(client, css)
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

/// How many of the fire agency's requests the API lists for the enterprise.
async fn fire_requests(app: &TestApp, enterprise: &str) -> u64 {
    let token = app.token("fire").await;
    let page: Value = app
        .get_json(&token, &format!("/requests?enterprise_id={enterprise}"))
        .await;
    page["total"].as_u64().expect("total")
}

#[tokio::test]
async fn the_fire_clerk_books_cancels_and_records_leave() {
    let app = spawn_app(true).await;
    let Some((_driver, client)) = browser("agency desk").await else {
        return;
    };
    sign_in(&app, &client, "fire").await;
    assert_eq!(
        client.current_url().await.expect("url").path(),
        "/ui/agency",
        "the clerk lands on the desk"
    );
    wait_for(&client, "#calendar").await;
    screenshot(&client, "agency-home").await;
    fits_a_phone(&client, "agency-home").await;

    // Find an enterprise by a part of its name.
    let office = app.token("office").await;
    let listed: Value = app.get_json(&office, "/enterprises?limit=1&offset=7").await;
    let enterprise = listed["items"][0]["id"].as_str().expect("id").to_owned();
    let name = listed["items"][0]["name"].as_str().expect("name");
    let part: String = name.chars().skip(1).take(3).collect();
    let before = fire_requests(&app, &enterprise).await;
    click(&client, "#nav-book").await;
    wait_for(&client, "#q")
        .await
        .send_keys(&part)
        .await
        .expect("type");
    click(&client, "#search").await;
    wait_for(&client, "#found").await;
    fits_a_phone(&client, "agency-search").await;
    click(
        &client,
        &format!("#found li[data-enterprise=\"{enterprise}\"] a.pick"),
    )
    .await;
    wait_for(&client, "#booking").await;
    fits_a_phone(&client, "agency-book").await;
    let team = wait_for(&client, "#team_size").await;
    team.clear().await.expect("clear");
    team.send_keys("1").await.expect("type");
    let key = value(&client, "input[name=key]").await;
    click(&client, "#book").await;

    // The answer says where it landed, as the API tells it.
    let placement = wait_for(&client, "#placement").await;
    let request = placement
        .attr("data-request")
        .await
        .expect("attribute")
        .expect("the request");
    let outcome = placement
        .attr("data-outcome")
        .await
        .expect("attribute")
        .expect("the outcome");
    let token = app.token("fire").await;
    let api: Value = app.get_json(&token, &format!("/requests/{request}")).await;
    assert_eq!(api["enterprise_id"], enterprise.as_str());
    match api["visit_id"].as_str() {
        Some(visit) => {
            assert_ne!(outcome, "unscheduled");
            wait_for(&client, &format!("#placement [data-visit=\"{visit}\"]")).await;
        }
        None => {
            assert_eq!(outcome, "unscheduled");
            let reason = api["unscheduled_reason"].as_str().expect("a reason");
            wait_for(&client, &format!("#placement [data-reason=\"{reason}\"]")).await;
        }
    }
    screenshot(&client, "agency-placement").await;
    fits_a_phone(&client, "agency-placement").await;

    // Back to the same form and send it again: the same answer, one request.
    client.back().await.expect("back");
    wait_for(&client, "#booking").await;
    assert_eq!(
        value(&client, "input[name=key]").await,
        key,
        "the same form"
    );
    click(&client, "#book").await;
    let again = wait_for(&client, "#placement").await;
    assert_eq!(
        again.attr("data-request").await.expect("attribute"),
        Some(request.clone()),
        "the first answer again"
    );
    assert_eq!(fire_requests(&app, &enterprise).await, before + 1);

    // Cancel it with a reason.
    click(&client, "#request-link").await;
    wait_for(&client, "#cancel").await;
    fits_a_phone(&client, "agency-request").await;
    wait_for(&client, "#reason")
        .await
        .send_keys("重复预约")
        .await
        .expect("type");
    click(&client, "#cancel-request").await;
    wait_for(&client, "#request[data-status=cancelled]").await;
    assert_eq!(text(&client, "#request-status").await, "已取消");
    let api: Value = app.get_json(&token, &format!("/requests/{request}")).await;
    assert_eq!(api["status"], "cancelled");

    // A day of leave for the first inspector.
    let inspectors: Value = app.get_json(&token, "/inspectors").await;
    let inspector = inspectors[0]["id"].as_str().expect("an inspector");
    let day = (app.clock.today() + chrono::Duration::days(30)).to_string();
    click(&client, "#nav-inspectors").await;
    wait_for(&client, &format!("#inspector-{inspector}")).await;
    fits_a_phone(&client, "agency-inspectors").await;
    // A date field takes what is typed in the browser's locale; the value is set as the form sends it.
    client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![
                Value::from(format!("day-{inspector}")),
                Value::from(day.clone()),
            ],
        )
        .await
        .expect("set the day");
    click(&client, &format!("#add-leave-{inspector}")).await;
    wait_for_url(&client, &format!("#inspector-{inspector}")).await;
    wait_for(
        &client,
        &format!("#inspector-{inspector} li[data-day=\"{day}\"]"),
    )
    .await;
    let api: Value = app
        .get_json(&token, &format!("/inspectors/{inspector}"))
        .await;
    assert!(
        api["unavailable"]
            .as_array()
            .expect("days")
            .contains(&Value::from(day.as_str())),
        "{api}"
    );

    // In English, English labels.
    client
        .goto(&app.url("/ui/agency?lang=en"))
        .await
        .expect("the desk in English");
    assert_eq!(text(&client, "#nav-book").await, "Book an inspection");
    assert!(
        text(&client, "main")
            .await
            .contains("Our inspection requests"),
        "the list's heading"
    );
    click(&client, "#nav-book").await;
    wait_for(&client, "#q").await;
    assert!(
        text(&client, "label[for=q]")
            .await
            .contains("Enterprise name or credit code")
    );
    fits_a_phone(&client, "agency-book-en").await;
    client.close().await.ok();
}
