//! The coordinating office's dashboard: the load review of `onevisit_service::review` with the same
//! filters as `/review/*`, as figures, a calendar heat map, bars and tables, CSV
//! exports, and the drill-down to one enterprise's timeline.

use super::chart::{self, Bar};
use super::session::Session;
use super::{Lang, failed, layout, refused, with_lang, without_lang, words};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::review::{self as api, ReviewQuery};
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use onevisit_service::agencies;
use onevisit_service::review::{
    self, EnterpriseBurden, HazardReview, OverdueHazard, Overview, Scope,
};
use uuid::Uuid;

/// The office's session; anyone else gets the page that refuses them.
#[derive(Debug)]
pub struct Office(Session);

impl FromRequestParts<AppState> for Office {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        if session.caller.is_office() {
            Ok(Self(session))
        } else {
            Err(refused(&session))
        }
    }
}

/// The review filters of a page's query string (its `lang` is the page's own).
fn filters(raw: Option<&str>) -> Result<ReviewQuery, ApiError> {
    crate::http::json::parse_query(&without_lang(raw))
}

/// The choices of the filter form.
struct Choices {
    districts: Vec<String>,
    sectors: Vec<String>,
    agencies: Vec<(String, String)>,
}

/// Every agency's code and name, by code.
async fn agency_names(state: &AppState) -> Result<Vec<(String, String)>, ApiError> {
    Ok(agencies::list(&state.db)
        .await?
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect())
}

/// The name of the agency of `code` among `agencies`, else the code.
fn agency_name<'a>(agencies: &'a [(String, String)], code: &'a str) -> &'a str {
    agencies
        .iter()
        .find(|(c, _)| c == code)
        .map_or(code, |(_, name)| name.as_str())
}

async fn choices(state: &AppState) -> Result<Choices, ApiError> {
    let values = review::filter_values(&state.db).await?;
    Ok(Choices {
        districts: values.districts,
        sectors: values.sectors,
        agencies: agency_names(state).await?,
    })
}

fn select(
    id: &str,
    label: &str,
    any: &str,
    options: &[(String, String)],
    chosen: Option<&str>,
) -> Markup {
    html! {
        label for=(id) { (label)
            select id=(id) name=(id) {
                option value="" { (any) }
                @for (value, text) in options {
                    option value=(value) selected[chosen == Some(value.as_str())] { (text) }
                }
            }
        }
    }
}

fn filter_form(lang: Lang, query: &ReviewQuery, scope: &Scope, choices: &Choices) -> Markup {
    let districts: Vec<(String, String)> = choices
        .districts
        .iter()
        .map(|d| (d.clone(), d.clone()))
        .collect();
    let sectors: Vec<(String, String)> = choices
        .sectors
        .iter()
        .map(|s| (s.clone(), words::sector(lang, s).to_owned()))
        .collect();
    let any = lang.t("全部", "All");
    html! {
        form class="filters" method="get" action="/ui/office" aria-label=(lang.t("筛选", "Filters")) {
            input type="hidden" name="lang" value=(lang.code());
            label for="from" { (lang.t("开始日期", "From"))
                input id="from" name="from" type="date" value=(scope.range.start());
            }
            label for="to" { (lang.t("结束日期", "To"))
                input id="to" name="to" type="date" value=(scope.range.end());
            }
            (select("district", lang.t("县区", "District"), any, &districts, query.district.as_deref()))
            (select("sector", lang.t("行业", "Sector"), any, &sectors, query.sector.as_deref()))
            (select("agency", lang.t("部门", "Agency"), any, &choices.agencies, query.agency.as_deref()))
            button type="submit" id="apply-filters" { (lang.t("筛选", "Apply")) }
        }
    }
}

fn figure(id: &str, label: &str, value: impl std::fmt::Display) -> Markup {
    html! {
        div { dt { (label) } dd id=(id) data-value=(value) { (value) } }
    }
}

