//! The inspector's pages, phone first: "my visits" (the visits whose team the inspector
//! is on, today and the coming days, with the enterprise, the teams and what each
//! agency comes to check), a visit's page where findings and their photos are recorded
//! and the visit is completed, and the printable hazard list it issues.
//!
//! At the gate the network may be gone: a service worker (`/ui/inspector/sw.js`) keeps
//! the pages for reading offline, and the pages' script (`/ui/inspector/app.js`) keeps
//! each finding and photo in IndexedDB with an idempotency key made on the phone, and
//! sends them when the connection returns. The server writes each once
//! ([`onevisit_service::idempotency`]). Without the script the forms post as they are.
//! The script's requests (`Accept: application/json`) are answered in JSON, with the
//! CSRF token in `X-CSRF-Token` and a 401 when the session is gone.

use super::session::{Session, csrf_holds};
use super::{Lang, Names, failed, form_lang, layout, page_with_status, refused, see_other, words};
use crate::app::AppState;
use crate::auth::Role;
use crate::http::error::{ApiError, FieldError};
use crate::http::hazards::{FieldChunks, IDEMPOTENCY_KEY};
use axum::Json;
use axum::extract::multipart::Field;
use axum::extract::{FromRequestParts, Multipart, Path, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use onevisit_domain::hazard::DeadlinePolicy;
use onevisit_domain::{Severity, VisitStatus};
use onevisit_service::enterprises::{self, EnterpriseView};
use onevisit_service::entities::{hazard, hazard_notice};
use onevisit_service::hazards::ledger::{self, LedgerFilter, LedgerRow};
use onevisit_service::hazards::{self, Context, NewFinding, evidence, notice};
use onevisit_service::my_visits;
use onevisit_service::views::{RequestView, VisitView};
use onevisit_service::visits;
use serde_json::json;
use uuid::Uuid;

/// The header the pages' script sends its CSRF token in.
const CSRF_HEADER: &str = "x-csrf-token";

/// The categories of a finding, with their words.
const CATEGORIES: [(&str, &str, &str); 6] = [
    ("fire", "消防", "fire"),
    ("structure", "建筑结构", "structure"),
    ("process_safety", "工艺安全", "process safety"),
    ("environment", "生态环境", "environment"),
    ("storage", "储存", "storage"),
    ("other", "其他", "other"),
];

fn category(lang: Lang, stored: &str) -> &str {
    CATEGORIES
        .iter()
        .find(|(c, _, _)| *c == stored)
        .map_or(stored, |&(_, zh, en)| lang.t(zh, en))
}

/// Whether the request is the pages' script asking for JSON.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// A JSON answer of the script's endpoints, never stored by a cache.
fn json_answer(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An inspector's session; anyone else gets the page that refuses them (the script: a
/// JSON 403), and a request without a live session the sign-in page (the script: 401).
#[derive(Debug)]
pub struct Inspector {
    session: Session,
    /// The script asked: answer in JSON.
    json: bool,
}

impl FromRequestParts<AppState> for Inspector {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let json = wants_json(&parts.headers);
        match Session::from_request_parts(parts, state).await {
            Ok(session)
                if session.caller.role == Role::Inspector
                    && session.caller.inspector_id.is_some() =>
            {
                Ok(Self { session, json })
            }
            Ok(session) if json => Err(json_answer(
                StatusCode::FORBIDDEN,
                json!({ "message": session.lang.t("您的账户无权打开此页面。", "Your account may not open this page.") }),
            )),
            Ok(session) => Err(refused(&session)),
            Err(page) if json && page.status().is_redirection() => Err(signed_out(Lang::of(parts))),
            Err(page) => Err(page),
        }
    }
}

/// The script's answer when the session is gone: keep what is queued, sign in again.
fn signed_out(lang: Lang) -> Response {
    json_answer(
        StatusCode::UNAUTHORIZED,
        json!({ "message": lang.t("登录已过期，请重新登录；待发送的记录会保留。", "Your session has expired; sign in again. What is waiting stays on this phone.") }),
    )
}

/// A failure as the script reads it: the status, a message and each field's error in
/// the page's language.
fn json_failure(lang: Lang, err: ApiError) -> Response {
    let status = err.status();
    let (message, errors) = match &err {
        ApiError::Validation(errors) => (
            lang.t("以下内容有误：", "Please correct:").to_owned(),
            errors
                .iter()
                .map(|e| {
                    json!({
                        "field": e.field,
                        "label": words::field(lang, &e.field),
                        "message": words::field_message(lang, &e.message),
                    })
                })
                .collect(),
        ),
        other => (failure_text(lang, other), Vec::new()),
    };
    json_answer(status, json!({ "message": message, "errors": errors }))
}

/// What a failure that is not a field's says, in the page's language.
fn failure_text(lang: Lang, err: &ApiError) -> String {
    match err {
        ApiError::NotFound => lang
            .t("没有找到这次检查或隐患。", "No such visit or hazard.")
            .to_owned(),
        ApiError::Forbidden => lang
            .t("您无权进行此操作。", "You may not do this.")
            .to_owned(),
        ApiError::Conflict(why) => format!(
            "{}{}",
            lang.t("当前状态下无法进行：", "Not possible now: "),
            words::field_message(lang, why)
        ),
        ApiError::Unavailable(_) | ApiError::Internal(_) => lang
            .t(
                "服务器暂时无法处理，稍后会重试。",
                "The server could not handle it; it will be tried again.",
            )
            .to_owned(),
        _ => lang
            .t("请求无法处理。", "The request could not be handled.")
            .to_owned(),
    }
}

/// `/ui/inspector`: the inspector's list lives at `/ui/inspector/`, inside the service
/// worker's scope.
pub async fn root(Inspector { session, .. }: Inspector) -> Response {
    see_other(&format!("/ui/inspector/?lang={}", session.lang.code()))
}

/// The risk markers of an enterprise, in words.
fn risk_markers(lang: Lang, e: &EnterpriseView) -> Vec<&'static str> {
    let mut markers = Vec::new();
    if e.in_chemical_park {
        markers.push(lang.t("化工园区内", "in a chemical park"));
    }
    if e.risk.key_process {
        markers.push(lang.t("重点监管危险化工工艺", "key hazardous process"));
    }
    if e.risk.key_chemical {
        markers.push(lang.t("重点监管危险化学品", "key supervised chemical"));
    }
    if e.risk.major_hazard_source {
        markers.push(lang.t("重大危险源", "major hazard source"));
    }
    markers
}

