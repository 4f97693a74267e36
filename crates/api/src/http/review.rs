//! The office's load review: every figure of `onevisit_service::review` as JSON or CSV, filtered by
//! period, district, sector and agency. Only the office (coordinator, admin) sees it.

use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidQuery;
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use onevisit_domain::{DateRange, Quarter};
use onevisit_service::review::{
    self, AgencyLoad, DayLoad, DistrictLoad, DuplicatesAvoided, EnterpriseBurden, HazardFigures,
    HazardReview, InspectorLoad, OverdueHazard, Overview, Scope, Timeline, Totals,
};
use serde::{Deserialize, Deserializer, Serialize};
use std::str::FromStr;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The longest period a review covers.
pub const MAX_PERIOD_DAYS: u32 = 366;

/// How a figure is answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    /// UTF-8 with a byte-order mark (so that spreadsheet programs read the Chinese names),
    /// a header line, every row.
    Csv,
}

/// The filters of every figure. Empty parameters count as absent (as a web form sends them).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// The first day of the period (default: the first day of today's quarter).
    #[serde(default, deserialize_with = "blank_as_none")]
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<NaiveDate>,
    /// The last day of the period (default: the last day of the quarter of `from`); at most 366 days.
    #[serde(default, deserialize_with = "blank_as_none")]
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<NaiveDate>,
    /// Only enterprises of this district.
    #[serde(default, deserialize_with = "blank_as_none")]
    #[param(min_length = 1)]
    pub district: Option<String>,
    /// Only enterprises of this sector (chemical, civil_explosives, ship_repair, other).
    #[serde(default, deserialize_with = "blank_as_none")]
    #[param(min_length = 1)]
    pub sector: Option<String>,
    /// Only visits this agency (by code) takes part in.
    #[serde(default, deserialize_with = "blank_as_none")]
    #[param(min_length = 1)]
    pub agency: Option<String>,
    /// `json` (default) or `csv`.
    #[serde(default, deserialize_with = "blank_as_none")]
    #[param(value_type = Option<Format>, inline)]
    pub format: Option<Format>,
    /// `/review/enterprises` only: how many rows, 1 to 500 (default 50; CSV has every row).
    #[serde(default, deserialize_with = "blank_as_none")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// `/review/enterprises` only: how many rows to skip.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub offset: Option<u64>,
}

/// The review's parameters as the API reads them: like [`ValidQuery`], but a parameter
/// given empty or blank is refused (422 naming it), as its type in the spec says. Only the
/// office pages, whose forms send empty fields, read a blank parameter as absent.
#[derive(Debug, Clone)]
pub struct ReviewParams<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ReviewParams<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        if let Some((name, _)) =
            form_urlencoded::parse(query.as_bytes()).find(|(_, value)| value.trim().is_empty())
        {
            return Err(ApiError::field(name.into_owned(), "must not be empty"));
        }
        let ValidQuery(params) = ValidQuery::from_request_parts(parts, state).await?;
        Ok(Self(params))
    }
}

/// An absent, empty or blank parameter is `None`; anything else must parse.
fn blank_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let raw: Option<String> = Option::deserialize(deserializer)?;
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            other => Err(format!("unknown format {other:?}; expected json or csv")),
        }
    }
}

impl ReviewQuery {
    /// The period and filters, or the parameter at fault.
    pub async fn scope(&self, state: &AppState) -> Result<Scope, ApiError> {
        // Figures that take no page refuse a page out of range all the same.
        PageQuery {
            limit: self.limit,
            offset: self.offset,
        }
        .resolve()?;
        let from = self
            .from
            .unwrap_or_else(|| Quarter::containing(state.clock.today()).range().start());
        let to = self
            .to
            .unwrap_or_else(|| Quarter::containing(from).range().end());
        let range = DateRange::new(from, to).map_err(|e| ApiError::field("to", e.to_string()))?;
        if range.len_days() > MAX_PERIOD_DAYS {
            return Err(ApiError::field(
                "to",
                format!("the period may be at most {MAX_PERIOD_DAYS} days"),
            ));
        }
        let agency = match &self.agency {
            Some(code) => Some(
                onevisit_service::agencies::by_code(&state.db, code)
                    .await?
                    .id,
            ),
            None => None,
        };
        Ok(Scope {
            range,
            district: self.district.clone(),
            sector: self.sector.clone(),
            agency,
        })
    }

