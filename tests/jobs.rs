//! The periodic side, as the office and the public use it: plans fired on a fixed
//! clock, published draws anyone can recompute, tip-offs that become urgent visits,
//! notifications that survive a crash, and job ticks run once by two real servers.

mod common;

use common::{TEST_WEBHOOK_SECRET, spawn_app_at};
use hmac::{Hmac, Mac};
use onevisit_scheduler::jobs::FixedClock;
use onevisit_service::clock::Clock;
use onevisit_service::testing::TestDatabase;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Monday 9 November 2026, 08:00 in China, and the clock stays there.
fn monday_morning() -> Clock {
    Clock::from_source(Arc::new(FixedClock(
        "2026-11-09T00:00:00Z".parse().expect("a fixed time"),
    )))
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

/// The field named by a 422 problem.
fn refused_field(body: &Value) -> String {
    body["errors"][0]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn plan(name: &str, kind: &str, pool: Value, draw: Value, agencies: Value) -> Value {
    json!({
        "name": name,
        "schedule": "0 0 0 * * MON",
        "kind": kind,
        "pool": pool,
        "draw": draw,
        "agencies": agencies,
        "window_working_days": 10,
        "announced": true,
    })
}

/// Saves `body` as a plan and fires it at once, as the office: what the firing answered.
async fn fire_new_plan(app: &common::TestApp, office: &str, body: &Value) -> Value {
    let saved = json_of(app.post_as(office, "/inspection-plans", body).await, 201).await;
    let id = saved["id"].as_str().expect("plan id").to_owned();
    json_of(
        app.post_as(office, &format!("/inspection-plans/{id}/fire"), &json!({}))
            .await,
        201,
    )
    .await
}

#[tokio::test]
async fn a_look_back_plan_fired_on_a_fixed_clock_books_every_closed_and_relocated_enterprise() {
    let app = spawn_app_at(true, monday_morning(), false).await;
    let office = app.token("office").await;
    let mut expected = BTreeSet::new();
    for status in ["closed", "relocated"] {
        let page = json_of(
            app.get_as(&office, &format!("/enterprises?status={status}&limit=500"))
                .await,
            200,
        )
        .await;
        for e in page["items"].as_array().expect("items") {
            expected.insert(e["id"].as_str().expect("id").to_owned());
        }
    }
    assert!(!expected.is_empty(), "the demo has closed enterprises");

    let body = plan(
        "回头看 2026-11",
        "look_back",
        json!({}),
        json!("all"),
        json!([{"agency": "emergency", "team_size": 2}, {"agency": "industry", "team_size": 1}]),
    );
    let saved = json_of(app.post_as(&office, "/inspection-plans", &body).await, 201).await;
    let id = saved["id"].as_str().expect("plan id").to_owned();
    assert_eq!(saved["status"], "active");

    let fired = json_of(
        app.post_as(&office, &format!("/inspection-plans/{id}/fire"), &json!({}))
            .await,
        201,
    )
    .await;
    assert_eq!(fired["tick"], "2026-11-09T00:00:00Z");
    let requests = fired["requests"].as_array().expect("requests");
    let mut booked: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in requests {
        // Ten working days from Monday 9 November end on Monday 23 November.
        assert_eq!(r["earliest"], "2026-11-09");
        assert_eq!(r["latest"], "2026-11-23");
        assert_eq!(r["kind"], "routine");
        booked
            .entry(r["enterprise_id"].as_str().expect("id").to_owned())
            .or_default()
            .insert(r["agency"].as_str().expect("agency").to_owned());
    }
    assert_eq!(booked.keys().cloned().collect::<BTreeSet<_>>(), expected);
    let both: BTreeSet<String> = ["emergency", "industry"].map(str::to_owned).into();
    assert!(booked.values().all(|agencies| *agencies == both));

    // The same second cannot fire twice: the tick is claimed.
    let again = app
        .post_as(&office, &format!("/inspection-plans/{id}/fire"), &json!({}))
        .await;
    assert_eq!(again.status(), 409);
    let runs = json_of(
        app.get_as(&office, &format!("/jobs/runs?job=plan:{id}"))
            .await,
        200,
    )
    .await;
    assert_eq!(runs["total"], 1);
    assert_eq!(runs["items"][0]["outcome"], "succeeded");
    assert_eq!(
        runs["items"][0]["counts"]["requests"],
        json!(requests.len())
    );

    // A paused plan does not fire.
    json_of(
        app.post_as(
            &office,
            &format!("/inspection-plans/{id}/pause"),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    let paused = app
        .post_as(&office, &format!("/inspection-plans/{id}/fire"), &json!({}))
        .await;
    assert_eq!(paused.status(), 409);

    // The look-back finds one restarted: it is operating again.
    let restarted = expected.iter().next().expect("one");
    let reopened = json_of(
        app.post_as(
            &office,
            &format!("/enterprises/{restarted}/restart-finding"),
            &json!({"note": "生产设备已恢复运行"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(reopened["status"], "operating");
    let trail = json_of(
        app.get_as(
            &office,
            &format!("/audit?entity=enterprise&entity_id={restarted}"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(trail["items"][0]["action"], "reopened");
    assert_eq!(trail["items"][0]["to"]["status"], "operating");
    let twice = app
        .post_as(
            &office,
            &format!("/enterprises/{restarted}/restart-finding"),
            &json!({"note": "again"}),
        )
        .await;
    assert_eq!(twice.status(), 409);
}

#[tokio::test]
async fn a_random_draw_is_published_recomputable_and_cannot_be_altered() {
    let app = spawn_app_at(true, monday_morning(), false).await;
    let office = app.token("office").await;
    let body = plan(
        "双随机 2026-11",
        "random",
        json!({}),
        json!({"count": 5}),
        json!([{"agency": "fire", "team_size": 1}]),
    );
    let fired = fire_new_plan(&app, &office, &body).await;
    let draw_id = fired["draw_id"].as_str().expect("a draw record").to_owned();

    // Anyone, without a login, reads the record and the server's own check of it.
    let draw = json_of(app.get(&format!("/public/draws/{draw_id}")).await, 200).await;
    assert_eq!(draw["verified"], true);
    let record = draw["record"].clone();
    let result: BTreeSet<String> = record["result"]
        .as_array()
        .expect("result")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    assert_eq!(result.len(), 5);
    // The requests went to exactly the drawn enterprises.
    let mut booked = BTreeSet::new();
    for r in fired["requests"].as_array().expect("requests") {
        let e = json_of(
            app.get_as(
                &office,
                &format!("/enterprises/{}", r["enterprise_id"].as_str().expect("id")),
            )
            .await,
            200,
        )
        .await;
        booked.insert(e["credit_code"].as_str().expect("code").to_owned());
    }
    assert_eq!(booked, result);

    // Recomputed from the record, the draw gives the same result and digest.
    let check = |record: Value| {
        let client = app.client.clone();
        let url = app.url("/public/draws/verify");
        async move {
            json_of(
                client.post(url).json(&record).send().await.expect("post"),
                200,
            )
            .await
        }
    };
    let same = check(record.clone()).await;
    assert_eq!(same["valid"], true);
    assert_eq!(same["digest"], draw["digest"]);
    // A changed seed no longer gives the result; a changed plan name changes the digest.
    let mut reseeded = record.clone();
    let seed = reseeded["seed"].as_str().expect("seed").to_owned();
    let flipped = if seed.ends_with('0') { "1" } else { "0" };
    reseeded["seed"] = json!(format!("{}{flipped}", &seed[..63]));
    assert_eq!(check(reseeded).await["valid"], false);
    let mut renamed = record.clone();
    renamed["plan"] = json!("another plan");
    assert_ne!(check(renamed).await["digest"], draw["digest"]);

    // The database itself refuses to change or delete a published record.
    use sea_orm::ConnectionTrait;
    let db = app.db().await;
    let update = db
        .execute_unprepared("UPDATE draw_records SET digest = 'x'")
        .await;
    assert!(update.is_err(), "an update of a draw record must fail");
    let delete = db.execute_unprepared("DELETE FROM draw_records").await;
    assert!(delete.is_err(), "a delete of draw records must fail");
    let still = json_of(app.get(&format!("/public/draws/{draw_id}")).await, 200).await;
    assert_eq!(still["digest"], draw["digest"]);

    let listed = json_of(app.get("/public/draws").await, 200).await;
    assert_eq!(listed["total"], 1);
    let published = json_of(app.get("/public/random-inspections").await, 200).await;
    assert!(
        published
            .as_array()
            .is_some_and(|a| a.iter().all(|i| i.get("inspectors").is_none()))
    );
}

#[tokio::test]
async fn a_plan_is_refused_when_saved_not_when_it_fires() {
    let app = spawn_app_at(true, monday_morning(), false).await;
    let office = app.token("office").await;
    let fire_team = json!([{"agency": "fire", "team_size": 1}]);
    let cases = [
        (json!({"schedule": "0 8 * * MON"}), "schedule"),
        (json!({"pool": {"districts": ["月球区"]}}), "pool"),
        (json!({"draw": {"share": 101}}), "draw"),
        (json!({"draw": {"count": 100000}}), "draw"),
        (
            json!({"webhook_url": "ftp://example.org/hook"}),
            "webhook_url",
        ),
        (
            json!({"agencies": [{"agency": "police", "team_size": 1}]}),
            "agencies[0].agency",
        ),
    ];
    for (change, field) in cases {
        let mut body = plan(
            "refused",
            "routine",
            json!({}),
            json!({"count": 3}),
            fire_team.clone(),
        );
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let refused = json_of(app.post_as(&office, "/inspection-plans", &body).await, 422).await;
        assert_eq!(refused_field(&refused), field, "{change}: {refused}");
    }
    let hook = json_of(
        app.post_as(&office, "/webhooks", &json!({"url": "javascript:alert(1)"}))
            .await,
        422,
    )
    .await;
    assert_eq!(refused_field(&hook), "url");
    // Agencies do not set plans.
    let fire = app.token("fire").await;
    let body = plan("x", "routine", json!({}), json!("all"), fire_team);
    assert_eq!(
        app.post_as(&fire, "/inspection-plans", &body)
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn a_tip_off_becomes_an_urgent_request_placed_on_a_visit_within_five_working_days() {
    let app = spawn_app_at(true, monday_morning(), false).await;
    let office = app.token("office").await;
    let anyone = &app.client;
    let target = json_of(
        app.get_as(&office, "/enterprises?status=operating&limit=1")
            .await,
        200,
    )
    .await["items"][0]
        .clone();

    let receipt = json_of(
        anyone
            .post(app.url("/public/tipoffs"))
            .json(&json!({"enterprise": target["credit_code"], "content": "夜间偷排废气,储罐区无人值守"}))
            .send()
            .await
            .expect("post"),
        201,
    )
    .await;
    let reference = receipt["reference"].as_str().expect("reference").to_owned();
    let seen = json_of(app.get(&format!("/public/tipoffs/{reference}")).await, 200).await;
    assert_eq!(seen["status"], "received");
    // The reporter sees the status only: not the content, not who it is about.
    let keys: BTreeSet<&str> = seen
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, BTreeSet::from(["reference", "status", "received_on"]));
    assert_eq!(
        app.get("/public/tipoffs/JB-AAAA-AAAA-AAAA").await.status(),
        404
    );
    assert_eq!(app.get("/tipoffs").await.status(), 401);

    let listed = json_of(app.get_as(&office, "/tipoffs?status=received").await, 200).await;
    let tipoff = &listed["items"][0];
    assert_eq!(tipoff["enterprise_id"], target["id"]);
    let id = tipoff["id"].as_str().expect("id").to_owned();
    let acted = json_of(
        app.post_as(
            &office,
            &format!("/tipoffs/{id}/act"),
            &json!({"enterprise_id": target["id"], "agencies": [{"agency": "ecology", "team_size": 2}], "reward_eligible": true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(acted["status"], "actioned");
    assert_eq!(acted["reward_eligible"], true);
    let request = &acted["requests"][0];
    assert_eq!(request["kind"], "urgent");
    assert_eq!(request["earliest"], "2026-11-09");
    // Five working days after Monday 9 November.
    assert_eq!(request["latest"], "2026-11-16");
    assert_eq!(request["status"], "scheduled", "{request}");
    let visit = json_of(
        app.get_as(
            &office,
            &format!(
                "/visits/{}",
                request["visit_id"].as_str().expect("placed on a visit")
            ),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(visit["enterprise_id"], target["id"]);
    let date = visit["date"].as_str().expect("date");
    assert!(("2026-11-09"..="2026-11-16").contains(&date), "{date}");
    assert!(
        visit["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .any(|t| t["agency"] == "ecology")
    );
    let seen = json_of(app.get(&format!("/public/tipoffs/{reference}")).await, 200).await;
    assert_eq!(seen["status"], "actioned");
    let again = app
        .post_as(
            &office,
            &format!("/tipoffs/{id}/dismiss"),
            &json!({"reason": "dup"}),
        )
        .await;
    assert_eq!(again.status(), 409);

    // Another is dismissed with a reason; one without content is refused.
    let second = json_of(
        anyone
            .post(app.url("/public/tipoffs"))
            .json(&json!({"enterprise": "城东某化工厂", "content": "听说有问题"}))
            .send()
            .await
            .expect("post"),
        201,
    )
    .await;
    let listed = json_of(app.get_as(&office, "/tipoffs?status=received").await, 200).await;
    let second_id = listed["items"][0]["id"].as_str().expect("id").to_owned();
    let no_reason = json_of(
        app.post_as(
            &office,
            &format!("/tipoffs/{second_id}/dismiss"),
            &json!({"reason": " "}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(refused_field(&no_reason), "reason");
    json_of(
        app.post_as(
            &office,
            &format!("/tipoffs/{second_id}/dismiss"),
            &json!({"reason": "无具体企业与线索"}),
        )
        .await,
        200,
    )
    .await;
    let seen = json_of(
        app.get(&format!(
            "/public/tipoffs/{}",
            second["reference"].as_str().expect("ref")
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(seen["status"], "dismissed");

    let empty = json_of(
        anyone
            .post(app.url("/public/tipoffs"))
            .json(&json!({"enterprise": "某厂", "content": ""}))
            .send()
            .await
            .expect("post"),
        422,
    )
    .await;
    assert_eq!(refused_field(&empty), "content");
    let huge = anyone
        .post(app.url("/public/tipoffs"))
        .json(&json!({"enterprise": "某厂", "content": "x".repeat(40 * 1024)}))
        .send()
        .await
        .expect("post");
    assert_eq!(huge.status(), 413);
    // Five an hour from one address: two were filed, three more pass, the sixth waits.
    for _ in 0..3 {
        let ok = anyone
            .post(app.url("/public/tipoffs"))
            .json(&json!({"enterprise": "某厂", "content": "又看到了"}))
            .send()
            .await
            .expect("post");
        assert_eq!(ok.status(), 201);
    }
    let limited = anyone
        .post(app.url("/public/tipoffs"))
        .json(&json!({"enterprise": "某厂", "content": "又看到了"}))
        .send()
        .await
        .expect("post");
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
}

/// What the local webhook receiver got: (headers, body).
type Received = Arc<Mutex<Vec<(axum::http::HeaderMap, Vec<u8>)>>>;

/// A webhook receiver on a free local port.
async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let store = received.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let store = store.clone();
                async move {
                    store.lock().expect("lock").push((headers, body.to_vec()));
                    axum::http::StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/hook"), received)
}

/// A real `onevisit serve` process, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    /// Its evidence files (the demo's photos among them).
    _evidence: tempfile::TempDir,
}

impl Server {
    fn start(database: &TestDatabase, extra: &[&str]) -> Self {
        let evidence = tempfile::tempdir().expect("a folder for evidence files");
        let mut child = Command::new(env!("CARGO_BIN_EXE_onevisit"))
            .env_remove("DATABASE_URL")
            .env_remove("ONEVISIT_CONFIG")
            .env("ONEVISIT_EVIDENCE_DIR", evidence.path())
            .env(
                "ONEVISIT_JWT_SECRET",
                "a-test-secret-of-at-least-32-bytes!!",
            )
            .env(
                "ONEVISIT_WEBHOOK_SECRET",
                std::str::from_utf8(TEST_WEBHOOK_SECRET).expect("ascii"),
            )
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                database.url(),
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let addr = common::listening_address(&mut child, Duration::from_secs(120));
        Self {
            child,
            addr,
            _evidence: evidence,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

async fn login(client: &reqwest::Client, server: &Server, username: &str) -> String {
    let body = json_of(
        client
            .post(server.url("/auth/login"))
            .json(&json!({"username": username, "password": onevisit_service::seed::DEMO_PASSWORD}))
            .send()
            .await
            .expect("login"),
        200,
    )
    .await;
    body["access_token"].as_str().expect("token").to_owned()
}

#[tokio::test]
async fn a_notification_written_before_a_crash_is_delivered_once_after_the_restart() {
    let database = TestDatabase::new().await;
    let (hook, received) = receiver().await;
    let client = reqwest::Client::new();

    // The first process writes a notification but delivers nothing (its jobs are off)...
    let mut first = Server::start(&database, &["--demo", "--no-jobs"]);
    let office = login(&client, &first, "office").await;
    json_of(
        client
            .post(first.url("/webhooks"))
            .bearer_auth(&office)
            .json(&json!({"url": hook}))
            .send()
            .await
            .expect("post"),
        201,
    )
    .await;
    json_of(
        client
            .post(first.url("/public/tipoffs"))
            .json(&json!({"enterprise": "某化工厂", "content": "罐区泄漏"}))
            .send()
            .await
            .expect("post"),
        201,
    )
    .await;
    // ...and dies at once (SIGKILL: no graceful shutdown).
    first.child.kill().expect("kill");
    first.child.wait().expect("wait");
    assert!(received.lock().expect("lock").is_empty());

    let second = Server::start(&database, &["--delivery-schedule", "* * * * * *"]);
    common::eventually(
        "the notification is delivered after the restart",
        Duration::from_secs(30),
        || async { (!received.lock().expect("lock").is_empty()).then_some(()) },
    )
    .await;
    // Three more delivery runs finish: still exactly one delivery.
    let delivered = chrono::Utc::now();
    let db = onevisit_service::db::connect(&database.config)
        .await
        .expect("connect");
    common::eventually(
        "three more delivery runs finish",
        Duration::from_secs(30),
        || async {
            (common::runs_after(&db, "outbox-delivery", delivered).await >= 3).then_some(())
        },
    )
    .await;
    let deliveries = received.lock().expect("lock").clone();
    assert_eq!(deliveries.len(), 1);
    let (headers, body) = &deliveries[0];
    assert_eq!(headers["x-onevisit-event"], "tipoff.received");
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(TEST_WEBHOOK_SECRET).expect("key");
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        headers["x-onevisit-signature"].to_str().expect("ascii"),
        format!("sha256={expected}")
    );
    let payload: Value = serde_json::from_slice(body).expect("json");
    assert_eq!(payload["event"], "tipoff.received");

    let office = login(&client, &second, "office").await;
    let outbox = json_of(
        client
            .get(second.url("/outbox?event=tipoff.received"))
            .bearer_auth(&office)
            .send()
            .await
            .expect("get"),
        200,
    )
    .await;
    assert_eq!(outbox["items"][0]["status"], "delivered");
    assert_eq!(outbox["items"][0]["attempts"], 1);
}

/// Needs PostgreSQL: several processes share one database only there (SQLite is one
/// process by design). Runs when `ONEVISIT_TEST_POSTGRES` is set, passes trivially otherwise.
#[tokio::test]
async fn two_servers_on_one_postgresql_run_each_tick_of_a_per_second_job_exactly_once() {
    if std::env::var(onevisit_service::testing::POSTGRES_ENV).is_err() {
        eprintln!("skipped: set ONEVISIT_TEST_POSTGRES to run two servers on one PostgreSQL");
        return;
    }
    let database = TestDatabase::new().await;
    let every_second = ["--delivery-schedule", "* * * * * *"];
    let a = Server::start(&database, &every_second);
    let b = Server::start(&database, &every_second);
    // Both are up: watch 30 whole seconds from the next one.
    let from = chrono::Utc::now() + chrono::Duration::seconds(2);
    let from = from - chrono::Duration::nanoseconds(i64::from(from.timestamp_subsec_nanos()));
    let until = from + chrono::Duration::seconds(30);
    use sea_orm::{ConnectionTrait, Statement};
    let db = onevisit_service::db::connect(&database.config)
        .await
        .expect("connect");
    // Until a tick after the window has run: each tick of it had both replicas' claims.
    common::eventually(
        "the ticks of the 30 seconds run",
        Duration::from_secs(90),
        || async { (common::runs_after(&db, "outbox-delivery", until).await > 0).then_some(()) },
    )
    .await;
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT tick, replica FROM job_runs WHERE job = 'outbox-delivery' \
             AND tick >= $1 AND tick < $2 ORDER BY tick",
            [from.into(), until.into()],
        ))
        .await
        .expect("query");
    let mut per_tick: BTreeMap<chrono::DateTime<chrono::Utc>, usize> = BTreeMap::new();
    let mut replicas = BTreeSet::new();
    for row in &rows {
        let tick: chrono::DateTime<chrono::Utc> = row.try_get("", "tick").expect("tick");
        let replica: String = row.try_get("", "replica").expect("replica");
        *per_tick.entry(tick).or_default() += 1;
        replicas.insert(replica);
    }
    assert_eq!(
        per_tick.len(),
        30,
        "every one of 30 ticks ran: {per_tick:?}"
    );
    assert!(
        per_tick.values().all(|&n| n == 1),
        "no tick ran twice: {per_tick:?}"
    );
    eprintln!(
        "30 ticks ran by {} replica(s): {replicas:?}",
        replicas.len()
    );
    drop((a, b));
}

#[tokio::test]
async fn enterprises_are_reminded_of_announced_visits_three_working_days_ahead_once() {
    use onevisit_service::entities::{joint_visit, outbox, webhook};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    let database = TestDatabase::new().await;
    let clock = monday_morning();
    let evidence = tempfile::tempdir().expect("a folder for evidence files");
    let mut jobs = onevisit_service::jobs::JobsConfig::new(TEST_WEBHOOK_SECRET);
    jobs.enabled = false;
    let config = onevisit_api::ServeConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        database: database.config.clone(),
        demo: true,
        today: clock.today(),
        auth: onevisit_api::auth::AuthConfig::new(common::TEST_SECRET, 900).expect("auth"),
        clock,
        jobs,
        hazards: onevisit_service::hazards::HazardConfig::new(evidence.path()),
    };
    let app = onevisit_api::Application::build(&config)
        .await
        .expect("the application starts");
    let db = &app.state().db;
    webhook::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        url: Set("http://127.0.0.1:9/hook".to_owned()),
        active: Set(true),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(db)
    .await
    .expect("a webhook");
    // Three working days after Monday 9 November: Thursday 12 November.
    let thursday: chrono::NaiveDate = "2026-11-12".parse().expect("date");
    let due = joint_visit::Entity::find()
        .filter(joint_visit::Column::VisitDate.eq(thursday))
        .filter(joint_visit::Column::Announced.eq(true))
        .filter(joint_visit::Column::Status.is_in(["proposed", "confirmed"]))
        .all(db)
        .await
        .expect("visits");
    assert!(!due.is_empty(), "the demo has visits that Thursday");

    let sent = onevisit_service::jobs::send_reminders(&app.state().jobs_context())
        .await
        .expect("reminders");
    assert_eq!(sent, due.len() as u64);
    let again = onevisit_service::jobs::send_reminders(&app.state().jobs_context())
        .await
        .expect("reminders");
    assert_eq!(again, 0, "a visit is reminded once");
    let rows = outbox::Entity::find()
        .filter(outbox::Column::Event.eq("visit.reminder"))
        .all(db)
        .await
        .expect("outbox");
    let reminded: BTreeSet<String> = rows
        .iter()
        .map(|r| r.payload["visit_id"].as_str().expect("visit").to_owned())
        .collect();
    let expected: BTreeSet<String> = due.iter().map(|v| v.id.to_string()).collect();
    assert_eq!(reminded, expected);
    assert!(rows.iter().all(|r| r.payload["date"] == "2026-11-12"));
}

#[tokio::test]
async fn an_overdue_hazard_is_marked_and_escalated_to_the_office_once_per_deadline() {
    let app = spawn_app_at(true, monday_morning(), false).await;
    let office = app.token("office").await;
    json_of(
        app.post_as(
            &office,
            "/webhooks",
            &json!({"url": "http://127.0.0.1:9/hook"}),
        )
        .await,
        201,
    )
    .await;
    let visits = json_of(
        app.get_as(&office, "/visits?status=completed&to=2026-11-06&limit=1")
            .await,
        200,
    )
    .await;
    let visit = &visits["items"][0];
    // Due on the visit's own day, last week: overdue on Monday.
    let found = json_of(
        app.post_as(
            &office,
            &format!(
                "/visits/{}/hazards",
                visit["id"].as_str().expect("a completed visit")
            ),
            &json!({
                "title": "储罐区消防通道堵塞",
                "description": "东侧消防通道堆放空桶",
                "category": "fire",
                "severity": "general",
                "legal_basis": "《中华人民共和国消防法》第二十八条",
                "responsible_agency": visit["teams"][0]["agency"],
                "deadline": visit["date"],
            }),
        )
        .await,
        201,
    )
    .await;
    let hazard_id = found["id"].as_str().expect("hazard id").to_owned();

    let run = json_of(
        app.post_as(&office, "/jobs/overdue-hazards/run", &json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(run["counts"]["overdue"], 1);
    assert_eq!(run["counts"]["escalated"], 1);
    let twice = app
        .post_as(&office, "/jobs/overdue-hazards/run", &json!({}))
        .await;
    assert_eq!(twice.status(), 409, "the same tick runs once");

    // The next day it is still overdue, but it was escalated for this deadline already.
    app.clock.advance(chrono::Duration::days(1));
    let next_day = json_of(
        app.post_as(&office, "/jobs/overdue-hazards/run", &json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(next_day["counts"]["overdue"], 1);
    assert_eq!(next_day["counts"]["escalated"], 0);

    let trail = json_of(
        app.get_as(
            &office,
            &format!("/audit?entity=hazard&entity_id={hazard_id}"),
        )
        .await,
        200,
    )
    .await;
    let marks: Vec<&Value> = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "escalated_overdue")
        .collect();
    assert_eq!(marks.len(), 1);
    let outbox = json_of(
        app.get_as(&office, "/outbox?event=hazard.overdue").await,
        200,
    )
    .await;
    assert_eq!(outbox["total"], 1);
    assert_eq!(
        outbox["items"][0]["payload"]["hazard_id"],
        hazard_id.as_str()
    );
    assert_eq!(outbox["items"][0]["status"], "pending");
}

/// The team of each agency on each enterprise's last completed visit, from the database.
async fn last_teams(
    db: &sea_orm::DatabaseConnection,
) -> BTreeMap<(uuid::Uuid, uuid::Uuid), BTreeSet<uuid::Uuid>> {
    use onevisit_service::entities::{joint_visit, visit_inspector};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let visits: BTreeMap<uuid::Uuid, joint_visit::Model> = joint_visit::Entity::find()
        .filter(joint_visit::Column::Status.eq("completed"))
        .all(db)
        .await
        .expect("visits")
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let mut last: BTreeMap<(uuid::Uuid, uuid::Uuid), (chrono::NaiveDate, BTreeSet<uuid::Uuid>)> =
        BTreeMap::new();
    for a in visit_inspector::Entity::find()
        .all(db)
        .await
        .expect("teams")
    {
        let Some(v) = visits.get(&a.visit_id) else {
            continue;
        };
        let entry = last
            .entry((v.enterprise_id, a.agency_id))
            .or_insert((v.visit_date, BTreeSet::new()));
        if entry.0 < v.visit_date {
            *entry = (v.visit_date, BTreeSet::new());
        }
        if entry.0 == v.visit_date {
            entry.1.insert(a.inspector_id);
        }
    }
    last.into_iter().map(|(k, (_, team))| (k, team)).collect()
}

#[tokio::test]
async fn a_random_plan_draws_each_team_from_the_free_roster_leaving_out_the_last_visitors() {
    use onevisit_scheduler::periodic::{DrawSeed, InspectorDraw, verify_inspectors};
    use onevisit_service::entities::{
        inspection_request, inspector, inspector_draw, visit_inspector,
    };
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app_at(true, monday_morning(), false).await;
    let office = app.token("office").await;
    let db = app.db().await;
    let before = last_teams(&db).await;
    let mut body = plan(
        "双随机 消防 生态环境",
        "random",
        json!({}),
        // Every enterprise: then some drawn ones surely had a visit before, whatever
        // the seed (with a sample, the rotation rule may find nobody to leave out).
        json!("all"),
        json!([{"agency": "fire", "team_size": 1}, {"agency": "ecology", "team_size": 2}]),
    );
    // Room for most of them in the agencies' capacity.
    body["window_working_days"] = json!(40);
    let fired = fire_new_plan(&app, &office, &body).await;
    let draw_id = fired["draw_id"].as_str().expect("a draw").to_owned();
    let draw = json_of(app.get(&format!("/public/draws/{draw_id}")).await, 200).await;
    assert_eq!(draw["verified"], true, "{draw}");
    let seed = DrawSeed::from_hex(draw["record"]["seed"].as_str().expect("seed")).expect("hex");

    let codes: BTreeMap<uuid::Uuid, String> = inspector::Entity::find()
        .all(&db)
        .await
        .expect("inspectors")
        .into_iter()
        .map(|i| (i.id, i.code))
        .collect();
    let teams = inspector_draw::Entity::find()
        .filter(inspector_draw::Column::DrawId.eq(draw_id.parse::<uuid::Uuid>().expect("id")))
        .all(&db)
        .await
        .expect("team draws");
    let placed: Vec<&Value> = fired["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| r["status"] == "scheduled")
        .collect();
    assert!(!placed.is_empty(), "{fired}");
    // Every placed request got its team by a draw, published with the record, unless
    // it joined a visit where its agency had a team already.
    assert_eq!(draw["teams"].as_array().map(Vec::len), Some(teams.len()));
    let drawn_for: BTreeSet<uuid::Uuid> = teams.iter().map(|t| t.request_id).collect();
    for r in placed {
        let id: uuid::Uuid = r["id"].as_str().expect("id").parse().expect("uuid");
        if drawn_for.contains(&id) {
            continue;
        }
        let row = inspection_request::Entity::find_by_id(id)
            .one(&db)
            .await
            .expect("request")
            .expect("stored");
        let same_team = inspection_request::Entity::find()
            .filter(inspection_request::Column::VisitId.eq(row.visit_id))
            .filter(inspection_request::Column::AgencyId.eq(row.agency_id))
            .filter(inspection_request::Column::Id.ne(id))
            .all(&db)
            .await
            .expect("requests");
        assert!(!same_team.is_empty(), "no team draw for {r}");
    }
    let mut rotated = 0;
    for row in teams {
        let team: InspectorDraw = serde_json::from_value(row.record).expect("a team draw");
        assert!(verify_inspectors(&seed, &team), "{team:?}");
        let request = inspection_request::Entity::find_by_id(row.request_id)
            .one(&db)
            .await
            .expect("request")
            .expect("stored");
        // The drawn inspectors are on the visit: the agency's team, or the part of it
        // the request added to a smaller team there already.
        let on_visit: BTreeSet<String> = visit_inspector::Entity::find()
            .filter(visit_inspector::Column::VisitId.eq(request.visit_id.expect("placed")))
            .filter(visit_inspector::Column::AgencyId.eq(row.agency_id))
            .all(&db)
            .await
            .expect("members")
            .into_iter()
            .map(|m| codes[&m.inspector_id].clone())
            .collect();
        let drawn: BTreeSet<String> = team.drawn.iter().map(|c| c.as_str().to_owned()).collect();
        assert!(
            drawn.is_subset(&on_visit),
            "{drawn:?} not all in {on_visit:?}"
        );
        // Nobody of the agency's last team at the enterprise was eligible.
        let last = before
            .get(&(request.enterprise_id, row.agency_id))
            .cloned()
            .unwrap_or_default();
        if !last.is_empty() {
            rotated += 1;
        }
        for inspector in &last {
            assert!(
                !team.eligible.iter().any(|c| c.as_str() == codes[inspector]),
                "{} visited last and was eligible again: {team:?}",
                codes[inspector]
            );
        }
    }
    assert!(
        rotated > 0,
        "no drawn enterprise had a last visit: the rotation rule went untested"
    );
}

#[tokio::test]
async fn an_unannounced_plan_keeps_its_visits_apart_sealed_and_in_place() {
    use onevisit_service::entities::{inspection_request, joint_visit};
    use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
    let app = spawn_app_at(true, monday_morning(), false).await;
    let office = app.token("office").await;
    let fire = app.token("fire").await;
    // The draw is random, and some demo enterprises have had their quarter's visits:
    // without caps, every drawn enterprise has room for a surprise visit.
    let db = app.db().await;
    db.execute_unprepared("UPDATE enterprises SET burden_cap = NULL")
        .await
        .expect("caps lifted");
    let mut body = plan(
        "双随机 不打招呼",
        "random",
        json!({}),
        json!({"count": 4}),
        json!([{"agency": "fire", "team_size": 1}]),
    );
    body["announced"] = json!(false);
    let fired = fire_new_plan(&app, &office, &body).await;
    let draw_id = fired["draw_id"].as_str().expect("a draw").to_owned();

    // Until its visits are past, the public sees the digest only.
    let sealed = json_of(app.get(&format!("/public/draws/{draw_id}")).await, 200).await;
    assert_eq!(sealed["record"], Value::Null, "{sealed}");
    assert_eq!(sealed["teams"], json!([]));
    assert_eq!(sealed["verified"], true);
    let until: chrono::NaiveDate = sealed["sealed_until"]
        .as_str()
        .expect("sealed until a day")
        .parse()
        .expect("a date");
    let latest = fired["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| r["latest"].as_str().expect("latest").to_owned())
        .max()
        .expect("requests made");
    assert_eq!(until.pred_opt().map(|d| d.to_string()), Some(latest));

    // Each surprise visit is unannounced, and an announced booking of the same
    // enterprise in the same window does not join it.
    let surprise = fired["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .find(|r| r["status"] == "scheduled")
        .unwrap_or_else(|| panic!("a placed request: {fired}"))
        .clone();
    assert_eq!(surprise["announced"], false);
    let visit_id: uuid::Uuid = surprise["visit_id"]
        .as_str()
        .expect("visit")
        .parse()
        .expect("id");
    let visit = joint_visit::Entity::find_by_id(visit_id)
        .one(&db)
        .await
        .expect("visit")
        .expect("stored");
    assert!(!visit.announced);
    let booked = json_of(
        app.post_as(
            &fire,
            "/requests",
            &json!({"enterprise_id": surprise["enterprise_id"], "earliest": surprise["earliest"],
                    "latest": surprise["latest"], "team_size": 1, "kind": "routine",
                    "topics": ["消防设施"]}),
        )
        .await,
        201,
    )
    .await;
    assert_ne!(
        booked["placement"]["visit"]["id"].as_str(),
        Some(visit_id.to_string().as_str()),
        "{booked}"
    );
    assert_ne!(
        booked["placement"]["visit"]["date"].as_str(),
        Some(visit.visit_date.to_string().as_str()),
        "an enterprise gets one visit a day"
    );

    // The nightly re-plan keeps the surprise visit where it was, with its request only.
    let replanned = json_of(
        app.post_as(
            &office,
            "/plans/replan",
            &json!({"start": "2026-11-09", "end": "2026-12-31", "apply": true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(replanned["applied"], true);
    let after = joint_visit::Entity::find_by_id(visit_id)
        .one(&db)
        .await
        .expect("visit")
        .expect("kept");
    assert_eq!(
        (after.visit_date, after.announced),
        (visit.visit_date, false)
    );
    let in_it: Vec<uuid::Uuid> = inspection_request::Entity::find()
        .filter(inspection_request::Column::VisitId.eq(visit_id))
        .all(&db)
        .await
        .expect("requests")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        in_it,
        vec![
            surprise["id"]
                .as_str()
                .expect("id")
                .parse::<uuid::Uuid>()
                .expect("uuid")
        ]
    );

    // From the sealed day on, the record and its teams are public and still check out.
    app.clock.advance(chrono::Duration::days(
        (until - app.clock.today()).num_days(),
    ));
    let open = json_of(app.get(&format!("/public/draws/{draw_id}")).await, 200).await;
    assert_eq!(open["verified"], true);
    assert_eq!(open["digest"], sealed["digest"]);
    assert!(
        open["record"]["result"]
            .as_array()
            .is_some_and(|r| r.len() == 4)
    );
    assert!(!open["teams"].as_array().expect("teams").is_empty());
}

#[tokio::test]
async fn a_firing_that_fails_half_way_leaves_nothing_behind() {
    let app = spawn_app_at(true, monday_morning(), false).await;
    let office = app.token("office").await;
    let body = plan(
        "双随机 失败",
        "random",
        json!({}),
        json!({"count": 6}),
        json!([{"agency": "fire", "team_size": 1}]),
    );
    let saved = json_of(app.post_as(&office, "/inspection-plans", &body).await, 201).await;
    let id = saved["id"].as_str().expect("plan id");
    // The database refuses the plan's third request link: the firing fails after the
    // draw and two requests are written.
    let db = app.db().await;
    let count = |table: &'static str| common::count_rows(&db, table);
    let before = (
        count("inspection_requests").await,
        count("outbox").await,
        count("audit_entries").await,
    );
    common::refuse_inserts(
        &db,
        "plan_requests",
        "(SELECT COUNT(*) FROM plan_requests) >= 2",
        "refused",
    )
    .await;
    let response = app
        .post_as(&office, &format!("/inspection-plans/{id}/fire"), &json!({}))
        .await;
    assert_eq!(response.status().as_u16(), 500);
    assert_eq!(count("draw_records").await, 0);
    assert_eq!(count("plan_requests").await, 0);
    assert_eq!(count("inspector_draws").await, 0);
    assert_eq!(
        (
            count("inspection_requests").await,
            count("outbox").await,
            count("audit_entries").await,
        ),
        before
    );
    // The run is on record as failed.
    let runs = json_of(app.get_as(&office, "/jobs/runs").await, 200).await;
    assert!(
        runs["items"]
            .as_array()
            .expect("runs")
            .iter()
            .any(|r| r["outcome"] == "failed"),
        "{runs}"
    );
}

#[tokio::test]
async fn the_nightly_re_plan_runs_with_its_time_budget() {
    let app = spawn_app_at(true, monday_morning(), false).await;
    let office = app.token("office").await;
    let run = json_of(
        app.post_as(&office, "/jobs/replan/run", &json!({})).await,
        200,
    )
    .await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert!(
        run["counts"]["requests"].as_u64().expect("requests") > 0,
        "{run}"
    );
    let proposed: Value = app
        .get_json(&office, "/visits?status=proposed&limit=1")
        .await;
    assert!(proposed["total"].as_u64().expect("total") > 0, "{proposed}");
}
