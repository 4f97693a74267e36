//! The office chasing hazards: the overdue ones of a period (as
//! `GET /review/hazards/overdue`), each escalated to its responsible agency's
//! leadership with a note (as `POST /hazards/{id}/escalate`, shown on the list once
//! done), and the enterprises' pending asks for a later deadline, approved or refused
//! (as `POST /hazards/{id}/extension/approve` and `/refuse`).

use super::office::{Office, agency_name, agency_names, filters};
use super::office_forms::{
    self, Answer, Fields, done, field_error, framed, hidden, office_links, query_value, said,
    said_unlisted,
};
use super::session::Session;
use super::{Names, see_other, words};
use crate::app::AppState;
use crate::http::error::ApiError;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{Markup, html};
use onevisit_service::clock::china;
use onevisit_service::hazards::office::{self, EscalationBody};
use onevisit_service::hazards::{Context, Step, take_step};
use onevisit_service::review;
use uuid::Uuid;

const ESCALATE: &str = "escalate";
const APPROVE: &str = "approve";
const REFUSE: &str = "refuse";

fn done_words(key: Option<&str>) -> Option<(&'static str, &'static str)> {
    match key? {
        "escalated" => Some((
            "已上报牵头部门领导。",
            "Escalated to the agency's leadership.",
        )),
        "approved" => Some((
            "已批准延期，期限已改。",
            "Extension approved; the deadline moved.",
        )),
        "refused" => Some((
            "已驳回延期申请，期限不变。",
            "Extension refused; the deadline stays.",
        )),
        _ => None,
    }
}

async fn overdue_body(
    state: &AppState,
    session: &Session,
    raw: Option<&str>,
    answer: Option<&Answer>,
) -> Result<Markup, ApiError> {
    let lang = session.lang;
    // What the redirect after an escalation says is not a filter.
    let query = filters(Some(&office_forms::query_without(raw, "done")))?;
    let scope = query.scope(state).await?;
    let today = state.clock.today();
    let rows = review::overdue_hazards(&state.db, &scope, today).await?;
    let ids: Vec<Uuid> = rows.iter().map(|h| h.hazard_id).collect();
    let escalations = office::escalations(&state.db, &ids).await?;
    let agencies = agency_names(state, &Names::of(state, lang).await?).await?;
    Ok(html! {
        (office_links(lang))
        (done(lang, done_words(query_value(raw, "done").as_deref())))
        form class="filters" method="get" action="/ui/office/hazards" aria-label=(lang.t("筛选", "Filters")) {
            input type="hidden" name="lang" value=(lang.code());
            label for="from" { (lang.t("开始日期", "From")) input id="from" name="from" type="date" value=(scope.range.start()); }
            label for="to" { (lang.t("结束日期", "To")) input id="to" name="to" type="date" value=(scope.range.end()); }
            button type="submit" id="show" { (lang.t("显示", "Show")) }
        }
        h2 { (lang.t("逾期隐患", "Overdue hazards")) " · " (rows.len()) }
        (said_unlisted(lang, answer, &ids))
        p { (lang.t(
            "每天凌晨系统会把新逾期的隐患通知办公室；在此可把逾期隐患上报牵头部门领导督办。",
            "Each night the office is told of newly overdue hazards; here an overdue hazard is escalated to its responsible agency's leadership.",
        )) }
        @if rows.is_empty() {
            p id="no-overdue" { (lang.t("这一期间没有逾期隐患。", "No overdue hazards in this period.")) }
        }
        @for h in &rows {
            @let escalated = escalations.get(&h.hazard_id);
            section class="hazard" id={ "hazard-" (h.hazard_id) } data-escalated=(escalated.is_some()) {
                h3 { (h.title) }
                p {
                    (h.enterprise) " · " (h.district) " · " (words::severity(lang, &h.severity))
                    " · " (agency_name(&agencies, &h.agency))
                    " · " (lang.t("期限 ", "deadline ")) time datetime=(h.deadline) { (h.deadline) }
                    " " span class="warn" { (lang.t("逾期 ", "overdue ")) (h.days_overdue) (lang.t(" 天", " days")) }
                }
                @if let Some(e) = escalated {
                    p class="escalation" id={ "escalation-" (h.hazard_id) } {
                        strong { (lang.t("已上报领导", "Escalated")) }
                        " · " (e.at.with_timezone(&china()).format("%Y-%m-%d %H:%M"))
                        " · " (e.by) " · " (e.times) (lang.t(" 次", " time(s)"))
                        br; (e.note)
                    }
                }
                (said(lang, answer, Some(h.hazard_id), ESCALATE))
                form class="stack" method="post" action={ "/ui/office/hazards/" (h.hazard_id) "/escalate" } {
                    (hidden(session))
                    label for={ "note-" (h.hazard_id) } { (lang.t("督办说明", "Note to the leadership"))
                        textarea id={ "note-" (h.hazard_id) } name="note" rows="2" required {}
                        (field_error(lang, answer, (Some(h.hazard_id), ESCALATE), "note"))
                    }
                    button type="submit" id={ "escalate-" (h.hazard_id) } { (lang.t("上报牵头部门领导", "Escalate to the agency's leadership")) }
                }
            }
        }
    })
}

