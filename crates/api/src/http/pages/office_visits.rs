//! The office's decisions on visits: the proposed visits of a period with boxes to
//! confirm many at once (one transaction, each visit's outcome shown), and one visit's
//! page to confirm, reschedule or cancel it with a reason. The same service functions
//! as `POST /visits/confirm`, `/visits/{id}/confirm`, `/reschedule` and `/cancel`.

use super::office::Office;
use super::office_forms::{
    self, Answer, done, field_error, framed, hidden, office_links, query_value, said,
};
use super::session::Session;
use super::{Names, agencies_of, see_other, words};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::visit_actions::context;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use maud::{Markup, html};
use onevisit_service::visit_actions::{
    self, CancelBody, ConfirmManyBody, ConfirmOutcome, RescheduleBody,
};
use onevisit_service::visits::{self, VisitFilter};
use uuid::Uuid;

/// The visits a list shows at most.
const LIST_LIMIT: u64 = 200;

/// The list's period and status: from today, four weeks, proposed ones, unless asked.
struct ListQuery {
    from: NaiveDate,
    to: NaiveDate,
    status: String,
}

impl ListQuery {
    fn of(raw: Option<&str>, today: NaiveDate) -> Result<Self, ApiError> {
        let date = |key: &str, default: NaiveDate| match query_value(raw, key).as_deref() {
            None | Some("") => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| ApiError::field(key, "must be a date like 2026-12-03")),
        };
        let from = date("from", today)?;
        let to = date("to", from + Duration::days(27))?;
        let status = query_value(raw, "status")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "proposed".to_owned());
        Ok(Self { from, to, status })
    }
}

const STATUSES: [&str; 5] = [
    "proposed",
    "confirmed",
    "in_progress",
    "completed",
    "cancelled",
];

async fn list_body(
    state: &AppState,
    session: &Session,
    raw: Option<&str>,
    answer: Option<&Answer>,
) -> Result<Markup, ApiError> {
    let lang = session.lang;
    let query = ListQuery::of(raw, state.clock.today())?;
    let filter = VisitFilter {
        from: Some(query.from),
        to: Some(query.to),
        status: Some(query.status.clone()),
        enterprise_id: None,
        agency: None,
        limit: Some(LIST_LIMIT),
        offset: None,
    };
    let (mut rows, total) = visits::list_visits(
        &state.db,
        &session.caller,
        state.clock.today(),
        &filter,
        (LIST_LIMIT, 0),
    )
    .await?;
    let names = Names::of(state, session.lang).await?;
    rows.iter_mut().for_each(|v| names.visit(v));
    let proposed = query.status == "proposed";
    Ok(html! {
        (office_links(lang))
        form class="filters" method="get" action="/ui/office/visits" aria-label=(lang.t("筛选", "Filters")) {
            input type="hidden" name="lang" value=(lang.code());
            label for="from" { (lang.t("开始日期", "From")) input id="from" name="from" type="date" value=(query.from); }
            label for="to" { (lang.t("结束日期", "To")) input id="to" name="to" type="date" value=(query.to); }
            label for="status" { (lang.t("状态", "Status"))
                select id="status" name="status" {
                    @for s in STATUSES {
                        option value=(s) selected[query.status == s] { (words::visit_status(lang, s)) }
                    }
                }
            }
            button type="submit" id="show" { (lang.t("显示", "Show")) }
        }
        h2 { (lang.t("检查", "Visits")) " " (query.from) " – " (query.to) " · " (total) }
        @if total > LIST_LIMIT {
            p { (lang.t("只显示前 200 项，请缩短期间。", "Only the first 200 are shown; choose a shorter period.")) }
        }
        (said(lang, answer, None, "confirm-many"))
        @if rows.is_empty() {
            p id="no-visits" { (lang.t("这一期间没有这类检查。", "No such visits in this period.")) }
        } @else {
            form method="post" action="/ui/office/visits/confirm" id="confirm-form" {
                (hidden(session))
                div class="scroll" {
                    table id="visits" {
                        thead { tr {
                            @if proposed { th scope="col" { (lang.t("选择", "Pick")) } }
                            th scope="col" { (lang.t("日期", "Date")) }
                            th scope="col" { (lang.t("企业", "Enterprise")) }
                            th scope="col" { (lang.t("检查部门", "Agencies")) }
                            th scope="col" { (lang.t("状态", "Status")) }
                        } }
                        tbody {
                            @for v in &rows {
                                tr data-visit=(v.id) data-status=(v.status) {
                                    @if proposed {
                                        td { input type="checkbox" name="visit" value=(v.id) id={ "pick-" (v.id) }
                                            aria-label={ (v.enterprise_name) " " (v.date) }; }
                                    }
                                    td { time datetime=(v.date) { (v.date) } }
                                    td { a href={ "/ui/office/visits/" (v.id) "?lang=" (lang.code()) } { (v.enterprise_name) } }
                                    td { (agencies_of(lang, v)) }
                                    td { (words::visit_status(lang, &v.status)) }
                                }
                            }
                        }
                    }
                }
                @if proposed {
                    p { button type="submit" id="confirm-selected" { (lang.t("确认所选检查", "Confirm the visits picked")) } }
                }
            }
        }
    })
}

