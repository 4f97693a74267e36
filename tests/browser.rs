//! The web pages in a real browser: headless Chromium driven through chromedriver.
//! The office signs in and finds the figures the API gives for the same filters, and
//! drills down to an enterprise; an enterprise sees only its own visits and is refused
//! the office's pages. Screenshots of every page go to `target/browser-artifacts/`.
//!
//! Without chromedriver these tests print a notice and pass, unless
//! `ONEVISIT_REQUIRE_BROWSER=1` (as in CI), when they fail.

mod common;
#[path = "browser/office.rs"]
mod office;

#[path = "browser/agency.rs"]
mod agency;
#[path = "browser/enterprise.rs"]
mod enterprise;
#[path = "browser/inspector.rs"]
mod inspector;

use common::{TestApp, spawn_app};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use onevisit_service::seed::DEMO_PASSWORD;
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// chromedriver, from `CHROMEDRIVER` or the `PATH`.
fn find_chromedriver() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMEDRIVER") {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("chromedriver"))
        .find(|path| path.is_file())
}

/// A chromedriver of our own, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
    /// The browser's fresh profile, deleted after the test.
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A browser session, or `None` (with a notice) when this machine has no chromedriver.
async fn browser(test: &str) -> Option<(Driver, Client)> {
    let Some(chromedriver) = find_chromedriver() else {
        if std::env::var("ONEVISIT_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("{test}: ONEVISIT_REQUIRE_BROWSER=1 but chromedriver is not on the PATH");
        }
        eprintln!(
            "SKIPPED {test}: chromedriver is not installed (apt-get install chromium chromium-driver); \
             set ONEVISIT_REQUIRE_BROWSER=1 to make this a failure"
        );
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        port,
        profile: tempfile::tempdir().expect("a profile folder"),
    };
    let mut options = json!({
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1280,2000",
            format!("--user-data-dir={}", driver.profile.path().display()),
        ],
    });
    if Path::new("/usr/bin/chromium").exists() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".to_owned(), options);
    let url = format!("http://127.0.0.1:{}", driver.port);
    // chromedriver takes a moment to listen.
    for _ in 0..100 {
        let connected = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await;
        match connected {
            Ok(client) => return Some((driver, client)),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("{test}: chromedriver did not start a browser session");
}

/// Keeps a screenshot of the page as a test artifact.
async fn screenshot(client: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&dir).expect("artifact folder");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
}

/// The page fits a phone's width without scrolling sideways; kept as a screenshot too.
async fn fits_a_phone(client: &Client, name: &str) {
    client.set_window_size(390, 844).await.expect("phone width");
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            Vec::new(),
        )
        .await
        .expect("measure the page");
    screenshot(client, &format!("{name}-phone")).await;
    client
        .set_window_size(1280, 2000)
        .await
        .expect("desktop width");
    assert_eq!(overflow, json!(0), "{name}: nothing wider than a phone");
}

async fn sign_in(app: &TestApp, client: &Client, username: &str) {
    client
        .goto(&app.url("/ui/login?lang=zh"))
        .await
        .expect("the sign-in page");
    client
        .find(Locator::Id("username"))
        .await
        .expect("username field")
        .send_keys(username)
        .await
        .expect("type");
    client
        .find(Locator::Id("password"))
        .await
        .expect("password field")
        .send_keys(DEMO_PASSWORD)
        .await
        .expect("type");
    client
        .find(Locator::Id("sign-in"))
        .await
        .expect("button")
        .click()
        .await
        .expect("sign in");
    // The answer to the form has loaded once the browser has left the sign-in page.
    for _ in 0..100 {
        if client.current_url().await.expect("url").path() != "/ui/login" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{username} was not signed in");
}

/// The element, once the page that follows a click has it.
async fn wait_for(client: &Client, css: &str) -> Element {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} on the page: {e}"))
}

/// Waits until the browser is at a URL holding `part` (a form's answer has loaded).
async fn wait_for_url(client: &Client, part: &str) {
    for _ in 0..100 {
        if client
            .current_url()
            .await
            .expect("url")
            .as_str()
            .contains(part)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser never reached a URL with {part}");
}

async fn data_value(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("#{id} on the page"))
        .attr("data-value")
        .await
        .expect("attribute")
        .unwrap_or_else(|| panic!("#{id} has a value"))
}

