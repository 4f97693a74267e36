//! The inspector at the gate, without a browser: findings and evidence sent with an
//! `Idempotency-Key` are written once however often they are sent (the JSON API and the
//! inspector's pages alike), keys are each user's own, and the inspector's pages refuse
//! other roles and visits not of the inspector's team.

mod common;
#[path = "common/gate.rs"]
mod gate;

use common::{TestApp, count_rows};
use gate::{Gate, INSPECTOR, inspector_at_the_gate};
use onevisit_service::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

fn png(tail: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[tail; 64]);
    bytes
}

fn finding(title: &str) -> Value {
    json!({
        "title": title,
        "description": "出口被货物堵塞",
        "category": "fire",
        "severity": "general",
        "legal_basis": "《消防法》第二十八条",
        "responsible_agency": "fire",
    })
}

async fn record(
    app: &TestApp,
    token: &str,
    visit: &str,
    key: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url(&format!("/visits/{visit}/hazards")))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn upload(
    app: &TestApp,
    token: &str,
    hazard: &str,
    key: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("gate.png");
    let response = app
        .client
        .post(app.url(&format!("/hazards/{hazard}/evidence")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn files_in(app: &TestApp) -> usize {
    std::fs::read_dir(app.evidence.path())
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_finding_sent_twice_with_one_key_is_recorded_once_and_two_keys_record_two() {
    let Gate { app, visit, .. } = inspector_at_the_gate().await;
    let visit = visit.to_string();
    let token = app.token(INSPECTOR).await;
    let db = app.db().await;
    let before = count_rows(&db, "hazards").await;

    let body = finding("安全出口堵塞");
    let (status, first) = record(&app, &token, &visit, Some("phone-key-1"), &body).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = record(&app, &token, &visit, Some("phone-key-1"), &body).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(
        again["id"], first["id"],
        "the retry answers the first hazard"
    );
    assert_eq!(
        count_rows(&db, "hazards").await,
        before + 1,
        "one hazard for one key"
    );

    let (status, other) = record(&app, &token, &visit, Some("phone-key-2"), &body).await;
    assert_eq!(status, 201, "{other}");
    assert_ne!(other["id"], first["id"]);
    assert_eq!(
        count_rows(&db, "hazards").await,
        before + 2,
        "two keys, two hazards"
    );

    // The same key with another finding is refused by name, and writes nothing.
    let (status, problem) = record(
        &app,
        &token,
        &visit,
        Some("phone-key-1"),
        &finding("另一处隐患"),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    let (status, problem) = record(&app, &token, &visit, Some(" "), &body).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(count_rows(&db, "hazards").await, before + 2);

    // Keys are each user's own: the agency's staff may use the same one.
    let staff = app.token("fire").await;
    let (status, theirs) = record(&app, &staff, &visit, Some("phone-key-1"), &body).await;
    assert_eq!(status, 201, "{theirs}");
    assert_ne!(theirs["id"], first["id"]);
    assert_eq!(count_rows(&db, "hazards").await, before + 3);

    // Without a key every request records.
    let (status, _) = record(&app, &token, &visit, None, &body).await;
    assert_eq!(status, 201);
    assert_eq!(count_rows(&db, "hazards").await, before + 4);
}

#[tokio::test]
async fn retries_racing_with_one_key_record_one_hazard() {
    let Gate { app, visit, .. } = inspector_at_the_gate().await;
    let token = app.token(INSPECTOR).await;
    let db = app.db().await;
    let before = count_rows(&db, "hazards").await;
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let request = app
            .client
            .post(app.url(&format!("/visits/{visit}/hazards")))
            .bearer_auth(&token)
            .header("Idempotency-Key", "one-tap-many-retries")
            .json(&finding("配电箱无防护"));
        racing.spawn(async move {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        });
    }
    let mut ids = std::collections::BTreeSet::new();
    while let Some(answer) = racing.join_next().await {
        let (status, body) = answer.expect("a request");
        assert_eq!(status, 201, "{body}");
        ids.insert(body["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(ids.len(), 1, "every retry answers the one hazard");
    assert_eq!(count_rows(&db, "hazards").await, before + 1);
}

#[tokio::test]
async fn a_photo_sent_twice_with_one_key_is_stored_once() {
    let Gate { app, visit, .. } = inspector_at_the_gate().await;
    let token = app.token(INSPECTOR).await;
    let db = app.db().await;
    let (status, hazard) = record(
        &app,
        &token,
        &visit.to_string(),
        Some("finding-a"),
        &finding("灭火器过期"),
    )
    .await;
    assert_eq!(status, 201, "{hazard}");
    let hazard = hazard["id"].as_str().expect("id").to_owned();
    let rows = count_rows(&db, "evidence_files").await;
    let files = files_in(&app);

    let (status, first) = upload(&app, &token, &hazard, "photo-a", png(1)).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = upload(&app, &token, &hazard, "photo-a", png(1)).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(
        again, first,
        "the retry answers the first file, byte for byte"
    );
    assert_eq!(count_rows(&db, "evidence_files").await, rows + 1);
    assert_eq!(files_in(&app), files + 1, "the retry's copy is not kept");

    let (status, problem) = upload(&app, &token, &hazard, "photo-a", png(2)).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    let (status, second) = upload(&app, &token, &hazard, "photo-b", png(2)).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(count_rows(&db, "evidence_files").await, rows + 2);
    assert_eq!(files_in(&app), files + 2);
    let (_, view) = {
        let response = app.get_as(&token, &format!("/hazards/{hazard}")).await;
        (
            response.status(),
            response.json::<Value>().await.expect("json"),
        )
    };
    assert_eq!(view["evidence"].as_array().map(Vec::len), Some(2));
}

/// A client that keeps cookies and does not follow redirects.
fn browser_like() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of the page's first hidden field `name`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("a field {name}"))
        + marker.len();
    html[start..].split('"').next().expect("a value").to_owned()
}

async fn sign_in(app: &TestApp, client: &reqwest::Client, username: &str) -> reqwest::Response {
    let form = client
        .get(app.url("/ui/login"))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    client
        .post(app.url("/ui/login"))
        .form(&[
            ("username", username),
            ("password", DEMO_PASSWORD),
            ("csrf", &hidden(&form, "csrf")),
        ])
        .send()
        .await
        .expect("sign in")
}

#[tokio::test]
async fn the_pages_script_endpoint_honours_the_key_and_the_session() {
    let Gate { app, visit, .. } = inspector_at_the_gate().await;
    let client = browser_like();
    let signed = sign_in(&app, &client, INSPECTOR).await;
    assert_eq!(signed.status(), 303);
    let home = client.get(app.url("/ui")).send().await.expect("home");
    assert_eq!(home.headers()["location"], "/ui/inspector/?lang=zh");
    let page = client
        .get(app.url(&format!("/ui/inspector/visits/{visit}")))
        .send()
        .await
        .expect("visit page");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let html = page.text().await.expect("html");
    assert!(
        html.contains("capture=\"environment\""),
        "the camera is offered"
    );
    let state: Value = client
        .get(app.url("/ui/inspector/session"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    let csrf = state["csrf"].as_str().expect("the CSRF token").to_owned();
    assert_eq!(csrf, hidden(&html, "csrf"));

    let send = |key: &'static str, title: &'static str, csrf: String| {
        let form = reqwest::multipart::Form::new()
            .text("title", title)
            .text("description", "消防通道被占用")
            .text("category", "fire")
            .text("severity", "major")
            .text("legal_basis", "《消防法》")
            .text("responsible_agency", "fire")
            .text("deadline", "");
        client
            .post(app.url(&format!("/ui/inspector/visits/{visit}/findings")))
            .header("accept", "application/json")
            .header("x-csrf-token", csrf)
            .header("idempotency-key", key)
            .multipart(form)
            .send()
    };
    let db = app.db().await;
    let before = count_rows(&db, "hazards").await;
    let first = send("k-1", "通道占用", csrf.clone()).await.expect("post");
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again: Value = send("k-1", "通道占用", csrf.clone())
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(again["hazard_id"], first["hazard_id"]);
    assert_eq!(count_rows(&db, "hazards").await, before + 1);
    let second = send("k-2", "通道占用", csrf.clone()).await.expect("post");
    assert_eq!(second.status(), 201);
    assert_eq!(count_rows(&db, "hazards").await, before + 2);

    // A field's error comes back in the page's language, never as a problem document.
    let bad = reqwest::multipart::Form::new()
        .text("title", "")
        .text("description", "x")
        .text("category", "fire")
        .text("severity", "general")
        .text("legal_basis", "x")
        .text("responsible_agency", "fire");
    let refused = client
        .post(app.url(&format!("/ui/inspector/visits/{visit}/findings")))
        .header("accept", "application/json")
        .header("x-csrf-token", csrf.clone())
        .header("idempotency-key", "k-3")
        .multipart(bad)
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 422);
    let refused: Value = refused.json().await.expect("json");
    assert_eq!(refused["errors"][0]["field"], "title");
    assert_eq!(refused["errors"][0]["label"], "隐患名称");
    assert_eq!(refused["errors"][0]["message"], "不能为空");

    // Without the token: refused, nothing written.
    let forged = send("k-4", "伪造", "not-the-token".to_owned())
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    assert_eq!(count_rows(&db, "hazards").await, before + 2);

    // Signed out, the script learns it with a 401 and keeps its queue.
    let gone = browser_like()
        .get(app.url("/ui/inspector/session"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("session");
    assert_eq!(gone.status(), 401);

    // The plain form (no script) records with its own hidden key, once.
    let key = hidden(&html, "idempotency_key");
    let plain = || {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("lang", "zh")
            .text("idempotency_key", key.clone())
            .text("title", "疏散指示灯损坏")
            .text("description", "两处不亮")
            .text("category", "fire")
            .text("severity", "general")
            .text("legal_basis", "GB 51309")
            .text("regulation", "")
            .text("responsible_agency", "fire")
            .text("deadline", "2026-12-09")
            .part(
                "photo",
                reqwest::multipart::Part::bytes(png(7)).file_name("lamp.png"),
            );
        client
            .post(app.url(&format!("/ui/inspector/visits/{visit}/findings")))
            .multipart(form)
            .send()
    };
    let files = count_rows(&db, "evidence_files").await;
    for _ in 0..2 {
        let answer = plain().await.expect("post");
        assert_eq!(answer.status(), 303);
        let to = answer.headers()["location"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(
            to.starts_with(&format!("/ui/inspector/visits/{visit}?lang=zh#hazard-")),
            "{to}"
        );
    }
    assert_eq!(count_rows(&db, "hazards").await, before + 3);
    assert_eq!(count_rows(&db, "evidence_files").await, files + 1);

    // A photo that is not one: the finding is in, the page says the photo is not.
    let gif = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("lang", "zh")
        .text("idempotency_key", "plain-gif")
        .text("title", "配电柜门未关")
        .text("description", "柜门敞开")
        .text("category", "fire")
        .text("severity", "general")
        .text("legal_basis", "GB 50054")
        .text("responsible_agency", "fire")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(b"GIF89a....".to_vec()).file_name("door.gif"),
        );
    let page = client
        .post(app.url(&format!("/ui/inspector/visits/{visit}/findings")))
        .multipart(gif)
        .send()
        .await
        .expect("post");
    assert_eq!(page.status(), 422);
    let html = page.text().await.expect("html");
    assert!(html.contains("隐患已记录，但以下照片未能保存"), "{html}");
    assert!(html.contains("文件类型不受支持"), "{html}");
    assert_eq!(count_rows(&db, "hazards").await, before + 4);
    assert_eq!(count_rows(&db, "evidence_files").await, files + 1);

    // A deadline before the visit shows the field's error on the page.
    let early = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("lang", "en")
        .text("title", "t")
        .text("description", "d")
        .text("category", "fire")
        .text("severity", "general")
        .text("legal_basis", "b")
        .text("responsible_agency", "fire")
        .text("deadline", "2026-01-01");
    let page = client
        .post(app.url(&format!("/ui/inspector/visits/{visit}/findings")))
        .multipart(early)
        .send()
        .await
        .expect("post");
    assert_eq!(page.status(), 422);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let html = page.text().await.expect("html");
    assert!(html.contains("id=\"error-deadline\""), "{html}");
    assert!(
        html.contains("is before the visit day"),
        "English on the English page"
    );
}

#[tokio::test]
async fn other_roles_are_refused_and_a_visit_not_of_the_team_says_so() {
    let Gate { app, visit, .. } = inspector_at_the_gate().await;
    for username in ["office", "fire"] {
        let client = browser_like();
        sign_in(&app, &client, username).await;
        for path in [
            "/ui/inspector",
            "/ui/inspector/",
            &format!("/ui/inspector/visits/{visit}"),
        ] {
            let page = client.get(app.url(path)).send().await.expect("page");
            assert_eq!(page.status(), 403, "{username} {path}");
            assert!(
                page.text().await.expect("html").contains("id=\"refused\""),
                "{username} {path}"
            );
        }
    }

    // A visit of the inspector's agency whose team they are not on.
    let client = browser_like();
    sign_in(&app, &client, INSPECTOR).await;
    let office = app.token("office").await;
    let today = app.clock.today();
    let visits: Value = app
        .get_json(
            &office,
            &format!("/visits?from={today}&to={today}&agency=fire&limit=200"),
        )
        .await;
    let other = visits["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|v| v["id"] != json!(visit.to_string()))
        .expect("another fire visit that day")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let page = client
        .get(app.url(&format!("/ui/inspector/visits/{other}?lang=en")))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 403);
    let html = page.text().await.expect("html");
    assert!(html.contains("id=\"not-yours\""), "{html}");
    assert!(html.contains("not one of your team"), "{html}");

    // The list shows the inspector's own visit.
    let list = client
        .get(app.url("/ui/inspector/"))
        .send()
        .await
        .expect("list");
    assert_eq!(list.status(), 200);
    let html = list.text().await.expect("html");
    assert!(html.contains(&format!("data-visit=\"{visit}\"")), "{html}");
    assert!(!html.contains(&format!("data-visit=\"{other}\"")));
    assert!(html.contains("我的检查"), "Chinese first");
    let english = client
        .get(app.url("/ui/inspector/?lang=en"))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("html");
    assert!(
        english.contains("My visits") && english.contains("Checks: "),
        "{english}"
    );
}
