//! The enterprise's schedule as an iCalendar feed (RFC 5545) behind a per-enterprise
//! secret URL, for calendar apps that cannot send a bearer token.
//!
//! The token is 32 random bytes in base64url, shown once when it is created or rotated;
//! only its SHA-256 is stored (`calendar_feeds`). Rotating it stops the old URL.

use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::http::error::{ApiError, Problem};
use crate::http::json::ValidQuery;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use onevisit_service::access;
use onevisit_service::entities::{calendar_feed, enterprise, joint_visit};
use onevisit_service::views::{self, VisitView};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
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

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
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
    caller.require(&[Role::Admin, Role::Coordinator, Role::Enterprise])?;
    enterprise::Entity::find_by_id(id)
        .filter(access::enterprises(&caller))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(CalendarFeed {
        url: new_feed(&state.db, id).await?,
    }))
}

/// Makes a new feed token for the enterprise (the previous URL stops working) and
/// answers the feed's path with it.
pub async fn new_feed<C: sea_orm::ConnectionTrait>(db: &C, id: Uuid) -> Result<String, ApiError> {
    let secret: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(secret);
    calendar_feed::Entity::insert(calendar_feed::ActiveModel {
        enterprise_id: Set(id),
        token_hash: Set(token_hash(&token)),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(calendar_feed::Column::EnterpriseId)
            .update_columns([
                calendar_feed::Column::TokenHash,
                calendar_feed::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(format!("/enterprises/{id}/calendar.ics?token={token}"))
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
    let token = query.token.ok_or(ApiError::NotFound)?;
    let row = calendar_feed::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !constant_time_eq(row.token_hash.as_bytes(), token_hash(&token).as_bytes()) {
        return Err(ApiError::NotFound);
    }
    // Exactly what the enterprise's own users may see.
    let as_enterprise = Caller {
        user_id: Uuid::nil(),
        session_id: Uuid::nil(),
        username: String::new(),
        role: Role::Enterprise,
        agency_id: None,
        enterprise_id: Some(id),
        inspector_id: None,
    };
    let rows = joint_visit::Entity::find()
        .filter(access::visits(&as_enterprise, state.clock.today()))
        .order_by_asc(joint_visit::Column::VisitDate)
        .order_by_asc(joint_visit::Column::Id)
        .all(&state.db)
        .await?;
    let stamps: Vec<(Uuid, DateTime<Utc>)> = rows.iter().map(|v| (v.id, v.updated_at)).collect();
    let visits = views::visits(&state.db, rows).await?;
    let name = enterprise::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    let body = ics(&name, &visits, &stamps);
    let mut response = body.into_response();
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

/// Compares two secrets without stopping at the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The calendar text: CRLF line ends, lines folded at 75 octets, text values escaped.
pub fn ics(enterprise: &str, visits: &[VisitView], stamps: &[(Uuid, DateTime<Utc>)]) -> String {
    let mut out = String::new();
    let mut line = |text: &str| fold_into(&mut out, text);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//OneVisit//Joint inspections//ZH");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!(
        "X-WR-CALNAME:{}",
        escape(&format!("联合检查日程：{enterprise}"))
    ));
    for v in visits {
        let stamp = stamps
            .iter()
            .find(|(id, _)| *id == v.id)
            .map_or_else(Utc::now, |(_, at)| *at);
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
            "TENTATIVE"
        } else {
            "CONFIRMED"
        };
        line("BEGIN:VEVENT");
        line(&format!("UID:{}@onevisit", v.id));
        line(&format!("DTSTAMP:{}", stamp.format("%Y%m%dT%H%M%SZ")));
        line(&format!("DTSTART;VALUE=DATE:{}", v.date.format("%Y%m%d")));
        if let Some(next) = v.date.succ_opt() {
            line(&format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
        }
        line(&format!(
            "SUMMARY:{}",
            escape(&format!("联合检查：{}", agencies.join("、")))
        ));
        line(&format!(
            "DESCRIPTION:{}",
            escape(&format!("检查组：\n{}", teams.join("\n")))
        ));
        line(&format!("STATUS:{status}"));
        line("TRANSP:TRANSPARENT");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line folded at 75 octets (RFC 5545 §3.1), never inside a UTF-8
/// character: continuation lines start with one space, which counts towards their 75.
fn fold_into(out: &mut String, line: &str) {
    let mut limit = 75;
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > limit {
            out.push_str("\r\n ");
            limit = 74;
            used = 0;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let text = format!("SUMMARY:{}", "联合检查：消防救援支队、生态环境局".repeat(5));
        fold_into(&mut out, &text);
        assert!(out.ends_with("\r\n"));
        for physical in out.trim_end_matches("\r\n").split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{physical:?} is {} octets",
                physical.len()
            );
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, text);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn token_hashes_are_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
