//! The enterprise portal: the enterprise's own announced visits ahead, with their
//! verification codes, and the link that puts the schedule in a calendar app. It reads
//! through `access::visits`, so it shows what `GET /visits` shows the same user.

use super::session::{Session, csrf_holds};
use super::{CsrfForm, Lang, Names, agencies_of, failed, form_lang, layout, refused, words};
use crate::app::AppState;
use crate::auth::Role;
use crate::http::error::ApiError;
use crate::http::hazards::FieldChunks;
use axum::Form;
use axum::extract::{FromRequestParts, Multipart, Path, State};
use axum::http::header::HOST;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use onevisit_domain::HazardStatus;
use onevisit_service::entities::hazard;
use onevisit_service::hazards::{Context, Step, evidence, take_step};
use onevisit_service::portal::{self, Portal};
use onevisit_service::verification::code_of;
use uuid::Uuid;

/// An enterprise user's session and the enterprise; anyone else gets the page that refuses them.
#[derive(Debug)]
pub struct EnterpriseUser(Session, Uuid);

impl FromRequestParts<AppState> for EnterpriseUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        match (session.caller.role, session.caller.enterprise_id) {
            (Role::Enterprise, Some(id)) => Ok(Self(session, id)),
            _ => Err(refused(&session)),
        }
    }
}

