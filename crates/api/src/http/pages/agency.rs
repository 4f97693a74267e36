//! The agency clerk's pages: the agency's requests and where each landed, its visits as
//! a calendar of the coming weeks, booking a request (find the enterprise, then the
//! form, answered at once with the placement), cancelling one with a reason, and its
//! inspectors' leave and conflicts of interest. Each reads and writes through the
//! service functions the JSON API calls, so a page shows what the API shows the clerk.

use super::session::{Session, csrf_holds, new_csrf};
use super::{
    Lang, Names, agencies_of, failed, form_lang, layout, page_with_status, refused, see_other,
    words,
};
use crate::app::AppState;
use crate::auth::Role;
use crate::http::error::ApiError;
use crate::http::pagination::PageQuery;
use axum::Form;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate};
use maud::{Markup, PreEscaped, html};
use onevisit_domain::VisitStatus;
use onevisit_service::enterprises::{self, EnterpriseFilter, EnterpriseView};
use onevisit_service::inspectors::{self, ConflictView, Conflicts, InspectorView, Unavailable};
use onevisit_service::planning::joinable;
use onevisit_service::requests::{
    self, BookingBody, BookingResponse, PlacedRequest, RequestFilter,
};
use onevisit_service::views::{RequestView, VisitView};
use onevisit_service::visits::{self, VisitFilter};
use onevisit_service::{FieldError, ServiceError, agencies};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Requests on one page of the list.
const PAGE: u64 = 20;
/// Weeks the calendar shows, this one first.
const WEEKS: i64 = 6;
/// Enterprises a search shows.
const FOUND: u64 = 20;

