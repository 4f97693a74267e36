//! The HTTP surface: routes, middleware and the OpenAPI document.

pub mod access;
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
pub mod tipoffs;
pub mod views;
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
        .routes(routes!(hazards::download_evidence))
        .routes(routes!(hazards::list_notices))
        .routes(routes!(hazards::get_notice))
        .routes(routes!(hazards::print_notice))
        .routes(routes!(audit::list))
}

/// Routes with a body limit of their own: evidence uploads are larger than JSON bodies.
fn upload_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(hazards::upload_evidence))
}

/// The OpenAPI document of the API, as committed in `openapi/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().merge(upload_routes()).split_for_parts().1
}

/// The whole application: routes, the spec at `/openapi.json`, and middleware.
pub fn router(state: AppState) -> Router {
    let (router, mut spec) = routes().split_for_parts();
    let (uploads, upload_spec) = upload_routes().split_for_parts();
    spec.merge(upload_spec);
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
