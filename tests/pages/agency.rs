//! The agency clerk's pages without a browser: they land on their desk and other roles
//! are refused it, every form needs its CSRF token, a wrong field is named next to it
//! in the page's language with the values kept, the same booking form sent twice books
//! once, and another agency's request or inspector cannot be touched from the pages.

use super::common::{TestApp, spawn_app};
use super::{browser_like, csrf_of, sign_in};
use serde_json::Value;

/// A signed-in clerk's client.
async fn clerk(app: &TestApp, username: &str) -> reqwest::Client {
    let client = browser_like();
    assert_eq!(sign_in(app, &client, username).await.status(), 303);
    client
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.expect("page");
    let status = response.status().as_u16();
    (status, response.text().await.expect("html"))
}

async fn post(
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
        .expect("post")
}

/// The quoted text after the first `marker` on the page.
fn quoted_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} on the page"))
        + marker.len();
    html[start..].split('"').next().expect("a value").to_owned()
}

/// The value of the form field `name` on the page.
fn value_of(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("a {name} field"));
    let tag = html[start..].split('>').next().expect("the field's tag");
    quoted_after(tag, "value=\"")
}

/// An enterprise's id, as the API lists them.
async fn an_enterprise(app: &TestApp, offset: u32) -> String {
    let office = app.token("office").await;
    let page: Value = app
        .get_json(&office, &format!("/enterprises?limit=1&offset={offset}"))
        .await;
    page["items"][0]["id"].as_str().expect("id").to_owned()
}

/// How many requests of `username`'s agency the API lists for the enterprise.
async fn requests_for(app: &TestApp, username: &str, enterprise: &str) -> u64 {
    let token = app.token(username).await;
    let page: Value = app
        .get_json(&token, &format!("/requests?enterprise_id={enterprise}"))
        .await;
    page["total"].as_u64().expect("total")
}