fn burden_table(lang: Lang, rows: &[EnterpriseBurden], link_suffix: &str) -> Markup {
    html! {
        div class="scroll" {
            table id="nearest-cap" {
                thead { tr {
                    th scope="col" { (lang.t("企业", "Enterprise")) }
                    th scope="col" { (lang.t("县区", "District")) }
                    th scope="col" { (lang.t("季度", "Quarter")) }
                    th scope="col" class="n" { (lang.t("计入次数", "Counted")) }
                    th scope="col" class="n" { (lang.t("其中待检", "Planned")) }
                    th scope="col" class="n" { (lang.t("上限", "Cap")) }
                    th scope="col" class="n" { (lang.t("合并请求", "Requests merged")) }
                } }
                tbody {
                    @for row in rows {
                        tr data-enterprise=(row.enterprise_id) {
                            td {
                                a href={ "/ui/office/enterprises/" (row.enterprise_id) "?" (link_suffix) } { (row.name) }
                                @if row.warning { " " span class="warn" { (lang.t("已达上限", "cap reached")) } }
                            }
                            td { (row.district) }
                            td { (row.period) }
                            td class="n" { (row.counted) }
                            td class="n" { (row.planned) }
                            td class="n" { (row.burden_cap.map(|c| c.to_string()).unwrap_or_default()) }
                            td class="n" { (row.requests) }
                        }
                    }
                }
            }
        }
    }
}

/// A table of named rows of figures: the head's first column names the rows, the
/// others are numbers.
fn figures_table<N: maud::Render>(
    id: &str,
    head: &[&str],
    rows: impl Iterator<Item = (N, Vec<String>)>,
) -> Markup {
    html! {
        div class="scroll" {
            table id=(id) {
                thead { tr {
                    @for (i, title) in head.iter().enumerate() {
                        th scope="col" class=[(i > 0).then_some("n")] { (title) }
                    }
                } }
                tbody {
                    @for (name, cells) in rows {
                        tr { td { (name) } @for cell in cells { td class="n" { (cell) } } }
                    }
                }
            }
        }
    }
}

/// Hazards of the period: figures, overdue ones per district, and each district's list.
fn hazard_section(
    lang: Lang,
    review: &HazardReview,
    overdue: &[OverdueHazard],
    agencies: &[(String, String)],
    link_suffix: &str,
) -> Markup {
    let t = &review.totals;
    let bars: Vec<Bar> = review
        .districts
        .iter()
        .map(|d| Bar {
            label: d.name.clone(),
            value: d.overdue,
            limit: None,
        })
        .collect();
    html! {
        h2 { (lang.t("隐患", "Hazards")) }
        dl class="figures" {
            (figure("hz-found", lang.t("发现隐患", "Found"), t.found))
            (figure("hz-open", lang.t("未销号", "Open"), t.open))
            (figure("hz-overdue", lang.t("逾期", "Overdue"), t.overdue))
            (figure("hz-closed", lang.t("已销号", "Closed"), t.closed))
            (figure("hz-rate", lang.t("销号率 %", "Closure rate %"), t.closure_rate))
            (figure("hz-median", lang.t("销号天数中位数", "Median days to close"),
                t.median_days_to_close.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned())))
        }
        (figures_table(
            "hazard-agencies",
            &[
                lang.t("牵头部门", "Responsible agency"),
                lang.t("发现", "Found"),
                lang.t("未销号", "Open"),
                lang.t("逾期", "Overdue"),
                lang.t("已销号", "Closed"),
                lang.t("销号率 %", "Closure rate %"),
            ],
            review.agencies.iter().map(|a| {
                (a.name.as_str(), vec![a.found.to_string(), a.open.to_string(), a.overdue.to_string(),
                    a.closed.to_string(), a.closure_rate.to_string()])
            }),
        ))
        h3 { (lang.t("各县区逾期隐患", "Overdue hazards per district")) }
        (chart::bars("overdue-bars", lang.t("各县区逾期隐患", "Overdue hazards per district"), &bars))
        @for d in review.districts.iter().filter(|d| d.overdue > 0) {
            details {
                summary { (d.name) " · " (d.overdue) (lang.t(" 项逾期", " overdue")) }
                ul {
                    @for h in overdue.iter().filter(|h| h.district == d.key) {
                        li {
                            a href={ "/ui/office/enterprises/" (h.enterprise_id) "?" (link_suffix) } { (h.enterprise) }
                            " · " (h.title) " · " (words::severity(lang, &h.severity))
                            " · " (agency_name(agencies, &h.agency)) " · " (h.deadline)
                            " (" (h.days_overdue) (lang.t(" 天", " days")) ")"
                        }
                    }
                }
            }
        }
    }
}

