//! What the end-to-end tests share: a real server on port 0 with a fresh database.

#![allow(dead_code)] // Each test file uses its own part of this module.

pub mod office;
pub mod pages;

use onevisit_api::auth::AuthConfig;
use onevisit_api::{Application, ServeConfig};
use onevisit_service::clock::Clock;
use onevisit_service::jobs::JobsConfig;
use onevisit_service::seed::DEMO_PASSWORD;
use onevisit_service::testing::TestDatabase;
use std::net::SocketAddr;
use tokio::sync::oneshot;

/// The token signing secret of test servers (tests forge tokens with it and with others).
pub const TEST_SECRET: &[u8] = b"a-test-secret-of-at-least-32-bytes!!";

/// `claims` signed as a token with `secret`: what someone holding that key could forge.
pub fn sign(claims: &serde_json::Value, secret: &[u8]) -> String {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret).expect("key"),
    )
    .expect("sign")
}

/// The claims of a token, read without checking it.
pub fn claims_of(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

/// A running server, stopped when dropped.
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    stop: Option<oneshot::Sender<()>>,
    /// The server's clock, which tests may move forward.
    pub clock: onevisit_service::clock::Clock,
    /// Where the server stores evidence files.
    pub evidence: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// Signs in and returns the response.
    pub async fn login_response(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("request")
    }

    /// Signs in as a demo user and returns the access token.
    pub async fn token(&self, username: &str) -> String {
        let response = self.login_response(username, DEMO_PASSWORD).await;
        assert_eq!(response.status(), 200, "login as {username}");
        let body: serde_json::Value = response.json().await.expect("json");
        body["access_token"].as_str().expect("a token").to_owned()
    }

    /// GET with a bearer token, answered 200 with a JSON body read as `T`.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, token: &str, path: &str) -> T {
        let response = self.get_as(token, path).await;
        let status = response.status();
        let body = response.text().await.expect("a body");
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    /// GET with a bearer token.
    pub async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
    }
}

/// Starts the real application in this process on a free port.
pub async fn spawn_app(demo: bool) -> TestApp {
    start(TestDatabase::new().await, demo).await
}

/// Starts the application on `database`. The demo, if asked, is of today's quarter.
async fn start(database: TestDatabase, demo: bool) -> TestApp {
    start_with(database, demo, Clock::default(), false).await
}

/// The webhooks' signing secret of test servers.
pub const TEST_WEBHOOK_SECRET: &[u8] = b"a-test-webhook-secret";

/// Like [`spawn_app`], on `clock`'s time (the demo is of its quarter), with the periodic
/// jobs running or not.
pub async fn spawn_app_at(demo: bool, clock: Clock, jobs: bool) -> TestApp {
    start_with(TestDatabase::new().await, demo, clock, jobs).await
}

async fn start_with(database: TestDatabase, demo: bool, clock: Clock, run_jobs: bool) -> TestApp {
    let mut jobs = JobsConfig::new(TEST_WEBHOOK_SECRET);
    jobs.enabled = run_jobs;
    let evidence = tempfile::tempdir().expect("a folder for evidence files");
    let config = ServeConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        database: database.config.clone(),
        demo,
        today: clock.today(),
        auth: AuthConfig::new(TEST_SECRET, 900).expect("auth config"),
        clock,
        jobs,
        hazards: onevisit_service::hazards::HazardConfig::new(evidence.path()),
    };
    let app = Application::build(&config)
        .await
        .expect("the application starts");
    let address = app.local_addr().expect("bound address");
    let clock = app.state().clock.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        stopped.await.ok();
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        database,
        stop: Some(stop),
        clock,
        evidence,
    }
}

impl TestApp {
    /// POST a JSON body with a bearer token.
    pub async fn post_as(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// A connection to the test server's database, to check what the API wrote.
    pub async fn db(&self) -> sea_orm::DatabaseConnection {
        onevisit_service::db::connect(&self.database.config)
            .await
            .expect("connect to the test database")
    }
}

/// Asks `check` every 100 ms until it answers `Some`, and fails naming `what` once
/// `deadline` has passed: for what a background job does in its own time.
pub async fn eventually<T, F, Fut>(what: &str, deadline: std::time::Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = std::time::Instant::now();
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            started.elapsed() < deadline,
            "{what}: not within {deadline:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// How many finished runs of `job` the job log holds for ticks after `after`.
pub async fn runs_after(
    db: &sea_orm::DatabaseConnection,
    job: &str,
    after: chrono::DateTime<chrono::Utc>,
) -> u64 {
    use onevisit_service::entities::job_run;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    job_run::Entity::find()
        .filter(job_run::Column::Job.eq(job))
        .filter(job_run::Column::Tick.gt(after))
        .filter(job_run::Column::FinishedAt.is_not_null())
        .count(db)
        .await
        .expect("count the job's runs")
}

/// How many rows `table` holds.
pub async fn count_rows(db: &sea_orm::DatabaseConnection, table: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    db.query_one_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table}"),
    ))
    .await
    .expect("count")
    .expect("a row")
    .try_get::<i64>("", "n")
    .expect("n")
}

/// Makes the database refuse a row inserted into `table` with `message` when `when` (an
/// SQL condition) holds, as a full disk or a clash would: a trigger, written for the
/// database's backend.
pub async fn refuse_inserts(
    db: &sea_orm::DatabaseConnection,
    table: &str,
    when: &str,
    message: &str,
) {
    use sea_orm::{ConnectionTrait, DbBackend};
    let statements = match db.get_database_backend() {
        DbBackend::Postgres => vec![
            format!(
                "CREATE FUNCTION refuse_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF {when} THEN RAISE EXCEPTION '{message}'; END IF; RETURN NEW; END $$"
            ),
            format!(
                "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION refuse_{table}()"
            ),
        ],
        _ => vec![format!(
            "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} WHEN {when} \
             BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )],
    };
    for sql in statements {
        db.execute_unprepared(&sql)
            .await
            .expect("a refusing trigger");
    }
}

/// Like [`spawn_app`], with a year of statutory holidays imported into the database
/// before the server starts (as `onevisit calendar import FILE` does).
pub async fn spawn_app_with_calendar(demo: bool, year_json: &str) -> TestApp {
    let database = TestDatabase::new().await;
    let year = onevisit_domain::CalendarYear::parse_json(year_json).expect("a calendar year");
    let db = onevisit_service::db::open(&database.config)
        .await
        .expect("migrate the test database");
    onevisit_service::store::import_calendar(&db, &year)
        .await
        .expect("import the calendar year");
    db.close().await.expect("close");
    start(database, demo).await
}

/// The address a started `onevisit serve` says it listens on (`listening on http://…`
/// on its standard error, which must be piped), waiting at most `timeout`. Its standard
/// error is read to the end in a thread of its own, so the server never blocks on it.
pub fn listening_address(child: &mut std::process::Child, timeout: std::time::Duration) -> String {
    use std::io::{BufRead, BufReader};
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                    .collect();
                tx.send(addr).ok();
            }
        }
    });
    rx.recv_timeout(timeout)
        .expect("the server says where it listens")
}