/// The dashboard's figures against the API's totals for the same filters.
async fn assert_figures_match(client: &Client, totals: &Value) {
    for (id, key) in [
        ("fig-visits", "visits"),
        ("fig-teams", "teams"),
        ("fig-requests", "requests"),
        ("fig-avoided", "duplicates_avoided"),
        ("fig-enterprises", "enterprises_visited"),
        ("fig-load", "load_percent"),
        ("fig-warnings", "cap_warnings"),
        ("fig-working-days", "working_days"),
    ] {
        let shown: f64 = data_value(client, id).await.parse().expect("a number");
        assert_eq!(
            Some(shown),
            totals[key].as_f64(),
            "{id} shows the API's {key}"
        );
    }
}

#[tokio::test]
async fn the_office_sees_the_api_s_figures_and_drills_down_to_an_enterprise() {
    let app = spawn_app(true).await;
    let Some((_driver, client)) = browser("office dashboard").await else {
        return;
    };
    sign_in(&app, &client, "office").await;
    let url = client.current_url().await.expect("url");
    assert_eq!(
        url.path(),
        "/ui/office",
        "the office lands on its dashboard"
    );
    screenshot(&client, "office-dashboard").await;
    fits_a_phone(&client, "office-dashboard").await;

    let office = app.token("office").await;
    let overview: Value = app.get_json(&office, "/review/overview").await;
    assert!(
        overview["totals"]["visits"].as_i64() > Some(0),
        "the demo has visits"
    );
    assert_figures_match(&client, &overview["totals"]).await;
    let cells = client
        .find_all(Locator::Css("#heat-map rect"))
        .await
        .expect("heat map");
    assert_eq!(
        cells.len(),
        overview["days"].as_array().expect("days").len(),
        "one square a day"
    );
    // Its figures are on the page as text too: a row per working day (or day with
    // visits), with the API's numbers.
    let shown: Vec<String> = {
        let mut rows = Vec::new();
        for row in client
            .find_all(Locator::Css("#days tbody tr"))
            .await
            .expect("the days table")
        {
            rows.push(
                row.html(true)
                    .await
                    .expect("a row")
                    .replace(['\n', ' '], ""),
            );
        }
        rows
    };
    let expected: Vec<String> = overview["days"]
        .as_array()
        .expect("days")
        .iter()
        .filter(|d| d["working_day"] == true || d["visits"].as_i64() > Some(0))
        .map(|d| {
            format!(
                "<td>{}</td><tdclass=\"n\">{}</td><tdclass=\"n\">{}</td><tdclass=\"n\">{}</td>",
                d["date"].as_str().expect("date"),
                d["visits"],
                d["teams"],
                d["capacity"]
            )
        })
        .collect();
    assert_eq!(shown, expected);

    // Only the fire agency's visits, through the filter form.
    client
        .find(Locator::Id("agency"))
        .await
        .expect("agency filter")
        .select_by_value("fire")
        .await
        .expect("choose fire");
    client
        .find(Locator::Id("apply-filters"))
        .await
        .expect("button")
        .click()
        .await
        .expect("apply");
    wait_for_url(&client, "agency=fire").await;
    let from = overview["totals"]["from"].as_str().expect("from");
    let to = overview["totals"]["to"].as_str().expect("to");
    let fire: Value = app
        .get_json(
            &office,
            &format!("/review/overview?from={from}&to={to}&agency=fire"),
        )
        .await;
    assert!(fire["totals"]["visits"].as_i64() < overview["totals"]["visits"].as_i64());
    assert_figures_match(&client, &fire["totals"]).await;
    screenshot(&client, "office-dashboard-fire").await;

    // The enterprise nearest its cap, and its timeline.
    let nearest = &fire["nearest_cap"][0];
    client
        .find(Locator::Css("#nearest-cap tbody tr:first-child a"))
        .await
        .expect("a link to the enterprise")
        .click()
        .await
        .expect("drill down");
    let name = wait_for(&client, "#enterprise-name")
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(name, nearest["name"].as_str().expect("name"));
    let timeline: Value = app
        .get_json(
            &office,
            &format!(
                "/review/enterprises/{}/timeline",
                nearest["enterprise_id"].as_str().expect("id")
            ),
        )
        .await;
    let events = client
        .find_all(Locator::Css("#timeline li"))
        .await
        .expect("timeline");
    let hazards = timeline["hazards"].as_array().expect("hazards");
    let closes = hazards.iter().filter(|h| !h["closed_on"].is_null()).count();
    assert_eq!(
        events.len(),
        timeline["requests"].as_array().expect("requests").len()
            + timeline["visits"].as_array().expect("visits").len()
            + hazards.len()
            + closes,
        "every request, visit, hazard and close of the enterprise"
    );
    screenshot(&client, "office-enterprise-timeline").await;
    fits_a_phone(&client, "office-enterprise-timeline").await;
    client.close().await.expect("close the browser");
}