/// The enterprise of a visit: district (its address here), sector and risk markers.
fn enterprise_block(lang: Lang, e: &EnterpriseView) -> Markup {
    let markers = risk_markers(lang, e);
    html! {
        dl class="facts" {
            dt { (lang.t("地址（县区）", "Address (district)")) } dd class="district" { (e.district) }
            dt { (lang.t("行业", "Sector")) } dd { (words::sector(lang, &e.sector)) }
            dt { (lang.t("风险标识", "Risk markers")) }
            dd class="risk" {
                @if markers.is_empty() { (lang.t("无", "none")) }
                @for m in &markers { span class="warn" { (m) } " " }
            }
            dt { (lang.t("信用代码", "Credit code")) } dd class="code" { (e.credit_code) }
        }
    }
}

/// Each agency's team on the visit, and what its requests ask to check.
fn teams_block(lang: Lang, visit: &VisitView, requests: &[RequestView]) -> Markup {
    html! {
        ul class="teams" {
            @for team in &visit.teams {
                li data-agency=(team.agency) {
                    strong { (team.agency_name) } ": "
                    (team.inspectors.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join("、"))
                    @let topics: Vec<&str> = requests.iter()
                        .filter(|r| r.agency == team.agency)
                        .flat_map(|r| r.topics.iter().map(String::as_str))
                        .collect();
                    @let kinds: Vec<&str> = requests.iter()
                        .filter(|r| r.agency == team.agency)
                        .map(|r| words::request_kind(lang, &r.kind))
                        .collect();
                    br;
                    span class="topics" {
                        (lang.t("检查内容：", "Checks: "))
                        @if topics.is_empty() { (lang.t("未列明", "not listed")) }
                        @else { (topics.join("、")) }
                        @if !kinds.is_empty() { " (" (kinds.join("、")) ")" }
                    }
                }
            }
        }
    }
}

/// The queue's status line, filled in by the script (empty without it).
fn outbox(lang: Lang) -> Markup {
    html! {
        section id="outbox" aria-live="polite" data-lang=(lang.code()) data-pending="" hidden {
            p id="outbox-status" {}
            p id="outbox-problem" class="error" hidden {}
            ul id="outbox-items" {}
        }
    }
}

/// The script and the style of the inspector's pages.
fn script() -> Markup {
    html! {
        script src="/ui/inspector/app.js" defer {}
    }
}

const INSPECTOR_STYLE: &str = "dl.facts{display:grid;grid-template-columns:auto 1fr;gap:.1rem .6rem;margin:.4rem 0}\
dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}\
ul.teams{padding-left:1.1rem}section.visit{border:1px solid #8a8a8a;border-radius:.3rem;padding:.2rem .8rem;margin:.6rem 0}\
section.visit h3{font-size:1.05rem;margin:.4rem 0}form.stack{max-width:none}form.stack input,form.stack select,form.stack textarea{width:100%}\
.field-error{color:#7a1010;font-weight:600}#outbox{border:2px solid #0b3d6e;border-radius:.3rem;padding:.2rem .8rem;margin:.6rem 0}\
.today{background:#0b3d6e;color:#fff;border-radius:.2rem;padding:0 .3rem}";

