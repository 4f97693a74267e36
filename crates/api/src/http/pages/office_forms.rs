//! What the office's action pages share: reading a posted form (its CSRF token checked
//! first, its language kept), and showing a form's answer on the page it came from —
//! a field's error beside the field, a refused step as a clear message, both in the
//! page's language — instead of a page of its own.

use super::session::{Session, csrf_holds};
use super::{Lang, failed, form_lang, layout, refused, words};
use crate::http::error::ApiError;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use uuid::Uuid;

/// A posted form's fields, in their order (a field may repeat: the ticked boxes).
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The fields of an `application/x-www-form-urlencoded` body.
    pub fn parse(body: &Bytes) -> Self {
        Self(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the box `name` was ticked.
    pub fn ticked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// `name` as a date; a blank or malformed one is an error on the field.
    pub fn date(&self, name: &str) -> Result<chrono::NaiveDate, ApiError> {
        self.get(name)
            .trim()
            .parse()
            .map_err(|_| ApiError::field(name, "must be a date like 2026-12-03"))
    }
}

/// The posted form of a signed-in office user: its fields once its CSRF token holds
/// (else the refusal page, boxed: it is large), and the session in the form's language.
pub fn read(
    mut session: Session,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(Session, Fields), Box<Response>> {
    let fields = Fields::parse(body);
    session.lang = form_lang(Some(fields.get("lang")), session.lang);
    if !csrf_holds(headers, fields.get("csrf")) {
        return Err(Box::new(refused(&session)));
    }
    Ok((session, fields))
}

/// The hidden fields every form of these pages carries.
pub fn hidden(session: &Session) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(session.csrf);
        input type="hidden" name="lang" value=(session.lang.code());
    }
}

/// The answer to a form about one thing (`target`: a visit, a hazard, a tip-off; none
/// for a page's one form), and which of its forms (`form`), to show beside that form.
#[derive(Debug)]
pub struct Answer {
    pub target: Option<Uuid>,
    pub form: &'static str,
    pub error: ApiError,
}

impl Answer {
    pub fn new(target: Option<Uuid>, form: &'static str, error: ApiError) -> Self {
        Self {
            target,
            form,
            error,
        }
    }

    /// Whether the page can show this answer itself: a field error or a refused step;
    /// anything else (not found, a fault) gets the error page.
    fn shown_on_the_page(&self) -> bool {
        matches!(
            self.error,
            ApiError::Validation(_) | ApiError::Conflict(_) | ApiError::Unavailable(_)
        )
    }

    fn status(&self) -> StatusCode {
        match self.error {
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::CONFLICT,
        }
    }

    /// Whether it answers the form `form` about `target`.
    pub fn is_for(&self, target: Option<Uuid>, form: &str) -> bool {
        self.target == target && self.form == form
    }
}

/// A page of the office's work in the frame, with the status of the `answer` it shows
/// (if any); a body that could not be made gives the error page.
pub fn framed(
    session: &Session,
    answer: Option<&Answer>,
    title: &str,
    body: Result<Markup, ApiError>,
) -> Response {
    let page = match body {
        Ok(body) => layout(session.lang, title, Some(session), body),
        Err(err) => return error_page(session, err),
    };
    match answer {
        None => page.into_response(),
        Some(a) => (a.status(), page).into_response(),
    }
}

/// Whether `answer` goes on the page (else the caller shows the error page).
pub fn on_page(answer: Answer) -> Result<Answer, ApiError> {
    if answer.shown_on_the_page() {
        Ok(answer)
    } else {
        Err(answer.error)
    }
}

/// The error page of an answer no page shows.
pub fn error_page(session: &Session, err: ApiError) -> Response {
    failed(session.lang, Some(session), err)
}

/// The box at the head of a form: what was wrong with it, in the page's language.
pub fn said(lang: Lang, answer: Option<&Answer>, target: Option<Uuid>, form: &str) -> Markup {
    let Some(answer) = answer.filter(|a| a.is_for(target, form)) else {
        return html! {};
    };
    match &answer.error {
        ApiError::Validation(errors) => html! {
            div class="error" role="alert" id="form-error" {
                p { (lang.t("以下内容有误：", "Please correct:")) }
                ul {
                    @for e in errors {
                        li data-field=(e.field) {
                            (words::field(lang, &e.field)) ": " (words::field_message(lang, &e.message))
                        }
                    }
                }
            }
        },
        ApiError::Conflict(why) | ApiError::Unavailable(why) => html! {
            div class="error" role="alert" id="conflict" {
                p { (lang.t("无法完成：", "Not done: ")) (words::conflict(lang, why)) }
            }
        },
        _ => html! {},
    }
}

/// The box of an answer about a thing the page no longer lists (a tip-off triaged
/// meanwhile, an ask decided already), at the head of the page.
pub fn said_unlisted(lang: Lang, answer: Option<&Answer>, listed: &[Uuid]) -> Markup {
    match answer {
        Some(a) if a.target.is_some_and(|t| !listed.contains(&t)) => {
            said(lang, Some(a), a.target, a.form)
        }
        _ => html! {},
    }
}

/// The error of `field` in `answer` to the form `form` about `target`, to show beside
/// the field.
pub fn field_error(
    lang: Lang,
    answer: Option<&Answer>,
    (target, form): (Option<Uuid>, &str),
    field: &str,
) -> Markup {
    let message = answer
        .filter(|a| a.is_for(target, form))
        .and_then(|a| match &a.error {
            ApiError::Validation(errors) => errors.iter().find(|e| e.field == field),
            _ => None,
        });
    html! {
        @if let Some(e) = message {
            span class="field-error" id={ "error-" (form) "-" (field) } { (words::field_message(lang, &e.message)) }
        }
    }
}

/// A line saying what was just done, after the redirect that follows a form.
pub fn done(lang: Lang, said: Option<(&'static str, &'static str)>) -> Markup {
    html! {
        @if let Some((zh, en)) = said {
            p class="done" role="status" id="done" { (lang.t(zh, en)) }
        }
    }
}

/// The value of `key` in a page's query string.
pub fn query_value(raw: Option<&str>, key: &str) -> Option<String> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// A page's query string without `key` (a filter form's fields are the rest).
pub fn query_without(raw: Option<&str>, key: &str) -> String {
    let pairs =
        form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).filter(|(k, _)| k != key);
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The links to the office's pages, at the head of each of them and of the dashboard.
pub fn office_links(lang: Lang) -> Markup {
    let l = lang.code();
    html! {
        nav aria-label=(lang.t("办公室工作", "The office's work")) {
            ul class="exports" id="office-links" {
                li { a href={ "/ui/office?lang=" (l) } { (lang.t("负荷总览", "Load review")) } }
                li { a id="link-visits" href={ "/ui/office/visits?lang=" (l) } { (lang.t("确认检查", "Confirm visits")) } }
                li { a id="link-replan" href={ "/ui/office/replan?lang=" (l) } { (lang.t("重新排期", "Re-plan")) } }
                li { a id="link-hazards" href={ "/ui/office/hazards?lang=" (l) } { (lang.t("逾期隐患", "Overdue hazards")) } }
                li { a id="link-extensions" href={ "/ui/office/extensions?lang=" (l) } { (lang.t("延期申请", "Extension asks")) } }
                li { a id="link-tipoffs" href={ "/ui/office/tipoffs?lang=" (l) } { (lang.t("举报处理", "Tip-offs")) } }
                li { a id="office-asks" href={ "/ui/office/asks?lang=" (l) } { (lang.t("企业排期申请（静默期、回避）", "Scheduling asks (quiet periods, recusals)")) } }
            }
        }
    }
}
