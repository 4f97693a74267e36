//! Enterprises subscribe to their schedule as an iCalendar feed behind a secret URL
//! that calendar apps can fetch without a bearer token, and that can be rotated.

mod common;

use common::{TestApp, spawn_app};
use icalendar::{Calendar, Component, DatePerhapsTime, EventStatus};
use onevisit_service::entities::joint_visit;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// An enterprise with at least two announced, upcoming proposed visits, and its user's token.
async fn enterprise_with_visits(app: &TestApp, office: &str) -> (String, String) {
    let page: Value = app
        .get_json(office, "/visits?status=proposed&limit=500")
        .await;
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for v in page["items"].as_array().expect("items") {
        if v["announced"] == true {
            *count
                .entry(v["enterprise_id"].as_str().expect("id").to_owned())
                .or_default() += 1;
        }
    }
    let id = count
        .into_iter()
        .find(|(_, n)| *n >= 2)
        .map(|(id, _)| id)
        .expect("an enterprise with two proposed visits");
    let enterprise: Value = app.get_json(office, &format!("/enterprises/{id}")).await;
    let token = app
        .token(enterprise["credit_code"].as_str().expect("credit code"))
        .await;
    (id, token)
}

/// Fetches a feed with no bearer token and checks the RFC 5545 framing by hand.
async fn fetch(app: &TestApp, url: &str) -> (u16, String) {
    let response = app.get(url).await;
    let status = response.status().as_u16();
    if status == 200 {
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/calendar; charset=utf-8")
        );
    }
    (status, response.text().await.expect("body"))
}

fn parse(text: &str) -> Calendar {
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    for line in text.split("\r\n") {
        assert!(!line.contains('\n'), "bare LF in {line:?}");
        assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
    }
    text.parse::<Calendar>()
        .expect("a calendar the icalendar crate reads")
}

/// Events by UID.
fn events(calendar: &Calendar) -> BTreeMap<String, &icalendar::Event> {
    calendar
        .events()
        .map(|e| (e.get_uid().expect("a UID").to_owned(), e))
        .collect()
}

