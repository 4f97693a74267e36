//! A JSON body extractor whose refusals are problem documents naming the field.

use crate::http::error::{ApiError, FieldError};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

/// Like `axum::Json`, but a body that does not fit answers 422 with the path of the
/// offending field (`requests[2].earliest`) and a body that is not JSON answers 400.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidJson<T>(pub T);

impl<S, T> FromRequest<S> for ValidJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::BadRequest(
                "the body must be application/json".to_owned(),
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
        parse(&bytes).map(ValidJson)
    }
}

/// An optional JSON body: none when the request sends no body at all (no content type
/// and nothing but white space), else as [`ValidJson`] reads it.
impl<S, T> axum::extract::OptionalFromRequest<S> for ValidJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        if request.headers().contains_key(CONTENT_TYPE) {
            return <Self as FromRequest<S>>::from_request(request, state)
                .await
                .map(Some);
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            Ok(None)
        } else {
            Err(ApiError::BadRequest(
                "the body must be application/json".to_owned(),
            ))
        }
    }
}

/// Parses a JSON body, naming the field that does not fit. A body with anything but
/// white space after its value is refused, and so is a string holding a NUL character
/// (PostgreSQL cannot store one, and no field of ours means one).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            not_json(&inner)
        } else {
            ApiError::Validation(vec![FieldError {
                field: if path == "." { String::new() } else { path },
                message: inner.to_string(),
            }])
        }
    })?;
    deserializer.end().map_err(|e| not_json(&e))?;
    if let Some(field) = nul_in(bytes) {
        return Err(ApiError::field(field, NUL_MESSAGE));
    }
    Ok(value)
}

fn not_json(err: &serde_json::Error) -> ApiError {
    ApiError::BadRequest(format!("the body is not valid JSON: {err}"))
}

/// What a field holding a NUL character is told.
pub const NUL_MESSAGE: &str = "must not contain a NUL character";

/// The path of the first string (or key) holding a NUL character, if any. Only a body
/// that spells one (`\u0000`) is read a second time.
fn nul_in(bytes: &[u8]) -> Option<String> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    find_nul(&value, String::new())
}

fn find_nul(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    let at = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_nul(item, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(at(key))
            } else {
                find_nul(item, at(key))
            }
        }),
        _ => None,
    }
}

/// Like `axum::extract::Query`, but refusals are problem documents naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ValidQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(ValidQuery)
    }
}

/// Reads a query string into `T`, naming the parameter that does not fit; a NUL
/// character in a name or value is refused.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    if let Some((key, _)) = form_urlencoded::parse(query.as_bytes())
        .find(|(key, value)| key.contains('\0') || value.contains('\0'))
    {
        return Err(ApiError::field(key.replace('\0', ""), NUL_MESSAGE));
    }
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let field = err.path().to_string();
        ApiError::field(
            if field == "." {
                "query".to_owned()
            } else {
                field
            },
            err.into_inner().to_string(),
        )
    })
}