async fn render_overdue(
    state: &AppState,
    session: &Session,
    raw: Option<&str>,
    answer: Option<&Answer>,
) -> Response {
    let title = session.lang.t("逾期隐患", "Overdue hazards");
    framed(
        session,
        answer,
        title,
        overdue_body(state, session, raw, answer).await,
    )
}

/// `/ui/office/hazards`: the overdue hazards of the period, to escalate.
pub async fn overdue(
    State(state): State<AppState>,
    Office(session): Office,
    RawQuery(raw): RawQuery,
) -> Response {
    render_overdue(&state, &session, raw.as_deref(), None).await
}

/// Escalates one overdue hazard with a note.
pub async fn escalate(
    State(state): State<AppState>,
    Office(session): Office,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Response {
    let (session, fields) = match office_forms::read(session, &headers, &body) {
        Ok(read) => read,
        Err(refusal) => return *refusal,
    };
    let body = EscalationBody {
        note: fields.get("note").to_owned(),
    };
    let (today, now) = (state.clock.today(), state.clock.now());
    match office::escalate(&state.db, &session.caller, id, &body, today, now).await {
        Ok(_) => see_other(&format!(
            "/ui/office/hazards?lang={}&done=escalated#hazard-{id}",
            session.lang.code()
        )),
        Err(err) => match office_forms::on_page(Answer::new(Some(id), ESCALATE, err.into())) {
            Ok(answer) => render_overdue(&state, &session, None, Some(&answer)).await,
            Err(err) => office_forms::error_page(&session, err),
        },
    }
}

async fn extensions_body(
    state: &AppState,
    session: &Session,
    raw: Option<&str>,
    answer: Option<&Answer>,
) -> Result<Markup, ApiError> {
    let lang = session.lang;
    let asks =
        office::pending_extensions(&state.db, &session.caller, &state.hazards.policy).await?;
    let agencies = agency_names(state, &Names::of(state, lang).await?).await?;
    Ok(html! {
        (office_links(lang))
        (done(lang, done_words(query_value(raw, "done").as_deref())))
        h2 { (lang.t("待审批的延期申请", "Extension asks to decide")) " · " (asks.len()) }
        (said_unlisted(lang, answer, &asks.iter().map(|a| a.hazard.id).collect::<Vec<_>>()))
        @if asks.is_empty() {
            p id="no-asks" { (lang.t("没有待审批的延期申请。", "No extension asks are waiting.")) }
        }
        @for a in &asks {
            @let id = a.hazard.id;
            section class="hazard" id={ "ask-" (id) } {
                h3 { (a.hazard.title) }
                p {
                    (a.enterprise) " · " (words::severity(lang, a.hazard.severity.as_str()))
                    " · " (agency_name(&agencies, &a.agency))
                }
                p {
                    (lang.t("现期限 ", "Deadline now ")) time datetime=(a.hazard.deadline) { (a.hazard.deadline) }
                    " → " strong { (lang.t("申请延至 ", "asked for ")) time datetime=(a.new_deadline) { (a.new_deadline) } }
                }
                p { (lang.t("理由：", "Reason: ")) (a.reason) }
                (said(lang, answer, Some(id), APPROVE))
                (said(lang, answer, Some(id), REFUSE))
                form class="stack" method="post" action={ "/ui/office/hazards/" (id) "/extension/approve" } {
                    (hidden(session))
                    label for={ "approve-note-" (id) } { (lang.t("批准说明（可不填）", "Note (optional)"))
                        textarea id={ "approve-note-" (id) } name="note" rows="2" {}
                        (field_error(lang, answer, (Some(id), APPROVE), "note"))
                    }
                    button type="submit" id={ "approve-" (id) } { (lang.t("批准延期", "Approve the extension")) }
                }
                form class="stack" method="post" action={ "/ui/office/hazards/" (id) "/extension/refuse" } {
                    (hidden(session))
                    label for={ "refuse-reason-" (id) } { (lang.t("驳回理由", "Why refused"))
                        textarea id={ "refuse-reason-" (id) } name="reason" rows="2" required {}
                        (field_error(lang, answer, (Some(id), REFUSE), "reason"))
                    }
                    button type="submit" id={ "refuse-" (id) } { (lang.t("驳回申请", "Refuse the ask")) }
                }
            }
        }
    })
}

async fn render_extensions(
    state: &AppState,
    session: &Session,
    raw: Option<&str>,
    answer: Option<&Answer>,
) -> Response {
    let title = session.lang.t("延期申请", "Extension asks");
    framed(
        session,
        answer,
        title,
        extensions_body(state, session, raw, answer).await,
    )
}

/// `/ui/office/extensions`: the pending asks for a later deadline.
pub async fn extensions(
    State(state): State<AppState>,
    Office(session): Office,
    RawQuery(raw): RawQuery,
) -> Response {
    render_extensions(&state, &session, raw.as_deref(), None).await
}

async fn decide(
    state: &AppState,
    session: Session,
    headers: &HeaderMap,
    id: Uuid,
    body: &Bytes,
    form: &'static str,
) -> Response {
    let (session, fields): (Session, Fields) = match office_forms::read(session, headers, body) {
        Ok(read) => read,
        Err(refusal) => return *refusal,
    };
    let step = if form == APPROVE {
        let note = fields.get("note").trim();
        Step::ApproveExtension {
            note: (!note.is_empty()).then(|| note.to_owned()),
        }
    } else {
        Step::RefuseExtension {
            reason: fields.get("reason").to_owned(),
        }
    };
    match take_step(Context::from(state), &session.caller, id, step).await {
        Ok(_) => {
            let said = if form == APPROVE {
                "approved"
            } else {
                "refused"
            };
            see_other(&format!(
                "/ui/office/extensions?lang={}&done={said}",
                session.lang.code()
            ))
        }
        Err(err) => match office_forms::on_page(Answer::new(Some(id), form, err.into())) {
            Ok(answer) => render_extensions(state, &session, None, Some(&answer)).await,
            Err(err) => office_forms::error_page(&session, err),
        },
    }
}

/// Approves the pending ask of a hazard (as `POST /hazards/{id}/extension/approve`).
pub async fn approve(
    State(state): State<AppState>,
    Office(session): Office,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Response {
    decide(&state, session, &headers, id, &body, APPROVE).await
}

/// Refuses the pending ask of a hazard, with a reason (as `POST /hazards/{id}/extension/refuse`).
pub async fn refuse(
    State(state): State<AppState>,
    Office(session): Office,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Response {
    decide(&state, session, &headers, id, &body, REFUSE).await
}