/// What only these pages need of a style sheet: the week calendar (seven columns, a list
/// of the days with visits at phone width) and tables that become cards on a phone.
const DESK_STYLE: &str = r#"
nav.desk{display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:.2rem 0 .6rem}
ol.weeks{list-style:none;padding:0;margin:0}
ol.weeks>li>h3{font-size:1rem;margin:.8rem 0 .3rem}
ol.days{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(7,minmax(0,1fr));gap:.25rem}
ol.days>li{border:1px solid #8a8a8a;border-radius:.25rem;padding:.25rem;min-height:4rem;font-size:.85rem;overflow-wrap:anywhere}
ol.days>li.today{border:2px solid #0b3d6e}
ol.days ul{list-style:none;padding:0;margin:0}
ol.days ul li{border-top:1px solid #ddd;padding:.15rem 0}
.field-error{color:#7a1010;font-weight:600;margin:.1rem 0}
.pager{display:flex;flex-wrap:wrap;gap:.3rem 1rem;list-style:none;padding:0}
section.inspector{border:1px solid #8a8a8a;border-radius:.3rem;padding:.2rem .8rem;margin:.6rem 0}
section.inspector h3{font-size:1rem;margin:.4rem 0}
ul.plain{list-style:none;padding:0}
ul.plain li{display:flex;flex-wrap:wrap;gap:.3rem .8rem;align-items:center;margin:.2rem 0}
td,li,p{overflow-wrap:anywhere}
@media (max-width:40rem){
ol.days{display:block}
ol.days>li{min-height:0;margin-bottom:.25rem}
ol.days>li.empty{display:none}
table.cards thead{display:none}
table.cards tr{display:block;border-bottom:1px solid #bbb;padding:.3rem 0}
table.cards td{display:block;border:0;padding:.1rem .2rem}
table.cards td[data-label]::before{content:attr(data-label) "：";font-weight:600}
}
"#;

/// An agency clerk's session and agency; anyone else gets the page that refuses them.
#[derive(Debug)]
pub struct AgencyUser(Session);

impl FromRequestParts<AppState> for AgencyUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        match (session.caller.role, session.caller.agency_id) {
            (Role::Agency, Some(_)) => Ok(Self(session)),
            _ => Err(refused(&session)),
        }
    }
}

/// A page of the agency's desk: the frame, its own style and the desk's links.
fn desk(session: &Session, title: &str, body: Markup) -> Markup {
    let lang = session.lang;
    let code = lang.code();
    layout(
        lang,
        title,
        Some(session),
        html! {
            style { (PreEscaped(DESK_STYLE)) }
            nav class="desk" aria-label=(lang.t("部门工作台", "Agency desk")) {
                a id="nav-home" href={ "/ui/agency?lang=" (code) } { (lang.t("我的请求与检查", "Requests and visits")) }
                a id="nav-book" href={ "/ui/agency/book?lang=" (code) } { (lang.t("预约检查", "Book an inspection")) }
                a id="nav-inspectors" href={ "/ui/agency/inspectors?lang=" (code) } { (lang.t("检查人员", "Inspectors")) }
            }
            (body)
        },
    )
}

/// A query string without its `lang` and its empty values (a GET form sends every
/// field, filled or not).
fn filled(raw: Option<&str>) -> String {
    let pairs = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .filter(|(k, v)| k != "lang" && !v.trim().is_empty());
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The agency's name, for the pages' titles.
async fn agency_name(
    state: &AppState,
    session: &Session,
    names: &Names,
) -> Result<String, ApiError> {
    let own = session.caller.agency_id;
    Ok(agencies::list(&state.db)
        .await?
        .into_iter()
        .find(|a| Some(a.id) == own)
        .map_or_else(
            || session.caller.username.clone(),
            |a| names.agency(&a.code, &a.name).to_owned(),
        ))
}

/// The filters of the request list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HomeQuery {
    status: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    offset: Option<u64>,
}

const STATUSES: [&str; 4] = ["open", "scheduled", "unscheduled", "cancelled"];

/// Where a request landed: its joint visit with every agency in it, or why it is not placed.
fn landing(lang: Lang, request: &RequestView, visit: Option<&VisitView>) -> Markup {
    html! {
        @if let Some(visit) = visit {
            span class="landing" data-visit=(visit.id) {
                (lang.t("联合检查 ", "Joint visit "))
                time datetime=(visit.date) { (visit.date) }
                " (" (words::visit_status(lang, &visit.status)) ") · "
                (lang.t("参加部门：", "agencies: "))
                span class="agencies" {
                    (agencies_of(lang, visit))
                }
            }
        } @else if let Some(reason) = &request.unscheduled_reason {
            span class="landing" data-reason=(reason) {
                (lang.t("未安排：", "Not placed: ")) (words::unscheduled_reason(lang, reason))
            }
        } @else {
            span class="landing" { (words::request_status(lang, &request.status)) }
        }
    }
}

fn window(request: &RequestView) -> Markup {
    html! {
        time datetime=(request.earliest) { (request.earliest) } " – "
        time datetime=(request.latest) { (request.latest) }
    }
}

fn request_table(lang: Lang, rows: &[PlacedRequest]) -> Markup {
    let enterprise = lang.t("企业", "Enterprise");
    let kind = lang.t("类型", "Kind");
    let span = lang.t("时间窗口", "Window");
    let status = lang.t("状态", "Status");
    let placed = lang.t("安排", "Where it landed");
    html! {
        table id="requests" class="cards" {
            thead { tr {
                th scope="col" { (enterprise) }
                th scope="col" { (kind) }
                th scope="col" { (span) }
                th scope="col" { (status) }
                th scope="col" { (placed) }
            } }
            tbody {
                @for row in rows {
                    @let r = &row.request;
                    tr id={ "request-" (r.id) } data-request=(r.id) data-status=(r.status) {
                        td data-label=(enterprise) {
                            a href={ "/ui/agency/requests/" (r.id) "?lang=" (lang.code()) } { (row.enterprise_name) }
                        }
                        td data-label=(kind) { (words::request_kind(lang, &r.kind)) }
                        td data-label=(span) { (window(r)) }
                        td data-label=(status) class="status" { (words::request_status(lang, &r.status)) }
                        td data-label=(placed) { (landing(lang, r, row.visit.as_ref())) }
                    }
                }
            }
        }
    }
}

fn filter_form(lang: Lang, query: &HomeQuery) -> Markup {
    html! {
        form class="filters" method="get" action="/ui/agency" aria-label=(lang.t("筛选请求", "Filter the requests")) {
            input type="hidden" name="lang" value=(lang.code());
            label for="status" { (lang.t("状态", "Status"))
                select id="status" name="status" {
                    option value="" { (lang.t("全部", "All")) }
                    @for s in STATUSES {
                        option value=(s) selected[query.status.as_deref() == Some(s)] { (words::request_status(lang, s)) }
                    }
                }
            }
            label for="from" { (lang.t("窗口结束不早于", "Window ends on or after"))
                input id="from" name="from" type="date" value=[query.from];
            }
            label for="to" { (lang.t("窗口开始不晚于", "Window starts on or before"))
                input id="to" name="to" type="date" value=[query.to];
            }
            button type="submit" id="apply-filters" { (lang.t("筛选", "Apply")) }
        }
    }
}

/// Links to the previous and next pages of the list, with the same filters.
fn pager(lang: Lang, raw: Option<&str>, offset: u64, shown: usize, total: u64) -> Markup {
    let link = |offset: u64| {
        let pairs = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .filter(|(k, _)| k != "offset" && k != "lang")
            .collect::<Vec<_>>();
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(pairs);
        query.append_pair("offset", &offset.to_string());
        query.append_pair("lang", lang.code());
        format!("/ui/agency?{}", query.finish())
    };
    let end = offset + u64::try_from(shown).unwrap_or(0);
    html! {
        ul class="pager" {
            li id="range" { (offset + u64::from(shown > 0)) "–" (end) " / " (total) }
            @if offset > 0 {
                li { a id="previous" rel="prev" href=(link(offset.saturating_sub(PAGE))) { (lang.t("上一页", "Previous")) } }
            }
            @if end < total {
                li { a id="next" rel="next" href=(link(end)) { (lang.t("下一页", "Next")) } }
            }
        }
    }
}

/// The agency's visits of the coming weeks, week by week from this week's Monday.
fn calendar(lang: Lang, today: NaiveDate, visits: &[VisitView]) -> Markup {
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let mut by_day: BTreeMap<NaiveDate, Vec<&VisitView>> = BTreeMap::new();
    for v in visits.iter().filter(|v| v.status != "cancelled") {
        by_day.entry(v.date).or_default().push(v);
    }
    let weekdays = [
        lang.t("周一", "Mon"),
        lang.t("周二", "Tue"),
        lang.t("周三", "Wed"),
        lang.t("周四", "Thu"),
        lang.t("周五", "Fri"),
        lang.t("周六", "Sat"),
        lang.t("周日", "Sun"),
    ];
    html! {
        ol class="weeks" id="calendar" {
            @for week in 0..WEEKS {
                @let start = monday + Duration::days(7 * week);
                @let days: Vec<NaiveDate> = (0..7).map(|d| start + Duration::days(d)).collect();
                @let busy = days.iter().any(|d| by_day.contains_key(d));
                li {
                    h3 { (lang.t("周起始 ", "Week of ")) time datetime=(start) { (start) } }
                    @if busy {
                        ol class="days" {
                            @for (i, day) in days.iter().enumerate() {
                                @let on = by_day.get(day);
                                li class={ @if on.is_none() { "empty" } @if *day == today { " today" } } data-day=(day) {
                                    strong { (weekdays[i]) " " (day.format("%m-%d").to_string()) }
                                    @if let Some(on) = on {
                                        ul {
                                            @for v in on {
                                                li class="visit" data-visit=(v.id) {
                                                    (v.enterprise_name) br;
                                                    (words::visit_status(lang, &v.status)) " · "
                                                    (agencies_of(lang, v))
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    } @else {
                        p class="quiet-week" { (lang.t("本周没有检查。", "No visits this week.")) }
                    }
                }
            }
        }
    }
}

/// `/ui/agency`: the agency's requests (filtered, paged) and its visits' calendar.
pub async fn home(
    State(state): State<AppState>,
    AgencyUser(session): AgencyUser,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = session.lang;
    let today = state.clock.today();
    let result = async {
        let mut query: HomeQuery = crate::http::json::parse_query(&filled(raw.as_deref()))?;
        // The requests still ahead, unless the clerk asks otherwise (an emptied field is
        // sent as `from=` and means any).
        let asked_from = form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes())
            .any(|(k, _)| k == "from");
        if !asked_from {
            query.from = Some(today);
        }
        if let Some(status) = &query.status
            && !STATUSES.contains(&status.as_str())
        {
            return Err(ApiError::field(
                "status",
                format!(
                    "unknown value {status:?}; expected one of {}",
                    STATUSES.join(", ")
                ),
            ));
        }
        let (limit, offset) = PageQuery {
            limit: Some(PAGE),
            offset: query.offset,
        }
        .resolve()?;
        let filter = RequestFilter {
            status: query.status.clone(),
            enterprise_id: None,
            agency: None,
            from: query.from,
            to: query.to,
            limit: None,
            offset: None,
        };
        let names = Names::of(&state, lang).await?;
        let (mut rows, total) =
            requests::list_placed(&state.db, &session.caller, today, &filter, (limit, offset))
                .await?;
        rows.iter_mut()
            .filter_map(|row| row.visit.as_mut())
            .for_each(|v| names.visit(v));
        let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
        let weeks = VisitFilter {
            from: Some(monday),
            to: Some(monday + Duration::days(7 * WEEKS - 1)),
            status: None,
            enterprise_id: None,
            agency: None,
            limit: None,
            offset: None,
        };
        let (mut visits, _) = visits::list_visits(
            &state.db,
            &session.caller,
            today,
            &weeks,
            (crate::http::pagination::MAX_LIMIT, 0),
        )
        .await?;
        visits.iter_mut().for_each(|v| names.visit(v));
        let name = agency_name(&state, &session, &names).await?;
        let body = html! {
            h2 { (lang.t("我的检查请求", "Our inspection requests")) }
            (filter_form(lang, &query))
            @if rows.is_empty() {
                p id="no-requests" { (lang.t("没有符合条件的请求。", "No requests match.")) }
            } @else {
                (request_table(lang, &rows))
            }
            (pager(lang, raw.as_deref(), offset, rows.len(), total))
            h2 { (lang.t("未来几周的检查", "Visits of the coming weeks")) }
            (calendar(lang, today, &visits))
        };
        Ok::<_, ApiError>((name, body))
    }
    .await;
    match result {
        Ok((name, body)) => desk(&session, &name, body).into_response(),
        Err(err) => failed(lang, Some(&session), err),
    }
}

/// The search step of booking: which enterprise, by name or credit code.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BookQuery {
    q: Option<String>,
    enterprise: Option<Uuid>,
}

fn search_form(lang: Lang, q: &str) -> Markup {
    html! {
        form class="filters" method="get" action="/ui/agency/book" role="search" {
            input type="hidden" name="lang" value=(lang.code());
            label for="q" { (lang.t("企业名称或统一社会信用代码", "Enterprise name or credit code"))
                input id="q" name="q" value=(q) required;
            }
            button type="submit" id="search" { (lang.t("查找", "Search")) }
        }
    }
}

fn found_list(lang: Lang, q: &str, found: &[EnterpriseView], total: u64) -> Markup {
    html! {
        @if found.is_empty() {
            p id="none-found" { (lang.t("没有找到企业：", "No enterprise found for: ")) (q) }
        } @else {
            p { (lang.t("找到 ", "Found ")) (total) (lang.t(" 家", "")) @if total > FOUND { (lang.t("，显示前 20 家", "; the first 20 shown")) } }
            ul class="plain" id="found" {
                @for e in found {
                    li data-enterprise=(e.id) {
                        span { (e.name) } span class="code" { (e.credit_code) } span { (e.district) }
                        a class="pick" href={ "/ui/agency/book?enterprise=" (e.id) "&lang=" (lang.code()) } { (lang.t("选择", "Choose")) }
                    }
                }
            }
        }
    }
}

/// What the booking form holds, as typed: kept when the form comes back with errors.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BookForm {
    csrf: String,
    lang: Option<String>,
    /// Made when the form was drawn: a second submission of the same form books nothing.
    key: String,
    enterprise_id: String,
    kind: String,
    earliest: String,
    latest: String,
    team_size: String,
}

impl BookForm {
    /// A fresh form for `enterprise`: the window from tomorrow to two weeks on.
    fn fresh(enterprise: Uuid, today: NaiveDate) -> Self {
        Self {
            key: new_csrf(),
            enterprise_id: enterprise.to_string(),
            kind: "routine".to_owned(),
            earliest: (today + Duration::days(1)).to_string(),
            latest: (today + Duration::days(14)).to_string(),
            team_size: "2".to_owned(),
            ..Self::default()
        }
    }
}

/// The errors on `field`, next to it.
fn errors_of(lang: Lang, errors: &[FieldError], field: &str) -> Markup {
    html! {
        @for e in errors.iter().filter(|e| e.field == field) {
            p class="field-error" id={ "error-" (field) } { (words::field_message(lang, &e.message)) }
        }
    }
}

/// Every error, by field name, above the form.
fn error_summary(lang: Lang, errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="error" role="alert" id="form-errors" {
                p { (lang.t("以下内容有误：", "Please correct:")) }
                ul { @for e in errors {
                    li { (words::field(lang, &e.field)) ": " (words::field_message(lang, &e.message)) }
                } }
            }
        }
    }
}

fn booking_form(
    session: &Session,
    enterprise: &EnterpriseView,
    form: &BookForm,
    errors: &[FieldError],
) -> Markup {
    let lang = session.lang;
    let kinds = ["routine", "follow_up", "urgent"];
    html! {
        h2 { (lang.t("预约检查：", "Book an inspection: ")) (enterprise.name) }
        p { span class="code" { (enterprise.credit_code) } " · " (enterprise.district) }
        (error_summary(lang, errors))
        form class="stack" method="post" action="/ui/agency/book" id="booking" {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="lang" value=(lang.code());
            input type="hidden" name="key" value=(form.key);
            input type="hidden" name="enterprise_id" value=(form.enterprise_id);
            (errors_of(lang, errors, "enterprise_id"))
            label for="kind" { (lang.t("检查类型（紧急检查优先安排）", "Kind (urgent ones are placed first)"))
                select id="kind" name="kind" {
                    @for k in kinds {
                        option value=(k) selected[form.kind == k] { (words::request_kind(lang, k)) }
                    }
                }
            }
            (errors_of(lang, errors, "kind"))
            label for="earliest" { (lang.t("最早日期", "Earliest day"))
                input id="earliest" name="earliest" type="date" required value=(form.earliest);
            }
            (errors_of(lang, errors, "earliest"))
            label for="latest" { (lang.t("最晚日期", "Latest day"))
                input id="latest" name="latest" type="date" required value=(form.latest);
            }
            (errors_of(lang, errors, "latest"))
            label for="team_size" { (lang.t("检查人数（1–20）", "Team size (1–20)"))
                input id="team_size" name="team_size" type="number" min="1" max="20" required value=(form.team_size);
            }
            (errors_of(lang, errors, "team_size"))
            button type="submit" id="book" { (lang.t("预约", "Book")) }
        }
        p { a href={ "/ui/agency/book?lang=" (lang.code()) } { (lang.t("换一家企业", "Choose another enterprise")) } }
    }
}

/// `/ui/agency/book`: find the enterprise (`?q=`), then the form for the one chosen
/// (`?enterprise=`).
pub async fn book_form(
    State(state): State<AppState>,
    AgencyUser(session): AgencyUser,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = session.lang;
    let title = lang.t("预约检查", "Book an inspection");
    let result = async {
        let query: BookQuery = crate::http::json::parse_query(&filled(raw.as_deref()))?;
        if let Some(id) = query.enterprise {
            let enterprise = enterprises::get_enterprise(&state.db, &session.caller, id).await?;
            let form = BookForm::fresh(id, state.clock.today());
            return Ok(booking_form(&session, &enterprise, &form, &[]));
        }
        let q = query.q.unwrap_or_default();
        let found = if q.trim().is_empty() {
            None
        } else {
            let filter = EnterpriseFilter {
                district: None,
                sector: None,
                status: None,
                credit_code: None,
                q: Some(q.clone()),
                limit: None,
                offset: None,
            };
            let names = Names::of(&state, lang).await?;
            let (mut found, total) =
                enterprises::list_enterprises(&state.db, &session.caller, &filter, (FOUND, 0))
                    .await?;
            found.iter_mut().for_each(|e| names.enterprise(e));
            Some((found, total))
        };
        Ok::<_, ApiError>(html! {
            h2 { (title) }
            p { (lang.t("先查找企业，再填写检查请求。", "Find the enterprise first, then fill in the request.")) }
            (search_form(lang, &q))
            @if let Some((found, total)) = &found {
                (found_list(lang, &q, found, *total))
            }
        })
    }
    .await;
    match result {
        Ok(body) => desk(&session, title, body).into_response(),
        Err(err) => failed(lang, Some(&session), err),
    }
}

fn parse_date(field: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let parsed = text.trim().parse::<NaiveDate>().ok();
    if parsed.is_none() {
        errors.push(FieldError {
            field: field.to_owned(),
            message: "must be a date like 2026-12-03".to_owned(),
        });
    }
    parsed
}

/// The booking the form asks for, or what is wrong with its fields.
fn booking_of(form: &BookForm) -> Result<BookingBody, Vec<FieldError>> {
    let mut errors = Vec::new();
    let enterprise_id = form.enterprise_id.trim().parse::<Uuid>().ok();
    if enterprise_id.is_none() {
        errors.push(FieldError {
            field: "enterprise_id".to_owned(),
            message: "no such enterprise".to_owned(),
        });
    }
    let earliest = parse_date("earliest", &form.earliest, &mut errors);
    let latest = parse_date("latest", &form.latest, &mut errors);
    let team_size = form.team_size.trim().parse::<i64>().ok();
    if team_size.is_none() {
        errors.push(FieldError {
            field: "team_size".to_owned(),
            message: "must be a whole number".to_owned(),
        });
    }
    match (enterprise_id, earliest, latest, team_size) {
        (Some(enterprise_id), Some(earliest), Some(latest), Some(team_size)) => Ok(BookingBody {
            enterprise_id,
            earliest,
            latest,
            team_size,
            kind: form.kind.trim().to_owned(),
            topics: Vec::new(),
        }),
        _ => Err(errors),
    }
}

/// The answer to a booking: where the request landed.
fn booked_page(session: &Session, answer: &BookingResponse, enterprise: &str) -> Markup {
    let lang = session.lang;
    let r = &answer.request;
    let p = &answer.placement;
    html! {
        div id="placement" data-outcome=(p.outcome) data-request=(r.id) role="status" {
            h2 { (words::placement_outcome(lang, &p.outcome)) }
            p { (enterprise) " · " (words::request_kind(lang, &r.kind)) " · " (window(r)) }
            p { (landing(lang, r, p.visit.as_ref())) }
        }
        p {
            a id="request-link" href={ "/ui/agency/requests/" (r.id) "?lang=" (lang.code()) } { (lang.t("查看此请求", "See this request")) }
            " · "
            a href={ "/ui/agency/book?lang=" (lang.code()) } { (lang.t("再预约一项", "Book another")) }
        }
    }
}

/// Books what the form asks for with its key (as `POST /requests` with
/// `Idempotency-Key`: the same form sent twice books once and answers the same), and
/// answers with the placement, or the form again with its errors.
pub async fn book(
    State(state): State<AppState>,
    AgencyUser(mut session): AgencyUser,
    headers: HeaderMap,
    Form(mut form): Form<BookForm>,
) -> Response {
    session.lang = form_lang(form.lang.as_deref(), session.lang);
    let lang = session.lang;
    if !csrf_holds(&headers, &form.csrf) {
        return refused(&session);
    }
    let title = lang.t("预约检查", "Book an inspection");
    let today = state.clock.today();
    let errors = match booking_of(&form) {
        Ok(body) => {
            let key = Some(form.key.as_bytes());
            match requests::book_request(
                &state.db,
                &state.calendar,
                today,
                &session.caller,
                key,
                &body,
            )
            .await
            {
                Ok(answer) => {
                    let name = match &answer.placement.visit {
                        Some(visit) => visit.enterprise_name.clone(),
                        None => enterprises::get_enterprise(
                            &state.db,
                            &session.caller,
                            body.enterprise_id,
                        )
                        .await
                        .map(|e| e.name)
                        .unwrap_or_default(),
                    };
                    return desk(&session, title, booked_page(&session, &answer, &name))
                        .into_response();
                }
                Err(ServiceError::Invalid(errors)) => errors,
                Err(err) => return failed(lang, Some(&session), err.into()),
            }
        }
        Err(errors) => errors,
    };
    // This form was booked before with other values: a new form, whose key is its own.
    if errors.iter().any(|e| e.field == "Idempotency-Key") {
        form.key = new_csrf();
    }
    let enterprise = match form.enterprise_id.trim().parse::<Uuid>() {
        Ok(id) => enterprises::get_enterprise(&state.db, &session.caller, id).await,
        Err(_) => Err(ServiceError::NotFound),
    };
    match enterprise {
        Ok(enterprise) => page_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            desk(
                &session,
                title,
                booking_form(&session, &enterprise, &form, &errors),
            ),
        ),
        Err(_) => failed(lang, Some(&session), ApiError::Validation(errors)),
    }
}

fn request_page(
    session: &Session,
    row: &PlacedRequest,
    reason: &str,
    errors: &[FieldError],
) -> Markup {
    let lang = session.lang;
    let r = &row.request;
    html! {
        h2 { (row.enterprise_name) }
        dl id="request" data-request=(r.id) data-status=(r.status) {
            dt { (lang.t("类型", "Kind")) } dd { (words::request_kind(lang, &r.kind)) }
            dt { (lang.t("时间窗口", "Window")) } dd { (window(r)) }
            dt { (lang.t("检查人数", "Team size")) } dd { (r.team_size) }
            dt { (lang.t("状态", "Status")) } dd id="request-status" { (words::request_status(lang, &r.status)) }
            dt { (lang.t("安排", "Where it landed")) } dd { (landing(lang, r, row.visit.as_ref())) }
        }
        @if r.status == "cancelled" {
        } @else if !row.visit.as_ref().is_none_or(|v| v.status.parse::<VisitStatus>().is_ok_and(joinable)) {
            p id="not-cancellable" { (lang.t("检查已开始或已结束，不能再取消。", "Its visit has begun or is over: it can no longer be cancelled.")) }
        } @else {
            h2 { (lang.t("取消此请求", "Cancel this request")) }
            (error_summary(lang, errors))
            form class="stack" method="post" action={ "/ui/agency/requests/" (r.id) "/cancel" } id="cancel" {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="lang" value=(lang.code());
                label for="reason" { (lang.t("取消原因", "Why it is cancelled"))
                    textarea id="reason" name="reason" rows="3" required maxlength="2000" { (reason) }
                }
                (errors_of(lang, errors, "reason"))
                button type="submit" id="cancel-request" { (lang.t("取消请求", "Cancel the request")) }
            }
        }
        p { a href={ "/ui/agency?lang=" (lang.code()) } { (lang.t("返回我的请求", "Back to our requests")) } }
    }
}

async fn show_request(
    state: &AppState,
    session: &Session,
    id: Uuid,
    reason: &str,
    errors: &[FieldError],
) -> Response {
    let lang = session.lang;
    match requests::get_placed(&state.db, &session.caller, state.clock.today(), id).await {
        Ok(row) => {
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            page_with_status(
                status,
                desk(
                    session,
                    lang.t("检查请求", "Inspection request"),
                    request_page(session, &row, reason, errors),
                ),
            )
        }
        Err(err) => failed(lang, Some(session), err.into()),
    }
}

/// `/ui/agency/requests/{id}`: one request, where it landed, and the form that cancels it.
pub async fn request(
    State(state): State<AppState>,
    AgencyUser(session): AgencyUser,
    Path(id): Path<Uuid>,
) -> Response {
    show_request(&state, &session, id, "", &[]).await
}

/// The cancel form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CancelForm {
    csrf: String,
    lang: Option<String>,
    reason: String,
}

/// Cancels the request with the reason given (as `POST /requests/{id}/cancel`).
pub async fn cancel(
    State(state): State<AppState>,
    AgencyUser(mut session): AgencyUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(form): Form<CancelForm>,
) -> Response {
    session.lang = form_lang(form.lang.as_deref(), session.lang);
    if !csrf_holds(&headers, &form.csrf) {
        return refused(&session);
    }
    match requests::cancel_request(&state.db, &session.caller, id, Some(&form.reason)).await {
        Ok(_) => see_other(&format!(
            "/ui/agency/requests/{id}?lang={}",
            session.lang.code()
        )),
        Err(ServiceError::Invalid(errors)) => {
            show_request(&state, &session, id, &form.reason, &errors).await
        }
        Err(err) => failed(session.lang, Some(&session), err.into()),
    }
}

fn inspector_section(
    session: &Session,
    inspector: &InspectorView,
    names: &BTreeMap<Uuid, String>,
) -> Markup {
    let lang = session.lang;
    let id = inspector.id;
    let hidden = html! {
        input type="hidden" name="csrf" value=(session.csrf);
        input type="hidden" name="lang" value=(lang.code());
    };
    html! {
        section class="inspector" id={ "inspector-" (id) } aria-labelledby={ "inspector-title-" (id) } {
            h3 id={ "inspector-title-" (id) } { (inspector.name) " " span class="code" { (inspector.code) } }
            h4 { (lang.t("请假（不可派出的日期）", "Leave (days they cannot be sent)")) }
            @if inspector.unavailable.is_empty() {
                p class="no-leave" { (lang.t("没有登记的请假。", "No leave recorded.")) }
            }
            ul class="plain leave" {
                @for day in &inspector.unavailable {
                    li data-day=(day) {
                        time datetime=(day) { (day) }
                        form method="post" action={ "/ui/agency/inspectors/" (id) "/leave" } {
                            (hidden)
                            input type="hidden" name="action" value="remove";
                            input type="hidden" name="day" value=(day);
                            button type="submit" class="remove-leave" { (lang.t("删除", "Remove")) }
                        }
                    }
                }
            }
            form class="filters" method="post" action={ "/ui/agency/inspectors/" (id) "/leave" } {
                (hidden)
                input type="hidden" name="action" value="add";
                label for={ "day-" (id) } { (lang.t("请假日期", "Day of leave"))
                    input id={ "day-" (id) } name="day" type="date" required;
                }
                button type="submit" id={ "add-leave-" (id) } { (lang.t("登记请假", "Record leave")) }
            }
            h4 { (lang.t("利益冲突（回避的企业）", "Conflicts of interest (enterprises to avoid)")) }
            @if inspector.conflicts.is_empty() {
                p class="no-conflicts" { (lang.t("没有申报的利益冲突。", "No conflicts declared.")) }
            }
            ul class="plain conflicts" {
                @for c in &inspector.conflicts {
                    li data-enterprise=(c.enterprise_id) {
                        span { (names.get(&c.enterprise_id).map_or("", String::as_str)) }
                        @if let Some(reason) = &c.reason { span { "（" (reason) "）" } }
                        form method="post" action={ "/ui/agency/inspectors/" (id) "/conflicts" } {
                            (hidden)
                            input type="hidden" name="action" value="remove";
                            input type="hidden" name="enterprise_id" value=(c.enterprise_id);
                            button type="submit" class="remove-conflict" { (lang.t("删除", "Remove")) }
                        }
                    }
                }
            }
            form class="filters" method="post" action={ "/ui/agency/inspectors/" (id) "/conflicts" } {
                (hidden)
                input type="hidden" name="action" value="add";
                label for={ "credit-" (id) } { (lang.t("企业统一社会信用代码", "Enterprise's credit code"))
                    input id={ "credit-" (id) } name="credit_code" required maxlength="18";
                }
                label for={ "why-" (id) } { (lang.t("原因（可选）", "Reason (optional)"))
                    input id={ "why-" (id) } name="reason" maxlength="200";
                }
                button type="submit" id={ "add-conflict-" (id) } { (lang.t("申报利益冲突", "Declare the conflict")) }
            }
        }
    }
}

/// `/ui/agency/inspectors`: the agency's inspectors, their leave and their conflicts.
pub async fn inspectors_page(
    State(state): State<AppState>,
    AgencyUser(session): AgencyUser,
) -> Response {
    let lang = session.lang;
    let title = lang.t("检查人员", "Inspectors");
    let result = async {
        let list = inspectors::list(&state.db, &session.caller).await?;
        let mut names = BTreeMap::new();
        for c in list.iter().flat_map(|i| &i.conflicts) {
            if let std::collections::btree_map::Entry::Vacant(slot) = names.entry(c.enterprise_id) {
                let e = enterprises::get_enterprise(&state.db, &session.caller, c.enterprise_id)
                    .await?;
                slot.insert(format!("{} {}", e.name, e.credit_code));
            }
        }
        Ok::<_, ServiceError>(html! {
            h2 { (title) }
            @if list.is_empty() {
                p { (lang.t("本部门还没有检查人员。", "The agency has no inspectors yet.")) }
            }
            @for inspector in &list {
                (inspector_section(&session, inspector, &names))
            }
        })
    }
    .await;
    match result {
        Ok(body) => desk(&session, title, body).into_response(),
        Err(err) => failed(lang, Some(&session), err.into()),
    }
}

/// A change to an inspector's leave or conflicts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InspectorForm {
    csrf: String,
    lang: Option<String>,
    /// `add` or `remove`.
    action: String,
    day: String,
    credit_code: String,
    reason: String,
    enterprise_id: String,
}

/// Adds or removes, back on the inspectors' page at the inspector's section.
async fn change_inspector<F, Fut>(
    state: &AppState,
    mut session: Session,
    headers: &HeaderMap,
    form: InspectorForm,
    id: Uuid,
    change: F,
) -> Response
where
    F: FnOnce(AppState, Session, InspectorForm, InspectorView) -> Fut,
    Fut: std::future::Future<Output = Result<InspectorView, ServiceError>>,
{
    session.lang = form_lang(form.lang.as_deref(), session.lang);
    if !csrf_holds(headers, &form.csrf) {
        return refused(&session);
    }
    let result = async {
        // The service's own scope: another agency's inspector is not found.
        let inspector = inspectors::get(&state.db, &session.caller, id).await?;
        change(state.clone(), session.clone(), form, inspector).await
    }
    .await;
    match result {
        Ok(_) => see_other(&format!(
            "/ui/agency/inspectors?lang={}#inspector-{id}",
            session.lang.code()
        )),
        Err(err) => failed(session.lang, Some(&session), err.into()),
    }
}

/// Records or removes a day of leave (as `PUT /inspectors/{id}/unavailable`, with the
/// day added to or taken from the inspector's days).
pub async fn leave(
    State(state): State<AppState>,
    AgencyUser(session): AgencyUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(form): Form<InspectorForm>,
) -> Response {
    change_inspector(
        &state,
        session,
        &headers,
        form,
        id,
        |state, session, form, inspector| async move {
            let day = form
                .day
                .trim()
                .parse::<NaiveDate>()
                .map_err(|_| ServiceError::field("day", "must be a date like 2026-12-03"))?;
            let mut days = inspector.unavailable;
            match form.action.as_str() {
                "add" => days.push(day),
                "remove" => days.retain(|d| *d != day),
                _ => return Err(ServiceError::field("action", "must be add or remove")),
            }
            inspectors::set_unavailable(&state.db, &session.caller, id, Unavailable { days }).await
        },
    )
    .await
}

/// Declares or withdraws a conflict of interest with an enterprise (as `PUT
/// /inspectors/{id}/conflicts`, with it added to or taken from the inspector's list).
pub async fn conflicts(
    State(state): State<AppState>,
    AgencyUser(session): AgencyUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(form): Form<InspectorForm>,
) -> Response {
    change_inspector(
        &state,
        session,
        &headers,
        form,
        id,
        |state, session, form, inspector| async move {
            let mut list = inspector.conflicts;
            match form.action.as_str() {
                "add" => {
                    let code = form.credit_code.trim().to_uppercase();
                    let filter = EnterpriseFilter {
                        district: None,
                        sector: None,
                        status: None,
                        credit_code: Some(code),
                        q: None,
                        limit: None,
                        offset: None,
                    };
                    let (found, _) =
                        enterprises::list_enterprises(&state.db, &session.caller, &filter, (1, 0))
                            .await?;
                    let enterprise = found
                        .first()
                        .ok_or_else(|| ServiceError::field("credit_code", "no such enterprise"))?;
                    let reason = form.reason.trim();
                    list.retain(|c| c.enterprise_id != enterprise.id);
                    list.push(ConflictView {
                        enterprise_id: enterprise.id,
                        reason: (!reason.is_empty()).then(|| reason.to_owned()),
                    });
                }
                "remove" => {
                    let gone =
                        form.enterprise_id.trim().parse::<Uuid>().map_err(|_| {
                            ServiceError::field("enterprise_id", "no such enterprise")
                        })?;
                    list.retain(|c| c.enterprise_id != gone);
                }
                _ => return Err(ServiceError::field("action", "must be add or remove")),
            }
            inspectors::set_conflicts(
                &state.db,
                &session.caller,
                id,
                &Conflicts { conflicts: list },
            )
            .await
        },
    )
    .await
}
