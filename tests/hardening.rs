//! Hardening seen from outside, as an attacker and a careless client would try it:
//! tokens are worth only what their live session and account are, bad input of every
//! kind is a problem document naming the field, and what others open (spreadsheets,
//! browsers) cannot be turned against them.

mod common;

use common::{TEST_SECRET, TestApp, claims_of, sign, spawn_app};
use serde_json::{Value, json};

/// `claims` signed with the server's own key.
fn signed(claims: &Value) -> String {
    sign(claims, TEST_SECRET)
}

async fn me(app: &TestApp, token: &str) -> u16 {
    app.get_as(token, "/me").await.status().as_u16()
}

#[tokio::test]
async fn signing_out_or_deactivating_the_account_ends_its_tokens_at_once() {
    let app = spawn_app(true).await;
    let fire = app.token("fire").await;
    assert_eq!(me(&app, &fire).await, 200);
    let out = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(&fire)
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 204);
    assert_eq!(me(&app, &fire).await, 401, "a signed-out token");

    let again = app.token("fire").await;
    let user: Value = app.get_json(&again, "/me").await;
    let admin = app.token("admin").await;
    let deactivated = app
        .client
        .post(app.url(&format!(
            "/users/{}/deactivate",
            user["user_id"].as_str().expect("id")
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("deactivate");
    assert!(deactivated.status().is_success(), "{deactivated:?}");
    assert_eq!(me(&app, &again).await, 401, "a deactivated account's token");
    assert_eq!(me(&app, &admin).await, 200, "other sessions go on");
}

#[tokio::test]
async fn a_token_made_with_the_right_key_is_worth_only_its_live_session() {
    let app = spawn_app(true).await;
    let real = claims_of(&app.token("ecology").await);
    assert_eq!(
        me(&app, &signed(&real)).await,
        200,
        "the same claims signed again"
    );
    let now = chrono::Utc::now().timestamp();
    let forged = [
        (
            "an account that does not exist",
            "sub",
            json!(uuid::Uuid::new_v4()),
        ),
        (
            "a session that does not exist",
            "sid",
            json!(uuid::Uuid::new_v4()),
        ),
        ("another role", "role", json!("coordinator")),
        ("another agency", "agency", json!(uuid::Uuid::new_v4())),
        ("not valid for ten minutes yet", "nbf", json!(now + 600)),
    ];
    for (what, claim, value) in forged {
        let mut claims = real.clone();
        claims[claim] = value;
        assert_eq!(me(&app, &signed(&claims)).await, 401, "{what}");
    }
    let mut without_session = real.clone();
    without_session
        .as_object_mut()
        .expect("claims")
        .remove("sid");
    assert_eq!(
        me(&app, &signed(&without_session)).await,
        401,
        "a token naming no session"
    );
}

/// The problem document of a refused request, checked to be one.
async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status, "{}", response.url());
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{}",
        response.url()
    );
    response.json().await.expect("a problem document")
}

async fn refused_field(response: reqwest::Response) -> String {
    let body = problem(response, 422).await;
    body["errors"][0]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn numbers_past_any_list_and_nul_characters_are_refused_naming_the_field() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    for path in [
        "/requests?offset=9223372036854775808",
        "/visits?offset=9223372036854775807",
        "/hazards?offset=99999999999999999999999",
        "/audit?offset=1000000001",
        // Figures that take no page refuse one out of range too.
        "/hazards/totals?offset=9223372036854775808",
        "/review/overview?offset=9223372036854775808",
    ] {
        assert_eq!(
            refused_field(app.get_as(&office, path).await).await,
            "offset",
            "{path}"
        );
    }
    assert_eq!(
        app.get_as(&office, "/requests?offset=1000000000")
            .await
            .status(),
        200,
        "the largest offset is a page like any other (an empty one)"
    );
    assert_eq!(
        refused_field(app.get_as(&office, "/requests?status=%00").await).await,
        "status"
    );
    assert_eq!(
        refused_field(app.get_as(&office, "/review/overview?district=a%00b").await).await,
        "district"
    );
    let nul_path = problem(app.get_as(&office, "/verify/abc%00def").await, 400).await;
    assert!(
        nul_path["detail"]
            .as_str()
            .unwrap_or_default()
            .starts_with("path: "),
        "{nul_path}"
    );

    let login = app.login_response("fi\u{0}re", "onevisit-demo").await;
    assert_eq!(refused_field(login).await, "username");
    let webhook = app
        .client
        .post(app.url("/webhooks"))
        .bearer_auth(&office)
        .json(&json!({"url": "http://127.0.0.1:9/\u{0}hook"}))
        .send()
        .await
        .expect("webhook");
    assert_eq!(refused_field(webhook).await, "url");
    let webhooks: Value = app.get_json(&office, "/webhooks").await;
    assert_eq!(webhooks, json!([]), "nothing was registered");
}

