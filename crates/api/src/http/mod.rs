//! The HTTP surface: routes, middleware and the OpenAPI document.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod draws;
pub mod enterprises;
pub mod error;
pub mod guard;
pub mod hazards;
pub mod health;
pub mod inspection_plans;
pub mod inspectors;
pub mod json;
pub mod metrics;
pub mod pages;
pub mod pagination;
pub mod plans;
pub mod requests;
pub mod review;
pub mod scheduling_asks;
pub mod tipoffs;
pub mod visit_actions;
pub mod visits;
pub mod webhooks;

use crate::app::AppState;
use axum::Router;
use axum::http::{HeaderName, Request};
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OneVisit",
        description = "Multi-agency joint-inspection scheduler: agencies book inspection requests, \
                       OneVisit merges them into joint visits, enterprises see their schedule.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Signing in"),
        (name = "admin", description = "Agencies and user accounts"),
        (name = "inspectors", description = "Each agency's inspectors, their leave and conflicts of interest"),
        (name = "enterprises", description = "Enterprises under supervision"),
        (name = "plans", description = "Re-planning proposed visits"),
        (name = "requests", description = "Inspection requests: booking and where they landed"),
        (name = "visits", description = "Joint visits"),
        (name = "verification", description = "Verification codes of confirmed visits, checked at the gate"),
        (name = "calendar", description = "Enterprises' iCalendar feeds"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "inspection-plans", description = "Periodic inspection plans: routine, look-back (回头看) and double-random (双随机)"),
        (name = "tipoffs", description = "The office's triage of tip-offs (举报)"),
        (name = "notifications", description = "Webhooks, the outbox of notifications and the job-run log"),
        (name = "public", description = "No login: draw records, random inspection results, tip-offs"),
        (name = "review", description = "The office's load review: visits, capacity, burden caps, duplicates avoided"),
        (name = "hazards", description = "Hazards found in visits: findings, evidence, rectification to verified close, hazard lists and the ledger"),
        (name = "audit", description = "The append-only audit trail of hazards, visits and requests"),
        (name = "scheduling-asks", description = "Two-way scheduling: enterprises ask for quiet periods and inspectors' recusals, the office decides"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` security scheme that protected operations name.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
    }
}

/// The routes and the OpenAPI document they describe.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(admin::list_agencies, admin::create_agency))
        .routes(routes!(admin::update_agency))
        .routes(routes!(admin::list_users, admin::create_user))
        .routes(routes!(admin::deactivate_user))
        .routes(routes!(inspectors::list, inspectors::create))
        .routes(routes!(inspectors::get))
        .routes(routes!(inspectors::set_unavailable))
        .routes(routes!(inspectors::set_conflicts))
        .routes(routes!(enterprises::create, enterprises::list))
        .routes(routes!(enterprises::import))
        .routes(routes!(enterprises::get))
        .routes(routes!(requests::book, requests::list))
        .routes(routes!(requests::get))
        .routes(routes!(requests::cancel))
        .routes(routes!(plans::replan))
        .routes(routes!(visits::list))
        .routes(routes!(visits::get))
        .routes(routes!(visit_actions::confirm))
        .routes(routes!(visit_actions::confirm_many))
        .routes(routes!(visit_actions::cancel))
        .routes(routes!(visit_actions::reschedule))
        .routes(routes!(visit_actions::verification))
        .routes(routes!(visit_actions::verify))
        .routes(routes!(calendar::rotate))
        .routes(routes!(calendar::feed))
        .routes(routes!(health::health))
        .routes(routes!(health::ready))
        .routes(routes!(metrics::metrics))
        .routes(routes!(inspection_plans::create, inspection_plans::list))
        .routes(routes!(inspection_plans::get))
        .routes(routes!(inspection_plans::pause))
        .routes(routes!(inspection_plans::resume))
        .routes(routes!(inspection_plans::fire))
        .routes(routes!(inspection_plans::restart_finding))
        .routes(routes!(draws::list))
        .routes(routes!(draws::get))
        .routes(routes!(draws::check))
        .routes(routes!(draws::results))
        .routes(routes!(tipoffs::status))
        .routes(routes!(tipoffs::list))
        .routes(routes!(tipoffs::dismiss))
        .routes(routes!(tipoffs::act))
        .routes(routes!(webhooks::create, webhooks::list))
        .routes(routes!(webhooks::outbox_list))
        .routes(routes!(webhooks::runs))
        .routes(routes!(webhooks::run_now))
        // Tip-offs come from anyone: their body is held to a few kilobytes.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(tipoffs::file))
                .layer(RequestBodyLimitLayer::new(tipoffs::BODY_LIMIT_BYTES)),
        )
        .routes(routes!(review::overview))
        .routes(routes!(review::days))
        .routes(routes!(review::agencies))
        .routes(routes!(review::districts))
        .routes(routes!(review::inspectors))
        .routes(routes!(review::duplicates))
        .routes(routes!(review::enterprises))
        .routes(routes!(review::timeline))
        .routes(routes!(review::hazards))
        .routes(routes!(review::overdue_hazards))
        .routes(routes!(visit_actions::complete))
        .routes(routes!(hazards::record))
        .routes(routes!(hazards::list))
        .routes(routes!(hazards::totals))
        .routes(routes!(hazards::export))
        .routes(routes!(hazards::get))
        .routes(routes!(hazards::submit_rectification))
        .routes(routes!(hazards::verify))
        .routes(routes!(hazards::reject))
        .routes(routes!(hazards::request_extension))
        .routes(routes!(hazards::approve_extension))
        .routes(routes!(hazards::refuse_extension))
        .routes(routes!(hazards::escalate))
        .routes(routes!(hazards::download_evidence))
        .routes(routes!(hazards::list_notices))
        .routes(routes!(hazards::get_notice))
        .routes(routes!(hazards::print_notice))
        .routes(routes!(audit::list))
        .routes(routes!(scheduling_asks::ask_quiet_period))
        .routes(routes!(scheduling_asks::ask_recusal))
        .routes(routes!(scheduling_asks::list))
        .routes(routes!(scheduling_asks::get))
        .routes(routes!(scheduling_asks::approve))
        .routes(routes!(scheduling_asks::refuse))
}

/// Routes with a body limit of their own: evidence uploads are larger than JSON bodies.
fn upload_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(hazards::upload_evidence))
}

/// The OpenAPI document of the API, as committed in `openapi/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut spec = routes().merge(upload_routes()).split_for_parts().1;
    utoipa::Modify::modify(&CommonErrors, &mut spec);
    spec
}

