//! Hazards from finding to verified close: a joint visit finds three hazards (one
//! major), the enterprise sees its hazard list, fixes two, one is rejected then fixed,
//! the major one is re-inspected in the next joint visit and closed; the ledger, the
//! district totals, the CSV export and the audit trail tell the same story. Then bad
//! input, another tenant's ids, and the database refusing to rewrite history.

mod common;

use chrono::{Duration, NaiveDate};
use common::{TestApp, spawn_app};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0u8; 64]);
    bytes
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec()
}

async fn send(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    send(app.post_as(token, path, &body).await).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    send(app.get_as(token, path).await).await
}

/// Asserts a problem document with `status`, and returns it.
async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    response.json().await.expect("a problem document")
}

fn field_of(problem: &Value) -> &str {
    problem["errors"][0]["field"].as_str().unwrap_or_default()
}

async fn upload(
    app: &TestApp,
    token: &str,
    hazard: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    app.client
        .post(app.url(&format!("/hazards/{hazard}/evidence")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("request")
}

/// Uploads a file that must be accepted; returns its id.
async fn evidence(app: &TestApp, token: &str, hazard: &str, name: &str, bytes: Vec<u8>) -> String {
    let (status, body) = send(upload(app, token, hazard, name, bytes).await).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("id").to_owned()
}

/// Files in the evidence directory, temporary ones included.
fn stored_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.evidence.path())
        .map(|d| d.count())
        .unwrap_or(0)
}

fn day(value: &Value) -> NaiveDate {
    value.as_str().expect("a date").parse().expect("a date")
}

/// Moves the server's clock to `target` (never back).
fn move_to(app: &TestApp, target: NaiveDate) {
    let today = app.clock.today();
    assert!(target >= today, "the clock only goes forward");
    app.clock
        .advance(Duration::days((target - today).num_days()));
}

/// The first confirmed visit of the demo with at least two agencies, its enterprise
/// and the agencies' codes.
struct Scene {
    office: String,
    visit: Value,
    enterprise: Value,
    lead: String,
    partner: String,
}

impl Scene {
    /// A demo agency that takes no part in the visit.
    fn outsider(&self) -> &'static str {
        let team: BTreeSet<&str> = self.visit["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .map(|t| t["agency"].as_str().expect("code"))
            .collect();
        [
            "housing",
            "natural_resources",
            "ecology",
            "emergency",
            "fire",
            "industry",
        ]
        .into_iter()
        .find(|a| !team.contains(a))
        .expect("an agency not in the visit")
    }

    /// The visit's agencies but `lead`, by code.
    fn others(&self, lead: &str) -> Vec<String> {
        let mut codes: Vec<String> = self.visit["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .map(|t| t["agency"].as_str().expect("code").to_owned())
            .filter(|c| c != lead)
            .collect();
        codes.sort();
        codes
    }
}

async fn scene(app: &TestApp) -> Scene {
    // A major hazard's re-inspection may need a visit of its own; late in a quarter the
    // demo's enterprises can be at their burden cap. The caps are tested elsewhere.
    app.db()
        .await
        .execute_unprepared("UPDATE enterprises SET burden_cap = NULL")
        .await
        .expect("caps lifted");
    let office = app.token("office").await;
    let (_, page) = get(app, &office, "/visits?status=confirmed&limit=500").await;
    let visit = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|v| v["teams"].as_array().is_some_and(|t| t.len() >= 2))
        .expect("a confirmed visit with two agencies in the demo")
        .clone();
    let teams = visit["teams"].as_array().expect("teams");
    let lead = teams[0]["agency"].as_str().expect("code").to_owned();
    let partner = teams[1]["agency"].as_str().expect("code").to_owned();
    let (_, enterprise) = get(
        app,
        &office,
        &format!(
            "/enterprises/{}",
            visit["enterprise_id"].as_str().expect("id")
        ),
    )
    .await;
    Scene {
        office,
        visit,
        enterprise,
        lead,
        partner,
    }
}

fn finding(title: &str, severity: &str, agency: &str) -> Value {
    json!({
        "title": title,
        "description": format!("{title}：现场检查发现，需按期整改。"),
        "category": "fire",
        "severity": severity,
        "legal_basis": "消防通道应保持畅通",
        "regulation": "《中华人民共和国消防法》第二十八条",
        "responsible_agency": agency,
    })
}

fn actions(trail: &Value) -> Vec<String> {
    trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect()
}

