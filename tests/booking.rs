//! Agencies book inspection requests and see where they land; enterprises see their
//! schedule; the rules hold under a storm of concurrent bookings.

mod common;

use common::{TestApp, spawn_app};
use onevisit_domain::WorkCalendar;
use serde_json::{Value, json};

/// A working day a week or more ahead, so that it is bookable whenever the tests run.
fn booking_day() -> chrono::NaiveDate {
    let today = onevisit_service::clock::today();
    WorkCalendar::shipped().add_working_days(today + chrono::Days::new(7), 0)
}

async fn enterprises(app: &TestApp, token: &str, n: usize) -> Vec<Value> {
    let page: Value = app
        .get_json(token, &format!("/enterprises?status=operating&limit={n}"))
        .await;
    page["items"].as_array().expect("items").clone()
}

/// An operating enterprise without a burden cap and with no visit in the window, so that a booking opens one.
async fn enterprise_without_visits(
    app: &TestApp,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Value {
    let office = app.token("office").await;
    for candidate in enterprises(app, &office, 200).await {
        let id = candidate["id"].as_str().expect("id");
        let visits: Value = app
            .get_json(
                &office,
                &format!("/visits?enterprise_id={id}&from={from}&to={to}"),
            )
            .await;
        if visits["total"] == 0 && candidate["burden_cap"].is_null() {
            return candidate;
        }
    }
    panic!("the demo has an enterprise without visits in {from}..{to}");
}

async fn book(app: &TestApp, token: &str, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/requests"))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("request")
}

/// Books `body` without an idempotency key and reads the answer.
async fn booked(app: &TestApp, token: &str, body: &Value) -> Value {
    book(app, token, body, None)
        .await
        .json()
        .await
        .expect("json")
}

fn body(
    enterprise: &Value,
    earliest: chrono::NaiveDate,
    latest: chrono::NaiveDate,
    team: i64,
) -> Value {
    json!({"enterprise_id": enterprise["id"], "earliest": earliest, "latest": latest, "team_size": team,
           "kind": "routine", "topics": ["消防设施"]})
}

#[tokio::test]
async fn two_agencies_booking_one_enterprise_share_one_visit() {
    let app = spawn_app(true).await;
    let fire = app.token("fire").await;
    let ecology = app.token("ecology").await;
    let day = booking_day();
    let window_end = day + chrono::Days::new(14);
    let target = enterprise_without_visits(&app, day, window_end).await;

    let first = book(&app, &fire, &body(&target, day, window_end, 2), None).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["placement"]["outcome"], "new_visit", "{first}");
    let visit = &first["placement"]["visit"];
    assert_eq!(visit["teams"][0]["agency"], "fire");
    assert_eq!(
        visit["teams"][0]["inspectors"]
            .as_array()
            .expect("team")
            .len(),
        2
    );

    let second = booked(&app, &ecology, &body(&target, day, window_end, 1)).await;
    assert_eq!(second["placement"]["outcome"], "joined", "{second}");
    assert_eq!(second["placement"]["visit"]["id"], visit["id"]);
    let agencies: Vec<&str> = second["placement"]["visit"]["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| t["agency"].as_str().expect("code"))
        .collect();
    assert_eq!(agencies, ["ecology", "fire"]);

    // The enterprise sees its announced visit with both teams; another enterprise does not.
    let owner = app
        .token(target["credit_code"].as_str().expect("code"))
        .await;
    let mine: Value = app
        .get_json(&owner, &format!("/visits?from={day}&to={window_end}"))
        .await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], visit["id"]);
    let stranger_code = enterprises(&app, &fire, 2).await[1]["credit_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let stranger = app.token(&stranger_code).await;
    let path = format!("/visits/{}", visit["id"].as_str().expect("id"));
    assert_eq!(app.get_as(&stranger, &path).await.status(), 404);
    assert_eq!(app.get_as(&owner, &path).await.status(), 200);
    // Agencies see their own requests only.
    let request_path = format!("/requests/{}", first["request"]["id"].as_str().expect("id"));
    assert_eq!(app.get_as(&fire, &request_path).await.status(), 200);
    assert_eq!(app.get_as(&ecology, &request_path).await.status(), 404);
}

