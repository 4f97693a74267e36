//! The one error type of the HTTP layer, answered as RFC 9457 `application/problem+json`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use onevisit_service::FieldError;
use onevisit_service::ServiceError;
use onevisit_service::store::StoreError;
use onevisit_service::tipoffs::FilingError;
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A stable URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For validation problems: each field and what is wrong with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be read (bad JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid access token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403: the caller's role may not do this at all (a foreign tenant's id answers 404 instead).
    #[error("forbidden")]
    Forbidden,
    /// 404: no such thing, or not one the caller may see.
    #[error("not found")]
    NotFound,
    /// 409: the thing is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    /// 429: too many failed attempts; try again after the given seconds.
    #[error("too many attempts")]
    TooManyRequests { retry_after_seconds: i64 },
    /// 422: the request was read but its fields are wrong.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 503: a dependency (the database) is not answering.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a fault of ours; logged, never shown.
    #[error("{0}")]
    Internal(String),
    /// 4xx: refused by the framework before a handler ran (a path that does not parse,
    /// a body over the size limit, a method the route does not take), with its status.
    #[error("{detail}")]
    Rejected { status: StatusCode, detail: String },
}

impl ApiError {
    /// A validation error on one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The status the error is answered with.
    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::BadRequest(_) => (
                StatusCode::BAD_REQUEST,
                "bad-request",
                "The request cannot be read",
            ),
            Self::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Not allowed for this role",
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Self::Conflict(_) => (
                StatusCode::CONFLICT,
                "conflict",
                "Not possible in the current state",
            ),
            Self::TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many attempts",
            ),
            Self::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Some fields are not valid",
            ),
            Self::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
            Self::Rejected { status, .. } => {
                let slug = match *status {
                    StatusCode::NOT_FOUND => "not-found",
                    StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
                    StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
                    StatusCode::REQUEST_TIMEOUT => "request-timeout",
                    _ => "bad-request",
                };
                (
                    *status,
                    slug,
                    status.canonical_reason().unwrap_or("Request refused"),
                )
            }
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Internal(err.to_string())
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Unreadable(why) => Self::BadRequest(why),
            ServiceError::Forbidden => Self::Forbidden,
            ServiceError::NotFound => Self::NotFound,
            ServiceError::Conflict(why) => Self::Conflict(why),
            ServiceError::Invalid(errors) => Self::Validation(errors),
            ServiceError::Unavailable(why) => Self::Unavailable(why),
            ServiceError::Internal(why) => Self::Internal(why),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        Self::Internal(err.to_string())
    }
}

impl From<FilingError> for ApiError {
    fn from(err: FilingError) -> Self {
        match err {
            FilingError::TooMany {
                retry_after_seconds,
            } => Self::TooManyRequests {
                retry_after_seconds,
            },
            FilingError::Service(err) => err.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title) = self.parts();
        let retry_after = match &self {
            Self::TooManyRequests {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let unauthorized = matches!(self, Self::Unauthorized(_));
        let detail = match &self {
            Self::BadRequest(d) | Self::Unavailable(d) | Self::Conflict(d) => Some(d.clone()),
            Self::Rejected { detail, .. } => Some(detail.clone()),
            Self::Unauthorized(d) => Some((*d).to_owned()),
            Self::TooManyRequests {
                retry_after_seconds,
            } => Some(format!("try again in {retry_after_seconds} seconds")),
            Self::Internal(err) => {
                // The request id is on the tracing span; the caller gets no internals.
                tracing::error!(error = %err, "internal error");
                None
            }
            Self::NotFound | Self::Forbidden | Self::Validation(_) => None,
        };
        let errors = match self {
            Self::Validation(errors) => errors,
            _ => Vec::new(),
        };
        let problem = Problem {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut response = (status, axum::Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if unauthorized {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        response
    }
}
