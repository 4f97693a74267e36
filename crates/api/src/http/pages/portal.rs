//! The enterprise portal: the enterprise's own announced visits ahead, with their
//! verification codes; its hazard lists with every hazard's status and deadline, where
//! it submits rectifications and asks for later deadlines; its scheduling asks (quiet
//! periods, recusals); and the link that puts the schedule in a calendar app. It reads
//! through the service's access rules, so it shows what the API shows the same user.

use super::office_asks::{form_date, page_error};
use super::session::{Session, csrf_holds};
use super::{CsrfForm, Lang, Names, agencies_of, failed, form_lang, layout, refused, words};
use crate::app::AppState;
use crate::auth::Role;
use crate::http::error::ApiError;
use crate::http::hazards::FieldChunks;
use axum::Form;
use axum::extract::{FromRequestParts, Multipart, Path, State};
use axum::http::header::HOST;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use onevisit_domain::HazardStatus;
use onevisit_domain::hazard::HazardStep;
use onevisit_service::entities::hazard_notice;
use onevisit_service::hazards::{Context, Step, evidence, take_step};
use onevisit_service::portal::{self, Portal, PortalHazard};
use onevisit_service::scheduling_asks::{self, AskView, NewQuietPeriodAsk, NewRecusalAsk};
use onevisit_service::verification::code_of;
use onevisit_service::views::VisitView;
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// An enterprise user's session and the enterprise; anyone else gets the page that refuses them.
#[derive(Debug)]
pub struct EnterpriseUser(Session, Uuid);

impl FromRequestParts<AppState> for EnterpriseUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        match (session.caller.role, session.caller.enterprise_id) {
            (Role::Enterprise, Some(id)) => Ok(Self(session, id)),
            _ => Err(refused(&session)),
        }
    }
}

