//! The operator's story: the service starts, says it is alive and ready, counts its
//! requests, describes itself, and answers unknown paths with a problem document.

mod common;

use common::spawn_app;

#[tokio::test]
async fn health_and_ready_answer_200() {
    let app = spawn_app(false).await;
    let health = app.get("/health").await;
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.expect("json");
    assert_eq!(body["status"], "ok");

    let ready = app.get("/ready").await;
    assert_eq!(ready.status(), 200);
    assert!(ready.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = spawn_app(false).await;
    for _ in 0..3 {
        app.get("/health").await;
    }
    let text = app.get("/metrics").await.text().await.expect("text");
    assert!(
        text.contains(
            r#"onevisit_http_requests_total{method="GET",path="/health",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(text.contains("onevisit_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn unknown_paths_get_a_problem_document() {
    let app = spawn_app(false).await;
    let response = app.get("/no/such/thing").await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"].to_str().expect("ascii"),
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["type"], "/problems/not-found");
    assert_eq!(body["status"], 404);
}

#[tokio::test]
async fn the_committed_spec_matches_the_code() {
    let app = spawn_app(false).await;
    let served: serde_json::Value = app.get("/openapi.json").await.json().await.expect("json");
    let generated = serde_json::to_value(onevisit_api::http::openapi()).expect("spec json");
    assert_eq!(served, generated);
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("openapi/openapi.json is committed"),
    )
    .expect("committed spec is JSON");
    assert!(
        committed == generated,
        "openapi/openapi.json differs from the code: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[tokio::test]
async fn the_docs_ui_is_served_from_the_binary() {
    let app = spawn_app(false).await;
    let page = app.get("/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("https://"),
        "no asset from the internet: {html}"
    );
    for asset in [
        "/docs/swagger-ui.css",
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-initializer.js",
    ] {
        let response = app.get(asset).await;
        assert_eq!(response.status(), 200, "{asset}");
    }
    let init = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .expect("js");
    assert!(init.contains("/openapi.json"), "{init}");
}

#[test]
fn every_operation_has_its_own_id() {
    let spec = serde_json::to_value(onevisit_api::http::openapi()).expect("spec json");
    let mut seen = std::collections::BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let id = operation["operationId"].as_str().expect("an operationId");
            assert!(
                seen.insert(id.to_owned()),
                "{method} {path}: operationId {id} is used twice"
            );
        }
    }
}