#[tokio::test]
async fn a_body_with_garbage_after_it_books_nothing() {
    let app = spawn_app(true).await;
    let fire = app.token("fire").await;
    let office = app.token("office").await;
    let enterprises: Value = app
        .get_json(&office, "/enterprises?status=operating&limit=1")
        .await;
    let day = onevisit_service::clock::today() + chrono::Days::new(10);
    let body = json!({"enterprise_id": enterprises["items"][0]["id"], "earliest": day,
        "latest": day + chrono::Days::new(14), "team_size": 1, "kind": "routine", "topics": []});
    let before: Value = app.get_json(&fire, "/requests?limit=1").await;
    for trailing in [" {\"team_size\": 9}", "garbage", "}"] {
        let response = app
            .client
            .post(app.url("/requests"))
            .bearer_auth(&fire)
            .header("content-type", "application/json")
            .body(format!("{body}{trailing}"))
            .send()
            .await
            .expect("book");
        let refused = problem(response, 400).await;
        assert!(
            refused["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("trailing"),
            "{refused}"
        );
    }
    let after: Value = app.get_json(&fire, "/requests?limit=1").await;
    assert_eq!(before["total"], after["total"], "nothing was booked");
}

#[tokio::test]
async fn the_framework_s_own_refusals_are_problem_documents_too() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let client = &app.client;

    let no_boundary = client
        .post(app.url(&format!("/hazards/{}/evidence", uuid::Uuid::new_v4())))
        .bearer_auth(&office)
        .header("content-type", "multipart/form-data")
        .body("--x\r\n")
        .send()
        .await
        .expect("upload");
    assert_eq!(
        no_boundary.headers()["content-type"],
        "application/problem+json"
    );
    assert!(no_boundary.status().is_client_error());

    let too_large = client
        .post(app.url("/requests"))
        .bearer_auth(&office)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .expect("book");
    problem(too_large, 413).await;

    let bad_id = problem(app.get_as(&office, "/visits/not-a-uuid").await, 400).await;
    assert!(bad_id["detail"].is_string(), "{bad_id}");

    let wrong_method = client
        .delete(app.url("/me"))
        .bearer_auth(&office)
        .send()
        .await
        .expect("delete");
    problem(wrong_method, 405).await;

    // On the pages, a form missing a field answers a page naming it.
    let page = client
        .post(app.url("/ui/login"))
        .form(&[("username", "office"), ("password", "x")])
        .send()
        .await
        .expect("login");
    assert_eq!(page.status(), 422);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let html = page.text().await.expect("html");
    assert!(html.contains("表单令牌") && html.contains("必填"), "{html}");
    assert!(html.contains("href=\"/ui?lang=zh\""), "a way back: {html}");
}

#[tokio::test]
async fn pages_and_answers_carry_the_security_headers() {
    let app = spawn_app(false).await;
    let page = app.get("/ui/login").await;
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("script-src"), "the pages run no script");
    for response in [
        page,
        app.get("/health").await,
        app.get("/no-such-page").await,
    ] {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer");
    }
}