fn dashboard_body(
    lang: Lang,
    query: &ReviewQuery,
    scope: &Scope,
    choices: &Choices,
    overview: &Overview,
    overdue: &[OverdueHazard],
) -> Markup {
    let totals = &overview.totals;
    let filters = query.filters();
    // A drill-down keeps the filters, for its way back.
    let link_suffix = with_lang(&filters, lang.code());
    let agency_bars: Vec<Bar> = overview
        .agencies
        .iter()
        .map(|a| Bar {
            label: a.name.clone(),
            value: a.visits,
            limit: Some(a.daily_capacity * a.working_days),
        })
        .collect();
    let district_bars: Vec<Bar> = overview
        .districts
        .iter()
        .map(|d| Bar {
            label: d.district.clone(),
            value: d.visits,
            limit: None,
        })
        .collect();
    html! {
        p { a id="office-asks" href={ "/ui/office/asks?lang=" (lang.code()) } { (lang.t("企业排期申请（静默期、检查人员回避）", "Enterprises' scheduling asks (quiet periods, recusals)")) } }
        (filter_form(lang, query, scope, choices))
        h2 { (lang.t("总览", "Overview")) " " (totals.from) " – " (totals.to) }
        dl class="figures" {
            (figure("fig-visits", lang.t("联合检查", "Joint visits"), totals.visits))
            (figure("fig-teams", lang.t("部门检查组", "Agency teams"), totals.teams))
            (figure("fig-requests", lang.t("检查请求", "Requests"), totals.requests))
            (figure("fig-avoided", lang.t("减少重复检查", "Duplicate visits avoided"), totals.duplicates_avoided))
            (figure("fig-enterprises", lang.t("受检企业", "Enterprises visited"), totals.enterprises_visited))
            (figure("fig-load", lang.t("能力占用 %", "Capacity used %"), totals.load_percent))
            (figure("fig-warnings", lang.t("达到上限预警", "Cap warnings"), totals.cap_warnings))
            (figure("fig-working-days", lang.t("工作日", "Working days"), totals.working_days))
        }
        h2 { (lang.t("每日负荷", "Load per day")) }
        (chart::heat_map(lang, &overview.days))
        // The heat map's figures as text, for screen readers and for reading exactly.
        details {
            summary { (lang.t("每日数字", "The figures per day")) }
            (figures_table(
                "days",
                &[
                    lang.t("日期", "Day"),
                    lang.t("联合检查", "Joint visits"),
                    lang.t("部门检查组", "Agency teams"),
                    lang.t("总能力", "Capacity"),
                ],
                overview.days.iter().filter(|d| d.working_day || d.visits > 0).map(|d| {
                    (d.date.to_string(), vec![d.visits.to_string(), d.teams.to_string(), d.capacity.to_string()])
                }),
            ))
        }
        h2 { (lang.t("各部门检查量", "Visits per agency")) }
        p { (lang.t("红线：期间总能力（日能力 × 工作日）。", "Red mark: the capacity of the period (daily capacity × working days).")) }
        (chart::bars("agency-bars", lang.t("各部门检查量", "Visits per agency"), &agency_bars))
        div class="scroll" {
            table id="agencies" {
                thead { tr {
                    th scope="col" { (lang.t("部门", "Agency")) }
                    th scope="col" class="n" { (lang.t("检查", "Visits")) }
                    th scope="col" class="n" { (lang.t("每工作日", "Per working day")) }
                    th scope="col" class="n" { (lang.t("日能力", "Daily capacity")) }
                    th scope="col" class="n" { (lang.t("单日最多", "Peak day")) }
                    th scope="col" class="n" { (lang.t("超能力天数", "Days over capacity")) }
                } }
                tbody {
                    @for a in &overview.agencies {
                        tr data-agency=(a.agency) {
                            td { (a.name) }
                            td class="n" { (a.visits) }
                            td class="n" { (a.visits_per_working_day) }
                            td class="n" { (a.daily_capacity) }
                            td class="n" { (a.peak_day_visits) }
                            td class="n" { (a.days_over_capacity) }
                        }
                    }
                }
            }
        }
        h2 { (lang.t("各县区检查量", "Visits per district")) }
        (chart::bars("district-bars", lang.t("各县区检查量", "Visits per district"), &district_bars))
        (figures_table(
            "districts",
            &[
                lang.t("县区", "District"),
                lang.t("联合检查", "Joint visits"),
                lang.t("部门检查组", "Agency teams"),
                lang.t("受检企业", "Enterprises visited"),
            ],
            overview.districts.iter().map(|d| {
                (d.district.as_str(), vec![d.visits.to_string(), d.teams.to_string(), d.enterprises.to_string()])
            }),
        ))
        h2 { (lang.t("最接近检查上限的企业", "Enterprises nearest their cap")) }
        (burden_table(lang, &overview.nearest_cap, &link_suffix))
        (hazard_section(lang, &overview.hazards, overdue, &choices.agencies, &link_suffix))
        h2 { (lang.t("导出 CSV", "Export as CSV")) }
        ul class="exports" {
            @for (figure, zh, en) in EXPORTS {
                li { a href={ "/ui/office/export/" (figure) "?" (filters) } download { (lang.t(zh, en)) } }
            }
        }
    }
}