fn style() -> Markup {
    html! { style { (maud::PreEscaped(INSPECTOR_STYLE)) } }
}

/// `/ui/inspector/`: my visits, today and the coming days.
pub async fn my_visits(
    State(state): State<AppState>,
    Inspector { session, .. }: Inspector,
) -> Response {
    let lang = session.lang;
    let today = state.clock.today();
    let found = async {
        let names = Names::of(&state, lang).await?;
        let mut visits = my_visits::my_visits(&state.db, &session.caller, today).await?;
        visits.iter_mut().for_each(|v| names.visit(v));
        Ok::<_, ApiError>((names, visits))
    };
    let (names, visits) = match found.await {
        Ok(found) => found,
        Err(err) => return failed(lang, Some(&session), err),
    };
    let mut cards = Vec::with_capacity(visits.len());
    for visit in &visits {
        let enterprise =
            enterprises::get_enterprise(&state.db, &session.caller, visit.enterprise_id).await;
        let requests = my_visits::visit_requests(&state.db, &session.caller, today, visit.id).await;
        match (enterprise, requests) {
            (Ok(mut e), Ok(r)) => {
                names.enterprise(&mut e);
                cards.push((visit, e, r));
            }
            (Err(err), _) | (_, Err(err)) => return failed(lang, Some(&session), err.into()),
        }
    }
    let body = html! {
        (style())
        (outbox(lang))
        h2 { (lang.t("我的检查", "My visits")) }
        p { (lang.t("今天及之后 ", "Today and the next ")) (my_visits::DAYS_AHEAD) (lang.t(" 天内您所在检查组的检查。", " days: the visits whose team you are on.")) }
        @if cards.is_empty() {
            p id="no-visits" { (lang.t("近期没有安排您的检查。", "No visits for you in the coming days.")) }
        }
        @for (visit, enterprise, requests) in &cards {
            section class="visit" data-visit=(visit.id) aria-labelledby={ "visit-" (visit.id) } {
                h3 id={ "visit-" (visit.id) } {
                    time datetime=(visit.date) { (visit.date) }
                    @if visit.date == today { " " span class="today" { (lang.t("今天", "today")) } }
                    " · "
                    a class="visit-link" href={ "/ui/inspector/visits/" (visit.id) "?lang=" (lang.code()) } { (visit.enterprise_name) }
                }
                p { (lang.t("状态：", "Status: ")) (words::visit_status(lang, &visit.status)) }
                (enterprise_block(lang, enterprise))
                (teams_block(lang, visit, requests))
            }
        }
        (script())
    };
    layout(lang, lang.t("我的检查", "My visits"), Some(&session), body).into_response()
}

/// A visit of the caller's own team, or the page (or JSON) that says why not.
async fn my_visit(state: &AppState, me: &Inspector, id: Uuid) -> Result<VisitView, Response> {
    let lang = me.session.lang;
    let visit =
        match visits::get_visit(&state.db, &me.session.caller, state.clock.today(), id).await {
            Ok(visit) => visit,
            Err(err) if me.json => return Err(json_failure(lang, err.into())),
            Err(err) => return Err(failed(lang, Some(&me.session), err.into())),
        };
    if my_visits::on_team(&me.session.caller, &visit) {
        return Ok(visit);
    }
    let text = lang.t(
        "这次检查不在您的检查组中：只能查看和记录您所在检查组的检查。",
        "This visit is not one of your team's: you see and record only the visits whose team you are on.",
    );
    if me.json {
        return Err(json_answer(
            StatusCode::FORBIDDEN,
            json!({ "message": text }),
        ));
    }
    Err(page_with_status(
        StatusCode::FORBIDDEN,
        layout(
            lang,
            lang.t("不是您的检查", "Not your visit"),
            Some(&me.session),
            html! {
                p id="not-yours" role="alert" class="error" { (text) }
                p { a href={ "/ui/inspector/?lang=" (lang.code()) } { (lang.t("返回我的检查", "Back to my visits")) } }
            },
        ),
    ))
}

/// What the finding form sent (or shows again after a refusal).
#[derive(Debug, Default, Clone)]
struct FindingForm {
    idempotency_key: String,
    title: String,
    description: String,
    category: String,
    severity: String,
    legal_basis: String,
    regulation: String,
    responsible_agency: String,
    deadline: String,
}