    /// The query string of these filters (without format and paging), for links.
    pub fn filters(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let dates = [("from", self.from), ("to", self.to)];
        for (name, value) in dates {
            if let Some(value) = value {
                query.append_pair(name, &value.to_string());
            }
        }
        let texts = [
            ("district", &self.district),
            ("sector", &self.sector),
            ("agency", &self.agency),
        ];
        for (name, value) in texts {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }
}

/// A figure's rows as CSV lines.
pub trait CsvRow {
    const HEADER: &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl CsvRow for DayLoad {
    const HEADER: &'static [&'static str] = &["date", "working_day", "visits", "teams", "capacity"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.date.to_string(),
            self.working_day.to_string(),
            self.visits.to_string(),
            self.teams.to_string(),
            self.capacity.to_string(),
        ]
    }
}

impl CsvRow for AgencyLoad {
    const HEADER: &'static [&'static str] = &[
        "agency",
        "name",
        "daily_capacity",
        "working_days",
        "visits",
        "visits_per_working_day",
        "peak_day_visits",
        "days_over_capacity",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.agency.clone(),
            self.name.clone(),
            self.daily_capacity.to_string(),
            self.working_days.to_string(),
            self.visits.to_string(),
            self.visits_per_working_day.to_string(),
            self.peak_day_visits.to_string(),
            self.days_over_capacity.to_string(),
        ]
    }
}

impl CsvRow for DistrictLoad {
    const HEADER: &'static [&'static str] = &["district", "visits", "teams", "enterprises"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.district.clone(),
            self.visits.to_string(),
            self.teams.to_string(),
            self.enterprises.to_string(),
        ]
    }
}

impl CsvRow for InspectorLoad {
    const HEADER: &'static [&'static str] = &["inspector", "name", "agency", "visits"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.inspector.clone(),
            self.name.clone(),
            self.agency.clone(),
            self.visits.to_string(),
        ]
    }
}

impl CsvRow for DuplicatesAvoided {
    const HEADER: &'static [&'static str] = &[
        "period", "district", "sector", "requests", "visits", "avoided",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.period.clone(),
            self.district.clone(),
            self.sector.clone(),
            self.requests.to_string(),
            self.visits.to_string(),
            self.avoided.to_string(),
        ]
    }
}

impl CsvRow for EnterpriseBurden {
    const HEADER: &'static [&'static str] = &[
        "period",
        "credit_code",
        "name",
        "district",
        "sector",
        "burden_cap",
        "visits",
        "counted",
        "planned",
        "requests",
        "left",
        "warning",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.period.clone(),
            self.credit_code.clone(),
            self.name.clone(),
            self.district.clone(),
            self.sector.clone(),
            opt(self.burden_cap),
            self.visits.to_string(),
            self.counted.to_string(),
            self.planned.to_string(),
            self.requests.to_string(),
            opt(self.left),
            self.warning.to_string(),
        ]
    }
}

impl CsvRow for Totals {
    const HEADER: &'static [&'static str] = &[
        "from",
        "to",
        "working_days",
        "visits",
        "teams",
        "capacity",
        "load_percent",
        "requests",
        "duplicates_avoided",
        "enterprises_visited",
        "cap_warnings",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.from.to_string(),
            self.to.to_string(),
            self.working_days.to_string(),
            self.visits.to_string(),
            self.teams.to_string(),
            self.capacity.to_string(),
            self.load_percent.to_string(),
            self.requests.to_string(),
            self.duplicates_avoided.to_string(),
            self.enterprises_visited.to_string(),
            self.cap_warnings.to_string(),
        ]
    }
}

/// A row of the hazard figures, with its group: `district`, `agency` or `total`.
impl CsvRow for (&'static str, HazardFigures) {
    const HEADER: &'static [&'static str] = &[
        "group",
        "key",
        "name",
        "found",
        "open",
        "submitted",
        "overdue",
        "closed",
        "closure_rate",
        "median_days_to_close",
    ];
    fn cells(&self) -> Vec<String> {
        let (group, f) = self;
        vec![
            (*group).to_owned(),
            f.key.clone(),
            f.name.clone(),
            f.found.to_string(),
            f.open.to_string(),
            f.submitted.to_string(),
            f.overdue.to_string(),
            f.closed.to_string(),
            f.closure_rate.to_string(),
            opt(f.median_days_to_close),
        ]
    }
}