#[tokio::test]
async fn a_visit_finds_three_hazards_and_each_is_closed_as_the_rules_say() {
    let app = spawn_app(true).await;
    let s = scene(&app).await;
    let visit_id = s.visit["id"].as_str().expect("id").to_owned();
    let visit_day = day(&s.visit["date"]);
    let lead = app.token(&format!("{}-inspector", s.lead)).await;
    let lead_staff = app.token(&s.lead).await;
    let partner = app.token(&s.partner).await;
    let company = app
        .token(s.enterprise["credit_code"].as_str().expect("code"))
        .await;
    let district = s.enterprise["district"]
        .as_str()
        .expect("district")
        .to_owned();
    let record = format!("/visits/{visit_id}/hazards");

    // Before the visit day nothing can be recorded.
    if visit_day > app.clock.today() {
        let early = app
            .post_as(&lead, &record, &finding("消防通道堵塞", "general", &s.lead))
            .await;
        problem(early, 409).await;
        move_to(&app, visit_day);
    }

    // The inspectors record three hazards, one major.
    let (status, h1) = post(
        &app,
        &lead,
        &record,
        finding("消防通道堵塞", "general", &s.lead),
    )
    .await;
    assert_eq!(status, 201, "{h1}");
    assert_eq!(h1["status"], "open");
    assert_eq!(day(&h1["deadline"]), visit_day + Duration::days(30));
    assert_eq!(h1["cooperating_agencies"], json!(s.others(&s.lead)));
    let (status, h2) = post(
        &app,
        &lead,
        &record,
        finding("灭火器过期", "general", &s.partner),
    )
    .await;
    assert_eq!(status, 201, "{h2}");
    let (status, h3) = post(
        &app,
        &lead,
        &record,
        finding("甲类仓库超量储存", "major", &s.lead),
    )
    .await;
    assert_eq!(status, 201, "{h3}");
    assert_eq!(day(&h3["deadline"]), visit_day + Duration::days(90));
    let [h1, h2, h3] = [&h1, &h2, &h3].map(|h| h["id"].as_str().expect("id").to_owned());

    // Not issued yet: the enterprise sees nothing.
    problem(app.get_as(&company, &format!("/hazards/{h1}")).await, 404).await;
    let (_, mine) = get(&app, &company, "/hazards").await;
    assert_eq!(mine["total"], 0);

    // Completing the visit issues the hazard list.
    let (status, done) = post(
        &app,
        &lead_staff,
        &format!("/visits/{visit_id}/complete"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "completed");
    let year = visit_day.format("%Y").to_string();
    assert_eq!(done["notice_number"], format!("{year}-0001"));
    let (_, notices) = get(&app, &company, "/notices").await;
    assert_eq!(notices.as_array().expect("list").len(), 1);
    let notice_id = done["notice_id"].as_str().expect("id");
    let (status, notice) = get(&app, &company, &format!("/notices/{notice_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(notice["number_zh"], format!("整改〔{year}〕第0001号"));
    let titles: BTreeSet<&str> = notice["hazards"]
        .as_array()
        .expect("hazards")
        .iter()
        .map(|h| h["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        BTreeSet::from(["消防通道堵塞", "灭火器过期", "甲类仓库超量储存"])
    );
    let page = app
        .get_as(&company, &format!("/notices/{notice_id}/print"))
        .await;
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/html; charset=utf-8")
    );
    let html = page.text().await.expect("html");
    assert!(html.contains("隐患整改通知书"));
    assert!(html.contains(&format!("整改〔{year}〕第0001号")));
    assert!(html.contains("甲类仓库超量储存"));
    assert!(html.contains("重大"));
    assert!(
        !html.contains("http") && !html.contains("<script"),
        "self-contained"
    );
    let (_, mine) = get(&app, &company, "/hazards").await;
    assert_eq!(mine["total"], 3);

    // A day later the enterprise fixes the first two.
    move_to(&app, visit_day + Duration::days(1));
    let photo = evidence(&app, &company, &h1, "通道.png", png()).await;
    let (_, shown) = get(&app, &company, &format!("/hazards/{h1}")).await;
    assert_eq!(shown["evidence"][0]["content_type"], "image/png");
    assert_eq!(
        shown["evidence"][0]["sha256"].as_str().map(str::len),
        Some(64)
    );
    let download = app.get_as(&company, &format!("/evidence/{photo}")).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.expect("bytes").to_vec(), png());

    let (status, fixed) = post(
        &app,
        &company,
        &format!("/hazards/{h1}/rectification"),
        json!({"text": "已清理通道内堆放的桶装溶剂", "evidence": [photo]}),
    )
    .await;
    assert_eq!(status, 200, "{fixed}");
    assert_eq!(fixed["hazard"]["status"], "rectification_submitted");
    assert_eq!(
        fixed["follow_up"],
        Value::Null,
        "a general hazard needs no re-inspection"
    );
    let report = evidence(&app, &company, &h2, "更换记录.pdf", pdf()).await;
    let (status, _) = post(
        &app,
        &company,
        &format!("/hazards/{h2}/rectification"),
        json!({"text": "已更换灭火器", "evidence": [report]}),
    )
    .await;
    assert_eq!(status, 200);

    // Only the responsible agency verifies: the partner may see the first, not close it.
    let wrong = app
        .post_as(&partner, &format!("/hazards/{h1}/verify"), &json!({}))
        .await;
    problem(wrong, 403).await;
    let (status, closed) = post(
        &app,
        &lead,
        &format!("/hazards/{h1}/verify"),
        json!({"note": "现场核实"}),
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["hazard"]["status"], "closed");
    assert_eq!(
        day(&closed["hazard"]["closed_on"]),
        visit_day + Duration::days(1)
    );
    let again = app
        .post_as(&lead, &format!("/hazards/{h1}/verify"), &json!({}))
        .await;
    let refused = problem(again, 409).await;
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("allowed: none")),
        "{refused}"
    );

    // The second is rejected, fixed again, and closed.
    let (status, rejected) = post(
        &app,
        &partner,
        &format!("/hazards/{h2}/reject"),
        json!({"reason": "新灭火器未贴检验标签"}),
    )
    .await;
    assert_eq!(status, 200, "{rejected}");
    assert_eq!(rejected["hazard"]["status"], "open");
    assert_eq!(
        rejected["hazard"]["allowed_steps"],
        json!(["submit_rectification", "request_extension"])
    );
    let label = evidence(&app, &company, &h2, "标签.png", png()).await;
    let (status, _) = post(
        &app,
        &company,
        &format!("/hazards/{h2}/rectification"),
        json!({"text": "已补贴检验标签", "evidence": [label]}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(&app, &partner, &format!("/hazards/{h2}/verify"), json!({})).await;
    assert_eq!(status, 200);

    // The major one: a later deadline asked and approved, then the rectification books
    // the lead agency's re-inspection into the enterprise's next joint visit.
    let later = visit_day + Duration::days(120);
    let (status, asked) = post(
        &app,
        &company,
        &format!("/hazards/{h3}/extension"),
        json!({"new_deadline": later, "reason": "需新建甲类仓库，工期较长"}),
    )
    .await;
    assert_eq!(status, 200, "{asked}");
    assert_eq!(
        asked["hazard"]["pending_extension"]["new_deadline"],
        json!(later)
    );
    let not_office = app
        .post_as(
            &company,
            &format!("/hazards/{h3}/extension/approve"),
            &json!({}),
        )
        .await;
    problem(not_office, 403).await;
    let (status, approved) = post(
        &app,
        &s.office,
        &format!("/hazards/{h3}/extension/approve"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(day(&approved["hazard"]["deadline"]), later);

    let plan = evidence(&app, &company, &h3, "整改方案.pdf", pdf()).await;
    let (status, submitted) = post(
        &app,
        &company,
        &format!("/hazards/{h3}/rectification"),
        json!({"text": "超量物料已转移至合规仓库", "evidence": [plan]}),
    )
    .await;
    assert_eq!(status, 200, "{submitted}");
    let follow_up = &submitted["follow_up"];
    assert!(
        ["joined", "new_visit"].contains(&follow_up["outcome"].as_str().unwrap_or_default()),
        "{follow_up}"
    );
    let next_visit = follow_up["visit_id"].as_str().expect("a visit").to_owned();
    assert_ne!(next_visit, visit_id);
    let next_day = day(&follow_up["date"]);
    let (_, request) = get(
        &app,
        &lead_staff,
        &format!(
            "/requests/{}",
            follow_up["request_id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(request["kind"], "follow_up");
    assert_eq!(request["agency"], s.lead);

    // Not closed before the re-inspection has taken place.
    let early = app
        .post_as(&lead, &format!("/hazards/{h3}/verify"), &json!({}))
        .await;
    let early = problem(early, 409).await;
    assert!(
        early["detail"]
            .as_str()
            .is_some_and(|d| d.contains("re-inspection")),
        "{early}"
    );
    // The other agency is refused as such, not told about the re-inspection.
    let not_lead = app
        .post_as(&partner, &format!("/hazards/{h3}/verify"), &json!({}))
        .await;
    problem(not_lead, 403).await;

    // The office confirms the next visit; on its day the lead agency closes the hazard.
    let (_, next) = get(&app, &s.office, &format!("/visits/{next_visit}")).await;
    if next["status"] == "proposed" {
        let (status, _) = post(
            &app,
            &s.office,
            &format!("/visits/{next_visit}/confirm"),
            json!({}),
        )
        .await;
        assert_eq!(status, 200);
    }
    move_to(&app, next_day);
    let (status, closed) = post(
        &app,
        &lead,
        &format!("/hazards/{h3}/verify"),
        json!({"note": "复查合格"}),
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["hazard"]["status"], "closed");
    assert_eq!(closed["hazard"]["reinspection_visit_id"], next_visit);

    // A hazard found after the visit was completed goes out at once on a list of its
    // own, due at once (立即整改); a week later it is overdue.
    let mut urgent = finding("安全出口上锁", "general", &s.partner);
    urgent["deadline"] = json!(visit_day);
    let (status, h4) = post(&app, &lead, &record, urgent).await;
    assert_eq!(status, 201, "{h4}");
    assert_eq!(h4["notice"], format!("{year}-0002"));
    let h4 = h4["id"].as_str().expect("id").to_owned();
    move_to(&app, next_day + Duration::days(7));
    let overdue_days = (next_day + Duration::days(7) - visit_day).num_days();

    // The ledger of the district and its totals agree.
    let enterprise_id = s.enterprise["id"].as_str().expect("id");
    let (_, ledger) = get(
        &app,
        &s.office,
        &format!("/hazards?enterprise_id={enterprise_id}"),
    )
    .await;
    assert_eq!(ledger["total"], 4);
    let rows = ledger["items"].as_array().expect("items");
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).expect("a row").clone();
    assert_eq!(row(&h1)["lead_agency"], s.lead);
    assert_eq!(row(&h2)["lead_agency"], s.partner);
    assert_eq!(
        row(&h2)["cooperating_agencies"],
        json!(s.others(&s.partner))
    );
    assert_eq!(row(&h3)["status"], "closed");
    assert_eq!(day(&row(&h3)["closed_on"]), next_day);
    assert_eq!(row(&h3)["days_overdue"], 0);
    assert_eq!(row(&h4)["status"], "open");
    assert_eq!(row(&h4)["days_overdue"], overdue_days);
    let (_, overdue) = get(
        &app,
        &s.office,
        &format!("/hazards?enterprise_id={enterprise_id}&overdue=true"),
    )
    .await;
    assert_eq!(overdue["total"], 1);

    let (_, totals) = get(
        &app,
        &s.office,
        &format!("/hazards/totals?district={district}&visit_id={visit_id}"),
    )
    .await;
    let totals = totals.as_array().expect("lines");
    assert_eq!(totals.len(), 1);
    let t = &totals[0];
    assert_eq!(t["district"], district);
    let (_, in_district) = get(
        &app,
        &s.office,
        &format!("/hazards?district={district}&visit_id={visit_id}&limit=500"),
    )
    .await;
    assert_eq!(t["total"], in_district["total"]);
    assert_eq!(t["total"], 4, "the visit's four");
    assert_eq!(t["closed"], 3);
    assert_eq!(t["open"], 1);
    assert_eq!(t["overdue"], 1);
    assert_eq!(t["major"], 1);
    assert_eq!(t["major_open"], 0);

    // The CSV opens in a spreadsheet and parses back to the same rows.
    let csv = app
        .get_as(
            &s.office,
            &format!("/hazards/export.csv?district={district}&visit_id={visit_id}"),
        )
        .await;
    assert_eq!(csv.status(), 200);
    let bytes = csv.bytes().await.expect("bytes");
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "a UTF-8 byte order mark"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header = reader.headers().expect("a header").clone();
    assert_eq!(&header[0], "编号 id");
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(records.len(), 4);
    let line = records
        .iter()
        .find(|r| r[0] == *h3)
        .expect("the major hazard");
    let column = |name: &str| header.iter().position(|h| h.ends_with(name)).expect(name);
    assert_eq!(&line[column(" title")], "甲类仓库超量储存");
    assert_eq!(&line[column(" status")], "closed");
    assert_eq!(&line[column(" closed_on")], next_day.to_string());
    assert_eq!(&line[column(" lead_agency")], s.lead);
    let h4_line = records
        .iter()
        .find(|r| r[0] == *h4)
        .expect("the overdue one");
    assert_eq!(&h4_line[column(" days_overdue")], overdue_days.to_string());

    // The audit trail tells the whole story in order.
    let (_, trail) = get(
        &app,
        &s.office,
        &format!("/audit?entity=hazard&entity_id={h2}"),
    )
    .await;
    assert_eq!(
        actions(&trail),
        [
            "record",
            "issue",
            "add_evidence",
            "submit_rectification",
            "reject",
            "add_evidence",
            "submit_rectification",
            "close"
        ]
    );
    let items = trail["items"].as_array().expect("items");
    assert_eq!(items[4]["reason"], "新灭火器未贴检验标签");
    assert_eq!(items[4]["from"]["status"], "rectification_submitted");
    assert_eq!(items[4]["to"]["status"], "open");
    assert_eq!(items[4]["actor"], s.partner);
    let (_, trail) = get(
        &app,
        &s.office,
        &format!("/audit?entity=hazard&entity_id={h3}"),
    )
    .await;
    assert_eq!(
        actions(&trail),
        [
            "record",
            "issue",
            "request_extension",
            "approve_extension",
            "add_evidence",
            "submit_rectification",
            "close"
        ]
    );
    let (_, trail) = get(
        &app,
        &s.office,
        &format!("/audit?entity=visit&entity_id={visit_id}"),
    )
    .await;
    assert_eq!(actions(&trail), ["complete"]);
    let (_, trail) = get(
        &app,
        &s.office,
        &format!("/audit?entity=visit&entity_id={next_visit}"),
    )
    .await;
    let story = actions(&trail);
    assert_eq!(
        story.last().map(String::as_str),
        Some("hazard_closed"),
        "{story:?}"
    );
    assert!(
        story
            .iter()
            .any(|a| a == "request_joined" || a == "proposed"),
        "{story:?}"
    );
    let (_, trail) = get(
        &app,
        &s.office,
        &format!(
            "/audit?entity=request&entity_id={}",
            follow_up["request_id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(actions(&trail), ["follow_up"]);
    // The enterprise reads the trail of its own hazards, not of the agency's request.
    let (_, theirs) = get(
        &app,
        &company,
        &format!("/audit?entity=hazard&entity_id={h2}"),
    )
    .await;
    assert_eq!(theirs["total"], 8);
    let (_, theirs) = get(&app, &company, "/audit?entity=request").await;
    assert_eq!(theirs["total"], 0);
}

#[tokio::test]
async fn bad_input_is_refused_by_name_and_leaves_nothing_behind() {
    let app = spawn_app(true).await;
    let s = scene(&app).await;
    let visit_id = s.visit["id"].as_str().expect("id").to_owned();
    let visit_day = day(&s.visit["date"]);
    move_to(&app, visit_day);
    let lead = app.token(&s.lead).await;
    let company = app
        .token(s.enterprise["credit_code"].as_str().expect("code"))
        .await;
    let record = format!("/visits/{visit_id}/hazards");
    let db = app.db().await;
    let hazards = || async {
        onevisit_service::entities::hazard::Entity::find()
            .filter(
                onevisit_service::entities::hazard::Column::VisitId
                    .eq(Uuid::parse_str(&visit_id).expect("uuid")),
            )
            .count(&db)
            .await
            .expect("count")
    };

    // An unknown visit; a deadline before the visit; an agency not in the visit; a bad category.
    let unknown = app
        .post_as(
            &lead,
            &format!("/visits/{}/hazards", Uuid::new_v4()),
            &finding("x", "general", &s.lead),
        )
        .await;
    problem(unknown, 404).await;
    let mut early = finding("消防通道堵塞", "general", &s.lead);
    early["deadline"] = json!(visit_day - Duration::days(1));
    let p = problem(app.post_as(&lead, &record, &early).await, 422).await;
    assert_eq!(field_of(&p), "deadline");
    let outsider = s.outsider();
    let p = problem(
        app.post_as(
            &lead,
            &record,
            &finding("消防通道堵塞", "general", outsider),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_of(&p), "responsible_agency");
    let mut odd = finding("消防通道堵塞", "general", &s.lead);
    odd["category"] = json!("chemistry");
    let p = problem(app.post_as(&lead, &record, &odd).await, 422).await;
    assert_eq!(field_of(&p), "category");
    let mut extra = finding("消防通道堵塞", "general", &s.lead);
    extra["owner"] = json!("me");
    problem(app.post_as(&lead, &record, &extra).await, 422).await;
    let p = problem(
        app.post_as(&company, &record, &finding("x", "general", &s.lead))
            .await,
        403,
    )
    .await;
    assert_eq!(p["status"], 403);
    assert_eq!(hazards().await, 0, "nothing half-written");

    let (_, h) = post(
        &app,
        &lead,
        &record,
        finding("消防通道堵塞", "general", &s.lead),
    )
    .await;
    let h = h["id"].as_str().expect("id").to_owned();
    let (status, _) = post(
        &app,
        &lead,
        &format!("/visits/{visit_id}/complete"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);

    // Uploads: a refused type (by content, whatever the name), an empty file, one over
    // the limit; none leaves a file.
    let files = stored_files(&app);
    let file_rows = common::count_rows(&db, "evidence_files").await;
    let p = problem(
        upload(
            &app,
            &company,
            &h,
            "photo.jpg",
            b"MZ\x90\0 not a photo".to_vec(),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_of(&p), "file");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("image/jpeg"))
    );
    problem(
        upload(&app, &company, &h, "empty.png", Vec::new()).await,
        422,
    )
    .await;
    let mut huge = vec![0xFF, 0xD8, 0xFF, 0xE0];
    huge.resize(
        usize::try_from(onevisit_service::hazards::DEFAULT_MAX_EVIDENCE_BYTES).expect("fits") + 1,
        0,
    );
    let p = problem(upload(&app, &company, &h, "huge.jpg", huge).await, 422).await;
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("limit")),
        "{p}"
    );
    assert_eq!(stored_files(&app), files, "no file left behind");
    assert_eq!(common::count_rows(&db, "evidence_files").await, file_rows);

    // An empty rectification, one without evidence, evidence of another hazard.
    let photo = evidence(&app, &company, &h, "ok.png", png()).await;
    let rectify = format!("/hazards/{h}/rectification");
    let p = problem(
        app.post_as(
            &company,
            &rectify,
            &json!({"text": "  ", "evidence": [photo]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_of(&p), "rectification");
    let p = problem(
        app.post_as(
            &company,
            &rectify,
            &json!({"text": "已整改", "evidence": []}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_of(&p), "evidence");
    let p = problem(
        app.post_as(
            &company,
            &rectify,
            &json!({"text": "已整改", "evidence": [Uuid::new_v4()]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_of(&p), "evidence[0]");
    let (_, shown) = get(&app, &company, &format!("/hazards/{h}")).await;
    assert_eq!(shown["status"], "open");
    assert_eq!(
        shown["events"].as_array().map(Vec::len),
        Some(1),
        "nothing half-written"
    );

    // Steps the state machine forbids answer 409 with the allowed ones.
    let p = problem(
        app.post_as(&lead, &format!("/hazards/{h}/verify"), &json!({}))
            .await,
        409,
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("allowed: submit_rectification, request_extension")),
        "{p}"
    );
    let p = problem(
        app.post_as(
            &s.office,
            &format!("/hazards/{h}/extension/refuse"),
            &json!({"reason": "否"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["type"], "/problems/conflict");
    // An extension must be later than the deadline.
    let p = problem(
        app.post_as(
            &company,
            &format!("/hazards/{h}/extension"),
            &json!({"new_deadline": visit_day, "reason": "来不及"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_of(&p), "deadline");

    // Unknown hazard.
    problem(
        app.get_as(&s.office, &format!("/hazards/{}", Uuid::new_v4()))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn another_tenant_sees_none_of_it_and_history_cannot_be_rewritten() {
    let app = spawn_app(true).await;
    let s = scene(&app).await;
    let visit_id = s.visit["id"].as_str().expect("id").to_owned();
    move_to(&app, day(&s.visit["date"]));
    let lead = app.token(&s.lead).await;
    let company = app
        .token(s.enterprise["credit_code"].as_str().expect("code"))
        .await;
    let (_, h) = post(
        &app,
        &lead,
        &format!("/visits/{visit_id}/hazards"),
        finding("消防通道堵塞", "general", &s.lead),
    )
    .await;
    let h = h["id"].as_str().expect("id").to_owned();
    let (_, done) = post(
        &app,
        &lead,
        &format!("/visits/{visit_id}/complete"),
        json!({}),
    )
    .await;
    let notice = done["notice_id"].as_str().expect("a notice").to_owned();
    let photo = evidence(&app, &company, &h, "a.png", png()).await;

    // Another enterprise.
    let (_, enterprises) = get(&app, &s.office, "/enterprises?limit=5").await;
    let other = enterprises["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["id"] != s.enterprise["id"])
        .expect("another enterprise");
    let stranger = app
        .token(other["credit_code"].as_str().expect("code"))
        .await;
    for path in [
        format!("/hazards/{h}"),
        format!("/evidence/{photo}"),
        format!("/notices/{notice}"),
        format!("/notices/{notice}/print"),
    ] {
        problem(app.get_as(&stranger, &path).await, 404).await;
    }
    problem(
        app.post_as(
            &stranger,
            &format!("/hazards/{h}/rectification"),
            &json!({"text": "x", "evidence": [photo]}),
        )
        .await,
        404,
    )
    .await;
    problem(upload(&app, &stranger, &h, "b.png", png()).await, 404).await;
    let (_, theirs) = get(&app, &stranger, "/hazards?limit=500").await;
    assert!(!theirs.to_string().contains(&h), "{theirs}");
    let (_, trail) = get(&app, &stranger, &format!("/audit?entity_id={h}")).await;
    assert_eq!(trail["total"], 0);

    // An agency that neither leads it nor took part in the visit.
    let outsider = s.outsider();
    let outsider = app.token(outsider).await;
    problem(app.get_as(&outsider, &format!("/hazards/{h}")).await, 404).await;
    problem(
        app.get_as(&outsider, &format!("/evidence/{photo}")).await,
        404,
    )
    .await;
    problem(
        app.post_as(
            &outsider,
            &format!("/hazards/{h}/reject"),
            &json!({"reason": "x"}),
        )
        .await,
        404,
    )
    .await;
    let (_, theirs) = get(
        &app,
        &outsider,
        &format!("/hazards/totals?visit_id={visit_id}"),
    )
    .await;
    assert_eq!(theirs, json!([]));
    // The partner agency of the visit sees it; the enterprise may not verify its own.
    let partner = app.token(&s.partner).await;
    let (status, _) = get(&app, &partner, &format!("/hazards/{h}")).await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &app,
        &company,
        &format!("/hazards/{h}/rectification"),
        json!({"text": "已整改", "evidence": [photo]}),
    )
    .await;
    assert_eq!(status, 200);
    problem(
        app.post_as(&company, &format!("/hazards/{h}/verify"), &json!({}))
            .await,
        403,
    )
    .await;

    // Not even the service's database user rewrites the audit trail or a history.
    let db = app.db().await;
    for sql in [
        "UPDATE audit_entries SET reason = 'rewritten'",
        "DELETE FROM audit_entries",
        "UPDATE hazard_events SET step = 'close'",
        "DELETE FROM hazard_events",
    ] {
        let refused = db.execute_unprepared(sql).await;
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.to_string().contains("append-only")),
            "{sql}: {refused:?}"
        );
    }
    let entries = onevisit_service::entities::audit_entry::Entity::find()
        .count(&db)
        .await
        .expect("count");
    assert!(entries >= 4, "record, issue, complete, add_evidence");
}

#[tokio::test]
async fn a_major_rectification_sent_again_after_a_rejection_keeps_its_one_re_inspection() {
    let app = spawn_app(true).await;
    let s = scene(&app).await;
    let before = follow_ups(&app, &s).await;
    let visit_id = s.visit["id"].as_str().expect("id").to_owned();
    let visit_day = day(&s.visit["date"]);
    let lead = app.token(&format!("{}-inspector", s.lead)).await;
    let lead_staff = app.token(&s.lead).await;
    let company = app
        .token(s.enterprise["credit_code"].as_str().expect("code"))
        .await;
    if visit_day > app.clock.today() {
        move_to(&app, visit_day);
    }
    let (status, found) = post(
        &app,
        &lead,
        &format!("/visits/{visit_id}/hazards"),
        finding("储罐区防火堤破损", "major", &s.lead),
    )
    .await;
    assert_eq!(status, 201, "{found}");
    let h = found["id"].as_str().expect("id").to_owned();
    let (status, done) = post(
        &app,
        &lead_staff,
        &format!("/visits/{visit_id}/complete"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{done}");

    let rectify = format!("/hazards/{h}/rectification");
    let photo = evidence(&app, &company, &h, "防火堤.png", png()).await;
    let body = json!({"text": "防火堤已修复", "evidence": [photo]});
    let (status, first) = post(&app, &company, &rectify, body).await;
    assert_eq!(status, 200, "{first}");
    let booked = first["follow_up"]["request_id"].clone();
    assert!(booked.is_string(), "{first}");
    let (status, rejected) = post(
        &app,
        &lead_staff,
        &format!("/hazards/{h}/reject"),
        json!({"reason": "修复处仍有裂缝"}),
    )
    .await;
    assert_eq!(status, 200, "{rejected}");
    let photo = evidence(&app, &company, &h, "灌浆.png", png()).await;
    let body = json!({"text": "裂缝已灌浆封堵", "evidence": [photo]});
    let (status, again) = post(&app, &company, &rectify, body).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["hazard"]["follow_up_request_id"], booked, "{again}");

    // One re-inspection request more for the enterprise, not one per submission.
    assert_eq!(follow_ups(&app, &s).await, before + 1);
}

/// How many re-inspection requests the scene's enterprise has (the demo books some too).
async fn follow_ups(app: &TestApp, s: &Scene) -> u64 {
    use onevisit_service::entities::inspection_request;
    use sea_orm::{ColumnTrait, QueryFilter};
    let enterprise: Uuid = s.enterprise["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    inspection_request::Entity::find()
        .filter(inspection_request::Column::EnterpriseId.eq(enterprise))
        .filter(inspection_request::Column::Kind.eq("follow_up"))
        .count(&app.db().await)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_finding_a_spreadsheet_would_run_is_exported_as_text() {
    let app = spawn_app(true).await;
    let s = scene(&app).await;
    let visit_id = s.visit["id"].as_str().expect("id").to_owned();
    move_to(&app, day(&s.visit["date"]).max(app.clock.today()));
    let lead = app.token(&format!("{}-inspector", s.lead)).await;
    let formula = "=HYPERLINK(\"http://example.invalid\",\"查看\")";
    let (status, hazard) = post(
        &app,
        &lead,
        &format!("/visits/{visit_id}/hazards"),
        finding(formula, "general", &s.lead),
    )
    .await;
    assert_eq!(status, 201, "{hazard}");
    let bytes = app
        .get_as(&s.office, "/hazards/export.csv")
        .await
        .bytes()
        .await
        .expect("bytes");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header = reader.headers().expect("a header").clone();
    let title = header
        .iter()
        .position(|h| h.ends_with(" title"))
        .expect("title");
    let row = reader
        .records()
        .map(|r| r.expect("a row"))
        .find(|r| r[0] == *hazard["id"].as_str().expect("id"))
        .expect("the hazard's row");
    assert_eq!(
        &row[title],
        format!("'{formula}"),
        "shown as text, not run as a formula"
    );
    let (_, stored) = get(
        &app,
        &s.office,
        &format!("/hazards/{}", hazard["id"].as_str().expect("id")),
    )
    .await;
    assert_eq!(
        stored["title"], formula,
        "the hazard itself keeps its words"
    );
}

/// A new demo shows the ledger as a city under way would: findings in every state, each
/// with its history, and major ones whose re-inspection joined a visit to come.
#[tokio::test]
async fn the_demo_holds_hazards_in_every_state() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let ledger: Value = app.get_json(&office, "/hazards?limit=500").await;
    let rows = ledger["items"].as_array().expect("items");
    assert!(rows.len() >= 20, "a ledger worth reading: {}", rows.len());
    let count = |f: &dyn Fn(&Value) -> bool| rows.iter().filter(|r| f(r)).count();
    let overdue = |r: &Value| r["days_overdue"].as_u64().unwrap_or(0) > 0;
    assert!(count(&|r| r["status"] == "open" && !overdue(r)) > 0, "open");
    assert!(
        count(&|r| r["status"] == "open" && overdue(r)) > 0,
        "overdue"
    );
    assert!(
        count(&|r| r["status"] == "rectification_submitted") > 0,
        "rectified"
    );
    assert!(count(&|r| r["status"] == "closed") > 0, "closed");
    assert!(
        rows.iter().all(|r| r["notice"].is_string()),
        "every one issued"
    );

    // Each state came by the steps a user takes, in order.
    let mut steps = BTreeSet::new();
    let mut folded = 0;
    for row in rows {
        let id = row["id"].as_str().expect("id");
        let hazard: Value = app.get_json(&office, &format!("/hazards/{id}")).await;
        let events = hazard["events"].as_array().expect("events");
        let times: Vec<&str> = events.iter().filter_map(|e| e["at"].as_str()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{id}: {times:?}");
        steps.extend(
            events
                .iter()
                .filter_map(|e| e["step"].as_str().map(str::to_owned)),
        );
        if let Some(request) = hazard["follow_up_request_id"].as_str() {
            let request: Value = app.get_json(&office, &format!("/requests/{request}")).await;
            let visit = request["visit_id"]
                .as_str()
                .expect("the re-inspection is placed");
            let visit: Value = app.get_json(&office, &format!("/visits/{visit}")).await;
            assert!(
                visit["date"].as_str() > row["visit_date"].as_str(),
                "{visit}"
            );
            if visit["teams"].as_array().is_some_and(|t| t.len() > 1) {
                folded += 1;
            }
        }
        if row["status"] == "open"
            && let Some(pending) = hazard["pending_extension"].as_object()
        {
            assert!(pending.contains_key("new_deadline"), "{pending:?}");
            steps.insert("pending_extension".to_owned());
        }
    }
    for step in [
        "submit_rectification",
        "close",
        "reject",
        "request_extension",
        "approve_extension",
        "pending_extension",
    ] {
        assert!(
            steps.contains(step),
            "no hazard went through {step}: {steps:?}"
        );
    }
    assert!(
        folded > 0,
        "a major hazard's re-inspection joins another agency's visit"
    );

    // The enterprise of a finding sees it on its hazard list.
    let enterprise = rows[0]["credit_code"].as_str().expect("credit code");
    let token = app.token(enterprise).await;
    let notices: Value = app.get_json(&token, "/notices").await;
    let number = rows[0]["notice"].as_str().expect("a number");
    assert!(notices.to_string().contains(number), "{notices}");
}