impl FindingForm {
    /// Takes a text field of the form; `false` for a name it does not know.
    fn set(&mut self, name: &str, value: String) -> bool {
        let slot = match name {
            "idempotency_key" => &mut self.idempotency_key,
            "title" => &mut self.title,
            "description" => &mut self.description,
            "category" => &mut self.category,
            "severity" => &mut self.severity,
            "legal_basis" => &mut self.legal_basis,
            "regulation" => &mut self.regulation,
            "responsible_agency" => &mut self.responsible_agency,
            "deadline" => &mut self.deadline,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// The finding as the service takes it; a deadline that is not a date is the
    /// field's error.
    fn finding(&self) -> Result<NewFinding, ApiError> {
        let deadline = match self.deadline.trim() {
            "" => None,
            day => Some(
                day.parse::<NaiveDate>()
                    .map_err(|_| ApiError::field("deadline", "must be a date like 2026-12-03"))?,
            ),
        };
        let regulation = Some(self.regulation.trim())
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        Ok(NewFinding {
            title: self.title.clone(),
            description: self.description.clone(),
            category: self.category.clone(),
            severity: self.severity.clone(),
            legal_basis: self.legal_basis.clone(),
            regulation,
            responsible_agency: self.responsible_agency.clone(),
            deadline,
        })
    }
}

/// A refused form: what was sent and each field's error.
struct Refusal<'a> {
    /// What was sent, shown again; none: a fresh form.
    form: Option<&'a FindingForm>,
    errors: &'a [FieldError],
    /// A refusal that is no field's (the visit's state).
    other: Option<String>,
}

/// Everything the visit page shows.
struct VisitPage {
    visit: VisitView,
    enterprise: EnterpriseView,
    requests: Vec<RequestView>,
    /// The visit's findings, each with its photos' count.
    findings: Vec<(LedgerRow, usize)>,
    notices: Vec<hazard_notice::Model>,
}

async fn gather(
    state: &AppState,
    session: &Session,
    mut visit: VisitView,
) -> Result<VisitPage, ApiError> {
    let (db, caller, today) = (&state.db, &session.caller, state.clock.today());
    let names = Names::of(state, session.lang).await?;
    names.visit(&mut visit);
    let mut enterprise = enterprises::get_enterprise(db, caller, visit.enterprise_id).await?;
    names.enterprise(&mut enterprise);
    let requests = my_visits::visit_requests(db, caller, today, visit.id).await?;
    let filter = LedgerFilter {
        visit_id: Some(visit.id),
        ..LedgerFilter::default()
    };
    let (rows, _) = ledger::page(db, caller, &filter, today, 500, 0).await?;
    let mut findings = Vec::with_capacity(rows.len());
    for row in rows {
        let photos = hazards::file_of(db, row.id).await?.evidence.len();
        findings.push((row, photos));
    }
    let notices = notice::list(db, caller, today, Some(visit.enterprise_id))
        .await?
        .into_iter()
        .filter(|n| n.visit_id == visit.id)
        .collect();
    Ok(VisitPage {
        visit,
        enterprise,
        requests,
        findings,
        notices,
    })
}

/// The error of `field` among `errors`, shown under it.
fn field_error(lang: Lang, errors: &[FieldError], field: &str) -> Markup {
    let own: Vec<&FieldError> = errors
        .iter()
        .filter(|e| e.field == field || e.field.starts_with(&format!("{field}.")))
        .collect();
    html! {
        @for e in own {
            span class="field-error" id={ "error-" (field) } { (words::field_message(lang, &e.message)) }
        }
    }
}

fn finding_form(
    lang: Lang,
    csrf: &str,
    page: &VisitPage,
    policy: &DeadlinePolicy,
    my_agency: Option<&str>,
    refusal: Option<&Refusal<'_>>,
) -> Markup {
    let visit = &page.visit;
    let general = policy.default_deadline(Severity::General, visit.date);
    let major = policy.default_deadline(Severity::Major, visit.date);
    let blank = FindingForm {
        idempotency_key: Uuid::new_v4().to_string(),
        severity: "general".to_owned(),
        category: "other".to_owned(),
        responsible_agency: my_agency.unwrap_or_default().to_owned(),
        deadline: general.to_string(),
        ..FindingForm::default()
    };
    let form = refusal.and_then(|r| r.form).unwrap_or(&blank);
    let errors = refusal.map_or(&[][..], |r| r.errors);
    // A form shown again keeps its key (the same finding); one that never had one gets one.
    let key = match form.idempotency_key.as_str() {
        "" => blank.idempotency_key.as_str(),
        key => key,
    };
    let text = |name: &'static str, label: &'static str, value: &str, required: bool| {
        html! {
            label for={ "f-" (name) } { (label)
                input id={ "f-" (name) } name=(name) value=(value) required[required]
                    aria-invalid=[errors.iter().any(|e| e.field == name).then_some("true")];
                (field_error(lang, errors, name))
            }
        }
    };
    html! {
        form id="finding-form" class="stack" method="post" enctype="multipart/form-data"
            action={ "/ui/inspector/visits/" (visit.id) "/findings" }
            data-visit=(visit.id) {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(lang.code());
            input type="hidden" name="idempotency_key" value=(key);
            (text("title", lang.t("隐患名称", "Finding"), &form.title, true))
            label for="f-description" { (lang.t("具体情况", "What was found"))
                textarea id="f-description" name="description" rows="3" required { (form.description) }
                (field_error(lang, errors, "description"))
            }
            label for="f-category" { (lang.t("类别", "Category"))
                select id="f-category" name="category" {
                    @for (code, zh, en) in CATEGORIES {
                        option value=(code) selected[form.category == code] { (lang.t(zh, en)) }
                    }
                }
                (field_error(lang, errors, "category"))
            }
            label for="f-severity" { (lang.t("等级", "Severity"))
                select id="f-severity" name="severity" {
                    option value="general" selected[form.severity != "major"] { (lang.t("一般", "general (一般)")) }
                    option value="major" selected[form.severity == "major"] { (lang.t("重大", "major (重大)")) }
                }
                (field_error(lang, errors, "severity"))
            }
            (text("legal_basis", lang.t("依据", "Legal basis"), &form.legal_basis, true))
            (text("regulation", lang.t("法规条款（可选）", "Regulation (optional)"), &form.regulation, false))
            label for="f-responsible_agency" { (lang.t("责任部门", "Responsible agency"))
                select id="f-responsible_agency" name="responsible_agency" {
                    @for team in &visit.teams {
                        option value=(team.agency) selected[form.responsible_agency == team.agency] { (team.agency_name) }
                    }
                }
                (field_error(lang, errors, "responsible_agency"))
            }
            label for="f-deadline" { (lang.t("整改期限", "Deadline"))
                input id="f-deadline" name="deadline" type="date" value=(form.deadline)
                    data-general=(general) data-major=(major);
                small { (lang.t("按规定：一般隐患 ", "By the policy: general ")) (general) (lang.t("，重大隐患 ", ", major ")) (major) }
                (field_error(lang, errors, "deadline"))
            }
            label for="f-photo" { (lang.t("现场照片（可多张）", "Photos (one or more)"))
                input id="f-photo" name="photo" type="file" accept="image/*" capture="environment" multiple;
                (field_error(lang, errors, "file"))
            }
            button type="submit" id="record" { (lang.t("记录隐患", "Record the finding")) }
        }
    }
}

fn visit_body(
    state: &AppState,
    session: &Session,
    page: &VisitPage,
    refusal: Option<&Refusal<'_>>,
) -> Markup {
    let lang = session.lang;
    let today = state.clock.today();
    let visit = &page.visit;
    let status: Option<VisitStatus> = visit.status.parse().ok();
    let recordable = matches!(
        status,
        Some(VisitStatus::Confirmed | VisitStatus::InProgress | VisitStatus::Completed)
    ) && visit.date <= today;
    let completable = matches!(
        status,
        Some(VisitStatus::Confirmed | VisitStatus::InProgress)
    ) && visit.date <= today;
    let my_agency = visit
        .teams
        .iter()
        .find(|t| {
            t.inspectors
                .iter()
                .any(|i| Some(i.id) == session.caller.inspector_id)
        })
        .map(|t| t.agency.as_str());
    html! {
        (style())
        p { a href={ "/ui/inspector/?lang=" (lang.code()) } { (lang.t("← 我的检查", "← My visits")) } }
        (outbox(lang))
        p {
            time datetime=(visit.date) { (visit.date) }
            @if visit.date == today { " " span class="today" { (lang.t("今天", "today")) } }
            " · " (lang.t("状态：", "Status: "))
            span id="visit-status" data-status=(visit.status) { (words::visit_status(lang, &visit.status)) }
        }
        (enterprise_block(lang, &page.enterprise))
        h2 { (lang.t("检查组与检查内容", "Teams and what they check")) }
        (teams_block(lang, visit, &page.requests))
        @if !page.notices.is_empty() {
            h2 { (lang.t("整改通知", "Hazard notice")) }
            ul id="notices" {
                @for n in &page.notices {
                    li {
                        a class="notice-link" href={ "/ui/inspector/notices/" (n.id) "/print" } {
                            (lang.t("打印或分享整改通知 ", "Print or share the hazard notice ")) (format!("{}-{:04}", n.year, n.sequence))
                        }
                    }
                }
            }
        }
        h2 { (lang.t("已记录的隐患", "Findings recorded")) }
        @if page.findings.is_empty() {
            p id="no-findings" { (lang.t("尚未记录隐患。", "No findings yet.")) }
        } @else {
            ul id="findings" {
                @for (row, photos) in &page.findings {
                    li id={ "hazard-" (row.id) } data-photos=(photos) {
                        strong { (row.title) } " · " (category(lang, &row.category))
                        " · " (words::severity(lang, &row.severity))
                        " · " (lang.t("期限 ", "deadline ")) (row.deadline)
                        " · " (photos) (lang.t(" 张照片", " photo(s)"))
                    }
                }
            }
        }
        @if let Some(r) = refusal {
            div class="error" role="alert" id="form-error" {
                p { (r.other.as_deref().unwrap_or(lang.t("以下内容有误，请修改后重新提交：", "Please correct the fields below and send again:"))) }
                @if !r.errors.is_empty() {
                    ul { @for e in r.errors { li { (words::field(lang, &e.field)) ": " (words::field_message(lang, &e.message)) } } }
                }
            }
        }
        @if recordable {
            h2 { (lang.t("记录隐患", "Record a finding")) }
            (finding_form(lang, &session.csrf, page, &state.hazards.policy, my_agency, refusal))
        } @else {
            p id="not-recordable" { (lang.t("检查当天起（已确认的检查）才能记录隐患。", "Findings are recorded from the visit day on, in a confirmed visit.")) }
        }
        @if completable {
            h2 { (lang.t("完成检查", "Complete the visit")) }
            form id="complete-form" method="post" action={ "/ui/inspector/visits/" (visit.id) "/complete" } data-visit=(visit.id) {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="lang" value=(lang.code());
                p { (lang.t("完成后，已记录的隐患将以整改通知下发给企业。", "Completing issues the findings to the enterprise as its hazard notice.")) }
                button type="submit" id="complete" { (lang.t("完成检查并下发整改通知", "Complete and issue the notice")) }
            }
        }
        (script())
    }
}

/// The visit page, with a refused form shown again when there is one.
async fn render_visit(
    state: &AppState,
    session: &Session,
    visit: VisitView,
    refusal: Option<&Refusal<'_>>,
) -> Response {
    let lang = session.lang;
    let page = match gather(state, session, visit).await {
        Ok(page) => page,
        Err(err) => return failed(lang, Some(session), err),
    };
    let title = page.visit.enterprise_name.clone();
    let markup = layout(
        lang,
        &title,
        Some(session),
        visit_body(state, session, &page, refusal),
    );
    let status = if refusal.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page_with_status(status, markup)
}

/// `/ui/inspector/visits/{id}`: one visit of the inspector's team.
pub async fn visit(State(state): State<AppState>, me: Inspector, Path(id): Path<Uuid>) -> Response {
    let visit = match my_visit(&state, &me, id).await {
        Ok(visit) => visit,
        Err(page) => return page,
    };
    render_visit(&state, &me.session, visit, None).await
}

/// The request's CSRF token holds: the script's header, or the form's field.
fn header_csrf_holds(headers: &HeaderMap) -> bool {
    headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|token| csrf_holds(headers, token))
}

