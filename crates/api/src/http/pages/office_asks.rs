//! The coordinating office's queue of enterprises' scheduling asks (`/ui/office/asks`):
//! each pending quiet period or recusal with the forms that approve it (a note if
//! wanted) or refuse it (a note required), and the latest decisions. It calls the same
//! service functions as `GET /scheduling-asks` and `POST /scheduling-asks/{id}/...`.

use super::session::{Session, csrf_holds};
use super::{Lang, failed, form_lang, layout, page_with_status, refused, words};
use crate::app::AppState;
use crate::http::error::ApiError;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use onevisit_service::scheduling_asks::{self, AskFilter, AskView, Decision};
use serde::Deserialize;
use uuid::Uuid;

/// A date a form sent (`YYYY-MM-DD`), or the field's error.
pub fn form_date(field: &str, value: &str) -> Result<NaiveDate, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::field(field, "is required"));
    }
    value
        .parse()
        .map_err(|_| ApiError::field(field, format!("{value:?} is not a date (YYYY-MM-DD)")))
}

/// A form's failure on the page: a step the state does not allow says why (the API's
/// words after a lead in the page's language); anything else as [`failed`] shows it.
pub fn page_error(lang: Lang, session: &Session, err: ApiError) -> Response {
    let ApiError::Conflict(why) = &err else {
        return failed(lang, Some(session), err);
    };
    page_with_status(
        StatusCode::CONFLICT,
        layout(
            lang,
            lang.t("无法执行", "Not possible now"),
            Some(session),
            html! {
                div class="error" role="alert" id="conflict" {
                    p { (lang.t("当前状态下无法执行此操作：", "This cannot be done in the current state:")) }
                    p { (why) }
                }
                p { a id="back" href={ (session.here) "?lang=" (lang.code()) } { (lang.t("返回", "Back")) } }
            },
        ),
    )
}

/// What an ask is about: a quiet period's days, or the inspector and the visit's day.
pub fn what(lang: Lang, a: &AskView) -> Markup {
    html! {
        @match (a.start, a.end) {
            (Some(start), Some(end)) => {
                time datetime=(start) { (start) } " – " time datetime=(end) { (end) }
            }
            _ => {
                (a.inspector_name.as_deref().unwrap_or("")) " (" (a.inspector_code.as_deref().unwrap_or("")) ", "
                (a.agency.as_deref().unwrap_or("")) ")"
                @if let Some(day) = a.visit_date {
                    " · " (lang.t("检查日期 ", "visit on ")) time datetime=(day) { (day) }
                }
            }
        }
    }
}

/// The page refusing a caller who is not the office, if they are not.
fn not_office(session: &Session) -> Option<Response> {
    (!session.caller.is_office()).then(|| refused(session))
}