async fn render_list(
    state: &AppState,
    session: &Session,
    raw: Option<&str>,
    answer: Option<&Answer>,
) -> Response {
    let title = session.lang.t("确认检查", "Confirm visits");
    framed(
        session,
        answer,
        title,
        list_body(state, session, raw, answer).await,
    )
}

/// `/ui/office/visits`: the visits of a period (proposed ones by default), to confirm.
pub async fn list(
    State(state): State<AppState>,
    Office(session): Office,
    RawQuery(raw): RawQuery,
) -> Response {
    render_list(&state, &session, raw.as_deref(), None).await
}

/// Confirms the ticked visits in one transaction (as `POST /visits/confirm`) and shows
/// what happened to each.
pub async fn confirm_many(
    State(state): State<AppState>,
    Office(session): Office,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (session, fields) = match office_forms::read(session, &headers, &body) {
        Ok(read) => read,
        Err(refusal) => return *refusal,
    };
    let ids: Result<Vec<Uuid>, _> = fields.all("visit").map(str::parse).collect();
    let outcome = match ids {
        Ok(visit_ids) => {
            let body = ConfirmManyBody { visit_ids };
            visit_actions::confirm_visits(context(&state), &session.caller, &body)
                .await
                .map_err(ApiError::from)
        }
        Err(_) => Err(ApiError::field("visit_ids", "no such visit")),
    };
    let outcomes = match outcome {
        Ok(outcomes) => outcomes,
        Err(err) => {
            return match office_forms::on_page(Answer::new(None, "confirm-many", err)) {
                Ok(answer) => render_list(&state, &session, None, Some(&answer)).await,
                Err(err) => office_forms::error_page(&session, err),
            };
        }
    };
    let lang = session.lang;
    let confirmed = outcomes.iter().filter(|o| o.confirmed).count();
    let body = html! {
        (office_links(lang))
        h2 { (lang.t("确认结果", "What was confirmed")) }
        p id="confirm-summary" data-confirmed=(confirmed) data-asked=(outcomes.len()) {
            (lang.t("已确认 ", "Confirmed ")) (confirmed) " / " (outcomes.len())
        }
        div class="scroll" {
            table id="confirm-results" {
                thead { tr {
                    th scope="col" { (lang.t("检查", "Visit")) }
                    th scope="col" { (lang.t("日期", "Date")) }
                    th scope="col" { (lang.t("结果", "Outcome")) }
                    th scope="col" { (lang.t("核验码", "Verification code")) }
                } }
                tbody { @for o in &outcomes { (outcome_row(lang, o)) } }
            }
        }
        p { a id="back-to-list" href={ "/ui/office/visits?lang=" (lang.code()) } { (lang.t("← 返回检查列表", "← Back to the visits")) } }
    };
    framed(
        &session,
        None,
        lang.t("确认结果", "What was confirmed"),
        Ok(body),
    )
}