/// Books a fire request for another of `targets` in `from..=to`, and answers where it
/// landed.
async fn book_fire(
    app: &TestApp,
    fire: &str,
    targets: &mut impl Iterator<Item = Value>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Value {
    let target = targets.next().expect("enough enterprises");
    booked(app, fire, &body(&target, from, to, 1)).await
}

/// Takes fire's whole capacity on every working day of `from..to`: books requests for
/// one day at a time, each for another of `targets`, until that day has no room.
async fn fill_fire_days(
    app: &TestApp,
    fire: &str,
    targets: &mut impl Iterator<Item = Value>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) {
    let calendar = WorkCalendar::shipped();
    let mut day = from;
    while day < to {
        if calendar.is_working_day(day) {
            while book_fire(app, fire, targets, day, day).await["placement"]["reason"]
                != "agency_capacity"
            {}
        }
        day = day + chrono::Days::new(1);
    }
}

/// The last working day before `day`.
fn working_day_before(calendar: &WorkCalendar, mut day: chrono::NaiveDate) -> chrono::NaiveDate {
    loop {
        day = day - chrono::Days::new(1);
        if calendar.is_working_day(day) {
            return day;
        }
    }
}

/// A booking reads only the enterprise's days of its agency first when the agency has a
/// team there that the request may join as it is. When that visit cannot be joined
/// after all (its day turned quiet), the booking must read the agency's other days
/// before it opens a visit: the window's last day, which looks free, is full.
#[tokio::test]
async fn a_team_on_a_day_turned_quiet_is_not_joined_and_the_new_visit_avoids_a_full_day() {
    use onevisit_service::entities::quiet_period;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let app = spawn_app(true).await;
    let calendar = WorkCalendar::shipped();
    let fire = app.token("fire").await;
    // Far past the demo's visits: the window is fire's alone.
    let last =
        calendar.add_working_days(onevisit_service::clock::today() + chrono::Days::new(200), 0);
    let first = calendar.add_working_days(last - chrono::Days::new(20), 0);
    let target = enterprise_without_visits(&app, first, last).await;
    let joined = booked(&app, &fire, &body(&target, first, first, 1)).await;
    assert_eq!(joined["placement"]["outcome"], "new_visit", "{joined}");
    quiet_period::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        enterprise_id: Set(target["id"].as_str().expect("id").parse().expect("uuid")),
        start_date: Set(first),
        end_date: Set(first),
        reason: Set(Some("annual turnaround".to_owned())),
    }
    .insert(&app.db().await)
    .await
    .expect("a quiet period");
    let mut others = enterprises(&app, &fire, 200)
        .await
        .into_iter()
        .filter(|e| e["id"] != target["id"]);
    fill_fire_days(&app, &fire, &mut others, last, last + chrono::Days::new(1)).await;

    let answer = book(&app, &fire, &body(&target, first, last, 1), None).await;
    assert_eq!(answer.status(), 201);
    let answer: Value = answer.json().await.expect("json");
    assert_eq!(answer["placement"]["outcome"], "new_visit", "{answer}");
    assert_eq!(
        answer["placement"]["visit"]["date"],
        working_day_before(&calendar, last).to_string(),
        "{answer}"
    );
}

