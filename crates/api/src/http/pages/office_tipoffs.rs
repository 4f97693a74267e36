//! The office's triage of tip-offs (举报): those still to triage (as `GET /tipoffs`),
//! each either turned into urgent requests of the agencies chosen (as
//! `POST /tipoffs/{id}/act`) or dismissed with a reason (as `POST /tipoffs/{id}/dismiss`).

use super::office::{Office, agency_names};
use super::office_forms::{
    self, Answer, Fields, done, field_error, framed, hidden, office_links, query_value, said,
    said_unlisted,
};
use super::session::Session;
use super::{Names, see_other};
use crate::app::AppState;
use crate::http::error::ApiError;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{Markup, html};
use onevisit_service::clock::china;
use onevisit_service::tipoffs::{self, ActBody, DismissBody, UrgentTeam};
use uuid::Uuid;

const ACT: &str = "act";
const DISMISS: &str = "dismiss";
/// The tip-offs a page shows at most.
const LIMIT: u64 = 100;

fn status_word(lang: super::Lang, status: &str) -> &'static str {
    match status {
        "received" => lang.t("待处理", "to triage"),
        "actioned" => lang.t("已安排检查", "inspection booked"),
        "dismissed" => lang.t("不予处理", "dismissed"),
        _ => lang.t("其他", "other"),
    }
}

async fn list_body(
    state: &AppState,
    session: &Session,
    raw: Option<&str>,
    answer: Option<&Answer>,
) -> Result<Markup, ApiError> {
    let lang = session.lang;
    let status = query_value(raw, "status")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "received".to_owned());
    let (items, total) = tipoffs::list(&state.db, &session.caller, Some(&status), LIMIT, 0).await?;
    let agencies = agency_names(state, &Names::of(state, lang).await?).await?;
    let said_done = match query_value(raw, "done").as_deref() {
        Some("actioned") => Some((
            "已转为紧急检查请求。",
            "Turned into urgent inspection requests.",
        )),
        Some("dismissed") => Some(("已不予处理。", "Dismissed.")),
        _ => None,
    };
    Ok(html! {
        (office_links(lang))
        (done(lang, said_done))
        form class="filters" method="get" action="/ui/office/tipoffs" aria-label=(lang.t("筛选", "Filters")) {
            input type="hidden" name="lang" value=(lang.code());
            label for="status" { (lang.t("状态", "Status"))
                select id="status" name="status" {
                    @for s in ["received", "actioned", "dismissed"] {
                        option value=(s) selected[status == s] { (status_word(lang, s)) }
                    }
                }
            }
            button type="submit" id="show" { (lang.t("显示", "Show")) }
        }
        h2 { (lang.t("举报", "Tip-offs")) " · " (status_word(lang, &status)) " · " (total) }
        (said_unlisted(lang, answer, &items.iter().map(|t| t.id).collect::<Vec<_>>()))
        @if items.is_empty() {
            p id="no-tipoffs" { (lang.t("没有这类举报。", "No such tip-offs.")) }
        }
        @for t in &items {
            section class="hazard" id={ "tipoff-" (t.id) } data-status=(t.status) {
                h3 { span class="code" { (t.reference) } " · " (t.enterprise) }
                p { (t.created_at.with_timezone(&china()).format("%Y-%m-%d %H:%M")) " · " (status_word(lang, &t.status)) }
                p { (t.content) }
                @if let Some(reason) = &t.dismiss_reason { p { (lang.t("不予处理的理由：", "Why dismissed: ")) (reason) } }
                @if !t.requests.is_empty() {
                    p { (lang.t("紧急检查请求：", "Urgent requests: ")) (t.requests.len()) }
                }
                @if t.status == "received" {
                    (said(lang, answer, Some(t.id), ACT))
                    form class="stack" method="post" action={ "/ui/office/tipoffs/" (t.id) "/act" } {
                        (hidden(session))
                        @if let Some(id) = t.enterprise_id {
                            input type="hidden" name="enterprise_id" value=(id);
                        } @else {
                            label for={ "credit-" (t.id) } { (lang.t("企业的统一社会信用代码", "The enterprise's credit code"))
                                input id={ "credit-" (t.id) } name="credit_code" required;
                                (field_error(lang, answer, (Some(t.id), ACT), "enterprise"))
                            }
                        }
                        fieldset {
                            legend { (lang.t("派出检查的部门（每部门人数）", "Agencies sent (inspectors each)")) }
                            @for (code, name) in &agencies {
                                label for={ "size-" (t.id) "-" (code) } {
                                    input type="checkbox" name="agency" value=(code) id={ "agency-" (t.id) "-" (code) }
                                        aria-label=(name);
                                    " " (name) " "
                                    input type="number" min="1" max="20" value="2" style="width:4rem"
                                        name={ "size-" (code) } id={ "size-" (t.id) "-" (code) };
                                }
                            }
                            (field_error(lang, answer, (Some(t.id), ACT), "agencies"))
                        }
                        label { input type="checkbox" name="reward_eligible" value="1"; " " (lang.t("举报人符合奖励条件", "The reporter qualifies for a reward")) }
                        button type="submit" id={ "act-" (t.id) } { (lang.t("安排紧急检查", "Book urgent inspections")) }
                    }
                    (said(lang, answer, Some(t.id), DISMISS))
                    form class="stack" method="post" action={ "/ui/office/tipoffs/" (t.id) "/dismiss" } {
                        (hidden(session))
                        label for={ "dismiss-reason-" (t.id) } { (lang.t("不予处理的理由", "Why dismissed"))
                            textarea id={ "dismiss-reason-" (t.id) } name="reason" rows="2" required {}
                            (field_error(lang, answer, (Some(t.id), DISMISS), "reason"))
                        }
                        label { input type="checkbox" name="reward_eligible" value="1"; " " (lang.t("举报人符合奖励条件", "The reporter qualifies for a reward")) }
                        button type="submit" id={ "dismiss-" (t.id) } { (lang.t("不予处理", "Dismiss")) }
                    }
                }
            }
        }
    })
}

