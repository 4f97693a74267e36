//! The office reviews the load of the fourth quarter of 2026 on a small, hand-built
//! database, and every figure is the one worked out by hand below.
//!
//! Agencies: fire (2 visits a day), ecology (1 a day). Enterprises: A (清江浦区, chemical,
//! cap 2), B (淮阴区, chemical, no cap), C (淮阴区, other, cap 1).
//!
//! | visit | enterprise | day        | status    | teams         | requests                 |
//! |-------|------------|------------|-----------|---------------|--------------------------|
//! | V1    | A          | 2026-10-12 | completed | fire, ecology | fire, ecology            |
//! | V2    | A          | 2026-12-14 | proposed  | fire          | fire                     |
//! | V3    | B          | 2026-10-12 | completed | fire          | fire (urgent)            |
//! | V4    | C          | 2026-10-13 | cancelled | ecology       | ecology (cancelled)      |
//! | V5    | C          | 2026-11-02 | confirmed | ecology, fire | ecology, fire            |
//! | V6    | B          | 2026-11-02 | completed | ecology       | ecology                  |
//!
//! Hazards: on V1 fire's (closed 2026-10-22, 10 days) and ecology's (major, open, due
//! 2026-11-01: overdue); on V3 fire's (submitted, due 2026-10-20: overdue); on V6
//! ecology's (closed 2026-11-06, 4 days); on V5 two of fire's (one closed 2026-11-22,
//! 20 days; one open, due 2099).
//!
//! The cancelled V4 counts nowhere. Q4 2026 has 62 working days: 66 weekdays, less
//! the National Day holidays on 1, 2, 5, 6 and 7 October, plus Saturday 10 October.

mod common;