impl CsvRow for OverdueHazard {
    const HEADER: &'static [&'static str] = &[
        "district",
        "hazard_id",
        "enterprise_id",
        "enterprise",
        "title",
        "severity",
        "agency",
        "deadline",
        "days_overdue",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.district.clone(),
            self.hazard_id.to_string(),
            self.enterprise_id.to_string(),
            self.enterprise.clone(),
            self.title.clone(),
            self.severity.clone(),
            self.agency.clone(),
            self.deadline.to_string(),
            self.days_overdue.to_string(),
        ]
    }
}

/// The hazard figures as CSV rows: the totals, then each district, then each agency.
pub fn hazard_rows(review: HazardReview) -> Vec<(&'static str, HazardFigures)> {
    std::iter::once(("total", review.totals))
        .chain(review.districts.into_iter().map(|d| ("district", d)))
        .chain(review.agencies.into_iter().map(|a| ("agency", a)))
        .collect()
}

/// The rows as a CSV download named after the figure and the period.
pub fn csv<R: CsvRow>(figure: &str, scope: &Scope, rows: &[R]) -> Result<Response, ApiError> {
    csv_file(
        &format!(
            "onevisit-{figure}-{}-{}.csv",
            scope.range.start(),
            scope.range.end()
        ),
        rows,
    )
}

/// `rows` as a CSV attachment named `name` ([`onevisit_service::export::csv`]).
fn csv_file<R: CsvRow>(name: &str, rows: &[R]) -> Result<Response, ApiError> {
    let bytes = onevisit_service::export::csv(R::HEADER, rows.iter().map(CsvRow::cells))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let filename = format!("attachment; filename=\"{name}\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        bytes,
    )
        .into_response())
}

/// JSON or CSV, as the query asks.
fn answer<R: CsvRow + Serialize>(
    query: &ReviewQuery,
    figure: &str,
    scope: &Scope,
    rows: Vec<R>,
) -> Result<Response, ApiError> {
    match query.format.unwrap_or_default() {
        Format::Json => Ok(Json(rows).into_response()),
        Format::Csv => csv(figure, scope, &rows),
    }
}

/// The office's filters, checked: the caller must be the office.
async fn office_scope(
    state: &AppState,
    caller: &Caller,
    query: &ReviewQuery,
) -> Result<Scope, ApiError> {
    caller.require(&[Role::Coordinator, Role::Admin])?;
    query.scope(state).await
}