#[tokio::test]
async fn the_feed_holds_the_visits_the_enterprise_sees() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let (id, enterprise) = enterprise_with_visits(&app, &office).await;

    let response = app
        .post_as(
            &enterprise,
            &format!("/enterprises/{id}/calendar-feed"),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let url = response.json::<Value>().await.expect("json")["url"]
        .as_str()
        .expect("url")
        .to_owned();
    assert!(url.starts_with(&format!("/enterprises/{id}/calendar.ics?token=")));

    let (status, text) = fetch(&app, &url).await;
    assert_eq!(status, 200);
    let calendar = parse(&text);
    let got = events(&calendar);

    // Exactly the visits the enterprise's own users see.
    let seen: Value = app.get_json(&enterprise, "/visits?limit=500").await;
    let seen = seen["items"].as_array().expect("items");
    assert!(seen.len() >= 2);
    let expected: BTreeSet<String> = seen
        .iter()
        .map(|v| format!("{}@onevisit", v["id"].as_str().expect("id")))
        .collect();
    assert_eq!(got.keys().cloned().collect::<BTreeSet<_>>(), expected);
    for v in seen {
        let event = got[&format!("{}@onevisit", v["id"].as_str().expect("id"))];
        let date: chrono::NaiveDate = v["date"].as_str().expect("date").parse().expect("date");
        assert_eq!(event.get_start(), Some(DatePerhapsTime::Date(date)));
        assert_eq!(
            event.get_end(),
            Some(DatePerhapsTime::Date(date.succ_opt().expect("next day")))
        );
        let names: Vec<&str> = v["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .map(|t| t["agency_name"].as_str().expect("name"))
            .collect();
        assert_eq!(
            event.get_summary(),
            Some(format!("联合检查：{}", names.join("、")).as_str())
        );
        let description = event.get_description().expect("a description");
        for name in &names {
            assert!(description.contains(name), "{description}");
        }
        let status = if v["status"] == "proposed" {
            EventStatus::Tentative
        } else {
            EventStatus::Confirmed
        };
        assert_eq!(event.get_status(), Some(status));
        assert!(event.get_timestamp().is_some(), "DTSTAMP");
    }

    // A cancelled visit leaves the feed; an unannounced one is not shown before its day.
    let upcoming: Vec<&Value> = seen.iter().filter(|v| v["status"] == "proposed").collect();
    let cancelled = upcoming[0]["id"].as_str().expect("id").to_owned();
    let hidden = upcoming[1]["id"].as_str().expect("id").to_owned();
    let response = app
        .post_as(
            &office,
            &format!("/visits/{cancelled}/cancel"),
            &json!({"reason": "merged into another visit"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let db = app.db().await;
    let row = joint_visit::Entity::find_by_id(hidden.parse::<uuid::Uuid>().expect("uuid"))
        .one(&db)
        .await
        .expect("query")
        .expect("visit");
    let mut active: joint_visit::ActiveModel = row.into();
    active.announced = Set(false);
    active.update(&db).await.expect("unannounce");

    let (status, text) = fetch(&app, &url).await;
    assert_eq!(status, 200);
    let calendar = parse(&text);
    let now = events(&calendar);
    assert!(!now.contains_key(&format!("{cancelled}@onevisit")));
    assert!(!now.contains_key(&format!("{hidden}@onevisit")));
    assert_eq!(now.len(), got.len() - 2);
}

#[tokio::test]
async fn rotating_the_token_kills_the_old_url_and_tokens_do_not_cross_enterprises() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let (id, enterprise) = enterprise_with_visits(&app, &office).await;
    let path = format!("/enterprises/{id}/calendar-feed");

    // No feed yet: nothing answers, whatever the token.
    assert_eq!(
        fetch(&app, &format!("/enterprises/{id}/calendar.ics?token=guess"))
            .await
            .0,
        404
    );

    let first = app.post_as(&enterprise, &path, &json!({})).await;
    assert_eq!(first.status(), 200);
    let first = first.json::<Value>().await.expect("json")["url"]
        .as_str()
        .expect("url")
        .to_owned();
    assert_eq!(fetch(&app, &first).await.0, 200);

    // The office rotates it: the old URL is dead, the new one works.
    let second = app.post_as(&office, &path, &json!({})).await;
    assert_eq!(second.status(), 200);
    let second = second.json::<Value>().await.expect("json")["url"]
        .as_str()
        .expect("url")
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(fetch(&app, &first).await.0, 404);
    assert_eq!(fetch(&app, &second).await.0, 200);

    // The token opens only its own enterprise's feed.
    let token = second.split("token=").nth(1).expect("a token").to_owned();
    let others: Value = app.get_json(&office, "/enterprises?limit=5").await;
    let other = others["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .find(|e| *e != id)
        .expect("another enterprise");
    // Even when that enterprise has a feed of its own.
    assert_eq!(
        app.post_as(
            &office,
            &format!("/enterprises/{other}/calendar-feed"),
            &json!({})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        fetch(
            &app,
            &format!("/enterprises/{other}/calendar.ics?token={token}")
        )
        .await
        .0,
        404
    );
    // Missing, empty and wrong tokens.
    for url in [
        format!("/enterprises/{id}/calendar.ics"),
        format!("/enterprises/{id}/calendar.ics?token="),
        format!("/enterprises/{id}/calendar.ics?token={}x", token),
    ] {
        assert_eq!(fetch(&app, &url).await.0, 404, "{url}");
    }

    // Another enterprise's user cannot rotate this feed (not found); agencies may not at all.
    let other_code: Value = app
        .get_json(&office, &format!("/enterprises/{other}"))
        .await;
    let other_user = app
        .token(other_code["credit_code"].as_str().expect("credit code"))
        .await;
    assert_eq!(
        app.post_as(&other_user, &path, &json!({})).await.status(),
        404
    );
    assert_eq!(
        app.post_as(&app.token("fire").await, &path, &json!({}))
            .await
            .status(),
        403
    );
    assert_eq!(
        app.client
            .post(app.url(&path))
            .send()
            .await
            .expect("request")
            .status(),
        401
    );
    // None of that rotated it.
    assert_eq!(fetch(&app, &second).await.0, 200);
}