fn outcome_row(lang: super::Lang, o: &ConfirmOutcome) -> Markup {
    html! {
        tr data-visit=(o.visit_id) data-confirmed=(o.confirmed) {
            td { a href={ "/ui/office/visits/" (o.visit_id) "?lang=" (lang.code()) } { (lang.t("查看", "Open")) } }
            td { @if let Some(d) = o.date { (d) } }
            td {
                @if o.confirmed {
                    (lang.t("已确认", "confirmed"))
                } @else {
                    span class="warn" { (lang.t("未确认", "not confirmed")) } " "
                    (o.reason.as_deref().map(|r| words::conflict(lang, r)).unwrap_or_default())
                }
            }
            td class="code" { (o.verification_code.as_deref().unwrap_or("")) }
        }
    }
}

/// What a redirect after a decision says on the visit's page.
fn done_words(key: Option<&str>) -> Option<(&'static str, &'static str)> {
    match key? {
        "confirmed" => Some(("检查已确认。", "The visit is confirmed.")),
        "rescheduled" => Some(("检查已改期。", "The visit is rescheduled.")),
        "cancelled" => Some(("检查已取消。", "The visit is cancelled.")),
        _ => None,
    }
}

async fn visit_body(
    state: &AppState,
    session: &Session,
    id: Uuid,
    raw: Option<&str>,
    answer: Option<&Answer>,
) -> Result<(String, Markup), ApiError> {
    let lang = session.lang;
    let today = state.clock.today();
    let mut v = visits::get_visit(&state.db, &session.caller, today, id).await?;
    Names::of(state, lang).await?.visit(&mut v);
    let status = v.status.as_str();
    let can_confirm = status == "proposed";
    let can_move = matches!(status, "proposed" | "confirmed");
    let said_done = done_words(query_value(raw, "done").as_deref());
    let body = html! {
        (office_links(lang))
        p { a href={ "/ui/office/visits?lang=" (lang.code()) } { (lang.t("← 返回检查列表", "← Back to the visits")) } }
        (done(lang, said_done))
        @for form in ["confirm", "reschedule", "cancel"] { (said(lang, answer, Some(v.id), form)) }
        dl class="figures" {
            div { dt { (lang.t("日期", "Date")) } dd id="visit-date" data-value=(v.date) { (v.date) } }
            div { dt { (lang.t("状态", "Status")) } dd id="visit-status" data-value=(v.status) { (words::visit_status(lang, status)) } }
            div { dt { (lang.t("检查部门", "Agencies")) } dd { (agencies_of(lang, &v)) } }
        }
        @if can_confirm {
            h2 { (lang.t("确认", "Confirm")) }
            form method="post" action={ "/ui/office/visits/" (v.id) "/confirm" } {
                (hidden(session))
                button type="submit" id="confirm" { (lang.t("确认此检查", "Confirm this visit")) }
            }
        }
        @if can_move {
            h2 { (lang.t("改期", "Reschedule")) }
            form class="stack" method="post" action={ "/ui/office/visits/" (v.id) "/reschedule" } {
                (hidden(session))
                label for="date" { (lang.t("新日期", "New date"))
                    input id="date" name="date" type="date" min=(today) required;
                    (field_error(lang, answer, (Some(v.id), "reschedule"), "date"))
                }
                label for="reschedule-reason" { (lang.t("原因", "Reason"))
                    textarea id="reschedule-reason" name="reason" rows="2" required {}
                    (field_error(lang, answer, (Some(v.id), "reschedule"), "reason"))
                }
                button type="submit" id="reschedule" { (lang.t("改期", "Reschedule")) }
            }
            h2 { (lang.t("取消", "Cancel")) }
            form class="stack" method="post" action={ "/ui/office/visits/" (v.id) "/cancel" } {
                (hidden(session))
                label for="cancel-reason" { (lang.t("原因", "Reason"))
                    textarea id="cancel-reason" name="reason" rows="2" required {}
                    (field_error(lang, answer, (Some(v.id), "cancel"), "reason"))
                }
                button type="submit" id="cancel" { (lang.t("取消此检查", "Cancel this visit")) }
            }
        }
    };
    Ok((v.enterprise_name, body))
}

