//! The enterprise's schedule as an iCalendar feed (RFC 5545) behind a per-enterprise
//! secret URL, for calendar apps that cannot send a bearer token. The tokens are the
//! service's ([`onevisit_service::calendar_feeds`]); the calendar text is written here.

use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidQuery;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property, ValueType};
use onevisit_service::calendar_feeds::{self, Feed};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The URL of a fresh feed token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CalendarFeed {
    /// The feed's path with its secret token: shown this once, never again.
    pub url: String,
}

/// The feed's secret.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The secret token from `POST /enterprises/{id}/calendar-feed`.
    pub token: Option<String>,
}

/// Creates or rotates the enterprise's feed token (its own users and the office); the
/// previous URL stops working at once.
#[utoipa::path(post, path = "/enterprises/{id}/calendar-feed", operation_id = "rotate_calendar_feed", tag = "calendar", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The new feed URL, shown once", body = CalendarFeed),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Agencies have no feeds to manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such enterprise for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<CalendarFeed>, ApiError> {
    Ok(Json(CalendarFeed {
        url: calendar_feeds::rotate_feed(&state.db, &caller, id).await?,
    }))
}

/// The enterprise's visits as an iCalendar feed (no bearer: the secret token in the URL).
/// Cancelled visits are left out, and unannounced ones until their day, as the
/// enterprise's own users see them.
#[utoipa::path(get, path = "/enterprises/{id}/calendar.ics", operation_id = "calendar_feed", tag = "calendar",
    params(("id" = Uuid, Path), FeedQuery),
    responses(
        (status = 200, description = "RFC 5545 calendar, one all-day VEVENT per visit", body = String, content_type = "text/calendar"),
        (status = 404, description = "No such feed, or a wrong or missing token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn feed(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    ValidQuery(query): ValidQuery<FeedQuery>,
) -> Result<Response, ApiError> {
    let feed =
        calendar_feeds::feed(&state.db, state.clock.today(), id, query.token.as_deref()).await?;
    let mut response = ics(&feed).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// The calendar text: one all-day event per visit (the crate escapes the text values,
/// folds the lines at 75 octets and ends them with CRLF).
pub fn ics(feed: &Feed) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//OneVisit//Joint inspections//ZH"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        // An extension property: without VALUE=TEXT the crate would not escape it.
        .append_property(
            Property::new("X-WR-CALNAME", format!("联合检查日程：{}", feed.enterprise))
                .append_parameter(ValueType::Text)
                .done(),
        );
    for (v, stamp) in &feed.visits {
        let agencies: Vec<&str> = v.teams.iter().map(|t| t.agency_name.as_str()).collect();
        let teams: Vec<String> = v
            .teams
            .iter()
            .map(|t| {
                let names: Vec<&str> = t.inspectors.iter().map(|i| i.name.as_str()).collect();
                if names.is_empty() {
                    format!("{}（{}人）", t.agency_name, t.team_size)
                } else {
                    format!(
                        "{}（{}人）：{}",
                        t.agency_name,
                        t.team_size,
                        names.join("、")
                    )
                }
            })
            .collect();
        let status = if v.status == "proposed" {
            EventStatus::Tentative
        } else {
            EventStatus::Confirmed
        };
        let mut event = Event::new();
        event
            .uid(&format!("{}@onevisit", v.id))
            .timestamp(*stamp)
            .starts(v.date)
            .summary(&format!("联合检查：{}", agencies.join("、")))
            .description(&format!("检查组：\n{}", teams.join("\n")))
            .status(status)
            .add_property("TRANSP", "TRANSPARENT");
        if let Some(next) = v.date.succ_opt() {
            event.ends(next);
        }
        calendar.push(event.done());
    }
    calendar.to_string()
}