/// A refusal of the form's token: the page that refuses, or the script's JSON 403.
fn bad_token(me: &Inspector) -> Response {
    if me.json {
        json_answer(
            StatusCode::FORBIDDEN,
            json!({ "csrf": true, "message": me.session.lang.t("表单已过期，请刷新页面。", "The form has expired; reload the page.") }),
        )
    } else {
        refused(&me.session)
    }
}

async fn text_of(field: Field<'_>) -> Result<String, ApiError> {
    field
        .text()
        .await
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// Stores one photo field of a finding, its key made from the finding's (a retried
/// form stores each photo once). An empty file field (none chosen) stores nothing.
async fn store_photo(
    state: &AppState,
    session: &Session,
    hazard_id: Uuid,
    key: Option<&str>,
    field: Field<'_>,
) -> Result<bool, ApiError> {
    let name = field.file_name().unwrap_or_default().to_owned();
    if name.is_empty() {
        return Ok(false);
    }
    let key = key.map(|k| k.as_bytes());
    let cx = Context::from(state);
    evidence::upload_once(
        cx,
        &session.caller,
        hazard_id,
        &name,
        key,
        &mut FieldChunks(field),
    )
    .await?;
    Ok(true)
}

/// `POST /ui/inspector/visits/{id}/findings` (multipart): records a finding as
/// `POST /visits/{id}/hazards` does, with its `Idempotency-Key` (the script's header,
/// or the form's own hidden key), and the form's photos, if any, as evidence. The
/// script sends its photos one by one afterwards, to `/ui/inspector/hazards/{id}/photos`.
pub async fn record_finding(
    State(state): State<AppState>,
    mut me: Inspector,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    mut form: Multipart,
) -> Response {
    let visit = match my_visit(&state, &me, id).await {
        Ok(visit) => visit,
        Err(page) => return page,
    };
    let mut csrf = header_csrf_holds(&headers);
    let mut sent = FindingForm::default();
    let header_key = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // The script's key, else the form's own.
    let key_of = |sent: &FindingForm| {
        header_key
            .clone()
            .or_else(|| Some(sent.idempotency_key.clone()).filter(|k| !k.is_empty()))
    };
    let mut recorded: Option<hazard::Model> = None;
    let mut photos = 0usize;
    let outcome: Result<(), ApiError> = async {
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                "csrf" => csrf = csrf || csrf_holds(&headers, &text_of(field).await?),
                "lang" => {
                    me.session.lang = form_lang(Some(&text_of(field).await?), me.session.lang)
                }
                // The photos come last: the finding is recorded before the first streams in.
                "photo" if csrf => {
                    let key = key_of(&sent);
                    let hazard_id = match &recorded {
                        Some(hazard) => hazard.id,
                        None => {
                            let hazard =
                                record(&state, &me.session, id, &sent, key.as_deref()).await?;
                            let hazard_id = hazard.id;
                            recorded = Some(hazard);
                            hazard_id
                        }
                    };
                    let photo_key = key.map(|k| format!("{k}.photo{photos}"));
                    if store_photo(&state, &me.session, hazard_id, photo_key.as_deref(), field)
                        .await?
                    {
                        photos += 1;
                    }
                }
                "photo" => return Err(ApiError::Forbidden),
                other => {
                    let value = text_of(field).await?;
                    sent.set(other, value);
                }
            }
        }
        if !csrf {
            return Err(ApiError::Forbidden);
        }
        if recorded.is_none() {
            let key = key_of(&sent);
            recorded = Some(record(&state, &me.session, id, &sent, key.as_deref()).await?);
        }
        Ok(())
    }
    .await;
    let lang = me.session.lang;
    match (outcome, recorded) {
        (Ok(()), Some(hazard)) if me.json => json_answer(
            StatusCode::CREATED,
            json!({ "hazard_id": hazard.id, "photos": photos }),
        ),
        (Ok(()), Some(hazard)) => see_other(&format!(
            "/ui/inspector/visits/{id}?lang={}#hazard-{}",
            lang.code(),
            hazard.id
        )),
        (Err(ApiError::Forbidden), _) if !csrf => bad_token(&me),
        (Err(err), _) if me.json => json_failure(lang, err),
        (outcome, recorded) => {
            let err = outcome
                .err()
                .unwrap_or_else(|| ApiError::Internal("no finding recorded".to_owned()));
            let errors = match &err {
                ApiError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            };
            let refusal = match recorded {
                // The finding is in but a photo was refused: a fresh form, and why.
                Some(_) => Refusal {
                    form: None,
                    errors: &errors,
                    other: Some(format!(
                        "{}{}",
                        lang.t(
                            "隐患已记录，但以下照片未能保存：",
                            "The finding was recorded, but a photo could not be kept: "
                        ),
                        if errors.is_empty() {
                            failure_text(lang, &err)
                        } else {
                            String::new()
                        }
                    )),
                },
                None => Refusal {
                    form: Some(&sent),
                    errors: &errors,
                    other: (errors.is_empty()).then(|| failure_text(lang, &err)),
                },
            };
            let mut page = render_visit(&state, &me.session, visit, Some(&refusal)).await;
            *page.status_mut() = err.status();
            page
        }
    }
}