async fn asks_body(state: &AppState, session: &Session) -> Result<Markup, ApiError> {
    let lang = session.lang;
    let pending = AskFilter {
        status: Some("pending".to_owned()),
        ..AskFilter::default()
    };
    let (waiting, _) =
        scheduling_asks::list(&state.db, &session.caller, &pending, (500, 0)).await?;
    let (latest, _) =
        scheduling_asks::list(&state.db, &session.caller, &AskFilter::default(), (100, 0)).await?;
    let decided: Vec<&AskView> = latest.iter().filter(|a| a.status != "pending").collect();
    Ok(html! {
        p { a href={ "/ui/office?lang=" (lang.code()) } { (lang.t("返回负荷总览", "Back to the load review")) } }
        h2 { (lang.t("待审批", "Waiting for a decision")) }
        @if waiting.is_empty() {
            p id="no-pending" { (lang.t("没有待审批的申请。", "No ask is waiting.")) }
        }
        @for a in &waiting {
            section class="hazard ask" id={ "ask-" (a.id) } aria-labelledby={ "ask-title-" (a.id) } {
                h3 id={ "ask-title-" (a.id) } {
                    (words::ask_kind(lang, &a.kind)) " · " (a.enterprise_name)
                }
                p {
                    span class="code" { (a.credit_code) } " · " (what(lang, a))
                    " · " (lang.t("申请时间 ", "asked ")) (a.asked_at.date_naive())
                }
                p { (lang.t("理由：", "Reason: ")) (a.reason) }
                form class="stack" method="post" action={ "/ui/office/asks/" (a.id) "/approve" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="lang" value=(lang.code());
                    label for={ "approve-note-" (a.id) } { (lang.t("批准意见（可不填）", "Note (optional)"))
                        textarea id={ "approve-note-" (a.id) } name="note" rows="2" maxlength="2000" {}
                    }
                    button type="submit" id={ "approve-" (a.id) } { (lang.t("批准", "Approve")) }
                }
                form class="stack" method="post" action={ "/ui/office/asks/" (a.id) "/refuse" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="lang" value=(lang.code());
                    label for={ "refuse-note-" (a.id) } { (lang.t("不予批准的理由", "Why it is refused"))
                        textarea id={ "refuse-note-" (a.id) } name="note" rows="2" required maxlength="2000" {}
                    }
                    button type="submit" id={ "refuse-" (a.id) } { (lang.t("不予批准", "Refuse")) }
                }
            }
        }
        h2 { (lang.t("最近的决定", "Latest decisions")) }
        @if decided.is_empty() {
            p id="no-decided" { (lang.t("暂无。", "None yet.")) }
        } @else {
            div class="scroll" {
                table id="decided" {
                    thead { tr {
                        th scope="col" { (lang.t("企业", "Enterprise")) }
                        th scope="col" { (lang.t("申请", "Ask")) }
                        th scope="col" { (lang.t("内容", "What")) }
                        th scope="col" { (lang.t("结果", "Decision")) }
                        th scope="col" { (lang.t("意见", "Note")) }
                    } }
                    tbody {
                        @for a in decided {
                            tr id={ "decided-" (a.id) } {
                                td { (a.enterprise_name) }
                                td { (words::ask_kind(lang, &a.kind)) }
                                td { (what(lang, a)) }
                                td { span class="ask-status" data-status=(a.status) { (words::ask_status(lang, &a.status)) } }
                                td { (a.decision_note.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// `/ui/office/asks`: the office's queue.
pub async fn asks(State(state): State<AppState>, session: Session) -> Response {
    if let Some(refusal) = not_office(&session) {
        return refusal;
    }
    let lang = session.lang;
    match asks_body(&state, &session).await {
        Ok(body) => layout(
            lang,
            lang.t("企业排期申请", "Scheduling asks"),
            Some(&session),
            body,
        )
        .into_response(),
        Err(err) => failed(lang, Some(&session), err),
    }
}

/// A decision form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

async fn decide(
    state: &AppState,
    mut session: Session,
    headers: &HeaderMap,
    id: Uuid,
    form: DecisionForm,
    approve: bool,
) -> Response {
    if let Some(refusal) = not_office(&session) {
        return refusal;
    }
    session.lang = form_lang(form.lang.as_deref(), session.lang);
    if !csrf_holds(headers, &form.csrf) {
        return refused(&session);
    }
    // Answered on the queue's page, which is also where "back" goes.
    session.here = "/ui/office/asks".to_owned();
    let decision = Decision { note: form.note };
    let done = if approve {
        scheduling_asks::approve(
            &state.db,
            &session.caller,
            state.clock.today(),
            id,
            &decision,
        )
        .await
    } else {
        scheduling_asks::refuse(&state.db, &session.caller, id, &decision).await
    };
    match done {
        Ok(_) => super::see_other(&format!(
            "/ui/office/asks?lang={}#decided-{id}",
            session.lang.code()
        )),
        Err(err) => page_error(session.lang, &session, err.into()),
    }
}

/// Approves an ask (as `POST /scheduling-asks/{id}/approve`).
pub async fn approve(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(&state, session, &headers, id, form, true).await
}

/// Refuses an ask (as `POST /scheduling-asks/{id}/refuse`).
pub async fn refuse(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(&state, session, &headers, id, form, false).await
}
