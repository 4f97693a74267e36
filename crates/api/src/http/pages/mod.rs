//! The web pages OneVisit serves itself (HTML rendered on the server with maud, charts
//! as inline SVG, the style sheet inside the page: nothing comes from elsewhere):
//! `/ui/login`, the office's dashboard under `/ui/office` and the enterprise portal
//! under `/ui/enterprise`. A page shows what the API would show the same user, from the
//! same functions; they are outside the OpenAPI document.

mod agency;
mod chart;
mod inspector;
mod office;
mod office_asks;
mod office_forms;
mod office_hazards;
mod office_replan;
mod office_tipoffs;
mod office_visits;
mod portal;
pub mod session;
mod words;

use crate::app::AppState;
use crate::auth::Role;
use crate::http::error::ApiError;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, State};
use axum::http::header::{ACCEPT_LANGUAGE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;
use session::Session;
use std::convert::Infallible;
use std::net::SocketAddr;

/// The pages' routes.
pub fn router(state: AppState, upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/ui/enterprise/hazards/{id}/rectification",
            post(portal::rectification).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/ui", get(home))
        .route("/ui/login", get(login_form).post(login))
        .route("/ui/logout", post(logout))
        .route("/ui/office", get(office::dashboard))
        .route("/ui/office/export/{figure}", get(office::export))
        .route("/ui/office/enterprises/{id}", get(office::timeline))
        .route(
            "/ui/office/enterprises/{id}/timeline.csv",
            get(office::timeline_export),
        )
        .route("/ui/office/visits", get(office_visits::list))
        .route(
            "/ui/office/visits/confirm",
            post(office_visits::confirm_many),
        )
        .route("/ui/office/visits/{id}", get(office_visits::visit))
        .route(
            "/ui/office/visits/{id}/confirm",
            post(office_visits::confirm),
        )
        .route(
            "/ui/office/visits/{id}/reschedule",
            post(office_visits::reschedule),
        )
        .route("/ui/office/visits/{id}/cancel", post(office_visits::cancel))
        .route(
            "/ui/office/replan",
            get(office_replan::form).post(office_replan::preview),
        )
        .route("/ui/office/replan/apply", post(office_replan::apply))
        .route("/ui/office/hazards", get(office_hazards::overdue))
        .route(
            "/ui/office/hazards/{id}/escalate",
            post(office_hazards::escalate),
        )
        .route("/ui/office/extensions", get(office_hazards::extensions))
        .route(
            "/ui/office/hazards/{id}/extension/approve",
            post(office_hazards::approve),
        )
        .route(
            "/ui/office/hazards/{id}/extension/refuse",
            post(office_hazards::refuse),
        )
        .route("/ui/office/tipoffs", get(office_tipoffs::list))
        .route("/ui/office/tipoffs/{id}/act", post(office_tipoffs::act))
        .route(
            "/ui/office/tipoffs/{id}/dismiss",
            post(office_tipoffs::dismiss),
        )
        .route("/ui/inspector", get(inspector::root))
        .route("/ui/inspector/", get(inspector::my_visits))
        .route("/ui/inspector/sw.js", get(inspector::service_worker))
        .route("/ui/inspector/app.js", get(inspector::app_script))
        .route("/ui/inspector/session", get(inspector::session_state))
        .route("/ui/inspector/visits/{id}", get(inspector::visit))
        .route(
            "/ui/inspector/visits/{id}/findings",
            post(inspector::record_finding).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/ui/inspector/hazards/{id}/photos",
            post(inspector::add_photo).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/ui/inspector/visits/{id}/complete",
            post(inspector::complete),
        )
        .route(
            "/ui/inspector/notices/{id}/print",
            get(inspector::print_notice),
        )
        .route("/ui/enterprise", get(portal::portal))
        .route("/ui/enterprise/calendar-feed", post(portal::calendar_feed))
        .route("/ui/agency", get(agency::home))
        .route("/ui/agency/book", get(agency::book_form).post(agency::book))
        .route("/ui/agency/requests/{id}", get(agency::request))
        .route("/ui/agency/requests/{id}/cancel", post(agency::cancel))
        .route("/ui/agency/inspectors", get(agency::inspectors_page))
        .route("/ui/agency/inspectors/{id}/leave", post(agency::leave))
        .route(
            "/ui/agency/inspectors/{id}/conflicts",
            post(agency::conflicts),
        )
        .route(
            "/ui/enterprise/hazards/{id}/extension",
            post(portal::extension),
        )
        .route(
            "/ui/enterprise/quiet-period-asks",
            post(portal::ask_quiet_period),
        )
        .route("/ui/enterprise/recusal-asks", post(portal::ask_recusal))
        .route(
            "/ui/enterprise/notices/{id}/print",
            get(portal::print_notice),
        )
        .route("/ui/office/asks", get(office_asks::asks))
        .route("/ui/office/asks/{id}/approve", post(office_asks::approve))
        .route("/ui/office/asks/{id}/refuse", post(office_asks::refuse))
        .layer(axum::middleware::from_fn_with_state(state, session::renew))
}

/// The language of a page: Chinese unless the user asks for English (`?lang=en`, or a
/// browser whose first language is English).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    fn html_code(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    /// The text in this language.
    pub fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }

    /// From `?lang=`, else `Accept-Language`.
    pub fn of(parts: &Parts) -> Self {
        Self::of_request(&parts.uri, &parts.headers)
    }

    /// The same from a request's address and headers.
    pub fn of_request(uri: &axum::http::Uri, headers: &HeaderMap) -> Self {
        let asked = uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "lang")
                .map(|(_, v)| v.into_owned())
        });
        match asked.as_deref() {
            Some("en") => Self::En,
            Some("zh") => Self::Zh,
            _ => Self::from_accept(headers),
        }
    }

    fn from_accept(headers: &HeaderMap) -> Self {
        let first = headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if first.starts_with("en") {
            Self::En
        } else {
            Self::Zh
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

/// Agencies' and districts' names in the page's language: in English the English name
/// where the database knows one, else the name as stored.
#[derive(Debug, Default)]
pub struct Names(Option<onevisit_service::names::EnglishNames>);

impl Names {
    pub async fn of(state: &AppState, lang: Lang) -> Result<Self, ApiError> {
        Ok(Self(match lang {
            Lang::Zh => None,
            Lang::En => Some(onevisit_service::names::EnglishNames::load(&state.db).await?),
        }))
    }

    pub fn agency<'a>(&'a self, code: &str, name: &'a str) -> &'a str {
        self.0.as_ref().map_or(name, |en| en.agency(code, name))
    }

    pub fn district<'a>(&'a self, name: &'a str) -> &'a str {
        self.0.as_ref().map_or(name, |en| en.district(name))
    }

    /// A visit as the page shows it: its agencies in the page's language.
    pub fn visit(&self, visit: &mut onevisit_service::views::VisitView) {
        for team in &mut visit.teams {
            team.agency_name = self.agency(&team.agency, &team.agency_name).to_owned();
        }
    }

    /// An enterprise as the page shows it: its district in the page's language.
    pub fn enterprise(&self, enterprise: &mut onevisit_service::enterprises::EnterpriseView) {
        enterprise.district = self.district(&enterprise.district).to_owned();
    }
}

/// A hazard notice the session's user may see, printable, as `GET /notices/{id}/print`
/// gives it to the API.
pub async fn printed_notice(state: &AppState, session: &Session, id: uuid::Uuid) -> Response {
    use onevisit_service::hazards::notice;
    match notice::view(&state.db, &session.caller, state.clock.today(), id).await {
        Ok(view) => (
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            notice::html(&view),
        )
            .into_response(),
        Err(err) => failed(session.lang, Some(session), err.into()),
    }
}

/// A visit's agencies, listed.
pub fn agencies_of(lang: Lang, visit: &onevisit_service::views::VisitView) -> String {
    visit
        .teams
        .iter()
        .map(|t| t.agency_name.as_str())
        .collect::<Vec<_>>()
        .join(lang.t("、", ", "))
}

/// The style sheet, inside every page: system fonts, text contrast above 7:1, a focus
/// ring for keyboard users, one column at phone width.
const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:#1a1a1a;background:#fff;line-height:1.5}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.6rem 1rem;background:#0b3d6e;color:#fff}
header a,header button{color:#fff}
header h1{font-size:1.15rem;margin:0}
main{max-width:72rem;margin:0 auto;padding:1rem}
a{color:#0b4f8a}
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid #f0b400;outline-offset:2px}
.skip{position:absolute;left:-999rem}
.skip:focus{position:static;display:inline-block;margin:.4rem;background:#fff;color:#0b4f8a}
h2{font-size:1.1rem;border-bottom:2px solid #0b3d6e;padding-bottom:.2rem;margin-top:1.6rem}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.6rem;margin:0}
.figures div{border:1px solid #8a8a8a;border-radius:.3rem;padding:.4rem .6rem}
.figures dt{font-size:.85rem;color:#333}
.figures dd{margin:0;font-size:1.5rem;font-weight:600;overflow-wrap:anywhere}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}
form.filters label,form.stack label{display:flex;flex-direction:column;font-size:.9rem}
form.stack{display:flex;flex-direction:column;gap:.8rem;max-width:22rem}
input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid #555;border-radius:.25rem;background:#fff;color:#1a1a1a}
button{background:#0b3d6e;color:#fff;border-color:#0b3d6e;cursor:pointer}
header form button{background:transparent;border-color:#fff}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border-bottom:1px solid #bbb;padding:.3rem .4rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}
.warn{background:#7a1010;color:#fff;border-radius:.2rem;padding:0 .3rem;font-size:.85rem}
.error{border:2px solid #7a1010;color:#7a1010;padding:.5rem;border-radius:.3rem}
.code{font-family:ui-monospace,monospace;word-break:break-all}
svg{max-width:100%;height:auto}
section.hazard{border:1px solid #8a8a8a;border-radius:.3rem;padding:.2rem .8rem;margin:.6rem 0}
section.hazard h3{font-size:1rem;margin:.4rem 0}
textarea{font:inherit;padding:.35rem .5rem;border:1px solid #555;border-radius:.25rem}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.85rem;list-style:none;padding:0}
.legend span{display:inline-block;width:.9rem;height:.9rem;border:1px solid #555;vertical-align:middle;margin-right:.3rem}
.exports{display:flex;flex-wrap:wrap;gap:.3rem 1rem;list-style:none;padding:0}
.field-error{display:block;color:#7a1010;font-weight:600}
form.stack fieldset label{flex-direction:row;flex-wrap:wrap;align-items:center;gap:.4rem}
.done{border:2px solid #0b5d1e;color:#0b5d1e;padding:.5rem;border-radius:.3rem}
@media (max-width:40rem){main{padding:.6rem}.figures dd{font-size:1.2rem}}
"#;

/// A query string without its `lang`.
pub fn without_lang(raw: Option<&str>) -> String {
    let pairs =
        form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).filter(|(k, _)| k != "lang");
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A query string (without `lang`) with `lang` added.
pub fn with_lang(query: &str, lang: &str) -> String {
    if query.is_empty() {
        format!("lang={lang}")
    } else {
        format!("{query}&lang={lang}")
    }
}

/// The frame of every page: title, the user and the language switch, sign-out.
pub fn layout(lang: Lang, title: &str, session: Option<&Session>, body: Markup) -> Markup {
    let other = match lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    // The same page in the other language, with the same filters.
    let switch = format!(
        "{}?{}",
        session.map_or("", |s| s.here.as_str()),
        with_lang(session.map_or("", |s| s.query.as_str()), other.0)
    );
    html! {
        (DOCTYPE)
        html lang=(lang.html_code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · OneVisit" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                a class="skip" href="#main" { (lang.t("跳到正文", "Skip to the content")) }
                header {
                    h1 { "OneVisit · " (title) }
                    nav aria-label=(lang.t("账户", "Account")) {
                        a href=(switch) lang=(other.0) { (other.1) }
                        @if let Some(session) = session {
                            " · " span { (session.caller.username) } " "
                            form method="post" action="/ui/logout" style="display:inline" {
                                input type="hidden" name="csrf" value=(session.csrf);
                                input type="hidden" name="lang" value=(lang.code());
                                button type="submit" { (lang.t("退出", "Sign out")) }
                            }
                        }
                    }
                }
                main id="main" { (body) }
            }
        }
    }
}

/// A page with a status other than 200.
pub fn page_with_status(status: StatusCode, markup: Markup) -> Response {
    (status, markup).into_response()
}

/// The page for a user whose role may not open this one.
pub fn refused(session: &Session) -> Response {
    let lang = session.lang;
    page_with_status(
        StatusCode::FORBIDDEN,
        layout(
            lang,
            lang.t("无权访问", "Not allowed"),
            Some(session),
            html! {
                p id="refused" role="alert" {
                    (lang.t("您的账户无权打开此页面。", "Your account may not open this page."))
                }
                p { a href={ "/ui?lang=" (lang.code()) } { (lang.t("返回我的首页", "Back to my pages")) } }
            },
        ),
    )
}

/// A page for a failure of ours or a bad filter: what is wrong in the page's language,
/// and a way back (the same page without its filters, and the user's home page).
pub fn failed(lang: Lang, session: Option<&Session>, err: ApiError) -> Response {
    let (status, lead, items) = match &err {
        ApiError::Validation(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            lang.t("以下内容有误：", "Please correct:"),
            errors
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        words::field(lang, &e.field),
                        words::field_message(lang, &e.message)
                    )
                })
                .collect::<Vec<_>>(),
        ),
        ApiError::NotFound => (
            StatusCode::NOT_FOUND,
            lang.t("没有找到。", "Not found."),
            vec![],
        ),
        ApiError::Rejected { status, .. } if status.is_client_error() => (
            *status,
            lang.t(
                "请求无法处理，请返回后重试。",
                "The request could not be handled; go back and try again.",
            ),
            vec![],
        ),
        _ => {
            // Logged by the API error's own path; the page says only that it failed.
            let status = err.into_response().status();
            (
                status,
                lang.t(
                    "出错了，请稍后再试。",
                    "Something went wrong; please try again.",
                ),
                vec![],
            )
        }
    };
    let back = session
        .filter(|s| s.here != "/ui")
        .map(|s| format!("{}?lang={}", s.here, lang.code()));
    page_with_status(
        status,
        layout(
            lang,
            lang.t("出错", "Error"),
            session,
            html! {
                div class="error" role="alert" {
                    p { (lead) }
                    @if !items.is_empty() {
                        ul { @for item in &items { li { (item) } } }
                    }
                }
                p {
                    @if let Some(back) = &back {
                        a id="back" href=(back) { (lang.t("返回此页（清除筛选条件）", "Back to this page (filters cleared)")) }
                        " · "
                    }
                    a href={ "/ui?lang=" (lang.code()) } { (lang.t("返回我的首页", "Back to my pages")) }
                }
            },
        ),
    )
}

/// `/ui`: the signed-in user's own pages.
async fn home(session: Session) -> Response {
    let target = match session.caller.role {
        Role::Admin | Role::Coordinator => "/ui/office",
        Role::Enterprise => "/ui/enterprise",
        Role::Agency => "/ui/agency",
        Role::Inspector => "/ui/inspector/",
    };
    see_other(&format!("{target}?lang={}", session.lang.code()))
}

pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// What the sign-in page says and keeps: the form's CSRF token, the username typed, an
/// error, and the page to return to.
struct LoginPage<'a> {
    csrf: &'a str,
    username: &'a str,
    error: Option<&'a str>,
    next: Option<&'a str>,
}

fn login_page(lang: Lang, page: LoginPage<'_>) -> Markup {
    layout(
        lang,
        lang.t("登录", "Sign in"),
        None,
        html! {
            @if let Some(error) = page.error {
                p class="error" role="alert" id="login-error" { (error) }
            }
            form class="stack" method="post" action="/ui/login" {
                input type="hidden" name="csrf" value=(page.csrf);
                input type="hidden" name="lang" value=(lang.code());
                @if let Some(next) = page.next {
                    input type="hidden" name="next" value=(next);
                }
                @let username = page.username;
                label for="username" { (lang.t("用户名", "Username"))
                    input id="username" name="username" autocomplete="username" required value=(username);
                }
                label for="password" { (lang.t("密码", "Password"))
                    input id="password" name="password" type="password" autocomplete="current-password" required;
                }
                button type="submit" id="sign-in" { (lang.t("登录", "Sign in")) }
            }
        },
    )
}

/// The sign-in form, with a CSRF cookie of its own; after an expired session it says so
/// and keeps the page to return to (`?expired=1&next=/ui/...`).
async fn login_form(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let csrf = session::cookie(&headers, session::CSRF_COOKIE)
        .filter(|c| !c.is_empty())
        .unwrap_or_else(session::new_csrf);
    let asked = |key: &str| {
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    let expired = asked("expired").is_some_and(|v| v == "1");
    let next = asked("next");
    let page = LoginPage {
        csrf: &csrf,
        username: "",
        error: expired.then(|| {
            lang.t(
                "登录已过期，请重新登录；登录后将回到刚才的页面。",
                "Your session has expired; sign in again to return to the page you were on.",
            )
        }),
        next: next.as_deref(),
    };
    let mut response = login_page(lang, page).into_response();
    response.headers_mut().append(
        SET_COOKIE,
        session::set_cookie(&state, session::CSRF_COOKIE, &csrf, state.auth.ttl_seconds),
    );
    response
}

/// What the sign-in form sends.
#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    #[serde(default)]
    lang: Option<String>,
    /// The page to return to.
    #[serde(default)]
    next: Option<String>,
}

pub(crate) fn form_lang(lang: Option<&str>, fallback: Lang) -> Lang {
    match lang {
        Some("en") => Lang::En,
        Some("zh") => Lang::Zh,
        _ => fallback,
    }
}

/// Signs in with the same accounts, checks and throttle as `POST /auth/login`.
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    lang: Lang,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = form_lang(form.lang.as_deref(), lang);
    let page = |error| LoginPage {
        csrf: &form.csrf,
        username: &form.username,
        error: Some(error),
        next: form.next.as_deref(),
    };
    if !session::csrf_holds(&headers, &form.csrf) {
        return page_with_status(
            StatusCode::FORBIDDEN,
            login_page(
                lang,
                page(lang.t(
                    "表单已过期，请重新登录。",
                    "The form has expired; please sign in again.",
                )),
            ),
        );
    }
    match crate::http::auth::sign_in(&state, &form.username, form.password, &peer).await {
        Ok(token) => {
            let mut response = see_other(&session::after_login(form.next.as_deref(), lang));
            session::start(&state, &mut response, &token);
            response
        }
        Err(err) => {
            let (status, message) = match err {
                ApiError::Unauthorized(_) => (
                    StatusCode::UNAUTHORIZED,
                    lang.t("用户名或密码错误。", "Wrong username or password."),
                ),
                ApiError::TooManyRequests { .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    lang.t(
                        "失败次数过多，请稍后再试。",
                        "Too many failed attempts; try again later.",
                    ),
                ),
                other => return failed(lang, None, other),
            };
            page_with_status(status, login_page(lang, page(message)))
        }
    }
}

/// A form that carries only its CSRF token (and the language).
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
    #[serde(default)]
    pub lang: Option<String>,
}

/// Signs out: the session ends (its tokens stop working) and the cookies are deleted.
async fn logout(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let lang = form_lang(form.lang.as_deref(), lang);
    if !session::csrf_holds(&headers, &form.csrf) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Some(token) = session::cookie(&headers, session::SESSION_COOKIE)
        && let Ok(claims) = state.auth.verify(&token)
        && let Err(err) =
            onevisit_service::sessions::end(&state.db, claims.sid, chrono::Utc::now()).await
    {
        return failed(lang, None, err.into());
    }
    let mut response = session::to_login(lang);
    session::end(&state, &mut response);
    response
}