async fn record(
    state: &AppState,
    session: &Session,
    visit_id: Uuid,
    sent: &FindingForm,
    key: Option<&str>,
) -> Result<hazard::Model, ApiError> {
    let finding = sent.finding()?;
    let cx = Context::from(state);
    Ok(hazards::record_once(
        cx,
        &session.caller,
        visit_id,
        &finding,
        key.map(str::as_bytes),
    )
    .await?)
}

/// `POST /ui/inspector/hazards/{id}/photos` (multipart, field `file`): one photo of a
/// finding, as `POST /hazards/{id}/evidence` stores it, with its `Idempotency-Key`.
pub async fn add_photo(
    State(state): State<AppState>,
    mut me: Inspector,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    mut form: Multipart,
) -> Response {
    let hazard = match hazards::find_visible(&state.db, &me.session.caller, id).await {
        Ok(hazard) => hazard,
        Err(err) if me.json => return json_failure(me.session.lang, err.into()),
        Err(err) => return failed(me.session.lang, Some(&me.session), err.into()),
    };
    if let Err(page) = my_visit(&state, &me, hazard.visit_id).await {
        return page;
    }
    let mut csrf = header_csrf_holds(&headers);
    let mut key = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut stored = false;
    let outcome: Result<(), ApiError> = async {
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?
        {
            match field.name().unwrap_or_default() {
                "csrf" => csrf = csrf || csrf_holds(&headers, &text_of(field).await?),
                "lang" => {
                    me.session.lang = form_lang(Some(&text_of(field).await?), me.session.lang)
                }
                "idempotency_key" => key = key.or(Some(text_of(field).await?)),
                "file" | "photo" if csrf => {
                    stored = store_photo(&state, &me.session, id, key.as_deref(), field).await?
                        || stored;
                }
                _ => {}
            }
        }
        if !csrf {
            return Err(ApiError::Forbidden);
        }
        if !stored {
            return Err(ApiError::field("file", "no evidence file"));
        }
        Ok(())
    }
    .await;
    let lang = me.session.lang;
    match outcome {
        Ok(()) if me.json => json_answer(StatusCode::CREATED, json!({ "hazard_id": id })),
        Ok(()) => see_other(&format!(
            "/ui/inspector/visits/{}?lang={}#hazard-{id}",
            hazard.visit_id,
            lang.code()
        )),
        Err(ApiError::Forbidden) if !csrf => bad_token(&me),
        Err(err) if me.json => json_failure(lang, err),
        Err(err) => failed(lang, Some(&me.session), err),
    }
}