/// An enterprise of the demo with an announced visit ahead: its id and credit code.
async fn enterprise_with_visits_ahead(app: &TestApp) -> (String, String) {
    let office = app.token("office").await;
    let today = onevisit_service::clock::today();
    let visits: Value = app
        .get_json(
            &office,
            &format!("/visits?from={today}&status=confirmed&limit=50"),
        )
        .await;
    let visit = visits["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|v| v["announced"] == true)
        .expect("the demo confirms announced visits ahead");
    let id = visit["enterprise_id"].as_str().expect("id").to_owned();
    let enterprise: Value = app.get_json(&office, &format!("/enterprises/{id}")).await;
    (
        id,
        enterprise["credit_code"].as_str().expect("code").to_owned(),
    )
}

#[tokio::test]
async fn an_enterprise_sees_only_its_own_visits_and_is_refused_the_office_s_pages() {
    let app = spawn_app(true).await;
    let (id, credit_code) = enterprise_with_visits_ahead(&app).await;
    let Some((_driver, client)) = browser("enterprise portal").await else {
        return;
    };
    sign_in(&app, &client, &credit_code).await;
    let url = client.current_url().await.expect("url");
    assert_eq!(url.path(), "/ui/enterprise");
    screenshot(&client, "enterprise-portal").await;
    fits_a_phone(&client, "enterprise-portal").await;

    // The same visits the API shows the enterprise: its own, announced, from today.
    let token = app.token(&credit_code).await;
    let today = onevisit_service::clock::today();
    let mine: Value = app
        .get_json(&token, &format!("/visits?from={today}&limit=500"))
        .await;
    let mut expected: Vec<String> = mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|v| v["announced"] == true)
        .map(|v| v["id"].as_str().expect("id").to_owned())
        .collect();
    let rows = client
        .find_all(Locator::Css("#visits tbody tr"))
        .await
        .expect("the visit table");
    let mut shown = Vec::new();
    for row in &rows {
        assert_eq!(
            row.attr("data-enterprise").await.expect("attr").as_deref(),
            Some(id.as_str()),
            "only the enterprise's own visits"
        );
        shown.push(row.attr("data-visit").await.expect("attr").expect("an id"));
    }
    expected.sort();
    shown.sort();
    assert!(!shown.is_empty());
    assert_eq!(shown, expected);

    // A confirmed visit shows the code the API gives for it.
    let first = &shown[0];
    let code: Value = app
        .get_json(&token, &format!("/visits/{first}/verification"))
        .await;
    let cell = client
        .find(Locator::Css(&format!("tr[data-visit='{first}'] td.code")))
        .await
        .expect("the code cell")
        .text()
        .await
        .expect("text");
    if let Some(code) = code["verification_code"].as_str() {
        assert_eq!(cell, code);
    }

    // The calendar link works in a calendar app (here: a plain GET).
    client
        .find(Locator::Id("new-feed"))
        .await
        .expect("the calendar button")
        .click()
        .await
        .expect("make a link");
    let feed = wait_for(&client, "#feed-url a")
        .await
        .text()
        .await
        .expect("text");
    screenshot(&client, "enterprise-calendar-link").await;
    let calendar = app.client.get(&feed).send().await.expect("the feed");
    assert_eq!(calendar.status(), 200);
    assert!(
        calendar
            .text()
            .await
            .expect("text")
            .starts_with("BEGIN:VCALENDAR")
    );

    // The office's pages refuse an enterprise user.
    client
        .goto(&app.url("/ui/office"))
        .await
        .expect("open the office page");
    client
        .find(Locator::Id("refused"))
        .await
        .expect("the refusal");
    assert!(
        client
            .find_all(Locator::Id("fig-visits"))
            .await
            .expect("search")
            .is_empty(),
        "no figure of the office"
    );
    screenshot(&client, "enterprise-refused-office").await;
    client.close().await.expect("close the browser");
}

