//! The office's re-plan of a horizon (as `POST /plans/replan`): a preview of what would
//! change — visits added and removed, requests newly placed, left out or moved — and
//! the form that applies exactly that preview. The preview carries the schedule's
//! version; applying it after someone changed the schedule is refused with a clear
//! message and a fresh preview to look at.

use super::Lang;
use super::office::Office;
use super::office_forms::{self, Answer, Fields, field_error, framed, hidden, office_links, said};
use super::session::Session;
use crate::app::AppState;
use crate::http::error::ApiError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use maud::{Markup, html};
use onevisit_service::plans::{self, ReplanBody};
use onevisit_service::replan::{ReplanSummary, VisitChange};

const FORM: &str = "replan";

/// The horizon form, with the days shown.
fn horizon_form(
    session: &Session,
    (start, end): (NaiveDate, NaiveDate),
    answer: Option<&Answer>,
) -> Markup {
    let lang = session.lang;
    html! {
        (said(lang, answer, None, FORM))
        form class="filters" method="post" action="/ui/office/replan" id="preview-form" {
            (hidden(session))
            label for="start" { (lang.t("开始日期", "Start"))
                input id="start" name="start" type="date" value=(start) required;
                (field_error(lang, answer, (None, FORM), "start"))
            }
            label for="end" { (lang.t("结束日期", "End"))
                input id="end" name="end" type="date" value=(end) required;
                (field_error(lang, answer, (None, FORM), "end"))
            }
            button type="submit" id="preview" { (lang.t("预览变化", "Preview the changes")) }
        }
    }
}

fn visit_list(lang: Lang, id: &str, title: &str, visits: &[VisitChange]) -> Markup {
    html! {
        h3 { (title) " · " (visits.len()) }
        @if !visits.is_empty() {
            ul id=(id) {
                @for v in visits {
                    li data-enterprise=(v.enterprise_id) { time datetime=(v.date) { (v.date) } " · " (v.enterprise) }
                }
            }
        } @else {
            p { (lang.t("没有。", "None.")) }
        }
    }
}