use chrono::{NaiveDate, Utc};
use common::{TestApp, spawn_app};
use onevisit_domain::{
    EnterpriseStatus, HazardStatus, RequestKind, RequestStatus, Severity, VisitStatus,
};
use onevisit_service::entities::{
    agency, enterprise, hazard, inspection_request, inspector, joint_visit, visit_inspector,
    visit_team,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use serde_json::{Value, json};
use uuid::Uuid;

const Q4: &str = "from=2026-10-01&to=2026-12-31";

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

struct Fixture {
    db: DatabaseConnection,
}

impl Fixture {
    async fn agency(&self, code: &str, name: &str, daily_capacity: i32) -> Uuid {
        let id = Uuid::now_v7();
        agency::ActiveModel {
            id: Set(id),
            code: Set(code.to_owned()),
            name: Set(name.to_owned()),
            name_en: Set(None),
            daily_capacity: Set(daily_capacity),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("agency");
        id
    }

    async fn enterprise(
        &self,
        credit_code: &str,
        name: &str,
        district: &str,
        sector: &str,
        cap: Option<i32>,
    ) -> Uuid {
        let id = Uuid::now_v7();
        enterprise::ActiveModel {
            id: Set(id),
            credit_code: Set(credit_code.to_owned()),
            name: Set(name.to_owned()),
            sector: Set(sector.to_owned()),
            district: Set(district.to_owned()),
            in_chemical_park: Set(false),
            key_process: Set(false),
            key_chemical: Set(false),
            major_hazard_source: Set(false),
            status: Set(EnterpriseStatus::Operating.into()),
            burden_cap: Set(cap),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("enterprise");
        id
    }

    async fn inspector(&self, code: &str, agency: Uuid, active: bool) -> Uuid {
        let id = Uuid::now_v7();
        inspector::ActiveModel {
            id: Set(id),
            code: Set(code.to_owned()),
            agency_id: Set(agency),
            name: Set(format!("Inspector {code}")),
            qualifications: Set(json!([])),
            active: Set(active),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("inspector");
        id
    }

    /// A visit with one team (and its inspector) and one request per agency.
    async fn visit(
        &self,
        enterprise: Uuid,
        date: &str,
        status: &str,
        teams: &[(Uuid, Uuid, &str)],
    ) -> Uuid {
        let id = Uuid::now_v7();
        let date = day(date);
        joint_visit::ActiveModel {
            id: Set(id),
            enterprise_id: Set(enterprise),
            visit_date: Set(date),
            status: Set(status.parse::<VisitStatus>().expect("a status").into()),
            announced: Set(true),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("visit");
        for &(agency, inspector, kind) in teams {
            visit_team::ActiveModel {
                visit_id: Set(id),
                agency_id: Set(agency),
                visit_date: Set(date),
                team_size: Set(1),
            }
            .insert(&self.db)
            .await
            .expect("team");
            visit_inspector::ActiveModel {
                visit_id: Set(id),
                inspector_id: Set(inspector),
                agency_id: Set(agency),
                visit_date: Set(date),
            }
            .insert(&self.db)
            .await
            .expect("inspector on the visit");
            inspection_request::ActiveModel {
                id: Set(Uuid::now_v7()),
                agency_id: Set(agency),
                enterprise_id: Set(enterprise),
                earliest: Set(date),
                latest: Set(date),
                team_size: Set(1),
                kind: Set(kind.parse::<RequestKind>().expect("a kind").into()),
                topics: Set(json!([])),
                status: Set(if status == "cancelled" {
                    RequestStatus::Cancelled
                } else {
                    RequestStatus::Scheduled
                }
                .into()),
                unscheduled_reason: Set(None),
                visit_id: Set(Some(id)),
                idempotency_key: Set(None),
                body_hash: Set(None),
                announced: Set(true),
                created_at: Set(Utc::now()),
                updated_at: Set(Utc::now()),
            }
            .insert(&self.db)
            .await
            .expect("request");
        }
        id
    }
}

impl Fixture {
    /// A hazard found on `visit` at `enterprise`, `agency` responsible.
    async fn hazard(
        &self,
        n: usize,
        [visit, enterprise, agency]: [Uuid; 3],
        severity: &str,
        status: &str,
        deadline: NaiveDate,
        closed_on: Option<NaiveDate>,
    ) {
        hazard::ActiveModel {
            id: Set(Uuid::now_v7()),
            visit_id: Set(visit),
            enterprise_id: Set(enterprise),
            title: Set(format!("Hazard {n}")),
            description: Set("found".to_owned()),
            category: Set("other".to_owned()),
            severity: Set(severity.parse::<Severity>().expect("a severity").into()),
            legal_basis: Set("a rule".to_owned()),
            regulation: Set(None),
            responsible_agency_id: Set(agency),
            original_deadline: Set(deadline),
            deadline: Set(deadline),
            status: Set(status.parse::<HazardStatus>().expect("a status").into()),
            notice_id: Set(None),
            follow_up_request_id: Set(None),
            reinspection_visit_id: Set(None),
            closed_on: Set(closed_on),
            event_count: Set(1),
            recorded_by: Set(Uuid::nil()),
            recorded_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("hazard");
    }
}

struct Review {
    app: TestApp,
    office: String,
    a: Uuid,
}

/// The database of the table above, with the demo accounts (`office`, one per enterprise).
async fn review() -> Review {
    let app = spawn_app(false).await;
    let f = Fixture { db: app.db().await };
    let fire = f.agency("fire", "消防救援支队", 2).await;
    let ecology = f.agency("ecology", "生态环境局", 1).await;
    let fire_1 = f.inspector("fire-01", fire, true).await;
    let fire_2 = f.inspector("fire-02", fire, true).await;
    f.inspector("fire-03", fire, false).await;
    let eco_1 = f.inspector("ecology-01", ecology, true).await;
    let eco_2 = f.inspector("ecology-02", ecology, true).await;
    f.inspector("ecology-03", ecology, true).await;
    let a = f
        .enterprise(
            "91320800TESTA0001A",
            "甲化工",
            "清江浦区",
            "chemical",
            Some(2),
        )
        .await;
    let b = f
        .enterprise("91320800TESTB0002B", "乙化工", "淮阴区", "chemical", None)
        .await;
    let c = f
        .enterprise("91320800TESTC0003C", "丙船厂", "淮阴区", "other", Some(1))
        .await;
    let routine = "routine";
    let v1 = f
        .visit(
            a,
            "2026-10-12",
            "completed",
            &[(fire, fire_1, routine), (ecology, eco_1, routine)],
        )
        .await;
    f.visit(a, "2026-12-14", "proposed", &[(fire, fire_2, routine)])
        .await;
    let v3 = f
        .visit(b, "2026-10-12", "completed", &[(fire, fire_2, "urgent")])
        .await;
    f.visit(c, "2026-10-13", "cancelled", &[(ecology, eco_1, routine)])
        .await;
    let v5 = f
        .visit(
            c,
            "2026-11-02",
            "confirmed",
            &[(ecology, eco_1, routine), (fire, fire_1, routine)],
        )
        .await;
    let v6 = f
        .visit(b, "2026-11-02", "completed", &[(ecology, eco_2, routine)])
        .await;
    // Hazards: (visit, enterprise, agency, severity, status, deadline, closed on).
    let hazards = [
        (
            v1,
            a,
            fire,
            "general",
            "closed",
            "2026-10-30",
            Some("2026-10-22"),
        ),
        (v1, a, ecology, "major", "open", "2026-11-01", None),
        (
            v3,
            b,
            fire,
            "general",
            "rectification_submitted",
            "2026-10-20",
            None,
        ),
        (
            v6,
            b,
            ecology,
            "general",
            "closed",
            "2026-11-30",
            Some("2026-11-06"),
        ),
        (
            v5,
            c,
            fire,
            "general",
            "closed",
            "2026-12-02",
            Some("2026-11-22"),
        ),
        (v5, c, fire, "general", "open", "2099-01-01", None),
    ];
    for (i, (visit, enterprise, agency, severity, status, deadline, closed)) in
        hazards.into_iter().enumerate()
    {
        f.hazard(
            i,
            [visit, enterprise, agency],
            severity,
            status,
            day(deadline),
            closed.map(day),
        )
        .await;
    }
    onevisit_service::seed::demo_users(&f.db)
        .await
        .expect("accounts");
    let office = app.token("office").await;
    Review { app, office, a }
}

impl Review {
    async fn json(&self, path: &str) -> Value {
        let response = self.app.get_as(&self.office, path).await;
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.expect("json")
    }
}

/// V2 is still ahead until its day.
fn planned_v2() -> i64 {
    i64::from(onevisit_service::clock::today() < day("2026-12-14"))
}

#[tokio::test]
async fn the_overview_counts_live_visits_teams_requests_and_duplicates_avoided() {
    let r = review().await;
    let overview = r.json(&format!("/review/overview?{Q4}")).await;
    let totals = &overview["totals"];
    assert_eq!(totals["working_days"], 62);
    assert_eq!(totals["visits"], 5, "V4 is cancelled");
    assert_eq!(totals["teams"], 7);
    assert_eq!(totals["capacity"], 3 * 62);
    assert_eq!(totals["load_percent"], 3.76, "7 teams of 186");
    assert_eq!(totals["requests"], 7);
    assert_eq!(totals["duplicates_avoided"], 2);
    assert_eq!(totals["enterprises_visited"], 3);
    assert_eq!(totals["cap_warnings"], 2, "A and C reach their caps");

    let days = overview["days"].as_array().expect("days");
    assert_eq!(days.len(), 92, "every day of the quarter");
    let on = |date: &str| {
        days.iter()
            .find(|d| d["date"] == date)
            .cloned()
            .expect("the day")
    };
    assert_eq!(
        on("2026-10-12"),
        json!({"date": "2026-10-12", "working_day": true, "visits": 2, "teams": 3, "capacity": 3})
    );
    assert_eq!(on("2026-11-02")["teams"], 3);
    assert_eq!(on("2026-10-13")["visits"], 0, "the cancelled visit");
    assert_eq!(on("2026-10-01")["capacity"], 0, "National Day");

    let nearest: Vec<&str> = overview["nearest_cap"]
        .as_array()
        .expect("nearest")
        .iter()
        .map(|e| e["name"].as_str().expect("name"))
        .collect();
    assert_eq!(nearest, ["甲化工", "丙船厂"], "B has no cap");
}

#[tokio::test]
async fn agencies_are_measured_against_their_daily_capacity() {
    let r = review().await;
    let agencies = r.json(&format!("/review/agencies?{Q4}")).await;
    assert_eq!(
        agencies,
        json!([
            {"agency": "fire", "name": "消防救援支队", "daily_capacity": 2, "working_days": 62,
             "visits": 4, "visits_per_working_day": 0.06, "peak_day_visits": 2, "days_over_capacity": 0},
            {"agency": "ecology", "name": "生态环境局", "daily_capacity": 1, "working_days": 62,
             "visits": 3, "visits_per_working_day": 0.05, "peak_day_visits": 2, "days_over_capacity": 1},
        ])
    );
}

#[tokio::test]
async fn districts_inspectors_and_duplicates_avoided() {
    let r = review().await;
    assert_eq!(
        r.json(&format!("/review/districts?{Q4}")).await,
        json!([
            {"district": "淮阴区", "visits": 3, "teams": 4, "enterprises": 2},
            {"district": "清江浦区", "visits": 2, "teams": 3, "enterprises": 1},
        ])
    );
    let inspectors: Vec<(String, i64)> = r
        .json(&format!("/review/inspectors?{Q4}"))
        .await
        .as_array()
        .expect("rows")
        .iter()
        .map(|i| {
            (
                i["inspector"].as_str().expect("code").to_owned(),
                i["visits"].as_i64().expect("visits"),
            )
        })
        .collect();
    let expected = [
        ("ecology-01", 2),
        ("fire-01", 2),
        ("fire-02", 2),
        ("ecology-02", 1),
        ("ecology-03", 0),
    ];
    assert_eq!(
        inspectors,
        expected.map(|(c, n)| (c.to_owned(), n)),
        "the inactive fire-03 made no visit and is left out"
    );
    assert_eq!(
        r.json(&format!("/review/duplicates?{Q4}")).await,
        json!([
            {"period": "2026Q4", "district": "淮阴区", "sector": "chemical", "requests": 2, "visits": 2, "avoided": 0},
            {"period": "2026Q4", "district": "淮阴区", "sector": "other", "requests": 2, "visits": 1, "avoided": 1},
            {"period": "2026Q4", "district": "清江浦区", "sector": "chemical", "requests": 3, "visits": 2, "avoided": 1},
        ])
    );
}

#[tokio::test]
async fn enterprises_against_their_cap_with_an_early_warning() {
    let r = review().await;
    let page = r.json(&format!("/review/enterprises?{Q4}")).await;
    assert_eq!(page["total"], 3);
    let rows = page["items"].as_array().expect("items");
    let pick = |row: &Value| {
        json!([
            row["name"],
            row["burden_cap"],
            row["visits"],
            row["counted"],
            row["planned"],
            row["requests"],
            row["left"],
            row["warning"]
        ])
    };
    assert_eq!(
        rows.iter().map(pick).collect::<Vec<_>>(),
        [
            json!(["甲化工", 2, 2, 2, planned_v2(), 3, 0, true]),
            json!(["丙船厂", 1, 1, 1, 0, 2, 0, true]),
            json!(["乙化工", null, 2, 1, 0, 2, null, false]),
        ],
        "B's urgent visit does not count towards a cap"
    );
}

#[tokio::test]
async fn every_filter_narrows_the_figures() {
    let r = review().await;
    let totals = |query: String| {
        let r = &r;
        async move { r.json(&format!("/review/overview?{Q4}&{query}")).await["totals"].clone() }
    };
    let ecology = totals("agency=ecology".to_owned()).await;
    assert_eq!(
        (&ecology["visits"], &ecology["teams"], &ecology["capacity"]),
        (&json!(3), &json!(3), &json!(62)),
        "V1, V5, V6: only ecology's teams and capacity"
    );
    let huaiyin = totals(format!("district={}", "%E6%B7%AE%E9%98%B4%E5%8C%BA")).await;
    assert_eq!(huaiyin["visits"], 3);
    assert_eq!(totals("sector=chemical".to_owned()).await["visits"], 4);
    let october = r
        .json("/review/overview?from=2026-10-01&to=2026-10-31")
        .await;
    assert_eq!(october["totals"]["visits"], 2);
    assert_eq!(
        october["totals"]["working_days"], 18,
        "22 weekdays, less 5 holidays, plus 1 make-up Saturday"
    );
}

#[tokio::test]
async fn every_figure_exports_as_csv_with_a_header_and_a_byte_order_mark() {
    let r = review().await;
    for (figure, name) in [
        ("hazards", "hazards"),
        ("hazards/overdue", "overdue-hazards"),
        ("overview", "overview"),
        ("days", "days"),
        ("agencies", "agencies"),
        ("districts", "districts"),
        ("inspectors", "inspectors"),
        ("duplicates", "duplicates"),
        ("enterprises", "enterprises"),
    ] {
        let response = r
            .app
            .get_as(&r.office, &format!("/review/{figure}?{Q4}&format=csv"))
            .await;
        assert_eq!(response.status(), 200, "{figure}");
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .expect("ascii")
                .contains(&format!("onevisit-{name}-2026-10-01-2026-12-31.csv"))
        );
        let body = response.text().await.expect("text");
        assert!(body.starts_with('\u{feff}'), "{figure}: a byte-order mark");
    }
    let body = r
        .app
        .get_as(&r.office, &format!("/review/duplicates?{Q4}&format=csv"))
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(
        body,
        "\u{feff}period,district,sector,requests,visits,avoided\n\
         2026Q4,淮阴区,chemical,2,2,0\n\
         2026Q4,淮阴区,other,2,1,1\n\
         2026Q4,清江浦区,chemical,3,2,1\n"
    );
}

#[tokio::test]
async fn the_drill_down_shows_an_enterprise_s_requests_and_visits() {
    let r = review().await;
    let timeline = r
        .json(&format!("/review/enterprises/{}/timeline", r.a))
        .await;
    assert_eq!(timeline["enterprise"]["name"], "甲化工");
    assert_eq!(timeline["requests"].as_array().expect("requests").len(), 3);
    let dates: Vec<&str> = timeline["visits"]
        .as_array()
        .expect("visits")
        .iter()
        .map(|v| v["date"].as_str().expect("date"))
        .collect();
    assert_eq!(dates, ["2026-10-12", "2026-12-14"]);
    // The same as CSV: a line per request, visit and hazard, by date.
    let csv = r
        .app
        .get_as(
            &r.office,
            &format!("/review/enterprises/{}/timeline?format=csv", r.a),
        )
        .await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.contains("onevisit-timeline-"))
    );
    let csv = csv.text().await.expect("text");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "date,what,id,status,agencies,detail");
    let hazards = timeline["hazards"].as_array().expect("hazards").len();
    assert_eq!(lines.len(), 1 + 3 + 2 + hazards);
    let visit_lines: Vec<&str> = lines
        .iter()
        .filter(|l| l.split(',').nth(1) == Some("visit"))
        .map(|l| &l[..10])
        .collect();
    assert_eq!(visit_lines, ["2026-10-12", "2026-12-14"]);
    let mut sorted = lines[1..].to_vec();
    sorted.sort_by_key(|l| &l[..10]);
    assert_eq!(sorted, lines[1..], "by date");
    let bad = r
        .app
        .get_as(
            &r.office,
            &format!("/review/enterprises/{}/timeline?format=xml", r.a),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let unknown = r
        .app
        .get_as(
            &r.office,
            &format!("/review/enterprises/{}/timeline", Uuid::now_v7()),
        )
        .await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn only_the_office_reviews_and_bad_filters_name_the_parameter() {
    let r = review().await;
    let enterprise = r.app.token("91320800TESTA0001A").await;
    let refused = r.app.get_as(&enterprise, "/review/overview").await;
    assert_eq!(refused.status(), 403);
    let refused = r
        .app
        .get_as(
            &enterprise,
            &format!("/review/enterprises/{}/timeline", r.a),
        )
        .await;
    assert_eq!(refused.status(), 403);

    for (query, field) in [
        ("from=2026-12-01&to=2026-10-01", "to"),
        ("from=2026-01-01&to=2027-06-30", "to"),
        ("format=xml", "format"),
        ("agency=police", "agency"),
        ("from=yesterday", "from"),
        ("colour=red", "colour"),
    ] {
        let response = r
            .app
            .get_as(&r.office, &format!("/review/overview?{query}"))
            .await;
        assert_eq!(response.status(), 422, "{query}");
        let problem: Value = response.json().await.expect("problem");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
}

#[tokio::test]
async fn hazards_per_district_and_agency_with_closure_rate_and_median_days_to_close() {
    let r = review().await;
    let figures = r.json(&format!("/review/hazards?{Q4}")).await;
    let row = |key: &str, found, open, submitted, overdue, closed, median: f64| {
        json!({"found": found, "open": open, "submitted": submitted, "overdue": overdue,
               "closed": closed, "closure_rate": 50.0, "median_days_to_close": median, "key": key})
    };
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().expect("object").remove("name");
        v
    };
    assert_eq!(strip(&figures["totals"]), row("", 6, 3, 1, 2, 3, 10.0));
    let districts: Vec<Value> = figures["districts"]
        .as_array()
        .expect("rows")
        .iter()
        .map(strip)
        .collect();
    assert_eq!(
        districts,
        [
            row("淮阴区", 4, 2, 1, 1, 2, 12.0),
            row("清江浦区", 2, 1, 0, 1, 1, 10.0)
        ],
        "the median of 4 and 20 days is 12"
    );
    let agencies: Vec<Value> = figures["agencies"]
        .as_array()
        .expect("rows")
        .iter()
        .map(strip)
        .collect();
    assert_eq!(
        agencies,
        [
            row("ecology", 2, 1, 0, 1, 1, 4.0),
            row("fire", 4, 2, 1, 1, 2, 15.0)
        ]
    );
    let fire = r.json(&format!("/review/hazards?{Q4}&agency=fire")).await;
    assert_eq!(
        fire["totals"]["found"], 4,
        "the responsible agency's hazards"
    );

    let overdue: Vec<(String, String, i64)> = r
        .json(&format!("/review/hazards/overdue?{Q4}"))
        .await
        .as_array()
        .expect("rows")
        .iter()
        .map(|h| {
            (
                h["district"].as_str().expect("district").to_owned(),
                h["deadline"].as_str().expect("deadline").to_owned(),
                h["days_overdue"].as_i64().expect("days"),
            )
        })
        .collect();
    let today = onevisit_service::clock::today();
    assert_eq!(
        overdue,
        [
            (
                "淮阴区".to_owned(),
                "2026-10-20".to_owned(),
                (today - day("2026-10-20")).num_days()
            ),
            (
                "清江浦区".to_owned(),
                "2026-11-01".to_owned(),
                (today - day("2026-11-01")).num_days()
            ),
        ]
    );
    let overview = r.json(&format!("/review/overview?{Q4}")).await;
    assert_eq!(
        overview["hazards"], figures,
        "the overview holds the same figures"
    );
}

/// The overview takes its nearest-the-cap list and its warnings from the database without
/// building the whole burden list: they must be the list's head and count for the same
/// filters. Two quarters of enterprises, more of them capped than the overview lists, with
/// ties on what is left and counted, urgent visits, caps of 0 and no caps.
#[tokio::test]
async fn the_overview_s_nearest_cap_and_warnings_are_those_of_the_full_list() {
    let r = review().await;
    let f = Fixture {
        db: r.app.db().await,
    };
    let agencies = [
        f.agency("housing", "住房和城乡建设局", 5).await,
        f.agency("industry", "工业和信息化局", 5).await,
    ];
    let caps = [None, Some(0), Some(1), Some(2), Some(3)];
    for i in 0..24_usize {
        let e = f
            .enterprise(
                &format!("9132080{i:010}X"),
                &format!("负荷企业{i:02}"),
                ["清江浦区", "淮阴区"][i % 2],
                ["chemical", "other", "chemical"][i % 3],
                caps[i % caps.len()],
            )
            .await;
        let agency = agencies[(i / 2) % 2];
        let inspector = f.inspector(&format!("load-{i:02}"), agency, true).await;
        let mut days = Vec::new();
        days.extend((0..i % 3).map(|j| format!("2026-07-{:02}", 6 + j)));
        days.extend((0..(i / 2) % 4).map(|j| format!("2026-10-{:02}", 12 + j)));
        if i % 5 == 2 {
            days.push("2026-12-21".to_owned());
        }
        for (j, date) in days.iter().enumerate() {
            let kind = if i % 7 == 3 && j == 0 {
                "urgent"
            } else {
                "routine"
            };
            let status = if date.as_str() < "2026-11-01" {
                "completed"
            } else {
                "proposed"
            };
            f.visit(e, date, status, &[(agency, inspector, kind)]).await;
        }
    }
    let huaiyin = "district=%E6%B7%AE%E9%98%B4%E5%8C%BA";
    let half = "from=2026-07-01&to=2026-12-31";
    for filters in [
        half.to_owned(),
        Q4.to_owned(),
        "from=2026-08-15&to=2026-11-15".to_owned(),
        format!("{Q4}&{huaiyin}"),
        format!("{half}&sector=chemical"),
        format!("{half}&agency=housing"),
    ] {
        let overview = r.json(&format!("/review/overview?{filters}")).await;
        let list = r
            .json(&format!("/review/enterprises?{filters}&limit=500"))
            .await;
        let items = list["items"].as_array().expect("items");
        assert_eq!(
            list["total"].as_u64(),
            Some(items.len() as u64),
            "{filters}"
        );
        let capped: Vec<&Value> = items
            .iter()
            .filter(|row| !row["burden_cap"].is_null())
            .collect();
        let nearest: Vec<&Value> = capped
            .iter()
            .copied()
            .take(onevisit_service::review::NEAREST_CAP)
            .collect();
        assert_eq!(
            overview["nearest_cap"]
                .as_array()
                .expect("nearest")
                .iter()
                .collect::<Vec<_>>(),
            nearest,
            "{filters}"
        );
        let warnings = items.iter().filter(|row| row["warning"] == true).count();
        assert_eq!(
            overview["totals"]["cap_warnings"].as_u64(),
            Some(warnings as u64),
            "{filters}"
        );
        if filters == half {
            assert!(
                capped.len() > onevisit_service::review::NEAREST_CAP && warnings > 0,
                "the list is longer than the overview's and has warnings: {}",
                capped.len()
            );
        }
    }
}