/// A booking reads the agency's visits of its window's last two weeks first; when those
/// weeks and the day before them are full, it must still find the latest day with room,
/// and say why when there is none.
#[tokio::test]
async fn a_long_window_whose_last_weeks_are_full_lands_on_the_latest_day_with_room() {
    let app = spawn_app(true).await;
    let calendar = WorkCalendar::shipped();
    let fire = app.token("fire").await;
    let working_before = |day| working_day_before(&calendar, day);
    // Far past the demo's visits: the window is fire's alone.
    let today = onevisit_service::clock::today();
    let last = calendar.add_working_days(today + chrono::Days::new(200), 0);
    let first = last - chrono::Days::new(20);
    let full_from = working_before(last - chrono::Days::new(13));
    let mut targets = enterprises(&app, &fire, 200).await.into_iter();
    fill_fire_days(
        &app,
        &fire,
        &mut targets,
        full_from,
        last + chrono::Days::new(1),
    )
    .await;
    let answer = book_fire(&app, &fire, &mut targets, first, last).await;
    assert_eq!(answer["placement"]["outcome"], "new_visit", "{answer}");
    let landed = working_before(full_from);
    assert_eq!(
        answer["placement"]["visit"]["date"],
        landed.to_string(),
        "{answer}"
    );
    // With no room anywhere in the window, the reason is the agency's capacity.
    fill_fire_days(&app, &fire, &mut targets, first, full_from).await;
    let answer = book_fire(&app, &fire, &mut targets, first, last).await;
    assert_eq!(answer["placement"]["outcome"], "unscheduled", "{answer}");
    assert_eq!(answer["placement"]["reason"], "agency_capacity", "{answer}");
}

#[tokio::test]
async fn a_retry_with_the_same_key_books_nothing_new() {
    let app = spawn_app(true).await;
    let fire = app.token("fire").await;
    let target = enterprises(&app, &fire, 1).await.remove(0);
    let day = booking_day();
    let request = body(&target, day, day + chrono::Days::new(10), 1);
    let path = format!(
        "/requests?enterprise_id={}",
        target["id"].as_str().expect("id")
    );
    let count = || async {
        let page: Value = app.get_json(&fire, &path).await;
        page["total"].as_u64().expect("total")
    };
    let before = count().await;

    let first = book(&app, &fire, &request, Some("retry-1")).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = book(&app, &fire, &request, Some("retry-1")).await;
    assert_eq!(again.status(), 201);
    let again: Value = again.json().await.expect("json");
    assert_eq!(first, again, "the first answer is replayed");
    assert_eq!(count().await, before + 1, "the request was booked once");

    let other = body(&target, day, day + chrono::Days::new(11), 1);
    let refused = book(&app, &fire, &other, Some("retry-1")).await;
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(count().await, before + 1, "nothing was booked");
}