/// What a re-plan changes (or changed, once applied).
fn summary(lang: Lang, s: &ReplanSummary) -> Markup {
    let figure = |id: &str, label: &str, value: u64| {
        html! { div { dt { (label) } dd id=(id) data-value=(value) { (value) } } }
    };
    let day = |d: Option<NaiveDate>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
    html! {
        dl class="figures" {
            (figure("rp-visits-before", lang.t("现有检查", "Visits now"), s.visits_before))
            (figure("rp-visits-after", lang.t("重排后检查", "Visits after"), s.visits_after))
            (figure("rp-placed", lang.t("新安排的请求", "Requests newly placed"), s.newly_scheduled))
            (figure("rp-unplaced", lang.t("无法安排的请求", "Requests left out"), s.newly_unscheduled))
            (figure("rp-moved", lang.t("改期的请求", "Requests moved"), s.moved))
        }
        (visit_list(lang, "rp-added", lang.t("新增的检查", "Visits added"), &s.visits_added))
        (visit_list(lang, "rp-removed", lang.t("撤销的检查", "Visits removed"), &s.visits_removed))
        h3 { (lang.t("请求的变化", "Requests that change")) " · " (s.changes.len()) }
        @if !s.changes.is_empty() {
            div class="scroll" {
                table id="rp-changes" {
                    thead { tr {
                        th scope="col" { (lang.t("企业", "Enterprise")) }
                        th scope="col" { (lang.t("部门", "Agency")) }
                        th scope="col" { (lang.t("原日期", "From")) }
                        th scope="col" { (lang.t("新日期", "To")) }
                        th scope="col" { (lang.t("无法安排的原因", "Why not placed")) }
                    } }
                    tbody {
                        @for c in &s.changes {
                            tr data-request=(c.request_id) {
                                td { (c.enterprise) }
                                td { (c.agency) }
                                td { (day(c.from)) }
                                td { (day(c.to)) }
                                td { (c.reason.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The preview and the form applying it.
fn preview_body(session: &Session, s: &ReplanSummary, answer: Option<&Answer>) -> Markup {
    let lang = session.lang;
    html! {
        (office_links(lang))
        (horizon_form(session, (s.start, s.end), answer))
        h2 id="preview-title" { (lang.t("预览（尚未应用）", "Preview (not applied yet)")) " " (s.start) " – " (s.end) }
        (summary(lang, s))
        form method="post" action="/ui/office/replan/apply" id="apply-form" {
            (hidden(session))
            input type="hidden" name="start" value=(s.start);
            input type="hidden" name="end" value=(s.end);
            input type="hidden" name="version" value=(s.version);
            p { button type="submit" id="apply" { (lang.t("应用此预览", "Apply this preview")) } }
        }
    }
}

fn page(session: &Session, answer: Option<&Answer>, body: Markup) -> Response {
    framed(
        session,
        answer,
        session.lang.t("重新排期", "Re-plan"),
        Ok(body),
    )
}

/// `/ui/office/replan`: the horizon to re-plan (the next four weeks, unless changed).
pub async fn form(State(state): State<AppState>, Office(session): Office) -> Response {
    let today = state.clock.today();
    let lang = session.lang;
    let body = html! {
        (office_links(lang))
        p { (lang.t(
            "重新排期会按规则重新安排期间内所有拟定的检查（已确认的不动）。先预览变化，再决定是否应用。",
            "A re-plan plans every proposed visit of the period again by the rules (confirmed ones stay). Preview the changes first, then decide whether to apply them.",
        )) }
        (horizon_form(&session, (today, today + Duration::days(27)), None))
    };
    page(&session, None, body)
}

/// The horizon of a posted form.
fn horizon(fields: &Fields) -> Result<(NaiveDate, NaiveDate), ApiError> {
    match (fields.date("start"), fields.date("end")) {
        (Ok(start), Ok(end)) => Ok((start, end)),
        (Err(ApiError::Validation(mut a)), Err(ApiError::Validation(b))) => {
            a.extend(b);
            Err(ApiError::Validation(a))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// Runs the preview (as `POST /plans/replan` without `apply`), or applies one.
async fn run(
    state: &AppState,
    session: &Session,
    fields: &Fields,
    apply: bool,
) -> Result<ReplanSummary, ApiError> {
    let (start, end) = horizon(fields)?;
    let version = fields.get("version");
    let body = ReplanBody {
        start,
        end,
        apply,
        // An apply always names the preview it applies.
        version: apply.then(|| version.to_owned()),
    };
    Ok(plans::replan_horizon(&state.db, &state.calendar, &session.caller, &body).await?)
}

/// The answer to a form that failed: the form again with what was wrong, or the error page.
fn refused_form(session: &Session, fields: &Fields, err: ApiError) -> Response {
    let answer = match office_forms::on_page(Answer::new(None, FORM, err)) {
        Ok(answer) => answer,
        Err(err) => return office_forms::error_page(session, err),
    };
    let today = fields.date("start").unwrap_or_default();
    let days = horizon(fields).unwrap_or((today, today));
    let body = html! {
        (office_links(session.lang))
        (horizon_form(session, days, Some(&answer)))
    };
    page(session, Some(&answer), body)
}

/// Shows the preview of the posted horizon.
pub async fn preview(
    State(state): State<AppState>,
    Office(session): Office,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (session, fields) = match office_forms::read(session, &headers, &body) {
        Ok(read) => read,
        Err(refusal) => return *refusal,
    };
    match run(&state, &session, &fields, false).await {
        Ok(s) => page(&session, None, preview_body(&session, &s, None)),
        Err(err) => refused_form(&session, &fields, err),
    }
}

/// Applies the posted preview, if the schedule is still the one it was computed from;
/// else says so, with a fresh preview to apply instead.
pub async fn apply(
    State(state): State<AppState>,
    Office(session): Office,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (session, fields) = match office_forms::read(session, &headers, &body) {
        Ok(read) => read,
        Err(refusal) => return *refusal,
    };
    let lang = session.lang;
    match run(&state, &session, &fields, true).await {
        Ok(s) => {
            let body = html! {
                (office_links(lang))
                h2 id="applied" { (lang.t("已应用", "Applied")) " " (s.start) " – " (s.end) }
                (summary(lang, &s))
                p { a href={ "/ui/office/visits?lang=" (lang.code()) } { (lang.t("查看拟定的检查", "See the proposed visits")) } }
            };
            page(&session, None, body)
        }
        Err(ApiError::Conflict(why)) => {
            let answer = Answer::new(None, FORM, ApiError::Conflict(why));
            // The schedule as it is now, to look at again before applying.
            match run(&state, &session, &fields, false).await {
                Ok(fresh) => page(
                    &session,
                    Some(&answer),
                    preview_body(&session, &fresh, Some(&answer)),
                ),
                Err(err) => refused_form(&session, &fields, err),
            }
        }
        Err(err) => refused_form(&session, &fields, err),
    }
}
