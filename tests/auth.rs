//! Signing in, and every way a token can be wrong.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{TEST_SECRET, sign, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn demo_users_sign_in_and_see_who_they_are() {
    let app = spawn_app(true).await;
    for (username, role) in [
        ("admin", "admin"),
        ("office", "coordinator"),
        ("fire", "agency"),
        ("fire-inspector", "inspector"),
    ] {
        let response = app.login_response(username, "onevisit-demo").await;
        assert_eq!(response.status(), 200, "{username}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        let token = body["access_token"].as_str().expect("token");
        let me: Value = app.get_json(token, "/me").await;
        assert_eq!(me["username"], username);
        assert_eq!(me["role"], role);
    }
    let fire: Value = app.get_json(&app.token("fire").await, "/me").await;
    assert!(
        fire["agency_id"].is_string(),
        "an agency user is scoped to its agency"
    );
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_get_the_same_401() {
    let app = spawn_app(true).await;
    for (username, password) in [("office", "not-the-password"), ("nobody", "onevisit-demo")] {
        let response = app.login_response(username, password).await;
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["detail"], "wrong username or password");
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let app = spawn_app(true).await;
    for _ in 0..5 {
        assert_eq!(app.login_response("ecology", "guess").await.status(), 401);
    }
    // Locked now, even with the right password.
    let response = app.login_response("ecology", "onevisit-demo").await;
    assert_eq!(response.status(), 429);
    let retry: i64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry > 0 && retry <= 900, "{retry}");
    // Another account from the same address is not locked yet.
    assert_eq!(
        app.login_response("fire", "onevisit-demo").await.status(),
        200
    );
}

#[tokio::test]
async fn unknown_fields_and_bad_json_are_refused_with_a_problem() {
    let app = spawn_app(false).await;
    let response = app
        .client
        .post(app.url("/auth/login"))
        .json(&json!({"username": "office", "password": "x", "remember": true}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("unknown field `remember`"),
        "{body}"
    );

    let response = app
        .client
        .post(app.url("/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
}

fn claims(role: &str, aud: &str, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": uuid::Uuid::nil(), "iss": "onevisit", "aud": aud, "iat": now, "exp": now + exp_offset,
        "role": role, "username": "forger",
    })
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let app = spawn_app(true).await;
    // Signed with the right key, but naming no live session (tests/hardening.rs).
    let forged = sign(&claims("admin", "onevisit-api", 600), TEST_SECRET);
    assert_eq!(app.get_as(&forged, "/me").await.status(), 401, "forged");

    // No token at all.
    let response = app.get("/me").await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");

    let real = app.token("fire").await;
    let (head, rest) = real.split_once('.').expect("jwt");
    let (payload, _signature) = rest.split_once('.').expect("jwt");
    let mut tampered_claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json");
    tampered_claims["role"] = json!("admin");
    let tampered = format!(
        "{head}.{}.{}",
        URL_SAFE_NO_PAD.encode(tampered_claims.to_string()),
        rest.split_once('.').expect("jwt").1
    );
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let alg_none = format!(
        "{none_header}.{}.",
        URL_SAFE_NO_PAD.encode(claims("admin", "onevisit-api", 600).to_string())
    );

    let cases = [
        (
            "expired",
            sign(&claims("admin", "onevisit-api", -120), TEST_SECRET),
        ),
        (
            "wrong signature",
            sign(
                &claims("admin", "onevisit-api", 600),
                b"another-secret-of-at-least-32-bytes!!",
            ),
        ),
        (
            "wrong audience",
            sign(&claims("admin", "someone-else", 600), TEST_SECRET),
        ),
        ("alg none", alg_none),
        ("tampered role", tampered),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (name, token) in cases {
        let response = app.get_as(&token, "/me").await;
        assert_eq!(response.status(), 401, "{name}");
    }
}