async fn portal_body(
    state: &AppState,
    session: &Session,
    enterprise_id: Uuid,
    feed_url: Option<&str>,
) -> Result<(String, Markup), ApiError> {
    let lang = session.lang;
    let today = state.clock.today();
    let Portal {
        name,
        rows,
        mut visits,
        notices,
        hazards,
        asks,
    } = portal::portal(
        &state.db,
        &session.caller,
        enterprise_id,
        today,
        &state.hazards.policy,
    )
    .await?;
    let names = Names::of(state, lang).await?;
    visits.iter_mut().for_each(|v| names.visit(v));
    let codes: Vec<Option<String>> = rows
        .iter()
        .map(|v| code_of(state.auth.verification_key(), v))
        .collect();
    let body = html! {
        h2 { (lang.t("即将到来的检查", "Upcoming visits")) }
        @if visits.is_empty() {
            p id="no-visits" { (lang.t("暂无已公布的检查。", "No announced visits ahead.")) }
        } @else {
            div class="scroll" {
                table id="visits" {
                    thead { tr {
                        th scope="col" { (lang.t("日期", "Date")) }
                        th scope="col" { (lang.t("状态", "Status")) }
                        th scope="col" { (lang.t("检查部门", "Agencies")) }
                        th scope="col" { (lang.t("核验码", "Verification code")) }
                    } }
                    tbody {
                        @for (visit, code) in visits.iter().zip(&codes) {
                            tr data-visit=(visit.id) data-enterprise=(visit.enterprise_id) {
                                td { time datetime=(visit.date) { (visit.date) } }
                                td { (words::visit_status(lang, &visit.status)) }
                                td { (agencies_of(lang, visit)) }
                                td class="code" {
                                    @match code {
                                        Some(code) => { (code) },
                                        None => { (lang.t("确认后发放", "given once confirmed")) },
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p { (lang.t("检查人员到达时，请核对核验码（/verify/核验码）。", "When the inspectors arrive, check the code at /verify/CODE.")) }
        }
        (hazard_section(lang, &session.csrf, &notices, &hazards, today))
        (asks_section(lang, &session.csrf, &visits, &asks, today))
        h2 { (lang.t("日历订阅", "Calendar subscription")) }
        @if let Some(url) = feed_url {
            p { (lang.t("把此链接添加到日历应用（仅显示这一次，请妥善保存）：", "Add this link to your calendar app (shown this once; keep it safe):")) }
            p class="code" id="feed-url" { a href=(url) { (url) } }
        }
        form method="post" action="/ui/enterprise/calendar-feed" {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="lang" value=(lang.code());
            p { (lang.t("生成新链接后，旧链接立即失效。", "A new link stops the previous one at once.")) }
            button type="submit" id="new-feed" { (lang.t("生成日历链接", "Make a calendar link")) }
        }
    };
    Ok((name, body))
}

fn notice_number(n: &hazard_notice::Model) -> String {
    format!("{}-{:04}", n.year, n.sequence)
}

/// The enterprise's hazard lists, and every hazard on them with its status and deadline
/// (overdue marked); an open hazard has the forms that submit its rectification with
/// evidence files and ask for a later deadline.
fn hazard_section(
    lang: Lang,
    csrf: &str,
    notices: &[hazard_notice::Model],
    hazards: &[PortalHazard],
    today: NaiveDate,
) -> Markup {
    let numbers: BTreeMap<Uuid, String> =
        notices.iter().map(|n| (n.id, notice_number(n))).collect();
    html! {
        h2 id="hazards" { (lang.t("隐患清单", "Hazard lists")) }
        @if notices.is_empty() {
            p id="no-hazards" { (lang.t("暂无下发的隐患清单。", "No hazard lists issued.")) }
        } @else {
            div class="scroll" {
                table id="notices" {
                    thead { tr {
                        th scope="col" { (lang.t("整改通知", "Hazard list")) }
                        th scope="col" { (lang.t("签发日期", "Issued")) }
                        th scope="col" class="n" { (lang.t("隐患", "Hazards")) }
                        th scope="col" class="n" { (lang.t("未销号", "Not closed")) }
                    } }
                    tbody {
                        @for n in notices {
                            @let on: Vec<&PortalHazard> = hazards.iter().filter(|h| h.row.notice_id == Some(n.id)).collect();
                            tr data-notice=(n.id) {
                                td class="code" {
                                    a href={ "/ui/enterprise/notices/" (n.id) "/print" } { (notice_number(n)) }
                                }
                                td { (n.issued_at.date_naive()) }
                                td class="n" { (on.len()) }
                                td class="n" { (on.iter().filter(|h| h.row.status != HazardStatus::Closed).count()) }
                            }
                        }
                    }
                }
            }
        }
        @for h in hazards {
            @let row = &h.row;
            section class="hazard" id={ "hazard-" (row.id) } aria-labelledby={ "hazard-title-" (row.id) } {
                h3 id={ "hazard-title-" (row.id) } { (row.title) }
                p {
                    @if let Some(number) = row.notice_id.and_then(|n| numbers.get(&n)) {
                        (lang.t("整改通知 ", "Hazard list ")) span class="code" { (number) } " · "
                    }
                    (lang.t("整改期限：", "Deadline: ")) time class="deadline" datetime=(row.deadline) { (row.deadline) }
                    @if row.deadline < today && row.status != HazardStatus::Closed {
                        " " span class="warn overdue" { (lang.t("已逾期", "overdue")) }
                    }
                    " · " (lang.t("等级：", "Severity: ")) (words::severity(lang, row.severity.as_str()))
                    " · " (lang.t("状态：", "Status: ")) span class="hazard-status" data-status=(row.status) { (words::hazard_status(lang, row.status.as_str())) }
                    @if let Some(closed) = row.closed_on {
                        " · " (lang.t("销号日期：", "Closed on: ")) (closed)
                    }
                }
                @if let Some((asked, reason)) = &h.pending_extension {
                    p class="extension-pending" id={ "extension-pending-" (row.id) } {
                        (lang.t("已申请延期至 ", "A later deadline is asked: ")) time datetime=(asked) { (asked) }
                        (lang.t("（理由：", " (reason: ")) (reason) (lang.t("），待协调办审批。", "), awaiting the office."))
                    }
                }
                @if h.allowed.contains(&HazardStep::SubmitRectification) {
                    form class="stack" method="post" enctype="multipart/form-data"
                        action={ "/ui/enterprise/hazards/" (row.id) "/rectification" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="lang" value=(lang.code());
                        label for={ "text-" (row.id) } { (lang.t("整改情况", "What was done"))
                            textarea id={ "text-" (row.id) } name="text" rows="3" required {}
                        }
                        label for={ "file-" (row.id) } { (lang.t("整改证据照片或文件（JPEG、PNG 或 PDF，可多选）", "Evidence photos or files (JPEG, PNG or PDF; several allowed)"))
                            input id={ "file-" (row.id) } name="file" type="file" multiple required accept="image/jpeg,image/png,application/pdf";
                        }
                        button type="submit" id={ "submit-" (row.id) } { (lang.t("提交整改", "Submit the rectification")) }
                    }
                }
                @if h.allowed.contains(&HazardStep::RequestExtension) {
                    form class="stack" method="post" action={ "/ui/enterprise/hazards/" (row.id) "/extension" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="lang" value=(lang.code());
                        label for={ "new-deadline-" (row.id) } { (lang.t("申请延期至", "Ask for a deadline of"))
                            input id={ "new-deadline-" (row.id) } name="new_deadline" type="date" required min=(row.deadline.succ_opt().unwrap_or(row.deadline));
                        }
                        label for={ "extension-reason-" (row.id) } { (lang.t("延期理由", "Why more time is needed"))
                            textarea id={ "extension-reason-" (row.id) } name="reason" rows="2" required {}
                        }
                        button type="submit" id={ "extend-" (row.id) } { (lang.t("申请延期", "Ask for a later deadline")) }
                    }
                }
            }
        }
    }
}

/// What the rectification form sent, read in the form's order: the CSRF token is
/// checked before any file is stored; each file chosen is uploaded as evidence.
pub async fn rectification(
    State(state): State<AppState>,
    EnterpriseUser(mut session, _): EnterpriseUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    mut form: Multipart,
) -> Response {
    let mut text = String::new();
    let mut csrf_checked = false;
    let mut evidence = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return failed(
                    session.lang,
                    Some(&session),
                    ApiError::BadRequest(e.body_text()),
                );
            }
        };
        match field.name().unwrap_or_default() {
            "csrf" => {
                let token = field.text().await.unwrap_or_default();
                if !csrf_holds(&headers, &token) {
                    return refused(&session);
                }
                csrf_checked = true;
            }
            "lang" => {
                let lang = field.text().await.unwrap_or_default();
                session.lang = form_lang(Some(&lang), session.lang);
            }
            "text" => text = field.text().await.unwrap_or_default(),
            // A file input left empty sends a part without a file name.
            "file" if csrf_checked && field.file_name().is_some_and(|n| !n.is_empty()) => {
                let name = field.file_name().unwrap_or("evidence").to_owned();
                let cx = Context::from(&state);
                match evidence::upload(cx, &session.caller, id, &name, &mut FieldChunks(field))
                    .await
                {
                    Ok(stored) => evidence.push(stored.id),
                    Err(err) => return failed(session.lang, Some(&session), err.into()),
                }
            }
            _ => {}
        }
    }
    if !csrf_checked {
        return refused(&session);
    }
    if evidence.is_empty() {
        return failed(
            session.lang,
            Some(&session),
            ApiError::field("file", "no evidence file"),
        );
    }
    let step = Step::SubmitRectification { text, evidence };
    take(&state, &session, id, step).await
}

/// Takes a step on a hazard (as `POST /hazards/{id}/...`) and returns to it.
async fn take(state: &AppState, session: &Session, id: Uuid, step: Step) -> Response {
    match take_step(Context::from(state), &session.caller, id, step).await {
        Ok(_) => super::see_other(&format!(
            "/ui/enterprise?lang={}#hazard-{id}",
            session.lang.code()
        )),
        Err(err) => page_error(session.lang, session, err.into()),
    }
}

/// The form asking for a later deadline.
#[derive(Debug, Deserialize)]
pub struct ExtensionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    new_deadline: String,
    #[serde(default)]
    reason: String,
}

/// Asks for a later deadline, with a reason (as `POST /hazards/{id}/extension`).
pub async fn extension(
    State(state): State<AppState>,
    EnterpriseUser(mut session, _): EnterpriseUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(form): Form<ExtensionForm>,
) -> Response {
    session.lang = form_lang(form.lang.as_deref(), session.lang);
    if !csrf_holds(&headers, &form.csrf) {
        return refused(&session);
    }
    let new_deadline = match form_date("new_deadline", &form.new_deadline) {
        Ok(day) => day,
        Err(err) => return failed(session.lang, Some(&session), err),
    };
    let step = Step::RequestExtension {
        new_deadline,
        reason: form.reason,
    };
    take(&state, &session, id, step).await
}

/// The enterprise's scheduling asks with their status and the office's note, and the
/// forms that declare a quiet period and ask an inspector's recusal before a visit.
fn asks_section(
    lang: Lang,
    csrf: &str,
    visits: &[VisitView],
    asks: &[AskView],
    today: NaiveDate,
) -> Markup {
    // Inspectors on the teams of the announced visits still ahead, as `visit/inspector`.
    let members: Vec<(String, String)> = visits
        .iter()
        .filter(|v| v.date > today && matches!(v.status.as_str(), "proposed" | "confirmed"))
        .flat_map(|v| {
            v.teams.iter().flat_map(move |t| {
                t.inspectors.iter().map(move |i| {
                    (
                        format!("{}/{}", v.id, i.id),
                        format!("{} · {} · {}（{}）", v.date, t.agency_name, i.name, i.code),
                    )
                })
            })
        })
        .collect();
    html! {
        h2 id="asks" { (lang.t("排期申请", "Scheduling asks")) }
        p { (lang.t("可申请静默期（计划停产、检修），或在已公布的检查前申请某位检查人员回避；由协调办审批。",
                    "Declare a quiet period (a planned shutdown, a maintenance turnaround), or ask that an inspector stand down before an announced visit; the coordinating office decides.")) }
        @if asks.is_empty() {
            p id="no-asks" { (lang.t("尚未提出申请。", "No asks yet.")) }
        } @else {
            div class="scroll" {
                table id="ask-list" {
                    thead { tr {
                        th scope="col" { (lang.t("申请", "Ask")) }
                        th scope="col" { (lang.t("内容", "What")) }
                        th scope="col" { (lang.t("理由", "Reason")) }
                        th scope="col" { (lang.t("状态", "Status")) }
                        th scope="col" { (lang.t("协调办意见", "The office's note")) }
                    } }
                    tbody {
                        @for a in asks {
                            tr id={ "ask-" (a.id) } data-kind=(a.kind) {
                                td { (words::ask_kind(lang, &a.kind)) }
                                td { (super::office_asks::what(lang, a)) }
                                td { (a.reason) }
                                td { span class="ask-status" data-status=(a.status) { (words::ask_status(lang, &a.status)) } }
                                td class="decision-note" { (a.decision_note.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
        h3 { (lang.t("申请静默期", "Declare a quiet period")) }
        form class="stack" id="quiet-form" method="post" action="/ui/enterprise/quiet-period-asks" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(lang.code());
            label for="quiet-start" { (lang.t("开始日期", "First quiet day"))
                input id="quiet-start" name="start" type="date" required min=(today.succ_opt().unwrap_or(today));
            }
            label for="quiet-end" { (lang.t("结束日期", "Last quiet day"))
                input id="quiet-end" name="end" type="date" required min=(today.succ_opt().unwrap_or(today));
            }
            label for="quiet-reason" { (lang.t("理由（如计划停产、检修）", "Reason (a planned shutdown, a turnaround)"))
                textarea id="quiet-reason" name="reason" rows="2" required maxlength="500" {}
            }
            button type="submit" id="ask-quiet" { (lang.t("提交静默期申请", "Ask for the quiet period")) }
        }
        h3 { (lang.t("申请检查人员回避", "Ask for an inspector's recusal")) }
        @if members.is_empty() {
            p id="no-recusal" { (lang.t("今后暂无已公布并已派员的检查。", "No announced visit ahead has its inspectors yet.")) }
        } @else {
            form class="stack" id="recusal-form" method="post" action="/ui/enterprise/recusal-asks" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="lang" value=(lang.code());
                label for="recusal-member" { (lang.t("检查及检查人员", "Visit and inspector"))
                    select id="recusal-member" name="member" required {
                        @for (value, label) in &members {
                            option value=(value) { (label) }
                        }
                    }
                }
                label for="recusal-reason" { (lang.t("回避理由（如利害关系）", "Reason (a conflict of interest)"))
                    textarea id="recusal-reason" name="reason" rows="2" required maxlength="500" {}
                }
                button type="submit" id="ask-recusal" { (lang.t("提交回避申请", "Ask for the recusal")) }
            }
        }
    }
}

/// The quiet-period form.
#[derive(Debug, Deserialize)]
pub struct QuietForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    reason: String,
}

/// Declares a quiet period (as `POST /enterprises/{id}/quiet-period-asks`).
pub async fn ask_quiet_period(
    State(state): State<AppState>,
    EnterpriseUser(mut session, enterprise_id): EnterpriseUser,
    headers: HeaderMap,
    Form(form): Form<QuietForm>,
) -> Response {
    session.lang = form_lang(form.lang.as_deref(), session.lang);
    if !csrf_holds(&headers, &form.csrf) {
        return refused(&session);
    }
    let dates = form_date("start", &form.start)
        .and_then(|start| form_date("end", &form.end).map(|end| (start, end)));
    let (start, end) = match dates {
        Ok(dates) => dates,
        Err(err) => return failed(session.lang, Some(&session), err),
    };
    let body = NewQuietPeriodAsk {
        start,
        end,
        reason: form.reason,
    };
    let asked = scheduling_asks::ask_quiet_period(
        &state.db,
        &session.caller,
        state.clock.today(),
        enterprise_id,
        &body,
    )
    .await;
    back_to_asks(&session, asked.map(|_| ()).map_err(Into::into))
}

/// The recusal form: the visit and the inspector as `visit/inspector`.
#[derive(Debug, Deserialize)]
pub struct RecusalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    member: String,
    #[serde(default)]
    reason: String,
}

/// Asks for an inspector's recusal (as `POST /enterprises/{id}/recusal-asks`).
pub async fn ask_recusal(
    State(state): State<AppState>,
    EnterpriseUser(mut session, enterprise_id): EnterpriseUser,
    headers: HeaderMap,
    Form(form): Form<RecusalForm>,
) -> Response {
    session.lang = form_lang(form.lang.as_deref(), session.lang);
    if !csrf_holds(&headers, &form.csrf) {
        return refused(&session);
    }
    let chosen = form
        .member
        .split_once('/')
        .and_then(|(v, i)| Some((v.parse().ok()?, i.parse().ok()?)));
    let Some((visit_id, inspector_id)) = chosen else {
        return failed(
            session.lang,
            Some(&session),
            ApiError::field("inspector_id", "is required"),
        );
    };
    let body = NewRecusalAsk {
        visit_id,
        inspector_id,
        reason: form.reason,
    };
    let asked = scheduling_asks::ask_recusal(
        &state.db,
        &session.caller,
        state.clock.today(),
        enterprise_id,
        &body,
    )
    .await;
    back_to_asks(&session, asked.map(|_| ()).map_err(Into::into))
}

fn back_to_asks(session: &Session, done: Result<(), ApiError>) -> Response {
    match done {
        Ok(()) => super::see_other(&format!("/ui/enterprise?lang={}#asks", session.lang.code())),
        Err(err) => page_error(session.lang, session, err),
    }
}

async fn render(
    state: &AppState,
    session: &Session,
    enterprise_id: Uuid,
    feed_url: Option<&str>,
) -> Response {
    match portal_body(state, session, enterprise_id, feed_url).await {
        Ok((name, body)) => layout(session.lang, &name, Some(session), body).into_response(),
        Err(err) => failed(session.lang, Some(session), err),
    }
}

/// `/ui/enterprise/notices/{id}/print`: one of its hazard lists, printable.
pub async fn print_notice(
    State(state): State<AppState>,
    EnterpriseUser(session, _): EnterpriseUser,
    Path(id): Path<Uuid>,
) -> Response {
    super::printed_notice(&state, &session, id).await
}

/// `/ui/enterprise`: the portal.
pub async fn portal(
    State(state): State<AppState>,
    EnterpriseUser(session, id): EnterpriseUser,
) -> Response {
    render(&state, &session, id, None).await
}

/// Makes a new calendar feed link (as `POST /enterprises/{id}/calendar-feed`) and shows it.
pub async fn calendar_feed(
    State(state): State<AppState>,
    EnterpriseUser(mut session, id): EnterpriseUser,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    session.lang = form_lang(form.lang.as_deref(), session.lang);
    if !csrf_holds(&headers, &form.csrf) {
        return refused(&session);
    }
    let path = match onevisit_service::calendar_feeds::new_feed(&state.db, id).await {
        Ok(path) => path,
        Err(err) => return failed(session.lang, Some(&session), err.into()),
    };
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.auth.secure_cookies {
        "https"
    } else {
        "http"
    };
    let url = format!("{scheme}://{host}{path}");
    let mut response = render(&state, &session, id, Some(&url)).await;
    if response.status() == StatusCode::OK {
        // The link is a secret: no cache may keep the page.
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    response
}