/// The overview of the period: headline figures, the load of every day, agency and
/// district, and the enterprises nearest their burden cap. As CSV: the headline figures.
#[utoipa::path(get, path = "/review/overview", operation_id = "review_overview", tag = "review", security(("bearer" = [])),
    params(ReviewQuery),
    responses(
        (status = 200, description = "The overview (CSV: the totals)", content(
            (Overview = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn overview(
    State(state): State<AppState>,
    caller: Caller,
    ReviewParams(query): ReviewParams<ReviewQuery>,
) -> Result<Response, ApiError> {
    let scope = office_scope(&state, &caller, &query).await?;
    let overview =
        review::overview(&state.db, &state.calendar, &scope, state.clock.today()).await?;
    match query.format.unwrap_or_default() {
        Format::Json => Ok(Json(overview).into_response()),
        Format::Csv => csv("overview", &scope, &[overview.totals]),
    }
}

/// Every day of the period: joint visits and agency teams against the total capacity.
#[utoipa::path(get, path = "/review/days", operation_id = "review_days", tag = "review", security(("bearer" = [])),
    params(ReviewQuery),
    responses(
        (status = 200, description = "One row a day", content(
            (Vec<DayLoad> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn days(
    State(state): State<AppState>,
    caller: Caller,
    ReviewParams(query): ReviewParams<ReviewQuery>,
) -> Result<Response, ApiError> {
    let scope = office_scope(&state, &caller, &query).await?;
    let rows = review::days(&state.db, &state.calendar, &scope).await?;
    answer(&query, "days", &scope, rows)
}

/// Every agency: visits per working day against its daily capacity.
#[utoipa::path(get, path = "/review/agencies", operation_id = "review_agencies", tag = "review", security(("bearer" = [])),
    params(ReviewQuery),
    responses(
        (status = 200, description = "One row an agency, busiest first", content(
            (Vec<AgencyLoad> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn agencies(
    State(state): State<AppState>,
    caller: Caller,
    ReviewParams(query): ReviewParams<ReviewQuery>,
) -> Result<Response, ApiError> {
    let scope = office_scope(&state, &caller, &query).await?;
    let rows = review::agencies(&state.db, &state.calendar, &scope).await?;
    answer(&query, "agencies", &scope, rows)
}

/// Every district with visits in the period.
#[utoipa::path(get, path = "/review/districts", operation_id = "review_districts", tag = "review", security(("bearer" = [])),
    params(ReviewQuery),
    responses(
        (status = 200, description = "One row a district, busiest first", content(
            (Vec<DistrictLoad> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn districts(
    State(state): State<AppState>,
    caller: Caller,
    ReviewParams(query): ReviewParams<ReviewQuery>,
) -> Result<Response, ApiError> {
    let scope = office_scope(&state, &caller, &query).await?;
    let rows = review::districts(&state.db, &scope).await?;
    answer(&query, "districts", &scope, rows)
}

/// Every inspector's visits in the period, to spot an unfair rotation.
#[utoipa::path(get, path = "/review/inspectors", operation_id = "review_inspectors", tag = "review", security(("bearer" = [])),
    params(ReviewQuery),
    responses(
        (status = 200, description = "One row an inspector, busiest first", content(
            (Vec<InspectorLoad> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn inspectors(
    State(state): State<AppState>,
    caller: Caller,
    ReviewParams(query): ReviewParams<ReviewQuery>,
) -> Result<Response, ApiError> {
    let scope = office_scope(&state, &caller, &query).await?;
    let rows = review::inspectors(&state.db, &scope).await?;
    answer(&query, "inspectors", &scope, rows)
}

/// Duplicates avoided: requests booked against visits made, per quarter, district and sector.
#[utoipa::path(get, path = "/review/duplicates", operation_id = "review_duplicates", tag = "review", security(("bearer" = [])),
    params(ReviewQuery),
    responses(
        (status = 200, description = "One row per quarter, district and sector", content(
            (Vec<DuplicatesAvoided> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn duplicates(
    State(state): State<AppState>,
    caller: Caller,
    ReviewParams(query): ReviewParams<ReviewQuery>,
) -> Result<Response, ApiError> {
    let scope = office_scope(&state, &caller, &query).await?;
    let rows = review::duplicates(&state.db, &scope).await?;
    answer(&query, "duplicates", &scope, rows)
}

/// Enterprises against their burden cap, per quarter, nearest the cap first, with an
/// early warning when the planned visits reach it.
#[utoipa::path(get, path = "/review/enterprises", operation_id = "review_enterprises", tag = "review", security(("bearer" = [])),
    params(ReviewQuery),
    responses(
        (status = 200, description = "One page of enterprise quarters (CSV: every row)", content(
            (Page<EnterpriseBurden> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn enterprises(
    State(state): State<AppState>,
    caller: Caller,
    ReviewParams(query): ReviewParams<ReviewQuery>,
) -> Result<Response, ApiError> {
    let scope = office_scope(&state, &caller, &query).await?;
    let (limit, offset) = PageQuery {
        limit: query.limit,
        offset: query.offset,
    }
    .resolve()?;
    let rows = review::burden(&state.db, &scope, state.clock.today()).await?;
    if query.format == Some(Format::Csv) {
        return csv("enterprises", &scope, &rows);
    }
    let total = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    let items = rows
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    })
    .into_response())
}

/// Hazards found on the period's visits, per district and responsible agency: open,
/// overdue and closed today, the closure rate and the median days to close.
#[utoipa::path(get, path = "/review/hazards", operation_id = "review_hazards", tag = "review", security(("bearer" = [])),
    params(ReviewQuery),
    responses(
        (status = 200, description = "The totals, each district and each agency (CSV: one row each, with its group)", content(
            (HazardReview = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn hazards(
    State(state): State<AppState>,
    caller: Caller,
    ReviewParams(query): ReviewParams<ReviewQuery>,
) -> Result<Response, ApiError> {
    let scope = office_scope(&state, &caller, &query).await?;
    let figures = review::hazards(&state.db, &scope, state.clock.today()).await?;
    match query.format.unwrap_or_default() {
        Format::Json => Ok(Json(figures).into_response()),
        Format::Csv => csv("hazards", &scope, &hazard_rows(figures)),
    }
}

/// The overdue hazards of the period's visits, district by district (一县区一清单).
#[utoipa::path(get, path = "/review/hazards/overdue", operation_id = "review_overdue_hazards", tag = "review", security(("bearer" = [])),
    params(ReviewQuery),
    responses(
        (status = 200, description = "Every overdue hazard, by district, the longest overdue first", content(
            (Vec<OverdueHazard> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not the office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn overdue_hazards(
    State(state): State<AppState>,
    caller: Caller,
    ReviewParams(query): ReviewParams<ReviewQuery>,
) -> Result<Response, ApiError> {
    let scope = office_scope(&state, &caller, &query).await?;
    let rows = review::overdue_hazards(&state.db, &scope, state.clock.today()).await?;
    answer(&query, "overdue-hazards", &scope, rows)
}

/// One line of an enterprise's timeline, as exported: a request (on the day it was
/// booked), a visit (on its day) or a hazard (on the day it was found).
#[derive(Debug, Clone)]
pub struct TimelineLine {
    pub date: NaiveDate,
    /// request, visit or hazard.
    pub what: &'static str,
    pub id: Uuid,
    pub status: String,
    /// The agencies (codes) concerned.
    pub agencies: String,
    pub detail: String,
}

impl CsvRow for TimelineLine {
    const HEADER: &'static [&'static str] = &["date", "what", "id", "status", "agencies", "detail"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.date.to_string(),
            self.what.to_owned(),
            self.id.to_string(),
            self.status.clone(),
            self.agencies.clone(),
            self.detail.clone(),
        ]
    }
}

/// Everything on the timeline, in date order.
fn lines(timeline: &Timeline) -> Vec<TimelineLine> {
    let requests = timeline.requests.iter().map(|r| TimelineLine {
        date: onevisit_service::periodic::china_date(r.created_at),
        what: "request",
        id: r.id,
        status: r.status.clone(),
        agencies: r.agency.clone(),
        detail: format!(
            "{} {}–{} {}",
            r.kind,
            r.earliest,
            r.latest,
            r.topics.join("; ")
        ),
    });
    let visits = timeline.visits.iter().map(|v| TimelineLine {
        date: v.date,
        what: "visit",
        id: v.id,
        status: v.status.clone(),
        agencies: v
            .teams
            .iter()
            .map(|t| t.agency.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        detail: if v.announced {
            String::new()
        } else {
            "unannounced".to_owned()
        },
    });
    let hazards = timeline.hazards.iter().map(|h| TimelineLine {
        date: h.found_on,
        what: "hazard",
        id: h.id,
        status: h.status.clone(),
        agencies: String::new(),
        detail: format!(
            "{} ({}), deadline {}{}",
            h.title,
            h.severity,
            h.deadline,
            opt(h.closed_on.map(|d| format!(", closed {d}")))
        ),
    });
    let mut lines: Vec<TimelineLine> = requests.chain(visits).chain(hazards).collect();
    lines.sort_by_key(|l| l.date);
    lines
}

/// The drill-down's format.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// `json` (default) or `csv` (one line per request, visit and hazard, by date).
    #[serde(default, deserialize_with = "blank_as_none")]
    #[param(value_type = Option<Format>, inline)]
    pub format: Option<Format>,
}

/// The drill-down: one enterprise's requests, visits and hazards.
#[utoipa::path(get, path = "/review/enterprises/{id}/timeline", operation_id = "review_enterprise_timeline", tag = "review", security(("bearer" = [])),
    params(("id" = Uuid, Path), TimelineQuery),
    responses(
        (status = 200, description = "The enterprise's timeline", content(
            (Timeline = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not the office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such enterprise", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown format", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    ReviewParams(query): ReviewParams<TimelineQuery>,
) -> Result<Response, ApiError> {
    let timeline = review::timeline(&state.db, &caller, id).await?;
    match query.format.unwrap_or_default() {
        Format::Json => Ok(Json(timeline).into_response()),
        Format::Csv => timeline_csv(&timeline),
    }
}

/// An enterprise's timeline as a CSV attachment, a line per request, visit and hazard.
pub fn timeline_csv(timeline: &Timeline) -> Result<Response, ApiError> {
    csv_file(
        &format!("onevisit-timeline-{}.csv", timeline.enterprise.credit_code),
        &lines(timeline),
    )
}