/// `POST /ui/inspector/visits/{id}/complete`: completes the visit as
/// `POST /visits/{id}/complete` does, issuing its hazard notice, and shows the visit
/// with the notice's link.
pub async fn complete(
    State(state): State<AppState>,
    mut me: Inspector,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    axum::Form(form): axum::Form<super::CsrfForm>,
) -> Response {
    me.session.lang = form_lang(form.lang.as_deref(), me.session.lang);
    if !csrf_holds(&headers, &form.csrf) {
        return bad_token(&me);
    }
    if let Err(page) = my_visit(&state, &me, id).await {
        return page;
    }
    let cx = crate::http::visit_actions::context(&state);
    let lang = me.session.lang;
    match onevisit_service::visit_actions::complete_visit(cx, &me.session.caller, id).await {
        Ok(_) => see_other(&format!(
            "/ui/inspector/visits/{id}?lang={}#notices",
            lang.code()
        )),
        Err(err) => {
            let err: ApiError = err.into();
            let Ok(visit) = my_visit(&state, &me, id).await else {
                return failed(lang, Some(&me.session), err);
            };
            let refusal = Refusal {
                form: None,
                errors: &[],
                other: Some(failure_text(lang, &err)),
            };
            let mut page = render_visit(&state, &me.session, visit, Some(&refusal)).await;
            *page.status_mut() = err.status();
            page
        }
    }
}