async fn render(
    state: &AppState,
    session: &Session,
    raw: Option<&str>,
    answer: Option<&Answer>,
) -> Response {
    let title = session.lang.t("举报处理", "Tip-offs");
    framed(
        session,
        answer,
        title,
        list_body(state, session, raw, answer).await,
    )
}

/// `/ui/office/tipoffs`: the tip-offs to triage (or those of another status).
pub async fn list(
    State(state): State<AppState>,
    Office(session): Office,
    RawQuery(raw): RawQuery,
) -> Response {
    render(&state, &session, raw.as_deref(), None).await
}

/// The enterprise a form names: its id, or its credit code looked up among the
/// enterprises the office sees.
async fn enterprise_of(
    state: &AppState,
    session: &Session,
    fields: &Fields,
) -> Result<Uuid, ApiError> {
    if let Ok(id) = fields.get("enterprise_id").parse() {
        return Ok(id);
    }
    let code = fields.get("credit_code").trim().to_uppercase();
    if code.is_empty() {
        return Err(ApiError::field("enterprise", "is required"));
    }
    let filter = onevisit_service::enterprises::EnterpriseFilter {
        district: None,
        sector: None,
        status: None,
        credit_code: Some(code),
        q: None,
        limit: Some(1),
        offset: None,
    };
    let (found, _) = onevisit_service::enterprises::list_enterprises(
        &state.db,
        &session.caller,
        &filter,
        (1, 0),
    )
    .await?;
    found
        .first()
        .map(|e| e.id)
        .ok_or_else(|| ApiError::field("enterprise", "no enterprise has this credit code"))
}

/// The agencies ticked and their team sizes.
fn teams(fields: &Fields) -> Result<Vec<UrgentTeam>, ApiError> {
    fields
        .all("agency")
        .map(|code| {
            let size = fields.get(&format!("size-{code}")).trim();
            let team_size = if size.is_empty() {
                1
            } else {
                size.parse()
                    .map_err(|_| ApiError::field("team_size", "must be a whole number"))?
            };
            Ok(UrgentTeam {
                agency: code.to_owned(),
                team_size,
            })
        })
        .collect()
}

/// Turns a tip-off into urgent requests (as `POST /tipoffs/{id}/act`).
pub async fn act(
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
    let result = async {
        let body = ActBody {
            enterprise_id: enterprise_of(&state, &session, &fields).await?,
            agencies: teams(&fields)?,
            reward_eligible: fields.ticked("reward_eligible"),
        };
        let (today, now) = (state.clock.today(), state.clock.now());
        tipoffs::act(
            &state.db,
            &state.calendar,
            &session.caller,
            id,
            &body,
            today,
            now,
        )
        .await
        .map_err(ApiError::from)
    }
    .await;
    answer(&state, &session, id, ACT, result.map(|_| "actioned")).await
}

/// Dismisses a tip-off with a reason (as `POST /tipoffs/{id}/dismiss`).
pub async fn dismiss(
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
    let body = DismissBody {
        reason: fields.get("reason").to_owned(),
        reward_eligible: fields.ticked("reward_eligible"),
    };
    let result = tipoffs::dismiss(&state.db, &session.caller, id, &body, state.clock.now())
        .await
        .map_err(ApiError::from);
    answer(&state, &session, id, DISMISS, result.map(|_| "dismissed")).await
}

/// The list again: after a triage, saying so; after a refused one, with what was wrong.
async fn answer(
    state: &AppState,
    session: &Session,
    id: Uuid,
    form: &'static str,
    result: Result<&str, ApiError>,
) -> Response {
    match result {
        Ok(done) => see_other(&format!(
            "/ui/office/tipoffs?lang={}&done={done}",
            session.lang.code()
        )),
        Err(err) => match office_forms::on_page(Answer::new(Some(id), form, err)) {
            Ok(answer) => render(state, session, None, Some(&answer)).await,
            Err(err) => office_forms::error_page(session, err),
        },
    }
}