/// The figures a page can export, with their names.
const EXPORTS: [(&str, &str, &str); 9] = [
    ("overview", "总览", "Overview"),
    ("days", "每日负荷", "Days"),
    ("agencies", "部门", "Agencies"),
    ("districts", "县区", "Districts"),
    ("inspectors", "检查员", "Inspectors"),
    ("duplicates", "减少重复检查", "Duplicates avoided"),
    ("enterprises", "企业与上限", "Enterprises and caps"),
    ("hazards", "隐患", "Hazards"),
    ("overdue-hazards", "逾期隐患清单", "Overdue hazards"),
];

/// `/ui/office`: the dashboard.
pub async fn dashboard(
    State(state): State<AppState>,
    Office(session): Office,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = session.lang;
    let result = async {
        let query = filters(raw.as_deref())?;
        let scope = query.scope(&state).await?;
        let overview =
            review::overview(&state.db, &state.calendar, &scope, state.clock.today()).await?;
        let overdue = review::overdue_hazards(&state.db, &scope, state.clock.today()).await?;
        let choices = choices(&state).await?;
        Ok::<_, ApiError>(dashboard_body(
            lang, &query, &scope, &choices, &overview, &overdue,
        ))
    }
    .await;
    match result {
        Ok(body) => layout(
            lang,
            lang.t("负荷总览", "Load review"),
            Some(&session),
            body,
        )
        .into_response(),
        Err(err) => failed(lang, Some(&session), err),
    }
}

/// `/ui/office/export/{figure}`: a figure as CSV, as `/review/{figure}?format=csv` answers it.
pub async fn export(
    State(state): State<AppState>,
    Office(session): Office,
    Path(figure): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let result = async {
        let query = filters(raw.as_deref())?;
        let scope = query.scope(&state).await?;
        let db = &state.db;
        let calendar = &state.calendar;
        match figure.as_str() {
            "overview" => {
                let o = review::overview(db, calendar, &scope, state.clock.today()).await?;
                api::csv("overview", &scope, &[o.totals])
            }
            "days" => api::csv("days", &scope, &review::days(db, calendar, &scope).await?),
            "agencies" => api::csv(
                "agencies",
                &scope,
                &review::agencies(db, calendar, &scope).await?,
            ),
            "districts" => api::csv("districts", &scope, &review::districts(db, &scope).await?),
            "inspectors" => api::csv("inspectors", &scope, &review::inspectors(db, &scope).await?),
            "duplicates" => api::csv("duplicates", &scope, &review::duplicates(db, &scope).await?),
            "enterprises" => api::csv(
                "enterprises",
                &scope,
                &review::burden(db, &scope, state.clock.today()).await?,
            ),
            "hazards" => api::csv(
                "hazards",
                &scope,
                &api::hazard_rows(review::hazards(db, &scope, state.clock.today()).await?),
            ),
            "overdue-hazards" => api::csv(
                "overdue-hazards",
                &scope,
                &review::overdue_hazards(db, &scope, state.clock.today()).await?,
            ),
            _ => Err(ApiError::NotFound),
        }
    }
    .await;
    result.unwrap_or_else(|err| failed(session.lang, Some(&session), err))
}

