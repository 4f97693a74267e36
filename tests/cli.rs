//! The binary as a new user runs it: `serve --demo`, `seed`, and clear refusals of bad input.

mod common;

use onevisit_service::testing::TestDatabase;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn onevisit() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onevisit"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("ONEVISIT_LISTEN")
        .env_remove("ONEVISIT_CONFIG");
    command
}

/// Runs a command to its end; returns the exit code and standard error.
fn run(command: &mut Command) -> (i32, String) {
    let output = command.output().expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `onevisit seed --demo` for 2026Q4 on `database`.
fn seed_demo(database: &TestDatabase) -> (i32, String) {
    run(onevisit().args([
        "seed",
        "--demo",
        "--quarter",
        "2026Q4",
        "--database-url",
        database.url(),
    ]))
}

async fn count(database: &TestDatabase, table: &str) -> i64 {
    let db = onevisit_service::db::connect(&database.config)
        .await
        .expect("connect");
    common::count_rows(&db, table).await
}

#[tokio::test]
async fn serve_demo_answers_health_and_ready_then_stops_on_sigterm() {
    let database = TestDatabase::new().await;
    let evidence = tempfile::tempdir().expect("a folder for the demo's evidence files");
    let mut child = onevisit()
        .env("ONEVISIT_EVIDENCE_DIR", evidence.path())
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database.url(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let addr = common::listening_address(&mut child, Duration::from_secs(60));

    let client = reqwest::Client::new();
    for path in ["/health", "/ready"] {
        let response = client
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{path}");
    }
    assert_eq!(count(&database, "enterprises").await, 200);

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

#[tokio::test]
async fn seeding_the_demo_twice_adds_nothing_the_second_time() {
    let database = TestDatabase::new().await;
    let seed = || seed_demo(&database);
    assert_eq!(seed().0, 0);
    let tables = [
        "agencies",
        "inspectors",
        "enterprises",
        "inspection_requests",
        "enterprise_quiet_periods",
    ];
    let mut first = Vec::new();
    for table in tables {
        first.push(count(&database, table).await);
    }
    assert_eq!(first[0], 6);
    assert_eq!(first[2], 200);
    let (code, stderr) = seed();
    assert_eq!(code, 0, "{stderr}");
    for (table, before) in tables.iter().zip(first) {
        assert_eq!(count(&database, table).await, before, "{table} grew");
    }
}

#[tokio::test]
async fn a_demo_seed_that_fails_half_way_leaves_the_database_as_it_was() {
    let database = TestDatabase::new().await;
    let (code, stderr) = run(onevisit().args(["migrate", "--database-url", database.url()]));
    assert_eq!(code, 0, "{stderr}");
    // The accounts are written after the data set and its plan: refuse them, as a full
    // disk or a clash with an existing account would.
    let db = onevisit_service::db::connect(&database.config)
        .await
        .expect("connect");
    common::refuse_inserts(&db, "users", "TRUE", "no accounts today").await;
    let (code, stderr) = seed_demo(&database);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("no accounts today"), "{stderr}");
    for table in [
        "agencies",
        "enterprises",
        "inspectors",
        "inspection_requests",
        "joint_visits",
        "audit_entries",
    ] {
        assert_eq!(count(&database, table).await, 0, "{table} was written to");
    }
}

#[test]
fn a_malformed_database_url_is_refused_by_name() {
    let (code, stderr) = run(onevisit().args([
        "migrate",
        "--database-url",
        "mysql://root@localhost/onevisit",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("DATABASE_URL: unsupported scheme \"mysql\""),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn an_unreachable_database_names_where_it_looked() {
    let (code, stderr) = run(onevisit().args([
        "migrate",
        "--database-url",
        "postgres://onevisit:secret@127.0.0.1:9/onevisit",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr
            .contains("cannot reach the database at postgres://onevisit:***@127.0.0.1:9/onevisit"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("secret"),
        "the password must not be printed: {stderr}"
    );
}

#[tokio::test]
async fn bad_rows_in_a_seed_file_are_named_and_nothing_is_written() {
    let database = TestDatabase::new().await;
    assert_eq!(
        run(onevisit().args(["migrate", "--database-url", database.url()])).0,
        0
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            r#"{"enterprises":[{"credit_code":"91110000802100433C","name":"甲化工","sector":"chemical","district":"清江浦区","status":"operating"}]}"#,
            "enterprises[0] (91110000802100433C): credit_code: check character is 'C', expected 'B'",
        ),
        (
            r#"{"agencies":[{"code":"fire","name":"消防","daily_capacity":3}],
                "enterprises":[{"credit_code":"91110000802100433B","name":"甲化工","sector":"chemical","district":"清江浦区","status":"operating"}],
                "requests":[{"key":"r1","agency":"firee","enterprise":"91110000802100433B","earliest":"2026-03-02","latest":"2026-03-20","team_size":1}]}"#,
            "requests[0] (r1): agency: unknown agency \"firee\"",
        ),
        (
            r#"{"requests":[{"key":"r1","agency":"fire","enterprise":"91110000802100433B","earliest":"2026-03-20","latest":"2026-03-02","team_size":1}]}"#,
            "requests[0] (r1): window: ends (2026-03-02) before it starts (2026-03-20)",
        ),
        (
            r#"{"enterprises":[{"credit_code":"91110000802100433B","name":"甲化工","sector":"mining","district":"清江浦区","status":"operating"}]}"#,
            "sector: unknown value \"mining\"",
        ),
    ];
    for (i, (json, expected)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.json"));
        std::fs::write(&path, json).expect("write the case");
        let (code, stderr) = run(onevisit().args([
            "seed",
            "--file",
            path.to_str().expect("utf-8 path"),
            "--database-url",
            database.url(),
        ]));
        assert_eq!(code, 2, "case {i}: {stderr}");
        assert!(stderr.contains(expected), "case {i}: {stderr}");
        assert!(!stderr.contains("panicked"), "case {i}: {stderr}");
    }
    for table in ["agencies", "enterprises", "inspection_requests"] {
        assert_eq!(count(&database, table).await, 0, "{table} was written to");
    }
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["seed", "--help"],
        vec!["calendar", "import", "--help"],
        vec!["openapi", "--help"],
    ] {
        let output = onevisit().args(&args).output().expect("runs");
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage: onevisit"),
            "{args:?}"
        );
    }
}

fn plan_with(input: &str, extra: &[&str]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = onevisit()
        .args(["plan", "--input", "-", "--output", "-"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start onevisit plan");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write the problem");
    let output = child.wait_with_output().expect("finish");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn plan_time_limit_is_checked_and_used() {
    let problem = r#"{"horizon": {"start": "2026-03-02", "end": "2026-03-06"},
        "agencies": [{"id": "fire", "daily_capacity": 1}],
        "inspectors": [{"id": "f1", "agency": "fire"}],
        "enterprises": [{"id": "E1"}],
        "requests": [{"id": "R1", "agency": "fire", "enterprise": "E1",
                      "earliest": "2026-03-02", "latest": "2026-03-06", "inspectors": 1}]}"#;
    for bad in ["0", "-1", "soon", "NaN", "100000"] {
        let flag = format!("--time-limit={bad}");
        let (code, stdout, stderr) = plan_with(problem, &[flag.as_str()]);
        assert_eq!(code, 2, "--time-limit {bad}: {stderr}");
        assert!(stderr.contains("--time-limit"), "{stderr}");
        assert!(stdout.is_empty());
    }
    let (code, stdout, stderr) = plan_with(problem, &["--time-limit", "0.5"]);
    assert_eq!(code, 0, "{stderr}");
    let (_, quick, _) = plan_with(problem, &[]);
    assert_eq!(stdout, quick, "nothing to improve: the same plan");
}

#[test]
fn plan_turns_a_problem_into_a_plan_and_sums_it_up() {
    let problem = r#"{"horizon": {"start": "2026-02-13", "end": "2026-02-24"},
        "calendar": {"holidays": ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"],
                     "workdays": ["2026-02-14"]},
        "agencies": [{"id": "fire", "daily_capacity": 2}, {"id": "ecology", "daily_capacity": 2}],
        "inspectors": [{"id": "f1", "agency": "fire"}, {"id": "e1", "agency": "ecology"}],
        "enterprises": [{"id": "E1"}],
        "requests": [
            {"id": "R1", "agency": "fire", "enterprise": "E1", "earliest": "2026-02-14", "latest": "2026-02-20", "inspectors": 1},
            {"id": "R2", "agency": "ecology", "enterprise": "E1", "earliest": "2026-02-14", "latest": "2026-02-24", "inspectors": 1},
            {"id": "R3", "agency": "fire", "enterprise": "E9", "earliest": "2026-02-14", "latest": "2026-02-24", "inspectors": 1}
        ]}"#;
    let (code, stdout, stderr) = plan_with(problem, &["--pretty"]);
    assert_eq!(code, 0, "{stderr}");
    let plan: serde_json::Value = serde_json::from_str(&stdout).expect("the plan is JSON");
    // The make-up Saturday is the only working day in R1's window: both requests meet there.
    assert_eq!(plan["visits"][0]["date"], "2026-02-14");
    assert_eq!(
        plan["visits"][0]["requests"],
        serde_json::json!(["R1", "R2"])
    );
    assert_eq!(
        plan["unscheduled"][0],
        serde_json::json!({"request": "R3", "reason": "unknown_reference"})
    );
    assert!(
        stderr.contains("requests 3, scheduled 2, visits 1, lower bound 1,"),
        "{stderr}"
    );
    assert!(stdout.contains("\n  "), "--pretty indents");
    let (_, compact, _) = plan_with(problem, &[]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&compact).expect("json"),
        plan,
        "the same plan with or without --pretty"
    );
}

#[test]
fn plan_refuses_a_malformed_problem_with_exit_2() {
    let (code, stdout, stderr) = plan_with(
        r#"{"horizon": {"start": "2026-03-02", "end": "2026-03-06"}, "agencies": [], "inspectors": [],
            "enterprises": [], "requests": [{"id": "R1", "agency": "fire", "enterprise": "E1",
            "earliest": "2026-03-05", "latest": "2026-03-02", "inspectors": 1}]}"#,
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "no partial plan");
    assert!(
        stderr.contains("R1") && stderr.contains("earliest"),
        "{stderr}"
    );
    let (code, _, stderr) = plan_with("{not json", &[]);
    assert_eq!(code, 2);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