/// A 1×1 PNG: evidence of the right kind.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0xF8, 0xFF, 0xFF, 0x3F,
    0x00, 0x05, 0xFE, 0x02, 0xFE, 0xA7, 0xD5, 0xE2, 0xA3, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

#[tokio::test]
async fn an_enterprise_submits_a_rectification_with_evidence_and_sees_its_status_change() {
    let app = spawn_app(true).await;
    // The office records a hazard on a completed visit: it is issued to the enterprise at once.
    let office = app.token("office").await;
    let visits: Value = app
        .get_json(&office, "/visits?status=completed&limit=1")
        .await;
    let visit = &visits["items"][0];
    let recorded = app
        .post_as(
            &office,
            &format!("/visits/{}/hazards", visit["id"].as_str().expect("id")),
            &json!({
                "title": "消防通道堆放杂物", "description": "二号仓库东侧通道被占用",
                "category": "fire", "severity": "general", "legal_basis": "消防法第二十八条",
                "responsible_agency": visit["teams"][0]["agency"],
            }),
        )
        .await;
    assert_eq!(recorded.status(), 201, "the hazard is recorded");
    let hazard: Value = recorded.json().await.expect("json");
    let hazard_id = hazard["id"].as_str().expect("id").to_owned();
    let enterprise: Value = app
        .get_json(
            &office,
            &format!(
                "/enterprises/{}",
                visit["enterprise_id"].as_str().expect("id")
            ),
        )
        .await;
    let credit_code = enterprise["credit_code"].as_str().expect("code");

    let Some((_driver, client)) = browser("rectification").await else {
        return;
    };
    sign_in(&app, &client, credit_code).await;
    let status = |client: &Client| {
        let css = format!("#hazard-{hazard_id} .hazard-status");
        let client = client.clone();
        async move {
            client
                .find(Locator::Css(&css))
                .await
                .expect("the hazard on the portal")
                .attr("data-status")
                .await
                .expect("attr")
                .expect("a status")
        }
    };
    assert_eq!(status(&client).await, "open");
    screenshot(&client, "enterprise-open-hazard").await;

    let evidence = tempfile::Builder::new()
        .suffix(".png")
        .tempfile()
        .expect("a file");
    std::fs::write(evidence.path(), PNG).expect("write the evidence");
    client
        .find(Locator::Id(&format!("text-{hazard_id}")))
        .await
        .expect("the text field")
        .send_keys("杂物已清理，通道畅通")
        .await
        .expect("type");
    client
        .find(Locator::Id(&format!("file-{hazard_id}")))
        .await
        .expect("the file field")
        .send_keys(&evidence.path().display().to_string())
        .await
        .expect("choose the file");
    client
        .find(Locator::Id(&format!("submit-{hazard_id}")))
        .await
        .expect("the button")
        .click()
        .await
        .expect("submit");
    wait_for_url(&client, &format!("#hazard-{hazard_id}")).await;
    assert_eq!(status(&client).await, "rectification_submitted");
    screenshot(&client, "enterprise-rectification-submitted").await;

    // The API tells the same, with the evidence attached.
    let token = app.token(credit_code).await;
    let seen: Value = app.get_json(&token, &format!("/hazards/{hazard_id}")).await;
    assert_eq!(seen["status"], "rectification_submitted");
    assert_eq!(seen["evidence"].as_array().map(Vec::len), Some(1), "{seen}");
    client.close().await.expect("close the browser");
}