async fn render_visit(
    state: &AppState,
    session: &Session,
    id: Uuid,
    raw: Option<&str>,
    answer: Option<&Answer>,
) -> Response {
    match visit_body(state, session, id, raw, answer).await {
        Ok((name, body)) => framed(session, answer, &name, Ok(body)),
        Err(err) => office_forms::error_page(session, err),
    }
}

/// `/ui/office/visits/{id}`: one visit, with the decisions its status allows.
pub async fn visit(
    State(state): State<AppState>,
    Office(session): Office,
    Path(id): Path<Uuid>,
    RawQuery(raw): RawQuery,
) -> Response {
    render_visit(&state, &session, id, raw.as_deref(), None).await
}

/// A decision on one visit.
enum Decision {
    Confirm,
    Reschedule,
    Cancel,
}

impl Decision {
    /// What the visit's page says after it.
    fn done(&self) -> &'static str {
        match self {
            Self::Confirm => "confirmed",
            Self::Reschedule => "rescheduled",
            Self::Cancel => "cancelled",
        }
    }

    /// Its form on the visit's page.
    fn form(&self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Reschedule => "reschedule",
            Self::Cancel => "cancel",
        }
    }
}

async fn decide(
    state: &AppState,
    session: Session,
    headers: &HeaderMap,
    id: Uuid,
    body: &Bytes,
    decision: Decision,
) -> Response {
    let (session, fields) = match office_forms::read(session, headers, body) {
        Ok(read) => read,
        Err(refusal) => return *refusal,
    };
    let cx = context(state);
    let caller = &session.caller;
    let reason = fields.get("reason").to_owned();
    let result = match decision {
        Decision::Confirm => visit_actions::confirm_visit(cx, caller, id)
            .await
            .map_err(ApiError::from),
        Decision::Reschedule => match fields.date("date") {
            Ok(date) => {
                let body = RescheduleBody { date, reason };
                visit_actions::reschedule_visit(cx, caller, id, &body)
                    .await
                    .map_err(ApiError::from)
            }
            Err(err) => Err(err),
        },
        Decision::Cancel => {
            let body = CancelBody { reason };
            visit_actions::cancel_visit(cx, caller, id, &body)
                .await
                .map_err(ApiError::from)
        }
    };
    match result {
        Ok(_) => see_other(&format!(
            "/ui/office/visits/{id}?lang={}&done={}",
            session.lang.code(),
            decision.done()
        )),
        Err(err) => match office_forms::on_page(Answer::new(Some(id), decision.form(), err)) {
            Ok(answer) => render_visit(state, &session, id, None, Some(&answer)).await,
            Err(err) => office_forms::error_page(&session, err),
        },
    }
}

/// Confirms one visit (as `POST /visits/{id}/confirm`).
pub async fn confirm(
    State(state): State<AppState>,
    Office(session): Office,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Response {
    decide(&state, session, &headers, id, &body, Decision::Confirm).await
}

/// Moves a visit to another day with a reason (as `POST /visits/{id}/reschedule`).
pub async fn reschedule(
    State(state): State<AppState>,
    Office(session): Office,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Response {
    decide(&state, session, &headers, id, &body, Decision::Reschedule).await
}

/// Cancels a visit with a reason (as `POST /visits/{id}/cancel`).
pub async fn cancel(
    State(state): State<AppState>,
    Office(session): Office,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Response {
    decide(&state, session, &headers, id, &body, Decision::Cancel).await
}
