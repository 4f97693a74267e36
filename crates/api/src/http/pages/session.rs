//! Signing in on the web pages: the access token the API issues, kept in a session
//! cookie (HttpOnly, SameSite=Strict, Secure when configured), and a CSRF token that
//! every form repeats (double submit: a page of another site can neither read the
//! cookie nor make the browser send it).

use super::Lang;
use crate::app::AppState;
use crate::auth::{Caller, Claims, authenticate};
use crate::http::error::ApiError;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "ov_session";
pub const CSRF_COOKIE: &str = "ov_csrf";

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` header for the pages' cookies; `max_age` 0 deletes it.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let cookie = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(max_age))
        .secure(state.auth.secure_cookies);
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A fresh CSRF token: 32 random bytes.
pub fn new_csrf() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether a form's CSRF token is the one of the browser's cookie.
pub fn csrf_holds(headers: &HeaderMap, form_token: &str) -> bool {
    cookie(headers, CSRF_COOKIE)
        .is_some_and(|c| !c.is_empty() && bool::from(c.as_bytes().ct_eq(form_token.as_bytes())))
}

/// A signed-in user of the pages: who, in which language, the CSRF token their forms
/// carry, and the page's query string but its `lang` (the language switch keeps the rest).
#[derive(Debug, Clone)]
pub struct Session {
    pub caller: Caller,
    pub lang: Lang,
    pub csrf: String,
    /// The page's address, for its language switch: where a GET came, or the home page
    /// for a form's answer (its address takes POST only).
    pub here: String,
    /// The page's query (without `lang`), kept by its language switch.
    pub query: String,
}

/// A 303 to the sign-in page.
pub fn to_login(lang: Lang) -> Response {
    super::see_other(&format!("/ui/login?lang={}", lang.code()))
}

/// A 303 to the sign-in page for a request that came without a live session: it says
/// that the session expired when there was one, and brings the user back to the page
/// (with its filters) after signing in again.
fn to_login_from(parts: &Parts, lang: Lang, expired: bool) -> Response {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("lang", lang.code());
    if expired {
        query.append_pair("expired", "1");
    }
    if parts.method == axum::http::Method::GET {
        let here = parts.uri.path_and_query().map_or("/ui", |p| p.as_str());
        query.append_pair("next", here);
    }
    super::see_other(&format!("/ui/login?{}", query.finish()))
}

/// Where to go after signing in: `next` if it is one of our pages, else the home page.
pub fn after_login(next: Option<&str>, lang: Lang) -> String {
    match next {
        // Only a path of ours: never another site (`//host`, `/\host`) nor a scheme.
        Some(next)
            if (next == "/ui" || next.starts_with("/ui/") || next.starts_with("/ui?"))
                && !next.contains('\\') =>
        {
            next.to_owned()
        }
        _ => format!("/ui?lang={}", lang.code()),
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = Lang::of(parts);
        let token = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty());
        let csrf = cookie(&parts.headers, CSRF_COOKIE).filter(|c| !c.is_empty());
        let (Some(token), Some(csrf)) = (token, csrf) else {
            return Err(to_login_from(parts, lang, false));
        };
        let claims = match authenticate(state, &token).await {
            Ok(claims) => claims,
            Err(ApiError::Unauthorized(_)) => return Err(to_login_from(parts, lang, true)),
            Err(other) => return Err(super::failed(lang, None, other)),
        };
        Ok(Self {
            caller: claims.into(),
            lang,
            csrf,
            here: if parts.method == axum::http::Method::GET {
                parts.uri.path().to_owned()
            } else {
                "/ui".to_owned()
            },
            query: if parts.method == axum::http::Method::GET {
                super::without_lang(parts.uri.query())
            } else {
                String::new()
            },
        })
    }
}

/// Middleware of the pages: a session in use past half its token's life gets a fresh
/// token (same session, new expiry), so that a user at work is not signed out 15
/// minutes after signing in; an idle one still is. A response that sets the session
/// cookie itself (signing in or out) is left as it is.
pub async fn renew(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let renewed = match cookie(request.headers(), SESSION_COOKIE) {
        Some(token) => renewal(&state, &token, request.headers()).await,
        None => None,
    };
    let mut response = next.run(request).await;
    let sets_session = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(SESSION_COOKIE.as_bytes()));
    if let Some((token, csrf)) = renewed
        && !sets_session
    {
        let headers = response.headers_mut();
        let ttl = state.auth.ttl_seconds;
        headers.append(SET_COOKIE, set_cookie(&state, SESSION_COOKIE, &token, ttl));
        headers.append(SET_COOKIE, set_cookie(&state, CSRF_COOKIE, &csrf, ttl));
    }
    response
}

/// A fresh token and the CSRF token to keep, when `token` is live and past half its life.
async fn renewal(state: &AppState, token: &str, headers: &HeaderMap) -> Option<(String, String)> {
    let csrf = cookie(headers, CSRF_COOKIE).filter(|c| !c.is_empty())?;
    let claims = state.auth.verify(token).ok()?;
    let now = chrono::Utc::now().timestamp();
    if claims.exp - now > state.auth.ttl_seconds / 2 {
        return None;
    }
    let claims = authenticate(state, token).await.ok()?;
    let fresh = Claims {
        iat: now,
        nbf: Some(now),
        exp: now + state.auth.ttl_seconds,
        ..claims
    };
    Some((state.auth.issue(&fresh).ok()?, csrf))
}

/// Sets the session and a fresh CSRF token on `response`.
pub fn start(state: &AppState, response: &mut Response, token: &str) {
    let headers = response.headers_mut();
    headers.append(
        SET_COOKIE,
        set_cookie(state, SESSION_COOKIE, token, state.auth.ttl_seconds),
    );
    headers.append(
        SET_COOKIE,
        set_cookie(state, CSRF_COOKIE, &new_csrf(), state.auth.ttl_seconds),
    );
}

/// Deletes the session and CSRF cookies on `response`.
pub fn end(state: &AppState, response: &mut Response) {
    let headers = response.headers_mut();
    headers.append(SET_COOKIE, set_cookie(state, SESSION_COOKIE, "", 0));
    headers.append(SET_COOKIE, set_cookie(state, CSRF_COOKIE, "", 0));
}