#[tokio::test]
async fn bad_bookings_name_the_field() {
    let app = spawn_app(true).await;
    let fire = app.token("fire").await;
    let target = enterprises(&app, &fire, 1).await.remove(0);
    let day = booking_day();
    let cases = [
        (body(&target, day, day - chrono::Days::new(1), 1), "latest"),
        (body(&target, day, day, 0), "team_size"),
        (
            json!({"enterprise_id": target["id"], "earliest": day, "latest": day, "team_size": 1, "kind": "casual"}),
            "kind",
        ),
        (
            json!({"enterprise_id": uuid::Uuid::nil(), "earliest": day, "latest": day, "team_size": 1}),
            "enterprise_id",
        ),
        (
            json!({"enterprise_id": target["id"], "earliest": "2026-02-30", "latest": day, "team_size": 1}),
            "earliest",
        ),
    ];
    for (request, field) in cases {
        let response = book(&app, &fire, &request, None).await;
        assert_eq!(response.status(), 422, "{request}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    // Only agency staff book.
    let office = app.token("office").await;
    assert_eq!(
        book(&app, &office, &body(&target, day, day, 1), None)
            .await
            .status(),
        403
    );
}

/// Books in a task of its own; the task answers the status and the body.
fn spawn_booking(
    app: &TestApp,
    token: &str,
    request: Value,
) -> tokio::task::JoinHandle<(u16, Value)> {
    let (client, url, token) = (app.client.clone(), app.url("/requests"), token.to_owned());
    tokio::spawn(async move {
        let response = client
            .post(url)
            .bearer_auth(token)
            .json(&request)
            .send()
            .await
            .expect("response");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json"))
    })
}

#[tokio::test]
async fn the_rules_hold_under_200_concurrent_bookings() {
    let app = spawn_app(true).await;
    let day = booking_day();
    let fire = app.token("fire").await;
    let all = enterprises(&app, &fire, 120).await;
    let (crowded, others) = all.split_first().expect("enterprises");
    let mut tokens = Vec::new();
    for agency in [
        "housing",
        "natural_resources",
        "ecology",
        "emergency",
        "fire",
        "industry",
    ] {
        tokens.push(app.token(agency).await);
    }
    let mut tasks = Vec::new();
    // 100 bookings at one enterprise on one day, from every agency.
    for i in 0..100 {
        tasks.push(spawn_booking(
            &app,
            &tokens[i % tokens.len()],
            body(crowded, day, day, 1),
        ));
    }
    // 100 fire bookings at other enterprises, all on that day: fire's capacity binds.
    for (i, target) in others.iter().take(100).enumerate() {
        let request = body(target, day, day, 1 + i64::try_from(i % 2).expect("small"));
        tasks.push(spawn_booking(&app, &fire, request));
    }
    let mut fire_refusals = std::collections::BTreeMap::<String, usize>::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let (status, body) = task.await.expect("task");
        assert!(
            status == 201 || status == 503,
            "a booking answered {status}: {body}"
        );
        if i >= 100 && body["placement"]["outcome"] == "unscheduled" {
            let reason = body["placement"]["reason"]
                .as_str()
                .expect("a reason")
                .to_owned();
            *fire_refusals.entry(reason).or_default() += 1;
        }
    }
    // Fire's day fills up: refusals name a rule of the day (or of the enterprise).
    assert!(
        fire_refusals.contains_key("agency_capacity") || fire_refusals.contains_key("no_inspector"),
        "{fire_refusals:?}"
    );
    assert!(
        !fire_refusals.contains_key("unknown_reference"),
        "{fire_refusals:?}"
    );

    let office = app.token("office").await;
    let page: Value = app
        .get_json(&office, &format!("/visits?from={day}&to={day}&limit=500"))
        .await;
    let visits = page["items"].as_array().expect("items");
    let mut per_agency = std::collections::BTreeMap::<String, usize>::new();
    let mut per_enterprise = std::collections::BTreeMap::<String, usize>::new();
    let mut per_inspector = std::collections::BTreeMap::<String, usize>::new();
    for visit in visits {
        *per_enterprise
            .entry(visit["enterprise_id"].to_string())
            .or_default() += 1;
        for team in visit["teams"].as_array().expect("teams") {
            *per_agency
                .entry(team["agency"].as_str().expect("code").to_owned())
                .or_default() += 1;
            let members = team["inspectors"].as_array().expect("inspectors");
            assert_eq!(
                members.len() as i64,
                team["team_size"].as_i64().expect("size"),
                "team size kept"
            );
            for m in members {
                *per_inspector.entry(m["id"].to_string()).or_default() += 1;
            }
        }
    }
    assert!(
        per_enterprise.values().all(|&n| n == 1),
        "one visit per enterprise and day: {per_enterprise:?}"
    );
    assert!(
        per_inspector.values().all(|&n| n == 1),
        "one visit per inspector and day: {per_inspector:?}"
    );
    // The demo's daily capacities.
    let capacity = |agency: &str| match agency {
        "fire" | "emergency" => 6,
        "ecology" | "industry" => 5,
        _ => 3,
    };
    let fire = per_agency.get("fire").copied().unwrap_or(0);
    assert!(
        fire == 6 || fire_refusals.contains_key("no_inspector"),
        "fire is filled to its capacity or out of free inspectors: {per_agency:?} {fire_refusals:?}"
    );
    for (agency, n) in &per_agency {
        assert!(*n <= capacity(agency), "{agency} has {n} visits on {day}");
    }
    let crowded_visits = visits
        .iter()
        .filter(|v| v["enterprise_id"] == crowded["id"])
        .count();
    assert_eq!(
        crowded_visits, 1,
        "the crowded enterprise has one joint visit"
    );
}

#[tokio::test]
async fn the_office_filters_requests_and_visits_by_agency() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let ecology: Value = app
        .get_json(&office, "/requests?agency=ecology&limit=500")
        .await;
    let items = ecology["items"].as_array().expect("items");
    assert!(!items.is_empty());
    assert!(items.iter().all(|r| r["agency"] == "ecology"));
    let visits: Value = app
        .get_json(&office, "/visits?agency=ecology&limit=500")
        .await;
    for visit in visits["items"].as_array().expect("items") {
        assert!(
            visit["teams"]
                .as_array()
                .expect("teams")
                .iter()
                .any(|t| t["agency"] == "ecology")
        );
    }
    for path in ["/requests?agency=nobody", "/visits?agency=nobody"] {
        let response = app.get_as(&office, path).await;
        assert_eq!(response.status(), 422, "{path}");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["errors"][0]["field"], "agency");
    }
}