/// `/ui/inspector/notices/{id}/print`: the printable hazard notice, as
/// `GET /notices/{id}/print` gives it, for the inspector's session.
pub async fn print_notice(
    State(state): State<AppState>,
    Inspector { session, .. }: Inspector,
    Path(id): Path<Uuid>,
) -> Response {
    super::printed_notice(&state, &session, id).await
}

/// `/ui/inspector/session`: the script's check that the session is live, with the
/// CSRF token to send (a page kept offline may carry an older one).
pub async fn session_state(Inspector { session, .. }: Inspector) -> Response {
    json_answer(
        StatusCode::OK,
        json!({ "csrf": session.csrf, "username": session.caller.username }),
    )
}

/// A script of ours, never stale for long: the service worker checks it on each load.
fn javascript(source: &'static str, scope: Option<&'static str>) -> Response {
    let mut response = (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        source,
    )
        .into_response();
    if let Some(scope) = scope {
        response
            .headers_mut()
            .insert("service-worker-allowed", HeaderValue::from_static(scope));
    }
    response
}

/// `/ui/inspector/sw.js`: the service worker (scope `/ui/inspector/`).
pub async fn service_worker() -> Response {
    javascript(include_str!("inspector_sw.js"), Some("/ui/inspector/"))
}

/// `/ui/inspector/app.js`: the pages' script (the queue of findings and photos).
pub async fn app_script() -> Response {
    javascript(include_str!("inspector_app.js"), None)
}
