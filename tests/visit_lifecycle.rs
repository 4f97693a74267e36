//! The coordinating office confirms, cancels and reschedules visits, each with its
//! reason in the log; a confirmed visit's verification code checks out at the gate.

mod common;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use common::{TestApp, spawn_app, spawn_app_with_calendar};
use onevisit_domain::{VisitStatus, WorkCalendar};
use onevisit_service::entities::{
    agency, inspection_request, inspector_conflict, inspector_unavailable_day, joint_visit,
    quiet_period, visit_event, visit_inspector, visit_team,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// A test fixture, not the State Council's notice: New Year's Day 2027 off.
const YEAR_2027: &str = r#"{
  "year": 2027,
  "source": "test fixture",
  "periods": [
    {"name": "元旦 New Year's Day", "off": {"start": "2027-01-01", "end": "2027-01-01"}, "workdays": []}
  ]
}"#;

fn today() -> NaiveDate {
    onevisit_service::clock::today()
}

/// The office's view of visits with a status, by date.
async fn visits_with_status(app: &TestApp, office: &str, status: &str) -> Vec<Value> {
    let page: Value = app
        .get_json(office, &format!("/visits?status={status}&limit=500"))
        .await;
    page["items"].as_array().expect("items").clone()
}

/// Proposed visits from tomorrow on, with at least one team.
async fn upcoming_proposed(app: &TestApp, office: &str) -> Vec<Value> {
    visits_with_status(app, office, "proposed")
        .await
        .into_iter()
        .filter(|v| {
            v["date"]
                .as_str()
                .expect("date")
                .parse::<NaiveDate>()
                .expect("a date")
                > today()
                && !v["teams"].as_array().expect("teams").is_empty()
        })
        .collect()
}

fn id_of(visit: &Value) -> Uuid {
    visit["id"].as_str().expect("id").parse().expect("a uuid")
}

/// The credit code of the enterprise a visit is at, which is also its user's name.
async fn credit_code_of(app: &TestApp, office: &str, visit: &Value) -> String {
    let path = format!(
        "/enterprises/{}",
        visit["enterprise_id"].as_str().expect("id")
    );
    let enterprise: Value = app.get_json(office, &path).await;
    enterprise["credit_code"]
        .as_str()
        .expect("credit code")
        .to_owned()
}

/// The code of the first agency taking part in a visit.
fn first_agency(visit: &Value) -> String {
    visit["teams"][0]["agency"]
        .as_str()
        .expect("agency")
        .to_owned()
}

async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    response.json().await.expect("a problem document")
}

/// Checks a refusal: its status, problem+json, and a detail that says `because`.
async fn refused(response: reqwest::Response, status: u16, because: &str) -> Value {
    let body = problem(response, status).await;
    let detail = body["detail"].as_str().expect("detail");
    assert!(detail.contains(because), "{body}");
    body
}

async fn events(db: &DatabaseConnection, visit: Uuid) -> Vec<visit_event::Model> {
    visit_event::Entity::find()
        .filter(visit_event::Column::VisitId.eq(visit))
        .order_by_asc(visit_event::Column::At)
        .order_by_asc(visit_event::Column::Id)
        .all(db)
        .await
        .expect("events")
}

