//! The web pages without a browser: sign-in sets a session cookie that scripts cannot
//! read and other sites cannot send, every form needs its CSRF token, pages speak
//! Chinese unless asked for English, and a user opens only the pages of their role.

mod common;

#[path = "pages/agency.rs"]
mod agency;

use common::pages::{browser_like, csrf_of, sign_in};
use common::{TEST_SECRET, claims_of, sign, spawn_app};
use onevisit_service::seed::DEMO_PASSWORD;

#[tokio::test]
async fn signing_in_sets_an_http_only_same_site_strict_session() {
    let app = spawn_app(true).await;
    let client = browser_like();
    let response = sign_in(&app, &client, "office").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/ui?lang=zh");
    let cookies: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii"))
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("ov_session="))
        .expect("a session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");
    assert!(
        !session.contains("Secure"),
        "plain HTTP here: Secure only when configured for TLS"
    );

    let home = client.get(app.url("/ui")).send().await.expect("home");
    assert_eq!(home.headers()["location"], "/ui/office?lang=zh");
    let dashboard = client
        .get(app.url("/ui/office"))
        .send()
        .await
        .expect("dashboard");
    assert_eq!(dashboard.status(), 200);
    let filtered = client
        .get(app.url("/ui/office?agency=fire&lang=zh"))
        .send()
        .await
        .expect("dashboard")
        .text()
        .await
        .expect("html");
    assert!(
        filtered.contains("href=\"/ui/office?agency=fire&amp;lang=en\""),
        "English keeps the filters"
    );
    assert!(
        filtered.contains("?agency=fire&amp;lang=zh\">"),
        "so does the drill-down to an enterprise"
    );
    let csv = client
        .get(app.url("/ui/office/export/agencies"))
        .send()
        .await
        .expect("export");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.text()
            .await
            .expect("text")
            .starts_with("\u{feff}agency,name,daily_capacity")
    );

    // Signing out needs the form's token too, and ends the session.
    let html = dashboard.text().await.expect("html");
    let forged = client
        .post(app.url("/ui/logout"))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .expect("logout");
    assert_eq!(forged.status(), 403);
    let out = client
        .post(app.url("/ui/logout"))
        .form(&[("csrf", csrf_of(&html))])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 303);
    let after = client
        .get(app.url("/ui/office"))
        .send()
        .await
        .expect("page");
    assert_eq!(after.status(), 303, "signed out: back to the sign-in page");
}