/// Documents, in one place, the error answers an operation can give whatever it does:
/// 400 when the request cannot be read, 401/403 on a protected operation, 404 for an id
/// in the path, 413 for a body over the limit, 422 for parameters or a body that do not
/// fit, 500 for a fault of ours. An operation that documents a status itself keeps its
/// own description. Applied once the routes are merged (the derive's modifiers run
/// before the paths exist).
struct CommonErrors;

impl utoipa::Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use std::collections::BTreeMap;
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{Content, ContentBuilder, Ref, RefOr, Response};

        const PROBLEM: &str = "application/problem+json";
        let problem = || -> Content {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build()
        };
        let response = |description: &str| {
            Response::builder()
                .description(description)
                .content(PROBLEM, problem())
                .build()
        };
        // name in components/responses -> the response
        let shared: BTreeMap<&str, Response> = BTreeMap::from([
            (
                "BadRequest",
                response(
                    "The request cannot be read: not JSON, or not the content type the operation takes",
                ),
            ),
            (
                "BadPath",
                response(
                    "The request cannot be read: a path parameter that is not valid (an id that is not a UUID, a NUL character)",
                ),
            ),
            ("Unauthorized", response("No valid access token")),
            ("Forbidden", response("The caller's role may not do this")),
            (
                "NotFound",
                response("No such thing, or not one the caller may see"),
            ),
            (
                "TooLarge",
                response("The body is larger than the operation takes"),
            ),
            (
                "Invalid",
                response("A parameter or a field of the body is not valid; the problem names it"),
            ),
            ("Internal", response("A fault of ours: logged, never shown")),
        ]);
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let parameters = operation.parameters.as_deref().unwrap_or_default();
                let located = |place: ParameterIn| {
                    parameters
                        .iter()
                        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
                };
                let in_path = located(ParameterIn::Path);
                let in_query = located(ParameterIn::Query);
                let with_body = operation.request_body.is_some();
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let mut wanted = Vec::new();
                if in_path {
                    wanted.extend([("400", "BadPath"), ("404", "NotFound")]);
                } else if in_query || with_body {
                    wanted.push(("400", "BadRequest"));
                }
                if secured {
                    wanted.extend([("401", "Unauthorized"), ("403", "Forbidden")]);
                }
                if with_body {
                    wanted.push(("413", "TooLarge"));
                }
                if in_query || with_body {
                    wanted.push(("422", "Invalid"));
                }
                wanted.push(("500", "Internal"));
                let responses = &mut operation.responses.responses;
                for (status, name) in wanted {
                    match responses.get_mut(status) {
                        None => {
                            responses.insert(
                                status.to_owned(),
                                RefOr::Ref(Ref::from_response_name(name)),
                            );
                        }
                        // The operation's own words stay; the content types it may also
                        // answer are added.
                        Some(RefOr::T(own)) => {
                            for (kind, content) in &shared[name].content {
                                own.content
                                    .entry(kind.clone())
                                    .or_insert_with(|| content.clone());
                            }
                        }
                        Some(RefOr::Ref(_)) => {}
                    }
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, response) in shared {
            components
                .responses
                .insert(name.to_owned(), RefOr::T(response));
        }
    }
}

/// The whole application: routes, the spec at `/openapi.json`, and middleware.
pub fn router(state: AppState) -> Router {
    let (router, mut spec) = routes().split_for_parts();
    let (uploads, upload_spec) = upload_routes().split_for_parts();
    spec.merge(upload_spec);
    utoipa::Modify::modify(&CommonErrors, &mut spec);
    // The multipart framing around the largest accepted file.
    let upload_limit = usize::try_from(state.hazards.max_evidence_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    let router = router
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .merge(
            uploads
                .layer(axum::extract::DefaultBodyLimit::disable())
                .layer(RequestBodyLimitLayer::new(upload_limit)),
        );
    let x_request_id = HeaderName::from_static("x-request-id");
    router
        // The docs UI's assets are built into the binary: nothing comes from the internet.
        .merge(utoipa_swagger_ui::SwaggerUi::new("/docs").url("/openapi.json", spec))
        .merge(pages::router(state.clone(), upload_limit))
        .fallback(|| async { error::ApiError::NotFound })
        .layer(axum::middleware::from_fn(guard::guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(x_request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                        let request_id = request
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default();
                        tracing::info_span!("http", method = %request.method(), uri = %request.uri(), request_id)
                    }),
                )
                .layer(PropagateRequestIdLayer::new(x_request_id)),
        )
        .with_state(state)
}