async fn portal_body(
    state: &AppState,
    session: &Session,
    enterprise_id: Uuid,
    feed_url: Option<&str>,
) -> Result<(String, Markup), ApiError> {
    let lang = session.lang;
    let today = state.clock.today();
    let Portal {
        name,
        rows,
        mut visits,
        hazards,
    } = portal::portal(&state.db, &session.caller, enterprise_id, today).await?;
    let names = Names::of(state, lang).await?;
    visits.iter_mut().for_each(|v| names.visit(v));
    let codes: Vec<Option<String>> = rows
        .iter()
        .map(|v| code_of(state.auth.verification_key(), v))
        .collect();
    let body = html! {
        h2 { (lang.t("即将到来的检查", "Upcoming visits")) }
        @if visits.is_empty() {
            p id="no-visits" { (lang.t("暂无已公布的检查。", "No announced visits ahead.")) }
        } @else {
            div class="scroll" {
                table id="visits" {
                    thead { tr {
                        th scope="col" { (lang.t("日期", "Date")) }
                        th scope="col" { (lang.t("状态", "Status")) }
                        th scope="col" { (lang.t("检查部门", "Agencies")) }
                        th scope="col" { (lang.t("核验码", "Verification code")) }
                    } }
                    tbody {
                        @for (visit, code) in visits.iter().zip(&codes) {
                            tr data-visit=(visit.id) data-enterprise=(visit.enterprise_id) {
                                td { time datetime=(visit.date) { (visit.date) } }
                                td { (words::visit_status(lang, &visit.status)) }
                                td { (agencies_of(lang, visit)) }
                                td class="code" {
                                    @match code {
                                        Some(code) => { (code) },
                                        None => { (lang.t("确认后发放", "given once confirmed")) },
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p { (lang.t("检查人员到达时，请核对核验码（/verify/核验码）。", "When the inspectors arrive, check the code at /verify/CODE.")) }
        }
        (hazard_section(lang, &session.csrf, &hazards, today))
        h2 { (lang.t("日历订阅", "Calendar subscription")) }
        @if let Some(url) = feed_url {
            p { (lang.t("把此链接添加到日历应用（仅显示这一次，请妥善保存）：", "Add this link to your calendar app (shown this once; keep it safe):")) }
            p class="code" id="feed-url" { a href=(url) { (url) } }
        }
        form method="post" action="/ui/enterprise/calendar-feed" {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="lang" value=(lang.code());
            p { (lang.t("生成新链接后，旧链接立即失效。", "A new link stops the previous one at once.")) }
            button type="submit" id="new-feed" { (lang.t("生成日历链接", "Make a calendar link")) }
        }
    };
    Ok((name, body))
}

/// The enterprise's open hazards with their deadlines, and for each one still open the
/// form that submits its rectification with one evidence file.
fn hazard_section(lang: Lang, csrf: &str, hazards: &[hazard::Model], today: NaiveDate) -> Markup {
    html! {
        h2 { (lang.t("待整改隐患", "Open hazards")) }
        @if hazards.is_empty() {
            p id="no-hazards" { (lang.t("没有待整改的隐患。", "No open hazards.")) }
        }
        @for h in hazards {
            section class="hazard" id={ "hazard-" (h.id) } aria-labelledby={ "hazard-title-" (h.id) } {
                h3 id={ "hazard-title-" (h.id) } { (h.title) }
                p {
                    (lang.t("整改期限：", "Deadline: ")) time datetime=(h.deadline) { (h.deadline) }
                    @if h.deadline < today { " " span class="warn" { (lang.t("已逾期", "overdue")) } }
                    " · " (lang.t("等级：", "Severity: ")) (words::severity(lang, h.severity.as_str()))
                    " · " (lang.t("状态：", "Status: ")) span class="hazard-status" data-status=(h.status) { (words::hazard_status(lang, h.status.as_str())) }
                }
                @if h.status == HazardStatus::Open {
                    form class="stack" method="post" enctype="multipart/form-data"
                        action={ "/ui/enterprise/hazards/" (h.id) "/rectification" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="lang" value=(lang.code());
                        label for={ "text-" (h.id) } { (lang.t("整改情况", "What was done"))
                            textarea id={ "text-" (h.id) } name="text" rows="3" required {}
                        }
                        label for={ "file-" (h.id) } { (lang.t("整改证据（JPEG、PNG 或 PDF）", "Evidence (JPEG, PNG or PDF)"))
                            input id={ "file-" (h.id) } name="file" type="file" required accept="image/jpeg,image/png,application/pdf";
                        }
                        button type="submit" id={ "submit-" (h.id) } { (lang.t("提交整改", "Submit the rectification")) }
                    }
                }
            }
        }
    }
}

/// What the rectification form sent, read in the form's order: the CSRF token is
/// checked before the file is stored.
pub async fn rectification(
    State(state): State<AppState>,
    EnterpriseUser(mut session, _): EnterpriseUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    mut form: Multipart,
) -> Response {
    let mut text = String::new();
    let mut csrf_checked = false;
    let mut evidence = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return failed(
                    session.lang,
                    Some(&session),
                    ApiError::BadRequest(e.body_text()),
                );
            }
        };
        match field.name().unwrap_or_default() {
            "csrf" => {
                let token = field.text().await.unwrap_or_default();
                if !csrf_holds(&headers, &token) {
                    return refused(&session);
                }
                csrf_checked = true;
            }
            "lang" => {
                let lang = field.text().await.unwrap_or_default();
                session.lang = form_lang(Some(&lang), session.lang);
            }
            "text" => text = field.text().await.unwrap_or_default(),
            "file" if csrf_checked => {
                let name = field.file_name().unwrap_or("evidence").to_owned();
                let cx = Context::from(&state);
                match evidence::upload(cx, &session.caller, id, &name, &mut FieldChunks(field))
                    .await
                {
                    Ok(stored) => evidence = Some(stored.id),
                    Err(err) => return failed(session.lang, Some(&session), err.into()),
                }
            }
            _ => {}
        }
    }
    if !csrf_checked {
        return refused(&session);
    }
    let Some(evidence) = evidence else {
        return failed(
            session.lang,
            Some(&session),
            ApiError::field("file", "no evidence file"),
        );
    };
    let step = Step::SubmitRectification {
        text,
        evidence: vec![evidence],
    };
    match take_step(Context::from(&state), &session.caller, id, step).await {
        Ok(_) => super::see_other(&format!(
            "/ui/enterprise?lang={}#hazard-{id}",
            session.lang.code()
        )),
        Err(err) => failed(session.lang, Some(&session), err.into()),
    }
}

async fn render(
    state: &AppState,
    session: &Session,
    enterprise_id: Uuid,
    feed_url: Option<&str>,
) -> Response {
    match portal_body(state, session, enterprise_id, feed_url).await {
        Ok((name, body)) => layout(session.lang, &name, Some(session), body).into_response(),
        Err(err) => failed(session.lang, Some(session), err),
    }
}

/// `/ui/enterprise`: the portal.
pub async fn portal(
    State(state): State<AppState>,
    EnterpriseUser(session, id): EnterpriseUser,
) -> Response {
    render(&state, &session, id, None).await
}

/// Makes a new calendar feed link (as `POST /enterprises/{id}/calendar-feed`) and shows it.
pub async fn calendar_feed(
    State(state): State<AppState>,
    EnterpriseUser(mut session, id): EnterpriseUser,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    session.lang = form_lang(form.lang.as_deref(), session.lang);
    if !csrf_holds(&headers, &form.csrf) {
        return refused(&session);
    }
    let path = match onevisit_service::calendar_feeds::new_feed(&state.db, id).await {
        Ok(path) => path,
        Err(err) => return failed(session.lang, Some(&session), err.into()),
    };
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.auth.secure_cookies {
        "https"
    } else {
        "http"
    };
    let url = format!("{scheme}://{host}{path}");
    let mut response = render(&state, &session, id, Some(&url)).await;
    if response.status() == StatusCode::OK {
        // The link is a secret: no cache may keep the page.
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    response
}