#[tokio::test]
async fn a_confirmed_visit_carries_a_code_that_verifies_until_it_is_cancelled() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let visit = upcoming_proposed(&app, &office)
        .await
        .into_iter()
        .find(|v| v["announced"] == true)
        .expect("an announced proposed visit");
    let id = id_of(&visit);

    // Not confirmed yet: no code.
    let before: Value = app
        .get_json(&office, &format!("/visits/{id}/verification"))
        .await;
    assert_eq!(before["verification_code"], Value::Null);

    let response = app
        .post_as(&office, &format!("/visits/{id}/confirm"), &json!({}))
        .await;
    assert_eq!(response.status(), 200);
    let confirmed: Value = response.json().await.expect("json");
    assert_eq!(confirmed["status"], "confirmed");
    let code = confirmed["verification_code"]
        .as_str()
        .expect("a code")
        .to_owned();
    assert!(
        !code.contains(&id.to_string()) && !code.contains(&id.simple().to_string()),
        "the code is not the id in clear"
    );

    // The office, the enterprise and the visit's agencies see the same code.
    let credit_code = credit_code_of(&app, &office, &visit).await;
    let enterprise = app.token(&credit_code).await;
    let member_agency = first_agency(&visit);
    for token in [&office, &enterprise, &app.token(&member_agency).await] {
        let seen: Value = app
            .get_json(token, &format!("/visits/{id}/verification"))
            .await;
        assert_eq!(seen["verification_code"], code.as_str());
    }
    // An agency not on the visit does not learn that it exists.
    let on_visit: BTreeSet<&str> = visit["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| t["agency"].as_str().expect("agency"))
        .collect();
    let outsider = [
        "fire",
        "ecology",
        "housing",
        "emergency",
        "industry",
        "natural_resources",
    ]
    .into_iter()
    .find(|a| !on_visit.contains(a))
    .expect("no visit has all six agencies");
    let answer = app
        .get_as(
            &app.token(outsider).await,
            &format!("/visits/{id}/verification"),
        )
        .await;
    assert_eq!(answer.status(), 404, "{outsider} is not on the visit");

    // Anyone at the gate, without a token.
    let response = app.get(&format!("/verify/{code}")).await;
    assert_eq!(response.status(), 200);
    let verified: Value = response.json().await.expect("json");
    assert_eq!(verified["valid"], true);
    assert_eq!(verified["enterprise"], visit["enterprise_name"]);
    assert_eq!(verified["credit_code"], credit_code.as_str());
    assert_eq!(verified["date"], visit["date"]);
    assert_eq!(verified["status"], "confirmed");
    let mut names: Vec<String> = visit["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| t["agency_name"].as_str().expect("name").to_owned())
        .collect();
    names.sort();
    let mut got: Vec<String> = verified["agencies"]
        .as_array()
        .expect("agencies")
        .iter()
        .map(|a| a.as_str().expect("name").to_owned())
        .collect();
    got.sort();
    assert_eq!(got, names);

    // A tampered code, garbage, and a forged tag on a real id are not registered.
    let mut tampered: Vec<char> = code.chars().collect();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let forged = {
        use base64::Engine;
        let mut bytes = id.as_bytes().to_vec();
        bytes.extend_from_slice(&[0u8; 10]);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    for bad in [
        tampered.as_str(),
        "not-a-code",
        forged.as_str(),
        &id.to_string(),
    ] {
        let body = problem(app.get(&format!("/verify/{bad}")).await, 404).await;
        assert_eq!(body["title"], "not a registered inspection", "{bad}");
    }

    // Confirming twice is not a legal step; the problem lists the allowed ones.
    let body = problem(
        app.post_as(&office, &format!("/visits/{id}/confirm"), &json!({}))
            .await,
        409,
    )
    .await;
    let detail = body["detail"].as_str().expect("detail");
    assert!(
        detail.contains("in_progress") && detail.contains("cancelled"),
        "{detail}"
    );

    // Cancelled: the code no longer verifies.
    let response = app
        .post_as(
            &office,
            &format!("/visits/{id}/cancel"),
            &json!({"reason": "the plant shut down for repairs"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body = problem(app.get(&format!("/verify/{code}")).await, 404).await;
    assert_eq!(body["title"], "not a registered inspection");

    let db = app.db().await;
    let log = events(&db, id).await;
    let actions: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.from_status.as_str(),
                e.to_status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("confirm", "proposed", "confirmed"),
            ("cancel", "confirmed", "cancelled")
        ]
    );
    assert_eq!(
        log[1].reason.as_deref(),
        Some("the plant shut down for repairs")
    );
}

#[tokio::test]
async fn cancelling_frees_the_inspectors_and_reopens_the_requests() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let db = app.db().await;
    let visit = upcoming_proposed(&app, &office)
        .await
        .into_iter()
        .next()
        .expect("a proposed visit");
    let id = id_of(&visit);
    let requests = inspection_request::Entity::find()
        .filter(inspection_request::Column::VisitId.eq(id))
        .all(&db)
        .await
        .expect("requests");
    assert!(!requests.is_empty(), "a planned visit serves requests");
    let inspectors = visit_inspector::Entity::find()
        .filter(visit_inspector::Column::VisitId.eq(id))
        .all(&db)
        .await
        .expect("inspectors");
    assert!(!inspectors.is_empty(), "a planned visit has inspectors");

    // A reason is required, and named when missing.
    for body in [json!({"reason": "   "}), json!({"reason": ""})] {
        let problem = problem(
            app.post_as(&office, &format!("/visits/{id}/cancel"), &body)
                .await,
            422,
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "reason");
    }
    assert_eq!(
        events(&db, id).await.len(),
        0,
        "refused cancellations write nothing"
    );

    let response = app
        .post_as(
            &office,
            &format!("/visits/{id}/cancel"),
            &json!({"reason": "the enterprise asked to merge it with next month's visit"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["verification_code"], Value::Null);

    let stored = joint_visit::Entity::find_by_id(id)
        .one(&db)
        .await
        .expect("query")
        .expect("the visit stays, cancelled");
    assert_eq!(stored.status.as_str(), "cancelled");
    assert_eq!(
        visit_inspector::Entity::find()
            .filter(visit_inspector::Column::VisitId.eq(id))
            .count(&db)
            .await
            .expect("count"),
        0,
        "the inspectors are freed"
    );
    // Freed for real: the same inspector can be put on another visit that day.
    let freed = &inspectors[0];
    let other = joint_visit::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(stored.enterprise_id),
        visit_date: Set(stored.visit_date),
        status: Set(VisitStatus::Proposed.into()),
        announced: Set(true),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
    }
    .insert(&db)
    .await
    .expect("the enterprise's day is free again");
    visit_inspector::ActiveModel {
        visit_id: Set(other.id),
        inspector_id: Set(freed.inspector_id),
        agency_id: Set(freed.agency_id),
        visit_date: Set(freed.visit_date),
    }
    .insert(&db)
    .await
    .expect("the inspector's day is free again");

    for r in &requests {
        let now = inspection_request::Entity::find_by_id(r.id)
            .one(&db)
            .await
            .expect("query")
            .expect("request");
        assert_eq!(now.status.as_str(), "open", "request {}", r.id);
        assert_eq!(now.visit_id, None);
    }
    let log = events(&db, id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "cancel");
    assert_eq!(
        log[0].reason.as_deref(),
        Some("the enterprise asked to merge it with next month's visit")
    );
    assert_eq!(log[0].to_date, Some(stored.visit_date));

    // Nothing further from cancelled; a completed visit cannot be cancelled either.
    refused(
        app.post_as(
            &office,
            &format!("/visits/{id}/cancel"),
            &json!({"reason": "again"}),
        )
        .await,
        409,
        "allowed: none",
    )
    .await;
    let completed = visits_with_status(&app, &office, "completed")
        .await
        .into_iter()
        .next()
        .expect("the demo has completed visits");
    refused(
        app.post_as(
            &office,
            &format!("/visits/{}/cancel", id_of(&completed)),
            &json!({"reason": "too late"}),
        )
        .await,
        409,
        "completed",
    )
    .await;
}

/// The next day from `from` on that is `weekday`.
fn next(from: NaiveDate, weekday: Weekday) -> NaiveDate {
    let mut day = from;
    while day.weekday() != weekday {
        day = day + Days::new(1);
    }
    day
}

#[tokio::test]
async fn rescheduling_onto_a_day_that_breaks_a_rule_is_refused_naming_why() {
    let app = spawn_app_with_calendar(true, YEAR_2027).await;
    let office = app.token("office").await;
    let db = app.db().await;
    let calendar = WorkCalendar::shipped()
        .with_year(&onevisit_domain::CalendarYear::parse_json(YEAR_2027).expect("fixture"));
    // A visit whose requests leave it a few working days to move to.
    let mut chosen = None;
    for visit in upcoming_proposed(&app, &office).await {
        let stored = joint_visit::Entity::find_by_id(id_of(&visit))
            .one(&db)
            .await
            .expect("query")
            .expect("visit");
        if candidate_days(&db, &stored, &calendar).await.len() >= 3 {
            chosen = Some(stored);
            break;
        }
    }
    let stored = chosen.expect("a proposed visit with room in its windows");
    let id = stored.id;
    let reschedule = |date: NaiveDate| {
        let app = &app;
        let office = &office;
        async move {
            app.post_as(
                office,
                &format!("/visits/{id}/reschedule"),
                &json!({"date": date, "reason": "the enterprise asked"}),
            )
            .await
        }
    };

    // A weekend and a statutory holiday.
    let saturday = next(today() + Days::new(1), Weekday::Sat);
    refused(reschedule(saturday).await, 409, "not a working day").await;
    let new_year: NaiveDate = "2027-01-01".parse().expect("date");
    assert_eq!(new_year.weekday(), Weekday::Fri);
    refused(reschedule(new_year).await, 409, "not a working day").await;

    // A quiet period of the enterprise.
    let quiet_day = calendar.add_working_days(stored.visit_date + Days::new(1), 0);
    quiet_period::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(stored.enterprise_id),
        start_date: Set(quiet_day),
        end_date: Set(quiet_day),
        reason: Set(Some("annual turnaround".to_owned())),
    }
    .insert(&db)
    .await
    .expect("a quiet period");
    let body = problem(reschedule(quiet_day).await, 409).await;
    let detail = body["detail"].as_str().expect("detail");
    assert!(
        detail.contains("quiet period") && detail.contains("annual turnaround"),
        "{detail}"
    );

    // Outside a request's window.
    let requests = inspection_request::Entity::find()
        .filter(inspection_request::Column::VisitId.eq(id))
        .all(&db)
        .await
        .expect("requests");
    let latest = requests.iter().map(|r| r.latest).min().expect("a request");
    let mut after = calendar.add_working_days(latest + Days::new(1), 0);
    if after == quiet_day {
        after = calendar.add_working_days(after, 1);
    }
    assert!(calendar.is_working_day(after));
    refused(reschedule(after).await, 409, "outside the window").await;

    // Another visit of the enterprise that day.
    let taken = candidate_days(&db, &stored, &calendar)
        .await
        .into_iter()
        .find(|d| *d != quiet_day)
        .expect("a third working day in the windows");
    {
        if joint_visit::Entity::find()
            .filter(joint_visit::Column::EnterpriseId.eq(stored.enterprise_id))
            .filter(joint_visit::Column::VisitDate.eq(taken))
            .filter(joint_visit::Column::Status.ne("cancelled"))
            .count(&db)
            .await
            .expect("count")
            == 0
        {
            joint_visit::ActiveModel {
                id: Set(Uuid::now_v7()),
                enterprise_id: Set(stored.enterprise_id),
                visit_date: Set(taken),
                status: Set(VisitStatus::Confirmed.into()),
                announced: Set(true),
                created_at: Set(chrono::Utc::now()),
                updated_at: Set(chrono::Utc::now()),
            }
            .insert(&db)
            .await
            .expect("another visit");
        }
        refused(reschedule(taken).await, 409, "already has").await;
    }

    // An agency at its daily capacity that day.
    let full_day = candidate_days(&db, &stored, &calendar)
        .await
        .into_iter()
        .find(|d| *d != quiet_day && *d != taken)
        .expect("another working day in the windows");
    let team = visit_team::Entity::find()
        .filter(visit_team::Column::VisitId.eq(id))
        .one(&db)
        .await
        .expect("query")
        .expect("a team");
    let live_that_day: BTreeSet<Uuid> = joint_visit::Entity::find()
        .filter(joint_visit::Column::VisitDate.eq(full_day))
        .filter(joint_visit::Column::Status.ne("cancelled"))
        .all(&db)
        .await
        .expect("visits")
        .into_iter()
        .map(|v| v.id)
        .collect();
    let busy = visit_team::Entity::find()
        .filter(visit_team::Column::AgencyId.eq(team.agency_id))
        .filter(visit_team::Column::VisitDate.eq(full_day))
        .all(&db)
        .await
        .expect("teams")
        .into_iter()
        .filter(|t| live_that_day.contains(&t.visit_id))
        .count();
    let mut full: agency::ActiveModel = agency::Entity::find_by_id(team.agency_id)
        .one(&db)
        .await
        .expect("query")
        .expect("agency")
        .into();
    full.daily_capacity = Set(i32::try_from(busy).expect("small"));
    full.update(&db).await.expect("lower the capacity");
    refused(reschedule(full_day).await, 409, "daily capacity").await;

    // Bad bodies name the field.
    for (body, field) in [
        (
            json!({"date": today() - Days::new(1), "reason": "x"}),
            "date",
        ),
        (json!({"date": stored.visit_date, "reason": "x"}), "date"),
        (json!({"date": quiet_day, "reason": " "}), "reason"),
        (json!({"date": "2026-13-01", "reason": "x"}), "date"),
    ] {
        let problem = problem(
            app.post_as(&office, &format!("/visits/{id}/reschedule"), &body)
                .await,
            422,
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }

    // Nothing moved and nothing was logged.
    let after_all = joint_visit::Entity::find_by_id(id)
        .one(&db)
        .await
        .expect("query")
        .expect("visit");
    assert_eq!(after_all.visit_date, stored.visit_date);
    assert_eq!(events(&db, id).await.len(), 0);
}

/// Every working day from tomorrow on inside all the visit's request windows but its own.
async fn candidate_days(
    db: &DatabaseConnection,
    visit: &joint_visit::Model,
    calendar: &WorkCalendar,
) -> Vec<NaiveDate> {
    let requests = inspection_request::Entity::find()
        .filter(inspection_request::Column::VisitId.eq(visit.id))
        .all(db)
        .await
        .expect("requests");
    let earliest = requests.iter().map(|r| r.earliest).max();
    let latest = requests.iter().map(|r| r.latest).min();
    let (Some(earliest), Some(latest)) = (earliest, latest) else {
        return Vec::new();
    };
    let Ok(range) = onevisit_domain::DateRange::new(earliest.max(today() + Days::new(1)), latest)
    else {
        return Vec::new();
    };
    calendar
        .working_days(range)
        .filter(|d| *d != visit.visit_date)
        .collect()
}

#[tokio::test]
async fn rescheduling_onto_a_good_day_moves_everything_and_keeps_the_rules() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let db = app.db().await;

    // Confirm a visit first, so that the move also changes its verification code.
    let mut moved = None;
    'search: for visit in upcoming_proposed(&app, &office).await.into_iter().take(40) {
        let id = id_of(&visit);
        let stored = joint_visit::Entity::find_by_id(id)
            .one(&db)
            .await
            .expect("query")
            .expect("visit");
        for day in candidate_days(&db, &stored, &WorkCalendar::shipped()).await {
            // One of its inspectors is away that day: the move must replace them.
            let away = visit_inspector::Entity::find()
                .filter(visit_inspector::Column::VisitId.eq(id))
                .order_by_asc(visit_inspector::Column::InspectorId)
                .one(&db)
                .await
                .expect("query")
                .expect("an inspector");
            let leave = inspector_unavailable_day::ActiveModel {
                inspector_id: Set(away.inspector_id),
                day: Set(day),
            };
            let existed = inspector_unavailable_day::Entity::find_by_id((away.inspector_id, day))
                .one(&db)
                .await
                .expect("query")
                .is_some();
            if !existed {
                leave.insert(&db).await.expect("leave");
            }
            let response = app
                .post_as(
                    &office,
                    &format!("/visits/{id}/reschedule"),
                    &json!({"date": day, "reason": "the chief engineer is away that week"}),
                )
                .await;
            match response.status().as_u16() {
                200 => {
                    let body: Value = response.json().await.expect("json");
                    moved = Some((stored, day, away, body));
                    break 'search;
                }
                409 => {
                    if !existed {
                        inspector_unavailable_day::Entity::delete_by_id((away.inspector_id, day))
                            .exec(&db)
                            .await
                            .expect("delete leave");
                    }
                }
                other => panic!("reschedule answered {other}"),
            }
        }
    }
    let (before, day, away, body) = moved.expect("some proposed visit can move to another day");
    let id = before.id;
    assert_eq!(body["status"], "proposed");
    assert_eq!(body["date"], day.to_string());
    let replaced = body["replaced_inspectors"]
        .as_array()
        .expect("replacements");
    // The inspector on leave, and any other already busy on the new day (the plan of the
    // day the test runs decides which): each replaced by one free that day.
    assert!(!replaced.is_empty(), "{body}");

    // The visit, its teams and its inspectors are all on the new day.
    let after = joint_visit::Entity::find_by_id(id)
        .one(&db)
        .await
        .expect("query")
        .expect("visit");
    assert_eq!(after.visit_date, day);
    let teams = visit_team::Entity::find()
        .filter(visit_team::Column::VisitId.eq(id))
        .all(&db)
        .await
        .expect("teams");
    assert!(teams.iter().all(|t| t.visit_date == day));
    let members = visit_inspector::Entity::find()
        .filter(visit_inspector::Column::VisitId.eq(id))
        .all(&db)
        .await
        .expect("members");
    assert!(members.iter().all(|m| m.visit_date == day));
    let sizes: i32 = teams.iter().map(|t| t.team_size).sum();
    assert_eq!(
        i32::try_from(members.len()).expect("small"),
        sizes,
        "every team is full"
    );
    assert!(
        !members.iter().any(|m| m.inspector_id == away.inspector_id),
        "the inspector on leave was replaced"
    );
    assert!(
        members
            .iter()
            .filter(|m| m.agency_id == away.agency_id)
            .count()
            >= 1
    );

    // The rules hold on the new day.
    assert!(WorkCalendar::shipped().is_working_day(day));
    for r in inspection_request::Entity::find()
        .filter(inspection_request::Column::VisitId.eq(id))
        .all(&db)
        .await
        .expect("requests")
    {
        assert!(
            r.earliest <= day && day <= r.latest,
            "inside request {}'s window",
            r.id
        );
    }
    let holding = ["proposed", "confirmed", "in_progress", "completed"];
    assert_eq!(
        joint_visit::Entity::find()
            .filter(joint_visit::Column::EnterpriseId.eq(after.enterprise_id))
            .filter(joint_visit::Column::VisitDate.eq(day))
            .filter(joint_visit::Column::Status.is_in(holding))
            .count(&db)
            .await
            .expect("count"),
        1,
        "one visit a day for the enterprise"
    );
    let all_teams_that_day = visit_team::Entity::find()
        .filter(visit_team::Column::VisitDate.eq(day))
        .all(&db)
        .await
        .expect("teams");
    let live: BTreeSet<Uuid> = joint_visit::Entity::find()
        .filter(joint_visit::Column::VisitDate.eq(day))
        .filter(joint_visit::Column::Status.is_in(holding))
        .all(&db)
        .await
        .expect("visits")
        .into_iter()
        .map(|v| v.id)
        .collect();
    let mut per_agency: BTreeMap<Uuid, i32> = BTreeMap::new();
    for t in all_teams_that_day
        .iter()
        .filter(|t| live.contains(&t.visit_id))
    {
        *per_agency.entry(t.agency_id).or_default() += 1;
    }
    for (agency_id, count) in per_agency {
        let capacity = agency::Entity::find_by_id(agency_id)
            .one(&db)
            .await
            .expect("query")
            .expect("agency")
            .daily_capacity;
        assert!(
            count <= capacity,
            "agency {agency_id}: {count} > {capacity}"
        );
    }
    for m in &members {
        assert!(
            inspector_unavailable_day::Entity::find_by_id((m.inspector_id, day))
                .one(&db)
                .await
                .expect("query")
                .is_none(),
            "inspector {} is available",
            m.inspector_id
        );
        assert!(
            inspector_conflict::Entity::find_by_id((m.inspector_id, after.enterprise_id))
                .one(&db)
                .await
                .expect("query")
                .is_none(),
            "inspector {} has no conflict",
            m.inspector_id
        );
        assert_eq!(
            visit_inspector::Entity::find()
                .filter(visit_inspector::Column::InspectorId.eq(m.inspector_id))
                .filter(visit_inspector::Column::VisitDate.eq(day))
                .count(&db)
                .await
                .expect("count"),
            1,
            "inspector {} is in one visit that day",
            m.inspector_id
        );
    }

    let log = events(&db, id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "reschedule");
    assert_eq!(log[0].from_date, Some(before.visit_date));
    assert_eq!(log[0].to_date, Some(day));
    assert_eq!(
        log[0].reason.as_deref(),
        Some("the chief engineer is away that week")
    );

    // A confirmed visit moves too, keeps its status and gets a new code; the old one dies.
    let confirmed: Value = app
        .post_as(&office, &format!("/visits/{id}/confirm"), &json!({}))
        .await
        .json()
        .await
        .expect("json");
    let old_code = confirmed["verification_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let back = candidate_days(&db, &after, &WorkCalendar::shipped())
        .await
        .into_iter()
        .rev()
        .collect::<Vec<_>>();
    let mut new_code = None;
    for d in back {
        let response = app
            .post_as(
                &office,
                &format!("/visits/{id}/reschedule"),
                &json!({"date": d, "reason": "moved again"}),
            )
            .await;
        if response.status() == 200 {
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["status"], "confirmed");
            assert_eq!(body["date"], d.to_string());
            new_code = Some(body["verification_code"].as_str().expect("code").to_owned());
            break;
        }
        assert_eq!(response.status(), 409);
    }
    let new_code = new_code.expect("the confirmed visit can move back within its windows");
    assert_ne!(new_code, old_code);
    assert_eq!(app.get(&format!("/verify/{old_code}")).await.status(), 404);
    assert_eq!(app.get(&format!("/verify/{new_code}")).await.status(), 200);

    // A completed visit does not move.
    let completed = visits_with_status(&app, &office, "completed")
        .await
        .into_iter()
        .next()
        .expect("completed visits");
    refused(
        app.post_as(
            &office,
            &format!("/visits/{}/reschedule", id_of(&completed)),
            &json!({"date": day, "reason": "x"}),
        )
        .await,
        409,
        "cannot be rescheduled",
    )
    .await;
}

#[tokio::test]
async fn only_the_office_acts_on_visits() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let visit = upcoming_proposed(&app, &office)
        .await
        .into_iter()
        .next()
        .expect("a proposed visit");
    let id = id_of(&visit);
    let agency = first_agency(&visit);
    let credit_code = credit_code_of(&app, &office, &visit).await;
    let day = WorkCalendar::shipped().add_working_days(today() + Days::new(3), 0);
    let actions = [
        ("confirm", json!({})),
        ("cancel", json!({"reason": "because"})),
        ("reschedule", json!({"date": day, "reason": "because"})),
    ];
    for user in [
        agency.clone(),
        format!("{agency}-inspector"),
        credit_code.clone(),
    ] {
        let token = app.token(&user).await;
        for (action, body) in &actions {
            let response = app
                .post_as(&token, &format!("/visits/{id}/{action}"), body)
                .await;
            assert_eq!(response.status(), 403, "{user} {action}");
        }
    }
    for (action, body) in &actions {
        let response = app
            .client
            .post(app.url(&format!("/visits/{id}/{action}")))
            .json(body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 401, "no token {action}");
        let unknown = app
            .post_as(
                &office,
                &format!("/visits/{}/{action}", Uuid::now_v7()),
                body,
            )
            .await;
        assert_eq!(unknown.status(), 404, "unknown id {action}");
    }
    // Nothing changed.
    let db = app.db().await;
    let stored = joint_visit::Entity::find_by_id(id)
        .one(&db)
        .await
        .expect("query")
        .expect("visit");
    assert_eq!(stored.status.as_str(), "proposed");
    assert_eq!(events(&db, id).await.len(), 0);
}