/// `/ui/office/enterprises/{id}/timeline.csv`: the timeline as CSV, as
/// `/review/enterprises/{id}/timeline?format=csv` answers it.
pub async fn timeline_export(
    State(state): State<AppState>,
    Office(session): Office,
    Path(id): Path<Uuid>,
) -> Response {
    let csv =
        async { api::timeline_csv(&review::timeline(&state.db, &session.caller, id).await?) }.await;
    csv.unwrap_or_else(|err| failed(session.lang, Some(&session), err))
}

/// `/ui/office/enterprises/{id}`: one enterprise's requests and visits, in time order.
pub async fn timeline(
    State(state): State<AppState>,
    Office(session): Office,
    Path(id): Path<Uuid>,
) -> Response {
    let lang = session.lang;
    let found = async {
        Ok::<_, ApiError>((
            review::timeline(&state.db, &session.caller, id).await?,
            agency_names(&state).await?,
        ))
    }
    .await;
    let (timeline, agencies) = match found {
        Ok(found) => found,
        Err(err) => return failed(lang, Some(&session), err),
    };
    let e = &timeline.enterprise;
    // One list in time order: a request on the day it was booked, a visit on its day.
    let mut events: Vec<(chrono::NaiveDate, Markup)> = Vec::new();
    for r in &timeline.requests {
        events.push((
            onevisit_service::periodic::china_date(r.created_at),
            html! {
                (lang.t("请求", "Request")) " · " strong { (agency_name(&agencies, &r.agency)) }
                " · " (words::request_kind(lang, &r.kind)) " · " (r.earliest) "–" (r.latest)
                " · " span data-status=(r.status) { (words::request_status(lang, &r.status)) }
            },
        ));
    }
    for v in &timeline.visits {
        let merged = timeline
            .requests
            .iter()
            .filter(|r| r.visit_id == Some(v.id))
            .count();
        let teams: Vec<&str> = v.teams.iter().map(|t| t.agency_name.as_str()).collect();
        events.push((
            v.date,
            html! {
                (lang.t("检查", "Visit")) " · " strong data-status=(v.status) { (words::visit_status(lang, &v.status)) }
                " · " (teams.join(lang.t("、", ", ")))
                " · " (merged) (lang.t(" 个请求合并", " requests merged"))
            },
        ));
    }
    for h in &timeline.hazards {
        events.push((
            h.found_on,
            html! { (lang.t("发现隐患", "Hazard found")) " · " strong { (h.title) } " · " (words::severity(lang, &h.severity))
                    " · " (lang.t("期限 ", "deadline ")) (h.deadline) },
        ));
        if let Some(closed) = h.closed_on {
            events.push((
                closed,
                html! { (lang.t("隐患销号", "Hazard closed")) " · " strong { (h.title) } },
            ));
        }
    }
    events.sort_by_key(|(date, _)| *date);
    let body = html! {
        p { a href={ "/ui/office?" (with_lang(&session.query, lang.code())) } { (lang.t("← 返回总览", "← Back to the overview")) } }
        h2 id="enterprise-name" { (e.name) }
        dl class="figures" {
            (figure("ent-code", lang.t("统一社会信用代码", "Credit code"), &e.credit_code))
            (figure("ent-district", lang.t("县区", "District"), &e.district))
            (figure("ent-sector", lang.t("行业", "Sector"), words::sector(lang, &e.sector)))
            (figure("ent-cap", lang.t("季度检查上限", "Visits a quarter at most"),
                e.burden_cap.map(|c| c.to_string()).unwrap_or_else(|| lang.t("无", "none").to_owned())))
            (figure("ent-visits", lang.t("检查", "Visits"), timeline.visits.len()))
            (figure("ent-requests", lang.t("请求", "Requests"), timeline.requests.len()))
        }
        h2 { (lang.t("时间线", "Timeline")) }
        p { a id="timeline-csv" href={ "/ui/office/enterprises/" (e.id) "/timeline.csv" } { (lang.t("导出 CSV", "Export as CSV")) } }
        ol id="timeline" {
            @for (date, text) in &events {
                li { time datetime=(date) { (date) } " — " (text) }
            }
        }
    };
    layout(lang, &e.name, Some(&session), body).into_response()
}
