//! The inspector at the gate, in a real browser at a phone's width: my visits, a visit,
//! a finding with a photo from the camera input, completing the visit and the notice's
//! link; then the same with the network gone (Chromium's network emulation): two
//! findings with a photo each are kept on the phone, the page reloads from its kept
//! copy, and once the network is back each finding and photo reaches the server once.

#[path = "../common/gate.rs"]
mod gate;

use super::{browser, fits_a_phone, screenshot, sign_in, wait_for};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use gate::{Gate, INSPECTOR, inspector_at_the_gate};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// chromedriver's own command: emulate the network offline (or back online).
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!(
            "session/{}/chromium/network_conditions",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _url: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({ "network_conditions": {
            "offline": self.offline, "latency": 0,
            "download_throughput": -1, "upload_throughput": -1,
        }});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// The network between the phone and the server, which the test can cut: the page's
/// own requests are cut by Chromium's emulation, which does not reach the service
/// worker; this cuts the worker's too, as a phone without signal would.
struct Mast {
    address: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Mast {
    async fn to(server: std::net::SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let mast = Self {
            address: listener.local_addr().expect("address"),
            up: Arc::new(AtomicBool::new(true)),
            links: Arc::new(Mutex::new(Vec::new())),
        };
        let (up, links) = (mast.up.clone(), mast.links.clone());
        tokio::spawn(async move {
            while let Ok((mut phone, _)) = listener.accept().await {
                if !up.load(Ordering::SeqCst) {
                    continue; // dropped: no signal
                }
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(server).await {
                        tokio::io::copy_bidirectional(&mut phone, &mut server)
                            .await
                            .ok();
                    }
                });
                links.lock().expect("links").push(link.abort_handle());
            }
        });
        mast
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Cuts (or restores) the page's and the worker's network.
    async fn signal(&self, client: &Client, on: bool) {
        self.up.store(on, Ordering::SeqCst);
        if !on {
            for link in self.links.lock().expect("links").drain(..) {
                link.abort();
            }
        }
        client
            .issue_cmd(NetworkConditions { offline: !on })
            .await
            .expect("chromedriver emulates the network");
    }
}

/// A small PNG in a temporary folder, for the file input.
fn photo(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\xdac\xf8\xcf\xc0\xf0\x1f\0\x05\0\x02\x01\xe2\xb2\xa1\xf6\0\0\0\0IEND\xaeB`\x82";
    let path = dir.path().join(name);
    std::fs::write(&path, PNG).expect("write the photo");
    path
}

async fn phone(client: &Client) {
    client.set_window_size(390, 844).await.expect("phone width");
}

/// The queue's count once the page's script has shown it.
async fn pending(client: &Client) -> Option<String> {
    let outbox = client.find(Locator::Id("outbox")).await.ok()?;
    outbox
        .attr("data-pending")
        .await
        .ok()
        .flatten()
        .filter(|p| !p.is_empty())
}

/// Waits until the page shows `count` waiting (the page may reload meanwhile).
async fn wait_pending(client: &Client, count: &str, within: Duration) {
    let started = std::time::Instant::now();
    loop {
        if pending(client).await.as_deref() == Some(count) {
            return;
        }
        assert!(
            started.elapsed() < within,
            "the page never showed {count} waiting (it shows {:?})",
            pending(client).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Fills the finding form and records it, with one photo.
async fn record(client: &Client, title: &str, photo: &std::path::Path) {
    for (id, text) in [
        ("f-title", title),
        ("f-description", "安全出口被货物堵塞"),
        ("f-legal_basis", "《中华人民共和国消防法》第二十八条"),
    ] {
        client
            .find(Locator::Id(id))
            .await
            .expect("a field")
            .send_keys(text)
            .await
            .expect("type");
    }
    client
        .find(Locator::Id("f-photo"))
        .await
        .expect("the camera input")
        .send_keys(&photo.display().to_string())
        .await
        .expect("choose the photo");
    client
        .find(Locator::Id("record"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("record");
}

/// The visit's hazards on the server, with their photos' count.
async fn on_the_server(gate: &Gate) -> Vec<(String, usize)> {
    let office = gate.app.token("office").await;
    let ledger: Value = gate
        .app
        .get_json(
            &office,
            &format!("/hazards?visit_id={}&limit=100", gate.visit),
        )
        .await;
    let mut found = Vec::new();
    for row in ledger["items"].as_array().expect("items") {
        let id = row["id"].as_str().expect("id");
        let hazard: Value = gate.app.get_json(&office, &format!("/hazards/{id}")).await;
        let photos = hazard["evidence"].as_array().expect("evidence").len();
        found.push((row["title"].as_str().expect("title").to_owned(), photos));
    }
    found.sort();
    found
}

/// Waits until the page is controlled by the service worker (it keeps the pages).
async fn wait_for_worker(client: &Client) {
    for _ in 0..100 {
        let controlled = client
            .execute(
                "return !!(navigator.serviceWorker && navigator.serviceWorker.controller)",
                Vec::new(),
            )
            .await
            .expect("ask the page");
        if controlled == json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the service worker never took over the page");
}

#[tokio::test]
async fn an_inspector_records_a_finding_with_a_photo_completes_the_visit_and_gets_the_notice() {
    let gate = inspector_at_the_gate().await;
    let Some((_driver, client)) = browser("inspector at the gate").await else {
        return;
    };
    let files = tempfile::tempdir().expect("a folder");
    phone(&client).await;
    sign_in(&gate.app, &client, INSPECTOR).await;
    let url = client.current_url().await.expect("url");
    assert_eq!(url.path(), "/ui/inspector/");
    let card = wait_for(
        &client,
        &format!("section.visit[data-visit=\"{}\"]", gate.visit),
    )
    .await;
    let text = card.text().await.expect("text");
    assert!(text.contains("今天"), "today's visit is marked: {text}");
    assert!(text.contains("检查内容"), "what each agency checks: {text}");
    fits_a_phone(&client, "inspector-my-visits").await;
    phone(&client).await;

    card.find(Locator::Css("a.visit-link"))
        .await
        .expect("the visit's link")
        .click()
        .await
        .expect("open the visit");
    wait_for(&client, "#finding-form").await;
    wait_pending(&client, "0", Duration::from_secs(10)).await;
    fits_a_phone(&client, "inspector-visit").await;
    phone(&client).await;

    record(&client, "安全出口堵塞", &photo(&files, "exit.png")).await;
    // Sent at once (online); the page then shows the finding as the server has it.
    let finding = wait_for(&client, "#findings li[data-photos=\"1\"]").await;
    assert!(finding.text().await.expect("text").contains("安全出口堵塞"));
    assert_eq!(
        on_the_server(&gate).await,
        vec![("安全出口堵塞".to_owned(), 1)]
    );

    // A finding the server refuses for good leaves the queue, and says why on the page.
    client
        .execute(
            "document.getElementById('f-deadline').value = '2026-01-01'",
            Vec::new(),
        )
        .await
        .expect("an early deadline");
    record(&client, "期限有误", &photo(&files, "early.png")).await;
    let refused = wait_for(&client, "#outbox-items li[data-state=\"failed\"]").await;
    let why = refused.text().await.expect("text");
    assert!(
        why.contains("期限有误") && why.contains("早于检查日期"),
        "{why}"
    );
    wait_pending(&client, "0", Duration::from_secs(10)).await;
    assert_eq!(
        on_the_server(&gate).await,
        vec![("安全出口堵塞".to_owned(), 1)]
    );

    wait_for(&client, "#complete")
        .await
        .click()
        .await
        .expect("complete");
    let link = wait_for(&client, "a.notice-link").await;
    assert_eq!(
        client
            .find(Locator::Id("visit-status"))
            .await
            .expect("status")
            .attr("data-status")
            .await
            .expect("attr")
            .as_deref(),
        Some("completed")
    );
    fits_a_phone(&client, "inspector-visit-completed").await;
    let href = link.attr("href").await.expect("attr").expect("a link");
    assert!(
        href.starts_with("/ui/inspector/notices/") && href.ends_with("/print"),
        "{href}"
    );
    link.click().await.expect("open the notice");
    let body = wait_for(&client, "body").await.text().await.expect("text");
    assert!(
        body.contains("安全出口堵塞"),
        "the notice lists the finding: {body}"
    );
    screenshot(&client, "inspector-notice").await;
    client.close().await.expect("close the browser");
}

#[tokio::test]
async fn findings_recorded_offline_reach_the_server_once_when_the_network_returns() {
    let gate = inspector_at_the_gate().await;
    let Some((_driver, client)) = browser("inspector offline").await else {
        return;
    };
    let files = tempfile::tempdir().expect("a folder");
    phone(&client).await;
    sign_in(&gate.app, &client, INSPECTOR).await;
    // The session cookie is the host's, whatever the port: the phone goes through the mast.
    let mast = Mast::to(gate.app.address).await;
    client
        .goto(&mast.url("/ui/inspector/?lang=zh"))
        .await
        .expect("my visits");
    wait_for(
        &client,
        &format!("section.visit[data-visit=\"{}\"]", gate.visit),
    )
    .await;
    wait_for_worker(&client).await;
    client
        .goto(&mast.url(&format!("/ui/inspector/visits/{}?lang=zh", gate.visit)))
        .await
        .expect("the visit page");
    wait_for(&client, "#finding-form").await;
    wait_pending(&client, "0", Duration::from_secs(10)).await;

    mast.signal(&client, false).await;
    record(&client, "消防通道占用", &photo(&files, "lane.png")).await;
    wait_pending(&client, "1", Duration::from_secs(10)).await;
    record(&client, "灭火器过期", &photo(&files, "extinguisher.png")).await;
    wait_pending(&client, "2", Duration::from_secs(10)).await;
    let status = client
        .find(Locator::Id("outbox-status"))
        .await
        .expect("status")
        .text()
        .await
        .expect("text");
    assert_eq!(status, "2 项待发送");
    let complete = client
        .find(Locator::Id("complete"))
        .await
        .expect("the button");
    assert_eq!(
        complete.prop("disabled").await.expect("prop").as_deref(),
        Some("true"),
        "not completed with findings waiting"
    );
    screenshot(&client, "inspector-offline-waiting").await;

    // The page reloads from its kept copy, and the queue is still there.
    client.refresh().await.expect("reload offline");
    wait_for(&client, "#finding-form").await;
    wait_pending(&client, "2", Duration::from_secs(10)).await;
    assert!(
        on_the_server(&gate).await.is_empty(),
        "nothing reached the server offline"
    );
    // Proof that the network is gone for the worker too: a page never loaded is not there.
    client
        .goto(&mast.url(&format!("/ui/inspector/visits/{}", uuid::Uuid::nil())))
        .await
        .expect("a page never kept");
    wait_for(&client, "#offline").await;
    client.back().await.expect("back to the visit");
    wait_for(&client, "#finding-form").await;
    wait_pending(&client, "2", Duration::from_secs(10)).await;

    mast.signal(&client, true).await;
    wait_pending(&client, "0", Duration::from_secs(45)).await;
    // Nothing more is sent after the queue is empty: exactly two findings, one photo each.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        on_the_server(&gate).await,
        vec![("消防通道占用".to_owned(), 1), ("灭火器过期".to_owned(), 1)]
    );
    wait_for(&client, "#findings li[data-photos=\"1\"]").await;
    screenshot(&client, "inspector-offline-sent").await;
    client.close().await.expect("close the browser");
}

#[tokio::test]
async fn an_expired_session_keeps_the_queue_until_the_inspector_signs_in_again() {
    let gate = inspector_at_the_gate().await;
    let Some((_driver, client)) = browser("inspector signed out").await else {
        return;
    };
    let files = tempfile::tempdir().expect("a folder");
    phone(&client).await;
    sign_in(&gate.app, &client, INSPECTOR).await;
    client
        .goto(
            &gate
                .app
                .url(&format!("/ui/inspector/visits/{}?lang=zh", gate.visit)),
        )
        .await
        .expect("the visit page");
    wait_for(&client, "#finding-form").await;
    wait_pending(&client, "0", Duration::from_secs(10)).await;

    // The session is gone (expired, or signed out elsewhere): the finding waits.
    client
        .delete_cookie("ov_session")
        .await
        .expect("the session ends");
    record(&client, "应急照明损坏", &photo(&files, "lamp.png")).await;
    let again = wait_for(&client, "#sign-in-again").await;
    wait_pending(&client, "1", Duration::from_secs(10)).await;
    let problem = client
        .find(Locator::Id("outbox-problem"))
        .await
        .expect("the line")
        .text()
        .await
        .expect("text");
    assert!(problem.contains("重新登录"), "{problem}");
    assert!(on_the_server(&gate).await.is_empty());

    // Signing in again brings the inspector back to the visit, and the queue goes out.
    again.click().await.expect("to the sign-in page");
    wait_for(&client, "#login-error").await;
    for (id, text) in [
        ("username", INSPECTOR),
        ("password", onevisit_service::seed::DEMO_PASSWORD),
    ] {
        client
            .find(Locator::Id(id))
            .await
            .expect("field")
            .send_keys(text)
            .await
            .expect("type");
    }
    client
        .find(Locator::Id("sign-in"))
        .await
        .expect("button")
        .click()
        .await
        .expect("sign in");
    wait_for(&client, "#finding-form").await;
    assert_eq!(
        client.current_url().await.expect("url").path(),
        format!("/ui/inspector/visits/{}", gate.visit)
    );
    wait_pending(&client, "0", Duration::from_secs(30)).await;
    assert_eq!(
        on_the_server(&gate).await,
        vec![("应急照明损坏".to_owned(), 1)]
    );
    client.close().await.expect("close the browser");
}