#[tokio::test]
async fn a_form_without_its_csrf_token_or_with_a_wrong_password_signs_no_one_in() {
    let app = spawn_app(true).await;
    let client = browser_like();
    let no_cookie = client
        .post(app.url("/ui/login"))
        .form(&[
            ("username", "office"),
            ("password", DEMO_PASSWORD),
            ("csrf", "made-up"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(no_cookie.status(), 403);
    assert!(no_cookie.headers().get("set-cookie").is_none());

    let form = client
        .get(app.url("/ui/login"))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    let wrong = client
        .post(app.url("/ui/login"))
        .form(&[
            ("username", "office"),
            ("password", "not-the-password"),
            ("csrf", &csrf_of(&form)),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .text()
            .await
            .expect("html")
            .contains("用户名或密码错误")
    );
}

#[tokio::test]
async fn pages_speak_chinese_unless_asked_for_english() {
    let app = spawn_app(false).await;
    let zh = app.get("/ui/login").await.text().await.expect("html");
    assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("用户名"));
    let en = app
        .get("/ui/login?lang=en")
        .await
        .text()
        .await
        .expect("html");
    assert!(en.contains("lang=\"en\"") && en.contains("Username"));
    let accepted = app
        .client
        .get(app.url("/ui/login"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(accepted.contains("Password"));
    // Every field has its label, and the page fits a phone.
    assert!(zh.contains("label for=\"username\"") && zh.contains("label for=\"password\""));
    assert!(zh.contains("width=device-width"));
}

#[tokio::test]
async fn each_role_opens_only_its_own_pages() {
    let app = spawn_app(true).await;
    let anonymous = browser_like()
        .get(app.url("/ui/office"))
        .send()
        .await
        .expect("page");
    assert_eq!(anonymous.status(), 303);
    assert_eq!(
        anonymous.headers()["location"],
        "/ui/login?lang=zh&next=%2Fui%2Foffice",
        "to sign in, then back to the page"
    );

    let office = app.token("office").await;
    let enterprises: serde_json::Value = app.get_json(&office, "/enterprises?limit=1").await;
    let credit_code = enterprises["items"][0]["credit_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let enterprise = browser_like();
    assert_eq!(sign_in(&app, &enterprise, &credit_code).await.status(), 303);
    for page in ["/ui/office", "/ui/office/export/overview"] {
        let refused = enterprise.get(app.url(page)).send().await.expect("page");
        assert_eq!(refused.status(), 403, "{page}");
    }
    let portal = enterprise
        .get(app.url("/ui/enterprise"))
        .send()
        .await
        .expect("portal");
    assert_eq!(portal.status(), 200);

    let agency = browser_like();
    assert_eq!(sign_in(&app, &agency, "fire").await.status(), 303);
    let home = agency.get(app.url("/ui")).send().await.expect("home");
    assert_eq!(home.headers()["location"], "/ui/agency?lang=zh");
    let refused = agency
        .get(app.url("/ui/enterprise"))
        .send()
        .await
        .expect("portal");
    assert_eq!(refused.status(), 403);
}

/// The page's text without its tags (and so without their attributes).
fn text_of(html: &str) -> String {
    html.split('<')
        .map(|part| part.split_once('>').map_or(part, |(_, text)| text))
        .collect()
}

#[tokio::test]
async fn the_timeline_shows_statuses_kinds_and_sectors_in_the_user_s_words() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let overview: serde_json::Value = app.get_json(&office, "/review/overview").await;
    let id = overview["nearest_cap"][0]["enterprise_id"]
        .as_str()
        .expect("a demo enterprise near its cap")
        .to_owned();
    let client = browser_like();
    assert_eq!(sign_in(&app, &client, "office").await.status(), 303);
    let html = client
        .get(app.url(&format!("/ui/office/enterprises/{id}")))
        .send()
        .await
        .expect("timeline")
        .text()
        .await
        .expect("html");
    // Each status keeps its stored word for scripts, and shows it in Chinese.
    let statuses: Vec<(&str, &str)> = html
        .split("data-status=\"")
        .skip(1)
        .map(|rest| {
            let (word, rest) = rest.split_once('"').expect("a closing quote");
            let text = rest.split_once('>').expect("the tag's end").1;
            (word, text.split('<').next().expect("the text"))
        })
        .collect();
    assert!(statuses.len() > 1, "requests and visits have statuses");
    for (word, text) in statuses {
        assert!(
            !text.is_empty() && !text.chars().any(|c| c.is_ascii_alphabetic()),
            "{word} is shown as {text:?}"
        );
    }
    // Its CSV link answers what the API's export does.
    let link = format!("/ui/office/enterprises/{id}/timeline.csv");
    assert!(html.contains(&format!("href=\"{link}\"")));
    let page_csv = client
        .get(app.url(&link))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let api_csv = app
        .get_as(
            &office,
            &format!("/review/enterprises/{id}/timeline?format=csv"),
        )
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(page_csv, api_csv);
    assert!(page_csv.lines().count() > 1);
    let text = text_of(&html);
    for stored in [
        "routine",
        "follow_up",
        "urgent",
        "scheduled",
        "completed",
        "confirmed",
        "proposed",
        "chemical",
        "civil_explosives",
        "ship_repair",
    ] {
        assert!(!text.contains(stored), "{stored} is shown as stored");
    }
}

#[tokio::test]
async fn scheduling_ask_forms_tell_their_errors_on_the_page_and_other_roles_are_refused() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let enterprises: serde_json::Value = app.get_json(&office, "/enterprises?limit=1").await;
    let company = &enterprises["items"][0];
    let credit_code = company["credit_code"].as_str().expect("code").to_owned();
    let enterprise = browser_like();
    assert_eq!(sign_in(&app, &enterprise, &credit_code).await.status(), 303);
    let portal = enterprise
        .get(app.url("/ui/enterprise"))
        .send()
        .await
        .expect("portal")
        .text()
        .await
        .expect("html");
    let csrf = csrf_of(&portal);
    let tomorrow = (onevisit_service::clock::today() + chrono::Days::new(1)).to_string();
    let today = onevisit_service::clock::today().to_string();
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let request = enterprise.post(app.url(path)).form(&form);
        async move { request.send().await.expect("the form") }
    };
    for (form, field, why) in [
        (
            vec![
                ("start", "2026-13-01".to_owned()),
                ("end", tomorrow.clone()),
            ],
            "开始日期",
            "日期格式不正确",
        ),
        (
            vec![("start", today.clone()), ("end", tomorrow.clone())],
            "开始日期",
            "静默期须从明天或以后开始",
        ),
    ] {
        let mut form = form;
        form.extend([("csrf", csrf.clone()), ("reason", "检修".to_owned())]);
        let answer = post("/ui/enterprise/quiet-period-asks", form).await;
        assert_eq!(answer.status(), 422);
        assert!(
            answer.headers()["content-type"]
                .to_str()
                .expect("type")
                .starts_with("text/html")
        );
        let html = answer.text().await.expect("html");
        assert!(html.contains(field) && html.contains(why), "{html}");
    }
    let answer = post(
        "/ui/enterprise/recusal-asks",
        vec![("csrf", csrf.clone()), ("reason", "亲属".to_owned())],
    )
    .await;
    assert_eq!(answer.status(), 422);
    assert!(answer.text().await.expect("html").contains("检查人员"));
    let forged = post(
        "/ui/enterprise/quiet-period-asks",
        vec![
            ("csrf", "forged".to_owned()),
            ("start", tomorrow.clone()),
            ("end", tomorrow.clone()),
            ("reason", "检修".to_owned()),
        ],
    )
    .await;
    assert_eq!(forged.status(), 403, "no ask without the form's token");
    let refused = enterprise
        .get(app.url("/ui/office/asks"))
        .send()
        .await
        .expect("page");
    assert_eq!(refused.status(), 403);

    // An agency may neither ask for an enterprise nor open the office's queue.
    let agency = browser_like();
    assert_eq!(sign_in(&app, &agency, "fire").await.status(), 303);
    let answer = agency
        .post(app.url("/ui/enterprise/quiet-period-asks"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("start", tomorrow.as_str()),
            ("end", tomorrow.as_str()),
            ("reason", "检修"),
        ])
        .send()
        .await
        .expect("the form");
    assert_eq!(answer.status(), 403);
    assert!(
        answer
            .text()
            .await
            .expect("html")
            .contains("id=\"refused\"")
    );
    let refused = agency
        .get(app.url("/ui/office/asks"))
        .send()
        .await
        .expect("page");
    assert_eq!(refused.status(), 403);

    // The office's refusal without a note is told on its page, naming the note.
    let token = app.token(&credit_code).await;
    let asked = app
        .post_as(
            &token,
            &format!(
                "/enterprises/{}/quiet-period-asks",
                company["id"].as_str().expect("id")
            ),
            &serde_json::json!({"start": onevisit_service::clock::today() + chrono::Days::new(300),
                                "end": onevisit_service::clock::today() + chrono::Days::new(301),
                                "reason": "检修"}),
        )
        .await;
    assert_eq!(asked.status(), 201);
    let ask: serde_json::Value = asked.json().await.expect("json");
    let desk = browser_like();
    assert_eq!(sign_in(&app, &desk, "office").await.status(), 303);
    let queue = desk
        .get(app.url("/ui/office/asks"))
        .send()
        .await
        .expect("page");
    assert_eq!(queue.status(), 200);
    let queue = queue.text().await.expect("html");
    assert!(queue.contains(&format!("id=\"ask-{}\"", ask["id"].as_str().expect("id"))));
    let answer = desk
        .post(app.url(&format!(
            "/ui/office/asks/{}/refuse",
            ask["id"].as_str().expect("id")
        )))
        .form(&[("csrf", csrf_of(&queue).as_str()), ("note", " ")])
        .send()
        .await
        .expect("the form");
    assert_eq!(answer.status(), 422);
    let html = answer.text().await.expect("html");
    assert!(html.contains("说明") && html.contains("必填"), "{html}");
    // Approved on the page, it is among the decisions; a second decision is told why not.
    let decide = |action: &str| {
        desk.post(app.url(&format!(
            "/ui/office/asks/{}/{action}",
            ask["id"].as_str().expect("id")
        )))
        .form(&[("csrf", csrf_of(&queue).as_str()), ("note", "同意")])
        .send()
    };
    let approved = decide("approve").await.expect("the form");
    assert_eq!(approved.status(), 303);
    let queue_after = desk
        .get(app.url("/ui/office/asks"))
        .send()
        .await
        .expect("page");
    let queue_after = queue_after.text().await.expect("html");
    assert!(queue_after.contains(&format!(
        "id=\"decided-{}\"",
        ask["id"].as_str().expect("id")
    )));
    let again = decide("refuse").await.expect("the form");
    assert_eq!(again.status(), 409);
    let html = again.text().await.expect("html");
    assert!(
        html.contains("id=\"conflict\"") && html.contains("当前状态下无法执行此操作"),
        "{html}"
    );
}

/// The address of the page's language switch.
fn language_switch(html: &str) -> String {
    let at = html.find("\" lang=\"").expect("a language switch");
    let start = html[..at].rfind("href=\"").expect("its address") + "href=\"".len();
    html[start..at].replace("&amp;", "&")
}

#[tokio::test]
async fn the_language_switch_of_a_form_s_answer_leads_to_a_page() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let page: serde_json::Value = app.get_json(&office, "/enterprises?limit=1").await;
    let code = page["items"][0]["credit_code"]
        .as_str()
        .expect("credit code")
        .to_owned();
    let client = browser_like();
    assert_eq!(sign_in(&app, &client, &code).await.status(), 303);
    let portal = client
        .get(app.url("/ui/enterprise"))
        .send()
        .await
        .expect("portal")
        .text()
        .await
        .expect("html");
    // A GET page switches to itself.
    assert_eq!(language_switch(&portal), "/ui/enterprise?lang=en");
    let answer = client
        .post(app.url("/ui/enterprise/calendar-feed"))
        .form(&[("csrf", csrf_of(&portal).as_str())])
        .send()
        .await
        .expect("a new feed link");
    assert_eq!(answer.status(), 200);
    let answer = answer.text().await.expect("html");
    // The answer's address takes POST only: its switch leads home, which is a page.
    let switch = language_switch(&answer);
    assert_eq!(switch, "/ui?lang=en");
    let home = client.get(app.url(&switch)).send().await.expect("home");
    assert_eq!(home.status(), 303, "home sends the user to their own pages");
}

/// The value of the cookie `name` that `response` sets.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_session_in_use_is_renewed_and_an_expired_one_returns_the_user_to_the_page() {
    let app = spawn_app(true).await;
    let signed_in = sign_in(&app, &browser_like(), "office").await;
    let token = set_cookie(&signed_in, "ov_session").expect("a session");
    let csrf = set_cookie(&signed_in, "ov_csrf").expect("a CSRF token");
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let now = chrono::Utc::now().timestamp();
    let open = |claims: &serde_json::Value, path: &str| {
        plain
            .get(app.url(path))
            .header(
                "cookie",
                format!("ov_session={}; ov_csrf={csrf}", sign(claims, TEST_SECRET)),
            )
            .send()
    };

    // Ten minutes into a fifteen-minute token, the user is still at work.
    let mut aged = claims_of(&token);
    aged["iat"] = (now - 600).into();
    aged["exp"] = (now + 300).into();
    let page = open(&aged, "/ui/office").await.expect("page");
    assert_eq!(page.status(), 200);
    let renewed = claims_of(&set_cookie(&page, "ov_session").expect("a renewed session"));
    assert!(
        renewed["exp"].as_i64().expect("exp") >= now + 890,
        "{renewed}"
    );
    assert_eq!(renewed["sid"], aged["sid"], "the same session");
    assert_eq!(
        set_cookie(&page, "ov_csrf"),
        Some(csrf.clone()),
        "the same CSRF token"
    );
    // A fresh token is not renewed on every page.
    let fresh = open(&claims_of(&token), "/ui/office").await.expect("page");
    assert_eq!(set_cookie(&fresh, "ov_session"), None);

    // Idle past its token's life: the user is told, and returns to the page they were on.
    let mut idle = claims_of(&token);
    idle["exp"] = (now - 60).into();
    let here = "/ui/office?agency=fire&lang=zh";
    let expired = open(&idle, here).await.expect("page");
    assert_eq!(expired.status(), 303);
    let location = expired.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        location.starts_with("/ui/login?lang=zh&expired=1&next="),
        "{location}"
    );
    let client = browser_like();
    let login = client
        .get(app.url(&location))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("html");
    assert!(login.contains("登录已过期"), "{login}");
    let back = client
        .post(app.url("/ui/login"))
        .form(&[
            ("username", "office"),
            ("password", DEMO_PASSWORD),
            ("csrf", &csrf_of(&login)),
            ("next", here),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(back.status(), 303);
    assert_eq!(back.headers()["location"], here, "back where they were");

    // Only a page of ours is a place to return to.
    let other = browser_like();
    let form = other
        .get(app.url("/ui/login"))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("html");
    let elsewhere = other
        .post(app.url("/ui/login"))
        .form(&[
            ("username", "office"),
            ("password", DEMO_PASSWORD),
            ("csrf", &csrf_of(&form)),
            ("next", "//evil.example/ui"),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(elsewhere.headers()["location"], "/ui?lang=zh");
}

#[tokio::test]
async fn a_bad_filter_is_told_in_the_page_s_language_with_a_way_back() {
    let app = spawn_app(true).await;
    let client = browser_like();
    sign_in(&app, &client, "office").await;
    let page = client
        .get(app.url("/ui/office?from=2026-12-31&to=2026-10-01&lang=zh"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 422);
    let html = page.text().await.expect("html");
    assert!(html.contains("结束日期早于开始日期"), "{html}");
    assert!(
        html.contains("href=\"/ui/office?lang=zh\""),
        "back to the page without the filters: {html}"
    );
    let english = client
        .get(app.url("/ui/office?from=2026-12-31&to=2026-10-01&lang=en"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(english.contains("Please correct"), "{english}");
    assert!(english.contains("href=\"/ui/office?lang=en\""), "{english}");
}

/// In English, agencies and districts are named in English too, in the figures, the
/// filters and an enterprise's timeline; in Chinese as they are stored.
#[tokio::test]
async fn english_pages_name_agencies_and_districts_in_english() {
    let app = spawn_app(true).await;
    let client = browser_like();
    assert_eq!(sign_in(&app, &client, "office").await.status(), 303);
    let page = |lang: &'static str| {
        let client = client.clone();
        let url = app.url(&format!("/ui/office?lang={lang}"));
        async move {
            let response = client.get(url).send().await.expect("the dashboard");
            assert_eq!(response.status(), 200);
            response.text().await.expect("html")
        }
    };
    let english = page("en").await;
    for name in [
        "Fire and Rescue Detachment",
        "Ecology and Environment Bureau",
        "Qingjiangpu District",
        "Huai'an District",
    ] {
        assert!(english.contains(name), "{name} on the English dashboard");
    }
    // The filter still sends the stored district, which the API's filters take.
    assert!(english.contains("<option value=\"清江浦区\""), "{english}");
    let shown = english.replace("value=\"清江浦区\"", "");
    for name in ["消防救援支队", "清江浦区"] {
        assert!(!shown.contains(name), "{name} on the English dashboard");
    }
    let chinese = page("zh").await;
    assert!(chinese.contains("消防救援支队") && chinese.contains("清江浦区"));
    assert!(!chinese.contains("Fire and Rescue Detachment"));

    // An agency the admin adds without an English name keeps its name in English too.
    let admin = app.token("admin").await;
    let added = app
        .post_as(
            &admin,
            "/agencies",
            &serde_json::json!({"code": "port", "name": "港口管理局", "daily_capacity": 2}),
        )
        .await;
    assert_eq!(added.status(), 201);
    let named = app
        .post_as(
            &admin,
            "/agencies",
            &serde_json::json!({"code": "market", "name": "市场监管局", "name_en": " ", "daily_capacity": 2}),
        )
        .await;
    assert_eq!(named.status(), 422);
    let problem: serde_json::Value = named.json().await.expect("a problem");
    assert_eq!(problem["errors"][0]["field"], "name_en", "{problem}");
    assert!(page("en").await.contains("港口管理局"));
}

/// An enterprise prints its own hazard lists from its page, signed in with its cookie;
/// another enterprise's list is not found.
#[tokio::test]
async fn an_enterprise_prints_its_hazard_list_and_no_one_else_s() {
    let app = spawn_app(true).await;
    let office = app.token("office").await;
    let ledger: serde_json::Value = app.get_json(&office, "/hazards?limit=500").await;
    let rows = ledger["items"].as_array().expect("items");
    let mine = rows[0]["credit_code"]
        .as_str()
        .expect("credit code")
        .to_owned();
    let other = rows
        .iter()
        .map(|r| r["credit_code"].as_str().expect("credit code"))
        .find(|c| *c != mine)
        .expect("a second enterprise with hazards")
        .to_owned();
    let client = browser_like();
    assert_eq!(sign_in(&app, &client, &mine).await.status(), 303);
    let portal = client
        .get(app.url("/ui/enterprise"))
        .send()
        .await
        .expect("portal")
        .text()
        .await
        .expect("html");
    let start = portal
        .find("href=\"/ui/enterprise/notices/")
        .expect("a link to print a hazard list")
        + "href=\"".len();
    let link = portal[start..]
        .split('"')
        .next()
        .expect("the link")
        .to_owned();
    let printed = client.get(app.url(&link)).send().await.expect("print");
    assert_eq!(printed.status(), 200);
    let html = printed.text().await.expect("html");
    let name = rows[0]["enterprise"].as_str().expect("name");
    assert!(html.contains(name), "the list names {name}: {html}");

    let stranger = browser_like();
    assert_eq!(sign_in(&app, &stranger, &other).await.status(), 303);
    let refused = stranger.get(app.url(&link)).send().await.expect("print");
    assert_eq!(refused.status(), 404);
}
