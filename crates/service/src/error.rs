//! The service's one error type. The HTTP layer maps each variant to a status in one
//! place; the status each variant becomes is in its doc comment.

use serde::Serialize;
use utoipa::ToSchema;

/// A field that failed validation, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name as the request spelled it (`enterprise.credit_code`).
    pub field: String,
    pub message: String,
}

/// Everything a service operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// 400: the input cannot be read (a file upload that breaks off or is malformed).
    #[error("{0}")]
    Unreadable(String),
    /// 403: the caller's role may not do this at all (a foreign tenant's id is
    /// [`ServiceError::NotFound`] instead).
    #[error("forbidden")]
    Forbidden,
    /// 404: no such thing, or not one the caller may see.
    #[error("not found")]
    NotFound,
    /// 409: the thing is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    /// 422: the input was read but its fields are wrong.
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    /// 503: too much contention or a dependency not answering; try again.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a fault of ours; logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl ServiceError {
    /// A validation error on one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// A unique-constraint violation as a conflict with `message` (what is taken); any
    /// other database error as internal.
    pub fn taken(err: sea_orm::DbErr, message: impl FnOnce() -> String) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Self::Conflict(message()),
            _ => err.into(),
        }
    }
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Internal(err.to_string())
    }
}