/// Books through the API for `username`'s agency and gives the request's id.
async fn booked(app: &TestApp, username: &str, enterprise: &str) -> String {
    let token = app.token(username).await;
    let today = app.clock.today();
    let answer = app
        .post_as(
            &token,
            "/requests",
            &serde_json::json!({
                "enterprise_id": enterprise,
                "earliest": (today + chrono::Duration::days(3)).to_string(),
                "latest": (today + chrono::Duration::days(20)).to_string(),
                "team_size": 1,
            }),
        )
        .await;
    assert_eq!(answer.status(), 201);
    let answer: Value = answer.json().await.expect("json");
    answer["request"]["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn the_clerk_lands_on_the_desk_and_other_roles_are_refused_it() {
    let app = spawn_app(true).await;
    let fire = clerk(&app, "fire").await;
    let home = fire.get(app.url("/ui")).send().await.expect("home");
    assert_eq!(home.headers()["location"], "/ui/agency?lang=zh");
    let (status, html) = page(&app, &fire, "/ui/agency").await;
    assert_eq!(status, 200);
    assert!(html.contains("我的检查请求"), "Chinese first");
    assert!(html.contains("id=\"calendar\""), "the visits' calendar");
    let (_, english) = page(&app, &fire, "/ui/agency?lang=en").await;
    assert!(english.contains("Our inspection requests"));

    let office = clerk(&app, "office").await;
    for path in ["/ui/agency", "/ui/agency/book", "/ui/agency/inspectors"] {
        let (status, html) = page(&app, &office, path).await;
        assert_eq!(status, 403, "{path}");
        assert!(html.contains("id=\"refused\""), "{path}: the refusing page");
    }
    let (status, _) = page(&app, &fire, "/ui/office").await;
    assert_eq!(status, 403, "and the clerk is refused the office's");
}

#[tokio::test]
async fn a_form_without_its_csrf_token_changes_nothing() {
    let app = spawn_app(true).await;
    let fire = clerk(&app, "fire").await;
    let enterprise = an_enterprise(&app, 3).await;
    let before = requests_for(&app, "fire", &enterprise).await;
    let (_, form) = page(
        &app,
        &fire,
        &format!("/ui/agency/book?enterprise={enterprise}"),
    )
    .await;
    let key = value_of(&form, "key");
    let earliest = value_of(&form, "earliest");
    let latest = value_of(&form, "latest");
    let forged = post(
        &app,
        &fire,
        "/ui/agency/book",
        &[
            ("csrf", "forged"),
            ("key", &key),
            ("enterprise_id", &enterprise),
            ("kind", "routine"),
            ("earliest", &earliest),
            ("latest", &latest),
            ("team_size", "1"),
        ],
    )
    .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(requests_for(&app, "fire", &enterprise).await, before);

    let fire_token = app.token("fire").await;
    let listed: Value = app
        .get_json(&fire_token, "/requests?status=scheduled&limit=1")
        .await;
    let id = listed["items"][0]["id"].as_str().expect("a request");
    let forged = post(
        &app,
        &fire,
        &format!("/ui/agency/requests/{id}/cancel"),
        &[("csrf", ""), ("reason", "forged")],
    )
    .await;
    assert_eq!(forged.status(), 403);
    let inspectors: Value = app.get_json(&fire_token, "/inspectors").await;
    let inspector = inspectors[0]["id"].as_str().expect("an inspector");
    let forged = post(
        &app,
        &fire,
        &format!("/ui/agency/inspectors/{inspector}/leave"),
        &[("csrf", "forged"), ("action", "add"), ("day", "2030-01-02")],
    )
    .await;
    assert_eq!(forged.status(), 403);
    let after: Value = app.get_json(&fire_token, &format!("/requests/{id}")).await;
    assert_eq!(after["status"], "scheduled");
    let inspector: Value = app
        .get_json(&fire_token, &format!("/inspectors/{inspector}"))
        .await;
    assert!(
        !inspector["unavailable"]
            .as_array()
            .expect("days")
            .contains(&Value::from("2030-01-02"))
    );
}

#[tokio::test]
async fn a_wrong_field_is_named_next_to_it_with_the_values_kept() {
    let app = spawn_app(true).await;
    let fire = clerk(&app, "fire").await;
    let enterprise = an_enterprise(&app, 4).await;
    let before = requests_for(&app, "fire", &enterprise).await;
    for (lang, name, message) in [
        ("zh", "检查人数", "须在 1 到 20 之间"),
        ("en", "team size", "must be between 1 and 20"),
    ] {
        let (_, form) = page(
            &app,
            &fire,
            &format!("/ui/agency/book?enterprise={enterprise}&lang={lang}"),
        )
        .await;
        let csrf = csrf_of(&form);
        let key = value_of(&form, "key");
        let answer = post(
            &app,
            &fire,
            "/ui/agency/book",
            &[
                ("csrf", &csrf),
                ("lang", lang),
                ("key", &key),
                ("enterprise_id", &enterprise),
                ("kind", "urgent"),
                ("earliest", "2031-02-03"),
                ("latest", "2031-02-01"),
                ("team_size", "0"),
            ],
        )
        .await;
        assert_eq!(answer.status(), 422, "{lang}");
        assert!(
            answer.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/html"),
            "a page, not a problem document"
        );
        let html = answer.text().await.expect("html");
        assert!(html.contains("id=\"error-team_size\""), "{lang}: {html}");
        assert!(
            html.contains("id=\"error-latest\""),
            "{lang}: the window too"
        );
        assert!(html.contains(name), "{lang}: the field named");
        assert!(html.contains(message), "{lang}: {html}");
        assert!(html.contains("value=\"2031-02-03\""), "{lang}: values kept");
        assert!(
            html.contains("<option value=\"urgent\" selected"),
            "{lang}: the kind kept"
        );
        assert_eq!(value_of(&html, "key"), key, "{lang}: the same form");
    }
    assert_eq!(requests_for(&app, "fire", &enterprise).await, before);

    // A cancellation needs its reason, said next to the field.
    let token = app.token("fire").await;
    let id = booked(&app, "fire", &enterprise).await;
    let (_, detail) = page(&app, &fire, &format!("/ui/agency/requests/{id}")).await;
    let status: Value = app.get_json(&token, &format!("/requests/{id}")).await;
    let answer = post(
        &app,
        &fire,
        &format!("/ui/agency/requests/{id}/cancel"),
        &[("csrf", &csrf_of(&detail)), ("reason", "  ")],
    )
    .await;
    assert_eq!(answer.status(), 422);
    let html = answer.text().await.expect("html");
    assert!(html.contains("id=\"error-reason\""), "{html}");
    assert!(html.contains("原因"), "the field named");
    let after: Value = app.get_json(&token, &format!("/requests/{id}")).await;
    assert_eq!(after["status"], status["status"], "nothing cancelled");
    assert_ne!(after["status"], "cancelled");
}

#[tokio::test]
async fn the_same_booking_form_sent_twice_books_once() {
    let app = spawn_app(true).await;
    let fire = clerk(&app, "fire").await;
    let enterprise = an_enterprise(&app, 5).await;
    let before = requests_for(&app, "fire", &enterprise).await;
    let (_, form) = page(
        &app,
        &fire,
        &format!("/ui/agency/book?enterprise={enterprise}"),
    )
    .await;
    let fields = [
        ("csrf", csrf_of(&form)),
        ("key", value_of(&form, "key")),
        ("enterprise_id", enterprise.clone()),
        ("kind", "routine".to_owned()),
        ("earliest", value_of(&form, "earliest")),
        ("latest", value_of(&form, "latest")),
        ("team_size", "1".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut answers = Vec::new();
    for _ in 0..2 {
        let answer = post(&app, &fire, "/ui/agency/book", &fields).await;
        assert_eq!(answer.status(), 200);
        let html = answer.text().await.expect("html");
        answers.push(quoted_after(&html, "id=\"placement\" data-outcome=\""));
        answers.push(quoted_after(&html, "data-request=\""));
    }
    assert_eq!(answers[..2], answers[2..], "the second answer is the first");
    assert_eq!(requests_for(&app, "fire", &enterprise).await, before + 1);

    // A fresh form is a new booking.
    let (_, again) = page(
        &app,
        &fire,
        &format!("/ui/agency/book?enterprise={enterprise}"),
    )
    .await;
    assert_ne!(
        value_of(&again, "key"),
        fields[1].1,
        "each form its own key"
    );
}

#[tokio::test]
async fn another_agency_s_request_and_inspectors_cannot_be_touched() {
    let app = spawn_app(true).await;
    let fire = clerk(&app, "fire").await;
    let ecology = app.token("ecology").await;
    let theirs: Value = app
        .get_json(&ecology, "/requests?status=scheduled&limit=1")
        .await;
    let id = theirs["items"][0]["id"]
        .as_str()
        .expect("an ecology request");
    let (_, desk) = page(&app, &fire, "/ui/agency").await;
    let csrf = csrf_of(&desk);
    let (status, _) = page(&app, &fire, &format!("/ui/agency/requests/{id}")).await;
    assert_eq!(status, 404, "not even shown");
    let answer = post(
        &app,
        &fire,
        &format!("/ui/agency/requests/{id}/cancel"),
        &[("csrf", &csrf), ("reason", "not ours")],
    )
    .await;
    assert_eq!(answer.status(), 404);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    assert!(answer.text().await.expect("html").contains("没有找到"));
    let after: Value = app.get_json(&ecology, &format!("/requests/{id}")).await;
    assert_eq!(
        after["status"], "scheduled",
        "still theirs, still scheduled"
    );

    let inspectors: Value = app.get_json(&ecology, "/inspectors").await;
    let inspector = inspectors[0]["id"].as_str().expect("an ecology inspector");
    for (path, form) in [
        ("leave", [("action", "add"), ("day", "2030-01-02")]),
        ("conflicts", [("action", "remove"), ("enterprise_id", id)]),
    ] {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(form);
        let answer = post(
            &app,
            &fire,
            &format!("/ui/agency/inspectors/{inspector}/{path}"),
            &fields,
        )
        .await;
        assert_eq!(answer.status(), 404, "{path}");
    }
    let inspector: Value = app
        .get_json(&ecology, &format!("/inspectors/{inspector}"))
        .await;
    assert!(
        !inspector["unavailable"]
            .as_array()
            .expect("days")
            .contains(&Value::from("2030-01-02"))
    );
}

#[tokio::test]
async fn the_inspectors_page_changes_conflicts_and_leave_and_names_a_wrong_field() {
    let app = spawn_app(true).await;
    let fire = clerk(&app, "fire").await;
    let token = app.token("fire").await;
    let inspectors: Value = app.get_json(&token, "/inspectors").await;
    let inspector = inspectors[1]["id"].as_str().expect("an inspector");
    let office = app.token("office").await;
    let listed: Value = app.get_json(&office, "/enterprises?limit=1&offset=9").await;
    let enterprise = listed["items"][0]["id"].as_str().expect("id");
    let code = listed["items"][0]["credit_code"].as_str().expect("code");
    let name = listed["items"][0]["name"].as_str().expect("name");
    let (_, html) = page(&app, &fire, "/ui/agency/inspectors").await;
    let csrf = csrf_of(&html);
    let conflicts = format!("/ui/agency/inspectors/{inspector}/conflicts");
    let conflicts_of =
        |view: &Value| -> Vec<Value> { view["conflicts"].as_array().expect("conflicts").clone() };

    // Declared by credit code (typed in lower case), listed with the enterprise's name.
    let lower = code.to_lowercase();
    let declared = post(
        &app,
        &fire,
        &conflicts,
        &[
            ("csrf", &csrf),
            ("action", "add"),
            ("credit_code", &lower),
            ("reason", "亲属任职"),
        ],
    )
    .await;
    assert_eq!(declared.status(), 303);
    assert!(
        declared.headers()["location"]
            .to_str()
            .expect("ascii")
            .ends_with(&format!("#inspector-{inspector}"))
    );
    let view: Value = app
        .get_json(&token, &format!("/inspectors/{inspector}"))
        .await;
    assert!(
        conflicts_of(&view)
            .contains(&serde_json::json!({"enterprise_id": enterprise, "reason": "亲属任职"})),
        "{view}"
    );
    let (_, listed) = page(&app, &fire, "/ui/agency/inspectors").await;
    assert!(listed.contains(name), "the enterprise by name");

    // An unknown credit code and a day that is not one are named on the page.
    for (path, fields, words) in [
        (
            conflicts.clone(),
            [("action", "add"), ("credit_code", "913200000000000000")],
            ["统一社会信用代码", "没有这个企业"],
        ),
        (
            format!("/ui/agency/inspectors/{inspector}/leave"),
            [("action", "add"), ("day", "tomorrow")],
            ["日期", "日期格式不正确"],
        ),
    ] {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        let answer = post(&app, &fire, &path, &form).await;
        assert_eq!(answer.status(), 422, "{path}");
        let html = answer.text().await.expect("html");
        for word in words {
            assert!(html.contains(word), "{path}: {word}");
        }
    }

    // Withdrawn.
    let withdrawn = post(
        &app,
        &fire,
        &conflicts,
        &[
            ("csrf", &csrf),
            ("action", "remove"),
            ("enterprise_id", enterprise),
        ],
    )
    .await;
    assert_eq!(withdrawn.status(), 303);
    let view: Value = app
        .get_json(&token, &format!("/inspectors/{inspector}"))
        .await;
    assert!(
        !conflicts_of(&view)
            .iter()
            .any(|c| c["enterprise_id"] == enterprise),
        "{view}"
    );
}

#[tokio::test]
async fn the_request_list_is_filtered_and_paged_as_the_api_lists() {
    let app = spawn_app(true).await;
    let fire = clerk(&app, "fire").await;
    let token = app.token("fire").await;
    let statuses = |html: &str| -> Vec<String> {
        html.split("data-request=\"")
            .skip(1)
            .map(|row| quoted_after(row, "data-status=\""))
            .collect()
    };
    // `from=` emptied: every window, not only those still ahead.
    let api: Value = app
        .get_json(&token, "/requests?status=scheduled&limit=20")
        .await;
    let total = api["total"].as_u64().expect("total");
    assert!(total > 20, "the demo has pages of them");
    let (status, html) = page(&app, &fire, "/ui/agency?status=scheduled&from=").await;
    assert_eq!(status, 200);
    let shown = statuses(&html);
    assert_eq!(shown.len(), 20);
    assert!(shown.iter().all(|s| s == "scheduled"), "{shown:?}");
    assert!(html.contains(&format!("1–20 / {total}")), "the range shown");
    for item in api["items"].as_array().expect("items") {
        let id = item["id"].as_str().expect("id");
        assert!(
            html.contains(&format!("id=\"request-{id}\"")),
            "{id} as the API lists it"
        );
    }
    assert!(html.contains("id=\"next\""));
    let (_, second) = page(&app, &fire, "/ui/agency?status=scheduled&from=&offset=20").await;
    assert!(second.contains("id=\"previous\""));
    assert!(second.contains(&format!("21–{} / {total}", total.min(40))));

    // A window: the requests whose window meets it.
    let today = app.clock.today();
    let (from, to) = (today - chrono::Duration::days(30), today);
    let api: Value = app
        .get_json(&token, &format!("/requests?from={from}&to={to}&limit=1"))
        .await;
    let (_, html) = page(&app, &fire, &format!("/ui/agency?from={from}&to={to}")).await;
    assert!(
        html.contains(&format!(" / {}", api["total"])),
        "{} requests meet the window",
        api["total"]
    );

    let (status, html) = page(&app, &fire, "/ui/agency?status=postponed").await;
    assert_eq!(status, 422);
    assert!(
        html.contains("状态") && html.contains("不是可选的值"),
        "{html}"
    );
}