#[tokio::test]
async fn concurrent_retries_with_one_key_all_get_the_first_answer_byte_for_byte() {
    let app = spawn_app(true).await;
    let fire = app.token("fire").await;
    let day = booking_day();
    let window_end = day + chrono::Days::new(14);
    let target = enterprise_without_visits(&app, day, window_end).await;
    let request = body(&target, day, window_end, 1);
    let send = |request: Value| {
        let (client, url, token) = (app.client.clone(), app.url("/requests"), fire.clone());
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "one-click-many-retries")
                .json(&request)
                .send()
                .await
                .expect("book");
            (
                response.status().as_u16(),
                response.bytes().await.expect("body"),
            )
        }
    };
    let mut retries = tokio::task::JoinSet::new();
    for _ in 0..12 {
        retries.spawn(send(request.clone()));
    }
    let answers = retries.join_all().await;
    let (status, first) = &answers[0];
    assert_eq!(*status, 201);
    let parsed: Value = serde_json::from_slice(first).expect("json");
    assert_eq!(parsed["placement"]["outcome"], "new_visit", "{parsed}");
    for (status, answer) in &answers {
        assert_eq!(*status, 201);
        assert_eq!(
            answer, first,
            "every retry answers the first answer's bytes"
        );
    }
    let (_, later) = send(request).await;
    assert_eq!(&later, first, "and so does one long after");
    let office = app.token("office").await;
    let booked: Value = app
        .get_json(
            &office,
            &format!(
                "/requests?enterprise_id={}&agency=fire&from={day}&to={window_end}",
                target["id"].as_str().expect("id")
            ),
        )
        .await;
    assert_eq!(booked["total"], 1, "one request was booked: {booked}");
}

#[tokio::test]
async fn a_cancellation_may_say_why_and_what_it_says_is_not_empty() {
    let app = spawn_app(true).await;
    let fire = app.token("fire").await;
    let office = app.token("office").await;
    let day = booking_day();
    let targets = enterprises(&app, &office, 2).await;
    let mut ids = Vec::new();
    for target in &targets {
        let answer = booked(
            &app,
            &fire,
            &body(target, day, day + chrono::Days::new(14), 1),
        )
        .await;
        ids.push(answer["request"]["id"].as_str().expect("id").to_owned());
    }
    let cancel = |id: &str| {
        app.client
            .post(app.url(&format!("/requests/{id}/cancel")))
            .bearer_auth(&fire)
    };

    let empty = cancel(&ids[0])
        .json(&json!({"reason": "  "}))
        .send()
        .await
        .expect("cancel");
    assert_eq!(empty.status(), 422);
    let problem: Value = empty.json().await.expect("problem");
    assert_eq!(problem["errors"][0]["field"], "reason", "{problem}");
    let said = cancel(&ids[0])
        .json(&json!({"reason": "booked twice"}))
        .send()
        .await
        .expect("cancel");
    assert_eq!(said.status(), 200);
    // Without a body, as before.
    let silent = cancel(&ids[1]).send().await.expect("cancel");
    assert_eq!(silent.status(), 200);
    let not_json = cancel(&ids[1]).body("reason").send().await.expect("cancel");
    assert_eq!(not_json.status(), 400, "a body that is not JSON is refused");
}
