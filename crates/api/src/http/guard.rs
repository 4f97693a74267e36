//! What every answer goes through: the framework's own refusals (a path that does not
//! parse, a body over the limit, a form missing a field, a method the route does not
//! take) answered as the one problem document (or, on the pages, as a page), a NUL
//! character in the path refused before any handler sees it, and the security headers.

use crate::http::error::{ApiError, FieldError};
use crate::http::pages::{self, Lang};
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// How much of a framework refusal's text is read into the problem's `detail`.
const DETAIL_BYTES: usize = 1024;

/// The pages' policy: nothing but their own inline style sheet, inline SVG, their own
/// images and forms that post back to us; no scripts, no frames.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The inspector's pages' policy: the page policy, and their own script, service
/// worker and requests back to us (they keep findings offline and send them later).
const INSPECTOR_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: blob:; \
     script-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The API documentation's policy (its scripts and styles come from the binary itself).
const DOCS_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Middleware: refuses a path holding NUL, maps the framework's plain-text refusals to
/// problem documents (pages: an error page), and adds the security headers.
pub async fn guard(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let page = path == "/ui" || path.starts_with("/ui/");
    let lang = Lang::of_request(request.uri(), request.headers());
    let mut response = if path.to_ascii_lowercase().contains("%00") {
        refusal(
            page,
            lang,
            ApiError::BadRequest(format!("path: {}", crate::http::json::NUL_MESSAGE)),
        )
    } else {
        let response = next.run(request).await;
        if is_plain_refusal(&response) {
            let status = response.status();
            let text = axum::body::to_bytes(response.into_body(), DETAIL_BYTES)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            refusal(page, lang, rejected(status, text))
        } else {
            response
        }
    };
    secure(&mut response, &path);
    response
}

/// An error answer that is not one of ours: no problem document, page or JSON.
fn is_plain_refusal(response: &Response) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    !["application/problem+json", "application/json", "text/html"]
        .iter()
        .any(|ours| content_type.starts_with(ours))
}

/// The framework's refusal as ours: a form or query missing a field names the field.
fn rejected(status: StatusCode, text: String) -> ApiError {
    let detail = text.trim().to_owned();
    let missing = detail
        .split_once("missing field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(field, _)| field.to_owned());
    match missing {
        Some(field) if status == StatusCode::UNPROCESSABLE_ENTITY => {
            ApiError::Validation(vec![FieldError {
                field,
                message: "is required".to_owned(),
            }])
        }
        _ => ApiError::Rejected {
            status,
            detail: if detail.is_empty() {
                status.canonical_reason().unwrap_or("refused").to_owned()
            } else {
                detail
            },
        },
    }
}

fn refusal(page: bool, lang: Lang, err: ApiError) -> Response {
    if page {
        pages::failed(lang, None, err)
    } else {
        err.into_response()
    }
}

/// The headers every answer carries, and a content security policy on HTML.
fn secure(response: &mut Response<Body>, path: &str) {
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    );
    // Calendar feed and verification addresses carry secrets: never send them onwards.
    headers.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    if is_html {
        let policy = if path.starts_with("/docs") {
            DOCS_POLICY
        } else if path == "/ui/inspector" || path.starts_with("/ui/inspector/") {
            INSPECTOR_POLICY
        } else {
            PAGE_POLICY
        };
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_form_field_is_named() {
        let err = rejected(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Failed to deserialize form body: missing field `csrf`".to_owned(),
        );
        match err {
            ApiError::Validation(errors) => assert_eq!(errors[0].field, "csrf"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn other_refusals_keep_their_status_and_text() {
        match rejected(
            StatusCode::PAYLOAD_TOO_LARGE,
            "length limit exceeded".into(),
        ) {
            ApiError::Rejected { status, detail } => {
                assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
                assert_eq!(detail, "length limit exceeded");
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }
}
